/* The HMM baseline of the paper's Table 3: a discrete hidden Markov model over event symbols with
 * an end transition, trained by Baum-Welch on the normal training sequences, its number of states
 * chosen by held-out likelihood, and scored by -log2 P(sequence).
 *
 * Model: initial P(i) over S states plus one "empty sequence" outcome; transitions P(j | i) over S
 * states plus "end" (so the model gives a proper distribution over finite sequences, like the
 * bigram's end marker and TADAM's "$" edge); emissions P(symbol | i) over the training alphabet
 * plus one "unknown" column.
 * Training: scaled forward-backward (one normaliser per event; log P = sum of the log normalisers,
 * so nothing underflows whatever the length), MAP re-estimation with a Dirichlet pseudo-count on
 * every parameter (every probability stays > 0, so unseen symbols and transitions cost finite
 * bits, and EM is monotone in log-likelihood + log-prior, which is what the trace records).
 * O(T S^2) per sequence and iteration; identical sequences are fitted once with their
 * multiplicity. The E step runs in parallel over a fixed partition of the sequences whose partial
 * sums are added in partition order, so the model does not depend on the thread count. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tadam/tadam_internal.h"

#define HMM_CHUNKS 64 /* fixed partition of the E step (independent of the thread count) */

void sg_tadam_hmm_opts_init(sg_tadam_hmm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_states = 32;
    o->max_iters = 200;
    o->tol = 1e-6;
    o->pseudo = 0.01;
    o->holdout = 0.2;
    o->restarts = 1;
    o->seed = 1;
}

/* parameters of one HMM: S states, W emission columns (alphabet + unknown) */
typedef struct hparams {
    unsigned S;
    size_t W;
    double *pi; /* [S+1], pi[S] = empty sequence */
    double *A;  /* [S x (S+1)], column S = end */
    double *B;  /* [S x W], column W-1 = unknown */
} hparams;

struct sg_tadam_hmm {
    sg_hashmap *idx; /* symbol name -> column 0..V-1 */
    size_t V;
    hparams p;
    double *trace;
    size_t n_trace;
    sg_tadam_hmm_info info;
};

/* distinct training sequences (symbol columns) with their multiplicity */
typedef struct hdata {
    size_t n, max_len, events;
    size_t *off; /* [n+1] */
    uint32_t *x;
    double *w;
} hdata;

static void hparams_free(hparams *p)
{
    free(p->pi);
    free(p->A);
    free(p->B);
    memset(p, 0, sizeof *p);
}

static int hparams_alloc(hparams *p, unsigned S, size_t W)
{
    p->S = S;
    p->W = W;
    p->pi = malloc((S + 1) * sizeof *p->pi);
    p->A = malloc((size_t)S * (S + 1) * sizeof *p->A);
    p->B = malloc((size_t)S * W * sizeof *p->B);
    if (!p->pi || !p->A || !p->B) {
        hparams_free(p);
        return -1;
    }
    return 0;
}

static void hdata_free(hdata *d)
{
    free(d->off);
    free(d->x);
    free(d->w);
    memset(d, 0, sizeof *d);
}

/* column of a symbol name; V (unknown) when not in the training alphabet */
static uint32_t col_of(const sg_hashmap *idx, size_t V, const char *nm)
{
    uint64_t v;
    if (nm && sg_hashmap_get(idx, nm, strlen(nm), &v)) return (uint32_t)v;
    return (uint32_t)V;
}

