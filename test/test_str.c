/* test_str.c - the string helpers of state/str.c and the scanner of state/scan.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/scan.h"
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

static void test_pool(void)
{
    struct pool p = {0};
    char *first, *s = NULL;

    CHECK(!pool_used(&p));
    CHECK(pool_strdup(&p, NULL) == NULL);
    first = pool_strdup(&p, "node1");
    CHECK(pool_used(&p));
    for (int i = 0; i < 5000; i++) { /* several blocks */
        char name[16];
        snprintf(name, sizeof(name), "vm:%d", i);
        s = pool_strdup(&p, name);
        CHECK_STR(s, name);
    }
    CHECK_STR(s, "vm:4999");
    CHECK_STR(first, "node1"); /* earlier strings stay where they are */
    CHECK_STR(pool_strndup(&p, "abcdef", 3), "abc");
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_INT((long long)strlen(pool_strdup(&p, big)), (long long)sizeof(big) - 1);
    CHECK_STR(pool_strdup(&p, "after"), "after");
    pool_free(&p);
    CHECK(!pool_used(&p));
    pool_free(&p);
}

/* A memo never gives a wrong answer, even after the array changed under it. */
static void test_pos_memo(void)
{
    struct pos_memo memo = {0};
    const char *nodes[] = {"node1", "node2", "node3"};
    const char *shifted[] = {"node0", "node1", "node2", "node3"};
    const struct sorted_array three = {nodes, 3, sizeof(char *), 0};
    const struct sorted_array four = {shifted, 4, sizeof(char *), 0};
    const struct sorted_array one = {nodes, 1, sizeof(char *), 0};
    bool found;

    CHECK_INT((long long)sorted_pos_memo(&memo, &three, "node2", &found), 1);
    CHECK(found);
    CHECK_INT((long long)sorted_pos_memo(&memo, &three, "node2", &found), 1);
    CHECK(found);
    /* stale: node2 moved to index 2 */
    CHECK_INT((long long)sorted_pos_memo(&memo, &four, "node2", &found), 2);
    CHECK(found);
    /* shrunk below the remembered index */
    CHECK_INT((long long)sorted_pos_memo(&memo, &one, "node2", &found), 1);
    CHECK(!found);
    CHECK_INT((long long)sorted_pos_memo(NULL, &three, "node9", &found), 3);
    CHECK(!found);
}

/* The one integer parser: digits, '-' where negative values are allowed,
 * leading zeros as decimal, overflow and range checked. */
