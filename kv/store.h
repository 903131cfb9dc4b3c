/* store.h - the cluster store of the real daemons and the CLI, backend-neutral.
 *
 * One interface, several backends: "dir:<path>" (kv/dir*.c, a pmxcfs-style
 * folder on a shared file system, kv/README.md) is the default; an etcd
 * backend (leases, transactions) must fit behind the same calls. Paths are
 * logical, '/'-separated and relative to the store root (the layout is in
 * kv/README.md): "ha/manager_status", "nodes/<node>/lrm_status",
 * "ha/resources.cfg", ...
 *
 * The simulator does not use this: it has its own in-memory cluster
 * (applets/sim/).
 * Errors: functions return 0 on success or -1 with a malloc'd one-line *err
 * (caller frees). Time is the backend's own monotonic clock (CLOCK_BOOTTIME),
 * in milliseconds, as returned by kv_now_ms(). kv/ never logs: texts that
 * upstream logs come back in *err, the caller logs them. */
#ifndef HAVEN_KV_STORE_H
#define HAVEN_KV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_store;
struct kv_faults;

struct kv_options {
    const char *url; /* "dir:/absolute/path" or "etcd:http://h1:2379,..." */
    const char *node; /* the local node name */
    const char *store_id; /* NULL, or the id the store marker must carry */
    const char *daemon; /* "crm", "lrm" (heartbeat file name) or NULL (CLI: read-only probe) */
    bool read_only; /* create nothing: an empty folder is an error, no folder is made */
    int64_t lock_timeout_ms; /* T: lock lifetime */
    int64_t renew_budget_ms; /* B: a renewal slower than this fails */
    int64_t node_timeout_ms; /* heartbeat silence before a node is offline */
    int64_t probe_max_age_ms; /* quorate() = last probe ok and at most this old (2S) */
    /* Progress lines the caller should show, e.g. kv_domain_lock's
     * "trying to acquire cfs lock 'domain-ha' ..." (stderr upstream).
     * NULL = print them to stderr. */
    void (*notice)(void *arg, const char *msg);
    void *notice_arg;
    /* etcd only (kv/etcd/etcd.h): key prefix (NULL = "/haven"), and the
     * user and password file of etcd's authentication (NULL = none). */
    const char *etcd_prefix;
    const char *etcd_user;
    const char *etcd_password_file;
    /* etcd over TLS: the CA file (required for https:// endpoints), and
     * the client certificate and key (both or neither). */
    const char *etcd_cacert;
    const char *etcd_cert;
    const char *etcd_key;
    /* The stores' unit tests only: failures to inject into this handle
     * (kv/faults.h). NULL in production. */
    struct kv_faults *faults;
};

/* What a failed kv_open means (its return value), so that a caller decides
 * on the kind, never on the wording of *err. */
enum kv_open_result {
    KV_OPEN_OK = 0,
    KV_OPEN_ERROR = -1, /* any other failure */
    /* The root (or prefix) holds something, but no valid store marker: a
     * foreign folder, or a store that a racing first initialiser is making
     * at this moment. The daemons try again briefly before they give up. */
    KV_OPEN_NOT_A_STORE = -2,
};

/* Open the store: the daemons' start-up check 2 (marker, store_id, create the
 * marker in an empty root, mkdir the fixed folders and nodes/<node>/).
 * Returns an enum kv_open_result: 0, or a negative kind with *err.
 * Errors: "<path> is not a haven store" (KV_OPEN_NOT_A_STORE), "store id
 * mismatch ...", ... An empty root is only initialised when no store_id is
 * configured (with one, it is probably an unmounted mount point: "store id
 * mismatch"); never with read_only ("<path> is empty - not a haven store
 * yet ..."), which also makes no folder. */
int kv_open(const struct kv_options *o, struct kv_store **out, char **err);
void kv_close(struct kv_store *s); /* releases nothing: locks expire */
int64_t kv_now_ms(void);
/* This process's random instance id (32 hex), as written in lock records
 * and heartbeats. */
const char *kv_instance(const struct kv_store *s);

