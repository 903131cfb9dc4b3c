/* dir_open.c - open a "dir:" store: the daemons' start-up check 2
 * (the store marker haven-store, store_id, the fixed folders). */
#include "kv/dir/dir_int.h"
#include "state/scan.h"
#include "state/str.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER "haven-store"
#define MARKER_WAIT_MS 3000 /* an empty marker: a crashed initialiser after this */

/* "haven-store 1 id=<32 hex> created=<unix s>" */
int dir_marker_parse(const char *text, char *id, size_t id_size)
{
    char buf[DIR_INSTANCE_HEX + 2];
    long long created;
    const char *p = text;

    if (!scan_lit(&p, MARKER " 1 id=") || !scan_word(&p, buf, sizeof(buf)) ||
        !scan_lit(&p, " created=") || !scan_ll(&p, LLONG_MIN, LLONG_MAX, &created) ||
        strlen(buf) != DIR_INSTANCE_HEX || id_size < DIR_INSTANCE_HEX + 1) {
        return -1;
    }
    if (strspn(buf, "0123456789abcdef") != DIR_INSTANCE_HEX ||
        (*p != '\0' && strcmp(p, "\n") != 0)) {
        return -1;
    }
    memcpy(id, buf, DIR_INSTANCE_HEX + 1);
    return 0;
}

int dir_read_marker(struct kv_faults *f, const char *abs, char **data, size_t *len)
{
    int64_t start = kv_now_ms();
    int r;

    for (;;) {
        r = dir_read_file(f, abs, data, len);
        if (r != 0 || *len > 0 || kv_now_ms() - start > MARKER_WAIT_MS) {
            return r;
        }
        /* a marker is never written empty: a size cached while an older
         * initialiser's O_EXCL file was still empty; ask the server */
        free(*data);
        *data = NULL;
        dir_fresh_attrs(f, abs);
        kv_sleep_ms(20);
    }
}

/* Read and parse the marker: 0 id read, 1 absent, KV_OPEN_NOT_A_STORE a
 * bad marker, KV_OPEN_ERROR when it cannot be read. */
static int read_marker(struct kv_faults *f, const char *root, char *id, char **err)
{
    char *abs = xasprintf("%s/" MARKER, root), *data;
    size_t len;
    int r = dir_read_marker(f, abs, &data, &len);

    if (r < 0) {
        kv_err(err, "%s: %s", abs, dir_strerror(errno));
    } else if (r == 0) {
        r = dir_marker_parse(data, id, DIR_INSTANCE_HEX + 1);
        free(data);
        if (r != 0) {
            kv_err(err, "%s is not a haven store (bad marker)", root);
            r = KV_OPEN_NOT_A_STORE;
        }
    }
    free(abs);
    return r;
}

/* The marker appears whole: written under a temporary name, then linked
 * to its name (which fails if a racing initialiser was first). Without
 * hard links: an O_EXCL create, briefly empty. */
static int create_marker(struct kv_faults *f, const char *root, char *id, char **err)
{
    char *abs = xasprintf("%s/" MARKER, root), *text, hex[17], *tmp;
    int r;

    kv_random_hex(id, DIR_INSTANCE_HEX);
    kv_random_hex(hex, 16);
    tmp = xasprintf("%s/." MARKER ".%s", root, hex);
    text = xasprintf(MARKER " 1 id=%s created=%lld\n", id, (long long)dir_wall_s());
    r = dir_create_excl(f, tmp, text, strlen(text));
    if (r == 0) {
        r = dir_link_excl(f, tmp, abs);
        if (r != 0 &&
            (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == ENOSYS)) {
            r = dir_create_excl(f, abs, text, strlen(text));
        }
        {
            int e = errno;
            unlink(tmp);
            errno = e;
        }
    }
    free(tmp);
    free(text);
    free(abs);
    if (r != 0) {
        if (errno == EEXIST) {
            r = read_marker(f, root, id, err); /* a racing initialiser won */
            if (r == 1) {
                kv_err(err, "%s/" MARKER ": vanished", root);
                r = -1;
            }
            return r;
        }
        kv_err(err, "%s/" MARKER ": %s", root, strerror(errno));
        return -1;
    }
    dir_fsync_dir(f, root);
    return 0;
}

