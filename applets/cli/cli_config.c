/* cli_config.c - the resources commands of ha-manager: config, add, set,
 * remove. Changes run under domain-ha,
 * re-read resources.cfg inside it (strictly: a malformed file is never
 * rewritten) and replace the files atomically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/codec.h"
#include "state/sha1.h"
#include "state/str.h"

/* An error a loader has already printed (cli_locked prints nothing more). */
#define PRINTED xstrdup("")

struct res_key {
    const char *name;
    unsigned bit;
};

static const struct res_key res_keys[] = {
    {"comment", SVC_KEY_COMMENT},
    {"failback", SVC_KEY_FAILBACK},
    {"group", SVC_KEY_GROUP},
    {"max_relocate", SVC_KEY_MAX_RELOCATE},
    {"max_restart", SVC_KEY_MAX_RESTART},
    {"state", SVC_KEY_STATE},
};
#define N_RES_KEYS (sizeof(res_keys) / sizeof(res_keys[0]))

/* The value of a stored key as text (caller frees): a comment may have
 * 4096 characters of up to four bytes each. */
static char *key_value(const struct svc_conf *s, unsigned bit)
{
    switch (bit) {
    case SVC_KEY_COMMENT:
        return xstrdup(s->comment ? s->comment : "");
    case SVC_KEY_FAILBACK:
        return xasprintf("%d", s->failback ? 1 : 0);
    case SVC_KEY_GROUP:
        return xstrdup(s->group ? s->group : "");
    case SVC_KEY_MAX_RELOCATE:
        return xasprintf("%d", s->max_relocate);
    case SVC_KEY_MAX_RESTART:
        return xasprintf("%d", s->max_restart);
    default:
        return xstrdup(svc_conf_state(s) ? svc_conf_state(s) : "");
    }
}

/* One resource's entry: its JSON object, returned, and its text block,
 * appended to out. The group is left out once groups became rules. */
static cJSON *
config_entry(const struct svc_conf *s, const char *digest, bool migrated, struct strbuf *out)
{
    cJSON *o = cJSON_CreateObject();

    cli_json_add_str(o, "sid", s->sid);
    cli_json_add_str(o, "type", s->type);
    cli_json_add_str(o, "digest", digest);
    cli_json_add_str(o, "node", s->node);
    strbuf_addf(out, "%s\n", s->sid);
    for (size_t k = 0; k < N_RES_KEYS; k++) {
        if (!(s->keys & res_keys[k].bit) || (res_keys[k].bit == SVC_KEY_GROUP && migrated)) {
            continue;
        }
        char *val = key_value(s, res_keys[k].bit);
        strbuf_addf(out, "\t%s %s\n", res_keys[k].name, val);
        bool num =
            res_keys[k].bit & (SVC_KEY_FAILBACK | SVC_KEY_MAX_RELOCATE | SVC_KEY_MAX_RESTART);
        long long n;
        if (num && str_to_ll(val, 0, SVC_TRIES_MAX, &n) == STR_INT_OK) {
            cli_json_add_int(o, res_keys[k].name, n);
        } else {
            cli_json_add_str(o, res_keys[k].name, val);
        }
        free(val);
    }
    strbuf_add(out, "\n");
    return o;
}

int cli_config(struct cli *c)
{
    struct svc_config sc;
    struct groups g;
    char digest[SHA1_HEX_LEN + 1];
    const char *type = cli_param(c, "type");
    int rc = cli_load_resources_shown(c, &sc, digest);

    if (rc != 0) {
        return rc;
    }
    if ((rc = cli_load_groups(c, &g)) != 0) {
        svc_config_free(&sc);
        return rc;
    }
    bool migrated = cli_groups_migrated(&g);
    cJSON *arr = cJSON_CreateArray();
    struct strbuf out = {0};

    for (size_t i = 0; i < sc.n; i++) {
        const struct svc_conf *s = &sc.v[i];
        if (type != NULL && strcmp(type, s->type) != 0) {
            continue;
        }
        if (s->group != NULL && !migrated && groups_find(&g, s->group) == NULL) {
            fprintf(stderr, "error: property 'group' - group '%s' does not exist\n", s->group);
        }
        cJSON_AddItemToArray(arr, config_entry(s, digest, migrated, &out));
    }
    if (c->fmt == FMT_TEXT) {
        cli_print_text(stdout, strbuf_str(&out));
    } else {
        cli_json_output(c, arr);
    }
    strbuf_free(&out);
    cJSON_Delete(arr);
    groups_free(&g);
    svc_config_free(&sc);
    return EXIT_OK;
}

