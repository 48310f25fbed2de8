/* Realism findings of an evaluation: properties a user of synthetic traffic notices at once and
 * the distribution distances (EMD, CMD...) hide — the tails and totals of the volume columns,
 * flows over 10k packets, the time span and burstiness of the start times, the per-rule DKC
 * violation rates against the real table's, and containment in a network config. Each finding
 * gets a verdict (ok / warn / fail) with a one-line reason. The verdicts allow for sampling
 * noise: both values are turned into 95 % bands (order statistics, Poisson; for means, the 99 %
 * range of random deals of the pooled rows) and the thresholds apply to the factor separating
 * them, so a held-out half of the real data passes while a 78x volume error fails. Definitions and thresholds: docs/metrics.md §8. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "eval/eval_parts.h"

/* ---- thresholds (docs/metrics.md §8; each is the factor between the 95 % bands) ------------ */
#define Q_OK 1.5        /* quantiles p50..p99.9: issue #13's target for p99/p99.9 */
#define Q_FAIL 2.0
#define TOT_OK 1.3      /* mean per flow (= totals at equal flow counts): +-30 % */
#define TOT_FAIL 2.0
#define TOT_EPS 1e-3    /* added to both means per flow (bytes, packets): 0 vs 0 is a ratio of 1 */
#define HEAVY_OK 2.0    /* share of flows over 10,000 packets */
#define HEAVY_FAIL 4.0
#define HEAVY_PKTS 10000.0
#define SPAN_OK 1.25    /* time span of the start times */
#define SPAN_FAIL 2.0
#define DISP_OK 1.5     /* dispersion index of flows per second */
#define DISP_FAIL 3.0
#define TOP_OK 1.5      /* share of the flows in the 10 busiest seconds */
#define TOP_FAIL 3.0
#define RULE_OK 1.5     /* per-rule DKC violation rate (synthetic above real only) */
#define RULE_FAIL 3.0
#define RULE_FLOOR 0.001 /* rates below 0.1 % of the flows count as 0.1 % */
#define Z95 1.959963984540054

const char *sg_eval_verdict_name(sg_eval_verdict v)
{
    return v == SG_EVAL_FAIL ? "FAIL" : v == SG_EVAL_WARN ? "WARN" : "ok";
}

sg_eval_verdict sg_eval_band_verdict(double rl, double rh, double sl, double sh, double lowest, double ok_within,
                                     double fail_beyond, double *gap_out)
{
    rl = fmax(rl, lowest), rh = fmax(rh, lowest), sl = fmax(sl, lowest), sh = fmax(sh, lowest);
    double g = 1;
    if (sl > rh) g = sl / rh;
    else if (sh < rl) g = rl / sh;
    if (gap_out) *gap_out = g;
    return g <= ok_within ? SG_EVAL_OK : g <= fail_beyond ? SG_EVAL_WARN : SG_EVAL_FAIL;
}

double sg_eval_quantile(const double *x, size_t n, double q)
{
    if (n == 0) return NAN;
    double h = q * (double)(n - 1);
    size_t i = (size_t)floor(h);
    if (i + 1 >= n) return x[n - 1];
    return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}

void sg_eval_quantile_band(const double *x, size_t n, double q, double *lo, double *hi)
{
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    /* the rank of the q-quantile in a sample of n is Binomial(n, q): +-1.96 sd around q(n-1) */
    double h = q * (double)(n - 1), sd = sqrt((double)n * q * (1 - q));
    double a = floor(h - Z95 * sd), b = ceil(h + Z95 * sd);
    size_t ia = a < 0 ? 0 : (size_t)a, ib = b > (double)(n - 1) ? n - 1 : (size_t)b;
    *lo = x[ia];
    *hi = x[ib];
}

