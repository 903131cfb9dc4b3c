/* crs_balance.c - choosing the best balancing migration.
 *
 * Each (candidate, target) pair is a migration. Its hypothetical node stats
 * are the balancing view with the bundle moved from its source to the
 * target; only those two nodes change, so they are patched in place and
 * restored instead of copying the whole view per migration. */
#include "state/crs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "state/crs_impl.h"
#include "state/str.h"

/* The summed stats of one candidate's members, and where they are. */
struct bundle {
    size_t src;
    double cpu;
    uint64_t mem;
};

struct move {
    size_t cand; /* index into the candidates */
    size_t target; /* index into the candidate's targets */
    size_t node; /* usage node index of that target */
};

static int check_member(
    const struct crs_usage *u,
    const char *sid,
    const struct crs_res *leader,
    struct bundle *b,
    char **err
)
{
    const struct crs_res *r = crs_find_res(u, sid);

    if (r == NULL) {
        *err = xasprintf("resource '%s' is not present in the cluster usage", sid);
        return -1;
    }
    if (r->tgt != NULL) {
        *err = xasprintf("resource '%s' is non-stationary", sid);
        return -1;
    }
    if (r->cur != leader->cur) {
        *err = xasprintf("resource '%s' is on other node than leader", sid);
        return -1;
    }
    b->cpu += r->cpu;
    b->mem += r->mem;
    return 0;
}

static int check_candidate(
    const struct crs_usage *u, const struct crs_candidate *c, struct bundle *b, char **err
)
{
    const struct crs_res *l = crs_find_res(u, c->leader);

    if (l == NULL) {
        *err = xasprintf("leader '%s' is not present in the cluster usage", c->leader);
        return -1;
    }
    if (l->tgt != NULL) {
        *err = xasprintf("leader '%s' is non-stationary", c->leader);
        return -1;
    }
    b->cpu = 0.0;
    b->mem = 0;
    for (size_t i = 0; i < c->n_members; i++) {
        if (check_member(u, c->members[i], l, b, err) < 0) {
            return -1;
        }
    }
    crs_find_node(u, l->cur->name, &b->src);
    return 0;
}

/* The flat (candidate, target) list; targets outside the usage are skipped. */
static struct move *list_moves(
    const struct crs_usage *u, const struct crs_candidate *cand, size_t n_cand, size_t *n_moves
)
{
    size_t n = 0, cap = 0;
    struct move *m = NULL;

    for (size_t i = 0; i < n_cand; i++) {
        for (size_t j = 0; j < cand[i].n_targets; j++) {
            size_t node;

            if (crs_find_node(u, cand[i].targets[j], &node) == NULL) {
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                m = xrealloc(m, cap * sizeof(*m));
            }
            m[n++] = (struct move){.cand = i, .target = j, .node = node};
        }
    }
    *n_moves = n;
    return m;
}

/* The balancing view and its loads; moves patch and restore two loads. */
struct hypo {
    const struct crs_stats *view;
    struct crs_load *load;
    size_t n;
};

/* Sets the loads of the move's source and target to their stats after it. */
static void do_move(struct hypo *h, const struct bundle *b, size_t tgt)
{
    struct crs_stats s = h->view[b->src], t = h->view[tgt];

    s.cpu = fmax(0.0, s.cpu - b->cpu);
    s.mem = s.mem > b->mem ? s.mem - b->mem : 0;
    h->load[b->src] = crs_load_of(&s);
    if (tgt == b->src) {
        t = s;
    }
    t.cpu += b->cpu;
    t.mem += b->mem;
    h->load[tgt] = crs_load_of(&t);
}

static void undo_move(struct hypo *h, const struct bundle *b, size_t tgt)
{
    h->load[tgt] = crs_load_of(&h->view[tgt]);
    h->load[b->src] = crs_load_of(&h->view[b->src]);
}

static double move_imbalance(struct hypo *h, const struct bundle *b, size_t tgt)
{
    double imb;

    do_move(h, b, tgt);
    imb = crs_trunc15(crs_imbalance_loads(h->load, h->n));
    undo_move(h, b, tgt);
    return imb;
}

/* Order of (imbalance, leader, source, target); strings byte-wise. */
static int move_cmp(double ia, const char *const a[3], double ib, const char *const b[3])
{
    if (ia < ib) {
        return -1;
    }
    if (ia > ib) {
        return 1;
    }
    for (size_t i = 0; i < 3; i++) {
        int c = strcmp(a[i], b[i]);

        if (c != 0) {
            return c;
        }
    }
    return 0;
}

