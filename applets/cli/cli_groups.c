/* cli_groups.c - the legacy HA group commands: groupconfig, groupadd,
 * groupset, groupremove. Like upstream,
 * all of them are refused once the groups are migrated to rules, that is
 * once groups.cfg holds no group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

static char *node_list(const struct group *g)
{
    struct strbuf sb = {0};

    for (size_t i = 0; i < g->n_nodes; i++) {
        strbuf_addf(&sb, "%s%s", i ? "," : "", g->nodes[i].node);
        if (g->nodes[i].prio != 0) {
            strbuf_addf(&sb, ":%lld", g->nodes[i].prio);
        }
    }
    return strbuf_take(&sb);
}

/* The section-config writer for groups.cfg. */
static char *groups_write(const struct groups *gs)
{
    struct strbuf sb = {0};

    for (size_t i = 0; i < gs->n; i++) {
        const struct group *g = &gs->v[i];
        char *nodes = node_list(g);
        strbuf_addf(&sb, "group: %s\n", g->id);
        if (g->comment != NULL && g->comment[0] != '\0') {
            strbuf_addf(&sb, "\tcomment %s\n", g->comment);
        }
        strbuf_addf(&sb, "\tnodes %s\n", nodes);
        if (g->nofailback) {
            strbuf_add(&sb, "\tnofailback 1\n");
        }
        if (g->has_restricted) {
            strbuf_addf(&sb, "\trestricted %d\n", g->restricted);
        }
        strbuf_add(&sb, "\n");
        free(nodes);
    }
    return strbuf_take(&sb);
}

/* Load groups.cfg and refuse when migrated; 0 or 1 (printed). */
static int load_unmigrated(struct cli *c, struct groups *g, const char *op)
{
    int rc = cli_load_groups(c, g);

    if (rc == 0 && cli_groups_migrated(g)) {
        groups_free(g);
        rc = cli_fail(EXIT_FAIL, "cannot %s: ha groups have been migrated to rules", op);
    }
    return rc;
}

/* Upstream's API object of a group (GET /cluster/ha/groups). */
static cJSON *group_json(const struct group *g, const char *digest)
{
    cJSON *o = cJSON_CreateObject();
    char *nodes = node_list(g);

    cli_json_add_str(o, "group", g->id);
    cli_json_add_str(o, "type", "group");
    cli_json_add_str(o, "digest", digest);
    cli_json_add_str(o, "nodes", nodes);
    cli_json_add_str(o, "comment", g->comment);
    if (g->nofailback) {
        cli_json_add_int(o, "nofailback", 1);
    }
    if (g->has_restricted) {
        cli_json_add_int(o, "restricted", g->restricted);
    }
    free(nodes);
    return o;
}

int cli_group_config(struct cli *c)
{
    struct groups g;
    int rc = load_unmigrated(c, &g, "index groups");

    if (rc != 0) {
        return rc;
    }
    if (c->fmt != FMT_TEXT) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < g.n; i++) {
            cJSON_AddItemToArray(arr, group_json(&g.v[i], g.digest));
        }
        cli_json_output(c, arr);
        cJSON_Delete(arr);
        groups_free(&g);
        return EXIT_OK;
    }
    struct strbuf out = {0};
    for (size_t i = 0; i < g.n; i++) {
        char *nodes = node_list(&g.v[i]);
        strbuf_addf(&out, "group: %s\n", g.v[i].id);
        if (g.v[i].comment != NULL) {
            strbuf_addf(&out, "\tcomment %s\n", g.v[i].comment);
        }
        strbuf_addf(&out, "\tnodes %s\n", nodes);
        if (g.v[i].nofailback) {
            strbuf_add(&out, "\tnofailback 1\n");
        }
        if (g.v[i].has_restricted) {
            strbuf_addf(&out, "\trestricted %d\n", g.v[i].restricted);
        }
        strbuf_add(&out, "\n");
        free(nodes);
    }
    cli_print_text(stdout, strbuf_str(&out));
    strbuf_free(&out);
    groups_free(&g);
    return EXIT_OK;
}

static void apply_group_opts(struct cli *c, struct group *g)
{
    const char *v;

    if ((v = cli_param(c, "nodes")) != NULL) {
        cli_set_node_list(v, &g->nodes, &g->n_nodes);
    }
    if ((v = cli_param(c, "restricted")) != NULL) {
        g->has_restricted = true;
        g->restricted = strcmp(v, "1") == 0;
    }
    if ((v = cli_param(c, "nofailback")) != NULL) {
        g->nofailback = strcmp(v, "1") == 0;
    }
    if ((v = cli_param(c, "comment")) != NULL) {
        free(g->comment);
        g->comment = xstrdup(v);
    }
}

