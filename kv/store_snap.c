/* store_snap.c - the backend-neutral half of kv_snapshot: matching paths
 * against the request's patterns, collecting files, folder names and
 * locks, and the lookups. The backends (kv/dir/dir_snap.c,
 * kv/etcd/etcd_snap.c) only fill it. */
#include "kv/store_int.h"
#include "state/str.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

size_t kv_path_parts(const char *path)
{
    size_t n = 1;

    for (; *path != '\0'; path++) {
        n += *path == '/';
    }
    return n;
}

bool kv_snap_match(const char *pattern, const char *path)
{
    for (;;) {
        size_t pl = strcspn(pattern, "/"), l = strcspn(path, "/");

        if (pl == 1 && pattern[0] == '*') {
            if (l == 0 || path[0] == '.') {
                return false;
            }
        } else if (pl != l || memcmp(pattern, path, l) != 0) {
            return false;
        }
        if (pattern[pl] == '\0' || path[l] == '\0') {
            return pattern[pl] == path[l];
        }
        pattern += pl + 1;
        path += l + 1;
    }
}

bool kv_snap_match_any(const char *const *patterns, const char *path)
{
    for (size_t i = 0; patterns != NULL && patterns[i] != NULL; i++) {
        if (kv_snap_match(patterns[i], path)) {
            return true;
        }
    }
    return false;
}

void kv_snap_add_file(struct kv_snapshot *sn, const char *path, char *data, size_t len, char *err)
{
    struct kv_snap_file *f;

    sn->files = kv_append(sn->files, &sn->n_files, &sn->cap_files, sizeof(*sn->files));
    f = &sn->files[sn->n_files - 1];
    f->path = xstrdup(path);
    f->data = data;
    f->len = len;
    f->err = err;
}

void kv_snap_add_name(struct kv_snapshot *sn, const char *dir, const char *name, size_t len)
{
    struct kv_snap_dir *d = NULL;

    /* names mostly come folder by folder: the last one first */
    for (size_t i = sn->n_dirs; i > 0 && d == NULL; i--) {
        if (strcmp(sn->dirs[i - 1].path, dir) == 0) {
            d = &sn->dirs[i - 1];
        }
    }
    if (d == NULL) {
        sn->dirs = kv_append(sn->dirs, &sn->n_dirs, &sn->cap_dirs, sizeof(*sn->dirs));
        d = &sn->dirs[sn->n_dirs - 1];
        d->path = xstrdup(dir);
        d->names = xcalloc(1, sizeof(*d->names));
        d->cap = 1;
    }
    if (d->n + 1 >= d->cap) {
        d->cap *= 2;
        d->names = xrealloc(d->names, d->cap * sizeof(*d->names));
    }
    d->names[d->n++] = xstrndup(name, len);
    d->names[d->n] = NULL;
}

void kv_snap_set_names(struct kv_snapshot *sn, const char *dir, char **names, size_t n)
{
    struct kv_snap_dir *d;

    for (size_t i = 0; i < sn->n_dirs; i++) {
        if (strcmp(sn->dirs[i].path, dir) == 0) { /* listed twice: merged */
            for (size_t j = 0; j < n; j++) {
                kv_snap_add_name(sn, dir, names[j], strlen(names[j]));
            }
            kv_free_names(names);
            return;
        }
    }
    sn->dirs = kv_append(sn->dirs, &sn->n_dirs, &sn->cap_dirs, sizeof(*sn->dirs));
    d = &sn->dirs[sn->n_dirs - 1];
    d->path = xstrdup(dir);
    d->names = names;
    d->n = n;
    d->cap = n + 1;
}

void kv_snap_add_lock(struct kv_snapshot *sn, const char *name, uint64_t generation)
{
    sn->locks = kv_append(sn->locks, &sn->n_locks, &sn->cap_locks, sizeof(*sn->locks));
    sn->locks[sn->n_locks - 1].name = xstrdup(name);
    sn->locks[sn->n_locks - 1].generation = generation;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct kv_snap_file *)a)->path, ((const struct kv_snap_file *)b)->path);
}

