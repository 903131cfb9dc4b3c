/* crs.h - the cluster resource scheduler's usage model.
 *
 * A usage object holds the online nodes of one manager round with their base
 * stats, and the services registered on them. From that it scores the nodes
 * for starting a service, computes the node imbalance and selects the best
 * balancing migration, with the maths of proxmox-resource-scheduling 2.0.0.
 * Nodes and services are kept in byte-wise sorted order, and every float sum
 * runs in that order, so results do not depend on the order of the calls.
 *
 * Pure logic: nothing here logs. Functions that can fail return -1 and hand
 * back a malloc'd message in *err (caller frees), worded as upstream's error. */
#ifndef HAVEN_CRS_H
#define HAVEN_CRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crs_mode { CRS_BASIC, CRS_STATIC, CRS_DYNAMIC };

struct crs_usage;

/* Node stats as read from the node stats provider, before conversion. */
struct crs_node_stats {
    double cpu; /* dynamic: live cpu; ignored (0.0) in static mode */
    double maxcpu; /* truncated to an integer */
    double mem; /* dynamic: live bytes, truncated; ignored (0) in static mode */
    double maxmem; /* truncated to an integer */
};

/* Which fields a service's usage map holds (crs_service_stats.present). */
enum {
    CRS_HAS_CPU = 1 << 0,
    CRS_HAS_MAXCPU = 1 << 1,
    CRS_HAS_MEM = 1 << 2,
    CRS_HAS_MAXMEM = 1 << 3,
};

/* stats[sid].usage of the service stats provider. Pass NULL (or
 * has_usage false) when the sid has no entry or its entry has no usage; an
 * empty map is has_usage true with present 0. mem/maxmem are truncated. */
struct crs_service_stats {
    bool has_usage;
    unsigned present; /* CRS_HAS_* bits */
    double cpu, maxcpu, mem, maxmem;
};

/* The stats of one node in one view (upstream's number types): memory stays an
 * integer until a load is computed. */
struct crs_stats {
    double cpu;
    uint64_t maxcpu;
    uint64_t mem;
    uint64_t maxmem;
};

/* The maths, exposed for tests and callers with their own views. */
#define CRS_CRITERIA 4
/* The 4 minimised TOPSIS criteria of n node stats: avg cpu, max cpu, avg mem,
 * max mem (each 1 + ...). */
void crs_criteria(const struct crs_stats *nodes, size_t n, double out[CRS_CRITERIA]);
/* TOPSIS scores (higher is better) of m rows of CRS_CRITERIA values, stored
 * row after row; rows is modified (normalised). -1 with *err on a
 * non-finite value or score. */
int crs_topsis(double *rows, size_t m, double *scores, char **err);
/* Coefficient of variation of the loads of n node stats. */
double crs_stats_imbalance(const struct crs_stats *nodes, size_t n);
/* trunc(x * 1e15) / 1e15: upstream's 15-decimal truncation. */
double crs_trunc15(double x);

/* New empty usage; caller frees with crs_free(). */
struct crs_usage *crs_new(enum crs_mode mode);
void crs_free(struct crs_usage *u);
enum crs_mode crs_mode_of(const struct crs_usage *u);

/* Adds an online node with its base stats (static mode keeps only maxcpu and
 * maxmem). Add nodes before services. -1 (EEXIST) if the node is known. */
int crs_add_node(struct crs_usage *u, const char *node, const struct crs_node_stats *st);
size_t crs_node_count(const struct crs_usage *u);
const char *crs_node_name(const struct crs_usage *u, size_t i); /* sorted; borrowed */
long crs_node_index(const struct crs_usage *u, const char *node); /* -1 if absent or NULL */

/* One service for crs_add_service (upstream's add_service arguments):
 * cur/tgt may be NULL; stats (NULL if none) is ignored in basic mode. */
struct crs_service {
    const char *sid;
    const char *cur;
    const char *tgt;
    bool running;
    const struct crs_service_stats *stats;
};
/* Upstream's add_service. On failure returns -1 and *warning is the
 * complete warning line to log: "unable to add service '<sid>' - <error>"
 * in static/dynamic mode, or basic mode's "unable to add service '<sid>'
 * usage to node '<n>' - node not in usage hash" (two such lines joined by
 * '\n' if both nodes are unknown; the known one is still added). Caller
 * frees *warning. */
int crs_add_service(struct crs_usage *u, const struct crs_service *svc, char **warning);
/* Unregisters the sid if it is registered (basic: from every node's set). */
void crs_remove_service(struct crs_usage *u, const char *sid);
bool crs_has_service(const struct crs_usage *u, const char *sid);

/* Scores every usage node for starting sid, into
 * score_out[crs_node_count()] in node order; lower is better. Basic: number
 * of services on the node. Static/dynamic: minus the TOPSIS score. On error
 * returns -1, sets every score to 0 and *err to the bare error (the caller
 * logs "unable to score nodes according to <mode> usage for service ..."). */
int crs_score_nodes(
    struct crs_usage *u,
    const char *sid,
    const struct crs_service_stats *st,
    double *score_out,
    char **err
);

/* Node imbalance: coefficient of variation of the node loads over
 * the balancing view, not normalised (basic: 0.0). */
double crs_imbalance(struct crs_usage *u);

/* One candidate of automatic rebalancing; all strings borrowed. */
struct crs_candidate {
    const char *leader;
    const char *const *members; /* sorted, leader included */
    size_t n_members;
    const char *const *targets; /* sorted usage nodes */
    size_t n_targets;
};

/* The chosen migration; leader and target point into the candidates. */
struct crs_migration {
    const char *leader;
    const char *source;
    const char *target;
    double imbalance; /* after the move, truncated to 15 decimals */
};

/* Selects the best balancing migration with method
 * "bruteforce" or "topsis". Returns 1 with *out filled, 0 when there is no
 * migration (no targets, basic mode or another method), or -1 with *err the
 * bare error (caller logs "unable to score best balancing migration - ..."). */
int crs_select_migration(
    struct crs_usage *u,
    const struct crs_candidate *cand,
    size_t n_cand,
    const char *method,
    struct crs_migration *out,
    char **err
);

/* (before - after) / before: the relative improvement a rebalance must reach. */
double crs_relative_improvement(double before, double after);

#endif
