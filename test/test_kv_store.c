/* test_kv_store.c - the rest of kv/dir (kv/README.md): start-up check 2
 * (applets/README.md), atomic files, the crm_commands spool under
 * concurrent writers, the domain-ha config lock across processes, probes,
 * quorum, members. */
#include "test/kv_test.h"
#include "test/test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int kvt_t_ms = 300; /* T; KVTEST_T_MS for a slower file system */
#define T_MS kvt_t_ms

static char *root;

static void fresh_root(void)
{
    if (root != NULL) {
        kvt_rm_rf(root);
        free(root);
    }
    root = kvt_tmpdir();
}

static int open_err(const char *url, const char *node, const char *store_id, char **err)
{
    struct kv_options o = {0};
    struct kv_store *s = NULL;
    int r;

    o.url = url;
    o.node = node;
    o.store_id = store_id;
    o.lock_timeout_ms = T_MS;
    o.renew_budget_ms = T_MS / 2;
    o.faults = &kvt_faults;
    r = kv_open(&o, &s, err);
    kv_close(s);
    return r;
}

static bool is_dir(const char *rel)
{
    char *p = xasprintf("%s/%s", root, rel);
    struct stat st;
    bool r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

    free(p);
    return r;
}

static void test_open_marker(void)
{
    struct kv_store *s;
    char *url, *err = NULL, *marker = NULL, *p, *want;
    char id[DIR_INSTANCE_HEX + 1];
    size_t len;

    fresh_root();
    url = xasprintf("dir:%s", root);
    /* empty root with store_id: probably not mounted, write nothing */
    CHECK_INT(open_err(url, "a", "0123456789abcdef0123456789abcdef", &err), -1);
    CHECK(err && str_starts(err, "store id mismatch"));
    p = xasprintf("%s/haven-store", root);
    CHECK(access(p, F_OK) != 0);
    /* empty root (dot files only): initialised */
    kvt_write_file(p, "");
    unlink(p);
    {
        char *dot = xasprintf("%s/.keep", root);
        kvt_write_file(dot, "");
        free(dot);
    }
    s = kvt_open(root, "a", NULL, T_MS);
    CHECK(s != NULL);
    kv_close(s);
    CHECK_INT(dir_read_file(NULL, p, &marker, &len), 0);
    CHECK(marker && str_starts(marker, "haven-store 1 id="));
    CHECK_INT(dir_marker_parse(marker, id, sizeof(id)), 0);
    CHECK(is_dir("ha/crm_commands.d") && is_dir("priv/lock") && is_dir("nodes/a/resources"));
    /* a second node opens the same store and keeps its id */
    s = kvt_open(root, "b", NULL, T_MS);
    CHECK(s != NULL && strcmp(kv_dir_of(s)->store_id, id) == 0);
    kv_close(s);
    CHECK(is_dir("nodes/b/resources"));
    /* store_id: equal passes, different fails */
    free(err);
    err = NULL;
    CHECK_INT(open_err(url, "a", id, &err), 0);
    CHECK_INT(open_err(url, "a", "ffffffffffffffffffffffffffffffff", &err), -1);
    CHECK(err && str_starts(err, "store id mismatch"));
    /* a folder with other things and no marker */
    unlink(p);
    free(err);
    err = NULL;
    CHECK_INT(open_err(url, "a", NULL, &err), KV_OPEN_NOT_A_STORE);
    want = xasprintf("%s is not a haven store", root);
    CHECK_STR(err, want);
    free(want);
    /* a bad marker, a non-folder, bad URLs and node names */
    kvt_write_file(p, "something else\n");
    CHECK_INT(open_err(url, "a", NULL, &err), KV_OPEN_NOT_A_STORE);
    CHECK(err && strstr(err, "is not a haven store") != NULL);
    {
        char *u2 = xasprintf("dir:%s", p);
        /* never a store, whatever a retry waits for */
        CHECK_INT(open_err(u2, "a", NULL, &err), KV_OPEN_ERROR);
        CHECK(err && strstr(err, "is not a haven store") != NULL);
        free(u2);
    }
    CHECK_INT(open_err("zfs:/x", "a", NULL, &err), -1);
    CHECK(err && str_starts(err, "unsupported store"));
    CHECK_INT(open_err("dir:relative", "a", NULL, &err), -1);
    CHECK_INT(open_err(url, "bad_name", NULL, &err), -1);
    CHECK(err && str_starts(err, "invalid node name"));
    free(err);
    free(marker);
    free(p);
    free(url);
}

/* A client that cached the marker's size as 0 (it saw the file while a
 * racing initialiser had just created it) must not call the folder "not a
 * haven store" nor fail its probes: it asks the server again. */
