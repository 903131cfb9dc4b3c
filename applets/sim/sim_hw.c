/* sim_hw.c - the hardware commands of the command list:
 * power, network, reboot/shutdown, LRM restart, CRM control, version and cfs
 * flags. Service commands are in sim_svc.c. A command logs its "execute"
 * line first and is validated afterwards; a bad command ends the run. */
#include "applets/sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

#include "state/crm.h"
#include "state/lrm.h"

void sim_crm_create(struct sim *sim, struct sim_node *n)
{
    n->crm = crm_new(&n->crm_d.env);
}

void sim_lrm_create(struct sim *sim, struct sim_node *n)
{
    n->lrm = lrm_new(&n->lrm_d.env);
}

static void power_on(struct sim *sim, struct sim_node *n)
{
    if (!n->power) {
        if (n->crm == NULL) {
            sim_crm_create(sim, n);
        }
        if (n->lrm == NULL) {
            sim_lrm_create(sim, n);
        }
        n->lrm_restart = false;
        n->cfs_rw = n->cfs_update = true;
    }
    n->power = n->network = true;
    free(n->shutdown);
    n->shutdown = NULL;
}

void sim_node_power_off(struct sim *sim, struct sim_node *n)
{
    if (n->power) {
        if (n->crm != NULL) {
            sim_log_line(sim, "info", n->crm_d.clock, n->crm_d.actor, "killed by poweroff");
            crm_free(n->crm);
            n->crm = NULL;
        }
        if (n->lrm != NULL) {
            sim_log_line(sim, "info", n->lrm_d.clock, n->lrm_d.actor, "killed by poweroff");
            lrm_free(n->lrm);
            n->lrm = NULL;
            n->lrm_restart = false;
        }
        sim_wd_drop_node(sim, n->name);
        sim_imap_clear(&n->running);
    }
    n->power = n->network = false;
    free(n->shutdown);
    n->shutdown = NULL;
}

static int on_off(struct sim *sim, const char *action, bool *out)
{
    if (str_eq(action, "on")) {
        *out = true;
    } else if (str_eq(action, "off")) {
        *out = false;
    } else {
        sim_abort(sim, "sim_hardware_cmd: unknown action '%s'\n", action ? action : "");
        return -1;
    }
    return 0;
}

static int cmd_power(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    bool on;

    if (on_off(sim, argv[2], &on) != 0) {
        return -1;
    }
    if (on) {
        power_on(sim, n);
    } else {
        sim_node_power_off(sim, n);
    }
    return 0;
}

static int cmd_network(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    return on_off(sim, argv[2], &n->network);
}

static int cmd_shutdown(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    free(n->shutdown);
    n->shutdown = xstrdup(argv[0]); /* "reboot" or "shutdown" */
    if (n->lrm != NULL) {
        lrm_shutdown_request(n->lrm, &n->lrm_d.env);
    }
    return 0;
}

static int cmd_restart_lrm(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    if (n->lrm != NULL) {
        n->lrm_restart = true;
        lrm_shutdown_request(n->lrm, &n->lrm_d.env);
    }
    return 0;
}

static int cmd_version(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    if (!str_eq(argv[2], "set") || argc < 4) {
        sim_abort(sim, "sim_hardware_cmd: bad pve-manager-version command\n");
        return -1;
    }
    free(n->version);
    n->version = xstrdup(argv[3]);
    return 0;
}

static int cmd_cfs(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    bool *flag = str_eq(argv[2], "rw")       ? &n->cfs_rw
                 : str_eq(argv[2], "update") ? &n->cfs_update
                                             : NULL;
    const char *how = argc > 3 ? argv[3] : "";

    if (flag == NULL || !(str_eq(how, "work") || str_eq(how, "fail"))) {
        sim_abort(sim, "sim_hardware_cmd: bad cfs command\n");
        return -1;
    }
    *flag = str_eq(how, "work");
    return 0;
}

/* Append one line to the CRM command queue: "<word>[ <arg>]". */
static void queue_cmd(struct sim *sim, const char *word, const char *arg)
{
    strbuf_add(&sim->crm_commands, word);
    if (arg != NULL) {
        strbuf_addf(&sim->crm_commands, " %s", arg);
    }
    strbuf_add(&sim->crm_commands, "\n");
}

static int crm_disarm(struct sim *sim, char **argv, int argc)
{
    const char *mode = argc > 3 ? argv[3] : "";

    if (!str_eq(mode, "freeze") && !str_eq(mode, "ignore")) {
        sim_abort(sim, "sim_hardware_cmd: unknown disarm mode '%s'\n", mode);
        return -1;
    }
    queue_cmd(sim, "disarm-ha", mode);
    return 0;
}

