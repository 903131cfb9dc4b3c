/* codec_fast.c - a tree-free reader for the LRM status in its canonical form.
 *
 * The master reads every LRM's status each round: with 10,000 services the
 * cJSON tree (a dozen allocations per job result, then freeing them) cost more
 * than all the decisions of the round. This reader scans the text once and
 * fills struct lrm_status directly, but only for the shape our own writers
 * produce: plain strings without escapes, integer numbers, known keys once
 * each, results sorted by uid. Anything else returns "not canonical" and the
 * caller uses the general cJSON reader, so the results and the errors for
 * every other input stay exactly those of lrm_status_from_json(). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/codec_json.h"
#include "state/model.h"
#include "state/str.h"

struct scan {
    const char *p;
};

static void ws(struct scan *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r') {
        s->p++;
    }
}

static bool eat(struct scan *s, char c)
{
    ws(s);
    if (*s->p != c) {
        return false;
    }
    s->p++;
    return true;
}

/* A string without escapes or control characters: its start and length. */
static bool plain_string(struct scan *s, const char **start, size_t *len)
{
    const char *q;

    if (!eat(s, '"')) {
        return false;
    }
    for (q = s->p; !json_special[(unsigned char)*q]; q++) {
    }
    if (*q != '"') {
        return false; /* an escape, a control byte or the end of the text */
    }
    *start = s->p;
    *len = (size_t)(q - s->p);
    s->p = q + 1;
    return true;
}

static bool key_is(struct str_view k, const char *want)
{
    return strlen(want) == k.n && memcmp(k.p, want, k.n) == 0;
}

/* The field a string member with key k goes to: the one named a or b, if
 * it is not set yet (each key at most once); NULL otherwise. */
static struct str_view *string_field(
    struct str_view k, const char *a, struct str_view *fa, const char *b, struct str_view *fb
)
{
    struct str_view *f = key_is(k, a) ? fa : key_is(k, b) ? fb : NULL;

    return f != NULL && f->p == NULL ? f : NULL;
}

/* An integer literal in [min, max]; "null" gives *is_null. */
static bool integer(struct scan *s, long long min, long long max, long long *out, bool *is_null)
{
    char *end;
    long long v;

    ws(s);
    *is_null = false;
    if (strncmp(s->p, "null", 4) == 0) {
        s->p += 4;
        *is_null = true;
        return true;
    }
    if (*s->p != '-' && (*s->p < '0' || *s->p > '9')) {
        return false;
    }
    errno = 0;
    v = strtoll(s->p, &end, 10);
    if (errno != 0 || end == s->p || *end == '.' || *end == 'e' || *end == 'E' || v < min ||
        v > max) {
        return false;
    }
    s->p = end;
    *out = v;
    return true;
}

static bool view_of(struct scan *s, struct str_view *v)
{
    return plain_string(s, &v->p, &v->n);
}

static int view_cmp(const struct str_view *a, const struct str_view *b)
{
    int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

    return c != 0 ? c : (a->n > b->n) - (a->n < b->n);
}

/* One "uid":{"exit_code":N,"sid":"...","state":"..."} member, keys in any
 * order, each at most once. */
static bool result(struct scan *s, struct lrm_result_view *r)
{
    struct str_view k, *field;
    bool seen_ec = false, is_null;
    long long ec;

    if (!view_of(s, &r->uid) || !eat(s, ':') || !eat(s, '{')) {
        return false;
    }
    if (eat(s, '}')) {
        return true;
    }
    do {
        if (!view_of(s, &k) || !eat(s, ':')) {
            return false;
        }
        if (key_is(k, "exit_code") && !seen_ec) {
            if (!integer(s, INT32_MIN, INT32_MAX, &ec, &is_null)) {
                return false;
            }
            seen_ec = true;
            r->exit_code = is_null ? 0 : (int)ec;
        } else if ((field = string_field(k, "sid", &r->sid, "state", &r->state)) != NULL) {
            if (!view_of(s, field)) {
                return false;
            }
        } else {
            return false;
        }
    } while (eat(s, ','));
    return eat(s, '}');
}

static bool results(struct scan *s, struct lrm_status_view *ls)
{
    size_t cap = 0;

    if (!eat(s, '{')) {
        return false;
    }
    if (eat(s, '}')) {
        return true;
    }
    do {
        if (ls->n_results == cap) {
            cap = cap ? cap * 2 : 16;
            ls->results = xrealloc(ls->results, cap * sizeof(*ls->results));
        }
        struct lrm_result_view *r = &ls->results[ls->n_results];
        memset(r, 0, sizeof(*r));
        ls->n_results++;
        if (!result(s, r) ||
            (ls->n_results > 1 && view_cmp(&ls->results[ls->n_results - 2].uid, &r->uid) >= 0)) {
            return false; /* unsorted or duplicate uids: the general reader sorts */
        }
    } while (eat(s, ','));
    return eat(s, '}');
}

/* Nothing but white space after the document, as cJSON requires. */
static bool at_end(struct scan *s)
{
    ws(s);
    return *s->p == '\0';
}

static bool status(struct scan *s, struct lrm_status_view *ls)
{
    bool seen_ts = false, seen_res = false, is_null;
    struct str_view k, *field;
    long long ts;

    if (!eat(s, '{')) {
        return false;
    }
    if (eat(s, '}')) {
        return at_end(s);
    }
    do {
        if (!view_of(s, &k) || !eat(s, ':')) {
            return false;
        }
        if ((field = string_field(k, "state", &ls->state, "mode", &ls->mode)) != NULL) {
            if (!view_of(s, field)) {
                return false;
            }
        } else if (key_is(k, "timestamp") && !seen_ts) {
            /* beyond 2^53 cJSON's double would round: leave those to it */
            if (!integer(s, -(1LL << 53), 1LL << 53, &ts, &is_null)) {
                return false;
            }
            seen_ts = true;
            ls->timestamp = is_null ? 0 : ts;
        } else if (key_is(k, "results") && !seen_res) {
            seen_res = true;
            if (!results(s, ls)) {
                return false;
            }
        } else {
            return false;
        }
    } while (eat(s, ','));
    return eat(s, '}') && at_end(s);
}

int lrm_status_view_scan(const char *json, struct lrm_status_view *out)
{
    struct scan s = {json};

    memset(out, 0, sizeof(*out));
    if (json == NULL || status(&s, out)) {
        return 0;
    }
    lrm_status_view_free(out);
    return 1;
}

void lrm_status_view_free(struct lrm_status_view *v)
{
    free(v->results);
    memset(v, 0, sizeof(*v));
}

static char *dup_view(const struct str_view *v)
{
    return v->p != NULL ? xstrndup(v->p, v->n) : NULL;
}

int lrm_status_from_json_fast(const char *json, struct lrm_status *out)
{
    struct lrm_status_view v;

    memset(out, 0, sizeof(*out));
    if (lrm_status_view_scan(json, &v) != 0) {
        return 1;
    }
    out->state = dup_view(&v.state);
    out->mode = dup_view(&v.mode);
    out->timestamp = v.timestamp;
    if (v.n_results > 0) {
        out->results = xcalloc(v.n_results, sizeof(*out->results));
    }
    for (size_t i = 0; i < v.n_results; i++) {
        out->results[i].uid = dup_view(&v.results[i].uid);
        out->results[i].sid = dup_view(&v.results[i].sid);
        out->results[i].state = dup_view(&v.results[i].state);
        out->results[i].exit_code = v.results[i].exit_code;
    }
    out->n_results = v.n_results;
    lrm_status_view_free(&v);
    return 0;
}
