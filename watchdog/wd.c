/* wd.c - watchdog-mux client API: connect, feed, magic close, greeting. */
#include "watchdog/wd.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* How long wd_close waits for room in the socket buffer before giving up on
 * the 'V': a mux that does not read for that long is hung anyway. */
#define WD_CLOSE_WAIT_MS 1000

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wd_open(const char *socket_path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = socket_path ? socket_path : WD_SOCKET_PATH;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int send_byte(int fd, char c)
{
    ssize_t n;

    do {
        n = send(fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

int wd_update(int fd)
{
    return send_byte(fd, '\0');
}

/* Wait until fd can take a byte, at most WD_CLOSE_WAIT_MS. */
static void wait_writable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};

    while (poll(&pfd, 1, WD_CLOSE_WAIT_MS) < 0 && errno == EINTR) {
    }
}

int wd_close(int fd)
{
    char buf[256];
    int rc, e;

    wait_writable(fd);
    rc = send_byte(fd, 'V');
    e = errno;
    /* Send our end-of-stream first and drain the greeting: closing with
     * unread data would reset the connection instead of ending it. */
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 16 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++) {
    }
    close(fd);
    errno = e;
    return rc;
}

int wd_greeting_format(char *buf, size_t size, const struct wd_greeting *g)
{
    int n = snprintf(
        buf, size, "watchdog-mux %d client-timeout=%ld hw-timeout=%ld\n", g->version,
        g->client_timeout_s, g->hw_timeout_s
    );

    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* A number of the greeting as the mux prints it (%ld of a positive value):
 * 1 to 9 digits, no leading zero, no sign, no blank. Advances *p. */
static bool greeting_number(const char **p, long *out)
{
    const char *s = *p;
    long v = 0;
    int n = 0;

    if (*s < '1' || *s > '9') {
        return false;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++n > 9) {
            return false; /* far beyond any timeout; never an overflow */
        }
        v = v * 10 + (*s - '0');
    }
    *p = s;
    *out = v;
    return true;
}

static bool greeting_word(const char **p, const char *word)
{
    size_t n = strlen(word);

    if (strncmp(*p, word, n) != 0) {
        return false;
    }
    *p += n;
    return true;
}

/* Exactly the line wd_greeting_format writes, with or without its '\n'
 * (sscanf took blanks, signs, leading zeros and overflowing numbers). */
int wd_greeting_parse(const char *line, struct wd_greeting *g)
{
    const char *p = line;
    long version, client, hw;

    if (!greeting_word(&p, "watchdog-mux ") || !greeting_number(&p, &version) ||
        !greeting_word(&p, " client-timeout=") || !greeting_number(&p, &client) ||
        !greeting_word(&p, " hw-timeout=") || !greeting_number(&p, &hw)) {
        return 0;
    }
    if (strcmp(p, "") != 0 && strcmp(p, "\n") != 0) {
        return 0;
    }
    g->version = (int)version;
    g->client_timeout_s = client;
    g->hw_timeout_s = hw;
    return 1;
}

/* Read into buf until a newline, end of stream or the deadline; returns the
 * length read (0 at an immediate end) or -1 with errno. */
static int read_line(int fd, char *buf, size_t size, long long deadline_ms)
{
    size_t len = 0;

    while (len + 1 < size && memchr(buf, '\n', len) == NULL) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        long long left = deadline_ms - mono_ms();
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        ssize_t n;

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    return (int)len;
}

int wd_read_greeting(int fd, int timeout_ms, struct wd_greeting *g)
{
    char line[128] = "";
    int n = read_line(fd, line, sizeof(line), mono_ms() + timeout_ms);

    if (n < 0) {
        return -1;
    }
    return wd_greeting_parse(line, g);
}

int wd_probe(const char *socket_path, int timeout_ms, struct wd_greeting *g)
{
    int fd = wd_open(socket_path);
    int rc;

    if (fd < 0) {
        return -1;
    }
    rc = wd_read_greeting(fd, timeout_ms, g);
    if (wd_close(fd) < 0 && rc >= 0) {
        return -1;
    }
    return rc;
}
