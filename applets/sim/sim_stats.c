/* sim_stats.c - the CRS statistics providers of the simulator:
 * per-service usage from the stats files and per-node capacity and load
 * from the hardware status. Services and nodes are visited in sorted order. */
#include "applets/sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

#define SIM_DEFAULT_MAXCPU 24.0
#define SIM_DEFAULT_MAXMEM 137438953472.0

static void usage_overlay(struct svc_stats *st, const struct sim_usage *u)
{
    if (u == NULL) {
        return;
    }
    if (u->has_maxcpu) {
        st->has_maxcpu = true;
        st->maxcpu = u->maxcpu;
    }
    if (u->has_maxmem) {
        st->has_maxmem = true;
        st->maxmem = u->maxmem;
    }
    if (u->has_cpu) {
        st->has_cpu = true;
        st->cpu = u->cpu;
    }
    if (u->has_mem) {
        st->has_mem = true;
        st->mem = u->mem;
    }
}

/* The hardware warns about services using more than they may (dynamic). */
static void warn_overcommit(struct sim *sim, const struct svc_stats_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct svc_stats *st = &l->v[i];

        if ((st->has_cpu ? st->cpu : 0) > (st->has_maxcpu ? st->maxcpu : 0)) {
            sim_logf(sim, "warning", "hardware", "overcommitted cpu on '%s'", st->sid);
        }
        if ((st->has_mem ? st->mem : 0) > (st->has_maxmem ? st->maxmem : 0)) {
            sim_logf(sim, "warning", "hardware", "overcommitted mem on '%s'", st->sid);
        }
    }
}

/* A sid without stats entries gets an empty usage: the manager then reports
 * the missing field (the reference simulator does so; upstream fails with a
 * Perl error that no port can reproduce). */
static int service_stats(struct sim *sim, const char *mode, struct svc_stats_list *out, char **err)
{
    bool dynamic = str_eq(mode, "dynamic");

    svc_stats_from_config(&sim->copy, out);
    for (size_t i = 0; i < out->n; i++) {
        struct svc_stats *st = &out->v[i];

        if (dynamic || str_eq(mode, "static")) {
            usage_overlay(st, sim_usage_find(&sim->static_stats, st->sid));
        }
        if (dynamic) {
            usage_overlay(st, sim_usage_find(&sim->dynamic_stats, st->sid));
        }
    }
    if (dynamic) {
        warn_overcommit(sim, out);
    }
    return 0;
}

static int env_service_stats(void *ctx, const char *mode, struct svc_stats_list *out, char **err)
{
    return service_stats(((struct sim_daemon *)ctx)->sim, mode, out, err);
}

/* Add the load of every running service to its node (dynamic mode). */
static int add_node_load(
    struct sim *sim, struct node_stats_list *out, const struct svc_stats_list *svcs, char **err
)
{
    for (size_t i = 0; i < svcs->n; i++) {
        const struct svc_stats *st = &svcs->v[i];
        struct sim_node *n = st->node ? sim_node_find(sim, st->node) : NULL;
        int *running = n ? sim_imap_find(&n->running, st->sid) : NULL;

        if (running == NULL || *running == 0) {
            continue;
        }
        struct node_stats *ns = &out->v[n - sim->nodes];
        if (!st->has_cpu) {
            *err = xasprintf("unknown cpu load for '%s'", st->sid);
            return -1;
        }
        ns->cpu += st->cpu;
        if (ns->cpu > ns->maxcpu) {
            sim_logf(sim, "warning", "hardware", "overcommitted cpu on '%s'", ns->node);
        }
        if (!st->has_mem) {
            *err = xasprintf("unknown memory usage for '%s'", st->sid);
            return -1;
        }
        ns->mem += st->mem;
        if (ns->mem > ns->maxmem) {
            sim_logf(sim, "warning", "hardware", "overcommitted mem on '%s'", ns->node);
        }
    }
    return 0;
}

static int env_node_stats(void *ctx, const char *mode, struct node_stats_list *out, char **err)
{
    struct sim *sim = ((struct sim_daemon *)ctx)->sim;
    bool dynamic = str_eq(mode, "dynamic");
    struct svc_stats_list svcs;
    int rc;

    out->v = xcalloc(sim->n_nodes ? sim->n_nodes : 1, sizeof(*out->v));
    out->n = sim->n_nodes;
    for (size_t i = 0; i < sim->n_nodes; i++) {
        const struct sim_node *n = &sim->nodes[i];
        struct node_stats *ns = &out->v[i];

        ns->node = xstrdup(n->name);
        ns->has_maxcpu = n->has_maxcpu || dynamic;
        ns->has_maxmem = n->has_maxmem || dynamic;
        ns->maxcpu = n->has_maxcpu ? n->maxcpu : (dynamic ? SIM_DEFAULT_MAXCPU : 0);
        ns->maxmem = n->has_maxmem ? n->maxmem : (dynamic ? SIM_DEFAULT_MAXMEM : 0);
    }
    if (!dynamic) {
        return 0;
    }
    rc = service_stats(sim, mode, &svcs, err);
    if (rc == 0) {
        rc = add_node_load(sim, out, &svcs, err);
        svc_stats_list_free(&svcs);
    }
    if (rc != 0) {
        node_stats_list_free(out);
    }
    return rc;
}

void sim_stats_install(struct ha_env *env)
{
    env->get_service_stats = env_service_stats;
    env->get_node_stats = env_node_stats;
}
