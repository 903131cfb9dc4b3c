/* test_kv_contract.c - the contract of kv/store.h, one suite run against
 * every backend through the kv_* calls only: the folder store on a fresh
 * folder, and the etcd store on a real etcd member (test/etcd.sh) under a
 * fresh prefix per test. A third backend plugs in as one more entry of
 * backends[]. Files and folders, paths refused, an unchanged rewrite after
 * someone else's write, rename, the command spool, lease locks (exclusive,
 * release, expiry takeover, the fencing token growing), writes guarded by
 * a lock that was taken over, the config lock, probe, quorum and members,
 * the kind of a failed open, and the snapshot of what status shows.
 * The backend-specific tests stay in test_kv_store.c, test_kv_lock.c
 * (folder) and test_kv_etcd.c. Without etcd installed its half is skipped. */
#include "test/etcd_test.h"
#include "test/kv_test.h"
#include "test/test.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

#define T_MS 2000 /* etcd's smallest lease TTL with its default timings */
#define MANAGER "ha_manager_lock"

/* A backend: how to make a fresh, empty store of it. */
struct backend {
    const char *name;
    /* *url and *prefix (may stay NULL) of a new empty store; 0 or -1 */
    int (*fresh)(char **url, char **prefix);
};

static const struct backend *cur;
static char *url, *prefix; /* the store of the running test */
static char *etcd_dir, *etcd_eps;
static int seq;
static bool read_only; /* kv_options.read_only of the stores opened */
static int open_rc; /* what the last open_as returned */
static char *folders[64]; /* the folder stores made, removed at the end */
static size_t n_folders;

static int dir_fresh(char **u, char **p)
{
    char *d = kvt_tmpdir();

    if (n_folders == sizeof(folders) / sizeof(folders[0])) {
        kvt_rm_rf(d);
        free(d);
        return -1;
    }
    *u = xasprintf("dir:%s", d);
    *p = NULL;
    folders[n_folders++] = d;
    return 0;
}

static int etcd_fresh(char **u, char **p)
{
    *u = xasprintf("etcd:%s", etcd_eps);
    *p = xasprintf("/contract-%ld-%d", (long)getpid(), ++seq);
    return 0;
}

static const struct backend backends[] = {
    {"dir", dir_fresh},
    {"etcd", etcd_fresh},
};

