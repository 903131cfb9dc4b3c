/* test_codec.c - model.h helpers and the codecs of codec.h: round trips,
 * defaults, every form found in the upstream test inputs, and broken input
 * (which must fail cleanly, never crash or leak). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/sim/sim_codec.h"
#include "state/codec.h"
#include "state/codec_json.h"
#include "state/env.h"
#include "state/model.h"
#include "state/str.h"
#include "test/test.h"

static void test_state_names(void)
{
    enum node_state ns = NS_ONLINE;

    for (int i = SS_NONE + 1; i < SS_COUNT; i++) {
        CHECK_INT(svc_state_parse(svc_state_name((enum svc_state)i)), i);
    }
    CHECK_STR(svc_state_name(SS_REQUEST_START_BALANCE), "request_start_balance");
    CHECK_STR(svc_state_name(SS_NONE), "");
    CHECK_INT(svc_state_parse("bogus"), SS_NONE);
    CHECK_INT(svc_state_parse(NULL), SS_NONE);
    CHECK_INT(node_state_parse("gone", &ns), 0);
    CHECK_INT(ns, NS_GONE);
    CHECK_INT(node_state_parse("up", &ns), -1);
    CHECK_STR(node_state_name(NS_UNKNOWN), "unknown");
    CHECK_STR(node_state_name(NS_MAINTENANCE), "maintenance");
    CHECK_STR(ha_level_name(HA_ERR), "err");
    CHECK_STR(ha_level_name(HA_EMAIL), "email");
}

/* Every word of the enums parses back to its value; other words are the
 * *_OTHER or unknown value, never a near match. */
static void test_enum_words(void)
{
    for (int i = LRM_MODE_UNKNOWN; i < LRM_MODE_COUNT; i++) {
        const char *w = lrm_mode_name((enum lrm_mode)i);
        CHECK_INT(lrm_mode_parse(w, strlen(w)), i);
    }
    CHECK_INT(lrm_mode_parse("restart-x", 7), LRM_MODE_RESTART); /* n bytes only */
    CHECK_INT(lrm_mode_parse("restart", 6), LRM_MODE_UNKNOWN);
    CHECK_INT(lrm_mode_parse("Active", 6), LRM_MODE_UNKNOWN);
    CHECK_INT(lrm_mode_parse(NULL, 0), LRM_MODE_UNKNOWN);
    CHECK_STR(lrm_mode_name(LRM_MODE_MAINTENANCE), "maintenance");
    for (int i = REQ_NONE + 1; i < REQ_OTHER; i++) {
        CHECK_INT(req_state_parse(req_state_name((enum req_state)i)), i);
    }
    CHECK(req_state_name(REQ_NONE) == NULL && req_state_name(REQ_OTHER) == NULL);
    CHECK_INT(req_state_parse(NULL), REQ_NONE);
    CHECK_INT(req_state_parse("enabled"), REQ_OTHER); /* the readers alias it, not the parser */
    CHECK_INT(req_state_parse(""), REQ_OTHER);
    for (int i = CMD_NONE + 1; i < CMD_OTHER; i++) {
        CHECK_INT(crm_cmd_parse(crm_cmd_name((enum crm_cmd)i)), i);
    }
    CHECK_STR(crm_cmd_name(CMD_DISABLE_NODE_MAINTENANCE), "disable-node-maintenance");
    CHECK(crm_cmd_name(CMD_NONE) == NULL && crm_cmd_name(CMD_OTHER) == NULL);
    CHECK_INT(crm_cmd_parse("Migrate"), CMD_OTHER);
    CHECK_INT(crm_cmd_parse(NULL), CMD_NONE);
}

/* A state word the simulator keeps as given is written out unchanged. */
static void test_kept_state_word(void)
{
    struct svc_config sc = {0};
    struct svc_conf *c = svc_config_add(&sc, "vm:1");
    char *json;

    c->failback = c->max_restart = c->max_relocate = 1;
    svc_conf_set_state(&sc, c, "enabled");
    json = svc_config_to_sim_json(&sc);
    CHECK(strstr(json, "\"state\":\"enabled\"") != NULL);
    free(json);
    svc_conf_set_state(&sc, c, NULL);
    CHECK(c->state == REQ_NONE && c->state_text == NULL && svc_conf_state(c) == NULL);
    json = svc_config_to_sim_json(&sc);
    CHECK(strstr(json, "state") == NULL);
    free(json);
    svc_config_free(&sc);
}

static void test_strlist(void)
{
    struct strlist l = {0}, c = {0};
    char *s;

    strlist_add(&l, "node3");
    strlist_add(&l, "node1");
    strlist_add(&l, "node3");
    CHECK(strlist_has(&l, "node1"));
    CHECK(!strlist_has(&l, "node2"));
    strlist_sort(&l);
    s = strlist_join(&l, ", ");
    CHECK_STR(s, "node1, node3, node3");
    free(s);
    strlist_copy(&c, &l);
    strlist_clear(&l);
    CHECK_INT(c.n, 3);
    s = strlist_join(&l, ",");
    CHECK_STR(s, "");
    free(s);
    strlist_clear(&c);
}

static void test_ms_helpers(void)
{
    struct manager_status ms = {0};
    struct sd copy;
    char sid[32];

    for (int i = 0; i < 20000; i++) { /* must stay fast (binary search, append) */
        snprintf(sid, sizeof(sid), "vm:%d", 100000 + i);
        ms_add_sd(&ms, sid)->state = SS_STARTED;
    }
    ms_add_sd(&ms, "ct:5")->node = xstrdup("n1");
    CHECK_STR(ms.svcs[0].sid, "ct:5");
    CHECK(ms_find_sd(&ms, "vm:100777") != NULL);
    CHECK(ms_find_sd(&ms, "vm:1") == NULL);
    ms_del_sd(&ms, "vm:100777");
    CHECK(ms_find_sd(&ms, "vm:100777") == NULL);
    CHECK_INT(ms.n_svcs, 20000);
    for (size_t i = 1; i < ms.n_svcs; i++) {
        CHECK(strcmp(ms.svcs[i - 1].sid, ms.svcs[i].sid) < 0);
    }
    sd_copy(&copy, ms_find_sd(&ms, "ct:5"));
    CHECK_STR(copy.node, "n1");
    sd_free_members(&copy);
    ms_set_node(&ms, "node2", NS_ONLINE);
    ms_set_node(&ms, "node1", NS_FENCE);
    ms_set_node(&ms, "node2", NS_GONE);
    CHECK_INT(ms.n_nodes, 2);
    CHECK_INT(ms_find_node(&ms, "node2")->state, NS_GONE);
    ms_del_node(&ms, "node1");
    CHECK_INT(ms.n_nodes, 1);
    ms_get_req(&ms, "node2")->maintenance = true;
    CHECK(ms_find_req(&ms, "node2")->maintenance);
    CHECK(ms_get_req(&ms, "node2") == ms_find_req(&ms, "node2"));
    CHECK(ms_find_req(&ms, "nodeX") == NULL);
    ms_free(&ms);
    ms_free(&ms);
    ms_free(NULL);
}

