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

static void indent(struct strbuf *sb, int depth)
{
    for (int i = 0; i < depth * 3; i++) {
        strbuf_add(sb, " ");
    }
}

/* NOLINTNEXTLINE(misc-no-recursion): cJSON's parse limit bounds the nesting */
static void put_value(struct strbuf *sb, const cJSON *v, bool pretty, int depth)
{
    if (cJSON_IsString(v)) {
        put_string(sb, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        put_number(sb, v->valuedouble);
    } else if (cJSON_IsTrue(v)) {
        strbuf_add(sb, "true");
    } else if (cJSON_IsFalse(v)) {
        strbuf_add(sb, "false");
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        bool obj = cJSON_IsObject(v);
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        const cJSON **kids = xcalloc(n ? n : 1, sizeof(const cJSON *));
        const cJSON *k;

        cJSON_ArrayForEach(k, v)
        {
            kids[i++] = k;
        }
        if (obj) {
            qsort((void *)kids, n, sizeof(const cJSON *), cmp_child);
        }
        strbuf_add(sb, obj ? "{" : "[");
        for (i = 0; i < n; i++) {
            strbuf_add(sb, i ? "," : "");
            if (pretty) {
                strbuf_add(sb, "\n");
                indent(sb, depth + 1);
            }
            if (obj) {
                put_string(sb, kids[i]->string);
                strbuf_add(sb, pretty ? " : " : ":");
            }
            put_value(sb, kids[i], pretty, depth + 1); /* NOLINT(misc-no-recursion) */
        }
        if (pretty && n > 0) {
            strbuf_add(sb, "\n");
            indent(sb, depth);
        }
        strbuf_add(sb, obj ? "}" : "]");
        free(kids);
    } else {
        strbuf_add(sb, "null");
    }
}

void cli_json_print(const cJSON *v, bool pretty)
{
    struct strbuf sb = {0};

    put_value(&sb, v, pretty, 0);
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
