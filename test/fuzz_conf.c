/* fuzz_conf.c - libFuzzer harness for the daemons' config file
 * (applets/conf.c: conf_load, an operator's key=value lines) and the
 * checks and derived timings every daemon computes from it at start-up.
 * The file is a memfd named by its /proc path, so conf_load reads it the
 * way it reads /etc/haven/haven.conf.
 *   make fuzz FUZZ_S=60 */
#include "applets/conf.h"
#include "kv/store.h"
#include "test/fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

static int conf_fd = -1;
static char conf_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conf c;
    struct kv_options o;
    char *err = NULL;

    if (conf_fd < 0) {
        conf_fd = memfd_create("haven.conf", 0);
        FUZZ_ASSERT(conf_fd >= 0);
        snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
    }
    FUZZ_ASSERT(ftruncate(conf_fd, 0) == 0);
    FUZZ_ASSERT(pwrite(conf_fd, data, size, 0) == (ssize_t)size);
    if (conf_load(conf_path, &c, &err) == 0) {
        free(err);
        err = NULL;
        (void)conf_short_sleep(&c);
        (void)conf_worker_wait(&c);
        (void)conf_node_timeout(&c);
        (void)conf_renew_budget(&c, 10);
        if (conf_check_timings(&c, &err) == 0) {
            (void)conf_check_watchdog(&c, c.watchdog_client_timeout, 10, &err);
        }
        conf_kv_options(&c, "crm", 10, &o);
        FUZZ_ASSERT(o.url != NULL);
        conf_free(&c);
    }
    free(err);
    return 0;
}
