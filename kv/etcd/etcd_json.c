/* etcd_json.c - the etcd gateway's JSON: request bodies out, responses in.
 * Pure (no I/O), so every decoder is fuzzed. A response is hostile input:
 * wrong types, numbers that are not etcd's decimal strings, base64 that
 * does not decode and oversized values are errors, never guesses. */
#include "kv/etcd/base64.h"
#include "kv/etcd/etcd_int.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cJSON *ej_parse(const char *body, size_t len, char **err)
{
    const char *end = NULL;
    cJSON *j;

    if (len == 0) {
        kv_err(err, "empty response from etcd");
        return NULL;
    }
    j = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (j == NULL || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        kv_err(err, "malformed response from etcd (not a JSON object)");
        return NULL;
    }
    for (; end != NULL && end < body + len; end++) {
        if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\t') {
            cJSON_Delete(j);
            kv_err(err, "malformed response from etcd (text after the JSON object)");
            return NULL;
        }
    }
    return j;
}

int ej_i64(const cJSON *obj, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    long long n;

    *out = 0;
    if (v == NULL) {
        return min <= 0 && max >= 0 ? 0 : -1;
    }
    if (!cJSON_IsString(v) || str_to_ll(v->valuestring, min, max, &n) != STR_INT_OK) {
        return -1;
    }
    *out = (int64_t)n;
    return 0;
}

char *ej_error(const cJSON *obj, int *code)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(obj, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "message");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, "code");
    const char *text = NULL;
    struct strbuf sb = {0};

    *code = -1;
    if (cJSON_IsObject(e)) {
        /* a stream's error: {"error": {"grpc_code": n, "message": ...}} */
        m = cJSON_GetObjectItemCaseSensitive(e, "message");
        c = cJSON_GetObjectItemCaseSensitive(e, "grpc_code");
    } else if (!cJSON_IsString(e)) {
        return NULL;
    }
    if (cJSON_IsString(m) && m->valuestring[0] != '\0') {
        text = m->valuestring;
    } else if (cJSON_IsString(e)) {
        text = e->valuestring;
    }
    if (cJSON_IsNumber(c) && c->valuedouble >= 0 && c->valuedouble <= 99) {
        *code = (int)c->valuedouble;
    }
    if (text == NULL || text[0] == '\0') {
        return xstrdup("etcd error (no message)");
    }
    strbuf_add_escaped(&sb, text);
    if (sb.len > 300) {
        sb.len = 300;
        sb.buf[300] = '\0';
    }
    return strbuf_take(&sb);
}

/* A base64 field: absent = "" when optional. */
static int b64_field(const cJSON *obj, const char *name, bool optional, char **out, size_t *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    *out = NULL;
    *n = 0;
    if (v == NULL && optional) {
        *out = xstrdup("");
        return 0;
    }
    if (!cJSON_IsString(v)) {
        return -1;
    }
    return b64_decode(v->valuestring, strlen(v->valuestring), ETCD_MAX_VALUE, out, n);
}

static int parse_kv(const cJSON *obj, struct etcd_kv *kv)
{
    memset(kv, 0, sizeof(*kv));
    if (!cJSON_IsObject(obj) || b64_field(obj, "key", false, &kv->key, &kv->key_len) != 0 ||
        kv->key_len == 0 || b64_field(obj, "value", true, &kv->value, &kv->value_len) != 0 ||
        ej_i64(obj, "create_revision", 0, INT64_MAX, &kv->create_rev) != 0 ||
        ej_i64(obj, "mod_revision", 0, INT64_MAX, &kv->mod_rev) != 0 ||
        ej_i64(obj, "version", 0, INT64_MAX, &kv->version) != 0 ||
        ej_i64(obj, "lease", 0, INT64_MAX, &kv->lease) != 0) {
        free(kv->key);
        free(kv->value);
        memset(kv, 0, sizeof(*kv));
        return -1;
    }
    return 0;
}

void etcd_range_free(struct etcd_range *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->kvs[i].key);
        free(r->kvs[i].value);
    }
    free(r->kvs);
    memset(r, 0, sizeof(*r));
}

static bool opt_bool(const cJSON *obj, const char *name, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    *out = cJSON_IsTrue(v);
    return v == NULL || cJSON_IsBool(v);
}

