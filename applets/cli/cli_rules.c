/* cli_rules.c - ha-manager rules list|config and the rule views the other
 * commands share: rules.cfg plus
 * the legacy group rules, and the feasibility check over the members.
 * rules.cfg is read leniently, as the master reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

/* Add the in-memory group rules of the resources to r. */
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

/* The messages of rule id among the check's "Drop rule '<id>', because
 * <text>." lines, as upstream's errors of the rule: {resources: [text]}. */
static cJSON *rule_errors(const struct rules_msgs *msgs, const char *id)
{
    char *prefix = xasprintf("Drop rule '%s', because ", id);
    cJSON *list = NULL;

    for (size_t i = 0; i < msgs->n; i++) {
        if (!str_starts(msgs->v[i], prefix)) {
            continue;
        }
        const char *why = msgs->v[i] + strlen(prefix);
        size_t len = strlen(why);
        char *text = xstrndup(why, len - (len > 0 && why[len - 1] == '.'));
        list = list ? list : cJSON_CreateArray();
        cJSON_AddItemToArray(list, cJSON_CreateString(text));
        free(text);
    }
    free(prefix);
    if (list == NULL) {
        return NULL;
    }
    cJSON *errors = cJSON_CreateObject();
    cJSON_AddItemToObject(errors, "resources", list);
    return errors;
}

/* Upstream's API object of a rule (get_api_ha_rule). A generated group rule
 * carries the group's restricted as strict, null when the group has none. */
static cJSON *rule_json(const struct rule *rule, const char *digest, bool generated)
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
        } else if (generated) {
            cJSON_AddItemToObject(o, "strict", cJSON_CreateNull());
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

/* The rules that pass --type and --resource, in rule order (upstream's
 * foreach_rule sorted). */
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

/* What rules list and config show (upstream's Rules index): rules.cfg plus
 * the generated group rules, and the check's messages over both. */
struct rules_view {
    struct rules r;
    struct svc_config sc;
    struct rules_msgs dropped, msgs;
    struct strlist generated; /* ids of the generated group rules */
    char digest[SHA1_HEX_LEN + 1]; /* of rules.cfg */
};

static void view_free(struct rules_view *v)
{
    rules_free(&v->r);
    svc_config_free(&v->sc);
    rules_msgs_free(&v->dropped);
    rules_msgs_free(&v->msgs);
    strlist_clear(&v->generated);
}

static int view_load(struct cli *c, struct rules_view *v)
{
    struct rules file;
    int rc;

    memset(v, 0, sizeof(*v));
    if ((rc = cli_load_resources_shown(c, &v->sc, NULL)) != 0) {
        return rc;
    }
    if ((rc = cli_load_rules(c, &file)) != 0) {
        return rc;
    }
    memcpy(v->digest, file.digest, sizeof(v->digest));
    rules_free(&file);
    if ((rc = cli_rules_effective(c, &v->sc, &v->r)) == 0) {
        rc = cli_rules_conflicts(c, &v->r, &v->sc, &v->dropped, &v->msgs);
    }
    for (size_t i = 0; rc == 0 && i < v->sc.n; i++) {
        char *id = v->sc.v[i].group ? xasprintf("ha-group-%s", v->sc.v[i].group) : NULL;
        if (id != NULL && rules_find(&v->r, id) != NULL && !strlist_has(&v->generated, id)) {
            strlist_add(&v->generated, id);
        }
        free(id);
    }
    return rc;
}

/* The rule's API object, the fields rules config adds included. */
static cJSON *view_json(const struct rules_view *v, const struct rule *rule, bool config)
{
    cJSON *o = rule_json(rule, v->digest, strlist_has(&v->generated, rule->id));
    cJSON *errors = rule_errors(&v->msgs, rule->id);

    if (errors != NULL) {
        cJSON_AddItemToObject(o, "errors", errors);
    }
    if (config) {
        cli_json_add_int(o, "enabled", rule->has_disable ? 0 : 1);
        cli_json_add_str(o, "state", errors ? "ignored (conflicts)" : "in use");
    }
    return o;
}

/* Upstream's rules list and rules config formatters: a table of the rule
 * ids, or of enabled, state, rule, type, resources and comment. */
static int rules_show(struct cli *c, bool config)
{
    static const char *const list_cols[] = {"rule"};
    static const char *const config_cols[] = {"enabled", "state",     "rule",
                                              "type",    "resources", "comment"};
    struct rules_view v;
    size_t n;
    int rc = view_load(c, &v);

    if (rc != 0) {
        view_free(&v);
        return rc;
    }
    const struct rule **rows = filtered(c, &v.r, &n);
    struct cli_table t = {.n_cols = config ? 6 : 1, .cols = config ? config_cols : list_cols};
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const struct rule *rule = rows[i];
        cJSON_AddItemToArray(arr, view_json(&v, rule, config));
        if (!config) {
            cli_table_add(&t, (char *[]){xstrdup(rule->id)});
            continue;
        }
        bool conflicts = cli_msgs_has(&v.dropped, rule->id);
        cli_table_add(
            &t,
            (char *[]
            ){xstrdup(rule->has_disable ? "0" : "1"),
              xstrdup(conflicts ? "ignored (conflicts)" : "in use"), xstrdup(rule->id),
              xstrdup(type_name(rule->type)), join_set(&rule->resources), xstrdup(rule->comment)}
        );
    }
    if (c->fmt == FMT_TEXT) {
        cli_table_print(c, &t);
    } else {
        cli_json_output(c, arr);
    }
    cli_table_free(&t);
    cJSON_Delete(arr);
    free(rows);
    view_free(&v);
    return EXIT_OK;
}

int cli_rules_list(struct cli *c)
{
    return rules_show(c, false);
}

int cli_rules_config(struct cli *c)
{
    return rules_show(c, true);
}

/* Ids of the rules that the feasibility check drops, over the members:
 * the check runs on a copy of r plus the group rules. */
int cli_rules_conflicts(
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

bool cli_msgs_has(const struct rules_msgs *m, const char *s)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i], s) == 0) {
            return true;
        }
    }
    return false;
}
