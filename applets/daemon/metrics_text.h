/* metrics_text.h - the Prometheus text exposition format (version 0.0.4):
 * HELP and TYPE lines, samples with escaped label values, histograms. Pure:
 * it writes into a strbuf, the callers decide where it goes (metrics.c). */
#ifndef HAVEN_METRICS_TEXT_H
#define HAVEN_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "state/str.h"

#define MT_MAX_BUCKETS 12

struct mt_label {
    const char *name, *value;
};

/* A histogram with fixed upper bounds (ascending, without +Inf). */
struct mt_hist {
    const double *bounds;
    size_t n_bounds; /* at most MT_MAX_BUCKETS */
    uint64_t counts[MT_MAX_BUCKETS]; /* per bucket, not cumulative */
    uint64_t count;
    double sum;
};

/* "# HELP name help" and "# TYPE name type" (help escaped as the format wants). */
void mt_family(struct strbuf *sb, const char *name, const char *type, const char *help);
/* name{labels} value; n labels (0: no braces). */
void mt_sample(
    struct strbuf *sb, const char *name, const struct mt_label *l, size_t n, double value
);
void mt_hist_observe(struct mt_hist *h, double v);
/* name_bucket{labels,le="..."}, name_sum, name_count; n < 8. */
void mt_hist_write(
    struct strbuf *sb, const char *name, const struct mt_label *l, size_t n, const struct mt_hist *h
);

#endif
