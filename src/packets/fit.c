/* Fitting a normalised packet list to the flow record it comes from: exactly the record's packets
 * per direction (handshake and close packets included, as NetFlow counts them) and its IP bytes
 * per direction (payload sizes scaled over the data segments, the exact header lengths of every
 * packet subtracted first). TCP edits keep what sg_packets_tcp_normalize guarantees: packets are
 * removed or inserted only where no duplicate ACK, data after FIN or packet after RST results,
 * and the caller normalises again to check (see docs/packets.md, "Keeping the flow's records"). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

#define SG_FIT_MAX_SUPERSEG 16000 /* the TLS template writes one record per segment up to 16,000 bytes */
#define SEQ(p) ((p)->payload_len > 0 || ((p)->tcp_flags & (SG_TCP_SYN | SG_TCP_FIN)))
#define PURE_ACK(p) ((p)->tcp_flags == SG_TCP_ACK && (p)->payload_len == 0)
#define DATA(p) ((p)->payload_len > 0 && !((p)->tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST)))

static void pkt_remove(sg_vec *v, size_t i)
{
    sg_pkt *p = v->data;
    memmove(p + i, p + i + 1, (v->len - i - 1) * sizeof *p);
    v->len--;
}

static sg_status pkt_insert(sg_vec *v, size_t i, const sg_pkt *q)
{
    if (v->len == v->cap && sg_vec_reserve(v, v->len + 1) != SG_OK) return SG_ERR_NOMEM;
    sg_pkt *p = v->data;
    memmove(p + i + 1, p + i, (v->len - i) * sizeof *p);
    p[i] = *q;
    v->len++;
    return SG_OK;
}

/* a time between packets i-1 and i (on the µs grid, non-decreasing) for a packet the fit inserts:
 * it answers or continues packet i-1 (an ACK of its data, the second half of a split segment, one
 * more segment of the burst), so it follows it within a round trip (the handshake's, else 10 ms),
 * half-way when the gap is shorter. The midpoint of every gap split idle gaps: a 30 s idle
 * became two of 15 s, a 1.5 s one two of 0.75 s (docs/packets.md "TCP noise": idle gaps). */
static int64_t mid_time(const sg_pkt *p, size_t n, size_t i)
{
    if (i == 0) return p[0].t_ns;
    int64_t a = p[i - 1].t_ns;
    if (i >= n) return a + 1000;
    int64_t b = p[i].t_ns;
    int64_t rtt = 10000000;
    if (n >= 3 && (p[0].tcp_flags & SG_TCP_SYN) && (p[1].tcp_flags & SG_TCP_SYN) && p[2].t_ns > p[0].t_ns) rtt = p[2].t_ns - p[0].t_ns;
    int64_t m = a + ((b - a) / 2 < rtt ? (b - a) / 2 : rtt);
    m = m / 1000 * 1000;
    return m < a ? a : m;
}

/* Removing packet i (of direction d) leaves the next pure ACK of the peer acknowledging something
 * new: i consumes no sequence space, or another segment of d does before that ACK. */
static int removable(const sg_pkt *p, size_t n, size_t i)
{
    int d = p[i].dir;
    if (p[i].tcp_flags & (SG_TCP_SYN | SG_TCP_RST)) return 0;
    if (!SEQ(&p[i])) return 1;
    for (size_t k = i + 1; k < n; k++) {
        if (p[k].dir == d) {
            if (SEQ(&p[k])) return 1;
            continue;
        }
        return !PURE_ACK(&p[k]);
    }
    return 1;
}

/* index of the first packet after the handshake (SYN, SYN-ACK, and the client's ACK if pure) */
static size_t after_handshake(const sg_pkt *p, size_t n)
{
    size_t i = 0;
    if (i < n && (p[i].tcp_flags & SG_TCP_SYN)) i++;
    if (i < n && (p[i].tcp_flags & SG_TCP_SYN)) i++;
    if (i == 2 && i < n && p[i].dir == SG_DIR_FWD && PURE_ACK(&p[i])) i++;
    return i;
}

