/* The generation pipeline with a hand-written sampler: identical bytes for 1 and 2 threads and any
 * batch size, time order, reconciliation with the flow's counts, pairing of one-way records,
 * network config mapping, and a tshark pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <omp.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/packets.h"

/* A tiny "automaton": TCP = S, SA, A, (P> P<)*k, FA>, FA<, A>; UDP = (> <)*k. Payload sizes and
 * gaps are random; k follows the targets when given. */
static sg_status sampler(void *ctx, const sg_flow *f, int64_t tf, int64_t tb, sg_rng *r, sg_vec *out, int *found,
                         sg_error *err)
{
    (void)ctx;
    (void)err;
    *found = f->dst_port != 9999; /* pretend port 9999 has no model */
    if (!*found) return SG_OK;
    int64_t t = 0;
    sg_pkt p = {0};
    if (f->proto == SG_PROTO_TCP) {
        int64_t kf = tf >= 4 ? tf - 4 : 1 + (int64_t)sg_rng_below(r, 4);
        int64_t kb = tb >= 2 ? tb - 2 : kf;
        uint8_t fl[3] = {SG_TCP_SYN, SG_TCP_SYN | SG_TCP_ACK, SG_TCP_ACK};
        for (int i = 0; i < 3; i++) {
            p = (sg_pkt){.t_ns = t += 1000 * (int64_t)(1 + sg_rng_below(r, 500)), .dir = (uint8_t)(i == 1), .tcp_flags = fl[i]};
            if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
        }
        for (int64_t i = 0; i < (kf > kb ? kf : kb); i++)
            for (int d = 0; d < 2; d++) {
                if (i >= (d ? kb : kf)) continue;
                p = (sg_pkt){.t_ns = t += 1000 * (int64_t)(1 + sg_rng_below(r, 20000)), .dir = (uint8_t)d,
                             .tcp_flags = SG_TCP_ACK | SG_TCP_PSH, .payload_len = (uint32_t)(20 + sg_rng_below(r, 3000))};
                if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
            }
        uint8_t cl[3] = {SG_TCP_FIN | SG_TCP_ACK, SG_TCP_FIN | SG_TCP_ACK, SG_TCP_ACK};
        for (int i = 0; i < 3; i++) {
            p = (sg_pkt){.t_ns = t += 1000 * (int64_t)(1 + sg_rng_below(r, 500)), .dir = (uint8_t)(i == 1), .tcp_flags = cl[i]};
            if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
        }
    } else {
        int64_t k = tf > 0 ? tf : 1 + (int64_t)sg_rng_below(r, 3);
        for (int64_t i = 0; i < k; i++)
            for (int d = 0; d < 2 && (d == 0 || tb != 0); d++) {
                p = (sg_pkt){.t_ns = t += 1000 * (int64_t)(1 + sg_rng_below(r, 2000)), .dir = (uint8_t)d,
                             .payload_len = (uint32_t)(30 + sg_rng_below(r, 400))};
                if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
            }
    }
    return SG_OK;
}

/* a deterministic flow stream: clients 192.168.200.x, servers 192.168.100.x and the Internet */
static void make_flow(uint64_t i, sg_flow *f)
{
    memset(f, 0, sizeof *f);
    f->start_us = 1491379200000000LL + (int64_t)i * 37000; /* 2017-04-05, 37 ms apart */
    static const uint16_t ports[] = {443, 80, 53, 22, 9999, 443, 53, 25};
    uint16_t dp = ports[i % 8];
    f->proto = dp == 53 ? SG_PROTO_UDP : SG_PROTO_TCP;
    f->dst_port = dp;
    f->src_port = (uint16_t)(40000 + (i * 7919) % 20000);
    snprintf(f->src_ip, SG_ADDR_MAX, "192.168.200.%u", (unsigned)(1 + i % 5));
    if (i % 3 == 0) snprintf(f->dst_ip, SG_ADDR_MAX, "%u_%u", (unsigned)(10000 + i % 7), (unsigned)(i % 50));
    else snprintf(f->dst_ip, SG_ADDR_MAX, "192.168.100.%u", (unsigned)(2 + i % 3));
    f->duration_us = (int64_t)(i % 5) * 250000;
    f->fwd_packets = f->proto == SG_PROTO_TCP ? 5 + i % 7 : 1;
    f->bwd_packets = f->proto == SG_PROTO_TCP ? 4 + i % 5 : 1;
    f->fwd_bytes = f->fwd_packets * 52 + 300 * (i % 4);
    f->bwd_bytes = f->bwd_packets * 52 + 4000 * (i % 3);
}

