/* str.h - small pure string helpers shared by state/ and its callers.
 *
 * Allocation failure is fatal for the whole program (there is no sane way to
 * keep an HA decision half made), so x*alloc never return NULL: they call the
 * out-of-memory hook, which the applets point at fatalx(). */
#ifndef HAVEN_STR_H
#define HAVEN_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Called when malloc fails; must not return. Defaults to a trap. */
extern void (*str_oom_hook)(void);

void *xmalloc(size_t n); /* caller frees */
void *xcalloc(size_t n, size_t size); /* caller frees */
void *xrealloc(void *p, size_t n); /* caller frees */
char *xstrdup(const char *s); /* caller frees; NULL stays NULL */
char *xstrndup(const char *s, size_t n); /* caller frees */
/* printf into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

bool str_eq(const char *a, const char *b); /* NULL-safe equality */
bool str_starts(const char *s, const char *prefix);
/* qsort comparator for an array of char *, byte-wise order. */
int str_cmp_ptr(const void *a, const void *b);

/* The one integer parser for every number read from outside (config files,
 * the store, the spool, command lines): ASCII decimal digits only, a leading
 * '-' only when min < 0, no '+', no blanks, no other base; leading zeros
 * read as decimal ("010" is 10). Overflow is checked: anything outside
 * [min, max] is STR_INT_RANGE, whatever its length. *out is set on
 * STR_INT_OK only. */
enum str_int_rc { STR_INT_OK = 0, STR_INT_SYNTAX = -1, STR_INT_RANGE = -2 };
enum str_int_rc str_to_ll(const char *s, long long min, long long max, long long *out);
/* The same into an int (min and max must fit one). */
enum str_int_rc str_to_int(const char *s, int min, int max, int *out);

/* A decimal number: -?(digits[.digits]|.digits)([eE][+-]?digits)?, no '+'
 * in front, no blanks, no hex, no inf or nan, and finite. 0 or -1. */
int str_to_double(const char *s, double *out);

/* Binary search in an array of n elements of size bytes, sorted byte-wise by
 * the string at byte offset off of each element (NULL counts as ""): the
 * index of the first element whose key is >= key; *found tells equality. */
size_t
sorted_pos(const void *base, size_t n, size_t size, size_t off, const char *key, bool *found);

/* The merge-walk step over the same kind of array, for keys that come in
 * ascending order: advances *pos past the keys < key (never back) and
 * returns whether the key at *pos equals key. */
bool sorted_seek(const void *base, size_t n, size_t size, size_t off, const char *key, size_t *pos);

/* A memo in front of the search of a small sorted array that is searched
 * for every service (the nodes): one hash and one compare when the key was
 * found before. The caller checks every remembered index against the array,
 * so after the array changed a stale memo only costs a search. */
struct pos_memo {
    unsigned slot[256]; /* index + 1, 0 = nothing */
};
/* The index remembered for key, or SIZE_MAX; *h is for pos_memo_put(). */
size_t pos_memo_get(const struct pos_memo *m, const char *key, unsigned *h);
void pos_memo_put(struct pos_memo *m, unsigned h, size_t i);
/* An array as sorted_pos() searches it: n elements of size bytes at base,
 * keyed by the string at byte offset off. */
struct sorted_array {
    const void *base;
    size_t n, size, off;
};
/* sorted_pos() through a memo (may be NULL). */
size_t
sorted_pos_memo(struct pos_memo *m, const struct sorted_array *a, const char *key, bool *found);

/* A growable string. Zero-initialise; free with strbuf_free(). */
struct strbuf {
    char *buf;
    size_t len, cap;
};
void strbuf_add(struct strbuf *sb, const char *s);
void strbuf_addn(struct strbuf *sb, const char *s, size_t n);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_reserve(struct strbuf *sb, size_t extra); /* room for extra more bytes */
/* Append n bytes the caller fills in through the returned pointer. */
char *strbuf_extend(struct strbuf *sb, size_t n);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *strbuf_str(const struct strbuf *sb); /* never NULL */
/* s with every control byte (0x00-0x1f, 0x7f) written as \n, \r, \t or
 * \xHH: untrusted text (a name from the store or a scenario) printed as it
 * is could forge a log line or drive a terminal. Everything else, UTF-8
 * included, is kept. strbuf_add_escaped appends; str_escaped returns a
 * copy (caller frees); str_has_ctl tells whether escaping changes s. */
void strbuf_add_escaped(struct strbuf *sb, const char *s);
char *str_escaped(const char *s);
bool str_has_ctl(const char *s);
char *strbuf_take(struct strbuf *sb); /* caller frees; sb is reset */
void strbuf_free(struct strbuf *sb);

/* A memory pool: many small strings and objects that live and die together
 * (a copy of the service config, the statistics or the usage of a round) in
 * a few large blocks, so they cost one allocation per block instead of one
 * each. Zero-initialise; pool_free() releases everything the pool handed
 * out. Nothing from a pool may be passed to free(). */
struct pool_block;
struct pool {
    struct pool_block *head;
};
void *pool_alloc(struct pool *p, size_t n); /* zeroed, aligned for any type */
char *pool_strdup(struct pool *p, const char *s); /* NULL stays NULL */
char *pool_strndup(struct pool *p, const char *s, size_t n);
bool pool_used(const struct pool *p); /* has it handed out anything? */
void pool_free(struct pool *p);

#endif