static int check_id(const struct kv_options *o, const char *root, const char *id, char **err)
{
    if (o->store_id != NULL && strcmp(o->store_id, id) != 0) {
        kv_err(err, "store id mismatch (%s has %s, store_id is %s)", root, id, o->store_id);
        return -1;
    }
    return 0;
}

/* Startup check 2: 0 and the id, or a negative enum kv_open_result. */
static int check_root(const struct kv_options *o, const char *root, char *id, char **err)
{
    struct stat st;
    char **names;
    size_t n;
    int r;

    if (stat(root, &st) != 0) {
        kv_err(err, "%s: %s", root, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        kv_err(err, "%s is not a haven store (not a folder)", root);
        return -1;
    }
    r = read_marker(o->faults, root, id, err);
    if (r < 0) {
        return r;
    }
    if (r == 1) {
        if (dir_list_abs(root, false, &names, &n) != 0) {
            kv_err(err, "%s: %s", root, strerror(errno));
            return -1;
        }
        kv_free_names(names);
        if (n > 0) {
            /* a racing initialiser writes the marker before anything else */
            r = read_marker(o->faults, root, id, err);
            if (r == 1) {
                kv_err(err, "%s is not a haven store", root);
                return KV_OPEN_NOT_A_STORE;
            }
            return r == 0 ? check_id(o, root, id, err) : r;
        }
        if (o->read_only) {
            kv_err(
                err,
                "%s is empty - not a haven store yet (a daemon or a changing command makes it one)",
                root
            );
            return -1;
        }
        if (o->store_id != NULL) {
            /* probably an unmounted mount point: write nothing */
            kv_err(err, "store id mismatch (%s is empty, store_id is %s)", root, o->store_id);
            return -1;
        }
        r = create_marker(o->faults, root, id, err);
        if (r != 0) {
            return r;
        }
    }
    return check_id(o, root, id, err);
}

int dir_store_open(const struct kv_options *o, struct dir_store **out, char **err)
{
    char id[DIR_INSTANCE_HEX + 1], *root;
    struct dir_store *s;
    struct stat st;
    size_t len;
    int rc;

    *out = NULL;
    if (kv_check_options(o, "dir:/", "dir:<absolute path>", err) != 0) {
        return -1;
    }
    root = xstrdup(o->url + 4);
    len = strlen(root);
    while (len > 1 && root[len - 1] == '/') {
        root[--len] = '\0';
    }
    rc = check_root(o, root, id, err);
    if (rc != 0) {
        free(root);
        return rc;
    }
    if (stat(root, &st) != 0) {
        kv_err(err, "%s: %s", root, strerror(errno));
        free(root);
        return -1;
    }
    s = xcalloc(1, sizeof(*s));
    s->root = root;
    s->root_dev = st.st_dev;
    s->root_ino = st.st_ino;
    snprintf(s->node, sizeof(s->node), "%s", o->node);
    s->want_id = xstrdup(o->store_id);
    s->store_id = xstrdup(id);
    s->daemon = xstrdup(o->daemon);
    s->pid = getpid();
    kv_random_hex(s->instance, DIR_INSTANCE_HEX);
    s->lock_timeout_ms = o->lock_timeout_ms;
    s->renew_budget_ms = o->renew_budget_ms;
    s->node_timeout_ms = o->node_timeout_ms;
    s->probe_max_age_ms = o->probe_max_age_ms;
    s->notice = o->notice;
    s->notice_arg = o->notice_arg;
    s->faults = o->faults;
    s->rng = kv_rand_seed(s->instance);
    if (!o->read_only) {
        char *own = xasprintf("nodes/%s/resources", s->node);
        int r = dir_store_mkdir(s, "ha/crm_commands.d", err);

        r = r ? r : dir_store_mkdir(s, "priv/lock", err);
        r = r ? r : dir_store_mkdir(s, own, err);
        free(own);
        if (r != 0) {
            dir_store_close(s);
            return -1;
        }
    }
    *out = s;
    return 0;
}

void dir_store_close(struct dir_store *s)
{
    if (s == NULL) {
        return;
    }
    dir_locks_free(s);
    dir_beats_free(s);
    for (size_t i = 0; i < s->n_sweeps; i++) {
        free(s->sweeps[i].dir);
    }
    free(s->sweeps);
    free(s->root);
    free(s->want_id);
    free(s->store_id);
    free(s->daemon);
    free(s);
}

const char *dir_store_instance(const struct dir_store *s)
{
    return s->instance;
}
