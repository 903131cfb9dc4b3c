/* sim_load.c - read a scenario folder and seed the simulated cluster
 * (applets/sim/README.md). Absent files get their defaults; malformed ones
 * fail with an error naming the file. The folder is only ever read. */
#include "applets/sim/sim_codec.h"
#include "applets/sim/sim_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "state/codec.h"
#include "state/crm.h"
#include "state/lrm.h"

#define SIM_FILE_MAX (16 << 20)

/* 1 read, 0 absent, -1 error (*err set). *out is malloc'd (caller frees). */
static int slurp(const char *dir, const char *name, char **out, char **err)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct strbuf sb = {0};
    struct stat st;
    char buf[8192];
    size_t got;
    FILE *f = NULL;
    int rc = 1;

    *out = NULL;
    /* Checked before opening: a FIFO would block, a device never end. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        *err = xasprintf("%s: not a regular file", path);
        free(path);
        return -1;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = errno == ENOENT ? 0 : -1;
        if (rc < 0) {
            *err = xasprintf("%s: %s", path, strerror(errno));
        }
        free(path);
        return rc;
    }
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len <= SIM_FILE_MAX) {
        strbuf_addn(&sb, buf, got);
    }
    if (ferror(f) || sb.len > SIM_FILE_MAX) {
        *err = xasprintf("%s: %s", path, ferror(f) ? strerror(errno) : "file too large");
        rc = -1;
    } else if (memchr(strbuf_str(&sb), '\0', sb.len) != NULL) {
        /* the parsers would silently stop at the NUL */
        *err = xasprintf("%s: binary data (NUL byte)", path);
        rc = -1;
    }
    fclose(f);
    free(path);
    *out = rc > 0 ? strbuf_take(&sb) : NULL;
    strbuf_free(&sb);
    return rc;
}

/* A present input file must say something: the codecs read "" as an empty
 * document, which is right for runtime files but hides a truncated input. */
static bool blank(const char *text)
{
    return text[strspn(text, " \t\r\n")] == '\0';
}

/* Read and parse a JSON file of the given cJSON type; NULL + 0 if absent. */
static int load_json(const char *dir, const char *name, int type, cJSON **out, char **err)
{
    char *text = NULL;
    int rc = slurp(dir, name, &text, err);

    *out = NULL;
    if (rc <= 0) {
        return rc;
    }
    *out = cJSON_Parse(text);
    free(text);
    if (*out == NULL || ((*out)->type & 0xff) != type) {
        *err = xasprintf("%s/%s: %s", dir, name, *out ? "unexpected JSON type" : "invalid JSON");
        cJSON_Delete(*out);
        *out = NULL;
        return -1;
    }
    return 1;
}

static int load_cmdlist(struct sim *sim, const char *dir, bool optional, char **err)
{
    cJSON *root, *batch, *cmd;
    int rc = load_json(dir, "cmdlist", cJSON_Array, &root, err);

    if (rc == 0 && optional) {
        sim->batches = xcalloc(1, sizeof(*sim->batches));
        return 0;
    }
    if (rc == 0) {
        *err = xasprintf("%s/cmdlist: missing", dir);
    }
    if (rc <= 0) {
        return -1;
    }
    sim->n_batches = (size_t)cJSON_GetArraySize(root);
    sim->batches = xcalloc(sim->n_batches + 1, sizeof(*sim->batches));
    size_t i = 0;
    cJSON_ArrayForEach(batch, root)
    {
        size_t j = 0;

        if (!cJSON_IsArray(batch)) {
            *err = xasprintf("%s/cmdlist: batch %zu is not an array", dir, i + 1);
            cJSON_Delete(root);
            return -1;
        }
        sim->batches[i] = xcalloc((size_t)cJSON_GetArraySize(batch) + 1, sizeof(char *));
        cJSON_ArrayForEach(cmd, batch)
        {
            if (!cJSON_IsString(cmd)) {
                *err = xasprintf("%s/cmdlist: batch %zu: command is not a string", dir, i + 1);
                cJSON_Delete(root);
                return -1;
            }
            sim->batches[i][j++] = xstrdup(cmd->valuestring);
        }
        i++;
    }
    cJSON_Delete(root);
    return 0;
}

