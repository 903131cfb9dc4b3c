/* ha_watchdog.c - ha-watchdog (watchdog-mux): options, start-up checks, logging.
 *
 * The multiplexer itself is watchdog/mux.c; this file parses the options,
 * refuses to start while the active marker says clients were being watched
 * (a restart would drop their protection), loads a watchdog module when the
 * default device is missing, and routes the core's messages to syslog (and to
 * stderr with -d; start-up failures always reach stderr). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/instance.h"
#include "applets/log.h"
#include "state/str.h"
#include "watchdog/mux.h"
#include "watchdog/wd.h"

struct options {
    struct wd_mux_config mux;
    bool debug;
    bool device_given;
    bool no_device;
};

static struct options opts;

/* Until the socket listens, warnings and errors (what we wait for, why the
 * start failed) also reach stderr when the log goes to syslog: a person who
 * started us waits for an answer. Later ones go to the log only; errors
 * always reach stderr. */
static void mark_serving(void)
{
    log_echo_stderr(LOG_CRIT);
    log_note_sink();
}

static void mux_log(int prio, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_msg(prio, "%s", buf);
}

/* Flush the journal before a likely reset, without waiting: double fork so
 * that no child is left to reap (as upstream does). Only under systemd. */
static void sync_journal(void)
{
    pid_t pid;

    if (access("/run/systemd/system", F_OK) != 0) {
        return;
    }
    pid = fork();
    if (pid == 0) {
        if (fork() == 0) {
            execlp("journalctl", "journalctl", "--sync", (char *)NULL);
            _exit(127);
        }
        _exit(0);
    }
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
}

/* modprobe's path: on PATH, or in the sbin folders a PATH without them
 * misses (a rescue shell's). NULL when there is none (caller frees). */
static char *find_modprobe(void)
{
    const char *path = getenv("PATH");
    char *dirs = xasprintf("%s:/sbin:/usr/sbin", path ? path : "/usr/bin:/bin"), *save = NULL;
    char *found = NULL;

    for (char *d = strtok_r(dirs, ":", &save); d != NULL && found == NULL;
         d = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/modprobe", d);
        if (d[0] == '/' && access(cand, X_OK) == 0) {
            found = cand;
        } else {
            free(cand);
        }
    }
    free(dirs);
    return found;
}

