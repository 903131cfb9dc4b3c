/* ha_manager.c - the operator CLI `ha-manager` (README.md, "ha-manager"): the
 * command table and the dispatcher. The commands live in cli_*.c. Exit 0
 * ok, 1 runtime error, 2 usage error; errors are one to three lines on
 * stderr in upstream's words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "applets/log.h"
#include "state/str.h"

#define FORMAT_OPT                                                                                 \
    {                                                                                              \
        "output-format", T_ENUM, "text,json,json-pretty"                                           \
    }
#define TABLE_OPTS                                                                                 \
    FORMAT_OPT, {"noborder", T_BOOL, NULL}, {"noheader", T_BOOL, NULL},                            \
    {                                                                                              \
        "human-readable", T_BOOL, NULL                                                             \
    }
#define STATES "started,stopped,enabled,disabled,ignored"
#define TRIES CLI_MAX(SVC_TRIES_MAX)
#define RES_OPTS                                                                                   \
    {"state", T_ENUM, STATES}, {"group", T_CONFIGID, NULL}, {"max_restart", T_UINT, TRIES},        \
        {"max_relocate", T_UINT, TRIES}, {"failback", T_BOOL, NULL},                               \
    {                                                                                              \
        "comment", T_COMMENT, NULL                                                                 \
    }
#define RULE_TYPES "node-affinity,resource-affinity"
#define RULE_OPTS                                                                                  \
    {"resources", T_SIDLIST, NULL}, {"nodes", T_NODELIST, NULL}, {"strict", T_BOOL, NULL},         \
        {"affinity", T_ENUM, "positive,negative"}, {"comment", T_COMMENT, NULL},                   \
    {                                                                                              \
        "disable", T_BOOL, NULL                                                                    \
    }
#define GROUP_OPTS                                                                                 \
    {"nodes", T_NODELIST, NULL}, {"restricted", T_BOOL, NULL}, {"nofailback", T_BOOL, NULL},       \
    {                                                                                              \
        "comment", T_COMMENT, NULL                                                                 \
    }
#define EDIT_OPTS                                                                                  \
    {"delete", T_KEYLIST, NULL},                                                                   \
    {                                                                                              \
        "digest", T_STR, NULL                                                                      \
    }

static const struct cli_opt a_none[] = {{0}};
static const struct cli_opt a_sid[] = {{"sid", T_SID, NULL}, {0}};
static const struct cli_opt a_sid_node[] = {{"sid", T_SID, NULL}, {"node", T_NODE, NULL}, {0}};
static const struct cli_opt a_sid_timeout[] = {
    {"sid", T_SID, NULL}, {"timeout", T_UINT, CLI_MAX(STOP_TIMEOUT_MAX)}, {0}};
static const struct cli_opt a_node[] = {{"node", T_NODE, NULL}, {0}};
static const struct cli_opt a_mode[] = {{"resource-mode", T_ENUM, "freeze,ignore"}, {0}};
static const struct cli_opt a_rule_typed[] = {
    {"type", T_ENUM, RULE_TYPES}, {"rule", T_CONFIGID, NULL}, {0}};
static const struct cli_opt a_rule[] = {{"rule", T_CONFIGID, NULL}, {0}};
static const struct cli_opt a_group[] = {{"group", T_CONFIGID, NULL}, {0}};

static const struct cli_opt o_none[] = {{0}};
static const struct cli_opt o_format[] = {FORMAT_OPT, {0}};
static const struct cli_opt o_status[] = {{"verbose", T_BOOL, NULL}, FORMAT_OPT, {0}};
static const struct cli_opt o_config[] = {{"type", T_TYPE, NULL}, FORMAT_OPT, {0}};
static const struct cli_opt o_add[] = {
    RES_OPTS, {"type", T_TYPE, NULL}, {"node", T_NODE, NULL}, {0}};
static const struct cli_opt o_set[] = {RES_OPTS, EDIT_OPTS, {0}};
static const struct cli_opt o_remove[] = {{"purge", T_BOOL, NULL}, {0}};
static const struct cli_opt o_rules_list[] = {
    {"type", T_ENUM, RULE_TYPES}, {"resource", T_SID, NULL}, TABLE_OPTS, {0}};
static const struct cli_opt o_rule_add[] = {RULE_OPTS, {0}};
static const struct cli_opt o_rule_set[] = {RULE_OPTS, EDIT_OPTS, {0}};
static const struct cli_opt o_group_add[] = {GROUP_OPTS, {"type", T_ENUM, "group"}, {0}};
static const struct cli_opt o_group_set[] = {GROUP_OPTS, EDIT_OPTS, {0}};

static int cli_help(struct cli *c);

static const struct cli_cmd commands[] = {
    {"status", a_none, o_status, cli_status, NULL, "status [--verbose] [--output-format F]"},
    {"config", a_none, o_config, cli_config, NULL, "config [--type T] [--output-format F]"},
    {"add", a_sid, o_add, cli_add, NULL,
     "add SID [--state S] [--group G] [--max_restart N] [--max_relocate N] [--failback 0|1] "
     "[--comment C] [--type T] [--node N]"},
    {"set", a_sid, o_set, cli_set, NULL, "set SID [options of add] [--delete KEYS] [--digest D]"},
    {"remove", a_sid, o_remove, cli_remove, NULL, "remove SID [--purge 0|1]"},
    {"migrate", a_sid_node, o_none, cli_motion, "task=migrate", "migrate SID NODE"},
    {"relocate", a_sid_node, o_none, cli_motion, "task=relocate", "relocate SID NODE"},
    {"crm-command migrate", a_sid_node, o_none, cli_motion, "task=migrate",
     "crm-command migrate SID NODE"},
    {"crm-command relocate", a_sid_node, o_none, cli_motion, "task=relocate",
     "crm-command relocate SID NODE"},
    {"crm-command stop", a_sid_timeout, o_none, cli_stop, NULL, "crm-command stop SID TIMEOUT"},
    {"crm-command node-maintenance enable", a_node, o_none, cli_maintenance, "disable=0",
     "crm-command node-maintenance enable NODE"},
    {"crm-command node-maintenance disable", a_node, o_none, cli_maintenance, "disable=1",
     "crm-command node-maintenance disable NODE"},
    {"crm-command disarm-ha", a_mode, o_none, cli_disarm, NULL,
     "crm-command disarm-ha freeze|ignore"},
    {"crm-command arm-ha", a_none, o_none, cli_arm, NULL, "crm-command arm-ha"},
    {"rules list", a_none, o_rules_list, cli_rules_list, NULL,
     "rules list [--type T] [--resource SID] [--output-format F] [--noborder] [--noheader]"},
    {"rules config", a_none, o_rules_list, cli_rules_config, NULL,
     "rules config [--type T] [--resource SID] [--output-format F] [--noborder] [--noheader]"},
    {"rules add", a_rule_typed, o_rule_add, cli_rules_add, NULL,
     "rules add TYPE RULE --resources SIDS [--nodes N[:P],...] [--strict 0|1] "
     "[--affinity positive|negative] [--comment C] [--disable 0|1]"},
    {"rules set", a_rule_typed, o_rule_set, cli_rules_set, NULL,
     "rules set TYPE RULE [options of rules add] [--delete KEYS] [--digest D]"},
    {"rules remove", a_rule, o_none, cli_rules_remove, NULL, "rules remove RULE"},
    {"groupconfig", a_none, o_format, cli_group_config, NULL, "groupconfig [--output-format F]"},
    {"groupadd", a_group, o_group_add, cli_group_add, NULL,
     "groupadd GROUP --nodes N[:P],... [--restricted] [--nofailback] [--comment C]"},
    {"groupset", a_group, o_group_set, cli_group_set, NULL,
     "groupset GROUP [options of groupadd] [--delete KEYS] [--digest D]"},
    {"groupremove", a_group, o_none, cli_group_remove, NULL, "groupremove GROUP"},
    {"help", (const struct cli_opt[]){{"command", T_STR, "optional"}, {0}}, o_none, cli_help, NULL,
     "help [COMMAND]"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Commands that need no store. */
