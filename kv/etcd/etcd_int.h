/* etcd_int.h - internals of the etcd store backend (kv/etcd/etcd_*.c): the
 * gateway's JSON, the client operations and the store's state. Only
 * kv/etcd/ and the tests include this. */
#ifndef HAVEN_KV_ETCD_INT_H
#define HAVEN_KV_ETCD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/etcd/etcd.h"
#include "kv/etcd/http.h"
#include "kv/faults.h"
#include "kv/store_int.h"
#include "state/str.h"

#define ETCD_MAX_VALUE ((size_t)16 << 20) /* as the folder store's files */
/* a response holds at most a few such values in base64, plus JSON */
#define ETCD_MAX_BODY (2 * (ETCD_MAX_VALUE / 3 * 4) + ((size_t)1 << 20))
#define ETCD_INSTANCE_HEX 32
#define ETCD_DOMAIN_TTL_S 120 /* [Upstream] pmxcfs lock lifetime */
#define ETCD_DOMAIN_MAX_MS 60000 /* [Upstream] locked command limit */
#define ETCD_LIST_PAGE 64 /* keys per range request of a listing */
#define GRPC_NOT_FOUND 5 /* etcd's code of "requested lease not found" */

struct cJSON;

/* ---- decoded responses (etcd_json.c, pure: fuzzed) ---- */
struct etcd_kv {
    char *key; /* NUL-terminated; key_len bytes (may hold NUL: compare by length) */
    size_t key_len;
    char *value;
    size_t value_len;
    int64_t create_rev, mod_rev, version, lease;
};

struct etcd_range {
    struct etcd_kv *kvs;
    size_t n;
    bool more;
    int64_t count;
    int64_t revision; /* the header's, 0 when the answer had none */
};

/* One operation's result inside a txn response. */
struct etcd_op_result {
    enum { EOP_RANGE, EOP_PUT, EOP_DELETE, EOP_TXN, EOP_OTHER } kind;
    struct etcd_range range; /* EOP_RANGE */
    int64_t deleted; /* EOP_DELETE */
    bool nested_succeeded; /* EOP_TXN */
};

struct etcd_txn {
    bool succeeded;
    int64_t revision; /* the header's: the store revision after the txn */
    struct etcd_op_result *ops;
    size_t n;
};

/* Parse a whole body as one JSON object (trailing blanks allowed): the
 * object, or NULL and *err. body[len] must be a NUL, as in every buffer
 * of the client (cJSON may look at the byte after the end). */
struct cJSON *ej_parse(const char *body, size_t len, char **err);
/* A 64-bit number that etcd sends as a JSON string ("123"): absent = 0; a
 * JSON number, other text or a value outside [min, max] is an error. 0/-1. */
int ej_i64(const struct cJSON *obj, const char *name, int64_t min, int64_t max, int64_t *out);
/* The gateway's error body {"error": ..., "message": ..., "code": n}: a
 * new one-line text (control characters escaped), or NULL when the body is
 * not one. *code: the gRPC code, -1 unknown. */
char *ej_error(const struct cJSON *obj, int *code);
int ej_range(const struct cJSON *obj, struct etcd_range *out, char **err);
int ej_txn(const struct cJSON *obj, struct etcd_txn *out, char **err);
/* Lease grant and keep-alive (the latter wrapped in "result"): ID, TTL. */
int ej_lease(const struct cJSON *obj, bool wrapped, int64_t *id, int64_t *ttl, char **err);
/* GET /version: the server version "3.4.23" -> major, minor; 0, or -1
 * when the body is not an etcd version. */
int ej_version(const struct cJSON *obj, int *major, int *minor, char **text);
void etcd_range_free(struct etcd_range *r);
void etcd_txn_free(struct etcd_txn *t);

/* ---- request bodies (etcd_json.c) ---- */
/* "name":"<base64>" */
void ej_add_b64(struct strbuf *sb, const char *name, const void *data, size_t n);
/* The end of the range of every key that starts with prefix (prefix with
 * its last byte incremented); caller frees. */
char *ej_prefix_end(const char *prefix, size_t n, size_t *end_len);
/* Txn parts: each adds one element to its JSON array under construction. */
struct etcd_txn_req {
    struct strbuf cmp, ok, ko;
};
/* compare target ("CREATE", "MOD", "VERSION", "LEASE") == value */
void etx_cmp(struct strbuf *arr, const char *key, const char *target, int64_t value);
void etx_put(struct strbuf *arr, const char *key, const void *val, size_t vlen, int64_t lease);
void etx_delete(struct strbuf *arr, const char *key, bool prefix);
/* range of one key, or of a prefix sorted by create revision */
void etx_range(struct strbuf *arr, const char *key, bool prefix, bool keys_only);
/* a txn inside a txn (its own compares, success and failure) */
void etx_nested(struct strbuf *arr, const struct etcd_txn_req *inner);
char *etx_body(const struct etcd_txn_req *t); /* caller frees */
void etx_free(struct etcd_txn_req *t);

/* ---- the store ---- */
struct etcd_lock {
    char *name;
    char *key; /* <prefix>/priv/lock/<name> */
    int64_t lease; /* our lease for this lock, 0 = none */
    int64_t rev; /* our key's create_revision (the fencing token), 0 = not held */
    int64_t ok_at; /* start of the last good acquire/renew, -1 = none */
    bool domain; /* held as a config lock */
    int64_t domain_at;
};

/* What we last wrote to a file: an unchanged rewrite writes nothing. */
struct etcd_memo {
    char *path;
    char sha[41]; /* SHA-1 hex of the content */
    int64_t mod_rev; /* the key's mod_revision after our write */
};
#define ETCD_MEMOS 32

