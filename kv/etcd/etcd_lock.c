/* etcd_lock.c - lease locks on etcd (the semantics and the safety argument
 * are in kv/etcd/etcd.h): a lock is one key bound to its holder's lease;
 * etcd expires it, so nobody needs to watch it, and its create_revision
 * fences every write made under it. */
#include "kv/etcd/etcd_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct etcd_lock *etcd_lock_find(struct etcd_store *s, const char *name, bool add)
{
    struct etcd_lock *l;

    for (size_t i = 0; i < s->n_locks; i++) {
        if (strcmp(s->locks[i].name, name) == 0) {
            return &s->locks[i];
        }
    }
    if (!add) {
        return NULL;
    }
    s->locks = kv_append(s->locks, &s->n_locks, &s->cap_locks, sizeof(*s->locks));
    l = &s->locks[s->n_locks - 1];
    l->name = xstrdup(name);
    l->key = xasprintf("%s/priv/lock/%s", s->prefix, name);
    l->ok_at = -1;
    return l;
}

void etcd_locks_free(struct etcd_store *s)
{
    for (size_t i = 0; i < s->n_locks; i++) {
        free(s->locks[i].name);
        free(s->locks[i].key);
    }
    free(s->locks);
    s->locks = NULL;
    s->n_locks = s->cap_locks = 0;
}

/* The folder store's record text: who holds it, for people reading etcd. */
char *etcd_lock_record(const struct etcd_store *s)
{
    return xasprintf(
        "haven-lock 1 held node=%s instance=%s pid=%ld wall=%lld\n", s->node, s->instance, s->pid,
        (long long)time(NULL)
    );
}

static int64_t ttl_s(int64_t ms)
{
    int64_t s = (ms + 999) / 1000;

    return s < 1 ? 1 : s;
}

static void drop_cache(struct etcd_lock *l)
{
    l->rev = 0;
    l->ok_at = -1;
    l->domain = false;
}

static void forget_lease(struct etcd_store *s, struct etcd_lock *l)
{
    if (l->lease != 0) {
        etcd_lease_revoke(s, l->lease, etcd_deadline(s), NULL);
        l->lease = 0;
    }
}

/* After a won acquisition or renewal started at t_s: held within B, else
 * a failure that never feeds the watchdog. */
static int finish(struct etcd_store *s, struct etcd_lock *l, int64_t t_s, bool renew, char **err)
{
    int64_t took = kv_now_ms() - t_s;

    if (took > s->renew_budget_ms) {
        drop_cache(l); /* the key stays ours: the next call takes it at once */
        if (renew) {
            kv_err(err, "cfs lock update failed - renewal took %lld ms", (long long)took);
        } else {
            kv_err(err, "can't get cfs lock - acquisition took %lld ms", (long long)took);
        }
        return -1;
    }
    l->ok_at = t_s;
    return 0;
}

/* The renewal: our lease answers a keep-alive with a TTL, and the key
 * still carries our create_revision and lease. Its whole round trip is
 * bounded by B from its start. */
static int renew_failed(struct etcd_store *s, struct etcd_lock *l, int64_t t_s, char *e, char **err)
{
    int64_t took = kv_now_ms() - t_s;

    drop_cache(l);
    if (took >= s->renew_budget_ms) {
        kv_err(err, "cfs lock update failed - renewal took %lld ms", (long long)took);
    } else {
        kv_err(err, "cfs lock update failed - %s", e);
    }
    free(e);
    return -1;
}

