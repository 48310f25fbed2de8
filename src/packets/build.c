/* Frame builder: Ethernet + IPv4/IPv6 + TCP/UDP/ICMP headers with correct lengths and checksums,
 * TCP sequence/ack state, options, window, TTL, IP id; payload bytes from templates or from the
 * synthetic pool (see payload.c). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

/* ---- checksums ------------------------------------------------------------------------------- */

/* Sum of native-order 16-bit words (one's-complement sums are byte-order independent as long as
 * every partial uses the same convention and pieces start at even offsets). */
uint32_t sg_csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    while (len >= 8) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + 4, 4);
        acc += (uint64_t)a + b;
        p += 8;
        len -= 8;
    }
    while (len >= 2) {
        uint16_t w;
        memcpy(&w, p, 2);
        acc += w;
        p += 2;
        len -= 2;
    }
    if (len) {
        uint8_t last[2] = {p[0], 0};
        uint16_t w;
        memcpy(&w, last, 2);
        acc += w;
    }
    while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t sg_csum_fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t a, uint32_t b)
{
    uint64_t s = (uint64_t)a + b;
    return (uint32_t)((s & 0xffffffffu) + (s >> 32));
}

/* ---- frames ------------------------------------------------------------------------------------ */

void sg_frames_init(sg_frames *fr) { memset(fr, 0, sizeof *fr); }
void sg_frames_clear(sg_frames *fr) { fr->n = 0; fr->len = 0; }
void sg_frames_free(sg_frames *fr)
{
    free(fr->f);
    free(fr->buf);
    memset(fr, 0, sizeof *fr);
}
size_t sg_frame_len(const sg_frame *f) { return (size_t)f->hdr_len + f->pay_len; }

void sg_frame_copy(const sg_frames *fr, size_t i, uint8_t *out)
{
    const sg_frame *f = &fr->f[i];
    memcpy(out, fr->buf + f->hdr_off, f->hdr_len);
    if (f->pay_len) memcpy(out + f->hdr_len, f->pay, f->pay_len);
}

/* one allocation per flow instead of doubling: growth by realloc cost 15 % of generation time in
 * copies and page faults (perf, -d 1h) */
static int frames_reserve(sg_frames *fr, size_t nframes, size_t bytes)
{
    if (fr->n + nframes > fr->cap) {
        size_t nc = fr->n + nframes;
        sg_frame *nf = fr->n ? realloc(fr->f, nc * sizeof *nf) : sg_mem_alloc_big(nc * sizeof *nf);
        if (!nf) return -1;
        if (!fr->n) free(fr->f);
        fr->f = nf;
        fr->cap = nc;
    }
    if (fr->len + bytes > fr->bufcap) {
        size_t nc = fr->len + bytes;
        uint8_t *nb = fr->len ? realloc(fr->buf, nc) : sg_mem_alloc_big(nc);
        if (!nb) return -1;
        if (!fr->len) free(fr->buf);
        fr->buf = nb;
        fr->bufcap = nc;
    }
    return 0;
}

static uint8_t *frames_alloc(sg_frames *fr, size_t hdr_cap, sg_frame **fo)
{
    if (fr->n == fr->cap) {
        size_t nc = fr->cap ? fr->cap * 2 : 32;
        sg_frame *nf = realloc(fr->f, nc * sizeof *nf);
        if (!nf) return NULL;
        fr->f = nf;
        fr->cap = nc;
    }
    if (fr->len + hdr_cap > fr->bufcap) {
        size_t nc = fr->bufcap ? fr->bufcap * 2 : 4096;
        while (nc < fr->len + hdr_cap) nc *= 2;
        uint8_t *nb = realloc(fr->buf, nc);
        if (!nb) return NULL;
        fr->buf = nb;
        fr->bufcap = nc;
    }
    sg_frame *f = &fr->f[fr->n];
    memset(f, 0, sizeof *f);
    f->hdr_off = (uint32_t)fr->len;
    *fo = f;
    return fr->buf + fr->len;
}

