/* fuzz_cmdlist.c - libFuzzer harness for the simulator's command words
 * (a cmdlist's commands, ha-sim's stdin): the checks sim_load runs on each
 * (sim_cmd_check) and a run of the ones it takes, on a fixed 3-node
 * cluster with three services. The input is the commands, one a line; an
 * empty line starts the next batch.
 *   make fuzz FUZZ_S=60 */
#include "test/fuzz_sim.h"

#include <cJSON.h>

static const char hardware[] =
    "{\"node1\":{\"power\":\"off\",\"network\":\"off\"},"
    "\"node2\":{\"power\":\"off\",\"network\":\"off\"},"
    "\"node3\":{\"power\":\"off\",\"network\":\"off\"}}";
static const char services[] =
    "{\"vm:101\":{\"node\":\"node1\",\"state\":\"started\"},"
    "\"vm:102\":{\"node\":\"node2\",\"state\":\"started\"},"
    "\"ct:103\":{\"node\":\"node3\",\"state\":\"stopped\"}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *json;
    cJSON *list = cJSON_CreateArray(), *batch = cJSON_CreateArray();
    int n = 0;

    if (size > 4096) {
        free(text);
        cJSON_Delete(list);
        cJSON_Delete(batch);
        return 0;
    }
    cJSON_AddItemToArray(list, batch);
    /* strsep keeps the empty lines that strtok_r would skip */
    for (char *p = text, *line; (line = strsep(&p, "\n")) != NULL && n < 64; n++) {
        if (*line == '\0') {
            batch = cJSON_CreateArray();
            cJSON_AddItemToArray(list, batch);
        } else {
            cJSON_AddItemToArray(batch, cJSON_CreateString(line));
        }
    }
    json = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    free(text);
    fuzz_sim_folder();
    fuzz_sim_put("hardware_status", hardware, sizeof(hardware) - 1);
    fuzz_sim_put("service_config", services, sizeof(services) - 1);
    fuzz_sim_put("manager_status", "{}", 2);
    fuzz_sim_put("cmdlist", json, strlen(json));
    free(json);
    fuzz_sim_run();
    return 0;
}