static char *delete_group_keys(struct group *g, const char *list)
{
    struct strlist keys = {0};
    char *err = NULL;

    cli_split_list(list, &keys);
    for (size_t i = 0; i < keys.n && err == NULL; i++) {
        const char *k = keys.v[i];
        if (strcmp(k, "nodes") == 0) {
            err = xasprintf("unable to delete required option '%s'", k);
        } else if (strcmp(k, "comment") == 0) {
            free(g->comment);
            g->comment = NULL;
        } else if (strcmp(k, "restricted") == 0) {
            g->has_restricted = false;
            g->restricted = 0;
        } else if (strcmp(k, "nofailback") == 0) {
            g->nofailback = false;
        } else {
            err = xasprintf("no such option '%s'", k);
        }
    }
    strlist_clear(&keys);
    return err;
}

/* Insert a new group, keeping the array sorted by id. */
static struct group *group_insert(struct groups *gs, const char *id)
{
    size_t pos = 0;

    while (pos < gs->n && strcmp(gs->v[pos].id, id) < 0) {
        pos++;
    }
    gs->v = xrealloc(gs->v, (gs->n + 1) * sizeof(*gs->v));
    gs->cap = gs->n + 1;
    memmove(gs->v + pos + 1, gs->v + pos, (gs->n - pos) * sizeof(*gs->v));
    memset(&gs->v[pos], 0, sizeof(gs->v[pos]));
    gs->v[pos].id = xstrdup(id);
    gs->n++;
    return &gs->v[pos];
}

enum group_op { G_ADD, G_SET, G_REMOVE };

static char *check_group_nodes(struct cli *c)
{
    const char *v = cli_param(c, "nodes");

    return v != NULL ? cli_check_node_list(c, v) : NULL;
}

static char *group_in_use(struct cli *c, const char *id)
{
    struct svc_config sc;
    char *err = NULL;

    if (cli_load_resources(c, &sc, NULL) != 0) {
        return xstrdup("");
    }
    for (size_t i = 0; i < sc.n && err == NULL; i++) {
        if (sc.v[i].group != NULL && strcmp(sc.v[i].group, id) == 0) {
            err = xasprintf("ha group is used by service '%s'", sc.v[i].sid);
        }
    }
    svc_config_free(&sc);
    return err;
}

static char *do_group(struct cli *c, void *arg)
{
    enum group_op op = *(const enum group_op *)arg;
    const char *id = cli_param(c, "group"), *digest = cli_param(c, "digest");
    const char *del = cli_param(c, "delete");
    static const char *const ops[] = {"create group", "update group", "delete group"};
    struct groups gs;
    char *err = NULL;

    if (load_unmigrated(c, &gs, ops[op]) != 0) {
        return xstrdup("");
    }
    struct group *g = NULL;
    for (size_t i = 0; i < gs.n && g == NULL; i++) {
        g = strcmp(gs.v[i].id, id) == 0 ? &gs.v[i] : NULL;
    }
    if (digest != NULL && strcmp(digest, gs.digest) != 0) {
        err = xstrdup("detected modified configuration - file changed by other user? Try again.");
    } else if (op == G_ADD && g != NULL) {
        err = xasprintf("ha group ID '%s' already defined", id);
    } else if (op == G_REMOVE && g == NULL) {
        groups_free(&gs); /* Groups delete: nothing to delete, no error */
        return NULL;
    } else if (op != G_ADD && g == NULL) {
        err = xasprintf("no such ha group '%s'", id);
    } else if (op == G_REMOVE) {
        if ((err = group_in_use(c, id)) == NULL) {
            size_t pos = (size_t)(g - gs.v);
            free(g->id);
            nodes_free(g->nodes, g->n_nodes);
            free(g->comment);
            memmove(gs.v + pos, gs.v + pos + 1, (gs.n - pos - 1) * sizeof(*gs.v));
            gs.n--;
        }
    } else if ((err = check_group_nodes(c)) == NULL) {
        g = g ? g : group_insert(&gs, id);
        apply_group_opts(c, g); /* Groups update: set, then delete */
        if (del != NULL) {
            err = delete_group_keys(g, del);
        }
    }
    if (err == NULL) {
        char *text = groups_write(&gs);
        err = cli_write_locked(c, "ha/groups.cfg", text);
        free(text);
    }
    groups_free(&gs);
    return err;
}

static int group_change(struct cli *c, enum group_op op)
{
    static const char *const what[] = {
        "create ha group failed", "update ha group failed", "delete ha group failed"};
    int rc = cli_need_quorum(c);

    return rc ? rc : cli_locked(c, what[op], do_group, &op);
}

int cli_group_add(struct cli *c)
{
    return group_change(c, G_ADD);
}

int cli_group_set(struct cli *c)
{
    return group_change(c, G_SET);
}

int cli_group_remove(struct cli *c)
{
    return group_change(c, G_REMOVE);
}
