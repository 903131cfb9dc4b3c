/* daemon_env.c - struct ha_env of the real daemons on kv/store.h
 * (applets/README.md): clock, logging, quorum and members,
 * locks with upstream's transition log lines, manager_status with its
 * fencing token, lrm_status, rules and groups, the command spool. Config
 * and registry: daemon_cfg.c; watchdog and shutdown check: daemon_node.c. */
#include "applets/daemon/daemon.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "applets/daemon/obs.h"
#include "applets/log.h"
#include "cJSON.h"
#include "state/str.h"

#define MANAGER_LOCK "ha_manager_lock"
#define MANAGER_STATUS "ha/manager_status"

static struct daemon *D(void *ctx)
{
    return ctx;
}

/* Every line goes through applets/log.c: syslog, log_file or stderr, one
 * format, repeated warnings counted rather than logged each round. */
static void log_line(struct daemon *d, enum ha_level level, const char *msg)
{
    static const int prio[] = {
        [HA_ERR] = LOG_ERR,   [HA_WARNING] = LOG_WARNING, [HA_NOTICE] = LOG_NOTICE,
        [HA_INFO] = LOG_INFO, [HA_DEBUG] = LOG_DEBUG,     [HA_EMAIL] = LOG_NOTICE,
    };
    size_t len = strlen(msg);
    char *text;

    if ((unsigned)level >= sizeof(prio) / sizeof(prio[0])) {
        level = HA_INFO; /* HA_QUIRK_NL: upstream's broken level, logged as info */
    }
    while (len > 0 && msg[len - 1] == '\n') {
        len--;
    }
    text = xstrndup(msg, len);
    log_text(prio[level], text);
    free(text);
}

void daemon_log(struct daemon *d, enum ha_level level, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    log_line(d, level, msg);
    free(msg);
}

const char *daemon_agent_lock(const struct daemon *d)
{
    static char name[96];

    snprintf(name, sizeof(name), "ha_agent_%s_lock", d->conf.node);
    return name;
}

static int64_t env_now(void *ctx)
{
    return time(NULL);
}

static void env_log_cb(void *ctx, enum ha_level level, const char *msg)
{
    log_line(D(ctx), level, msg);
}

/* send_notification: a log line for now. */
static void env_notify(void *ctx, const char *prefix, const char *text)
{
    daemon_log(D(ctx), HA_NOTICE, "%s: %s", prefix, text);
}

static bool env_quorate(void *ctx)
{
    return kv_quorate(D(ctx)->store);
}

static int env_node_info(void *ctx, struct node_info_list *out, char **err)
{
    struct daemon *d = ctx;
    struct kv_member *m = NULL;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    if (kv_members(d->store, &m, &n, err) != 0) {
        return -1;
    }
    out->v = xcalloc(n ? n : 1, sizeof(*out->v));
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        out->v[i].node = xstrdup(m[i].name);
        out->v[i].online = m[i].online || str_eq(m[i].name, d->conf.node);
    }
    kv_free_members(m, n);
    return 0;
}

/* Every CRM watches every lock each round, an LRM its own. */
static void observe_locks(struct daemon *d)
{
    if (str_eq(d->role, "lrm")) {
        kv_lock_observe(d->store, daemon_agent_lock(d));
        return;
    }
    kv_lock_observe(d->store, MANAGER_LOCK);
    kv_lock_observe_prefix(d->store, "ha_agent_");
}

/* Keep the last good resources.cfg current even where the core reads it
 * only inside workers (the LRM), so that a later bad file falls back. */
static void refresh_config(struct daemon *d)
{
    struct svc_config sc;
    char *err = NULL;

    if (daemon_read_service_config(d, &sc, &err) == 0) {
        svc_config_free(&sc);
    }
    free(err);
}

static bool env_cluster_update(void *ctx)
{
    struct daemon *d = ctx;
    char *err = NULL;

    if (kv_probe(d->store, &err) != 0) {
        metrics_store_error();
        daemon_log(
            d, HA_WARNING, "cluster file system update failed - %s", err ? err : "unknown error"
        );
        free(err);
        return false;
    }
    observe_locks(d);
    refresh_config(d);
    return true;
}

