/* fuzz_etcd_response.c - libFuzzer harness for what an etcd member (or
 * anything on its port) answers: the incremental HTTP response parser, fed
 * in two pieces split where the first byte says, then every JSON decoder
 * of the gateway's bodies, a range also as a page of kv_snapshot. Nothing may crash, leak or read
 * out of bounds; malformed, truncated or oversized input must come back as an error. make fuzz
 * FUZZ_S=60 */
#include "kv/etcd/etcd_int.h"
#include "kv/etcd/http.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A range as a page of kv_snapshot under the prefix "/haven/". */
static void snapshot_page(const struct etcd_range *r)
{
    static const char *const files[] = {"ha/manager_status", "nodes/*/lrm_status", NULL};
    static const char *const dirs[] = {"nodes/*/resources", NULL};
    struct kv_snap_req req = {files, dirs, true};
    struct kv_snapshot sn = {0};
    struct etcd_snap_acc a = {
        .prefix = "/haven/", .store_id = "0123", .node = "node1", .req = &req, .sn = &sn};
    const char *data, *e;
    size_t len, n;
    char *err = NULL;

    if (etcd_snap_page(&a, r, &err) == 0) {
        etcd_snap_done(&a);
        (void)kv_snap_read(&sn, "nodes/node1/lrm_status", &data, &len, &e);
        (void)kv_snap_list(&sn, "nodes/node1/resources", &n);
        (void)kv_snap_locked(&sn, "ha_manager_lock", NULL);
    }
    free(err);
    etcd_snap_acc_free(&a);
    kv_snapshot_free(&sn);
}

static void decode_body(const char *body, size_t len)
{
    char *err = NULL, *text = NULL, *m;
    struct etcd_range r;
    struct etcd_txn t;
    int64_t id, ttl;
    int major, minor, code;
    cJSON *j = ej_parse(body, len, &err);

    if (j == NULL) {
        free(err);
        return;
    }
    if (ej_range(j, &r, &err) == 0) {
        snapshot_page(&r);
        etcd_range_free(&r);
    }
    if (ej_txn(j, &t, &err) == 0) {
        etcd_txn_free(&t);
    }
    ej_lease(j, true, &id, &ttl, &err);
    ej_lease(j, false, &id, &ttl, &err);
    ej_version(j, &major, &minor, &text);
    free(text);
    m = ej_error(j, &code);
    free(m);
    ej_i64(j, "count", 0, INT64_MAX, &id);
    free(err);
    cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_parser p;
    size_t split, used, off = 0;
    const char *in = (const char *)data;
    int r;

    if (size == 0) {
        return 0;
    }
    split = data[0] % (size + 1);
    in++;
    size--;
    if (split > size) {
        split = size;
    }
    http_parser_init(&p, 1 << 16);
    r = http_parser_feed(&p, in, split, &used);
    off = used;
    if (r == 0) {
        r = http_parser_feed(&p, in + off, size - off, &used);
    }
    if (r == 0) {
        r = http_parser_eof(&p);
    }
    if (r == 1) {
        decode_body(strbuf_str(&p.body), p.body.len);
        (void)http_parser_reusable(&p);
    }
    http_parser_free(&p);
    /* the bytes straight as a body too: most of the JSON paths (bodies
     * are NUL-terminated, as every buffer of the client is) */
    {
        char *copy = xmalloc(size + 1);
        memcpy(copy, in, size);
        copy[size] = '\0';
        decode_body(copy, size);
        free(copy);
    }
    return 0;
}
