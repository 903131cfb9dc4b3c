/* sim_codec.c - the scenario's service_config JSON <-> model.h structs
 * (sim_codec.h). Its datacenter.cfg JSON is read by state/codec_dc.c, which
 * the stored datacenter.cfg shares.
 *
 * A hand-written test input, so every value may come as a number or a
 * string ("max_restart": "0"), and unknown keys are ignored. */
#include "applets/sim/sim_codec.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "state/codec_json.h"
#include "state/str.h"

/* ^(vm|ct|fa):\d+$ */
static bool sim_sid_ok(const char *sid)
{
    const char *digits = sid + 3;

    if (strncmp(sid, "vm:", 3) != 0 && strncmp(sid, "ct:", 3) != 0 && strncmp(sid, "fa:", 3) != 0) {
        return false;
    }
    return *digits != '\0' && strspn(digits, "0123456789") == strlen(digits);
}

/* type and name from "type:name"; both stay NULL without a colon. */
static void conf_split_sid(struct svc_conf *c)
{
    const char *colon = strchr(c->sid, ':');

    if (colon != NULL) {
        c->type = xstrndup(c->sid, (size_t)(colon - c->sid));
        c->name = xstrdup(colon + 1);
    }
}

/* A known state, "enabled" read as started; REQ_OTHER for anything else. */
static enum req_state sim_state(const char *s)
{
    return strcmp(s, "enabled") == 0 ? REQ_STARTED : req_state_parse(s);
}

/* An optional integer member in [0, max]; *out keeps its default when
 * absent/null. */
static int conf_int(const cJSON *o, const char *key, int max, int *out)
{
    const cJSON *it = cj_member(o, key);

    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    return cj_get_int(it, 0, max, out);
}

/* Returns NULL or the name of the bad key. */
static const char *conf_from_json(const cJSON *o, struct svc_conf *c)
{
    char *state = NULL;
    enum req_state st;

    c->failback = c->max_restart = c->max_relocate = 1;
    if (cj_get_str(cj_member(o, "node"), &c->node) < 0) {
        return "node";
    }
    if (cj_get_str(cj_member(o, "state"), &state) < 0) {
        return "state";
    }
    st = sim_state(state ? state : "disabled");
    free(state);
    if (st == REQ_OTHER) {
        return "state";
    }
    c->state = st;
    if (conf_int(o, "failback", INT_MAX, &c->failback) < 0) {
        return "failback";
    }
    c->failback = c->failback != 0;
    if (conf_int(o, "max_restart", SVC_TRIES_MAX, &c->max_restart) < 0) {
        return "max_restart";
    }
    if (conf_int(o, "max_relocate", SVC_TRIES_MAX, &c->max_relocate) < 0) {
        return "max_relocate";
    }
    if (cj_get_str(cj_member(o, "group"), &c->group) < 0) {
        return "group";
    }
    if (cj_get_str(cj_member(o, "lock"), &c->lock) < 0) {
        return "lock";
    }
    if (cj_get_str(cj_member(o, "comment"), &c->comment) < 0) {
        return "comment";
    }
    return NULL;
}

static int sc_from_tree(const cJSON *root, bool strict_ids, struct svc_config *sc, char **err)
{
    size_t n;
    const cJSON **kids = cj_sorted_children(root, &n);
    int rc = 0;

    sc->v = xcalloc(n, sizeof(*sc->v));
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct svc_conf *c = &sc->v[sc->n++];
        const char *bad;

        c->sid = xstrdup(kids[i]->string);
        conf_split_sid(c);
        if (str_has_ctl(c->sid) || strpbrk(c->sid, " ") != NULL) {
            rc = cj_fail(err, "service config: a service id with a blank or control character");
        } else if (strict_ids && !sim_sid_ok(c->sid)) {
            rc = cj_fail(err, "service '%s': invalid service id (want vm|ct|fa:<digits>)", c->sid);
        } else if (!cJSON_IsObject(kids[i])) {
            rc = cj_fail(err, "service '%s': not an object", c->sid);
        } else if ((bad = conf_from_json(kids[i], c)) != NULL) {
            rc = cj_fail(err, "service '%s': bad value for %s", c->sid, bad);
        }
    }
    free(kids);
    return rc;
}

int svc_config_from_sim_json(const char *json, bool strict_ids, struct svc_config *out, char **err)
{
    cJSON *root;
    int rc;

    memset(out, 0, sizeof(*out));
    root = cj_parse_object(json, "service config", err);
    if (root == NULL) {
        return -1;
    }
    rc = sc_from_tree(root, strict_ids, out, err);
    cJSON_Delete(root);
    if (rc < 0) {
        svc_config_free(out);
    }
    return rc;
}

char *svc_config_to_sim_json(const struct svc_config *sc)
{
    cJSON *root = cJSON_CreateObject();

    for (size_t i = 0; i < sc->n; i++) {
        const struct svc_conf *c = &sc->v[i];
        cJSON *o = cJSON_AddObjectToObject(root, c->sid);

        if (c->comment != NULL) {
            cJSON_AddStringToObject(o, "comment", c->comment);
        }
        cJSON_AddNumberToObject(o, "failback", c->failback);
        if (c->group != NULL) {
            cJSON_AddStringToObject(o, "group", c->group);
        }
        if (c->lock != NULL) {
            cJSON_AddStringToObject(o, "lock", c->lock);
        }
        cJSON_AddNumberToObject(o, "max_relocate", c->max_relocate);
        cJSON_AddNumberToObject(o, "max_restart", c->max_restart);
        if (c->node != NULL) {
            cJSON_AddStringToObject(o, "node", c->node);
        }
        if (svc_conf_state(c) != NULL) {
            cJSON_AddStringToObject(o, "state", svc_conf_state(c));
        }
    }
    return cj_print(root);
}
