/* cli_snap.c - the one store read behind `ha-manager status`: a snapshot
 * (kv_snapshot) of the files, registry listings, members and quorum it
 * shows, and the loaders that take them from it. On etcd that is one
 * linearizable request instead of one per file and listing, and every
 * part is of the same revision. */
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/cli/cli.h"
#include "state/codec.h"
#include "state/str.h"

/* Everything status_entries and the --verbose state read. */
static const char *const status_files[] = {
    "ha/manager_status", "ha/resources.cfg", "datacenter.cfg", "nodes/*/lrm_status", NULL,
};
static const char *const status_dirs[] = {"nodes/*/resources", NULL};

int cli_snapshot(struct cli *c, struct kv_snapshot *sn)
{
    struct kv_snap_req req = {status_files, status_dirs, false}; /* status shows no lock */
    char *err = NULL;

    if (kv_snapshot(c->kv, &req, sn, &err) != 0) {
        cli_fail(EXIT_FAIL, "%s", err ? err : "unable to read the store");
        free(err);
        return EXIT_FAIL;
    }
    c->probed = true;
    c->quorate = sn->quorate;
    return 0;
}

int cli_snap_text(struct cli *c, const struct kv_snapshot *sn, const char *path, char **text)
{
    const char *data, *err;
    size_t len;
    int rc = kv_snap_read(sn, path, &data, &len, &err);

    (void)c;
    *text = NULL;
    if (rc < 0) {
        /* the store's error already names the file */
        return cli_fail(EXIT_FAIL, "%s", err ? err : "store error");
    }
    if (rc == 0) {
        *text = xstrndup(data, len);
    }
    return 0;
}

int cli_snap_ms(struct cli *c, const struct kv_snapshot *sn, struct manager_status *ms, char **raw)
{
    char *text = NULL;
    int rc = cli_snap_text(c, sn, "ha/manager_status", &text);

    memset(ms, 0, sizeof(*ms));
    return rc != 0 ? rc : cli_parse_ms(text, ms, raw);
}

/* resources.cfg for display, each service's node from the registry
 * listings of the members (and the local node), as
 * cli_load_resources_shown. */
int cli_snap_resources_shown(struct cli *c, const struct kv_snapshot *sn, struct svc_config *sc)
{
    struct strlist nodes = {0};
    char *text = NULL;
    int rc = cli_snap_text(c, sn, "ha/resources.cfg", &text);

    memset(sc, 0, sizeof(*sc));
    if (rc != 0 || (rc = cli_parse_resources(text, sc, NULL, true)) != 0) {
        free(text);
        return rc;
    }
    free(text);
    for (size_t i = 0; i < sn->n_members; i++) {
        strlist_add(&nodes, sn->members[i].name);
    }
    if (!strlist_has(&nodes, c->conf.node)) {
        strlist_add(&nodes, c->conf.node);
    }
    strlist_sort(&nodes);
    char *const **names = xcalloc(nodes.n + 1, sizeof(*names));
    size_t *counts = xcalloc(nodes.n + 1, sizeof(*counts));
    for (size_t i = 0; i < nodes.n; i++) {
        char *dir = xasprintf("nodes/%s/resources", nodes.v[i]);
        names[i] = kv_snap_list(sn, dir, &counts[i]);
        free(dir);
    }
    for (size_t i = 0; i < sc->n; i++) {
        sc->v[i].node = xstrdup(cli_registry_find(&nodes, names, counts, sc->v[i].sid));
    }
    free(names);
    free(counts);
    strlist_clear(&nodes);
    return 0;
}