static bool valid_node_name(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len >= SIM_NAME_MAX || s[0] == '.' || s[0] == '-') {
        return false;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

static bool json_on(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) && strcmp(v->valuestring, "on") == 0;
}

static void json_num(const cJSON *obj, const char *key, bool *has, double *val)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    *has = cJSON_IsNumber(v);
    *val = *has ? v->valuedouble : 0;
    if (cJSON_IsString(v)) { /* numbers may come as strings */
        char *end;

        *val = strtod(v->valuestring, &end);
        *has = end != v->valuestring && *end == '\0';
    }
}

static void node_from_json(struct sim_node *n, const cJSON *obj)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "pve-manager-version");
    const cJSON *cfs = cJSON_GetObjectItemCaseSensitive(obj, "cfs");

    n->power = json_on(obj, "power");
    n->network = json_on(obj, "network");
    json_num(obj, "maxcpu", &n->has_maxcpu, &n->maxcpu);
    json_num(obj, "maxmem", &n->has_maxmem, &n->maxmem);
    n->version = cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
    v = cJSON_GetObjectItemCaseSensitive(obj, "shutdown");
    n->shutdown = cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
    v = cJSON_GetObjectItemCaseSensitive(cfs, "rw");
    n->cfs_rw = !cJSON_IsFalse(v);
    v = cJSON_GetObjectItemCaseSensitive(cfs, "update");
    n->cfs_update = !cJSON_IsFalse(v);
}

static int cmp_node(const void *a, const void *b)
{
    return strcmp(((const struct sim_node *)a)->name, ((const struct sim_node *)b)->name);
}

static void default_nodes(struct sim *sim)
{
    sim->n_nodes = 3;
    sim->nodes = xcalloc(3, sizeof(*sim->nodes));
    for (size_t i = 0; i < 3; i++) {
        struct sim_node *n = &sim->nodes[i];

        n->name = xasprintf("node%zu", i + 1);
        n->has_maxcpu = n->has_maxmem = true;
        n->maxcpu = 24;
        n->maxmem = 137438953472.0;
        n->cfs_rw = n->cfs_update = true;
    }
}

static int load_hardware(struct sim *sim, const char *dir, char **err)
{
    cJSON *root, *item;
    int rc = load_json(dir, "hardware_status", cJSON_Object, &root, err);

    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        default_nodes(sim);
        return 0;
    }
    int count = cJSON_GetArraySize(root);
    if (count > SIM_MAX_NODES) {
        *err = xasprintf(
            "%s/hardware_status: %d nodes, at most %d supported", dir, count, SIM_MAX_NODES
        );
        cJSON_Delete(root);
        return -1;
    }
    sim->nodes = xcalloc((size_t)count + 1, sizeof(*sim->nodes));
    cJSON_ArrayForEach(item, root)
    {
        if (!valid_node_name(item->string) || !cJSON_IsObject(item) ||
            sim_node_find(sim, item->string) != NULL) {
            *err = xasprintf("%s/hardware_status: bad node entry '%s'", dir, item->string);
            cJSON_Delete(root);
            return -1;
        }
        sim->nodes[sim->n_nodes].name = xstrdup(item->string);
        node_from_json(&sim->nodes[sim->n_nodes++], item);
    }
    cJSON_Delete(root);
    qsort(sim->nodes, sim->n_nodes, sizeof(*sim->nodes), cmp_node);
    return 0;
}

static const char default_services[] =
    "{\"vm:101\":{\"node\":\"node1\"},\"vm:102\":{\"node\":\"node2\"},"
    "\"vm:103\":{\"node\":\"node3\"},\"vm:104\":{\"node\":\"node1\"},"
    "\"vm:105\":{\"node\":\"node2\"},\"vm:106\":{\"node\":\"node3\"}}";

