/* cli_resolve.c - from command words to a command of the table, as
 * upstream's CLIHandler resolve_cmd: a word is taken exactly or as the
 * unique prefix of a command or group at its level (an alias only
 * exactly); words that end at a group are an incomplete command, listed
 * with its subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

#define CMD_USAGE "USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]"

void cli_level(const char *path, struct cli_level *l)
{
    size_t plen = strlen(path);

    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i < cli_n_commands; i++) {
        const char *p = cli_commands[i].path;
        if (plen > 0 && (strncmp(p, path, plen) != 0 || p[plen] != ' ')) {
            continue;
        }
        const char *w = p + plen + (plen > 0);
        size_t n = strcspn(w, " ");
        size_t k = 0;
        while (k < l->n && (strlen(l->v[k].word) != n || strncmp(l->v[k].word, w, n) != 0)) {
            k++;
        }
        if (k == l->n && l->n < sizeof(l->v) / sizeof(l->v[0])) {
            l->v[l->n++].word = xstrndup(w, n);
        }
        if (k < l->n && w[n] == '\0') {
            l->v[k].cmd = &cli_commands[i];
        }
    }
}

void cli_level_free(struct cli_level *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].word);
    }
    l->n = 0;
}

int cli_level_find(const struct cli_level *l, const char *word)
{
    int hit = -1;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].word, word) == 0) {
            return (int)i;
        }
    }
    for (size_t i = 0; i < l->n; i++) {
        bool alias = l->v[i].cmd != NULL && l->v[i].cmd->alias != NULL;
        if (!alias && str_starts(l->v[i].word, word)) {
            hit = hit == -1 ? (int)i : -2;
        }
    }
    return hit;
}

/* upstream's abort("incomplete command ..."): the message and the usage of
 * every command below (those the ambiguous word could mean). */
static int incomplete(const char *path, const char *shown, const char *word)
{
    struct strbuf sb = {0};

    cli_usage_list(&sb, path, word);
    char *e = str_escaped(shown);
    fprintf(stderr, "ERROR: incomplete command 'ha-manager %s'\n" CMD_USAGE "\n\n", e);
    fputs(strbuf_str(&sb), stderr);
    free(e);
    strbuf_free(&sb);
    return EXIT_USAGE;
}

static int unknown(const char *words)
{
    char *e = str_escaped(words);

    fprintf(stderr, "ERROR: unknown command 'ha-manager %s'\n" CMD_USAGE "\n", e);
    free(e);
    return EXIT_USAGE;
}

int cli_resolve(int argc, char **argv, const struct cli_cmd **cmd, int *used)
{
    struct strbuf path = {0};
    int i = 0, rc = 0;

    *cmd = NULL;
    while (*cmd == NULL && rc == 0) {
        struct cli_level l;
        if (i == argc) {
            rc = path.len ? incomplete(strbuf_str(&path), strbuf_str(&path), NULL)
                          : cli_fail(EXIT_USAGE, "ERROR: no command specified\n" CMD_USAGE);
            break;
        }
        cli_level(strbuf_str(&path), &l);
        int k = cli_level_find(&l, argv[i]);
        char *shown = xasprintf("%s%s%s", strbuf_str(&path), path.len ? " " : "", argv[i]);
        if (k == -1) {
            rc = unknown(shown);
        } else if (k == -2) {
            rc = incomplete(strbuf_str(&path), shown, argv[i]);
        } else if (l.v[k].cmd != NULL && l.v[k].cmd->alias != NULL) {
            strbuf_free(&path); /* the alias's words stand for this one */
            strbuf_add(&path, l.v[k].cmd->alias);
            *cmd = NULL;
            for (size_t j = 0; j < cli_n_commands && *cmd == NULL; j++) {
                *cmd =
                    strcmp(cli_commands[j].path, strbuf_str(&path)) == 0 ? &cli_commands[j] : NULL;
            }
            i++;
        } else {
            strbuf_addf(&path, "%s%s", path.len ? " " : "", l.v[k].word);
            *cmd = l.v[k].cmd;
            i++;
        }
        free(shown);
        cli_level_free(&l);
    }
    strbuf_free(&path);
    *used = i;
    return rc;
}