static void test_marker_cached_empty(void)
{
    struct kv_store *a, *b = NULL;
    char *err = NULL;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    CHECK(a != NULL);
    kvt_faults.cut_len = 0;
    kvt_faults.cut_until_fresh = true;
    b = kvt_open(root, "b", "crm", T_MS);
    CHECK(b != NULL);
    kvt_faults.cut_until_fresh = true;
    CHECK_INT(kv_probe(a, &err), 0);
    kvt_faults.cut_until_fresh = false;
    /* no marker is ever seen empty by its creator's peers: it is written
     * whole under a temporary name first */
    {
        char **names;
        size_t n;
        CHECK_INT(dir_list_abs(root, true, &names, &n), 0);
        for (size_t i = 0; i < n; i++) {
            CHECK(!str_starts(names[i], ".haven-store"));
        }
        kv_free_names(names);
    }
    kv_close(a);
    kv_close(b);
    free(err);
}

/* Racing initialisers agree on one id. */
static void test_open_race(void)
{
    pid_t pids[16];
    int status;
    char *p, *marker = NULL;
    size_t len;

    fresh_root();
    for (int i = 0; i < 16; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char node[16];
            struct kv_store *s;
            snprintf(node, sizeof(node), "n%d", i);
            s = kvt_open(root, node, NULL, T_MS);
            _exit(s == NULL ? 1 : 0);
        }
    }
    for (int i = 0; i < 16; i++) {
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    p = xasprintf("%s/haven-store", root);
    CHECK_INT(dir_read_file(NULL, p, &marker, &len), 0);
    for (int i = 0; i < 6; i++) {
        struct kv_store *s = kvt_open(root, "x", NULL, T_MS);
        CHECK(s && strstr(marker, kv_dir_of(s)->store_id) != NULL);
        kv_close(s);
    }
    free(marker);
    free(p);
}

static void test_files(void)
{
    struct kv_store *s;
    char *err = NULL, *data = NULL, **names = NULL;
    size_t len, n;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    CHECK_INT(kv_read(s, "ha/manager_status", &data, &len, &err), 1);
    CHECK(data == NULL);
    CHECK_INT(kv_write(s, "ha/manager_status", "{\"x\":1}", 7, NULL, &err), 0);
    CHECK_INT(kv_read(s, "ha/manager_status", &data, &len, &err), 0);
    CHECK_STR(data, "{\"x\":1}");
    CHECK_INT(len, 7);
    free(data);
    CHECK_INT(kv_write(s, "ha/manager_status", "", 0, NULL, &err), 0);
    CHECK_INT(kv_read(s, "ha/manager_status", &data, &len, &err), 0);
    CHECK_STR(data, "");
    free(data);
    /* no temp files left; dot files are not listed */
    CHECK_INT(dir_list_abs(kv_dir_of(s)->root, true, &names, &n), 0);
    for (size_t i = 0; i < n; i++) {
        CHECK(!str_starts(names[i], ".tmp."));
    }
    kv_free_names(names);
    CHECK_INT(kv_write(s, "ha/.hidden", "x", 1, NULL, &err), 0);
    CHECK_INT(kv_write(s, "ha/b", "x", 1, NULL, &err), 0);
    CHECK_INT(kv_write(s, "ha/a", "x", 1, NULL, &err), 0);
    CHECK_INT(kv_list(s, "ha", &names, &n, &err), 0);
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK_STR(names[0], "a");
        CHECK_STR(names[1], "b");
        CHECK_STR(names[2], "crm_commands.d");
        CHECK_STR(names[3], "manager_status");
        CHECK(names[4] == NULL);
    }
    kv_free_names(names);
    CHECK_INT(kv_list(s, "nothing/here", &names, &n, &err), 0);
    CHECK_INT(n, 0);
    CHECK(names && names[0] == NULL);
    kv_free_names(names);
    /* rename: done, then absent; remove absent is fine */
    CHECK_INT(kv_mkdir(s, "nodes/b/resources", &err), 0);
    CHECK_INT(kv_write(s, "nodes/a/resources/vm:100", "", 0, NULL, &err), 0);
    CHECK_INT(kv_rename(s, "nodes/a/resources/vm:100", "nodes/b/resources/vm:100", &err), 0);
    CHECK_INT(kv_rename(s, "nodes/a/resources/vm:100", "nodes/b/resources/vm:100", &err), 1);
    CHECK_INT(kv_remove(s, "nodes/b/resources/vm:100", &err), 0);
    CHECK_INT(kv_remove(s, "nodes/b/resources/vm:100", &err), 0);
    /* a write into a missing folder is a store error */
    CHECK_INT(kv_write(s, "nope/file", "x", 1, NULL, &err), -1);
    CHECK(err && str_starts(err, "unable to write file 'nope/file' - "));
    /* bad paths */
    CHECK_INT(kv_read(s, "../etc/passwd", &data, &len, &err), -1);
    CHECK_INT(kv_read(s, "/etc/passwd", &data, &len, &err), -1);
    CHECK_INT(kv_write(s, "ha//x", "", 0, NULL, &err), -1);
    CHECK_INT(kv_write(s, "ha/x/", "", 0, NULL, &err), -1);
    CHECK(err && str_starts(err, "invalid store path"));
    /* over 16 MiB is a read error */
    {
        char *p = xasprintf("%s/ha/big", root);
        FILE *f = fopen(p, "w");
        CHECK(f != NULL);
        if (f != NULL) {
            CHECK_INT(fseek(f, DIR_MAX_FILE, SEEK_SET), 0);
            fputc('x', f);
            fclose(f);
        }
        CHECK_INT(kv_read(s, "ha/big", &data, &len, &err), -1);
        CHECK(data == NULL);
        unlink(p);
        free(p);
    }
    /* old temp files are swept by the next write in that folder */
    {
        char *tmp = xasprintf("%s/ha/.tmp.x.1.0000000000000000", root);
        struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
        kvt_write_file(tmp, "junk");
        CHECK_INT(utimensat(AT_FDCWD, tmp, old, 0), 0);
        for (size_t i = 0; i < kv_dir_of(s)->n_sweeps; i++) {
            kv_dir_of(s)->sweeps[i].at -= 3600 * 1000; /* the last sweep was long ago */
        }
        free(err);
        err = NULL;
        CHECK_INT(kv_write(s, "ha/c", "x", 1, NULL, &err), 0);
        CHECK(access(tmp, F_OK) != 0);
        free(tmp);
    }
    kv_close(s);
    free(err);
}