static char *tmp_path(const char *name)
{
    const char *d = getenv("TMPDIR");
    static char buf[8][512];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, 512, "%s/sg_pg_%d_%s", d && *d ? d : "/tmp", (int)getpid(), name);
    return p;
}

static void run(const char *path, int threads, size_t batch, size_t nflows, int pair, const sg_netcfg *cfg,
                sg_pktgen_stats *st)
{
    omp_set_num_threads(threads);
    sg_pktgen_opts o = {.seed = 42, .pcap_path = path, .pcap_format = SG_PCAP_US, .batch = batch,
                        .sampler = sampler, .pair_unidirectional = pair, .netcfg = cfg};
    sg_pktgen *g;
    sg_error err = {0};
    assert_int_equal(sg_pktgen_create(&o, &g, &err), SG_OK);
    for (uint64_t i = 0; i < nflows; i++) {
        sg_flow f;
        make_flow(i, &f);
        if (pair && i % 2 == 1) { /* the response half of the previous flow */
            sg_flow q;
            make_flow(i - 1, &q);
            f = q;
            f.start_us += 500;
            memcpy(f.src_ip, q.dst_ip, SG_ADDR_MAX);
            memcpy(f.dst_ip, q.src_ip, SG_ADDR_MAX);
            f.src_port = q.dst_port;
            f.dst_port = q.src_port;
            f.fwd_packets = q.bwd_packets;
            f.fwd_bytes = q.bwd_bytes;
            f.bwd_packets = f.bwd_bytes = 0;
        }
        if (sg_pktgen_add(g, &f, &err) != SG_OK) fail_msg("%s", err.msg);
    }
    if (sg_pktgen_finish(g, st, &err) != SG_OK) fail_msg("%s", err.msg);
    sg_pktgen_destroy(g);
    omp_set_num_threads(1);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)sz + 1);
    assert_int_equal(fread(b, 1, (size_t)sz, fp), (size_t)sz);
    fclose(fp);
    *n = (size_t)sz;
    return b;
}

static void test_deterministic_any_threads(void **st)
{
    (void)st;
    char *a = tmp_path("a.pcap"), *b = tmp_path("b.pcap"), *c = tmp_path("c.pcap");
    sg_pktgen_stats s1, s2, s3;
    run(a, 1, 2048, 600, 0, NULL, &s1);
    run(b, 2, 64, 600, 0, NULL, &s2);
    run(c, 2, 7, 600, 0, NULL, &s3);
    size_t na, nb, nc;
    unsigned char *da = slurp(a, &na), *db = slurp(b, &nb), *dc = slurp(c, &nc);
    assert_int_equal(na, nb);
    assert_int_equal(na, nc);
    assert_memory_equal(da, db, na);
    assert_memory_equal(da, dc, na);
    assert_int_equal(s1.flows_out, 600);
    assert_int_equal(s1.no_model, 75); /* every 8th flow goes to port 9999 */
    assert_true(s1.packets > 600 * 4);
    /* the sampler follows the targets: counts match exactly for the modelled TCP flows */
    assert_true(s1.pkts_exact >= 375);
    free(da);
    free(db);
    free(dc);
    /* time order */
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(a, eb);
    assert_non_null(pc);
    struct pcap_pkthdr *h;
    const u_char *d;
    long long last = 0, n = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        long long t = (long long)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        assert_true(t >= last);
        last = t;
        n++;
    }
    assert_int_equal(n, (long long)s1.packets);
    pcap_close(pc);
    unlink(a);
    unlink(b);
    unlink(c);
}