/* distinct sequences of set[ids[0..n-1]] in first-seen order, weights = multiplicities */
static sg_status hdata_build(const sg_tadam_hmm *h, const sg_seq_set *set, const size_t *ids, size_t n, hdata *d,
                             sg_error *err)
{
    memset(d, 0, sizeof *d);
    size_t tot = 0;
    for (size_t k = 0; k < n; k++) tot += sg_seq_set_get(set, ids[k])->n;
    sg_hashmap *seen = sg_hashmap_create(n + 1);
    d->off = malloc((n + 1) * sizeof *d->off);
    d->x = malloc((tot + 1) * sizeof *d->x);
    d->w = malloc((n + 1) * sizeof *d->w);
    uint32_t *tmp = NULL;
    size_t tcap = 0;
    sg_status st = SG_OK;
    if (!seen || !d->off || !d->x || !d->w) goto nomem;
    d->off[0] = 0;
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, ids[k]);
        /* the E step keeps T x S forward and backward variables: training sequences are cut at
         * TDM_MAX_WORD events, as TADAM learning does (scoring has no limit, it needs O(S)) */
        size_t len = s->n < TDM_MAX_WORD ? s->n : TDM_MAX_WORD;
        if (len + 1 > tcap) {
            uint32_t *t = realloc(tmp, (len + 1) * sizeof *t);
            if (!t) goto nomem;
            tmp = t;
            tcap = len + 1;
        }
        for (size_t i = 0; i < len; i++) tmp[i] = col_of(h->idx, h->V, sg_seq_set_symbol(set, s->sym[i]));
        /* key: the columns; an empty sequence gets one sentinel word so its key is not empty */
        size_t klen = len ? len * sizeof *tmp : sizeof *tmp;
        if (!len) tmp[0] = UINT32_MAX;
        int ins = 0;
        uint64_t *slot = sg_hashmap_upsert(seen, tmp, klen, d->n, &ins);
        if (!slot) goto nomem;
        if (!ins) {
            d->w[*slot] += 1;
            continue;
        }
        memcpy(d->x + d->off[d->n], tmp, len * sizeof *tmp);
        d->w[d->n] = 1;
        d->off[d->n + 1] = d->off[d->n] + len;
        d->n++;
        d->events += len;
        if (len > d->max_len) d->max_len = len;
    }
    goto done;
nomem:
    hdata_free(d);
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
done:
    free(tmp);
    sg_hashmap_destroy(seen);
    return st;
}

/* Scaled forward pass: log P(x) in nats. al (T x S) receives the normalised forward variables and
 * c (T+1) the normalisers when not NULL (work buffer of at least S when they are NULL). */
static double forward(const hparams *p, const uint32_t *x, size_t T, double *al, double *c, double *work)
{
    const unsigned S = p->S;
    const size_t W = p->W;
    if (T == 0) return log(p->pi[S]);
    double ll = 0;
    double *cur = al ? al : work, *prev = NULL;
    double *w2 = al ? NULL : work + S;
    for (size_t t = 0; t < T; t++) {
        if (al) cur = al + t * S;
        double z = 0;
        for (unsigned j = 0; j < S; j++) {
            double a;
            if (t == 0) a = p->pi[j];
            else {
                a = 0;
                for (unsigned i = 0; i < S; i++) a += prev[i] * p->A[(size_t)i * (S + 1) + j];
            }
            a *= p->B[(size_t)j * W + x[t]];
            cur[j] = a;
            z += a;
        }
        if (!(z > DBL_MIN)) z = DBL_MIN; /* cannot happen with pseudo-counts > 0; guards log(0) */
        for (unsigned j = 0; j < S; j++) cur[j] /= z;
        if (c) c[t] = z;
        ll += log(z);
        if (!al) { /* ping-pong between the two halves of work */
            prev = cur;
            double *t2 = w2;
            w2 = cur;
            cur = t2;
        } else prev = cur;
    }
    double e = 0;
    for (unsigned i = 0; i < S; i++) e += prev[i] * p->A[(size_t)i * (S + 1) + S];
    if (!(e > DBL_MIN)) e = DBL_MIN;
    if (c) c[T] = e;
    return ll + log(e);
}

/* accumulators of one chunk: pi [S+1], A [S x (S+1)], B [S x W], then the weighted log-likelihood */
static size_t acc_size(unsigned S, size_t W) { return (S + 1) + (size_t)S * (S + 1) + (size_t)S * W + 1; }

