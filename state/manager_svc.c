/* manager_svc.c - the per-service state machine of the master
 * (state/README.md): one handler per service state, repeated passes
 * until nothing changes, and the fencing sub-pass. */
#include <stdlib.h>
#include <string.h>

#include "state/lrm.h"
#include "state/manager_int.h"
#include "state/str.h"

static const char *const removable_locks[] = {
    "backup",   "mounted",         "migrate",    "clone",     "rollback",
    "snapshot", "snapshot-delete", "suspending", "suspended", NULL,
};

void mgr_new_uid(struct manager *m, struct sd *sd)
{
    free(sd->uid);
    sd->uid = xasprintf(
        "%s-%lld-%u", m->env->node, (long long)m->env->now(m->env->ctx), ++m->uid_counter
    );
}

static void set_str(char **dst, const char *val)
{
    char *copy = xstrdup(val);

    free(*dst);
    *dst = copy;
}

void mgr_change_state(
    struct manager *m,
    struct sd *sd,
    enum svc_state st,
    const char *node,
    const char *target,
    const char *timeout
)
{
    enum svc_state old = sd->state;
    struct strbuf params = {0};
    /* Callers may pass sd's own strings (sd->node): copy before anything is freed. */
    char *node_copy = node ? xstrdup(node) : NULL;
    char *target_copy = target ? xstrdup(target) : NULL;
    char *timeout_copy = timeout ? xstrdup(timeout) : NULL;

    node = node_copy;
    target = target_copy;
    timeout = timeout_copy;
    set_str(&sd->target, NULL);
    set_str(&sd->timeout, NULL);
    sd_set_cmd(sd, CMD_NONE, NULL);
    sd->running = false;
    sd->state = st;
    if (node != NULL) {
        set_str(&sd->node, node);
        strbuf_addf(&params, "node = %s", node);
    }
    if (target != NULL) {
        set_str(&sd->target, target);
        strbuf_addf(&params, "%starget = %s", params.len ? ", " : "", target);
    }
    if (timeout != NULL) {
        set_str(&sd->timeout, timeout);
        strbuf_addf(&params, "%stimeout = %s", params.len ? ", " : "", timeout);
    }
    crs_remove_service(m->usage, sd->sid);
    mgr_add_service_usage(m, sd);
    mgr_new_uid(m, sd);
    env_log(
        m->env, HA_INFO, "service '%s': state changed from '%s' to '%s'%s%s%s", sd->sid,
        svc_state_name(old), svc_state_name(st), params.len ? "  (" : "", strbuf_str(&params),
        params.len ? ")" : ""
    );
    strbuf_free(&params);
    if (st == SS_ERROR && old != SS_ERROR) {
        env_event(m->env, "service_error", sd->node, sd->sid, svc_state_name(old), "error");
    }
    free(node_copy);
    free(target_copy);
    free(timeout_copy);
}

static enum svc_state req_state(const struct svc_conf *cd)
{
    return cd->state == REQ_STARTED ? SS_STARTED : SS_REQUEST_STOP;
}

static void drop_failed_nodes(struct sd *sd)
{
    strlist_clear(&sd->failed_nodes);
    sd->has_failed_nodes = false;
}

static void handle_stopped_cmd(struct manager *m, struct sd *sd, bool *moved)
{
    const char *cmd = sd_cmd_word(sd);

    if (sd->cmd == CMD_MIGRATE || sd->cmd == CMD_RELOCATE) {
        const char *t = sd->cmd_arg;
        if (!mgr_node_online(m, t)) {
            env_log(
                m->env, HA_ERR, "ignore service '%s' %s request - node '%s' not online", sd->sid,
                cmd, t
            );
        } else if (str_eq(sd->node, t)) {
            env_log(
                m->env, HA_INFO, "ignore service '%s' %s request - service already on node '%s'",
                sd->sid, cmd, t
            );
        } else {
            char *target = xstrdup(t);
            enum svc_state st = sd->cmd == CMD_MIGRATE ? SS_MIGRATE : SS_RELOCATE;
            mgr_change_state(m, sd, st, sd->node, target, NULL);
            free(target);
            *moved = true;
            return;
        }
    } else if (sd->cmd == CMD_STOP) {
        env_log(
            m->env, HA_INFO, "ignore service '%s' stop request - service already stopped", sd->sid
        );
    } else {
        env_log(m->env, HA_ERR, "unknown command '%s' for service '%s'", cmd, sd->sid);
    }
    sd_set_cmd(sd, CMD_NONE, NULL);
}

