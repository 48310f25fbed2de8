/* HTML report of secgen detect: one self-contained page in the evaluate report's style (inline
 * CSS and SVG, no script): the summary table, one ROC curve per detector (trained on real in blue,
 * on synthetic in orange, the operating point of the training-chosen threshold marked), and the
 * per-attack-class AUROC table. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define C_REAL "#1f77b4"
#define C_SYN "#e8590c"


static const char *f4(double v, char *b, size_t n)
{
    if (isnan(v)) snprintf(b, n, "n/a");
    else snprintf(b, n, "%.4f", v);
    return b;
}

enum { W = 300, H = 300, ML = 44, MR = 12, MT = 26, MB = 40 };

static double px(double f) { return ML + f * (W - ML - MR); }
static double py(double t) { return (H - MB) - t * (H - MB - MT); }

/* the curve as a polyline, thinned to at most ~400 points (a step never drops a corner that
 * moves by more than 1/400 of the axis) */
static sg_status curve(FILE *fp, const sg_detect_result *r, const sg_detect_eval *e, const char *color, sg_error *err)
{
    double *f, *t;
    size_t n;
    sg_status st = sg_detect_roc(e->scores, r->label, r->n_test, &f, &t, &n, err);
    if (st != SG_OK) return st;
    fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    double lf = -1, lt = -1;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && fabs(f[i] - lf) < 0.0025 && fabs(t[i] - lt) < 0.0025) continue;
        fprintf(fp, "%.1f,%.1f ", px(f[i]), py(t[i]));
        lf = f[i];
        lt = t[i];
    }
    fputs("\"/>", fp);
    fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", px(e->fpr), py(e->tpr), color);
    free(f);
    free(t);
    return SG_OK;
}

static sg_status roc_plot(FILE *fp, const sg_detect_result *r, int d, sg_error *err)
{
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
            W, H, W, H);
    fprintf(fp, "<text x=\"6\" y=\"16\" class=\"t\">%s</text>", sg_detect_name((sg_det_kind)d));
    for (int k = 0; k <= 4; k++) {
        double v = k / 4.0;
        fprintf(fp, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"g\"/>", ML, W - MR, py(v), py(v));
        fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"g\"/>", px(v), px(v), MT, H - MB);
        fprintf(fp, "<text x=\"%d\" y=\"%.1f\" class=\"a\" text-anchor=\"end\">%.2g</text>", ML - 4, py(v) + 3, v);
        fprintf(fp, "<text x=\"%.1f\" y=\"%d\" class=\"a\" text-anchor=\"middle\">%.2g</text>", px(v), H - MB + 13, v);
    }
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"k\" stroke-dasharray=\"4 3\"/>", px(0),
            py(0), px(1), py(1));
    fprintf(fp, "<text x=\"%.1f\" y=\"%d\" class=\"a\" text-anchor=\"middle\">false positive rate</text>", px(0.5), H - 8);
    fprintf(fp, "<text x=\"12\" y=\"%.1f\" class=\"a\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">true "
                "positive rate</text>",
            py(0.5), py(0.5));
    sg_status st = SG_OK;
    for (int s = 0; s < 2 && st == SG_OK; s++)
        if (r->ev[d][s].done) st = curve(fp, r, &r->ev[d][s], s ? C_SYN : C_REAL, err);
    char a[32], b[32];
    fprintf(fp,
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"3\" fill=\"" C_REAL "\"/><text x=\"%d\" y=\"%d\" class=\"l\">real "
            "%s</text><rect x=\"%d\" y=\"%d\" width=\"10\" height=\"3\" fill=\"" C_SYN "\"/><text x=\"%d\" y=\"%d\" "
            "class=\"l\">synthetic %s</text>",
            ML + 110, H - MB - 34, ML + 124, H - MB - 30, f4(r->ev[d][0].auroc, a, sizeof a), ML + 110, H - MB - 18,
            ML + 124, H - MB - 14, f4(r->ev[d][1].auroc, b, sizeof b));
    fputs("</svg>\n", fp);
    return st;
}

