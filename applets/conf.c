/* conf.c - the key=value configuration file and the timings derived from
 * it (applets/README.md). Errors come back as one line in *err;
 * the applets print it and exit 2. */
#include "applets/conf.h"
#include "applets/local_file.h"
#include "state/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* The file is small: a bound on its size and lines, so that a wrong -c
 * (/dev/zero, a log file) is an error, not gigabytes read. */
#define CONF_FILE_MAX 65536
#define CONF_LINE_MAX 4096

enum conf_kind { K_NODE, K_STORE, K_STORE_ID, K_STRING, K_SECONDS };

struct conf_key {
    const char *name;
    enum conf_kind kind;
    size_t offset;
    int64_t max; /* K_SECONDS: the largest value accepted */
};

#define STR(f) offsetof(struct conf, f)
static const struct conf_key conf_keys[] = {
    {"node", K_NODE, 0, 0},
    {"store", K_STORE, STR(store), 0},
    {"store_id", K_STORE_ID, STR(store_id), 0},
    {"watchdog_socket", K_STRING, STR(watchdog_socket), 0},
    {"agents_dir", K_STRING, STR(agents_dir), 0},
    {"shutdown_marker", K_STRING, STR(shutdown_marker), 0},
    {"run_dir", K_STRING, STR(run_dir), 0},
    /* the etcd store (kv/etcd/etcd.h): key prefix, authentication, TLS files */
    {"etcd_prefix", K_STRING, STR(etcd_prefix), 0},
    {"etcd_user", K_STRING, STR(etcd_user), 0},
    {"etcd_password_file", K_STRING, STR(etcd_password_file), 0},
    {"etcd_cacert", K_STRING, STR(etcd_cacert), 0},
    {"etcd_cert", K_STRING, STR(etcd_cert), 0},
    {"etcd_key", K_STRING, STR(etcd_key), 0},
    {"log_file", K_STRING, STR(log_file), 0},
    {"notify_command", K_STRING, STR(notify_command), 0},
    {"notify_timeout", K_SECONDS, STR(notify_timeout), 3600},
    {"metrics_file", K_STRING, STR(metrics_file), 0},
    {"metrics_listen", K_STRING, STR(metrics_listen), 0},
    /* an hour for the timings of the lease and the loop, a day for the
     * fence delay and a status call, a week for an agent's migrate */
    {"lock_timeout", K_SECONDS, STR(lock_timeout), 3600},
    {"loop_interval", K_SECONDS, STR(loop_interval), 3600},
    {"fence_delay", K_SECONDS, STR(fence_delay), 86400},
    {"watchdog_client_timeout", K_SECONDS, STR(watchdog_client_timeout), 3600},
    {"agent_timeout", K_SECONDS, STR(agent_timeout), 604800},
    {"agent_status_timeout", K_SECONDS, STR(agent_status_timeout), 86400},
};
#define N_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Node name syntax (without ":prio"), at most 63 chars. */
static bool node_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
            )) {
            return false;
        }
    }
    return true;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t' || *s == '\r') {
        s++;
    }
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) {
        *--e = '\0';
    }
    return s;
}

static void set_defaults(struct conf *c)
{
    struct utsname u;

    memset(c, 0, sizeof(*c));
    if (uname(&u) == 0) {
        size_t n = strcspn(u.nodename, ".");
        if (n >= sizeof(c->node)) {
            n = sizeof(c->node) - 1;
        }
        memcpy(c->node, u.nodename, n);
        c->node[n] = '\0';
    }
    c->watchdog_socket = xstrdup("/run/watchdog-mux.sock");
    c->agents_dir = xstrdup("/usr/libexec/haven/agents");
    c->lock_timeout = 120;
    c->loop_interval = 10;
    c->fence_delay = 60;
    c->watchdog_client_timeout = 60;
    c->agent_timeout = 300;
    c->agent_status_timeout = 30;
    c->notify_timeout = 30;
}

/* A text value checked for its key: NULL or the problem (malloc'd). */
static char *text_problem(const struct conf_key *k, const char *val)
{
    switch (k->kind) {
    case K_STORE:
        if (!str_starts(val, "dir:/") && !str_starts(val, "etcd:http://") &&
            !str_starts(val, "etcd:https://")) {
            return xasprintf(
                "bad value for 'store': '%s' (want dir:<absolute path> or "
                "etcd:http(s)://host:port,...)",
                val
            );
        }
        return NULL;
    case K_STORE_ID:
        if (strlen(val) != 32 || strspn(val, "0123456789abcdef") != 32) {
            return xasprintf("bad value for 'store_id': '%s' (want 32 hex digits)", val);
        }
        return NULL;
    default:
        return *val == '\0' ? xasprintf("bad value for '%s': empty", k->name) : NULL;
    }
}

