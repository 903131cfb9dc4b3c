/* codec_cfg.c - resources.cfg (section config)
 * <-> struct svc_config.
 *
 * The reader is haven's strict one: where upstream warns
 * and skips (so a mistyped `state` line silently means `started`), any line
 * that is not a comment, blank, valid header or property, a bad sid, a
 * duplicate section or key, an unknown key or a bad value fails the whole
 * parse with "line <n>: <problem>". The caller prefixes "unable to parse
 * ha/resources.cfg: ". Like upstream, a section ends only at an empty line
 * or a line "0" (a falsy test in Perl); whitespace-only lines are skipped,
 * and a header inside a section is an error (upstream silently ignores it).
 *
 * The writer writes the keys the parser saw (svc_conf.keys, so an explicit
 * "max_restart 1" survives a rewrite) and every value that differs from its
 * default (state started, failback 1, max_restart 1, max_relocate 1):
 * reading the output back gives the same struct. Sections come out sorted by
 * sid. node is not part of this file. */
#include "state/codec.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "state/str.h"

#define CFG_COMMENT_MAX 4096
#define CFG_BLANKS " \t\r\f\v"

/* In the bit order of SVC_KEY_*. */
enum cfg_key { CK_STATE, CK_GROUP, CK_FAILBACK, CK_MAX_RESTART, CK_MAX_RELOCATE, CK_COMMENT };

static const char *const cfg_keys[] = {
    [CK_STATE] = "state",
    [CK_GROUP] = "group",
    [CK_FAILBACK] = "failback",
    [CK_MAX_RESTART] = "max_restart",
    [CK_MAX_RELOCATE] = "max_relocate",
    [CK_COMMENT] = "comment",
};

struct cfg_parser {
    struct svc_config *sc;
    struct svc_conf *cur; /* the open section, NULL between sections */
    unsigned seen; /* bit per enum cfg_key of the open section */
    size_t lineno;
    char **err;
};

static int cfg_fail(struct cfg_parser *p, const char *problem, const char *what)
{
    if (p->err != NULL) {
        char *e = str_escaped(what); /* the error is printed and logged */
        free(*p->err);
        *p->err = xasprintf("line %zu: %s '%s'", p->lineno, problem, e);
        free(e);
    }
    return -1;
}

static bool all_digits(const char *s)
{
    return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* type: [a-z]+; vm/ct names: a guest id (first digit 1-9, two digits or
 * more); other types: any printable name without blanks (the plugin
 * decides; ha_sid_ok). */
static bool cfg_sid_ok(const char *type, const char *name)
{
    if (*type == '\0' || strspn(type, "abcdefghijklmnopqrstuvwxyz") != strlen(type)) {
        return false;
    }
    if (strcmp(type, "vm") == 0 || strcmp(type, "ct") == 0) {
        return all_digits(name) && name[0] != '0' && strlen(name) >= 2;
    }
    char *sid = xasprintf("%s:%s", type, name);
    bool ok = ha_sid_ok(sid);

    free(sid);
    return ok;
}

static struct svc_conf *cfg_new_section(struct cfg_parser *p, const char *sid)
{
    struct svc_conf *c = svc_config_add(p->sc, sid);
    const char *colon = strchr(sid, ':');

    c->type = xstrndup(sid, (size_t)(colon - sid));
    c->name = xstrdup(colon + 1);
    c->state = REQ_STARTED;
    c->failback = c->max_restart = c->max_relocate = 1;
    return c;
}

static int cfg_section(struct cfg_parser *p, const char *type, const char *name)
{
    char *sid = xasprintf("%s:%s", type, name);
    int rc = 0;

    if (!cfg_sid_ok(type, name)) {
        rc = cfg_fail(p, "invalid resource id", sid);
    } else if (svc_config_find(p->sc, sid) != NULL) {
        rc = cfg_fail(p, "duplicate section", sid);
    } else {
        p->cur = cfg_new_section(p, sid);
        p->seen = 0;
    }
    free(sid);
    return rc;
}

/* ^(\S+):\s*(\S+)\s*$ on a line with trailing blanks already cut: split at
 * the last colon that still leaves a name (Perl's greedy \S+). */
static int cfg_header(struct cfg_parser *p, char *line)
{
    char *sp = line + strcspn(line, CFG_BLANKS);
    char *colon = NULL, *name;

    if (*sp != '\0') { /* "type: name": the first word must end in ':' */
        name = sp + strspn(sp, CFG_BLANKS);
        colon = sp > line && sp[-1] == ':' ? sp - 1 : NULL;
        if (name[strcspn(name, CFG_BLANKS)] != '\0') {
            colon = NULL;
        }
    } else {
        for (char *c = line; c[0] != '\0' && c[1] != '\0'; c++) {
            colon = *c == ':' ? c : colon;
        }
        name = colon ? colon + 1 : NULL;
    }
    if (colon == NULL || colon == line) {
        return cfg_fail(p, "unable to parse line", line);
    }
    *colon = '\0';
    for (char *c = line; *c != '\0'; c++) {
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    }
    return cfg_section(p, line, name);
}

/* PVE's boolean: 1|true|yes|on, 0|false|no|off, any case. */
static int cfg_bool(const char *v)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            return 1;
        }
        if (strcasecmp(v, no[i]) == 0) {
            return 0;
        }
    }
    return -1;
}