static int cmp_dir(const void *a, const void *b)
{
    return strcmp(((const struct kv_snap_dir *)a)->path, ((const struct kv_snap_dir *)b)->path);
}

static int cmp_lock(const void *a, const void *b)
{
    return strcmp(((const struct kv_snap_lock *)a)->name, ((const struct kv_snap_lock *)b)->name);
}

void kv_snap_finish(struct kv_snapshot *sn)
{
    if (sn->n_files > 1) {
        qsort(sn->files, sn->n_files, sizeof(*sn->files), cmp_file);
    }
    if (sn->n_dirs > 1) {
        qsort(sn->dirs, sn->n_dirs, sizeof(*sn->dirs), cmp_dir);
    }
    if (sn->n_locks > 1) {
        qsort(sn->locks, sn->n_locks, sizeof(*sn->locks), cmp_lock);
    }
    for (size_t i = 0; i < sn->n_dirs; i++) {
        struct kv_snap_dir *d = &sn->dirs[i];
        size_t k = 0;

        bool sorted = true;

        for (size_t j = 1; j < d->n && sorted; j++) {
            sorted = strcmp(d->names[j - 1], d->names[j]) < 0;
        }
        if (sorted) {
            continue; /* a listing, or keys in etcd's order: nothing to do */
        }
        qsort(d->names, d->n, sizeof(*d->names), str_cmp_ptr);
        for (size_t j = 0; j < d->n; j++) {
            if (k > 0 && strcmp(d->names[k - 1], d->names[j]) == 0) {
                free(d->names[j]);
            } else {
                d->names[k++] = d->names[j];
            }
        }
        d->n = k;
        d->names[k] = NULL;
    }
}

/* Binary search of a sorted array by the string at offset off of each
 * element. */
static const void *find(const void *base, size_t n, size_t size, size_t off, const char *key)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *el = (const char *)base + mid * size;
        int d = strcmp(*(char *const *)(const void *)(el + off), key);

        if (d == 0) {
            return el;
        }
        if (d < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

int kv_snap_read(
    const struct kv_snapshot *sn, const char *path, const char **data, size_t *len, const char **err
)
{
    const struct kv_snap_file *f;

    *data = NULL;
    *len = 0;
    *err = NULL;
    if (!kv_path_ok(path)) {
        *err = "invalid store path";
        return -1;
    }
    f = find(sn->files, sn->n_files, sizeof(*f), offsetof(struct kv_snap_file, path), path);
    if (f == NULL) {
        return 1;
    }
    if (f->err != NULL) {
        *err = f->err;
        return -1;
    }
    *data = f->data;
    *len = f->len;
    return 0;
}

char *const *kv_snap_list(const struct kv_snapshot *sn, const char *dir, size_t *n)
{
    static char *const none[] = {NULL};
    const struct kv_snap_dir *d =
        find(sn->dirs, sn->n_dirs, sizeof(*d), offsetof(struct kv_snap_dir, path), dir);

    *n = d ? d->n : 0;
    return d ? d->names : none;
}

bool kv_snap_locked(const struct kv_snapshot *sn, const char *name, uint64_t *generation)
{
    const struct kv_snap_lock *l =
        find(sn->locks, sn->n_locks, sizeof(*l), offsetof(struct kv_snap_lock, name), name);

    if (generation != NULL) {
        *generation = l ? l->generation : 0;
    }
    return l != NULL;
}

void kv_snapshot_free(struct kv_snapshot *sn)
{
    for (size_t i = 0; i < sn->n_files; i++) {
        free(sn->files[i].path);
        free(sn->files[i].data);
        free(sn->files[i].err);
    }
    for (size_t i = 0; i < sn->n_dirs; i++) {
        for (size_t j = 0; j < sn->dirs[i].n; j++) {
            free(sn->dirs[i].names[j]);
        }
        free(sn->dirs[i].names);
        free(sn->dirs[i].path);
    }
    for (size_t i = 0; i < sn->n_locks; i++) {
        free(sn->locks[i].name);
    }
    free(sn->files);
    free(sn->dirs);
    free(sn->locks);
    kv_free_members(sn->members, sn->n_members);
    memset(sn, 0, sizeof(*sn));
}
