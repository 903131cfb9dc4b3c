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
        char *end;
        double num;
        if (eq != NULL) {
            *eq = '\0';
            k = trim(part);
            v = trim(eq + 1);
        }
        num = strtod(v, &end);
        if (*v != '\0' && *end == '\0') {
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
    char *copy = xstrdup(text ? text : ""), *save = NULL, *json;
    int rc;

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
        } else if (strcmp(key, "max_workers") == 0 && atoi(value) > 0) {
            *max_workers = atoi(value);
        }
    }
    json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    free(copy);
    rc = dc_settings_from_sim_json(json, out, err);
    if (rc != 0) {
        dc_settings_init(out);
    }
    cJSON_free(json);
    return rc;
}
