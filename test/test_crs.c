/* test_crs.c - the CRS usage model: numbers worked by hand, or from a
 * reference implementation run as a black box. */
#include "state/crs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "state/str.h"
#include "test/test.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* Reference numbers may differ in the last bit (Python's ** is libm pow). */
#define CHECK_NEAR(a, b) CHECK(fabs((a) - (b)) <= 1e-14 * fmax(fabs(a), fabs(b)))

static struct crs_service_stats static_st(double maxcpu, double maxmem)
{
    struct crs_service_stats st = {
        .has_usage = true,
        .present = CRS_HAS_MAXCPU | CRS_HAS_MAXMEM,
        .maxcpu = maxcpu,
        .maxmem = maxmem,
    };
    return st;
}

static struct crs_service_stats dyn_st(double cpu, double maxcpu, double mem, double maxmem)
{
    struct crs_service_stats st = {
        .has_usage = true,
        .present = CRS_HAS_CPU | CRS_HAS_MAXCPU | CRS_HAS_MEM | CRS_HAS_MAXMEM,
        .cpu = cpu,
        .maxcpu = maxcpu,
        .mem = mem,
        .maxmem = maxmem,
    };
    return st;
}

static void add_node(struct crs_usage *u, const char *name, double maxcpu, double maxmem)
{
    struct crs_node_stats ns = {.maxcpu = maxcpu, .maxmem = maxmem};

    CHECK_INT(crs_add_node(u, name, &ns), 0);
}

/* Adds a service that must succeed. */
static void add_ok(
    struct crs_usage *u,
    const char *sid,
    const char *cur,
    const char *tgt,
    bool running,
    const struct crs_service_stats *st
)
{
    char *w = NULL;

    CHECK_INT(crs_add_service(u, &(struct crs_service){sid, cur, tgt, running, st}, &w), 0);
    CHECK(w == NULL);
    free(w);
}

/* Expects add_service to fail with this warning line. */
static void add_fails(
    struct crs_usage *u,
    const char *sid,
    const char *cur,
    const char *tgt,
    const struct crs_service_stats *st,
    const char *want
)
{
    char *w = NULL;

    CHECK_INT(crs_add_service(u, &(struct crs_service){sid, cur, tgt, true, st}, &w), -1);
    CHECK_STR(w, want);
    free(w);
}

static char *fmt2(double v)
{
    return xasprintf("%.2f", v);
}

static void check_fmt2(double v, const char *want)
{
    char *s = fmt2(v);

    CHECK_STR(s, want);
    free(s);
}

/* Picks with one candidate per sid of sids[], each to targets[]. */
static int select_each(
    struct crs_usage *u,
    const char *const *sids,
    size_t n,
    const char *const *const *targets,
    const char *method,
    struct crs_migration *out
)
{
    struct crs_candidate c[8];
    char *err = NULL;
    int rc;

    for (size_t i = 0; i < n; i++) {
        c[i] = (struct crs_candidate){
            .leader = sids[i],
            .members = &sids[i],
            .n_members = 1,
            .targets = targets[i],
            .n_targets = 2,
        };
    }
    rc = crs_select_migration(u, c, n, method, out, &err);
    CHECK(err == NULL);
    free(err);
    return rc;
}

