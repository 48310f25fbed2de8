/* packets module: checksums, TCP normalisation rules, frame building (verified by an independent
 * big-endian checksum and sequence tracker), payload templates, pcap writer (read back with
 * libpcap), k-way merge order, and a tshark pass over a mixed capture when tshark is present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/packets.h"

/* ---- independent reference implementations ---------------------------------------------------- */
static uint16_t ref_csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum; /* not complemented: a valid packet sums to 0xffff */
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* checks lengths and checksums of one frame; returns the L4 protocol */
static int check_frame(const uint8_t *f, size_t len)
{
    assert_true(len >= 14 + 20);
    uint16_t et = be16(f + 12);
    const uint8_t *ip = f + 14;
    size_t l4len;
    uint8_t proto;
    uint32_t pseudo = 0;
    const uint8_t *l4;
    if (et == 0x0800) {
        size_t ihl = (ip[0] & 15u) * 4;
        assert_int_equal(ip[0] >> 4, 4);
        assert_int_equal(be16(ip + 2), len - 14);
        assert_int_equal(ref_csum(ip, ihl, 0), 0xffff);
        proto = ip[9];
        l4 = ip + ihl;
        l4len = len - 14 - ihl;
        for (int i = 12; i < 20; i += 2) pseudo += be16(ip + i);
        pseudo += proto + (uint32_t)l4len;
        if (proto == SG_PROTO_ICMP) pseudo = 0;
    } else {
        assert_int_equal(et, 0x86dd);
        assert_int_equal(be16(ip + 4), len - 54);
        proto = ip[6];
        l4 = ip + 40;
        l4len = len - 54;
        for (int i = 8; i < 40; i += 2) pseudo += be16(ip + i);
        pseudo += proto + (uint32_t)l4len;
    }
    if (proto == SG_PROTO_UDP) assert_int_equal(be16(l4 + 4), l4len);
    assert_int_equal(ref_csum(l4, l4len, pseudo), 0xffff);
    return proto;
}

/* ---- helpers ------------------------------------------------------------------------------------ */
static void push(sg_vec *v, int64_t t_us, int dir, uint8_t flags, uint32_t len)
{
    sg_pkt p = {.t_ns = t_us * 1000, .payload_len = len, .dir = (uint8_t)dir, .tcp_flags = flags};
    assert_int_equal(sg_vec_push(v, &p), SG_OK);
}

static void host(sg_pkt_host *h, const char *ip, sg_os os, uint8_t ttl, uint8_t macl)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(sg_addr_parse(ip, h->addr, &h->is_v6), 0);
    uint8_t mac[6] = {0x00, 0x1b, 0x21, 0x10, 0x20, macl};
    memcpy(h->mac, mac, 6);
    h->os = os;
    h->ttl = ttl;
}

static sg_pkt_conn conn_of(uint8_t proto, const char *a, const char *b, uint16_t sp, uint16_t dp)
{
    sg_pkt_conn c;
    memset(&c, 0, sizeof c);
    c.proto = proto;
    c.src_port = sp;
    c.dst_port = dp;
    c.service_port = dp;
    host(&c.cli, a, SG_OS_LINUX, 64, 1);
    host(&c.srv, b, SG_OS_WINDOWS, 128, 2);
    return c;
}

static const sg_pkt *P(sg_vec *v, size_t i) { return &SG_VEC_AT(v, sg_pkt, i); }

