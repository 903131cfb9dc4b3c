/* manager_groups.c - rules compilation for the manager and the persistent
 * migration of legacy HA groups into rules. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/manager_int.h"
#include "state/scan.h"
#include "state/str.h"

#define MIGRATION_MIN_VERSION "9.0.0~16"

/* major.minor(.|-)patch(~rev)? from the start of s; false if it does not parse. */
static bool parse_version(const char *s, long v[4], bool *has_rev)
{
    long long n[4] = {0};

    *has_rev = false;
    if (!scan_ll(&s, 0, LONG_MAX, &n[0]) || !scan_lit(&s, ".") ||
        !scan_ll(&s, 0, LONG_MAX, &n[1]) || (!scan_lit(&s, ".") && !scan_lit(&s, "-")) ||
        !scan_ll(&s, 0, LONG_MAX, &n[2])) {
        return false;
    }
    *has_rev = scan_lit(&s, "~") && scan_ll(&s, 0, LONG_MAX, &n[3]);
    for (int i = 0; i < 4; i++) {
        v[i] = (long)n[i];
    }
    return true;
}

/* The node version is at least the minimum. */
static bool version_ok(const char *version)
{
    long have[4], want[4];
    bool have_rev, want_rev;

    if (!parse_version(version, have, &have_rev)) {
        return false;
    }
    parse_version(MIGRATION_MIN_VERSION, want, &want_rev);
    for (int i = 0; i < 3; i++) {
        if (have[i] != want[i]) {
            return have[i] > want[i];
        }
    }
    return !have_rev || have[3] >= want[3];
}

/* The LRM checks of one node; returns the abort reason or NULL. */
static char *check_lrm(struct manager *m, const char *node)
{
    struct lrm_status ls = {0};
    char *json = NULL, *err = NULL, *reason = NULL;

    if (m->env->read_lrm_status(m->env->ctx, node, &json, &err) != 0 ||
        lrm_status_from_json(json, &ls, &err) != 0 || ls.state == NULL || ls.mode == NULL) {
        reason = xasprintf("could not retrieve state for lrm '%s'", node);
    } else {
        env_log(
            m->env, HA_NOTICE, "ha groups migration: lrm '%s' is in state '%s' and mode '%s'", node,
            ls.state, ls.mode
        );
        if (!str_eq(ls.state, "active") && !(str_eq(ls.state, "wait_for_agent_lock") &&
                                             ms_active_service_count(&m->ms, node) == 0)) {
            reason = xasprintf("lrm '%s' is not in state 'active' or 'idle'", node);
        } else if (lrm_mode_parse(ls.mode, strlen(ls.mode)) != LRM_MODE_ACTIVE) {
            reason = xasprintf("lrm '%s' is not in mode 'active'", node);
        }
    }
    free(json);
    free(err);
    lrm_status_free(&ls);
    return reason;
}

static char *check_node(struct manager *m, const struct node_entry *e)
{
    char *reason, *version;

    env_log(
        m->env, HA_NOTICE, "ha groups migration: node '%s' is in state '%s'", e->node,
        node_state_name(e->state)
    );
    if (e->state != NS_ONLINE) {
        return xasprintf("node '%s' is not online", e->node);
    }
    if ((reason = check_lrm(m, e->node)) != NULL) {
        return reason;
    }
    version = m->env->get_node_version(m->env->ctx, e->node);
    if (version == NULL) {
        return xasprintf("could not retrieve version from node '%s'", e->node);
    }
    env_log(m->env, HA_NOTICE, "ha groups migration: node '%s' has version '%s'", e->node, version);
    if (!version_ok(version)) {
        reason = xasprintf(
            "node '%s' needs at least pve-manager version '%s'", e->node, MIGRATION_MIN_VERSION
        );
    }
    free(version);
    return reason;
}

static char *check_migration(struct manager *m)
{
    char *reason = NULL;

    if (!m->env->quorate(m->env->ctx)) {
        return xstrdup("cluster is not quorate");
    }
    if (m->ms.n_nodes == 0) {
        return xstrdup("node list is empty");
    }
    for (size_t i = 0; i < m->ms.n_nodes && reason == NULL; i++) {
        reason = check_node(m, &m->ms.nodes[i]);
    }
    return reason;
}

/* The group references of the service config, sorted by sid. */
static size_t group_refs(const struct svc_config *sc, struct rules_group_ref **out)
{
    size_t n = 0;

    *out = xcalloc(sc->n + 1, sizeof(**out));
    for (size_t i = 0; i < sc->n; i++) {
        if (sc->v[i].group != NULL) {
            (*out)[n].sid = sc->v[i].sid;
            (*out)[n].group = sc->v[i].group;
            n++;
        }
    }
    return n;
}

