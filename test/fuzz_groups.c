/* fuzz_groups.c - libFuzzer harness for groups.cfg (groups_parse) and the
 * group rules the master derives from it for a few resources.
 *   make fuzz FUZZ_S=60 */
#include "state/rules.h"
#include "test/fuzz.h"

static const char *const nodes[] = {"node1", "node2", "node3"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    struct groups g = {0};
    struct rules r = {0};
    struct rules_msgs warn = {0};
    struct rules_compiled comp = {0};
    struct rules_group_ref refs[8];
    size_t n = 0;

    groups_parse(text, &g, &warn);
    /* each group named by one resource, as resources.cfg would */
    for (size_t i = 0; i < g.n && n < 8; i++, n++) {
        static const char *const sids[] = {
            "vm:100", "vm:101", "vm:102", "ct:103", "ct:104", "vm:105", "vm:106", "vm:107",
        };
        refs[n].sid = sids[n];
        refs[n].group = g.v[i].id;
        (void)groups_failback(&g, g.v[i].id);
    }
    rules_add_groups(&r, &g, refs, n);
    free(rules_write(&r));
    rules_check_transform(&r, nodes, 3, NULL);
    rules_compile(&r, nodes, 3, &comp);
    rules_compiled_free(&comp);
    rules_free(&r);
    groups_free(&g);
    rules_msgs_free(&warn);
    free(text);
    return 0;
}
