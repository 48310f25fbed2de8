/* Baselines (IndependentBN, SequenceBN) and the spec §1.3 binning they use. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secgen/eval.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

static void test_bins(void **s)
{
    (void)s;
    double x[102];
    x[0] = x[1] = 0;
    for (int i = 1; i <= 100; i++) x[i + 1] = i;
    sg_eval_bins b;
    sg_error err = {0};
    assert_int_equal(sg_eval_bins_fit(x, 102, 40, &b, &err), SG_OK);
    assert_int_equal(b.nedges, 41);
    NEAR(b.edges[0], 1, 1e-12);
    NEAR(b.edges[1], 3.475, 1e-12); /* numpy.quantile(1..100, 1/40) */
    NEAR(b.edges[40], 100, 1e-12);
    assert_int_equal(sg_eval_bins_code(&b, 0), 0);
    assert_int_equal(sg_eval_bins_code(&b, 1), 1);
    assert_int_equal(sg_eval_bins_code(&b, 3), 1);
    assert_int_equal(sg_eval_bins_code(&b, 4), 2);
    assert_int_equal(sg_eval_bins_code(&b, 100), 40);
    sg_rng r;
    for (uint32_t k = 1; k <= 40; k++) {
        sg_rng_init(&r, 1, 2, k);
        double v = sg_eval_bins_sample(&b, k, &r);
        assert_true(v > b.edges[k - 1] && v < b.edges[k]);
    }
    assert_true(sg_eval_bins_sample(&b, 0, &r) == 0);
    sg_eval_bins_free(&b);
    /* duplicate edges are dropped */
    double d[5] = {5, 5, 5, 5, 7};
    assert_int_equal(sg_eval_bins_fit(d, 5, 40, &b, &err), SG_OK);
    assert_true(b.nedges < 41 && b.nedges >= 2);
    NEAR(b.edges[0], 5, 1e-12);
    NEAR(b.edges[b.nedges - 1], 7, 1e-12);
    for (size_t k = 1; k < b.nedges; k++) assert_true(b.edges[k] > b.edges[k - 1]);
    assert_int_equal(sg_eval_bins_code(&b, 5), 1);
    sg_eval_bins_free(&b);
    /* a single distinct value */
    double one[2] = {3, 3};
    assert_int_equal(sg_eval_bins_fit(one, 2, 40, &b, &err), SG_OK);
    assert_int_equal(sg_eval_bins_code(&b, 3), 1);
    NEAR(sg_eval_bins_sample(&b, 1, &r), 3, 1e-12);
    sg_eval_bins_free(&b);
    /* only zeros: no edges, everything bin 0 */
    double z[3] = {0, 0, 0};
    assert_int_equal(sg_eval_bins_fit(z, 3, 40, &b, &err), SG_OK);
    assert_int_equal(b.nedges, 0);
    assert_int_equal(sg_eval_bins_code(&b, 0), 0);
    sg_eval_bins_free(&b);
    assert_int_equal(sg_eval_bins_fit(z, 3, 0, &b, &err), SG_ERR_INVALID);
}

/* host h asks DNS (UDP/53), then connects with HTTPS (TCP/443); strictly alternating */
static void training(sg_flow_table *t, size_t n)
{
    sg_flow_table_init(t);
    t->format = SG_FMT_NATIVE;
    for (size_t i = 0; i < n; i++) {
        sg_rng r;
        sg_rng_init(&r, 5, 1, i);
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491350400000000LL + (int64_t)i * 2000000 + (int64_t)sg_rng_below(&r, 100000);
        snprintf(f.src_ip, sizeof f.src_ip, "192.168.200.%u", (unsigned)(i / 2 % 10));
        f.src_port = 50000;
        if (i % 2 == 0) {
            f.proto = SG_PROTO_UDP;
            f.dst_port = 53;
            snprintf(f.dst_ip, sizeof f.dst_ip, "DNS");
            f.fwd_packets = f.bwd_packets = 1;
            f.fwd_bytes = 60 + sg_rng_below(&r, 20);
            f.bwd_bytes = 120 + sg_rng_below(&r, 80);
            f.duration_us = 1000 + (int64_t)sg_rng_below(&r, 5000);
        } else {
            f.proto = SG_PROTO_TCP;
            f.dst_port = 443;
            f.flags = SG_TCP_ACK | SG_TCP_PSH | SG_TCP_SYN | SG_TCP_FIN;
            snprintf(f.dst_ip, sizeof f.dst_ip, "10.0.0.%u", (unsigned)sg_rng_below(&r, 3));
            f.fwd_packets = 5 + sg_rng_below(&r, 20);
            f.fwd_bytes = f.fwd_packets * (80 + sg_rng_below(&r, 100));
            f.bwd_packets = 5 + sg_rng_below(&r, 30);
            f.bwd_bytes = f.bwd_packets * (500 + sg_rng_below(&r, 900));
            f.duration_us = 100000 + (int64_t)sg_rng_below(&r, 3000000);
        }
        assert_int_equal(sg_flow_table_push(t, &f), SG_OK);
    }
}

