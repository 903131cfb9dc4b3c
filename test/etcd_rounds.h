/* etcd_rounds.h - the store calls of a steady cluster's daemon rounds,
 * driven at full speed against real etcd members (test_kv_etcd.c checks
 * what they leave in etcd; bench_etcd.c measures it over 10,000 rounds).
 *
 * Three nodes, six daemons (a store each, as the real ones): every round
 * each daemon probes (heartbeat keep-alive, linearizable read), the master
 * CRM renews the manager lock, watches the agent locks, takes the command
 * spool, lists the members, reads the config and the LRMs' status and
 * writes the manager status (guarded); the other CRMs try the manager
 * lock; each LRM renews its agent lock, reads the manager status and
 * writes its own status. A status is written as the daemons do
 * (applets/daemon/status_memo.c): when more than its timestamp changed,
 * or its timestamp is 30 - R - 2 s old on the simulated clock (round k
 * runs at k * R seconds). running: every service gets a new job id each
 * round (as upstream's master hands them out; haven's keeps a running
 * service's id), so the manager status and each LRM's results change every
 * round: the worst case for etcd's database. Else nothing changes but
 * timestamps, which is also a steady haven cluster with services running. */
#ifndef HAVEN_ETCD_ROUNDS_H
#define HAVEN_ETCD_ROUNDS_H

#include "kv/etcd/etcd_int.h"
#include "state/str.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ER_NODES 3
#define ER_STALE_S 30 /* the CLI calls a status this old stale */

struct er_status { /* one status file and what its writer last wrote */
    const char *path;
    char *body; /* the content without the timestamp */
    int64_t written_s; /* the simulated time of the last write */
};

struct er_cluster {
    struct etcd_store *crm[ER_NODES], *lrm[ER_NODES];
    size_t services;
    bool running;
    int64_t round_s; /* R, simulated */
    uint64_t round;
    uint64_t writes; /* status files written (content or timestamp changed) */
    struct er_status ms, ls[ER_NODES];
    char lrm_path[ER_NODES][64];
};

static inline struct etcd_store *
er_open(const char *eps, const char *prefix, const char *node, const char *daemon, char **err)
{
    struct kv_options o = {0};
    struct etcd_store *s = NULL;
    char *url = xasprintf("etcd:%s", eps);

    o.url = url;
    o.node = node;
    o.daemon = daemon;
    o.lock_timeout_ms = 8000; /* T, C 3, H 2 of test/cluster.sh */
    o.renew_budget_ms = 1000;
    o.node_timeout_ms = 3000;
    o.probe_max_age_ms = 2000;
    o.etcd_prefix = prefix;
    if (etcd_store_open(&o, &s, err) != 0) {
        s = NULL;
    }
    free(url);
    return s;
}

static inline const char *er_node(int i)
{
    static const char *const names[ER_NODES] = {"node1", "node2", "node3"};
    return names[i];
}

/* The manager status of this round without its timestamp. */
static inline char *er_manager_body(const struct er_cluster *c)
{
    struct strbuf sb = {0};

    strbuf_addf(
        &sb,
        "\"master_node\":\"node1\",\"node_status\":{\"node1\":\"online\",\"node2\":\"online\","
        "\"node3\":\"online\"},\"service_status\":{"
    );
    for (size_t i = 0; i < c->services; i++) {
        uint64_t job = c->running ? c->round * c->services + i : i;
        strbuf_addf(
            &sb,
            "%s\"vm:%zu\":{\"state\":\"started\",\"node\":\"%s\",\"uid\":\"%016llx\",\"running\":%"
            "d}",
            i ? "," : "", 1000 + i, er_node((int)(i % ER_NODES)),
            (unsigned long long)(job * 0x9e3779b97f4a7c15ull), c->running ? 1 : 0
        );
    }
    strbuf_addf(&sb, "}");
    return strbuf_take(&sb);
}

/* An LRM's status without its timestamp: a result per service it runs. */
static inline char *er_lrm_body(const struct er_cluster *c, int node)
{
    struct strbuf sb = {0};
    bool first = true;

    strbuf_addf(&sb, "\"state\":\"active\",\"mode\":\"active\",\"results\":{");
    for (size_t i = node; c->running && i < c->services; i += ER_NODES) {
        uint64_t job = c->round * c->services + i;
        strbuf_addf(
            &sb, "%s\"%016llx\":{\"sid\":\"vm:%zu\",\"exit_code\":0,\"state\":\"started\"}",
            first ? "" : ",", (unsigned long long)(job * 0x9e3779b97f4a7c15ull), 1000 + i
        );
        first = false;
    }
    strbuf_addf(&sb, "}");
    return strbuf_take(&sb);
}