/* A NUL byte anywhere in a store file is a read error naming the file:
 * callers parse C strings, so the rest of the file would silently vanish. */
static void test_read_rejects_nul(void)
{
    struct kv_store *s;
    char *err = NULL, *data = NULL, *p;
    size_t len;
    FILE *f;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    p = xasprintf("%s/ha/resources.cfg", root);
    f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fwrite("vm: 100\n\0\nvm: 101\n", 1, 18, f);
        fclose(f);
    }
    CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), -1);
    CHECK(data == NULL);
    CHECK_STR(err, "unable to read file 'ha/resources.cfg' - contains a NUL byte");
    /* the raw reader says why too, and a NUL as the last byte counts */
    kvt_write_file(p, "vm: 100\n");
    f = fopen(p, "a");
    if (f != NULL) {
        fputc('\0', f);
        fclose(f);
    }
    errno = 0;
    CHECK_INT(dir_read_file(NULL, p, &data, &len), -1);
    CHECK_STR(dir_strerror(errno), "contains a NUL byte");
    kvt_write_file(p, "vm: 100\n");
    CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), 0);
    CHECK_STR(data, "vm: 100\n");
    free(data);
    free(p);
    kv_close(s);
    free(err);
}

/* kv_read in a child: its result as the exit code (0 read, 1 absent, 2
 * error, 9 error with the wrong text); 10 when it did not return within 5 s
 * (a reader blocked on a FIFO). */
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

static int read_in_child(const char *path, const char *want_err)
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        struct kv_store *s = kvt_open(root, "a", NULL, T_MS);
        char *data = NULL, *err = NULL;
        size_t len;
        int r;

        if (s == NULL) {
            _exit(8);
        }
        r = kv_read(s, path, &data, &len, &err);
        if (r < 0 && want_err != NULL && (err == NULL || strcmp(err, want_err) != 0)) {
            fprintf(stderr, "kv_read %s: %s\n", path, err ? err : "(null)");
            _exit(9);
        }
        _exit(r < 0 ? 2 : r);
    }
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 11;
        }
        kv_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 10;
}

/* Anything but a regular file is refused at once: a FIFO would block the
 * reader (a daemon would stop feeding its watchdog), a symbolic link could
 * point out of the store. */
/* mkfifo, which only a file system without FIFOs (sftp, under
 * KVTEST_DIR) may refuse: the FIFO checks run on the local store. */
static bool fifo_made(const char *p)
{
    if (mkfifo(p, 0600) == 0) {
        return true;
    }
    CHECK(getenv("KVTEST_DIR") != NULL);
    return false;
}