/* ---- files ----
 *
 * Whole versions: a reader must prove it read the whole version a rename
 * installed, since network file systems may cut a read at a cached length
 * (after an append the cut file is exactly the old one). kv_write stores
 * JSON as it is (a cut JSON value never closes its brackets) and anything
 * else behind a first line "# haven-store: len=<n> (...)", a comment to
 * pve's parsers; kv_read checks and strips it. A read shorter than it says
 * (or cut JSON) is read again with fresh attributes a few times, then is an
 * error; it never reaches a parser. A file without the line, or at least
 * as long as it says, was written by hand and is returned as it is.
 * Spool files (kv_spool_put) carry no line: their names are never reused. */
/* Read a whole file: 0 and *data (NUL-terminated, *len bytes), 1 when absent
 * (*data NULL), -1 on a store error: never "absent" or a partial text for
 * a store that cannot be read. A caller must treat -1 as "no answer this
 * time" (skip the round), never as an empty file. Errors: larger than
 * 16 MiB, a NUL byte, not a regular file, the store folder replaced, no
 * marker next to an absent file, a version cut short (see "Whole
 * versions" below). */
int kv_read(struct kv_store *s, const char *path, char **data, size_t *len, char **err);
/* Atomic replace: temp, fsync, guard check, rename, fsync folder. guard_lock,
 * when not NULL, names a lock this process must still hold at the rename
 *, proven by advancing its head (a claim the server decides,
 * never a cached stat; the generation moves on, the renewal time does not),
 * else the write fails and nothing changes; the error is
 * "lost manager lock - not writing manager status" for ha_manager_lock and
 * ha/manager_status. A domain lock guard also fails once the lock
 * is older than 60 s ("'domain-ha'-locked command timed out - aborting"). */
int kv_write(
    struct kv_store *s,
    const char *path,
    const void *data,
    size_t len,
    const char *guard_lock,
    char **err
);
int kv_remove(struct kv_store *s, const char *path, char **err); /* absent = ok */
/* Rename a file; 0 done, 1 source absent, -1 error. */
int kv_rename(struct kv_store *s, const char *from, const char *to, char **err);
/* Names in a folder, sorted byte-wise, dot files skipped; absent folder = 0
 * names. *names is a NULL-terminated malloc'd array (kv_free_names). */
int kv_list(struct kv_store *s, const char *dir, char ***names, size_t *n, char **err);
void kv_free_names(char **names);
int kv_mkdir(struct kv_store *s, const char *dir, char **err); /* mkdir -p */

/* ---- the CRM command spool ---- */
/* Queue one command line (without '\n'), lock-free. */
int kv_spool_put(struct kv_store *s, const char *line, char **err);
/* Take every queued command in order (read + unlink each): the lines, each
 * ending in '\n'; "" when none. Checks the manager lock first ("lost manager
 * lock - not reading crm commands"). */
int kv_spool_take(struct kv_store *s, char **text, char **err);
bool kv_spool_pending(struct kv_store *s);

/* ---- lease locks (kv/README.md, lock protocol) ---- */
/* Acquire or renew: 0 held, -1 not held (*err says why, in upstream's words:
 * "can't get cfs lock", "cfs lock update failed - lock taken over",
 * "cfs lock update failed - renewal took <n> ms", ...). An acquisition
 * slower than B fails too ("can't get cfs lock - acquisition took <n> ms";
 * the next call takes the lock at once, as its head is ours). Lock
 * operations need no probe first: an unreachable store fails them. The
 * caller logs the transitions (successfully acquired lock / lost lock). */
int kv_lock_get(struct kv_store *s, const char *name, char **err);
/* Release if ours: true when a free record was installed. */
bool kv_lock_release(struct kv_store *s, const char *name);
/* Refresh this process's observation of a lock (every CRM round). */
void kv_lock_observe(struct kv_store *s, const char *name);
/* The same for every existing lock whose name starts with prefix, e.g.
 * "ha_agent_" (a CRM watches all agent locks). */
void kv_lock_observe_prefix(struct kv_store *s, const char *prefix);
/* Our held generation (the fencing token), 0 if not held. */
uint64_t kv_lock_generation(struct kv_store *s, const char *name);
/* kv_now_ms() at the start of our last successful renewal, -1 if not held:
 * the LRM's lease check (applets/README.md) compares it against B. */
int64_t kv_lock_renewed_at(struct kv_store *s, const char *name);

