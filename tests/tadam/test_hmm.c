/* HMM baseline (src/tadam/hmm.c): Baum-Welch recovers a planted 2-state HMM, never decreases its
 * objective, the scaled forward pass equals brute-force path enumeration and does not underflow
 * on long sequences, unseen symbols cost finite bits, the number of states chosen by held-out
 * likelihood, identical results for any thread count, and option errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secgen/tadam.h"

/* planted model: 2 states, symbols a b c, end 0.02 from both states */
static const double P_PI[2] = {0.8, 0.2};
static const double P_A[2][3] = {{0.88, 0.10, 0.02}, {0.15, 0.83, 0.02}};
static const double P_B[2][3] = {{0.7, 0.2, 0.1}, {0.1, 0.2, 0.7}};

static size_t draw(sg_rng *r, const double *p, size_t n)
{
    double u = sg_rng_uniform(r), c = 0;
    for (size_t k = 0; k + 1 < n; k++)
        if (u < (c += p[k])) return k;
    return n - 1;
}

/* n sequences sampled from the planted HMM (sequence i from its own keyed stream) */
static sg_seq_set *planted(size_t n)
{
    sg_seq_set *set = sg_seq_set_create();
    assert_non_null(set);
    uint32_t ids[3];
    ids[0] = (uint32_t)sg_seq_set_intern(set, "a");
    ids[1] = (uint32_t)sg_seq_set_intern(set, "b");
    ids[2] = (uint32_t)sg_seq_set_intern(set, "c");
    uint32_t *sym = malloc(4096 * sizeof *sym);
    assert_non_null(sym);
    for (size_t i = 0; i < n; i++) {
        sg_rng r;
        sg_rng_init(&r, 7, 0x4e11, i);
        size_t s = draw(&r, P_PI, 2), len = 0;
        for (;;) {
            sym[len++] = ids[draw(&r, P_B[s], 3)];
            size_t nx = draw(&r, P_A[s], 3);
            if (nx == 2 || len == 4096) break;
            s = nx;
        }
        char id[32];
        snprintf(id, sizeof id, "s%zu", i);
        assert_int_equal(sg_seq_set_add(set, id, 0, -1, 0, len, sym, NULL, NULL), SG_OK);
    }
    free(sym);
    return set;
}

static sg_tadam_hmm *learn(const sg_seq_set *set, unsigned S, int threads)
{
    sg_tadam_hmm_opts o;
    sg_tadam_hmm_opts_init(&o);
    o.n_states = S;
    o.pseudo = 1e-3;
    o.tol = 1e-9;
    o.max_iters = 500;
    o.restarts = 3;
    o.threads = threads;
    sg_tadam_hmm *h = NULL;
    sg_error err = {0};
    assert_int_equal(sg_tadam_hmm_learn(set, NULL, 0, &o, &h, &err), SG_OK);
    assert_non_null(h);
    return h;
}

static void test_recovers_planted(void **state)
{
    (void)state;
    sg_seq_set *set = planted(600);
    sg_tadam_hmm *h = learn(set, 2, 2);
    /* hidden states are identified up to a permutation: the one emitting "a" most is state 0 */
    unsigned m0 = sg_tadam_hmm_emission(h, 0, "a") > sg_tadam_hmm_emission(h, 1, "a") ? 0 : 1, m[2] = {m0, 1 - m0};
    static const char *const syms[3] = {"a", "b", "c"};
    for (unsigned i = 0; i < 2; i++) {
        /* 510 of these 600 sequences start in state 0 (0.85, not 0.8): the initial probabilities
         * rest on 600 draws only, hence the wider tolerance */
        assert_true(fabs(sg_tadam_hmm_initial(h, m[i]) - P_PI[i]) < 0.08);
        for (unsigned j = 0; j < 2; j++) assert_true(fabs(sg_tadam_hmm_transition(h, m[i], m[j]) - P_A[i][j]) < 0.03);
        assert_true(fabs(sg_tadam_hmm_transition(h, m[i], 2) - P_A[i][2]) < 0.01);
        for (unsigned v = 0; v < 3; v++) assert_true(fabs(sg_tadam_hmm_emission(h, m[i], syms[v]) - P_B[i][v]) < 0.03);
    }
    sg_tadam_hmm_info info;
    sg_tadam_hmm_get_info(h, &info);
    assert_int_equal(info.n_states, 2);
    assert_int_equal(info.n_symbols, 3);
    assert_int_equal(info.n_tried, 0);
    sg_tadam_hmm_destroy(h);
    sg_seq_set_destroy(set);
}

