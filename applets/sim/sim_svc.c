/* sim_svc.c - the 'service <sid> ...' commands of the command list
 * (applets/sim/README.md): requested state, CRM command queue entries, add and
 * delete, guest locks, CRS stats and manual migration. */
#include "applets/sim/sim_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"

/* Abort texts follow the reference simulator (no upstream scenario aborts). */
static struct svc_conf *need_service(struct sim *sim, const char *sid)
{
    struct svc_conf *c = svc_config_find(&sim->cfg, sid);

    if (c == NULL) {
        sim_abort(sim, "no such service '%s'", sid);
    }
    return c;
}

static void set_field(struct sim *sim, char **field, const char *value)
{
    sim_cfg_normalize(&sim->cfg); /* a rewrite re-reads with defaults */
    free(*field);
    *field = xstrdup(value);
    sim_cfg_written(sim);
}

static bool valid_sid(const char *sid)
{
    const char *p;

    if (!str_starts(sid, "vm:") && !str_starts(sid, "ct:") && !str_starts(sid, "fa:")) {
        return false;
    }
    for (p = sid + 3; isdigit((unsigned char)*p); p++) {
    }
    return p > sid + 3 && *p == '\0';
}

static int svc_add(struct sim *sim, char **argv, int argc)
{
    const char *sid = argv[1];
    struct sim_node *n = argc > 3 ? sim_node_find(sim, argv[3]) : NULL;
    struct svc_conf *c;

    if (svc_config_find(&sim->cfg, sid) != NULL) {
        sim_abort(sim, "exists");
        return -1;
    }
    if (!valid_sid(sid) || n == NULL) {
        sim_abort(sim, "service add: invalid service id or node in '%s'\n", sid);
        return -1;
    }
    sim_cfg_normalize(&sim->cfg);
    c = svc_config_add(&sim->cfg, sid);
    c->type = xstrndup(sid, 2);
    c->name = xstrdup(sid + 3);
    c->node = xstrdup(n->name);
    svc_conf_set_state(
        &sim->cfg, c, argc > 4 ? argv[4] : "started"
    ); /* literal until the next rewrite */
    c->failback = c->max_restart = c->max_relocate = 1;
    sim_cfg_written(sim);
    *sim_imap_get(&n->running, sid) = argc > 5 ? atoi(argv[5]) : 0;
    return 0;
}

static int svc_delete(struct sim *sim, char **argv, int argc)
{
    struct svc_conf *c = need_service(sim, argv[1]);
    size_t i;

    if (c == NULL) {
        return -1;
    }
    sim_cfg_normalize(&sim->cfg);
    i = (size_t)(c - sim->cfg.v);
    svc_conf_free_members(c);
    memmove(c, c + 1, (sim->cfg.n - i - 1) * sizeof(*c));
    sim->cfg.n--;
    sim_cfg_written(sim);
    sim_usage_del(&sim->static_stats, argv[1]);
    return 0;
}

static int svc_lock(struct sim *sim, char **argv, int argc)
{
    struct svc_conf *c = need_service(sim, argv[1]);
    bool unlock = strcmp(argv[2], "unlock") == 0;

    if (c == NULL) {
        return -1;
    }
    if (!unlock) {
        set_field(sim, &c->lock, argc > 3 ? argv[3] : "backup");
    } else if (argc <= 3 || str_eq(c->lock, argv[3])) {
        set_field(sim, &c->lock, NULL);
    }
    return 0;
}

/* "maxcpu 4 maxmem 1024" and the dynamic "cpu 2 mem 512": MiB -> bytes. */
static int svc_stats(struct sim *sim, char **argv, int argc)
{
    bool dyn = strcmp(argv[2], "set-dynamic-stats") == 0;
    const char *cpu_key = dyn ? "cpu" : "maxcpu", *mem_key = dyn ? "mem" : "maxmem";
    struct sim_usage *u;

    if (argc < 5 || (argc - 3) % 2 != 0) {
        sim_abort(sim, "bad stats params");
        return -1;
    }
    if (need_service(sim, argv[1]) == NULL) {
        return -1;
    }
    for (int i = 3; i < argc; i += 2) {
        if (strcmp(argv[i], cpu_key) != 0 && strcmp(argv[i], mem_key) != 0) {
            sim_abort(sim, "bad stats key %s", argv[i]);
            return -1;
        }
    }
    u = sim_usage_get(dyn ? &sim->dynamic_stats : &sim->static_stats, argv[1]);
    for (int i = 3; i < argc; i += 2) {
        double v = strtod(argv[i + 1], NULL);
        bool is_cpu = strcmp(argv[i], cpu_key) == 0;

        *(is_cpu ? (dyn ? &u->has_cpu : &u->has_maxcpu) : (dyn ? &u->has_mem : &u->has_maxmem)) =
            true;
        *(is_cpu ? (dyn ? &u->cpu : &u->maxcpu) : (dyn ? &u->mem : &u->maxmem)) =
            is_cpu ? v : v * 1048576.0;
    }
    return 0;
}

static bool disarmed_ignore(const struct sim *sim)
{
    struct manager_status ms = {0};
    char *err = NULL;
    bool ignore = false;

    if (ms_from_json(sim->manager_status, &ms, &err) == 0) {
        ignore = str_eq(ms.disarm_mode, "ignore");
    }
    free(err);
    ms_free(&ms);
    return ignore;
}

