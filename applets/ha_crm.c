/* ha_crm.c - the cluster resource manager daemon (not implemented yet, issue 4). */
#include "applets/applet.h"

static int ha_crm_main(int argc, char **argv)
{
    return applet_not_implemented("ha-crm");
}

const struct applet applet_ha_crm = {
    .name = "ha-crm",
    .main = ha_crm_main,
    .usage =
        "usage: ha-crm [-d] [-c FILE]\n"
        "Cluster resource manager daemon: one per node, one elected master.\n"
        "Not implemented yet in this build.\n",
};
