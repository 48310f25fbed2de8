/* TCP noise on generated flows: which data segments are lost after the sensor (and retransmitted)
 * and which are overtaken by the next one, at rates measured on real captures (models/noise.json,
 * docs/packets.md "Noise"). Only marks packets (SG_PKT_LOST / RETX / AHEAD); the frame builder
 * (build.c) gives them their sequence numbers, acknowledgements and bytes. */
#include <stdint.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

const sg_tcp_noise_rates *sg_tcp_noise_for(const sg_tcp_noise *nz, uint16_t server_port)
{
    for (size_t i = 0; i < nz->n && i < SG_TCP_NOISE_SERVICES; i++)
        if (nz->port[i] == server_port) return &nz->rates[i];
    return &nz->global;
}

/* a data segment noise may touch: payload of 2 bytes up to one segment (a grown segment of a
 * segmentation-offload capture is left alone: a hole behind it would hold more than the receive
 * window; a 1-byte copy of a side's last segment is a keep-alive to tshark, not a retransmission), ACK,
 * no SYN/FIN/RST, not part of a longer message (a DNS-over-TCP response spanning segments), not
 * marked yet */
static int plain_data(const sg_pkt *p, uint32_t maxp)
{
    return p->payload_len > 1 && p->payload_len <= maxp && (p->tcp_flags & SG_TCP_ACK) && !(p->tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST)) &&
           !(p->tcp_flags & SG_PKT_NOISE_MASK) && p->msg_more == 0;
}

