/* mux.c - watchdog-mux: one owner of the device, one software watchdog per client.
 *
 * Three kinds of watchers share one libev loop: the listening socket, one
 * reader per client, and a timer that both checks the clients' ages and feeds
 * the device. The timer is independent of client traffic, so a client that
 * floods the socket cannot starve the hardware (upstream fed only after a
 * quiet second). Feeding, once stopped, never resumes: the
 * loop ends and the process exits without a magic close, so the device resets
 * the node. All state lives in one struct mux; no allocation after start. */
#include "watchdog/mux.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "watchdog/wd.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* The Linux watchdog ABI (linux/watchdog.h, which musl does not ship). */
struct wd_info {
    uint32_t options;
    uint32_t firmware_version;
    uint8_t identity[32];
};
#define WD_IOC_GETSUPPORT _IOR('W', 0, struct wd_info)
#define WD_IOC_SETTIMEOUT _IOWR('W', 6, int)

enum client_state {
    CLIENT_FREE,
    CLIENT_LIVE, /* connected and watched */
    CLIENT_DEAD /* left without 'V': still counts as active, feeding stopped */
};

struct client {
    ev_io io;
    struct mux *mux;
    enum client_state state;
    int pid;
    long long last_ms; /* monotonic time of the last byte (or of accept) */
    bool magic; /* the last byte read was 'V' */
    bool warned;
};

struct mux {
    const struct wd_mux_config *cfg;
    struct ev_loop *loop;
    int dev_fd;
    int hw_timeout_s; /* as the driver set it */
    int active; /* LIVE plus DEAD clients */
    bool feeding;
    bool feed_failed; /* the last keep-alive write failed (logged once) */
    bool notty_logged;
    bool accept_paused;
    bool terminated; /* a terminate signal came (also before the device opened) */
    long long refused_log_ms; /* when a refused peer was last logged */
    long refused_quiet; /* refused since then, not logged yet */
    ev_io listen_io;
    ev_timer tick;
    ev_signal sig_term, sig_int, sig_hup;
    struct client clients[WD_MUX_MAX_CLIENTS];
};

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sync_journal(struct mux *m)
{
    if (m->cfg->sync_journal) {
        m->cfg->sync_journal();
    }
}

