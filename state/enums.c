/* enums.c - the words of the model's enumerations (model.h): one table per
 * enumeration, used both ways, so that a word is parsed once where it is
 * read and written back exactly as it came. */
#include <string.h>

#include "state/model.h"

static const char *const svc_state_names[SS_COUNT] = {
    [SS_NONE] = "",
    [SS_REQUEST_START] = "request_start",
    [SS_REQUEST_START_BALANCE] = "request_start_balance",
    [SS_STARTED] = "started",
    [SS_REQUEST_STOP] = "request_stop",
    [SS_STOPPED] = "stopped",
    [SS_MIGRATE] = "migrate",
    [SS_RELOCATE] = "relocate",
    [SS_FENCE] = "fence",
    [SS_RECOVERY] = "recovery",
    [SS_FREEZE] = "freeze",
    [SS_ERROR] = "error",
};

static const char *const node_state_names[NS_COUNT] = {
    [NS_UNKNOWN] = "unknown", [NS_ONLINE] = "online", [NS_MAINTENANCE] = "maintenance",
    [NS_FENCE] = "fence",     [NS_GONE] = "gone",
};

static const char *const lrm_mode_names[LRM_MODE_COUNT] = {
    [LRM_MODE_UNKNOWN] = "unknown",         [LRM_MODE_ACTIVE] = "active",
    [LRM_MODE_RESTART] = "restart",         [LRM_MODE_SHUTDOWN] = "shutdown",
    [LRM_MODE_MAINTENANCE] = "maintenance", [LRM_MODE_DISARM] = "disarm",
};

/* NULL: the value has no word of its own. */
static const char *const req_state_names[REQ_COUNT] = {
    [REQ_STARTED] = "started",
    [REQ_STOPPED] = "stopped",
    [REQ_DISABLED] = "disabled",
    [REQ_IGNORED] = "ignored",
};

static const char *const crm_cmd_names[CMD_COUNT] = {
    [CMD_MIGRATE] = "migrate",
    [CMD_RELOCATE] = "relocate",
    [CMD_STOP] = "stop",
    [CMD_ENABLE_NODE_MAINTENANCE] = "enable-node-maintenance",
    [CMD_DISABLE_NODE_MAINTENANCE] = "disable-node-maintenance",
    [CMD_DISARM_HA] = "disarm-ha",
    [CMD_ARM_HA] = "arm-ha",
};

/* The index of the n bytes at s among names[first..count), or -1. */
static int word_index(const char *const *names, int first, int count, const char *s, size_t n)
{
    for (int i = first; s != NULL && i < count; i++) {
        if (names[i] != NULL && strncmp(names[i], s, n) == 0 && names[i][n] == '\0') {
            return i;
        }
    }
    return -1;
}

/* The same for a NUL-terminated s (NULL: -1). */
static int word_index_z(const char *const *names, int first, int count, const char *s)
{
    for (int i = first; s != NULL && i < count; i++) {
        if (names[i] != NULL && strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return -1;
}

const char *svc_state_name(enum svc_state s)
{
    if ((int)s < 0 || s >= SS_COUNT) {
        return "";
    }
    return svc_state_names[s];
}

enum svc_state svc_state_parse(const char *s)
{
    int i = word_index_z(svc_state_names, SS_NONE + 1, SS_COUNT, s);

    return i < 0 ? SS_NONE : (enum svc_state)i;
}

const char *node_state_name(enum node_state s)
{
    if ((int)s < 0 || s >= NS_COUNT) {
        return "unknown";
    }
    return node_state_names[s];
}

int node_state_parse(const char *s, enum node_state *out)
{
    int i = word_index_z(node_state_names, 0, NS_COUNT, s);

    if (i < 0) {
        return -1;
    }
    *out = (enum node_state)i;
    return 0;
}

const char *lrm_mode_name(enum lrm_mode m)
{
    if ((int)m < 0 || m >= LRM_MODE_COUNT) {
        return "unknown";
    }
    return lrm_mode_names[m];
}

enum lrm_mode lrm_mode_parse(const char *s, size_t n)
{
    int i = word_index(lrm_mode_names, LRM_MODE_UNKNOWN + 1, LRM_MODE_COUNT, s, n);

    return i < 0 ? LRM_MODE_UNKNOWN : (enum lrm_mode)i;
}

const char *req_state_name(enum req_state s)
{
    if ((int)s < 0 || s >= REQ_COUNT) {
        return NULL;
    }
    return req_state_names[s];
}

enum req_state req_state_parse(const char *s)
{
    int i = word_index_z(req_state_names, REQ_NONE + 1, REQ_COUNT, s);

    return s == NULL ? REQ_NONE : i < 0 ? REQ_OTHER : (enum req_state)i;
}

const char *crm_cmd_name(enum crm_cmd c)
{
    if ((int)c < 0 || c >= CMD_COUNT) {
        return NULL;
    }
    return crm_cmd_names[c];
}

enum crm_cmd crm_cmd_parse(const char *s)
{
    int i = word_index_z(crm_cmd_names, CMD_NONE + 1, CMD_COUNT, s);

    return s == NULL ? CMD_NONE : i < 0 ? CMD_OTHER : (enum crm_cmd)i;
}
