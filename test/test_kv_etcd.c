/* test_kv_etcd.c - the etcd store backend (kv/etcd/) against REAL etcd
 * members started by test/etcd.sh on loopback ports (never a mock): the
 * HTTP response parser, base64 and the JSON decoders on hostile input; the
 * store's files, folders, spool, locks (16 contenders, expiry takeover,
 * the fencing txn rejecting a deposed holder's write), probe and members;
 * read-only opens; steady daemon rounds (test/etcd_rounds.h) add one
 * revision per status written and nothing else, and compacted, the
 * database stays bounded;
 * bad input at open (unreachable, a non-etcd HTTP server, an old etcd, a
 * server that hangs, a wrong prefix); endpoint failover with one member
 * frozen and one killed. Without etcd installed: "not run". */
#include "kv/etcd/base64.h"
#include "kv/etcd/etcd_int.h"
#include "kv/etcd/http.h"
#include "test/etcd_rounds.h"
#include "test/etcd_test.h"
#include "test/test.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_MS 2000 /* etcd's smallest lease TTL with default timings */
#define LOCK "ha_manager_lock"

static char *cluster_dir, *endpoints;
static int test_seq;
static int64_t t_ms = T_MS; /* lock_timeout of the stores opened */
static const char *tls_ca, *tls_cert, *tls_key; /* for the stores opened */
static bool open_read_only; /* kv_options.read_only of the stores opened */
static struct kv_faults etcd_faults; /* injected into every store opened */

/* ---- the cluster ---- */

static int start_cluster(int n)
{
    return etcd_test_start(n, "http", "", &cluster_dir, &endpoints);
}

static pid_t member_pid(int i)
{
    char *path = xasprintf("%s/m%d.pid", cluster_dir, i);
    FILE *f = fopen(path, "r");
    long pid = 0;

    free(path);
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1) {
            pid = 0;
        }
        fclose(f);
    }
    return (pid_t)pid;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg, (void)msg;
}

/* A store on url (NULL = the cluster) under a prefix of its own per test,
 * with etcd's authentication when user is not NULL. */
static struct etcd_store *open_auth(
    const char *url,
    const char *prefix,
    const char *node,
    const char *daemon,
    const char *store_id,
    const char *user,
    const char *password_file,
    char **err
)
{
    struct kv_options o = {0};
    struct etcd_store *s = NULL;
    char *u = url ? xstrdup(url) : xasprintf("etcd:%s", endpoints);

    o.url = u;
    o.node = node;
    o.daemon = daemon;
    o.store_id = store_id;
    o.lock_timeout_ms = t_ms;
    o.renew_budget_ms = t_ms / 2;
    o.node_timeout_ms = t_ms;
    o.probe_max_age_ms = t_ms;
    o.notice = quiet;
    o.etcd_prefix = prefix;
    o.etcd_user = user;
    o.etcd_password_file = password_file;
    o.etcd_cacert = tls_ca;
    o.etcd_cert = tls_cert;
    o.etcd_key = tls_key;
    o.read_only = open_read_only;
    o.faults = &etcd_faults;
    if (etcd_store_open(&o, &s, err) != 0) {
        s = NULL;
    }
    free(u);
    return s;
}

static struct etcd_store *open_url(
    const char *url,
    const char *prefix,
    const char *node,
    const char *daemon,
    const char *store_id,
    char **err
)
{
    return open_auth(url, prefix, node, daemon, store_id, NULL, NULL, err);
}

static char *new_prefix(const char *what)
{
    return xasprintf("/t%ld-%d/%s", (long)getpid(), ++test_seq, what);
}

static struct etcd_store *open_node(const char *prefix, const char *node, const char *daemon)
{
    char *err = NULL;
    struct etcd_store *s = open_url(NULL, prefix, node, daemon, NULL, &err);

    if (s == NULL) {
        fprintf(stderr, "open %s %s: %s\n", prefix, node, err);
    }
    free(err);
    return s;
}

/* Retry the lock every 20 ms for up to limit_ms: 0 got it, -1 not. */
static int get_within(struct etcd_store *s, const char *name, int64_t limit_ms)
{
    int64_t start = kv_now_ms();

    while (kv_now_ms() - start < limit_ms) {
        char *err = NULL;
        int r = etcd_store_lock_get(s, name, &err);

        free(err);
        if (r == 0) {
            return 0;
        }
        kv_sleep_ms(20);
    }
    return -1;
}

static bool one_line(const char *s)
{
    return s != NULL && *s != '\0' && strchr(s, '\n') == NULL;
}

/* ---- pure parts: parser, base64, JSON ---- */

/* Feed text in pieces of step bytes: the parser's return, the body. */
static int parse_steps(const char *text, size_t len, size_t step, size_t max, char **body)
{
    struct http_parser p;
    size_t off = 0, used;
    int r = 0;

    http_parser_init(&p, max);
    *body = NULL;
    while (off < len && r == 0) {
        size_t n = len - off < step ? len - off : step;
        r = http_parser_feed(&p, text + off, n, &used);
        off += used;
    }
    if (r == 0) {
        r = http_parser_eof(&p);
    }
    if (r == 1) {
        *body = strbuf_take(&p.body);
    }
    http_parser_free(&p);
    return r;
}

static void test_parser_bodies(void)
{
    static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    static const char ch[] =
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nGrpc-Trailer: x\r\n\r\n";
    static const char eof[] = "HTTP/1.0 200 OK\r\n\r\nuntil the end";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    char *body;

    for (size_t step = 1; step <= 64; step *= 4) {
        CHECK_INT(parse_steps(cl, strlen(cl), step, 100, &body), 1);
        CHECK_STR(body, "hello");
        free(body);
        CHECK_INT(parse_steps(ch, strlen(ch), step, 100, &body), 1);
        CHECK_STR(body, "abcde");
        free(body);
        CHECK_INT(parse_steps(eof, strlen(eof), step, 100, &body), 1);
        CHECK_STR(body, "until the end");
        free(body);
        CHECK_INT(parse_steps(cont, strlen(cont), step, 100, &body), 1);
        CHECK_STR(body, "");
        free(body);
    }
    /* the bytes after a complete response are not consumed; keep-alive */
    {
        struct http_parser p;
        size_t used;
        const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1";

        http_parser_init(&p, 100);
        CHECK_INT(http_parser_feed(&p, two, strlen(two), &used), 1);
        CHECK_INT(used, strlen(two) - strlen("HTTP/1.1"));
        CHECK(http_parser_reusable(&p));
        http_parser_free(&p);
        http_parser_init(&p, 100);
        CHECK_INT(
            http_parser_feed(
                &p,
                "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                "Content-Length: 0\r\n\r\n",
                57, &used
            ),
            1
        );
        CHECK(!http_parser_reusable(&p));
        http_parser_free(&p);
    }
}

static void test_parser_hostile(void)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20x OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", /* over max */
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nnot a "
        "trailer\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 101 Switching\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ntruncated", /* then EOF */
        "HTTP/1.1 200 OK\r\nContent-Le", /* EOF in the head */
        "",
    };
    char *body, *big;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse_steps(bad[i], strlen(bad[i]), 7, 100, &body);
        if (r != -1) {
            fprintf(stderr, "accepted bad response %zu\n", i);
        }
        CHECK_INT(r, -1);
        free(body);
    }
    /* an endless header line, an endless head, a body over the bound */
    big = xmalloc(200000);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(big + 20, 'a', 200000 - 20);
    CHECK_INT(parse_steps(big, 200000, 4096, 100, &body), -1);
    for (size_t i = 17; i + 4 < 200000; i += 4) {
        memcpy(big + i, "X:\r\n", 4);
    }
    CHECK_INT(parse_steps(big, 200000, 4096, 100, &body), -1);
    memcpy(big, "HTTP/1.0 200 OK\r\n\r\n", 19);
    CHECK_INT(parse_steps(big, 200000, 4096, 1000, &body), -1);
    free(big);
}

static void test_base64(void)
{
    static const char *const good[][2] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"/haven/ha/manager_status", "L2hhdmVuL2hhL21hbmFnZXJfc3RhdHVz"},
    };
    static const char *const bad[] = {
        "Zg", "Zg=", "Z===", "Zh==", "Zm9=", "Zm9v\n", "Zm 9", "Zg==Zg==", "=Zg=", "Zm9v!A=="};
    char *out, *enc;
    size_t n;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        enc = b64_encode(good[i][0], strlen(good[i][0]));
        CHECK_STR(enc, good[i][1]);
        free(enc);
        CHECK_INT(b64_decode(good[i][1], strlen(good[i][1]), 100, &out, &n), 0);
        CHECK_INT(n, strlen(good[i][0]));
        CHECK_STR(out, good[i][0]);
        free(out);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(b64_decode(bad[i], strlen(bad[i]), 100, &out, &n), -1);
        CHECK(out == NULL);
    }
    CHECK_INT(b64_decode("Zm9vYg==", 8, 3, &out, &n), -1); /* over max */
    /* every byte value round-trips */
    {
        unsigned char all[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (unsigned char)i;
        }
        enc = b64_encode(all, 256);
        CHECK_INT(b64_decode(enc, strlen(enc), 256, &out, &n), 0);
        CHECK(n == 256 && memcmp(out, all, 256) == 0);
        free(out);
        free(enc);
    }
}

static int range_of(const char *json, struct etcd_range *r)
{
    char *err = NULL;
    cJSON *j = ej_parse(json, strlen(json), &err);
    int rc = j ? ej_range(j, r, &err) : -1;

    if (rc != 0) {
        CHECK(one_line(err));
    }
    free(err);
    cJSON_Delete(j);
    return rc;
}

