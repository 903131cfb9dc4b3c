/* cli_status.c - `ha-manager status`: the entries
 * of upstream's GET /cluster/ha/status/current, printed as "<type>
 * <status>" lines or as JSON, and the --verbose full cluster state.
 * status_entries() is a pure function of the file contents and the time;
 * the work is O(services log nodes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/codec.h"
#include "state/str.h"

/* Upstream's staleness test of a master or LRM timestamp. */
static const char *ts_status(int64_t now, int64_t ts)
{
    int64_t d = now - ts;

    return d > 30 ? "old timestamp - dead?" : d < -2 ? "detected time drift!" : "active";
}

/* Perl's scalar localtime. */
static void fmt_time(int64_t ts, char *buf, size_t len)
{
    time_t t = (time_t)ts;
    struct tm tm;

    if (localtime_r(&t, &tm) == NULL || strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm) == 0) {
        snprintf(buf, len, "%lld", (long long)ts);
    }
}

static struct status_entry *
entry(struct status_list *l, char *id, const char *type, const char *node)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    struct status_entry *e = &l->v[l->n++];
    memset(e, 0, sizeof(*e));
    e->id = id;
    e->type = type;
    e->node = node;
    return e;
}

static bool master_active(const struct status_in *in)
{
    const struct manager_status *ms = in->ms;

    return ms->master_node != NULL && ms->timestamp != 0 &&
           strcmp(ts_status(in->now, ms->timestamp), "active") == 0;
}

static void add_master(struct status_list *l, const struct status_in *in)
{
    const struct manager_status *ms = in->ms;
    const char *st;
    char when[64];
    struct strbuf extra = {0};

    if (ms->master_node == NULL || ms->timestamp == 0) {
        return;
    }
    st = ts_status(in->now, ms->timestamp);
    if (in->quorate && strcmp(st, "active") != 0 && in->sc->n == 0) {
        st = "idle";
    }
    if (ms->disarm_mode != NULL) {
        strbuf_addf(
            &extra, " - %s, resource mode: %s", ms->disarm_state ? ms->disarm_state : "",
            ms->disarm_mode
        );
    }
    if (in->crs_ha != NULL) {
        strbuf_addf(&extra, " - %s load CRS", in->crs_ha);
    }
    fmt_time(ms->timestamp, when, sizeof(when));
    struct status_entry *e = entry(l, xstrdup("master"), "master", ms->master_node);
    e->status = xasprintf("%s (%s, %s)%s", ms->master_node, st, when, strbuf_str(&extra));
    e->has_timestamp = true;
    e->timestamp = ms->timestamp;
    strbuf_free(&extra);
}

static void add_fencing(struct status_list *l, const struct status_in *in)
{
    const struct manager_status *ms = in->ms;
    struct status_entry *e =
        entry(l, xstrdup("fencing"), "fencing", ms->master_node ? ms->master_node : in->local);

    if (ms->disarm_mode != NULL) {
        const char *state = ms->disarm_state ? ms->disarm_state : "disarming";
        bool released = strcmp(state, "disarmed") == 0;
        e->status = xasprintf(
            "%s, resource mode: %s (CRM watchdog %s)", state, ms->disarm_mode,
            released ? "released" : "active"
        );
        e->armed_state = state;
        e->resource_mode = ms->disarm_mode;
    } else if (master_active(in)) {
        e->status = xstrdup("armed (CRM watchdog active)");
        e->armed_state = "armed";
    } else {
        e->status = xstrdup("standby (CRM watchdog standby)");
        e->armed_state = "standby";
    }
}

/* Services counted as active on each node of the node status, as upstream's
 * count_active_services: on its node and on its target, unless stopped,
 * frozen, in error or only asking to start (request_start). */
static size_t *active_counts(const struct manager_status *ms)
{
    size_t *count = xcalloc(ms->n_nodes + 1, sizeof(*count));

    for (size_t i = 0; i < ms->n_svcs; i++) {
        const struct sd *sd = &ms->svcs[i];
        if (sd->state == SS_NONE || sd->state == SS_STOPPED || sd->state == SS_FREEZE ||
            sd->state == SS_ERROR || sd->state == SS_REQUEST_START) {
            continue;
        }
        const struct node_entry *n = sd->node ? ms_find_node(ms, sd->node) : NULL;
        const struct node_entry *t = sd->target ? ms_find_node(ms, sd->target) : NULL;
        if (n != NULL) {
            count[n - ms->nodes]++;
        }
        if (t != NULL && t != n) {
            count[t - ms->nodes]++;
        }
    }
    return count;
}

