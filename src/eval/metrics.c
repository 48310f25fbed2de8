/* Fidelity metrics of the FlowChronicle paper (spec §8): EMD, JSD, PCD, CMD, DKC, MD, plus the
 * temporal metrics FPH and IAT. Definitions: docs/metrics.md. Density/Coverage are in knn.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_parts.h"

#define ROW(idx, i) ((idx) ? (idx)[i] : (i))

/* ---- JSD ------------------------------------------------------------------------------------ */

double sg_eval_js_distance(const double *p, const double *q, size_t n)
{
    double sp = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        sp += p[i];
        sq += q[i];
    }
    if (!(sp > 0) || !(sq > 0)) return NAN;
    double js = 0;
    for (size_t i = 0; i < n; i++) {
        double a = p[i] / sp, b = q[i] / sq, m = (a + b) / 2;
        /* scipy rel_entr: x log(x/y), 0 when x = 0 */
        if (a > 0) js += a * log(a / m);
        if (b > 0) js += b * log(b / m);
    }
    js /= 2;
    return js > 0 ? sqrt(js) : 0.0;
}

double sg_eval_jsd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                   const size_t *ig, size_t ng, double col[SG_EVAL_NDISC])
{
    double sum = 0;
    for (int c = 0; c < SG_EVAL_NDISC; c++) {
        uint32_t mx = 0;
        for (size_t i = 0; i < nr; i++) mx = r->disc[c][ROW(ir, i)] > mx ? r->disc[c][ROW(ir, i)] : mx;
        for (size_t i = 0; i < ng; i++) mx = g->disc[c][ROW(ig, i)] > mx ? g->disc[c][ROW(ig, i)] : mx;
        double *p = calloc((size_t)mx + 1, sizeof *p), *q = calloc((size_t)mx + 1, sizeof *q);
        double v = NAN;
        if (p && q) {
            for (size_t i = 0; i < nr; i++) p[r->disc[c][ROW(ir, i)]] += 1;
            for (size_t i = 0; i < ng; i++) q[g->disc[c][ROW(ig, i)]] += 1;
            v = sg_eval_js_distance(p, q, (size_t)mx + 1);
        }
        free(p);
        free(q);
        if (col) col[c] = v;
        sum += v;
    }
    return sum / SG_EVAL_NDISC;
}

/* ---- EMD ------------------------------------------------------------------------------------ */

double sg_eval_ecdf_distance(const double *a, const double *b, size_t n)
{
    if (n == 0) return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += fabs(a[i] - b[i]);
    return s / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile(sorted x, q) with linear interpolation */
static double percentile_sorted(const double *x, size_t n, double q)
{
    double pos = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= n - 1) return x[n - 1];
    double frac = pos - (double)lo;
    return x[lo] + (x[lo + 1] - x[lo]) * frac;
}

size_t sg_eval_fd_bins(const double *x, size_t n, double *first, double *last)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s || n == 0) {
        free(s);
        *first = 0;
        *last = 1;
        return 1;
    }
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double iqr = percentile_sorted(s, n, 75) - percentile_sorted(s, n, 25);
    double width = 2.0 * iqr * pow((double)n, -1.0 / 3.0);
    double lo = s[0], hi = s[n - 1];
    free(s);
    if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    *first = lo;
    *last = hi;
    if (!(width > 0)) return 1;
    double nb = ceil((hi - lo) / width);
    if (nb < 1) nb = 1;
    if (nb > 4e18) nb = 4e18; /* the sparse walk below never allocates per bin */
    return (size_t)nb;
}

/* numpy linspace edge k of nb bins over [first, last] */
static double edge_at(double first, double last, size_t nb, size_t k)
{
    if (k >= nb) return last;
    double step = (last - first) / (double)nb;
    return (double)k * step + first;
}

