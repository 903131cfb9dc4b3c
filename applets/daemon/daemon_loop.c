/* daemon_loop.c - process model of ha-crm and ha-lrm (applets/README.md,
 * "The daemons"): options, start-up checks, then a libev loop with the round timer
 * (R in the active states, S in the wait states), the heartbeat probe every
 * S, and the signals. The core's sleeps (lock retries, worker polls) run the
 * same loop nested, so heartbeats and signals keep being served. */
#include "applets/daemon/daemon.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/daemon/obs.h"
#include "applets/instance.h"
#include "applets/log.h"
#include "ev.h"
#include "state/crm.h"
#include "state/lrm.h"
#include "state/str.h"
#include "watchdog/wd.h"

#define RUN_DIR "/run/haven"
#define RUN_DIR_NO_RUN "/var/lib/haven" /* a system without /run */
#define MUX_CONNECT_TRIES 10
#define MUX_GREETING_MS 1000
#define MUX_DEFAULT_HW 10

static struct daemon the_daemon;
static struct crm *the_crm;
static struct lrm *the_lrm;
static bool in_iteration, shutdown_pending, shutdown_delivered;

static void deliver_shutdown(struct daemon *d)
{
    if (!shutdown_pending || shutdown_delivered) {
        return;
    }
    shutdown_delivered = true;
    if (the_crm != NULL) {
        crm_shutdown_request(the_crm, &d->env);
    } else {
        lrm_shutdown_request(the_lrm, &d->env);
    }
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct daemon *d = w->data;

    if (w->signum == SIGHUP) {
        daemon_log(d, HA_NOTICE, "got SIGHUP - ignored");
        return;
    }
    shutdown_pending = true;
    if (!in_iteration) {
        deliver_shutdown(d);
    }
}

static void heartbeat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct daemon *d = w->data;
    char *err = NULL;

    if (kv_probe(d->store, &err) != 0) {
        free(err);
    }
    if (d->workers != NULL) {
        workers_running(d);
    }
}

static void wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    *(bool *)w->data = true;
}

void daemon_sleep(struct daemon *d, int64_t seconds)
{
    bool done = false;
    ev_timer t;

    ev_now_update(d->loop);
    ev_timer_init(&t, wake_cb, (double)seconds, 0.);
    t.data = &done;
    ev_timer_start(d->loop, &t);
    while (!done) {
        ev_run(d->loop, EVRUN_ONCE);
    }
    ev_timer_stop(d->loop, &t);
}

/* When the next round starts, after one that started at start. */
static double next_delay(const struct daemon *d, int64_t start)
{
    const char *st = the_crm ? crm_state_name(the_crm) : lrm_state_name(the_lrm);
    int64_t now = time(NULL), until;

    if (str_eq(st, "master") || str_eq(st, "active")) {
        until = start + d->timing.round;
    } else if (str_eq(st, "maintenance")) {
        until = start + d->timing.short_sleep;
    } else if (str_eq(st, "slave") || str_eq(st, "lost_manager_lock")) {
        return 0.;
    } else {
        return (double)d->timing.short_sleep;
    }
    return until > now ? (double)(until - now) : 0.;
}

static void round_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct daemon *d = w->data;
    int64_t start = time(NULL), took;
    bool alive;

    in_iteration = true;
    deliver_shutdown(d);
    obs_round_start();
    alive = the_crm ? crm_iterate(the_crm, &d->env) : lrm_iterate(the_lrm, &d->env);
    obs_round_done(d, the_crm ? crm_state_name(the_crm) : lrm_state_name(the_lrm));
    took = time(NULL) - start;
    if (took > 3 * d->timing.round) {
        daemon_log(d, HA_WARNING, "loop took too long (%lld seconds)", (long long)took);
    }
    in_iteration = false;
    if (!alive) {
        ev_break(loop, EVBREAK_ALL);
        return;
    }
    if (shutdown_pending && !shutdown_delivered) {
        deliver_shutdown(d);
    }
    ev_now_update(loop);
    ev_timer_set(w, next_delay(d, start), 0.);
    ev_timer_start(loop, w);
}

