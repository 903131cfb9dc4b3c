/* status_memo.c - a status file (manager_status, lrm_status) is written only
 * when something in it changed. Its "timestamp" changes every round, so the
 * comparison leaves it out; the timestamp alone is refreshed once it is
 * refresh seconds old, so that `ha-manager status` (which calls a master or
 * an LRM dead once its timestamp is 30 s old) never sees it stale. A steady
 * cluster then adds no store revision per round: etcd keeps every revision
 * until compaction, and a 1 MB manager_status rewritten each round would
 * grow its database by gigabytes a day. */
#include "applets/daemon/daemon.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "state/sha1.h"

#define STALE_S 30 /* the CLI's staleness test of a status timestamp */
#define MARGIN_S 2 /* a slow round, clocks a little apart */

int64_t status_memo_refresh_s(int64_t round_s)
{
    return STALE_S - round_s - MARGIN_S;
}

/* The digest of a status without its timestamp and fencing token (the
 * generation of the moment, which moves with every renewal on a folder), and
 * that timestamp (0 when absent); false when json is no object (then it is
 * always written). */
static bool digest(const char *json, char sha[SHA1_HEX_LEN + 1], int64_t *ts)
{
    cJSON *root = cJSON_Parse(json), *t;
    char *text;

    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return false;
    }
    t = cJSON_DetachItemFromObjectCaseSensitive(root, "timestamp");
    *ts = t != NULL && cJSON_IsNumber(t) ? (int64_t)t->valuedouble : 0;
    cJSON_Delete(t);
    cJSON_DeleteItemFromObjectCaseSensitive(root, "fencing_token");
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL) {
        return false;
    }
    sha1_hex(text, strlen(text), sha);
    free(text);
    return true;
}

bool status_memo_unchanged(
    struct status_memo *m, const char *json, int64_t refresh_s, struct status_memo *next
)
{
    memset(next, 0, sizeof(*next));
    next->valid = digest(json, next->sha, &next->ts);
    return next->valid && m->valid && strcmp(m->sha, next->sha) == 0 && next->ts >= m->ts &&
           next->ts - m->ts < refresh_s;
}
