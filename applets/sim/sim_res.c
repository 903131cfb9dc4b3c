/* sim_res.c - the simulated resources vm, ct and fa (applets/sim/README.md).
 *
 * A resource only has a running flag per node (service_status_<node>) and
 * the lock of its service config entry. fa ("VirtFail") services encode in
 * their id how many starts and migrations fail; the failure counters are
 * global to the simulation, shared by every node and every LRM instance. */
#include "applets/sim/sim_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static struct sim_daemon *dctx(void *ctx)
{
    return ctx;
}

static void res_log(struct sim_daemon *d, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void res_log(struct sim_daemon *d, const char *level, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    sim_log_line(d->sim, level, d->clock, d->actor, msg);
    free(msg);
}

/* The digits of an fa id; missing ones are 0. */
static void fa_digits(const char *sid, int dig[6])
{
    const char *p = strchr(sid, ':');

    memset(dig, 0, 6 * sizeof(*dig));
    p = p ? p + 1 : sid;
    for (int i = 0; i < 6 && isdigit((unsigned char)p[i]); i++) {
        dig[i] = p[i] - '0';
    }
}

/* Should this fa start (which = 1) or migration (which = 2) fail here? */
static bool fa_fails(struct sim_daemon *d, const char *sid, int which)
{
    struct sim_imap *counters = which == 1 ? &d->sim->fa_start_fail : &d->sim->fa_migrate_fail;
    char key[32];
    char node[16];
    int dig[6];
    int *cnt;

    if (!str_starts(sid, "fa:")) {
        return false;
    }
    fa_digits(sid, dig);
    snprintf(key, sizeof(key), "%ld", strtol(sid + 3, NULL, 10));
    cnt = sim_imap_get(counters, key);
    snprintf(node, sizeof(node), "node%d", dig[5]);
    if (dig[5] != 0 && strcmp(d->node->name, node) != 0) {
        *cnt = 0;
        return false;
    }
    (*cnt)++;
    if (dig[which] >= *cnt) {
        return true;
    }
    *cnt = 0;
    return false;
}

static const char *res_lock(struct sim_daemon *d, const char *sid)
{
    struct svc_conf *c = svc_config_find(&d->sim->cfg, sid);

    return c ? c->lock : NULL;
}

static bool res_known(void *ctx, const char *type)
{
    return str_eq(type, "vm") || str_eq(type, "ct") || str_eq(type, "fa");
}

static bool res_running(void *ctx, const char *sid)
{
    int *v = sim_imap_find(&dctx(ctx)->node->running, sid);

    return v != NULL && *v != 0;
}

static void res_start(void *ctx, const char *sid)
{
    struct sim_daemon *d = ctx;
    const char *lock;

    if (fa_fails(d, sid, 1)) {
        return;
    }
    lock = res_lock(d, sid);
    if (lock != NULL) {
        res_log(d, "err", "service '%s' locked (%s), unable to start!", sid, lock);
        return;
    }
    *sim_imap_get(&d->node->running, sid) = 1;
}

static void res_shutdown(void *ctx, const char *sid, const char *timeout)
{
    struct sim_daemon *d = ctx;
    const char *lock;
    int dig[6];

    if (str_starts(sid, "fa:")) {
        fa_digits(sid, dig);
        if (dig[3] != 0) {
            return; /* this fa can never be stopped */
        }
    }
    lock = res_lock(d, sid);
    if (lock != NULL) {
        res_log(d, "err", "service '%s' locked (%s), unable to shutdown!", sid, lock);
        return;
    }
    *sim_imap_get(&d->node->running, sid) = 0;
}

/* Move the config entry to target; the rest of the move is logging. */
static bool res_move_config(struct sim_daemon *d, const char *sid, const char *target)
{
    struct svc_conf *c = svc_config_find(&d->sim->cfg, sid);

    if (c == NULL || !str_eq(c->node, d->node->name)) {
        res_log(d, "err", "service '%s' not configured on node '%s'", sid, d->node->name);
        return false;
    }
    sim_cfg_normalize(&d->sim->cfg);
    free(c->node);
    c->node = xstrdup(target);
    sim_cfg_written(d->sim);
    return true;
}

static bool res_migrate(void *ctx, const char *sid, const char *target, bool online)
{
    struct sim_daemon *d = ctx;
    const char *what, *lock;

    if (fa_fails(d, sid, 2)) {
        return false;
    }
    if (online && str_starts(sid, "ct:") && res_running(ctx, sid)) {
        res_log(d, "warn", "unable to live migrate running container, fallback to relocate");
        online = false;
    }
    what = online ? "migrate" : "relocate";
    res_log(d, "info", "service %s - start %s to node '%s'", sid, what, target);
    lock = res_lock(d, sid);
    if (lock != NULL) {
        res_log(d, "err", "service '%s' locked (%s), unable to %s!", sid, lock, what);
        return false;
    }
    if (!online && res_running(ctx, sid)) {
        res_log(d, "info", "stopping service %s (relocate)", sid);
        res_shutdown(ctx, sid, NULL);
        res_log(d, "info", "service status %s stopped", sid);
    }
    if (!res_move_config(d, sid, target)) {
        return false;
    }
    res_log(d, "info", "service %s - end %s to node '%s'", sid, what, target);
    sim_imap_del(&d->node->running, sid);
    return true;
}

static char *res_remove_locks(void *ctx, const char *sid, const char *const *names)
{
    struct sim_daemon *d = ctx;
    struct svc_conf *c = svc_config_find(&d->sim->cfg, sid);
    char *lock;

    if (c == NULL || c->lock == NULL) {
        return NULL;
    }
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        if (strcmp(names[i], c->lock) == 0) {
            sim_cfg_normalize(&d->sim->cfg);
            lock = c->lock;
            c->lock = NULL;
            sim_cfg_written(d->sim);
            return lock;
        }
    }
    return NULL;
}

void sim_res_install(struct ha_env *env)
{
    env->res_type_known = res_known;
    env->res_check_running = res_running;
    env->res_start = res_start;
    env->res_shutdown = res_shutdown;
    env->res_migrate = res_migrate;
    env->res_remove_locks = res_remove_locks;
}