static void add_lrm(struct status_list *l, const struct status_in *in, size_t i, size_t active)
{
    const char *node = in->ms->nodes[i].node;
    const struct lrm_status *ls = &in->lrm[i];
    char when[64];
    struct status_entry *e = entry(l, xasprintf("lrm:%s", node), "lrm", node);

    if (!in->lrm_ok[i]) {
        e->status = xasprintf("%s (unable to read lrm status)", node);
        return;
    }
    const char *mode = ls->mode && ls->mode[0] ? ls->mode : "active";
    const char *state = ls->state && ls->state[0] ? ls->state : "unknown";
    const char *ts = ts_status(in->now, ls->timestamp);
    bool fresh = strcmp(ts, "active") == 0;
    char *st;

    bool mode_shown = fresh ? strcmp(mode, "active") != 0
                            : strcmp(mode, "maintenance") == 0 || strcmp(mode, "disarm") == 0;
    if (mode_shown) {
        st = xasprintf("%s mode", mode);
    } else if (fresh) {
        st = xstrdup(strcmp(state, "wait_for_agent_lock") == 0 && active == 0 ? "idle" : state);
    } else {
        st = xstrdup(ts);
    }
    const char *wd = fresh && (strcmp(state, "active") == 0 || strcmp(state, "maintenance") == 0)
                         ? "active"
                     : strcmp(mode, "disarm") == 0 ? "released"
                                                   : "standby";
    fmt_time(ls->timestamp, when, sizeof(when));
    e->status = xasprintf("%s (%s, watchdog %s, %s)", node, st, wd, when);
    e->has_timestamp = true;
    e->timestamp = ls->timestamp;
    free(st);
}

/* Upstream get_verbose_service_state. */
static const char *verbose_state(const struct sd *sd, const struct svc_conf *sc)
{
    if (sc == NULL) {
        return "deleting";
    }
    enum req_state req = sc->state != REQ_NONE ? sc->state : REQ_IGNORED;
    if (req == REQ_IGNORED) {
        return "ignored";
    }
    if (sc->node == NULL) {
        return "not found";
    }
    if (sd == NULL || sd->state == SS_NONE) {
        return "queued";
    }
    switch (sd->state) {
    case SS_STOPPED:
        return req == REQ_STARTED ? "starting" : req == REQ_DISABLED ? "disabled" : "stopped";
    case SS_STARTED:
        if (!sd->running) {
            return "starting";
        }
        return req == REQ_STOPPED || req == REQ_DISABLED ? "stopping" : "started";
    case SS_ERROR:
        return req == REQ_DISABLED ? "clearing error flag" : "error";
    default:
        return svc_state_name(sd->state);
    }
}

static void add_service(
    struct status_list *l,
    const struct status_in *in,
    const char *sid,
    const struct sd *sd,
    const struct svc_conf *sc
)
{
    const char *node = sd && sd->node ? sd->node : sc ? sc->node : NULL;
    bool ignore_mode = in->ms->disarm_mode && strcmp(in->ms->disarm_mode, "ignore") == 0;
    const char *state = ignore_mode ? "ignore" : verbose_state(sd, sc);
    struct strbuf id = {0}, text = {0}; /* no printf: this runs once per service */

    strbuf_add(&id, "service:");
    strbuf_add(&id, sid);
    struct status_entry *e = entry(l, strbuf_take(&id), "service", node);
    e->sid = sid;
    e->state = state;
    strbuf_add(&text, sid);
    strbuf_add(&text, " (");
    strbuf_add(&text, node ? node : "---");
    strbuf_add(&text, ", ");
    strbuf_add(&text, state);
    strbuf_add(&text, ")");
    e->status = strbuf_take(&text);
    e->crm_state = sd != NULL && sd->state != SS_NONE ? svc_state_name(sd->state) : NULL;
    e->sc = sc;
}