/* Apply the options of add/set to s; NULL or an error. */
static char *apply_options(struct cli *c, struct svc_config *sc, struct svc_conf *s)
{
    const char *v;

    if ((v = cli_param(c, "state")) != NULL) {
        /* one of STATES (the option check); "enabled" is stored as given,
         * as upstream does, and every reader takes it for started */
        svc_conf_set_state(sc, s, v);
        s->keys |= SVC_KEY_STATE;
    }
    if ((v = cli_param(c, "group")) != NULL) {
        free(s->group);
        s->group = xstrdup(v);
        s->keys |= SVC_KEY_GROUP;
    }
    if ((v = cli_param(c, "failback")) != NULL) {
        s->failback = strcmp(v, "1") == 0;
        s->keys |= SVC_KEY_FAILBACK;
    }
    /* the values passed cli_check_value(): in range */
    if ((v = cli_param(c, "max_restart")) != NULL) {
        str_to_int(v, 0, SVC_TRIES_MAX, &s->max_restart);
        s->keys |= SVC_KEY_MAX_RESTART;
    }
    if ((v = cli_param(c, "max_relocate")) != NULL) {
        str_to_int(v, 0, SVC_TRIES_MAX, &s->max_relocate);
        s->keys |= SVC_KEY_MAX_RELOCATE;
    }
    if ((v = cli_param(c, "comment")) != NULL) {
        free(s->comment);
        s->comment = xstrdup(v);
        s->keys |= SVC_KEY_COMMENT;
    }
    return NULL;
}

/* The group option against groups.cfg; NULL or an error. */
static char *check_group(struct cli *c)
{
    const char *group = cli_param(c, "group");
    struct groups g;
    char *err = NULL;

    if (group == NULL) {
        return NULL;
    }
    if (cli_load_groups(c, &g) != 0) {
        return PRINTED;
    }
    if (cli_groups_migrated(&g)) {
        err = xstrdup("invalid parameter 'group': ha groups have been migrated to rules");
    } else if (groups_find(&g, group) == NULL) {
        err = xasprintf("HA group '%s' does not exist", group);
    }
    groups_free(&g);
    return err;
}

static char *write_resources(struct cli *c, const struct svc_config *sc)
{
    char *text = svc_config_to_cfg(sc);
    char *err = cli_write_locked(c, "ha/resources.cfg", text);

    free(text);
    return err;
}

struct add_job {
    const char *sid;
    const char *node; /* --node, or NULL */
};

/* Register sid on a node (the location registry) unless it is registered
 * already. */
static char *register_sid(struct cli *c, const struct add_job *job)
{
    char *have = NULL, *err = NULL;

    if (cli_registered_node(c, job->sid, &have) != 0) {
        return PRINTED;
    }
    if (have != NULL) {
        if (job->node != NULL && strcmp(job->node, have) != 0) {
            err = xasprintf("resource '%s' is located on node '%s'", job->sid, have);
        }
        free(have);
        return err;
    }
    const char *node = job->node ? job->node : c->conf.node;
    char *dir = xasprintf("nodes/%s/resources", node), *path = xasprintf("%s/%s", dir, job->sid);
    char *kerr = NULL;
    if (kv_mkdir(c->kv, dir, &kerr) < 0) {
        err = xasprintf("unable to create '%s' - %s", dir, kerr ? kerr : "store error");
    } else {
        err = cli_write_locked(c, path, "");
    }
    free(kerr);
    free(dir);
    free(path);
    return err;
}

static char *do_add(struct cli *c, void *arg)
{
    const struct add_job *job = arg;
    struct svc_config sc;
    char *err;

    if (cli_load_resources(c, &sc, NULL) != 0) {
        return PRINTED;
    }
    if (svc_config_find(&sc, job->sid) != NULL) {
        err = xasprintf("resource ID '%s' already defined", job->sid);
    } else if ((err = check_group(c)) == NULL && (err = register_sid(c, job)) == NULL) {
        struct svc_conf *s = svc_config_add(&sc, job->sid);
        const char *colon = strchr(job->sid, ':');
        s->type = xstrndup(job->sid, (size_t)(colon - job->sid));
        s->name = xstrdup(colon + 1);
        s->state = REQ_STARTED;
        s->failback = s->max_restart = s->max_relocate = 1;
        if ((err = apply_options(c, &sc, s)) == NULL) {
            err = write_resources(c, &sc);
        }
    }
    svc_config_free(&sc);
    return err;
}

