/* test_manager.c - the master's decisions (state/manager*.c) against the
 * fake environment: node states online -> unknown -> fence, fencing that is
 * acknowledged only with the victim's agent lock, recovery of the fenced
 * services, node selection with group priorities / restricted / nofailback,
 * CRM commands and LRM results. The manager runs on node2 throughout. */
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/lrm.h"
#include "state/manager.h"
#include "test/test.h"
#include "test/test_fakeenv.h"

static const char *const three[] = {"node1", "node2", "node3", NULL};

struct mgr_fixture {
    struct fake_cluster c;
    struct fake_env fe;
    struct manager *m;
};

static void setup(struct mgr_fixture *f)
{
    fake_init(&f->c, three);
    fake_env_init(&f->fe, &f->c, "node2", "crm");
}

static void round_at(struct mgr_fixture *f, int64_t t)
{
    char *err = NULL;

    f->c.now = t;
    if (f->m == NULL) {
        f->m = manager_new(&f->fe.env);
    }
    if (manager_round(f->m, &f->fe.env, &err) != 0) {
        fprintf(stderr, "manager_round at %lld: %s\n", (long long)t, err ? err : "?");
    }
    free(err);
}

static void teardown(struct mgr_fixture *f)
{
    manager_free(f->m);
    fake_free(&f->c);
}

/* The uid the master gave the service (for faking an LRM result). */
static char *svc_uid(const struct fake_cluster *c, const char *sid)
{
    struct manager_status ms;
    char *err = NULL, *uid = NULL;

    if (ms_from_json(c->manager_status, &ms, &err) == 0) {
        const struct sd *sd = ms_find_sd(&ms, sid);

        uid = sd && sd->uid ? xstrdup(sd->uid) : NULL;
        ms_free(&ms);
    }
    free(err);
    return uid;
}

/* Write node's LRM status with one result, as its LRM would. */
static void
lrm_result(struct fake_cluster *c, const char *node, const char *sid, const char *state, int code)
{
    struct lrm_result r = {.sid = xstrdup(sid), .state = xstrdup(state), .exit_code = code};
    struct lrm_status ls = {.state = xstrdup("active"), .mode = xstrdup("active")};
    struct fake_node *n = fake_node(c, node);

    r.uid = svc_uid(c, sid);
    ls.results = &r;
    ls.n_results = 1;
    free(n->lrm_status);
    n->lrm_status = lrm_status_to_json(&ls);
    ls.results = NULL;
    ls.n_results = 0;
    lrm_status_free(&ls);
    free(r.uid);
    free(r.sid);
    free(r.state);
}

/* The same, in a form only the general reader takes (unsorted uids, an
 * escape): the master must see the result all the same. */
static void lrm_result_loose(struct fake_cluster *c, const char *node, const char *sid, int code)
{
    struct fake_node *n = fake_node(c, node);
    char *uid = svc_uid(c, sid);

    free(n->lrm_status);
    n->lrm_status = xasprintf(
        "{\"results\":{\"zz-stale\":{\"exit_code\":0},\"%s\":{\"exit_code\":%d,"
        "\"sid\":\"%s\"}},\"mode\":\"act\\u0069ve\",\"state\":\"active\"}",
        uid, code, sid
    );
    free(uid);
}

