/* obs.h - what ha-crm and ha-lrm tell an operator besides the log
 * (applets/README.md, "Events and metrics"): the core's events run the
 * notification hook (notify.c) and feed the metrics (metrics.c), which go to
 * a file (metrics_file) and to a tiny HTTP endpoint (metrics_http.c). */
#ifndef HAVEN_OBS_H
#define HAVEN_OBS_H

#include <stdbool.h>
#include <stdint.h>

#include "state/env.h"
#include "state/str.h"

struct daemon;
struct ev_loop;

/* obs.c: start-up check of notify_command, notify_timeout, metrics_file and
 * metrics_listen (0, or -1 and *err: exit 2). */
int obs_check(struct daemon *d, char **err);
/* Once the loop exists: env->event, the endpoint (0, or -1 and *err). */
int obs_start(struct daemon *d, char **err);
/* Around each iteration of the core; state is the daemon's state word. */
void obs_round_start(void);
void obs_round_done(struct daemon *d, const char *state);

/* notify.c: queue the hook for one event (no hook: nothing). */
void notify_init(struct daemon *d);
void notify_event(struct daemon *d, const struct ha_event *ev);

/* metrics.c: what the daemon files report. */
void metrics_init(const char *role, const char *node);
bool metrics_enabled(void);
void metrics_event(const struct ha_event *ev);
void metrics_lock_renewal(double seconds, bool ok);
void metrics_watchdog(int what); /* 0 opened, 1 fed, 2 closed */
void metrics_store_error(void);
void metrics_agent_call(const char *sid, const char *action, double seconds, bool ok);
void metrics_manager_status(const char *json); /* the master's, as written */
void metrics_round(double seconds, const char *state);
void metrics_notify(bool dropped);
/* The whole exposition, into sb. */
void metrics_render(struct strbuf *sb);
/* Write path atomically (temp file, rename): 0, or -1 and *err. */
int metrics_write_file(const char *path, char **err);
/* The file or port of this daemon: ha-lrm's is the next port, and each
 * daemon's file gets its role (haven.prom: haven-crm.prom, haven-lrm.prom). */
char *metrics_file_for(const char *path, const char *role);

/* metrics_http.c: listen on "ADDR:PORT" (numeric) on the loop. */
int metrics_http_start(struct ev_loop *loop, const char *addr, int port, char **err);
/* "ADDR:PORT" or "[ADDR6]:PORT": 0 and the parts, or -1. */
int metrics_parse_listen(const char *s, char *addr, size_t addr_size, int *port);

#endif