/* client ports no real stack picks are moved into the ephemeral range (and the flows-out ground
 * truth says so); peer protocols keep their own port; TCP/UDP flows to port 0 are dropped */
static void test_client_ports(void **st)
{
    (void)st;
    char *pc = tmp_path("cp.pcap"), *fc = tmp_path("cp.csv");
    sg_pktgen_opts o = {.seed = 5, .pcap_path = pc, .pcap_format = SG_PCAP_US, .flows_out = fc, .sampler = sampler};
    sg_pktgen *g;
    sg_error err = {0};
    assert_int_equal(sg_pktgen_create(&o, &g, &err), SG_OK);
    const struct { uint8_t proto; uint16_t sp, dp; int keep; } c[] = {
        {SG_PROTO_TCP, 443, 80, 0}, {SG_PROTO_TCP, 0, 443, 0}, {SG_PROTO_UDP, 53, 443, 0}, {SG_PROTO_UDP, 5353, 68, 0},
        {SG_PROTO_UDP, 53, 53, 1}, {SG_PROTO_UDP, 68, 67, 1}, {SG_PROTO_UDP, 137, 137, 1}, {SG_PROTO_TCP, 45000, 443, 1},
        {SG_PROTO_TCP, 45001, 0, -1}, {SG_PROTO_UDP, 45002, 0, -1}};
    size_t n = sizeof c / sizeof c[0];
    for (size_t i = 0; i < n; i++) {
        sg_flow f;
        make_flow(i, &f);
        f.start_us = 1491379200000000LL + (int64_t)i * 1000000;
        snprintf(f.dst_ip, SG_ADDR_MAX, "192.168.100.%u", (unsigned)(10 + i));
        f.proto = c[i].proto;
        f.src_port = c[i].sp;
        f.dst_port = c[i].dp;
        if (f.proto == SG_PROTO_UDP) f.fwd_packets = f.bwd_packets = 1;
        assert_int_equal(sg_pktgen_add(g, &f, &err), SG_OK);
    }
    sg_pktgen_stats s;
    assert_int_equal(sg_pktgen_finish(g, &s, &err), SG_OK);
    sg_pktgen_destroy(g);
    assert_int_equal(s.flows_out, n - 2);
    assert_int_equal(s.dropped_netcfg[SG_NETMAP_BAD_ADDR], 2);
    assert_int_equal(s.port_bumps, 4);
    FILE *fp = fopen(fc, "r");
    assert_non_null(fp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp)); /* header */
    size_t i = 0;
    while (fgets(line, sizeof line, fp)) {
        while (c[i].keep < 0) i++;
        /* start,duration,proto,src_ip,src_port,dst_ip,dst_port,... */
        char *tok[8], *save = NULL, *q = line;
        for (int k = 0; k < 8; k++, q = NULL) tok[k] = strtok_r(q, ",", &save);
        unsigned sp = (unsigned)atoi(tok[4]), dp = (unsigned)atoi(tok[6]);
        assert_int_equal(dp, c[i].dp);
        if (c[i].keep) assert_int_equal(sp, c[i].sp);
        else assert_true(sp >= 32768 && sp < 61000);
        i++;
    }
    assert_int_equal(i, n - 2);
    fclose(fp);
    unlink(pc);
    unlink(fc);
}

static void test_pairing(void **st)
{
    (void)st;
    char *a = tmp_path("p.pcap");
    sg_pktgen_stats s;
    run(a, 2, 100, 400, 1, NULL, &s);
    assert_int_equal(s.flows_in, 400);
    assert_int_equal(s.paired, 200);
    assert_int_equal(s.flows_out, 200);
    unlink(a);
}


