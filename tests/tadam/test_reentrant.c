/* TADAM learning is reentrant: several learners running at the same time in one process (each on
 * its own data) give the models they give alone. The word grouping and candidate ranking once
 * sorted through file-scope qsort contexts, so concurrent learners read each other's data
 * (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secgen/tadam.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define NSETS 4

/* set k: nseq words over an alphabet of 3 + k symbols, lengths 1..6, from a keyed generator */
static sg_seq_set *make_set(int k)
{
    sg_seq_set *s = sg_seq_set_create();
    assert_non_null(s);
    char nm[16];
    uint32_t ids[16];
    int nsym = 3 + k;
    for (int a = 0; a < nsym; a++) {
        snprintf(nm, sizeof nm, "%c%d", 'a' + a, k);
        ids[a] = (uint32_t)sg_seq_set_intern(s, nm);
    }
    size_t nseq = 6000 + 3000 * (size_t)k;
    for (size_t i = 0; i < nseq; i++) {
        sg_rng r;
        sg_rng_init(&r, 77 + (uint64_t)k, 1, i);
        uint32_t w[8];
        int64_t t[8];
        size_t n = 1 + sg_rng_below(&r, 6);
        for (size_t j = 0; j < n; j++) {
            /* mostly a cycle through the alphabet, sometimes a random symbol */
            w[j] = ids[sg_rng_below(&r, 8) == 0 ? sg_rng_below(&r, (uint64_t)nsym) : (j % (size_t)nsym)];
            t[j] = 1000 + (int64_t)sg_rng_below(&r, 5000);
        }
        assert_int_equal(sg_seq_set_add(s, "x", 0, -1, 0, n, w, t, NULL), SG_OK);
    }
    return s;
}

static char *learn_dump(const sg_seq_set *s)
{
    sg_tadam_learn_opts o;
    sg_tadam_learn_opts_init(&o);
    o.threads = 1;
    o.quiet = 1;
    o.max_iters = 4;
    sg_tadam_model *m = NULL;
    sg_error err = {0};
    char *d = NULL;
    if (sg_tadam_learn(s, NULL, 0, &o, &m, &err) != SG_OK) return NULL;
    if (sg_tadam_model_dump(m, SG_TADAM_FMT_SECGEN, &d, &err) != SG_OK) d = NULL;
    sg_tadam_model_destroy(m);
    return d;
}

static void test_concurrent_learners(void **state)
{
    (void)state;
    sg_seq_set *sets[NSETS];
    char *alone[NSETS];
    for (int k = 0; k < NSETS; k++) {
        sets[k] = make_set(k);
        alone[k] = learn_dump(sets[k]);
        assert_non_null(alone[k]);
    }
    for (int a = 0; a + 1 < NSETS; a++) assert_string_not_equal(alone[a], alone[a + 1]);
    int mismatch = 0;
    for (int rep = 0; rep < 3; rep++) {
        char *together[NSETS] = {0};
#pragma omp parallel num_threads(NSETS)
        {
#ifdef _OPENMP
            int k = omp_get_thread_num();
#else
            for (int k = 0; k < NSETS; k++)
#endif
            together[k] = learn_dump(sets[k]);
        }
        for (int k = 0; k < NSETS; k++) {
            if (!together[k] || strcmp(together[k], alone[k])) mismatch++;
            free(together[k]);
        }
    }
    assert_int_equal(mismatch, 0);
    for (int k = 0; k < NSETS; k++) {
        free(alone[k]);
        sg_seq_set_destroy(sets[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_learners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
