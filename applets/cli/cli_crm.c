/* cli_crm.c - the CRM commands of ha-manager: migrate, relocate,
 * crm-command stop|node-maintenance|disarm-ha|arm-ha. Each queues one line
 * in the spool; migrate/relocate first look for blocking resources in the
 * compiled rules (refused, nothing queued), then queue and report the
 * co-migrated ones, as upstream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

/* The sid must be configured, not ignored, not in disarm-ignore mode and
 * not in error. 0 or an exit code (printed). */
static int check_managed(
    struct cli *c, const char *sid, const struct svc_config *sc, const struct manager_status *ms
)
{
    const struct svc_conf *s = svc_config_find(sc, sid);
    const struct sd *sd = ms_find_sd(ms, sid);

    if (s == NULL || s->state == REQ_IGNORED ||
        (ms->disarm_mode != NULL && strcmp(ms->disarm_mode, "ignore") == 0)) {
        return cli_fail(EXIT_FAIL, "resource '%s' is not HA managed", sid);
    }
    if (sd != NULL && sd->state == SS_ERROR) {
        return cli_fail(
            EXIT_FAIL, "service '%s' in error state, must be disabled and fixed first", sid
        );
    }
    return 0;
}

static int
load_managed(struct cli *c, const char *sid, struct svc_config *sc, struct manager_status *ms)
{
    int rc = cli_load_resources(c, sc, NULL);

    if (rc != 0) {
        return rc;
    }
    if ((rc = cli_load_ms(c, ms, NULL)) != 0) {
        svc_config_free(sc);
        return rc;
    }
    if ((rc = check_managed(c, sid, sc, ms)) != 0) {
        svc_config_free(sc);
        ms_free(ms);
    }
    return rc;
}

/* The motion's report (upstream's get_resource_motion_info and
 * print_resource_motion_output): a negative partner on the online target
 * blocks the command, which is then refused before anything is queued
 * (upstream queues it first; the master would refuse it); else the command
 * is queued and each positive partner in the service status reported. */
static int motion_queue_report(
    struct cli *c,
    const char *task,
    const char *sid,
    const char *node,
    const struct svc_config *sc,
    const struct manager_status *ms
)
{
    struct strlist nodes = {0}, online = {0};
    struct rules r;
    struct rules_compiled comp = {0};
    size_t n_pos = 0, n_neg = 0;
    int rc = cli_members(c, &nodes, &online);

    if (rc != 0 || (rc = cli_rules_effective(c, sc, &r)) != 0) {
        strlist_clear(&nodes);
        strlist_clear(&online);
        return rc;
    }
    rules_check_transform(&r, (const char *const *)nodes.v, nodes.n, NULL);
    rules_compile(&r, (const char *const *)nodes.v, nodes.n, &comp);
    char *const *pos = rules_positive(&comp, sid, &n_pos);
    char *const *neg = rules_negative(&comp, sid, &n_neg);
    struct strbuf blockers = {0};

    for (size_t i = 0; i < n_neg && strlist_has(&online, node); i++) {
        const struct sd *sd = ms_find_sd(ms, neg[i]);
        if (sd == NULL || (sd->node && strcmp(sd->node, node) != 0) ||
            (sd->target && strcmp(sd->target, node) != 0)) {
            continue;
        }
        strbuf_addf(
            &blockers,
            "\n- resource '%s' on target node '%s' in negative affinity with resource '%s'", neg[i],
            node, sid
        );
    }
    if (blockers.len > 0) {
        rc = cli_fail(
            EXIT_FAIL, "cannot %s resource '%s' to node '%s':\n%s", task, sid, node,
            strbuf_str(&blockers)
        );
    } else {
        char *line = xasprintf("%s %s %s", task, sid, node);
        rc = cli_queue(c, line);
        free(line);
        for (size_t i = 0; i < n_pos && rc == 0; i++) {
            if (ms_find_sd(ms, pos[i]) != NULL) {
                printf(
                    "also %s resource '%s' in positive affinity with resource '%s' to target "
                    "node '%s'\n",
                    task, pos[i], sid, node
                );
            }
        }
    }
    strbuf_free(&blockers);
    rules_compiled_free(&comp);
    rules_free(&r);
    strlist_clear(&nodes);
    strlist_clear(&online);
    return rc;
}

int cli_motion(struct cli *c)
{
    const char *task = cli_param(c, "task"), *node = cli_param(c, "node");
    char *sid = cli_resolve_sid(c, cli_param(c, "sid"));
    struct svc_config sc;
    struct manager_status ms;
    struct strlist nodes = {0};
    int rc = load_managed(c, sid, &sc, &ms);

    if (rc != 0) {
        free(sid);
        return rc;
    }
    if ((rc = cli_members(c, &nodes, NULL)) == 0 && !strlist_has(&nodes, node)) {
        rc = cli_fail(EXIT_FAIL, "no such cluster node '%s'", node);
    }
    if (rc == 0 && (rc = cli_need_quorum(c)) == 0) {
        rc = motion_queue_report(c, task, sid, node, &sc, &ms);
    }
    strlist_clear(&nodes);
    svc_config_free(&sc);
    ms_free(&ms);
    free(sid);
    return rc;
}

int cli_stop(struct cli *c)
{
    char *sid = cli_resolve_sid(c, cli_param(c, "sid"));
    struct svc_config sc;
    struct manager_status ms;
    int rc = load_managed(c, sid, &sc, &ms);

    if (rc == 0) {
        if ((rc = cli_need_quorum(c)) == 0) {
            long long t = 0; /* checked by cli_check_value(): "010" is queued as 10 */
            str_to_ll(cli_param(c, "timeout"), 0, STOP_TIMEOUT_MAX, &t);
            char *line = xasprintf("stop %s %lld", sid, t);
            rc = cli_queue(c, line);
            free(line);
        }
        svc_config_free(&sc);
        ms_free(&ms);
    }
    free(sid);
    return rc;
}

int cli_maintenance(struct cli *c)
{
    const char *node = cli_param(c, "node");
    bool disable = strcmp(cli_param(c, "disable"), "1") == 0;
    struct strlist nodes = {0};
    int rc = 0;

    if ((rc = cli_members(c, &nodes, NULL)) == 0 && !strlist_has(&nodes, node)) {
        rc = cli_fail(EXIT_FAIL, "no such cluster node '%s'", node);
    }
    strlist_clear(&nodes);
    if (rc == 0 && (rc = cli_need_quorum(c)) == 0) {
        char *line = xasprintf("%s-node-maintenance %s", disable ? "disable" : "enable", node);
        rc = cli_queue(c, line);
        free(line);
    }
    return rc;
}

int cli_disarm(struct cli *c)
{
    int rc = cli_need_quorum(c);

    if (rc == 0) {
        char *line = xasprintf("disarm-ha %s", cli_param(c, "resource-mode"));
        rc = cli_queue(c, line);
        free(line);
    }
    return rc;
}

int cli_arm(struct cli *c)
{
    int rc = cli_need_quorum(c);

    return rc ? rc : cli_queue(c, "arm-ha");
}
