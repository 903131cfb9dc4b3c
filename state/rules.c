/* rules.c - the rule set container: sorted sets, rule lookup and
 * replacement, the order quirk, and the section-config writer. */
#include "state/rules.h"

#include <stdlib.h>
#include <string.h>

#include <stddef.h>

#include "state/rules_impl.h"
#include "state/str.h"

/* Index of the first element >= str (binary search). */
static size_t rset_pos(const struct rules_set *s, const char *str, bool *found)
{
    return sorted_pos(s->v, s->n, sizeof(*s->v), 0, str, found);
}

bool rset_add(struct rules_set *s, const char *str)
{
    bool found;
    size_t pos = rset_pos(s, str, &found);

    if (found) {
        return false;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    memmove(s->v + pos + 1, s->v + pos, (s->n - pos) * sizeof(*s->v));
    s->v[pos] = xstrdup(str);
    s->n++;
    return true;
}

bool rset_has(const struct rules_set *s, const char *str)
{
    bool found;

    rset_pos(s, str, &found);
    return found;
}

void rset_add_all(struct rules_set *dst, const struct rules_set *src)
{
    for (size_t i = 0; i < src->n; i++) {
        rset_add(dst, src->v[i]);
    }
}

size_t rset_common(const struct rules_set *a, const struct rules_set *b)
{
    size_t i = 0, j = 0, n = 0;

    /* Both are sorted: one merge pass. */
    while (i < a->n && j < b->n) {
        int c = strcmp(a->v[i], b->v[j]);
        if (c == 0) {
            n++;
        }
        i += c <= 0;
        j += c >= 0;
    }
    return n;
}

void rset_free(struct rules_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    memset(s, 0, sizeof(*s));
}

void msgs_add(struct rules_msgs *m, char *owned)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 8;
        m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
    }
    m->v[m->n++] = owned;
}

void rules_msgs_free(struct rules_msgs *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i]);
    }
    free(m->v);
    memset(m, 0, sizeof(*m));
}

void nodes_set(struct rule_node **v, size_t *n, const char *node, long long prio)
{
    size_t pos = 0;

    while (pos < *n && strcmp((*v)[pos].node, node) < 0) {
        pos++;
    }
    if (pos < *n && strcmp((*v)[pos].node, node) == 0) {
        (*v)[pos].prio = prio;
        return;
    }
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    memmove(*v + pos + 1, *v + pos, (*n - pos) * sizeof(**v));
    (*v)[pos].node = xstrdup(node);
    (*v)[pos].prio = prio;
    (*n)++;
}

void nodes_free(struct rule_node *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].node);
    }
    free(v);
}

void rule_clear(struct rule *rule)
{
    free(rule->id);
    rset_free(&rule->resources);
    nodes_free(rule->nodes, rule->n_nodes);
    free(rule->comment);
    memset(rule, 0, sizeof(*rule));
}

static size_t rules_pos(const struct rules *r, const char *id, bool *found)
{
    return sorted_pos(r->v, r->n, sizeof(*r->v), offsetof(struct rule, id), id, found);
}

const struct rule *rules_find(const struct rules *r, const char *id)
{
    bool found;
    size_t pos = rules_pos(r, id, &found);

    return found ? &r->v[pos] : NULL;
}

struct rule *rules_put(struct rules *r, const char *id)
{
    bool found;
    size_t pos = rules_pos(r, id, &found);

    if (found) {
        rule_clear(&r->v[pos]);
    } else {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 8;
            r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
        }
        memmove(r->v + pos + 1, r->v + pos, (r->n - pos) * sizeof(*r->v));
        r->n++;
        memset(&r->v[pos], 0, sizeof(r->v[pos]));
    }
    r->v[pos].id = xstrdup(id);
    return &r->v[pos];
}

void rules_delete(struct rules *r, const char *id)
{
    bool found;
    size_t pos = rules_pos(r, id, &found);

    if (!found) {
        return;
    }
    rule_clear(&r->v[pos]);
    memmove(r->v + pos, r->v + pos + 1, (r->n - pos - 1) * sizeof(*r->v));
    r->n--;
}

int rules_next_order(const struct rules *r)
{
    int min = 0;

    for (size_t i = 0; i < r->n; i++) {
        if (i == 0 || r->v[i].order < min) {
            min = r->v[i].order;
        }
    }
    return min + 1;
}

bool rule_enabled(const struct rule *rule)
{
    return !rule->placeholder && !rule->has_disable;
}

void rules_free(struct rules *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        rule_clear(&r->v[i]);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* Writer order: by order, ties by id (upstream leaves ties to hash order). */
static int cmp_rule_order(const void *a, const void *b)
{
    const struct rule *x = a, *y = b;

    if (x->order != y->order) {
        return x->order < y->order ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

static void write_list(struct strbuf *sb, const char *key, const struct rules_set *s)
{
    strbuf_addf(sb, "\t%s ", key);
    for (size_t i = 0; i < s->n; i++) {
        strbuf_addf(sb, "%s%s", i ? "," : "", s->v[i]);
    }
    strbuf_add(sb, "\n");
}

static void write_nodes(struct strbuf *sb, const struct rule *rule)
{
    strbuf_add(sb, "\tnodes ");
    for (size_t i = 0; i < rule->n_nodes; i++) {
        strbuf_addf(sb, "%s%s", i ? "," : "", rule->nodes[i].node);
        if (rule->nodes[i].prio != 0) {
            strbuf_addf(sb, ":%lld", rule->nodes[i].prio);
        }
    }
    strbuf_add(sb, "\n");
}

/* Comment, disable, required keys sorted, optional keys sorted. A
 * placeholder writes the keys it has, so it stays a placeholder. */
static void write_rule(struct strbuf *sb, const struct rule *rule)
{
    bool na = rule->type == RULE_NODE_AFFINITY;

    strbuf_addf(sb, "%s: %s\n", na ? "node-affinity" : "resource-affinity", rule->id);
    if (rule->comment != NULL && rule->comment[0] != '\0') {
        strbuf_addf(sb, "\tcomment %s\n", rule->comment);
    }
    if (rule->has_disable) { /* "disable 0" disables too: keep it */
        strbuf_add(sb, rule->disable ? "\tdisable\n" : "\tdisable 0\n");
    }
    if (!na && rule->affinity != RULE_AFFINITY_NONE) {
        strbuf_addf(
            sb, "\taffinity %s\n", rule->affinity == RULE_POSITIVE ? "positive" : "negative"
        );
    }
    if (na && rule->has_nodes) {
        write_nodes(sb, rule);
    }
    if (rule->has_resources) {
        write_list(sb, "resources", &rule->resources);
    }
    if (na && rule->has_strict) {
        strbuf_addf(sb, "\tstrict %d\n", rule->strict);
    }
    strbuf_add(sb, "\n");
}

char *rules_write(const struct rules *r)
{
    struct strbuf sb = {0};
    /* a shallow copy in file order: the strings stay r's */
    struct rule *sorted = xcalloc(r->n, sizeof(*sorted));

    for (size_t i = 0; i < r->n; i++) {
        sorted[i] = r->v[i];
    }
    qsort(sorted, r->n, sizeof(*sorted), cmp_rule_order);
    for (size_t i = 0; i < r->n; i++) {
        write_rule(&sb, &sorted[i]);
    }
    free(sorted);
    return strbuf_take(&sb);
}
