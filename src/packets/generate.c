/* The generation pipeline: flows -> (pairing) -> batches [parallel: map, sample, reconcile,
 * normalise] -> [sequential: 5-tuple reuse check] -> [parallel: frames] -> [sequential: flows-out,
 * k-way merge into the pcap]. See include/secgen/packets.h and docs/packets.md. */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

enum {
    SG_STREAM_GEN_MAP = 0x50420010u,    /* activity thinning */
    SG_STREAM_GEN_SAMPLE = 0x50420011u, /* the sampler (automaton walk) */
    SG_STREAM_GEN_SHAPE = 0x50420012u,  /* reconciliation and flow-shaped sequences */
    SG_STREAM_GEN_RESAMPLE = 0x50420013u /* further automaton walks when a sample cannot be fitted */
};

/* Automaton samples tried before a flow falls back to a flow-shaped sequence: a count-conditioned
 * sample may still be one the fit cannot turn into the record (the port-less "tcp" automaton's
 * forward-only walks for a record with a SYN), and another walk usually can. */
#define SAMPLE_TRIES 3

#define PAIR_WINDOW_US (5 * 1000000LL)     /* a response half must start within 5 s of its request */
#define MAX_GAP_NS (100 * 1000000000LL)    /* below extract's 120 s idle timeout */
#define MAX_DUR_NS (29 * 60 * 1000000000LL) /* below extract's 30 min active timeout */
/* A 5-tuple is not reused until an hour after its flow ends. Linux picks connect() ports per
 * destination from a hashed offset plus a counter (RFC 6056, alg. 3), so one client reuses a
 * 5-tuple only after ~28k connections to the same server; with 121 s tshark still flagged ~30
 * "reused ports" SYNs per generated hour. Memory: one map entry per flow of the last hour. */
#define REUSE_GUARD_US (3600 * 1000000LL)
#define MAX_DIR_PACKETS 20000              /* per direction and flow (CIDDS p99.9 is ~1100 per record) */
#define MAX_PPS 5000                       /* per direction (CIDDS-001's fastest record: ~3900 pkt/s) */

typedef struct pflow {
    sg_flow f;
    int unk_fwd, unk_bwd;
    int paired;
    /* a built flow (sg_pktgen_add_built): its connection, its packets (owned) and its label */
    int built;
    sg_pkt_conn conn;
    sg_vec pkts;
    char label[64];
} pflow;

typedef struct item {
    pflow in;
    sg_flow f; /* after mapping (targets) */
    uint64_t idx;
    int result; /* sg_netmap_result */
    int no_model;
    int64_t tf, tb; /* packet targets per direction after the caps, -1 = unknown */
    int capped;
    int unmatched; /* the automaton could not produce the target counts */
    int unfit;     /* no valid sequence with the target counts was found */
    int walks_failed; /* every automaton walk failed the fit: flow-shaped packets */
    int stretched; /* the duration was lengthened to keep the packet rate plausible */
    int midstream; /* a TCP record without SYN: the connection was established before it */
    sg_tcp_noise_stats nst; /* TCP noise marked on its packets */
    int64_t dur_us; /* duration the packets are spread over */
    sg_pkt_conn conn;
    sg_vec pkts;
    sg_vec scratch; /* tcp normalisation's output, swapped with pkts */
    sg_frames fr;
    sg_tcp_norm_stats ns;
    sg_status st;
    sg_error err;
} item;

struct sg_pktgen {
    sg_pktgen_opts o;
    sg_netmap *nm;
    sg_payload_pool *pool;
    sg_pcap_writer *pw;
    sg_flow_writer *fw;
    sg_merger *mg;
    pflow *pend;
    size_t pend_head, npend, cappend; /* live entries are pend[pend_head .. npend) */
    item *items;
    size_t nitems, capitems;
    uint64_t next_idx;
    int64_t last_in_start;
    sg_hashmap *live;
    size_t live_purge_at;
    uint64_t next_built_idx; /* built flows' own index space (bit 63 set) */
    int64_t flush_upto; /* pending flush of the last batch (INT64_MIN: none) */
    sg_pktgen_stats st;
    /* per-packet label file: built flows' labels by their index (ids into lnames); the merger's
     * frame observer writes one row per frame. Memory grows with the attack flows only. */
    sg_outfile *plab;
    uint64_t plab_frames;
    sg_vec blabel;             /* uint16_t per built flow */
    char (*lnames)[64];
    size_t nlnames, caplnames;
    /* name lookups before connections (resolve.c): the lookup flow being written, its index space */
    sg_resolver *res;
    item rit;
    uint64_t next_res_idx;
};

/* the label id of a built flow's label (labels are few: attack names) */
static int label_id(sg_pktgen *g, const char *label, uint16_t *id)
{
    for (size_t i = 0; i < g->nlnames; i++)
        if (!strcmp(g->lnames[i], label)) return *id = (uint16_t)i, 0;
    if (g->nlnames == 65535) return -1;
    if (g->nlnames == g->caplnames) {
        size_t nc = g->caplnames ? 2 * g->caplnames : 8;
        char (*nl)[64] = realloc(g->lnames, nc * sizeof *nl);
        if (!nl) return -1;
        g->lnames = nl;
        g->caplnames = nc;
    }
    snprintf(g->lnames[g->nlnames], sizeof g->lnames[0], "%s", label);
    *id = (uint16_t)g->nlnames++;
    return 0;
}

static void write_packet_label(void *ctx, uint64_t idx)
{
    sg_pktgen *g = ctx;
    const char *l = "benign";
    if (idx >> 63) {
        uint64_t b = idx & ~(1ULL << 63);
        if (b < g->blabel.len) l = g->lnames[((const uint16_t *)g->blabel.data)[b]];
    }
    /* write errors surface at commit (the stream's error flag) */
    fprintf(sg_outfile_fp(g->plab), "%llu,%s\n", (unsigned long long)++g->plab_frames, l);
}

/* ---- helpers ----------------------------------------------------------------------------------- */
/* 2: well-known or named service port, 1: registered range (a server port next to an ephemeral
 * one), 0: ephemeral (>= 32768, Linux and Windows clients) */
static int port_rank(uint8_t proto, uint16_t p)
{
    if (p < 1024 || sg_net_service_name(proto, p) != NULL) return 2;
    return p < 32768 ? 1 : 0;
}

static int is_response(const sg_flow *f)
{
    if (f->proto == SG_PROTO_ICMP) return (f->dst_port >> 8) == 0; /* echo reply */
    if (f->proto != SG_PROTO_TCP && f->proto != SG_PROTO_UDP) return 0;
    return port_rank(f->proto, f->src_port) > port_rank(f->proto, f->dst_port);
}

static size_t hdr_bytes(const sg_pkt_conn *c)
{
    size_t ip = c->cli.is_v6 ? 40 : 20;
    if (c->proto == SG_PROTO_TCP) return ip + 20 + (sg_packets_tcp_ts(c) ? 12 : 0);
    if (c->proto == SG_PROTO_UDP || c->proto == SG_PROTO_ICMP || c->proto == SG_PROTO_ICMPV6) return ip + 8;
    return ip;
}

static uint32_t max_payload(const sg_pkt_conn *c)
{
    if (c->proto == SG_PROTO_TCP) return sg_packets_max_segment(c);
    return c->cli.is_v6 ? 1452 : 1472; /* one unfragmented datagram */
}

static sg_status push_pkt(sg_vec *v, int64_t t, int dir, uint8_t flags, uint32_t len)
{
    sg_pkt p = {.t_ns = t, .payload_len = len, .dir = (uint8_t)dir, .tcp_flags = flags};
    return sg_pkt_push(v, &p);
}