/* A sampler that ignores the targets and emits what a partial capture's automaton might: data
 * without a handshake, k packets alternating (TCP), or k datagrams per direction (UDP). */
static sg_status bad_sampler(void *ctx, const sg_flow *f, int64_t tf, int64_t tb, sg_rng *r, sg_vec *out, int *found,
                             sg_error *err)
{
    (void)ctx;
    (void)err;
    (void)tf;
    (void)tb;
    *found = 1;
    int64_t k = 1 + (int64_t)sg_rng_below(r, 12), t = 0;
    for (int64_t i = 0; i < k; i++) {
        sg_pkt p = {.t_ns = t += 1000 * (int64_t)(1 + sg_rng_below(r, 3000)), .dir = (uint8_t)(i & 1),
                    .tcp_flags = f->proto == SG_PROTO_TCP ? (uint8_t)(SG_TCP_ACK | SG_TCP_PSH) : 0,
                    .payload_len = (uint32_t)(1 + sg_rng_below(r, 1400))};
        if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
    }
    return SG_OK;
}

/* Issue 14 item 2: the pcap keeps the flow records' packets per direction (handshake and close
 * inside the counts) and their bytes within 10 %, whatever the sampler emits, when the record is
 * one a TCP/UDP exchange can have (bytes between the headers and full-sized segments). The old
 * pipeline added the handshake and teardown on top of the counts (about 1/3 exact). */
static void test_keeps_records(void **st)
{
    (void)st;
    char *a = tmp_path("k.pcap");
    char *fo = tmp_path("k.csv");
    sg_pktgen_opts o = {.seed = 5, .pcap_path = a, .pcap_format = SG_PCAP_US, .flows_out = fo, .sampler = bad_sampler};
    sg_pktgen *g;
    sg_error err = {0};
    assert_int_equal(sg_pktgen_create(&o, &g, &err), SG_OK);
    sg_rng r;
    sg_rng_init(&r, 77, 1, 0);
    const int n = 600;
    for (int i = 0; i < n; i++) {
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491379200000000LL + (int64_t)i * 20000;
        f.duration_us = 100000 + (int64_t)sg_rng_below(&r, 3000000);
        int tcp = i % 4 != 3;
        f.proto = tcp ? SG_PROTO_TCP : SG_PROTO_UDP;
        f.dst_port = tcp ? (uint16_t)(i % 8 == 0 ? 443 : (i % 8 == 1 ? 80 : 8000 + i % 7)) : (uint16_t)(i % 8 == 3 ? 53 : 5000 + i % 5);
        f.src_port = (uint16_t)(40000 + i);
        snprintf(f.src_ip, SG_ADDR_MAX, "192.168.200.%d", 1 + i % 9);
        snprintf(f.dst_ip, SG_ADDR_MAX, "192.168.100.%d", 2 + i % 4);
        if (tcp) {
            f.fwd_packets = 1 + sg_rng_below(&r, 40);
            f.bwd_packets = sg_rng_below(&r, 40);
            /* one side only in the handshake: retransmissions (S0: SYNs; SH: SYN-ACKs), a few */
            if (f.fwd_packets == 1 && f.bwd_packets > 4) f.bwd_packets = 4;
            if (f.bwd_packets == 0 && f.fwd_packets > 4) f.fwd_packets = 4;
            /* headers (52 bytes with timestamps, 40 without; SYNs more) plus a payload of 70 to
             * 1,000 bytes for all but the handshake and close packets: what a real exchange can
             * carry (a count with bytes no packet pattern can hold is counted, not tested here) */
            uint64_t df = f.fwd_packets > 3 ? f.fwd_packets - 3 : 0, db = f.bwd_packets > 2 ? f.bwd_packets - 2 : 0;
            f.fwd_bytes = f.fwd_packets * 56 + df * (70 + sg_rng_below(&r, 930));
            f.bwd_bytes = f.bwd_packets * 56 + db * (70 + sg_rng_below(&r, 930));
        } else {
            f.fwd_packets = 1 + sg_rng_below(&r, 6);
            f.bwd_packets = sg_rng_below(&r, 6);
            f.fwd_bytes = f.fwd_packets * (28 + 30 + sg_rng_below(&r, 300));
            f.bwd_bytes = f.bwd_packets * (28 + 30 + sg_rng_below(&r, 300));
        }
        if (sg_pktgen_add(g, &f, &err) != SG_OK) fail_msg("%s", err.msg);
    }
    sg_pktgen_stats s;
    if (sg_pktgen_finish(g, &s, &err) != SG_OK) fail_msg("%s", err.msg);
    sg_pktgen_destroy(g);
    assert_int_equal(s.flows_out, n);
    /* packets: every direction; bytes: a few combinations need a data pattern the peer's packets
     * cannot acknowledge (counted in the run summary), so 95 % (the old pipeline: about 40 %) */
    if (s.pkts_exact != s.n_pkts_cmp || s.bytes_within10 * 100 < s.n_bytes_cmp * 95)
        fail_msg("packets exact %llu of %llu, bytes within 10%% %llu of %llu", (unsigned long long)s.pkts_exact,
                 (unsigned long long)s.n_pkts_cmp, (unsigned long long)s.bytes_within10, (unsigned long long)s.n_bytes_cmp);
    /* the flows-out records (measured from the frames) say the same: read them back */
    FILE *fp = fopen(fo, "r");
    assert_non_null(fp);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, fp)) rows++;
    fclose(fp);
    assert_int_equal(rows, n + 1);
    unlink(a);
    unlink(fo);
}