/* ---- the config lock "domain-ha" ---- */
/* Wait up to timeout_ms; error "cfs-lock '<name>' error: got lock request
 * timeout" (or another reason after the same prefix). */
int kv_domain_lock(struct kv_store *s, const char *name, int64_t timeout_ms, char **err);
void kv_domain_unlock(struct kv_store *s, const char *name);

/* ---- quorum and liveness ---- */
/* Probe: check the marker, write our heartbeat (unless read-only), reload
 * members. 0 ok, -1 error. */
int kv_probe(struct kv_store *s, char **err);
bool kv_quorate(struct kv_store *s);
struct kv_member {
    char *name;
    bool online;
};
/* Members (folders nodes/<name>/), sorted by name; free with kv_free_members.
 * Reads the heartbeats again (online = local node, or a heartbeat changed
 * within node_timeout on this process's clock). */
int kv_members(struct kv_store *s, struct kv_member **out, size_t *n, char **err);
void kv_free_members(struct kv_member *m, size_t n);

/* ---- a snapshot: what `ha-manager status` shows, read at once ----
 *
 * Files matching req->files, the names in the folders matching req->dirs,
 * the held locks (req->locks), the members and quorum, in one call. A pattern is a
 * logical path whose parts may be '*', one name as kv_list gives it (no
 * dot names): the parts "nodes", '*', "lrm_status" match every node's
 * lrm_status. etcd reads it all in ONE
 * linearizable range over the prefix (pages of a large store are read at
 * the first page's revision), so the whole snapshot is of one revision:
 * a status never pairs a manager_status with an older lrm_status. The
 * folder store makes its usual reads one after another (no snapshot
 * across files). 0 and *out (kv_snapshot_free), or -1 and *err when the
 * store could not be read at all; a file that exists but could not be
 * read is kept with its error (kv_snap_read returns -1 for it), as
 * kv_read would. Bounded: at most KV_SNAP_MAX_KEYS keys and
 * KV_SNAP_MAX_BYTES of file contents, else -1 ("... larger than ..."). */
#define KV_SNAP_MAX_KEYS 262144
#define KV_SNAP_MAX_BYTES ((size_t)64 << 20)
struct kv_snap_req {
    const char *const *files; /* NULL-terminated patterns (or NULL) */
    const char *const *dirs;
    bool locks; /* the held locks too (on a folder, a read of each lock's head) */
};
struct kv_snap_file {
    char *path;
    char *data; /* NUL-terminated; NULL when err is set */
    size_t len;
    char *err; /* the read's error, or NULL */
};
struct kv_snap_dir {
    char *path;
    char **names; /* sorted byte-wise, NULL-terminated */
    size_t n, cap;
};
struct kv_snap_lock {
    char *name;
    /* etcd: the key's create_revision; folder: the head generation */
    uint64_t generation;
};
struct kv_snapshot {
    struct kv_snap_file *files; /* sorted by path; absent files are not here */
    size_t n_files, cap_files;
    struct kv_snap_dir *dirs; /* sorted by path; folders that hold names */
    size_t n_dirs, cap_dirs;
    struct kv_snap_lock *locks; /* req->locks: held ones (a record names a holder), by name */
    size_t n_locks, cap_locks;
    struct kv_member *members; /* as kv_members */
    size_t n_members;
    bool quorate; /* the store answered and the marker is ours (kv_quorate) */
    int64_t revision; /* etcd's revision of the snapshot; 0 on the folder store */
};
int kv_snapshot(
    struct kv_store *s, const struct kv_snap_req *req, struct kv_snapshot *out, char **err
);
/* A file of the snapshot, as kv_read: 0 and *data (borrowed), 1 absent (or
 * not asked for), -1 and *err (borrowed) for an invalid path or a file
 * that could not be read. */
int kv_snap_read(
    const struct kv_snapshot *sn, const char *path, const char **data, size_t *len, const char **err
);
/* The names in a folder (borrowed, NULL-terminated), *n 0 for an absent one. */
char *const *kv_snap_list(const struct kv_snapshot *sn, const char *dir, size_t *n);
/* Whether a lock is held, and its generation. */
bool kv_snap_locked(const struct kv_snapshot *sn, const char *name, uint64_t *generation);
void kv_snapshot_free(struct kv_snapshot *sn);

#endif
