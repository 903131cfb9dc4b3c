/* metrics_http.c - the metrics endpoint (README.md, "Metrics"): a listening
 * socket on the daemon's libev loop that answers GET /metrics and nothing
 * else. Every connection is non-blocking, has a 4 KiB request buffer and a
 * deadline for reading the request and writing the answer, and at most
 * CONN_MAX are served at once (more are closed at once), so no client can
 * hold up the rounds or grow the daemon. One request per connection. */
#include "applets/daemon/http_req.h"
#include "applets/daemon/obs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"

#define CONN_MAX 4
#define DEADLINE_S 5.

struct conn {
    int fd; /* -1: free */
    ev_io io;
    ev_timer timer;
    size_t len;
    char *out; /* the answer being written */
    size_t out_len, out_off;
    char buf[HTTP_REQ_MAX];
};

static struct conn conns[CONN_MAX];
static ev_io listener;
static ev_timer resume; /* after a failed accept (no fds left): listen again later */
static struct ev_loop *the_loop;

static void conn_close(struct conn *c)
{
    ev_io_stop(the_loop, &c->io);
    ev_timer_stop(the_loop, &c->timer);
    close(c->fd);
    c->fd = -1;
    free(c->out);
    c->out = NULL;
}

static void write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = w->data;

    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            break;
        }
        c->out_off += (size_t)n;
    }
    shutdown(c->fd, SHUT_WR);
    conn_close(c);
}

static void respond(struct conn *c, int status)
{
    struct strbuf body = {0}, sb = {0};

    if (status == 200) {
        metrics_render(&body);
    } else {
        strbuf_addf(&body, "%d %s\n", status, http_reason(status));
    }
    strbuf_addf(
        &sb,
        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
        status, http_reason(status),
        status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", body.len,
        status == 405 ? "Allow: GET\r\n" : ""
    );
    strbuf_add(&sb, strbuf_str(&body));
    strbuf_free(&body);
    c->out_len = sb.len;
    c->out_off = 0;
    c->out = strbuf_take(&sb);
    ev_io_stop(the_loop, &c->io);
    ev_io_init(&c->io, write_cb, c->fd, EV_WRITE);
    c->io.data = c;
    ev_io_start(the_loop, &c->io);
    ev_timer_stop(the_loop, &c->timer);
    ev_timer_set(&c->timer, DEADLINE_S, 0.);
    ev_timer_start(the_loop, &c->timer);
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = w->data;
    struct http_req r;
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    enum http_parse p;

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        conn_close(c); /* closed or failed before a whole request */
        return;
    }
    c->len += (size_t)n;
    p = http_parse(c->buf, c->len, &r);
    if (p == HTTP_INCOMPLETE) {
        return;
    }
    if (p == HTTP_BAD) {
        respond(c, c->len >= sizeof(c->buf) ? 431 : 400);
        return;
    }
    respond(c, http_route(&r));
}

/* The deadline: a slow or silent client is dropped without an answer. */
static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    conn_close(w->data);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct conn *c = NULL;

        if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            /* the listener stays readable: pause it rather than spin */
            ev_io_stop(loop, w);
            ev_timer_start(loop, &resume);
        }
        if (fd < 0) {
            return;
        }
        for (size_t i = 0; i < CONN_MAX && c == NULL; i++) {
            c = conns[i].fd < 0 ? &conns[i] : NULL;
        }
        if (c == NULL) {
            close(fd); /* busy: the client retries at its next scrape */
            continue;
        }
        c->fd = fd;
        c->len = 0;
        ev_io_init(&c->io, read_cb, fd, EV_READ);
        c->io.data = c;
        ev_io_start(loop, &c->io);
        ev_timer_init(&c->timer, timer_cb, DEADLINE_S, 0.);
        c->timer.data = c;
        ev_timer_start(loop, &c->timer);
    }
}

static void resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    ev_io_start(loop, &listener);
}

int metrics_parse_listen(const char *s, char *addr, size_t addr_size, int *port)
{
    struct sockaddr_in6 a6;
    const char *colon = strrchr(s, ':'), *a = s;
    size_t n;

    if (colon == NULL || str_to_int(colon + 1, 1, 65535, port) != STR_INT_OK) {
        return -1;
    }
    n = (size_t)(colon - s);
    if (n >= 2 && s[0] == '[' && colon[-1] == ']') {
        a = s + 1;
        n -= 2;
    } else if (memchr(s, ':', n) != NULL) {
        return -1; /* an IPv6 address needs its brackets */
    }
    if (n == 0 || n >= addr_size) {
        return -1;
    }
    memcpy(addr, a, n);
    addr[n] = '\0';
    return inet_pton(AF_INET, addr, &a6.sin6_addr) == 1 ||
                   inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1
               ? 0
               : -1; /* numeric only: no name lookups */
}

int metrics_http_start(struct ev_loop *loop, const char *addr, int port, char **err)
{
    struct sockaddr_in6 a6 = {0};
    struct sockaddr_in a4 = {0};
    struct sockaddr *sa = (struct sockaddr *)&a4;
    socklen_t len = sizeof(a4);
    int fd, one = 1;

    /* numeric only: no resolver in the binary, no name lookups at start-up */
    a4.sin_family = AF_INET;
    a4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &a4.sin_addr) != 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &a6.sin6_addr) != 1) {
            *err = xasprintf("metrics_listen: '%s' is not a numeric address", addr);
            return -1;
        }
        sa = (struct sockaddr *)&a6;
        len = sizeof(a6);
    }
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, sa, len) != 0 || listen(fd, 16) != 0) {
        *err = xasprintf(
            "metrics_listen: unable to listen on %s port %d - %s", addr, port, strerror(errno)
        );
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    for (size_t i = 0; i < CONN_MAX; i++) {
        conns[i].fd = -1;
    }
    the_loop = loop;
    ev_io_init(&listener, accept_cb, fd, EV_READ);
    ev_io_start(loop, &listener);
    ev_timer_init(&resume, resume_cb, 1., 0.);
    return 0;
}
