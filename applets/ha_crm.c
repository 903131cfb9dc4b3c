/* ha_crm.c - the ha-crm daemon: the core's crm_iterate() on the real
 * environment of applets/daemon/. */
#include "applets/applet.h"
#include "applets/daemon/daemon.h"

static int ha_crm_main(int argc, char **argv)
{
    return daemon_main(argc, argv, "crm");
}

const struct applet applet_ha_crm = {
    .name = "ha-crm",
    .main = ha_crm_main,
    .help = HELP_HA_CRM,
};
