/* sim_map.c - the small sorted maps of the simulator: string -> int (running
 * flags, fa failure counters) and string -> CRS usage (stats files). */
#include "applets/sim/sim_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Binary search; returns the index of key or where it would go. */
static size_t imap_pos(const struct sim_imap *m, const char *key, bool *found)
{
    return sorted_pos(m->keys, m->n, sizeof(*m->keys), 0, key, found);
}

int *sim_imap_find(const struct sim_imap *m, const char *key)
{
    bool found;
    size_t i = imap_pos(m, key, &found);

    return found ? &m->vals[i] : NULL;
}

int *sim_imap_get(struct sim_imap *m, const char *key)
{
    bool found;
    size_t i = imap_pos(m, key, &found);

    if (found) {
        return &m->vals[i];
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->keys = xrealloc(m->keys, m->cap * sizeof(*m->keys));
        m->vals = xrealloc(m->vals, m->cap * sizeof(*m->vals));
    }
    memmove(&m->keys[i + 1], &m->keys[i], (m->n - i) * sizeof(*m->keys));
    memmove(&m->vals[i + 1], &m->vals[i], (m->n - i) * sizeof(*m->vals));
    m->keys[i] = xstrdup(key);
    m->vals[i] = 0;
    m->n++;
    return &m->vals[i];
}

void sim_imap_del(struct sim_imap *m, const char *key)
{
    bool found;
    size_t i = imap_pos(m, key, &found);

    if (!found) {
        return;
    }
    free(m->keys[i]);
    memmove(&m->keys[i], &m->keys[i + 1], (m->n - i - 1) * sizeof(*m->keys));
    memmove(&m->vals[i], &m->vals[i + 1], (m->n - i - 1) * sizeof(*m->vals));
    m->n--;
}

void sim_imap_clear(struct sim_imap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->keys[i]);
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static size_t usage_pos(const struct sim_usage_map *m, const char *sid, bool *found)
{
    return sorted_pos(m->v, m->n, sizeof(*m->v), offsetof(struct sim_usage, sid), sid, found);
}

struct sim_usage *sim_usage_find(const struct sim_usage_map *m, const char *sid)
{
    bool found;
    size_t i = usage_pos(m, sid, &found);

    return found ? &m->v[i] : NULL;
}

struct sim_usage *sim_usage_get(struct sim_usage_map *m, const char *sid)
{
    bool found;
    size_t i = usage_pos(m, sid, &found);

    if (found) {
        return &m->v[i];
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
    }
    memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(*m->v));
    memset(&m->v[i], 0, sizeof(m->v[i]));
    m->v[i].sid = xstrdup(sid);
    m->n++;
    return &m->v[i];
}

void sim_usage_del(struct sim_usage_map *m, const char *sid)
{
    bool found;
    size_t i = usage_pos(m, sid, &found);

    if (!found) {
        return;
    }
    free(m->v[i].sid);
    memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(*m->v));
    m->n--;
}

void sim_usage_clear(struct sim_usage_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].sid);
    }
    free(m->v);
    memset(m, 0, sizeof(*m));
}
