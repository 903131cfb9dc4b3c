/* lrm.h - the local resource manager daemon's state machine (state/README.md),
 * its job queue and the resource-agent logic. */
#ifndef HAVEN_LRM_H
#define HAVEN_LRM_H

#include <stdbool.h>

#include "state/env.h"

struct lrm;

/* Logs "status change startup => wait_for_agent_lock". Free with lrm_free. */
struct lrm *lrm_new(const struct ha_env *env);
void lrm_free(struct lrm *lrm);
/* One daemon iteration; false = the daemon exits. */
bool lrm_iterate(struct lrm *lrm, const struct ha_env *env);
/* Shutdown or restart request; ignored if one is pending. */
void lrm_shutdown_request(struct lrm *lrm, const struct ha_env *env);
/* A worker finished a job that run_job() started asynchronously. */
void lrm_job_done(struct lrm *lrm, const struct ha_env *env, const char *sid, int exit_code);
/* Execute one job with the resource plugins of env; returns
 * the exit code. Runs inside a worker, or inline from run_job(). */
int lrm_exec_job(const struct ha_env *env, const struct lrm_job *job);
const char *lrm_state_name(const struct lrm *lrm);

/* run_job() started the job in a worker; its result comes later. */
#define LRM_JOB_ASYNC (-1000)

/* Exit codes between LRM and CRM. */
enum {
    LRM_SUCCESS = 0,
    LRM_ERROR = 1,
    LRM_ETRY_AGAIN = 2,
    LRM_EWRONG_NODE = 3,
    LRM_EUNKNOWN_SERVICE_TYPE = 4,
    LRM_EUNKNOWN_COMMAND = 5,
    LRM_EINVALID_PARAMETER = 6,
    LRM_EUNKNOWN_SERVICE = 7,
    LRM_IGNORED = 8
};

#endif