/* numpy.histogram bin of x for uniform bins (same corrections as numpy); -1 if outside. */
static long long bin_of(double x, double first, double last, size_t nb)
{
    if (!(x >= first && x <= last)) return -1;
    double f = (x - first) / (last - first) * (double)nb;
    long long k = (long long)f;
    if (k >= (long long)nb) k = (long long)nb - 1;
    if (k < 0) k = 0;
    if (x < edge_at(first, last, nb, (size_t)k) && k > 0) k--;
    if (k != (long long)nb - 1 && x >= edge_at(first, last, nb, (size_t)k + 1)) k++;
    return k;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

double sg_eval_emd_column(const double *real, size_t nr, const double *gen, size_t ng)
{
    if (nr == 0 || ng == 0) return NAN;
    double first, last;
    size_t nb = sg_eval_fd_bins(real, nr, &first, &last);
    long long *br = malloc(nr * sizeof *br), *bg = malloc(ng * sizeof *bg);
    if (!br || !bg) {
        free(br);
        free(bg);
        return NAN;
    }
    for (size_t i = 0; i < nr; i++) br[i] = bin_of(real[i], first, last, nb);
    size_t mg = 0;
    for (size_t i = 0; i < ng; i++) {
        long long k = bin_of(gen[i], first, last, nb);
        if (k >= 0) bg[mg++] = k; /* values outside the real range are ignored (numpy) */
    }
    qsort(br, nr, sizeof *br, cmp_ll);
    qsort(bg, mg, sizeof *bg, cmp_ll);
    /* F_r[k] - F_g[k] is constant between bins holding values: sum |D| x run length. */
    size_t a = 0, b = 0, cr = 0, cg = 0;
    double total = 0;
    while (a < nr || b < mg) {
        long long k = (a < nr && (b >= mg || br[a] <= bg[b])) ? br[a] : bg[b];
        while (a < nr && br[a] == k) a++, cr++;
        while (b < mg && bg[b] == k) b++, cg++;
        long long next = (long long)nb;
        if (a < nr) next = br[a];
        if (b < mg && bg[b] < next) next = bg[b];
        double d = fabs((double)cr / (double)nr - (double)cg / (double)ng);
        total += d * (double)(next - k);
    }
    /* bins before the first value: both ECDFs are 0 there (the real minimum is in bin 0) */
    free(br);
    free(bg);
    return total / (double)nb;
}

static sg_status gather(const double *col, const size_t *idx, size_t n, double **out)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out) return SG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) (*out)[i] = col[ROW(idx, i)];
    return SG_OK;
}

double sg_eval_emd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                   const size_t *ig, size_t ng, double col[SG_EVAL_NCONT])
{
    double sum = 0;
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        double *x = NULL, *y = NULL, v = NAN;
        if (gather(r->cont[c], ir, nr, &x) == SG_OK && gather(g->cont[c], ig, ng, &y) == SG_OK)
            v = sg_eval_emd_column(x, nr, y, ng);
        free(x);
        free(y);
        if (col) col[c] = v;
        sum += v;
    }
    return sum / SG_EVAL_NCONT;
}

/* ---- PCD ------------------------------------------------------------------------------------ */

static void pearson(double *const cols[SG_EVAL_NCONT], size_t n, double corr[25])
{
    double mean[SG_EVAL_NCONT], sd[SG_EVAL_NCONT];
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += cols[c][i];
        mean[c] = n ? s / (double)n : NAN;
        double v = 0;
        for (size_t i = 0; i < n; i++) v += (cols[c][i] - mean[c]) * (cols[c][i] - mean[c]);
        sd[c] = sqrt(v);
    }
    for (int a = 0; a < SG_EVAL_NCONT; a++)
        for (int b = 0; b < SG_EVAL_NCONT; b++) {
            double cv = 0;
            for (size_t i = 0; i < n; i++) cv += (cols[a][i] - mean[a]) * (cols[b][i] - mean[b]);
            double r = cv / (sd[a] * sd[b]);
            if (!isfinite(r)) r = 0; /* constant column: NaN -> 0 (spec) */
            if (r > 1) r = 1;
            if (r < -1) r = -1;
            corr[a * SG_EVAL_NCONT + b] = r;
        }
}

double sg_eval_pcd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                   const size_t *ig, size_t ng, double corr_r[25], double corr_g[25])
{
    double *xr[SG_EVAL_NCONT] = {0}, *xg[SG_EVAL_NCONT] = {0};
    double cr[25], cg[25], out = NAN;
    int ok = 1;
    for (int c = 0; c < SG_EVAL_NCONT && ok; c++) {
        ok = gather(r->cont[c], ir, nr, &xr[c]) == SG_OK && gather(g->cont[c], ig, ng, &xg[c]) == SG_OK;
        if (!ok) break;
        /* min-max scaling over the union (does not change correlations except that a
         * constant column becomes NaN, hence 0, exactly as the reference) */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < nr; i++) lo = fmin(lo, xr[c][i]), hi = fmax(hi, xr[c][i]);
        for (size_t i = 0; i < ng; i++) lo = fmin(lo, xg[c][i]), hi = fmax(hi, xg[c][i]);
        double span = hi - lo;
        for (size_t i = 0; i < nr; i++) xr[c][i] = span > 0 ? (xr[c][i] - lo) / span : NAN;
        for (size_t i = 0; i < ng; i++) xg[c][i] = span > 0 ? (xg[c][i] - lo) / span : NAN;
    }
    if (ok && nr > 0 && ng > 0) {
        pearson(xr, nr, cr);
        pearson(xg, ng, cg);
        double s = 0;
        for (int i = 0; i < 25; i++) s += (cr[i] - cg[i]) * (cr[i] - cg[i]);
        out = sqrt(s);
        if (corr_r) memcpy(corr_r, cr, sizeof cr);
        if (corr_g) memcpy(corr_g, cg, sizeof cg);
    }
    for (int c = 0; c < SG_EVAL_NCONT; c++) {
        free(xr[c]);
        free(xg[c]);
    }
    return out;
}

