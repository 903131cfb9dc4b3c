/* manager.c - construction of the master's manager and one manage() round,
 * step by step (state/README.md, "One manager round"). */
#include "state/manager.h"

#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/manager_int.h"
#include "state/str.h"

/* Take over the manager status on disk (node_status, service_status,
 * node_request and disarm are kept). A store error is not an empty status:
 * it returns -1 (and *err), and the master must not start from nothing.
 * An absent or unparsable file leaves an empty one, as before. */
static int load_ms(struct manager *m, const struct ha_env *env, char **err)
{
    struct manager_status old = {0};
    char *json = NULL, *perr = NULL;

    if (env->read_manager_status(env->ctx, &json, err) != 0) {
        free(json);
        return -1;
    }
    if (ms_from_json(json, &old, &perr) != 0) {
        ms_free(&old);
    }
    free(json);
    free(perr);
    env_event(env, "master_changed", env->node, NULL, old.master_node, env->node);
    ms_free(&m->ms);
    m->ms = old;
    free(m->ms.master_node);
    m->ms.master_node = xstrdup(env->node);
    m->ms_loaded = true;
    return 0;
}

struct manager *manager_new(const struct ha_env *env)
{
    struct manager *m = xcalloc(1, sizeof(*m));
    char *err = NULL;

    m->env = env;
    load_ms(m, env, &err); /* else: again at the first round */
    free(err);
    m->group_migration_round = 3;
    m->node_memo = xcalloc(1, sizeof(*m->node_memo));
    m->mode_memo = xcalloc(1, sizeof(*m->mode_memo));
    dc_settings_init(&m->dc);
    env->get_datacenter_settings(env->ctx, &m->dc);
    m->sched_mode = xstrdup(m->dc.crs_ha && m->dc.crs_ha[0] ? m->dc.crs_ha : "basic");
    if (!str_eq(m->sched_mode, "basic")) {
        env_log(env, HA_INFO, "using scheduler mode '%s'", m->sched_mode);
    }
    return m;
}

static void round_free(struct manager *m)
{
    svc_config_free(&m->sc);
    groups_free(&m->groups);
    memset(&m->groups, 0, sizeof(m->groups));
    free(m->results);
    m->results = NULL;
    m->n_results = 0;
    free(m->result_slots);
    m->result_slots = NULL;
    m->n_slots = 0;
    for (size_t i = 0; i < m->n_lrm_texts; i++) {
        free(m->lrm_texts[i]);
    }
    free(m->lrm_texts);
    m->lrm_texts = NULL;
    m->n_lrm_texts = 0;
    for (size_t i = 0; i < m->n_lrm_parsed; i++) {
        lrm_status_free(&m->lrm_parsed[i]);
    }
    free(m->lrm_parsed);
    m->lrm_parsed = NULL;
    m->n_lrm_parsed = 0;
    for (size_t i = 0; i < m->n_modes; i++) {
        free(m->modes[i].node);
    }
    free(m->modes);
    m->modes = NULL;
    m->n_modes = 0;
    m->any_lrm_restart = false;
    crs_free(m->usage);
    m->usage = NULL;
    svc_stats_list_free(&m->stats);
    free(m->err);
    m->err = NULL;
}

void manager_free(struct manager *m)
{
    if (m == NULL) {
        return;
    }
    round_free(m);
    ms_free(&m->ms);
    mgr_last_online_free(m);
    dc_settings_free(&m->dc);
    free(m->sched_mode);
    rules_compiled_free(&m->compiled);
    free(m->rules_digest);
    free(m->groups_digest);
    free(m->node_memo);
    free(m->mode_memo);
    free(m);
}

bool manager_fully_disarmed(const struct manager *m)
{
    return str_eq(m->ms.disarm_state, "disarmed");
}

/* A word-at-a-time hash: the byte-serial FNV of every uid, twice a round
 * for 10,000 services, cost more than the lookups themselves. */
static uint64_t uid_hash(const char *s, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15u;
    uint64_t h = n * k, w;

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * k;
    return h ^ (h >> 32);
}

/* The slot holding uid, or the empty slot where it would go. */
static struct result_slot *probe(const struct manager *m, const char *uid, size_t len, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);

    for (size_t i = h & (m->n_slots - 1);; i = (i + 1) & (m->n_slots - 1)) {
        struct result_slot *slot = &m->result_slots[i];
        if (slot->idx == 0) {
            return slot;
        }
        const struct mgr_result *r = &m->results[slot->idx - 1];
        if (slot->tag == tag && r->uid_len == len && memcmp(r->uid, uid, len) == 0) {
            return slot;
        }
    }
}

const struct mgr_result *mgr_result_of(const struct manager *m, const char *uid)
{
    size_t len;
    const struct result_slot *slot;

    if (uid == NULL || m->n_slots == 0) {
        return NULL;
    }
    len = strlen(uid);
    slot = probe(m, uid, len, uid_hash(uid, len));
    return slot->idx != 0 ? &m->results[slot->idx - 1] : NULL;
}

