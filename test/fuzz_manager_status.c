/* fuzz_manager_status.c - libFuzzer harness for the manager status, which
 * every LRM and the next master read from the store: ms_from_json, then the
 * writer, whose text must read back and write out the same.
 *   make fuzz FUZZ_S=60 */
#include "state/codec.h"
#include "test/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *err = NULL;
    struct manager_status ms, again;

    if (ms_from_json(text, &ms, &err) == 0) {
        char *out = ms_to_json(&ms), *out2;

        FUZZ_ASSERT(ms_from_json(out, &again, NULL) == 0);
        out2 = ms_to_json(&again);
        FUZZ_ASSERT(strcmp(out, out2) == 0);
        free(out);
        free(out2);
        ms_free(&again);
        ms_free(&ms);
    }
    free(err);
    free(text);
    return 0;
}
