/* eval realism findings: the noise-aware verdict helpers on hand-computed cases, and the
 * findings on real data — a planted heavy tail (the old generator's un-binning: the top packet
 * bin (20, 174218] drawn uniformly) must fail while a held-out real half passes; a burst (all
 * flows within 0.07 s) must fail; containment in a network config counts each broken rule. */
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
#include "secgen/netcfg.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))
#define CIDDS SG_TEST_SHARED "/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"

static void test_helpers(void **s)
{
    (void)s;
    double g;
    /* overlapping bands: consistent whatever the point values */
    assert_int_equal(sg_eval_band_verdict(10, 100, 50, 500, 1, 1.5, 2, &g), SG_EVAL_OK);
    NEAR(g, 1, 1e-12);
    /* synthetic band above: gap = 30 / 20 = 1.5 (ok), 35 / 20 (warn), 45 / 20 (fail) */
    assert_int_equal(sg_eval_band_verdict(10, 20, 30, 40, 1, 1.5, 2, &g), SG_EVAL_OK);
    NEAR(g, 1.5, 1e-12);
    assert_int_equal(sg_eval_band_verdict(10, 20, 35, 40, 1, 1.5, 2, &g), SG_EVAL_WARN);
    assert_int_equal(sg_eval_band_verdict(10, 20, 45, 90, 1, 1.5, 2, &g), SG_EVAL_FAIL);
    NEAR(g, 2.25, 1e-12);
    /* below: gap = real low / synthetic high */
    assert_int_equal(sg_eval_band_verdict(100, 200, 10, 20, 1, 1.5, 2, &g), SG_EVAL_FAIL);
    NEAR(g, 5, 1e-12);
    /* the floor: 0 against 0.5 ms is equal at a 1 ms floor */
    assert_int_equal(sg_eval_band_verdict(0, 0, 0.0005, 0.0005, 0.001, 1.5, 2, &g), SG_EVAL_OK);

    /* quantiles: numpy linear interpolation; order-statistic band */
    double x[100];
    for (int i = 0; i < 100; i++) x[i] = i;
    NEAR(sg_eval_quantile(x, 100, 0.5), 49.5, 1e-12);
    NEAR(sg_eval_quantile(x, 100, 0.99), 98.01, 1e-9);
    double lo, hi;
    /* rank 49.5 +- 1.96 * sqrt(100 * 0.25) = 49.5 +- 9.8 -> ranks 39 .. 60 */
    sg_eval_quantile_band(x, 100, 0.5, &lo, &hi);
    NEAR(lo, 39, 1e-12);
    NEAR(hi, 60, 1e-12);
    sg_eval_quantile_band(x, 100, 0.999, &lo, &hi);
    NEAR(hi, 99, 1e-12); /* the top of the band is the maximum */

    /* Poisson 95 % bands (Garwood: k = 0 -> [0, 3.689], k = 10 -> [4.795, 18.39]) */
    sg_eval_poisson_band(0, &lo, &hi);
    NEAR(lo, 0, 1e-12);
    NEAR(hi, 3.689, 0.01);
    sg_eval_poisson_band(10, &lo, &hi);
    NEAR(lo, 4.795, 0.05);
    NEAR(hi, 18.39, 0.05);

    /* burstiness: starts at 0, 0.2, 0.9, 1.5 and 5.1 s over a 6-second window: counts 3,1,0,0,0,1;
     * mean 5/6, variance 11/6 - 25/36 = 41/36, dispersion 41/30; 10 busiest seconds hold all */
    int64_t t[5] = {0, 200000, 900000, 1500000, 5100000};
    double d, top, peak;
    sg_eval_burstiness(t, 5, 6, &d, &top, &peak);
    NEAR(d, 41.0 / 30.0, 1e-12);
    NEAR(top, 1, 1e-12);
    NEAR(peak, 3, 1e-12);
    /* evenly spread flows (one per second) are more regular than Poisson: dispersion 0 */
    int64_t u[20];
    for (int i = 0; i < 20; i++) u[i] = (int64_t)i * 1000000 + 500000;
    sg_eval_burstiness(u, 20, 20, &d, &top, &peak);
    NEAR(d, 0, 1e-12);
    NEAR(top, 0.5, 1e-12);
    /* a span of 30 years: no per-second array, still exact (two flows in 946,080,001 seconds) */
    int64_t y[2] = {0, 946080000LL * 1000000};
    sg_eval_burstiness(y, 2, 946080001LL, &d, &top, &peak);
    double m = 2.0 / 946080001.0;
    NEAR(d, (2.0 / 946080001.0 - m * m) / m, 1e-12);
    NEAR(top, 1, 1e-12);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the permutation null of large tables (exact tail, normal bulk) agrees with exact deals */
static void test_ratio_null(void **s)
{
    (void)s;
    enum { N = 50000, NS = 20000, D = 1000 };
    double *x = malloc(N * sizeof *x), *q = malloc(D * sizeof *q);
    size_t *idx = malloc(N * sizeof *idx);
    assert_non_null(x);
    assert_non_null(q);
    assert_non_null(idx);
    sg_rng r;
    for (size_t i = 0; i < N; i++) {
        sg_rng_init(&r, 11, 0, i);
        /* Pareto(1.1): a few values carry most of the sum, like bytes per flow */
        x[i] = 40 / pow(sg_rng_uniform_pos(&r), 1 / 1.1);
    }
    double total = 0;
    for (size_t i = 0; i < N; i++) total += x[i];
    for (int b = 0; b < D; b++) {
        sg_rng_init(&r, 12, 0, (uint64_t)b);
        for (size_t i = 0; i < N; i++) idx[i] = i;
        double ss = 0;
        for (size_t k = 0; k < NS; k++) {
            size_t j = k + (size_t)sg_rng_below(&r, N - k), t = idx[k];
            idx[k] = idx[j];
            idx[j] = t;
            ss += x[idx[k]];
        }
        q[b] = (ss / NS) / ((total - ss) / (N - NS));
    }
    qsort(q, D, sizeof *q, cmp_d);
    double elo = sg_eval_quantile(q, D, 0.005), ehi = sg_eval_quantile(q, D, 0.995), lo, hi;
    /* the function's tables: the first N - NS values as "real", the rest as "synthetic", sorted */
    qsort(x, N - NS, sizeof *x, cmp_d);
    qsort(x + (N - NS), NS, sizeof *x, cmp_d);
    assert_int_equal(sg_eval_mean_ratio_null(x, N - NS, x + (N - NS), NS, 0, 1, 2, &lo, &hi), SG_OK);
    printf("  exact deals [%.3f, %.3f], tail + normal bulk [%.3f, %.3f]\n", elo, ehi, lo, hi);
    NEAR(lo / elo, 1, 0.08);
    NEAR(hi / ehi, 1, 0.15);
    /* same answer for any thread count (deals are keyed by their index) */
    double lo1, hi1;
    assert_int_equal(sg_eval_mean_ratio_null(x, 3000, x + 3000, 2000, 0, 1, 2, &lo1, &hi1), SG_OK);
    sg_threads_set(1);
    assert_int_equal(sg_eval_mean_ratio_null(x, 3000, x + 3000, 2000, 0, 1, 2, &lo, &hi), SG_OK);
    sg_threads_set(0);
    assert_true(lo == lo1 && hi == hi1);
    free(x);
    free(q);
    free(idx);
}

/* the CIDDS sample split into interleaved halves (rows 0, 2, 4... and 1, 3, 5...) */
static void halves(sg_flow_table *a, sg_flow_table *b)
{
    sg_flow_table all;
    sg_error err = {0};
    assert_int_equal(sg_flow_read(CIDDS, NULL, &all, &err), SG_OK);
    sg_flow_table_init(a);
    sg_flow_table_init(b);
    a->format = b->format = all.format;
    for (size_t i = 0; i < all.n; i++) assert_int_equal(sg_flow_table_push(i % 2 ? b : a, &all.flows[i]), SG_OK);
    sg_flow_table_free(&all);
}

static void copy_table(const sg_flow_table *src, sg_flow_table *dst)
{
    sg_flow_table_init(dst);
    dst->format = src->format;
    for (size_t i = 0; i < src->n; i++) assert_int_equal(sg_flow_table_push(dst, &src->flows[i]), SG_OK);
}

static sg_eval *run(const sg_flow_table *real, const sg_flow_table *synth, uint32_t metrics, const sg_netcfg *cfg)
{
    sg_eval_opts o;
    sg_eval_opts_default(&o);
    o.repetitions = 1;
    o.metrics = metrics;
    o.netcfg = cfg;
    sg_eval *e = NULL;
    sg_error err = {0};
    assert_int_equal(sg_eval_create(&e, real, synth, NULL, NULL, &o, &err), SG_OK);
    assert_int_equal(sg_eval_run(e, &err), SG_OK);
    return e;
}

static const sg_eval_finding *find(const sg_eval *e, const char *key)
{
    size_t n;
    const sg_eval_finding *f = sg_eval_get_findings(e, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].key, key)) return &f[i];
    fail_msg("no finding %s", key);
    return NULL;
}