static void test_json_hostile(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"kvs\":1}",
        "{\"kvs\":[1]}",
        "{\"kvs\":[{}]}",
        "{\"kvs\":[{\"key\":\"Zg\"}]}",
        "{\"kvs\":[{\"key\":\"Zg==\",\"create_revision\":5}]}",
        "{\"kvs\":[{\"key\":\"Zg==\",\"create_revision\":\"-5\"}]}",
        "{\"kvs\":[{\"key\":\"Zg==\",\"mod_revision\":\"99999999999999999999\"}]}",
        "{\"kvs\":[{\"key\":\"Zg==\",\"version\":\"0x10\"}]}",
        "{\"kvs\":[{\"key\":\"Zg==\",\"value\":\"!!!!\"}]}",
        "{\"kvs\":[{\"key\":\"\"}]}",
        "{\"more\":\"yes\"}",
        "{\"count\":\"1\"} trailing",
        "{\"count\":\"1\"",
    };
    struct etcd_range r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (range_of(bad[i], &r) == 0) {
            fprintf(stderr, "accepted bad range %zu\n", i);
            CHECK(0);
            etcd_range_free(&r);
        }
    }
    CHECK_INT(
        range_of(
            "{\"header\":{\"revision\":\"7\"},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":"
            "\"2\",\"mod_revision\":\"7\",\"version\":\"3\",\"value\":\"YmFy\",\"lease\":"
            "\"9223372036854775807\"}],\"count\":\"1\"}\n",
            &r
        ),
        0
    );
    CHECK_INT(r.n, 1);
    CHECK_STR(r.kvs[0].key, "foo");
    CHECK_STR(r.kvs[0].value, "bar");
    CHECK_INT(r.kvs[0].create_rev, 2);
    CHECK_INT(r.kvs[0].mod_rev, 7);
    CHECK(r.kvs[0].lease == INT64_MAX);
    etcd_range_free(&r);
    /* a txn without a header revision, a lease without an ID, errors */
    {
        char *err = NULL;
        struct etcd_txn t;
        int64_t id, ttl;
        int code;
        cJSON *j = ej_parse("{\"succeeded\":true}", 18, &err);

        CHECK_INT(ej_txn(j, &t, &err), -1);
        cJSON_Delete(j);
        j = ej_parse("{\"result\":{\"TTL\":\"5\",\"ID\":5}}", 30, &err);
        CHECK_INT(ej_lease(j, true, &id, &ttl, &err), -1);
        cJSON_Delete(j);
        j = ej_parse("{\"error\":\"x\",\"message\":\"bad\\nline\",\"code\":5}", 44, &err);
        {
            char *m = ej_error(j, &code);
            CHECK_STR(m, "bad\\nline");
            CHECK_INT(code, 5);
            free(m);
        }
        cJSON_Delete(j);
        free(err);
    }
}

/* ---- a tiny non-etcd HTTP server (bad input, not a mock of etcd) ---- */

struct fake {
    pid_t pid;
    int port;
};

/* Answer every request on a new connection with reply (NULL: accept and
 * never answer). */
static struct fake fake_start(const char *reply)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof(a);
    struct fake f = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        perror("fake server");
        exit(2);
    }
    f.port = ntohs(a.sin_port);
    f.pid = fork();
    if (f.pid == 0) {
        for (;;) {
            int c = accept(fd, NULL, NULL);
            char buf[4096];

            if (c < 0) {
                continue;
            }
            if (read(c, buf, sizeof(buf)) > 0 && reply != NULL) {
                if (write(c, reply, strlen(reply)) < 0) {
                    _exit(1);
                }
                close(c);
            } else if (reply == NULL) {
                pause(); /* hang: no answer, no RST */
            }
        }
    }
    close(fd);
    return f;
}

static void fake_stop(struct fake *f)
{
    kill(f->pid, SIGKILL);
    waitpid(f->pid, NULL, 0);
}

/* Open on one fake server: the error (caller frees), NULL if it opened. */
static char *open_fake(const char *reply, int64_t *took)
{
    struct fake f = fake_start(reply);
    char *url = xasprintf("etcd:http://127.0.0.1:%d", f.port), *err = NULL;
    int64_t start = kv_now_ms();
    struct etcd_store *s = open_url(url, NULL, "n1", "crm", NULL, &err);

    *took = kv_now_ms() - start;
    if (getenv("VERBOSE") != NULL) {
        fprintf(stderr, "# fake server: %s\n", err ? err : "(opened)");
    }
    etcd_store_close(s);
    fake_stop(&f);
    free(url);
    return err;
}

static void test_open_bad_input(void)
{
    char *err = NULL;
    int64_t took;
    struct etcd_store *s;

    /* nothing listens */
    {
        struct fake f = fake_start("x");
        char *url = xasprintf("etcd:http://127.0.0.1:%d", f.port);

        fake_stop(&f); /* the port is closed now */
        s = open_url(url, NULL, "n1", "crm", NULL, &err);
        CHECK(s == NULL);
        CHECK(one_line(err) && strstr(err, "etcd unreachable") && strstr(err, "refused"));
        free(err);
        err = NULL;
        free(url);
    }
    /* a web server that is not etcd */
    err = open_fake("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", &took);
    CHECK(one_line(err) && strstr(err, "is not an etcd server"));
    free(err);
    err = open_fake("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", &took);
    CHECK(one_line(err) && strstr(err, "is not an etcd server"));
    free(err);
    /* an old etcd */
    err = open_fake(
        "HTTP/1.1 200 OK\r\nContent-Length: 44\r\n\r\n"
        "{\"etcdserver\":\"3.3.9\",\"etcdcluster\":\"3.3.0\"}",
        &took
    );
    CHECK(one_line(err) && strstr(err, "etcd 3.3.9: haven needs etcd 3.4 or newer"));
    free(err);
    /* garbage, a truncated and an oversized answer */
    err = open_fake("SSH-2.0-OpenSSH_9.2p1\r\n", &took);
    CHECK(one_line(err) && strstr(err, "not an HTTP/1.x response"));
    free(err);
    err = open_fake("\x16\x03\x01\x02\x00binary\r\n\r\n", &took);
    CHECK(one_line(err) && strstr(err, "control character in HTTP head"));
    free(err);
    err = open_fake("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"etcdserver\":", &took);
    CHECK(one_line(err) && strstr(err, "truncated HTTP response"));
    free(err);
    err = open_fake("HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", &took);
    CHECK(one_line(err) && strstr(err, "HTTP response too large"));
    free(err);
    /* a server that accepts and never answers: the deadline ends it */
    err = open_fake(NULL, &took);
    CHECK(one_line(err) && strstr(err, "timed out waiting for the response"));
    CHECK(took < 10 * T_MS); /* bounded (generously: never a timing check) */
    free(err);
    err = NULL;
    /* bad endpoint lists and options */
    {
        static const char *const urls[] = {
            "etcd:",
            "etcd:ftp://h:1",
            "etcd:http://h:0",
            "etcd:http://h:65536",
            "etcd:http://h:2379/v3",
            "etcd:http://h:2379,",
            "etcd:http://a b:1",
            "etcd:https://h:2379", /* no etcd_cacert */
        };
        for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
            s = open_url(urls[i], NULL, "n1", "crm", NULL, &err);
            CHECK(s == NULL && one_line(err));
            free(err);
            err = NULL;
        }
        s = open_url(NULL, "haven", "n1", "crm", NULL, &err);
        CHECK(s == NULL && one_line(err) && strstr(err, "bad etcd_prefix"));
        free(err);
        err = NULL;
        s = open_url(NULL, "/a//b", "n1", "crm", NULL, &err);
        CHECK(s == NULL && one_line(err) && strstr(err, "bad etcd_prefix"));
        free(err);
        err = NULL;
    }
}

/* ---- the store ---- */

static void test_marker_and_store_id(void)
{
    char *prefix = new_prefix("marker"), *err = NULL, *other;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b;
    char id[ETCD_INSTANCE_HEX + 1];

    CHECK(a != NULL);
    if (a == NULL) {
        free(prefix);
        return;
    }
    snprintf(id, sizeof(id), "%s", a->store_id);
    /* the same id again: fine; another id: refused; a wrong (empty)
     * prefix with an id configured: refused, and nothing written there */
    b = open_url(NULL, prefix, "n2", "lrm", id, &err);
    CHECK(b != NULL);
    etcd_store_close(b);
    b = open_url(NULL, prefix, "n2", "lrm", "0123456789abcdef0123456789abcdef", &err);
    CHECK(b == NULL && one_line(err) && strstr(err, "store id mismatch"));
    free(err);
    err = NULL;
    other = xasprintf("%s-wrong", prefix);
    b = open_url(NULL, other, "n2", "lrm", id, &err);
    CHECK(b == NULL && one_line(err) && strstr(err, "has no store"));
    free(err);
    err = NULL;
    {
        struct etcd_range r;
        struct etcd_range_opts o = {.prefix = true, .count_only = true};
        char *k = xasprintf("%s/", other);
        CHECK_INT(etcd_range(a, k, &o, 0, &r, &err), 0);
        CHECK_INT(r.count, 0);
        etcd_range_free(&r);
        free(k);
    }
    free(other);
    /* a host name instead of an address (resolved once, at open; each of
     * its addresses is tried in turn) */
    {
        char *u = xasprintf("etcd:http://localhost:%s", strrchr(endpoints, ':') + 1);
        b = open_url(u, prefix, "n2", "lrm", id, &err);
        CHECK(b != NULL);
        etcd_store_close(b);
        free(u);
    }
    etcd_store_close(a);
    free(prefix);
}

static void test_files(void)
{
    char *prefix = new_prefix("files"), *err = NULL, *data;
    struct etcd_store *s = open_node(prefix, "n1", "crm");
    size_t len;

    CHECK(s != NULL);
    if (s == NULL) {
        free(prefix);
        return;
    }
    CHECK_INT(etcd_store_read(s, "ha/manager_status", &data, &len, &err), 1);
    CHECK(data == NULL);
    CHECK_INT(etcd_store_write(s, "ha/manager_status", "{\"a\":1}", 7, NULL, &err), 0);
    CHECK_INT(etcd_store_read(s, "ha/manager_status", &data, &len, &err), 0);
    CHECK_INT(len, 7);
    CHECK_STR(data, "{\"a\":1}");
    free(data);
    /* binary content and an empty file */
    CHECK_INT(etcd_store_write(s, "ha/bin", "a\0b\xff", 4, NULL, &err), 0);
    CHECK_INT(etcd_store_read(s, "ha/bin", &data, &len, &err), 0);
    CHECK(len == 4 && memcmp(data, "a\0b\xff", 4) == 0);
    free(data);
    CHECK_INT(etcd_store_write(s, "ha/empty", "", 0, NULL, &err), 0);
    CHECK_INT(etcd_store_read(s, "ha/empty", &data, &len, &err), 0);
    CHECK_INT(len, 0);
    free(data);
    CHECK_INT(etcd_store_remove(s, "ha/empty", &err), 0);
    CHECK_INT(etcd_store_remove(s, "ha/empty", &err), 0); /* absent = ok */
    CHECK_INT(etcd_store_read(s, "ha/empty", &data, &len, &err), 1);
    /* bad paths */
    {
        static const char *const bad[] = {"", "/abs", "a//b", "a/", "../x", "a/./b", "a\nb"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            CHECK_INT(etcd_store_write(s, bad[i], "x", 1, NULL, &err), -1);
            CHECK(one_line(err) && strstr(err, "invalid store path"));
        }
    }
    /* a guarded write without the lock */
    CHECK_INT(etcd_store_write(s, "ha/manager_status", "x", 1, LOCK, &err), -1);
    CHECK_STR(err, "lost manager lock - not writing manager status");
    free(err);
    etcd_store_close(s);
    free(prefix);
}