static void test_objective_never_decreases(void **state)
{
    (void)state;
    sg_seq_set *set = planted(300);
    for (unsigned S = 1; S <= 5; S += 2) {
        sg_tadam_hmm *h = learn(set, S, 1);
        size_t n;
        const double *tr = sg_tadam_hmm_trace(h, &n);
        assert_true(n >= 2);
        for (size_t k = 1; k < n; k++) assert_true(tr[k] >= tr[k - 1] - 1e-9 * fabs(tr[k - 1]));
        /* it did improve from the random start */
        assert_true(tr[n - 1] > tr[0]);
        sg_tadam_hmm_destroy(h);
    }
    sg_seq_set_destroy(set);
}

/* -log2 P by enumerating every state path (S^T terms) */
static double brute_bits(const sg_tadam_hmm *h, unsigned S, const char *const *x, size_t T)
{
    size_t paths = 1;
    for (size_t t = 0; t < T; t++) paths *= S;
    double p = 0;
    for (size_t code = 0; code < paths; code++) {
        size_t c = code;
        unsigned prev = 0;
        double q = 1;
        for (size_t t = 0; t < T; t++) {
            unsigned s = (unsigned)(c % S);
            c /= S;
            q *= (t == 0 ? sg_tadam_hmm_initial(h, s) : sg_tadam_hmm_transition(h, prev, s)) *
                 sg_tadam_hmm_emission(h, s, x[t]);
            prev = s;
        }
        p += q * sg_tadam_hmm_transition(h, prev, S);
    }
    return -log2(p);
}

static void test_forward_matches_enumeration_and_long_sequences(void **state)
{
    (void)state;
    sg_seq_set *set = planted(100);
    sg_tadam_hmm *h = learn(set, 3, 1);
    /* a sequence with an unknown symbol: finite, matches the enumeration (unknown emission column) */
    static const char *const x[5] = {"a", "c", "zz", "b", "a"};
    sg_seq_set *q = sg_seq_set_create();
    uint32_t ids[5];
    for (int i = 0; i < 5; i++) ids[i] = (uint32_t)sg_seq_set_intern(q, x[i]);
    assert_int_equal(sg_seq_set_add(q, "q", 0, -1, -1, 5, ids, NULL, NULL), SG_OK);
    assert_int_equal(sg_seq_set_add(q, "e", 0, -1, -1, 0, ids, NULL, NULL), SG_OK);
    double bits = sg_tadam_hmm_score(h, q, sg_seq_set_get(q, 0));
    assert_true(isfinite(bits));
    assert_true(fabs(bits - brute_bits(h, 3, x, 5)) < 1e-9 * bits);
    double known = sg_tadam_hmm_score(h, set, sg_seq_set_get(set, 0));
    assert_true(isfinite(known) && known > 0);
    /* the empty sequence: -log2 of its initial probability */
    assert_true(fabs(sg_tadam_hmm_score(h, q, sg_seq_set_get(q, 1)) + log2(sg_tadam_hmm_initial(h, 3))) < 1e-9);
    /* 20,000 events: an unscaled forward pass underflows near 1,000; the scaled one is finite and
     * about 20,000 x the per-event cost */
    size_t L = 20000;
    uint32_t *big = malloc(L * sizeof *big);
    assert_non_null(big);
    for (size_t i = 0; i < L; i++) big[i] = ids[i % 2 ? 1 : 0];
    assert_int_equal(sg_seq_set_add(q, "long", 0, -1, -1, L, big, NULL, NULL), SG_OK);
    double lb = sg_tadam_hmm_score(h, q, sg_seq_set_get(q, 2));
    assert_true(isfinite(lb) && lb > 1000 && lb < 20000 * 40);
    free(big);
    sg_seq_set_destroy(q);
    sg_tadam_hmm_destroy(h);
    sg_seq_set_destroy(set);
}