static void next_stopped(struct manager *m, struct sd *sd, const struct svc_conf *cd)
{
    bool moved = false;

    if (cd->node != NULL && !str_eq(sd->node, cd->node)) {
        env_log(
            m->env, HA_INFO, "fixup service '%s' location (%s => %s)", sd->sid,
            sd->node ? sd->node : "", cd->node
        );
        set_str(&sd->node, cd->node);
    }
    if (sd->cmd != CMD_NONE) {
        handle_stopped_cmd(m, sd, &moved);
        if (moved) {
            return;
        }
    }
    if (cd->state == REQ_DISABLED) {
        return;
    }
    if (mgr_offline_delayed(m, sd->node, env_timing(m->env)->fence_delay) &&
        mgr_node_state(m, sd->node) != NS_MAINTENANCE) {
        mgr_change_state(m, sd, SS_FENCE, NULL, NULL, NULL);
    } else if (cd->state == REQ_STOPPED) {
        return;
    } else if (cd->state == REQ_STARTED) {
        char *node = xstrdup(sd->node);
        mgr_change_state(m, sd, SS_REQUEST_START, node, NULL, NULL);
        free(node);
    } else {
        env_log(
            m->env, HA_ERR, "service '%s' - unknown state '%s' in service configuration", sd->sid,
            svc_conf_state(cd)
        );
    }
}

static void next_request_start(struct manager *m, struct sd *sd, const struct svc_conf *cd)
{
    char *node = xstrdup(sd->node);

    if (m->dc.rebalance_on_start) {
        const char *n = mgr_select_node(m, sd, cd, PREF_BEST_SCORE);
        if (m->err != NULL) {
            free(node);
            return;
        }
        if (n != NULL) {
            bool is_new = !str_eq(n, sd->node);
            char *target = xstrdup(n);
            env_log(
                m->env, HA_INFO, "service %s: re-balance selected %s node %s for startup", sd->sid,
                is_new ? "new" : "current", target
            );
            if (is_new) {
                mgr_change_state(m, sd, SS_REQUEST_START_BALANCE, node, target, NULL);
                free(target);
                free(node);
                return;
            }
            free(target);
        }
    }
    mgr_change_state(m, sd, SS_STARTED, node, NULL, NULL);
    free(node);
}

static void started_cmd(struct manager *m, struct sd *sd)
{
    const char *cmd = sd_cmd_word(sd), *arg = sd->cmd_arg;

    if (sd->cmd == CMD_MIGRATE || sd->cmd == CMD_RELOCATE) {
        if (!mgr_node_online(m, arg)) {
            env_log(
                m->env, HA_ERR, "ignore service '%s' %s request - node '%s' not online", sd->sid,
                cmd, arg
            );
        } else if (str_eq(sd->node, arg)) {
            env_log(
                m->env, HA_INFO, "ignore service '%s' %s request - service already on node '%s'",
                sd->sid, cmd, arg
            );
        } else {
            char *t = xstrdup(arg), *node = xstrdup(sd->node);
            enum svc_state st = sd->cmd == CMD_MIGRATE ? SS_MIGRATE : SS_RELOCATE;
            env_log(m->env, HA_INFO, "%s service '%s' to node '%s'", cmd, sd->sid, t);
            mgr_change_state(m, sd, st, node, t, NULL);
            free(t);
            free(node);
        }
    } else if (sd->cmd == CMD_STOP) {
        char *t = xstrdup(arg), *err = NULL;
        if (str_eq(t, "0")) {
            env_log(
                m->env, HA_INFO, "request immediate service hard-stop for service '%s'", sd->sid
            );
        } else {
            env_log(
                m->env, HA_INFO, "request graceful stop with timeout '%s' for service '%s'", t,
                sd->sid
            );
        }
        mgr_change_state(m, sd, SS_REQUEST_STOP, NULL, NULL, t);
        if (m->env->update_service_config(m->env->ctx, sd->sid, "state", "stopped", &err) != 0) {
            m->err = err ? err : xstrdup("unable to update service config");
        }
        free(t);
    } else {
        env_log(m->env, HA_ERR, "unknown command '%s' for service '%s'", cmd, sd->sid);
    }
    sd_set_cmd(sd, CMD_NONE, NULL);
}

