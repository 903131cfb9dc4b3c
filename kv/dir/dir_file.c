/* dir_file.c - files of the "dir:" store (kv/README.md): whole-file
 * reads, atomic replace (temp, fsync, guard, rename, fsync folder), listing,
 * and the small helpers every dir*.c file shares. */
#include "kv/dir/dir_int.h"
#include "state/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TEMP_MAX_AGE_S 3600 /* temp files older than this are garbage */
#define SWEEP_EVERY_MS 600000

char *dir_abs(const struct dir_store *s, const char *path)
{
    return xasprintf("%s/%s", s->root, path);
}

int64_t dir_wall_s(void)
{
    return (int64_t)time(NULL);
}

int dir_fsync_fd(struct kv_faults *f, int fd)
{
    return f != NULL && f->no_fsync ? 0 : fsync(fd);
}

int dir_fsync_dir(struct kv_faults *f, const char *abs_dir)
{
    int fd, r, e;

    if (f != NULL && f->no_fsync) {
        return 0;
    }
    fd = open(abs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    r = fsync(fd);
    e = errno;
    close(fd);
    errno = e;
    /* some file systems cannot fsync a folder; the rename is done anyway */
    return (r != 0 && (e == EINVAL || e == EBADF)) ? 0 : r;
}

const char *dir_strerror(int e)
{
    switch (e) {
    case DIR_ENUL:
        return "contains a NUL byte";
    case DIR_ENOTREG:
        return "not a regular file";
    case DIR_ESYMLINK:
        return "is a symbolic link";
    case DIR_EROOT:
        return "the store folder is not the one opened (unmounted?)";
    case DIR_ETORN:
        return "shorter than its first line says (cut short; after a hand edit delete that line)";
    case DIR_ENOSTORE:
        return "the store is not reachable (no marker)";
    case DIR_EJSON:
        return "incomplete JSON (cut short or changed while read)";
    case EFBIG:
        return "larger than 16 MiB";
    default:
        return strerror(e);
    }
}

bool dir_bad_content(int e)
{
    return e == DIR_ENUL || e == EFBIG || e == DIR_ENOTREG || e == DIR_ESYMLINK;
}

/* Ask the server for fresh attributes: FUSE and NFS then drop the cached
 * size that cut the read (a plain stat may answer from the cache). */
void dir_fresh_attrs(struct kv_faults *f, const char *abs)
{
    unsigned long long buf[32]; /* struct statx: 256 bytes */

    if (f != NULL) {
        f->cut_until_fresh = false;
    }
    if (syscall(SYS_statx, AT_FDCWD, abs, AT_STATX_FORCE_SYNC | AT_SYMLINK_NOFOLLOW, 0x7ffU, buf) !=
        0) {
        errno = 0; /* best effort: the retry reads again anyway */
    }
}

/* The tests' cut reads: a cached length shorter than the file. */
static void cut_read(struct kv_faults *f, struct strbuf *sb)
{
    if (f == NULL || sb->len <= f->cut_len || (f->cut_reads <= 0 && !f->cut_until_fresh)) {
        return;
    }
    if (f->cut_reads > 0) {
        f->cut_reads--;
    }
    sb->len = f->cut_len;
    sb->buf[sb->len] = '\0';
}

/* Read fd to its end into sb, at most DIR_MAX_FILE bytes: 0, or -1 errno
 * (EFBIG when larger). */
static int read_all(int fd, struct strbuf *sb)
{
    char buf[65536];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (sb->len + (size_t)n > DIR_MAX_FILE) {
            errno = EFBIG;
            return -1;
        }
        strbuf_addn(sb, buf, (size_t)n);
    }
    return 0;
}

