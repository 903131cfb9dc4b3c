/* rules_transform.c - the rules pipeline after parsing: legacy group
 * rules, dropping checked rules, and the three transforms. Every
 * transform first collects what it will add, then adds
 * it, so it never sees its own additions (and indices into r->v, which
 * insertion invalidates, are never used after a change). */
#include "state/rules.h"

#include <stdlib.h>
#include <string.h>

#include "state/rules_impl.h"
#include "state/str.h"

void rules_add_groups(
    struct rules *r, const struct groups *g, const struct rules_group_ref *refs, size_t n_refs
)
{
    struct rules_set names = {0};

    for (size_t i = 0; i < n_refs; i++) {
        if (refs[i].group != NULL && refs[i].group[0] != '\0') {
            rset_add(&names, refs[i].group);
        }
    }
    for (size_t k = 0; k < names.n; k++) {
        const struct group *grp = groups_find(g, names.v[k]);
        if (grp == NULL) {
            continue;
        }
        char *id = xasprintf("ha-group-%s", grp->id);
        int order = rules_next_order(r);
        struct rule *rule = rules_put(r, id);
        free(id);
        rule->type = RULE_NODE_AFFINITY;
        rule->order = order;
        rule->has_resources = rule->has_nodes = true;
        for (size_t i = 0; i < n_refs; i++) {
            if (str_eq(refs[i].group, grp->id)) {
                rset_add(&rule->resources, refs[i].sid);
            }
        }
        for (size_t i = 0; i < grp->n_nodes; i++) {
            nodes_set(&rule->nodes, &rule->n_nodes, grp->nodes[i].node, grp->nodes[i].prio);
        }
        rule->has_strict = grp->has_restricted;
        rule->strict = grp->restricted;
        rule->comment = grp->comment ? xstrdup(grp->comment)
                                     : xasprintf("Generated from HA group '%s'.", grp->id);
    }
    rset_free(&names);
}

/* A resource-affinity rule waiting to be added. */
struct new_ra {
    char *id;
    struct rules_set res;
    int order; /* 0: the next ordinal when added */
};

struct new_list {
    struct new_ra *v;
    size_t n, cap;
};

static struct new_ra *new_add(struct new_list *l, char *id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n] = (struct new_ra){.id = id};
    return &l->v[l->n++];
}

static void new_commit(struct rules *r, struct new_list *l, enum rule_affinity aff)
{
    for (size_t i = 0; i < l->n; i++) {
        int order = l->v[i].order ? l->v[i].order : rules_next_order(r);
        struct rule *rule = rules_put(r, l->v[i].id);
        rule->type = RULE_RESOURCE_AFFINITY;
        rule->affinity = aff;
        rule->order = order;
        rule->has_resources = true;
        rule->resources = l->v[i].res;
        free(l->v[i].id);
    }
    free(l->v);
}

/* Indices of the enabled resource-affinity rules of one polarity. */
static size_t ra_enabled(const struct rules *r, enum rule_affinity aff, size_t *out)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++) {
        const struct rule *rule = &r->v[i];
        if (rule_enabled(rule) && rule->type == RULE_RESOURCE_AFFINITY && rule->affinity == aff) {
            out[n++] = i;
        }
    }
    return n;
}

static void merge_positive(struct rules *r)
{
    size_t *pos = xcalloc(r->n, sizeof(size_t));
    size_t n_pos = ra_enabled(r, RULE_POSITIVE, pos);
    struct rules_comp *comps;
    size_t n_comps = rules_components(r, pos, n_pos, &comps);
    struct new_list add = {0};
    struct rules_set gone = {0};

    for (size_t k = 0; k < n_comps; k++) {
        if (comps[k].n < 2) {
            continue;
        }
        struct strbuf id = {0};
        strbuf_add(&id, "_merged");
        for (size_t i = 0; i < comps[k].n; i++) {
            strbuf_addf(&id, "-%s", r->v[comps[k].rules[i]].id);
            rset_add(&gone, r->v[comps[k].rules[i]].id);
        }
        struct new_ra *m = new_add(&add, strbuf_take(&id));
        rset_add_all(&m->res, &comps[k].uni);
        m->order = r->v[comps[k].rules[0]].order;
    }
    rules_components_free(comps, n_comps);
    free(pos);
    for (size_t i = 0; i < gone.n; i++) {
        rules_delete(r, gone.v[i]);
    }
    rset_free(&gone);
    new_commit(r, &add, RULE_POSITIVE);
}

