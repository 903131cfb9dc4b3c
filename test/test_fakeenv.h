/* test_fakeenv.h - a small in-memory cluster behind struct ha_env, for unit
 * tests of the CRM, LRM and manager state machines of state/.
 *
 * One struct fake_cluster holds what the daemons share: a clock the test
 * sets, per-node online/quorum flags, the manager status and LRM status
 * texts, the service config, rules/groups texts, the CRM command queue, the
 * cluster locks (120 s timeout, as in the simulator), watchdog handles,
 * per-node running flags of services, and every log line. Each daemon gets
 * its own struct fake_env (node name + actor) bound to the cluster. Nothing
 * here decides anything the core decides: it only stores and reports. */
#ifndef HAVEN_TEST_FAKEENV_H
#define HAVEN_TEST_FAKEENV_H

#include <stdbool.h>
#include <stdint.h>

#include "state/env.h"
#include "state/model.h"
#include "state/str.h"

#define FAKE_MAX_NODES 5
#define FAKE_MAX_LOCKS 8
#define FAKE_MAX_WD 8
#define FAKE_LOCK_TIMEOUT 120

struct fake_node {
    char name[16];
    bool online; /* powered and connected */
    bool cfs_update; /* cluster_state_update() result */
    bool shutdown; /* is_node_shutdown() */
    bool reboot;
    char *lrm_status; /* JSON written by the node's LRM, NULL if none */
    char *version; /* get_node_version(), NULL = unknown */
    struct strlist running; /* sids running here */
};

struct fake_lock {
    char *name, *owner;
    int64_t time;
};

struct fake_wd {
    bool open;
    char node[16];
    int64_t update_time;
    int updates;
};

struct fake_cluster {
    int64_t now;
    struct fake_node nodes[FAKE_MAX_NODES];
    size_t n_nodes;
    char *manager_status; /* JSON, "" at start */
    struct svc_config cfg;
    char *rules, *groups; /* section-config texts, NULL = absent */
    struct strbuf commands; /* CRM command queue, one per line */
    struct dc_settings dc;
    struct fake_lock locks[FAKE_MAX_LOCKS];
    size_t n_locks;
    struct fake_wd wd[FAKE_MAX_WD];
    struct strlist fail_start; /* sids whose start never works */
    struct strlist fail_stop; /* sids whose stop never works (a hung agent killed) */
    struct strlist log; /* "<actor>: <level>: <msg>" */
    bool lrm_status_written;
};

struct fake_env {
    struct ha_env env;
    struct fake_cluster *c;
    struct fake_node *n;
    char actor[32];
};

/* nodes: a NULL-terminated list of names, all online, cfs working. */
void fake_init(struct fake_cluster *c, const char *const *nodes);
void fake_free(struct fake_cluster *c);
/* kind is "crm" or "lrm"; the actor in log lines is "<node>/<kind>". */
void fake_env_init(struct fake_env *fe, struct fake_cluster *c, const char *node, const char *kind);

struct fake_node *fake_node(struct fake_cluster *c, const char *name);
/* Add a service to the config (state NULL = "started"), group may be NULL. */
struct svc_conf *fake_add_service(
    struct fake_cluster *c, const char *sid, const char *node, const char *state, const char *group
);
/* Queue a CRM command line. */
void fake_command(struct fake_cluster *c, const char *line);
/* Set a lock as if owner had taken it at time t. */
void fake_set_lock(struct fake_cluster *c, const char *name, const char *owner, int64_t t);
const char *fake_lock_owner(const struct fake_cluster *c, const char *name); /* NULL = free */
/* Open watchdog handles of node, and the total of their updates. */
int fake_wd_open_count(const struct fake_cluster *c, const char *node);
int fake_wd_updates(const struct fake_cluster *c, const char *node);

/* Lines containing needle, in the captured log. */
int fake_logged(const struct fake_cluster *c, const char *needle);
void fake_log_clear(struct fake_cluster *c);
void fake_log_dump(const struct fake_cluster *c); /* on stderr, for failing tests */

/* Views of the manager status written by the master (SS_NONE / -1 if none). */
enum svc_state fake_svc_state(const struct fake_cluster *c, const char *sid);
/* The service's node in the manager status; "" if none. Static buffer. */
const char *fake_svc_node(const struct fake_cluster *c, const char *sid);
int fake_node_state(const struct fake_cluster *c, const char *node); /* enum node_state */
/* The mode in the node's LRM status; "" if none. Static buffer. */
const char *fake_lrm_mode(const struct fake_cluster *c, const char *node);

#endif
