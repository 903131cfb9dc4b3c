/* http_req.c - parse one request head of the metrics endpoint (http_req.h).
 * Everything from the network is hostile: lines are checked byte by byte
 * and nothing of the request is ever echoed back. */
#include "applets/daemon/http_req.h"

#include <string.h>

/* The end of the head: "\r\n\r\n" or "\n\n"; its length, or 0. */
static size_t head_len(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n') {
            continue;
        }
        if (buf[i + 1] == '\n') {
            return i + 2;
        }
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n') {
            return i + 3;
        }
    }
    return 0;
}

/* One line [s, e) without its end of line: printable ASCII and tabs only. */
static int line_ok(const char *s, const char *e)
{
    for (; s < e; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

static enum http_parse request_line(const char *s, const char *e, struct http_req *r)
{
    const char *sp1 = memchr(s, ' ', (size_t)(e - s)), *sp2, *q;
    size_t n;

    if (sp1 == NULL || sp1 == s || (size_t)(sp1 - s) >= sizeof(r->method)) {
        return HTTP_BAD;
    }
    for (const char *p = s; p < sp1; p++) {
        if (*p < 'A' || *p > 'Z') {
            return HTTP_BAD;
        }
    }
    sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
    if (sp2 == NULL || sp2 == sp1 + 1 || sp1[1] != '/') {
        return HTTP_BAD;
    }
    n = (size_t)(e - sp2 - 1);
    if (n != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1')) {
        return HTTP_BAD;
    }
    q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
    n = (size_t)((q ? q : sp2) - sp1 - 1);
    if (n >= sizeof(r->path)) {
        n = sizeof(r->path) - 1; /* a long path is no route anyway: 404 */
    }
    memcpy(r->method, s, (size_t)(sp1 - s));
    r->method[sp1 - s] = '\0';
    memcpy(r->path, sp1 + 1, n);
    r->path[n] = '\0';
    return HTTP_COMPLETE;
}

enum http_parse http_parse(const char *buf, size_t len, struct http_req *r)
{
    size_t hl = head_len(buf, len);
    const char *p, *end;
    int first = 1;

    if (memchr(buf, '\0', len) != NULL) {
        return HTTP_BAD;
    }
    if (hl == 0) {
        return len >= HTTP_REQ_MAX ? HTTP_BAD : HTTP_INCOMPLETE;
    }
    if (hl > HTTP_REQ_MAX) {
        return HTTP_BAD;
    }
    for (p = buf, end = buf + hl; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl;
        if (le > p && le[-1] == '\r') {
            le--;
        }
        if (le == p) {
            break; /* the empty line: end of the head */
        }
        if (!line_ok(p, le)) {
            return HTTP_BAD;
        }
        if (first) {
            if (request_line(p, le, r) != HTTP_COMPLETE) {
                return HTTP_BAD;
            }
            first = 0;
        } else if (memchr(p, ':', (size_t)(le - p)) == NULL || *p == ' ' || *p == '\t' || *p == ':') {
            return HTTP_BAD; /* no folded lines, no empty names */
        }
        p = nl + 1;
    }
    return first ? HTTP_BAD : HTTP_COMPLETE;
}

int http_route(const struct http_req *r)
{
    if (strcmp(r->path, "/metrics") != 0) {
        return 404;
    }
    return strcmp(r->method, "GET") == 0 ? 200 : 405;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    }
    return "Bad Request";
}
