/* extract module: dissection of every supported link type, bounds safety on every truncation,
 * flow assembly rules (initiator, timeouts, TCP close, VLAN, fragments, ICMP), capture errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract/dissect.h"
#include "secgen/extract.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* ---- packet builder ------------------------------------------------------------------------ */

typedef struct pkt {
    uint8_t b[2048];
    size_t n;
} pkt;

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

static void eth(pkt *k, unsigned type, int nvlan, const unsigned *vlans)
{
    memset(k->b, 0, 12);
    k->b[0] = 0x02, k->b[6] = 0x02, k->b[11] = 1;
    k->n = 12;
    for (int i = 0; i < nvlan; i++) {
        put16(k->b + k->n, i == 0 && nvlan > 1 ? 0x88a8 : 0x8100);
        put16(k->b + k->n + 2, vlans[i]);
        k->n += 4;
    }
    put16(k->b + k->n, type);
    k->n += 2;
}

/* IPv4 + L4 header (+ zero payload); addresses as 32-bit host numbers. Returns offset of IP. */
static size_t ipv4(pkt *k, uint32_t src, uint32_t dst, uint8_t proto, unsigned l4len, unsigned id,
                   unsigned fragfield)
{
    size_t o = k->n;
    uint8_t *p = k->b + o;
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, 20 + l4len);
    put16(p + 4, id);
    put16(p + 6, fragfield);
    p[8] = 64, p[9] = proto;
    for (int i = 0; i < 4; i++) p[12 + i] = (uint8_t)(src >> (24 - 8 * i)), p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    k->n += 20;
    return o;
}

static void tcp(pkt *k, unsigned sport, unsigned dport, uint8_t flags, unsigned payload)
{
    uint8_t *p = k->b + k->n;
    memset(p, 0, 20 + payload);
    put16(p, sport), put16(p + 2, dport);
    p[12] = 5 << 4, p[13] = flags;
    k->n += 20 + payload;
}

static void udp(pkt *k, unsigned sport, unsigned dport, unsigned payload)
{
    uint8_t *p = k->b + k->n;
    memset(p, 0, 8 + payload);
    put16(p, sport), put16(p + 2, dport), put16(p + 4, 8 + payload);
    k->n += 8 + payload;
}

static void eth_tcp4(pkt *k, uint32_t s, uint32_t d, unsigned sp, unsigned dp, uint8_t fl, unsigned pay)
{
    eth(k, 0x0800, 0, NULL);
    ipv4(k, s, d, 6, 20 + pay, 1, 0);
    tcp(k, sp, dp, fl, pay);
}

static void eth_udp4(pkt *k, uint32_t s, uint32_t d, unsigned sp, unsigned dp, unsigned pay)
{
    eth(k, 0x0800, 0, NULL);
    ipv4(k, s, d, 17, 8 + pay, 1, 0);
    udp(k, sp, dp, pay);
}

#define A 0x0a000001u /* 10.0.0.1 */
#define B 0x0a000002u /* 10.0.0.2 */
#define SYN SG_TCP_SYN
#define ACK SG_TCP_ACK
#define FIN SG_TCP_FIN
#define RST SG_TCP_RST
#define PSH SG_TCP_PSH

static sg_extractor *mk(void (*tweak)(sg_extract_opts *))
{
    sg_extract_opts o;
    sg_extract_opts_default(&o);
    o.sequences = 1;
    if (tweak) tweak(&o);
    sg_extractor *x = sg_extractor_create(&o);
    assert_non_null(x);
    return x;
}

static void feed(sg_extractor *x, int dlt, int64_t ts, const pkt *k)
{
    sg_error err = {0};
    /* exact-size heap copy: ASan catches any read past the captured bytes */
    uint8_t *c = malloc(k->n ? k->n : 1);
    memcpy(c, k->b, k->n);
    assert_int_equal(sg_extractor_add_packet(x, dlt, ts, c, (uint32_t)k->n, (uint32_t)k->n, &err), SG_OK);
    free(c);
}

/* a frame cut by the snapshot length: wirelen bytes on the wire, k->n captured */
static void feed_cut(sg_extractor *x, int dlt, int64_t ts, const pkt *k, uint32_t wirelen)
{
    sg_error err = {0};
    uint8_t *c = malloc(k->n ? k->n : 1);
    memcpy(c, k->b, k->n);
    assert_int_equal(sg_extractor_add_packet(x, dlt, ts, c, (uint32_t)k->n, wirelen, &err), SG_OK);
    free(c);
}