/* One-way NetFlow records without SYN (CIDDS-001: 79 % of its TCP records, half of them one bare
 * ACK) are pieces of connections established before them: the pcap carries them without a
 * handshake, closes only where the record's flags say so, and holds the record's frame bytes. */
static void test_midstream_records(void **st)
{
    (void)st;
    char *a = tmp_path("m.pcap");
    char *fo = tmp_path("m.csv");
    sg_pktgen_opts o = {.seed = 9, .pcap_path = a, .pcap_format = SG_PCAP_US, .flows_out = fo, .sampler = sampler,
                        .pair_unidirectional = 1, .frame_bytes = 1};
    sg_pktgen *g;
    sg_error err = {0};
    assert_int_equal(sg_pktgen_create(&o, &g, &err), SG_OK);
    /* flags, packets, frame bytes of each record; its IP bytes are 14 per packet less */
    static const struct { const char *flags; uint64_t pk, by; } rec[] = {
        {".A....", 1, 66}, {".A....", 1, 54}, {".AP...", 5, 870}, {".A...F", 2, 132}, {".AP.S.", 6, 900}, {".A....", 1, 55},
    };
    const int nrec = (int)(sizeof rec / sizeof rec[0]), rounds = 20;
    for (int i = 0; i < nrec * rounds; i++) {
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491379200000000LL + (int64_t)i * 400000;
        f.duration_us = rec[i % nrec].pk > 1 ? 20000 : 0;
        f.proto = SG_PROTO_TCP;
        f.src_port = (uint16_t)(40000 + i);
        f.dst_port = i % 2 ? 443 : 80;
        snprintf(f.src_ip, SG_ADDR_MAX, "192.168.200.%d", 1 + i % 9);
        snprintf(f.dst_ip, SG_ADDR_MAX, "192.168.100.%d", 2 + i % 4);
        f.fwd_packets = rec[i % nrec].pk;
        f.fwd_bytes = rec[i % nrec].by;
        assert_int_equal(sg_flow_flags_parse(rec[i % nrec].flags, 6, &f.flags), 0);
        if (sg_pktgen_add(g, &f, &err) != SG_OK) fail_msg("%s", err.msg);
    }
    sg_pktgen_stats s;
    if (sg_pktgen_finish(g, &s, &err) != SG_OK) fail_msg("%s", err.msg);
    sg_pktgen_destroy(g);
    FILE *fp = fopen(fo, "r");
    assert_non_null(fp);
    char line[512];
    int row = -1, kept = 0;
    while (fgets(line, sizeof line, fp)) {
        if (row++ < 0) continue; /* header */
        char *col[12];
        int nc = 0;
        for (char *t = strtok(line, ",\n"); t && nc < 12; t = strtok(NULL, ",\n")) col[nc++] = t;
        assert_true(nc >= 12);
        int k = (atoi(col[4]) - 40000) % nrec;
        int syn = strchr(col[11], 'S') != NULL, fin = strchr(col[11], 'F') != NULL;
        uint64_t pk = strtoull(col[7], NULL, 10), by = strtoull(col[8], NULL, 10);
        uint64_t want = rec[k].by - 14 * rec[k].pk;
        if (syn != (strchr(rec[k].flags, 'S') != NULL)) fail_msg("record %d (%s): pcap flags %s", k, rec[k].flags, col[11]);
        if (!strchr(rec[k].flags, 'S') && !strchr(rec[k].flags, 'F') && fin)
            fail_msg("record %d (%s): a FIN the record never saw (%s)", k, rec[k].flags, col[11]);
        kept += pk == rec[k].pk && by * 10 >= want * 9 && by * 10 <= want * 11;
    }
    fclose(fp);
    assert_int_equal(row, nrec * rounds);
    /* every record: its packets, and its IP bytes within 10 % (before: a SYN probe refused, 60
     * bytes for a 52-byte ACK) */
    if (kept < nrec * rounds) fail_msg("%d of %d records kept", kept, nrec * rounds);
    /* and valid TCP for tshark: no malformed packet, no error-level expert info */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "tshark -r %s -Y '_ws.malformed || _ws.expert.severity >= \"error\"' -T fields -e frame.number 2>&1 | "
             "grep -v 'Running as user' | head -5",
             a);
    FILE *tp = popen(cmd, "r");
    assert_non_null(tp);
    int bad = 0;
    while (fgets(line, sizeof line, tp)) { fprintf(stderr, "tshark: %s", line); bad++; }
    pclose(tp);
    assert_int_equal(bad, 0);
    unlink(a);
    unlink(fo);
}

