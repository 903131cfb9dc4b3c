/* ha_lrm.c - the local resource manager daemon (not implemented yet, issue 4). */
#include "applets/applet.h"

static int ha_lrm_main(int argc, char **argv)
{
    return applet_not_implemented("ha-lrm");
}

const struct applet applet_ha_lrm = {
    .name = "ha-lrm",
    .main = ha_lrm_main,
    .usage =
        "usage: ha-lrm [-d] [-c FILE]\n"
        "Local resource manager daemon: starts and stops this node's services.\n"
        "Not implemented yet in this build.\n",
};
