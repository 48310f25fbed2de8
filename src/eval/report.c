/* Text and JSON reports of an evaluation. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "eval/eval_internal.h"

typedef struct metric_row {
    const char *name, *key, *dir, *descr;
    double v;
} metric_row;

static size_t metric_rows(const sg_eval_result *r, metric_row *m)
{
    size_t n = 0;
    m[n++] = (metric_row){"Density", "density", "higher", "k-NN precision-like (k=5)", r->density};
    m[n++] = (metric_row){"Coverage", "coverage", "higher", "k-NN recall-like (k=5)", r->coverage};
    m[n++] = (metric_row){"CMD", "cmd", "lower", "categorical pair-frequency distance", r->cmd};
    m[n++] = (metric_row){"PCD", "pcd", "lower", "Pearson correlation distance", r->pcd};
    m[n++] = (metric_row){"EMD", "emd", "lower", "ECDF distance of continuous columns", r->emd};
    m[n++] = (metric_row){"JSD", "jsd", "lower", "Jensen-Shannon distance of discrete columns", r->jsd};
    m[n++] = (metric_row){"DKC", "dkc", "lower", "domain-knowledge rule violations", r->dkc};
    m[n++] = (metric_row){"MD", "md", "reference", "membership disclosure (close to Reference)", r->md};
    m[n++] = (metric_row){"FPH", "fph", "lower", "flows-per-hour profile distance (hours)", r->fph};
    m[n++] = (metric_row){"IAT-KS", "iat_ks", "lower", "inter-arrival KS statistic", r->iat_ks};
    return n;
}

const char *sg_eval__arrow(const char *dir)
{
    if (!strcmp(dir, "higher")) return "\xe2\x86\x91"; /* ↑ */
    if (!strcmp(dir, "lower")) return "\xe2\x86\x93";  /* ↓ */
    return "\xe2\x89\x88";                               /* ≈ (closest to the Reference) */
}

size_t sg_eval__metric_rows(const sg_eval_result *r, const char **names, const char **dirs,
                            const char **descr, double *vals)
{
    metric_row m[16];
    size_t n = metric_rows(r, m);
    for (size_t i = 0; i < n; i++) {
        names[i] = m[i].name;
        dirs[i] = m[i].dir;
        descr[i] = m[i].descr;
        vals[i] = m[i].v;
    }
    return n;
}

static const char *nz(const char *s) { return s ? s : "-"; }

