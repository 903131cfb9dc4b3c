/* etcd_test.h - real etcd members for the unit tests (test/etcd.sh starts
 * them on loopback ports, never a mock): start, stop, and a reaper that
 * stops them however the test process ends. */
#ifndef HAVEN_ETCD_TEST_H
#define HAVEN_ETCD_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/str.h"

static void etcd_test_reaper(const char *dir);

/* Start n members with extra flags: 0 and *dir, *eps; 77 when etcd is
 * not installed; else failure. */
static int etcd_test_start(int n, const char *scheme, const char *extra, char **dir, char **eps)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char *cmd, line[4096];
    FILE *p;
    int st;

    *dir = xasprintf("%s/haven-etcd.XXXXXX", base);
    *eps = NULL;
    if (mkdtemp(*dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    cmd = xasprintf(
        "ETCD_SCHEME=%s ETCD_EXTRA='%s' sh test/etcd.sh start %s %d", scheme, extra, *dir, n
    );
    p = popen(cmd, "r");
    free(cmd);
    if (p == NULL) {
        return 1;
    }
    line[0] = '\0';
    if (fgets(line, sizeof(line), p) == NULL) {
        line[0] = '\0';
    }
    st = pclose(p);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
        rmdir(*dir);
        return 77;
    }
    line[strcspn(line, "\n")] = '\0';
    if (st != 0 || line[0] == '\0') {
        return 1;
    }
    *eps = xstrdup(line);
    etcd_test_reaper(*dir);
    return 0;
}

/* Stop the cluster however this process ends (a failed CHECK, a crash,
 * a sanitizer abort): a child waits for our end of a pipe to close. */
static void etcd_test_reaper(const char *dir)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        return;
    }
    pid = fork();
    if (pid == 0) {
        char c, *cmd = xasprintf("sh test/etcd.sh stop %s", dir);

        close(fds[1]);
        setsid();
        while (read(fds[0], &c, 1) != 0) {
        }
        _exit(system(cmd) == 0 ? 0 : 1);
    }
    close(fds[0]); /* the write end stays open until we exit */
}

static void etcd_test_stop(const char *dir)
{
    char *cmd = xasprintf("sh test/etcd.sh stop %s", dir);

    if (system(cmd) != 0) {
        fprintf(stderr, "etcd.sh stop failed\n");
    }
    free(cmd);
}

#endif
