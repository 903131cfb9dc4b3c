/* test_kv_lock.c - the generation-head lease locks of kv/dir (kv/README.md,
 * lock protocol): acquire, renew, release, expiry on the observer's clock, takeover,
 * slow renewals, injected NFS faults, the manager-lock guard, and a
 * multi-process stress run checked against a ledger. */
#include "test/kv_test.h"
#include "test/test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

static int kvt_t_ms = 300; /* T; KVTEST_T_MS for a slower file system */
#define T_MS kvt_t_ms
#define LOCK "ha_manager_lock"

static char *root;

static void fresh_root(void)
{
    if (root != NULL) {
        kvt_rm_rf(root);
        free(root);
    }
    root = kvt_tmpdir();
}

/* Retry get every 10 ms until it works or limit_ms passes: the time it took,
 * or -1. */
static int64_t get_within(struct kv_store *s, const char *name, int64_t limit_ms)
{
    int64_t start = kv_now_ms();

    while (kv_now_ms() - start < limit_ms) {
        char *err = NULL;
        int r = kv_lock_get(s, name, &err);

        free(err);
        if (r == 0) {
            return kv_now_ms() - start;
        }
        kv_sleep_ms(10);
    }
    return -1;
}

static void test_acquire_renew_release(void)
{
    struct kv_store *a, *b;
    char *err = NULL;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK(a && b);
    CHECK_INT(kv_lock_generation(a, LOCK), 0);
    CHECK_INT(kv_lock_renewed_at(a, LOCK), -1);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kv_lock_generation(a, LOCK), 1);
    CHECK(kv_lock_renewed_at(a, LOCK) >= 0);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0); /* renewal = advance */
    CHECK_INT(kv_lock_generation(a, LOCK), 2);
    /* exactly one head, no claim left over */
    {
        char *ldir = xasprintf("%s/priv/lock/" LOCK, root), **names;
        size_t n;
        CHECK_INT(dir_list_abs(ldir, true, &names, &n), 0);
        CHECK_INT(n, 1);
        CHECK_STR(names[0], "00000000000000000002");
        kv_free_names(names);
        free(ldir);
    }
    CHECK_INT(kv_lock_get(b, LOCK, &err), -1);
    CHECK_STR(err, "can't get cfs lock");
    free(err);
    err = NULL;
    CHECK(!kv_lock_release(b, LOCK)); /* not ours */
    CHECK(kv_lock_release(a, LOCK));
    CHECK_INT(kv_lock_generation(a, LOCK), 0);
    /* free head: taken at once */
    CHECK_INT(kv_lock_get(b, LOCK, &err), 0);
    CHECK_INT(kv_lock_generation(b, LOCK), 4);
    CHECK(!kv_lock_release(a, LOCK));
    /* an emptied lock folder (by hand) does not block the lock forever */
    {
        char *head = xasprintf("%s/priv/lock/" LOCK "/00000000000000000004", root);
        CHECK_INT(unlink(head), 0);
        free(head);
    }
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kv_lock_generation(a, LOCK), 1);
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_takeover_after_expiry(void)
{
    struct kv_store *a, *b;
    char *err = NULL;
    int64_t seen, took;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    kv_lock_observe(b, LOCK);
    seen = kv_now_ms();
    /* while a renews, b never gets it */
    for (int i = 0; i < 8; i++) {
        CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
        free(err);
        err = NULL;
        CHECK_INT(kv_lock_get(b, LOCK, &err), -1);
        kv_sleep_ms(T_MS / 4);
    }
    /* a stops: b gets it, but only after a full T of its own clock */
    CHECK(kv_lock_get(a, LOCK, &err) == 0);
    seen = kv_now_ms();
    took = get_within(b, LOCK, 10 * T_MS);
    CHECK(took >= 0);
    CHECK(kv_now_ms() - seen > T_MS);
    /* a's cache is older than T: it tries to acquire, and cannot */
    free(err);
    err = NULL;
    CHECK_INT(kv_lock_get(a, LOCK, &err), -1);
    CHECK_STR(err, "can't get cfs lock");
    CHECK_INT(kv_lock_generation(a, LOCK), 0);
    /* a renewal that finds its head gone reports the takeover (forced
     * here with the bare primitive, as a skewed observer clock would) */
    CHECK(kv_lock_release(b, LOCK));
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    {
        struct dir_lock *l = dir_lock_find(kv_dir_of(b), LOCK, true);
        CHECK_INT(dir_lock_observe(kv_dir_of(b), l), 1);
        CHECK_INT(dir_lock_advance(kv_dir_of(b), l, true), 1);
    }
    CHECK_INT(kv_lock_get(a, LOCK, &err), -1);
    CHECK_STR(err, "cfs lock update failed - lock taken over");
    CHECK_INT(kv_lock_generation(a, LOCK), 0);
    CHECK_INT(kv_lock_renewed_at(a, LOCK), -1);
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_restarted_observer_waits_full_T(void)
{
    struct kv_store *a, *b;
    char *err = NULL;
    int64_t start;

    fresh_root();
    a = kvt_open(root, "a", "lrm", T_MS);
    CHECK_INT(kv_lock_get(a, "ha_agent_a_lock", &err), 0);
    b = kvt_open(root, "b", "crm", T_MS);
    kv_lock_observe(b, "ha_agent_a_lock");
    kv_sleep_ms(T_MS * 2 / 3);
    kv_close(b); /* b restarts: its observation is gone */
    b = kvt_open(root, "b", "crm", T_MS);
    start = kv_now_ms();
    CHECK(get_within(b, "ha_agent_a_lock", 10 * T_MS) >= 0);
    CHECK(kv_now_ms() - start > T_MS);
    /* a's next LRM (a new instance) sees a foreign head and waits T too */
    kv_close(a);
    a = kvt_open(root, "a", "lrm", T_MS);
    start = kv_now_ms();
    CHECK(get_within(a, "ha_agent_a_lock", 10 * T_MS) >= 0);
    CHECK(kv_now_ms() - start > T_MS);
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_release_lets_fence_ack_at_once(void)
{
    struct kv_store *lrm, *master;
    char *err = NULL;

    fresh_root();
    lrm = kvt_open(root, "n1", "lrm", T_MS);
    master = kvt_open(root, "n2", "crm", T_MS);
    CHECK_INT(kv_lock_get(lrm, "ha_agent_n1_lock", &err), 0);
    kv_lock_observe(master, "ha_agent_n1_lock");
    CHECK_INT(kv_lock_get(master, "ha_agent_n1_lock", &err), -1);
    CHECK(kv_lock_release(lrm, "ha_agent_n1_lock"));
    free(err);
    err = NULL;
    CHECK_INT(kv_lock_get(master, "ha_agent_n1_lock", &err), 0);
    kv_close(lrm);
    kv_close(master);
    free(err);
}

static void test_slow_renewal_fails(void)
{
    struct kv_store *a;
    char *err = NULL;
    int64_t ok_at;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    ok_at = kv_lock_renewed_at(a, LOCK);
    kvt_faults.install_delay_ms = T_MS / 2 + 30; /* > B = T/2 */
    CHECK_INT(kv_lock_get(a, LOCK, &err), -1);
    kvt_faults.install_delay_ms = 0;
    CHECK(err != NULL && str_starts(err, "cfs lock update failed - renewal took "));
    CHECK(err != NULL && strstr(err, " ms") != NULL);
    /* the generation moved, the renewal time did not: nothing to feed */
    CHECK_INT(kv_lock_generation(a, LOCK), 2);
    CHECK_INT(kv_lock_renewed_at(a, LOCK), ok_at);
    /* a fast renewal afterwards works again */
    free(err);
    err = NULL;
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kv_lock_generation(a, LOCK), 3);
    CHECK(kv_lock_renewed_at(a, LOCK) > ok_at);
    kv_close(a);
    free(err);
}

static void test_claim_enoent_takes_stat_path(void)
{
    struct kv_store *a, *b;
    char *err = NULL;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    /* "rename done but ENOENT": the claim is found by stat, renewal wins */
    kvt_faults.claim_enoent = 1;
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kvt_faults.claim_enoent, 0);
    CHECK_INT(kv_lock_generation(a, LOCK), 2);
    /* a real ENOENT (stale generation) stays lost */
    {
        struct dir_lock *l = dir_lock_find(kv_dir_of(b), LOCK, true);
        CHECK_INT(dir_lock_observe(kv_dir_of(b), l), 1);
        CHECK_INT(l->obs_g, 2);
        CHECK_INT(kv_lock_get(a, LOCK, &err), 0); /* head now 3 */
        CHECK_INT(dir_lock_advance(kv_dir_of(b), l, true), 0);
        CHECK_INT(errno, ENOENT);
    }
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_stale_listing(void)
{
    struct kv_store *a, *b;
    struct dir_lock *l;
    char *err = NULL;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    for (int i = 0; i < 20; i++) {
        CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    }
    CHECK_INT(kv_lock_generation(a, LOCK), 20);
    l = dir_lock_find(kv_dir_of(b), LOCK, true);
    /* the listing names the gone head 19: stat finds 20 */
    kvt_faults.stale_listing = 1;
    CHECK_INT(dir_lock_observe(kv_dir_of(b), l), 1);
    CHECK_INT(kvt_faults.stale_listing, 0);
    CHECK_INT(l->obs_g, 20);
    CHECK(l->obs_claim == NULL);
    CHECK(l->obs_rec.parsed && l->obs_rec.held);
    CHECK_STR(l->obs_rec.instance, kv_instance(a));
    CHECK(!dir_head_free(l));
    /* 16 behind: still found */
    l->obs_valid = false;
    kvt_faults.stale_listing = 16;
    CHECK_INT(dir_lock_observe(kv_dir_of(b), l), 1);
    CHECK_INT(l->obs_g, 20);
    /* 17 behind: no observation this round, never "free" */
    l->obs_valid = false;
    kvt_faults.stale_listing = 17;
    CHECK_INT(dir_lock_observe(kv_dir_of(b), l), -1);
    CHECK(!l->obs_valid);
    kvt_faults.stale_listing = 17;
    CHECK_INT(kv_lock_get(b, LOCK, &err), -1);
    CHECK_STR(err, "can't get cfs lock");
    /* a stale view never claims: the old head name is gone */
    kvt_faults.stale_listing = 0;
    CHECK_INT(dir_lock_observe(kv_dir_of(b), l), 1);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(dir_lock_advance(kv_dir_of(b), l, true), 0);
    CHECK_INT(kv_lock_generation(a, LOCK), 21);
    kv_close(a);
    kv_close(b);
    free(err);
}

/* The holder renews while the observer's listing hangs (its server stopped
 * for longer than T): the observer sees the new head only when the listing
 * returns. Dating that first sighting to the start of the observation made
 * the fresh head look T old: the observer took the lock right after the
 * holder's renewal, two holders at once. */
struct stall_ctx {
    struct kv_store *holder;
    int64_t renewed; /* start of the holder's renewal during the stall */
};

static void renew_during_stall(void *arg)
{
    struct stall_ctx *c = arg;
    char *err = NULL;

    kv_sleep_ms(T_MS + 50); /* the observer's server hangs ... */
    if (kv_lock_get(c->holder, LOCK, &err) == 0) { /* ... the holder renews meanwhile */
        c->renewed = kv_lock_renewed_at(c->holder, LOCK);
    }
    free(err);
}

static void test_stalled_observation(void)
{
    struct kv_store *a, *b;
    struct stall_ctx ctx = {0};
    char *err = NULL;
    int64_t got_at = -1;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    kv_lock_observe(b, LOCK);
    ctx.holder = a;
    ctx.renewed = -1;
    kvt_faults.observe_stall = renew_during_stall;
    kvt_faults.observe_stall_arg = &ctx;
    kv_lock_observe(b, LOCK);
    CHECK(kvt_faults.observe_stall == NULL);
    CHECK(ctx.renewed >= 0);
    CHECK_INT(kv_lock_generation(a, LOCK), 2);
    /* b tries at once and keeps trying; a stops renewing. Whenever b gets
     * the lock, a's last renewal must be more than T old on b's clock. */
    free(err);
    err = NULL;
    for (int i = 0; i < 100 && got_at < 0; i++) {
        if (kv_lock_get(b, LOCK, &err) == 0) {
            got_at = kv_now_ms();
        }
        free(err);
        err = NULL;
        kv_sleep_ms(10);
    }
    CHECK(got_at >= 0);
    if (got_at >= 0 && got_at - ctx.renewed <= T_MS) {
        fprintf(
            stderr, "two holders: b took the lock %lld ms after a's renewal (T %d ms)\n",
            (long long)(got_at - ctx.renewed), T_MS
        );
        CHECK(got_at - ctx.renewed > T_MS);
    }
    kv_close(a);
    kv_close(b);
    free(err);
}

static void stall_only(void *arg)
{
    (void)arg;
    kv_sleep_ms(T_MS + 50);
}

/* An observation that hung longer than the bound does not count towards
 * expiry: the window of its head starts again when it returns. */
static void test_slow_observation_restarts_window(void)
{
    struct kv_store *a, *b;
    char *err = NULL;
    int64_t end, got_at = -1;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    kv_lock_observe(b, LOCK);
    kvt_faults.observe_stall = stall_only;
    kv_lock_observe(b, LOCK);
    end = kv_now_ms();
    for (int i = 0; i < 100 && got_at < 0; i++) {
        free(err);
        err = NULL;
        if (kv_lock_get(b, LOCK, &err) == 0) {
            got_at = kv_now_ms();
        }
        kv_sleep_ms(10);
    }
    CHECK(got_at >= 0);
    CHECK(got_at < 0 || got_at - end > T_MS);
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_observe_prefix_and_garbage(void)
{
    struct kv_store *n1, *n2, *m;
    struct dir_lock *l;
    char *err = NULL, *junk;

    fresh_root();
    n1 = kvt_open(root, "n1", "lrm", T_MS);
    n2 = kvt_open(root, "n2", "lrm", T_MS);
    m = kvt_open(root, "m", "crm", T_MS);
    CHECK_INT(kv_lock_get(n1, "ha_agent_n1_lock", &err), 0);
    CHECK_INT(kv_lock_get(n1, "ha_agent_n1_lock", &err), 0);
    CHECK_INT(kv_lock_get(n2, "ha_agent_n2_lock", &err), 0);
    CHECK_INT(kv_lock_get(n2, LOCK, &err), 0);
    /* a finished transition's claim left behind */
    junk = xasprintf(
        "%s/priv/lock/ha_agent_n1_lock/.claim.00000000000000000001.%s", root, kv_instance(n1)
    );
    kvt_write_file(junk, "x");
    kv_lock_observe_prefix(m, "ha_agent_");
    l = dir_lock_find(kv_dir_of(m), "ha_agent_n1_lock", false);
    CHECK(l != NULL && l->obs_valid && l->obs_g == 2);
    CHECK(l != NULL && strcmp(l->obs_rec.node, "n1") == 0);
    l = dir_lock_find(kv_dir_of(m), "ha_agent_n2_lock", false);
    CHECK(l != NULL && l->obs_valid && l->obs_g == 1);
    CHECK(dir_lock_find(kv_dir_of(m), LOCK, false) == NULL);
    CHECK(access(junk, F_OK) != 0);
    free(junk);
    kv_close(n1);
    kv_close(n2);
    kv_close(m);
    free(err);
}

/* "<dir>/<name>", freed at the next call */
static const char *xasprintf_tmp(const char *dir, const char *name)
{
    static char *bufs[2];
    static int k;

    k ^= 1;
    free(bufs[k]);
    bufs[k] = xasprintf("%s/%s", dir, name);
    return bufs[k];
}

static void put_file(const char *ldir, const char *name)
{
    char *p = xasprintf("%s/%s", ldir, name);

    kvt_write_file(p, "junk\n");
    free(p);
}

static bool has_entry(const char *ldir, const char *name)
{
    char *p = xasprintf("%s/%s", ldir, name);
    bool r = access(p, F_OK) == 0;

    free(p);
    return r;
}

/* A name in a lock folder that is no generation (garbage, or digits beyond
 * the largest generation, 2^64 and up) never wedges the lock, and the
 * generation never wraps. */
static void test_garbage_generation_names(void)
{
    struct kv_store *a, *b;
    char *err = NULL, *ldir = NULL;

    fresh_root();
    a = kvt_open(root, "a", NULL, T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    ldir = xasprintf("%s/priv/lock/domain-ha", root);
    /* next to a real head: ignored */
    CHECK_INT(kv_domain_lock(a, "domain-ha", 2000, &err), 0);
    kv_domain_unlock(a, "domain-ha");
    put_file(ldir, "99999999999999999999");
    put_file(ldir, "18446744073709551615");
    CHECK_INT(kv_domain_lock(a, "domain-ha", 2000, &err), 0);
    CHECK_INT(kv_lock_generation(a, "domain-ha"), 3);
    kv_domain_unlock(a, "domain-ha");
    /* alone (the head deleted by hand): cleared away, the lock taken */
    CHECK_INT(unlink(xasprintf_tmp(ldir, "00000000000000000004")), 0);
    put_file(ldir, "junk");
    put_file(ldir, "1");
    CHECK_INT(kv_domain_lock(a, "domain-ha", 2000, &err), 0);
    CHECK_INT(kv_lock_generation(a, "domain-ha"), 1);
    CHECK(!has_entry(ldir, "99999999999999999999") && !has_entry(ldir, "junk"));
    kv_domain_unlock(a, "domain-ha");
    /* a lease lock the same way */
    free(ldir);
    ldir = xasprintf("%s/priv/lock/" LOCK, root);
    CHECK_INT(mkdir(ldir, 0755), 0);
    put_file(ldir, "99999999999999999999");
    CHECK_INT(kv_lock_get(b, LOCK, &err), 0);
    CHECK_INT(kv_lock_generation(b, LOCK), 1);
    /* the largest generation cannot advance: an error, never a wrap to 0 */
    CHECK(kv_lock_release(b, LOCK));
    CHECK_INT(
        rename(
            xasprintf_tmp(ldir, "00000000000000000002"), xasprintf_tmp(ldir, "09999999999999999999")
        ),
        0
    );
    free(err);
    err = NULL;
    CHECK_INT(kv_lock_get(b, LOCK, &err), -1);
    CHECK_STR(err, "can't get cfs lock - Value too large for defined data type");
    CHECK(!has_entry(ldir, "00000000000000000000"));
    CHECK(!has_entry(ldir, "10000000000000000000"));
    free(ldir);
    kv_close(a);
    kv_close(b);
    free(err);
}

/* Over sftp a name that exists comes back as EPERM, not EEXIST or
 * ENOTEMPTY: a lost race must still be a lost race (busy), never a store
 * error ("cfs-lock 'domain-ha' error: Operation not permitted"). */
static void test_exists_as_eperm(void)
{
    struct kv_store *a, *b;
    struct dir_lock *l;
    char *err = NULL, *rec, *p;
    int status, failed = 0;
    pid_t pids[8];

    fresh_root();
    kvt_faults.exists_as_eperm = true;
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK(a && b);
    if (a == NULL || b == NULL) {
        kvt_faults.exists_as_eperm = false;
        kv_close(a);
        kv_close(b);
        return;
    }
    /* b saw no lock folder; a creates it first: b lost the race */
    l = dir_lock_find(kv_dir_of(b), LOCK, true);
    CHECK_INT(dir_lock_observe(kv_dir_of(b), l), 0);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    errno = 0;
    CHECK_INT(dir_lock_create(kv_dir_of(b), l), 0);
    CHECK_INT(errno, EEXIST);
    /* an install onto a generation that exists */
    p = xasprintf("%s/priv/lock/" LOCK "/00000000000000000001", root);
    rec = xasprintf("%s/priv/lock/.rec.x", root);
    kvt_write_file(rec, "x\n");
    errno = 0;
    CHECK_INT(dir_link_excl(&kvt_faults, rec, p), -1);
    CHECK_INT(errno, EEXIST);
    unlink(rec);
    /* folders that exist, for kv_mkdir */
    CHECK_INT(kv_mkdir(b, "nodes/a/resources", &err), 0);
    /* the domain lock between racing processes: busy, then taken */
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            struct kv_store *c = kvt_open(root, i % 2 ? "a" : "b", NULL, T_MS);
            int r = -1;

            for (int k = 0; c != NULL && k < 5; k++) {
                char *e = NULL;
                r = kv_domain_lock(c, "domain-ha", 20000, &e);
                if (r != 0) {
                    fprintf(stderr, "domain lock: %s\n", e ? e : "?");
                    break;
                }
                kv_domain_unlock(c, "domain-ha");
                free(e);
            }
            _exit(r == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 8; i++) {
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(failed, 0);
    kvt_faults.exists_as_eperm = false;
    free(p);
    free(rec);
    kv_close(a);
    kv_close(b);
    free(err);
}

/* Racing initialisers of one store over sftp: all agree on one marker. */
static void test_open_race_eperm(void)
{
    pid_t pids[16];
    int status, failed = 0;

    fresh_root();
    kvt_faults.exists_as_eperm = true;
    for (int round = 0; round < 4; round++) {
        fresh_root();
        for (int i = 0; i < 16; i++) {
            pids[i] = fork();
            if (pids[i] == 0) {
                char node[16];
                snprintf(node, sizeof(node), "n%d", i);
                _exit(kvt_open(root, node, NULL, T_MS) == NULL ? 1 : 0);
            }
        }
        for (int i = 0; i < 16; i++) {
            CHECK(waitpid(pids[i], &status, 0) == pids[i]);
            failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }
    kvt_faults.exists_as_eperm = false;
    CHECK_INT(failed, 0);
}

/* A lock record read cut short (a cached length) has lost its final
 * newline: it is unreadable (an unknown owner), never a record whose wall
 * time lost its last digits and so looks 50 years old. */
static void test_cut_record(void)
{
    struct kv_store *a, *b;
    char *err = NULL, *p, *rec;

    fresh_root();
    a = kvt_open(root, "a", NULL, T_MS);
    b = kvt_open(root, "b", NULL, T_MS);
    CHECK_INT(kv_domain_lock(b, "domain-ha", 2000, &err), 0);
    p = xasprintf("%s/priv/lock/domain-ha/00000000000000000001", root);
    rec = xasprintf(
        "haven-lock 1 held node=b instance=%s pid=1 wall=%lld", kv_instance(b),
        (long long)dir_wall_s()
    );
    rec[strlen(rec) - 8] = '\0'; /* cut: wall=17 */
    kvt_write_file(p, rec);
    CHECK_INT(kv_domain_lock(a, "domain-ha", 300, &err), -1);
    CHECK_STR(err, "cfs-lock 'domain-ha' error: got lock request timeout");
    free(rec);
    free(p);
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_guarded_writes(void)
{
    struct kv_store *a, *b;
    char *err = NULL, *data = NULL, *text = NULL;
    size_t len;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_write(a, "ha/manager_status", "{}", 2, LOCK, &err), -1);
    CHECK_STR(err, "lost manager lock - not writing manager status");
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kv_write(a, "ha/manager_status", "{\"a\":1}", 7, LOCK, &err), 0);
    CHECK_INT(kv_spool_put(b, "migrate vm:100 b", &err), 0);
    CHECK_INT(kv_spool_take(a, &text, &err), 0);
    CHECK_STR(text, "migrate vm:100 b\n");
    free(text);
    text = NULL;
    /* b takes over after expiry; a's late write and spool read must fail */
    kv_lock_observe(b, LOCK);
    CHECK(get_within(b, LOCK, 10 * T_MS) >= 0);
    free(err);
    err = NULL;
    CHECK_INT(kv_write(a, "ha/manager_status", "{\"a\":2}", 7, LOCK, &err), -1);
    CHECK_STR(err, "lost manager lock - not writing manager status");
    CHECK_INT(kv_read(b, "ha/manager_status", &data, &len, &err), 0);
    CHECK_STR(data, "{\"a\":1}");
    free(data);
    CHECK_INT(kv_spool_put(b, "stop vm:100", &err), 0);
    CHECK_INT(kv_spool_take(a, &text, &err), -1);
    CHECK_STR(err, "lost manager lock - not reading crm commands");
    CHECK(kv_spool_pending(a));
    CHECK_INT(kv_spool_take(b, &text, &err), 0);
    CHECK_STR(text, "stop vm:100\n");
    CHECK(!kv_spool_pending(a));
    free(text);
    kv_close(a);
    kv_close(b);
    free(err);
}

/* The write guard must not trust cached attributes: with a client that
 * still has the deposed holder's head in its cache, a stat() says "still
 * there", and the stale holder's guarded write went through after the
 * takeover. */
static void test_guard_ignores_cached_attrs(void)
{
    struct kv_store *a, *b;
    char *err = NULL, *data = NULL;
    size_t len;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kv_write(a, "ha/manager_status", "{\"a\":1}", 7, LOCK, &err), 0);
    kv_lock_observe(b, LOCK);
    CHECK(get_within(b, LOCK, 10 * T_MS) >= 0);
    CHECK_INT(kv_write(b, "ha/manager_status", "{\"b\":1}", 7, LOCK, &err), 0);
    /* a's client still caches its head as present */
    {
        char gn[DIR_GEN_DIGITS + 1];
        snprintf(gn, sizeof(gn), "%020llu", (unsigned long long)kv_lock_generation(a, LOCK));
        kvt_faults.cached_entry = gn;
        free(err);
        err = NULL;
        CHECK_INT(kv_write(a, "ha/manager_status", "{\"a\":2}", 7, LOCK, &err), -1);
        CHECK_STR(err, "lost manager lock - not writing manager status");
        kvt_faults.cached_entry = NULL;
    }
    CHECK_INT(kv_read(b, "ha/manager_status", &data, &len, &err), 0);
    CHECK_STR(data, "{\"b\":1}");
    free(data);
    /* the holder's guarded writes keep working, and it still holds */
    CHECK_INT(kv_write(b, "ha/manager_status", "{\"b\":2}", 7, LOCK, &err), 0);
    CHECK_INT(kv_lock_get(b, LOCK, &err), 0);
    kv_close(a);
    kv_close(b);
    free(err);
}

static void test_failed_probe_restarts_windows(void)
{
    struct kv_store *a, *b;
    char *err = NULL, *marker = NULL, *abs;
    size_t len;
    int64_t start;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK_INT(kv_lock_get(a, LOCK, &err), 0);
    CHECK_INT(kv_probe(b, &err), 0);
    kv_lock_observe(b, LOCK);
    kv_sleep_ms(T_MS * 2 / 3);
    /* b's probe fails (marker changed), then works again: the window of
     * the head b watched starts again at the good probe */
    abs = xasprintf("%s/haven-store", root);
    CHECK_INT(dir_read_file(NULL, abs, &marker, &len), 0);
    kvt_write_file(abs, "haven-store 1 id=00000000000000000000000000000000 created=1\n");
    CHECK_INT(kv_probe(b, &err), -1);
    CHECK(!kv_quorate(b));
    kvt_write_file(abs, marker);
    kv_sleep_ms(T_MS / 2);
    CHECK_INT(kv_probe(b, &err), 0);
    start = kv_now_ms();
    CHECK(get_within(b, LOCK, 10 * T_MS) >= 0);
    CHECK(kv_now_ms() - start > T_MS);
    free(marker);
    free(abs);
    kv_close(a);
    kv_close(b);
    free(err);
}

/* ---- the multi-process stress run ----
 *
 * Holders log "begin <gen> <node> <instance>", work a little, then "end
 * <gen>" to a shared O_APPEND ledger. A holding interval is only claimed
 * when its end was written within the lease budget B of the renewal start
 * (else "void <gen>" follows: a scheduling delay, not a lock decision). The
 * claimed intervals must never overlap and their generations must strictly
 * increase: two holders at once would show as nested or repeated lines. */

#define STRESS_PROCS 8
#define STRESS_MS kvt_env_ms("KVTEST_STRESS_MS", 3000) /* longer with frozen servers */

static void ledger_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ledger_line(int fd, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (write(fd, line, (size_t)n) != n) {
        _exit(4);
    }
}

static void stress_child(int id, const char *ledger)
{
    char node[16];
    struct kv_store *s;
    int fd = open(ledger, O_WRONLY | O_APPEND | O_CLOEXEC);
    unsigned seed = (unsigned)getpid() * 2654435761u;
    int64_t end = kv_now_ms() + STRESS_MS;

    char *my_root = kvt_alias(root, id % 4); /* a node's processes share its mount */

    snprintf(node, sizeof(node), "n%d", id % 4); /* two processes per node */
    s = kvt_open(my_root, node, "crm", T_MS);
    if (s == NULL || fd < 0) {
        _exit(3);
    }
    while (kv_now_ms() < end) {
        char *err = NULL;
        int r, roll;

        seed = seed * 1103515245u + 12345u;
        roll = (int)((seed >> 16) % 100);
        /* widen the race windows: decide, (pause), claim, (pause), install;
         * some attempts are paused contenders that sleep past T */
        kvt_faults.claim_delay_ms = roll < 3 ? T_MS + 50 : (int64_t)((seed >> 4) % 3);
        kvt_faults.install_delay_ms = (seed >> 6) % 2;
        r = kv_lock_get(s, LOCK, &err);
        free(err);
        kvt_faults.claim_delay_ms = 0;
        kvt_faults.install_delay_ms = 0;
        if (r == 0) {
            int64_t t_s = kv_lock_renewed_at(s, LOCK);
            unsigned long long g = kv_lock_generation(s, LOCK);

            ledger_line(fd, "begin %llu %s %s\n", g, node, kv_instance(s));
            kv_sleep_ms((seed >> 9) % (T_MS / 6)); /* the work under the lock */
            ledger_line(fd, "end %llu\n", g);
            if (kv_now_ms() - t_s > T_MS / 2) {
                ledger_line(fd, "void %llu\n", g);
            }
            if (roll < 15) {
                kv_lock_release(s, LOCK); /* the others race for a free head */
            } else if (roll < 17) {
                kv_close(s); /* crash: a new instance, no release */
                s = kvt_open(my_root, node, "crm", T_MS);
                if (s == NULL) {
                    _exit(3);
                }
            } else if (roll < 18) {
                kv_sleep_ms(T_MS + 50); /* a paused holder */
            }
        }
        kv_sleep_ms((seed >> 8) % 10);
    }
    kv_close(s);
    close(fd);
    _exit(0);
}

#define MAX_VOIDS 4096

static bool is_void(const unsigned long long *voids, size_t n, unsigned long long g)
{
    for (size_t i = 0; i < n; i++) {
        if (voids[i] == g) {
            return true;
        }
    }
    return false;
}

/* KVTEST_FREEZE="pid ...": the network cables of the nodes (forwarders),
 * frozen one at a time for 0.2 .. 1.5 s while the children run (a server
 * that hangs); returns when every child has exited. */
static void freeze_cables_until_done(pid_t *pids, int n, int *status)
{
    const char *list = getenv("KVTEST_FREEZE");
    pid_t cables[16];
    int n_cables = 0, left = n;
    unsigned seed = (unsigned)getpid();

    for (const char *p = list; p != NULL && *p != '\0' && n_cables < 16;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        if (v > 1) {
            cables[n_cables++] = (pid_t)v;
        }
        p = end;
    }
    while (left > 0) {
        for (int i = 0; i < n; i++) {
            if (pids[i] > 0 && waitpid(pids[i], &status[i], WNOHANG) == pids[i]) {
                pids[i] = -pids[i];
                left--;
            }
        }
        if (left == 0) {
            break;
        }
        if (n_cables > 0) {
            pid_t c;
            seed = seed * 1103515245u + 12345u;
            c = cables[(seed >> 16) % (unsigned)n_cables];
            kill(c, SIGSTOP);
            kv_sleep_ms(200 + (int64_t)((seed >> 4) % 1300));
            kill(c, SIGCONT);
            kv_sleep_ms(300 + (int64_t)((seed >> 8) % 700));
        } else {
            kv_sleep_ms(20);
        }
    }
    for (int i = 0; i < n_cables; i++) {
        kill(cables[i], SIGCONT);
    }
    for (int i = 0; i < n; i++) {
        pids[i] = -pids[i];
    }
}

static void test_stress_ledger(void)
{
    char *ledger, *data = NULL, *save = NULL, last_inst[40] = "";
    pid_t pids[STRESS_PROCS];
    unsigned long long last = 0, open_g = 0, voids[MAX_VOIDS];
    size_t len, n_voids = 0, held = 0, handovers = 0;
    int bad = 0, status[STRESS_PROCS];

    fresh_root();
    ledger = xasprintf("/tmp/haven-kvtest-ledger.%ld", (long)getpid()); /* local: O_APPEND */
    kvt_write_file(ledger, "");
    for (int i = 0; i < STRESS_PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            stress_child(i, ledger);
        }
        CHECK(pids[i] > 0);
    }
    freeze_cables_until_done(pids, STRESS_PROCS, status);
    for (int i = 0; i < STRESS_PROCS; i++) {
        CHECK(WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0);
    }
    CHECK_INT(dir_read_file(NULL, ledger, &data, &len), 0);
    for (char *p = data; p && (p = strstr(p, "void ")) != NULL; p += 5) {
        if (n_voids < MAX_VOIDS) {
            voids[n_voids++] = strtoull(p + 5, NULL, 10);
        }
    }
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long g;
        char node[16], inst[40];

        if (sscanf(line, "begin %llu %15s %39s", &g, node, inst) == 3) {
            if (is_void(voids, n_voids, g)) {
                continue;
            }
            if (open_g != 0 || g <= last) {
                fprintf(stderr, "ledger: begin %llu while %llu open, last %llu\n", g, open_g, last);
                bad++;
            }
            open_g = last = g;
            held++;
            handovers += strcmp(inst, last_inst) != 0;
            snprintf(last_inst, sizeof(last_inst), "%s", inst);
        } else if (sscanf(line, "end %llu", &g) == 1) {
            if (is_void(voids, n_voids, g)) {
                continue;
            }
            if (open_g != g) {
                fprintf(stderr, "ledger: end %llu while %llu open\n", g, open_g);
                bad++;
            }
            open_g = 0;
        } else if (!str_starts(line, "void ")) {
            bad++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK(held >= 5);
    CHECK(handovers >= 2); /* the lock changed hands */
    if (getenv("KVTEST_VERBOSE")) {
        fprintf(stderr, "stress: %zu holds, %zu voided, %zu handovers\n", held, n_voids, handovers);
    }
    free(data);
    unlink(ledger);
    free(ledger);
}

int main(void)
{
    kvt_t_ms = kvt_env_ms("KVTEST_T_MS", kvt_t_ms);
    signal(SIGPIPE, SIG_IGN);
    kvt_faults.no_fsync = access("/dev/shm", W_OK) != 0; /* keep ext4 runs fast */
    RUN(test_acquire_renew_release);
    RUN(test_takeover_after_expiry);
    RUN(test_restarted_observer_waits_full_T);
    RUN(test_release_lets_fence_ack_at_once);
    RUN(test_slow_renewal_fails);
    RUN(test_claim_enoent_takes_stat_path);
    RUN(test_stale_listing);
    RUN(test_stalled_observation);
    RUN(test_slow_observation_restarts_window);
    RUN(test_observe_prefix_and_garbage);
    RUN(test_garbage_generation_names);
    RUN(test_exists_as_eperm);
    RUN(test_cut_record);
    RUN(test_open_race_eperm);
    RUN(test_guarded_writes);
    RUN(test_guard_ignores_cached_attrs);
    RUN(test_failed_probe_restarts_windows);
    RUN(test_stress_ledger);
    if (root != NULL) {
        kvt_rm_rf(root);
        free(root);
    }
    return test_summary();
}