static bool offline(const struct cli_cmd *cmd)
{
    return cmd->run == cli_help;
}

static int cli_help(struct cli *c)
{
    const char *want = cli_param(c, "command");

    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (want == NULL || str_starts(commands[i].path, want)) {
            printf("ha-manager %s\n", commands[i].help);
        }
    }
    return EXIT_OK;
}

/* Words that are a prefix of some command path ("crm-command"). */
static bool is_group_word(const char *words)
{
    size_t n = strlen(words);

    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strncmp(commands[i].path, words, n) == 0 && commands[i].path[n] == ' ') {
            return true;
        }
    }
    return false;
}

static const struct cli_cmd *find_command(const char *words)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].path, words) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

static int unknown_command(const char *words)
{
    fprintf(stderr, "ERROR: unknown command 'ha-manager %s'\n", words);
    fprintf(stderr, "USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]\n");
    return EXIT_USAGE;
}

/* Collect the command words (skipping "-c FILE"), then parse the rest. */
static int ha_manager_main(int argc, char **argv)
{
    struct cli c = {0};
    struct strbuf words = {0};
    const struct cli_cmd *cmd = NULL;
    int i = 1, rc;

    log_init(LOG_TO_STDERR, 6);
    while (i < argc && cmd == NULL) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            c.conf_path = argv[i + 1];
            i += 2;
            continue;
        }
        if (argv[i][0] == '-') {
            break;
        }
        strbuf_addf(&words, "%s%s", words.len ? " " : "", argv[i++]);
        cmd = find_command(strbuf_str(&words));
        if (cmd == NULL && !is_group_word(strbuf_str(&words))) {
            rc = unknown_command(strbuf_str(&words));
            strbuf_free(&words);
            return rc;
        }
    }
    if (cmd == NULL) {
        rc = words.len ? unknown_command(strbuf_str(&words))
                       : cli_fail(
                             EXIT_USAGE,
                             "ERROR: no command specified\n"
                             "USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]"
                         );
        strbuf_free(&words);
        return rc;
    }
    strbuf_free(&words);
    rc = cli_parse(&c, cmd, argc - i, argv + i);
    if (rc == 0 && !offline(cmd)) {
        rc = cli_open(&c);
    }
    if (rc == 0) {
        fflush(stdout);
        rc = cmd->run(&c);
    }
    cli_close(&c);
    cli_params_free(&c);
    if (fflush(stdout) != 0 && rc == 0) {
        rc = cli_fail(EXIT_FAIL, "write error on standard output");
    }
    return rc;
}

const struct applet applet_ha_manager = {
    .name = "ha-manager",
    .main = ha_manager_main,
    .usage =
        "usage: ha-manager [-c FILE] COMMAND [ARGS] [OPTIONS]\n"
        "Operator command line of the HA stack (after Proxmox ha-manager).\n"
        "  status [--verbose]            cluster, node and service states\n"
        "  config [--type T]             the configured resources\n"
        "  add|set|remove SID ...        change a resource\n"
        "  migrate|relocate SID NODE     move a resource\n"
        "  crm-command stop|node-maintenance|disarm-ha|arm-ha ...\n"
        "  rules list|config|add|set|remove ...\n"
        "  groupconfig|groupadd|groupset|groupremove ...   legacy groups\n"
        "  help [COMMAND]                every command with its options\n"
        "-c FILE: configuration (default " CONF_DEFAULT_PATH
        ").\n"
        "--output-format text|json|json-pretty on status, config, rules list|config.\n"
        "Exit codes: 0 ok, 1 runtime error, 2 usage error.\n",
};