static void test_read_refuses_special_files(void)
{
    struct kv_store *s;
    char *p, *err = NULL, *data = NULL;
    size_t len;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    p = xasprintf("%s/ha/manager_status", root);
    if (fifo_made(p)) {
        CHECK_INT(
            read_in_child(
                "ha/manager_status", "unable to read file 'ha/manager_status' - not a regular file"
            ),
            2
        );
        unlink(p);
    }
    CHECK_INT(symlink("/etc/hostname", p), 0);
    CHECK_INT(
        read_in_child(
            "ha/manager_status", "unable to read file 'ha/manager_status' - is a symbolic link"
        ),
        2
    );
    unlink(p);
    CHECK_INT(mkdir(p, 0755), 0);
    CHECK_INT(
        read_in_child(
            "ha/manager_status", "unable to read file 'ha/manager_status' - not a regular file"
        ),
        2
    );
    rmdir(p);
    CHECK_INT(read_in_child("ha/manager_status", NULL), 1);
    /* a FIFO as a lock head is an unknown owner, not a blocked observer */
    if (mkdir(xasprintf_tmp(root, "priv/lock/domain-ha"), 0755) == 0 &&
        fifo_made(xasprintf_tmp(root, "priv/lock/domain-ha/00000000000000000001"))) {
        pid_t pid;
        int status = 0, i;

        pid = fork();
        if (pid == 0) {
            struct kv_store *c = kvt_open(root, "a", NULL, T_MS);
            struct dir_lock *l = dir_lock_find(kv_dir_of(c), "domain-ha", true);
            _exit(dir_lock_observe(kv_dir_of(c), l) == 1 && !l->obs_rec.parsed ? 0 : 1);
        }
        for (i = 0; i < 500 && waitpid(pid, &status, WNOHANG) != pid; i++) {
            kv_sleep_ms(10);
        }
        if (i == 500) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        CHECK(i < 500 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(kv_read(s, "ha/manager_status", &data, &len, &err), 1);
    free(p);
    kv_close(s);
    free(err);
}

/* A spool file nobody can parse is dropped (it would block the spool) and
 * never handed over cut at its NUL; alone, it is reported. */
static void test_spool_drops_nul(void)
{
    struct kv_store *m;
    char *err = NULL, *text = NULL, *p;
    FILE *f;

    fresh_root();
    m = kvt_open(root, "m", "crm", 10000);
    CHECK_INT(kv_lock_get(m, "ha_manager_lock", &err), 0);
    p = xasprintf("%s/ha/crm_commands.d/00000000000000000001.x.1.00000000", root);
    f = fopen(p, "w");
    if (f != NULL) {
        fwrite("stop vm:100 0\0junk\n", 1, 19, f);
        fclose(f);
    }
    CHECK_INT(kv_spool_put(m, "arm-ha", &err), 0);
    CHECK_INT(kv_spool_take(m, &text, &err), 0);
    CHECK_STR(text, "arm-ha\n");
    CHECK(access(p, F_OK) != 0);
    free(text);
    text = NULL;
    kvt_write_file(p, "x");
    f = fopen(p, "a");
    if (f != NULL) {
        fputc('\0', f);
        fclose(f);
    }
    CHECK_INT(kv_spool_take(m, &text, &err), -1);
    CHECK_STR(
        err,
        "dropped crm command file "
        "'ha/crm_commands.d/00000000000000000001.x.1.00000000' - contains a NUL byte"
    );
    CHECK(!kv_spool_pending(m));
    free(text);
    free(p);
    kv_close(m);
    free(err);
}

static size_t file_size(const char *rel)
{
    char *p = xasprintf("%s/%s", root, rel);
    struct stat st;
    size_t n = stat(p, &st) == 0 ? (size_t)st.st_size : 0;

    free(p);
    return n;
}

/* A replaced file read cut at the old version's length (a FUSE client's
 * cached size): after an append the cut file was exactly the old one, and
 * a read-modify-write lost the other node's change. A reader must prove it
 * read a whole version: a cut read is retried, and never handed out. */
static void test_cut_reads(void)
{
    static const char *const v1[] = {"vm: 100\n\n", "{\"a\":{\"b\":1}}"};
    static const char *const v2[] = {"vm: 100\n\nvm: 101\n\n", "{\"a\":{\"b\":1},\"c\":[2]}"};
    static const char *const path[] = {"ha/resources.cfg", "ha/manager_status"};
    struct kv_store *s;
    char *err = NULL, *data = NULL;
    size_t len;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    for (int k = 0; k < 2; k++) {
        CHECK_INT(kv_write(s, path[k], v1[k], strlen(v1[k]), NULL, &err), 0);
        kvt_faults.cut_len = file_size(path[k]);
        CHECK_INT(kv_write(s, path[k], v2[k], strlen(v2[k]), NULL, &err), 0);
        /* cut twice, then the server's fresh size: the whole new version */
        kvt_faults.cut_reads = 2;
        CHECK_INT(kv_read(s, path[k], &data, &len, &err), 0);
        CHECK_STR(data, v2[k]);
        CHECK_INT(len, strlen(v2[k]));
        free(data);
        data = NULL;
        /* cut on every try: an error, never the cut text */
        kvt_faults.cut_reads = 1000;
        CHECK_INT(kv_read(s, path[k], &data, &len, &err), -1);
        CHECK(data == NULL);
        CHECK(err && str_starts(err, "unable to read file '"));
        CHECK(
            err &&
            strstr(err, k == 0 ? "shorter than its first line says" : "incomplete JSON") != NULL
        );
        kvt_faults.cut_reads = 0;
    }
    /* edited by hand keeping the store's line: longer (or as long) is
     * never a cut, shorter is */
    {
        char *p = xasprintf("%s/ha/resources.cfg", root), *text = NULL;
        size_t n;

        CHECK_INT(dir_read_file(NULL, p, &text, &n), 0);
        CHECK(text && str_starts(text, "# haven-store: len=18 "));
        if (text != NULL) {
            char *longer = xasprintf("%sct: 1\n", text);
            kvt_write_file(p, longer);
            CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), 0);
            CHECK_STR(data, "vm: 100\n\nvm: 101\n\nct: 1\n");
            free(data);
            data = NULL;
            free(longer);
            text[n - 3] = '\0'; /* "vm: 100\n\nvm: 1" */
            kvt_write_file(p, text);
            CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), -1);
            CHECK(data == NULL);
        }
        free(text);
        free(p);
    }
    /* files written by hand (no header) read as they are */
    {
        char *p = xasprintf("%s/ha/rules.cfg", root);
        kvt_write_file(p, "node-affinity: r1\n\tnodes n1\n\tresources vm:1\n");
        CHECK_INT(kv_read(s, "ha/rules.cfg", &data, &len, &err), 0);
        CHECK_STR(data, "node-affinity: r1\n\tnodes n1\n\tresources vm:1\n");
        free(data);
        free(p);
    }
    kv_close(s);
    free(err);
}