sg_status sg_eval_write_text(const sg_eval *e, const sg_eval_report_info *info, FILE *fp, sg_error *err)
{
    const sg_eval_result *r = &e->res;
    fprintf(fp, "real:      %s (%zu flows, %zu per sample)\n", nz(info ? info->real_name : NULL), r->n_real, r->sample_real);
    fprintf(fp, "synthetic: %s (%zu flows, %zu per sample)\n", nz(info ? info->synth_name : NULL), r->n_synth,
            r->sample_synth);
    if (e->has_train) fprintf(fp, "train:     %s (%zu flows)\n", nz(info ? info->train_name : NULL), r->n_train);
    if (e->has_holdout) fprintf(fp, "holdout:   %s (%zu flows)\n", nz(info ? info->holdout_name : NULL), r->n_holdout);
    fprintf(fp, "protocol:  %u repetitions (%u computed), seed %" PRIu64 ", k = %d%s%s\n", r->repetitions,
            r->reps_computed, e->o.seed, e->o.k, r->folded ? ", byte/packet counters folded onto totals" : "",
            r->applied_shift_us ? ", synthetic times shifted" : "");
    metric_row m[16];
    size_t n = metric_rows(r, m);
    for (size_t i = 0; i < n; i++) {
        if (isnan(m[i].v))
            fprintf(fp, "%-9s %s  %s\n", m[i].name, sg_eval__arrow(m[i].dir),
                    !strcmp(m[i].key, "md") && !e->has_train ? "n/a (needs --train)" : "nan");
        else
            fprintf(fp, "%-9s %s  %.4f\n", m[i].name, sg_eval__arrow(m[i].dir), m[i].v);
    }
    if (!strcmp(m[7].key, "md") && e->has_train && r->md_nan_reps)
        fprintf(fp, "  (MD undefined in %u of %u repetitions: no true positive at some threshold)\n", r->md_nan_reps,
                r->repetitions);
    for (int c = 0; c < SG_EVAL_NCONT; c++)
        fprintf(fp, "EMD[%s] %s  %.4f\n", sg_eval_cont_names[c], sg_eval__arrow("lower"), r->emd_col[c]);
    for (int c = 0; c < SG_EVAL_NDISC; c++)
        fprintf(fp, "JSD[%s] %s  %.4f\n", sg_eval_disc_names[c], sg_eval__arrow("lower"), r->jsd_col[c]);
    for (int c = 0; c < SG_EVAL_NDKC; c++)
        fprintf(fp, "DKC rule %2d %s  %.4f  violations %zu of %zu (real %zu of %zu)  %s\n", c + 1,
                sg_eval__arrow("lower"), r->dkc_frac[c], r->dkc_count[c], r->n_synth, r->dkc_count_real[c],
                r->n_real, sg_eval_dkc_descr[c]);
    if (ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write error");
    return SG_OK;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *matrix(const double *m)
{
    json_t *a = json_array();
    for (int i = 0; i < SG_EVAL_NCONT; i++) {
        json_t *row = json_array();
        for (int j = 0; j < SG_EVAL_NCONT; j++) json_array_append_new(row, num(m[i * SG_EVAL_NCONT + j]));
        json_array_append_new(a, row);
    }
    return a;
}

sg_status sg_eval_write_json(const sg_eval *e, const sg_eval_report_info *info, FILE *fp, sg_error *err)
{
    const sg_eval_result *r = &e->res;
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("secgen-eval"));
    json_object_set_new(root, "version", json_integer(1));
    json_t *in = json_object();
    json_object_set_new(in, "real", info && info->real_name ? json_string(info->real_name) : json_null());
    json_object_set_new(in, "synthetic", info && info->synth_name ? json_string(info->synth_name) : json_null());
    json_object_set_new(in, "train", info && info->train_name ? json_string(info->train_name) : json_null());
    json_object_set_new(in, "holdout", info && info->holdout_name ? json_string(info->holdout_name) : json_null());
    json_object_set_new(in, "n_real", json_integer((json_int_t)r->n_real));
    json_object_set_new(in, "n_synthetic", json_integer((json_int_t)r->n_synth));
    json_object_set_new(in, "n_train", json_integer((json_int_t)r->n_train));
    json_object_set_new(in, "n_holdout", json_integer((json_int_t)r->n_holdout));
    json_object_set_new(in, "folded_totals", json_boolean(r->folded));
    json_object_set_new(in, "synthetic_time_shift_us", json_integer(r->applied_shift_us));
    json_object_set_new(root, "inputs", in);
    json_t *pr = json_object();
    json_object_set_new(pr, "repetitions", json_integer(r->repetitions));
    json_object_set_new(pr, "repetitions_computed", json_integer(r->reps_computed));
    json_object_set_new(pr, "sample_size", json_integer((json_int_t)e->o.sample_size));
    json_object_set_new(pr, "sample_real", json_integer((json_int_t)r->sample_real));
    json_object_set_new(pr, "sample_synthetic", json_integer((json_int_t)r->sample_synth));
    json_object_set_new(pr, "md_sample", json_integer((json_int_t)e->o.md_sample));
    json_object_set_new(pr, "md_nan_repetitions", json_integer(r->md_nan_reps));
    json_object_set_new(pr, "k", json_integer(e->o.k));
    json_object_set_new(pr, "seed", json_integer((json_int_t)e->o.seed));
    json_object_set_new(pr, "dkc_variant", json_string(e->o.dkc.corrected ? "corrected" : "paper"));
    json_object_set_new(root, "protocol", pr);
    json_t *ms = json_object();
    metric_row m[16];
    size_t n = metric_rows(r, m);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "value", num(m[i].v));
        json_object_set_new(o, "better", json_string(m[i].dir));
        json_object_set_new(ms, m[i].key, o);
    }
    json_object_set_new(root, "metrics", ms);
    json_t *emd = json_object(), *jsd = json_object();
    for (int c = 0; c < SG_EVAL_NCONT; c++) json_object_set_new(emd, sg_eval_cont_names[c], num(r->emd_col[c]));
    for (int c = 0; c < SG_EVAL_NDISC; c++) json_object_set_new(jsd, sg_eval_disc_names[c], num(r->jsd_col[c]));
    json_object_set_new(root, "emd_columns", emd);
    json_object_set_new(root, "jsd_columns", jsd);
    json_t *rules = json_array();
    for (int c = 0; c < SG_EVAL_NDKC; c++) {
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_integer(c + 1));
        json_object_set_new(o, "description", json_string(sg_eval_dkc_descr[c]));
        json_object_set_new(o, "fraction", num(r->dkc_frac[c]));
        json_object_set_new(o, "violations", json_integer((json_int_t)r->dkc_count[c]));
        json_object_set_new(o, "violations_real", json_integer((json_int_t)r->dkc_count_real[c]));
        json_array_append_new(rules, o);
    }
    json_object_set_new(root, "dkc_rules", rules);
    json_t *corr = json_object(), *cols = json_array();
    for (int c = 0; c < SG_EVAL_NCONT; c++) json_array_append_new(cols, json_string(sg_eval_cont_names[c]));
    json_object_set_new(corr, "columns", cols);
    json_object_set_new(corr, "real", matrix(r->corr_real));
    json_object_set_new(corr, "synthetic", matrix(r->corr_synth));
    json_object_set_new(root, "pearson", corr);
    int rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    fputc('\n', fp);
    if (rc != 0 || ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write error");
    return SG_OK;
}
