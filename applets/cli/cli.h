/* cli.h - the internals of ha-manager (applets/ha_manager.c and cli_*.c),
 * not an API.
 *
 * A command is a path of words ("crm-command node-maintenance enable"), its
 * positional parameters and its options. The parser (cli_args.c) validates
 * every value against its type and keeps the parameters as strings
 * (booleans as "0"/"1"); the handlers read them with cli_param(). Handlers
 * print their own errors and return an exit code: 0, 1 (runtime) or 2
 * (usage). */
#ifndef HAVEN_CLI_H
#define HAVEN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

#include "applets/conf.h"
#include "kv/store.h"
#include "state/model.h"
#include "state/rules.h"

enum cli_fmt { FMT_TEXT, FMT_JSON, FMT_JSON_PRETTY, FMT_YAML };

enum cli_type {
    T_STR, /* any string without a newline */
    T_COMMENT, /* string of at most 4096 characters */
    T_UINT, /* integer in 0..values (its maximum, as decimal text: CLI_MAX()) */
    T_BOOL, /* 0/1, yes/no, true/false, on/off; a bare option is 1 */
    T_ENUM, /* one of cli_opt.values */
    T_SID, /* ha resource id, or a bare guest id */
    T_SIDLIST, /* list of ha resource ids */
    T_NODE, /* pve node name */
    T_NODELIST, /* node[:prio] list */
    T_CONFIGID, /* ^[A-Za-z][A-Za-z0-9_-]+$ */
    T_TYPE, /* resource type ^[a-z]+$ */
    T_KEYLIST, /* list of config ids (--delete) */
    T_DIGEST, /* a config digest: at most 64 characters */
};

#define CLI_MAX_TEXT(n) #n
#define CLI_MAX(n) CLI_MAX_TEXT(n) /* a T_UINT's maximum: CLI_MAX(SVC_TRIES_MAX) */

enum {
    OPT_OPTIONAL = 1, /* a positional parameter that may be left out */
    OPT_REST = 2, /* the last positional: every remaining word */
    OPT_FORMAT = 4, /* an output option (upstream's standard_output_options) */
    OPT_BARE = 8, /* an option that may come without a value: then its .def */
};

struct cli_opt {
    const char *name;
    enum cli_type type;
    const char *values; /* T_ENUM: "a,b,c"; T_UINT: the maximum */
    const char *desc; /* for help --verbose */
    const char *def; /* the default, for help --verbose */
    unsigned flags; /* OPT_* */
    const char *only; /* rule options: the rule types ("a,b") that have it */
};

struct cli;
struct strbuf;

/* One command of the table in ha_manager.c: the one source of the parser,
 * the usage lines, help and the completion. */
struct cli_cmd {
    const char *path; /* command words */
    const char *alias; /* path of the command this one stands for (no prefix match) */
    const struct cli_opt *args; /* positional parameters, {0}-terminated */
    const struct cli_opt *opts; /* options, {0}-terminated */
    int (*run)(struct cli *c);
    const char *fixed; /* "name=value" set by the command itself */
    const char *required; /* the option that must be given, or NULL */
    const char *desc; /* what it does, for help */
    int cls; /* the order of upstream's handler class (incomplete command lists) */
};
extern const struct cli_cmd cli_commands[];
extern const size_t cli_n_commands;

#define CLI_MAX_PARAMS 24

struct cli {
    const char *conf_path;
    bool read_only; /* the command only reads: the store is opened read-only */
    const struct cli_cmd *cmd;
    const char *names[CLI_MAX_PARAMS];
    char *values[CLI_MAX_PARAMS];
    size_t n_params;
    enum cli_fmt fmt;
    struct conf conf;
    bool conf_loaded;
    struct kv_store *kv;
    bool probed, quorate;
};

/* ---- cli_resolve.c ---- */
/* The command named by the words of argv: exact words, unique prefixes
 * (aliases only exactly), as upstream's resolve_cmd. 0 with *cmd and the
 * number of words taken, or an exit code (the error printed: unknown or
 * incomplete command). */
