/* test_str.c - the string helpers of state/str.c. */
#include <stdlib.h>

#include "state/str.h"
#include "test/test.h"

static void test_asprintf(void)
{
    char *s = xasprintf("%s/%d", "node1", 42);

    CHECK_STR(s, "node1/42");
    free(s);
}

static void test_strbuf(void)
{
    struct strbuf sb = {0};

    CHECK_STR(strbuf_str(&sb), "");
    for (int i = 0; i < 100; i++) {
        strbuf_addf(&sb, "%d,", i % 10);
    }
    CHECK_INT((long long)sb.len, 200);
    CHECK(str_starts(strbuf_str(&sb), "0,1,2,"));
    char *taken = strbuf_take(&sb);
    CHECK(sb.buf == NULL);
    CHECK_INT((long long)strlen(taken), 200);
    free(taken);
    strbuf_free(&sb);
}

static void test_eq(void)
{
    CHECK(str_eq(NULL, NULL));
    CHECK(!str_eq("a", NULL));
    CHECK(str_eq("vm:100", "vm:100"));
    const char *ids[] = {"vm:99", "ct:1", "vm:100", "fa:5"};
    qsort(ids, 4, sizeof(ids[0]), str_cmp_ptr);
    CHECK_STR(ids[0], "ct:1");
    CHECK_STR(ids[1], "fa:5");
    CHECK_STR(ids[2], "vm:100");
    CHECK_STR(ids[3], "vm:99");
}

int main(void)
{
    RUN(test_asprintf);
    RUN(test_strbuf);
    RUN(test_eq);
    return test_summary();
}
