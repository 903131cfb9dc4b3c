/* etcd_open.c - open an "etcd:" store: endpoints, the server's version
 * (GET /version, 3.4 or newer), authentication, the store marker and the
 * node's own folder (startup check 2, as on the folder store). */
#include "kv/etcd/etcd_int.h"
#include "kv/etcd/tls.h"
#include "state/scan.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MARKER "haven-store"
#define DEFAULT_PREFIX "/haven"
#define PASSWORD_MAX 4096

/* "/name[/name...]": plain characters, no empty part, no trailing '/'. */
static bool prefix_ok(const char *p)
{
    size_t n = strlen(p);

    if (n < 2 || n > 200 || p[0] != '/' || p[n - 1] == '/') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/')) {
            return false;
        }
        if (c == '/' && p[i + 1] == '/') {
            return false;
        }
    }
    return true;
}

/* The password file: one line, bounded, no control characters. */
static int read_password(const char *path, char **out, char **err)
{
    char buf[PASSWORD_MAX + 2];
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    *out = NULL;
    if (fd < 0) {
        kv_err(err, "etcd_password_file %s: %s", path, strerror(errno));
        return -1;
    }
    while (len < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            kv_err(err, "etcd_password_file %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    if (len > 0 && buf[len - 1] == '\n') {
        buf[--len] = '\0';
    }
    if (len > 0 && buf[len - 1] == '\r') {
        buf[--len] = '\0';
    }
    if (len > PASSWORD_MAX || len == 0 || strlen(buf) != len || str_has_ctl(buf)) {
        kv_err(
            err, "etcd_password_file %s: want one line of at most %d characters", path, PASSWORD_MAX
        );
        return -1;
    }
    *out = xstrdup(buf);
    return 0;
}

/* GET /version: refuse anything but etcd 3.4 or newer. */
static int check_version(struct etcd_store *s, char **err)
{
    struct http_response r;
    cJSON *j = NULL;
    int major = 0, minor = 0, rc = -1;
    char *text = NULL;
    const char *url;

    struct http_req q = {"GET", "/version", NULL, 0, etcd_deadline(s), true};

    if (http_call(&s->http, &q, &r, err) != 0) {
        return -1;
    }
    url = s->http.eps[s->http.cur].url;
    if (r.status == 200) {
        j = ej_parse(r.body, r.len, NULL);
    }
    if (r.status == 400 && r.body != NULL && strstr(r.body, "HTTPS server") != NULL) {
        kv_err(err, "%s speaks https: use an https:// endpoint and etcd_cacert", url);
    } else if (j == NULL || ej_version(j, &major, &minor, &text) != 0) {
        kv_err(
            err, "%s is not an etcd server (GET /version: HTTP %d, no etcd version)", url, r.status
        );
    } else if (major < 3 || (major == 3 && minor < 4)) {
        kv_err(err, "%s runs etcd %s: haven needs etcd 3.4 or newer", url, text);
    } else {
        s->api = "/v3";
        rc = 0;
    }
    free(text);
    cJSON_Delete(j);
    http_response_free(&r);
    return rc;
}

/* "haven-store 1 id=<32 hex> created=<unix s>\n" -> id */
static int marker_parse(const char *text, size_t len, char id[ETCD_INSTANCE_HEX + 1])
{
    char buf[ETCD_INSTANCE_HEX + 2];
    long long created;
    const char *p = text;

    if (strlen(text) != len || !scan_lit(&p, MARKER " 1 id=") || !scan_word(&p, buf, sizeof(buf)) ||
        !scan_lit(&p, " created=") || !scan_ll(&p, LLONG_MIN, LLONG_MAX, &created) ||
        strlen(buf) != ETCD_INSTANCE_HEX || strspn(buf, "0123456789abcdef") != ETCD_INSTANCE_HEX ||
        (*p != '\0' && strcmp(p, "\n") != 0)) {
        return -1;
    }
    memcpy(id, buf, ETCD_INSTANCE_HEX + 1);
    return 0;
}

/* Read the marker (0), or find none (1), or find a bad one
 * (KV_OPEN_NOT_A_STORE), or fail (KV_OPEN_ERROR). */
static int read_marker(struct etcd_store *s, char id[ETCD_INSTANCE_HEX + 1], char **err)
{
    char *key = etcd_key(s, MARKER);
    struct etcd_range r;
    int rc;

    rc = etcd_range(s, key, NULL, 0, &r, err);
    free(key);
    if (rc != 0) {
        return -1;
    }
    if (r.n == 0) {
        rc = 1;
    } else if (marker_parse(r.kvs[0].value, r.kvs[0].value_len, id) != 0) {
        kv_err(err, "etcd prefix %s is not a haven store (bad marker)", s->prefix);
        rc = KV_OPEN_NOT_A_STORE;
    }
    etcd_range_free(&r);
    return rc;
}

/* Startup check 2: the marker, made in an empty prefix when no store_id is
 * configured (with one, the prefix is probably wrong: write nothing), never
 * by a read-only open (a read must not turn a mistyped prefix into a store).
 * 0, or a negative enum kv_open_result. */
static int check_marker(struct etcd_store *s, const char *want, bool read_only, char **err)
{
    char id[ETCD_INSTANCE_HEX + 1];
    int r = read_marker(s, id, err);

    if (r < 0) {
        return r;
    }
    if (r == 1) {
        struct etcd_txn_req t = {0};
        struct etcd_txn res;
        char *key, *text;

        if (read_only) {
            kv_err(
                err,
                "etcd prefix %s is empty - not a haven store yet (a daemon or a changing command "
                "makes it one)",
                s->prefix
            );
            return KV_OPEN_ERROR;
        }
        key = etcd_key(s, MARKER);
        if (want != NULL) {
            kv_err(
                err, "store id mismatch (etcd prefix %s has no store, store_id is %s)", s->prefix,
                want
            );
            free(key);
            return -1;
        }
        kv_random_hex(id, ETCD_INSTANCE_HEX);
        text = xasprintf(MARKER " 1 id=%s created=%lld\n", id, (long long)time(NULL));
        etx_cmp(&t.cmp, key, "CREATE", 0);
        etx_put(&t.ok, key, text, strlen(text), 0);
        r = etcd_txn(s, &t, 0, true, &res, err);
        etx_free(&t);
        free(text);
        free(key);
        if (r != 0) {
            return -1;
        }
        /* a racing initialiser won: its marker counts */
        if (!res.succeeded && (r = read_marker(s, id, err)) != 0) {
            if (r == 1) {
                kv_err(err, "etcd prefix %s: the store marker vanished", s->prefix);
            }
            etcd_txn_free(&res);
            return r == 1 ? KV_OPEN_ERROR : r;
        }
        etcd_txn_free(&res);
    }
    if (want != NULL && strcmp(want, id) != 0) {
        kv_err(
            err, "store id mismatch (etcd prefix %s has %s, store_id is %s)", s->prefix, id, want
        );
        return -1;
    }
    s->store_id = xstrdup(id);
    return 0;
}

static int64_t call_budget(const struct kv_options *o)
{
    int64_t ms = o->probe_max_age_ms > 0 ? o->probe_max_age_ms : 5000;

    if (o->renew_budget_ms > 0 && o->renew_budget_ms < ms) {
        ms = o->renew_budget_ms;
    }
    return ms < 100 ? 100 : ms > 30000 ? 30000 : ms;
}

/* The options that need no etcd: 0, or -1 and *err. */
static int check_options(const struct kv_options *o, const char *prefix, char **err)
{
    if (kv_check_options(o, "etcd:", "etcd:http://host:port,...", err) != 0) {
        return -1;
    }
    if (!prefix_ok(prefix)) {
        char *e = str_escaped(prefix);
        kv_err(err, "bad etcd_prefix '%s' (want /name[/name...])", e);
        free(e);
        return -1;
    }
    if ((o->etcd_user == NULL) != (o->etcd_password_file == NULL)) {
        kv_err(err, "etcd_user and etcd_password_file go together");
        return -1;
    }
    return 0;
}

static struct etcd_store *new_store(const struct kv_options *o, const char *prefix)
{
    struct etcd_store *s = xcalloc(1, sizeof(*s));

    s->http.fd = -1;
    s->prefix = xstrdup(prefix);
    s->api = "/v3";
    snprintf(s->node, sizeof(s->node), "%s", o->node);
    s->daemon = xstrdup(o->daemon);
    s->pid = (long)getpid();
    kv_random_hex(s->instance, ETCD_INSTANCE_HEX);
    s->lock_timeout_ms = o->lock_timeout_ms;
    s->renew_budget_ms = o->renew_budget_ms;
    s->node_timeout_ms = o->node_timeout_ms;
    s->probe_max_age_ms = o->probe_max_age_ms;
    s->call_ms = call_budget(o);
    s->notice = o->notice;
    s->notice_arg = o->notice_arg;
    s->faults = o->faults;
    s->rng = kv_rand_seed(s->instance);
    return s;
}

/* Reach a member: TLS files, endpoints, the version, the credentials. */
static int connect_store(struct etcd_store *s, const struct kv_options *o, char **err)
{
    struct tls_config *tls = NULL;

    if (o->etcd_cacert != NULL || o->etcd_cert != NULL || o->etcd_key != NULL ||
        strstr(o->url, "https://") != NULL) {
        if (tls_config_load(o->etcd_cacert, o->etcd_cert, o->etcd_key, &tls, err) != 0) {
            return -1;
        }
    }
    if (http_client_init(&s->http, o->url + 5, ETCD_MAX_BODY, tls, err) != 0 ||
        check_version(s, err) != 0) {
        return -1;
    }
    if (o->etcd_user != NULL) {
        s->user = xstrdup(o->etcd_user);
        if (read_password(o->etcd_password_file, &s->password, err) != 0 ||
            etcd_authenticate(s, etcd_deadline(s), err) != 0) {
            return -1;
        }
    }
    return 0;
}

int etcd_store_open(const struct kv_options *o, struct etcd_store **out, char **err)
{
    const char *prefix = o->etcd_prefix ? o->etcd_prefix : DEFAULT_PREFIX;
    struct etcd_store *s;
    char *own;
    int r;

    *out = NULL;
    if (check_options(o, prefix, err) != 0) {
        return -1;
    }
    s = new_store(o, prefix);
    r = connect_store(s, o, err) != 0 ? KV_OPEN_ERROR
                                      : check_marker(s, o->store_id, o->read_only, err);
    if (r != 0) {
        etcd_store_close(s);
        return r;
    }
    if (o->read_only) { /* the node's folder is made by its daemons */
        *out = s;
        return 0;
    }
    own = xasprintf("nodes/%s/resources", s->node);
    r = etcd_store_mkdir(s, own, err);
    free(own);
    if (r != 0) {
        etcd_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void etcd_store_close(struct etcd_store *s)
{
    if (s == NULL) {
        return;
    }
    etcd_locks_free(s);
    etcd_memos_free(s);
    http_client_free(&s->http);
    free(s->prefix);
    free(s->daemon);
    free(s->store_id);
    free(s->user);
    free(s->password);
    free(s);
}

const char *etcd_store_instance(const struct etcd_store *s)
{
    return s->instance;
}

void etcd_store_counters(const struct etcd_store *s, uint64_t *requests, uint64_t *bytes_sent)
{
    *requests = s->http.requests;
    *bytes_sent = s->http.bytes_sent;
}
