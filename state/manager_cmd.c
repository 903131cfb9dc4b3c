/* manager_cmd.c - CRM commands, disarm/arm and automatic rebalancing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/manager_int.h"
#include "state/str.h"

void mgr_queue_motion(
    struct manager *m, const char *line, enum crm_cmd task, const char *sid, const char *target
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
    sd_set_cmd(ms_find_sd(&m->ms, sid), task, target);
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
            line, crm_cmd_name(task), pos[i], target, pos[i], sid
        );
        sd_set_cmd(p, task, target);
    }
}

static void cmd_motion(
    struct manager *m, const char *line, enum crm_cmd task, const char *sid, const char *node
)
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

/* The words of a command line: blanks (Perl's \s) between them, none
 * before or after (upstream's anchored patterns); at most max words, each
 * a copy. The count, or -1 when the line is not of that shape. */
static int split_words(const char *line, char **w, int max)
{
    static const char blanks[] = " \t\r\f\v";
    int n = 0;

    for (const char *p = line; *p != '\0';) {
        size_t len = strcspn(p, blanks), gap;
        if (len == 0 || n == max) {
            goto bad; /* a leading blank, or too many words */
        }
        w[n++] = xstrndup(p, len);
        p += len;
        gap = strspn(p, blanks);
        if (gap > 0 && p[gap] == '\0') {
            goto bad; /* a trailing blank */
        }
        p += gap;
    }
    return n;
bad:
    while (n > 0) {
        free(w[--n]);
    }
    return -1;
}

/* Every field of a line is checked before anything of it is logged as
 * accepted, stored in the manager status or passed on to an LRM and its
 * agent (the stop timeout ends up in the agent's environment): a sid and a
 * node must have their syntax, a timeout is an integer in
 * 0..STOP_TIMEOUT_MAX, and any other line is "unable to parse", as upstream
 * logs an unknown command. */
static void process_line(struct manager *m, const char *line)
{
    char *w[4];
    int n = split_words(line, w, 4);
    enum crm_cmd a = n > 0 ? crm_cmd_parse(w[0]) : CMD_OTHER;
    long long timeout;
    bool motion = a == CMD_MIGRATE || a == CMD_RELOCATE;
    bool maint = a == CMD_ENABLE_NODE_MAINTENANCE || a == CMD_DISABLE_NODE_MAINTENANCE;

    if (n == 3 && motion && ha_sid_ok(w[1]) && ha_node_ok(w[2])) {
        cmd_motion(m, line, a, w[1], w[2]);
    } else if (n == 3 && a == CMD_STOP && ha_sid_ok(w[1]) && str_to_ll(w[2], 0, STOP_TIMEOUT_MAX, &timeout) == STR_INT_OK) {
        struct sd *sd = ms_find_sd(&m->ms, w[1]);
        if (sd == NULL) {
            env_log(m->env, HA_ERR, "crm command error - no such service: %s", line);
        } else {
            char *t = xasprintf("%lld", timeout); /* "010" goes on as 10 */
            env_log(m->env, HA_INFO, "got crm command: %s", line);
            sd_set_cmd(sd, CMD_STOP, t);
            free(t);
        }
    } else if (n == 2 && maint && ha_node_ok(w[1])) {
        cmd_maintenance(m, line, a == CMD_ENABLE_NODE_MAINTENANCE, w[1]);
    } else if (n == 2 && a == CMD_DISARM_HA && (str_eq(w[1], "freeze") || str_eq(w[1], "ignore"))) {
        cmd_disarm(m, w[1]);
    } else if (n == 1 && a == CMD_ARM_HA) {
        cmd_arm(m);
    } else {
        env_log(m->env, HA_ERR, "unable to parse crm command: %s", line);
    }
    while (n > 0) {
        free(w[--n]);
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
    sd->target = sd->timeout = NULL;
    sd_set_cmd(sd, CMD_NONE, NULL);
    strlist_clear(&sd->failed_nodes);
    sd->has_failed_nodes = false;
    sd->running = false;
}

static bool all_lrms_disarmed(const struct manager *m)
{
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        if (m->ms.nodes[i].state == NS_ONLINE &&
            mgr_lrm_mode(m, m->ms.nodes[i].node) != LRM_MODE_DISARM) {
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
