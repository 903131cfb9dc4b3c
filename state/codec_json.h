/* codec_json.h - the cJSON helpers of the codecs (codec_json.c): those of
 * state/codec*.c, and a host's own JSON codec (the simulator's scenario
 * input, applets/sim/sim_codec.c), so that every JSON input is read with the
 * same checks. Pure, like the rest of state/. Getters return 0 or -1 for a wrong type; a
 * missing or null member reads as absent (NULL, false) where that makes
 * sense. */
#ifndef HAVEN_CODEC_JSON_H
#define HAVEN_CODEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/* Set *err (if err != NULL) to a formatted message; returns -1. */
int cj_fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse a document whose root must be an object; NULL/blank text gives {}.
 * NULL + *err on error; caller deletes. */
cJSON *cj_parse_object(const char *json, const char *what, char **err);
bool cj_is_canonical_int(const char *s);
/* String, number or bool as a malloc'd string; absent/null -> NULL. */
int cj_get_str(const cJSON *it, char **out);
/* Integral number, bool, or decimal string. */
int cj_get_int64(const cJSON *it, int64_t *out);
int cj_get_int(const cJSON *it, int min, int max, int *out);
/* Finite number, bool, or numeric string. */
int cj_get_double(const cJSON *it, double *out);
/* Perl truthiness; absent/null -> false; arrays and objects are errors. */
int cj_get_truth(const cJSON *it, bool *out);
/* The members of obj sorted by key, duplicates resolved to the last one;
 * caller frees the array (not the items). */
const cJSON **cj_sorted_children(const cJSON *obj, size_t *n);
/* The last member named key, or NULL. */
const cJSON *cj_member(const cJSON *obj, const char *key);
/* A member that must be an object; absent/null -> *out = NULL. */
int cj_member_object(const cJSON *obj, const char *key, const cJSON **out);
/* Print compact and delete root; caller frees. */
char *cj_print(cJSON *root);
/* A canonical integer string as a number, anything else as a string. */
void cj_add_loose_num(cJSON *obj, const char *key, const char *val);

/* The LRM status in the canonical form our writers produce, without a tree:
 * 0 and *out filled, or 1 (not canonical: use the general reader). */
struct lrm_status;
int lrm_status_from_json_fast(const char *json, struct lrm_status *out);
/* The general (cJSON) reader alone: what lrm_status_from_json() falls back
 * to. The two must agree on every text the fast one accepts. */
int lrm_status_from_json_tree(const char *json, struct lrm_status *out, char **err);

/* Direct compact output, byte for byte what cJSON_PrintUnformatted gives for
 * the same values: a cJSON tree of 10,000 services cost more than the rest
 * of a manager round. *first tracks the comma of the enclosing object. */
struct strbuf;
/* 1 for the bytes a JSON string cannot hold as they are: controls, '"' and
 * '\\' (and NUL, which ends a scan). One table load per byte. */
extern const unsigned char json_special[256];
void jw_string(struct strbuf *sb, const char *s);
void jw_key(struct strbuf *sb, const char *key, bool *first);
/* A key that needs no escaping, as a literal: JW_KEY(sb, "node", &first). */
void jw_key_lit(struct strbuf *sb, const char *quoted, size_t n, bool *first);
#define JW_KEY(sb, name, first)                                                                    \
    jw_key_lit(sb, ",\"" name "\":", sizeof(",\"" name "\":") - 1, first)
void jw_int(struct strbuf *sb, int64_t v);
void jw_loose_num(struct strbuf *sb, const char *val);

#endif
