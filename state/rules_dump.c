/* rules_dump.c - the rules_cfgs test output: the drop
 * messages, the transformed config and the compiled maps, as Perl's
 * canonical pretty JSON (keys sorted, 3-space indent, "key" : value,
 * non-ASCII as \u escapes). */
#include "state/rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/rules_impl.h"
#include "state/str.h"

/* An open JSON object: its depth and how many keys it has so far. */
struct jobj {
    int lvl;
    int n;
};

/* Decodes one UTF-8 sequence at s; returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};

    if (len == 0 || s[0] >= 0xf8) {
        return 0;
    }
    *cp = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    if (*cp < min[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

static void json_char(struct strbuf *sb, unsigned char ch)
{
    static const char *const short_esc[] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};

    if (ch == '"' || ch == '\\') {
        strbuf_addf(sb, "\\%c", ch);
    } else if (ch < sizeof(short_esc) / sizeof(short_esc[0]) && short_esc[ch] != NULL) {
        strbuf_add(sb, short_esc[ch]);
    } else if (ch < 0x20 || ch == 0x7f) {
        strbuf_addf(sb, "\\u%04x", ch);
    } else {
        strbuf_addn(sb, (const char *)&ch, 1);
    }
}

/* Invalid UTF-8 bytes are escaped one by one as if Latin-1. */
static void json_str(struct strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    strbuf_add(sb, "\"");
    while (*s) {
        uint32_t cp;
        size_t len = *s < 0x80 ? 0 : utf8_decode(s, &cp);
        if (*s < 0x80) {
            json_char(sb, *s++);
        } else if (len == 0) {
            strbuf_addf(sb, "\\u%04x", *s++);
        } else if (cp < 0x10000) {
            strbuf_addf(sb, "\\u%04x", cp);
            s += len;
        } else {
            cp -= 0x10000;
            strbuf_addf(sb, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
            s += len;
        }
    }
    strbuf_add(sb, "\"");
}

static void json_key(struct strbuf *sb, struct jobj *o, const char *key)
{
    strbuf_add(sb, o->n++ ? ",\n" : "\n");
    strbuf_addf(sb, "%*s", 3 * (o->lvl + 1), "");
    json_str(sb, key);
    strbuf_add(sb, " : ");
}

static struct jobj json_open(struct strbuf *sb, const struct jobj *parent)
{
    strbuf_add(sb, "{");
    return (struct jobj){parent ? parent->lvl + 1 : 0, 0};
}

static void json_close(struct strbuf *sb, const struct jobj *o)
{
    if (o->n > 0) {
        strbuf_addf(sb, "\n%*s", 3 * o->lvl, "");
    }
    strbuf_add(sb, "}");
}

static void
json_set(struct strbuf *sb, struct jobj *parent, const char *key, const struct rules_set *s)
{
    json_key(sb, parent, key);
    struct jobj o = json_open(sb, parent);
    for (size_t i = 0; i < s->n; i++) {
        json_key(sb, &o, s->v[i]);
        strbuf_add(sb, "1");
    }
    json_close(sb, &o);
}

static void
json_nodes(struct strbuf *sb, struct jobj *parent, const struct rule_node *nodes, size_t n)
{
    json_key(sb, parent, "nodes");
    struct jobj o = json_open(sb, parent);
    for (size_t i = 0; i < n; i++) {
        json_key(sb, &o, nodes[i].node);
        struct jobj p = json_open(sb, &o);
        json_key(sb, &p, "priority");
        strbuf_addf(sb, "%lld", nodes[i].prio);
        json_close(sb, &p);
    }
    json_close(sb, &o);
}

/* Keys in byte order: affinity comment disable nodes resources strict type. */
static void json_rule(struct strbuf *sb, struct jobj *parent, const struct rule *rule)
{
    json_key(sb, parent, rule->id);
    if (rule->placeholder) {
        strbuf_add(sb, "null");
        return;
    }
    bool na = rule->type == RULE_NODE_AFFINITY;
    struct jobj o = json_open(sb, parent);
    if (!na) {
        json_key(sb, &o, "affinity");
        json_str(sb, rule->affinity == RULE_POSITIVE ? "positive" : "negative");
    }
    if (rule->comment != NULL) {
        json_key(sb, &o, "comment");
        json_str(sb, rule->comment);
    }
    if (rule->has_disable) {
        json_key(sb, &o, "disable");
        strbuf_addf(sb, "%d", rule->disable);
    }
    if (na) {
        json_nodes(sb, &o, rule->nodes, rule->n_nodes);
    }
    json_set(sb, &o, "resources", &rule->resources);
    if (rule->has_strict) {
        json_key(sb, &o, "strict");
        strbuf_addf(sb, "%d", rule->strict);
    }
    json_key(sb, &o, "type");
    json_str(sb, na ? "node-affinity" : "resource-affinity");
    json_close(sb, &o);
}

static void json_config(struct strbuf *sb, const struct rules *r)
{
    struct jobj top = json_open(sb, NULL);

    json_key(sb, &top, "digest");
    json_str(sb, r->digest);
    json_key(sb, &top, "ids");
    struct jobj ids = json_open(sb, &top);
    for (size_t i = 0; i < r->n; i++) {
        json_rule(sb, &ids, &r->v[i]);
    }
    json_close(sb, &ids);
    json_key(sb, &top, "order");
    struct jobj order = json_open(sb, &top);
    for (size_t i = 0; i < r->n; i++) {
        json_key(sb, &order, r->v[i].id);
        strbuf_addf(sb, "%d", r->v[i].order);
    }
    json_close(sb, &order);
    json_close(sb, &top);
    strbuf_add(sb, "\n");
}

static void json_partners(
    struct strbuf *sb,
    struct jobj *parent,
    const char *key,
    const struct rules_partners *v,
    size_t n
)
{
    json_key(sb, parent, key);
    struct jobj o = json_open(sb, parent);
    for (size_t i = 0; i < n; i++) {
        json_set(sb, &o, v[i].sid, &v[i].partners);
    }
    json_close(sb, &o);
}

static void json_compiled(struct strbuf *sb, const struct rules_compiled *c)
{
    struct jobj top = json_open(sb, NULL);

    json_key(sb, &top, "node-affinity");
    struct jobj na = json_open(sb, &top);
    for (size_t i = 0; i < c->n_na; i++) {
        json_key(sb, &na, c->na[i].sid);
        struct jobj e = json_open(sb, &na);
        json_nodes(sb, &e, c->na[i].nodes, c->na[i].n_nodes);
        json_close(sb, &e);
    }
    json_close(sb, &na);
    json_key(sb, &top, "resource-affinity");
    struct jobj ra = json_open(sb, &top);
    json_partners(sb, &ra, "negative", c->negative, c->n_negative);
    json_partners(sb, &ra, "positive", c->positive, c->n_positive);
    json_close(sb, &ra);
    json_close(sb, &top);
    strbuf_add(sb, "\n");
}

char *rules_dump(const char *raw_text, const char *path)
{
    static const char *const nodes[] = {"node1", "node2", "node3"};
    struct rules r = {0};
    struct rules_msgs msgs = {0};
    struct rules_compiled c = {0};
    struct strbuf sb = {0};

    /* Parse warnings are not part of this output (upstream prints them on
     * stderr). */
    rules_parse(raw_text, &r, NULL);
    rules_check_transform(&r, nodes, 3, &msgs);
    rules_compile(&r, nodes, 3, &c);
    strbuf_add(&sb, "--- Log ---\n");
    for (size_t i = 0; i < msgs.n; i++) {
        strbuf_addf(&sb, "%s\n", msgs.v[i]);
    }
    strbuf_add(&sb, "--- Config ---\n");
    json_config(&sb, &r);
    strbuf_add(&sb, "--- Compiled Config ---\n");
    json_compiled(&sb, &c);
    rules_msgs_free(&msgs);
    rules_compiled_free(&c);
    rules_free(&r);
    return strbuf_take(&sb);
}
