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
