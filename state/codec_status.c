/* codec_status.c - manager status and LRM status JSON (schemas in
 * state/README.md) <-> model.h structs. Loose scalars, ignored unknown keys and
 * sorted output as described in codec_json.c. */
#include "state/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "state/codec_json.h"
#include "state/str.h"

static int sd_cmd_from_json(const cJSON *it, struct sd *sd)
{
    const cJSON *a0, *a1;

    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    if (!cJSON_IsArray(it) || (a0 = cJSON_GetArrayItem(it, 0)) == NULL) {
        return -1;
    }
    a1 = cJSON_GetArrayItem(it, 1);
    if (!cJSON_IsString(a0) || cj_get_str(a1, &sd->cmd_arg) < 0) {
        return -1;
    }
    sd->cmd = crm_cmd_parse(a0->valuestring);
    if (sd->cmd == CMD_OTHER) {
        sd->cmd_text = xstrdup(a0->valuestring);
    }
    return 0;
}

/* NULL (absent) or a name of node syntax. */
static bool node_or_null(const char *node)
{
    return node == NULL || ha_node_ok(node);
}

/* A name outside its syntax: the error names it escaped. */
static int bad_name(char **err, const char *what, const char *name)
{
    char *e = str_escaped(name);

    cj_fail(err, "manager status: invalid %s '%s'", what, e);
    free(e);
    return -1;
}

static int sd_failed_from_json(const cJSON *it, struct sd *sd)
{
    const cJSON *c;
    char *s;

    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    if (!cJSON_IsArray(it)) {
        return -1;
    }
    sd->has_failed_nodes = true;
    cJSON_ArrayForEach(c, it)
    {
        if (cj_get_str(c, &s) < 0 || s == NULL || !ha_node_ok(s)) {
            free(s);
            return -1;
        }
        strlist_add(&sd->failed_nodes, s);
        free(s);
    }
    return 0;
}

/* Returns NULL or the name of the bad key. */
static const char *sd_from_json(const cJSON *o, struct sd *sd)
{
    char *state = NULL;

    if (cj_get_str(cj_member(o, "state"), &state) < 0) {
        return "state";
    }
    sd->state = svc_state_parse(state);
    if (state != NULL && sd->state == SS_NONE) {
        free(state);
        return "state";
    }
    free(state);
    if (cj_get_str(cj_member(o, "node"), &sd->node) < 0 || !node_or_null(sd->node)) {
        return "node";
    }
    if (cj_get_str(cj_member(o, "uid"), &sd->uid) < 0) {
        return "uid";
    }
    if (cj_get_str(cj_member(o, "target"), &sd->target) < 0 || !node_or_null(sd->target)) {
        return "target";
    }
    if (cj_get_str(cj_member(o, "timeout"), &sd->timeout) < 0) {
        return "timeout";
    }
    if (cj_get_str(cj_member(o, "maintenance_node"), &sd->maintenance_node) < 0 ||
        !node_or_null(sd->maintenance_node)) {
        return "maintenance_node";
    }
    if (cj_get_truth(cj_member(o, "running"), &sd->running) < 0) {
        return "running";
    }
    if (sd_failed_from_json(cj_member(o, "failed_nodes"), sd) < 0) {
        return "failed_nodes";
    }
    if (sd_cmd_from_json(cj_member(o, "cmd"), sd) < 0) {
        return "cmd";
    }
    return NULL;
}

static int ms_svcs_from_json(const cJSON *obj, struct manager_status *ms, char **err)
{
    size_t n;
    const cJSON **kids = cj_sorted_children(obj, &n);
    int rc = 0;

    ms->svcs = xcalloc(n, sizeof(*ms->svcs));
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct sd *sd = &ms->svcs[ms->n_svcs++];
        const char *bad;

        sd->sid = xstrdup(kids[i]->string);
        if (!ha_sid_ok(sd->sid)) {
            rc = bad_name(err, "service id", sd->sid);
        } else if (!cJSON_IsObject(kids[i])) {
            rc = cj_fail(err, "manager status: service '%s': not an object", sd->sid);
        } else if ((bad = sd_from_json(kids[i], sd)) != NULL) {
            rc = cj_fail(err, "manager status: service '%s': bad value for %s", sd->sid, bad);
        }
    }
    free(kids);
    return rc;
}

