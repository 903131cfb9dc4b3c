/* metrics.c - the daemon's numbers in Prometheus text (README.md, "Metrics"):
 * counters and histograms fed by the other daemon files, the master's view
 * of nodes and services taken from the manager status it writes, and the
 * atomic metrics file. One daemon per process: the state is static. */
#include "applets/daemon/metrics_text.h"
#include "applets/daemon/obs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cJSON.h"

#define AGENT_ROWS 24 /* type x action pairs kept; more share one row */

static const double lock_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const double agent_bounds[] = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800};

struct agent_row {
    char type[32], action[16];
    struct mt_hist h;
    uint64_t failures;
};

/* one (state, node) count of the manager status */
struct count_row {
    char *state, *node;
    uint64_t n;
};

static struct {
    bool on;
    const char *role, *node;
    struct mt_hist renew;
    uint64_t renew_failures, store_errors, fences, fences_ok, recoveries, errors;
    uint64_t notify_dropped, notify_runs, rounds;
    double round_s;
    char state[32];
    int wd_open;
    struct timespec wd_fed;
    struct agent_row agents[AGENT_ROWS];
    size_t n_agents;
    /* the master's view, from its last manager status */
    struct count_row *svcs, *nodes;
    size_t n_svcs, n_nodes;
    char *master;
} M;

/* The job's word in the metrics: the agent's verb where there is one. */
static const char *action_word(const char *state)
{
    if (str_eq(state, "started")) {
        return "start";
    }
    if (str_eq(state, "request_stop") || str_eq(state, "stopped")) {
        return "stop";
    }
    return state;
}

void metrics_init(const char *role, const char *node)
{
    M.on = true;
    M.role = role;
    M.node = node;
    M.renew.bounds = lock_bounds;
    M.renew.n_bounds = sizeof(lock_bounds) / sizeof(lock_bounds[0]);
}

bool metrics_enabled(void)
{
    return M.on;
}

void metrics_event(const struct ha_event *ev)
{
    if (str_eq(ev->kind, "fence_started")) {
        M.fences++;
    } else if (str_eq(ev->kind, "fence_succeeded")) {
        M.fences_ok++;
    } else if (str_eq(ev->kind, "service_recovered")) {
        M.recoveries++;
    } else if (str_eq(ev->kind, "service_error")) {
        M.errors++;
    }
}

void metrics_lock_renewal(double seconds, bool ok)
{
    mt_hist_observe(&M.renew, seconds);
    M.renew_failures += !ok;
}

void metrics_watchdog(int what)
{
    M.wd_open = what != 2;
    if (what != 2) {
        clock_gettime(CLOCK_MONOTONIC, &M.wd_fed);
    }
}

void metrics_store_error(void)
{
    M.store_errors++;
}

void metrics_notify(bool dropped)
{
    if (dropped) {
        M.notify_dropped++;
    } else {
        M.notify_runs++;
    }
}

void metrics_agent_call(const char *sid, const char *action, double seconds, bool ok)
{
    size_t tl = strcspn(sid, ":");
    struct agent_row *r = NULL;
    char type[32];

    action = action_word(action);
    snprintf(type, sizeof(type), "%.*s", (int)(tl < 31 ? tl : 31), sid);
    for (size_t i = 0; i < M.n_agents && r == NULL; i++) {
        if (str_eq(M.agents[i].type, type) && str_eq(M.agents[i].action, action)) {
            r = &M.agents[i];
        }
    }
    if (r == NULL && M.n_agents == AGENT_ROWS) {
        r = &M.agents[AGENT_ROWS - 1]; /* bounded: the last row takes the rest */
        snprintf(r->type, sizeof(r->type), "other");
    } else if (r == NULL) {
        r = &M.agents[M.n_agents++];
        snprintf(r->type, sizeof(r->type), "%s", type);
        snprintf(r->action, sizeof(r->action), "%s", action);
        r->h.bounds = agent_bounds;
        r->h.n_bounds = sizeof(agent_bounds) / sizeof(agent_bounds[0]);
    }
    mt_hist_observe(&r->h, seconds);
    r->failures += !ok;
}