/* Write a status as the daemons do: 0, or -1 and *err. */
static inline int er_put_status(
    struct er_cluster *c,
    struct etcd_store *s,
    struct er_status *st,
    char *body,
    const char *guard,
    char **err
)
{
    int64_t now = (int64_t)c->round * c->round_s;
    char *text;
    int rc;

    if (st->body != NULL && strcmp(st->body, body) == 0 &&
        now - st->written_s < ER_STALE_S - c->round_s - 2) {
        free(body);
        return 0;
    }
    text = xasprintf("{%s,\"timestamp\":%lld}", body, (long long)(1700000000 + now));
    rc = etcd_store_write(s, st->path, text, strlen(text), guard, err);
    free(text);
    free(st->body);
    st->body = body;
    st->written_s = now;
    c->writes += rc == 0;
    return rc;
}

/* A daemon's clean stop: its locks released, its heartbeat revoked, so
 * that no key of ours expires later, inside someone else's count. */
static inline void er_stop(struct etcd_store *s, const char *lock)
{
    if (s == NULL) {
        return;
    }
    etcd_store_lock_release(s, lock);
    if (s->beat_lease != 0) {
        etcd_lease_revoke(s, s->beat_lease, 0, NULL);
    }
    etcd_store_close(s);
}

static inline void er_free(struct er_cluster *c)
{
    for (int i = 0; i < ER_NODES; i++) {
        char name[64];

        snprintf(name, sizeof(name), "ha_agent_%s_lock", er_node(i));
        er_stop(c->crm[i], "ha_manager_lock");
        er_stop(c->lrm[i], name);
        free(c->ls[i].body);
    }
    free(c->ms.body);
    memset(c, 0, sizeof(*c));
}

/* Open the six daemons' stores, write the config, take the locks. */
static inline int er_setup(
    struct er_cluster *c,
    const char *eps,
    const char *prefix,
    size_t services,
    bool running,
    int64_t round_s,
    char **err
)
{
    struct strbuf cfg = {0};
    int rc = 0;

    memset(c, 0, sizeof(*c));
    c->services = services;
    c->running = running;
    c->round_s = round_s;
    c->ms.path = "ha/manager_status";
    for (int i = 0; i < ER_NODES && rc == 0; i++) {
        snprintf(c->lrm_path[i], sizeof(c->lrm_path[i]), "nodes/%s/lrm_status", er_node(i));
        c->ls[i].path = c->lrm_path[i];
        c->crm[i] = er_open(eps, prefix, er_node(i), "crm", err);
        c->lrm[i] = c->crm[i] ? er_open(eps, prefix, er_node(i), "lrm", err) : NULL;
        rc = c->lrm[i] != NULL ? 0 : -1;
    }
    for (size_t i = 0; i < services && rc == 0; i++) {
        strbuf_addf(&cfg, "vm: %zu\n\tstate started\n\n", 1000 + i);
    }
    if (rc == 0) {
        rc = etcd_store_write(
            c->crm[0], "ha/resources.cfg", cfg.buf ? cfg.buf : "", cfg.len, NULL, err
        );
    }
    strbuf_free(&cfg);
    rc = rc ? rc : etcd_store_lock_get(c->crm[0], "ha_manager_lock", err);
    for (int i = 0; i < ER_NODES && rc == 0; i++) {
        char name[64];
        snprintf(name, sizeof(name), "ha_agent_%s_lock", er_node(i));
        rc = etcd_store_lock_get(c->lrm[i], name, err);
    }
    if (rc != 0) {
        er_free(c);
    }
    return rc;
}

/* Read a file and drop it: 0, or -1 and *err (absent is fine). */
static inline int er_read(struct etcd_store *s, const char *path, char **err)
{
    char *data = NULL;
    size_t len;
    int r = etcd_store_read(s, path, &data, &len, err);

    free(data);
    return r < 0 ? -1 : 0;
}

