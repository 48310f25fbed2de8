/* The incremental search state (docs/flowchronicle.md "Scaling"): KT counts updated by batches
 * equal a recount, the incrementally maintained cover equals the greedy cover recomputed from
 * scratch after every accepted pattern and every pruning, on random data, and the learnt model is
 * the same for 1 and 2 threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fc/fc_internal.h"

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng_state >> 33) % n);
}

/* KT of the records idx[0..k) of rec (m columns) counted from scratch */
static double kt_full(const sg_bn *bn, const uint32_t *rec, size_t m, const size_t *idx, size_t k)
{
    uint32_t *sub = malloc((k * m + 1) * sizeof *sub);
    for (size_t i = 0; i < k; i++) memcpy(sub + i * m, rec + idx[i] * m, m * sizeof *sub);
    sg_bn_data bd = {.x = sub, .nrows = k, .row_stride = m, .col_stride = 1};
    double v = sg_bn_kt_bits(bn, &bd);
    free(sub);
    return v;
}

static void test_kt_batches(void **st)
{
    (void)st;
    enum { N = 600, M = 5 };
    rng_state = 7;
    uint32_t *rec = malloc(N * M * sizeof *rec);
    for (size_t i = 0; i < N; i++) {
        uint32_t a = rnd(4), b = rnd(3);
        rec[i * M + 0] = a;
        rec[i * M + 1] = rnd(5) < 4 ? a : rnd(4); /* depends on column 0 */
        rec[i * M + 2] = b;
        rec[i * M + 3] = (a + b + rnd(2)) % 6;
        rec[i * M + 4] = rnd(40); /* many rare states: r changes often */
    }
    uint32_t card[M] = {4, 4, 3, 6, 40};
    sg_bn *bn = sg_bn_create(M, card, NULL);
    sg_bn_data all = {.x = rec, .nrows = N, .row_stride = M, .col_stride = 1};
    assert_int_equal(sg_bn_learn_structure(bn, &all, NULL, NULL), SG_OK);
    assert_true(sg_bn_nedges(bn) >= 1);
    fc_kt *k = fc_kt_create(bn);
    assert_non_null(k);
    uint8_t *in = calloc(N, 1);
    size_t *idx = malloc(N * sizeof *idx);
    uint32_t *add = malloc(N * M * sizeof *add), *rem = malloc(N * M * sizeof *rem);
    for (int step = 0; step < 60; step++) {
        size_t na = 0, nr = 0, want = 1 + rnd(step < 5 ? 200 : 30);
        uint8_t *picked = calloc(N, 1);
        for (size_t j = 0; j < want; j++) {
            size_t i = rnd(N);
            if (picked[i]) continue;
            picked[i] = 1;
            if (in[i]) {
                memcpy(rem + nr * M, rec + i * M, M * sizeof *rem);
                idx[N - 1 - nr++] = i;
            } else {
                memcpy(add + na * M, rec + i * M, M * sizeof *add);
                idx[na++] = i;
            }
        }
        free(picked);
        /* before: the current set */
        size_t *cur = malloc(N * sizeof *cur), nc = 0;
        for (size_t i = 0; i < N; i++)
            if (in[i]) cur[nc++] = i;
        double before = kt_full(bn, rec, M, cur, nc);
        assert_true(fabs(fc_kt_bits(k) - before) < 1e-6 * (1 + before));
        double pred = fc_kt_delta(k, add, na, rem, nr);
        for (size_t q = 0; q < na; q++) in[idx[q]] = 1;
        for (size_t q = 0; q < nr; q++) in[idx[N - 1 - q]] = 0;
        assert_int_equal(fc_kt_apply(k, add, na, rem, nr), SG_OK);
        nc = 0;
        for (size_t i = 0; i < N; i++)
            if (in[i]) cur[nc++] = i;
        double after = kt_full(bn, rec, M, cur, nc);
        assert_true(fabs((after - before) - pred) < 1e-6 * (1 + after));
        assert_true(fabs(fc_kt_bits(k) - after) < 1e-6 * (1 + after));
        assert_int_equal(fc_kt_records(k), nc);
        free(cur);
    }
    free(in);
    free(idx);
    free(add);
    free(rem);
    fc_kt_destroy(k);
    sg_bn_destroy(bn);
    free(rec);
}