/* "Absent" is only an answer while the store is there: in an outage a
 * missing resources.cfg read as an empty config, and the master removed
 * every service ("removing stale service ... (no config)"). */
static void test_absent_needs_the_store(void)
{
    struct kv_store *s;
    char *err = NULL, *data = NULL, *marker, *away;
    size_t len;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), 1);
    marker = xasprintf("%s/haven-store", root);
    away = xasprintf("%s/haven-store.away", root);
    CHECK_INT(rename(marker, away), 0);
    CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), -1);
    CHECK(data == NULL);
    CHECK_STR(
        err, "unable to read file 'ha/resources.cfg' - the store is not reachable (no marker)"
    );
    CHECK_INT(rename(away, marker), 0);
    CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), 1);
    free(marker);
    free(away);
    kv_close(s);
    free(err);
}

static int count_entries(const char *abs)
{
    char **names;
    size_t n;

    if (dir_list_abs(abs, true, &names, &n) != 0) {
        return -1;
    }
    kv_free_names(names);
    return (int)n;
}

/* The store folder goes away under an open store (an unmounted mount
 * point): nothing is created at or above its path, and nothing is read or
 * written in an empty folder that took its place. */
static void test_store_folder_replaced(void)
{
    struct kv_store *s;
    char *err = NULL, *data = NULL, *away = NULL;
    size_t len;

    fresh_root();
    s = kvt_open(root, "a", "lrm", T_MS);
    away = xasprintf("%s.away", root);
    CHECK_INT(rename(root, away), 0);
    /* gone: kv_mkdir must not recreate it (mkdir -p did) */
    CHECK_INT(kv_mkdir(s, "nodes/b/resources", &err), -1);
    CHECK(access(root, F_OK) != 0);
    CHECK_INT(kv_write(s, "nodes/a/lrm_status", "{}", 2, NULL, &err), -1);
    CHECK(access(root, F_OK) != 0);
    /* an empty folder in its place: no write, no folder, no read */
    CHECK_INT(mkdir(root, 0755), 0);
    CHECK_INT(kv_write(s, "datacenter.cfg", "x", 1, NULL, &err), -1);
    CHECK(err && strstr(err, "unmounted?") != NULL);
    CHECK_INT(kv_mkdir(s, "nodes/b/resources", &err), -1);
    CHECK_INT(kv_read(s, "ha/resources.cfg", &data, &len, &err), -1);
    CHECK_INT(kv_spool_put(s, "arm-ha", &err), -1);
    CHECK_INT(kv_lock_get(s, "ha_agent_a_lock", &err), -1);
    CHECK_INT(kv_domain_lock(s, "domain-ha", 300, &err), -1);
    CHECK_INT(kv_probe(s, &err), -1);
    CHECK_INT(count_entries(root), 0);
    /* the real folder back: everything works again */
    CHECK_INT(rmdir(root), 0);
    CHECK_INT(rename(away, root), 0);
    CHECK_INT(kv_write(s, "datacenter.cfg", "x", 1, NULL, &err), 0);
    CHECK_INT(kv_mkdir(s, "nodes/b/resources", &err), 0);
    CHECK_INT(kv_probe(s, &err), 0);
    free(away);
    kv_close(s);
    free(err);
}

