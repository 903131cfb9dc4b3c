/* cli_rules.c - ha-manager rules list|config|add|set|remove (ha-stack.md
 * 1.4.5, 5.11, 7.2, 7.3, 12.10). rules.cfg is read leniently, as the
 * master reads it; a created or changed rule must pass the feasibility
 * check (with the legacy group rules), else nothing is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli.h"
#include "state/rules_impl.h" /* rules_put, rules_delete, rset_add, nodes_set */
#include "state/str.h"

/* Add the in-memory group rules (5.11.6) of the resources to r. */
static int add_group_rules(struct cli *c, const struct svc_config *sc, struct rules *r)
{
    struct groups g;
    int rc = cli_load_groups(c, &g);

    if (rc != 0) {
        return rc;
    }
    struct rules_group_ref *refs = xcalloc(sc->n + 1, sizeof(*refs));
    size_t n = 0;
    for (size_t i = 0; i < sc->n; i++) {
        if (sc->v[i].group != NULL) {
            refs[n].sid = sc->v[i].sid;
            refs[n++].group = sc->v[i].group;
        }
    }
    rules_add_groups(r, &g, refs, n);
    free(refs);
    groups_free(&g);
    return 0;
}

int cli_rules_effective(struct cli *c, const struct svc_config *sc, struct rules *r)
{
    int rc = cli_load_rules(c, r);

    if (rc == 0 && (rc = add_group_rules(c, sc, r)) != 0) {
        rules_free(r);
    }
    return rc;
}

static const char *type_name(enum rule_type t)
{
    return t == RULE_NODE_AFFINITY ? "node-affinity" : "resource-affinity";
}

static char *join_set(const struct rules_set *s)
{
    struct strbuf sb = {0};

    for (size_t i = 0; i < s->n; i++) {
        strbuf_addf(&sb, "%s%s", i ? "," : "", s->v[i]);
    }
    return strbuf_take(&sb);
}

static char *join_nodes(const struct rule_node *v, size_t n)
{
    struct strbuf sb = {0};

    for (size_t i = 0; i < n; i++) {
        strbuf_addf(&sb, "%s%s", i ? "," : "", v[i].node);
        if (v[i].prio != 0) {
            strbuf_addf(&sb, ":%lld", v[i].prio);
        }
    }
    return strbuf_take(&sb);
}

static void add_owned(cJSON *o, const char *key, char *v)
{
    cli_json_add_str(o, key, v);
    free(v);
}

/* Upstream's API object of a rule. */
static cJSON *rule_json(const struct rule *rule, const char *digest)
{
    cJSON *o = cJSON_CreateObject();

    cli_json_add_str(o, "rule", rule->id);
    cli_json_add_str(o, "type", type_name(rule->type));
    cli_json_add_str(o, "digest", digest);
    cli_json_add_int(o, "order", rule->order);
    add_owned(o, "resources", join_set(&rule->resources));
    cli_json_add_str(o, "comment", rule->comment);
    if (rule->has_disable) {
        cli_json_add_int(o, "disable", rule->disable);
    }
    if (rule->type == RULE_NODE_AFFINITY) {
        add_owned(o, "nodes", join_nodes(rule->nodes, rule->n_nodes));
        if (rule->has_strict) {
            cli_json_add_int(o, "strict", rule->strict);
        }
    } else if (rule->affinity != RULE_AFFINITY_NONE) {
        cli_json_add_str(o, "affinity", rule->affinity == RULE_POSITIVE ? "positive" : "negative");
    }
    return o;
}

static int cmp_order(const void *a, const void *b)
{
    const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;

    return x->order != y->order ? (x->order < y->order ? -1 : 1) : strcmp(x->id, y->id);
}

