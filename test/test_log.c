/* test_log.c - the daemons' logging (applets/log.c): one line format with
 * a readable local time, stderr when no syslog daemon listens, the log file
 * of log_file=, and a repeated warning logged once, then counted. The
 * applets are not linked into unit tests, so log.c is compiled in here; its
 * clock and syslog path are variables the test replaces. */
#include "applets/log.c"
#include "test/kv_test.h"
#include "test/test.h"

#include <regex.h>

static char *dir, *file;
static int64_t fake_now;

static int64_t fake_clock(void)
{
    return fake_now;
}

/* A file's text (caller frees), then the file emptied. */
static char *take(const char *path)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

    if (f != NULL) {
        fclose(f);
    }
    buf[n] = '\0';
    CHECK_INT(truncate(path, 0), 0);
    return xstrdup(buf);
}

static char *take_file(void)
{
    return take(file);
}

static size_t count_lines(const char *text)
{
    size_t n = 0;

    for (; *text != '\0'; text++) {
        n += *text == '\n';
    }
    return n;
}

static bool matches(const char *text, const char *pattern)
{
    regex_t re;
    bool ok;

    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0) {
        return false;
    }
    ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static void daemon_to_file(void)
{
    char *err = NULL;

    CHECK_INT(log_file_check(file, &err), 0);
    free(err);
    log_set_file(file);
    log_init(LOG_TO_SYSLOG | LOG_DAEMON_FMT, LOG_INFO);
}

/* One format: "YYYY-MM-DD HH:MM:SS prog[pid] level: message". */
static void test_format(void)
{
    char *text, *want;

    daemon_to_file();
    log_info("status change %s => %s", "startup", "wait_for_quorum");
    log_msg(LOG_ERR, "bad\nline\x1b[2J");
    text = take_file();
    want = xasprintf(
        "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} test\\[%d\\] info: "
        "status change startup => wait_for_quorum$",
        (int)getpid()
    );
    CHECK(matches(text, want));
    CHECK(matches(text, " err: bad\\\\nline\\\\x1b\\[2J$")); /* escaped, one line */
    CHECK_INT(count_lines(text), 2);
    if (!matches(text, want)) {
        fprintf(stderr, "log file holds: %s", text);
    }
    free(want);
    free(text);
}

/* Logged once, then counted: the count comes once the window is over. */
static void test_repeats(void)
{
    char *text;

    daemon_to_file();
    fake_now = 1000;
    for (int i = 0; i < 5; i++) {
        log_warnx("unable to read file '%s'", "nodes/n1/lrm_status");
        log_info("round %d", i); /* info lines are never held back */
        fake_now++;
    }
    log_warnx("unable to read file '%s'", "nodes/n2/lrm_status");
    text = take_file();
    CHECK_INT(count_lines(text), 7);
    CHECK(matches(text, "warning: unable to read file 'nodes/n1/lrm_status'$"));
    CHECK(matches(text, "warning: unable to read file 'nodes/n2/lrm_status'$"));
    free(text);
    fake_now = 1000 + LOG_REPEAT_WINDOW_S;
    log_warnx("unable to read file '%s'", "nodes/n1/lrm_status");
    text = take_file();
    CHECK(matches(
        text,
        "warning: unable to read file 'nodes/n1/lrm_status' "
        "\\(repeated 4 more times in 600 s\\)$"
    ));
    CHECK(matches(text, "warning: unable to read file 'nodes/n1/lrm_status'$"));
    CHECK_INT(count_lines(text), 2); /* n2 was not repeated: no count line */
    free(text);
}

/* No syslog daemon (a rescue chroot): the lines go to stderr, said once. */
static void test_no_syslog(void)
{
    char *path = xasprintf("%s/stderr", dir), *text;
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    log_file = NULL;
    log_syslog_path = "/nonexistent/log";
    dup2(fd, STDERR_FILENO);
    log_init(LOG_TO_SYSLOG | LOG_DAEMON_FMT, LOG_INFO);
    log_note_sink();
    log_info("hello");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    CHECK(log_active_sinks() & LOG_TO_STDERR);
    CHECK(!(log_active_sinks() & LOG_TO_SYSLOG));
    CHECK_STR(log_sink_name(), "stderr");
    text = take(path);
    CHECK(matches(
        text,
        "notice: no syslog socket at /nonexistent/log - logging "
        "to stderr$"
    ));
    CHECK(matches(text, "info: hello$"));
    free(text);
    free(path);
}

/* log_echo_stderr: lines at the given level or more urgent also reach
 * stderr, short and escaped, while the log goes to the file; none once
 * the level is -1. */
static void test_echo_stderr(void)
{
    char *path = xasprintf("%s/echo", dir), *text;
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    daemon_to_file();
    dup2(fd, STDERR_FILENO);
    log_echo_stderr(LOG_WARNING);
    log_msg(LOG_CRIT, "no device\x1b");
    log_msg(LOG_WARNING, "waiting");
    log_info("quiet");
    log_echo_stderr(-1);
    log_msg(LOG_CRIT, "after");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    text = take(path);
    CHECK_STR(text, "test: no device\\x1b\ntest: waiting\n");
    free(text);
    text = take_file();
    CHECK_INT(count_lines(text), 4); /* the file has every line */
    free(text);
    free(path);
}

/* A log_file that cannot be one is a start-up error naming it. */
static void test_file_check(void)
{
    char *err = NULL;

    CHECK_INT(log_file_check("relative.log", &err), -1);
    CHECK(err != NULL && strstr(err, "not an absolute path") != NULL);
    free(err);
    CHECK_INT(log_file_check(dir, &err), -1);
    CHECK(err != NULL && strstr(err, dir) != NULL);
    free(err);
}

int main(void)
{
    dir = kvt_tmpdir();
    file = xasprintf("%s/haven.log", dir);
    log_prog = "test";
    log_clock = fake_clock;
    RUN(test_format);
    RUN(test_repeats);
    RUN(test_no_syslog);
    RUN(test_echo_stderr);
    RUN(test_file_check);
    kvt_rm_rf(dir);
    free(file);
    free(dir);
    return test_summary();
}
