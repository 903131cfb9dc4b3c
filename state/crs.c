/* crs.c - the usage object: nodes, registered services and views.
 *
 * Every node keeps its services in a sid-sorted array and caches its
 * aggregated stats per view. A cache is dropped when a service is added to or
 * removed from the node and rebuilt on demand in sid order, so the f64 sums
 * are exactly those of a full rescan while a round with thousands of state
 * changes only re-sums the nodes that changed. */
#include "state/crs.h"
#include "state/crs_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state/str.h"

/* Binary search by sid; *at is the match or the insertion point. */
static bool resvec_find(const struct crs_resvec *v, const char *sid, size_t *at)
{
    size_t lo = 0, hi = v->n;

    /* services mostly arrive in sorted order: appending costs one compare */
    if (hi > 0 && strcmp(v->v[hi - 1]->sid, sid) < 0) {
        *at = hi;
        return false;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->v[mid]->sid, sid);

        if (c == 0) {
            *at = mid;
            return true;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *at = lo;
    return false;
}

static void resvec_insert(struct crs_resvec *v, size_t at, struct crs_res *r)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->v = xrealloc(v->v, v->cap * sizeof(struct crs_res *));
    }
    memmove(&v->v[at + 1], &v->v[at], (v->n - at) * sizeof(struct crs_res *));
    v->v[at] = r;
    v->n++;
}

static void resvec_remove(struct crs_resvec *v, size_t at)
{
    memmove(&v->v[at], &v->v[at + 1], (v->n - at - 1) * sizeof(struct crs_res *));
    v->n--;
}

struct crs_res *crs_find_res(const struct crs_usage *u, const char *sid)
{
    size_t at;

    return resvec_find(&u->res, sid, &at) ? u->res.v[at] : NULL;
}

struct crs_node *crs_find_node(const struct crs_usage *u, const char *name, size_t *idx)
{
    size_t lo = 0, hi = u->n_nodes;
    unsigned h;
    size_t at = pos_memo_get(u->node_memo, name, &h);

