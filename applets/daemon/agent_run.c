/* agent_run.c - resource agents (applets/README.md): "<agents_dir>/<type>
 * start|stop|status <sid>" or "migrate <sid> <target>", each in its own
 * process group under a deadline (SIGTERM, SIGKILL 5 s later), stdin
 * /dev/null (or, without one, an empty pipe), cwd /, upstream's PATH plus HAVEN_* variables, the
 * first 4 KiB of output logged. The resource plugin calls of env map onto them; they run inside LRM
 * workers, where an exception is "log it and exit 255". */
#include "applets/daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state/lrm.h"
#include "state/str.h"

#define AGENT_PATH "PATH=/sbin:/bin:/usr/sbin:/usr/bin"
#define OUTPUT_LOG_MAX 4096
#define KILL_GRACE_MS 5000
#define STILL_ACTIVE_MS 5000
#define STOP_DEFAULT_TIMEOUT 60
#define STOP_TIMEOUT_DIGITS 9 /* at most 999999999 s, as ha-manager accepts */

/* The agents' stdin; a variable so that the unit test can take it away. */
static const char *agent_stdin = "/dev/null";

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *sid_type(const char *sid)
{
    const char *colon = strchr(sid, ':');

    return xstrndup(sid, colon ? (size_t)(colon - sid) : strlen(sid));
}

/* What the child reports when it could not become the agent. */
struct child_error {
    int step; /* 0 exec, 1 chdir, 2 setting up fds */
    int err; /* errno */
};

/* stdin: /dev/null, or where that is missing (a rescue chroot without /dev)
 * an empty pipe, which reads as end of file just the same; closed only when
 * even a pipe cannot be had. Returns the fd (>= 3) or -1. */
static int stdin_fd(void)
{
    int fd = open(agent_stdin, O_RDONLY | O_CLOEXEC), p[2];

    if (fd < 0 && pipe2(p, O_CLOEXEC) == 0) {
        close(p[1]);
        fd = p[0];
    }
    return fd;
}

void child_reset(void)
{
    sigset_t none;

    setpgid(0, 0);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) {
        signal(s, SIG_DFL);
    }
}

/* Place fd at 0, 1 or 2 (the copy is inherited by the agent). */
static int fd_to(int fd, int to)
{
    return dup2(fd, to) == to ? 0 : -1;
}

static _Noreturn void child_fail(int errpipe, int step)
{
    struct child_error ce = {step, errno};

    (void)!write(errpipe, &ce, sizeof(ce));
    _exit(127);
}

/* The agent process: own group, empty stdin, output to the pipe. The fds
 * are first moved to 3 and above, so that none is overwritten by another's
 * dup2 when the daemon itself runs with 0-2 closed. A failure to get here
 * is written to errpipe (closed by a successful exec). */
static void
agent_child(const char *path, char *const argv[], char *const envp[], int out, int errpipe)
{
    int in = stdin_fd();

    child_reset();
    errpipe = fcntl(errpipe, F_DUPFD_CLOEXEC, 3);
    out = fcntl(out, F_DUPFD_CLOEXEC, 3);
    in = in >= 0 ? fcntl(in, F_DUPFD_CLOEXEC, 3) : -1;
    if (in < 0) {
        close(0); /* not even a pipe: a closed stdin */
    } else if (fd_to(in, 0) < 0) {
        child_fail(errpipe, 2);
    }
    if (out < 0 || fd_to(out, 1) < 0 || fd_to(out, 2) < 0) {
        child_fail(errpipe, 2);
    }
    if (chdir("/") != 0) {
        child_fail(errpipe, 1);
    }
    execve(path, argv, envp);
    child_fail(errpipe, 0);
}

/* Why the agent could not be run, from the child's report; NULL if it ran. */
static char *exec_failure(int errpipe, const char *task, const char *path)
{
    static const char *const steps[] = {"unable to execute", "chdir / failed for", "no fds for"};
    struct child_error ce;
    struct stat st;
    ssize_t n;

    do {
        n = read(errpipe, &ce, sizeof(ce));
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(ce) || ce.step < 0 || ce.step > 2) {
        return NULL;
    }
    /* ENOENT for a file that exists: the kernel did not find its #! program */
    if (ce.step == 0 && ce.err == ENOENT && stat(path, &st) == 0) {
        return xasprintf(
            "agent '%s' failed - unable to execute '%s': %s (its #! interpreter is missing)", task,
            path, strerror(ce.err)
        );
    }
    return xasprintf(
        "agent '%s' failed - %s '%s': %s", task, steps[ce.step], path, strerror(ce.err)
    );
}