sg_status sg_detect_write_html(const sg_detect_result *r, const sg_detect_report_info *info, FILE *fp, sg_error *err)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>secgen detection report</title>\n<style>\n"
          "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:18px 24px;color:#222;max-width:1260px}\n"
          "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd}\n"
          "table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\n"
          "th{background:#f4f4f4}td.v{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}\n"
          ".grid{display:flex;flex-wrap:wrap;gap:10px}.grid svg{border:1px solid #eee;background:#fff}\n"
          ".muted{color:#666;font-size:12.5px}code{background:#f4f4f4;padding:0 3px}\n"
          "svg .t{font-size:12.5px;font-weight:600;fill:#222}svg .a{font-size:10.5px;fill:#444}\n"
          "svg .l{font-size:10.5px;fill:#333}svg .g{stroke:#e6e6e6;stroke-width:1}svg .k{stroke:#999;stroke-width:1}\n"
          "</style></head><body>\n<h1>secgen detection report</h1>\n<p class=\"muted\">real: <code>",
          fp);
    sg_html_escape(fp, info && info->real_name ? info->real_name : "-");
    fprintf(fp, "</code> (%zu benign rows) &middot; synthetic: <code>", r->n_train_rows[0]);
    sg_html_escape(fp, info && info->synth_name ? info->synth_name : "-");
    fprintf(fp, "</code> (%zu benign rows) &middot; test: <code>", r->n_train_rows[1]);
    sg_html_escape(fp, info && info->test_name ? info->test_name : "-");
    fprintf(fp,
            "</code> (%zu normal, %zu attack rows)<br>Each detector is trained on the benign rows of one source; the "
            "threshold is the %.3g quantile of its scores on %.0f%% of its training rows held out (seed %" PRIu64
            "), never chosen on the test set. Utility = AUROC trained on synthetic / AUROC trained on real. "
            "Definitions: docs/detect.md.</p>\n",
            r->n_normal, r->n_attack, r->opts.quantile, r->opts.calib_frac * 100, r->opts.seed);
    fputs("<h2>Detectors</h2>\n<table><tr><th>detector</th><th>trained on</th><th>AUROC</th><th>TPR</th><th>FPR</th>"
          "<th>precision</th><th>F1</th><th>training rows</th><th>utility</th></tr>\n",
          fp);
    char b[6][32];
    for (int d = 0; d < SG_DET_COUNT; d++) {
        if (!(r->detectors >> d & 1u)) continue;
        for (int s = 0; s < 2; s++) {
            const sg_detect_eval *e = &r->ev[d][s];
            if (!e->done) continue;
            fprintf(fp,
                    "<tr><td>%s</td><td>%s</td><td class=\"v\">%s</td><td class=\"v\">%s</td><td class=\"v\">%s</td>"
                    "<td class=\"v\">%s</td><td class=\"v\">%s</td><td class=\"v\">%zu</td><td class=\"v\">%s</td></tr>\n",
                    sg_detect_name((sg_det_kind)d), s ? "synthetic" : "real", f4(e->auroc, b[0], 32), f4(e->tpr, b[1], 32),
                    f4(e->fpr, b[2], 32), f4(e->precision, b[3], 32), f4(e->f1, b[4], 32), e->n_fit + e->n_calib,
                    s ? f4(sg_detect_utility(r, (sg_det_kind)d), b[5], 32) : "");
        }
    }
    fputs("</table>\n<h2>ROC curves (dot: the training-chosen threshold)</h2>\n<div class=\"grid\">\n", fp);
    sg_status st = SG_OK;
    for (int d = 0; d < SG_DET_COUNT && st == SG_OK; d++)
        if (r->detectors >> d & 1u) st = roc_plot(fp, r, d, err);
    if (st != SG_OK) return st;
    fputs("</div>\n<h2>Per attack class: AUROC real / synthetic (TPR at the threshold)</h2>\n<table><tr><th>class</th>"
          "<th>rows</th>",
          fp);
    for (int d = 0; d < SG_DET_COUNT; d++)
        if (r->detectors >> d & 1u) fprintf(fp, "<th>%s</th>", sg_detect_name((sg_det_kind)d));
    fputs("</tr>\n", fp);
    for (size_t c = 0; c < r->nclasses; c++) {
        fputs("<tr><td>", fp);
        sg_html_escape(fp, r->classes[c]);
        fprintf(fp, "</td><td class=\"v\">%zu</td>", r->class_n[c]);
        for (int d = 0; d < SG_DET_COUNT; d++) {
            if (!(r->detectors >> d & 1u)) continue;
            const sg_detect_eval *a = &r->ev[d][0], *s = &r->ev[d][1];
            fprintf(fp, "<td class=\"v\">%s / %s <span class=\"muted\">(%s / %s)</span></td>",
                    f4(a->done ? a->class_auroc[c] : NAN, b[0], 32), f4(s->done ? s->class_auroc[c] : NAN, b[1], 32),
                    f4(a->done ? a->class_tpr[c] : NAN, b[2], 32), f4(s->done ? s->class_tpr[c] : NAN, b[3], 32));
        }
        fputs("</tr>\n", fp);
    }
    fputs("</table>\n<p class=\"muted\">Generated by secgen detect. Self-contained page: no script, no external "
          "resource.</p>\n</body></html>\n",
          fp);
    if (ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write failed: %s", strerror(errno));
    return SG_OK;
}
