/* ha_manager.c - the operator CLI `ha-manager`: the command table and the
 * dispatcher. The table is the one source of the parser, the usage lines,
 * help and the bash completion (cli_resolve.c, cli_usage.c,
 * cli_complete.c); the commands live in cli_*.c. Exit 0 ok, 1 runtime
 * error, 2 usage error; errors are on stderr in upstream's words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "applets/log.h"
#include "state/str.h"

#define FORMATS "text,json,json-pretty,yaml"
/* The output options of upstream's standard_output_options (never listed
 * in the option descriptions). */
#define FORMAT_OPT                                                                                 \
    {                                                                                              \
        .name = "output-format", .type = T_ENUM, .values = FORMATS, .flags = OPT_FORMAT            \
    }
#define TABLE_OPTS                                                                                 \
    FORMAT_OPT, {.name = "noborder", .type = T_BOOL, .flags = OPT_FORMAT},                         \
        {.name = "noheader", .type = T_BOOL, .flags = OPT_FORMAT},                                 \
        {.name = "quiet", .type = T_BOOL, .flags = OPT_FORMAT},                                    \
    {                                                                                              \
        .name = "human-readable", .type = T_BOOL, .flags = OPT_FORMAT                              \
    }
#define STATES "started,stopped,enabled,disabled,ignored"
#define TRIES CLI_MAX(SVC_TRIES_MAX)
#define COMMENT_OPT(what)                                                                          \
    {                                                                                              \
        .name = "comment", .type = T_COMMENT, .desc = (what)                                       \
    }
#define RES_OPTS                                                                                   \
    {.name = "state",                                                                              \
     .type = T_ENUM,                                                                               \
     .values = STATES,                                                                             \
     .def = "started",                                                                             \
     .desc =                                                                                       \
         "The state the resource is asked to be in. started: kept running, recovered "             \
         "elsewhere when its node fails. stopped: kept stopped, still moved when its node "        \
         "fails. disabled: stopped and left where it is; the way out of the error state. "         \
         "ignored: the HA stack leaves it alone. enabled means started."},                         \
        {.name = "group",                                                                          \
         .type = T_CONFIGID,                                                                       \
         .desc =                                                                                   \
             "The legacy HA group of the resource (until the groups are migrated to "              \
             "rules)."},                                                                           \
        {.name = "max_restart",                                                                    \
         .type = T_UINT,                                                                           \
         .values = TRIES,                                                                          \
         .def = "1",                                                                               \
         .desc =                                                                                   \
             "How often a failed start is retried on the same node before the resource is "        \
             "relocated."},                                                                        \
        {.name = "max_relocate",                                                                   \
         .type = T_UINT,                                                                           \
         .values = TRIES,                                                                          \
         .def = "1",                                                                               \
         .desc = "How often the resource is relocated to another node after failed starts."},      \
        {.name = "failback",                                                                       \
         .type = T_BOOL,                                                                           \
         .def = "1",                                                                               \
         .desc =                                                                                   \
             "Move the resource back to the node of highest priority in its node affinity "        \
             "rules when that node comes online."},                                                \
        COMMENT_OPT("A free-form description.")
#define EDIT_OPTS                                                                                  \
    {.name = "delete", .type = T_KEYLIST, .desc = "A list of settings to delete."},                \
    {                                                                                              \
        .name = "digest", .type = T_DIGEST,                                                        \
        .desc =                                                                                    \
            "Refuse the change if the file no longer has this digest (SHA-1), that is if "         \
            "someone else changed it since it was read."                                           \
    }
