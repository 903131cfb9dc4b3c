/* applet.c - what every applet shares: the short usage on a usage error. */
#include "applets/applet.h"

#include <stdio.h>
#include <string.h>

int applet_usage(const struct applet *a)
{
    const char *nl = strchr(a->usage, '\n');
    int len = nl ? (int)(nl - a->usage) : (int)strlen(a->usage);

    fprintf(stderr, "%.*s\n", len, a->usage);
    fprintf(stderr, "try '%s --help' for more information\n", a->name);
    return EXIT_USAGE;
}