static void test_node_states_and_fencing(void)
{
    struct mgr_fixture f = {0};

    setup(&f);
    fake_add_service(&f.c, "vm:101", "node1", NULL, NULL);
    fake_add_service(&f.c, "vm:102", "node2", NULL, NULL);
    fake_add_service(&f.c, "vm:103", "node3", NULL, NULL);
    round_at(&f, 20);
    CHECK_INT(fake_node_state(&f.c, "node3"), NS_ONLINE);
    CHECK_INT(fake_svc_state(&f.c, "vm:103"), SS_STARTED);

    /* node3 drops out while its LRM still holds a fresh agent lock */
    fake_node(&f.c, "node3")->online = false;
    fake_set_lock(&f.c, "ha_agent_node3_lock", "node3", 35);
    round_at(&f, 40);
    CHECK_INT(fake_node_state(&f.c, "node3"), NS_UNKNOWN);
    CHECK_INT(fake_svc_state(&f.c, "vm:103"), SS_STARTED);

    /* 60 s later: fence, but not acknowledged while the lock is valid */
    round_at(&f, 100);
    CHECK_INT(fake_node_state(&f.c, "node3"), NS_FENCE);
    CHECK_INT(fake_svc_state(&f.c, "vm:103"), SS_FENCE);
    CHECK_INT(fake_logged(&f.c, "email: FENCE: Try to fence node 'node3'"), 1);
    round_at(&f, 140);
    CHECK_INT(fake_logged(&f.c, "fencing: acknowledged"), 0);
    CHECK_STR(fake_lock_owner(&f.c, "ha_agent_node3_lock"), "node3");

    /* the victim's lock expired: the master takes it, that is the ack */
    round_at(&f, 160);
    CHECK_STR(fake_lock_owner(&f.c, "ha_agent_node3_lock"), "node2");
    CHECK_INT(fake_logged(&f.c, "fencing: acknowledged - got agent lock for node 'node3'"), 2);
    CHECK_INT(fake_node_state(&f.c, "node3"), NS_UNKNOWN);
    /* fence -> recovery -> started, on the least loaded node (tie: name) */
    CHECK_INT(fake_logged(&f.c, "service 'vm:103': state changed from 'fence' to 'recovery'"), 1);
    CHECK_INT(fake_svc_state(&f.c, "vm:103"), SS_STARTED);
    CHECK_STR(fake_svc_node(&f.c, "vm:103"), "node1");
    CHECK_STR(svc_config_find(&f.c.cfg, "vm:103")->node, "node1");
    teardown(&f);
}

static const char groups_text[] =
    "group: prefer3\n"
    "\tnodes node2:1,node3:2\n"
    "\n"
    "group: back1\n"
    "\tnodes node1:2,node2:1\n"
    "\tnofailback 1\n"
    "\n"
    "group: back1fb\n"
    "\tnodes node1:2,node2:1\n"
    "\n"
    "group: only1\n"
    "\tnodes node1\n"
    "\trestricted 1\n";

static void test_group_priorities_and_failback(void)
{
    struct mgr_fixture f = {0};

    setup(&f);
    f.c.groups = xstrdup(groups_text);
    fake_add_service(&f.c, "vm:101", "node1", NULL, "prefer3");
    fake_add_service(&f.c, "vm:102", "node2", NULL, "back1");
    fake_add_service(&f.c, "vm:103", "node2", NULL, "back1fb");
    round_at(&f, 20);
    /* the highest priority node wins */
    CHECK_INT(fake_logged(&f.c, "migrate service 'vm:101' to node 'node3' (running)"), 1);
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_MIGRATE);
    /* nofailback: already on an allowed node, stays */
    CHECK_INT(fake_svc_state(&f.c, "vm:102"), SS_STARTED);
    CHECK_STR(fake_svc_node(&f.c, "vm:102"), "node2");
    /* failback: goes to its preferred node */
    CHECK_INT(fake_logged(&f.c, "migrate service 'vm:103' to node 'node1' (running)"), 1);

    /* the LRM reports the migration done: started on the target */
    lrm_result(&f.c, "node1", "vm:101", "migrate", LRM_SUCCESS);
    round_at(&f, 40);
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_STARTED);
    CHECK_STR(fake_svc_node(&f.c, "vm:101"), "node3");
    teardown(&f);
}

