/* TADAM anomaly-detection benchmark behind `automata evaluate`: seeded train/test split, learning
 * on the normal training sequences (optionally with injected noise), scoring every sequence, and
 * per-detector figures with the threshold chosen on the train split; the same protocol for the
 * baselines (bigram, and the paper's Table 3 comparison: HMM and ALERGIA), each learnt on the same
 * training sequences, with its size, learning time and test bits per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tadam/tadam_internal.h"

void sg_tadam_bench_opts_init(sg_tadam_bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->train_frac = 0.5;
    o->seed = 1;
    sg_tadam_learn_opts_init(&o->learn);
    sg_tadam_dir_opts d;
    sg_tadam_dir_opts_init(&d);
    o->max_sequences = d.max_sequences; /* the search sample of `automata learn` */
    o->max_words = d.max_words;
    sg_tadam_hmm_opts_init(&o->hmm_opts);
    sg_tadam_alergia_opts_init(&o->alergia_opts);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* threshold: best F1 on the training split (its normal and anomalous sequences), applied to the
 * test split */
static sg_status row(const char *name, const double *sc, const int8_t *lab, const uint8_t *is_train, size_t n,
                     sg_tadam_bench_row *r, sg_error *err)
{
    size_t ntr = 0, nte = 0;
    for (size_t i = 0; i < n; i++) is_train[i] ? ntr++ : nte++;
    double *a = malloc((ntr + 1) * sizeof *a), *b = malloc((nte + 1) * sizeof *b);
    int8_t *la = malloc(ntr + 1), *lb = malloc(nte + 1);
    if (!a || !b || !la || !lb) {
        free(a);
        free(b);
        free(la);
        free(lb);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t i1 = 0, i2 = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_train[i]) {
            a[i1] = sc[i];
            la[i1++] = lab[i];
        } else {
            b[i2] = sc[i];
            lb[i2++] = lab[i];
        }
    }
    r->name = name;
    r->threshold = sg_tadam_best_f1_threshold(a, la, ntr, &r->train_f1);
    sg_tadam_rates(b, lb, nte, r->threshold, &r->tpr, &r->fpr, &r->precision, &r->f1);
    r->auroc = sg_tadam_auroc(b, lb, nte);
    free(a);
    free(b);
    free(la);
    free(lb);
    return SG_OK;
}

/* the two rows of one baseline (total bits, bits per event) and its summary's test bits/event */
static sg_status baseline_rows(sg_tadam_bench *B, const sg_seq_set *set, const char *name_bits,
                               const char *name_ev, const double *bits, double *tmp, sg_tadam_bench_model *m,
                               sg_error *err)
{
    size_t n = B->n;
    sg_status st = row(name_bits, bits, B->label, B->is_train, n, &B->rows[B->n_rows++], err);
    double tb = 0, te = 0;
    for (size_t i = 0; i < n; i++) {
        double ev = (double)(sg_seq_set_get(set, i)->n + 1);
        tmp[i] = bits[i] / ev;
        if (!B->is_train[i] && B->label[i] == 0) {
            tb += bits[i];
            te += ev;
        }
    }
    if (st == SG_OK) st = row(name_ev, tmp, B->label, B->is_train, n, &B->rows[B->n_rows++], err);
    m->test_bits_per_event = te > 0 ? tb / te : NAN;
    return st;
}

void sg_tadam_bench_free(sg_tadam_bench *b)
{
    sg_tadam_model_destroy(b->model);
    free(b->label);
    free(b->is_train);
    free(b->bits);
    free(b->bits_per_event);
    free(b->untimed_bits);
    free(b->untimed_bits_per_event);
    free(b->bigram_bits);
    free(b->hmm_bits);
    free(b->alergia_bits);
    memset(b, 0, sizeof *b);
}

