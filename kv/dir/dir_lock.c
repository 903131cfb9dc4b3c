/* dir_lock.c - generation-head lease locks on a shared folder (kv/README.md,
 * lock protocol): records, observation on CLOCK_BOOTTIME, the one write
 * primitive advance() (claim by rename, install by link), and get/release
 * with a per-process cache. */
#include "kv/dir/dir_int.h"
#include "state/scan.h"
#include "state/str.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAGIC "haven-lock 1 "

struct dir_lock *dir_lock_find(struct dir_store *s, const char *name, bool add)
{
    struct dir_lock *l;

    for (size_t i = 0; i < s->n_locks; i++) {
        if (strcmp(s->locks[i].name, name) == 0) {
            return &s->locks[i];
        }
    }
    if (!add) {
        return NULL;
    }
    s->locks = kv_append(s->locks, &s->n_locks, &s->cap_locks, sizeof(*s->locks));
    l = &s->locks[s->n_locks - 1];
    l->name = xstrdup(name);
    l->ok_at = -1;
    return l;
}

void dir_locks_free(struct dir_store *s)
{
    for (size_t i = 0; i < s->n_locks; i++) {
        free(s->locks[i].name);
        free(s->locks[i].obs_claim);
    }
    free(s->locks);
    s->locks = NULL;
    s->n_locks = s->cap_locks = 0;
}

char *dir_lock_dir(const struct dir_store *s, const char *name)
{
    return xasprintf("%s/priv/lock/%s", s->root, name);
}