static bool one_byte_repeated(const char *data, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (data[i] != data[0]) {
            return false;
        }
    }
    return len > 0;
}

/* kill -9 at random points of a writer loop: the file is always one whole
 * version, never torn or empty. */
static void test_kill_during_writes(void)
{
    struct kv_store *s;
    char *err = NULL, *data = NULL, *big = xmalloc(200001);
    int torn = 0, status;
    size_t len;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    memset(big, 'v', 200000);
    big[200000] = '\0';
    CHECK_INT(kv_write(s, "ha/manager_status", big, 200000, NULL, &err), 0);
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (char c = 'a';; c = c == 'z' ? 'a' : c + 1) {
                memset(big, c, 200000);
                kv_write(s, "ha/manager_status", big, 200000, NULL, NULL);
            }
        }
        kv_sleep_ms(1 + i % 7);
        kill(pid, SIGKILL);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK_INT(kv_read(s, "ha/manager_status", &data, &len, &err), 0);
        torn += len != 200000 || data == NULL || !one_byte_repeated(data, len);
        free(data);
        data = NULL;
    }
    CHECK_INT(torn, 0);
    free(big);
    kv_close(s);
    free(err);
}

/* ---- spool ---- */

#define SPOOL_WRITERS 6
#define SPOOL_CMDS 50

static void test_spool_concurrent(void)
{
    struct kv_store *m;
    pid_t pids[SPOOL_WRITERS];
    int last[SPOOL_WRITERS], got = 0, dup = 0, order = 0, bad = 0, status;
    char seen[SPOOL_WRITERS][SPOOL_CMDS];
    char *err = NULL;
    int64_t deadline;

    fresh_root();
    m = kvt_open(root, "m", "crm", 10000);
    CHECK_INT(kv_lock_get(m, "ha_manager_lock", &err), 0);
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < SPOOL_WRITERS; i++) {
        last[i] = -1;
        pids[i] = fork();
        if (pids[i] == 0) {
            char node[16], line[64];
            struct kv_store *s;

            snprintf(node, sizeof(node), "w%d", i);
            s = kvt_open(root, node, NULL, T_MS);
            if (s == NULL) {
                _exit(3);
            }
            for (int k = 0; k < SPOOL_CMDS; k++) {
                snprintf(line, sizeof(line), "cmd %d %d", i, k);
                if (kv_spool_put(s, line, NULL) != 0) {
                    _exit(4);
                }
            }
            _exit(0);
        }
    }
    deadline = kv_now_ms() + 30000;
    while (got < SPOOL_WRITERS * SPOOL_CMDS && kv_now_ms() < deadline) {
        char *text = NULL, *save = NULL;

        if (kv_spool_take(m, &text, &err) != 0) {
            bad++;
            break;
        }
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            int w, k;
            if (sscanf(l, "cmd %d %d", &w, &k) != 2 || w < 0 || w >= SPOOL_WRITERS || k < 0 ||
                k >= SPOOL_CMDS) {
                bad++;
                continue;
            }
            dup += seen[w][k]++;
            order += k <= last[w];
            last[w] = k;
            got++;
        }
        free(text);
        kv_sleep_ms(2);
    }
    for (int i = 0; i < SPOOL_WRITERS; i++) {
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(got, SPOOL_WRITERS * SPOOL_CMDS);
    CHECK_INT(dup, 0);
    CHECK_INT(order, 0);
    CHECK_INT(bad, 0);
    CHECK(!kv_spool_pending(m));
    CHECK_INT(kv_spool_put(m, "two\nlines", &err), -1);
    CHECK_INT(kv_spool_put(m, "", &err), -1);
    kv_close(m);
    free(err);
}

/* ---- domain-ha ---- */

#define DOMAIN_PROCS 8
#define DOMAIN_INCS 10