/* A worked example: 3 equal nodes, 4 equal services, all on node1. */
static void test_imbalance_example(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats st = static_st(1, GIB);
    const char *sids[] = {"vm:100", "vm:101", "vm:102", "vm:103"};
    static const char *const t1[] = {"node2", "node3"}, *const t2[] = {"node1", "node3"};
    static const char *const t3[] = {"node1", "node2"};
    const char *const *tg[] = {t1, t1, t1, t1};
    struct crs_migration m;
    double before;

    add_node(u, "node1", 4, 4 * GIB);
    add_node(u, "node2", 4, 4 * GIB);
    add_node(u, "node3", 4, 4 * GIB);
    for (size_t i = 0; i < 4; i++) {
        add_ok(u, sids[i], "node1", NULL, true, &st);
    }
    before = crs_imbalance(u);
    CHECK_NEAR(before, sqrt(2.0));
    check_fmt2(before, "1.41");

    CHECK_INT(select_each(u, sids, 4, tg, "bruteforce", &m), 1);
    CHECK_STR(m.leader, "vm:100");
    CHECK_STR(m.source, "node1");
    CHECK_STR(m.target, "node2");
    CHECK_NEAR(m.imbalance, sqrt(14.0) / 4);
    check_fmt2(m.imbalance, "0.94");
    CHECK(crs_relative_improvement(before, m.imbalance) >= 0.1);

    crs_remove_service(u, "vm:100");
    add_ok(u, "vm:100", "node2", NULL, true, &st);
    before = crs_imbalance(u);
    check_fmt2(before, "0.94");
    tg[0] = t2;
    CHECK_INT(select_each(u, sids, 4, tg, "bruteforce", &m), 1);
    CHECK_STR(m.leader, "vm:101");
    CHECK_STR(m.target, "node3");
    CHECK_NEAR(m.imbalance, sqrt(2.0) / 4);
    check_fmt2(m.imbalance, "0.35");

    crs_remove_service(u, "vm:101");
    add_ok(u, "vm:101", "node3", NULL, true, &st);
    before = crs_imbalance(u);
    tg[1] = t3;
    CHECK_INT(select_each(u, sids, 4, tg, "bruteforce", &m), 1);
    /* (1,2,1) and (1,1,2) tie after truncation: smallest leader, then target */
    CHECK_STR(m.leader, "vm:102");
    CHECK_STR(m.target, "node2");
    CHECK(crs_relative_improvement(before, m.imbalance) < 0.1);
    crs_free(u);
}

/* Static stats of node i (node1 18 cpus/33 GiB, node2/3 33 cpus/61 GiB)
 * with the given started cpu and mem. */
static struct crs_stats trunc_node(size_t i, double cpu, double mem_gib)
{
    struct crs_stats s = {
        .cpu = cpu,
        .maxcpu = i == 0 ? 18 : 33,
        .mem = (uint64_t)(mem_gib * GIB),
        .maxmem = (uint64_t)((i == 0 ? 33 : 61) * GIB),
    };
    return s;
}

/* Two moves whose imbalances differ in the 16th decimal: truncation makes
 * them equal, and the tie goes to the smaller target name. */
static void test_bruteforce_truncation_tie(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats big = static_st(8, 15 * GIB), small = static_st(1, GIB);
    struct crs_service_stats other = static_st(15, 48 * GIB);
    const char *sids[] = {"vm:100"};
    static const char *const t[] = {"node2", "node3"};
    const char *const *tg[] = {t};
    struct crs_stats to2[3] = {trunc_node(0, 1, 1), trunc_node(1, 23, 63), trunc_node(2, 15, 48)};
    struct crs_stats to3[3] = {trunc_node(0, 1, 1), trunc_node(1, 15, 48), trunc_node(2, 23, 63)};
    struct crs_migration m;

    add_node(u, "node1", 18, 33 * GIB);
    add_node(u, "node2", 33, 61 * GIB);
    add_node(u, "node3", 33, 61 * GIB);
    add_ok(u, "vm:100", "node1", NULL, true, &big);
    add_ok(u, "vm:300", "node1", NULL, true, &small);
    add_ok(u, "vm:200", "node2", NULL, true, &other);
    add_ok(u, "vm:201", "node3", NULL, true, &other);
    /* untruncated, node3 would win */
    CHECK(crs_stats_imbalance(to3, 3) < crs_stats_imbalance(to2, 3));
    CHECK(crs_trunc15(crs_stats_imbalance(to3, 3)) == crs_trunc15(crs_stats_imbalance(to2, 3)));
    CHECK_INT(select_each(u, sids, 1, tg, "bruteforce", &m), 1);
    CHECK_STR(m.target, "node2");
    CHECK(m.imbalance == crs_trunc15(crs_stats_imbalance(to2, 3)));
    CHECK_NEAR(m.imbalance, 0.676437291936943);
    crs_free(u);
}

/* Equal TOPSIS scores go to the earliest migration, bruteforce ties to the
 * smallest leader. */
static void test_topsis_tie_order(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats st = static_st(2, 2 * GIB);
    const char *sids[] = {"vm:101", "vm:100"};
    static const char *const t[] = {"node2", "node3"};
    const char *const *tg[] = {t, t};
    struct crs_migration m;
    char *err = NULL;

    add_node(u, "node1", 8, 8 * GIB);
    add_node(u, "node2", 8, 8 * GIB);
    add_node(u, "node3", 8, 8 * GIB);
    add_ok(u, "vm:100", "node1", NULL, true, &st);
    add_ok(u, "vm:101", "node1", NULL, true, &st);
    add_ok(u, "vm:102", "node1", NULL, true, &st);
    CHECK_INT(select_each(u, sids, 2, tg, "topsis", &m), 1);
    CHECK_STR(m.leader, "vm:101");
    CHECK_STR(m.target, "node2");
    CHECK_INT(select_each(u, sids, 2, tg, "bruteforce", &m), 1);
    CHECK_STR(m.leader, "vm:100");
    CHECK_STR(m.target, "node2");
    CHECK_INT(select_each(u, sids, 2, tg, "random", &m), 0);
    CHECK_INT(crs_select_migration(u, NULL, 0, "bruteforce", &m, &err), 0);
    crs_free(u);
}

