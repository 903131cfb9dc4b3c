/* test.h - the whole test framework. One binary per test_*.c file:
 *
 *     static void test_foo(void) { CHECK(1 + 1 == 2); }
 *     int main(void) { RUN(test_foo); return test_summary(); }
 *
 * A test passes when none of its CHECKs failed; test_summary() prints
 * "N passed, N failed" (the line CI reads) and returns the exit status. */
#ifndef HAVEN_TEST_H
#define HAVEN_TEST_H

#include <stdio.h>
#include <string.h>

static int test_checks_failed, test_passed, test_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_checks_failed++;                                                                  \
            fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, __func__, #cond); \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (a), b_ = (b);                                                              \
        if (a_ != b_) {                                                                            \
            test_checks_failed++;                                                                  \
            fprintf(                                                                               \
                stderr, "%s:%d: %s: %s == %lld, want %lld\n", __FILE__, __LINE__, __func__, #a,    \
                a_, b_                                                                             \
            );                                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                     \
            test_checks_failed++;                                                                  \
            fprintf(                                                                               \
                stderr, "%s:%d: %s: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, __func__,    \
                #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"                                         \
            );                                                                                     \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        test_checks_failed = 0;                                                                    \
        fn();                                                                                      \
        if (test_checks_failed) {                                                                  \
            test_failed++;                                                                         \
            fprintf(stderr, "FAIL: %s\n", #fn);                                                    \
        } else {                                                                                   \
            test_passed++;                                                                         \
        }                                                                                          \
    } while (0)

static inline int test_summary(void)
{
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed != 0;
}

#endif