static int load_services(struct sim *sim, const char *dir, char **err)
{
    char *text = NULL, *why = NULL;
    int rc = slurp(dir, "service_config", &text, err);

    if (rc < 0) {
        return -1;
    }
    if (rc > 0 && blank(text)) {
        why = xstrdup("empty file");
    } else if (svc_config_from_sim_json(rc ? text : default_services, true, &sim->cfg, &why) != 0) {
        why = why ? why : xstrdup("invalid");
    }
    for (size_t i = 0; why == NULL && i < sim->cfg.n; i++) {
        if (sim->cfg.v[i].node == NULL || sim->cfg.v[i].node[0] == '\0') {
            why = xasprintf("service '%s': missing node", sim->cfg.v[i].sid);
        }
    }
    if (why != NULL) {
        *err = xasprintf("%s/service_config: %s", dir, why);
        rc = -1;
    }
    free(why);
    free(text);
    if (rc < 0) {
        return -1;
    }
    sim_cfg_normalize(&sim->cfg);
    sim_cfg_written(sim);
    return 0;
}

/* The manager status stays text; it only has to be a JSON object. */
static int load_manager_status(struct sim *sim, const char *dir, char **err)
{
    int rc = slurp(dir, "manager_status", &sim->manager_status, err);
    cJSON *root;

    if (rc <= 0) {
        return rc;
    }
    root = cJSON_Parse(sim->manager_status);
    if (!cJSON_IsObject(root)) {
        *err = xasprintf("%s/manager_status: %s", dir, root ? "not a JSON object" : "invalid JSON");
        rc = -1;
    }
    cJSON_Delete(root);
    return rc < 0 ? -1 : 0;
}

static int load_datacenter(struct sim *sim, const char *dir, char **err)
{
    char *why = NULL;
    int rc = slurp(dir, "datacenter.cfg", &sim->datacenter, err);

    dc_settings_init(&sim->dc);
    if (rc <= 0) {
        return rc;
    }
    dc_settings_free(&sim->dc);
    if (blank(sim->datacenter)) {
        *err = xasprintf("%s/datacenter.cfg: empty file", dir);
        return -1;
    }
    if (dc_settings_from_json(sim->datacenter, &sim->dc, &why) != 0) {
        *err = xasprintf("%s/datacenter.cfg: %s", dir, why ? why : "invalid");
        free(why);
        return -1;
    }
    return 0;
}

static int load_stats(struct sim_usage_map *m, const char *dir, const char *name, char **err)
{
    cJSON *root, *item;
    int rc = load_json(dir, name, cJSON_Object, &root, err);

    if (rc <= 0) {
        return rc;
    }
    cJSON_ArrayForEach(item, root)
    {
        struct sim_usage *u;

        if (!cJSON_IsObject(item)) {
            *err = xasprintf("%s/%s: entry '%s' is not an object", dir, name, item->string);
            cJSON_Delete(root);
            return -1;
        }
        u = sim_usage_get(m, item->string);
        json_num(item, "maxcpu", &u->has_maxcpu, &u->maxcpu);
        json_num(item, "maxmem", &u->has_maxmem, &u->maxmem);
        json_num(item, "cpu", &u->has_cpu, &u->cpu);
        json_num(item, "mem", &u->has_mem, &u->mem);
    }
    cJSON_Delete(root);
    return 1;
}

/* Absent stats files are generated. */
static int load_all_stats(struct sim *sim, const char *dir, char **err)
{
    int rc = load_stats(&sim->static_stats, dir, "static_service_stats", err);

    if (rc < 0) {
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < sim->cfg.n; i++) {
        struct sim_usage *u = sim_usage_get(&sim->static_stats, sim->cfg.v[i].sid);

        u->has_maxcpu = u->has_maxmem = true;
        u->maxcpu = 4.0;
        u->maxmem = 4294967296.0;
    }
    rc = load_stats(&sim->dynamic_stats, dir, "dynamic_service_stats", err);
    if (rc < 0) {
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < sim->static_stats.n; i++) {
        struct sim_usage *u = sim_usage_get(&sim->dynamic_stats, sim->static_stats.v[i].sid);

        u->has_cpu = u->has_mem = true;
        u->cpu = 2.0;
        u->mem = 2147483648.0;
    }
    return 0;
}

static int load_running(struct sim *sim, struct sim_node *n, const char *dir, char **err)
{
    char *name = xasprintf("service_status_%s", n->name);
    cJSON *root, *item;
    int rc = load_json(dir, name, cJSON_Object, &root, err);

    free(name);
    if (rc <= 0) {
        return rc;
    }
    cJSON_ArrayForEach(item, root)
    {
        int v = cJSON_IsNumber(item) ? item->valueint : cJSON_IsTrue(item);

        *sim_imap_get(&n->running, item->string) = v;
    }
    cJSON_Delete(root);
    return 0;
}