/* ---- CMD ------------------------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

sg_status sg_eval_cmd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                      const size_t *ig, size_t ng, double *cmd, sg_error *err)
{
    *cmd = NAN;
    if (nr == 0 || ng == 0) return sg_error_set(err, SG_ERR_EMPTY, "CMD: empty table");
    uint64_t *kr = malloc(nr * sizeof *kr), *kg = malloc(ng * sizeof *kg);
    if (!kr || !kg) {
        free(kr);
        free(kg);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    double sum = 0;
    int pairs = 0;
    for (int a = 0; a < SG_EVAL_NDISC; a++)
        for (int b = a + 1; b < SG_EVAL_NDISC; b++) {
            for (size_t i = 0; i < nr; i++)
                kr[i] = (uint64_t)r->disc[a][ROW(ir, i)] << 32 | r->disc[b][ROW(ir, i)];
            for (size_t i = 0; i < ng; i++)
                kg[i] = (uint64_t)g->disc[a][ROW(ig, i)] << 32 | g->disc[b][ROW(ig, i)];
            qsort(kr, nr, sizeof *kr, cmp_u64);
            qsort(kg, ng, sizeof *kg, cmp_u64);
            /* merge walk over the union of (value_a, value_b) cells; missing cells count 0 */
            size_t x = 0, y = 0;
            double ss = 0;
            while (x < nr || y < ng) {
                uint64_t k = (x < nr && (y >= ng || kr[x] <= kg[y])) ? kr[x] : kg[y];
                size_t cx = 0, cy = 0;
                while (x < nr && kr[x] == k) x++, cx++;
                while (y < ng && kg[y] == k) y++, cy++;
                double d = (double)cx / (double)nr - (double)cy / (double)ng;
                ss += d * d;
            }
            sum += sqrt(ss);
            pairs++;
        }
    free(kr);
    free(kg);
    *cmd = sum / pairs;
    return SG_OK;
}

/* ---- DKC ------------------------------------------------------------------------------------ */

const char *const sg_eval_dkc_descr[SG_EVAL_NDKC] = {
    "DNS/NetBIOS/SSDP/mDNS/DHCP/NTP... port over TCP",
    "HTTP(S)/SMTP/IMAPS/SMB... port over UDP",
    "Dst Pt = 0",
    "ICMP with Out Byte != 0",
    "ICMP with Out Packet != 0",
    "IGMP with bytes",
    "NetBIOS/SSDP with In Byte != 0",
    "NetBIOS/SSDP with In Packet != 0",
    "NetBIOS/SSDP not to a broadcast address",
    "web/SMTP port on an internal 192.168 server",
    "IMAPS/DHCP port outside 192.168",
    "port 53 not to the DNS server",
    "port 5353 not to the mDNS group",
    "TCP flags on a non-TCP flow",
    "In: < 42 bytes per packet",
    "Out: < 42 bytes per packet",
    "In: > 65535 bytes per packet",
    "Out: > 65535 bytes per packet",
    "negative duration",
    "zero duration with > 1 packet",
    "positive duration with 1 packet",
};

static int in_set(unsigned long p, const unsigned long *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == p) return 1;
    return 0;
}

static int starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }
static int ends_with(const char *s, const char *p)
{
    size_t a = strlen(s), b = strlen(p);
    return a >= b && strcmp(s + a - b, p) == 0;
}

