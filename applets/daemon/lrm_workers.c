/* lrm_workers.c - the LRM's workers (applets/README.md, "LRM workers"):
 * every job runs lrm_exec_job() in a forked child with its own process group
 * and only fds 0-2 (never the watchdog socket); the core polls
 * job_finished() each 1 s tick of run_workers. max_workers comes from
 * datacenter.cfg.
 *
 * The lease a worker checks before start or migrate ("The lease check") is
 * the start of the LRM's latest good renewal of its agent lock, which the LRM
 * publishes on a page shared with its workers. With only the renewal passed
 * at fork, a relocation whose stop outlasts B (48 s at defaults, a slow VM
 * shutdown) failed its move although the lock was held all along. Safety is
 * the same: a worker acts only within B of a renewal the holder completed
 * in time, and a paused, lost or released lock publishes nothing new. */
#include "applets/daemon/daemon.h"
#include "applets/daemon/obs.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applets/log.h"
#include "state/lrm.h"
#include "state/str.h"

struct worker {
    char *sid;
    pid_t pid;
    int64_t started_ms;
    enum svc_state state; /* the job, for the metrics */
};

struct workers {
    struct worker *v;
    size_t n;
    _Atomic int64_t *lease; /* shared with the workers; -1 = no lease */
};

/* Only fds 0-2 survive into a worker. */
static void close_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    int keep = dir ? dirfd(dir) : -1;

    if (dir == NULL) {
        for (int fd = 3; fd < 1024; fd++) {
            close(fd);
        }
        return;
    }
    while ((e = readdir(dir)) != NULL) {
        int fd = atoi(e->d_name);
        if (fd > 2 && fd != keep) {
            close(fd);
        }
    }
    closedir(dir);
}

static void worker_child(struct daemon *d, const struct lrm_job *job, int64_t lease_t_ms)
{
    struct kv_options o;
    char *err = NULL;
    int rc;

    log_forked(); /* the syslog socket is closed below */
    close_fds();
    child_reset();
    d->in_worker = true;
    d->worker_lease_t_ms = lease_t_ms;
    daemon_store_options(d, &o, NULL);
    if (kv_open(&o, &d->store, &err) != 0) {
        daemon_log(d, HA_ERR, "%s", err ? err : "unable to open the store");
        _exit(255);
    }
    rc = lrm_exec_job(&d->env, job);
    _exit(rc & 0xff);
}

/* The start and move verbs need a live lease; stops never wait. */
static bool needs_lease(enum svc_state state)
{
    return state == SS_STARTED || state == SS_MIGRATE || state == SS_RELOCATE ||
           state == SS_REQUEST_START_BALANCE;
}

static int run_job(void *ctx, const struct lrm_job *job)
{
    struct daemon *d = ctx;
    struct dc_settings dc;
    int max_workers;
    int64_t lease_t_ms = kv_lock_renewed_at(d->store, daemon_agent_lock(d));
    pid_t pid;

    dc_settings_init(&dc);
    daemon_datacenter(d, &dc, &max_workers);
    dc_settings_free(&dc);
    if (d->workers->n >= (size_t)max_workers) {
        return LRM_JOB_BUSY;
    }
    /* no lease now: the job waits in the queue for the next renewal, it has not failed */
    if (needs_lease(job->state) && (lease_t_ms < 0 || kv_now_ms() - lease_t_ms > d->budget_ms)) {
        return LRM_JOB_BUSY;
    }
    pid = fork();
    if (pid < 0) {
        daemon_log(d, HA_ERR, "forking worker failed - %s", strerror(errno));
        return LRM_JOB_BUSY;
    }
    if (pid == 0) {
        worker_child(d, job, lease_t_ms);
    }
    setpgid(pid, pid);
    d->workers->v = xrealloc(d->workers->v, (d->workers->n + 1) * sizeof(*d->workers->v));
    d->workers->v[d->workers->n].sid = xstrdup(job->sid);
    d->workers->v[d->workers->n].pid = pid;
    d->workers->v[d->workers->n].started_ms = kv_now_ms();
    d->workers->v[d->workers->n].state = job->state;
    d->workers->n++;
    return LRM_JOB_ASYNC;
}

static void worker_drop(struct workers *w, size_t i)
{
    free(w->v[i].sid);
    w->v[i] = w->v[--w->n];
}

/* A worker ended by a signal is logged ("got signal <n>") as exit code -1. */
static bool job_finished(void *ctx, const char *sid, int *exit_code)
{
    struct daemon *d = ctx;
    struct workers *w = d->workers;
    int status;

    for (size_t i = 0; i < w->n; i++) {
        pid_t r;
        if (!str_eq(w->v[i].sid, sid)) {
            continue;
        }
        r = waitpid(w->v[i].pid, &status, WNOHANG);
        if (r == 0) {
            return false;
        }
        if (r < 0) {
            *exit_code = -1;
        } else if (WIFSIGNALED(status)) {
            daemon_log(
                d, HA_ERR, "resource agent %s finished - got signal %d", sid, WTERMSIG(status)
            );
            *exit_code = -1;
        } else {
            *exit_code = WEXITSTATUS(status);
        }
        metrics_agent_call(
            sid, svc_state_name(w->v[i].state), (double)(kv_now_ms() - w->v[i].started_ms) / 1000.,
            *exit_code == 0
        );
        worker_drop(w, i);
        return true;
    }
    return false;
}

/* A worker older than 2 x agent_timeout + 120 s is killed. */
size_t workers_running(struct daemon *d)
{
    int64_t limit_ms = (2 * d->conf.agent_timeout + 120) * 1000;
    int64_t now = kv_now_ms();

    for (size_t i = 0; d->workers != NULL && i < d->workers->n; i++) {
        if (now - d->workers->v[i].started_ms > limit_ms) {
            kill(-d->workers->v[i].pid, SIGKILL);
        }
    }
    return d->workers ? d->workers->n : 0;
}

void workers_lease_changed(struct daemon *d)
{
    if (d->workers != NULL && d->workers->lease != NULL && !d->in_worker) {
        atomic_store(d->workers->lease, kv_lock_renewed_at(d->store, daemon_agent_lock(d)));
    }
}

int64_t workers_lease_t_ms(const struct daemon *d)
{
    if (d->workers != NULL && d->workers->lease != NULL) {
        return atomic_load(d->workers->lease);
    }
    return d->worker_lease_t_ms;
}

void workers_install(struct daemon *d)
{
    void *page = mmap(
        NULL, sizeof(_Atomic int64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0
    );

    d->workers = xcalloc(1, sizeof(*d->workers));
    if (page != MAP_FAILED) { /* else workers keep the renewal passed at fork */
        d->workers->lease = page;
        atomic_init(d->workers->lease, -1);
    }
    d->env.run_job = run_job;
    d->env.job_finished = job_finished;
}