void sg_eval_poisson_band(double k, double *lo, double *hi)
{
    /* Garwood's exact interval through the Wilson-Hilferty approximation of the chi-square
     * quantiles (relative error < 1 % from k = 1 on) */
    if (k <= 0) *lo = 0;
    else {
        double c = 1 - 1 / (9 * k) - Z95 / (3 * sqrt(k));
        *lo = c > 0 ? k * c * c * c : 0;
    }
    if (k <= 0) {
        *hi = -log(0.025); /* exact for k = 0 */
        return;
    }
    double k1 = k + 1, c = 1 - 1 / (9 * k1) + Z95 / (3 * sqrt(k1));
    *hi = k1 * c * c * c;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void sg_eval_burstiness(const int64_t *t, size_t n, int64_t w, double *disp, double *top10, double *peak)
{
    *disp = *top10 = *peak = NAN;
    if (n == 0 || w < 1) return;
    /* sorted starts, counted run by run: empty seconds add nothing to the sums, so a span of
     * years costs no more than a minute */
    int64_t *x = malloc(n * sizeof *x);
    if (!x) return;
    memcpy(x, t, n * sizeof *x);
    qsort(x, n, sizeof *x, cmp_i64);
    double s2 = 0;
    uint64_t top[10] = {0};
    for (size_t i = 0; i < n;) {
        int64_t b = (x[i] - x[0]) / 1000000;
        if (b >= w) b = w - 1;
        size_t j = i + 1;
        while (j < n) {
            int64_t bj = (x[j] - x[0]) / 1000000;
            if ((bj >= w ? w - 1 : bj) != b) break;
            j++;
        }
        uint64_t c = j - i;
        s2 += (double)c * (double)c;
        if (c > top[9]) { /* keep the 10 largest, descending */
            int k = 9;
            while (k > 0 && top[k - 1] < c) top[k] = top[k - 1], k--;
            top[k] = c;
        }
        i = j;
    }
    free(x);
    double mean = (double)n / (double)w, var = s2 / (double)w - mean * mean, ts = 0;
    for (int k = 0; k < 10; k++) ts += (double)top[k];
    *disp = (var < 0 ? 0 : var) / mean;
    *top10 = ts / (double)n;
    *peak = (double)top[0];
}

/* ---- number formatting ----------------------------------------------------------------------- */

/* 91,730 / 2.5 / 0.302 / 16.4M / 1.95G: integers with thousands separators below 10^6 */
static const char *fnum(double v, char *b, size_t n)
{
    if (isnan(v)) {
        snprintf(b, n, "n/a");
        return b;
    }
    double a = fabs(v);
    if (a >= 999999.5) {
        const char *suf[] = {"M", "G", "T", "P", "E"};
        int i = 0;
        a = v / 1e6;
        while (fabs(a) >= 999.5 && i < 4) a /= 1000, i++;
        snprintf(b, n, "%.3g%s", a, suf[i]);
    } else if (a >= 100 || (a >= 1 && a == floor(a))) {
        long long x = llround(v);
        char t[32];
        snprintf(t, sizeof t, "%lld", x < 0 ? -x : x);
        size_t L = strlen(t), o = 0;
        if (x < 0 && o + 1 < n) b[o++] = '-';
        for (size_t i = 0; i < L && o + 1 < n; i++) {
            b[o++] = t[i];
            if ((L - 1 - i) % 3 == 0 && i + 1 < L && o + 1 < n) b[o++] = ',';
        }
        b[o] = 0;
    } else if (a == 0) {
        snprintf(b, n, "0");
    } else {
        snprintf(b, n, "%.3g", v);
    }
    return b;
}

/* 2,620x / 4.9x / 0.36x; "none in real" when only the synthetic table has any */
static const char *fratio(double r, char *b, size_t n)
{
    if (isnan(r)) snprintf(b, n, "n/a");
    else if (isinf(r)) snprintf(b, n, "none in real");
    else if (r >= 10) {
        fnum(r, b, n);
        strncat(b, "x", n - strlen(b) - 1);
    } else if (r >= 0.995) snprintf(b, n, "%.1fx", r);
    else if (r >= 0.01) snprintf(b, n, "%.2fx", r);
    else if (r > 0) snprintf(b, n, "%.1ex", r);
    else snprintf(b, n, "none in synthetic");
    return b;
}

static const char *fpct(double share, char *b, size_t n)
{
    double p = share * 100;
    if (p == 0) snprintf(b, n, "0%%");
    else if (p >= 99.95) snprintf(b, n, "%.0f%%", p);
    else if (p >= 10) snprintf(b, n, "%.1f%%", p);
    else if (p >= 0.1) snprintf(b, n, "%.2f%%", p);
    else snprintf(b, n, "%.2g%%", p);
    return b;
}

static const char *fdur(double s, char *b, size_t n)
{
    if (s < 1) snprintf(b, n, "%.2g s", s);
    else if (s < 120) snprintf(b, n, "%.3g s", s);
    else if (s < 7200) snprintf(b, n, "%.3g min", s / 60);
    else if (s < 172800) snprintf(b, n, "%.3g h", s / 3600);
    else snprintf(b, n, "%.3g d", s / 86400);
    return b;
}

/* ---- finding list -------------------------------------------------------------------------- */

static sg_eval_finding *add(sg_eval *e, uint32_t group, const char *key, const char *what)
{
    if (e->nfind == e->capfind) {
        size_t cap = e->capfind ? 2 * e->capfind : 32;
        sg_eval_finding *p = realloc(e->find, cap * sizeof *p);
        if (!p) return NULL;
        e->find = p;
        e->capfind = cap;
    }
    sg_eval_finding *f = &e->find[e->nfind++];
    memset(f, 0, sizeof *f);
    f->group = group;
    snprintf(f->key, sizeof f->key, "%s", key);
    snprintf(f->what, sizeof f->what, "%s", what);
    f->synth = f->real = f->ratio = NAN;
    f->gap = 1;
    return f;
}

const sg_eval_finding *sg_eval_get_findings(const sg_eval *e, size_t *n)
{
    *n = e->nfind;
    return e->find;
}

/* "<what> <synth> vs <real> real (<ratio>x<note>): VERDICT"; note explains an ok that only holds
 * through sampling noise */
static void std_line(sg_eval_finding *f, const char *sv, const char *rv, const char *extra)
{
    char r[32], note[64];
    snprintf(note, sizeof note, ", within %.3gx given sampling noise", f->ok_within);
    int noise = f->verdict == SG_EVAL_OK && isfinite(f->ratio) && f->ratio > 0 &&
                (f->ratio > f->ok_within || f->ratio < 1 / f->ok_within) && f->gap <= f->ok_within;
    snprintf(f->line, sizeof f->line, "%s %s vs %s real (%s%s%s%s): %s", f->what, sv, rv, fratio(f->ratio, r, sizeof r),
             noise ? note : "", extra && *extra ? "; " : "", extra ? extra : "",
             sg_eval_verdict_name(f->verdict));
}

static double ratio_of(double s, double r)
{
    if (r == 0) return s == 0 ? 1 : INFINITY;
    return s / r;
}

/* ---- tails: quantiles, totals, heavy flows ------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *const col_key[SG_EVAL_NCONT] = {"in_bytes", "out_bytes", "in_packets", "out_packets", "duration"};
/* below these, values are equal for the verdict: 1 byte, 1 packet, 1 ms (NetFlow resolution) */
static const double col_floor[SG_EVAL_NCONT] = {1, 1, 1, 1, 0.001};

static int col_present(const sg_eval *e, int c)
{
    return !(e->res.folded && (c == SG_EC_IN_BYTES || c == SG_EC_IN_PKTS));
}

/* 99 % range of mean(S) / mean(R) under "same data": the rows of both tables pooled and dealt
 * at random into groups of nr and ns rows (a permutation null, PERM_DEALS deals keyed by (seed,
 * stream, deal): the same for any thread count). A bootstrap of each table alone cannot do this:
 * the half of a heavy-tailed sample that happened to miss its few giant flows gets a tight band
 * and fails a held-out half that has them. 99 % rather than 95 %: a byte total is decided by a
 * handful of flows, and one random split of the CIDDS sample in 16 puts all five flows over
 * 5 MB in one half (p = 3 % on that side). Up to PERM_EXACT_N pooled rows the deals are exact;
 * above, the PERM_TAIL largest pooled values are dealt one by one and the bulk's share of the
 * sum is normal (hypergeometric mean and variance), so the heavy tail that decides a byte total
 * stays exact and a million-row pair costs 200 x 1,000 draws. eps is added to both means. */
#define PERM_EXACT_N 40000
#define PERM_TAIL 1000
#define PERM_DEALS 1000 /* the 99 % range needs the 0.5 % and 99.5 % quantiles of the deals */
sg_status sg_eval_mean_ratio_null(const double *xr, size_t nr, const double *xs, size_t ns, double eps, uint64_t seed,
                                  uint32_t stream, double *lo, double *hi)
{
    size_t N = nr + ns;
    double *x = malloc(N * sizeof *x), *q = malloc(sizeof(double) * PERM_DEALS);
    if (!x || !q) {
        free(x);
        free(q);
        return SG_ERR_NOMEM;
    }
    /* merge: x sorted ascending */
    for (size_t i = 0, j = 0, k = 0; k < N; k++) x[k] = (j >= ns || (i < nr && xr[i] <= xs[j])) ? xr[i++] : xs[j++];
    double total = 0;
    for (size_t k = 0; k < N; k++) total += x[k];
    size_t K = N <= PERM_EXACT_N ? 0 : PERM_TAIL, Nb = N - K;
    double mb = 0, vb = 0;
    if (K) {
        for (size_t k = 0; k < Nb; k++) mb += x[k];
        mb /= (double)Nb;
        for (size_t k = 0; k < Nb; k++) vb += (x[k] - mb) * (x[k] - mb);
        vb /= (double)(Nb > 1 ? Nb - 1 : 1);
    }
    int oom = 0;
#pragma omp parallel
    {
        /* exact deals: a partial Fisher-Yates over an index array of this thread's own */
        size_t *idx = K ? NULL : malloc(N * sizeof *idx);
        if (!K && !idx) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(static)
        for (int b = 0; b < PERM_DEALS; b++) {
            sg_rng r;
            sg_rng_init(&r, seed, stream, (uint64_t)b);
            double ssum = 0;
            if (!K) {
                if (!idx) continue;
                for (size_t k = 0; k < N; k++) idx[k] = k;
                for (size_t k = 0; k < ns; k++) {
                    size_t j = k + (size_t)sg_rng_below(&r, N - k), t = idx[k];
                    idx[k] = idx[j];
                    idx[j] = t;
                    ssum += x[idx[k]];
                }
            } else {
                const double *tail = x + Nb, p = (double)ns / (double)N;
                size_t kt = 0;
                for (size_t k = 0; k < K; k++)
                    if (sg_rng_uniform(&r) < p) ssum += tail[k], kt++;
                size_t nbs = ns > kt ? ns - kt : 0;
                if (nbs > Nb) nbs = Nb;
                double var = (double)nbs * vb * (double)(Nb - nbs) / (double)Nb;
                ssum += (double)nbs * mb + sqrt(var > 0 ? var : 0) * sg_rng_normal(&r);
                if (ssum < 0) ssum = 0;
                if (ssum > total) ssum = total;
            }
            q[b] = (ssum / (double)ns + eps) / ((total - ssum) / (double)nr + eps);
        }
        free(idx);
    }
    if (oom) {
        free(x);
        free(q);
        return SG_ERR_NOMEM;
    }
    qsort(q, PERM_DEALS, sizeof *q, cmp_dbl);
    *lo = sg_eval_quantile(q, PERM_DEALS, 0.005);
    *hi = sg_eval_quantile(q, PERM_DEALS, 0.995);
    free(x);
    free(q);
    return SG_OK;
}

static sg_status tails(sg_eval *e, sg_error *err)
{
    const sg_eval_cols *R = &e->real, *S = &e->synth;
    double *xr = malloc(R->n * sizeof *xr), *xs = malloc(S->n * sizeof *xs);
    if (!xr || !xs) {
        free(xr);
        free(xs);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    static const double qs[4] = {0.5, 0.9, 0.99, 0.999};
    static const char *const qn[4] = {"p50", "p90", "p99", "p99.9"};
    char a[40], b[40], key[40], what[80];
    double nlo[SG_EVAL_NCONT], nhi[SG_EVAL_NCONT];
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        if (!col_present(e, c)) continue;
        memcpy(xr, R->cont[c], R->n * sizeof *xr);
        memcpy(xs, S->cont[c], S->n * sizeof *xs);
        qsort(xr, R->n, sizeof *xr, cmp_dbl);
        qsort(xs, S->n, sizeof *xs, cmp_dbl);
        if (c != SG_EC_DURATION && sg_eval_mean_ratio_null(xr, R->n, xs, S->n, TOT_EPS, e->o.seed,
                                                           SG_EVAL_STREAM_REALISM + 16 + (uint32_t)c, &nlo[c], &nhi[c]) != SG_OK)
            goto nomem;
        for (int k = 0; k < 4; k++) {
            snprintf(key, sizeof key, "%s.%s", qn[k], col_key[c]);
            snprintf(what, sizeof what, "%s of %s%s", qn[k], sg_eval_cont_names[c], c == SG_EC_DURATION ? " (s)" : "");
            sg_eval_finding *f = add(e, SG_EM_TAILS, key, what);
            if (!f) goto nomem;
            double rl, rh, sl, sh;
            sg_eval_quantile_band(xr, R->n, qs[k], &rl, &rh);
            sg_eval_quantile_band(xs, S->n, qs[k], &sl, &sh);
            f->real = sg_eval_quantile(xr, R->n, qs[k]);
            f->synth = sg_eval_quantile(xs, S->n, qs[k]);
            f->ok_within = Q_OK;
            f->fail_beyond = Q_FAIL;
            f->verdict = sg_eval_band_verdict(rl, rh, sl, sh, col_floor[c], Q_OK, Q_FAIL, &f->gap);
            f->ratio = ratio_of(fmax(f->synth, col_floor[c]), fmax(f->real, col_floor[c]));
            std_line(f, fnum(f->synth, a, sizeof a), fnum(f->real, b, sizeof b), NULL);
        }
    }
    free(xr);
    free(xs);
    xr = xs = NULL;

    /* totals per direction, judged on the mean per flow (tables may differ in size) */
    static const int tot_cols[4] = {SG_EC_OUT_BYTES, SG_EC_OUT_PKTS, SG_EC_IN_BYTES, SG_EC_IN_PKTS};
    for (int k = 0; k < 4; k++) {
        int c = tot_cols[k];
        if (!col_present(e, c)) continue;
        double tr = 0, ts = 0;
        for (size_t i = 0; i < R->n; i++) tr += R->cont[c][i];
        for (size_t i = 0; i < S->n; i++) ts += S->cont[c][i];
        snprintf(key, sizeof key, "total.%s", col_key[c]);
        snprintf(what, sizeof what, "total %s", sg_eval_cont_names[c]);
        sg_eval_finding *f = add(e, SG_EM_TAILS, key, what);
        if (!f) goto nomem;
        f->real = tr;
        f->synth = ts;
        double mr = tr / (double)R->n, ms = ts / (double)S->n;
        f->ratio = ratio_of(ms, mr);
        f->ok_within = TOT_OK;
        f->fail_beyond = TOT_FAIL;
        /* gap: how far the ratio of the means lies outside what two deals of the pooled rows give */
        double rho = (ms + TOT_EPS) / (mr + TOT_EPS);
        f->gap = rho > nhi[c] ? rho / nhi[c] : rho < nlo[c] ? nlo[c] / rho : 1;
        f->verdict = f->gap <= TOT_OK ? SG_EVAL_OK : f->gap <= TOT_FAIL ? SG_EVAL_WARN : SG_EVAL_FAIL;
        char extra[96], m1[40], m2[40];
        snprintf(extra, sizeof extra, "%s%s vs %s per flow", R->n == S->n ? "" : "compared per flow: ",
                 fnum(ms, m1, sizeof m1), fnum(mr, m2, sizeof m2));
        std_line(f, fnum(ts, a, sizeof a), fnum(tr, b, sizeof b), extra);
    }

    /* flows over 10,000 packets (both directions) */
    {
        size_t hr = 0, hs = 0;
        for (size_t i = 0; i < R->n; i++) hr += R->cont[SG_EC_IN_PKTS][i] + R->cont[SG_EC_OUT_PKTS][i] > HEAVY_PKTS;
        for (size_t i = 0; i < S->n; i++) hs += S->cont[SG_EC_IN_PKTS][i] + S->cont[SG_EC_OUT_PKTS][i] > HEAVY_PKTS;
        sg_eval_finding *f = add(e, SG_EM_TAILS, "heavy.flows_over_10k_packets", "flows over 10,000 packets");
        if (!f) goto nomem;
        double nr = (double)R->n, ns = (double)S->n, rl, rh, sl, sh;
        f->real = (double)hr / nr;
        f->synth = (double)hs / ns;
        sg_eval_poisson_band((double)hr, &rl, &rh);
        sg_eval_poisson_band((double)hs, &sl, &sh);
        f->ok_within = HEAVY_OK;
        f->fail_beyond = HEAVY_FAIL;
        /* floor: one flow in 10,000 */
        f->verdict = sg_eval_band_verdict(rl / nr, rh / nr, sl / ns, sh / ns, 1e-4, HEAVY_OK, HEAVY_FAIL, &f->gap);
        f->ratio = ratio_of(f->synth, f->real);
        char sv[64], rv[64], p1[24], p2[24], c1[32], c2[32];
        snprintf(sv, sizeof sv, "%s (%s)", fnum((double)hs, c1, sizeof c1), fpct(f->synth, p1, sizeof p1));
        snprintf(rv, sizeof rv, "%s (%s)", fnum((double)hr, c2, sizeof c2), fpct(f->real, p2, sizeof p2));
        std_line(f, sv, rv, NULL);
    }
    return SG_OK;
nomem:
    free(xr);
    free(xs);
    return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
}

/* ---- bursts: span, dispersion, busiest seconds --------------------------------------------- */

static int64_t span_us(const sg_eval_cols *t)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < t->n; i++) lo = t->time_us[i] < lo ? t->time_us[i] : lo, hi = t->time_us[i] > hi ? t->time_us[i] : hi;
    return hi - lo;
}

