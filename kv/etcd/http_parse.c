/* http_parse.c - the incremental HTTP/1.1 response parser of the etcd
 * client. Pure (no I/O), so it is unit tested and fuzzed on its own. What
 * a member sends is hostile input: every line, the header block and the
 * body are bounded, numbers are checked, and anything the etcd gateway
 * never sends (other transfer codings, both a length and chunking, control
 * characters in headers) is an error rather than a guess. */
#include "kv/etcd/http.h"
#include "state/str.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

enum {
    S_STATUS,
    S_HEADER,
    S_BODY_LEN,
    S_BODY_EOF,
    S_CHUNK_SIZE,
    S_CHUNK_DATA,
    S_CHUNK_END,
    S_TRAILER,
    S_DONE,
    S_ERROR
};

void http_parser_init(struct http_parser *p, size_t max_body)
{
    memset(p, 0, sizeof(*p));
    p->max_body = max_body;
    p->state = S_STATUS;
}

void http_parser_free(struct http_parser *p)
{
    strbuf_free(&p->body);
}

static int fail(struct http_parser *p, const char *why)
{
    p->state = S_ERROR;
    p->error = why;
    return -1;
}

/* "HTTP/1.x NNN[ reason]" */
static int status_line(struct http_parser *p, const char *s)
{
    if (strncmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ') {
        return fail(p, "not an HTTP/1.x response");
    }
    for (int i = 9; i < 12; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return fail(p, "bad HTTP status");
        }
    }
    if (s[12] != '\0' && s[12] != ' ') {
        return fail(p, "bad HTTP status");
    }
    p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (p->status < 100 || p->status > 599) {
        return fail(p, "bad HTTP status");
    }
    p->http10 = s[7] == '0';
    p->keep_alive = p->close = p->chunked = p->have_length = false;
    p->left = 0;
    return 0;
}

/* Does the comma-separated header value hold token (any case)? */
static bool has_token(const char *v, const char *token)
{
    size_t n = strlen(token);

    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',') {
            v++;
        }
        if (strncasecmp(v, token, n) == 0) {
            const char *e = v + n;
            while (*e == ' ' || *e == '\t') {
                e++;
            }
            if (*e == '\0' || *e == ',') {
                return true;
            }
        }
        while (*v && *v != ',') {
            v++;
        }
    }
    return false;
}

static int header_line(struct http_parser *p, char *s)
{
    char *colon = strchr(s, ':'), *v, *end;

    if (colon == NULL || colon == s) {
        return fail(p, "bad HTTP header");
    }
    for (char *c = s; c < colon; c++) {
        if (*c <= ' ' || *c >= 0x7f) {
            return fail(p, "bad HTTP header");
        }
    }
    *colon = '\0';
    v = colon + 1;
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
        *--end = '\0';
    }
    if (strcasecmp(s, "Content-Length") == 0) {
        long long n;

        if (str_to_ll(v, 0, (long long)p->max_body, &n) != STR_INT_OK) {
            /* digits beyond the bound are "too large", anything else bad */
            bool digits = *v != '\0' && strspn(v, "0123456789") == strlen(v);
            return fail(p, digits ? "HTTP response too large" : "bad Content-Length");
        }
        if (p->have_length && p->left != (uint64_t)n) {
            return fail(p, "conflicting Content-Length");
        }
        p->have_length = true;
        p->left = (uint64_t)n;
    } else if (strcasecmp(s, "Transfer-Encoding") == 0) {
        if (strcasecmp(v, "chunked") != 0) {
            return fail(p, "unsupported Transfer-Encoding");
        }
        p->chunked = true;
    } else if (strcasecmp(s, "Connection") == 0) {
        if (has_token(v, "close")) {
            p->close = true;
        }
        if (has_token(v, "keep-alive")) {
            p->keep_alive = true;
        }
    }
    return 0;
}

/* The blank line after the headers: choose how the body ends. */
static int end_of_head(struct http_parser *p)
{
    p->head_bytes = 0;
    if (p->status >= 100 && p->status < 200) {
        if (p->status == 101) {
            return fail(p, "unexpected protocol switch");
        }
        p->state = S_STATUS; /* an interim response: the real one follows */
        return 0;
    }
    if (p->chunked && p->have_length) {
        return fail(p, "both Content-Length and chunked");
    }
    if (p->status == 204 || p->status == 304) {
        p->state = S_DONE;
    } else if (p->chunked) {
        p->state = S_CHUNK_SIZE;
    } else if (p->have_length) {
        p->state = p->left == 0 ? S_DONE : S_BODY_LEN;
    } else {
        p->close = true;
        p->state = S_BODY_EOF;
    }
    return 0;
}

