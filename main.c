/* main.c - the haven multicall dispatcher.
 *
 * The applet is chosen by the basename of argv[0] (symlinks such as ha-crm) or,
 * when that is not an applet name, by the first argument ("haven ha-crm -d").
 * --help and --version are answered here for every applet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/log.h"

static const struct applet *const applets[] = {
    &applet_ha_crm,    &applet_ha_lrm,      &applet_ha_manager,   &applet_ha_sim,
    &applet_ha_tester, &applet_ha_watchdog, &applet_watchdog_mux,
};

#define APPLET_COUNT (sizeof(applets) / sizeof(applets[0]))

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static const struct applet *applet_find(const char *name)
{
    for (size_t i = 0; i < APPLET_COUNT; i++) {
        if (strcmp(applets[i]->name, name) == 0) {
            return applets[i];
        }
    }
    return NULL;
}

static int list_applets(void)
{
    for (size_t i = 0; i < APPLET_COUNT; i++) {
        puts(applets[i]->name);
    }
    return EXIT_OK;
}

static int main_help(void)
{
    fputs(help_text(HELP_HAVEN), stdout);
    for (size_t i = 0; i < APPLET_COUNT; i++) {
        printf("  %s\n", applets[i]->name);
    }
    return EXIT_OK;
}

static int version(void)
{
    printf("haven %s\n", HAVEN_VERSION);
    return EXIT_OK;
}

/* Options of the multiplexer itself; returns -1 when argv[1] is not one. */
static int main_option(const char *arg)
{
    if (strcmp(arg, "--list") == 0) {
        return list_applets();
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        return main_help();
    }
    if (strcmp(arg, "--version") == 0) {
        return version();
    }
    return -1;
}

int main(int argc, char **argv)
{
    const struct applet *a;

    if (argc < 1) {
        return EXIT_NOTFOUND;
    }
    a = applet_find(base_name(argv[0]));
    if (a == NULL) {
        if (argc < 2) {
            main_help();
            return EXIT_USAGE;
        }
        int rc = main_option(argv[1]);
        if (rc >= 0) {
            return rc;
        }
        argc--;
        argv++;
        a = applet_find(argv[0]);
    }
    if (a == NULL) {
        fprintf(stderr, "haven: %s: unknown applet; try 'haven --list'\n", argv[0]);
        return EXIT_NOTFOUND;
    }
    log_prog = a->name;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(help_text(a->help), stdout);
        return EXIT_OK;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        return version();
    }
    return a->main(argc, argv);
}