static int ms_nodes_from_json(const cJSON *obj, struct manager_status *ms, char **err)
{
    size_t n;
    const cJSON **kids = cj_sorted_children(obj, &n);
    int rc = 0;

    ms->nodes = xcalloc(n, sizeof(*ms->nodes));
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct node_entry *e = &ms->nodes[ms->n_nodes++];

        e->node = xstrdup(kids[i]->string);
        if (!ha_node_ok(e->node)) {
            rc = bad_name(err, "node name", e->node);
        } else if (!cJSON_IsString(kids[i]) || node_state_parse(kids[i]->valuestring, &e->state) < 0) {
            rc = cj_fail(err, "manager status: node '%s': bad node state", e->node);
        }
    }
    free(kids);
    return rc;
}

static int ms_reqs_from_json(const cJSON *obj, struct manager_status *ms, char **err)
{
    size_t n;
    const cJSON **kids = cj_sorted_children(obj, &n);
    int rc = 0;

    ms->has_node_request = true;
    ms->reqs = xcalloc(n, sizeof(*ms->reqs));
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct node_request *r = &ms->reqs[ms->n_reqs++];

        r->node = xstrdup(kids[i]->string);
        if (!ha_node_ok(r->node)) {
            rc = bad_name(err, "node name", r->node);
        } else if (!cJSON_IsObject(kids[i]) || cj_get_truth(cj_member(kids[i], "maintenance"), &r->maintenance) < 0) {
            rc = cj_fail(err, "manager status: bad node_request for node '%s'", r->node);
        }
    }
    free(kids);
    return rc;
}

static int ms_disarm_from_json(const cJSON *obj, struct manager_status *ms, char **err)
{
    if (cj_get_str(cj_member(obj, "mode"), &ms->disarm_mode) < 0 ||
        cj_get_str(cj_member(obj, "state"), &ms->disarm_state) < 0) {
        return cj_fail(err, "manager status: bad value for disarm");
    }
    return 0;
}

/* Each object-valued member and its reader, in one table. */
struct ms_part {
    const char *key;
    int (*read)(const cJSON *obj, struct manager_status *ms, char **err);
};

static const struct ms_part ms_parts[] = {
    {"node_status", ms_nodes_from_json},
    {"service_status", ms_svcs_from_json},
    {"node_request", ms_reqs_from_json},
    {"disarm", ms_disarm_from_json},
};

static int ms_from_tree(const cJSON *root, struct manager_status *ms, char **err)
{
    const cJSON *obj;

    if (cj_get_str(cj_member(root, "master_node"), &ms->master_node) < 0 ||
        !node_or_null(ms->master_node)) {
        return cj_fail(err, "manager status: bad value for master_node");
    }
    obj = cj_member(root, "timestamp");
    if (obj != NULL && !cJSON_IsNull(obj) && cj_get_int64(obj, &ms->timestamp) < 0) {
        return cj_fail(err, "manager status: bad value for timestamp");
    }
    for (size_t i = 0; i < sizeof(ms_parts) / sizeof(ms_parts[0]); i++) {
        if (cj_member_object(root, ms_parts[i].key, &obj) < 0) {
            return cj_fail(err, "manager status: bad value for %s", ms_parts[i].key);
        }
        if (obj != NULL && ms_parts[i].read(obj, ms, err) < 0) {
            return -1;
        }
    }
    return 0;
}

int ms_from_json(const char *json, struct manager_status *out, char **err)
{
    cJSON *root;
    int rc;

    memset(out, 0, sizeof(*out));
    root = cj_parse_object(json, "manager status", err);
    if (root == NULL) {
        return -1;
    }
    rc = ms_from_tree(root, out, err);
    cJSON_Delete(root);
    if (rc < 0) {
        ms_free(out);
    }
    return rc;
}

