/* sim_cli.h - what ha-tester and ha-sim share: the OUT_DIR check and one run
 * of a scenario folder on the simulated cluster of applets/sim/sim.h. */
#ifndef HAVEN_SIM_CLI_H
#define HAVEN_SIM_CLI_H

#include <stdbool.h>

#include "applets/sim/sim.h"

/* OUT_DIR must exist (or be creatable), be a writable directory and differ
 * from SCENARIO_DIR: 0, or -1 after a message. */
int sim_cli_prepare_out(const char *scenario, const char *out);

/* Load the folder (sim_load_flags), run it with its log echoed on stdout
 * unless quiet, and with out set write out/log and the runtime files. fn
 * (may be NULL) supplies command batches after the cmdlist. Returns the
 * applet's exit code: 2 unreadable scenario, 1 OUT_DIR not written, else 0. */
int sim_cli_run(
    const char *scenario, const char *out, bool quiet, unsigned flags, sim_batch_fn fn, void *ctx
);

#endif