void status_entries(const struct status_in *in, struct status_list *l)
{
    const struct manager_status *ms = in->ms;
    struct status_entry *q = entry(l, xstrdup("quorum"), "quorum", in->local);
    size_t *active = active_counts(ms);

    q->status = in->quorate ? xstrdup("OK") : xasprintf("No quorum on node '%s'!", in->local);
    q->quorate = in->quorate ? 1 : 0;
    add_master(l, in);
    add_fencing(l, in);
    for (size_t i = 0; i < ms->n_nodes; i++) {
        add_lrm(l, in, i, active[i]);
    }
    free(active);
    /* Both lists are sorted by sid: merge walks, no lookups. */
    for (size_t i = 0, j = 0; i < ms->n_svcs; i++) {
        const char *sid = ms->svcs[i].sid;
        while (j < in->sc->n && strcmp(in->sc->v[j].sid, sid) < 0) {
            j++;
        }
        bool hit = j < in->sc->n && strcmp(in->sc->v[j].sid, sid) == 0;
        add_service(l, in, sid, &ms->svcs[i], hit ? &in->sc->v[j] : NULL);
    }
    for (size_t i = 0, j = 0; i < in->sc->n; i++) {
        const char *sid = in->sc->v[i].sid;
        while (j < ms->n_svcs && strcmp(ms->svcs[j].sid, sid) < 0) {
            j++;
        }
        if (j < ms->n_svcs && strcmp(ms->svcs[j].sid, sid) == 0) {
            continue;
        }
        add_service(l, in, sid, NULL, &in->sc->v[i]);
    }
}

void status_list_free(struct status_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].status);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* The keys of upstream's GET /cluster/ha/status/current. */
cJSON *status_json(const struct status_list *l)
{
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; i < l->n; i++) {
        const struct status_entry *e = &l->v[i];
        cJSON *o = cJSON_CreateObject();
        cli_json_add_str(o, "id", e->id);
        cli_json_add_str(o, "type", e->type);
        cli_json_add_str(o, "node", e->node);
        cli_json_add_str(o, "status", e->status);
        if (strcmp(e->type, "quorum") == 0) {
            cli_json_add_int(o, "quorate", e->quorate);
        }
        if (e->has_timestamp) {
            cli_json_add_int(o, "timestamp", e->timestamp);
        }
        cli_json_add_str(o, "armed-state", e->armed_state);
        cli_json_add_str(o, "resource_mode", e->resource_mode);
        cli_json_add_str(o, "sid", e->sid);
        cli_json_add_str(o, "state", e->state);
        cli_json_add_str(o, "crm_state", e->crm_state);
        if (e->sc != NULL) {
            cli_json_add_str(o, "request_state", svc_conf_state(e->sc));
            cli_json_add_int(o, "max_restart", e->sc->max_restart);
            cli_json_add_int(o, "max_relocate", e->sc->max_relocate);
            cli_json_add_int(o, "failback", e->sc->failback ? 1 : 0);
            cli_json_add_str(o, "comment", e->sc->comment);
            cli_json_add_str(o, "group", e->sc->group);
        }
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* One line an entry: a newline in a name from the store is escaped too. */
static void print_text(const struct status_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (str_has_ctl(l->v[i].type) || str_has_ctl(l->v[i].status)) {
            char *t = str_escaped(l->v[i].type), *s = str_escaped(l->v[i].status);
            printf("%s %s\n", t, s);
            free(t);
            free(s);
            continue;
        }
        fputs(l->v[i].type, stdout);
        putchar(' ');
        fputs(l->v[i].status, stdout);
        putchar('\n');
    }
}

/* {lrm_status: {node: raw}, manager_status: raw, quorum: {node, quorate}};
 * a missing lrm_status shows as {"mode":"unknown"}, an unreadable one as
 * {}. */