/* The rules of rules.cfg that pass --type and --resource, in file order. */
static const struct rule **filtered(struct cli *c, const struct rules *r, size_t *n)
{
    const char *type = cli_param(c, "type"), *res = cli_param(c, "resource");
    const struct rule **v = xcalloc(r->n + 1, sizeof(const struct rule *));

    *n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *rule = &r->v[i];
        if (rule->placeholder || (type && strcmp(type, type_name(rule->type)) != 0) ||
            (res && !rset_has(&rule->resources, res))) {
            continue;
        }
        v[(*n)++] = rule;
    }
    qsort((void *)v, *n, sizeof(const struct rule *), cmp_order);
    return v;
}

int cli_rules_list(struct cli *c)
{
    static const char *const cols[] = {"rule"};
    struct rules r;
    size_t n;
    int rc = cli_load_rules(c, &r);

    if (rc != 0) {
        return rc;
    }
    const struct rule **v = filtered(c, &r, &n);
    if (c->fmt == FMT_TEXT) {
        struct cli_table t = {.n_cols = 1, .cols = cols};
        for (size_t i = 0; i < n; i++) {
            cli_table_add(&t, (char *[]){xstrdup(v[i]->id)});
        }
        cli_table_print(c, &t);
    } else {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            cJSON_AddItemToArray(arr, rule_json(v[i], r.digest));
        }
        cli_json_output(c, arr);
        cJSON_Delete(arr);
    }
    free(v);
    rules_free(&r);
    return EXIT_OK;
}

/* Ids of the rules that the feasibility check drops, over the members:
 * the check runs on a copy of r plus the group rules. */
static int conflicts(
    struct cli *c,
    const struct rules *r,
    const struct svc_config *sc,
    struct rules_msgs *dropped,
    struct rules_msgs *msgs
)
{
    struct strlist nodes = {0};
    struct rules eff = {0};
    char *text = rules_write(r);
    int rc = cli_members(c, &nodes, NULL);

    rules_parse(text, &eff, NULL);
    free(text);
    if (rc == 0 && (rc = add_group_rules(c, sc, &eff)) == 0) {
        rules_check(&eff, (const char *const *)nodes.v, nodes.n, dropped, msgs);
    }
    rules_free(&eff);
    strlist_clear(&nodes);
    return rc;
}

static bool msgs_has(const struct rules_msgs *m, const char *s)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i], s) == 0) {
            return true;
        }
    }
    return false;
}

int cli_rules_config(struct cli *c)
{
    static const char *const cols[] = {"enabled", "state", "rule", "type", "resources", "comment"};
    static const bool right[] = {true, false, false, false, false, false};
    struct rules r;
    struct svc_config sc;
    struct rules_msgs dropped = {0};
    size_t n;
    int rc = cli_load_rules(c, &r);

    if (rc != 0) {
        return rc;
    }
    if ((rc = cli_load_resources(c, &sc, NULL)) != 0) {
        rules_free(&r);
        return rc;
    }
    if ((rc = conflicts(c, &r, &sc, &dropped, NULL)) == 0) {
        const struct rule **v = filtered(c, &r, &n);
        struct cli_table t = {.n_cols = 6, .cols = cols, .right = right};
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            const char *state = msgs_has(&dropped, v[i]->id) ? "ignored (conflicts)" : "in use";
            cJSON *o = rule_json(v[i], r.digest);
            cli_json_add_int(o, "enabled", v[i]->has_disable ? 0 : 1);
            cli_json_add_str(o, "state", state);
            cJSON_AddItemToArray(arr, o);
            cli_table_add(
                &t, (char *[]
                    ){xstrdup(v[i]->has_disable ? "0" : "1"), xstrdup(state), xstrdup(v[i]->id),
                      xstrdup(type_name(v[i]->type)), join_set(&v[i]->resources),
                      xstrdup(v[i]->comment)}
            );
        }
        if (c->fmt == FMT_TEXT) {
            cli_table_print(c, &t);
        } else {
            cli_json_output(c, arr);
        }
        for (size_t i = 0; i < t.n_rows * t.n_cols; i++) {
            free(t.cells[i]);
        }
        free(t.cells);
        cJSON_Delete(arr);
        free(v);
    }
    rules_msgs_free(&dropped);
    svc_config_free(&sc);
    rules_free(&r);
    return rc;
}

