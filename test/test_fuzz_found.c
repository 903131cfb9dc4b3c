/* test_fuzz_found.c - the faults the libFuzzer harnesses (test/fuzz_*.c)
 * found, each as a unit test of the parser it was fixed in; the inputs
 * themselves are kept in test/fuzz/<target>/regress-*.
 *   - the folder store's frame (kv/dir/dir_frame.c): what dir_frame stores,
 *     dir_unframe gives back whole, for every text, and a cut is refused. */
#include <stdlib.h>
#include <string.h>

#include "kv/dir/dir_int.h"
#include "state/str.h"
#include "test/test.h"

/* frame, then unframe a copy cut to n bytes (n = SIZE_MAX: whole). */
static int round_trip(const char *text, size_t cut, char **out)
{
    size_t flen, len;
    char *framed = dir_frame(text, strlen(text), &flen);
    int r;

    len = cut < flen ? cut : flen;
    *out = xmalloc(len + 1);
    memcpy(*out, framed, len);
    (*out)[len] = '\0';
    r = dir_unframe(*out, &len);
    free(framed);
    return r;
}

static void check_whole(const char *text)
{
    char *out = NULL;

    CHECK_INT(round_trip(text, (size_t)-1, &out), 0);
    CHECK_STR(out, text);
    free(out);
}

static void test_round_trip(void)
{
    check_whole("vm: 100\n\tstate started\n");
    check_whole("{\"a\":[1,2]}");
    check_whole("");
    /* found by fuzz_dir_frame: a text that looks like JSON but is not
     * whole was stored without the frame, and no read could return it */
    check_whole("{\"node\":\"node1\",\"res");
    check_whole("[");
    check_whole("{} trailing");
}

static void test_cut_refused(void)
{
    const char *texts[] = {"vm: 100\n\tstate started\n", "{\"node\":\"node1\",\"res", "[[["};

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t flen;
        char *framed = dir_frame(texts[i], strlen(texts[i]), &flen), *out = NULL;

        free(framed);
        for (size_t cut = 1; cut < flen; cut++) {
            CHECK_INT(round_trip(texts[i], cut, &out), -1);
            free(out);
        }
    }
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_cut_refused);
    return test_summary();
}
