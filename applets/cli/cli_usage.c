/* cli_usage.c - usage lines and help from the command table, in the layout
 * of upstream's RESTHandler getopt_usage and CLIHandler help: the short
 * line "ha-manager PATH <arg> --required <type> [OPTIONS]
 * [FORMAT_OPTIONS]", and the full form with the description and one
 * block per parameter, wrapped at 75 columns as Text::Wrap does (blanks,
 * not tabs). The descriptions are haven's own words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

#define WRAP_COLUMNS 76 /* Text::Wrap's $columns: lines of at most 75 */
#define PARAM_INDENT "             "

/* The JSON type of a parameter (a required option's "<type>"). */
static const char *json_type(enum cli_type t)
{
    return t == T_BOOL ? "boolean" : t == T_UINT ? "integer" : "string";
}

static bool listed(const struct cli_opt *o)
{
    return !(o->flags & OPT_FORMAT);
}

/* The fixed parameter of a command ("task=migrate"): not an option. */
static bool is_fixed(const struct cli_cmd *cmd, const char *name)
{
    size_t n = strlen(name);

    return cmd->fixed != NULL && strncmp(cmd->fixed, name, n) == 0 && cmd->fixed[n] == '=';
}

char *cli_usage_line(const struct cli_cmd *cmd)
{
    struct strbuf sb = {0}, args = {0};
    bool options = false, formats = false;

    for (const struct cli_opt *a = cmd->args; a && a->name; a++) {
        strbuf_addf(
            &args, "%s%s<%s>%s", args.len ? " " : "", a->flags & OPT_OPTIONAL ? "[" : "", a->name,
            a->flags & OPT_OPTIONAL ? "]" : ""
        );
    }
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        formats |= (o->flags & OPT_FORMAT) != 0;
        if (is_fixed(cmd, o->name) || !listed(o)) {
            continue;
        }
        if (cmd->required != NULL && strcmp(cmd->required, o->name) == 0) {
            strbuf_addf(&args, "%s--%s <%s>", args.len ? " " : "", o->name, json_type(o->type));
        } else {
            options = true;
        }
    }
    strbuf_addf(&sb, "ha-manager %s %s", cmd->path, strbuf_str(&args));
    strbuf_add(&sb, options ? " [OPTIONS]" : "");
    strbuf_add(&sb, formats ? " [FORMAT_OPTIONS]" : "");
    strbuf_free(&args);
    return strbuf_take(&sb);
}

/* Text::Wrap::wrap(first, rest, text) with its defaults: each line the
 * longest run of at most 75 characters, lead included, that ends before a
 * blank (which is dropped); a longer word is cut. */
static void wrap(struct strbuf *sb, const char *first, const char *rest, const char *text)
{
    const char *lead = first, *t = text, *brk = "";
    bool started = false;

    while (t[strspn(t, " \t\n")] != '\0') {
        size_t ll = WRAP_COLUMNS - strlen(lead) - 1, n = strcspn(t, "\n"), take = 0;
        for (size_t i = 0; i <= n && i <= ll; i++) { /* the last fitting end of a word */
            if (i == n || t[i] == ' ' || t[i] == '\t') {
                take = i;
            }
        }
        bool cut = take == 0 && n > ll && t[0] != ' ' && t[0] != '\t';
        take = cut ? ll : take;
        strbuf_addf(sb, "%s%s%.*s", started ? "\n" : "", lead, (int)take, t);
        t += take;
        brk = cut || *t == '\0' ? "" : t[0] == '\n' ? "\n" : " ";
        t += *t != '\0' && !cut;
        lead = rest;
        started = true;
    }
    if (strcmp(brk, "\n") == 0) {
        strbuf_add(sb, "\n");
    }
}

static char *type_text(const struct cli_opt *o)
{
    switch (o->type) {
    case T_BOOL:
        return xstrdup("<boolean>");
    case T_UINT:
        return xasprintf("<integer> (0 - %s)", o->values);
    case T_ENUM: {
        struct strlist l = {0};
        cli_split_list(o->values, &l);
        strlist_sort(&l);
        char *j = strlist_join(&l, " | "), *r = xasprintf("<%s>", j);
        free(j);
        strlist_clear(&l);
        return r;
    }
    case T_SID:
        return xstrdup("<type>:<name>");
    case T_SIDLIST:
        return xstrdup("<type>:<name>{,<type>:<name>}*");
    case T_NODELIST:
        return xstrdup("<node>[:<pri>]{,<node>[:<pri>]}*");
    default:
        return xstrdup(o->flags & OPT_REST ? "<array>" : "<string>");
    }
}

