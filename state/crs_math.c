/* crs_math.c - loads, TOPSIS and node imbalance.
 *
 * Sums always run in array order (nodes sorted by name, rows in candidate
 * order), and every operation is written in upstream's order, so the f64
 * results match upstream's bit for bit. */
#include "state/crs.h"

#include <math.h>
#include <stdlib.h>

#include "state/crs_impl.h"
#include "state/str.h"

/* Minimised criteria are weighted 1, 2, 5, 10, normalised by their sum. */
static const double crs_weight[CRS_CRITERIA] = {1.0, 2.0, 5.0, 10.0};

struct crs_load crs_load_of(const struct crs_stats *s)
{
    struct crs_load l = {
        .cpu = s->cpu / (double)s->maxcpu,
        .mem = (double)s->mem / (double)s->maxmem,
    };
    return l;
}

void crs_criteria_loads(const struct crs_load *l, size_t n, double out[CRS_CRITERIA])
{
    double sq_cpu = 0.0, sq_mem = 0.0, max_cpu = 0.0, max_mem = 0.0;

    for (size_t i = 0; i < n; i++) {
        sq_cpu += l[i].cpu * l[i].cpu;
        sq_mem += l[i].mem * l[i].mem;
        /* fmax, like Rust's f64::max, ignores a NaN operand */
        max_cpu = fmax(max_cpu, l[i].cpu);
        max_mem = fmax(max_mem, l[i].mem);
    }
    out[0] = 1 + sqrt(sq_cpu / (double)n);
    out[1] = 1 + max_cpu;
    out[2] = 1 + sqrt(sq_mem / (double)n);
    out[3] = 1 + max_mem;
}

static struct crs_load *loads_of(const struct crs_stats *nodes, size_t n)
{
    struct crs_load *l = xcalloc(n, sizeof(*l));

    for (size_t i = 0; i < n; i++) {
        l[i] = crs_load_of(&nodes[i]);
    }
    return l;
}

void crs_criteria(const struct crs_stats *nodes, size_t n, double out[CRS_CRITERIA])
{
    struct crs_load *l = loads_of(nodes, n);

    crs_criteria_loads(l, n, out);
    free(l);
}

/* Rust's Display of a non-finite f64 (finite values never reach here). */
static char *f64_text(double v)
{
    if (isnan(v)) {
        return xstrdup("NaN");
    }
    if (isinf(v)) {
        return xstrdup(v > 0 ? "inf" : "-inf");
    }
    return xasprintf("%.17g", v);
}

static int normalise(double *rows, size_t m, char **err)
{
    for (size_t j = 0; j < CRS_CRITERIA; j++) {
        double sq = 0.0;

        for (size_t i = 0; i < m; i++) {
            sq += rows[i * CRS_CRITERIA + j] * rows[i * CRS_CRITERIA + j];
        }
        double norm = sqrt(sq);
        if (norm == 0.0) {
            continue;
        }
        for (size_t i = 0; i < m; i++) {
            double *x = &rows[i * CRS_CRITERIA + j];

            *x /= norm;
            if (!isfinite(*x)) {
                char *v = f64_text(*x);
                *err = xasprintf("criterion %zu got invalid value %s", j, v);
                free(v);
                return -1;
            }
        }
    }
    return 0;
}

/* Weighted euclidean distance of one row to an ideal row. */
static double distance(const double *row, const double *ideal, const double *w)
{
    double sum = 0.0;

    for (size_t j = 0; j < CRS_CRITERIA; j++) {
        double d = w[j] * (row[j] - ideal[j]);
        sum += d * d;
    }
    return sqrt(sum);
}

static void ideals(const double *rows, size_t m, double *best, double *worst)
{
    for (size_t j = 0; j < CRS_CRITERIA; j++) {
        best[j] = worst[j] = rows[j];
        for (size_t i = 1; i < m; i++) {
            double x = rows[i * CRS_CRITERIA + j];
            best[j] = x < best[j] ? x : best[j];
            worst[j] = x > worst[j] ? x : worst[j];
        }
    }
}

int crs_topsis(double *rows, size_t m, double *scores, char **err)
{
    double w[CRS_CRITERIA], best[CRS_CRITERIA], worst[CRS_CRITERIA], wsum = 0.0;

    if (m == 0) {
        return 0;
    }
    for (size_t j = 0; j < CRS_CRITERIA; j++) {
        wsum += crs_weight[j];
    }
    for (size_t j = 0; j < CRS_CRITERIA; j++) {
        w[j] = crs_weight[j] / wsum;
    }
    if (normalise(rows, m, err) < 0) {
        return -1;
    }
    ideals(rows, m, best, worst);
    for (size_t i = 0; i < m; i++) {
        double dp = distance(&rows[i * CRS_CRITERIA], best, w);
        double dm = distance(&rows[i * CRS_CRITERIA], worst, w);

        scores[i] = dp + dm == 0.0 ? 0.0 : dm / (dp + dm);
        if (!isfinite(scores[i])) {
            char *v = f64_text(scores[i]);
            *err = xasprintf("invalid score %s", v);
            free(v);
            return -1;
        }
    }
    return 0;
}

double crs_imbalance_loads(const struct crs_load *l, size_t n)
{
    double sum = 0.0, sq = 0.0;

    for (size_t i = 0; i < n; i++) {
        sum += (l[i].cpu + l[i].mem) / 2;
    }
    if (sum == 0.0) {
        return 0.0;
    }
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (l[i].cpu + l[i].mem) / 2 - mean;
        sq += d * d;
    }
    return sqrt(sq / (double)n) / mean;
}

double crs_stats_imbalance(const struct crs_stats *nodes, size_t n)
{
    struct crs_load *l = loads_of(nodes, n);
    double imb = crs_imbalance_loads(l, n);

    free(l);
    return imb;
}

double crs_trunc15(double x)
{
    return trunc(x * 1e15) / 1e15;
}