static struct lock_seen *lock_seen(struct daemon *d, const char *name)
{
    for (size_t i = 0; i < d->n_locks; i++) {
        if (strcmp(d->locks[i].name, name) == 0) {
            return &d->locks[i];
        }
    }
    d->locks = xrealloc(d->locks, (d->n_locks + 1) * sizeof(*d->locks));
    d->locks[d->n_locks].name = xstrdup(name);
    d->locks[d->n_locks].got = false;
    return &d->locks[d->n_locks++];
}

/* Upstream's get_lock: log only the transitions, with upstream's quirk. */
static bool lock_get(struct daemon *d, const char *name)
{
    struct lock_seen *ls = lock_seen(d, name);
    char *err = NULL;
    int64_t t0 = kv_now_ms();
    bool got = kv_lock_get(d->store, name, &err) == 0;

    if (ls->got && (str_eq(name, MANAGER_LOCK) || str_eq(name, daemon_agent_lock(d)))) {
        metrics_lock_renewal((double)(kv_now_ms() - t0) / 1000., got);
    }

    if (got && !ls->got) {
        daemon_log(d, HA_INFO, "successfully acquired lock '%s'", name);
    } else if (!got && ls->got) {
        daemon_log(d, HA_ERR, "lost lock '%s%s%s", name, err ? " - " : "", err ? err : "");
    }
    ls->got = got;
    free(err);
    return got;
}

static bool lock_release(struct daemon *d, const char *name)
{
    lock_seen(d, name)->got = false;
    return kv_lock_release(d->store, name);
}

static bool env_get_manager_lock(void *ctx)
{
    return lock_get(D(ctx), MANAGER_LOCK);
}

static bool env_release_manager_lock(void *ctx)
{
    return lock_release(D(ctx), MANAGER_LOCK);
}

static bool env_get_agent_lock(void *ctx, const char *node)
{
    struct daemon *d = ctx;
    char *name = xasprintf("ha_agent_%s_lock", node ? node : d->conf.node);
    bool got = lock_get(d, name);

    free(name);
    workers_lease_changed(d);
    return got;
}

static bool env_release_agent_lock(void *ctx)
{
    struct daemon *d = ctx;
    bool ok = lock_release(d, daemon_agent_lock(d));

    workers_lease_changed(d);
    return ok;
}

/* Read a store file; absent gives "" (the core's empty document). */
static int read_text(struct daemon *d, const char *path, char **text, char **err)
{
    size_t len;
    int rc = kv_read(d->store, path, text, &len, err);

    if (rc == 1) {
        *text = xstrdup("");
        return 0;
    }
    if (rc != 0) {
        metrics_store_error();
    }
    return rc;
}

/* Re-insert a child so the object's keys stay sorted (compact, sorted JSON). */
static void add_sorted(cJSON *obj, const char *key, cJSON *item)
{
    cJSON *c = obj->child;
    int idx = 0;

    while (c != NULL && c->string != NULL && strcmp(c->string, key) < 0) {
        c = c->next;
        idx++;
    }
    if (c == NULL) {
        cJSON_AddItemToObject(obj, key, item);
    } else {
        item->string = xstrdup(key);
        cJSON_InsertItemInArray(obj, idx, item);
    }
}

/* Strip the fencing token and reject a status older than one seen. */
static int env_read_ms(void *ctx, char **json, char **err)
{
    struct daemon *d = ctx;
    cJSON *root, *tok;
    uint64_t t;

    if (read_text(d, MANAGER_STATUS, json, err) != 0) {
        return -1;
    }
    if ((*json)[0] == '\0') {
        return 0;
    }
    root = cJSON_Parse(*json);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return 0; /* the core reports the parse error */
    }
    tok = cJSON_DetachItemFromObjectCaseSensitive(root, "fencing_token");
    if (tok != NULL && cJSON_IsNumber(tok)) {
        t = (uint64_t)tok->valuedouble;
        if (t < d->max_token) {
            *err = xasprintf(
                "stale manager status (fencing token %llu < %llu)", (unsigned long long)t,
                (unsigned long long)d->max_token
            );
            cJSON_Delete(tok);
            cJSON_Delete(root);
            free(*json);
            *json = NULL;
            return -1;
        }
        d->max_token = t;
        free(*json);
        *json = cJSON_PrintUnformatted(root);
    }
    cJSON_Delete(tok);
    cJSON_Delete(root);
    return 0;
}

