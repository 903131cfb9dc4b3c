/* etcd_snap_page.c - the pure half of kv_snapshot on etcd: one page of
 * the range over the prefix taken into the snapshot (files that match the
 * request, folder names, held locks, members, heartbeats, the marker).
 * Keys and values are etcd's answer, hostile input: a key outside the
 * prefix, with a NUL or control character is never listed, a value with a
 * NUL byte is a read error of its file, and the totals are bounded. No
 * I/O, so it is fuzzed (test/fuzz_etcd_response.c). */
#include "kv/etcd/etcd_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARKER "haven-store"
#define LOCKS "priv/lock/"
#define BEATS "priv/beat/"

/* "nodes/<name>/...": a member, collected once (keys come sorted). */
static void add_member(struct etcd_snap_acc *a, const char *rel)
{
    const char *name = rel + strlen("nodes/");
    size_t len = strcspn(name, "/");
    struct kv_snapshot *sn = a->sn;
    char buf[64];

    if (len == 0 || len >= sizeof(buf)) {
        return;
    }
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (!kv_node_name_ok(buf) ||
        (sn->n_members > 0 && strcmp(sn->members[sn->n_members - 1].name, buf) == 0)) {
        return;
    }
    sn->members = kv_append(sn->members, &sn->n_members, &a->cap_members, sizeof(*sn->members));
    sn->members[sn->n_members - 1].name = xstrdup(buf);
}

/* "priv/beat/<node>.<daemon>": that node has a live heartbeat lease. */
static void add_beat(struct etcd_snap_acc *a, const char *rel)
{
    const char *node = rel + strlen(BEATS);
    size_t len = strcspn(node, ".");

    if (node[len] != '.' || len == 0) {
        return;
    }
    a->beats = kv_append(a->beats, &a->n_beats, &a->cap_beats, sizeof(*a->beats));
    a->beats[a->n_beats - 1] = xstrndup(node, len);
}

/* The names of the requested folders that rel lies in. */
static void add_names(struct etcd_snap_acc *a, const char *rel)
{
    for (size_t i = 0; a->req->dirs != NULL && a->req->dirs[i] != NULL; i++) {
        size_t parts = kv_path_parts(a->req->dirs[i]), cut = 0;
        const char *name;
        char *dir;

        for (size_t k = 0; k < parts; k++) {
            cut += strcspn(rel + cut, "/");
            if (rel[cut] != '/') {
                cut = 0; /* rel is not deeper than the folder */
                break;
            }
            cut++;
        }
        if (cut == 0) {
            continue;
        }
        name = rel + cut; /* "" for the folder's own key "<dir>/" */
        dir = xstrndup(rel, cut - 1);
        if (kv_snap_match(a->req->dirs[i], dir) && name[0] != '\0' && name[0] != '.') {
            kv_snap_add_name(a->sn, dir, name, strcspn(name, "/"));
        }
        free(dir);
    }
}

static void check_marker(struct etcd_snap_acc *a, const struct etcd_kv *kv)
{
    char want[160];

    snprintf(want, sizeof(want), MARKER " 1 id=%s ", a->store_id ? a->store_id : "");
    a->marker_ok = strlen(kv->value) == kv->value_len && str_starts(kv->value, want);
}

/* One key: into the snapshot where it belongs. */
static int take_key(struct etcd_snap_acc *a, struct etcd_kv *kv, char **err)
{
    size_t plen = strlen(a->prefix);
    const char *rel = kv->key + plen;

    if (kv->key_len <= plen || memcmp(kv->key, a->prefix, plen) != 0 ||
        strlen(kv->key) != kv->key_len || str_has_ctl(rel)) {
        return 0; /* not ours, or no name a path can have: never listed */
    }
    if (strcmp(rel, MARKER) == 0) {
        check_marker(a, kv);
    } else if (a->req->locks && str_starts(rel, LOCKS) && kv_lock_name_ok(rel + strlen(LOCKS))) {
        kv_snap_add_lock(a->sn, rel + strlen(LOCKS), (uint64_t)kv->create_rev);
    } else if (str_starts(rel, BEATS)) {
        add_beat(a, rel);
    }
    if (str_starts(rel, "nodes/")) {
        add_member(a, rel);
    }
    add_names(a, rel);
    if (rel[strlen(rel) - 1] == '/' || !kv_path_ok(rel) || !kv_snap_match_any(a->req->files, rel)) {
        return 0;
    }
    if (kv->value_len > KV_SNAP_MAX_BYTES - a->bytes) {
        kv_err(err, "store snapshot larger than %zu bytes of files", KV_SNAP_MAX_BYTES);
        return -1;
    }
    a->bytes += kv->value_len;
    if (strlen(kv->value) != kv->value_len) {
        kv_snap_add_file(
            a->sn, rel, NULL, 0, xasprintf("unable to read file '%s' - contains a NUL byte", rel)
        );
        return 0;
    }
    kv_snap_add_file(a->sn, rel, kv->value, kv->value_len, NULL);
    kv->value = NULL; /* taken over */
    return 0;
}

int etcd_snap_page(struct etcd_snap_acc *a, const struct etcd_range *r, char **err)
{
    free(a->next);
    a->next = NULL;
    if (r->n > KV_SNAP_MAX_KEYS - a->keys) {
        kv_err(err, "store snapshot larger than %d keys", KV_SNAP_MAX_KEYS);
        return -1;
    }
    a->keys += r->n;
    for (size_t i = 0; i < r->n; i++) {
        if (take_key(a, &r->kvs[i], err) != 0) {
            return -1;
        }
    }
    if (r->more && r->n > 0) {
        /* the least key after the last one (a key cut at a NUL byte: after
         * every key that starts with the cut one, which are never listed) */
        a->next = xasprintf("%s\x01", r->kvs[r->n - 1].key);
    }
    return 0;
}

static int cmp_member(const void *x, const void *y)
{
    return strcmp(((const struct kv_member *)x)->name, ((const struct kv_member *)y)->name);
}

void etcd_snap_done(struct etcd_snap_acc *a)
{
    struct kv_snapshot *sn = a->sn;
    size_t k = 0;

    /* sorted and unique as kv_members, whatever order the keys came in */
    if (sn->n_members > 1) {
        qsort(sn->members, sn->n_members, sizeof(*sn->members), cmp_member);
    }
    for (size_t i = 0; i < sn->n_members; i++) {
        if (k > 0 && strcmp(sn->members[k - 1].name, sn->members[i].name) == 0) {
            free(sn->members[i].name);
        } else {
            sn->members[k++] = sn->members[i];
        }
    }
    sn->n_members = k;
    for (size_t i = 0; i < sn->n_members; i++) {
        struct kv_member *m = &sn->members[i];

        m->online = a->node != NULL && strcmp(m->name, a->node) == 0;
        for (size_t j = 0; j < a->n_beats && !m->online; j++) {
            m->online = strcmp(a->beats[j], m->name) == 0;
        }
    }
    sn->quorate = a->marker_ok;
    kv_snap_finish(sn);
}

void etcd_snap_acc_free(struct etcd_snap_acc *a)
{
    for (size_t i = 0; i < a->n_beats; i++) {
        free(a->beats[i]);
    }
    free(a->beats);
    free(a->next);
    a->beats = NULL;
    a->next = NULL;
    a->n_beats = a->cap_beats = 0;
}
