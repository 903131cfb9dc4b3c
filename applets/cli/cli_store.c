/* cli_store.c - ha-manager's access to the cluster store: open it as a
 * read-only client, read and parse the
 * files with the codecs of state/, the location registry, quorum, the
 * domain-ha lock around config changes and the CRM command spool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/codec.h"
#include "state/sha1.h"
#include "state/str.h"

#define DOMAIN_LOCK "domain-ha"
#define DOMAIN_LOCK_WAIT_MS 10000

int cli_open(struct cli *c)
{
    char *err = NULL;

    if (conf_load(c->conf_path, &c->conf, &err) < 0) {
        cli_fail(EXIT_USAGE, "ha-manager: %s", err ? err : "bad configuration");
        free(err);
        return EXIT_USAGE;
    }
    c->conf_loaded = true;
    struct kv_options o;
    conf_kv_options(&c->conf, NULL, 10, &o); /* the CLI takes no lease: B unused */
    o.read_only = c->read_only;
    if (kv_open(&o, &c->kv, &err) < 0) {
        cli_fail(EXIT_USAGE, "ha-manager: %s", err ? err : "unable to open the store");
        free(err);
        return EXIT_USAGE;
    }
    return 0;
}

void cli_close(struct cli *c)
{
    if (c->kv != NULL) {
        kv_close(c->kv);
        c->kv = NULL;
    }
    if (c->conf_loaded) {
        conf_free(&c->conf);
        c->conf_loaded = false;
    }
}

int cli_read(struct cli *c, const char *path, char **text)
{
    char *err = NULL;
    size_t len;
    int rc = kv_read(c->kv, path, text, &len, &err);

    if (rc < 0) {
        /* the store's error already names the file */
        if (err != NULL) {
            cli_fail(EXIT_FAIL, "%s", err);
        } else {
            cli_fail(EXIT_FAIL, "unable to read file '%s' - store error", path);
        }
        free(err);
        return EXIT_FAIL;
    }
    if (rc == 1) {
        *text = NULL;
    }
    return 0;
}

bool cli_quorate(struct cli *c)
{
    if (!c->probed) {
        char *err = NULL;
        c->quorate = kv_probe(c->kv, &err) == 0 && kv_quorate(c->kv);
        free(err);
        c->probed = true;
    }
    return c->quorate;
}

int cli_need_quorum(struct cli *c)
{
    return cli_quorate(c) ? 0 : cli_fail(EXIT_FAIL, "cluster not ready - no quorum?");
}

int cli_members(struct cli *c, struct strlist *nodes, struct strlist *online)
{
    struct kv_member *m = NULL;
    size_t n = 0;
    char *err = NULL;

    if (kv_members(c->kv, &m, &n, &err) < 0) {
        cli_fail(EXIT_FAIL, "unable to list cluster nodes - %s", err ? err : "store error");
        free(err);
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        strlist_add(nodes, m[i].name);
        if (online != NULL && (m[i].online || strcmp(m[i].name, c->conf.node) == 0)) {
            strlist_add(online, m[i].name);
        }
    }
    if (!strlist_has(nodes, c->conf.node)) {
        strlist_add(nodes, c->conf.node);
        strlist_sort(nodes);
        if (online != NULL) {
            strlist_add(online, c->conf.node);
            strlist_sort(online);
        }
    }
    kv_free_members(m, n);
    return 0;
}

/* The location registry: each member's listing of
 * nodes/<node>/resources, sorted byte-wise by kv_list. A lookup is one
 * binary search per member: no sort, no quadratic work. */
struct registry {
    struct strlist nodes;
    char ***names;
    size_t *counts;
};

static void registry_free(struct registry *r)
{
    for (size_t i = 0; i < r->nodes.n; i++) {
        if (r->names[i] != NULL) {
            kv_free_names(r->names[i]);
        }
    }
    free(r->names);
    free(r->counts);
    strlist_clear(&r->nodes);
}

static int registry_load(struct cli *c, struct registry *r)
{
    int rc = cli_members(c, &r->nodes, NULL);

    r->names = xcalloc(r->nodes.n + 1, sizeof(*r->names));
    r->counts = xcalloc(r->nodes.n + 1, sizeof(*r->counts));
    for (size_t i = 0; i < r->nodes.n && rc == 0; i++) {
        char *dir = xasprintf("nodes/%s/resources", r->nodes.v[i]), *err = NULL;
        if (kv_list(c->kv, dir, &r->names[i], &r->counts[i], &err) < 0) {
            rc = cli_fail(EXIT_FAIL, "unable to list '%s' - %s", dir, err ? err : "store error");
            r->names[i] = NULL;
            r->counts[i] = 0;
        }
        free(err);
        free(dir);
    }
    return rc;
}

