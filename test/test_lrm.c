/* test_lrm.c - the LRM state machine of state/lrm.c against the fake
 * environment: the agent lock decides activity, the watchdog is fed only
 * while the lock is held, fencing requests, shutdown policies and the
 * restart policy of failing starts. The manager status is written by hand,
 * as a master would have written it. */
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/lrm.h"
#include "test/test.h"
#include "test/test_fakeenv.h"

static const char *const three[] = {"node1", "node2", "node3", NULL};

static const char ms_started[] =
    "{\"master_node\":\"node2\",\"node_status\":{\"node1\":\"online\",\"node2\":\"online\","
    "\"node3\":\"online\"},\"service_status\":{\"vm:101\":{\"node\":\"node1\","
    "\"state\":\"started\",\"uid\":\"u1\"}}}";

static void set_ms(struct fake_cluster *c, const char *json)
{
    free(c->manager_status);
    c->manager_status = xstrdup(json);
}

static bool step(struct fake_cluster *c, struct lrm *lrm, struct fake_env *fe, int64_t t)
{
    c->now = t;
    return lrm_iterate(lrm, &fe->env);
}

/* A cluster where node1's LRM runs vm:101 (active since t=21). */
static struct lrm *active_lrm(struct fake_cluster *c, struct fake_env *fe)
{
    struct lrm *lrm;

    fake_init(c, three);
    fake_add_service(c, "vm:101", "node1", NULL, NULL);
    set_ms(c, ms_started);
    fake_env_init(fe, c, "node1", "lrm");
    c->now = 20;
    lrm = lrm_new(&fe->env);
    step(c, lrm, fe, 21);
    return lrm;
}

static int result_code(const struct fake_cluster *c, const char *uid)
{
    struct lrm_status ls;
    const struct lrm_result *r;
    char *err = NULL;
    int code = -100;

    if (c->nodes[0].lrm_status != NULL &&
        lrm_status_from_json(c->nodes[0].lrm_status, &ls, &err) == 0) {
        r = lrm_status_find(&ls, uid);
        code = r ? r->exit_code : -100;
        lrm_status_free(&ls);
    }
    free(err);
    return code;
}

static void test_idle_without_services(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm;

    fake_init(&c, three);
    set_ms(&c, "{\"node_status\":{\"node1\":\"online\"},\"service_status\":{}}");
    fake_env_init(&fe, &c, "node1", "lrm");
    lrm = lrm_new(&fe.env);
    CHECK_INT(fake_logged(&c, "node1/lrm: info: status change startup => wait_for_agent_lock"), 1);
    CHECK(step(&c, lrm, &fe, 21));
    CHECK_STR(lrm_state_name(lrm), "wait_for_agent_lock");
    CHECK(fake_lock_owner(&c, "ha_agent_node1_lock") == NULL);
    CHECK_INT(fake_wd_open_count(&c, "node1"), 0);
    CHECK_STR(fake_lrm_mode(&c, "node1"), "active"); /* the status is published anyway */
    lrm_free(lrm);
    fake_free(&c);
}

static void test_lock_then_active(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm = active_lrm(&c, &fe);

    CHECK_STR(lrm_state_name(lrm), "active");
    CHECK_STR(fake_lock_owner(&c, "ha_agent_node1_lock"), "node1");
    CHECK_INT(fake_wd_open_count(&c, "node1"), 1);
    CHECK(strlist_has(&fake_node(&c, "node1")->running, "vm:101"));
    CHECK_INT(fake_logged(&c, "node1/lrm: info: service status vm:101 started"), 1);
    CHECK_INT(result_code(&c, "u1"), LRM_SUCCESS);
    lrm_free(lrm);
    fake_free(&c);
}

static void test_watchdog_only_with_lock(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm = active_lrm(&c, &fe);

    step(&c, lrm, &fe, 41);
    step(&c, lrm, &fe, 61);
    CHECK_INT(fake_wd_updates(&c, "node1"), 2);

    /* the master took the agent lock (fencing): renewal fails from now on */
    fake_set_lock(&c, "ha_agent_node1_lock", "node2", 70);
    step(&c, lrm, &fe, 81);
    CHECK_STR(lrm_state_name(lrm), "lost_agent_lock");
    step(&c, lrm, &fe, 101);
    step(&c, lrm, &fe, 121);
    CHECK_INT(fake_wd_updates(&c, "node1"), 2); /* not fed any more ... */
    CHECK_INT(fake_wd_open_count(&c, "node1"), 1); /* ... but armed: it will fire */

    /* once the foreign lock expired, the LRM gets it back and feeds again */
    step(&c, lrm, &fe, 70 + 121);
    CHECK_STR(lrm_state_name(lrm), "active");
    CHECK_INT(fake_wd_updates(&c, "node1"), 3);
    lrm_free(lrm);
    fake_free(&c);
}