static int dev_write(struct mux *m, char c)
{
    ssize_t n;

    if (m->dev_fd < 0) { /* --no-device: nothing to feed */
        return 0;
    }
    do {
        n = write(m->dev_fd, &c, 1);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

/* 'V' tells the driver that this close is intended, so it stops the timer. */
static void dev_magic_close(struct mux *m)
{
    if (dev_write(m, 'V') < 0) {
        m->cfg->log(LOG_ERR, "watchdog magic close failed: %s", strerror(errno));
    }
    if (m->dev_fd >= 0) {
        close(m->dev_fd);
    }
    m->dev_fd = -1;
}

static void dev_keepalive(struct mux *m)
{
    /* Any byte but 'V' is a keep-alive in the Linux watchdog API. */
    if (dev_write(m, '\0') == 0) {
        m->feed_failed = false;
        return;
    }
    if (!m->feed_failed) {
        m->cfg->log(LOG_ERR, "watchdog update failed: %s", strerror(errno));
    }
    m->feed_failed = true;
}

/* Returns 1 on success, 0 when the device takes no ioctls (a FIFO or a file
 * standing in for the hardware: logged once), -1 on a real failure. */
static int dev_ioctl(struct mux *m, unsigned long req, void *arg, const char *what)
{
    if (ioctl(m->dev_fd, req, arg) == 0) {
        return 1;
    }
    if (errno != ENOTTY) {
        m->cfg->log(LOG_CRIT, "%s: %s", what, strerror(errno));
        return -1;
    }
    if (!m->notty_logged) {
        m->cfg->log(
            LOG_WARNING, "%s: %s - '%s' is no watchdog device, feeding it by writes only", what,
            strerror(errno), m->cfg->device
        );
    }
    m->notty_logged = true;
    return 0;
}

static int dev_setup(struct mux *m)
{
    struct wd_info info = {0};
    int t = m->cfg->hw_timeout_s;
    int r = dev_ioctl(m, WD_IOC_SETTIMEOUT, &t, "watchdog set timeout");

    if (r < 0) {
        return -1;
    }
    if (r > 0 && t != m->cfg->hw_timeout_s) {
        m->cfg->log(
            LOG_WARNING, "watchdog driver set the timeout to %d s instead of %d s", t,
            m->cfg->hw_timeout_s
        );
        m->hw_timeout_s = t;
    }
    r = dev_ioctl(m, WD_IOC_GETSUPPORT, &info, "read watchdog info");
    if (r < 0) {
        return -1;
    }
    if (r > 0) {
        info.identity[sizeof(info.identity) - 1] = '\0';
        m->cfg->log(
            LOG_INFO, "Watchdog driver '%s', version %x", (const char *)info.identity,
            info.firmware_version
        );
    }
    return 0;
}

static void on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Wait a moment in the loop, so that signals are served meanwhile. */
static void loop_pause(struct mux *m, double seconds)
{
    ev_timer t;

    ev_timer_init(&t, on_wait, seconds, 0.);
    ev_timer_start(m->loop, &t);
    ev_run(m->loop, EVRUN_ONCE);
    ev_timer_stop(m->loop, &t);
}

/* Opened without blocking: a FIFO standing in for the device has no reader
 * until its test harness opens it, and a blocking open() would hang where no
 * signal reaches us. We say what we wait for and keep serving SIGTERM and
 * SIGINT. Returns 0 open, 1 a terminate request came first, -1 failed. */
static int dev_open(struct mux *m)
{
    bool said = false;

    if (m->cfg->device == NULL) {
        return 0; /* --no-device: the applet warned */
    }
    while ((m->dev_fd = open(m->cfg->device, O_WRONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
        if (errno == EINTR) {
            continue;
        }
        if (errno != ENXIO) {
            m->cfg->log(LOG_CRIT, "watchdog open '%s': %s", m->cfg->device, strerror(errno));
            return -1;
        }
        if (!said) {
            m->cfg->log(
                LOG_WARNING, "waiting for a reader on FIFO '%s' (standing in for the device)",
                m->cfg->device
            );
            said = true;
        }
        loop_pause(m, 0.1);
        if (m->terminated) {
            return 1;
        }
    }
    /* A stand-in FIFO whose reader stalls must not block the loop. */
    fcntl(m->dev_fd, F_SETFL, fcntl(m->dev_fd, F_GETFL) | O_NONBLOCK);
    if (dev_setup(m) < 0) {
        dev_magic_close(m);
        return -1;
    }
    return 0;
}

int wd_mux_socket_check(const struct wd_mux_config *cfg)
{
    const char *path = cfg->socket_path;
    struct sockaddr_un sa;
    struct stat st;

    /* An empty path would bind an abstract socket, which any user reaches. */
    if (path[0] != '/') {
        cfg->log(LOG_CRIT, "socket path '%s' is not an absolute path", path);
        return -1;
    }
    if (strlen(path) >= sizeof(sa.sun_path)) {
        cfg->log(LOG_CRIT, "socket path '%s' is too long", path);
        return -1;
    }
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        cfg->log(LOG_CRIT, "'%s' exists and is not a socket - not replacing it", path);
        return -1;
    }
    return 0;
}

/* Remove our socket (or a stale one), never anything else found there. */
static void socket_unlink(const char *path)
{
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
}

/* Bind with the final mode already set: 0600 (umask 0177 during bind, so the
 * caller's umask cannot widen it), or 0660 and the group; connects fail
 * until listen(), so nobody gets in before the mode is right. */
static int socket_bind(struct mux *m, int fd, const struct sockaddr_un *sa)
{
    const char *path = m->cfg->socket_path;
    mode_t mask = umask(0177);
    int rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));

    umask(mask);
    if (rc < 0) {
        m->cfg->log(LOG_CRIT, "socket bind '%s': %s", path, strerror(errno));
        return -1;
    }
    if (m->cfg->socket_gid >= 0 &&
        (chown(path, (uid_t)-1, (gid_t)m->cfg->socket_gid) < 0 || chmod(path, 0660) < 0)) {
        m->cfg->log(
            LOG_CRIT, "socket group %lld: %s", (long long)m->cfg->socket_gid, strerror(errno)
        );
        socket_unlink(path);
        return -1;
    }
    return 0;
}

static int listen_open(struct mux *m)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = m->cfg->socket_path;
    int fd;

    if (wd_mux_socket_check(m->cfg) < 0) {
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    socket_unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        m->cfg->log(LOG_CRIT, "socket create '%s': %s", path, strerror(errno));
        return -1;
    }
    if (socket_bind(m, fd, &sa) < 0) {
        close(fd);
        return -1;
    }
    if (listen(fd, WD_MUX_BACKLOG) < 0) {
        m->cfg->log(LOG_CRIT, "socket listen '%s': %s", path, strerror(errno));
        close(fd);
        socket_unlink(path);
        return -1;
    }
    return fd;
}