/* A sequence shaped only by the flow's counts, for services without an automaton. */
static sg_status flow_shaped(item *it, sg_rng *r)
{
    sg_vec *v = &it->pkts;
    sg_vec_clear(v);
    const sg_flow *f = &it->f;
    int64_t nf = it->tf, nb = it->tb;
    if (nf < 1) nf = nb > 0 ? nb : 1;
    if (nb < 0) nb = f->proto == SG_PROTO_TCP ? (nf > 1 ? nf : 1) : (nf > 0 ? nf : 1);
    int64_t gap = 1000000; /* 1 ms */
    int64_t t = 0;
    sg_status s = SG_OK;
    const uint32_t pl = 100; /* placeholder: reconcile() scales payloads to the byte counts */
    if (f->proto == SG_PROTO_TCP && it->midstream) {
        /* no handshake: request/response data, then the close the record's flags name */
        int fin = (f->flags & SG_TCP_FIN) != 0;
        int64_t rf = nf, rb = nb < 0 ? 0 : nb;
        while (!s && (rf > 0 || rb > 0)) {
            if (rf > 0) { s = push_pkt(v, t += gap, 0, SG_TCP_ACK | SG_TCP_PSH | (fin && rf == 1 ? SG_TCP_FIN : 0), pl); rf--; }
            for (int64_t k = 0; k < (rf > 0 ? 1 : rb) && rb > 0 && !s; k++, rb--)
                s = push_pkt(v, t += gap, 1, SG_TCP_ACK | SG_TCP_PSH | (fin && rb == 1 && rf == 0 ? SG_TCP_FIN : 0), pl);
        }
        return s;
    }
    if (f->proto == SG_PROTO_TCP) {
        if (nb == 0) return push_pkt(v, 0, 0, SG_TCP_SYN, 0);
        if (nf == 1) {
            s = push_pkt(v, 0, 0, SG_TCP_SYN, 0);
            return s ? s : push_pkt(v, gap, 1, SG_TCP_RST | SG_TCP_ACK, 0);
        }
        s = push_pkt(v, t, 0, SG_TCP_SYN, 0);
        if (!s) s = push_pkt(v, t += gap, 1, SG_TCP_SYN | SG_TCP_ACK, 0);
        int64_t rf = nf - 1, rb = nb - 1;
        int close3 = rf >= 2 && rb >= 1;
        if (close3) rf -= 2, rb -= 1;
        /* request/response: client data, then the server's data (the last server packet of a
         * burst carries data, the earlier ones too) */
        while (!s && (rf > 0 || rb > 0)) {
            if (rf > 0) { s = push_pkt(v, t += gap, 0, SG_TCP_ACK | SG_TCP_PSH, pl); rf--; }
            int64_t burst = rf > 0 ? (rb + rf) / (rf + 1) : rb;
            if (burst < 1 && rb > 0) burst = 1;
            for (int64_t k = 0; k < burst && !s; k++, rb--) s = push_pkt(v, t += gap, 1, SG_TCP_ACK | SG_TCP_PSH, pl);
        }
        if (close3 && !s) {
            s = push_pkt(v, t += gap, 0, SG_TCP_FIN | SG_TCP_ACK, 0);
            if (!s) s = push_pkt(v, t += gap, 1, SG_TCP_FIN | SG_TCP_ACK, 0);
            if (!s) s = push_pkt(v, t += gap, 0, SG_TCP_ACK, 0);
        }
        return s;
    }
    /* UDP / ICMP / other: alternate, requests first */
    int64_t rf = nf, rb = nb;
    while (!s && (rf > 0 || rb > 0)) {
        if (rf > 0) { s = push_pkt(v, t, 0, 0, pl); rf--; t += gap; }
        if (rb > 0 && !s) { s = push_pkt(v, t, 1, 0, pl); rb--; t += gap; }
    }
    (void)r;
    return s;
}

/* No gap between two packets of a flow longer than MAX_GAP_NS (extract's idle timeout would cut
 * the flow in two): later packets move earlier by the excess. */
static void cap_gaps(sg_pkt *p, size_t n)
{
    int64_t shift = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t o = p[i].t_ns - shift;
        if (o - p[i - 1].t_ns > MAX_GAP_NS) {
            shift += o - p[i - 1].t_ns - MAX_GAP_NS;
            o = p[i - 1].t_ns + MAX_GAP_NS;
        }
        p[i].t_ns = o;
    }
}

/* Scale payload sizes to the flow's byte counts and times to its duration (see docs). */
static void reconcile(item *it)
{
    sg_pkt *p = it->pkts.data;
    size_t n = it->pkts.len;
    const sg_flow *f = &it->f;
    uint32_t maxp = max_payload(&it->conn);
    size_t hdr = hdr_bytes(&it->conn);
    for (int d = 0; d < 2; d++) {
        int unknown = d ? it->in.unk_bwd : it->in.unk_fwd;
        uint64_t cnt = 0, cur = 0;
        for (size_t i = 0; i < n; i++)
            if (p[i].dir == d) { cnt++; cur += p[i].payload_len; }
        if (unknown || cnt == 0) {
            for (size_t i = 0; i < n; i++)
                if (p[i].dir == d && p[i].payload_len > maxp) p[i].payload_len = maxp;
            continue;
        }
        uint64_t bytes = d ? f->bwd_bytes : f->fwd_bytes;
        double tgt = (double)bytes - (double)(cnt * hdr);
        if (tgt < 0) tgt = 0;
        if (cur == 0 && tgt > 0 && it->conn.proto != SG_PROTO_TCP) {
            for (size_t i = 0; i < n; i++)
                if (p[i].dir == d) p[i].payload_len = 1, cur++;
        }
        if (cur == 0) continue;
        double k = tgt / (double)cur, carry = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i].dir != d || p[i].payload_len == 0) continue;
            double want = p[i].payload_len * k + carry;
            double got = floor(want + 0.5);
            if (got < 0) got = 0;
            if (got > maxp) got = maxp;
            /* a data segment stays a data segment (flags say PSH) */
            if (got < 1 && it->conn.proto == SG_PROTO_TCP) got = 1;
            carry = want - got;
            p[i].payload_len = (uint32_t)got;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t mn = sg_payload_min_len(&it->conn, p[i].dir);
        if (mn && p[i].payload_len < mn && (it->conn.proto != SG_PROTO_TCP || p[i].payload_len > 0)) p[i].payload_len = mn;
    }
    /* times: offsets from the first packet, on the µs grid, scaled to the duration */
    if (n == 0) return;
    int64_t base = p[0].t_ns, prev = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t o = p[i].t_ns - base;
        if (o < prev) o = prev;
        p[i].t_ns = o;
        prev = o;
    }
    int64_t span = p[n - 1].t_ns;
    int64_t tgt = it->dur_us * 1000;
    if (n > 1 && tgt > 0) {
        if (span > 0) {
            double k = (double)tgt / (double)span;
            for (size_t i = 0; i < n; i++) p[i].t_ns = (int64_t)((double)p[i].t_ns * k);
        } else {
            for (size_t i = 0; i < n; i++) p[i].t_ns = (int64_t)((double)tgt * (double)i / (double)(n - 1));
        }
    }
    /* idle gaps and total length stay under the flow meter's timeouts */
    cap_gaps(p, n);
    if (p[n - 1].t_ns > MAX_DUR_NS) {
        double k = (double)MAX_DUR_NS / (double)p[n - 1].t_ns;
        for (size_t i = 0; i < n; i++) p[i].t_ns = (int64_t)((double)p[i].t_ns * k);
    }
    int64_t start = f->start_us * 1000;
    for (size_t i = 0; i < n; i++) p[i].t_ns = start + p[i].t_ns / 1000 * 1000;
}

/* DNS over UDP: a response answers a query sent before it. Where a sample has more responses than
 * queries so far, the next query trades places with that response (times stay where they are):
 * a response with nothing to answer would repeat an answer tshark matches to no query. */
static void dns_order(sg_pkt *p, size_t n)
{
    int64_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].dir == SG_DIR_BWD && pending == 0) {
            size_t j = i + 1;
            while (j < n && p[j].dir != SG_DIR_FWD) j++;
            if (j == n) break; /* no query left: more responses than queries in the record */
            int64_t ti = p[i].t_ns, tj = p[j].t_ns;
            sg_pkt q = p[i];
            p[i] = p[j];
            p[j] = q;
            p[i].t_ns = ti;
            p[j].t_ns = tj;
        }
        pending += p[i].dir == SG_DIR_FWD ? 1 : -1;
    }
}

