/* applet.c - what every applet shares: the short usage and the one-line
 * option errors of a usage error. */
#include "applets/applet.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int applet_usage(const struct applet *a)
{
    const char *usage = help_text(a->help), *nl = strchr(usage, '\n');
    int len = nl ? (int)(nl - usage) : (int)strlen(usage);

    fprintf(stderr, "%.*s\n", len, usage);
    fprintf(stderr, "try '%s --help' for more information\n", a->name);
    return EXIT_USAGE;
}

/* The word the user typed: "--name" (without "=value") or "-c". */
static void option_word(char *out, size_t size, int opt, const char *arg)
{
    if (arg != NULL && strncmp(arg, "--", 2) == 0) {
        snprintf(out, size, "%.*s", (int)strcspn(arg, "="), arg);
    } else {
        snprintf(out, size, "-%c", opt);
    }
}

int applet_option_error(const struct applet *a, int c, char *const argv[])
{
    /* getopt_long leaves optind after the word, for a long option at least */
    const char *arg = optind > 0 ? argv[optind - 1] : NULL;
    char word[64];

    option_word(word, sizeof(word), optopt, optopt == 0 || c == ':' ? arg : NULL);
    if (c == ':') {
        fprintf(stderr, "%s: option '%s' needs a value\n", a->name, word);
    } else {
        fprintf(stderr, "%s: unknown option '%s'\n", a->name, word);
    }
    return applet_usage(a);
}
