/* env.h - the one door between the HA core and the world.
 *
 * state/ never touches the OS: time, locks, the shared store, quorum, the
 * watchdog, resource agents and logging all go through struct ha_env. Three
 * fillers exist: the real daemons (applets/daemon/), the simulator (applets/sim/) and the
 * fakes of the unit tests. Contracts: state/README.md. Functions that
 * can fail return 0 on success or -1 and a malloc'd one-line *err (caller
 * frees); text results are malloc'd (caller frees), "" when a file is absent. */
#ifndef HAVEN_ENV_H
#define HAVEN_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "state/model.h"

/* Log levels of the core; the simulator prints their first four letters. */
enum ha_level { HA_ERR, HA_WARNING, HA_NOTICE, HA_INFO, HA_DEBUG, HA_EMAIL, HA_QUIRK_NL };
/* HA_QUIRK_NL: upstream logs one message with the level string "\n\t" (a
 * bug the simulator's log shows as is); real daemons log it as info. */
const char *ha_level_name(enum ha_level l); /* "err", "warning", "notice", ... */
/* The level column of a log line: the name cut to four letters ("warn",
 * "noti"); HA_QUIRK_NL gives upstream's broken "\n\t". */
const char *ha_level_tag(enum ha_level l);

/* A job of the LRM, handed to the environment to run. */
struct lrm_job {
    char *sid;
    char *uid; /* NULL for the stop jobs of a shutdown request */
    enum svc_state state; /* the command: SS_STARTED, SS_REQUEST_STOP, SS_MIGRATE, ... */
    char *target;
    char *timeout;
    /* The service config read once per run of the job queue (upstream's
     * run_workers); valid during run_job() only. have_conf false: read it. */
    bool have_conf;
    const struct svc_conf *conf; /* NULL: the service is not configured */
};

/* The daemon timings, in seconds. The simulator passes
 * upstream's values: R 10, S 5, W 8, F 60. */
struct ha_timing {
    int64_t round; /* R: daemon round */
    int64_t short_sleep; /* S: wait-state sleep, lock retry window */
    int64_t worker_wait; /* W: how long run_workers waits for its workers */
    int64_t fence_delay; /* F: delay of node_is_offline_delayed */
};

/* Something an operator wants to hear of (applets/README.md, "Events"):
 * kind is one word ("fence_started", "service_recovered", ...); the others
 * are NULL where they do not apply. */
struct ha_event {
    const char *kind;
    const char *node; /* the node it concerns */
    const char *sid;
    const char *from, *to; /* states or nodes, by kind */
};

struct ha_env {
    void *ctx;
    const char *node;
    const struct ha_timing *timing;

    int64_t (*now)(void *ctx); /* seconds */
    void (*log)(void *ctx, enum ha_level level, const char *msg);
    /* Fencing notification: prefix "FENCE"/"SUCCEED". */
    void (*notify)(void *ctx, const char *prefix, const char *text);
    /* An event for hooks and metrics; NULL: ignored (the simulator, whose
     * log must not change). */
    void (*event)(void *ctx, const struct ha_event *ev);

    bool (*quorate)(void *ctx);
    int (*get_node_info)(void *ctx, struct node_info_list *out, char **err);
    /* Refresh the cached cluster state; false = inconsistent (skip the round). */
    bool (*cluster_state_update)(void *ctx);
    /* Is the whole node going down, and is it a reboot. */
    void (*is_node_shutdown)(void *ctx, bool *shutdown, bool *reboot);

    /* Cluster locks: acquire or renew (true = held), release (true = done). */
    bool (*get_manager_lock)(void *ctx);
    bool (*release_manager_lock)(void *ctx);
    bool (*get_agent_lock)(void *ctx, const char *node);
    bool (*release_agent_lock)(void *ctx);