/* Log complete lines of the agent's output, up to OUTPUT_LOG_MAX bytes. */
static void
log_output(struct daemon *d, const char *sid, struct strbuf *buf, size_t *logged, bool flush)
{
    char *nl;

    while (buf->len > 0 && ((nl = memchr(buf->buf, '\n', buf->len)) != NULL || flush)) {
        size_t n = nl ? (size_t)(nl - buf->buf) : buf->len;
        if (*logged < OUTPUT_LOG_MAX) {
            size_t keep = n < OUTPUT_LOG_MAX - *logged ? n : OUTPUT_LOG_MAX - *logged;
            daemon_log(d, HA_INFO, "%s: %.*s", sid, (int)keep, buf->buf);
            *logged += n + 1;
        }
        n = nl ? n + 1 : n;
        memmove(buf->buf, buf->buf + n, buf->len - n);
        buf->len -= n;
    }
}

/* A running agent and what is needed to log its output. */
struct agent_proc {
    pid_t pid;
    int out; /* read end of the output pipe, -1 at EOF */
    int err; /* read end of the child's error pipe (child_error) */
    int status;
    bool reaped;
    const char *sid, *task; /* for the log lines */
    struct strbuf buf; /* output not logged yet: an incomplete line */
    size_t logged; /* bytes of output logged so far */
};

/* Read what the agent wrote, if anything, within 100 ms. */
static void agent_read(struct daemon *d, struct agent_proc *p)
{
    struct pollfd pfd = {.fd = p->out, .events = POLLIN};
    char chunk[1024];

    if (p->out < 0) {
        usleep(50 * 1000);
    } else if (poll(&pfd, 1, 100) > 0) {
        ssize_t n = read(p->out, chunk, sizeof(chunk));
        if (n > 0) {
            strbuf_addn(&p->buf, chunk, (size_t)n);
            log_output(d, p->sid, &p->buf, &p->logged, false);
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close(p->out);
            p->out = -1;
        }
    }
}

/* Wait for the agent until deadline_ms; false when it is still running. */
static bool agent_wait(struct daemon *d, struct agent_proc *p, int64_t deadline_ms)
{
    int64_t next_note = mono_ms() + STILL_ACTIVE_MS;

    while (!p->reaped) {
        int64_t now = mono_ms();
        if (now >= deadline_ms) {
            return false;
        }
        if (now >= next_note) {
            daemon_log(d, HA_INFO, "Task '%s' still active, waiting", p->task);
            next_note = now + STILL_ACTIVE_MS;
        }
        agent_read(d, p);
        if (waitpid(p->pid, &p->status, WNOHANG) == p->pid) {
            p->reaped = true;
        }
    }
    return true;
}

/* The agent's environment into envp (room for 8 with the NULL). */
static void
agent_env(const struct daemon *d, const struct agent_req *r, const char *type, char *envp[8])
{
    const char *colon = strchr(r->sid, ':');
    size_t ne = 0;

    envp[ne++] = xstrdup(AGENT_PATH);
    envp[ne++] = xasprintf("HAVEN_NODE=%s", d->conf.node);
    envp[ne++] = xasprintf("HAVEN_SID=%s", r->sid);
    envp[ne++] = xasprintf("HAVEN_TYPE=%s", type);
    envp[ne++] = xasprintf("HAVEN_NAME=%s", colon ? colon + 1 : r->sid);
    if (r->timeout != NULL) {
        envp[ne++] = xasprintf("HAVEN_TIMEOUT=%s", r->timeout);
    }
    if (r->with_online) {
        envp[ne++] = xasprintf("HAVEN_ONLINE=%d", r->online ? 1 : 0);
    }
    envp[ne] = NULL;
}

/* Fork the agent with its output and error pipes: 0, or -1 with *why. */
static int agent_spawn(
    struct agent_proc *p, const char *path, char *const argv[], char *const envp[], char **why
)
{
    int pipefd[2], errpipe[2];

    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        *why = xasprintf("agent '%s' failed - pipe: %s", p->task, strerror(errno));
        return -1;
    }
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        *why = xasprintf("agent '%s' failed - pipe: %s", p->task, strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    p->pid = fork();
    if (p->pid == 0) {
        close(errpipe[0]);
        agent_child(path, argv, envp, pipefd[1], errpipe[1]);
    }
    close(pipefd[1]);
    close(errpipe[1]);
    p->out = pipefd[0];
    p->err = errpipe[0];
    if (p->pid < 0) {
        *why = xasprintf("agent '%s' failed - fork: %s", p->task, strerror(errno));
        return -1;
    }
    setpgid(p->pid, p->pid);
    return 0;
}

/* Past its deadline: SIGTERM to the agent's group, SIGKILL after the grace
 * time, and the agent reaped. */