static void quiet(void *arg, const char *msg)
{
    (void)arg, (void)msg;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Open the running test's store as node (daemon NULL: read-only probes). */
static struct kv_store *
open_as(const char *node, const char *daemon, const char *store_id, char **err)
{
    struct kv_options o = {0};
    struct kv_store *s = NULL;

    o.url = url;
    o.node = node;
    o.daemon = daemon;
    o.store_id = store_id;
    o.lock_timeout_ms = T_MS;
    o.renew_budget_ms = T_MS / 2;
    o.node_timeout_ms = T_MS;
    o.probe_max_age_ms = T_MS;
    o.notice = quiet;
    o.etcd_prefix = prefix;
    o.read_only = read_only;
    open_rc = kv_open(&o, &s, err);
    if (open_rc != 0) {
        s = NULL;
    }
    return s;
}

static struct kv_store *open_node(const char *node, const char *daemon)
{
    char *err = NULL;
    struct kv_store *s = open_as(node, daemon, NULL, &err);

    if (s == NULL) {
        fprintf(stderr, "[%s] open %s: %s\n", cur->name, node, err);
    }
    free(err);
    return s;
}

static void fresh_store(void)
{
    free(url);
    free(prefix);
    url = prefix = NULL;
    if (cur->fresh(&url, &prefix) != 0) {
        fprintf(stderr, "[%s] no fresh store\n", cur->name);
        exit(2);
    }
}

static bool one_line(const char *s)
{
    return s != NULL && *s != '\0' && strchr(s, '\n') == NULL;
}

static bool reads(struct kv_store *s, const char *path, const char *want)
{
    char *data = NULL, *err = NULL;
    size_t len = 0;
    int r = kv_read(s, path, &data, &len, &err);
    bool ok = want == NULL ? r == 1 : r == 0 && len == strlen(want) && strcmp(data, want) == 0;

    if (!ok) {
        fprintf(
            stderr, "[%s] read %s: %d '%s' (%s), want '%s'\n", cur->name, path, r, data ? data : "",
            err ? err : "", want ? want : "(absent)"
        );
    }
    free(data);
    free(err);
    return ok;
}

static bool write_ok(struct kv_store *s, const char *path, const char *text, const char *guard)
{
    char *err = NULL;
    int r = kv_write(s, path, text, strlen(text), guard, &err);

    if (r != 0) {
        fprintf(stderr, "[%s] write %s: %s\n", cur->name, path, err);
    }
    free(err);
    return r == 0;
}

/* names joined by ',' (caller frees), or NULL on error */
static char *listing(struct kv_store *s, const char *dir)
{
    struct strbuf sb = {0};
    char **names = NULL, *err = NULL;
    size_t n = 0;

    if (kv_list(s, dir, &names, &n, &err) != 0) {
        fprintf(stderr, "[%s] list %s: %s\n", cur->name, dir, err);
        free(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        strbuf_addf(&sb, "%s%s", i ? "," : "", names[i]);
    }
    kv_free_names(names);
    if (sb.len == 0) {
        strbuf_addf(&sb, "%s", "");
    }
    return strbuf_take(&sb);
}

static bool get_lock(struct kv_store *s, const char *name)
{
    char *err = NULL;
    int r = kv_lock_get(s, name, &err);

    free(err);
    return r == 0;
}

/* Retry the lock every 50 ms for up to limit_ms. */
static bool get_within(struct kv_store *s, const char *name, int64_t limit_ms)
{
    int64_t start = kv_now_ms();

    while (kv_now_ms() - start < limit_ms) {
        kv_lock_observe(s, name);
        if (get_lock(s, name)) {
            return true;
        }
        sleep_ms(50);
    }
    return false;
}

/* ---- the contract ---- */

static void test_open_marker(void)
{
    struct kv_store *a, *b;
    char *err = NULL;

    fresh_store();
    a = open_node("n1", "crm");
    CHECK(a != NULL);
    if (a == NULL) {
        return;
    }
    CHECK_INT((long long)strlen(kv_instance(a)), 32);
    CHECK(strspn(kv_instance(a), "0123456789abcdef") == 32);
    /* a second process of the same store: another instance */
    b = open_node("n2", "lrm");
    CHECK(b != NULL && strcmp(kv_instance(a), kv_instance(b)) != 0);
    kv_close(b);
    /* a configured store id that is not the store's */
    b = open_as("n2", "lrm", "00000000000000000000000000000000", &err);
    CHECK(b == NULL && one_line(err) && strstr(err, "store id mismatch") != NULL);
    kv_close(b);
    free(err);
    err = NULL;
    /* an empty store is never initialised when a store id is configured */
    fresh_store();
    b = open_as("n1", "crm", "00000000000000000000000000000000", &err);
    CHECK(b == NULL && one_line(err) && strstr(err, "store id mismatch") != NULL);
    kv_close(b);
    free(err);
    kv_close(a);
}

/* A read-only open creates nothing: an empty store is an error (it may
 * be an unmounted mount point or a mistyped prefix) and stays empty; on a
 * store, a node without a folder gets none. */
static void test_read_only(void)
{
    struct kv_store *a, *b;
    char *err = NULL, *names;

    fresh_store();
    read_only = true;
    b = open_as("n9", NULL, NULL, &err);
    CHECK(b == NULL && one_line(err) && strstr(err, "is empty - not a haven store yet") != NULL);
    kv_close(b);
    free(err);
    err = NULL;
    read_only = false;
    /* still empty: a daemon may initialise it without a store id */
    a = open_as("n1", "crm", "00000000000000000000000000000000", &err);
    CHECK(a == NULL && one_line(err) && strstr(err, "store id mismatch") != NULL);
    free(err);
    a = open_node("n1", "crm");
    CHECK(a != NULL);
    if (a == NULL) {
        return;
    }
    read_only = true;
    b = open_node("n9", NULL);
    read_only = false;
    CHECK(b != NULL);
    if (b != NULL) {
        CHECK_INT(kv_probe(b, &err), 0);
        names = listing(b, "nodes");
        CHECK_STR(names, "n1");
        free(names);
        kv_close(b);
    }
    kv_close(a);
}

/* A failed open says which kind of failure it is: a daemon tries again
 * only while the store holds no valid marker, whatever the error's words. */
static void test_open_kinds(void)
{
    static const char bad[] = "not a store marker\n";
    struct kv_store *a, *b;
    char *err = NULL;

    fresh_store();
    a = open_node("n1", "crm");
    CHECK(a != NULL);
    if (a == NULL) {
        return;
    }
    b = open_as("n2", "lrm", "00000000000000000000000000000000", &err);
    CHECK(b == NULL);
    CHECK_INT(open_rc, KV_OPEN_ERROR);
    /* the marker replaced by something else: not a store */
    CHECK_INT(kv_write(a, "haven-store", bad, strlen(bad), NULL, &err), 0);
    b = open_as("n2", "lrm", NULL, &err);
    CHECK(b == NULL);
    CHECK_INT(open_rc, KV_OPEN_NOT_A_STORE);
    CHECK(one_line(err) && strstr(err, "is not a haven store") != NULL);
    kv_close(b);
    free(err);
    kv_close(a);
}

static void test_files(void)
{
    struct kv_store *a, *b;
    char *l, *err = NULL;

    fresh_store();
    a = open_node("n1", "crm");
    b = open_node("n2", "crm");
    if (a == NULL || b == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        return;
    }
    CHECK(reads(a, "ha/manager_status", NULL));
    CHECK(write_ok(a, "ha/manager_status", "one", NULL));
    CHECK(reads(b, "ha/manager_status", "one"));
    CHECK(write_ok(a, "ha/manager_status", "two", NULL));
    CHECK(reads(b, "ha/manager_status", "two"));
    /* a rewrite of what we wrote last, after someone else's write, writes */
    CHECK(write_ok(b, "ha/manager_status", "three", NULL));
    CHECK(write_ok(a, "ha/manager_status", "two", NULL));
    CHECK(reads(b, "ha/manager_status", "two"));
    /* and so does one after someone removed the file */
    CHECK_INT(kv_remove(b, "ha/manager_status", &err), 0);
    CHECK(write_ok(a, "ha/manager_status", "two", NULL));
    CHECK(reads(b, "ha/manager_status", "two"));
    CHECK(write_ok(a, "empty", "", NULL));
    CHECK(reads(b, "empty", ""));
    CHECK_INT(kv_remove(a, "empty", &err), 0);
    CHECK_INT(kv_remove(a, "empty", &err), 0); /* absent: fine */
    CHECK(reads(b, "empty", NULL));

    /* folders (made before their files): mkdir -p, listings sorted, dot
     * names skipped */
    CHECK_INT(kv_mkdir(a, "x/y/z", &err), 0);
    CHECK_INT(kv_mkdir(a, "x/y/z", &err), 0);
    CHECK_INT(kv_mkdir(a, "f/sub", &err), 0);
    CHECK(write_ok(a, "f/b", "B", NULL));
    CHECK(write_ok(a, "f/a", "A", NULL));
    CHECK(write_ok(a, "f/.hidden", "H", NULL));
    CHECK(write_ok(a, "f/sub/c", "C", NULL));
    l = listing(b, "f");
    CHECK_STR(l, "a,b,sub");
    free(l);
    l = listing(b, "x");
    CHECK_STR(l, "y");
    free(l);
    l = listing(b, "x/y/z");
    CHECK_STR(l, "");
    free(l);
    l = listing(b, "nowhere");
    CHECK_STR(l, "");
    free(l);
    l = listing(b, "nodes");
    CHECK_STR(l, "n1,n2"); /* each open made its node's folder */
    free(l);

    /* rename: 0 done, 1 source absent */
    CHECK_INT(kv_rename(a, "f/a", "f/d", &err), 0);
    CHECK(reads(b, "f/a", NULL));
    CHECK(reads(b, "f/d", "A"));
    CHECK_INT(kv_rename(a, "f/a", "f/e", &err), 1);
    CHECK(reads(b, "f/e", NULL));
    free(err);
    kv_close(a);
    kv_close(b);
}

static void test_paths_refused(void)
{
    static const char *const bad[] = {"../x", "/abs", "a//b",    "a/",      "a/../b",
                                      "",     ".",    "ha/a\nb", "x\033[1m"};
    struct kv_store *a;

    fresh_store();
    a = open_node("n1", "crm");
    if (a == NULL) {
        CHECK(0);
        return;
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *err = NULL, *data = NULL;
        size_t len;

        CHECK_INT(kv_write(a, bad[i], "x", 1, NULL, &err), -1);
        CHECK(one_line(err));
        free(err);
        err = NULL;
        CHECK_INT(kv_read(a, bad[i], &data, &len, &err), -1);
        CHECK(one_line(err) && data == NULL);
        free(data);
        free(err);
    }
    kv_close(a);
}

static void test_spool(void)
{
    struct kv_store *cli, *m;
    char *text = NULL, *err = NULL;

    fresh_store();
    cli = open_node("n1", NULL);
    m = open_node("n2", "crm");
    if (cli == NULL || m == NULL) {
        CHECK(0);
        kv_close(cli);
        kv_close(m);
        return;
    }
    CHECK(!kv_spool_pending(m));
    CHECK_INT(kv_spool_put(cli, "migrate vm:100 n2", &err), 0);
    CHECK_INT(kv_spool_put(cli, "relocate vm:101 n1", &err), 0);
    CHECK_INT(kv_spool_put(m, "stop vm:102 0", &err), 0);
    CHECK_INT(kv_spool_put(cli, "two\nlines", &err), -1);
    CHECK(err != NULL);
    free(err);
    err = NULL;
    CHECK(kv_spool_pending(m));
    /* only the master takes commands */
    CHECK_INT(kv_spool_take(m, &text, &err), -1);
    CHECK_STR(err, "lost manager lock - not reading crm commands");
    free(err);
    err = NULL;
    free(text);
    text = NULL;
    CHECK(get_lock(m, MANAGER));
    CHECK_INT(kv_spool_take(m, &text, &err), 0);
    CHECK_STR(text, "migrate vm:100 n2\nrelocate vm:101 n1\nstop vm:102 0\n");
    free(text);
    text = NULL;
    CHECK(!kv_spool_pending(m));
    CHECK_INT(kv_spool_take(m, &text, &err), 0);
    CHECK_STR(text, "");
    free(text);
    free(err);
    kv_close(cli);
    kv_close(m);
}

static void test_lock_exclusive(void)
{
    struct kv_store *a, *b;
    uint64_t ga, gb;
    char *err = NULL;

    fresh_store();
    a = open_node("n1", "crm");
    b = open_node("n2", "crm");
    if (a == NULL || b == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        return;
    }
    CHECK_INT((long long)kv_lock_generation(a, MANAGER), 0);
    CHECK_INT(kv_lock_renewed_at(a, MANAGER), -1);
    CHECK(get_lock(a, MANAGER));
    ga = kv_lock_generation(a, MANAGER);
    CHECK(ga > 0);
    CHECK(kv_lock_renewed_at(a, MANAGER) >= 0);
    kv_lock_observe(b, MANAGER);
    CHECK_INT(kv_lock_get(b, MANAGER, &err), -1);
    CHECK(one_line(err));
    free(err);
    CHECK_INT((long long)kv_lock_generation(b, MANAGER), 0);
    CHECK(get_lock(a, MANAGER)); /* a renewal never lowers the token */
    CHECK(kv_lock_generation(a, MANAGER) >= ga);
    ga = kv_lock_generation(a, MANAGER);
    CHECK(!kv_lock_release(b, MANAGER)); /* not b's */
    CHECK(get_lock(a, MANAGER));
    CHECK(kv_lock_release(a, MANAGER));
    CHECK_INT((long long)kv_lock_generation(a, MANAGER), 0);
    CHECK(get_within(b, MANAGER, T_MS)); /* released: no need to wait T */
    gb = kv_lock_generation(b, MANAGER);
    CHECK(gb > ga);
    CHECK(!get_lock(a, MANAGER));
    kv_close(a);
    kv_close(b);
}

static void test_lock_expiry(void)
{
    struct kv_store *a, *b;
    uint64_t ga;
    char *err = NULL;

    fresh_store();
    a = open_node("n1", "lrm");
    b = open_node("n2", "crm");
    if (a == NULL || b == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        return;
    }
    CHECK(get_lock(a, "ha_agent_n1_lock"));
    ga = kv_lock_generation(a, "ha_agent_n1_lock");
    /* a stops renewing (a paused or dead LRM): b fences it once it expired */
    CHECK(get_within(b, "ha_agent_n1_lock", 4 * T_MS));
    CHECK(kv_lock_generation(b, "ha_agent_n1_lock") > ga);
    /* a wakes up: its renewal fails and it holds nothing */
    CHECK_INT(kv_lock_get(a, "ha_agent_n1_lock", &err), -1);
    CHECK(one_line(err));
    CHECK_INT((long long)kv_lock_generation(a, "ha_agent_n1_lock"), 0);
    CHECK_INT(kv_lock_renewed_at(a, "ha_agent_n1_lock"), -1);
    free(err);
    kv_close(a);
    kv_close(b);
}

static void test_guarded_write(void)
{
    struct kv_store *a, *b;
    char *err = NULL;

    fresh_store();
    a = open_node("n1", "crm");
    b = open_node("n2", "crm");
    if (a == NULL || b == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        return;
    }
    /* without the lock: refused, nothing written */
    CHECK_INT(kv_write(a, "ha/manager_status", "a0", 2, MANAGER, &err), -1);
    CHECK_STR(err, "lost manager lock - not writing manager status");
    free(err);
    err = NULL;
    CHECK(reads(b, "ha/manager_status", NULL));
    CHECK(get_lock(a, MANAGER));
    CHECK(write_ok(a, "ha/manager_status", "a1", MANAGER));
    /* a is deposed while paused; b takes over and writes */
    CHECK(get_within(b, MANAGER, 4 * T_MS));
    CHECK(write_ok(b, "ha/manager_status", "b1", MANAGER));
    /* a's late write, the same content as its last one or a new one: refused */
    CHECK_INT(kv_write(a, "ha/manager_status", "a1", 2, MANAGER, &err), -1);
    CHECK_STR(err, "lost manager lock - not writing manager status");
    free(err);
    err = NULL;
    CHECK_INT(kv_write(a, "ha/manager_status", "a2", 2, MANAGER, &err), -1);
    free(err);
    CHECK(reads(a, "ha/manager_status", "b1"));
    kv_close(a);
    kv_close(b);
}

static void test_domain_lock(void)
{
    struct kv_store *a, *b;
    char *err = NULL;

    fresh_store();
    a = open_node("n1", NULL);
    b = open_node("n2", NULL);
    if (a == NULL || b == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        return;
    }
    CHECK_INT(kv_domain_lock(a, "domain-ha", 1000, &err), 0);
    CHECK(write_ok(a, "ha/resources.cfg", "vm: 100\n", "domain-ha"));
    CHECK_INT(kv_domain_lock(b, "domain-ha", 300, &err), -1);
    CHECK(one_line(err) && str_starts(err, "cfs-lock 'domain-ha' error"));
    free(err);
    err = NULL;
    CHECK_INT(kv_write(b, "ha/resources.cfg", "x", 1, "domain-ha", &err), -1);
    CHECK(one_line(err));
    free(err);
    err = NULL;
    kv_domain_unlock(a, "domain-ha");
    CHECK_INT(kv_domain_lock(b, "domain-ha", 2000, &err), 0);
    CHECK(write_ok(b, "ha/resources.cfg", "vm: 101\n", "domain-ha"));
    kv_domain_unlock(b, "domain-ha");
    CHECK(reads(a, "ha/resources.cfg", "vm: 101\n"));
    free(err);
    kv_close(a);
    kv_close(b);
}

/* online of node in s's members: 1, 0, or -1 (not a member, error) */
static int online(struct kv_store *s, const char *node)
{
    struct kv_member *m = NULL;
    size_t n = 0;
    char *err = NULL;
    int r = -1;

    if (kv_members(s, &m, &n, &err) != 0) {
        free(err);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].name, node) == 0) {
            r = m[i].online ? 1 : 0;
        }
    }
    kv_free_members(m, n);
    return r;
}

