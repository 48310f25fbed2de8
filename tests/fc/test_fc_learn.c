/* FlowChronicle end to end (spec §11.11, §11.13): a planted 2-row pattern is found with its
 * source reuse, the description length decreases monotonically, the model round-trips through
 * JSON, and generation respects reuse, time order and the span. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fc/fc_internal.h"

#define NFLOWS 2000
#define NPLANT 200

static sg_flow *planted(size_t *n)
{
    sg_flow *f = calloc(NFLOWS, sizeof *f);
    sg_rng r;
    sg_rng_init(&r, 42, 9, 0);
    int64_t t0 = INT64_C(1491350400000000); /* 2017-04-05 00:00 UTC */
    size_t k = 0;
    /* random background flows every ~2 s; planted pairs: DNS query from h, then TCP/443 from h
     * 20-50 ms later */
    int64_t t = t0;
    size_t planted_left = NPLANT;
    while (k < NFLOWS) {
        t += 1000000 + (int64_t)sg_rng_below(&r, 2000000);
        int plant = planted_left && k + 2 <= NFLOWS && sg_rng_below(&r, (NFLOWS - k)) < planted_left * 2;
        char h[32];
        snprintf(h, sizeof h, "10.0.%u.%u", (unsigned)sg_rng_below(&r, 4), (unsigned)sg_rng_below(&r, 60) + 1);
        if (plant) {
            sg_flow *a = &f[k++], *b = &f[k++];
            a->start_us = t;
            a->proto = SG_PROTO_UDP;
            snprintf(a->src_ip, sizeof a->src_ip, "%s", h);
            snprintf(a->dst_ip, sizeof a->dst_ip, "DNS");
            a->src_port = (uint16_t)(40000 + sg_rng_below(&r, 20000));
            a->dst_port = 53;
            a->fwd_packets = 1;
            a->fwd_bytes = 60 + sg_rng_below(&r, 20);
            b->start_us = t + 20000 + (int64_t)sg_rng_below(&r, 30000);
            b->proto = SG_PROTO_TCP;
            snprintf(b->src_ip, sizeof b->src_ip, "%s", h);
            snprintf(b->dst_ip, sizeof b->dst_ip, "203.0.113.%u", (unsigned)sg_rng_below(&r, 50));
            b->src_port = (uint16_t)(40000 + sg_rng_below(&r, 20000));
            b->dst_port = 443;
            b->fwd_packets = 5 + sg_rng_below(&r, 20);
            b->fwd_bytes = 400 + sg_rng_below(&r, 4000);
            b->flags = SG_TCP_ACK | SG_TCP_PSH | SG_TCP_SYN | SG_TCP_FIN;
            b->duration_us = (int64_t)sg_rng_below(&r, 2000000);
            t = b->start_us;
            planted_left--;
        } else {
            sg_flow *a = &f[k++];
            a->start_us = t;
            a->proto = sg_rng_below(&r, 3) ? SG_PROTO_TCP : SG_PROTO_UDP;
            snprintf(a->src_ip, sizeof a->src_ip, "%s", h);
            snprintf(a->dst_ip, sizeof a->dst_ip, "198.51.100.%u", (unsigned)sg_rng_below(&r, 200));
            a->src_port = (uint16_t)(1024 + sg_rng_below(&r, 60000));
            static const uint16_t ports[] = {80, 22, 25, 8080, 3389, 123, 445};
            a->dst_port = ports[sg_rng_below(&r, 7)];
            a->fwd_packets = 1 + sg_rng_below(&r, 50);
            a->fwd_bytes = 40 + sg_rng_below(&r, 50000);
            a->flags = (uint8_t)sg_rng_below(&r, 64);
            a->duration_us = (int64_t)sg_rng_below(&r, 10000000);
        }
    }
    *n = k;
    return f;
}

typedef struct log_ctx {
    double last;
    int monotone;
    int lines;
} log_ctx;

static void on_log(void *ctx, const char *line)
{
    log_ctx *l = ctx;
    if (getenv("FC_VERBOSE")) fprintf(stderr, "%s\n", line);
    const char *p = strstr(line, "-> ");
    if (!p) return;
    double v = atof(p + 3);
    if (l->lines && v >= l->last) l->monotone = 0;
    l->last = v;
    l->lines++;
}

