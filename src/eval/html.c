/* HTML report: one self-contained page (inline CSS and SVG; no script, no external resource)
 * with the metrics table and the plots a person would rather look at than read: per-column
 * distributions real vs synthetic, flows per hour over the capture, inter-arrival times, the
 * Pearson correlation matrices side by side and the DKC rule violations. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"

#define C_REAL "#1f77b4"
#define C_SYN "#e8590c"


static void fmt_num(char *buf, size_t n, double v)
{
    if (isnan(v)) snprintf(buf, n, "n/a");
    else if (v != 0 && fabs(v) < 0.001) snprintf(buf, n, "%.3e", v);
    else snprintf(buf, n, "%.4f", v);
}

/* 1, 10, 100, 1k ... */
static void fmt_si(char *buf, size_t n, double v)
{
    const char *suf[] = {"", "k", "M", "G", "T", "P"};
    int i = 0;
    while (fabs(v) >= 1000 && i < 5) v /= 1000, i++;
    if (v == floor(v)) snprintf(buf, n, "%.0f%s", v, suf[i]);
    else snprintf(buf, n, "%.3g%s", v, suf[i]);
}

/* ---- plot frame --------------------------------------------------------------------------- */

enum { W = 388, H = 230, ML = 48, MR = 10, MT = 26, MB = 40 };

static void svg_open(FILE *fp, int w, int h, const char *title)
{
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", w,
            h, w, h);
    fprintf(fp, "<text x=\"%d\" y=\"16\" class=\"t\">", 6);
    sg_html_escape(fp, title);
    fputs("</text>", fp);
}

static void legend(FILE *fp, int x, int y)
{
    fprintf(fp,
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"" C_REAL "\" fill-opacity=\"0.45\"/>"
            "<text x=\"%d\" y=\"%d\" class=\"l\">real</text>"
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"" C_SYN "\" stroke-width=\"2\"/>"
            "<text x=\"%d\" y=\"%d\" class=\"l\">synthetic</text>",
            x, y - 9, x + 14, y, x + 50, y - 9, x + 64, y);
}

static void y_axis(FILE *fp, int w, int h, double ymax, int pct)
{
    for (int k = 0; k <= 4; k++) {
        double v = ymax * k / 4;
        double y = (h - MB) - (double)(h - MB - MT) * k / 4;
        char b[32];
        if (pct) snprintf(b, sizeof b, "%.3g%%", v * 100);
        else fmt_si(b, sizeof b, v);
        fprintf(fp, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"g\"/>", ML, w - MR, y, y);
        fprintf(fp, "<text x=\"%d\" y=\"%.1f\" class=\"a\" text-anchor=\"end\">%s</text>", ML - 4, y + 3, b);
    }
}

/* axis maximum = 4 ticks of a round step (1, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) */
static double nice_max(double m)
{
    if (!(m > 0)) return 1;
    double raw = m / 4, p = pow(10, floor(log10(raw)));
    static const double steps[] = {1, 2, 2.5, 3, 4, 5, 6, 8, 10};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] * p >= raw * (1 - 1e-12)) return 4 * steps[i] * p;
    return 40 * p;
}

/* ---- continuous columns: histograms on a log10(1 + x) axis --------------------------------- */

static double slog(double x) { return x >= 0 ? log10(1 + x) : -log10(1 - x); }

/* a column the layout does not carry (In Byte / In Packet of one-way layouts, folded onto
 * totals): an empty panel that says so instead of plotting zeros and an EMD of 0 */
static void plot_absent(FILE *fp, const char *name)
{
    char title[96];
    snprintf(title, sizeof title, "%s - not in the data", name);
    svg_open(fp, W, H, title);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"a\" text-anchor=\"middle\">not in the data</text>", W / 2, H / 2 - 6);
    fprintf(fp,
            "<text x=\"%d\" y=\"%d\" class=\"s\" text-anchor=\"middle\">a one-way layout (CIDDS-001, UGR'16, NetShare) is "
            "involved:</text><text x=\"%d\" y=\"%d\" class=\"s\" text-anchor=\"middle\">both directions are counted in Out "
            "Byte / Out Packet</text>",
            W / 2, H / 2 + 12, W / 2, H / 2 + 26);
    fputs("</svg>\n", fp);
}

