/* etcd_snap.c - kv_snapshot on etcd: ONE linearizable range over the whole
 * prefix returns every key (files, folders, lock keys with their
 * create_revision, heartbeat keys, the marker) at one revision, instead of
 * a read per file, listing, lock and heartbeat. A store larger than a page
 * is read in pages at the first page's revision, so the snapshot stays of
 * one revision; a page is a response of at most ETCD_MAX_BODY bytes (the
 * client's bound), and the whole is bounded by KV_SNAP_MAX_KEYS and
 * KV_SNAP_MAX_BYTES. */
#include "kv/etcd/etcd_int.h"

#include <stdlib.h>
#include <string.h>

#define SNAP_PAGE 4096 /* keys per range: 1,000 services fit in one */
#define SNAP_TRIES 3 /* a later page's revision compacted meanwhile: again */
#define GRPC_OUT_OF_RANGE 11 /* etcd's code of "required revision has been compacted" */

/* One try at the whole snapshot: 0, or -1 and *e. */
static int
read_pages(struct etcd_store *s, const struct kv_snap_req *req, struct kv_snapshot *sn, char **e)
{
    char *base = xasprintf("%s/", s->prefix);
    struct etcd_snap_acc a = {
        .prefix = base, .store_id = s->store_id, .node = s->node, .req = req, .sn = sn};
    int64_t deadline = etcd_deadline(s);
    int64_t page = s->faults && s->faults->snap_page > 0 ? s->faults->snap_page : SNAP_PAGE;
    int rc = 0;

    do {
        struct etcd_range_opts o = {
            .prefix = true, .limit = page, .from = a.next, .revision = sn->revision};
        struct etcd_range r;

        if ((rc = etcd_range(s, base, &o, deadline, &r, e)) != 0) {
            break;
        }
        if (sn->revision == 0) {
            sn->revision = r.revision; /* the later pages are read at it */
        }
        rc = sn->revision > 0 ? etcd_snap_page(&a, &r, e) : -1;
        if (sn->revision <= 0) {
            kv_err(e, "malformed range response from etcd (no revision)");
        }
        etcd_range_free(&r);
        if (rc == 0 && a.next != NULL && s->faults && s->faults->snap_between) {
            s->faults->snap_between(s->faults->snap_between_arg);
        }
    } while (rc == 0 && a.next != NULL);
    if (rc == 0) {
        etcd_snap_done(&a);
    }
    etcd_snap_acc_free(&a);
    free(base);
    return rc;
}

int etcd_store_snapshot(
    struct etcd_store *s, const struct kv_snap_req *req, struct kv_snapshot *out, char **err
)
{
    int64_t start = kv_now_ms();
    char *e = NULL;
    int rc = -1;

    for (int i = 0; i < SNAP_TRIES && rc != 0; i++) {
        free(e);
        e = NULL;
        kv_snapshot_free(out);
        rc = read_pages(s, req, out, &e);
        if (rc != 0 && s->refused != GRPC_OUT_OF_RANGE) {
            break;
        }
    }
    if (rc != 0) {
        kv_snapshot_free(out);
        kv_err(err, "unable to read the cluster state from etcd - %s", e ? e : "?");
        free(e);
        s->probe_ok = false;
        return -1;
    }
    /* the range was a linearizable read that found our marker: a probe */
    s->probe_ok = out->quorate;
    s->probe_at = start;
    return 0;
}