static void sd_to_json(struct strbuf *sb, const struct sd *sd)
{
    bool first = true;

    strbuf_addc(sb, '{');
    if (sd->cmd != CMD_NONE) {
        JW_KEY(sb, "cmd", &first);
        strbuf_addc(sb, '[');
        jw_string(sb, sd_cmd_word(sd));
        if (sd->cmd_arg != NULL) {
            strbuf_addc(sb, ',');
            if (sd->cmd == CMD_STOP) {
                jw_loose_num(sb, sd->cmd_arg);
            } else {
                jw_string(sb, sd->cmd_arg);
            }
        }
        strbuf_addc(sb, ']');
    }
    if (sd->has_failed_nodes || sd->failed_nodes.n > 0) {
        JW_KEY(sb, "failed_nodes", &first);
        strbuf_addc(sb, '[');
        for (size_t i = 0; i < sd->failed_nodes.n; i++) {
            if (i > 0) {
                strbuf_addc(sb, ',');
            }
            jw_string(sb, sd->failed_nodes.v[i]);
        }
        strbuf_addc(sb, ']');
    }
    if (sd->maintenance_node != NULL) {
        JW_KEY(sb, "maintenance_node", &first);
        jw_string(sb, sd->maintenance_node);
    }
    if (sd->node != NULL) {
        JW_KEY(sb, "node", &first);
        jw_string(sb, sd->node);
    }
    if (sd->running) {
        JW_KEY(sb, "running", &first);
        strbuf_addc(sb, '1');
    }
    if (sd->state != SS_NONE) {
        JW_KEY(sb, "state", &first);
        jw_string(sb, svc_state_name(sd->state));
    }
    if (sd->target != NULL) {
        JW_KEY(sb, "target", &first);
        jw_string(sb, sd->target);
    }
    if (sd->timeout != NULL) {
        JW_KEY(sb, "timeout", &first);
        jw_loose_num(sb, sd->timeout);
    }
    if (sd->uid != NULL) {
        JW_KEY(sb, "uid", &first);
        jw_string(sb, sd->uid);
    }
    strbuf_addc(sb, '}');
}

static void ms_head_to_json(struct strbuf *sb, const struct manager_status *ms, bool *first)
{
    if (ms->disarm_mode != NULL || ms->disarm_state != NULL) {
        bool dfirst = true;

        JW_KEY(sb, "disarm", first);
        strbuf_addc(sb, '{');
        if (ms->disarm_mode != NULL) {
            JW_KEY(sb, "mode", &dfirst);
            jw_string(sb, ms->disarm_mode);
        }
        if (ms->disarm_state != NULL) {
            JW_KEY(sb, "state", &dfirst);
            jw_string(sb, ms->disarm_state);
        }
        strbuf_addc(sb, '}');
    }
    if (ms->master_node != NULL) {
        JW_KEY(sb, "master_node", first);
        jw_string(sb, ms->master_node);
    }
    if (ms->has_node_request || ms->n_reqs > 0) {
        bool rfirst = true;

        JW_KEY(sb, "node_request", first);
        strbuf_addc(sb, '{');
        for (size_t i = 0; i < ms->n_reqs; i++) {
            jw_key(sb, ms->reqs[i].node, &rfirst);
            strbuf_add(sb, ms->reqs[i].maintenance ? "{\"maintenance\":1}" : "{}");
        }
        strbuf_addc(sb, '}');
    }
}

char *ms_to_json(const struct manager_status *ms)
{
    struct strbuf sb = {0};
    bool first = true, nfirst = true, sfirst = true;

    strbuf_reserve(&sb, 128 + 96 * ms->n_svcs); /* a usual entry's size: no regrowth */
    strbuf_addc(&sb, '{');
    ms_head_to_json(&sb, ms, &first);
    JW_KEY(&sb, "node_status", &first);
    strbuf_addc(&sb, '{');
    for (size_t i = 0; i < ms->n_nodes; i++) {
        jw_key(&sb, ms->nodes[i].node, &nfirst);
        jw_string(&sb, node_state_name(ms->nodes[i].state));
    }
    strbuf_addc(&sb, '}');
    JW_KEY(&sb, "service_status", &first);
    strbuf_addc(&sb, '{');
    for (size_t i = 0; i < ms->n_svcs; i++) {
        jw_key(&sb, ms->svcs[i].sid, &sfirst);
        sd_to_json(&sb, &ms->svcs[i]);
    }
    strbuf_addc(&sb, '}');
    JW_KEY(&sb, "timestamp", &first);
    jw_int(&sb, ms->timestamp);
    strbuf_addc(&sb, '}');
    return strbuf_take(&sb);
}