#define NA "node-affinity"
#define RA "resource-affinity"
#define BOTH NA "," RA
#define RULE_OPTS                                                                                  \
    {.name = "resources",                                                                          \
     .type = T_SIDLIST,                                                                            \
     .only = BOTH,                                                                                 \
     .desc = "The resources of the rule: a list of HA resource ids."},                             \
        {.name = "nodes",                                                                          \
         .type = T_NODELIST,                                                                       \
         .only = NA,                                                                               \
         .desc =                                                                                   \
             "The nodes of the rule, each with an optional priority (node:priority); a "           \
             "higher number is a higher priority."},                                               \
        {.name = "strict",                                                                         \
         .type = T_BOOL,                                                                           \
         .only = NA,                                                                               \
         .def = "0",                                                                               \
         .desc =                                                                                   \
             "Restrict the resources to the rule's nodes (strict) instead of only "                \
             "preferring them."},                                                                  \
        {.name = "affinity",                                                                       \
         .type = T_ENUM,                                                                           \
         .values = "positive,negative",                                                            \
         .only = RA,                                                                               \
         .desc = "Keep the resources on one node (positive) or on separate nodes (negative)."},    \
        {.name = "comment", .type = T_COMMENT, .only = BOTH, .desc = "A free-form description."},  \
    {                                                                                              \
        .name = "disable", .type = T_BOOL, .only = BOTH, .desc = "Disable the rule."               \
    }
#define GROUP_OPTS                                                                                 \
    {.name = "nodes",                                                                              \
     .type = T_NODELIST,                                                                           \
     .desc = "The nodes of the group, each with an optional priority (node:priority)."},           \
        {.name = "restricted",                                                                     \
         .type = T_BOOL,                                                                           \
         .def = "0",                                                                               \
         .desc = "Run the resources only on the nodes of the group."},                             \
        {.name = "nofailback",                                                                     \
         .type = T_BOOL,                                                                           \
         .def = "0",                                                                               \
         .desc =                                                                                   \
             "Do not move resources back to a node of higher priority when it comes "              \
             "online."},                                                                           \
        COMMENT_OPT("A free-form description.")
#define SID_ARG                                                                                    \
    {                                                                                              \
        .name = "sid", .type = T_SID,                                                              \
        .desc =                                                                                    \
            "HA resource id: type:name, e.g. vm:100 or ct:100. A bare guest id (100) stands "      \
            "for the vm: or ct: resource of that guest."                                           \
    }

static const struct cli_opt a_none[] = {{0}};
static const struct cli_opt a_sid[] = {SID_ARG, {0}};
static const struct cli_opt a_sid_node[] = {
    SID_ARG, {.name = "node", .type = T_NODE, .desc = "The target node."}, {0}};
static const struct cli_opt a_sid_timeout[] = {
    SID_ARG,
    {.name = "timeout",
     .type = T_UINT,
     .values = CLI_MAX(STOP_TIMEOUT_MAX),
     .desc = "Seconds to wait for a clean stop; 0 stops at once (hard)."},
    {0}};
static const struct cli_opt a_node[] = {
    {.name = "node", .type = T_NODE, .desc = "The cluster node."}, {0}};
static const struct cli_opt a_mode[] = {
    {.name = "resource-mode",
     .type = T_ENUM,
     .values = "freeze,ignore",
     .desc = "What happens to the resources while the stack is disarmed. freeze: no command or "
             "state change is applied. ignore: the HA stack leaves them alone."},
    {0}};
static const struct cli_opt a_rule_typed[] = {
    {.name = "type", .type = T_ENUM, .values = NA "," RA, .desc = "The rule type."},
    {.name = "rule", .type = T_CONFIGID, .desc = "The HA rule id."},
    {0}};
static const struct cli_opt a_rule[] = {
    {.name = "rule", .type = T_CONFIGID, .desc = "The HA rule id."}, {0}};
static const struct cli_opt a_group[] = {
    {.name = "group", .type = T_CONFIGID, .desc = "The HA group id."}, {0}};
static const struct cli_opt a_help[] = {
    {.name = "extra-args",
     .type = T_STR,
     .flags = OPT_OPTIONAL | OPT_REST,
     .desc = "The command to show help for."},
    {0}};

static const struct cli_opt o_none[] = {{0}};
static const struct cli_opt o_format[] = {FORMAT_OPT, {0}};
static const struct cli_opt o_status[] = {
    {.name = "verbose",
     .type = T_BOOL,
     .def = "0",
     .desc = "Also print the complete CRM and LRM status (JSON)."},
    {.name = "watch",
     .type = T_UINT,
     .values = "3600",
     .def = "2",
     .flags = OPT_BARE,
     .desc = "Redraw the status every N seconds (1 to 3600; --watch alone: 2) until "
             "interrupted; the screen is cleared only on a terminal."},
    FORMAT_OPT,
    {0}};
