/* test_conf.c - the configuration file and start-up check 1
 * (applets/README.md). conf.c lives with the applets, which unit tests do not link, so it
 * is compiled into this test directly, with its file reader. */
#include "applets/conf.c"
#include "applets/local_file.c"
#include "test/kv_test.h"
#include "test/test.h"

static char *dir;

/* Write text to a config file and load it: the load's result. */
static int load(const char *text, struct conf *c, char **err)
{
    char *p = xasprintf("%s/haven.conf", dir);
    int r;

    kvt_write_file(p, text);
    free(*err);
    *err = NULL;
    r = conf_load(p, c, err);
    free(p);
    return r;
}

/* The error with the folder prefix cut: "haven.conf:<line>: ..." */
static const char *short_err(const char *err)
{
    size_t n = strlen(dir);

    if (err == NULL || strncmp(err, dir, n) != 0 || err[n] != '/') {
        return "(none)";
    }
    return err + n + 1;
}

static void test_defaults(void)
{
    struct conf c;
    char *err = NULL;

    CHECK_INT(load("store=dir:/srv/haven\n", &c, &err), 0);
    CHECK_STR(c.store, "dir:/srv/haven");
    CHECK(c.store_id == NULL);
    CHECK_STR(c.watchdog_socket, "/run/watchdog-mux.sock");
    CHECK_STR(c.agents_dir, "/usr/libexec/haven/agents");
    CHECK(c.shutdown_marker == NULL);
    CHECK_INT(c.lock_timeout, 120);
    CHECK_INT(c.loop_interval, 10);
    CHECK_INT(c.fence_delay, 60);
    CHECK_INT(c.watchdog_client_timeout, 60);
    CHECK_INT(c.agent_timeout, 300);
    CHECK_INT(c.agent_status_timeout, 30);
    CHECK(c.node[0] != '\0' && strchr(c.node, '.') == NULL);
    /* upstream's numbers */
    CHECK_INT(conf_short_sleep(&c), 5);
    CHECK_INT(conf_worker_wait(&c), 8);
    CHECK_INT(conf_node_timeout(&c), 30);
    CHECK_INT(conf_renew_budget(&c, 10), 48);
    CHECK_INT(conf_check_timings(&c, &err), 0);
    CHECK_INT(conf_check_watchdog(&c, 60, 10, &err), 0);
    {
        struct kv_options o;
        conf_kv_options(&c, "lrm", 10, &o);
        CHECK_STR(o.url, "dir:/srv/haven");
        CHECK_STR(o.daemon, "lrm");
        CHECK_INT(o.lock_timeout_ms, 120000);
        CHECK_INT(o.renew_budget_ms, 48000);
        CHECK_INT(o.node_timeout_ms, 30000);
        CHECK_INT(o.probe_max_age_ms, 10000);
    }
    conf_free(&c);
    free(err);
}

static void test_all_keys(void)
{
    struct conf c;
    char *err = NULL;

    CHECK_INT(
        load(
            "# a comment\n"
            "\n"
            "  node = node1  \n"
            "store=dir:/mnt/store/\n"
            "store_id=0123456789abcdef0123456789abcdef\n"
            "watchdog_socket=/tmp/wd.sock\n"
            "agents_dir=/opt/agents\n"
            "\t# indented comment\n"
            "lock_timeout=8\n"
            "loop_interval=1\n"
            "fence_delay=2\n"
            "watchdog_client_timeout=3\n"
            "agent_timeout=20\n"
            "agent_status_timeout=5\n"
            "shutdown_marker=/run/haven/shutdown",
            &c, &err
        ),
        0
    );
    CHECK_STR(c.node, "node1");
    CHECK_STR(c.store, "dir:/mnt/store/");
    CHECK_STR(c.store_id, "0123456789abcdef0123456789abcdef");
    CHECK_STR(c.watchdog_socket, "/tmp/wd.sock");
    CHECK_STR(c.agents_dir, "/opt/agents");
    CHECK_STR(c.shutdown_marker, "/run/haven/shutdown");
    CHECK_INT(c.lock_timeout, 8);
    CHECK_INT(c.loop_interval, 1);
    CHECK_INT(c.fence_delay, 2);
    CHECK_INT(c.watchdog_client_timeout, 3);
    /* the test cluster of test/cluster.sh: S 1, W 0, node_timeout 3, B = 8-3-2-2 */
    CHECK_INT(conf_short_sleep(&c), 1);
    CHECK_INT(conf_worker_wait(&c), 0);
    CHECK_INT(conf_node_timeout(&c), 3);
    CHECK_INT(conf_renew_budget(&c, 2), 1);
    CHECK_INT(conf_check_timings(&c, &err), 0);
    CHECK_INT(conf_check_watchdog(&c, 3, 2, &err), 0);
    conf_free(&c);
    free(err);
}