/* sep[C] = resources of P that some negative rule keeps apart from C. */
struct sep_entry {
    const char *c;
    struct rules_set from;
};

static struct sep_entry *sep_get(struct sep_entry *sep, size_t *n, const char *c)
{
    size_t pos = 0;

    while (pos < *n && strcmp(sep[pos].c, c) < 0) {
        pos++;
    }
    if (pos == *n || strcmp(sep[pos].c, c) != 0) {
        memmove(sep + pos + 1, sep + pos, (*n - pos) * sizeof(*sep));
        sep[pos] = (struct sep_entry){.c = c};
        (*n)++;
    }
    return &sep[pos];
}

/* One negative rule's set nres: each member a that is also in the positive
 * rule's set pres goes into sep[b].from of every other member b. */
static void sep_collect(
    const struct rules_set *pres, const struct rules_set *nres, struct sep_entry *sep, size_t *n
)
{
    for (size_t a = 0; a < nres->n; a++) {
        if (!rset_has(pres, nres->v[a])) {
            continue;
        }
        for (size_t b = 0; b < nres->n; b++) {
            if (b != a) {
                rset_add(&sep_get(sep, n, nres->v[b])->from, nres->v[a]);
            }
        }
    }
}

static void implicit_for(
    const struct rules *r,
    const struct rule *p,
    const size_t *neg,
    size_t n_neg,
    struct new_list *add
)
{
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < n_neg; i++) {
        cap += r->v[neg[i]].resources.n;
    }
    struct sep_entry *sep = xcalloc(cap, sizeof(*sep));
    for (size_t i = 0; i < n_neg; i++) {
        sep_collect(&p->resources, &r->v[neg[i]].resources, sep, &n);
    }
    for (size_t k = 0; k < n; k++) {
        for (size_t s = 0; s < p->resources.n; s++) {
            const char *sid = p->resources.v[s];
            if (rset_has(&sep[k].from, sid)) {
                continue;
            }
            struct new_ra *m =
                new_add(add, xasprintf("_implicit-negative-%s-%s-%s", p->id, sid, sep[k].c));
            rset_add(&m->res, sid);
            rset_add(&m->res, sep[k].c);
        }
        rset_free(&sep[k].from);
    }
    free(sep);
}

static void implicit_negative(struct rules *r)
{
    size_t *pos = xcalloc(r->n, sizeof(size_t));
    size_t *neg = xcalloc(r->n, sizeof(size_t));
    size_t n_pos = ra_enabled(r, RULE_POSITIVE, pos);
    size_t n_neg = ra_enabled(r, RULE_NEGATIVE, neg);
    struct new_list add = {0};

    for (size_t i = 0; i < n_pos; i++) {
        implicit_for(r, &r->v[pos[i]], neg, n_neg, &add);
    }
    free(pos);
    free(neg);
    new_commit(r, &add, RULE_NEGATIVE);
}

/* The first node-affinity rule by id wins (upstream's order is a hash's);
 * extensions made for earlier positive rules are visible to later ones. */
static void inherit_node_affinity(struct rules *r)
{
    size_t *pos = xcalloc(r->n, sizeof(size_t));
    size_t n_pos = ra_enabled(r, RULE_POSITIVE, pos);

    for (size_t i = 0; i < n_pos; i++) {
        const struct rules_set *pres = &r->v[pos[i]].resources;
        for (size_t j = 0; j < r->n; j++) {
            struct rule *na = &r->v[j];
            if (rule_enabled(na) && na->type == RULE_NODE_AFFINITY &&
                rset_common(&na->resources, pres) > 0) {
                rset_add_all(&na->resources, pres);
                break;
            }
        }
    }
    free(pos);
}

void rules_check_transform(
    struct rules *r, const char *const *nodes, size_t n_nodes, struct rules_msgs *msgs
)
{
    struct rules_msgs dropped = {0};

    rules_check(r, nodes, n_nodes, &dropped, msgs);
    for (size_t i = 0; i < dropped.n; i++) {
        rules_delete(r, dropped.v[i]);
    }
    rules_msgs_free(&dropped);
    merge_positive(r);
    implicit_negative(r);
    inherit_node_affinity(r);
}
