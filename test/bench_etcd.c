/* bench_etcd.c - the etcd store's traffic figures for 'make bench', on 3
 * real etcd members started on loopback (test/etcd.sh, data in /dev/shm).
 *
 * usage: bench_etcd HAVEN_BINARY [SERVICES [ROUNDS]]   (1000, 10000)
 * Prints "figure | value | target | how measured" lines after a header.
 *
 * The daemons' rounds are not run by daemons: test/etcd_rounds.h makes the
 * store calls of six daemons' steady rounds (3 nodes) back to back at full
 * speed, with a simulated round clock of R = 10 s for the status
 * timestamps; 10,000 rounds are 28 hours of a cluster. etcd compacts as
 * the README's setting (--auto-compaction-mode periodic, retention 1 h)
 * would: every 36 rounds (6 min) the revisions older than 360 rounds (1 h)
 * are dropped, by the bench, since etcd's own timer runs on real time.
 * ROUNDS 0 measures ha-manager status only. */
#include "test/etcd_rounds.h"
#include "test/etcd_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define R_S 10
#define HOUR_ROUNDS (3600 / R_S)

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *prefix_of(const char *what)
{
    return xasprintf("/bench-%ld/%s", (long)getpid(), what);
}

/* Steady rounds, or rounds that change every status (new job ids each
 * round, the worst case): the requests, bytes and revisions of one round,
 * after a first round that wrote everything once. A steady haven cluster
 * writes the same with services running as without. */
static int per_round(const char *eps, size_t services, bool running, int rounds)
{
    struct er_cluster c;
    char *prefix = prefix_of(running ? "running" : "idle"), *err = NULL;
    uint64_t q0, b0, q1, b1, quiet_bytes = 0, quiet_rounds = 0;
    int64_t rev0;
    double t0;
    int rc = 0;

    if (!er_no_leased_keys(c.crm[0] = er_open(eps, prefix, "node0", NULL, &err), 15000)) {
        fprintf(stderr, "bench_etcd: leased keys of earlier stores are still there\n");
    }
    etcd_store_close(c.crm[0]);
    if (er_setup(&c, eps, prefix, services, running, R_S, &err) != 0 || er_round(&c, &err) != 0) {
        fprintf(stderr, "bench_etcd: %s\n", err);
        free(err);
        free(prefix);
        return -1;
    }
    er_counters(&c, &q0, &b0);
    rev0 = er_revision(c.crm[0]);
    t0 = now_ms();
    for (int r = 0; r < rounds && rc == 0; r++) {
        uint64_t w = c.writes, q, b, q2, b2;

        er_counters(&c, &q, &b);
        rc = er_round(&c, &err);
        er_counters(&c, &q2, &b2);
        if (c.writes == w) { /* a round that wrote no status */
            quiet_bytes += b2 - b;
            quiet_rounds++;
        }
    }
    if (rc == 0) {
        double ms = (now_ms() - t0) / rounds;
        const char *what = running ? "every status changing" : "steady";

        er_counters(&c, &q1, &b1);
        printf(
            "etcd requests per round, 3 nodes, %zu services, %s | %.1f | - | the 6 daemons' "
            "store calls, driven back to back (etcd_rounds.h); mean of %d rounds, %.1f ms each\n",
            services, what, (double)(q1 - q0) / rounds, rounds, ms
        );
        printf(
            "bytes sent to etcd per round, 3 nodes, %zu services, %s | %.0f B | %s | HTTP "
            "requests with headers, mean of %d rounds\n",
            services, what, (double)(b1 - b0) / rounds,
            running ? "-" : "timestamps every 18 s, else keep-alives and reads", rounds
        );
        if (quiet_rounds > 0) {
            printf(
                "bytes sent to etcd per round without a status write, 3 nodes, %zu "
                "services, %s | %.0f B | keep-alives, reads and heartbeats only | mean of the %llu "
                "of %d rounds that wrote no status file\n",
                services, what, (double)quiet_bytes / (double)quiet_rounds,
                (unsigned long long)quiet_rounds, rounds
            );
        }
        printf(
            "etcd revisions per round, 3 nodes, %zu services, %s | %.2f | %s | etcd's "
            "revision over %d rounds (R %d s simulated: timestamps are rewritten every 18 s)\n",
            services, what, (double)(er_revision(c.crm[0]) - rev0) / rounds,
            running ? "1 + nodes running services" : "timestamps only", rounds, R_S
        );
    } else {
        fprintf(stderr, "bench_etcd: %s\n", err);
    }
    free(err);
    er_free(&c);
    free(prefix);
    return rc;
}

