/* obs.c - wiring of the events and metrics into a daemon (obs.h): the
 * start-up checks of their keys, env->event, the endpoint, and the work
 * after each round (the metrics file). */
#include "applets/daemon/obs.h"
#include "applets/daemon/daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ev.h"

static struct timespec round_start;
static char *metrics_path; /* this daemon's file, NULL if none */

static void env_event_cb(void *ctx, const struct ha_event *ev)
{
    struct daemon *d = ctx;

    metrics_event(ev);
    notify_event(d, ev);
}

static int absolute(const char *key, const char *v, char **err)
{
    if (v != NULL && v[0] != '/') {
        *err = xasprintf("%s '%s' is not an absolute path", key, v);
        return -1;
    }
    return 0;
}

int obs_check(struct daemon *d, char **err)
{
    const struct conf *c = &d->conf;
    char addr[64];
    struct stat st;
    int port;

    if (absolute("notify_command", c->notify_command, err) != 0 ||
        absolute("metrics_file", c->metrics_file, err) != 0) {
        return -1;
    }
    if (c->notify_command != NULL &&
        (stat(c->notify_command, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))) {
        *err = xasprintf("notify_command '%s' is not an executable file", c->notify_command);
        return -1;
    }
    if (c->notify_timeout < 1) {
        *err = xasprintf("notify_timeout %lld < 1", (long long)c->notify_timeout);
        return -1;
    }
    if (c->metrics_listen != NULL &&
        (metrics_parse_listen(c->metrics_listen, addr, sizeof(addr), &port) != 0 || port == 65535
        )) {
        *err = xasprintf(
            "bad value for 'metrics_listen': '%s' (want ADDR:PORT, numeric, port 1..65534)",
            c->metrics_listen
        );
        return -1;
    }
    return 0;
}

int obs_start(struct daemon *d, char **err)
{
    const struct conf *c = &d->conf;
    char addr[64];
    int port;

    notify_init(d);
    d->env.event = env_event_cb;
    if (c->metrics_file == NULL && c->metrics_listen == NULL) {
        return 0;
    }
    metrics_init(d->role, c->node);
    if (c->metrics_file != NULL) {
        metrics_path = metrics_file_for(c->metrics_file, d->role);
    }
    if (c->metrics_listen != NULL) {
        metrics_parse_listen(c->metrics_listen, addr, sizeof(addr), &port);
        /* ha-lrm on the next port: both daemons read one file */
        port += str_eq(d->role, "lrm");
        return metrics_http_start(d->loop, addr, port, err);
    }
    return 0;
}

void obs_round_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &round_start);
}

void obs_round_done(struct daemon *d, const char *state)
{
    struct timespec now;
    char *err = NULL;

    if (!metrics_enabled()) {
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    metrics_round(
        (double)(now.tv_sec - round_start.tv_sec) +
            (double)(now.tv_nsec - round_start.tv_nsec) / 1e9,
        state
    );
    if (metrics_path != NULL && metrics_write_file(metrics_path, &err) != 0) {
        daemon_log(d, HA_WARNING, "%s", err);
        free(err);
    }
}