static void test_svc_config_helpers(void)
{
    struct svc_config sc = {0}, copy = {0};
    struct dc_settings dc;

    svc_config_add(&sc, "vm:2")->node = xstrdup("n2");
    svc_config_add(&sc, "vm:1")->node = xstrdup("n1");
    CHECK_STR(sc.v[0].sid, "vm:1");
    CHECK_STR(svc_config_find(&sc, "vm:2")->node, "n2");
    svc_config_copy(&copy, &sc);
    svc_conf_set(&sc, &sc.v[0].node, "n3"); /* malloc'd strings: the old one is freed */
    CHECK_STR(sc.v[0].node, "n3");
    svc_config_free(&sc);
    CHECK_STR(svc_config_find(&copy, "vm:1")->node, "n1");
    /* a copy keeps its strings in its pool: changes and new entries go there too */
    CHECK(pool_used(&copy.pool));
    svc_conf_set(&copy, &copy.v[0].node, "n2");
    svc_conf_set(&copy, &copy.v[1].group, NULL);
    /* an unknown state word is kept (in the pool), a known one is not */
    svc_conf_set_state(&copy, svc_config_add(&copy, "vm:0"), "literal");
    CHECK(copy.v[0].state == REQ_OTHER);
    CHECK_STR(svc_conf_state(&copy.v[0]), "literal");
    svc_conf_set_state(&copy, &copy.v[1], "stopped");
    CHECK(copy.v[1].state == REQ_STOPPED && copy.v[1].state_text == NULL);
    svc_config_add(&copy, "vm:2"); /* replaced by an empty entry */
    CHECK(copy.n == 3 && strcmp(copy.v[0].sid, "vm:0") == 0 && copy.v[2].node == NULL);
    CHECK_STR(svc_config_find(&copy, "vm:1")->node, "n2");
    svc_config_free(&copy);
    svc_config_copy(&copy, &sc); /* an empty copy takes new entries too */
    svc_config_add(&copy, "ct:5");
    CHECK_STR(copy.v[0].sid, "ct:5");
    svc_config_free(&copy);
    dc_settings_init(&dc);
    CHECK(dc.threshold == 0.3 && dc.margin == 0.1 && dc.hold_duration == 3);
    CHECK(dc.method == NULL && !dc.auto_rebalance);
    dc_settings_free(&dc);
}

struct log_ctx {
    char buf[128];
    enum ha_level level;
};

static void fake_log(void *ctx, enum ha_level level, const char *msg)
{
    struct log_ctx *lc = ctx;

    lc->level = level;
    snprintf(lc->buf, sizeof(lc->buf), "%s", msg);
}

static void test_env_log(void)
{
    struct log_ctx lc = {{0}, HA_DEBUG};
    struct ha_env env = {.ctx = &lc, .log = fake_log};

    env_log(&env, HA_WARNING, "service '%s' moved to %d", "vm:1", 3);
    CHECK_STR(lc.buf, "service 'vm:1' moved to 3");
    CHECK_INT(lc.level, HA_WARNING);
    env.log = NULL;
    env_log(&env, HA_INFO, "dropped");
}

/* ---- manager status ---- */

static const char *const ms_upstream[] = {
    "{}\n",
    "{\n    \"master_node\": \"node2\",\n    \"node_status\": {\n\t\"node1\":\"fence\",\n"
    "\t\"node3\":\"online\",\n\t\"node2\":\"online\"\n    },\n    \"service_status\": {\n"
    "\t\"vm:101\": {\n\t    \"node\": \"node1\",\n\t    \"state\": \"fence\",\n"
    "\t    \"uid\": \"lavE3c7vLnotUBGT9whswg\"\n\t}\n    }\n}\n",
    "{\"node_status\":{\"node1\":\"online\",\"node2\":\"maintenance\",\"node3\":\"online\"},"
    "\"master_node\":\"node1\",\"service_status\":{}}",
    "{\"master_node\":\"node1\",\"service_status\":{\"vm:102\":{\"state\":\"recovery\","
    "\"node\":\"node2\",\"uid\":\"w69Yqf4/pmeb8ymueYNPvQ\"}},\"timestamp\":700,"
    "\"node_status\":{\"node1\":\"online\",\"node2\":\"unknown\",\"node3\":\"online\"}}",
    "{\"master_node\":\"node1\",\"node_status\":{\"node1\":\"online\"},"
    "\"relocate_tried_nodes\":{},\"service_status\":{\"vm:100\":{\"node\":\"node1\","
    "\"state\":\"started\",\"uid\":\"hSIUPNL/lBjgyU4svobXlg\"}},\"timestamp\":10}",
    "{\"master_node\":\"node1\",\"node_status\":{\"node1\":\"unknown\"},\"service_status\":"
    "{\"vm:103\":{\"node\":\"node3\",\"state\":\"migrate\",\"target\":\"node2\",\"uid\":\"l\"}}}",
    "{\"timestamp\":100,\"master_node\":\"node1\",\"service_status\":{\"vm:101\":{\"state\":"
    "\"started\",\"node\":\"node1\",\"uid\":\"0StZ\",\"running\":1},\"vm:102\":{\"state\":"
    "\"stopped\",\"node\":\"node2\",\"uid\":\"47mr\"}},\"node_status\":{\"node3\":\"fence\"}}",
};

static void test_ms_upstream_forms(void)
{
    for (size_t i = 0; i < sizeof(ms_upstream) / sizeof(ms_upstream[0]); i++) {
        struct manager_status ms;
        char *err = NULL;

        CHECK_INT(ms_from_json(ms_upstream[i], &ms, &err), 0);
        CHECK(err == NULL);
        free(err);
        ms_free(&ms);
    }
}

static void test_ms_fields(void)
{
    struct manager_status ms;
    char *err = NULL;
    struct sd *sd;

    CHECK_INT(ms_from_json(ms_upstream[1], &ms, &err), 0);
    CHECK_STR(ms.master_node, "node2");
    CHECK_INT(ms.n_nodes, 3);
    CHECK_STR(ms.nodes[1].node, "node2"); /* sorted */
    CHECK_INT(ms_find_node(&ms, "node1")->state, NS_FENCE);
    sd = ms_find_sd(&ms, "vm:101");
    CHECK(sd != NULL && sd->state == SS_FENCE);
    CHECK_STR(sd ? sd->uid : NULL, "lavE3c7vLnotUBGT9whswg");
    CHECK(!ms.has_node_request && ms.disarm_mode == NULL);
    ms_free(&ms);

    CHECK_INT(ms_from_json(ms_upstream[6], &ms, &err), 0);
    CHECK_INT(ms.timestamp, 100);
    CHECK(ms_find_sd(&ms, "vm:101")->running);
    CHECK(!ms_find_sd(&ms, "vm:102")->running);
    ms_free(&ms);
}

/* Loose forms: numbers as strings and vice versa, bool running, cmd arrays. */
static void test_ms_loose(void)
{
    const char *json =
        "{\"timestamp\":\"1700000000\",\"service_status\":{"
        "\"vm:1\":{\"state\":\"request_stop\",\"uid\":12345,\"timeout\":\"60\","
        "\"running\":true,\"cmd\":[\"stop\",0],\"failed_nodes\":[\"n2\",\"n1\",\"n2\"]},"
        "\"vm:2\":{\"state\":\"started\",\"running\":\"0\",\"cmd\":[\"migrate\",\"node2\"],"
        "\"timeout\":30,\"maintenance_node\":\"n3\"},"
        "\"vm:3\":{\"state\":\"freeze\",\"running\":0,\"failed_nodes\":null,\"cmd\":null}},"
        "\"node_request\":{\"n1\":{\"maintenance\":1},\"n2\":{}},"
        "\"disarm\":{\"mode\":\"freeze\",\"state\":\"disarming\"},\"extra\":[1,2]}";
    struct manager_status ms;
    char *err = NULL;
    struct sd *sd;

    CHECK_INT(ms_from_json(json, &ms, &err), 0);
    CHECK(err == NULL);
    CHECK_INT(ms.timestamp, 1700000000);
    sd = ms_find_sd(&ms, "vm:1");
    CHECK_STR(sd->uid, "12345");
    CHECK_STR(sd->timeout, "60");
    CHECK(sd->running);
    CHECK(sd->cmd == CMD_STOP);
    CHECK_STR(sd_cmd_word(sd), "stop");
    CHECK_STR(sd->cmd_arg, "0");
    CHECK(sd->has_failed_nodes);
    CHECK_INT(sd->failed_nodes.n, 3);
    CHECK_STR(sd->failed_nodes.v[0], "n2");
    sd = ms_find_sd(&ms, "vm:2");
    CHECK(!sd->running);
    CHECK_STR(sd->cmd_arg, "node2");
    CHECK_STR(sd->timeout, "30");
    CHECK_STR(sd->maintenance_node, "n3");
    sd = ms_find_sd(&ms, "vm:3");
    CHECK(!sd->has_failed_nodes && sd->cmd == CMD_NONE && sd->node == NULL);
    CHECK(ms.has_node_request);
    CHECK_INT(ms.n_reqs, 2);
    CHECK(ms_find_req(&ms, "n1")->maintenance);
    CHECK(!ms_find_req(&ms, "n2")->maintenance);
    CHECK_STR(ms.disarm_mode, "freeze");
    CHECK_STR(ms.disarm_state, "disarming");
    ms_free(&ms);
}