/* plain data, and not the segment an AHEAD one overtook */
static int free_data(const sg_pkt *p, size_t k, uint32_t maxp)
{
    return plain_data(&p[k], maxp) && !(k > 0 && (p[k - 1].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_AHEAD);
}

/* tshark's out-of-order window: the handshake's round trip (SYN to the ACK of the SYN-ACK), else
 * 3 ms; a round trip of 0 (a handshake the sampled times put at one instant) leaves tshark's
 * first RTT unset, and it measures one later: 3 ms then too */
static int64_t ooo_ns(const sg_pkt *p, size_t n)
{
    if (n >= 3 && (p[0].tcp_flags & 0x3f) == SG_TCP_SYN && (p[1].tcp_flags & 0x3f) == (SG_TCP_SYN | SG_TCP_ACK) &&
        p[2].dir == SG_DIR_FWD && (p[2].tcp_flags & SG_TCP_ACK) && p[2].t_ns > p[0].t_ns)
        return p[2].t_ns - p[0].t_ns;
    return 3000000;
}

/* Where a packet stands in its run (a side's payloads until the peer's): the payload bytes of the
 * run before it; a payload-carrying packet then joins the run (or starts the next one). */
typedef struct run_pos {
    int side; /* of the run so far, -1 before any payload */
    uint64_t into;
} run_pos;

static uint64_t run_before(run_pos *r, const sg_pkt *p)
{
    const int d = p->dir ? 1 : 0;
    const uint64_t before = r->side == d ? r->into : 0;
    if (p->payload_len) r->side = d, r->into = before + p->payload_len;
    return before;
}

/* moves p[j] to position i+1 (j > i), shifting p[i+1 .. j-1] up by one */
static void move_after(sg_pkt *p, size_t i, size_t j)
{
    sg_pkt c = p[j];
    memmove(p + i + 2, p + i + 1, (j - i - 1) * sizeof *p);
    p[i + 1] = c;
}

/* While noise is marked, the ACKs it inserted or relies on (duplicate ACKs, a keep-alive's ACK)
 * carry this tag as their (empty) payload, so a later insertion never takes their place; cleared
 * before returning. */
static const uint8_t noise_tag[1] = {0};

static int pure_ack(const sg_pkt *p)
{
    return p->payload_len == 0 && (p->tcp_flags & 0x3f) == SG_TCP_ACK;
}

/* The later pure ACK of side a (from p[from], among the next REPLACE_SCAN packets: a scan to the
 * end of a long flow for every noise ACK cost 10 % of generation time) that a pure ACK inserted
 * before p[at] may take the place of: what it acknowledged stays acknowledged, by the inserted one
 * (no data of the peer in between) or by a later packet of the side */
#define REPLACE_SCAN 64
static size_t replaceable(const sg_pkt *p, size_t n, int a, size_t at, size_t from)
{
    int news = 0;
    for (size_t q = at; q < from && q < n && !news; q++)
        news = (p[q].dir ? 1 : 0) != a && (p[q].payload_len || (p[q].tcp_flags & SG_TCP_FIN));
    size_t end = from < n && n - from > REPLACE_SCAN ? from + REPLACE_SCAN : n;
    for (size_t q = from; q < end; q++) {
        if (p[q].tcp_flags & (SG_TCP_FIN | SG_TCP_RST | SG_TCP_SYN)) break;
        if ((p[q].dir ? 1 : 0) != a) {
            news |= p[q].payload_len != 0;
            continue;
        }
        if (!pure_ack(&p[q]) || (p[q].tcp_flags & SG_PKT_NOISE_MASK) || p[q].payload == noise_tag) continue;
        if (!news) return q;
        for (size_t r = q + 1; r < n; r++)
            if ((p[r].dir ? 1 : 0) == a) {
                if ((p[r].tcp_flags & SG_TCP_ACK) && !(p[r].tcp_flags & SG_TCP_RST)) return q;
                break;
            }
    }
    return SIZE_MAX;
}

static int can_place(const sg_pkt *p, size_t n, int a, size_t at, unsigned fixed)
{
    return !(fixed >> a & 1) || replaceable(p, n, a, at, at) != SIZE_MAX;
}

/* A pure ACK (duplicate, keep-alive, its ACK, window update: flags) of side a after p[k], at t
 * or half-way to the next packet, in place of a later pure ACK of that side when one can go
 * (replaceable, before any FIN): the record's counts stay. Else it is added on top of the counts (*on_top = 1),
 * unless the side's count is the record's (bit a of fixed): then nothing is added (*on_top = -1). */
static sg_status ack_after(sg_vec *v, size_t k, int a, size_t from, int64_t t, uint8_t flags, unsigned fixed, int *on_top)
{
    sg_pkt *p = v->data;
    size_t n = v->len, gone = replaceable(p, n, a, k + 1, from);
    if (k + 1 < n && p[k + 1].t_ns < t) t = p[k].t_ns + (p[k + 1].t_ns - p[k].t_ns) / 2;
    t = t / 1000 * 1000;
    if (t < p[k].t_ns) t = p[k].t_ns;
    sg_pkt ack = {.t_ns = t, .dir = (uint8_t)a, .tcp_flags = flags, .payload = noise_tag};
    if (gone != SIZE_MAX) {
        memmove(p + k + 2, p + k + 1, (gone - k - 1) * sizeof *p);
        p[k + 1] = ack;
        *on_top = 0;
        return SG_OK;
    }
    if (fixed >> a & 1) {
        *on_top = -1;
        return SG_OK;
    }
    if (sg_vec_reserve(v, n + 1) != SG_OK) return SG_ERR_NOMEM;
    p = v->data;
    memmove(p + k + 2, p + k + 1, (n - k - 1) * sizeof *p);
    p[k + 1] = ack;
    v->len++;
    *on_top = 1;
    return SG_OK;
}

/* p[j] and what follows it move later by need, up to the first gap at least twice that long,
 * which shrinks by it: the record's duration stays where the flow has such a gap (shifting all
 * later packets made 0.6 % more records miss their duration by > 10 %) */
static void delay_from(sg_pkt *p, size_t n, size_t j, int64_t need)
{
    if (need <= 0) return;
    need = (need + 999) / 1000 * 1000;
    for (size_t k = j; k < n; k++) {
        int64_t g = k + 1 < n ? p[k + 1].t_ns - p[k].t_ns : 0;
        p[k].t_ns += need;
        if (k + 1 < n && g >= 2 * need) return;
    }
}

/* whether the profile has version 3's duplicate-ACK trains (a version-2 one has only the shares) */
static int trains_given(const sg_tcp_noise_rates *r)
{
    for (int b = 0; b < 3; b++)
        if (r->trains[b][0] + r->trains[b][1] + r->trains[b][2] + r->trains[b][3] > 0) return 1;
    return 0;
}

/* the duplicate ACKs (0..3) before the copy of a loss with b (1..3) segments behind it: the
 * profile's row b (u uniform in [0, 1)) */
static int train_len(const sg_tcp_noise_rates *r, int b, double u)
{
    const double *row = r->trains[(b > 3 ? 3 : b) - 1];
    double sum = row[0] + row[1] + row[2] + row[3], acc = 0;
    if (sum <= 0) return 0;
    for (int k = 0; k < 3; k++) {
        acc += row[k] / sum;
        if (u < acc) return k;
    }
    return 3;
}

/* whether the data segment p[i] has >= 2 later free data segments of its side in its burst (the
 * peer's pure ACKs may come between; its data, anyone's SYN/FIN/RST end the burst): a loss there
 * can have a segment behind it and one more to become the copy */
static int burst_behind(const sg_pkt *p, size_t n, size_t i, uint32_t maxp)
{
    int d = p[i].dir ? 1 : 0, got = 0;
    size_t end = n - i > REPLACE_SCAN ? i + REPLACE_SCAN : n;
    for (size_t k = i + 1; k < end && got < 2; k++) {
        if ((p[k].dir ? 1 : 0) != d) {
            if (p[k].payload_len || (p[k].tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST))) break;
            continue;
        }
        if (!free_data(p, k, maxp)) break;
        got++;
    }
    return got >= 2;
}

