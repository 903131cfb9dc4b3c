/* log.h - the one logging API: syslog and/or stderr, printf-checked.
 *
 * Daemons log to syslog, plus stderr with -d; the CLI and the simulator log to
 * stderr. log_warn() appends ": strerror(errno)", log_warnx() does not;
 * fatal()/fatalx() log and exit(1). Only code in applets/ calls these. */
#ifndef HAVEN_LOG_H
#define HAVEN_LOG_H

#include <stdarg.h>

enum { LOG_TO_SYSLOG = 1 << 0, LOG_TO_STDERR = 1 << 1 };

extern const char *log_prog; /* the applet name, set by main.c */

void log_init(int sinks, int max_prio);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
