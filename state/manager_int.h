/* manager_int.h - the manager's internals, shared by the state/manager*.c
 * files (node states, service handlers, node selection, commands, disarm,
 * rebalancing, groups). Not for use outside the manager. */
#ifndef HAVEN_MANAGER_INT_H
#define HAVEN_MANAGER_INT_H

#include "state/crs.h"
#include "state/env.h"
#include "state/manager.h"
#include "state/model.h"
#include "state/rules.h"

struct last_online {
    char *node;
    int64_t time;
};

struct node_mode {
    char *node;
    enum lrm_mode mode;
};

/* An LRM's job result as the master uses it. The uid is borrowed from the
 * LRM status text (or parsed status) the manager keeps for the round: the
 * results of 10,000 services then cost no allocation at all. */
struct mgr_result {
    const char *uid; /* not NUL-terminated */
    size_t uid_len;
    int exit_code;
};

/* A slot of the results' hash table: part of the uid's hash, so that most
 * probes that miss never touch the result, and its index + 1 (0 = empty). */
struct result_slot {
    uint32_t tag;
    uint32_t idx;
};

enum select_pref { PREF_NONE, PREF_BEST_SCORE, PREF_TRY_NEXT };

struct manager {
    const struct ha_env *env; /* valid during a round */
    struct manager_status ms; /* node states, services, requests, disarm */
    bool ms_loaded; /* ms holds the status read from the store */
    struct last_online *lo; /* in memory only, sorted by node */
    size_t n_lo;
    char *sched_mode; /* the configured crs.ha, as remembered */
    struct dc_settings dc;
    int group_migration_round;
    int sustained_imbalance;
    unsigned uid_counter;
    bool have_compiled;
    struct rules_compiled compiled;
    char *rules_digest, *groups_digest;
    struct pos_memo *node_memo, *mode_memo; /* node lookups, several per service */
    /* Per round. */
    struct svc_config sc;
    struct groups groups;
    char **lrm_texts; /* the LRM status texts the results point into */
    size_t n_lrm_texts;
    struct lrm_status *lrm_parsed; /* the statuses only the general reader read */
    size_t n_lrm_parsed;
    struct mgr_result *results; /* merged LRM results, unique uids */
    size_t n_results;
    struct result_slot *result_slots; /* hash table over results */
    size_t n_slots; /* a power of two */
    struct node_mode *modes; /* sorted by node */
    size_t n_modes;
    bool any_lrm_restart; /* some mode is LRM_MODE_RESTART */
    struct crs_usage *usage;
    struct svc_stats_list stats;
    char *err; /* set when the round must abort */
};

/* manager_nodes.c */
enum node_state mgr_node_state(const struct manager *m, const char *node);
bool mgr_node_online(const struct manager *m, const char *node);
void mgr_set_node_state(struct manager *m, const char *node, enum node_state st);
bool mgr_offline_delayed(struct manager *m, const char *node, int64_t delay);
void mgr_update_nodes(struct manager *m, const struct node_info_list *info);
bool mgr_fence_node(struct manager *m, const char *node);
/* LRM_MODE_UNKNOWN for a node without an LRM status this round. */
enum lrm_mode mgr_lrm_mode(const struct manager *m, const char *node);
/* manager.c: the LRM result of a job uid, NULL if none. */
const struct mgr_result *mgr_result_of(const struct manager *m, const char *uid);
void mgr_last_online_free(struct manager *m);

/* manager_svc.c */
void mgr_change_state(
    struct manager *m,
    struct sd *sd,
    enum svc_state st,
    const char *node,
    const char *target,
    const char *timeout
);
void mgr_new_uid(struct manager *m, struct sd *sd);
void mgr_state_passes(struct manager *m, const struct strlist *only);

/* manager_usage.c */
void mgr_recompute_usage(struct manager *m);
void mgr_add_service_usage(struct manager *m, const struct sd *sd);
void mgr_used_nodes(
    const struct manager *m, const struct sd *sd, const char **cur, const char **tgt
);
const char *mgr_select_node(
    struct manager *m, const struct sd *sd, const struct svc_conf *cd, enum select_pref pref
);
const struct svc_stats *mgr_stats_of(const struct manager *m, const char *sid);
/* The preferred nodes and the separate set of sid, for rebalancing. */
void mgr_affinity_targets(struct manager *m, const struct sd *sd, struct strlist *out);

/* manager_cmd.c */
void mgr_process_commands(struct manager *m);
/* task: CMD_MIGRATE or CMD_RELOCATE. */
void mgr_queue_motion(
    struct manager *m, const char *line, enum crm_cmd task, const char *sid, const char *target
);
/* Returns true when the round ends here; *only gets the deferred sids. */
bool mgr_handle_disarm(struct manager *m, struct strlist *only);
void mgr_load_balance(struct manager *m);

/* manager_groups.c */
void mgr_group_migration(struct manager *m);
void mgr_update_rules(struct manager *m, bool nodelist_changed);

#endif
