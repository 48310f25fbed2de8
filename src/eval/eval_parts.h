/* Building blocks of eval's metrics and realism findings: the numpy/scipy/statsmodels
 * equivalents the whole-table metrics are made of, the sampling-noise bands behind the verdicts,
 * and hand-built tables. They are shared by eval's own files and pinned by tests/eval (against
 * numpy and hand computations), but are not library API: include/secgen/eval.h keeps the metrics
 * a caller uses (sg_eval_emd, sg_eval_cmd, sg_eval_dkc, ... and the whole evaluation). */
#ifndef SECGEN_EVAL_PARTS_H
#define SECGEN_EVAL_PARTS_H

#include "secgen/eval.h"

/* intern a value of discrete column col; returns code or -1 on OOM */
int64_t sg_eval_dict_intern(sg_eval_dict *d, int col, const char *s);

/* Allocate n zeroed rows (tests build tables by hand). */
sg_status sg_eval_cols_alloc(sg_eval_cols *c, size_t n);

/* scipy.spatial.distance.jensenshannon of two count vectors, natural log. NaN if a sum is 0. */
double sg_eval_js_distance(const double *p, const double *q, size_t n);
/* mean_k |a[k] - b[k]| (wasserstein_distance of two equal-length sorted ECDF vectors) */
double sg_eval_ecdf_distance(const double *a, const double *b, size_t n);
/* EMD of one continuous column (numpy 'fd' bins on the real values, spec §8). NaN if nr = 0. */
double sg_eval_emd_column(const double *real, size_t nr, const double *gen, size_t ng);
/* numpy.histogram_bin_edges(x, bins='fd'): number of bins and range; returns bins (>= 1) */
size_t sg_eval_fd_bins(const double *x, size_t n, double *first, double *last);

/* sample autocorrelation (statsmodels, biased) of x at lags 0..n-1 via FFT; NaN if constant */
sg_status sg_eval_acf(const double *x, size_t n, double *rho);
/* Σ over lags kept by the Bartlett 95 % test on real's ACF of |ρ_real - ρ_gen|, / n */
double sg_eval_acf_distance(const double *real, const double *gen, size_t n);

/* Verdict of two 95 % bands [rl, rh] (real) and [sl, sh] (synthetic): values below lowest count
 * as lowest (> 0); gap = factor between the bands (1 if they overlap); ok when gap <= ok_within, fail when
 * gap > fail_beyond, warn between. *gap_out may be NULL. */
sg_eval_verdict sg_eval_band_verdict(double rl, double rh, double sl, double sh, double lowest,
                                     double ok_within, double fail_beyond, double *gap_out);
/* 95 % band of the q-quantile of sorted x[0..n-1] from order statistics (distribution-free) */
void sg_eval_quantile_band(const double *sorted, size_t n, double q, double *lo, double *hi);
/* numpy.quantile (linear interpolation) of sorted x */
double sg_eval_quantile(const double *sorted, size_t n, double q);
/* 99 % range of mean(synthetic) / mean(real) when both tables are random deals of their pooled
 * rows (permutation null, 1,000 deals keyed by (seed, stream, deal)); xr, xs sorted ascending; eps
 * is added to both means. Above 40,000 pooled rows the 1,000 largest values are dealt exactly
 * and the bulk's share is normal. */
sg_status sg_eval_mean_ratio_null(const double *xr, size_t nr, const double *xs, size_t ns, double eps, uint64_t seed,
                                  uint32_t stream, double *lo, double *hi);
/* approximate 95 % Poisson band of a count k (Wilson-Hilferty form of Garwood's interval) */
void sg_eval_poisson_band(double k, double *lo, double *hi);

#endif
