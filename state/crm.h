/* crm.h - the cluster resource manager daemon's state machine
 * (state/README.md). One struct crm per node; one iteration per loop. */
#ifndef HAVEN_CRM_H
#define HAVEN_CRM_H

#include <stdbool.h>

#include "state/env.h"

struct crm;

/* Logs "status change startup => wait_for_quorum". Caller frees with crm_free. */
struct crm *crm_new(const struct ha_env *env);
void crm_free(struct crm *crm);
/* One daemon iteration; false = the daemon exits (after a shutdown request). */
bool crm_iterate(struct crm *crm, const struct ha_env *env);
/* Logs "server received shutdown request" the first time. */
void crm_shutdown_request(struct crm *crm, const struct ha_env *env);
const char *crm_state_name(const struct crm *crm);

#endif
