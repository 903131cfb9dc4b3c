/* crm.c - the CRM daemon: elects the master through ha_manager_lock, runs the
 * manager while master, and guards the master with a watchdog.
 * The states: state/README.md, "The daemons' state machines". */
#include "state/crm.h"

#include <stdlib.h>

#include "state/codec.h"
#include "state/manager.h"
#include "state/str.h"

enum crm_state { CRM_WAIT_FOR_QUORUM, CRM_SLAVE, CRM_MASTER, CRM_LOST_MANAGER_LOCK };

static const char *const crm_state_names[] = {
    [CRM_WAIT_FOR_QUORUM] = "wait_for_quorum",
    [CRM_SLAVE] = "slave",
    [CRM_MASTER] = "master",
    [CRM_LOST_MANAGER_LOCK] = "lost_manager_lock",
};

/* A master with no service for this many rounds gives up its lock. */
#define CRM_IDLE_ROUNDS 90

struct crm {
    enum crm_state state;
    bool shutdown_request;
    bool disarmed; /* watchdog released because the HA stack is disarmed */
    int watchdog; /* handle, -1 when closed */
    int idle_rounds;
    struct manager *manager;
};

const char *crm_state_name(const struct crm *crm)
{
    return crm_state_names[crm->state];
}

struct crm *crm_new(const struct ha_env *env)
{
    struct crm *crm = xcalloc(1, sizeof(*crm));

    crm->state = CRM_WAIT_FOR_QUORUM;
    crm->watchdog = -1;
    env_log(env, HA_INFO, "status change startup => wait_for_quorum");
    return crm;
}

void crm_free(struct crm *crm)
{
    if (crm == NULL) {
        return;
    }
    manager_free(crm->manager);
    free(crm);
}

void crm_shutdown_request(struct crm *crm, const struct ha_env *env)
{
    if (!crm->shutdown_request) {
        env_log(env, HA_INFO, "server received shutdown request");
    }
    crm->shutdown_request = true;
}

static void crm_set_state(struct crm *crm, const struct ha_env *env, enum crm_state st)
{
    if (crm->state == st) {
        return;
    }
    env_log(
        env, HA_INFO, "status change %s => %s", crm_state_names[crm->state], crm_state_names[st]
    );
    if (st == CRM_LOST_MANAGER_LOCK) {
        env_event(
            env, "lock_lost", env->node, NULL, crm_state_names[crm->state], "ha_manager_lock"
        );
    }
    if (crm->state == CRM_MASTER) {
        manager_free(crm->manager);
        crm->manager = NULL;
    }
    crm->state = st;
    if (st == CRM_MASTER) {
        crm->manager = manager_new(env);
    }
}

static void crm_close_watchdog(struct crm *crm, const struct ha_env *env)
{
    if (crm->watchdog >= 0) {
        env->watchdog_close(env->ctx, crm->watchdog);
        crm->watchdog = -1;
    }
}

/* Read the manager status; on failure log it under the caller's wording. */
static int crm_read_ms(const struct ha_env *env, struct manager_status *ms)
{
    char *json = NULL, *err = NULL;
    int rc = env->read_manager_status(env->ctx, &json, &err);

    if (rc == 0) {
        rc = ms_from_json(json, ms, &err);
    }
    if (rc != 0) {
        env_log(env, HA_ERR, "could not read manager status: %s", err ? err : "unknown error");
    }
    free(json);
    free(err);
    return rc;
}

static int crm_read_sc(const struct ha_env *env, struct svc_config *sc)
{
    char *err = NULL;
    int rc = env->read_service_config(env->ctx, sc, &err);

    if (rc != 0) {
        env_log(env, HA_ERR, "could not read service config: %s", err ? err : "unknown error");
    }
    free(err);
    return rc;
}

static bool crm_healthy(const struct ha_env *env, const struct manager_status *ms, bool update_ok)
{
    if (!env->quorate(env->ctx) || !update_ok) {
        return false;
    }
    for (size_t i = 0; i < ms->n_svcs; i++) {
        const struct sd *sd = &ms->svcs[i];
        if (sd->state == SS_FENCE && str_eq(sd->node, env->node)) {
            return false;
        }
    }
    return true;
}

/* With no service configured, is there still something a master must do? */
static bool crm_pending_work(const struct ha_env *env, const struct manager_status *ms)
{
    const struct node_entry *master = ms->master_node ? ms_find_node(ms, ms->master_node) : NULL;

    if (ms->master_node != NULL && master != NULL && master->state == NS_ONLINE &&
        !str_eq(ms->master_node, env->node)) {
        return false;
    }
    for (size_t i = 0; i < ms->n_nodes; i++) {
        const struct node_request *req = ms_find_req(ms, ms->nodes[i].node);
        if (ms->nodes[i].state == NS_MAINTENANCE && (req == NULL || !req->maintenance)) {
            return true;
        }
    }
    return env->any_pending_crm_command(env->ctx) || ms->n_svcs > 0 || ms->disarm_mode != NULL;
}

static bool crm_can_get_active(const struct ha_env *env, bool update_ok, bool allow_empty)
{
    struct manager_status ms = {0};
    struct svc_config sc = {0};
    bool ok;

    if (crm_read_ms(env, &ms) != 0) {
        return false;
    }
    ok = crm_healthy(env, &ms, update_ok);
    if (ok && !allow_empty) {
        if (crm_read_sc(env, &sc) != 0) {
            ok = false;
        } else if (sc.n == 0) {
            ok = crm_pending_work(env, &ms);
        }
    }
    svc_config_free(&sc);
    ms_free(&ms);
    return ok;
}

