/* rules_check.c - the seven feasibility checks of the rules and the greedy
 * positive components they and the merge transform share.
 *
 * All checks look at one unpruned snapshot of the enabled rules; each
 * error is attached to a rule, and every rule with an error is dropped
 * later. Rules are visited in id order (r->v is sorted), so the messages
 * never depend on hash order. */
#include "state/rules.h"

#include <stdlib.h>
#include <string.h>

#include "state/rules_impl.h"
#include "state/str.h"

struct comp_key {
    const char *first; /* smallest resource, "" if none */
    const char *id;
    size_t idx;
};

static int cmp_comp_key(const void *a, const void *b)
{
    const struct comp_key *x = a, *y = b;
    int c = strcmp(x->first, y->first);

    return c != 0 ? c : strcmp(x->id, y->id);
}

/* One greedy pass: a rule joins the first component whose union meets its
 * resources, else starts one. Bridged components are not merged (quirk). */
size_t
rules_components(const struct rules *r, const size_t *idx, size_t n_idx, struct rules_comp **out)
{
    struct comp_key *keys = xcalloc(n_idx, sizeof(*keys));
    struct rules_comp *comps = xcalloc(n_idx, sizeof(*comps));
    size_t n = 0;

    for (size_t i = 0; i < n_idx; i++) {
        const struct rule *rule = &r->v[idx[i]];
        keys[i] =
            (struct comp_key){rule->resources.n ? rule->resources.v[0] : "", rule->id, idx[i]};
    }
    qsort(keys, n_idx, sizeof(*keys), cmp_comp_key);
    for (size_t i = 0; i < n_idx; i++) {
        const struct rules_set *res = &r->v[keys[i].idx].resources;
        size_t c = 0;
        while (c < n && rset_common(&comps[c].uni, res) == 0) {
            c++;
        }
        if (c == n) {
            comps[c].rules = xcalloc(n_idx, sizeof(size_t));
            n++;
        }
        comps[c].rules[comps[c].n++] = keys[i].idx;
        rset_add_all(&comps[c].uni, res);
    }
    free(keys);
    *out = comps;
    return n;
}

void rules_components_free(struct rules_comp *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].rules);
        rset_free(&c[i].uni);
    }
    free(c);
}

/* The enabled rules by kind, as indices into r->v (id order). */
struct rule_view {
    size_t *na, *pos, *neg, *ra;
    size_t n_na, n_pos, n_neg, n_ra;
};

static void view_init(struct rule_view *v, const struct rules *r)
{
    memset(v, 0, sizeof(*v));
    v->na = xcalloc(r->n, sizeof(size_t));
    v->pos = xcalloc(r->n, sizeof(size_t));
    v->neg = xcalloc(r->n, sizeof(size_t));
    v->ra = xcalloc(r->n, sizeof(size_t));
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *rule = &r->v[i];
        if (!rule_enabled(rule)) {
            continue;
        }
        if (rule->type == RULE_NODE_AFFINITY) {
            v->na[v->n_na++] = i;
            continue;
        }
        v->ra[v->n_ra++] = i;
        if (rule->affinity == RULE_POSITIVE) {
            v->pos[v->n_pos++] = i;
        } else {
            v->neg[v->n_neg++] = i;
        }
    }
}

static void view_free(struct rule_view *v)
{
    free(v->na);
    free(v->pos);
    free(v->neg);
    free(v->ra);
}

/* Errors per rule, parallel to r->v. */
struct check_ctx {
    const struct rules *r;
    struct rule_view v;
    struct rules_msgs *errs;
    struct rules_comp *comps;
    size_t n_comps;
    size_t n_nodes;
};

static void err_add(struct check_ctx *c, size_t idx, const char *text)
{
    msgs_add(&c->errs[idx], xstrdup(text));
}

static void check_single_reference(struct check_ctx *c)
{
    for (size_t i = 0; i < c->v.n_na; i++) {
        const struct rules_set *res = &c->r->v[c->v.na[i]].resources;
        for (size_t s = 0; s < res->n; s++) {
            bool other = false;
            for (size_t j = 0; j < c->v.n_na && !other; j++) {
                other = j != i && rset_has(&c->r->v[c->v.na[j]].resources, res->v[s]);
            }
            if (other) {
                msgs_add(
                    &c->errs[c->v.na[i]],
                    xasprintf(
                        "resource '%s' is already used in another node affinity rule", res->v[s]
                    )
                );
            }
        }
    }
}

static void check_resource_counts(struct check_ctx *c)
{
    for (size_t i = 0; i < c->v.n_ra; i++) {
        if (c->r->v[c->v.ra[i]].resources.n < 2) {
            err_add(c, c->v.ra[i], "rule is ineffective as there are less than two resources");
        }
    }
    for (size_t i = 0; i < c->v.n_neg; i++) {
        if (c->r->v[c->v.neg[i]].resources.n > c->n_nodes) {
            err_add(c, c->v.neg[i], "rule defines more resources than available nodes");
        }
    }
}