static void marker_set(struct mux *m)
{
    if (mkdir(m->cfg->marker, 0755) < 0 && errno != EEXIST) {
        m->cfg->log(
            LOG_ERR, "unable to create active marker '%s': %s", m->cfg->marker, strerror(errno)
        );
    }
}

static void marker_clear(struct mux *m)
{
    if (rmdir(m->cfg->marker) < 0 && errno != ENOENT) {
        m->cfg->log(
            LOG_ERR, "unable to remove active marker '%s': %s", m->cfg->marker, strerror(errno)
        );
    }
}

static void stop_feeding(struct mux *m)
{
    if (m->dev_fd < 0) {
        m->cfg->log(LOG_CRIT, "no watchdog device: nothing resets this node now (--no-device)");
    }
    m->feeding = false;
    ev_break(m->loop, EVBREAK_ALL);
}

/* The peer closed (or broke) the connection: forget it if it said 'V'. */
static void client_gone(struct mux *m, struct client *c)
{
    ev_io_stop(m->loop, &c->io);
    close(c->io.fd);
    if (c->magic) {
        m->cfg->log(
            LOG_INFO,
            "client (PID %d) has disconnected cleanly. Removing it gracefully from the watch",
            c->pid
        );
        c->state = CLIENT_FREE;
        m->active--;
    } else {
        m->cfg->log(
            LOG_ERR, "client (PID %d) did not stop watchdog - disable watchdog updates", c->pid
        );
        sync_journal(m);
        c->state = CLIENT_DEAD;
        stop_feeding(m);
    }
    if (m->active == 0) {
        m->cfg->log(LOG_INFO, "all watchdog client connections to the multiplexer closed");
        marker_clear(m);
    }
}

