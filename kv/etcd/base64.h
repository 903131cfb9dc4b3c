/* base64.h - standard base64 (RFC 4648, '+' '/' and '=' padding), as the
 * etcd gateway sends keys and values. */
#ifndef HAVEN_KV_ETCD_BASE64_H
#define HAVEN_KV_ETCD_BASE64_H

#include <stddef.h>

/* Encode n bytes: a new NUL-terminated string; caller frees. */
char *b64_encode(const void *data, size_t n);
/* Decode a whole text of len chars, strictly: only the alphabet, a length
 * that is a multiple of 4, padding only at the end, no stray bits. 0 and a
 * new buffer (*out, *n bytes, NUL-terminated for convenience; caller frees),
 * or -1 for anything else (*out NULL). max bounds the decoded size. */
int b64_decode(const char *text, size_t len, size_t max, char **out, size_t *n);

#endif
