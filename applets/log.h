/* log.h - the one logging API: syslog, a log file and/or stderr, printf-checked.
 *
 * The CLI and the simulator log to stderr as "<applet>: <message>". The
 * daemons (LOG_DAEMON) log to syslog, or to the log file when one is set, or
 * to stderr when neither exists (a rescue chroot has no /dev/log), plus
 * stderr with -d; their lines on stderr and in the file have one format:
 *
 *     2026-12-02 10:11:12 ha-crm[812] info: status change startup => wait_for_quorum
 *
 * (local time, applet, pid, syslog level name). A daemon's warning or error
 * identical to one logged in the last LOG_REPEAT_WINDOW_S seconds is not
 * logged again but counted; the count is logged once that window is over.
 * log_warn() appends ": strerror(errno)", log_warnx() does not;
 * fatal()/fatalx() log and exit(1). Only code in applets/ calls these. */
#ifndef HAVEN_LOG_H
#define HAVEN_LOG_H

#include <stdarg.h>

enum {
    LOG_TO_SYSLOG = 1 << 0, /* when a syslog socket exists, else stderr */
    LOG_TO_STDERR = 1 << 1,
    LOG_DAEMON_FMT = 1 << 2, /* time-stamped lines, repeats counted */
};

#define LOG_REPEAT_WINDOW_S 600

extern const char *log_prog; /* the applet name, set by main.c */

void log_init(int sinks, int max_prio);
/* Log to this file (appended, created 0640) instead of syslog; called
 * before log_init. The caller checks it first with log_file_check (0, or
 * -1 and *err, one line). */
void log_set_file(const char *path);
int log_file_check(const char *path, char **err);
/* Lines at max_prio or more urgent also go to stderr as "<applet>: <message>"
 * when stderr is no sink (counted repeats too): whoever started a daemon
 * sees why its start failed. -1, the default: none. */
void log_echo_stderr(int max_prio);
/* In a forked child about to close every fd above 2: let go of the syslog
 * connection (the child's next line opens its own, same identity). */
void log_forked(void);
/* Once started: say that the log goes to stderr for want of syslog. */
void log_note_sink(void);
/* The sinks in use: LOG_TO_SYSLOG only when a syslog daemon listens. */
int log_active_sinks(void);
/* Where a daemon's lines go: "syslog", "stderr" or the file. */
const char *log_sink_name(void);
/* One finished message (the daemons' core lines). */
void log_text(int prio, const char *msg);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
