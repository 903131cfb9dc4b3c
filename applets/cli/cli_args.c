/* cli_args.c - ha-manager's argument parser, as upstream's
 * PVE::JSONSchema::get_options: options anywhere, "--name value",
 * "--name=value", one or two dashes, unique prefixes, booleans with an
 * optional value; then every value is checked (cli_check.c). Errors are
 * upstream's texts followed by the command's usage line, as
 * RESTHandler cli_handler adds it to a 400 error; exit 2. */
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

size_t cli_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

static void print_usage(const struct cli *c)
{
    char *line = cli_usage_line(c->cmd);

    fprintf(stderr, "%s\n", line);
    free(line);
}

/* A format check's message ends in a newline upstream ("invalid format -
 * " + the format's die text), so a blank line follows it. */
int cli_param_error(const struct cli *c, const char *name, const char *msg)
{
    char *e = str_escaped(msg); /* a message may quote the value given */

    fprintf(
        stderr, "400 Parameter verification failed.\n%s: %s\n%s", name, e,
        str_starts(msg, "invalid format - ") ? "\n" : ""
    );
    free(e);
    print_usage(c);
    return EXIT_USAGE;
}

int cli_usage_error(const struct cli *c, const char *msg)
{
    fprintf(stderr, "400 %s\n", msg);
    print_usage(c);
    return EXIT_USAGE;
}

/* Getopt's own line, then upstream's "400 unable to parse option". */
static int parse_error(const struct cli *c, const char *line)
{
    char *e = str_escaped(line);

    fprintf(stderr, "%s\n", e);
    free(e);
    return cli_usage_error(c, "unable to parse option");
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
static int find_opt(const struct cli *c, const char *name, size_t len, const struct cli_opt **out)
{
    const struct cli_opt *opts = c->cmd->opts;
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
    int rc = parse_error(c, line);
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
    const struct cli_opt *o = NULL;
    int rc = find_opt(c, tok, len, &o);

    if (rc != 0) {
        return rc;
    }
    if (value == NULL && o->type == T_BOOL) {
        value = *i + 1 < argc && !looks_like_option(argv[*i + 1]) ? argv[++*i] : "1";
    } else if (value == NULL && (o->flags & OPT_BARE)) {
        value = o->def; /* only --name=VALUE gives another */
    } else if (value == NULL) {
        if (*i + 1 >= argc) {
            char *line = xasprintf("Option %s requires an argument", o->name);
            rc = parse_error(c, line);
            free(line);
            return rc;
        }
        value = argv[++*i];
    }
    set_param(c, o->name, value);
    return 0;
}

static const struct cli_opt *find_param(const struct cli_cmd *cmd, const char *name)
{
    for (const struct cli_opt *a = cmd->args; a && a->name; a++) {
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    for (const struct cli_opt *a = cmd->opts; a && a->name; a++) {
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

/* get_options: a boolean is 1|on|yes|true or 0|off|no|false; it becomes
 * "0"/"1". */
static int parse_booleans(struct cli *c)
{
    for (size_t i = 0; i < c->n_params; i++) {
        const struct cli_opt *o = find_param(c->cmd, c->names[i]);
        if (o == NULL || o->type != T_BOOL) {
            continue;
        }
        int b = cli_parse_bool(c->values[i]);
        if (b < 0) {
            return cli_usage_error(c, "unable to parse boolean option");
        }
        free(c->values[i]);
        c->values[i] = xstrdup(b ? "1" : "0");
    }
    return 0;
}

/* An option of some rule types only, given for another type: upstream's
 * schema check of the type's variant. */
static bool foreign_option(const struct cli *c, const struct cli_opt *o)
{
    const char *type = cli_param(c, "type");
    struct strlist l = {0};

    if (o->only == NULL || type == NULL) {
        return false;
    }
    cli_split_list(o->only, &l);
    bool mine = strlist_has(&l, type);
    strlist_clear(&l);
    return !mine;
}

/* The schema check of every parameter (RESTHandler handle's validate). */
static int check_params(struct cli *c)
{
    const struct cli_cmd *cmd = c->cmd;

    for (size_t i = 0; i < c->n_params; i++) {
        const struct cli_opt *o = find_param(cmd, c->names[i]);
        char *msg = o && o->type != T_BOOL ? cli_check_value(o, c->values[i]) : NULL;
        if (o != NULL && msg == NULL && foreign_option(c, o)) {
            msg = xstrdup(
                "property is not defined in schema and the schema does not allow additional "
                "properties"
            );
        }
        if (msg != NULL) {
            int rc = cli_param_error(c, c->names[i], msg);
            free(msg);
            return rc;
        }
        if (o != NULL && o->type == T_UINT) { /* "+007" and "-0" are numbers */
            char *n = cli_normal_uint(c->values[i]);
            free(c->values[i]);
            c->values[i] = n;
        }
    }
    if (cmd->required != NULL && cli_param(c, cmd->required) == NULL) {
        return cli_param_error(c, cmd->required, "property is missing and it is not optional");
    }
    return 0;
}

/* Positional parameters: the required ones must all be there; an OPT_REST
 * one takes every remaining word. */
static int take_positionals(struct cli *c, const char *const *pos, size_t n_pos)
{
    size_t n_args = 0, n_required = 0;
    const struct cli_opt *rest = NULL;

    for (const struct cli_opt *a = c->cmd->args; a && a->name; a++) {
        n_args++;
        n_required += !(a->flags & OPT_OPTIONAL);
        rest = a->flags & OPT_REST ? a : rest;
    }
    if (n_pos < n_required) {
        return cli_usage_error(c, "not enough arguments");
    }
    if (n_pos > n_args && rest == NULL) {
        return cli_usage_error(c, "too many arguments");
    }
    for (size_t i = 0; i < n_pos && i < n_args; i++) {
        const struct cli_opt *a = &c->cmd->args[i];
        if (a == rest) {
            struct strbuf sb = {0};
            for (size_t k = i; k < n_pos; k++) {
                strbuf_addf(&sb, "%s%s", k > i ? " " : "", pos[k]);
            }
            set_param(c, a->name, strbuf_str(&sb));
            strbuf_free(&sb);
            break;
        }
        set_param(c, a->name, pos[i]);
    }
    return 0;
}

int cli_parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
    const char *pos[CLI_MAX_PARAMS];
    size_t n_pos = 0;
    int rc;

    c->cmd = cmd;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            if (i + 1 >= argc) {
                return parse_error(c, "Option c requires an argument");
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
    if ((rc = take_positionals(c, pos, n_pos)) != 0 || (rc = parse_booleans(c)) != 0) {
        return rc;
    }
    if (cmd->fixed != NULL) {
        const char *eq = strchr(cmd->fixed, '=');
        static char name[32];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - cmd->fixed), cmd->fixed);
        set_param(c, name, eq + 1);
    }
    if ((rc = check_params(c)) != 0) {
        return rc;
    }
    const char *fmt = cli_param(c, "output-format");
    c->fmt = fmt == NULL || strcmp(fmt, "text") == 0 ? FMT_TEXT
             : strcmp(fmt, "json") == 0              ? FMT_JSON
             : strcmp(fmt, "yaml") == 0              ? FMT_YAML
                                                     : FMT_JSON_PRETTY;
    return 0;
}
