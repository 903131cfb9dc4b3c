/* sim_env.c - the struct ha_env of a simulated daemon: clock, log, quorum,
 * node info and the shared store (applets/sim/README.md). Each daemon
 * context carries its own clock; every line it logs uses that clock. */
#include "applets/sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

#include "state/lrm.h"

struct sim_node *sim_node_find(const struct sim *sim, const char *name)
{
    for (size_t i = 0; i < sim->n_nodes; i++) {
        if (strcmp(sim->nodes[i].name, name) == 0) {
            return &sim->nodes[i];
        }
    }
    return NULL;
}

static bool cluster_quorate(const struct sim *sim)
{
    size_t online = 0;

    for (size_t i = 0; i < sim->n_nodes; i++) {
        online += sim->nodes[i].power && sim->nodes[i].network;
    }
    return online > sim->n_nodes / 2;
}

bool sim_node_online(const struct sim *sim, const struct sim_node *n)
{
    return n->power && n->network && cluster_quorate(sim);
}

static int64_t env_now(void *ctx)
{
    return ((struct sim_daemon *)ctx)->clock;
}

/* Levels are cut to four letters; debug is dropped. */
static void env_log_cb(void *ctx, enum ha_level level, const char *msg)
{
    struct sim_daemon *d = ctx;

    if (level == HA_DEBUG) {
        return;
    }
    sim_log_line(d->sim, ha_level_tag(level), d->clock, d->actor, msg);
}

static void env_notify(void *ctx, const char *prefix, const char *text)
{
    char *msg = xasprintf("%s: %s", prefix, text);

    env_log_cb(ctx, HA_EMAIL, msg);
    free(msg);
}

static bool env_quorate(void *ctx)
{
    struct sim_daemon *d = ctx;

    return sim_node_online(d->sim, d->node);
}

static int env_node_info(void *ctx, struct node_info_list *out, char **err)
{
    struct sim *sim = ((struct sim_daemon *)ctx)->sim;

    out->v = xcalloc(sim->n_nodes ? sim->n_nodes : 1, sizeof(*out->v));
    out->n = sim->n_nodes;
    for (size_t i = 0; i < sim->n_nodes; i++) {
        out->v[i].node = xstrdup(sim->nodes[i].name);
        out->v[i].online = sim_node_online(sim, &sim->nodes[i]);
    }
    return 0;
}

static bool env_cluster_update(void *ctx)
{
    return ((struct sim_daemon *)ctx)->node->cfs_update;
}

static void env_is_shutdown(void *ctx, bool *shutdown, bool *reboot)
{
    const char *flag = ((struct sim_daemon *)ctx)->node->shutdown;

    *reboot = str_eq(flag, "reboot");
    *shutdown = *reboot || str_eq(flag, "shutdown");
}

static bool env_get_manager_lock(void *ctx)
{
    return sim_lock_get(((struct sim_daemon *)ctx)->sim, ctx, "ha_manager_lock");
}

static bool env_release_manager_lock(void *ctx)
{
    return sim_lock_release(((struct sim_daemon *)ctx)->sim, ctx, "ha_manager_lock");
}

static bool env_get_agent_lock(void *ctx, const char *node)
{
    struct sim_daemon *d = ctx;
    char *name = xasprintf("ha_agent_%s_lock", node ? node : d->node->name);
    bool ok = sim_lock_get(d->sim, d, name);

    free(name);
    return ok;
}

static bool env_release_agent_lock(void *ctx)
{
    struct sim_daemon *d = ctx;
    char *name = xasprintf("ha_agent_%s_lock", d->node->name);
    bool ok = sim_lock_release(d->sim, d, name);

    free(name);
    return ok;
}

/* cfs rw failure of the daemon's node: store access fails. */
static bool cfs_broken(void *ctx, char **err)
{
    if (((struct sim_daemon *)ctx)->node->cfs_rw) {
        return false;
    }
    *err = xstrdup(SIM_CFS_ERR);
    return true;
}

static int read_text(void *ctx, const char *src, char **out, char **err)
{
    *out = NULL;
    if (cfs_broken(ctx, err)) {
        return -1;
    }
    *out = xstrdup(src ? src : "");
    return 0;
}

static int write_text(void *ctx, char **dst, const char *text, char **err)
{
    if (cfs_broken(ctx, err)) {
        return -1;
    }
    free(*dst);
    *dst = xstrdup(text);
    return 0;
}

static int env_read_ms(void *ctx, char **json, char **err)
{
    return read_text(ctx, ((struct sim_daemon *)ctx)->sim->manager_status, json, err);
}

static int env_write_ms(void *ctx, const char *json, char **err)
{
    return write_text(ctx, &((struct sim_daemon *)ctx)->sim->manager_status, json, err);
}

