/* ACF difference (spec §8, "temporal metrics", paper Figs. 4-5): per continuous column, the
 * per-second sums of real and synthetic flows over the seconds both tables cover; the sample
 * autocorrelations (statsmodels' biased definition) via FFT; lags whose Bartlett 95 % interval
 * of the real ACF excludes 0 are kept; score = Σ_kept |ρ_real − ρ_synth| / n. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_parts.h"

#define ACF_MAX_SECONDS (1u << 23) /* 97 days of 1-second buckets */

/* in-place iterative radix-2 FFT on split real/imaginary arrays; n a power of two; twiddles
 * ct[k] = cos(2πk/n), st[k] = sin(2πk/n) for k < n/2; inverse without the 1/n factor. Plain
 * double arithmetic (C99 complex multiplication goes through the slow NaN-checking helper). */
static void fft(double *re, double *im, size_t n, int inverse, const double *ct, const double *st)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    double sg = inverse ? 1 : -1;
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t half = len / 2, step = n / len;
        for (size_t i = 0; i < n; i += len)
            for (size_t k = 0; k < half; k++) {
                double wr = ct[k * step], wi = sg * st[k * step];
                size_t a = i + k, b = a + half;
                double vr = re[b] * wr - im[b] * wi, vi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - vr;
                im[b] = im[a] - vi;
                re[a] += vr;
                im[a] += vi;
            }
    }
}

/* autocorrelations of two series at once: one complex FFT of x + i·y gives both spectra */
static sg_status acf2(const double *x, const double *y, size_t n, double *rx, double *ry)
{
    size_t m = 1;
    while (m < 2 * n) m <<= 1;
    double *re = calloc(m, sizeof *re), *im = calloc(m, sizeof *im);
    double *ct = malloc(m / 2 * sizeof *ct), *st = malloc(m / 2 * sizeof *st);
    if (!re || !im || !ct || !st) {
        free(re);
        free(im);
        free(ct);
        free(st);
        return SG_ERR_NOMEM;
    }
    for (size_t k = 0; k < m / 2; k++) {
        ct[k] = cos(2 * M_PI * (double)k / (double)m);
        st[k] = sin(2 * M_PI * (double)k / (double)m);
    }
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y ? y[i] : 0;
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        re[i] = x[i] - mx;
        im[i] = y ? y[i] - my : 0;
    }
    fft(re, im, m, 0, ct, st);
    /* Z = X + iY: X_k = (Z_k + conj Z_{m-k})/2, Y_k = (Z_k - conj Z_{m-k})/(2i);
     * |X_k|² and |Y_k|² go to re and im (both real sequences, even in k) */
    for (size_t k = 0; k <= m / 2; k++) {
        size_t j = (m - k) & (m - 1);
        double ar = re[k], ai = im[k], br = re[j], bi = im[j];
        double xr = (ar + br) / 2, xi = (ai - bi) / 2; /* X_k */
        double yr = (ai + bi) / 2, yi = (br - ar) / 2; /* Y_k */
        double px = xr * xr + xi * xi, py = yr * yr + yi * yi;
        re[k] = re[j] = px;
        im[k] = im[j] = py;
    }
    /* the power spectra are real and even: one inverse FFT of px + i·py returns both
     * autocovariance sequences (real part: x, imaginary part: y) */
    fft(re, im, m, 1, ct, st);
    /* a constant series has no autocorrelation (variance 0): NaN, as statsmodels */
    int cx = 1, cy = 1;
    for (size_t i = 1; i < n && (cx || cy); i++) {
        cx &= x[i] == x[0];
        cy &= !y || y[i] == y[0];
    }
    double c0x = re[0], c0y = im[0];
    for (size_t k = 0; k < n; k++) {
        rx[k] = !cx && c0x > 0 ? re[k] / c0x : NAN;
        if (ry) ry[k] = !cy && c0y > 0 ? im[k] / c0y : NAN;
    }
    free(re);
    free(im);
    free(ct);
    free(st);
    return SG_OK;
}

/* Autocorrelation of a sparse series (most seconds empty) without an FFT: with d_t = x_t - mu,
 *   Σ_{t<n-k} d_t d_{t+k} = Σ x_t x_{t+k} - mu (S[k, n-1] + S[0, n-1-k]) + (n-k) mu²,
 * the first sum over pairs of non-zero seconds, the others from prefix sums. O(nnz² + n). */
static sg_status acf_sparse(const double *x, size_t n, double *rho)
{
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++) nnz += x[i] != 0;
    size_t *pos = malloc((nnz ? nnz : 1) * sizeof *pos);
    double *pre = malloc((n + 1) * sizeof *pre);
    if (!pos || !pre) {
        free(pos);
        free(pre);
        return SG_ERR_NOMEM;
    }
    nnz = 0;
    pre[0] = 0;
    int constant = 1;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != 0) pos[nnz++] = i;
        pre[i + 1] = pre[i] + x[i];
        constant &= x[i] == x[0];
    }
    for (size_t k = 0; k < n; k++) rho[k] = 0;
    for (size_t a = 0; a < nnz; a++)
        for (size_t b = a; b < nnz; b++) rho[pos[b] - pos[a]] += x[pos[a]] * x[pos[b]];
    double mu = pre[n] / (double)n;
    for (size_t k = 0; k < n; k++)
        rho[k] += -mu * ((pre[n] - pre[k]) + pre[n - k]) + (double)(n - k) * mu * mu;
    double c0 = rho[0];
    for (size_t k = 0; k < n; k++) rho[k] = !constant && c0 > 0 ? rho[k] / c0 : NAN;
    free(pos);
    free(pre);
    return SG_OK;
}

