/* manager_usage.c - node usage accounting for the scheduler and node
 * selection for a service. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "state/manager_int.h"
#include "state/str.h"

static const char *const mode_names[] = {
    [CRS_BASIC] = "basic",
    [CRS_STATIC] = "static",
    [CRS_DYNAMIC] = "dynamic",
};

const struct svc_stats *mgr_stats_of(const struct manager *m, const char *sid)
{
    bool found;
    size_t i = sorted_pos(
        m->stats.v, m->stats.n, sizeof(*m->stats.v), offsetof(struct svc_stats, sid), sid, &found
    );

    return found ? &m->stats.v[i] : NULL;
}

static bool usage_online(const struct manager *m, const char *node)
{
    return crs_node_index(m->usage, node) >= 0;
}

/* Upstream's used_nodes() for a state, node and target. A configured state
 * such as "disabled" parses to SS_NONE, which uses no node. */
static void used_nodes_of(
    const struct manager *m,
    enum svc_state state,
    const char *node,
    const char *target,
    const char **cur,
    const char **tgt
)
{
    bool on_cur = false, on_tgt = false;

    switch (state) {
    case SS_MIGRATE:
    case SS_RELOCATE:
        on_tgt = true;
        on_cur = true;
        break;
    case SS_STARTED:
    case SS_REQUEST_STOP:
    case SS_FENCE:
    case SS_FREEZE:
    case SS_ERROR:
    case SS_RECOVERY:
        on_cur = true;
        break;
    case SS_REQUEST_START_BALANCE:
        on_tgt = true;
        break;
    default:
        break;
    }
    *cur = on_cur && usage_online(m, node) ? node : NULL;
    *tgt = on_tgt && usage_online(m, target) ? target : NULL;
}

void mgr_used_nodes(
    const struct manager *m, const struct sd *sd, const char **cur, const char **tgt
)
{
    used_nodes_of(m, sd->state, sd->node, sd->target, cur, tgt);
}

static void crs_stats_from(const struct svc_stats *s, struct crs_service_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->has_usage = s->has_usage;
    out->present = (s->has_cpu ? CRS_HAS_CPU : 0) | (s->has_maxcpu ? CRS_HAS_MAXCPU : 0) |
                   (s->has_mem ? CRS_HAS_MEM : 0) | (s->has_maxmem ? CRS_HAS_MAXMEM : 0);
    out->cpu = s->cpu;
    out->maxcpu = s->maxcpu;
    out->mem = s->mem;
    out->maxmem = s->maxmem;
}

/* sd: the service's entry (or one made from its statistics); s: the sid's
 * statistics (NULL if none). */
static void add_usage(struct manager *m, const struct sd *sd, const struct svc_stats *s)
{
    const char *cur, *tgt;
    struct crs_service_stats st;
    char *warning = NULL;
    bool running;

    used_nodes_of(m, sd->state, sd->node, sd->target, &cur, &tgt);
    running = (sd->state == SS_STARTED && sd->running) || (sd->state != SS_STARTED && cur != NULL);
    if (s != NULL) {
        crs_stats_from(s, &st);
    }
    struct crs_service svc = {sd->sid, cur, tgt, running, s ? &st : NULL};
    if (crs_add_service(m->usage, &svc, &warning) != 0 && warning != NULL) {
        char *line = warning, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            env_log(m->env, HA_WARNING, "%s", line);
            line = nl + 1;
        }
        env_log(m->env, HA_WARNING, "%s", line);
    }
    free(warning);
}

void mgr_add_service_usage(struct manager *m, const struct sd *sd)
{
    add_usage(m, sd, mgr_stats_of(m, sd->sid));
}

