/* ha_crm.c - the ha-crm daemon: the core's crm_iterate() on the real
 * environment of applets/daemon/ (applets/README.md). */
#include "applets/applet.h"
#include "applets/daemon/daemon.h"

static int ha_crm_main(int argc, char **argv)
{
    return daemon_main(argc, argv, "crm");
}

const struct applet applet_ha_crm = {
    .name = "ha-crm",
    .main = ha_crm_main,
    .usage =
        "usage: ha-crm [-d] [-c FILE]\n"
        "Cluster resource manager daemon: one per node, one elected master.\n"
        "  -d       also log to stderr\n"
        "  -c FILE  configuration file (default " CONF_DEFAULT_PATH ")\n",
};
