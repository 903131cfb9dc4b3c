/* daemon_cfg.c - the configuration the daemons read from the store:
 * resources.cfg parsed strictly, keeping the last good parse, with cd.node
 * from the location registry nodes/<node>/resources/<sid> (applets/README.md,
 * "What the daemons add to the store files"); config changes under the
 * domain-ha lock; datacenter.cfg. */
#include "applets/daemon/daemon.h"

#include <stdlib.h>
#include <string.h>

#include "state/codec.h"
#include "state/sha1.h"
#include "state/str.h"

#define RESOURCES_CFG "ha/resources.cfg"

int daemon_with_domain_lock(
    struct daemon *d, int (*fn)(struct daemon *, void *, char **), void *arg, char **err
)
{
    int rc;

    if (kv_domain_lock(d->store, "domain-ha", d->timing.short_sleep * 1000, err) != 0) {
        return -1;
    }
    rc = fn(d, arg, err);
    kv_domain_unlock(d->store, "domain-ha");
    return rc;
}

/* Fill cd.node from the registry: the first node (sorted) holding the sid. */
static void fill_locations(struct daemon *d, struct svc_config *sc)
{
    char **nodes = NULL, **sids;
    size_t n_nodes = 0, n_sids;
    char *err = NULL;

    if (kv_list(d->store, "nodes", &nodes, &n_nodes, &err) != 0) {
        free(err);
        return;
    }
    for (size_t i = 0; i < n_nodes; i++) {
        char *dir = xasprintf("nodes/%s/resources", nodes[i]);
        if (kv_list(d->store, dir, &sids, &n_sids, &err) != 0) {
            free(err);
            err = NULL;
            sids = NULL;
            n_sids = 0;
        }
        for (size_t j = 0; j < n_sids; j++) {
            struct svc_conf *cd = svc_config_find(sc, sids[j]);
            if (cd == NULL) {
                continue;
            }
            if (cd->node == NULL) {
                svc_conf_set(sc, &cd->node, nodes[i]);
            } else if (!d->in_worker) {
                daemon_log(
                    d, HA_WARNING, "resource '%s' registered on several nodes (%s, %s)", sids[j],
                    cd->node, nodes[i]
                );
            }
        }
        kv_free_names(sids);
        free(dir);
    }
    kv_free_names(nodes);
}

/* Strict parse; on a bad file keep the last good one (logged once per digest). */
static int parse_resources(struct daemon *d, const char *text, struct svc_config *out, char **err)
{
    char digest[SHA1_HEX_LEN + 1];
    char *perr = NULL;

    if (svc_config_from_cfg(text, out, &perr) == 0) {
        svc_config_free(&d->good_cfg);
        svc_config_copy(&d->good_cfg, out);
        d->have_good_cfg = true;
        d->bad_digest[0] = '\0';
        return 0;
    }
    sha1_hex(text, strlen(text), digest);
    if (!d->have_good_cfg) {
        *err = xasprintf("unable to parse %s: %s", RESOURCES_CFG, perr ? perr : "?");
        free(perr);
        return -1;
    }
    if (strcmp(digest, d->bad_digest) != 0) {
        daemon_log(
            d, HA_ERR, "unable to parse %s - keeping last good config: %s", RESOURCES_CFG,
            perr ? perr : "?"
        );
        memcpy(d->bad_digest, digest, sizeof(d->bad_digest));
    }
    free(perr);
    svc_config_copy(out, &d->good_cfg);
    return 0;
}

int daemon_read_service_config(struct daemon *d, struct svc_config *out, char **err)
{
    char *text = NULL;
    size_t len;
    int rc = kv_read(d->store, RESOURCES_CFG, &text, &len, err);

    memset(out, 0, sizeof(*out));
    if (rc < 0) {
        return -1;
    }
    rc = parse_resources(d, rc == 1 ? "" : text, out, err);
    free(text);
    if (rc == 0) {
        fill_locations(d, out);
    }
    return rc;
}

