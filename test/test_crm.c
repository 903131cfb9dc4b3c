/* test_crm.c - the CRM state machine of state/crm.c against the fake
 * environment: master election through ha_manager_lock, the master's
 * watchdog, losing the lock, idling with nothing to do, clean shutdown. */
#include <stdlib.h>
#include <string.h>

#include "state/crm.h"
#include "test/test.h"
#include "test/test_fakeenv.h"

static const char *const three[] = {"node1", "node2", "node3", NULL};

/* One CRM iteration at time t. */
static bool step(struct fake_cluster *c, struct crm *crm, struct fake_env *fe, int64_t t)
{
    c->now = t;
    return crm_iterate(crm, &fe->env);
}

static void test_quorum_then_master(void)
{
    struct fake_cluster c;
    struct fake_env e1;
    struct crm *crm;

    fake_init(&c, three);
    fake_add_service(&c, "vm:101", "node1", NULL, NULL);
    fake_env_init(&e1, &c, "node1", "crm");
    crm = crm_new(&e1.env);
    CHECK_INT(fake_logged(&c, "node1/crm: info: status change startup => wait_for_quorum"), 1);
    CHECK_STR(crm_state_name(crm), "wait_for_quorum");

    /* two of three nodes down: no quorum, no lock, no watchdog */
    fake_node(&c, "node2")->online = false;
    fake_node(&c, "node3")->online = false;
    CHECK(step(&c, crm, &e1, 10));
    CHECK_STR(crm_state_name(crm), "wait_for_quorum");
    CHECK(fake_lock_owner(&c, "ha_manager_lock") == NULL);
    CHECK_INT(fake_wd_open_count(&c, "node1"), 0);

    /* quorate again: takes the lock, becomes master, guards it */
    fake_node(&c, "node2")->online = true;
    CHECK(step(&c, crm, &e1, 20));
    CHECK_STR(crm_state_name(crm), "master");
    CHECK_STR(fake_lock_owner(&c, "ha_manager_lock"), "node1");
    CHECK_INT(fake_wd_open_count(&c, "node1"), 1);
    CHECK_INT(fake_logged(&c, "status change wait_for_quorum => master"), 1);
    /* the manager ran: the service is known and started */
    CHECK_INT(fake_svc_state(&c, "vm:101"), SS_STARTED);

    /* every master round renews the lock and updates the watchdog */
    CHECK(step(&c, crm, &e1, 40));
    CHECK_INT(fake_wd_updates(&c, "node1"), 1);
    crm_free(crm);
    fake_free(&c);
}

static void test_second_crm_is_slave(void)
{
    struct fake_cluster c;
    struct fake_env e1, e2;
    struct crm *a, *b;

    fake_init(&c, three);
    fake_add_service(&c, "vm:101", "node1", NULL, NULL);
    fake_env_init(&e1, &c, "node1", "crm");
    fake_env_init(&e2, &c, "node2", "crm");
    a = crm_new(&e1.env);
    b = crm_new(&e2.env);
    step(&c, a, &e1, 20);
    step(&c, b, &e2, 22);
    CHECK_STR(crm_state_name(a), "master");
    CHECK_STR(crm_state_name(b), "slave");
    CHECK_INT(fake_wd_open_count(&c, "node2"), 0);

    /* the master vanishes; the slave waits until the lock expired (>120 s) */
    step(&c, b, &e2, 22 + 100);
    CHECK_STR(crm_state_name(b), "slave");
    step(&c, b, &e2, 20 + 121);
    CHECK_STR(crm_state_name(b), "master");
    CHECK_STR(fake_lock_owner(&c, "ha_manager_lock"), "node2");
    crm_free(a);
    crm_free(b);
    fake_free(&c);
}

static void test_lost_manager_lock(void)
{
    struct fake_cluster c;
    struct fake_env e1;
    struct crm *crm;

    fake_init(&c, three);
    fake_add_service(&c, "vm:101", "node1", NULL, NULL);
    fake_env_init(&e1, &c, "node1", "crm");
    crm = crm_new(&e1.env);
    step(&c, crm, &e1, 20);
    CHECK_STR(crm_state_name(crm), "master");

    /* someone else holds a fresh lock (e.g. after a partition) */
    fake_set_lock(&c, "ha_manager_lock", "node3", 30);
    CHECK(step(&c, crm, &e1, 40));
    CHECK_INT(fake_logged(&c, "status change master => lost_manager_lock"), 1);
    /* the watchdog is closed at once, so a lost master never self-fences */
    CHECK_INT(fake_wd_open_count(&c, "node1"), 0);
    CHECK_STR(crm_state_name(crm), "wait_for_quorum");
    CHECK_STR(fake_lock_owner(&c, "ha_manager_lock"), "node3");
    crm_free(crm);
    fake_free(&c);
}

static void test_idle_without_services(void)
{
    struct fake_cluster c;
    struct fake_env e1;
    struct crm *crm;

    fake_init(&c, three);
    fake_env_init(&e1, &c, "node1", "crm");
    crm = crm_new(&e1.env);
    /* nothing configured, nothing pending: stays quiet */
    step(&c, crm, &e1, 20);
    CHECK_STR(crm_state_name(crm), "wait_for_quorum");
    CHECK(fake_lock_owner(&c, "ha_manager_lock") == NULL);
    /* a queued command wakes it up */
    fake_command(&c, "enable-node-maintenance node2");
    step(&c, crm, &e1, 40);
    CHECK_STR(crm_state_name(crm), "master");
    crm_free(crm);
    fake_free(&c);
}

static void test_shutdown_releases_lock(void)
{
    struct fake_cluster c;
    struct fake_env e1;
    struct crm *crm;

    fake_init(&c, three);
    fake_add_service(&c, "vm:101", "node1", NULL, NULL);
    fake_env_init(&e1, &c, "node1", "crm");
    crm = crm_new(&e1.env);
    step(&c, crm, &e1, 20);
    crm_shutdown_request(crm, &e1.env);
    crm_shutdown_request(crm, &e1.env);
    CHECK_INT(fake_logged(&c, "server received shutdown request"), 1);
    CHECK(!step(&c, crm, &e1, 40)); /* the iteration asks to exit */
    CHECK_INT(fake_logged(&c, "voluntary release CRM lock"), 1);
    CHECK(fake_lock_owner(&c, "ha_manager_lock") == NULL);
    CHECK_INT(fake_wd_open_count(&c, "node1"), 0);
    crm_free(crm);
    fake_free(&c);
}

int main(void)
{
    RUN(test_quorum_then_master);
    RUN(test_second_crm_is_slave);
    RUN(test_lost_manager_lock);
    RUN(test_idle_without_services);
    RUN(test_shutdown_releases_lock);
    return test_summary();
}