static int col_absent(const sg_eval *e, int c) { return e->res.folded && (c == SG_EC_IN_BYTES || c == SG_EC_IN_PKTS); }

static void plot_cont(FILE *fp, const sg_eval *e, int c)
{
    enum { NB = 40 };
    if (col_absent(e, c)) {
        plot_absent(fp, sg_eval_cont_names[c]);
        return;
    }
    const double *a = e->real.cont[c], *b = e->synth.cont[c];
    size_t na = e->real.n, nb = e->synth.n;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < na; i++) lo = fmin(lo, slog(a[i])), hi = fmax(hi, slog(a[i]));
    for (size_t i = 0; i < nb; i++) lo = fmin(lo, slog(b[i])), hi = fmax(hi, slog(b[i]));
    if (lo > 0) lo = 0;
    if (!(hi > lo)) hi = lo + 1;
    double ha[NB] = {0}, hb[NB] = {0};
    for (size_t i = 0; i < na; i++) {
        int k = (int)((slog(a[i]) - lo) / (hi - lo) * NB);
        ha[k >= NB ? NB - 1 : k] += 1.0 / (double)na;
    }
    for (size_t i = 0; i < nb; i++) {
        int k = (int)((slog(b[i]) - lo) / (hi - lo) * NB);
        hb[k >= NB ? NB - 1 : k] += 1.0 / (double)nb;
    }
    double m = 0;
    for (int k = 0; k < NB; k++) m = fmax(m, fmax(ha[k], hb[k]));
    m = nice_max(m);
    char title[96], v[32];
    fmt_num(v, sizeof v, e->res.emd_col[c]);
    snprintf(title, sizeof title, "%s (%s, log scale) - EMD %s", sg_eval_cont_names[c],
             c == SG_EC_DURATION ? "s" : (c == SG_EC_IN_BYTES || c == SG_EC_OUT_BYTES ? "bytes" : "packets"), v);
    svg_open(fp, W, H, title);
    y_axis(fp, W, H, m, 1);
    double pw = W - ML - MR, ph = H - MT - MB, bw = pw / NB;
    for (int k = 0; k < NB; k++) {
        double hgt = ha[k] / m * ph;
        if (hgt > 0)
            fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_REAL "\" fill-opacity=\"0.45\"/>",
                    ML + k * bw, MT + ph - hgt, bw, hgt);
    }
    fputs("<polyline fill=\"none\" stroke=\"" C_SYN "\" stroke-width=\"1.6\" points=\"", fp);
    for (int k = 0; k < NB; k++) {
        double y = MT + ph - hb[k] / m * ph;
        fprintf(fp, "%.1f,%.1f %.1f,%.1f ", ML + k * bw, y, ML + (k + 1) * bw, y);
    }
    fputs("\"/>", fp);
    /* x ticks at powers of ten */
    for (int p = 0; p <= 15; p++) {
        double x = pow(10, p) - 1; /* slog(x) = p */
        if (p > hi + 1e-9 || p < lo) continue;
        double px = ML + (p - lo) / (hi - lo) * pw;
        char b[32];
        fmt_si(b, sizeof b, x < 1 ? 0 : pow(10, p));
        if (p == 0) snprintf(b, sizeof b, "0");
        fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"k\"/>", px, px, H - MB, H - MB + 4);
        fprintf(fp, "<text x=\"%.1f\" y=\"%d\" class=\"a\" text-anchor=\"middle\">%s</text>", px, H - MB + 15, b);
    }
    legend(fp, W - 130, H - 8);
    fputs("</svg>\n", fp);
}

/* ---- discrete columns: most frequent values ------------------------------------------------ */

typedef struct catv {
    uint32_t code;
    double fr, fs;
} catv;

static int cmp_catv(const void *x, const void *y)
{
    const catv *a = x, *b = y;
    double sa = a->fr + a->fs, sb = b->fr + b->fs;
    if (sa != sb) return sa < sb ? 1 : -1;
    return (a->code > b->code) - (a->code < b->code);
}

