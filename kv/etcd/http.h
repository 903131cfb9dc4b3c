/* http.h - a small HTTP/1.1 client over plain sockets for the etcd gateway
 * (no libcurl: it would triple the static binary).
 *
 * Every call finishes or fails by an absolute deadline (kv_now_ms() clock):
 * non-blocking sockets and poll() on connect, send and receive, so a member
 * that is down, refuses or hangs (SIGSTOP, a frozen network path: no RST)
 * costs at most its share of the deadline and the next member is tried.
 * The client remembers the last member that answered and keeps its
 * connection open (keep-alive). Responses are bounded (headers, line
 * lengths, body size) and parsed incrementally: Content-Length, chunked
 * (with trailers) or up to the connection's end. Names are resolved once,
 * when the client is made (a resolver has no deadline). */
#ifndef HAVEN_KV_ETCD_HTTP_H
#define HAVEN_KV_ETCD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "state/str.h"

#define HTTP_MAX_LINE 8192 /* status line, one header, one chunk size line */
#define HTTP_MAX_HEAD 65536 /* all headers (or trailers) of one response */
#define HTTP_MAX_ENDPOINTS 16
#define HTTP_MAX_ADDRS 4 /* addresses tried per endpoint, in the resolver's order */

/* ---- the response parser (pure: no I/O; fuzzed) ---- */
struct http_parser {
    int state;
    size_t max_body;
    char line[HTTP_MAX_LINE + 1];
    size_t line_len;
    size_t head_bytes; /* header or trailer bytes so far */
    int status;
    bool http10, keep_alive, close, chunked, have_length;
    uint64_t left; /* body or chunk bytes still to come */
    struct strbuf body;
    const char *error; /* why -1 (static text) */
};

void http_parser_init(struct http_parser *p, size_t max_body);
/* Feed len bytes: 1 the response is complete (*used bytes of data were
 * its end; the rest is not ours), 0 more is needed (all used), -1
 * malformed or too large (p->error). */
int http_parser_feed(struct http_parser *p, const char *data, size_t len, size_t *used);
/* The peer closed the connection: 1 complete (a body that runs to the
 * end), -1 truncated. */
int http_parser_eof(struct http_parser *p);
/* After 1: may the connection carry another request? */
bool http_parser_reusable(const struct http_parser *p);
void http_parser_free(struct http_parser *p);

/* ---- the client ---- */
struct tls_config;
struct tls_conn;

struct http_endpoint {
    char *url; /* as configured, for messages */
    char *host; /* the Host header: "name:port" */
    char *name; /* the host name alone: TLS checks the certificate against it */
    bool tls; /* https:// */
    struct sockaddr_storage addr[HTTP_MAX_ADDRS]; /* "localhost": ::1 and 127.0.0.1 */
    socklen_t addrlen[HTTP_MAX_ADDRS];
    size_t n_addr;
};

struct http_client {
    struct http_endpoint *eps;
    size_t n;
    size_t cur; /* the last member that answered: tried first */
    int fd; /* keep-alive connection to eps[cur], -1 none */
    struct tls_conn *tc; /* its TLS state, when eps[cur] is https */
    struct tls_config *tls; /* NULL: no https endpoints allowed */
    size_t max_body;
    char *auth; /* Authorization header value, or NULL */
    /* counters, for the benchmarks */
    uint64_t requests, bytes_sent, bytes_received;
};

struct http_response {
    int status;
    char *body; /* NUL-terminated; caller frees (http_response_free) */
    size_t len;
};

/* Parse "http://h1:2379,https://h2:2379" (port 2379 when none) and resolve
 * every name: 0, or -1 and a one-line *err. tls (NULL: https endpoints are
 * refused) becomes the client's, also on error. */
int http_client_init(
    struct http_client *c, const char *list, size_t max_body, struct tls_config *tls, char **err
);
void http_client_free(struct http_client *c);
void http_client_close(struct http_client *c); /* drop the open connection */

/* One request: method, path (with the query), body (NULL for none). */
struct http_req {
    const char *method;
    const char *path;
    const char *body;
    size_t len;
    int64_t deadline; /* kv_now_ms() by which it is answered or failed */
    bool idempotent; /* may be sent again to another member */
};

/* One request, tried on each member in turn, starting
 * with the last good one, until one answers with any HTTP status (502,
 * 503 and 504, a member without a leader, count as no answer) or the
 * deadline passes. A
 * request that was sent but not answered is tried on the next member only
 * when idempotent: a transaction must never be applied twice. 0 and *r, or
 * -1 and a one-line *err naming each member tried and why it failed. */
int http_call(struct http_client *c, const struct http_req *q, struct http_response *r, char **err);
void http_response_free(struct http_response *r);

#endif
