/* fuzz_datacenter.c - libFuzzer harness for datacenter.cfg as stored
 * (dc_settings_from_cfg: "key: value" lines any node may write) and the
 * simulator's datacenter.cfg JSON.
 *   make fuzz FUZZ_S=60 */
#include "state/codec.h"
#include "test/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *err = NULL;
    struct dc_settings dc;
    int max_workers = 0;

    dc_settings_init(&dc);
    if (dc_settings_from_cfg(text, &dc, &max_workers, &err) == 0) {
        FUZZ_ASSERT(max_workers > 0);
    }
    dc_settings_free(&dc);
    free(err);
    err = NULL;
    dc_settings_init(&dc);
    dc_settings_from_json(text, &dc, &err);
    dc_settings_free(&dc);
    free(err);
    free(text);
    return 0;
}
