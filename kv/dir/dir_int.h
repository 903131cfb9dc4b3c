/* dir_int.h - internals of the shared-folder store backend "dir:" (kv/dir*.c,
 * kv/README.md). Only kv/dir*.c and the unit tests include this. */
#ifndef HAVEN_KV_DIR_INT_H
#define HAVEN_KV_DIR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kv/dir/dir.h"
#include "kv/faults.h"
#include "kv/store.h"
#include "kv/store_int.h"

#define DIR_GEN_DIGITS 20
#define DIR_GEN_MAX 9999999999999999999ULL /* 10^19 - 1: g + 1 never wraps */
#define DIR_INSTANCE_HEX 32
#define DIR_MAX_FILE ((size_t)16 << 20)
#define DIR_DOMAIN_EXPIRE_S 120 /* [Upstream] pmxcfs lock lifetime */
#define DIR_DOMAIN_MAX_MS 60000 /* [Upstream] locked command limit */
#define DIR_STALE_PROBES 16 /* stat g+1 .. g+16 after a stale listing */
#define DIR_OBS_SLOW_MS 1000 /* an observation slower than this (or B) restarts its window */

/* A lock record. parsed false = empty or unparsable = held by an
 * unknown owner. */
struct dir_record {
    bool parsed;
    bool held;
    char node[64];
    char instance[DIR_INSTANCE_HEX + 1];
    long pid;
    int64_t wall;
};

/* Per-process cache and observation of one lock. */
struct dir_lock {
    char *name;
    uint64_t held_g; /* generation we installed last; 0 = not held */
    int64_t ok_at; /* start of the last good acquire/renew, -1 = none */
    bool domain; /* held as a config lock */
    int64_t domain_at; /* when the config lock was taken */
    bool obs_valid;
    uint64_t obs_g;
    char *obs_claim; /* NULL: the head is numbered; else the claim's file name */
    struct dir_record obs_rec;
    int64_t obs_ctime; /* the head entry's ctime, unix s */
    int64_t seen_at; /* kv_now_ms() when this head was first seen */
};

/* One observed heartbeat file. */
struct dir_beat {
    char *node;
    char *file; /* "heartbeat.crm" or "heartbeat.lrm" */
    char *content;
    int64_t seen_at;
    bool present; /* found by the last reload */
};

struct dir_sweep {
    char *dir;
    int64_t at;
};

struct dir_store {
    char *root; /* absolute, no trailing '/' */
    dev_t root_dev; /* the folder kv_open found the marker in */
    ino_t root_ino;
    char node[64];
    char *want_id; /* configured store_id or NULL */
    char *store_id; /* the marker's id, read at open */
    char *daemon; /* NULL = read-only probes */
    char instance[DIR_INSTANCE_HEX + 1];
    pid_t pid;
    int64_t lock_timeout_ms, renew_budget_ms, node_timeout_ms, probe_max_age_ms;
    void (*notice)(void *arg, const char *msg);
    void *notice_arg;
    struct kv_faults *faults; /* the tests' injected failures, NULL = none */

    struct dir_lock *locks;
    size_t n_locks, cap_locks;
    struct dir_beat *beats;
    size_t n_beats, cap_beats;
    struct dir_sweep *sweeps;
    size_t n_sweeps, cap_sweeps;

    uint64_t beat_seq;
    bool probe_ok;
    int64_t probe_at;
    bool probe_failed; /* restart every observation window at the next good probe */
    uint64_t rng;
};

/* dir_file.c. The file helpers below take the tests' injected failures
 * (kv/faults.h), NULL for none: s->faults of the store they work for. */
/* kv_write of body as it is: kv_write frames it first (dir_frame); a
 * spool command goes unframed, as its name is never replaced, so no reader
 * can hold a stale length. */
int dir_write(
    struct dir_store *s,
    const char *path,
    const char *body,
    size_t len,
    const char *guard_lock,
    char **err
);
char *dir_abs(const struct dir_store *s, const char *path); /* caller frees */
/* The store's own read errors, as errno values no system call returns. */
#define DIR_ENUL 10001 /* a NUL byte in the file */
#define DIR_ENOTREG 10002 /* a FIFO, device, socket or folder */
#define DIR_ESYMLINK 10003 /* a symbolic link */
#define DIR_EROOT 10004 /* the store root is not the folder opened */
#define DIR_ETORN 10005 /* shorter than its header says, after retries */
#define DIR_EJSON 10006 /* JSON cut short, after retries */
#define DIR_ENOSTORE 10007 /* a file absent, and the marker too */

