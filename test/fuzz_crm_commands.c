/* fuzz_crm_commands.c - libFuzzer harness for the CRM command spool: the
 * lines ha-manager (or anyone who can write to the store) queues for the
 * master, which reads them in a round (mgr_process_commands) and acts on
 * each. A real manager runs on the fake cluster of the unit tests (three
 * nodes, three services): one round to settle, one with the fuzz input as
 * the spooled text, one after. Nothing in a line may crash the master.
 *   make fuzz FUZZ_S=60 */
#include "state/manager.h"
#include "test/fuzz.h"
#include "test/test_fakeenv.h"

static const char *const three[] = {"node1", "node2", "node3", NULL};

static void round_at(struct manager *m, struct fake_cluster *c, struct fake_env *fe, int64_t t)
{
    char *err = NULL;

    c->now = t;
    (void)manager_round(m, &fe->env, &err);
    free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fake_cluster c;
    struct fake_env fe;
    struct manager *m;

    if (size > 1 << 14) {
        return 0;
    }
    fake_init(&c, three);
    fake_env_init(&fe, &c, "node2", "crm");
    fake_add_service(&c, "vm:101", "node1", NULL, NULL);
    fake_add_service(&c, "vm:102", "node2", NULL, NULL);
    fake_add_service(&c, "ct:103", "node3", "stopped", NULL);
    m = manager_new(&fe.env);
    round_at(m, &c, &fe, 20);
    strbuf_addn(&c.commands, (const char *)data, size);
    round_at(m, &c, &fe, 30);
    round_at(m, &c, &fe, 40);
    manager_free(m);
    fake_free(&c);
    return 0;
}
