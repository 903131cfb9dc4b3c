/* faults.h - failure injection for the stores' own unit tests.
 *
 * A test fills a struct kv_faults and hands it to kv_open in
 * kv_options.faults; the store then injects the failures it describes into
 * that store handle only. Production leaves kv_options.faults NULL: nothing
 * is injected and no process-wide state is read. Counters count down as the
 * failures happen, so a test can check that one was reached. */
#ifndef HAVEN_KV_FAULTS_H
#define HAVEN_KV_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_faults {
    /* ---- the folder store (kv/dir/) ---- */
    int claim_enoent; /* > 0: the next claims succeed but report ENOENT */
    int64_t claim_delay_ms; /* sleep before the claim (a paused contender) */
    int64_t install_delay_ms; /* sleep between claim and install (slow renewal) */
    uint64_t stale_listing; /* > 0: the next observation lists head g - this, once */
    /* called once, then cleared, by the next observation between reading
     * the clock and listing (a server that hangs during the listing) */
    void (*observe_stall)(void *arg);
    void *observe_stall_arg;
    /* > 0: the next reads of a file longer than cut_len stop at cut_len
     * (a FUSE client's cached length of the version a rename replaced) */
    int cut_reads;
    size_t cut_len;
    bool cut_until_fresh; /* cut every read until fresh attributes are asked for */
    /* an exclusive create, link, mkdir or folder rename that fails because
     * the name exists reports EPERM, as sshfs does (sftp has no EEXIST) */
    bool exists_as_eperm;
    /* a lock entry of this name answers stat() as present (a client's
     * cached attributes of a head another node has claimed meanwhile) */
    const char *cached_entry;
    bool no_fsync; /* tests on tmpfs-like speed */

    /* ---- the etcd store (kv/etcd/) ---- */
    int64_t renew_delay_ms; /* sleep inside a renewal (a slow round trip) */
    int64_t snap_page; /* > 0: keys per page of kv_snapshot's range */
    /* called after each page of kv_snapshot but the last (writes or a
     * compaction between the pages) */
    void (*snap_between)(void *arg);
    void *snap_between_arg;
};

#endif