static int chunk_size(struct http_parser *p, const char *s)
{
    uint64_t n = 0;
    size_t i = 0;

    for (; s[i]; i++) {
        int d;
        char c = s[i];

        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            break;
        }
        if (n > (uint64_t)p->max_body) {
            return fail(p, "HTTP response too large");
        }
        n = n * 16 + (uint64_t)d;
    }
    if (i == 0 || (s[i] != '\0' && s[i] != ';' && s[i] != ' ' && s[i] != '\t')) {
        return fail(p, "bad chunk size");
    }
    if (n > (uint64_t)p->max_body - p->body.len) {
        return fail(p, "HTTP response too large");
    }
    p->left = n;
    p->state = n == 0 ? S_TRAILER : S_CHUNK_DATA;
    return 0;
}

/* One complete line (without its end) in the current state. */
static int line_done(struct http_parser *p)
{
    char *s = p->line;

    for (size_t i = 0; i < p->line_len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < ' ' && c != '\t') || c == 0x7f) {
            return fail(p, "control character in HTTP head");
        }
    }
    switch (p->state) {
    case S_STATUS:
        if (p->line_len == 0) {
            return 0; /* tolerated blank lines between responses */
        }
        if (status_line(p, s) != 0) {
            return -1;
        }
        p->state = S_HEADER;
        return 0;
    case S_HEADER:
        return p->line_len == 0 ? end_of_head(p) : header_line(p, s);
    case S_CHUNK_SIZE:
        return chunk_size(p, s);
    case S_CHUNK_END:
        if (p->line_len != 0) {
            return fail(p, "bad chunk end");
        }
        p->state = S_CHUNK_SIZE;
        return 0;
    case S_TRAILER:
        if (p->line_len == 0) {
            p->state = S_DONE;
        } else if (strchr(s, ':') == NULL) {
            return fail(p, "bad HTTP trailer");
        }
        return 0;
    default:
        return fail(p, "parser state");
    }
}

/* Body bytes in a body state: how many were taken, or -1. */
static ssize_t feed_body(struct http_parser *p, const char *data, size_t len)
{
    size_t n = len;

    if (p->state == S_BODY_EOF) {
        if (n > p->max_body - p->body.len) {
            return fail(p, "HTTP response too large");
        }
        strbuf_addn(&p->body, data, n);
        return (ssize_t)n;
    }
    if ((uint64_t)n > p->left) {
        n = (size_t)p->left;
    }
    strbuf_addn(&p->body, data, n);
    p->left -= n;
    if (p->left == 0) {
        p->state = p->state == S_BODY_LEN ? S_DONE : S_CHUNK_END;
    }
    return (ssize_t)n;
}

/* One byte in a line-oriented state: 0 or -1. */
static int feed_line(struct http_parser *p, char c)
{
    if (++p->head_bytes > HTTP_MAX_HEAD) {
        return fail(p, "HTTP head too large");
    }
    if (c != '\n') {
        if (p->line_len >= HTTP_MAX_LINE) {
            return fail(p, "HTTP line too long");
        }
        p->line[p->line_len++] = c;
        return 0;
    }
    if (p->line_len > 0 && p->line[p->line_len - 1] == '\r') {
        p->line_len--;
    }
    p->line[p->line_len] = '\0';
    if (line_done(p) != 0) {
        return -1;
    }
    p->line_len = 0;
    if (p->state == S_BODY_LEN || p->state == S_CHUNK_DATA || p->state == S_BODY_EOF ||
        p->state == S_CHUNK_SIZE) {
        p->head_bytes = 0; /* the next line budget starts anew */
    }
    return 0;
}

int http_parser_feed(struct http_parser *p, const char *data, size_t len, size_t *used)
{
    size_t i = 0;

    *used = 0;
    if (p->state == S_ERROR) {
        return -1;
    }
    while (i < len && p->state != S_DONE) {
        if (p->state == S_BODY_LEN || p->state == S_CHUNK_DATA || p->state == S_BODY_EOF) {
            ssize_t n = feed_body(p, data + i, len - i);
            if (n < 0) {
                return -1;
            }
            i += (size_t)n;
        } else if (feed_line(p, data[i++]) != 0) {
            return -1;
        }
    }
    *used = i;
    return p->state == S_DONE ? 1 : 0;
}

int http_parser_eof(struct http_parser *p)
{
    if (p->state == S_BODY_EOF) {
        p->state = S_DONE;
        return 1;
    }
    if (p->state == S_DONE) {
        return 1;
    }
    if (p->state != S_ERROR) {
        fail(p, "truncated HTTP response");
    }
    return -1;
}

bool http_parser_reusable(const struct http_parser *p)
{
    if (p->state != S_DONE || p->close) {
        return false;
    }
    return !p->http10 || p->keep_alive;
}
