/* codec_json.c - the cJSON helpers shared by the JSON codecs (codec_json.h).
 *
 * Readers follow upstream's looseness: Perl writes numbers as strings or
 * numbers depending on how a value was last used, so scalars are accepted in
 * either form, and unknown keys are ignored. Anything of the wrong shape is
 * an error with a one-line message, never a crash. Duplicate object keys
 * keep the last value (as Perl's JSON does). Writers emit compact JSON with
 * keys sorted at every level, since cJSON keeps insertion order. Users:
 * codec_status.c (manager and LRM status), codec_dc.c (datacenter.cfg) and
 * the simulator's applets/sim/sim_codec.c. */
#include "state/codec_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "state/str.h"

int cj_fail(char **err, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        free(*err);
        va_start(ap, fmt);
        *err = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool is_blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        s++;
    }
    return *s == '\0';
}

cJSON *cj_parse_object(const char *json, const char *what, char **err)
{
    const char *end = NULL;
    cJSON *root;
    size_t line = 1;

    if (err != NULL) {
        *err = NULL;
    }
    if (json == NULL || is_blank(json)) {
        return cJSON_CreateObject();
    }
    root = cJSON_ParseWithOpts(json, &end, true);
    if (root == NULL) {
        for (const char *p = json; end != NULL && p < end && *p != '\0'; p++) {
            line += *p == '\n';
        }
        cj_fail(err, "%s: invalid JSON at line %zu", what, line);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        cj_fail(err, "%s: not a JSON object", what);
        return NULL;
    }
    return root;
}

/* Canonical decimal integers are written as JSON numbers. */
bool cj_is_canonical_int(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 15 || (s[0] == '0' && n > 1)) {
        return false;
    }
    return strspn(s, "0123456789") == n;
}

int cj_get_str(const cJSON *it, char **out)
{
    char buf[64];

    *out = NULL;
    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring != NULL) {
        *out = xstrdup(it->valuestring);
    } else if (cJSON_IsBool(it)) {
        *out = xstrdup(cJSON_IsTrue(it) ? "1" : "0");
    } else if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;

        if (d == floor(d) && fabs(d) < 1e15) {
            snprintf(buf, sizeof(buf), "%.0f", d);
        } else {
            snprintf(buf, sizeof(buf), "%.17g", d);
        }
        *out = xstrdup(buf);
    } else {
        return -1;
    }
    return 0;
}

static int str_to_int64(const char *s, int64_t *out)
{
    long long v;

    if (str_to_ll(s, INT64_MIN, INT64_MAX, &v) != STR_INT_OK) {
        return -1;
    }
    *out = v;
    return 0;
}

int cj_get_int64(const cJSON *it, int64_t *out)
{
    if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring != NULL) {
        return str_to_int64(it->valuestring, out);
    }
    if (!cJSON_IsNumber(it)) {
        return -1;
    }
    /* 2^63 is exactly representable; anything >= it does not fit */
    if (!(it->valuedouble >= -9223372036854775808.0 && it->valuedouble < 9223372036854775808.0)) {
        return -1;
    }
    if (it->valuedouble != floor(it->valuedouble)) {
        return -1;
    }
    *out = (int64_t)it->valuedouble;
    return 0;
}

int cj_get_int(const cJSON *it, int min, int max, int *out)
{
    int64_t v;

    if (cj_get_int64(it, &v) < 0 || v < min || v > max) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cj_get_double(const cJSON *it, double *out)
{
    if (cJSON_IsNumber(it)) { /* 1e999 reads as inf */
        if (!isfinite(it->valuedouble)) {
            return -1;
        }
        *out = it->valuedouble;
        return 0;
    }
    if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
        return 0;
    }
    if (!cJSON_IsString(it) || it->valuestring == NULL) {
        return -1;
    }
    return str_to_double(it->valuestring, out);
}

/* Perl truthiness: false, null, 0, "" and "0" are false. */
int cj_get_truth(const cJSON *it, bool *out)
{
    if (it == NULL || cJSON_IsNull(it)) {
        *out = false;
    } else if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
    } else if (cJSON_IsNumber(it)) {
        *out = it->valuedouble != 0;
    } else if (cJSON_IsString(it) && it->valuestring != NULL) {
        *out = it->valuestring[0] != '\0' && strcmp(it->valuestring, "0") != 0;
    } else {
        return -1;
    }
    return 0;
}

struct cj_kid {
    const cJSON *it;
    size_t idx;
};