static double alternation(const sg_flow_table *g)
{
    size_t alt = 0;
    for (size_t i = 1; i < g->n; i++) alt += (g->flows[i].dst_port == 53) != (g->flows[i - 1].dst_port == 53);
    return (double)alt / (double)(g->n - 1);
}

static void check_plausible(const sg_flow_table *g, size_t n)
{
    assert_int_equal(g->n, n);
    size_t bad = 0;
    for (size_t i = 0; i < g->n; i++) {
        const sg_flow *f = &g->flows[i];
        if (i) assert_true(f->start_us >= g->flows[i - 1].start_us);
        assert_true(f->src_port >= 49152);
        /* the BN must have learnt proto <-> port <-> destination */
        bad += (f->proto == SG_PROTO_UDP) != (f->dst_port == 53);
        bad += (f->dst_port == 53) != (strcmp(f->dst_ip, "DNS") == 0);
    }
    assert_true(bad < n / 20); /* K2 smoothing leaves a little mass on unseen combinations */
}

static void test_independent_bn(void **s)
{
    (void)s;
    sg_flow_table t, g, g2;
    training(&t, 600);
    sg_baseline_opts o;
    sg_baseline_opts_default(&o);
    o.n = 800;
    o.seed = 7;
    sg_error err = {0};
    sg_flow_table_init(&g);
    sg_flow_table_init(&g2);
    assert_int_equal(sg_baseline_generate(&t, &o, &g, &err), SG_OK);
    check_plausible(&g, 800);
    /* flows are independent: no alternation beyond chance */
    assert_true(fabs(alternation(&g) - 0.5) < 0.1);
    /* timestamps within the training span (+- a few 10 ms) */
    assert_true(g.flows[0].start_us > t.flows[0].start_us - 100000);
    assert_true(g.flows[g.n - 1].start_us < t.flows[t.n - 1].start_us + 100000);
    /* deterministic */
    assert_int_equal(sg_baseline_generate(&t, &o, &g2, &err), SG_OK);
    assert_memory_equal(g.flows, g2.flows, g.n * sizeof *g.flows);
    sg_flow_table_free(&g2);
    sg_flow_table_init(&g2);
    o.seed = 8;
    assert_int_equal(sg_baseline_generate(&t, &o, &g2, &err), SG_OK);
    assert_true(memcmp(g.flows, g2.flows, g.n * sizeof *g.flows) != 0);
    sg_flow_table_free(&g);
    sg_flow_table_free(&g2);
    sg_flow_table_free(&t);
}

static void test_sequence_bn(void **s)
{
    (void)s;
    sg_flow_table t, g, g2;
    training(&t, 400);
    sg_baseline_opts o;
    sg_baseline_opts_default(&o);
    o.kind = SG_BASELINE_SEQUENCE_BN;
    o.n = 500;
    sg_error err = {0};
    sg_flow_table_init(&g);
    sg_flow_table_init(&g2);
    assert_int_equal(sg_baseline_generate(&t, &o, &g, &err), SG_OK);
    check_plausible(&g, 500);
    /* the window model reproduces the DNS -> HTTPS alternation far better than independent
     * flows (~0.5). Not perfectly: BIC ties between the slices of a period-2 process go to the
     * lowest variable index (slice 0, four flows back), so a rare smoothed draw shifts the phase
     * of one residue class mod 4 for good. */
    assert_true(alternation(&g) > 0.6);
    /* gaps are about 2 s as in training */
    double span = (double)(g.flows[g.n - 1].start_us - g.flows[0].start_us) / 1e6 / (double)(g.n - 1);
    assert_true(span > 1.5 && span < 2.5);
    assert_int_equal(sg_baseline_generate(&t, &o, &g2, &err), SG_OK);
    assert_memory_equal(g.flows, g2.flows, g.n * sizeof *g.flows);
    sg_flow_table_free(&g);
    sg_flow_table_free(&g2);
    /* errors */
    sg_flow_table small, empty;
    training(&small, 3);
    sg_flow_table_init(&empty);
    sg_flow_table_init(&g);
    assert_int_equal(sg_baseline_generate(&small, &o, &g, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "at least"));
    assert_int_equal(sg_baseline_generate(&empty, &o, &g, &err), SG_ERR_EMPTY);
    o.window = 1;
    assert_int_equal(sg_baseline_generate(&t, &o, &g, &err), SG_ERR_INVALID);
    assert_int_equal(g.n, 0);
    sg_flow_table_free(&g);
    sg_flow_table_free(&small);
    sg_flow_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bins),
        cmocka_unit_test(test_independent_bn),
        cmocka_unit_test(test_sequence_bn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