static size_t count_dir(const sg_vec *v, int d, size_t *data)
{
    const sg_pkt *p = v->data;
    size_t c = 0, k = 0;
    for (size_t i = 0; i < v->len; i++)
        if (p[i].dir == d) {
            c++;
            if (DATA(&p[i])) k++;
        }
    if (data) *data = k;
    return c;
}

/* One packet less in direction d. Prefers what the byte budget can spare: data segments when d
 * has more than it needs, else pure ACKs (middle ones first, the closing ACK last), then FINs. */
static int remove_one(sg_vec *v, int d, size_t want_data)
{
    sg_pkt *p = v->data;
    size_t n = v->len, ndata = 0;
    count_dir(v, d, &ndata);
    size_t h = after_handshake(p, n);
    for (int pass = 0; pass < 5; pass++) {
        if (pass == 0 && ndata <= want_data) continue;
        if (pass == 2) {
            /* the handshake ACK: the client's next segment acknowledges the SYN-ACK instead */
            if (d == SG_DIR_FWD && h == 3 && n > 3 && p[3].dir == SG_DIR_FWD) {
                pkt_remove(v, 2);
                return 1;
            }
            continue;
        }
        for (size_t i = n; i-- > h;) {
            if (p[i].dir != d) continue;
            int ok = 0;
            switch (pass) {
            case 0: ok = DATA(&p[i]) && ndata > 1; break;
            case 1: ok = PURE_ACK(&p[i]) && i + 1 < n; break;
            case 3: ok = PURE_ACK(&p[i]) || (DATA(&p[i]) && ndata > 1); break;
            case 4: ok = (p[i].tcp_flags & SG_TCP_FIN) != 0 || DATA(&p[i]); break;
            }
            if (ok && removable(p, n, i)) {
                pkt_remove(v, i);
                return 1;
            }
        }
    }
    /* last resort: d's last segment together with the peer's pure ACK of it (the record ends
     * earlier; the peer's count is fitted again in the next round) */
    for (size_t i = n; i-- > h;) {
        if (p[i].dir != d) continue;
        if (p[i].tcp_flags & (SG_TCP_SYN | SG_TCP_RST)) break;
        for (size_t k = i + 1; k < n; k++)
            if (p[k].dir != d) {
                if (!PURE_ACK(&p[k])) break;
                pkt_remove(v, k);
                pkt_remove(v, i);
                return 1;
            }
        break;
    }
    return 0;
}

/* One packet more in direction d: a pure ACK of peer data not yet acknowledged (when d has the
 * data segments its bytes need), else a data segment (the largest one split, or a new one before
 * d's FIN/RST). */