static void frames_commit(sg_frames *fr, sg_frame *f)
{
    fr->len += f->hdr_len;
    fr->n++;
}

void sg_frames_summarize(const sg_frames *fr, size_t l2_len, sg_frames_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < fr->n; i++) {
        const sg_frame *f = &fr->f[i];
        uint64_t ipb = sg_frame_len(f) - l2_len;
        if (i == 0) s->first_ns = f->t_ns;
        s->last_ns = f->t_ns;
        if (f->dir == SG_DIR_FWD) s->fwd_packets++, s->fwd_bytes += ipb;
        else s->bwd_packets++, s->bwd_bytes += ipb;
        const uint8_t *h = fr->buf + f->hdr_off;
        uint16_t et = (uint16_t)(h[12] << 8 | h[13]);
        if (et == 0x0800 && h[14 + 9] == SG_PROTO_TCP) s->flags |= h[14 + (h[14] & 15) * 4 + 13] & 0x3f;
        else if (et == 0x86dd && h[14 + 6] == SG_PROTO_TCP) s->flags |= h[14 + 40 + 13] & 0x3f;
    }
}

int sg_addr_parse(const char *s, uint8_t addr[16], uint8_t *is_v6)
{
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, s, addr) == 1) { *is_v6 = 0; return 0; }
    if (inet_pton(AF_INET6, s, addr) == 1) { *is_v6 = 1; return 0; }
    return -1;
}

/* ---- the builder --------------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}


int sg_packets_tcp_ts(const sg_pkt_conn *c)
{
    return c->proto == SG_PROTO_TCP && (c->tcp_ts ? c->tcp_ts > 0 : c->cli.os == SG_OS_LINUX);
}

uint16_t sg_packets_max_segment(const sg_pkt_conn *c)
{
    uint16_t mss = c->cli.is_v6 ? 1440 : 1460;
    if (sg_packets_tcp_ts(c)) mss -= 12; /* timestamps option */
    return mss;
}

static uint16_t window_field(const sg_build_side *me, int syn)
{
    if (me->h->os == SG_OS_WINDOWS) {
        if (syn) return 64240;
        uint64_t w = 262144 + (me->received > (4u << 20) ? (4u << 20) : me->received) / 2 + me->wbonus;
        return (uint16_t)(w >> 8); /* window scale 8 */
    }
    if (syn) return 64240;
    uint64_t w = 64256 + (me->received > (3u << 20) ? (3u << 20) : me->received) + me->wbonus;
    return (uint16_t)(w >> 7); /* window scale 7 */
}

/* TCP options; returns their length (multiple of 4) */
static size_t tcp_options(uint8_t *o, const sg_build_side *me, int syn, int use_ts, uint32_t tsval, uint32_t tsecr, uint16_t mss)
{
    size_t k = 0;
    if (syn) {
        o[k++] = 2; o[k++] = 4; put16(o + k, mss); k += 2;
        if (me->h->os == SG_OS_WINDOWS) {
            o[k++] = 1; o[k++] = 3; o[k++] = 3; o[k++] = 8; /* NOP, WS 8 */
            if (use_ts) {
                o[k++] = 4; o[k++] = 2;                     /* SACK permitted */
                o[k++] = 8; o[k++] = 10; put32(o + k, tsval); put32(o + k + 4, tsecr); k += 8;
            } else {
                o[k++] = 1; o[k++] = 1; o[k++] = 4; o[k++] = 2; /* NOP NOP SACK permitted */
            }
        } else {
            o[k++] = 4; o[k++] = 2;                         /* SACK permitted */
            if (use_ts) { o[k++] = 8; o[k++] = 10; put32(o + k, tsval); put32(o + k + 4, tsecr); k += 8; }
            else { o[k++] = 1; o[k++] = 1; }
            o[k++] = 1; o[k++] = 3; o[k++] = 3; o[k++] = 7; /* NOP, WS 7 */
        }
    } else if (use_ts) {
        o[k++] = 1; o[k++] = 1; o[k++] = 8; o[k++] = 10; put32(o + k, tsval); put32(o + k + 4, tsecr); k += 8;
    }
    return k;
}

