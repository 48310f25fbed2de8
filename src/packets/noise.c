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

/* a data segment noise may touch: payload up to one segment (a grown segment of a segmentation-
 * offload capture is left alone: a hole behind it would hold more than the receive window), ACK,
 * no SYN/FIN/RST, not part of a longer message (a DNS-over-TCP response spanning segments), not
 * marked yet */
static int plain_data(const sg_pkt *p, uint32_t maxp)
{
    return p->payload_len > 0 && p->payload_len <= maxp && (p->tcp_flags & SG_TCP_ACK) && !(p->tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST)) &&
           !(p->tcp_flags & SG_PKT_NOISE_MASK) && p->msg_more == 0;
}

/* plain data, and not the segment an AHEAD one overtook */
static int free_data(const sg_pkt *p, size_t k, uint32_t maxp)
{
    return plain_data(&p[k], maxp) && !(k > 0 && (p[k - 1].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_AHEAD);
}

/* tshark's out-of-order window: the handshake's round trip (SYN to the ACK of the SYN-ACK), else
 * 3 ms */
static int64_t ooo_ns(const sg_pkt *p, size_t n)
{
    if (n >= 3 && (p[0].tcp_flags & 0x3f) == SG_TCP_SYN && (p[1].tcp_flags & 0x3f) == (SG_TCP_SYN | SG_TCP_ACK) &&
        p[2].dir == SG_DIR_FWD && (p[2].tcp_flags & SG_TCP_ACK))
        return p[2].t_ns - p[0].t_ns;
    return 3000000;
}

/* moves p[j] to position i+1 (j > i), shifting p[i+1 .. j-1] up by one */
static void move_after(sg_pkt *p, size_t i, size_t j)
{
    sg_pkt c = p[j];
    memmove(p + i + 2, p + i + 1, (j - i - 1) * sizeof *p);
    p[i + 1] = c;
}

static int pure_ack(const sg_pkt *p)
{
    return p->payload_len == 0 && (p->tcp_flags & 0x3f) == SG_TCP_ACK;
}

/* A duplicate ACK of side a after p[k] (the receiver answers each segment that arrives after a
 * hole at once), in place of a later pure ACK of that side when one can go: the record's counts
 * stay. One can go when a later packet of the side acknowledges as much (its data or its own ACK)
 * and no FIN came before it. Returns 1 when the ACK was added on top of the counts. */
static sg_status dup_ack(sg_vec *v, size_t k, int a, size_t from, int *on_top)
{
    sg_pkt *p = v->data;
    size_t n = v->len, gone = SIZE_MAX;
    for (size_t q = from; q < n && gone == SIZE_MAX; q++) {
        if (p[q].tcp_flags & (SG_TCP_FIN | SG_TCP_RST | SG_TCP_SYN)) break;
        if ((p[q].dir ? 1 : 0) != a || !pure_ack(&p[q]) || (p[q].tcp_flags & SG_PKT_NOISE_MASK)) continue;
        for (size_t r = q + 1; r < n; r++)
            if ((p[r].dir ? 1 : 0) == a) {
                if ((p[r].tcp_flags & SG_TCP_ACK) && !(p[r].tcp_flags & SG_TCP_RST)) gone = q;
                break;
            }
    }
    int64_t t = p[k].t_ns + 100000; /* 100 µs: the receiver's turnaround */
    if (k + 1 < n && p[k + 1].t_ns < t) t = p[k].t_ns + (p[k + 1].t_ns - p[k].t_ns) / 2;
    t = t / 1000 * 1000;
    if (t < p[k].t_ns) t = p[k].t_ns;
    sg_pkt ack = {.t_ns = t, .dir = (uint8_t)a, .tcp_flags = SG_TCP_ACK};
    if (gone != SIZE_MAX) {
        memmove(p + k + 2, p + k + 1, (gone - k - 1) * sizeof *p);
        p[k + 1] = ack;
        *on_top = 0;
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

sg_status sg_packets_tcp_noise(sg_vec *v, const sg_tcp_noise_rates *r, uint32_t maxp, sg_rng *rng, sg_tcp_noise_stats *st)
{
    sg_pkt *p = v->data;
    size_t n = v->len;
    size_t lost = 0, ro = 0;
    uint32_t seen[2] = {0, 0}; /* payloads of each direction so far */
    memset(st, 0, sizeof *st);
    if (r->loss <= 0 && r->reorder <= 0) return SG_OK;
    /* reordering first, on the list as the fit left it (the timeouts below move segments and
     * would make pairs of the peer's packets). It needs two adjacent data segments of one side,
     * which request/response flows rarely have: the rate (per data segment, as measured) is
     * spread over the pairs there are. Never a side's first payload, which carries the
     * template's head (request line, ClientHello). */
    size_t ndata = 0, npairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].payload_len) ndata++;
        if (i + 1 < n && p[i].dir == p[i + 1].dir && plain_data(&p[i], maxp) && plain_data(&p[i + 1], maxp)) npairs++;
    }
    double reorder = npairs ? r->reorder * (double)ndata / (double)npairs : 0;
    if (reorder > 0.5) reorder = 0.5;
    for (size_t i = 0; reorder > 0 && i + 1 < n; i++) {
        int d = p[i].dir ? 1 : 0;
        if (p[i].payload_len) seen[d]++;
        if (seen[d] == 1 || !plain_data(&p[i], maxp) || (p[i + 1].dir ? 1 : 0) != d || !plain_data(&p[i + 1], maxp)) continue;
        if (sg_rng_uniform(rng) >= reorder) continue;
        /* overtaken by the very next packet (the builder gives the pair their swapped sequence
         * numbers), within a round trip (else the receiver, and tshark, take the late segment
         * for a retransmission): half of it */
        p[i].tcp_flags |= SG_PKT_AHEAD;
        int64_t half = ooo_ns(p, n) / 2, t = p[i].t_ns + half / 1000 * 1000;
        if (p[i + 1].t_ns > t) p[i + 1].t_ns = t;
        ro++;
        seen[d]++;
        i++;
    }
    /* losses: the segment that follows an AHEAD one is left alone (the pair stays adjacent) */
    for (size_t i = 0; r->loss > 0 && i < n; i++) {
        int d = p[i].dir ? 1 : 0;
        if (!free_data(p, i, maxp)) continue;
        if (sg_rng_uniform(rng) < r->loss) {
            int fast = sg_rng_uniform(rng) < r->fast_share;
            /* the copy replaces a later data segment of the same side (the record's counts stay:
             * NetFlow counted the retransmission, one segment fewer of new data is sent). When
             * later segments of the burst went through (a burst ends at the peer's data or anyone's
             * SYN/FIN/RST), the peer acknowledged each with the lost segment's first byte again
             * (duplicate ACKs) and the copy is the second data segment of the burst, or the third
             * (fast retransmission, after two duplicate ACKs). Otherwise a timeout: the next data
             * segment of the side moves to after the peer's pure ACKs that follow the lost one, an
             * RTO later when the flow leaves room. */
            size_t j = SIZE_MAX;
            int want = fast ? 3 : 2, got = 0; /* the copy is the want-th data segment of the burst */
            for (size_t k = i + 1; k < n && got < want; k++) {
                if ((p[k].dir ? 1 : 0) != d) {
                    if (p[k].payload_len || (p[k].tcp_flags & (SG_TCP_SYN | SG_TCP_FIN | SG_TCP_RST))) break;
                    continue;
                }
                if (!free_data(p, k, maxp)) break;
                j = k;
                got++;
            }
            if (got < 2) j = SIZE_MAX; /* no later segment of the burst went through: timeout */
            if (j != SIZE_MAX) {
                /* the copy comes at least one handshake RTT after the side's latest segment: sooner,
                 * a receiver (and tshark, which then reassembles it as new data and reports an
                 * overlap) takes it for a segment overtaken on the way, not a retransmission */
                int64_t last = p[i].t_ns;
                for (size_t k = i + 1; k < j; k++)
                    if ((p[k].dir ? 1 : 0) == d) last = p[k].t_ns;
                int64_t need = last + ooo_ns(p, n) + 1000 - p[j].t_ns;
                for (size_t k = j; need > 0 && k < n; k++) p[k].t_ns += need;
            }
            for (size_t k = i + 1; j != SIZE_MAX && k < j; k++) {
                if ((p[k].dir ? 1 : 0) != d || (k + 1 < j && (p[k + 1].dir ? 1 : 0) != d && pure_ack(&p[k + 1]))) continue;
                int top = 0;
                if (dup_ack(v, k, !d, j + 1, &top) != SG_OK) return SG_ERR_NOMEM;
                p = v->data;
                n = v->len;
                j++;
                st->dup_acks++;
                st->on_top += (size_t)top;
            }
            if (j == SIZE_MAX) {
                fast = 0;
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
                    at++;
                if (j > at + 1) move_after(p, at, j);
                j = at + 1;
                /* Linux's minimum RTO is 200 ms; never later than what follows in the list */
                int64_t t = p[at].t_ns + 200000000LL;
                if (j + 1 < n && p[j + 1].t_ns < t) t = p[at].t_ns + (p[j + 1].t_ns - p[at].t_ns) / 2;
                t = t / 1000 * 1000; /* the µs grid */
                p[j].t_ns = t < p[at].t_ns ? p[at].t_ns : t;
            }
            p[i].tcp_flags |= SG_PKT_LOST;
            p[j].tcp_flags |= SG_PKT_RETX;
            lost++;
            i = j;
        }
    }
    st->lost = lost;
    st->reordered = ro;
    return SG_OK;
}

void sg_packets_tcp_noise_sync(sg_pkt *p, size_t n)
{
    size_t last[2] = {SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < n; i++) {
        int d = p[i].dir ? 1 : 0, m = p[i].tcp_flags & SG_PKT_NOISE_MASK;
        if (m == SG_PKT_LOST) last[d] = i;
        else if (m == SG_PKT_RETX && last[d] != SIZE_MAX) {
            p[i].payload_len = p[last[d]].payload_len;
            p[i].msg_more = p[last[d]].msg_more;
            p[i].payload = p[last[d]].payload;
            last[d] = SIZE_MAX;
        }
    }
}