static sg_status add_one(sg_vec *v, int d, size_t want_data, uint32_t maxp, int *done)
{
    sg_pkt *p = v->data;
    size_t n = v->len, ndata = 0;
    *done = 0;
    count_dir(v, d, &ndata);
    size_t h = after_handshake(p, n);
    if (h < 2 || (h == 2 && n > 2 && p[2].dir == SG_DIR_FWD)) h = h < n ? h : n; /* refused / half-open */
    int closed = 0; /* an RST ends the flow: nothing may follow it */
    for (size_t i = 0; i < n; i++) closed |= (p[i].tcp_flags & SG_TCP_RST) != 0;
    if (p[0].tcp_flags & SG_TCP_SYN && (n < 2 || !(p[1].tcp_flags & SG_TCP_SYN))) return SG_OK; /* no handshake */
    if (ndata >= want_data && !closed) {
        for (size_t i = h; i < n; i++) {
            if (p[i].dir == d || !(p[i].payload_len > 0 || (p[i].tcp_flags & SG_TCP_FIN))) continue;
            /* the first packet of d after i must not be a pure ACK (it would become a duplicate),
             * unless the peer sends more before it */
            int ok = 1;
            for (size_t k = i + 1; k < n; k++) {
                if (p[k].dir != d) {
                    if (SEQ(&p[k])) break;
                    continue;
                }
                ok = !PURE_ACK(&p[k]);
                break;
            }
            if (!ok) continue;
            sg_pkt q = {.t_ns = mid_time(p, n, i + 1), .dir = (uint8_t)d, .tcp_flags = SG_TCP_ACK};
            if (pkt_insert(v, i + 1, &q) != SG_OK) return SG_ERR_NOMEM;
            *done = 1;
            return SG_OK;
        }
    }
    /* split the largest data segment of d */
    size_t best = n;
    for (size_t i = h; i < n; i++)
        if (p[i].dir == d && DATA(&p[i]) && p[i].payload_len >= 2 && (best == n || p[i].payload_len > p[best].payload_len))
            best = i;
    if (best < n) {
        sg_pkt q = p[best];
        uint32_t a = p[best].payload_len / 2;
        q.payload_len = p[best].payload_len - a;
        q.payload = NULL;
        p[best].payload_len = a;
        p[best].payload = NULL;
        q.t_ns = mid_time(p, n, best + 1);
        if (pkt_insert(v, best + 1, &q) != SG_OK) return SG_ERR_NOMEM;
        *done = 1;
        return SG_OK;
    }
    /* a new data segment of d, before d's FIN and any RST */
    size_t at = n;
    for (size_t i = h; i < n; i++)
        if ((p[i].dir == d && (p[i].tcp_flags & SG_TCP_FIN)) || (p[i].tcp_flags & SG_TCP_RST)) { at = i; break; }
    if (at < h) return SG_OK;
    sg_pkt q = {.t_ns = mid_time(p, n, at), .dir = (uint8_t)d, .tcp_flags = SG_TCP_ACK | SG_TCP_PSH,
                .payload_len = maxp < 100 ? maxp : 100};
    if (pkt_insert(v, at, &q) != SG_OK) return SG_ERR_NOMEM;
    *done = 1;
    return SG_OK;
}

/* data segments direction d needs to carry its payload budget */
static size_t data_needed(const sg_pkt_conn *c, const sg_vec *v, int d, int64_t bytes, uint32_t maxp)
{
    if (bytes < 0) return 0;
    sg_frames_summary s;
    sg_packets_summarize(c, v->data, v->len, &s);
    const sg_pkt *p = v->data;
    uint64_t pay = 0;
    for (size_t i = 0; i < v->len; i++)
        if (p[i].dir == d) pay += p[i].payload_len;
    int64_t hdr = (int64_t)((d ? s.bwd_bytes : s.fwd_bytes) - pay);
    int64_t budget = bytes - hdr;
    if (budget <= bytes / 10) return 0; /* within 10 % without any payload */
    return (size_t)((budget + maxp - 1) / maxp);
}

/* the most data segments direction d can carry without exceeding its bytes (each carries at least
 * the service's minimum payload); SIZE_MAX when the bytes are unknown */
static size_t data_allowed(const sg_pkt_conn *c, const sg_vec *v, int d, int64_t bytes)
{
    if (bytes < 0) return SIZE_MAX;
    sg_frames_summary s;
    sg_packets_summarize(c, v->data, v->len, &s);
    const sg_pkt *p = v->data;
    uint64_t pay = 0;
    for (size_t i = 0; i < v->len; i++)
        if (p[i].dir == d) pay += p[i].payload_len;
    int64_t budget = bytes - (int64_t)((d ? s.bwd_bytes : s.fwd_bytes) - pay);
    if (budget <= bytes / 10) return 0;
    uint32_t mn = sg_payload_min_len(c, d);
    if (mn < 1) mn = 1;
    /* 10 % above the bytes is still a match */
    return (size_t)((budget + bytes / 10) / mn);
}