/* Long records with few packets: no two packets of a flow more than 100 s apart (extract's idle
 * timeout is 120 s), even where normalisation or the count fit drops a packet between two gaps
 * that were each under the cap (before: a 223 s record became a 0.7 ms handshake and a second
 * flow 122 s later in extract's view). */
static void test_idle_gaps(void **st)
{
    (void)st;
    char *a = tmp_path("g.pcap");
    sg_pktgen_opts o = {.seed = 3, .pcap_path = a, .pcap_format = SG_PCAP_US, .sampler = sampler};
    sg_pktgen *g;
    sg_error err = {0};
    assert_int_equal(sg_pktgen_create(&o, &g, &err), SG_OK);
    const int n = 60;
    for (int i = 0; i < n; i++) {
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491379200000000LL + (int64_t)i * 1000000;
        f.duration_us = (200 + 10 * (int64_t)(i % 20)) * 1000000LL;
        f.proto = SG_PROTO_TCP;
        f.src_port = (uint16_t)(41000 + i);
        f.dst_port = 443;
        snprintf(f.src_ip, SG_ADDR_MAX, "192.168.200.%d", 1 + i % 9);
        snprintf(f.dst_ip, SG_ADDR_MAX, "192.168.100.%d", 2 + i % 4);
        f.fwd_packets = 3 + (uint64_t)(i % 3);
        f.bwd_packets = 2 + (uint64_t)(i % 2);
        f.fwd_bytes = f.fwd_packets * 52 + 100;
        f.bwd_bytes = f.bwd_packets * 52 + 900;
        if (sg_pktgen_add(g, &f, &err) != SG_OK) fail_msg("%s", err.msg);
    }
    sg_pktgen_stats s;
    if (sg_pktgen_finish(g, &s, &err) != SG_OK) fail_msg("%s", err.msg);
    sg_pktgen_destroy(g);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "tshark -r %s -T fields -e tcp.stream -e frame.time_epoch 2>/dev/null", a);
    FILE *tp = popen(cmd, "r");
    assert_non_null(tp);
    double last[256];
    int seen[256] = {0}, streams = 0;
    double worst = 0;
    char line[256];
    while (fgets(line, sizeof line, tp)) {
        int k;
        double t;
        if (sscanf(line, "%d %lf", &k, &t) != 2 || k < 0 || k >= 256) continue;
        if (!seen[k]) streams++;
        else if (t - last[k] > worst) worst = t - last[k];
        seen[k] = 1;
        last[k] = t;
    }
    pclose(tp);
    assert_int_equal(streams, n);
    if (worst > 100.0 + 1e-6) fail_msg("a flow holds a %.1f s gap (extract cuts flows idle for 120 s)", worst);
    unlink(a);
}

