/* rules_impl.h - helpers shared by the rules_*.c files; not an API. */
#ifndef HAVEN_RULES_IMPL_H
#define HAVEN_RULES_IMPL_H

#include "state/rules.h"

/* Sorted string sets (rset_add, rset_has: rules.h). */
void rset_add_all(struct rules_set *dst, const struct rules_set *src);
size_t rset_common(const struct rules_set *a, const struct rules_set *b);

void msgs_add(struct rules_msgs *m, char *owned);

void rule_clear(struct rule *rule);

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