sg_status sg_packets_fit_tcp(const sg_pkt_conn *c, sg_vec *pkts, const int64_t target[2], const int64_t bytes[2],
                             uint32_t maxp, size_t max_edits, int midstream, int *exact)
{
    const size_t lo = midstream ? 0 : 2; /* the SYN and SYN-ACK never change */
    *exact = 0;
    size_t edits = 0;
    for (int d = 0; d < 2; d++) {
        if (target[d] < 0) continue;
        size_t want = data_needed(c, pkts, d, bytes[d], maxp);
        for (;;) {
            int64_t got = (int64_t)count_dir(pkts, d, NULL);
            if (got == target[d]) break;
            if (++edits > max_edits) return SG_OK;
            if (got > target[d]) {
                if (!remove_one(pkts, d, want)) return SG_OK;
            } else {
                int done = 0;
                if (add_one(pkts, d, want, maxp, &done) != SG_OK) return SG_ERR_NOMEM;
                if (!done) return SG_OK;
            }
        }
    }
    /* the bytes need more data segments than d has: pure ACKs (the handshake ACK too: a client may
     * send data with it) and FINs carry data instead, the latest first */
    for (int d = 0; d < 2; d++) {
        if (bytes[d] < 0) continue;
        size_t want = data_needed(c, pkts, d, bytes[d], maxp), ndata = 0;
        count_dir(pkts, d, &ndata);
        sg_pkt *p = pkts->data;
        size_t n = pkts->len, first = 0;
        while (first < n && (p[first].tcp_flags & SG_TCP_SYN)) first++;
        if (first < 2 && !midstream) continue; /* a handshake that did not complete: nothing may carry data */
        size_t last = n; /* d's FIN: no data after it */
        for (size_t i = first; i < n && last == n; i++)
            if (p[i].dir == d && (p[i].tcp_flags & SG_TCP_FIN)) last = i + 1;
        for (size_t i = last; ndata < want && i-- > first;) {
            if (p[i].dir != d || p[i].payload_len > 0) continue;
            if (!(PURE_ACK(&p[i]) || p[i].tcp_flags == (SG_TCP_FIN | SG_TCP_ACK))) continue;
            p[i].tcp_flags |= SG_TCP_PSH;
            p[i].payload_len = maxp < 100 ? maxp : 100;
            ndata++;
        }
    }
    /* fewer bytes than the data segments' minimum payloads: data segments become pure ACKs where
     * such an ACK acknowledges something new and no peer ACK is left acknowledging nothing */
    for (int d = 0; d < 2; d++) {
        size_t allow = data_allowed(c, pkts, d, bytes[d]), ndata = 0;
        sg_pkt *p = pkts->data;
        size_t n = pkts->len;
        for (size_t i = 0; i < n; i++) ndata += p[i].dir == d && p[i].payload_len > 0;
        /* a FIN that carries data keeps the FIN alone */
        for (size_t i = n; ndata > allow && i-- > lo;)
            if (p[i].dir == d && p[i].payload_len > 0 && (p[i].tcp_flags & SG_TCP_FIN)) {
                p[i].payload_len = 0;
                p[i].payload = NULL;
                p[i].tcp_flags &= (uint8_t)~SG_TCP_PSH;
                ndata--;
            }
        for (size_t i = n; ndata > allow && i-- > lo;) {
            if (p[i].dir != d || !DATA(&p[i]) || !removable(p, n, i)) continue;
            /* a seq-consuming peer packet since d's previous packet; mid-stream, d's first packet
             * acknowledges what came before the record */
            int news = 0;
            size_t k = i;
            while (k-- > 0) {
                if (p[k].dir == d) break;
                if (SEQ(&p[k])) { news = 1; break; }
            }
            if (midstream && k == SIZE_MAX) news = 1;
            if (!news) continue;
            p[i].tcp_flags = SG_TCP_ACK;
            p[i].payload_len = 0;
            p[i].payload = NULL;
            ndata--;
        }
    }
    *exact = 1;
    return SG_OK;
}

static uint32_t fit_weight(const sg_pkt_conn *c, const sg_pkt *p)
{
    if (c->proto != SG_PROTO_TCP) return 1;
    int m = p->tcp_flags & SG_PKT_NOISE_MASK;
    return m == SG_PKT_RETX ? 0 : m == SG_PKT_LOST ? 2 : 1;
}