static void test_list_mkdir_rename(void)
{
    char *prefix = new_prefix("list"), *err = NULL, **names, *data;
    struct etcd_store *s = open_node(prefix, "n1", "crm");
    size_t n, len;

    CHECK(s != NULL);
    if (s == NULL) {
        free(prefix);
        return;
    }
    /* absent folder: no names */
    CHECK_INT(etcd_store_list(s, "nope", &names, &n, &err), 0);
    CHECK_INT(n, 0);
    CHECK(names != NULL && names[0] == NULL);
    kv_free_names(names);
    /* files, sub-folders (with many keys each), dot names */
    CHECK_INT(etcd_store_mkdir(s, "nodes/n2/resources", &err), 0);
    CHECK_INT(etcd_store_mkdir(s, "nodes/n2/resources", &err), 0);
    for (int i = 0; i < 150; i++) {
        char *p = xasprintf("nodes/n2/resources/vm:%03d", i);
        CHECK_INT(etcd_store_write(s, p, "", 0, NULL, &err), 0);
        free(p);
    }
    CHECK_INT(etcd_store_write(s, "nodes/n3/lrm_status", "{}", 2, NULL, &err), 0);
    CHECK_INT(etcd_store_write(s, "nodes/.hidden", "x", 1, NULL, &err), 0);
    CHECK_INT(etcd_store_write(s, "nodes/n1.txt", "x", 1, NULL, &err), 0);
    CHECK_INT(etcd_store_list(s, "nodes", &names, &n, &err), 0);
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK_STR(names[0], "n1");
        CHECK_STR(names[1], "n1.txt");
        CHECK_STR(names[2], "n2");
        CHECK_STR(names[3], "n3");
    }
    kv_free_names(names);
    CHECK_INT(etcd_store_list(s, "nodes/n2/resources", &names, &n, &err), 0);
    CHECK_INT(n, 150);
    if (n == 150) {
        CHECK_STR(names[0], "vm:000");
        CHECK_STR(names[149], "vm:149");
    }
    kv_free_names(names);
    CHECK_INT(etcd_store_list(s, "nodes/n1/resources", &names, &n, &err), 0);
    CHECK_INT(n, 0); /* made by open, empty */
    kv_free_names(names);
    /* rename: moves content, absent source = 1 */
    CHECK_INT(
        etcd_store_rename(s, "nodes/n2/resources/vm:007", "nodes/n1/resources/vm:007", &err), 0
    );
    CHECK_INT(etcd_store_read(s, "nodes/n2/resources/vm:007", &data, &len, &err), 1);
    CHECK_INT(etcd_store_read(s, "nodes/n1/resources/vm:007", &data, &len, &err), 0);
    free(data);
    CHECK_INT(etcd_store_rename(s, "nodes/n2/resources/vm:007", "nodes/n1/x", &err), 1);
    CHECK_INT(etcd_store_write(s, "ha/a", "A", 1, NULL, &err), 0);
    CHECK_INT(etcd_store_write(s, "ha/b", "B", 1, NULL, &err), 0);
    CHECK_INT(etcd_store_rename(s, "ha/a", "ha/b", &err), 0); /* replaces */
    CHECK_INT(etcd_store_read(s, "ha/b", &data, &len, &err), 0);
    CHECK_STR(data, "A");
    free(data);
    free(err);
    etcd_store_close(s);
    free(prefix);
}

static void test_lock_basic(void)
{
    char *prefix = new_prefix("lock"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "crm");
    uint64_t g1, g2;

    CHECK(a && b);
    if (!a || !b) {
        goto out;
    }
    CHECK_INT(etcd_store_lock_generation(a, LOCK), 0);
    CHECK_INT(etcd_store_lock_renewed_at(a, LOCK), -1);
    CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
    g1 = etcd_store_lock_generation(a, LOCK);
    CHECK(g1 > 0);
    CHECK(etcd_store_lock_renewed_at(a, LOCK) >= 0);
    CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0); /* a renewal keeps the token */
    CHECK(etcd_store_lock_generation(a, LOCK) == g1);
    CHECK_INT(etcd_store_lock_get(b, LOCK, &err), -1);
    CHECK_STR(err, "can't get cfs lock");
    CHECK(!etcd_store_lock_release(b, LOCK)); /* not ours */
    CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
    CHECK(etcd_store_lock_release(a, LOCK));
    CHECK_INT(etcd_store_lock_generation(a, LOCK), 0);
    CHECK_INT(etcd_store_lock_get(b, LOCK, &err), 0); /* free: taken at once */
    g2 = etcd_store_lock_generation(b, LOCK);
    CHECK(g2 > g1);
    CHECK_INT(etcd_store_lock_get(a, LOCK, &err), -1);
    /* a slow renewal fails and never counts; the next call takes it back */
    etcd_faults.renew_delay_ms = T_MS / 2 + 100;
    CHECK_INT(etcd_store_lock_get(b, LOCK, &err), -1);
    etcd_faults.renew_delay_ms = 0;
    CHECK(one_line(err) && strstr(err, "cfs lock update failed - renewal took"));
    CHECK_INT(etcd_store_lock_generation(b, LOCK), 0);
    CHECK_INT(etcd_store_lock_get(b, LOCK, &err), 0);
    CHECK(etcd_store_lock_generation(b, LOCK) == g2);
    /* bad names */
    CHECK_INT(etcd_store_lock_get(a, "a/b", &err), -1);
    CHECK(one_line(err) && strstr(err, "invalid lock name"));
out:
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* The seconds left on a lease (etcd truncates), -1 on error. */
static int64_t lease_ttl(struct etcd_store *s, int64_t id)
{
    char *body = xasprintf("{\"ID\":\"%lld\"}", (long long)id), *err = NULL;
    int64_t ttl = -1;
    cJSON *j;

    if (etcd_post(s, "/lease/timetolive", body, 0, &j, &err) == 0) {
        if (ej_i64(j, "TTL", -1, INT64_MAX, &ttl) != 0) {
            ttl = -1;
        }
        cJSON_Delete(j);
    }
    free(err);
    free(body);
    return ttl;
}

/* A lease granted by an earlier, failed attempt is nearly used up when the
 * lock finally comes free: the acquisition must still leave the key a
 * whole lock_timeout from its start, else the new holder's key expires
 * while it believes it holds the lock. */
static void test_lock_fresh_lease(void)
{
    char *prefix = new_prefix("fresh"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "crm");

    CHECK(a && b);
    if (a && b) {
        CHECK_INT(etcd_store_lock_get(b, LOCK, &err), 0);
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), -1); /* a's lease is granted */
        kv_sleep_ms(T_MS - 300);
        CHECK_INT(etcd_store_lock_get(b, LOCK, &err), 0);
        CHECK(etcd_store_lock_release(b, LOCK));
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
        {
            struct etcd_lock *l = etcd_lock_find(a, LOCK, false);
            CHECK(l != NULL && lease_ttl(a, l->lease) >= T_MS / 1000 - 1);
        }
    }
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* A lease that vanished under a waiting config lock (revoked, or expired
 * between two tries) is replaced, not reported as an error; revoking a
 * lease that is gone already counts as done. Both are decided on etcd's
 * error code, not its words. */
static void test_lease_gone(void)
{
    char *prefix = new_prefix("gone"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "crm");
    struct etcd_lock *l;

    CHECK(a && b);
    if (a && b) {
        CHECK_INT(etcd_store_domain_lock(b, "domain-ha", 1000, &err), 0);
        CHECK_INT(etcd_store_domain_lock(a, "domain-ha", 200, &err), -1); /* busy */
        l = etcd_lock_find(a, "domain-ha", false);
        CHECK(l != NULL && l->lease != 0); /* kept for the next try */
        if (l != NULL && l->lease != 0) {
            CHECK_INT(etcd_lease_revoke(a, l->lease, 0, &err), 0);
            CHECK_INT(etcd_lease_revoke(a, l->lease, 0, &err), 0); /* gone already */
        }
        etcd_store_domain_unlock(b, "domain-ha");
        CHECK_INT(etcd_store_domain_lock(a, "domain-ha", 2000, &err), 0);
        etcd_store_domain_unlock(a, "domain-ha");
    }
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* A holder that stops renewing (a dead or paused node) loses the lock when
 * its lease expires in etcd; the next holder's token is larger. */
static void test_lock_expiry_takeover(void)
{
    char *prefix = new_prefix("expiry"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "crm");

    CHECK(a && b);
    if (a && b) {
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
        CHECK_INT(etcd_store_lock_get(b, LOCK, &err), -1);
        CHECK_INT(get_within(b, LOCK, 10 * T_MS), 0);
        CHECK(etcd_store_lock_generation(b, LOCK) > etcd_store_lock_generation(a, LOCK));
        /* the old holder cannot get it back */
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), -1);
        CHECK_STR(err, "can't get cfs lock");
        CHECK_INT(etcd_store_lock_generation(a, LOCK), 0);
    }
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* The fencing txn: a deposed master that still believes it holds the lock
 * (it woke from a pause: its own check passes) writes manager_status; etcd
 * refuses the write, and the new master's content stays. */
