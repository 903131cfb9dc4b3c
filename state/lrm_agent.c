/* lrm_agent.c - execute one LRM job with the resource plugins of the
 * environment. The same code runs inline in the
 * simulator and inside a worker process of the real LRM. */
#include <stdlib.h>
#include <string.h>

#include "state/lrm.h"
#include "state/str.h"

static int exec_start(const struct ha_env *env, const char *sid)
{
    if (env->res_check_running(env->ctx, sid)) {
        return LRM_SUCCESS;
    }
    env_log(env, HA_INFO, "starting service %s", sid);
    env->res_start(env->ctx, sid);
    if (env->res_check_running(env->ctx, sid)) {
        env_log(env, HA_INFO, "service status %s started", sid);
        return LRM_SUCCESS;
    }
    env_log(env, HA_WARNING, "unable to start service %s", sid);
    return LRM_ERROR;
}

static int exec_stop(const struct ha_env *env, const struct lrm_job *job)
{
    if (!env->res_check_running(env->ctx, job->sid)) {
        return LRM_SUCCESS;
    }
    if (job->timeout != NULL) {
        env_log(env, HA_INFO, "stopping service %s (timeout=%s)", job->sid, job->timeout);
    } else {
        env_log(env, HA_INFO, "stopping service %s", job->sid);
    }
    env->res_shutdown(env->ctx, job->sid, job->timeout);
    if (!env->res_check_running(env->ctx, job->sid)) {
        env_log(env, HA_INFO, "service status %s stopped", job->sid);
        return LRM_SUCCESS;
    }
    env_log(env, HA_INFO, "unable to stop service %s (still running)", job->sid);
    return LRM_ERROR;
}

static int exec_move(const struct ha_env *env, const struct lrm_job *job, const struct svc_conf *cd)
{
    if (job->target == NULL) {
        env_log(
            env, HA_ERR, "%s '%s' failed - no target node given", svc_state_name(job->state),
            job->sid
        );
        return -1;
    }
    if (str_eq(cd->node, job->target)) {
        return LRM_SUCCESS;
    }
    if (job->state == SS_REQUEST_START_BALANCE && env->res_check_running(env->ctx, job->sid)) {
        env_log(
            env, HA_INFO, "ignoring rebalance-on-start for service %s - already running", job->sid
        );
        return LRM_IGNORED;
    }
    if (!env->res_migrate(env->ctx, job->sid, job->target, job->state == SS_MIGRATE)) {
        env_log(env, HA_ERR, "service %s not moved (migration error)", job->sid);
        return LRM_ERROR;
    }
    return LRM_SUCCESS;
}

static int
exec_with_config(const struct ha_env *env, const struct lrm_job *job, const struct svc_conf *cd)
{
    enum svc_state st = job->state;

    if (st == SS_ERROR) {
        env_log(
            env, HA_ERR,
            "service %s is in an error state and needs manual intervention. Look up "
            "'ERROR RECOVERY' in the documentation.",
            job->sid
        );
        return LRM_SUCCESS;
    }
    if (!str_eq(cd->node, env->node)) {
        env_log(env, HA_ERR, "service '%s' not on this node", job->sid);
        return LRM_EWRONG_NODE;
    }
    switch (st) {
    case SS_STARTED:
        return exec_start(env, job->sid);
    case SS_REQUEST_STOP:
    case SS_STOPPED:
        return exec_stop(env, job);
    case SS_MIGRATE:
    case SS_RELOCATE:
    case SS_REQUEST_START_BALANCE:
        return exec_move(env, job, cd);
    default:
        env_log(env, HA_ERR, "implement me (cmd '%s')", svc_state_name(st));
        return LRM_EUNKNOWN_COMMAND;
    }
}

int lrm_exec_job(const struct ha_env *env, const struct lrm_job *job)
{
    const char *colon = strchr(job->sid, ':');
    char *type = xstrndup(job->sid, colon ? (size_t)(colon - job->sid) : strlen(job->sid));
    struct svc_config sc = {0};
    char *err = NULL;
    int rc;

    if (!env->res_type_known(env->ctx, type)) {
        env_log(env, HA_ERR, "service type '%s' not implemented", type);
        rc = LRM_EUNKNOWN_SERVICE_TYPE;
    } else if (!job->have_conf && env->read_service_config(env->ctx, &sc, &err) != 0) {
        env_log(env, HA_ERR, "%s", err ? err : "unable to read service config");
        rc = -1;
    } else {
        const struct svc_conf *cd = job->have_conf ? job->conf : svc_config_find(&sc, job->sid);
        if (cd == NULL) {
            env_log(env, HA_ERR, "missing resource configuration for '%s'", job->sid);
            rc = LRM_EUNKNOWN_SERVICE;
        } else {
            rc = exec_with_config(env, job, cd);
        }
    }
    free(err);
    free(type);
    svc_config_free(&sc);
    return rc;
}