/* A number of seconds for key k: NULL or the problem (malloc'd). */
static char *set_seconds(struct conf *c, const struct conf_key *k, const char *val)
{
    long long v;

    if (str_to_ll(val, 0, k->max, &v) != STR_INT_OK) {
        return xasprintf(
            "bad value for '%s': '%s' is not a number of seconds in 0..%lld", k->name, val,
            (long long)k->max
        );
    }
    *(int64_t *)(void *)((char *)c + k->offset) = v;
    return NULL;
}

/* One "key=value" line; NULL or the problem (malloc'd). */
static char *apply(struct conf *c, const char *key, const char *val, bool *seen)
{
    const struct conf_key *k = NULL;
    size_t i;

    for (i = 0; i < N_KEYS; i++) {
        if (strcmp(conf_keys[i].name, key) == 0) {
            k = &conf_keys[i];
            break;
        }
    }
    if (k == NULL) {
        return xasprintf("unknown key '%s'", key);
    }
    if (seen[i]) {
        return xasprintf("repeated key '%s'", key);
    }
    seen[i] = true;
    if (k->kind == K_NODE) {
        if (!node_ok(val)) {
            return xasprintf("bad value for 'node': '%s' is not a valid node name", val);
        }
        snprintf(c->node, sizeof(c->node), "%s", val);
        return NULL;
    }
    if (k->kind == K_SECONDS) {
        return set_seconds(c, k, val);
    }
    char *problem = text_problem(k, val);
    if (problem == NULL) {
        char **f = (char **)(void *)((char *)c + k->offset);
        free(*f);
        *f = xstrdup(val);
    }
    return problem;
}

/* No file at all (errno ENOENT) is most likely a first start: say what
 * helps. */
static void add_first_start_hint(char **err)
{
    char *hint;

    if (errno != ENOENT) {
        return;
    }
    hint = xasprintf(
        "%s - use -c FILE, or create it: the least it needs is 'store=dir:/PATH' (the shared "
        "folder; see haven.conf.example)",
        *err
    );
    free(*err);
    *err = hint;
}

int conf_load(const char *path, struct conf *c, char **err)
{
    bool seen[N_KEYS] = {false};
    char *text, *next, *problem = NULL;
    size_t len;
    int lineno = 0;

    *err = NULL;
    if (path == NULL) {
        path = CONF_DEFAULT_PATH;
    }
    set_defaults(c);
    if (local_file_read(path, CONF_FILE_MAX, &text, &len, err) != 0) {
        add_first_start_hint(err);
        conf_free(c);
        return -1;
    }
    for (char *line = text; line != NULL && *line != '\0'; line = next) {
        char *s, *eq;

        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        lineno++;
        if (strlen(line) > CONF_LINE_MAX) {
            *err = xasprintf("%s:%d: line longer than %d bytes", path, lineno, CONF_LINE_MAX);
            break;
        }
        s = trim(line);
        if (*s == '\0' || *s == '#') {
            continue;
        }
        eq = strchr(s, '=');
        if (eq == NULL) {
            problem = xasprintf("expected key=value");
        } else {
            *eq = '\0';
            problem = apply(c, trim(s), trim(eq + 1), seen);
        }
        if (problem != NULL) {
            *err = xasprintf("%s:%d: %s", path, lineno, problem);
            free(problem);
            break;
        }
    }
    free(text);
    if (*err == NULL && c->node[0] == '\0') {
        *err = xasprintf("%s: no 'node' and no usable host name", path);
    }
    if (*err == NULL && !node_ok(c->node)) {
        *err = xasprintf("%s: host name '%s' is not a valid node name, set 'node'", path, c->node);
    }
    if (*err == NULL && c->store == NULL) {
        *err = xasprintf("%s: missing key 'store'", path);
    }
    if (*err != NULL) {
        conf_free(c);
        return -1;
    }
    return 0;
}