/* React to the LRM's result of a start; false = the service went to error. */
static bool started_result(
    struct manager *m,
    struct sd *sd,
    const struct svc_conf *cd,
    const struct mgr_result *res,
    enum select_pref *pref
)
{
    int ec = res->exit_code;
    char *list;

    if (ec == LRM_SUCCESS) {
        if (sd->has_failed_nodes) {
            list = strlist_join(&sd->failed_nodes, ", ");
            env_log(
                m->env, HA_INFO,
                "relocation policy successful for '%s' on node '%s', failed nodes: %s", sd->sid,
                sd->node, list
            );
            free(list);
        }
        drop_failed_nodes(sd);
        sd->running = true;
        return true;
    }
    sd->running = false;
    sd->has_failed_nodes = true;
    strlist_add(&sd->failed_nodes, sd->node);
    if (ec != LRM_ERROR && ec != LRM_EWRONG_NODE) {
        env_log(m->env, HA_ERR, "service '%s' got unrecoverable error (exit code %d)", sd->sid, ec);
        mgr_change_state(m, sd, SS_ERROR, NULL, NULL, NULL);
        return false;
    }
    if ((long long)sd->failed_nodes.n <= (long long)cd->max_relocate) {
        *pref = PREF_TRY_NEXT;
        env_log(
            m->env, HA_WARNING, "starting service %s on node '%s' failed, relocating service.",
            sd->sid, sd->node
        );
        return true;
    }
    list = strlist_join(&sd->failed_nodes, ", ");
    env_log(
        m->env, HA_ERR,
        "recovery policy for service %s failed, entering error state. Failed nodes: %s", sd->sid,
        list
    );
    free(list);
    mgr_change_state(m, sd, SS_ERROR, NULL, NULL, NULL);
    return false;
}

static void started_move(struct manager *m, struct sd *sd, const char *n)
{
    char *target = xstrdup(n), *node = xstrdup(sd->node);
    const char *mnode = sd->maintenance_node;

    if (mnode != NULL) {
        if (str_eq(n, mnode)) {
            env_log(
                m->env, HA_INFO,
                "moving service '%s' back to '%s', node came back from maintenance.", sd->sid, mnode
            );
            set_str(&sd->maintenance_node, NULL);
        } else if (!str_eq(sd->node, mnode)) {
            env_log(
                m->env, HA_INFO, "dropping maintenance fallback node '%s' for '%s'", mnode, sd->sid
            );
            set_str(&sd->maintenance_node, NULL);
        }
    }
    if (str_starts(sd->sid, "vm:")) {
        env_log(m->env, HA_INFO, "migrate service '%s' to node '%s' (running)", sd->sid, target);
        mgr_change_state(m, sd, SS_MIGRATE, node, target, NULL);
    } else {
        env_log(m->env, HA_INFO, "relocate service '%s' to node '%s'", sd->sid, target);
        mgr_change_state(m, sd, SS_RELOCATE, node, target, NULL);
    }
    free(target);
    free(node);
}

static void started_stay(
    struct manager *m, struct sd *sd, const char *n, enum select_pref pref, bool had_failed
)
{
    if (pref == PREF_TRY_NEXT && n == NULL) {
        char *list = strlist_join(&sd->failed_nodes, ", ");
        env_log(
            m->env, HA_WARNING,
            "Start Error Recovery: Tried all available nodes for service '%s', retry start "
            "on current node. Tried nodes: %s",
            sd->sid, list
        );
        free(list);
    }
    if (sd->maintenance_node != NULL && str_eq(sd->node, sd->maintenance_node) &&
        mgr_node_online(m, sd->node)) {
        env_log(
            m->env, HA_INFO,
            "service '%s': clearing stale maintenance node '%s' setting (is current node)", sd->sid,
            sd->maintenance_node
        );
        set_str(&sd->maintenance_node, NULL);
    }
    /* A failed start is retried under a new uid. A successful one keeps its
     * uid: the LRM checks the service again every round under it, so a
     * steady service changes no status file. */
    if (had_failed) {
        mgr_new_uid(m, sd);
    }
}