/* Write the converted rules, update the resources, delete groups.cfg. */
static int migrate_groups(struct manager *m, const struct groups *g, char **err)
{
    const struct ha_env *env = m->env;
    struct svc_config sc = {0};
    struct rules rules = {0};
    struct rules_group_ref *refs = NULL;
    char *text = NULL;
    int rc = -1;

    if (env->read_service_config(env->ctx, &sc, err) != 0 ||
        env->read_rules_config(env->ctx, &text, err) != 0) {
        goto out;
    }
    rules_parse(text, &rules, NULL);
    free(text);
    size_t n_refs = group_refs(&sc, &refs);
    rules_add_groups(&rules, g, refs, n_refs);
    text = rules_write(&rules);
    if (env->write_rules_config(env->ctx, text, err) != 0) {
        goto out;
    }
    env_log(env, HA_NOTICE, "ha groups migration: migration to rules config successful");
    for (size_t i = 0; i < sc.n; i++) {
        const struct group *grp = sc.v[i].group ? groups_find(g, sc.v[i].group) : NULL;
        if (sc.v[i].group == NULL ||
            env->update_service_config(env->ctx, sc.v[i].sid, "group", NULL, err) != 0 ||
            (grp && grp->nofailback &&
             env->update_service_config(env->ctx, sc.v[i].sid, "failback", "0", err) != 0)) {
            if (*err != NULL) {
                goto out;
            }
        }
    }
    env_log(env, HA_NOTICE, "ha groups migration: migration to resources config successful");
    if (env->delete_group_config(env->ctx, err) != 0) {
        goto out;
    }
    env_log(env, HA_NOTICE, "ha groups migration: group config deletion successful");
    rc = 0;
out:
    free(text);
    free(refs);
    rules_free(&rules);
    svc_config_free(&sc);
    return rc;
}

void mgr_group_migration(struct manager *m)
{
    struct groups g = {0};
    char *text = NULL, *err = NULL, *reason;

    if (m->env->read_group_config(m->env->ctx, &text, &err) != 0) {
        free(err);
        return;
    }
    groups_parse(text, &g, NULL);
    free(text);
    if (g.n > 0 && --m->group_migration_round <= 0) {
        m->group_migration_round = 6;
        env_log(m->env, HA_NOTICE, "start ha group migration...");
        reason = check_migration(m);
        if (reason == NULL && migrate_groups(m, &g, &err) != 0) {
            reason = err ? err : xstrdup("unknown error");
            err = NULL;
        }
        if (reason != NULL) {
            env_log(m->env, HA_ERR, "abort ha groups migration: %s", reason);
            env_log(m->env, HA_ERR, "ha groups migration failed");
            env_log(m->env, HA_NOTICE, "retry ha groups migration in 6 rounds (~ 60 seconds)");
            free(reason);
        } else {
            env_log(m->env, HA_NOTICE, "ha groups migration successful");
        }
    }
    free(err);
    groups_free(&g);
}

static bool digest_changed(const char *old, const char *now)
{
    return old == NULL || strcmp(old, now) != 0;
}

static void compile_rules(struct manager *m, struct rules *rules)
{
    struct rules_group_ref *refs = NULL;
    size_t n_refs = group_refs(&m->sc, &refs);
    const char **nodes = xcalloc(m->ms.n_nodes + 1, sizeof(*nodes));
    struct rules_msgs msgs = {0};

    rules_add_groups(rules, &m->groups, refs, n_refs);
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        nodes[i] = m->ms.nodes[i].node;
    }
    rules_check_transform(rules, nodes, m->ms.n_nodes, &msgs);
    for (size_t i = 0; i < msgs.n; i++) {
        env_log(m->env, HA_INFO, "%s", msgs.v[i]);
    }
    rules_compiled_free(&m->compiled);
    memset(&m->compiled, 0, sizeof(m->compiled));
    rules_compile(rules, nodes, m->ms.n_nodes, &m->compiled);
    m->have_compiled = true;
    rules_msgs_free(&msgs);
    free(nodes);
    free(refs);
}

void mgr_update_rules(struct manager *m, bool nodelist_changed)
{
    struct rules rules = {0};
    char *text = NULL, *err = NULL;

    if (m->env->read_rules_config(m->env->ctx, &text, &err) != 0) {
        m->err = err ? err : xstrdup("unable to read rules");
        return;
    }
    rules_parse(text, &rules, NULL);
    free(text);
    for (size_t i = 0; i < m->sc.n; i++) {
        if (m->sc.v[i].group != NULL) {
            m->sc.v[i].failback = groups_failback(&m->groups, m->sc.v[i].group);
        }
    }
    if (!m->have_compiled || nodelist_changed || digest_changed(m->rules_digest, rules.digest) ||
        digest_changed(m->groups_digest, m->groups.digest)) {
        free(m->rules_digest);
        free(m->groups_digest);
        m->rules_digest = xstrdup(rules.digest);
        m->groups_digest = xstrdup(m->groups.digest);
        compile_rules(m, &rules);
    }
    rules_free(&rules);
}
