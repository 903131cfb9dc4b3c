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
#include "state/rules.h"
#include "state/str.h"

#define RULES_FILE_MAX (16 << 20)

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

/* --rules-check FILE: the rules_cfgs output (simulator.md 7.3) on stdout. */
static int rules_check_file(const char *path)
{
    struct strbuf sb = {0};
    struct stat st;
    char buf[8192], *text, *out;
    size_t got;
    FILE *f;

    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        log_warnx("%s: not a regular file", path);
        return EXIT_USAGE;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        log_warn("%s", path);
        return EXIT_USAGE;
    }
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len <= RULES_FILE_MAX) {
        strbuf_addn(&sb, buf, got);
    }
    if (ferror(f) || sb.len > RULES_FILE_MAX || memchr(strbuf_str(&sb), '\0', sb.len)) {
        log_warnx("%s: %s", path, ferror(f) ? "read error" : "not a rules text file");
        fclose(f);
        strbuf_free(&sb);
        return EXIT_USAGE;
    }
    fclose(f);
    text = strbuf_take(&sb);
    out = rules_dump(text, path);
    fputs(out, stdout);
    free(out);
    free(text);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static int ha_tester_main(int argc, char **argv)
{
    bool quiet = false;
    int c;

    str_oom_hook = tester_oom;
    if (argc > 1 && strcmp(argv[1], "--rules-check") == 0) {
        return argc == 3 ? rules_check_file(argv[2]) : applet_usage(&applet_ha_tester);
    }
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
        "usage: ha-tester [-q] SCENARIO_DIR OUT_DIR | --rules-check RULES_FILE\n"
        "Runs a pve-ha-manager style regression scenario folder (cmdlist, hardware_status,\n"
        "manager_status, service_config, ...) on a simulated cluster with a virtual clock.\n"
        "Writes OUT_DIR/log (compare it with SCENARIO_DIR/log.expect) and the final runtime\n"
        "files into OUT_DIR, which is created if missing; SCENARIO_DIR is only read.\n"
        "-q\tdo not echo the log on stdout\n"
        "--rules-check RULES_FILE\n"
        "\tcheck and compile a rules_config file for the nodes node1..node3 and print\n"
        "\tthe checker log, the transformed and the compiled rules (upstream's\n"
        "\trules_cfgs test output)\n"
        "Exit: 0 the simulation ran (a runtime error ends it with an 'exit simulation' err\n"
        "line), 1 OUT_DIR could not be written, 2 bad usage or unreadable scenario files.\n",
};