/* The initiator sends first (a capture, and secgen extract, take the first packet's sender for the
 * client when no handshake says otherwise): the first client packet moves to the front, or, with
 * none, the first packet becomes the client's. */
static void client_first(sg_pkt *p, size_t n)
{
    if (!n || p[0].dir == SG_DIR_FWD) return;
    for (size_t i = 1; i < n; i++)
        if (p[i].dir == SG_DIR_FWD) {
            int64_t t0 = p[0].t_ns;
            sg_pkt c = p[i];
            memmove(p + 1, p, i * sizeof *p);
            p[0] = c;
            p[0].t_ns = t0;
            return;
        }
    p[0].dir = SG_DIR_FWD;
}

/* The fit adds packets right after the last one (1 µs apart): a record whose sample had too few
 * packets ends long before its duration (38 packets in 6 µs for a 0.86 s record). Gaps then grow
 * in proportion until the list spans the duration; never shrink (round trips stay), each gap
 * stays under the idle timeout, times on the µs grid. */
static void stretch_to_duration(item *it)
{
    sg_pkt *p = it->pkts.data;
    size_t n = it->pkts.len;
    if (n < 2 || it->dur_us <= 0) return;
    int64_t tgt = it->dur_us * 1000 < MAX_DUR_NS ? it->dur_us * 1000 : MAX_DUR_NS;
    int64_t span = p[n - 1].t_ns - p[0].t_ns;
    if (span <= 0 || span * 10 >= tgt * 9) return;
    double k = (double)tgt / (double)span;
    int64_t prev_old = p[0].t_ns;
    for (size_t i = 1; i < n; i++) {
        int64_t gap = (int64_t)((double)(p[i].t_ns - prev_old) * k) / 1000 * 1000;
        if (gap > MAX_GAP_NS) gap = MAX_GAP_NS;
        prev_old = p[i].t_ns;
        p[i].t_ns = p[i - 1].t_ns + gap;
    }
}

/* Turns the sampled (or flow-shaped) sequence into the flow's record: times and approximate
 * sizes (reconcile), TCP normalisation, then the exact packet counts per direction (fit) and the
 * IP bytes per direction with the exact header lengths. Returns 1 when the counts were met. */
static int shape(sg_pktgen *g, item *it)
{
    /* ECE/CWR from a sampled sequence would read as noise marks (SG_PKT_NOISE_MASK); frames
     * never carried them */
    for (size_t i = 0; i < it->pkts.len; i++) ((sg_pkt *)it->pkts.data)[i].tcp_flags &= 0x3f;
    reconcile(it);
    const int64_t tgt[2] = {it->tf, it->tb};
    const int64_t bytes[2] = {it->in.unk_fwd ? -1 : (int64_t)it->f.fwd_bytes, it->in.unk_bwd ? -1 : (int64_t)it->f.bwd_bytes};
    uint32_t maxp = max_payload(&it->conn);
    sg_pkt *p = it->pkts.data;
    int exact = 0;
    if (it->conn.proto == SG_PROTO_TCP) {
        uint16_t mss = sg_packets_max_segment(&it->conn);
        if (it->midstream) client_first(p, it->pkts.len);
        /* a mid-stream record closes only if its meter saw the close */
        int mode = it->midstream ? SG_TCP_NORM_MIDSTREAM | (it->f.flags & (SG_TCP_FIN | SG_TCP_RST) ? SG_TCP_NORM_CLOSE : SG_TCP_NORM_OPEN)
                                 : SG_TCP_NORM_CLOSE;
        it->st = sg_packets_tcp_normalize_buf(&it->pkts, &it->scratch, mss, g->o.seed, it->idx, mode, &it->ns, &it->err);
        if (it->st != SG_OK || it->pkts.len == 0) return 0;
        if (sg_packets_fit_tcp_short(&it->pkts, tgt)) return 1;
        for (int round = 0; round < 4 && !exact; round++) {
            int ok = 0;
            if ((it->st = sg_packets_fit_tcp(&it->conn, &it->pkts, tgt, bytes, maxp, 256, it->midstream, &ok)) != SG_OK) {
                sg_error_set(&it->err, it->st, "flow %llu: out of memory", (unsigned long long)it->idx);
                return 0;
            }
            if (!ok) break;
            /* check: normalising again must change nothing the counts see */
            sg_tcp_norm_stats ns2;
            it->st = sg_packets_tcp_normalize_buf(&it->pkts, &it->scratch, mss, g->o.seed, it->idx, mode & ~SG_TCP_NORM_CLOSE, &ns2,
                                                  &it->err);
            if (it->st != SG_OK) return 0;
            int64_t n[2] = {0, 0};
            p = it->pkts.data;
            for (size_t i = 0; i < it->pkts.len; i++) n[p[i].dir ? 1 : 0]++;
            exact = (tgt[0] < 0 || n[0] == tgt[0]) && (tgt[1] < 0 || n[1] == tgt[1]);
            /* the fit may have put a server packet first: extract would turn the flow round */
            if (exact && it->midstream && ((sg_pkt *)it->pkts.data)[0].dir != SG_DIR_FWD) exact = 0;
        }
    } else {
        client_first(p, it->pkts.len);
        if ((it->st = sg_packets_fit_dgram(&it->pkts, tgt, &exact)) != SG_OK) {
            sg_error_set(&it->err, it->st, "flow %llu: out of memory", (unsigned long long)it->idx);
            return 0;
        }
        if (it->conn.proto == SG_PROTO_UDP && it->conn.dst_port == 53) dns_order(it->pkts.data, it->pkts.len);
    }
    sg_packets_fit_bytes(&it->conn, &it->pkts, bytes, maxp);
    if (exact) stretch_to_duration(it);
    sg_tcp_noise_stats nst = {0};
    if (g->o.noise && it->conn.proto == SG_PROTO_TCP) {
        /* noise inside the record's counts (NetFlow counts retransmissions): a copy replaces a
         * data segment, then the bytes are fitted again with the original counted twice */
        sg_rng rn;
        sg_rng_init(&rn, g->o.seed, SG_STREAM_PKT_NOISE, it->idx);
        unsigned fixed = (tgt[0] >= 0 ? 1u : 0u) | (tgt[1] >= 0 ? 2u : 0u); /* counts the record gives */
        if ((it->st = sg_packets_tcp_noise(&it->pkts, sg_tcp_noise_for(g->o.noise, it->conn.dst_port), maxp, fixed, &rn, &nst)) != SG_OK) {
            sg_error_set(&it->err, it->st, "flow %llu: out of memory", (unsigned long long)it->idx);
            return 0;
        }
        if (nst.lost) sg_packets_fit_bytes(&it->conn, &it->pkts, bytes, maxp);
    }
    it->nst = nst;
    size_t lost = nst.lost;
    sg_payload_fix_sizes(&it->conn, it->pkts.data, it->pkts.len);
    if (lost) sg_packets_tcp_noise_sync(it->pkts.data, it->pkts.len);
    /* normalisation and the fit drop packets: two gaps under the cap around a dropped packet
     * make one over it (a record of 223 s became a 0.7 ms handshake and a second flow 122 s later) */
    cap_gaps(it->pkts.data, it->pkts.len);
    return exact;
}

/* Whether the connection's segments carry TCP timestamps, as far as the record's bytes tell (the
 * client's OS decides otherwise): with them every segment has at least 52 IP bytes and a SYN or
 * SYN-ACK 60, so a direction with fewer bytes rules them out (a 1-packet SYN of 52 bytes: Windows'
 * options), and a direction of exactly that many (pure ACKs with timestamps: CIDDS' most common
 * record, 66 frame bytes) asks for them. */
