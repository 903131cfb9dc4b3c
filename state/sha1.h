/* sha1.h - SHA-1 of a byte string, for the digests of the config files.
 *
 * The digest only detects changes (upstream uses SHA-1 hex of the raw
 * file), it is not a security boundary. */
#ifndef HAVEN_SHA1_H
#define HAVEN_SHA1_H

#include <stddef.h>

#define SHA1_HEX_LEN 40

/* Writes the lower-case hex SHA-1 of data[0..len) and a NUL into hex. */
void sha1_hex(const void *data, size_t len, char hex[SHA1_HEX_LEN + 1]);

#endif
