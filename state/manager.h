/* manager.h - the master's decision logic: node states,
 * service state machine, fencing, recovery, CRM commands, disarm, rules and
 * CRS. Created when a CRM becomes master, dropped when it stops being one. */
#ifndef HAVEN_MANAGER_H
#define HAVEN_MANAGER_H

#include <stdbool.h>

#include "state/env.h"

struct manager;

/* Reads the manager status; logs "using scheduler mode ..." if not basic. */
struct manager *manager_new(const struct ha_env *env);
void manager_free(struct manager *m);
/* One manage() round; -1 with *err (caller frees) when the round aborted. */
int manager_round(struct manager *m, const struct ha_env *env, char **err);
/* The disarm state is "disarmed" (all LRMs released their watchdogs). */
bool manager_fully_disarmed(const struct manager *m);

#endif
