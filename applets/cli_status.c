/* cli_status.c - `ha-manager status` (ha-stack.md 7.4, 12.10): the entries
 * of upstream's GET /cluster/ha/status/current, printed as "<type>
 * <status>" lines or as JSON, and the --verbose full cluster state.
 * status_entries() is a pure function of the file contents and the time;
 * the work is O(services log nodes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applets/applet.h"
#include "applets/cli.h"
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

static cJSON *entry(cJSON *arr, const char *id, const char *type, const char *node)
{
    cJSON *e = cJSON_CreateObject();

    cli_json_add_str(e, "id", id);
    cli_json_add_str(e, "type", type);
    cli_json_add_str(e, "node", node);
    cJSON_AddItemToArray(arr, e);
    return e;
}

static void set_status(cJSON *e, char *text)
{
    cli_json_add_str(e, "status", text);
    free(text);
}

static bool master_active(const struct status_in *in)
{
    const struct manager_status *ms = in->ms;

    return ms->master_node != NULL && ms->timestamp != 0 &&
           strcmp(ts_status(in->now, ms->timestamp), "active") == 0;
}

static void add_master(cJSON *arr, const struct status_in *in)
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
    cJSON *e = entry(arr, "master", "master", ms->master_node);
    set_status(e, xasprintf("%s (%s, %s)%s", ms->master_node, st, when, strbuf_str(&extra)));
    cli_json_add_int(e, "timestamp", ms->timestamp);
    strbuf_free(&extra);
}

static void add_fencing(cJSON *arr, const struct status_in *in)
{
    const struct manager_status *ms = in->ms;
    cJSON *e = entry(arr, "fencing", "fencing", ms->master_node ? ms->master_node : in->local);

    if (ms->disarm_mode != NULL) {
        const char *state = ms->disarm_state ? ms->disarm_state : "disarming";
        bool released = strcmp(state, "disarmed") == 0;
        set_status(
            e, xasprintf(
                   "%s, resource mode: %s (CRM watchdog %s)", state, ms->disarm_mode,
                   released ? "released" : "active"
               )
        );
        cli_json_add_str(e, "armed-state", state);
        cli_json_add_str(e, "resource_mode", ms->disarm_mode);
    } else if (master_active(in)) {
        set_status(e, xstrdup("armed (CRM watchdog active)"));
        cli_json_add_str(e, "armed-state", "armed");
    } else {
        set_status(e, xstrdup("standby (CRM watchdog standby)"));
        cli_json_add_str(e, "armed-state", "standby");
    }
}

/* Services counted as active on each node of the node status, as upstream
 * count_active_services: not stopped, frozen or in error. */
static size_t *active_counts(const struct manager_status *ms)
{
    size_t *count = xcalloc(ms->n_nodes + 1, sizeof(*count));

    for (size_t i = 0; i < ms->n_svcs; i++) {
        const struct sd *sd = &ms->svcs[i];
        if (sd->node == NULL || sd->state == SS_NONE || sd->state == SS_STOPPED ||
            sd->state == SS_FREEZE || sd->state == SS_ERROR) {
            continue;
        }
        const struct node_entry *n = ms_find_node(ms, sd->node);
        if (n != NULL) {
            count[n - ms->nodes]++;
        }
    }
    return count;
}

static void add_lrm(cJSON *arr, const struct status_in *in, size_t i, size_t active)
{
    const char *node = in->ms->nodes[i].node;
    const struct lrm_status *ls = &in->lrm[i];
    char *id = xasprintf("lrm:%s", node), when[64];
    cJSON *e = entry(arr, id, "lrm", node);

    free(id);
    if (!in->lrm_ok[i]) {
        set_status(e, xasprintf("%s (unable to read lrm status)", node));
        return;
    }
    const char *mode = ls->mode && ls->mode[0] ? ls->mode : "active";
    const char *state = ls->state && ls->state[0] ? ls->state : "unknown";
    const char *ts = ts_status(in->now, ls->timestamp);
    bool fresh = strcmp(ts, "active") == 0;
    char *st;

    if (fresh && strcmp(mode, "active") != 0) {
        st = xasprintf("%s mode", mode);
    } else if (fresh) {
        st = xstrdup(strcmp(state, "wait_for_agent_lock") == 0 && active == 0 ? "idle" : state);
    } else if (strcmp(mode, "maintenance") == 0 || strcmp(mode, "disarm") == 0) {
        st = xasprintf("%s mode", mode);
    } else {
        st = xstrdup(ts);
    }
    const char *wd = fresh && (strcmp(state, "active") == 0 || strcmp(state, "maintenance") == 0)
                         ? "active"
                     : strcmp(mode, "disarm") == 0 ? "released"
                                                   : "standby";
    fmt_time(ls->timestamp, when, sizeof(when));
    set_status(e, xasprintf("%s (%s, watchdog %s, %s)", node, st, wd, when));
    cli_json_add_int(e, "timestamp", ls->timestamp);
    free(st);
}

