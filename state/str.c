/* str.c - string helpers and checked allocation. */
#include "state/str.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void str_default_oom(void)
{
    __builtin_trap();
}

void (*str_oom_hook)(void) = str_default_oom;

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL) {
        str_oom_hook();
    }
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL) {
        str_oom_hook();
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL) {
        str_oom_hook();
    }
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    int n;
    char *p;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        n = 0;
    }
    p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

bool str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

bool str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_cmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum str_int_rc str_to_ll(const char *s, long long min, long long max, long long *out)
{
    bool neg = s[0] == '-';
    const char *d = s + neg;
    unsigned long long v = 0, limit;

    if (*d == '\0' || strspn(d, "0123456789") != strlen(d)) {
        return STR_INT_SYNTAX;
    }
    if (neg && min >= 0) {
        return STR_INT_RANGE; /* "-0" too: no sign where none is allowed */
    }
    /* the magnitude may reach 2^63 for a negative number */
    limit = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
    for (; *d != '\0'; d++) {
        unsigned digit = (unsigned)(*d - '0');
        if (v > (limit - digit) / 10) {
            return STR_INT_RANGE;
        }
        v = v * 10 + digit;
    }
    long long x = !neg ? (long long)v : v == limit ? LLONG_MIN : -(long long)v;
    if (x < min || x > max) {
        return STR_INT_RANGE;
    }
    *out = x;
    return STR_INT_OK;
}

enum str_int_rc str_to_int(const char *s, int min, int max, int *out)
{
    long long v;
    enum str_int_rc rc = str_to_ll(s, min, max, &v);

    if (rc == STR_INT_OK) {
        *out = (int)v;
    }
    return rc;
}

int str_to_double(const char *s, double *out)
{
    const char *p = s + (s[0] == '-');
    size_t int_digits = strspn(p, "0123456789"), frac_digits = 0;
    char *end;
    double v;

    p += int_digits;
    if (*p == '.') {
        frac_digits = strspn(p + 1, "0123456789");
        p += 1 + frac_digits;
    }
    if (int_digits + frac_digits == 0) {
        return -1;
    }
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        size_t exp_digits = strspn(p, "0123456789");
        if (exp_digits == 0) {
            return -1;
        }
        p += exp_digits;
    }
    if (*p != '\0') {
        return -1;
    }
    v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v)) {
        return -1;
    }
    *out = v;
    return 0;
}

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;

    if (need <= sb->cap) {
        return;
    }
    sb->cap = sb->cap ? sb->cap : 64;
    while (sb->cap < need) {
        sb->cap *= 2;
    }
    sb->buf = xrealloc(sb->buf, sb->cap);
}

static const char *key_at(const void *base, size_t size, size_t off, size_t i)
{
    const char *k = *(char *const *)(const void *)((const char *)base + i * size + off);

    return k ? k : "";
}

size_t sorted_pos(const void *base, size_t n, size_t size, size_t off, const char *key, bool *found)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(key_at(base, size, off, mid), key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < n && strcmp(key_at(base, size, off, lo), key) == 0;
    return lo;
}

size_t pos_memo_get(const struct pos_memo *m, const char *key, unsigned *h)
{
    unsigned x = 2166136261u; /* FNV-1a */

    for (const char *p = key; *p != '\0'; p++) {
        x = (x ^ (unsigned char)*p) * 16777619u;
    }
    *h = x % (sizeof(m->slot) / sizeof(m->slot[0]));
    return m->slot[*h] != 0 ? m->slot[*h] - 1 : SIZE_MAX;
}

void pos_memo_put(struct pos_memo *m, unsigned h, size_t i)
{
    m->slot[h] = i < UINT_MAX ? (unsigned)i + 1 : 0;
}

