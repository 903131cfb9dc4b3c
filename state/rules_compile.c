/* rules_compile.c - compile the enabled rules into per-sid maps
 * and answer the manager's queries on them. */
#include "state/rules.h"

#include <stdlib.h>
#include <string.h>

#include "state/rules_impl.h"
#include "state/str.h"

/* Binary search over an array of structs whose first member is char *sid. */
static size_t sid_pos(const void *base, size_t n, size_t size, const char *sid, bool *found)
{
    return sorted_pos(base, n, size, 0, sid, found);
}

static struct rules_na_entry *na_slot(struct rules_compiled *c, size_t *cap, const char *sid)
{
    bool found;
    size_t pos = sid_pos(c->na, c->n_na, sizeof(*c->na), sid, &found);

    if (found) {
        nodes_free(c->na[pos].nodes, c->na[pos].n_nodes);
    } else {
        if (c->n_na == *cap) {
            *cap = *cap ? 2 * *cap : 8;
            c->na = xrealloc(c->na, *cap * sizeof(*c->na));
        }
        memmove(c->na + pos + 1, c->na + pos, (c->n_na - pos) * sizeof(*c->na));
        c->n_na++;
        c->na[pos].sid = xstrdup(sid);
    }
    /* Never NULL: a strict rule without nodes still allows no node. */
    c->na[pos].nodes = xmalloc(sizeof(struct rule_node));
    c->na[pos].n_nodes = 0;
    return &c->na[pos];
}

static void compile_node_affinity(
    struct rules_compiled *c, const struct rule *rule, const struct rules_set *known, size_t *cap
)
{
    bool strict = rule->has_strict && rule->strict;

    for (size_t s = 0; s < rule->resources.n; s++) {
        /* Later rules (id order) win, where upstream's order is a hash's. */
        struct rules_na_entry *e = na_slot(c, cap, rule->resources.v[s]);
        for (size_t i = 0; i < rule->n_nodes; i++) {
            nodes_set(&e->nodes, &e->n_nodes, rule->nodes[i].node, rule->nodes[i].prio);
        }
        for (size_t i = 0; i < known->n && !strict; i++) {
            bool listed = false;
            for (size_t j = 0; j < rule->n_nodes && !listed; j++) {
                listed = strcmp(rule->nodes[j].node, known->v[i]) == 0;
            }
            if (!listed) {
                nodes_set(&e->nodes, &e->n_nodes, known->v[i], -1);
            }
        }
    }
}

static void partners_add(struct rules_partners **v, size_t *n, size_t *cap, const struct rule *rule)
{
    for (size_t a = 0; a < rule->resources.n; a++) {
        const char *sid = rule->resources.v[a];
        bool found;
        size_t pos = sid_pos(*v, *n, sizeof(**v), sid, &found);
        if (!found) {
            if (*n == *cap) {
                *cap = *cap ? 2 * *cap : 8;
                *v = xrealloc(*v, *cap * sizeof(**v));
            }
            memmove(*v + pos + 1, *v + pos, (*n - pos) * sizeof(**v));
            (*n)++;
            (*v)[pos] = (struct rules_partners){.sid = xstrdup(sid)};
        }
        for (size_t b = 0; b < rule->resources.n; b++) {
            if (b != a) {
                rset_add(&(*v)[pos].partners, rule->resources.v[b]);
            }
        }
    }
}

void rules_compile(
    const struct rules *r, const char *const *nodes, size_t n_nodes, struct rules_compiled *out
)
{
    struct rules_set known = {0};
    size_t cap_na = 0, cap_pos = 0, cap_neg = 0;

    for (size_t i = 0; i < n_nodes; i++) {
        rset_add(&known, nodes[i]);
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *rule = &r->v[i];
        if (!rule_enabled(rule)) {
            continue;
        }
        if (rule->type == RULE_NODE_AFFINITY) {
            compile_node_affinity(out, rule, &known, &cap_na);
        } else if (rule->affinity == RULE_POSITIVE) {
            partners_add(&out->positive, &out->n_positive, &cap_pos, rule);
        } else {
            partners_add(&out->negative, &out->n_negative, &cap_neg, rule);
        }
    }
    rset_free(&known);
    /* A sid alone in its rules has no partners, hence no entry. */
    for (int k = 0; k < 2; k++) {
        struct rules_partners *v = k ? out->negative : out->positive;
        size_t *n = k ? &out->n_negative : &out->n_positive, kept = 0;
        for (size_t i = 0; i < *n; i++) {
            if (v[i].partners.n == 0) {
                free(v[i].sid);
                rset_free(&v[i].partners);
            } else {
                v[kept++] = v[i];
            }
        }
        *n = kept;
    }
}

static void partners_free(struct rules_partners *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].sid);
        rset_free(&v[i].partners);
    }
    free(v);
}

void rules_compiled_free(struct rules_compiled *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n_na; i++) {
        free(c->na[i].sid);
        nodes_free(c->na[i].nodes, c->na[i].n_nodes);
    }
    free(c->na);
    partners_free(c->positive, c->n_positive);
    partners_free(c->negative, c->n_negative);
    memset(c, 0, sizeof(*c));
}

const struct rule_node *
rules_node_affinity(const struct rules_compiled *c, const char *sid, size_t *n)
{
    bool found;
    size_t pos = sid_pos(c->na, c->n_na, sizeof(*c->na), sid, &found);

    *n = found ? c->na[pos].n_nodes : 0;
    return found ? c->na[pos].nodes : NULL;
}

static char *const *
partners_find(const struct rules_partners *v, size_t nv, const char *sid, size_t *n)
{
    bool found;
    size_t pos = sid_pos(v, nv, sizeof(*v), sid, &found);

    *n = found ? v[pos].partners.n : 0;
    return found ? v[pos].partners.v : NULL;
}

char *const *rules_positive(const struct rules_compiled *c, const char *sid, size_t *n)
{
    return partners_find(c->positive, c->n_positive, sid, n);
}

char *const *rules_negative(const struct rules_compiled *c, const char *sid, size_t *n)
{
    return partners_find(c->negative, c->n_negative, sid, n);
}
