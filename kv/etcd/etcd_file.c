/* etcd_file.c - files and folders of the "etcd:" store: a file is one key,
 * a folder a key prefix. Every write is a single put or txn, so a reader
 * sees the old content or the new one, never a mix. */
#include "kv/etcd/etcd_int.h"
#include "state/sha1.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define RENAME_TRIES 3
#define LIST_PAGE_MAX 4096

static char *checked_key(const struct etcd_store *s, const char *path, char **err)
{
    return kv_path_check(path, err) ? etcd_key(s, path) : NULL;
}

int etcd_store_read(struct etcd_store *s, const char *path, char **data, size_t *len, char **err)
{
    struct etcd_range r;
    char *key, *e = NULL;
    int rc;

    *data = NULL;
    *len = 0;
    if ((key = checked_key(s, path, err)) == NULL) {
        return -1;
    }
    rc = etcd_range(s, key, NULL, 0, &r, &e);
    free(key);
    if (rc != 0) {
        kv_err(err, "unable to read file '%s' - %s", path, e);
        free(e);
        return -1;
    }
    if (r.n == 0) {
        rc = 1;
    } else {
        *data = r.kvs[0].value;
        *len = r.kvs[0].value_len;
        r.kvs[0].value = NULL;
    }
    etcd_range_free(&r);
    return rc;
}

static struct etcd_memo *memo_find(struct etcd_store *s, const char *path)
{
    for (size_t i = 0; i < ETCD_MEMOS; i++) {
        if (s->memos[i].path != NULL && strcmp(s->memos[i].path, path) == 0) {
            return &s->memos[i];
        }
    }
    return NULL;
}

static void memo_set(struct etcd_store *s, const char *path, const char *sha, int64_t rev)
{
    struct etcd_memo *m = memo_find(s, path);

    if (m == NULL) {
        m = &s->memos[s->memo_next];
        s->memo_next = (s->memo_next + 1) % ETCD_MEMOS;
        free(m->path);
        m->path = xstrdup(path);
    }
    memcpy(m->sha, sha, sizeof(m->sha));
    m->mod_rev = rev;
}

static void memo_drop(struct etcd_store *s, const char *path)
{
    struct etcd_memo *m = memo_find(s, path);

    if (m != NULL) {
        free(m->path);
        memset(m, 0, sizeof(*m));
    }
}

void etcd_memos_free(struct etcd_store *s)
{
    for (size_t i = 0; i < ETCD_MEMOS; i++) {
        free(s->memos[i].path);
        s->memos[i].path = NULL;
    }
}

/* One write: what to put where, under which lock, and what we wrote
 * there last (NULL: nothing known). */
struct write_job {
    const char *path, *key;
    const void *data;
    size_t len;
    const char *guard;
    const struct etcd_memo *same; /* our last write, when it holds data */
};

/* The txn of a write that needs one (guarded, or unchanged content): 0
 * and whether a put ran (*written, *rev), 1 the guard failed, -1 (*e). */
static int
write_txn(struct etcd_store *s, const struct write_job *w, bool *written, int64_t *rev, char **e)
{
    struct etcd_txn_req t = {0}, inner = {0};
    struct etcd_txn res;
    int rc;

    if (w->guard != NULL) {
        /* the write and the lock check are one txn: a deposed holder's
         * write is refused by etcd, however late it arrives */
        if (etcd_guard_cmp(s, w->guard, w->path, &t, e) != 0) {
            etx_free(&t);
            return 1;
        }
    }
    if (w->same != NULL) {
        struct etcd_txn_req *u = w->guard != NULL ? &inner : &t;

        etx_cmp(&u->cmp, w->key, "MOD", w->same->mod_rev);
        etx_put(&u->ko, w->key, w->data, w->len, 0);
        if (w->guard != NULL) {
            etx_nested(&t.ok, &inner);
        }
    } else {
        etx_put(&t.ok, w->key, w->data, w->len, 0);
    }
    rc = etcd_txn(s, &t, 0, true, &res, e);
    etx_free(&t);
    etx_free(&inner);
    if (rc != 0) {
        return -1;
    }
    *rev = res.revision;
    *written = true;
    if (w->guard != NULL && !res.succeeded) {
        rc = 1;
        etcd_guard_err(s, w->guard, w->path, e);
    } else if (w->same != NULL) {
        /* unguarded: the outer compare; guarded: the nested one */
        *written = w->guard == NULL
                       ? !res.succeeded
                       : !(res.n == 1 && res.ops[0].kind == EOP_TXN && res.ops[0].nested_succeeded);
    }
    etcd_txn_free(&res);
    return rc;
}

