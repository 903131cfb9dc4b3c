/* kv_test.h - helpers shared by the kv/dir unit tests: a throw-away store
 * folder (tmpfs when there is one) and a short-timed store handle.
 *
 * KVTEST_DIR puts the store folders there instead (test/netfs.test.sh: a
 * network file system); KVTEST_DIRS="d0:d1:..." names d0 (= KVTEST_DIR)
 * and other mounts of the same folder, which kvt_alias() hands out to the
 * processes of a test as their own clients. */
#ifndef HAVEN_KV_TEST_H
#define HAVEN_KV_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv/dir/dir_int.h"
#include "kv/faults.h"
#include "kv/store.h"
#include "state/str.h"

/* The failures a test injects into every store kvt_open opens. */
static struct kv_faults kvt_faults;

static int kvt_rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static inline void kvt_rm_rf(const char *path)
{
    nftw(path, kvt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty folder; caller frees and kvt_rm_rf()s it. */
static inline char *kvt_tmpdir(void)
{
    const char *base = getenv("KVTEST_DIR");
    char *p;

    if (base == NULL || *base == '\0') {
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    }
    p = xasprintf("%s/haven-kvtest.XXXXXX", base);

    if (mkdtemp(p) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    return p;
}

/* path (under KVTEST_DIR) as seen through mount number k of KVTEST_DIRS
 * (k modulo their number); path itself without KVTEST_DIRS. Caller frees. */
static inline char *kvt_alias(const char *path, int k)
{
    const char *dirs = getenv("KVTEST_DIRS"), *base = getenv("KVTEST_DIR");
    char *list, *save = NULL, *d, *pick = NULL, *r;
    int n = 0;

    if (dirs == NULL || base == NULL || strncmp(path, base, strlen(base)) != 0) {
        return xstrdup(path);
    }
    list = xstrdup(dirs);
    for (d = strtok_r(list, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
        n++;
    }
    free(list);
    list = xstrdup(dirs);
    save = NULL;
    d = strtok_r(list, ":", &save);
    for (int i = 0; d != NULL; i++, d = strtok_r(NULL, ":", &save)) {
        if (n > 0 && i == k % n) {
            pick = d;
        }
    }
    r = pick ? xasprintf("%s%s", pick, path + strlen(base)) : xstrdup(path);
    free(list);
    return r;
}

/* A positive number of milliseconds from the environment, else dflt. */
static inline int kvt_env_ms(const char *name, int dflt)
{
    const char *v = getenv(name);
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;

    return (v != NULL && *v != '\0' && *end == '\0' && n > 0 && n <= 600000) ? (int)n : dflt;
}

static inline void kvt_quiet(void *arg, const char *msg)
{
    int *count = arg;

    (void)msg;
    if (count != NULL) {
        (*count)++;
    }
}

/* Open root as node with lock lifetime T ms (B = T/2, node timeout T,
 * quorate for T), with the failures of kvt_faults; NULL on error (printed). */
static inline struct kv_store *
kvt_open(const char *root, const char *node, const char *daemon, int64_t T)
{
    struct kv_options o = {0};
    struct kv_store *s;
    char *url = xasprintf("dir:%s", root), *err = NULL;

    o.url = url;
    o.node = node;
    o.daemon = daemon;
    o.lock_timeout_ms = T;
    o.renew_budget_ms = T / 2;
    o.node_timeout_ms = T;
    o.probe_max_age_ms = T;
    o.notice = kvt_quiet;
    o.faults = &kvt_faults;
    if (kv_open(&o, &s, &err) != 0) {
        fprintf(stderr, "kv_open %s: %s\n", root, err);
        free(err);
        s = NULL;
    }
    free(url);
    return s;
}

static inline void kvt_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

#endif