const char *cli_registry_find(
    const struct strlist *nodes, char *const *const *names, const size_t *counts, const char *sid
)
{
    for (size_t i = 0; i < nodes->n; i++) {
        size_t lo = 0, hi = counts[i];
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int d = strcmp(names[i][mid], sid);
            if (d == 0) {
                return nodes->v[i];
            }
            if (d < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
    }
    return NULL;
}

/* The first member (in byte order) that holds sid, or NULL. Borrowed. */
static const char *registry_find(const struct registry *r, const char *sid)
{
    return cli_registry_find(&r->nodes, (char *const *const *)r->names, r->counts, sid);
}

int cli_registered_node(struct cli *c, const char *sid, char **node)
{
    struct registry r = {0};
    int rc = registry_load(c, &r);

    *node = rc == 0 ? xstrdup(registry_find(&r, sid)) : NULL;
    registry_free(&r);
    return rc;
}

int cli_parse_resources(const char *text, struct svc_config *sc, char *digest, bool lenient)
{
    char *err = NULL;
    int rc;

    memset(sc, 0, sizeof(*sc));
    if (digest != NULL) {
        sha1_hex(text ? text : "", text ? strlen(text) : 0, digest);
    }
    if (lenient) {
        cli_resources_lenient(text, sc);
    } else if (svc_config_from_cfg(text, sc, &err) < 0) {
        rc = cli_fail(EXIT_FAIL, "unable to parse ha/resources.cfg: %s", err ? err : "?");
        free(err);
        return rc;
    }
    return 0;
}

static int load_resources(struct cli *c, struct svc_config *sc, char *digest, bool lenient)
{
    char *text = NULL;
    struct registry reg = {0};
    int rc = cli_read(c, "ha/resources.cfg", &text);

    memset(sc, 0, sizeof(*sc));
    if (rc != 0) {
        return rc;
    }
    rc = cli_parse_resources(text, sc, digest, lenient);
    free(text);
    if (rc != 0) {
        return rc;
    }
    if ((rc = registry_load(c, &reg)) == 0) {
        for (size_t i = 0; i < sc->n; i++) {
            sc->v[i].node = xstrdup(registry_find(&reg, sc->v[i].sid));
        }
    }
    registry_free(&reg);
    if (rc != 0) {
        svc_config_free(sc);
    }
    return rc;
}

int cli_load_resources(struct cli *c, struct svc_config *sc, char *digest)
{
    return load_resources(c, sc, digest, false);
}

int cli_load_resources_shown(struct cli *c, struct svc_config *sc, char *digest)
{
    return load_resources(c, sc, digest, true);
}

int cli_load_ms(struct cli *c, struct manager_status *ms, char **raw)
{
    char *text = NULL;
    int rc = cli_read(c, "ha/manager_status", &text);

    memset(ms, 0, sizeof(*ms));
    return rc != 0 ? rc : cli_parse_ms(text, ms, raw);
}

int cli_parse_ms(char *text, struct manager_status *ms, char **raw)
{
    char *err = NULL;
    int rc;

    memset(ms, 0, sizeof(*ms));
    if (ms_from_json(text, ms, &err) < 0) {
        rc = cli_fail(EXIT_FAIL, "unable to parse ha/manager_status: %s", err ? err : "?");
        free(err);
        free(text);
        return rc;
    }
    if (raw != NULL) {
        *raw = text;
    } else {
        free(text);
    }
    return 0;
}

int cli_load_rules(struct cli *c, struct rules *r)
{
    char *text = NULL;
    int rc = cli_read(c, "ha/rules.cfg", &text);

    memset(r, 0, sizeof(*r));
    if (rc == 0) {
        rules_parse(text, r, NULL);
    }
    free(text);
    return rc;
}

int cli_load_groups(struct cli *c, struct groups *g)
{
    char *text = NULL;
    int rc = cli_read(c, "ha/groups.cfg", &text);

    memset(g, 0, sizeof(*g));
    if (rc == 0) {
        groups_parse(text, g, NULL);
    }
    free(text);
    return rc;
}

bool cli_groups_migrated(const struct groups *g)
{
    return g->n == 0;
}

char *cli_resolve_sid(struct cli *c, const char *sid)
{
    if (strspn(sid, "0123456789") != strlen(sid)) {
        return xstrdup(sid);
    }
    char *ct = xasprintf("ct:%s", sid), *node = NULL, *text = NULL, *err = NULL;
    struct svc_config sc = {0};
    bool is_ct = false;
    size_t len;

    if (kv_read(c->kv, "ha/resources.cfg", &text, &len, &err) == 0 &&
        svc_config_from_cfg(text, &sc, NULL) == 0) {
        is_ct = svc_config_find(&sc, ct) != NULL;
    }
    if (!is_ct && cli_registered_node(c, ct, &node) == 0) {
        is_ct = node != NULL;
    }
    svc_config_free(&sc);
    free(text);
    free(err);
    free(node);
    if (is_ct) {
        return ct;
    }
    free(ct);
    return xasprintf("vm:%s", sid);
}

int cli_locked(struct cli *c, const char *what, char *(*fn)(struct cli *c, void *arg), void *arg)
{
    char *err = NULL;

    if (kv_domain_lock(c->kv, DOMAIN_LOCK, DOMAIN_LOCK_WAIT_MS, &err) < 0) {
        const char *e = err ? err : "got lock request timeout";
        if (str_starts(e, "cfs-lock")) {
            cli_fail(EXIT_FAIL, "%s%s%s", what ? what : "", what ? ": " : "", e);
        } else {
            cli_fail(
                EXIT_FAIL, "%s%scfs-lock '%s' error: %s", what ? what : "", what ? ": " : "",
                DOMAIN_LOCK, e
            );
        }
        free(err);
        return EXIT_FAIL;
    }
    err = fn(c, arg);
    kv_domain_unlock(c->kv, DOMAIN_LOCK);
    if (err != NULL && err[0] == '\0') { /* already printed */
        free(err);
        return EXIT_FAIL;
    }
    if (err != NULL) {
        cli_fail(EXIT_FAIL, "%s%s%s", what ? what : "", what ? ": " : "", err);
        free(err);
        return EXIT_FAIL;
    }
    return 0;
}

char *cli_write_locked(struct cli *c, const char *path, const char *text)
{
    char *err = NULL;

    if (kv_write(c->kv, path, text, strlen(text), DOMAIN_LOCK, &err) < 0) {
        if (err != NULL && strstr(err, path) != NULL) {
            return err; /* the store's error already names the file */
        }
        char *msg = xasprintf("unable to write '%s' - %s", path, err ? err : "store error");
        free(err);
        return msg;
    }
    return NULL;
}

int cli_queue(struct cli *c, const char *line)
{
    char *err = NULL;

    if (kv_spool_put(c->kv, line, &err) < 0) {
        cli_fail(
            EXIT_FAIL, "unable to queue crm command '%s' - %s", line, err ? err : "store error"
        );
        free(err);
        return EXIT_FAIL;
    }
    return 0;
}

/* datacenter.cfg "crs: ha=static,..." (or "crs: static", ha is the default
 * key); NULL when basic, absent or unreadable. */
char *cli_crs_mode(struct cli *c)
{
    char *text = NULL, *mode, *err = NULL;
    size_t len;

    if (kv_read(c->kv, "datacenter.cfg", &text, &len, &err) != 0 || text == NULL) {
        free(err);
        free(text);
        return NULL;
    }
    mode = cli_crs_mode_of(text);
    free(text);
    return mode;
}

char *cli_crs_mode_of(const char *cfg)
{
    char *text = xstrdup(cfg), *mode = NULL;

    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "crs:", 4) != 0) {
            continue;
        }
        char *val = line + 4 + strspn(line + 4, " \t");
        for (char *item = strtok(val, ", \t"); item != NULL && mode == NULL;
             item = strtok(NULL, ", \t")) {
            if (str_starts(item, "ha=")) {
                mode = xstrdup(item + 3);
            } else if (item == val && strchr(item, '=') == NULL) {
                mode = xstrdup(item);
            }
        }
        break;
    }
    free(text);
    if (mode != NULL && strcmp(mode, "basic") == 0) {
        free(mode);
        mode = NULL;
    }
    return mode;
}
