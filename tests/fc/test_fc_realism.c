/* FlowChronicle generation realism (issue 13 items 1-3): a planted heavy-tailed column keeps its
 * p99 and total; superposed realisations of a sparse model spread over a 2-minute window instead
 * of replaying a few training instants; (protocol, port) pairs stay those of the training data
 * and zero-duration multi-packet records stay near their training rate. The tail check is also run
 * in the reference mode (uniform un-binning, novelty allowed: what generation did before) to show
 * that it can fail; tests/fc/test_fc_realism.sh does the same for ports and DKC rule 20 on real
 * CIDDS records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

#define T0 INT64_C(1491379200000000) /* 2017-04-05 08:00 UTC, a Wednesday */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double p99(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return (double)v[(size_t)(0.99 * (double)(n - 1))];
}

static sg_fc_model *learn(const sg_flow *f, size_t n)
{
    sg_fc_learn_opts o = {.source = "test", .max_patterns = 3};
    sg_fc_model *m = NULL;
    sg_error err = {0};
    assert_int_equal(sg_fc_learn(f, n, SG_FMT_CIDDS, &o, &m, NULL, &err), SG_OK);
    return m;
}

/* up to cap flows of k superposed generators (seeds 1..k) in [start, start + dur) */
static size_t generate(const sg_fc_model *m, int64_t start, int64_t dur, uint64_t cap, int k, int reference, sg_flow *out,
                       size_t outcap)
{
    size_t n = 0;
    sg_error err = {0};
    for (int s = 1; s <= k; s++) {
        sg_fc_gen_opts go = {.seed = (uint64_t)s, .start_us = start, .duration_us = dur, .max_flows = cap,
                             .unbin_uniform = reference, .allow_novel = reference};
        sg_fc_generator *g = NULL;
        assert_int_equal(sg_fc_generator_create(m, &go, &g, &err), SG_OK);
        int more = 1;
        while (n < outcap && more) {
            assert_int_equal(sg_fc_generator_next(g, &out[n], NULL, &more, &err), SG_OK);
            n += (size_t)more;
        }
        sg_fc_generator_destroy(g);
    }
    return n;
}

/* 4,000 flows over two days: packets heavy-tailed (Pareto, alpha 1.1), 60-1,400 bytes each */
static sg_flow *heavy(size_t n)
{
    sg_flow *f = calloc(n, sizeof *f);
    sg_rng r;
    sg_rng_init(&r, 7, 1, 0);
    for (size_t i = 0; i < n; i++) {
        f[i].start_us = T0 + (int64_t)i * 43200000; /* every 43.2 s */
        f[i].proto = SG_PROTO_TCP;
        snprintf(f[i].src_ip, sizeof f[i].src_ip, "192.168.1.%u", (unsigned)sg_rng_below(&r, 20) + 1);
        snprintf(f[i].dst_ip, sizeof f[i].dst_ip, "203.0.113.%u", (unsigned)sg_rng_below(&r, 30) + 1);
        f[i].src_port = (uint16_t)(40000 + sg_rng_below(&r, 20000));
        f[i].dst_port = 443;
        double pk = floor(pow(sg_rng_uniform_pos(&r), -1.0 / 1.1));
        if (pk > 1e6) pk = 1e6;
        f[i].fwd_packets = (uint64_t)pk;
        f[i].fwd_bytes = f[i].fwd_packets * (60 + sg_rng_below(&r, 1340));
        f[i].duration_us = f[i].fwd_packets > 1 ? (int64_t)(f[i].fwd_packets * 1000 + sg_rng_below(&r, 100000)) : 0;
        f[i].flags = SG_TCP_ACK | SG_TCP_PSH;
    }
    return f;
}