/* One round of the six daemons: 0, or -1 and *err. */
static inline int er_round(struct er_cluster *c, char **err)
{
    struct kv_member *m = NULL;
    size_t n = 0;
    char *text = NULL, *e = NULL;
    int rc = 0;

    c->round++;
    /* the master CRM */
    rc = etcd_store_probe(c->crm[0], err);
    rc = rc ? rc : etcd_store_lock_get(c->crm[0], "ha_manager_lock", err);
    if (rc == 0) {
        etcd_store_lock_observe_prefix(c->crm[0], "ha_agent_");
        rc = etcd_store_members(c->crm[0], &m, &n, err);
        kv_free_members(m, n);
    }
    rc = rc ? rc : etcd_store_spool_take(c->crm[0], &text, err);
    free(text);
    rc = rc ? rc : er_read(c->crm[0], "ha/resources.cfg", err);
    for (int i = 0; i < ER_NODES && rc == 0; i++) {
        rc = er_read(c->crm[0], c->lrm_path[i], err);
    }
    rc = rc ? rc : er_put_status(c, c->crm[0], &c->ms, er_manager_body(c), "ha_manager_lock", err);
    /* the other CRMs: the lock is the master's */
    for (int i = 1; i < ER_NODES && rc == 0; i++) {
        rc = etcd_store_probe(c->crm[i], err);
        if (rc == 0 && etcd_store_lock_get(c->crm[i], "ha_manager_lock", &e) == 0) {
            kv_err(err, "%s took the master's lock", er_node(i));
            rc = -1;
        }
        free(e);
        e = NULL;
    }
    /* the LRMs */
    for (int i = 0; i < ER_NODES && rc == 0; i++) {
        char name[64];

        snprintf(name, sizeof(name), "ha_agent_%s_lock", er_node(i));
        rc = etcd_store_probe(c->lrm[i], err);
        rc = rc ? rc : etcd_store_lock_get(c->lrm[i], name, err);
        rc = rc ? rc : er_read(c->lrm[i], "ha/manager_status", err);
        rc = rc ? rc : er_put_status(c, c->lrm[i], &c->ls[i], er_lrm_body(c, i), NULL, err);
    }
    return rc;
}

/* Requests and request bytes of the six clients so far. */
static inline void er_counters(const struct er_cluster *c, uint64_t *requests, uint64_t *bytes)
{
    *requests = *bytes = 0;
    for (int i = 0; i < ER_NODES; i++) {
        uint64_t r, b;
        etcd_store_counters(c->crm[i], &r, &b);
        *requests += r, *bytes += b;
        etcd_store_counters(c->lrm[i], &r, &b);
        *requests += r, *bytes += b;
    }
}

/* etcd's revision now (an empty txn), -1 on error. */
static inline int64_t er_revision(struct etcd_store *s)
{
    struct etcd_txn_req t = {0};
    struct etcd_txn res;
    int64_t rev = -1;

    if (etcd_txn(s, &t, 0, true, &res, NULL) == 0) {
        rev = res.revision;
        etcd_txn_free(&res);
    }
    return rev;
}

/* Drop every revision before rev, as etcd's auto-compaction does. */
static inline int er_compact(struct etcd_store *s, int64_t rev, char **err)
{
    cJSON *j = NULL;
    char *body = xasprintf("{\"revision\":\"%lld\",\"physical\":true}", (long long)rev);
    int rc = etcd_post(s, "/kv/compaction", body, 0, &j, err);

    free(body);
    cJSON_Delete(j);
    return rc;
}

/* The database size of the member the store talks to, and the part in use
 * (the rest is free pages that new revisions reuse). */
static inline int er_db_size(struct etcd_store *s, int64_t *size, int64_t *in_use, char **err)
{
    cJSON *j = NULL;
    int rc = etcd_post(s, "/maintenance/status", "{}", 0, &j, err);

    if (rc == 0 && (ej_i64(j, "dbSize", 0, INT64_MAX, size) != 0 ||
                    ej_i64(j, "dbSizeInUse", 0, INT64_MAX, in_use) != 0)) {
        kv_err(err, "maintenance/status: no dbSize");
        rc = -1;
    }
    cJSON_Delete(j);
    return rc;
}

/* Wait up to limit_ms until no key bound to a lease is left in etcd (the
 * keys of stores closed without a clean stop expire with their leases, and
 * each expiry is a revision): true when none is. */
static inline bool er_no_leased_keys(struct etcd_store *s, int64_t limit_ms)
{
    int64_t start = kv_now_ms();

    for (;;) {
        struct etcd_range r;
        struct etcd_range_opts o = {.prefix = true, .keys_only = true};
        size_t leased = 0;

        /* keys start with '/': the range "/" to "0" holds them all */
        if (etcd_range(s, "/", &o, 0, &r, NULL) == 0) {
            for (size_t i = 0; i < r.n; i++) {
                leased += r.kvs[i].lease != 0;
            }
            leased += r.more;
            etcd_range_free(&r);
            if (leased == 0) {
                return true;
            }
        }
        if (kv_now_ms() - start > limit_ms) {
            return false;
        }
        kv_sleep_ms(200);
    }
}

/* The number of keys under prefix, -1 on error. */
static inline int64_t er_keys(struct etcd_store *s, const char *prefix)
{
    struct etcd_range r;
    struct etcd_range_opts o = {.prefix = true, .count_only = true};
    char *k = xasprintf("%s/", prefix);
    int64_t n = -1;

    if (etcd_range(s, k, &o, 0, &r, NULL) == 0) {
        n = r.count;
        etcd_range_free(&r);
    }
    free(k);
    return n;
}

#endif