static int8_t record_ts(const item *it)
{
    int8_t ts = 0;
    int syn = (it->f.flags & SG_TCP_SYN) != 0; /* a mid-stream record has none */
    for (int d = 0; d < 2; d++) {
        if (d ? it->in.unk_bwd : it->in.unk_fwd) continue;
        uint64_t p = d ? it->f.bwd_packets : it->f.fwd_packets, b = d ? it->f.bwd_bytes : it->f.fwd_bytes;
        if (p == 0) continue;
        uint64_t need = 52 * p + (syn ? 8 : 0);
        if (b < need) return -1;
        if (b == need) ts = 1;
    }
    return ts;
}

static void stage_a(sg_pktgen *g, item *it)
{
    memset(&it->nst, 0, sizeof it->nst);
    if (it->in.built) { /* decided by the caller: take its connection and packets as they are */
        it->f = it->in.f;
        it->conn = it->in.conn;
        it->conn.taint = (uint8_t)g->o.taint;
        it->conn.vocab = g->o.vocab;
        it->conn.app_key = sg_hash_u64(g->o.seed ^ sg_hash_u64(it->idx));
        it->result = SG_NETMAP_OK;
        it->capped = it->unmatched = it->unfit = it->stretched = it->midstream = it->walks_failed = 0; /* the item's last use may have set them */
        it->tf = it->tb = -1;
        it->dur_us = it->f.duration_us;
        sg_vec t = it->pkts;
        it->pkts = it->in.pkts;
        it->in.pkts = t;
        return;
    }
    sg_rng r;
    sg_rng_init(&r, g->o.seed, SG_STREAM_GEN_MAP, it->idx);
    it->f = it->in.f;
    it->result = sg_netmap_flow(g->nm, &it->f, &r, &it->conn);
    sg_vec_clear(&it->pkts);
    if (it->result != SG_NETMAP_OK) return;
    it->conn.taint = (uint8_t)g->o.taint;
    it->conn.vocab = g->o.vocab; /* before shaping: DNS query sizes follow their names */
    it->conn.app_key = sg_hash_u64(g->o.seed ^ sg_hash_u64(it->idx));
    /* packet targets, capped: a flow model sampling columns from separate bins can combine a
     * huge packet count with a short duration (89,849 packets in 7.7 ms): the count gives way
     * (counted); lengthening such flows instead kept them but made the pcap of 4,096 flows 4.5 GB */
    int64_t lim = MAX_DIR_PACKETS;
    if (it->f.duration_us > 0 && 10 + it->f.duration_us / 1000000.0 * MAX_PPS < lim) lim = 10 + (int64_t)(it->f.duration_us / 1000000.0 * MAX_PPS);
    it->tf = it->in.unk_fwd ? -1 : (int64_t)it->f.fwd_packets;
    it->tb = it->in.unk_bwd ? -1 : (int64_t)it->f.bwd_packets;
    it->capped = 0;
    it->unmatched = 0;
    it->unfit = 0;
    it->walks_failed = 0;
    it->stretched = 0;
    /* flags known (a record reader gives them) and no SYN among them */
    it->midstream = it->f.proto == SG_PROTO_TCP && it->f.flags && !(it->f.flags & SG_TCP_SYN);
    if (it->f.proto == SG_PROTO_TCP) it->conn.tcp_ts = record_ts(it);
    it->dur_us = it->f.duration_us;
    /* a DNS response record without its request: a resolver answers each query once, so the
     * unknown query count is the response count (an automaton left to choose it sampled one
     * query for two responses, and the second answered nothing) */
    if (it->tf < 0 && it->tb > 0 && it->f.proto == SG_PROTO_UDP && it->f.dst_port == 53) it->tf = it->tb;
    if (it->tf > lim) it->tf = lim, it->capped = 1;
    if (it->tb > lim) it->tb = lim, it->capped = 1;
    int found = 0;
    for (int attempt = 0; g->o.sampler && attempt < SAMPLE_TRIES; attempt++) {
        sg_rng rs;
        if (attempt == 0) sg_rng_init(&rs, g->o.seed, SG_STREAM_GEN_SAMPLE, it->idx);
        else sg_rng_init(&rs, g->o.seed, SG_STREAM_GEN_RESAMPLE, it->idx * SAMPLE_TRIES + (uint64_t)attempt);
        it->pkts.len = 0;
        it->unmatched = 0;
        memset(&it->ns, 0, sizeof it->ns);
        it->st = g->o.sampler(g->o.sampler_ctx, &it->f, it->tf, it->tb, &rs, &it->pkts, &found, &it->err);
        if (it->st != SG_OK) return;
        if (!found || !it->pkts.len) break;
        /* the count-conditioned sampler falls back to the nearest reachable counts: the fit
         * below adds or removes packets; if it cannot, another walk, then the flow-shaped sequence */
        int64_t n[2] = {0, 0};
        const sg_pkt *q = it->pkts.data;
        for (size_t i = 0; i < it->pkts.len; i++) n[q[i].dir ? 1 : 0]++;
        if ((it->tf >= 0 && n[0] != it->tf) || (it->tb >= 0 && n[1] != it->tb)) it->unmatched = 1;
        if (shape(g, it)) return;
        if (it->st != SG_OK) return;
        it->unmatched = 1;
        found = 0;
    }
    sg_rng rr;
    sg_rng_init(&rr, g->o.seed, SG_STREAM_GEN_SHAPE, it->idx);
    if (!found || it->pkts.len == 0) {
        it->no_model = !it->unmatched;
        it->walks_failed = it->unmatched;
        if ((it->st = flow_shaped(it, &rr)) != SG_OK) {
            sg_error_set(&it->err, it->st, "flow %llu: out of memory", (unsigned long long)it->idx);
            return;
        }
        memset(&it->ns, 0, sizeof it->ns);
        if (!shape(g, it) && it->st == SG_OK) it->unfit = 1;
    }
}

/* Ports in the ephemeral range that dissectors claim by number (industrial protocols): a client
 * using one gets its random payload parsed as that protocol, and tshark reported e.g. an
 * EtherNet/IP "Unknown Command [Malformed]" for an HTTP client on port 44818. Real stacks can pick
 * them too; we move the client off them like a port that is in use. */
static int dissector_port(uint16_t p)
{
    return (p >= 34962 && p <= 34964) /* PROFINET */ || p == 44818 /* EtherNet/IP */ || p == 47808 /* BACnet */ ||
           p == 48898 /* Beckhoff ADS */;
}

/* A client port no real stack picks: 0, a TCP port below 1024, or a UDP well-known port towards
 * another service. The flow model draws ports from learnt distributions (one-way NetFlow records in
 * CIDDS make 80 and 443 frequent source ports) and produced e.g. TCP 443 -> 80 or UDP 53 -> 443,
 * which dissectors then parse by the lower port (tshark: malformed DNS). Peers that really use
 * their own port on both sides (DNS, NTP, NetBIOS, mDNS...: same port) and DHCP (68 <-> 67) keep it. */
static int unlikely_client_port(uint8_t proto, uint16_t sp, uint16_t dp)
{
    if (proto != SG_PROTO_TCP && proto != SG_PROTO_UDP) return 0; /* ICMP: no ports */
    if (sp == 0) return 1;
    if (proto == SG_PROTO_TCP) return sp < 1024;
    if (sp == dp || (sp == 68 && dp == 67) || (sp == 67 && dp == 68)) return 0;
    return sp < 1024 || sp == 1900 || sp == 5353 || sp == 5355;
}