/* getopt_usage's block of one parameter: "  %-10s TYPE   (default=X)",
 * then the description indented by 13. */
static void param_block(struct strbuf *sb, const struct cli_opt *o, bool positional)
{
    char *name = positional ? xasprintf("<%s>", o->name) : xasprintf("--%s", o->name);
    char *tt = type_text(o), *def = o->def ? xasprintf("   (default=%s)", o->def) : xstrdup("");
    char *head = xasprintf("  %-10s %s%s\n", name, tt, def);

    wrap(sb, "", PARAM_INDENT, head);
    wrap(sb, PARAM_INDENT, PARAM_INDENT, o->desc ? o->desc : "no description available");
    strbuf_add(sb, "\n\n");
    free(head);
    free(def);
    free(tt);
    free(name);
}

static bool only_has(const char *only, const char *type)
{
    struct strlist l = {0};

    cli_split_list(only, &l);
    bool has = strlist_has(&l, type);
    strlist_clear(&l);
    return has;
}

/* The options of cmd to describe, sorted by name; those of one rule type
 * (type != NULL) or those of every type. */
static void option_blocks(struct strbuf *sb, const struct cli_cmd *cmd, const char *type)
{
    struct strlist names = {0};

    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        bool mine = type ? o->only && only_has(o->only, type) : o->only == NULL;
        if (mine && listed(o) && !is_fixed(cmd, o->name)) {
            strlist_add(&names, o->name);
        }
    }
    strlist_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
            if (strcmp(o->name, names.v[i]) == 0) {
                param_block(sb, o, false);
            }
        }
    }
    strlist_clear(&names);
}

/* getopt_usage 'full': the usage line, the description, the positional
 * parameters, the options, and the options of each rule type. */
static void usage_full(struct strbuf *sb, const struct cli_cmd *cmd)
{
    char *line = cli_usage_line(cmd);
    struct strlist types = {0};

    strbuf_addf(sb, "USAGE: %s\n\n", line);
    wrap(sb, "  ", "  ", cmd->desc);
    strbuf_add(sb, "\n\n");
    for (const struct cli_opt *a = cmd->args; a && a->name; a++) {
        param_block(sb, a, true);
        if (strcmp(a->name, "type") == 0 && a->type == T_ENUM) {
            cli_split_list(a->values, &types);
        }
    }
    option_blocks(sb, cmd, NULL);
    bool conditional = false;
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        conditional |= o->only != NULL;
    }
    if (conditional) {
        strlist_sort(&types);
        strbuf_add(sb, " Conditional options:\n\n");
        for (size_t i = 0; i < types.n; i++) {
            strbuf_addf(sb, " [type=%s]\n\n", types.v[i]);
            option_blocks(sb, cmd, types.v[i]);
        }
    }
    strlist_clear(&types);
    free(line);
}

/* Order of one level: upstream's print_usage_short puts groups first (by
 * name), then commands by handler class and name; help's own listing is
 * by name alone. */
static bool by_class;

static int cmp_entry(const void *a, const void *b)
{
    const struct cli_level_entry *x = a, *y = b;

    if (by_class && (x->cmd == NULL) != (y->cmd == NULL)) {
        return x->cmd == NULL ? -1 : 1;
    }
    if (by_class && x->cmd != NULL && x->cmd->cls != y->cmd->cls) {
        return x->cmd->cls < y->cmd->cls ? -1 : 1;
    }
    return strcmp(x->word, y->word);
}

/* One command's usage into sb: the full text or the short, indented line. */
static void usage_entry(struct strbuf *sb, const struct cli_cmd *cmd, bool full)
{
    if (full) {
        usage_full(sb, cmd);
    } else {
        char *line = cli_usage_line(cmd);
        strbuf_addf(sb, "       %s\n", line);
        free(line);
    }
}

/* A level of the command tree being walked and the next entry to visit. */
struct walk_frame {
    struct cli_level l;
    size_t next;
    char *path;
};