static void test_topsis_maths(void)
{
    double rows[8] = {1, 1, 1, 1, 2, 2, 2, 2}, same[8] = {3, 1, 4, 1, 3, 1, 4, 1};
    double nan_row[8] = {1, 1, 1, 1, NAN, 1, 1, 1}, inf_row[8] = {1, 1, 1, 1, 1, 1, INFINITY, 1};
    double sc[2];
    char *err = NULL;

    CHECK_INT(crs_topsis(rows, 2, sc, &err), 0);
    CHECK(sc[0] == 1.0 && sc[1] == 0.0);
    CHECK_INT(crs_topsis(same, 2, sc, &err), 0);
    CHECK(sc[0] == 0.0 && sc[1] == 0.0);
    CHECK_INT(crs_topsis(nan_row, 2, sc, &err), -1);
    CHECK_STR(err, "criterion 0 got invalid value NaN");
    free(err);
    CHECK_INT(crs_topsis(inf_row, 2, sc, &err), -1);
    CHECK_STR(err, "criterion 2 got invalid value NaN");
    free(err);
    CHECK(crs_trunc15(0.1234567890123456789) == trunc(0.1234567890123456789 * 1e15) / 1e15);
    CHECK(crs_stats_imbalance(NULL, 0) == 0.0);
}

/* Reference values: static started view counts every listed resource, a
 * moving one on both nodes, maxcpu 0 as the node's cpu count. */
static void test_score_static(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats a = static_st(2, 4 * GIB), b = static_st(1, 2 * GIB);
    struct crs_service_stats c = static_st(0, GIB), s = static_st(2, 2 * GIB);
    double sc[3];
    char *err = NULL;

    add_node(u, "node2", 8, 16 * GIB); /* out of order on purpose */
    add_node(u, "node1", 8, 16 * GIB);
    add_node(u, "node3", 16, 32 * GIB);
    CHECK_INT(crs_node_count(u), 3);
    CHECK_STR(crs_node_name(u, 0), "node1");
    CHECK_STR(crs_node_name(u, 2), "node3");
    CHECK(crs_node_name(u, 3) == NULL);
    CHECK_INT(crs_node_index(u, "node2"), 1);
    CHECK_INT(crs_node_index(u, "node0"), -1);
    CHECK_INT(crs_node_index(u, NULL), -1);
    add_ok(u, "vm:100", "node1", NULL, true, &a);
    add_ok(u, "vm:101", "node2", "node3", false, &b);
    add_ok(u, "vm:102", "node3", NULL, true, &c);
    CHECK_INT(crs_score_nodes(u, "vm:200", &s, sc, &err), 0);
    CHECK_NEAR(sc[0], -0.10788392499072758);
    CHECK_NEAR(sc[1], -0.9001104414562301);
    CHECK_NEAR(sc[2], -0.8910084493759807);
    CHECK_NEAR(crs_imbalance(u), 0.6014405353391522);
    crs_free(u);
}

static void test_score_equal_nodes(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats s = static_st(2, 2 * GIB);
    double sc[2];
    char *err = NULL;

    add_node(u, "node1", 8, 16 * GIB);
    add_node(u, "node2", 8, 16 * GIB);
    CHECK_INT(crs_score_nodes(u, "vm:200", &s, sc, &err), 0);
    CHECK(sc[0] == 0.0 && sc[1] == 0.0);
    CHECK(crs_imbalance(u) == 0.0);
    crs_free(u);
}

/* Dynamic: live base, Starting services count for starts, imbalance and
 * balancing use the live base only. */