static void test_probe_members(void)
{
    struct kv_store *a, *b, *cli;
    char *err = NULL;
    int64_t start;
    int r = 1;

    fresh_store();
    a = open_node("n1", "crm");
    b = open_node("n2", "lrm");
    cli = open_node("n3", NULL);
    if (a == NULL || b == NULL || cli == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        kv_close(cli);
        return;
    }
    CHECK(!kv_quorate(a)); /* no probe yet */
    CHECK_INT(kv_probe(a, &err), 0);
    CHECK(kv_quorate(a));
    CHECK_INT(kv_probe(cli, &err), 0); /* a read-only probe */
    CHECK(kv_quorate(cli));
    CHECK_INT(online(a, "n1"), 1); /* the local node */
    /* n2 is online while its daemon probes */
    for (int i = 0; i < 4; i++) {
        CHECK_INT(kv_probe(b, &err), 0);
        CHECK_INT(kv_probe(a, &err), 0);
        r = online(a, "n2");
        sleep_ms(T_MS / 4);
    }
    CHECK_INT(r, 1);
    /* n2's daemon stops: it goes offline within a few node timeouts */
    kv_close(b);
    start = kv_now_ms();
    while ((r = online(a, "n2")) == 1 && kv_now_ms() - start < 5 * T_MS) {
        CHECK_INT(kv_probe(a, &err), 0);
        sleep_ms(100);
    }
    CHECK_INT(r, 0);
    CHECK_INT(online(a, "n3"), 0); /* a CLI never makes its node online */
    CHECK_INT(online(a, "nobody"), -1);
    free(err);
    kv_close(a);
    kv_close(cli);
}