int cli_resolve(int argc, char **argv, const struct cli_cmd **cmd, int *used);
/* The table's view one level below path ("" = the top): each next word,
 * whether it is a command (else a group of them), the command, whether it
 * is an alias. */
struct cli_level_entry {
    char *word;
    const struct cli_cmd *cmd; /* a command (leaf), else NULL (a group) */
};
struct cli_level {
    size_t n;
    struct cli_level_entry v[32];
};
void cli_level(const char *path, struct cli_level *l);
void cli_level_free(struct cli_level *l);
/* The index of word in l: exact, else the one non-alias it is a prefix of;
 * -1 unknown, -2 ambiguous. */
int cli_level_find(const struct cli_level *l, const char *word);

/* ---- cli_usage.c ---- */
/* Upstream's short usage line: "ha-manager PATH <arg>... [OPTIONS]
 * [FORMAT_OPTIONS]" (caller frees). */
char *cli_usage_line(const struct cli_cmd *cmd);
/* The usage lines of every command below path (print_usage_short's
 * order: groups first, then by handler class and name), each indented by
 * seven blanks, appended to sb. Only the commands whose next word after
 * path starts with word when word is not NULL. */
void cli_usage_list(struct strbuf *sb, const char *path, const char *word);
int cli_help(struct cli *c);

/* ---- cli_complete.c ---- */
/* `ha-manager bashcomplete CMD CUR PREV` with COMP_LINE and COMP_POINT:
 * the candidates, one a line (upstream's print_bash_completion). */
int cli_bashcomplete(struct cli *c, int argc, char **argv);

/* ---- cli_args.c ---- */
/* Parse argv (after the command words) into c; 0 or an exit code (printed). */
int cli_parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv);
const char *cli_param(const struct cli *c, const char *name); /* NULL = absent */
/* cli_watch.c: run draw every --watch seconds until SIGINT or SIGTERM (exit 0). */
int cli_watch(struct cli *c, int (*draw)(struct cli *c));
void cli_params_free(struct cli *c);
/* "400 Parameter verification failed." + "<name>: <msg>" + the usage line;
 * returns 2. */
int cli_param_error(const struct cli *c, const char *name, const char *msg);
/* "400 <msg>" + the usage line; returns 2. */
int cli_usage_error(const struct cli *c, const char *msg);
/* Print one line on stderr (control characters escaped); returns rc. */
int cli_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text for the terminal: every control character but the newlines and tabs
 * that lay it out is escaped (str_escaped()), so that a value from the
 * store cannot drive the terminal. All text output goes through it. */
void cli_print_text(FILE *f, const char *text);
/* Characters of a UTF-8 string (bytes that do not continue one). */
size_t cli_utf8_len(const char *s);
/* ---- cli_check.c ---- */
/* Check v against a type: NULL when fine, else the upstream message
 * (malloc'd). */
char *cli_check_value(const struct cli_opt *o, const char *v);
/* 1 for 1|true|yes|on, 0 for 0|false|no|off (any case), -1 otherwise. */
int cli_parse_bool(const char *v);
/* Split a list on runs of ',', ';' and blanks into l. */
void cli_split_list(const char *s, struct strlist *l);
/* A nodes list ("n1:2,n2") against the members: NULL if fine, else the error
 * (caller frees; "" when the members could not be read, already reported). */
char *cli_check_node_list(struct cli *c, const char *nodes);
/* Replace the n nodes at *v by those of a checked nodes list (no priority
 * given: 0). */
void cli_set_node_list(const char *nodes, struct rule_node **v, size_t *n);
bool cli_valid_node(const char *s);
bool cli_valid_configid(const char *s);
/* The name part must suit its type (upstream's verify_name): NULL or a message. */
const char *cli_verify_name(const char *type, const char *name);
/* A value that passed a T_UINT check as plain decimal (caller frees). */
char *cli_normal_uint(const char *v);

