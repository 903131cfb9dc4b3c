/* dir_probe.c - quorum and node liveness of the "dir:" store (kv/README.md):
 * the folder is the single arbiter, so "quorate" = our last probe of
 * it (marker + heartbeat write) worked and is recent; a node is online while
 * one of its heartbeat files keeps changing on this process's clock. */
#include "kv/dir/dir_int.h"
#include "state/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const beat_files[] = {"heartbeat.crm", "heartbeat.lrm"};

void dir_beats_free(struct dir_store *s)
{
    for (size_t i = 0; i < s->n_beats; i++) {
        free(s->beats[i].node);
        free(s->beats[i].file);
        free(s->beats[i].content);
    }
    free(s->beats);
    s->beats = NULL;
    s->n_beats = s->cap_beats = 0;
}

static struct dir_beat *beat_find(struct dir_store *s, const char *node, const char *file)
{
    struct dir_beat *b;

    for (size_t i = 0; i < s->n_beats; i++) {
        if (strcmp(s->beats[i].node, node) == 0 && strcmp(s->beats[i].file, file) == 0) {
            return &s->beats[i];
        }
    }
    s->beats = kv_append(s->beats, &s->n_beats, &s->cap_beats, sizeof(*s->beats));
    b = &s->beats[s->n_beats - 1];
    b->node = xstrdup(node);
    b->file = xstrdup(file);
    return b;
}

/* Read one heartbeat file of node under the folder nodes_abs; a changed
 * content restarts the liveness window (first sight counts as a change).
 * 0, or -1 and *err on a store error. */
static int load_beat(
    struct dir_store *s, const char *nodes_abs, const char *node, const char *file, char **err
)
{
    char *bp = xasprintf("%s/%s/%s", nodes_abs, node, file), *data;
    size_t len;
    int r = dir_read_verified(s->faults, bp, &data, &len);
    struct dir_beat *b;

    free(bp);
    if (r < 0 && dir_bad_content(errno)) {
        return 0; /* garbage: no heartbeat from this file */
    }
    if (r < 0 && (errno == DIR_ETORN || errno == DIR_EJSON)) {
        /* being replaced right now: as last seen, not a store error */
        b = beat_find(s, node, file);
        b->present = b->content != NULL;
        return 0;
    }
    if (r < 0) {
        kv_err(err, "unable to read file 'nodes/%s/%s' - %s", node, file, dir_strerror(errno));
        return -1;
    }
    if (r == 0) {
        b = beat_find(s, node, file);
        if (b->content == NULL || strcmp(b->content, data) != 0) {
            free(b->content);
            b->content = data;
            b->seen_at = kv_now_ms();
        } else {
            free(data);
        }
        b->present = true;
    }
    return 0;
}

/* A vanished heartbeat file counts as new when it comes back. */
static void drop_vanished_beats(struct dir_store *s)
{
    for (size_t i = 0; i < s->n_beats;) {
        if (!s->beats[i].present) {
            free(s->beats[i].node);
            free(s->beats[i].file);
            free(s->beats[i].content);
            s->beats[i] = s->beats[--s->n_beats];
        } else {
            i++;
        }
    }
}

static bool is_member(const char *nodes_abs, const char *name)
{
    struct stat st;
    char *p = xasprintf("%s/%s", nodes_abs, name);
    bool member = kv_node_name_ok(name) && stat(p, &st) == 0 && S_ISDIR(st.st_mode);

    free(p);
    return member;
}

/* Read the members (names, when members is not NULL) and their
 * heartbeats. */
