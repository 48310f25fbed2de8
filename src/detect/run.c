/* The train-on-synthetic / test-on-real protocol of secgen detect and its detectors.
 *
 * For each training source (REAL, SYNTH): the benign rows (labelled attack rows are left out),
 * capped at max_train by a seeded subsample, are split into a fit part and a calibration part
 * (calib_frac, seeded per row). A detector is fitted on the fit part, scores the calibration part
 * and TEST; the threshold is the `quantile` of the calibration scores, so it is chosen on the
 * detector's own training data, never on TEST (the TADAM protocol; with benign-only training the
 * best-F1 rule of `automata evaluate` is not defined, so a false-alarm quantile takes its place).
 * Features per detector are described in docs/detect.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_internal.h"
#include "secgen/bn.h"
#include "secgen/eval.h"
#include "secgen/tadam.h"

static const char *const NAMES[SG_DET_COUNT] = {"knn", "iforest", "bn", "tadam", "bigram"};

const char *sg_detect_name(sg_det_kind d) { return d < SG_DET_COUNT ? NAMES[d] : "?"; }
int sg_detect_needs_sequences(sg_det_kind d) { return d == SG_DET_TADAM || d == SG_DET_BIGRAM; }

int sg_detect_parse_list(const char *list, unsigned *mask, sg_error *err)
{
    *mask = 0;
    if (!list || !*list) {
        sg_error_set(err, SG_ERR_INVALID, "empty detector list");
        return -1;
    }
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int ok = 0;
        if (n == 3 && !strncasecmp(p, "all", 3)) {
            *mask |= (1u << SG_DET_COUNT) - 1;
            ok = 1;
        }
        for (int d = 0; d < SG_DET_COUNT && !ok; d++)
            if (strlen(NAMES[d]) == n && !strncasecmp(p, NAMES[d], n)) {
                *mask |= 1u << d;
                ok = 1;
            }
        if (!ok) {
            sg_error_set(err, SG_ERR_INVALID, "unknown detector '%.*s' (knn, iforest, bn, tadam, bigram or all)", (int)n, p);
            return -1;
        }
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

void sg_detect_opts_default(sg_detect_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->calib_frac = 0.2;
    o->quantile = 0.99;
    o->max_train = 20000;
    o->knn_k = 5;
    o->trees = 100;
    o->subsample = 256;
    o->bn_bins = 16;
    o->bn_max_parents = 2;
    o->tadam_min_seq = 20;
    o->tadam_max_seq = 400;
    o->tadam_max_iters = 60;
}

double sg_detect_auroc(const double *scores, const int8_t *labels, size_t n) { return sg_tadam_auroc(scores, labels, n); }

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sg_detect_quantile(const double *x, size_t n, double q)
{
    if (n == 0) return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s) return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_dbl);
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    double v = s[lo] + (h - (double)lo) * (s[hi] - s[lo]);
    free(s);
    return v;
}

typedef struct sl {
    double s;
    int8_t l;
} sl;

static int cmp_sl_desc(const void *a, const void *b)
{
    double x = ((const sl *)a)->s, y = ((const sl *)b)->s;
    return (x < y) - (x > y);
}

sg_status sg_detect_roc(const double *scores, const int8_t *labels, size_t n, double **fpr, double **tpr, size_t *npts,
                        sg_error *err)
{
    *fpr = *tpr = NULL;
    *npts = 0;
    sl *v = malloc((n ? n : 1) * sizeof *v);
    double *f = malloc((n + 1) * sizeof *f), *t = malloc((n + 1) * sizeof *t);
    if (!v || !f || !t) {
        free(v);
        free(f);
        free(t);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t m = 0, np = 0, nn = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != 0 && labels[i] != 1) continue;
        v[m].s = scores[i];
        v[m++].l = labels[i];
        np += labels[i] == 1;
        nn += labels[i] == 0;
    }
    qsort(v, m, sizeof *v, cmp_sl_desc);
    size_t k = 0, tp = 0, fp = 0;
    f[k] = t[k] = 0;
    k++;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && v[j].s == v[i].s) {
            tp += v[j].l == 1;
            fp += v[j].l == 0;
            j++;
        }
        f[k] = nn ? (double)fp / (double)nn : 0;
        t[k] = np ? (double)tp / (double)np : 0;
        k++;
        i = j;
    }
    free(v);
    *fpr = f;
    *tpr = t;
    *npts = k;
    return SG_OK;
}

double sg_detect_utility(const sg_detect_result *r, sg_det_kind d)
{
    if (d >= SG_DET_COUNT || !r->ev[d][0].done || !r->ev[d][1].done) return NAN;
    return r->ev[d][1].auroc / r->ev[d][0].auroc;
}

void sg_detect_result_destroy(sg_detect_result *r)
{
    if (!r) return;
    for (size_t c = 0; c < r->nclasses; c++) free(r->classes[c]);
    free(r->classes);
    free(r->class_n);
    free(r->label);
    free(r->class_of);
    for (int d = 0; d < SG_DET_COUNT; d++)
        for (int s = 0; s < 2; s++) {
            free(r->ev[d][s].scores);
            free(r->ev[d][s].class_auroc);
            free(r->ev[d][s].class_tpr);
        }
    free(r);
}

/* ---- training rows ------------------------------------------------------------------------ */

