/* etcd_spool.c - the CRM command spool on etcd: one key per command under
 * ha/crm_commands/, taken by one txn, guarded by the manager lock, that
 * reads them all in revision order and deletes them: a command is never
 * lost, torn or taken twice. */
#include "kv/etcd/etcd_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPOOL "ha/crm_commands/"

int etcd_store_spool_put(struct etcd_store *s, const char *line, char **err)
{
    struct timespec ts;
    char hex[9], *key, *data, *e = NULL;
    int rc;

    if (strchr(line, '\n') != NULL || *line == '\0') {
        char *m = str_escaped(line);
        kv_err(err, "invalid crm command '%s'", m);
        free(m);
        return -1;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    kv_random_hex(hex, 8);
    key = xasprintf(
        "%s/" SPOOL "%020llu.%s.%ld.%s", s->prefix,
        (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec, s->node,
        s->pid, hex
    );
    data = xasprintf("%s\n", line);
    /* a new unique key: sending it twice changes nothing */
    {
        struct etcd_put_req pr = {key, data, strlen(data), 0};
        rc = etcd_put(s, &pr, 0, NULL, &e);
    }
    if (rc != 0) {
        kv_err(err, "unable to queue crm command - %s", e);
    }
    free(e);
    free(data);
    free(key);
    return rc;
}

int etcd_store_spool_take(struct etcd_store *s, char **text, char **err)
{
    struct etcd_txn_req t = {0};
    struct strbuf sb = {0};
    struct etcd_txn res;
    char *key = etcd_key(s, SPOOL), *e = NULL;
    int rc;

    *text = NULL;
    if (etcd_guard_cmp(s, "ha_manager_lock", "crm commands", &t, err) != 0) {
        etx_free(&t);
        free(key);
        return -1;
    }
    etx_range(&t.ok, key, true, false);
    etx_delete(&t.ok, key, true);
    /* not idempotent: a second take would find nothing and lose them */
    rc = etcd_txn(s, &t, 0, false, &res, &e);
    etx_free(&t);
    free(key);
    if (rc != 0) {
        kv_err(err, "unable to read crm commands - %s", e);
        free(e);
        return -1;
    }
    if (!res.succeeded) {
        etcd_txn_free(&res);
        return etcd_guard_err(s, "ha_manager_lock", "crm commands", err);
    }
    if (res.n >= 1 && res.ops[0].kind == EOP_RANGE) {
        const struct etcd_range *r = &res.ops[0].range;

        for (size_t i = 0; i < r->n; i++) {
            strbuf_addn(&sb, r->kvs[i].value, r->kvs[i].value_len);
            if (r->kvs[i].value_len > 0 && r->kvs[i].value[r->kvs[i].value_len - 1] != '\n') {
                strbuf_addc(&sb, '\n');
            }
        }
    }
    etcd_txn_free(&res);
    *text = strbuf_take(&sb);
    return 0;
}

bool etcd_store_spool_pending(struct etcd_store *s)
{
    struct etcd_range_opts o = {.prefix = true, .count_only = true};
    struct etcd_range r;
    char *key = etcd_key(s, SPOOL);
    bool pending = false;

    if (etcd_range(s, key, &o, 0, &r, NULL) == 0) {
        pending = r.count > 0;
        etcd_range_free(&r);
    }
    free(key);
    return pending;
}
