/* TCP normalisation: any sampled packet list -> an exchange a real TCP stack could produce.
 * Automata learnt on partial captures (or Fos-R ones) may start mid-connection, repeat SYNs, send
 * data after FIN or stop without closing; tshark would flag these (or they are simply not TCP).
 * The rules are listed in include/secgen/packets.h and docs/packets.md. */
#include <math.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

enum { PH_NONE, PH_SYN, PH_SYNACK, PH_EST, PH_CLOSED };

typedef struct norm {
    sg_vec *out;
    int64_t last_t, shift, rtt;
    uint64_t snd_nxt[2]; /* sequence space consumed by each side (SYN and FIN count 1) */
    uint64_t acked[2];   /* what each side last acknowledged of the other */
    int fin[2];
    int sent[2]; /* packets emitted per side */
    int phase;
    int midstream;
    uint16_t mss;
    sg_tcp_norm_stats st;
} norm;

static sg_status emit(norm *n, int64_t t, int dir, uint8_t flags, uint32_t len, const uint8_t *payload)
{
    if (t < n->last_t) t = n->last_t;
    n->last_t = t;
    sg_pkt p = {.t_ns = t, .payload_len = len, .dir = (uint8_t)dir, .tcp_flags = flags, .payload = payload};
    if (sg_pkt_push(n->out, &p) != SG_OK) return SG_ERR_NOMEM;
    n->snd_nxt[dir] += len + ((flags & SG_TCP_SYN) ? 1 : 0) + ((flags & SG_TCP_FIN) ? 1 : 0);
    if (flags & SG_TCP_ACK) n->acked[dir] = n->snd_nxt[!dir];
    if (flags & SG_TCP_FIN) n->fin[dir] = 1;
    n->sent[dir]++;
    return SG_OK;
}

/* Insert a synthetic packet `gap` after the last one (at the packet's own time if it is the
 * first) and push the rest of the flow later by the same amount, so the learnt inter-arrival
 * structure of what follows is kept; the next real packet comes >= 40 µs after it. raw_t is the
 * unshifted time of the packet that caused the insertion. */
static sg_status insert(norm *n, int64_t raw_t, int64_t gap, int dir, uint8_t flags)
{
    int64_t t = n->out->len ? n->last_t + gap : raw_t + n->shift;
    if (t + 40000 > raw_t + n->shift) n->shift = t + 40000 - raw_t;
    n->st.inserted++;
    return emit(n, t, dir, flags, 0, NULL);
}

/* An established-state segment, split at the MSS. */
static sg_status segment(norm *n, int64_t t, int dir, uint8_t in_flags, uint32_t len, const uint8_t *payload)
{
    if (in_flags & SG_TCP_RST) {
        sg_status s = emit(n, t, dir, SG_TCP_RST | SG_TCP_ACK, 0, NULL);
        n->phase = PH_CLOSED;
        return s;
    }
    int want_fin = (in_flags & SG_TCP_FIN) != 0;
    if (n->fin[dir]) {
        if (len > 0) { n->st.dropped++; return SG_OK; } /* no data after one's own FIN */
        want_fin = 0;
    }
    /* a side's first packet of a mid-stream list acknowledges what came before the list */
    if (len == 0 && !want_fin && n->acked[dir] == n->snd_nxt[!dir] && (n->sent[dir] || !n->midstream)) {
        n->st.dropped++; /* acknowledges nothing new: would be a duplicate ACK */
        return SG_OK;
    }
    /* ACK clock: the peer acknowledges before the sender's unacknowledged data would exceed the
     * smallest window it may have advertised (64240 bytes, unscaled SYN window) */
    if (len > 0 && !n->fin[!dir] && n->snd_nxt[dir] - n->acked[!dir] + len > 60000) {
        n->st.inserted++;
        sg_status s = emit(n, t, !dir, SG_TCP_ACK, 0, NULL);
        if (s != SG_OK) return s;
    }
    uint32_t mss = n->mss ? n->mss : 1460;
    uint32_t nseg = len > mss ? (len + mss - 1) / mss : 1;
    n->st.split += nseg - 1;
    for (uint32_t i = 0; i < nseg; i++) {
        uint32_t l = len > mss ? (i + 1 < nseg ? mss : len - mss * (nseg - 1)) : len;
        uint8_t f = SG_TCP_ACK;
        if (l > 0 && (i + 1 == nseg || len <= mss)) f |= SG_TCP_PSH;
        if (want_fin && i + 1 == nseg) f |= SG_TCP_FIN;
        /* back-to-back segments: ~12 µs apart, a 1500-byte frame at 1 Gbit/s */
        int64_t ts = t + (int64_t)i * 12000;
        sg_status s = emit(n, ts, dir, f, l, payload ? payload + (size_t)i * mss : NULL);
        if (s != SG_OK) return s;
    }
    if (n->fin[0] && n->fin[1] && n->acked[0] == n->snd_nxt[1] && n->acked[1] == n->snd_nxt[0])
        n->phase = PH_CLOSED;
    return SG_OK;
}

