/* fuzz_lrm_status.c - libFuzzer harness for an LRM's status as the master
 * reads it from the store each round, and a differential check of its two
 * decoders: whatever the fast scanner (lrm_status_from_json_fast, the
 * canonical form only) accepts, the cJSON reader must accept too, with the
 * same fields, so that which reader ran never changes a decision.
 *   make fuzz FUZZ_S=60 */
#include "state/codec.h"
#include "state/codec_json.h"
#include "test/fuzz.h"

#define TS_EXACT 1000000000000000LL /* 10^15 */

static bool str_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void same(const struct lrm_status *a, const struct lrm_status *b)
{
    FUZZ_ASSERT(str_same(a->state, b->state));
    FUZZ_ASSERT(str_same(a->mode, b->mode));
    FUZZ_ASSERT(a->timestamp == b->timestamp);
    FUZZ_ASSERT(a->n_results == b->n_results);
    for (size_t i = 0; i < a->n_results; i++) {
        FUZZ_ASSERT(str_same(a->results[i].uid, b->results[i].uid));
        FUZZ_ASSERT(str_same(a->results[i].sid, b->results[i].sid));
        FUZZ_ASSERT(str_same(a->results[i].state, b->results[i].state));
        FUZZ_ASSERT(a->results[i].exit_code == b->results[i].exit_code);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *err = NULL, *out;
    struct lrm_status fast, tree, back;
    int rf = lrm_status_from_json_fast(text, &fast);
    int rt = lrm_status_from_json_tree(text, &tree, &err);

    if (rf == 0) {
        FUZZ_ASSERT(rt == 0);
        same(&fast, &tree);
    }
    /* what the LRM writes reads back the same, by either reader; the
     * writer prints a number as cJSON does, exact to 15 digits, which a
     * timestamp (unix seconds) never leaves */
    if (rt == 0 && tree.timestamp > -TS_EXACT && tree.timestamp < TS_EXACT) {
        out = lrm_status_to_json(&tree);
        FUZZ_ASSERT(lrm_status_from_json(out, &back, NULL) == 0);
        same(&tree, &back);
        lrm_status_free(&back);
        free(out);
    }
    lrm_status_free(&fast);
    lrm_status_free(&tree);
    free(err);
    free(text);
    return 0;
}