static void on_client(struct ev_loop *loop, ev_io *w, int revents)
{
    struct client *c = container_of(w, struct client, io);
    char buf[4096];
    ssize_t n = read(w->fd, buf, sizeof(buf));

    if (n > 0) {
        /* Only the last byte counts: anything after a 'V' re-arms. */
        c->magic = buf[n - 1] == 'V';
        c->last_ms = mono_ms();
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    /* ECONNRESET is a close with unread data (an upstream-style client that
     * never reads our greeting): the 'V' before it still counts. */
    if (n < 0 && errno != ECONNRESET) {
        c->mux->cfg->log(LOG_ERR, "client (PID %d) read failed: %s", c->pid, strerror(errno));
        c->magic = false;
    }
    client_gone(c->mux, c);
}

static struct client *client_slot(struct mux *m)
{
    for (int i = 0; i < WD_MUX_MAX_CLIENTS; i++) {
        if (m->clients[i].state == CLIENT_FREE) {
            return &m->clients[i];
        }
    }
    return NULL;
}

static void client_greet(struct mux *m, int fd)
{
    struct wd_greeting g = {
        .version = WD_PROTO_VERSION,
        .client_timeout_s = (long)((m->cfg->client_timeout_ms + 999) / 1000),
        .hw_timeout_s = m->hw_timeout_s,
    };
    char line[128];
    int len = wd_greeting_format(line, sizeof(line), &g);

    /* Best effort: a client that already left makes this fail, harmlessly. */
    if (len > 0) {
        (void)!send(fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
}

/* Clients are root, our own user, or members of the socket's group (primary
 * or supplementary): the socket's mode says the same, this holds even when
 * the mode was widened by hand. */
static bool peer_allowed(const struct mux *m, int fd, struct ucred *cred)
{
    gid_t groups[256];
    socklen_t len = sizeof(*cred);
    gid_t gid = (gid_t)m->cfg->socket_gid;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0) {
        return false;
    }
    if (cred->uid == 0 || cred->uid == geteuid()) {
        return true;
    }
    if (m->cfg->socket_gid < 0) {
        return false;
    }
    if (cred->gid == gid) {
        return true;
    }
    len = sizeof(groups);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
        return false;
    }
    for (size_t i = 0; i < len / sizeof(gid_t); i++) {
        if (groups[i] == gid) {
            return true;
        }
    }
    return false;
}

/* Closed before it takes a slot or counts as a client: its close without 'V'
 * stops nothing. Logged at most once a second (on_tick reports the rest). */
static void peer_refuse(struct mux *m, int fd, const struct ucred *cred)
{
    long long now = mono_ms();

    close(fd);
    if (m->refused_log_ms != 0 && now - m->refused_log_ms < 1000) {
        m->refused_quiet++;
        return;
    }
    m->refused_log_ms = now;
    m->cfg->log(
        LOG_WARNING, "refusing client (PID %d, uid %u, gid %u) - not root, not uid %u%s", cred->pid,
        (unsigned)cred->uid, (unsigned)cred->gid, (unsigned)geteuid(),
        m->cfg->socket_gid >= 0 ? ", not in the socket's group" : ""
    );
}

static void client_add(struct mux *m, int fd)
{
    struct client *c;
    struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};

    if (!peer_allowed(m, fd, &cred)) {
        peer_refuse(m, fd, &cred);
        return;
    }
    c = client_slot(m);
    if (c == NULL) {
        m->cfg->log(
            LOG_WARNING, "too many clients (%d) - refusing new connection", WD_MUX_MAX_CLIENTS
        );
        close(fd);
        return;
    }
    *c =
        (struct client){.mux = m, .state = CLIENT_LIVE, .pid = (int)cred.pid, .last_ms = mono_ms()};
    ev_io_init(&c->io, on_client, fd, EV_READ);
    ev_io_start(m->loop, &c->io);
    m->active++;
    marker_set(m);
    client_greet(m, fd);
    m->cfg->log(LOG_INFO, "added new client (PID %d) to watch", c->pid);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    struct mux *m = container_of(w, struct mux, listen_io);

    /* A bounded batch keeps one burst from holding up the timer. */
    for (int i = 0; i < WD_MUX_BACKLOG; i++) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd >= 0) {
            client_add(m, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            /* e.g. EMFILE: the pending connection would wake us forever. */
            m->cfg->log(LOG_ERR, "accept failed: %s - pausing new connections", strerror(errno));
            ev_io_stop(loop, w);
            m->accept_paused = true;
        }
        return;
    }
}

static void client_check(struct mux *m, struct client *c, long long now)
{
    long long age = now - c->last_ms;
    long long warn_ms = m->cfg->client_timeout_ms * 5 / 6; /* upstream: 50 of 60 s */

    if (c->warned && age <= warn_ms) {
        c->warned = false;
        m->cfg->log(LOG_NOTICE, "client (PID %d) watchdog was updated before expiring", c->pid);
    } else if (!c->warned && age > warn_ms) {
        c->warned = true;
        m->cfg->log(LOG_WARNING, "client (PID %d) watchdog is about to expire", c->pid);
        sync_journal(m);
    }
    if (age > m->cfg->client_timeout_ms) {
        m->cfg->log(LOG_ERR, "client (PID %d) watchdog expired - disable watchdog updates", c->pid);
        stop_feeding(m);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct mux *m = container_of(w, struct mux, tick);
    long long now = mono_ms();

    for (int i = 0; i < WD_MUX_MAX_CLIENTS && m->feeding; i++) {
        if (m->clients[i].state == CLIENT_LIVE) {
            client_check(m, &m->clients[i], now);
        }
    }
    if (!m->feeding) {
        return;
    }
    dev_keepalive(m);
    if (m->refused_quiet > 0 && now - m->refused_log_ms >= 1000) {
        m->cfg->log(LOG_WARNING, "refused %ld more clients", m->refused_quiet);
        m->refused_quiet = 0;
        m->refused_log_ms = now;
    }
    if (m->accept_paused) {
        m->accept_paused = false;
        ev_io_start(loop, &m->listen_io);
    }
}

static void terminate(struct mux *m)
{
    m->cfg->log(LOG_INFO, "got terminate request");
    m->terminated = true;
    ev_break(m->loop, EVBREAK_ALL);
}

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
    terminate(container_of(w, struct mux, sig_term));
}