int dir_read_file(struct kv_faults *f, const char *abs, char **data, size_t *len)
{
    struct strbuf sb = {0};
    struct stat st;
    int fd, e;

    *data = NULL;
    *len = 0;
    /* look first: over sftp the server opens the file itself, without
     * O_NONBLOCK, and a FIFO there would hang the whole mount */
    if (lstat(abs, &st) != 0) {
        return errno == ENOENT ? 1 : -1;
    }
    if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
        errno = S_ISLNK(st.st_mode) ? DIR_ESYMLINK : DIR_ENOTREG;
        return -1;
    }
    /* never block in open (a FIFO), never follow a link out of the store */
    fd = open(abs, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ELOOP) {
            errno = DIR_ESYMLINK;
        }
        return errno == ENOENT ? 1 : -1;
    }
    if (fstat(fd, &st) != 0) {
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = DIR_ENOTREG; /* a FIFO, device or folder: never read it */
        goto fail;
    }
    if (fcntl(fd, F_SETFL, 0) != 0) {
        goto fail;
    }
    if (read_all(fd, &sb) != 0) {
        goto fail;
    }
    close(fd);
    cut_read(f, &sb);
    if (sb.len > 0 && memchr(sb.buf, '\0', sb.len) != NULL) {
        /* callers parse C strings: the rest would silently vanish */
        strbuf_free(&sb);
        errno = DIR_ENUL;
        return -1;
    }
    *len = sb.len;
    *data = sb.buf ? strbuf_take(&sb) : xstrdup("");
    return 0;
fail:
    e = errno;
    close(fd);
    strbuf_free(&sb);
    errno = e;
    return -1;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* sshfs reports EEXIST and ENOTEMPTY as EPERM (sftp has no such codes):
 * a failed exclusive operation is judged by what the folder then holds,
 * the name there means it exists (a lost race), not errno alone. */
static int excl_errno(const struct kv_faults *f, const char *path, int e)
{
    struct stat st;

    if (f != NULL && f->exists_as_eperm && (e == EEXIST || e == ENOTEMPTY)) {
        e = EPERM;
    }
    if (e == EEXIST || e == ENOTEMPTY || lstat(path, &st) == 0) {
        return EEXIST;
    }
    errno = e;
    return e;
}

int dir_link_excl(struct kv_faults *f, const char *from, const char *to)
{
    if (link(from, to) == 0) {
        return 0;
    }
    errno = excl_errno(f, to, errno);
    return -1;
}

int dir_rename_dir_excl(struct kv_faults *f, const char *from, const char *to)
{
    if (rename(from, to) == 0) {
        return 0;
    }
    errno = excl_errno(f, to, errno);
    return -1;
}

int dir_mkdir_excl(struct kv_faults *f, const char *abs)
{
    if (mkdir(abs, 0755) == 0) {
        return 0;
    }
    errno = excl_errno(f, abs, errno);
    return -1;
}

int dir_create_excl(struct kv_faults *f, const char *abs, const char *data, size_t len)
{
    int fd = open(abs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int e;

    if (fd < 0) {
        errno = excl_errno(f, abs, errno);
        return -1;
    }
    if (write_all(fd, data, len) != 0 || dir_fsync_fd(f, fd) != 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_list_abs(const char *abs, bool with_dots, char ***names, size_t *n)
{
    DIR *d = opendir(abs);
    struct dirent *de;
    char **v = NULL;
    size_t cnt = 0, cap = 0;

    *names = NULL;
    *n = 0;
    if (d == NULL) {
        if (errno != ENOENT) {
            return -1;
        }
        *names = xcalloc(1, sizeof(char *));
        return 0;
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;

        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 || (!with_dots && nm[0] == '.')) {
            continue;
        }
        if (cnt + 2 > cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof(*v));
        }
        v[cnt++] = xstrdup(nm);
    }
    if (errno != 0) {
        int e = errno;
        closedir(d);
        for (size_t i = 0; i < cnt; i++) {
            free(v[i]);
        }
        free(v);
        errno = e;
        return -1;
    }
    closedir(d);
    if (v == NULL) {
        v = xcalloc(1, sizeof(char *));
    }
    qsort(v, cnt, sizeof(*v), cmp_names);
    v[cnt] = NULL;
    *names = v;
    *n = cnt;
    return 0;
}

/* mkdir -p of root/rel, but only below root: never the root itself or
 * anything above it (a store folder that went away is not recreated). */
static int mkdir_below(struct kv_faults *f, const char *root, const char *rel)
{
    char *p = xasprintf("%s/%s", root, rel);
    struct stat st;

    for (char *c = p + strlen(root) + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char save = *c;

            *c = '\0';
            if (dir_mkdir_excl(f, p) != 0 && errno != EEXIST) {
                goto fail;
            }
            if (stat(p, &st) != 0) {
                goto fail;
            }
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                goto fail;
            }
            *c = save;
            if (save == '\0') {
                break;
            }
        }
    }
    free(p);
    return 0;