static int env_read_lrm_status(void *ctx, const char *node, char **json, char **err)
{
    struct sim_node *n = sim_node_find(((struct sim_daemon *)ctx)->sim, node);

    return read_text(ctx, n ? n->lrm_status : NULL, json, err);
}

static int env_write_lrm_status(void *ctx, const char *json, char **err)
{
    return write_text(ctx, &((struct sim_daemon *)ctx)->node->lrm_status, json, err);
}

static int env_read_rules(void *ctx, char **text, char **err)
{
    return read_text(ctx, ((struct sim_daemon *)ctx)->sim->rules, text, err);
}

static int env_write_rules(void *ctx, const char *text, char **err)
{
    return write_text(ctx, &((struct sim_daemon *)ctx)->sim->rules, text, err);
}

static int env_read_groups(void *ctx, char **text, char **err)
{
    return read_text(ctx, ((struct sim_daemon *)ctx)->sim->groups, text, err);
}

static int env_delete_groups(void *ctx, char **err)
{
    struct sim *sim = ((struct sim_daemon *)ctx)->sim;

    if (cfs_broken(ctx, err)) {
        return -1;
    }
    free(sim->groups);
    sim->groups = NULL;
    return 0;
}

static int env_read_crm_commands(void *ctx, char **text, char **err)
{
    struct sim *sim = ((struct sim_daemon *)ctx)->sim;

    *text = NULL;
    if (cfs_broken(ctx, err)) {
        return -1;
    }
    *text = strbuf_take(&sim->crm_commands);
    return 0;
}

static bool env_pending_crm_command(void *ctx)
{
    return ((struct sim_daemon *)ctx)->sim->crm_commands.len > 0;
}

static char *env_node_version(void *ctx, const char *node)
{
    struct sim_node *n = sim_node_find(((struct sim_daemon *)ctx)->sim, node);

    if (n == NULL) {
        return NULL;
    }
    return xstrdup(n->version ? n->version : SIM_DEFAULT_VERSION);
}

static int env_wd_open(void *ctx)
{
    struct sim_daemon *d = ctx;

    return sim_wd_open(d->sim, d->node);
}

static bool env_wd_update(void *ctx, int handle)
{
    struct sim_daemon *d = ctx;

    return sim_wd_update(d->sim, d->node, handle);
}

static bool env_wd_close(void *ctx, int handle)
{
    struct sim_daemon *d = ctx;

    return sim_wd_close(d->sim, d->node, handle);
}

static int env_run_job(void *ctx, const struct lrm_job *job)
{
    return lrm_exec_job(&((struct sim_daemon *)ctx)->env, job);
}

/* Upstream's timings: R 10, S 5, W 8, F 60. */
static const struct ha_timing sim_timing = {
    .round = 10, .short_sleep = 5, .worker_wait = 8, .fence_delay = 60};

static void env_unhandled_error(void *ctx, const char *err)
{
    size_t len = strlen(err);

    sim_abort(
        ((struct sim_daemon *)ctx)->sim, "%s%s", err, len > 0 && err[len - 1] == '\n' ? "" : "\n"
    );
}

void sim_daemon_init(struct sim *sim, struct sim_node *node, struct sim_daemon *d, bool lrm)
{
    struct ha_env *e = &d->env;

    memset(d, 0, sizeof(*d));
    d->sim = sim;
    d->node = node;
    snprintf(d->actor, sizeof(d->actor), "%s/%s", node->name, lrm ? "lrm" : "crm");
    e->ctx = d;
    e->node = node->name;
    e->timing = &sim_timing;
    e->now = env_now;
    e->log = env_log_cb;
    e->notify = env_notify;
    e->quorate = env_quorate;
    e->get_node_info = env_node_info;
    e->cluster_state_update = env_cluster_update;
    e->is_node_shutdown = env_is_shutdown;
    e->get_manager_lock = env_get_manager_lock;
    e->release_manager_lock = env_release_manager_lock;
    e->get_agent_lock = env_get_agent_lock;
    e->release_agent_lock = env_release_agent_lock;
    e->read_manager_status = env_read_ms;
    e->write_manager_status = env_write_ms;
    e->read_lrm_status = env_read_lrm_status;
    e->write_lrm_status = env_write_lrm_status;
    e->read_rules_config = env_read_rules;
    e->write_rules_config = env_write_rules;
    e->read_group_config = env_read_groups;
    e->delete_group_config = env_delete_groups;
    e->read_crm_commands = env_read_crm_commands;
    e->any_pending_crm_command = env_pending_crm_command;
    e->get_node_version = env_node_version;
    e->watchdog_open = env_wd_open;
    e->watchdog_update = env_wd_update;
    e->watchdog_close = env_wd_close;
    e->run_job = env_run_job;
    e->unhandled_error = env_unhandled_error;
    e->lrm_status_written = &sim->lrm_status_written;
    sim_cfg_install(e);
    sim_res_install(e);
    sim_stats_install(e);
}