static sg_flow_table finish(sg_extractor *x)
{
    sg_error err = {0};
    assert_int_equal(sg_extractor_finish(x, &err), SG_OK);
    sg_flow_table t;
    sg_flow_table_init(&t);
    assert_int_equal(sg_extractor_flows(x, &t, &err), SG_OK);
    return t;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_tcp_handshake_flow(void **state)
{
    (void)state;
    sg_extractor *x = mk(NULL);
    pkt k;
    int64_t t = 1491388262000000LL;
    eth_tcp4(&k, A, B, 40000, 80, SYN, 0), feed(x, DLT_EN10MB, t, &k);
    eth_tcp4(&k, B, A, 80, 40000, SYN | ACK, 0), feed(x, DLT_EN10MB, t + 100, &k);
    eth_tcp4(&k, A, B, 40000, 80, ACK, 0), feed(x, DLT_EN10MB, t + 200, &k);
    eth_tcp4(&k, A, B, 40000, 80, PSH | ACK, 100), feed(x, DLT_EN10MB, t + 300, &k);
    eth_tcp4(&k, B, A, 80, 40000, FIN | ACK, 0), feed(x, DLT_EN10MB, t + 400, &k);
    eth_tcp4(&k, A, B, 40000, 80, FIN | ACK, 0), feed(x, DLT_EN10MB, t + 500, &k);
    eth_tcp4(&k, B, A, 80, 40000, ACK, 0), feed(x, DLT_EN10MB, t + 600, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 1);
    sg_flow *f = &ft.flows[0];
    assert_string_equal(f->src_ip, "10.0.0.1");
    assert_string_equal(f->dst_ip, "10.0.0.2");
    assert_int_equal(f->src_port, 40000);
    assert_int_equal(f->dst_port, 80);
    assert_int_equal(f->proto, 6);
    assert_int_equal(f->fwd_packets, 4);
    assert_int_equal(f->bwd_packets, 3);
    assert_int_equal(f->fwd_bytes, 4 * 40 + 100); /* IP bytes */
    assert_int_equal(f->bwd_bytes, 3 * 40);
    assert_int_equal(f->flags, SYN | ACK | PSH | FIN);
    assert_int_equal(f->start_us, t);
    assert_int_equal(f->duration_us, 600);
    /* the packet sequence of that flow */
    sg_seq_set *ss = sg_seq_set_create();
    sg_error err = {0};
    assert_int_equal(sg_extractor_sequences(x, ss, &err), SG_OK);
    assert_int_equal(sg_seq_set_count(ss), 1);
    const sg_seq *q = sg_seq_set_get(ss, 0);
    assert_string_equal(q->id, "1");
    assert_int_equal(q->proto, 6);
    assert_int_equal(q->service_port, 80);
    assert_int_equal(q->n, 7);
    const char *want[] = {">S", "<SA", ">A", ">PA", "<FA", ">FA", "<A"};
    for (int i = 0; i < 7; i++) {
        assert_string_equal(sg_seq_set_symbol(ss, q->sym[i]), want[i]);
        assert_int_equal(q->iat_us[i], i ? 100 : 0);
        assert_int_equal(q->payload[i], i == 3 ? 100 : 0);
    }
    sg_seq_set_destroy(ss);
    const sg_extract_stats *s = sg_extractor_stats(x);
    assert_int_equal(s->packets, 7);
    assert_int_equal(s->proto[6], 7);
    assert_int_equal(s->link[SG_LINK_ETHERNET], 7);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

static void test_symbols(void **state)
{
    (void)state;
    assert_string_equal(sg_extract_symbol(1, 1, SYN), ">S");
    assert_string_equal(sg_extract_symbol(0, 1, SYN | ACK), "<SA");
    assert_string_equal(sg_extract_symbol(1, 1, PSH | ACK), ">PA");
    assert_string_equal(sg_extract_symbol(0, 1, FIN | ACK), "<FA");
    assert_string_equal(sg_extract_symbol(1, 1, RST), ">R");
    assert_string_equal(sg_extract_symbol(1, 1, 0), ">");
    assert_string_equal(sg_extract_symbol(1, 0, 0xff), ">");
    assert_string_equal(sg_extract_symbol(0, 0, 0), "<");
}

static void test_synack_first_sets_initiator(void **state)
{
    (void)state;
    sg_extractor *x = mk(NULL);
    pkt k;
    eth_tcp4(&k, B, A, 443, 50000, SYN | ACK, 0), feed(x, DLT_EN10MB, 1000, &k);
    eth_tcp4(&k, A, B, 50000, 443, ACK, 0), feed(x, DLT_EN10MB, 2000, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 1);
    assert_string_equal(ft.flows[0].src_ip, "10.0.0.1");
    assert_int_equal(ft.flows[0].dst_port, 443);
    assert_int_equal(ft.flows[0].fwd_packets, 1);
    assert_int_equal(ft.flows[0].bwd_packets, 1);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

static void test_late_syn_sets_initiator(void **state)
{
    (void)state;
    sg_extractor *x = mk(NULL);
    pkt k;
    /* a stray segment from the server opens the flow, then the client's SYN: the SYN decides */
    eth_tcp4(&k, B, A, 443, 50000, PSH | ACK, 10), feed(x, DLT_EN10MB, 1000, &k);
    eth_tcp4(&k, A, B, 50000, 443, SYN, 0), feed(x, DLT_EN10MB, 2000, &k);
    eth_tcp4(&k, B, A, 443, 50000, SYN | ACK, 0), feed(x, DLT_EN10MB, 3000, &k);
    /* no more flipping once the SYN is known, even for a SYN from the other side */
    eth_tcp4(&k, B, A, 443, 50000, SYN, 0), feed(x, DLT_EN10MB, 4000, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 1);
    assert_string_equal(ft.flows[0].src_ip, "10.0.0.1");
    assert_int_equal(ft.flows[0].src_port, 50000);
    assert_int_equal(ft.flows[0].fwd_packets, 1);
    assert_int_equal(ft.flows[0].bwd_packets, 3);
    sg_seq_set *ss = sg_seq_set_create();
    sg_error err = {0};
    assert_int_equal(sg_extractor_sequences(x, ss, &err), SG_OK);
    const sg_seq *q = sg_seq_set_get(ss, 0);
    assert_int_equal(q->n, 4);
    assert_string_equal(sg_seq_set_symbol(ss, q->sym[0]), "<PA");
    assert_string_equal(sg_seq_set_symbol(ss, q->sym[1]), ">S");
    assert_string_equal(sg_seq_set_symbol(ss, q->sym[3]), "<S");
    sg_seq_set_destroy(ss);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

static void no_timeouts(sg_extract_opts *o) { o->idle_timeout_us = o->active_timeout_us = 0; }
static void no_close(sg_extract_opts *o) { o->tcp_close = 0; }
static void ignore_vlan(sg_extract_opts *o) { o->ignore_vlan = 1; }
static void drop_frags(sg_extract_opts *o) { o->frags = SG_EXTRACT_FRAGS_DROP; }
static void short_active(sg_extract_opts *o) { o->active_timeout_us = 10 * 1000000LL, o->idle_timeout_us = 0; }

static void test_idle_timeout(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        sg_extractor *x = mk(v ? no_timeouts : NULL);
        pkt k;
        eth_udp4(&k, A, B, 5353, 53, 10), feed(x, DLT_EN10MB, 0, &k);
        eth_udp4(&k, B, A, 53, 5353, 10), feed(x, DLT_EN10MB, 1000000, &k);
        /* 200 s later: beyond the default 120 s idle timeout */
        eth_udp4(&k, B, A, 53, 5353, 10), feed(x, DLT_EN10MB, 201000000, &k);
        sg_flow_table ft = finish(x);
        assert_int_equal(ft.n, v ? 1 : 2);
        if (!v) {
            /* the second flow starts with a packet from 10.0.0.2: it is that flow's initiator */
            assert_string_equal(ft.flows[1].src_ip, "10.0.0.2");
            assert_int_equal(ft.flows[1].fwd_packets, 1);
        }
        sg_flow_table_free(&ft);
        sg_extractor_destroy(x);
    }
}

static void test_active_timeout(void **state)
{
    (void)state;
    sg_extractor *x = mk(short_active);
    pkt k;
    for (int i = 0; i < 25; i++) eth_udp4(&k, A, B, 1000, 2000, 1), feed(x, DLT_EN10MB, (int64_t)i * 1000000, &k);
    sg_flow_table ft = finish(x);
    /* 0..10 s, 11..21 s, 22..24 s: a flow ends at the first packet more than 10 s after its start */
    assert_int_equal(ft.n, 3);
    assert_int_equal(ft.flows[0].fwd_packets, 11);
    assert_int_equal(ft.flows[1].start_us, 11000000);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

static void test_tcp_close_then_new_syn(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        sg_extractor *x = mk(v ? no_close : NULL);
        pkt k;
        eth_tcp4(&k, A, B, 40000, 80, SYN, 0), feed(x, DLT_EN10MB, 0, &k);
        eth_tcp4(&k, B, A, 80, 40000, RST | ACK, 0), feed(x, DLT_EN10MB, 10, &k);
        eth_tcp4(&k, A, B, 40000, 80, ACK, 0), feed(x, DLT_EN10MB, 15, &k); /* stray: same flow */
        eth_tcp4(&k, A, B, 40000, 80, SYN, 0), feed(x, DLT_EN10MB, 20, &k); /* port reused */
        eth_tcp4(&k, B, A, 80, 40000, SYN | ACK, 0), feed(x, DLT_EN10MB, 30, &k);
        sg_flow_table ft = finish(x);
        assert_int_equal(ft.n, v ? 1 : 2);
        if (!v) {
            assert_int_equal(ft.flows[0].fwd_packets, 2);
            assert_int_equal(ft.flows[0].flags, SYN | RST | ACK);
            assert_int_equal(ft.flows[1].fwd_packets, 1);
            assert_int_equal(ft.flows[1].bwd_packets, 1);
        }
        sg_flow_table_free(&ft);
        sg_extractor_destroy(x);
    }
}

static void test_vlan_in_key(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        sg_extractor *x = mk(v ? ignore_vlan : NULL);
        pkt k;
        unsigned v1[] = {100}, v2[] = {200}, qq[] = {10, 300};
        eth(&k, 0x0800, 1, v1), ipv4(&k, A, B, 17, 8, 1, 0), udp(&k, 1, 2, 0), feed(x, DLT_EN10MB, 0, &k);
        eth(&k, 0x0800, 1, v2), ipv4(&k, A, B, 17, 8, 1, 0), udp(&k, 1, 2, 0), feed(x, DLT_EN10MB, 1, &k);
        eth(&k, 0x0800, 2, qq), ipv4(&k, B, A, 17, 8, 1, 0), udp(&k, 2, 1, 0), feed(x, DLT_EN10MB, 2, &k);
        sg_flow_table ft = finish(x);
        assert_int_equal(ft.n, v ? 1 : 3);
        sg_flow_table_free(&ft);
        sg_extractor_destroy(x);
    }
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        sg_extractor *x = mk(v ? drop_frags : NULL);
        pkt k;
        /* UDP datagram of 8 + 2000 bytes in two fragments (1480 + 528 payload bytes) */
        eth(&k, 0x0800, 0, NULL), ipv4(&k, A, B, 17, 1480, 77, 0x2000);
        udp(&k, 1234, 4321, 1472);
        put16(k.b + 14 + 20 + 4, 2008); /* UDP length = whole datagram */
        feed(x, DLT_EN10MB, 0, &k);
        eth(&k, 0x0800, 0, NULL), ipv4(&k, A, B, 17, 528, 77, 1480 / 8);
        memset(k.b + k.n, 0, 528), k.n += 528;
        feed(x, DLT_EN10MB, 5, &k);
        sg_flow_table ft = finish(x);
        assert_int_equal(ft.n, 1);
        assert_int_equal(ft.flows[0].dst_port, 4321);
        assert_int_equal(ft.flows[0].fwd_packets, v ? 1 : 2);
        assert_int_equal(ft.flows[0].fwd_bytes, v ? 1500 : 1500 + 548);
        const sg_extract_stats *s = sg_extractor_stats(x);
        assert_int_equal(s->frag_later, 1);
        assert_int_equal(s->frag_attributed, v ? 0 : 1);
        sg_flow_table_free(&ft);
        sg_extractor_destroy(x);
    }
    /* a later fragment alone is an orphan: counted, reported, not a flow */
    sg_extractor *x = mk(NULL);
    pkt k;
    eth(&k, 0x0800, 0, NULL), ipv4(&k, A, B, 17, 100, 9, 100), memset(k.b + k.n, 0, 100), k.n += 100;
    feed(x, DLT_EN10MB, 0, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 0);
    const sg_extract_stats *s = sg_extractor_stats(x);
    assert_int_equal(s->n_issues, 1);
    assert_int_equal(s->issues[0].kind, SG_ISSUE_ORPHAN_FRAG);
    assert_int_equal(s->issues[0].packet, 1);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

/* IPv6 packet with hop-by-hop + fragment (offset 0) extension headers before UDP */
static void ipv6_udp_ext(pkt *k, int frag_offset_units)
{
    uint8_t *p = k->b + k->n;
    unsigned l4 = frag_offset_units ? 16 : 8 + 4;
    unsigned plen = 8 + 8 + l4;
    memset(p, 0, 40 + plen);
    p[0] = 0x60;
    put16(p + 4, plen);
    p[6] = 0; /* hop-by-hop */
    p[7] = 64;
    p[8] = 0x20, p[8 + 1] = 0x01, p[8 + 15] = 1;   /* 2001::1 */
    p[24] = 0x20, p[24 + 1] = 0x01, p[24 + 15] = 2; /* 2001::2 */
    uint8_t *h = p + 40;
    h[0] = 44, h[1] = 0; /* next: fragment; 8 bytes */
    uint8_t *f = h + 8;
    f[0] = 17;
    put16(f + 2, (unsigned)(frag_offset_units << 3) | 1);
    f[4] = 0xde, f[5] = 0xad, f[6] = 0xbe, f[7] = 0xef;
    if (!frag_offset_units) {
        uint8_t *u = f + 8;
        put16(u, 5000), put16(u + 2, 53), put16(u + 4, 8 + 4);
    }
    k->n += 40 + plen;
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    pkt k;
    sg_pkt p;
    eth(&k, 0x86dd, 0, NULL);
    ipv6_udp_ext(&k, 0);
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(p.ipver, 6);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 5000);
    assert_int_equal(p.dport, 53);
    assert_int_equal(p.is_frag, 1);
    assert_int_equal(p.frag_more, 1);
    assert_int_equal(p.frag_id, 0xdeadbeef);
    assert_int_equal(p.ip_bytes, 40 + 8 + 8 + 12);
    assert_int_equal(p.l4_payload, 4);

    sg_extractor *x = mk(NULL);
    feed(x, DLT_EN10MB, 0, &k);
    eth(&k, 0x86dd, 0, NULL);
    ipv6_udp_ext(&k, 2);
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_LATER_FRAG);
    feed(x, DLT_EN10MB, 1, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 1);
    assert_string_equal(ft.flows[0].src_ip, "2001::1");
    assert_string_equal(ft.flows[0].dst_ip, "2001::2");
    assert_int_equal(ft.flows[0].fwd_packets, 2);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

static void test_link_types(void **state)
{
    (void)state;
    pkt e, k;
    sg_pkt p;
    eth_tcp4(&e, A, B, 1, 2, SYN, 0);
    const uint8_t *ip = e.b + 14;
    size_t iplen = e.n - 14;
    /* Linux SLL: 16 bytes, protocol at 14 */
    memset(k.b, 0, 16), put16(k.b + 14, 0x0800), memcpy(k.b + 16, ip, iplen), k.n = 16 + iplen;
    assert_int_equal(sg_dissect(DLT_LINUX_SLL, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(p.dport, 2);
    /* SLL2: 20 bytes, protocol at 0 */
    memset(k.b, 0, 20), put16(k.b, 0x0800), memcpy(k.b + 20, ip, iplen), k.n = 20 + iplen;
    assert_int_equal(sg_dissect(DLT_LINUX_SLL2, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(p.tcp_flags, SYN);
    /* raw IP */
    assert_int_equal(sg_dissect(DLT_RAW, ip, iplen, iplen, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(sg_dissect(DLT_IPV4, ip, iplen, iplen, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(sg_dissect(DLT_IPV6, ip, iplen, iplen, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_MALFORMED);
    /* BSD loopback, little- and big-endian AF_INET, and macOS AF_INET6 (30) */
    memset(k.b, 0, 4), k.b[0] = 2, memcpy(k.b + 4, ip, iplen), k.n = 4 + iplen;
    assert_int_equal(sg_dissect(DLT_NULL, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    memset(k.b, 0, 4), k.b[3] = 2;
    assert_int_equal(sg_dissect(DLT_LOOP, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    pkt v6;
    v6.n = 0;
    ipv6_udp_ext(&v6, 0);
    memset(k.b, 0, 4), k.b[0] = 30, memcpy(k.b + 4, v6.b, v6.n), k.n = 4 + v6.n;
    assert_int_equal(sg_dissect(DLT_NULL, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(p.ipver, 6);
    /* QinQ */
    unsigned qq[] = {5, 6};
    eth(&k, 0x0800, 2, qq), memcpy(k.b + k.n, ip, iplen), k.n += iplen;
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
    assert_int_equal(p.vlan, 5u << 12 | 6u);
    /* ARP is not IP; an unsupported link type neither */
    eth(&k, 0x0806, 0, NULL), memset(k.b + k.n, 0, 28), k.n += 28;
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_NON_IP);
    assert_int_equal(p.ethertype, 0x0806);
    assert_int_equal(sg_extract_link_kind(DLT_IEEE802_11), SG_LINK_OTHER);
}

static void test_icmp_flow(void **state)
{
    (void)state;
    sg_extractor *x = mk(NULL);
    pkt k;
    eth(&k, 0x0800, 0, NULL), ipv4(&k, A, B, 1, 16, 1, 0);
    memset(k.b + k.n, 0, 16), k.b[k.n] = 8, k.n += 16; /* echo request */
    feed(x, DLT_EN10MB, 0, &k);
    eth(&k, 0x0800, 0, NULL), ipv4(&k, B, A, 1, 16, 1, 0);
    memset(k.b + k.n, 0, 16), k.n += 16; /* echo reply */
    feed(x, DLT_EN10MB, 10, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 1);
    assert_int_equal(ft.flows[0].proto, 1);
    assert_int_equal(ft.flows[0].dst_port, 8 << 8);
    assert_int_equal(ft.flows[0].bwd_packets, 1);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

/* Every prefix of valid frames (and a few byte flips) must dissect without reading out of
 * bounds; the prefixes that cut a needed header must be reported as truncated. */
static void test_every_truncation(void **state)
{
    (void)state;
    pkt frames[4];
    unsigned qq[] = {1, 2};
    eth_tcp4(&frames[0], A, B, 1, 2, SYN, 10);
    eth_udp4(&frames[1], A, B, 1, 2, 10);
    eth(&frames[2], 0x86dd, 0, NULL), ipv6_udp_ext(&frames[2], 0);
    eth(&frames[3], 0x0800, 2, qq), ipv4(&frames[3], A, B, 6, 20, 1, 0), tcp(&frames[3], 1, 2, ACK, 0);
    const int dlts[] = {DLT_EN10MB, DLT_RAW, DLT_NULL, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_IPV6};
    for (size_t f = 0; f < 4; f++) {
        for (size_t d = 0; d < sizeof dlts / sizeof *dlts; d++) {
            for (size_t n = 0; n <= frames[f].n; n++) {
                uint8_t *c = malloc(n ? n : 1);
                memcpy(c, frames[f].b, n);
                sg_pkt p;
                /* cut by the snapshot length: the wire length is the whole frame's */
                sg_dissect_result r = sg_dissect(dlts[d], c, n, frames[f].n, SG_EXTRACT_TUNNELS_ALL, &p);
                if (dlts[d] == DLT_EN10MB && n < frames[f].n - 10)
                    assert_true(r == SG_DIS_TRUNCATED || r == SG_DIS_NON_IP);
                for (size_t i = 0; i < n; i++) { /* flip bytes one at a time */
                    c[i] ^= 0xff;
                    (void)sg_dissect(dlts[d], c, n, n, SG_EXTRACT_TUNNELS_ALL, &p);
                    (void)sg_dissect(dlts[d], c, n, frames[f].n, SG_EXTRACT_TUNNELS_ALL, &p);
                    c[i] ^= 0xff;
                }
                free(c);
            }
        }
    }
    /* through the extractor: counted with their packet numbers */
    sg_extractor *x = mk(NULL);
    pkt k = frames[0];
    uint32_t full = (uint32_t)k.n;
    k.n = 30; /* Ethernet + 16 bytes of IPv4 */
    feed_cut(x, DLT_EN10MB, 0, &k, full);
    k = frames[0];
    feed(x, DLT_EN10MB, 1, &k);
    k.n = 14 + 20 + 10; /* TCP header cut */
    feed_cut(x, DLT_EN10MB, 2, &k, full);
    /* the same cut, but the frame was that short on the wire: the IP length is a lie */
    feed(x, DLT_EN10MB, 3, &k);
    /* cut inside the payload by the snapshot length: a normal packet of the flow */
    k = frames[0];
    k.n -= 5;
    feed_cut(x, DLT_EN10MB, 4, &k, full);
    sg_flow_table ft = finish(x);
    const sg_extract_stats *s = sg_extractor_stats(x);
    assert_int_equal(s->truncated, 2);
    assert_int_equal(s->malformed, 1);
    assert_int_equal(s->n_issues, 3);
    assert_int_equal(s->issues[0].packet, 1);
    assert_int_equal(s->issues[1].packet, 3);
    assert_int_equal(s->issues[1].kind, SG_ISSUE_TRUNCATED);
    assert_int_equal(s->issues[2].packet, 4);
    assert_int_equal(s->issues[2].kind, SG_ISSUE_MALFORMED);
    assert_int_equal(ft.n, 1);
    assert_int_equal(ft.flows[0].fwd_packets, 2);
    assert_int_equal(ft.flows[0].fwd_bytes, 2 * 50); /* IP bytes as stated, not as captured */
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

static void test_malformed(void **state)
{
    (void)state;
    pkt k;
    sg_pkt p;
    eth_tcp4(&k, A, B, 1, 2, SYN, 0);
    k.b[14] = 0x44; /* IHL 4 */
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_MALFORMED);
    eth_tcp4(&k, A, B, 1, 2, SYN, 0);
    put16(k.b + 16, 10); /* total length < header */
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_MALFORMED);
    eth_tcp4(&k, A, B, 1, 2, SYN, 0);
    k.b[14 + 20 + 12] = 0x20; /* TCP data offset 2 */
    assert_int_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_MALFORMED);
    eth_tcp4(&k, A, B, 1, 2, SYN, 0);
    k.b[14] = 0x75; /* version 7 */
    assert_int_equal(sg_dissect(DLT_RAW, k.b + 14, k.n - 14, k.n - 14, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_MALFORMED);
    /* VLAN tag loop */
    memset(k.b, 0, 12);
    for (int i = 0; i < 12; i++) put16(k.b + 12 + 4 * i, 0x8100), put16(k.b + 14 + 4 * i, 1);
    k.n = 12 + 48 + 2;
    put16(k.b + 60, 0x8100);
    assert_int_not_equal(sg_dissect(DLT_EN10MB, k.b, k.n, k.n, SG_EXTRACT_TUNNELS_ALL, &p), SG_DIS_OK);
}

static void test_sorted_deterministic_output(void **state)
{
    (void)state;
    sg_extractor *x = mk(NULL);
    pkt k;
    /* flows created out of start order (time goes backwards once) and with equal starts */
    eth_udp4(&k, A, B, 1, 1, 0), feed(x, DLT_EN10MB, 500, &k);
    eth_udp4(&k, A, B, 2, 2, 0), feed(x, DLT_EN10MB, 100, &k);
    eth_udp4(&k, A, B, 3, 3, 0), feed(x, DLT_EN10MB, 500, &k);
    eth_udp4(&k, A, B, 4, 4, 0), feed(x, DLT_EN10MB, 100, &k);
    sg_flow_table ft = finish(x);
    assert_int_equal(ft.n, 4);
    const int want[] = {2, 4, 1, 3};
    for (int i = 0; i < 4; i++) assert_int_equal(ft.flows[i].src_port, want[i]);
    assert_int_equal(sg_extractor_stats(x)->time_backwards, 2);
    sg_flow_table_free(&ft);
    sg_extractor_destroy(x);
}

/* ---- capture files ------------------------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n) assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

/* classic pcap with `np` copies of a TCP SYN frame; returns the byte size */
static size_t make_pcap(uint8_t *buf, int np)
{
    pkt k;
    eth_tcp4(&k, A, B, 1, 2, SYN, 0);
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    memcpy(buf, hdr, 24);
    size_t n = 24;
    for (int i = 0; i < np; i++) {
        uint32_t rh[4] = {1000u + (uint32_t)i, 0, (uint32_t)k.n, (uint32_t)k.n};
        memcpy(buf + n, rh, 16), n += 16;
        memcpy(buf + n, k.b, k.n), n += k.n;
    }
    return n;
}

static void test_capture_errors(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sg_extract_test_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char path[128];
    sg_error err;
    uint8_t buf[4096];

    sg_extractor *x = mk(NULL);
    memset(&err, 0, sizeof err);
    snprintf(path, sizeof path, "%s/missing.pcap", tmpdir);
    assert_int_equal(sg_extractor_add_capture(x, path, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "missing.pcap"));

    snprintf(path, sizeof path, "%s/empty.pcap", tmpdir);
    write_file(path, "", 0);
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_extractor_add_capture(x, path, &err), SG_OK);
    assert_non_null(strstr(err.msg, "empty.pcap"));

    snprintf(path, sizeof path, "%s/text.pcap", tmpdir);
    write_file(path, "start,duration\n1,2\n", 19);
    memset(&err, 0, sizeof err);
    assert_int_equal(sg_extractor_add_capture(x, path, &err), SG_ERR_PARSE);
    assert_non_null(strstr(err.msg, "text.pcap"));

    size_t n = make_pcap(buf, 3);
    snprintf(path, sizeof path, "%s/good.pcap", tmpdir);
    write_file(path, buf, n);
    memset(&err, 0, sizeof err);
    assert_int_equal(sg_extractor_add_capture(x, path, &err), SG_OK);

    snprintf(path, sizeof path, "%s/cut.pcap", tmpdir);
    write_file(path, buf, n - 20); /* third record cut short */
    memset(&err, 0, sizeof err);
    assert_int_equal(sg_extractor_add_capture(x, path, &err), SG_ERR_PARSE);
    assert_non_null(strstr(err.msg, "cut.pcap:3"));
    sg_extractor_destroy(x);

    /* unsupported link type */
    make_pcap(buf, 0);
    uint32_t lt = 105; /* 802.11 */
    memcpy(buf + 20, &lt, 4);
    snprintf(path, sizeof path, "%s/wifi.pcap", tmpdir);
    write_file(path, buf, 24);
    x = mk(NULL);
    memset(&err, 0, sizeof err);
    assert_int_equal(sg_extractor_add_capture(x, path, &err), SG_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "link type"));
    sg_extractor_destroy(x);

    const char *names[] = {"empty.pcap", "text.pcap", "good.pcap", "cut.pcap", "wifi.pcap"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

/* Two extractors finishing at the same time in two threads: each sorts its own flows (the sort
 * used a global context, so one thread sorted with the other's flows or a NULL pointer). */
enum { CONC_FLOWS = 30000 };

static void *conc_finish(void *arg)
{
    sg_error err = {0};
    return (void *)(intptr_t)(sg_extractor_finish(arg, &err) == SG_OK ? 0 : 1);
}

static sg_extractor *conc_make(unsigned salt)
{
    sg_extractor *x = mk(NULL);
    pkt k;
    /* every packet a new flow, times going backwards: the sort has real work */
    for (unsigned i = 0; i < CONC_FLOWS; i++) {
        eth_udp4(&k, A + salt, B, 1024 + i % 60000, 53 + i / 60000, 8);
        sg_error err = {0};
        assert_int_equal(sg_extractor_add_packet(x, DLT_EN10MB, (int64_t)(CONC_FLOWS - i) * 1000 + salt, k.b,
                                                 (uint32_t)k.n, (uint32_t)k.n, &err),
                         SG_OK);
    }
    return x;
}

static void test_concurrent_finish(void **state)
{
    (void)state;
    for (int rep = 0; rep < 8; rep++) {
        sg_extractor *x[2] = {conc_make(0), conc_make(1)};
        pthread_t th[2];
        for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, conc_finish, x[i]), 0);
        for (int i = 0; i < 2; i++) {
            void *rc;
            pthread_join(th[i], &rc);
            assert_null(rc);
        }
        for (int i = 0; i < 2; i++) {
            sg_flow_table t = finish(x[i]);
            assert_int_equal(t.n, CONC_FLOWS);
            for (size_t j = 0; j < t.n; j++) {
                assert_int_equal(t.flows[j].start_us, (int64_t)(j + 1) * 1000 + i);
                assert_int_equal(t.flows[j].src_port, 1024 + (CONC_FLOWS - 1 - j) % 60000);
            }
            sg_flow_table_free(&t);
            sg_extractor_destroy(x[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_handshake_flow),
        cmocka_unit_test(test_symbols),
        cmocka_unit_test(test_synack_first_sets_initiator),
        cmocka_unit_test(test_late_syn_sets_initiator),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_active_timeout),
        cmocka_unit_test(test_tcp_close_then_new_syn),
        cmocka_unit_test(test_vlan_in_key),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_icmp_flow),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_sorted_deterministic_output),
        cmocka_unit_test(test_capture_errors),
        cmocka_unit_test(test_concurrent_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