/* Upstream runs these checks before it takes the lock: their errors have
 * no prefix. They run again under the lock, against a change meanwhile. */
static int precheck(struct cli *c, char *(*check)(struct cli *c, const char *sid), const char *sid)
{
    char *err = check(c, sid);

    if (err == NULL) {
        return 0;
    }
    if (err[0] != '\0') {
        cli_fail(EXIT_FAIL, "%s", err);
    }
    free(err);
    return EXIT_FAIL;
}

static char *group_of(struct cli *c, const char *sid)
{
    (void)sid;
    return check_group(c);
}

int cli_add(struct cli *c)
{
    const char *raw = cli_param(c, "sid"), *type = cli_param(c, "type");
    const char *node = cli_param(c, "node");
    bool bare = strspn(raw, "0123456789") == strlen(raw);
    char *sid = bare && type ? xasprintf("%s:%s", type, raw) : cli_resolve_sid(c, raw);
    struct strlist nodes = {0};
    int rc;

    char *sid_type = xstrndup(sid, strcspn(sid, ":"));
    const char *bad_name = cli_verify_name(sid_type, sid + strlen(sid_type) + 1);

    free(sid_type);
    if (type != NULL && (strncmp(sid, type, strlen(type)) != 0 || sid[strlen(type)] != ':')) {
        rc = cli_fail(EXIT_FAIL, "types does not match");
    } else if (bad_name != NULL) { /* upstream's verify_name: a plain error */
        rc = cli_fail(EXIT_USAGE, "%s", bad_name);
    } else if ((rc = cli_need_quorum(c)) == 0 && (rc = precheck(c, group_of, sid)) == 0 && node != NULL && (rc = cli_members(c, &nodes, NULL)) == 0 && !strlist_has(&nodes, node)) {
        rc = cli_fail(EXIT_FAIL, "no such cluster node '%s'", node);
    }
    if (rc == 0) {
        struct add_job job = {.sid = sid, .node = node};
        rc = cli_locked(c, "create resource failed", do_add, &job);
    }
    strlist_clear(&nodes);
    free(sid);
    return rc;
}

/* Upstream's update_single_resource_config_inplace: the options are set
 * first, then the keys deleted (so --comment x --delete comment deletes). */
static char *delete_keys(struct svc_conf *s, const char *list)
{
    struct strlist keys = {0};
    char *err = NULL;

    cli_split_list(list, &keys);
    for (size_t i = 0; i < keys.n && err == NULL; i++) {
        const char *k = keys.v[i];
        size_t j = 0;
        while (j < N_RES_KEYS && strcmp(res_keys[j].name, k) != 0) {
            j++;
        }
        if (j == N_RES_KEYS) {
            err = xasprintf("no such option '%s'", k);
            continue;
        }
        unsigned bit = res_keys[j].bit;
        s->keys &= ~bit;
        if (bit == SVC_KEY_STATE) {
            s->state = REQ_STARTED;
            free(s->state_text);
            s->state_text = NULL;
        } else if (bit == SVC_KEY_GROUP) {
            free(s->group);
            s->group = NULL;
        } else if (bit == SVC_KEY_COMMENT) {
            free(s->comment);
            s->comment = NULL;
        } else if (bit == SVC_KEY_FAILBACK) {
            s->failback = 1;
        } else if (bit == SVC_KEY_MAX_RESTART) {
            s->max_restart = 1;
        } else {
            s->max_relocate = 1;
        }
    }
    strlist_clear(&keys);
    return err;
}

/* Refuse changes while the service is in error, unless it gets disabled. */
static char *check_error_state(struct cli *c, const char *sid)
{
    const char *state = cli_param(c, "state");
    struct manager_status ms;
    char *err = NULL;

    if (state != NULL && strcmp(state, "disabled") == 0) {
        return NULL;
    }
    if (cli_load_ms(c, &ms, NULL) != 0) {
        return PRINTED;
    }
    const struct sd *sd = ms_find_sd(&ms, sid);
    if (sd != NULL && sd->state == SS_ERROR) {
        err = xasprintf("service '%s' in error state, must be disabled and fixed first", sid);
    }
    ms_free(&ms);
    return err;
}