static void test_fencing_deposed_write(void)
{
    char *prefix = new_prefix("fence"), *err = NULL, *data;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "crm");
    size_t len;

    CHECK(a && b);
    if (a && b) {
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
        CHECK_INT(etcd_store_write(a, "ha/manager_status", "a1", 2, LOCK, &err), 0);
        /* a pauses; b takes over after the lease expired and writes */
        CHECK_INT(get_within(b, LOCK, 10 * T_MS), 0);
        CHECK_INT(etcd_store_write(b, "ha/manager_status", "b1", 2, LOCK, &err), 0);
        /* a wakes up: its cache still says held */
        CHECK(etcd_store_lock_generation(a, LOCK) != 0);
        CHECK_INT(etcd_store_write(a, "ha/manager_status", "a2", 2, LOCK, &err), -1);
        CHECK_STR(err, "lost manager lock - not writing manager status");
        CHECK_INT(etcd_store_read(b, "ha/manager_status", &data, &len, &err), 0);
        CHECK_STR(data, "b1");
        free(data);
        /* the spool is fenced the same way */
        CHECK_INT(etcd_store_spool_put(a, "migrate vm:1 n2", &err), 0);
        CHECK_INT(etcd_store_spool_take(a, &data, &err), -1);
        CHECK_STR(err, "lost manager lock - not reading crm commands");
        CHECK(etcd_store_spool_pending(b));
        CHECK_INT(etcd_store_spool_take(b, &data, &err), 0);
        CHECK_STR(data, "migrate vm:1 n2\n");
        free(data);
    }
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* The store's revision now (an empty txn reads it), -1 on error. */
static int64_t store_revision(struct etcd_store *s)
{
    struct etcd_txn_req t = {0};
    struct etcd_txn res;
    int64_t rev = -1;

    if (etcd_txn(s, &t, 0, true, &res, NULL) == 0) {
        rev = res.revision;
        etcd_txn_free(&res);
    }
    return rev;
}

/* The number of keys under the test's prefix, -1 on error. */
static int64_t keys_under(struct etcd_store *s, const char *prefix)
{
    struct etcd_range r;
    struct etcd_range_opts o = {.prefix = true, .count_only = true};
    char *k = xasprintf("%s/", prefix);
    int64_t n = -1;

    if (etcd_range(s, k, &o, 0, &r, NULL) == 0) {
        n = r.count;
        etcd_range_free(&r);
    }
    free(k);
    return n;
}

/* read_only (the CLI's reading commands) creates nothing: an empty prefix
 * (a mistyped etcd_prefix) is an error of one line and stays empty; on a
 * store, a node that has no folder yet gets none, and the open, a probe
 * and reads add no revision. */
static void test_read_only(void)
{
    char *prefix = new_prefix("ro"), *other = new_prefix("ro-watch"), *err = NULL, *data = NULL;
    struct etcd_store *w = open_node(other, "n1", NULL), *r; /* w reads revisions */
    int64_t rev;
    size_t len;
    char **names = NULL;
    size_t n = 0;

    free(other);
    CHECK(w != NULL);
    if (w == NULL) {
        free(prefix);
        return;
    }
    rev = store_revision(w);
    open_read_only = true;
    r = open_url(NULL, prefix, "n1", NULL, NULL, &err);
    CHECK(r == NULL);
    CHECK(one_line(err) && strstr(err, "is empty - not a haven store yet") != NULL);
    if (err != NULL && strstr(err, prefix) == NULL) {
        fprintf(stderr, "read-only open: the error names no prefix: %s\n", err);
        test_failed++;
    }
    free(err);
    err = NULL;
    etcd_store_close(r);
    /* with a store_id configured: the same error, nothing written */
    r = open_url(NULL, prefix, "n1", NULL, "0123456789abcdef0123456789abcdef", &err);
    CHECK(r == NULL && one_line(err) && strstr(err, "is empty") != NULL);
    free(err);
    err = NULL;
    etcd_store_close(r);
    CHECK_INT(keys_under(w, prefix), 0);
    CHECK_INT(store_revision(w), rev);
    /* a store made by a daemon of n1; n9 reads it */
    open_read_only = false;
    {
        struct etcd_store *d = open_node(prefix, "n1", "lrm");
        CHECK(d != NULL);
        CHECK_INT(etcd_store_write(d, "nodes/n1/lrm_status", "{}", 2, NULL, &err), 0);
        etcd_store_close(d);
    }
    rev = store_revision(w);
    open_read_only = true;
    r = open_url(NULL, prefix, "n9", NULL, NULL, &err);
    CHECK(r != NULL);
    if (r != NULL) {
        CHECK_INT(etcd_store_probe(r, &err), 0);
        CHECK(etcd_store_quorate(r));
        CHECK_INT(etcd_store_read(r, "nodes/n1/lrm_status", &data, &len, &err), 0);
        CHECK_STR(data, "{}");
        free(data);
        CHECK_INT(etcd_store_list(r, "nodes", &names, &n, &err), 0);
        CHECK_INT((int64_t)n, 1);
        kv_free_names(names);
        etcd_store_close(r);
    }
    CHECK_INT(store_revision(w), rev);
    open_read_only = false;
    free(err);
    etcd_store_close(w);
    free(prefix);
}

/* Steady state writes nothing: etcd keeps every revision until compaction,
 * so a round that rewrites unchanged files (or renews locks, or beats)
 * must not add one. Changed content, and a key someone else changed, are
 * written; a deposed holder's unchanged write is still refused. */
static void test_steady_rounds_write_nothing(void)
{
    char *prefix = new_prefix("steady"), *err = NULL, *data;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "lrm");
    const char *status = "{\"master_node\":\"n1\",\"service_status\":{}}";
    size_t len;
    int64_t r0, r1;

    CHECK(a && b);
    if (!a || !b) {
        goto out;
    }
    CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
    CHECK_INT(etcd_store_lock_get(b, "ha_agent_n2_lock", &err), 0);
    CHECK_INT(etcd_store_write(a, "ha/manager_status", status, strlen(status), LOCK, &err), 0);
    CHECK_INT(etcd_store_write(b, "nodes/n2/lrm_status", "{}", 2, NULL, &err), 0);
    CHECK_INT(etcd_store_probe(a, &err), 0);
    CHECK_INT(etcd_store_probe(b, &err), 0);
    r0 = store_revision(a);
    for (int round = 0; round < 50; round++) {
        CHECK_INT(etcd_store_probe(a, &err), 0);
        CHECK_INT(etcd_store_probe(b, &err), 0);
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
        CHECK_INT(etcd_store_lock_get(b, "ha_agent_n2_lock", &err), 0);
        CHECK_INT(etcd_store_write(a, "ha/manager_status", status, strlen(status), LOCK, &err), 0);
        CHECK_INT(etcd_store_write(b, "nodes/n2/lrm_status", "{}", 2, NULL, &err), 0);
        CHECK_INT(etcd_store_mkdir(b, "nodes/n2/resources", &err), 0);
    }
    r1 = store_revision(a);
    CHECK(r0 > 0);
    CHECK_INT(r1, r0);
    /* a change is one revision */
    CHECK_INT(etcd_store_write(a, "ha/manager_status", "{}", 2, LOCK, &err), 0);
    CHECK_INT(store_revision(a), r0 + 1);
    /* someone else rewrote the key: our unchanged content is written again */
    CHECK_INT(etcd_store_write(b, "ha/manager_status", "other", 5, NULL, &err), 0);
    CHECK_INT(etcd_store_write(a, "ha/manager_status", "{}", 2, LOCK, &err), 0);
    CHECK_INT(etcd_store_read(b, "ha/manager_status", &data, &len, &err), 0);
    CHECK_STR(data, "{}");
    free(data);
    CHECK_INT(etcd_store_write(b, "nodes/n2/lrm_status", "{}", 2, NULL, &err), 0);
    etcd_store_remove(a, "nodes/n2/lrm_status", &err);
    CHECK_INT(etcd_store_write(b, "nodes/n2/lrm_status", "{}", 2, NULL, &err), 0);
    CHECK_INT(etcd_store_read(a, "nodes/n2/lrm_status", &data, &len, &err), 0);
    free(data);
    /* deposed (its lease ends as on expiry; its cache still says held):
     * even an unchanged write is refused */
    {
        struct etcd_store *c = open_node(prefix, "n3", "crm");
        struct etcd_lock *l = etcd_lock_find(a, LOCK, false);

        CHECK(c != NULL && l != NULL);
        if (c != NULL && l != NULL) {
            CHECK_INT(etcd_lease_revoke(a, l->lease, 0, &err), 0);
            CHECK_INT(etcd_store_lock_get(c, LOCK, &err), 0);
            CHECK(etcd_store_lock_generation(a, LOCK) != 0);
            CHECK_INT(etcd_store_write(a, "ha/manager_status", "{}", 2, LOCK, &err), -1);
            CHECK_STR(err, "lost manager lock - not writing manager status");
        }
        etcd_store_close(c);
    }
out:
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* The database stays bounded over a long run of steady rounds (etcd keeps
 * every revision until compaction): the six daemons' rounds add exactly
 * one revision per status file written and none for keep-alives, probes,
 * lock renewals, the spool or the members; they leave no key behind; and
 * with revisions compacted as etcd's auto-compaction does, the space in
 * use after hundreds more rounds is what it was after the first ones. */