static void check_positive_vs_negative(struct check_ctx *c)
{
    for (size_t k = 0; k < c->n_comps; k++) {
        const struct rules_comp *comp = &c->comps[k];
        for (size_t i = 0; i < c->v.n_neg; i++) {
            if (rset_common(&comp->uni, &c->r->v[c->v.neg[i]].resources) < 2) {
                continue;
            }
            err_add(
                c, c->v.neg[i],
                "rule shares two or more resources with a positive resource affinity rule"
            );
            for (size_t p = 0; p < comp->n; p++) {
                err_add(
                    c, comp->rules[p],
                    "rule shares two or more resources with a negative resource affinity rule"
                );
            }
        }
    }
}

/* Indices of the enabled node-affinity rules that meet res. */
static size_t na_sharing(const struct check_ctx *c, const struct rules_set *res, size_t *out)
{
    size_t n = 0;

    for (size_t i = 0; i < c->v.n_na; i++) {
        if (rset_common(&c->r->v[c->v.na[i]].resources, res) > 0) {
            out[n++] = c->v.na[i];
        }
    }
    return n;
}

static bool multi_priority(const struct rule *rule)
{
    for (size_t i = 1; i < rule->n_nodes; i++) {
        if (rule->nodes[i].prio != rule->nodes[0].prio) {
            return true;
        }
    }
    return false;
}

static void check_multi_priority(struct check_ctx *c, size_t *buf)
{
    for (size_t i = 0; i < c->v.n_ra; i++) {
        size_t n = na_sharing(c, &c->r->v[c->v.ra[i]].resources, buf);
        bool multi = false;
        for (size_t j = 0; j < n && !multi; j++) {
            multi = multi_priority(&c->r->v[buf[j]]);
        }
        if (!multi) {
            continue;
        }
        err_add(c, c->v.ra[i], "resources are in node affinity rules with multiple priorities");
        for (size_t j = 0; j < n; j++) {
            err_add(
                c, buf[j],
                "resources are in a resource affinity rule and cannot be in a node affinity rule "
                "with multiple priorities"
            );
        }
    }
}

static void check_one_na_per_component(struct check_ctx *c, size_t *buf)
{
    for (size_t k = 0; k < c->n_comps; k++) {
        const struct rules_comp *comp = &c->comps[k];
        size_t n = na_sharing(c, &comp->uni, buf);
        if (n < 2) {
            continue;
        }
        for (size_t p = 0; p < comp->n; p++) {
            err_add(c, comp->rules[p], "resources are in multiple node affinity rules");
        }
        for (size_t j = 0; j < n; j++) {
            err_add(
                c, buf[j],
                "at least one resource is in a positive resource affinity rule and there are "
                "other resources in at least one other node affinity rule already"
            );
        }
    }
}

static void check_negative_capacity(struct check_ctx *c, size_t *buf)
{
    for (size_t i = 0; i < c->v.n_neg; i++) {
        const struct rules_set *res = &c->r->v[c->v.neg[i]].resources;
        size_t n = na_sharing(c, res, buf);
        struct rules_set allowed = {0};
        size_t located = 0;
        for (size_t s = 0; s < res->n; s++) {
            bool in = false;
            for (size_t j = 0; j < n && !in; j++) {
                in = rset_has(&c->r->v[buf[j]].resources, res->v[s]);
            }
            located += in;
        }
        for (size_t j = 0; j < n; j++) {
            const struct rule *na = &c->r->v[buf[j]];
            for (size_t k = 0; k < na->n_nodes; k++) {
                rset_add(&allowed, na->nodes[k].node);
            }
        }
        if (allowed.n < located) {
            err_add(
                c, c->v.neg[i],
                "two or more resources are restricted to less nodes than available to the "
                "resources"
            );
            for (size_t j = 0; j < n; j++) {
                err_add(
                    c, buf[j],
                    "at least one resource is in a negative resource affinity rule and this rule "
                    "would restrict these to less nodes than available to the resources"
                );
            }
        }
        rset_free(&allowed);
    }
}

static size_t count_unique(const char *const *nodes, size_t n)
{
    struct rules_set s = {0};

    for (size_t i = 0; i < n; i++) {
        rset_add(&s, nodes[i]);
    }
    size_t count = s.n;
    rset_free(&s);
    return count;
}

void rules_check(
    const struct rules *r,
    const char *const *nodes,
    size_t n_nodes,
    struct rules_msgs *dropped,
    struct rules_msgs *msgs
)
{
    struct check_ctx c = {.r = r, .n_nodes = count_unique(nodes, n_nodes)};
    size_t *buf = xcalloc(r->n, sizeof(size_t));

    view_init(&c.v, r);
    c.errs = xcalloc(r->n, sizeof(*c.errs));
    c.n_comps = rules_components(r, c.v.pos, c.v.n_pos, &c.comps);
    check_single_reference(&c);
    check_resource_counts(&c);
    check_positive_vs_negative(&c);
    check_multi_priority(&c, buf);
    check_one_na_per_component(&c, buf);
    check_negative_capacity(&c, buf);
    for (size_t i = 0; i < r->n; i++) {
        for (size_t m = 0; m < c.errs[i].n && msgs != NULL; m++) {
            msgs_add(msgs, xasprintf("Drop rule '%s', because %s.", r->v[i].id, c.errs[i].v[m]));
        }
        if (c.errs[i].n > 0 && dropped != NULL) {
            msgs_add(dropped, xstrdup(r->v[i].id));
        }
        rules_msgs_free(&c.errs[i]);
    }
    free(c.errs);
    free(buf);
    rules_components_free(c.comps, c.n_comps);
    view_free(&c.v);
}