/* ---- tests -------------------------------------------------------------------------------------- */
static void test_checksum_rfc1071(void **st)
{
    (void)st;
    /* RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 -> sum ddf2 */
    const uint8_t d[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint16_t c = sg_csum_fold(sg_csum_partial(d, 8, 0));
    uint8_t b[2];
    memcpy(b, &c, 2);
    assert_int_equal(b[0] << 8 | b[1], 0xffff - 0xddf2);
    assert_int_equal(ref_csum(d, 8, 0), 0xddf2);
    /* odd length */
    const uint8_t e[3] = {0x12, 0x34, 0x56};
    c = sg_csum_fold(sg_csum_partial(e, 3, 0));
    memcpy(b, &c, 2);
    assert_int_equal(b[0] << 8 | b[1], (uint16_t)~ref_csum(e, 3, 0));
}

static void test_norm_inserts_handshake_and_close(void **st)
{
    (void)st;
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 1000, 0, SG_TCP_ACK | SG_TCP_PSH, 100); /* starts mid-connection */
    push(&v, 2000, 1, SG_TCP_ACK | SG_TCP_PSH, 500);
    sg_tcp_norm_stats ns;
    sg_error err = {0};
    assert_int_equal(sg_packets_tcp_normalize(&v, 1448, 1, 7, &ns, &err), SG_OK);
    /* SYN, SYN-ACK, data>, data<, FIN>, FIN<, ACK> */
    assert_int_equal(v.len, 7);
    assert_int_equal(P(&v, 0)->tcp_flags, SG_TCP_SYN);
    assert_int_equal(P(&v, 0)->dir, 0);
    assert_int_equal(P(&v, 1)->tcp_flags, SG_TCP_SYN | SG_TCP_ACK);
    assert_int_equal(P(&v, 1)->dir, 1);
    assert_int_equal(P(&v, 2)->payload_len, 100);
    assert_int_equal(P(&v, 2)->tcp_flags, SG_TCP_ACK | SG_TCP_PSH);
    assert_int_equal(P(&v, 3)->payload_len, 500);
    assert_true(P(&v, 4)->tcp_flags & SG_TCP_FIN);
    assert_true(P(&v, 5)->tcp_flags & SG_TCP_FIN);
    assert_int_equal(P(&v, 6)->tcp_flags, SG_TCP_ACK);
    assert_int_equal(ns.inserted, 5);
    for (size_t i = 1; i < v.len; i++) assert_true(P(&v, i)->t_ns >= P(&v, i - 1)->t_ns);
    /* inserted handshake comes first: the data packet moved after the SYN-ACK */
    assert_true(P(&v, 2)->t_ns > P(&v, 1)->t_ns);
    sg_vec_free(&v);
}

static void test_norm_rst_dupack_split(void **st)
{
    (void)st;
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 0, 0, SG_TCP_SYN, 0);
    push(&v, 5, 0, SG_TCP_SYN, 0);                  /* SYN retransmission: dropped */
    push(&v, 10, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
    push(&v, 20, 0, SG_TCP_ACK, 0);                 /* handshake ACK */
    push(&v, 30, 0, SG_TCP_ACK, 0);                 /* duplicate pure ACK: dropped */
    push(&v, 40, 0, SG_TCP_ACK | SG_TCP_PSH, 4000); /* split into 3 segments */
    push(&v, 50, 1, SG_TCP_RST, 0);
    push(&v, 60, 0, SG_TCP_ACK, 10);                /* after RST: dropped */
    sg_tcp_norm_stats ns;
    assert_int_equal(sg_packets_tcp_normalize(&v, 1448, 1, 1, &ns, NULL), SG_OK);
    assert_int_equal(v.len, 3 + 3 + 1);
    assert_int_equal(P(&v, 3)->payload_len, 1448);
    assert_int_equal(P(&v, 3)->tcp_flags, SG_TCP_ACK);
    assert_int_equal(P(&v, 5)->payload_len, 4000 - 2 * 1448);
    assert_int_equal(P(&v, 5)->tcp_flags, SG_TCP_ACK | SG_TCP_PSH);
    assert_int_equal(P(&v, 6)->tcp_flags, SG_TCP_RST | SG_TCP_ACK);
    assert_int_equal(ns.dropped, 3);
    assert_int_equal(ns.split, 2);
    sg_vec_free(&v);
}

static void test_norm_refused_and_s0(void **st)
{
    (void)st;
    sg_vec v;
    sg_vec_init(&v, sizeof(sg_pkt));
    push(&v, 0, 0, SG_TCP_SYN, 0);
    push(&v, 10, 1, SG_TCP_RST | SG_TCP_ACK, 0);
    assert_int_equal(sg_packets_tcp_normalize(&v, 1448, 1, 1, NULL, NULL), SG_OK);
    assert_int_equal(v.len, 2); /* REJ stays a REJ: no teardown added */
    sg_vec_clear(&v);
    push(&v, 0, 0, SG_TCP_SYN, 0);
    assert_int_equal(sg_packets_tcp_normalize(&v, 1448, 1, 1, NULL, NULL), SG_OK);
    assert_int_equal(v.len, 1); /* unanswered SYN (S0) */
    sg_vec_free(&v);
}

