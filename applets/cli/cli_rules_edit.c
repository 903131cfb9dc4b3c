/* cli_rules_edit.c - ha-manager rules add|set|remove: checked against the
 * resources and the members, refused
 * until the groups are migrated; a created or changed rule must pass the
 * feasibility check (with the legacy group rules), else nothing is
 * written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

static const char *type_name(enum rule_type t)
{
    return t == RULE_NODE_AFFINITY ? "node-affinity" : "resource-affinity";
}

/* The options a rule type requires on create (the type's schema). */
static int check_required(struct cli *c, enum rule_type t, bool create)
{
    if (create && cli_param(c, "resources") == NULL) {
        return cli_param_error(c, "resources", "property is missing and it is not optional");
    }
    if (create && t == RULE_NODE_AFFINITY && cli_param(c, "nodes") == NULL) {
        return cli_param_error(c, "nodes", "property is missing and it is not optional");
    }
    if (create && t == RULE_RESOURCE_AFFINITY && cli_param(c, "affinity") == NULL) {
        return cli_param_error(c, "affinity", "property is missing and it is not optional");
    }
    return 0;
}

/* resources and nodes against the config and the members. */
static char *check_refs(struct cli *c, const struct svc_config *sc)
{
    const char *res = cli_param(c, "resources"), *nodes = cli_param(c, "nodes");
    struct strlist l = {0}, bad = {0};
    char *err = NULL;

    if (res != NULL) {
        cli_split_list(res, &l);
        for (size_t i = 0; i < l.n; i++) {
            if (svc_config_find(sc, l.v[i]) == NULL && !strlist_has(&bad, l.v[i])) {
                strlist_add(&bad, l.v[i]);
            }
        }
        if (l.n == 0) {
            err = xstrdup("no resources were specified");
        } else if (bad.n > 0) {
            char *j = strlist_join(&bad, ", ");
            err = xasprintf("cannot use unmanaged resource(s) %s.", j);
            free(j);
        }
        strlist_clear(&l);
        strlist_clear(&bad);
    }
    if (err == NULL && nodes != NULL) {
        err = cli_check_node_list(c, nodes);
    }
    return err;
}

static void apply_rule_opts(struct cli *c, struct rule *rule)
{
    const char *v;

    if ((v = cli_param(c, "resources")) != NULL) {
        struct strlist l = {0};
        cli_split_list(v, &l);
        rset_free(&rule->resources);
        for (size_t i = 0; i < l.n; i++) {
            rset_add(&rule->resources, l.v[i]);
        }
        rule->has_resources = true;
        strlist_clear(&l);
    }
    if ((v = cli_param(c, "nodes")) != NULL) {
        cli_set_node_list(v, &rule->nodes, &rule->n_nodes);
        rule->has_nodes = true;
    }
    if ((v = cli_param(c, "strict")) != NULL) {
        rule->has_strict = true;
        rule->strict = strcmp(v, "1") == 0;
    }
    if ((v = cli_param(c, "affinity")) != NULL) {
        rule->affinity = strcmp(v, "positive") == 0 ? RULE_POSITIVE : RULE_NEGATIVE;
    }
    if ((v = cli_param(c, "comment")) != NULL) {
        free(rule->comment);
        rule->comment = xstrdup(v);
    }
    if ((v = cli_param(c, "disable")) != NULL && strcmp(v, "1") == 0) {
        /* a false --disable is dropped (create_rule, update_rule): only
         * --delete disable enables a rule again */
        rule->has_disable = true;
        rule->disable = 1;
    }
    rule->placeholder = !rule->has_resources ||
                        (rule->type == RULE_NODE_AFFINITY ? !rule->has_nodes
                                                          : rule->affinity == RULE_AFFINITY_NONE);
}

static char *delete_rule_keys(struct cli *c, struct rule *rule, const char *list)
{
    struct strlist keys = {0};
    char *err = NULL;

    cli_split_list(list, &keys);
    for (size_t i = 0; i < keys.n && err == NULL; i++) {
        const char *k = keys.v[i];
        if (strcmp(k, "resources") == 0 || strcmp(k, "type") == 0 ||
            (strcmp(k, "nodes") == 0 && rule->type == RULE_NODE_AFFINITY) ||
            (strcmp(k, "affinity") == 0 && rule->type == RULE_RESOURCE_AFFINITY)) {
            err = xasprintf("unable to delete required option '%s'", k);
        } else if (cli_param(c, k) != NULL) {
            err = xasprintf("cannot set and delete property '%s' at the same time!", k);
        } else if (strcmp(k, "comment") == 0) {
            free(rule->comment);
            rule->comment = NULL;
        } else if (strcmp(k, "disable") == 0) {
            rule->has_disable = false;
            rule->disable = 0;
        } else if (strcmp(k, "strict") == 0 && rule->type == RULE_NODE_AFFINITY) {
            rule->has_strict = false;
            rule->strict = 0;
        } else {
            err = xasprintf("no such option '%s'", k);
        }
    }
    strlist_clear(&keys);
    return err;
}