/* E step of one sequence (weight w) into acc; scratch holds (2T + 1) x S + T + 1 doubles */
static void estep_seq(const hparams *p, const uint32_t *x, size_t T, double w, double *acc, double *scr)
{
    const unsigned S = p->S;
    const size_t W = p->W;
    double *api = acc, *aA = acc + S + 1, *aB = aA + (size_t)S * (S + 1), *all = aB + (size_t)S * W;
    if (T == 0) {
        api[S] += w;
        *all += w * log(p->pi[S]);
        return;
    }
    double *al = scr, *be = al + T * S, *c = be + T * S, *tmp = c + T + 1;
    *all += w * forward(p, x, T, al, c, NULL);
    /* backward, scaled by the same normalisers; xi accumulated on the way */
    double *bT = be + (T - 1) * S;
    for (unsigned i = 0; i < S; i++) bT[i] = p->A[(size_t)i * (S + 1) + S] / c[T];
    for (size_t t = T - 1; t-- > 0;) {
        const double *bn = be + (t + 1) * S, *at = al + t * S;
        double *bt = be + t * S;
        for (unsigned j = 0; j < S; j++) tmp[j] = p->B[(size_t)j * W + x[t + 1]] * bn[j] / c[t + 1];
        for (unsigned i = 0; i < S; i++) {
            const double *Ai = p->A + (size_t)i * (S + 1);
            double *aAi = aA + (size_t)i * (S + 1), s = 0, wa = w * at[i];
            for (unsigned j = 0; j < S; j++) {
                double v = Ai[j] * tmp[j];
                s += v;
                aAi[j] += wa * v;
            }
            bt[i] = s;
        }
    }
    for (size_t t = 0; t < T; t++) {
        const double *at = al + t * S, *bt = be + t * S;
        for (unsigned i = 0; i < S; i++) {
            double g = w * at[i] * bt[i];
            aB[(size_t)i * W + x[t]] += g;
            if (t == 0) api[i] += g;
            if (t == T - 1) aA[(size_t)i * (S + 1) + S] += g;
        }
    }
}

/* lambda * sum of log parameters: the log of the Dirichlet prior (up to a constant) */
static double log_prior(const hparams *p, double lambda)
{
    double s = 0;
    for (unsigned i = 0; i <= p->S; i++) s += log(p->pi[i]);
    for (size_t k = 0; k < (size_t)p->S * (p->S + 1); k++) s += log(p->A[k]);
    for (size_t k = 0; k < (size_t)p->S * p->W; k++) s += log(p->B[k]);
    return lambda * s;
}

static void normalise(double *v, size_t n, double lambda)
{
    double z = 0;
    for (size_t k = 0; k < n; k++) z += v[k] + lambda;
    for (size_t k = 0; k < n; k++) v[k] = (v[k] + lambda) / z;
}

/* One E step over d: objective at p (log-likelihood + log-prior, nats) and the summed counts in
 * sum (acc_size). Returns NAN when out of memory. */
static double estep(const hparams *p, const hdata *d, double lambda, int nthreads, double *chunks, double *sum)
{
    const size_t as = acc_size(p->S, p->W);
    const size_t nch = d->n < HMM_CHUNKS ? d->n : HMM_CHUNKS;
    int failed = 0;
    memset(chunks, 0, nch * as * sizeof *chunks);
#pragma omp parallel num_threads(nthreads)
    {
        double *scr = malloc(((2 * d->max_len + 1) * p->S + d->max_len + 2) * sizeof *scr);
        if (!scr) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t ch = 0; ch < nch; ch++) {
            if (!scr) continue;
            size_t lo = d->n * ch / nch, hi = d->n * (ch + 1) / nch;
            for (size_t k = lo; k < hi; k++)
                estep_seq(p, d->x + d->off[k], d->off[k + 1] - d->off[k], d->w[k], chunks + ch * as, scr);
        }
        free(scr);
    }
    if (failed) return NAN;
    memset(sum, 0, as * sizeof *sum);
    for (size_t ch = 0; ch < nch; ch++)
        for (size_t k = 0; k < as; k++) sum[k] += chunks[ch * as + k];
    return sum[as - 1] + log_prior(p, lambda);
}

static void mstep(hparams *p, const double *sum, double lambda)
{
    const unsigned S = p->S;
    const size_t W = p->W;
    memcpy(p->pi, sum, (S + 1) * sizeof *p->pi);
    normalise(p->pi, S + 1, lambda);
    memcpy(p->A, sum + S + 1, (size_t)S * (S + 1) * sizeof *p->A);
    for (unsigned i = 0; i < S; i++) normalise(p->A + (size_t)i * (S + 1), S + 1, lambda);
    memcpy(p->B, sum + S + 1 + (size_t)S * (S + 1), (size_t)S * W * sizeof *p->B);
    for (unsigned i = 0; i < S; i++) normalise(p->B + (size_t)i * W, W, lambda);
}

/* random start keyed by (seed, S, restart): transitions and initial probabilities uniform(1,2)
 * before normalisation, emissions = the training unigram x uniform(0.5,1.5), end = 1/(mean length
 * + 1) from every state */
