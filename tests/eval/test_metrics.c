/* eval metrics on tiny hand-computed cases and sanity cases (spec §11.14). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eval/eval_parts.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

static void set_row(sg_eval_cols *c, sg_eval_dict *d, size_t i, const char *proto, const char *src,
                    const char *dst, const char *port, const char *flags, double ib, double ob, double ip,
                    double op, double dur, int64_t t)
{
    const char *v[SG_EVAL_NDISC] = {proto, src, dst, port, flags};
    for (int k = 0; k < SG_EVAL_NDISC; k++) c->disc[k][i] = (uint32_t)sg_eval_dict_intern(d, k, v[k]);
    c->cont[SG_EC_IN_BYTES][i] = ib;
    c->cont[SG_EC_OUT_BYTES][i] = ob;
    c->cont[SG_EC_IN_PKTS][i] = ip;
    c->cont[SG_EC_OUT_PKTS][i] = op;
    c->cont[SG_EC_DURATION][i] = dur;
    c->time_us[i] = t;
}

/* a table with strong dependencies: port decides proto and destination, bytes = 100 x packets */
static void make_table(sg_eval_cols *c, sg_eval_dict *d, size_t n, uint64_t seed)
{
    assert_int_equal(sg_eval_cols_alloc(c, n), SG_OK);
    sg_rng r;
    for (size_t i = 0; i < n; i++) {
        sg_rng_init(&r, seed, 7, i);
        int kind = (int)sg_rng_below(&r, 3);
        char src[32];
        snprintf(src, sizeof src, "192.168.200.%u", (unsigned)sg_rng_below(&r, 20));
        double pk = 1 + (double)sg_rng_below(&r, 50);
        if (kind == 0)
            set_row(c, d, i, "UDP", src, "DNS", "53", "......", pk * 90, pk * 60, pk, pk, 0.01 * pk,
                    (int64_t)i * 1000000);
        else if (kind == 1)
            set_row(c, d, i, "TCP", src, "10.0.0.1", "443", ".AP.SF", pk * 900, pk * 100, pk, pk, 0.1 * pk,
                    (int64_t)i * 1000000);
        else
            set_row(c, d, i, "TCP", src, "192.168.100.5", "445", ".AP.S.", pk * 300, pk * 200, pk, pk, pk,
                    (int64_t)i * 1000000);
    }
}

static void test_js_distance(void **s)
{
    (void)s;
    double p[3] = {3, 1, 0}, q[3] = {1, 1, 2};
    NEAR(sg_eval_js_distance(p, q, 3), 0.488562, 1e-6);
    NEAR(sg_eval_js_distance(p, p, 3), 0.0, 1e-12);
    double z[3] = {0, 0, 0};
    assert_true(isnan(sg_eval_js_distance(p, z, 3)));
}

static void test_ecdf_and_emd(void **s)
{
    (void)s;
    double a[3] = {0.5, 0.75, 1.0}, b[3] = {0.25, 0.75, 1.0};
    NEAR(sg_eval_ecdf_distance(a, b, 3), 0.083333, 1e-6);
    /* real {0,1,2,3}: IQR 1.5, fd width 3 * 4^(-1/3) -> 2 bins [0,1.5) [1.5,3] */
    double real[4] = {0, 1, 2, 3}, gen[4] = {0, 0, 0, 3};
    double lo, hi;
    assert_int_equal(sg_eval_fd_bins(real, 4, &lo, &hi), 2);
    NEAR(lo, 0, 1e-12);
    NEAR(hi, 3, 1e-12);
    NEAR(sg_eval_emd_column(real, 4, gen, 4), 0.125, 1e-12);
    /* values outside the real range are ignored but still count in n_gen */
    double gen2[2] = {0, 10};
    NEAR(sg_eval_emd_column(real, 4, gen2, 2), 0.25, 1e-12);
    NEAR(sg_eval_emd_column(real, 4, real, 4), 0.0, 1e-12);
    /* constant real column: one bin of width 1 around the value */
    double cst[3] = {5, 5, 5}, g3[2] = {5, 7};
    assert_int_equal(sg_eval_fd_bins(cst, 3, &lo, &hi), 1);
    NEAR(sg_eval_emd_column(cst, 3, g3, 2), 0.5, 1e-12);
}

