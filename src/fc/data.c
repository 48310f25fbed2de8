/* FlowChronicle data encoding (spec §1): one global dictionary per column (codes in order of
 * first appearance in time order), ip columns sharing one address dictionary (so a reuse
 * across Src/Dst compares addresses), numeric columns binned into a zero bin + up to 40
 * equal-frequency bins, posting lists per (column, code). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t fc_bin_edges(const double *vals, size_t n, double *edges)
{
    size_t ne = 0;
    if (sg_flow_bin_edges(vals, n, 40, edges, &ne, NULL) != SG_OK) return 0;
    return ne;
}

uint32_t fc_bin_of(const double *edges, size_t ne, double x) { return sg_flow_bin_of(edges, ne, x); }

/* linear-interpolation quantile p of sorted s[0..n) (numpy's default) */
static double quantile_sorted(const double *s, size_t n, double p)
{
    double pos = (double)(n - 1) * p;
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= n) return s[n - 1];
    return s[lo] + (pos - (double)lo) * (s[lo + 1] - s[lo]);
}

/* ---- tail model (docs/flowchronicle.md "Tail model") --------------------------------------- */

double fc_gpd_cdf(double y, double xi, double sigma)
{
    if (!(y > 0)) return 0.0;
    if (fabs(xi) < 1e-9) return -expm1(-y / sigma);
    double z = 1.0 + xi * y / sigma;
    if (z <= 0) return 1.0; /* beyond the end point of a bounded (xi < 0) tail */
    return -expm1(-log(z) / xi);
}

double fc_gpd_quantile(double p, double xi, double sigma)
{
    if (!(p > 0)) return 0.0;
    if (p >= 1) p = 1 - 1e-15;
    if (fabs(xi) < 1e-9) return -sigma * log1p(-p);
    return sigma / xi * expm1(-xi * log1p(-p));
}

/* profile log-likelihood of theta = xi / sigma (Grimshaw 1993): for a given theta the MLE of xi is
 * mean(log(1 + theta y)), sigma = xi / theta; theta -> 0 is the exponential */
static double gpd_profile(const double *y, size_t n, double th, double ymax, double *xi, double *sigma)
{
    double dn = (double)n;
    if (fabs(th) < 1e-300) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += y[i];
        *xi = 0;
        *sigma = s / dn;
        return -dn * log(*sigma) - dn;
    }
    if (th * ymax <= -1) return -INFINITY;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += log1p(th * y[i]);
    *xi = s / dn;
    *sigma = *xi / th;
    if (!(*sigma > 0) || *xi == 0) return -INFINITY;
    return -dn * log(*sigma) - (1.0 / *xi + 1.0) * s;
}

void fc_gpd_fit(const double *y, size_t n, double *xi, double *sigma)
{
    double ymax = 0, best = -INFINITY, bth = 0, x, sg;
    for (size_t i = 0; i < n; i++) ymax = y[i] > ymax ? y[i] : ymax;
    *xi = 0;
    *sigma = 1;
    if (n == 0 || !(ymax > 0)) return;
    /* grid over theta in (-1/ymax, 1e6/ymax]: negative (bounded tails), 0, positive on a log scale */
    for (int k = -100; k <= 100; k++) {
        double th;
        if (k < 0) th = -(1.0 - pow(10.0, (double)k / 25.0)) / ymax; /* k = -100: -(1 - 1e-4)/ymax */
        else if (k == 0) th = 0;
        else th = pow(10.0, ((double)k - 40.0) / 10.0) / ymax; /* 1e-4 .. 1e6 over ymax */
        double l = gpd_profile(y, n, th, ymax, &x, &sg);
        if (l > best) best = l, bth = th;
    }
    /* golden-section refinement around the best grid point (the profile is unimodal near it) */
    double lo = bth - fabs(bth) * 0.3 - 1e-12 / ymax, hi = bth + fabs(bth) * 0.3 + 1e-12 / ymax;
    if (lo * ymax <= -1) lo = -(1.0 - 1e-9) / ymax;
    const double g = 0.6180339887498949;
    for (int it = 0; it < 80; it++) {
        double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
        if (gpd_profile(y, n, a, ymax, &x, &sg) > gpd_profile(y, n, b, ymax, &x, &sg)) hi = b;
        else lo = a;
    }
    double th = (lo + hi) / 2;
    if (gpd_profile(y, n, th, ymax, &x, &sg) < best) th = bth;
    gpd_profile(y, n, th, ymax, xi, sigma);
}

