/* wd.h - the client side of the watchdog-mux protocol (watchdog/README.md).
 *
 * A client connects to the multiplexer's stream socket; from then on the mux
 * runs a software watchdog for it: every byte the client writes feeds it, and
 * the client must write 'V' as its last byte before closing, or the node is
 * reset. haven's mux greets each client with one line (struct wd_greeting) so
 * that daemons can check their timings; upstream's mux sends nothing.
 *
 * These functions never log and never exit: they return -1 with errno set and
 * leave the wording to the caller. All descriptors are O_CLOEXEC. */
#ifndef HAVEN_WD_H
#define HAVEN_WD_H

#include <stddef.h>

#define WD_SOCKET_PATH "/run/watchdog-mux.sock"
#define WD_PROTO_VERSION 1

/* The mux's greeting: "watchdog-mux 1 client-timeout=<C> hw-timeout=<H>\n". */
struct wd_greeting {
    int version;
    long client_timeout_s;
    long hw_timeout_s;
};

/* Connect to the mux at socket_path (NULL: WD_SOCKET_PATH). Returns the
 * connection (the handle for wd_update/wd_close) or -1 with errno. From here
 * on the client is watched: it must feed within the mux's client timeout. */
int wd_open(const char *socket_path);

/* Feed the client's watchdog: write one '\0' byte without blocking.
 * Returns 0, or -1 with errno (EAGAIN when the mux is not reading, EPIPE
 * when it is gone). */
int wd_update(int fd);

/* Magic close: write 'V', shut the connection down and close fd. The mux then
 * forgets the client instead of stopping the hardware feed. Returns 0, or -1
 * with errno when 'V' could not be sent (fd is closed in every case). */
int wd_close(int fd);

/* Wait up to timeout_ms for the mux's greeting on fd and parse it into *g.
 * Returns 1 when a greeting was read, 0 when none came (timeout, end of
 * stream or a foreign line: an upstream mux), -1 with errno on error. */
int wd_read_greeting(int fd, int timeout_ms, struct wd_greeting *g);

/* Connect, wait up to timeout_ms for the greeting, and close cleanly: the
 * daemons' start-up check (watchdog/README.md). Returns as wd_read_greeting. */
int wd_probe(const char *socket_path, int timeout_ms, struct wd_greeting *g);

/* Format the greeting line (with its '\n') into buf. Returns its length, or
 * -1 when buf is too small. */
int wd_greeting_format(char *buf, size_t size, const struct wd_greeting *g);

/* Parse one greeting line (with or without '\n'). Returns 1 or 0 (not one). */
int wd_greeting_parse(const char *line, struct wd_greeting *g);

#endif
