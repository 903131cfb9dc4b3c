/* crs_impl.h - internals of the usage object, shared by state/crs*.c only. */
#ifndef HAVEN_CRS_IMPL_H
#define HAVEN_CRS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/crs.h"
#include "state/str.h"

/* A registered service (static/dynamic), or a basic node's set entry. */
struct crs_res {
    char *sid;
    struct crs_node *cur, *tgt; /* tgt is NULL while stationary */
    bool running; /* Started; false is Starting */
    double cpu, maxcpu;
    uint64_t mem, maxmem;
};

/* Pointers sorted by sid. */
struct crs_resvec {
    struct crs_res **v;
    size_t n, cap;
};

/* Aggregated views of the stats; the identity view is the base itself. */
enum crs_view { CRS_VIEW_STARTED, CRS_VIEW_STARTING, CRS_VIEW_IDENTITY };

struct crs_node {
    char *name;
    struct crs_stats base;
    struct crs_resvec res; /* listed as current or target; owned in basic mode */
    struct crs_stats view[2]; /* cache for CRS_VIEW_STARTED, CRS_VIEW_STARTING */
    bool view_ok[2];
};

struct crs_usage {
    enum crs_mode mode;
    struct crs_node **nodes; /* sorted by name */
    size_t n_nodes, cap_nodes;
    struct crs_resvec res; /* registered services (not used in basic mode) */
    struct pool pool; /* every crs_res and its sid: a round adds thousands */
    struct pos_memo *node_memo; /* node lookups, several per service */
};

struct crs_res *crs_find_res(const struct crs_usage *u, const char *sid);
/* *idx (may be NULL) gets the index, or the insertion point when absent. */
struct crs_node *crs_find_node(const struct crs_usage *u, const char *name, size_t *idx);
/* Fills r's cpu/maxcpu/mem/maxmem from the service stats. */
int crs_res_stats(
    enum crs_mode mode,
    const char *sid,
    const struct crs_service_stats *st,
    struct crs_res *r,
    char **err
);
/* The cpu and memory load of one node's stats (f64 divisions). */
struct crs_load {
    double cpu, mem;
};
struct crs_load crs_load_of(const struct crs_stats *s);
/* crs_criteria() and crs_stats_imbalance() over precomputed loads. */
void crs_criteria_loads(const struct crs_load *l, size_t n, double out[CRS_CRITERIA]);
double crs_imbalance_loads(const struct crs_load *l, size_t n);
/* out[u->n_nodes] = every node's stats in the view, in node order. */
void crs_fill_view(struct crs_usage *u, enum crs_view view, struct crs_stats *out);
/* The view imbalance and balancing use in this mode. */
enum crs_view crs_balance_view(enum crs_mode mode);

#endif