int ej_range(const cJSON *obj, struct etcd_range *out, char **err)
{
    const cJSON *kvs = cJSON_GetObjectItemCaseSensitive(obj, "kvs"), *it;
    const cJSON *hdr = cJSON_GetObjectItemCaseSensitive(obj, "header");
    int n;

    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(obj) || !opt_bool(obj, "more", &out->more) ||
        ej_i64(obj, "count", 0, INT64_MAX, &out->count) != 0 ||
        (kvs != NULL && !cJSON_IsArray(kvs)) || (hdr != NULL && !cJSON_IsObject(hdr)) ||
        (hdr != NULL && ej_i64(hdr, "revision", 0, INT64_MAX, &out->revision) != 0)) {
        goto bad;
    }
    n = kvs ? cJSON_GetArraySize(kvs) : 0;
    if (n < 0) {
        goto bad;
    }
    out->kvs = xcalloc((size_t)n + 1, sizeof(*out->kvs));
    cJSON_ArrayForEach(it, kvs)
    {
        if ((int)out->n >= n || parse_kv(it, &out->kvs[out->n]) != 0) {
            goto bad;
        }
        out->n++;
    }
    return 0;
bad:
    etcd_range_free(out);
    kv_err(err, "malformed range response from etcd");
    return -1;
}

void etcd_txn_free(struct etcd_txn *t)
{
    for (size_t i = 0; i < t->n; i++) {
        etcd_range_free(&t->ops[i].range);
    }
    free(t->ops);
    memset(t, 0, sizeof(*t));
}

int ej_txn(const cJSON *obj, struct etcd_txn *out, char **err)
{
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(obj, "responses"), *it;
    const cJSON *hdr = cJSON_GetObjectItemCaseSensitive(obj, "header");
    int n;

    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(obj) || !opt_bool(obj, "succeeded", &out->succeeded) ||
        !cJSON_IsObject(hdr) || ej_i64(hdr, "revision", 1, INT64_MAX, &out->revision) != 0 ||
        (rs != NULL && !cJSON_IsArray(rs))) {
        goto bad;
    }
    n = rs ? cJSON_GetArraySize(rs) : 0;
    out->ops = xcalloc((size_t)n + 1, sizeof(*out->ops));
    cJSON_ArrayForEach(it, rs)
    {
        struct etcd_op_result *op = &out->ops[out->n];
        const cJSON *v;

        if ((int)out->n >= n || !cJSON_IsObject(it)) {
            goto bad;
        }
        if ((v = cJSON_GetObjectItemCaseSensitive(it, "response_range")) != NULL) {
            op->kind = EOP_RANGE;
            out->n++;
            if (ej_range(v, &op->range, NULL) != 0) {
                goto bad;
            }
        } else if ((v = cJSON_GetObjectItemCaseSensitive(it, "response_delete_range")) != NULL) {
            op->kind = EOP_DELETE;
            out->n++;
            if (!cJSON_IsObject(v) || ej_i64(v, "deleted", 0, INT64_MAX, &op->deleted) != 0) {
                goto bad;
            }
        } else if ((v = cJSON_GetObjectItemCaseSensitive(it, "response_txn")) != NULL) {
            op->kind = EOP_TXN;
            out->n++;
            if (!cJSON_IsObject(v) || !opt_bool(v, "succeeded", &op->nested_succeeded)) {
                goto bad;
            }
        } else if ((v = cJSON_GetObjectItemCaseSensitive(it, "response_put")) != NULL) {
            op->kind = EOP_PUT;
            out->n++;
            if (!cJSON_IsObject(v)) {
                goto bad;
            }
        } else {
            op->kind = EOP_OTHER;
            out->n++;
        }
    }
    return 0;
bad:
    etcd_txn_free(out);
    kv_err(err, "malformed txn response from etcd");
    return -1;
}

int ej_lease(const cJSON *obj, bool wrapped, int64_t *id, int64_t *ttl, char **err)
{
    const cJSON *r = wrapped ? cJSON_GetObjectItemCaseSensitive(obj, "result") : obj;
    const cJSON *e;

    *id = *ttl = 0;
    if (!cJSON_IsObject(r) || ej_i64(r, "ID", 0, INT64_MAX, id) != 0 ||
        ej_i64(r, "TTL", -1, INT64_MAX, ttl) != 0) {
        kv_err(err, "malformed lease response from etcd");
        return -1;
    }
    e = cJSON_GetObjectItemCaseSensitive(r, "error");
    if (cJSON_IsString(e) && e->valuestring[0] != '\0') {
        char *m = str_escaped(e->valuestring);
        kv_err(err, "etcd: %.300s", m);
        free(m);
        return -1;
    }
    return 0;
}

