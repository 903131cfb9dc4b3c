/* applet.h - the applets of the haven multicall binary.
 *
 * Each applet lives in one file (applets/ha_crm.c is "ha-crm") and defines one
 * struct applet. main.c lists them; adding an applet takes its file, an extern
 * here, one line in main.c and its help text (help.h). Exit codes are shared
 * by every applet. */
#ifndef HAVEN_APPLET_H
#define HAVEN_APPLET_H

#include "applets/help.h"

enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1, /* runtime error */
    EXIT_USAGE = 2, /* bad usage or configuration */
    EXIT_NOTFOUND = 127 /* unknown applet */
};

struct applet {
    const char *name;
    int (*main)(int argc, char **argv);
    enum help_id help; /* printed by --help (applets/help/); first line is "usage: ..." */
};

/* Print the applet's usage on stderr and return EXIT_USAGE. */
int applet_usage(const struct applet *a);
/* getopt_long's '?' or ':' (optstring starting with ':', opterr 0): one
 * line naming the option ("unknown option '--foo'", "option '-c' needs a
 * value"), then the usage; returns EXIT_USAGE. */
int applet_option_error(const struct applet *a, int c, char *const argv[]);

extern const struct applet applet_ha_crm;
extern const struct applet applet_ha_lrm;
extern const struct applet applet_ha_watchdog;
extern const struct applet applet_watchdog_mux;
extern const struct applet applet_ha_manager;
extern const struct applet applet_ha_tester;
extern const struct applet applet_ha_sim;

#endif
