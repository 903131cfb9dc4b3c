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

struct kv_etcd_hooks kv_etcd_hooks;

/* Logical paths: relative, '/'-separated, no empty, "." or ".." parts, no
 * control characters. */
bool etcd_path_ok(const char *path)
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

void etcd_random_hex(char *out, size_t nhex)
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
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = (unsigned char)x;
        }
    }
    for (size_t i = 0; i < nhex && i / 2 < nb; i++) {
        out[i] = hex[(b[i / 2] >> ((i % 2) ? 0 : 4)) & 15];
    }
    out[nhex] = '\0';
}

void etcd_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static char *checked_key(const struct etcd_store *s, const char *path, char **err)
{
    if (!etcd_path_ok(path)) {
        char *e = str_escaped(path ? path : "");
        etcd_err(err, "invalid store path '%s'", e);
        free(e);
        return NULL;
    }
    return etcd_key(s, path);
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
        etcd_err(err, "unable to read file '%s' - %s", path, e);
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
    struct etcd_txn_req t = {0}, inner = {0};
    struct etcd_memo *m;
    struct etcd_txn res;
    char sha[SHA1_HEX_LEN + 1], *key, *e = NULL;
    bool same, written = true;
    int64_t rev = 0;
    int rc;

    if ((key = checked_key(s, path, err)) == NULL) {
        return -1;
    }
    if (len > ETCD_MAX_VALUE) {
        etcd_err(err, "unable to write file '%s' - larger than %d bytes", path, ETCD_MAX_VALUE);
        free(key);
        return -1;
    }
    sha1_hex(data, len, sha);
    m = memo_find(s, path);
    same = m != NULL && m->mod_rev > 0 && strcmp(m->sha, sha) == 0;
    if (guard_lock == NULL && !same) {
        rc = etcd_put(s, key, data, len, 0, 0, &rev, &e);
        goto done;
    }
    /* the write and the lock check are one txn: a deposed holder's write
     * is refused by etcd, however late it arrives */
    if (guard_lock != NULL && etcd_guard_cmp(s, guard_lock, path, &t, err) != 0) {
        etx_free(&t);
        free(key);
        return -1;
    }
    if (same) {
        struct etcd_txn_req *u = guard_lock != NULL ? &inner : &t;

        etx_cmp(&u->cmp, key, "MOD", m->mod_rev);
        etx_put(&u->ko, key, data, len, 0);
        if (guard_lock != NULL) {
            etx_nested(&t.ok, &inner);
        }
    } else {
        etx_put(&t.ok, key, data, len, 0);
    }
    rc = etcd_txn(s, &t, 0, true, &res, &e);
    etx_free(&t);
    etx_free(&inner);
    if (rc == 0) {
        rev = res.revision;
        if (guard_lock != NULL && !res.succeeded) {
            etcd_txn_free(&res);
            memo_drop(s, path);
            free(key);
            return etcd_guard_err(s, guard_lock, path, err);
        }
        if (same) {
            /* unguarded: the outer compare; guarded: the nested one */
            written = guard_lock == NULL ? !res.succeeded
                                         : !(res.n == 1 && res.ops[0].kind == EOP_TXN &&
                                             res.ops[0].nested_succeeded);
        }
        etcd_txn_free(&res);
    }
done:
    free(key);
    if (rc != 0) {
        memo_drop(s, path);
        etcd_err(err, "unable to write file '%s' - %s", path, e);
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
        etcd_err(err, "unable to delete file '%s' - %s", path, e);
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
        etcd_err(err, "rename '%s' to '%s' failed - the source kept changing", from, to);
        rc = -1;
    } else if (rc < 0) {
        etcd_err(err, "rename '%s' to '%s' failed - %s", from, to, e);
    }
    free(e);
    free(a);
    free(b);
    return rc;
}

static void add_name(char ***v, size_t *n, size_t *cap, const char *name, size_t len)
{
    if (*n + 2 > *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = xstrndup(name, len);
}

/* The names directly under base (a key prefix ending in '/'), sorted, dot
 * names and anything that is not a plain name skipped. A sub-folder is
 * skipped as a whole: the next page starts after its last possible key. */
static int list_keys(struct etcd_store *s, const char *base, char ***names, size_t *count, char **e)
{
    size_t blen = strlen(base), n = 0, cap = 0, k = 0;
    int64_t deadline = etcd_deadline(s), page = 64;
    char **v = NULL, *from = xstrdup(base);

    for (;;) {
        struct etcd_range_opts o = {.prefix = true, .keys_only = true, .limit = page, .from = from};
        struct etcd_range r;
        char *next = NULL;
        bool deep = false;

        if (etcd_range(s, base, &o, deadline, &r, e) != 0) {
            free(from);
            for (size_t i = 0; i < n; i++) {
                free(v[i]);
            }
            free(v);
            return -1;
        }
        for (size_t i = 0; i < r.n; i++) {
            const struct etcd_kv *kv = &r.kvs[i];
            const char *rest = kv->key + blen, *slash;
            size_t clen;

            if (kv->key_len < blen || memcmp(kv->key, base, blen) != 0) {
                continue; /* not in the folder: never from a sane etcd */
            }
            slash = strchr(rest, '/');
            clen = slash ? (size_t)(slash - rest) : strlen(rest);
            deep = deep || slash != NULL;
            free(next);
            /* after a sub-folder: past "<name>/" every key of it; after a
             * file (or a key with a NUL byte, cut there): the least key
             * greater than it */
            next = slash ? xasprintf("%.*s0", (int)(blen + clen), kv->key)
                         : xasprintf("%s\x01", kv->key);
            if (strlen(kv->key) != kv->key_len) {
                continue;
            }
            if (clen == 0 || rest[0] == '.') {
                continue;
            }
            {
                char *c = xstrndup(rest, clen);
                bool ok = !str_has_ctl(c);
                free(c);
                if (!ok ||
                    (n > 0 && strlen(v[n - 1]) == clen && memcmp(v[n - 1], rest, clen) == 0)) {
                    continue;
                }
            }
            add_name(&v, &n, &cap, rest, clen);
        }
        if (!r.more || next == NULL) {
            etcd_range_free(&r);
            free(next);
            break;
        }
        etcd_range_free(&r);
        free(from);
        from = next;
        if (!deep && page < LIST_PAGE_MAX) {
            page *= 2; /* a folder of files: bigger pages */
        }
    }
    free(from);
    if (v == NULL) {
        v = xcalloc(1, sizeof(*v));
    }
    qsort(v, n, sizeof(*v), str_cmp_ptr);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(v[k - 1], v[i]) == 0) {
            free(v[i]);
        } else {
            v[k++] = v[i];
        }
    }
    v[k] = NULL;
    *names = v;
    *count = k;
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
        etcd_err(err, "unable to list '%s' - %s", dir, e);
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
        etcd_err(err, "unable to create folder '%s' - %s", dir, e);
    } else {
        etcd_txn_free(&res);
    }
    free(e);
    return rc;
}