static void test_db_bounded(void)
{
    struct er_cluster c;
    char *prefix = new_prefix("rounds"), *err = NULL;
    int64_t rev0, keys0, size, used0 = 0, used = 0, most = 0;
    uint64_t writes0;
    const int warm = 50, rounds = 300, every = 50;

    /* the keys of earlier tests' stores have expired: no revision but ours */
    {
        struct etcd_store *w = open_node(prefix, "n0", NULL);
        CHECK(w != NULL && er_no_leased_keys(w, 15000));
        etcd_store_close(w);
    }
    /* every round writes the statuses (new job ids each round): the worst case */
    if (er_setup(&c, endpoints, prefix, 60, true, 1, &err) != 0) {
        fprintf(stderr, "er_setup: %s\n", err);
        test_failed++;
        free(err);
        free(prefix);
        return;
    }
    for (int r = 0; r < warm; r++) {
        CHECK_INT(er_round(&c, &err), 0);
    }
    rev0 = er_revision(c.crm[0]);
    keys0 = er_keys(c.crm[0], prefix);
    writes0 = c.writes;
    CHECK_INT(er_compact(c.crm[0], rev0, &err), 0);
    CHECK_INT(er_db_size(c.crm[0], &size, &used0, &err), 0);
    for (int r = 1; r <= rounds; r++) {
        if (er_round(&c, &err) != 0) {
            fprintf(stderr, "round %d: %s\n", r, err);
            test_failed++;
            break;
        }
        if (r % every == 0) {
            CHECK_INT(er_compact(c.crm[0], er_revision(c.crm[0]), &err), 0);
            CHECK_INT(er_db_size(c.crm[0], &size, &used, &err), 0);
            most = used > most ? used : most;
        }
    }
    CHECK_INT((long long)c.writes - (long long)writes0, (long long)rounds * (1 + ER_NODES));
    CHECK_INT(er_revision(c.crm[0]) - rev0, (long long)(c.writes - writes0));
    CHECK_INT(er_keys(c.crm[0], prefix), keys0);
    /* bounded: what the rounds wrote is about 3 MiB, kept uncompacted */
    if (!(most > 0 && most <= used0 + 1024 * 1024)) {
        fprintf(
            stderr, "db in use: %lld after the first rounds, up to %lld later\n", (long long)used0,
            (long long)most
        );
        test_failed++;
    }
    er_free(&c);
    free(prefix);

    /* nothing running: only timestamps, each status every 30 - R - 2 s */
    prefix = new_prefix("idle");
    if (er_setup(&c, endpoints, prefix, 60, false, 1, &err) != 0) {
        fprintf(stderr, "er_setup: %s\n", err);
        test_failed++;
    } else {
        CHECK_INT(er_round(&c, &err), 0);
        rev0 = er_revision(c.crm[0]);
        writes0 = c.writes;
        for (int r = 0; r < 2 * 27 && er_round(&c, &err) == 0; r++) {
        }
        CHECK_INT((long long)(c.writes - writes0), 2 * (1 + ER_NODES));
        CHECK_INT(er_revision(c.crm[0]) - rev0, (long long)(c.writes - writes0));
        er_free(&c);
    }
    free(err);
    free(prefix);
}

static void test_spool(void)
{
    char *prefix = new_prefix("spool"), *err = NULL, *text;
    struct etcd_store *crm = open_node(prefix, "n1", "crm"), *cli = open_node(prefix, "n2", NULL);

    CHECK(crm && cli);
    if (crm && cli) {
        CHECK(!etcd_store_spool_pending(crm));
        CHECK_INT(etcd_store_lock_get(crm, LOCK, &err), 0);
        CHECK_INT(etcd_store_spool_take(crm, &text, &err), 0);
        CHECK_STR(text, "");
        free(text);
        CHECK_INT(etcd_store_spool_put(cli, "enable vm:1", &err), 0);
        CHECK_INT(etcd_store_spool_put(cli, "disable vm:2", &err), 0);
        CHECK_INT(etcd_store_spool_put(crm, "stop vm:3 0", &err), 0);
        CHECK_INT(etcd_store_spool_put(cli, "a\nb", &err), -1);
        CHECK_INT(etcd_store_spool_put(cli, "", &err), -1);
        CHECK(etcd_store_spool_pending(crm));
        CHECK_INT(etcd_store_spool_take(crm, &text, &err), 0);
        CHECK_STR(text, "enable vm:1\ndisable vm:2\nstop vm:3 0\n");
        free(text);
        CHECK(!etcd_store_spool_pending(crm));
        CHECK_INT(etcd_store_spool_take(crm, &text, &err), 0);
        CHECK_STR(text, "");
        free(text);
        CHECK_INT(etcd_store_spool_take(cli, &text, &err), -1); /* no lock */
        CHECK_STR(err, "lost manager lock - not reading crm commands");
        free(err);
        err = NULL;
        /* revision order, not name order: a command queued last (by a
         * node whose clock is behind, say) whose key sorts first comes last */
        {
            char *early =
                xasprintf("%s/ha/crm_commands/00000000000000000000.n3.1.00000000", prefix);
            struct etcd_put_req pr = {early, "migrate vm:4 n1\n", 16, 0};

            CHECK_INT(etcd_store_spool_put(cli, "enable vm:5", &err), 0);
            CHECK_INT(etcd_put(cli, &pr, 0, NULL, &err), 0);
            CHECK_INT(etcd_store_spool_take(crm, &text, &err), 0);
            CHECK_STR(text, "enable vm:5\nmigrate vm:4 n1\n");
            free(text);
            free(early);
        }
    }
    free(err);
    etcd_store_close(crm);
    etcd_store_close(cli);
    free(prefix);
}

static bool member_online(struct etcd_store *s, const char *node, bool *found)
{
    struct kv_member *m;
    size_t n;
    char *err = NULL;
    bool on = false;

    *found = false;
    if (etcd_store_members(s, &m, &n, &err) != 0) {
        fprintf(stderr, "members: %s\n", err);
        free(err);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].name, node) == 0) {
            *found = true;
            on = m[i].online;
        }
    }
    kv_free_members(m, n);
    return on;
}