static void rows_free(struct count_row **v, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free((*v)[i].state);
        free((*v)[i].node);
    }
    free(*v);
    *v = NULL;
    *n = 0;
}

static void rows_add(struct count_row **v, size_t *n, const char *state, const char *node)
{
    for (size_t i = 0; i < *n; i++) {
        if (str_eq((*v)[i].state, state) && str_eq((*v)[i].node, node)) {
            (*v)[i].n++;
            return;
        }
    }
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[*n].state = xstrdup(state);
    (*v)[*n].node = xstrdup(node);
    (*v)[(*n)++].n = 1;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : "";
}

void metrics_manager_status(const char *json)
{
    cJSON *root = M.on ? cJSON_Parse(json) : NULL;
    const cJSON *e;

    if (root == NULL) {
        return;
    }
    rows_free(&M.svcs, &M.n_svcs);
    rows_free(&M.nodes, &M.n_nodes);
    free(M.master);
    M.master = xstrdup(str_of(root, "master_node"));
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "service_status"))
    {
        rows_add(&M.svcs, &M.n_svcs, str_of(e, "state"), str_of(e, "node"));
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "node_status"))
    {
        rows_add(&M.nodes, &M.n_nodes, cJSON_IsString(e) ? e->valuestring : "", e->string);
    }
    cJSON_Delete(root);
}

void metrics_round(double seconds, const char *state)
{
    M.rounds++;
    M.round_s = seconds;
    snprintf(M.state, sizeof(M.state), "%s", state);
    if (!str_eq(state, "master")) { /* only a master's view is current */
        rows_free(&M.svcs, &M.n_svcs);
        rows_free(&M.nodes, &M.n_nodes);
        free(M.master);
        M.master = NULL;
    }
}

/* A counter or gauge with only the daemon label. */
static void
simple(struct strbuf *sb, const char *name, const char *type, const char *help, double v)
{
    struct mt_label l[] = {{"daemon", M.role}};

    mt_family(sb, name, type, help);
    mt_sample(sb, name, l, 1, v);
}

static void render_cluster(struct strbuf *sb)
{
    mt_family(sb, "haven_services", "gauge", "Services by state and node (the master's view).");
    for (size_t i = 0; i < M.n_svcs; i++) {
        struct mt_label l[] = {
            {"daemon", M.role}, {"state", M.svcs[i].state}, {"node", M.svcs[i].node}};
        mt_sample(sb, "haven_services", l, 3, (double)M.svcs[i].n);
    }
    mt_family(sb, "haven_nodes", "gauge", "Nodes by state (the master's view).");
    for (size_t i = 0; i < M.n_nodes; i++) {
        struct mt_label l[] = {
            {"daemon", M.role}, {"state", M.nodes[i].state}, {"node", M.nodes[i].node}};
        mt_sample(sb, "haven_nodes", l, 3, 1);
    }
    mt_family(
        sb, "haven_master", "gauge", "1 for the node whose CRM is master (the master's view)."
    );
    if (M.master != NULL) {
        struct mt_label l[] = {{"daemon", M.role}, {"node", M.master}};
        mt_sample(sb, "haven_master", l, 2, 1);
    }
    simple(sb, "haven_fences_total", "counter", "Fences started by this master.", (double)M.fences);
    simple(
        sb, "haven_fences_succeeded_total", "counter", "Fences acknowledged (agent lock taken).",
        (double)M.fences_ok
    );
    simple(
        sb, "haven_recoveries_total", "counter", "Services recovered from a fenced node.",
        (double)M.recoveries
    );
    simple(
        sb, "haven_service_errors_total", "counter", "Services that entered the error state.",
        (double)M.errors
    );
}

