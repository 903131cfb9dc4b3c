/* kv_test.h - helpers shared by the kv/dir unit tests: a throw-away store
 * folder (tmpfs when there is one) and a short-timed store handle. */
#ifndef HAVEN_KV_TEST_H
#define HAVEN_KV_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv/dir/dir_int.h"
#include "kv/store.h"
#include "state/str.h"

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
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char *p = xasprintf("%s/haven-kvtest.XXXXXX", base);

    if (mkdtemp(p) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    return p;
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
 * quorate for T); NULL on error (printed). */
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
