/* cli_watch.c - 'status --watch[=N]': the status drawn again every N
 * seconds until SIGINT or SIGTERM, which end it with exit 0 (as watch(1),
 * for an appliance that has none). On a terminal each draw first clears the
 * screen with an ANSI escape; elsewhere the draws follow one another, each
 * after a header line with the time. A draw that fails (a store briefly
 * unreadable) is said on stderr and the next one comes all the same. */
#include "applets/cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets/applet.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = sig;
}

static void header(long secs)
{
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;

    if (localtime_r(&now, &tm) != NULL) { /* NULL for a time out of range */
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    }
    printf("Every %lds: ha-manager status    %s\n\n", secs, when);
}

int cli_watch(struct cli *c, int (*draw)(struct cli *c))
{
    struct sigaction sa;
    bool tty = isatty(STDOUT_FILENO) == 1;
    long secs = strtol(cli_param(c, "watch"), NULL, 10); /* checked: 0..3600 */

    if (secs < 1) {
        return cli_param_error(c, "watch", "value must have a minimum value of 1");
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: the sleep ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stop) {
        struct timespec left = {secs, 0};
        if (tty) {
            fputs("\033[H\033[2J", stdout);
        }
        header(secs);
        draw(c);
        if (fflush(stdout) != 0) {
            return cli_fail(EXIT_FAIL, "write error on standard output");
        }
        while (!stop && nanosleep(&left, &left) != 0 && errno == EINTR) {
        }
    }
    return EXIT_OK;
}