static void store_notice(void *arg, const char *msg)
{
    struct daemon *d = arg;

    if (d->env.log != NULL) {
        daemon_log(d, HA_INFO, "%s", msg);
    }
}

void daemon_store_options(struct daemon *d, struct kv_options *o, const char *daemon_name)
{
    conf_kv_options(&d->conf, daemon_name, d->hw_timeout, o);
    o->notice = store_notice;
    o->notice_arg = d;
}

/* A failed start: one line on stderr, naming the applet. */
static void startup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void startup_error(const char *fmt, ...)
{
    va_list ap;
    char *msg, *line;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    line = str_escaped(msg);
    fprintf(stderr, "%s: %s\n", log_prog, line);
    free(line);
    free(msg);
}

/* Startup check 3 (applets/README.md): the multiplexer's greeting and the safety bound.
 * The multiplexer may still be starting: we retry for a while, and say so
 * at once, since a person may be waiting. */
static int check_mux(struct daemon *d)
{
    const char *sock = d->conf.watchdog_socket;
    struct wd_greeting g;
    int64_t c = d->conf.watchdog_client_timeout;
    char *err = NULL;
    int rc = -1;

    for (int i = 0; i < MUX_CONNECT_TRIES && rc < 0; i++) {
        if (i == 1) {
            startup_error("waiting for ha-watchdog on '%s' (%s)", sock, strerror(errno));
        }
        if (i > 0) {
            sleep(1);
        }
        rc = wd_probe(sock, MUX_GREETING_MS, &g);
    }
    if (rc < 0) {
        startup_error(
            "unable to open watchdog socket '%s' - %s; start ha-watchdog first (its --socket "
            "is watchdog_socket)",
            sock, strerror(errno)
        );
        return EXIT_FAIL;
    }
    d->hw_timeout = rc == 1 ? g.hw_timeout_s : MUX_DEFAULT_HW;
    if (conf_check_watchdog(&d->conf, rc == 1 ? g.client_timeout_s : c, d->hw_timeout, &err) != 0) {
        startup_error("%s", err ? err : "watchdog-mux timings unsafe");
        free(err);
        return EXIT_FAIL;
    }
    d->budget_ms = conf_renew_budget(&d->conf, d->hw_timeout) * 1000;
    return EXIT_OK;
}

/* kv_open, retried briefly while it finds no store: a racing first
 * initialiser of an empty store can make the folder look foreign for a
 * moment (marker read, then listed). */
static int open_store(struct daemon *d, const char *daemon_name, char **err)
{
    struct kv_options o;
    int rc = -1;

    daemon_store_options(d, &o, daemon_name);
    for (int i = 0; i < 5 && rc != 0; i++) {
        if (i > 0) {
            free(*err);
            *err = NULL;
            usleep(200 * 1000);
        }
        rc = kv_open(&o, &d->store, err);
        if (rc != KV_OPEN_NOT_A_STORE) {
            break;
        }
    }
    return rc;
}

/* One instance per daemon and node: <run_dir>/ha-<role>.<node>.lock, taken
 * before the store or the watchdog is touched. */
