/* Density and Coverage (Naeem et al. 2020, the "prdc" package) on the paper's encoding.
 *
 * Encoding (spec §8): a column is one-hot encoded when its role is ip / port / flags or when it
 * has < 40 distinct values in real ∪ generated; otherwise it stays numeric. Every resulting column
 * is min-max scaled over the union. Two one-hot encoded values then contribute 0 (equal) or
 * 1² + 1² = 2 (different) to the squared Euclidean distance (a value's indicator column is never
 * constant when two rows differ in it), so we never materialise the one-hot matrix: a point is a
 * short vector of scaled numeric values plus a short vector of category keys, and
 *   d²(a, b) = Σ_numeric (a_k - b_k)² + 2 · #{categorical columns where a and b differ}.
 * This is exact, needs no BLAS, and costs ~11 operations per pair.
 *
 * One pass per real point i: its k-NN radius among real points (k+1 smallest including itself),
 * then the number of generated points strictly inside that radius. Density = Σ_i count_i / (k M),
 * Coverage = #{i : count_i > 0} / N. Integer counts and a fixed per-row summation order make the
 * result identical for any number of threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/eval.h"

#define ROW(idx, i) ((idx) ? (idx)[i] : (i))
#define ONEHOT_MAX_DISTINCT 40

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t dbits(double x)
{
    if (x == 0) x = 0; /* -0.0 == 0.0 */
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* raw value of column c (0 = time, 1..5 continuous, 6..10 discrete) as a key */
static uint64_t key_of(const sg_eval_cols *t, size_t row, int c)
{
    if (c == 0) return (uint64_t)t->time_us[row];
    if (c <= SG_EVAL_NCONT) return dbits(t->cont[c - 1][row]);
    return t->disc[c - 1 - SG_EVAL_NCONT][row];
}

static double num_of(const sg_eval_cols *t, size_t row, int c)
{
    if (c == 0) return (double)t->time_us[row];
    return t->cont[c - 1][row];
}

static size_t count_distinct(uint64_t *keys, size_t n)
{
    qsort(keys, n, sizeof *keys, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || keys[i] != keys[i - 1]) d++;
    return d;
}

sg_status sg_eval_prdc(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                       const size_t *ig, size_t ng, int k, double *density, double *coverage, sg_error *err)
{
    *density = *coverage = NAN;
    if (k < 1 || k > 63) return sg_error_set(err, SG_ERR_INVALID, "Density/Coverage: k must be in [1, 63], got %d", k);
    if (nr <= (size_t)k || ng == 0) return SG_OK; /* undefined: needs k other real points */
    size_t n = nr + ng;
    uint64_t *keys = malloc(n * sizeof *keys);
    if (!keys) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");

    /* decide the encoding of every column */
    int numeric[SG_EVAL_NCOLS], nnum = 0, ncat = 0;
    double lo[SG_EVAL_NCOLS], span[SG_EVAL_NCOLS];
    for (int c = 0; c < SG_EVAL_NCOLS; c++) {
        int role_cat = c > SG_EVAL_NCONT && c - 1 - SG_EVAL_NCONT != SG_ED_PROTO; /* ip/port/flags */
        if (role_cat) {
            numeric[c] = 0;
        } else {
            for (size_t i = 0; i < nr; i++) keys[i] = key_of(r, ROW(ir, i), c);
            for (size_t i = 0; i < ng; i++) keys[nr + i] = key_of(g, ROW(ig, i), c);
            numeric[c] = c <= SG_EVAL_NCONT && count_distinct(keys, n) >= ONEHOT_MAX_DISTINCT;
        }
        if (numeric[c]) {
            double a = INFINITY, b = -INFINITY;
            for (size_t i = 0; i < nr; i++) a = fmin(a, num_of(r, ROW(ir, i), c)), b = fmax(b, num_of(r, ROW(ir, i), c));
            for (size_t i = 0; i < ng; i++) a = fmin(a, num_of(g, ROW(ig, i), c)), b = fmax(b, num_of(g, ROW(ig, i), c));
            lo[c] = a;
            span[c] = b - a;
            nnum++;
        } else {
            ncat++;
        }
    }
    free(keys);

    /* pack points: real first, then generated */
    double *X = malloc(n * (size_t)(nnum ? nnum : 1) * sizeof *X);
    uint64_t *K = malloc(n * (size_t)(ncat ? ncat : 1) * sizeof *K);
    double *rho = malloc(nr * sizeof *rho);
    size_t *cnt = calloc(nr, sizeof *cnt);
    if (!X || !K || !rho || !cnt) {
        free(X);
        free(K);
        free(rho);
        free(cnt);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t p = 0; p < n; p++) {
        const sg_eval_cols *t = p < nr ? r : g;
        size_t row = p < nr ? ROW(ir, p) : ROW(ig, p - nr);
        int a = 0, b = 0;
        for (int c = 0; c < SG_EVAL_NCOLS; c++) {
            if (numeric[c])
                X[p * (size_t)nnum + a++] = span[c] > 0 ? (num_of(t, row, c) - lo[c]) / span[c] : 0.0;
            else
                K[p * (size_t)ncat + b++] = key_of(t, row, c);
        }
    }

    const double *Xr = X, *Xg = X + nr * (size_t)nnum;
    const uint64_t *Kr = K, *Kg = K + nr * (size_t)ncat;
    size_t kk = (size_t)k + 1; /* k-th neighbour other than itself = (k+1)-th smallest incl. self */
#pragma omp parallel for schedule(dynamic, 32)
    for (size_t i = 0; i < nr; i++) {
        double best[64];
        size_t nb = 0;
        const double *xi = Xr + i * (size_t)nnum;
        const uint64_t *ki = Kr + i * (size_t)ncat;
        for (size_t j = 0; j < nr; j++) {
            const double *xj = Xr + j * (size_t)nnum;
            const uint64_t *kj = Kr + j * (size_t)ncat;
            double d = 0;
            for (int c = 0; c < nnum; c++) d += (xi[c] - xj[c]) * (xi[c] - xj[c]);
            int diff = 0;
            for (int c = 0; c < ncat; c++) diff += ki[c] != kj[c];
            d += 2.0 * diff;
            /* keep the kk smallest, sorted ascending */
            if (nb < kk) {
                size_t p = nb++;
                while (p > 0 && best[p - 1] > d) best[p] = best[p - 1], p--;
                best[p] = d;
            } else if (d < best[kk - 1]) {
                size_t p = kk - 1;
                while (p > 0 && best[p - 1] > d) best[p] = best[p - 1], p--;
                best[p] = d;
            }
        }
        double rad = best[kk - 1];
        rho[i] = rad;
        size_t c_in = 0;
        for (size_t j = 0; j < ng; j++) {
            const double *xj = Xg + j * (size_t)nnum;
            const uint64_t *kj = Kg + j * (size_t)ncat;
            double d = 0;
            for (int c = 0; c < nnum; c++) d += (xi[c] - xj[c]) * (xi[c] - xj[c]);
            int diff = 0;
            for (int c = 0; c < ncat; c++) diff += ki[c] != kj[c];
            d += 2.0 * diff;
            c_in += d < rad; /* strict: squared distances keep the order of distances */
        }
        cnt[i] = c_in;
    }
    size_t tot = 0, cov = 0;
    for (size_t i = 0; i < nr; i++) {
        tot += cnt[i];
        cov += cnt[i] > 0;
    }
    *density = (double)tot / ((double)k * (double)ng);
    *coverage = (double)cov / (double)nr;
    free(X);
    free(K);
    free(rho);
    free(cnt);
    return SG_OK;
}