static sg_status live_check(sg_pktgen *g, item *it)
{
    /* key: proto, addresses, ports; value: time (µs) until which the 5-tuple is taken */
    uint8_t key[1 + 32 + 4];
    sg_pkt *p = it->pkts.data;
    int64_t start_us = p[0].t_ns / 1000, end_us = p[it->pkts.len - 1].t_ns / 1000;
    for (int tries = 0; tries < 4096; tries++) {
        key[0] = it->conn.proto;
        memcpy(key + 1, it->conn.cli.addr, 16);
        memcpy(key + 17, it->conn.srv.addr, 16);
        key[33] = (uint8_t)(it->conn.src_port >> 8); key[34] = (uint8_t)it->conn.src_port;
        key[35] = (uint8_t)(it->conn.dst_port >> 8); key[36] = (uint8_t)it->conn.dst_port;
        uint64_t until;
        if (unlikely_client_port(it->conn.proto, it->conn.src_port, it->conn.dst_port)) {
            /* an ephemeral port (Linux range 32768-60999) derived from the flow, not from a counter */
            uint64_t h = sg_hash_bytes(key, sizeof key, (uint64_t)start_us);
            it->conn.src_port = it->f.src_port = (uint16_t)(32768 + h % (60999 - 32768));
            g->st.port_bumps++;
            continue;
        }
        if ((dissector_port(it->conn.src_port) && it->conn.src_port != it->conn.dst_port) ||
            (sg_hashmap_get(g->live, key, sizeof key, &until) && (int64_t)until > start_us)) {
            /* taken: the next port of the ephemeral range (32768-60999, Linux) */
            uint16_t sp = it->conn.src_port;
            sp = (uint16_t)(sp < 32768 || sp >= 60999 ? 32768 : sp + 1);
            it->conn.src_port = sp;
            it->f.src_port = sp;
            g->st.port_bumps++;
            continue;
        }
        return sg_hashmap_put(g->live, key, sizeof key, (uint64_t)(end_us + REUSE_GUARD_US));
    }
    return SG_OK; /* 4096 live flows on one client/server/port triple: keep the last port */
}

static void live_purge(sg_pktgen *g, int64_t now_us)
{
    size_t sz = sg_hashmap_size(g->live);
    if (sz < g->live_purge_at) return;
    sg_vec dead;
    sg_vec_init(&dead, 37);
    size_t itr = 0;
    const void *k;
    size_t kl;
    uint64_t v;
    while (sg_hashmap_next(g->live, &itr, &k, &kl, &v))
        if ((int64_t)v <= now_us && kl == 37) sg_vec_push(&dead, k);
    for (size_t i = 0; i < dead.len; i++) sg_hashmap_remove(g->live, (char *)dead.data + 37 * i, 37);
    sg_vec_free(&dead);
    g->live_purge_at = 2 * sg_hashmap_size(g->live) + 4096;
}

/* generated vs the flow model's targets, per direction whose counts the model gave */
static void compare(sg_pktgen *g, const item *it, const sg_frames_summary *s)
{
    const sg_flow *f = &it->f;
    sg_pktgen_stats *st = &g->st;
    for (int d = 0; d < 2; d++) {
        if (d ? it->in.unk_bwd : it->in.unk_fwd) continue;
        double tp = (double)(d ? f->bwd_packets : f->fwd_packets), gp = (double)(d ? s->bwd_packets : s->fwd_packets);
        double tb = (double)(d ? f->bwd_bytes : f->fwd_bytes), gb = (double)(d ? s->bwd_bytes : s->fwd_bytes);
        if (tp > 0) {
            st->n_pkts_cmp++;
            st->sum_pkts_relerr += fabs(gp - tp) / tp;
            if (gp == tp) st->pkts_exact++;
            else if (it->capped) st->miss_capped++;
            else st->miss_unfit++;
        }
        if (tb > 0) {
            st->n_bytes_cmp++;
            double e = fabs(gb - tb) / tb;
            st->sum_bytes_relerr += e;
            if (e <= 0.1) st->bytes_within10++;
            else if (gp != tp) st->bytes_miss_pkts++;
            else if (gb > tb) st->bytes_miss_small++;
            else st->bytes_miss_large++;
        }
    }
    if (f->duration_us > 0) {
        double td = (double)f->duration_us, gd = (double)(s->last_ns - s->first_ns) / 1000.0;
        st->n_dur_cmp++;
        double e = fabs(gd - td) / td;
        st->sum_dur_relerr += e;
        if (e <= 0.1) st->dur_within10++;
    }
}

/* Buffers are kept from batch to batch: handing every big flow fresh memory cost a quarter of
 * generation time in page faults (perf, -d 1h, before the huge-page heap). A byte budget, spent on
 * the smallest buffers first, keeps memory flat whatever the flow sizes. 8 MiB: with the
 * huge-page heap, 32 MiB was no faster (7 interleaved runs, -d 1h: median 0.75 vs 0.71 s at -j 1)
 * and cost 35 MB of peak RSS (106 vs 69 MB). */
#define KEEP_ITEM_BYTES ((size_t)8 << 20)

static size_t item_bytes(const item *it)
{
    return (it->pkts.cap + it->scratch.cap) * sizeof(sg_pkt) + it->fr.bufcap + it->fr.cap * sizeof(sg_frame);
}

static int by_bytes_desc(const void *a, const void *b)
{
    size_t x = item_bytes(*(const item *const *)a), y = item_bytes(*(const item *const *)b);
    return x < y ? 1 : (x > y ? -1 : 0);
}

static void trim_items(sg_pktgen *g)
{
    size_t total = 0;
    for (size_t i = 0; i < g->capitems; i++) total += item_bytes(&g->items[i]);
    if (total <= KEEP_ITEM_BYTES) return;
    item **order = malloc(g->capitems * sizeof *order);
    if (!order) return; /* keeping the buffers is merely not frugal */
    for (size_t i = 0; i < g->capitems; i++) order[i] = &g->items[i];
    qsort(order, g->capitems, sizeof *order, by_bytes_desc);
    for (size_t i = 0; i < g->capitems && total > KEEP_ITEM_BYTES; i++) {
        item *it = order[i];
        total -= item_bytes(it);
        sg_vec_free(&it->pkts);
        sg_vec_free(&it->scratch);
        sg_vec_init(&it->pkts, sizeof(sg_pkt));
        sg_vec_init(&it->scratch, sizeof(sg_pkt));
        sg_frames_free(&it->fr);
    }
    free(order);
}

/* a connection as written: the flows-out row, the observer, the merge */
static sg_status write_out(sg_pktgen *g, item *it, const sg_frames_summary *sp, sg_error *err)
{
    const sg_frames_summary s = *sp;
    g->st.flows_out++;
    if (g->fw || g->o.observer) {
        sg_flow o = it->f;
        o.start_us = s.first_ns / 1000;
        o.duration_us = (s.last_ns - s.first_ns) / 1000;
        o.src_port = it->conn.src_port;
        o.dst_port = it->conn.dst_port;
        o.fwd_packets = s.fwd_packets;
        o.fwd_bytes = s.fwd_bytes;
        o.bwd_packets = s.bwd_packets;
        o.bwd_bytes = s.bwd_bytes;
        o.flags = it->conn.proto == SG_PROTO_TCP ? s.flags : 0;
        o.tos = 0;
        if (it->conn.proto == SG_PROTO_ICMP || it->conn.proto == SG_PROTO_ICMPV6) o.src_port = 0, o.dst_port = (uint16_t)(it->conn.proto == SG_PROTO_ICMP ? 8 << 8 : 128 << 8);
        sg_status st = g->fw ? sg_flow_writer_write_labelled(g->fw, &o, g->o.label_column ? (it->in.built ? it->in.label : "benign") : NULL, err) : SG_OK;
        if (st == SG_OK && g->o.observer)
            st = g->o.observer(g->o.observer_ctx, &o, &it->conn, it->pkts.data, it->pkts.len, g->st.flows_out - 1, err);
        if (st != SG_OK) return st;
    }
    if (g->pw) return sg_merger_add_lazy(g->mg, &it->pkts, &it->conn, g->pool, g->o.seed, it->idx, err);
    return SG_OK;
}

/* A client reaching its server by name resolves the name first (resolve.c): the lookup flow is written
 * before the connection, which starts once the answer is in. */
