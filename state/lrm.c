/* lrm.c - the LRM daemon: holds the node's agent lock (and with it the
 * watchdog), follows the master's service status and runs the resulting
 * jobs. The states and modes: state/README.md, "The daemons' state machines". */
#include "state/lrm.h"

#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/lrm_jobs.h"
#include "state/str.h"

enum lrm_state { LRM_WAIT_FOR_AGENT_LOCK, LRM_ACTIVE, LRM_LOST_AGENT_LOCK, LRM_MAINTENANCE };

static const char *const lrm_state_names[] = {
    [LRM_WAIT_FOR_AGENT_LOCK] = "wait_for_agent_lock",
    [LRM_ACTIVE] = "active",
    [LRM_LOST_AGENT_LOCK] = "lost_agent_lock",
    [LRM_MAINTENANCE] = "maintenance",
};

#define LRM_IDLE_ROUNDS 60
/* A restarting LRM that lost its lock gives up after this long. */
#define LRM_RESTART_GIVE_UP_S 90

struct lrm {
    enum lrm_state state;
    int64_t state_change_time;
    enum lrm_mode mode;
    bool shutdown_request;
    int64_t shutdown_request_time;
    int watchdog;
    int idle_rounds;
    struct manager_status view; /* the last manager status read */
    struct lrm_jobs jobs;
    char *exc; /* an error raised in this iteration; callers unwind */
};

const char *lrm_state_name(const struct lrm *lrm)
{
    return lrm_state_names[lrm->state];
}

struct lrm *lrm_new(const struct ha_env *env)
{
    struct lrm *lrm = xcalloc(1, sizeof(*lrm));

    lrm->state = LRM_WAIT_FOR_AGENT_LOCK;
    lrm->mode = LRM_MODE_ACTIVE;
    lrm->watchdog = -1;
    lrm->state_change_time = env->now(env->ctx);
    env_log(env, HA_INFO, "status change startup => wait_for_agent_lock");
    return lrm;
}

void lrm_free(struct lrm *lrm)
{
    if (lrm == NULL) {
        return;
    }
    ms_free(&lrm->view);
    lrm_jobs_free(&lrm->jobs);
    free(lrm->exc);
    free(lrm);
}

static void lrm_set_state(struct lrm *lrm, const struct ha_env *env, enum lrm_state st)
{
    if (lrm->state == st) {
        return;
    }
    env_log(
        env, HA_INFO, "status change %s => %s", lrm_state_names[lrm->state], lrm_state_names[st]
    );
    if (st == LRM_LOST_AGENT_LOCK) {
        /* the watchdog stays open: unless the lock comes back, the node resets */
        env_event(env, "lock_lost", env->node, NULL, lrm_state_names[lrm->state], "agent_lock");
        if (lrm->watchdog >= 0) {
            env_event(
                env, "watchdog_expiry_imminent", env->node, NULL, lrm_state_names[lrm->state], NULL
            );
        }
    }
    lrm->state = st;
    lrm->state_change_time = env->now(env->ctx);
}

static void lrm_close_watchdog(struct lrm *lrm, const struct ha_env *env)
{
    if (lrm->watchdog >= 0) {
        env->watchdog_close(env->ctx, lrm->watchdog);
        lrm->watchdog = -1;
    }
}

static bool lrm_take_agent_lock(struct lrm *lrm, const struct ha_env *env)
{
    bool got = env_lock_attempts(env, env->node);

    if (got) {
        if (lrm->watchdog >= 0) {
            env->watchdog_update(env->ctx, lrm->watchdog);
        } else {
            lrm->watchdog = env->watchdog_open(env->ctx);
        }
    }
    return got;
}