typedef struct trainset {
    size_t *fit, *calib;
    size_t nfit, ncalib;
} trainset;

static int cmp_key(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    if (x[0] != y[0]) return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static sg_status make_trainset(const sg_detect_data *d, const sg_detect_opts *o, const char *role, trainset *ts,
                               size_t *n_benign, size_t *n_dropped, sg_error *err)
{
    memset(ts, 0, sizeof *ts);
    uint64_t(*keys)[2] = malloc(d->n * sizeof *keys);
    ts->fit = malloc(d->n * sizeof *ts->fit);
    ts->calib = malloc(d->n * sizeof *ts->calib);
    if (!keys || !ts->fit || !ts->calib) {
        free(keys);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t m = 0;
    *n_dropped = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (sg_flow_label_class(sg_detect_data_label(d, i), NULL, 0) == 1) {
            (*n_dropped)++;
            continue;
        }
        sg_rng r;
        sg_rng_init(&r, o->seed, SG_STREAM_DETECT_CAP, i);
        keys[m][0] = sg_rng_u64(&r);
        keys[m][1] = i;
        m++;
    }
    *n_benign = m;
    if (m < 2) {
        free(keys);
        return sg_error_set(err, SG_ERR_EMPTY, "%s %s: %zu benign rows (of %zu); a detector needs at least 2 to train",
                            role, d->path, m, d->n);
    }
    size_t keep = m;
    if (o->max_train && m > o->max_train) {
        qsort(keys, m, sizeof *keys, cmp_key);
        keep = o->max_train;
    }
    size_t *rows = ts->fit; /* reuse as scratch */
    for (size_t i = 0; i < keep; i++) rows[i] = (size_t)keys[i][1];
    free(keys);
    qsort(rows, keep, sizeof *rows, cmp_size);
    size_t nf = 0, nc = 0;
    for (size_t i = 0; i < keep; i++) {
        sg_rng r;
        sg_rng_init(&r, o->seed, SG_STREAM_DETECT_SPLIT, rows[i]);
        if (sg_rng_uniform(&r) < o->calib_frac) ts->calib[nc++] = rows[i];
        else rows[nf++] = rows[i];
    }
    if (nc == 0 && nf > 1) ts->calib[nc++] = rows[--nf]; /* tiny sets: keep one row to calibrate on */
    if (nf == 0) {
        ts->fit[nf++] = ts->calib[--nc];
    }
    ts->nfit = nf;
    ts->ncalib = nc;
    return SG_OK;
}

static void trainset_free(trainset *t)
{
    free(t->fit);
    free(t->calib);
}

/* ---- flow features -------------------------------------------------------------------------- */

enum { NF = 9 }; /* proto, dst port, flags, out pkts, out bytes, in pkts, in bytes, duration, bytes/packet */

static void flow_features(const sg_flow *f, int folded, double *x)
{
    double op = (double)f->fwd_packets, ob = (double)f->fwd_bytes, ip = (double)f->bwd_packets, ib = (double)f->bwd_bytes;
    if (folded) op += ip, ob += ib, ip = ib = 0;
    x[0] = f->proto;
    x[1] = f->dst_port;
    x[2] = f->flags;
    x[3] = log1p(op);
    x[4] = log1p(ob);
    x[5] = log1p(ip);
    x[6] = log1p(ib);
    x[7] = log1p((double)f->duration_us / 1000.0);
    x[8] = log1p((ob + ib) / (op + ip > 0 ? op + ip : 1));
}

static double *features_of(const sg_flow_table *t, const size_t *idx, size_t n, int folded)
{
    double *x = malloc((n ? n : 1) * NF * sizeof *x);
    if (!x) return NULL;
    for (size_t i = 0; i < n; i++) flow_features(&t->flows[idx ? idx[i] : i], folded, x + i * NF);
    return x;
}

/* ---- detectors: each fills calib[ncalib] and test[ntest] scores ------------------------- */

typedef struct job {
    const sg_detect_data *train, *test;
    const trainset *ts;
    const sg_detect_opts *o;
    int side; /* 0 real, 1 synthetic */
    int folded;
    double *calib, *tscore;
    char *note;
    size_t note_sz;
} job;

static sg_status run_iforest(job *j, sg_error *err)
{
    double *xf = features_of(&j->train->flows, j->ts->fit, j->ts->nfit, j->folded);
    double *xc = features_of(&j->train->flows, j->ts->calib, j->ts->ncalib, j->folded);
    double *xt = features_of(&j->test->flows, NULL, j->test->n, j->folded);
    sg_iforest *f = NULL;
    sg_status st = SG_OK;
    if (!xf || !xc || !xt) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK)
        st = sg_iforest_fit(xf, j->ts->nfit, NF, j->o->trees, j->o->subsample, j->o->seed, (uint64_t)j->side << 20, &f,
                            err);
    if (st == SG_OK) {
        size_t nc = j->ts->ncalib, nt = j->test->n;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < nc + nt; i++) {
            if (i < nc) j->calib[i] = sg_iforest_score(f, xc + i * NF);
            else j->tscore[i - nc] = sg_iforest_score(f, xt + (i - nc) * NF);
        }
    }
    sg_iforest_destroy(f);
    free(xf);
    free(xc);
    free(xt);
    return st;
}