/* The builder keeps one flow's header state (sequence numbers, IP ids, timestamps, payload
 * templates) so frames can be built one at a time, when they are written: the generator then holds
 * 32-byte packet descriptors per open flow instead of whole headers (a quarter of the memory and of
 * the cache misses). Frames come out identical to building the whole flow at once. */
sg_status sg_builder_init(sg_flow_builder *b, const sg_pkt_conn *conn, const sg_payload_pool *pool, uint64_t seed,
                          uint64_t flow_index, int64_t t0, sg_error *err)
{
    memset(b, 0, sizeof *b);
    if (conn->cli.is_v6 != conn->srv.is_v6)
        return sg_error_set(err, SG_ERR_INVALID, "flow %llu: client and server address families differ",
                            (unsigned long long)flow_index);
    b->conn = *conn;
    b->flow_index = flow_index;
    sg_rng_init(&b->r, seed, SG_STREAM_PKT_BUILD, flow_index);
    sg_rng_init(&b->pr, seed, SG_STREAM_PKT_PAYLOAD, flow_index);
    b->sd[0].h = &b->conn.cli;
    b->sd[1].h = &b->conn.srv;
    for (int i = 0; i < 2; i++) {
        b->sd[i].isn = sg_rng_u32(&b->r);
        b->sd[i].nxt = b->sd[i].isn;
        b->sd[i].ts_base = sg_rng_u32(&b->r);
        b->sd[i].ipid = (uint16_t)sg_rng_u32(&b->r);
        b->sd[i].flowlabel = sg_rng_u32(&b->r) & 0xfffff;
    }
    b->icmp_id = (uint16_t)sg_rng_u32(&b->r);
    b->use_ts = sg_packets_tcp_ts(conn);
    b->mss = conn->cli.is_v6 ? 1440 : 1460;
    b->t0 = t0;
    sg_payload_state_init(&b->ps, &b->conn, pool, &b->pr);
    return SG_OK;
}

static size_t builder_tmpl_cap(const sg_flow_builder *b, const sg_pkt *p, uint32_t plen, int d, uint32_t idx)
{
    const uint8_t proto = b->conn.proto;
    if (proto == SG_PROTO_ICMP || proto == SG_PROTO_ICMPV6 || p->payload) return plen;
    ((sg_flow_builder *)b)->ps.msg_more = p->msg_more;
    return plen ? sg_payload_template_cap_at(&b->ps, d, idx, plen) : 0;
}