/* random flows over small domains (so that many patterns overlap): proto, src, dst, port, flags */
static void build_random(fc_data *d, size_t n, uint64_t seed)
{
    static const char *protos[] = {"TCP", "UDP", "ICMP"};
    static const char *ips[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"};
    static const char *ports[] = {"53", "80", "443", "22", "8080", "123", "445"};
    static const char *flags[] = {"......", ".AP...", ".A..S.", ".AP.SF"};
    const char **pr = malloc(n * sizeof *pr), **sr = malloc(n * sizeof *sr), **ds = malloc(n * sizeof *ds),
               **po = malloc(n * sizeof *po), **fl = malloc(n * sizeof *fl);
    int64_t *t = malloc(n * sizeof *t);
    rng_state = seed;
    int64_t now = 0;
    for (size_t i = 0; i < n; i++) {
        /* a planted habit: a client asks DNS, then talks to a web server */
        if (i + 1 < n && rnd(4) == 0) {
            const char *c = ips[rnd(6)];
            pr[i] = "UDP", sr[i] = c, ds[i] = ips[9], po[i] = "53", fl[i] = "......";
            t[i] = now;
            now += 1 + rnd(3) * 10000;
            i++;
            pr[i] = "TCP", sr[i] = c, ds[i] = ips[6 + rnd(3)], po[i] = "443", fl[i] = ".AP.SF";
        } else {
            uint32_t p = rnd(3);
            pr[i] = protos[p], sr[i] = ips[rnd(10)], ds[i] = ips[rnd(10)];
            po[i] = ports[rnd(7)], fl[i] = flags[p == 0 ? rnd(4) : 0];
        }
        t[i] = now;
        now += 1 + rnd(5) * 10000;
    }
    fc_rawcol cols[5] = {
        {"proto", FC_ROLE_CAT, FC_F_PROTO, 0, pr, NULL},   {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0, sr, NULL},
        {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0, ds, NULL},  {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0, po, NULL},
        {"flags", FC_ROLE_CAT, FC_F_FLAGS, 0, fl, NULL},
    };
    sg_error err = {0};
    assert_int_equal(fc_data_build(d, cols, 5, n, t, &err), SG_OK);
    free(pr);
    free(sr);
    free(ds);
    free(po);
    free(fl);
    free(t);
}

/* a random candidate: 1-3 rows of fixed non-ip values, sometimes an address reused */
static void random_pattern(const fc_data *d, fc_pat *p)
{
    static const size_t nonip[] = {0, 3, 4};
    size_t L = 1 + rnd(3);
    fc_pat_init(p, d->C, L);
    for (size_t r = 0; r < L; r++) {
        size_t nf = 1 + rnd(2);
        for (size_t f = 0; f < nf; f++) {
            size_t c = nonip[rnd(3)];
            p->cell[r][c] = (fc_cell){FC_FIXED, {0}, rnd((uint32_t)d->col[c].ndom)};
        }
    }
    if (L > 1 && rnd(2)) {
        size_t c0 = 1 + rnd(2), c1 = 1 + rnd(2);
        p->cell[0][c0] = (fc_cell){FC_SET, {0}, 0};
        p->cell[1 + rnd((uint32_t)L - 1)][c1] = (fc_cell){FC_USE, {0}, 0};
    }
}

static void test_cover_equals_recompute(void **st)
{
    (void)st;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fc_data d;
        build_random(&d, 500, seed);
        sg_error err = {0};
        fc_search *s = fc_search_create(&d, 0, 0, &err);
        assert_non_null(s);
        assert_int_equal(fc_search_verify(s, NULL), 0);
        size_t accepted = 0, removed = 0;
        for (int it = 0; it < 150; it++) {
            fc_pat p;
            random_pattern(&d, &p);
            size_t before = fc_search_npatterns(s);
            double dc_pred = 0, pc = 0;
            double dc0 = fc_search_data_cost(s);
            int r = fc_search_try_add(s, &p, &dc_pred, &pc, NULL);
            assert_true(r >= 0);
            double full;
            assert_int_equal(fc_search_verify(s, &full), 0);
            if (r == 1) {
                accepted++;
                if (fc_search_npatterns(s) < before + 1) removed += before + 1 - fc_search_npatterns(s);
                /* accepted: the cost decreased by more than the pattern's cost */
                assert_true(dc_pred + pc < dc0);
            } else {
                assert_true(fabs(fc_search_data_cost(s) - dc0) < 1e-9);
            }
        }
        assert_true(accepted >= 5);
        (void)removed;
        fc_search_destroy(s);
        fc_data_free(&d);
    }
}

/* pruning through the incremental cover: a broad pattern displaced by a better one is removed and
 * the state still equals the recomputed cover */
static void test_cover_after_pruning(void **st)
{
    (void)st;
    size_t pruned_total = 0;
    for (uint64_t seed = 11; seed <= 20 && pruned_total == 0; seed++) {
        fc_data d;
        build_random(&d, 400, seed);
        fc_search *s = fc_search_create(&d, 0, 0, NULL);
        assert_non_null(s);
        sg_fc_learn_opts o;
        memset(&o, 0, sizeof o);
        sg_fc_learn_stats stats;
        sg_error err = {0};
        assert_int_equal(fc_search_run(s, &o, &stats, &err), SG_OK);
        assert_int_equal(fc_search_verify(s, NULL), 0);
        /* now remove coverage: add a sequence of very broad patterns and check after each */
        for (int it = 0; it < 40; it++) {
            fc_pat p;
            random_pattern(&d, &p);
            size_t before = fc_search_npatterns(s);
            int r = fc_search_try_add(s, &p, NULL, NULL, NULL);
            assert_true(r >= 0);
            if (r == 1 && fc_search_npatterns(s) <= before) pruned_total += before + 1 - fc_search_npatterns(s);
            assert_int_equal(fc_search_verify(s, NULL), 0);
        }
        fc_search_destroy(s);
        fc_data_free(&d);
    }
    assert_true(pruned_total > 0);
}