/* Adds the online nodes with their static or dynamic stats; -1 with *err. */
static int
add_stat_nodes(struct manager *m, const char *mode, const struct strlist *nodes, char **err)
{
    struct node_stats_list ns = {0};
    char *e = NULL;
    int rc = 0;

    if (m->env->get_node_stats(m->env->ctx, mode, &ns, &e) != 0) {
        *err = xasprintf("did not get %s node usage information - %s", mode, e ? e : "");
        free(e);
        return -1;
    }
    for (size_t i = 0; i < nodes->n && rc == 0; i++) {
        const struct node_stats *s = NULL;
        for (size_t j = 0; j < ns.n; j++) {
            if (strcmp(ns.v[j].node, nodes->v[i]) == 0) {
                s = &ns.v[j];
            }
        }
        if (s == NULL) {
            *err = xasprintf("did not get %s node usage information for '%s'", mode, nodes->v[i]);
            rc = -1;
        } else if (!s->has_maxcpu) {
            *err = xasprintf(
                "%s node usage information for '%s' missing cpu count", mode, nodes->v[i]
            );
            rc = -1;
        } else if (!s->has_maxmem) {
            *err =
                xasprintf("%s node usage information for '%s' missing memory", mode, nodes->v[i]);
            rc = -1;
        } else {
            struct crs_node_stats st = {s->cpu, s->maxcpu, s->mem, s->maxmem};
            crs_add_node(m->usage, nodes->v[i], &st);
        }
    }
    node_stats_list_free(&ns);
    return rc;
}

/* Sets up a static or dynamic usage; -1 with *err (then basic is used). */
static int
init_crs_usage(struct manager *m, enum crs_mode mode, const struct strlist *nodes, char **err)
{
    const char *name = mode_names[mode];
    char *e = NULL;

    if (m->env->get_service_stats(m->env->ctx, name, &m->stats, &e) != 0) {
        *err = e ? e : xstrdup("unable to get service stats");
        return -1;
    }
    m->usage = crs_new(mode);
    if (add_stat_nodes(m, name, nodes, err) != 0) {
        crs_free(m->usage);
        m->usage = NULL;
        svc_stats_list_free(&m->stats);
        return -1;
    }
    return 0;
}

static void init_basic_usage(struct manager *m, const struct strlist *nodes)
{
    char *e = NULL;

    svc_stats_list_free(&m->stats);
    if (m->env->get_service_stats(m->env->ctx, "basic", &m->stats, &e) != 0) {
        free(e);
    }
    m->usage = crs_new(CRS_BASIC);
    for (size_t i = 0; i < nodes->n; i++) {
        struct crs_node_stats st = {0, 0, 0, 0};
        crs_add_node(m->usage, nodes->v[i], &st);
    }
}

void mgr_recompute_usage(struct manager *m)
{
    const char *mode = m->dc.crs_ha && m->dc.crs_ha[0] ? m->dc.crs_ha : "basic";
    struct strlist nodes = {0};
    char *err = NULL;

    crs_free(m->usage);
    m->usage = NULL;
    svc_stats_list_free(&m->stats);
    for (size_t i = 0; i < m->ms.n_nodes; i++) {
        if (m->ms.nodes[i].state == NS_ONLINE) {
            strlist_add(&nodes, m->ms.nodes[i].node);
        }
    }
    if (str_eq(mode, "static") || str_eq(mode, "dynamic")) {
        enum crs_mode cm = str_eq(mode, "static") ? CRS_STATIC : CRS_DYNAMIC;
        if (init_crs_usage(m, cm, &nodes, &err) != 0) {
            env_log(
                m->env, HA_WARNING, "fallback to 'basic' scheduler mode, init for '%s' failed - %s",
                mode, err
            );
            free(err);
        }
    } else if (!str_eq(mode, "basic")) {
        env_log(m->env, HA_WARNING, "got unknown scheduler mode '%s', using 'basic'", mode);
    }
    if (m->usage == NULL) {
        init_basic_usage(m, &nodes);
    }
    strlist_clear(&nodes);
    for (size_t i = 0, k = 0; i < m->ms.n_svcs; i++) { /* both sorted by sid */
        const struct sd *sd = &m->ms.svcs[i];
        bool has = sorted_seek(
            m->stats.v, m->stats.n, sizeof(*m->stats.v), offsetof(struct svc_stats, sid), sd->sid,
            &k
        );
        add_usage(m, sd, has ? &m->stats.v[k] : NULL);
    }
    /* Both lists are sorted by sid: one merge walk finds the services that
     * only the statistics know. */
    for (size_t i = 0, j = 0; i < m->stats.n; i++) {
        const struct svc_stats *s = &m->stats.v[i];
        if (!sorted_seek(m->ms.svcs, m->ms.n_svcs, sizeof(*m->ms.svcs), 0, s->sid, &j)) {
            struct sd only = {
                .sid = s->sid,
                .state = s->state,
                .node = s->node,
                .running = s->running,
            };
            add_usage(m, &only, s);
        }
    }
}

