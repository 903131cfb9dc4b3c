/* http.c - the etcd client's HTTP/1.1 transport: endpoints, deadlines,
 * keep-alive and failover (see http.h). */
#include "kv/etcd/http.h"
#include "kv/etcd/tls.h"
#include "kv/store.h"
#include "state/str.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "2379"

static void set_err(char **err, char *msg)
{
    if (err != NULL) {
        free(*err);
        *err = msg;
    } else {
        free(msg);
    }
}

static bool host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* "http[s]://host[:port][/]" -> host and port (IPv6 in brackets); 0 or -1. */
static int parse_url(const char *url, char **host, char **port, bool *tls, char **err)
{
    const char *p, *h, *he;
    char *e = NULL;

    *tls = str_starts(url, "https://");
    if (!*tls && !str_starts(url, "http://")) {
        goto bad;
    }
    p = url + (*tls ? 8 : 7);
    if (*p == '[') {
        h = ++p;
        while (*p && (host_char_ok(*p) || *p == ':')) {
            p++;
        }
        if (*p != ']' || p == h) {
            goto bad;
        }
        he = p++;
    } else {
        h = p;
        while (host_char_ok(*p)) {
            p++;
        }
        he = p;
        if (he == h) {
            goto bad;
        }
    }
    *host = xstrndup(h, (size_t)(he - h));
    if (*p == ':') {
        int n;
        const char *ps = ++p;

        while (*p >= '0' && *p <= '9') {
            p++;
        }
        *port = xstrndup(ps, (size_t)(p - ps));
        if (str_to_int(*port, 1, 65535, &n) != STR_INT_OK) {
            free(*host);
            free(*port);
            goto bad;
        }
    } else {
        *port = xstrdup(DEFAULT_PORT);
    }
    if (*p == '/') {
        p++;
    }
    if (*p != '\0') {
        free(*host);
        free(*port);
        goto bad;
    }
    return 0;
bad:
    e = str_escaped(url);
    set_err(err, xasprintf("etcd endpoint '%s': want http://host:port or https://host:port", e));
    free(e);
    return -1;
}

/* Resolve one endpoint URL and add it: 0, or -1 and *err. */
static int add_endpoint(struct http_client *c, const char *url, char **err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    struct http_endpoint *ep;
    char *host, *port;
    bool https;
    int r;

    if (c->n == HTTP_MAX_ENDPOINTS) {
        set_err(err, xasprintf("more than %d etcd endpoints", HTTP_MAX_ENDPOINTS));
        return -1;
    }
    if (parse_url(url, &host, &port, &https, err) != 0) {
        return -1;
    }
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (https && c->tls == NULL) {
        set_err(err, xasprintf("etcd endpoint '%s': https needs etcd_cacert", url));
        r = -1;
    } else if ((r = getaddrinfo(host, port, &hints, &ai)) != 0 || ai == NULL) {
        set_err(err, xasprintf("etcd endpoint '%s': %s", url, r ? gai_strerror(r) : "no address"));
        r = -1;
    } else {
        c->eps = xrealloc(c->eps, (c->n + 1) * sizeof(*c->eps));
        ep = &c->eps[c->n++];
        memset(ep, 0, sizeof(*ep));
        ep->url = xstrdup(url);
        ep->tls = https;
        ep->host =
            strchr(host, ':') ? xasprintf("[%s]:%s", host, port) : xasprintf("%s:%s", host, port);
        ep->name = xstrdup(host);
        for (const struct addrinfo *a = ai; a != NULL && ep->n_addr < HTTP_MAX_ADDRS;
             a = a->ai_next) {
            if (a->ai_addrlen <= sizeof(ep->addr[0])) {
                memcpy(&ep->addr[ep->n_addr], a->ai_addr, a->ai_addrlen);
                ep->addrlen[ep->n_addr++] = a->ai_addrlen;
            }
        }
    }
    if (ai != NULL) {
        freeaddrinfo(ai);
    }
    free(host);
    free(port);
    return r == 0 ? 0 : -1;
}

int http_client_init(
    struct http_client *c, const char *list, size_t max_body, struct tls_config *tls, char **err
)
{
    const char *p = list;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->max_body = max_body;
    c->tls = tls;
    if (list == NULL || *list == '\0') {
        set_err(err, xstrdup("no etcd endpoints"));
        goto fail;
    }
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *url = xstrndup(p, n);
        int r = add_endpoint(c, url, err);

        free(url);
        if (r != 0) {
            goto fail;
        }
        p += n;
        if (*p == ',' && *++p == '\0') {
            set_err(err, xstrdup("empty etcd endpoint in the list"));
            goto fail;
        }
    }
    return 0;
fail:
    http_client_free(c);
    return -1;
}

void http_client_close(struct http_client *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    tls_conn_free(c->tc);
    c->tc = NULL;
}

