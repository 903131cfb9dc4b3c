/* sim_run.c - the round scheduler (applets/sim/README.md): one pass over the
 * sorted nodes per round (CRM slot, LRM slot, watchdog sweep), per-daemon
 * clocks, 20 s rounds, command slots every fifth round and the end rule. */
#include "applets/sim/sim_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "state/crm.h"
#include "state/lrm.h"

static void set_t(struct sim *sim, int64_t clock)
{
    if (clock > sim->t) {
        sim->t = clock;
    }
}

/* The node's flag decides what a daemon exit leads to. */
static void crm_exited(struct sim *sim, struct sim_node *n)
{
    char *flag = xstrdup(n->shutdown);
    char *off = xasprintf("power %s off", n->name);

    sim_log_line(sim, "info", n->crm_d.clock, n->crm_d.actor, "exit (loop end)");
    crm_free(n->crm);
    n->crm = NULL;
    if (str_eq(flag, "reboot")) {
        char *on = xasprintf("power %s on", n->name);

        if (sim_hw_cmd(sim, off, flag) == 0) {
            sim_hw_cmd(sim, on, flag);
        }
        free(on);
    } else if (str_eq(flag, "shutdown")) {
        sim_hw_cmd(sim, off, flag);
    } else if (!n->crm_stop) {
        sim_abort(sim, "unexpected CRM exit");
    }
    n->crm_stop = false;
    free(off);
    free(flag);
}

static void lrm_exited(struct sim *sim, struct sim_node *n)
{
    sim_log_line(sim, "info", n->lrm_d.clock, n->lrm_d.actor, "exit (loop end)");
    lrm_free(n->lrm);
    n->lrm = NULL;
    if (n->lrm_restart) {
        /* A restart wins over a pending node shutdown (the reference
         * simulator does so; upstream's scenarios never do it). */
        n->lrm_restart = false;
        sim_lrm_create(sim, n);
    } else if (str_eq(n->shutdown, "reboot") || str_eq(n->shutdown, "shutdown")) {
        char *cmd = xasprintf("crm %s stop", n->name);
        char *flag = xstrdup(n->shutdown);

        sim_hw_cmd(sim, cmd, flag);
        free(flag);
        free(cmd);
    } else {
        sim_abort(sim, "unexpected LRM exit");
    }
}

static void crm_slot(struct sim *sim, struct sim_node *n, bool first)
{
    bool alive;

    if (n->crm == NULL) {
        return;
    }
    if (sim->skip_crm > 0) {
        if (first) {
            sim_logf(sim, "info", "run-loop", "skipping CRM round");
        }
        return;
    }
    n->crm_d.clock = sim->t;
    alive = crm_iterate(n->crm, &n->crm_d.env);
    if (sim->abort_err != NULL) {
        return; /* an exception ends the slot before its clock moves on */
    }
    n->crm_d.clock++;
    set_t(sim, n->crm_d.clock);
    if (!alive && sim->abort_err == NULL) {
        crm_exited(sim, n);
    }
}

static void lrm_slot(struct sim *sim, struct sim_node *n, bool first)
{
    bool alive;

    if (n->lrm == NULL) {
        return;
    }
    if (sim->skip_lrm > 0) {
        if (first) {
            sim_logf(sim, "info", "run-loop", "skipping LRM round");
        }
        return;
    }
    n->lrm_d.clock = sim->t;
    alive = lrm_iterate(n->lrm, &n->lrm_d.env);
    if (sim->abort_err != NULL) {
        return; /* an exception ends the slot before its clock moves on */
    }
    n->lrm_d.clock++;
    set_t(sim, n->lrm_d.clock);
    if (!alive && sim->abort_err == NULL) {
        lrm_exited(sim, n);
    }
}

/* One pass over all nodes; false once the run was aborted. */
static bool run_round(struct sim *sim)
{
    int64_t start = sim->t;
    int64_t looptime = sim->n_nodes * 2 > 20 ? (int64_t)sim->n_nodes * 2 : 20;

    for (size_t i = 0; i < sim->n_nodes && sim->abort_err == NULL; i++) {
        crm_slot(sim, &sim->nodes[i], i == 0);
        if (sim->abort_err == NULL) {
            lrm_slot(sim, &sim->nodes[i], i == 0);
        }
        if (sim->abort_err == NULL) {
            sim_wd_sweep(sim);
        }
    }
    if (sim->abort_err != NULL) {
        return false;
    }
    sim->skip_crm -= sim->skip_crm > 0;
    sim->skip_lrm -= sim->skip_lrm > 0;
    if (sim->t - start < looptime) {
        sim->t = start + looptime;
    }
    if (sim->t > SIM_MAX_TIME) {
        sim_abort(sim, "max time");
        return false;
    }
    for (size_t i = 0; i < sim->n_nodes; i++) {
        sim->nodes[i].crm_d.clock = sim->nodes[i].lrm_d.clock = sim->t;
    }
    return true;
}