static sg_status run_knn(job *j, sg_error *err)
{
    /* eval's common columns; log1p on the counters and the duration so that a heavy tail does not
     * squash every other flow onto 0 in the min-max scaling */
    sg_eval_dict *dict = sg_eval_dict_create();
    sg_eval_cols tr = {0}, te = {0};
    sg_status st = dict ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK) st = sg_eval_cols_from_flows(&j->train->flows, j->folded, 0, dict, &tr, err);
    if (st == SG_OK) st = sg_eval_cols_from_flows(&j->test->flows, j->folded, 0, dict, &te, err);
    if (st == SG_OK) {
        for (int c = 0; c < SG_EVAL_NCONT; c++) {
            for (size_t i = 0; i < tr.n; i++) tr.cont[c][i] = log1p(tr.cont[c][i]);
            for (size_t i = 0; i < te.n; i++) te.cont[c][i] = log1p(te.cont[c][i]);
        }
        /* no time and no addresses: a detector must generalise to other hosts and other days */
        uint32_t mask = 0;
        for (int c = 1; c <= SG_EVAL_NCONT; c++) mask |= 1u << c;
        mask |= 1u << (1 + SG_EVAL_NCONT + SG_ED_PROTO);
        mask |= 1u << (1 + SG_EVAL_NCONT + SG_ED_DST_PORT);
        mask |= 1u << (1 + SG_EVAL_NCONT + SG_ED_FLAGS);
        if ((size_t)j->o->knn_k > j->ts->nfit)
            st = sg_error_set(err, SG_ERR_INVALID, "knn: k = %d but only %zu training rows to fit on (%s)", j->o->knn_k,
                              j->ts->nfit, j->train->path);
        if (st == SG_OK)
            st = sg_eval_knn_distance(&tr, j->ts->fit, j->ts->nfit, &tr, j->ts->calib, j->ts->ncalib, j->o->knn_k, mask,
                                      j->calib, err);
        if (st == SG_OK)
            st = sg_eval_knn_distance(&tr, j->ts->fit, j->ts->nfit, &te, NULL, te.n, j->o->knn_k, mask, j->tscore, err);
    }
    sg_eval_cols_free(&tr);
    sg_eval_cols_free(&te);
    sg_eval_dict_destroy(dict);
    return st;
}

/* BN: categorical proto / port / flags, binned counters, duration and bytes per packet. A value
 * never seen in the fit rows (a new port, a counter above the fit maximum) costs ln(N + 1) nats,
 * the Laplace mass of a new value, and is replaced by the variable's most frequent fit value for
 * the rest of the record. */