static void next_started(
    struct manager *m, struct sd *sd, const struct svc_conf *cd, const struct mgr_result *res
)
{
    enum select_pref pref = PREF_NONE;
    const char *n;

    if (!mgr_node_online(m, sd->node)) {
        if (mgr_offline_delayed(m, sd->node, env_timing(m->env)->fence_delay)) {
            mgr_change_state(m, sd, SS_FENCE, NULL, NULL, NULL);
        }
        if (mgr_node_state(m, sd->node) != NS_MAINTENANCE) {
            return;
        }
        set_str(&sd->maintenance_node, sd->node);
    }
    if (cd->state == REQ_DISABLED || cd->state == REQ_STOPPED) {
        mgr_change_state(m, sd, SS_REQUEST_STOP, NULL, NULL, NULL);
        return;
    }
    if (cd->state != REQ_STARTED) {
        env_log(
            m->env, HA_ERR, "service '%s' - unknown state '%s' in service configuration", sd->sid,
            svc_conf_state(cd)
        );
        return;
    }
    if (sd->cmd != CMD_NONE) {
        started_cmd(m, sd);
        return;
    }
    if (res != NULL && !started_result(m, sd, cd, res, &pref)) {
        return;
    }
    n = mgr_select_node(m, sd, cd, pref);
    if (m->err != NULL) {
        return;
    }
    if (n != NULL && !str_eq(n, sd->node)) {
        started_move(m, sd, n);
    } else {
        started_stay(m, sd, n, pref, res != NULL && res->exit_code != LRM_SUCCESS);
    }
}

static void next_migrate(
    struct manager *m, struct sd *sd, const struct svc_conf *cd, const struct mgr_result *res
)
{
    if (res != NULL) {
        int ec = res->exit_code;
        char *target = xstrdup(sd->target), *node = xstrdup(sd->node);
        bool done = true;
        if (ec == LRM_SUCCESS) {
            mgr_change_state(m, sd, req_state(cd), target, NULL, NULL);
        } else if (ec == LRM_EWRONG_NODE) {
            env_log(
                m->env, HA_ERR,
                "service '%s' - migration failed: service registered on wrong node!", sd->sid
            );
            mgr_change_state(m, sd, SS_ERROR, NULL, NULL, NULL);
            done = false;
        } else if (ec == LRM_IGNORED) {
            env_log(
                m->env, HA_INFO,
                "service '%s' - rebalance-on-start request ignored - service already running",
                sd->sid
            );
            mgr_change_state(m, sd, req_state(cd), node, NULL, NULL);
            done = false;
        } else {
            env_log(m->env, HA_ERR, "service '%s' - migration failed (exit code %d)", sd->sid, ec);
            mgr_change_state(m, sd, req_state(cd), node, NULL, NULL);
        }
        free(target);
        free(node);
        if (done) {
            return;
        }
    }
    if (mgr_offline_delayed(m, sd->node, env_timing(m->env)->fence_delay)) {
        mgr_change_state(m, sd, SS_FENCE, NULL, NULL, NULL);
    }
}

static void next_request_stop(struct manager *m, struct sd *sd, const struct mgr_result *res)
{
    if (res != NULL) {
        if (res->exit_code == LRM_SUCCESS) {
            mgr_change_state(m, sd, SS_STOPPED, NULL, NULL, NULL);
        } else {
            env_log(
                m->env, HA_ERR, "service '%s' stop failed (exit code %d)", sd->sid, res->exit_code
            );
            mgr_change_state(m, sd, SS_ERROR, NULL, NULL, NULL);
        }
        return;
    }
    if (mgr_offline_delayed(m, sd->node, env_timing(m->env)->fence_delay)) {
        mgr_change_state(m, sd, SS_FENCE, NULL, NULL, NULL);
    }
}