#define FC_TAIL_MIN 20 /* values above the threshold needed to fit two parameters */

/* The top bin's upper half: generalised Pareto against the bin's quantile table (with its replayed
 * top values), decided by MDL: two-part code of the integer values above the threshold t = the
 * bin's median, parameters at 1/2 lg n bits each (2 for the GPD; 16 quantiles + the replayed values
 * for the table), data at -lg P(x | x > t) with each integer x taking its [x - 1/2, x + 1/2] slice
 * of the model. Kept only where (1) the GPD is shorter, (2) its mean is finite (xi < 1; with
 * xi >= 1 the volume would be set by the truncation, not by the data) and (3) the fitted tail
 * accounts for the training maximum: its level with survival 1 / (2 n) above t (the level a table
 * twice the training size would pass once) is at or above the maximum. That level is the
 * truncation. Without (3) the fit describes the body of the upper half but not its end, and
 * generating from it thinned the records the data hold at the top (measured over random UGR'16
 * splits: p99.9 packets 0.98 -> 0.64 of the held-out part; docs/flowchronicle.md "Tail model").
 * col->inq and col->topv must be set already. */
static void fit_tail(fc_column *col, const double *s, size_t cnt)
{
    col->tail_fitted = col->tail_kept = 0;
    if (!col->integer || col->nedges < 3 || cnt == 0) return;
    size_t K = col->nedges - 1;
    const double *q = col->inq + (K - 1) * (FC_INQ + 1);
    double t = q[FC_INQ / 2];
    size_t i0 = 0;
    while (i0 < cnt && s[i0] <= t) i0++;
    size_t n = cnt - i0;
    if (n < FC_TAIL_MIN) return;
    double *y = malloc(n * sizeof *y);
    if (!y) return;
    for (size_t i = 0; i < n; i++) y[i] = s[i0 + i] - t;
    double xi, sigma;
    fc_gpd_fit(y, n, &xi, &sigma);
    double pt = fc_inbin_prob(col, (uint32_t)K, t), bq = 0, bg = 0, par = 0.5 * log2((double)n);
    for (size_t i = 0; i < n; i++) {
        double x = s[i0 + i], lo = x - 0.5 < t ? t : x - 0.5;
        double p_q = (fc_inbin_prob(col, (uint32_t)K, x + 0.5) - fc_inbin_prob(col, (uint32_t)K, lo)) / (1 - pt);
        /* a value between two replayed ones (more top values than FC_TOPV, evenly spaced order
         * statistics stored): coded as one replayed value, not as impossible */
        double p_min = col->ntopv ? 1.0 / (FC_INQ * (double)col->ntopv * (1 - pt)) : 0;
        if (x > q[FC_INQ - 1] && p_q < p_min) p_q = p_min;
        double p_g = fc_gpd_cdf(x + 0.5 - t, xi, sigma) - fc_gpd_cdf(lo - t, xi, sigma);
        bq -= log2(p_q > 1e-300 ? p_q : 1e-300);
        bg -= log2(p_g > 1e-300 ? p_g : 1e-300);
    }
    free(y);
    col->tail_fitted = 1;
    col->tail_t = t;
    col->tail_pt = pt;
    col->tail_xi = xi;
    col->tail_sigma = sigma;
    col->tail_n = (double)n;
    col->tail_bits_q = bq + (double)(FC_INQ / 2 + col->ntopv) * par; /* quantiles and replayed top values */
    col->tail_bits_gpd = bg + 2 * par;
    col->tail_cap = t + fc_gpd_quantile(1.0 - 1.0 / (2.0 * (double)n), xi, sigma);
    int accounts = col->tail_cap >= s[cnt - 1];
    if (!accounts) col->tail_cap = s[cnt - 1];
    col->tail_kept = col->tail_bits_gpd < col->tail_bits_q && xi < 1 && accounts && pt > 0 && pt < 1;
}