/* A sample the fit cannot turn into the record is not the end: the flow gets another automaton
 * walk (SAMPLE_TRIES) before it falls back to a flow-shaped sequence. Here the first walk of every
 * flow is a lone server RST, which no fit makes a 5 + 4 packet connection of; the second is the
 * tiny automaton's. Before, every flow went flow-shaped. */
static int retry_calls[64];
static sg_status first_walk_unfit(void *ctx, const sg_flow *f, int64_t tf, int64_t tb, sg_rng *r, sg_vec *out, int *found,
                                  sg_error *err)
{
    int k = f->src_port - 50000;
    if (k >= 0 && k < 64 && retry_calls[k]++ == 0) {
        sg_pkt p = {.t_ns = 1000, .dir = SG_DIR_BWD, .tcp_flags = SG_TCP_RST};
        *found = 1;
        return sg_vec_push(out, &p);
    }
    return sampler(ctx, f, tf, tb, r, out, found, err);
}

static void test_resample_unfit(void **st)
{
    (void)st;
    memset(retry_calls, 0, sizeof retry_calls);
    omp_set_num_threads(1);
    char *a = tmp_path("r.pcap");
    sg_pktgen_opts o = {.seed = 5, .pcap_path = a, .pcap_format = SG_PCAP_US, .sampler = first_walk_unfit};
    sg_pktgen *g;
    sg_error err = {0};
    assert_int_equal(sg_pktgen_create(&o, &g, &err), SG_OK);
    const int n = 40;
    for (int i = 0; i < n; i++) {
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491379200000000LL + (int64_t)i * 500000;
        f.duration_us = 300000;
        f.proto = SG_PROTO_TCP;
        f.src_port = (uint16_t)(50000 + i);
        f.dst_port = 443;
        snprintf(f.src_ip, SG_ADDR_MAX, "192.168.200.%d", 1 + i % 9);
        snprintf(f.dst_ip, SG_ADDR_MAX, "192.168.100.%d", 2 + i % 4);
        f.fwd_packets = 5;
        f.bwd_packets = 4;
        f.fwd_bytes = 5 * 52 + 400;
        f.bwd_bytes = 4 * 52 + 3000;
        f.flags = SG_TCP_SYN | SG_TCP_ACK | SG_TCP_PSH | SG_TCP_FIN;
        if (sg_pktgen_add(g, &f, &err) != SG_OK) fail_msg("%s", err.msg);
    }
    sg_pktgen_stats s;
    if (sg_pktgen_finish(g, &s, &err) != SG_OK) fail_msg("%s", err.msg);
    sg_pktgen_destroy(g);
    int walked = 0;
    for (int i = 0; i < n; i++) walked += retry_calls[i] >= 2;
    if (getenv("PG_VERBOSE")) fprintf(stderr, "%d flows walked again, %llu flow-shaped\n", walked, (unsigned long long)s.unmatched);
    assert_int_equal(walked, n);
    assert_int_equal(s.unmatched, 0);
    unlink(a);
}