static void agent_kill(struct daemon *d, struct agent_proc *p)
{
    kill(-p->pid, SIGTERM);
    if (!agent_wait(d, p, mono_ms() + KILL_GRACE_MS)) {
        kill(-p->pid, SIGKILL);
        while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR) {
        }
    }
}

/* Wait for the spawned agent until deadline_s from now: its exit code
 * (128 + signal), or -1 with *why (timeout, exec failure). */
static int agent_result(
    struct daemon *d, struct agent_proc *p, int64_t deadline_s, const char *path, char **why
)
{
    if (!agent_wait(d, p, mono_ms() + deadline_s * 1000)) {
        agent_kill(d, p);
        *why =
            xasprintf("agent '%s' timed out after %lld s - killed", p->task, (long long)deadline_s);
        return -1;
    }
    if ((*why = exec_failure(p->err, p->task, path)) != NULL) {
        return -1;
    }
    return WIFEXITED(p->status) ? WEXITSTATUS(p->status) : 128 + WTERMSIG(p->status);
}

int agent_call(struct daemon *d, const struct agent_req *r, char **why)
{
    char *type = sid_type(r->sid), *path = xasprintf("%s/%s", d->conf.agents_dir, type);
    char *task = xasprintf("%s %s %s", type, r->verb, r->sid);
    char *envp[8];
    char *argv[] = {type, xstrdup(r->verb), xstrdup(r->sid), xstrdup(r->target), NULL};
    struct agent_proc p = {.out = -1, .err = -1, .sid = r->sid, .task = task};
    int rc = -1;

    agent_env(d, r, type, envp);
    if (agent_spawn(&p, path, argv, envp, why) == 0) {
        rc = agent_result(d, &p, r->deadline_s, path, why);
        log_output(d, r->sid, &p.buf, &p.logged, true);
    }
    if (p.err >= 0) {
        close(p.err);
    }
    if (p.out >= 0) {
        close(p.out);
    }
    for (size_t i = 0; envp[i] != NULL; i++) {
        free(envp[i]);
    }
    for (size_t i = 1; i < 4; i++) {
        free(argv[i]);
    }
    strbuf_free(&p.buf);
    free(task);
    free(path);
    free(type);
    return rc;
}

/* The core logs upstream's "service type '<type>' not implemented"; this
 * line before it says where the agent was looked for, and why not. */
static bool res_type_known(void *ctx, const char *type)
{
    struct daemon *d = ctx;
    char *path = xasprintf("%s/%s", d->conf.agents_dir, type);
    const char *why = NULL;
    struct stat st;

    if (stat(path, &st) != 0 || access(path, X_OK) != 0) {
        why = strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
    }
    if (why != NULL) {
        daemon_log(
            d, HA_ERR, "no agent for resource type '%s': '%s': %s (agents_dir is '%s')", type, path,
            why, d->conf.agents_dir
        );
    }
    free(path);
    return why == NULL;
}

/* An unknown state must never count as stopped: exception, worker exit 255. */
static bool res_check_running(void *ctx, const char *sid)
{
    struct daemon *d = ctx;
    char *why = NULL, *type = sid_type(sid);
    int rc = agent_call(
        d,
        &(struct agent_req
        ){.verb = "status", .sid = sid, .deadline_s = d->conf.agent_status_timeout},
        &why
    );

    if (rc == 0 || rc == 7) {
        free(type);
        return rc == 0;
    }
    if (why != NULL) {
        daemon_log(d, HA_ERR, "%s", why);
    } else {
        daemon_log(d, HA_ERR, "agent '%s status %s' failed - exit code %d", type, sid, rc);
    }
    _exit(255);
}

/* The lease check (applets/README.md): a resumed, paused LRM must not act. */
static bool lease_ok(struct daemon *d, const char *verb, const char *sid)
{
    int64_t t_s = workers_lease_t_ms(d);

    if (t_s >= 0 && kv_now_ms() - t_s <= d->budget_ms) {
        return true;
    }
    daemon_log(d, HA_ERR, "agent lock lease expired - not running %s for %s", verb, sid);
    return false;
}

/* A stale lease is no failure of the service: the job ends without a result
 * (try again) and runs again once the LRM has renewed its lock. */
static void require_lease(struct daemon *d, const char *verb, const char *sid)
{
    if (!lease_ok(d, verb, sid)) {
        _exit(LRM_ETRY_AGAIN);
    }
}

static void report(struct daemon *d, const char *verb, const char *sid, int rc, char *why)
{
    char *type = sid_type(sid);

    if (why != NULL) {
        daemon_log(d, HA_ERR, "%s", why);
    } else if (rc != 0) {
        daemon_log(d, HA_WARNING, "agent '%s %s %s' failed - exit code %d", type, verb, sid, rc);
    }
    free(why);
    free(type);
}