/* Run 'modprobe -q MODULE' (no shell: the name comes from the environment). */
static int run_modprobe(const char *modprobe, const char *module)
{
    int status;
    pid_t pid = fork();

    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        execl(modprobe, "modprobe", "-q", module, (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Upstream loads a module when /dev/watchdog is missing; say what came of
 * it. Without modprobe there is nothing to try: -1 after one line. */
static int load_module(const char *device)
{
    const char *module = getenv("WATCHDOG_MODULE");
    char *modprobe = find_modprobe();
    struct stat st;
    int rc;

    if (module == NULL || module[0] == '\0') {
        module = "softdog";
    }
    if (modprobe == NULL) {
        mux_log(
            LOG_CRIT,
            "%s: No such file or directory, and no modprobe to load '%s' - load a watchdog "
            "driver first, or on a test host use --no-device (unsafe)",
            device, module
        );
        return -1;
    }
    mux_log(LOG_INFO, "Loading watchdog module '%s'", module);
    rc = run_modprobe(modprobe, module);
    free(modprobe);
    if (rc != 0) {
        mux_log(LOG_ERR, "modprobe -q %s failed (exit status %d)", module, rc);
    }
    /* udev may need a moment to create the node after the driver registers. */
    for (int i = 0; i < 20 && stat(device, &st) < 0; i++) {
        usleep(50000);
    }
    if (stat(device, &st) < 0) {
        mux_log(
            LOG_ERR, "%s still missing after loading '%s' - load a watchdog driver (softdog)",
            device, module
        );
    }
    return 0;
}

/* "60" or "60s" are seconds, "250ms" milliseconds; between min and max ms. */
static int parse_ms(const char *s, long long min_ms, long long max_ms, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || s[0] == '-') {
        return -1;
    }
    if (strcmp(end, "ms") != 0) {
        if (strcmp(end, "") != 0 && strcmp(end, "s") != 0) {
            return -1;
        }
        if (v > max_ms / 1000) {
            return -1;
        }
        v *= 1000;
    }
    if (v < min_ms || v > max_ms) {
        return -1;
    }
    *out = v;
    return 0;
}

/* A group name or number; -1 when there is no such group. */
static long long parse_group(const char *s)
{
    struct group *g;
    size_t n = strspn(s, "0123456789");

    if (n > 0 && n <= 10 && s[n] == '\0') {
        long long v = strtoll(s, NULL, 10);
        return v < (gid_t)-1 ? v : -1;
    }
    g = s[0] != '\0' ? getgrnam(s) : NULL;
    return g != NULL ? (long long)g->gr_gid : -1;
}

/* The applet we run as, for its usage line. */
static const struct applet *self(void)
{
    if (strcmp(log_prog, applet_watchdog_mux.name) == 0) {
        return &applet_watchdog_mux;
    }
    return &applet_ha_watchdog;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", log_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return applet_usage(self());
}

static const struct option long_options[] = {
    {"device", required_argument, NULL, 'D'},
    {"no-device", no_argument, NULL, 'N'},
    {"socket", required_argument, NULL, 'S'},
    {"socket-group", required_argument, NULL, 'G'},
    {"active-marker", required_argument, NULL, 'M'},
    {"client-timeout", required_argument, NULL, 'C'},
    {"hw-timeout", required_argument, NULL, 'H'},
    {"interval", required_argument, NULL, 'I'},
    {NULL, 0, NULL, 0},
};

/* One option; returns 0, or the exit code of a usage error. */
static int parse_option(int c, const char *arg)
{
    long long v;

    switch (c) {
    case 'd':
        opts.debug = true;
        return 0;
    case 'D':
        opts.mux.device = arg;
        opts.device_given = true;
        return 0;
    case 'N':
        opts.no_device = true;
        return 0;
    case 'S':
        opts.mux.socket_path = arg;
        return 0;
    case 'G':
        opts.mux.socket_gid = parse_group(arg);
        return opts.mux.socket_gid < 0 ? usage_error("unknown --socket-group '%s'", arg) : 0;
    case 'M':
        opts.mux.marker = arg;
        return 0;
    case 'C':
        return parse_ms(arg, 10, 86400000, &opts.mux.client_timeout_ms) < 0
                   ? usage_error("bad --client-timeout '%s'", arg)
                   : 0;
    case 'H':
        if (parse_ms(arg, 1000, 3600000, &v) < 0 || v % 1000 != 0) {
            return usage_error("bad --hw-timeout '%s' (whole seconds, 1 to 3600)", arg);
        }
        opts.mux.hw_timeout_s = (int)(v / 1000);
        return 0;
    case 'I':
        return parse_ms(arg, 10, 10000, &opts.mux.interval_ms) < 0
                   ? usage_error("bad --interval '%s' (10ms to 10s)", arg)
                   : 0;
    default: /* '?' or ':' */
        return -c;
    }
}

static int parse_options(int argc, char **argv)
{
    int c, rc;

    opts.mux = (struct wd_mux_config){
        .device = WD_MUX_DEVICE,
        .socket_path = WD_SOCKET_PATH,
        .socket_gid = -1,
        .marker = WD_MUX_MARKER,
        .client_timeout_ms = 60000,
        .hw_timeout_s = 10,
        .interval_ms = 1000,
        .log = mux_log,
        .sync_journal = sync_journal,
        .serving = mark_serving,
    };
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d", long_options, NULL)) != -1) {
        rc = parse_option(c, optarg);
        if (rc < 0) {
            return applet_option_error(self(), -rc, argv);
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (opts.no_device && opts.device_given) {
        return usage_error("--no-device and --device exclude each other");
    }
    if (opts.no_device) {
        opts.mux.device = NULL;
    }
    /* An empty path would bind an abstract socket, open to every user. */
    if (opts.mux.socket_path[0] != '/') {
        return usage_error("--socket must be an absolute path, not '%s'", opts.mux.socket_path);
    }
    if (strlen(opts.mux.socket_path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        return usage_error("--socket path too long (at most 107 bytes)");
    }
    /* A device fed less often than it expires resets the node. */
    if (opts.mux.interval_ms >= (long long)opts.mux.hw_timeout_s * 1000) {
        return usage_error("--interval must be shorter than --hw-timeout");
    }
    return 0;
}

/* One daemon per socket: "<socket>.lock", before anything else is touched
 * (a second one would replace the first's socket). */
static int lock_instance(void)
{
    char *path = xasprintf("%s.lock", opts.mux.socket_path);
    char *what = xasprintf("ha-watchdog for socket '%s'", opts.mux.socket_path), *err = NULL;
    int rc = instance_lock(path, what, &err);

    if (rc > 0) {
        mux_log(LOG_CRIT, "%s", err);
    } else if (rc < 0) {
        mux_log(LOG_CRIT, "lock file: %s (the --socket folder must be writable)", err);
    }
    free(err);
    free(what);
    free(path);
    return rc;
}

static int ha_watchdog_main(int argc, char **argv)
{
    struct stat st;
    int rc = parse_options(argc, argv);

    if (rc != 0) {
        return rc;
    }
    log_init(LOG_TO_SYSLOG | LOG_DAEMON_FMT | (opts.debug ? LOG_TO_STDERR : 0), LOG_INFO);
    log_echo_stderr(LOG_WARNING);
    if (lock_instance() != 0) {
        return EXIT_FAIL;
    }
    if (stat(opts.mux.marker, &st) == 0) {
        mux_log(LOG_CRIT, "watchdog active - unable to restart watchdog-mux");
        return EXIT_FAIL;
    }
    if (wd_mux_socket_check(&opts.mux) < 0) {
        return EXIT_FAIL;
    }
    if (opts.no_device) {
        mux_log(
            LOG_CRIT,
            "*** NO WATCHDOG DEVICE (--no-device): UNSAFE, for a single test host only: "
            "nothing resets this node when it hangs or loses the store, so its services "
            "may run twice ***"
        );
    } else if (!opts.device_given && stat(opts.mux.device, &st) < 0 && errno == ENOENT &&
               load_module(opts.mux.device) < 0) {
        return EXIT_FAIL;
    }
    return wd_mux_run(&opts.mux) == 0 ? EXIT_OK : EXIT_FAIL;
}

const struct applet applet_ha_watchdog = {
    .name = "ha-watchdog",
    .main = ha_watchdog_main,
    .help = HELP_HA_WATCHDOG,
};

/* watchdog-mux is upstream's name for the same daemon. */
const struct applet applet_watchdog_mux = {
    .name = "watchdog-mux",
    .main = ha_watchdog_main,
    .help = HELP_HA_WATCHDOG,
};
