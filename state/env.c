/* env.c - the small helpers of env.h: level names and formatted logging. */
#include "state/env.h"

#include <stdarg.h>
#include <stdlib.h>

#include "state/str.h"

const char *ha_level_name(enum ha_level l)
{
    switch (l) {
    case HA_ERR:
        return "err";
    case HA_WARNING:
        return "warning";
    case HA_NOTICE:
        return "notice";
    case HA_INFO:
        return "info";
    case HA_DEBUG:
        return "debug";
    case HA_EMAIL:
        return "email";
    case HA_QUIRK_NL:
        return "info";
    }
    return "info";
}

const char *ha_level_tag(enum ha_level l)
{
    static const char *const tags[] = {
        [HA_ERR] = "err",    [HA_WARNING] = "warn", [HA_NOTICE] = "noti",   [HA_INFO] = "info",
        [HA_DEBUG] = "debu", [HA_EMAIL] = "emai",   [HA_QUIRK_NL] = "\n\t",
    };

    return (unsigned)l < sizeof(tags) / sizeof(tags[0]) ? tags[l] : "info";
}

void env_log(const struct ha_env *env, enum ha_level level, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (env == NULL || env->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    env->log(env->ctx, level, msg);
    free(msg);
}

void env_event(
    const struct ha_env *env,
    const char *kind,
    const char *node,
    const char *sid,
    const char *from,
    const char *to
)
{
    struct ha_event ev = {kind, node, sid, from, to};

    if (env != NULL && env->event != NULL) {
        env->event(env->ctx, &ev);
    }
}

#define LOCK_ATTEMPTS 6

static const struct ha_timing upstream_timing = {
    .round = 10, .short_sleep = 5, .worker_wait = 8, .fence_delay = 60};

const struct ha_timing *env_timing(const struct ha_env *env)
{
    return env->timing != NULL ? env->timing : &upstream_timing;
}

static bool env_lock_once(const struct ha_env *env, const char *node)
{
    return node ? env->get_agent_lock(env->ctx, node) : env->get_manager_lock(env->ctx);
}

bool env_lock_attempts(const struct ha_env *env, const char *node)
{
    int64_t start = env->now(env->ctx);

    for (int i = 1;; i++) {
        if (env_lock_once(env, node)) {
            return true;
        }
        if (i >= LOCK_ATTEMPTS || env->now(env->ctx) - start > env_timing(env)->short_sleep) {
            return false;
        }
        if (env->sleep != NULL) {
            env->sleep(env->ctx, 1);
        }
    }
}