static cJSON *full_state(
    struct cli *c, const struct kv_snapshot *sn, const char *ms_raw, const struct manager_status *ms
)
{
    cJSON *root = cJSON_CreateObject(), *lrm = cJSON_CreateObject(), *q = cJSON_CreateObject();
    cJSON *m = ms_raw ? cJSON_Parse(ms_raw) : NULL;

    for (size_t i = 0; i < ms->n_nodes; i++) {
        char *path = xasprintf("nodes/%s/lrm_status", ms->nodes[i].node);
        const char *text, *err;
        size_t len;
        cJSON *l = NULL;
        int rc = kv_snap_read(sn, path, &text, &len, &err);
        if (rc == 0) {
            l = cJSON_Parse(text);
        } else if (rc == 1) { /* read_lrm_status: no file, mode unknown */
            l = cJSON_CreateObject();
            cli_json_add_str(l, "mode", "unknown");
        }
        cJSON_AddItemToObject(lrm, ms->nodes[i].node, l ? l : cJSON_CreateObject());
        free(path);
    }
    cJSON_AddItemToObject(root, "lrm_status", lrm);
    cJSON_AddItemToObject(root, "manager_status", m ? m : cJSON_CreateObject());
    cli_json_add_str(q, "node", c->conf.node);
    cli_json_add_int(q, "quorate", sn->quorate ? 1 : 0);
    cJSON_AddItemToObject(root, "quorum", q);
    return root;
}

static void load_lrms(
    const struct kv_snapshot *sn, const struct manager_status *ms, struct lrm_status *lrm, bool *ok
)
{
    for (size_t i = 0; i < ms->n_nodes; i++) {
        char *path = xasprintf("nodes/%s/lrm_status", ms->nodes[i].node);
        const char *text, *err;
        size_t len;
        ok[i] = kv_snap_read(sn, path, &text, &len, &err) == 0 &&
                lrm_status_from_json(text, &lrm[i], NULL) == 0 && lrm[i].timestamp != 0;
        free(path);
    }
}

static void print_status(
    struct cli *c,
    const struct kv_snapshot *sn,
    const struct status_list *entries,
    const char *raw,
    const struct manager_status *ms
)
{
    const char *verbose = cli_param(c, "verbose");
    bool full = verbose && strcmp(verbose, "1") == 0;
    cJSON *json = full ? full_state(c, sn, raw, ms) : NULL;

    if (c->fmt == FMT_TEXT) {
        print_text(entries);
        if (full) {
            fputs("full cluster state:\n", stdout);
            cli_json_print(json, true);
        }
    } else {
        json = json ? json : status_json(entries);
        cli_json_output(c, json);
    }
    cJSON_Delete(json);
}

/* Everything shown comes from one snapshot of the store (on etcd one
 * request, all of one revision). */
static int status_once(struct cli *c)
{
    struct kv_snapshot sn;
    struct manager_status ms;
    struct svc_config sc;
    char *raw = NULL, *dc = NULL;
    int rc;

    if ((rc = cli_snapshot(c, &sn)) != 0) {
        return rc;
    }
    if ((rc = cli_snap_ms(c, &sn, &ms, &raw)) != 0) {
        kv_snapshot_free(&sn);
        return rc;
    }
    if ((rc = cli_snap_resources_shown(c, &sn, &sc)) != 0) {
        ms_free(&ms);
        free(raw);
        kv_snapshot_free(&sn);
        return rc;
    }
    struct lrm_status *lrm = xcalloc(ms.n_nodes + 1, sizeof(*lrm));
    bool *ok = xcalloc(ms.n_nodes + 1, sizeof(*ok));
    const char *dc_text, *dc_err;
    size_t dc_len;
    if (kv_snap_read(&sn, "datacenter.cfg", &dc_text, &dc_len, &dc_err) == 0) {
        dc = cli_crs_mode_of(dc_text); /* unreadable or absent: basic */
    }
    struct status_in in = {
        .local = c->conf.node,
        .quorate = sn.quorate,
        .now = (int64_t)time(NULL),
        .ms = &ms,
        .lrm = lrm,
        .lrm_ok = ok,
        .sc = &sc,
        .crs_ha = dc,
    };
    struct status_list entries = {0};

    load_lrms(&sn, &ms, lrm, ok);
    status_entries(&in, &entries);
    print_status(c, &sn, &entries, raw, &ms);
    status_list_free(&entries);
    for (size_t i = 0; i < ms.n_nodes; i++) {
        lrm_status_free(&lrm[i]);
    }
    free(lrm);
    free(ok);
    free(dc);
    free(raw);
    ms_free(&ms);
    svc_config_free(&sc);
    kv_snapshot_free(&sn);
    return EXIT_OK;
}

int cli_status(struct cli *c)
{
    return cli_param(c, "watch") ? cli_watch(c, status_once) : status_once(c);
}