uint32_t sg_eval_dkc_row(const sg_eval_cols *g, const sg_eval_dict *d, size_t i, const sg_eval_dkc_opts *o)
{
    static const unsigned long s1[] = {53, 137, 138, 5353, 1900, 67, 0, 3544, 8612, 3702, 123};
    static const unsigned long s2[] = {443, 80, 8000, 25, 993, 587, 445, 0, 84, 8088, 8080};
    static const unsigned long s79[] = {137, 138, 1900};
    static const unsigned long s10[] = {8000, 25, 443};
    static const unsigned long s11[] = {993, 67};
    const char *proto = sg_eval_dict_str(d, SG_ED_PROTO, g->disc[SG_ED_PROTO][i]);
    const char *dst = sg_eval_dict_str(d, SG_ED_DST_IP, g->disc[SG_ED_DST_IP][i]);
    const char *flags = sg_eval_dict_str(d, SG_ED_FLAGS, g->disc[SG_ED_FLAGS][i]);
    unsigned long port = strtoul(sg_eval_dict_str(d, SG_ED_DST_PORT, g->disc[SG_ED_DST_PORT][i]), NULL, 10);
    double ib = g->cont[SG_EC_IN_BYTES][i], ob = g->cont[SG_EC_OUT_BYTES][i];
    double ip = g->cont[SG_EC_IN_PKTS][i], op = g->cont[SG_EC_OUT_PKTS][i];
    double dur = g->cont[SG_EC_DURATION][i];
    const char *dns = o && o->dns_addr ? o->dns_addr : "DNS";
    const char *mdns = o && o->mdns_addr ? o->mdns_addr : "10008_251";
    int tcp = strstr(proto, "TCP") != NULL, udp = strstr(proto, "UDP") != NULL;
    int icmp = strstr(proto, "ICMP") != NULL, igmp = strstr(proto, "IGMP") != NULL;
    int v[SG_EVAL_NDKC + 1] = {0};
    v[1] = in_set(port, s1, 11) && tcp;
    v[2] = in_set(port, s2, 11) && udp;
    v[3] = (o && o->corrected) ? (port == 0 && !icmp && !igmp) : port == 0;
    v[4] = icmp && ob != 0;
    v[5] = icmp && op != 0;
    v[6] = igmp && (ob != 0 || ib != 0);
    v[7] = in_set(port, s79, 3) && ib != 0;
    v[8] = in_set(port, s79, 3) && ip != 0;
    v[9] = in_set(port, s79, 3) && !ends_with(dst, ".255");
    v[10] = in_set(port, s10, 3) && starts_with(dst, "192.168");
    v[11] = in_set(port, s11, 2) && !starts_with(dst, "192.168");
    v[12] = port == 53 && strcmp(dst, dns) != 0;
    v[13] = port == 5353 && strcmp(dst, mdns) != 0;
    v[14] = strcmp(flags, "......") != 0 && strcmp(proto, "TCP") != 0;
    v[15] = 42 * ip > ib;
    v[16] = 42 * op > ob;
    v[17] = ib > 65535 * ip;
    v[18] = ob > 65535 * op;
    v[19] = dur < 0;
    v[20] = dur == 0 && ip + op > 1;
    v[21] = dur > 0 && ip + op == 1;
    uint32_t mask = 0;
    for (int r = 1; r <= SG_EVAL_NDKC; r++)
        if (v[r]) mask |= 1u << (r - 1);
    return mask;
}

double sg_eval_dkc(const sg_eval_cols *g, const sg_eval_dict *d, const size_t *ig, size_t ng,
                   const sg_eval_dkc_opts *o, double frac[SG_EVAL_NDKC])
{
    size_t cnt[SG_EVAL_NDKC] = {0};
    for (size_t i = 0; i < ng; i++) {
        uint32_t m = sg_eval_dkc_row(g, d, ROW(ig, i), o);
        for (int r = 0; r < SG_EVAL_NDKC; r++)
            if (m >> r & 1) cnt[r]++;
    }
    double s = 0;
    for (int r = 0; r < SG_EVAL_NDKC; r++) {
        double f = ng ? (double)cnt[r] / (double)ng : NAN;
        if (frac) frac[r] = f;
        s += f;
    }
    return s / ((o && o->corrected) ? 21.0 : 20.0);
}

/* ---- MD ------------------------------------------------------------------------------------- */

/* number of the 11 columns in which two rows differ (exact equality of raw values) */
static int row_diff(const sg_eval_cols *a, size_t i, const sg_eval_cols *b, size_t j)
{
    int d = a->time_us[i] != b->time_us[j];
    for (int c = 0; c < SG_EVAL_NCONT; c++) d += a->cont[c][i] != b->cont[c][j];
    for (int c = 0; c < SG_EVAL_NDISC; c++) d += a->disc[c][i] != b->disc[c][j];
    return d;
}

