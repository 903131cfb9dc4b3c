/* cli_lenient.c - resources.cfg read for display (status, config, rules
 * list|config): like upstream's SectionConfig parse_config, a bad section
 * is reported with a warning on stderr and left out, the rest is shown.
 * During an incident the operator needs status most. Upstream drops only
 * the bad line and keeps the section; haven skips the whole section, since
 * a dropped `state` line would silently read as `started`. The commands
 * that change anything keep the strict reader (cli_load_resources). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/cli/cli.h"
#include "state/codec.h"
#include "state/scan.h"
#include "state/str.h"

/* "type:name" of the first header line of a chunk, or NULL. */
static char *chunk_sid(const char *chunk)
{
    for (const char *line = chunk; *line != '\0'; line += strcspn(line, "\n") + 1) {
        size_t len = strcspn(line, "\n");
        const char *colon = memchr(line, ':', len);
        if (len == 0 || line[0] == '#' || strchr(" \t\r\f\v", line[0]) != NULL) {
            if (line[len] == '\0') {
                break;
            }
            continue;
        }
        if (colon == NULL || colon == line) {
            return NULL;
        }
        const char *name = colon + 1 + strspn(colon + 1, " \t");
        size_t n = (size_t)(line + len - name);
        while (n > 0 && strchr(" \t\r\f\v", name[n - 1]) != NULL) {
            n--;
        }
        if (n == 0 || memchr(name, ' ', n) != NULL || memchr(name, '\t', n) != NULL) {
            return NULL;
        }
        char *sid = xasprintf("%.*s:%.*s", (int)(colon - line), line, (int)n, name);
        for (char *p = sid; *p != ':'; p++) {
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        }
        return sid;
    }
    return NULL;
}

/* The codec's "line K: problem" as the file's line number and the problem. */
static void warn_chunk(const char *chunk, size_t first_line, const char *err)
{
    long long k = 1;
    const char *problem = err ? err : "unable to parse section", *p = err;
    char *sid = chunk_sid(chunk);

    if (p != NULL && scan_lit(&p, "line ") && scan_ll(&p, 1, LLONG_MAX / 2, &k) &&
        scan_lit(&p, ": ")) {
        problem = p;
    }
    size_t line = first_line + (size_t)k - 1;
    if (sid != NULL) {
        cli_fail(0, "file ha/resources.cfg line %zu (skip section '%s'): %s", line, sid, problem);
    } else {
        cli_fail(0, "file ha/resources.cfg line %zu (skip): %s", line, problem);
    }
    free(sid);
}

/* A section and its place in the file: the first of two with one id wins. */
struct placed {
    struct svc_conf conf;
    size_t pos;
};

static int cmp_placed(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    int d = strcmp(x->conf.sid, y->conf.sid);

    return d != 0 ? d : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Parse one chunk (the lines up to a section end) and move its section to
 * the end of out; warns and skips it when it does not parse. */
static void take_chunk(const char *chunk, size_t first_line, struct svc_config *out, size_t *cap)
{
    struct svc_config one = {0};
    char *err = NULL;

    if (svc_config_from_cfg(chunk, &one, &err) < 0) {
        warn_chunk(chunk, first_line, err);
        free(err);
        return;
    }
    for (size_t i = 0; i < one.n; i++) {
        if (out->n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            out->v = xrealloc(out->v, *cap * sizeof(*out->v));
        }
        out->v[out->n++] = one.v[i];
    }
    free(one.v); /* the entries moved to out */
}

/* Sort by sid; a section whose id came before is left out (the strict
 * reader's "duplicate section"). */
static void sort_unique(struct svc_config *sc)
{
    struct placed *p = xcalloc(sc->n + 1, sizeof(*p));
    size_t w = 0;

    for (size_t i = 0; i < sc->n; i++) {
        p[i].conf = sc->v[i];
        p[i].pos = i;
    }
    qsort(p, sc->n, sizeof(*p), cmp_placed);
    for (size_t i = 0; i < sc->n; i++) {
        if (w > 0 && strcmp(sc->v[w - 1].sid, p[i].conf.sid) == 0) {
            cli_fail(
                0, "file ha/resources.cfg (skip section '%s'): duplicate section", p[i].conf.sid
            );
            svc_conf_free_members(&p[i].conf);
            continue;
        }
        sc->v[w++] = p[i].conf;
    }
    sc->n = w;
    free(p);
}

/* A section ends at an empty line or a line "0" (the strict reader's rule):
 * each chunk is parsed on its own, in one pass over the text. */
void cli_resources_lenient(const char *text, struct svc_config *sc)
{
    const char *s = text ? text : "", *start = s;
    size_t lineno = 1, first = 1, cap = 0;

    memset(sc, 0, sizeof(*sc));
    if (svc_config_from_cfg(s, sc, NULL) == 0) {
        return;
    }
    while (*s != '\0') {
        size_t len = strcspn(s, "\n");
        bool end = len == 0 || (len == 1 && s[0] == '0');
        s += len + (s[len] == '\n');
        if (end || *s == '\0') {
            char *chunk = xstrndup(start, (size_t)(s - start));
            take_chunk(chunk, first, sc, &cap);
            free(chunk);
            start = s;
            first = lineno + 1;
        }
        lineno++;
    }
    sort_unique(sc);
}
