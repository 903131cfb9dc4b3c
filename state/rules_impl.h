/* rules_impl.h - helpers shared by the rules_*.c files; not an API. */
#ifndef HAVEN_RULES_IMPL_H
#define HAVEN_RULES_IMPL_H

#include "state/rules.h"

/* Sorted string sets. rset_add copies s; returns 1 if it was new. */
bool rset_add(struct rules_set *s, const char *str);
bool rset_has(const struct rules_set *s, const char *str);
void rset_add_all(struct rules_set *dst, const struct rules_set *src);
size_t rset_common(const struct rules_set *a, const struct rules_set *b);
void rset_free(struct rules_set *s);

void msgs_add(struct rules_msgs *m, char *owned);

/* Sets the priority of node in a sorted node list (the last entry wins). */
void nodes_set(struct rule_node **v, size_t *n, const char *node, long long prio);
void nodes_free(struct rule_node *v, size_t n);

/* Inserts an empty rule with this id (replacing one with the same id) and
 * returns it; pointers into r->v are invalid afterwards. */
struct rule *rules_put(struct rules *r, const char *id);
void rules_delete(struct rules *r, const char *id);
void rule_clear(struct rule *rule);
/* (The smallest order present, or 0) + 1: upstream's quirk. */
int rules_next_order(const struct rules *r);

/* Greedy components of some rules: idx are indices into r->v. */
struct rules_comp {
    size_t *rules; /* indices into r->v, in the order they joined */
    size_t n;
    struct rules_set uni;
};
size_t
rules_components(const struct rules *r, const size_t *idx, size_t n_idx, struct rules_comp **out);
void rules_components_free(struct rules_comp *c, size_t n);

#endif
