/* test_agent_run.c - the LRM's agent calls (applets/daemon/agent_run.c): the stop
 * timeout is an outside value (the master's stop command), so it is checked
 * before any use and reaches the agent only as a canonical number; without
 * /dev/null the agent still runs (stdin at end of file); an agent that
 * cannot be executed is reported with the cause. The
 * applets are not linked into unit tests, so agent_run.c is compiled in here,
 * with stand-ins for the two daemon functions it calls. */
#include "applets/daemon/agent_run.c"
#include "test/kv_test.h"
#include "test/test.h"

#include <stdarg.h>

static char *dir, *seen_file;
static char last_log[512];

void daemon_log(struct daemon *d, enum ha_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
}

int64_t workers_lease_t_ms(const struct daemon *d)
{
    return kv_now_ms();
}

/* What the agent saw as HAVEN_TIMEOUT in its last call; "" when not called. */
static const char *seen_timeout(void)
{
    static char buf[64];
    FILE *f = fopen(seen_file, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

    if (f) {
        fclose(f);
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    unlink(seen_file);
    return buf;
}

static void stop_with(struct daemon *d, const char *timeout)
{
    last_log[0] = '\0';
    res_shutdown(d, "t:x", timeout);
}

static void test_stop_timeout(void)
{
    struct daemon d = {0};
    static const char *const refused[] = {
        "1234567890123456789",
        "9223372036854775807",
        "99999999999999999999",
        "1000000000",
        "-1",
        "+5",
        "",
        " 5",
        "5 ",
        "1e3",
        "0x10",
        "5s",
        "a[$(id)]",
        "$(id)",
    };

    snprintf(d.conf.node, sizeof(d.conf.node), "node1");
    d.conf.agents_dir = dir;
    stop_with(&d, "90");
    CHECK_STR(seen_timeout(), "90");
    stop_with(&d, NULL);
    CHECK_STR(seen_timeout(), "60");
    stop_with(&d, "0");
    CHECK_STR(seen_timeout(), "0");
    stop_with(&d, "007");
    CHECK_STR(seen_timeout(), "7");
    stop_with(&d, "999999999");
    CHECK_STR(seen_timeout(), "999999999");
    CHECK_STR(last_log, "");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        stop_with(&d, refused[i]);
        CHECK_STR(seen_timeout(), ""); /* the agent never ran */
        CHECK(strstr(last_log, "not a number of seconds") != NULL);
        if (strstr(last_log, "not a number of seconds") == NULL) {
            fprintf(stderr, "timeout '%s': log '%s'\n", refused[i], last_log);
        }
        CHECK(strchr(last_log, '$') == NULL); /* the value is not echoed verbatim */
    }
}

/* write an agent script named type into dir */
static void agent_script(const char *type, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/%s", dir, type);
    FILE *f = fopen(path, "w");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
    free(path);
}

/* A rescue chroot has no /dev: the agent gets an empty stdin all the same
 * (before, every call failed with a bare exit code 127). */
static void test_no_dev_null(void)
{
    struct daemon d = {0};
    char *why = NULL;
    int rc;

    snprintf(d.conf.node, sizeof(d.conf.node), "node1");
    d.conf.agents_dir = dir;
    agent_script("r", "#!/bin/sh\nif read -r line; then exit 3; fi\nexit 0\n", 0755);
    agent_stdin = "/nonexistent/null";
    rc =
        agent_call(&d, &(struct agent_req){.verb = "status", .sid = "r:1", .deadline_s = 10}, &why);
    agent_stdin = "/dev/null";
    CHECK_INT(rc, 0);
    CHECK(why == NULL);
    free(why);
}

/* An agent that cannot run says why: the errno text of the failed exec. */
static void test_exec_failure_cause(void)
{
    struct daemon d = {0};
    char *why = NULL;
    int rc;

    snprintf(d.conf.node, sizeof(d.conf.node), "node1");
    d.conf.agents_dir = dir;
    agent_script("noexec", "#!/bin/sh\nexit 0\n", 0644);
    rc = agent_call(
        &d, &(struct agent_req){.verb = "status", .sid = "noexec:1", .deadline_s = 10}, &why
    );
    CHECK_INT(rc, -1);
    CHECK(why != NULL && strstr(why, "Permission denied") != NULL);
    CHECK(why != NULL && strstr(why, "/noexec'") != NULL);
    free(why);
    why = NULL;
    agent_script("nointerp", "#!/nonexistent/interpreter\nexit 0\n", 0755);
    rc = agent_call(
        &d, &(struct agent_req){.verb = "status", .sid = "nointerp:1", .deadline_s = 10}, &why
    );
    CHECK_INT(rc, -1);
    CHECK(why != NULL && strstr(why, "No such file or directory") != NULL);
    CHECK(why != NULL && strstr(why, "interpreter") != NULL);
    free(why);
    why = NULL;
    rc = agent_call(
        &d, &(struct agent_req){.verb = "status", .sid = "absent:1", .deadline_s = 10}, &why
    );
    CHECK_INT(rc, -1);
    CHECK(why != NULL && strstr(why, "No such file or directory") != NULL);
    free(why);
}

/* A type without an agent: where it was looked for, and why not. */
static void test_type_unknown(void)
{
    struct daemon d = {0};
    char *want = xasprintf("'%s/absent': No such file or directory (agents_dir is '%s')", dir, dir);

    snprintf(d.conf.node, sizeof(d.conf.node), "node1");
    d.conf.agents_dir = dir;
    last_log[0] = '\0';
    CHECK(!res_type_known(&d, "absent"));
    CHECK(strstr(last_log, want) != NULL);
    CHECK(strstr(last_log, "type 'absent'") != NULL);
    last_log[0] = '\0';
    CHECK(res_type_known(&d, "t"));
    CHECK_STR(last_log, "");
    free(want);
}

int main(void)
{
    char *agent;
    FILE *f;

    dir = kvt_tmpdir();
    agent = xasprintf("%s/t", dir);
    seen_file = xasprintf("%s/seen", dir);
    f = fopen(agent, "w");
    if (f == NULL) {
        perror(agent);
        return 2;
    }
    fprintf(f, "#!/bin/sh\nprintf '%%s\\n' \"$HAVEN_TIMEOUT\" >'%s'\n", seen_file);
    fclose(f);
    chmod(agent, 0755);
    RUN(test_stop_timeout);
    RUN(test_no_dev_null);
    RUN(test_exec_failure_cause);
    RUN(test_type_unknown);
    kvt_rm_rf(dir);
    free(agent);
    free(seen_file);
    free(dir);
    return test_summary();
}