static void test_ms_round_trip(void)
{
    const char *want =
        "{\"disarm\":{\"mode\":\"ignore\",\"state\":\"disarmed\"},\"master_node\":\"node1\","
        "\"node_request\":{\"node2\":{\"maintenance\":1},\"node3\":{}},"
        "\"node_status\":{\"node1\":\"online\",\"node2\":\"maintenance\",\"node3\":\"gone\"},"
        "\"service_status\":{"
        "\"ct:100\":{\"cmd\":[\"stop\",0],\"node\":\"node1\",\"state\":\"request_stop\","
        "\"timeout\":0,\"uid\":\"u1\"},"
        "\"vm:101\":{\"cmd\":[\"migrate\",\"node3\"],\"failed_nodes\":[\"node3\",\"node2\"],"
        "\"maintenance_node\":\"node2\",\"node\":\"node1\",\"running\":1,\"state\":\"started\","
        "\"uid\":\"u/2+\"},"
        "\"vm:102\":{\"failed_nodes\":[],\"node\":\"node1\",\"state\":\"relocate\","
        "\"target\":\"node3\",\"timeout\":\"x1\",\"uid\":\"u3\"},"
        "\"vm:103\":{\"cmd\":[\"frob\",\"x\"],\"state\":\"stopped\"},"
        "\"vm:104\":{\"cmd\":[\"\"],\"state\":\"error\"}},\"timestamp\":1700000123}";
    struct manager_status ms, ms2;
    char *err = NULL, *out, *out2;

    CHECK_INT(ms_from_json(want, &ms, &err), 0);
    out = ms_to_json(&ms);
    CHECK_STR(out, want);
    CHECK_INT(ms_from_json(out, &ms2, &err), 0);
    out2 = ms_to_json(&ms2);
    CHECK_STR(out2, want);
    free(out);
    free(out2);
    ms_free(&ms);
    ms_free(&ms2);

    memset(&ms, 0, sizeof(ms));
    out = ms_to_json(&ms);
    CHECK_STR(out, "{\"node_status\":{},\"service_status\":{},\"timestamp\":0}");
    free(out);
}

static void test_ms_sorts_and_dedups(void)
{
    const char *json =
        "{\"service_status\":{\"vm:3\":{\"state\":\"started\"},"
        "\"vm:1\":{\"state\":\"stopped\"},\"vm:3\":{\"state\":\"error\"}},"
        "\"master_node\":\"a\",\"master_node\":\"b\"}";
    struct manager_status ms;
    char *err = NULL;

    CHECK_INT(ms_from_json(json, &ms, &err), 0);
    CHECK_INT(ms.n_svcs, 2);
    CHECK_STR(ms.svcs[0].sid, "vm:1");
    CHECK_INT(ms.svcs[1].state, SS_ERROR); /* the last duplicate wins, as in Perl */
    CHECK_STR(ms.master_node, "b");
    ms_free(&ms);
}

static void test_ms_empty_inputs(void)
{
    struct manager_status ms;
    char *err = NULL;

    CHECK_INT(ms_from_json(NULL, &ms, &err), 0);
    CHECK_INT(ms.n_svcs, 0);
    CHECK_INT(ms_from_json("", &ms, &err), 0);
    CHECK_INT(ms_from_json(" \n", &ms, &err), 0);
    CHECK_INT(ms_from_json("{}", &ms, NULL), 0);
    CHECK(err == NULL);
    ms_free(&ms);
}

/* Every one must fail with a one-line message and leave *out empty. */
static const char *const ms_broken[] = {
    "{",
    "{\"master_node\":",
    "{\"a\":1}}",
    "[]",
    "null",
    "42",
    "\"str\"",
    "{\"master_node\":{}}",
    "{\"master_node\":[1]}",
    "{\"timestamp\":\"soon\"}",
    "{\"timestamp\":1e300}",
    "{\"timestamp\":-1e300}",
    "{\"timestamp\":9223372036854775808}",
    "{\"timestamp\":\"99999999999999999999999\"}",
    "{\"timestamp\":1.5}",
    "{\"timestamp\":[]}",
    "{\"node_status\":[]}",
    "{\"node_status\":\"x\"}",
    "{\"node_status\":{\"n1\":\"dancing\"}}",
    "{\"node_status\":{\"n1\":1}}",
    "{\"node_status\":{\"n1\":null}}",
    "{\"service_status\":[]}",
    "{\"service_status\":{\"vm:1\":1}}",
    "{\"service_status\":{\"vm:1\":[]}}",
    "{\"service_status\":{\"vm:1\":{\"state\":\"bogus\"}}}",
    "{\"service_status\":{\"vm:1\":{\"state\":{}}}}",
    "{\"service_status\":{\"vm:1\":{\"node\":[]}}}",
    "{\"service_status\":{\"vm:1\":{\"uid\":{}}}}",
    "{\"service_status\":{\"vm:1\":{\"running\":[]}}}",
    "{\"service_status\":{\"vm:1\":{\"cmd\":\"stop\"}}}",
    "{\"service_status\":{\"vm:1\":{\"cmd\":[]}}}",
    "{\"service_status\":{\"vm:1\":{\"cmd\":[1,2]}}}",
    "{\"service_status\":{\"vm:1\":{\"cmd\":[\"stop\",{}]}}}",
    "{\"service_status\":{\"vm:1\":{\"failed_nodes\":\"n1\"}}}",
    "{\"service_status\":{\"vm:1\":{\"failed_nodes\":[null]}}}",
    "{\"service_status\":{\"vm:1\":{\"failed_nodes\":[[]]}}}",
    "{\"node_request\":[]}",
    "{\"node_request\":{\"n1\":1}}",
    "{\"node_request\":{\"n1\":{\"maintenance\":{}}}}",
    "{\"disarm\":\"yes\"}",
    "{\"disarm\":{\"mode\":[]}}",
    "{\"service_status\":{\"vm:1\":{\"state\":\"started\"}},\"node_status\":{\"a\":\"x\"}}",
    "{\"a\":\"\\ud800\"",
    "{\"a\":tru}",
    "\xff\xfe{}",
};

static void test_ms_broken(void)
{
    for (size_t i = 0; i < sizeof(ms_broken) / sizeof(ms_broken[0]); i++) {
        struct manager_status ms;
        char *err = NULL;

        CHECK_INT(ms_from_json(ms_broken[i], &ms, &err), -1);
        CHECK(err != NULL && strchr(err, '\n') == NULL);
        CHECK(ms.n_svcs == 0 && ms.svcs == NULL && ms.master_node == NULL);
        free(err);
        CHECK_INT(ms_from_json(ms_broken[i], &ms, NULL), -1); /* err is optional */
    }
}

