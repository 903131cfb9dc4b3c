/* crs_score.c - views, start scoring and node imbalance. */
#include "state/crs.h"

#include <stdlib.h>

#include "state/crs_impl.h"
#include "state/str.h"

/* add-started(r): a resource without a cpu limit may use the whole node. */
static void add_started(struct crs_stats *s, double maxcpu, uint64_t maxmem)
{
    s->cpu += maxcpu == 0.0 ? (double)s->maxcpu : maxcpu;
    s->mem += maxmem;
}

static const struct crs_stats *node_view(struct crs_node *n, enum crs_view view)
{
    if (view == CRS_VIEW_IDENTITY) {
        return &n->base;
    }
    if (!n->view_ok[view]) {
        struct crs_stats s = n->base;

        for (size_t i = 0; i < n->res.n; i++) {
            const struct crs_res *r = n->res.v[i];

            /* running services are already in the dynamic live base */
            if (view == CRS_VIEW_STARTING && r->running) {
                continue;
            }
            add_started(&s, r->maxcpu, r->maxmem);
        }
        n->view[view] = s;
        n->view_ok[view] = true;
    }
    return &n->view[view];
}

void crs_fill_view(struct crs_usage *u, enum crs_view view, struct crs_stats *out)
{
    for (size_t i = 0; i < u->n_nodes; i++) {
        out[i] = *node_view(u->nodes[i], view);
    }
}

/* Static mode uses the started view everywhere; dynamic starts only count
 * the services that are not running yet. */
static enum crs_view score_view(enum crs_mode mode)
{
    return mode == CRS_STATIC ? CRS_VIEW_STARTED : CRS_VIEW_STARTING;
}

enum crs_view crs_balance_view(enum crs_mode mode)
{
    return mode == CRS_STATIC ? CRS_VIEW_STARTED : CRS_VIEW_IDENTITY;
}

/* One alternative per usage node: the view with sid also started there. */
static int topsis_start(struct crs_usage *u, const struct crs_res *s, double *scores, char **err)
{
    size_t n = u->n_nodes;
    struct crs_stats *view = xcalloc(n, sizeof(*view));
    struct crs_load *l = xcalloc(n, sizeof(*l));
    double *rows = xcalloc(n, CRS_CRITERIA * sizeof(*rows));
    int rc;

    crs_fill_view(u, score_view(u->mode), view);
    for (size_t i = 0; i < n; i++) {
        l[i] = crs_load_of(&view[i]);
    }
    for (size_t x = 0; x < n; x++) {
        struct crs_stats with = view[x];

        add_started(&with, s->maxcpu, s->maxmem);
        l[x] = crs_load_of(&with);
        crs_criteria_loads(l, n, &rows[x * CRS_CRITERIA]);
        l[x] = crs_load_of(&view[x]);
    }
    rc = crs_topsis(rows, n, scores, err);
    free(rows);
    free(l);
    free(view);
    return rc;
}

int crs_score_nodes(
    struct crs_usage *u,
    const char *sid,
    const struct crs_service_stats *st,
    double *score_out,
    char **err
)
{
    struct crs_res s = {0};

    if (u->mode == CRS_BASIC) {
        for (size_t i = 0; i < u->n_nodes; i++) {
            score_out[i] = (double)u->nodes[i]->res.n;
        }
        return 0;
    }
    if (crs_res_stats(u->mode, sid, st, &s, err) < 0 || topsis_start(u, &s, score_out, err) < 0) {
        for (size_t i = 0; i < u->n_nodes; i++) {
            score_out[i] = 0.0;
        }
        return -1;
    }
    for (size_t i = 0; i < u->n_nodes; i++) {
        score_out[i] = -score_out[i];
    }
    return 0;
}

double crs_imbalance(struct crs_usage *u)
{
    struct crs_stats *v;
    double imb;

    if (u->mode == CRS_BASIC) {
        return 0.0;
    }
    v = xcalloc(u->n_nodes, sizeof(*v));
    crs_fill_view(u, crs_balance_view(u->mode), v);
    imb = crs_stats_imbalance(v, u->n_nodes);
    free(v);
    return imb;
}

double crs_relative_improvement(double before, double after)
{
    return (before - after) / before;
}