/* Index the results of all LRMs by uid in one hash table (linear time):
 * when two nodes report the same uid, the first node in sorted order wins. */
static void merge_results(struct manager *m, struct mgr_result *all, size_t n)
{
    m->n_slots = 16;
    while (m->n_slots < 2 * n) {
        m->n_slots *= 2;
    }
    m->result_slots = xcalloc(m->n_slots, sizeof(*m->result_slots));
    m->results = all;
    m->n_results = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = uid_hash(all[i].uid, all[i].uid_len);
        struct result_slot *slot = probe(m, all[i].uid, all[i].uid_len, h);
        if (slot->idx != 0) {
            continue; /* a later node's copy */
        }
        all[m->n_results++] = all[i];
        slot->tag = (uint32_t)(h >> 32);
        slot->idx = (uint32_t)m->n_results;
    }
}

struct result_list {
    struct mgr_result *v;
    size_t n, cap;
};

static void add_result(struct result_list *l, const char *uid, size_t len, int exit_code)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = (struct mgr_result){uid, len, exit_code};
}

/* The mode word of an LRM status: absent or empty reads as active. */
static enum lrm_mode mode_of(const char *s, size_t n)
{
    return s == NULL || n == 0 ? LRM_MODE_ACTIVE : lrm_mode_parse(s, n);
}

/* One LRM's status: its mode and results, kept for the round. */
static int read_one_lrm(struct manager *m, char *json, struct result_list *all, enum lrm_mode *mode)
{
    struct lrm_status_view v;
    struct lrm_status ls;
    char *err = NULL;

    if (lrm_status_view_scan(json, &v) == 0) { /* the usual, canonical text */
        for (size_t j = 0; j < v.n_results; j++) {
            add_result(all, v.results[j].uid.p, v.results[j].uid.n, v.results[j].exit_code);
        }
        *mode = mode_of(v.mode.p, v.mode.n);
        lrm_status_view_free(&v);
        m->lrm_texts = xrealloc(m->lrm_texts, (m->n_lrm_texts + 1) * sizeof(*m->lrm_texts));
        m->lrm_texts[m->n_lrm_texts++] = json;
        return 0;
    }
    if (lrm_status_from_json(json, &ls, &err) != 0) {
        free(json);
        m->err = err ? err : xstrdup("unable to read lrm status");
        return -1;
    }
    free(json);
    for (size_t j = 0; j < ls.n_results; j++) {
        add_result(all, ls.results[j].uid, strlen(ls.results[j].uid), ls.results[j].exit_code);
    }
    *mode = mode_of(ls.mode, ls.mode ? strlen(ls.mode) : 0);
    m->lrm_parsed = xrealloc(m->lrm_parsed, (m->n_lrm_parsed + 1) * sizeof(*m->lrm_parsed));
    m->lrm_parsed[m->n_lrm_parsed++] = ls;
    return 0;
}

/* Round step 1 (state/README.md): modes and results of every LRM the manager knows. */
static int read_lrm_states(struct manager *m)
{
    struct result_list all = {0};

    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        const char *node = m->ms.nodes[i].node;
        char *json = NULL, *err = NULL;
        enum lrm_mode mode;
        if (m->env->read_lrm_status(m->env->ctx, node, &json, &err) != 0) {
            free(json);
            merge_results(m, all.v, all.n);
            m->err = err ? err : xstrdup("unable to read lrm status");
            return -1;
        }
        if (read_one_lrm(m, json, &all, &mode) != 0) {
            merge_results(m, all.v, all.n);
            return -1;
        }
        m->modes = xrealloc(m->modes, (m->n_modes + 1) * sizeof(*m->modes));
        m->modes[m->n_modes].node = xstrdup(node);
        m->modes[m->n_modes].mode = mode;
        m->any_lrm_restart = m->any_lrm_restart || mode == LRM_MODE_RESTART;
        m->n_modes++;
    }
    merge_results(m, all.v, all.n);
    return 0;
}

static bool nodelist_changed(const struct manager *m, const struct node_info_list *info)
{
    for (size_t i = 0; i < info->n; i++) {
        if (ms_find_node(&m->ms, info->v[i].node) == NULL) {
            return true;
        }
    }
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        bool found = false;
        for (size_t j = 0; j < info->n && !found; j++) {
            found = strcmp(info->v[j].node, m->ms.nodes[i].node) == 0;
        }
        if (!found) {
            return true;
        }
    }
    return false;
}

static void reread_settings(struct manager *m)
{
    const char *mode;

    dc_settings_free(&m->dc);
    dc_settings_init(&m->dc);
    m->env->get_datacenter_settings(m->env->ctx, &m->dc);
    mode = m->dc.crs_ha && m->dc.crs_ha[0] ? m->dc.crs_ha : "basic";
    if (!str_eq(mode, m->sched_mode)) {
        env_log(m->env, HA_INFO, "switching scheduler mode from '%s' to '%s'", m->sched_mode, mode);
        free(m->sched_mode);
        m->sched_mode = xstrdup(mode);
    }
}