static void init_params(hparams *p, const double *unigram, double p_end, uint64_t seed, unsigned restart)
{
    const unsigned S = p->S;
    const size_t W = p->W;
    sg_rng r;
    sg_rng_init(&r, seed, SG_STREAM_TADAM_HMM, ((uint64_t)S << 8) | (restart & 0xff));
    double z = 0;
    for (unsigned i = 0; i < S; i++) z += p->pi[i] = 1 + sg_rng_uniform(&r);
    for (unsigned i = 0; i < S; i++) p->pi[i] /= z;
    p->pi[S] = 0;
    for (unsigned i = 0; i < S; i++) {
        double *Ai = p->A + (size_t)i * (S + 1), zi = 0;
        for (unsigned j = 0; j < S; j++) zi += Ai[j] = 1 + sg_rng_uniform(&r);
        for (unsigned j = 0; j < S; j++) Ai[j] *= (1 - p_end) / zi;
        Ai[S] = p_end;
        double *Bi = p->B + (size_t)i * W, zb = 0;
        for (size_t v = 0; v < W; v++) zb += Bi[v] = unigram[v] * (0.5 + sg_rng_uniform(&r));
        for (size_t v = 0; v < W; v++) Bi[v] /= zb;
    }
    /* the empty sequence: its training share (p_end is about how often sequences end) */
    double e = unigram[W]; /* share of empty sequences, stored after the W unigram entries */
    if (!(e > 0)) e = 1e-6; /* a valid distribution even when no training sequence is empty */
    for (unsigned i = 0; i < S; i++) p->pi[i] *= 1 - e;
    p->pi[S] = e;
}