static const struct cli_opt o_config[] = {
    {.name = "type", .type = T_TYPE, .desc = "Only list the resources of this type."},
    FORMAT_OPT,
    {0}};
static const struct cli_opt o_add[] = {
    RES_OPTS,
    {.name = "type", .type = T_TYPE, .desc = "The resource type of a bare guest id."},
    {.name = "node",
     .type = T_NODE,
     .desc = "The node the resource is on: it is registered there (default: this node)."},
    {0}};
static const struct cli_opt o_set[] = {RES_OPTS, EDIT_OPTS, {0}};
static const struct cli_opt o_remove[] = {
    {.name = "purge",
     .type = T_BOOL,
     .def = "1",
     .desc = "Also drop the resource from the rules that name it; a rule left without "
             "resources is deleted."},
    {0}};
static const struct cli_opt o_rules_list[] = {
    {.name = "type", .type = T_ENUM, .values = NA "," RA, .desc = "Only list rules of this type."},
    {.name = "resource", .type = T_SID, .desc = "Only list the rules that name this resource."},
    TABLE_OPTS,
    {0}};
static const struct cli_opt o_rule_add[] = {RULE_OPTS, {0}};
static const struct cli_opt o_rule_set[] = {RULE_OPTS, EDIT_OPTS, {0}};
static const struct cli_opt o_group_add[] = {
    GROUP_OPTS,
    {.name = "type", .type = T_ENUM, .values = "group", .desc = "The group type."},
    {0}};
static const struct cli_opt o_group_set[] = {GROUP_OPTS, EDIT_OPTS, {0}};
static const struct cli_opt o_help[] = {
    {.name = "verbose", .type = T_BOOL, .desc = "Describe every option."}, {0}};

/* The class of upstream's handler of a command orders the usage lists of
 * an incomplete command (CLIHandler print_usage_short). */
enum { CLS_GROUPS = 1, CLS_RESOURCES, CLS_RULES, CLS_STATUS, CLS_CLI, CLS_HELP };

