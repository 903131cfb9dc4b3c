/* etcd_domain.c - the config lock "domain-ha" on etcd: the lock key of
 * etcd_lock.c on a lease of 120 s that is never renewed (nobody watches a
 * config lock), so a holder that died frees it by then; a holder on the
 * local node whose process is gone is taken over at once. */
#include "kv/etcd/etcd_int.h"
#include "state/scan.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The holder's record names this node and a process that is gone. */
static bool holder_dead_here(const struct etcd_store *s, const struct etcd_kv *kv)
{
    char node[64], inst[64];
    long long pid = 0;
    const char *p = kv->value;

    /* etcd_lock.c's record: "haven-lock 1 held node=N instance=I pid=P wall=W" */
    if (strlen(kv->value) != kv->value_len || !scan_lit(&p, "haven-lock 1 held node=") ||
        !scan_word(&p, node, sizeof(node)) || !scan_lit(&p, " instance=") ||
        !scan_word(&p, inst, sizeof(inst)) || !scan_lit(&p, " pid=") ||
        !scan_ll(&p, 1, INT_MAX, &pid)) {
        return false;
    }
    return strcmp(node, s->node) == 0 && pid > 0 && (pid_t)pid != (pid_t)s->pid &&
           kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* One attempt: 1 taken, 0 busy, -1 error (*e). */
static int try_take(struct etcd_store *s, struct etcd_lock *l, char **e)
{
    int64_t deadline = etcd_deadline(s);
    struct etcd_txn_req t = {0};
    struct etcd_txn res;
    char *rec;
    int rc;

    if (l->lease == 0) {
        int64_t ttl;
        if (etcd_lease_grant(s, ETCD_DOMAIN_TTL_S, deadline, &l->lease, &ttl, e) != 0) {
            l->lease = 0;
            return -1;
        }
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
            l->lease = 0; /* a new lease next time */
            free(*e);
            *e = NULL;
            return 0;
        }
        return -1;
    }
    if (res.succeeded) {
        l->rev = res.revision;
        etcd_txn_free(&res);
        return 1;
    }
    rc = 0;
    if (res.n == 1 && res.ops[0].kind == EOP_RANGE && res.ops[0].range.n == 1) {
        const struct etcd_kv *kv = &res.ops[0].range.kvs[0];

        if (kv->lease != 0 && kv->lease == l->lease) {
            l->rev = kv->create_rev; /* ours already */
            rc = 1;
        } else if (holder_dead_here(s, kv)) {
            struct etcd_txn_req d = {0};
            struct etcd_txn dres;

            etx_cmp(&d.cmp, l->key, "MOD", kv->mod_rev);
            etx_delete(&d.ok, l->key, false);
            if (etcd_txn(s, &d, deadline, true, &dres, NULL) == 0) {
                etcd_txn_free(&dres);
            }
            etx_free(&d);
        }
    }
    etcd_txn_free(&res);
    return rc;
}

struct take_ctx {
    struct etcd_store *s;
    struct etcd_lock *l;
};

static int try_take_why(void *ctx, char **why)
{
    struct take_ctx *c = ctx;

    return try_take(c->s, c->l, why);
}

int etcd_store_domain_lock(struct etcd_store *s, const char *name, int64_t timeout_ms, char **err)
{
    struct take_ctx c = {s, NULL};
    struct kv_domain_wait w = {try_take_why, &c, s->notice, s->notice_arg, &s->rng};

    if (kv_lock_name_ok(name)) {
        c.l = etcd_lock_find(s, name, true);
    }
    if (kv_domain_wait(name, timeout_ms, &w, err) != 0) {
        return -1;
    }
    c.l->ok_at = kv_now_ms();
    c.l->domain = true;
    c.l->domain_at = c.l->ok_at;
    return 0;
}

void etcd_store_domain_unlock(struct etcd_store *s, const char *name)
{
    struct etcd_lock *l = etcd_lock_find(s, name, false);

    if (l == NULL || l->rev == 0) {
        return;
    }
    l->rev = 0;
    l->ok_at = -1;
    l->domain = false;
    etcd_store_lock_release(s, name);
}