static sg_status resolve_first(sg_pktgen *g, item *it, sg_error *err)
{
    item *d = &g->rit;
    int64_t delay = 0;
    int cached = 0;
    sg_status st = SG_OK;
    uint64_t ridx = (1ULL << 62) | g->next_res_idx;
    if (!sg_resolver_before(g->res, &it->conn, ((const sg_pkt *)it->pkts.data)[0].t_ns, g->o.seed, ridx, &d->conn, &d->pkts,
                            &delay, &cached, &st)) {
        g->st.resolve_cached += (uint64_t)cached;
        return st == SG_OK ? SG_OK : sg_error_set(err, st, "generate: out of memory (name lookups)");
    }
    g->next_res_idx++;
    d->idx = ridx;
    memset(&d->in, 0, sizeof d->in);
    memset(&d->f, 0, sizeof d->f);
    d->f.proto = SG_PROTO_UDP;
    inet_ntop(d->conn.cli.is_v6 ? AF_INET6 : AF_INET, d->conn.cli.addr, d->f.src_ip, SG_ADDR_MAX);
    inet_ntop(d->conn.srv.is_v6 ? AF_INET6 : AF_INET, d->conn.srv.addr, d->f.dst_ip, SG_ADDR_MAX);
    d->f.src_port = d->conn.src_port;
    d->f.dst_port = 53;
    if ((st = live_check(g, d)) != SG_OK) return sg_error_set(err, st, "generate: out of memory");
    sg_pkt *p = it->pkts.data;
    for (size_t i = 0; i < it->pkts.len; i++) p[i].t_ns += delay;
    sg_frames_summary s;
    sg_packets_summarize(&d->conn, d->pkts.data, d->pkts.len, &s);
    g->st.resolutions++;
    return write_out(g, d, &s, err);
}

static sg_status process_batch(sg_pktgen *g, sg_error *err)
{
    size_t n = g->nitems;
    if (!n) return SG_OK;
    item *items = g->items;
    /* Pipelined: the previous batch's packets are written (one task: the merge is sequential)
     * while this batch is sampled (the other threads). Both only read shared state, and what the
     * flush writes is fixed before it starts (flows of batches <= k-1, up to their last start), so
     * the output does not depend on the interleaving. */
    const int64_t upto = g->flush_upto;
    const int do_flush = g->pw && upto != INT64_MIN;
    sg_status fst = SG_OK;
    sg_error ferr;
    ferr.status = SG_OK;
    ferr.msg[0] = 0;
    if (do_flush && sg_merger_open_flows(g->mg) > g->st.peak_open_flows) g->st.peak_open_flows = sg_merger_open_flows(g->mg);
#pragma omp parallel
#pragma omp single
    {
        if (do_flush) {
#pragma omp task shared(fst, ferr)
            fst = sg_merger_flush(g->mg, upto, g->pw, &ferr);
        }
#pragma omp taskloop grainsize(8)
        for (size_t i = 0; i < n; i++) stage_a(g, &items[i]);
    }
    if (fst != SG_OK) {
        *err = ferr;
        return fst;
    }
    if (do_flush) live_purge(g, upto / 1000);
    g->flush_upto = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        item *it = &items[i];
        if (it->st != SG_OK) { *err = it->err; return it->st; }
        if (it->result != SG_NETMAP_OK) { g->st.dropped_netcfg[it->result]++; continue; }
        if (it->pkts.len == 0) continue;
        sg_status s = live_check(g, it);
        if (s != SG_OK) return sg_error_set(err, s, "generate: out of memory");
    }
    /* frames are built when written (sg_merger_add_lazy): the merger holds packet descriptors, not
     * headers, for the flows still open. Building everything here in parallel kept ~140 bytes per
     * packet in memory until its turn and was slower on one core (cache misses, page faults). */
    int64_t last_start = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        item *it = &items[i];
        if (it->result != SG_NETMAP_OK || it->pkts.len == 0) continue;
        if (g->o.max_flows_out && g->st.flows_out >= g->o.max_flows_out) break; /* -n reached */
        /* the lookup of the server's name goes first; the watermark stays at the unshifted start
         * (the lookup's), which is what orders the flows of later batches */
        int64_t first0 = ((const sg_pkt *)it->pkts.data)[0].t_ns;
        if (g->res && !it->in.built && !it->midstream && !(g->o.max_flows_out && g->st.flows_out + 2 > g->o.max_flows_out)) {
            sg_status rs = resolve_first(g, it, err);
            if (rs != SG_OK) return rs;
        }
        sg_frames_summary s;
        sg_packets_summarize(&it->conn, it->pkts.data, it->pkts.len, &s);
        if (!it->in.built) compare(g, it, &s);
        g->st.built_flows += (uint64_t)it->in.built;
        g->st.norm_inserted += it->ns.inserted;
        g->st.norm_dropped += it->ns.dropped;
        if (!it->in.built) {
            g->st.noise_lost += it->nst.lost;
            g->st.noise_reordered += it->nst.reordered;
            g->st.noise_dupacks += it->nst.dup_acks;
            g->st.noise_on_top += it->nst.on_top;
            g->st.noise_keepalives += it->nst.keepalives;
            g->st.noise_wupd += it->nst.window_updates;
            g->st.noise_spurious += it->nst.spurious;
            g->st.noise_left_out += it->nst.left_out;
        }
        g->st.no_model += (uint64_t)it->no_model;
        g->st.capped += (uint64_t)it->capped;
        g->st.unmatched += (uint64_t)it->unmatched;
        g->st.walks_failed += (uint64_t)it->walks_failed;
        g->st.unfit += (uint64_t)it->unfit;
        g->st.stretched += (uint64_t)it->stretched;
        sg_status st = write_out(g, it, &s, err);
        if (st != SG_OK) return st;
        if (first0 > last_start) last_start = first0;
    }
    g->nitems = 0;
    trim_items(g);
    if (g->pw && last_start != INT64_MIN) g->flush_upto = last_start; /* written during the next batch */
    return SG_OK;
}

static sg_status release(sg_pktgen *g, const pflow *pf, sg_error *err)
{
    if (g->nitems == g->capitems) {
        sg_status s = process_batch(g, err);
        if (s != SG_OK) return s;
    }
    if (pf->built && g->plab) { /* its label, by its index in the built flows' space */
        uint16_t id;
        if (label_id(g, pf->label, &id) != 0 || sg_vec_push(&g->blabel, &id) != SG_OK)
            return sg_error_set(err, SG_ERR_NOMEM, "generate: out of memory (packet labels)");
    }
    item *it = &g->items[g->nitems++];
    sg_vec_free(&it->in.pkts); /* a built flow's packets left from the item's last use */
    it->in = *pf;
    it->idx = pf->built ? (1ULL << 63) | g->next_built_idx++ : g->next_idx++;
    it->no_model = 0;
    it->st = SG_OK;
    it->err.status = SG_OK;
    it->err.msg[0] = 0;
    memset(&it->ns, 0, sizeof it->ns);
    return SG_OK;
}

static sg_status pend_push(sg_pktgen *g, const pflow *pf, sg_error *err)
{
    if (g->npend == g->cappend) {
        if (g->pend_head > 0) {
            memmove(g->pend, g->pend + g->pend_head, (g->npend - g->pend_head) * sizeof *g->pend);
            g->npend -= g->pend_head;
            g->pend_head = 0;
        }
        if (g->npend == g->cappend) {
            size_t nc = g->cappend ? 2 * g->cappend : 256;
            pflow *np = realloc(g->pend, nc * sizeof *np);
            if (!np) return sg_error_set(err, SG_ERR_NOMEM, "generate: out of memory");
            g->pend = np;
            g->cappend = nc;
        }
    }
    g->pend[g->npend++] = *pf;
    return SG_OK;
}

