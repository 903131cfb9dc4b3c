/* manager_nodes.c - the master's view of the nodes and fencing by taking a
 * lost node's agent lock. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "state/manager_int.h"
#include "state/str.h"

/* ms_find_node() through the manager's memo. */
static const struct node_entry *find_node(const struct manager *m, const char *node)
{
    struct sorted_array a = {
        m->ms.nodes, m->ms.n_nodes, sizeof(*m->ms.nodes), offsetof(struct node_entry, node)};
    bool found;
    size_t i;

    if (node == NULL) {
        return NULL;
    }
    i = sorted_pos_memo(m->node_memo, &a, node, &found);
    return found ? &m->ms.nodes[i] : NULL;
}

enum node_state mgr_node_state(const struct manager *m, const char *node)
{
    const struct node_entry *e = find_node(m, node);

    return e ? e->state : NS_UNKNOWN;
}

bool mgr_node_online(const struct manager *m, const char *node)
{
    const struct node_entry *e = find_node(m, node);

    return e != NULL && e->state == NS_ONLINE;
}

void mgr_set_node_state(struct manager *m, const char *node, enum node_state st)
{
    const struct node_entry *e = ms_find_node(&m->ms, node);
    enum node_state old = e ? e->state : NS_UNKNOWN;
    bool known = e != NULL; /* e is not valid after ms_set_node */

    if (known && old == st) {
        return;
    }
    ms_set_node(&m->ms, node, st);
    if (old != st) {
        env_log(
            m->env, HA_INFO, "node '%s': state changed from '%s' => '%s'", node,
            node_state_name(old), node_state_name(st)
        );
    }
    if (known && (st == NS_MAINTENANCE || old == NS_MAINTENANCE)) {
        env_event(
            m->env, st == NS_MAINTENANCE ? "maintenance_entered" : "maintenance_left", node, NULL,
            node_state_name(old), node_state_name(st)
        );
    }
}

/* modes follow the sorted node list of the manager status: binary search,
 * as this runs once per service and round. */
enum lrm_mode mgr_lrm_mode(const struct manager *m, const char *node)
{
    struct sorted_array a = {
        m->modes, m->n_modes, sizeof(*m->modes), offsetof(struct node_mode, node)};
    bool found;
    size_t i;

    if (node == NULL) {
        return LRM_MODE_UNKNOWN;
    }
    i = sorted_pos_memo(m->mode_memo, &a, node, &found);
    return found ? m->modes[i].mode : LRM_MODE_UNKNOWN;
}

static struct last_online *lo_find(const struct manager *m, const char *node)
{
    for (size_t i = 0; i < m->n_lo; i++) {
        if (strcmp(m->lo[i].node, node) == 0) {
            return &m->lo[i];
        }
    }
    return NULL;
}

static void lo_set(struct manager *m, const char *node, int64_t t)
{
    struct last_online *lo = lo_find(m, node);

    if (lo == NULL) {
        m->lo = xrealloc(m->lo, (m->n_lo + 1) * sizeof(*m->lo));
        lo = &m->lo[m->n_lo++];
        lo->node = xstrdup(node);
    }
    lo->time = t;
}

static void lo_del(struct manager *m, const char *node)
{
    struct last_online *lo = lo_find(m, node);

    if (lo != NULL) {
        free(lo->node);
        *lo = m->lo[--m->n_lo];
    }
}

void mgr_last_online_free(struct manager *m)
{
    for (size_t i = 0; i < m->n_lo; i++) {
        free(m->lo[i].node);
    }
    free(m->lo);
    m->lo = NULL;
    m->n_lo = 0;
}

bool mgr_offline_delayed(struct manager *m, const char *node, int64_t delay)
{
    int64_t now = m->env->now(m->env->ctx);
    struct last_online *lo;

    if (node == NULL || mgr_node_online(m, node)) {
        return false;
    }
    lo = lo_find(m, node);
    if (lo == NULL) {
        lo_set(m, node, now);
        return false;
    }
    return now - lo->time >= delay;
}

static bool info_member(const struct node_info_list *info, const char *node, bool *online)
{
    for (size_t i = 0; i < info->n; i++) {
        if (strcmp(info->v[i].node, node) == 0) {
            *online = info->v[i].online;
            return true;
        }
    }
    *online = false;
    return false;
}

static void update_offline_node(struct manager *m, const char *node, bool member)
{
    enum node_state st = mgr_node_state(m, node);

    if (st == NS_ONLINE ||
        (st == NS_MAINTENANCE && mgr_lrm_mode(m, node) != LRM_MODE_MAINTENANCE)) {
        mgr_set_node_state(m, node, NS_UNKNOWN);
    } else if (st == NS_UNKNOWN && !member) {
        mgr_set_node_state(m, node, NS_GONE);
    } else if (st == NS_GONE && mgr_offline_delayed(m, node, 3600)) {
        env_log(m->env, HA_NOTICE, "deleting gone node '%s', not a cluster member anymore.", node);
        ms_del_node(&m->ms, node);
        lo_del(m, node);
    }
}

void mgr_update_nodes(struct manager *m, const struct node_info_list *info)
{
    int64_t now = m->env->now(m->env->ctx);
    struct strlist known = {0};

    for (size_t i = 0; i < info->n; i++) {
        const char *node = info->v[i].node;
        enum node_state st = mgr_node_state(m, node);
        bool maint = mgr_lrm_mode(m, node) == LRM_MODE_MAINTENANCE;
        if (!info->v[i].online) {
            continue;
        }
        lo_set(m, node, now);
        if (st == NS_ONLINE && maint) {
            mgr_set_node_state(m, node, NS_MAINTENANCE);
        } else if (st == NS_UNKNOWN || st == NS_GONE || (st == NS_MAINTENANCE && !maint)) {
            mgr_set_node_state(m, node, NS_ONLINE);
        }
    }
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        strlist_add(&known, m->ms.nodes[i].node);
    }
    for (size_t i = 0; i < known.n; i++) {
        bool online, member = info_member(info, known.v[i], &online);
        if (!online) {
            update_offline_node(m, known.v[i], member);
        }
    }
    strlist_clear(&known);
}

bool mgr_fence_node(struct manager *m, const char *node)
{
    const struct ha_env *env = m->env;
    char *text;

    if (mgr_node_state(m, node) != NS_FENCE) {
        mgr_set_node_state(m, node, NS_FENCE);
        text = xasprintf("Try to fence node '%s'", node);
        env->notify(env->ctx, "FENCE", text);
        free(text);
        env_event(env, "fence_started", node, NULL, NULL, NULL);
    }
    if (!env->get_agent_lock(env->ctx, node)) {
        return false;
    }
    text = xasprintf("fencing: acknowledged - got agent lock for node '%s'", node);
    env_log(env, HA_INFO, "%s", text);
    mgr_set_node_state(m, node, NS_UNKNOWN);
    env->notify(env->ctx, "SUCCEED", text);
    free(text);
    env_event(env, "fence_succeeded", node, NULL, NULL, NULL);
    return true;
}
