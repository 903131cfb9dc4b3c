/* sim_lock.c - cluster locks with the 120 s timeout and the watchdog
 * handles with their 60 s sweep (applets/sim/README.md). */
#include "applets/sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

static struct sim_lock *lock_find(struct sim *sim, const char *name)
{
    for (size_t i = 0; i < sim->n_locks; i++) {
        if (strcmp(sim->locks[i].name, name) == 0) {
            return &sim->locks[i];
        }
    }
    return NULL;
}

static void lock_add(struct sim *sim, const char *name, const char *node, int64_t t)
{
    struct sim_lock *l;

    if (sim->n_locks == sim->cap_locks) {
        sim->cap_locks = sim->cap_locks ? sim->cap_locks * 2 : 8;
        sim->locks = xrealloc(sim->locks, sim->cap_locks * sizeof(*sim->locks));
    }
    l = &sim->locks[sim->n_locks++];
    l->name = xstrdup(name);
    l->node = xstrdup(node);
    l->time = t;
}

static void lock_del(struct sim *sim, struct sim_lock *l)
{
    size_t i = (size_t)(l - sim->locks);

    free(l->name);
    free(l->node);
    memmove(l, l + 1, (sim->n_locks - i - 1) * sizeof(*l));
    sim->n_locks--;
}

bool sim_lock_get(struct sim *sim, struct sim_daemon *d, const char *name)
{
    const char *me = d->node->name;
    struct sim_lock *l;

    if (!d->env.quorate(d)) {
        return false;
    }
    l = lock_find(sim, name);
    if (l == NULL) {
        lock_add(sim, name, me, d->clock);
    } else if (d->clock - l->time <= SIM_LOCK_TIMEOUT) {
        if (strcmp(l->node, me) != 0) {
            return false;
        }
        l->time = d->clock; /* renewal is silent */
        return true;
    } else {
        free(l->node);
        l->node = xstrdup(me);
        l->time = d->clock;
    }
    char *msg = xasprintf("got lock '%s'", name);

    sim_log_line(sim, "info", d->clock, d->actor, msg);
    free(msg);
    return true;
}

bool sim_lock_release(struct sim *sim, struct sim_daemon *d, const char *name)
{
    struct sim_lock *l;

    if (!d->env.quorate(d)) {
        return false;
    }
    l = lock_find(sim, name);
    if (l == NULL) {
        return false;
    }
    if (d->clock - l->time > SIM_LOCK_TIMEOUT) {
        return true; /* expired: anybody may take it, nothing to delete */
    }
    if (strcmp(l->node, d->node->name) != 0) {
        return false;
    }
    lock_del(sim, l);
    return true;
}

void sim_locks_free(struct sim *sim)
{
    for (size_t i = 0; i < sim->n_locks; i++) {
        free(sim->locks[i].name);
        free(sim->locks[i].node);
    }
    free(sim->locks);
    for (size_t i = 0; i < sim->n_wds; i++) {
        free(sim->wds[i].node);
    }
    free(sim->wds);
}

static struct sim_watchdog *wd_find(struct sim *sim, int handle)
{
    for (size_t i = 0; i < sim->n_wds; i++) {
        if (sim->wds[i].handle == handle) {
            return &sim->wds[i];
        }
    }
    return NULL;
}

static void wd_del(struct sim *sim, size_t i)
{
    free(sim->wds[i].node);
    memmove(&sim->wds[i], &sim->wds[i + 1], (sim->n_wds - i - 1) * sizeof(*sim->wds));
    sim->n_wds--;
}

int sim_wd_open(struct sim *sim, struct sim_node *node)
{
    struct sim_watchdog *w;

    if (sim->n_wds == sim->cap_wds) {
        sim->cap_wds = sim->cap_wds ? sim->cap_wds * 2 : 8;
        sim->wds = xrealloc(sim->wds, sim->cap_wds * sizeof(*sim->wds));
    }
    w = &sim->wds[sim->n_wds++];
    w->handle = ++sim->next_wd_handle;
    w->node = xstrdup(node->name);
    w->update_time = sim->t;
    return w->handle;
}

/* Shared checks of update and close: an expired handle ends the run. */
static struct sim_watchdog *wd_check(struct sim *sim, struct sim_node *node, int handle)
{
    struct sim_watchdog *w = wd_find(sim, handle);

    if (w == NULL) {
        sim_abort(sim, "no such watchdog handle '%d'\n", handle);
        return NULL;
    }
    if (strcmp(w->node, node->name) != 0) {
        sim_abort(sim, "watchdog handle '%d' belongs to another node\n", handle);
        return NULL;
    }
    if (sim->t - w->update_time > SIM_WATCHDOG_TIMEOUT) {
        sim_abort(sim, "watchdog expired");
        return NULL;
    }
    return w;
}

bool sim_wd_update(struct sim *sim, struct sim_node *node, int handle)
{
    struct sim_watchdog *w = wd_check(sim, node, handle);

    if (w == NULL) {
        return false;
    }
    w->update_time = sim->t;
    return true;
}

bool sim_wd_close(struct sim *sim, struct sim_node *node, int handle)
{
    struct sim_watchdog *w = wd_check(sim, node, handle);

    if (w == NULL) {
        return false;
    }
    wd_del(sim, (size_t)(w - sim->wds));
    return true;
}

void sim_wd_drop_node(struct sim *sim, const char *node)
{
    for (size_t i = sim->n_wds; i-- > 0;) {
        if (strcmp(sim->wds[i].node, node) == 0) {
            wd_del(sim, i);
        }
    }
}

/* Power off every node that has an expired handle, in node order. */
void sim_wd_sweep(struct sim *sim)
{
    for (size_t k = 0; k < sim->n_nodes && sim->abort_err == NULL; k++) {
        struct sim_node *n = &sim->nodes[k];
        bool expired = false;

        for (size_t i = sim->n_wds; i-- > 0;) {
            if (strcmp(sim->wds[i].node, n->name) == 0 &&
                sim->t - sim->wds[i].update_time > SIM_WATCHDOG_TIMEOUT) {
                wd_del(sim, i);
                expired = true;
            }
        }
        if (!expired) {
            continue;
        }
        char *cmd = xasprintf("power %s off", n->name);
        sim_hw_cmd(sim, cmd, "watchdog");
        free(cmd);
        sim_logf(sim, "info", "hardware", "server '%s' stopped by poweroff (watchdog)", n->name);
    }
}