static void test_restricted_group_no_recovery(void)
{
    struct mgr_fixture f = {0};

    setup(&f);
    f.c.groups = xstrdup(groups_text);
    fake_add_service(&f.c, "vm:101", "node1", NULL, "only1");
    fake_add_service(&f.c, "vm:102", "node1", NULL, NULL);
    round_at(&f, 20);
    fake_node(&f.c, "node1")->online = false;
    round_at(&f, 40);
    round_at(&f, 100); /* fenced; no agent lock was held: acknowledged at once */
    CHECK_INT(fake_logged(&f.c, "fencing: acknowledged - got agent lock for node 'node1'"), 2);
    /* the ungrouped service goes elsewhere, the restricted one has nowhere */
    CHECK_INT(fake_svc_state(&f.c, "vm:102"), SS_STARTED);
    CHECK(strcmp(fake_svc_node(&f.c, "vm:102"), "node1") != 0);
    /* twice: the recovery handler runs in the pass after fencing and in the
     * next one (passes repeat while states change), as upstream logs it */
    CHECK_INT(
        fake_logged(
            &f.c,
            "recovering service 'vm:101' from fenced node 'node1' failed, "
            "no recovery node found"
        ),
        2
    );
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_RECOVERY);
    /* node1 returns: the service goes back to it */
    fake_node(&f.c, "node1")->online = true;
    round_at(&f, 120);
    CHECK_INT(
        fake_logged(
            &f.c,
            "recover service 'vm:101' to previous failed and fenced node "
            "'node1' again"
        ),
        1
    );
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_STARTED);
    teardown(&f);
}

/* How many log lines end in exactly " <want>" (fake_logged() matches any
 * part of a line). */
static int logged_exact(const struct fake_cluster *c, const char *want)
{
    size_t n = strlen(want);
    int hits = 0;

    for (size_t i = 0; i < c->log.n; i++) {
        size_t len = strlen(c->log.v[i]);
        hits +=
            len > n && c->log.v[i][len - n - 1] == ' ' && strcmp(c->log.v[i] + len - n, want) == 0;
    }
    return hits;
}

/* Every field of every spool command is checked before anything of it is
 * accepted: a bad line is "unable to parse" and changes nothing. */
static void test_commands_validated(void)
{
    static const char *const bad[] = {
        "stop vm:102 $(id)",
        "stop vm:102 5;id",
        "stop vm:102 -1",
        "stop vm:102 +5",
        "stop vm:102 86401",
        "stop vm:102 99999999999999999999",
        "stop vm:102 0x10",
        "stop vm:102",
        "stop vm:102 5 extra",
        "stop VM:102 5",
        "stop vm: 5",
        "migrate vm:102 node3;id",
        "migrate vm:102 -node3",
        "relocate vm:102 node\x1b[2Jx",
        "migrate vm:102\x01 node3",
        "enable-node-maintenance node3$(id)",
        "disable-node-maintenance ..",
        "disarm-ha freeze now",
        "arm-ha now",
        " stop vm:102 5",
        "stop vm:102 5 ",
        "stop\tvm:102\t5\r",
    };
    struct mgr_fixture f = {0};

    setup(&f);
    fake_add_service(&f.c, "vm:102", "node1", NULL, NULL);
    round_at(&f, 20);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fake_command(&f.c, bad[i]);
    }
    round_at(&f, 40);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *want = xasprintf("err: unable to parse crm command: %s", bad[i]);
        if (logged_exact(&f.c, want) != 1) {
            fprintf(stderr, "not refused: '%s'\n", bad[i]);
            CHECK(false);
        }
        free(want);
    }
    CHECK_INT(fake_logged(&f.c, "got crm command"), 0);
    CHECK_INT(fake_svc_state(&f.c, "vm:102"), SS_STARTED);
    CHECK(strstr(f.c.manager_status, "id)") == NULL);
    CHECK(strstr(f.c.manager_status, "\"cmd\"") == NULL);
    CHECK_INT(fake_node_state(&f.c, "node3"), NS_ONLINE);
    /* the largest timeout, with leading zeros: read as decimal; blanks
     * between the words as upstream's \s+ */
    fake_command(&f.c, "stop \t vm:102  086400");
    round_at(&f, 60);
    CHECK_INT(logged_exact(&f.c, "got crm command: stop \t vm:102  086400"), 1);
    CHECK(strstr(f.c.manager_status, "86400") != NULL); /* as 86400, never "086400" */
    CHECK(strstr(f.c.manager_status, "086400") == NULL);
    CHECK_INT(fake_svc_state(&f.c, "vm:102"), SS_REQUEST_STOP);
    teardown(&f);
}