/* names of a snapshot's folder joined by ',' (caller frees) */
static char *snap_listing(const struct kv_snapshot *sn, const char *dir)
{
    struct strbuf sb = {0};
    size_t n;
    char *const *names = kv_snap_list(sn, dir, &n);

    for (size_t i = 0; i < n; i++) {
        strbuf_addf(&sb, "%s%s", i ? "," : "", names[i]);
    }
    CHECK(names[n] == NULL);
    if (sb.len == 0) {
        strbuf_addf(&sb, "%s", "");
    }
    return strbuf_take(&sb);
}

/* A snapshot file: its text, "(absent)" or "(error)". */
static const char *snap_text(const struct kv_snapshot *sn, const char *path)
{
    const char *data, *err;
    size_t len;
    int r = kv_snap_read(sn, path, &data, &len, &err);

    return r == 0 && strlen(data) == len ? data : r == 1 ? "(absent)" : "(error)";
}

/* Every file of the snapshot is what kv_read gives, every folder what
 * kv_list gives, the members what kv_members gives (nothing changes in
 * between). */
static void check_like_reads(struct kv_store *s, const struct kv_snapshot *sn)
{
    struct kv_member *m = NULL;
    size_t n = 0;
    char *err = NULL;

    for (size_t i = 0; i < sn->n_files; i++) {
        CHECK(reads(s, sn->files[i].path, snap_text(sn, sn->files[i].path)));
    }
    for (size_t i = 0; i < sn->n_dirs; i++) {
        char *a = listing(s, sn->dirs[i].path), *b = snap_listing(sn, sn->dirs[i].path);
        CHECK_STR(b, a);
        free(a);
        free(b);
    }
    CHECK_INT(kv_members(s, &m, &n, &err), 0);
    CHECK_INT((long long)n, (long long)sn->n_members);
    for (size_t i = 0; i < n && i < sn->n_members; i++) {
        CHECK_STR(sn->members[i].name, m[i].name);
        CHECK_INT(sn->members[i].online, m[i].online);
    }
    kv_free_members(m, n);
    free(err);
}

