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
        return -1;
    }
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *url = xstrndup(p, n), *host, *port;
        struct addrinfo hints = {0}, *ai = NULL;
        struct http_endpoint *ep;
        bool https;
        int r;

        if (c->n == HTTP_MAX_ENDPOINTS) {
            free(url);
            set_err(err, xasprintf("more than %d etcd endpoints", HTTP_MAX_ENDPOINTS));
            goto fail;
        }
        if (parse_url(url, &host, &port, &https, err) != 0) {
            free(url);
            goto fail;
        }
        if (https && c->tls == NULL) {
            set_err(err, xasprintf("etcd endpoint '%s': https needs etcd_cacert", url));
            free(url);
            free(host);
            free(port);
            goto fail;
        }
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        r = getaddrinfo(host, port, &hints, &ai);
        if (r != 0 || ai == NULL) {
            set_err(
                err, xasprintf("etcd endpoint '%s': %s", url, r ? gai_strerror(r) : "no address")
            );
            if (ai != NULL) {
                freeaddrinfo(ai);
            }
            free(url);
            free(host);
            free(port);
            goto fail;
        }
        c->eps = xrealloc(c->eps, (c->n + 1) * sizeof(*c->eps));
        ep = &c->eps[c->n++];
        memset(ep, 0, sizeof(*ep));
        ep->url = url;
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
        freeaddrinfo(ai);
        free(host);
        free(port);
        p += n;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                set_err(err, xstrdup("empty etcd endpoint in the list"));
                goto fail;
            }
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

/* Up to cap bytes from a connection: the count, 0 at its end, -1 *why. */
static ssize_t
conn_recv(int fd, struct tls_conn *tc, char *buf, size_t cap, int64_t deadline, char **why)
{
    if (tc != NULL) {
        return tls_recv(tc, fd, buf, cap, deadline, why);
    }
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        int r;

        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            r = wait_fd(fd, POLLIN, deadline);
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
    int fd,
    struct tls_conn *tc,
    int64_t deadline,
    struct http_parser *p,
    bool *got,
    char **why
)
{
    char buf[16384];

    for (;;) {
        ssize_t n = conn_recv(fd, tc, buf, sizeof(buf), deadline, why);
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
                *got ? p->error
                : tc ? "connection closed without a response"
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
            if (used != (size_t)n) {
                p->close = true; /* bytes nobody asked for: not reusable */
            }
            return 0;
        }
    }
}

enum attempt_rc { A_OK, A_NOT_SENT, A_SENT };

/* One try on one member. A_NOT_SENT: the request certainly did not reach
 * it (no connection); A_SENT: it may have. */
static enum attempt_rc attempt(
    struct http_client *c,
    size_t idx,
    const char *req,
    size_t reqlen,
    int64_t deadline,
    struct http_response *r,
    char **why
)
{
    bool reused = false, got = false;
    struct tls_conn *tc = NULL;
    struct http_parser p;
    int fd, sent;

    if (c->fd >= 0 && c->cur == idx && idle_conn_ok(c->fd)) {
        fd = c->fd;
        tc = c->tc;
        reused = true;
    } else {
        http_client_close(c);
        fd = connect_to(&c->eps[idx], deadline, why);
        if (fd < 0) {
            return A_NOT_SENT;
        }
        if (c->eps[idx].tls) {
            tc = tls_conn_new(c->tls, c->eps[idx].name);
            if (tls_handshake(tc, fd, deadline, why) != 0) {
                tls_conn_free(tc);
                close(fd);
                return A_NOT_SENT; /* no request went out */
            }
        }
    }
    c->fd = -1;
    c->tc = NULL;
    http_parser_init(&p, c->max_body);
    c->requests++;
    c->bytes_sent += reqlen;
    sent = tc ? tls_send(tc, fd, req, reqlen, deadline, why)
              : send_all(fd, req, reqlen, deadline, why);
    if (sent != 0 || receive(c, fd, tc, deadline, &p, &got, why) != 0) {
        close(fd);
        tls_conn_free(tc);
        http_parser_free(&p);
        /* a kept connection the server dropped as we used it: nothing was
         * processed, try once more on a new one */
        if (reused && !got && kv_now_ms() < deadline) {
            free(*why);
            *why = NULL;
            return attempt(c, idx, req, reqlen, deadline, r, why);
        }
        return A_SENT;
    }
    if (http_parser_reusable(&p)) {
        c->fd = fd;
        c->tc = tc;
    } else {
        close(fd);
        tls_conn_free(tc);
    }
    c->cur = idx;
    r->status = p.status;
    r->len = p.body.len;
    r->body = strbuf_take(&p.body);
    http_parser_free(&p);
    return A_OK;
}

int http_call(
    struct http_client *c,
    const char *method,
    const char *path,
    const char *body,
    size_t len,
    int64_t deadline,
    bool idempotent,
    struct http_response *r,
    char **err
)
{
    struct strbuf why_all = {0};
    size_t start = c->cur, last = c->cur;

    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < c->n; i++) {
        size_t idx = (start + i) % c->n;
        int64_t now = kv_now_ms();
        /* an equal share of the time left for each member not yet tried,
         * so one that hangs cannot use up the others' */
        int64_t share = now + (deadline - now) / (int64_t)(c->n - i);
        struct strbuf req = {0};
        char *why = NULL;
        enum attempt_rc a;

        if (now >= deadline) {
            strbuf_addf(&why_all, "%sdeadline passed", why_all.len ? "; " : "");
            break;
        }
        strbuf_addf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, c->eps[idx].host);
        if (c->auth != NULL) {
            strbuf_addf(&req, "Authorization: %s\r\n", c->auth);
        }
        if (body != NULL) {
            strbuf_addf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", len);
            strbuf_addn(&req, body, len);
        } else {
            strbuf_add(&req, "\r\n");
        }
        a = attempt(c, idx, req.buf, req.len, share, r, &why);
        strbuf_free(&req);
        last = idx;
        if (a == A_OK && (r->status == 502 || r->status == 503 || r->status == 504)) {
            char *m = str_escaped(r->body ? r->body : "");
            why = xasprintf("unavailable (HTTP %d %.200s)", r->status, m);
            free(m);
            http_response_free(r);
            a = A_SENT;
        }
        if (a == A_OK) {
            strbuf_free(&why_all);
            return 0;
        }
        strbuf_addf(&why_all, "%s%s: %s", why_all.len ? "; " : "", c->eps[idx].url, why);
        free(why);
        if (a == A_SENT && !idempotent) {
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