/* A status file, written only when it changed (status_memo.c): 1 when it
 * was written, 0 when it was left as it is, -1 on an error. */
static int write_status(
    struct daemon *d,
    struct status_memo *memo,
    const char *path,
    const char *text,
    const char *guard,
    char **err
)
{
    struct status_memo next;
    int rc;

    if (status_memo_unchanged(memo, text, status_memo_refresh_s(d->conf.loop_interval), &next)) {
        return 0;
    }
    rc = kv_write(d->store, path, text, strlen(text), guard, err);
    if (rc != 0) {
        metrics_store_error();
    }
    *memo = next;
    memo->valid = memo->valid && rc == 0;
    return rc == 0 ? 1 : -1;
}

static int env_write_ms(void *ctx, const char *json, char **err)
{
    struct daemon *d = ctx;
    /* the generation now: on a folder it grows with every renewal, so each
     * status written carries a higher token than the last and a reader
     * refuses an older one a cache may serve (the memo leaves the token out
     * of its comparison: an unchanged status is still not rewritten) */
    uint64_t token = kv_lock_generation(d->store, MANAGER_LOCK);
    cJSON *root = cJSON_Parse(json);
    char *text;
    int rc;

    if (token == 0) {
        cJSON_Delete(root);
        *err = xstrdup("lost manager lock - not writing manager status");
        return -1;
    }
    if (root == NULL) {
        *err = xstrdup("invalid manager status");
        return -1;
    }
    metrics_manager_status(json);
    add_sorted(root, "fencing_token", cJSON_CreateNumber((double)token));
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    rc = write_status(d, &d->ms_memo, MANAGER_STATUS, text, MANAGER_LOCK, err);
    /* only a token that reached the store: the one there stays older while
     * an unchanged status is not rewritten, and our own read must take it */
    if (rc > 0 && token > d->max_token) {
        d->max_token = token;
    }
    free(text);
    return rc < 0 ? -1 : 0;
}

static int env_read_lrm_status(void *ctx, const char *node, char **json, char **err)
{
    struct daemon *d = ctx;
    char *path = xasprintf("nodes/%s/lrm_status", node);
    size_t len;
    int rc = kv_read(d->store, path, json, &len, err);

    if (rc == 1) {
        daemon_log(d, HA_WARNING, "unable to read file '%s'", path);
        *json = xstrdup("{\"mode\":\"unknown\"}");
        rc = 0;
    }
    free(path);
    return rc;
}

static int env_write_lrm_status(void *ctx, const char *json, char **err)
{
    struct daemon *d = ctx;
    char *path = xasprintf("nodes/%s/lrm_status", d->conf.node);
    int rc = write_status(d, &d->lrm_memo, path, json, NULL, err);

    free(path);
    return rc < 0 ? -1 : 0;
}

static int env_read_rules(void *ctx, char **text, char **err)
{
    return read_text(D(ctx), "ha/rules.cfg", text, err);
}

static int write_rules_locked(struct daemon *d, void *arg, char **err)
{
    const char *text = arg;

    return kv_write(d->store, "ha/rules.cfg", text, strlen(text), "domain-ha", err);
}

static int env_write_rules(void *ctx, const char *text, char **err)
{
    return daemon_with_domain_lock(D(ctx), write_rules_locked, (void *)(uintptr_t)text, err);
}

static int env_read_groups(void *ctx, char **text, char **err)
{
    return read_text(D(ctx), "ha/groups.cfg", text, err);
}

static int delete_groups_locked(struct daemon *d, void *arg, char **err)
{
    return kv_remove(d->store, "ha/groups.cfg", err);
}

static int env_delete_groups(void *ctx, char **err)
{
    return daemon_with_domain_lock(D(ctx), delete_groups_locked, NULL, err);
}