/* ---- cli_json.c ---- */
/* Canonical JSON (sorted keys): compact, or Perl's pretty layout. Both end
 * with a newline. */
void cli_json_print(const cJSON *v, bool pretty);
/* The members of an array, or of an object sorted by key, as an array of
 * n pointers (NULL-terminated; caller frees the array only). */
const cJSON **cli_json_children(const cJSON *v, size_t *n);
/* Print v as the --output-format asks (JSON formats and YAML); nothing
 * with --quiet. */
void cli_json_output(const struct cli *c, const cJSON *v);
/* ---- cli_yaml.c ---- */
/* v as YAML::XS dumps it ("---" document, libyaml's block layout). */
void cli_yaml_print(const cJSON *v);
void cli_json_add_int(cJSON *o, const char *key, int64_t v);
void cli_json_add_str(cJSON *o, const char *key, const char *v); /* NULL = omitted */

/* ---- cli_table.c ---- */
/* A text table as upstream's print_text_table draws it. */
struct cli_table {
    size_t n_cols, n_rows;
    const char *const *cols;
    const bool *right; /* per column: a number (right aligned, sorted as one) */
    char **cells; /* n_rows * n_cols, owned */
};
void cli_table_add(struct cli_table *t, char **row); /* takes the strings */
/* Sorted by the first column; nothing for no rows. */
void cli_table_print(const struct cli *c, struct cli_table *t);
void cli_table_free(struct cli_table *t);

/* ---- cli_lenient.c ---- */
/* resources.cfg text parsed section by section: a section that does not
 * parse is left out with a warning on stderr (sc is always valid). */
void cli_resources_lenient(const char *text, struct svc_config *sc);

/* ---- cli_store.c ---- */
int cli_open(struct cli *c); /* conf + kv_open; 0 or exit code */
void cli_close(struct cli *c);
/* Read a store file: 0 (*text NULL when absent) or 1 (printed). */
int cli_read(struct cli *c, const char *path, char **text);
bool cli_quorate(struct cli *c);
int cli_need_quorum(struct cli *c); /* 0 or 1 ("cluster not ready - no quorum?") */
/* resources.cfg, strict, with node from the location registry. */
int cli_load_resources(struct cli *c, struct svc_config *sc, char *digest);
/* The same for display: a bad section is skipped with a warning. */
int cli_load_resources_shown(struct cli *c, struct svc_config *sc, char *digest);
int cli_load_ms(struct cli *c, struct manager_status *ms, char **raw);
/* The parsers of the two: 0, or 1 (printed). cli_parse_ms takes text (NULL
 * = absent) over: into *raw when raw is not NULL, else freed. */
int cli_parse_resources(const char *text, struct svc_config *sc, char *digest, bool lenient);
int cli_parse_ms(char *text, struct manager_status *ms, char **raw);
/* The first of nodes (names[i], counts[i]: node i's sorted registry) that
 * holds sid, or NULL. */
const char *cli_registry_find(
    const struct strlist *nodes, char *const *const *names, const size_t *counts, const char *sid
);
int cli_load_rules(struct cli *c, struct rules *r);
int cli_load_groups(struct cli *c, struct groups *g);
/* Members as names (sorted, the local node included). */
int cli_members(struct cli *c, struct strlist *nodes, struct strlist *online);
/* The node whose registry holds sid (first in byte order), *node NULL if
 * none; 0 or 1 (printed). */
int cli_registered_node(struct cli *c, const char *sid, char **node);
/* Resolve a bare guest id to vm:/ct: (the configured or registered one,
 * else vm:); caller frees. */
char *cli_resolve_sid(struct cli *c, const char *sid);
/* Run fn under domain-ha; an error fn returns (malloc'd) is printed as
 * "<what>: <err>" (what may be NULL). 0 or 1. */
