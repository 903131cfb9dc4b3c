/* bench_round.c - time of one full manager round on a synthetic cluster.
 *
 * usage: bench_round NODES SERVICES [RUNS] [MODE]
 * Builds, in memory, a cluster of NODES online nodes and SERVICES started
 * services spread evenly (every LRM status carries one job result per
 * service, as in a steady cluster), lets the manager settle, then times RUNS
 * rounds (default 5) and prints "NODES SERVICES median_ms per_service_us".
 * MODE is the CRS scheduler: basic (default), static or dynamic. The manager
 * is the real state/ code; only the environment is fake (no I/O at all). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state/codec.h"
#include "state/manager.h"
#include "state/str.h"

struct cluster {
    size_t n_nodes, n_svcs;
    char **nodes;
    char *ms_json;
    char **lrm_json;
    struct svc_config sc;
    const char *mode;
    int64_t now;
};

static int64_t now_cb(void *ctx)
{
    return ((struct cluster *)ctx)->now;
}

static void log_cb(void *ctx, enum ha_level level, const char *msg)
{
    (void)ctx;
    (void)level;
    (void)msg;
}

static bool yes(void *ctx)
{
    (void)ctx;
    return true;
}

static bool yes_node(void *ctx, const char *node)
{
    (void)ctx;
    (void)node;
    return true;
}

static int node_info(void *ctx, struct node_info_list *out, char **err)
{
    struct cluster *c = ctx;

    (void)err;
    out->v = xcalloc(c->n_nodes, sizeof(*out->v));
    out->n = c->n_nodes;
    for (size_t i = 0; i < c->n_nodes; i++) {
        out->v[i].node = xstrdup(c->nodes[i]);
        out->v[i].online = true;
    }
    return 0;
}

static int read_ms(void *ctx, char **json, char **err)
{
    (void)err;
    *json = xstrdup(((struct cluster *)ctx)->ms_json ? ((struct cluster *)ctx)->ms_json : "");
    return 0;
}

static int write_ms(void *ctx, const char *json, char **err)
{
    struct cluster *c = ctx;

    (void)err;
    free(c->ms_json);
    c->ms_json = xstrdup(json);
    return 0;
}

static int read_lrm(void *ctx, const char *node, char **json, char **err)
{
    struct cluster *c = ctx;

    (void)err;
    for (size_t i = 0; i < c->n_nodes; i++) {
        if (strcmp(c->nodes[i], node) == 0) {
            *json = xstrdup(c->lrm_json[i] ? c->lrm_json[i] : "");
            return 0;
        }
    }
    *json = xstrdup("");
    return 0;
}

static int read_sc(void *ctx, struct svc_config *out, char **err)
{
    (void)err;
    svc_config_copy(out, &((struct cluster *)ctx)->sc);
    return 0;
}

static int empty_text(void *ctx, char **text, char **err)
{
    (void)ctx;
    (void)err;
    *text = xstrdup("");
    return 0;
}

static bool no(void *ctx)
{
    (void)ctx;
    return false;
}

static void dc(void *ctx, struct dc_settings *out)
{
    out->crs_ha = xstrdup(((struct cluster *)ctx)->mode);
}

static int svc_stats(void *ctx, const char *mode, struct svc_stats_list *out, char **err)
{
    struct cluster *c = ctx;

    (void)mode;
    (void)err;
    svc_stats_from_config(&c->sc, out); /* every service started, with a usage */
    for (size_t i = 0; i < out->n; i++) {
        struct svc_stats *s = &out->v[i];
        s->has_maxcpu = s->has_maxmem = s->has_cpu = s->has_mem = true;
        s->maxcpu = 2.0;
        s->cpu = 0.5;
        s->maxmem = 2147483648.0;
        s->mem = 1073741824.0;
    }
    return 0;
}

static int node_stats(void *ctx, const char *mode, struct node_stats_list *out, char **err)
{
    struct cluster *c = ctx;

    (void)mode;
    (void)err;
    out->v = xcalloc(c->n_nodes, sizeof(*out->v));
    out->n = c->n_nodes;
    for (size_t i = 0; i < c->n_nodes; i++) {
        struct node_stats *s = &out->v[i];
        s->node = xstrdup(c->nodes[i]);
        s->has_maxcpu = s->has_maxmem = true;
        s->maxcpu = 4096.0;
        s->maxmem = 1e15;
    }
    return 0;
}

static char *no_version(void *ctx, const char *node)
{
    (void)ctx;
    (void)node;
    return xstrdup("9.1.0");
}

static int cmp_result(const void *a, const void *b)
{
    return strcmp(((const struct lrm_result *)a)->uid, ((const struct lrm_result *)b)->uid);
}

