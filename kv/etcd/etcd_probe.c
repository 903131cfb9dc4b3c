/* etcd_probe.c - quorum and node liveness on etcd. quorate = our last
 * probe, a linearizable read, worked within its deadline and is recent; a
 * node is online while one of its heartbeat keys exists: the key is bound
 * to its daemon's lease (TTL = node timeout), so etcd deletes it when the
 * daemon stops keeping the lease alive. */
#include "kv/etcd/etcd_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MARKER "haven-store"
#define BEATS "priv/beat/"

static char *beat_key(const struct etcd_store *s)
{
    return xasprintf("%s/" BEATS "%s.%s", s->prefix, s->node, s->daemon);
}

/* A new heartbeat lease and key. */
static int beat_new(struct etcd_store *s, int64_t deadline, char **e)
{
    int64_t ttl, secs = (s->node_timeout_ms + 999) / 1000;
    char *key, *val;
    int rc;

    if (etcd_lease_grant(s, secs < 1 ? 1 : secs, deadline, &s->beat_lease, &ttl, e) != 0) {
        s->beat_lease = 0;
        return -1;
    }
    key = beat_key(s);
    val = xasprintf("%s %lld\n", s->instance, (long long)time(NULL));
    {
        struct etcd_put_req pr = {key, val, strlen(val), s->beat_lease};
        rc = etcd_put(s, &pr, deadline, NULL, e);
    }
    free(val);
    free(key);
    return rc;
}

/* The probe's txn answer: 0 and *beat_ok (our heartbeat key is there,
 * bound to our lease), or -1 and *e (marker missing or changed). */
static int check_probe(struct etcd_store *s, const struct etcd_txn *res, bool *beat_ok, char **e)
{
    const struct etcd_kv *kv;
    char want[160];

    if (res->n < 1 || res->ops[0].kind != EOP_RANGE || res->ops[0].range.n != 1) {
        kv_err(e, "etcd prefix %s is not a haven store (marker missing)", s->prefix);
        return -1;
    }
    kv = &res->ops[0].range.kvs[0];
    snprintf(want, sizeof(want), MARKER " 1 id=%s ", s->store_id);
    if (strlen(kv->value) != kv->value_len || !str_starts(kv->value, want)) {
        kv_err(e, "store id mismatch (etcd prefix %s: marker changed)", s->prefix);
        return -1;
    }
    *beat_ok = s->daemon == NULL ||
               (s->beat_lease != 0 && res->n >= 2 && res->ops[1].kind == EOP_RANGE &&
                res->ops[1].range.n == 1 && res->ops[1].range.kvs[0].lease == s->beat_lease);
    return 0;
}

/* Keep our heartbeat alive, then read marker and heartbeat in one
 * linearizable txn; a heartbeat gone is made again. 0 or -1 (*e). */
static int probe(struct etcd_store *s, int64_t deadline, char **e)
{
    struct etcd_txn_req t = {0};
    struct etcd_txn res;
    char *marker = etcd_key(s, MARKER), *beat = NULL;
    int64_t ttl = 0;
    bool beat_ok = true;
    int rc;

    if (s->daemon != NULL && s->beat_lease != 0) {
        if (etcd_lease_keepalive(s, s->beat_lease, deadline, &ttl, e) != 0) {
            free(marker);
            return -1;
        }
        s->beat_lease = ttl > 0 ? s->beat_lease : 0; /* expired: etcd deleted the key */
    }
    etx_range(&t.ok, marker, false, false);
    if (s->daemon != NULL) {
        beat = beat_key(s);
        etx_range(&t.ok, beat, false, true);
    }
    rc = etcd_txn(s, &t, deadline, true, &res, e);
    etx_free(&t);
    free(beat);
    free(marker);
    if (rc != 0) {
        return -1;
    }
    rc = check_probe(s, &res, &beat_ok, e);
    etcd_txn_free(&res);
    if (rc == 0 && !beat_ok) {
        if (s->beat_lease != 0) {
            etcd_lease_revoke(s, s->beat_lease, deadline, NULL);
            s->beat_lease = 0;
        }
        rc = beat_new(s, deadline, e);
    }
    return rc;
}

int etcd_store_probe(struct etcd_store *s, char **err)
{
    int64_t start = kv_now_ms();
    char *e = NULL;

    if (probe(s, start + s->call_ms, &e) != 0) {
        kv_err(err, "%s", e ? e : "probe failed");
        free(e);
        s->probe_ok = false;
        return -1;
    }
    s->probe_ok = true;
    s->probe_at = start;
    return 0;
}

bool etcd_store_quorate(struct etcd_store *s)
{
    return s->probe_ok && kv_now_ms() - s->probe_at <= s->probe_max_age_ms;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const struct kv_member *)a)->name, ((const struct kv_member *)b)->name);
}

int etcd_store_members(struct etcd_store *s, struct kv_member **out, size_t *n, char **err)
{
    struct etcd_range_opts o = {.prefix = true, .keys_only = true};
    struct etcd_range beats;
    struct kv_member *m;
    char **names, *key, *e = NULL;
    size_t k = 0, cnt;

    *out = NULL;
    *n = 0;
    if (etcd_store_list(s, "nodes", &names, &cnt, err) != 0) {
        return -1;
    }
    key = etcd_key(s, BEATS);
    if (etcd_range(s, key, &o, 0, &beats, &e) != 0) {
        kv_err(err, "unable to read heartbeats - %s", e);
        free(e);
        free(key);
        kv_free_names(names);
        return -1;
    }
    m = xcalloc(cnt ? cnt : 1, sizeof(*m));
    for (size_t i = 0; i < cnt; i++) {
        if (!kv_node_name_ok(names[i])) {
            free(names[i]);
            continue;
        }
        m[k].name = names[i];
        m[k].online = strcmp(names[i], s->node) == 0;
        for (size_t j = 0; j < beats.n && !m[k].online; j++) {
            /* "<prefix>/priv/beat/<node>.<daemon>" */
            const struct etcd_kv *kv = &beats.kvs[j];
            size_t kl = strlen(key), nl = strlen(names[i]);

            if (kv->key_len > kl + nl && memcmp(kv->key, key, kl) == 0 &&
                memcmp(kv->key + kl, names[i], nl) == 0 && kv->key[kl + nl] == '.') {
                m[k].online = true;
            }
        }
        k++;
    }
    free(names); /* the strings moved into m */
    etcd_range_free(&beats);
    free(key);
    qsort(m, k, sizeof(*m), cmp_member);
    *out = m;
    *n = k;
    return 0;
}