int cli_locked(struct cli *c, const char *what, char *(*fn)(struct cli *c, void *arg), void *arg);
/* Write a config file under the held domain-ha lock; NULL or the error. */
char *cli_write_locked(struct cli *c, const char *path, const char *text);
/* Queue one CRM command line in the spool; 0 or 1 (printed). */
int cli_queue(struct cli *c, const char *line);
/* The crs: ha= setting of datacenter.cfg, NULL when basic or unknown. */
char *cli_crs_mode(struct cli *c);
char *cli_crs_mode_of(const char *datacenter_cfg); /* the same from the text */
/* rules.cfg plus the group rules of the resources. */
int cli_rules_effective(struct cli *c, const struct svc_config *sc, struct rules *r);
/* The feasibility check of r plus the group rules over the members:
 * the dropped rule ids and the messages (either may be NULL). */
int cli_rules_conflicts(
    struct cli *c,
    const struct rules *r,
    const struct svc_config *sc,
    struct rules_msgs *dropped,
    struct rules_msgs *msgs
);
bool cli_msgs_has(const struct rules_msgs *m, const char *s);
/* true when groups.cfg has no group (upstream have_groups_been_migrated). */
bool cli_groups_migrated(const struct groups *g);

/* ---- cli_snap.c: what status reads, in one kv_snapshot ---- */
/* Take the snapshot (quorum too): 0, or 1 (printed). */
int cli_snapshot(struct cli *c, struct kv_snapshot *sn);
/* A file of it as cli_read: 0 and *text (a copy, NULL when absent), or 1. */
int cli_snap_text(struct cli *c, const struct kv_snapshot *sn, const char *path, char **text);
int cli_snap_ms(struct cli *c, const struct kv_snapshot *sn, struct manager_status *ms, char **raw);
int cli_snap_resources_shown(struct cli *c, const struct kv_snapshot *sn, struct svc_config *sc);

/* ---- command handlers ---- */
int cli_status(struct cli *c);
int cli_config(struct cli *c);
int cli_add(struct cli *c);
int cli_set(struct cli *c);
int cli_remove(struct cli *c);
int cli_motion(struct cli *c); /* migrate, relocate */
int cli_stop(struct cli *c);
int cli_maintenance(struct cli *c);
int cli_disarm(struct cli *c);
int cli_arm(struct cli *c);
int cli_rules_list(struct cli *c);
int cli_rules_config(struct cli *c);
int cli_rules_add(struct cli *c);
int cli_rules_set(struct cli *c);
int cli_rules_remove(struct cli *c);
int cli_group_config(struct cli *c);
int cli_group_add(struct cli *c);
int cli_group_set(struct cli *c);
int cli_group_remove(struct cli *c);

/* ---- cli_status.c: the pure part, for tests through the binary ---- */
struct status_in {
    const char *local;
    bool quorate;
    int64_t now;
    const struct manager_status *ms;
    const struct lrm_status *lrm; /* per ms->nodes[i] */
    const bool *lrm_ok; /* readable and with a timestamp */
    const struct svc_config *sc; /* with node */
    const char *crs_ha; /* NULL = basic */
};
/* One entry of `ha-manager status`; strings are borrowed from the input unless noted. */
struct status_entry {
    char *id; /* owned */
    const char *type, *node;
    char *status; /* owned: the text after the type */
    int quorate;
    bool has_timestamp;
    int64_t timestamp;
    const char *armed_state, *resource_mode; /* fencing */
    const char *sid, *state, *crm_state; /* service */
    const struct svc_conf *sc; /* service: its config, or NULL */
};
struct status_list {
    struct status_entry *v;
    size_t n, cap;
};
/* The status entries in order, appended to l (valid while in is). */
void status_entries(const struct status_in *in, struct status_list *l);
void status_list_free(struct status_list *l);
/* The entries as JSON, with the keys of the stable schema (README.md, "ha-manager"). */
cJSON *status_json(const struct status_list *l);

#endif
