/* fuzz_scenario.c - libFuzzer harness for the simulator's scenario loader
 * (applets/sim/sim_load.c) and a run of what it accepts. The input is a
 * scenario folder in one text: each file starts after a line
 * "### <name>", where name is one of the folder's file names (cmdlist,
 * hardware_status, manager_status, service_config, datacenter.cfg, the
 * stats, rules_config, groups, service_status_<node>, ...). Text before the
 * first such line is ignored. test/fuzz/scenario/ holds the repository's
 * scenarios in this form.
 *   make fuzz FUZZ_S=60 */
#include "test/fuzz_sim.h"

/* A file name the harness may create: letters, digits, '_', '.', '-'. */
static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char name[65] = "";

    if (size > 1 << 16) {
        return 0; /* the loader's limits are far above; keep the runs short */
    }
    fuzz_sim_folder();
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl + 1 : end, *body = le, *next = body;

        if ((size_t)(le - p) > 4 && memcmp(p, "### ", 4) == 0) {
            size_t n = (size_t)((nl ? nl : end) - (p + 4));

            /* the file runs to the next header line */
            while (next < end) {
                const char *nl2 = memchr(next, '\n', (size_t)(end - next));
                if (end - next > 4 && memcmp(next, "### ", 4) == 0) {
                    break;
                }
                next = nl2 ? nl2 + 1 : end;
            }
            if (name_ok(p + 4, n)) {
                memcpy(name, p + 4, n);
                name[n] = '\0';
                fuzz_sim_put(name, body, (size_t)(next - body));
            }
            p = next;
        } else {
            p = le;
        }
    }
    fuzz_sim_run();
    return 0;
}