/* Build a flow and check every frame plus the TCP sequence/ack bookkeeping. */
static void check_tcp_flow(const sg_pkt_conn *c, sg_vec *v, const sg_payload_pool *pool)
{
    sg_frames fr;
    sg_frames_init(&fr);
    assert_int_equal(sg_packets_tcp_normalize(v, sg_packets_max_segment(c), 3, 9, NULL, NULL), SG_OK);
    assert_int_equal(sg_packets_build(c, v->data, v->len, pool, 3, 9, &fr, NULL), SG_OK);
    assert_int_equal(fr.n, v->len);
    uint32_t nxt[2] = {0, 0};
    int seen[2] = {0, 0};
    uint8_t buf[70000];
    for (size_t i = 0; i < fr.n; i++) {
        size_t len = sg_frame_len(&fr.f[i]);
        sg_frame_copy(&fr, i, buf);
        assert_int_equal(check_frame(buf, len), SG_PROTO_TCP);
        size_t l3 = be16(buf + 12) == 0x0800 ? 20 : 40;
        const uint8_t *t = buf + 14 + l3;
        int d = fr.f[i].dir;
        size_t hl = (t[12] >> 4) * 4u;
        size_t pl = len - 14 - l3 - hl;
        uint8_t fl = t[13];
        assert_int_equal(pl, P(v, i)->payload_len);
        assert_int_equal(fl, P(v, i)->tcp_flags);
        uint32_t seq = be32(t + 4);
        if (!seen[d]) { assert_true(fl & SG_TCP_SYN); nxt[d] = seq; seen[d] = 1; }
        assert_int_equal(seq, nxt[d]);
        nxt[d] += (uint32_t)pl + ((fl & SG_TCP_SYN) ? 1 : 0) + ((fl & SG_TCP_FIN) ? 1 : 0);
        if (fl & SG_TCP_ACK) assert_int_equal(be32(t + 8), nxt[!d]);
        if (fl & SG_TCP_SYN) {
            assert_int_equal(t[20], 2); /* MSS option first */
            assert_int_equal(be16(t + 22), be16(buf + 12) == 0x0800 ? 1460 : 1440);
        }
        assert_true(be16(t + 14) > 0);
    }
    sg_frames_free(&fr);
}

static void test_build_tcp_v4_v6(void **st)
{
    (void)st;
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 5, 1 << 16, NULL), SG_OK);
    const char *addrs[2][2] = {{"192.168.100.5", "8.8.4.4"}, {"2001:db8::1", "2001:db8::2"}};
    const uint16_t ports[] = {443, 80, 22, 25, 9999};
    for (int fam = 0; fam < 2; fam++)
        for (size_t k = 0; k < sizeof ports / sizeof ports[0]; k++) {
            sg_pkt_conn c = conn_of(SG_PROTO_TCP, addrs[fam][0], addrs[fam][1], 40000, ports[k]);
            sg_vec v;
            sg_vec_init(&v, sizeof(sg_pkt));
            push(&v, 0, 0, SG_TCP_SYN, 0);
            push(&v, 100, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
            push(&v, 200, 0, SG_TCP_ACK, 0);
            push(&v, 300, 0, SG_TCP_ACK | SG_TCP_PSH, 517);
            push(&v, 400, 1, SG_TCP_ACK | SG_TCP_PSH, 3001); /* odd length, split */
            push(&v, 500, 0, SG_TCP_ACK | SG_TCP_PSH, 1);
            push(&v, 600, 1, SG_TCP_ACK | SG_TCP_FIN, 0);
            check_tcp_flow(&c, &v, k & 1 ? NULL : pool);
            sg_vec_free(&v);
        }
    sg_payload_pool_destroy(pool);
}

