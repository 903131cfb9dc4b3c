/* cli_complete.c - `ha-manager bashcomplete`, bash's completer (complete -C),
 * as upstream's CLIHandler print_bash_completion: the command line up to
 * the cursor (COMP_LINE, COMP_POINT) is resolved against the command table
 * like a real call; then a subcommand, a positional value or an option, or
 * an option's value, whatever starts with the word under the cursor. Values
 * come from the store when it can be read; nothing is ever printed to
 * stderr (it would garble the terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/codec.h"
#include "state/str.h"

/* One quoted run starting at the quote *s into w; returns the character
 * after the closing quote. Inside double quotes a backslash escapes only a
 * double quote or a backslash. */
static const char *quoted_word(const char *s, struct strbuf *w)
{
    char q = *s++;

    while (*s != '\0' && *s != q) {
        if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
            s++;
        }
        strbuf_addc(w, *s++);
    }
    return s + (*s != '\0');
}

/* Text::ParseWords shellwords: blanks separate, quotes group, a backslash
 * takes the next character. */
static void split_words(const char *s, struct strlist *out)
{
    struct strbuf w = {0};
    bool have = false;

    while (*s != '\0') {
        if (*s == ' ' || *s == '\t' || *s == '\n') {
            if (have) {
                strlist_add(out, strbuf_str(&w));
                strbuf_free(&w);
                have = false;
            }
            s++;
        } else if (*s == '\'' || *s == '"') {
            s = quoted_word(s, &w);
            have = true;
        } else {
            if (*s == '\\' && s[1] != '\0') {
                s++;
            }
            strbuf_addc(&w, *s++);
            have = true;
        }
    }
    if (have) {
        strlist_add(out, strbuf_str(&w));
    }
    strbuf_free(&w);
}

static void offer(const char *word, const char *cur)
{
    if (str_starts(word, cur)) {
        printf("%s\n", word);
    }
}

/* The commands (aliases left out) one level below path, sorted. */
static void offer_commands(const char *path, const char *cur)
{
    struct cli_level l;
    struct strlist names = {0};

    cli_level(path, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].cmd == NULL || l.v[i].cmd->alias == NULL) {
            strlist_add(&names, l.v[i].word);
        }
    }
    strlist_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        offer(names.v[i], cur);
    }
    strlist_clear(&names);
    cli_level_free(&l);
}

/* What resolve_cmd makes of the words: a command and its arguments, or the
 * group path the words end in; *expanded is the last word once taken. */
struct resolved {
    const struct cli_cmd *cmd;
    struct strbuf path;
    bool group, expanded_set;
    char *expanded;
    size_t first_arg;
};

static void resolve_words(const struct strlist *w, size_t from, struct resolved *r)
{
    memset(r, 0, sizeof(*r));
    r->group = true;
    for (size_t i = from; i < w->n; i++) {
        struct cli_level l;
        cli_level(strbuf_str(&r->path), &l);
        int k = cli_level_find(&l, w->v[i]);
        if (k >= 0 && i + 1 == w->n) {
            free(r->expanded);
            r->expanded = xstrdup(l.v[k].word);
        }
        if (k < 0) {
            r->group = k == -2; /* a prefix of several: still the group */
            cli_level_free(&l);
            return;
        }
        const struct cli_cmd *cmd = l.v[k].cmd;
        if (cmd != NULL && cmd->alias != NULL) {
            const char *target = cmd->alias;
            strbuf_free(&r->path);
            strbuf_add(&r->path, target);
            for (size_t j = 0; j < cli_n_commands; j++) {
                cmd = strcmp(cli_commands[j].path, target) == 0 ? &cli_commands[j] : cmd;
            }
        } else {
            strbuf_addf(&r->path, "%s%s", r->path.len ? " " : "", l.v[k].word);
        }
        cli_level_free(&l);
        if (cmd != NULL) {
            r->cmd = cmd;
            r->group = false;
            r->first_arg = i + 1;
            return;
        }
    }
}

static bool store_open(struct cli *c)
{
    static int state; /* 0 untried, 1 open, -1 failed */

    if (state == 0) {
        state = cli_open(c) == 0 ? 1 : -1;
    }
    return state == 1;
}

/* Values of a parameter from the store: resources, nodes, rules, groups. */
static void offer_values(struct cli *c, const struct cli_opt *o, const char *cur)
{
    struct strlist l = {0};

    if (o->flags & OPT_REST) { /* help's words: the commands */
        offer_commands("", cur);
        return;
    }
    if (o->type == T_BOOL) {
        offer("0", cur);
        offer("1", cur);
        return;
    }
    if (o->type == T_ENUM) {
        cli_split_list(o->values, &l);
    } else if (!store_open(c)) {
        return;
    } else if (o->type == T_SID || o->type == T_SIDLIST) {
        struct svc_config sc;
        char *text = NULL;
        if (cli_read(c, "ha/resources.cfg", &text) == 0 &&
            svc_config_from_cfg(text, &sc, NULL) == 0) {
            for (size_t i = 0; i < sc.n; i++) {
                strlist_add(&l, sc.v[i].sid);
            }
            svc_config_free(&sc);
        }
        free(text);
    } else if (o->type == T_NODE || o->type == T_NODELIST) {
        cli_members(c, &l, NULL);
    } else if (o->type == T_CONFIGID && strcmp(o->name, "rule") == 0) {
        struct rules r;
        if (cli_load_rules(c, &r) == 0) {
            for (size_t i = 0; i < r.n; i++) {
                strlist_add(&l, r.v[i].id);
            }
        }
        rules_free(&r);
    } else if (o->type == T_CONFIGID && strcmp(o->name, "group") == 0) {
        struct groups g;
        if (cli_load_groups(c, &g) == 0) {
            for (size_t i = 0; i < g.n; i++) {
                strlist_add(&l, g.v[i].id);
            }
        }
        groups_free(&g);
    }
    for (size_t i = 0; i < l.n; i++) {
        offer(l.v[i], cur);
    }
    strlist_clear(&l);
}

