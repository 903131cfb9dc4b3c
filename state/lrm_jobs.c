/* lrm_jobs.c - the LRM's work queue and the resource agent logic.
 *
 * Jobs run in sid order. A job for a uid stores its result for the master,
 * unless the restart policy decides to retry it in the next round. */
#include "state/lrm_jobs.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "state/lrm.h"
#include "state/str.h"

static void job_free(struct lrm_job *job)
{
    free(job->sid);
    free(job->uid);
    free(job->target);
    free(job->timeout);
}

void lrm_jobs_free(struct lrm_jobs *j)
{
    for (size_t i = 0; i < j->n_queue; i++) {
        job_free(&j->queue[i].job);
    }
    free(j->queue);
    for (size_t i = 0; i < j->n_results; i++) {
        free(j->results[i].uid);
        free(j->results[i].sid);
        free(j->results[i].state);
    }
    free(j->results);
    for (size_t i = 0; i < j->n_tries; i++) {
        free(j->tries[i].sid);
    }
    free(j->tries);
    memset(j, 0, sizeof(*j));
}

/* Index of sid in the queue, or where it would be inserted (*found false). */
static size_t queue_pos(const struct lrm_jobs *j, const char *sid, bool *found)
{
    return sorted_pos(
        j->queue, j->n_queue, sizeof(*j->queue),
        offsetof(struct lrm_queued, job) + offsetof(struct lrm_job, sid), sid, found
    );
}

static const struct lrm_result *result_find(const struct lrm_jobs *j, const char *uid)
{
    for (size_t i = 0; i < j->n_results; i++) {
        if (strcmp(j->results[i].uid, uid) == 0) {
            return &j->results[i];
        }
    }
    return NULL;
}

void lrm_jobs_queue(
    struct lrm_jobs *j,
    const char *sid,
    const char *uid,
    enum svc_state state,
    const char *target,
    const char *timeout
)
{
    bool found, recheck = false;
    size_t pos;
    struct lrm_queued *q;

    /* The same command twice could race with the master's view of the first
     * result. "stopped" is enforced every round, and so is a start that
     * succeeded: checking it again notices a service that died, and an
     * unchanged result leaves the status text, so nothing is written. */
    if (state != SS_STOPPED && uid != NULL) {
        const struct lrm_result *r = result_find(j, uid);
        if (r != NULL && !(state == SS_STARTED && r->exit_code == LRM_SUCCESS)) {
            return;
        }
        recheck = r != NULL;
    }
    pos = queue_pos(j, sid, &found);
    if (found) {
        if (j->queue[pos].running) {
            return;
        }
        job_free(&j->queue[pos].job);
    } else {
        j->queue = xrealloc(j->queue, (j->n_queue + 1) * sizeof(*j->queue));
        memmove(&j->queue[pos + 1], &j->queue[pos], (j->n_queue - pos) * sizeof(*j->queue));
        j->n_queue++;
    }
    q = &j->queue[pos];
    memset(q, 0, sizeof(*q));
    q->job.sid = xstrdup(sid);
    q->job.uid = xstrdup(uid);
    q->job.state = state;
    q->job.target = xstrdup(target);
    q->job.timeout = xstrdup(timeout);
    q->recheck = recheck;
}

static int tries_get(struct lrm_jobs *j, const char *sid)
{
    for (size_t i = 0; i < j->n_tries; i++) {
        if (strcmp(j->tries[i].sid, sid) == 0) {
            return j->tries[i].tries;
        }
    }
    return 0;
}

static void tries_set(struct lrm_jobs *j, const char *sid, int n)
{
    for (size_t i = 0; i < j->n_tries; i++) {
        if (strcmp(j->tries[i].sid, sid) == 0) {
            j->tries[i].tries = n;
            return;
        }
    }
    j->tries = xrealloc(j->tries, (j->n_tries + 1) * sizeof(*j->tries));
    j->tries[j->n_tries].sid = xstrdup(sid);
    j->tries[j->n_tries].tries = n;
    j->n_tries++;
}