static void test_commands_and_results(void)
{
    struct mgr_fixture f = {0};

    setup(&f);
    fake_add_service(&f.c, "vm:101", "node1", NULL, NULL);
    fake_add_service(&f.c, "vm:102", "node1", NULL, NULL);
    round_at(&f, 20);
    fake_command(&f.c, "migrate vm:101 node3");
    fake_command(&f.c, "migrate vm:101 node9");
    fake_command(&f.c, "stop vm:102 30");
    fake_command(&f.c, "frobnicate");
    round_at(&f, 40);
    CHECK_INT(fake_logged(&f.c, "got crm command: migrate vm:101 node3"), 1);
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_MIGRATE);
    CHECK_INT(
        fake_logged(&f.c, "err: crm command error - node not online: migrate vm:101 node9"), 1
    );
    CHECK_INT(fake_svc_state(&f.c, "vm:102"), SS_REQUEST_STOP);
    CHECK_STR(svc_conf_state(svc_config_find(&f.c.cfg, "vm:102")), "stopped");
    CHECK_INT(fake_logged(&f.c, "err: unable to parse crm command: frobnicate"), 1);

    /* a failed migration keeps the service where it was */
    lrm_result_loose(&f.c, "node1", "vm:101", LRM_ERROR);
    /* the same uid from a later node: the first node in sorted order wins */
    lrm_result(&f.c, "node2", "vm:101", "migrate", LRM_SUCCESS);
    round_at(&f, 60);
    CHECK_INT(fake_logged(&f.c, "service 'vm:101' - migration failed (exit code 1)"), 1);
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_STARTED);
    CHECK_STR(fake_svc_node(&f.c, "vm:101"), "node1");

    /* a failed start is relocated (max_relocate 1) */
    lrm_result(&f.c, "node1", "vm:101", "started", LRM_ERROR);
    round_at(&f, 80);
    CHECK_INT(fake_logged(&f.c, "starting service vm:101 on node 'node1' failed, relocating"), 1);
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_MIGRATE);
    teardown(&f);
}

/* Words the manager does not know, in the config and in a stored manager
 * status, are logged and written back as they came: parsing them into
 * enums loses none. */
static void test_unknown_words(void)
{
    struct mgr_fixture f = {0};

    setup(&f);
    free(f.c.manager_status);
    f.c.manager_status = xstrdup(
        "{\"node_status\":{\"node1\":\"online\",\"node2\":\"online\",\"node3\":\"online\"},"
        "\"service_status\":{"
        "\"vm:104\":{\"cmd\":[\"frob\",\"x\"],\"node\":\"node1\",\"state\":\"stopped\","
        "\"uid\":\"u4\"},"
        "\"vm:105\":{\"cmd\":[\"arm-ha\",\"y\"],\"node\":\"node1\",\"state\":\"started\","
        "\"uid\":\"u5\"},"
        "\"vm:106\":{\"cmd\":[\"fr\\\"ob\",\"z\"],\"node\":\"node1\",\"state\":\"error\","
        "\"uid\":\"u6\"}},\"timestamp\":10}"
    );
    fake_add_service(&f.c, "vm:103", "node1", NULL, NULL);
    fake_add_service(&f.c, "vm:104", "node1", "stopped", NULL);
    fake_add_service(&f.c, "vm:105", "node1", NULL, NULL);
    fake_add_service(&f.c, "vm:106", "node1", NULL, NULL);
    round_at(&f, 20);
    CHECK_INT(fake_logged(&f.c, "err: unknown command 'frob' for service 'vm:104'"), 1);
    CHECK_INT(fake_logged(&f.c, "err: unknown command 'arm-ha' for service 'vm:105'"), 1);
    /* an entry in error keeps its command, written back byte for byte */
    CHECK(strstr(f.c.manager_status, "\"cmd\":[\"fr\\\"ob\",\"z\"]") != NULL);
    CHECK(strstr(f.c.manager_status, "frob") == NULL);
    CHECK(strstr(f.c.manager_status, "arm-ha") == NULL);
    CHECK_INT(fake_svc_state(&f.c, "vm:103"), SS_STARTED);
    fake_add_service(&f.c, "vm:103", "node1", "bogus", NULL);
    round_at(&f, 40);
    CHECK_INT(
        fake_logged(&f.c, "err: service 'vm:103' - unknown state 'bogus' in service configuration"),
        1
    );
    CHECK_INT(fake_svc_state(&f.c, "vm:103"), SS_STARTED);
    teardown(&f);
}