/* a TCP noise copy (RETX) repeats the bytes its side saved from the LOST original */
static int is_copy(const sg_flow_builder *b, const sg_pkt *p)
{
    return b->conn.proto == SG_PROTO_TCP && (p->tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_RETX && b->sd[p->dir ? 1 : 0].sv_valid;
}

size_t sg_builder_cap(const sg_flow_builder *b, const sg_pkt *p)
{
    uint32_t plen = p->payload_len > 65000 ? 65000 : p->payload_len;
    int d = p->dir ? 1 : 0;
    size_t l3 = b->conn.cli.is_v6 ? 40 : 20;
    size_t body = is_copy(b, p) ? b->sd[d].sv_inbuf : builder_tmpl_cap(b, p, plen, d, b->ps.count[d]);
    return 14 + l3 + (b->conn.proto == SG_PROTO_TCP ? 60 : 8) + body;
}

void sg_builder_release(sg_flow_builder *b)
{
    for (int i = 0; i < 2; i++) {
        free(b->sd[i].sv_buf);
        b->sd[i].sv_buf = NULL;
        b->sd[i].sv_cap = 0;
        b->sd[i].sv_valid = 0;
    }
}

/* the acknowledgement a side receives: the first byte of its lost segment while that is missing */
static uint32_t ack_of(const sg_build_side *s) { return s->hole ? s->hole_seq : s->nxt; }

/* IP bytes of a packet (header lengths as sg_builder_next writes them), for flow summaries
 * without building */
static uint64_t ip_bytes(const sg_pkt_conn *conn, int use_ts, const sg_pkt *p)
{
    uint32_t plen = p->payload_len > 65000 ? 65000 : p->payload_len;
    uint64_t l3 = conn->cli.is_v6 ? 40 : 20;
    uint64_t l4h = conn->proto == SG_PROTO_TCP ? 20 + ((p->tcp_flags & SG_TCP_SYN) ? (use_ts ? 20 : 12) : (use_ts ? 12 : 0))
                   : (conn->proto == SG_PROTO_UDP || conn->proto == SG_PROTO_ICMP || conn->proto == SG_PROTO_ICMPV6) ? 8
                                                                                                                    : 0;
    return l3 + l4h + plen;
}

size_t sg_builder_frame_len(const sg_flow_builder *b, const sg_pkt *p) { return 14 + (size_t)ip_bytes(&b->conn, b->use_ts, p); }

void sg_packets_summarize(const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, sg_frames_summary *s)
{
    memset(s, 0, sizeof *s);
    const int use_ts = sg_packets_tcp_ts(conn);
    for (size_t i = 0; i < n; i++) {
        const sg_pkt *p = &pkts[i];
        if (i == 0) s->first_ns = p->t_ns;
        s->last_ns = p->t_ns;
        uint64_t ipb = ip_bytes(conn, use_ts, p);
        if (p->dir == SG_DIR_FWD) s->fwd_packets++, s->fwd_bytes += ipb;
        else s->bwd_packets++, s->bwd_bytes += ipb;
        if (conn->proto == SG_PROTO_TCP) s->flags |= p->tcp_flags & 0x3f;
    }
}

sg_status sg_builder_next(sg_flow_builder *b, const sg_pkt *p, uint8_t *h, size_t *hdr_len, const uint8_t **pay,
                          uint32_t *pay_len, sg_error *err)
{
    const uint8_t proto = b->conn.proto;
    const int v6 = b->conn.cli.is_v6;
    const size_t l3 = v6 ? 40 : 20;
    int d = p->dir ? 1 : 0;
    sg_build_side *me = &b->sd[d], *peer = &b->sd[!d];
    uint32_t plen = p->payload_len;
    if (plen > 65000) plen = 65000;
    size_t l4h;
    uint8_t opts[40];
    size_t optlen = 0;
    uint8_t fl = p->tcp_flags & 0x3f;
    uint32_t tsval = 0;
    if (proto == SG_PROTO_TCP) {
        /* 1 kHz timestamp clock */
        tsval = me->ts_base + (uint32_t)((p->t_ns - b->t0) / 1000000);
        optlen = tcp_options(opts, me, (fl & SG_TCP_SYN) != 0, b->use_ts, tsval,
                             (fl & SG_TCP_SYN) && !(fl & SG_TCP_ACK) ? 0 : peer->last_tsval, b->mss);
        l4h = 20 + optlen;
    } else if (proto == SG_PROTO_UDP) {
        l4h = 8;
    } else if (proto == SG_PROTO_ICMP || proto == SG_PROTO_ICMPV6) {
        l4h = 8;
    } else {
        l4h = 0;
    }
    /* templated payloads live in the header buffer; the rest comes from the pool */
    /* ICMP echo payloads and given (replayed) payloads go entirely into the frame buffer */
    b->ps.msg_more = p->msg_more;
    const int mark = proto == SG_PROTO_TCP ? p->tcp_flags & SG_PKT_NOISE_MASK : 0;
    const int copy = is_copy(b, p);
    if (copy && plen != me->sv_len)
        return sg_error_set(err, SG_ERR_INVALID, "flow %llu: internal error: a retransmission of %u bytes repeats %u",
                            (unsigned long long)b->flow_index, plen, me->sv_len);
    size_t tmpl_cap = copy ? me->sv_inbuf
                      : (proto == SG_PROTO_ICMP || proto == SG_PROTO_ICMPV6 || p->payload) ? plen
                                                                                          : sg_payload_template_cap(&b->ps, d, plen);
    uint8_t *pl = h + 14 + l3 + l4h;
    const uint8_t *pay_ext = NULL;
    uint32_t pay_sum = 0;
    size_t inbuf = 0;
    if (copy) {
        memcpy(pl, me->sv_buf, me->sv_inbuf);
        inbuf = me->sv_inbuf;
        pay_ext = me->sv_ext;
        pay_sum = me->sv_sum;
    } else if (plen) {
        if (proto == SG_PROTO_ICMP || proto == SG_PROTO_ICMPV6) {
            /* ping payload: echo replies carry the request's bytes, like real stacks */
            for (uint32_t k = 0; k < plen; k++) pl[k] = (uint8_t)(0x10 + k);
            inbuf = plen;
        } else if (p->payload) {
            memcpy(pl, p->payload, plen);
            inbuf = plen;
        } else {
            inbuf = sg_payload_fill(&b->ps, d, plen, pl, &pay_ext, &pay_sum);
        }
    }
    /* Ethernet */
    memcpy(h, peer->h->mac, 6);
    memcpy(h + 6, me->h->mac, 6);
    put16(h + 12, v6 ? 0x86dd : 0x0800);
    uint8_t *ip = h + 14;
    uint16_t l4len = (uint16_t)(l4h + plen);
    uint32_t pseudo;
    if (!v6) {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(20 + l4len));
        put16(ip + 4, me->ipid++);
        uint16_t frag = 0;
        if (proto == SG_PROTO_TCP || (proto == SG_PROTO_UDP && me->h->os == SG_OS_LINUX)) frag |= 0x4000;
        if (b->conn.taint) frag |= 0x8000;
        put16(ip + 6, frag);
        ip[8] = me->h->ttl;
        ip[9] = proto;
        ip[10] = ip[11] = 0;
        memcpy(ip + 12, me->h->addr, 4);
        memcpy(ip + 16, peer->h->addr, 4);
        uint16_t c = sg_csum_fold(sg_csum_partial(ip, 20, 0));
        memcpy(ip + 10, &c, 2);
        uint8_t ph[12];
        memcpy(ph, ip + 12, 8);
        ph[8] = 0; ph[9] = proto;
        put16(ph + 10, l4len);
        pseudo = sg_csum_partial(ph, 12, 0);
    } else {
        put32(ip, 0x60000000u | me->flowlabel);
        put16(ip + 4, l4len);
        ip[6] = proto;
        ip[7] = me->h->ttl;
        memcpy(ip + 8, me->h->addr, 16);
        memcpy(ip + 24, peer->h->addr, 16);
        uint8_t ph[40];
        memcpy(ph, ip + 8, 32);
        put32(ph + 32, l4len);
        ph[36] = ph[37] = ph[38] = 0; ph[39] = proto;
        pseudo = sg_csum_partial(ph, 40, 0);
    }
    uint8_t *l4 = ip + l3;
    uint16_t sp = d ? b->conn.dst_port : b->conn.src_port, dp = d ? b->conn.src_port : b->conn.dst_port;
    if (proto == SG_PROTO_TCP) {
        put16(l4, sp);
        put16(l4 + 2, dp);
        uint32_t seq = me->nxt;
        /* marks on a packet without payload: a keep-alive (LOST) sits one below the next
         * sequence number; a window update (AHEAD) opens the window by what the side acknowledged
         * last (the application read it; at least two segments, the receiver's threshold) */
        const int keepalive = mark == SG_PKT_LOST && plen == 0, wupd = mark == SG_PKT_AHEAD && plen == 0;
        if (copy) seq = me->sv_seq;
        else if (keepalive) seq = me->nxt - 1;
        else if (mark == SG_PKT_AHEAD && !wupd) seq = me->nxt + (p[1].payload_len > 65000 ? 65000 : p[1].payload_len);
        if (mark == SG_PKT_RETX && plen == 0 && peer->hole) {
            /* the peer's LOST segment had arrived: this ACK acknowledges all it holds (the copy
             * that follows is spurious) */
            peer->hole = 0;
            me->received += peer->held;
            peer->held = 0;
        }
        if (wupd) {
            /* at most 3 MiB in all: the scaled window field stays below 65,536 */
            uint64_t read = me->rcv_acked - me->rcv_prev;
            if (read < 2 * 1460) read = 2 * 1460;
            if (read > (3u << 20) - me->wbonus) read = (3u << 20) - me->wbonus;
            me->wbonus += (uint32_t)read;
        } else if (plen == 0 && (fl & 0x3f) == SG_TCP_ACK) {
            me->rcv_prev = me->rcv_acked;
            me->rcv_acked = me->received;
        }
        put32(l4 + 4, seq);
        put32(l4 + 8, (fl & SG_TCP_ACK) ? ack_of(peer) : 0);
        l4[12] = (uint8_t)((l4h / 4) << 4);
        l4[13] = fl;
        put16(l4 + 14, window_field(me, (fl & SG_TCP_SYN) != 0));
        l4[16] = l4[17] = l4[18] = l4[19] = 0;
        memcpy(l4 + 20, opts, optlen);
        if (copy) {
            /* the missing bytes arrive: the peer acknowledges and counts everything it holds */
            me->sv_valid = 0;
            if (me->hole && me->hole_seq == seq) {
                me->hole = 0;
                peer->received += me->held;
                me->held = 0;
            }
        } else if (mark == SG_PKT_AHEAD && !wupd) {
            me->ahead += plen; /* nxt moves past both when the overtaken segment is built */
            peer->received += plen;
        } else {
            if (mark == SG_PKT_LOST && !keepalive) {
                /* keep its bytes for the copy (the template state has moved on by then) */
                if (inbuf > me->sv_cap) {
                    uint8_t *nb = realloc(me->sv_buf, inbuf);
                    if (!nb) return sg_error_set(err, SG_ERR_NOMEM, "flow %llu: out of memory", (unsigned long long)b->flow_index);
                    me->sv_buf = nb;
                    me->sv_cap = (uint32_t)inbuf;
                }
                if (inbuf) memcpy(me->sv_buf, pl, inbuf);
                me->sv_inbuf = (uint32_t)inbuf;
                me->sv_ext = pay_ext;
                me->sv_sum = pay_sum;
                me->sv_seq = seq;
                me->sv_len = plen;
                me->sv_valid = 1;
                if (!me->hole) me->hole = 1, me->hole_seq = seq;
            }
            me->nxt += plen + ((fl & SG_TCP_SYN) ? 1 : 0) + ((fl & SG_TCP_FIN) ? 1 : 0) + me->ahead;
            me->ahead = 0;
            if (me->hole) me->held += plen;
            else peer->received += plen;
        }
        if (b->use_ts) me->last_tsval = tsval;
    } else if (proto == SG_PROTO_UDP) {
        put16(l4, sp);
        put16(l4 + 2, dp);
        put16(l4 + 4, l4len);
        l4[6] = l4[7] = 0;
    } else if (proto == SG_PROTO_ICMP || proto == SG_PROTO_ICMPV6) {
        int req = d == 0;
        l4[0] = proto == SG_PROTO_ICMP ? (req ? 8 : 0) : (req ? 128 : 129);
        l4[1] = 0;
        l4[2] = l4[3] = 0;
        put16(l4 + 4, b->icmp_id);
        if (req) b->icmp_last_seq = ++b->sd[0].icmp_seq;
        put16(l4 + 6, (uint16_t)b->icmp_last_seq);
    }
    /* L4 checksum over header + in-buffer payload + pool slice */
    if (proto == SG_PROTO_TCP || proto == SG_PROTO_UDP || proto == SG_PROTO_ICMP || proto == SG_PROTO_ICMPV6) {
        uint32_t sum = proto == SG_PROTO_ICMP ? 0 : pseudo;
        sum = sg_csum_partial(l4, l4h + inbuf, sum);
        if (pay_ext) {
            /* a piece starting at an odd offset contributes its byte-swapped sum (RFC 1071) */
            if ((l4h + inbuf) & 1) {
                uint32_t s16 = pay_sum;
                while (s16 >> 16) s16 = (s16 & 0xffff) + (s16 >> 16);
                pay_sum = ((s16 & 0xff) << 8) | (s16 >> 8);
            }
            sum = csum_add(sum, pay_sum);
        }
        uint16_t c = sg_csum_fold(sum);
        if (proto == SG_PROTO_UDP && c == 0) c = 0xffff;
        size_t off = proto == SG_PROTO_TCP ? 16 : (proto == SG_PROTO_UDP ? 6 : 2);
        memcpy(l4 + off, &c, 2);
    }
    *hdr_len = 14 + l3 + l4h + inbuf;
    if (*hdr_len > 14 + l3 + l4h + tmpl_cap) /* a template wrote more than it reserved */
        return sg_error_set(err, SG_ERR_INVALID, "flow %llu: internal error: payload template overflow",
                            (unsigned long long)b->flow_index);
    *pay = pay_ext;
    *pay_len = pay_ext ? (uint32_t)(plen - inbuf) : 0;
    return SG_OK;
}

