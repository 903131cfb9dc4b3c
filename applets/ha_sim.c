/* ha_sim.c - the interactive simulator: a scenario folder's cluster on the
 * simulated hardware of applets/sim/, driven by commands typed (or piped) one
 * command slot at a time, its log printed as it happens. The cmdlist of the
 * folder, if any, runs first; a line of input then counts exactly as one
 * more cmdlist batch, so a piped cmdlist gives ha-tester's log. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/log.h"
#include "applets/sim/sim_cli.h"
#include "state/str.h"

struct input {
    FILE *in;
    bool prompt; /* an operator at a terminal */
    bool quit;
};

static char *trimmed(char *s)
{
    char *end;

    s += strspn(s, " \t\r\n");
    end = s + strlen(s);
    while (end > s && strchr(" \t\r\n", end[-1]) != NULL) {
        *--end = '\0';
    }
    return s;
}

/* The commands of one line, each checked; NULL (with a message) if one is bad. */
static char **parse_line(const struct sim *sim, char *line)
{
    char **batch = xcalloc(strlen(line) / 2 + 2, sizeof(*batch));
    size_t n = 0;

    for (char *part = strtok(line, ";"); part != NULL; part = strtok(NULL, ";")) {
        char *cmd = trimmed(part), *why;
        if (*cmd == '\0') {
            continue;
        }
        why = sim_cmd_check_now(sim, cmd, batch);
        if (why != NULL) {
            log_warnx("%s - line ignored ('help' lists the commands)", why);
            free(why);
            for (size_t i = 0; i < n; i++) {
                free(batch[i]);
            }
            free(batch);
            return NULL;
        }
        batch[n++] = xstrdup(cmd);
    }
    return batch;
}

/* sim_batch_fn: the next line with commands that pass the check. */
static char **next_batch(void *ctx, const struct sim *sim)
{
    struct input *in = ctx;
    char *line = NULL;
    size_t cap = 0;

    while (!in->quit) {
        char **batch, *cmd;
        if (in->prompt) {
            fprintf(stderr, "ha-sim [%lld s]> ", sim_time(sim));
            fflush(stderr);
        }
        if (getline(&line, &cap, in->in) < 0) {
            break;
        }
        cmd = trimmed(line);
        if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0) {
            break;
        }
        if (strcmp(cmd, "help") == 0) {
            fputs(help_text(HELP_HA_SIM_COMMANDS), stderr);
            continue;
        }
        if (strcmp(cmd, "status") == 0) {
            char *text = sim_status_text(sim);
            fputs(text, stderr);
            free(text);
            continue;
        }
        batch = parse_line(sim, cmd);
        if (batch != NULL) {
            free(line);
            return batch;
        }
    }
    in->quit = true;
    free(line);
    return NULL;
}

static void sim_oom(void)
{
    fatalx("out of memory");
}

static const struct option no_long_options[] = {{NULL, 0, NULL, 0}};

static int ha_sim_main(int argc, char **argv)
{
    struct input in = {stdin, isatty(STDIN_FILENO) == 1, false};
    const char *out;
    bool quiet = false;
    int c;

    str_oom_hook = sim_oom;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:q", no_long_options, NULL)) != -1) {
        if (c != 'q') {
            return applet_option_error(&applet_ha_sim, c, argv);
        }
        quiet = true;
    }
    if (argc - optind < 1 || argc - optind > 2) {
        return applet_usage(&applet_ha_sim);
    }
    out = argc - optind == 2 ? argv[optind + 1] : NULL;
    if (out != NULL && sim_cli_prepare_out(argv[optind], out) != 0) {
        return EXIT_USAGE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* the log as it happens */
    return sim_cli_run(argv[optind], out, quiet, SIM_CMDLIST_OPTIONAL, next_batch, &in);
}

const struct applet applet_ha_sim = {
    .name = "ha-sim",
    .main = ha_sim_main,
    .help = HELP_HA_SIM,
};