static void test_size_by_holdout_and_threads(void **state)
{
    (void)state;
    sg_seq_set *set = planted(400);
    sg_tadam_hmm_opts o;
    sg_tadam_hmm_opts_init(&o);
    o.max_states = 8;
    sg_tadam_hmm *h[2];
    sg_error err = {0};
    for (int k = 0; k < 2; k++) {
        o.threads = k + 1;
        assert_int_equal(sg_tadam_hmm_learn(set, NULL, 0, &o, &h[k], &err), SG_OK);
    }
    sg_tadam_hmm_info a, b;
    sg_tadam_hmm_get_info(h[0], &a);
    sg_tadam_hmm_get_info(h[1], &b);
    /* the chosen size is the tried size with the lowest held-out bits; one state cannot fit this
     * two-regime source */
    assert_true(a.n_tried >= 2);
    unsigned best = 0;
    for (unsigned k = 1; k < a.n_tried; k++)
        if (a.tried_bits_per_event[k] < a.tried_bits_per_event[best]) best = k;
    assert_int_equal(a.n_states, a.tried_states[best]);
    assert_true(a.n_states >= 2);
    assert_true(a.tried_bits_per_event[0] > a.tried_bits_per_event[best] + 0.05);
    /* identical for 1 and 2 threads, bit for bit */
    assert_int_equal(a.n_states, b.n_states);
    assert_int_equal(a.iterations, b.iterations);
    assert_memory_equal(a.tried_bits_per_event, b.tried_bits_per_event, a.n_tried * sizeof(double));
    for (unsigned i = 0; i < a.n_states; i++)
        for (unsigned j = 0; j <= a.n_states; j++) {
            double x = sg_tadam_hmm_transition(h[0], i, j), y = sg_tadam_hmm_transition(h[1], i, j);
            assert_memory_equal(&x, &y, sizeof x);
        }
    for (size_t i = 0; i < sg_seq_set_count(set); i += 37) {
        double x = sg_tadam_hmm_score(h[0], set, sg_seq_set_get(set, i)), y = sg_tadam_hmm_score(h[1], set, sg_seq_set_get(set, i));
        assert_memory_equal(&x, &y, sizeof x);
    }
    sg_tadam_hmm_destroy(h[0]);
    sg_tadam_hmm_destroy(h[1]);
    sg_seq_set_destroy(set);
}

static void test_errors(void **state)
{
    (void)state;
    sg_seq_set *set = planted(10);
    sg_tadam_hmm_opts o;
    sg_tadam_hmm_opts_init(&o);
    sg_tadam_hmm *h = (sg_tadam_hmm *)1;
    sg_error err = {0};
    size_t none = 0;
    assert_int_equal(sg_tadam_hmm_learn(set, &none, 0, &o, &h, &err), SG_ERR_EMPTY);
    assert_null(h);
    o.pseudo = 0;
    assert_int_equal(sg_tadam_hmm_learn(set, NULL, 0, &o, &h, &err), SG_ERR_RANGE);
    assert_non_null(strstr(err.msg, "pseudo"));
    sg_seq_set_destroy(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovers_planted),
        cmocka_unit_test(test_objective_never_decreases),
        cmocka_unit_test(test_forward_matches_enumeration_and_long_sequences),
        cmocka_unit_test(test_size_by_holdout_and_threads),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