static int renew(struct etcd_store *s, struct etcd_lock *l, char **err)
{
    int64_t t_s = kv_now_ms(), deadline = t_s + s->renew_budget_ms, ttl = 0;
    struct etcd_range r;
    char *e = NULL;
    bool ours;

    if (s->faults != NULL && s->faults->renew_delay_ms > 0) {
        kv_sleep_ms(s->faults->renew_delay_ms);
    }
    if (etcd_lease_keepalive(s, l->lease, deadline, &ttl, &e) != 0) {
        return renew_failed(s, l, t_s, e, err);
    }
    if (ttl <= 0) {
        drop_cache(l);
        l->lease = 0; /* expired: etcd deleted the key with it */
        kv_err(err, "cfs lock update failed - lease expired");
        return -1;
    }
    if (ttl < ttl_s(s->lock_timeout_ms)) {
        /* the safety argument needs the whole T (a hostile or broken answer) */
        drop_cache(l);
        kv_err(err, "cfs lock update failed - etcd gave the lease %lld s", (long long)ttl);
        return -1;
    }
    if (etcd_range(s, l->key, NULL, deadline, &r, &e) != 0) {
        return renew_failed(s, l, t_s, e, err);
    }
    ours = r.n == 1 && r.kvs[0].create_rev == l->rev && r.kvs[0].lease == l->lease;
    etcd_range_free(&r);
    if (!ours) {
        drop_cache(l);
        forget_lease(s, l);
        kv_err(err, "cfs lock update failed - lock taken over");
        return -1;
    }
    return finish(s, l, t_s, true, err);
}

/* Make l->lease run a whole T from now (after the attempt's start): one
 * left from an earlier attempt is renewed first, or it could expire right
 * after it got the key; none (or an expired one): a new one. 0 or -1. */
static int fresh_lease(struct etcd_store *s, struct etcd_lock *l, int64_t deadline, char **e)
{
    int64_t want = ttl_s(s->lock_timeout_ms), ttl = 0;

    if (l->lease != 0) {
        if (etcd_lease_keepalive(s, l->lease, deadline, &ttl, e) != 0) {
            return -1;
        }
        if (ttl <= 0) {
            l->lease = 0;
        } else if (ttl < want) {
            kv_err(e, "etcd gave the lease %lld s", (long long)ttl);
            return -1;
        }
    }
    if (l->lease == 0) {
        if (etcd_lease_grant(s, want, deadline, &l->lease, &ttl, e) != 0) {
            l->lease = 0;
            return -1;
        }
        if (ttl < want) {
            kv_err(e, "etcd granted a lease of %lld s", (long long)ttl);
            return -1;
        }
    }
    return 0;
}

/* The txn's answer: 1 ours, 0 another's. A key bound to our own lease is
 * ours: an earlier acquisition whose answer was lost or came too late. */
static int acquired(
    struct etcd_store *s,
    struct etcd_lock *l,
    const struct etcd_txn *res,
    int64_t deadline,
    char **e
)
{
    const struct etcd_kv *kv;
    int64_t ttl = 0;

    if (res->succeeded) {
        l->rev = res->revision; /* the put's revision: the key's create_revision */
        return 1;
    }
    if (res->n != 1 || res->ops[0].kind != EOP_RANGE || res->ops[0].range.n != 1) {
        return 0;
    }
    kv = &res->ops[0].range.kvs[0];
    if (kv->lease == 0 || kv->lease != l->lease ||
        etcd_lease_keepalive(s, l->lease, deadline, &ttl, e) != 0 || ttl <= 0) {
        return *e != NULL ? -1 : 0;
    }
    l->rev = kv->create_rev;
    return 1;
}

/* One acquisition try: 1 ours (l->rev set), 0 held by another, -1 error
 * (*e). */
static int try_acquire(struct etcd_store *s, struct etcd_lock *l, int64_t deadline, char **e)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        struct etcd_txn_req t = {0};
        struct etcd_txn res;
        char *rec;
        int rc;

        if (fresh_lease(s, l, deadline, e) != 0) {
            return -1;
        }
        rec = etcd_lock_record(s);
        etx_cmp(&t.cmp, l->key, "CREATE", 0);
        etx_put(&t.ok, l->key, rec, strlen(rec), l->lease);
        etx_range(&t.ko, l->key, false, false);
        free(rec);
        rc = etcd_txn(s, &t, deadline, true, &res, e);
        etx_free(&t);
        if (rc != 0) {
            if (s->refused == GRPC_NOT_FOUND) {
                l->lease = 0; /* our lease expired meanwhile: a new one */
                free(*e);
                *e = NULL;
                continue;
            }
            return -1;
        }
        rc = acquired(s, l, &res, deadline, e);
        etcd_txn_free(&res);
        return rc;
    }
    return 0;
}