static void test_ms_error_messages(void)
{
    struct manager_status ms;
    char *err = NULL;

    CHECK_INT(ms_from_json("{\n\"a\": 1,\n\"b\": }", &ms, &err), -1);
    CHECK_STR(err, "manager status: invalid JSON at line 3");
    free(err);
    CHECK_INT(ms_from_json("{\"service_status\":{\"vm:1\":{\"running\":[]}}}", &ms, &err), -1);
    CHECK_STR(err, "manager status: service 'vm:1': bad value for running");
    free(err);
    CHECK_INT(ms_from_json("[1]", &ms, &err), -1);
    CHECK_STR(err, "manager status: not a JSON object");
    free(err);
}

/* Truncate a valid document at every length: never a crash, only errors. */
static void test_ms_truncations(void)
{
    const char *full = ms_upstream[6];
    size_t n = strlen(full);

    for (size_t i = 1; i < n; i++) {
        char *cut = xstrndup(full, i);
        struct manager_status ms;
        char *err = NULL;

        CHECK_INT(ms_from_json(cut, &ms, &err), -1);
        free(err);
        free(cut);
    }
}

static void test_ms_deep_nesting(void)
{
    size_t depth = 100000;
    char *s = xmalloc(depth * 2 + 1);
    struct manager_status ms;
    char *err = NULL;

    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[depth * 2] = '\0';
    CHECK_INT(ms_from_json(s, &ms, &err), -1);
    free(err);
    s[0] = '{';
    CHECK_INT(ms_from_json(s, &ms, &err), -1);
    free(err);
    free(s);
}

static void test_ms_many_services(void)
{
    struct strbuf sb = {0};
    struct manager_status ms;
    char *err = NULL, *out;

    strbuf_add(&sb, "{\"service_status\":{");
    for (int i = 20000; i > 0; i--) { /* reverse order: sorted by the reader */
        strbuf_addf(
            &sb, "%s\"vm:%d\":{\"state\":\"started\",\"node\":\"n%d\"}", i < 20000 ? "," : "", i,
            i % 3
        );
    }
    strbuf_add(&sb, "}}");
    CHECK_INT(ms_from_json(strbuf_str(&sb), &ms, &err), 0);
    CHECK_INT(ms.n_svcs, 20000);
    CHECK_STR(ms.svcs[0].sid, "vm:1");
    CHECK_STR(ms.svcs[1].sid, "vm:10");
    CHECK(ms_find_sd(&ms, "vm:12345") != NULL);
    out = ms_to_json(&ms);
    CHECK(strlen(out) > (size_t)20000 * 30);
    free(out);
    ms_free(&ms);
    strbuf_free(&sb);
}

/* ---- LRM status ---- */

static void test_lrm_round_trip(void)
{
    const char *want =
        "{\"mode\":\"active\",\"results\":{"
        "\"a1\":{\"exit_code\":0,\"sid\":\"vm:1\",\"state\":\"started\"},"
        "\"b2\":{\"exit_code\":7,\"sid\":\"ct:2\",\"state\":\"migrate\"}},"
        "\"state\":\"active\",\"timestamp\":1700000000}";
    struct lrm_status ls;
    char *err = NULL, *out;

    CHECK_INT(lrm_status_from_json(want, &ls, &err), 0);
    CHECK_INT(ls.n_results, 2);
    CHECK_INT(lrm_status_find(&ls, "b2")->exit_code, 7);
    CHECK(lrm_status_find(&ls, "zz") == NULL);
    out = lrm_status_to_json(&ls);
    CHECK_STR(out, want);
    free(out);
    lrm_status_free(&ls);
}

static void test_lrm_forms(void)
{
    struct lrm_status ls;
    char *err = NULL;

    CHECK_INT(lrm_status_from_json("{}", &ls, &err), 0);
    CHECK(ls.mode == NULL && ls.state == NULL && ls.n_results == 0);
    lrm_status_free(&ls);
    CHECK_INT(lrm_status_from_json("{\"mode\":\"unknown\"}", &ls, &err), 0);
    CHECK_STR(ls.mode, "unknown");
    lrm_status_free(&ls);
    CHECK_INT(
        lrm_status_from_json(
            "{\"results\":{\"u\":{\"sid\":\"vm:1\",\"exit_code\":\"1\",\"x\":1}},"
            "\"timestamp\":\"5\"}",
            &ls, &err
        ),
        0
    );
    CHECK_INT(ls.results[0].exit_code, 1);
    CHECK_INT(ls.timestamp, 5);
    lrm_status_free(&ls);
}

static void test_lrm_broken(void)
{
    static const char *const bad[] = {
        "{\"results\":[]}",
        "{\"results\":{\"u\":1}}",
        "{\"results\":{\"u\":{\"exit_code\":\"x\"}}}",
        "{\"results\":{\"u\":{\"exit_code\":1e12}}}",
        "{\"results\":{\"u\":{\"sid\":[]}}}",
        "{\"mode\":{}}",
        "{\"state\":[]}",
        "{\"timestamp\":{}}",
        "{\"results\":",
        "[]",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lrm_status ls;
        char *err = NULL;

        CHECK_INT(lrm_status_from_json(bad[i], &ls, &err), -1);
        CHECK(err != NULL && ls.results == NULL);
        free(err);
    }
}

/* The tree-free reader takes only the canonical form and agrees with the
 * general one; everything else goes to the general reader. */
static void test_lrm_fast_reader(void)
{
    static const char *const canonical[] = {
        "{}",
        "{\"mode\":\"active\",\"results\":{\"a\":{\"exit_code\":0,\"sid\":\"vm:1\","
        "\"state\":\"started\"},\"b\":{\"exit_code\":-1,\"sid\":\"ct:2\"}},"
        "\"state\":\"active\",\"timestamp\":1700000000}",
        " { \"results\" : { } , \"timestamp\" : null } ",
    };
    static const char *const other[] = {
        "",
        "{\"mode\":\"a\\u0062\"}", /* escapes */
        "{\"results\":{\"b\":{},\"a\":{}}}", /* unsorted uids */
        "{\"results\":{\"a\":{},\"a\":{}}}", /* duplicate uid */
        "{\"mode\":\"x\",\"mode\":\"y\"}", /* duplicate key: last wins */
        "{\"timestamp\":\"5\"}", /* number as string */
        "{\"timestamp\":1.5}", /* not an integer */
        "{\"timestamp\":9007199254740993}", /* beyond a double's integers */
        "{\"results\":{\"u\":{\"exit_code\":2147483648}}}",
        "{\"other\":1}", /* unknown key */
        "{\"mode\":\"a\"} x", /* trailing text */
        "{\"mode\":\"a\"", /* truncated */
    };
    struct lrm_status fast, slow;
    char *err = NULL;

    for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
        char *a, *b;
        CHECK_INT(lrm_status_from_json_fast(canonical[i], &fast), 0);
        CHECK_INT(lrm_status_from_json(canonical[i], &slow, &err), 0);
        a = lrm_status_to_json(&fast);
        b = lrm_status_to_json(&slow);
        CHECK_STR(a, b);
        free(a);
        free(b);
        lrm_status_free(&fast);
        lrm_status_free(&slow);
    }
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        CHECK_INT(lrm_status_from_json_fast(other[i], &fast), 1);
        CHECK(fast.results == NULL && fast.mode == NULL);
    }
    CHECK_INT(lrm_status_from_json_fast("{\"results\":{\"ab\":{},\"a\":{}}}", &fast), 1);
    CHECK_INT(lrm_status_from_json_fast("{\"results\":{\"a\":{},\"ab\":{}}}", &fast), 0);
    CHECK(fast.n_results == 2 && strcmp(fast.results[1].uid, "ab") == 0);
    lrm_status_free(&fast);
    CHECK_INT(lrm_status_from_json("{\"mode\":\"x\",\"mode\":\"y\"}", &slow, &err), 0);
    CHECK_STR(slow.mode, "y");
    lrm_status_free(&slow);
    CHECK_INT(lrm_status_from_json("{\"results\":{\"b\":{},\"a\":{}}}", &slow, &err), 0);
    CHECK(slow.n_results == 2 && strcmp(slow.results[0].uid, "a") == 0);
    lrm_status_free(&slow);
}