static void test_planted_pattern(void **st)
{
    (void)st;
    size_t n;
    sg_flow *f = planted(&n);
    log_ctx lc = {0, 1, 0};
    sg_fc_learn_opts o = {.source = "planted", .log = on_log, .log_ctx = &lc};
    sg_fc_model *m = NULL;
    sg_fc_learn_stats stats;
    sg_error err = {0};
    assert_int_equal(sg_fc_learn(f, n, SG_FMT_CIDDS, &o, &m, &stats, &err), SG_OK);
    assert_true(lc.lines >= 1);
    assert_true(lc.monotone);
    assert_true(stats.total_bits < stats.empty_total_bits);
    /* the planted behaviour: a 2-row pattern, UDP first row whose source is reused by the second
     * row, with a median delay of at most 50 ms (random background flows are ~2 s apart) and a
     * substantial share of the 200 planted pairs. (The greedy search may split the planted pairs
     * over several refinements, so we do not require all 200 in one pattern.) */
    int found = 0;
    size_t c_proto = 0, c_src = 1;
    for (size_t q = 0; q < m->npat && !found; q++) {
        const fc_gpat *g = &m->pats[q];
        const fc_pat *p = &g->p;
        if (p->nrows != 2) continue;
        if (p->cell[0][c_src].kind != FC_SET || p->cell[1][c_src].kind != FC_USE) continue;
        if (p->cell[0][c_proto].kind != FC_FIXED || strcmp(fc_model_label(m, c_proto, p->cell[0][c_proto].v), "UDP")) continue;
        if (g->ndelays[0] == 0 || g->delays[0][g->ndelays[0] / 2] > 5) continue;
        found = g->usage >= NPLANT / 4;
    }
    if (!found) sg_fc_model_describe(m, stderr, 10);
    assert_true(found);

    /* JSON round trip: describe and generation are identical */
    char path[] = "/tmp/sg_fc_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(sg_fc_model_save(m, path, &err), SG_OK);
    sg_fc_model *m2 = NULL;
    assert_int_equal(sg_fc_model_load(path, &m2, &err), SG_OK);
    remove(path);
    assert_int_equal(m2->npat, m->npat);

    /* generation: USE cells equal their SET cells, times sorted and inside the span */
    int64_t first, last;
    sg_fc_model_span(m, &first, &last);
    sg_fc_gen_opts go = {.seed = 3, .start_us = INT64_MIN, .duration_us = last - first + 1};
    sg_fc_generator *g1 = NULL, *g2 = NULL;
    assert_int_equal(sg_fc_generator_create(m, &go, &g1, &err), SG_OK);
    assert_int_equal(sg_fc_generator_create(m2, &go, &g2, &err), SG_OK);
    sg_flow a, b;
    sg_fc_flow_info ia, ib;
    int64_t prev = INT64_MIN;
    size_t count = 0, reuse_ok = 0, reuse_n = 0;
    sg_flow pending[64];
    uint64_t pend_inst[64];
    size_t np = 0;
    for (;;) {
        int ra = 0, rb = 0;
        assert_int_equal(sg_fc_generator_next(g1, &a, &ia, &ra, &err), SG_OK);
        assert_int_equal(sg_fc_generator_next(g2, &b, &ib, &rb, &err), SG_OK);
        assert_int_equal(ra, rb);
        if (!ra) break;
        assert_memory_equal(&a, &b, sizeof a);
        assert_true(a.start_us >= prev);
        assert_true(a.start_us >= first && a.start_us <= last);
        prev = a.start_us;
        count++;
        /* planted-like instances: the TCP/443 row shares the source of its DNS row */
        if (ia.pattern >= 0 && m->pats[ia.pattern].p.nrows == 2 &&
            m->pats[ia.pattern].p.cell[1][c_src].kind == FC_USE) {
            if (ia.row == 0 && np < 64) {
                pending[np] = a;
                pend_inst[np++] = ia.instance;
            } else if (ia.row == 1) {
                for (size_t k = 0; k < np; k++)
                    if (pend_inst[k] == ia.instance) {
                        reuse_n++;
                        reuse_ok += !strcmp(pending[k].src_ip, a.src_ip);
                        pending[k] = pending[--np];
                        pend_inst[k] = pend_inst[np];
                        break;
                    }
            }
        }
    }
    assert_true(reuse_n > 0);
    assert_int_equal(reuse_ok, reuse_n);
    /* about as many flows as the training table (Poisson counts per hour) */
    assert_true(count > n * 8 / 10 && count < n * 12 / 10);
    sg_fc_generator_destroy(g1);
    sg_fc_generator_destroy(g2);
    sg_fc_model_destroy(m);
    sg_fc_model_destroy(m2);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_pattern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