void conf_free(struct conf *c)
{
    free(c->store);
    free(c->store_id);
    free(c->watchdog_socket);
    free(c->agents_dir);
    free(c->shutdown_marker);
    free(c->run_dir);
    free(c->log_file);
    c->store = c->store_id = c->watchdog_socket = c->agents_dir = c->shutdown_marker = NULL;
    c->run_dir = c->log_file = NULL;
    free(c->etcd_prefix);
    free(c->etcd_user);
    free(c->etcd_password_file);
    free(c->etcd_cacert);
    free(c->etcd_cert);
    free(c->etcd_key);
    c->etcd_prefix = c->etcd_user = c->etcd_password_file = NULL;
    c->etcd_cacert = c->etcd_cert = c->etcd_key = NULL;
    free(c->notify_command);
    free(c->metrics_file);
    free(c->metrics_listen);
    c->notify_command = c->metrics_file = c->metrics_listen = NULL;
}

int64_t conf_short_sleep(const struct conf *c)
{
    return c->loop_interval / 2 > 1 ? c->loop_interval / 2 : 1;
}

int64_t conf_worker_wait(const struct conf *c)
{
    return c->loop_interval > 2 ? c->loop_interval - 2 : 0;
}

int64_t conf_node_timeout(const struct conf *c)
{
    return 3 * c->loop_interval;
}

int64_t conf_renew_budget(const struct conf *c, int64_t hw_timeout)
{
    return c->lock_timeout - c->watchdog_client_timeout - hw_timeout - 2;
}

int conf_check_timings(const struct conf *c, char **err)
{
    int64_t T = c->lock_timeout, R = c->loop_interval, C = c->watchdog_client_timeout;

    *err = NULL;
    if (R < 1) {
        *err = xasprintf("loop_interval %lld < 1", (long long)R);
    } else if (c->fence_delay < 0) {
        *err = xasprintf("fence_delay %lld < 0", (long long)c->fence_delay);
    } else if (T < 1 || C < 1 || c->agent_timeout < 1 || c->agent_status_timeout < 1) {
        *err = xasprintf(
            "timeouts must be >= 1 s (lock_timeout %lld, watchdog_client_timeout %lld, "
            "agent_timeout %lld, agent_status_timeout %lld)",
            (long long)T, (long long)C, (long long)c->agent_timeout,
            (long long)c->agent_status_timeout
        );
    } else if (T < C + 3) {
        *err = xasprintf(
            "unsafe timings: lock_timeout %lld < watchdog_client_timeout %lld + 3", (long long)T,
            (long long)C
        );
    } else if (C < R + conf_short_sleep(c) + 1) {
        *err = xasprintf(
            "unsafe timings: watchdog_client_timeout %lld < loop_interval %lld + %lld + 1",
            (long long)C, (long long)R, (long long)conf_short_sleep(c)
        );
    }
    return *err ? -1 : 0;
}

int conf_check_watchdog(const struct conf *c, int64_t mux_client, int64_t hw, char **err)
{
    int64_t T = c->lock_timeout, C = c->watchdog_client_timeout;

    *err = NULL;
    if (T < C + hw + 3) {
        *err = xasprintf(
            "watchdog-mux timings unsafe: lock_timeout %lld < client %lld + hw %lld + 3",
            (long long)T, (long long)C, (long long)hw
        );
    } else if (mux_client != C) {
        *err = xasprintf(
            "watchdog-mux timings unsafe: client-timeout %lld != watchdog_client_timeout %lld",
            (long long)mux_client, (long long)C
        );
    }
    return *err ? -1 : 0;
}

void conf_kv_options(
    const struct conf *c, const char *daemon, int64_t hw_timeout, struct kv_options *o
)
{
    memset(o, 0, sizeof(*o));
    o->url = c->store;
    o->node = c->node;
    o->store_id = c->store_id;
    o->daemon = daemon;
    o->lock_timeout_ms = c->lock_timeout * 1000;
    o->renew_budget_ms = conf_renew_budget(c, hw_timeout) * 1000;
    o->node_timeout_ms = conf_node_timeout(c) * 1000;
    o->probe_max_age_ms = 2 * conf_short_sleep(c) * 1000;
    o->etcd_prefix = c->etcd_prefix;
    o->etcd_user = c->etcd_user;
    o->etcd_password_file = c->etcd_password_file;
    o->etcd_cacert = c->etcd_cacert;
    o->etcd_cert = c->etcd_cert;
    o->etcd_key = c->etcd_key;
}
