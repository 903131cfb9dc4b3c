/* scan.c - exact line scanning (see scan.h). */
#include "state/scan.h"

#include <string.h>

#include "state/str.h"

bool scan_lit(const char **p, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*p, lit, n) != 0) {
        return false;
    }
    *p += n;
    return true;
}

bool scan_ll(const char **p, long long min, long long max, long long *out)
{
    char buf[24]; /* "-" and 19 digits; a longer run is out of range anyway */
    const char *s = *p;
    size_t n = (*s == '-') + strspn(s + (*s == '-'), "0123456789");

    if (n >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (str_to_ll(buf, min, max, out) != STR_INT_OK) {
        return false;
    }
    *p = s + n;
    return true;
}

/* a byte that ends a word: NUL, a blank, a control character, DEL */
static bool word_end(unsigned char c)
{
    return c <= ' ' || c == 0x7f;
}

bool scan_word(const char **p, char *buf, size_t size)
{
    const char *s = *p;
    size_t n = 0;

    while (!word_end((unsigned char)s[n])) {
        n++;
    }
    if (n == 0 || n >= size) {
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    *p = s + n;
    return true;
}

bool scan_blanks(const char **p)
{
    size_t n = strspn(*p, " \t");

    *p += n;
    return n > 0;
}
