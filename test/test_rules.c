/* test_rules.c - the rules.cfg writer keeps the meaning of what the reader
 * read: parse(write(parse(x))) is parse(x) for every rule a file can hold
 * (the inputs below and the rules test data in test/rules/). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/rules.h"
#include "state/str.h"
#include "test/test.h"

/* How many rules come before this one in file order (orders may have gaps
 * after a repeated id; the rank is what they mean). */
static size_t order_rank(const struct rules *r, const struct rule *rule)
{
    size_t rank = 0;

    for (size_t i = 0; i < r->n; i++) {
        rank += r->v[i].order < rule->order;
    }
    return rank;
}

static bool sets_equal(const struct rules_set *a, const struct rules_set *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i], b->v[i]) != 0) {
            return false;
        }
    }
    return true;
}

static bool nodes_equal(const struct rule *a, const struct rule *b)
{
    if (a->n_nodes != b->n_nodes) {
        return false;
    }
    for (size_t i = 0; i < a->n_nodes; i++) {
        if (strcmp(a->nodes[i].node, b->nodes[i].node) != 0 ||
            a->nodes[i].prio != b->nodes[i].prio) {
            return false;
        }
    }
    return true;
}

/* NULL when the two rules mean the same, else the first field that differs. */
static const char *rule_diff(
    const struct rules *ra, const struct rule *a, const struct rules *rb, const struct rule *b
)
{
    if (strcmp(a->id, b->id) != 0 || a->type != b->type) {
        return "id or type";
    }
    if (order_rank(ra, a) != order_rank(rb, b)) {
        return "order";
    }
    if (a->placeholder != b->placeholder || rule_enabled(a) != rule_enabled(b)) {
        return "placeholder or enabled";
    }
    if (a->has_disable != b->has_disable) {
        return "disable";
    }
    if (a->has_strict != b->has_strict || (a->has_strict && a->strict != b->strict)) {
        return "strict";
    }
    if (a->has_resources != b->has_resources || !sets_equal(&a->resources, &b->resources)) {
        return "resources";
    }
    if (a->has_nodes != b->has_nodes || !nodes_equal(a, b)) {
        return "nodes";
    }
    if (a->affinity != b->affinity) {
        return "affinity";
    }
    if (!str_eq(a->comment, b->comment)) {
        return "comment";
    }
    return NULL;
}

/* The rules_check output without its Config part (the digest and the order
 * numbers of the text): the drop messages and the compiled maps. */
static char *checked_meaning(const char *text)
{
    char *out = rules_dump(text, "x");
    char *cfg = strstr(out, "--- Config ---\n"), *compiled = strstr(out, "--- Compiled Config ---");

    if (cfg != NULL && compiled != NULL) {
        memmove(cfg, compiled, strlen(compiled) + 1);
    }
    return out;
}

static void round_trip(const char *name, const char *text)
{
    struct rules a = {0}, b = {0};
    char *written, *again, *m1, *m2;

    rules_parse(text, &a, NULL);
    written = rules_write(&a);
    rules_parse(written, &b, NULL);
    again = rules_write(&b);
    CHECK_STR(again, written);
    CHECK_INT(b.n, a.n);
    for (size_t i = 0; i < a.n && i < b.n; i++) {
        const char *d = rule_diff(&a, &a.v[i], &b, &b.v[i]);
        if (d != NULL) {
            fprintf(stderr, "%s: rule '%s' changes its %s when written back\n", name, a.v[i].id, d);
        }
        CHECK(d == NULL);
    }
    m1 = checked_meaning(text);
    m2 = checked_meaning(written);
    CHECK_STR(m2, m1);
    free(m1);
    free(m2);
    free(again);
    free(written);
    rules_free(&a);
    rules_free(&b);
}

static void test_round_trip_edge_cases(void)
{
    static const char *const inputs[] = {
        /* an empty list is no list: the rule is a placeholder either way */
        "node-affinity: empty-res\n\tresources ,\n\tnodes node1\n",
        "node-affinity: empty-nodes\n\tresources vm:101\n\tnodes ; ,\n",
        "resource-affinity: empty-both\n\tresources  ;\n\taffinity negative\n",
        /* "disable 0" disables too (any value does) */
        "resource-affinity: off0\n\tresources vm:101,vm:102\n\taffinity positive\n\tdisable 0\n",
        "resource-affinity: off1\n\tresources vm:101,vm:102\n\taffinity positive\n\tdisable\n",
        "node-affinity: strict0\n\tresources vm:1\n\tnodes node1:007,node2:0\n\tstrict 0\n",
        "node-affinity: bigprio\n\tresources vm:1\n\tnodes node1:99999999999999999999999\n",
        /* bad values leave the key out */
        "node-affinity: badnode\n\tresources vm:1\n\tnodes -node1\n",
        "node-affinity: badres\n\tresources vm:1,nope\n\tnodes node1\n",
        "resource-affinity: badaff\n\tresources vm:1,vm:2\n\taffinity sideways\n",
        "resource-affinity: dupkeys\n\tresources vm:1,vm:2\n\tresources vm:3\n"
        "\taffinity positive\n\tcomment  spaced   out  \n\tcomment twice\n",
        /* a repeated id replaces the earlier section and takes the new slot */
        "node-affinity: rep\n\tresources vm:1\n\tnodes node1\n\n"
        "resource-affinity: mid\n\tresources vm:1,vm:2\n\taffinity negative\n\n"
        "resource-affinity: rep\n\tresources vm:5,vm:6\n\taffinity positive\n",
        "resource-affinity: nokeys\n",
        "Node-Affinity: upper\n\tresources vm:1\n\tnodes node1\n",
    };

    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        round_trip(inputs[i], inputs[i]);
    }
}

static void test_round_trip_test_data(void)
{
    DIR *d = opendir("test/rules");
    struct dirent *e;
    size_t files = 0;

    CHECK(d != NULL); /* run from the source tree, as make check does */
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".cfg") != 0) {
            continue;
        }
        char *path = xasprintf("test/rules/%s", e->d_name);
        FILE *f = fopen(path, "rb");
        struct strbuf sb = {0};
        char buf[4096];
        size_t got;
        CHECK(f != NULL);
        while (f != NULL && (got = fread(buf, 1, sizeof(buf), f)) > 0) {
            strbuf_addn(&sb, buf, got);
        }
        if (f != NULL) {
            fclose(f);
        }
        round_trip(path, strbuf_str(&sb));
        strbuf_free(&sb);
        free(path);
        files++;
    }
    if (d != NULL) {
        closedir(d);
    }
    CHECK(files >= 4);
}

int main(void)
{
    RUN(test_round_trip_edge_cases);
    RUN(test_round_trip_test_data);
    return test_summary();
}