static void test_domain_contention(void)
{
    pid_t pids[DOMAIN_PROCS];
    struct kv_store *s;
    char *err = NULL, *data = NULL;
    size_t len;
    int status;

    fresh_root();
    s = kvt_open(root, "a", NULL, T_MS);
    CHECK_INT(kv_write(s, "ha/counter", "0", 1, NULL, &err), 0);
    for (int i = 0; i < DOMAIN_PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char node[16];
            struct kv_store *c;

            snprintf(node, sizeof(node), "n%d", i % 3);
            c = kvt_open(root, node, NULL, T_MS);
            if (c == NULL) {
                _exit(3);
            }
            for (int k = 0; k < DOMAIN_INCS; k++) {
                char *e = NULL, *d = NULL, buf[32];
                size_t l;
                int n;

                if (kv_domain_lock(c, "domain-ha", 60000, &e) != 0 ||
                    kv_read(c, "ha/counter", &d, &l, &e) != 0) {
                    _exit(4);
                }
                kv_sleep_ms(k % 3); /* widen the read-modify-write window */
                n = snprintf(buf, sizeof(buf), "%d", atoi(d) + 1);
                free(d);
                if (kv_write(c, "ha/counter", buf, (size_t)n, "domain-ha", &e) != 0) {
                    _exit(5);
                }
                kv_domain_unlock(c, "domain-ha");
            }
            kv_close(c);
            _exit(0);
        }
    }
    for (int i = 0; i < DOMAIN_PROCS; i++) {
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(kv_read(s, "ha/counter", &data, &len, &err), 0);
    CHECK_STR(data, "80");
    free(data);
    kv_close(s);
    free(err);
}

static void test_domain_dead_owner(void)
{
    struct kv_store *a, *other;
    char *err = NULL;
    int status, notices = 0;
    pid_t pid;

    fresh_root();
    a = kvt_open(root, "a", NULL, T_MS);
    kv_dir_of(a)->notice_arg = &notices;
    /* same node, owner pid gone: taken at once */
    pid = fork();
    if (pid == 0) {
        struct kv_store *c = kvt_open(root, "a", NULL, T_MS);
        _exit(c != NULL && kv_domain_lock(c, "domain-ha", 1000, NULL) == 0 ? 0 : 1);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(kv_domain_lock(a, "domain-ha", 300, &err), 0);
    CHECK_INT(notices, 0);
    kv_domain_unlock(a, "domain-ha");
    /* another node's live-looking owner: timeout, with the notice */
    other = kvt_open(root, "b", NULL, T_MS);
    CHECK_INT(kv_domain_lock(other, "domain-ha", 300, &err), 0);
    CHECK_INT(kv_domain_lock(a, "domain-ha", 300, &err), -1);
    CHECK_STR(err, "cfs-lock 'domain-ha' error: got lock request timeout");
    CHECK(notices >= 1);
    /* its record older than 120 s: dead */
    {
        struct dir_lock *l = dir_lock_find(kv_dir_of(other), "domain-ha", false);
        char *p = xasprintf(
            "%s/priv/lock/domain-ha/%020llu", root, (unsigned long long)(l ? l->held_g : 0)
        );
        char *rec = xasprintf(
            "haven-lock 1 held node=b instance=%s pid=1 wall=%lld\n", kv_instance(other),
            (long long)dir_wall_s() - 121
        );
        kvt_write_file(p, rec);
        free(p);
        free(rec);
    }
    free(err);
    err = NULL;
    CHECK_INT(kv_domain_lock(a, "domain-ha", 300, &err), 0);
    /* other's late write inside its critical section fails */
    CHECK_INT(kv_write(other, "ha/resources.cfg", "x", 1, "domain-ha", &err), -1);
    CHECK_STR(err, "lost lock 'domain-ha' - not writing 'ha/resources.cfg'");
    CHECK_INT(kv_write(a, "ha/resources.cfg", "y", 1, "domain-ha", &err), 0);
    /* a critical section older than 60 s aborts */
    dir_lock_find(kv_dir_of(a), "domain-ha", false)->domain_at -= DIR_DOMAIN_MAX_MS + 1;
    CHECK_INT(kv_write(a, "ha/resources.cfg", "z", 1, "domain-ha", &err), -1);
    CHECK_STR(err, "'domain-ha'-locked command timed out - aborting");
    kv_domain_unlock(a, "domain-ha");
    /* released: free for anyone */
    CHECK_INT(kv_domain_lock(other, "domain-ha", 300, &err), 0);
    kv_domain_unlock(other, "domain-ha");
    kv_close(a);
    kv_close(other);
    free(err);
}

/* ---- probe, quorum, members ---- */

static bool online(struct kv_store *s, const char *node)
{
    struct kv_member *m;
    size_t n;
    bool r = false;

    if (kv_members(s, &m, &n, NULL) != 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].name, node) == 0) {
            r = m[i].online;
        }
    }
    kv_free_members(m, n);
    return r;
}