static void test_probe_members(void)
{
    char *prefix = new_prefix("members"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", "crm"), *b = open_node(prefix, "n2", "lrm");
    struct etcd_store *c = open_node(prefix, "n3", NULL);
    bool found;

    CHECK(a && b && c);
    if (a && b && c) {
        CHECK(!etcd_store_quorate(a));
        CHECK_INT(etcd_store_probe(a, &err), 0);
        CHECK(etcd_store_quorate(a));
        CHECK_INT(etcd_store_probe(c, &err), 0); /* the CLI: read only */
        CHECK(member_online(a, "n1", &found) && found); /* ourselves */
        CHECK(!member_online(a, "n2", &found) && found); /* no heartbeat yet */
        CHECK_INT(etcd_store_probe(b, &err), 0);
        CHECK_INT(etcd_store_probe(b, &err), 0); /* a keep-alive */
        CHECK(member_online(a, "n2", &found) && found);
        CHECK(!member_online(a, "n3", &found) && found); /* the CLI beats not */
        /* n2 stops probing: offline once its heartbeat lease expired */
        {
            int64_t start = kv_now_ms();
            while (member_online(a, "n2", &found) && kv_now_ms() - start < 10 * T_MS) {
                kv_sleep_ms(100);
            }
            CHECK(!member_online(a, "n2", &found) && found);
        }
        CHECK_INT(etcd_store_probe(b, &err), 0); /* back: a new lease */
        CHECK(member_online(a, "n2", &found));
        /* the marker is checked on every probe */
        {
            char *k = xasprintf("%s/haven-store", prefix);
            const char *other = "haven-store 1 id=0123456789abcdef0123456789abcdef created=1\n";
            {
                struct etcd_put_req pr = {k, other, strlen(other), 0};
                CHECK_INT(etcd_put(a, &pr, 0, NULL, &err), 0);
            }
            CHECK_INT(etcd_store_probe(a, &err), -1);
            CHECK(one_line(err) && strstr(err, "store id mismatch"));
            CHECK(!etcd_store_quorate(a));
            CHECK_INT(etcd_delete(a, k, false, 0, &err), 0);
            CHECK_INT(etcd_store_probe(a, &err), -1);
            CHECK(one_line(err) && strstr(err, "marker missing"));
            free(k);
        }
    }
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    etcd_store_close(c);
    free(prefix);
}

static void test_domain_lock(void)
{
    char *prefix = new_prefix("domain"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", NULL), *b = open_node(prefix, "n2", NULL);

    CHECK(a && b);
    if (a && b) {
        CHECK_INT(etcd_store_domain_lock(a, "domain-ha", 1000, &err), 0);
        CHECK_INT(etcd_store_write(a, "ha/resources.cfg", "x", 1, "domain-ha", &err), 0);
        CHECK_INT(etcd_store_domain_lock(b, "domain-ha", 300, &err), -1);
        CHECK_STR(err, "cfs-lock 'domain-ha' error: got lock request timeout");
        etcd_store_domain_unlock(a, "domain-ha");
        CHECK_INT(etcd_store_write(a, "ha/resources.cfg", "y", 1, "domain-ha", &err), -1);
        CHECK_INT(etcd_store_domain_lock(b, "domain-ha", 1000, &err), 0);
        etcd_store_domain_unlock(b, "domain-ha");
    }
    /* a holder on this node whose process is gone is taken over at once */
    if (a) {
        pid_t child = fork();
        if (child == 0) {
            struct etcd_store *c = open_node(prefix, "n1", NULL);
            char *e = NULL;
            _exit(c != NULL && etcd_store_domain_lock(c, "domain-ha", 1000, &e) == 0 ? 0 : 1);
        }
        int st;
        waitpid(child, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK_INT(etcd_store_domain_lock(a, "domain-ha", 1000, &err), 0);
        etcd_store_domain_unlock(a, "domain-ha");
    }
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* etcd's request limit (1.5 MiB by default): a clear error naming it. */
static void test_big_value(void)
{
    char *prefix = new_prefix("big"), *err = NULL, *big = xmalloc(3 * 1024 * 1024);
    struct etcd_store *s = open_node(prefix, "n1", "crm");

    memset(big, 'x', 3 * 1024 * 1024);
    CHECK(s != NULL);
    if (s) {
        CHECK_INT(etcd_store_write(s, "ha/manager_status", big, 1024 * 1024, NULL, &err), 0);
        CHECK_INT(etcd_store_write(s, "ha/manager_status", big, 3 * 1024 * 1024, NULL, &err), -1);
        CHECK(one_line(err) && strstr(err, "--max-request-bytes"));
    }
    free(big);
    free(err);
    etcd_store_close(s);
    free(prefix);
}

/* ---- 16 contenders ---- */

struct torture {
    int holders, violations, entries, handovers, takeovers;
    int last_holder;
    int64_t last_gen, holder_until;
    int abandoned[16];
};

static void contender(struct torture *t, const char *prefix, int me, int64_t end)
{
    char node[16], *err = NULL;
    struct etcd_store *s;
    unsigned seed = (unsigned)getpid();
    int abandons_left = me < 2 ? 1 : 0; /* two contenders die holding it */

    snprintf(node, sizeof(node), "c%d", me);
    s = open_node(prefix, node, "crm");
    if (s == NULL) {
        _exit(2);
    }
    while (kv_now_ms() < end) {
        int64_t t0 = kv_now_ms();

        if (etcd_store_lock_get(s, "torture", &err) == 0) {
            int64_t gen = (int64_t)etcd_store_lock_generation(s, "torture");
            int64_t valid_until = t0 + T_MS; /* the lease cannot end before */

            if (__atomic_add_fetch(&t->holders, 1, __ATOMIC_SEQ_CST) != 1 &&
                kv_now_ms() < t->holder_until) {
                t->violations++; /* two holders, neither of them overdue */
            }
            if (gen < t->last_gen || (gen == t->last_gen && t->last_holder != me)) {
                t->violations++; /* tokens only grow, one per holder */
            }
            if (t->last_holder != me) {
                t->handovers++;
                if (t->last_holder >= 0 && t->abandoned[t->last_holder]) {
                    t->takeovers++;
                }
            }
            t->entries++;
            t->last_holder = me;
            t->last_gen = gen;
            t->holder_until = valid_until;
            kv_sleep_ms(5 + rand_r(&seed) % 20);
            t->holder_until = 0;
            __atomic_sub_fetch(&t->holders, 1, __ATOMIC_SEQ_CST);
            if (abandons_left > 0 && rand_r(&seed) % 3 == 0) {
                t->abandoned[me] = 1;
                _exit(0); /* dies holding it: the lease expires */
            }
            if (rand_r(&seed) % 3 == 0) {
                etcd_store_lock_release(s, "torture");
                kv_sleep_ms(10 + rand_r(&seed) % 40);
            }
        } else {
            kv_sleep_ms(20 + rand_r(&seed) % 40);
        }
        free(err);
        err = NULL;
    }
    etcd_store_lock_release(s, "torture");
    etcd_store_close(s);
    _exit(0);
}

static void test_lock_torture(void)
{
    struct torture *t =
        mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *prefix = new_prefix("torture");
    int64_t end = kv_now_ms() + 12000;
    pid_t pids[16];

    CHECK(t != MAP_FAILED);
    if (t == MAP_FAILED) {
        return;
    }
    memset(t, 0, sizeof(*t));
    t->last_holder = -1;
    {
        struct etcd_store *s = open_node(prefix, "c0", NULL); /* makes the store */
        etcd_store_close(s);
    }
    for (int i = 0; i < 16; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            contender(t, prefix, i, end);
        }
    }
    for (int i = 0; i < 16; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_INT(t->violations, 0);
    CHECK(t->holders == 0);
    CHECK(t->handovers >= 3);
    if (t->abandoned[0] || t->abandoned[1]) {
        CHECK(t->takeovers >= 1);
    }
    fprintf(
        stderr, "# torture: %d entries, %d handovers, %d expiry takeovers\n", t->entries,
        t->handovers, t->takeovers
    );
    munmap(t, sizeof(*t));
    free(prefix);
}

/* ---- failover: one member frozen (connections hang), one killed ---- */

/* The member (1..3) that leads the cluster now, 0 if unknown. */
static int leader_member(struct etcd_store *s)
{
    char ids[4][32] = {""}, leader[32] = "";

    for (int i = 1; i <= 3; i++) {
        char *path = xasprintf("%s/m%d.url", cluster_dir, i), url[256] = "";
        FILE *f = fopen(path, "r");
        struct http_client c;
        struct http_response r;

        free(path);
        if (f == NULL || fgets(url, sizeof(url), f) == NULL) {
            if (f) {
                fclose(f);
            }
            continue;
        }
        fclose(f);
        url[strcspn(url, "\n")] = '\0';
        if (http_client_init(&c, url, 1 << 20, NULL, NULL) != 0) {
            continue;
        }
        struct http_req q = {"POST", "/v3/maintenance/status", "{}", 2, kv_now_ms() + 2000, true};

        if (http_call(&c, &q, &r, NULL) == 0) {
            cJSON *j = ej_parse(r.body, r.len, NULL);
            cJSON *h = j ? cJSON_GetObjectItemCaseSensitive(j, "header") : NULL;
            /* member ids are unsigned 64-bit: compare the texts */
            const cJSON *id = h ? cJSON_GetObjectItemCaseSensitive(h, "member_id") : NULL;
            const cJSON *l = j ? cJSON_GetObjectItemCaseSensitive(j, "leader") : NULL;
            if (cJSON_IsString(id) && cJSON_IsString(l)) {
                snprintf(ids[i], sizeof(ids[i]), "%s", id->valuestring);
                snprintf(leader, sizeof(leader), "%s", l->valuestring);
            }
            cJSON_Delete(j);
            http_response_free(&r);
        }
        http_client_free(&c);
    }
    (void)s;
    for (int i = 1; i <= 3; i++) {
        if (leader[0] != '\0' && strcmp(ids[i], leader) == 0) {
            return i;
        }
    }
    return 0;
}

static char *member_url(int i)
{
    char *path = xasprintf("%s/m%d.url", cluster_dir, i), url[256] = "";
    FILE *f = fopen(path, "r");

    free(path);
    if (f != NULL) {
        if (fgets(url, sizeof(url), f) == NULL) {
            url[0] = '\0';
        }
        fclose(f);
    }
    url[strcspn(url, "\n")] = '\0';
    return xstrdup(url);
}

/* The leader freezes for longer than the election timeout: a new leader
 * takes over and extends every lease, so the holder keeps its lock (same
 * token) and a contender never gets it. */
static void test_leader_freeze(void)
{
    char *prefix = new_prefix("leader"), *err = NULL;
    struct etcd_store *a, *b;
    int lead = leader_member(NULL);
    uint64_t g;
    int stolen = 0;

    t_ms = 4000;
    a = open_node(prefix, "n1", "crm");
    b = open_node(prefix, "n2", "crm");
    CHECK(a && b && lead > 0);
    if (a && b && lead > 0) {
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
        g = etcd_store_lock_generation(a, LOCK);
        kill(member_pid(lead), SIGSTOP);
        for (int64_t start = kv_now_ms(); kv_now_ms() - start < 2500;) {
            etcd_store_lock_get(a, LOCK, &err); /* may fail during the election */
            if (etcd_store_lock_get(b, LOCK, &err) == 0) {
                stolen++;
            }
            kv_sleep_ms(200);
        }
        kill(member_pid(lead), SIGCONT);
        CHECK_INT(get_within(a, LOCK, 5 * t_ms), 0);
        CHECK(etcd_store_lock_generation(a, LOCK) == g);
        CHECK_INT(stolen, 0);
        CHECK_INT(etcd_store_lock_get(b, LOCK, &err), -1);
        CHECK(leader_member(NULL) > 0);
    }
    t_ms = T_MS;
    free(err);
    etcd_store_close(a);
    etcd_store_close(b);
    free(prefix);
}

/* Two of three members freeze: no quorum. A probe fails within its
 * deadline (not quorate), a renewal fails; with the members back, the
 * store works again. */
static void test_quorum_loss(void)
{
    char *prefix = new_prefix("quorum"), *err = NULL;
    struct etcd_store *a = open_node(prefix, "n1", "crm");
    int64_t start, took;

    CHECK(a != NULL);
    if (a != NULL) {
        CHECK_INT(etcd_store_probe(a, &err), 0);
        CHECK(etcd_store_quorate(a));
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), 0);
        kill(member_pid(2), SIGSTOP);
        kill(member_pid(3), SIGSTOP);
        start = kv_now_ms();
        CHECK_INT(etcd_store_probe(a, &err), -1);
        took = kv_now_ms() - start;
        CHECK(one_line(err));
        CHECK(!etcd_store_quorate(a));
        CHECK(took < 10 * t_ms); /* bounded (generously: never a timing check) */
        CHECK_INT(etcd_store_lock_get(a, LOCK, &err), -1);
        CHECK(one_line(err) && str_starts(err, "cfs lock update failed"));
        kill(member_pid(2), SIGCONT);
        kill(member_pid(3), SIGCONT);
        start = kv_now_ms();
        while (etcd_store_probe(a, &err) != 0 && kv_now_ms() - start < 20 * t_ms) {
            kv_sleep_ms(100);
        }
        CHECK(etcd_store_quorate(a));
        CHECK_INT(get_within(a, LOCK, 10 * t_ms), 0);
    }
    free(err);
    etcd_store_close(a);
    free(prefix);
}

static void test_failover(void)
{
    char *prefix = new_prefix("failover"), *err = NULL, *data, *url;
    struct etcd_store *s;
    int lead = leader_member(NULL), f1, f2;
    size_t len;

    CHECK(lead > 0);
    if (lead <= 0) {
        free(prefix);
        return;
    }
    f1 = lead == 1 ? 2 : 1;
    f2 = 6 - lead - f1;
    /* the client talks to follower f1 first, then f2, then the leader */
    {
        char *u1 = member_url(f1), *u2 = member_url(f2), *ul = member_url(lead);
        url = xasprintf("etcd:%s,%s,%s", u1, u2, ul);
        free(u1);
        free(u2);
        free(ul);
    }
    s = open_url(url, prefix, "n1", "crm", NULL, &err);
    free(url);
    CHECK(s != NULL);
    if (s == NULL) {
        fprintf(stderr, "open: %s\n", err);
        free(err);
        free(prefix);
        return;
    }
    CHECK_INT(etcd_store_lock_get(s, LOCK, &err), 0);
    CHECK_INT(etcd_store_write(s, "ha/x", "1", 1, LOCK, &err), 0);
    /* f1 freezes: its connections hang, no RST; the next member answers */
    kill(member_pid(f1), SIGSTOP);
    for (int i = 0; i < 3; i++) {
        if (etcd_store_read(s, "ha/x", &data, &len, &err) != 0) {
            fprintf(stderr, "frozen member: %s\n", err);
            CHECK(0);
        }
        free(data);
        CHECK_INT(etcd_store_probe(s, &err), 0);
        CHECK_INT(etcd_store_lock_get(s, LOCK, &err), 0);
        CHECK_INT(etcd_store_write(s, "ha/x", "2", 1, LOCK, &err), 0);
    }
    kill(member_pid(f1), SIGCONT);
    /* f2, where the client talks now, dies: f1 and the leader remain */
    kill(member_pid(f2), SIGKILL);
    for (int i = 0; i < 3; i++) {
        if (etcd_store_lock_get(s, LOCK, &err) != 0) {
            fprintf(stderr, "killed member: %s\n", err);
            CHECK(0);
        }
        CHECK_INT(etcd_store_write(s, "ha/x", "3", 1, LOCK, &err), 0);
        CHECK_INT(etcd_store_probe(s, &err), 0);
    }
    CHECK_INT(etcd_store_read(s, "ha/x", &data, &len, &err), 0);
    CHECK_STR(data, "3");
    free(data);
    free(err);
    etcd_store_close(s);
    free(prefix);
}

/* ---- etcd with authentication (a member of its own, tokens that
 * expire after 1 s) ---- */

static int gateway(const char *eps, const char *path, const char *body)
{
    struct http_client c;
    struct http_response r;
    int rc = -1;

    if (http_client_init(&c, eps, 1 << 20, NULL, NULL) != 0) {
        return -1;
    }
    struct http_req q = {"POST", path, body, strlen(body), kv_now_ms() + 5000, true};

    if (http_call(&c, &q, &r, NULL) == 0) {
        rc = r.status == 200 ? 0 : -1;
        http_response_free(&r);
    }
    http_client_free(&c);
    return rc;
}

static char *write_temp(const char *text)
{
    char *path = xasprintf("%s/pw.XXXXXX", cluster_dir);
    int fd = mkstemp(path);

    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        perror("password file");
    }
    if (fd >= 0) {
        close(fd);
    }
    return path;
}

static void test_auth(void)
{
    char *dir, *eps, *url, *err = NULL, *good, *bad, *empty, *data;
    struct etcd_store *s;
    size_t len;

    if (etcd_test_start(1, "http", "--auth-token-ttl 1", &dir, &eps) != 0) {
        CHECK(0);
        return;
    }
    CHECK_INT(gateway(eps, "/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"pw\"}"), 0);
    CHECK_INT(gateway(eps, "/v3/auth/role/add", "{\"name\":\"root\"}"), 0);
    CHECK_INT(gateway(eps, "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}"), 0);
    CHECK_INT(gateway(eps, "/v3/auth/enable", "{}"), 0);
    url = xasprintf("etcd:%s", eps);
    good = write_temp("pw\n");
    bad = write_temp("wrong\n");
    empty = write_temp("");
    /* no credentials, wrong ones, a bad password file: one-line errors */
    s = open_auth(url, "/auth", "n1", "crm", NULL, NULL, NULL, &err);
    CHECK(s == NULL && one_line(err) && strstr(err, "authentication required"));
    free(err);
    err = NULL;
    s = open_auth(url, "/auth", "n1", "crm", NULL, "root", bad, &err);
    CHECK(s == NULL && one_line(err) && strstr(err, "etcd authentication as 'root' failed"));
    free(err);
    err = NULL;
    s = open_auth(url, "/auth", "n1", "crm", NULL, "root", empty, &err);
    CHECK(s == NULL && one_line(err) && strstr(err, "etcd_password_file"));
    free(err);
    err = NULL;
    s = open_auth(url, "/auth", "n1", "crm", NULL, "root", "/nonexistent/pw", &err);
    CHECK(s == NULL && one_line(err) && strstr(err, "etcd_password_file"));
    free(err);
    err = NULL;
    s = open_auth(url, "/auth", "n1", "crm", NULL, "root", NULL, &err);
    CHECK(s == NULL && one_line(err));
    free(err);
    err = NULL;
    /* the right ones; the token expires and is renewed on the way */
    s = open_auth(url, "/auth", "n1", "crm", NULL, "root", good, &err);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK_INT(etcd_store_write(s, "ha/x", "1", 1, NULL, &err), 0);
        kv_sleep_ms(2500);
        CHECK_INT(etcd_store_read(s, "ha/x", &data, &len, &err), 0);
        CHECK_STR(data, "1");
        free(data);
        kv_sleep_ms(2500);
        CHECK_INT(etcd_store_lock_get(s, LOCK, &err), 0);
        CHECK_INT(etcd_store_probe(s, &err), 0);
        etcd_store_close(s);
    }
    free(err);
    free(good);
    free(bad);
    free(empty);
    free(url);
    etcd_test_stop(dir);
    free(dir);
    free(eps);
}