sg_status fc_column_inbin_quantiles(fc_column *col, const double *vals, size_t n)
{
    free(col->inq);
    col->inq = NULL;
    if (col->role != FC_ROLE_NUM || col->nedges < 2) return SG_OK;
    size_t K = col->nedges - 1;
    double *inq = calloc(K * (FC_INQ + 1), sizeof *inq);
    size_t *cnt = calloc(K + 1, sizeof *cnt), *off = calloc(K + 2, sizeof *off);
    double *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!inq || !cnt || !off || !sorted) {
        free(inq), free(cnt), free(off), free(sorted);
        return SG_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t b = fc_bin_of(col->edges, col->nedges, vals[i]);
        if (b >= 1 && b <= K) cnt[b]++;
    }
    for (size_t b = 1; b <= K; b++) off[b + 1] = off[b] + cnt[b];
    for (size_t b = 0; b <= K; b++) cnt[b] = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b = fc_bin_of(col->edges, col->nedges, vals[i]);
        if (b >= 1 && b <= K) sorted[off[b] + cnt[b]++] = vals[i];
    }
    for (size_t b = 1; b <= K; b++) {
        double *q = inq + (b - 1) * (FC_INQ + 1);
        if (cnt[b] == 0) { /* cannot happen for bins built from these values; keep the edges */
            for (int j = 0; j <= FC_INQ; j++) q[j] = col->edges[b - 1] + (col->edges[b] - col->edges[b - 1]) * j / FC_INQ;
            continue;
        }
        double *s = sorted + off[b];
        qsort(s, cnt[b], sizeof *s, cmp_double);
        for (int j = 0; j <= FC_INQ; j++) q[j] = quantile_sorted(s, cnt[b], (double)j / FC_INQ);
    }
    col->inq = inq;
    col->tail_fitted = col->tail_kept = 0;
    free(col->topv);
    col->topv = NULL;
    col->ntopv = 0;
    if (cnt[K] > 0) { /* the top bin's highest values: ranks >= (FC_INQ - 1) / FC_INQ of the bin */
        const double *s = sorted + off[K];
        size_t i0 = (size_t)floor((double)(cnt[K] - 1) * (FC_INQ - 1) / FC_INQ) + 1, m = cnt[K] > i0 ? cnt[K] - i0 : 0;
        size_t k = m < FC_TOPV ? m : FC_TOPV;
        col->topv = k ? malloc(k * sizeof *col->topv) : NULL;
        if (k && !col->topv) {
            free(cnt), free(off), free(sorted);
            return SG_ERR_NOMEM;
        }
        for (size_t j = 0; j < k; j++) col->topv[j] = s[i0 + (k == m ? j : (size_t)llround((double)j * (double)(m - 1) / (double)(k - 1)))];
        col->ntopv = k;
    }
    fit_tail(col, sorted + off[K], cnt[K]);
    free(cnt), free(off), free(sorted);
    return SG_OK;
}

/* Between two stored quantiles the value is interpolated on a log scale when both are positive:
 * inside a heavy-tailed bin the density falls like a power law, which a log-linear quantile
 * function follows and a linear one overshoots (docs/flowchronicle.md "Un-binning"). */
double fc_bin_top(const fc_column *col, uint32_t b)
{
    if (col->tail_kept && b + 1 == col->nedges) return col->tail_cap;
    return col->edges[b];
}

double fc_inbin_value(const fc_column *col, uint32_t b, double u)
{
    if (col->tail_kept && b + 1 == col->nedges && u > col->tail_pt) {
        double g = fc_gpd_cdf(col->tail_cap - col->tail_t, col->tail_xi, col->tail_sigma);
        double p = (u >= 1 ? 1.0 : (u - col->tail_pt) / (1 - col->tail_pt)) * g;
        double v = col->tail_t + fc_gpd_quantile(p, col->tail_xi, col->tail_sigma);
        return v > col->tail_cap ? col->tail_cap : v;
    }
    const double *q = col->inq + (size_t)(b - 1) * (FC_INQ + 1);
    if (!(u > 0)) return q[0];
    if (col->ntopv && b + 1 == col->nedges && u * FC_INQ > FC_INQ - 1) { /* the top values themselves */
        size_t i = (size_t)((u * FC_INQ - (FC_INQ - 1)) * (double)col->ntopv);
        return col->topv[i < col->ntopv ? i : col->ntopv - 1];
    }
    if (u >= 1) return q[FC_INQ];
    double p = u * FC_INQ;
    int j = (int)p;
    if (j >= FC_INQ) j = FC_INQ - 1;
    double t = p - j, a = q[j], c = q[j + 1];
    if (a > 0 && c > a) return a * pow(c / a, t);
    return a + t * (c - a);
}