/* Node sets over the usage's nodes, as counters indexed like the usage. */
struct node_sets {
    size_t n;
    int *allowed, *pri, *together, *separate;
};

static void sets_free(struct node_sets *s)
{
    free(s->allowed);
    free(s->pri);
    free(s->together);
    free(s->separate);
}

/* get_node_affinity(): false when no preferred node is left. */
static bool node_affinity(struct manager *m, const char *sid, struct node_sets *s)
{
    size_t n_na;
    const struct rule_node *na = rules_node_affinity(&m->compiled, sid, &n_na);
    long long best = 0;
    bool any = false;

    if (na == NULL) {
        for (size_t i = 0; i < s->n; i++) {
            s->allowed[i] = s->pri[i] = 1;
        }
        return s->n > 0;
    }
    for (size_t i = 0; i < n_na; i++) {
        long idx = crs_node_index(m->usage, na[i].node);
        if (idx >= 0) {
            s->allowed[idx] = 1;
            best = any && best > na[i].prio ? best : na[i].prio;
            any = true;
        }
    }
    for (size_t i = 0; i < n_na; i++) {
        long idx = crs_node_index(m->usage, na[i].node);
        if (idx >= 0 && na[i].prio == best) {
            s->pri[idx] = 1;
        }
    }
    return any;
}

static void resource_affinity(struct manager *m, const char *sid, struct node_sets *s)
{
    size_t n;
    char *const *pos = rules_positive(&m->compiled, sid, &n);

    for (size_t i = 0; i < n; i++) {
        const struct sd *p = ms_find_sd(&m->ms, pos[i]);
        const char *cur, *tgt, *x;
        if (p == NULL) {
            continue;
        }
        mgr_used_nodes(m, p, &cur, &tgt);
        x = tgt ? tgt : cur;
        if (x != NULL) {
            s->together[crs_node_index(m->usage, x)]++;
        }
    }
    char *const *neg = rules_negative(&m->compiled, sid, &n);
    for (size_t i = 0; i < n; i++) {
        const struct sd *q = ms_find_sd(&m->ms, neg[i]);
        const char *cur, *tgt;
        if (q == NULL) {
            continue;
        }
        mgr_used_nodes(m, q, &cur, &tgt);
        if (cur != NULL) {
            s->separate[crs_node_index(m->usage, cur)] = 1;
        }
        if (tgt != NULL) {
            s->separate[crs_node_index(m->usage, tgt)] = 1;
        }
    }
}

/* The middle of node selection: failed nodes, negative and positive affinity. */
static void
filter_preferred(struct manager *m, const struct sd *sd, enum select_pref pref, struct node_sets *s)
{
    long best = -1;

    if (pref == PREF_TRY_NEXT) {
        for (size_t i = 0; i < sd->failed_nodes.n; i++) {
            long idx = crs_node_index(m->usage, sd->failed_nodes.v[i]);
            if (idx >= 0) {
                s->pri[idx] = 0;
            }
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->separate[i]) {
            s->pri[i] = 0;
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->pri[i] && s->together[i] > 0 && (best < 0 || s->together[i] > s->together[best])) {
            best = (long)i;
        }
    }
    if (best >= 0) {
        for (size_t i = 0; i < s->n; i++) {
            s->pri[i] = (long)i == best;
        }
    }
}