static void test_heavy_tail_keeps_p99(void **st)
{
    (void)st;
    size_t n = 4000;
    sg_flow *f = heavy(n);
    sg_fc_model *m = learn(f, n);
    uint64_t *pk = malloc(n * sizeof *pk), *by = malloc(n * sizeof *by);
    double tot_real = 0;
    for (size_t i = 0; i < n; i++) {
        pk[i] = f[i].fwd_packets;
        by[i] = f[i].fwd_bytes;
        tot_real += (double)by[i];
    }
    double pk99 = p99(pk, n), by99 = p99(by, n);
    sg_flow *g = calloc(n, sizeof *g);
    for (int reference = 0; reference <= 1; reference++) {
        size_t k = generate(m, INT64_MIN, 0, n, 1, reference, g, n);
        assert_int_equal(k, n);
        double tot = 0;
        for (size_t i = 0; i < k; i++) {
            pk[i] = g[i].fwd_packets;
            by[i] = g[i].fwd_bytes;
            tot += (double)by[i];
        }
        double gpk99 = p99(pk, k), gby99 = p99(by, k);
        int ok = gpk99 <= 1.5 * pk99 && gpk99 >= pk99 / 1.5 && gby99 <= 1.5 * by99 && gby99 >= by99 / 1.5 &&
                 fabs(tot / tot_real - 1) <= 0.5;
        if (getenv("FC_VERBOSE"))
            fprintf(stderr, "%s: p99 packets %.0f (real %.0f), bytes %.0f (real %.0f), total %.3g (real %.3g)\n",
                    reference ? "reference" : "quantiles", gpk99, pk99, gby99, by99, tot, tot_real);
        /* quantile un-binning keeps the tail; the reference's uniform draw inside the top bin
         * does not */
        assert_int_equal(ok, !reference);
    }
    free(g);
    free(pk);
    free(by);
    sg_fc_model_destroy(m);
    free(f);
}

/* A sparse model (one flow a minute), 50 superposed realisations over 2 minutes: the starts span
 * the window and no 10 seconds hold most of them. */
static void test_two_minutes_spread(void **st)
{
    (void)st;
    size_t n = 3000;
    sg_flow *f = heavy(n);
    for (size_t i = 0; i < n; i++) f[i].start_us = T0 + (int64_t)i * 60000000 + (int64_t)(i * 7919 % 20000) * 1000;
    sg_fc_model *m = learn(f, n);
    size_t cap = 20000;
    sg_flow *g = calloc(cap, sizeof *g);
    int64_t start = T0 + INT64_C(3600000000) * 26 + 600000000, win = 120000000; /* Thursday 10:10 */
    size_t k = generate(m, start, win, 0, 50, 0, g, cap);
    assert_true(k >= 50);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    uint64_t *t = malloc(k * sizeof *t);
    for (size_t i = 0; i < k; i++) {
        if (g[i].start_us < lo) lo = g[i].start_us;
        if (g[i].start_us > hi) hi = g[i].start_us;
        t[i] = (uint64_t)(g[i].start_us - start);
    }
    qsort(t, k, sizeof *t, cmp_u64);
    size_t best = 0;
    for (size_t i = 0, j = 0; i < k; i++) {
        while (t[i] - t[j] >= 10000000) j++;
        if (i - j + 1 > best) best = i - j + 1;
    }
    if (getenv("FC_VERBOSE"))
        fprintf(stderr, "%zu flows, span %.1f %%, busiest 10 s %.1f %%\n", k, 100.0 * (double)(hi - lo) / (double)win,
                100.0 * (double)best / (double)k);
    assert_true((double)(hi - lo) >= 0.9 * (double)win);
    assert_true((double)best <= 0.25 * (double)k);
    free(t);
    free(g);
    sg_fc_model_destroy(m);
    free(f);
}

/* TCP on 400 ports, UDP on 400 other ports, each port a few times: too sparse for the Bayesian
 * networks to tie port to protocol. One-packet records have duration 0, others mostly not. */
