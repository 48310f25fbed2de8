/* ACF difference (spec §8, "temporal metrics", paper Figs. 4-5): per continuous column, the
 * per-second sums of real and synthetic flows over the seconds both tables cover; the sample
 * autocorrelations (statsmodels' biased definition) via FFT; lags whose Bartlett 95 % interval
 * of the real ACF excludes 0 are kept; score = Σ_kept |ρ_real − ρ_synth| / n. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/eval.h"

#define ACF_MAX_SECONDS (1u << 23) /* 97 days of 1-second buckets */

/* in-place iterative radix-2 FFT; n a power of two; inverse without the 1/n factor */
static void fft(double complex *a, size_t n, int inverse)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double complex t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        double ang = 2 * M_PI / (double)len * (inverse ? 1 : -1);
        double complex wl = cos(ang) + I * sin(ang);
        for (size_t i = 0; i < n; i += len) {
            double complex w = 1;
            for (size_t k = 0; k < len / 2; k++) {
                double complex u = a[i + k], v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
                w *= wl;
            }
        }
    }
}

sg_status sg_eval_acf(const double *x, size_t n, double *rho)
{
    if (n == 0) return SG_ERR_EMPTY;
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    size_t m = 1;
    while (m < 2 * n) m <<= 1;
    double complex *a = calloc(m, sizeof *a);
    if (!a) return SG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) a[i] = x[i] - mean;
    fft(a, m, 0);
    for (size_t i = 0; i < m; i++) a[i] = creal(a[i]) * creal(a[i]) + cimag(a[i]) * cimag(a[i]);
    fft(a, m, 1);
    double c0 = creal(a[0]);
    for (size_t k = 0; k < n; k++) rho[k] = c0 > 0 ? creal(a[k]) / c0 : NAN;
    free(a);
    return SG_OK;
}

double sg_eval_acf_distance(const double *real, const double *gen, size_t n)
{
    if (n < 2) return NAN;
    double *rr = malloc(n * sizeof *rr), *rg = malloc(n * sizeof *rg);
    double out = NAN;
    if (rr && rg && sg_eval_acf(real, n, rr) == SG_OK && sg_eval_acf(gen, n, rg) == SG_OK && !isnan(rr[0]) &&
        !isnan(rg[0])) {
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
    double *xr = malloc(n * sizeof *xr), *xg = malloc(n * sizeof *xg);
    if (!xr || !xg) {
        free(xr);
        free(xg);
        return NAN;
    }
    double sum = 0;
    int cnt = 0;
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        memset(xr, 0, n * sizeof *xr);
        memset(xg, 0, n * sizeof *xg);
        for (size_t i = 0; i < r->n; i++) {
            int64_t s = fdiv(r->time_us[i], S) - lo;
            if (s >= 0 && s < (int64_t)n) xr[s] += r->cont[c][i];
        }
        for (size_t i = 0; i < g->n; i++) {
            int64_t s = fdiv(g->time_us[i], S) - lo;
            if (s >= 0 && s < (int64_t)n) xg[s] += g->cont[c][i];
        }
        double v = sg_eval_acf_distance(xr, xg, n);
        if (col) col[c] = v;
        if (!isnan(v)) sum += v, cnt++;
    }
    free(xr);
    free(xg);
    return cnt ? sum / cnt : NAN;
}