/* Round step 4: track new services and forget removed or ignored ones. */
static void sync_services(struct manager *m)
{
    struct strlist stale = {0};
    size_t j = 0; /* both lists are sorted by sid: walk them side by side */

    for (size_t i = 0; i < m->sc.n; i++) {
        const struct svc_conf *cd = &m->sc.v[i];
        struct sd *sd;
        if (sorted_seek(m->ms.svcs, m->ms.n_svcs, sizeof(*m->ms.svcs), 0, cd->sid, &j) ||
            cd->state == REQ_IGNORED) {
            continue;
        }
        j++; /* the new entry is sorted in right here */
        env_log(
            m->env, HA_INFO, "adding new service '%s' on node '%s'", cd->sid,
            cd->node ? cd->node : ""
        );
        sd = ms_add_sd(&m->ms, cd->sid);
        sd->state = cd->state == REQ_STARTED ? SS_REQUEST_START : SS_REQUEST_STOP;
        sd->node = xstrdup(cd->node);
        mgr_new_uid(m, sd);
    }
    j = 0;
    for (size_t i = 0; i < m->ms.n_svcs; i++) {
        const char *sid = m->ms.svcs[i].sid;
        const struct svc_conf *cd =
            sorted_seek(m->sc.v, m->sc.n, sizeof(*m->sc.v), 0, sid, &j) ? &m->sc.v[j] : NULL;
        if (cd == NULL || cd->state == REQ_IGNORED) {
            env_log(
                m->env, HA_INFO, "removing stale service '%s' (%s)", sid,
                cd ? "ignored state requested" : "no config"
            );
            strlist_add(&stale, sid);
        }
    }
    for (size_t i = 0; i < stale.n; i++) {
        ms_del_sd(&m->ms, stale.v[i]);
    }
    strlist_clear(&stale);
}

static void flush(struct manager *m)
{
    char *json, *err = NULL;

    m->ms.timestamp = m->env->now(m->env->ctx);
    json = ms_to_json(&m->ms);
    if (m->env->write_manager_status(m->env->ctx, json, &err) != 0) {
        m->err = err ? err : xstrdup("unable to write manager status");
    }
    free(json);
}

static int read_config(struct manager *m)
{
    char *text = NULL, *err = NULL;

    if (m->env->read_service_config(m->env->ctx, &m->sc, &err) != 0 ||
        m->env->read_group_config(m->env->ctx, &text, &err) != 0) {
        m->err = err ? err : xstrdup("unable to read the configuration");
        return -1;
    }
    groups_parse(text, &m->groups, NULL);
    free(text);
    return 0;
}

/* Round steps 6-8, once the inputs of the round are in place. */
static void manage_services(struct manager *m)
{
    struct strlist only = {0};
    bool deferred = false;

    mgr_process_commands(m);
    if (m->err == NULL && m->ms.disarm_mode != NULL) {
        if (mgr_handle_disarm(m, &only)) {
            strlist_clear(&only);
            return;
        }
        deferred = true;
    } else if (m->err == NULL) {
        mgr_load_balance(m);
    }
    if (m->err == NULL) {
        mgr_state_passes(m, deferred ? &only : NULL);
    }
    strlist_clear(&only);
    if (m->err == NULL) {
        flush(m);
    }
}

static int manage(struct manager *m)
{
    struct node_info_list info = {0};
    bool changed;

    if (m->env->get_node_info(m->env->ctx, &info, &m->err) != 0) {
        return -1;
    }
    changed = nodelist_changed(m, &info);
    if (read_lrm_states(m) != 0) {
        node_info_list_free(&info);
        return -1;
    }
    mgr_update_nodes(m, &info);
    node_info_list_free(&info);
    if (!mgr_node_online(m, m->env->node) && mgr_node_state(m, m->env->node) != NS_MAINTENANCE) {
        env_log(m->env, HA_INFO, "master seems offline");
        return 0;
    }
    reread_settings(m);
    mgr_group_migration(m);
    if (m->err != NULL || read_config(m) != 0) {
        return -1;
    }
    if (m->ms.disarm_mode == NULL) {
        sync_services(m);
    }
    mgr_recompute_usage(m);
    mgr_update_rules(m, changed);
    if (m->err == NULL) {
        manage_services(m);
    }
    return m->err ? -1 : 0;
}

int manager_round(struct manager *m, const struct ha_env *env, char **err)
{
    int rc;

    m->env = env;
    round_free(m);
    if (!m->ms_loaded && load_ms(m, env, &m->err) != 0) {
        *err = xasprintf("could not read manager status: %s", m->err ? m->err : "unknown error");
        free(m->err);
        m->err = NULL;
        return -1;
    }
    rc = manage(m);
    if (rc != 0) {
        *err = m->err ? m->err : xstrdup("manager round failed");
        m->err = NULL;
    }
    round_free(m);
    return rc;
}