static void test_fence_request(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm = active_lrm(&c, &fe);

    set_ms(
        &c,
        "{\"node_status\":{\"node1\":\"fence\"},\"service_status\":{\"vm:101\":"
        "{\"node\":\"node1\",\"state\":\"fence\",\"uid\":\"u2\"}}}"
    );
    step(&c, lrm, &fe, 41);
    CHECK_INT(fake_logged(&c, "err: node needs to be fenced - releasing agent_lock"), 1);
    CHECK_STR(lrm_state_name(lrm), "lost_agent_lock");
    /* as upstream: despite the wording the lock is not deleted, only no
     * longer renewed, so the master gets it once it expired */
    step(&c, lrm, &fe, 61);
    step(&c, lrm, &fe, 200);
    CHECK_STR(lrm_state_name(lrm), "lost_agent_lock"); /* no way back while fencing */
    CHECK_INT(fake_wd_updates(&c, "node1"), 0);
    CHECK_INT(fake_wd_open_count(&c, "node1"), 1);
    lrm_free(lrm);
    fake_free(&c);
}

struct policy_case {
    const char *policy; /* NULL = default */
    bool shutdown, reboot;
    const char *msg, *mode;
    bool stops;
};

static const struct policy_case policy_cases[] = {
    {NULL, false, true, "reboot LRM, stop and freeze all services", "restart", true},
    {"conditional", true, false, "shutdown LRM, stop all services", "shutdown", true},
    {"freeze", true, false, "shutdown LRM, stop and freeze all services", "restart", true},
    {"failover", false, true, "shutdown LRM, stop all services", "shutdown", true},
    {"migrate", true, false, "shutdown LRM, doing maintenance, removing this node from active list",
     "maintenance", false},
    {"conditional", false, false, "restart LRM, freeze all services", "restart", false},
    {"bogus", true, false, "unknown shutdown policy 'bogus', fall back to conditional", "shutdown",
     true},
};

static void test_shutdown_policies(void)
{
    for (size_t i = 0; i < sizeof(policy_cases) / sizeof(policy_cases[0]); i++) {
        const struct policy_case *pc = &policy_cases[i];
        struct fake_cluster c;
        struct fake_env fe;
        struct lrm *lrm = active_lrm(&c, &fe);
        bool running;

        fake_node(&c, "node1")->shutdown = pc->shutdown;
        fake_node(&c, "node1")->reboot = pc->reboot;
        c.dc.shutdown_policy = pc->policy ? xstrdup(pc->policy) : NULL;
        c.now = 30;
        lrm_shutdown_request(lrm, &fe.env);
        if (fake_logged(&c, pc->msg) != 1 || strcmp(fake_lrm_mode(&c, "node1"), pc->mode) != 0) {
            fprintf(stderr, "policy case %zu:\n", i);
            fake_log_dump(&c);
        }
        CHECK_INT(fake_logged(&c, pc->msg), 1);
        CHECK_STR(fake_lrm_mode(&c, "node1"), pc->mode);
        step(&c, lrm, &fe, 41);
        running = strlist_has(&fake_node(&c, "node1")->running, "vm:101");
        CHECK(running == !pc->stops);
        lrm_free(lrm);
        fake_free(&c);
    }
}

/* A plain shutdown exits once the stop jobs ran, releasing lock and watchdog;
 * a restart waits until the master froze the services. */
static void test_exit_after_shutdown(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm = active_lrm(&c, &fe);

    fake_node(&c, "node1")->shutdown = true;
    lrm_shutdown_request(lrm, &fe.env);
    CHECK(!step(&c, lrm, &fe, 41));
    CHECK(fake_lock_owner(&c, "ha_agent_node1_lock") == NULL);
    CHECK_INT(fake_wd_open_count(&c, "node1"), 0);
    lrm_free(lrm);
    fake_free(&c);

    lrm = active_lrm(&c, &fe);
    lrm_shutdown_request(lrm, &fe.env); /* no node shutdown: LRM restart */
    CHECK(step(&c, lrm, &fe, 41)); /* vm:101 still started: stays */
    CHECK_STR(fake_lock_owner(&c, "ha_agent_node1_lock"), "node1");
    set_ms(
        &c,
        "{\"node_status\":{\"node1\":\"online\"},\"service_status\":{\"vm:101\":"
        "{\"node\":\"node1\",\"state\":\"freeze\",\"uid\":\"u3\"}}}"
    );
    CHECK(!step(&c, lrm, &fe, 61));
    CHECK(strlist_has(&fake_node(&c, "node1")->running, "vm:101")); /* kept running */
    CHECK(fake_lock_owner(&c, "ha_agent_node1_lock") == NULL);
    lrm_free(lrm);
    fake_free(&c);
}