/* Rewriting what a file holds writes nothing: etcd keeps every revision
 * until compaction, so an unchanged manager_status put every round would
 * grow its database without end. When the content is what we wrote last
 * (same SHA-1) the put runs only if the key changed since (its
 * mod_revision is not ours); under a lock, inside the guard's txn. */
int etcd_store_write(
    struct etcd_store *s,
    const char *path,
    const void *data,
    size_t len,
    const char *guard_lock,
    char **err
)
{
    struct write_job w = {path, NULL, data, len, guard_lock, NULL};
    struct etcd_memo *m;
    char sha[SHA1_HEX_LEN + 1], *key, *e = NULL;
    bool written = true;
    int64_t rev = 0;
    int rc;

    if ((key = checked_key(s, path, err)) == NULL) {
        return -1;
    }
    if (len > ETCD_MAX_VALUE) {
        kv_err(err, "unable to write file '%s' - larger than %zu bytes", path, ETCD_MAX_VALUE);
        free(key);
        return -1;
    }
    sha1_hex(data, len, sha);
    m = memo_find(s, path);
    w.key = key;
    w.same = m != NULL && m->mod_rev > 0 && strcmp(m->sha, sha) == 0 ? m : NULL;
    if (guard_lock == NULL && w.same == NULL) {
        struct etcd_put_req pr = {key, data, len, 0};
        rc = etcd_put(s, &pr, 0, &rev, &e);
    } else {
        rc = write_txn(s, &w, &written, &rev, &e);
    }
    free(key);
    if (rc != 0) {
        memo_drop(s, path);
        if (rc > 0) {
            kv_err(err, "%s", e); /* the lock's own words */
        } else {
            kv_err(err, "unable to write file '%s' - %s", path, e);
        }
        free(e);
        return -1;
    }
    if (written) {
        memo_set(s, path, sha, rev);
    }
    return 0;
}

int etcd_store_remove(struct etcd_store *s, const char *path, char **err)
{
    char *key, *e = NULL;
    int rc;

    if ((key = checked_key(s, path, err)) == NULL) {
        return -1;
    }
    memo_drop(s, path);
    rc = etcd_delete(s, key, false, 0, &e);
    free(key);
    if (rc != 0) {
        kv_err(err, "unable to delete file '%s' - %s", path, e);
    }
    free(e);
    return rc;
}

/* One try: 0 done, 1 source absent, 2 the source changed meanwhile, -1. */
static int rename_once(struct etcd_store *s, const char *a, const char *b, char **e)
{
    struct etcd_txn_req t = {0};
    struct etcd_range r;
    struct etcd_txn res;
    int rc;

    if (etcd_range(s, a, NULL, 0, &r, e) != 0) {
        return -1;
    }
    if (r.n == 0) {
        etcd_range_free(&r);
        return 1;
    }
    etx_cmp(&t.cmp, a, "MOD", r.kvs[0].mod_rev);
    etx_put(&t.ok, b, r.kvs[0].value, r.kvs[0].value_len, 0);
    etx_delete(&t.ok, a, false);
    etcd_range_free(&r);
    /* not idempotent: a second copy would find the source gone */
    rc = etcd_txn(s, &t, 0, false, &res, e);
    etx_free(&t);
    if (rc != 0) {
        return -1;
    }
    rc = res.succeeded ? 0 : 2;
    etcd_txn_free(&res);
    return rc;
}

int etcd_store_rename(struct etcd_store *s, const char *from, const char *to, char **err)
{
    char *a, *b = NULL, *e = NULL;
    int rc = 2;

    a = checked_key(s, from, err);
    if (a == NULL || (b = checked_key(s, to, err)) == NULL) {
        free(a);
        return -1;
    }
    if (strcmp(a, b) == 0) {
        /* the folder store's rename onto itself: nothing to do */
        struct etcd_range r;
        rc = etcd_range(s, a, NULL, 0, &r, &e);
        if (rc == 0) {
            rc = r.n == 0 ? 1 : 0;
            etcd_range_free(&r);
        }
    }
    memo_drop(s, from);
    memo_drop(s, to);
    for (int i = 0; i < RENAME_TRIES && rc == 2; i++) {
        rc = rename_once(s, a, b, &e);
    }
    if (rc == 2) {
        kv_err(err, "rename '%s' to '%s' failed - the source kept changing", from, to);
        rc = -1;
    } else if (rc < 0) {
        kv_err(err, "rename '%s' to '%s' failed - %s", from, to, e);
    }
    free(e);
    free(a);
    free(b);
    return rc;
}

/* The names a listing collects. */
struct name_list {
    char **v;
    size_t n, cap;
};