static void test_to_ll(void)
{
    static const struct {
        const char *s;
        long long min, max;
        int rc;
        long long v;
    } cases[] = {
        {"0", 0, 10, STR_INT_OK, 0},
        {"10", 0, 10, STR_INT_OK, 10},
        {"010", 0, 10, STR_INT_OK, 10},
        {"0000000000000000000000000007", 0, 10, STR_INT_OK, 7},
        {"11", 0, 10, STR_INT_RANGE, 0},
        {"-1", 0, 10, STR_INT_RANGE, 0},
        {"-0", 0, 10, STR_INT_RANGE, 0},
        {"-5", -10, 10, STR_INT_OK, -5},
        {"-0", -10, 10, STR_INT_OK, 0},
        {"+5", 0, 10, STR_INT_SYNTAX, 0},
        {" 5", 0, 10, STR_INT_SYNTAX, 0},
        {"5 ", 0, 10, STR_INT_SYNTAX, 0},
        {"", 0, 10, STR_INT_SYNTAX, 0},
        {"-", -10, 10, STR_INT_SYNTAX, 0},
        {"--1", -10, 10, STR_INT_SYNTAX, 0},
        {"0x10", 0, 100, STR_INT_SYNTAX, 0},
        {"1e3", 0, 10000, STR_INT_SYNTAX, 0},
        {"1.0", 0, 10, STR_INT_SYNTAX, 0},
        {"nan", 0, 10, STR_INT_SYNTAX, 0},
        {"inf", 0, 10, STR_INT_SYNTAX, 0},
        {"\xd9\xa3", 0, 10, STR_INT_SYNTAX, 0}, /* non-ASCII digit */
        {"9223372036854775807", LLONG_MIN, LLONG_MAX, STR_INT_OK, LLONG_MAX},
        {"9223372036854775808", LLONG_MIN, LLONG_MAX, STR_INT_RANGE, 0},
        {"-9223372036854775808", LLONG_MIN, LLONG_MAX, STR_INT_OK, LLONG_MIN},
        {"-9223372036854775809", LLONG_MIN, LLONG_MAX, STR_INT_RANGE, 0},
        {"99999999999", 1, 128, STR_INT_RANGE, 0},
        {"99999999999999999999999999", 0, LLONG_MAX, STR_INT_RANGE, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long v = 12345;
        int rc = str_to_ll(cases[i].s, cases[i].min, cases[i].max, &v);
        if (rc != cases[i].rc) {
            fprintf(stderr, "str_to_ll(\"%s\") = %d\n", cases[i].s, rc);
        }
        CHECK_INT(rc, cases[i].rc);
        CHECK_INT(v, rc == STR_INT_OK ? cases[i].v : 12345);
    }
    int n = 7;
    CHECK_INT(str_to_int("2147483647", 0, INT_MAX, &n), STR_INT_OK);
    CHECK_INT(n, INT_MAX);
    CHECK_INT(str_to_int("2147483648", 0, INT_MAX, &n), STR_INT_RANGE);
    CHECK_INT(n, INT_MAX);
}

static void test_to_double(void)
{
    static const char *const good[] = {"0",   "-1",   "0.25",    ".5", "5.",
                                       "1e3", "1E-3", "-2.5e+2", "007"};
    static const double want[] = {0, -1, 0.25, 0.5, 5, 1000, 0.001, -250, 7};
    static const char *const bad[] = {"",    "-",     ".",   "+1",       " 1",   "1 ",
                                      "nan", "-nan",  "inf", "infinity", "0x10", "1e",
                                      "1e+", "1e999", "1,5", "e3",       "--1"};
    double v;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK_INT(str_to_double(good[i], &v), 0);
        CHECK(v == want[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 42;
        if (str_to_double(bad[i], &v) != -1) {
            fprintf(stderr, "accepted: '%s'\n", bad[i]);
            CHECK(false);
        }
        CHECK(v == 42);
    }
}

/* Control bytes are escaped, nothing else changes. */
static void test_escape(void)
{
    char *e = str_escaped("vm:1\ninfo forged\r\t\x1b[2J\x7f\x01 caf\xc3\xa9 \\x");

    CHECK_STR(e, "vm:1\\ninfo forged\\r\\t\\x1b[2J\\x7f\\x01 caf\xc3\xa9 \\x");
    free(e);
    e = str_escaped("plain text: 'node1' (x)");
    CHECK_STR(e, "plain text: 'node1' (x)");
    free(e);
    CHECK(str_has_ctl("a\x1b"));
    CHECK(!str_has_ctl("a b\xc3\xa9"));
}

/* The scanner takes exactly what the writers write: a lock record parses
 * field by field; blanks, signs, a word too long for its buffer, a number
 * out of range or a control byte in a word stop it where they stand. */
static void test_scan(void)
{
    const char *p = "haven-lock 1 held node=n1 instance=ab pid=42 wall=-7\n";
    char w[8];
    long long v = 0;

    CHECK(scan_lit(&p, "haven-lock 1 "));
    CHECK(scan_word(&p, w, sizeof(w)) && strcmp(w, "held") == 0);
    CHECK(scan_lit(&p, " node=") && scan_word(&p, w, sizeof(w)) && strcmp(w, "n1") == 0);
    CHECK(!scan_lit(&p, " pid=")); /* no match leaves the cursor */
    CHECK(scan_lit(&p, " instance=") && scan_word(&p, w, sizeof(w)));
    CHECK(scan_lit(&p, " pid=") && scan_ll(&p, 1, INT_MAX, &v) && v == 42);
    CHECK(scan_lit(&p, " wall=") && scan_ll(&p, LLONG_MIN, LLONG_MAX, &v) && v == -7);
    CHECK(strcmp(p, "\n") == 0);

    static const char *const bad_num[] = {
        "", " 5", "+5", "-5", "x", "2147483648", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_num) / sizeof(bad_num[0]); i++) {
        p = bad_num[i];
        v = 9;
        CHECK(!scan_ll(&p, 0, INT_MAX, &v) && p == bad_num[i] && v == 9);
    }
    p = "12ab";
    CHECK(scan_ll(&p, 0, 100, &v) && v == 12 && strcmp(p, "ab") == 0);

    static const char *const bad_word[] = {"", " x", "12345678", "\x01x", "\tx"};
    for (size_t i = 0; i < sizeof(bad_word) / sizeof(bad_word[0]); i++) {
        p = bad_word[i];
        CHECK(!scan_word(&p, w, sizeof(w)) && p == bad_word[i]);
    }
    p = "1234567 x";
    CHECK(scan_word(&p, w, sizeof(w)) && strcmp(w, "1234567") == 0 && strcmp(p, " x") == 0);
    p = "ab\x1b[2J";
    CHECK(scan_word(&p, w, sizeof(w)) && strcmp(w, "ab") == 0);
    CHECK(!scan_blanks(&p));
    p = " \t x";
    CHECK(scan_blanks(&p) && strcmp(p, "x") == 0);
}

int main(void)
{
    RUN(test_asprintf);
    RUN(test_strbuf);
    RUN(test_eq);
    RUN(test_pool);
    RUN(test_pos_memo);
    RUN(test_scan);
    RUN(test_to_ll);
    RUN(test_to_double);
    RUN(test_escape);
    return test_summary();
}