enum { NBV = NF };
typedef struct bnenc {
    sg_hashmap *cat[3];    /* value -> code for the categorical variables */
    sg_eval_bins bins[NBV];
    double maxv[NBV];
    uint32_t card[NBV];
    uint8_t *seen[NBV];    /* code observed in the fit rows */
    uint32_t mode[NBV];
} bnenc;

static uint32_t bn_code(const bnenc *e, int v, double x, int *unseen)
{
    uint32_t c;
    if (v < 3) {
        uint64_t key = (uint64_t)x, val;
        if (!sg_hashmap_get(e->cat[v], &key, sizeof key, &val)) {
            *unseen = 1;
            return e->mode[v];
        }
        c = (uint32_t)val;
    } else {
        if (x > e->maxv[v]) {
            *unseen = 1;
            return e->mode[v];
        }
        c = sg_eval_bins_code(&e->bins[v], x);
        if (c >= e->card[v]) c = e->card[v] - 1;
    }
    if (!e->seen[v][c]) {
        *unseen = 1;
        return e->mode[v];
    }
    *unseen = 0;
    return c;
}

static sg_status run_bn(job *j, sg_error *err)
{
    size_t nf = j->ts->nfit;
    double *xf = features_of(&j->train->flows, j->ts->fit, nf, j->folded);
    double *xc = features_of(&j->train->flows, j->ts->calib, j->ts->ncalib, j->folded);
    double *xt = features_of(&j->test->flows, NULL, j->test->n, j->folded);
    uint32_t *codes = malloc((nf ? nf : 1) * NBV * sizeof *codes);
    double *col = malloc((nf ? nf : 1) * sizeof *col);
    bnenc e;
    memset(&e, 0, sizeof e);
    sg_bn *bn = NULL;
    sg_status st = SG_OK;
    if (!xf || !xc || !xt || !codes || !col) {
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int v = 0; v < NBV && st == SG_OK; v++) {
        if (v < 3) {
            e.cat[v] = sg_hashmap_create(64);
            if (!e.cat[v]) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                break;
            }
            uint32_t next = 0;
            for (size_t i = 0; i < nf; i++) {
                uint64_t key = (uint64_t)xf[i * NF + v];
                int ins = 0;
                uint64_t *p = sg_hashmap_upsert(e.cat[v], &key, sizeof key, next, &ins);
                if (!p) {
                    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                    break;
                }
                if (ins) next++;
                codes[i * NBV + v] = (uint32_t)*p;
            }
            e.card[v] = next ? next : 1;
        } else {
            e.maxv[v] = -INFINITY;
            for (size_t i = 0; i < nf; i++) {
                col[i] = xf[i * NF + v];
                e.maxv[v] = fmax(e.maxv[v], col[i]);
            }
            st = sg_eval_bins_fit(col, nf, j->o->bn_bins, &e.bins[v], err);
            if (st != SG_OK) break;
            e.card[v] = (uint32_t)(e.bins[v].nedges ? e.bins[v].nedges : 1);
            for (size_t i = 0; i < nf; i++) {
                uint32_t c = sg_eval_bins_code(&e.bins[v], col[i]);
                codes[i * NBV + v] = c < e.card[v] ? c : e.card[v] - 1;
            }
        }
        if (st != SG_OK) break;
        e.seen[v] = calloc(e.card[v], 1);
        size_t *cnt = calloc(e.card[v], sizeof *cnt);
        if (!e.seen[v] || !cnt) {
            free(cnt);
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < nf; i++) {
            e.seen[v][codes[i * NBV + v]] = 1;
            cnt[codes[i * NBV + v]]++;
        }
        for (uint32_t c = 0; c < e.card[v]; c++)
            if (cnt[c] > cnt[e.mode[v]]) e.mode[v] = c;
        free(cnt);
    }
    if (st != SG_OK) goto done;
    static const char *const vnames[NBV] = {"proto", "dst_port", "flags", "out_packets", "out_bytes",
                                            "in_packets", "in_bytes", "duration", "bytes_per_packet"};
    bn = sg_bn_create(NBV, e.card, vnames);
    if (!bn) {
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    sg_bn_data data = {codes, nf, NBV, 1, NULL};
    sg_bn_learn_opts lo = {0};
    lo.max_parents = j->o->bn_max_parents;
    st = sg_bn_learn_structure(bn, &data, &lo, err);
    if (st == SG_OK) st = sg_bn_fit(bn, &data, 1.0, err);
    if (st != SG_OK) goto done;
    double pen = log((double)nf + 1.0);
    size_t nc = j->ts->ncalib, nt = j->test->n;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nc + nt; i++) {
        const double *x = i < nc ? xc + i * NF : xt + (i - nc) * NF;
        uint32_t vals[NBV];
        int nun = 0;
        for (int v = 0; v < NBV; v++) {
            int un;
            vals[v] = bn_code(&e, v, x[v], &un);
            nun += un;
        }
        double s = -sg_bn_log_prob(bn, vals) + nun * pen;
        if (i < nc) j->calib[i] = s;
        else j->tscore[i - nc] = s;
    }