static int lock_instance(struct daemon *d)
{
    const char *dir = d->conf.run_dir;
    char *path, *what, *err = NULL;
    struct stat st;
    int rc;

    if (dir == NULL) {
        dir = stat("/run", &st) == 0 && S_ISDIR(st.st_mode) ? RUN_DIR : RUN_DIR_NO_RUN;
    }
    if (dir[0] != '/') {
        startup_error("run_dir '%s' is not an absolute path", dir);
        return EXIT_USAGE;
    }
    path = xasprintf("%s/ha-%s.%s.lock", dir, d->role, d->conf.node);
    what = xasprintf("ha-%s for node '%s'", d->role, d->conf.node);
    rc = instance_lock(path, what, &err);
    if (rc > 0) {
        fprintf(stderr, "%s\n", err); /* names the applet already */
    } else if (rc < 0) {
        startup_error("%s (run_dir= names a writable local folder)", err);
    }
    free(err);
    free(what);
    free(path);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Start-up checks 1-3, then the store opened for good. */
static int daemon_setup(struct daemon *d, const char *path)
{
    char *err = NULL;
    int rc;

    if (conf_load(path, &d->conf, &err) != 0 || conf_check_timings(&d->conf, &err) != 0) {
        startup_error("%s", err ? err : "bad configuration");
        free(err);
        return EXIT_USAGE;
    }
    if ((d->conf.log_file != NULL && log_file_check(d->conf.log_file, &err) != 0) ||
        obs_check(d, &err) != 0) {
        startup_error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    rc = lock_instance(d);
    if (rc != EXIT_OK) {
        return rc;
    }
    d->timing.round = d->conf.loop_interval;
    d->timing.short_sleep = conf_short_sleep(&d->conf);
    d->timing.worker_wait = conf_worker_wait(&d->conf);
    d->timing.fence_delay = d->conf.fence_delay;
    d->hw_timeout = MUX_DEFAULT_HW;
    if (open_store(d, NULL, &err) != 0) {
        startup_error("%s", err ? err : "unable to open the store");
        free(err);
        return EXIT_USAGE;
    }
    kv_close(d->store);
    d->store = NULL;
    rc = check_mux(d);
    if (rc != EXIT_OK) {
        return rc;
    }
    if (open_store(d, d->role, &err) != 0) {
        startup_error("%s", err ? err : "unable to open the store");
        free(err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static const struct applet *self(const struct daemon *d)
{
    return str_eq(d->role, "crm") ? &applet_ha_crm : &applet_ha_lrm;
}

/* 0, or the exit code of a usage error (said on stderr). */
static int parse_args(int argc, char **argv, struct daemon *d, const char **path)
{
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    int opt;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":dc:", none, NULL)) != -1) {
        switch (opt) {
        case 'd':
            d->debug = true;
            break;
        case 'c':
            *path = optarg;
            break;
        default:
            return applet_option_error(self(d), opt, argv);
        }
    }
    if (optind < argc) {
        startup_error("unexpected argument '%s'", argv[optind]);
        return applet_usage(self(d));
    }
    return 0;
}

static void run_loop(struct daemon *d)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP};
    ev_signal sw[4];
    ev_timer round, beat;

    for (size_t i = 0; i < 4; i++) {
        ev_signal_init(&sw[i], signal_cb, sigs[i]);
        sw[i].data = d;
        ev_signal_start(d->loop, &sw[i]);
    }
    ev_timer_init(
        &beat, heartbeat_cb, (double)d->timing.short_sleep, (double)d->timing.short_sleep
    );
    beat.data = d;
    ev_timer_start(d->loop, &beat);
    ev_timer_init(&round, round_cb, 0., 0.);
    round.data = d;
    ev_timer_start(d->loop, &round);
    ev_run(d->loop, 0);
    ev_timer_stop(d->loop, &beat);
    for (size_t i = 0; i < 4; i++) {
        ev_signal_stop(d->loop, &sw[i]);
    }
}

int daemon_main(int argc, char **argv, const char *role)
{
    struct daemon *d = &the_daemon;
    const char *path = NULL;
    char *err = NULL;
    int rc;

    d->role = role;
    rc = parse_args(argc, argv, d, &path);
    if (rc != 0) {
        return rc;
    }
    rc = daemon_setup(d, path);
    if (rc != EXIT_OK) {
        return rc;
    }
    /* start-up errors were one line on stderr; from here on the log */
    log_set_file(d->conf.log_file);
    log_init(LOG_TO_SYSLOG | LOG_DAEMON_FMT | (d->debug ? LOG_TO_STDERR : 0), LOG_INFO);
    log_note_sink();
    signal(SIGPIPE, SIG_IGN);
    daemon_env_init(d);
    d->loop = ev_loop_new(EVFLAG_AUTO);
    if (d->loop == NULL) {
        startup_error("unable to create the event loop");
        return EXIT_FAIL;
    }
    if (obs_start(d, &err) != 0) {
        startup_error("%s", err);
        free(err);
        return EXIT_FAIL;
    }
    if (str_eq(role, "crm")) {
        the_crm = crm_new(&d->env);
    } else {
        the_lrm = lrm_new(&d->env);
    }
    run_loop(d);
    crm_free(the_crm);
    lrm_free(the_lrm);
    ev_loop_destroy(d->loop);
    kv_close(d->store);
    return EXIT_OK;
}
