/* http_req.h - the request parser of the metrics endpoint (metrics_http.c):
 * one HTTP/1.x request head, checked strictly; pure, for the unit test. */
#ifndef HAVEN_HTTP_REQ_H
#define HAVEN_HTTP_REQ_H

#include <stddef.h>

#define HTTP_REQ_MAX 4096 /* a request head larger than this is refused */

enum http_parse { HTTP_INCOMPLETE, HTTP_COMPLETE, HTTP_BAD };

struct http_req {
    char method[16];
    char path[256]; /* without the query */
};

/* buf[0..len): the bytes read so far. HTTP_COMPLETE once the head ended
 * (an empty line), HTTP_BAD for anything malformed (a control character, a
 * missing version, a header line without ':', a head over HTTP_REQ_MAX). */
enum http_parse http_parse(const char *buf, size_t len, struct http_req *r);
/* The answer's status: 200 GET /metrics, 404 another path, 405 another method. */
int http_route(const struct http_req *r);
const char *http_reason(int status);

#endif
