/* TCP noise (src/packets/noise.c, build.c): rates of lost/reordered segments against the
 * configured ones, record counts kept, frames of a noisy flow checked by an independent sequence
 * tracker (a copy repeats its original's sequence number and bytes; the peer acknowledges the
 * hole until the copy; an overtaken pair carries swapped sequence numbers), determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "secgen/packets.h"

static void push(sg_vec *v, int64_t t_us, int dir, uint8_t flags, uint32_t len)
{
    sg_pkt p = {.t_ns = t_us * 1000, .payload_len = len, .dir = (uint8_t)dir, .tcp_flags = flags};
    assert_int_equal(sg_vec_push(v, &p), SG_OK);
}

static void host(sg_pkt_host *h, const char *ip, sg_os os, uint8_t ttl, uint8_t macl)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(sg_addr_parse(ip, h->addr, &h->is_v6), 0);
    uint8_t mac[6] = {0x02, 0x1b, 0x21, 0x10, 0x20, macl};
    memcpy(h->mac, mac, 6);
    h->os = os;
    h->ttl = ttl;
}

static sg_pkt_conn conn_of(uint16_t dp)
{
    sg_pkt_conn c;
    memset(&c, 0, sizeof c);
    c.proto = SG_PROTO_TCP;
    c.src_port = 45000;
    c.dst_port = dp;
    c.service_port = dp;
    host(&c.cli, "192.168.1.10", SG_OS_LINUX, 64, 1);
    host(&c.srv, "192.168.1.20", SG_OS_WINDOWS, 128, 2);
    return c;
}

/* a long normalised connection: requests answered by bursts of 4 segments, the client acknowledging
 * every second one; 100 ms between exchanges (room for a retransmission timeout) */