static size_t count_nz(const double *x, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += x[i] != 0;
    return c;
}

/* FFT or pair sums, whichever is cheaper for these two series (same values up to rounding) */
static sg_status acf_pair(const double *x, const double *y, size_t n, double *rx, double *ry)
{
    size_t m = 1, lg = 0;
    while (m < 2 * n) m <<= 1, lg++;
    double fft_cost = 4.0 * (double)m * (double)lg;
    double nx = (double)count_nz(x, n), ny = y ? (double)count_nz(y, n) : 0;
    if (nx * nx / 2 + ny * ny / 2 + 4.0 * (double)n < fft_cost) {
        sg_status st = acf_sparse(x, n, rx);
        if (st == SG_OK && y) st = acf_sparse(y, n, ry);
        return st;
    }
    return acf2(x, y, n, rx, ry);
}

sg_status sg_eval_acf(const double *x, size_t n, double *rho)
{
    if (n == 0) return SG_ERR_EMPTY;
    return acf_pair(x, NULL, n, rho, NULL);
}

double sg_eval_acf_distance(const double *real, const double *gen, size_t n)
{
    if (n < 2) return NAN;
    double *rr = malloc(n * sizeof *rr), *rg = malloc(n * sizeof *rg);
    double out = NAN;
    /* identical series: one transform, so the distance is exactly 0 (packing two series into one
     * complex FFT rounds them slightly differently) */
    int same = memcmp(real, gen, n * sizeof *real) == 0;
    sg_status st = SG_ERR_NOMEM;
    if (rr && rg) {
        st = same ? acf_pair(real, NULL, n, rr, NULL) : acf_pair(real, gen, n, rr, rg);
        if (st == SG_OK && same) memcpy(rg, rr, n * sizeof *rg);
    }
    if (st == SG_OK && !isnan(rr[0]) && !isnan(rg[0])) {
        double s = 0, sumsq = 0;
        for (size_t k = 1; k < n; k++) {
            /* Bartlett: v_1 = 1/n, v_k = (1 + 2 Σ_{l<k} ρ_l²)/n */
            double v = (1 + 2 * sumsq) / (double)n;
            if (fabs(rr[k]) > 1.959963984540054 * sqrt(v)) s += fabs(rr[k] - rg[k]);
            sumsq += rr[k] * rr[k];
        }
        out = s / (double)n;
    }
    free(rr);
    free(rg);
    return out;
}

static int64_t fdiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

double sg_eval_acf_diff(const sg_eval_cols *r, const sg_eval_cols *g, double col[SG_EVAL_NCONT])
{
    for (int c = 0; c < SG_EVAL_NCONT; c++)
        if (col) col[c] = NAN;
    if (r->n == 0 || g->n == 0) return NAN;
    const int64_t S = 1000000;
    int64_t r0 = INT64_MAX, r1 = INT64_MIN, g0 = INT64_MAX, g1 = INT64_MIN;
    for (size_t i = 0; i < r->n; i++) {
        int64_t s = fdiv(r->time_us[i], S);
        r0 = s < r0 ? s : r0, r1 = s > r1 ? s : r1;
    }
    for (size_t i = 0; i < g->n; i++) {
        int64_t s = fdiv(g->time_us[i], S);
        g0 = s < g0 ? s : g0, g1 = s > g1 ? s : g1;
    }
    int64_t lo = r0 > g0 ? r0 : g0, hi = r1 < g1 ? r1 : g1; /* seconds covered by both */
    if (hi - lo + 1 < 2 || hi - lo + 1 > (int64_t)ACF_MAX_SECONDS) return NAN;
    size_t n = (size_t)(hi - lo + 1);
    double v[SG_EVAL_NCONT];
    /* columns are independent: one per thread (each result is computed the same way whatever
     * the thread count, so the output does not depend on -j) */
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        v[c] = NAN;
        double *xr = calloc(n, sizeof *xr), *xg = calloc(n, sizeof *xg);
        if (xr && xg) {
            for (size_t i = 0; i < r->n; i++) {
                int64_t s = fdiv(r->time_us[i], S) - lo;
                if (s >= 0 && s < (int64_t)n) xr[s] += r->cont[c][i];
            }
            for (size_t i = 0; i < g->n; i++) {
                int64_t s = fdiv(g->time_us[i], S) - lo;
                if (s >= 0 && s < (int64_t)n) xg[s] += g->cont[c][i];
            }
            int cr = 1, cg = 1; /* constant series: undefined, skip the FFTs */
            for (size_t i = 1; i < n && (cr || cg); i++) cr &= xr[i] == xr[0], cg &= xg[i] == xg[0];
            if (!cr && !cg) v[c] = sg_eval_acf_distance(xr, xg, n);
        }
        free(xr);
        free(xg);
    }
    double sum = 0;
    int cnt = 0;
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        if (col) col[c] = v[c];
        if (!isnan(v[c])) sum += v[c], cnt++;
    }
    return cnt ? sum / cnt : NAN;
}