static void test_probe_members(void)
{
    struct kv_store *a, *b, *cli;
    struct kv_member *m;
    char *err = NULL, *marker = NULL, *mp, *data = NULL;
    size_t n, len;

    fresh_root();
    a = kvt_open(root, "a", "crm", T_MS);
    b = kvt_open(root, "b", "lrm", T_MS);
    cli = kvt_open(root, "c", NULL, T_MS);
    CHECK(!kv_quorate(a));
    CHECK_INT(kv_probe(a, &err), 0);
    CHECK(kv_quorate(a));
    CHECK_INT(kv_probe(b, &err), 0);
    CHECK_INT(kv_read(a, "nodes/b/heartbeat.lrm", &data, &len, &err), 0);
    CHECK(data && str_starts(data, kv_instance(b)));
    free(data);
    /* read-only probe: no heartbeat */
    CHECK_INT(kv_probe(cli, &err), 0);
    CHECK_INT(kv_read(a, "nodes/c/heartbeat.crm", &data, &len, &err), 1);
    /* members: sorted folders with valid names */
    CHECK_INT(kv_mkdir(a, "nodes/bad_name", &err), 0);
    CHECK_INT(kv_write(a, "nodes/file", "", 0, NULL, &err), 0);
    CHECK_INT(kv_members(a, &m, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(m[0].name, "a");
        CHECK_STR(m[1].name, "b");
        CHECK_STR(m[2].name, "c");
        CHECK(m[0].online); /* the local node */
        CHECK(m[1].online); /* first sight counts as a change */
        CHECK(!m[2].online); /* no heartbeat at all */
    }
    kv_free_members(m, n);
    /* b keeps beating: online; b stops: offline after node_timeout */
    for (int i = 0; i < 4; i++) {
        kv_sleep_ms(T_MS / 3);
        CHECK_INT(kv_probe(b, &err), 0);
        CHECK_INT(kv_probe(a, &err), 0);
        CHECK(online(a, "b"));
    }
    kv_sleep_ms(T_MS + 50);
    CHECK(!online(a, "b"));
    CHECK(online(a, "a"));
    CHECK(!kv_quorate(a)); /* last probe older than probe_max_age */
    CHECK_INT(kv_probe(b, &err), 0);
    CHECK(online(a, "b"));
    kv_sleep_ms(T_MS + 50);
    CHECK(!online(a, "b"));
    /* a's own probe fails (marker replaced): not quorate; after the next
     * good probe every window restarts, so b counts as online again */
    mp = xasprintf("%s/haven-store", root);
    CHECK_INT(dir_read_file(NULL, mp, &marker, &len), 0);
    kvt_write_file(mp, "haven-store 1 id=00000000000000000000000000000000 created=1\n");
    CHECK_INT(kv_probe(a, &err), -1);
    CHECK(err && str_starts(err, "store id mismatch"));
    CHECK(!kv_quorate(a));
    unlink(mp);
    CHECK_INT(kv_probe(a, &err), -1); /* a mount fallen back to an empty folder */
    CHECK(!kv_quorate(a));
    kvt_write_file(mp, marker);
    CHECK_INT(kv_probe(a, &err), 0);
    CHECK(kv_quorate(a));
    CHECK(online(a, "b"));
    /* a removed node folder: no longer a member */
    {
        char *nb = xasprintf("%s/nodes/b", root);
        kvt_rm_rf(nb);
        free(nb);
    }
    CHECK_INT(kv_members(a, &m, &n, &err), 0);
    CHECK_INT(n, 2);
    kv_free_members(m, n);
    free(mp);
    free(marker);
    kv_close(a);
    kv_close(b);
    kv_close(cli);
    free(err);
}

int main(void)
{
    kvt_t_ms = kvt_env_ms("KVTEST_T_MS", kvt_t_ms);
    signal(SIGPIPE, SIG_IGN);
    kvt_faults.no_fsync = access("/dev/shm", W_OK) != 0;
    RUN(test_open_marker);
    RUN(test_open_race);
    RUN(test_marker_cached_empty);
    RUN(test_files);
    RUN(test_read_rejects_nul);
    RUN(test_read_refuses_special_files);
    RUN(test_store_folder_replaced);
    RUN(test_cut_reads);
    RUN(test_absent_needs_the_store);
    RUN(test_kill_during_writes);
    RUN(test_spool_concurrent);
    RUN(test_spool_drops_nul);
    RUN(test_domain_contention);
    RUN(test_domain_dead_owner);
    RUN(test_probe_members);
    if (root != NULL) {
        kvt_rm_rf(root);
        free(root);
    }
    return test_summary();
}
