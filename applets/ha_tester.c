/* ha_tester.c - the regression scenario tester: run one pve-ha-manager style
 * scenario folder on the simulated cluster of kv/sim.h and write the log
 * (compared byte for byte with the folder's log.expect) and the final
 * runtime files into OUT_DIR. The scenario folder is never written to. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/log.h"
#include "kv/sim.h"
#include "state/str.h"

static void tester_oom(void)
{
    fatalx("out of memory");
}

/* OUT_DIR must exist (or be creatable), be a writable directory and differ
 * from SCENARIO_DIR: checked up front, so a bad OUT_DIR is a usage error. */
static int prepare_out(const char *scenario, const char *out)
{
    char a[PATH_MAX], b[PATH_MAX];
    struct stat st;

    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        log_warn("mkdir %s", out);
        return -1;
    }
    if (realpath(scenario, a) == NULL) {
        log_warn("%s", scenario);
        return -1;
    }
    if (realpath(out, b) == NULL) {
        log_warn("%s", out);
        return -1;
    }
    if (strcmp(a, b) == 0) {
        log_warnx("%s: OUT_DIR must differ from SCENARIO_DIR", out);
        return -1;
    }
    if (stat(b, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_warnx("%s: OUT_DIR is not a directory", out);
        return -1;
    }
    if (access(b, W_OK | X_OK) != 0) {
        log_warn("%s", out);
        return -1;
    }
    return 0;
}

static int run(const char *scenario, const char *out, bool quiet)
{
    char *err = NULL, *path;
    struct sim *sim = sim_load(scenario, &err);
    FILE *log;
    int rc = EXIT_OK;

    if (sim == NULL) {
        log_warnx("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    path = xasprintf("%s/log", out);
    log = fopen(path, "w");
    if (log == NULL) {
        log_warn("%s", path);
        free(path);
        sim_free(sim);
        return EXIT_FAIL;
    }
    free(path);
    sim_set_output(sim, log, quiet ? NULL : stdout);
    sim_run(sim);
    if (fclose(log) != 0 || sim_write_status(sim, out, &err) != 0) {
        log_warnx("%s", err ? err : "write log failed");
        rc = EXIT_FAIL;
    }
    free(err);
    sim_free(sim);
    return rc;
}

static int ha_tester_main(int argc, char **argv)
{
    bool quiet = false;
    int c;

    str_oom_hook = tester_oom;
    while ((c = getopt(argc, argv, "+q")) != -1) {
        if (c != 'q') {
            return applet_usage(&applet_ha_tester);
        }
        quiet = true;
    }
    if (argc - optind != 2) {
        return applet_usage(&applet_ha_tester);
    }
    if (prepare_out(argv[optind], argv[optind + 1]) != 0) {
        return EXIT_USAGE;
    }
    return run(argv[optind], argv[optind + 1], quiet);
}

const struct applet applet_ha_tester = {
    .name = "ha-tester",
    .main = ha_tester_main,
    .usage =
        "usage: ha-tester [-q] SCENARIO_DIR OUT_DIR\n"
        "Runs a pve-ha-manager style regression scenario folder (cmdlist, hardware_status,\n"
        "manager_status, service_config, ...) on a simulated cluster with a virtual clock.\n"
        "Writes OUT_DIR/log (compare it with SCENARIO_DIR/log.expect) and the final runtime\n"
        "files into OUT_DIR, which is created if missing; SCENARIO_DIR is only read.\n"
        "-q\tdo not echo the log on stdout\n"
        "Exit: 0 the simulation ran (a runtime error ends it with an 'exit simulation' err\n"
        "line), 1 OUT_DIR could not be written, 2 bad usage or unreadable scenario files.\n",
};
