/* model.c - constructors, lookups and destructors for the structs of model.h.
 *
 * Every keyed collection is an array sorted byte-wise by a key that is the
 * first member of its element struct (sid, node or uid), so one binary search
 * serves all of them. Inserting shifts the tail; callers that build large
 * arrays in key order (the codecs) only ever append. Arrays may also be
 * built by hand with malloc: the capacity is taken from the allocator. */
#include "state/model.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "state/str.h"

/* Index of the first element whose key (its first member, a string) is >=
 * key; *found tells equality. */
static size_t lower_bound(const void *base, size_t n, size_t size, const char *key, bool *found)
{
    return sorted_pos(base, n, size, 0, key, found);
}

static void *sorted_find(void *base, size_t n, size_t size, const char *key)
{
    bool found;
    size_t i;

    if (base == NULL || key == NULL) {
        return NULL;
    }
    i = lower_bound(base, n, size, key, &found);
    return found ? (char *)base + i * size : NULL;
}

/* Make room for want elements. There is no capacity member, so ask the
 * allocator (glibc and musl both have malloc_usable_size) and grow
 * geometrically: one realloc per insert made 20,000 inserts take seconds. */
static void array_reserve(void **base, size_t want, size_t size)
{
    size_t have = *base ? malloc_usable_size(*base) / size : 0;

    if (have < want) {
        *base = xrealloc(*base, (want < 8 ? 8 : want * 2) * size);
    }
}

/* Insert a zeroed element with a copy of key (or return the existing one).
 * *base is reallocated; *created tells which case happened. */
static void *sorted_insert(void **base, size_t *n, size_t size, const char *key, bool *created)
{
    bool found;
    size_t i = lower_bound(*base, *n, size, key, &found);
    char *p;

    *created = !found;
    if (found) {
        return (char *)*base + i * size;
    }
    array_reserve(base, *n + 1, size);
    p = (char *)*base + i * size;
    memmove(p + size, p, (*n - i) * size);
    memset(p, 0, size);
    *(char **)(void *)p = xstrdup(key);
    (*n)++;
    return p;
}

/* Remove element i (whose members the caller already freed). */
static void sorted_remove(void *base, size_t *n, size_t size, size_t i)
{
    char *p = (char *)base + i * size;

    memmove(p, p + size, (*n - i - 1) * size);
    (*n)--;
}

void strlist_add(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = xstrdup(s ? s : "");
}

bool strlist_has(const struct strlist *l, const char *s)
{
    for (size_t i = 0; s != NULL && i < l->n; i++) {
        if (strcmp(l->v[i], s) == 0) {
            return true;
        }
    }
    return false;
}

void strlist_sort(struct strlist *l)
{
    if (l->n > 1) {
        qsort(l->v, l->n, sizeof(*l->v), str_cmp_ptr);
    }
}