/* m of the n start times, without replacement (partial Fisher-Yates keyed by the seed) */
static int64_t *thin(const sg_eval_cols *t, size_t m, uint64_t seed, uint32_t stream)
{
    size_t n = t->n;
    int64_t *x = malloc(n * sizeof *x);
    if (!x) return NULL;
    memcpy(x, t->time_us, n * sizeof *x);
    if (m < n) {
        sg_rng r;
        sg_rng_init(&r, seed, stream, 0);
        for (size_t i = 0; i < m; i++) {
            size_t j = i + (size_t)sg_rng_below(&r, n - i);
            int64_t v = x[i];
            x[i] = x[j];
            x[j] = v;
        }
    }
    return x;
}

static sg_status bursts(sg_eval *e, sg_error *err)
{
    const sg_eval_cols *R = &e->real, *S = &e->synth;
    char a[40], b[40];
    int64_t sr = span_us(R), ss = span_us(S);
    /* time span: both tables should cover the same stretch of time, or every timing finding
     * (and FPH, IAT, ACF) compares unlike things */
    sg_eval_finding *f = add(e, SG_EM_BURSTS, "bursts.span_s", "time span of the flow starts");
    if (!f) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    f->real = (double)sr / 1e6;
    f->synth = (double)ss / 1e6;
    f->ok_within = SPAN_OK;
    f->fail_beyond = SPAN_FAIL;
    /* floor 1 s: starts within the same second cover "one second" */
    f->verdict = sg_eval_band_verdict(f->real, f->real, f->synth, f->synth, 1, SPAN_OK, SPAN_FAIL, &f->gap);
    f->ratio = fmax(f->synth, 1) / fmax(f->real, 1);
    std_line(f, fdur(f->synth, a, sizeof a), fdur(f->real, b, sizeof b), NULL);

    /* per-second counts over a common window (the longer span) after thinning the table with
     * more flows to the other's count: burstiness then compares like with like when one table is
     * a sample of a bigger network or a scaled-up run (docs/metrics.md §8) */
    size_t m = R->n < S->n ? R->n : S->n;
    int64_t *tr = thin(R, m, e->o.seed, SG_EVAL_STREAM_REALISM + 4);
    int64_t *ts = thin(S, m, e->o.seed, SG_EVAL_STREAM_REALISM + 5);
    if (!tr || !ts) {
        free(tr);
        free(ts);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    int64_t w = (sr > ss ? sr : ss) / 1000000 + 1;
    double dr, br, pr, ds, bs, ps;
    sg_eval_burstiness(tr, m, w, &dr, &br, &pr);
    sg_eval_burstiness(ts, m, w, &ds, &bs, &ps);
    free(tr);
    free(ts);
    char note[128], n1[32];
    int unlike = e->find[e->nfind - 1].verdict != SG_EVAL_OK; /* the span finding just added */
    note[0] = 0;
    if (R->n != S->n) snprintf(note, sizeof note, "both at %s flows", fnum((double)m, n1, sizeof n1));
    if (unlike)
        snprintf(note + strlen(note), sizeof note - strlen(note), "%sthe tables cover different spans", note[0] ? ", " : "");

    f = add(e, SG_EM_BURSTS, "bursts.dispersion", "dispersion index of flows per second");
    if (!f) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    f->real = dr;
    f->synth = ds;
    f->ok_within = DISP_OK;
    f->fail_beyond = DISP_FAIL;
    if (isnan(dr) || isnan(ds)) {
        f->verdict = SG_EVAL_WARN;
        snprintf(f->line, sizeof f->line, "%s: not computed: WARN", f->what);
    } else {
        /* floor 0.1: below, per-second counts are nearly constant either way */
        f->verdict = sg_eval_band_verdict(dr, dr, ds, ds, 0.1, DISP_OK, DISP_FAIL, &f->gap);
        f->ratio = fmax(ds, 0.1) / fmax(dr, 0.1);
        char d1[32], d2[32];
        if (ds >= 100) fnum(ds, d1, sizeof d1);
        else snprintf(d1, sizeof d1, "%.3g", ds);
        if (dr >= 100) fnum(dr, d2, sizeof d2);
        else snprintf(d2, sizeof d2, "%.3g", dr);
        std_line(f, d1, d2, note);
    }

    f = add(e, SG_EM_BURSTS, "bursts.top10_share", "share of flows in the busiest 10 seconds");
    if (!f) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    f->real = br;
    f->synth = bs;
    f->ok_within = TOP_OK;
    f->fail_beyond = TOP_FAIL;
    if (isnan(br) || isnan(bs)) {
        f->verdict = SG_EVAL_WARN;
        snprintf(f->line, sizeof f->line, "%s: not computed: WARN", f->what);
    } else {
        f->verdict = sg_eval_band_verdict(br, br, bs, bs, 1e-9, TOP_OK, TOP_FAIL, &f->gap);
        f->ratio = ratio_of(bs, br);
        char extra[160], p1[32], p2[32];
        snprintf(extra, sizeof extra, "busiest second %s vs %s flows%s%s", fnum(ps, p1, sizeof p1), fnum(pr, p2, sizeof p2),
                 note[0] ? ", " : "", note);
        std_line(f, fpct(bs, a, sizeof a), fpct(br, b, sizeof b), extra);
    }
    return SG_OK;
}

/* ---- per-rule DKC -------------------------------------------------------------------------- */

static sg_status rules(sg_eval *e, sg_error *err)
{
    const sg_eval_result *r = &e->res;
    double nr = (double)r->n_real, ns = (double)r->n_synth;
    for (int c = 0; c < SG_EVAL_NDKC; c++) {
        if (r->dkc_count[c] == 0 && r->dkc_count_real[c] == 0) continue; /* summarised by the reports */
        char key[40], what[96], a[48], b[48], p[24];
        snprintf(key, sizeof key, "dkc.rule%d", c + 1);
        snprintf(what, sizeof what, "DKC rule %d (%s)", c + 1, sg_eval_dkc_descr[c]);
        sg_eval_finding *f = add(e, SG_EM_RULES, key, what);
        if (!f) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        f->real = (double)r->dkc_count_real[c] / nr;
        f->synth = (double)r->dkc_count[c] / ns;
        f->ratio = ratio_of(f->synth, f->real);
        f->ok_within = RULE_OK;
        f->fail_beyond = RULE_FAIL;
        double rl, rh, sl, sh;
        sg_eval_poisson_band((double)r->dkc_count_real[c], &rl, &rh);
        sg_eval_poisson_band((double)r->dkc_count[c], &sl, &sh);
        /* only breaking a rule more often than the real data is a defect */
        if (sl / ns > rh / nr) f->verdict = sg_eval_band_verdict(rl / nr, rh / nr, sl / ns, sh / ns, RULE_FLOOR, RULE_OK, RULE_FAIL, &f->gap);
        else f->verdict = SG_EVAL_OK, f->gap = 1;
        char p2[24], c1[32], c2[32];
        snprintf(a, sizeof a, "%s (%s)", fpct(f->synth, p, sizeof p), fnum((double)r->dkc_count[c], c1, sizeof c1));
        snprintf(b, sizeof b, "%s (%s)", fpct(f->real, p2, sizeof p2), fnum((double)r->dkc_count_real[c], c2, sizeof c2));
        std_line(f, a, b, NULL);
    }
    return SG_OK;
}

/* ---- containment in a network config ------------------------------------------------------- */

typedef struct addr_cache {
    sg_hashmap *m;
    const sg_netcfg *cfg;
} addr_cache;

static long host_of(addr_cache *c, const char *ip)
{
    size_t len = strlen(ip);
    uint64_t v;
    if (sg_hashmap_get(c->m, ip, len, &v)) return (long)v - 1;
    long h = sg_netcfg_find_addr(c->cfg, ip);
    if (sg_hashmap_put(c->m, ip, len, (uint64_t)(h + 1)) != SG_OK) return -2;
    return h;
}

/* the service host h offers on (proto, port), or NULL */
static const sg_net_service *offered(const sg_net_host *h, uint8_t proto, uint16_t port)
{
    for (size_t i = 0; i < h->nifaces; i++)
        for (size_t k = 0; k < h->ifaces[i].nservices; k++) {
            const sg_net_service *s = &h->ifaces[i].services[k];
            if (s->proto == proto && s->port == port) return s;
        }
    return NULL;
}

static int same_service_name(const char *a, const char *b)
{
    if (!strcmp(a, b)) return 1;
    uint8_t pa, pb;
    uint16_t qa, qb; /* aliases: "mdns" and "multicast dns" */
    return sg_net_service_lookup(a, &pa, &qa) == 0 && sg_net_service_lookup(b, &pb, &qb) == 0 && pa == pb && qa == qb;
}

/* does client host h use the service (proto, port) named name (NULL: unnamed)? */
static int uses(const sg_net_host *h, uint8_t proto, uint16_t port, const char *name)
{
    if (h->client_all) return 1;
    for (size_t i = 0; i < h->nclient; i++) {
        const sg_net_service *s = &h->client[i];
        if (s->proto == proto && s->port == port) return 1;
        if (name && same_service_name(s->name, name)) return 1;
    }
    return 0;
}

static void count_host(size_t *per_host, long h, long *best, size_t *best_n)
{
    if (h < 0) return;
    per_host[h]++;
    if (per_host[h] > *best_n || (per_host[h] == *best_n && h < *best)) *best = h, *best_n = per_host[h];
}

sg_status sg_eval__contain(const sg_flow_table *t, const sg_netcfg *cfg, sg_eval_contain *o, sg_error *err)
{
    memset(o, 0, sizeof *o);
    o->talks_host = o->client_host = o->service_host = -1;
    addr_cache ac = {sg_hashmap_create(1024), cfg};
    size_t *ph = calloc(3 * (cfg->nhosts ? cfg->nhosts : 1), sizeof *ph);
    if (!ac.m || !ph) {
        sg_hashmap_destroy(ac.m);
        free(ph);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t *pt = ph, *pc = ph + cfg->nhosts, *ps = ph + 2 * cfg->nhosts;
    sg_status st = SG_OK;
    for (size_t i = 0; i < t->n; i++) {
        const sg_flow *f = &t->flows[i];
        long s = host_of(&ac, f->src_ip), d = host_of(&ac, f->dst_ip);
        if (s < -1 || d < -1) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        o->n++;
        if (s < 0 && d < 0) {
            o->outside++;
            continue;
        }
        int ported = f->proto == SG_PROTO_TCP || f->proto == SG_PROTO_UDP;
        /* one-way layouts hold the server's answers as records of their own: a record from a
         * host that offers its source port, to an endpoint that does not offer the destination
         * port, is an answer; judge it from the client's side */
        long cl = s, sv = d;
        uint16_t port = f->dst_port;
        if (ported && s >= 0 && offered(&cfg->hosts[s], f->proto, f->src_port) &&
            !(d >= 0 && offered(&cfg->hosts[d], f->proto, f->dst_port)))
            cl = d, sv = s, port = f->src_port;
        const sg_net_service *svc = sv >= 0 && ported ? offered(&cfg->hosts[sv], f->proto, port) : NULL;
        if (cl >= 0) {
            const sg_net_host *h = &cfg->hosts[cl];
            if (h->ntalks > 0) {
                int ok = 0;
                for (size_t k = 0; k < h->ntalks && !ok; k++) ok = sv >= 0 && h->talks_to[k] == (size_t)sv;
                if (!ok) o->talks++, count_host(pt, cl, &o->talks_host, &o->talks_host_n);
            }
            if (ported && !h->client_all) {
                const char *name = svc ? svc->name : sg_net_service_name(f->proto, port);
                if (!uses(h, f->proto, port, name)) o->client++, count_host(pc, cl, &o->client_host, &o->client_host_n);
            }
        }
        if (sv >= 0 && ported && !svc) o->service++, count_host(ps, sv, &o->service_host, &o->service_host_n);
    }
    o->computed = st == SG_OK;
    sg_hashmap_destroy(ac.m);
    free(ph);
    return st;
}

static sg_status config_findings(sg_eval *e, sg_error *err)
{
    const sg_eval_contain *c = &e->contain;
    char p[24];
    struct {
        const char *key, *what;
        size_t n;
        long host;
        size_t host_n;
    } rows[4] = {
        {"config.outside", "flows without a config host as an endpoint", c->outside, -1, 0},
        {"config.talks_to", "flows from a host with talks_to to another destination", c->talks, c->talks_host, c->talks_host_n},
        {"config.client", "flows using a service outside the client's list", c->client, c->client_host, c->client_host_n},
        {"config.service", "flows to a config host on a service it does not offer", c->service, c->service_host, c->service_host_n},
    };
    for (int k = 0; k < 4; k++) {
        sg_eval_finding *f = add(e, SG_EM_CONFIG, rows[k].key, rows[k].what);
        if (!f) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        f->synth = c->n ? (double)rows[k].n / (double)c->n : 0;
        f->ok_within = 1;
        f->fail_beyond = 1;
        /* the config is a contract: any flow outside it is a defect */
        f->verdict = rows[k].n ? SG_EVAL_FAIL : SG_EVAL_OK;
        f->gap = rows[k].n ? INFINITY : 1;
        char worst[128] = "", n1[40], n2[40], n3[40];
        if (rows[k].host >= 0 && (size_t)rows[k].host < e->nhost_names)
            snprintf(worst, sizeof worst, "; most from %s: %s", e->host_names[rows[k].host],
                     fnum((double)rows[k].host_n, n3, sizeof n3));
        snprintf(f->line, sizeof f->line, "%s: %s of %s (%s)%s: %s", f->what, fnum((double)rows[k].n, n1, sizeof n1),
                 fnum((double)c->n, n2, sizeof n2), fpct(f->synth, p, sizeof p), worst, sg_eval_verdict_name(f->verdict));
    }
    return SG_OK;
}

sg_status sg_eval__realism(sg_eval *e, sg_error *err)
{
    e->nfind = 0;
    uint32_t M = e->res.metrics;
    sg_status st = SG_OK;
    if (M & SG_EM_TAILS) st = tails(e, err);
    if (st == SG_OK && (M & SG_EM_BURSTS)) st = bursts(e, err);
    if (st == SG_OK && (M & SG_EM_RULES)) st = rules(e, err);
    if (st == SG_OK && (M & SG_EM_CONFIG) && e->contain.computed) st = config_findings(e, err);
    return st;
}