static void test_snapshot(void)
{
    static const char *const files[] = {
        "ha/manager_status", "ha/resources.cfg", "datacenter.cfg", "nodes/*/lrm_status", NULL,
    };
    static const char *const dirs[] = {"nodes/*/resources", NULL};
    static const char *const bad[] = {"../x", NULL};
    struct kv_snap_req req = {files, dirs, true}, bad_req = {bad, NULL, false};
    struct kv_store *a, *b, *cli;
    struct kv_snapshot sn;
    uint64_t g = 0;
    char *l, *err = NULL;

    fresh_store();
    a = open_node("n1", "crm");
    b = open_node("n2", "lrm");
    cli = open_node("n3", NULL);
    if (a == NULL || b == NULL || cli == NULL) {
        CHECK(0);
        kv_close(a);
        kv_close(b);
        kv_close(cli);
        return;
    }
    CHECK_INT(kv_probe(a, &err), 0);
    CHECK(write_ok(a, "ha/manager_status", "{\"ms\":1}", NULL));
    CHECK(write_ok(a, "ha/resources.cfg", "vm: 100\n", NULL));
    CHECK(write_ok(a, "nodes/n1/lrm_status", "{\"l\":1}", NULL));
    CHECK(write_ok(a, "nodes/n2/lrm_status", "{\"l\":2}", NULL));
    CHECK(write_ok(a, "nodes/n2/other", "not asked for", NULL));
    CHECK(write_ok(a, "ha/rules.cfg", "not asked for", NULL));
    CHECK_INT(kv_mkdir(a, "nodes/n1/resources", &err), 0);
    CHECK_INT(kv_mkdir(a, "nodes/n2/resources", &err), 0);
    CHECK(write_ok(a, "nodes/n1/resources/vm:101", "", NULL));
    CHECK(write_ok(a, "nodes/n1/resources/vm:100", "", NULL));
    CHECK(write_ok(a, "nodes/n1/resources/.hidden", "", NULL));
    CHECK(write_ok(a, "nodes/n2/resources/ct:200", "", NULL));
    CHECK(get_lock(a, "ha_agent_n1_lock"));
    CHECK(get_lock(b, "ha_agent_n2_lock"));
    CHECK(kv_lock_release(b, "ha_agent_n2_lock"));

    CHECK_INT(kv_snapshot(cli, &req, &sn, &err), 0);
    /* content: the requested files only, a missing one absent */
    CHECK_STR(snap_text(&sn, "ha/manager_status"), "{\"ms\":1}");
    CHECK_STR(snap_text(&sn, "ha/resources.cfg"), "vm: 100\n");
    CHECK_STR(snap_text(&sn, "nodes/n1/lrm_status"), "{\"l\":1}");
    CHECK_STR(snap_text(&sn, "nodes/n2/lrm_status"), "{\"l\":2}");
    CHECK_STR(snap_text(&sn, "datacenter.cfg"), "(absent)");
    CHECK_STR(snap_text(&sn, "nodes/n3/lrm_status"), "(absent)");
    CHECK_STR(snap_text(&sn, "nodes/n2/other"), "(absent)");
    CHECK_STR(snap_text(&sn, "ha/rules.cfg"), "(absent)");
    CHECK_STR(snap_text(&sn, "../ha/manager_status"), "(error)");
    CHECK_INT((long long)sn.n_files, 4);
    l = snap_listing(&sn, "nodes/n1/resources");
    CHECK_STR(l, "vm:100,vm:101");
    free(l);
    l = snap_listing(&sn, "nodes/n2/resources");
    CHECK_STR(l, "ct:200");
    free(l);
    l = snap_listing(&sn, "nodes/n3/resources");
    CHECK_STR(l, "");
    free(l);
    /* locks: held with the holder's fencing token, released not held */
    CHECK(kv_snap_locked(&sn, "ha_agent_n1_lock", &g));
    CHECK_INT((long long)g, (long long)kv_lock_generation(a, "ha_agent_n1_lock"));
    CHECK(!kv_snap_locked(&sn, "ha_agent_n2_lock", &g));
    CHECK_INT((long long)g, 0);
    CHECK(!kv_snap_locked(&sn, MANAGER, NULL));
    /* members and quorum, as kv_members and kv_quorate */
    CHECK_INT((long long)sn.n_members, 3);
    CHECK(sn.quorate);
    CHECK(kv_quorate(cli));
    check_like_reads(cli, &sn);
    kv_snapshot_free(&sn);

    /* consistency: a later snapshot sees the later writes, all of them */
    CHECK(write_ok(a, "ha/manager_status", "{\"ms\":2}", NULL));
    CHECK(write_ok(a, "nodes/n1/lrm_status", "{\"l\":3}", NULL));
    CHECK_INT(kv_remove(a, "nodes/n1/resources/vm:101", &err), 0);
    CHECK(kv_lock_release(a, "ha_agent_n1_lock"));
    CHECK_INT(kv_snapshot(cli, &req, &sn, &err), 0);
    CHECK_STR(snap_text(&sn, "ha/manager_status"), "{\"ms\":2}");
    CHECK_STR(snap_text(&sn, "nodes/n1/lrm_status"), "{\"l\":3}");
    l = snap_listing(&sn, "nodes/n1/resources");
    CHECK_STR(l, "vm:100");
    free(l);
    CHECK_INT((long long)sn.n_locks, 0);
    check_like_reads(cli, &sn);
    kv_snapshot_free(&sn);
    /* locks only when asked for */
    CHECK(get_lock(a, "ha_agent_n1_lock"));
    req.locks = false;
    CHECK_INT(kv_snapshot(cli, &req, &sn, &err), 0);
    CHECK_INT((long long)sn.n_locks, 0);
    kv_snapshot_free(&sn);

    /* a last '*' stands for files only (a folder is no file) */
    {
        static const char *const ha[] = {"ha/*", NULL};
        struct kv_snap_req ha_req = {ha, NULL, false};
        CHECK_INT(kv_mkdir(a, "ha/sub", &err), 0);
        CHECK(write_ok(a, "ha/sub/deeper", "x", NULL));
        CHECK_INT(kv_snapshot(cli, &ha_req, &sn, &err), 0);
        CHECK_INT((long long)sn.n_files, 3);
        CHECK_STR(snap_text(&sn, "ha/rules.cfg"), "not asked for");
        CHECK_STR(snap_text(&sn, "ha/sub"), "(absent)");
        kv_snapshot_free(&sn);
    }
    /* a pattern that is no path is refused with one line */
    free(err);
    err = NULL;
    CHECK_INT(kv_snapshot(cli, &bad_req, &sn, &err), -1);
    CHECK(one_line(err));
    kv_snapshot_free(&sn);
    free(err);
    kv_close(a);
    kv_close(b);
    kv_close(cli);
}