static void test_identical_tables(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols t;
    make_table(&t, d, 300, 1);
    double col[5];
    NEAR(sg_eval_emd(&t, NULL, t.n, &t, NULL, t.n, col), 0.0, 1e-12);
    NEAR(sg_eval_jsd(&t, NULL, t.n, &t, NULL, t.n, col), 0.0, 1e-12);
    NEAR(sg_eval_pcd(&t, NULL, t.n, &t, NULL, t.n, NULL, NULL), 0.0, 1e-12);
    double cmd, den, cov;
    sg_error err = {0};
    assert_int_equal(sg_eval_cmd(&t, NULL, t.n, &t, NULL, t.n, &cmd, &err), SG_OK);
    NEAR(cmd, 0.0, 1e-12);
    assert_int_equal(sg_eval_prdc(&t, NULL, t.n, &t, NULL, t.n, 5, &den, &cov, &err), SG_OK);
    /* against itself: a row is covered iff its radius is > 0 (itself at distance 0) */
    assert_true(cov > 0.99);
    assert_true(den > 0.8 && den < 1.3);
    sg_eval_cols_free(&t);
    sg_eval_dict_destroy(d);
}

static void test_shuffled_columns_worse(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols a, b, sh;
    make_table(&a, d, 2000, 1);
    make_table(&b, d, 2000, 2); /* same process, other draw */
    make_table(&sh, d, 2000, 2);
    /* shuffle every column independently: marginals kept, dependencies destroyed */
    for (int c = 0; c < SG_EVAL_NCONT + SG_EVAL_NDISC; c++) {
        sg_rng r;
        sg_rng_init(&r, 99, 100 + (uint32_t)c, 0);
        for (size_t i = sh.n - 1; i > 0; i--) {
            size_t j = (size_t)sg_rng_below(&r, i + 1);
            if (c < SG_EVAL_NCONT) {
                double t = sh.cont[c][i];
                sh.cont[c][i] = sh.cont[c][j];
                sh.cont[c][j] = t;
            } else {
                uint32_t t = sh.disc[c - SG_EVAL_NCONT][i];
                sh.disc[c - SG_EVAL_NCONT][i] = sh.disc[c - SG_EVAL_NCONT][j];
                sh.disc[c - SG_EVAL_NCONT][j] = t;
            }
        }
    }
    sg_error err = {0};
    double cmd_same, cmd_sh, den1, cov1, den2, cov2;
    assert_int_equal(sg_eval_cmd(&a, NULL, a.n, &b, NULL, b.n, &cmd_same, &err), SG_OK);
    assert_int_equal(sg_eval_cmd(&a, NULL, a.n, &sh, NULL, sh.n, &cmd_sh, &err), SG_OK);
    double pcd_same = sg_eval_pcd(&a, NULL, a.n, &b, NULL, b.n, NULL, NULL);
    double pcd_sh = sg_eval_pcd(&a, NULL, a.n, &sh, NULL, sh.n, NULL, NULL);
    assert_true(cmd_sh > 3 * cmd_same && cmd_sh > 0.05);
    assert_true(pcd_sh > 5 * pcd_same && pcd_sh > 1.0);
    /* marginals are unchanged: EMD and JSD are as for an independent draw */
    NEAR(sg_eval_jsd(&a, NULL, a.n, &sh, NULL, sh.n, NULL), sg_eval_jsd(&a, NULL, a.n, &b, NULL, b.n, NULL), 1e-9);
    assert_int_equal(sg_eval_prdc(&a, NULL, a.n, &b, NULL, b.n, 5, &den1, &cov1, &err), SG_OK);
    assert_int_equal(sg_eval_prdc(&a, NULL, a.n, &sh, NULL, sh.n, 5, &den2, &cov2, &err), SG_OK);
    assert_true(den2 < den1 && cov2 < cov1);
    sg_eval_cols_free(&a);
    sg_eval_cols_free(&b);
    sg_eval_cols_free(&sh);
    sg_eval_dict_destroy(d);
}

