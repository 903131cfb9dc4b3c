/* sim_cli.c - the OUT_DIR check and one simulator run, for ha-tester and
 * ha-sim. */
#include "applets/sim/sim_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/log.h"
#include "state/str.h"

/* Checked up front, so that a bad OUT_DIR is a usage error. */
int sim_cli_prepare_out(const char *scenario, const char *out)
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

int sim_cli_run(
    const char *scenario, const char *out, bool quiet, unsigned flags, sim_batch_fn fn, void *ctx
)
{
    char *err = NULL, *path = out ? xasprintf("%s/log", out) : xstrdup("/dev/null");
    struct sim *sim = sim_load_flags(scenario, flags, &err);
    FILE *log;
    int rc = EXIT_OK;

    if (sim == NULL) {
        log_warnx("%s", err);
        free(err);
        free(path);
        return EXIT_USAGE;
    }
    log = fopen(path, "w");
    if (log == NULL) {
        log_warn("%s", path);
        free(path);
        sim_free(sim);
        return EXIT_FAIL;
    }
    free(path);
    sim_set_output(sim, log, quiet ? NULL : stdout);
    if (fn != NULL) {
        sim_set_batch_source(sim, fn, ctx);
    }
    sim_run(sim);
    if (fclose(log) != 0 || (out != NULL && sim_write_status(sim, out, &err) != 0)) {
        log_warnx("%s", err ? err : "write log failed");
        rc = EXIT_FAIL;
    }
    free(err);
    sim_free(sim);
    return rc;
}
