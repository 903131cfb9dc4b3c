/* test_fuzz_found.c - the faults the libFuzzer harnesses (test/fuzz_*.c)
 * found, each as a unit test of the parser it was fixed in; the inputs
 * themselves are kept in test/fuzz/<target>/regress-*.
 *   - the folder store's frame (kv/dir/dir_frame.c): what dir_frame stores,
 *     dir_unframe gives back whole, for every text, and a cut is refused;
 *   - the watchdog-mux greeting (watchdog/wd.c): only the line the mux
 *     writes is a greeting, numbers checked, never sscanf's overflow. */
#include <stdlib.h>
#include <string.h>

#include "kv/dir/dir_int.h"
#include "state/str.h"
#include "test/test.h"
#include "watchdog/wd.h"

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

static void test_greeting_strict(void)
{
    struct wd_greeting g = {0};

    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=60 hw-timeout=10\n", &g), 1);
    CHECK_INT(g.version, 1);
    CHECK_INT(g.client_timeout_s, 60);
    CHECK_INT(g.hw_timeout_s, 10);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=5 hw-timeout=3", &g), 1);
    /* found by fuzz_watchdog: sscanf took a leading zero, a sign, blanks
     * and numbers beyond long (undefined behaviour, in glibc a wrapped or
     * clamped value): a timing check then ran on numbers the mux never sent */
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=05 hw-timeout=3", &g), 0);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=+5 hw-timeout=3", &g), 0);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout= 5 hw-timeout=3", &g), 0);
    CHECK_INT(wd_greeting_parse("watchdog-mux  1 client-timeout=5 hw-timeout=3", &g), 0);
    CHECK_INT(wd_greeting_parse("watchdog-mux 4294967297 client-timeout=5 hw-timeout=3", &g), 0);
    CHECK_INT(
        wd_greeting_parse("watchdog-mux 1 client-timeout=99999999999999999999 hw-timeout=3", &g), 0
    );
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=5 hw-timeout=3\n\n", &g), 0);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=5 hw-timeout=", &g), 0);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_cut_refused);
    RUN(test_greeting_strict);
    return test_summary();
}
