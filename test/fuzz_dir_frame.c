/* fuzz_dir_frame.c - libFuzzer harness for the folder store's framed file
 * header (kv/dir/dir_frame.c): dir_unframe on any bytes a node (or a cut
 * read of a network file system) hands the store, and the frame's promise:
 * a framed text unframes to itself, and every shorter prefix of a framed
 * non-JSON text is refused as cut, never handed to a parser.
 *   make fuzz FUZZ_S=60 */
#include "kv/dir/dir_int.h"
#include "test/fuzz.h"

static int unframe(const char *data, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(len + 1);
    int r;

    FUZZ_ASSERT(buf != NULL);
    memcpy(buf, data, len);
    buf[len] = '\0';
    *out_len = len;
    r = dir_unframe(buf, out_len);
    FUZZ_ASSERT(*out_len <= len);
    FUZZ_ASSERT(buf[*out_len] == '\0');
    *out = buf;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t flen, len;
    char *framed, *out;
    bool json;

    (void)unframe((const char *)data, size, &out, &len);
    free(out);
    framed = dir_frame(data, size, &flen);
    FUZZ_ASSERT(unframe(framed, flen, &out, &len) == 0);
    FUZZ_ASSERT(len == size && memcmp(out, data, size) == 0);
    free(out);
    json = flen == size; /* stored as it is */
    if (!json) {
        /* a cut: a few lengths, each must be refused */
        size_t cuts[] = {0, 1, flen / 2, flen - 1, size > 0 ? size - 1 : 0};
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
            if (cuts[i] < flen && cuts[i] > 0) {
                FUZZ_ASSERT(unframe(framed, cuts[i], &out, &len) != 0);
                free(out);
            }
        }
    }
    free(framed);
    return 0;
}
