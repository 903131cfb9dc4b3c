/* manager_cmd.c - CRM commands (ha-stack.md 5.12), disarm/arm (5.13) and
 * automatic rebalancing (5.10.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/manager_int.h"
#include "state/str.h"

static void set_cmd(struct sd *sd, const char *cmd, const char *arg)
{
    free(sd->cmd);
    free(sd->cmd_arg);
    sd->cmd = xstrdup(cmd);
    sd->cmd_arg = xstrdup(arg);
}

void mgr_queue_motion(
    struct manager *m, const char *line, const char *task, const char *sid, const char *target
)
{
    size_t n;
    char *const *neg = rules_negative(&m->compiled, sid, &n);

    for (size_t i = 0; i < n; i++) {
        const struct sd *c = ms_find_sd(&m->ms, neg[i]);
        if (c == NULL || (c->node != NULL && !str_eq(c->node, target)) ||
            (c->target != NULL && !str_eq(c->target, target))) {
            continue;
        }
        env_log(
            m->env, HA_ERR,
            "crm command '%s' error - service '%s' on node '%s' in negative affinity with "
            "service '%s'",
            line, neg[i], target, sid
        );
        return;
    }
    env_log(m->env, HA_INFO, "got crm command: %s", line);
    set_cmd(ms_find_sd(&m->ms, sid), task, target);
    char *const *pos = rules_positive(&m->compiled, sid, &n);
    for (size_t i = 0; i < n; i++) {
        struct sd *p = ms_find_sd(&m->ms, pos[i]);
        if (p == NULL || str_eq(p->node, target) || str_eq(p->target, target)) {
            continue;
        }
        env_log(
            m->env, HA_INFO,
            "crm command '%s' - %s service '%s' to node '%s' (service '%s' in positive "
            "affinity with service '%s')",
            line, task, pos[i], target, pos[i], sid
        );
        set_cmd(p, task, target);
    }
}

static void
cmd_motion(struct manager *m, const char *line, const char *task, const char *sid, const char *node)
{
    const struct sd *sd = ms_find_sd(&m->ms, sid);

    if (sd == NULL) {
        env_log(m->env, HA_ERR, "crm command error - no such service: %s", line);
    } else if (!mgr_node_online(m, node)) {
        env_log(m->env, HA_ERR, "crm command error - node not online: %s", line);
    } else if (str_eq(sd->node, node)) {
        env_log(m->env, HA_INFO, "ignore crm command - service already on target node: %s", line);
    } else {
        mgr_queue_motion(m, line, task, sid, node);
    }
}

static void cmd_maintenance(struct manager *m, const char *line, bool enable, const char *node)
{
    enum node_state st = mgr_node_state(m, node);

    if (!enable) {
        struct node_request *req;
        if (st != NS_MAINTENANCE) {
            env_log(
                m->env, HA_WARNING,
                "clearing maintenance of node %s requested, but it's in state %s", node,
                node_state_name(st)
            );
        }
        req = ms_find_req(&m->ms, node);
        if (req != NULL) {
            req->maintenance = false;
        }
        return;
    }
    if (m->ms.disarm_mode != NULL) {
        env_log(
            m->env, HA_WARNING, "ignoring maintenance command for node %s - HA stack is disarmed",
            node
        );
    } else if (st == NS_ONLINE) {
        ms_get_req(&m->ms, node)->maintenance = true;
        m->ms.has_node_request = true;
    } else if (st == NS_MAINTENANCE) {
        env_log(
            m->env, HA_INFO, "ignoring crm command - node %s is already in maintenance state", node
        );
    } else {
        env_log(m->env, HA_ERR, "crm command error - node not online: %s", line);
    }
}

static void cmd_disarm(struct manager *m, const char *mode)
{
    if (m->ms.disarm_mode != NULL) {
        env_log(
            m->env, HA_NOTICE, "ignoring disarm-ha command - already in disarm state (%s)",
            m->ms.disarm_state ? m->ms.disarm_state : ""
        );
        return;
    }
    env_log(m->env, HA_INFO, "got crm command: disarm-ha %s", mode);
    if (str_eq(mode, "ignore")) {
        for (size_t i = 0; i < m->ms.n_svcs; i++) {
            env_log(
                m->env, HA_INFO, "disarm: suspending HA tracking for service '%s'",
                m->ms.svcs[i].sid
            );
        }
    }
    m->ms.disarm_mode = xstrdup(mode);
    m->ms.disarm_state = xstrdup("disarming");
}

static void cmd_arm(struct manager *m)
{
    if (m->ms.disarm_mode == NULL) {
        env_log(m->env, HA_NOTICE, "ignoring arm-ha command - HA stack is not disarmed");
        return;
    }
    env_log(m->env, HA_INFO, "got crm command: arm-ha");
    if (str_eq(m->ms.disarm_mode, "ignore")) {
        for (size_t i = 0; i < m->ms.n_svcs; i++) {
            struct sd *sd = &m->ms.svcs[i];
            const struct svc_conf *cd = svc_config_find(&m->sc, sd->sid);
            if (cd == NULL || cd->node == NULL || str_eq(cd->node, sd->node)) {
                continue;
            }
            env_log(
                m->env, HA_INFO,
                "service '%s': updating node '%s' => '%s' (changed while disarmed)", sd->sid,
                sd->node ? sd->node : "", cd->node
            );
            free(sd->node);
            sd->node = xstrdup(cd->node);
        }
    }
    free(m->ms.disarm_mode);
    free(m->ms.disarm_state);
    m->ms.disarm_mode = m->ms.disarm_state = NULL;
}

static void process_line(struct manager *m, const char *line)
{
    char a[64], b[256], c[256], extra[2];
    int n = sscanf(line, "%63s %255s %255s %1s", a, b, c, extra);

    if (n == 3 && (str_eq(a, "migrate") || str_eq(a, "relocate"))) {
        cmd_motion(m, line, a, b, c);
    } else if (n == 3 && str_eq(a, "stop")) {
        struct sd *sd = ms_find_sd(&m->ms, b);
        if (sd == NULL) {
            env_log(m->env, HA_ERR, "crm command error - no such service: %s", line);
        } else {
            env_log(m->env, HA_INFO, "got crm command: %s", line);
            set_cmd(sd, "stop", c);
        }
    } else if (n == 2 && (str_eq(a, "enable-node-maintenance") ||
                          str_eq(a, "disable-node-maintenance"))) {
        cmd_maintenance(m, line, a[0] == 'e', b);
    } else if (n == 2 && str_eq(a, "disarm-ha") && (str_eq(b, "freeze") || str_eq(b, "ignore"))) {
        cmd_disarm(m, b);
    } else if (n == 1 && str_eq(a, "arm-ha")) {
        cmd_arm(m);
    } else {
        env_log(m->env, HA_ERR, "unable to parse crm command: %s", line);
    }
}

void mgr_process_commands(struct manager *m)
{
    char *text = NULL, *err = NULL, *line, *save = NULL;

    if (m->env->read_crm_commands(m->env->ctx, &text, &err) != 0) {
        m->err = err ? err : xstrdup("unable to read crm commands");
        free(text);
        return;
    }
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        process_line(m, line);
    }
    free(text);
}

static void prune_sd(struct sd *sd)
{
    free(sd->target);
    free(sd->timeout);
    free(sd->cmd);
    free(sd->cmd_arg);
    sd->target = sd->timeout = sd->cmd = sd->cmd_arg = NULL;
    strlist_clear(&sd->failed_nodes);
    sd->has_failed_nodes = false;
    sd->running = false;
}

static bool all_lrms_disarmed(const struct manager *m)
{
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        if (m->ms.nodes[i].state == NS_ONLINE &&
            !str_eq(mgr_lrm_mode(m, m->ms.nodes[i].node), "disarm")) {
            return false;
        }
    }
    return true;
}

static bool disarm_defer(struct manager *m, struct strlist *only)
{
    for (size_t i = 0; i < m->ms.n_svcs; i++) {
        const struct sd *sd = &m->ms.svcs[i];
        bool hard = sd->state == SS_FENCE || sd->state == SS_RECOVERY;
        if (hard || sd->state == SS_MIGRATE || sd->state == SS_RELOCATE) {
            env_log(
                m->env, hard ? HA_WARNING : HA_INFO,
                "deferring disarm - service '%s' is in '%s' state", sd->sid,
                svc_state_name(sd->state)
            );
            strlist_add(only, sd->sid);
        }
    }
    return only->n > 0;
}

bool mgr_handle_disarm(struct manager *m, struct strlist *only)
{
    const char *mode = m->ms.disarm_mode;

    if (!str_eq(mode, "freeze") && !str_eq(mode, "ignore")) {
        env_log(m->env, HA_ERR, "unknown disarm-mode '%s', ignoring", mode);
        return true;
    }
    if (disarm_defer(m, only)) {
        return false;
    }
    for (size_t i = 0; i < m->ms.n_svcs; i++) {
        struct sd *sd = &m->ms.svcs[i];
        enum svc_state st = sd->state;
        if (str_eq(mode, "ignore")) {
            prune_sd(sd);
        } else if (st == SS_STARTED || st == SS_STOPPED || st == SS_REQUEST_STOP || st == SS_REQUEST_START || st == SS_REQUEST_START_BALANCE) {
            env_log(
                m->env, HA_INFO, "disarm: freezing service '%s' (was '%s')", sd->sid,
                svc_state_name(st)
            );
            prune_sd(sd);
            sd->state = SS_FREEZE;
            mgr_new_uid(m, sd);
        }
    }
    if (all_lrms_disarmed(m) && !str_eq(m->ms.disarm_state, "disarmed")) {
        env_log(m->env, HA_INFO, "all LRMs disarmed, HA stack is now fully disarmed");
        free(m->ms.disarm_state);
        m->ms.disarm_state = xstrdup("disarmed");
    }
    {
        char *json, *err = NULL;
        m->ms.timestamp = m->env->now(m->env->ctx);
        json = ms_to_json(&m->ms);
        if (m->env->write_manager_status(m->env->ctx, json, &err) != 0) {
            m->err = err ? err : xstrdup("unable to write manager status");
        }
        free(json);
    }
    return true;
}