static void recover_to(struct manager *m, struct sd *sd, struct svc_conf *cd, const char *n)
{
    const struct ha_env *env = m->env;
    char *fenced = xstrdup(sd->node), *node = xstrdup(n), *err = NULL, *lock;

    if (str_eq(node, fenced)) {
        env_log(
            env, HA_INFO, "recover service '%s' to previous failed and fenced node '%s' again",
            sd->sid, fenced
        );
    } else {
        env_log(
            env, HA_INFO, "recover service '%s' from fenced node '%s' to node '%s'", sd->sid,
            fenced, node
        );
    }
    lock = env->res_remove_locks(env->ctx, sd->sid, removable_locks);
    if (lock != NULL) {
        env_log(
            env, HA_WARNING,
            "removed leftover lock '%s' from recovered service '%s' to allow its start.", lock,
            sd->sid
        );
        free(lock);
    }
    /* the registry entry is where the location says: after a hand-over, not on the fenced node */
    if (env->steal_service(env->ctx, sd->sid, cd->node ? cd->node : fenced, node, &err) != 0) {
        m->err = err ? err : xstrdup("unable to move service");
    } else {
        svc_conf_set(&m->sc, &cd->node, node);
        set_str(&sd->node, node);
        mgr_change_state(m, sd, req_state(cd), node, NULL, NULL);
        env_event(env, "service_recovered", node, sd->sid, fenced, node);
    }
    free(fenced);
    free(node);
}

/*
 * A migration hands a service over by registering it on its target before the
 * agent runs (the location, cd->node, moves first). If the source is fenced
 * during the hand-over, the service may already run on the target: recover it
 * there while the target is up (online or in maintenance), or fence the target as well before the
 * service may start anywhere else. True if it took the service in hand.
 */
static bool recover_handed_over(struct manager *m, struct sd *sd, struct svc_conf *cd)
{
    enum node_state ns;
    char *target;

    if (cd->node == NULL || str_eq(cd->node, sd->node)) {
        return false;
    }
    ns = mgr_node_state(m, cd->node);
    if (ns == NS_ONLINE || ns == NS_MAINTENANCE) {
        recover_to(m, sd, cd, cd->node);
        return true;
    }
    target = xstrdup(cd->node);
    env_log(
        m->env, HA_WARNING,
        "service '%s' was handed over to node '%s' when node '%s' was fenced - fencing '%s' too",
        sd->sid, target, sd->node ? sd->node : "", target
    );
    mgr_change_state(m, sd, SS_FENCE, target, NULL, NULL);
    free(target);
    return true;
}

static void next_recovery(struct manager *m, struct sd *sd, struct svc_conf *cd)
{
    const char *n;

    if (recover_handed_over(m, sd, cd)) {
        return;
    }
    n = mgr_select_node(m, sd, cd, PREF_BEST_SCORE);
    if (m->err != NULL) {
        return;
    }
    if (n != NULL) {
        recover_to(m, sd, cd, n);
        return;
    }
    env_log(
        m->env, HA_ERR,
        "recovering service '%s' from fenced node '%s' failed, no recovery node found", sd->sid,
        sd->node ? sd->node : ""
    );
    if (cd->state == REQ_DISABLED) {
        drop_failed_nodes(sd);
        mgr_change_state(m, sd, SS_STOPPED, NULL, NULL, NULL);
    }
}

static void
next_state(struct manager *m, struct sd *sd, struct svc_conf *cd, const struct mgr_result *res)
{
    switch (sd->state) {
    case SS_STOPPED:
        next_stopped(m, sd, cd);
        break;
    case SS_REQUEST_START:
        next_request_start(m, sd, cd);
        break;
    case SS_STARTED:
        next_started(m, sd, cd, res);
        break;
    case SS_MIGRATE:
    case SS_RELOCATE:
    case SS_REQUEST_START_BALANCE:
        next_migrate(m, sd, cd, res);
        break;
    case SS_REQUEST_STOP:
        next_request_stop(m, sd, res);
        break;
    case SS_RECOVERY:
        next_recovery(m, sd, cd);
        break;
    case SS_FREEZE:
        if (mgr_lrm_mode(m, sd->node) == LRM_MODE_ACTIVE) {
            mgr_change_state(m, sd, req_state(cd), NULL, NULL, NULL);
        }
        break;
    case SS_ERROR:
        if (cd->state == REQ_DISABLED) {
            drop_failed_nodes(sd);
            mgr_change_state(m, sd, SS_STOPPED, NULL, NULL, NULL);
        }
        break;
    default:
        break;
    }
}

/* Lookups along a sorted walk: the next entry is usually the one after the
 * previous hit, so try it before a binary search (*pos is the cursor). */
static struct sd *sd_walk(const struct manager *m, const char *sid, size_t *pos)
{
    struct sd *sd;

