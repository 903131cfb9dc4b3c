/* conf.h - the key=value configuration file of ha-crm, ha-lrm and ha-manager
 * (applets/README.md), and the timings derived from it. */
#ifndef HAVEN_CONF_H
#define HAVEN_CONF_H

#include <stdint.h>

#include "kv/store.h"

#define CONF_DEFAULT_PATH "/etc/haven/haven.conf"

struct conf {
    char node[64];
    char *store; /* "dir:/path" or "etcd:http://h1:2379,...", required */
    char *store_id; /* NULL if unset */
    char *watchdog_socket;
    char *agents_dir;
    char *shutdown_marker; /* NULL if unset */
    char *run_dir; /* NULL if unset: the daemons' lock files (daemon_loop.c) */
    /* store=etcd: only, each NULL if unset (kv/etcd/etcd.h) */
    char *etcd_prefix, *etcd_user, *etcd_password_file, *etcd_cacert, *etcd_cert, *etcd_key;
    char *log_file; /* NULL if unset: syslog (or stderr without one) */
    /* events and metrics (applets/daemon/obs.h), each NULL if unset */
    char *notify_command, *metrics_file, *metrics_listen;
    int64_t notify_timeout; /* the hook's deadline, s */
    int64_t lock_timeout; /* T, seconds */
    int64_t loop_interval; /* R */
    int64_t fence_delay; /* F */
    int64_t watchdog_client_timeout; /* C */
    int64_t agent_timeout;
    int64_t agent_status_timeout;
};

/* Read FILE (NULL = the default path). Errors print "<file>:<line>: <problem>"
 * (or "<file>: <error>") into *err; returns 0 or -1 (applets exit 2). On
 * error *c holds nothing to free. */
int conf_load(const char *path, struct conf *c, char **err);
void conf_free(struct conf *c);

/* Derived timings, seconds (applets/README.md, "Timings"). */
int64_t conf_short_sleep(const struct conf *c); /* S = max(1, R/2) */
int64_t conf_worker_wait(const struct conf *c); /* W = max(0, R-2) */
int64_t conf_node_timeout(const struct conf *c); /* 3R */
/* B = T - C - H - 2, H = the multiplexer's hardware timeout. */
int64_t conf_renew_budget(const struct conf *c, int64_t hw_timeout);
/* Start-up check 1 (without the mux); 0 or -1 with *err. */
int conf_check_timings(const struct conf *c, char **err);
/* Start-up check 3's inequality with the multiplexer's greeting (or C and
 * H = 10 without one): T >= C + H + 3 and mux C == config C, else
 * "watchdog-mux timings unsafe: lock_timeout <T> < client <C> + hw <H> + 3". */
int conf_check_watchdog(const struct conf *c, int64_t mux_client, int64_t hw, char **err);
/* Fill kv_options from the config (strings borrowed from *c). daemon: "crm",
 * "lrm" or NULL (CLI); hw_timeout is only used for B. */
void conf_kv_options(
    const struct conf *c, const char *daemon, int64_t hw_timeout, struct kv_options *o
);

#endif
