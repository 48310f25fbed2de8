/* The evaluation protocol of the paper's Table 2 (spec §8): R repetitions; in each, draw
 * min(n, S) rows of every table without replacement, compute the metrics on the samples, and
 * report the mean over repetitions ignoring NaN. MD additionally draws md_sample rows of the
 * members (train), non-members (holdout, else real) and generated samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "eval/eval_internal.h"

void sg_eval_opts_default(sg_eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sample_size = 10000;
    o->repetitions = 20;
    o->md_sample = 500;
    o->k = 5;
    o->seed = 1;
}

enum { ROLE_REAL = 0, ROLE_SYNTH, ROLE_TRAIN, ROLE_HOLDOUT };

int sg_eval_metrics_parse(const char *list, uint32_t *mask, uint32_t *required, sg_error *err)
{
    static const struct {
        const char *name;
        uint32_t bit;
        int group;
    } names[] = {{"density", SG_EM_DENSITY, 0}, {"coverage", SG_EM_COVERAGE, 0}, {"cmd", SG_EM_CMD, 0},
                 {"pcd", SG_EM_PCD, 0},         {"emd", SG_EM_EMD, 0},           {"jsd", SG_EM_JSD, 0},
                 {"dkc", SG_EM_DKC, 0},         {"md", SG_EM_MD, 0},             {"fph", SG_EM_FPH, 0},
                 {"iat", SG_EM_IAT, 0},         {"iat_ks", SG_EM_IAT, 0},        {"acf", SG_EM_ACF, 0},
                 {"tails", SG_EM_TAILS, 0},     {"bursts", SG_EM_BURSTS, 0},     {"rules", SG_EM_RULES, 0},
                 {"config", SG_EM_CONFIG, 0},   {"paper", SG_EM_PAPER, 1},       {"realism", SG_EM_REALISM, 1},
                 {"all", SG_EM_ALL, 1}};
    uint32_t m = 0, req = 0;
    const char *p = list;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == len && strncasecmp(p, names[i].name, len) == 0) break;
        if (i == sizeof names / sizeof *names) {
            sg_error_set(err, SG_ERR_INVALID,
                         "unknown metric '%.*s' (density, coverage, cmd, pcd, emd, jsd, dkc, md, fph, iat, acf, tails, "
                         "bursts, rules, config, paper, realism, all)",
                         (int)len, p);
            return -1;
        }
        m |= names[i].bit;
        if (!names[i].group) req |= names[i].bit;
        p += len;
        if (*p == ',') p++;
    }
    if (!m) {
        sg_error_set(err, SG_ERR_INVALID, "empty metric list");
        return -1;
    }
    *mask = m;
    if (required) *required = req;
    return 0;
}

static int64_t min_start(const sg_flow_table *t)
{
    int64_t m = INT64_MAX;
    for (size_t i = 0; i < t->n; i++)
        if (t->flows[i].start_us < m) m = t->flows[i].start_us;
    return m;
}

sg_status sg_eval_create(sg_eval **out, const sg_flow_table *real, const sg_flow_table *synth,
                         const sg_flow_table *train, const sg_flow_table *holdout,
                         const sg_eval_opts *opts, sg_error *err)
{
    *out = NULL;
    if (!real || real->n == 0) return sg_error_set(err, SG_ERR_EMPTY, "the real table holds no flows");
    if (!synth || synth->n == 0) return sg_error_set(err, SG_ERR_EMPTY, "the synthetic table holds no flows");
    if (train && train->n == 0) return sg_error_set(err, SG_ERR_EMPTY, "the training table holds no flows");
    if (holdout && holdout->n == 0) return sg_error_set(err, SG_ERR_EMPTY, "the hold-out table holds no flows");
    if (holdout && !train)
        return sg_error_set(err, SG_ERR_INVALID, "a hold-out (non-member) table is only used by MD, which needs the training table");
    sg_eval_opts o;
    if (opts) o = *opts;
    else sg_eval_opts_default(&o);
    if (o.sample_size == 0 || o.repetitions == 0 || o.md_sample == 0)
        return sg_error_set(err, SG_ERR_INVALID, "sample size, repetitions and MD sample must be >= 1");
    if (o.k < 1 || o.k > 63) return sg_error_set(err, SG_ERR_INVALID, "k must be in [1, 63], got %d", o.k);
    if ((o.required & o.metrics & SG_EM_MD) && !train)
        return sg_error_set(err, SG_ERR_INVALID, "MD (membership disclosure) needs the generator's training table (--train)");
    if ((o.required & o.metrics & SG_EM_CONFIG) && !o.netcfg)
        return sg_error_set(err, SG_ERR_INVALID, "the containment findings (config) need a network config (--config)");
    if (!o.metrics) o.metrics = SG_EM_ALL;
    /* metrics selected through a group whose input is missing: left out, and the reports say why */
    uint32_t skipped = 0;
    if (!train && (o.metrics & SG_EM_MD)) skipped |= SG_EM_MD;
    if (!o.netcfg && (o.metrics & SG_EM_CONFIG)) skipped |= SG_EM_CONFIG;
    o.metrics &= ~skipped;

    sg_eval *e = calloc(1, sizeof *e);
    if (!e || !(e->dict = sg_eval_dict_create())) {
        free(e);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    e->o = o;
    int fold = !sg_eval_format_is_bidirectional(real->format) || !sg_eval_format_is_bidirectional(synth->format) ||
               (train && !sg_eval_format_is_bidirectional(train->format)) ||
               (holdout && !sg_eval_format_is_bidirectional(holdout->format));
    int64_t shift = o.synth_shift_us;
    if (o.align_start) shift += min_start(real) - min_start(synth);
    e->res.folded = fold;
    e->res.metrics = o.metrics;
    e->res.skipped = skipped;
    e->res.applied_shift_us = shift;
    e->o.netcfg = NULL; /* not kept: the containment is computed here, the names copied */
    sg_status st = sg_eval_cols_from_flows(real, fold, 0, e->dict, &e->real, err);
    if (st == SG_OK) st = sg_eval_cols_from_flows(synth, fold, shift, e->dict, &e->synth, err);
    if (st == SG_OK && train) {
        st = sg_eval_cols_from_flows(train, fold, 0, e->dict, &e->train, err);
        e->has_train = st == SG_OK;
    }
    if (st == SG_OK && holdout) {
        st = sg_eval_cols_from_flows(holdout, fold, 0, e->dict, &e->holdout, err);
        e->has_holdout = st == SG_OK;
    }
    if (st == SG_OK && (o.metrics & SG_EM_CONFIG)) {
        st = sg_eval__contain(synth, o.netcfg, &e->contain, err);
        if (st == SG_OK && o.netcfg->nhosts) {
            e->host_names = calloc(o.netcfg->nhosts, sizeof *e->host_names);
            if (!e->host_names) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            for (size_t i = 0; st == SG_OK && i < o.netcfg->nhosts; i++) {
                e->host_names[i] = strdup(o.netcfg->hosts[i].name);
                if (!e->host_names[i]) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                e->nhost_names = i + 1;
            }
        }
    }
    if (st != SG_OK) {
        sg_eval_destroy(e);
        return st;
    }
    *out = e;
    return SG_OK;
}