static size_t count_verdict(const sg_eval *e, uint32_t group, sg_eval_verdict v)
{
    size_t n, k = 0;
    const sg_eval_finding *f = sg_eval_get_findings(e, &n);
    for (size_t i = 0; i < n; i++) k += (f[i].group & group) && f[i].verdict == v;
    return k;
}

static void print_findings(const sg_eval *e)
{
    size_t n;
    const sg_eval_finding *f = sg_eval_get_findings(e, &n);
    for (size_t i = 0; i < n; i++) printf("    %s\n", f[i].line);
}

static void test_heavy_tail(void **s)
{
    (void)s;
    sg_flow_table a, b, planted;
    halves(&a, &b);
    /* the old generator: a flow in the top packet bin (20, 174218] got a packet count drawn
     * uniformly over the bin, its bytes scaled with it */
    copy_table(&a, &planted);
    size_t changed = 0;
    for (size_t i = 0; i < planted.n; i++) {
        sg_flow *f = &planted.flows[i];
        if (f->fwd_packets <= 20) continue;
        sg_rng r;
        sg_rng_init(&r, 7, 1, i);
        uint64_t p = 21 + sg_rng_below(&r, 174218 - 20);
        f->fwd_bytes = (uint64_t)((double)f->fwd_bytes / (double)f->fwd_packets * (double)p);
        f->fwd_packets = p;
        changed++;
    }
    assert_true(changed > 50);

    /* a held-out real half: every volume finding ok, nothing fails anywhere */
    sg_eval *e = run(&b, &a, SG_EM_TAILS | SG_EM_BURSTS | SG_EM_RULES, NULL);
    printf("  held-out half:\n");
    print_findings(e);
    assert_int_equal(count_verdict(e, SG_EM_REALISM, SG_EVAL_FAIL), 0);
    assert_int_equal(count_verdict(e, SG_EM_TAILS, SG_EVAL_WARN), 0);
    sg_eval_destroy(e);

    /* a held-out half that got all five flows over 5 MB (one random split in 16 does): the byte
     * total differs 25x, and is still what two halves of the same data can show */
    sg_flow_table g1, g2;
    sg_flow_table_init(&g1);
    sg_flow_table_init(&g2);
    g1.format = g2.format = a.format;
    size_t k = 0;
    for (int h = 0; h < 2; h++)
        for (size_t i = 0; i < (h ? b.n : a.n); i++) {
            const sg_flow *f = h ? &b.flows[i] : &a.flows[i];
            if (f->fwd_bytes > 5000000) assert_int_equal(sg_flow_table_push(&g1, f), SG_OK);
            else assert_int_equal(sg_flow_table_push(k++ % 2 ? &g1 : &g2, f), SG_OK);
        }
    e = run(&g2, &g1, SG_EM_TAILS, NULL);
    printf("  all giants in one half:\n");
    print_findings(e);
    assert_true(find(e, "total.out_bytes")->ratio > 10);
    assert_int_equal(find(e, "total.out_bytes")->verdict, SG_EVAL_OK);
    assert_int_equal(count_verdict(e, SG_EM_TAILS, SG_EVAL_FAIL), 0);
    sg_eval_destroy(e);
    sg_flow_table_free(&g1);
    sg_flow_table_free(&g2);

    /* the planted tail: CMD/EMD barely move, the volume findings fail */
    e = run(&b, &planted, SG_EM_TAILS | SG_EM_EMD, NULL);
    printf("  planted heavy tail:\n");
    print_findings(e);
    const sg_eval_finding *f = find(e, "p99.out_packets");
    assert_int_equal(f->verdict, SG_EVAL_FAIL);
    assert_true(f->ratio > 100);
    assert_non_null(strstr(f->line, "p99 of Out Packet"));
    assert_non_null(strstr(f->line, ": FAIL"));
    assert_int_equal(find(e, "p99.out_bytes")->verdict, SG_EVAL_FAIL);
    assert_int_equal(find(e, "total.out_packets")->verdict, SG_EVAL_FAIL);
    assert_int_equal(find(e, "total.out_bytes")->verdict, SG_EVAL_FAIL);
    assert_int_equal(find(e, "heavy.flows_over_10k_packets")->verdict, SG_EVAL_FAIL);
    /* the bulk is untouched: medians stay ok, and EMD stays small (why the findings exist) */
    assert_int_equal(find(e, "p50.out_packets")->verdict, SG_EVAL_OK);
    assert_true(sg_eval_get_result(e)->emd < 0.02);
    /* one-way layout: no finding on the In columns, which the data does not have */
    size_t n;
    const sg_eval_finding *all = sg_eval_get_findings(e, &n);
    for (size_t i = 0; i < n; i++) assert_null(strstr(all[i].key, "in_"));
    sg_eval_destroy(e);
    sg_flow_table_free(&a);
    sg_flow_table_free(&b);
    sg_flow_table_free(&planted);
}

