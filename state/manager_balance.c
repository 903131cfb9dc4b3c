/* manager_balance.c - automatic rebalancing: after
 * hold_duration rounds above the imbalance threshold, move the stationary
 * bundle whose move improves the imbalance most, if by at least margin. */
#include <stdlib.h>
#include <string.h>

#include "state/manager_int.h"
#include "state/str.h"

struct bundle {
    struct strlist members; /* sorted, leader first */
    struct strlist targets;
};

static bool motion_pending(const struct manager *m)
{
    for (size_t i = 0; i < m->ms.n_svcs; i++) {
        const struct sd *sd = &m->ms.svcs[i];
        if (sd->state == SS_MIGRATE || sd->state == SS_RELOCATE || sd->cmd == CMD_MIGRATE ||
            sd->cmd == CMD_RELOCATE) {
            return true;
        }
    }
    return false;
}

/* The stationary bundle led by sd, or false if there is none. */
static bool bundle_of(struct manager *m, const struct sd *sd, struct strlist *members)
{
    size_t n;
    char *const *pos = rules_positive(&m->compiled, sd->sid, &n);

    strlist_add(members, sd->sid);
    for (size_t i = 0; i < n; i++) {
        const struct sd *p = ms_find_sd(&m->ms, pos[i]);
        if (p == NULL) {
            continue;
        }
        if (p->state == SS_MIGRATE || p->state == SS_RELOCATE) {
            return false;
        }
        if (p->state != SS_STARTED) {
            continue;
        }
        if (!str_eq(p->node, sd->node)) {
            return false;
        }
        strlist_add(members, pos[i]);
    }
    strlist_sort(members);
    return true;
}

static size_t collect_bundles(struct manager *m, struct bundle **out)
{
    struct bundle *b = NULL;
    size_t n = 0;

    for (size_t i = 0; i < m->ms.n_svcs; i++) {
        const struct sd *sd = &m->ms.svcs[i];
        struct strlist members = {0};
        bool dup = false;
        if (sd->state != SS_STARTED || !bundle_of(m, sd, &members)) {
            strlist_clear(&members);
            continue;
        }
        for (size_t j = 0; j < n && !dup; j++) {
            dup = str_eq(b[j].members.v[0], members.v[0]);
        }
        const struct sd *leader = ms_find_sd(&m->ms, members.v[0]);
        struct strlist targets = {0};
        if (!dup && leader != NULL) {
            mgr_affinity_targets(m, leader, &targets);
        }
        if (dup || targets.n == 0) {
            strlist_clear(&members);
            strlist_clear(&targets);
            continue;
        }
        b = xrealloc(b, (n + 1) * sizeof(*b));
        b[n].members = members;
        b[n].targets = targets;
        n++;
    }
    *out = b;
    return n;
}

static int cmp_bundle(const void *a, const void *b)
{
    return strcmp(
        ((const struct bundle *)a)->members.v[0], ((const struct bundle *)b)->members.v[0]
    );
}

static void apply_migration(struct manager *m, double imbalance, const struct crs_migration *mig)
{
    double after = mig->imbalance;
    enum crm_cmd task = str_starts(mig->leader, "vm:") ? CMD_MIGRATE : CMD_RELOCATE;
    char *line;

    if (crs_relative_improvement(imbalance, after) < m->dc.margin) {
        return;
    }
    env_log(
        m->env, HA_INFO,
        "auto rebalance - %s %s to %s (expected change for imbalance from %.2f to %.2f)",
        crm_cmd_name(task), mig->leader, mig->target, imbalance, after
    );
    line = xasprintf("%s %s %s", crm_cmd_name(task), mig->leader, mig->target);
    mgr_queue_motion(m, line, task, mig->leader, mig->target);
    free(line);
}

static void select_and_apply(struct manager *m, double imbalance)
{
    struct bundle *b = NULL;
    size_t n = collect_bundles(m, &b);
    struct crs_candidate *cand = xcalloc(n + 1, sizeof(*cand));
    struct crs_migration mig;
    char *err = NULL;
    int rc;

    if (n > 1) {
        qsort(b, n, sizeof(*b), cmp_bundle);
    }
    for (size_t i = 0; i < n; i++) {
        cand[i].leader = b[i].members.v[0];
        cand[i].members = (const char *const *)b[i].members.v;
        cand[i].n_members = b[i].members.n;
        cand[i].targets = (const char *const *)b[i].targets.v;
        cand[i].n_targets = b[i].targets.n;
    }
    rc = crs_select_migration(
        m->usage, cand, n, m->dc.method ? m->dc.method : "bruteforce", &mig, &err
    );
    if (rc < 0) {
        env_log(
            m->env, HA_WARNING, "unable to score best balancing migration - %s", err ? err : ""
        );
        free(err);
    } else if (rc > 0) {
        apply_migration(m, imbalance, &mig);
    }
    for (size_t i = 0; i < n; i++) {
        strlist_clear(&b[i].members);
        strlist_clear(&b[i].targets);
    }
    free(b);
    free(cand);
}

void mgr_load_balance(struct manager *m)
{
    double imbalance;

    if (!m->dc.auto_rebalance ||
        (!str_eq(m->sched_mode, "static") && !str_eq(m->sched_mode, "dynamic"))) {
        return;
    }
    if (motion_pending(m)) {
        return;
    }
    imbalance = crs_imbalance(m->usage);
    if (imbalance <= m->dc.threshold) {
        m->sustained_imbalance = 0;
        return;
    }
    if (++m->sustained_imbalance < m->dc.hold_duration) {
        return;
    }
    m->sustained_imbalance = 0;
    select_and_apply(m, imbalance);
}
