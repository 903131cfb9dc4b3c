/* test_fakeenv.c - the in-memory cluster of test_fakeenv.h. Lock and
 * watchdog rules follow the simulator's (applets/sim/README.md) so the state
 * machines see what they would see there, without its scheduler or
 * hardware. */
#include "test/test_fakeenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/lrm.h"

static struct fake_env *fe_of(void *ctx)
{
    return ctx;
}

struct fake_node *fake_node(struct fake_cluster *c, const char *name)
{
    for (size_t i = 0; i < c->n_nodes; i++) {
        if (strcmp(c->nodes[i].name, name) == 0) {
            return &c->nodes[i];
        }
    }
    return NULL;
}

/* A node can use the cluster when it is online and a majority is. */
static bool node_quorate(const struct fake_cluster *c, const struct fake_node *n)
{
    size_t online = 0;

    for (size_t i = 0; i < c->n_nodes; i++) {
        online += c->nodes[i].online;
    }
    return n->online && online > c->n_nodes / 2;
}

static int64_t f_now(void *ctx)
{
    return fe_of(ctx)->c->now;
}

static void f_log(void *ctx, enum ha_level level, const char *msg)
{
    struct fake_env *fe = ctx;
    char *line = xasprintf("%s: %s: %s", fe->actor, ha_level_name(level), msg);

    strlist_add(&fe->c->log, line);
    free(line);
}

static void f_notify(void *ctx, const char *prefix, const char *text)
{
    char *msg = xasprintf("%s: %s", prefix, text);

    f_log(ctx, HA_EMAIL, msg);
    free(msg);
}

static bool f_quorate(void *ctx)
{
    return node_quorate(fe_of(ctx)->c, fe_of(ctx)->n);
}

static int f_node_info(void *ctx, struct node_info_list *out, char **err)
{
    struct fake_cluster *c = fe_of(ctx)->c;

    out->v = xcalloc(c->n_nodes + 1, sizeof(*out->v));
    out->n = c->n_nodes;
    for (size_t i = 0; i < c->n_nodes; i++) {
        out->v[i].node = xstrdup(c->nodes[i].name);
        out->v[i].online = node_quorate(c, &c->nodes[i]);
    }
    return 0;
}

static bool f_cluster_update(void *ctx)
{
    return fe_of(ctx)->n->cfs_update;
}

static void f_is_shutdown(void *ctx, bool *shutdown, bool *reboot)
{
    *shutdown = fe_of(ctx)->n->shutdown || fe_of(ctx)->n->reboot;
    *reboot = fe_of(ctx)->n->reboot;
}