/* Publish state, mode and results; needs quorum. */
static bool lrm_write_status(struct lrm *lrm, const struct ha_env *env)
{
    struct lrm_status ls = {0};
    char *json, *err = NULL;
    int rc;

    if (!env->quorate(env->ctx)) {
        return false;
    }
    ls.state = xstrdup(lrm_state_names[lrm->state]);
    ls.mode = xstrdup(lrm_mode_name(lrm->mode));
    ls.results = lrm->jobs.results;
    ls.n_results = lrm->jobs.n_results;
    ls.timestamp = env->now(env->ctx);
    json = lrm_status_to_json(&ls);
    free(ls.state);
    free(ls.mode);
    rc = env->write_lrm_status(env->ctx, json, &err);
    free(json);
    if (rc != 0) {
        env_log(env, HA_ERR, "unable to write lrm status file - %s", err ? err : "unknown error");
        free(err);
        return false;
    }
    *env->lrm_status_written = true;
    return true;
}

/* Re-read the manager status; keeps the old view on error. */
static bool lrm_refresh(struct lrm *lrm, const struct ha_env *env)
{
    struct manager_status ms = {0};
    char *json = NULL, *err = NULL;
    int rc = env->read_manager_status(env->ctx, &json, &err);

    if (rc == 0) {
        rc = ms_from_json(json, &ms, &err);
    }
    free(json);
    if (rc != 0) {
        env_log(
            env, HA_ERR, "updating service status from manager failed: %s",
            err ? err : "unknown error"
        );
        free(err);
        return false;
    }
    ms_free(&lrm->view);
    lrm->view = ms;
    if (!lrm->shutdown_request) {
        const struct node_request *req = ms_find_req(&ms, env->node);
        if (req != NULL && req->maintenance) {
            lrm->mode = LRM_MODE_MAINTENANCE;
        } else if (ms.disarm_mode != NULL) {
            lrm->mode = LRM_MODE_DISARM;
        } else if (lrm->mode == LRM_MODE_MAINTENANCE || lrm->mode == LRM_MODE_DISARM) {
            lrm->mode = LRM_MODE_ACTIVE;
        }
    }
    return true;
}

static bool lrm_fence_requested(const struct lrm *lrm, const struct ha_env *env)
{
    const struct node_entry *me = ms_find_node(&lrm->view, env->node);

    if (me != NULL && me->state == NS_FENCE) {
        return true;
    }
    for (size_t i = 0; i < lrm->view.n_svcs; i++) {
        const struct sd *sd = &lrm->view.svcs[i];
        if (sd->state == SS_FENCE && str_eq(sd->node, env->node)) {
            return true;
        }
    }
    return false;
}

/* Services this node must care about. */
static int lrm_active_count(const struct lrm *lrm, const struct ha_env *env)
{
    return (int)ms_active_service_count(&lrm->view, env->node);
}

static bool lrm_has_service_here(const struct lrm *lrm, const struct ha_env *env)
{
    for (size_t i = 0; i < lrm->view.n_svcs; i++) {
        if (str_eq(lrm->view.svcs[i].node, env->node)) {
            return true;
        }
    }
    return false;
}

/* Upstream's run_workers reads the service config once, first, for all its
 * jobs: a store error there is an exception (lrm->exc), which every caller
 * checks. */
static size_t lrm_run_jobs(struct lrm *lrm, const struct ha_env *env)
{
    struct svc_config sc = {0};
    char *err = NULL;

    if (lrm->exc != NULL) {
        return 0;
    }
    if (env->read_service_config(env->ctx, &sc, &err) != 0) {
        lrm->exc = err != NULL ? err : xstrdup("unable to read service configuration");
        return 0;
    }
    size_t pending = lrm_jobs_run(&lrm->jobs, env, &lrm->view, &sc);
    svc_config_free(&sc);
    return pending;
}

/* manage_resources(): queue the jobs of the current view, then run them. */
static void lrm_manage(struct lrm *lrm, const struct ha_env *env)
{
    lrm_jobs_manage(&lrm->jobs, env, &lrm->view);
    lrm_run_jobs(lrm, env);
}

static void lrm_release(struct lrm *lrm, const struct ha_env *env)
{
    env->release_agent_lock(env->ctx);
    lrm_close_watchdog(lrm, env);
}

