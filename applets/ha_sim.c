/* ha_sim.c - interactive simulator (not implemented yet). */
#include "applets/applet.h"

static int ha_sim_main(int argc, char **argv)
{
    return applet_not_implemented("ha-sim");
}

const struct applet applet_ha_sim = {
    .name = "ha-sim",
    .main = ha_sim_main,
    .usage =
        "usage: ha-sim SCENARIO_DIR\n"
        "Interactive simulator of a cluster. Not implemented yet in this build.\n",
};