static void plot_disc(FILE *fp, const sg_eval *e, int c)
{
    enum { TOP = 12 };
    size_t nd = sg_eval_dict_size(e->dict, c);
    catv *v = calloc(nd ? nd : 1, sizeof *v);
    if (!v) return;
    for (size_t i = 0; i < nd; i++) v[i].code = (uint32_t)i;
    for (size_t i = 0; i < e->real.n; i++) v[e->real.disc[c][i]].fr += 1.0 / (double)e->real.n;
    for (size_t i = 0; i < e->synth.n; i++) v[e->synth.disc[c][i]].fs += 1.0 / (double)e->synth.n;
    qsort(v, nd, sizeof *v, cmp_catv);
    size_t shown = nd < TOP ? nd : TOP;
    catv other = {0, 0, 0};
    for (size_t i = shown; i < nd; i++) other.fr += v[i].fr, other.fs += v[i].fs;
    size_t rows = shown + (nd > shown);
    int rowh = 15, h = MT + 8 + (int)rows * rowh + 22, lw = 130;
    double m = 0;
    for (size_t i = 0; i < shown; i++) m = fmax(m, fmax(v[i].fr, v[i].fs));
    if (nd > shown) m = fmax(m, fmax(other.fr, other.fs));
    m = nice_max(m);
    char title[96], val[32];
    fmt_num(val, sizeof val, e->res.jsd_col[c]);
    snprintf(title, sizeof title, "%s - %zu values - JSD %s", sg_eval_disc_names[c], nd, val);
    svg_open(fp, W, h, title);
    double pw = W - lw - 92; /* room for the percentage labels */
    for (size_t i = 0; i < rows; i++) {
        const catv *cv = i < shown ? &v[i] : &other;
        double y = MT + 4 + (double)i * rowh;
        char lab[40];
        if (i < shown) {
            const char *s = sg_eval_dict_str(e->dict, c, cv->code);
            snprintf(lab, sizeof lab, "%.18s%s", s, strlen(s) > 18 ? "\xe2\x80\xa6" : "");
        } else {
            snprintf(lab, sizeof lab, "(%zu others)", nd - shown);
        }
        fprintf(fp, "<text x=\"%d\" y=\"%.1f\" class=\"a\" text-anchor=\"end\">", lw - 4, y + 10);
        sg_html_escape(fp, lab);
        fputs("</text>", fp);
        fprintf(fp, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"" C_REAL "\" fill-opacity=\"0.7\"/>", lw, y + 1,
                cv->fr / m * pw);
        fprintf(fp, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"" C_SYN "\" fill-opacity=\"0.85\"/>", lw, y + 7,
                cv->fs / m * pw);
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" class=\"s\">%.1f%% / %.1f%%</text>",
                lw + fmax(cv->fr, cv->fs) / m * pw + 3, y + 10, cv->fr * 100, cv->fs * 100);
    }
    fprintf(fp,
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"8\" fill=\"" C_REAL "\" fill-opacity=\"0.7\"/>"
            "<text x=\"%d\" y=\"%d\" class=\"l\">real</text>"
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"8\" fill=\"" C_SYN "\"/>"
            "<text x=\"%d\" y=\"%d\" class=\"l\">synthetic</text>",
            W - 130, h - 16, W - 116, h - 8, W - 80, h - 16, W - 66, h - 8);
    fputs("</svg>\n", fp);
    free(v);
}

/* ---- flows per hour over the capture -------------------------------------------------------- */

