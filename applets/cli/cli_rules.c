/* cli_rules.c - ha-manager rules list|config and the rule views the other
 * commands share: rules.cfg plus the legacy group rules, and the
 * feasibility check over the members. rules.cfg is read leniently, as the
 * master reads it. */
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
    if ((rc = cli_rules_conflicts(c, &r, &sc, &dropped, NULL)) == 0) {
        const struct rule **v = filtered(c, &r, &n);
        struct cli_table t = {.n_cols = 6, .cols = cols, .right = right};
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            const char *state = cli_msgs_has(&dropped, v[i]->id) ? "ignored (conflicts)" : "in use";
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
