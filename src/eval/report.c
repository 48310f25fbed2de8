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

static size_t all_rows(const sg_eval_result *r, metric_row *m);

static const uint32_t row_bits[] = {SG_EM_DENSITY, SG_EM_COVERAGE, SG_EM_CMD, SG_EM_PCD, SG_EM_EMD, SG_EM_JSD,
                                    SG_EM_DKC,     SG_EM_MD,       SG_EM_FPH, SG_EM_IAT, SG_EM_ACF};

/* rows of the metrics table: the selected metrics (MD is listed, as n/a, when it was not
 * computed for want of a training table) */
static size_t metric_rows(const sg_eval_result *r, metric_row *m)
{
    size_t n = all_rows(r, m), k = 0;
    for (size_t i = 0; i < n; i++)
        if ((r->metrics & row_bits[i]) || (r->skipped & row_bits[i]))
            m[k++] = m[i];
    return k;
}

static size_t all_rows(const sg_eval_result *r, metric_row *m)
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
    m[n++] = (metric_row){"FPH", "fph", "lower", "flows per hour: distance of the hourly profiles (in hours)", r->fph};
    m[n++] = (metric_row){"IAT-KS", "iat_ks", "lower", "inter-arrival KS statistic", r->iat_ks};
    m[n++] = (metric_row){"ACF", "acf", "lower", "autocorrelation difference of per-second sums", r->acf};
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

/* 4 decimals; tiny values in scientific notation so they do not print as 0.0000 */
static const char *fmtv(double v, char *buf, size_t n)
{
    if (isnan(v)) snprintf(buf, n, "n/a");
    else if (v != 0 && fabs(v) < 1e-3) snprintf(buf, n, "%.3e", v);
    else snprintf(buf, n, "%.4f", v);
    return buf;
}

/* In Byte / In Packet of tables folded onto totals: the layout does not carry them */
static int absent(const sg_eval_result *r, int c) { return r->folded && (c == SG_EC_IN_BYTES || c == SG_EC_IN_PKTS); }

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
    char b[32];
    size_t n = metric_rows(r, m);
    for (size_t i = 0; i < n; i++) {
        if (isnan(m[i].v))
            fprintf(fp, "%-9s %s  %s\n", m[i].name, sg_eval__arrow(m[i].dir),
                    !strcmp(m[i].key, "md") && !e->has_train ? "n/a (needs --train)" : "n/a");
        else
            fprintf(fp, "%-9s %s  %s\n", m[i].name, sg_eval__arrow(m[i].dir), fmtv(m[i].v, b, sizeof b));
    }
    if (e->has_train && r->md_nan_reps)
        fprintf(fp, "  (MD undefined in %u of %u repetitions: no true positive at some threshold)\n", r->md_nan_reps,
                r->repetitions);
    for (int c = 0; c < SG_EVAL_NCONT && (r->metrics & SG_EM_EMD); c++)
        fprintf(fp, "EMD[%s] %s  %s\n", sg_eval_cont_names[c], sg_eval__arrow("lower"),
                absent(r, c) ? "n/a (not in the data)" : fmtv(r->emd_col[c], b, sizeof b));
    for (int c = 0; c < SG_EVAL_NDISC && (r->metrics & SG_EM_JSD); c++)
        fprintf(fp, "JSD[%s] %s  %s\n", sg_eval_disc_names[c], sg_eval__arrow("lower"), fmtv(r->jsd_col[c], b, sizeof b));
    for (int c = 0; c < SG_EVAL_NCONT && (r->metrics & SG_EM_ACF); c++)
        fprintf(fp, "ACF[%s] %s  %s\n", sg_eval_cont_names[c], sg_eval__arrow("lower"),
                absent(r, c) ? "n/a (not in the data)" : fmtv(r->acf_col[c], b, sizeof b));
    for (int c = 0; c < SG_EVAL_NDKC && (r->metrics & SG_EM_DKC); c++)
        fprintf(fp, "DKC rule %2d %s  %.4f  violations %zu of %zu (real %zu of %zu)  %s\n", c + 1,
                sg_eval__arrow("lower"), r->dkc_frac[c], r->dkc_count[c], r->n_synth, r->dkc_count_real[c],
                r->n_real, sg_eval_dkc_descr[c]);
    sg_eval__write_findings_text(e, fp);
    if (ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write error");
    return SG_OK;
}

static const struct {
    uint32_t bit;
    const char *name, *title;
} groups[] = {{SG_EM_TAILS, "tails", "volume: quantiles, totals, heavy flows"},
              {SG_EM_BURSTS, "bursts", "timing: span and bursts of the flow starts"},
              {SG_EM_RULES, "rules", "domain-knowledge rules, rate per rule"},
              {SG_EM_CONFIG, "config", "containment in the network config"}};

const char *sg_eval__group_name(uint32_t bit, int title)
{
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
        if (groups[i].bit == bit) return title ? groups[i].title : groups[i].name;
    return "?";
}