double fc_inbin_prob(const fc_column *col, uint32_t b, double x)
{
    if (col->tail_kept && b + 1 == col->nedges && x > col->tail_t) {
        double g = fc_gpd_cdf(col->tail_cap - col->tail_t, col->tail_xi, col->tail_sigma);
        double p = col->tail_pt + (1 - col->tail_pt) * fc_gpd_cdf(x - col->tail_t, col->tail_xi, col->tail_sigma) / g;
        return p > 1 ? 1.0 : p;
    }
    const double *q = col->inq + (size_t)(b - 1) * (FC_INQ + 1);
    if (x <= q[0]) return 0.0;
    if (col->ntopv && b + 1 == col->nedges && x > q[FC_INQ - 1]) { /* inverse of the replayed values (monotone:
                                                                          * the last segment holds only them) */
        size_t lt = 0, eq = 0;
        for (size_t i = 0; i < col->ntopv; i++) lt += col->topv[i] < x, eq += col->topv[i] == x;
        double p = (FC_INQ - 1 + ((double)lt + 0.5 * (double)eq) / (double)col->ntopv) / FC_INQ;
        return p > 1 ? 1.0 : p;
    }
    if (x >= q[FC_INQ]) return 1.0;
    int j = 0;
    while (j < FC_INQ - 1 && x > q[j + 1]) j++;
    double a = q[j], c = q[j + 1], t;
    if (c <= a) t = 1.0;
    else if (a > 0) t = log(x / a) / log(c / a);
    else t = (x - a) / (c - a);
    return (j + t) / FC_INQ;
}

void fc_data_free(fc_data *d)
{
    if (d->borrowed) {
        for (size_t c = 0; c < FC_MAXC; c++) {
            free(d->post_off[c]);
            free(d->post_idx[c]);
        }
        free(d->t);
        free(d->codes);
        memset(d, 0, sizeof *d);
        return;
    }
    for (size_t c = 0; c < FC_MAXC; c++) {
        fc_column *col = &d->col[c];
        if (col->labels && col->role != FC_ROLE_IP) {
            for (size_t v = 0; v < col->ndom; v++) free(col->labels[v]);
            free(col->labels);
        }
        free(col->code_bin);
        free(col->edges);
        free(col->inq);
        free(col->topv);
        free(col->protos);
        free(d->post_off[c]);
        free(d->post_idx[c]);
    }
    if (d->iplabels)
        for (size_t i = 0; i < d->nip; i++) free(d->iplabels[i]);
    free(d->iplabels);
    free(d->t);
    free(d->codes);
    free(d->lntab);
    memset(d, 0, sizeof *d);
}