done:
    sg_bn_destroy(bn);
    for (int v = 0; v < NBV; v++) {
        if (v < 3) sg_hashmap_destroy(e.cat[v]);
        sg_eval_bins_free(&e.bins[v]);
        free(e.seen[v]);
    }
    free(xf);
    free(xc);
    free(xt);
    free(codes);
    free(col);
    return st;
}

/* Sequences: one automaton per service (proto, port) with at least tadam_min_seq fit sequences,
 * plus a catch-all automaton on every fit sequence for the services without one. */
typedef struct svc {
    uint8_t proto;
    int32_t port;
    size_t n;
    size_t *idx;
    sg_tadam_model *m;
} svc;

static int cmp_svc(const void *a, const void *b)
{
    const svc *x = a, *y = b;
    if (x->proto != y->proto) return (x->proto > y->proto) - (x->proto < y->proto);
    return (x->port > y->port) - (x->port < y->port);
}

/* the first max_seq rows of idx in a seeded order (a deterministic subsample), back in file order */
static size_t cap_rows(size_t *idx, size_t n, size_t max_seq, uint64_t seed)
{
    if (!max_seq || n <= max_seq) return n;
    uint64_t(*k)[2] = malloc(n * sizeof *k);
    if (!k) return n;
    for (size_t i = 0; i < n; i++) {
        sg_rng r;
        sg_rng_init(&r, seed, SG_STREAM_DETECT_CAP, idx[i] + ((uint64_t)1 << 40));
        k[i][0] = sg_rng_u64(&r);
        k[i][1] = idx[i];
    }
    qsort(k, n, sizeof *k, cmp_key);
    for (size_t i = 0; i < max_seq; i++) idx[i] = (size_t)k[i][1];
    free(k);
    qsort(idx, max_seq, sizeof *idx, cmp_size);
    return max_seq;
}