fail:
    free(p);
    return -1;
}

/* Writers delete temp files older than one hour, at most once per
 * folder every SWEEP_EVERY_MS per process. */
static void sweep_temps(struct dir_store *s, const char *abs_dir)
{
    int64_t now = kv_now_ms(), wall = dir_wall_s();
    struct dir_sweep *sw = NULL;
    char **names;
    size_t n;

    for (size_t i = 0; i < s->n_sweeps; i++) {
        if (strcmp(s->sweeps[i].dir, abs_dir) == 0) {
            sw = &s->sweeps[i];
        }
    }
    if (sw != NULL && now - sw->at < SWEEP_EVERY_MS) {
        return;
    }
    if (sw == NULL) {
        s->sweeps = kv_append(s->sweeps, &s->n_sweeps, &s->cap_sweeps, sizeof(*s->sweeps));
        sw = &s->sweeps[s->n_sweeps - 1];
        sw->dir = xstrdup(abs_dir);
    }
    sw->at = now;
    if (dir_list_abs(abs_dir, true, &names, &n) != 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        char *p;

        if (!str_starts(names[i], ".tmp.")) {
            continue;
        }
        p = xasprintf("%s/%s", abs_dir, names[i]);
        if (lstat(p, &st) == 0 && wall - (int64_t)st.st_mtime > TEMP_MAX_AGE_S) {
            unlink(p);
        }
        free(p);
    }
    kv_free_names(names);
}

int dir_root_check(const struct dir_store *s)
{
    struct stat st;

    if (stat(s->root, &st) != 0) {
        return -1;
    }
    if (st.st_dev != s->root_dev || st.st_ino != s->root_ino) {
        errno = DIR_EROOT;
        return -1;
    }
    return 0;
}

/* The absolute name of a store path, or NULL (and *err) for a bad path. */
static char *checked_abs(const struct dir_store *s, const char *path, char **err)
{
    return kv_path_check(path, err) ? dir_abs(s, path) : NULL;
}

int dir_store_read(struct dir_store *s, const char *path, char **data, size_t *len, char **err)
{
    char *abs;
    int r;

    *data = NULL;
    *len = 0;
    abs = checked_abs(s, path, err);
    if (abs == NULL) {
        return -1;
    }
    r = dir_root_check(s) != 0 ? -1 : dir_read_verified(s->faults, abs, data, len);
    free(abs);
    if (r == 1) {
        /* absent is an answer only from a store that is there: in an
         * outage it would read as an empty file (an empty config) */
        char *marker = dir_abs(s, "haven-store");
        struct stat st;

        if (lstat(marker, &st) != 0) {
            r = -1;
            errno = errno == ENOENT ? DIR_ENOSTORE : errno;
        }
        free(marker);
    }
    if (r < 0) {
        kv_err(err, "unable to read file '%s' - %s", path, dir_strerror(errno));
    }
    return r;
}