int ej_version(const cJSON *obj, int *major, int *minor, char **text)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "etcdserver");
    char buf[32], *dot1, *dot2;

    *text = NULL;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof(buf)) {
        return -1;
    }
    *text = str_escaped(v->valuestring);
    memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
    dot1 = strchr(buf, '.');
    if (dot1 == NULL) {
        return -1;
    }
    *dot1 = '\0';
    dot2 = strchr(dot1 + 1, '.');
    if (dot2 != NULL) {
        *dot2 = '\0';
    }
    if (str_to_int(buf, 0, 1000, major) != STR_INT_OK ||
        str_to_int(dot1 + 1, 0, 1000, minor) != STR_INT_OK) {
        return -1;
    }
    return 0;
}

/* ---- request bodies ---- */

void ej_add_b64(struct strbuf *sb, const char *name, const void *data, size_t n)
{
    char *b = b64_encode(data, n);

    strbuf_addf(sb, "\"%s\":\"%s\"", name, b);
    free(b);
}

char *ej_prefix_end(const char *prefix, size_t n, size_t *end_len)
{
    char *e = xstrndup(prefix, n);

    /* our prefixes end in '/' or a name character: never 0xff */
    while (n > 0 && (unsigned char)e[n - 1] == 0xff) {
        n--;
    }
    if (n > 0) {
        e[n - 1]++;
    }
    *end_len = n;
    return e;
}

static void sep(struct strbuf *arr)
{
    if (arr->len > 0) {
        strbuf_addc(arr, ',');
    }
}

void etx_cmp(struct strbuf *arr, const char *key, const char *target, int64_t value)
{
    const char *field = strcmp(target, "CREATE") == 0  ? "create_revision"
                        : strcmp(target, "MOD") == 0   ? "mod_revision"
                        : strcmp(target, "LEASE") == 0 ? "lease"
                                                       : "version";

    sep(arr);
    strbuf_addf(arr, "{\"result\":\"EQUAL\",\"target\":\"%s\",", target);
    ej_add_b64(arr, "key", key, strlen(key));
    strbuf_addf(arr, ",\"%s\":\"%lld\"}", field, (long long)value);
}

void etx_put(struct strbuf *arr, const char *key, const void *val, size_t vlen, int64_t lease)
{
    sep(arr);
    strbuf_add(arr, "{\"request_put\":{");
    ej_add_b64(arr, "key", key, strlen(key));
    strbuf_addc(arr, ',');
    ej_add_b64(arr, "value", val, vlen);
    if (lease != 0) {
        strbuf_addf(arr, ",\"lease\":\"%lld\"", (long long)lease);
    }
    strbuf_add(arr, "}}");
}

static void add_range_end(struct strbuf *arr, const char *key)
{
    size_t n;
    char *end = ej_prefix_end(key, strlen(key), &n);

    strbuf_addc(arr, ',');
    ej_add_b64(arr, "range_end", end, n);
    free(end);
}

void etx_delete(struct strbuf *arr, const char *key, bool prefix)
{
    sep(arr);
    strbuf_add(arr, "{\"request_delete_range\":{");
    ej_add_b64(arr, "key", key, strlen(key));
    if (prefix) {
        add_range_end(arr, key);
    }
    strbuf_add(arr, "}}");
}

void etx_range(struct strbuf *arr, const char *key, bool prefix, bool keys_only)
{
    sep(arr);
    strbuf_add(arr, "{\"request_range\":{");
    ej_add_b64(arr, "key", key, strlen(key));
    if (prefix) {
        add_range_end(arr, key);
        strbuf_add(arr, ",\"sort_order\":\"ASCEND\",\"sort_target\":\"CREATE\"");
    }
    if (keys_only) {
        strbuf_add(arr, ",\"keys_only\":true");
    }
    strbuf_add(arr, "}}");
}

void etx_nested(struct strbuf *arr, const struct etcd_txn_req *inner)
{
    sep(arr);
    strbuf_addf(
        arr, "{\"request_txn\":{\"compare\":[%s],\"success\":[%s],\"failure\":[%s]}}",
        strbuf_str(&inner->cmp), strbuf_str(&inner->ok), strbuf_str(&inner->ko)
    );
}

char *etx_body(const struct etcd_txn_req *t)
{
    return xasprintf(
        "{\"compare\":[%s],\"success\":[%s],\"failure\":[%s]}", strbuf_str(&t->cmp),
        strbuf_str(&t->ok), strbuf_str(&t->ko)
    );
}

void etx_free(struct etcd_txn_req *t)
{
    strbuf_free(&t->cmp);
    strbuf_free(&t->ok);
    strbuf_free(&t->ko);
}
