/* ha_tester.c - regression scenario tester (not implemented yet, issue 7). */
#include "applets/applet.h"

static int ha_tester_main(int argc, char **argv)
{
    return applet_not_implemented("ha-tester");
}

const struct applet applet_ha_tester = {
    .name = "ha-tester",
    .main = ha_tester_main,
    .usage =
        "usage: ha-tester SCENARIO_DIR OUT_DIR\n"
        "Runs a pve-ha-manager regression scenario folder and writes OUT_DIR/log.\n"
        "Not implemented yet in this build.\n",
};