/* Upstream get_verbose_service_state. */
static const char *verbose_state(const struct sd *sd, const struct svc_conf *sc)
{
    if (sc == NULL) {
        return "deleting";
    }
    const char *req = sc->state ? sc->state : "ignored";
    if (strcmp(req, "ignored") == 0) {
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
        return strcmp(req, "started") == 0    ? "starting"
               : strcmp(req, "disabled") == 0 ? "disabled"
                                              : "stopped";
    case SS_STARTED:
        if (!sd->running) {
            return "starting";
        }
        return strcmp(req, "stopped") == 0 || strcmp(req, "disabled") == 0 ? "stopping" : "started";
    case SS_ERROR:
        return strcmp(req, "disabled") == 0 ? "clearing error flag" : "error";
    default:
        return svc_state_name(sd->state);
    }
}

static void add_service(
    cJSON *arr,
    const struct status_in *in,
    const char *sid,
    const struct sd *sd,
    const struct svc_conf *sc
)
{
    const char *node = sd && sd->node ? sd->node : sc ? sc->node : NULL;
    bool ignore_mode = in->ms->disarm_mode && strcmp(in->ms->disarm_mode, "ignore") == 0;
    const char *state = ignore_mode ? "ignore" : verbose_state(sd, sc);
    char *id = xasprintf("service:%s", sid);
    cJSON *e = entry(arr, id, "service", node);

    free(id);
    set_status(e, xasprintf("%s (%s, %s)", sid, node ? node : "---", state));
    cli_json_add_str(e, "sid", sid);
    cli_json_add_str(e, "state", state);
    if (sd != NULL && sd->state != SS_NONE) {
        cli_json_add_str(e, "crm_state", svc_state_name(sd->state));
    }
    if (sc != NULL) {
        cli_json_add_str(e, "request_state", sc->state);
        cli_json_add_int(e, "max_restart", sc->max_restart);
        cli_json_add_int(e, "max_relocate", sc->max_relocate);
        cli_json_add_int(e, "failback", sc->failback ? 1 : 0);
        cli_json_add_str(e, "comment", sc->comment);
        cli_json_add_str(e, "group", sc->group);
    }
}

cJSON *status_entries(const struct status_in *in)
{
    const struct manager_status *ms = in->ms;
    cJSON *arr = cJSON_CreateArray();
    cJSON *q = entry(arr, "quorum", "quorum", in->local);
    size_t *active = active_counts(ms);

    set_status(q, in->quorate ? xstrdup("OK") : xasprintf("No quorum on node '%s'!", in->local));
    cli_json_add_int(q, "quorate", in->quorate ? 1 : 0);
    add_master(arr, in);
    add_fencing(arr, in);
    for (size_t i = 0; i < ms->n_nodes; i++) {
        add_lrm(arr, in, i, active[i]);
    }
    free(active);
    /* Both lists are sorted by sid: one merge walk. */
    for (size_t i = 0; i < ms->n_svcs; i++) {
        add_service(
            arr, in, ms->svcs[i].sid, &ms->svcs[i], svc_config_find(in->sc, ms->svcs[i].sid)
        );
    }
    for (size_t i = 0, j = 0; i < in->sc->n; i++) {
        const char *sid = in->sc->v[i].sid;
        while (j < ms->n_svcs && strcmp(ms->svcs[j].sid, sid) < 0) {
            j++;
        }
        if (j < ms->n_svcs && strcmp(ms->svcs[j].sid, sid) == 0) {
            continue;
        }
        add_service(arr, in, sid, NULL, &in->sc->v[i]);
    }
    return arr;
}

