/* log.c - syslog, log file and stderr sinks behind one printf-style API. */
#include "applets/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "state/str.h"

#define REPEAT_SLOTS 32

const char *log_prog = "haven";
static int log_sinks = LOG_TO_STDERR;
static int log_max_prio = LOG_INFO;
static int log_echo_prio = -1; /* see log_echo_stderr */
static const char *log_file; /* instead of syslog, when set */
static bool no_syslog; /* syslog was asked for, but nobody listens */
/* Variables rather than constants so that the unit test can replace them. */
static const char *log_syslog_path = "/dev/log";
static int64_t mono_s(void);
static int64_t (*log_clock)(void) = mono_s;

/* A daemon's warning or error, logged at since; count more were dropped. */
struct repeat {
    char *msg;
    int prio;
    int64_t since;
    long count;
};
static struct repeat repeats[REPEAT_SLOTS];

static int64_t mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* Whether a syslog daemon listens: a chroot or an appliance may have none,
 * and syslog() would then drop every line without a word. */
static bool syslog_listens(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
    bool ok = false;

    if (strlen(log_syslog_path) >= sizeof(sa.sun_path)) {
        return false;
    }
    memcpy(sa.sun_path, log_syslog_path, strlen(log_syslog_path) + 1);
    for (size_t i = 0; i < 2 && !ok; i++) {
        int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        ok = fd >= 0 && connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0;
        if (fd >= 0) {
            close(fd);
        }
    }
    return ok;
}

void log_init(int sinks, int max_prio)
{
    log_sinks = log_file != NULL ? sinks & ~LOG_TO_SYSLOG : sinks;
    log_max_prio = max_prio;
    if ((log_sinks & LOG_TO_SYSLOG) && !syslog_listens()) {
        log_sinks = (sinks & ~LOG_TO_SYSLOG) | LOG_TO_STDERR;
        no_syslog = true;
        return;
    }
    if (log_sinks & LOG_TO_SYSLOG) {
        openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    }
}

void log_echo_stderr(int max_prio)
{
    log_echo_prio = max_prio;
}

void log_forked(void)
{
    closelog();
    if (log_sinks & LOG_TO_SYSLOG) {
        openlog(log_prog, LOG_PID, LOG_DAEMON); /* no LOG_NDELAY: connects on the next line */
    }
}

static int file_open(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0640);
}

int log_file_check(const char *path, char **err)
{
    struct stat st;
    int fd;

    *err = NULL;
    if (path[0] != '/') {
        *err = xasprintf("log_file '%s' is not an absolute path", path);
        return -1;
    }
    fd = file_open(path);
    if (fd < 0) {
        *err = xasprintf("log_file '%s': %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = xasprintf("log_file '%s': not a regular file", path);
    }
    close(fd);
    return *err ? -1 : 0;
}

void log_set_file(const char *path)
{
    log_file = path;
}

void log_note_sink(void)
{
    if (no_syslog) {
        log_msg(LOG_NOTICE, "no syslog socket at %s - logging to stderr", log_syslog_path);
    }
}

int log_active_sinks(void)
{
    return log_sinks;
}

const char *log_sink_name(void)
{
    if (log_file != NULL) {
        return log_file;
    }
    return (log_sinks & LOG_TO_SYSLOG) ? "syslog" : "stderr";
}

static const char *prio_name(int prio)
{
    static const char *const names[] = {"emerg",   "alert",  "crit", "err",
                                        "warning", "notice", "info", "debug"};

    return prio >= 0 && prio < 8 ? names[prio] : "info";
}

/* "2026-12-02 10:11:12 ha-crm[812] info: msg\n" */
static char *stamped(int prio, const char *msg)
{
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;

    if (localtime_r(&now, &tm) != NULL) {
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    }
    return xasprintf("%s %s[%d] %s: %s\n", when, log_prog, (int)getpid(), prio_name(prio), msg);
}

static void write_all(int fd, const char *s)
{
    size_t len = strlen(s);

    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        s += n;
        len -= (size_t)n;
    }
}

/* The line to every sink. The file is opened for each line, so that it can
 * be rotated by renaming it; when it cannot be, the line goes to stderr. */
static void emit(int prio, const char *msg)
{
    bool daemon = log_sinks & LOG_DAEMON_FMT;
    bool to_stderr = log_sinks & LOG_TO_STDERR;
    char *line = daemon ? stamped(prio, msg) : NULL;

    if (log_sinks & LOG_TO_SYSLOG) {
        syslog(prio, "%s", msg);
    }
    if (log_file != NULL) {
        int fd = file_open(log_file);
        if (fd >= 0) {
            write_all(fd, line ? line : msg);
            close(fd);
        } else {
            to_stderr = true;
        }
    }
    if (to_stderr && line != NULL) {
        write_all(STDERR_FILENO, line);
    } else if (to_stderr) {
        fprintf(stderr, "%s: %s\n", log_prog, msg);
    }
    free(line);
}

static void repeat_done(struct repeat *r)
{
    if (r->count > 0) {
        char *msg = xasprintf(
            "%s (repeated %ld more times in %lld s)", r->msg, r->count,
            (long long)(log_clock() - r->since)
        );
        emit(r->prio, msg);
        free(msg);
    }
    free(r->msg);
    *r = (struct repeat){0};
}

/* A daemon's warning or error already logged in the window: count it and
 * return true. Windows that are over log their count first. */
static bool repeated(int prio, const char *msg)
{
    int64_t now = log_clock();
    struct repeat *slot = NULL;

    for (size_t i = 0; i < REPEAT_SLOTS; i++) {
        if (repeats[i].msg != NULL && now - repeats[i].since >= LOG_REPEAT_WINDOW_S) {
            repeat_done(&repeats[i]);
        }
    }
    if (!(log_sinks & LOG_DAEMON_FMT) || prio > LOG_WARNING) {
        return false;
    }
    for (size_t i = 0; i < REPEAT_SLOTS; i++) {
        if (repeats[i].msg != NULL && strcmp(repeats[i].msg, msg) == 0) {
            repeats[i].count++;
            return true;
        }
        if (slot == NULL ||
            (slot->msg != NULL && (repeats[i].msg == NULL || repeats[i].since < slot->since))) {
            slot = &repeats[i]; /* a free slot, else the oldest */
        }
    }
    if (slot->msg != NULL) {
        repeat_done(slot);
    }
    *slot = (struct repeat){xstrdup(msg), prio, now, 0};
    return false;
}

void log_text(int prio, const char *text)
{
    char *msg;

    if (prio > log_max_prio) {
        return;
    }
    /* one message, one line, nothing a terminal acts on: a name from the
     * store or a scenario may carry any byte */
    msg = str_escaped(text);
    if (!repeated(prio, msg)) {
        emit(prio, msg);
    }
    if (prio <= log_echo_prio && !(log_sinks & LOG_TO_STDERR)) {
        fprintf(stderr, "%s: %s\n", log_prog, msg);
    }
    free(msg);
}

static void log_vmsg(int prio, const char *suffix, const char *fmt, va_list ap)
{
    char buf[1024];

    if (prio > log_max_prio) {
        return;
    }
    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (suffix[0] != '\0') {
        char *both = xasprintf("%s%s", buf, suffix);
        log_text(prio, both);
        free(both);
        return;
    }
    log_text(prio, buf);
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
