/* lrm_jobs.h - the LRM's work queue, job results and restart policy
 * Internal to the LRM. */
#ifndef HAVEN_LRM_JOBS_H
#define HAVEN_LRM_JOBS_H

#include <stddef.h>

#include "state/env.h"

struct lrm_queued {
    struct lrm_job job;
    bool running; /* handed to a worker */
    bool recheck; /* a started service checked again under its uid */
};

struct restart_tries {
    char *sid;
    int tries;
};

struct lrm_jobs {
    struct lrm_queued *queue; /* sorted by sid, one job per sid */
    size_t n_queue;
    struct lrm_result *results; /* sorted by uid */
    size_t n_results;
    struct restart_tries *tries; /* sorted by sid */
    size_t n_tries;
    int shutdown_errors; /* failed stop jobs of a shutdown request */
};

void lrm_jobs_free(struct lrm_jobs *j);
/* Queue a job; replaces a queued job of the same sid that did not start. */
void lrm_jobs_queue(
    struct lrm_jobs *j,
    const char *sid,
    const char *uid,
    enum svc_state state,
    const char *target,
    const char *timeout
);
/* Run every queued job (sid order); returns how many are still pending. */
size_t lrm_jobs_run(
    struct lrm_jobs *j,
    const struct ha_env *env,
    const struct manager_status *view,
    const struct svc_config *sc
);
/* manage_resources(), first half: queue the jobs the manager status asks for. */
void lrm_jobs_manage(
    struct lrm_jobs *j, const struct ha_env *env, const struct manager_status *view
);
/* A job of sid ended with exit_code: restart policy, results. */
void lrm_jobs_finished(
    struct lrm_jobs *j,
    const struct ha_env *env,
    const struct manager_status *view,
    const char *sid,
    int exit_code
);

#endif
