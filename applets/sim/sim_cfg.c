/* sim_cfg.c - the service configuration and datacenter settings as the
 * daemons see them. The on-disk map may
 * hold a literal state from 'service add'; every rewrite re-reads it with
 * defaults first, and every write refreshes the simulator's copy. */
#include "applets/sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

/* What a re-read of the config does: defaults and the "enabled" alias. */
void sim_cfg_normalize(struct svc_config *sc)
{
    for (size_t i = 0; i < sc->n; i++) {
        struct svc_conf *c = &sc->v[i];

        if (c->state == REQ_NONE) {
            svc_conf_set_state(sc, c, "disabled");
        } else if (c->state == REQ_OTHER && strcmp(c->state_text, "enabled") == 0) {
            svc_conf_set_state(sc, c, "started");
        }
    }
}

void sim_cfg_written(struct sim *sim)
{
    svc_config_free(&sim->copy);
    svc_config_copy(&sim->copy, &sim->cfg);
}

static int env_read_cfg(void *ctx, struct svc_config *out, char **err)
{
    struct sim_daemon *d = ctx;

    memset(out, 0, sizeof(*out));
    if (!d->node->cfs_rw) {
        *err = xstrdup(SIM_CFS_ERR);
        return -1;
    }
    svc_config_copy(out, &d->sim->cfg);
    sim_cfg_normalize(out);
    return 0;
}

/* The default when value is NULL; false for a bad value. */
static bool parse_int(const char *value, int dflt, int max, int *out)
{
    if (value == NULL) {
        *out = dflt;
        return true;
    }
    return str_to_int(value, 0, max, out) == STR_INT_OK;
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

/* Set or delete one key; false if the key is unknown (or, for a number,
 * the value is not one in its range). */
static bool
cfg_set_key(struct svc_config *sc, struct svc_conf *c, const char *key, const char *value)
{
    if (strcmp(key, "state") == 0) {
        svc_conf_set_state(sc, c, value);
    } else if (strcmp(key, "node") == 0) {
        set_str(&c->node, value);
    } else if (strcmp(key, "group") == 0) {
        set_str(&c->group, value);
    } else if (strcmp(key, "comment") == 0) {
        set_str(&c->comment, value);
    } else if (strcmp(key, "lock") == 0) {
        set_str(&c->lock, value);
    } else if (strcmp(key, "failback") == 0) {
        return parse_int(value, 1, 1, &c->failback);
    } else if (strcmp(key, "max_restart") == 0) {
        return parse_int(value, 1, SVC_TRIES_MAX, &c->max_restart);
    } else if (strcmp(key, "max_relocate") == 0) {
        return parse_int(value, 1, SVC_TRIES_MAX, &c->max_relocate);
    } else {
        return false;
    }
    return true;
}

/* Not affected by cfs failures. */
static int
env_update_cfg(void *ctx, const char *sid, const char *key, const char *value, char **err)
{
    struct sim *sim = ((struct sim_daemon *)ctx)->sim;
    struct svc_conf *c = svc_config_find(&sim->cfg, sid);

    if (c == NULL) {
        *err = xasprintf("no such resource '%s'", sid);
        return -1;
    }
    sim_cfg_normalize(&sim->cfg);
    if (!cfg_set_key(&sim->cfg, c, key, value)) {
        *err = xasprintf("unknown service config key '%s'", key);
        return -1;
    }
    sim_cfg_written(sim);
    return 0;
}

static int env_steal(void *ctx, const char *sid, const char *cur, const char *new_node, char **err)
{
    struct sim_daemon *d = ctx;
    struct svc_conf *c;

    if (!d->node->cfs_rw) {
        *err = xstrdup(SIM_CFS_ERR);
        return -1;
    }
    c = svc_config_find(&d->sim->cfg, sid);
    if (c == NULL) {
        *err = xasprintf("no such service '%s'", sid);
        return -1;
    }
    if (!str_eq(c->node, cur)) {
        *err = xasprintf(
            "current_node for '%s' does not match (%s != %s)", sid, cur, c->node ? c->node : ""
        );
        return -1;
    }
    sim_cfg_normalize(&d->sim->cfg);
    set_str(&c->node, new_node);
    sim_cfg_written(d->sim);
    return 0;
}

static void env_dc(void *ctx, struct dc_settings *out)
{
    const struct dc_settings *dc = &((struct sim_daemon *)ctx)->sim->dc;

    *out = *dc;
    out->shutdown_policy = xstrdup(dc->shutdown_policy);
    out->crs_ha = xstrdup(dc->crs_ha);
    out->method = xstrdup(dc->method);
}

void sim_cfg_install(struct ha_env *env)
{
    env->read_service_config = env_read_cfg;
    env->update_service_config = env_update_cfg;
    env->steal_service = env_steal;
    env->get_datacenter_settings = env_dc;
}