static void test_build_udp_icmp(void **st)
{
    (void)st;
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 5, 1 << 16, NULL), SG_OK);
    struct { uint8_t proto; const char *a, *b; uint16_t dp; } cs[] = {
        {SG_PROTO_UDP, "10.0.0.1", "10.0.0.53", 53}, {SG_PROTO_UDP, "10.0.0.1", "10.0.0.2", 123},
        {SG_PROTO_ICMP, "10.0.0.1", "10.0.0.2", 0}, {SG_PROTO_ICMPV6, "fe80::1", "fe80::2", 0},
        {SG_PROTO_UDP, "fe80::1", "fe80::2", 5353}};
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        sg_pkt_conn c = conn_of(cs[k].proto, cs[k].a, cs[k].b, 51000, cs[k].dp);
        sg_pkt p[5] = {{.t_ns = 1, .payload_len = 40, .dir = 0}, {.t_ns = 2, .payload_len = 0, .dir = 1},
                       {.t_ns = 3, .payload_len = 77, .dir = 0}, {.t_ns = 4, .payload_len = 201, .dir = 1},
                       {.t_ns = 5, .payload_len = 6000, .dir = 1}}; /* larger than the first buffer */
        sg_frames fr;
        sg_frames_init(&fr);
        assert_int_equal(sg_packets_build(&c, p, 5, pool, 1, k, &fr, NULL), SG_OK);
        uint8_t buf[8000];
        for (size_t i = 0; i < fr.n; i++) {
            sg_frame_copy(&fr, i, buf);
            assert_int_equal(check_frame(buf, sg_frame_len(&fr.f[i])), cs[k].proto);
        }
        sg_frames_summary s;
        sg_frames_summarize(&fr, 14, &s);
        assert_int_equal(s.fwd_packets, 2);
        assert_int_equal(s.bwd_packets, 3);
        size_t hdr = (c.cli.is_v6 ? 40 : 20) + 8;
        assert_int_equal(s.fwd_bytes, 2 * hdr + 117);
        sg_frames_free(&fr);
    }
    sg_payload_pool_destroy(pool);
}

static void test_determinism(void **st)
{
    (void)st;
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 77, 1 << 16, NULL), SG_OK);
    sg_pkt_conn c = conn_of(SG_PROTO_TCP, "10.1.1.1", "10.1.1.2", 41000, 443);
    uint8_t a[4000], b[4000];
    sg_frames f1, f2;
    sg_frames_init(&f1);
    sg_frames_init(&f2);
    sg_pkt p[3] = {{.t_ns = 0, .dir = 0, .tcp_flags = SG_TCP_SYN}, {.t_ns = 9, .dir = 1, .tcp_flags = 0x12},
                   {.t_ns = 20, .payload_len = 900, .dir = 0, .tcp_flags = 0x18}};
    assert_int_equal(sg_packets_build(&c, p, 3, pool, 77, 5, &f1, NULL), SG_OK);
    assert_int_equal(sg_packets_build(&c, p, 3, pool, 77, 5, &f2, NULL), SG_OK);
    for (size_t i = 0; i < 3; i++) {
        sg_frame_copy(&f1, i, a);
        sg_frame_copy(&f2, i, b);
        assert_memory_equal(a, b, sg_frame_len(&f1.f[i]));
    }
    sg_frames_clear(&f2);
    assert_int_equal(sg_packets_build(&c, p, 3, pool, 77, 6, &f2, NULL), SG_OK); /* other flow index */
    sg_frame_copy(&f1, 0, a);
    sg_frame_copy(&f2, 0, b);
    assert_memory_not_equal(a + 38, b + 38, 4); /* different ISN */
    sg_frames_free(&f1);
    sg_frames_free(&f2);
    sg_payload_pool_destroy(pool);
}

static char *tmp_path(const char *name)
{
    const char *d = getenv("TMPDIR");
    static char buf[4][512];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 512, "%s/sg_pkt_%d_%s", d && *d ? d : "/tmp", (int)getpid(), name);
    return p;
}