static void test_dynamic(void)
{
    struct crs_usage *u = crs_new(CRS_DYNAMIC);
    struct crs_node_stats n1 = {2.5, 8, 5 * GIB, 16 * GIB}, n2 = {0.75, 8.9, 2 * GIB, 16 * GIB};
    struct crs_service_stats a = dyn_st(1.5, 2, 3 * GIB, 4 * GIB),
                             b = dyn_st(0.25, 0, GIB, 2 * GIB);
    struct crs_service_stats s = dyn_st(0.5, 4, GIB, 8 * GIB);
    const char *sids[] = {"vm:100", "vm:101"};
    static const char *const t1[] = {"node2"}, *const t2[] = {"node1"};
    struct crs_candidate c[2] = {
        {.leader = "vm:100", .members = &sids[0], .n_members = 1, .targets = t1, .n_targets = 1},
        {.leader = "vm:101", .members = &sids[1], .n_members = 1, .targets = t2, .n_targets = 1},
    };
    struct crs_migration m;
    double sc[2];
    char *err = NULL;

    CHECK_INT(crs_add_node(u, "node1", &n1), 0);
    CHECK_INT(crs_add_node(u, "node2", &n2), 0); /* maxcpu truncated to 8 */
    add_ok(u, "vm:100", "node1", NULL, true, &a);
    add_ok(u, "vm:101", "node2", NULL, false, &b);
    CHECK_INT(crs_score_nodes(u, "vm:200", &s, sc, &err), 0);
    CHECK_NEAR(sc[0], -0.5459531648891164);
    CHECK_NEAR(sc[1], -0.45404683511088356);
    CHECK_NEAR(crs_imbalance(u), 0.48148148148148145);
    CHECK_INT(crs_select_migration(u, c, 2, "bruteforce", &m, &err), 1);
    CHECK_STR(m.leader, "vm:100");
    CHECK_STR(m.target, "node2");
    CHECK_NEAR(m.imbalance, 0.407407407407407);
    CHECK_INT(crs_select_migration(u, c, 2, "topsis", &m, &err), 1);
    CHECK_STR(m.leader, "vm:100");
    CHECK_NEAR(m.imbalance, 0.407407407407407);
    crs_free(u);
}

/* Moving more than the live base: source cpu and mem saturate at 0. */
static void test_migration_saturates(void)
{
    struct crs_usage *u = crs_new(CRS_DYNAMIC);
    struct crs_node_stats n1 = {0.5, 4, GIB, 8 * GIB}, n2 = {1, 4, 2 * GIB, 8 * GIB};
    struct crs_service_stats a = dyn_st(2, 2, 3 * GIB, 4 * GIB);
    const char *sid = "vm:100";
    static const char *const t[] = {"node2"};
    struct crs_candidate c = {
        .leader = sid, .members = &sid, .n_members = 1, .targets = t, .n_targets = 1};
    struct crs_stats after[2] = {
        {0, 4, 0, 8 * (uint64_t)GIB}, {3, 4, 5 * (uint64_t)GIB, 8 * (uint64_t)GIB}};
    struct crs_migration m;
    char *err = NULL;

    crs_add_node(u, "node1", &n1);
    crs_add_node(u, "node2", &n2);
    add_ok(u, sid, "node1", NULL, true, &a);
    CHECK_INT(crs_select_migration(u, &c, 1, "bruteforce", &m, &err), 1);
    CHECK(m.imbalance == crs_trunc15(crs_stats_imbalance(after, 2)));
    CHECK(m.imbalance == 1.0);
    crs_free(u);
}

static void test_add_errors(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats ok = static_st(1, GIB), empty = {.has_usage = true};
    struct crs_service_stats no_mem = {.has_usage = true, .present = CRS_HAS_MAXCPU, .maxcpu = 1};
    struct crs_service_stats no_usage = {.has_usage = false};

    add_node(u, "node1", 4, 4 * GIB);
    add_node(u, "node2", 4, 4 * GIB);
    CHECK_INT(crs_add_node(u, "node1", NULL), -1);
    add_fails(
        u, "vm:100", "node1", NULL, NULL,
        "unable to add service 'vm:100' - did not get static service usage information for "
        "'vm:100'"
    );
    add_fails(
        u, "vm:100", "node1", NULL, &no_usage,
        "unable to add service 'vm:100' - did not get static service usage information for "
        "'vm:100'"
    );
    add_fails(
        u, "vm:100", "node1", NULL, &empty,
        "unable to add service 'vm:100' - missing field `maxcpu`"
    );
    add_fails(
        u, "vm:100", "node1", NULL, &no_mem,
        "unable to add service 'vm:100' - missing field `maxmem`"
    );
    add_fails(
        u, "vm:100", "node1", "node1", &ok,
        "unable to add service 'vm:100' - resource 'vm:100' has the same current and target node"
    );
    add_fails(
        u, "vm:100", "node9", NULL, &ok,
        "unable to add service 'vm:100' - current node for resource 'vm:100' does not exist"
    );
    add_fails(
        u, "vm:100", "node1", "node9", &ok,
        "unable to add service 'vm:100' - nodes for resource 'vm:100' do not exist"
    );
    CHECK(!crs_has_service(u, "vm:100"));
    /* nothing to place: ignored before the stats lookup */
    add_ok(u, "vm:100", NULL, NULL, true, NULL);
    CHECK(!crs_has_service(u, "vm:100"));
    add_ok(u, "vm:100", NULL, "node2", true, &ok);
    CHECK(crs_has_service(u, "vm:100"));
    add_fails(
        u, "vm:100", "node1", NULL, &ok,
        "unable to add service 'vm:100' - resource 'vm:100' already exists"
    );
    crs_remove_service(u, "vm:100");
    crs_remove_service(u, "vm:100");
    CHECK(!crs_has_service(u, "vm:100"));
    crs_free(u);
}

