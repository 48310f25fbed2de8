/* ALERGIA baseline (src/tadam/alergia.c): the prefix tree of a planted 3-state probabilistic
 * automaton merges back to its 3 states with their probabilities; scores are finite on unseen
 * symbols and transitions and form a (sub-)distribution over sequences; the result does not
 * depend on the order of the training sequences; alpha is honoured (alpha -> 1 keeps more
 * states); option errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secgen/tadam.h"

/* planted PDFA over {a, b}: per state P(a), P(b), P(end) and the targets of a and b */
static const double P[3][3] = {{0.6, 0.3, 0.1}, {0.3, 0.5, 0.2}, {0.5, 0.2, 0.3}};
static const int NEXT[3][2] = {{1, 0}, {2, 0}, {2, 1}};

static sg_seq_set *planted(size_t n)
{
    sg_seq_set *set = sg_seq_set_create();
    assert_non_null(set);
    uint32_t ids[2];
    ids[0] = (uint32_t)sg_seq_set_intern(set, "a");
    ids[1] = (uint32_t)sg_seq_set_intern(set, "b");
    uint32_t sym[512];
    for (size_t i = 0; i < n; i++) {
        sg_rng r;
        sg_rng_init(&r, 11, 0xa1e6, i);
        int q = 0;
        size_t len = 0;
        while (len < 512) {
            double u = sg_rng_uniform(&r);
            if (u < P[q][0]) {
                sym[len++] = ids[0];
                q = NEXT[q][0];
            } else if (u < P[q][0] + P[q][1]) {
                sym[len++] = ids[1];
                q = NEXT[q][1];
            } else break;
        }
        char id[32];
        snprintf(id, sizeof id, "s%zu", i);
        assert_int_equal(sg_seq_set_add(set, id, 0, -1, 0, len, sym, NULL, NULL), SG_OK);
    }
    return set;
}

static sg_tadam_alergia *learn(const sg_seq_set *set, const size_t *idx, size_t n, double alpha)
{
    sg_tadam_alergia_opts o;
    sg_tadam_alergia_opts_init(&o);
    o.alpha = alpha;
    sg_tadam_alergia *a = NULL;
    sg_error err = {0};
    assert_int_equal(sg_tadam_alergia_learn(set, idx, n, &o, &a, &err), SG_OK);
    return a;
}

static void test_merges_back_to_planted(void **state)
{
    (void)state;
    sg_seq_set *set = planted(5000);
    /* alpha 0.01: at 0.05 the many recursive tests of a compatibility check (one per symbol and
     * end, at every depth) split a few planted states in two (4-6 states on this sample) */
    sg_tadam_alergia *a = learn(set, NULL, 0, 0.01);
    sg_tadam_alergia_info info;
    sg_tadam_alergia_get_info(a, &info);
    assert_true(info.n_pta_states > 1000); /* there was a tree to merge */
    assert_int_equal(info.n_states, 3);
    assert_int_equal(info.n_edges, 6);
    assert_int_equal(info.n_final, 3);
    /* states are numbered in length-lexicographic order of their first prefix: root = planted 0,
     * "a" = planted 1, "aa" = planted 2, which is the planted numbering */
    static const char *const sy[2] = {"a", "b"};
    for (int q = 0; q < 3; q++) {
        for (int s = 0; s < 2; s++) {
            double p = -1;
            assert_int_equal(sg_tadam_alergia_next(a, (size_t)q, sy[s], &p), NEXT[q][s]);
            assert_true(fabs(p - P[q][s]) < 0.03);
        }
        assert_true(fabs(sg_tadam_alergia_end(a, (size_t)q) - P[q][2]) < 0.03);
    }
    assert_int_equal(sg_tadam_alergia_next(a, 0, "zz", NULL), -1);
    sg_tadam_alergia_destroy(a);
    sg_seq_set_destroy(set);
}

static void test_scores_finite_and_a_distribution(void **state)
{
    (void)state;
    sg_seq_set *set = planted(400);
    sg_tadam_alergia *a = learn(set, NULL, 0, 0.05);
    /* every sequence over {a, b} up to length 12, plus an unknown symbol */
    sg_seq_set *q = sg_seq_set_create();
    uint32_t ids[3] = {(uint32_t)sg_seq_set_intern(q, "a"), (uint32_t)sg_seq_set_intern(q, "b"),
                       (uint32_t)sg_seq_set_intern(q, "zz")};
    uint32_t sym[16];
    double mass = 0;
    for (size_t len = 0; len <= 12; len++)
        for (size_t code = 0; code < ((size_t)1 << len); code++) {
            for (size_t i = 0; i < len; i++) sym[i] = ids[(code >> i) & 1];
            assert_int_equal(sg_seq_set_add(q, "w", 0, -1, -1, len, sym, NULL, NULL), SG_OK);
            double bits = sg_tadam_alergia_score(a, q, sg_seq_set_get(q, sg_seq_set_count(q) - 1));
            assert_true(isfinite(bits) && bits > 0);
            mass += exp2(-bits);
        }
    /* a proper distribution: at most 1 in total; the planted source ends within 12 events with
     * probability > 0.9 */
    assert_true(mass <= 1 + 1e-9);
    assert_true(mass > 0.85);
    /* unseen symbol and unseen transitions: finite, and dearer than the seen version */
    sym[0] = ids[0];
    sym[1] = ids[2];
    sym[2] = ids[1];
    assert_int_equal(sg_seq_set_add(q, "unk", 0, -1, -1, 3, sym, NULL, NULL), SG_OK);
    double unk = sg_tadam_alergia_score(a, q, sg_seq_set_get(q, sg_seq_set_count(q) - 1));
    sym[1] = ids[1];
    assert_int_equal(sg_seq_set_add(q, "known", 0, -1, -1, 3, sym, NULL, NULL), SG_OK);
    double known = sg_tadam_alergia_score(a, q, sg_seq_set_get(q, sg_seq_set_count(q) - 1));
    assert_true(isfinite(unk) && unk > known + 3);
    sg_seq_set_destroy(q);
    sg_tadam_alergia_destroy(a);
    sg_seq_set_destroy(set);
}