static void walk_push(struct walk_frame **st, size_t *n, size_t *cap, char *path)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *st = xrealloc(*st, *cap * sizeof(**st));
    }
    struct walk_frame *f = &(*st)[(*n)++];
    f->path = path;
    f->next = 0;
    cli_level(path, &f->l);
    qsort(f->l.v, f->l.n, sizeof(f->l.v[0]), cmp_entry);
}

/* Every command below path, depth first, with an explicit stack of levels;
 * full or short (indented) usage. word filters the first level only. */
static void walk(struct strbuf *sb, const char *path, const char *word, bool full)
{
    struct walk_frame *st = NULL;
    size_t n = 0, cap = 0;

    walk_push(&st, &n, &cap, xstrdup(path));
    while (n > 0) {
        struct walk_frame *f = &st[n - 1];
        if (f->next == f->l.n) {
            cli_level_free(&f->l);
            free(f->path);
            n--;
            continue;
        }
        const struct cli_level_entry *e = &f->l.v[f->next++];
        if ((e->cmd != NULL && e->cmd->alias != NULL) ||
            (word && n == 1 && !str_starts(e->word, word))) {
            continue;
        }
        if (e->cmd == NULL) {
            walk_push(&st, &n, &cap, xasprintf("%s%s%s", f->path, *f->path ? " " : "", e->word));
        } else {
            usage_entry(sb, e->cmd, full);
        }
    }
    free(st);
}

void cli_usage_list(struct strbuf *sb, const char *path, const char *word)
{
    by_class = true;
    walk(sb, path, word, false);
}

/* The command path the help words name, into path: a group or a command
 * (aliases followed); a word that may mean several commands ends it and is
 * returned in *ambiguous. Non-zero after an unknown word. */
static int help_path(const struct strlist *words, struct strbuf *path, const char **ambiguous)
{
    int rc = 0;

    for (size_t i = 0; i < words->n && rc == 0; i++) {
        struct cli_level l;
        cli_level(strbuf_str(path), &l);
        int k = cli_level_find(&l, words->v[i]);
        if (k == -1) {
            rc = cli_fail(
                EXIT_USAGE,
                "ERROR: unknown command '%s'\nUSAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]",
                words->v[0]
            );
        } else if (k == -2) {
            *ambiguous = words->v[i]; /* the commands it may mean */
            i = words->n;
        } else {
            const struct cli_cmd *cmd = l.v[k].cmd;
            if (cmd && cmd->alias) {
                strbuf_free(path);
            }
            strbuf_addf(
                path, "%s%s", path->len ? " " : "", cmd && cmd->alias ? cmd->alias : l.v[k].word
            );
            if (cmd != NULL) {
                i = words->n; /* a command: the words after it do not matter */
            }
        }
        cli_level_free(&l);
    }
    return rc;
}

/* The usage of every command whose path is exactly path, into sb: full or
 * one line. False when path names no command (it is a group). */
static bool help_leaf(struct strbuf *sb, const char *path, bool verbose)
{
    bool leaf = false;

    for (size_t i = 0; i < cli_n_commands; i++) {
        if (strcmp(cli_commands[i].path, path) != 0) {
            continue;
        }
        leaf = true;
        if (verbose) {
            usage_full(sb, &cli_commands[i]);
        } else {
            char *line = cli_usage_line(&cli_commands[i]);
            strbuf_addf(sb, "%s\n", line);
            free(line);
        }
    }
    return leaf;
}

/* upstream's help: the full usage (the default) or the short one of the
 * commands the words name, or of all. */
int cli_help(struct cli *c)
{
    const char *extra = cli_param(c, "extra-args"), *v = cli_param(c, "verbose");
    bool verbose = v == NULL || strcmp(v, "1") == 0;
    struct strlist words = {0};
    struct strbuf path = {0}, sb = {0};
    const char *ambiguous = NULL;

    cli_split_list(extra ? extra : "", &words);
    int rc = help_path(&words, &path, &ambiguous);
    if (rc == 0) {
        by_class = false;
        if (!help_leaf(&sb, strbuf_str(&path), verbose)) {
            walk(&sb, strbuf_str(&path), ambiguous, verbose);
        }
        const char *s = strbuf_str(&sb);
        s += strspn(s, " \t\n");
        printf("%s%s\n", verbose ? "" : "USAGE: ", s);
    }
    strbuf_free(&sb);
    strbuf_free(&path);
    strlist_clear(&words);
    return rc;
}