/* A new master that cannot read the manager status (a store error, not an
 * absent file) must not start from an empty one: its rounds fail and
 * write nothing until the status reads again, then it carries on from it. */
static int failing_read_ms(void *ctx, char **json, char **err)
{
    (void)ctx;
    *json = NULL;
    *err = xstrdup("unable to read file 'ha/manager_status' - Input/output error");
    return -1;
}

static void test_unreadable_manager_status(void)
{
    struct mgr_fixture f = {0};
    int (*real_read)(void *, char **, char **);
    char *before, *uid;
    char *err = NULL;

    setup(&f);
    fake_add_service(&f.c, "vm:100", "node1", NULL, NULL);
    for (int64_t t = 10; t <= 30; t += 10) {
        round_at(&f, t);
    }
    uid = svc_uid(&f.c, "vm:100");
    CHECK(uid != NULL);
    manager_free(f.m); /* a new master */
    before = xstrdup(f.c.manager_status);
    real_read = f.fe.env.read_manager_status;
    f.fe.env.read_manager_status = failing_read_ms;
    f.m = manager_new(&f.fe.env);
    f.c.now = 40;
    CHECK_INT(manager_round(f.m, &f.fe.env, &err), -1);
    CHECK(err != NULL && strstr(err, "Input/output error") != NULL);
    free(err);
    err = NULL;
    CHECK_STR(f.c.manager_status, before);
    f.fe.env.read_manager_status = real_read;
    round_at(&f, 50);
    {
        char *now_uid = svc_uid(&f.c, "vm:100");
        CHECK_STR(now_uid, uid); /* the same service state, not a new one */
        free(now_uid);
    }
    free(uid);
    free(before);
    teardown(&f);
}

/* A status text without its timestamp (refreshed apart from the content). */
static char *without_timestamp(const char *json)
{
    const char *p = json ? strstr(json, "\"timestamp\":") : NULL;
    size_t digits;

    if (p == NULL) {
        return xstrdup(json ? json : "");
    }
    digits = strspn(p + 12, "0123456789");
    /* drop the comma before it too, it is the last key */
    return xasprintf("%.*s%s", (int)(p - json - (p > json && p[-1] == ',')), json, p + 12 + digits);
}

/* A master on node2 and node1's LRM take turns, one round each per R. */
static void
master_and_lrm_round(struct mgr_fixture *f, struct lrm *lrm, struct fake_env *le, int64_t t)
{
    round_at(f, t);
    f->c.now = t + 1;
    lrm_iterate(lrm, &le->env);
}

static void drop_running(struct fake_node *n, const char *sid)
{
    struct strlist keep = {0};

    for (size_t i = 0; i < n->running.n; i++) {
        if (strcmp(n->running.v[i], sid) != 0) {
            strlist_add(&keep, n->running.v[i]);
        }
    }
    strlist_clear(&n->running);
    n->running = keep;
}

/* Steady state: a started service that keeps running changes neither the
 * manager status nor the LRM status, so the daemons write nothing. */