static int cmd_crm(struct sim *sim, struct sim_node *n, char **argv, int argc)
{
    const char *action = argv[2] ? argv[2] : "";

    if (strcmp(action, "stop") == 0) {
        if (n->crm != NULL) {
            n->crm_stop = true;
            crm_shutdown_request(n->crm, &n->crm_d.env);
        }
    } else if (strcmp(action, "start") == 0) {
        if (n->crm == NULL) {
            sim_crm_create(sim, n);
        }
    } else if (strcmp(action, "enable-node-maintenance") == 0 ||
               strcmp(action, "disable-node-maintenance") == 0) {
        queue_cmd(sim, action, n->name);
    } else if (strcmp(action, "disarm-ha") == 0) {
        return crm_disarm(sim, argv, argc);
    } else if (strcmp(action, "arm-ha") == 0) {
        queue_cmd(sim, "arm-ha", NULL);
    } else {
        sim_abort(sim, "unknown crm action");
        return -1;
    }
    return 0;
}

struct node_cmd {
    const char *name;
    bool needs_action;
    int (*run)(struct sim *sim, struct sim_node *n, char **argv, int argc);
};

static const struct node_cmd node_cmds[] = {
    {"power", true, cmd_power},
    {"network", true, cmd_network},
    {"reboot", false, cmd_shutdown},
    {"shutdown", false, cmd_shutdown},
    {"restart-lrm", false, cmd_restart_lrm},
    {"crm", true, cmd_crm},
    {"pve-manager-version", true, cmd_version},
    {"cfs", true, cmd_cfs},
};

static int node_cmd(struct sim *sim, char **argv, int argc)
{
    struct sim_node *n = sim_node_find(sim, argv[1]);

    for (size_t i = 0; i < sizeof(node_cmds) / sizeof(node_cmds[0]); i++) {
        if (strcmp(node_cmds[i].name, argv[0]) != 0) {
            continue;
        }
        if (node_cmds[i].needs_action && argc < 3) {
            sim_abort(sim, "sim_hardware_cmd: missing action for '%s'\n", argv[0]);
            return -1;
        }
        return node_cmds[i].run(sim, n, argv, argc);
    }
    sim_abort(sim, "unknown command");
    return -1;
}

/* Split on whitespace; returns a NULL-terminated vector (caller frees). */
static char **split_words(const char *s, int *argc)
{
    char **argv = xcalloc(strlen(s) / 2 + 2, sizeof(*argv));
    int n = 0;

    while (*s != '\0') {
        size_t len;

        s += strspn(s, " \t\n\r\f\v");
        len = strcspn(s, " \t\n\r\f\v");
        if (len == 0) {
            break;
        }
        argv[n++] = xstrndup(s, len);
        s += len;
    }
    *argc = n;
    return argv;
}

static void free_words(char **argv)
{
    for (size_t i = 0; argv[i] != NULL; i++) {
        free(argv[i]);
    }
    free(argv);
}

static bool valid_objid(const char *sid)
{
    const char *colon = strchr(sid, ':');

    if (colon == NULL || colon == sid || colon[1] == '\0') {
        return false;
    }
    for (const char *p = sid; p < colon; p++) {
        if (*p < 'a' || *p > 'z') {
            return false;
        }
    }
    return true;
}

