/* etcd_client.c - the etcd gateway's calls (range, put, delete, txn,
 * leases, authentication) over kv/etcd/http.c, with the gateway's errors
 * turned into one-line texts. */
#include "kv/etcd/etcd_int.h"
#include "kv/store.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRPC_RESOURCE_EXHAUSTED 8
#define GRPC_UNAUTHENTICATED 16

char *etcd_key(const struct etcd_store *s, const char *path)
{
    return xasprintf("%s/%s", s->prefix, path);
}

int64_t etcd_deadline(const struct etcd_store *s)
{
    return kv_now_ms() + s->call_ms;
}

static bool auth_error(int code, const char *msg)
{
    return code == GRPC_UNAUTHENTICATED || strstr(msg, "invalid auth token") != NULL ||
           strstr(msg, "user name is empty") != NULL;
}

/* The error text of a non-200 answer; *auth: etcd wants a (new) token;
 * *code: etcd's gRPC code, -1 when the answer is not an etcd error. */
static char *answer_error(const struct http_response *r, size_t req_len, bool *auth, int *code)
{
    cJSON *j = ej_parse(r->body, r->len, NULL);
    char *msg = j ? ej_error(j, code) : NULL, *out;

    cJSON_Delete(j);
    *auth = msg != NULL && auth_error(*code, msg);
    if (msg != NULL && (*code == GRPC_RESOURCE_EXHAUSTED || strstr(msg, "too large") != NULL ||
                        strstr(msg, "larger than max") != NULL)) {
        out = xasprintf(
            "etcd refused a request of %zu bytes: over its request limit (1.5 MiB by default, "
            "etcd's --max-request-bytes) - %s",
            req_len, msg
        );
    } else if (msg != NULL && strstr(msg, "user name is empty") != NULL) {
        out = xasprintf(
            "etcd: authentication required (set etcd_user and etcd_password_file) - %s", msg
        );
    } else if (msg != NULL) {
        out = xasprintf("etcd: %s", msg);
    } else {
        out = xasprintf("unexpected answer from etcd (HTTP %d, not an etcd error)", r->status);
    }
    free(msg);
    return out;
}

/* POST q (path relative to the gateway's prefix): the JSON object of a
 * 200 answer; a token that expired is renewed once and the call repeated. */
static int post(struct etcd_store *s, struct http_req *q, cJSON **out, char **err)
{
    char *url = xasprintf("%s%s", s->api, q->path);
    bool retried = false;
    int rc = -1;

    *out = NULL;
    q->method = "POST";
    q->path = url;
    q->len = strlen(q->body);
    if (q->deadline == 0) {
        q->deadline = etcd_deadline(s);
    }
    for (;;) {
        struct http_response r;
        bool auth = false;
        char *e;

        s->refused = -1;
        if (http_call(&s->http, q, &r, err) != 0) {
            break;
        }
        if (r.status == 200) {
            *out = ej_parse(r.body, r.len, err);
            http_response_free(&r);
            rc = *out ? 0 : -1;
            break;
        }
        e = answer_error(&r, q->len, &auth, &s->refused);
        http_response_free(&r);
        if (!auth || retried || s->user == NULL || etcd_authenticate(s, q->deadline, NULL) != 0) {
            kv_err(err, "%s", e);
            free(e);
            break;
        }
        free(e);
        retried = true;
    }
    free(url);
    return rc;
}

int etcd_post(
    struct etcd_store *s,
    const char *path,
    const char *body,
    int64_t deadline,
    cJSON **out,
    char **err
)
{
    struct http_req q = {.path = path, .body = body, .deadline = deadline, .idempotent = true};

    return post(s, &q, out, err);
}

int etcd_post_once(
    struct etcd_store *s,
    const char *path,
    const char *body,
    int64_t deadline,
    cJSON **out,
    char **err
)
{
    struct http_req q = {.path = path, .body = body, .deadline = deadline, .idempotent = false};

    return post(s, &q, out, err);
}