static void test_steady_started_service(void)
{
    struct mgr_fixture f = {0};
    struct fake_env le;
    struct lrm *lrm;
    char *ms0, *ls0;
    int64_t t = 20;

    setup(&f);
    fake_add_service(&f.c, "vm:101", "node1", NULL, NULL);
    fake_env_init(&le, &f.c, "node1", "lrm");
    f.c.now = t;
    lrm = lrm_new(&le.env);
    for (; t < 120; t += 10) {
        master_and_lrm_round(&f, lrm, &le, t);
    }
    CHECK_INT(fake_svc_state(&f.c, "vm:101"), SS_STARTED);
    CHECK(strlist_has(&fake_node(&f.c, "node1")->running, "vm:101"));
    ms0 = without_timestamp(f.c.manager_status);
    ls0 = without_timestamp(fake_node(&f.c, "node1")->lrm_status);
    CHECK(strstr(ms0, "\"running\":1") != NULL);
    CHECK(strstr(ls0, "\"exit_code\":0") != NULL);
    for (int i = 0; i < 6; i++, t += 10) {
        master_and_lrm_round(&f, lrm, &le, t);
        char *ms = without_timestamp(f.c.manager_status);
        char *ls = without_timestamp(fake_node(&f.c, "node1")->lrm_status);
        CHECK_STR(ms, ms0);
        CHECK_STR(ls, ls0);
        free(ms);
        free(ls);
    }
    free(ms0);
    free(ls0);
    lrm_free(lrm);
    teardown(&f);
}

/* A steady service that dies behind the LRM's back is started again by the
 * LRM's next round, and one that cannot be started any more still goes
 * through the restart and relocation policies. */
static void test_steady_service_dies(void)
{
    struct mgr_fixture f = {0};
    struct fake_env le;
    struct lrm *lrm;
    int64_t t = 20;

    setup(&f);
    fake_add_service(&f.c, "vm:101", "node1", NULL, NULL);
    fake_env_init(&le, &f.c, "node1", "lrm");
    f.c.now = t;
    lrm = lrm_new(&le.env);
    for (; t < 120; t += 10) {
        master_and_lrm_round(&f, lrm, &le, t);
    }
    CHECK_INT(fake_logged(&f.c, "starting service vm:101"), 1);
    drop_running(fake_node(&f.c, "node1"), "vm:101");
    master_and_lrm_round(&f, lrm, &le, t);
    t += 10;
    CHECK_INT(fake_logged(&f.c, "starting service vm:101"), 2);
    CHECK(strlist_has(&fake_node(&f.c, "node1")->running, "vm:101"));

    /* dead for good on node1: restart policy, then relocation to another node */
    strlist_add(&f.c.fail_start, "vm:101");
    drop_running(fake_node(&f.c, "node1"), "vm:101");
    for (int i = 0; i < 4; i++, t += 10) {
        master_and_lrm_round(&f, lrm, &le, t);
    }
    CHECK_INT(fake_logged(&f.c, "restart policy: retry number 1 for service 'vm:101'"), 1);
    CHECK_INT(fake_logged(&f.c, "unable to start service vm:101 on local node after 1 retries"), 1);
    CHECK_INT(fake_logged(&f.c, "starting service vm:101 on node 'node1' failed, relocating"), 1);
    CHECK(
        fake_svc_state(&f.c, "vm:101") != SS_STARTED ||
        !str_eq(fake_svc_node(&f.c, "vm:101"), "node1")
    );
    lrm_free(lrm);
    teardown(&f);
}

int main(void)
{
    RUN(test_node_states_and_fencing);
    RUN(test_group_priorities_and_failback);
    RUN(test_restricted_group_no_recovery);
    RUN(test_commands_and_results);
    RUN(test_commands_validated);
    RUN(test_unknown_words);
    RUN(test_unreadable_manager_status);
    RUN(test_steady_started_service);
    RUN(test_steady_service_dies);
    return test_summary();
}
