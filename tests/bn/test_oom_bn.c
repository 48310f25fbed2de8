/* bn under allocation failure: every out-of-memory path of structure learning, the KT and BIC
 * scores and fitting either succeeds or reports SG_ERR_NOMEM / NaN, never frees twice nor
 * dereferences NULL (ASan aborts the test if it does). Regression: visit_counts freed its dense
 * table twice when one of its two allocations failed (gcc -O3 -Wuse-after-free). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "oom_inject.h"
#include "secgen/bn.h"

enum { N = 300, M = 4 };

static void test_every_allocation_failure(void **st)
{
    (void)st;
    sg_threads_set(1); /* one allocation order */
    static uint32_t x[N * M];
    sg_rng r;
    sg_rng_init(&r, 5, 1, 0);
    for (size_t i = 0; i < N; i++) {
        uint32_t b = (uint32_t)sg_rng_below(&r, 3);
        x[i * M + 0] = b;
        x[i * M + 1] = (b + (uint32_t)sg_rng_below(&r, 2)) % 3;
        x[i * M + 2] = (uint32_t)sg_rng_below(&r, 4);
        x[i * M + 3] = b == 0 ? 1 : (uint32_t)sg_rng_below(&r, 2);
    }
    uint32_t card[M] = {3, 3, 4, 2};
    sg_bn_data d = {.x = x, .nrows = N, .row_stride = M, .col_stride = 1};
    long k;
    size_t failures_met = 0;
    for (k = 1; k < 100000; k++) {
        sg_bn *bn = sg_bn_create(M, card, NULL);
        if (!bn) { /* creation itself failed: fine */
            failures_met++;
            continue;
        }
        sg_oom_fail_at(k);
        sg_error err = {0};
        sg_status s1 = sg_bn_learn_structure(bn, &d, NULL, &err);
        assert_true(s1 == SG_OK || s1 == SG_ERR_NOMEM);
        double kt = sg_bn_kt_bits(bn, &d);
        double bic = sg_bn_bic(bn, &d);
        sg_status s2 = sg_bn_fit(bn, &d, 0.5, &err);
        assert_true(s2 == SG_OK || s2 == SG_ERR_NOMEM);
        int hit = sg_oom_hit;
        sg_oom_fail_at(0);
        if (!hit) {
            /* no allocation left to fail: the clean run must be complete */
            assert_int_equal(s1, SG_OK);
            assert_int_equal(s2, SG_OK);
            assert_false(isnan(kt));
            assert_false(isnan(bic));
            sg_bn_destroy(bn);
            break;
        }
        failures_met++;
        sg_bn_destroy(bn);
    }
    assert_true(k < 100000);
    assert_true(failures_met > 10); /* the walk did reach the library's allocations */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_allocation_failure)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