int etcd_authenticate(struct etcd_store *s, int64_t deadline, char **err)
{
    cJSON *req = cJSON_CreateObject(), *j = NULL;
    const cJSON *tok;
    struct http_response r;
    char *body, *url = xasprintf("%s/auth/authenticate", s->api);
    int rc = -1;

    cJSON_AddStringToObject(req, "name", s->user);
    cJSON_AddStringToObject(req, "password", s->password ? s->password : "");
    body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (body == NULL) {
        kv_err(err, "out of memory");
        free(url);
        return -1;
    }
    free(s->http.auth);
    s->http.auth = NULL;
    struct http_req q = {"POST", url, body, strlen(body), deadline, true};

    if (http_call(&s->http, &q, &r, err) == 0) {
        if (r.status != 200) {
            bool auth;
            int code = -1;
            char *m = answer_error(&r, strlen(body), &auth, &code);
            kv_err(err, "etcd authentication as '%s' failed: %s", s->user, m);
            free(m);
        } else if ((j = ej_parse(r.body, r.len, err)) != NULL) {
            tok = cJSON_GetObjectItemCaseSensitive(j, "token");
            if (cJSON_IsString(tok) && tok->valuestring[0] != '\0' &&
                strlen(tok->valuestring) < 4096 && !str_has_ctl(tok->valuestring)) {
                s->http.auth = xstrdup(tok->valuestring);
                rc = 0;
            } else {
                kv_err(err, "etcd authentication as '%s' failed: no token", s->user);
            }
            cJSON_Delete(j);
        }
        http_response_free(&r);
    }
    free(body);
    free(url);
    return rc;
}

static void add_range_opts(struct strbuf *sb, const char *key, const struct etcd_range_opts *o)
{
    const char *start = o->from ? o->from : key;

    strbuf_addc(sb, '{');
    ej_add_b64(sb, "key", start, strlen(start));
    if (o->prefix) {
        size_t n;
        char *end = ej_prefix_end(key, strlen(key), &n);

        strbuf_addc(sb, ',');
        ej_add_b64(sb, "range_end", end, n);
        free(end);
    }
    if (o->keys_only) {
        strbuf_add(sb, ",\"keys_only\":true");
    }
    if (o->count_only) {
        strbuf_add(sb, ",\"count_only\":true");
    }
    if (o->by_create) {
        strbuf_add(sb, ",\"sort_order\":\"ASCEND\",\"sort_target\":\"CREATE\"");
    }
    if (o->limit > 0) {
        strbuf_addf(sb, ",\"limit\":\"%lld\"", (long long)o->limit);
    }
    if (o->revision > 0) {
        strbuf_addf(sb, ",\"revision\":\"%lld\"", (long long)o->revision);
    }
    strbuf_addc(sb, '}');
}

int etcd_range(
    struct etcd_store *s,
    const char *key,
    const struct etcd_range_opts *o,
    int64_t deadline,
    struct etcd_range *out,
    char **err
)
{
    static const struct etcd_range_opts none;
    struct strbuf sb = {0};
    cJSON *j;
    int rc;

    memset(out, 0, sizeof(*out));
    add_range_opts(&sb, key, o ? o : &none);
    rc = etcd_post(s, "/kv/range", sb.buf, deadline, &j, err);
    strbuf_free(&sb);
    if (rc == 0) {
        rc = ej_range(j, out, err);
        cJSON_Delete(j);
    }
    return rc;
}

int etcd_put(
    struct etcd_store *s, const struct etcd_put_req *p, int64_t deadline, int64_t *rev, char **err
)
{
    struct strbuf sb = {0};
    cJSON *j;
    int rc;

    strbuf_addc(&sb, '{');
    ej_add_b64(&sb, "key", p->key, strlen(p->key));
    strbuf_addc(&sb, ',');
    ej_add_b64(&sb, "value", p->val, p->len);
    if (p->lease != 0) {
        strbuf_addf(&sb, ",\"lease\":\"%lld\"", (long long)p->lease);
    }
    strbuf_addc(&sb, '}');
    rc = etcd_post(s, "/kv/put", sb.buf, deadline, &j, err);
    strbuf_free(&sb);
    if (rc == 0 && rev != NULL) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "header");
        if (!cJSON_IsObject(h) || ej_i64(h, "revision", 1, INT64_MAX, rev) != 0) {
            kv_err(err, "malformed put response from etcd");
            rc = -1;
        }
    }
    cJSON_Delete(j);
    return rc;
}

