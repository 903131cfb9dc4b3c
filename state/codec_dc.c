/* codec_dc.c - datacenter.cfg as the cluster stores it: PVE "key: value"
 * lines, of which HA uses ha:, crs: and max_workers:. The ha and crs
 * property strings go through the simulator's datacenter JSON reader
 * (codec_sim.c), so both forms share one set of checks. */
#include "state/codec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "state/str.h"

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
    rc = dc_settings_from_sim_json(json, out, err);
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