static void test_pcap_writer_formats(void **st)
{
    (void)st;
    const sg_pcap_format fmts[3] = {SG_PCAP_US, SG_PCAP_NS, SG_PCAPNG};
    for (int k = 0; k < 3; k++) {
        char *path = tmp_path(k == 2 ? "w.pcapng" : "w.pcap");
        sg_pcap_writer *w;
        sg_error err = {0};
        assert_int_equal(sg_pcap_writer_open(&w, path, fmts[k], &err), SG_OK);
        uint8_t a[60] = {0}, b[3] = {1, 2, 3};
        a[12] = 0x08;
        assert_int_equal(sg_pcap_writer_write(w, 1500000000123456789LL, a, 60, b, 3, &err), SG_OK);
        assert_int_equal(sg_pcap_writer_write(w, 1500000001000000000LL, a, 60, NULL, 0, &err), SG_OK);
        assert_int_equal(sg_pcap_writer_close(w, &err), SG_OK);
        char eb[PCAP_ERRBUF_SIZE];
        pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
        assert_non_null(pc);
        assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
        struct pcap_pkthdr *h;
        const u_char *d;
        assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
        assert_int_equal(h->caplen, 63);
        assert_int_equal(d[62], 3);
        assert_int_equal(h->ts.tv_sec, 1500000000);
        assert_int_equal(h->ts.tv_usec, k == 0 ? 123456000 : 123456789);
        assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
        assert_int_equal(h->caplen, 60);
        assert_int_equal(pcap_next_ex(pc, &h, &d), PCAP_ERROR_BREAK);
        pcap_close(pc);
        unlink(path);
    }
}

static void test_pcap_writer_errors(void **st)
{
    (void)st;
    sg_pcap_writer *w;
    sg_error err = {0};
    assert_int_not_equal(sg_pcap_writer_open(&w, "/nonexistent-dir/x.pcap", SG_PCAP_US, &err), SG_OK);
    assert_true(strlen(err.msg) > 0);
    char *path = tmp_path("e.pcap");
    assert_int_equal(sg_pcap_writer_open(&w, path, SG_PCAP_US, &err), SG_OK);
    uint8_t a[14] = {0};
    assert_int_equal(sg_pcap_writer_write(w, -5, a, 14, NULL, 0, &err), SG_ERR_RANGE);
    sg_pcap_writer_abort(w);
    assert_int_not_equal(access(path, F_OK), 0); /* aborted: nothing left behind */
}

static void test_merger_order(void **st)
{
    (void)st;
    sg_merger *m = sg_merger_create();
    assert_non_null(m);
    char *path = tmp_path("m.pcap");
    sg_pcap_writer *w;
    assert_int_equal(sg_pcap_writer_open(&w, path, SG_PCAP_NS, NULL), SG_OK);
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 1, 1 << 16, NULL), SG_OK);
    sg_frames fr;
    sg_frames_init(&fr);
    /* 50 UDP flows starting 10 µs apart, each 5 packets 7 µs apart: heavily interleaved */
    for (uint64_t i = 0; i < 50; i++) {
        sg_pkt_conn c = conn_of(SG_PROTO_UDP, "10.0.0.1", "10.0.0.2", (uint16_t)(30000 + i), 161);
        sg_pkt p[5];
        for (int k = 0; k < 5; k++)
            p[k] = (sg_pkt){.t_ns = 1000000000000LL + (int64_t)i * 10000 + k * 7000, .payload_len = 10, .dir = (uint8_t)(k & 1)};
        assert_int_equal(sg_packets_build(&c, p, 5, pool, 1, i, &fr, NULL), SG_OK);
        int64_t start = p[0].t_ns;
        assert_int_equal(sg_merger_add(m, &fr, i, NULL), SG_OK);
        assert_int_equal(fr.n, 0);
        assert_int_equal(sg_merger_flush(m, start, w, NULL), SG_OK);
    }
    assert_true(sg_merger_open_flows(m) > 0);
    assert_int_equal(sg_merger_flush(m, INT64_MAX, w, NULL), SG_OK);
    assert_int_equal(sg_merger_open_flows(m), 0);
    assert_int_equal(sg_pcap_writer_packets(w), 250);
    assert_int_equal(sg_pcap_writer_close(w, NULL), SG_OK);
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    assert_non_null(pc);
    struct pcap_pkthdr *h;
    const u_char *d;
    int64_t last = 0;
    int n = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        int64_t t = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
        assert_true(t >= last);
        last = t;
        n++;
    }
    assert_int_equal(n, 250);
    pcap_close(pc);
    unlink(path);
    sg_frames_free(&fr);
    sg_payload_pool_destroy(pool);
    sg_merger_destroy(m);
}

