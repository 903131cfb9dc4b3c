/* sim_out.c - the runtime files left in the output folder at the end of a
 * run (applets/sim/README.md). They are for humans; only the log is compared. */
#include "applets/sim/sim_codec.h"
#include "applets/sim/sim_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "state/codec.h"

static int put_file(const char *dir, const char *name, const char *text, char **err)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (f == NULL || fputs(text, f) < 0) {
        rc = -1;
    }
    if (f != NULL && fclose(f) != 0) {
        rc = -1;
    }
    if (rc < 0) {
        *err = xasprintf("%s: %s", path, strerror(errno));
    }
    free(path);
    return rc;
}

/* Write a cJSON tree compactly and delete it. */
static int put_json(const char *dir, const char *name, cJSON *root, char **err)
{
    char *text = cJSON_PrintUnformatted(root);
    int rc = put_file(dir, name, text ? text : "{}", err);

    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

static cJSON *hardware_json(const struct sim *sim)
{
    cJSON *root = cJSON_CreateObject();

    for (size_t i = 0; i < sim->n_nodes; i++) {
        const struct sim_node *n = &sim->nodes[i];
        cJSON *o = cJSON_AddObjectToObject(root, n->name);
        cJSON *cfs = cJSON_AddObjectToObject(o, "cfs");

        cJSON_AddStringToObject(o, "power", n->power ? "on" : "off");
        cJSON_AddStringToObject(o, "network", n->network ? "on" : "off");
        if (n->has_maxcpu) {
            cJSON_AddNumberToObject(o, "maxcpu", n->maxcpu);
        }
        if (n->has_maxmem) {
            cJSON_AddNumberToObject(o, "maxmem", n->maxmem);
        }
        if (n->version != NULL) {
            cJSON_AddStringToObject(o, "pve-manager-version", n->version);
        }
        if (n->shutdown != NULL) {
            cJSON_AddStringToObject(o, "shutdown", n->shutdown);
        }
        cJSON_AddBoolToObject(cfs, "rw", n->cfs_rw);
        cJSON_AddBoolToObject(cfs, "update", n->cfs_update);
    }
    return root;
}

static cJSON *stats_json(const struct sim_usage_map *m)
{
    cJSON *root = cJSON_CreateObject();

    for (size_t i = 0; i < m->n; i++) {
        const struct sim_usage *u = &m->v[i];
        cJSON *o = cJSON_AddObjectToObject(root, u->sid);

        if (u->has_maxcpu) {
            cJSON_AddNumberToObject(o, "maxcpu", u->maxcpu);
        }
        if (u->has_maxmem) {
            cJSON_AddNumberToObject(o, "maxmem", u->maxmem);
        }
        if (u->has_cpu) {
            cJSON_AddNumberToObject(o, "cpu", u->cpu);
        }
        if (u->has_mem) {
            cJSON_AddNumberToObject(o, "mem", u->mem);
        }
    }
    return root;
}

static cJSON *locks_json(const struct sim *sim)
{
    cJSON *locks = cJSON_CreateObject();

    for (size_t i = 0; i < sim->n_locks; i++) {
        cJSON *o = cJSON_AddObjectToObject(locks, sim->locks[i].name);

        cJSON_AddStringToObject(o, "node", sim->locks[i].node);
        cJSON_AddNumberToObject(o, "time", (double)sim->locks[i].time);
    }
    return locks;
}

static cJSON *watchdogs_json(const struct sim *sim)
{
    cJSON *wds = cJSON_CreateObject();

    for (size_t i = 0; i < sim->n_wds; i++) {
        char key[24];
        cJSON *o;

        snprintf(key, sizeof(key), "%d", sim->wds[i].handle);
        o = cJSON_AddObjectToObject(wds, key);
        cJSON_AddStringToObject(o, "node", sim->wds[i].node);
        cJSON_AddNumberToObject(o, "update_time", (double)sim->wds[i].update_time);
    }
    return wds;
}

static int write_node_files(const struct sim *sim, const char *dir, char **err)
{
    for (size_t i = 0; i < sim->n_nodes; i++) {
        const struct sim_node *n = &sim->nodes[i];
        cJSON *ss = cJSON_CreateObject();
        char *name = xasprintf("service_status_%s", n->name);
        int rc;

        for (size_t k = 0; k < n->running.n; k++) {
            cJSON_AddNumberToObject(ss, n->running.keys[k], n->running.vals[k]);
        }
        rc = put_json(dir, name, ss, err);
        free(name);
        if (rc == 0 && n->lrm_status != NULL) {
            name = xasprintf("lrm_status_%s", n->name);
            rc = put_file(dir, name, n->lrm_status, err);
            free(name);
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int write_optional(const char *dir, const char *name, const char *text, char **err)
{
    return text == NULL ? 0 : put_file(dir, name, text, err);
}

int sim_write_status(const struct sim *sim, const char *dir, char **err)
{
    char *cfg = svc_config_to_sim_json(&sim->cfg);
    int rc = put_file(dir, "service_config", cfg, err);

    free(cfg);
    if (rc < 0 || put_json(dir, "hardware_status", hardware_json(sim), err) < 0 ||
        put_file(dir, "manager_status", sim->manager_status ? sim->manager_status : "{}", err) ||
        put_json(dir, "cluster_locks", locks_json(sim), err) < 0 ||
        put_json(dir, "watchdog_status", watchdogs_json(sim), err) < 0 ||
        put_file(dir, "crm_commands", strbuf_str(&sim->crm_commands), err) < 0 ||
        put_json(dir, "static_service_stats", stats_json(&sim->static_stats), err) < 0 ||
        put_json(dir, "dynamic_service_stats", stats_json(&sim->dynamic_stats), err) < 0 ||
        write_optional(dir, "rules_config", sim->rules, err) < 0 ||
        write_optional(dir, "groups", sim->groups, err) < 0 ||
        write_optional(dir, "datacenter.cfg", sim->datacenter, err) < 0 ||
        write_optional(dir, "fence.cfg", sim->fence, err) < 0 ||
        put_file(dir, "hardware.lck", "", err) < 0) {
        return -1;
    }
    return write_node_files(sim, dir, err);
}

/* What ha-sim's 'status' shows: the hardware of each node and the master's
 * view of nodes and services, from the manager status as last written. */
char *sim_status_text(const struct sim *sim)
{
    struct manager_status ms = {0};
    struct strbuf sb = {0};
    char *err = NULL;

    strbuf_addf(&sb, "time %lld s\n", (long long)sim->t);
    if (ms_from_json(sim->manager_status, &ms, &err) != 0) {
        strbuf_addf(&sb, "manager status unreadable: %s\n", err ? err : "?");
        free(err);
    }
    strbuf_addf(&sb, "master %s\n", ms.master_node ? ms.master_node : "(none)");
    for (size_t i = 0; i < sim->n_nodes; i++) {
        const struct sim_node *n = &sim->nodes[i];
        const struct node_entry *e = ms_find_node(&ms, n->name);
        strbuf_addf(
            &sb, "node %s: %s (power %s, network %s%s%s)\n", n->name,
            e ? node_state_name(e->state) : "-", n->power ? "on" : "off", n->network ? "on" : "off",
            n->shutdown ? ", " : "", n->shutdown ? n->shutdown : ""
        );
    }
    for (size_t i = 0; i < ms.n_svcs; i++) {
        const struct sd *sd = &ms.svcs[i];
        strbuf_addf(
            &sb, "service %s: %s on %s%s%s\n", sd->sid, svc_state_name(sd->state),
            sd->node ? sd->node : "-", sd->target ? ", target " : "", sd->target ? sd->target : ""
        );
    }
    ms_free(&ms);
    return strbuf_take(&sb);
}
