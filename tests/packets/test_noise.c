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

#include "packets/packets_internal.h"
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
    const sg_tcp_noise_rates r = {.loss = 0.05, .fast_share = 0.3, .reorder = 0.02, .dupack_share = 0.6, .dupack2_share = 0.3};
    size_t lost = 0, ro = 0, data = 0, top = 0, dups = 0;
    for (uint64_t idx = 0; idx < 20; idx++) {
        sg_vec v;
        long_flow(&v, &c);
        size_t n0[2], n1[2], d;
        count(&v, n0, &d);
        sg_rng rng;
        sg_rng_init(&rng, 7, SG_STREAM_PKT_NOISE, idx);
        sg_tcp_noise_stats ns;
        assert_int_equal(sg_packets_tcp_noise(&v, &r, sg_packets_max_segment(&c), 0, &rng, &ns), SG_OK);
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
    const sg_tcp_noise_rates off = {0};
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    assert_int_equal(sg_packets_tcp_noise(&a, &off, 1448, 0, &rng, &ns), SG_OK);
    assert_int_equal(ns.lost + ns.reordered + ns.dup_acks, 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len * sizeof(sg_pkt));
    const sg_tcp_noise_rates r = {.loss = 0.05, .fast_share = 0.2, .reorder = 0.01};
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    assert_int_equal(sg_packets_tcp_noise(&a, &r, 1448, 0, &rng, &ns), SG_OK);
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    assert_int_equal(sg_packets_tcp_noise(&b, &r, 1448, 0, &rng, &ns), SG_OK);
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
    assert_int_equal(sg_packets_tcp_noise(&v, &r, sg_packets_max_segment(&c), 0, &rng, &ns), SG_OK);
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

/* ---- the frames of a handcrafted list, read back ---- */
typedef struct rd {
    uint32_t seq, ack, len;
    uint16_t win;
    uint8_t fl;
    int dir;
} rd;

static size_t build_read(const sg_pkt_conn *c, const sg_vec *v, rd *out, size_t cap)
{
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 3, 1 << 16, NULL), SG_OK);
    sg_frames fr;
    sg_frames_init(&fr);
    assert_int_equal(sg_packets_build(c, v->data, v->len, pool, 3, 4, &fr, NULL), SG_OK);
    assert_true(fr.n <= cap);
    for (size_t i = 0; i < fr.n; i++) {
        size_t len = sg_frame_len(&fr.f[i]);
        uint8_t *f = malloc(len);
        sg_frame_copy(&fr, i, f);
        const uint8_t *tcp = f + 14 + 20;
        size_t hl = (size_t)(tcp[12] >> 4) * 4;
        out[i] = (rd){be32(tcp + 4), be32(tcp + 8), (uint32_t)(len - 14 - 20 - hl), (uint16_t)(tcp[14] << 8 | tcp[15]), tcp[13],
                      ((const sg_pkt *)v->data)[i].dir ? 1 : 0};
        free(f);
    }
    size_t n = fr.n;
    sg_frames_free(&fr);
    sg_payload_pool_destroy(pool);
    return n;
}

/* tshark's duplicate ACK: a pure ACK repeating its side's previous acknowledgement and window */
static size_t tshark_dups(const rd *f, size_t n, int side)
{
    size_t dups = 0;
    int have = 0;
    uint32_t last_ack = 0;
    uint16_t last_win = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].dir != side || !(f[i].fl & SG_TCP_ACK)) continue;
        if (have && f[i].len == 0 && f[i].fl == SG_TCP_ACK && f[i].ack == last_ack && f[i].win == last_win) dups++;
        have = 1;
        last_ack = f[i].ack;
        last_win = f[i].win;
    }
    return dups;
}

/* A bulk burst with a segment lost after the sensor while the segment before it is still
 * unacknowledged: the receiver answers every later segment in flight with the hole's first byte,
 * so after the first such ACK (which acknowledges the segment before the hole) come >= 2 true
 * duplicates, then the copy. The old rule (the copy as the 2nd or 3rd segment of the burst) gave
 * at most one ACK of the hole here, which repeats nothing. */