/* ---- changes ---- */

static bool opt_allowed(enum rule_type t, const char *name)
{
    if (strcmp(name, "nodes") == 0 || strcmp(name, "strict") == 0) {
        return t == RULE_NODE_AFFINITY;
    }
    if (strcmp(name, "affinity") == 0) {
        return t == RULE_RESOURCE_AFFINITY;
    }
    return true;
}

/* Type-specific options; exit 2 (printed) or 0. */
static int check_type_opts(struct cli *c, enum rule_type t, bool create)
{
    static const char *const names[] = {"nodes", "strict", "affinity"};

    for (size_t i = 0; i < 3; i++) {
        if (cli_param(c, names[i]) != NULL && !opt_allowed(t, names[i])) {
            return cli_param_error(
                names[i],
                "property is not defined in schema and the schema does not allow "
                "additional properties"
            );
        }
    }
    if (create && cli_param(c, "resources") == NULL) {
        return cli_param_error("resources", "property is missing and it is not optional");
    }
    if (create && t == RULE_NODE_AFFINITY && cli_param(c, "nodes") == NULL) {
        return cli_param_error("nodes", "property is missing and it is not optional");
    }
    if (create && t == RULE_RESOURCE_AFFINITY && cli_param(c, "affinity") == NULL) {
        return cli_param_error("affinity", "property is missing and it is not optional");
    }
    return 0;
}

/* resources and nodes against the config and the members (7.3). */
static char *check_refs(struct cli *c, const struct svc_config *sc)
{
    const char *res = cli_param(c, "resources"), *nodes = cli_param(c, "nodes");
    struct strlist l = {0}, bad = {0}, members = {0};
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
        if (cli_members(c, &members, NULL) != 0) {
            return xstrdup("");
        }
        cli_split_list(nodes, &l);
        for (size_t i = 0; i < l.n; i++) {
            l.v[i][strcspn(l.v[i], ":")] = '\0';
            if (!strlist_has(&members, l.v[i]) && !strlist_has(&bad, l.v[i])) {
                strlist_add(&bad, l.v[i]);
            }
        }
        if (l.n == 0) {
            err = xstrdup("no nodes were specified");
        } else if (bad.n > 0) {
            char *j = strlist_join(&bad, ", ");
            err = xasprintf("cannot use non-existent node(s) %s.", j);
            free(j);
        }
        strlist_clear(&l);
        strlist_clear(&bad);
        strlist_clear(&members);
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
        struct strlist l = {0};
        cli_split_list(v, &l);
        nodes_free(rule->nodes, rule->n_nodes);
        rule->nodes = NULL;
        rule->n_nodes = 0;
        for (size_t i = 0; i < l.n; i++) {
            char *prio = strchr(l.v[i], ':');
            if (prio != NULL) {
                *prio++ = '\0';
            }
            nodes_set(&rule->nodes, &rule->n_nodes, l.v[i], prio ? strtoll(prio, NULL, 10) : 0);
        }
        rule->has_nodes = true;
        strlist_clear(&l);
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
    if ((v = cli_param(c, "disable")) != NULL) { /* "disable 0" is never stored */
        rule->has_disable = strcmp(v, "1") == 0;
        rule->disable = rule->has_disable;
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

    if (conflicts(c, r, sc, &dropped, &msgs) != 0) {
        return xstrdup("");
    }
    if (msgs_has(&dropped, id)) {
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
        err = xasprintf("Rule '%s' is invalid.\n%s", id, strbuf_str(&sb));
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

/* Groups must be migrated before rules change (7.3). */
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
    int rc = check_type_opts(c, parse_type(cli_param(c, "type")), create);

    if (rc == 0 && (rc = cli_need_quorum(c)) == 0) {
        rc = cli_locked(
            c, create ? "create ha rule failed" : "update ha rule failed", do_rule_edit,
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