struct etcd_store {
    struct http_client http;
    char *prefix; /* "/haven": no trailing '/' */
    const char *api; /* the gateway's prefix, "/v3" */
    char node[64];
    char *daemon; /* NULL = read-only probes */
    char instance[ETCD_INSTANCE_HEX + 1];
    long pid;
    char *store_id;
    int64_t lock_timeout_ms, renew_budget_ms, node_timeout_ms, probe_max_age_ms;
    int64_t call_ms; /* the deadline of one store call */
    void (*notice)(void *arg, const char *msg);
    void *notice_arg;
    char *user, *password; /* for (re-)authentication */
    /* etcd's gRPC code when it refused the last call (GRPC_NOT_FOUND: the
     * lease is gone), else -1: what a caller decides on, not the words. */
    int refused;
    struct kv_faults *faults; /* the tests' injected failures, NULL = none */

    struct etcd_lock *locks;
    size_t n_locks, cap_locks;
    struct etcd_memo memos[ETCD_MEMOS];
    size_t memo_next; /* the slot a new path takes (round robin) */
    int64_t beat_lease; /* the heartbeat's lease, 0 = none */
    bool probe_ok;
    int64_t probe_at;
    uint64_t rng;
};

/* etcd_client.c: the gateway's calls. All 0 or -1 with a one-line *err;
 * deadline 0 = now + s->call_ms. Keys are whole keys (with the prefix). */
char *etcd_key(const struct etcd_store *s, const char *path); /* caller frees */
int64_t etcd_deadline(const struct etcd_store *s);
/* POST <api><path>: the decoded JSON object of a 200 answer. Sent again
 * to the next member when one fails; etcd_post_once never (a request
 * that must not be applied twice). */
int etcd_post(
    struct etcd_store *s,
    const char *path,
    const char *body,
    int64_t deadline,
    struct cJSON **out,
    char **err
);
int etcd_post_once(
    struct etcd_store *s,
    const char *path,
    const char *body,
    int64_t deadline,
    struct cJSON **out,
    char **err
);
/* Range one key (prefix false) or a prefix; limit 0 = all; from (when not
 * NULL) starts a prefix range at that key instead. */
struct etcd_range_opts {
    bool prefix, keys_only, count_only, by_create;
    int64_t limit;
    const char *from;
    int64_t revision; /* read at this revision, 0 = the newest */
};
int etcd_range(
    struct etcd_store *s,
    const char *key,
    const struct etcd_range_opts *o,
    int64_t deadline,
    struct etcd_range *out,
    char **err
);
/* A put of key = val (bound to lease unless 0). *rev (when not NULL): the
 * revision of the put, the key's mod_revision. */
struct etcd_put_req {
    const char *key;
    const void *val;
    size_t len;
    int64_t lease;
};
int etcd_put(
    struct etcd_store *s, const struct etcd_put_req *p, int64_t deadline, int64_t *rev, char **err
);
int etcd_delete(struct etcd_store *s, const char *key, bool prefix, int64_t deadline, char **err);
int etcd_txn(
    struct etcd_store *s,
    const struct etcd_txn_req *t,
    int64_t deadline,
    bool idempotent,
    struct etcd_txn *out,
    char **err
);
int etcd_lease_grant(
    struct etcd_store *s, int64_t ttl_s, int64_t deadline, int64_t *id, int64_t *ttl, char **err
);
/* Keep-alive: *ttl the lease's TTL after it, 0 when the lease is gone. */
int etcd_lease_keepalive(
    struct etcd_store *s, int64_t id, int64_t deadline, int64_t *ttl, char **err
);
int etcd_lease_revoke(struct etcd_store *s, int64_t id, int64_t deadline, char **err);
/* POST /v3/auth/authenticate with s->user and s->password. */
int etcd_authenticate(struct etcd_store *s, int64_t deadline, char **err);

/* etcd_snap.c: a snapshot is built page by page from ranges over the
 * prefix; the part that takes a page in is pure (fuzzed). */
struct etcd_snap_acc {
    const char *prefix; /* "<prefix>/", every key starts with it */
    const char *store_id, *node;
    const struct kv_snap_req *req;
    struct kv_snapshot *sn;
    char **beats; /* nodes with a heartbeat key */
    size_t n_beats, cap_beats, cap_members;
    size_t keys, bytes;
    bool marker_ok;
    char *next; /* the key the next page starts at */
};
/* Take one page in: 0, or -1 and *err (over the bounds). */
int etcd_snap_page(struct etcd_snap_acc *a, const struct etcd_range *r, char **err);
/* After the last page: members' online flags, the snapshot sorted. */
void etcd_snap_done(struct etcd_snap_acc *a);
void etcd_snap_acc_free(struct etcd_snap_acc *a);

/* etcd_file.c */
void etcd_memos_free(struct etcd_store *s);
/* A write under a lock: 0, or -1 with the lost-lock text of kv_write. */
int etcd_guard_err(struct etcd_store *s, const char *lock, const char *what, char **err);

/* etcd_lock.c */
struct etcd_lock *etcd_lock_find(struct etcd_store *s, const char *name, bool add);
/* Add the guard compare of a write under lock to t: 0, or -1 (not held,
 * or a config lock held too long) with the lost-lock error. */
int etcd_guard_cmp(
    struct etcd_store *s, const char *lock, const char *what, struct etcd_txn_req *t, char **err
);
void etcd_locks_free(struct etcd_store *s);
char *etcd_lock_record(const struct etcd_store *s); /* caller frees */

#endif
