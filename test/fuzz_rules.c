/* fuzz_rules.c - libFuzzer harness for rules.cfg (rules_parse), then the
 * whole pipeline the master runs on it each round: write back, check,
 * transform and compile over a fixed node list. A rules file comes from
 * any node of the cluster; nothing in it may crash the master.
 *   make fuzz FUZZ_S=60 */
#include "state/rules.h"
#include "test/fuzz.h"

static const char *const nodes[] = {"node1", "node2", "node3"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *out;
    struct rules r = {0}, again = {0};
    struct rules_msgs warn = {0}, msgs = {0};
    struct rules_compiled comp = {0};

    rules_parse(text, &r, &warn);
    out = rules_write(&r);
    rules_parse(out, &again, NULL);
    free(out);
    rules_check(&r, nodes, 3, NULL, NULL);
    rules_check_transform(&r, nodes, 3, &msgs);
    rules_compile(&r, nodes, 3, &comp);
    rules_compiled_free(&comp);
    rules_free(&again);
    rules_free(&r);
    rules_msgs_free(&warn);
    rules_msgs_free(&msgs);
    free(text);
    return 0;
}
