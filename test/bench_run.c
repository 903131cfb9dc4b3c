/* bench_run.c - run a command, print its wall time and peak RSS.
 *
 * usage: bench_run COMMAND [ARGS...]
 * Prints "WALL_MS MAXRSS_KIB" on stdout (the command's own output goes to
 * /dev/null) and exits with the command's status. Used by test/bench.sh,
 * which needs no python or GNU time on the machine. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct rusage ru;
    int status;
    pid_t pid;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_run COMMAND [ARGS...]\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) {
        perror("bench_run: fork");
        return 1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
        }
        execvp(argv[1], &argv[1]);
        perror("bench_run: exec");
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("bench_run: wait4");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf(
        "%.3f %ld\n",
        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
        ru.ru_maxrss
    );
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