sg_status sg_tadam_benchmark(const sg_seq_set *set, const sg_tadam_bench_opts *o, sg_tadam_bench *B, sg_error *err)
{
    memset(B, 0, sizeof *B);
    size_t n = sg_seq_set_count(set);
    B->n = n;
    B->is_train = calloc(n ? n : 1, 1);
    B->label = malloc(n ? n : 1);
    B->bits = malloc((n ? n : 1) * sizeof *B->bits);
    B->bits_per_event = malloc((n ? n : 1) * sizeof *B->bits_per_event);
    B->untimed_bits = malloc((n ? n : 1) * sizeof *B->untimed_bits);
    B->untimed_bits_per_event = malloc((n ? n : 1) * sizeof *B->untimed_bits_per_event);
    size_t *tr = malloc((n ? n : 1) * sizeof *tr), *sample = NULL, ntr = 0, nlab = 0;
    double *s_b = malloc((n ? n : 1) * sizeof *s_b);
    sg_tadam_bigram *bg = NULL;
    sg_tadam_hmm *hmm = NULL;
    sg_tadam_alergia *al = NULL;
    sg_seq_set *noisy = NULL;
    sg_status st = SG_OK;
    if (!B->is_train || !B->label || !B->bits || !B->bits_per_event || !B->untimed_bits ||
        !B->untimed_bits_per_event || !tr || !s_b) {
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const sg_seq *s = sg_seq_set_get(set, i);
        B->label[i] = s->label;
        nlab += s->label == 0 || s->label == 1;
        sg_rng r;
        sg_rng_init(&r, o->seed, SG_STREAM_TADAM_SPLIT, i);
        B->is_train[i] = sg_rng_uniform(&r) < o->train_frac;
        B->n_train += B->is_train[i];
        if (B->is_train[i] && s->label == 0 && (o->max_train == 0 || ntr < o->max_train)) tr[ntr++] = i;
    }
    B->n_learn = ntr;
    if (nlab == 0 || ntr == 0) {
        st = sg_error_set(err, SG_ERR_EMPTY, "evaluate needs labelled sequences (normal ones in the train split)");
        goto done;
    }
    /* training data: optionally with injected noise (only the training sequences are altered) */
    const sg_seq_set *train_set = set;
    if (o->noise > 0) {
        if ((st = sg_tadam_inject_noise(set, o->noise, o->seed, &noisy, err)) != SG_OK) goto done;
        train_set = noisy;
    }
    /* TADAM's search sample, as `automata learn` draws it (keyed apart from the split); the
     * baselines learn from every training sequence */
    double t0 = now_s();
    if (!(sample = malloc(ntr * sizeof *sample))) goto nomem;
    if ((st = sg_tadam_search_sample(train_set, tr, ntr, o->seed ^ 0x9e3779b97f4a7c15ull, o->max_sequences,
                                     o->max_words, sample, &B->n_search, &B->n_search_words, err)) != SG_OK)
        goto done;
    if ((st = sg_tadam_learn(train_set, sample, B->n_search, &o->learn, &B->model, err)) != SG_OK) goto done;
    double t1 = now_s();
    B->learn_seconds = t1 - t0;
    for (size_t i = 0; i < n; i++) {
        sg_tadam_score sc;
        const sg_seq *s = sg_seq_set_get(set, i);
        if ((st = sg_tadam_score_seq_ex(B->model, set, s, 0, &sc, err)) != SG_OK) goto scorefail;
        B->bits[i] = sc.bits;
        B->bits_per_event[i] = sc.bits_per_event;
        if ((st = sg_tadam_score_seq_ex(B->model, set, s, SG_TADAM_SCORE_UNTIMED, &sc, err)) != SG_OK) goto scorefail;
        B->untimed_bits[i] = sc.bits;
        B->untimed_bits_per_event[i] = sc.bits_per_event;
        continue;
    scorefail:
        sg_error_prefix(err, "sequence '%s': ", s->id ? s->id : "");
        goto done;
    }
    B->score_seconds = now_s() - t1;
    const double *cols[4] = {B->bits, B->bits_per_event, B->untimed_bits, B->untimed_bits_per_event};
    static const char *const names[4] = {"tadam bits", "tadam bits/event", "tadam untimed bits",
                                         "tadam untimed bits/event"};
    for (int k = 0; k < 4 && st == SG_OK; k++) st = row(names[k], cols[k], B->label, B->is_train, n, &B->rows[B->n_rows++], err);
    if (st != SG_OK) goto done;
    {
        sg_tadam_bench_model *m = &B->models[B->n_models++];
        sg_tadam_info info;
        sg_tadam_model_info(B->model, &info);
        m->name = "tadam";
        m->n_states = info.n_states;
        m->n_edges = info.n_edges;
        m->learn_seconds = B->learn_seconds;
        double tb = 0, te = 0;
        for (size_t i = 0; i < n; i++)
            if (!B->is_train[i] && B->label[i] == 0) {
                tb += B->untimed_bits[i];
                te += (double)(sg_seq_set_get(set, i)->n + 1);
            }
        m->test_bits_per_event = te > 0 ? tb / te : NAN;
        snprintf(m->note, sizeof m->note, "MDL %.1f bits; bits/event from the symbols-only score",
                 info.cost_model + info.cost_data);
    }
    if (o->bigram) {
        sg_tadam_bench_model *m = &B->models[B->n_models++];
        m->name = "bigram";
        double t2 = now_s();
        if ((st = sg_tadam_bigram_learn(train_set, tr, ntr, &bg, err)) != SG_OK) goto done;
        m->learn_seconds = now_s() - t2;
        if (!(B->bigram_bits = malloc(n * sizeof *B->bigram_bits))) goto nomem;
        for (size_t i = 0; i < n; i++) B->bigram_bits[i] = sg_tadam_bigram_score(bg, set, sg_seq_set_get(set, i));
        snprintf(m->note, sizeof m->note, "add-1/2 first-order chain over symbols");
        if ((st = baseline_rows(B, set, "bigram bits", "bigram bits/event", B->bigram_bits, s_b, m, err)) != SG_OK)
            goto done;
    }
    if (o->hmm) {
        sg_tadam_bench_model *m = &B->models[B->n_models++];
        m->name = "hmm";
        sg_tadam_hmm_opts ho = o->hmm_opts;
        ho.seed = o->seed;
        ho.threads = o->learn.threads;
        double t2 = now_s();
        if ((st = sg_tadam_hmm_learn(train_set, tr, ntr, &ho, &hmm, err)) != SG_OK) goto done;
        m->learn_seconds = now_s() - t2;
        if (!(B->hmm_bits = malloc(n * sizeof *B->hmm_bits))) goto nomem;
        int nth = o->learn.threads > 0 ? o->learn.threads : sg_threads_get();
#pragma omp parallel for schedule(dynamic, 256) num_threads(nth)
        for (size_t i = 0; i < n; i++) B->hmm_bits[i] = sg_tadam_hmm_score(hmm, set, sg_seq_set_get(set, i));
        for (size_t i = 0; i < n; i++)
            if (isnan(B->hmm_bits[i])) goto nomem;
        sg_tadam_hmm_info hi;
        sg_tadam_hmm_get_info(hmm, &hi);
        m->n_states = hi.n_states;
        m->n_edges = hi.n_edges;
        int len = snprintf(m->note, sizeof m->note, "%u Baum-Welch iterations; held-out bits/event by states:",
                           hi.iterations);
        for (unsigned k = 0; k < hi.n_tried && len > 0 && (size_t)len < sizeof m->note; k++)
            len += snprintf(m->note + len, sizeof m->note - (size_t)len, " %u:%.3f", hi.tried_states[k],
                            hi.tried_bits_per_event[k]);
        if (hi.n_tried == 0) snprintf(m->note + len, sizeof m->note - (size_t)len, " (fixed size)");
        if ((st = baseline_rows(B, set, "hmm bits", "hmm bits/event", B->hmm_bits, s_b, m, err)) != SG_OK) goto done;
    }
    if (o->alergia) {
        sg_tadam_bench_model *m = &B->models[B->n_models++];
        m->name = "alergia";
        double t2 = now_s();
        if ((st = sg_tadam_alergia_learn(train_set, tr, ntr, &o->alergia_opts, &al, err)) != SG_OK) goto done;
        m->learn_seconds = now_s() - t2;
        if (!(B->alergia_bits = malloc(n * sizeof *B->alergia_bits))) goto nomem;
        for (size_t i = 0; i < n; i++) B->alergia_bits[i] = sg_tadam_alergia_score(al, set, sg_seq_set_get(set, i));
        sg_tadam_alergia_info ai;
        sg_tadam_alergia_get_info(al, &ai);
        /* counted like a TADAM automaton: + the final state, + one "$" edge per state that ends */
        m->n_states = ai.n_states + 1;
        m->n_edges = ai.n_edges + ai.n_final;
        snprintf(m->note, sizeof m->note, "alpha %g; prefix tree %zu states, %zu merges", o->alergia_opts.alpha,
                 ai.n_pta_states, ai.n_merges);
        if ((st = baseline_rows(B, set, "alergia bits", "alergia bits/event", B->alergia_bits, s_b, m, err)) != SG_OK)
            goto done;
    }
    goto done;
nomem:
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
done:
    sg_tadam_bigram_destroy(bg);
    sg_tadam_hmm_destroy(hmm);
    sg_tadam_alergia_destroy(al);
    sg_seq_set_destroy(noisy);
    free(tr);
    free(sample);
    free(s_b);
    if (st != SG_OK) sg_tadam_bench_free(B);
    return st;
}

sg_status sg_tadam_bench_write_scores(const sg_tadam_bench *B, const sg_seq_set *set, const char *path, sg_error *err)
{
    sg_outfile *of;
    sg_status st = sg_outfile_open(&of, path, err);
    if (st != SG_OK) return st;
    FILE *fp = sg_outfile_fp(of);
    fprintf(fp, "id,label,split,tadam_bits,tadam_bits_per_event,untimed_bits,untimed_bits_per_event%s%s\n",
            B->hmm_bits ? ",hmm_bits" : "", B->alergia_bits ? ",alergia_bits" : "");
    for (size_t i = 0; i < B->n; i++) {
        fprintf(fp, "%s,%d,%s,%.4f,%.5f,%.4f,%.5f", sg_seq_set_get(set, i)->id, B->label[i],
                B->is_train[i] ? "train" : "test", B->bits[i], B->bits_per_event[i], B->untimed_bits[i],
                B->untimed_bits_per_event[i]);
        if (B->hmm_bits) fprintf(fp, ",%.4f", B->hmm_bits[i]);
        if (B->alergia_bits) fprintf(fp, ",%.4f", B->alergia_bits[i]);
        fputc('\n', fp);
    }
    return sg_outfile_commit(of, err);
}