static void add_name(struct name_list *l, const char *name, size_t len)
{
    char *c = xstrndup(name, len);

    /* control characters never make a name; a repeat is one name */
    if (str_has_ctl(c) || (l->n > 0 && strcmp(l->v[l->n - 1], c) == 0)) {
        free(c);
        return;
    }
    if (l->n + 2 > l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = c;
}

/* One page of keys under base: their names into l; *next the key the
 * next page starts at; true when a key was in a sub-folder. */
static bool
take_page(const struct etcd_range *r, const char *base, struct name_list *l, char **next)
{
    size_t blen = strlen(base);
    bool deep = false;

    for (size_t i = 0; i < r->n; i++) {
        const struct etcd_kv *kv = &r->kvs[i];
        const char *rest = kv->key + blen, *slash;
        size_t clen;

        if (kv->key_len < blen || memcmp(kv->key, base, blen) != 0) {
            continue; /* not in the folder: never from a sane etcd */
        }
        slash = strchr(rest, '/');
        clen = slash ? (size_t)(slash - rest) : strlen(rest);
        deep = deep || slash != NULL;
        free(*next);
        /* after a sub-folder: past "<name>/" every key of it; after a file
         * (or a key with a NUL byte, cut there): the least key greater */
        *next =
            slash ? xasprintf("%.*s0", (int)(blen + clen), kv->key) : xasprintf("%s\x01", kv->key);
        if (strlen(kv->key) == kv->key_len && clen > 0 && rest[0] != '.') {
            add_name(l, rest, clen);
        }
    }
    return deep;
}

/* Sorted, each name once, NULL-terminated. */
static char **finish_names(struct name_list *l, size_t *count)
{
    size_t k = 0;

    if (l->v == NULL) {
        l->v = xcalloc(1, sizeof(*l->v));
    }
    qsort(l->v, l->n, sizeof(*l->v), str_cmp_ptr);
    for (size_t i = 0; i < l->n; i++) {
        if (k > 0 && strcmp(l->v[k - 1], l->v[i]) == 0) {
            free(l->v[i]);
        } else {
            l->v[k++] = l->v[i];
        }
    }
    l->v[k] = NULL;
    *count = k;
    return l->v;
}

/* The names directly under base (a key prefix ending in '/'), sorted, dot
 * names and anything that is not a plain name skipped. A sub-folder is
 * skipped as a whole: the next page starts after its last possible key. */
static int list_keys(struct etcd_store *s, const char *base, char ***names, size_t *count, char **e)
{
    struct name_list l = {0};
    int64_t deadline = etcd_deadline(s), page = 64;
    char *from = xstrdup(base);

    for (;;) {
        struct etcd_range_opts o = {.prefix = true, .keys_only = true, .limit = page, .from = from};
        struct etcd_range r;
        char *next = NULL;
        bool deep, more;

        if (etcd_range(s, base, &o, deadline, &r, e) != 0) {
            free(from);
            l.v = finish_names(&l, count);
            kv_free_names(l.v);
            return -1;
        }
        deep = take_page(&r, base, &l, &next);
        more = r.more && next != NULL;
        etcd_range_free(&r);
        free(from);
        from = next;
        if (!more) {
            break;
        }
        if (!deep && page < LIST_PAGE_MAX) {
            page *= 2; /* a folder of files: bigger pages */
        }
    }
    free(from);
    *names = finish_names(&l, count);
    return 0;
}

int etcd_store_list(struct etcd_store *s, const char *dir, char ***names, size_t *n, char **err)
{
    char *key, *base, *e = NULL;
    int rc;

    *names = NULL;
    *n = 0;
    if ((key = checked_key(s, dir, err)) == NULL) {
        return -1;
    }
    base = xasprintf("%s/", key);
    free(key);
    rc = list_keys(s, base, names, n, &e);
    free(base);
    if (rc != 0) {
        kv_err(err, "unable to list '%s' - %s", dir, e);
    }
    free(e);
    return rc;
}

int etcd_store_mkdir(struct etcd_store *s, const char *dir, char **err)
{
    struct etcd_txn_req t = {0};
    struct etcd_txn res;
    char *key, *folder, *e = NULL;
    int rc;

    if ((key = checked_key(s, dir, err)) == NULL) {
        return -1;
    }
    folder = xasprintf("%s/", key);
    free(key);
    /* only when absent: an existing folder costs no revision */
    etx_cmp(&t.cmp, folder, "CREATE", 0);
    etx_put(&t.ok, folder, "", 0, 0);
    rc = etcd_txn(s, &t, 0, true, &res, &e);
    etx_free(&t);
    free(folder);
    if (rc != 0) {
        kv_err(err, "unable to create folder '%s' - %s", dir, e);
    } else {
        etcd_txn_free(&res);
    }
    free(e);
    return rc;
}