    if (*pos < m->ms.n_svcs &&
        (m->ms.svcs[*pos].sid == sid || strcmp(m->ms.svcs[*pos].sid, sid) == 0)) {
        return &m->ms.svcs[(*pos)++];
    }
    sd = ms_find_sd(&m->ms, sid);
    if (sd != NULL) {
        *pos = (size_t)(sd - m->ms.svcs) + 1;
    }
    return sd;
}

static struct svc_conf *conf_walk(const struct manager *m, const char *sid, size_t *pos)
{
    struct svc_conf *cd;

    if (*pos < m->sc.n && strcmp(m->sc.v[*pos].sid, sid) == 0) {
        return &m->sc.v[(*pos)++];
    }
    cd = svc_config_find(&m->sc, sid);
    if (cd != NULL) {
        *pos = (size_t)(cd - m->sc.v) + 1;
    }
    return cd;
}

/* The sids a pass visits, in order: borrowed from the manager status (no
 * service is added or removed while the passes run) or from "only". */
struct sid_list {
    const char **v;
    size_t n;
};

/* One pass over the services; true if some state changed. */
static bool service_pass(struct manager *m, const struct sid_list *sids)
{
    bool changed = false;
    size_t spos = 0, cpos = 0;

    for (size_t i = 0; i < sids->n && m->err == NULL; i++) {
        struct sd *sd = sd_walk(m, sids->v[i], &spos);
        struct svc_conf *cd, fallback = {.state = REQ_DISABLED, .failback = 1};
        enum svc_state last;
        if (sd == NULL) {
            continue;
        }
        cd = conf_walk(m, sd->sid, &cpos);
        last = sd->state;
        next_state(m, sd, cd ? cd : &fallback, mgr_result_of(m, sd->uid));
        if (m->any_lrm_restart && mgr_lrm_mode(m, sd->node) == LRM_MODE_RESTART &&
            (sd->state == SS_STARTED || sd->state == SS_STOPPED || sd->state == SS_REQUEST_STOP)) {
            mgr_change_state(m, sd, SS_FREEZE, NULL, NULL, NULL);
        }
        changed = changed || sd->state != last;
    }
    return changed;
}

static bool any_fence_state(const struct manager *m)
{
    for (size_t i = 0; i < m->ms.n_svcs; i++) {
        if (m->ms.svcs[i].state == SS_FENCE) {
            return true;
        }
    }
    return false;
}

/* The fencing sub-pass; true if some state changed. */
static bool fence_pass(struct manager *m, const struct sid_list *sids)
{
    struct strlist tried = {0}, acked = {0};
    bool changed = false;
    size_t spos = 0;
    /* this pass only ever leaves the fence state: without one, skip the walk */
    size_t n = any_fence_state(m) ? sids->n : 0;

    for (size_t i = 0; i < n; i++) {
        struct sd *sd = sd_walk(m, sids->v[i], &spos);
        if (sd == NULL || sd->state != SS_FENCE) {
            continue;
        }
        if (!strlist_has(&tried, sd->node)) {
            strlist_add(&tried, sd->node);
            if (mgr_fence_node(m, sd->node)) {
                strlist_add(&acked, sd->node);
            }
        }
        if (strlist_has(&acked, sd->node)) {
            mgr_change_state(m, sd, SS_RECOVERY, NULL, NULL, NULL);
            changed = true;
        }
    }
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        char *node = m->ms.nodes[i].node;
        if (m->ms.nodes[i].state != NS_FENCE || strlist_has(&tried, node)) {
            continue;
        }
        env_log(
            m->env, HA_NOTICE,
            "node '%s' in fence state but no services to-fence! admin interference?!", node
        );
        if (mgr_fence_node(m, node)) {
            changed = true;
        }
    }
    strlist_clear(&tried);
    strlist_clear(&acked);
    return changed;
}

void mgr_state_passes(struct manager *m, const struct strlist *only)
{
    struct sid_list sids = {0};
    bool changed;

    sids.n = only != NULL ? only->n : m->ms.n_svcs;
    sids.v = xcalloc(sids.n + 1, sizeof(*sids.v));
    for (size_t i = 0; i < sids.n; i++) {
        sids.v[i] = only != NULL ? only->v[i] : m->ms.svcs[i].sid;
    }
    do {
        changed = service_pass(m, &sids);
        if (m->err == NULL) {
            changed = fence_pass(m, &sids) || changed;
        }
    } while (changed && m->err == NULL);
    free(sids.v);
}