static void test_burst_dupacks(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(8080);
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_SYN, 0);
    push(&v, 2000, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 3000, 0, SG_TCP_ACK, 0);
    push(&v, 4000, 1, SG_TCP_ACK, 2000); /* above maxp: noise leaves it alone, it stays unacknowledged */
    for (int k = 0; k < 7; k++) push(&v, 4012 + 12 * k, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
    push(&v, 9000, 0, SG_TCP_ACK, 0);
    const sg_tcp_noise_rates r = {.loss = 1, .dupack_share = 1, .dupack2_share = 1};
    sg_rng rng;
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 1);
    sg_tcp_noise_stats ns;
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 0, &rng, &ns), SG_OK);
    sg_packets_tcp_noise_sync(v.data, v.len);
    assert_true(ns.lost >= 1);
    assert_true(ns.dup_acks >= 3);
    rd f[64];
    size_t n = build_read(&c, &v, f, 64);
    /* the lost segment: the first 1000-byte one; the copy repeats its sequence number */
    const sg_pkt *p = v.data;
    size_t lost = SIZE_MAX, copy = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        int m = p[i].tcp_flags & SG_PKT_NOISE_MASK;
        if (m == SG_PKT_LOST && lost == SIZE_MAX) lost = i;
        if (m == SG_PKT_RETX && copy == SIZE_MAX) copy = i;
    }
    assert_true(lost != SIZE_MAX && copy != SIZE_MAX && copy > lost);
    assert_int_equal(f[copy].seq, f[lost].seq);
    size_t hole_acks = 0;
    for (size_t i = lost + 1; i < copy; i++)
        if (f[i].dir == 0) {
            assert_int_equal(f[i].ack, f[lost].seq);
            hole_acks++;
        }
    assert_true(hole_acks >= 3);
    size_t dups = tshark_dups(f, copy, 0);
    print_message("%zu ACKs of the hole, %zu duplicates before the copy\n", hole_acks, dups);
    assert_true(dups >= 2);
    sg_vec_free(&v);
}

/* bulk bursts of 6 segments from the server, the client acknowledging every second one (its
 * ACKs interleaved with the burst), 300 ms between bursts (room for a retransmission timeout) */