/* ---- LRM status ---- */

static int lrm_results_from_json(const cJSON *obj, struct lrm_status *ls, char **err)
{
    size_t n;
    const cJSON **kids = cj_sorted_children(obj, &n);
    int rc = 0;

    ls->results = xcalloc(n, sizeof(*ls->results));
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct lrm_result *r = &ls->results[ls->n_results++];
        const cJSON *ec;

        r->uid = xstrdup(kids[i]->string);
        ec = cJSON_IsObject(kids[i]) ? cj_member(kids[i], "exit_code") : NULL;
        if (!cJSON_IsObject(kids[i]) || cj_get_str(cj_member(kids[i], "sid"), &r->sid) < 0 ||
            cj_get_str(cj_member(kids[i], "state"), &r->state) < 0 ||
            (ec != NULL && !cJSON_IsNull(ec) &&
             cj_get_int(ec, INT32_MIN, INT32_MAX, &r->exit_code) < 0)) {
            rc = cj_fail(err, "lrm status: bad result '%s'", r->uid);
        }
    }
    free(kids);
    return rc;
}

static int lrm_from_tree(const cJSON *root, struct lrm_status *ls, char **err)
{
    const cJSON *obj;

    if (cj_get_str(cj_member(root, "state"), &ls->state) < 0) {
        return cj_fail(err, "lrm status: bad value for state");
    }
    if (cj_get_str(cj_member(root, "mode"), &ls->mode) < 0) {
        return cj_fail(err, "lrm status: bad value for mode");
    }
    obj = cj_member(root, "timestamp");
    if (obj != NULL && !cJSON_IsNull(obj) && cj_get_int64(obj, &ls->timestamp) < 0) {
        return cj_fail(err, "lrm status: bad value for timestamp");
    }
    if (cj_member_object(root, "results", &obj) < 0) {
        return cj_fail(err, "lrm status: bad value for results");
    }
    return obj != NULL ? lrm_results_from_json(obj, ls, err) : 0;
}

int lrm_status_from_json_tree(const char *json, struct lrm_status *out, char **err)
{
    cJSON *root;
    int rc;

    memset(out, 0, sizeof(*out));
    root = cj_parse_object(json, "lrm status", err);
    if (root == NULL) {
        return -1;
    }
    rc = lrm_from_tree(root, out, err);
    cJSON_Delete(root);
    if (rc < 0) {
        lrm_status_free(out);
    }
    return rc;
}

int lrm_status_from_json(const char *json, struct lrm_status *out, char **err)
{
    if (lrm_status_from_json_fast(json, out) == 0) {
        return 0;
    }
    return lrm_status_from_json_tree(json, out, err);
}

char *lrm_status_to_json(const struct lrm_status *ls)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *o;

    if (ls->mode != NULL) {
        cJSON_AddStringToObject(root, "mode", ls->mode);
    }
    o = cJSON_AddObjectToObject(root, "results");
    for (size_t i = 0; i < ls->n_results; i++) {
        const struct lrm_result *r = &ls->results[i];
        cJSON *e = cJSON_AddObjectToObject(o, r->uid);

        cJSON_AddNumberToObject(e, "exit_code", r->exit_code);
        if (r->sid != NULL) {
            cJSON_AddStringToObject(e, "sid", r->sid);
        }
        if (r->state != NULL) {
            cJSON_AddStringToObject(e, "state", r->state);
        }
    }
    if (ls->state != NULL) {
        cJSON_AddStringToObject(root, "state", ls->state);
    }
    cJSON_AddNumberToObject(root, "timestamp", (double)ls->timestamp);
    return cj_print(root);
}