static void run_model(int threads, fc_data *d, unsigned char *keys, size_t *klen, double *total)
{
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
    fc_search *s = fc_search_create(d, 0, 0, NULL);
    assert_non_null(s);
    sg_fc_learn_opts o;
    memset(&o, 0, sizeof o);
    sg_fc_learn_stats stats;
    sg_error err = {0};
    assert_int_equal(fc_search_run(s, &o, &stats, &err), SG_OK);
    assert_int_equal(fc_search_verify(s, NULL), 0);
    *klen = 0;
    for (size_t q = 0; q < fc_search_npatterns(s); q++) *klen += fc_pat_key(&fc_search_pattern(s, q)->p, keys + *klen);
    *total = stats.total_bits;
    assert_true(fc_search_npatterns(s) >= 3);
    fc_search_destroy(s);
}

static void test_same_model_any_threads(void **st)
{
    (void)st;
    fc_data d;
    build_random(&d, 800, 5);
    static unsigned char k1[1 << 20], k2[1 << 20];
    size_t l1, l2;
    double t1, t2;
    run_model(1, &d, k1, &l1, &t1);
    run_model(2, &d, k2, &l2, &t2);
    assert_int_equal(l1, l2);
    assert_memory_equal(k1, k2, l1);
    assert_true(t1 == t2);
    fc_data_free(&d);
}

/* chunked search: slices searched apart, their patterns tried on the whole table; same model for
 * 1 and 2 threads, the incremental state equals a recount, and it compresses */
static void chunked_model(int threads, const fc_data *d, unsigned char *keys, size_t *klen, double *total, int sampled)
{
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
    fc_search *s = fc_search_create(d, 0, 0, NULL);
    assert_non_null(s);
    sg_fc_learn_opts o;
    memset(&o, 0, sizeof o);
    sg_fc_learn_stats stats;
    sg_error err = {0};
    if (!sampled) {
        assert_int_equal(fc_search_run_chunked(s, 400, &o, &stats, &err), SG_OK);
    } else {
        /* the sample: three blocks of 300 flows spread over the table */
        size_t rg[6] = {0, 300, 700, 1000, 1500, 1800};
        fc_data sd;
        assert_int_equal(fc_data_gather(d, rg, 3, &sd), SG_OK);
        assert_int_equal(sd.n, 900);
        for (size_t c = 0; c < d->C; c++) {
            assert_int_equal(sd.code[c][0], d->code[c][0]);
            assert_int_equal(sd.code[c][300], d->code[c][700]);
            assert_int_equal(sd.code[c][899], d->code[c][1799]);
        }
        fc_search *ss = fc_search_create(&sd, 0, 0, NULL);
        assert_non_null(ss);
        sg_fc_learn_stats sst;
        assert_int_equal(fc_search_run_chunked(ss, 300, &o, &sst, &err), SG_OK);
        assert_int_equal(fc_search_adopt(s, ss, 1024, &o, &stats, &err), SG_OK);
        /* only patterns with usage are kept; each covers flows of the whole table */
        assert_true(fc_search_npatterns(s) <= fc_search_npatterns(ss));
        for (size_t q = 0; q < fc_search_npatterns(s); q++) assert_true(fc_search_pattern(s, q)->acc.len > 0);
        fc_search_destroy(ss);
        fc_data_free(&sd);
    }
    assert_int_equal(fc_search_verify(s, NULL), 0);
    assert_true(stats.total_bits < stats.empty_total_bits);
    assert_true(fc_search_npatterns(s) >= 3);
    *klen = 0;
    for (size_t q = 0; q < fc_search_npatterns(s); q++) *klen += fc_pat_key(&fc_search_pattern(s, q)->p, keys + *klen);
    *total = stats.total_bits;
    /* the state keeps working: one more test after the chunked phase */
    fc_pat p;
    random_pattern(d, &p);
    assert_true(fc_search_try_add(s, &p, NULL, NULL, NULL) >= 0);
    assert_int_equal(fc_search_verify(s, NULL), 0);
    fc_search_destroy(s);
}

static void test_chunked_and_sampled(void **st)
{
    (void)st;
    fc_data d;
    build_random(&d, 2000, 9);
    static unsigned char k1[1 << 20], k2[1 << 20];
    for (int sampled = 0; sampled < 2; sampled++) {
        size_t l1, l2;
        double t1, t2;
        chunked_model(1, &d, k1, &l1, &t1, sampled);
        chunked_model(2, &d, k2, &l2, &t2, sampled);
        assert_int_equal(l1, l2);
        assert_memory_equal(k1, k2, l1);
        assert_true(t1 == t2);
    }
    fc_data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kt_batches),
        cmocka_unit_test(test_cover_equals_recompute),
        cmocka_unit_test(test_cover_after_pruning),
        cmocka_unit_test(test_same_model_any_threads),
        cmocka_unit_test(test_chunked_and_sampled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