static bool sim_sid_form(const char *sid)
{
    const char *p = sid + 3;

    if (strncmp(sid, "vm:", 3) != 0 && strncmp(sid, "ct:", 3) != 0 && strncmp(sid, "fa:", 3) != 0) {
        return false;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    return p > sid + 3 && *p == '\0';
}

char *sim_cmd_check(const struct sim *sim, const char *cmd)
{
    int argc;
    char **argv = split_words(cmd, &argc);
    char *why = NULL;
    bool known = argc > 0 && (strcmp(argv[0], "service") == 0 || strcmp(argv[0], "delay") == 0 ||
                              strcmp(argv[0], "skip-round") == 0);

    for (size_t i = 0; argc > 0 && !known && i < sizeof(node_cmds) / sizeof(node_cmds[0]); i++) {
        known = strcmp(argv[0], node_cmds[i].name) == 0;
    }
    if (!known) {
        why = xasprintf("unknown command '%s'", cmd);
    } else if (strcmp(argv[0], "delay") == 0 || strcmp(argv[0], "skip-round") == 0) {
        why = NULL; /* checked by the run loop's own patterns */
    } else if (argc < 2) {
        why = xasprintf("no node or service in '%s'", cmd);
    } else if (strcmp(argv[0], "service") == 0 && !sim_sid_form(argv[1])) {
        why = xasprintf("bad service id '%s' in '%s'", argv[1], cmd);
    } else if (strcmp(argv[0], "service") != 0 && sim_node_find(sim, argv[1]) == NULL) {
        why = xasprintf("unknown node '%s' in '%s'", argv[1], cmd);
    }
    free_words(argv);
    return why;
}

/* What node_cmd and its commands would abort on (kept in step with them):
 * NULL or a static reason. */
static const char *node_cmd_problem(char **argv, int argc)
{
    const char *act = argc > 2 ? argv[2] : "", *arg = argc > 3 ? argv[3] : "";

    for (size_t i = 0; i < sizeof(node_cmds) / sizeof(node_cmds[0]); i++) {
        if (strcmp(node_cmds[i].name, argv[0]) == 0 && node_cmds[i].needs_action && argc < 3) {
            return "missing action";
        }
    }
    if (str_eq(argv[0], "power") || str_eq(argv[0], "network")) {
        return str_eq(act, "on") || str_eq(act, "off") ? NULL : "want on or off";
    }
    if (str_eq(argv[0], "pve-manager-version")) {
        return str_eq(act, "set") && argc >= 4 ? NULL : "want set VERSION";
    }
    if (str_eq(argv[0], "cfs")) {
        return (str_eq(act, "rw") || str_eq(act, "update")) &&
                       (str_eq(arg, "work") || str_eq(arg, "fail"))
                   ? NULL
                   : "want rw|update work|fail";
    }
    if (str_eq(argv[0], "crm")) {
        static const char *const acts[] = {
            "stop", "start", "enable-node-maintenance", "disable-node-maintenance", "arm-ha"};
        if (str_eq(act, "disarm-ha")) {
            return str_eq(arg, "freeze") || str_eq(arg, "ignore") ? NULL
                                                                  : "want disarm-ha freeze|ignore";
        }
        for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
            if (str_eq(act, acts[i])) {
                return NULL;
            }
        }
        return "unknown crm action";
    }
    return NULL;
}

/* Whether sid is a service once the earlier commands of the slot ran. */
static bool service_exists(const struct sim *sim, const char *sid, char *const *earlier)
{
    bool exists = svc_config_find(&sim->cfg, sid) != NULL;

    for (size_t i = 0; earlier != NULL && earlier[i] != NULL; i++) {
        int argc;
        char **argv = split_words(earlier[i], &argc);
        if (argc >= 3 && str_eq(argv[0], "service") && str_eq(argv[1], sid)) {
            exists = str_eq(argv[2], "add") || (exists && !str_eq(argv[2], "delete"));
        }
        free_words(argv);
    }
    return exists;
}

char *sim_cmd_check_now(const struct sim *sim, const char *cmd, char *const *earlier)
{
    char *why = sim_cmd_check(sim, cmd);
    const char *problem = NULL;
    char **argv;
    int argc;

    if (why != NULL) {
        return why;
    }
    argv = split_words(cmd, &argc);
    if (str_eq(argv[0], "delay") || str_eq(argv[0], "skip-round")) {
        problem = sim_sched_form(cmd) ? NULL : "want delay N or skip-round crm|lrm [N]";
    } else if (str_eq(argv[0], "service")) {
        why = sim_svc_check(sim, argv, argc, service_exists(sim, argv[1], earlier));
    } else {
        problem = node_cmd_problem(argv, argc);
    }
    if (problem != NULL) {
        why = xasprintf("%s in '%s'", problem, cmd);
    }
    free_words(argv);
    return why;
}

/* Validate the object, log the execute line, then run the command. */
int sim_hw_cmd(struct sim *sim, const char *cmd, const char *actor)
{
    int argc, rc = -1;
    char **argv = split_words(cmd, &argc);

    if (argc < 2) {
        sim_abort(sim, "no obj");
    } else if (strcmp(argv[0], "service") == 0 && !valid_objid(argv[1])) {
        sim_abort(sim, "sim_hardware_cmd: invalid service id '%s'\n", argv[1]);
    } else if (strcmp(argv[0], "service") != 0 && sim_node_find(sim, argv[1]) == NULL) {
        sim_abort(sim, "sim_hardware_cmd: no such node '%s'\n", argv[1]);
    } else {
        sim_logf(sim, "info", actor, "execute %s", cmd);
        if (strcmp(argv[0], "service") == 0) {
            rc = sim_service_cmd(sim, argv, argc);
        } else {
            rc = node_cmd(sim, argv, argc);
        }
    }
    free_words(argv);
    return rc;
}