static int load_members(struct dir_store *s, char ***members, size_t *n_members, char **err)
{
    char *abs = dir_abs(s, "nodes"), **names;
    size_t n, k = 0;
    int r = 0;

    if (dir_root_check(s) != 0 || dir_list_abs(abs, false, &names, &n) != 0) {
        kv_err(err, "unable to list 'nodes' - %s", dir_strerror(errno));
        free(abs);
        return -1;
    }
    for (size_t i = 0; i < s->n_beats; i++) {
        s->beats[i].present = false;
    }
    for (size_t i = 0; i < n; i++) {
        if (r != 0 || !is_member(abs, names[i])) {
            free(names[i]);
            continue;
        }
        for (size_t f = 0; f < 2 && r == 0; f++) {
            r = load_beat(s, abs, names[i], beat_files[f], err);
        }
        names[k++] = names[i];
    }
    names[k] = NULL;
    free(abs);
    if (r != 0) {
        kv_free_names(names);
        return -1;
    }
    drop_vanished_beats(s);
    if (members != NULL) {
        *members = names;
        *n_members = k;
    } else {
        kv_free_names(names);
    }
    return 0;
}

static int check_marker(struct dir_store *s, char **err)
{
    char *abs = dir_abs(s, "haven-store"), *data, id[DIR_INSTANCE_HEX + 1];
    size_t len;
    int r = dir_root_check(s) != 0 ? -1 : dir_read_marker(s->faults, abs, &data, &len);

    free(abs);
    if (r < 0) {
        kv_err(err, "unable to read file 'haven-store' - %s", dir_strerror(errno));
        return -1;
    }
    if (r == 1) {
        kv_err(err, "%s is not a haven store (marker missing)", s->root);
        return -1;
    }
    r = dir_marker_parse(data, id, sizeof(id));
    free(data);
    if (r != 0 || strcmp(id, s->store_id) != 0) {
        kv_err(err, "store id mismatch (%s: marker changed)", s->root);
        return -1;
    }
    return 0;
}

int dir_store_probe(struct dir_store *s, char **err)
{
    int64_t start = kv_now_ms();

    if (check_marker(s, err) != 0) {
        goto fail;
    }
    if (s->daemon != NULL) {
        char *path = xasprintf("nodes/%s/heartbeat.%s", s->node, s->daemon);
        char *data = xasprintf(
            "%s %llu %lld\n", s->instance, (unsigned long long)++s->beat_seq,
            (long long)dir_wall_s()
        );
        int r = dir_store_write(s, path, data, strlen(data), NULL, err);

        free(data);
        free(path);
        if (r != 0) {
            goto fail;
        }
    }
    if (load_members(s, NULL, NULL, err) != 0) {
        goto fail;
    }
    if (s->probe_failed) {
        /* like pmxcfs after a resync: every window starts again now */
        int64_t now = kv_now_ms();

        dir_lock_restart_windows(s, now);
        for (size_t i = 0; i < s->n_beats; i++) {
            s->beats[i].seen_at = now;
        }
        s->probe_failed = false;
    }
    s->probe_ok = true;
    s->probe_at = start;
    return 0;
fail:
    s->probe_ok = false;
    s->probe_failed = true;
    return -1;
}

bool dir_store_quorate(struct dir_store *s)
{
    return s->probe_ok && kv_now_ms() - s->probe_at <= s->probe_max_age_ms;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const struct kv_member *)a)->name, ((const struct kv_member *)b)->name);
}

int dir_store_members(struct dir_store *s, struct kv_member **out, size_t *n, char **err)
{
    int64_t now = kv_now_ms();
    struct kv_member *m;
    char **names;
    size_t k;

    *out = NULL;
    *n = 0;
    if (load_members(s, &names, &k, err) != 0) {
        return -1;
    }
    m = xcalloc(k ? k : 1, sizeof(*m));
    for (size_t i = 0; i < k; i++) {
        m[i].name = names[i];
        m[i].online = strcmp(names[i], s->node) == 0;
        for (size_t j = 0; j < s->n_beats && !m[i].online; j++) {
            const struct dir_beat *b = &s->beats[j];
            if (strcmp(b->node, names[i]) == 0 && now - b->seen_at <= s->node_timeout_ms) {
                m[i].online = true;
            }
        }
    }
    free(names); /* the strings moved into m */
    qsort(m, k, sizeof(*m), cmp_member);
    *out = m;
    *n = k;
    return 0;
}

void kv_free_members(struct kv_member *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].name);
    }
    free(m);
}
