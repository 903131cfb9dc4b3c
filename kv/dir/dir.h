/* dir.h - the folder store ("dir:<absolute path>"): a pmxcfs-style lock
 * directory on a shared file system. The calls are those of kv/store.h on a
 * struct dir_store; kv/store.c dispatches to them. Its lock protocol, safety
 * argument and the mount options it needs are in kv/README.md. */
#ifndef HAVEN_KV_DIR_H
#define HAVEN_KV_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/store.h"

struct dir_store;

/* 0, or a negative enum kv_open_result. */
int dir_store_open(const struct kv_options *o, struct dir_store **out, char **err);
void dir_store_close(struct dir_store *s);
const char *dir_store_instance(const struct dir_store *s);

int dir_store_read(struct dir_store *s, const char *path, char **data, size_t *len, char **err);
int dir_store_write(
    struct dir_store *s,
    const char *path,
    const void *data,
    size_t len,
    const char *guard_lock,
    char **err
);
int dir_store_remove(struct dir_store *s, const char *path, char **err);
int dir_store_rename(struct dir_store *s, const char *from, const char *to, char **err);
int dir_store_list(struct dir_store *s, const char *dir, char ***names, size_t *n, char **err);
int dir_store_mkdir(struct dir_store *s, const char *dir, char **err);

int dir_store_spool_put(struct dir_store *s, const char *line, char **err);
int dir_store_spool_take(struct dir_store *s, char **text, char **err);
bool dir_store_spool_pending(struct dir_store *s);

int dir_store_lock_get(struct dir_store *s, const char *name, char **err);
bool dir_store_lock_release(struct dir_store *s, const char *name);
void dir_store_lock_observe(struct dir_store *s, const char *name);
void dir_store_lock_observe_prefix(struct dir_store *s, const char *prefix);
uint64_t dir_store_lock_generation(struct dir_store *s, const char *name);
int64_t dir_store_lock_renewed_at(struct dir_store *s, const char *name);

int dir_store_domain_lock(struct dir_store *s, const char *name, int64_t timeout_ms, char **err);
void dir_store_domain_unlock(struct dir_store *s, const char *name);

int dir_store_probe(struct dir_store *s, char **err);
bool dir_store_quorate(struct dir_store *s);
int dir_store_members(struct dir_store *s, struct kv_member **out, size_t *n, char **err);
int dir_store_snapshot(
    struct dir_store *s, const struct kv_snap_req *req, struct kv_snapshot *out, char **err
);

/* The folder store behind a store kv_open opened, NULL for another backend:
 * for the folder store's own tests, which look at its state. */
struct dir_store *kv_dir_of(struct kv_store *s);

#endif