static sg_status run_tadam(job *j, sg_error *err)
{
    const sg_seq_set *S = j->train->seqs;
    size_t nf = j->ts->nfit;
    svc *sv = calloc(nf + 1, sizeof *sv);
    size_t ns = 0;
    sg_status st = sv ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    /* group fit rows by service */
    for (size_t i = 0; i < nf && st == SG_OK; i++) {
        const sg_seq *q = sg_seq_set_get(S, j->ts->fit[i]);
        size_t g = 0;
        while (g < ns && !(sv[g].proto == q->proto && sv[g].port == q->service_port)) g++;
        if (g == ns) {
            sv[ns].proto = q->proto;
            sv[ns].port = q->service_port;
            sv[ns].idx = malloc(nf * sizeof(size_t));
            if (!sv[ns].idx) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            ns++;
        }
        if (st == SG_OK) sv[g].idx[sv[g].n++] = j->ts->fit[i];
    }
    if (st == SG_OK) qsort(sv, ns, sizeof *sv, cmp_svc);
    size_t *all = malloc((nf ? nf : 1) * sizeof *all);
    if (!all && st == SG_OK) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_tadam_model *catchall = NULL;
    size_t nmodels = 0;
    sg_tadam_learn_opts lo;
    sg_tadam_learn_opts_init(&lo);
    lo.quiet = 1;
    lo.max_iters = j->o->tadam_max_iters;
    lo.untimed = !j->o->tadam_timed;
    for (size_t g = 0; g < ns && st == SG_OK; g++) {
        if (sv[g].n < j->o->tadam_min_seq) continue;
        size_t n = cap_rows(sv[g].idx, sv[g].n, j->o->tadam_max_seq, j->o->seed);
        char nm[32];
        lo.name = sg_tadam_service_name(sv[g].proto, sv[g].port, nm, sizeof nm);
        st = sg_tadam_learn(S, sv[g].idx, n, &lo, &sv[g].m, err);
        if (st == SG_OK) nmodels++;
    }
    if (st == SG_OK) {
        memcpy(all, j->ts->fit, nf * sizeof *all);
        size_t n = cap_rows(all, nf, j->o->tadam_max_seq, j->o->seed);
        lo.name = "all";
        st = sg_tadam_learn(S, all, n, &lo, &catchall, err);
    }
    if (st == SG_OK) {
        size_t nc = j->ts->ncalib, nt = j->test->n, fallback = 0;
        int failed = 0;
        sg_error e2 = {SG_OK, ""};
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : fallback)
        for (size_t i = 0; i < nc + nt; i++) {
            const sg_seq_set *set = i < nc ? S : j->test->seqs;
            const sg_seq *q = sg_seq_set_get(set, i < nc ? j->ts->calib[i] : i - nc);
            svc key = {q->proto, q->service_port, 0, NULL, NULL};
            const svc *hit = bsearch(&key, sv, ns, sizeof *sv, cmp_svc);
            const sg_tadam_model *m = hit && hit->m ? hit->m : catchall;
            if (m == catchall && i >= nc) fallback++;
            sg_tadam_score sc;
            sg_error le;
            double s;
            if (sg_tadam_score_seq_ex(m, set, q, j->o->tadam_timed ? 0u : (unsigned)SG_TADAM_SCORE_UNTIMED, &sc, &le) !=
                SG_OK) {
#pragma omp critical
                {
                    if (!failed) e2 = le;
                    failed = 1;
                }
                s = NAN;
            } else {
                s = sc.bits_per_event;
            }
            if (i < nc) j->calib[i] = s;
            else j->tscore[i - nc] = s;
        }
        if (failed) {
            if (err) *err = e2;
            st = e2.status != SG_OK ? e2.status : SG_ERR_INVALID;
        }
        snprintf(j->note, j->note_sz, "%zu service automata + catch-all; %zu of %zu test sequences scored by the catch-all",
                 nmodels, fallback, nt);
    }
    sg_tadam_model_destroy(catchall);
    for (size_t g = 0; g < ns; g++) {
        free(sv[g].idx);
        sg_tadam_model_destroy(sv[g].m);
    }
    free(sv);
    free(all);
    return st;
}

static sg_status run_bigram(job *j, sg_error *err)
{
    sg_tadam_bigram *b = NULL;
    sg_status st = sg_tadam_bigram_learn(j->train->seqs, j->ts->fit, j->ts->nfit, &b, err);
    if (st != SG_OK) return st;
    size_t nc = j->ts->ncalib, nt = j->test->n;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nc + nt; i++) {
        const sg_seq_set *set = i < nc ? j->train->seqs : j->test->seqs;
        const sg_seq *q = sg_seq_set_get(set, i < nc ? j->ts->calib[i] : i - nc);
        double s = sg_tadam_bigram_score(b, set, q) / (double)(q->n + 1);
        if (i < nc) j->calib[i] = s;
        else j->tscore[i - nc] = s;
    }
    sg_tadam_bigram_destroy(b);
    return SG_OK;
}

/* ---- the run -------------------------------------------------------------------------------- */

/* A row is flagged when its score is strictly above the threshold: with many tied training
 * scores (identical sequences, duplicate flows at distance 0) ">=" would flag the whole tie. */