static void test_dynamic_missing_fields(void)
{
    struct crs_usage *u = crs_new(CRS_DYNAMIC);
    struct crs_service_stats empty = {.has_usage = true};
    struct crs_service_stats st = dyn_st(1, 1, GIB, GIB);
    double sc[1] = {5};
    char *err = NULL;

    crs_add_node(u, "node1", &(struct crs_node_stats){0, 4, 0, GIB});
    add_fails(
        u, "vm:1", "node1", NULL, &empty, "unable to add service 'vm:1' - missing field `cpu`"
    );
    st.present &= ~(unsigned)CRS_HAS_MEM;
    add_fails(u, "vm:1", "node1", NULL, &st, "unable to add service 'vm:1' - missing field `mem`");
    CHECK_INT(crs_score_nodes(u, "vm:1", NULL, sc, &err), -1);
    CHECK_STR(err, "did not get dynamic service usage information for 'vm:1'");
    CHECK(sc[0] == 0.0);
    free(err);
    crs_free(u);
}

/* A node without cpus makes the criteria non-finite: scores fall back to 0. */
static void test_score_error(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats s = static_st(1, GIB);
    double sc[2] = {7, 7};
    char *err = NULL;

    add_node(u, "node1", 0, 4 * GIB);
    add_node(u, "node2", 4, 4 * GIB);
    CHECK_INT(crs_score_nodes(u, "vm:1", &s, sc, &err), -1);
    CHECK_STR(err, "criterion 0 got invalid value NaN");
    CHECK(sc[0] == 0.0 && sc[1] == 0.0);
    free(err);
    crs_free(u);
}

static void test_basic(void)
{
    struct crs_usage *u = crs_new(CRS_BASIC);
    double sc[2];
    char *w = NULL, *err = NULL;
    struct crs_migration m;

    crs_add_node(u, "node1", NULL);
    crs_add_node(u, "node2", NULL);
    add_ok(u, "vm:1", "node1", NULL, true, NULL);
    add_ok(u, "vm:2", "node1", "node2", true, NULL);
    add_ok(u, "vm:3", NULL, "node2", false, NULL);
    CHECK_INT(
        crs_add_service(u, &(struct crs_service){"vm:4", "node9", "node1", true, NULL}, &w), -1
    );
    CHECK_STR(w, "unable to add service 'vm:4' usage to node 'node9' - node not in usage hash");
    free(w);
    CHECK_INT(
        crs_add_service(u, &(struct crs_service){"vm:5", "node8", "node9", true, NULL}, &w), -1
    );
    CHECK_STR(
        w,
        "unable to add service 'vm:5' usage to node 'node8' - node not in usage hash\n"
        "unable to add service 'vm:5' usage to node 'node9' - node not in usage hash"
    );
    free(w);
    CHECK_INT(crs_score_nodes(u, "vm:9", NULL, sc, &err), 0);
    CHECK(sc[0] == 3.0 && sc[1] == 2.0);
    crs_remove_service(u, "vm:2");
    CHECK(!crs_has_service(u, "vm:2"));
    CHECK_INT(crs_score_nodes(u, "vm:9", NULL, sc, &err), 0);
    CHECK(sc[0] == 2.0 && sc[1] == 1.0);
    CHECK(crs_imbalance(u) == 0.0);
    CHECK_INT(crs_select_migration(u, NULL, 0, "bruteforce", &m, &err), 0);
    crs_free(u);
}