/* A count in 0..SVC_TRIES_MAX, or -1. */
static int cfg_tries(const char *v)
{
    int n;

    return str_to_int(v, 0, SVC_TRIES_MAX, &n) == STR_INT_OK ? n : -1;
}

/* PVE config id: ^[A-Za-z][A-Za-z0-9_-]+$ */
static bool cfg_configid_ok(const char *v)
{
    static const char rest[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    bool alpha = (v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z');

    return alpha && v[1] != '\0' && strspn(v + 1, rest) == strlen(v + 1);
}

/* Characters of UTF-8 text: the comment's limit counts characters, as
 * upstream's maxLength does. */
static size_t cfg_chars(const char *v)
{
    size_t n = 0;

    for (; *v != '\0'; v++) {
        n += ((unsigned char)*v & 0xc0) != 0x80;
    }
    return n;
}

/* A known state, "enabled" read as started; REQ_OTHER for anything else. */
static enum req_state cfg_state(const char *v)
{
    return strcmp(v, "enabled") == 0 ? REQ_STARTED : req_state_parse(v);
}

/* Store value v of key k in the open section; false if v is bad. */
static bool cfg_set(struct svc_conf *c, enum cfg_key k, const char *v)
{
    enum req_state st;

    switch (k) {
    case CK_STATE:
        if ((st = cfg_state(v)) == REQ_OTHER) {
            return false;
        }
        c->state = st;
        return true;
    case CK_GROUP:
        c->group = cfg_configid_ok(v) ? xstrdup(v) : NULL;
        return c->group != NULL;
    case CK_FAILBACK:
        c->failback = cfg_bool(v);
        return c->failback >= 0;
    case CK_MAX_RESTART:
        c->max_restart = cfg_tries(v);
        return c->max_restart >= 0;
    case CK_MAX_RELOCATE:
        c->max_relocate = cfg_tries(v);
        return c->max_relocate >= 0;
    case CK_COMMENT:
        c->comment = cfg_chars(v) <= CFG_COMMENT_MAX ? xstrdup(v) : NULL;
        return c->comment != NULL;
    }
    return false;
}

/* ^\s+(\S+)(\s+(.*\S))?\s*$ with trailing blanks already cut. */
static int cfg_property(struct cfg_parser *p, char *line)
{
    char *key = line + strspn(line, CFG_BLANKS);
    char *val = key + strcspn(key, CFG_BLANKS);
    size_t k;

    if (*val != '\0') {
        *val++ = '\0';
        val += strspn(val, CFG_BLANKS);
    } else {
        val = NULL;
    }
    for (k = 0; k < sizeof(cfg_keys) / sizeof(cfg_keys[0]); k++) {
        if (strcmp(key, cfg_keys[k]) == 0) {
            break;
        }
    }
    if (k == sizeof(cfg_keys) / sizeof(cfg_keys[0])) {
        return cfg_fail(p, "unknown property", key);
    }
    if (p->seen & (1u << k)) {
        return cfg_fail(p, "duplicate property", key);
    }
    p->seen |= 1u << k;
    if (val == NULL) {
        return cfg_fail(p, "missing value for property", key);
    }
    if (!cfg_set(p->cur, (enum cfg_key)k, val)) {
        return cfg_fail(p, "bad value for property", key);
    }
    p->cur->keys |= 1u << k;
    return 0;
}

static int cfg_line(struct cfg_parser *p, char *line)
{
    size_t n = strlen(line);
    const char *first = line + strspn(line, CFG_BLANKS);

    if (line[0] == '\0' || strcmp(line, "0") == 0) { /* the end of a section */
        p->cur = NULL;
        return 0;
    }
    if (*first == '#' || *first == '\0') { /* comment or blank */
        return 0;
    }
    while (n > 0 && strchr(CFG_BLANKS, line[n - 1]) != NULL) {
        line[--n] = '\0';
    }
    if (first != line) {
        return p->cur ? cfg_property(p, line) : cfg_fail(p, "property outside a section", first);
    }
    if (p->cur != NULL) {
        return cfg_fail(p, "no empty line before section header", line);
    }
    return cfg_header(p, line);
}

int svc_config_from_cfg(const char *text, struct svc_config *out, char **err)
{
    struct cfg_parser p = {.sc = out, .err = err};
    const char *s = text ? text : "";
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (err != NULL) {
        *err = NULL;
    }
    while (*s != '\0' && rc == 0) {
        size_t len = strcspn(s, "\n");
        char *line = xstrndup(s, len);

        p.lineno++;
        rc = cfg_line(&p, line);
        free(line);
        s += len + (s[len] == '\n');
    }
    if (rc < 0) {
        svc_config_free(out);
    }
    return rc;
}

static void cfg_write_section(struct strbuf *sb, const struct svc_conf *c)
{
    const char *colon = strchr(c->sid, ':');

    strbuf_addn(sb, c->sid, (size_t)(colon - c->sid));
    strbuf_addf(sb, ": %s\n", colon + 1);
    if (c->comment != NULL && c->comment[0] != '\0') {
        strbuf_addf(sb, "\tcomment %s\n", c->comment);
    }
    if (!c->failback || (c->keys & SVC_KEY_FAILBACK)) {
        strbuf_addf(sb, "\tfailback %d\n", c->failback ? 1 : 0);
    }
    if (c->group != NULL) {
        strbuf_addf(sb, "\tgroup %s\n", c->group);
    }
    if (c->max_relocate != 1 || (c->keys & SVC_KEY_MAX_RELOCATE)) {
        strbuf_addf(sb, "\tmax_relocate %d\n", c->max_relocate);
    }
    if (c->max_restart != 1 || (c->keys & SVC_KEY_MAX_RESTART)) {
        strbuf_addf(sb, "\tmax_restart %d\n", c->max_restart);
    }
    if (svc_conf_state(c) != NULL && (c->state != REQ_STARTED || (c->keys & SVC_KEY_STATE))) {
        strbuf_addf(sb, "\tstate %s\n", svc_conf_state(c));
    }
    strbuf_add(sb, "\n");
}

char *svc_config_to_cfg(const struct svc_config *sc)
{
    struct strbuf sb = {0};

    for (size_t i = 0; i < sc->n; i++) {
        if (sc->v[i].sid != NULL && strchr(sc->v[i].sid, ':') != NULL) {
            cfg_write_section(&sb, &sc->v[i]);
        }
    }
    return strbuf_take(&sb);
}