static void rates(const double *sc, const int8_t *lab, size_t n, double thr, double *tpr, double *fpr, double *prec,
                  double *f1)
{
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        int flag = sc[i] > thr;
        if (lab[i] == 1) flag ? tp++ : fn++;
        else if (lab[i] == 0) flag ? fp++ : tn++;
    }
    double r = tp + fn > 0 ? tp / (tp + fn) : 0, p = tp + fp > 0 ? tp / (tp + fp) : 0;
    *tpr = r;
    *fpr = fp + tn > 0 ? fp / (fp + tn) : 0;
    *prec = p;
    *f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static sg_status score_metrics(sg_detect_result *r, sg_detect_eval *ev, const double *calib, size_t ncalib,
                               double quantile, sg_error *err)
{
    ev->threshold = sg_detect_quantile(calib, ncalib, quantile);
    ev->auroc = sg_detect_auroc(ev->scores, r->label, r->n_test);
    rates(ev->scores, r->label, r->n_test, ev->threshold, &ev->tpr, &ev->fpr, &ev->precision, &ev->f1);
    ev->class_auroc = calloc(r->nclasses ? r->nclasses : 1, sizeof *ev->class_auroc);
    ev->class_tpr = calloc(r->nclasses ? r->nclasses : 1, sizeof *ev->class_tpr);
    int8_t *lab = malloc(r->n_test * sizeof *lab);
    if (!ev->class_auroc || !ev->class_tpr || !lab) {
        free(lab);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t c = 0; c < r->nclasses; c++) {
        size_t hit = 0;
        for (size_t i = 0; i < r->n_test; i++) {
            lab[i] = r->label[i] == 0 ? 0 : r->class_of[i] == c ? 1 : -1;
            if (lab[i] == 1 && ev->scores[i] > ev->threshold) hit++;
        }
        ev->class_auroc[c] = sg_detect_auroc(ev->scores, lab, r->n_test);
        ev->class_tpr[c] = r->class_n[c] ? (double)hit / (double)r->class_n[c] : NAN;
    }
    free(lab);
    return SG_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static sg_status test_labels(sg_detect_result *r, const sg_detect_data *test, sg_error *err)
{
    r->n_test = test->n;
    r->label = malloc(test->n * sizeof *r->label);
    r->class_of = malloc(test->n * sizeof *r->class_of);
    sg_strtab *cls = sg_strtab_create();
    uint32_t *raw = malloc(test->n * sizeof *raw);
    sg_status st = SG_OK;
    if (!r->label || !r->class_of || !cls || !raw) {
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!test->label_source) {
        st = sg_error_set(err, SG_ERR_INVALID,
                          "TEST %s has no labels: give it a label column (label, Label, lable, attackType, class, "
                          "type) or pass --labels id,label",
                          test->path);
        goto done;
    }
    for (size_t i = 0; i < test->n; i++) {
        char c[256];
        int k = sg_flow_label_class(sg_detect_data_label(test, i), c, sizeof c);
        if (k < 0) {
            st = sg_error_set(err, SG_ERR_INVALID, "TEST %s: data row %zu has an empty label", test->path, i + 1);
            goto done;
        }
        r->label[i] = (int8_t)k;
        raw[i] = SG_DET_NOLABEL;
        if (k == 1) {
            int64_t id = sg_strtab_intern(cls, c, strlen(c));
            if (id < 0) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto done;
            }
            raw[i] = (uint32_t)id;
            r->n_attack++;
        } else {
            r->n_normal++;
        }
    }
    if (r->n_normal == 0 || r->n_attack == 0)
        {
        st = sg_error_set(err, SG_ERR_INVALID,
                          "TEST %s: all %zu rows are %s; AUROC needs both normal and attack rows (normal labels: 0, "
                          "benign, normal, background, ---)",
                          test->path, test->n, r->n_normal ? "normal" : "attacks");
        goto done;
    }
    /* classes sorted by name, so reports do not depend on row order */
    r->nclasses = sg_strtab_size(cls);
    r->classes = calloc(r->nclasses, sizeof *r->classes);
    r->class_n = calloc(r->nclasses, sizeof *r->class_n);
    uint32_t *remap = malloc(r->nclasses * sizeof *remap);
    if (!r->classes || !r->class_n || !remap) {
        free(remap);
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < r->nclasses; c++) r->classes[c] = strdup(sg_strtab_str(cls, c));
    qsort(r->classes, r->nclasses, sizeof *r->classes, cmp_str);
    for (size_t c = 0; c < r->nclasses; c++) {
        const char *nm = sg_strtab_str(cls, c);
        char *const *hit = bsearch(&nm, r->classes, r->nclasses, sizeof *r->classes, cmp_str);
        remap[c] = (uint32_t)(hit - r->classes);
    }
    for (size_t i = 0; i < test->n; i++) {
        r->class_of[i] = raw[i] == SG_DET_NOLABEL ? SG_DET_NOLABEL : remap[raw[i]];
        if (raw[i] != SG_DET_NOLABEL) r->class_n[r->class_of[i]]++;
    }
    free(remap);
done:
    sg_strtab_destroy(cls);
    free(raw);
    return st;
}

static const char *kind_name(sg_detect_data_kind k) { return k == SG_DETECT_FLOWS ? "flow CSV" : "sequence CSV"; }

