/* cli_json.c - ha-manager's JSON output: canonical (sorted keys), compact
 * or in Perl JSON's pretty layout (3-space indent, "key" : value, {} and []
 * when empty). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/cli/cli.h"
#include "state/str.h"

static void put_string(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            strbuf_add(sb, "\\\"");
            break;
        case '\\':
            strbuf_add(sb, "\\\\");
            break;
        case '\n':
            strbuf_add(sb, "\\n");
            break;
        case '\t':
            strbuf_add(sb, "\\t");
            break;
        case '\r':
            strbuf_add(sb, "\\r");
            break;
        case '\b':
            strbuf_add(sb, "\\b");
            break;
        case '\f':
            strbuf_add(sb, "\\f");
            break;
        default:
            if (*p < 0x20) {
                strbuf_addf(sb, "\\u%04x", *p);
            } else {
                strbuf_addn(sb, (const char *)p, 1);
            }
        }
    }
    strbuf_add(sb, "\"");
}

static void put_number(struct strbuf *sb, double d)
{
    if (!isfinite(d)) {
        strbuf_add(sb, "null");
    } else if (d == floor(d) && fabs(d) < 9e15) {
        strbuf_addf(sb, "%lld", (long long)d);
    } else {
        strbuf_addf(sb, "%.15g", d);
    }
}

static int cmp_child(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a;
    const cJSON *y = *(const cJSON *const *)b;

    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

const cJSON **cli_json_children(const cJSON *v, size_t *n)
{
    size_t i = 0;
    const cJSON *k;
    const cJSON **kids;

    *n = (size_t)cJSON_GetArraySize(v);
    kids = xcalloc(*n + 1, sizeof(const cJSON *));
    cJSON_ArrayForEach(k, v)
    {
        kids[i++] = k;
    }
    if (cJSON_IsObject(v)) {
        qsort((void *)kids, *n, sizeof(const cJSON *), cmp_child);
    }
    return kids;
}

static void indent(struct strbuf *sb, size_t depth)
{
    for (size_t i = 0; i < depth * 3; i++) {
        strbuf_add(sb, " ");
    }
}

/* A value that holds no other: string, number, true, false or null. */
static void put_scalar(struct strbuf *sb, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        put_string(sb, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        put_number(sb, v->valuedouble);
    } else if (cJSON_IsTrue(v)) {
        strbuf_add(sb, "true");
    } else if (cJSON_IsFalse(v)) {
        strbuf_add(sb, "false");
    } else {
        strbuf_add(sb, "null");
    }
}

/* An object or array being written: its members in output order and the
 * next one to write. */
struct json_frame {
    const cJSON **kids;
    size_t n, next;
    bool obj;
};

/* Open v: its bracket, and its frame on the stack. */
static void
json_push(struct strbuf *sb, struct json_frame **st, size_t *depth, size_t *cap, const cJSON *v)
{
    if (*depth == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *st = xrealloc(*st, *cap * sizeof(**st));
    }
    struct json_frame *f = &(*st)[(*depth)++];
    f->obj = cJSON_IsObject(v);
    f->kids = cli_json_children(v, &f->n);
    f->next = 0;
    strbuf_add(sb, f->obj ? "{" : "[");
}

/* Depth first with an explicit stack of open objects and arrays (a store
 * value may nest deeply); the depth of a frame is its indent. */
static void put_value(struct strbuf *sb, const cJSON *v, bool pretty)
{
    struct json_frame *st = NULL;
    size_t depth = 0, cap = 0;

    if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
        put_scalar(sb, v);
        return;
    }
    json_push(sb, &st, &depth, &cap, v);
    while (depth > 0) {
        struct json_frame *f = &st[depth - 1];
        if (f->next == f->n) {
            if (pretty && f->n > 0) {
                strbuf_add(sb, "\n");
                indent(sb, depth - 1);
            }
            strbuf_add(sb, f->obj ? "}" : "]");
            free(f->kids);
            depth--;
            continue;
        }
        const cJSON *kid = f->kids[f->next++];
        strbuf_add(sb, f->next > 1 ? "," : "");
        if (pretty) {
            strbuf_add(sb, "\n");
            indent(sb, depth);
        }
        if (f->obj) {
            put_string(sb, kid->string);
            strbuf_add(sb, pretty ? " : " : ":");
        }
        if (cJSON_IsArray(kid) || cJSON_IsObject(kid)) {
            json_push(sb, &st, &depth, &cap, kid);
        } else {
            put_scalar(sb, kid);
        }
    }
    free(st);
}

void cli_json_print(const cJSON *v, bool pretty)
{
    struct strbuf sb = {0};

    put_value(&sb, v, pretty);
    strbuf_add(&sb, "\n");
    fwrite(strbuf_str(&sb), 1, sb.len, stdout);
    strbuf_free(&sb);
}

void cli_json_output(const struct cli *c, const cJSON *v)
{
    const char *quiet = cli_param(c, "quiet");

    if (quiet != NULL && strcmp(quiet, "1") == 0) { /* print_api_result */
        return;
    }
    if (c->fmt == FMT_YAML) {
        cli_yaml_print(v);
    } else {
        cli_json_print(v, c->fmt == FMT_JSON_PRETTY);
    }
}

void cli_json_add_int(cJSON *o, const char *key, int64_t v)
{
    cJSON_AddItemToObject(o, key, cJSON_CreateNumber((double)v));
}

void cli_json_add_str(cJSON *o, const char *key, const char *v)
{
    if (v != NULL) {
        cJSON_AddItemToObject(o, key, cJSON_CreateString(v));
    }
}
