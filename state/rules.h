/* rules.h - HA rules (rules.cfg) and legacy HA groups (groups.cfg).
 *
 * Pure logic, no I/O: parse the
 * section-config text, add the in-memory group rules, run the seven
 * feasibility checks and the transforms, compile the result into the
 * per-sid maps the manager queries, and write the rules back. Every list
 * is kept in byte order, so no result ever depends on hash or pointer
 * order. Messages and warnings are returned as strings. */
#ifndef HAVEN_RULES_H
#define HAVEN_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "state/sha1.h"

/* A growable list of malloc'd strings (messages, warnings, ids). */
struct rules_msgs {
    char **v;
    size_t n, cap;
};
void rules_msgs_free(struct rules_msgs *m);

/* A set of strings, kept sorted in byte order without duplicates. */
struct rules_set {
    char **v;
    size_t n, cap;
};

/* One node of a node list, with its priority (0 when not given). */
struct rule_node {
    char *node;
    long long prio;
};

enum rule_type {
    RULE_NODE_AFFINITY,
    RULE_RESOURCE_AFFINITY,
};

enum rule_affinity {
    RULE_AFFINITY_NONE, /* key absent (only on placeholders) */
    RULE_POSITIVE,
    RULE_NEGATIVE,
};

/* One section of rules.cfg. Keys that failed to parse are absent. */
struct rule {
    char *id;
    enum rule_type type;
    int order; /* 1-based file position; new rules share numbers */
    /* A required key is absent: the rule is inert and is dumped
     * as null. The keys that did parse are kept, for the writer. */
    bool placeholder;
    bool has_disable; /* present with any value = disabled (upstream's quirk) */
    int disable; /* parsed value, 0 or 1, when has_disable */
    bool has_strict;
    int strict; /* 0 or 1, when has_strict */
    bool has_resources;
    struct rules_set resources;
    bool has_nodes; /* node-affinity only */
    struct rule_node *nodes; /* sorted by node, unique */
    size_t n_nodes;
    enum rule_affinity affinity; /* resource-affinity only */
    char *comment; /* NULL when absent */
};

/* A parsed rules.cfg. The rules are sorted by id (byte order); the file
 * order is in rule.order. */
struct rules {
    struct rule *v;
    size_t n, cap;
    char digest[SHA1_HEX_LEN + 1]; /* SHA-1 hex of the raw text */
};

/* Parses rules.cfg text (NULL = missing file = empty text) into out,
 * which the caller zero-initialises and later frees with rules_free().
 * Bad lines and values are skipped as upstream does; a description of
 * each is appended to warnings when it is not NULL. Returns 0. */
int rules_parse(const char *text, struct rules *out, struct rules_msgs *warnings);
void rules_free(struct rules *r);

/* The rule with this id, or NULL. Borrowed. */
const struct rule *rules_find(const struct rules *r, const char *id);

/* 1 when the rule takes part in checks, transforms and compile: it is not
 * a placeholder and has no disable key. */
bool rule_enabled(const struct rule *rule);

/* Section-config text of the rules; caller frees. */
char *rules_write(const struct rules *r);

/* One group of groups.cfg. */
struct group {
    char *id;
    struct rule_node *nodes; /* sorted by node, unique */
    size_t n_nodes;
    bool has_restricted;
    int restricted;
    bool nofailback;
    char *comment; /* NULL when absent */
};

/* A parsed groups.cfg, sorted by id. Groups without a valid nodes key are
 * left out: they count as non-existent. */
struct groups {
    struct group *v;
    size_t n, cap;
    char digest[SHA1_HEX_LEN + 1];
};

/* Like rules_parse(), for groups.cfg. Returns 0. */
int groups_parse(const char *text, struct groups *out, struct rules_msgs *warnings);
void groups_free(struct groups *g);
/* The group with this id, or NULL. Borrowed. */
const struct group *groups_find(const struct groups *g, const char *id);
/* failback of a resource naming this group: !nofailback, 1 if none. */
bool groups_failback(const struct groups *g, const char *id);

/* A resource of the service config that names a group. */
struct rules_group_ref {
    const char *sid;
    const char *group;
};

/* Adds the in-memory rules ha-group-<g> for every existing group that the
 * refs name, in byte order of the group id, replacing a rule of
 * the same id. The rules written back by the persistent migration are
 * rules_write() of the result. */
void rules_add_groups(
    struct rules *r, const struct groups *g, const struct rules_group_ref *refs, size_t n_refs
);

/* The checks alone, on an unmodified copy of the view: appends
 * one "Drop rule '<id>', because <text>." per error to msgs (sorted by
 * rule id) and the dropped rule ids, sorted and unique, to dropped (both
 * may be NULL). nodes are the known nodes, in any order. */
void rules_check(
    const struct rules *r,
    const char *const *nodes,
    size_t n_nodes,
    struct rules_msgs *dropped,
    struct rules_msgs *msgs
);

/* The pipeline before the compile: check, drop every rule named in an
 * error, then run the transforms. Appends the drop messages (without a
 * trailing newline) to msgs when it is not NULL. */
void rules_check_transform(
    struct rules *r, const char *const *nodes, size_t n_nodes, struct rules_msgs *msgs
);

/* Per-sid results of the compile, each array sorted by sid. */
struct rules_na_entry {
    char *sid;
    struct rule_node *nodes; /* sorted by node */
    size_t n_nodes;
};
struct rules_partners {
    char *sid;
    struct rules_set partners;
};
struct rules_compiled {
    struct rules_na_entry *na;
    size_t n_na;
    struct rules_partners *positive;
    size_t n_positive;
    struct rules_partners *negative;
    size_t n_negative;
};

/* Compiles the enabled rules over the known nodes (any order) into out,
 * which the caller zero-initialises and frees with rules_compiled_free(). */
void rules_compile(
    const struct rules *r, const char *const *nodes, size_t n_nodes, struct rules_compiled *out
);
void rules_compiled_free(struct rules_compiled *c);

/* Effective node affinity of sid: (node, priority) sorted by node, with
 * priority -1 for the nodes a non-strict rule does not list; NULL (and
 * *n = 0) when sid has none. Borrowed from c. */
const struct rule_node *
rules_node_affinity(const struct rules_compiled *c, const char *sid, size_t *n);
/* Positive / negative partners of sid, sorted; NULL (*n = 0) if none. */
char *const *rules_positive(const struct rules_compiled *c, const char *sid, size_t *n);
char *const *rules_negative(const struct rules_compiled *c, const char *sid, size_t *n);

/* The complete rules_cfgs test output for a rules.cfg
 * text, with the node list node1..node3; caller frees. path names the
 * file in messages. */
char *rules_dump(const char *raw_text, const char *path);

#endif