static int load_texts(struct sim *sim, const char *dir, char **err)
{
    if (slurp(dir, "rules_config", &sim->rules, err) < 0 ||
        slurp(dir, "groups", &sim->groups, err) < 0 ||
        slurp(dir, "fence.cfg", &sim->fence, err) < 0) {
        return -1;
    }
    return 0;
}

static int load_all(struct sim *sim, const char *dir, unsigned flags, char **err)
{
    if (load_cmdlist(sim, dir, (flags & SIM_CMDLIST_OPTIONAL) != 0, err) < 0 ||
        load_hardware(sim, dir, err) < 0 || load_manager_status(sim, dir, err) < 0 ||
        load_services(sim, dir, err) < 0 || load_texts(sim, dir, err) < 0 ||
        load_datacenter(sim, dir, err) < 0 || load_all_stats(sim, dir, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < sim->n_nodes; i++) {
        if (load_running(sim, &sim->nodes[i], dir, err) < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < sim->n_batches; i++) {
        for (size_t j = 0; sim->batches[i][j] != NULL; j++) {
            char *why = sim_cmd_check(sim, sim->batches[i][j]);
            if (why != NULL) {
                *err = xasprintf("%s/cmdlist: batch %zu: %s", dir, i + 1, why);
                free(why);
                return -1;
            }
        }
    }
    return 0;
}

struct sim *sim_load(const char *dir, char **err)
{
    return sim_load_flags(dir, 0, err);
}

struct sim *sim_load_flags(const char *dir, unsigned flags, char **err)
{
    struct sim *sim;
    struct stat st;

    *err = NULL;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *err = xasprintf("%s: not a scenario folder", dir);
        return NULL;
    }
    sim = xcalloc(1, sizeof(*sim));
    if (load_all(sim, dir, flags, err) < 0) {
        sim_free(sim);
        return NULL;
    }
    for (size_t i = 0; i < sim->n_nodes; i++) {
        struct sim_node *n = &sim->nodes[i];

        sim_daemon_init(sim, n, &n->crm_d, false);
        sim_daemon_init(sim, n, &n->lrm_d, true);
    }
    return sim;
}

void sim_set_output(struct sim *sim, FILE *log, FILE *echo)
{
    sim->log = log;
    sim->echo = echo;
}

void sim_set_batch_source(struct sim *sim, sim_batch_fn fn, void *ctx)
{
    sim->more = fn;
    sim->more_ctx = ctx;
}

long long sim_time(const struct sim *sim)
{
    return (long long)sim->t;
}

static void node_free(struct sim_node *n)
{
    crm_free(n->crm);
    lrm_free(n->lrm);
    free(n->name);
    free(n->shutdown);
    free(n->version);
    free(n->lrm_status);
    sim_imap_clear(&n->running);
}

void sim_free(struct sim *sim)
{
    if (sim == NULL) {
        return;
    }
    for (size_t i = 0; i < sim->n_nodes; i++) {
        node_free(&sim->nodes[i]);
    }
    free(sim->nodes);
    for (size_t i = 0; sim->batches != NULL && i < sim->n_batches; i++) {
        for (size_t j = 0; sim->batches[i] != NULL && sim->batches[i][j] != NULL; j++) {
            free(sim->batches[i][j]);
        }
        free(sim->batches[i]);
    }
    free(sim->batches);
    free(sim->manager_status);
    svc_config_free(&sim->cfg);
    svc_config_free(&sim->copy);
    free(sim->rules);
    free(sim->groups);
    free(sim->fence);
    free(sim->datacenter);
    dc_settings_free(&sim->dc);
    strbuf_free(&sim->crm_commands);
    sim_usage_clear(&sim->static_stats);
    sim_usage_clear(&sim->dynamic_stats);
    sim_locks_free(sim);
    sim_imap_clear(&sim->fa_start_fail);
    sim_imap_clear(&sim->fa_migrate_fail);
    free(sim->abort_err);
    free(sim);
}
