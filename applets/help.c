/* help.c - expands the help stream of dist/helpz.c (format there). The
 * stream is built into the binary and checked by helpz when it is made, so
 * it is trusted; the copy still never writes past the buffer. */
#include "applets/help.h"

#include "state/str.h"

const char *help_text(enum help_id id)
{
    static unsigned char *raw;

    if (raw == NULL) {
        unsigned char *out = xcalloc(1, help_raw_len); /* zeroed: every text ends */
        size_t o = 0;

        for (size_t i = 0; i < help_z_len && o < help_raw_len; i++) {
            unsigned b = help_z[i];
            size_t len = 1, off = 0;

            if (b >= 0x80 && i + 1 < help_z_len) {
                len = 3 + (b >> 3 & 15);
                off = 1 + ((b & 7) << 8 | help_z[++i]);
            }
            for (size_t k = 0; k < len && o < help_raw_len; k++, o++) {
                out[o] = off != 0 && off <= o ? out[o - off] : (unsigned char)b;
            }
        }
        raw = out;
    }
    return (const char *)raw + help_start[id];
}