sg_status fc_data_build(fc_data *d, const fc_rawcol *cols, size_t C, size_t n, const int64_t *t_abs_us, sg_error *err)
{
    memset(d, 0, sizeof *d);
    if (C == 0 || C > FC_MAXC) return sg_error_set(err, SG_ERR_INVALID, "flowchronicle: %zu columns (1..%d)", C, FC_MAXC);
    if (n == 0) return sg_error_set(err, SG_ERR_EMPTY, "flowchronicle: no flows to learn from");
    if (n > UINT32_MAX - 2) return sg_error_set(err, SG_ERR_RANGE, "flowchronicle: too many flows (%zu)", n);
    d->n = n;
    d->C = C;
    sg_status st = SG_OK;
    d->t = malloc(n * sizeof *d->t);
    if (!d->t) goto oom;
    /* times: 10 ms units, rounded, relative to the first flow */
    {
        int64_t u = FC_TIME_UNIT_US;
        int64_t f0 = t_abs_us[0];
        int64_t r0 = (f0 >= 0 ? (f0 + u / 2) / u : -((-f0 + u / 2) / u));
        d->t_first_us = r0 * u;
        for (size_t i = 0; i < n; i++) {
            int64_t x = t_abs_us[i];
            int64_t r = (x >= 0 ? (x + u / 2) / u : -((-x + u / 2) / u));
            d->t[i] = r - r0;
            if (i && d->t[i] < d->t[i - 1])
                return fc_data_free(d), sg_error_set(err, SG_ERR_INVALID, "flowchronicle: flows not sorted by time");
        }
        int64_t span = d->t[n - 1] - d->t[0];
        d->tau = span > 0 ? log2((double)span) : 0.0;
    }
    d->lntab = malloc(FC_LNTAB * sizeof *d->lntab);
    if (!d->lntab) goto oom;
    d->lntab[0] = 0;
    for (uint64_t x = 1; x < FC_LNTAB; x++) d->lntab[x] = sg_universal_int_bits(x);
    sg_strtab *ipt = sg_strtab_create();
    if (!ipt) goto oom;
    d->codes = malloc(n * C * sizeof(uint32_t));
    if (!d->codes) goto oom_ip;
    for (size_t c = 0; c < C; c++) {
        fc_column *col = &d->col[c];
        snprintf(col->name, sizeof col->name, "%s", cols[c].name);
        col->role = cols[c].role;
        col->field = cols[c].field;
        col->integer = cols[c].integer;
        d->code[c] = d->codes + c * n;
    }
    /* ip columns first (shared dictionary: first appearance scanning rows, then columns) */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < C; c++) {
            if (cols[c].role != FC_ROLE_IP) continue;
            const char *s = cols[c].str[i] ? cols[c].str[i] : "";
            int64_t id = sg_strtab_intern(ipt, s, strlen(s));
            if (id < 0) goto oom_ip;
            d->code[c][i] = (uint32_t)id;
        }
    d->nip = sg_strtab_size(ipt);
    d->iplabels = calloc(d->nip ? d->nip : 1, sizeof *d->iplabels);
    if (!d->iplabels) goto oom_ip;
    for (size_t i = 0; i < d->nip; i++) {
        d->iplabels[i] = strdup(sg_strtab_str(ipt, i));
        if (!d->iplabels[i]) goto oom_ip;
    }
    sg_strtab_destroy(ipt);
    ipt = NULL;
    for (size_t c = 0; c < C; c++) {
        fc_column *col = &d->col[c];
        if (col->role == FC_ROLE_IP) {
            /* per-column domain size = addresses seen in this column */
            uint8_t *seen = calloc(d->nip ? d->nip : 1, 1);
            if (!seen) goto oom;
            for (size_t i = 0; i < n; i++)
                if (!seen[d->code[c][i]]) {
                    seen[d->code[c][i]] = 1;
                    col->ndom++;
                }
            free(seen);
            col->labels = d->iplabels; /* shared, not owned */
            d->codespace[c] = d->nip;
        } else if (col->role == FC_ROLE_CAT) {
            sg_strtab *tab = sg_strtab_create();
            if (!tab) goto oom;
            for (size_t i = 0; i < n; i++) {
                const char *s = cols[c].str[i] ? cols[c].str[i] : "";
                int64_t id = sg_strtab_intern(tab, s, strlen(s));
                if (id < 0) {
                    sg_strtab_destroy(tab);
                    goto oom;
                }
                d->code[c][i] = (uint32_t)id;
            }
            col->ndom = sg_strtab_size(tab);
            col->labels = calloc(col->ndom, sizeof *col->labels);
            if (!col->labels) {
                sg_strtab_destroy(tab);
                goto oom;
            }
            for (size_t v = 0; v < col->ndom; v++) {
                col->labels[v] = strdup(sg_strtab_str(tab, v));
                if (!col->labels[v]) {
                    sg_strtab_destroy(tab);
                    goto oom;
                }
            }
            sg_strtab_destroy(tab);
            d->codespace[c] = col->ndom;
        } else {
            /* numeric: bins, then codes by first appearance of bins */
            double *nz = malloc(n * sizeof *nz);
            if (!nz) goto oom;
            size_t nnz = 0;
            for (size_t i = 0; i < n; i++) {
                double x = cols[c].num[i];
                if (!isfinite(x) || x < 0) {
                    free(nz);
                    fc_data_free(d);
                    return sg_error_set(err, SG_ERR_INVALID, "flowchronicle: column %s: invalid value %g in flow %zu",
                                        cols[c].name, x, i + 1);
                }
                if (x != 0.0) nz[nnz++] = x;
            }
            col->edges = malloc(41 * sizeof *col->edges);
            if (!col->edges) {
                free(nz);
                goto oom;
            }
            col->nedges = fc_bin_edges(nz, nnz, col->edges);
            free(nz);
            uint32_t nb = (uint32_t)(col->nedges > 1 ? col->nedges : 2); /* bins 0..K (K >= 1) */
            uint32_t *bin2code = malloc(nb * sizeof *bin2code);
            col->code_bin = malloc(nb * sizeof *col->code_bin);
            if (!bin2code || !col->code_bin) {
                free(bin2code);
                goto oom;
            }
            for (uint32_t b = 0; b < nb; b++) bin2code[b] = UINT32_MAX;
            for (size_t i = 0; i < n; i++) {
                uint32_t b = fc_bin_of(col->edges, col->nedges, cols[c].num[i]);
                if (b >= nb) b = nb - 1;
                if (bin2code[b] == UINT32_MAX) {
                    bin2code[b] = (uint32_t)col->ndom;
                    col->code_bin[col->ndom++] = b;
                }
                d->code[c][i] = bin2code[b];
            }
            free(bin2code);
            col->labels = calloc(col->ndom, sizeof *col->labels);
            if (!col->labels) goto oom;
            for (size_t v = 0; v < col->ndom; v++) {
                uint32_t b = col->code_bin[v];
                char buf[96];
                if (b == 0) snprintf(buf, sizeof buf, "0");
                else if (col->nedges <= 1) snprintf(buf, sizeof buf, "%.15g", col->edges[0]);
                else snprintf(buf, sizeof buf, "%s%.15g, %.15g]", b == 1 ? "[" : "(", col->edges[b - 1], col->edges[b]);
                col->labels[v] = strdup(buf);
                if (!col->labels[v]) goto oom;
            }
            d->codespace[c] = col->ndom;
        }
    }
    /* posting lists */
    for (size_t c = 0; c < C; c++) {
        size_t V = d->codespace[c];
        d->post_off[c] = calloc(V + 2, sizeof(uint32_t));
        d->post_idx[c] = malloc(n * sizeof(uint32_t));
        if (!d->post_off[c] || !d->post_idx[c]) goto oom;
        for (size_t i = 0; i < n; i++) d->post_off[c][d->code[c][i] + 2]++;
        for (size_t v = 0; v < V; v++) d->post_off[c][v + 2] += d->post_off[c][v + 1];
        for (size_t i = 0; i < n; i++) d->post_idx[c][d->post_off[c][d->code[c][i] + 1]++] = (uint32_t)i;
    }
    return st;