double sg_eval_md(const sg_eval_cols *mem, const size_t *im, size_t nm, const sg_eval_cols *non,
                  const size_t *in, size_t nn, const sg_eval_cols *g, const size_t *ig, size_t ng)
{
    if (nm == 0 || ng == 0) return NAN;
    size_t nreal = nm + nn;
    int *mind = malloc(nreal * sizeof *mind);
    if (!mind) return NAN;
    for (size_t i = 0; i < nreal; i++) {
        const sg_eval_cols *t = i < nm ? mem : non;
        size_t row = i < nm ? ROW(im, i) : ROW(in, i - nm);
        int best = SG_EVAL_NCOLS;
        for (size_t j = 0; j < ng && best > 0; j++) {
            int d = row_diff(t, row, g, ROW(ig, j));
            if (d < best) best = d;
        }
        mind[i] = best;
    }
    double md = 0;
    for (int t = 0; t <= 14; t++) {
        /* predicted member iff min Hamming <= t/14, i.e. 14 * d <= 11 * t (exact) */
        size_t P = 0, TP = 0;
        for (size_t i = 0; i < nreal; i++)
            if (14 * mind[i] <= SG_EVAL_NCOLS * t) {
                P++;
                if (i < nm) TP++;
            }
        if (P == 0) continue;
        if (TP == 0) {
            md = NAN; /* the reference's F1 is NaN here and poisons the sum */
            break;
        }
        double a = (double)TP / (double)nm, b = (double)TP / (double)P;
        md += 2 * a * b / (a + b);
    }
    free(mind);
    return md;
}

/* ---- temporal ------------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

double sg_eval_fph_distance(const sg_eval_cols *r, const sg_eval_cols *g)
{
    if (r->n == 0 || g->n == 0) return NAN;
    const int64_t H = 3600LL * 1000000LL;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < r->n; i++) lo = r->time_us[i] < lo ? r->time_us[i] : lo, hi = r->time_us[i] > hi ? r->time_us[i] : hi;
    for (size_t i = 0; i < g->n; i++) lo = g->time_us[i] < lo ? g->time_us[i] : lo, hi = g->time_us[i] > hi ? g->time_us[i] : hi;
    int64_t h0 = sg_floor_div(lo, H), h1 = sg_floor_div(hi, H);
    size_t nh = (size_t)(h1 - h0 + 1);
    if (nh > 100000000) return NAN; /* > 11,000 years: not a capture */
    double *cr = calloc(nh, sizeof *cr), *cg = calloc(nh, sizeof *cg);
    double out = NAN;
    if (cr && cg) {
        for (size_t i = 0; i < r->n; i++) cr[sg_floor_div(r->time_us[i], H) - h0] += 1;
        for (size_t i = 0; i < g->n; i++) cg[sg_floor_div(g->time_us[i], H) - h0] += 1;
        /* W1 on the hour axis = sum over hours of |CDF_r - CDF_g| (unit spacing) */
        double fr = 0, fg = 0, s = 0;
        for (size_t k = 0; k < nh; k++) {
            fr += cr[k] / (double)r->n;
            fg += cg[k] / (double)g->n;
            s += fabs(fr - fg);
        }
        out = s;
    }
    free(cr);
    free(cg);
    return out;
}

static sg_status iats(const sg_eval_cols *t, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (t->n < 2) return SG_ERR_EMPTY;
    int64_t *s = malloc(t->n * sizeof *s);
    double *d = malloc((t->n - 1) * sizeof *d);
    if (!s || !d) {
        free(s);
        free(d);
        return SG_ERR_NOMEM;
    }
    memcpy(s, t->time_us, t->n * sizeof *s);
    qsort(s, t->n, sizeof *s, cmp_i64);
    for (size_t i = 1; i < t->n; i++) d[i - 1] = (double)(s[i] - s[i - 1]) / 1e6;
    free(s);
    qsort(d, t->n - 1, sizeof *d, cmp_double);
    *out = d;
    *n = t->n - 1;
    return SG_OK;
}

double sg_eval_iat_ks(const sg_eval_cols *r, const sg_eval_cols *g)
{
    double *a, *b;
    size_t na, nb;
    if (iats(r, &a, &na) != SG_OK) return NAN;
    if (iats(g, &b, &nb) != SG_OK) {
        free(a);
        return NAN;
    }
    /* two-sample KS statistic: sup_x |F_a(x) - F_b(x)| evaluated after each distinct value */
    size_t i = 0, j = 0;
    double D = 0;
    while (i < na || j < nb) {
        double x = (i < na && (j >= nb || a[i] <= b[j])) ? a[i] : b[j];
        while (i < na && a[i] == x) i++;
        while (j < nb && b[j] == x) j++;
        double d = fabs((double)i / (double)na - (double)j / (double)nb);
        if (d > D) D = d;
    }
    free(a);
    free(b);
    return D;
}