/* The view reader borrows every string from the text and copies nothing. */
static void test_lrm_view(void)
{
    const char *text =
        "{\"mode\":\"restart\",\"results\":{\"u1\":{\"exit_code\":7,"
        "\"sid\":\"vm:1\",\"state\":\"started\"},\"u2\":{}},\"timestamp\":5}";
    struct lrm_status_view v;

    CHECK_INT(lrm_status_view_scan(text, &v), 0);
    CHECK(v.n_results == 2 && v.timestamp == 5 && v.state.p == NULL);
    CHECK(v.mode.n == 7 && strncmp(v.mode.p, "restart", 7) == 0);
    CHECK(v.results[0].uid.p == strstr(text, "u1") && v.results[0].uid.n == 2);
    CHECK(v.results[0].exit_code == 7 && v.results[0].sid.n == 4);
    CHECK(v.results[1].exit_code == 0 && v.results[1].sid.p == NULL);
    lrm_status_view_free(&v);
    CHECK_INT(lrm_status_view_scan(NULL, &v), 0);
    CHECK(v.n_results == 0 && v.mode.p == NULL);
    CHECK_INT(lrm_status_view_scan("{\"results\":{\"b\":{},\"a\":{}}}", &v), 1);
    CHECK(v.results == NULL && v.n_results == 0);
}

/* ---- the fast and the general LRM status readers agree ---- */

struct diff_stats {
    size_t inputs, fast_ok, mismatches;
};

static void diff_print(const char *what, const char *s, size_t n)
{
    fprintf(stderr, "reader mismatch (%s) on \"", what);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fprintf(stderr, c >= 32 && c < 127 && c != '"' && c != '\\' ? "%c" : "\\x%02x", c);
    }
    fprintf(stderr, "\"\n");
}

/* One input (n bytes, NUL-terminated by the caller): whatever the fast
 * reader accepts the general one accepts with the same content, and the
 * reader the daemons use answers as the general one. */
static void diff_one(struct diff_stats *st, const char *text, size_t n)
{
    struct lrm_status fast, tree, used;
    struct lrm_status_view v;
    char *e1 = NULL, *e2 = NULL;
    int f = lrm_status_from_json_fast(text, &fast);
    int t = lrm_status_from_json_tree(text, &tree, &e1);
    int u = lrm_status_from_json(text, &used, &e2);
    int w = lrm_status_view_scan(text, &v);
    const char *bad = NULL;

    st->inputs++;
    st->fast_ok += f == 0;
    if (f != 0 && f != 1) {
        bad = "fast result";
    } else if (w != f || (f == 0 && v.n_results != fast.n_results)) {
        bad = "view";
    } else if (f == 0 && t != 0) {
        bad = "fast accepts, general rejects";
    } else if (u != t) {
        bad = "accept/reject";
    } else if (t == 0) {
        char *a = lrm_status_to_json(&tree), *b = lrm_status_to_json(&used);
        char *c = f == 0 ? lrm_status_to_json(&fast) : xstrdup(a);
        if (strcmp(a, b) != 0 || strcmp(a, c) != 0) {
            bad = "content";
        }
        free(a);
        free(b);
        free(c);
    }
    if (bad != NULL) {
        if (st->mismatches++ < 10) {
            diff_print(bad, text, n);
        }
    }
    if (f == 0) {
        lrm_status_free(&fast);
        lrm_status_view_free(&v);
    }
    if (t == 0) {
        lrm_status_free(&tree);
    }
    if (u == 0) {
        lrm_status_free(&used);
    }
    free(e1);
    free(e2);
}

/* Feed buf[0..n) (copied, so the readers see exactly n bytes). */
static void diff_feed(struct diff_stats *st, const char *buf, size_t n)
{
    char *copy = xstrndup(buf, n);

    diff_one(st, copy, strlen(copy));
    free(copy);
}

static unsigned diff_rand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

/* Derived from valid statuses: every truncation, every byte replaced by and
 * every position given each byte of an alphabet of JSON's building blocks,
 * suffixes, and random multi-byte mutations. */
static void test_lrm_readers_agree(void)
{
    static const char *const seeds[] = {
        "{}",
        "{\"mode\":\"active\",\"results\":{\"a\":{\"exit_code\":0,\"sid\":\"vm:1\","
        "\"state\":\"started\"},\"b\":{\"exit_code\":-1,\"sid\":\"ct:2\"}},"
        "\"state\":\"active\",\"timestamp\":1700000000}",
        " { \"results\" : { } , \"timestamp\" : null } ",
        "{\"results\":{\"u1\":{\"exit_code\":7,\"sid\":\"vm:1\",\"state\":\"x\"},\"u2\":{}},"
        "\"timestamp\":5}",
        "{\"mode\":\"restart\",\"timestamp\":\"5\",\"results\":{\"b\":{},\"a\":{\"exit_code\":"
        "null}}}",
        "{\"state\":\"wait_for_agent_lock\",\"mode\":\"a\\u0062\",\"results\":{}}",
    };
    static const char alphabet[] = "{}[]\":,0123456789-+.eEnulltrfa \t\n\r\x01\\x\x7f\x80";
    static const char *const suffixes[] = {"garbage", "}",    ",", " ",  "\n", "\x01",
                                           "{}",      "null", "0", "\"", "x}"};
    struct diff_stats st = {0};
    unsigned seed = 11;
    char buf[512];

    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        const char *base = seeds[s];
        size_t n = strlen(base);

        for (size_t cut = 0; cut <= n; cut++) {
            diff_feed(&st, base, cut);
        }
        for (size_t i = 0; i < n; i++) {
            for (const char *a = alphabet; *a != '\0'; a++) {
                memcpy(buf, base, n);
                buf[i] = *a;
                diff_feed(&st, buf, n);
                memcpy(buf, base, i);
                buf[i] = *a;
                memcpy(buf + i + 1, base + i, n - i);
                diff_feed(&st, buf, n + 1);
            }
        }
        for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
            size_t m = strlen(suffixes[k]);
            memcpy(buf, base, n);
            memcpy(buf + n, suffixes[k], m);
            diff_feed(&st, buf, n + m);
        }
        for (int round = 0; round < 400; round++) {
            size_t len = n;
            memcpy(buf, base, n);
            for (unsigned k = 1 + diff_rand(&seed) % 4; k > 0 && len > 0; k--) {
                size_t at = diff_rand(&seed) % len;
                char c = alphabet[diff_rand(&seed) % (sizeof(alphabet) - 1)];
                switch (diff_rand(&seed) % 3) {
                case 0:
                    buf[at] = c;
                    break;
                case 1:
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                    break;
                default:
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
            }
            diff_feed(&st, buf, len);
        }
    }
    CHECK_INT(st.mismatches, 0);
    CHECK(st.fast_ok > 1000); /* the mutations reach the fast reader's accepting paths */
    CHECK(st.inputs > 20000);
}

/* ---- the simulator's service_config ---- */