static void run_suite(const struct backend *b)
{
    int before = test_failed;

    cur = b;
    RUN(test_open_marker);
    RUN(test_read_only);
    RUN(test_open_kinds);
    RUN(test_files);
    RUN(test_paths_refused);
    RUN(test_spool);
    RUN(test_lock_exclusive);
    RUN(test_lock_expiry);
    RUN(test_guarded_write);
    RUN(test_domain_lock);
    RUN(test_probe_members);
    RUN(test_snapshot);
    if (test_failed != before) {
        fprintf(stderr, "FAIL: the %s backend broke the contract\n", b->name);
    }
}

int main(void)
{
    int r;

    signal(SIGPIPE, SIG_IGN);
    run_suite(&backends[0]);
    r = etcd_test_start(1, "http", "", &etcd_dir, &etcd_eps);
    if (r == 77) {
        fprintf(stderr, "# etcd backend not run: etcd is not installed\n");
    } else if (r != 0) {
        fprintf(stderr, "could not start etcd (see %s)\n", etcd_dir);
        test_failed++;
    } else {
        run_suite(&backends[1]);
        etcd_test_stop(etcd_dir);
    }
    for (size_t i = 0; i < n_folders; i++) {
        kvt_rm_rf(folders[i]);
        free(folders[i]);
    }
    free(url);
    free(prefix);
    free(etcd_dir);
    free(etcd_eps);
    return test_summary();
}