static int lock_index(const struct fake_cluster *c, const char *name)
{
    for (size_t i = 0; i < c->n_locks; i++) {
        if (strcmp(c->locks[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static struct fake_lock *lock_find(struct fake_cluster *c, const char *name)
{
    int i = lock_index(c, name);

    return i < 0 ? NULL : &c->locks[i];
}

void fake_set_lock(struct fake_cluster *c, const char *name, const char *owner, int64_t t)
{
    struct fake_lock *l = lock_find(c, name);

    if (l == NULL) {
        if (c->n_locks == FAKE_MAX_LOCKS) {
            abort();
        }
        l = &c->locks[c->n_locks++];
        l->name = xstrdup(name);
    }
    free(l->owner);
    l->owner = owner ? xstrdup(owner) : NULL;
    l->time = t;
}

const char *fake_lock_owner(const struct fake_cluster *c, const char *name)
{
    int i = lock_index(c, name);

    return i < 0 ? NULL : c->locks[i].owner;
}

/* As the simulator: acquire, renew own, take over after the timeout. */
static bool lock_get(struct fake_env *fe, const char *name)
{
    struct fake_cluster *c = fe->c;
    struct fake_lock *l = lock_find(c, name);

    if (!node_quorate(c, fe->n)) {
        return false;
    }
    if (l == NULL || l->owner == NULL || c->now - l->time > FAKE_LOCK_TIMEOUT ||
        strcmp(l->owner, fe->n->name) == 0) {
        fake_set_lock(c, name, fe->n->name, c->now);
        return true;
    }
    return false;
}

static bool lock_release(struct fake_env *fe, const char *name)
{
    struct fake_lock *l = lock_find(fe->c, name);

    if (l == NULL || l->owner == NULL) {
        return false;
    }
    if (fe->c->now - l->time > FAKE_LOCK_TIMEOUT) {
        return true;
    }
    if (strcmp(l->owner, fe->n->name) != 0) {
        return false;
    }
    free(l->owner);
    l->owner = NULL;
    return true;
}

static bool f_get_manager_lock(void *ctx)
{
    return lock_get(ctx, "ha_manager_lock");
}

static bool f_release_manager_lock(void *ctx)
{
    return lock_release(ctx, "ha_manager_lock");
}

static bool f_get_agent_lock(void *ctx, const char *node)
{
    char *name = xasprintf("ha_agent_%s_lock", node ? node : fe_of(ctx)->n->name);
    bool ok = lock_get(ctx, name);

    free(name);
    return ok;
}

static bool f_release_agent_lock(void *ctx)
{
    char *name = xasprintf("ha_agent_%s_lock", fe_of(ctx)->n->name);
    bool ok = lock_release(ctx, name);

    free(name);
    return ok;
}

static int read_text(const char *src, char **out)
{
    *out = xstrdup(src ? src : "");
    return 0;
}

static void write_text(char **dst, const char *text)
{
    free(*dst);
    *dst = xstrdup(text);
}

static int f_read_ms(void *ctx, char **json, char **err)
{
    return read_text(fe_of(ctx)->c->manager_status, json);
}

static int f_write_ms(void *ctx, const char *json, char **err)
{
    write_text(&fe_of(ctx)->c->manager_status, json);
    return 0;
}

static int f_read_lrm_status(void *ctx, const char *node, char **json, char **err)
{
    struct fake_node *n = fake_node(fe_of(ctx)->c, node);

    return read_text(n ? n->lrm_status : NULL, json);
}

static int f_write_lrm_status(void *ctx, const char *json, char **err)
{
    write_text(&fe_of(ctx)->n->lrm_status, json);
    return 0;
}

static int f_read_cfg(void *ctx, struct svc_config *out, char **err)
{
    svc_config_copy(out, &fe_of(ctx)->c->cfg);
    return 0;
}

static int f_update_cfg(void *ctx, const char *sid, const char *key, const char *value, char **err)
{
    struct svc_conf *sc = svc_config_find(&fe_of(ctx)->c->cfg, sid);

    if (sc == NULL) {
        *err = xasprintf("no such service '%s'", sid);
        return -1;
    }
    if (strcmp(key, "state") == 0) {
        svc_conf_set_state(&fe_of(ctx)->c->cfg, sc, value);
    } else if (strcmp(key, "group") == 0) {
        free(sc->group);
        sc->group = value ? xstrdup(value) : NULL;
    } else if (strcmp(key, "failback") == 0) {
        sc->failback = value ? atoi(value) : 1;
    } else {
        *err = xasprintf("unknown key '%s'", key);
        return -1;
    }
    return 0;
}

static int f_steal(void *ctx, const char *sid, const char *cur, const char *new_node, char **err)
{
    struct svc_conf *sc = svc_config_find(&fe_of(ctx)->c->cfg, sid);

    if (sc == NULL || !str_eq(sc->node, cur)) {
        *err = xasprintf("cannot move '%s' from '%s'", sid, cur);
        return -1;
    }
    write_text(&sc->node, new_node);
    return 0;
}

static int f_read_rules(void *ctx, char **text, char **err)
{
    return read_text(fe_of(ctx)->c->rules, text);
}

static int f_write_rules(void *ctx, const char *text, char **err)
{
    write_text(&fe_of(ctx)->c->rules, text);
    return 0;
}

static int f_read_groups(void *ctx, char **text, char **err)
{
    return read_text(fe_of(ctx)->c->groups, text);
}

static int f_delete_groups(void *ctx, char **err)
{
    free(fe_of(ctx)->c->groups);
    fe_of(ctx)->c->groups = NULL;
    return 0;
}

static int f_read_commands(void *ctx, char **text, char **err)
{
    *text = strbuf_take(&fe_of(ctx)->c->commands);
    return 0;
}

static bool f_pending_commands(void *ctx)
{
    return fe_of(ctx)->c->commands.len > 0;
}

static void f_dc(void *ctx, struct dc_settings *out)
{
    const struct dc_settings *dc = &fe_of(ctx)->c->dc;

    *out = *dc;
    out->shutdown_policy = dc->shutdown_policy ? xstrdup(dc->shutdown_policy) : NULL;
    out->crs_ha = dc->crs_ha ? xstrdup(dc->crs_ha) : NULL;
    out->method = dc->method ? xstrdup(dc->method) : NULL;
}

/* Basic mode only needs node and state of each service. */
static int f_service_stats(void *ctx, const char *mode, struct svc_stats_list *out, char **err)
{
    svc_stats_from_config(&fe_of(ctx)->c->cfg, out);
    return 0;
}

static int f_node_stats(void *ctx, const char *mode, struct node_stats_list *out, char **err)
{
    struct fake_cluster *c = fe_of(ctx)->c;

    out->v = xcalloc(c->n_nodes + 1, sizeof(*out->v));
    out->n = c->n_nodes;
    for (size_t i = 0; i < c->n_nodes; i++) {
        out->v[i].node = xstrdup(c->nodes[i].name);
        out->v[i].has_maxcpu = out->v[i].has_maxmem = true;
        out->v[i].maxcpu = 16;
        out->v[i].maxmem = 64.0 * 1024 * 1024 * 1024;
    }
    return 0;
}

static char *f_node_version(void *ctx, const char *node)
{
    struct fake_node *n = fake_node(fe_of(ctx)->c, node);

    return n && n->version ? xstrdup(n->version) : NULL;
}

static int f_wd_open(void *ctx)
{
    struct fake_cluster *c = fe_of(ctx)->c;

    for (int i = 0; i < FAKE_MAX_WD; i++) {
        if (!c->wd[i].open) {
            c->wd[i] = (struct fake_wd){.open = true, .update_time = c->now};
            snprintf(c->wd[i].node, sizeof(c->wd[i].node), "%s", fe_of(ctx)->n->name);
            return i;
        }
    }
    return -1;
}

static bool f_wd_update(void *ctx, int h)
{
    struct fake_cluster *c = fe_of(ctx)->c;

    if (h < 0 || h >= FAKE_MAX_WD || !c->wd[h].open) {
        return false;
    }
    c->wd[h].update_time = c->now;
    c->wd[h].updates++;
    return true;
}

static bool f_wd_close(void *ctx, int h)
{
    struct fake_cluster *c = fe_of(ctx)->c;

    if (h < 0 || h >= FAKE_MAX_WD || !c->wd[h].open) {
        return false;
    }
    c->wd[h].open = false;
    return true;
}

int fake_wd_open_count(const struct fake_cluster *c, const char *node)
{
    int n = 0;

    for (int i = 0; i < FAKE_MAX_WD; i++) {
        n += c->wd[i].open && strcmp(c->wd[i].node, node) == 0;
    }
    return n;
}

int fake_wd_updates(const struct fake_cluster *c, const char *node)
{
    int n = 0;

    for (int i = 0; i < FAKE_MAX_WD; i++) {
        n += strcmp(c->wd[i].node, node) == 0 ? c->wd[i].updates : 0;
    }
    return n;
}

/* Resources: a running flag per node, config node moves on migration. */
static bool f_type_known(void *ctx, const char *type)
{
    return str_eq(type, "vm") || str_eq(type, "ct");
}

static bool f_running(void *ctx, const char *sid)
{
    return strlist_has(&fe_of(ctx)->n->running, sid);
}

static void running_del(struct strlist *l, const char *sid)
{
    struct strlist keep = {0};

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], sid) != 0) {
            strlist_add(&keep, l->v[i]);
        }
    }
    strlist_clear(l);
    *l = keep;
}

static void f_start(void *ctx, const char *sid)
{
    if (!strlist_has(&fe_of(ctx)->c->fail_start, sid) && !f_running(ctx, sid)) {
        strlist_add(&fe_of(ctx)->n->running, sid);
    }
}

static void f_shutdown(void *ctx, const char *sid, const char *timeout)
{
    if (!strlist_has(&fe_of(ctx)->c->fail_stop, sid)) {
        running_del(&fe_of(ctx)->n->running, sid);
    }
}

static bool f_migrate(void *ctx, const char *sid, const char *target, bool online)
{
    struct svc_conf *sc = svc_config_find(&fe_of(ctx)->c->cfg, sid);

    if (sc == NULL) {
        return false;
    }
    running_del(&fe_of(ctx)->n->running, sid);
    write_text(&sc->node, target);
    return true;
}

static char *f_remove_locks(void *ctx, const char *sid, const char *const *names)
{
    return NULL;
}

static int f_run_job(void *ctx, const struct lrm_job *job)
{
    return lrm_exec_job(&fe_of(ctx)->env, job);
}

void fake_env_init(struct fake_env *fe, struct fake_cluster *c, const char *node, const char *kind)
{
    struct ha_env *e = &fe->env;

    memset(fe, 0, sizeof(*fe));
    fe->c = c;
    fe->n = fake_node(c, node);
    snprintf(fe->actor, sizeof(fe->actor), "%s/%s", node, kind);
    e->ctx = fe;
    e->node = fe->n->name;
    e->now = f_now;
    e->log = f_log;
    e->notify = f_notify;
    e->quorate = f_quorate;
    e->get_node_info = f_node_info;
    e->cluster_state_update = f_cluster_update;
    e->is_node_shutdown = f_is_shutdown;
    e->get_manager_lock = f_get_manager_lock;
    e->release_manager_lock = f_release_manager_lock;
    e->get_agent_lock = f_get_agent_lock;
    e->release_agent_lock = f_release_agent_lock;
    e->read_manager_status = f_read_ms;
    e->write_manager_status = f_write_ms;
    e->read_lrm_status = f_read_lrm_status;
    e->write_lrm_status = f_write_lrm_status;
    e->read_service_config = f_read_cfg;
    e->update_service_config = f_update_cfg;
    e->steal_service = f_steal;
    e->read_rules_config = f_read_rules;
    e->write_rules_config = f_write_rules;
    e->read_group_config = f_read_groups;
    e->delete_group_config = f_delete_groups;
    e->read_crm_commands = f_read_commands;
    e->any_pending_crm_command = f_pending_commands;
    e->get_datacenter_settings = f_dc;
    e->get_service_stats = f_service_stats;
    e->get_node_stats = f_node_stats;
    e->get_node_version = f_node_version;
    e->watchdog_open = f_wd_open;
    e->watchdog_update = f_wd_update;
    e->watchdog_close = f_wd_close;
    e->res_type_known = f_type_known;
    e->res_check_running = f_running;
    e->res_start = f_start;
    e->res_shutdown = f_shutdown;
    e->res_migrate = f_migrate;
    e->res_remove_locks = f_remove_locks;
    e->run_job = f_run_job;
    e->lrm_status_written = &c->lrm_status_written;
}

void fake_init(struct fake_cluster *c, const char *const *nodes)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; nodes[i] != NULL && i < FAKE_MAX_NODES; i++) {
        struct fake_node *n = &c->nodes[c->n_nodes++];

        snprintf(n->name, sizeof(n->name), "%s", nodes[i]);
        n->online = n->cfs_update = true;
        n->version = xstrdup("9.0.0~2");
    }
    c->manager_status = xstrdup("");
    dc_settings_init(&c->dc);
}