static int acquire(struct etcd_store *s, struct etcd_lock *l, char **err)
{
    int64_t t_s = kv_now_ms();
    char *e = NULL;
    int r = try_acquire(s, l, t_s + s->call_ms, &e);

    if (r > 0) {
        return finish(s, l, t_s, false, err);
    }
    drop_cache(l);
    if (r < 0) {
        kv_err(err, "can't get cfs lock - %s", e);
        free(e);
    } else {
        kv_err(err, "can't get cfs lock");
    }
    return -1;
}

int etcd_store_lock_get(struct etcd_store *s, const char *name, char **err)
{
    struct etcd_lock *l;

    if (!kv_lock_name_ok(name)) {
        char *e = str_escaped(name ? name : "");
        kv_err(err, "invalid lock name '%s'", e);
        free(e);
        return -1;
    }
    l = etcd_lock_find(s, name, true);
    if (l->rev != 0 && l->ok_at >= 0 && kv_now_ms() - l->ok_at < s->lock_timeout_ms) {
        return renew(s, l, err); /* no acquisition is tried */
    }
    return acquire(s, l, err);
}

bool etcd_store_lock_release(struct etcd_store *s, const char *name)
{
    struct etcd_txn_req t = {0};
    struct etcd_lock *l;
    struct etcd_txn res;
    bool done = false;

    if (!kv_lock_name_ok(name) || (l = etcd_lock_find(s, name, false)) == NULL || l->lease == 0) {
        return false;
    }
    drop_cache(l);
    /* the key is ours while it is bound to our lease */
    etx_cmp(&t.cmp, l->key, "LEASE", l->lease);
    etx_delete(&t.ok, l->key, false);
    if (etcd_txn(s, &t, 0, true, &res, NULL) == 0) {
        done = res.succeeded;
        etcd_txn_free(&res);
    }
    etx_free(&t);
    forget_lease(s, l);
    return done;
}

/* etcd expires a lock itself: there is nothing to observe. */
void etcd_store_lock_observe(struct etcd_store *s, const char *name)
{
    (void)s, (void)name;
}

void etcd_store_lock_observe_prefix(struct etcd_store *s, const char *prefix)
{
    (void)s, (void)prefix;
}

uint64_t etcd_store_lock_generation(struct etcd_store *s, const char *name)
{
    struct etcd_lock *l = etcd_lock_find(s, name, false);

    return l ? (uint64_t)l->rev : 0;
}

int64_t etcd_store_lock_renewed_at(struct etcd_store *s, const char *name)
{
    struct etcd_lock *l = etcd_lock_find(s, name, false);

    return (l && l->rev != 0) ? l->ok_at : -1;
}

int etcd_guard_err(struct etcd_store *s, const char *lock, const char *what, char **err)
{
    (void)s;
    if (strcmp(lock, "ha_manager_lock") == 0) {
        if (strcmp(what, "ha/manager_status") == 0) {
            kv_err(err, "lost manager lock - not writing manager status");
        } else if (strcmp(what, "crm commands") == 0) {
            kv_err(err, "lost manager lock - not reading crm commands");
        } else {
            kv_err(err, "lost manager lock - not writing '%s'", what);
        }
    } else {
        kv_err(err, "lost lock '%s' - not writing '%s'", lock, what);
    }
    return -1;
}

int etcd_guard_cmp(
    struct etcd_store *s, const char *lock, const char *what, struct etcd_txn_req *t, char **err
)
{
    struct etcd_lock *l = etcd_lock_find(s, lock, false);

    if (l == NULL || l->rev == 0) {
        return etcd_guard_err(s, lock, what, err);
    }
    if (l->domain && kv_now_ms() - l->domain_at > ETCD_DOMAIN_MAX_MS) {
        kv_err(err, "'%s'-locked command timed out - aborting", lock);
        return -1;
    }
    etx_cmp(&t->cmp, l->key, "CREATE", l->rev);
    return 0;
}
