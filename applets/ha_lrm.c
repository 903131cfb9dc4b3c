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
    .usage =
        "usage: ha-lrm [-d] [-c FILE]\n"
        "Local resource manager daemon: one per node. It runs this node's services as\n"
        "the master requests, through the resource agents in agents_dir, and feeds the\n"
        "watchdog for as long as it holds the node's agent lock. Runs in the foreground,\n"
        "started after ha-watchdog; a second one on the same node exits 1.\n"
        "  -d       also log to stderr\n"
        "  -c FILE  configuration file (default " CONF_DEFAULT_PATH
        "; every key is\n"
        "           explained in haven.conf.example)\n"
        "Logs to syslog, to log_file= when set, or to stderr where no syslog daemon\n"
        "listens. SIGTERM or SIGINT stop it following the shutdown policy (stop, migrate\n"
        "or freeze its services); SIGHUP is ignored.\n"
        "Exit: 0 after a stop signal, 1 runtime error, 2 usage or configuration error.\n",
};