static void test_burst(void **s)
{
    (void)s;
    sg_flow_table a, b, burst;
    halves(&a, &b);
    /* all flows of the half within 0.07 s, as `generate -d 2m` did */
    copy_table(&a, &burst);
    int64_t t0 = burst.flows[0].start_us;
    for (size_t i = 0; i < burst.n; i++) burst.flows[i].start_us = t0 + (int64_t)(70000.0 * (double)i / (double)burst.n);
    sg_eval *e = run(&b, &burst, SG_EM_BURSTS, NULL);
    print_findings(e);
    assert_int_equal(find(e, "bursts.span_s")->verdict, SG_EVAL_FAIL);
    assert_int_equal(find(e, "bursts.dispersion")->verdict, SG_EVAL_FAIL);
    assert_int_equal(find(e, "bursts.top10_share")->verdict, SG_EVAL_FAIL);
    NEAR(find(e, "bursts.top10_share")->synth, 1, 1e-12);
    sg_eval_destroy(e);

    /* a 2-minute real window of 200 flows with random starts against the same flows in 0.07 s,
     * and against another 2-minute real window (which passes) */
    sg_flow_table r2, s2, burst2;
    sg_flow_table_init(&r2);
    sg_flow_table_init(&s2);
    r2.format = s2.format = a.format;
    for (size_t i = 0; i < 200; i++) {
        sg_flow f = a.flows[i], g = b.flows[i];
        sg_rng r;
        sg_rng_init(&r, 3, 2, i);
        f.start_us = t0 + (int64_t)sg_rng_below(&r, 120000000);
        g.start_us = t0 + (int64_t)sg_rng_below(&r, 120000000);
        assert_int_equal(sg_flow_table_push(&r2, &f), SG_OK);
        assert_int_equal(sg_flow_table_push(&s2, &g), SG_OK);
    }
    copy_table(&r2, &burst2);
    for (size_t i = 0; i < burst2.n; i++) burst2.flows[i].start_us = t0 + (int64_t)i * 350;
    e = run(&r2, &burst2, SG_EM_BURSTS, NULL);
    print_findings(e);
    assert_int_equal(count_verdict(e, SG_EM_BURSTS, SG_EVAL_FAIL), 3);
    sg_eval_destroy(e);
    e = run(&r2, &s2, SG_EM_BURSTS, NULL);
    print_findings(e);
    assert_int_equal(count_verdict(e, SG_EM_BURSTS, SG_EVAL_FAIL), 0);
    sg_eval_destroy(e);

    /* a scaled-up run (10x the flows with the same timing) is not a burst: the denser table is
     * thinned to the other's count before the per-second statistics */
    sg_flow_table big;
    sg_flow_table_init(&big);
    big.format = a.format;
    for (int k = 0; k < 10; k++)
        for (size_t i = 0; i < s2.n; i++) {
            sg_flow f = s2.flows[i];
            f.start_us += k * 997; /* within the same second */
            assert_int_equal(sg_flow_table_push(&big, &f), SG_OK);
        }
    e = run(&r2, &big, SG_EM_BURSTS, NULL);
    print_findings(e);
    assert_int_equal(count_verdict(e, SG_EM_BURSTS, SG_EVAL_FAIL), 0);
    sg_eval_destroy(e);
    sg_flow_table_free(&big);
    sg_flow_table_free(&r2);
    sg_flow_table_free(&s2);
    sg_flow_table_free(&burst2);
    sg_flow_table_free(&a);
    sg_flow_table_free(&b);
    sg_flow_table_free(&burst);
}