sg_status sg_packets_build(const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n,
                           const sg_payload_pool *pool, uint64_t seed, uint64_t flow_index,
                           sg_frames *out, sg_error *err)
{
    sg_flow_builder b;
    sg_status st = sg_builder_init(&b, conn, pool, seed, flow_index, n ? pkts[0].t_ns : 0, err);
    if (st != SG_OK) return st;
    /* exact upper bound of the frame bytes: one allocation per flow instead of doubling */
    size_t need = 0;
    uint32_t cnt[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        uint32_t plen = pkts[i].payload_len > 65000 ? 65000 : pkts[i].payload_len;
        int d = pkts[i].dir ? 1 : 0;
        size_t l3 = conn->cli.is_v6 ? 40 : 20;
        int retx = conn->proto == SG_PROTO_TCP && (pkts[i].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_RETX;
        need += 14 + l3 + (conn->proto == SG_PROTO_TCP ? 60 : 8) + (retx ? plen : builder_tmpl_cap(&b, &pkts[i], plen, d, cnt[d]));
        if (plen && !retx && !(conn->proto == SG_PROTO_ICMP || conn->proto == SG_PROTO_ICMPV6 || pkts[i].payload)) cnt[d]++;
    }
    if (frames_reserve(out, n, need))
        return sg_error_set(err, SG_ERR_NOMEM, "flow %llu: out of memory building frames", (unsigned long long)flow_index);
    for (size_t i = 0; i < n; i++) {
        if ((pkts[i].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_AHEAD && pkts[i].payload_len && conn->proto == SG_PROTO_TCP && i + 1 == n) {
            sg_builder_release(&b);
            return sg_error_set(err, SG_ERR_INVALID, "flow %llu: a reordered segment is the flow's last packet",
                                (unsigned long long)flow_index);
        }
        sg_frame *f;
        uint8_t *h = frames_alloc(out, sg_builder_cap(&b, &pkts[i]), &f);
        if (!h) {
            sg_builder_release(&b);
            return sg_error_set(err, SG_ERR_NOMEM, "flow %llu: out of memory building frames", (unsigned long long)flow_index);
        }
        f->t_ns = pkts[i].t_ns;
        f->dir = (uint8_t)(pkts[i].dir ? 1 : 0);
        size_t hl;
        st = sg_builder_next(&b, &pkts[i], h, &hl, &f->pay, &f->pay_len, err);
        if (st != SG_OK) break;
        f->hdr_len = (uint32_t)hl;
        frames_commit(out, f);
    }
    sg_builder_release(&b);
    return st;
}
