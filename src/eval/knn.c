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

/* The encoding of the header comment, on the points r[ir] followed by g[ig]: X (n x nnum scaled
 * numeric values) and K (n x ncat category codes), both malloc'd. Only columns in mask are used;
 * the one-hot decision and the min-max range come from the first n_def points (all of them for
 * Density/Coverage; the reference rows for the kNN anomaly distance). */
static sg_status knn_encode(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                            const size_t *ig, size_t ng, size_t n_def, uint32_t mask, double **Xo, uint32_t **Ko,
                            int *nnum_o, int *ncat_o, sg_error *err)
{
    size_t n = nr + ng;
    uint64_t *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");

    /* decide the encoding of every column */
    int numeric[SG_EVAL_NCOLS], nnum = 0, ncat = 0;
    double lo[SG_EVAL_NCOLS], span[SG_EVAL_NCOLS];
    for (int c = 0; c < SG_EVAL_NCOLS; c++) {
        if (!(mask >> c & 1u)) {
            numeric[c] = -1;
            continue;
        }
        int role_cat = c > SG_EVAL_NCONT && c - 1 - SG_EVAL_NCONT != SG_ED_PROTO; /* ip/port/flags */
        if (role_cat) {
            numeric[c] = 0;
        } else {
            for (size_t p = 0; p < n_def; p++)
                keys[p] = p < nr ? key_of(r, ROW(ir, p), c) : key_of(g, ROW(ig, p - nr), c);
            numeric[c] = c <= SG_EVAL_NCONT && count_distinct(keys, n_def) >= ONEHOT_MAX_DISTINCT;
        }
        if (numeric[c]) {
            double a = INFINITY, b = -INFINITY;
            for (size_t p = 0; p < n_def; p++) {
                double v = p < nr ? num_of(r, ROW(ir, p), c) : num_of(g, ROW(ig, p - nr), c);
                a = fmin(a, v), b = fmax(b, v);
            }
            lo[c] = a;
            span[c] = b - a;
            nnum++;
        } else {
            ncat++;
        }
    }
    free(keys);

    /* pack points: real first, then generated; categories as dense 32-bit codes per column */
    double *X = malloc((n ? n : 1) * (size_t)(nnum ? nnum : 1) * sizeof *X);
    uint32_t *K = malloc((n ? n : 1) * (size_t)(ncat ? ncat : 1) * sizeof *K);
    uint64_t *raw = malloc((n ? n : 1) * sizeof *raw), *uniq = malloc((n ? n : 1) * sizeof *uniq);
    if (!X || !K || !raw || !uniq) {
        free(X);
        free(K);
        free(raw);
        free(uniq);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    int a = 0, b = 0;
    for (int c = 0; c < SG_EVAL_NCOLS; c++) {
        if (numeric[c] < 0) continue;
        if (numeric[c]) {
            for (size_t p = 0; p < n; p++) {
                const sg_eval_cols *t = p < nr ? r : g;
                size_t row = p < nr ? ROW(ir, p) : ROW(ig, p - nr);
                X[p * (size_t)nnum + a] = span[c] > 0 ? (num_of(t, row, c) - lo[c]) / span[c] : 0.0;
            }
            a++;
            continue;
        }
        for (size_t p = 0; p < n; p++) {
            const sg_eval_cols *t = p < nr ? r : g;
            raw[p] = key_of(t, p < nr ? ROW(ir, p) : ROW(ig, p - nr), c);
        }
        memcpy(uniq, raw, n * sizeof *uniq);
        qsort(uniq, n, sizeof *uniq, cmp_u64);
        size_t nu = 0;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || uniq[i] != uniq[nu - 1]) uniq[nu++] = uniq[i];
        for (size_t p = 0; p < n; p++) {
            size_t lo2 = 0, hi2 = nu; /* binary search: raw[p] is present */
            while (lo2 < hi2) {
                size_t mid = (lo2 + hi2) / 2;
                if (uniq[mid] < raw[p]) lo2 = mid + 1;
                else hi2 = mid;
            }
            K[p * (size_t)ncat + b] = (uint32_t)lo2;
        }
        b++;
    }
    free(raw);
    free(uniq);
    *Xo = X;
    *Ko = K;
    *nnum_o = nnum;
    *ncat_o = ncat;
    return SG_OK;
}

/* Squared distance of row (xi, ki) to its kk-th nearest row of (Xr, Kr) (n rows; kk <= 64): the
 * numeric part squared plus 2 per differing categorical code (one-hot). Rows whose categorical
 * part alone reaches the current kk-th distance are skipped. Shared by Density/Coverage (where
 * the row itself is among Xr, so kk = k + 1) and the detect kNN score. */
