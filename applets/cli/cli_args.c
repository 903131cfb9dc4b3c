/* cli_args.c - ha-manager's argument parser, as upstream's
 * PVE::JSONSchema::get_options: options anywhere, "--name value",
 * "--name=value", one or two dashes, unique prefixes, booleans with an
 * optional value; then every value is checked (cli_check.c). Errors are
 * upstream's texts, at most three lines, exit 2. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/str.h"

void cli_print_text(FILE *f, const char *text)
{
    struct strbuf sb = {0};

    while (*text != '\0') { /* newlines and tabs lay the text out: kept */
        size_t n = strcspn(text, "\n\t");
        char *part = xstrndup(text, n);
        strbuf_add_escaped(&sb, part);
        free(part);
        text += n;
        if (*text != '\0') {
            strbuf_addc(&sb, *text++);
        }
    }
    fwrite(strbuf_str(&sb), 1, sb.len, f);
    strbuf_free(&sb);
}

int cli_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    cli_print_text(stderr, msg);
    fputc('\n', stderr);
    free(msg);
    return rc;
}

int cli_param_error(const char *name, const char *msg)
{
    char *e = str_escaped(msg); /* a message may quote the value given */

    fprintf(stderr, "400 Parameter verification failed.\n%s: %s\n", name, e);
    free(e);
    return EXIT_USAGE;
}

static int parse_error(const char *line)
{
    fprintf(stderr, "%s\n400 unable to parse option\n", line);
    return EXIT_USAGE;
}

const char *cli_param(const struct cli *c, const char *name)
{
    for (size_t i = c->n_params; i-- > 0;) {
        if (strcmp(c->names[i], name) == 0) {
            return c->values[i];
        }
    }
    return NULL;
}

void cli_params_free(struct cli *c)
{
    for (size_t i = 0; i < c->n_params; i++) {
        free(c->values[i]);
    }
    c->n_params = 0;
}

static void set_param(struct cli *c, const char *name, const char *value)
{
    for (size_t i = 0; i < c->n_params; i++) {
        if (strcmp(c->names[i], name) == 0) { /* the last one wins, as Getopt */
            free(c->values[i]);
            c->values[i] = xstrdup(value);
            return;
        }
    }
    if (c->n_params < CLI_MAX_PARAMS) {
        c->names[c->n_params] = name;
        c->values[c->n_params++] = xstrdup(value);
    }
}

/* Exact name, else the unique option that name abbreviates. */
static int
find_opt(const struct cli_opt *opts, const char *name, size_t len, const struct cli_opt **out)
{
    const struct cli_opt *hit = NULL;
    struct strbuf amb = {0};
    int n = 0;

    for (const struct cli_opt *o = opts; o && o->name; o++) {
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
            *out = o;
            return 0;
        }
        if (strncmp(o->name, name, len) == 0) {
            strbuf_addf(&amb, "%s%s", n ? ", " : "", o->name);
            hit = o;
            n++;
        }
    }
    if (n == 1) {
        *out = hit;
        strbuf_free(&amb);
        return 0;
    }
    char *line = n == 0
                     ? xasprintf("Unknown option: %.*s", (int)len, name)
                     : xasprintf("Option %.*s is ambiguous (%s)", (int)len, name, strbuf_str(&amb));
    int rc = parse_error(line);
    free(line);
    strbuf_free(&amb);
    return rc;
}

static bool looks_like_option(const char *s)
{
    return s[0] == '-' && s[1] != '\0' && strspn(s + 1, "0123456789") != strlen(s + 1);
}

static int take_option(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv, int *i)
{
    const char *tok = argv[*i] + 1 + (argv[*i][1] == '-');
    size_t len = strcspn(tok, "=");
    const char *value = tok[len] == '=' ? tok + len + 1 : NULL;
    const struct cli_opt *o;
    int rc = find_opt(cmd->opts, tok, len, &o);

    if (rc != 0) {
        return rc;
    }
    if (value == NULL && o->type == T_BOOL) {
        value = *i + 1 < argc && !looks_like_option(argv[*i + 1]) ? argv[++*i] : "1";
    } else if (value == NULL) {
        if (*i + 1 >= argc) {
            char *line = xasprintf("Option %s requires an argument", o->name);
            rc = parse_error(line);
            free(line);
            return rc;
        }
        value = argv[++*i];
    }
    set_param(c, o->name, value);
    return 0;
}

/* Validate every parameter; booleans become "0"/"1". */
static int check_params(struct cli *c, const struct cli_cmd *cmd)
{
    for (size_t i = 0; i < c->n_params; i++) {
        const struct cli_opt *o = NULL;
        for (const struct cli_opt *a = cmd->args; a && a->name && !o; a++) {
            o = strcmp(a->name, c->names[i]) == 0 ? a : NULL;
        }
        for (const struct cli_opt *a = cmd->opts; a && a->name && !o; a++) {
            o = strcmp(a->name, c->names[i]) == 0 ? a : NULL;
        }
        char *msg = o ? cli_check_value(o, c->values[i]) : NULL;
        if (msg != NULL) {
            int rc = cli_param_error(c->names[i], msg);
            free(msg);
            return rc;
        }
        if (o && o->type == T_BOOL) {
            int b = cli_parse_bool(c->values[i]);
            free(c->values[i]);
            c->values[i] = xstrdup(b ? "1" : "0");
        }
    }
    return 0;
}

int cli_parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
    const char *pos[CLI_MAX_PARAMS];
    size_t n_pos = 0, n_args = 0, n_required = 0;
    int rc;

    c->cmd = cmd;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            if (i + 1 >= argc) {
                return parse_error("Option c requires an argument");
            }
            c->conf_path = argv[++i];
        } else if (strcmp(argv[i], "--") == 0) {
            while (++i < argc && n_pos < CLI_MAX_PARAMS) {
                pos[n_pos++] = argv[i];
            }
        } else if (looks_like_option(argv[i])) {
            if ((rc = take_option(c, cmd, argc, argv, &i)) != 0) {
                return rc;
            }
        } else if (n_pos < CLI_MAX_PARAMS) {
            pos[n_pos++] = argv[i];
        }
    }
    for (const struct cli_opt *a = cmd->args; a && a->name; a++) {
        n_args++;
        n_required += !(a->type == T_STR && a->values && strcmp(a->values, "optional") == 0);
    }
    if (n_pos < n_required) {
        return cli_fail(EXIT_USAGE, "400 not enough arguments");
    }
    if (n_pos > n_args) {
        return cli_fail(EXIT_USAGE, "400 too many arguments");
    }
    for (size_t i = 0; i < n_pos; i++) {
        set_param(c, cmd->args[i].name, pos[i]);
    }
    if (cmd->fixed != NULL) {
        const char *eq = strchr(cmd->fixed, '=');
        static char name[32];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - cmd->fixed), cmd->fixed);
        set_param(c, name, eq + 1);
    }
    if ((rc = check_params(c, cmd)) != 0) {
        return rc;
    }
    const char *fmt = cli_param(c, "output-format");
    c->fmt = fmt == NULL || strcmp(fmt, "text") == 0 ? FMT_TEXT
             : strcmp(fmt, "json") == 0              ? FMT_JSON
                                                     : FMT_JSON_PRETTY;
    return 0;
}