static void gen_name(char out[DIR_GEN_DIGITS + 1], uint64_t g)
{
    snprintf(out, DIR_GEN_DIGITS + 1, "%020" PRIu64, g);
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool all_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* "<20 digits>" -> g in 1..DIR_GEN_MAX; anything else (also a number
 * beyond it, which strtoull would clamp or wrap) is no generation. */
static bool parse_gen(const char *name, uint64_t *g)
{
    uint64_t v = 0;

    if (strlen(name) != DIR_GEN_DIGITS || !all_digits(name, DIR_GEN_DIGITS) || name[0] != '0') {
        return false;
    }
    for (size_t i = 1; i < DIR_GEN_DIGITS; i++) {
        v = v * 10 + (uint64_t)(name[i] - '0'); /* 19 digits: below 2^64 */
    }
    *g = v;
    return v > 0;
}

/* ".claim.<20 digits>.<32 hex>" -> g */
static bool parse_claim(const char *name, uint64_t *g)
{
    const size_t pre = sizeof(".claim.") - 1;
    char digits[DIR_GEN_DIGITS + 1];

    if (strlen(name) != pre + DIR_GEN_DIGITS + 1 + DIR_INSTANCE_HEX ||
        strncmp(name, ".claim.", pre) != 0 || name[pre + DIR_GEN_DIGITS] != '.' ||
        !all_hex(name + pre + DIR_GEN_DIGITS + 1, DIR_INSTANCE_HEX)) {
        return false;
    }
    memcpy(digits, name + pre, DIR_GEN_DIGITS);
    digits[DIR_GEN_DIGITS] = '\0';
    return parse_gen(digits, g);
}

static char *format_record(const struct dir_store *s, bool held)
{
    return xasprintf(
        RECORD_MAGIC "%s node=%s instance=%s pid=%ld wall=%lld\n", held ? "held" : "free", s->node,
        s->instance, (long)s->pid, (long long)dir_wall_s()
    );
}

/* Parse one record line; anything else leaves parsed false. The line must
 * end in its newline: a record read cut short (a cached length) would
 * otherwise parse with a wall time or pid missing its last digits. */
static void parse_record(const char *text, struct dir_record *r)
{
    char state[8], node[64], inst[DIR_INSTANCE_HEX + 2];
    long long pid, wall;
    const char *p = text;

    memset(r, 0, sizeof(*r));
    if (p == NULL || !scan_lit(&p, RECORD_MAGIC) || !scan_word(&p, state, sizeof(state)) ||
        !scan_lit(&p, " node=") || !scan_word(&p, node, sizeof(node)) ||
        !scan_lit(&p, " instance=") || !scan_word(&p, inst, sizeof(inst)) ||
        !scan_lit(&p, " pid=") || !scan_ll(&p, LONG_MIN, LONG_MAX, &pid) ||
        !scan_lit(&p, " wall=") || !scan_ll(&p, LLONG_MIN, LLONG_MAX, &wall) ||
        strcmp(p, "\n") != 0) {
        return;
    }
    if (strcmp(state, "held") != 0 && strcmp(state, "free") != 0) {
        return;
    }
    if (strlen(inst) != DIR_INSTANCE_HEX || !all_hex(inst, DIR_INSTANCE_HEX)) {
        return;
    }
    r->parsed = true;
    r->held = strcmp(state, "held") == 0;
    snprintf(r->node, sizeof(r->node), "%s", node);
    memcpy(r->instance, inst, DIR_INSTANCE_HEX + 1);
    r->pid = pid;
    r->wall = wall;
}

/* Read one head entry: 0 read, 1 absent, -1 error. */
static int read_head(
    struct kv_faults *f,
    const char *ldir,
    const char *entry,
    struct dir_record *rec,
    int64_t *ctime_s
)
{
    char *p = xasprintf("%s/%s", ldir, entry), *data;
    struct stat st;
    size_t len;
    int r;

    r = dir_read_file(f, p, &data, &len);
    if (r < 0 && dir_bad_content(errno)) {
        r = 0; /* garbage: an unknown owner, which expires like any other */
        data = xstrdup("");
    }
    if (r == 0) {
        parse_record(data, rec);
        *ctime_s = stat(p, &st) == 0 ? (int64_t)st.st_ctime : dir_wall_s();
        free(data);
    }
    free(p);
    return r;
}

static bool exists_at(const struct kv_faults *f, const char *ldir, const char *entry)
{
    char *p = xasprintf("%s/%s", ldir, entry);
    struct stat st;
    bool r = stat(p, &st) == 0 || (f != NULL && str_eq(f->cached_entry, entry));

    free(p);
    return r;
}

/* One observed head: its generation, its claim's name (NULL: numbered),
 * its record and its entry's ctime (unix s). */
struct dir_view {
    uint64_t g;
    const char *claim;
    struct dir_record rec;
    int64_t ctime_s;
};

/* Store the new view; a different head (generation or claim name) starts a
 * new observation window at now, which must be taken after the head was
 * read: a head that appeared while the listing hung is only known to exist
 * from then on. restart also starts the window again for the same head. */
static void set_view(struct dir_lock *l, const struct dir_view *v, int64_t now, bool restart)
{
    bool same = l->obs_valid && l->obs_g == v->g && str_eq(l->obs_claim, v->claim);

    if (!same) {
        free(l->obs_claim);
        l->obs_claim = xstrdup(v->claim);
        l->obs_g = v->g;
        l->obs_valid = true;
    }
    if (!same || restart) {
        l->seen_at = now;
    }
    l->obs_rec = v->rec;
    l->obs_ctime = v->ctime_s;
}

/* Our own new head g, installed with the record text rec. */
static void set_own_view(struct dir_lock *l, uint64_t g, const char *rec)
{
    struct dir_view v = {.g = g, .ctime_s = dir_wall_s()};

    parse_record(rec, &v.rec);
    set_view(l, &v, kv_now_ms(), false);
}

/* A lock folder without any head or claim holds only garbage (a name that
 * is no generation, a temporary record of an interrupted attempt): nobody
 * can advance it, so remove it all, and the folder is free again (a
 * creating rename replaces an empty folder). 0 emptied, -1 not. */
static int clear_garbage(const char *ldir)
{
    char **names;
    size_t n;

    if (dir_list_abs(ldir, true, &names, &n) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t g;
        char *p;

        if (parse_gen(names[i], &g) || parse_claim(names[i], &g)) {
            kv_free_names(names);
            return -1; /* a head appeared meanwhile */
        }
        p = xasprintf("%s/%s", ldir, names[i]);
        if (unlink(p) != 0 && (errno == EISDIR || errno == EPERM)) {
            rmdir(p);
        }
        free(p);
    }
    kv_free_names(names);
    if (dir_list_abs(ldir, true, &names, &n) != 0) {
        return -1;
    }
    kv_free_names(names);
    return n == 0 ? 0 : -1;
}

/* What a listing of a lock folder shows: the highest numbered head and
 * the highest claim (with its name). */
struct listing {
    uint64_t num_g, claim_g;
    char *claim;
};

/* Fill ls from names, and delete the claims below the numbered head:
 * finished transitions, garbage. */
static void scan_listing(const char *ldir, char **names, size_t n, struct listing *ls)
{
    uint64_t g;

    for (size_t i = 0; i < n; i++) {
        if (parse_gen(names[i], &g) && g > ls->num_g) {
            ls->num_g = g;
        } else if (parse_claim(names[i], &g) && g > ls->claim_g) {
            ls->claim_g = g;
            free(ls->claim);
            ls->claim = xstrdup(names[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (parse_claim(names[i], &g) && g < ls->num_g) {
            char *p = xasprintf("%s/%s", ldir, names[i]);
            unlink(p);
            free(p);
        }
    }
}

/* The tests' server that hangs during a listing. */
static void stall_fault(struct kv_faults *f)
{
    if (f != NULL && f->observe_stall != NULL) {
        void (*stall)(void *) = f->observe_stall;

        f->observe_stall = NULL;
        stall(f->observe_stall_arg);
    }
}

/* The tests' stale listing: an older head than the folder holds. */
static uint64_t listed_gen(struct kv_faults *f, uint64_t g)
{
    if (f != NULL && f->stale_listing > 0 && g > f->stale_listing) {
        g -= f->stale_listing;
        f->stale_listing = 0;
    }
    return g;
}

/* Read the head the listing names into v (a numbered head, else the
 * claim), or its successors after a stale listing: 0 read, else not. */
static int
read_listed(struct dir_store *s, const char *ldir, struct listing *ls, struct dir_view *v)
{
    char gn[DIR_GEN_DIGITS + 1];
    int rr;

    if (ls->num_g >= ls->claim_g && ls->num_g > 0) {
        v->g = listed_gen(s->faults, ls->num_g);
        gen_name(gn, v->g);
        rr = read_head(s->faults, ldir, gn, &v->rec, &v->ctime_s);
    } else {
        v->g = ls->claim_g;
        v->claim = ls->claim;
        rr = read_head(s->faults, ldir, ls->claim, &v->rec, &v->ctime_s);
        memset(&v->rec, 0, sizeof(v->rec)); /* a claim's owner is unknown */
    }
    if (rr != 1) {
        return rr;
    }
    /* stale listing: the head moved on; look for its successors */
    v->claim = NULL;
    for (uint64_t k = 1; k <= DIR_STALE_PROBES && v->g + k <= DIR_GEN_MAX; k++) {
        gen_name(gn, v->g + k);
        if (exists_at(s->faults, ldir, gn)) {
            v->g += k;
            return read_head(s->faults, ldir, gn, &v->rec, &v->ctime_s);
        }
    }
    return -1;
}

int dir_lock_observe(struct dir_store *s, struct dir_lock *l)
{
    char *ldir = dir_lock_dir(s, l->name), **names;
    struct listing ls = {0};
    struct dir_view v = {0};
    int64_t start = kv_now_ms(), end, bound = DIR_OBS_SLOW_MS;
    size_t n;
    int r = -1;

    stall_fault(s->faults);
    if (dir_list_abs(ldir, true, &names, &n) != 0) {
        goto out;
    }
    scan_listing(ldir, names, n, &ls);
    kv_free_names(names);
    if (n == 0 || (ls.num_g == 0 && ls.claim == NULL)) {
        /* no folder, an emptied one (the creating rename can replace it
         * atomically) or one of garbage only (emptied now): free */
        r = n == 0 ? 0 : clear_garbage(ldir);
        if (r == 0) {
            l->obs_valid = false;
        }
        goto out;
    }
    if (read_listed(s, ldir, &ls, &v) != 0) {
        goto out; /* never "free" on a view we could not read */
    }
    /* a slow observation (a hung server answers from any moment of the
     * hang) does not count towards expiry: its head's window restarts */
    end = kv_now_ms();
    if (s->renew_budget_ms > 0 && s->renew_budget_ms < bound) {
        bound = s->renew_budget_ms;
    }
    set_view(l, &v, end, end - start > bound);
    r = 1;
out:
    free(ls.claim);
    free(ldir);
    return r;
}

bool dir_head_free(const struct dir_lock *l)
{
    return l->obs_valid && l->obs_claim == NULL && l->obs_rec.parsed && !l->obs_rec.held;
}

bool dir_head_ours(const struct dir_store *s, const struct dir_lock *l)
{
    if (!l->obs_valid) {
        return false;
    }
    if (l->obs_claim != NULL) {
        /* our own claim left by a failed install: nobody installed g+1 */
        return strcmp(l->obs_claim + strlen(l->obs_claim) - DIR_INSTANCE_HEX, s->instance) == 0;
    }
    return l->obs_rec.parsed && l->obs_rec.held && strcmp(l->obs_rec.instance, s->instance) == 0;
}

static bool head_expired(const struct dir_store *s, const struct dir_lock *l, int64_t now)
{
    return l->obs_valid && !dir_head_free(l) && now - l->seen_at > s->lock_timeout_ms;
}

/* Step 2 of an advance: the prepared record becomes generation g+1 under
 * its final name, which only one process can create (link fails if the
 * name exists). */
static int install_record(struct kv_faults *f, const char *tmp, const char *next, const char *rec)
{
    struct stat st;
    int e;

    if (dir_link_excl(f, tmp, next) == 0) {
        return 0;
    }
    e = errno;
    if (stat(tmp, &st) == 0 && st.st_nlink >= 2) {
        return 0; /* an NFS retransmission hid our success */
    }
    if (e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS) {
        /* a file system without hard links: create it in place */
        return dir_create_excl(f, next, rec, strlen(rec));
    }
    errno = e;
    return -1;
}

/* Step 1 of an advance: rename the head to our claim name (the server
 * decides which rename wins). The tests may pause before it or make a
 * rename that worked report ENOENT. */
static int claim_head(struct kv_faults *f, const char *from, const char *claim)
{
    if (f != NULL && f->claim_delay_ms > 0) {
        kv_sleep_ms(f->claim_delay_ms);
    }
    if (rename(from, claim) != 0) {
        return -1;
    }
    if (f != NULL && f->claim_enoent > 0) {
        f->claim_enoent--;
        errno = ENOENT;
        return -1;
    }
    return 0;
}

/* Advance generation g to g+1. The new record is written to a temporary
 * file first, so that a full disk or a failing store fails before anything
 * changes: a record that could not be written must never become the head
 * (an empty head would block the lock until it expires). */
int dir_lock_advance(struct dir_store *s, struct dir_lock *l, bool held)
{
    char *ldir = dir_lock_dir(s, l->name), gn[DIR_GEN_DIGITS + 1];
    char *from, *claim, *next, *rec, *tmp;
    uint64_t g = l->obs_g;
    int won = 0, e = 0;

    if (g >= DIR_GEN_MAX) {
        free(ldir);
        errno = EOVERFLOW; /* only a forged head gets here: report it */
        return 0;
    }
    gen_name(gn, g);
    from = xasprintf("%s/%s", ldir, l->obs_claim ? l->obs_claim : gn);
    claim = xasprintf("%s/.claim.%s.%s", ldir, gn, s->instance);
    gen_name(gn, g + 1);
    next = xasprintf("%s/%s", ldir, gn);
    tmp = xasprintf("%s/.rec.%s", ldir, s->instance);
    rec = format_record(s, held);

    unlink(tmp); /* leftovers of an interrupted attempt */
    if (dir_create_excl(s->faults, tmp, rec, strlen(rec)) != 0) {
        e = errno;
        goto out;
    }
    /* 1. claim: only the current head name can be renamed, and only once */
    if (claim_head(s->faults, from, claim) != 0) {
        e = errno;
        /* an NFS retransmission may have hidden our success */
        if (!exists_at(s->faults, ldir, strrchr(claim, '/') + 1)) {
            goto out;
        }
    }
    if (s->faults != NULL && s->faults->install_delay_ms > 0) {
        kv_sleep_ms(s->faults->install_delay_ms);
    }
    /* 2. install: only one process can create g+1 */
    if (install_record(s->faults, tmp, next, rec) != 0) {
        e = errno;
        goto out;
    }
    dir_fsync_dir(s->faults, ldir);
    /* 3. the claim holds the previous record: garbage now */
    unlink(claim);
    won = 1;
    set_own_view(l, g + 1, rec);
out:
    unlink(tmp);
    free(tmp);
    free(rec);
    free(next);
    free(claim);
    free(from);
    free(ldir);
    errno = e;
    return won;
}

int dir_lock_create(struct dir_store *s, struct dir_lock *l)
{
    char *ldir = dir_lock_dir(s, l->name), gn[DIR_GEN_DIGITS + 1];
    char *tmpdir = xasprintf("%s/priv/lock/.new.%s", s->root, s->instance);
    char *first, *rec = format_record(s, true);
    int won = 0, e = 0;

    gen_name(gn, 1);
    first = xasprintf("%s/%s", tmpdir, gn);
    unlink(first); /* leftovers of an earlier attempt */
    rmdir(tmpdir);
    if (mkdir(tmpdir, 0755) != 0 || dir_create_excl(s->faults, first, rec, strlen(rec)) != 0) {
        e = errno;
        goto cleanup;
    }
    /* fails while L exists: it is never empty */
    if (dir_rename_dir_excl(s->faults, tmpdir, ldir) != 0) {
        e = errno;
        goto cleanup;
    }
    {
        char *parent = xasprintf("%s/priv/lock", s->root);
        dir_fsync_dir(s->faults, parent);
        free(parent);
    }
    won = 1;
    set_own_view(l, 1, rec);
    goto out;
cleanup:
    unlink(first);
    rmdir(tmpdir);
out:
    free(first);
    free(rec);
    free(tmpdir);
    free(ldir);
    errno = e;
    return won;
}

void dir_lock_restart_windows(struct dir_store *s, int64_t now)
{
    for (size_t i = 0; i < s->n_locks; i++) {
        s->locks[i].seen_at = now;
    }
}

void dir_store_lock_observe(struct dir_store *s, const char *name)
{
    if (kv_lock_name_ok(name) && dir_root_check(s) == 0) {
        dir_lock_observe(s, dir_lock_find(s, name, true));
    }
}

void dir_store_lock_observe_prefix(struct dir_store *s, const char *prefix)
{
    char *parent = xasprintf("%s/priv/lock", s->root), **names;
    size_t n;

    if (dir_list_abs(parent, false, &names, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (str_starts(names[i], prefix)) {
                dir_store_lock_observe(s, names[i]);
            }
        }
        kv_free_names(names);
    }
    free(parent);
}

static void drop_cache(struct dir_lock *l)
{
    l->held_g = 0;
    l->ok_at = -1;
    l->domain = false;
}

/* After a won advance started at t_s: success within B, else a failure that
 * never feeds the watchdog. */
static int finish_won(struct dir_store *s, struct dir_lock *l, int64_t t_s, bool renew, char **err)
{
    int64_t took = kv_now_ms() - t_s;

    l->held_g = l->obs_g;
    if (took > s->renew_budget_ms) {
        if (renew) {
            kv_err(err, "cfs lock update failed - renewal took %lld ms", (long long)took);
        } else {
            kv_err(err, "can't get cfs lock - acquisition took %lld ms", (long long)took);
        }
        return -1;
    }
    l->ok_at = t_s;
    return 0;
}

static int renew(struct dir_store *s, struct dir_lock *l, char **err)
{
    int64_t t_s = kv_now_ms();
    int e;

    /* renew exactly our head, whatever the last observation said */
    l->obs_valid = true;
    l->obs_g = l->held_g;
    free(l->obs_claim);
    l->obs_claim = NULL;
    if (!dir_lock_advance(s, l, true)) {
        e = errno;
        l->obs_valid = false;
        drop_cache(l);
        if (e == ENOENT || e == EEXIST || e == 0) {
            kv_err(err, "cfs lock update failed - lock taken over");
        } else {
            kv_err(err, "cfs lock update failed - %s", strerror(e));
        }
        return -1;
    }
    return finish_won(s, l, t_s, true, err);
}

static int acquire(struct dir_store *s, struct dir_lock *l, char **err)
{
    int64_t t_s = kv_now_ms();
    int r = dir_lock_observe(s, l);

    if (r == 0) {
        if (dir_lock_create(s, l)) {
            return finish_won(s, l, t_s, false, err);
        }
        if (errno != EEXIST) {
            kv_err(err, "can't get cfs lock - %s", strerror(errno));
            return -1;
        }
    } else if (r > 0) {
        if (dir_head_free(l) || dir_head_ours(s, l) || head_expired(s, l, t_s)) {
            if (dir_lock_advance(s, l, true)) {
                return finish_won(s, l, t_s, false, err);
            }
            if (errno != ENOENT && errno != EEXIST && errno != 0) {
                kv_err(err, "can't get cfs lock - %s", strerror(errno));
                return -1;
            }
        }
    }
    kv_err(err, "can't get cfs lock");
    return -1;
}

int dir_store_lock_get(struct dir_store *s, const char *name, char **err)
{
    struct dir_lock *l;
    int r;

    if (!kv_lock_name_ok(name)) {
        kv_err(err, "invalid lock name '%s'", name ? name : "");
        return -1;
    }
    if (dir_root_check(s) != 0) {
        kv_err(err, "can't get cfs lock - %s", dir_strerror(errno));
        return -1;
    }
    l = dir_lock_find(s, name, true);
    if (l->held_g != 0 && l->ok_at >= 0 && kv_now_ms() - l->ok_at < s->lock_timeout_ms) {
        return renew(s, l, err); /* no acquisition is tried */
    }
    r = acquire(s, l, err);
    if (r != 0) {
        drop_cache(l); /* also after a slow acquisition: not held */
    }
    return r;
}

bool dir_store_lock_release(struct dir_store *s, const char *name)
{
    struct dir_lock *l;

    if (!kv_lock_name_ok(name) || (l = dir_lock_find(s, name, false)) == NULL) {
        return false;
    }
    drop_cache(l);
    if (dir_root_check(s) != 0 || dir_lock_observe(s, l) <= 0 || l->obs_claim != NULL ||
        !dir_head_ours(s, l)) {
        return false;
    }
    return dir_lock_advance(s, l, false) == 1;
}

uint64_t dir_store_lock_generation(struct dir_store *s, const char *name)
{
    struct dir_lock *l = dir_lock_find(s, name, false);

    return l ? l->held_g : 0;
}

int64_t dir_store_lock_renewed_at(struct dir_store *s, const char *name)
{
    struct dir_lock *l = dir_lock_find(s, name, false);

    return (l && l->held_g != 0) ? l->ok_at : -1;
}

/* The guard proves we still hold the lock by an operation the server
 * decides, not by stat() (a client's cached attributes may still show a
 * head another node has claimed): it advances our own head, which only
 * works while that head is still there under its name. The renewal time
 * (ok_at) is left as it was. */
int dir_guard(struct dir_store *s, const char *lock, const char *what, char **err)
{
    struct dir_lock *l = dir_lock_find(s, lock, false);
    bool ok = false;

    if (l != NULL && l->held_g != 0 && l->domain &&
        kv_now_ms() - l->domain_at > DIR_DOMAIN_MAX_MS) {
        kv_err(err, "'%s'-locked command timed out - aborting", lock);
        return -1;
    }
    if (l != NULL && l->held_g != 0) {
        l->obs_valid = true;
        l->obs_g = l->held_g;
        free(l->obs_claim);
        l->obs_claim = NULL;
        ok = dir_lock_advance(s, l, true) == 1;
        if (ok) {
            l->held_g = l->obs_g;
        } else {
            l->obs_valid = false;
            drop_cache(l);
        }
    }
    if (ok) {
        return 0;
    }
    if (strcmp(lock, "ha_manager_lock") == 0) {
        if (strcmp(what, "ha/manager_status") == 0) {
            kv_err(err, "lost manager lock - not writing manager status");
        } else if (strcmp(what, "crm commands") == 0) {
            kv_err(err, "lost manager lock - not reading crm commands");
        } else {
            kv_err(err, "lost manager lock - not writing '%s'", what);
        }
    } else {
        kv_err(err, "lost lock '%s' - not writing '%s'", lock, what);
    }
    return -1;
}
