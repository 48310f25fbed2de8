/* Text and JSON reports of secgen detect, and the per-row scores CSV. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

static const char *nz(const char *s) { return s ? s : "-"; }

static const char *fmtv(double v, char *b, size_t n)
{
    if (isnan(v)) snprintf(b, n, "n/a");
    else snprintf(b, n, "%.4f", v);
    return b;
}

sg_status sg_detect_write_text(const sg_detect_result *r, const sg_detect_report_info *info, FILE *fp, sg_error *err)
{
    char b[6][32];
    fprintf(fp, "secgen detect: anomaly detection trained on real vs on synthetic traffic\n");
    fprintf(fp, "real:      %s (%zu benign training rows, %zu attack rows left out)\n", nz(info ? info->real_name : NULL),
            r->n_train_rows[0], r->n_train_dropped[0]);
    fprintf(fp, "synthetic: %s (%zu benign training rows, %zu attack rows left out)\n",
            nz(info ? info->synth_name : NULL), r->n_train_rows[1], r->n_train_dropped[1]);
    fprintf(fp, "test:      %s (%zu rows: %zu normal, %zu attack in %zu classes)\n", nz(info ? info->test_name : NULL),
            r->n_test, r->n_normal, r->n_attack, r->nclasses);
    fprintf(fp, "protocol:  %s; threshold = %.3g quantile of held-out training scores (%.0f%% held out), seed %" PRIu64
                "%s\n\n",
            r->kind == SG_DETECT_FLOWS ? "flows" : "sequences", r->opts.quantile, r->opts.calib_frac * 100,
            r->opts.seed, r->folded ? ", flows folded onto totals" : "");
    fprintf(fp, "%-8s %-9s %7s %7s %7s %7s %7s %8s %8s\n", "detector", "trained", "AUROC", "TPR", "FPR", "prec", "F1",
            "fit", "utility");
    for (int d = 0; d < SG_DET_COUNT; d++) {
        if (!(r->detectors >> d & 1u)) continue;
        for (int s = 0; s < 2; s++) {
            const sg_detect_eval *e = &r->ev[d][s];
            if (!e->done) continue;
            fprintf(fp, "%-8s %-9s %7s %7s %7s %7s %7s %8zu", s ? "" : sg_detect_name((sg_det_kind)d),
                    s ? "synthetic" : "real", fmtv(e->auroc, b[0], 32), fmtv(e->tpr, b[1], 32), fmtv(e->fpr, b[2], 32),
                    fmtv(e->precision, b[3], 32), fmtv(e->f1, b[4], 32), e->n_fit);
            if (s) fprintf(fp, " %8s", fmtv(sg_detect_utility(r, (sg_det_kind)d), b[5], 32));
            fputc('\n', fp);
        }
    }
    fprintf(fp, "\nper attack class: AUROC real / synthetic (TPR at the threshold real / synthetic)\n");
    for (size_t c = 0; c < r->nclasses; c++) {
        fprintf(fp, "%s (%zu rows)\n", r->classes[c], r->class_n[c]);
        for (int d = 0; d < SG_DET_COUNT; d++) {
            if (!(r->detectors >> d & 1u) || !r->ev[d][0].done || !r->ev[d][1].done) continue;
            const sg_detect_eval *a = &r->ev[d][0], *s = &r->ev[d][1];
            fprintf(fp, "  %-8s %s / %s  (%s / %s)\n", sg_detect_name((sg_det_kind)d), fmtv(a->class_auroc[c], b[0], 32),
                    fmtv(s->class_auroc[c], b[1], 32), fmtv(a->class_tpr[c], b[2], 32), fmtv(s->class_tpr[c], b[3], 32));
        }
    }
    for (int d = 0; d < SG_DET_COUNT; d++)
        for (int s = 0; s < 2; s++)
            if (r->ev[d][s].done && r->ev[d][s].note[0])
                fprintf(fp, "note: %s trained on %s: %s\n", sg_detect_name((sg_det_kind)d), s ? "synthetic" : "real",
                        r->ev[d][s].note);
    if (ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write failed: %s", strerror(errno));
    return SG_OK;
}

static json_t *num(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

static json_t *eval_json(const sg_detect_result *r, const sg_detect_eval *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "auroc", num(e->auroc));
    json_object_set_new(o, "threshold", num(e->threshold));
    json_object_set_new(o, "tpr", num(e->tpr));
    json_object_set_new(o, "fpr", num(e->fpr));
    json_object_set_new(o, "precision", num(e->precision));
    json_object_set_new(o, "f1", num(e->f1));
    json_object_set_new(o, "fit_rows", json_integer((json_int_t)e->n_fit));
    json_object_set_new(o, "calibration_rows", json_integer((json_int_t)e->n_calib));
    json_t *pc = json_object();
    for (size_t c = 0; c < r->nclasses; c++) {
        json_t *x = json_object();
        json_object_set_new(x, "auroc", num(e->class_auroc[c]));
        json_object_set_new(x, "tpr", num(e->class_tpr[c]));
        json_object_set_new(pc, r->classes[c], x);
    }
    json_object_set_new(o, "per_class", pc);
    if (e->note[0]) json_object_set_new(o, "note", json_string(e->note));
    return o;
}

sg_status sg_detect_write_json(const sg_detect_result *r, const sg_detect_report_info *info, FILE *fp, sg_error *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("secgen-detect"));
    json_object_set_new(root, "version", json_integer(1));
    json_t *inp = json_object();
    json_object_set_new(inp, "real", json_string(nz(info ? info->real_name : NULL)));
    json_object_set_new(inp, "synthetic", json_string(nz(info ? info->synth_name : NULL)));
    json_object_set_new(inp, "test", json_string(nz(info ? info->test_name : NULL)));
    json_object_set_new(inp, "kind", json_string(r->kind == SG_DETECT_FLOWS ? "flows" : "sequences"));
    json_object_set_new(inp, "folded_totals", json_boolean(r->folded));
    json_object_set_new(inp, "real_benign_rows", json_integer((json_int_t)r->n_train_rows[0]));
    json_object_set_new(inp, "synthetic_benign_rows", json_integer((json_int_t)r->n_train_rows[1]));
    json_object_set_new(inp, "real_attack_rows_left_out", json_integer((json_int_t)r->n_train_dropped[0]));
    json_object_set_new(inp, "synthetic_attack_rows_left_out", json_integer((json_int_t)r->n_train_dropped[1]));
    json_object_set_new(inp, "test_rows", json_integer((json_int_t)r->n_test));
    json_object_set_new(inp, "test_normal", json_integer((json_int_t)r->n_normal));
    json_object_set_new(inp, "test_attack", json_integer((json_int_t)r->n_attack));
    json_object_set_new(root, "inputs", inp);
    json_t *pr = json_object();
    json_object_set_new(pr, "seed", json_integer((json_int_t)r->opts.seed));
    json_object_set_new(pr, "calibration_share", json_real(r->opts.calib_frac));
    json_object_set_new(pr, "threshold_quantile", json_real(r->opts.quantile));
    json_object_set_new(pr, "max_train", json_integer((json_int_t)r->opts.max_train));
    json_object_set_new(root, "protocol", pr);
    json_t *cl = json_object();
    for (size_t c = 0; c < r->nclasses; c++) json_object_set_new(cl, r->classes[c], json_integer((json_int_t)r->class_n[c]));
    json_object_set_new(root, "classes", cl);
    json_t *dets = json_object();
    for (int d = 0; d < SG_DET_COUNT; d++) {
        if (!(r->detectors >> d & 1u)) continue;
        json_t *o = json_object();
        if (r->ev[d][0].done) json_object_set_new(o, "real", eval_json(r, &r->ev[d][0]));
        if (r->ev[d][1].done) json_object_set_new(o, "synthetic", eval_json(r, &r->ev[d][1]));
        json_object_set_new(o, "utility", num(sg_detect_utility(r, (sg_det_kind)d)));
        json_object_set_new(dets, sg_detect_name((sg_det_kind)d), o);
    }
    json_object_set_new(root, "detectors", dets);
    int rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    fputc('\n', fp);
    if (rc != 0 || ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write failed: %s", strerror(errno));
    return SG_OK;
}

sg_status sg_detect_write_scores(const sg_detect_result *r, const char *path, sg_error *err)
{
    sg_outfile *of;
    sg_status st = sg_outfile_open(&of, path, err);
    if (st != SG_OK) return st;
    FILE *fp = sg_outfile_fp(of);
    fputs("detector,trained_on,row,label,score\n", fp);
    for (int d = 0; d < SG_DET_COUNT; d++)
        for (int s = 0; s < 2; s++) {
            const sg_detect_eval *e = &r->ev[d][s];
            if (!e->done) continue;
            for (size_t i = 0; i < r->n_test; i++) {
                const char *lab = r->label[i] ? r->classes[r->class_of[i]] : "0";
                /* class names come from label fields: quote when they hold a comma or a quote */
                int q = strpbrk(lab, ",\"") != NULL;
                fprintf(fp, "%s,%s,%zu,%s", sg_detect_name((sg_det_kind)d), s ? "synthetic" : "real", i + 1, q ? "\"" : "");
                for (const char *p = lab; q && *p; p++) {
                    if (*p == '"') fputc('"', fp);
                    fputc(*p, fp);
                }
                if (!q) fputs(lab, fp);
                fprintf(fp, "%s,%.17g\n", q ? "\"" : "", e->scores[i]);
            }
        }
    if (ferror(fp)) {
        sg_outfile_abort(of);
        return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return sg_outfile_commit(of, err);
}