    /* The shared store. */
    int (*read_manager_status)(void *ctx, char **json, char **err);
    int (*write_manager_status)(void *ctx, const char *json, char **err);
    int (*read_lrm_status)(void *ctx, const char *node, char **json, char **err);
    int (*write_lrm_status)(void *ctx, const char *json, char **err);
    int (*read_service_config)(void *ctx, struct svc_config *out, char **err);
    /* Set (value != NULL) or delete one key of a service's config. */
    int (*update_service_config
    )(void *ctx, const char *sid, const char *key, const char *value, char **err);
    /* Move a service's location from a fenced node to a new one. */
    int (*steal_service
    )(void *ctx, const char *sid, const char *cur, const char *new_node, char **err);
    int (*read_rules_config)(void *ctx, char **text, char **err);
    int (*write_rules_config)(void *ctx, const char *text, char **err);
    int (*read_group_config)(void *ctx, char **text, char **err);
    int (*delete_group_config)(void *ctx, char **err);
    /* Read and truncate the CRM command queue. */
    int (*read_crm_commands)(void *ctx, char **text, char **err);
    bool (*any_pending_crm_command)(void *ctx);
    void (*get_datacenter_settings)(void *ctx, struct dc_settings *out);
    /* CRS inputs; mode is "basic", "static" or "dynamic". */
    int (*get_service_stats)(void *ctx, const char *mode, struct svc_stats_list *out, char **err);
    int (*get_node_stats)(void *ctx, const char *mode, struct node_stats_list *out, char **err);
    /* Node software version, NULL if unknown (caller frees). */
    char *(*get_node_version)(void *ctx, const char *node);

    /* The watchdog: open returns a handle >= 0 or -1. */
    int (*watchdog_open)(void *ctx);
    bool (*watchdog_update)(void *ctx, int handle);
    bool (*watchdog_close)(void *ctx, int handle);

    /* Resource plugins, used by lrm_exec_job(). */
    bool (*res_type_known)(void *ctx, const char *type);
    bool (*res_check_running)(void *ctx, const char *sid);
    void (*res_start)(void *ctx, const char *sid);
    void (*res_shutdown)(void *ctx, const char *sid, const char *timeout);
    bool (*res_migrate)(void *ctx, const char *sid, const char *target, bool online);
    /* Remove a leftover lock if it is one of names (NULL-terminated);
     * returns the removed lock (caller frees) or NULL. */
    char *(*res_remove_locks)(void *ctx, const char *sid, const char *const *names);

    /* Run an LRM job: synchronously (return its exit code, -1 if it could
     * not run) or in a worker (return LRM_JOB_ASYNC; the result comes back
     * through job_finished() or lrm_job_done()). */
    int (*run_job)(void *ctx, const struct lrm_job *job);
    /* Reap the worker of sid if it ended: true and its exit code. NULL when
     * every job runs synchronously (simulator). */
    bool (*job_finished)(void *ctx, const char *sid, int *exit_code);
    /* Sleep between lock attempts and worker polls (the real daemons keep
     * their event loop running meanwhile). NULL: no sleeping (simulator, whose
     * clock only moves between rounds). */
    void (*sleep)(void *ctx, int64_t seconds);

    /* An error escaped a daemon iteration (upstream: an uncaught die in the
     * main loop). The simulator aborts the run; a daemon logs it and exits.
     * The core unwinds the iteration itself after calling this. */
    void (*unhandled_error)(void *ctx, const char *err);

    /* One flag shared by every LRM of the process: some LRM has written its
     * status once. Points into the filler's storage. */
    bool *lrm_status_written;
};

/* env->timing, or upstream's R 10, S 5, W 8, F 60 when the filler sets none. */
const struct ha_timing *env_timing(const struct ha_env *env);

/* get_protected_*_lock's retry loop: up to 6 attempts
 * 1 s apart within S. node NULL: the manager lock, else node's agent lock. */
bool env_lock_attempts(const struct ha_env *env, const char *node);

/* Report an event through env->event, if the filler has one. */
void env_event(
    const struct ha_env *env,
    const char *kind,
    const char *node,
    const char *sid,
    const char *from,
    const char *to
);

/* Log through env->log with printf formatting. */
void env_log(const struct ha_env *env, enum ha_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