static int64_t fdiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static void plot_fph(FILE *fp, const sg_eval *e)
{
    const int64_t HR = 3600000000LL;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    const sg_eval_cols *t[2] = {&e->real, &e->synth};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < t[s]->n; i++) lo = t[s]->time_us[i] < lo ? t[s]->time_us[i] : lo, hi = t[s]->time_us[i] > hi ? t[s]->time_us[i] : hi;
    int64_t h0 = fdiv(lo, HR), h1 = fdiv(hi, HR);
    size_t nh = (size_t)(h1 - h0 + 1);
    if (nh > 24 * 366) nh = 24 * 366; /* plot at most a year; later flows are clipped */
    double *cnt[2] = {calloc(nh, sizeof(double)), calloc(nh, sizeof(double))};
    if (!cnt[0] || !cnt[1]) goto out;
    double m = 0;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < t[s]->n; i++) {
            int64_t k = fdiv(t[s]->time_us[i], HR) - h0;
            if (k >= 0 && (size_t)k < nh) cnt[s][k] += 1, m = fmax(m, cnt[s][k]);
        }
    m = nice_max(m);
    int w = 1240, h = 260;
    char title[160], v[32];
    fmt_num(v, sizeof v, e->res.fph);
    snprintf(title, sizeof title, "Flows per hour (FPH) over the capture, UTC - distance of the hourly profiles %s h", v);
    svg_open(fp, w, h, title);
    y_axis(fp, w, h, m, 0);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"s\">flows per hour</text>", ML + 4, MT - 3);
    double pw = w - ML - MR, ph = h - MT - MB, bw = pw / (double)nh;
    for (size_t k = 0; k < nh; k++) {
        double hg = cnt[0][k] / m * ph;
        if (hg > 0)
            fprintf(fp, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"" C_REAL "\" fill-opacity=\"0.45\"/>",
                    ML + (double)k * bw, MT + ph - hg, bw, hg);
    }
    fputs("<polyline fill=\"none\" stroke=\"" C_SYN "\" stroke-width=\"1.4\" points=\"", fp);
    for (size_t k = 0; k < nh; k++) {
        double y = MT + ph - cnt[1][k] / m * ph;
        fprintf(fp, "%.2f,%.1f %.2f,%.1f ", ML + (double)k * bw, y, ML + (double)(k + 1) * bw, y);
    }
    fputs("\"/>", fp);
    /* day boundaries */
    for (size_t k = 0; k < nh; k++) {
        int64_t hour = h0 + (int64_t)k;
        if (((hour % 24) + 24) % 24 != 0 && k != 0) continue;
        if (nh > 24 * 40 && ((hour / 24) % 7) != 0) continue; /* long spans: weekly labels */
        double px = ML + (double)k * bw;
        char b[40];
        sg_time_format(hour * HR, b, sizeof b);
        b[10] = 0; /* date only */
        fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"g\"/>", px, px, MT, h - MB + 4);
        if (nh <= 24 * 40 || k == 0)
            fprintf(fp, "<text x=\"%.1f\" y=\"%d\" class=\"a\">%s</text>", px + 2, h - MB + 15, b + 5);
    }
    legend(fp, w - 130, h - 8);
    fputs("</svg>\n", fp);
out:
    free(cnt[0]);
    free(cnt[1]);
}

/* ---- inter-arrival times: histograms of log10 seconds -------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void plot_iat(FILE *fp, const sg_eval *e)
{
    enum { NB = 36 };
    const double lo = -4, hi = 5; /* 100 µs .. ~1 day; 0 s gaps go in the first bin */
    double hist[2][NB] = {{0}};
    const sg_eval_cols *t[2] = {&e->real, &e->synth};
    for (int s = 0; s < 2; s++) {
        if (t[s]->n < 2) continue;
        int64_t *x = malloc(t[s]->n * sizeof *x);
        if (!x) return;
        memcpy(x, t[s]->time_us, t[s]->n * sizeof *x);
        qsort(x, t[s]->n, sizeof *x, cmp_i64);
        for (size_t i = 1; i < t[s]->n; i++) {
            double g = (double)(x[i] - x[i - 1]) / 1e6;
            double l = g > 0 ? log10(g) : lo;
            int k = (int)((l - lo) / (hi - lo) * NB);
            k = k < 0 ? 0 : (k >= NB ? NB - 1 : k);
            hist[s][k] += 1.0 / (double)(t[s]->n - 1);
        }
        free(x);
    }
    double m = 0;
    for (int k = 0; k < NB; k++) m = fmax(m, fmax(hist[0][k], hist[1][k]));
    m = nice_max(m);
    char title[96], v[32];
    fmt_num(v, sizeof v, e->res.iat_ks);
    snprintf(title, sizeof title, "Inter-arrival time (s, log scale) - KS %s", v);
    svg_open(fp, W, H, title);
    y_axis(fp, W, H, m, 1);
    double pw = W - ML - MR, ph = H - MT - MB, bw = pw / NB;
    for (int k = 0; k < NB; k++) {
        double hg = hist[0][k] / m * ph;
        if (hg > 0)
            fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_REAL "\" fill-opacity=\"0.45\"/>",
                    ML + k * bw, MT + ph - hg, bw, hg);
    }
    fputs("<polyline fill=\"none\" stroke=\"" C_SYN "\" stroke-width=\"1.6\" points=\"", fp);
    for (int k = 0; k < NB; k++) {
        double y = MT + ph - hist[1][k] / m * ph;
        fprintf(fp, "%.1f,%.1f %.1f,%.1f ", ML + k * bw, y, ML + (k + 1) * bw, y);
    }
    fputs("\"/>", fp);
    static const char *lab[] = {"\xe2\x89\xa4" "0.1ms", "1ms", "10ms", "0.1s", "1s", "10s", "100s", "1000s", "3h", "1d"};
    for (int p = -4; p <= 5; p++) {
        double px = ML + (p - lo) / (hi - lo) * pw;
        fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"k\"/>", px, px, H - MB, H - MB + 4);
        if (p % 1 == 0 && (p + 4) % 2 == 0)
            fprintf(fp, "<text x=\"%.1f\" y=\"%d\" class=\"a\" text-anchor=\"middle\">%s</text>", px, H - MB + 15, lab[p + 4]);
    }
    legend(fp, W - 130, H - 8);
    fputs("</svg>\n", fp);
}

