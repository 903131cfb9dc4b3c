/* ha_tester.c - the regression scenario tester: run one pve-ha-manager style
 * scenario folder on the simulated cluster of applets/sim/ and write the log
 * (compared byte for byte with the folder's log.expect) and the final
 * runtime files into OUT_DIR. The scenario folder is never written to. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/log.h"
#include "applets/sim/sim_cli.h"
#include "state/rules.h"
#include "state/str.h"

#define RULES_FILE_MAX (16 << 20)

static void tester_oom(void)
{
    fatalx("out of memory");
}

/* --rules-check FILE: upstream's rules_cfgs test output on stdout. */
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

static const struct option no_long_options[] = {{NULL, 0, NULL, 0}};

static int ha_tester_main(int argc, char **argv)
{
    bool quiet = false;
    int c;

    str_oom_hook = tester_oom;
    if (argc > 1 && strcmp(argv[1], "--rules-check") == 0) {
        return argc == 3 ? rules_check_file(argv[2]) : applet_usage(&applet_ha_tester);
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:q", no_long_options, NULL)) != -1) {
        if (c != 'q') {
            return applet_option_error(&applet_ha_tester, c, argv);
        }
        quiet = true;
    }
    if (argc - optind != 2) {
        return applet_usage(&applet_ha_tester);
    }
    if (sim_cli_prepare_out(argv[optind], argv[optind + 1]) != 0) {
        return EXIT_USAGE;
    }
    return sim_cli_run(argv[optind], argv[optind + 1], quiet, 0, NULL, NULL);
}

const struct applet applet_ha_tester = {
    .name = "ha-tester",
    .main = ha_tester_main,
    .help = HELP_HA_TESTER,
};
