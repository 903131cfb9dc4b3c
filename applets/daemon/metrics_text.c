/* metrics_text.c - the Prometheus text format (metrics_text.h). Label
 * values are escaped as the format says (\\, \", \n); any other control
 * character is written as \\xHH, the house rule for text that leaves the
 * process, so a node or service name can never break a line. */
#include "applets/daemon/metrics_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void add_value(struct strbuf *sb, double v)
{
    if (isnan(v)) {
        strbuf_add(sb, "NaN");
    } else if (isinf(v)) {
        strbuf_add(sb, v > 0 ? "+Inf" : "-Inf");
    } else if (v == (double)(long long)v && fabs(v) < 1e15) {
        strbuf_addf(sb, "%lld", (long long)v);
    } else {
        strbuf_addf(sb, "%.9g", v);
    }
}

/* in_label: quotes are escaped too (label values), else only \ and \n (HELP) */
static void add_escaped(struct strbuf *sb, const char *s, int in_label)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\') {
            strbuf_add(sb, "\\\\");
        } else if (c == '\n') {
            strbuf_add(sb, "\\n");
        } else if (c == '"' && in_label) {
            strbuf_add(sb, "\\\"");
        } else if (c < 0x20 || c == 0x7f) {
            strbuf_addf(sb, "\\\\x%02x", c);
        } else {
            strbuf_addc(sb, (char)c);
        }
    }
}

void mt_family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
    strbuf_addf(sb, "# HELP %s ", name);
    add_escaped(sb, help, 0);
    strbuf_addf(sb, "\n# TYPE %s %s\n", name, type);
}

static void add_labels(struct strbuf *sb, const struct mt_label *l, size_t n, const char *le)
{
    if (n == 0 && le == NULL) {
        return;
    }
    strbuf_addc(sb, '{');
    for (size_t i = 0; i < n; i++) {
        strbuf_addf(sb, "%s%s=\"", i ? "," : "", l[i].name);
        add_escaped(sb, l[i].value ? l[i].value : "", 1);
        strbuf_addc(sb, '"');
    }
    if (le != NULL) {
        strbuf_addf(sb, "%sle=\"%s\"", n ? "," : "", le);
    }
    strbuf_addc(sb, '}');
}

void mt_sample(
    struct strbuf *sb, const char *name, const struct mt_label *l, size_t n, double value
)
{
    strbuf_add(sb, name);
    add_labels(sb, l, n, NULL);
    strbuf_addc(sb, ' ');
    add_value(sb, value);
    strbuf_addc(sb, '\n');
}

void mt_hist_observe(struct mt_hist *h, double v)
{
    size_t i = 0;

    while (i < h->n_bounds && v > h->bounds[i]) {
        i++;
    }
    if (i < h->n_bounds) {
        h->counts[i]++;
    }
    h->count++;
    h->sum += v;
}

void mt_hist_write(
    struct strbuf *sb, const char *name, const struct mt_label *l, size_t n, const struct mt_hist *h
)
{
    uint64_t cum = 0;
    char le[32];

    for (size_t i = 0; i <= h->n_bounds; i++) {
        if (i < h->n_bounds) {
            cum += h->counts[i];
            snprintf(le, sizeof(le), "%g", h->bounds[i]);
        } else {
            cum = h->count;
            snprintf(le, sizeof(le), "+Inf");
        }
        strbuf_addf(sb, "%s_bucket", name);
        add_labels(sb, l, n, le);
        strbuf_addf(sb, " %llu\n", (unsigned long long)cum);
    }
    strbuf_addf(sb, "%s_sum", name);
    add_labels(sb, l, n, NULL);
    strbuf_addc(sb, ' ');
    add_value(sb, h->sum);
    strbuf_addf(sb, "\n%s_count", name);
    add_labels(sb, l, n, NULL);
    strbuf_addf(sb, " %llu\n", (unsigned long long)h->count);
}
