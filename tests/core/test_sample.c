/* sg_sample_keyed: seeded m-of-n sampling keyed per item. The kept items are exactly the m with
 * the smallest keys, also beyond 2^20 items (an earlier version packed the position into 20 bits
 * of the key and picked wrong items above 1,048,576 sequences, issue 15), and an item's fate
 * depends only on (seed, its id). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secgen/core.h"

static uint64_t key_of(uint64_t seed, uint32_t stream, size_t id)
{
    sg_rng r;
    sg_rng_init(&r, seed, stream, id);
    return sg_rng_u64(&r) >> 20;
}

static void check_smallest(const size_t *ids, size_t n, const size_t *sel, size_t m, uint64_t seed, uint32_t stream)
{
    /* kept: ascending, distinct, and no dropped item has a smaller key than a kept one */
    uint8_t *kept = calloc(n, 1);
    size_t *pos_of = NULL;
    assert_non_null(kept);
    size_t maxid = 0;
    for (size_t i = 0; i < n; i++) maxid = ids[i] > maxid ? ids[i] : maxid;
    pos_of = malloc((maxid + 1) * sizeof *pos_of);
    assert_non_null(pos_of);
    for (size_t i = 0; i < n; i++) pos_of[ids[i]] = i;
    uint64_t kmax = 0;
    for (size_t j = 0; j < m; j++) {
        if (j) assert_true(sel[j] > sel[j - 1]);
        assert_true(sel[j] <= maxid);
        kept[pos_of[sel[j]]] = 1;
        uint64_t k = key_of(seed, stream, sel[j]);
        kmax = k > kmax ? k : kmax;
    }
    size_t beyond = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept[i]) {
            beyond += i >= ((size_t)1 << 20);
            continue;
        }
        assert_true(key_of(seed, stream, ids[i]) >= kmax);
    }
    if (n > ((size_t)1 << 20) + 100000) assert_true(beyond > 0);
    free(kept);
    free(pos_of);
}

static void test_keyed_beyond_2_20(void **state)
{
    (void)state;
    const size_t n = 1100000, m = 2000;
    size_t *ids = malloc(n * sizeof *ids), *sel = malloc(m * sizeof *sel);
    assert_non_null(ids);
    assert_non_null(sel);
    for (size_t i = 0; i < n; i++) ids[i] = 3 * i + 1; /* ids need not be positions */
    sg_error err = {0};
    assert_int_equal(sg_sample_keyed(7, 0x7ada0003u, ids, n, m, sel, &err), SG_OK);
    check_smallest(ids, n, sel, m, 7, 0x7ada0003u);
    free(ids);
    free(sel);
}

static void test_keyed_small_and_stable(void **state)
{
    (void)state;
    size_t ids[500], sel[500], sel2[500];
    for (size_t i = 0; i < 500; i++) ids[i] = 499 - i; /* unsorted input */
    sg_error err = {0};
    assert_int_equal(sg_sample_keyed(3, 11, ids, 500, 50, sel, &err), SG_OK);
    check_smallest(ids, 500, sel, 50, 3, 11);
    /* an item kept from 500 is kept from any subset that still holds it among its 50 smallest:
     * here the first 300 ids (in another order) */
    size_t sub[300];
    for (size_t i = 0; i < 300; i++) sub[i] = i;
    assert_int_equal(sg_sample_keyed(3, 11, sub, 300, 50, sel2, &err), SG_OK);
    check_smallest(sub, 300, sel2, 50, 3, 11);
    for (size_t j = 0; j < 50; j++)
        if (sel[j] < 300) {
            int found = 0;
            for (size_t k = 0; k < 50; k++) found |= sel2[k] == sel[j];
            assert_true(found);
        }
    /* m >= n keeps everything, sorted */
    assert_int_equal(sg_sample_keyed(3, 11, ids, 500, 600, sel, &err), SG_OK);
    for (size_t j = 0; j < 500; j++) assert_int_equal(sel[j], j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyed_beyond_2_20),
        cmocka_unit_test(test_keyed_small_and_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