struct selection {
    struct crs_usage *u;
    const struct crs_candidate *cand;
    const struct bundle *b;
    const struct move *m;
    size_t n_moves;
    struct hypo *h;
};

static const char *const *move_key(const struct selection *s, size_t i, const char *key[3])
{
    const struct move *m = &s->m[i];

    key[0] = s->cand[m->cand].leader;
    key[1] = s->u->nodes[s->b[m->cand].src]->name;
    key[2] = s->cand[m->cand].targets[m->target];
    return key;
}

static size_t pick_bruteforce(const struct selection *s, double *imb_out)
{
    size_t best = 0;
    double best_imb = 0.0;
    const char *kb[3], *ki[3];

    for (size_t i = 0; i < s->n_moves; i++) {
        const struct move *m = &s->m[i];
        double imb = move_imbalance(s->h, &s->b[m->cand], m->node);

        if (i == 0 || move_cmp(imb, move_key(s, i, ki), best_imb, move_key(s, best, kb)) < 0) {
            best = i;
            best_imb = imb;
        }
    }
    *imb_out = best_imb;
    return best;
}

static int pick_topsis(const struct selection *s, size_t *best, double *imb_out, char **err)
{
    double *rows = xcalloc(s->n_moves, CRS_CRITERIA * sizeof(*rows));
    double *scores = xcalloc(s->n_moves, sizeof(*scores));
    int rc;

    for (size_t i = 0; i < s->n_moves; i++) {
        const struct move *m = &s->m[i];

        do_move(s->h, &s->b[m->cand], m->node);
        crs_criteria_loads(s->h->load, s->h->n, &rows[i * CRS_CRITERIA]);
        undo_move(s->h, &s->b[m->cand], m->node);
    }
    rc = crs_topsis(rows, s->n_moves, scores, err);
    *best = 0;
    for (size_t i = 1; rc == 0 && i < s->n_moves; i++) {
        if (scores[i] > scores[*best]) {
            *best = i;
        }
    }
    if (rc == 0) {
        const struct move *m = &s->m[*best];
        *imb_out = move_imbalance(s->h, &s->b[m->cand], m->node);
    }
    free(scores);
    free(rows);
    return rc;
}

/* Runs the method over the listed moves: 1 picked, 0 unknown method, -1 error. */
static int
pick(const struct selection *s, const char *method, size_t *best, double *imb, char **err)
{
    if (strcmp(method, "bruteforce") == 0) {
        *best = pick_bruteforce(s, imb);
        return 1;
    }
    if (strcmp(method, "topsis") == 0) {
        return pick_topsis(s, best, imb, err) < 0 ? -1 : 1;
    }
    return 0;
}

/* pick() on the hypothetical loads of the balancing view. */
static int
pick_on_view(struct selection *s, const char *method, size_t *best, double *imb, char **err)
{
    struct crs_usage *u = s->u;
    struct crs_stats *view = xcalloc(u->n_nodes, sizeof(*view));
    struct hypo h = {.view = view, .load = xcalloc(u->n_nodes, sizeof(*h.load)), .n = u->n_nodes};
    int rc;

    crs_fill_view(u, crs_balance_view(u->mode), view);
    for (size_t i = 0; i < h.n; i++) {
        h.load[i] = crs_load_of(&view[i]);
    }
    s->h = &h;
    rc = pick(s, method, best, imb, err);
    s->h = NULL;
    free(h.load);
    free(view);
    return rc;
}

int crs_select_migration(
    struct crs_usage *u,
    const struct crs_candidate *cand,
    size_t n_cand,
    const char *method,
    struct crs_migration *out,
    char **err
)
{
    struct bundle *b = xcalloc(n_cand, sizeof(*b));
    struct selection s = {.u = u, .cand = cand, .b = b};
    struct move *moves;
    size_t best = 0;
    double imb = 0.0;
    int rc = 0;

    for (size_t i = 0; u->mode != CRS_BASIC && i < n_cand; i++) {
        if (check_candidate(u, &cand[i], &b[i], err) < 0) {
            free(b);
            return -1;
        }
    }
    moves = list_moves(u, cand, u->mode == CRS_BASIC ? 0 : n_cand, &s.n_moves);
    s.m = moves;
    if (s.n_moves > 0) {
        rc = pick_on_view(&s, method, &best, &imb, err);
    }
    if (rc == 1) {
        const struct move *m = &s.m[best];

        out->leader = cand[m->cand].leader;
        out->source = u->nodes[b[m->cand].src]->name;
        out->target = cand[m->cand].targets[m->target];
        out->imbalance = imb;
    }
    free(moves);
    free(b);
    return rc;
}