/* a duplicate ACK 100 µs after p[k] (the receiver's turnaround), or half-way to the next packet */
static sg_status dup_ack(sg_vec *v, size_t k, int a, size_t from, unsigned fixed, int *on_top)
{
    return ack_after(v, k, a, from, ((const sg_pkt *)v->data)[k].t_ns + 100000, SG_TCP_ACK, fixed, on_top);
}

sg_status sg_packets_tcp_noise(sg_vec *v, const sg_tcp_noise_rates *r, uint32_t maxp, unsigned fixed, sg_rng *rng,
                               sg_tcp_noise_stats *st)
{
    sg_pkt *p = v->data;
    size_t n = v->len;
    size_t lost = 0, ro = 0;
    uint32_t seen[2] = {0, 0}; /* payloads of each direction so far */
    memset(st, 0, sizeof *st);
    if (r->loss <= 0 && r->reorder <= 0 && r->keepalive <= 0 && r->window_update <= 0) return SG_OK;
    /* reordering first, on the list as the fit left it (the timeouts below move segments and
     * would make pairs of the peer's packets). It needs two adjacent data segments of one side,
     * which request/response flows rarely have: the rate (per data segment, as measured) is
     * spread over the pairs there are. Never a side's first payload, which carries the
     * template's head (request line, ClientHello), nor within the first SG_HTTP_HEAD_MAX bytes of
     * a run after the peer spoke (an HTTP message's head, which may span segments:
     * sg_payload_fix_sizes). */
    size_t ndata = 0, npairs = 0;
    uint32_t had[2] = {0, 0};
    run_pos rp = {-1, 0};
    for (size_t i = 0; i < n; i++) { /* the pairs the loop below may take */
        if (!p[i].payload_len) continue;
        uint64_t before = run_before(&rp, &p[i]);
        ndata++;
        if (had[p[i].dir ? 1 : 0]++ && before >= SG_HTTP_HEAD_MAX && i + 1 < n && p[i + 1].dir == p[i].dir &&
            plain_data(&p[i], maxp) && plain_data(&p[i + 1], maxp))
            npairs++;
    }
    double reorder = npairs ? r->reorder * (double)ndata / (double)npairs : 0;
    if (reorder > 0.5) reorder = 0.5;
    rp = (run_pos){-1, 0};
    for (size_t i = 0; reorder > 0 && i + 1 < n; i++) {
        int d = p[i].dir ? 1 : 0;
        uint64_t before = run_before(&rp, &p[i]);
        if (p[i].payload_len) seen[d]++;
        if (seen[d] == 1 || before < SG_HTTP_HEAD_MAX || !plain_data(&p[i], maxp) || (p[i + 1].dir ? 1 : 0) != d ||
            !plain_data(&p[i + 1], maxp))
            continue;
        if (sg_rng_uniform(rng) >= reorder) continue;
        /* overtaken by the very next packet (the builder gives the pair their swapped sequence
         * numbers), within a round trip (else the receiver, and tshark, take the late segment
         * for a retransmission): half of it */
        p[i].tcp_flags |= SG_PKT_AHEAD;
        int64_t half = ooo_ns(p, n) / 2, t = p[i].t_ns + half / 1000 * 1000;
        if (p[i + 1].t_ns > t) p[i + 1].t_ns = t;
        ro++;
        seen[d]++;
        run_before(&rp, &p[i + 1]);
        i++;
    }
    /* the chance that a loss with such a burst behind it gets segments behind it before its copy:
     * the profile's behind_share is per loss, losses fall on any data segment and fewer of them
     * have the burst, so the share is spread over those (as reordering is over the pairs) */
    double behind_p = 0;
    if (r->loss > 0 && trains_given(r)) {
        size_t cand = 0, burst = 0;
        for (size_t i = 0; i < n; i++) {
            if (!free_data(p, i, maxp)) continue;
            cand++;
            burst += (size_t)burst_behind(p, n, i, maxp);
        }
        /* a spurious copy (its own share of the losses) comes by timeout, so the others carry the share */
        double rest = r->spurious_share < 1 ? 1 - r->spurious_share : 1;
        behind_p = burst ? r->behind_share / rest * (double)cand / (double)burst : 0;
        if (behind_p > 1) behind_p = 1;
    }
    /* losses: the segment that follows an AHEAD one is left alone (the pair stays adjacent) */
    for (size_t i = 0; r->loss > 0 && i < n; i++) {
        int d = p[i].dir ? 1 : 0;
        if (!free_data(p, i, maxp)) continue;
        if (sg_rng_uniform(rng) < r->loss) {
            /* what the profile says came with real losses: later segments of the burst sent behind
             * the lost one before its copy, and the receiver's duplicate ACKs of the hole for them
             * (>= 2: fast), or no loss at all but a lost ACK (spurious), else a timeout without
             * either */
            double u = sg_rng_uniform(rng);
            int spur = sg_rng_uniform(rng) < r->spurious_share;
            /* the copy replaces a later data segment of the same side (the record's counts stay:
             * NetFlow counted the retransmission, one segment fewer of new data is sent). The
             * burst's later segments (up to 4; a burst ends at the peer's data or anyone's
             * SYN/FIN/RST, the sampled times between them are not an ACK clock, so any of them
             * may be in flight): L (up to 5). */
            size_t L[5], j = SIZE_MAX;
            int got = 0;
            for (size_t k = i + 1; k < n && got < 5; k++) {
                if ((p[k].dir ? 1 : 0) != d) {
                    if (p[k].payload_len || (p[k].tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST))) break;
                    continue;
                }
                if (!free_data(p, k, maxp)) break;
                L[got++] = k;
            }
            /* the first ACK after the hole repeats the last one only if the receiver had
             * acknowledged all before it; else it acknowledges that, and one more is needed */
            int unacked = 0;
            for (size_t k = i; k-- > 0;) {
                if ((p[k].dir ? 1 : 0) != d) break;
                if (p[k].payload_len) { unacked = 1; break; }
            }
            int behind = 0, ins = 0, rto = 0; /* segments behind the lost one, ACKs of the hole to answer them with */
            if (!trains_given(r)) {
                /* a version-2 profile: one duplicate ACK (dupack_share) or three (dupack2_share:
                 * the sender retransmits at the third), each behind segment answered */
                int inflight = u < r->dupack2_share ? 4 : (u < r->dupack_share ? 2 : 0); /* incl. the replaced one */
                if (inflight) inflight += unacked;
                behind = (inflight < got ? inflight : got) - 1;
                ins = behind;
            } else if (!spur && got >= 2 && sg_rng_uniform(rng) < behind_p) {
                /* as many behind as the burst has (up to 3), and the duplicate ACKs the profile's
                 * losses with that many behind had: mostly none (the receiver got none of them,
                 * or its ACKs were not captured), then the copy comes a retransmission timeout
                 * later */
                int b = got - 1 > 3 ? 3 : got - 1, k = train_len(r, b, u);
                behind = b;
                ins = k ? k + unacked : 0;
                rto = !k;
            }
            if (behind >= 1) j = L[behind];
            if (j != SIZE_MAX && j + 1 < n && rto) {
                /* Linux's minimum RTO after the lost segment, when the flow leaves room before the
                 * next packet; else half-way to it (the flow's last packet stays: the record ends
                 * there) */
                int64_t t = p[i].t_ns + 200000000LL;
                if (t > p[j].t_ns) {
                    if (p[j + 1].t_ns < t) t = p[j].t_ns + (p[j + 1].t_ns - p[j].t_ns) / 2;
                    t = t / 1000 * 1000;
                    if (t > p[j].t_ns) p[j].t_ns = t;
                }
            }
            const int64_t rtt = ooo_ns(p, n);
            if (j != SIZE_MAX) {
                /* the copy comes at least one handshake RTT after the side's latest segment: sooner,
                 * a receiver (and tshark, which then reassembles it as new data and reports an
                 * overlap) takes it for a segment overtaken on the way, not a retransmission */
                int64_t last = p[i].t_ns;
                for (size_t k = i + 1; k < j; k++)
                    if ((p[k].dir ? 1 : 0) == d) last = p[k].t_ns;
                int64_t wait = rtt + 1000;
                delay_from(p, n, j, last + wait - p[j].t_ns);
            }
            if (j != SIZE_MAX && trains_given(r)) {
                /* the receiver sends what the profile says and no more: its ACKs that the flow had
                 * between the lost segment and the copy go to right after the copy (they were not
                 * sent before it), where the duplicate ACKs below take the place of some of them */
                size_t moved = 0;
                for (size_t k = j; k-- > i + 1;) {
                    if ((p[k].dir ? 1 : 0) == d) continue;
                    sg_pkt a = p[k];
                    memmove(p + k, p + k + 1, (j - k) * sizeof *p);
                    p[j] = a;
                    j--;
                    moved++;
                }
                int64_t t = p[j].t_ns + 100000, lim = j + moved + 1 < n ? p[j + moved + 1].t_ns : t;
                t = (t < lim ? t : lim) / 1000 * 1000;
                for (size_t k = j + 1; k <= j + moved; k++) p[k].t_ns = t < p[j].t_ns ? p[j].t_ns : t;
            }
            int answered = 0; /* behind segments the receiver answered (with an ACK the flow had or one added) */
            for (size_t k = i + 1; j != SIZE_MAX && k < j; k++) {
                if ((p[k].dir ? 1 : 0) != d && pure_ack(&p[k])) p[k].payload = noise_tag; /* a duplicate now */
                if ((p[k].dir ? 1 : 0) != d) continue;
                if (k + 1 < j && (p[k + 1].dir ? 1 : 0) != d && pure_ack(&p[k + 1])) {
                    answered++;
                    continue;
                }
                if (answered >= ins) continue;
                answered++;
                int top = 0;
                if (dup_ack(v, k, !d, j + 1, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
                if (top < 0) {
                    st->left_out++;
                    continue;
                }
                p = v->data;
                n = v->len;
                j++;
                st->dup_acks++;
                st->on_top += (size_t)top;
            }
            if (j == SIZE_MAX) {
                if (spur && !(i + 1 < n && (p[i + 1].dir ? 1 : 0) != d && pure_ack(&p[i + 1]) && !(p[i + 1].tcp_flags & SG_PKT_NOISE_MASK))) {
                    /* the receiver's ACK of the segment (lost after the sensor): in place of a later
                     * pure ACK of the receiver when one can go */
                    int top = 0;
                    if (ack_after(v, i, !d, i + 1, p[i].t_ns + 100000, SG_TCP_ACK, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
                    if (top < 0) spur = 0, st->left_out++;
                    p = v->data;
                    n = v->len;
                    if (top > 0) st->on_top++;
                }
                for (size_t k = i + 1; k < n; k++) {
                    if (p[k].tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST)) break;
                    if ((p[k].dir ? 1 : 0) != d || p[k].payload_len == 0) continue;
                    if (free_data(p, k, maxp)) j = k;
                    break;
                }
                if (j == SIZE_MAX) continue;
                /* after the peer's pure ACKs that follow the lost segment (they acknowledge its first
                 * byte again), before anything else */
                size_t at = i;
                while (at + 1 < j && (p[at + 1].dir ? 1 : 0) != d && p[at + 1].payload_len == 0 &&
                       !(p[at + 1].tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST)))
                    p[++at].payload = noise_tag; /* duplicates of the hole's ACK now */
                if (j > at + 1) move_after(p, at, j);
                j = at + 1;
                /* Linux's minimum RTO is 200 ms; never later than what follows in the list, nor
                 * (the flow's last packet) than the segment it replaces: the record ends there */
                int64_t t = p[at].t_ns + 200000000LL;
                if (j + 1 < n && p[j + 1].t_ns < t) t = p[at].t_ns + (p[j + 1].t_ns - p[at].t_ns) / 2;
                if (j + 1 >= n && p[j].t_ns < t) t = p[j].t_ns;
                t = t / 1000 * 1000; /* the µs grid */
                p[j].t_ns = t < p[at].t_ns ? p[at].t_ns : t;
                if (spur && at > i) {
                    /* the first of those ACKs acknowledges the segment (it arrived; the ACK was
                     * lost after the sensor), and the receiver answers the copy with a duplicate
                     * ACK (a D-SACK) */
                    p[i + 1].tcp_flags |= SG_PKT_RETX;
                    int top = 0;
                    if (dup_ack(v, j, !d, j + 1, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
                    p = v->data;
                    n = v->len;
                    if (top >= 0) st->dup_acks++, st->on_top += (size_t)top;
                    else st->left_out++;
                    st->spurious++;
                }
            }
            p[i].tcp_flags |= SG_PKT_LOST;
            p[j].tcp_flags |= SG_PKT_RETX;
            lost++;
            i = j;
        }
    }
    /* keep-alives: a connection idle for >= 1 s (the profile's rate per such gap; real ones come
     * after 15 s of idle at the median) gets one from the side that did not send the last packet
     * (else the other: a side silent so far cannot, its first packet would start below its next)
     * — sequence number one below its next, no data: Linux's form — during the gap, and the
     * peer's ACK of it a round trip later.
     * Never while a segment is missing or overtaken, nor after a FIN or RST. Both take the place of
     * a later pure ACK of their side where one can go, else they come on top (counted). */
    int open[2] = {0, 0}, sent[2] = {0, 0};
    for (size_t i = 1; r->keepalive > 0 && i < n; i++) {
        const sg_pkt *a = &p[i - 1];
        int da = a->dir ? 1 : 0, ma = a->tcp_flags & SG_PKT_NOISE_MASK;
        if (a->tcp_flags & (SG_TCP_FIN | SG_TCP_RST)) break;
        sent[da] = 1;
        if (ma == SG_PKT_LOST && a->payload_len) open[da] = 1;
        else if (ma == SG_PKT_RETX) open[da] = 0;
        int64_t gap = p[i].t_ns - a->t_ns;
        if (gap < 1000000000LL || open[0] || open[1] || (a->tcp_flags & SG_TCP_SYN) || (p[i].tcp_flags & SG_TCP_SYN) ||
            (ma == SG_PKT_AHEAD && a->payload_len))
            continue;
        if (sg_rng_uniform(rng) >= r->keepalive) continue;
        /* the side that waits: the other one spoke last, so its ACK will repeat its last one;
         * the one that spoke last when the other has not sent yet (a keep-alive needs a next
         * sequence number the capture knows) */
        int s = sent[!da] ? !da : da;
        int64_t t = a->t_ns + (int64_t)((double)gap * (0.5 + 0.45 * sg_rng_uniform(rng)));
        /* both need a place: a pure ACK of each side to take, or a side whose count is open */
        if (!can_place(p, n, s, i, fixed) || !can_place(p, n, !s, i, fixed)) {
            st->left_out++;
            continue;
        }
        int top = 0;
        int64_t rtt = ooo_ns(p, n);
        size_t q1 = (fixed >> !s & 1) ? replaceable(p, n, !s, i, i) : SIZE_MAX;
        if (!sent[!s] && (!(fixed >> !s & 1) || (q1 != SIZE_MAX && replaceable(p, n, !s, i, q1 + 1) != SIZE_MAX))) {
            /* the peer has sent nothing yet (a one-way or mid-stream record's silent side): its ACK
             * of what came before the gap first, a round trip after it, where its count allows (an
             * open count, or two pure ACKs of the peer to take the place of: this one and the
             * keep-alive's ACK); the keep-alive's ACK then repeats that acknowledgement and window,
             * which is what makes it one to tshark (a first packet repeats nothing) */
            if (ack_after(v, i - 1, !s, i, p[i - 1].t_ns + rtt, SG_TCP_ACK, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
            if (top >= 0) {
                st->on_top += (size_t)top;
                st->keepalive_acks_first++;
                p = v->data;
                n = v->len;
                i++;
            }
        }
        if (ack_after(v, i - 1, s, i, t, SG_TCP_ACK | SG_PKT_LOST, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
        st->on_top += (size_t)top;
        p = v->data;
        n = v->len;
        if (ack_after(v, i, !s, i + 1, p[i].t_ns + rtt, SG_TCP_ACK, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
        st->on_top += (size_t)top;
        p = v->data;
        n = v->len;
        sent[0] = sent[1] = 1;
        st->keepalives++;
        i += 2; /* the gap that is left, after the keep-alive's ACK, is not idle long enough again */
    }
    /* window updates: once the application has read what a side received, its window opens: a
     * pure ACK with the same acknowledgement and a larger window (the builder opens it by what the
     * side's ACK before acknowledged), 0.5 ms after the side's next packet that acknowledges that
     * data (or half-way to the packet after it). The profile's rate is per data segment received,
     * so the chance grows with the segments since the side's last packet. Not while the peer's
     * segment is missing (its ACKs are duplicates then), nor after a FIN or RST. */
    uint32_t recv[2] = {0, 0}; /* data segments the side received since its last packet */
    open[0] = open[1] = 0;
    for (size_t i = 0; r->window_update > 0 && i + 1 < n; i++) {
        int d = p[i].dir ? 1 : 0, m = p[i].tcp_flags & SG_PKT_NOISE_MASK;
        if (p[i].tcp_flags & (SG_TCP_FIN | SG_TCP_RST | SG_TCP_SYN)) {
            if (p[i].tcp_flags & SG_TCP_SYN) continue;
            break;
        }
        if (m == SG_PKT_LOST && p[i].payload_len) open[d] = 1;
        else if (m == SG_PKT_RETX && p[i].payload_len) open[d] = 0;
        if (p[i].payload_len) recv[!d]++;
        uint32_t k = recv[d];
        recv[d] = 0;
        if (!k || m || open[!d] || !(p[i].tcp_flags & SG_TCP_ACK)) continue;
        if (sg_rng_uniform(rng) >= r->window_update * k) continue;
        int top = 0;
        if (ack_after(v, i, d, i + 1, p[i].t_ns + 500000, SG_TCP_ACK | SG_PKT_AHEAD, fixed, &top) != SG_OK) return SG_ERR_NOMEM;
        if (top < 0) {
            st->left_out++;
            continue;
        }
        st->on_top += (size_t)top;
        p = v->data;
        n = v->len;
        st->window_updates++;
        i++;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i].payload == noise_tag) p[i].payload = NULL;
    st->lost = lost;
    st->reordered = ro;
    return SG_OK;
}

void sg_packets_tcp_noise_sync(sg_pkt *p, size_t n)
{
    size_t last[2] = {SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < n; i++) {
        int d = p[i].dir ? 1 : 0, m = p[i].tcp_flags & SG_PKT_NOISE_MASK;
        if (p[i].payload_len == 0) continue; /* a keep-alive, a window update, an ACK of a segment that arrived */
        if (m == SG_PKT_LOST) last[d] = i;
        else if (m == SG_PKT_RETX && last[d] != SIZE_MAX) {
            p[i].payload_len = p[last[d]].payload_len;
            p[i].msg_more = p[last[d]].msg_more;
            p[i].payload = p[last[d]].payload;
            last[d] = SIZE_MAX;
        }
    }
}
