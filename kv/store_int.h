/* store_int.h - what the store backends (kv/dir/, kv/etcd/) share, in
 * kv/store_util.c: error texts, the checks of names and paths, randomness,
 * naps, the options every backend checks the same way, and the config
 * lock's wait. Only kv/ and its tests include this. */
#ifndef HAVEN_KV_STORE_INT_H
#define HAVEN_KV_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/store.h"

/* Set *err (when err is not NULL) to a new formatted text. */
void kv_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logical paths: relative, '/'-separated, no empty, "." or ".." parts, no
 * control characters. */
bool kv_path_ok(const char *path);
/* kv_path_ok, else false and *err "invalid store path '<path, escaped>'". */
bool kv_path_check(const char *path, char **err);
/* Lock names become folder names and keys: plain, at most 200 bytes. */
bool kv_lock_name_ok(const char *name);
/* Node names: letters, digits and inner '-', at most 63 chars. */
bool kv_node_name_ok(const char *name);
/* The options every backend needs alike: url starting with scheme (else
 * "unsupported store '<url>' (want <want>)"), the node name and the
 * daemon. 0, or -1 and *err. */
int kv_check_options(const struct kv_options *o, const char *scheme, const char *want, char **err);

/* nhex random hex digits and a NUL into out (at most 128 digits). */
void kv_random_hex(char *out, size_t nhex);
/* A generator's seed from the first 16 digits of a random hex id. */
uint64_t kv_rand_seed(const char *hex);
/* The next number of the generator (xorshift) at *state. */
uint64_t kv_rand(uint64_t *state);
void kv_sleep_ms(int64_t ms);

/* Append one zeroed element of size bytes to the array v of *n elements
 * and room for *cap (grown by doubling): the array, maybe moved; the new
 * element is its last, number *n - 1. */
void *kv_append(void *v, size_t *n, size_t *cap, size_t size);

/* A progress line for the caller (kv_options.notice; NULL: stderr). */
void kv_notice(void (*notice)(void *arg, const char *msg), void *arg, const char *msg);

/* The config lock's wait (kv_domain_lock), around a backend's try. */
struct kv_domain_wait {
    /* one try: 1 taken, 0 busy, -1 error with *why (malloc'd) */
    int (*try_take)(void *ctx, char **why);
    void *ctx;
    void (*notice)(void *arg, const char *msg);
    void *notice_arg;
    uint64_t *rng; /* the naps' randomness */
};
/* A lock name that is not kv_lock_name_ok fails at once ("cfs-lock '?'
 * error: invalid lock name", w is not called). Else try until taken, an
 * error or timeout_ms, with a notice "trying to
 * acquire cfs lock '<name>' ..." at most every second and a random nap of
 * 50 to 150 ms between tries: 0 taken, or -1 and *err "cfs-lock '<name>'
 * error: <why>" ("got lock request timeout" when the time ran out). */
int kv_domain_wait(
    const char *name, int64_t timeout_ms, const struct kv_domain_wait *w, char **err
);

/* ---- building a snapshot (kv/store_snap.c) ---- */
/* Whether path matches pattern: the same number of parts, each equal or
 * the pattern's '*' (one name: not empty, no leading dot). */
bool kv_snap_match(const char *pattern, const char *path);
/* Whether path matches one of the NULL-terminated patterns (NULL: none). */
bool kv_snap_match_any(const char *const *patterns, const char *path);
/* The number of '/'-separated parts of a path. */
size_t kv_path_parts(const char *path);
/* Add a file (data and err are taken over; exactly one is not NULL). */
void kv_snap_add_file(struct kv_snapshot *sn, const char *path, char *data, size_t len, char *err);
/* Add a name to a folder (made when new); names are sorted and made
 * unique by kv_snap_finish. */
void kv_snap_add_name(struct kv_snapshot *sn, const char *dir, const char *name, size_t len);
/* A new folder with a listing's names (taken over: kv_list's array). */
void kv_snap_set_names(struct kv_snapshot *sn, const char *dir, char **names, size_t n);
void kv_snap_add_lock(struct kv_snapshot *sn, const char *name, uint64_t generation);
/* Sort files, folders, names and locks (lookups search them). */
void kv_snap_finish(struct kv_snapshot *sn);

#endif
