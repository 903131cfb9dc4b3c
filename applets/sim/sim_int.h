/* sim_int.h - the simulated cluster's internals, shared by the files of applets/sim/ only.
 *
 * One struct sim holds the whole simulated world: the
 * hardware of every node, the shared store, cluster locks, watchdogs, the
 * simulated resources and the log. Each node carries two daemon contexts
 * (CRM and LRM), each with its own clock and its own struct ha_env, whose
 * ctx points back at the context. Nodes are kept sorted by name. */
#ifndef HAVEN_SIM_INT_H
#define HAVEN_SIM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "applets/sim/sim.h"
#include "state/env.h"
#include "state/model.h"
#include "state/str.h"

#define SIM_MAX_NODES 29
#define SIM_NAME_MAX 64
#define SIM_LOCK_TIMEOUT 120
#define SIM_WATCHDOG_TIMEOUT 60
#define SIM_MAX_TIME 10000
#define SIM_CFS_ERR "cfs connection refused - not mounted?"
#define SIM_DEFAULT_VERSION "9.0.0~2"

/* A sorted string -> int map: running flags, fa failure counters. */
struct sim_imap {
    char **keys;
    int *vals;
    size_t n, cap;
};
int *sim_imap_find(const struct sim_imap *m, const char *key);
int *sim_imap_get(struct sim_imap *m, const char *key); /* adds 0 if missing */
void sim_imap_del(struct sim_imap *m, const char *key);
void sim_imap_clear(struct sim_imap *m);

/* One CRS stats entry; a missing key is has_* = false. */
struct sim_usage {
    char *sid;
    bool has_maxcpu, has_maxmem, has_cpu, has_mem;
    double maxcpu, maxmem, cpu, mem;
};
struct sim_usage_map {
    struct sim_usage *v; /* sorted by sid */
    size_t n, cap;
};
struct sim_usage *sim_usage_find(const struct sim_usage_map *m, const char *sid);
struct sim_usage *sim_usage_get(struct sim_usage_map *m, const char *sid); /* adds */
void sim_usage_del(struct sim_usage_map *m, const char *sid);
void sim_usage_clear(struct sim_usage_map *m);

struct sim_node;

/* One daemon's environment: the ctx of its struct ha_env. */
struct sim_daemon {
    struct sim *sim;
    struct sim_node *node;
    int64_t clock;
    char actor[SIM_NAME_MAX + 8];
    struct ha_env env;
};

struct sim_node {
    char *name;
    bool power, network;
    bool cfs_rw, cfs_update; /* true = working */
    char *shutdown; /* NULL, "reboot" or "shutdown" */
    char *version; /* NULL = default */
    bool has_maxcpu, has_maxmem;
    double maxcpu, maxmem;
    struct sim_imap running; /* service_status_<node> */
    char *lrm_status; /* NULL until the LRM wrote it */
    struct sim_daemon crm_d, lrm_d;
    struct crm *crm;
    struct lrm *lrm;
    bool crm_stop, lrm_restart;
};

struct sim_lock {
    char *name;
    char *node;
    int64_t time;
};

struct sim_watchdog {
    int handle;
    char *node;
    int64_t update_time;
};

struct sim {
    int64_t t; /* the hardware clock */
    struct sim_node *nodes; /* sorted by name */
    size_t n_nodes;

    /* The cmdlist: batches of commands. */
    char ***batches; /* each NULL-terminated */
    size_t n_batches, next_batch;
    sim_batch_fn more; /* the batches after the cmdlist (ha-sim), NULL = none */
    void *more_ctx;

    /* The shared store. */
    char *manager_status;
    struct svc_config cfg; /* service_config as on disk */
    struct svc_config copy; /* the simulator's copy, renewed on every write */
    char *rules; /* NULL when absent */
    char *groups; /* NULL when absent */
    char *fence; /* NULL when absent */
    char *datacenter; /* raw text, NULL when absent */
    struct dc_settings dc;
    struct strbuf crm_commands;
    struct sim_usage_map static_stats, dynamic_stats;

    struct sim_lock *locks;
    size_t n_locks, cap_locks;
    struct sim_watchdog *wds;
    size_t n_wds, cap_wds;
    int next_wd_handle;

    struct sim_imap fa_start_fail, fa_migrate_fail;
    bool lrm_status_written;

    /* Scheduler. */
    int skip_crm, skip_lrm;
    int64_t next_cmd_at, last_cmd_time;
    unsigned loop_count;
    char *abort_err; /* first fatal error; ends the simulation */

    FILE *log, *echo;
};

/* sim_log.c: the log writer. */
void sim_log_line(
    struct sim *sim, const char *level, int64_t t, const char *actor, const char *msg
);
void sim_logf(struct sim *sim, const char *level, const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sim_abort(struct sim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sim_env.c: the struct ha_env callbacks. */
void sim_daemon_init(struct sim *sim, struct sim_node *node, struct sim_daemon *d, bool lrm);
struct sim_node *sim_node_find(const struct sim *sim, const char *name);
bool sim_node_online(const struct sim *sim, const struct sim_node *n);

/* sim_cfg.c: service config and datacenter callbacks. */
void sim_cfg_install(struct ha_env *env);
void sim_cfg_normalize(struct svc_config *sc);
void sim_cfg_written(struct sim *sim);

/* sim_lock.c: cluster locks and watchdogs. */
bool sim_lock_get(struct sim *sim, struct sim_daemon *d, const char *name);
bool sim_lock_release(struct sim *sim, struct sim_daemon *d, const char *name);
int sim_wd_open(struct sim *sim, struct sim_node *node);
bool sim_wd_update(struct sim *sim, struct sim_node *node, int handle);
bool sim_wd_close(struct sim *sim, struct sim_node *node, int handle);
void sim_wd_drop_node(struct sim *sim, const char *node);
void sim_wd_sweep(struct sim *sim);
void sim_locks_free(struct sim *sim);

/* sim_res.c: the vm/ct/fa resource plugins. */
void sim_res_install(struct ha_env *env);

/* sim_stats.c: CRS statistics providers. */
void sim_stats_install(struct ha_env *env);

/* sim_hw.c: hardware commands. 0 ok, -1 sim->abort_err set. */
int sim_hw_cmd(struct sim *sim, const char *cmd, const char *actor);
/* sim_cmd_check() of sim.h. Other mistakes (a missing service, a bad
 * action) abort the run as upstream. */
void sim_node_power_off(struct sim *sim, struct sim_node *n);
void sim_crm_create(struct sim *sim, struct sim_node *n);
void sim_lrm_create(struct sim *sim, struct sim_node *n);
int sim_service_cmd(struct sim *sim, char **argv, int argc);
/* What sim_service_cmd would abort on now, for ha-sim's prompt: NULL or why
 * (caller frees). exists: whether argv[1] is a service at that moment. */
char *sim_svc_check(const struct sim *sim, char **argv, int argc, bool exists);

/* sim_run.c: "delay N" or "skip-round crm|lrm [N]" in the scheduler's form. */
bool sim_sched_form(const char *cmd);

#endif