static void lrm_active_transition(struct lrm *lrm, const struct ha_env *env, bool fence_request)
{
    if (fence_request) {
        env_log(env, HA_ERR, "node needs to be fenced - releasing agent_lock");
        lrm_set_state(lrm, env, LRM_LOST_AGENT_LOCK);
    } else if (!lrm_take_agent_lock(lrm, env)) {
        lrm_set_state(lrm, env, LRM_LOST_AGENT_LOCK);
    } else if (lrm->mode == LRM_MODE_MAINTENANCE) {
        lrm_set_state(lrm, env, LRM_MAINTENANCE);
    } else if (lrm->mode == LRM_MODE_DISARM && lrm_run_jobs(lrm, env) == 0 && lrm->exc == NULL) {
        env_log(env, HA_INFO, "HA disarm requested, releasing agent lock and watchdog");
        lrm_release(lrm, env);
        lrm_set_state(lrm, env, LRM_WAIT_FOR_AGENT_LOCK);
    } else if (lrm->exc != NULL) {
        return;
    } else if (!lrm_has_service_here(lrm, env) && lrm_run_jobs(lrm, env) == 0) {
        if (lrm->exc != NULL) {
            return;
        }
        if (++lrm->idle_rounds > LRM_IDLE_ROUNDS) {
            env_log(
                env, HA_INFO, "node had no service configured for %d rounds, going idle.",
                LRM_IDLE_ROUNDS
            );
            lrm_release(lrm, env);
            lrm_set_state(lrm, env, LRM_WAIT_FOR_AGENT_LOCK);
            lrm->idle_rounds = 0;
        }
    } else {
        lrm->idle_rounds = 0;
    }
}

static void lrm_maintenance_transition(
    struct lrm *lrm, const struct ha_env *env, bool fence_request, int active_count
)
{
    if (fence_request) {
        env_log(
            env, HA_ERR, "node needs to be fenced during maintenance mode - releasing agent_lock"
        );
        lrm_set_state(lrm, env, LRM_LOST_AGENT_LOCK);
    } else if (lrm->mode == LRM_MODE_DISARM && active_count == 0 && lrm_run_jobs(lrm, env) == 0 && lrm->exc == NULL) {
        env_log(
            env, HA_INFO,
            "HA disarm requested during maintenance, releasing agent lock and watchdog"
        );
        lrm_release(lrm, env);
        lrm_set_state(lrm, env, LRM_WAIT_FOR_AGENT_LOCK);
    } else if (lrm->exc == NULL) {
        /* Pending jobs keep the node in maintenance like active services do. */
        bool busy = active_count > 0 || lrm_run_jobs(lrm, env) > 0;
        if (lrm->exc != NULL) {
            return;
        }
        if (busy) {
            if (!lrm_take_agent_lock(lrm, env)) {
                lrm_set_state(lrm, env, LRM_LOST_AGENT_LOCK);
            }
        } else if (lrm->mode != LRM_MODE_MAINTENANCE) {
            lrm_set_state(
                lrm, env, lrm_take_agent_lock(lrm, env) ? LRM_ACTIVE : LRM_LOST_AGENT_LOCK
            );
        }
    }
}

static void lrm_transition(struct lrm *lrm, const struct ha_env *env)
{
    bool fence_request = lrm_fence_requested(lrm, env);
    int active_count = lrm_active_count(lrm, env);

    switch (lrm->state) {
    case LRM_WAIT_FOR_AGENT_LOCK:
        if (lrm->mode != LRM_MODE_DISARM && !fence_request && active_count > 0 &&
            env->quorate(env->ctx) && lrm_take_agent_lock(lrm, env)) {
            lrm_set_state(lrm, env, LRM_ACTIVE);
        }
        break;
    case LRM_LOST_AGENT_LOCK:
        if (!fence_request && env->quorate(env->ctx) && lrm_take_agent_lock(lrm, env)) {
            lrm_set_state(lrm, env, LRM_ACTIVE);
        }
        break;
    case LRM_ACTIVE:
        lrm_active_transition(lrm, env, fence_request);
        break;
    case LRM_MAINTENANCE:
        lrm_maintenance_transition(lrm, env, fence_request, active_count);
        break;
    }
}

