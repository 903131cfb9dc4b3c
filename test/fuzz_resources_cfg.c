/* fuzz_resources_cfg.c - libFuzzer harness for resources.cfg as any node or
 * operator may have written it (svc_config_from_cfg), and for the
 * simulator's service_config JSON. The writer's promise is checked too:
 * what it writes reads back and writes out the same text.
 *   make fuzz FUZZ_S=60 */
#include "applets/sim/sim_codec.h"
#include "state/codec.h"
#include "test/fuzz.h"

static void round_trip(const struct svc_config *sc)
{
    struct svc_config again = {0};
    char *text = svc_config_to_cfg(sc), *text2, *err = NULL;

    FUZZ_ASSERT(svc_config_from_cfg(text, &again, &err) == 0);
    text2 = svc_config_to_cfg(&again);
    FUZZ_ASSERT(strcmp(text, text2) == 0);
    free(text);
    free(text2);
    svc_config_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *err = NULL;
    struct svc_config sc = {0};

    if (svc_config_from_cfg(text, &sc, &err) == 0) {
        round_trip(&sc);
    }
    svc_config_free(&sc);
    free(err);
    err = NULL;
    for (int strict = 0; strict < 2; strict++) {
        struct svc_config js = {0};

        if (svc_config_from_sim_json(text, strict, &js, &err) == 0) {
            free(svc_config_to_sim_json(&js));
        }
        svc_config_free(&js);
        free(err);
        err = NULL;
    }
    free(text);
    return 0;
}
