/* ha_manager.c - the operator CLI (not implemented yet, issue 5). */
#include "applets/applet.h"

static int ha_manager_main(int argc, char **argv)
{
    return applet_not_implemented("ha-manager");
}

const struct applet applet_ha_manager = {
    .name = "ha-manager",
    .main = ha_manager_main,
    .usage =
        "usage: ha-manager COMMAND [ARGS...]\n"
        "Operator command line (status, config, add, set, remove, migrate, ...).\n"
        "Not implemented yet in this build.\n",
};