/* The feasibility check of the edited rule set; NULL or the error. */
static char *
feasible(struct cli *c, const struct rules *r, const struct svc_config *sc, const char *id)
{
    struct rules_msgs dropped = {0}, msgs = {0};
    char *err = NULL;

    if (cli_rules_conflicts(c, r, sc, &dropped, &msgs) != 0) {
        return xstrdup("");
    }
    if (cli_msgs_has(&dropped, id)) {
        char *prefix = xasprintf("Drop rule '%s', because ", id);
        struct strbuf sb = {0};
        for (size_t i = 0; i < msgs.n; i++) {
            if (str_starts(msgs.v[i], prefix)) {
                const char *why = msgs.v[i] + strlen(prefix);
                size_t len = strlen(why);
                len -= len > 0 && why[len - 1] == '.';
                strbuf_addf(&sb, "%s%.*s", sb.len ? ", " : "", (int)len, why);
            }
        }
        err = xasprintf("400 Rule '%s' is invalid.\nresources: %s", id, strbuf_str(&sb));
        strbuf_free(&sb);
        free(prefix);
    }
    rules_msgs_free(&dropped);
    rules_msgs_free(&msgs);
    return err;
}

static enum rule_type parse_type(const char *s)
{
    return strcmp(s, "node-affinity") == 0 ? RULE_NODE_AFFINITY : RULE_RESOURCE_AFFINITY;
}

/* Groups must be migrated before rules change. */
static char *check_migrated(struct cli *c, const char *op)
{
    struct groups g;

    if (cli_load_groups(c, &g) != 0) {
        return xstrdup("");
    }
    bool migrated = cli_groups_migrated(&g);
    groups_free(&g);
    return migrated ? NULL
                    : xasprintf("cannot %s ha rule: ha groups have not been migrated yet", op);
}

static char *do_rule_edit(struct cli *c, void *arg)
{
    bool create = arg != NULL;
    const char *id = cli_param(c, "rule"), *digest = cli_param(c, "digest");
    const char *del = cli_param(c, "delete");
    enum rule_type type = parse_type(cli_param(c, "type"));
    struct svc_config sc;
    struct rules r;
    char *err;

    if ((err = check_migrated(c, create ? "create" : "update")) != NULL) {
        return err;
    }
    if (cli_load_resources(c, &sc, NULL) != 0) {
        return xstrdup("");
    }
    if (cli_load_rules(c, &r) != 0) {
        svc_config_free(&sc);
        return xstrdup("");
    }
    const struct rule *old = rules_find(&r, id);
    if (digest != NULL && strcmp(digest, r.digest) != 0) {
        err = xstrdup("detected modified configuration - file changed by other user? Try again.");
    } else if (create && old != NULL) {
        err = xasprintf("HA rule '%s' already defined", id);
    } else if (!create && old == NULL) {
        err = xasprintf("HA rule '%s' does not exist", id);
    } else if (!create && old->type != type) {
        err = xasprintf("HA rule '%s' is of type '%s'", id, type_name(old->type));
    } else if ((err = check_refs(c, &sc)) == NULL) {
        struct rule *rule;
        if (create) {
            int order = rules_next_order(&r);
            rule = rules_put(&r, id);
            rule->type = type;
            rule->order = order;
        } else {
            rule = &r.v[old - r.v];
        }
        if (del == NULL || (err = delete_rule_keys(c, rule, del)) == NULL) {
            apply_rule_opts(c, rule);
            if ((err = feasible(c, &r, &sc, id)) == NULL) {
                char *text = rules_write(&r);
                err = cli_write_locked(c, "ha/rules.cfg", text);
                free(text);
            }
        }
    }
    rules_free(&r);
    svc_config_free(&sc);
    return err;
}

static int rule_edit(struct cli *c, bool create)
{
    int rc = check_required(c, parse_type(cli_param(c, "type")), create);
    char *err = NULL;

    if (rc == 0 && (rc = cli_need_quorum(c)) == 0 &&
        (err = check_migrated(c, create ? "create" : "update")) != NULL) {
        rc = err[0] ? cli_fail(EXIT_FAIL, "%s", err) : EXIT_FAIL; /* before the lock */
        free(err);
    }
    if (rc == 0) { /* upstream's two lock messages differ in case */
        rc = cli_locked(
            c, create ? "create ha rule failed" : "update HA rules failed", do_rule_edit,
            create ? (void *)c : NULL
        );
    }
    return rc;
}

int cli_rules_add(struct cli *c)
{
    return rule_edit(c, true);
}

int cli_rules_set(struct cli *c)
{
    return rule_edit(c, false);
}

static char *do_rule_remove(struct cli *c, void *arg)
{
    struct rules r;
    char *err = NULL;

    if (cli_load_rules(c, &r) != 0) {
        return xstrdup("");
    }
    if (rules_find(&r, cli_param(c, "rule")) != NULL) {
        rules_delete(&r, cli_param(c, "rule"));
        char *text = rules_write(&r);
        err = cli_write_locked(c, "ha/rules.cfg", text);
        free(text);
    }
    rules_free(&r);
    return err;
}

int cli_rules_remove(struct cli *c)
{
    int rc = cli_need_quorum(c);

    return rc ? rc : cli_locked(c, "delete ha rule failed", do_rule_remove, NULL);
}