/* The active work phase while a shutdown or restart is pending; true = exit. */
static bool lrm_active_shutdown(struct lrm *lrm, const struct ha_env *env)
{
    if (lrm->mode == LRM_MODE_RESTART) {
        size_t workers = lrm_run_jobs(lrm, env);
        if (lrm->exc == NULL && lrm_active_count(lrm, env) == 0 && workers == 0) {
            lrm_close_watchdog(lrm, env);
            env->release_agent_lock(env->ctx);
            return true;
        }
        return false;
    }
    if (lrm_run_jobs(lrm, env) != 0 || lrm->exc != NULL) {
        return false;
    }
    if (lrm->jobs.shutdown_errors == 0) {
        lrm_close_watchdog(lrm, env);
        env->release_agent_lock(env->ctx);
    }
    return true;
}

static bool lrm_active_work(struct lrm *lrm, const struct ha_env *env, bool update_ok)
{
    bool exit_lrm = false;

    if (lrm_refresh(lrm, env)) {
        if (lrm->shutdown_request) {
            exit_lrm = lrm_active_shutdown(lrm, env);
        } else if (!update_ok) {
            env_log(
                env, HA_NOTICE, "temporary inconsistent cluster state (cfs restart?), skip round"
            );
        } else {
            lrm_manage(lrm, env);
        }
    }
    if (lrm->exc != NULL) { /* upstream catches errors of this block */
        env_log(env, HA_ERR, "got unexpected error - %s", lrm->exc);
        free(lrm->exc);
        lrm->exc = NULL;
    }
    lrm_write_status(lrm, env);
    return !exit_lrm;
}

static bool lrm_lost_lock_work(struct lrm *lrm, const struct ha_env *env)
{
    int count;

    if (!lrm->shutdown_request) {
        return true;
    }
    count = lrm_active_count(lrm, env);
    if (count == 0) {
        lrm_close_watchdog(lrm, env);
        return false;
    }
    env_log(
        env, HA_ERR,
        "got shutdown request in state 'lost_agent_lock' - detected %d running services", count
    );
    if (lrm->mode == LRM_MODE_RESTART &&
        env->now(env->ctx) - lrm->state_change_time > LRM_RESTART_GIVE_UP_S) {
        env_log(
            env, HA_ERR, "lost agent lock and restart request for over 90 seconds - giving up!"
        );
        return false;
    }
    return true;
}

static bool lrm_maintenance_work(struct lrm *lrm, const struct ha_env *env)
{
    bool exit_lrm = false;

    /* A failed refresh ends the daemon here, as upstream's loop does. */
    if (!lrm_refresh(lrm, env)) {
        return false;
    }
    if (lrm_active_count(lrm, env) == 0 && lrm_run_jobs(lrm, env) == 0 && lrm->exc == NULL) {
        lrm_close_watchdog(lrm, env);
        exit_lrm = lrm->shutdown_request;
        env->release_agent_lock(env->ctx);
    }
    if (!exit_lrm && lrm->exc == NULL) {
        lrm_manage(lrm, env);
    }
    if (lrm->exc != NULL) {
        return true;
    }
    lrm_write_status(lrm, env);
    return !exit_lrm;
}

static bool lrm_iterate_once(struct lrm *lrm, const struct ha_env *env);

/* One iteration; an error that escaped it goes to the environment. */
bool lrm_iterate(struct lrm *lrm, const struct ha_env *env)
{
    bool go_on = lrm_iterate_once(lrm, env);

    if (lrm->exc != NULL) {
        env->unhandled_error(env->ctx, lrm->exc);
        free(lrm->exc);
        lrm->exc = NULL;
        return true;
    }
    return go_on;
}

static bool lrm_iterate_once(struct lrm *lrm, const struct ha_env *env)
{
    bool update_ok = env->cluster_state_update(env->ctx);

    if (!*env->lrm_status_written && !lrm_write_status(lrm, env)) {
        return !lrm->shutdown_request;
    }
    lrm_refresh(lrm, env);
    lrm_transition(lrm, env);
    if (lrm->exc != NULL) {
        return true;
    }
    switch (lrm->state) {
    case LRM_WAIT_FOR_AGENT_LOCK:
        if (lrm->shutdown_request) {
            return false;
        }
        lrm_write_status(lrm, env);
        return true;
    case LRM_ACTIVE:
        return lrm_active_work(lrm, env, update_ok);
    case LRM_LOST_AGENT_LOCK:
        return lrm_lost_lock_work(lrm, env);
    case LRM_MAINTENANCE:
        return lrm_maintenance_work(lrm, env);
    }
    return true;
}