static void bulk_flow(sg_vec *v, const sg_pkt_conn *c)
{
    sg_vec_init(v, sizeof(sg_pkt));
    int64_t t = 1000;
    push(v, t, 0, SG_TCP_SYN, 0);
    push(v, t += 500, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(v, t += 500, 0, SG_TCP_ACK, 0);
    for (int k = 0; k < 200; k++) {
        push(v, t += 300000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
        for (int s = 0; s < 6; s++) {
            push(v, t += 40, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
            if (s % 2) push(v, t += 40, 0, SG_TCP_ACK, 0);
        }
    }
    assert_int_equal(sg_packets_tcp_normalize(v, sg_packets_max_segment(c), 1, 1, NULL, NULL), SG_OK);
}

/* per loss of the list: the side's segments between it and its copy (behind), and the peer's
 * packets there (its ACKs of the hole) */
typedef struct loss_seen {
    size_t losses, with_behind, peer_between, max_peer, ka_or_bad;
} loss_seen;

static loss_seen losses_of(const sg_vec *v)
{
    const sg_pkt *p = v->data;
    loss_seen o = {0};
    for (size_t i = 0; i < v->len; i++) {
        if ((p[i].tcp_flags & SG_PKT_NOISE_MASK) != SG_PKT_LOST || !p[i].payload_len) continue;
        size_t c = i + 1, behind = 0, peer = 0;
        for (; c < v->len; c++) {
            if ((p[c].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_RETX && p[c].dir == p[i].dir && p[c].payload_len) break;
            if (p[c].dir == p[i].dir) behind += p[c].payload_len > 0;
            else peer++;
        }
        assert_true(c < v->len); /* every lost segment has its copy */
        o.losses++;
        o.with_behind += behind > 0;
        if (behind) {
            o.peer_between += peer;
            if (peer > o.max_peer) o.max_peer = peer;
        }
    }
    return o;
}

/* Version 3 profile (dupack_trains, behind_share): a loss gets the burst's later segments behind
 * it at the profile's share, and the receiver's ACKs before the copy are the train the profile's
 * row says — none (the peer's own ACKs of the burst move to after the copy: it sent none before)
 * or exactly one duplicate. A version-2 profile with no duplicate ACKs made every loss a timeout
 * with the copy right after the lost segment (no segment behind), after the peer's ACKs. */
static void test_trains(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    for (int k = 0; k < 2; k++) {
        sg_tcp_noise_rates r = {.loss = 0.03, .behind_share = 0.5};
        for (int b = 0; b < 3; b++) r.trains[b][k] = 1; /* row: k duplicate ACKs, always */
        loss_seen all = {0};
        size_t dups = 0;
        for (uint64_t idx = 0; idx < 10; idx++) {
            sg_vec v;
            bulk_flow(&v, &c);
            size_t n0[2], n1[2], d;
            count(&v, n0, &d);
            sg_rng rng;
            sg_rng_init(&rng, 11, SG_STREAM_PKT_NOISE, idx);
            sg_tcp_noise_stats ns;
            assert_int_equal(sg_packets_tcp_noise(&v, &r, sg_packets_max_segment(&c), 3, &rng, &ns), SG_OK);
            count(&v, n1, &d);
            assert_int_equal(n1[0], n0[0]); /* both counts are the record's: kept */
            assert_int_equal(n1[1], n0[1]);
            loss_seen o = losses_of(&v);
            assert_int_equal(o.losses, ns.lost);
            all.losses += o.losses;
            all.with_behind += o.with_behind;
            all.peer_between += o.peer_between;
            if (o.max_peer > all.max_peer) all.max_peer = o.max_peer;
            dups += ns.dup_acks;
            sg_vec_free(&v);
        }
        double share = (double)all.with_behind / (double)all.losses;
        print_message("row k=%d: %zu losses, %.2f with segments behind, %zu peer packets before those copies (max %zu), %zu duplicate ACKs\n", k,
                      all.losses, share, all.peer_between, all.max_peer, dups);
        assert_true(all.losses > 100);
        assert_true(share > 0.35 && share < 0.65);
        if (k == 0) {
            assert_int_equal(all.peer_between, 0); /* the receiver silent until the copy */
        } else {
            assert_true(all.max_peer <= 2); /* one duplicate (after an ACK of the segment before the hole) */
            assert_true(all.peer_between >= all.with_behind);
            assert_true(dups > 0);
        }
    }
}

/* The record's duration stays: a copy that must wait a round trip delays what follows only up to
 * the next gap that can absorb it (before: every later packet, so a bulk flow grew by the sum of
 * its waits), and a timeout's copy that is the flow's last packet is not put 200 ms later (before:
 * a 3 ms response became a 200 ms flow). */
static void test_duration_kept(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    sg_tcp_noise_rates r = {.loss = 0.05, .behind_share = 0.5};
    for (int b = 0; b < 3; b++) r.trains[b][1] = 1;
    int64_t worst = 0;
    for (uint64_t idx = 0; idx < 10; idx++) {
        sg_vec v;
        bulk_flow(&v, &c);
        const sg_pkt *p = v.data;
        int64_t span = p[v.len - 1].t_ns - p[0].t_ns;
        sg_rng rng;
        sg_rng_init(&rng, 3, SG_STREAM_PKT_NOISE, idx);
        sg_tcp_noise_stats ns;
        assert_int_equal(sg_packets_tcp_noise(&v, &r, sg_packets_max_segment(&c), 3, &rng, &ns), SG_OK);
        assert_true(ns.lost > 10);
        p = v.data;
        int64_t grew = p[v.len - 1].t_ns - p[0].t_ns - span;
        if (grew > worst) worst = grew;
        sg_vec_free(&v);
    }
    print_message("bulk flows grew by at most %lld µs\n", (long long)(worst / 1000));
    assert_true(worst <= 5000000); /* a wait in the last burst at most: a few round trips */

    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_SYN, 0);
    push(&v, 2000, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 3000, 0, SG_TCP_ACK, 0);
    push(&v, 4000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    push(&v, 5000, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
    push(&v, 6000, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
    const sg_tcp_noise_rates r2 = {.loss = 1};
    sg_rng rng;
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 1);
    sg_tcp_noise_stats ns;
    assert_int_equal(sg_packets_tcp_noise(&v, &r2, 1448, 3, &rng, &ns), SG_OK);
    assert_int_equal(ns.lost, 1);
    const sg_pkt *p = v.data;
    assert_int_equal(p[v.len - 1].tcp_flags & SG_PKT_NOISE_MASK, SG_PKT_RETX);
    assert_true(p[v.len - 1].t_ns <= 6000000);
    sg_vec_free(&v);
}

/* The count fit's inserted packets (src/packets/fit.c) answer or continue the packet before them:
 * an ACK inserted where a 30 s idle gap follows the peer's data comes a round trip after that data
 * and the gap stays idle (before: at the gap's midpoint, two gaps of 15 s; with an idle gap of
 * 1.5 s, two of 0.75 s and none >= 1 s where keep-alives can come) */
static void test_fit_keeps_idle(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_SYN, 0);
    push(&v, 2000, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 3000, 0, SG_TCP_ACK, 0);
    push(&v, 4000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    push(&v, 5000, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
    push(&v, 30005000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    push(&v, 30006000, 1, SG_TCP_ACK | SG_TCP_PSH, 1000);
    uint16_t mss = sg_packets_max_segment(&c);
    assert_int_equal(sg_packets_tcp_normalize(&v, mss, 1, 1, NULL, NULL), SG_OK);
    size_t n0[2], d0;
    count(&v, n0, &d0);
    const int64_t tgt[2] = {(int64_t)n0[0] + 1, (int64_t)n0[1]}, bytes[2] = {-1, -1};
    int ok = 0;
    assert_int_equal(sg_packets_fit_tcp(&c, &v, tgt, bytes, 1448, 16, 0, &ok), SG_OK);
    assert_true(ok);
    const sg_pkt *p = v.data;
    int64_t longest = 0;
    for (size_t i = 1; i < v.len; i++)
        if (p[i].t_ns - p[i - 1].t_ns > longest) longest = p[i].t_ns - p[i - 1].t_ns;
    print_message("%zu packets, longest gap %.3f s\n", v.len, (double)longest / 1e9);
    assert_true(longest >= 29000000000LL);
    sg_vec_free(&v);
}

/* request / response exchanges with an idle gap of 30 s: a keep-alive from the side that waits
 * (sequence number one below its next), answered by the peer repeating its acknowledgement and
 * window; with both directions' counts fixed and no pure ACK to take the place of, none */
static void ka_flow(sg_vec *v)
{
    sg_vec_init(v, sizeof(sg_pkt));
    push(v, 1000, 0, SG_TCP_SYN, 0);
    push(v, 2000, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(v, 3000, 0, SG_TCP_ACK, 0);
    push(v, 4000, 0, SG_TCP_ACK | SG_TCP_PSH, 2000);
    push(v, 5000, 1, SG_TCP_ACK | SG_TCP_PSH, 2000);
    push(v, 6000, 0, SG_TCP_ACK, 0);
    push(v, 30006000, 0, SG_TCP_ACK | SG_TCP_PSH, 2000);
    push(v, 30007000, 1, SG_TCP_ACK | SG_TCP_PSH, 2000);
}

static void test_keepalive(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(5222);
    sg_vec v;
    ka_flow(&v);
    size_t n0 = v.len;
    const sg_tcp_noise_rates r = {.keepalive = 1};
    sg_rng rng;
    sg_tcp_noise_stats ns;
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 2);
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 3, &rng, &ns), SG_OK);
    assert_int_equal(ns.keepalives, 0); /* both counts fixed, no pure ACK of the server to take */
    assert_int_equal(v.len, n0);
    sg_vec_free(&v);

    ka_flow(&v);
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 2);
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 0, &rng, &ns), SG_OK);
    assert_int_equal(ns.keepalives, 1);
    assert_int_equal(ns.on_top, 2);
    assert_int_equal(v.len, n0 + 2);
    rd f[16];
    assert_int_equal(build_read(&c, &v, f, 16), v.len);
    const sg_pkt *p = v.data;
    /* the keep-alive: the server's (the client spoke last), inside the gap, no data, one below
     * the server's next sequence number (its SYN and 2,000 bytes after the ISN) */
    assert_true(p[6].t_ns > p[5].t_ns + 1000000000LL && p[7].t_ns < p[8].t_ns);
    assert_int_equal((p[6].tcp_flags & SG_PKT_NOISE_MASK), SG_PKT_LOST);
    assert_int_equal(f[6].dir, 1);
    assert_int_equal(f[6].len, 0);
    assert_int_equal(f[6].seq, f[4].seq + 2000 - 1);
    assert_int_equal(f[6].ack, f[5].seq); /* it acknowledges all the client sent */
    /* the client's ACK of it repeats its last acknowledgement and window (tshark: keep-alive ACK) */
    assert_int_equal(f[7].dir, 0);
    assert_int_equal(f[7].fl, SG_TCP_ACK);
    assert_int_equal(f[7].ack, f[4].seq + 2000);
    assert_int_equal(f[7].ack, f[5].ack);
    assert_int_equal(f[7].win, f[5].win);
    assert_int_equal(f[7].seq, f[5].seq);
    /* and the exchange goes on from the right sequence numbers */
    assert_int_equal(f[8].seq, f[5].seq);
    assert_int_equal(f[9].seq, f[4].seq + 2000);
    sg_vec_free(&v);

    /* a mid-stream list whose server has sent nothing before the gap: the client (which spoke
     * last) sends the keep-alive, one below its next sequence number; the server (its count
     * open) first acknowledges the data before the gap, so its ACK of the keep-alive repeats that
     * acknowledgement and window: a keep-alive ACK to tshark (before: the server's first packet,
     * which repeats nothing) */
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_ACK | SG_TCP_PSH, 500);
    push(&v, 2000, 0, SG_TCP_ACK | SG_TCP_PSH, 500);
    push(&v, 20002000, 0, SG_TCP_ACK | SG_TCP_PSH, 500);
    push(&v, 20003000, 1, SG_TCP_ACK, 0);
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 5);
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 0, &rng, &ns), SG_OK);
    assert_int_equal(ns.keepalives, 1);
    assert_int_equal(ns.keepalive_acks_first, 1);
    assert_int_equal(v.len, 7);
    assert_int_equal(build_read(&c, &v, f, 16), 7);
    p = v.data;
    assert_int_equal(f[2].dir, 1); /* the server's ACK of the data, a round trip after it */
    assert_int_equal(f[2].fl, SG_TCP_ACK);
    assert_int_equal(f[2].ack, f[1].seq + 500);
    assert_true(p[2].t_ns > p[1].t_ns && p[2].t_ns < p[1].t_ns + 1000000000LL);
    assert_int_equal(p[3].tcp_flags & SG_PKT_NOISE_MASK, SG_PKT_LOST);
    assert_int_equal(f[3].dir, 0);
    assert_int_equal(f[3].len, 0);
    assert_int_equal(f[3].seq, f[1].seq + 500 - 1);
    assert_true(p[3].t_ns > p[2].t_ns + 1000000000LL); /* the gap stays idle until the keep-alive */
    assert_int_equal(f[4].dir, 1);
    assert_int_equal(f[4].fl, SG_TCP_ACK);
    assert_int_equal(f[4].ack, f[2].ack);
    assert_int_equal(f[4].win, f[2].win);
    assert_int_equal(f[4].seq, f[2].seq);
    sg_vec_free(&v);

    /* the same with the server's count the record's and one pure ACK of it to spare: no room for
     * both, the keep-alive's ACK takes it (the counts stay) */
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_ACK | SG_TCP_PSH, 500);
    push(&v, 2000, 0, SG_TCP_ACK | SG_TCP_PSH, 500);
    push(&v, 20002000, 1, SG_TCP_ACK, 0);
    push(&v, 20003000, 0, SG_TCP_ACK | SG_TCP_PSH, 500);
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 5);
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 2, &rng, &ns), SG_OK);
    assert_int_equal(ns.keepalive_acks_first, 0);
    size_t nd[2], dd;
    count(&v, nd, &dd);
    assert_int_equal(nd[1], 1);
    sg_vec_free(&v);
}