static int env_read_crm_commands(void *ctx, char **text, char **err)
{
    return kv_spool_take(D(ctx)->store, text, err);
}

static bool env_pending_crm_command(void *ctx)
{
    return kv_spool_pending(D(ctx)->store);
}

static int env_read_cfg(void *ctx, struct svc_config *out, char **err)
{
    return daemon_read_service_config(D(ctx), out, err);
}

static int
env_update_cfg(void *ctx, const char *sid, const char *key, const char *value, char **err)
{
    return daemon_update_service_config(D(ctx), sid, key, value, err);
}

static int env_steal(void *ctx, const char *sid, const char *cur, const char *to, char **err)
{
    return daemon_steal_service(D(ctx), sid, cur, to, err);
}

static void env_dc(void *ctx, struct dc_settings *out)
{
    int max_workers;

    daemon_datacenter(D(ctx), out, &max_workers);
}

/* Basic stats only: every registered sid. */
static int env_service_stats(void *ctx, const char *mode, struct svc_stats_list *out, char **err)
{
    struct svc_config sc = {0};

    memset(out, 0, sizeof(*out));
    if (daemon_read_service_config(D(ctx), &sc, err) != 0) {
        return -1;
    }
    svc_stats_from_config(&sc, out);
    svc_config_free(&sc);
    return 0;
}

static int env_node_stats(void *ctx, const char *mode, struct node_stats_list *out, char **err)
{
    memset(out, 0, sizeof(*out));
    *err = xstrdup("not supported by the dir store");
    return -1;
}

static char *env_node_version(void *ctx, const char *node)
{
    struct daemon *d = ctx;
    struct kv_member *m = NULL;
    size_t n = 0;
    char *err = NULL;
    bool member = false;

    if (kv_members(d->store, &m, &n, &err) != 0) {
        free(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        member = member || str_eq(m[i].name, node);
    }
    kv_free_members(m, n);
    return member ? xstrdup("9.1.0") : NULL;
}

/* An error escaped an iteration: upstream's daemon dies; an open
 * watchdog then resets the node, as it must when the state is unknown. */
static void env_unhandled_error(void *ctx, const char *err)
{
    daemon_log(D(ctx), HA_ERR, "ERROR: %s", err);
    exit(1);
}

static void env_sleep(void *ctx, int64_t seconds)
{
    daemon_sleep(D(ctx), seconds);
}

void daemon_env_init(struct daemon *d)
{
    struct ha_env *e = &d->env;

    snprintf(d->actor, sizeof(d->actor), "%s/%s", d->conf.node, d->role);
    e->ctx = d;
    e->node = d->conf.node;
    e->timing = &d->timing;
    e->now = env_now;
    e->log = env_log_cb;
    e->notify = env_notify;
    e->quorate = env_quorate;
    e->get_node_info = env_node_info;
    e->cluster_state_update = env_cluster_update;
    e->get_manager_lock = env_get_manager_lock;
    e->release_manager_lock = env_release_manager_lock;
    e->get_agent_lock = env_get_agent_lock;
    e->release_agent_lock = env_release_agent_lock;
    e->read_manager_status = env_read_ms;
    e->write_manager_status = env_write_ms;
    e->read_lrm_status = env_read_lrm_status;
    e->write_lrm_status = env_write_lrm_status;
    e->read_service_config = env_read_cfg;
    e->update_service_config = env_update_cfg;
    e->steal_service = env_steal;
    e->read_rules_config = env_read_rules;
    e->write_rules_config = env_write_rules;
    e->read_group_config = env_read_groups;
    e->delete_group_config = env_delete_groups;
    e->read_crm_commands = env_read_crm_commands;
    e->any_pending_crm_command = env_pending_crm_command;
    e->get_datacenter_settings = env_dc;
    e->get_service_stats = env_service_stats;
    e->get_node_stats = env_node_stats;
    e->get_node_version = env_node_version;
    e->sleep = env_sleep;
    e->unhandled_error = env_unhandled_error;
    e->lrm_status_written = &d->lrm_status_written;
    daemon_node_install(e);
    agent_install(e);
    if (str_eq(d->role, "lrm")) {
        workers_install(d);
    }
}