/* ROUNDS rounds, steady or changing every status, under the README's
 * compaction: the database size at the end. */
static int db_size(const char *eps, size_t services, int rounds, bool changing)
{
    struct er_cluster c;
    char *prefix = prefix_of(changing ? "db" : "dbsteady"), *err = NULL;
    int64_t *revs = xcalloc((size_t)rounds + 1, sizeof(*revs)), size = 0, used = 0;
    double t0 = now_ms();
    int rc = er_setup(&c, eps, prefix, services, changing, R_S, &err);

    for (int r = 1; r <= rounds && rc == 0; r++) {
        rc = er_round(&c, &err);
        revs[r] = er_revision(c.crm[0]);
        if (rc == 0 && r % (HOUR_ROUNDS / 10) == 0 && r > HOUR_ROUNDS) {
            rc = er_compact(c.crm[0], revs[r - HOUR_ROUNDS], &err);
        }
    }
    rc = rc ? rc : er_db_size(c.crm[0], &size, &used, &err);
    if (rc == 0) {
        printf(
            "etcd database size after %d rounds, %zu services, %s | %lld KiB (%lld KiB in use) | "
            "bounded | dbSize of the member; store calls of %d rounds driven back to back "
            "(%.0f s), R %d s simulated, compacted as periodic 1 h retention would\n",
            rounds, services, changing ? "every status changing" : "steady",
            (long long)(size / 1024), (long long)(used / 1024), rounds, (now_ms() - t0) / 1000, R_S
        );
    } else {
        fprintf(stderr, "bench_etcd: %s\n", err ? err : "setup failed");
    }
    free(revs);
    free(err);
    er_free(&c);
    free(prefix);
    return rc;
}

/* The gRPC requests that etcd's members received so far, summed over them
 * (their /metrics; the JSON gateway turns each HTTP call into one), or -1. */
static long long etcd_requests(const char *eps)
{
    char *list = xstrdup(eps), *save = NULL;
    long long sum = 0;

    for (char *ep = strtok_r(list, ",", &save); ep != NULL && sum >= 0;
         ep = strtok_r(NULL, ",", &save)) {
        struct http_client hc;
        struct http_response r;
        struct http_req q = {"GET", "/metrics", NULL, 0, kv_now_ms() + 5000, true};

        if (http_client_init(&hc, ep, (size_t)8 << 20, NULL, NULL) != 0) {
            sum = -1;
            break;
        }
        if (http_call(&hc, &q, &r, NULL) != 0 || r.status != 200) {
            sum = -1;
        } else {
            for (char *l = r.body; l != NULL && *l != '\0';
                 l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                if (str_starts(l, "grpc_server_msg_received_total{")) {
                    const char *sp = strchr(l, ' ');
                    sum += sp ? atoll(sp + 1) : 0;
                }
            }
            http_response_free(&r);
        }
        http_client_free(&hc);
    }
    free(list);
    return sum;
}

/* ha-manager status on a store with SERVICES services: mean of 50 runs,
 * and the requests etcd received for each. */