/* after the client acknowledged the server's data, its window opens: a pure ACK with the same
 * acknowledgement and a larger window (tshark: window update), in place of a later pure ACK of
 * the client when the client's count is fixed */
static void test_window_update(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_SYN, 0);
    push(&v, 2000, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 3000, 0, SG_TCP_ACK, 0);
    push(&v, 4000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    for (int k = 0; k < 4; k++) push(&v, 5000 + 12 * k, 1, SG_TCP_ACK | SG_TCP_PSH, 1400);
    push(&v, 9000, 0, SG_TCP_ACK, 0);
    push(&v, 20000, 1, SG_TCP_ACK | SG_TCP_PSH, 1400);
    push(&v, 21000, 0, SG_TCP_ACK, 0);
    push(&v, 22000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    size_t n0[2] = {0, 0};
    for (size_t i = 0; i < v.len; i++) n0[((sg_pkt *)v.data)[i].dir ? 1 : 0]++;
    const sg_tcp_noise_rates r = {.window_update = 1};
    sg_rng rng;
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 3);
    sg_tcp_noise_stats ns;
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 3, &rng, &ns), SG_OK);
    assert_int_equal(ns.window_updates, 1);
    assert_int_equal(ns.on_top, 0);
    size_t n1[2] = {0, 0};
    for (size_t i = 0; i < v.len; i++) n1[((sg_pkt *)v.data)[i].dir ? 1 : 0]++;
    assert_int_equal(n1[0], n0[0]);
    assert_int_equal(n1[1], n0[1]);
    rd f[32];
    size_t n = build_read(&c, &v, f, 32);
    const sg_pkt *p = v.data;
    size_t w = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if ((p[i].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_AHEAD) w = i;
    assert_int_equal(w, 9); /* right after the ACK of the burst */
    assert_int_equal(f[w].dir, 0);
    assert_int_equal(f[w].len, 0);
    assert_int_equal(f[w].fl, SG_TCP_ACK);
    assert_int_equal(f[w].ack, f[8].ack);
    assert_int_equal(f[w].seq, f[8].seq);
    assert_true(f[w].win > f[8].win);
    /* later windows never close again */
    for (size_t i = w + 1; i < n; i++)
        if (f[i].dir == 0) assert_true(f[i].win >= f[w].win);
    sg_vec_free(&v);
}