static void test_errors(void)
{
    struct conf c;
    char *err = NULL;

    CHECK_INT(load("store=dir:/s\nfoo=1\n", &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf:2: unknown key 'foo'");
    CHECK_INT(load("store=dir:/s\n\nstore=dir:/t\n", &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf:3: repeated key 'store'");
    CHECK_INT(load("lock_timeout=12x\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'lock_timeout'"));
    CHECK_INT(load("fence_delay=-1\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'fence_delay'"));
    CHECK_INT(load("lock_timeout=+8\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'lock_timeout'"));
    CHECK_INT(load("lock_timeout=3601\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'lock_timeout'"));
    CHECK_INT(load("agent_timeout=604801\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'agent_timeout'"));
    CHECK_INT(load("fence_delay=99999999999999999999\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'fence_delay'"));
    CHECK_INT(load("loop_interval=\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'loop_interval'"));
    CHECK_INT(load("store=etcd://x\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'store'"));
    CHECK_INT(load("store=dir:relative\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'store'"));
    CHECK_INT(load("node=bad_name\nstore=dir:/s\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:1: bad value for 'node'"));
    CHECK_INT(load("store=dir:/s\nstore_id=ABC\n", &c, &err), -1);
    CHECK(str_starts(short_err(err), "haven.conf:2: bad value for 'store_id'"));
    CHECK_INT(load("store=dir:/s\njust words\n", &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf:2: expected key=value");
    CHECK_INT(load("node=a\n", &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf: missing key 'store'");
    free(err);
    err = NULL;
    CHECK_INT(conf_load("/nonexistent/haven.conf", &c, &err), -1);
    /* a missing file says what helps: -c, and the least a config needs */
    CHECK_STR(
        err,
        "/nonexistent/haven.conf: No such file or directory - use -c FILE, or create it: the "
        "least it needs is 'store=dir:/PATH' (the shared folder; see haven.conf.example)"
    );
    free(err);
    err = NULL;
    CHECK_INT(conf_load("/", &c, &err), -1); /* other errors get no such hint */
    CHECK_STR(err, "/: not a regular file");
    free(err);
}

/* Write n bytes (NULs included) to the config file and load it. */
static int load_bytes(const char *bytes, size_t n, struct conf *c, char **err)
{
    char *p = xasprintf("%s/haven.conf", dir);
    FILE *f = fopen(p, "w");
    int r;

    CHECK(f != NULL && fwrite(bytes, 1, n, f) == n);
    if (f != NULL) {
        fclose(f);
    }
    free(*err);
    *err = NULL;
    r = conf_load(p, c, err);
    free(p);
    return r;
}

/* The file is read bounded: a regular file of at most CONF_FILE_MAX bytes,
 * lines of at most CONF_LINE_MAX, no NUL; one line of error naming it. */
static void test_bounded_read(void)
{
    struct conf c;
    char *err = NULL, *big;
    size_t n = 70000;

    big = xmalloc(n + 64);
    memset(big, '#', n);
    memcpy(big + n, "\nstore=dir:/s\n", 15);
    CHECK_INT(load_bytes(big, n + 15, &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf: larger than 65536 bytes");
    memset(big, ' ', 5000);
    memcpy(big + 5000, "#\nstore=dir:/s\n", 16);
    CHECK_INT(load_bytes(big, 5015, &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf:1: line longer than 4096 bytes");
    free(big);
    CHECK_INT(load_bytes("node=node1\0x\nstore=dir:/s\n", 25, &c, &err), -1);
    CHECK_STR(short_err(err), "haven.conf: binary data (NUL byte)");
    free(err);
    err = NULL;
    CHECK_INT(conf_load(dir, &c, &err), -1);
    CHECK(err != NULL && strcmp(err + strlen(dir), ": not a regular file") == 0);
    free(err);
    err = NULL;
    CHECK_INT(conf_load("/dev/zero", &c, &err), -1);
    CHECK_STR(err, "/dev/zero: not a regular file");
    free(err);
    err = NULL;
    /* a config at the limits is fine */
    CHECK_INT(load("store=dir:/s\n# 4096 bytes or less a line\n", &c, &err), 0);
    conf_free(&c);
    free(err);
}

/* Each inequality of startup check 1, violated alone. */
static void test_timing_checks(void)
{
    struct conf c;
    char *err = NULL;

    CHECK_INT(load("store=dir:/s\n", &c, &err), 0);
    c.loop_interval = 0;
    CHECK_INT(conf_check_timings(&c, &err), -1);
    CHECK_STR(err, "loop_interval 0 < 1");
    free(err);
    c.loop_interval = 10;
    c.fence_delay = -1;
    CHECK_INT(conf_check_timings(&c, &err), -1);
    CHECK_STR(err, "fence_delay -1 < 0");
    free(err);
    c.fence_delay = 0;
    CHECK_INT(conf_check_timings(&c, &err), 0); /* F = 0 is fine */
    c.agent_timeout = 0;
    CHECK_INT(conf_check_timings(&c, &err), -1);
    CHECK(str_starts(err, "timeouts must be >= 1 s"));
    free(err);
    c.agent_timeout = 300;
    c.agent_status_timeout = 0;
    CHECK_INT(conf_check_timings(&c, &err), -1);
    free(err);
    c.agent_status_timeout = 30;
    /* T >= C + 3 */
    c.lock_timeout = 62;
    CHECK_INT(conf_check_timings(&c, &err), -1);
    CHECK_STR(err, "unsafe timings: lock_timeout 62 < watchdog_client_timeout 60 + 3");
    free(err);
    c.lock_timeout = 63;
    CHECK_INT(conf_check_timings(&c, &err), 0);
    c.lock_timeout = 120;
    /* C >= R + S + 1: R 10, S 5 -> C 16 ok, 15 not */
    c.watchdog_client_timeout = 15;
    CHECK_INT(conf_check_timings(&c, &err), -1);
    CHECK_STR(err, "unsafe timings: watchdog_client_timeout 15 < loop_interval 10 + 5 + 1");
    free(err);
    c.watchdog_client_timeout = 16;
    CHECK_INT(conf_check_timings(&c, &err), 0);
    c.watchdog_client_timeout = 60;
    /* startup check 3: T >= C + H + 3, mux C == config C */
    CHECK_INT(conf_check_watchdog(&c, 60, 58, &err), -1);
    CHECK_STR(err, "watchdog-mux timings unsafe: lock_timeout 120 < client 60 + hw 58 + 3");
    free(err);
    CHECK_INT(conf_check_watchdog(&c, 60, 57, &err), 0);
    CHECK_INT(conf_check_watchdog(&c, 50, 10, &err), -1);
    CHECK(str_starts(err, "watchdog-mux timings unsafe: "));
    free(err);
    /* S and W at the edges */
    c.loop_interval = 1;
    CHECK_INT(conf_short_sleep(&c), 1);
    CHECK_INT(conf_worker_wait(&c), 0);
    c.loop_interval = 3;
    CHECK_INT(conf_short_sleep(&c), 1);
    CHECK_INT(conf_worker_wait(&c), 1);
    c.loop_interval = 7;
    CHECK_INT(conf_short_sleep(&c), 3);
    CHECK_INT(conf_node_timeout(&c), 21);
    conf_free(&c);
}

int main(void)
{
    dir = kvt_tmpdir();
    RUN(test_defaults);
    RUN(test_all_keys);
    RUN(test_errors);
    RUN(test_bounded_read);
    RUN(test_timing_checks);
    kvt_rm_rf(dir);
    free(dir);
    return test_summary();
}