void http_client_free(struct http_client *c)
{
    http_client_close(c);
    for (size_t i = 0; i < c->n; i++) {
        free(c->eps[i].url);
        free(c->eps[i].host);
        free(c->eps[i].name);
    }
    free(c->eps);
    free(c->auth);
    tls_config_free(c->tls);
    c->eps = NULL;
    c->auth = NULL;
    c->tls = NULL;
    c->n = 0;
}

void http_response_free(struct http_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* poll one fd until events or the deadline: 1 ready, 0 timed out, -1 error */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - kv_now_ms();
        struct pollfd pfd = {.fd = fd, .events = events};
        int r;

        if (left <= 0) {
            return 0;
        }
        r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0) {
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
    }
}

static int
connect_addr(const struct sockaddr_storage *sa, socklen_t len, int64_t deadline, char **why)
{
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1, e = 0, r;
    socklen_t elen = sizeof(e);

    if (fd < 0) {
        *why = xasprintf("socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)sa, len) == 0) {
        return fd;
    }
    if (errno != EINPROGRESS) {
        *why = xstrdup(strerror(errno));
        close(fd);
        return -1;
    }
    r = wait_fd(fd, POLLOUT, deadline);
    if (r <= 0) {
        *why = xstrdup(r == 0 ? "timed out connecting" : strerror(errno));
        close(fd);
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0 || e != 0) {
        *why = xstrdup(strerror(e ? e : errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Each of the endpoint's addresses in turn (one refusing, the next). */
static int connect_to(const struct http_endpoint *ep, int64_t deadline, char **why)
{
    int fd = -1;

    for (size_t i = 0; i < ep->n_addr && fd < 0; i++) {
        free(*why);
        *why = NULL;
        fd = connect_addr(&ep->addr[i], ep->addrlen[i], deadline, why);
    }
    if (fd < 0 && *why == NULL) {
        *why = xstrdup("no address");
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t n, int64_t deadline, char **why)
{
    while (n > 0) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

        if (w > 0) {
            buf += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLOUT, deadline);
            if (r == 0) {
                *why = xstrdup("timed out sending");
                return -1;
            }
            if (r > 0) {
                continue;
            }
        }
        *why = xasprintf("send: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* A kept connection the server closed (or wrote to) while idle is dead. */
static bool idle_conn_ok(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    return poll(&pfd, 1, 0) == 0;
}

/* A connection: the socket and, on https, its TLS state. */
struct conn {
    int fd;
    struct tls_conn *tc;
};

/* Up to cap bytes from a connection: the count, 0 at its end, -1 *why. */
static ssize_t conn_recv(struct conn *k, char *buf, size_t cap, int64_t deadline, char **why)
{
    if (k->tc != NULL) {
        return tls_recv(k->tc, k->fd, buf, cap, deadline, why);
    }
    for (;;) {
        ssize_t n = recv(k->fd, buf, cap, 0);
        int r;

        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            r = wait_fd(k->fd, POLLIN, deadline);
            if (r > 0) {
                continue;
            }
            if (r == 0) {
                *why = xstrdup("timed out waiting for the response");
                return -1;
            }
        }
        *why = xasprintf("recv: %s", strerror(errno));
        return -1;
    }
}

/* Read one response: 0 complete, -1 failed (*got: bytes were received). */
static int receive(
    struct http_client *c,
    struct conn *k,
    int64_t deadline,
    struct http_parser *p,
    bool *got,
    char **why
)
{
    char buf[16384];

    for (;;) {
        ssize_t n = conn_recv(k, buf, sizeof(buf), deadline, why);
        size_t used;
        int r;

        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            if (http_parser_eof(p) > 0) {
                return 0;
            }
            *why = xstrdup(
                *got    ? p->error
                : k->tc ? "connection closed without a response"
                        : "connection closed without a response (a TLS port? use https://)"
            );
            return -1;
        }
        *got = true;
        c->bytes_received += (uint64_t)n;
        r = http_parser_feed(p, buf, (size_t)n, &used);
        if (r < 0) {
            *why = xstrdup(p->error);
            return -1;
        }
        if (r > 0) {
            p->close = p->close || used != (size_t)n; /* bytes nobody asked for */
            return 0;
        }
    }
}

enum attempt_rc { A_OK, A_NOT_SENT, A_SENT, A_RETRY };

/* The kept connection to member idx, if it still looks alive, else a new
 * one (with its TLS handshake): 0, or -1 and *why (nothing was sent). */
static int
open_conn(struct http_client *c, size_t idx, int64_t deadline, struct conn *k, char **why)
{
    if (c->fd >= 0 && c->cur == idx && idle_conn_ok(c->fd)) {
        k->fd = c->fd;
        k->tc = c->tc;
        c->fd = -1;
        c->tc = NULL;
        return 1;
    }
    http_client_close(c);
    k->tc = NULL;
    k->fd = connect_to(&c->eps[idx], deadline, why);
    if (k->fd < 0) {
        return -1;
    }
    if (c->eps[idx].tls) {
        k->tc = tls_conn_new(c->tls, c->eps[idx].name);
        if (tls_handshake(k->tc, k->fd, deadline, why) != 0) {
            tls_conn_free(k->tc);
            close(k->fd);
            return -1;
        }
    }
    return 0;
}

/* One try on one member. A_NOT_SENT: the request certainly did not reach
 * it (no connection); A_SENT: it may have; A_RETRY: a kept connection the
 * server dropped as we used it (nothing was processed): try a new one. */
static enum attempt_rc attempt(
    struct http_client *c,
    size_t idx,
    const struct strbuf *req,
    int64_t deadline,
    struct http_response *r,
    char **why
)
{
    bool got = false;
    struct http_parser p;
    struct conn k;
    int reused = open_conn(c, idx, deadline, &k, why), sent;

    if (reused < 0) {
        return A_NOT_SENT;
    }
    http_parser_init(&p, c->max_body);
    c->requests++;
    c->bytes_sent += req->len;
    sent = k.tc ? tls_send(k.tc, k.fd, req->buf, req->len, deadline, why)
                : send_all(k.fd, req->buf, req->len, deadline, why);
    if (sent != 0 || receive(c, &k, deadline, &p, &got, why) != 0) {
        close(k.fd);
        tls_conn_free(k.tc);
        http_parser_free(&p);
        return reused && !got && kv_now_ms() < deadline ? A_RETRY : A_SENT;
    }
    if (http_parser_reusable(&p)) {
        c->fd = k.fd;
        c->tc = k.tc;
    } else {
        close(k.fd);
        tls_conn_free(k.tc);
    }
    c->cur = idx;
    r->status = p.status;
    r->len = p.body.len;
    r->body = strbuf_take(&p.body);
    http_parser_free(&p);
    return A_OK;
}

/* The request's bytes for member idx. */
static void format_request(
    const struct http_client *c, size_t idx, const struct http_req *q, struct strbuf *req
)
{
    strbuf_addf(req, "%s %s HTTP/1.1\r\nHost: %s\r\n", q->method, q->path, c->eps[idx].host);
    if (c->auth != NULL) {
        strbuf_addf(req, "Authorization: %s\r\n", c->auth);
    }
    if (q->body != NULL) {
        strbuf_addf(req, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", q->len);
        strbuf_addn(req, q->body, q->len);
    } else {
        strbuf_add(req, "\r\n");
    }
}

/* One member, within share: its attempt, again on a new connection when
 * a kept one was dropped, and a 502/503/504 counted as no answer. */
static enum attempt_rc try_member(
    struct http_client *c,
    size_t idx,
    const struct http_req *q,
    int64_t share,
    struct http_response *r,
    char **why
)
{
    struct strbuf req = {0};
    enum attempt_rc a;

    format_request(c, idx, q, &req);
    a = attempt(c, idx, &req, share, r, why);
    if (a == A_RETRY) {
        free(*why);
        *why = NULL;
        a = attempt(c, idx, &req, share, r, why);
        a = a == A_RETRY ? A_SENT : a;
    }
    strbuf_free(&req);
    if (a == A_OK && (r->status == 502 || r->status == 503 || r->status == 504)) {
        char *m = str_escaped(r->body ? r->body : "");
        *why = xasprintf("unavailable (HTTP %d %.200s)", r->status, m);
        free(m);
        http_response_free(r);
        a = A_SENT;
    }
    return a;
}

int http_call(struct http_client *c, const struct http_req *q, struct http_response *r, char **err)
{
    struct strbuf why_all = {0};
    size_t start = c->cur, last = c->cur;

    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < c->n; i++) {
        size_t idx = (start + i) % c->n;
        int64_t now = kv_now_ms();
        char *why = NULL;
        enum attempt_rc a;

        if (now >= q->deadline) {
            strbuf_addf(&why_all, "%sdeadline passed", why_all.len ? "; " : "");
            break;
        }
        /* an equal share of the time left for each member not yet tried,
         * so one that hangs cannot use up the others' */
        a = try_member(c, idx, q, now + (q->deadline - now) / (int64_t)(c->n - i), r, &why);
        last = idx;
        if (a == A_OK) {
            strbuf_free(&why_all);
            return 0;
        }
        strbuf_addf(&why_all, "%s%s: %s", why_all.len ? "; " : "", c->eps[idx].url, why);
        free(why);
        if (a == A_SENT && !q->idempotent) {
            break; /* it may have been applied: never twice */
        }
    }
    /* the next call starts with the member after the one that failed */
    http_client_close(c);
    c->cur = (last + 1) % c->n;
    set_err(err, xasprintf("etcd unreachable (%s)", strbuf_str(&why_all)));
    strbuf_free(&why_all);
    return -1;
}