static sg_flow *ports(size_t n)
{
    sg_flow *f = calloc(n, sizeof *f);
    sg_rng r;
    sg_rng_init(&r, 11, 1, 0);
    for (size_t i = 0; i < n; i++) {
        f[i].start_us = T0 + (int64_t)i * 10000000;
        int udp = sg_rng_below(&r, 2);
        f[i].proto = udp ? SG_PROTO_UDP : SG_PROTO_TCP;
        snprintf(f[i].src_ip, sizeof f[i].src_ip, "192.168.1.%u", (unsigned)sg_rng_below(&r, 50) + 1);
        snprintf(f[i].dst_ip, sizeof f[i].dst_ip, "198.51.100.%u", (unsigned)sg_rng_below(&r, 200) + 1);
        f[i].src_port = (uint16_t)(40000 + sg_rng_below(&r, 20000));
        f[i].dst_port = (uint16_t)((udp ? 2000 : 3000) + sg_rng_below(&r, 400));
        f[i].fwd_packets = 1 + sg_rng_below(&r, 30);
        f[i].fwd_bytes = f[i].fwd_packets * (60 + sg_rng_below(&r, 900));
        f[i].duration_us = f[i].fwd_packets == 1 || sg_rng_below(&r, 20) == 0 ? 0 : (int64_t)(1000 + sg_rng_below(&r, 5000000));
        if (!udp) f[i].flags = SG_TCP_ACK;
    }
    return f;
}

static int port_is_udp(uint16_t p) { return p >= 2000 && p < 2400; }

static void test_ports_and_rules(void **st)
{
    (void)st;
    size_t n = 3000;
    sg_flow *f = ports(n);
    size_t r20 = 0;
    for (size_t i = 0; i < n; i++) r20 += f[i].duration_us == 0 && f[i].fwd_packets > 1;
    sg_fc_model *m = learn(f, n);
    sg_flow *g = calloc(n, sizeof *g);
    for (int reference = 0; reference <= 1; reference++) {
        size_t k = generate(m, INT64_MIN, 0, n, 1, reference, g, n);
        assert_int_equal(k, n);
        size_t novel = 0, g20 = 0;
        for (size_t i = 0; i < k; i++) {
            novel += port_is_udp(g[i].dst_port) != (g[i].proto == SG_PROTO_UDP);
            g20 += g[i].duration_us == 0 && g[i].fwd_packets > 1;
        }
        if (getenv("FC_VERBOSE"))
            fprintf(stderr, "%s: %zu novel (proto, port), rule 20 %zu (real %zu)\n", reference ? "reference" : "default", novel,
                    g20, r20);
        if (!reference) {
            assert_int_equal(novel, 0);
            assert_true((double)g20 <= 1.5 * (double)r20);
        } /* the reference mode is not asserted here: tests/fc/test_fc_realism.sh shows on real
           * CIDDS records what it breaks */
    }
    free(g);
    sg_fc_model_destroy(m);
    free(f);
}

/* Issue 13, tail model: a planted Pareto column (packets, tail index 1.5, i.e. shape xi = 2/3).
 * The model fits a generalised Pareto tail to its top bin's upper half and keeps it (shorter by
 * MDL than the quantile table, finite mean); generating 20x the training size, p99.9 follows the
 * true Pareto quantile within 1.5x, some records pass the training maximum (20n new draws pass
 * the max of n about 20 times; the model, whose pair quantiles reach the tail only through the
 * cell holding the maximum, a few times; the quantile table alone never can), and none passes the
 * tail's truncation level (no wilder than the fitted tail). Before the tail model, generation
 * stopped at the training maximum. */