static void test_sim_config_forms(void)
{
    const char *json =
        "{\n    \"vm:101\": { \"node\": \"node1\", \"state\": \"enabled\" },\n"
        "    \"vm:102\": { \"node\": \"node2\" },\n"
        "    \"ct:103\": { \"node\": \"node3\", \"state\": \"started\", \"max_restart\": \"0\","
        " \"max_relocate\": \"3\", \"failback\": 0, \"group\": \"group2\" },\n"
        "    \"fa:120001\": { \"node\": \"node1\", \"state\": \"stopped\", \"max_relocate\": 0,"
        " \"lock\": \"backup\", \"comment\": \"hi\", \"other\": [1] },\n"
        "    \"vm:104\": { \"node\": \"node1\", \"state\": \"ignored\" },\n"
        "    \"vm:105\": { \"node\": \"node1\", \"state\": \"disabled\" }\n}\n";
    struct svc_config sc;
    struct svc_conf *c;
    char *err = NULL;

    CHECK_INT(svc_config_from_sim_json(json, true, &sc, &err), 0);
    CHECK(err == NULL);
    CHECK_INT(sc.n, 6);
    CHECK_STR(sc.v[0].sid, "ct:103");
    c = svc_config_find(&sc, "vm:101");
    CHECK_STR(svc_conf_state(c), "started");
    CHECK_STR(c->type, "vm");
    CHECK_STR(c->name, "101");
    CHECK(c->failback == 1 && c->max_restart == 1 && c->max_relocate == 1);
    CHECK(c->group == NULL && c->lock == NULL && c->comment == NULL);
    CHECK_STR(svc_conf_state(svc_config_find(&sc, "vm:102")), "disabled");
    c = svc_config_find(&sc, "ct:103");
    CHECK(c->failback == 0 && c->max_restart == 0 && c->max_relocate == 3);
    CHECK_STR(c->group, "group2");
    c = svc_config_find(&sc, "fa:120001");
    CHECK_STR(c->type, "fa");
    CHECK_STR(c->lock, "backup");
    CHECK_STR(c->comment, "hi");
    CHECK_INT(c->max_relocate, 0);
    CHECK_STR(svc_conf_state(svc_config_find(&sc, "vm:104")), "ignored");
    svc_config_free(&sc);
}

static void test_sim_config_round_trip(void)
{
    const char *want =
        "{\"ct:1\":{\"comment\":\"c\",\"failback\":0,\"group\":\"g1\",\"lock\":"
        "\"backup\",\"max_relocate\":2,\"max_restart\":0,\"node\":\"n1\","
        "\"state\":\"stopped\"},\"vm:2\":{\"failback\":1,\"max_relocate\":1,"
        "\"max_restart\":1,\"node\":\"n2\",\"state\":\"disabled\"}}";
    struct svc_config sc;
    char *err = NULL, *out;

    CHECK_INT(svc_config_from_sim_json(want, true, &sc, &err), 0);
    out = svc_config_to_sim_json(&sc);
    CHECK_STR(out, want);
    free(out);
    svc_config_free(&sc);
}

static void test_sim_config_broken(void)
{
    static const char *const bad[] = {
        "{\"vm:abc\":{\"node\":\"n1\"}}",
        "{\"vm:\":{\"node\":\"n1\"}}",
        "{\"xx:1\":{\"node\":\"n1\"}}",
        "{\"vm:1 \":{\"node\":\"n1\"}}",
        "{\"101\":{\"node\":\"n1\"}}",
        "{\"vm:1\":1}",
        "{\"vm:1\":{\"node\":{}}}",
        "{\"vm:1\":{\"state\":\"on\"}}",
        "{\"vm:1\":{\"max_restart\":\"x\"}}",
        "{\"vm:1\":{\"max_restart\":-1}}",
        "{\"vm:1\":{\"max_restart\":1e99}}",
        "{\"vm:1\":{\"max_relocate\":[]}}",
        "{\"vm:1\":{\"failback\":1.5}}",
        "{\"vm:1\":{\"group\":{}}}",
        "[]",
        "{\"vm:1\":",
    };
    struct svc_config sc;
    char *err = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(svc_config_from_sim_json(bad[i], true, &sc, &err), -1);
        CHECK(err != NULL && sc.n == 0 && sc.v == NULL);
        free(err);
        err = NULL;
    }
    CHECK_INT(svc_config_from_sim_json("{\"vm:abc\":{}}", true, &sc, &err), -1);
    CHECK(err != NULL && strstr(err, "'vm:abc'") != NULL);
    free(err);
    CHECK_INT(svc_config_from_sim_json("{\"vm:1\":{\"max_restart\":\"y\"}}", true, &sc, &err), -1);
    CHECK_STR(err, "service 'vm:1': bad value for max_restart");
    free(err);
    /* without strict ids, any sid is accepted */
    CHECK_INT(svc_config_from_sim_json("{\"test:abc\":{},\"plain\":{}}", false, &sc, &err), 0);
    CHECK_STR(svc_config_find(&sc, "test:abc")->type, "test");
    CHECK(svc_config_find(&sc, "plain")->type == NULL);
    svc_config_free(&sc);
}

/* ---- resources.cfg ---- */

static void test_cfg_read(void)
{
    const char *text =
        "# comment\n"
        "vm: 100\n"
        "\tstate stopped\n"
        "\t# inner comment\n"
        "\tmax_restart 3\n"
        "\tcomment  two  words  \n"
        "\n"
        "ct:101\n"
        "    group grp-1\n"
        "    failback off\n"
        "0\n"
        "VM:  102  \r\n"
        "\tstate enabled\r\n"
        "\n\n"
        "test: abc\n";
    struct svc_config sc;
    struct svc_conf *c;
    char *err = NULL;

    CHECK_INT(svc_config_from_cfg(text, &sc, &err), 0);
    CHECK(err == NULL);
    free(err);
    CHECK_INT(sc.n, 4);
    c = svc_config_find(&sc, "vm:100");
    CHECK_STR(svc_conf_state(c), "stopped");
    CHECK_INT(c->max_restart, 3);
    CHECK_INT(c->max_relocate, 1);
    CHECK_STR(c->comment, "two  words");
    CHECK(c->node == NULL);
    c = svc_config_find(&sc, "ct:101");
    CHECK_STR(svc_conf_state(c), "started");
    CHECK_STR(c->group, "grp-1");
    CHECK_INT(c->failback, 0);
    CHECK_STR(c->type, "ct");
    CHECK_STR(c->name, "101");
    CHECK_STR(svc_conf_state(svc_config_find(&sc, "vm:102")), "started");
    CHECK(svc_config_find(&sc, "test:abc") != NULL);
    svc_config_free(&sc);
}

static void test_cfg_round_trip(void)
{
    const char *want =
        "ct: 101\n"
        "\tcomment hello world\n"
        "\tfailback 0\n"
        "\tgroup g1\n"
        "\tmax_relocate 0\n"
        "\tmax_restart 5\n"
        "\tstate disabled\n"
        "\n"
        "vm: 100\n"
        "\n";
    struct svc_config sc;
    char *err = NULL, *out;

    CHECK_INT(svc_config_from_cfg(want, &sc, &err), 0);
    out = svc_config_to_cfg(&sc);
    CHECK_STR(out, want);
    free(out);
    svc_config_free(&sc);
    CHECK_INT(svc_config_from_cfg(NULL, &sc, &err), 0);
    out = svc_config_to_cfg(&sc);
    CHECK_STR(out, "");
    free(out);
}

/* Keys stored with their default value are kept by a rewrite (svc_conf.keys),
 * and a struct without keys (the simulator's) writes only non-defaults. */
