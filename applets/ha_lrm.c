/* ha_lrm.c - the ha-lrm daemon: the core's lrm_iterate() on the real
 * environment of applets/daemon/. */
#include "applets/applet.h"
#include "applets/daemon/daemon.h"

static int ha_lrm_main(int argc, char **argv)
{
    return daemon_main(argc, argv, "lrm");
}

const struct applet applet_ha_lrm = {
    .name = "ha-lrm",
    .main = ha_lrm_main,
    .help = HELP_HA_LRM,
};