size_t
sorted_pos_memo(struct pos_memo *m, const struct sorted_array *a, const char *key, bool *found)
{
    unsigned h;
    size_t i = m != NULL ? pos_memo_get(m, key, &h) : SIZE_MAX;

    if (i < a->n && strcmp(key_at(a->base, a->size, a->off, i), key) == 0) {
        *found = true;
        return i;
    }
    i = sorted_pos(a->base, a->n, a->size, a->off, key, found);
    if (m != NULL && *found) {
        pos_memo_put(m, h, i);
    }
    return i;
}

bool sorted_seek(const void *base, size_t n, size_t size, size_t off, const char *key, size_t *pos)
{
    int c = 1;

    while (*pos < n && (c = strcmp(key_at(base, size, off, *pos), key)) < 0) {
        (*pos)++;
    }
    return *pos < n && c == 0;
}

char *strbuf_extend(struct strbuf *sb, size_t n)
{
    char *p;

    strbuf_grow(sb, n);
    p = sb->buf + sb->len;
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return p;
}

void strbuf_addn(struct strbuf *sb, const char *s, size_t n)
{
    strbuf_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void strbuf_addc(struct strbuf *sb, char c)
{
    if (sb->len + 2 > sb->cap) {
        strbuf_grow(sb, 1);
    }
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}

void strbuf_reserve(struct strbuf *sb, size_t extra)
{
    strbuf_grow(sb, extra);
}

void strbuf_add(struct strbuf *sb, const char *s)
{
    strbuf_addn(sb, s, strlen(s));
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    strbuf_add(sb, s);
    free(s);
}

static bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

bool str_has_ctl(const char *s)
{
    for (; *s != '\0'; s++) {
        if (is_ctl((unsigned char)*s)) {
            return true;
        }
    }
    return false;
}

void strbuf_add_escaped(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (!is_ctl(c)) {
            continue;
        }
        strbuf_addn(sb, run, (size_t)(s - run));
        run = s + 1;
        if (c == '\n' || c == '\r' || c == '\t') {
            strbuf_addn(sb, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", 2);
        } else {
            char x[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            strbuf_addn(sb, x, 4);
        }
    }
    strbuf_addn(sb, run, (size_t)(s - run));
}

char *str_escaped(const char *s)
{
    struct strbuf sb = {0};

    strbuf_add_escaped(&sb, s);
    return strbuf_take(&sb);
}

const char *strbuf_str(const struct strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

char *strbuf_take(struct strbuf *sb)
{
    char *s = sb->buf ? sb->buf : xstrdup("");

    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void strbuf_free(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

struct pool_block {
    struct pool_block *next;
    size_t used, size;
    max_align_t data[]; /* the bytes handed out */
};

static struct pool_block *pool_block_new(struct pool *p, size_t size)
{
    struct pool_block *b = xmalloc(sizeof(*b) + size);

    b->next = p->head;
    b->used = 0;
    b->size = size;
    p->head = b;
    return b;
}

/* n bytes at the given alignment (a power of two). */
static void *pool_get(struct pool *p, size_t n, size_t align)
{
    struct pool_block *b = p->head;
    size_t at = b != NULL ? (b->used + align - 1) & ~(align - 1) : 0;

    if (b == NULL || at > b->size || b->size - at < n) {
        /* blocks grow with the pool, so a big pool needs few of them */
        size_t size = b != NULL ? b->size * 2 : 4096;
        b = pool_block_new(p, size > n ? size : n);
        at = 0;
    }
    b->used = at + n;
    return (char *)b->data + at;
}

void *pool_alloc(struct pool *p, size_t n)
{
    void *out = pool_get(p, n, _Alignof(max_align_t));

    memset(out, 0, n);
    return out;
}

char *pool_strndup(struct pool *p, const char *s, size_t n)
{
    char *out = pool_get(p, n + 1, 1);

    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

char *pool_strdup(struct pool *p, const char *s)
{
    return s != NULL ? pool_strndup(p, s, strlen(s)) : NULL;
}

bool pool_used(const struct pool *p)
{
    return p->head != NULL;
}

void pool_free(struct pool *p)
{
    while (p->head != NULL) {
        struct pool_block *b = p->head;
        p->head = b->next;
        free(b);
    }
}
