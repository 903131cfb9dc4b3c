/* store.c - the one entry of the cluster stores: kv_open picks the backend by
 * the URL's scheme ("dir:" or "etcd:"), and every call goes to the backend the
 * store was opened with. A backend is a set of <name>_store_* functions with
 * the signatures of kv/store.h (kv/dir/dir.h, kv/etcd/etcd.h). */
#include "kv/store.h"

#include <stdlib.h>
#include <string.h>

#include "kv/dir/dir.h"
#include "kv/etcd/etcd.h"
#include "kv/store_int.h"
#include "state/str.h"

struct kv_store {
    struct dir_store *dir; /* exactly one of the two is set */
    struct etcd_store *etcd;
};

#define CALL(s, fn, ...)                                                                           \
    ((s)->etcd != NULL ? etcd_store_##fn((s)->etcd, __VA_ARGS__)                                   \
                       : dir_store_##fn((s)->dir, __VA_ARGS__))
#define CALL0(s, fn) ((s)->etcd != NULL ? etcd_store_##fn((s)->etcd) : dir_store_##fn((s)->dir))

int kv_open(const struct kv_options *o, struct kv_store **out, char **err)
{
    struct kv_store *s = xcalloc(1, sizeof(*s));
    int rc;

    *out = NULL;
    if (o->url != NULL && str_starts(o->url, "etcd:")) {
        rc = etcd_store_open(o, &s->etcd, err);
    } else if (o->url != NULL && str_starts(o->url, "dir:")) {
        rc = dir_store_open(o, &s->dir, err);
    } else {
        free(*err);
        *err = xasprintf(
            "unsupported store '%s' (want dir:<absolute path> or etcd:<endpoints>)",
            o->url ? o->url : ""
        );
        rc = KV_OPEN_ERROR;
    }
    if (rc != 0) {
        free(s);
        return rc; /* the backend's enum kv_open_result */
    }
    *out = s;
    return 0;
}

void kv_close(struct kv_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->etcd != NULL) {
        etcd_store_close(s->etcd);
    } else {
        dir_store_close(s->dir);
    }
    free(s);
}

const char *kv_instance(const struct kv_store *s)
{
    return CALL0(s, instance);
}

int kv_read(struct kv_store *s, const char *path, char **data, size_t *len, char **err)
{
    return CALL(s, read, path, data, len, err);
}

int kv_write(
    struct kv_store *s,
    const char *path,
    const void *data,
    size_t len,
    const char *guard_lock,
    char **err
)
{
    return CALL(s, write, path, data, len, guard_lock, err);
}

int kv_remove(struct kv_store *s, const char *path, char **err)
{
    return CALL(s, remove, path, err);
}

int kv_rename(struct kv_store *s, const char *from, const char *to, char **err)
{
    return CALL(s, rename, from, to, err);
}

int kv_list(struct kv_store *s, const char *dir, char ***names, size_t *n, char **err)
{
    return CALL(s, list, dir, names, n, err);
}

int kv_mkdir(struct kv_store *s, const char *dir, char **err)
{
    return CALL(s, mkdir, dir, err);
}

int kv_spool_put(struct kv_store *s, const char *line, char **err)
{
    return CALL(s, spool_put, line, err);
}

int kv_spool_take(struct kv_store *s, char **text, char **err)
{
    return CALL(s, spool_take, text, err);
}

bool kv_spool_pending(struct kv_store *s)
{
    return CALL0(s, spool_pending);
}

int kv_lock_get(struct kv_store *s, const char *name, char **err)
{
    return CALL(s, lock_get, name, err);
}

bool kv_lock_release(struct kv_store *s, const char *name)
{
    return CALL(s, lock_release, name);
}

void kv_lock_observe(struct kv_store *s, const char *name)
{
    CALL(s, lock_observe, name);
}

void kv_lock_observe_prefix(struct kv_store *s, const char *prefix)
{
    CALL(s, lock_observe_prefix, prefix);
}

uint64_t kv_lock_generation(struct kv_store *s, const char *name)
{
    return CALL(s, lock_generation, name);
}

int64_t kv_lock_renewed_at(struct kv_store *s, const char *name)
{
    return CALL(s, lock_renewed_at, name);
}

int kv_domain_lock(struct kv_store *s, const char *name, int64_t timeout_ms, char **err)
{
    return CALL(s, domain_lock, name, timeout_ms, err);
}

void kv_domain_unlock(struct kv_store *s, const char *name)
{
    CALL(s, domain_unlock, name);
}

int kv_probe(struct kv_store *s, char **err)
{
    return CALL(s, probe, err);
}

bool kv_quorate(struct kv_store *s)
{
    return CALL0(s, quorate);
}

int kv_members(struct kv_store *s, struct kv_member **out, size_t *n, char **err)
{
    return CALL(s, members, out, n, err);
}

int kv_snapshot(
    struct kv_store *s, const struct kv_snap_req *req, struct kv_snapshot *out, char **err
)
{
    static const struct kv_snap_req none;
    const char *const *lists[] = {req ? req->files : NULL, req ? req->dirs : NULL};

    memset(out, 0, sizeof(*out));
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; lists[k] != NULL && lists[k][i] != NULL; i++) {
            if (!kv_path_check(lists[k][i], err)) {
                return -1; /* a pattern is a path whose parts may be '*' */
            }
        }
    }
    return CALL(s, snapshot, req ? req : &none, out, err);
}

struct dir_store *kv_dir_of(struct kv_store *s)
{
    return s != NULL ? s->dir : NULL;
}