/* The resources registered on one node that sc does not configure yet. */
static void
offer_node_new_sids(struct cli *c, const char *node, const struct svc_config *sc, const char *cur)
{
    char *dir = xasprintf("nodes/%s/resources", node), *err = NULL, **names = NULL;
    size_t n = 0;

    if (kv_list(c->kv, dir, &names, &n, &err) == 0) {
        for (size_t k = 0; k < n; k++) {
            if (svc_config_find(sc, names[k]) == NULL) {
                offer(names[k], cur);
            }
        }
        kv_free_names(names);
    }
    free(err);
    free(dir);
}

/* "add": the registered resources that are not configured yet (upstream
 * offers the guests that are not HA resources). */
static void offer_new_sids(struct cli *c, const char *cur)
{
    struct strlist nodes = {0};
    struct svc_config sc = {0};
    char *text = NULL;

    if (!store_open(c) || cli_members(c, &nodes, NULL) != 0 ||
        cli_read(c, "ha/resources.cfg", &text) != 0 || svc_config_from_cfg(text, &sc, NULL) != 0) {
        strlist_clear(&nodes);
        free(text);
        return;
    }
    for (size_t i = 0; i < nodes.n; i++) {
        offer_node_new_sids(c, nodes.v[i], &sc, cur);
    }
    svc_config_free(&sc);
    strlist_clear(&nodes);
    free(text);
}

static const struct cli_opt *find_opt(const struct cli_cmd *cmd, const char *name)
{
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        if (strcmp(o->name, name) == 0) {
            return o;
        }
    }
    return NULL;
}

static void complete_command(
    struct cli *c,
    const struct resolved *r,
    size_t n_args,
    bool space,
    const char *cur,
    const char *prev
)
{
    const struct cli_cmd *cmd = r->cmd;
    long pos = (long)n_args - 1 + space;
    size_t n_pos = 0;

    if (pos < 0) {
        return;
    }
    for (const struct cli_opt *a = cmd->args; a && a->name; a++) {
        if ((long)n_pos++ == pos) {
            if (a->type == T_SID && strcmp(cmd->path, "add") == 0) {
                offer_new_sids(c, cur);
            } else {
                offer_values(c, a, cur);
            }
            return;
        }
    }
    const struct cli_opt *o = NULL;
    if (cur[0] != '-' && prev[0] == '-') {
        o = find_opt(cmd, prev + 1 + (prev[1] == '-'));
    }
    if (o != NULL && !(cmd->fixed && str_starts(cmd->fixed, o->name))) {
        offer_values(c, o, cur);
        return;
    }
    for (o = cmd->opts; o && o->name; o++) {
        size_t n = strlen(o->name);
        if (cmd->fixed == NULL || strncmp(cmd->fixed, o->name, n) != 0 || cmd->fixed[n] != '=') {
            char *opt = xasprintf("--%s", o->name);
            offer(opt, cur);
            free(opt);
        }
    }
}

int cli_bashcomplete(struct cli *c, int argc, char **argv)
{
    const char *line = getenv("COMP_LINE"), *point = getenv("COMP_POINT");
    struct strlist words = {0};
    struct resolved r;
    long long at = 0;
    size_t from = 1;

    if (freopen("/dev/null", "w", stderr) == NULL || argc < 3 || line == NULL || point == NULL ||
        str_to_ll(point, 0, 1 << 20, &at) != STR_INT_OK) {
        return EXIT_OK;
    }
    const char *cur = argv[1], *prev = argv[2];
    char *upto = xstrndup(line, (size_t)at);
    size_t len = strlen(upto);
    bool space = len > 0 && strchr(" \t\n", upto[len - 1]) != NULL;
    split_words(upto, &words);
    while (from + 1 < words.n && strcmp(words.v[from], "-c") == 0) {
        c->conf_path = words.v[from + 1];
        from += 2;
    }
    resolve_words(&words, from, &r);
    if (r.expanded != NULL && strcmp(prev, r.expanded) != 0) {
        printf("%s\n", r.expanded);
    } else if (r.group && r.cmd == NULL) {
        offer_commands(strbuf_str(&r.path), cur);
    } else if (r.cmd != NULL) {
        complete_command(c, &r, words.n - r.first_arg, space, cur, prev);
    }
    cli_close(c);
    free(r.expanded);
    strbuf_free(&r.path);
    strlist_clear(&words);
    free(upto);
    return EXIT_OK;
}