sg_status sg_packets_tcp_normalize(sg_vec *pkts, uint16_t mss, uint64_t seed, uint64_t flow_index,
                                   sg_tcp_norm_stats *stats, sg_error *err)
{
    sg_vec out;
    sg_vec_init(&out, sizeof(sg_pkt));
    sg_status s = sg_packets_tcp_normalize_buf(pkts, &out, mss, seed, flow_index, 1, stats, err);
    sg_vec_free(&out);
    return s;
}

sg_status sg_packets_tcp_normalize_buf(sg_vec *pkts, sg_vec *scratch, uint16_t mss, uint64_t seed,
                                       uint64_t flow_index, int mode, sg_tcp_norm_stats *stats, sg_error *err)
{
    int close = (mode & SG_TCP_NORM_CLOSE) != 0;
    sg_vec_clear(scratch);
    /* most flows gain a handshake and a close: reserving that up front avoids regrowing */
    if (sg_vec_reserve(scratch, pkts->len + pkts->len / 8 + 8) != SG_OK)
        return sg_error_set(err, SG_ERR_NOMEM, "tcp normalise: out of memory");
    norm n;
    memset(&n, 0, sizeof n);
    n.out = scratch;
    n.mss = mss;
    n.last_t = INT64_MIN;
    n.midstream = (mode & SG_TCP_NORM_MIDSTREAM) != 0;
    if (n.midstream) n.phase = PH_EST;
    sg_rng r;
    sg_rng_init(&r, seed, SG_STREAM_PKT_NORM, flow_index);
    /* RTT for inserted packets: log-normal around 2 ms, clamped to [50 µs, 300 ms] */
    double rtt = exp(log(2e6) + 1.0 * sg_rng_normal(&r));
    if (rtt < 5e4) rtt = 5e4;
    if (rtt > 3e8) rtt = 3e8;
    n.rtt = (int64_t)(rtt / 2000) * 2000; /* whole, even microseconds: times stay on the µs grid */
    const int64_t ack_delay = 40000; /* 40 µs: a host acknowledging immediately */
    sg_status s = SG_OK;
    const sg_pkt *in = pkts->data;
    for (size_t i = 0; i < pkts->len && s == SG_OK; i++) {
        if (n.phase == PH_CLOSED) { n.st.dropped++; continue; }
        int d = in[i].dir ? 1 : 0;
        uint8_t f = in[i].tcp_flags;
        if (mode & SG_TCP_NORM_OPEN) f &= (uint8_t)~(SG_TCP_FIN | SG_TCP_RST);
        uint32_t len = in[i].payload_len;
        int64_t t = in[i].t_ns + n.shift;
        if (n.out->len == 0) n.last_t = t;
    again:
        switch (n.phase) {
        case PH_NONE:
            if (d == 0 && (f & SG_TCP_SYN) && !(f & SG_TCP_ACK)) {
                s = emit(&n, t, 0, SG_TCP_SYN, 0, NULL);
                n.phase = PH_SYN;
                continue;
            }
            s = insert(&n, in[i].t_ns, 0, 0, SG_TCP_SYN);
            n.phase = PH_SYN;
            t = in[i].t_ns + n.shift;
            if (s != SG_OK) break;
            goto again;
        case PH_SYN:
            if (d == 1 && (f & SG_TCP_SYN)) {
                s = emit(&n, t, 1, SG_TCP_SYN | SG_TCP_ACK, 0, NULL);
                n.phase = PH_SYNACK;
                continue;
            }
            if (d == 1 && (f & SG_TCP_RST)) { /* refused (REJ) */
                s = emit(&n, t, 1, SG_TCP_RST | SG_TCP_ACK, 0, NULL);
                n.phase = PH_CLOSED;
                continue;
            }
            if (d == 0 && (f & SG_TCP_SYN)) { n.st.dropped++; continue; } /* SYN retransmission */
            s = insert(&n, in[i].t_ns, n.rtt, 1, SG_TCP_SYN | SG_TCP_ACK);
            n.phase = PH_SYNACK;
            t = in[i].t_ns + n.shift;
            if (s != SG_OK) break;
            goto again;
        case PH_SYNACK:
            if (f & SG_TCP_SYN) { n.st.dropped++; continue; }
            if (d == 0) {
                n.phase = PH_EST;
                if (len == 0 && !(f & (SG_TCP_FIN | SG_TCP_RST))) { /* the handshake ACK */
                    s = emit(&n, t, 0, SG_TCP_ACK, 0, NULL);
                    continue;
                }
                goto again;
            }
            s = insert(&n, in[i].t_ns, ack_delay, 0, SG_TCP_ACK);
            n.phase = PH_EST;
            t = in[i].t_ns + n.shift;
            if (s != SG_OK) break;
            goto again;
        case PH_EST:
            /* the handshake was before the list: a sampled SYN or SYN-ACK is that side's ACK */
            if (n.midstream && (f & SG_TCP_SYN)) f = (uint8_t)((f & ~SG_TCP_SYN) | SG_TCP_ACK);
            s = segment(&n, t, d, f, len, in[i].payload);
            continue;
        }
    }
    /* close what the automaton left open */
    if (s == SG_OK && n.out->len > 0 && close) {
        int64_t t = n.last_t;
        if (n.phase == PH_SYNACK) {
            s = insert(&n, t, ack_delay, 0, SG_TCP_ACK);
            n.phase = PH_EST;
        }
        /* both FINs seen but not the last ACK: closed as far as a capture can tell (what a
         * NetFlow record that counts two packets of one side holds), nothing appended */
        if (s == SG_OK && n.phase == PH_EST && !(n.fin[0] && n.fin[1])) {
            int closer = n.fin[1] && !n.fin[0] ? 0 : (n.fin[0] ? 1 : 0);
            for (int step = 0; step < 4 && s == SG_OK; step++) {
                if (n.fin[0] && n.fin[1] && n.acked[0] == n.snd_nxt[1] && n.acked[1] == n.snd_nxt[0]) break;
                int d;
                uint8_t f = SG_TCP_ACK;
                if (!n.fin[closer]) d = closer, f |= SG_TCP_FIN;
                else if (!n.fin[!closer]) d = !closer, f |= SG_TCP_FIN;
                else d = n.acked[0] != n.snd_nxt[1] ? 0 : 1;
                s = insert(&n, n.last_t, step == 0 ? n.rtt / 2 + 1000 : (step == 1 ? n.rtt : ack_delay), d, f);
            }
            n.phase = PH_CLOSED;
        }
    }
    if (s != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "tcp normalise: out of memory");
    if (stats) *stats = n.st;
    sg_vec t = *pkts;
    *pkts = *scratch;
    *scratch = t;
    return SG_OK;
}
