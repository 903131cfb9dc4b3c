/* model.h - the data the HA core works on, as plain C structs.
 *
 * These mirror the files of the shared store (state/README.md): the manager
 * status (written by the master), each node's LRM status, the service
 * (resource) configuration and the datacenter settings. Every collection is a
 * sorted array (byte-wise order of its key) so that iteration order is the
 * order upstream logs in, and lookups are binary searches. Strings are owned
 * by the struct that holds them; *_free() releases everything and accepts
 * NULL members. The JSON codecs are in state/codec.h. */
#ifndef HAVEN_MODEL_H
#define HAVEN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/str.h"

/* A list of owned strings (node names, sids), in the order given. */
struct strlist {
    char **v;
    size_t n, cap;
};
void strlist_add(struct strlist *l, const char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_sort(struct strlist *l); /* byte-wise, keeps duplicates */
void strlist_clear(struct strlist *l);
void strlist_copy(struct strlist *dst, const struct strlist *src);
/* "a, b, c" (the separator upstream uses in log lines); caller frees. */
char *strlist_join(const struct strlist *l, const char *sep);

/* Service states of the manager. */
enum svc_state {
    SS_NONE = 0, /* unset / unknown string */
    SS_REQUEST_START,
    SS_REQUEST_START_BALANCE,
    SS_STARTED,
    SS_REQUEST_STOP,
    SS_STOPPED,
    SS_MIGRATE,
    SS_RELOCATE,
    SS_FENCE,
    SS_RECOVERY,
    SS_FREEZE,
    SS_ERROR,
    SS_COUNT
};
const char *svc_state_name(enum svc_state s); /* "" for SS_NONE */
enum svc_state svc_state_parse(const char *s); /* SS_NONE if unknown */

/* Node states of the manager. */
enum node_state { NS_UNKNOWN = 0, NS_ONLINE, NS_MAINTENANCE, NS_FENCE, NS_GONE, NS_COUNT };
const char *node_state_name(enum node_state s);
int node_state_parse(const char *s, enum node_state *out); /* 0 ok, -1 unknown string */

/* The words the stored files and the command queue carry are parsed once,
 * where they are read (the codecs, the command parser), into the enums
 * below; the core compares enums and turns them back into words only where
 * it writes them (JSON, config text, log lines). A word that is none of the
 * known ones is kept as text beside its *_OTHER value where it must be
 * logged or written back unchanged. Names and parsers: state/enums.c. */

/* The mode an LRM announces in its status ("mode"). LRM_MODE_UNKNOWN is
 * any other word, among them "unknown", which the daemons report for a node
 * that has no status yet. The readers take an absent or empty mode for
 * active. */
enum lrm_mode {
    LRM_MODE_UNKNOWN = 0,
    LRM_MODE_ACTIVE,
    LRM_MODE_RESTART,
    LRM_MODE_SHUTDOWN,
    LRM_MODE_MAINTENANCE,
    LRM_MODE_DISARM,
    LRM_MODE_COUNT
};
const char *lrm_mode_name(enum lrm_mode m);
enum lrm_mode lrm_mode_parse(const char *s, size_t n); /* the n bytes at s */

/* The requested state of a configured service ("state" of resources.cfg). */
enum req_state {
    REQ_NONE = 0, /* absent */
    REQ_STARTED,
    REQ_STOPPED,
    REQ_DISABLED,
    REQ_IGNORED,
    REQ_OTHER, /* another word, kept in svc_conf.state_text */
    REQ_COUNT
};
const char *req_state_name(enum req_state s); /* NULL for REQ_NONE and REQ_OTHER */
/* REQ_NONE for NULL, REQ_OTHER for any other word ("enabled" too: the
 * readers of the config files turn it into REQ_STARTED). */
enum req_state req_state_parse(const char *s);

/* A CRM command: the first word of a line of the command queue, and (only
 * migrate, relocate and stop) the command a service entry holds until the
 * manager acts on it. */
enum crm_cmd {
    CMD_NONE = 0,
    CMD_MIGRATE,
    CMD_RELOCATE,
    CMD_STOP,
    CMD_ENABLE_NODE_MAINTENANCE,
    CMD_DISABLE_NODE_MAINTENANCE,
    CMD_DISARM_HA,
    CMD_ARM_HA,
    CMD_OTHER, /* another word; a service entry keeps it in sd.cmd_text */
    CMD_COUNT
};
const char *crm_cmd_name(enum crm_cmd c); /* NULL for CMD_NONE and CMD_OTHER */
enum crm_cmd crm_cmd_parse(const char *s); /* CMD_NONE for NULL, CMD_OTHER if unknown */

/* One manager status service entry ("sd"). NULL = absent. */
struct sd {
    char *sid;
    enum svc_state state;
    char *node;
    char *uid;
    char *target;
    char *timeout; /* request_stop timeout as given (string), NULL if none */
    bool has_failed_nodes;
    struct strlist failed_nodes;
    char *maintenance_node;
    bool running;
    enum crm_cmd cmd; /* pending command: CMD_MIGRATE, CMD_RELOCATE, CMD_STOP; CMD_NONE */
    char *cmd_text; /* the word of a CMD_OTHER as read, written back as is; else NULL */
    char *cmd_arg; /* its target node or timeout */
};
void sd_free_members(struct sd *sd);
void sd_copy(struct sd *dst, const struct sd *src); /* deep copy */
/* The pending command as a word (its name, or the kept text); NULL if none. */
const char *sd_cmd_word(const struct sd *sd);
/* Sets the pending command and its argument (copied; CMD_NONE clears both). */
void sd_set_cmd(struct sd *sd, enum crm_cmd cmd, const char *arg);

struct node_entry {
    char *node;
    enum node_state state;
};

struct node_request {
    char *node;
    bool maintenance;
};

/* The manager status. */
struct manager_status {
    char *master_node;
    int64_t timestamp;
    struct node_entry *nodes; /* node_status, sorted by node */
    size_t n_nodes;
    struct sd *svcs; /* service_status, sorted by sid */
    size_t n_svcs;
    struct node_request *reqs; /* node_request, sorted by node */
    size_t n_reqs;
    bool has_node_request; /* the key was present (even if empty) */
    char *disarm_mode; /* NULL when not disarmed */
    char *disarm_state; /* "disarming" or "disarmed" */
};
void ms_free(struct manager_status *ms); /* frees members, zeroes the struct */
struct sd *ms_find_sd(const struct manager_status *ms, const char *sid);
/* Upstream's active_service_count: the services node must care
 * about, as its current node or as a target, in a state that needs it. */
size_t ms_active_service_count(const struct manager_status *ms, const char *node);
struct sd *ms_add_sd(struct manager_status *ms, const char *sid); /* new zeroed entry, sorted in */
void ms_del_sd(struct manager_status *ms, const char *sid);
struct node_entry *ms_find_node(const struct manager_status *ms, const char *node);
struct node_entry *ms_set_node(struct manager_status *ms, const char *node, enum node_state st);
void ms_del_node(struct manager_status *ms, const char *node);
struct node_request *ms_find_req(const struct manager_status *ms, const char *node);
struct node_request *ms_get_req(struct manager_status *ms, const char *node); /* adds if missing */

/* One LRM job result (lrm_status.results). */
struct lrm_result {
    char *uid;
    char *sid;
    char *state; /* the command that was executed */
    int exit_code;
};

/* An LRM status. */
struct lrm_status {
    char *state; /* NULL if absent */
    char *mode; /* the word as stored (shown as is); lrm_mode_parse() reads it; NULL if absent */
    struct lrm_result *results; /* sorted by uid */
    size_t n_results;
    int64_t timestamp;
};
void lrm_status_free(struct lrm_status *ls);
const struct lrm_result *lrm_status_find(const struct lrm_status *ls, const char *uid);

/* The ranges of the numeric settings, checked wherever one is read (the
 * codecs, the CLI, the spool). Upstream sets no maximum; these keep every
 * count and timeout far from overflow and from absurd values. */
#define SVC_TRIES_MAX 1000000 /* max_restart, max_relocate */
#define STOP_TIMEOUT_MAX 86400 /* crm-command stop TIMEOUT: one day, in seconds */
#define MAX_WORKERS_MAX 128 /* datacenter.cfg max_workers (0 = the default, 4) */

/* Names from outside (names.c). A sid: ^[a-z]+:\S+$ with the name in
 * printable ASCII, at most HA_SID_MAX bytes. A node: letters, digits, '.',
 * '_' and '-', not starting with '-' or '.', at most HA_NODE_MAX bytes (the
 * host names of pve and the simulator's node names). */
#define HA_SID_MAX 255
#define HA_NODE_MAX 63
bool ha_sid_ok(const char *sid);
bool ha_node_ok(const char *node);

/* One configured service (resources.cfg section, or the simulator's JSON). */
struct svc_conf {
    char *sid; /* "type:name" */
    char *type; /* "vm", "ct", ... */
    char *name;
    char *node; /* may be NULL if the location is unknown */
    enum req_state state; /* the readers take "enabled" for started */
    /* The word of a REQ_OTHER (the simulator keeps a state as given until
     * its next rewrite); NULL for every other state. */
    char *state_text;
    char *group; /* legacy HA group, NULL if none */
    int failback;
    int max_restart;
    int max_relocate;
    char *comment;
    char *lock; /* simulated guest config lock (simulator only) */
    unsigned keys; /* SVC_KEY_* stored in resources.cfg (0 from JSON) */
};

/* The strings of a parsed config are malloc'd one by one; a copy keeps them
 * all in its pool (a few blocks: the manager copies 10,000 entries a round).
 * Change a string of either kind with svc_conf_set(). */
struct svc_config {
    struct svc_conf *v; /* sorted by sid */
    size_t n;
    struct pool pool; /* used: every string of v lives in it */
};
void svc_config_free(struct svc_config *sc);
void svc_conf_free_members(struct svc_conf *c); /* one entry's strings (not pooled) */
struct svc_conf *svc_config_find(const struct svc_config *sc, const char *sid);
struct svc_conf *svc_config_add(struct svc_config *sc, const char *sid); /* zeroed, sorted in */
void svc_config_copy(struct svc_config *dst, const struct svc_config *src); /* pooled */
void svc_conf_set(struct svc_config *sc, char **field, const char *value); /* value may be NULL */
/* The requested state as a word: its name, the kept word of a REQ_OTHER,
 * NULL when absent. */
const char *svc_conf_state(const struct svc_conf *c);
/* Sets the requested state from a word (NULL: absent), keeping an unknown one. */
void svc_conf_set_state(struct svc_config *sc, struct svc_conf *c, const char *word);

/* The HA and CRS parts of the datacenter settings.
 * Strings are NULL when the key is absent. */
struct dc_settings {
    char *shutdown_policy;
    char *crs_ha;
    bool rebalance_on_start;
    bool auto_rebalance;
    double threshold; /* default 0.3 */
    char *method; /* default "bruteforce" */
    double hold_duration; /* default 3 */
    double margin; /* default 0.1 */
};
void dc_settings_init(struct dc_settings *dc); /* defaults */
void dc_settings_free(struct dc_settings *dc);

/* One cluster member as reported by the environment. */
struct node_info {
    char *node;
    bool online;
};
struct node_info_list {
    struct node_info *v; /* sorted by node */
    size_t n;
};
void node_info_list_free(struct node_info_list *l);

/* CRS statistics as the environment reports them. */
struct svc_stats {
    char *sid;
    char *node;
    enum svc_state state; /* the requested state read as a service state */
    bool running;
    bool has_usage; /* false: no usage map at all */
    bool has_maxcpu, has_maxmem, has_cpu, has_mem;
    double maxcpu, cpu;
    double maxmem, mem; /* bytes */
};
struct svc_stats_list {
    struct svc_stats *v; /* sorted by sid */
    size_t n;
    struct pool pool; /* the strings of v */
};
void svc_stats_list_free(struct svc_stats_list *l);
/* The basic statistics of every configured service that has a node: sid,
 * node, state, running = (state REQ_STARTED), an empty usage; strings in the
 * list's pool. What the simulator and the daemons report in basic mode, and
 * the start of the other modes. out is overwritten. */
void svc_stats_from_config(const struct svc_config *sc, struct svc_stats_list *out);

struct node_stats {
    char *node;
    bool has_maxcpu, has_maxmem;
    double maxcpu, maxmem, cpu, mem;
};
struct node_stats_list {
    struct node_stats *v; /* sorted by node */
    size_t n;
};
void node_stats_list_free(struct node_stats_list *l);

#endif
