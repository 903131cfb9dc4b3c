/* test_watchdog.c - watchdog-mux: the client API, and the daemon with a FIFO as device.
 *
 * The daemon tests run the ASan-built binary next to this one (build/test/haven,
 * or $HAVEN) with short timings: keep-alive interval 100 ms, hardware timeout
 * 2 s, and a client timeout per test. The test holds the FIFO's read end, so it
 * sees every keep-alive byte, a 'V' before a clean close, and end of file when
 * the daemon is gone. Each daemon test is bounded: a daemon still running at its
 * deadline is killed and the test fails. A daemon exit status other than the
 * expected one also catches ASan/LSan reports (errors and leaks).
 *
 * The tests must hold on a loaded machine (CI, several copies at once), where
 * either process can stall for a good part of a second. So they wait for
 * events (the socket listening, a log line, the marker gone) up to generous
 * deadlines instead of sleeping fixed times; a client timeout only elapses
 * where the test is about it, and is long (ROOMY) everywhere else; keep-alive
 * counts are lower bounds far below what is due. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test/test.h"
#include "watchdog/wd.h"

static char haven[PATH_MAX];

/* Client timeout of the tests in which no client should ever expire. */
#define ROOMY "10s"
/* Deadline for anything that should happen "soon": only reached on failure. */
#define SOON_MS 10000

