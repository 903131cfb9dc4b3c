/* store_util.c - the helpers both store backends share (kv/store_int.h),
 * and the backend-neutral parts of kv/store.h: the clock and name lists. */
#include "kv/store_int.h"
#include "state/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define NAP_MIN_MS 50
#define NAP_SPREAD_MS 101 /* naps of 50 .. 150 ms */
#define NOTICE_EVERY_MS 1000

int64_t kv_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kv_free_names(char **names)
{
    if (names == NULL) {
        return;
    }
    for (char **p = names; *p; p++) {
        free(*p);
    }
    free(names);
}

void kv_err(char **err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return;
    }
    va_start(ap, fmt);
    free(*err);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
}

bool kv_path_ok(const char *path)
{
    const char *p = path;

    if (path == NULL || *path == '\0' || *path == '/' || str_has_ctl(path)) {
        return false;
    }
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            return false;
        }
        p += n;
        if (*p == '/') {
            p++;
            if (*p == '\0') {
                return false;
            }
        }
    }
    return true;
}

bool kv_path_check(const char *path, char **err)
{
    char *e;

    if (kv_path_ok(path)) {
        return true;
    }
    e = str_escaped(path ? path : "");
    kv_err(err, "invalid store path '%s'", e);
    free(e);
    return false;
}

bool kv_lock_name_ok(const char *name)
{
    if (name == NULL || *name == '\0' || *name == '.' || strlen(name) > 200) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p <= ' ' || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

/* 1.4.9 node syntax without ":prio", at most 63 chars. */
bool kv_node_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 63 || name[0] == '-' || name[n - 1] == '-') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
            )) {
            return false;
        }
    }
    return true;
}

int kv_check_options(const struct kv_options *o, const char *scheme, const char *want, char **err)
{
    if (o->url == NULL || !str_starts(o->url, scheme)) {
        kv_err(err, "unsupported store '%s' (want %s)", o->url ? o->url : "", want);
        return -1;
    }
    if (o->node == NULL || !kv_node_name_ok(o->node)) {
        kv_err(err, "invalid node name '%s'", o->node ? o->node : "");
        return -1;
    }
    if (o->daemon != NULL && strcmp(o->daemon, "crm") != 0 && strcmp(o->daemon, "lrm") != 0) {
        kv_err(err, "invalid daemon '%s'", o->daemon);
        return -1;
    }
    return 0;
}

uint64_t kv_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

void kv_random_hex(char *out, size_t nhex)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[64];
    size_t nb = (nhex + 1) / 2;

    if (nb > sizeof(b)) {
        nb = sizeof(b);
    }
    if (getrandom(b, nb, 0) != (ssize_t)nb) {
        /* no entropy source: still unique enough per process and time */
        uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)kv_now_ms();
        for (size_t i = 0; i < nb; i++) {
            b[i] = (unsigned char)kv_rand(&x);
        }
    }
    for (size_t i = 0; i < nhex && i / 2 < nb; i++) {
        out[i] = hex[(b[i / 2] >> ((i % 2) ? 0 : 4)) & 15];
    }
    out[nhex] = '\0';
}

uint64_t kv_rand_seed(const char *hex)
{
    uint64_t x = 0;

    for (size_t i = 0; i < 16 && hex[i] != '\0'; i++) {
        const char *d = strchr("0123456789abcdef", hex[i]);
        x = x * 16 + (uint64_t)(d != NULL ? d - "0123456789abcdef" : 0);
    }
    return x | 1; /* xorshift never leaves 0 */
}

void kv_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void *kv_append(void *v, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v = xrealloc(v, *cap * size);
    }
    memset((char *)v + *n * size, 0, size);
    (*n)++;
    return v;
}

void kv_notice(void (*notice)(void *arg, const char *msg), void *arg, const char *msg)
{
    if (notice != NULL) {
        notice(arg, msg);
    } else {
        fprintf(stderr, "%s\n", msg);
    }
}

int kv_domain_wait(const char *name, int64_t timeout_ms, const struct kv_domain_wait *w, char **err)
{
    int64_t start = kv_now_ms(), last_notice = -1, now, nap;
    char *why = NULL, *msg;

    if (!kv_lock_name_ok(name)) {
        kv_err(err, "cfs-lock '%s' error: invalid lock name", "?");
        return -1;
    }
    for (;;) {
        int r = w->try_take(w->ctx, &why);

        if (r > 0) {
            return 0;
        }
        if (r < 0) {
            kv_err(err, "cfs-lock '%s' error: %s", name, why ? why : "failed");
            free(why);
            return -1;
        }
        now = kv_now_ms();
        if (now - start >= timeout_ms) {
            kv_err(err, "cfs-lock '%s' error: got lock request timeout", name);
            return -1;
        }
        if (last_notice < 0 || now - last_notice >= NOTICE_EVERY_MS) {
            msg = xasprintf("trying to acquire cfs lock '%s' ...", name);
            kv_notice(w->notice, w->notice_arg, msg);
            free(msg);
            last_notice = now;
        }
        nap = NAP_MIN_MS + (int64_t)(kv_rand(w->rng) % NAP_SPREAD_MS);
        kv_sleep_ms(nap < timeout_ms - (now - start) ? nap : timeout_ms - (now - start));
    }
}