static int svc_manual_migrate(struct sim *sim, char **argv, int argc)
{
    struct svc_conf *c = need_service(sim, argv[1]);

    if (c == NULL) {
        return -1;
    }
    if (argc < 4) {
        sim_abort(sim, "manual-migrate: missing target node\n");
        return -1;
    }
    if (c->state != REQ_IGNORED && !disarmed_ignore(sim)) {
        sim_abort(sim, "manual-migrate");
        return -1;
    }
    set_field(sim, &c->node, argv[3]);
    return 0;
}

static int svc_queue(struct sim *sim, char **argv, int argc)
{
    if (argc < 4) {
        sim_abort(sim, "service %s: missing parameter\n", argv[2]);
        return -1;
    }
    strbuf_addf(&sim->crm_commands, "%s %s %s\n", argv[2], argv[1], argv[3]);
    return 0;
}

static int svc_state(struct sim *sim, char **argv, int argc)
{
    struct svc_conf *c = svc_config_find(&sim->cfg, argv[1]);

    if (c == NULL) {
        sim_abort(sim, "no such service");
        return -1;
    }
    sim_cfg_normalize(&sim->cfg); /* a rewrite re-reads with defaults */
    svc_conf_set_state(&sim->cfg, c, argv[2]);
    sim_cfg_written(sim);
    return 0;
}

typedef int svc_run_fn(struct sim *sim, char **argv, int argc);

struct svc_cmd {
    const char *name;
    svc_run_fn *run;
};

static const struct svc_cmd svc_cmds[] = {
    {"started", svc_state},
    {"stopped", svc_state},
    {"disabled", svc_state},
    {"ignored", svc_state},
    {"migrate", svc_queue},
    {"relocate", svc_queue},
    {"stop", svc_queue},
    {"add", svc_add},
    {"delete", svc_delete},
    {"lock", svc_lock},
    {"unlock", svc_lock},
    {"set-static-stats", svc_stats},
    {"set-dynamic-stats", svc_stats},
    {"manual-migrate", svc_manual_migrate},
};

int sim_service_cmd(struct sim *sim, char **argv, int argc)
{
    for (size_t i = 0; argc >= 3 && i < sizeof(svc_cmds) / sizeof(svc_cmds[0]); i++) {
        if (strcmp(svc_cmds[i].name, argv[2]) == 0) {
            return svc_cmds[i].run(sim, argv, argc);
        }
    }
    sim_abort(sim, "unknown service action %s", argc >= 3 ? argv[2] : "");
    return -1;
}

static svc_run_fn *svc_cmds_run(const char *name)
{
    for (size_t i = 0; i < sizeof(svc_cmds) / sizeof(svc_cmds[0]); i++) {
        if (strcmp(svc_cmds[i].name, name) == 0) {
            return svc_cmds[i].run;
        }
    }
    return NULL;
}

/* What the commands above would abort on (kept in step with them). */
char *sim_svc_check(const struct sim *sim, char **argv, int argc, bool exists)
{
    const char *sid = argv[1], *act = argc > 2 ? argv[2] : NULL;
    const struct svc_conf *c = svc_config_find(&sim->cfg, sid);
    if (act == NULL || svc_cmds_run(act) == NULL) {
        return act ? xasprintf("unknown service action '%s'", act)
                   : xasprintf("no action for %s", sid);
    }
    if (strcmp(act, "add") == 0) {
        if (exists) {
            return xasprintf("service '%s' exists already", sid);
        }
        return argc > 3 && sim_node_find(sim, argv[3]) != NULL
                   ? NULL
                   : xasprintf("service %s add: want a known node", sid);
    }
    if (svc_cmds_run(act) == svc_queue) { /* a CRM command: the CRM judges the sid */
        return argc < 4 ? xasprintf("service %s %s: missing parameter", sid, act) : NULL;
    }
    if (!exists) {
        return xasprintf("no such service '%s'", sid);
    }
    if (strcmp(act, "manual-migrate") == 0 && argc < 4) {
        return xasprintf("service %s %s: missing target node", sid, act);
    }
    if (strcmp(act, "set-static-stats") == 0 || strcmp(act, "set-dynamic-stats") == 0) {
        bool dyn = strcmp(act, "set-dynamic-stats") == 0;
        if (argc < 5 || (argc - 3) % 2 != 0) {
            return xasprintf("service %s %s: want KEY VALUE pairs", sid, act);
        }
        for (int i = 3; i < argc; i += 2) {
            if (strcmp(argv[i], dyn ? "cpu" : "maxcpu") != 0 &&
                strcmp(argv[i], dyn ? "mem" : "maxmem") != 0) {
                return xasprintf("service %s %s: bad key '%s'", sid, act, argv[i]);
            }
        }
    }
    if (strcmp(act, "manual-migrate") == 0 && c != NULL && c->state != REQ_IGNORED &&
        !disarmed_ignore(sim)) {
        return xasprintf(
            "service %s manual-migrate: only when ignored or HA disarmed (ignore)", sid
        );
    }
    return NULL;
}