struct mux {
    pid_t pid;
    int fifo; /* read end of the device FIFO */
    int status;
    bool exited;
    bool eof; /* the daemon closed the device */
    long keepalives; /* bytes other than 'V' */
    long vs; /* 'V' bytes */
    long after_v; /* bytes written after a 'V' */
    bool open_umask; /* run the daemon under umask 000 */
    const char *group; /* its --socket-group, or NULL */
    char dir[64], dev[96], sock[96], marker[96], log[96];
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fifo_read(struct mux *x)
{
    char buf[512];
    ssize_t n = read(x->fifo, buf, sizeof(buf));

    if (n == 0) {
        x->eof = true;
    }
    for (ssize_t i = 0; i < n; i++) {
        x->after_v += x->vs > 0;
        if (buf[i] == 'V') {
            x->vs++;
        } else {
            x->keepalives++;
        }
    }
}

/* Collect device bytes for ms milliseconds (or until end of file). */
static void pump(struct mux *x, int ms)
{
    long long end = now_ms() + ms;

    while (!x->eof) {
        struct pollfd p = {.fd = x->fifo, .events = POLLIN};
        long long left = end - now_ms();

        /* POLLHUP is only reported once a writer has come and gone. */
        if (poll(&p, 1, left > 0 ? (int)left : 0) > 0) {
            fifo_read(x);
        }
        if (left <= 0) {
            break;
        }
    }
}

static bool mux_reap(struct mux *x)
{
    if (!x->exited && waitpid(x->pid, &x->status, WNOHANG) == x->pid) {
        x->exited = true;
    }
    return x->exited;
}

/* Wait up to ms for the daemon to exit, collecting its bytes; kill it when
 * it does not. Returns its exit status, or -1. */
static int mux_wait(struct mux *x, int ms)
{
    long long end = now_ms() + ms;

    while (!mux_reap(x) && now_ms() < end) {
        pump(x, 10);
    }
    if (!x->exited) {
        fprintf(stderr, "daemon still running after %d ms, killing it\n", ms);
        kill(x->pid, SIGKILL);
        waitpid(x->pid, &x->status, 0);
        x->exited = true;
        return -1;
    }
    pump(x, 200);
    return WIFEXITED(x->status) ? WEXITSTATUS(x->status) : -1;
}

/* execv() wants char *const[]; our argv holds string literals. */
static void exec_haven(const char *const *argv)
{
    union {
        const char *const *c;
        char *const *m;
    } u = {.c = argv};

    execv(haven, u.m);
    _exit(127);
}

static void mux_exec(struct mux *x, const char *client_timeout)
{
    const char *argv[] = {
        "haven", "ha-watchdog",      "-d",           "--device",     x->dev, "--socket",
        x->sock, "--active-marker",  x->marker,      "--hw-timeout", "2",    "--interval",
        "100ms", "--client-timeout", client_timeout, NULL,           NULL,   NULL,
    };
    int fd = open(x->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (x->group != NULL) {
        argv[15] = "--socket-group";
        argv[16] = x->group;
    }
    if (x->open_umask) {
        umask(0);
    }
    dup2(fd, 2);
    dup2(fd, 1);
    exec_haven(argv);
}

/* Make a scratch folder with a FIFO as the device, opened for reading. */
static void mux_prepare(struct mux *x)
{
    memset(x, 0, sizeof(*x));
    x->fifo = -1;
    snprintf(x->dir, sizeof(x->dir), "/tmp/haven-wd.XXXXXX");
    CHECK(mkdtemp(x->dir) != NULL);
    snprintf(x->dev, sizeof(x->dev), "%s/dev", x->dir);
    snprintf(x->sock, sizeof(x->sock), "%s/sock", x->dir);
    snprintf(x->marker, sizeof(x->marker), "%s/active", x->dir);
    snprintf(x->log, sizeof(x->log), "%s/log", x->dir);
    CHECK(mkfifo(x->dev, 0600) == 0);
    x->fifo = open(x->dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(x->fifo >= 0);
}

/* The daemon's stderr (its log with -d), at most sizeof(buf) - 1 bytes. */
static const char *log_text(const struct mux *x)
{
    static char buf[65536];
    FILE *f = fopen(x->log, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

    if (f) {
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

/* Whether a socket listens at path. Its file exists from bind() on, but a
 * connect() is refused until listen(), and a test connection would be a
 * client; /proc/net/unix shows __SO_ACCEPTCON (0x10000) in the flags of a
 * listening socket. Without /proc, the file's existence has to do. */
static bool listening(const char *path)
{
    FILE *f = fopen("/proc/net/unix", "r");
    char line[512];
    bool found = false;
    struct stat st;

    if (f == NULL) {
        return stat(path, &st) == 0;
    }
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        unsigned flags;
        int at = -1;

        if (sscanf(line, "%*s %*x %*x %x %*x %*x %*u %n", &flags, &at) == 1 && at > 0) {
            line[strcspn(line, "\n")] = '\0';
            found = (flags & 0x10000) != 0 && strcmp(line + at, path) == 0;
        }
    }
    fclose(f);
    return found;
}

/* Start the daemon; wait until it listens unless it is expected to refuse. */
static bool mux_spawn(struct mux *x, const char *client_timeout, bool expect_socket)
{
    long long end = now_ms() + 2 * SOON_MS;
    bool up = !expect_socket;

    x->pid = fork();
    if (x->pid == 0) {
        mux_exec(x, client_timeout);
    }
    while (!up && now_ms() < end && !mux_reap(x)) {
        up = listening(x->sock);
        pump(x, up ? 0 : 10);
    }
    CHECK(up);
    if (!up) {
        fprintf(stderr, "daemon not listening on %s; its log:\n%s", x->sock, log_text(x));
    }
    return up;
}

static bool mux_start(struct mux *x, const char *client_timeout)
{
    mux_prepare(x);
    return mux_spawn(x, client_timeout, true);
}

static void mux_stop(struct mux *x)
{
    char lock[128];

    if (x->pid > 0 && !x->exited) {
        kill(x->pid, SIGKILL);
        waitpid(x->pid, &x->status, 0);
    }
    if (x->fifo >= 0) {
        close(x->fifo);
    }
    unlink(x->dev);
    unlink(x->sock);
    snprintf(lock, sizeof(lock), "%s.lock", x->sock);
    unlink(lock);
    unlink(x->log);
    rmdir(x->marker);
    rmdir(x->dir);
}

static bool log_has(const struct mux *x, const char *text)
{
    const char *log = log_text(x);

    if (strstr(log, text) == NULL) {
        fprintf(stderr, "daemon log lacks '%s'; it has:\n%s", text, log);
        return false;
    }
    return true;
}

static bool exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

/* Collect device bytes until n more keep-alives came (true), the daemon
 * closed the device, or max_ms passed. */
static bool wait_keepalives(struct mux *x, long n, int max_ms)
{
    long long end = now_ms() + max_ms;
    long goal = x->keepalives + n;

    while (x->keepalives < goal && !x->eof && now_ms() < end) {
        pump(x, 10);
    }
    return x->keepalives >= goal;
}

/* Collect device bytes until path is gone (true), the daemon exited, or
 * max_ms passed. */
static bool wait_gone(struct mux *x, const char *path, int max_ms)
{
    long long end = now_ms() + max_ms;

    while (exists(path) && !mux_reap(x) && now_ms() < end) {
        pump(x, 10);
    }
    return !exists(path);
}

/* Collect device bytes until the daemon logged text (true), exited, or
 * max_ms passed. */
static bool wait_log(struct mux *x, const char *text, int max_ms)
{
    long long end = now_ms() + max_ms;

    while (strstr(log_text(x), text) == NULL && !mux_reap(x) && now_ms() < end) {
        pump(x, 10);
    }
    return log_has(x, text);
}

/* wd_open, saying why it failed. */
static int client_open(const struct mux *x)
{
    int fd = wd_open(x->sock);

    if (fd < 0) {
        fprintf(stderr, "wd_open(%s): %s\n", x->sock, strerror(errno));
    }
    return fd;
}

/* wd_close, after waiting up to SOON_MS for room in the socket buffer (wd_close
 * itself gives a slow reader 1 s, which a loaded machine may not meet). */
static int client_close(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};

    (void)poll(&p, 1, SOON_MS);
    return wd_close(fd);
}

/* SIGTERM; the daemon must exit 0 (and ASan-clean) soon. */
static void term_and_wait(struct mux *x)
{
    int rc;

    kill(x->pid, SIGTERM);
    rc = mux_wait(x, SOON_MS);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "daemon log:\n%s", log_text(x));
    }
    CHECK(log_has(x, "got terminate request"));
}

static void test_client_api(void)
{
    struct wd_greeting g = {1, 60, 10}, p;
    char line[128], path[200];

    CHECK_INT(wd_open("/nonexistent/watchdog-mux.sock"), -1);
    CHECK_INT(errno, ENOENT);
    memset(path, 'x', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    CHECK_INT(wd_open(path), -1);
    CHECK_INT(errno, ENAMETOOLONG);
    CHECK_INT(wd_greeting_format(line, sizeof(line), &g), 47);
    CHECK_STR(line, "watchdog-mux 1 client-timeout=60 hw-timeout=10\n");
    CHECK_INT(wd_greeting_format(line, 10, &g), -1);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=60 hw-timeout=10\n", &p), 1);
    CHECK(p.version == 1 && p.client_timeout_s == 60 && p.hw_timeout_s == 10);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=3 hw-timeout=2", &p), 1);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=3 hw-timeout=2 x", &p), 0);
    CHECK_INT(wd_greeting_parse("watchdog-mux 1 client-timeout=0 hw-timeout=2", &p), 0);
    CHECK_INT(wd_greeting_parse("", &p), 0);
    CHECK_INT(wd_greeting_parse("hello\n", &p), 0);
}

/* Clients that keep writing past their timeout keep the keep-alives coming;
 * clean closes. */
static void test_fed_clients(void)
{
    struct mux x;
    struct wd_greeting g = {0};
    char pid_line[64];
    long long end;
    int a, b;

    if (!mux_start(&x, "2s")) {
        goto out;
    }
    a = client_open(&x);
    b = client_open(&x);
    CHECK(a >= 0 && b >= 0);
    CHECK_INT(wd_read_greeting(a, SOON_MS, &g), 1);
    CHECK(g.client_timeout_s == 2 && g.hw_timeout_s == 2);
    CHECK(exists(x.marker));
    end = now_ms() + 3000; /* 1.5 client timeouts */
    while (now_ms() < end) {
        CHECK_INT(wd_update(a), 0);
        CHECK_INT(wd_update(b), 0);
        pump(&x, 100);
    }
    CHECK(x.keepalives >= 10); /* 30 due */
    CHECK_INT(x.vs, 0);
    CHECK(!mux_reap(&x));
    CHECK_INT(client_close(a), 0);
    CHECK_INT(client_close(b), 0);
    CHECK(wait_gone(&x, x.marker, SOON_MS));
    CHECK(!mux_reap(&x));
    term_and_wait(&x);
    CHECK_INT(x.vs, 1);
    CHECK_INT(x.after_v, 0);
    CHECK(x.eof);
    snprintf(pid_line, sizeof(pid_line), "added new client (PID %d) to watch", (int)getpid());
    CHECK(log_has(&x, pid_line));
    CHECK(log_has(&x, "has disconnected cleanly. Removing it gracefully from the watch"));
    CHECK(log_has(&x, "all watchdog client connections to the multiplexer closed"));
    CHECK(log_has(&x, "clean exit"));
    CHECK(!exists(x.sock));
out:
    mux_stop(&x);
}

/* A client silent past its timeout stops the feeding for good: no 'V'. */
static void test_silent_client_expires(void)
{
    struct mux x;
    long long start = 0, end;
    int fd;

    if (!mux_start(&x, "2s")) {
        goto out;
    }
    fd = client_open(&x);
    CHECK(fd >= 0);
    end = now_ms() + 500;
    while (now_ms() < end) {
        start = now_ms();
        CHECK_INT(wd_update(fd), 0);
        pump(&x, 100);
    }
    CHECK_INT(mux_wait(&x, 2 * SOON_MS), 0);
    /* 2 s after the last byte, not before (nor 2 s after the connect) */
    CHECK(now_ms() - start >= 1900);
    CHECK_INT(x.vs, 0);
    CHECK(x.eof);
    CHECK(log_has(&x, "watchdog is about to expire"));
    CHECK(log_has(&x, "watchdog expired - disable watchdog updates"));
    CHECK(log_has(&x, "exit watchdog-mux with active connections"));
    CHECK(exists(x.marker));
    close(fd);
out:
    mux_stop(&x);
}

/* close() without 'V', or a byte after the 'V': feeding stops, no 'V'. */
static void unclean_close(const char *last, size_t len)
{
    struct mux x;
    int fd;

    if (!mux_start(&x, ROOMY)) {
        goto out;
    }
    fd = client_open(&x);
    CHECK(fd >= 0);
    CHECK_INT(send(fd, last, len, MSG_NOSIGNAL), (long long)len);
    pump(&x, 200);
    close(fd);
    CHECK_INT(mux_wait(&x, SOON_MS), 0);
    CHECK_INT(x.vs, 0);
    CHECK(x.eof);
    CHECK(log_has(&x, "did not stop watchdog - disable watchdog updates"));
    CHECK(log_has(&x, "exit watchdog-mux with active connections"));
out:
    mux_stop(&x);
}

static void test_unclean_disconnect(void)
{
    unclean_close("\0", 1);
}

static void test_byte_after_v_rearms(void)
{
    unclean_close("xxV\n", 4);
}

/* After a clean 'V' disconnect (and a greeting probe) the device is still
 * fed past the departed client's timeout. */
static void test_clean_close_keeps_feeding(void)
{
    struct mux x;
    struct wd_greeting g = {0};
    int fd;

    if (!mux_start(&x, "1s")) {
        goto out;
    }
    fd = client_open(&x);
    CHECK(fd >= 0);
    CHECK_INT(wd_update(fd), 0);
    CHECK_INT(client_close(fd), 0);
    CHECK_INT(wd_probe(x.sock, SOON_MS, &g), 1);
    CHECK_INT(g.client_timeout_s, 1);
    CHECK(wait_gone(&x, x.marker, SOON_MS));
    pump(&x, 2000); /* twice the client timeout */
    CHECK(!mux_reap(&x));
    x.keepalives = 0;
    CHECK(wait_keepalives(&x, 3, SOON_MS));
    CHECK_INT(x.vs, 0);
    CHECK(!mux_reap(&x));
    CHECK(!exists(x.marker));
    term_and_wait(&x);
    CHECK_INT(x.vs, 1);
out:
    mux_stop(&x);
}

/* SIGHUP is ignored; SIGTERM without clients: 'V', close, socket removed. */
static void test_sigterm_no_clients(void)
{
    struct mux x;

    if (!mux_start(&x, "500ms")) {
        goto out;
    }
    kill(x.pid, SIGHUP);
    CHECK(wait_log(&x, "got SIGHUP - ignored", SOON_MS));
    CHECK(wait_keepalives(&x, 1, SOON_MS));
    CHECK(!mux_reap(&x));
    term_and_wait(&x);
    CHECK(log_has(&x, "clean exit"));
    CHECK_INT(x.vs, 1);
    CHECK_INT(x.after_v, 0);
    CHECK(x.eof);
    CHECK(!exists(x.sock));
out:
    mux_stop(&x);
}

/* SIGTERM while a client is watched: exit without 'V', marker kept. */
static void test_sigterm_active_client(void)
{
    struct mux x;
    struct wd_greeting g;
    int fd;

    if (!mux_start(&x, ROOMY)) {
        goto out;
    }
    fd = client_open(&x);
    CHECK(fd >= 0);
    CHECK_INT(wd_read_greeting(fd, SOON_MS, &g), 1); /* accepted */
    term_and_wait(&x);
    CHECK(log_has(&x, "exit watchdog-mux with active connections"));
    CHECK_INT(x.vs, 0);
    CHECK(x.eof);
    CHECK(exists(x.marker));
    close(fd);
out:
    mux_stop(&x);
}

/* An existing active marker refuses the start, before the device is opened. */
static void test_marker_refuses_start(void)
{
    struct mux x;

    mux_prepare(&x);
    CHECK(mkdir(x.marker, 0755) == 0);
    mux_spawn(&x, ROOMY, false);
    CHECK_INT(mux_wait(&x, SOON_MS), 1);
    CHECK(log_has(&x, "watchdog active - unable to restart watchdog-mux"));
    CHECK_INT(x.keepalives + x.vs, 0);
    CHECK(!x.eof); /* no writer ever opened the FIFO */
    CHECK(!exists(x.sock));
    mux_stop(&x);
}

/* Run the binary with args; return its exit status, stderr in x->log. */
static int run_haven(struct mux *x, const char *const *args)
{
    const char *argv[16] = {"haven", "ha-watchdog"};
    int n = 2, status = -1;
    pid_t pid;

    for (int i = 0; args[i] != NULL && n < 15; i++) {
        argv[n++] = args[i];
    }
    pid = fork();
    if (pid == 0) {
        int fd = open(x->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        dup2(fd, 2);
        dup2(fd, 1);
        exec_haven(argv);
    }
    for (long long end = now_ms() + SOON_MS; waitpid(pid, &status, WNOHANG) == 0;) {
        if (now_ms() > end) {
            fprintf(stderr, "ha-watchdog still running after %d ms, killing it\n", SOON_MS);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(10000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Bad options exit 2; a missing --device exits 1 with the error on stderr
 * even without -d (and never loads a module: --device was given). */
static void test_usage(void)
{
    struct mux x;
    const char *const bad_timeout[] = {"--client-timeout", "abc", NULL};
    const char *const bad_hw[] = {"--hw-timeout", "1500ms", NULL};
    const char *const slow[] = {"--hw-timeout", "2", "--interval", "2", NULL};
    const char *const extra[] = {"--device", "/dev/null", "junk", NULL};
    const char *const empty_socket[] = {"--device", "/dev/null", "--socket=", NULL};
    const char *const relative_socket[] = {"--device", "/dev/null", "--socket", "wd.sock", NULL};
    const char *const long_socket[] = {
        "--device",
        "/dev/null",
        "--socket",
        "/tmp/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "/xxxxxxxxxxxxxxxxxxxxxxxx/sock",
        NULL,
    };
    const char *const empty_group[] = {"--device", "/dev/null", "--socket-group=", NULL};
    const char *const bad_group[] = {"--device", "/dev/null", "--socket-group", "no such", NULL};
    const char *missing[] = {"--device", NULL, "--socket", NULL, "--active-marker", NULL, NULL};

    mux_prepare(&x);
    CHECK_INT(run_haven(&x, bad_timeout), 2);
    CHECK(log_has(&x, "bad --client-timeout 'abc'"));
    CHECK_INT(run_haven(&x, bad_hw), 2);
    CHECK_INT(run_haven(&x, slow), 2);
    CHECK_INT(run_haven(&x, extra), 2);
    CHECK_INT(run_haven(&x, empty_socket), 2);
    CHECK(log_has(&x, "--socket"));
    CHECK_INT(run_haven(&x, relative_socket), 2);
    CHECK_INT(run_haven(&x, long_socket), 2);
    CHECK_INT(run_haven(&x, empty_group), 2);
    CHECK_INT(run_haven(&x, bad_group), 2);
    CHECK(log_has(&x, "--socket-group"));
    missing[1] = x.marker; /* does not exist */
    missing[3] = x.sock;
    missing[5] = x.marker;
    CHECK_INT(run_haven(&x, missing), 1);
    CHECK(log_has(&x, "watchdog open '"));
    CHECK(log_has(&x, "': No such file or directory")); /* the path, then the cause */
    CHECK(!exists(x.sock));
    mux_stop(&x);
}

/* The socket is 0600 whatever the umask (000 here), owned by the daemon's
 * user: no other user can connect. */
static void test_socket_mode(void)
{
    struct mux x;
    struct stat st;

    mux_prepare(&x);
    x.open_umask = true;
    if (!mux_spawn(&x, ROOMY, true)) {
        goto out;
    }
    CHECK(stat(x.sock, &st) == 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK_INT(st.st_uid, geteuid());
    term_and_wait(&x);
out:
    mux_stop(&x);
}

/* Start fn(fd of a connection to path, arg) in a child with uid 65534 and
 * group gid (no supplementary groups); its exit status is fn's result. */
static pid_t spawn_other_user(const char *path, gid_t gid, int (*fn)(int, void *), void *arg)
{
    pid_t pid = fork();

    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(65534, 65534, 65534) != 0) {
            _exit(100);
        }
        _exit(fn(wd_open(path), arg));
    }
    return pid;
}

static int child_status(pid_t pid)
{
    int status = -1;

    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int as_other_user(const char *path, gid_t gid, int (*fn)(int, void *), void *arg)
{
    return child_status(spawn_other_user(path, gid, fn, arg));
}

/* 1 if the connection failed with EACCES, 2 if it worked, 3 otherwise. */
static int connect_result(int fd, void *arg)
{
    return fd >= 0 ? 2 : errno == EACCES ? 1 : 3;
}

/* 1 when the mux greeted the client (which then leaves cleanly), 0 when it
 * closed the connection without a greeting, 2 when the connect failed. */
static int greeted(int fd, void *arg)
{
    struct wd_greeting g;
    int r;

    if (fd < 0) {
        return 2;
    }
    r = wd_read_greeting(fd, SOON_MS, &g);
    if (r == 1) {
        return wd_close(fd) == 0 ? 1 : 3;
    }
    close(fd);
    return 0;
}

struct holder {
    const char *path;
    int ready[2]; /* the child writes one byte once all connections are made */
    int done[2]; /* the child reads end of file when the parent is done */
};

/* Hold HELD connections open until the parent is done; 0 when the mux closed
 * every one of them without a greeting. */
enum { HELD = 120 };
static int hold_many(int fd, void *arg)
{
    struct holder *h = arg;
    struct wd_greeting g;
    int fds[HELD], refused = 0;
    char c;

    close(h->ready[0]);
    close(h->done[1]);
    fds[0] = fd;
    for (int i = 1; i < HELD; i++) {
        fds[i] = wd_open(h->path);
    }
    for (int i = 0; i < HELD; i++) {
        refused += fds[i] >= 0 && wd_read_greeting(fds[i], SOON_MS, &g) == 0;
    }
    (void)!write(h->ready[1], "x", 1);
    (void)!read(h->done[0], &c, 1);
    return refused == HELD ? 0 : 1;
}

/* Other users are refused, even through a socket made world-writable by
 * mistake (chmod 0666): a refused peer is closed at once and logged, takes
 * no client slot, and its close without 'V' stops nothing; HELD of them held
 * open leave room for a real client. */
static void test_peer_check(void)
{
    struct mux x;
    struct wd_greeting g;
    struct holder h = {.path = NULL};
    int fd;
    pid_t holder;
    char c;

    if (getuid() != 0) {
        fprintf(stderr, "test_peer_check: not root, cannot switch users - skipped\n");
        return;
    }
    if (!mux_start(&x, ROOMY)) {
        goto out;
    }
    CHECK(chmod(x.dir, 0711) == 0);
    CHECK_INT(as_other_user(x.sock, 65534, connect_result, NULL), 1); /* 0600 */
    CHECK(chmod(x.sock, 0666) == 0);
    CHECK_INT(as_other_user(x.sock, 65534, greeted, NULL), 0);
    CHECK(wait_log(&x, "refusing client", SOON_MS));
    CHECK(!exists(x.marker));
    CHECK(wait_keepalives(&x, 3, SOON_MS));

    h.path = x.sock;
    CHECK(pipe(h.ready) == 0 && pipe(h.done) == 0);
    holder = spawn_other_user(x.sock, 65534, hold_many, &h);
    close(h.ready[1]);
    close(h.done[0]);
    CHECK(read(h.ready[0], &c, 1) == 1);
    fd = client_open(&x);
    CHECK(fd >= 0);
    CHECK_INT(wd_read_greeting(fd, SOON_MS, &g), 1);
    CHECK_INT(client_close(fd), 0);
    close(h.done[1]);
    close(h.ready[0]);
    CHECK_INT(child_status(holder), 0);
    CHECK(wait_gone(&x, x.marker, SOON_MS));
    CHECK(wait_keepalives(&x, 2, SOON_MS));
    CHECK(!mux_reap(&x));
    CHECK(strstr(log_text(&x), "did not stop watchdog") == NULL);
    term_and_wait(&x);
    CHECK_INT(x.vs, 1);
out:
    mux_stop(&x);
}

/* --socket-group G: mode 0660 and group G whatever the umask; a member of
 * G (its primary group) is served, other users cannot connect. */
static void test_socket_group(void)
{
    struct mux x;
    struct stat st;

    mux_prepare(&x);
    x.open_umask = true;
    x.group = "4242";
    if (!mux_spawn(&x, ROOMY, true)) {
        goto out;
    }
    CHECK(stat(x.sock, &st) == 0);
    CHECK_INT(st.st_mode & 07777, 0660);
    CHECK_INT(st.st_gid, 4242);
    if (getuid() == 0) {
        CHECK(chmod(x.dir, 0711) == 0);
        CHECK_INT(as_other_user(x.sock, 4242, greeted, NULL), 1);
        CHECK_INT(as_other_user(x.sock, 65534, connect_result, NULL), 1);
        CHECK(wait_gone(&x, x.marker, SOON_MS));
    }
    CHECK(!mux_reap(&x));
    term_and_wait(&x);
    CHECK_INT(x.vs, 1);
out:
    mux_stop(&x);
}

/* Whatever is at --socket and is not a socket stays as it is, and the start
 * fails before the device is touched. */
static void test_socket_path_taken(void)
{
    struct mux x;
    char buf[32] = "";
    FILE *f;

    for (int kind = 0; kind < 3; kind++) {
        mux_prepare(&x);
        if (kind == 0) {
            f = fopen(x.sock, "w");
            CHECK(f != NULL && fputs("precious\n", f) >= 0 && fclose(f) == 0);
        } else if (kind == 1) {
            CHECK(mkdir(x.sock, 0755) == 0);
        } else {
            CHECK(symlink(x.log, x.sock) == 0);
        }
        mux_spawn(&x, ROOMY, false);
        CHECK_INT(mux_wait(&x, SOON_MS), 1);
        CHECK(log_has(&x, "is not a socket"));
        CHECK_INT(x.keepalives + x.vs, 0);
        CHECK(!x.eof); /* the device was never opened */
        if (kind == 0) {
            f = fopen(x.sock, "r");
            CHECK(f != NULL && fgets(buf, sizeof(buf), f) != NULL);
            CHECK_STR(buf, "precious\n");
            if (f != NULL) {
                fclose(f);
            }
        } else if (kind == 1) {
            CHECK(rmdir(x.sock) == 0);
        }
        mux_stop(&x);
    }
}

/* One daemon per socket path: a second one is refused (exit 1, naming the
 * first's pid) before it touches the socket or its device; the first serves
 * on, on the same socket. */
static void test_one_per_socket(void)
{
    struct mux x, y;
    struct wd_greeting g;
    struct stat before, after;
    char text[96];
    int fd;

    mux_prepare(&y);
    if (!mux_start(&x, ROOMY)) {
        goto out;
    }
    CHECK(stat(x.sock, &before) == 0);
    snprintf(y.sock, sizeof(y.sock), "%s", x.sock);
    mux_spawn(&y, ROOMY, false);
    CHECK_INT(mux_wait(&y, SOON_MS), 1);
    snprintf(text, sizeof(text), "is already running (pid %d)", (int)x.pid);
    CHECK(log_has(&y, text));
    CHECK_INT(y.keepalives + y.vs, 0);
    CHECK(!y.eof); /* its device was never opened */
    CHECK(stat(x.sock, &after) == 0 && after.st_ino == before.st_ino);
    fd = client_open(&x);
    CHECK(fd >= 0);
    CHECK_INT(wd_read_greeting(fd, SOON_MS, &g), 1);
    CHECK_INT(client_close(fd), 0);
    CHECK(wait_gone(&x, x.marker, SOON_MS));
    CHECK(!mux_reap(&x));
    term_and_wait(&x);
    CHECK_INT(x.vs, 1);
out:
    snprintf(y.sock, sizeof(y.sock), "%s/sock", y.dir);
    mux_stop(&y);
    mux_stop(&x);
}

/* Write as fast as the socket takes it for 2 s: the keep-alives go on. */
static void test_flood_does_not_starve(void)
{
    static char junk[65536];
    struct mux x;
    struct wd_greeting g;
    long long end;
    int fd;

    if (!mux_start(&x, ROOMY)) {
        goto out;
    }
    fd = client_open(&x);
    CHECK(fd >= 0);
    CHECK_INT(wd_read_greeting(fd, SOON_MS, &g), 1);
    x.keepalives = 0;
    end = now_ms() + 2000;
    while (now_ms() < end) {
        (void)!send(fd, junk, sizeof(junk), MSG_NOSIGNAL | MSG_DONTWAIT);
        pump(&x, 0);
    }
    /* 20 due; a mux that feeds only after a quiet second writes none */
    CHECK(x.keepalives >= 5);
    CHECK_INT(x.vs, 0);
    CHECK_INT(client_close(fd), 0);
    CHECK(wait_gone(&x, x.marker, SOON_MS));
    CHECK(!mux_reap(&x));
    term_and_wait(&x);
    CHECK_INT(x.vs, 1);
out:
    mux_stop(&x);
}

/* Send len garbage bytes ending in 'V', blocking (the daemon keeps reading). */
static void send_garbage(int fd, size_t len)
{
    static char buf[65536];

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (char)rand();
    }
    while (len > 0) {
        size_t n = len < sizeof(buf) ? len : sizeof(buf);

        buf[n - 1] = n == len ? 'V' : buf[n - 1];
        if (send(fd, buf, n, MSG_NOSIGNAL) < 0) {
            return; /* a refused client: the daemon closed it */
        }
        len -= n;
    }
}

/* 200 clients (more than the 100 slots), garbage and one 8 MiB write; then
 * all leave cleanly. */
static void test_many_clients(void)
{
    enum { N = 200 };
    static int fds[N];
    struct mux x;
    int opened = 0;

    if (!mux_start(&x, ROOMY)) {
        goto out;
    }
    for (int i = 0; i < N; i++) {
        fds[i] = client_open(&x);
        opened += fds[i] >= 0;
        pump(&x, 0);
    }
    CHECK_INT(opened, N);
    for (int i = 0; i < N; i++) {
        if (fds[i] >= 0) {
            send_garbage(fds[i], i == 0 ? 8u << 20 : (size_t)(1 + rand() % 5000));
        }
        pump(&x, 0);
    }
    for (int i = 0; i < N; i++) {
        if (fds[i] >= 0) {
            (void)client_close(fds[i]); /* fails for refused ones */
        }
    }
    CHECK(wait_gone(&x, x.marker, 2 * SOON_MS));
    CHECK(!mux_reap(&x));
    CHECK(log_has(&x, "too many clients (100) - refusing new connection"));
    CHECK(wait_keepalives(&x, 2, SOON_MS));
    term_and_wait(&x);
    CHECK(log_has(&x, "clean exit"));
    CHECK_INT(x.vs, 1);
out:
    mux_stop(&x);
}

int main(int argc, char **argv)
{
    const char *env = getenv("HAVEN");
    char *slash;

    /* The binary under test sits next to this one, unless $HAVEN says. */
    snprintf(haven, sizeof(haven), "%s", env ? env : argv[0]);
    slash = strrchr(haven, '/');
    if (env == NULL) {
        snprintf(slash ? slash + 1 : haven, sizeof(haven) / 2, "haven");
    }
    signal(SIGPIPE, SIG_IGN);
    srand(1);
    RUN(test_client_api);
    if (access(haven, X_OK) != 0) {
        fprintf(stderr, "%s: not built; the daemon tests need it\n", haven);
        test_failed++;
        return test_summary();
    }
    RUN(test_fed_clients);
    RUN(test_silent_client_expires);
    RUN(test_unclean_disconnect);
    RUN(test_byte_after_v_rearms);
    RUN(test_clean_close_keeps_feeding);
    RUN(test_sigterm_no_clients);
    RUN(test_sigterm_active_client);
    RUN(test_marker_refuses_start);
    RUN(test_usage);
    RUN(test_socket_mode);
    RUN(test_socket_group);
    RUN(test_socket_path_taken);
    RUN(test_peer_check);
    RUN(test_one_per_socket);
    RUN(test_flood_does_not_starve);
    RUN(test_many_clients);
    return test_summary();
}