/* tshark: zero malformed packets, zero bad checksums, no TCP analysis problems */
static void test_tshark_mixed(void **st)
{
    (void)st;
    /* tshark is installed by scripts/install-deps.sh: missing, the check would pass unchecked */
    if (system("command -v tshark >/dev/null 2>&1") != 0) fail_msg("tshark missing (scripts/install-deps.sh installs it)");
    char *path = tmp_path("t.pcap");
    sg_pcap_writer *w;
    assert_int_equal(sg_pcap_writer_open(&w, path, SG_PCAP_US, NULL), SG_OK);
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 1, 1 << 20, NULL), SG_OK);
    const uint16_t ports[] = {443, 80, 22, 25, 8080, 993, 3306};
    int64_t t0 = 1700000000000000000LL;
    uint64_t idx = 0;
    sg_merger *m = sg_merger_create();
    sg_frames fr;
    sg_frames_init(&fr);
    for (int rep = 0; rep < 6; rep++)
        for (size_t k = 0; k < sizeof ports / sizeof ports[0]; k++, idx++) {
            sg_pkt_conn c = conn_of(SG_PROTO_TCP, rep & 1 ? "2001:db8::10" : "192.168.1.10",
                                    rep & 1 ? "2001:db8::20" : "192.168.1.20", (uint16_t)(40000 + idx), ports[k]);
            sg_vec v;
            sg_vec_init(&v, sizeof(sg_pkt));
            int64_t t = (t0 + (int64_t)idx * 50000000) / 1000;
            if (rep % 3 != 2) push(&v, t, 0, SG_TCP_SYN, 0);
            push(&v, t + 1000, 0, SG_TCP_ACK | SG_TCP_PSH, (uint32_t)(250 + 37 * rep));
            push(&v, t + 1900, 1, SG_TCP_ACK, 0);
            push(&v, t + 2000, 1, SG_TCP_ACK | SG_TCP_PSH, (uint32_t)(400 + 1000 * rep + k));
            push(&v, t + 2300, 0, SG_TCP_ACK, 0);
            push(&v, t + 2301, 0, SG_TCP_ACK, 0);
            push(&v, t + 3000, 0, SG_TCP_ACK | SG_TCP_PSH, 33);
            if (rep == 4) push(&v, t + 4000, 1, SG_TCP_RST, 0);
            assert_int_equal(sg_packets_tcp_normalize(&v, sg_packets_max_segment(&c), 1, idx, NULL, NULL), SG_OK);
            assert_int_equal(sg_packets_build(&c, v.data, v.len, pool, 1, idx, &fr, NULL), SG_OK);
            int64_t start = SG_VEC_AT(&v, sg_pkt, 0).t_ns;
            assert_int_equal(sg_merger_add(m, &fr, idx, NULL), SG_OK);
            assert_int_equal(sg_merger_flush(m, start, w, NULL), SG_OK);
            sg_vec_free(&v);
        }
    for (int k = 0; k < 20; k++, idx++) { /* DNS */
        sg_pkt_conn c = conn_of(SG_PROTO_UDP, "192.168.1.10", "192.168.1.53", (uint16_t)(50000 + k), 53);
        int64_t t = t0 + (int64_t)idx * 50000000;
        sg_pkt p[2] = {{.t_ns = t, .payload_len = (uint32_t)(24 + 13 * k), .dir = 0},
                       {.t_ns = t + 300000, .payload_len = (uint32_t)(60 + 29 * k), .dir = 1}};
        assert_int_equal(sg_packets_build(&c, p, 2, pool, 1, idx, &fr, NULL), SG_OK);
        assert_int_equal(sg_merger_add(m, &fr, idx, NULL), SG_OK);
        assert_int_equal(sg_merger_flush(m, t, w, NULL), SG_OK);
    }
    /* services tshark dissects by the lower port: NBNS (server 137, and client 137 towards 138),
     * DHCP (68 -> 67 and a one-way 67 -> 68 record), NetBIOS datagrams (138), each with sizes past
     * the minimal message */
    const struct { uint16_t sp, dp; uint32_t fwd, bwd; } udp[] = {
        {51000, 137, 50, 62}, {51001, 137, 68, 74}, {137, 137, 50, 65}, {137, 138, 90, 0},
        {68, 67, 300, 300}, {67, 68, 244, 0}, {51002, 68, 548, 0}, {138, 138, 201, 0}, {51003, 138, 82, 0}};
    for (size_t k = 0; k < sizeof udp / sizeof udp[0]; k++, idx++) {
        sg_pkt_conn c = conn_of(SG_PROTO_UDP, "192.168.1.10", "192.168.1.30", udp[k].sp, udp[k].dp);
        int64_t t = t0 + (int64_t)idx * 50000000;
        sg_pkt p[2] = {{.t_ns = t, .payload_len = udp[k].fwd, .dir = 0},
                       {.t_ns = t + 300000, .payload_len = udp[k].bwd, .dir = 1}};
        assert_int_equal(sg_packets_build(&c, p, udp[k].bwd ? 2 : 1, pool, 1, idx, &fr, NULL), SG_OK);
        assert_int_equal(sg_merger_add(m, &fr, idx, NULL), SG_OK);
        assert_int_equal(sg_merger_flush(m, t, w, NULL), SG_OK);
    }
    { /* DNS over TCP on the mDNS port: length-prefixed messages */
        sg_pkt_conn c = conn_of(SG_PROTO_TCP, "192.168.1.10", "192.168.1.53", 52001, 5353);
        sg_vec v;
        sg_vec_init(&v, sizeof(sg_pkt));
        int64_t t = (t0 + (int64_t)idx * 50000000) / 1000;
        push(&v, t, 0, SG_TCP_SYN, 0);
        push(&v, t + 1000, 0, SG_TCP_ACK | SG_TCP_PSH, 40);
        push(&v, t + 2000, 1, SG_TCP_ACK | SG_TCP_PSH, 120);
        push(&v, t + 3000, 0, SG_TCP_ACK | SG_TCP_FIN, 0);
        assert_int_equal(sg_packets_tcp_normalize(&v, sg_packets_max_segment(&c), 1, idx, NULL, NULL), SG_OK);
        assert_int_equal(sg_packets_build(&c, v.data, v.len, pool, 1, idx, &fr, NULL), SG_OK);
        assert_int_equal(sg_merger_add(m, &fr, idx++, NULL), SG_OK);
        assert_int_equal(sg_merger_flush(m, t * 1000, w, NULL), SG_OK);
        sg_vec_free(&v);
    }
    assert_int_equal(sg_merger_flush(m, INT64_MAX, w, NULL), SG_OK);
    assert_int_equal(sg_pcap_writer_close(w, NULL), SG_OK);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "tshark -r %s -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE "
             "-Y '_ws.malformed || (_ws.expert.severity >= \"warning\" && !tcp.connection.rst) || tcp.analysis.flags || "
             "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || "
             "dns.flags.rcode != 0 || tls.record.content_type > 23' -T fields -e frame.number -e _ws.col.Info 2>&1",
             path);
    FILE *fp = popen(cmd, "r");
    assert_non_null(fp);
    char line[2048];
    int bad = 0;
    while (fgets(line, sizeof line, fp)) {
        if (strstr(line, "Running as user")) continue; /* tshark's root warning */
        fprintf(stderr, "tshark: %s", line);
        bad++;
    }
    assert_int_equal(pclose(fp), 0);
    assert_int_equal(bad, 0);
    snprintf(cmd, sizeof cmd, "tshark -r %s -Y 'tls.handshake.type == 1 || dns.qry.name || http.request || ssh.protocol' 2>/dev/null | wc -l", path);
    fp = popen(cmd, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    pclose(fp);
    assert_true(atoi(line) >= 20 + 6 + 6); /* DNS queries + ClientHellos + GETs */
    snprintf(cmd, sizeof cmd, "tshark -r %s -Y 'nbns.name || dhcp.option.dhcp || nbdgm.source_name || (tcp.port == 5353 && dns.qry.name)' 2>/dev/null | wc -l", path);
    fp = popen(cmd, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    pclose(fp);
    assert_int_equal(atoi(line), 7 + 4 + 2 + 2); /* NBNS, DHCP, NetBIOS datagrams, DNS over TCP */
    unlink(path);
    sg_frames_free(&fr);
    sg_merger_destroy(m);
    sg_payload_pool_destroy(pool);
}

/* frames built when written (sg_merger_add_lazy) are byte-identical to frames built up front
 * (sg_packets_build + sg_merger_add), in every output format */
static void test_merger_lazy_equals_eager(void **st)
{
    (void)st;
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 3, 1 << 16, NULL), SG_OK);
    const sg_pcap_format fmts[] = {SG_PCAP_US, SG_PCAP_NS, SG_PCAPNG};
    for (int k = 0; k < 3; k++) {
        char *path[2] = {tmp_path("eager.pcap"), tmp_path("lazy.pcap")};
        for (int lazy = 0; lazy < 2; lazy++) {
            sg_pcap_writer *w;
            assert_int_equal(sg_pcap_writer_open(&w, path[lazy], fmts[k], NULL), SG_OK);
            sg_merger *m = sg_merger_create();
            sg_frames fr;
            sg_frames_init(&fr);
            int64_t t0 = 1700000000000000LL;
            for (uint64_t idx = 0; idx < 24; idx++) {
                static const uint8_t protos[] = {SG_PROTO_TCP, SG_PROTO_UDP, SG_PROTO_ICMP};
                uint8_t proto = protos[idx % 3];
                int v6 = (idx / 3) % 2 && proto != SG_PROTO_ICMP;
                static const uint16_t tports[] = {443, 80, 22, 25};
                uint16_t dp = proto == SG_PROTO_TCP ? tports[(idx / 6) % 4] : (proto == SG_PROTO_UDP ? 53 : 0);
                sg_pkt_conn c = conn_of(proto, v6 ? "2001:db8::10" : "192.168.1.10", v6 ? "2001:db8::20" : "192.168.1.20",
                                        (uint16_t)(40000 + idx), dp);
                sg_vec v;
                sg_vec_init(&v, sizeof(sg_pkt));
                int64_t t = t0 + (int64_t)idx * 700; /* overlapping flows: the merge interleaves them */
                push(&v, t, 0, SG_TCP_SYN, 0);
                for (int i = 1; i < 12; i++)
                    push(&v, t + 400 * i, i % 2, SG_TCP_ACK | SG_TCP_PSH, (uint32_t)((idx * 97 + (uint64_t)i * 331) % 1400 + 30));
                if (proto == SG_PROTO_TCP)
                    assert_int_equal(sg_packets_tcp_normalize(&v, sg_packets_max_segment(&c), 3, idx, NULL, NULL), SG_OK);
                int64_t start = P(&v, 0)->t_ns;
                if (lazy) {
                    assert_int_equal(sg_merger_add_lazy(m, &v, &c, pool, 3, idx, NULL), SG_OK);
                } else {
                    assert_int_equal(sg_packets_build(&c, v.data, v.len, pool, 3, idx, &fr, NULL), SG_OK);
                    assert_int_equal(sg_merger_add(m, &fr, idx, NULL), SG_OK);
                }
                if (idx % 5 == 4) assert_int_equal(sg_merger_flush(m, start, w, NULL), SG_OK);
                sg_vec_free(&v);
            }
            assert_int_equal(sg_merger_flush(m, INT64_MAX, w, NULL), SG_OK);
            assert_int_equal(sg_pcap_writer_close(w, NULL), SG_OK);
            sg_frames_free(&fr);
            sg_merger_destroy(m);
        }
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cmp -s %s %s", path[0], path[1]);
        assert_int_equal(system(cmd), 0);
        unlink(path[0]);
        unlink(path[1]);
    }
    sg_payload_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_rfc1071),
        cmocka_unit_test(test_norm_inserts_handshake_and_close),
        cmocka_unit_test(test_norm_rst_dupack_split),
        cmocka_unit_test(test_norm_refused_and_s0),
        cmocka_unit_test(test_build_tcp_v4_v6),
        cmocka_unit_test(test_build_udp_icmp),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_pcap_writer_formats),
        cmocka_unit_test(test_pcap_writer_errors),
        cmocka_unit_test(test_merger_order),
        cmocka_unit_test(test_merger_lazy_equals_eager),
        cmocka_unit_test(test_tshark_mixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