const struct cli_cmd cli_commands[] = {
    {.path = "status",
     .args = a_none,
     .opts = o_status,
     .run = cli_status,
     .cls = CLS_CLI,
     .desc = "Show the status of the HA stack: quorum, master, fencing, LRMs and resources."},
    {.path = "config",
     .args = a_none,
     .opts = o_config,
     .run = cli_config,
     .cls = CLS_RESOURCES,
     .desc = "List the HA resources."},
    {.path = "add",
     .args = a_sid,
     .opts = o_add,
     .run = cli_add,
     .cls = CLS_RESOURCES,
     .desc = "Put a resource under HA management."},
    {.path = "set",
     .args = a_sid,
     .opts = o_set,
     .run = cli_set,
     .cls = CLS_RESOURCES,
     .desc = "Change the configuration of an HA resource."},
    {.path = "remove",
     .args = a_sid,
     .opts = o_remove,
     .run = cli_remove,
     .cls = CLS_RESOURCES,
     .desc = "Take a resource out of HA management."},
    {.path = "migrate", .alias = "crm-command migrate"},
    {.path = "relocate", .alias = "crm-command relocate"},
    {.path = "crm-command migrate",
     .args = a_sid_node,
     .opts = o_none,
     .run = cli_motion,
     .fixed = "task=migrate",
     .cls = CLS_RESOURCES,
     .desc = "Ask the CRM to migrate a resource to another node (online)."},
    {.path = "crm-command relocate",
     .args = a_sid_node,
     .opts = o_none,
     .run = cli_motion,
     .fixed = "task=relocate",
     .cls = CLS_RESOURCES,
     .desc = "Ask the CRM to relocate a resource: stop it, then start it on the target node."},
    {.path = "crm-command stop",
     .args = a_sid_timeout,
     .opts = o_none,
     .run = cli_stop,
     .cls = CLS_CLI,
     .desc = "Ask the CRM to stop a resource."},
    {.path = "crm-command node-maintenance enable",
     .args = a_node,
     .opts = o_none,
     .run = cli_maintenance,
     .fixed = "disable=0",
     .cls = CLS_CLI,
     .desc = "Ask the CRM to put a node into maintenance mode."},
    {.path = "crm-command node-maintenance disable",
     .args = a_node,
     .opts = o_none,
     .run = cli_maintenance,
     .fixed = "disable=1",
     .cls = CLS_CLI,
     .desc = "Ask the CRM to take a node out of maintenance mode."},
    {.path = "crm-command disarm-ha",
     .args = a_mode,
     .opts = o_none,
     .run = cli_disarm,
     .cls = CLS_STATUS,
     .desc = "Ask the CRM to disarm the HA stack: every watchdog in the cluster is released."},
    {.path = "crm-command arm-ha",
     .args = a_none,
     .opts = o_none,
     .run = cli_arm,
     .cls = CLS_STATUS,
     .desc = "Ask the CRM to arm the HA stack again after a disarm."},
    {.path = "rules list",
     .args = a_none,
     .opts = o_rules_list,
     .run = cli_rules_list,
     .cls = CLS_RULES,
     .desc = "List the HA rules."},
    {.path = "rules config",
     .args = a_none,
     .opts = o_rules_list,
     .run = cli_rules_config,
     .cls = CLS_RULES,
     .desc = "List the HA rules with their state."},
    {.path = "rules add",
     .args = a_rule_typed,
     .opts = o_rule_add,
     .run = cli_rules_add,
     .cls = CLS_RULES,
     .desc = "Create an HA rule."},
    {.path = "rules set",
     .args = a_rule_typed,
     .opts = o_rule_set,
     .run = cli_rules_set,
     .cls = CLS_RULES,
     .desc = "Change an HA rule."},
    {.path = "rules remove",
     .args = a_rule,
     .opts = o_none,
     .run = cli_rules_remove,
     .cls = CLS_RULES,
     .desc = "Delete an HA rule."},
    {.path = "groupconfig",
     .args = a_none,
     .opts = o_format,
     .run = cli_group_config,
     .cls = CLS_GROUPS,
     .desc = "List the legacy HA groups."},
    {.path = "groupadd",
     .args = a_group,
     .opts = o_group_add,
     .run = cli_group_add,
     .required = "nodes",
     .cls = CLS_GROUPS,
     .desc = "Create a legacy HA group."},
    {.path = "groupset",
     .args = a_group,
     .opts = o_group_set,
     .run = cli_group_set,
     .cls = CLS_GROUPS,
     .desc = "Change a legacy HA group."},
    {.path = "groupremove",
     .args = a_group,
     .opts = o_none,
     .run = cli_group_remove,
     .cls = CLS_GROUPS,
     .desc = "Delete a legacy HA group."},
    {.path = "help",
     .args = a_help,
     .opts = o_help,
     .run = cli_help,
     .cls = CLS_HELP,
     .desc = "Show the usage of a command, or of all of them."},
};
const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

/* Commands that need no store. */
static bool offline(const struct cli_cmd *cmd)
{
    return cmd->run == cli_help;
}

/* Commands that only read: they never create or change anything in the
 * store, not even the folders of an empty one (an unmounted mount point). */
static bool read_only(const struct cli_cmd *cmd)
{
    return cmd->run == cli_status || cmd->run == cli_config || cmd->run == cli_rules_list ||
           cmd->run == cli_rules_config || cmd->run == cli_group_config;
}

static int ha_manager_main(int argc, char **argv)
{
    struct cli c = {0};
    const struct cli_cmd *cmd = NULL;
    int i = 1, rc;

    log_init(LOG_TO_STDERR, 6);
    while (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
        c.conf_path = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "bashcomplete") == 0) {
        return cli_bashcomplete(&c, argc - i - 1, argv + i + 1);
    }
    int words = 0;
    if ((rc = cli_resolve(argc - i, argv + i, &cmd, &words)) != 0) {
        return rc;
    }
    i += words;
    rc = cli_parse(&c, cmd, argc - i, argv + i);
    if (rc == 0 && !offline(cmd)) {
        c.read_only = read_only(cmd);
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
    .help = HELP_HA_MANAGER,
};
