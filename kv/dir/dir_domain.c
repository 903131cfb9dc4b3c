/* dir_domain.c - the config lock "domain-ha": the lock folder and
 * generations of the lease locks, but nobody watches it continuously, so a
 * held head counts as dead by its wall clock (older than 120 s) or, on the
 * local node, by its pid being gone. */
#include "kv/dir/dir_int.h"
#include "state/str.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool head_dead(const struct dir_store *s, const struct dir_lock *l)
{
    int64_t wall = dir_wall_s();

    if (!l->obs_rec.parsed) {
        /* a claim or an unreadable record: judge the entry's own age */
        return wall - l->obs_ctime > DIR_DOMAIN_EXPIRE_S;
    }
    if (wall - l->obs_rec.wall > DIR_DOMAIN_EXPIRE_S) {
        return true;
    }
    return strcmp(l->obs_rec.node, s->node) == 0 && l->obs_rec.pid > 0 &&
           kill((pid_t)l->obs_rec.pid, 0) != 0 && errno == ESRCH;
}

/* One attempt: 1 taken, 0 busy, -1 error (errno). */
static int try_take(struct dir_store *s, struct dir_lock *l)
{
    int r;

    if (dir_root_check(s) != 0) {
        return -1;
    }
    r = dir_lock_observe(s, l);

    if (r == 0) {
        if (dir_lock_create(s, l)) {
            return 1;
        }
        return errno == EEXIST ? 0 : -1;
    }
    if (r < 0) {
        return 0; /* no view this time: retry */
    }
    if (dir_head_free(l) || dir_head_ours(s, l) || head_dead(s, l)) {
        if (dir_lock_advance(s, l, true)) {
            return 1;
        }
        /* a lost race is "busy"; a full disk or a failing store is an error */
        return errno == ENOENT || errno == EEXIST ? 0 : -1;
    }
    return 0;
}

struct take_ctx {
    struct dir_store *s;
    struct dir_lock *l;
};

/* try_take for kv_domain_wait: the error's text instead of errno. */
static int try_take_why(void *ctx, char **why)
{
    struct take_ctx *c = ctx;
    int r = try_take(c->s, c->l);

    if (r < 0) {
        *why = xstrdup(dir_strerror(errno));
    }
    return r;
}

int dir_store_domain_lock(struct dir_store *s, const char *name, int64_t timeout_ms, char **err)
{
    struct take_ctx c = {s, NULL};
    struct kv_domain_wait w = {try_take_why, &c, s->notice, s->notice_arg, &s->rng};

    if (kv_lock_name_ok(name)) {
        c.l = dir_lock_find(s, name, true);
    }
    if (kv_domain_wait(name, timeout_ms, &w, err) != 0) {
        return -1;
    }
    c.l->held_g = c.l->obs_g;
    c.l->ok_at = kv_now_ms();
    c.l->domain = true;
    c.l->domain_at = c.l->ok_at;
    return 0;
}

void dir_store_domain_unlock(struct dir_store *s, const char *name)
{
    struct dir_lock *l = dir_lock_find(s, name, false);

    if (l == NULL || l->held_g == 0) {
        return;
    }
    l->held_g = 0;
    l->ok_at = -1;
    l->domain = false;
    if (dir_root_check(s) == 0 && dir_lock_observe(s, l) > 0 && l->obs_claim == NULL &&
        dir_head_ours(s, l)) {
        dir_lock_advance(s, l, false);
    }
}
