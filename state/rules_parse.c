/* rules_parse.c - section-config reader for rules.cfg and groups.cfg.
 *
 * Upstream never fails a whole file: bad headers skip their section, bad
 * lines and values are warned about and left out, and a rule that ends up
 * without a required key stays as an inert placeholder. */
#include "state/rules.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "state/rules_impl.h"
#include "state/str.h"

/* Callbacks of one file type. begin() returns NULL to accept a section, or
 * why it is skipped; prop() returns NULL, or why the key is rejected. */
struct sc_ops {
    void *ctx;
    const char *(*begin)(void *ctx, const char *type, const char *id);
    const char *(*prop)(void *ctx, const char *key, const char *val);
    void (*end)(void *ctx);
};

struct sc_line {
    const char *s;
    size_t len;
    int no;
};

struct sc_reader {
    const char *pos;
    int no;
    struct rules_msgs *warn;
};

static void sc_warn(struct sc_reader *rd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sc_warn(struct sc_reader *rd, const char *fmt, ...)
{
    va_list ap;

    if (rd->warn == NULL) {
        return;
    }
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    msgs_add(rd->warn, xasprintf("line %d: %s", rd->no, msg));
    free(msg);
}

/* Next line that is not a comment (first non-blank is '#'); lines are
 * split on '\n' only. */
static bool sc_next(struct sc_reader *rd, struct sc_line *ln)
{
    while (rd->pos != NULL && *rd->pos != '\0') {
        const char *end = strchr(rd->pos, '\n');
        size_t len = end ? (size_t)(end - rd->pos) : strlen(rd->pos);
        const char *s = rd->pos;

        rd->pos = end ? end + 1 : NULL;
        rd->no++;
        size_t i = 0;
        while (i < len && isspace((unsigned char)s[i])) {
            i++;
        }
        if (i < len && s[i] == '#') {
            continue;
        }
        *ln = (struct sc_line){s, len, rd->no};
        return true;
    }
    return false;
}

static size_t skip_space(const char *s, size_t i, size_t len)
{
    while (i < len && isspace((unsigned char)s[i])) {
        i++;
    }
    return i;
}

static size_t skip_word(const char *s, size_t i, size_t len)
{
    while (i < len && !isspace((unsigned char)s[i])) {
        i++;
    }
    return i;
}

/* ^(\S+):\s*(\S+)\s*$ with a greedy first group: the type ends at the
 * last colon that still leaves a non-empty id. */
static bool sc_header(const struct sc_line *ln, char **type, char **id)
{
    const char *s = ln->s;
    size_t len = ln->len, w1 = skip_word(s, 0, len);

    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    if (w1 == 0) {
        return false;
    }
    size_t colon = 0, id_start;
    if (w1 == len) {
        /* One word: the last colon with something on both sides. */
        for (size_t i = len - 1; i-- > 1;) {
            if (s[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon == 0) {
            return false;
        }
        id_start = colon + 1;
    } else {
        id_start = skip_space(s, w1, len);
        if (s[w1 - 1] != ':' || w1 < 2 || skip_word(s, id_start, len) != len) {
            return false;
        }
        colon = w1 - 1;
    }
    *type = xstrndup(s, colon);
    for (char *p = *type; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    *id = xstrndup(s + id_start, len - id_start);
    return true;
}

/* ^\s+(\S+)(\s+(.*\S))?\s*$ */
static bool sc_prop(const struct sc_line *ln, char **key, char **val)
{
    const char *s = ln->s;
    size_t len = ln->len, k = skip_space(s, 0, len);

    if (k == 0 || k == len) {
        return false;
    }
    size_t kend = skip_word(s, k, len), v = skip_space(s, kend, len);
    while (len > v && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    *key = xstrndup(s + k, kend - k);
    *val = v < len ? xstrndup(s + v, len - v) : NULL;
    return true;
}

static void sc_section(struct sc_reader *rd, const struct sc_ops *ops, const char *err)
{
    struct sc_line ln;

    /* A section ends at an empty line, or at "0" (Perl falsiness quirk). */
    while (sc_next(rd, &ln) && ln.len > 0 && !(ln.len == 1 && ln.s[0] == '0')) {
        char *key, *val;
        if (err != NULL) {
            continue;
        }
        if (!sc_prop(&ln, &key, &val)) {
            sc_warn(rd, "ignore config line: %.*s", (int)ln.len, ln.s);
            continue;
        }
        const char *why = ops->prop(ops->ctx, key, val);
        if (why != NULL) {
            sc_warn(rd, "unable to parse value of '%s': %s", key, why);
        }
        free(key);
        free(val);
    }
    if (err == NULL) {
        ops->end(ops->ctx);
    }
}

static void sc_parse(const char *text, const struct sc_ops *ops, struct rules_msgs *warn)
{
    struct sc_reader rd = {text, 0, warn};
    struct sc_line ln;
    char *type, *id;

    while (sc_next(&rd, &ln)) {
        if (ln.len == 0 || (ln.len == 1 && ln.s[0] == '0')) {
            continue;
        }
        if (!sc_header(&ln, &type, &id)) {
            sc_warn(&rd, "ignore config line: %.*s", (int)ln.len, ln.s);
            continue;
        }
        const char *err = ops->begin(ops->ctx, type, id);
        if (err != NULL) {
            sc_warn(&rd, "skip section '%s': %s", id, err);
        }
        sc_section(&rd, ops, err);
        free(type);
        free(id);
    }
}

/* PVE config id: ^[A-Za-z][A-Za-z0-9_-]+$ */
static bool valid_configid(const char *id)
{
    if (!isalpha((unsigned char)id[0]) || id[1] == '\0') {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
            return false;
        }
    }
    return true;
}

/* ^[a-z]+:\S+$ (entries never contain white space here) */
static bool valid_sid(const char *s)
{
    const char *p = s;

    while (*p >= 'a' && *p <= 'z') {
        p++;
    }
    return p > s && *p == ':' && p[1] != '\0';
}

/* ^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(:\d+)?$ ; the priority saturates. */
static bool parse_node(const char *s, char **node, long long *prio)
{
    size_t n = strcspn(s, ":");

    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '-') {
            return false;
        }
    }
    *prio = 0;
    if (s[n] == ':') {
        const char *d = s + n + 1;
        if (*d == '\0') {
            return false;
        }
        for (; *d; d++) {
            if (!isdigit((unsigned char)*d)) {
                return false;
            }
            int digit = *d - '0';
            *prio = *prio > (LLONG_MAX - digit) / 10 ? LLONG_MAX : *prio * 10 + digit;
        }
    }
    *node = xstrndup(s, n);
    return true;
}

/* Splits on runs of ',', ';' and white space; empty fields vanish. A list
 * of nothing ("resources ,") is rejected like a missing value: the writer
 * could not write it back so that it reads as present. */
static struct rules_msgs split_list(const char *val)
{
    struct rules_msgs out = {0};
    const char *sep = ",; \t\n\v\f\r";

    for (const char *p = val; *p;) {
        p += strspn(p, sep);
        size_t n = strcspn(p, sep);
        if (n > 0) {
            msgs_add(&out, xstrndup(p, n));
        }
        p += n;
    }
    return out;
}

static const char *parse_sids(const char *val, struct rules_set *out)
{
    struct rules_msgs items = split_list(val);
    const char *err = items.n == 0 ? "empty list" : NULL;

    for (size_t i = 0; i < items.n && err == NULL; i++) {
        if (!valid_sid(items.v[i])) {
            err = "invalid resource id";
        }
    }
    for (size_t i = 0; i < items.n && err == NULL; i++) {
        rset_add(out, items.v[i]);
    }
    rules_msgs_free(&items);
    return err;
}

/* One invalid entry rejects the whole list; nothing is stored then. */
static const char *parse_nodes(const char *val, struct rule_node **v, size_t *n)
{
    struct rules_msgs items = split_list(val);
    struct rule_node *nodes = NULL;
    size_t n_nodes = 0;
    const char *err = items.n == 0 ? "empty list" : NULL;

    for (size_t i = 0; i < items.n && err == NULL; i++) {
        char *node;
        long long prio;
        if (!parse_node(items.v[i], &node, &prio)) {
            err = "invalid node";
            break;
        }
        nodes_set(&nodes, &n_nodes, node, prio);
        free(node);
    }
    rules_msgs_free(&items);
    if (err != NULL) {
        nodes_free(nodes, n_nodes);
        return err;
    }
    *v = nodes;
    *n = n_nodes;
    return NULL;
}

/* Booleans: only 0 and 1; a bare key means 1. */
static const char *parse_bool(const char *val, bool *has, int *out)
{
    if (*has) {
        return "duplicate attribute";
    }
    if (val != NULL && strcmp(val, "0") != 0 && strcmp(val, "1") != 0) {
        return "invalid boolean";
    }
    *out = val == NULL || val[0] == '1';
    *has = true;
    return NULL;
}

static const char *parse_comment(const char *val, char **out)
{
    if (*out != NULL) {
        return "duplicate attribute";
    }
    if (val == NULL) {
        return "missing value";
    }
    *out = xstrdup(val);
    return NULL;
}

struct rules_ctx {
    struct rules *r;
    struct rule cur;
    char *id;
    int next_order;
};

static const char *rules_begin(void *ctx, const char *type, const char *id)
{
    struct rules_ctx *c = ctx;

    memset(&c->cur, 0, sizeof(c->cur));
    if (strcmp(type, "node-affinity") == 0) {
        c->cur.type = RULE_NODE_AFFINITY;
    } else if (strcmp(type, "resource-affinity") == 0) {
        c->cur.type = RULE_RESOURCE_AFFINITY;
    } else {
        return "unknown section type";
    }
    if (!valid_configid(id)) {
        return "invalid rule id";
    }
    c->id = xstrdup(id);
    return NULL;
}

static const char *rules_prop_na(struct rule *rule, const char *key, const char *val)
{
    if (strcmp(key, "strict") == 0) {
        return parse_bool(val, &rule->has_strict, &rule->strict);
    }
    if (strcmp(key, "nodes") != 0) {
        return "unexpected property";
    }
    if (rule->has_nodes) {
        return "duplicate attribute";
    }
    if (val == NULL) {
        return "missing value";
    }
    const char *err = parse_nodes(val, &rule->nodes, &rule->n_nodes);
    rule->has_nodes = err == NULL;
    return err;
}

static const char *rules_prop_ra(struct rule *rule, const char *key, const char *val)
{
    if (strcmp(key, "affinity") != 0) {
        return "unexpected property";
    }
    if (rule->affinity != RULE_AFFINITY_NONE) {
        return "duplicate attribute";
    }
    if (str_eq(val, "positive")) {
        rule->affinity = RULE_POSITIVE;
    } else if (str_eq(val, "negative")) {
        rule->affinity = RULE_NEGATIVE;
    } else {
        return "invalid affinity";
    }
    return NULL;
}

static const char *rules_prop(void *ctx, const char *key, const char *val)
{
    struct rule *rule = &((struct rules_ctx *)ctx)->cur;

    if (strcmp(key, "comment") == 0) {
        return parse_comment(val, &rule->comment);
    }
    if (strcmp(key, "disable") == 0) {
        return parse_bool(val, &rule->has_disable, &rule->disable);
    }
    if (strcmp(key, "resources") == 0) {
        if (rule->has_resources) {
            return "duplicate attribute";
        }
        if (val == NULL) {
            return "missing value";
        }
        const char *err = parse_sids(val, &rule->resources);
        rule->has_resources = err == NULL;
        return err;
    }
    if (rule->type == RULE_NODE_AFFINITY) {
        return rules_prop_na(rule, key, val);
    }
    return rules_prop_ra(rule, key, val);
}

/* A repeated id replaces the earlier section, and takes the new slot. */
static void rules_end(void *ctx)
{
    struct rules_ctx *c = ctx;
    struct rule *rule = &c->cur;

    rule->placeholder =
        !rule->has_resources || (rule->type == RULE_NODE_AFFINITY && !rule->has_nodes) ||
        (rule->type == RULE_RESOURCE_AFFINITY && rule->affinity == RULE_AFFINITY_NONE);
    rule->order = c->next_order++;
    struct rule *slot = rules_put(c->r, c->id);
    rule->id = slot->id;
    *slot = *rule;
    free(c->id);
    c->id = NULL;
}

int rules_parse(const char *text, struct rules *out, struct rules_msgs *warnings)
{
    struct rules_ctx c = {.r = out, .next_order = 1};
    struct sc_ops ops = {&c, rules_begin, rules_prop, rules_end};

    sha1_hex(text ? text : "", text ? strlen(text) : 0, out->digest);
    sc_parse(text, &ops, warnings);
    return 0;
}

struct groups_ctx {
    struct groups *g;
    struct group cur;
    bool has_nodes, has_nofailback;
    int nofailback;
};

static void group_clear(struct group *grp)
{
    free(grp->id);
    nodes_free(grp->nodes, grp->n_nodes);
    free(grp->comment);
    memset(grp, 0, sizeof(*grp));
}

static const char *groups_begin(void *ctx, const char *type, const char *id)
{
    struct groups_ctx *c = ctx;

    memset(&c->cur, 0, sizeof(c->cur));
    c->has_nodes = c->has_nofailback = false;
    if (strcmp(type, "group") != 0) {
        return "unknown section type";
    }
    if (!valid_configid(id)) {
        return "invalid group id";
    }
    c->cur.id = xstrdup(id);
    return NULL;
}

static const char *groups_prop(void *ctx, const char *key, const char *val)
{
    struct groups_ctx *c = ctx;
    struct group *grp = &c->cur;

    if (strcmp(key, "comment") == 0) {
        return parse_comment(val, &grp->comment);
    }
    if (strcmp(key, "restricted") == 0) {
        return parse_bool(val, &grp->has_restricted, &grp->restricted);
    }
    if (strcmp(key, "nofailback") == 0) {
        return parse_bool(val, &c->has_nofailback, &c->nofailback);
    }
    if (strcmp(key, "nodes") != 0) {
        return "unexpected property";
    }
    if (c->has_nodes) {
        return "duplicate attribute";
    }
    if (val == NULL) {
        return "missing value";
    }
    const char *err = parse_nodes(val, &grp->nodes, &grp->n_nodes);
    c->has_nodes = err == NULL;
    return err;
}

/* Groups stay sorted by id; a later section of the same id replaces the
 * earlier one, and one without nodes removes it. */
static void groups_end(void *ctx)
{
    struct groups_ctx *c = ctx;
    struct groups *g = c->g;
    size_t pos = 0;

    c->cur.nofailback = c->has_nofailback && c->nofailback;
    while (pos < g->n && strcmp(g->v[pos].id, c->cur.id) < 0) {
        pos++;
    }
    if (pos < g->n && strcmp(g->v[pos].id, c->cur.id) == 0) {
        group_clear(&g->v[pos]);
        memmove(g->v + pos, g->v + pos + 1, (g->n - pos - 1) * sizeof(*g->v));
        g->n--;
    }
    if (!c->has_nodes) {
        group_clear(&c->cur);
        return;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 8;
        g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
    }
    memmove(g->v + pos + 1, g->v + pos, (g->n - pos) * sizeof(*g->v));
    g->v[pos] = c->cur;
    g->n++;
}

int groups_parse(const char *text, struct groups *out, struct rules_msgs *warnings)
{
    struct groups_ctx c = {.g = out};
    struct sc_ops ops = {&c, groups_begin, groups_prop, groups_end};

    sha1_hex(text ? text : "", text ? strlen(text) : 0, out->digest);
    sc_parse(text, &ops, warnings);
    return 0;
}

void groups_free(struct groups *g)
{
    if (g == NULL) {
        return;
    }
    for (size_t i = 0; i < g->n; i++) {
        group_clear(&g->v[i]);
    }
    free(g->v);
    memset(g, 0, sizeof(*g));
}

const struct group *groups_find(const struct groups *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->v[i].id, id) == 0) {
            return &g->v[i];
        }
    }
    return NULL;
}

bool groups_failback(const struct groups *g, const char *id)
{
    const struct group *grp = id ? groups_find(g, id) : NULL;

    return grp == NULL || !grp->nofailback;
}