/* the segment arrived but the receiver's ACK of it was lost after the sensor: the capture shows
 * that ACK, then the copy (already acknowledged: tshark's spurious retransmission) with the same
 * sequence number and bytes, then the receiver's duplicate ACK (a D-SACK) */
static void test_spurious(void **st)
{
    (void)st;
    sg_pkt_conn c = conn_of(443);
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_SYN, 0);
    push(&v, 2000, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 3000, 0, SG_TCP_ACK, 0);
    push(&v, 4000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    push(&v, 500000, 1, SG_TCP_ACK | SG_TCP_PSH, 2000); /* above maxp: never lost */
    push(&v, 600000, 0, SG_TCP_ACK | SG_TCP_PSH, 300);
    push(&v, 700000, 1, SG_TCP_ACK | SG_TCP_PSH, 2000);
    push(&v, 800000, 0, SG_TCP_ACK, 0);
    const sg_tcp_noise_rates r = {.loss = 1, .spurious_share = 1};
    sg_rng rng;
    sg_rng_init(&rng, 1, SG_STREAM_PKT_NOISE, 4);
    sg_tcp_noise_stats ns;
    assert_int_equal(sg_packets_tcp_noise(&v, &r, 1448, 0, &rng, &ns), SG_OK);
    sg_packets_tcp_noise_sync(v.data, v.len);
    assert_int_equal(ns.lost, 1);
    assert_int_equal(ns.spurious, 1);
    rd f[32];
    size_t n = build_read(&c, &v, f, 32);
    const sg_pkt *p = v.data;
    /* 300-byte request (LOST mark), the server's ACK of all of it (RETX mark, no data), the copy
     * (RETX, same sequence number and length) acknowledged already, the server's repeat ACK */
    assert_int_equal(p[3].tcp_flags & SG_PKT_NOISE_MASK, SG_PKT_LOST);
    assert_int_equal(f[4].dir, 1);
    assert_int_equal(f[4].len, 0);
    assert_int_equal(p[4].tcp_flags & SG_PKT_NOISE_MASK, SG_PKT_RETX);
    assert_int_equal(f[4].ack, f[3].seq + 300);
    assert_int_equal(f[5].dir, 0);
    assert_int_equal(p[5].tcp_flags & SG_PKT_NOISE_MASK, SG_PKT_RETX);
    assert_int_equal(f[5].seq, f[3].seq);
    assert_int_equal(f[5].len, 300);
    assert_true(f[5].seq + f[5].len <= f[4].ack); /* tshark: spurious */
    assert_int_equal(f[6].dir, 1);
    assert_int_equal(f[6].len, 0);
    assert_int_equal(f[6].ack, f[4].ack);
    assert_int_equal(f[6].win, f[4].win);
    assert_true(tshark_dups(f, n, 1) >= 1);
    /* the server's data then acknowledges the client's bytes in order */
    assert_int_equal(f[7].dir, 1);
    assert_int_equal(f[7].ack, f[3].seq + 300);
    sg_vec_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_and_counts),
        cmocka_unit_test(test_off_and_deterministic),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_ahead_last_refused),
        cmocka_unit_test(test_burst_dupacks),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_window_update),
        cmocka_unit_test(test_spurious),
        cmocka_unit_test(test_trains),
        cmocka_unit_test(test_duration_kept),
        cmocka_unit_test(test_fit_keeps_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
