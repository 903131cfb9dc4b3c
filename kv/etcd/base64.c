/* base64.c - standard base64 for the etcd gateway's keys and values. The
 * decoder is strict: a value that does not round-trip is not ours. */
#include "kv/etcd/base64.h"
#include "state/str.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    char *out = xmalloc(n / 3 * 4 + 5), *o = out;
    size_t i = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int digit(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

int b64_decode(const char *text, size_t len, size_t max, char **out, size_t *n)
{
    size_t pad = 0, outlen;
    char *buf, *o;

    *out = NULL;
    *n = 0;
    if (len % 4 != 0) {
        return -1;
    }
    if (len > 0 && text[len - 1] == '=') {
        pad = (len > 1 && text[len - 2] == '=') ? 2 : 1;
    }
    outlen = len / 4 * 3 - pad;
    if (outlen > max) {
        return -1;
    }
    buf = o = xmalloc(outlen + 1);
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int d[4];
        uint32_t v = 0;

        for (int k = 0; k < 4; k++) {
            d[k] = digit(text[i + k]);
            if (d[k] < 0 && !(last && text[i + k] == '=' && k >= 4 - (int)pad)) {
                free(buf);
                return -1;
            }
            v = v << 6 | (uint32_t)(d[k] < 0 ? 0 : d[k]);
        }
        /* the bits under the padding must be zero: one text per value */
        if ((last && pad == 1 && (v & 0xff) != 0) || (last && pad == 2 && (v & 0xffff) != 0)) {
            free(buf);
            return -1;
        }
        *o++ = (char)(v >> 16);
        if (!(last && pad == 2)) {
            *o++ = (char)(v >> 8);
        }
        if (!(last && pad >= 1)) {
            *o++ = (char)v;
        }
    }
    *o = '\0';
    *out = buf;
    *n = outlen;
    return 0;
}