static int max_restart_of(const struct ha_env *env, const char *sid)
{
    struct svc_config sc = {0};
    char *err = NULL;
    int max = 0;

    if (env->read_service_config(env->ctx, &sc, &err) == 0) {
        const struct svc_conf *cd = svc_config_find(&sc, sid);
        max = cd ? cd->max_restart : 0;
    }
    free(err);
    svc_config_free(&sc);
    return max;
}

/* The local restart policy. */
static int restart_policy(
    struct lrm_jobs *j,
    const struct ha_env *env,
    const char *sid,
    enum svc_state state,
    int exit_code
)
{
    int tries;

    if (state != SS_STARTED) {
        return exit_code;
    }
    if (exit_code == LRM_SUCCESS) {
        tries_set(j, sid, 0);
        return exit_code;
    }
    if (exit_code != LRM_ERROR) {
        return exit_code;
    }
    tries = tries_get(j, sid);
    if (tries >= max_restart_of(env, sid)) {
        env_log(
            env, HA_ERR, "unable to start service %s on local node after %d retries", sid, tries
        );
        tries_set(j, sid, 0);
        return LRM_ERROR;
    }
    tries_set(j, sid, ++tries);
    env_log(env, HA_WARNING, "restart policy: retry number %d for service '%s'", tries, sid);
    return LRM_ETRY_AGAIN;
}

static void result_drop(struct lrm_jobs *j, const char *uid)
{
    for (size_t i = 0; i < j->n_results; i++) {
        if (strcmp(j->results[i].uid, uid) == 0) {
            free(j->results[i].uid);
            free(j->results[i].sid);
            free(j->results[i].state);
            memmove(
                &j->results[i], &j->results[i + 1], (j->n_results - i - 1) * sizeof(*j->results)
            );
            j->n_results--;
            return;
        }
    }
}

static bool uid_in_view(const struct manager_status *view, const char *uid)
{
    for (size_t i = 0; i < view->n_svcs; i++) {
        if (str_eq(view->svcs[i].uid, uid)) {
            return true;
        }
    }
    return false;
}

/* Store a result and drop those whose uid the master no longer uses. */
static void results_store(
    struct lrm_jobs *j, const struct manager_status *view, const struct lrm_job *job, int exit_code
)
{
    size_t keep = 0;

    for (size_t i = 0; i < j->n_results; i++) {
        struct lrm_result *r = &j->results[i];
        if (strcmp(r->uid, job->uid) != 0 && uid_in_view(view, r->uid)) {
            j->results[keep++] = *r;
        } else {
            free(r->uid);
            free(r->sid);
            free(r->state);
        }
    }
    j->n_results = keep;
    if (!uid_in_view(view, job->uid)) {
        return;
    }
    j->results = xrealloc(j->results, (j->n_results + 1) * sizeof(*j->results));
    size_t pos = 0;
    while (pos < j->n_results && strcmp(j->results[pos].uid, job->uid) < 0) {
        pos++;
    }
    memmove(&j->results[pos + 1], &j->results[pos], (j->n_results - pos) * sizeof(*j->results));
    j->results[pos].uid = xstrdup(job->uid);
    j->results[pos].sid = xstrdup(job->sid);
    j->results[pos].state = xstrdup(svc_state_name(job->state));
    j->results[pos].exit_code = exit_code;
    j->n_results++;
}

void lrm_jobs_finished(
    struct lrm_jobs *j,
    const struct ha_env *env,
    const struct manager_status *view,
    const char *sid,
    int exit_code
)
{
    bool found;
    size_t pos = queue_pos(j, sid, &found);
    struct lrm_job job;

    if (!found) {
        return;
    }
    job = j->queue[pos].job;
    memmove(&j->queue[pos], &j->queue[pos + 1], (j->n_queue - pos - 1) * sizeof(*j->queue));
    j->n_queue--;
    if (exit_code < 0) {
        env_log(env, HA_ERR, "resource agent %s finished - failed to execute", sid);
        exit_code = -1;
    }
    if (job.uid == NULL) {
        if (exit_code != LRM_SUCCESS) {
            j->shutdown_errors++;
        }
    } else {
        exit_code = restart_policy(j, env, job.sid, job.state, exit_code);
        if (exit_code != LRM_ETRY_AGAIN) {
            results_store(j, view, &job, exit_code);
        } else {
            /* a service that died is being restarted: its earlier success is void */
            result_drop(j, job.uid);
        }
    }
    job_free(&job);
}