/* ---- correlation heatmaps ------------------------------------------------------------------- */

static void heat_color(double v, char *buf, size_t n)
{
    /* diverging: blue (-1) - white (0) - red (+1) */
    if (isnan(v)) v = 0;
    double a = fmin(1, fabs(v));
    int r, g, b;
    if (v >= 0) r = 255, g = (int)(255 - 170 * a), b = (int)(255 - 200 * a);
    else r = (int)(255 - 200 * a), g = (int)(255 - 140 * a), b = 255;
    snprintf(buf, n, "#%02x%02x%02x", r, g, b);
}

static void plot_corr(FILE *fp, const sg_eval *e, const double *m, const char *title)
{
    enum { CS = 46, L = 78, T = 30 };
    int w = L + 5 * CS + 10, h = T + 5 * CS + 60;
    svg_open(fp, w, h, title);
    static const char *shortn[5] = {"InB", "OutB", "InP", "OutP", "Dur"};
    for (int i = 0; i < 5; i++) {
        fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"a\" text-anchor=\"end\">%s</text>", L - 4, T + i * CS + CS / 2 + 4,
                sg_eval_cont_names[i]);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"a\" text-anchor=\"middle\">%s</text>", L + i * CS + CS / 2,
                T + 5 * CS + 14, shortn[i]);
        for (int j = 0; j < 5; j++) {
            char col[16];
            double v = m[i * 5 + j];
            if (fabs(v) < 0.005) v = 0; /* no "-0.00" */
            int absent = col_absent(e, i) || col_absent(e, j);
            if (absent) snprintf(col, sizeof col, "#f4f4f4");
            else heat_color(v, col, sizeof col);
            fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"/>", L + j * CS,
                    T + i * CS, CS, CS, col);
            if (absent)
                fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"s\" text-anchor=\"middle\">-</text>", L + j * CS + CS / 2,
                        T + i * CS + CS / 2 + 4);
            else
                fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"s\" text-anchor=\"middle\">%.2f</text>", L + j * CS + CS / 2,
                        T + i * CS + CS / 2 + 4, v);
        }
    }
    fputs("</svg>\n", fp);
}

/* ---- DKC ----------------------------------------------------------------------------------- */

