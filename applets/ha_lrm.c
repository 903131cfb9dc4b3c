/* ha_lrm.c - the ha-lrm daemon: the core's lrm_iterate() on the real
 * environment of applets/daemon/ (applets/README.md). */
#include "applets/applet.h"
#include "applets/daemon/daemon.h"

static int ha_lrm_main(int argc, char **argv)
{
    return daemon_main(argc, argv, "lrm");
}

const struct applet applet_ha_lrm = {
    .name = "ha-lrm",
    .main = ha_lrm_main,
    .usage =
        "usage: ha-lrm [-d] [-c FILE]\n"
        "Local resource manager daemon: runs the master's requests on this node.\n"
        "  -d       also log to stderr\n"
        "  -c FILE  configuration file (default " CONF_DEFAULT_PATH ")\n",
};