static void test_pcd_hand(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols r, g;
    assert_int_equal(sg_eval_cols_alloc(&r, 4), SG_OK);
    assert_int_equal(sg_eval_cols_alloc(&g, 4), SG_OK);
    for (size_t i = 0; i < 4; i++) {
        double k = (double)i + 1;
        set_row(&r, d, i, "TCP", "a", "b", "80", "......", 0, 10 * k, 0, k, 1, 0);
        set_row(&g, d, i, "TCP", "a", "b", "80", "......", 0, 10 * k, 0, 5 - k, 1, 0);
    }
    double cr[25], cg[25];
    /* real: Out Byte ~ Out Packet (+1), synthetic: -1; constant columns -> 0 */
    NEAR(sg_eval_pcd(&r, NULL, 4, &g, NULL, 4, cr, cg), sqrt(8.0), 1e-9);
    NEAR(cr[SG_EC_OUT_BYTES * 5 + SG_EC_OUT_PKTS], 1.0, 1e-12);
    NEAR(cg[SG_EC_OUT_BYTES * 5 + SG_EC_OUT_PKTS], -1.0, 1e-12);
    NEAR(cr[SG_EC_IN_BYTES * 5 + SG_EC_IN_BYTES], 0.0, 1e-12);
    sg_eval_cols_free(&r);
    sg_eval_cols_free(&g);
    sg_eval_dict_destroy(d);
}

