/* test_events.c - the operator events the core reports through env->event
 * (state/env.h): master change, fence started and acknowledged, recovery
 * with its from and to, maintenance on and off, against the fake
 * environment. The manager runs on node2. */
#include <stdlib.h>
#include <string.h>

#include "state/manager.h"
#include "test/test.h"
#include "test/test_fakeenv.h"

static const char *const three[] = {"node1", "node2", "node3", NULL};
static struct strlist seen; /* "kind node sid from to", "-" for NULL */

static void record(void *ctx, const struct ha_event *ev)
{
    char *line = xasprintf(
        "%s %s %s %s %s", ev->kind, ev->node ? ev->node : "-", ev->sid ? ev->sid : "-",
        ev->from ? ev->from : "-", ev->to ? ev->to : "-"
    );

    strlist_add(&seen, line);
    free(line);
}

static int count(const char *line)
{
    int n = 0;

    for (size_t i = 0; i < seen.n; i++) {
        n += strcmp(seen.v[i], line) == 0;
    }
    return n;
}

static void round_at(struct fake_cluster *c, struct fake_env *fe, struct manager **m, int64_t t)
{
    char *err = NULL;

    c->now = t;
    if (*m == NULL) {
        *m = manager_new(&fe->env);
    }
    if (manager_round(*m, &fe->env, &err) != 0) {
        fprintf(stderr, "manager_round at %lld: %s\n", (long long)t, err ? err : "?");
    }
    free(err);
}

static void test_fence_and_recovery(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct manager *m = NULL;

    fake_init(&c, three);
    fake_env_init(&fe, &c, "node2", "crm");
    fe.env.event = record;
    fake_add_service(&c, "vm:103", "node3", NULL, NULL);
    round_at(&c, &fe, &m, 20);
    CHECK_INT(count("master_changed node2 - - node2"), 1); /* no master before */
    fake_node(&c, "node3")->online = false;
    round_at(&c, &fe, &m, 40);
    CHECK_INT(count("fence_started node3 - - -"), 0);
    round_at(&c, &fe, &m, 100); /* fenced: no agent lock held, acknowledged at once */
    CHECK_INT(count("fence_started node3 - - -"), 1);
    CHECK_INT(count("fence_succeeded node3 - - -"), 1);
    CHECK_INT(count("service_recovered node1 vm:103 node3 node1"), 1);
    round_at(&c, &fe, &m, 110); /* nothing new is reported twice */
    CHECK_INT(count("fence_started node3 - - -"), 1);
    CHECK_INT(count("service_recovered node1 vm:103 node3 node1"), 1);
    CHECK_INT((int64_t)seen.n, 4);
    manager_free(m);
    fake_free(&c);
    strlist_clear(&seen);
}

static void test_maintenance_and_new_master(void)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct manager *m = NULL;
    struct fake_node *n;

    fake_init(&c, three);
    /* a manager status written by node1 before */
    free(c.manager_status);
    c.manager_status = xstrdup(
        "{\"master_node\":\"node1\",\"node_status\":{\"node1\":\"online\",\"node2\":\"online\","
        "\"node3\":\"online\"},\"service_status\":{},\"timestamp\":10}"
    );
    fake_env_init(&fe, &c, "node2", "crm");
    fe.env.event = record;
    fake_add_service(&c, "vm:101", "node1", NULL, NULL);
    round_at(&c, &fe, &m, 20);
    CHECK_INT(count("master_changed node2 - node1 node2"), 1);
    n = fake_node(&c, "node3");
    free(n->lrm_status);
    n->lrm_status = xstrdup("{\"mode\":\"maintenance\",\"results\":{},\"state\":\"maintenance\"}");
    round_at(&c, &fe, &m, 30);
    CHECK_INT(count("maintenance_entered node3 - online maintenance"), 1);
    free(n->lrm_status);
    n->lrm_status = xstrdup("{\"mode\":\"active\",\"results\":{},\"state\":\"active\"}");
    round_at(&c, &fe, &m, 40);
    CHECK_INT(count("maintenance_left node3 - maintenance online"), 1);
    manager_free(m);
    fake_free(&c);
    strlist_clear(&seen);
}

int main(void)
{
    RUN(test_fence_and_recovery);
    RUN(test_maintenance_and_new_master);
    return test_summary();
}