static int cli_status(const char *haven, const char *eps, size_t services)
{
    struct er_cluster c;
    char *prefix = prefix_of("cli"), *err = NULL, conf[] = "/tmp/haven-bench-etcd.XXXXXX";
    int fd = mkstemp(conf), rc, runs = 50;
    FILE *f;
    double t0, ms;
    long long q0, q1;

    if (fd < 0) {
        perror("bench_etcd: mkstemp");
        free(prefix);
        return -1;
    }
    rc = er_setup(&c, eps, prefix, services, true, R_S, &err);
    rc = rc ? rc : er_round(&c, &err);
    for (size_t i = 0; i < services && rc == 0; i++) {
        char path[128];
        snprintf(path, sizeof(path), "nodes/%s/resources/vm:%zu", er_node((int)(i % 3)), 1000 + i);
        rc = etcd_store_write(c.crm[0], path, "", 0, NULL, &err);
    }
    f = fdopen(fd, "w");
    fprintf(f, "node=node1\nstore=etcd:%s\netcd_prefix=%s\n", eps, prefix);
    fclose(f);
    q0 = etcd_requests(eps);
    t0 = now_ms();
    fflush(stdout); /* the children must not print our buffer again */
    for (int i = 0; i < runs && rc == 0; i++) {
        pid_t pid = fork();
        int st;

        if (pid == 0) {
            if (freopen("/dev/null", "w", stdout) == NULL) {
                _exit(127);
            }
            execl(haven, haven, "ha-manager", "-c", conf, "status", (char *)NULL);
            _exit(127);
        }
        rc = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0
                                                                                             : -1;
    }
    ms = (now_ms() - t0) / runs;
    q1 = etcd_requests(eps);
    if (rc == 0) {
        printf(
            "ha-manager status on etcd, %zu services | %.1f ms | < 50 ms | wall time, mean of %d "
            "runs of the static binary, 3 etcd members on loopback\n",
            services, ms, runs
        );
        if (q0 >= 0 && q1 >= 0) {
            printf(
                "etcd requests of one ha-manager status, %zu services | %.1f | - | gRPC messages "
                "the members received (their /metrics), mean of %d runs; GET /version not "
                "counted\n",
                services, (double)(q1 - q0) / runs, runs
            );
        }
    } else {
        fprintf(stderr, "bench_etcd: ha-manager status: %s\n", err ? err : "failed");
    }
    unlink(conf);
    free(err);
    er_free(&c);
    free(prefix);
    return rc;
}

int main(int argc, char **argv)
{
    size_t services = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    int rounds = argc > 3 ? atoi(argv[3]) : 10000, rc, bad = 0;
    char *dir, *eps;

    if (argc < 2 || services == 0 || services > 100000 || (rounds != 0 && rounds <= HOUR_ROUNDS)) {
        fprintf(
            stderr, "usage: bench_etcd HAVEN_BINARY [SERVICES [0 | ROUNDS > %d]]\n", HOUR_ROUNDS
        );
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* snapshots every 10,000 raft entries (default 100,000) let etcd drop
     * old log files: 10,000 rounds wrote 4 GB of them into /dev/shm */
    rc = etcd_test_start(3, "http", "--snapshot-count 10000", &dir, &eps);
    if (rc != 0) {
        fprintf(
            stderr, "bench_etcd: %s\n", rc == 77 ? "etcd is not installed" : "etcd did not start"
        );
        return rc == 77 ? 77 : 1;
    }
    printf("figure | value | target | how measured\n");
    bad |= cli_status(argv[1], eps, services) != 0;
    if (rounds == 0) {
        etcd_test_stop(dir);
        free(dir);
        free(eps);
        return bad ? 1 : 0;
    }
    bad |= per_round(eps, services, false, 200) != 0;
    bad |= per_round(eps, services, true, 200) != 0;
    bad |= db_size(eps, services, rounds, false) != 0;
    bad |= db_size(eps, services, rounds, true) != 0;
    etcd_test_stop(dir);
    free(dir);
    free(eps);
    return bad ? 1 : 0;
}
