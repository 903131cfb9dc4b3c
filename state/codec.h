/* codec.h - JSON and section-config text <-> the structs of model.h.
 *
 * Parsers accept NULL or "" as an empty document, return 0 or -1 with a
 * malloc'd one-line *err (caller frees) and leave *out empty on error.
 * Writers return malloc'd text (caller frees). JSON output is compact. */
#ifndef HAVEN_CODEC_H
#define HAVEN_CODEC_H

#include "state/model.h"

int ms_from_json(const char *json, struct manager_status *out, char **err);
char *ms_to_json(const struct manager_status *ms);

int lrm_status_from_json(const char *json, struct lrm_status *out, char **err);
char *lrm_status_to_json(const struct lrm_status *ls);

/* An LRM status in the canonical form our writers produce, read without
 * copying: every string is a view into the text (not NUL-terminated, p NULL
 * when absent), valid while the text lives. 0, or 1 when the text is not in
 * that form (then lrm_status_from_json() reads it, or names the error). */
struct str_view {
    const char *p;
    size_t n;
};
struct lrm_result_view {
    struct str_view uid, sid, state;
    int exit_code;
};
struct lrm_status_view {
    struct str_view state, mode;
    int64_t timestamp;
    struct lrm_result_view *results; /* sorted by uid; the caller frees the array */
    size_t n_results;
};
int lrm_status_view_scan(const char *json, struct lrm_status_view *out);
void lrm_status_view_free(struct lrm_status_view *v);

/* resources.cfg in section-config format: missing state
 * is "started". node comes from the location registry, not from this file.
 * The parser records the keys present in svc_conf.keys; the writer writes
 * those and every value that differs from its default. */
enum {
    SVC_KEY_STATE = 1 << 0,
    SVC_KEY_GROUP = 1 << 1,
    SVC_KEY_FAILBACK = 1 << 2,
    SVC_KEY_MAX_RESTART = 1 << 3,
    SVC_KEY_MAX_RELOCATE = 1 << 4,
    SVC_KEY_COMMENT = 1 << 5,
};
int svc_config_from_cfg(const char *text, struct svc_config *out, char **err);
char *svc_config_to_cfg(const struct svc_config *sc);

/* datacenter.cfg as JSON ({"ha": {...}, "crs": {...}}, the simulator's
 * scenario input): numbers may be strings, unknown keys are ignored. */
int dc_settings_from_json(const char *json, struct dc_settings *out, char **err);
/* datacenter.cfg as stored: "key: value" lines (ha:, crs:, max_workers:).
 * *max_workers is 4 when unset or 0. On a bad value: -1, *err, and out
 * holds the defaults. */
int dc_settings_from_cfg(const char *text, struct dc_settings *out, int *max_workers, char **err);

#endif