static bool crm_allowed_to_get_idle(const struct ha_env *env, bool update_ok)
{
    struct manager_status ms = {0};
    struct svc_config sc = {0};
    bool ok;

    if (crm_read_ms(env, &ms) != 0) {
        return false;
    }
    ok = crm_healthy(env, &ms, update_ok) && ms.disarm_mode == NULL;
    if (ok) {
        ok = crm_read_sc(env, &sc) == 0 && sc.n == 0 && ms.n_svcs == 0;
    }
    svc_config_free(&sc);
    ms_free(&ms);
    return ok;
}

/* The on-disk disarm state is "disarmed"; read errors count as no. */
static bool crm_disk_disarmed(const struct ha_env *env)
{
    char *json = NULL, *err = NULL;
    struct manager_status ms = {0};
    bool disarmed = false;

    if (env->read_manager_status(env->ctx, &json, &err) == 0 &&
        ms_from_json(json, &ms, &err) == 0) {
        disarmed = str_eq(ms.disarm_state, "disarmed");
    }
    ms_free(&ms);
    free(json);
    free(err);
    return disarmed;
}

static bool crm_take_master_lock(struct crm *crm, const struct ha_env *env)
{
    if (!env_lock_attempts(env, NULL)) {
        return false;
    }
    if (crm->watchdog >= 0) {
        env->watchdog_update(env->ctx, crm->watchdog);
    } else if (!crm->disarmed) {
        if (crm_disk_disarmed(env)) {
            env_log(env, HA_INFO, "taking over as disarmed master, skipping watchdog");
            crm->disarmed = true;
        } else {
            crm->watchdog = env->watchdog_open(env->ctx);
        }
    }
    return true;
}

static void crm_master_transition(struct crm *crm, const struct ha_env *env, bool update_ok)
{
    if (!crm_take_master_lock(crm, env)) {
        crm_set_state(crm, env, CRM_LOST_MANAGER_LOCK);
        return;
    }
    if (!crm_allowed_to_get_idle(env, update_ok)) {
        crm->idle_rounds = 0;
        return;
    }
    if (++crm->idle_rounds > CRM_IDLE_ROUNDS) {
        crm->idle_rounds = 0;
        env_log(
            env, HA_INFO, "cluster had no service configured for %d rounds, going idle.",
            CRM_IDLE_ROUNDS
        );
        env->release_manager_lock(env->ctx);
        crm_close_watchdog(crm, env);
        crm_set_state(crm, env, CRM_WAIT_FOR_QUORUM);
    }
}

static void crm_transition(struct crm *crm, const struct ha_env *env, bool update_ok)
{
    switch (crm->state) {
    case CRM_WAIT_FOR_QUORUM:
        if (crm_can_get_active(env, update_ok, false)) {
            crm_set_state(crm, env, crm_take_master_lock(crm, env) ? CRM_MASTER : CRM_SLAVE);
        }
        break;
    case CRM_SLAVE:
        if (!crm_can_get_active(env, update_ok, false)) {
            crm_set_state(crm, env, CRM_WAIT_FOR_QUORUM);
        } else if (crm_take_master_lock(crm, env)) {
            crm_set_state(crm, env, CRM_MASTER);
        }
        break;
    case CRM_LOST_MANAGER_LOCK:
        if (crm_can_get_active(env, update_ok, true) && crm_take_master_lock(crm, env)) {
            crm_set_state(crm, env, CRM_MASTER);
        }
        break;
    case CRM_MASTER:
        crm_master_transition(crm, env, update_ok);
        break;
    }
}

static void crm_master_round(struct crm *crm, const struct ha_env *env)
{
    char *err = NULL;
    bool disarmed;

    if (manager_round(crm->manager, env, &err) != 0) {
        env_log(env, HA_ERR, "got unexpected error - %s", err ? err : "unknown error");
        free(err);
        return;
    }
    disarmed = manager_fully_disarmed(crm->manager);
    if (disarmed && !crm->disarmed) {
        env_log(env, HA_INFO, "HA stack fully disarmed, releasing CRM watchdog");
        crm_close_watchdog(crm, env);
        crm->disarmed = true;
    } else if (!disarmed && crm->disarmed) {
        env_log(env, HA_INFO, "re-arming HA stack");
        crm->disarmed = false;
    }
}

/* Work phase of a master; false = exit. */
static bool crm_master_work(struct crm *crm, const struct ha_env *env, bool update_ok)
{
    if (crm->shutdown_request) {
        crm_close_watchdog(crm, env);
        env_log(env, HA_INFO, "voluntary release CRM lock");
        if (!env->release_manager_lock(env->ctx)) {
            env_log(env, HA_NOTICE, "CRM lock release failed, let the lock timeout");
        }
        return false;
    }
    if (!update_ok) {
        env_log(env, HA_NOTICE, "temporary inconsistent cluster state (cfs restart?), skip round");
        return true;
    }
    crm_master_round(crm, env);
    return true;
}

bool crm_iterate(struct crm *crm, const struct ha_env *env)
{
    bool update_ok = env->cluster_state_update(env->ctx);

    crm_transition(crm, env, update_ok);
    switch (crm->state) {
    case CRM_WAIT_FOR_QUORUM:
    case CRM_SLAVE:
        return !crm->shutdown_request;
    case CRM_MASTER:
        return crm_master_work(crm, env, update_ok);
    case CRM_LOST_MANAGER_LOCK:
        crm_close_watchdog(crm, env);
        if (crm->shutdown_request) {
            return false;
        }
        crm_set_state(crm, env, CRM_WAIT_FOR_QUORUM);
        return true;
    }
    return true;
}