/* Baum-Welch from a random start; trace (cap max_iters + 1) receives the objective per iteration. */
static sg_status fit(const hdata *d, unsigned S, size_t W, const double *unigram, double p_end,
                     const sg_tadam_hmm_opts *o, unsigned restart, int nthreads, hparams *out, double *trace,
                     size_t *n_trace, double *final_obj, sg_error *err)
{
    if (hparams_alloc(out, S, W)) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    const size_t as = acc_size(S, W), nch = d->n < HMM_CHUNKS ? d->n : HMM_CHUNKS;
    double *chunks = malloc((nch ? nch : 1) * as * sizeof *chunks), *sum = malloc(as * sizeof *sum);
    if (!chunks || !sum) {
        free(chunks);
        free(sum);
        hparams_free(out);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    init_params(out, unigram, p_end, o->seed, restart);
    double prev = -HUGE_VAL, J = -HUGE_VAL;
    size_t nt = 0;
    for (unsigned it = 0;; it++) {
        J = estep(out, d, o->pseudo, nthreads, chunks, sum);
        if (isnan(J)) {
            free(chunks);
            free(sum);
            hparams_free(out);
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        trace[nt++] = J;
        if (it > 0 && J - prev < o->tol * fabs(prev)) break;
        if (it == o->max_iters) break;
        mstep(out, sum, o->pseudo);
        prev = J;
    }
    free(chunks);
    free(sum);
    *n_trace = nt;
    *final_obj = J;
    return SG_OK;
}

/* best of o->restarts fits (highest final objective; first one on ties) */
static sg_status fit_best(const hdata *d, unsigned S, size_t W, const double *unigram, double p_end,
                          const sg_tadam_hmm_opts *o, int nthreads, hparams *out, double **trace, size_t *n_trace,
                          sg_error *err)
{
    unsigned R = o->restarts ? o->restarts : 1;
    double best = -HUGE_VAL;
    double *tr = malloc(((size_t)o->max_iters + 1) * sizeof *tr);
    if (!tr) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    memset(out, 0, sizeof *out);
    for (unsigned r = 0; r < R; r++) {
        hparams p;
        size_t nt = 0;
        double J = -HUGE_VAL;
        sg_status st = fit(d, S, W, unigram, p_end, o, r, nthreads, &p, tr, &nt, &J, err);
        if (st != SG_OK) {
            free(tr);
            hparams_free(out);
            return st;
        }
        if (r == 0 || J > best) {
            best = J;
            hparams_free(out);
            *out = p;
            if (trace) {
                free(*trace);
                *trace = malloc(nt * sizeof **trace);
                if (!*trace) {
                    free(tr);
                    hparams_free(out);
                    return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                memcpy(*trace, tr, nt * sizeof *tr);
                *n_trace = nt;
            }
        } else hparams_free(&p);
    }
    free(tr);
    return SG_OK;
}

/* -log likelihood per event (end included) of d in nats */
static double holdout_nats_per_event(const hparams *p, const hdata *d, double *work)
{
    double ll = 0, ev = 0;
    for (size_t k = 0; k < d->n; k++) {
        size_t T = d->off[k + 1] - d->off[k];
        ll += d->w[k] * forward(p, d->x + d->off[k], T, NULL, NULL, work);
        ev += d->w[k] * (double)(T + 1);
    }
    return -ll / ev;
}

sg_status sg_tadam_hmm_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx, const sg_tadam_hmm_opts *o,
                             sg_tadam_hmm **out, sg_error *err)
{
    *out = NULL;
    size_t n = idx ? n_idx : sg_seq_set_count(set);
    if (n == 0) return sg_error_set(err, SG_ERR_EMPTY, "no sequences to learn the HMM from");
    if (!(o->pseudo > 0) || !(o->tol >= 0) || !(o->holdout >= 0 && o->holdout < 1))
        return sg_error_set(err, SG_ERR_RANGE, "HMM options: pseudo-count must be > 0, tolerance >= 0, hold-out in [0,1)");
    if (o->n_states == 0 && (o->max_states == 0 || o->max_states > 4096))
        return sg_error_set(err, SG_ERR_RANGE, "HMM options: max states must be in [1,4096]");
    if (o->n_states > 4096) return sg_error_set(err, SG_ERR_RANGE, "HMM options: at most 4096 states");
    int nthreads = o->threads > 0 ? o->threads : sg_threads_get();
    sg_tadam_hmm *h = calloc(1, sizeof *h);
    size_t *all = malloc(n * sizeof *all), *fitv = malloc(n * sizeof *fitv), *hold = malloc(n * sizeof *hold);
    double *unigram = NULL, *work = NULL;
    hdata dall = {0}, dfit = {0}, dhold = {0};
    sg_status st = SG_OK;
    if (!h || !all || !fitv || !hold || !(h->idx = sg_hashmap_create(64))) goto nomem;
    /* alphabet in first-seen order */
    size_t events = 0, empty = 0;
    for (size_t k = 0; k < n; k++) {
        all[k] = idx ? idx[k] : k;
        const sg_seq *s = sg_seq_set_get(set, all[k]);
        events += s->n;
        empty += s->n == 0;
        for (size_t i = 0; i < s->n; i++) {
            const char *nm = sg_seq_set_symbol(set, s->sym[i]);
            uint64_t v;
            if (nm && !sg_hashmap_get(h->idx, nm, strlen(nm), &v) &&
                sg_hashmap_put(h->idx, nm, strlen(nm), h->V++) != SG_OK)
                goto nomem;
        }
    }
    const size_t W = h->V + 1;
    /* start emissions: add-1/2 unigram (unknown column included); entry W = share of empty words */
    if (!(unigram = calloc(W + 1, sizeof *unigram))) goto nomem;
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, all[k]);
        for (size_t i = 0; i < s->n; i++) unigram[col_of(h->idx, h->V, sg_seq_set_symbol(set, s->sym[i]))] += 1;
    }
    for (size_t v = 0; v < W; v++) unigram[v] = (unigram[v] + 0.5) / ((double)events + 0.5 * (double)W);
    unigram[W] = (double)empty / (double)n;
    double p_end = (double)n / (double)(events + n);
    if ((st = hdata_build(h, set, all, n, &dall, err)) != SG_OK) goto fail;

    unsigned S = o->n_states;
    if (S == 0) {
        /* size by held-out likelihood: a keyed draw per sequence holds out a fraction */
        size_t nf = 0, nh = 0;
        for (size_t k = 0; k < n; k++) {
            sg_rng r;
            sg_rng_init(&r, o->seed, SG_STREAM_TADAM_HMM, ((uint64_t)1 << 40) | all[k]);
            if (sg_rng_uniform(&r) < o->holdout) hold[nh++] = all[k];
            else fitv[nf++] = all[k];
        }
        if (nh == 0 || nf == 0) S = o->max_states < 2 ? o->max_states : 2; /* too few to compare sizes */
        else {
            if ((st = hdata_build(h, set, fitv, nf, &dfit, err)) != SG_OK) goto fail;
            if ((st = hdata_build(h, set, hold, nh, &dhold, err)) != SG_OK) goto fail;
            static const unsigned grid[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
            double best = HUGE_VAL;
            unsigned worse = 0;
            for (size_t g = 0; g < sizeof grid / sizeof grid[0] && grid[g] <= o->max_states; g++) {
                hparams p;
                if ((st = fit_best(&dfit, grid[g], W, unigram, p_end, o, nthreads, &p, NULL, NULL, err)) != SG_OK)
                    goto fail;
                free(work);
                if (!(work = malloc(2 * (size_t)grid[g] * sizeof *work))) {
                    hparams_free(&p);
                    goto nomem;
                }
                double v = holdout_nats_per_event(&p, &dhold, work) / M_LN2;
                hparams_free(&p);
                h->info.tried_states[h->info.n_tried] = grid[g];
                h->info.tried_bits_per_event[h->info.n_tried++] = v;
                if (v < best) {
                    best = v;
                    S = grid[g];
                    worse = 0;
                } else if (++worse == 2) break; /* two larger sizes in a row did not help */
                /* doubling sizes: each fit costs about 4x the previous one, so the search costs
                 * about 4/3 of the largest fit */
            }
        }
    }
    if ((st = fit_best(&dall, S, W, unigram, p_end, o, nthreads, &h->p, &h->trace, &h->n_trace, err)) != SG_OK)
        goto fail;
    h->info.n_states = S;
    h->info.n_symbols = h->V;
    h->info.iterations = (unsigned)(h->n_trace - 1);
    h->info.train_bits = 0;
    free(work);
    if (!(work = malloc(2 * (size_t)S * sizeof *work))) goto nomem;
    for (size_t k = 0; k < dall.n; k++)
        h->info.train_bits -= dall.w[k] * forward(&h->p, dall.x + dall.off[k], dall.off[k + 1] - dall.off[k], NULL,
                                                  NULL, work) / M_LN2;
    for (size_t k = 0; k < (size_t)S * (S + 1); k++) h->info.n_edges += h->p.A[k] >= 1e-3;
    goto done;
nomem:
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
fail:
    sg_tadam_hmm_destroy(h);
    h = NULL;
done:
    hdata_free(&dall);
    hdata_free(&dfit);
    hdata_free(&dhold);
    free(all);
    free(fitv);
    free(hold);
    free(unigram);
    free(work);
    *out = h;
    return st;
}

double sg_tadam_hmm_score(const sg_tadam_hmm *h, const sg_seq_set *set, const sg_seq *s)
{
    const unsigned S = h->p.S;
    /* stack buffers for the usual sizes, heap beyond */
    double wst[512], *work = 2 * (size_t)S <= 512 ? wst : malloc(2 * (size_t)S * sizeof *work);
    uint32_t xst[256], *x = s->n <= 256 ? xst : malloc((s->n + 1) * sizeof *x);
    double bits = NAN;
    if (work && x) {
        for (size_t i = 0; i < s->n; i++) x[i] = col_of(h->idx, h->V, sg_seq_set_symbol(set, s->sym[i]));
        bits = -forward(&h->p, x, s->n, NULL, NULL, work) / M_LN2;
    }
    if (work != wst) free(work);
    if (x != xst) free(x);
    return bits;
}

void sg_tadam_hmm_destroy(sg_tadam_hmm *h)
{
    if (!h) return;
    sg_hashmap_destroy(h->idx);
    hparams_free(&h->p);
    free(h->trace);
    free(h);
}

void sg_tadam_hmm_get_info(const sg_tadam_hmm *h, sg_tadam_hmm_info *info) { *info = h->info; }

double sg_tadam_hmm_initial(const sg_tadam_hmm *h, unsigned i) { return i <= h->p.S ? h->p.pi[i] : NAN; }

double sg_tadam_hmm_transition(const sg_tadam_hmm *h, unsigned i, unsigned j)
{
    return i < h->p.S && j <= h->p.S ? h->p.A[(size_t)i * (h->p.S + 1) + j] : NAN;
}

double sg_tadam_hmm_emission(const sg_tadam_hmm *h, unsigned i, const char *symbol)
{
    return i < h->p.S ? h->p.B[(size_t)i * h->p.W + col_of(h->idx, h->V, symbol)] : NAN;
}

const double *sg_tadam_hmm_trace(const sg_tadam_hmm *h, size_t *n)
{
    *n = h->n_trace;
    return h->trace;
}
