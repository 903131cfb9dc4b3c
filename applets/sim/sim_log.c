/* sim_log.c - the tester's log writer (applets/sim/README.md) and the abort hook.
 *
 * Every line goes to the log file, flushed at once so that a crash keeps
 * what happened so far, and is echoed unless the tester runs quietly. */
#include "applets/sim/sim_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void
put_line(FILE *f, const char *level, int64_t t, const char *actor, const char *msg, size_t len)
{
    if (str_has_ctl(actor) || memchr(msg, '\n', len) != NULL || str_has_ctl(msg)) {
        /* a name from the scenario: one message stays one line, and no
         * terminal sequence reaches the log (the usual line has none) */
        char *m = xstrndup(msg, len), *em = str_escaped(m), *ea = str_escaped(actor);
        fprintf(f, "%-5s %5lld %12s: %s\n", level, (long long)t, ea, em);
        free(m);
        free(em);
        free(ea);
    } else {
        fprintf(f, "%-5s %5lld %12s: %.*s\n", level, (long long)t, actor, (int)len, msg);
    }
    fflush(f);
}

void sim_log_line(struct sim *sim, const char *level, int64_t t, const char *actor, const char *msg)
{
    size_t len = strlen(msg);

    if (len > 0 && msg[len - 1] == '\n') {
        len--; /* upstream strips exactly one trailing newline */
    }
    if (sim->log != NULL) {
        put_line(sim->log, level, t, actor, msg, len);
    }
    if (sim->echo != NULL) {
        put_line(sim->echo, level, t, actor, msg, len);
    }
}

void sim_logf(struct sim *sim, const char *level, const char *actor, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    sim_log_line(sim, level, sim->t, actor, msg);
    free(msg);
}

/* Only the first error counts: the scheduler stops at its next check. */
void sim_abort(struct sim *sim, const char *fmt, ...)
{
    va_list ap;

    if (sim->abort_err != NULL) {
        return;
    }
    va_start(ap, fmt);
    sim->abort_err = xvasprintf(fmt, ap);
    va_end(ap);
}