static void test_cmd_hand(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols r, g;
    assert_int_equal(sg_eval_cols_alloc(&r, 2), SG_OK);
    assert_int_equal(sg_eval_cols_alloc(&g, 2), SG_OK);
    set_row(&r, d, 0, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 0);
    set_row(&r, d, 1, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 0);
    set_row(&g, d, 0, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 0);
    set_row(&g, d, 1, "UDP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 0);
    double cmd;
    sg_error err = {0};
    assert_int_equal(sg_eval_cmd(&r, NULL, 2, &g, NULL, 2, &cmd, &err), SG_OK);
    /* 4 of the 10 pairs involve Proto: each sqrt(0.5^2 + 0.5^2); the 6 others 0 */
    NEAR(cmd, 4 * sqrt(0.5) / 10, 1e-12);
    /* JSD: Proto column (1,0) vs (.5,.5), others 0 */
    double col[5];
    double p[2] = {2, 0}, q[2] = {1, 1};
    NEAR(sg_eval_jsd(&r, NULL, 2, &g, NULL, 2, col), sg_eval_js_distance(p, q, 2) / 5, 1e-12);
    assert_int_equal(sg_eval_cmd(&r, NULL, 0, &g, NULL, 2, &cmd, &err), SG_ERR_EMPTY);
    sg_eval_cols_free(&r);
    sg_eval_cols_free(&g);
    sg_eval_dict_destroy(d);
}

static void test_prdc_hand(void **s)
{
    (void)s;
    /* 40 real points on the time axis (1 s apart, numeric after scaling), all else equal; k = 1:
     * every radius is 1 step. Generated: 0 s (one real inside), 0.5 s (two), 39 s (one). */
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols r, g;
    assert_int_equal(sg_eval_cols_alloc(&r, 40), SG_OK);
    assert_int_equal(sg_eval_cols_alloc(&g, 3), SG_OK);
    for (size_t i = 0; i < 40; i++) set_row(&r, d, i, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, (int64_t)i * 1000000);
    set_row(&g, d, 0, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 0);
    set_row(&g, d, 1, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 500000);
    set_row(&g, d, 2, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 39000000);
    double den, cov;
    sg_error err = {0};
    assert_int_equal(sg_eval_prdc(&r, NULL, 40, &g, NULL, 3, 1, &den, &cov, &err), SG_OK);
    NEAR(den, 4.0 / 3.0, 1e-12);
    NEAR(cov, 3.0 / 40.0, 1e-12);
    /* a categorical difference (distance sqrt 2) is outside every radius */
    set_row(&g, d, 1, "UDP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 500000);
    assert_int_equal(sg_eval_prdc(&r, NULL, 40, &g, NULL, 3, 1, &den, &cov, &err), SG_OK);
    NEAR(den, 2.0 / 3.0, 1e-12);
    /* duplicates: radius 0, never covered */
    sg_eval_cols dup;
    assert_int_equal(sg_eval_cols_alloc(&dup, 10), SG_OK);
    for (size_t i = 0; i < 10; i++) set_row(&dup, d, i, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 0);
    assert_int_equal(sg_eval_prdc(&dup, NULL, 10, &dup, NULL, 10, 5, &den, &cov, &err), SG_OK);
    NEAR(cov, 0.0, 1e-12);
    NEAR(den, 0.0, 1e-12);
    /* too few real points: undefined */
    assert_int_equal(sg_eval_prdc(&dup, NULL, 5, &dup, NULL, 10, 5, &den, &cov, &err), SG_OK);
    assert_true(isnan(den) && isnan(cov));
    assert_int_equal(sg_eval_prdc(&dup, NULL, 10, &dup, NULL, 10, 0, &den, &cov, &err), SG_ERR_INVALID);
    sg_eval_cols_free(&dup);
    sg_eval_cols_free(&r);
    sg_eval_cols_free(&g);
    sg_eval_dict_destroy(d);
}

static void test_prdc_threads(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols a, b;
    make_table(&a, d, 1500, 3);
    make_table(&b, d, 1200, 4);
    sg_error err = {0};
    double d1, c1, d2, c2;
    sg_threads_set(1);
    assert_int_equal(sg_eval_prdc(&a, NULL, a.n, &b, NULL, b.n, 5, &d1, &c1, &err), SG_OK);
    sg_threads_set(2);
    assert_int_equal(sg_eval_prdc(&a, NULL, a.n, &b, NULL, b.n, 5, &d2, &c2, &err), SG_OK);
    assert_true(d1 == d2 && c1 == c2);
    sg_eval_cols_free(&a);
    sg_eval_cols_free(&b);
    sg_eval_dict_destroy(d);
}

static void test_dkc(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols g;
    assert_int_equal(sg_eval_cols_alloc(&g, 4), SG_OK);
    /* spec: {TCP, Dst Pt 53, Dst IP DNS, ...} violates rule 1 only */
    set_row(&g, d, 0, "TCP", "192.168.200.4", "DNS", "53", ".AP.S.", 0, 100, 0, 2, 0.5, 0);
    assert_int_equal(sg_eval_dkc_row(&g, d, 0, NULL), 1u << 0);
    NEAR(sg_eval_dkc(&g, d, NULL, 1, NULL, NULL), 0.05, 1e-12);
    /* UDP with flags to 443, 1 packet of 30 bytes lasting 2 s: rules 2, 14, 16, 21 */
    set_row(&g, d, 1, "UDP", "192.168.200.4", "10.1.1.1", "443", ".A....", 0, 30, 0, 1, 2, 0);
    assert_int_equal(sg_eval_dkc_row(&g, d, 1, NULL), 1u << 1 | 1u << 13 | 1u << 15 | 1u << 20);
    /* ICMP, Dst Pt 0: rule 3 (paper), 4, 5; corrected rule 3 excludes ICMP */
    set_row(&g, d, 2, "ICMP", "a", "b", "0", "......", 0, 84, 0, 1, 0, 0);
    assert_int_equal(sg_eval_dkc_row(&g, d, 2, NULL), 1u << 2 | 1u << 3 | 1u << 4);
    sg_eval_dkc_opts corr = {1, NULL, NULL};
    assert_int_equal(sg_eval_dkc_row(&g, d, 2, &corr), 1u << 3 | 1u << 4);
    /* NetBIOS to a unicast address with answers, mDNS to another group, negative duration */
    set_row(&g, d, 3, "UDP", "a", "192.168.100.3", "137", "......", 100, 100, 1, 1, -1, 0);
    assert_int_equal(sg_eval_dkc_row(&g, d, 3, NULL), 1u << 6 | 1u << 7 | 1u << 8 | 1u << 18);
    double frac[SG_EVAL_NDKC];
    NEAR(sg_eval_dkc(&g, d, NULL, 4, NULL, frac), (1 + 4 + 3 + 4) / 4.0 / 20.0, 1e-12);
    NEAR(frac[0], 0.25, 1e-12);
    /* configurable DNS address */
    sg_eval_dkc_opts o = {0, "10.0.0.53", NULL};
    assert_int_equal(sg_eval_dkc_row(&g, d, 0, &o), 1u << 0 | 1u << 11);
    sg_eval_cols_free(&g);
    sg_eval_dict_destroy(d);
}

static void test_md(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols mem, non, indep;
    make_table(&mem, d, 500, 10);
    make_table(&non, d, 500, 11);
    make_table(&indep, d, 500, 12);
    for (size_t i = 0; i < 500; i++) non.time_us[i] += 1000000000LL; /* no non-member equals a member */
    for (size_t i = 0; i < 500; i++) indep.time_us[i] += 2000000000LL;
    double md_copy = sg_eval_md(&mem, NULL, 500, &non, NULL, 500, &mem, NULL, 500);
    double md_ind = sg_eval_md(&mem, NULL, 500, &non, NULL, 500, &indep, NULL, 500);
    /* copy: F1 = 1 at r = 0; at large r everyone is predicted: F1 = 2/3 */
    assert_true(md_copy >= 1.0 + 2.0 / 3.0);
    assert_true(!isnan(md_ind));
    assert_true(md_copy > md_ind + 1.0);
    /* one member, one non-member, one generated row equal to the member: r = 0 -> F1 1; from the
     * threshold where the non-member (differs in 11/11 columns only at r = 1) ... */
    sg_eval_cols a, b;
    assert_int_equal(sg_eval_cols_alloc(&a, 1), SG_OK);
    assert_int_equal(sg_eval_cols_alloc(&b, 1), SG_OK);
    set_row(&a, d, 0, "TCP", "m", "n", "80", "......", 1, 2, 3, 4, 5, 6);
    set_row(&b, d, 0, "UDP", "x", "y", "81", ".A....", 7, 8, 9, 10, 11, 12);
    /* thresholds 0..13/14 predict only the member (F1 1), r = 1 predicts both (a 1, b .5: 2/3) */
    NEAR(sg_eval_md(&a, NULL, 1, &b, NULL, 1, &a, NULL, 1), 14.0 + 2.0 / 3.0, 1e-12);
    /* generated = non-member: every threshold before 1 predicts only the non-member -> NaN */
    assert_true(isnan(sg_eval_md(&a, NULL, 1, &b, NULL, 1, &b, NULL, 1)));
    sg_eval_cols_free(&a);
    sg_eval_cols_free(&b);
    sg_eval_cols_free(&mem);
    sg_eval_cols_free(&non);
    sg_eval_cols_free(&indep);
    sg_eval_dict_destroy(d);
}

static void test_temporal(void **s)
{
    (void)s;
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols r, g;
    assert_int_equal(sg_eval_cols_alloc(&r, 4), SG_OK);
    assert_int_equal(sg_eval_cols_alloc(&g, 4), SG_OK);
    const int64_t H = 3600000000LL;
    for (size_t i = 0; i < 4; i++) {
        set_row(&r, d, i, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, (int64_t)i * 1000000);
        set_row(&g, d, i, "TCP", "a", "b", "80", "......", 0, 1, 0, 1, 1, 2 * H + (int64_t)i * 2000000);
    }
    NEAR(sg_eval_fph_distance(&r, &r), 0.0, 1e-12);
    NEAR(sg_eval_fph_distance(&r, &g), 2.0, 1e-12); /* all mass moves 2 hours */
    NEAR(sg_eval_iat_ks(&r, &r), 0.0, 1e-12);
    NEAR(sg_eval_iat_ks(&r, &g), 1.0, 1e-12); /* gaps 1 s vs 2 s */
    sg_eval_cols one;
    assert_int_equal(sg_eval_cols_alloc(&one, 1), SG_OK);
    assert_true(isnan(sg_eval_iat_ks(&r, &one)));
    sg_eval_cols_free(&one);
    sg_eval_cols_free(&r);
    sg_eval_cols_free(&g);
    sg_eval_dict_destroy(d);
}

static void test_acf(void **s)
{
    (void)s;
    double x[4] = {1, 2, 3, 4}, rho[4];
    assert_int_equal(sg_eval_acf(x, 4, rho), SG_OK);
    NEAR(rho[0], 1, 1e-12);
    NEAR(rho[1], 0.25, 1e-12);
    NEAR(rho[2], -0.3, 1e-12);
    NEAR(rho[3], -0.45, 1e-12);
    double c[3] = {2, 2, 2};
    assert_int_equal(sg_eval_acf(c, 3, rho), SG_OK);
    assert_true(isnan(rho[0]));
    /* both computation paths (sparse pair sums, FFT) against the direct definition */
    for (int dense = 0; dense < 2; dense++) {
        enum { M = 3000 };
        static double z[M], got[M];
        sg_rng rr;
        for (int i = 0; i < M; i++) {
            sg_rng_init(&rr, 9, 9, (uint64_t)i);
            z[i] = (dense || sg_rng_below(&rr, 100) == 0) ? (double)(1 + sg_rng_below(&rr, 1000)) : 0;
        }
        assert_int_equal(sg_eval_acf(z, M, got), SG_OK);
        double mu = 0, c0 = 0;
        for (int i = 0; i < M; i++) mu += z[i] / M;
        for (int i = 0; i < M; i++) c0 += (z[i] - mu) * (z[i] - mu);
        for (int k = 0; k < M; k += 7) {
            double ck = 0;
            for (int i = 0; i + k < M; i++) ck += (z[i] - mu) * (z[i + k] - mu);
            NEAR(got[k], ck / c0, 1e-9);
        }
    }
    /* a period-10 series against itself and against a shuffled copy */
    enum { N = 400 };
    double p[N], q[N];
    for (int i = 0; i < N; i++) p[i] = q[i] = (i % 10 < 3) ? 10 : 0;
    NEAR(sg_eval_acf_distance(p, p, N), 0, 1e-12);
    sg_rng r;
    sg_rng_init(&r, 1, 2, 3);
    for (int i = N - 1; i > 0; i--) {
        int j = (int)sg_rng_below(&r, (uint64_t)i + 1);
        double t = q[i];
        q[i] = q[j];
        q[j] = t;
    }
    assert_true(sg_eval_acf_distance(p, q, N) > 0.03); /* measured 0.057 */
    double sh[N];
    for (int i = 0; i < N; i++) sh[i] = p[(i + 3) % N]; /* same rhythm, other phase: ~0 */
    assert_true(sg_eval_acf_distance(p, sh, N) < 0.001);
    /* tables: per-second sums over the common seconds */
    sg_eval_dict *d = sg_eval_dict_create();
    sg_eval_cols a;
    assert_int_equal(sg_eval_cols_alloc(&a, N), SG_OK);
    for (size_t i = 0; i < N; i++)
        set_row(&a, d, i, "TCP", "a", "b", "80", "......", 0, (double)(i % 7), 0, 1, 1, (int64_t)i * 1000000);
    double col[5];
    NEAR(sg_eval_acf_diff(&a, &a, col), 0, 1e-12);
    assert_true(isnan(col[SG_EC_IN_BYTES])); /* constant column: undefined, left out of the mean */
    sg_eval_cols_free(&a);
    sg_eval_dict_destroy(d);
}

static void flows(sg_flow_table *t, size_t n, uint64_t seed, sg_flow_format fmt)
{
    sg_flow_table_init(t);
    t->format = fmt;
    sg_rng r;
    for (size_t i = 0; i < n; i++) {
        sg_rng_init(&r, seed, 1, i);
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491350400000000LL + (int64_t)i * 60000000LL + (int64_t)seed * 7000000LL;
        f.duration_us = (int64_t)sg_rng_below(&r, 5000000);
        f.proto = sg_rng_below(&r, 4) ? SG_PROTO_TCP : SG_PROTO_UDP;
        f.dst_port = f.proto == SG_PROTO_TCP ? 443 : 53;
        f.flags = f.proto == SG_PROTO_TCP ? (SG_TCP_ACK | SG_TCP_PSH) : 0;
        snprintf(f.src_ip, sizeof f.src_ip, "192.168.200.%u", (unsigned)sg_rng_below(&r, 30));
        snprintf(f.dst_ip, sizeof f.dst_ip, "%s", f.proto == SG_PROTO_TCP ? "10.0.0.1" : "DNS");
        f.fwd_packets = 1 + sg_rng_below(&r, 20);
        f.fwd_bytes = f.fwd_packets * (60 + sg_rng_below(&r, 1000));
        f.bwd_packets = f.fwd_packets;
        f.bwd_bytes = f.bwd_packets * 500;
        assert_int_equal(sg_flow_table_push(t, &f), SG_OK);
    }
}

static void test_protocol(void **s)
{
    (void)s;
    sg_flow_table real, syn, train, hold;
    flows(&real, 300, 1, SG_FMT_NATIVE);
    flows(&train, 300, 3, SG_FMT_NATIVE);
    flows(&syn, 250, 3, SG_FMT_NATIVE); /* near-copies of training rows: MD well defined */
    for (size_t i = 0; i < syn.n; i++) syn.flows[i].duration_us += 1;
    flows(&hold, 0, 4, SG_FMT_NATIVE);
    sg_eval_opts o;
    sg_eval_opts_default(&o);
    o.repetitions = 3;
    sg_eval *e = NULL;
    sg_error err = {0};
    assert_int_equal(sg_eval_create(&e, &real, &syn, &train, NULL, &o, &err), SG_OK);
    assert_int_equal(sg_eval_run(e, &err), SG_OK);
    const sg_eval_result *r = sg_eval_get_result(e);
    assert_int_equal(r->reps_computed, 1); /* whole tables: sample metrics computed once */
    assert_false(r->folded);
    assert_true(!isnan(r->md) && r->md >= 0 && r->md <= 15);
    assert_true(r->density > 0 && r->coverage > 0 && r->cmd > 0 && r->emd > 0);
    double md1 = r->md, den1 = r->density;
    sg_eval_destroy(e);
    /* subsampled: every repetition recomputed; seed-determinism */
    o.sample_size = 100;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(sg_eval_create(&e, &real, &syn, &train, NULL, &o, &err), SG_OK);
        assert_int_equal(sg_eval_run(e, &err), SG_OK);
        r = sg_eval_get_result(e);
        assert_int_equal(r->reps_computed, 3);
        if (k == 0) md1 = r->md, den1 = r->density;
        else assert_true(md1 == r->md && den1 == r->density);
        sg_eval_destroy(e);
    }
    /* no train: MD is NaN; unidirectional layout folds counters */
    syn.format = SG_FMT_CIDDS;
    assert_int_equal(sg_eval_create(&e, &real, &syn, NULL, NULL, &o, &err), SG_OK);
    assert_int_equal(sg_eval_run(e, &err), SG_OK);
    assert_true(isnan(sg_eval_get_result(e)->md));
    assert_true(sg_eval_get_result(e)->folded);
    sg_eval_destroy(e);
    /* errors */
    assert_int_equal(sg_eval_create(&e, &hold, &syn, NULL, NULL, &o, &err), SG_ERR_EMPTY);
    assert_non_null(strstr(err.msg, "real"));
    assert_int_equal(sg_eval_create(&e, &real, &hold, NULL, NULL, &o, &err), SG_ERR_EMPTY);
    assert_int_equal(sg_eval_create(&e, &real, &syn, &hold, NULL, &o, &err), SG_ERR_EMPTY);
    assert_int_equal(sg_eval_create(&e, &real, &syn, NULL, &train, &o, &err), SG_ERR_INVALID);
    o.k = 0;
    assert_int_equal(sg_eval_create(&e, &real, &syn, NULL, NULL, &o, &err), SG_ERR_INVALID);
    assert_null(e);
    (void)r;
    sg_flow_table_free(&real);
    sg_flow_table_free(&syn);
    sg_flow_table_free(&train);
    sg_flow_table_free(&hold);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_js_distance),   cmocka_unit_test(test_ecdf_and_emd),
        cmocka_unit_test(test_identical_tables), cmocka_unit_test(test_shuffled_columns_worse),
        cmocka_unit_test(test_pcd_hand),      cmocka_unit_test(test_cmd_hand),
        cmocka_unit_test(test_prdc_hand),     cmocka_unit_test(test_prdc_threads),
        cmocka_unit_test(test_dkc),           cmocka_unit_test(test_md),
        cmocka_unit_test(test_temporal),      cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_acf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
