/* daemon.h - what ha-crm and ha-lrm share: the configuration, the store, the
 * struct ha_env filled from them (daemon_env.c, daemon_cfg.c, daemon_node.c),
 * the resource agents (agent_run.c), the LRM workers (lrm_workers.c) and the
 * event loop (daemon_loop.c), as applets/README.md describes them. One struct
 * daemon per process. */
#ifndef HAVEN_DAEMON_H
#define HAVEN_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "applets/conf.h"
#include "kv/store.h"
#include "state/env.h"
#include "state/model.h"

struct ev_loop;
struct workers;

/* Per-lock state of upstream's get_lock log transitions. */
struct lock_seen {
    char *name;
    bool got;
};

/* What a status file last got (status_memo.c). */
struct status_memo {
    bool valid;
    char sha[41]; /* SHA-1 hex of the content without its timestamp */
    int64_t ts; /* its timestamp */
};

struct daemon {
    const char *role; /* "crm" or "lrm" */
    struct conf conf;
    struct ha_timing timing;
    int64_t hw_timeout; /* H, from the multiplexer's greeting */
    int64_t budget_ms; /* B */
    struct kv_store *store;
    struct ha_env env;
    char actor[80]; /* "<node>/crm" */
    bool debug; /* -d: log to stderr too */
    bool in_worker; /* this process is an LRM worker */
    struct ev_loop *loop;
    int64_t loop_start; /* of the current round, for loop_end_hook */

    struct lock_seen *locks;
    size_t n_locks;
    uint64_t max_token; /* highest manager_status fencing token read */
    bool lrm_status_written;
    struct status_memo ms_memo, lrm_memo; /* the last manager_status, lrm_status written */

    /* resources.cfg: the last good parse and the digest of a reported bad one */
    bool have_good_cfg;
    struct svc_config good_cfg;
    char bad_digest[41];

    struct workers *workers; /* LRM only */
    int64_t worker_lease_t_ms; /* in a worker: the renewal start passed at fork */
};

/* daemon_env.c: fill d->env (store, locks, quorum, watchdog, ...). */
void daemon_env_init(struct daemon *d);
/* Log one line through syslog (and stderr with -d), as the core does. */
void daemon_log(struct daemon *d, enum ha_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The agent lock's name of this node (static buffer per daemon). */
const char *daemon_agent_lock(const struct daemon *d);

/* status_memo.c: skip rewriting a status file whose content but for its
 * timestamp is unchanged, until the timestamp is refresh_s old. *next gets
 * json's memo, to keep once it is written. */
bool status_memo_unchanged(
    struct status_memo *m, const char *json, int64_t refresh_s, struct status_memo *next
);
int64_t status_memo_refresh_s(int64_t round_s);

/* daemon_node.c: watchdog and is_node_shutdown of env. */
void daemon_node_install(struct ha_env *env);

/* daemon_cfg.c: resources.cfg with the location registry, datacenter.cfg. */
int daemon_read_service_config(struct daemon *d, struct svc_config *out, char **err);
int daemon_update_service_config(
    struct daemon *d, const char *sid, const char *key, const char *value, char **err
);
int daemon_steal_service(
    struct daemon *d, const char *sid, const char *cur, const char *to, char **err
);
/* datacenter.cfg; *max_workers gets max_workers (4 when unset or 0). */
void daemon_datacenter(struct daemon *d, struct dc_settings *out, int *max_workers);
/* Run fn under the domain-ha lock: 0, or -1 with *err. */
int daemon_with_domain_lock(
    struct daemon *d, int (*fn)(struct daemon *, void *, char **), void *arg, char **err
);

/* agent_run.c: the resource plugin calls of env, used in workers. */
void agent_install(struct ha_env *env);
/* In a freshly forked agent or worker: its own process group, no signal
 * blocked, every signal at its default action. */
void child_reset(void);
/* One agent call: "<agents_dir>/<type> verb sid [target]" under a deadline
 * of deadline_s; HAVEN_TIMEOUT=timeout when timeout is set, HAVEN_ONLINE=0|1
 * when with_online (a migration). */
struct agent_req {
    const char *verb;
    const char *sid;
    const char *target; /* NULL but for a migration */
    int64_t deadline_s;
    const char *timeout;
    bool with_online;
    bool online;
};
/* Run the agent; returns its exit code, or -1 with *why, a whole log line
 * (timeout, exec failure). */
int agent_call(struct daemon *d, const struct agent_req *r, char **why);

/* lrm_workers.c: run_job/job_finished of env in forked workers. */
void workers_install(struct daemon *d);
/* After a change of the agent lock: publish its lease to the workers. */
void workers_lease_changed(struct daemon *d);
/* In a worker: the start of the LRM's latest good renewal (-1: none). */
int64_t workers_lease_t_ms(const struct daemon *d);
/* Kill workers older than the limit (each tick); count of running workers. */
size_t workers_running(struct daemon *d);

/* daemon_loop.c: startup checks, event loop, signals. role "crm"/"lrm". */
int daemon_main(int argc, char **argv, const char *role);
/* kv_options of this daemon; daemon_name NULL opens a read-only prober. */
void daemon_store_options(struct daemon *d, struct kv_options *o, const char *daemon_name);
/* Sleep while the event loop keeps running (heartbeat, signals). */
void daemon_sleep(struct daemon *d, int64_t seconds);

#endif