sg_status sg_detect_run(const sg_detect_data *real, const sg_detect_data *synth, const sg_detect_data *test,
                        const sg_detect_opts *opts, sg_detect_result **out, sg_error *err)
{
    *out = NULL;
    double t0 = sg_detect__now();
    sg_detect_opts o;
    if (opts) o = *opts;
    else sg_detect_opts_default(&o);
    if (!(o.calib_frac > 0 && o.calib_frac < 1) || !(o.quantile > 0 && o.quantile <= 1))
        return sg_error_set(err, SG_ERR_INVALID, "calibration share must be in (0,1) and the quantile in (0,1]");
    const sg_detect_data *in[3] = {real, synth, test};
    static const char *const role[3] = {"REAL", "SYNTH", "TEST"};
    for (int i = 1; i < 3; i++)
        if (in[i]->kind != real->kind)
            return sg_error_set(err, SG_ERR_INVALID, "REAL %s is a %s but %s %s is a %s: all three inputs must be of one kind",
                                real->path, kind_name(real->kind), role[i], in[i]->path, kind_name(in[i]->kind));
    int seqs = real->kind == SG_DETECT_SEQUENCES;
    unsigned mask = o.detectors;
    if (!mask) {
        for (int d = 0; d < SG_DET_COUNT; d++)
            if (sg_detect_needs_sequences((sg_det_kind)d) == seqs) mask |= 1u << d;
    }
    for (int d = 0; d < SG_DET_COUNT; d++)
        if ((mask >> d & 1u) && sg_detect_needs_sequences((sg_det_kind)d) != seqs)
            return sg_error_set(err, SG_ERR_INVALID, "detector %s reads %s, but the inputs (REAL %s) are %ss", NAMES[d],
                                seqs ? "flow CSVs" : "sequence CSVs (extract --sequences)", real->path,
                                kind_name(real->kind));
    sg_detect_result *r = calloc(1, sizeof *r);
    if (!r) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    r->kind = real->kind;
    r->detectors = mask;
    r->opts = o;
    sg_status st = test_labels(r, test, err);
    trainset ts[2];
    memset(ts, 0, sizeof ts);
    for (int s = 0; s < 2 && st == SG_OK; s++)
        st = make_trainset(in[s], &o, role[s], &ts[s], &r->n_train_rows[s], &r->n_train_dropped[s], err);
    if (!seqs)
        for (int i = 0; i < 3; i++)
            if (!sg_eval_format_is_bidirectional(in[i]->flows.format)) r->folded = 1;
    for (int d = 0; d < SG_DET_COUNT && st == SG_OK; d++) {
        if (!(mask >> d & 1u)) continue;
        for (int s = 0; s < 2 && st == SG_OK; s++) {
            double t1 = sg_detect__now();
            sg_detect_eval *ev = &r->ev[d][s];
            double *calib = malloc((ts[s].ncalib ? ts[s].ncalib : 1) * sizeof *calib);
            ev->scores = malloc(test->n * sizeof *ev->scores);
            if (!calib || !ev->scores) {
                free(calib);
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                break;
            }
            job j = {in[s], test, &ts[s], &o, s, r->folded, calib, ev->scores, ev->note, sizeof ev->note};
            switch ((sg_det_kind)d) {
            case SG_DET_KNN: st = run_knn(&j, err); break;
            case SG_DET_IFOREST: st = run_iforest(&j, err); break;
            case SG_DET_BN: st = run_bn(&j, err); break;
            case SG_DET_TADAM: st = run_tadam(&j, err); break;
            case SG_DET_BIGRAM: st = run_bigram(&j, err); break;
            default: break;
            }
            if (st != SG_OK) {
                sg_error_prefix(err, "%s trained on %s: ", NAMES[d], s ? "synthetic" : "real");
            } else {
                ev->n_fit = ts[s].nfit;
                ev->n_calib = ts[s].ncalib;
                st = score_metrics(r, ev, calib, ts[s].ncalib, o.quantile, err);
                ev->done = st == SG_OK;
            }
            free(calib);
            ev->secs = sg_detect__now() - t1;
        }
    }
    trainset_free(&ts[0]);
    trainset_free(&ts[1]);
    if (st != SG_OK) {
        sg_detect_result_destroy(r);
        return st;
    }
    r->secs_total = sg_detect__now() - t0;
    *out = r;
    return SG_OK;
}