void fake_free(struct fake_cluster *c)
{
    for (size_t i = 0; i < c->n_nodes; i++) {
        free(c->nodes[i].lrm_status);
        free(c->nodes[i].version);
        strlist_clear(&c->nodes[i].running);
    }
    for (size_t i = 0; i < c->n_locks; i++) {
        free(c->locks[i].name);
        free(c->locks[i].owner);
    }
    free(c->manager_status);
    svc_config_free(&c->cfg);
    free(c->rules);
    free(c->groups);
    strbuf_free(&c->commands);
    dc_settings_free(&c->dc);
    strlist_clear(&c->fail_start);
    strlist_clear(&c->fail_stop);
    strlist_clear(&c->log);
    memset(c, 0, sizeof(*c));
}

struct svc_conf *fake_add_service(
    struct fake_cluster *c, const char *sid, const char *node, const char *state, const char *group
)
{
    struct svc_conf *sc = svc_config_add(&c->cfg, sid);
    const char *colon = strchr(sid, ':');

    sc->type = xstrndup(sid, (size_t)(colon - sid));
    sc->name = xstrdup(colon + 1);
    sc->node = xstrdup(node);
    svc_conf_set_state(&c->cfg, sc, state ? state : "started");
    sc->group = group ? xstrdup(group) : NULL;
    sc->failback = sc->max_restart = sc->max_relocate = 1;
    return sc;
}