static bool all_digits(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

/* Digits as a count, saturated: a delay or skip beyond the time limit
 * (10000 s, at most 500 rounds) behaves the same at any size, and a
 * saturated value can never overflow the clock or the skip counters. */
#define SCHED_NUM_MAX 1000000

static int sched_num(const char *digits)
{
    long v = 0;

    for (; *digits != '\0' && v < SCHED_NUM_MAX; digits++) {
        v = v * 10 + (*digits - '0');
    }
    return v < SCHED_NUM_MAX ? (int)v : SCHED_NUM_MAX;
}

/* Up to four whitespace-separated words of cmd; returns their count. */
static int words(const char *cmd, char w[4][32])
{
    int n = 0;

    while (*cmd != '\0') {
        size_t len;

        cmd += strspn(cmd, " \t\n\r\f\v");
        len = strcspn(cmd, " \t\n\r\f\v");
        if (len == 0) {
            break;
        }
        if (n == 4 || len >= 32) {
            return 5;
        }
        memcpy(w[n], cmd, len);
        w[n++][len] = '\0';
        cmd += len;
    }
    return n;
}

enum sched_kind { SCHED_NONE, SCHED_DELAY, SCHED_SKIP_CRM, SCHED_SKIP_LRM };

/* The scheduler's commands: "delay N", "skip-round crm|lrm [N]"; *num the
 * count (saturated). */
static enum sched_kind sched_parse(const char *cmd, int *num)
{
    char w[4][32];
    int n = isspace((unsigned char)cmd[0]) ? 0 : words(cmd, w);

    if (n == 2 && strcmp(w[0], "delay") == 0 && all_digits(w[1])) {
        *num = sched_num(w[1]);
        return SCHED_DELAY;
    }
    if ((n != 2 && n != 3) || strcmp(w[0], "skip-round") != 0 || (n == 3 && !all_digits(w[2]))) {
        return SCHED_NONE;
    }
    *num = n == 3 ? sched_num(w[2]) : 1;
    if (strcmp(w[1], "crm") == 0) {
        return SCHED_SKIP_CRM;
    }
    return strcmp(w[1], "lrm") == 0 ? SCHED_SKIP_LRM : SCHED_NONE;
}

bool sim_sched_form(const char *cmd)
{
    int num;

    return sched_parse(cmd, &num) != SCHED_NONE;
}

/* delay and skip-round belong to the scheduler; true = handled here. */
static bool sched_cmd(struct sim *sim, const char *cmd)
{
    int num = 0, *counter;
    enum sched_kind k = sched_parse(cmd, &num);

    if (k == SCHED_NONE) {
        return false;
    }
    sim_logf(sim, "info", "cmdlist", "execute %s", cmd);
    if (k == SCHED_DELAY) {
        sim->next_cmd_at = sim->t + num;
        return true;
    }
    counter = k == SCHED_SKIP_CRM ? &sim->skip_crm : &sim->skip_lrm;
    *counter += num;
    if (*counter > SCHED_NUM_MAX) {
        *counter = SCHED_NUM_MAX;
    }
    return true;
}

static void run_batch(struct sim *sim, char **batch)
{
    for (size_t i = 0; batch[i] != NULL && sim->abort_err == NULL; i++) {
        sim->last_cmd_time = sim->t;
        if (!sched_cmd(sim, batch[i])) {
            sim_hw_cmd(sim, batch[i], "cmdlist");
        }
    }
}

/* A command slot; false when the simulation ends here. */
static bool cmd_slot(struct sim *sim)
{
    char **batch;

    if (sim->next_batch < sim->n_batches) {
        run_batch(sim, sim->batches[sim->next_batch++]);
        return sim->abort_err == NULL;
    }
    if (sim->more != NULL && (batch = sim->more(sim->more_ctx, sim)) != NULL) {
        run_batch(sim, batch); /* exactly as if it had been in the cmdlist */
        for (size_t i = 0; batch[i] != NULL; i++) {
            free(batch[i]);
        }
        free(batch);
        return sim->abort_err == NULL;
    }
    sim->more = NULL; /* its input has ended */
    return sim->t - sim->last_cmd_time <= 500;
}

void sim_run(struct sim *sim)
{
    sim_logf(sim, "info", "hardware", "starting simulation");
    for (;;) {
        if (!run_round(sim)) {
            break;
        }
        if (sim->t < sim->next_cmd_at) {
            continue;
        }
        if (sim->loop_count % 5 == 0 && !cmd_slot(sim)) {
            break;
        }
        sim->loop_count++;
    }
    if (sim->abort_err != NULL) {
        sim_logf(sim, "err", "hardware", "exit simulation - %s ", sim->abort_err);
    } else {
        sim_logf(sim, "info", "hardware", "exit simulation - done");
    }
}