static void render_agents(struct strbuf *sb)
{
    mt_family(
        sb, "haven_agent_call_duration_seconds", "histogram",
        "Duration of the LRM's jobs (agent calls), by resource type and action."
    );
    for (size_t i = 0; i < M.n_agents; i++) {
        struct mt_label l[] = {
            {"daemon", M.role}, {"type", M.agents[i].type}, {"action", M.agents[i].action}};
        mt_hist_write(sb, "haven_agent_call_duration_seconds", l, 3, &M.agents[i].h);
    }
    mt_family(
        sb, "haven_agent_call_failures_total", "counter",
        "LRM jobs (agent calls) that did not succeed, by resource type and action."
    );
    for (size_t i = 0; i < M.n_agents; i++) {
        struct mt_label l[] = {
            {"daemon", M.role}, {"type", M.agents[i].type}, {"action", M.agents[i].action}};
        mt_sample(sb, "haven_agent_call_failures_total", l, 3, (double)M.agents[i].failures);
    }
}

void metrics_render(struct strbuf *sb)
{
    struct mt_label l[] = {{"daemon", M.role}, {"state", M.state}};
    struct timespec now;
    double age = 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (M.wd_open) {
        age =
            (double)(now.tv_sec - M.wd_fed.tv_sec) + (double)(now.tv_nsec - M.wd_fed.tv_nsec) / 1e9;
    }
    mt_family(sb, "haven_daemon_state", "gauge", "1 for the daemon's current state.");
    mt_sample(sb, "haven_daemon_state", l, 2, 1);
    simple(sb, "haven_rounds_total", "counter", "Rounds (core iterations) run.", (double)M.rounds);
    simple(sb, "haven_round_duration_seconds", "gauge", "Duration of the last round.", M.round_s);
    simple(
        sb, "haven_fencing_armed", "gauge",
        "1 while this daemon holds a watchdog connection: the node resets if it stops renewing.",
        M.wd_open
    );
    simple(
        sb, "haven_watchdog_feed_age_seconds", "gauge",
        "Seconds since the watchdog was last fed (0 while no watchdog is open).", age
    );
    mt_family(
        sb, "haven_lock_renewal_duration_seconds", "histogram",
        "Duration of the renewals of this daemon's own lock."
    );
    mt_hist_write(sb, "haven_lock_renewal_duration_seconds", l, 1, &M.renew);
    simple(
        sb, "haven_lock_renewal_failures_total", "counter", "Renewals of a held lock that failed.",
        (double)M.renew_failures
    );
    simple(
        sb, "haven_store_errors_total", "counter", "Store operations that failed.",
        (double)M.store_errors
    );
    simple(
        sb, "haven_notify_runs_total", "counter", "Notification hooks started.",
        (double)M.notify_runs
    );
    simple(
        sb, "haven_notify_dropped_total", "counter",
        "Events dropped because the hook queue was full.", (double)M.notify_dropped
    );
    if (str_eq(M.role, "crm")) {
        render_cluster(sb);
    } else {
        render_agents(sb);
    }
}

char *metrics_file_for(const char *path, const char *role)
{
    size_t n = strlen(path);

    if (n > 5 && strcmp(path + n - 5, ".prom") == 0) {
        return xasprintf("%.*s-%s.prom", (int)(n - 5), path, role);
    }
    return xasprintf("%s-%s", path, role);
}

int metrics_write_file(const char *path, char **err)
{
    struct strbuf sb = {0};
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    size_t off = 0, len;
    const char *text;
    int rc = -1;

    metrics_render(&sb);
    text = strbuf_str(&sb);
    len = strlen(text);
    while (fd >= 0 && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    if (fd >= 0 && off == len && close(fd) == 0) {
        fd = -1;
        rc = rename(tmp, path);
    }
    if (rc != 0) {
        *err = xasprintf("unable to write metrics file '%s' - %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        unlink(tmp);
    }
    free(tmp);
    strbuf_free(&sb);
    return rc;
}