void strlist_clear(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* dst is overwritten, not freed first (like memcpy). */
void strlist_copy(struct strlist *dst, const struct strlist *src)
{
    struct strlist out = {0};

    for (size_t i = 0; i < src->n; i++) {
        strlist_add(&out, src->v[i]);
    }
    *dst = out;
}

char *strlist_join(const struct strlist *l, const char *sep)
{
    struct strbuf sb = {0};

    for (size_t i = 0; i < l->n; i++) {
        if (i > 0) {
            strbuf_add(&sb, sep ? sep : ", ");
        }
        strbuf_add(&sb, l->v[i]);
    }
    return strbuf_take(&sb);
}

void sd_free_members(struct sd *sd)
{
    if (sd == NULL) {
        return;
    }
    free(sd->sid);
    free(sd->node);
    free(sd->uid);
    free(sd->target);
    free(sd->timeout);
    strlist_clear(&sd->failed_nodes);
    free(sd->maintenance_node);
    free(sd->cmd_text);
    free(sd->cmd_arg);
    memset(sd, 0, sizeof(*sd));
}

/* dst is overwritten, not freed first (like memcpy). */
void sd_copy(struct sd *dst, const struct sd *src)
{
    struct sd out = *src;

    if (dst == src) {
        return;
    }
    out.sid = xstrdup(src->sid);
    out.node = xstrdup(src->node);
    out.uid = xstrdup(src->uid);
    out.target = xstrdup(src->target);
    out.timeout = xstrdup(src->timeout);
    strlist_copy(&out.failed_nodes, &src->failed_nodes);
    out.maintenance_node = xstrdup(src->maintenance_node);
    out.cmd_text = xstrdup(src->cmd_text);
    out.cmd_arg = xstrdup(src->cmd_arg);
    *dst = out;
}

const char *sd_cmd_word(const struct sd *sd)
{
    return sd->cmd == CMD_OTHER ? sd->cmd_text : crm_cmd_name(sd->cmd);
}

void sd_set_cmd(struct sd *sd, enum crm_cmd cmd, const char *arg)
{
    char *copy = cmd != CMD_NONE ? xstrdup(arg) : NULL; /* arg may be sd's own */

    free(sd->cmd_text);
    free(sd->cmd_arg);
    sd->cmd = cmd;
    sd->cmd_text = NULL;
    sd->cmd_arg = copy;
}

void ms_free(struct manager_status *ms)
{
    if (ms == NULL) {
        return;
    }
    free(ms->master_node);
    for (size_t i = 0; i < ms->n_nodes; i++) {
        free(ms->nodes[i].node);
    }
    free(ms->nodes);
    for (size_t i = 0; i < ms->n_svcs; i++) {
        sd_free_members(&ms->svcs[i]);
    }
    free(ms->svcs);
    for (size_t i = 0; i < ms->n_reqs; i++) {
        free(ms->reqs[i].node);
    }
    free(ms->reqs);
    free(ms->disarm_mode);
    free(ms->disarm_state);
    memset(ms, 0, sizeof(*ms));
}

struct sd *ms_find_sd(const struct manager_status *ms, const char *sid)
{
    return sorted_find(ms->svcs, ms->n_svcs, sizeof(*ms->svcs), sid);
}

struct sd *ms_add_sd(struct manager_status *ms, const char *sid)
{
    bool created;
    struct sd *sd =
        sorted_insert((void **)&ms->svcs, &ms->n_svcs, sizeof(*ms->svcs), sid, &created);

    if (!created) { /* replace: the caller asked for a fresh entry */
        sd_free_members(sd);
        sd->sid = xstrdup(sid);
    }
    return sd;
}

size_t ms_active_service_count(const struct manager_status *ms, const char *node)
{
    size_t count = 0;

    for (size_t i = 0; i < ms->n_svcs; i++) {
        const struct sd *sd = &ms->svcs[i];
        if (!str_eq(sd->node, node) && !str_eq(sd->target, node)) {
            continue;
        }
        if (sd->state == SS_NONE || sd->state == SS_STOPPED || sd->state == SS_FREEZE ||
            sd->state == SS_ERROR || sd->state == SS_REQUEST_START) {
            continue;
        }
        count++;
    }
    return count;
}

void ms_del_sd(struct manager_status *ms, const char *sid)
{
    struct sd *sd = ms_find_sd(ms, sid);

    if (sd != NULL) {
        sd_free_members(sd);
        sorted_remove(ms->svcs, &ms->n_svcs, sizeof(*ms->svcs), (size_t)(sd - ms->svcs));
    }
}

struct node_entry *ms_find_node(const struct manager_status *ms, const char *node)
{
    return sorted_find(ms->nodes, ms->n_nodes, sizeof(*ms->nodes), node);
}

struct node_entry *ms_set_node(struct manager_status *ms, const char *node, enum node_state st)
{
    bool created;
    struct node_entry *e =
        sorted_insert((void **)&ms->nodes, &ms->n_nodes, sizeof(*ms->nodes), node, &created);

    e->state = st;
    return e;
}

void ms_del_node(struct manager_status *ms, const char *node)
{
    struct node_entry *e = ms_find_node(ms, node);

    if (e != NULL) {
        free(e->node);
        sorted_remove(ms->nodes, &ms->n_nodes, sizeof(*ms->nodes), (size_t)(e - ms->nodes));
    }
}

struct node_request *ms_find_req(const struct manager_status *ms, const char *node)
{
    return sorted_find(ms->reqs, ms->n_reqs, sizeof(*ms->reqs), node);
}

struct node_request *ms_get_req(struct manager_status *ms, const char *node)
{
    bool created;

    ms->has_node_request = true;
    return sorted_insert((void **)&ms->reqs, &ms->n_reqs, sizeof(*ms->reqs), node, &created);
}

void lrm_status_free(struct lrm_status *ls)
{
    if (ls == NULL) {
        return;
    }
    free(ls->state);
    free(ls->mode);
    for (size_t i = 0; i < ls->n_results; i++) {
        free(ls->results[i].uid);
        free(ls->results[i].sid);
        free(ls->results[i].state);
    }
    free(ls->results);
    memset(ls, 0, sizeof(*ls));
}

const struct lrm_result *lrm_status_find(const struct lrm_status *ls, const char *uid)
{
    return sorted_find(ls->results, ls->n_results, sizeof(*ls->results), uid);
}

void svc_conf_free_members(struct svc_conf *c)
{
    free(c->sid);
    free(c->type);
    free(c->name);
    free(c->node);
    free(c->state_text);
    free(c->group);
    free(c->comment);
    free(c->lock);
}

void svc_config_free(struct svc_config *sc)
{
    if (sc == NULL) {
        return;
    }
    for (size_t i = 0; i < sc->n && !pool_used(&sc->pool); i++) {
        svc_conf_free_members(&sc->v[i]);
    }
    free(sc->v);
    pool_free(&sc->pool);
    memset(sc, 0, sizeof(*sc));
}

void svc_conf_set(struct svc_config *sc, char **field, const char *value)
{
    if (pool_used(&sc->pool)) {
        *field = pool_strdup(&sc->pool, value); /* the old string stays in the pool */
    } else {
        free(*field);
        *field = xstrdup(value);
    }
}

const char *svc_conf_state(const struct svc_conf *c)
{
    return c->state == REQ_OTHER ? c->state_text : req_state_name(c->state);
}

void svc_conf_set_state(struct svc_config *sc, struct svc_conf *c, const char *word)
{
    if (word != NULL && word == c->state_text) {
        return; /* already so; svc_conf_set() would free it first */
    }
    c->state = req_state_parse(word);
    svc_conf_set(sc, &c->state_text, c->state == REQ_OTHER ? word : NULL);
}

struct svc_conf *svc_config_find(const struct svc_config *sc, const char *sid)
{
    return sorted_find(sc->v, sc->n, sizeof(*sc->v), sid);
}

struct svc_conf *svc_config_add(struct svc_config *sc, const char *sid)
{
    bool created;
    struct svc_conf *c = sorted_insert((void **)&sc->v, &sc->n, sizeof(*sc->v), sid, &created);

    if (created && !pool_used(&sc->pool)) {
        return c; /* sorted_insert's copy of sid is the entry's */
    }
    if (created) {
        free(c->sid); /* a pooled config keeps its sid in the pool */
    } else if (!pool_used(&sc->pool)) {
        svc_conf_free_members(c); /* replace: the caller asked for a fresh entry */
    }
    memset(c, 0, sizeof(*c));
    svc_conf_set(sc, &c->sid, sid);
    return c;
}

static void svc_conf_copy(struct pool *pool, struct svc_conf *dst, const struct svc_conf *src)
{
    *dst = *src;
    dst->sid = pool_strdup(pool, src->sid);
    dst->type = pool_strdup(pool, src->type);
    dst->name = pool_strdup(pool, src->name);
    dst->node = pool_strdup(pool, src->node);
    dst->state_text = pool_strdup(pool, src->state_text);
    dst->group = pool_strdup(pool, src->group);
    dst->comment = pool_strdup(pool, src->comment);
    dst->lock = pool_strdup(pool, src->lock);
}

/* dst is overwritten, not freed first (like memcpy). The copy keeps its
 * strings in its pool. */
void svc_config_copy(struct svc_config *dst, const struct svc_config *src)
{
    struct svc_config out = {0};

    if (dst == src) {
        return;
    }
    if (src->n > 0) {
        out.v = xcalloc(src->n, sizeof(*out.v));
    }
    for (size_t i = 0; i < src->n; i++) {
        svc_conf_copy(&out.pool, &out.v[i], &src->v[i]);
    }
    out.n = src->n;
    *dst = out;
}

/* method stays NULL, which consumers read as "bruteforce" (as the header
 * says, strings are NULL when the key is absent); likewise crs_ha NULL means
 * "basic" and shutdown_policy NULL means "conditional". */
void dc_settings_init(struct dc_settings *dc)
{
    memset(dc, 0, sizeof(*dc));
    dc->threshold = 0.3;
    dc->hold_duration = 3;
    dc->margin = 0.1;
}

void dc_settings_free(struct dc_settings *dc)
{
    if (dc == NULL) {
        return;
    }
    free(dc->shutdown_policy);
    free(dc->crs_ha);
    free(dc->method);
    dc_settings_init(dc);
}

void node_info_list_free(struct node_info_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].node);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void svc_stats_list_free(struct svc_stats_list *l)
{
    if (l == NULL) {
        return;
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
    pool_free(&l->pool);
}

/* The requested state read as a service state (started, stopped; SS_NONE
 * for the others), as the usage accounting takes it. */
static enum svc_state stats_state(const struct svc_conf *c)
{
    switch (c->state) {
    case REQ_STARTED:
        return SS_STARTED;
    case REQ_STOPPED:
        return SS_STOPPED;
    case REQ_OTHER:
        return svc_state_parse(c->state_text);
    default:
        return SS_NONE;
    }
}

void svc_stats_from_config(const struct svc_config *sc, struct svc_stats_list *out)
{
    memset(out, 0, sizeof(*out));
    out->v = xcalloc(sc->n ? sc->n : 1, sizeof(*out->v));
    for (size_t i = 0; i < sc->n; i++) {
        const struct svc_conf *c = &sc->v[i];
        struct svc_stats *st = &out->v[out->n];
        if (c->node == NULL) {
            continue;
        }
        st->sid = pool_strdup(&out->pool, c->sid);
        st->node = pool_strdup(&out->pool, c->node);
        st->state = stats_state(c);
        st->running = c->state == REQ_STARTED;
        st->has_usage = true;
        out->n++;
    }
}

void node_stats_list_free(struct node_stats_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].node);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