static void on_sigint(struct ev_loop *loop, ev_signal *w, int revents)
{
    terminate(container_of(w, struct mux, sig_int));
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct mux *m = container_of(w, struct mux, sig_hup);

    m->cfg->log(LOG_NOTICE, "got SIGHUP - ignored");
}

static void signals_start(struct mux *m)
{
    ev_signal_init(&m->sig_term, on_sigterm, SIGTERM);
    ev_signal_init(&m->sig_int, on_sigint, SIGINT);
    ev_signal_init(&m->sig_hup, on_sighup, SIGHUP);
    ev_signal_start(m->loop, &m->sig_term);
    ev_signal_start(m->loop, &m->sig_int);
    ev_signal_start(m->loop, &m->sig_hup);
}

/* Once the device is open: its keep-alive and the clients' check. */
static void tick_start(struct mux *m)
{
    double interval_s = (double)m->cfg->interval_ms / 1000.0;

    ev_timer_init(&m->tick, on_tick, interval_s, interval_s);
    ev_timer_start(m->loop, &m->tick);
}

static void watchers_stop(struct mux *m)
{
    for (int i = 0; i < WD_MUX_MAX_CLIENTS; i++) {
        if (m->clients[i].state == CLIENT_LIVE) {
            ev_io_stop(m->loop, &m->clients[i].io);
            close(m->clients[i].io.fd);
        }
    }
    ev_io_stop(m->loop, &m->listen_io);
    ev_timer_stop(m->loop, &m->tick);
    ev_signal_stop(m->loop, &m->sig_term);
    ev_signal_stop(m->loop, &m->sig_int);
    ev_signal_stop(m->loop, &m->sig_hup);
}

/* After the loop: a magic close only when nobody depends on the watchdog. */
static void mux_finish(struct mux *m)
{
    if (m->active > 0) {
        m->cfg->log(LOG_ERR, "exit watchdog-mux with active connections");
        sync_journal(m);
        if (m->dev_fd >= 0) {
            close(m->dev_fd); /* without 'V': the device keeps counting down */
        }
        m->dev_fd = -1;
    } else {
        m->cfg->log(LOG_INFO, "clean exit");
        dev_magic_close(m);
    }
    close(m->listen_io.fd);
    socket_unlink(m->cfg->socket_path);
}

int wd_mux_run(const struct wd_mux_config *cfg)
{
    struct mux m = {.cfg = cfg, .dev_fd = -1, .hw_timeout_s = cfg->hw_timeout_s, .feeding = true};
    int fd, rc;

    signal(SIGPIPE, SIG_IGN);
    m.loop = ev_default_loop(EVFLAG_AUTO);
    if (m.loop == NULL) {
        cfg->log(LOG_CRIT, "unable to initialise the event loop");
        return 1;
    }
    /* Signals first: a SIGTERM during start-up must not kill us with the
     * device open and no 'V' written. libev delivers it in the loop, which
     * also runs while we wait for a FIFO's reader. */
    signals_start(&m);
    rc = dev_open(&m);
    if (rc != 0) {
        watchers_stop(&m);
        ev_loop_destroy(m.loop);
        return rc < 0 ? 1 : 0;
    }
    fd = listen_open(&m);
    if (fd < 0) {
        dev_magic_close(&m);
        watchers_stop(&m);
        ev_loop_destroy(m.loop);
        return 1;
    }
    tick_start(&m);
    if (cfg->serving != NULL) {
        cfg->serving();
    }
    ev_io_init(&m.listen_io, on_accept, fd, EV_READ);
    ev_io_start(m.loop, &m.listen_io);
    ev_run(m.loop, 0);
    watchers_stop(&m);
    mux_finish(&m);
    ev_loop_destroy(m.loop);
    return 0;
}