void fake_command(struct fake_cluster *c, const char *line)
{
    strbuf_addf(&c->commands, "%s\n", line);
}

int fake_logged(const struct fake_cluster *c, const char *needle)
{
    int n = 0;

    for (size_t i = 0; i < c->log.n; i++) {
        n += strstr(c->log.v[i], needle) != NULL;
    }
    return n;
}

void fake_log_clear(struct fake_cluster *c)
{
    strlist_clear(&c->log);
}

void fake_log_dump(const struct fake_cluster *c)
{
    for (size_t i = 0; i < c->log.n; i++) {
        fprintf(stderr, "  | %s\n", c->log.v[i]);
    }
}

static bool read_ms(const struct fake_cluster *c, struct manager_status *ms)
{
    char *err = NULL;
    bool ok = ms_from_json(c->manager_status, ms, &err) == 0;

    free(err);
    return ok;
}

enum svc_state fake_svc_state(const struct fake_cluster *c, const char *sid)
{
    struct manager_status ms;
    enum svc_state st = SS_NONE;

    if (read_ms(c, &ms)) {
        const struct sd *sd = ms_find_sd(&ms, sid);

        st = sd ? sd->state : SS_NONE;
        ms_free(&ms);
    }
    return st;
}

const char *fake_svc_node(const struct fake_cluster *c, const char *sid)
{
    static char buf[64];
    struct manager_status ms;

    buf[0] = '\0';
    if (read_ms(c, &ms)) {
        const struct sd *sd = ms_find_sd(&ms, sid);

        snprintf(buf, sizeof(buf), "%s", sd && sd->node ? sd->node : "");
        ms_free(&ms);
    }
    return buf;
}

int fake_node_state(const struct fake_cluster *c, const char *node)
{
    struct manager_status ms;
    int st = -1;

    if (read_ms(c, &ms)) {
        const struct node_entry *ne = ms_find_node(&ms, node);

        st = ne ? (int)ne->state : -1;
        ms_free(&ms);
    }
    return st;
}

const char *fake_lrm_mode(const struct fake_cluster *c, const char *node)
{
    static char buf[32];
    const struct fake_node *n = NULL;
    struct lrm_status ls;
    char *err = NULL;

    for (size_t i = 0; i < c->n_nodes; i++) {
        n = strcmp(c->nodes[i].name, node) == 0 ? &c->nodes[i] : n;
    }
    buf[0] = '\0';
    if (n != NULL && n->lrm_status != NULL && lrm_status_from_json(n->lrm_status, &ls, &err) == 0) {
        snprintf(buf, sizeof(buf), "%s", ls.mode ? ls.mode : "");
        lrm_status_free(&ls);
    }
    free(err);
    return buf;
}