static void test_cfg_stored_defaults(void)
{
    const char *text =
        "vm: 100\n"
        "\tfailback yes\n"
        "\tmax_relocate 1\n"
        "\tmax_restart 1\n"
        "\tstate enabled\n"
        "\n"
        "vm: 101\n"
        "\n";
    const char *want =
        "vm: 100\n"
        "\tfailback 1\n"
        "\tmax_relocate 1\n"
        "\tmax_restart 1\n"
        "\tstate started\n"
        "\n"
        "vm: 101\n"
        "\n";
    struct svc_config sc;
    char *err = NULL, *out;

    CHECK_INT(svc_config_from_cfg(text, &sc, &err), 0);
    CHECK_INT(
        svc_config_find(&sc, "vm:100")->keys,
        SVC_KEY_FAILBACK | SVC_KEY_MAX_RELOCATE | SVC_KEY_MAX_RESTART | SVC_KEY_STATE
    );
    CHECK_INT(svc_config_find(&sc, "vm:101")->keys, 0);
    out = svc_config_to_cfg(&sc);
    CHECK_STR(out, want);
    free(out);
    svc_config_find(&sc, "vm:100")->keys = 0;
    out = svc_config_to_cfg(&sc);
    CHECK_STR(out, "vm: 100\n\nvm: 101\n\n");
    free(out);
    svc_config_free(&sc);
}

static void test_cfg_broken(void)
{
    static const char *const bad[][2] = {
        {"vm: 100\n\tstate bogus\n", "line 2: bad value for property 'state'"},
        {"vm: 100\n\tstate started\n\tstate stopped\n", "line 3: duplicate property 'state'"},
        {"vm: 100\n\tnode n1\n", "line 2: unknown property 'node'"},
        {"vm: 100\n\n vm: 100\n", "line 3: property outside a section 'vm: 100'"},
        {"vm: 100\n\nvm: 100\n", "line 3: duplicate section 'vm:100'"},
        {"vm: 1\n", "line 1: invalid resource id 'vm:1'"},
        {"vm: 0100\n", "line 1: invalid resource id 'vm:0100'"},
        {"vm: abc\n", "line 1: invalid resource id 'vm:abc'"},
        {"vm 100\n", "line 1: unable to parse line 'vm 100'"},
        {"vm: 100 101\n", "line 1: unable to parse line 'vm: 100 101'"},
        {":100\n", "line 1: unable to parse line ':100'"},
        {"vm:\n", "line 1: unable to parse line 'vm:'"},
        {"vm: 100\nct: 101\n", "line 2: no empty line before section header 'ct: 101'"},
        {"vm: 100\n\tmax_restart -1\n", "line 2: bad value for property 'max_restart'"},
        {"vm: 100\n\tmax_restart 99999999999\n", "line 2: bad value for property 'max_restart'"},
        {"vm: 100\n\tfailback maybe\n", "line 2: bad value for property 'failback'"},
        {"vm: 100\n\tgroup 1x\n", "line 2: bad value for property 'group'"},
        {"vm: 100\n\tgroup g\n", "line 2: bad value for property 'group'"},
        {"vm: 100\n\tcomment\n", "line 2: missing value for property 'comment'"},
        {"vm:100:200\n", "line 1: invalid resource id 'vm:100:200'"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct svc_config sc;
        char *err = NULL;

        CHECK_INT(svc_config_from_cfg(bad[i][0], &sc, &err), -1);
        CHECK_STR(err, bad[i][1]);
        CHECK(sc.n == 0 && sc.v == NULL);
        free(err);
    }
}

static void test_cfg_long_comment(void)
{
    struct strbuf sb = {0};
    struct svc_config sc;
    char *err = NULL;

    strbuf_add(&sb, "vm: 100\n\tcomment ");
    for (int i = 0; i < 4097; i++) {
        strbuf_add(&sb, "x");
    }
    CHECK_INT(svc_config_from_cfg(strbuf_str(&sb), &sc, &err), -1);
    free(err);
    strbuf_free(&sb);
    /* The limit counts characters (upstream's maxLength): 4096 two-byte
     * characters are fine. */
    strbuf_add(&sb, "vm: 100\n\tcomment ");
    for (int i = 0; i < 4096; i++) {
        strbuf_add(&sb, "\xc3\xa9");
    }
    CHECK_INT(svc_config_from_cfg(strbuf_str(&sb), &sc, &err), 0);
    CHECK(sc.n == 1 && strlen(sc.v[0].comment) == 8192);
    svc_config_free(&sc);
    strbuf_free(&sb);
}

/* ---- datacenter.cfg ---- */

static void test_dc_forms(void)
{
    const char *json =
        "{\n    \"crs\": {\n        \"ha\": \"dynamic\",\n"
        "        \"ha-auto-rebalance\": 1,\n"
        "\t\"ha-auto-rebalance-method\": \"topsis\",\n"
        "        \"ha-auto-rebalance-hold-duration\": 0\n    },\n"
        "    \"ha\": {\n        \"shutdown_policy\": \"migrate\"\n    }\n}\n";
    struct dc_settings dc;
    char *err = NULL;

    CHECK_INT(dc_settings_from_json(json, &dc, &err), 0);
    CHECK_STR(dc.crs_ha, "dynamic");
    CHECK(dc.auto_rebalance && !dc.rebalance_on_start);
    CHECK_STR(dc.method, "topsis");
    CHECK(dc.hold_duration == 0 && dc.threshold == 0.3 && dc.margin == 0.1);
    CHECK_STR(dc.shutdown_policy, "migrate");
    dc_settings_free(&dc);

    CHECK_INT(
        dc_settings_from_json(
            "{\"crs\":{\"ha-rebalance-on-start\":true,\"ha-auto-rebalance\":\"0\","
            "\"ha-auto-rebalance-threshold\":\"0.5\",\"ha-auto-rebalance-margin\":20}}",
            &dc, &err
        ),
        0
    );
    CHECK(dc.rebalance_on_start && !dc.auto_rebalance);
    CHECK(dc.threshold == 0.5 && dc.margin == 20);
    CHECK(dc.crs_ha == NULL && dc.shutdown_policy == NULL && dc.method == NULL);
    dc_settings_free(&dc);

    CHECK_INT(dc_settings_from_json("", &dc, &err), 0);
    CHECK(dc.threshold == 0.3 && dc.hold_duration == 3);
    dc_settings_free(&dc);
}

static void test_dc_broken(void)
{
    static const char *const bad[] = {
        "{\"crs\":[]}",
        "{\"ha\":\"migrate\"}",
        "{\"ha\":{\"shutdown_policy\":{}}}",
        "{\"crs\":{\"ha\":[]}}",
        "{\"crs\":{\"ha-auto-rebalance\":{}}}",
        "{\"crs\":{\"ha-auto-rebalance-threshold\":\"x\"}}",
        "{\"crs\":{\"ha-auto-rebalance-margin\":[]}}",
        "{\"crs\":{\"ha-auto-rebalance-hold-duration\":\"1e999\"}}",
        "{\"crs\":",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dc_settings dc;
        char *err = NULL;

        CHECK_INT(dc_settings_from_json(bad[i], &dc, &err), -1);
        CHECK(err != NULL && dc.crs_ha == NULL && dc.threshold == 0.3);
        free(err);
    }
}

/* ---- names: sids and node names outside their syntax are refused ---- */

static void test_ms_names(void)
{
    static const char *const bad[] = {
        "{\"node_status\":{\"node\\u001b[2J\":\"online\"}}",
        "{\"node_status\":{\"node 1\":\"online\"}}",
        "{\"service_status\":{\"vm:1\\ninfo forged\":{\"state\":\"started\"}}}",
        "{\"service_status\":{\"vm:1\":{\"state\":\"started\",\"node\":\"n\\u0007\"}}}",
        "{\"service_status\":{\"vm:1\":{\"state\":\"migrate\",\"node\":\"n1\","
        "\"target\":\"-n2\"}}}",
        "{\"service_status\":{\"vm:1\":{\"state\":\"started\",\"node\":\"n1\","
        "\"failed_nodes\":[\"n1\",\"n\\r2\"]}}}",
        "{\"master_node\":\"n1\\u001b\"}",
        "{\"node_request\":{\"n\\t1\":{\"maintenance\":1}}}",
    };
    struct manager_status ms;
    char *err = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ms_from_json(bad[i], &ms, &err) != -1) {
            fprintf(stderr, "accepted: %s\n", bad[i]);
            CHECK(false);
            ms_free(&ms);
        } else {
            CHECK(err != NULL && !str_has_ctl(err));
        }
        free(err);
        err = NULL;
    }
    CHECK_INT(
        ms_from_json(
            "{\"master_node\":\"node1\",\"node_status\":{\"node1\":\"online\","
            "\"my_node.2\":\"online\"},\"service_status\":{\"fa:1001\":{"
            "\"state\":\"started\",\"node\":\"node1\"}}}",
            &ms, &err
        ),
        0
    );
    ms_free(&ms);
    /* resources.cfg: a name of another type is any printable text */
    struct svc_config sc;
    CHECK_INT(svc_config_from_cfg("fa: a\x1b[2Jb\n", &sc, &err), -1);
    CHECK(err != NULL && !str_has_ctl(err));
    free(err);
    err = NULL;
    CHECK_INT(svc_config_from_cfg("fa: web-1\n", &sc, &err), 0);
    svc_config_free(&sc);
    CHECK_INT(svc_config_from_sim_json("{\"x:1\\u001b\":{}}", false, &sc, &err), -1);
    free(err);
}