/* ---- etcd over TLS with client certificates ---- */

/* Open on url with the given files: the error (caller frees), NULL when
 * it opened (and worked). */
static char *tls_open(const char *url, const char *ca, const char *cert, const char *key)
{
    struct etcd_store *s;
    char *err = NULL, *data;
    size_t len;

    tls_ca = ca;
    tls_cert = cert;
    tls_key = key;
    s = open_url(url, "/tls", "n1", "crm", NULL, &err);
    tls_ca = tls_cert = tls_key = NULL;
    if (s != NULL) {
        if (etcd_store_write(s, "ha/x", "tls", 3, NULL, &err) != 0 ||
            etcd_store_read(s, "ha/x", &data, &len, &err) != 0) {
            etcd_store_close(s);
            return err ? err : xstrdup("failed");
        }
        free(data);
        etcd_store_close(s);
    }
    if (getenv("VERBOSE") != NULL) {
        fprintf(stderr, "# tls: %s\n", err ? err : "(worked)");
    }
    return err;
}

static void test_tls(void)
{
    char *dir, *eps, *certs = xasprintf("%s/certs", cluster_dir), *cmd, *url, *plain_url, *e;
    char *extra, *ca, *other, *cert, *key, *rsa, *rsakey, *expired, *serverkey;

    cmd = xasprintf("sh test/etcd-certs.sh %s", certs);
    if (system(cmd) != 0) {
        free(cmd);
        CHECK(0);
        return;
    }
    free(cmd);
    ca = xasprintf("%s/ca.pem", certs);
    other = xasprintf("%s/other.pem", certs);
    cert = xasprintf("%s/client.pem", certs);
    key = xasprintf("%s/client.key", certs);
    rsa = xasprintf("%s/rsa.pem", certs);
    rsakey = xasprintf("%s/rsa.key", certs);
    expired = xasprintf("%s/expired.pem", certs);
    serverkey = xasprintf("%s/server.key", certs);
    extra = xasprintf(
        "--cert-file %s/server.pem --key-file %s --client-cert-auth --trusted-ca-file %s", certs,
        serverkey, ca
    );
    if (etcd_test_start(1, "https", extra, &dir, &eps) != 0) {
        CHECK(0);
        goto out;
    }
    url = xasprintf("etcd:%s", eps);
    plain_url = xasprintf("etcd:http://%s", eps + strlen("https://"));
    /* the right CA and client certificate (EC, then RSA) */
    e = tls_open(url, ca, cert, key);
    CHECK(e == NULL);
    free(e);
    e = tls_open(url, ca, rsa, rsakey);
    CHECK(e == NULL);
    free(e);
    /* a wrong CA, a missing and an expired client certificate, plain HTTP
     * to the TLS port, TLS to a plain port: one-line errors */
    e = tls_open(url, other, cert, key);
    CHECK(one_line(e) && strstr(e, "not signed by etcd_cacert"));
    free(e);
    e = tls_open(url, ca, NULL, NULL);
    CHECK(one_line(e) && strstr(e, "the server refused us"));
    free(e);
    e = tls_open(url, ca, expired, key);
    CHECK(one_line(e) && strstr(e, "the server refused us"));
    free(e);
    e = tls_open(plain_url, NULL, NULL, NULL);
    CHECK(one_line(e) && strstr(e, "use https://"));
    free(e);
    {
        char *tls_to_plain = xasprintf("etcd:https://%s", endpoints + strlen("http://"));
        char *comma = strchr(tls_to_plain, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        e = tls_open(tls_to_plain, ca, cert, key);
        CHECK(one_line(e) && strstr(e, "not a TLS server"));
        free(e);
        free(tls_to_plain);
    }
    /* bad files */
    e = tls_open(url, "/nonexistent/ca.pem", NULL, NULL);
    CHECK(one_line(e) && strstr(e, "/nonexistent/ca.pem"));
    free(e);
    e = tls_open(url, key, NULL, NULL); /* a key is no CA */
    CHECK(one_line(e) && strstr(e, "no certificate"));
    free(e);
    e = tls_open(url, ca, cert, NULL);
    CHECK(one_line(e) && strstr(e, "go together"));
    free(e);
    e = tls_open(url, ca, cert, ca); /* a certificate is no key */
    CHECK(one_line(e) && strstr(e, "private key"));
    free(e);
    e = tls_open(url, NULL, NULL, NULL);
    CHECK(one_line(e) && strstr(e, "etcd_cacert"));
    free(e);
    free(url);
    free(plain_url);
    etcd_test_stop(dir);
    free(dir);
    free(eps);
out:
    free(extra);
    free(ca);
    free(other);
    free(cert);
    free(key);
    free(rsa);
    free(rsakey);
    free(expired);
    free(serverkey);
    free(certs);
}

/* ---- kv_snapshot: one revision across pages ---- */

struct between {
    struct etcd_store *w; /* the writer */
    bool compact; /* also drop every older revision */
    int calls;
};

/* Between the first two pages of a snapshot: change what the later pages
 * hold (and compact, when asked). Once. */
static void write_between(void *arg)
{
    struct between *b = arg;
    char *err = NULL;

    if (b->calls++ > 0) {
        return;
    }
    CHECK_INT(etcd_store_write(b->w, "ha/manager_status", "{\"v\":2}", 7, NULL, &err), 0);
    CHECK_INT(etcd_store_write(b->w, "nodes/n1/lrm_status", "{\"v\":2}", 7, NULL, &err), 0);
    CHECK_INT(etcd_store_write(b->w, "nodes/n1/resources/vm:999", "", 0, NULL, &err), 0);
    CHECK_INT(etcd_store_remove(b->w, "nodes/n1/resources/vm:100", &err), 0);
    if (b->compact) {
        CHECK_INT(er_compact(b->w, er_revision(b->w), &err), 0);
    }
    free(err);
}

static const char *snap_file(const struct kv_snapshot *sn, const char *path)
{
    const char *data, *err;
    size_t len;

    return kv_snap_read(sn, path, &data, &len, &err) == 0 ? data : "(none)";
}

static void test_snapshot_pages(void)
{
    static const char *const files[] = {"ha/manager_status", "nodes/*/lrm_status", NULL};
    static const char *const dirs[] = {"nodes/*/resources", NULL};
    struct kv_snap_req req = {files, dirs, false};
    char *prefix = new_prefix("snap"), *err = NULL;
    struct etcd_store *w = open_node(prefix, "n1", "crm"), *cli;
    struct between b = {w, false, 0};
    struct kv_snapshot sn = {0};
    size_t n;
    int64_t rev;

    CHECK(w != NULL);
    if (w == NULL) {
        free(prefix);
        return;
    }
    CHECK_INT(etcd_store_write(w, "ha/manager_status", "{\"v\":1}", 7, NULL, &err), 0);
    CHECK_INT(etcd_store_write(w, "nodes/n1/lrm_status", "{\"v\":1}", 7, NULL, &err), 0);
    for (int i = 0; i < 10; i++) {
        char path[64];
        snprintf(path, sizeof(path), "nodes/n1/resources/vm:%d", 100 + i);
        CHECK_INT(etcd_store_write(w, path, "", 0, NULL, &err), 0);
    }
    rev = er_revision(w);
    etcd_faults.snap_page = 3; /* the keys above take 5 pages */
    etcd_faults.snap_between = write_between;
    etcd_faults.snap_between_arg = &b;
    open_read_only = true;
    cli = open_node(prefix, "n2", NULL);
    open_read_only = false;
    CHECK(cli != NULL);
    /* the writes between the pages are not in it: every page is of the
     * first page's revision */
    CHECK_INT(cli ? etcd_store_snapshot(cli, &req, &sn, &err) : -1, 0);
    CHECK(b.calls >= 4);
    CHECK_INT(sn.revision, rev);
    CHECK_STR(snap_file(&sn, "ha/manager_status"), "{\"v\":1}");
    CHECK_STR(snap_file(&sn, "nodes/n1/lrm_status"), "{\"v\":1}");
    CHECK_STR(kv_snap_list(&sn, "nodes/n1/resources", &n)[0], "vm:100");
    CHECK_INT(n, 10);
    CHECK(sn.quorate);
    kv_snapshot_free(&sn);
    /* the next one sees them all */
    CHECK_INT(cli ? etcd_store_snapshot(cli, &req, &sn, &err) : -1, 0);
    CHECK(sn.revision > rev);
    CHECK_STR(snap_file(&sn, "ha/manager_status"), "{\"v\":2}");
    CHECK_STR(snap_file(&sn, "nodes/n1/lrm_status"), "{\"v\":2}");
    CHECK_STR(kv_snap_list(&sn, "nodes/n1/resources", &n)[n - 1], "vm:999");
    CHECK_INT(n, 10);
    kv_snapshot_free(&sn);
    /* the first page's revision compacted meanwhile: read again, whole */
    CHECK_INT(etcd_store_write(w, "ha/manager_status", "{\"v\":1}", 7, NULL, &err), 0);
    CHECK_INT(etcd_store_write(w, "nodes/n1/resources/vm:100", "", 0, NULL, &err), 0);
    b.calls = 0;
    b.compact = true;
    CHECK_INT(cli ? etcd_store_snapshot(cli, &req, &sn, &err) : -1, 0);
    CHECK(b.calls >= 5); /* the first try's page and the whole second try */
    CHECK_STR(snap_file(&sn, "ha/manager_status"), "{\"v\":2}");
    CHECK_STR(kv_snap_list(&sn, "nodes/n1/resources", &n)[0], "vm:101");
    kv_snapshot_free(&sn);
    memset(&etcd_faults, 0, sizeof(etcd_faults));
    free(err);
    if (cli != NULL) {
        etcd_store_close(cli);
    }
    etcd_store_close(w);
    free(prefix);
}

/* A page of hostile keys: taken in or skipped, never trusted. */
static void test_snapshot_page_hostile(void)
{
    static const char *const files[] = {"ha/*", NULL};
    static const char *const dirs[] = {"nodes/*/resources", NULL};
    struct kv_snap_req req = {files, dirs, true};
    struct kv_snapshot sn = {0};
    struct etcd_snap_acc a = {
        .prefix = "/p/", .store_id = "abc", .node = "n1", .req = &req, .sn = &sn};
    const struct {
        const char *key;
        size_t key_len;
        const char *value;
        size_t value_len;
        int64_t create_rev;
    } kvs[] = {
        {.key = "/p/ha/a", .key_len = 7, .value = "A", .value_len = 1},
        {.key = "/p/ha/nul", .key_len = 9, .value = "x\0y", .value_len = 3},
        {.key = "/p/ha/k\0ey", .key_len = 10, .value = "K", .value_len = 1},
        {.key = "/p/ha/c\ntl", .key_len = 10, .value = "C", .value_len = 1},
        {.key = "/p/ha/.dot", .key_len = 10, .value = "D", .value_len = 1},
        {.key = "/q/ha/b", .key_len = 7, .value = "B", .value_len = 1},
        {.key = "/p/haven-store",
         .key_len = 14,
         .value = "haven-store 1 id=abc x",
         .value_len = 22},
        {.key = "/p/nodes/n2/resources/vm:1", .key_len = 26, .value = "", .value_len = 0},
        {.key = "/p/nodes/n2/resources/", .key_len = 22, .value = "", .value_len = 0},
        {.key = "/p/nodes/bad name/x", .key_len = 19, .value = "", .value_len = 0},
        {.key = "/p/nodes/n2/out-of-order", .key_len = 24, .value = "", .value_len = 0},
        {.key = "/p/priv/lock/ha_manager_lock", .key_len = 28, .create_rev = 42},
        {.key = "/p/priv/beat/n2.lrm", .key_len = 19, .value = "", .value_len = 0},
    };
    struct etcd_range r = {.n = sizeof(kvs) / sizeof(kvs[0]), .more = true};
    char *err = NULL;
    uint64_t g;
    size_t n;

    /* values the page gives away are copies: the test's strings stay */
    r.kvs = xcalloc(r.n, sizeof(*r.kvs));
    for (size_t i = 0; i < r.n; i++) {
        r.kvs[i].key_len = kvs[i].key_len;
        r.kvs[i].value_len = kvs[i].value_len;
        r.kvs[i].create_rev = kvs[i].create_rev;
        r.kvs[i].key = xmalloc(kvs[i].key_len + 1);
        memcpy(r.kvs[i].key, kvs[i].key, kvs[i].key_len + 1);
        r.kvs[i].value = xmalloc(kvs[i].value_len + 1);
        memcpy(r.kvs[i].value, kvs[i].value ? kvs[i].value : "", kvs[i].value_len + 1);
    }
    CHECK_INT(etcd_snap_page(&a, &r, &err), 0);
    CHECK(a.next != NULL); /* more: the next page starts after the last key */
    etcd_snap_done(&a);
    CHECK_STR(snap_file(&sn, "ha/a"), "A");
    CHECK_STR(snap_file(&sn, "ha/nul"), "(none)"); /* an error, named */
    {
        const char *d, *e;
        size_t len;
        CHECK_INT(kv_snap_read(&sn, "ha/nul", &d, &len, &e), -1);
        CHECK(e != NULL && strstr(e, "NUL") != NULL);
    }
    CHECK_INT(sn.n_files, 2); /* no NUL, control or dot name, nothing outside */
    CHECK_STR(kv_snap_list(&sn, "nodes/n2/resources", &n)[0], "vm:1");
    CHECK_INT(n, 1);
    CHECK(kv_snap_locked(&sn, "ha_manager_lock", &g));
    CHECK_INT(g, 42);
    CHECK_INT(sn.n_members, 1); /* "bad name" is no node name */
    CHECK(sn.n_members == 1 && strcmp(sn.members[0].name, "n2") == 0 && sn.members[0].online);
    CHECK(sn.quorate);
    /* over the bounds: an error, not a guess */
    a.keys = KV_SNAP_MAX_KEYS - 1;
    CHECK_INT(etcd_snap_page(&a, &r, &err), -1);
    CHECK(err != NULL && strstr(err, "keys") != NULL);
    etcd_range_free(&r);
    etcd_snap_acc_free(&a);
    kv_snapshot_free(&sn);
    free(err);
}

/* TEST_ONLY=name runs that test alone (besides the cluster set-up). */
#define RUN_SOME(fn)                                                                               \
    do {                                                                                           \
        if (getenv("TEST_ONLY") == NULL || strcmp(getenv("TEST_ONLY"), #fn) == 0) {                \
            RUN(fn);                                                                               \
        }                                                                                          \
    } while (0)

int main(void)
{
    int r;

    signal(SIGPIPE, SIG_IGN);
    r = start_cluster(3);
    if (r == 77) {
        printf("not run: etcd is not installed\n");
        return test_summary();
    }
    RUN_SOME(test_parser_bodies);
    RUN_SOME(test_parser_hostile);
    RUN_SOME(test_base64);
    RUN_SOME(test_json_hostile);
    RUN_SOME(test_snapshot_page_hostile);
    if (r != 0) {
        fprintf(stderr, "could not start etcd (see %s)\n", cluster_dir);
        test_failed++;
        return test_summary();
    }
    RUN_SOME(test_open_bad_input);
    RUN_SOME(test_marker_and_store_id);
    RUN_SOME(test_read_only);
    RUN_SOME(test_files);
    RUN_SOME(test_list_mkdir_rename);
    RUN_SOME(test_lock_basic);
    RUN_SOME(test_lock_fresh_lease);
    RUN_SOME(test_lease_gone);
    RUN_SOME(test_lock_expiry_takeover);
    RUN_SOME(test_fencing_deposed_write);
    RUN_SOME(test_spool);
    RUN_SOME(test_steady_rounds_write_nothing);
    RUN_SOME(test_db_bounded);
    RUN_SOME(test_probe_members);
    RUN_SOME(test_snapshot_pages);
    RUN_SOME(test_domain_lock);
    RUN_SOME(test_big_value);
    RUN_SOME(test_lock_torture);
    RUN_SOME(test_auth);
    if (system("command -v openssl >/dev/null 2>&1") == 0) {
        RUN_SOME(test_tls);
    } else {
        fprintf(stderr, "# test_tls not run: openssl is not installed\n");
    }
    RUN_SOME(test_leader_freeze);
    RUN_SOME(test_quorum_loss);
    RUN_SOME(test_failover); /* last: it kills a member */
    etcd_test_stop(cluster_dir);
    return test_summary();
}
