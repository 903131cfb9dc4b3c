/* scan.h - a cursor over a line that a program of ours wrote (a lock record,
 * a store marker, a codec error, a version): each step matches exactly what
 * the writer puts there and advances the cursor only on success, so that a
 * parser reads as its writer's format, without the scanf family's leniency
 * (blanks matching any run of white space, signs, silent truncation). */
#ifndef HAVEN_SCAN_H
#define HAVEN_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* The literal lit. */
bool scan_lit(const char **p, const char *lit);
/* A decimal number in [min, max] by str_to_ll's rules ('-' only when
 * min < 0, no '+', no blank), ending where the digits end. */
bool scan_ll(const char **p, long long min, long long max, long long *out);
/* A word: 1 to size - 1 bytes up to the next blank, control character or
 * the end, copied into buf; a longer one does not match. */
bool scan_word(const char **p, char *buf, size_t size);
/* One or more spaces or tabs. */
bool scan_blanks(const char **p);

#endif