static void test_order_independent_and_alpha(void **state)
{
    (void)state;
    sg_seq_set *set = planted(2000);
    size_t n = sg_seq_set_count(set);
    size_t *rev = malloc(n * sizeof *rev);
    assert_non_null(rev);
    for (size_t i = 0; i < n; i++) rev[i] = n - 1 - i;
    sg_tadam_alergia *a = learn(set, NULL, 0, 0.05), *b = learn(set, rev, n, 0.05);
    sg_tadam_alergia_info ia, ib;
    sg_tadam_alergia_get_info(a, &ia);
    sg_tadam_alergia_get_info(b, &ib);
    assert_memory_equal(&ia, &ib, sizeof ia);
    for (size_t i = 0; i < n; i += 13) {
        double x = sg_tadam_alergia_score(a, set, sg_seq_set_get(set, i)), y = sg_tadam_alergia_score(b, set, sg_seq_set_get(set, i));
        assert_memory_equal(&x, &y, sizeof x);
    }
    /* alpha near 1: the Hoeffding bound shrinks, fewer merges pass, more states stay */
    sg_tadam_alergia *c = learn(set, NULL, 0, 0.999);
    sg_tadam_alergia_info ic;
    sg_tadam_alergia_get_info(c, &ic);
    assert_true(ic.n_states > ia.n_states);
    sg_tadam_alergia_destroy(a);
    sg_tadam_alergia_destroy(b);
    sg_tadam_alergia_destroy(c);
    free(rev);
    sg_seq_set_destroy(set);
}

/* one 300,000-event training sequence: the prefix tree is a chain that deep, and merging its
 * second state into the root folds the whole chain (a recursive fold overflows the stack) */
static void test_deep_prefix_tree(void **state)
{
    (void)state;
    size_t L = 300000;
    sg_seq_set *set = sg_seq_set_create();
    uint32_t ab[2] = {(uint32_t)sg_seq_set_intern(set, "a"), (uint32_t)sg_seq_set_intern(set, "b")};
    uint32_t *sym = malloc(L * sizeof *sym);
    assert_non_null(sym);
    for (size_t i = 0; i < L; i++) sym[i] = ab[i % 7 == 6];
    assert_int_equal(sg_seq_set_add(set, "long", 0, -1, 0, L, sym, NULL, NULL), SG_OK);
    assert_int_equal(sg_seq_set_add(set, "short", 0, -1, 0, 3, sym, NULL, NULL), SG_OK);
    free(sym);
    sg_tadam_alergia *a = learn(set, NULL, 0, 0.05);
    sg_tadam_alergia_info info;
    sg_tadam_alergia_get_info(a, &info);
    assert_int_equal(info.n_pta_states, L + 1);
    assert_true(info.n_states < 10);
    double bits = sg_tadam_alergia_score(a, set, sg_seq_set_get(set, 0));
    assert_true(isfinite(bits) && bits > 0);
    sg_tadam_alergia_destroy(a);
    sg_seq_set_destroy(set);
}

static void test_errors(void **state)
{
    (void)state;
    sg_seq_set *set = planted(10);
    sg_tadam_alergia_opts o;
    sg_tadam_alergia_opts_init(&o);
    sg_tadam_alergia *a = (sg_tadam_alergia *)1;
    sg_error err = {0};
    size_t none = 0;
    assert_int_equal(sg_tadam_alergia_learn(set, &none, 0, &o, &a, &err), SG_ERR_EMPTY);
    assert_null(a);
    o.alpha = 0;
    assert_int_equal(sg_tadam_alergia_learn(set, NULL, 0, &o, &a, &err), SG_ERR_RANGE);
    assert_non_null(strstr(err.msg, "alpha"));
    sg_seq_set_destroy(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merges_back_to_planted),
        cmocka_unit_test(test_scores_finite_and_a_distribution),
        cmocka_unit_test(test_order_independent_and_alpha),
        cmocka_unit_test(test_deep_prefix_tree),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