static void plot_dkc(FILE *fp, const sg_eval *e)
{
    const sg_eval_result *r = &e->res;
    int rowh = 17, lw = 300, w = 1240, h = MT + 10 + SG_EVAL_NDKC * rowh + 26;
    double m = 0;
    for (int c = 0; c < SG_EVAL_NDKC; c++) {
        m = fmax(m, (double)r->dkc_count[c] / (double)r->n_synth);
        m = fmax(m, (double)r->dkc_count_real[c] / (double)r->n_real);
    }
    m = nice_max(m > 0 ? m : 0.01);
    char title[128], v[32];
    fmt_num(v, sizeof v, r->dkc);
    snprintf(title, sizeof title, "Domain-knowledge rule violations (share of flows) - DKC %s (%s variant)", v,
             e->o.dkc.corrected ? "corrected" : "paper");
    svg_open(fp, w, h, title);
    double pw = w - lw - 190;
    for (int c = 0; c < SG_EVAL_NDKC; c++) {
        double y = MT + 6 + c * rowh;
        double fr = (double)r->dkc_count_real[c] / (double)r->n_real, fs = (double)r->dkc_count[c] / (double)r->n_synth;
        fprintf(fp, "<text x=\"%d\" y=\"%.1f\" class=\"a\" text-anchor=\"end\">%2d. ", lw - 4, y + 11, c + 1);
        sg_html_escape(fp, sg_eval_dkc_descr[c]);
        fputs("</text>", fp);
        fprintf(fp, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"7\" fill=\"" C_REAL "\" fill-opacity=\"0.7\"/>", lw, y + 1,
                fr / m * pw);
        fprintf(fp, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"7\" fill=\"" C_SYN "\"/>", lw, y + 8, fs / m * pw);
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" class=\"s\">real %zu (%.1f%%) / synthetic %zu (%.1f%%)</text>",
                lw + fmax(fr, fs) / m * pw + 4, y + 11, r->dkc_count_real[c], fr * 100, r->dkc_count[c], fs * 100);
    }
    fprintf(fp,
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"8\" fill=\"" C_REAL "\" fill-opacity=\"0.7\"/>"
            "<text x=\"%d\" y=\"%d\" class=\"l\">real</text>"
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"8\" fill=\"" C_SYN "\"/>"
            "<text x=\"%d\" y=\"%d\" class=\"l\">synthetic</text>",
            w - 130, h - 16, w - 116, h - 8, w - 80, h - 16, w - 66, h - 8);
    fputs("</svg>\n", fp);
}

/* ---- guide ------------------------------------------------------------------------------------ */

/* What a good value looks like: measured with a held-out half of the same real data scored as if
 * it were synthetic (interleaved halves of the CIDDS-001 sample and thirds of UGR'16;
 * docs/metrics.md §8 gives the commands). */
static const char *guide(const char *name)
{
    static const struct {
        const char *name, *text;
    } g[] = {
        {"Density", "about 1 (real half vs real: 1.02); below 0.5 the synthetic rows fall outside the real data's dense regions"},
        {"Coverage", "real half: 0.88 (CIDDS), 0.98 (UGR'16); below 0.5 much of the real data has no synthetic neighbour"},
        {"CMD", "real half: 0.014-0.027; above 0.1 protocol, hosts, ports and flags combine unlike the real data"},
        {"PCD", "real half: 0.6-1.1 (heavy tails make it noisy): compare generators with each other"},
        {"EMD", "real half: 0.0003; it barely sees tails (155x the real packets scored 0.006): read the volume findings"},
        {"JSD", "real half: 0.21-0.26 (rare hosts and ports differ between any two samples)"},
        {"DKC", "the real data's own value (0.003 CIDDS, 0.016 UGR'16); per-rule verdicts below"},
        {"MD", "close to a real hold-out scored the same way (7.4 on CIDDS); far above: training rows are copied"},
        {"FPH", "real half of the same period: 0.002-0.04 h; n hours = the daily profile is shifted by about n hours"},
        {"IAT-KS", "real half at the same flow rate: 0.01; any difference in flow rate raises it"},
        {"ACF", "real half: 1e-5 to 1e-4: compare generators with each other"},
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++)
        if (!strcmp(g[i].name, name)) return g[i].text;
    return "";
}

/* ---- realism findings ---------------------------------------------------------------------- */