/* ---- public API -------------------------------------------------------------------------------- */
sg_status sg_pktgen_create(const sg_pktgen_opts *o, sg_pktgen **out, sg_error *err)
{
    *out = NULL;
    sg_pktgen *g = calloc(1, sizeof *g);
    if (!g) return sg_error_set(err, SG_ERR_NOMEM, "generate: out of memory");
    g->o = *o;
    if (!g->o.batch) g->o.batch = 256;
    g->capitems = g->o.batch;
    g->last_in_start = INT64_MIN;
    g->items = calloc(g->capitems, sizeof *g->items);
    g->mg = sg_merger_create();
    g->live = sg_hashmap_create(4096);
    g->live_purge_at = 8192;
    g->flush_upto = INT64_MIN;
    sg_status s = SG_OK;
    if (!g->items || !g->mg || !g->live) s = sg_error_set(err, SG_ERR_NOMEM, "generate: out of memory");
    for (size_t i = 0; g->items && i < g->capitems; i++) {
        sg_vec_init(&g->items[i].pkts, sizeof(sg_pkt));
        sg_vec_init(&g->items[i].scratch, sizeof(sg_pkt));
        sg_frames_init(&g->items[i].fr);
    }
    if (s == SG_OK) s = sg_netmap_create(o->netcfg, &g->nm, err);
    sg_vec_init(&g->rit.pkts, sizeof(sg_pkt));
    sg_vec_init(&g->rit.scratch, sizeof(sg_pkt));
    if (s == SG_OK && o->resolve_names) s = sg_resolver_create(o->netcfg, g->nm, &g->res, err);
    if (s == SG_OK) s = sg_payload_pool_create(&g->pool, o->seed, 256u << 10, err);
    if (s == SG_OK && o->pcap_shared)
        s = sg_pcap_writer_open_shared(&g->pw, o->pcap_fd, o->pcap_path ? o->pcap_path : "(pcap)", o->pcap_format,
                                       o->pcap_header, err);
    else if (s == SG_OK && o->pcap_path) s = sg_pcap_writer_open(&g->pw, o->pcap_path, o->pcap_format, err);
    if (s == SG_OK && o->frame_filter) sg_merger_set_frame_filter(g->mg, o->frame_filter, o->frame_filter_ctx);
    if (s == SG_OK && o->flows_out)
        s = sg_flow_writer_open_cols(&g->fw, o->flows_out, SG_FMT_NATIVE, o->label_column, o->flow_columns, o->n_flow_columns, err);
    sg_vec_init(&g->blabel, sizeof(uint16_t));
    if (s == SG_OK && o->packet_labels_out) {
        if (!g->pw) s = sg_error_set(err, SG_ERR_INVALID, "generate: a per-packet label file needs a pcap");
        else s = sg_outfile_open(&g->plab, o->packet_labels_out, err);
        if (s == SG_OK) {
            fputs("frame,label\n", sg_outfile_fp(g->plab));
            sg_merger_set_frame_observer(g->mg, write_packet_label, g);
        }
    }
    if (s != SG_OK) { sg_pktgen_destroy(g); return s; }
    *out = g;
    return SG_OK;
}

/* Ethernet frame bytes -> IP bytes (14-byte Ethernet II header per packet, no FCS: what CIDDS-001's
 * and Argus' counters hold; their 1-packet TCP records are 54, 66 and 74 bytes: a bare ACK, an ACK
 * with timestamps, a SYN with options). A count below the smallest frame (14 + 20 bytes per packet)
 * cannot be frame bytes and is kept as it is. */
static void frame_to_ip_bytes(uint64_t *bytes, uint64_t packets)
{
    if (packets > 0 && *bytes >= 34 * packets) *bytes -= 14 * packets;
}

sg_status sg_pktgen_add(sg_pktgen *g, const sg_flow *f, sg_error *err)
{
    if (f->start_us < g->last_in_start)
        return sg_error_set(err, SG_ERR_INVALID, "generate: flow %llu starts before the previous one (flows must be in start order)",
                            (unsigned long long)g->st.flows_in + 1);
    g->last_in_start = f->start_us;
    g->st.flows_in++;
    sg_flow ipf;
    if (g->o.frame_bytes) { /* the record counted Ethernet frames: the IP packets are 14 bytes less each */
        ipf = *f;
        frame_to_ip_bytes(&ipf.fwd_bytes, ipf.fwd_packets);
        frame_to_ip_bytes(&ipf.bwd_bytes, ipf.bwd_packets);
        f = &ipf;
    }
    pflow pf = {.f = *f};
    if (!g->o.pair_unidirectional) return release(g, &pf, err);
    /* release pending flows too old to be paired */
    while (g->pend_head < g->npend && g->pend[g->pend_head].f.start_us < f->start_us - PAIR_WINDOW_US) {
        sg_status s = release(g, &g->pend[g->pend_head], err);
        if (s != SG_OK) return s;
        g->pend_head++;
    }
    if (is_response(f)) {
        pflow *match = NULL;
        for (int pass = 0; pass < 2 && !match; pass++)
            for (size_t i = g->npend; i-- > g->pend_head;) {
                pflow *p = &g->pend[i];
                if (p->paired || p->f.proto != f->proto || p->f.dst_port != f->src_port) continue;
                if (pass == 0 && p->f.src_port != f->dst_port) continue;
                if (strcmp(p->f.src_ip, f->dst_ip) || strcmp(p->f.dst_ip, f->src_ip)) continue;
                match = p;
                break;
            }
        if (match) {
            match->f.bwd_packets = f->fwd_packets;
            match->f.bwd_bytes = f->fwd_bytes;
            match->f.flags |= f->flags;
            int64_t end = f->start_us + f->duration_us;
            if (end > match->f.start_us + match->f.duration_us) match->f.duration_us = end - match->f.start_us;
            match->unk_bwd = 0;
            match->paired = 1;
            g->st.paired++;
            return SG_OK;
        }
        /* a response without its request: the same connection seen from the client side */
        pf.f = *f;
        memcpy(pf.f.src_ip, f->dst_ip, SG_ADDR_MAX);
        memcpy(pf.f.dst_ip, f->src_ip, SG_ADDR_MAX);
        pf.f.src_port = f->dst_port;
        pf.f.dst_port = f->src_port;
        if (f->proto == SG_PROTO_ICMP) pf.f.src_port = 0, pf.f.dst_port = 8 << 8;
        pf.f.bwd_packets = f->fwd_packets;
        pf.f.bwd_bytes = f->fwd_bytes;
        pf.f.fwd_packets = 0;
        pf.f.fwd_bytes = 0;
        pf.unk_fwd = 1;
        g->st.flipped++;
        return pend_push(g, &pf, err);
    }
    pf.unk_bwd = 1;
    return pend_push(g, &pf, err);
}

sg_status sg_pktgen_add_built(sg_pktgen *g, const sg_flow *f, const sg_pkt_conn *conn, sg_vec *pkts,
                              const char *label, sg_error *err)
{
    if (f->start_us < g->last_in_start)
        return sg_error_set(err, SG_ERR_INVALID, "generate: flow %llu starts before the previous one (flows must be in start order)",
                            (unsigned long long)g->st.flows_in + 1);
    if (!pkts->len || pkts->elem != sizeof(sg_pkt))
        return sg_error_set(err, SG_ERR_INVALID, "generate: a built flow needs at least one packet");
    g->last_in_start = f->start_us;
    g->st.flows_in++;
    /* a replayed capture's ECE/CWR bits would read as noise marks: frames never carried them */
    for (size_t i = 0; i < pkts->len; i++) ((sg_pkt *)pkts->data)[i].tcp_flags &= 0x3f;
    pflow pf = {.f = *f, .built = 1, .paired = 1, .conn = *conn, .pkts = *pkts};
    snprintf(pf.label, sizeof pf.label, "%s", label ? label : "attack");
    sg_vec_init(pkts, sizeof(sg_pkt));
    /* through the pairing queue when there is one, so the stream stays in start order */
    sg_status s = g->o.pair_unidirectional ? pend_push(g, &pf, err) : release(g, &pf, err);
    if (s != SG_OK) sg_vec_free(&pf.pkts);
    return s;
}