/* ---- numbers: one checked parser, a range for every setting ---- */

static void test_dc_cfg_numbers(void)
{
    static const char *const bad[] = {
        "crs: ha=static,ha-auto-rebalance-threshold=nan\n",
        "crs: ha=static,ha-auto-rebalance-threshold=-nan\n",
        "crs: ha-auto-rebalance-margin=inf\n",
        "crs: ha-auto-rebalance-hold-duration=1e999\n",
        "crs: ha-auto-rebalance-threshold=0x10\n",
        "crs: ha-auto-rebalance-threshold= 0.5x\n",
        "max_workers: 99999999999\n",
        "max_workers: 129\n",
        "max_workers: +5\n",
        "max_workers: -1\n",
        "max_workers: 4x\n",
        "max_workers: \n",
    };
    struct dc_settings dc;
    char *err = NULL;
    int workers;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        workers = -1;
        if (dc_settings_from_cfg(bad[i], &dc, &workers, &err) != -1) {
            fprintf(stderr, "accepted: %s", bad[i]);
            CHECK(false);
        }
        CHECK(err != NULL && dc.threshold == 0.3 && dc.margin == 0.1 && dc.hold_duration == 3);
        CHECK_INT(workers, 4);
        free(err);
        err = NULL;
        dc_settings_free(&dc);
    }
    CHECK_INT(
        dc_settings_from_cfg(
            "max_workers: 010\ncrs: ha=static,ha-auto-rebalance-threshold=0.25"
            ",ha-auto-rebalance-hold-duration=5\n",
            &dc, &workers, &err
        ),
        0
    );
    CHECK_INT(workers, 10);
    CHECK(dc.threshold == 0.25 && dc.hold_duration == 5);
    CHECK_STR(dc.crs_ha, "static");
    dc_settings_free(&dc);
    CHECK_INT(dc_settings_from_cfg("max_workers: 0\n", &dc, &workers, &err), 0);
    CHECK_INT(workers, 4); /* 0 means the default */
    dc_settings_free(&dc);
    CHECK_INT(dc_settings_from_cfg("max_workers: 128\n", &dc, &workers, &err), 0);
    CHECK_INT(workers, 128);
    dc_settings_free(&dc);
    /* the simulator's JSON: a number that is not finite is no number */
    CHECK_INT(
        dc_settings_from_json("{\"crs\":{\"ha-auto-rebalance-margin\":1e999}}", &dc, &err), -1
    );
    free(err);
    err = NULL;
    CHECK_INT(
        dc_settings_from_json("{\"crs\":{\"ha-auto-rebalance-margin\":\"inf\"}}", &dc, &err), -1
    );
    free(err);
}

static void test_config_numbers(void)
{
    static const char *const bad_cfg[] = {
        "vm: 100\n\tmax_restart 1000001\n",
        "vm: 100\n\tmax_relocate 99999999999999999999\n",
        "vm: 100\n\tmax_restart +1\n",
        "vm: 100\n\tmax_restart -0\n",
    };
    static const char *const bad_json[] = {
        "{\"vm:1\":{\"max_restart\":\"+1\"}}",
        "{\"vm:1\":{\"max_restart\":\" 1\"}}",
        "{\"vm:1\":{\"max_relocate\":1000001}}",
        "{\"vm:1\":{\"max_relocate\":\"1000001\"}}",
    };
    struct svc_config sc;
    char *err = NULL;

    for (size_t i = 0; i < sizeof(bad_cfg) / sizeof(bad_cfg[0]); i++) {
        CHECK_INT(svc_config_from_cfg(bad_cfg[i], &sc, &err), -1);
        free(err);
        err = NULL;
    }
    for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
        CHECK_INT(svc_config_from_sim_json(bad_json[i], true, &sc, &err), -1);
        free(err);
        err = NULL;
    }
    CHECK_INT(
        svc_config_from_cfg("vm: 100\n\tmax_restart 010\n\tmax_relocate 1000000\n", &sc, &err), 0
    );
    CHECK_INT(svc_config_find(&sc, "vm:100")->max_restart, 10);
    CHECK_INT(svc_config_find(&sc, "vm:100")->max_relocate, SVC_TRIES_MAX);
    svc_config_free(&sc);
    CHECK_INT(svc_config_from_sim_json("{\"vm:1\":{\"max_restart\":\"007\"}}", true, &sc, &err), 0);
    CHECK_INT(svc_config_find(&sc, "vm:1")->max_restart, 7);
    svc_config_free(&sc);
}

int main(void)
{
    RUN(test_state_names);
    RUN(test_enum_words);
    RUN(test_kept_state_word);
    RUN(test_strlist);
    RUN(test_ms_helpers);
    RUN(test_svc_config_helpers);
    RUN(test_env_log);
    RUN(test_ms_upstream_forms);
    RUN(test_ms_fields);
    RUN(test_ms_loose);
    RUN(test_ms_round_trip);
    RUN(test_ms_sorts_and_dedups);
    RUN(test_ms_empty_inputs);
    RUN(test_ms_broken);
    RUN(test_ms_error_messages);
    RUN(test_ms_truncations);
    RUN(test_ms_deep_nesting);
    RUN(test_ms_many_services);
    RUN(test_lrm_round_trip);
    RUN(test_lrm_forms);
    RUN(test_lrm_broken);
    RUN(test_lrm_fast_reader);
    RUN(test_lrm_view);
    RUN(test_lrm_readers_agree);
    RUN(test_sim_config_forms);
    RUN(test_sim_config_round_trip);
    RUN(test_sim_config_broken);
    RUN(test_cfg_read);
    RUN(test_cfg_round_trip);
    RUN(test_cfg_stored_defaults);
    RUN(test_cfg_broken);
    RUN(test_cfg_long_comment);
    RUN(test_dc_forms);
    RUN(test_dc_broken);
    RUN(test_ms_names);
    RUN(test_dc_cfg_numbers);
    RUN(test_config_numbers);
    return test_summary();
}
