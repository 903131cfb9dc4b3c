/* etcd.h - the etcd store backend: the calls of kv/store.h on an etcd 3.4+
 * cluster, reached through its JSON gateway (kv/etcd/http.c).
 *
 * store=etcd:http://h1:2379,http://h2:2379,http://h3:2379 selects it;
 * etcd_prefix (default /haven) roots every key, so several clusters can
 * share one etcd; etcd_user and etcd_password_file turn on etcd's
 * authentication (a token in the Authorization header, renewed when etcd
 * says it expired). Each function has the contract of its kv_* namesake in
 * kv/store.h, on a struct etcd_store instead of a struct kv_store.
 *
 * Layout (every key under <prefix>/, values as the folder store's files):
 *   haven-store                   the marker "haven-store 1 id=<hex> ..."
 *   <path>                        a file: ha/manager_status, nodes/n1/lrm_status ...
 *   <folder>/                     a folder made by kv_mkdir (empty value)
 *   ha/crm_commands/<name>        one spooled CRM command each
 *   priv/lock/<name>              a lock, bound to its holder's lease
 *   priv/beat/<node>.<daemon>     a heartbeat, bound to the daemon's lease
 * Folders are prefixes: a listing is a range over "<folder>/" that takes
 * the next path component of each key and skips whole sub-folders.
 *
 * Locks. A lock is the key priv/lock/<name>, bound to a lease whose TTL is
 * T = lock_timeout (rounded up to whole seconds).
 *   acquire = our lease made to run a whole T from now (a keep-alive of
 *             the one left by an earlier attempt, or a new one), then txn
 *             (create_revision(key) == 0) put key with that lease; a
 *             failed txn reads the key, and a key bound to our own lease
 *             (an acquisition that was too slow, or whose answer was lost)
 *             is ours again after a keep-alive;
 *   renew   = lease keep-alive answered with a TTL > 0, then a read that
 *             the key still has our create_revision and lease;
 *   release = txn (create_revision == ours) delete key, then revoke the lease.
 * The holder's fencing token (kv_lock_generation) is the key's
 * create_revision: it grows with every new holder, and every write made
 * under a lock (kv_write with a guard, kv_spool_take) is ONE txn whose
 * compare is create_revision(lock key) == our token. So a deposed master
 * can never write manager_status, even when it wakes from a pause between
 * its check and its write: etcd itself rejects the write.
 *
 * Safety argument. Let t be the start of a holder's renewal (or
 * acquisition) on its own monotonic clock. etcd's leader applies the
 * keep-alive at some time >= t and sets the lease to expire T later, so the
 * lease cannot expire before t + T. The renewal counts only when it ended
 * by t + B (B = renew budget; a slower one fails, as on the folder store);
 * only then may the watchdog be fed, so at most C (the watchdog client
 * timeout) later the multiplexer stops feeding and at most H (the hardware
 * timeout) after that the node is reset: a holder that stops renewing is
 * dead by t + B + C + H. Nobody else can create the key before the lease
 * expires and etcd deletes it, at t + T or later; T >= B + C + H + margin
 * (B = T - C - H - 2 s) leaves 2 s for the clocks' rate differences. A
 * leader change never shortens a lease: the new leader extends every lease
 * by its full TTL (etcd only ever extends lease TTLs on an election), so
 * leases outlive elections, and a node that cannot reach a quorum cannot
 * renew and is reset by its watchdog.
 *
 * Quorum and liveness. kv_probe does a linearizable read of the marker
 * (and keeps this daemon's heartbeat lease alive) within the call's
 * deadline; quorate = the last probe worked and is at most
 * probe_max_age_ms old. A node is online while one of its heartbeat keys
 * exists: the key dies with its lease, TTL = node timeout.
 *
 * The CRM command spool: kv_spool_put creates a new key; kv_spool_take is
 * one txn guarded by the manager lock that reads every command in
 * revision order and deletes them all, so a command is taken exactly once.
 *
 * The config lock domain-ha: the same key and txn, on a lease of 120 s
 * that is never renewed (nobody watches it); its holder may use it for at
 * most 60 s, and a holder on the local node whose process is gone is
 * taken over at once.
 *
 * Store traffic. etcd keeps every revision until it is compacted, so in
 * steady state a round must add none: rewriting a file with what this
 * process wrote there last (same SHA-1, key unchanged since) writes
 * nothing, and lock renewals and heartbeats are lease keep-alives, which
 * add no revision either. Run etcd with --auto-compaction-retention (e.g.
 * 1h) and a --quota-backend-bytes with room to spare.
 *
 * Deadlines. Every call finishes or fails within call_ms (the probe age,
 * at most the renew budget): each member gets its share and a member that
 * hangs is skipped. A renewal's round trip is bounded by B from its start.
 *
 * Sizes. etcd refuses a request over its --max-request-bytes (1.5 MiB by
 * default): such a write fails with an error naming the limit. */
#ifndef HAVEN_KV_ETCD_H
#define HAVEN_KV_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/store.h"

struct etcd_store;

/* 0, or a negative enum kv_open_result. */
int etcd_store_open(const struct kv_options *o, struct etcd_store **out, char **err);
void etcd_store_close(struct etcd_store *s);
const char *etcd_store_instance(const struct etcd_store *s);

int etcd_store_read(struct etcd_store *s, const char *path, char **data, size_t *len, char **err);
int etcd_store_write(
    struct etcd_store *s,
    const char *path,
    const void *data,
    size_t len,
    const char *guard_lock,
    char **err
);
int etcd_store_remove(struct etcd_store *s, const char *path, char **err);
int etcd_store_rename(struct etcd_store *s, const char *from, const char *to, char **err);
int etcd_store_list(struct etcd_store *s, const char *dir, char ***names, size_t *n, char **err);
int etcd_store_mkdir(struct etcd_store *s, const char *dir, char **err);

int etcd_store_spool_put(struct etcd_store *s, const char *line, char **err);
int etcd_store_spool_take(struct etcd_store *s, char **text, char **err);
bool etcd_store_spool_pending(struct etcd_store *s);

int etcd_store_lock_get(struct etcd_store *s, const char *name, char **err);
bool etcd_store_lock_release(struct etcd_store *s, const char *name);
void etcd_store_lock_observe(struct etcd_store *s, const char *name);
void etcd_store_lock_observe_prefix(struct etcd_store *s, const char *prefix);
uint64_t etcd_store_lock_generation(struct etcd_store *s, const char *name);
int64_t etcd_store_lock_renewed_at(struct etcd_store *s, const char *name);

int etcd_store_domain_lock(struct etcd_store *s, const char *name, int64_t timeout_ms, char **err);
void etcd_store_domain_unlock(struct etcd_store *s, const char *name);

int etcd_store_probe(struct etcd_store *s, char **err);
bool etcd_store_quorate(struct etcd_store *s);
int etcd_store_members(struct etcd_store *s, struct kv_member **out, size_t *n, char **err);
int etcd_store_snapshot(
    struct etcd_store *s, const struct kv_snap_req *req, struct kv_snapshot *out, char **err
);

/* Request counters of this store's client (the benchmarks). */
void etcd_store_counters(const struct etcd_store *s, uint64_t *requests, uint64_t *bytes_sent);

#endif