oom_ip:
    sg_strtab_destroy(ipt);
oom:
    fc_data_free(d);
    return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
}

sg_status fc_data_slice(const fc_data *d, size_t a, size_t b, fc_data *out)
{
    size_t r[2] = {a, b};
    return fc_data_gather(d, r, 1, out);
}

sg_status fc_data_gather(const fc_data *d, const size_t *rg, size_t nr, fc_data *out)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (size_t k = 0; k < nr; k++) {
        if (rg[2 * k + 1] <= rg[2 * k] || rg[2 * k + 1] > d->n || (k && rg[2 * k] < rg[2 * k - 1])) return SG_ERR_INVALID;
        n += rg[2 * k + 1] - rg[2 * k];
    }
    size_t C = d->C;
    out->borrowed = 1;
    out->n = n;
    out->C = C;
    for (size_t c = 0; c < C; c++) {
        out->col[c] = d->col[c];
        out->codespace[c] = d->codespace[c];
    }
    out->nip = d->nip;
    out->iplabels = d->iplabels;
    out->lntab = d->lntab;
    out->t_first_us = d->t_first_us + d->t[rg[0]] * FC_TIME_UNIT_US;
    out->t = malloc(n * sizeof *out->t);
    out->codes = malloc(n * C * sizeof *out->codes);
    if (!out->t || !out->codes) goto oom;
    size_t i = 0;
    for (size_t k = 0; k < nr; k++)
        for (size_t j = rg[2 * k]; j < rg[2 * k + 1]; j++) out->t[i++] = d->t[j] - d->t[rg[0]];
    int64_t span = out->t[n - 1] - out->t[0];
    out->tau = span > 0 ? log2((double)span) : 0.0;
    for (size_t c = 0; c < C; c++) {
        out->code[c] = out->codes + c * n;
        i = 0;
        for (size_t k = 0; k < nr; k++) {
            size_t len = rg[2 * k + 1] - rg[2 * k];
            memcpy(out->code[c] + i, d->code[c] + rg[2 * k], len * sizeof(uint32_t));
            i += len;
        }
        size_t V = out->codespace[c];
        out->post_off[c] = calloc(V + 2, sizeof(uint32_t));
        out->post_idx[c] = malloc(n * sizeof(uint32_t));
        if (!out->post_off[c] || !out->post_idx[c]) goto oom;
        for (size_t j = 0; j < n; j++) out->post_off[c][out->code[c][j] + 2]++;
        for (size_t v = 0; v < V; v++) out->post_off[c][v + 2] += out->post_off[c][v + 1];
        for (size_t j = 0; j < n; j++) out->post_idx[c][out->post_off[c][out->code[c][j] + 1]++] = (uint32_t)j;
    }
    return SG_OK;
oom:
    fc_data_free(out);
    return SG_ERR_NOMEM;
}