static const char NET[] = "hosts:\n"
                          "  - hostname: web\n"
                          "    interfaces: [{ip_addr: 10.0.0.10, services: [https, \"ssh:2222\"]}]\n"
                          "  - hostname: resolver\n"
                          "    interfaces: [{ip_addr: 10.0.0.53, services: [dns, ntp]}]\n"
                          "  - hostname: alice\n"
                          "    client: [https, dns, ssh]\n"
                          "    talks_to: [web, resolver]\n"
                          "    interfaces: [{ip_addr: 10.0.0.101}]\n"
                          "  - hostname: bob\n"
                          "    interfaces: [{ip_addr: 10.0.0.102}]\n";

static void push(sg_flow_table *t, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto)
{
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.start_us = 1491400000000000LL + (int64_t)t->n * 1000000;
    f.proto = proto;
    f.src_port = sport;
    f.dst_port = dport;
    snprintf(f.src_ip, sizeof f.src_ip, "%s", src);
    snprintf(f.dst_ip, sizeof f.dst_ip, "%s", dst);
    f.fwd_packets = 2;
    f.fwd_bytes = 120;
    assert_int_equal(sg_flow_table_push(t, &f), SG_OK);
}

static void test_containment(void **s)
{
    (void)s;
    sg_netcfg *cfg = NULL;
    sg_error err = {0};
    assert_int_equal(sg_netcfg_load_mem("net.yaml", NET, sizeof NET - 1, &cfg, &err), SG_OK);
    sg_flow_table t;
    sg_flow_table_init(&t);
    t.format = SG_FMT_NATIVE;
    push(&t, "10.0.0.101", 40000, "10.0.0.10", 443, SG_PROTO_TCP);  /* alice -> web https: ok */
    push(&t, "10.0.0.101", 40001, "10.0.0.53", 53, SG_PROTO_UDP);   /* alice -> resolver dns: ok */
    push(&t, "10.0.0.101", 40002, "10.0.0.10", 2222, SG_PROTO_TCP); /* alice -> web ssh on 2222: ok by name */
    push(&t, "10.0.0.10", 443, "10.0.0.101", 40000, SG_PROTO_TCP);  /* web's answer record (one-way layouts): ok */
    push(&t, "10.0.0.101", 40003, "93.184.216.34", 443, SG_PROTO_TCP); /* alice -> public: talks_to */
    push(&t, "10.0.0.101", 40004, "10.0.0.53", 123, SG_PROTO_UDP);  /* alice -> ntp: client list */
    push(&t, "10.0.0.102", 40005, "10.0.0.53", 80, SG_PROTO_TCP);   /* bob -> resolver:80: not offered */
    push(&t, "93.184.216.34", 443, "8.8.8.8", 53, SG_PROTO_UDP);    /* public -> public: outside */
    push(&t, "10.0.0.102", 40006, "8.8.8.8", 53, SG_PROTO_UDP);     /* bob (no limits) -> public dns: ok */
    sg_eval *e = run(&t, &t, SG_EM_CONFIG, cfg);
    sg_netcfg_destroy(cfg); /* the evaluation keeps what it needs */
    print_findings(e);
    const sg_eval_finding *f = find(e, "config.outside");
    assert_int_equal(f->verdict, SG_EVAL_FAIL);
    NEAR(f->synth, 1.0 / 9, 1e-12);
    NEAR(find(e, "config.talks_to")->synth, 1.0 / 9, 1e-12);
    assert_non_null(strstr(find(e, "config.talks_to")->line, "most from alice: 1"));
    NEAR(find(e, "config.client")->synth, 1.0 / 9, 1e-12);
    NEAR(find(e, "config.service")->synth, 1.0 / 9, 1e-12);
    assert_non_null(strstr(find(e, "config.service")->line, "most from resolver"));
    sg_eval_destroy(e);

    /* a table that keeps every rule passes */
    sg_flow_table ok;
    sg_flow_table_init(&ok);
    ok.format = SG_FMT_NATIVE;
    for (size_t i = 0; i < 4; i++) assert_int_equal(sg_flow_table_push(&ok, &t.flows[i]), SG_OK);
    assert_int_equal(sg_netcfg_load_mem("net.yaml", NET, sizeof NET - 1, &cfg, &err), SG_OK);
    e = run(&ok, &ok, SG_EM_CONFIG, cfg);
    assert_int_equal(count_verdict(e, SG_EM_CONFIG, SG_EVAL_OK), 4);
    sg_eval_destroy(e);

    /* config named on its own without a config: an error; through a group: left out with a note */
    sg_eval_opts o;
    sg_eval_opts_default(&o);
    o.metrics = SG_EM_CONFIG;
    o.required = SG_EM_CONFIG;
    e = NULL;
    assert_int_not_equal(sg_eval_create(&e, &ok, &ok, NULL, NULL, &o, &err), SG_OK);
    assert_non_null(strstr(err.msg, "--config"));
    o.metrics = SG_EM_ALL;
    o.required = 0;
    o.repetitions = 1;
    assert_int_equal(sg_eval_create(&e, &ok, &ok, NULL, NULL, &o, &err), SG_OK);
    assert_int_equal(sg_eval_run(e, &err), SG_OK);
    assert_true(sg_eval_get_result(e)->skipped & SG_EM_CONFIG);
    assert_true(sg_eval_get_result(e)->skipped & SG_EM_MD);
    assert_false(sg_eval_get_result(e)->metrics & (SG_EM_CONFIG | SG_EM_MD));
    sg_eval_destroy(e);
    sg_netcfg_destroy(cfg);
    sg_flow_table_free(&ok);
    sg_flow_table_free(&t);
}