typedef struct thin_cand {
    uint32_t len;
    size_t i;
} thin_cand;

static int thin_cmp(const void *a, const void *b)
{
    const thin_cand *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* 1 if data segment i can become a pure ACK without making a duplicate ACK (what normalisation
 * rules out): it acknowledges something new (the peer sent data, SYN or FIN since its side's
 * previous packet, or it is its side's first), and the peer's next packet, if a pure ACK and not
 * the peer's first packet, still has another segment of this side to acknowledge. */
static int can_thin(const sg_pkt *p, size_t n, size_t i)
{
    int news = 1;
    for (size_t j = i; j-- > 0;) {
        if (p[j].dir != p[i].dir) {
            if (SEQ(&p[j])) break;
            continue;
        }
        news = 0; /* this side's previous packet, with nothing new from the peer after it */
        break;
    }
    if (!news) return 0;
    for (size_t j = i + 1; j < n; j++) {
        if (p[j].dir == p[i].dir) {
            if (SEQ(&p[j])) return 1;
            continue;
        }
        if (!PURE_ACK(&p[j])) return 1;
        for (size_t h = 0; h < j; h++) /* a duplicate needs an earlier packet of the peer to repeat */
            if (p[h].dir == p[j].dir) return 0;
        return 1;
    }
    return 1;
}

/* A record's bytes that cannot give each data segment of side d its template's minimum payload
 * (a CIDDS record of 5 packets and 300 bytes holds 40 bytes of payload: one segment, not four; one
 * of 1 packet and 54 frame bytes holds none): the smallest data segments become pure ACKs, where
 * can_thin allows, until keep x mn fits the budget; a side's first data segment (its message head)
 * goes last. Only on a list without TCP noise marks. Returns how many. */
static size_t thin_data(sg_pkt *p, size_t n, int d, double budget, uint32_t mn, size_t k)
{
    /* as many minimum payloads as the budget holds (the fit grows them to it); none rather than
     * one when one overshoots by more than it fills */
    size_t keep = budget >= mn ? (size_t)(budget / mn) : budget > mn / 2.0 ? 1 : 0;
    if (keep >= k) return 0;
    thin_cand *cand = malloc(k * sizeof *cand);
    if (!cand) return 0; /* out of memory: the bytes stay above the record's, nothing is lost */
    size_t nc = 0, first = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (p[i].tcp_flags & SG_PKT_NOISE_MASK) {
            free(cand);
            return 0;
        }
        if (p[i].dir != d || !DATA(&p[i])) continue;
        if (first == SIZE_MAX) first = i;
        if (nc < k) cand[nc++] = (thin_cand){i == first ? UINT32_MAX : p[i].payload_len, i};
    }
    qsort(cand, nc, sizeof *cand, thin_cmp); /* the smallest first, the side's first segment last */
    size_t drop = 0;
    for (size_t t = 0; t < nc && drop < k - keep; t++) {
        sg_pkt *q = &p[cand[t].i];
        if (!can_thin(p, n, cand[t].i)) continue;
        q->payload_len = 0;
        q->payload = NULL;
        q->tcp_flags &= (uint8_t)~SG_TCP_PSH;
        drop++;
    }
    free(cand);
    return drop;
}

void sg_packets_fit_bytes(const sg_pkt_conn *c, sg_vec *pkts, const int64_t bytes[2], uint32_t maxp)
{
    uint32_t maxp_d = maxp;
    int grew = 0;
    sg_pkt *p = pkts->data;
    size_t n = pkts->len;
    sg_frames_summary s;
    sg_packets_summarize(c, p, n, &s);
    for (int d = 0; d < 2; d++) {
        if (bytes[d] < 0) continue;
        /* TCP noise: a retransmission repeats its LOST original (sg_packets_tcp_noise_sync), so
         * the original counts twice (weight 2) and the copy is not sized on its own (weight 0) */
        uint64_t pay = 0, pay_all = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (p[i].dir == d && p[i].payload_len > 0) {
                uint32_t w = fit_weight(c, &p[i]);
                pay_all += p[i].payload_len;
                pay += (uint64_t)w * p[i].payload_len, k += w;
            }
        if (!k) continue;
        int64_t hdr = (int64_t)((d ? s.bwd_bytes : s.fwd_bytes) - pay_all);
        uint32_t mn = sg_payload_min_len(c, d);
        if (mn < 1) mn = 1;
        if (mn > maxp) mn = maxp;
        double budget = (double)(bytes[d] - hdr);
        if (c->proto == SG_PROTO_TCP && budget < (double)k * mn && thin_data(p, n, d, budget, mn, k)) {
            pay = 0, k = 0;
            for (size_t i = 0; i < n; i++)
                if (p[i].dir == d && p[i].payload_len > 0) pay += p[i].payload_len, k++;
        }
        if (budget < (double)k * mn) budget = (double)k * mn;
        uint32_t cap = maxp;
        if (c->proto == SG_PROTO_TCP && budget > (double)k * maxp) {
            /* more than full-sized segments can hold: what a capture on a host with segmentation
             * offload (TSO/GRO) records, as the training captures did; up to 16 KiB a segment
             * (a TLS record's limit, so the TLS template stays valid) */
            double want = ceil(budget / (double)k);
            cap = want > SG_FIT_MAX_SUPERSEG ? SG_FIT_MAX_SUPERSEG : (uint32_t)want;
            if (cap < maxp) cap = maxp;
        }
        if (budget > (double)k * cap) budget = (double)k * cap;
        maxp_d = cap;
        /* proportional scaling with error carry, clamped per packet; a second pass hands what the
         * clamps left over to the packets with room */
        double f = budget / (double)pay, carry = 0;
        int64_t left = (int64_t)llround(budget);
        for (size_t i = 0; i < n; i++) {
            if (p[i].dir != d || p[i].payload_len == 0) continue;
            uint32_t w = fit_weight(c, &p[i]);
            if (!w) continue;
            double want = w * p[i].payload_len * f + carry;
            double got = floor(want / w + 0.5);
            /* a lost segment keeps >= 2 bytes: a 1-byte copy of it would be a keep-alive to tshark */
            uint32_t lo = w == 2 && mn < 2 ? 2 : mn;
            if (got < lo) got = lo;
            if (got > maxp_d) got = maxp_d;
            carry = want - w * got;
            if (p[i].payload_len != (uint32_t)got) p[i].payload = NULL;
            p[i].payload_len = (uint32_t)got;
            left -= (int64_t)(w * got);
        }
        for (size_t i = n; left != 0 && i-- > 0;) {
            if (p[i].dir != d || p[i].payload_len == 0) continue;
            int64_t w = fit_weight(c, &p[i]);
            if (!w) continue;
            int64_t room = left > 0 ? (int64_t)maxp_d - p[i].payload_len : (int64_t)(w == 2 && mn < 2 ? 2 : mn) - p[i].payload_len;
            int64_t want = left / w;
            int64_t m = left > 0 ? (want < room ? want : room) : (want > room ? want : room);
            if (m) p[i].payload = NULL;
            p[i].payload_len = (uint32_t)((int64_t)p[i].payload_len + m);
            left -= w * m;
        }
        grew |= maxp_d > maxp;
        maxp_d = maxp;
    }
    if (!grew) return;
    /* ACK clock, as the normaliser keeps it: the receiver acknowledges before 60,000 bytes are
     * outstanding (grown segments shrink to stay below) */
    uint64_t out[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        int d = p[i].dir;
        if (p[i].tcp_flags & SG_TCP_ACK) out[!d] = 0;
        if (p[i].payload_len > maxp && out[d] + p[i].payload_len > 60000) {
            uint64_t room = 60000 > out[d] ? 60000 - out[d] : 0;
            p[i].payload_len = (uint32_t)(room > maxp ? room : maxp);
            p[i].payload = NULL;
        }
        out[d] += p[i].payload_len;
    }
}

/* Connections that end in the handshake: an unanswered SYN retransmitted (S0, Linux's RTO backoff
 * 1 s, 2 s, 4 s...), or a SYN answered by a SYN-ACK the client never acknowledges, retransmitted by
 * the server (SH), or refused (REJ). What NetFlow records with one client packet or no server
 * packet. Returns 1 if the list was rewritten. */
int sg_packets_fit_tcp_short(sg_vec *pkts, const int64_t target[2])
{
    sg_pkt *p = pkts->data;
    size_t n = pkts->len;
    if (n == 0 || !(p[0].tcp_flags & SG_TCP_SYN)) return 0;
    int64_t tf = target[0], tb = target[1];
    if (!(tb == 0 && tf >= 1) && !(tf == 1 && tb >= 1)) return 0;
    if (tf > 8 || tb > 8) return 0; /* no stack retries more than that */
    int64_t t0 = p[0].t_ns;
    sg_pkt ans = n > 1 && p[1].dir == SG_DIR_BWD ? p[1] : (sg_pkt){.t_ns = t0 + 1000000, .dir = SG_DIR_BWD};
    if (!(ans.tcp_flags & SG_TCP_RST)) ans.tcp_flags = SG_TCP_SYN | SG_TCP_ACK;
    ans.payload_len = 0;
    ans.payload = NULL;
    if (ans.tcp_flags & SG_TCP_RST && tb > 1) ans.tcp_flags = SG_TCP_SYN | SG_TCP_ACK;
    pkts->len = 1;
    p[0].payload_len = 0;
    p[0].payload = NULL;
    p[0].tcp_flags = SG_TCP_SYN;
    int64_t rto = 1000000000LL, t = t0;
    sg_status s = SG_OK;
    if (tb == 0) {
        for (int64_t k = 1; k < tf && s == SG_OK; k++, rto *= 2) {
            sg_pkt q = p[0];
            q.t_ns = t += rto;
            s = sg_pkt_push(pkts, &q);
        }
    } else {
        t = ans.t_ns;
        s = sg_pkt_push(pkts, &ans);
        for (int64_t k = 1; k < tb && s == SG_OK; k++, rto *= 2) {
            sg_pkt q = ans;
            q.t_ns = t += rto;
            s = sg_pkt_push(pkts, &q);
        }
    }
    return s == SG_OK;
}

/* Datagram flows (UDP, ICMP): drop the last packets of a direction with too many (never the
 * first packet), repeat a packet of a direction with too few (right after it, half way to the
 * next one). */
sg_status sg_packets_fit_dgram(sg_vec *pkts, const int64_t target[2], int *exact)
{
    *exact = 1;
    for (int d = 0; d < 2; d++) {
        if (target[d] < 0) continue;
        for (;;) {
            sg_pkt *p = pkts->data;
            size_t n = pkts->len;
            int64_t got = (int64_t)count_dir(pkts, d, NULL);
            if (got == target[d]) break;
            if (got > target[d]) {
                size_t i = n;
                while (i-- > 1 && p[i].dir != d) {}
                if (i == 0) { *exact = 0; break; }
                pkt_remove(pkts, i);
            } else {
                size_t i = n;
                while (i-- > 0 && p[i].dir != d) {}
                sg_pkt q;
                if (i < n) {
                    q = p[i];
                    q.t_ns = mid_time(p, n, i + 1);
                } else { /* none yet: one after the last packet */
                    i = n ? n - 1 : 0;
                    q = (sg_pkt){.t_ns = n ? p[n - 1].t_ns + 1000000 : 0, .dir = (uint8_t)d, .payload_len = 100};
                }
                if (pkt_insert(pkts, n ? i + 1 : 0, &q) != SG_OK) return SG_ERR_NOMEM;
            }
        }
    }
    return SG_OK;
}