static const char *pick_by_score(
    struct manager *m, const struct sd *sd, enum select_pref pref, const struct node_sets *s
)
{
    double *score = xcalloc(s->n, sizeof(*score));
    size_t *order = xcalloc(s->n, sizeof(*order)), k = 0;
    const struct svc_stats *stats = mgr_stats_of(m, sd->sid);
    struct crs_service_stats st;
    const char *res = NULL;
    char *err = NULL;

    if (stats != NULL) {
        crs_stats_from(stats, &st);
    }
    if (crs_score_nodes(m->usage, sd->sid, stats ? &st : NULL, score, &err) != 0) {
        env_log(
            m->env, HA_ERR, "unable to score nodes according to %s usage for service '%s' - %s",
            mode_names[crs_mode_of(m->usage)], sd->sid, err ? err : ""
        );
        /* [Quirk] upstream's dynamic mode then fails on the missing result,
         * which aborts the manager round; static mode scores every node 0. */
        if (crs_mode_of(m->usage) == CRS_DYNAMIC && m->err == NULL) {
            m->err = xasprintf("score failure: %s", err ? err : "");
        }
        free(err);
        if (m->err != NULL) {
            free(score);
            free(order);
            return NULL;
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->pri[i]) {
            size_t j = k++;
            /* insertion sort by (score, name): node order is name order */
            while (j > 0 && score[order[j - 1]] > score[i]) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
    if (k > 0) {
        size_t pick = 0;
        long cur = crs_node_index(m->usage, sd->node);
        for (size_t j = 0; pref == PREF_TRY_NEXT && cur >= 0 && j + 1 < k; j++) {
            if ((long)order[j] == cur) {
                pick = j + 1;
            }
        }
        res = crs_node_name(m->usage, order[pick]);
    }
    free(score);
    free(order);
    return res;
}

const char *mgr_select_node(
    struct manager *m, const struct sd *sd, const struct svc_conf *cd, enum select_pref pref
)
{
    struct node_sets s = {.n = crs_node_count(m->usage)};
    long cur = crs_node_index(m->usage, sd->node), mnt;
    const char *res = NULL;
    size_t n_na, n_pos, n_neg;

    /* Fast path, the same result as the full steps below: a service without
     * any rule that stays where it is (every started service, every round). */
    if (pref == PREF_NONE && cur >= 0 &&
        rules_node_affinity(&m->compiled, sd->sid, &n_na) == NULL &&
        (rules_positive(&m->compiled, sd->sid, &n_pos), n_pos == 0) &&
        (rules_negative(&m->compiled, sd->sid, &n_neg), n_neg == 0)) {
        mnt = crs_node_index(m->usage, sd->maintenance_node);
        return crs_node_name(m->usage, cd->failback && mnt >= 0 ? (size_t)mnt : (size_t)cur);
    }
    s.allowed = xcalloc(s.n + 1, sizeof(int));
    s.pri = xcalloc(s.n + 1, sizeof(int));
    s.together = xcalloc(s.n + 1, sizeof(int));
    s.separate = xcalloc(s.n + 1, sizeof(int));
    if (!node_affinity(m, sd->sid, &s)) {
        goto out;
    }
    resource_affinity(m, sd->sid, &s);
    if (pref == PREF_NONE && !cd->failback && cur >= 0 && s.allowed[cur] &&
        (s.together[cur] > 0 || !s.separate[cur])) {
        res = crs_node_name(m->usage, cur);
        goto out;
    }
    filter_preferred(m, sd, pref, &s);
    mnt = crs_node_index(m->usage, sd->maintenance_node);
    if (mnt >= 0 && s.pri[mnt]) {
        res = crs_node_name(m->usage, mnt);
    } else if (pref == PREF_NONE && cur >= 0 && s.pri[cur]) {
        res = crs_node_name(m->usage, cur);
    } else {
        res = pick_by_score(m, sd, pref, &s);
    }
out:
    sets_free(&s);
    return res;
}

void mgr_affinity_targets(struct manager *m, const struct sd *sd, struct strlist *out)
{
    struct node_sets s = {.n = crs_node_count(m->usage)};

    s.allowed = xcalloc(s.n + 1, sizeof(int));
    s.pri = xcalloc(s.n + 1, sizeof(int));
    s.together = xcalloc(s.n + 1, sizeof(int));
    s.separate = xcalloc(s.n + 1, sizeof(int));
    if (node_affinity(m, sd->sid, &s)) {
        resource_affinity(m, sd->sid, &s);
        for (size_t i = 0; i < s.n; i++) {
            const char *node = crs_node_name(m->usage, i);
            if (s.pri[i] && !s.separate[i] && !str_eq(node, sd->node)) {
                strlist_add(out, node);
            }
        }
    }
    sets_free(&s);
}
