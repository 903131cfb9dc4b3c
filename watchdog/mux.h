/* mux.h - the watchdog multiplexer core (protocol: watchdog/README.md).
 *
 * One process owns the watchdog device and keeps feeding it once per interval
 * while every connected client keeps feeding its own software watchdog over
 * the Unix socket. A client that stays silent past the client timeout, or
 * disconnects without a final 'V', stops the hardware feed for good and the
 * node resets. The core runs a libev loop and reports through the caller's log
 * function, with upstream's wording; options, the active-marker check at start
 * and module loading belong to the applet. */
#ifndef HAVEN_WD_MUX_H
#define HAVEN_WD_MUX_H

#define WD_MUX_DEVICE "/dev/watchdog"
#define WD_MUX_MARKER "/run/watchdog-mux.active"
#define WD_MUX_MAX_CLIENTS 100
#define WD_MUX_BACKLOG 32

typedef void wd_log_fn(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct wd_mux_config {
    const char *device; /* opened write-only and never closed while running;
                           NULL: no device at all (a test host, unsafe) */
    const char *socket_path; /* absolute; an existing file there must be a socket */
    long long socket_gid; /* -1: mode 0600, clients root or our own user; else
                             0660, this group's members may be clients too */
    const char *marker; /* a directory that exists while clients are active */
    long long client_timeout_ms;
    int hw_timeout_s;
    long long interval_ms; /* device keep-alive and client check period */
    wd_log_fn *log; /* syslog priorities */
    void (*sync_journal)(void); /* flush the log before a likely reset; may be NULL */
    void (*serving)(void); /* start-up done, the socket listens; may be NULL */
};

/* Whether the socket path is usable: absolute, short enough, and free or a
 * socket (a stale one is replaced; anything else is never removed). Logs why
 * not (LOG_CRIT) and returns -1. wd_mux_run checks it again. */
int wd_mux_socket_check(const struct wd_mux_config *cfg);

/* Open and set up the device, listen, and serve until a terminate signal or
 * until feeding stopped. Returns 0 after a clean or an "active connections"
 * exit (upstream's status), 1 when setting up failed. */
int wd_mux_run(const struct wd_mux_config *cfg);

#endif
