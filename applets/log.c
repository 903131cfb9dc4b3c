/* log.c - syslog and stderr sinks behind one printf-style API. */
#include "applets/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "state/str.h"

const char *log_prog = "haven";
static int log_sinks = LOG_TO_STDERR;
static int log_max_prio = LOG_INFO;

void log_init(int sinks, int max_prio)
{
    log_sinks = sinks;
    log_max_prio = max_prio;
    if (sinks & LOG_TO_SYSLOG) {
        openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    }
}

static void log_vmsg(int prio, const char *suffix, const char *fmt, va_list ap)
{
    char buf[1024];

    if (prio > log_max_prio) {
        return;
    }
    vsnprintf(buf, sizeof(buf), fmt, ap);
    /* one message, one line, nothing a terminal acts on: a name from the
     * store or a scenario may carry any byte */
    char *msg = str_escaped(buf);
    if (log_sinks & LOG_TO_SYSLOG) {
        syslog(prio, "%s%s", msg, suffix);
    }
    if (log_sinks & LOG_TO_STDERR) {
        fprintf(stderr, "%s: %s%s\n", log_prog, msg, suffix);
    }
    free(msg);
}

void log_msg(int prio, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(prio, "", fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_DEBUG, "", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_INFO, "", fmt, ap);
    va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_WARNING, "", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    char suffix[256];
    va_list ap;

    snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
    va_start(ap, fmt);
    log_vmsg(LOG_WARNING, suffix, fmt, ap);
    va_end(ap);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_CRIT, "", fmt, ap);
    va_end(ap);
    exit(1);
}

void fatal(const char *fmt, ...)
{
    char suffix[256];
    va_list ap;

    snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
    va_start(ap, fmt);
    log_vmsg(LOG_CRIT, suffix, fmt, ap);
    va_end(ap);
    exit(1);
}
