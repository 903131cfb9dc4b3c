/* ha_watchdog.c - the watchdog multiplexer daemon (not implemented yet, issue 3). */
#include "applets/applet.h"

static const char ha_watchdog_usage[] =
    "usage: ha-watchdog [-d] [--device PATH] [--socket PATH]\n"
    "Watchdog multiplexer daemon (watchdog-mux). Not implemented yet in this build.\n";

static int ha_watchdog_main(int argc, char **argv)
{
    return applet_not_implemented("ha-watchdog");
}

const struct applet applet_ha_watchdog = {
    .name = "ha-watchdog",
    .main = ha_watchdog_main,
    .usage = ha_watchdog_usage,
};

/* watchdog-mux is upstream's name for the same daemon. */
const struct applet applet_watchdog_mux = {
    .name = "watchdog-mux",
    .main = ha_watchdog_main,
    .usage = ha_watchdog_usage,
};