/* Read a regular file by absolute path, without blocking on a FIFO or
 * following a symbolic link: 0, 1 absent, -1 with errno set (EFBIG when
 * larger than DIR_MAX_FILE, or one of the DIR_E* above). */
int dir_read_file(struct kv_faults *f, const char *abs, char **data, size_t *len);
/* Ask the server for fresh attributes of abs (statx AT_STATX_FORCE_SYNC):
 * FUSE and NFS then drop a cached size that cut a read short. */
void dir_fresh_attrs(struct kv_faults *f, const char *abs);
/* strerror() that also names the store's own read errors. */
const char *dir_strerror(int e);
/* The file is there but can never be used (NUL, too large, not a regular
 * file): retrying cannot help, unlike an I/O error. */
bool dir_bad_content(int e);
/* Create a file that must not exist (O_EXCL), write, fsync: 0 or -1 errno. */
int dir_create_excl(struct kv_faults *f, const char *abs, const char *data, size_t len);
/* link(2) that fails with EEXIST whenever the new name exists afterwards,
 * whatever errno the file system gave (sshfs: EPERM); the same for a
 * folder renamed onto a name that must not exist, and for mkdir. */
int dir_link_excl(struct kv_faults *f, const char *from, const char *to);
int dir_rename_dir_excl(struct kv_faults *f, const char *from, const char *to);
int dir_mkdir_excl(struct kv_faults *f, const char *abs);
int dir_fsync_dir(struct kv_faults *f, const char *abs_dir);
int dir_fsync_fd(struct kv_faults *f, int fd);
int64_t dir_wall_s(void);
/* Names in an absolute folder, sorted; with_dots includes dot files (not "."
 * and ".."). 0 (absent folder: 0 names), -1 errno. */
int dir_list_abs(const char *abs, bool with_dots, char ***names, size_t *n);
/* 0 while the store root is still the folder kv_open found the marker in
 * (same device and inode), else -1 with errno (DIR_EROOT: replaced, e.g.
 * the mount point of an unmounted store). Every kv_* call checks it. */
int dir_root_check(const struct dir_store *s);

/* dir_frame.c: kv_write stores JSON as it is and anything else behind a
 * first line "# haven-store: len=<n> ..." that readers check and strip, so
 * that a read cut at a cached length is never parsed. */
char *dir_frame(const void *data, size_t len, size_t *out_len); /* caller frees */
/* 0: a whole version (the header stripped in place), -1: DIR_ETORN or
 * DIR_EJSON. */
int dir_unframe(char *data, size_t *len);
/* dir_read_file + dir_unframe, retried a few times (with fresh attributes
 * from the server) while the check fails: 0, 1 absent, -1 errno. */
int dir_read_verified(struct kv_faults *f, const char *abs, char **data, size_t *len);

/* dir_lock.c */
struct dir_lock *dir_lock_find(struct dir_store *s, const char *name, bool add);
char *dir_lock_dir(const struct dir_store *s, const char *name); /* caller frees */
/* Refresh the observation: 1 observed, 0 no lock folder or an empty one
 * (free), -1 none. */
int dir_lock_observe(struct dir_store *s, struct dir_lock *l);
/* advance(L, g, record) from the observed head: 1 won, 0 lost (errno why). */
int dir_lock_advance(struct dir_store *s, struct dir_lock *l, bool held);
/* Create the lock folder holding generation 1 with our held record: 1 won,
 * 0 lost (errno why). */
int dir_lock_create(struct dir_store *s, struct dir_lock *l);
bool dir_head_free(const struct dir_lock *l);
bool dir_head_ours(const struct dir_store *s, const struct dir_lock *l);
/* Guard of kv_write/kv_spool_take: 0 when the lock is still ours. */
int dir_guard(struct dir_store *s, const char *lock, const char *what, char **err);
void dir_lock_restart_windows(struct dir_store *s, int64_t now);
void dir_locks_free(struct dir_store *s);

/* dir_probe.c */
void dir_beats_free(struct dir_store *s);

/* dir_open.c */
int dir_marker_parse(const char *text, char *id, size_t id_size);
/* Read the marker file; an empty one is read again (fresh attributes) for
 * a while, as dir_read_file otherwise. */
int dir_read_marker(struct kv_faults *f, const char *abs, char **data, size_t *len);

#endif