    if (at < u->n_nodes && strcmp(u->nodes[at]->name, name) == 0) {
        if (idx != NULL) {
            *idx = at;
        }
        return u->nodes[at];
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(u->nodes[mid]->name, name);

        if (c == 0) {
            if (idx != NULL) {
                *idx = mid;
            }
            pos_memo_put(u->node_memo, h, mid);
            return u->nodes[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (idx != NULL) {
        *idx = lo;
    }
    return NULL;
}

struct crs_usage *crs_new(enum crs_mode mode)
{
    struct crs_usage *u = xcalloc(1, sizeof(*u));

    u->mode = mode;
    u->node_memo = xcalloc(1, sizeof(*u->node_memo));
    return u;
}

/* A new entry from the usage's pool; removing it leaves the memory there. */
static struct crs_res *res_new(struct crs_usage *u, const char *sid)
{
    struct crs_res *r = pool_alloc(&u->pool, sizeof(*r));

    r->sid = pool_strdup(&u->pool, sid);
    return r;
}

void crs_free(struct crs_usage *u)
{
    if (u == NULL) {
        return;
    }
    for (size_t i = 0; i < u->n_nodes; i++) {
        struct crs_node *n = u->nodes[i];

        free(n->res.v);
        free(n->name);
        free(n);
    }
    free(u->res.v);
    pool_free(&u->pool);
    free(u->nodes);
    free(u->node_memo);
    free(u);
}

enum crs_mode crs_mode_of(const struct crs_usage *u)
{
    return u->mode;
}

/* Rust's saturating float-to-integer cast (NaN and negatives give 0). */
static uint64_t to_u64(double v)
{
    if (!(v > 0.0)) {
        return 0;
    }
    if (v >= 18446744073709551616.0) {
        return UINT64_MAX;
    }
    return (uint64_t)v;
}

int crs_add_node(struct crs_usage *u, const char *node, const struct crs_node_stats *st)
{
    size_t at;
    struct crs_node *n;

    if (crs_find_node(u, node, &at) != NULL) {
        errno = EEXIST;
        return -1;
    }
    n = xcalloc(1, sizeof(*n));
    n->name = xstrdup(node);
    if (st != NULL) {
        n->base.maxcpu = to_u64(st->maxcpu);
        n->base.maxmem = to_u64(st->maxmem);
        if (u->mode == CRS_DYNAMIC) {
            n->base.cpu = st->cpu;
            n->base.mem = to_u64(st->mem);
        }
    }
    if (u->n_nodes == u->cap_nodes) {
        u->cap_nodes = u->cap_nodes ? u->cap_nodes * 2 : 8;
        u->nodes = xrealloc(u->nodes, u->cap_nodes * sizeof(struct crs_node *));
    }
    memmove(&u->nodes[at + 1], &u->nodes[at], (u->n_nodes - at) * sizeof(struct crs_node *));
    u->nodes[at] = n;
    u->n_nodes++;
    return 0;
}

long crs_node_index(const struct crs_usage *u, const char *node)
{
    size_t at;

    return node != NULL && crs_find_node(u, node, &at) != NULL ? (long)at : -1;
}

size_t crs_node_count(const struct crs_usage *u)
{
    return u->n_nodes;
}

const char *crs_node_name(const struct crs_usage *u, size_t i)
{
    return i < u->n_nodes ? u->nodes[i]->name : NULL;
}

/* Inserts sid into a basic node's set; false if the node is unknown. */
static bool basic_add(struct crs_usage *u, const char *node, const char *sid)
{
    struct crs_node *n = crs_find_node(u, node, NULL);
    size_t at;

    if (n == NULL) {
        return false;
    }
    if (!resvec_find(&n->res, sid, &at)) {
        resvec_insert(&n->res, at, res_new(u, sid));
    }
    return true;
}

static int basic_add_service(
    struct crs_usage *u, const char *sid, const char *cur, const char *tgt, char **warning
)
{
    struct strbuf sb = {0};
    const char *nodes[2] = {cur, tgt};

    for (size_t i = 0; i < 2; i++) {
        if (nodes[i] == NULL || basic_add(u, nodes[i], sid)) {
            continue;
        }
        strbuf_addf(
            &sb, "%sunable to add service '%s' usage to node '%s' - node not in usage hash",
            sb.len ? "\n" : "", sid, nodes[i]
        );
    }
    if (sb.len == 0) {
        return 0;
    }
    *warning = strbuf_take(&sb);
    return -1;
}

int crs_res_stats(
    enum crs_mode mode,
    const char *sid,
    const struct crs_service_stats *st,
    struct crs_res *r,
    char **err
)
{
    static const char *const names[] = {"cpu", "maxcpu", "mem", "maxmem"};
    unsigned need = CRS_HAS_MAXCPU | CRS_HAS_MAXMEM;

    if (st == NULL || !st->has_usage) {
        *err = xasprintf(
            "did not get %s service usage information for '%s'",
            mode == CRS_DYNAMIC ? "dynamic" : "static", sid
        );
        return -1;
    }
    if (mode == CRS_DYNAMIC) {
        need |= CRS_HAS_CPU | CRS_HAS_MEM;
    }
    for (unsigned i = 0; i < 4; i++) {
        if ((need & (1u << i)) && !(st->present & (1u << i))) {
            *err = xasprintf("missing field `%s`", names[i]);
            return -1;
        }
    }
    r->maxcpu = st->maxcpu;
    r->maxmem = to_u64(st->maxmem);
    r->cpu = mode == CRS_DYNAMIC ? st->cpu : r->maxcpu;
    r->mem = mode == CRS_DYNAMIC ? to_u64(st->mem) : r->maxmem;
    return 0;
}

/* The node checks of adding a service in static or dynamic mode. */
static int
place(struct crs_usage *u, struct crs_res *r, const char *cur, const char *tgt, char **err)
{
    r->cur = crs_find_node(u, cur, NULL);
    if (tgt == NULL) {
        if (r->cur == NULL) {
            *err = xasprintf("current node for resource '%s' does not exist", r->sid);
            return -1;
        }
        return 0;
    }
    if (strcmp(cur, tgt) == 0) {
        *err = xasprintf("resource '%s' has the same current and target node", r->sid);
        return -1;
    }
    r->tgt = crs_find_node(u, tgt, NULL);
    if (r->cur == NULL || r->tgt == NULL) {
        *err = xasprintf("nodes for resource '%s' do not exist", r->sid);
        return -1;
    }
    return 0;
}

static void node_link(struct crs_node *n, struct crs_res *r)
{
    size_t at;

    if (n != NULL && !resvec_find(&n->res, r->sid, &at)) {
        resvec_insert(&n->res, at, r);
        memset(n->view_ok, 0, sizeof(n->view_ok));
    }
}

static void node_unlink(struct crs_node *n, const char *sid)
{
    size_t at;

    if (n != NULL && resvec_find(&n->res, sid, &at)) {
        resvec_remove(&n->res, at);
        memset(n->view_ok, 0, sizeof(n->view_ok));
    }
}

/* Registers r (sid and running already set); on error r stays unused. */
static int usage_register(
    struct crs_usage *u,
    struct crs_res *r,
    const char *cur,
    const char *tgt,
    const struct crs_service_stats *st,
    char **err
)
{
    size_t at;

    if (crs_res_stats(u->mode, r->sid, st, r, err) < 0) {
        return -1;
    }
    if (resvec_find(&u->res, r->sid, &at)) {
        *err = xasprintf("resource '%s' already exists", r->sid);
        return -1;
    }
    if (place(u, r, cur, tgt, err) < 0) {
        return -1;
    }
    resvec_insert(&u->res, at, r);
    node_link(r->cur, r);
    node_link(r->tgt, r);
    return 0;
}

int crs_add_service(struct crs_usage *u, const struct crs_service *svc, char **warning)
{
    const char *sid = svc->sid, *cur = svc->cur, *tgt = svc->tgt;
    char *err = NULL;
    struct crs_res *r;

    if (u->mode == CRS_BASIC) {
        return basic_add_service(u, sid, cur, tgt, warning);
    }
    if (cur == NULL && tgt == NULL) {
        return 0;
    }
    if (cur == NULL) {
        cur = tgt;
        tgt = NULL;
    }
    r = res_new(u, sid);
    r->running = svc->running;
    if (usage_register(u, r, cur, tgt, svc->stats, &err) < 0) {
        *warning = xasprintf("unable to add service '%s' - %s", sid, err);
        free(err);
        return -1;
    }
    return 0;
}

void crs_remove_service(struct crs_usage *u, const char *sid)
{
    size_t at;

    if (u->mode == CRS_BASIC) {
        for (size_t i = 0; i < u->n_nodes; i++) {
            struct crs_resvec *v = &u->nodes[i]->res;

            if (resvec_find(v, sid, &at)) {
                resvec_remove(v, at);
            }
        }
        return;
    }
    if (!resvec_find(&u->res, sid, &at)) {
        return;
    }
    struct crs_res *r = u->res.v[at];
    resvec_remove(&u->res, at);
    node_unlink(r->cur, sid);
    node_unlink(r->tgt, sid);
}

bool crs_has_service(const struct crs_usage *u, const char *sid)
{
    if (u->mode != CRS_BASIC) {
        return crs_find_res(u, sid) != NULL;
    }
    for (size_t i = 0; i < u->n_nodes; i++) {
        size_t at;

        if (resvec_find(&u->nodes[i]->res, sid, &at)) {
            return true;
        }
    }
    return false;
}