/* What the LRMs report after running every job of the manager status. */
static void lrms_answer(struct cluster *c)
{
    struct manager_status ms = {0};
    char *err = NULL;

    if (ms_from_json(c->ms_json, &ms, &err) != 0) {
        fprintf(stderr, "bench_round: %s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < c->n_nodes; i++) {
        struct lrm_status ls = {0};
        size_t n = 0;
        ls.state = xstrdup("active");
        ls.mode = xstrdup("active");
        ls.timestamp = c->now;
        ls.results = xcalloc(ms.n_svcs ? ms.n_svcs : 1, sizeof(*ls.results));
        for (size_t j = 0; j < ms.n_svcs; j++) {
            const struct sd *sd = &ms.svcs[j];
            if (sd->node && strcmp(sd->node, c->nodes[i]) == 0 && sd->uid) {
                ls.results[n].uid = xstrdup(sd->uid);
                ls.results[n].sid = xstrdup(sd->sid);
                ls.results[n].state = xstrdup(svc_state_name(sd->state));
                ls.results[n].exit_code = 0;
                n++;
            }
        }
        ls.n_results = n;
        qsort(ls.results, n, sizeof(*ls.results), cmp_result); /* kept sorted by uid */
        free(c->lrm_json[i]);
        c->lrm_json[i] = lrm_status_to_json(&ls);
        lrm_status_free(&ls);
    }
    ms_free(&ms);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    struct cluster c = {0};
    struct ha_env env = {0};
    bool written = false;
    int runs;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_round NODES SERVICES [RUNS] [basic|static|dynamic]\n");
        return 2;
    }
    c.n_nodes = strtoul(argv[1], NULL, 10);
    c.n_svcs = strtoul(argv[2], NULL, 10);
    runs = argc > 3 ? atoi(argv[3]) : 5;
    c.mode = argc > 4 ? argv[4] : "basic";
    if (c.n_nodes == 0 || runs < 1) {
        fprintf(stderr, "bench_round: need at least one node and one run\n");
        return 2;
    }
    c.now = 1000;
    c.nodes = xcalloc(c.n_nodes, sizeof(*c.nodes));
    c.lrm_json = xcalloc(c.n_nodes, sizeof(*c.lrm_json));
    for (size_t i = 0; i < c.n_nodes; i++) {
        c.nodes[i] = xasprintf("node%03zu", i + 1);
    }
    for (size_t i = 0; i < c.n_svcs; i++) {
        char sid[32];
        snprintf(sid, sizeof(sid), "vm:%zu", 100000 + i);
        struct svc_conf *cd = svc_config_add(&c.sc, sid);
        cd->type = xstrdup("vm");
        cd->name = xstrdup(sid + 3);
        cd->node = xstrdup(c.nodes[i % c.n_nodes]);
        cd->state = REQ_STARTED;
        cd->failback = 1;
        cd->max_restart = 1;
        cd->max_relocate = 1;
    }

    env.ctx = &c;
    env.node = c.nodes[0];
    env.now = now_cb;
    env.log = log_cb;
    env.quorate = yes;
    env.get_node_info = node_info;
    env.cluster_state_update = yes;
    env.get_manager_lock = yes;
    env.get_agent_lock = yes_node;
    env.read_manager_status = read_ms;
    env.write_manager_status = write_ms;
    env.read_lrm_status = read_lrm;
    env.read_service_config = read_sc;
    env.read_rules_config = empty_text;
    env.read_group_config = empty_text;
    env.read_crm_commands = empty_text;
    env.any_pending_crm_command = no;
    env.get_datacenter_settings = dc;
    env.get_service_stats = svc_stats;
    env.get_node_stats = node_stats;
    env.get_node_version = no_version;
    env.lrm_status_written = &written;

    struct manager *m = manager_new(&env);
    /* Settle: request_start -> started, then the LRMs answer every job. */
    for (int i = 0; i < 4; i++) {
        char *err = NULL;
        c.now += 10;
        if (manager_round(m, &env, &err) != 0) {
            fprintf(stderr, "bench_round: %s\n", err);
            return 1;
        }
        lrms_answer(&c);
    }
    if (getenv("BENCH_SIZES") != NULL) {
        /* the store values a round writes: etcd's request limit is 1.5 MiB */
        size_t lrm_max = 0;
        for (size_t i = 0; i < c.n_nodes; i++) {
            size_t n = c.lrm_json[i] ? strlen(c.lrm_json[i]) : 0;
            lrm_max = n > lrm_max ? n : lrm_max;
        }
        fprintf(
            stderr, "sizes: manager_status %zu bytes, largest lrm_status %zu bytes\n",
            c.ms_json ? strlen(c.ms_json) : 0, lrm_max
        );
    }
    double *t = xcalloc((size_t)runs, sizeof(*t));
    for (int i = 0; i < runs; i++) {
        struct timespec t0;
        char *err = NULL;
        c.now += 10;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (manager_round(m, &env, &err) != 0) {
            fprintf(stderr, "bench_round: %s\n", err);
            return 1;
        }
        t[i] = ms_since(&t0);
    }
    qsort(t, (size_t)runs, sizeof(*t), cmp_double);
    double med = t[runs / 2];
    printf(
        "%zu %zu %.3f %.3f\n", c.n_nodes, c.n_svcs, med,
        c.n_svcs ? med * 1000.0 / (double)c.n_svcs : 0.0
    );
    manager_free(m);
    return 0;
}
