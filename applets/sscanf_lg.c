/* sscanf_lg.c - the one sscanf the static binary keeps: cJSON checks that a
 * number printed with "%1.15g" reads back the same with sscanf("%lg"). Our
 * own code parses with state/scan.h, so the static build links this in place
 * of sscanf (-Wl,--wrap=sscanf) and leaves musl's scanf engine out (4 KiB).
 * "%lg" is strtod after white space, which is what musl's scanf runs for
 * it; any other format is a build mistake (the Makefile refuses sscanf in
 * our objects) and stops the program rather than misparse. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __wrap_sscanf(const char *s, const char *fmt, ...);

__attribute__((used, externally_visible)) int __wrap_sscanf(const char *s, const char *fmt, ...)
{
    va_list ap;
    char *end;
    double v;

    if (strcmp(fmt, "%lg") != 0) {
        abort();
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s == '\0') {
        return EOF; /* input failure before the conversion */
    }
    v = strtod(s, &end);
    if (end == s) {
        return 0;
    }
    va_start(ap, fmt);
    *va_arg(ap, double *) = v;
    va_end(ap);
    return 1;
}