int dir_store_write(
    struct dir_store *s,
    const char *path,
    const void *data,
    size_t len,
    const char *guard_lock,
    char **err
)
{
    size_t framed_len;
    char *framed = dir_frame(data, len, &framed_len);
    int r = dir_write(s, path, framed, framed_len, guard_lock, err);

    free(framed);
    return r;
}

int dir_write(
    struct dir_store *s,
    const char *path,
    const char *body,
    size_t len,
    const char *guard_lock,
    char **err
)
{
    char hex[17], *abs, *dir, *tmp;
    int r = -1;

    abs = checked_abs(s, path, err);
    if (abs == NULL) {
        return -1;
    }
    dir = xstrdup(abs);
    *strrchr(dir, '/') = '\0';
    kv_random_hex(hex, 16);
    tmp = xasprintf("%s/.tmp.%s.%ld.%s", dir, s->node, (long)s->pid, hex);
    if (dir_root_check(s) != 0) {
        goto failed;
    }
    if (dir_create_excl(s->faults, tmp, body, len) != 0) {
        goto failed_unlink; /* the name is ours alone: a random part */
    }
    if (guard_lock != NULL && dir_guard(s, guard_lock, path, err) != 0) {
        unlink(tmp);
        goto out;
    }
    if (dir_root_check(s) != 0 || rename(tmp, abs) != 0) {
        goto failed_unlink;
    }
    if (dir_fsync_dir(s->faults, dir) != 0) {
        goto failed;
    }
    sweep_temps(s, dir);
    r = 0;
    goto out;
failed_unlink : {
    int e = errno; /* the cause, not the cleanup's */
    unlink(tmp);
    errno = e;
}
failed:
    kv_err(err, "unable to write file '%s' - %s", path, dir_strerror(errno));
out:
    free(tmp);
    free(dir);
    free(abs);
    return r;
}

int dir_store_remove(struct dir_store *s, const char *path, char **err)
{
    char *abs;
    int r = 0;

    abs = checked_abs(s, path, err);
    if (abs == NULL) {
        return -1;
    }
    if (dir_root_check(s) != 0 || (unlink(abs) != 0 && errno != ENOENT)) {
        kv_err(err, "unable to delete file '%s' - %s", path, dir_strerror(errno));
        r = -1;
    }
    free(abs);
    return r;
}

int dir_store_rename(struct dir_store *s, const char *from, const char *to, char **err)
{
    char *a, *b;
    int r = 0;

    a = checked_abs(s, from, err);
    b = a != NULL ? checked_abs(s, to, err) : NULL;
    if (b == NULL) {
        free(a);
        return -1;
    }
    if (dir_root_check(s) != 0 || rename(a, b) != 0) {
        if (errno == ENOENT && access(a, F_OK) != 0 && errno == ENOENT) {
            r = 1;
        } else {
            kv_err(err, "rename '%s' to '%s' failed - %s", from, to, dir_strerror(errno));
            r = -1;
        }
    }
    free(a);
    free(b);
    return r;
}

int dir_store_list(struct dir_store *s, const char *dir, char ***names, size_t *n, char **err)
{
    char *abs;
    int r;

    *names = NULL;
    *n = 0;
    abs = checked_abs(s, dir, err);
    if (abs == NULL) {
        return -1;
    }
    r = dir_root_check(s) != 0 ? -1 : dir_list_abs(abs, false, names, n);
    free(abs);
    if (r != 0) {
        kv_err(err, "unable to list '%s' - %s", dir, dir_strerror(errno));
    }
    return r;
}

int dir_store_mkdir(struct dir_store *s, const char *dir, char **err)
{
    char *abs;
    int r;

    abs = checked_abs(s, dir, err);
    if (abs == NULL) {
        return -1;
    }
    r = dir_root_check(s) != 0 ? -1 : mkdir_below(s->faults, s->root, dir);
    free(abs);
    if (r != 0) {
        kv_err(err, "unable to create folder '%s' - %s", dir, dir_strerror(errno));
    }
    return r;
}