static void test_dkc_rules(void **s)
{
    (void)s;
    sg_flow_table a, b, bad;
    halves(&a, &b);
    copy_table(&a, &bad);
    /* rule 20 (zero duration with > 1 packet) in 30 % of the flows: the real rate is ~6 % */
    for (size_t i = 0; i < bad.n; i += 3)
        if (bad.flows[i].fwd_packets > 1) bad.flows[i].duration_us = 0;
        else bad.flows[i].fwd_packets = 2, bad.flows[i].duration_us = 0;
    sg_eval *e = run(&b, &bad, SG_EM_RULES, NULL);
    print_findings(e);
    const sg_eval_finding *f = find(e, "dkc.rule20");
    assert_int_equal(f->verdict, SG_EVAL_FAIL);
    assert_true(f->ratio > 3);
    sg_eval_destroy(e);
    /* fewer violations than the real data is never a defect */
    e = run(&bad, &b, SG_EM_RULES, NULL);
    assert_int_equal(find(e, "dkc.rule20")->verdict, SG_EVAL_OK);
    sg_eval_destroy(e);
    sg_flow_table_free(&a);
    sg_flow_table_free(&b);
    sg_flow_table_free(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers),     cmocka_unit_test(test_ratio_null),  cmocka_unit_test(test_heavy_tail),
        cmocka_unit_test(test_burst),
        cmocka_unit_test(test_containment), cmocka_unit_test(test_dkc_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