/* Start the queued jobs (sid order); returns how many run in workers. */
static size_t jobs_start(
    struct lrm_jobs *j,
    const struct ha_env *env,
    const struct manager_status *view,
    const struct svc_config *sc
)
{
    struct strlist todo = {0};
    size_t running = 0;

    /* new requests first, then the checks of running services: with few
     * workers, checks renewed every round must not starve a start */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < j->n_queue; i++) {
            if (!j->queue[i].running && j->queue[i].recheck == (pass == 1)) {
                strlist_add(&todo, j->queue[i].job.sid);
            }
        }
    }
    for (size_t i = 0; i < todo.n; i++) {
        bool found;
        size_t pos = queue_pos(j, todo.v[i], &found);
        if (!found || j->queue[pos].running) {
            continue;
        }
        struct lrm_job *job = &j->queue[pos].job;
        job->have_conf = true;
        job->conf = svc_config_find(sc, job->sid);
        int rc = env->run_job(env->ctx, job);
        job->have_conf = false;
        job->conf = NULL;
        if (rc == LRM_JOB_ASYNC) {
            j->queue[pos].running = true;
        } else if (rc != LRM_JOB_BUSY) {
            lrm_jobs_finished(j, env, view, todo.v[i], rc);
        }
    }
    strlist_clear(&todo);
    for (size_t i = 0; i < j->n_queue; i++) {
        running += j->queue[i].running;
    }
    return running;
}

/* check_active_workers(): collect the workers that ended. */
static void
jobs_collect(struct lrm_jobs *j, const struct ha_env *env, const struct manager_status *view)
{
    struct strlist done = {0};
    int *codes;
    size_t n = 0;

    if (env->job_finished == NULL || j->n_queue == 0) {
        return;
    }
    codes = xcalloc(j->n_queue, sizeof(*codes));
    for (size_t i = 0; i < j->n_queue; i++) {
        if (j->queue[i].running && env->job_finished(env->ctx, j->queue[i].job.sid, &codes[n])) {
            strlist_add(&done, j->queue[i].job.sid);
            n++;
        }
    }
    for (size_t i = 0; i < done.n; i++) {
        lrm_jobs_finished(j, env, view, done.v[i], codes[i]);
    }
    strlist_clear(&done);
    free(codes);
}

/* run_workers(): start jobs, then wait up to W for the
 * workers, 1 s apart. Without env->sleep (simulator) there is no wait. */
size_t lrm_jobs_run(
    struct lrm_jobs *j,
    const struct ha_env *env,
    const struct manager_status *view,
    const struct svc_config *sc
)
{
    int64_t start = env->now(env->ctx);

    for (;;) {
        jobs_collect(j, env, view);
        if (jobs_start(j, env, view, sc) == 0 || env->sleep == NULL ||
            env->now(env->ctx) - start > env_timing(env)->worker_wait) {
            break;
        }
        env->sleep(env->ctx, 1);
    }
    return j->n_queue;
}

static void tries_forget_gone(struct lrm_jobs *j, const struct manager_status *view)
{
    size_t keep = 0;

    for (size_t i = 0; i < j->n_tries; i++) {
        if (ms_find_sd(view, j->tries[i].sid) != NULL) {
            j->tries[keep++] = j->tries[i];
        } else {
            free(j->tries[i].sid);
        }
    }
    j->n_tries = keep;
}

void lrm_jobs_manage(
    struct lrm_jobs *j, const struct ha_env *env, const struct manager_status *view
)
{
    tries_forget_gone(j, view);
    for (size_t i = 0; i < view->n_svcs; i++) {
        const struct sd *sd = &view->svcs[i];
        if (sd->node == NULL || sd->uid == NULL || !str_eq(sd->node, env->node)) {
            continue;
        }
        if (sd->state == SS_NONE || sd->state == SS_RECOVERY || sd->state == SS_FREEZE ||
            sd->state == SS_REQUEST_START) {
            continue;
        }
        lrm_jobs_queue(j, sd->sid, sd->uid, sd->state, sd->target, sd->timeout);
    }
}