sg_status sg_pktgen_finish(sg_pktgen *g, sg_pktgen_stats *stats, sg_error *err)
{
    sg_status s = SG_OK;
    while (s == SG_OK && g->pend_head < g->npend) s = release(g, &g->pend[g->pend_head++], err);
    if (s == SG_OK) s = process_batch(g, err);
    if (s == SG_OK && g->st.flows_out < g->o.min_flows_out) { /* nothing committed */
        if (stats) *stats = g->st;
        return sg_error_set(err, SG_ERR_EMPTY, "generate: %llu flows written, fewer than %llu",
                            (unsigned long long)g->st.flows_out, (unsigned long long)g->o.min_flows_out);
    }
    if (s == SG_OK && g->pw) s = sg_merger_flush(g->mg, INT64_MAX, g->pw, err);
    if (s == SG_OK && g->o.before_commit) s = g->o.before_commit(g->o.before_commit_ctx, err);
    if (s == SG_OK && g->pw) {
        g->st.packets = sg_pcap_writer_packets(g->pw);
        g->st.bytes = sg_pcap_writer_bytes(g->pw);
        s = sg_pcap_writer_close(g->pw, err);
        g->pw = NULL;
    }
    if (s == SG_OK && g->fw) {
        s = sg_flow_writer_close(g->fw, err);
        g->fw = NULL;
    }
    if (s == SG_OK && g->plab) {
        s = sg_outfile_commit(g->plab, err);
        g->plab = NULL;
    }
    if (stats) *stats = g->st;
    return s;
}

uint64_t sg_pktgen_flows_written(const sg_pktgen *g) { return g->st.flows_out; }

sg_status sg_pktgen_drain(sg_pktgen *g, sg_error *err)
{
    sg_status s = SG_OK;
    while (s == SG_OK && g->pend_head < g->npend) s = release(g, &g->pend[g->pend_head++], err);
    return s == SG_OK ? process_batch(g, err) : s;
}

void sg_pktgen_destroy(sg_pktgen *g)
{
    if (!g) return;
    sg_pcap_writer_abort(g->pw);
    sg_flow_writer_abort(g->fw);
    sg_outfile_abort(g->plab);
    sg_vec_free(&g->blabel);
    free(g->lnames);
    for (size_t i = 0; g->items && i < g->capitems; i++) {
        sg_vec_free(&g->items[i].pkts);
        sg_vec_free(&g->items[i].scratch);
        sg_vec_free(&g->items[i].in.pkts);
        sg_frames_free(&g->items[i].fr);
    }
    free(g->items);
    for (size_t i = g->pend_head; i < g->npend; i++) sg_vec_free(&g->pend[i].pkts);
    free(g->pend);
    sg_merger_destroy(g->mg);
    sg_hashmap_destroy(g->live);
    sg_resolver_destroy(g->res);
    sg_vec_free(&g->rit.pkts);
    sg_vec_free(&g->rit.scratch);
    sg_netmap_destroy(g->nm);
    sg_payload_pool_destroy(g->pool);
    free(g);
}

void sg_pktgen_print_stats(const sg_pktgen_stats *s, FILE *fp)
{
    fprintf(fp, "flows: %llu in, %llu written", (unsigned long long)s->flows_in, (unsigned long long)s->flows_out);
    if (s->paired || s->flipped)
        fprintf(fp, " (one-way records: %llu paired, %llu responses without request)", (unsigned long long)s->paired,
                (unsigned long long)s->flipped);
    fprintf(fp, "\n");
    uint64_t dropped = 0;
    for (int i = 1; i < 5; i++) dropped += s->dropped_netcfg[i];
    if (dropped)
        fprintf(fp, "dropped by the network mapping: %llu (service not offered %llu, no client %llu, outside activity hours %llu, bad or self address or port 0 %llu)\n",
                (unsigned long long)dropped, (unsigned long long)s->dropped_netcfg[SG_NETMAP_NO_SERVER],
                (unsigned long long)s->dropped_netcfg[SG_NETMAP_NO_CLIENT],
                (unsigned long long)s->dropped_netcfg[SG_NETMAP_INACTIVE],
                (unsigned long long)s->dropped_netcfg[SG_NETMAP_BAD_ADDR]);
    if (s->capped) fprintf(fp, "flows whose packet counts were capped (%d per direction, %d packets/s): %llu\n", MAX_DIR_PACKETS, MAX_PPS, (unsigned long long)s->capped);
    if (s->unmatched)
        fprintf(fp, "flows whose automaton sample had other packet counts than the flow: %llu (the fit brought %llu to them; %llu flow-shaped after %d walks)\n",
                (unsigned long long)s->unmatched, (unsigned long long)(s->unmatched - s->walks_failed), (unsigned long long)s->walks_failed, SAMPLE_TRIES);
    if (s->unfit) fprintf(fp, "flows with no valid packet sequence for their counts (nearest kept): %llu\n", (unsigned long long)s->unfit);
    if (s->no_model) fprintf(fp, "flows without an automaton for their service (flow-shaped packets): %llu\n", (unsigned long long)s->no_model);
    if (s->resolutions || s->resolve_cached)
        fprintf(fp, "name lookups before connections: %llu (and %llu connections whose name the client had cached)\n",
                (unsigned long long)s->resolutions, (unsigned long long)s->resolve_cached);
    if (s->built_flows) fprintf(fp, "injected flows (attacks, labelled): %llu\n", (unsigned long long)s->built_flows);
    if (s->packets) fprintf(fp, "packets: %llu, bytes: %llu\n", (unsigned long long)s->packets, (unsigned long long)s->bytes);
    if (s->n_pkts_cmp || s->n_dur_cmp) fprintf(fp, "vs flow model (per direction with known counts):");
    if (s->n_pkts_cmp)
        fprintf(fp, " packets exact %.1f%% (mean rel. error %.3f), bytes within 10%% %.1f%% (mean %.3f)",
                100.0 * (double)s->pkts_exact / (double)s->n_pkts_cmp, s->sum_pkts_relerr / (double)s->n_pkts_cmp,
                s->n_bytes_cmp ? 100.0 * (double)s->bytes_within10 / (double)s->n_bytes_cmp : 0.0,
                s->n_bytes_cmp ? s->sum_bytes_relerr / (double)s->n_bytes_cmp : 0.0);
    if (s->n_dur_cmp)
        fprintf(fp, "%s duration within 10%% %.1f%% (mean %.3f)", s->n_pkts_cmp ? "," : "", 100.0 * (double)s->dur_within10 / (double)s->n_dur_cmp,
                s->sum_dur_relerr / (double)s->n_dur_cmp);
    if (s->n_pkts_cmp || s->n_dur_cmp) fprintf(fp, "\n");
    if (s->miss_capped || s->miss_unfit)
        fprintf(fp, "  packet counts missed: %llu capped, %llu no valid sequence\n", (unsigned long long)s->miss_capped,
                (unsigned long long)s->miss_unfit);
    if (s->bytes_miss_pkts || s->bytes_miss_small || s->bytes_miss_large)
        fprintf(fp, "  bytes missed: %llu with the packet count, %llu below the headers and minimum payloads, %llu above full-sized segments\n",
                (unsigned long long)s->bytes_miss_pkts, (unsigned long long)s->bytes_miss_small, (unsigned long long)s->bytes_miss_large);
    if (s->norm_inserted || s->norm_dropped)
        fprintf(fp, "TCP normalisation: %llu packets inserted, %llu dropped\n", (unsigned long long)s->norm_inserted,
                (unsigned long long)s->norm_dropped);
    if (s->noise_lost || s->noise_reordered || s->noise_keepalives || s->noise_wupd)
        fprintf(fp, "TCP noise: %llu segments lost and retransmitted (%llu spurious: their ACK was lost), %llu reordered, %llu duplicate ACKs, %llu keep-alives (each with its ACK), %llu window updates (%llu packets on top of the flow model's counts; %llu left out where the record's count had no pure ACK to replace)\n",
                (unsigned long long)s->noise_lost, (unsigned long long)s->noise_spurious, (unsigned long long)s->noise_reordered, (unsigned long long)s->noise_dupacks,
                (unsigned long long)s->noise_keepalives, (unsigned long long)s->noise_wupd, (unsigned long long)s->noise_on_top, (unsigned long long)s->noise_left_out);
    if (s->port_bumps) fprintf(fp, "client ports moved (live 5-tuple reuse, a port dissectors claim, or one no client picks): %llu\n", (unsigned long long)s->port_bumps);
}