int etcd_delete(struct etcd_store *s, const char *key, bool prefix, int64_t deadline, char **err)
{
    struct strbuf sb = {0};
    cJSON *j;
    int rc;

    strbuf_addc(&sb, '{');
    ej_add_b64(&sb, "key", key, strlen(key));
    if (prefix) {
        size_t n;
        char *end = ej_prefix_end(key, strlen(key), &n);

        strbuf_addc(&sb, ',');
        ej_add_b64(&sb, "range_end", end, n);
        free(end);
    }
    strbuf_addc(&sb, '}');
    rc = etcd_post(s, "/kv/deleterange", sb.buf, deadline, &j, err);
    strbuf_free(&sb);
    cJSON_Delete(j);
    return rc;
}

int etcd_txn(
    struct etcd_store *s,
    const struct etcd_txn_req *t,
    int64_t deadline,
    bool idempotent,
    struct etcd_txn *out,
    char **err
)
{
    char *body = etx_body(t);
    cJSON *j;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = idempotent ? etcd_post(s, "/kv/txn", body, deadline, &j, err)
                    : etcd_post_once(s, "/kv/txn", body, deadline, &j, err);
    free(body);
    if (rc == 0) {
        rc = ej_txn(j, out, err);
        cJSON_Delete(j);
    }
    return rc;
}

int etcd_lease_grant(
    struct etcd_store *s, int64_t ttl_s, int64_t deadline, int64_t *id, int64_t *ttl, char **err
)
{
    char *body = xasprintf("{\"TTL\":\"%lld\"}", (long long)ttl_s);
    cJSON *j;
    int rc;

    rc = etcd_post(s, "/lease/grant", body, deadline, &j, err);
    free(body);
    if (rc == 0) {
        rc = ej_lease(j, false, id, ttl, err);
        cJSON_Delete(j);
        if (rc == 0 && (*id <= 0 || *ttl <= 0)) {
            kv_err(err, "etcd granted no lease");
            rc = -1;
        }
    }
    return rc;
}

int etcd_lease_keepalive(
    struct etcd_store *s, int64_t id, int64_t deadline, int64_t *ttl, char **err
)
{
    char *body = xasprintf("{\"ID\":\"%lld\"}", (long long)id);
    int64_t got_id;
    cJSON *j;
    int rc;

    rc = etcd_post(s, "/lease/keepalive", body, deadline, &j, err);
    free(body);
    if (rc == 0) {
        int code;
        char *m = ej_error(j, &code);

        if (m != NULL) {
            kv_err(err, "etcd: %s", m);
            free(m);
            rc = -1;
        } else {
            rc = ej_lease(j, true, &got_id, ttl, err);
            if (rc == 0 && got_id != id) {
                kv_err(err, "etcd answered a keep-alive for another lease");
                rc = -1;
            }
        }
        cJSON_Delete(j);
    }
    if (rc == 0 && *ttl < 0) {
        *ttl = 0;
    }
    return rc;
}

int etcd_lease_revoke(struct etcd_store *s, int64_t id, int64_t deadline, char **err)
{
    char *body = xasprintf("{\"ID\":\"%lld\"}", (long long)id), *e = NULL;
    cJSON *j;
    int rc;

    rc = etcd_post(s, "/lease/revoke", body, deadline, &j, &e);
    free(body);
    cJSON_Delete(j);
    if (rc != 0 && s->refused == GRPC_NOT_FOUND) {
        rc = 0; /* gone already: revoked */
    }
    if (rc != 0) {
        kv_err(err, "%s", e);
    }
    free(e);
    return rc;
}