static void print_text(const cJSON *arr)
{
    struct strbuf sb = {0};
    const cJSON *e;

    cJSON_ArrayForEach(e, arr)
    {
        strbuf_addf(
            &sb, "%s %s\n", cJSON_GetObjectItemCaseSensitive(e, "type")->valuestring,
            cJSON_GetObjectItemCaseSensitive(e, "status")->valuestring
        );
    }
    fwrite(strbuf_str(&sb), 1, sb.len, stdout);
    strbuf_free(&sb);
}

/* {lrm_status: {node: raw}, manager_status: raw, quorum: {node, quorate}};
 * unreadable files show as {}. */
static cJSON *full_state(struct cli *c, const char *ms_raw, const struct manager_status *ms)
{
    cJSON *root = cJSON_CreateObject(), *lrm = cJSON_CreateObject(), *q = cJSON_CreateObject();
    cJSON *m = ms_raw ? cJSON_Parse(ms_raw) : NULL;

    for (size_t i = 0; i < ms->n_nodes; i++) {
        char *path = xasprintf("nodes/%s/lrm_status", ms->nodes[i].node), *text = NULL, *err = NULL;
        size_t len;
        cJSON *l = NULL;
        if (kv_read(c->kv, path, &text, &len, &err) == 0) {
            l = cJSON_Parse(text);
        }
        cJSON_AddItemToObject(lrm, ms->nodes[i].node, l ? l : cJSON_CreateObject());
        free(text);
        free(err);
        free(path);
    }
    cJSON_AddItemToObject(root, "lrm_status", lrm);
    cJSON_AddItemToObject(root, "manager_status", m ? m : cJSON_CreateObject());
    cli_json_add_str(q, "node", c->conf.node);
    cli_json_add_int(q, "quorate", cli_quorate(c) ? 1 : 0);
    cJSON_AddItemToObject(root, "quorum", q);
    return root;
}

static void
load_lrms(struct cli *c, const struct manager_status *ms, struct lrm_status *lrm, bool *ok)
{
    for (size_t i = 0; i < ms->n_nodes; i++) {
        char *path = xasprintf("nodes/%s/lrm_status", ms->nodes[i].node), *text = NULL, *err = NULL;
        size_t len;
        ok[i] = kv_read(c->kv, path, &text, &len, &err) == 0 && text != NULL &&
                lrm_status_from_json(text, &lrm[i], NULL) == 0 && lrm[i].timestamp != 0;
        free(text);
        free(err);
        free(path);
    }
}

int cli_status(struct cli *c)
{
    struct manager_status ms;
    struct svc_config sc;
    char *raw = NULL;
    int rc;

    if ((rc = cli_load_ms(c, &ms, &raw)) != 0) {
        return rc;
    }
    if ((rc = cli_load_resources(c, &sc, NULL)) != 0) {
        ms_free(&ms);
        free(raw);
        return rc;
    }
    struct lrm_status *lrm = xcalloc(ms.n_nodes + 1, sizeof(*lrm));
    bool *ok = xcalloc(ms.n_nodes + 1, sizeof(*ok));
    char *crs = cli_crs_mode(c);
    struct status_in in = {
        .local = c->conf.node,
        .quorate = cli_quorate(c),
        .now = (int64_t)time(NULL),
        .ms = &ms,
        .lrm = lrm,
        .lrm_ok = ok,
        .sc = &sc,
        .crs_ha = crs,
    };
    load_lrms(c, &ms, lrm, ok);
    cJSON *entries = status_entries(&in);
    const char *verbose = cli_param(c, "verbose");
    bool full = verbose && strcmp(verbose, "1") == 0;

    if (c->fmt == FMT_TEXT) {
        print_text(entries);
        if (full) {
            cJSON *st = full_state(c, raw, &ms);
            fputs("full cluster state:\n", stdout);
            cli_json_print(st, true);
            cJSON_Delete(st);
        }
    } else if (full) {
        cJSON *st = full_state(c, raw, &ms);
        cli_json_output(c, st);
        cJSON_Delete(st);
    } else {
        cli_json_output(c, entries);
    }
    cJSON_Delete(entries);
    for (size_t i = 0; i < ms.n_nodes; i++) {
        lrm_status_free(&lrm[i]);
    }
    free(lrm);
    free(ok);
    free(crs);
    free(raw);
    ms_free(&ms);
    svc_config_free(&sc);
    return EXIT_OK;
}