static void select_err(struct crs_usage *u, const struct crs_candidate *c, const char *want)
{
    struct crs_migration m;
    char *err = NULL;

    /* the checks run before the method is looked at */
    CHECK_INT(crs_select_migration(u, c, 1, "other", &m, &err), -1);
    CHECK_STR(err, want);
    free(err);
}

static void test_select_errors(void)
{
    struct crs_usage *u = crs_new(CRS_STATIC);
    struct crs_service_stats st = static_st(1, GIB);
    const char *m1[] = {"vm:1", "vm:9"}, *m2[] = {"vm:1", "vm:3"}, *m3[] = {"vm:1", "vm:4"};
    static const char *const t[] = {"node3"};
    struct crs_candidate c = {
        .leader = "vm:9", .members = m1, .n_members = 2, .targets = t, .n_targets = 1};

    add_node(u, "node1", 4, 4 * GIB);
    add_node(u, "node2", 4, 4 * GIB);
    add_node(u, "node3", 4, 4 * GIB);
    add_ok(u, "vm:1", "node1", NULL, true, &st);
    add_ok(u, "vm:2", "node1", "node2", true, &st);
    add_ok(u, "vm:3", "node1", "node3", true, &st);
    add_ok(u, "vm:4", "node2", NULL, true, &st);
    select_err(u, &c, "leader 'vm:9' is not present in the cluster usage");
    c.leader = "vm:2";
    select_err(u, &c, "leader 'vm:2' is non-stationary");
    c.leader = "vm:1";
    select_err(u, &c, "resource 'vm:9' is not present in the cluster usage");
    c.members = m2;
    select_err(u, &c, "resource 'vm:3' is non-stationary");
    c.members = m3;
    select_err(u, &c, "resource 'vm:4' is on other node than leader");
    crs_free(u);
}

/* Cached per-node sums give the same bits as a usage built in another order. */
static void test_order_independent(void)
{
    struct crs_usage *a = crs_new(CRS_STATIC), *b = crs_new(CRS_STATIC);
    struct crs_service_stats st[5];
    char sid[5][8], *err = NULL;
    const char *node[5] = {"node1", "node2", "node1", "node3", "node1"};
    double sa[3], sb[3];

    for (size_t i = 0; i < 5; i++) {
        st[i] = static_st(0.1 * (double)(i + 1), (double)(i + 1) * 0.3 * GIB);
        snprintf(sid[i], sizeof(sid[i]), "vm:%zu", 100 + i);
    }
    add_node(a, "node1", 8, 16 * GIB);
    add_node(a, "node2", 6, 16 * GIB);
    add_node(a, "node3", 4, 8 * GIB);
    add_node(b, "node3", 4, 8 * GIB);
    add_node(b, "node1", 8, 16 * GIB);
    add_node(b, "node2", 6, 16 * GIB);
    for (size_t i = 0; i < 5; i++) {
        add_ok(a, sid[i], node[i], NULL, true, &st[i]);
        add_ok(b, sid[4 - i], "node2", NULL, true, &st[4 - i]);
    }
    CHECK_INT(crs_score_nodes(b, "x", &st[0], sb, &err), 0); /* fills b's caches */
    for (size_t i = 0; i < 5; i++) {
        crs_remove_service(b, sid[i]);
        add_ok(b, sid[i], node[i], NULL, true, &st[i]);
    }
    CHECK_INT(crs_score_nodes(a, "x", &st[0], sa, &err), 0);
    CHECK_INT(crs_score_nodes(b, "x", &st[0], sb, &err), 0);
    CHECK(sa[0] == sb[0] && sa[1] == sb[1] && sa[2] == sb[2]);
    CHECK(crs_imbalance(a) == crs_imbalance(b));
    crs_free(a);
    crs_free(b);
}

int main(void)
{
    RUN(test_imbalance_example);
    RUN(test_bruteforce_truncation_tie);
    RUN(test_topsis_tie_order);
    RUN(test_topsis_maths);
    RUN(test_score_static);
    RUN(test_score_equal_nodes);
    RUN(test_dynamic);
    RUN(test_migration_saturates);
    RUN(test_add_errors);
    RUN(test_dynamic_missing_fields);
    RUN(test_score_error);
    RUN(test_basic);
    RUN(test_select_errors);
    RUN(test_order_independent);
    return test_summary();
}
