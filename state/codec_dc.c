/* codec_dc.c - datacenter.cfg: as JSON (the simulator's scenario input),
 * and as the cluster stores it, PVE "key: value" lines, of which HA uses
 * ha:, crs: and max_workers:. The ha and crs property strings are turned
 * into the JSON form and go through the same reader, so both forms share
 * one set of checks. JSON values may be numbers or strings
 * ("ha-auto-rebalance": 1 or true) and are kept as given: the threshold and
 * margin are not scaled; unknown keys are ignored. */
#include "state/codec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "state/codec_json.h"
#include "state/str.h"

static int dc_double(const cJSON *o, const char *key, double *out)
{
    const cJSON *it = cj_member(o, key);

    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    return cj_get_double(it, out);
}

/* Returns NULL or the name of the bad key. */
static const char *dc_crs_from_json(const cJSON *crs, struct dc_settings *dc)
{
    if (cj_get_str(cj_member(crs, "ha"), &dc->crs_ha) < 0) {
        return "ha";
    }
    if (cj_get_truth(cj_member(crs, "ha-rebalance-on-start"), &dc->rebalance_on_start) < 0) {
        return "ha-rebalance-on-start";
    }
    if (cj_get_truth(cj_member(crs, "ha-auto-rebalance"), &dc->auto_rebalance) < 0) {
        return "ha-auto-rebalance";
    }
    if (dc_double(crs, "ha-auto-rebalance-threshold", &dc->threshold) < 0) {
        return "ha-auto-rebalance-threshold";
    }
    if (cj_get_str(cj_member(crs, "ha-auto-rebalance-method"), &dc->method) < 0) {
        return "ha-auto-rebalance-method";
    }
    if (dc_double(crs, "ha-auto-rebalance-hold-duration", &dc->hold_duration) < 0) {
        return "ha-auto-rebalance-hold-duration";
    }
    if (dc_double(crs, "ha-auto-rebalance-margin", &dc->margin) < 0) {
        return "ha-auto-rebalance-margin";
    }
    return NULL;
}

static int dc_from_tree(const cJSON *root, struct dc_settings *dc, char **err)
{
    const cJSON *ha, *crs;
    const char *bad;

    if (cj_member_object(root, "ha", &ha) < 0) {
        return cj_fail(err, "datacenter config: bad value for ha");
    }
    if (cj_member_object(root, "crs", &crs) < 0) {
        return cj_fail(err, "datacenter config: bad value for crs");
    }
    if (ha != NULL && cj_get_str(cj_member(ha, "shutdown_policy"), &dc->shutdown_policy) < 0) {
        return cj_fail(err, "datacenter config: bad value for ha.shutdown_policy");
    }
    if (crs != NULL && (bad = dc_crs_from_json(crs, dc)) != NULL) {
        return cj_fail(err, "datacenter config: bad value for crs.%s", bad);
    }
    return 0;
}

int dc_settings_from_json(const char *json, struct dc_settings *out, char **err)
{
    cJSON *root;
    int rc;

    dc_settings_init(out);
    root = cj_parse_object(json, "datacenter config", err);
    if (root == NULL) {
        return -1;
    }
    rc = dc_from_tree(root, out, err);
    cJSON_Delete(root);
    if (rc < 0) {
        dc_settings_free(out);
    }
    return rc;
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    return s;
}

/* "a=1,b=x" -> {"a":1,"b":"x"}; a bare first word is the default key. */
static cJSON *property_string(char *value, const char *default_key)
{
    cJSON *obj = cJSON_CreateObject();
    char *save = NULL;

    for (char *part = strtok_r(value, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '=');
        const char *k = default_key, *v = trim(part);
        double num;
        if (eq != NULL) {
            *eq = '\0';
            k = trim(part);
            v = trim(eq + 1);
        }
        /* only a finite decimal becomes a number: anything else ("nan",
         * "0x10") stays a string, which the reader then rejects */
        if (str_to_double(v, &num) == 0) {
            cJSON_AddNumberToObject(obj, k, num);
        } else {
            cJSON_AddStringToObject(obj, k, v);
        }
    }
    return obj;
}

int dc_settings_from_cfg(const char *text, struct dc_settings *out, int *max_workers, char **err)
{
    cJSON *root = cJSON_CreateObject();
    char *copy = xstrdup(text ? text : ""), *save = NULL, *json, *bad_workers = NULL;
    int rc, n;

    *max_workers = 4;
    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':'), *key, *value;
        if (line[0] == '#' || colon == NULL) {
            continue;
        }
        *colon = '\0';
        key = trim(line);
        value = trim(colon + 1);
        if (strcmp(key, "ha") == 0) {
            cJSON_AddItemToObject(root, "ha", property_string(value, "shutdown_policy"));
        } else if (strcmp(key, "crs") == 0) {
            cJSON_AddItemToObject(root, "crs", property_string(value, "ha"));
        } else if (strcmp(key, "max_workers") == 0) {
            if (str_to_int(value, 0, MAX_WORKERS_MAX, &n) != STR_INT_OK) {
                free(bad_workers);
                bad_workers = xstrdup(value);
            } else {
                *max_workers = n > 0 ? n : 4;
            }
        }
    }
    json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    free(copy);
    rc = dc_settings_from_json(json, out, err);
    if (rc != 0) {
        dc_settings_init(out);
    } else if (bad_workers != NULL) {
        free(*err);
        *err = xasprintf(
            "datacenter config: bad value for max_workers: '%s' (want an integer in 0..%d)",
            bad_workers, MAX_WORKERS_MAX
        );
        rc = -1;
    }
    if (bad_workers != NULL) {
        *max_workers = 4;
    }
    free(bad_workers);
    cJSON_free(json);
    return rc;
}