static int set_int(int *field, const char *value, int dflt, int max)
{
    if (value == NULL) {
        *field = dflt;
        return 0;
    }
    return str_to_int(value, 0, max, field) == STR_INT_OK ? 0 : -1;
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

static int set_key(struct svc_conf *c, const char *key, const char *value)
{
    if (strcmp(key, "state") == 0) {
        c->state = req_state_parse(value ? value : "started");
        return c->state == REQ_OTHER ? -1 : 0; /* resources.cfg holds known states only */
    } else if (strcmp(key, "group") == 0) {
        set_str(&c->group, value);
    } else if (strcmp(key, "comment") == 0) {
        set_str(&c->comment, value);
    } else if (strcmp(key, "failback") == 0) {
        return set_int(&c->failback, value, 1, 1);
    } else if (strcmp(key, "max_restart") == 0) {
        return set_int(&c->max_restart, value, 1, SVC_TRIES_MAX);
    } else if (strcmp(key, "max_relocate") == 0) {
        return set_int(&c->max_relocate, value, 1, SVC_TRIES_MAX);
    } else {
        return -1;
    }
    return 0;
}

struct cfg_change {
    const char *sid, *key, *value;
};

static int update_locked(struct daemon *d, void *arg, char **err)
{
    const struct cfg_change *ch = arg;
    struct svc_config sc = {0};
    struct svc_conf *c;
    char *text = NULL, *perr = NULL, *out;
    size_t len;
    int rc = kv_read(d->store, RESOURCES_CFG, &text, &len, err);

    if (rc < 0) {
        return -1;
    }
    if (svc_config_from_cfg(rc == 1 ? "" : text, &sc, &perr) != 0) {
        *err = xasprintf("unable to parse %s: %s", RESOURCES_CFG, perr ? perr : "?");
        free(perr);
        free(text);
        return -1;
    }
    free(text);
    c = svc_config_find(&sc, ch->sid);
    if (c == NULL) {
        *err = xasprintf("no such resource '%s'", ch->sid);
        rc = -1;
    } else if (set_key(c, ch->key, ch->value) != 0) {
        *err = xasprintf("unable to set '%s' of '%s'", ch->key, ch->sid);
        rc = -1;
    } else {
        out = svc_config_to_cfg(&sc);
        rc = kv_write(d->store, RESOURCES_CFG, out, strlen(out), "domain-ha", err);
        free(out);
    }
    svc_config_free(&sc);
    return rc;
}

int daemon_update_service_config(
    struct daemon *d, const char *sid, const char *key, const char *value, char **err
)
{
    struct cfg_change ch = {sid, key, value};

    return daemon_with_domain_lock(d, update_locked, &ch, err);
}

/* Move the registry entry; ENOENT while the target exists = done. */
int daemon_steal_service(
    struct daemon *d, const char *sid, const char *cur, const char *to, char **err
)
{
    char *from = xasprintf("nodes/%s/resources/%s", cur, sid);
    char *dest = xasprintf("nodes/%s/resources/%s", to, sid);
    char *dir = xasprintf("nodes/%s/resources", to);
    char *data = NULL, *e = NULL;
    size_t len;
    int rc;

    kv_mkdir(d->store, dir, &e);
    free(e);
    e = NULL;
    rc = kv_rename(d->store, from, dest, &e);
    if (rc == 1 && kv_read(d->store, dest, &data, &len, err) == 0) {
        rc = 0;
    } else if (rc != 0) {
        *err = xasprintf(
            "rename '%s' to '%s' failed - %s", from, dest, e ? e : "No such file or directory"
        );
        rc = -1;
    }
    free(data);
    free(e);
    free(dir);
    free(dest);
    free(from);
    return rc;
}

void daemon_datacenter(struct daemon *d, struct dc_settings *out, int *max_workers)
{
    char *text = NULL, *err = NULL;
    size_t len;
    int rc = kv_read(d->store, "datacenter.cfg", &text, &len, &err);

    if (rc < 0 || dc_settings_from_cfg(rc == 0 ? text : NULL, out, max_workers, &err) != 0) {
        daemon_log(
            d, HA_ERR, "unable to get HA settings from datacenter.cfg - %s", err ? err : "?"
        );
        if (rc < 0) {
            dc_settings_init(out);
            *max_workers = 4;
        }
    }
    free(text);
    free(err);
}