void sg_eval_destroy(sg_eval *e)
{
    if (!e) return;
    sg_eval_cols_free(&e->real);
    sg_eval_cols_free(&e->synth);
    sg_eval_cols_free(&e->train);
    sg_eval_cols_free(&e->holdout);
    sg_eval_dict_destroy(e->dict);
    for (size_t i = 0; i < e->nhost_names; i++) free(e->host_names[i]);
    free(e->host_names);
    free(e->find);
    free(e);
}

const sg_eval_result *sg_eval_get_result(const sg_eval *e) { return &e->res; }

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* m of n indices without replacement (partial Fisher-Yates), ascending; perm has room for n */
static void draw(size_t *perm, size_t n, size_t m, uint64_t seed, uint32_t stream, uint64_t index)
{
    sg_rng r;
    sg_rng_init(&r, seed, stream, index);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = 0; i < m && i + 1 < n; i++) {
        size_t j = i + (size_t)sg_rng_below(&r, n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    qsort(perm, m, sizeof *perm, cmp_size);
}

/* running mean ignoring NaN */
typedef struct acc {
    double s;
    unsigned n;
} acc;
static void acc_add(acc *a, double v)
{
    if (!isnan(v)) a->s += v, a->n++;
}
static double acc_mean(const acc *a) { return a->n ? a->s / a->n : NAN; }

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

sg_status sg_eval_run(sg_eval *e, sg_error *err)
{
    sg_eval_result *R = &e->res;
    const sg_eval_opts *o = &e->o;
    double t_start = now_s();
    R->secs_knn = 0;
    const sg_eval_cols *non = e->has_holdout ? &e->holdout : &e->real;
    R->n_real = e->real.n;
    R->n_synth = e->synth.n;
    R->n_train = e->has_train ? e->train.n : 0;
    R->n_holdout = e->has_holdout ? e->holdout.n : 0;
    R->repetitions = o->repetitions;
    size_t sr = min_sz(e->real.n, o->sample_size), ss = min_sz(e->synth.n, o->sample_size);
    size_t st = e->has_train ? min_sz(e->train.n, o->sample_size) : 0;
    size_t sn = min_sz(non->n, o->sample_size);
    R->sample_real = sr;
    R->sample_synth = ss;
    /* With every table used whole, all repetitions see the same rows (in another order): the
     * sample metrics are then computed once; MD still varies through its 500-row draws. */
    int subsampled = sr < e->real.n || ss < e->synth.n;

    size_t *pr = malloc(e->real.n * sizeof *pr), *ps = malloc(e->synth.n * sizeof *ps);
    size_t *pt = e->has_train ? malloc(e->train.n * sizeof *pt) : NULL;
    size_t *pn = malloc(non->n * sizeof *pn);
    size_t mdm = e->has_train ? min_sz(st, o->md_sample) : 0, mdn = min_sz(sn, o->md_sample), mdg = min_sz(ss, o->md_sample);
    size_t *qm = malloc((mdm + 1) * sizeof *qm), *qn = malloc((mdn + 1) * sizeof *qn), *qg = malloc((mdg + 1) * sizeof *qg);
    size_t tmax = st > sn ? st : sn;
    if (ss > tmax) tmax = ss;
    size_t *tmp = malloc((tmax + 1) * sizeof *tmp);
    sg_status status = SG_OK;
    if (!pr || !ps || (e->has_train && !pt) || !pn || !qm || !qn || !qg || !tmp) {
        status = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }

    acc a_den = {0}, a_cov = {0}, a_cmd = {0}, a_pcd = {0}, a_emd = {0}, a_jsd = {0}, a_dkc = {0}, a_md = {0};
    acc a_emdc[SG_EVAL_NCONT] = {{0}}, a_jsdc[SG_EVAL_NDISC] = {{0}}, a_frac[SG_EVAL_NDKC] = {{0}};
    double den = NAN, cov = NAN, cmd = NAN, pcd = NAN, emd = NAN, jsd = NAN, dkc = NAN;
    double emdc[SG_EVAL_NCONT], jsdc[SG_EVAL_NDISC], frac[SG_EVAL_NDKC];
    R->reps_computed = 0;
    for (unsigned rep = 0; rep < o->repetitions; rep++) {
        draw(pr, e->real.n, sr, o->seed, SG_EVAL_STREAM_SAMPLE + ROLE_REAL, rep);
        draw(ps, e->synth.n, ss, o->seed, SG_EVAL_STREAM_SAMPLE + ROLE_SYNTH, rep);
        if (rep == 0 || subsampled) {
            uint32_t M = R->metrics;
            if (M & (SG_EM_DENSITY | SG_EM_COVERAGE)) {
                double t0 = now_s();
                status = sg_eval_prdc(&e->real, pr, sr, &e->synth, ps, ss, o->k, &den, &cov, err);
                R->secs_knn += now_s() - t0;
                if (status != SG_OK) goto done;
            }
            if (M & SG_EM_CMD) {
                status = sg_eval_cmd(&e->real, pr, sr, &e->synth, ps, ss, &cmd, err);
                if (status != SG_OK) goto done;
            }
            /* the correlation matrices feed the HTML heatmaps: always computed */
            double *cr = rep == 0 ? R->corr_real : NULL, *cg = rep == 0 ? R->corr_synth : NULL;
            pcd = sg_eval_pcd(&e->real, pr, sr, &e->synth, ps, ss, cr, cg);
            emd = sg_eval_emd(&e->real, pr, sr, &e->synth, ps, ss, emdc);
            jsd = sg_eval_jsd(&e->real, pr, sr, &e->synth, ps, ss, jsdc);
            dkc = sg_eval_dkc(&e->synth, e->dict, ps, ss, &o->dkc, frac);
            R->reps_computed++;
        }
        acc_add(&a_den, den);
        acc_add(&a_cov, cov);
        acc_add(&a_cmd, cmd);
        acc_add(&a_pcd, pcd);
        acc_add(&a_emd, emd);
        acc_add(&a_jsd, jsd);
        acc_add(&a_dkc, dkc);
        for (int c = 0; c < SG_EVAL_NCONT; c++) acc_add(&a_emdc[c], emdc[c]);
        for (int c = 0; c < SG_EVAL_NDISC; c++) acc_add(&a_jsdc[c], jsdc[c]);
        for (int c = 0; c < SG_EVAL_NDKC; c++) acc_add(&a_frac[c], frac[c]);
        if (e->has_train && (R->metrics & SG_EM_MD)) {
            draw(pt, e->train.n, st, o->seed, SG_EVAL_STREAM_SAMPLE + ROLE_TRAIN, rep);
            draw(pn, non->n, sn, o->seed, SG_EVAL_STREAM_SAMPLE + ROLE_HOLDOUT, rep);
            /* 500 of each rep's samples: positions into pt / pn / ps */
            draw(tmp, st, mdm, o->seed, SG_EVAL_STREAM_MD + ROLE_TRAIN, rep);
            for (size_t i = 0; i < mdm; i++) qm[i] = pt[tmp[i]];
            draw(tmp, sn, mdn, o->seed, SG_EVAL_STREAM_MD + ROLE_HOLDOUT, rep);
            for (size_t i = 0; i < mdn; i++) qn[i] = pn[tmp[i]];
            draw(tmp, ss, mdg, o->seed, SG_EVAL_STREAM_MD + ROLE_SYNTH, rep);
            for (size_t i = 0; i < mdg; i++) qg[i] = ps[tmp[i]];
            double md = sg_eval_md(&e->train, qm, mdm, non, qn, mdn, &e->synth, qg, mdg);
            if (isnan(md)) R->md_nan_reps++;
            acc_add(&a_md, md);
        }
    }
    R->density = acc_mean(&a_den);
    R->coverage = acc_mean(&a_cov);
    R->cmd = acc_mean(&a_cmd);
    R->pcd = acc_mean(&a_pcd);
    R->emd = acc_mean(&a_emd);
    R->jsd = acc_mean(&a_jsd);
    R->dkc = acc_mean(&a_dkc);
    R->md = (R->metrics & SG_EM_MD) ? acc_mean(&a_md) : NAN;
    if (!(R->metrics & SG_EM_DENSITY)) R->density = NAN;
    if (!(R->metrics & SG_EM_COVERAGE)) R->coverage = NAN;
    if (!(R->metrics & SG_EM_PCD)) R->pcd = NAN;
    if (!(R->metrics & SG_EM_EMD)) R->emd = NAN;
    if (!(R->metrics & SG_EM_JSD)) R->jsd = NAN;
    if (!(R->metrics & SG_EM_DKC)) R->dkc = NAN;
    for (int c = 0; c < SG_EVAL_NCONT; c++) R->emd_col[c] = acc_mean(&a_emdc[c]);
    for (int c = 0; c < SG_EVAL_NDISC; c++) R->jsd_col[c] = acc_mean(&a_jsdc[c]);
    for (int c = 0; c < SG_EVAL_NDKC; c++) R->dkc_frac[c] = acc_mean(&a_frac[c]);
    memset(R->dkc_count, 0, sizeof R->dkc_count);
    memset(R->dkc_count_real, 0, sizeof R->dkc_count_real);
    for (size_t i = 0; i < e->synth.n; i++) {
        uint32_t m = sg_eval_dkc_row(&e->synth, e->dict, i, &o->dkc);
        for (int c = 0; c < SG_EVAL_NDKC; c++) R->dkc_count[c] += m >> c & 1;
    }
    for (size_t i = 0; i < e->real.n; i++) {
        uint32_t m = sg_eval_dkc_row(&e->real, e->dict, i, &o->dkc);
        for (int c = 0; c < SG_EVAL_NDKC; c++) R->dkc_count_real[c] += m >> c & 1;
    }
    R->fph = (R->metrics & SG_EM_FPH) ? sg_eval_fph_distance(&e->real, &e->synth) : NAN;
    R->iat_ks = (R->metrics & SG_EM_IAT) ? sg_eval_iat_ks(&e->real, &e->synth) : NAN;
    for (int c = 0; c < SG_EVAL_NCONT; c++) R->acf_col[c] = NAN;
    R->acf = (R->metrics & SG_EM_ACF) ? sg_eval_acf_diff(&e->real, &e->synth, R->acf_col) : NAN;
    status = sg_eval__realism(e, err);
    if (status != SG_OK) goto done;
    R->secs_total = now_s() - t_start;
done:
    free(pr);
    free(ps);
    free(pt);
    free(pn);
    free(qm);
    free(qn);
    free(qg);
    free(tmp);
    return status;
}