static void res_start(void *ctx, const char *sid)
{
    struct daemon *d = ctx;
    char *why = NULL;
    int rc;

    require_lease(d, "start", sid);
    rc = agent_call(
        d, &(struct agent_req){.verb = "start", .sid = sid, .deadline_s = d->conf.agent_timeout},
        &why
    );
    report(d, "start", sid, rc, why);
}

/* The stop timeout comes from the master's stop command, an outside value:
 * 1 to STOP_TIMEOUT_DIGITS digits and nothing else, or -1. */
static int64_t stop_timeout(const char *t)
{
    size_t n = strspn(t, "0123456789");
    int64_t v = 0;

    if (n == 0 || n > STOP_TIMEOUT_DIGITS || t[n] != '\0') {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (t[i] - '0');
    }
    return v;
}

/* A bad timeout is refused without calling the agent: the service still
 * runs, so the stop fails cleanly (the value is not echoed: it may hold
 * anything). The agent gets the number in canonical form. */
static void res_shutdown(void *ctx, const char *sid, const char *timeout)
{
    struct daemon *d = ctx;
    int64_t t = timeout ? stop_timeout(timeout) : STOP_DEFAULT_TIMEOUT;
    char *why = NULL, *t_env;
    int rc;

    if (t < 0) {
        daemon_log(
            d, HA_ERR,
            "not stopping %s - its stop timeout is not a number of seconds (0 to 999999999)", sid
        );
        return;
    }
    t_env = xasprintf("%lld", (long long)t);
    rc = agent_call(
        d, &(struct agent_req){.verb = "stop", .sid = sid, .deadline_s = t + 30, .timeout = t_env},
        &why
    );
    free(t_env);
    report(d, "stop", sid, rc, why);
}

/* Move the registry entry between two nodes: 3 tries, 1 s apart. */
static bool move_registry(struct daemon *d, const char *sid, const char *src, const char *dst)
{
    char *from = xasprintf("nodes/%s/resources/%s", src, sid);
    char *to = xasprintf("nodes/%s/resources/%s", dst, sid);
    char *dir = xasprintf("nodes/%s/resources", dst);
    bool ok = false;

    for (int i = 0; i < 3 && !ok; i++) {
        char *err = NULL;
        if (i > 0) {
            sleep(1);
        }
        kv_mkdir(d->store, dir, &err);
        free(err);
        err = NULL;
        ok = kv_rename(d->store, from, to, &err) == 0;
        if (!ok) {
            daemon_log(
                d, HA_ERR, "rename '%s' to '%s' failed - %s", from, to,
                err ? err : "No such file or directory"
            );
        }
        free(err);
    }
    free(dir);
    free(to);
    free(from);
    return ok;
}

/*
 * The hand-over. The registry entry moves to the target BEFORE the agent
 * runs: an online migration may run the service on the target while the agent
 * still works on the source, and if the source is fenced in that window the
 * master must find the service registered on the target (it recovers it
 * there, or fences the target too when that is gone), never start it on a
 * third node. A failed move goes back to the source, but only on a live lease:
 * a worker whose LRM is gone leaves the entry on the target, the one node
 * where the service may already run.
 */
static bool res_migrate(void *ctx, const char *sid, const char *target, bool online)
{
    struct daemon *d = ctx;
    char *why = NULL;
    int rc;

    if (!online && res_check_running(ctx, sid)) {
        res_shutdown(ctx, sid, NULL);
    }
    require_lease(d, "migrate", sid);
    if (!move_registry(d, sid, d->conf.node, target)) {
        return false;
    }
    rc = agent_call(
        d,
        &(struct agent_req
        ){.verb = "migrate",
          .sid = sid,
          .target = target,
          .deadline_s = d->conf.agent_timeout,
          .with_online = true,
          .online = online},
        &why
    );
    if (rc != 0 || why != NULL) {
        report(d, "migrate", sid, rc, why);
    } else if (!res_check_running(ctx, sid)) {
        return true;
    }
    if (!lease_ok(d, "the registry move back", sid) ||
        !move_registry(d, sid, target, d->conf.node)) {
        daemon_log(
            d, HA_ERR, "service '%s' failed to move to '%s' but stays registered there", sid, target
        );
        _exit(LRM_EWRONG_NODE);
    }
    return false;
}

static char *res_remove_locks(void *ctx, const char *sid, const char *const *names)
{
    return NULL;
}

void agent_install(struct ha_env *env)
{
    env->res_type_known = res_type_known;
    env->res_check_running = res_check_running;
    env->res_start = res_start;
    env->res_shutdown = res_shutdown;
    env->res_migrate = res_migrate;
    env->res_remove_locks = res_remove_locks;
}