static int kid_cmp(const void *a, const void *b)
{
    const struct cj_kid *x = a, *y = b;
    int c = strcmp(x->it->string, y->it->string);

    if (c != 0) {
        return c;
    }
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

const cJSON **cj_sorted_children(const cJSON *obj, size_t *n)
{
    struct cj_kid *kids;
    const cJSON **out;
    size_t count = 0, k = 0;

    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        count++;
    }
    kids = xcalloc(count, sizeof(*kids));
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        kids[k].it = c;
        kids[k].idx = k;
        k++;
    }
    for (k = 1; k < count && kid_cmp(&kids[k - 1], &kids[k]) < 0; k++) {
    }
    if (k < count) { /* our own writers sort already: skip the sort then */
        qsort(kids, count, sizeof(*kids), kid_cmp);
    }
    out = xcalloc(count, sizeof(const cJSON *));
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        bool last = i + 1 == count || strcmp(kids[i].it->string, kids[i + 1].it->string) != 0;

        if (last) {
            out[(*n)++] = kids[i].it;
        }
    }
    free(kids);
    return out;
}

const cJSON *cj_member(const cJSON *obj, const char *key)
{
    const cJSON *found = NULL;

    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        if (c->string != NULL && strcmp(c->string, key) == 0) {
            found = c; /* the last one wins */
        }
    }
    return found;
}

/* A member that must be an object, or absent/null (then *out = NULL). */
int cj_member_object(const cJSON *obj, const char *key, const cJSON **out)
{
    const cJSON *it = cj_member(obj, key);

    *out = NULL;
    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    if (!cJSON_IsObject(it)) {
        return -1;
    }
    *out = it;
    return 0;
}

char *cj_print(cJSON *root)
{
    char *s = cJSON_PrintUnformatted(root);
    char *out;

    cJSON_Delete(root);
    if (s == NULL) {
        str_oom_hook();
        return xstrdup("{}");
    }
    out = xstrdup(s);
    cJSON_free(s);
    return out;
}

const unsigned char json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1,
};

/* The JSON escape of a byte that needs one; u is room for \u00XX. */
static const char *json_escape(unsigned char c, char u[7])
{
    static const char hex[] = "0123456789abcdef";

    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        u[0] = '\\';
        u[1] = 'u';
        u[2] = '0';
        u[3] = '0';
        u[4] = hex[c >> 4];
        u[5] = hex[c & 15];
        u[6] = '\0';
        return u;
    }
}

void jw_string(struct strbuf *sb, const char *s)
{
    const char *run = s;
    size_t plain = 0;

    while (!json_special[(unsigned char)s[plain]]) {
        plain++;
    }
    if (s[plain] == '\0') { /* the usual case: nothing to escape */
        char *p = strbuf_extend(sb, plain + 2);
        p[0] = '"';
        memcpy(p + 1, s, plain);
        p[plain + 1] = '"';
        return;
    }
    strbuf_addn(sb, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char u[7];
        if (c >= 32 && c != '"' && c != '\\') {
            continue;
        }
        strbuf_addn(sb, run, (size_t)(s - run));
        run = s + 1;
        strbuf_add(sb, json_escape(c, u));
    }
    strbuf_addn(sb, run, (size_t)(s - run));
    strbuf_addn(sb, "\"", 1);
}

void jw_key(struct strbuf *sb, const char *key, bool *first)
{
    if (!*first) {
        strbuf_addc(sb, ',');
    }
    *first = false;
    jw_string(sb, key);
    strbuf_addc(sb, ':');
}

void jw_key_lit(struct strbuf *sb, const char *quoted, size_t n, bool *first)
{
    if (*first) { /* skip the comma the literal starts with */
        quoted++;
        n--;
    }
    *first = false;
    strbuf_addn(sb, quoted, n);
}

void jw_int(struct strbuf *sb, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

    strbuf_addn(sb, buf, (size_t)n);
}

void jw_loose_num(struct strbuf *sb, const char *val)
{
    if (cj_is_canonical_int(val)) {
        strbuf_add(sb, val); /* at most 15 digits: cJSON prints them as they are */
    } else {
        jw_string(sb, val);
    }
}

void cj_add_loose_num(cJSON *obj, const char *key, const char *val)
{
    if (cj_is_canonical_int(val)) {
        cJSON_AddNumberToObject(obj, key, strtod(val, NULL));
    } else {
        cJSON_AddStringToObject(obj, key, val);
    }
}