void sg_eval__verdict_counts(const sg_eval *e, size_t cnt[3])
{
    cnt[0] = cnt[1] = cnt[2] = 0;
    for (size_t i = 0; i < e->nfind; i++) cnt[e->find[i].verdict]++;
}

/* DKC rules broken by neither table, as "1, 2, 14" (the findings list only the others) */
const char *sg_eval__unbroken_rules(const sg_eval *e, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (int c = 0; c < SG_EVAL_NDKC; c++)
        if (!e->res.dkc_count[c] && !e->res.dkc_count_real[c] && o + 5 < n)
            o += (size_t)snprintf(buf + o, n - o, "%s%d", o ? ", " : "", c + 1);
    return buf;
}

void sg_eval__write_findings_text(const sg_eval *e, FILE *fp)
{
    const sg_eval_result *r = &e->res;
    if (r->skipped & SG_EM_CONFIG)
        fprintf(fp, "config containment: skipped (needs --config net.yaml)\n");
    if (!(r->metrics & SG_EM_REALISM)) return;
    size_t cnt[3];
    sg_eval__verdict_counts(e, cnt);
    fprintf(fp, "realism: %zu FAIL, %zu WARN, %zu ok (verdicts and thresholds: docs/metrics.md section 8)\n", cnt[2],
            cnt[1], cnt[0]);
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        if (!(r->metrics & groups[g].bit)) continue;
        fprintf(fp, "[%s] %s\n", groups[g].name, groups[g].title);
        for (size_t i = 0; i < e->nfind; i++)
            if (e->find[i].group == groups[g].bit) fprintf(fp, "  %s\n", e->find[i].line);
        if (groups[g].bit == SG_EM_TAILS && r->folded)
            fprintf(fp, "  In Byte, In Packet: not in the data (a one-way layout is involved; Out = totals)\n");
        if (groups[g].bit == SG_EM_RULES) {
            char b[128];
            sg_eval__unbroken_rules(e, b, sizeof b);
            if (*b) fprintf(fp, "  rules broken by neither table: %s\n", b);
        }
    }
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
    json_t *acf = json_object();
    for (int c = 0; c < SG_EVAL_NCONT; c++) json_object_set_new(acf, sg_eval_cont_names[c], num(r->acf_col[c]));
    json_object_set_new(root, "acf_columns", acf);
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
    if (r->skipped) {
        json_t *sk = json_object();
        if (r->skipped & SG_EM_MD) json_object_set_new(sk, "md", json_string("needs --train (the generator's training data)"));
        if (r->skipped & SG_EM_CONFIG) json_object_set_new(sk, "config", json_string("needs --config (a network config)"));
        json_object_set_new(root, "skipped", sk);
    }
    if (r->metrics & SG_EM_REALISM) {
        json_t *fa = json_array();
        for (size_t i = 0; i < e->nfind; i++) {
            const sg_eval_finding *f = &e->find[i];
            json_t *o = json_object();
            json_object_set_new(o, "group", json_string(sg_eval__group_name(f->group, 0)));
            json_object_set_new(o, "key", json_string(f->key));
            json_object_set_new(o, "what", json_string(f->what));
            json_object_set_new(o, "synthetic", num(f->synth));
            json_object_set_new(o, "real", num(f->real));
            json_object_set_new(o, "ratio", num(f->ratio));
            json_object_set_new(o, "gap", num(f->gap));
            json_object_set_new(o, "ok_within", num(f->ok_within));
            json_object_set_new(o, "fail_beyond", num(f->fail_beyond));
            json_object_set_new(o, "verdict", json_string(f->verdict == SG_EVAL_FAIL ? "fail" : f->verdict == SG_EVAL_WARN ? "warn" : "ok"));
            json_object_set_new(o, "line", json_string(f->line));
            json_array_append_new(fa, o);
        }
        json_object_set_new(root, "findings", fa);
        size_t cnt[3];
        sg_eval__verdict_counts(e, cnt);
        json_t *vc = json_object();
        json_object_set_new(vc, "ok", json_integer((json_int_t)cnt[0]));
        json_object_set_new(vc, "warn", json_integer((json_int_t)cnt[1]));
        json_object_set_new(vc, "fail", json_integer((json_int_t)cnt[2]));
        json_object_set_new(root, "verdicts", vc);
    }
    if (r->folded) {
        json_t *ab = json_array();
        json_array_append_new(ab, json_string(sg_eval_cont_names[SG_EC_IN_BYTES]));
        json_array_append_new(ab, json_string(sg_eval_cont_names[SG_EC_IN_PKTS]));
        json_object_set_new(root, "columns_not_in_data", ab);
    }
    int rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    fputc('\n', fp);
    if (rc != 0 || ferror(fp)) return sg_error_set(err, SG_ERR_IO, "write error");
    return SG_OK;
}