static void test_pareto_tail_extrapolates(void **st)
{
    (void)st;
    size_t n = 6000, ng = 20 * n;
    sg_flow *f = calloc(n, sizeof *f);
    sg_rng r;
    sg_rng_init(&r, 13, 1, 0);
    uint64_t train_max = 0;
    for (size_t i = 0; i < n; i++) {
        f[i].start_us = T0 + (int64_t)i * 30000000;
        f[i].proto = SG_PROTO_TCP;
        snprintf(f[i].src_ip, sizeof f[i].src_ip, "192.168.1.%u", (unsigned)sg_rng_below(&r, 20) + 1);
        snprintf(f[i].dst_ip, sizeof f[i].dst_ip, "203.0.113.%u", (unsigned)sg_rng_below(&r, 30) + 1);
        f[i].src_port = (uint16_t)(40000 + sg_rng_below(&r, 20000));
        f[i].dst_port = 443;
        f[i].fwd_packets = (uint64_t)floor(pow(sg_rng_uniform_pos(&r), -1.0 / 1.5));
        f[i].fwd_bytes = f[i].fwd_packets * (500 + sg_rng_below(&r, 500));
        f[i].duration_us = f[i].fwd_packets > 1 ? (int64_t)(f[i].fwd_packets * 1000 + sg_rng_below(&r, 100000)) : 0;
        f[i].flags = SG_TCP_ACK | SG_TCP_PSH;
        if (f[i].fwd_packets > train_max) train_max = f[i].fwd_packets;
    }
    sg_fc_model *m = learn(f, n);
    const fc_column *col = NULL;
    for (size_t c = 0; c < m->C; c++)
        if (m->col[c].field == FC_F_FWD_PKTS) col = &m->col[c];
    assert_non_null(col);
    for (size_t c = 0; c < m->C && getenv("FC_VERBOSE"); c++)
        if (m->col[c].tail_fitted)
            fprintf(stderr, "%s: kept %d xi %.3f t %.0f cap %.0f max %.0f\n", m->col[c].name, m->col[c].tail_kept, m->col[c].tail_xi,
                    m->col[c].tail_t, m->col[c].tail_cap, m->col[c].edges[m->col[c].nedges - 1]);
    if (getenv("FC_VERBOSE"))
        fprintf(stderr, "tail: fitted %d kept %d xi %.3f sigma %.1f t %.0f cap %.0f (max %llu) bits %.1f vs %.1f\n", col->tail_fitted,
                col->tail_kept, col->tail_xi, col->tail_sigma, col->tail_t, col->tail_cap, (unsigned long long)train_max,
                col->tail_bits_gpd, col->tail_bits_q);
    assert_true(col->tail_kept);
    assert_true(col->tail_xi > 0.3 && col->tail_xi < 1.0);
    assert_true(col->tail_cap >= (double)train_max);
    sg_flow *g = calloc(ng, sizeof *g);
    size_t k = generate(m, INT64_MIN, 0, ng, 1, 0, g, ng);
    assert_int_equal(k, ng);
    uint64_t *pk = malloc(ng * sizeof *pk), gmax = 0;
    size_t beyond = 0;
    for (size_t i = 0; i < k; i++) {
        pk[i] = g[i].fwd_packets;
        if (pk[i] > gmax) gmax = pk[i];
        beyond += pk[i] > train_max;
    }
    qsort(pk, k, sizeof *pk, cmp_u64);
    double p999 = (double)pk[(size_t)(0.999 * (double)(k - 1))], want = floor(pow(0.001, -1.0 / 1.5)); /* 100 */
    if (getenv("FC_VERBOSE"))
        fprintf(stderr, "generated %zu: p99.9 %.0f (Pareto %.0f), max %llu, %zu beyond the training max %llu\n", k, p999, want,
                (unsigned long long)gmax, beyond, (unsigned long long)train_max);
    assert_true(p999 <= 1.5 * want && p999 >= want / 1.5);
    assert_true(beyond >= 1);
    assert_true((double)gmax <= col->tail_cap);
    free(pk);
    free(g);
    sg_fc_model_destroy(m);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heavy_tail_keeps_p99),
        cmocka_unit_test(test_two_minutes_spread),
        cmocka_unit_test(test_ports_and_rules),
        cmocka_unit_test(test_pareto_tail_extrapolates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