static double kth_sq_distance(const double *xi, const uint32_t *ki, const double *Xr, const uint32_t *Kr, size_t n,
                              int nnum, int ncat, size_t kk)
{
    double best[64];
    size_t nb = 0;
    for (size_t j = 0; j < n; j++) {
        const uint32_t *kj = Kr + j * (size_t)ncat;
        int diff = 0;
        for (int c = 0; c < ncat; c++) diff += ki[c] != kj[c];
        if (nb == kk && 2.0 * diff >= best[kk - 1]) continue;
        const double *xj = Xr + j * (size_t)nnum;
        double d = 0;
        for (int c = 0; c < nnum; c++) d += (xi[c] - xj[c]) * (xi[c] - xj[c]);
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
    return best[kk - 1];
}

sg_status sg_eval_prdc(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                       const size_t *ig, size_t ng, int k, double *density, double *coverage, sg_error *err)
{
    *density = *coverage = NAN;
    if (k < 1 || k > 63) return sg_error_set(err, SG_ERR_INVALID, "Density/Coverage: k must be in [1, 63], got %d", k);
    if (nr <= (size_t)k || ng == 0) return SG_OK; /* undefined: needs k other real points */
    size_t n = nr + ng;
    double *X = NULL;
    uint32_t *K = NULL;
    int nnum = 0, ncat = 0;
    sg_status st = knn_encode(r, ir, nr, g, ig, ng, n, (1u << SG_EVAL_NCOLS) - 1, &X, &K, &nnum, &ncat, err);
    if (st != SG_OK) return st;
    double *rho = malloc(nr * sizeof *rho);
    size_t *cnt = calloc(nr, sizeof *cnt);
    if (!rho || !cnt) {
        free(X);
        free(K);
        free(rho);
        free(cnt);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    const double *Xr = X, *Xg = X + nr * (size_t)nnum;
    const uint32_t *Kr = K, *Kg = K + nr * (size_t)ncat;
    size_t kk = (size_t)k + 1; /* k-th neighbour other than itself = (k+1)-th smallest incl. self */
#pragma omp parallel for schedule(dynamic, 32)
    for (size_t i = 0; i < nr; i++) {
        const double *xi = Xr + i * (size_t)nnum;
        const uint32_t *ki = Kr + i * (size_t)ncat;
        double rad = kth_sq_distance(xi, ki, Xr, Kr, nr, nnum, ncat, kk);
        rho[i] = rad;
        size_t c_in = 0;
        for (size_t j = 0; j < ng; j++) {
            const uint32_t *kj = Kg + j * (size_t)ncat;
            int diff = 0;
            for (int c = 0; c < ncat; c++) diff += ki[c] != kj[c];
            if (2.0 * diff >= rad) continue; /* cannot be strictly inside the radius */
            const double *xj = Xg + j * (size_t)nnum;
            double d = 0;
            for (int c = 0; c < nnum; c++) d += (xi[c] - xj[c]) * (xi[c] - xj[c]);
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

sg_status sg_eval_knn_distance(const sg_eval_cols *ref, const size_t *iref, size_t nref, const sg_eval_cols *q,
                               const size_t *iq, size_t nq, int k, uint32_t cols_mask, double *dist, sg_error *err)
{
    if (k < 1 || k > 63) return sg_error_set(err, SG_ERR_INVALID, "kNN distance: k must be in [1, 63], got %d", k);
    if (nref < (size_t)k)
        return sg_error_set(err, SG_ERR_INVALID, "kNN distance: %zu reference rows, k = %d needs at least k", nref, k);
    if (nq == 0) return SG_OK;
    double *X = NULL;
    uint32_t *K = NULL;
    int nnum = 0, ncat = 0;
    sg_status st = knn_encode(ref, iref, nref, q, iq, nq, nref, cols_mask & ((1u << SG_EVAL_NCOLS) - 1), &X, &K,
                              &nnum, &ncat, err);
    if (st != SG_OK) return st;
    const double *Xr = X, *Xq = X + nref * (size_t)nnum;
    const uint32_t *Kr = K, *Kq = K + nref * (size_t)ncat;
    size_t kk = (size_t)k;
#pragma omp parallel for schedule(dynamic, 32)
    for (size_t i = 0; i < nq; i++) {
        const double *xi = Xq + i * (size_t)nnum;
        const uint32_t *ki = Kq + i * (size_t)ncat;
        dist[i] = sqrt(kth_sq_distance(xi, ki, Xr, Kr, nref, nnum, ncat, kk));
    }
    free(X);
    free(K);
    return SG_OK;
}