static void findings_table(FILE *fp, const sg_eval *e)
{
    const sg_eval_result *r = &e->res;
    size_t nf, cnt[3];
    const sg_eval_finding *f = sg_eval_get_findings(e, &nf);
    sg_eval__verdict_counts(e, cnt);
    fprintf(fp,
            "<h2>Realism findings: %zu fail, %zu warn, %zu ok</h2>\n<p class=\"muted\">Each finding compares one property "
            "of the synthetic flows with the real ones (or with the network config). The verdicts allow for sampling noise: "
            "both values become 95&nbsp;%% bands (totals: the 99&nbsp;%% range of random deals of the pooled rows) and the "
            "thresholds apply to the factor between them, so a held-out half of real data passes. Thresholds: "
            "docs/metrics.md section 8.</p>\n",
            cnt[2], cnt[1], cnt[0]);
    static const uint32_t order[] = {SG_EM_TAILS, SG_EM_BURSTS, SG_EM_RULES, SG_EM_CONFIG};
    for (size_t g = 0; g < 4; g++) {
        if (!(r->metrics & order[g])) continue;
        fprintf(fp, "<h3>%s</h3>\n<table class=\"f\"><tr><th>verdict</th><th>finding</th><th>ok within</th></tr>\n",
                sg_eval__group_name(order[g], 1));
        for (size_t i = 0; i < nf; i++) {
            if (f[i].group != order[g]) continue;
            const char *cls = f[i].verdict == SG_EVAL_FAIL ? "fail" : f[i].verdict == SG_EVAL_WARN ? "warn" : "ok";
            fprintf(fp, "<tr><td><span class=\"vd %s\">%s</span></td><td>", cls, sg_eval_verdict_name(f[i].verdict));
            sg_html_escape(fp, f[i].line);
            if (f[i].group == SG_EM_CONFIG) fputs("</td><td>no flow</td></tr>\n", fp);
            else fprintf(fp, "</td><td>%.2gx</td></tr>\n", f[i].ok_within);
        }
        if (order[g] == SG_EM_TAILS && r->folded)
            fputs("<tr><td></td><td>In Byte, In Packet: not in the data (a one-way layout is involved; Out = both "
                  "directions)</td><td></td></tr>\n",
                  fp);
        if (order[g] == SG_EM_RULES) {
            char b[128];
            sg_eval__unbroken_rules(e, b, sizeof b);
            if (*b) fprintf(fp, "<tr><td></td><td>rules broken by neither table: %s</td><td></td></tr>\n", b);
        }
        fputs("</table>\n", fp);
    }
}

/* ---- page ---------------------------------------------------------------------------------- */

