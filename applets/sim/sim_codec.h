/* sim_codec.h - the scenario's service_config JSON (sim_codec.c). */
#ifndef HAVEN_SIM_CODEC_H
#define HAVEN_SIM_CODEC_H

#include <stdbool.h>

#include "state/model.h"

/* Missing state is "disabled" ("enabled" reads as started), numbers may be
 * strings, sids must match ^(vm|ct|fa):\d+$ when strict_ids is set. 0, or
 * -1 and *err (out then empty). */
int svc_config_from_sim_json(const char *json, bool strict_ids, struct svc_config *out, char **err);
/* The same JSON, keys sorted, for the output folder. */
char *svc_config_to_sim_json(const struct svc_config *sc);

#endif