static char *do_set(struct cli *c, void *arg)
{
    const char *sid = arg, *digest = cli_param(c, "digest"), *del = cli_param(c, "delete");
    struct svc_config sc;
    char have[SHA1_HEX_LEN + 1];
    struct svc_conf *s;
    char *err = NULL;

    if (cli_load_resources(c, &sc, have) != 0) {
        return PRINTED;
    }
    if (digest != NULL && strcmp(digest, have) != 0) {
        err = xstrdup("detected modified configuration - file changed by other user? Try again.");
    } else if ((s = svc_config_find(&sc, sid)) == NULL) {
        err = xasprintf("no such resource '%s'", sid);
    } else if ((err = check_error_state(c, sid)) == NULL && (err = check_group(c)) == NULL && (err = apply_options(c, &sc, s)) == NULL && (del == NULL || (err = delete_keys(s, del)) == NULL)) {
        err = write_resources(c, &sc);
    }
    svc_config_free(&sc);
    return err;
}

int cli_set(struct cli *c)
{
    char *sid = cli_resolve_sid(c, cli_param(c, "sid"));
    int rc = cli_need_quorum(c);

    if (rc == 0 && (rc = precheck(c, group_of, sid)) == 0 &&
        (rc = precheck(c, check_error_state, sid)) == 0) {
        rc = cli_locked(c, "update resources config failed", do_set, sid);
    }
    free(sid);
    return rc;
}

/* Drop sid from every rule; a rule left without resources goes. */
static bool purge_rules(struct rules *r, const char *sid)
{
    bool changed = false;

    for (size_t i = r->n; i-- > 0;) {
        struct rules_set *set = &r->v[i].resources;
        bool hit = false;
        for (size_t k = 0; k < set->n && !hit; k++) {
            if (strcmp(set->v[k], sid) == 0) {
                free(set->v[k]);
                memmove(set->v + k, set->v + k + 1, (set->n - k - 1) * sizeof(*set->v));
                set->n--;
                hit = changed = true;
            }
        }
        if (hit && set->n == 0) {
            char *id = xstrdup(r->v[i].id);
            rules_delete(r, id);
            free(id);
        }
    }
    return changed;
}

static char *do_remove(struct cli *c, void *arg)
{
    const char *sid = arg, *purge = cli_param(c, "purge");
    struct svc_config sc;
    struct rules r;
    char *err = NULL;

    if (cli_load_resources(c, &sc, NULL) != 0) {
        return PRINTED;
    }
    if (svc_config_find(&sc, sid) == NULL) {
        err = xasprintf("cannot delete service '%s', not HA managed!", sid);
    } else if (purge == NULL || strcmp(purge, "1") == 0) {
        if (cli_load_rules(c, &r) != 0) {
            err = PRINTED;
        } else if (purge_rules(&r, sid)) {
            char *text = rules_write(&r);
            err = cli_write_locked(c, "ha/rules.cfg", text);
            free(text);
        }
        rules_free(&r);
    }
    if (err == NULL) {
        struct svc_config rest = {0};
        for (size_t i = 0; i < sc.n; i++) { /* already sorted: appends */
            if (strcmp(sc.v[i].sid, sid) != 0) {
                svc_config_add(&rest, sc.v[i].sid);
                struct svc_conf *dst = svc_config_find(&rest, sc.v[i].sid);
                free(dst->sid);
                *dst = sc.v[i];
                memset(&sc.v[i], 0, sizeof(sc.v[i]));
            }
        }
        err = write_resources(c, &rest);
        svc_config_free(&rest);
    }
    svc_config_free(&sc);
    return err;
}

int cli_remove(struct cli *c)
{
    char *sid = cli_resolve_sid(c, cli_param(c, "sid"));
    struct svc_config sc;
    int rc = cli_load_resources(c, &sc, NULL);

    if (rc == 0) {
        if (svc_config_find(&sc, sid) == NULL) {
            rc = cli_fail(EXIT_FAIL, "cannot delete service '%s', not HA managed!", sid);
        }
        svc_config_free(&sc);
    }
    if (rc == 0 && (rc = cli_need_quorum(c)) == 0) {
        rc = cli_locked(c, "delete resource failed", do_remove, sid);
    }
    free(sid);
    return rc;
}