sg_status sg_eval_write_html(const sg_eval *e, const sg_eval_report_info *info, FILE *fp, sg_error *err)
{
    const sg_eval_result *r = &e->res;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>secgen evaluation report</title>\n<style>\n"
          "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:18px 24px;color:#222;max-width:1260px}\n"
          "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd}\n"
          "table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\n"
          "th{background:#f4f4f4}td.v{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}\n"
          ".grid{display:flex;flex-wrap:wrap;gap:10px}.grid svg{border:1px solid #eee;background:#fff}\n"
          ".muted{color:#666;font-size:12.5px}code{background:#f4f4f4;padding:0 3px}\n"
          "svg .t{font-size:12.5px;font-weight:600;fill:#222}svg .a{font-size:10.5px;fill:#444}\n"
          "svg .s{font-size:9.5px;fill:#333}svg .l{font-size:10.5px;fill:#333}\n"
          "svg .g{stroke:#e6e6e6;stroke-width:1}svg .k{stroke:#999;stroke-width:1}\n"
          "h3{font-size:14.5px;margin:14px 0 4px}.vd{display:inline-block;min-width:38px;text-align:center;border-radius:3px;"
          "padding:0 5px;font-weight:700;font-size:12px}.vd.ok{background:#d3f9d8;color:#2b8a3e}"
          ".vd.warn{background:#fff3bf;color:#a15c00}.vd.fail{background:#ffe3e3;color:#c92a2a}\n"
          "td.g{color:#555;font-size:12.5px}\n"
          "</style></head><body>\n<h1>secgen evaluation report</h1>\n<p class=\"muted\">",
          fp);
    fputs("real: <code>", fp);
    sg_html_escape(fp, info && info->real_name ? info->real_name : "-");
    fprintf(fp, "</code> (%zu flows) &middot; synthetic: <code>", r->n_real);
    sg_html_escape(fp, info && info->synth_name ? info->synth_name : "-");
    fprintf(fp, "</code> (%zu flows)", r->n_synth);
    if (e->has_train) {
        fputs(" &middot; train: <code>", fp);
        sg_html_escape(fp, info && info->train_name ? info->train_name : "-");
        fprintf(fp, "</code> (%zu flows)", r->n_train);
    }
    if (e->has_holdout) {
        fputs(" &middot; hold-out: <code>", fp);
        sg_html_escape(fp, info && info->holdout_name ? info->holdout_name : "-");
        fprintf(fp, "</code> (%zu flows)", r->n_holdout);
    }
    fprintf(fp,
            "<br>protocol: %u repetitions of min(n, %zu) rows per table (%zu real, %zu synthetic per sample), "
            "k = %d, seed %" PRIu64 "%s%s. Definitions: docs/metrics.md.</p>\n",
            r->repetitions, e->o.sample_size, r->sample_real, r->sample_synth, e->o.k, e->o.seed,
            r->folded ? "; byte/packet counters folded onto totals (a unidirectional layout is involved)" : "",
            r->applied_shift_us ? "; synthetic start times shifted" : "");

    fputs("<h2>Metrics</h2>\n<table><tr><th>metric</th><th>better</th><th>value</th><th>what it measures</th>"
          "<th>good values</th></tr>\n",
          fp);
    const char *names[16], *dirs[16], *descr[16];
    double vals[16];
    size_t n = sg_eval__metric_rows(r, names, dirs, descr, vals);
    for (size_t i = 0; i < n; i++) {
        char v[32];
        fmt_num(v, sizeof v, vals[i]);
        if (isnan(vals[i]) && !strcmp(names[i], "MD") && !e->has_train) snprintf(v, sizeof v, "n/a (needs --train)");
        fprintf(fp, "<tr><td>%s%s</td><td>%s %s</td><td class=\"v\">%s</td><td>%s</td><td class=\"g\">%s</td></tr>\n",
                names[i], !strcmp(names[i], "FPH") ? " (flows per hour)" : "", sg_eval__arrow(dirs[i]),
                !strcmp(dirs[i], "reference") ? "closest to Reference" : dirs[i], v, descr[i], guide(names[i]));
    }
    fputs("</table>\n", fp);
    if (r->skipped & SG_EM_CONFIG)
        fputs("<p class=\"muted\">Containment in a network config: skipped (needs <code>--config net.yaml</code>).</p>\n", fp);
    if (r->metrics & SG_EM_REALISM) findings_table(fp, e);

    fputs("<h2>Continuous columns</h2>\n<div class=\"grid\">\n", fp);
    for (int c = 0; c < SG_EVAL_NCONT; c++) plot_cont(fp, e, c);
    plot_iat(fp, e);
    fputs("</div>\n<h2>Discrete columns (most frequent values)</h2>\n<div class=\"grid\">\n", fp);
    for (int c = 0; c < SG_EVAL_NDISC; c++) plot_disc(fp, e, c);
    fputs("</div>\n<h2>Time</h2>\n<div class=\"grid\">\n", fp);
    plot_fph(fp, e);
    char t[96], v[32];
    fmt_num(v, sizeof v, r->pcd);
    fprintf(fp, "</div>\n<h2>Pearson correlations of the continuous columns (PCD %s)</h2>\n<div class=\"grid\">\n", v);
    plot_corr(fp, e, r->corr_real, "real");
    plot_corr(fp, e, r->corr_synth, "synthetic");
    double diff[25];
    for (int i = 0; i < 25; i++) diff[i] = r->corr_synth[i] - r->corr_real[i];
    snprintf(t, sizeof t, "synthetic - real");
    plot_corr(fp, e, diff, t);
    fputs("</div>\n<h2>Domain knowledge checks</h2>\n<div class=\"grid\">\n", fp);
    plot_dkc(fp, e);
    fputs("</div>\n<p class=\"muted\">Generated by secgen evaluate. Self-contained page: no script, no external "
          "resource.</p>\n</body></html>\n",
          fp);
    if (ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write error");
    return SG_OK;
}
