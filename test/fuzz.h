/* fuzz.h - what every libFuzzer harness of test/fuzz_*.c shares.
 *
 * The parsers read C strings, as the daemons hand them what they read from
 * a file or a socket: the fuzz input becomes a NUL-terminated copy, cut at
 * its first NUL (the readers refuse binary files before any parser sees
 * them). FUZZ_ASSERT turns a broken promise of a parser (a round trip that
 * does not round, two decoders that disagree) into a crash libFuzzer keeps. */
#ifndef HAVEN_TEST_FUZZ_H
#define HAVEN_TEST_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL) {
        abort();
    }
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
