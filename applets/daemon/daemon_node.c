/* daemon_node.c - the env methods about this node itself: the watchdog
 * connection through watchdog/wd.h, re-checking the multiplexer's greeting,
 * and whether the node is shutting down (applets/README.md, "The daemons"). */
#include "applets/daemon/daemon.h"
#include "applets/daemon/obs.h"
#include "applets/local_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/scan.h"
#include "state/str.h"
#include "watchdog/wd.h"

/* systemd: the shutdown/reboot jobs; else the shutdown_marker. */
static void env_is_shutdown(void *ctx, bool *shutdown, bool *reboot)
{
    struct daemon *d = ctx;
    char line[256], *text = NULL, *err = NULL;
    size_t len;
    FILE *f;

    *shutdown = *reboot = false;
    if (access("/run/systemd/system", F_OK) == 0) {
        f = popen("systemctl --full list-jobs 2>/dev/null", "r");
        while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
            /* "  JOB UNIT TYPE STATE": the job id, then the unit */
            char unit[64];
            long long id;
            const char *p = line + strspn(line, " \t");
            if (!scan_ll(&p, 0, LLONG_MAX, &id) || !scan_blanks(&p) ||
                !scan_word(&p, unit, sizeof(unit))) {
                continue;
            }
            *shutdown = *shutdown || strcmp(unit, "shutdown.target") == 0;
            *reboot = *reboot || strcmp(unit, "reboot.target") == 0;
        }
        if (f != NULL) {
            pclose(f);
        }
        return;
    }
    /* bounded and never blocking: a FIFO there must not stop the loop */
    if (d->conf.shutdown_marker != NULL &&
        local_file_read(d->conf.shutdown_marker, 4096, &text, &len, &err) == 0) {
        text[strcspn(text, " \t\r\n")] = '\0';
        *reboot = strcmp(text, "reboot") == 0;
        *shutdown = *reboot || strcmp(text, "poweroff") == 0;
    }
    free(text);
    free(err);
}

/* The real connection re-checks the greeting of start-up check 3. */
static int env_wd_open(void *ctx)
{
    struct daemon *d = ctx;
    struct wd_greeting g;
    int fd = wd_open(d->conf.watchdog_socket);
    int rc;

    if (fd < 0) {
        daemon_log(d, HA_ERR, "ERROR: unable to open watchdog socket - %s", strerror(errno));
        exit(1);
    }
    rc = wd_read_greeting(fd, 1000, &g);
    if (rc == 1 && (g.client_timeout_s != d->conf.watchdog_client_timeout ||
                    g.hw_timeout_s != d->hw_timeout)) {
        wd_close(fd);
        kv_lock_release(
            d->store, str_eq(d->role, "lrm") ? daemon_agent_lock(d) : "ha_manager_lock"
        );
        daemon_log(
            d, HA_ERR, "ERROR: watchdog-mux timings changed (client %ld, hw %ld)",
            g.client_timeout_s, g.hw_timeout_s
        );
        exit(1);
    }
    daemon_log(d, HA_INFO, "watchdog active");
    metrics_watchdog(0);
    return fd;
}

/* Feed only within B of the start of the last good renewal (kv/README.md,
 * the safety argument): a daemon paused between its renewal and this feed
 * would otherwise stretch its watchdog past the moment another node may
 * take its lock over (model/README.md, variant FEED_NOCHECK). */
static bool env_wd_update(void *ctx, int handle)
{
    struct daemon *d = ctx;
    const char *lock = str_eq(d->role, "lrm") ? daemon_agent_lock(d) : "ha_manager_lock";
    int64_t at = kv_lock_renewed_at(d->store, lock), age = kv_now_ms() - at;

    if (at < 0 || age > d->budget_ms) {
        daemon_log(
            d, HA_ERR, "not feeding watchdog - lock renewal is %lld ms old (budget %lld ms)",
            at < 0 ? -1LL : (long long)age, (long long)d->budget_ms
        );
        return false;
    }
    if (wd_update(handle) != 0) {
        daemon_log(d, HA_ERR, "watchdog update failed - %s", strerror(errno));
        return false;
    }
    metrics_watchdog(1);
    return true;
}

static bool env_wd_close(void *ctx, int handle)
{
    struct daemon *d = ctx;

    metrics_watchdog(2);
    if (wd_close(handle) != 0) {
        daemon_log(d, HA_ERR, "watchdog close failed - %s", strerror(errno));
        return false;
    }
    daemon_log(d, HA_INFO, "watchdog closed (disabled)");
    return true;
}

void daemon_node_install(struct ha_env *e)
{
    e->is_node_shutdown = env_is_shutdown;
    e->watchdog_open = env_wd_open;
    e->watchdog_update = env_wd_update;
    e->watchdog_close = env_wd_close;
}