static void long_flow(sg_vec *v, const sg_pkt_conn *c)
{
    sg_vec_init(v, sizeof(sg_pkt));
    int64_t t = 1000;
    push(v, t, 0, SG_TCP_SYN, 0);
    push(v, t += 500, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(v, t += 500, 0, SG_TCP_ACK, 0);
    for (int k = 0; k < 300; k++) {
        push(v, t += 100000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
        for (int s = 0; s < 4; s++) {
            push(v, t += 50, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
            if (s % 2) push(v, t += 50, 0, SG_TCP_ACK, 0);
        }
    }
    assert_int_equal(sg_packets_tcp_normalize(v, sg_packets_max_segment(c), 1, 1, NULL, NULL), SG_OK);
}

static void count(const sg_vec *v, size_t n[2], size_t *data)
{
    n[0] = n[1] = 0;
    *data = 0;
    for (size_t i = 0; i < v->len; i++) {
        const sg_pkt *p = &((const sg_pkt *)v->data)[i];
        n[p->dir ? 1 : 0]++;
        if (p->payload_len) ++*data;
        if (i) assert_true(p->t_ns >= p[-1].t_ns); /* still in time order */
    }
}

static void test_rates_and_counts(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    const sg_tcp_noise_rates r = {.loss = 0.05, .fast_share = 0.3, .reorder = 0.02};
    size_t lost = 0, ro = 0, data = 0, top = 0, dups = 0;
    for (uint64_t idx = 0; idx < 20; idx++) {
        sg_vec v;
        long_flow(&v, &c);
        size_t n0[2], n1[2], d;
        count(&v, n0, &d);
        sg_rng rng;
        sg_rng_init(&rng, 7, SG_STREAM_PKT_NOISE, idx);
        sg_tcp_noise_stats ns;
        assert_int_equal(sg_packets_tcp_noise(&v, &r, sg_packets_max_segment(&c), &rng, &ns), SG_OK);
        size_t d1;
        count(&v, n1, &d1);
        /* counts per direction stay, except duplicate ACKs that had no pure ACK to replace */
        assert_int_equal(n1[0] + n1[1], n0[0] + n0[1] + ns.on_top);
        assert_int_equal(n1[1], n0[1]);
        size_t marks[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < v.len; i++) marks[(((sg_pkt *)v.data)[i].tcp_flags & SG_PKT_NOISE_MASK) >> 6]++;
        assert_int_equal(marks[1], ns.lost);
        assert_int_equal(marks[2], ns.lost); /* one copy per lost segment */
        assert_int_equal(marks[3], ns.reordered);
        lost += ns.lost;
        ro += ns.reordered;
        top += ns.on_top;
        dups += ns.dup_acks;
        data += d1;
        (void)d;
        sg_vec_free(&v);
    }
    /* per data segment, within 25 % of the configured rates (20 flows x 1,500 data segments:
     * ~1,500 losses, the binomial's sd is 2.6 %); a lost segment's copy is not itself a candidate */
    double lr = (double)lost / (double)data, rr = (double)ro / (double)data;
    print_message("loss %.4f reorder %.4f per data segment (%zu)\n", lr, rr, data);
    assert_true(lr > 0.75 * r.loss && lr < 1.25 * r.loss);
    assert_true(rr > 0.5 * r.reorder && rr < 1.25 * r.reorder);
    assert_true(dups > 0);
    assert_true(top < dups); /* most duplicate ACKs take the place of a later pure ACK */
}

static void test_off_and_deterministic(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(80);
    sg_vec a, b;
    long_flow(&a, &c);
    long_flow(&b, &c);
    sg_rng rng;
    sg_tcp_noise_stats ns;
    const sg_tcp_noise_rates off = {0, 0, 0};
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    assert_int_equal(sg_packets_tcp_noise(&a, &off, 1448, &rng, &ns), SG_OK);
    assert_int_equal(ns.lost + ns.reordered + ns.dup_acks, 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len * sizeof(sg_pkt));
    const sg_tcp_noise_rates r = {.loss = 0.05, .fast_share = 0.2, .reorder = 0.01};
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    assert_int_equal(sg_packets_tcp_noise(&a, &r, 1448, &rng, &ns), SG_OK);
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    assert_int_equal(sg_packets_tcp_noise(&b, &r, 1448, &rng, &ns), SG_OK);
    assert_true(ns.lost > 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len * sizeof(sg_pkt));
    sg_vec_free(&a);
    sg_vec_free(&b);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The frames of a noisy flow, read back: sequence numbers, acknowledgements and copies' bytes. */
static void test_frames(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(8443);
    sg_vec v;
    long_flow(&v, &c);
    const sg_tcp_noise_rates r = {.loss = 0.08, .fast_share = 0.5, .reorder = 0.03};
    sg_rng rng;
    sg_rng_init(&rng, 5, SG_STREAM_PKT_NOISE, 9);
    sg_tcp_noise_stats ns;
    assert_int_equal(sg_packets_tcp_noise(&v, &r, sg_packets_max_segment(&c), &rng, &ns), SG_OK);
    sg_packets_tcp_noise_sync(v.data, v.len);
    assert_true(ns.lost > 5 && ns.reordered > 0);
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 5, 1 << 16, NULL), SG_OK);
    sg_frames fr, fr2;
    sg_frames_init(&fr);
    sg_frames_init(&fr2);
    assert_int_equal(sg_packets_build(&c, v.data, v.len, pool, 5, 9, &fr, NULL), SG_OK);
    assert_int_equal(sg_packets_build(&c, v.data, v.len, pool, 5, 9, &fr2, NULL), SG_OK);
    assert_int_equal(fr.n, v.len);
    const sg_pkt *p = v.data;
    /* independent tracker: per side the highest sequence end sent, the open hole, the lost bytes */
    uint32_t hi[2] = {0, 0}, hole[2] = {0, 0};
    int has_hole[2] = {0, 0};
    uint8_t *saved[2] = {NULL, NULL};
    size_t saved_len[2] = {0, 0};
    size_t copies = 0, swapped = 0, hole_acks = 0;
    for (size_t i = 0; i < fr.n; i++) {
        size_t len = sg_frame_len(&fr.f[i]);
        uint8_t *f = malloc(len), *g = malloc(sg_frame_len(&fr2.f[i]));
        sg_frame_copy(&fr, i, f);
        sg_frame_copy(&fr2, i, g);
        assert_int_equal(len, sg_frame_len(&fr2.f[i]));
        assert_memory_equal(f, g, len); /* deterministic */
        const uint8_t *tcp = f + 14 + 20;
        size_t hl = (size_t)(tcp[12] >> 4) * 4, plen = len - 14 - 20 - hl;
        int d = p[i].dir ? 1 : 0, mark = p[i].tcp_flags & SG_PKT_NOISE_MASK;
        uint32_t seq = be32(tcp + 4), ack = be32(tcp + 8);
        uint8_t fl = tcp[13];
        assert_int_equal(plen, p[i].payload_len);
        assert_int_equal(fl, p[i].tcp_flags & 0x3f);
        if (fl & SG_TCP_SYN) {
            hi[d] = seq + 1;
        } else {
            /* the peer's acknowledgement: the hole's first byte while it is open */
            if (fl & SG_TCP_ACK) {
                if (has_hole[!d]) {
                    assert_int_equal(ack, hole[!d]);
                    hole_acks++;
                } else {
                    assert_int_equal(ack, hi[!d]);
                }
            }
            if (mark == SG_PKT_RETX) {
                assert_true(has_hole[d]);
                assert_int_equal(seq, hole[d]);
                assert_int_equal(plen, saved_len[d]);
                assert_memory_equal(f + len - plen, saved[d], plen);
                has_hole[d] = 0;
                copies++;
            } else if (mark == SG_PKT_AHEAD) {
                /* sent after the next packet: its sequence number is past the next one's bytes */
                assert_int_equal(seq, hi[d] + p[i + 1].payload_len);
                hi[d] += (uint32_t)plen;
                swapped++;
            } else {
                uint32_t expect = hi[d];
                if (i && (p[i - 1].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_AHEAD && (p[i - 1].dir ? 1 : 0) == d)
                    expect = hi[d] - (uint32_t)p[i - 1].payload_len; /* the overtaken one */
                assert_int_equal(seq, expect);
                if (mark == SG_PKT_LOST) {
                    assert_false(has_hole[d]);
                    has_hole[d] = 1;
                    hole[d] = seq;
                    free(saved[d]);
                    saved[d] = malloc(plen);
                    memcpy(saved[d], f + len - plen, plen);
                    saved_len[d] = plen;
                }
                hi[d] += (uint32_t)plen + ((fl & SG_TCP_FIN) ? 1 : 0);
            }
        }
        free(f);
        free(g);
    }
    assert_int_equal(copies, ns.lost);
    assert_int_equal(swapped, ns.reordered);
    assert_true(hole_acks >= ns.dup_acks);
    free(saved[0]);
    free(saved[1]);
    sg_frames_free(&fr);
    sg_frames_free(&fr2);
    sg_payload_pool_destroy(pool);
    sg_vec_free(&v);
}

/* a reordered segment needs its successor: a list ending in one is refused, not read past */
static void test_ahead_last_refused(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_SYN, 0);
    push(&v, 1500, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 2000, 0, SG_TCP_ACK | SG_TCP_PSH | SG_PKT_AHEAD, 100);
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 1, 1 << 16, NULL), SG_OK);
    sg_frames fr;
    sg_frames_init(&fr);
    sg_error err = {0};
    assert_int_equal(sg_packets_build(&c, v.data, v.len, pool, 1, 1, &fr, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "reordered"));
    sg_frames_free(&fr);
    sg_payload_pool_destroy(pool);
    sg_vec_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_and_counts),
        cmocka_unit_test(test_off_and_deterministic),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_ahead_last_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
