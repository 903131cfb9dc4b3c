/* dir_snap.c - kv_snapshot on the folder store: the same reads a caller
 * would make one by one (probe, members, each matching file, each matching
 * folder's listing, each lock's head), since a shared folder offers no
 * snapshot across files. The '*' parts of a pattern are expanded by
 * listing the folder above them. */
#include "kv/dir/dir_int.h"
#include "state/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The paths so far, one pattern part at a time. */
struct paths {
    char **v;
    size_t n, cap;
};

static void paths_add(struct paths *p, char *path)
{
    p->v = kv_append(p->v, &p->n, &p->cap, sizeof(*p->v));
    p->v[p->n - 1] = path;
}

static void paths_free(struct paths *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i]);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static bool is_folder(const struct dir_store *s, const char *path)
{
    char *abs = dir_abs(s, path);
    struct stat st;
    bool r = lstat(abs, &st) == 0 && S_ISDIR(st.st_mode);

    free(abs);
    return r;
}

/* One pattern's expansion: into out, the '*' of its last part standing
 * for files (or, with folder_last, folders) as etcd's keys would. */
struct expansion {
    struct dir_store *s;
    bool folder_last;
    struct paths *out;
    char **err;
};

/* prefix + part for every name the '*' (or the plain part) stands for;
 * a part but the last is a folder walked into. 0, or -1 and *err. */
static int expand_part(const struct expansion *x, const char *prefix, const char *part, bool last)
{
    char **names = NULL;
    size_t n = 0;

    if (strcmp(part, "*") != 0) {
        char *p = prefix[0] ? xasprintf("%s/%s", prefix, part) : xstrdup(part);
        if (last || is_folder(x->s, p)) {
            paths_add(x->out, p);
        } else {
            free(p);
        }
        return 0;
    }
    if (prefix[0] == '\0') {
        if (dir_list_abs(x->s->root, false, &names, &n) != 0) {
            kv_err(x->err, "unable to list the store root - %s", dir_strerror(errno));
            return -1;
        }
    } else if (dir_store_list(x->s, prefix, &names, &n, x->err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char *p = prefix[0] ? xasprintf("%s/%s", prefix, names[i]) : xstrdup(names[i]);
        if (is_folder(x->s, p) == (!last || x->folder_last)) {
            paths_add(x->out, p);
        } else {
            free(p);
        }
    }
    kv_free_names(names);
    return 0;
}

/* Every path that matches pattern and may exist. */
static int
expand(struct dir_store *s, const char *pattern, bool folder_last, struct paths *out, char **err)
{
    struct paths cur = {0};
    const char *part = pattern;
    int rc = 0;

    paths_add(&cur, xstrdup(""));
    while (rc == 0) {
        size_t len = strcspn(part, "/");
        char *p = xstrndup(part, len);
        struct paths next = {0};
        struct expansion x = {s, folder_last, &next, err};
        bool last = part[len] == '\0';

        for (size_t i = 0; i < cur.n && rc == 0; i++) {
            rc = expand_part(&x, cur.v[i], p, last);
        }
        free(p);
        paths_free(&cur);
        cur = next;
        if (last) {
            break;
        }
        part += len + 1;
    }
    if (rc == 0) {
        *out = cur;
    } else {
        paths_free(&cur);
    }
    return rc;
}

static int read_files(
    struct dir_store *s, const char *pattern, struct kv_snapshot *sn, size_t *bytes, char **err
)
{
    struct paths p = {0};

    if (expand(s, pattern, false, &p, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < p.n; i++) {
        char *data = NULL, *e = NULL;
        size_t len = 0;
        int r = dir_store_read(s, p.v[i], &data, &len, &e);

        if (r == 0 && len > KV_SNAP_MAX_BYTES - *bytes) {
            free(data);
            paths_free(&p);
            kv_err(err, "store snapshot larger than %zu bytes of files", KV_SNAP_MAX_BYTES);
            return -1;
        }
        if (r == 0) {
            *bytes += len;
            kv_snap_add_file(sn, p.v[i], data, len, NULL);
        } else if (r < 0) {
            kv_snap_add_file(sn, p.v[i], NULL, 0, e ? e : xstrdup("store error"));
            e = NULL;
        }
        free(e);
    }
    paths_free(&p);
    return 0;
}

static int list_dirs(struct dir_store *s, const char *pattern, struct kv_snapshot *sn, char **err)
{
    struct paths p = {0};
    int rc = 0;

    if (expand(s, pattern, true, &p, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < p.n && rc == 0; i++) {
        char **names = NULL;
        size_t n = 0;

        rc = dir_store_list(s, p.v[i], &names, &n, err);
        if (rc == 0 && n > 0) {
            kv_snap_set_names(sn, p.v[i], names, n);
        } else if (rc == 0) {
            kv_free_names(names);
        }
    }
    paths_free(&p);
    return rc;
}

/* Each lock whose head names a holder. */
static int read_locks(struct dir_store *s, struct kv_snapshot *sn, char **err)
{
    char **names = NULL;
    size_t n = 0;

    if (dir_store_list(s, "priv/lock", &names, &n, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct dir_lock *l = kv_lock_name_ok(names[i]) ? dir_lock_find(s, names[i], true) : NULL;

        if (l != NULL && dir_lock_observe(s, l) == 1 && !dir_head_free(l)) {
            kv_snap_add_lock(sn, names[i], l->obs_g);
        }
    }
    kv_free_names(names);
    return 0;
}

int dir_store_snapshot(
    struct dir_store *s, const struct kv_snap_req *req, struct kv_snapshot *out, char **err
)
{
    char *e = NULL;
    size_t bytes = 0;
    int rc;

    /* a failed probe is "no quorum", as kv_quorate after it: the files
     * may still be readable */
    out->quorate = dir_store_probe(s, &e) == 0 && dir_store_quorate(s);
    free(e);
    rc = dir_store_members(s, &out->members, &out->n_members, err);
    for (size_t i = 0; rc == 0 && req->files != NULL && req->files[i] != NULL; i++) {
        rc = read_files(s, req->files[i], out, &bytes, err);
    }
    for (size_t i = 0; rc == 0 && req->dirs != NULL && req->dirs[i] != NULL; i++) {
        rc = list_dirs(s, req->dirs[i], out, err);
    }
    if (rc == 0 && req->locks) {
        rc = read_locks(s, out, err);
    }
    if (rc != 0) {
        kv_snapshot_free(out);
        return -1;
    }
    kv_snap_finish(out);
    return 0;
}