void lrm_job_done(struct lrm *lrm, const struct ha_env *env, const char *sid, int exit_code)
{
    lrm_jobs_finished(&lrm->jobs, env, &lrm->view, sid, exit_code);
}

/* Stop jobs of a node shutdown, and the message and mode. */
static void lrm_shutdown_mode(
    struct lrm *lrm, const struct ha_env *env, const char *policy, bool shutdown, bool reboot
)
{
    bool freeze_all = reboot, maintenance = false;
    const char *type = reboot ? "reboot" : "shutdown";

    if (str_eq(policy, "freeze")) {
        freeze_all = true;
    } else if (str_eq(policy, "failover")) {
        freeze_all = false;
    } else if (str_eq(policy, "migrate")) {
        maintenance = true;
    } else if (!str_eq(policy, "conditional")) {
        env_log(env, HA_ERR, "unknown shutdown policy '%s', fall back to conditional", policy);
    }
    if (shutdown && !maintenance) {
        for (size_t i = 0; i < lrm->view.n_svcs; i++) {
            const struct sd *sd = &lrm->view.svcs[i];
            if (str_eq(sd->node, env->node)) {
                lrm_jobs_queue(&lrm->jobs, sd->sid, NULL, SS_REQUEST_STOP, NULL, NULL);
            }
        }
    }
    if (shutdown && lrm->mode == LRM_MODE_MAINTENANCE) {
        if (maintenance) {
            env_log(
                env, HA_INFO, "%s LRM, ignore maintenance policy, already in maintenance mode", type
            );
        } else {
            env_log(
                env, HA_INFO, "%s LRM, ignore %s policy as manual maintenance mode is enabled",
                type, policy
            );
        }
    } else if (shutdown && maintenance) {
        env_log(
            env, HA_INFO, "%s LRM, doing maintenance, removing this node from active list", type
        );
        lrm->mode = LRM_MODE_MAINTENANCE;
    } else if (shutdown && freeze_all) {
        env_log(env, HA_INFO, "%s LRM, stop and freeze all services", type);
        lrm->mode = LRM_MODE_RESTART;
    } else if (shutdown) {
        env_log(env, HA_INFO, "shutdown LRM, stop all services");
        lrm->mode = LRM_MODE_SHUTDOWN;
    } else if (lrm->mode == LRM_MODE_MAINTENANCE) {
        env_log(
            env, HA_QUIRK_NL,
            "Restarting LRM in maintenance mode may be delayed until all services are moved"
        );
    } else {
        env_log(env, HA_INFO, "restart LRM, freeze all services");
        lrm->mode = LRM_MODE_RESTART;
    }
}

void lrm_shutdown_request(struct lrm *lrm, const struct ha_env *env)
{
    struct dc_settings dc;
    bool shutdown = false, reboot = false;
    const char *policy;

    if (lrm->shutdown_request) {
        return;
    }
    env->is_node_shutdown(env->ctx, &shutdown, &reboot);
    shutdown = shutdown || reboot;
    dc_settings_init(&dc);
    env->get_datacenter_settings(env->ctx, &dc);
    policy = dc.shutdown_policy ? dc.shutdown_policy : "conditional";
    if (shutdown) {
        env_log(env, HA_INFO, "got shutdown request with shutdown policy '%s'", policy);
    }
    lrm_shutdown_mode(lrm, env, policy, shutdown, reboot);
    dc_settings_free(&dc);
    lrm->shutdown_request = true;
    lrm->shutdown_request_time = env->now(env->ctx);
    if (!lrm_write_status(lrm, env)) {
        env_log(env, HA_ERR, "unable to update lrm status file - not quorate?");
    }
}