/* A stop that fails at shutdown (a hung agent, killed at its deadline): the
 * LRM still exits, but keeps its watchdog open and its lock, so that the
 * node is reset and fenced rather than leaving a service running unowned. */
static void test_shutdown_with_failed_stop(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm = active_lrm(&c, &fe);

    strlist_add(&c.fail_stop, "vm:101");
    fake_node(&c, "node1")->shutdown = true;
    lrm_shutdown_request(lrm, &fe.env);
    CHECK(!step(&c, lrm, &fe, 41)); /* the LRM exits */
    CHECK(strlist_has(&fake_node(&c, "node1")->running, "vm:101"));
    CHECK_INT(fake_wd_open_count(&c, "node1"), 1); /* no clean close: reset */
    CHECK_STR(fake_lock_owner(&c, "ha_agent_node1_lock"), "node1"); /* not released */
    lrm_free(lrm);
    fake_free(&c);
}

static void test_restart_policy(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm;

    fake_init(&c, three);
    fake_add_service(&c, "vm:101", "node1", NULL, NULL)->max_restart = 1;
    strlist_add(&c.fail_start, "vm:101");
    set_ms(&c, ms_started);
    fake_env_init(&fe, &c, "node1", "lrm");
    lrm = lrm_new(&fe.env);
    step(&c, lrm, &fe, 21);
    CHECK_INT(fake_logged(&c, "warning: unable to start service vm:101"), 1);
    CHECK_INT(fake_logged(&c, "restart policy: retry number 1 for service 'vm:101'"), 1);
    CHECK_INT(result_code(&c, "u1"), -100); /* no result yet: it will retry */
    step(&c, lrm, &fe, 41);
    CHECK_INT(fake_logged(&c, "unable to start service vm:101 on local node after 1 retries"), 1);
    CHECK_INT(result_code(&c, "u1"), LRM_ERROR);
    lrm_free(lrm);
    fake_free(&c);
}

/* One worker: a second job in the same round is refused as busy. */
static int jobs_this_round;

static int one_worker_run_job(void *ctx, const struct lrm_job *job)
{
    struct fake_env *fe = ctx;

    if (jobs_this_round++ > 0) {
        return LRM_JOB_BUSY;
    }
    return lrm_exec_job(&fe->env, job);
}

static const char ms_two[] =
    "{\"master_node\":\"node2\",\"node_status\":{\"node1\":\"online\",\"node2\":\"online\","
    "\"node3\":\"online\"},\"service_status\":{\"vm:101\":{\"node\":\"node1\","
    "\"running\":1,\"state\":\"started\",\"uid\":\"u1\"},\"vm:102\":{\"node\":\"node1\","
    "\"state\":\"started\",\"uid\":\"u2\"}}}";

/* A running service is checked again every round under its uid; with few
 * workers those checks must not starve the start of another service. */
static void test_recheck_never_starves_a_start(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct lrm *lrm = active_lrm(&c, &fe);

    fake_add_service(&c, "vm:102", "node1", NULL, NULL);
    CHECK(strlist_has(&c.nodes[0].running, "vm:101"));
    CHECK_INT(result_code(&c, "u1"), LRM_SUCCESS);
    fe.env.run_job = one_worker_run_job;
    set_ms(&c, ms_two);
    for (int t = 41; t <= 81; t += 20) {
        jobs_this_round = 0;
        step(&c, lrm, &fe, t);
    }
    CHECK(strlist_has(&c.nodes[0].running, "vm:102"));
    CHECK_INT(result_code(&c, "u2"), LRM_SUCCESS);
    /* and the check of vm:101 still runs: it died, it is started again */
    {
        struct strlist keep = {0};
        for (size_t i = 0; i < c.nodes[0].running.n; i++) {
            if (strcmp(c.nodes[0].running.v[i], "vm:101") != 0) {
                strlist_add(&keep, c.nodes[0].running.v[i]);
            }
        }
        strlist_clear(&c.nodes[0].running);
        c.nodes[0].running = keep;
    }
    for (int t = 101; t <= 141; t += 20) {
        jobs_this_round = 0;
        step(&c, lrm, &fe, t);
    }
    CHECK(strlist_has(&c.nodes[0].running, "vm:101"));
    CHECK_INT(result_code(&c, "u1"), LRM_SUCCESS);
    lrm_free(lrm);
    fake_free(&c);
}

int main(void)
{
    RUN(test_idle_without_services);
    RUN(test_lock_then_active);
    RUN(test_watchdog_only_with_lock);
    RUN(test_fence_request);
    RUN(test_shutdown_policies);
    RUN(test_exit_after_shutdown);
    RUN(test_shutdown_with_failed_stop);
    RUN(test_restart_policy);
    RUN(test_recheck_never_starves_a_start);
    return test_summary();
}