static void test_netcfg_mapping(void **st)
{
    (void)st;
    const char *y = "network:\n  gateway_mac: \"02:00:00:00:00:01\"\n"
                    "hosts:\n"
                    "  - hostname: web\n    interfaces: [{ip_addr: 10.9.0.10, mac_addr: \"00:16:3e:00:00:10\", services: [https, http]}]\n"
                    "  - hostname: dns\n    interfaces: [{ip_addr: 10.9.0.53, services: [dns]}]\n"
                    "  - hostname: pc1\n    interfaces: [{ip_addr: 10.9.1.1}]\n"
                    "  - hostname: pc2\n    client: [dns]\n    interfaces: [{ip_addr: 10.9.1.2}]\n";
    sg_netcfg *cfg;
    sg_error err = {0};
    assert_int_equal(sg_netcfg_load_mem("n.yaml", y, strlen(y), &cfg, &err), SG_OK);
    char *a = tmp_path("n.pcap");
    sg_pktgen_stats s;
    run(a, 2, 50, 400, 0, cfg, &s);
    /* ssh (22), smtp (25) and 9999 to private servers are not offered: dropped */
    assert_true(s.dropped_netcfg[SG_NETMAP_NO_SERVER] > 0);
    assert_int_equal(s.flows_out + s.dropped_netcfg[SG_NETMAP_NO_SERVER], 400);
    /* every packet uses config addresses or public ones, never the model's 192.168.x */
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(a, eb);
    assert_non_null(pc);
    struct pcap_pkthdr *h;
    const u_char *d;
    int web = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        const u_char *ip = d + 14;
        assert_false(ip[12] == 192 && ip[13] == 168);
        assert_false(ip[16] == 192 && ip[17] == 168);
        if (ip[16] == 10 && ip[17] == 9 && ip[18] == 0 && ip[19] == 10) {
            web++;
            assert_int_equal(d[5], 0x10); /* the configured MAC */
        }
        /* pc2 only uses dns */
        if (ip[12] == 10 && ip[13] == 9 && ip[14] == 1 && ip[15] == 2) assert_int_equal(ip[9], SG_PROTO_UDP);
    }
    assert_true(web > 0);
    pcap_close(pc);
    unlink(a);
    sg_netcfg_destroy(cfg);
}

static void test_tshark_valid(void **st)
{
    (void)st;
    /* tshark is installed by scripts/install-deps.sh: missing, the check would pass unchecked */
    if (system("command -v tshark >/dev/null 2>&1") != 0) fail_msg("tshark missing (scripts/install-deps.sh installs it)");
    char *a = tmp_path("t.pcap");
    sg_pktgen_stats s;
    run(a, 2, 100, 400, 0, NULL, &s);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "tshark -r %s -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE "
             "-Y '_ws.malformed || (_ws.expert.severity >= \"warning\" && !tcp.connection.rst) || tcp.analysis.flags || "
             "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\"' "
             "-T fields -e frame.number -e _ws.col.Info 2>&1 | grep -v 'Running as user' | head -20",
             a);
    FILE *fp = popen(cmd, "r");
    assert_non_null(fp);
    char line[2048];
    int bad = 0;
    while (fgets(line, sizeof line, fp)) { fprintf(stderr, "tshark: %s", line); bad++; }
    pclose(fp);
    assert_int_equal(bad, 0);
    unlink(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_any_threads),
        cmocka_unit_test(test_pairing),
        cmocka_unit_test(test_keeps_records),
        cmocka_unit_test(test_midstream_records),
        cmocka_unit_test(test_idle_gaps),
        cmocka_unit_test(test_resample_unfit),
        cmocka_unit_test(test_client_ports),
        cmocka_unit_test(test_netcfg_mapping),
        cmocka_unit_test(test_tshark_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
