/* sim.h - the simulated cluster of the regression tester (applets/sim/README.md).
 *
 * A scenario folder (cmdlist, hardware_status, manager_status, ...) seeds an
 * in-memory cluster of nodes with simulated power, network, cluster file
 * system, locks, watchdogs and resources. Each node runs the real CRM and
 * LRM state machines of state/ against a struct ha_env that this module
 * fills in. sim_run() drives the round scheduler on a virtual clock and
 * writes the log line by line; it never reads the wall clock. */
#ifndef HAVEN_SIM_H
#define HAVEN_SIM_H

#include <stdio.h>

struct sim;

/* Read a scenario folder (never written to). On error returns NULL and a
 * malloc'd one-line *err naming the file (caller frees). Caller frees the
 * result with sim_free(). */
struct sim *sim_load(const char *dir, char **err);
/* The same with flags: SIM_CMDLIST_OPTIONAL takes a missing cmdlist as empty. */
#define SIM_CMDLIST_OPTIONAL 1u
struct sim *sim_load_flags(const char *dir, unsigned flags, char **err);
void sim_free(struct sim *sim);

/* Write log lines to log (required) and echo them to echo (may be NULL). */
void sim_set_output(struct sim *sim, FILE *log, FILE *echo);

/* Where the commands of each command slot come from once the cmdlist's
 * batches are used up (by default nowhere). fn returns a NULL-terminated
 * batch (the simulator frees it and its strings; an empty one is a slot
 * without commands), or NULL when its input has ended: the run then goes on
 * as after the last cmdlist batch, until 500 s pass without a command. */
typedef char **(*sim_batch_fn)(void *ctx, const struct sim *sim);
void sim_set_batch_source(struct sim *sim, sim_batch_fn fn, void *ctx);

/* The simulated clock, in seconds. */
long long sim_time(const struct sim *sim);

/* Nodes (hardware and the master's view) and services, as the manager status
 * last written says, in lines for an operator (caller frees). */
char *sim_status_text(const struct sim *sim);

/* The check the cmdlist gets before a run (a known command word, a known
 * node, a service id of the simulator's form): NULL if fine, else why
 * (caller frees). */
char *sim_cmd_check(const struct sim *sim, const char *cmd);
/* The check of a command typed at ha-sim's prompt: sim_cmd_check, and also
 * what would end the run if the command ran now (a service that does not
 * exist or already does, an unknown action, a missing or bad parameter), so
 * that a typo skips its line instead. earlier: the commands before it in
 * the same slot, NULL-terminated (their adds and deletes count). */
char *sim_cmd_check_now(const struct sim *sim, const char *cmd, char *const *earlier);

/* Run the whole simulation: "starting simulation" to "exit simulation - ...".
 * A runtime error ends the run with an err line, not a failure. */
void sim_run(struct sim *sim);

/* Write the runtime files of the output folder (except the log) into dir.
 * 0 ok, -1 and a malloc'd *err naming the file (caller frees). */
int sim_write_status(const struct sim *sim, const char *dir, char **err);

#endif
