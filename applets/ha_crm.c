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
    .usage =
        "usage: ha-crm [-d] [-c FILE]\n"
        "Cluster resource manager daemon: one per node. The one holding the master lock\n"
        "decides where each service runs and fences the nodes it lost; the others wait\n"
        "as standby. Runs in the foreground, started after ha-watchdog; a second one on\n"
        "the same node exits 1.\n"
        "  -d       also log to stderr\n"
        "  -c FILE  configuration file (default " CONF_DEFAULT_PATH
        "; every key is\n"
        "           explained in haven.conf.example)\n"
        "Logs to syslog, to log_file= when set, or to stderr where no syslog daemon\n"
        "listens. SIGTERM or SIGINT stop it gracefully (the master releases its lock);\n"
        "SIGHUP is ignored.\n"
        "Exit: 0 after a stop signal, 1 runtime error, 2 usage or configuration error.\n",
};
