/* notify.c - the notification hook (README.md, "Notifications"): for each
 * event the daemon runs notify_command in a child of its own process group,
 * with the event in HAVEN_* variables and as one JSON line on stdin. The
 * round never waits for it: one hook runs at a time, polled from the loop,
 * killed at its deadline; events wait in a bounded queue and are dropped
 * (with a log line) when it is full. A hook's result never reaches the core. */
#include "applets/daemon/daemon.h"
#include "applets/daemon/obs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cJSON.h"
#include "ev.h"

#define QUEUE_MAX 32
#define FIELD_MAX 256 /* longer values are cut (they come from the store) */
#define POLL_S 0.1

enum { F_KIND, F_NODE, F_SID, F_FROM, F_TO, N_FIELDS };
static const char *const field_env[N_FIELDS] = {
    "HAVEN_EVENT", "HAVEN_NODE", "HAVEN_SID", "HAVEN_FROM", "HAVEN_TO"};
static const char *const field_json[N_FIELDS] = {"event", "node", "sid", "from", "to"};

struct nev {
    char *f[N_FIELDS]; /* escaped: no control character */
    long long time;
};

static struct {
    struct daemon *d;
    struct nev q[QUEUE_MAX];
    size_t head, n;
    pid_t pid; /* the running hook, 0 if none */
    bool killed; /* past its deadline: SIGKILL sent, not reaped yet */
    char *running; /* its event's kind */
    struct timespec deadline;
    ev_timer poll;
} N;

static void nev_free(struct nev *e)
{
    for (int i = 0; i < N_FIELDS; i++) {
        free(e->f[i]);
        e->f[i] = NULL;
    }
}

/* The same rule as every log line: control characters written out as text. */
static char *field(const char *s)
{
    char *e = str_escaped(s ? s : "");

    if (strlen(e) > FIELD_MAX) {
        e[FIELD_MAX] = '\0';
    }
    return e;
}

static char *json_line(const struct nev *e)
{
    cJSON *o = cJSON_CreateObject();
    char *text, *line;

    for (int i = 0; i < N_FIELDS; i++) {
        if (e->f[i][0] != '\0') {
            cJSON_AddStringToObject(o, field_json[i], e->f[i]);
        }
    }
    cJSON_AddNumberToObject(o, "time", (double)e->time);
    cJSON_AddStringToObject(o, "host", N.d->conf.node);
    cJSON_AddStringToObject(o, "daemon", N.d->role);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    line = xasprintf("%s\n", text ? text : "{}");
    free(text);
    return line;
}

static void close_from_3(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        close(fd);
    }
}

/* In the child: become the hook, or exit 127. */
static _Noreturn void child(const struct nev *e, int in)
{
    char *env[N_FIELDS + 5], *argv[2] = {N.d->conf.notify_command, NULL};
    sigset_t all;
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC), k = 0;

    setpgid(0, 0);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < 32; s++) {
        signal(s, SIG_DFL);
    }
    if (dup2(in, 0) != 0 || (null >= 0 && (dup2(null, 1) != 1 || dup2(null, 2) != 2))) {
        _exit(127);
    }
    close_from_3();
    if (chdir("/") != 0) {
        _exit(127);
    }
    env[k++] = xstrdup("PATH=/sbin:/bin:/usr/sbin:/usr/bin");
    for (int i = 0; i < N_FIELDS; i++) {
        env[k++] = xasprintf("%s=%s", field_env[i], e->f[i]);
    }
    env[k++] = xasprintf("HAVEN_TIME=%lld", e->time);
    env[k++] = xasprintf("HAVEN_HOST=%s", N.d->conf.node);
    env[k++] = xasprintf("HAVEN_DAEMON=%s", N.d->role);
    env[k] = NULL;
    execve(argv[0], argv, env);
    _exit(127);
}

static void start_next(void);

static void finish(int status)
{
    const char *cmd = N.d->conf.notify_command;

    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        daemon_log(
            N.d, HA_WARNING, "notify hook '%s' for event %s failed - exit code %d", cmd, N.running,
            WEXITSTATUS(status)
        );
    } else if (WIFSIGNALED(status)) {
        daemon_log(
            N.d, HA_WARNING, "notify hook '%s' for event %s failed - got signal %d", cmd, N.running,
            WTERMSIG(status)
        );
    }
    free(N.running);
    N.running = NULL;
    N.pid = 0;
}

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct timespec now;
    int status;
    pid_t r;

    if (N.pid == 0) {
        ev_timer_stop(loop, w);
        return;
    }
    r = waitpid(N.pid, &status, WNOHANG);
    if (r == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!N.killed && now.tv_sec >= N.deadline.tv_sec) {
            daemon_log(
                N.d, HA_WARNING,
                "notify hook '%s' for event %s still running after %lld s - killed",
                N.d->conf.notify_command, N.running, (long long)N.d->conf.notify_timeout
            );
            kill(-N.pid, SIGKILL);
            N.killed = true; /* reaped by a later poll: never wait here */
        }
        return;
    }
    finish(r < 0 || N.killed ? 0 : status);
    N.killed = false;
    start_next();
    if (N.pid == 0) {
        ev_timer_stop(loop, w);
    }
}

static void start_next(void)
{
    struct nev e;
    char *line;
    int p[2];

    while (N.pid == 0 && N.n > 0) {
        e = N.q[N.head];
        N.head = (N.head + 1) % QUEUE_MAX;
        N.n--;
        line = json_line(&e);
        if (pipe2(p, O_CLOEXEC) != 0) {
            daemon_log(N.d, HA_WARNING, "notify hook: pipe failed - %s", strerror(errno));
        } else {
            N.pid = fork();
            if (N.pid == 0) {
                close(p[1]);
                child(&e, p[0]);
            }
            close(p[0]);
            if (N.pid < 0) {
                N.pid = 0;
                daemon_log(N.d, HA_WARNING, "notify hook: fork failed - %s", strerror(errno));
            } else {
                setpgid(N.pid, N.pid);
                /* one short line into an empty pipe: never blocks */
                (void)!write(p[1], line, strlen(line));
                N.running = xstrdup(e.f[F_KIND]);
                clock_gettime(CLOCK_MONOTONIC, &N.deadline);
                N.deadline.tv_sec += N.d->conf.notify_timeout;
                metrics_notify(false);
            }
            close(p[1]);
        }
        free(line);
        nev_free(&e);
    }
    if (N.pid != 0 && !ev_is_active(&N.poll)) {
        ev_timer_again(N.d->loop, &N.poll);
    }
}

void notify_init(struct daemon *d)
{
    N.d = d;
    ev_timer_init(&N.poll, poll_cb, POLL_S, POLL_S);
}

void notify_event(struct daemon *d, const struct ha_event *ev)
{
    struct nev *e;
    const char *v[N_FIELDS] = {ev->kind, ev->node, ev->sid, ev->from, ev->to};

    if (d->conf.notify_command == NULL || d->in_worker || N.d == NULL) {
        return;
    }
    if (N.n == QUEUE_MAX) {
        char *kind = field(ev->kind);
        daemon_log(
            d, HA_WARNING, "notify queue full (%d events) - dropped event %s", QUEUE_MAX, kind
        );
        free(kind);
        metrics_notify(true);
        return;
    }
    e = &N.q[(N.head + N.n) % QUEUE_MAX];
    for (int i = 0; i < N_FIELDS; i++) {
        e->f[i] = field(v[i]);
    }
    e->time = (long long)time(NULL);
    N.n++;
    start_next();
}
