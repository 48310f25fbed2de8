/* Bidirectional flow assembly: flow keys, timeouts, TCP close, fragments, packet sequences,
 * and the outputs (flow table, sequence set, atomic CSV writers).
 *
 * Timeouts are evaluated lazily, when the next packet with the same key arrives: since every
 * flow is kept until finish() (the output is sorted by start anyway), this gives exactly the
 * flows a periodic idle scan would give, without scanning. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract_int.h"

#define NONE UINT64_MAX

void sg_extract_opts_default(sg_extract_opts *o)
{
    memset(o, 0, sizeof *o);
    o->idle_timeout_us = 120 * 1000000LL;
    o->active_timeout_us = 1800 * 1000000LL;
    o->tcp_close = 1;
    o->bytes = SG_EXTRACT_BYTES_IP;
    o->frags = SG_EXTRACT_FRAGS_ATTRIBUTE;
    o->tunnels = SG_EXTRACT_TUNNELS_ALL;
}

const char *sg_extract_link_name(sg_extract_link l)
{
    static const char *const n[SG_LINK_COUNT] = {"Ethernet", "Linux SLL", "Linux SLL2", "raw IP",
                                                 "BSD loopback", "other"};
    return (unsigned)l < SG_LINK_COUNT ? n[l] : "?";
}

typedef struct fragkey {
    uint8_t src[16], dst[16];
    uint32_t id, vlan;
    uint8_t proto, ipver, pad[2];
} fragkey;

static int endpoint_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, 16);
    if (c) return c;
    return (pa > pb) - (pa < pb);
}

static void make_key(const sg_extractor *x, const sg_pkt *p, sg_fkey *k)
{
    memset(k, 0, sizeof *k);
    if (endpoint_cmp(p->src, p->sport, p->dst, p->dport) <= 0) {
        memcpy(k->a, p->src, 16), memcpy(k->b, p->dst, 16), k->pa = p->sport, k->pb = p->dport;
    } else {
        memcpy(k->a, p->dst, 16), memcpy(k->b, p->src, 16), k->pa = p->dport, k->pb = p->sport;
    }
    k->vlan = x->o.ignore_vlan ? 0 : p->vlan;
    k->proto = p->proto;
    k->ipver = p->ipver;
}

static void make_fragkey(const sg_extractor *x, const sg_pkt *p, fragkey *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->src, p->src, 16), memcpy(k->dst, p->dst, 16);
    k->id = p->frag_id;
    k->vlan = x->o.ignore_vlan ? 0 : p->vlan;
    k->proto = p->proto;
    k->ipver = p->ipver;
}

void sg_extract_issue_add(sg_extractor *x, sg_extract_issue_kind kind, const char *what)
{
    if (x->st.n_issues >= SG_EXTRACT_MAX_ISSUES) return;
    sg_extract_issue *is = &x->st.issues[x->st.n_issues++];
    is->kind = kind;
    is->capture = x->cur_capture;
    is->packet = x->cur_packet;
    snprintf(is->what, sizeof is->what, "%s", what);
}

static uint64_t frame_bytes(const sg_extractor *x, const sg_pkt *p, uint32_t caplen, uint32_t wirelen)
{
    switch (x->o.bytes) {
    case SG_EXTRACT_BYTES_WIRE: return wirelen;
    case SG_EXTRACT_BYTES_CAPTURED: return caplen;
    default: return p->ip_bytes;
    }
}

static sg_status seq_append(sg_extractor *x, sg_xflow *f, uint64_t fi, int64_t ts, int dir,
                            uint8_t flags, uint32_t payload, uint64_t *elem_out)
{
    *elem_out = NONE;
    if (!x->o.sequences || (x->o.seq_max && f->seq_n >= x->o.seq_max)) return SG_OK;
    sg_xseq e = {ts, NONE, payload, (uint8_t)dir, flags};
    if (sg_vec_push(&x->seq, &e) != SG_OK) return SG_ERR_NOMEM;
    uint64_t ei = x->seq.len - 1;
    f = &SG_VEC_AT(&x->flows, sg_xflow, fi); /* flows did not move, but be explicit */
    if (f->seq_tail == NONE) f->seq_head = ei;
    else SG_VEC_AT(&x->seq, sg_xseq, f->seq_tail).next = ei;
    f->seq_tail = ei;
    f->seq_n++;
    *elem_out = ei;
    return SG_OK;
}

static void account(sg_xflow *f, int dir, uint64_t bytes, int64_t ts)
{
    if (dir) f->bwd_packets++, f->bwd_bytes += bytes;
    else f->fwd_packets++, f->fwd_bytes += bytes;
    if (ts > f->last_us) f->last_us = ts;
    if (ts < f->first_us) f->first_us = ts;
}

static sg_status later_fragment(sg_extractor *x, const sg_pkt *p, int64_t ts, uint64_t bytes)
{
    x->st.frag_later++;
    if (x->o.frags == SG_EXTRACT_FRAGS_DROP) return SG_OK;
    fragkey k;
    make_fragkey(x, p, &k);
    uint64_t idx;
    if (!sg_hashmap_get(x->fragmap, &k, sizeof k, &idx)) {
        sg_extract_issue_add(x, SG_ISSUE_ORPHAN_FRAG, "IP fragment whose first fragment was not seen");
        return SG_OK;
    }
    sg_xfrag *fr = &SG_VEC_AT(&x->frags, sg_xfrag, idx);
    sg_xflow *f = &SG_VEC_AT(&x->flows, sg_xflow, fr->flow);
    int dir = memcmp(p->src, f->src, 16) != 0;
    account(f, dir, bytes, ts);
    x->st.frag_attributed++;
    x->st.flow_packets++;
    /* the sequence describes L4 segments: a fragment extends its datagram's element */
    if (fr->elem != NONE) SG_VEC_AT(&x->seq, sg_xseq, fr->elem).payload += p->l4_payload;
    if (!p->frag_more) sg_hashmap_remove(x->fragmap, &k, sizeof k);
    return SG_OK;
}

static sg_status new_flow(sg_extractor *x, const sg_pkt *p, const sg_fkey *k, int64_t ts, uint64_t *fi)
{
    sg_xflow f;
    memset(&f, 0, sizeof f);
    f.key = *k;
    /* initiator: receiver of a SYN+ACK (we missed the SYN), else the sender */
    int swap = p->proto == 6 && (p->tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == (SG_TCP_SYN | SG_TCP_ACK);
    if (!swap) {
        memcpy(f.src, p->src, 16), memcpy(f.dst, p->dst, 16), f.sport = p->sport, f.dport = p->dport;
    } else {
        memcpy(f.src, p->dst, 16), memcpy(f.dst, p->src, 16), f.sport = p->dport, f.dport = p->sport;
    }
    if (p->proto == 1 || p->proto == 58) f.dport = (uint16_t)(p->icmp_type << 8 | p->icmp_code);
    f.vlan = p->vlan;
    f.ipver = p->ipver;
    f.proto = p->proto;
    f.first_us = f.last_us = ts;
    f.seq_head = f.seq_tail = NONE;
    if (sg_vec_push(&x->flows, &f) != SG_OK) return SG_ERR_NOMEM;
    *fi = x->flows.len - 1;
    return SG_OK;
}

/* The responder sent a SYN without ACK before any such SYN was seen (the flow was opened by
 * a stray packet of the other side): that SYN's sender is the initiator, so turn the flow round. */
static void flip(sg_extractor *x, sg_xflow *f)
{
    uint8_t t[16];
    memcpy(t, f->src, 16), memcpy(f->src, f->dst, 16), memcpy(f->dst, t, 16);
    uint16_t p = f->sport;
    f->sport = f->dport, f->dport = p;
    uint64_t a = f->fwd_packets, b = f->fwd_bytes;
    f->fwd_packets = f->bwd_packets, f->fwd_bytes = f->bwd_bytes;
    f->bwd_packets = a, f->bwd_bytes = b;
    f->closed = (uint8_t)((f->closed & 4) | (f->closed & 1) << 1 | (f->closed & 2) >> 1);
    for (uint64_t e = f->seq_head; e != NONE; e = SG_VEC_AT(&x->seq, sg_xseq, e).next)
        SG_VEC_AT(&x->seq, sg_xseq, e).dir ^= 1;
}

static int flow_closed(const sg_xflow *f) { return (f->closed & 4) || (f->closed & 3) == 3; }

/* ---- flow table ----------------------------------------------------------------------------
 * Our own open-addressing table rather than sg_hashmap: the key is a fixed 48-byte struct kept
 * inside the flow record, so a slot is 16 bytes (hash + flow index) and no key copy is made;
 * hashing is 3 64x64->128 multiplies. Measured on 533k packets (bench/extract.sh input):
 * 0.115 s -> see docs/extract.md for the before/after figures. */
__extension__ typedef unsigned __int128 sg_u128;

static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    sg_u128 r = (sg_u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

_Static_assert(offsetof(sg_fkey, pa) == 32 && offsetof(sg_fkey, pb) == 34 && offsetof(sg_fkey, vlan) == 36 &&
                   offsetof(sg_fkey, proto) == 40 && offsetof(sg_fkey, ipver) == 41 && sizeof(sg_fkey) == 48,
               "fkey_hash builds words 4 and 5 from these fields");
static uint64_t fkey_hash(const sg_fkey *k)
{
    uint64_t w[6];
    memcpy(w, k, 32); /* the addresses: loads inside the 16-byte stores that wrote them */
    /* the ports, VLAN, protocol and version as the key's words 4 and 5 (little-endian layout,
     * padding zero), built from the fields: one 8-byte load over the 2- and 4-byte stores that
     * make_key just did cannot be store-forwarded, and that stall was ~20 % of
     * sg_extract_ingest's samples */
    w[4] = (uint64_t)k->pa | (uint64_t)k->pb << 16 | (uint64_t)k->vlan << 32;
    w[5] = (uint64_t)k->proto | (uint64_t)k->ipver << 8;
    uint64_t h = mix64(w[0] ^ 0xa0761d6478bd642fULL, w[1] ^ 0xe7037ed1a0b428dbULL) ^
                 mix64(w[2] ^ 0x8ebc6af09c88c6e3ULL, w[3] ^ 0x589965cc75374cc3ULL) ^
                 mix64(w[4] ^ 0x1d8e4e27c47d124fULL, w[5] ^ 0xeb44accab455d165ULL);
    h = mix64(h, 0x9e3779b97f4a7c15ULL);
    return h ? h : 1;
}

static sg_ftslot *tab_find(const sg_extractor *x, const sg_fkey *k, uint64_t h)
{
    size_t mask = x->tab_cap - 1, i = h & mask;
    for (;;) {
        sg_ftslot *s = &x->tab[i];
        if (s->hash == 0) return s;
        if (s->hash == h && memcmp(&SG_VEC_AT(&x->flows, sg_xflow, s->flow).key, k, sizeof *k) == 0) return s;
        i = (i + 1) & mask;
    }
}

static int tab_grow(sg_extractor *x)
{
    size_t ncap = x->tab_cap * 2;
    sg_ftslot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t i = 0; i < x->tab_cap; i++) {
        if (!x->tab[i].hash) continue;
        size_t j = x->tab[i].hash & (ncap - 1);
        while (ns[j].hash) j = (j + 1) & (ncap - 1);
        ns[j] = x->tab[i];
    }
    free(x->tab);
    x->tab = ns;
    x->tab_cap = ncap;
    return 0;
}

sg_status sg_extract_ingest(sg_extractor *x, int dlt, int64_t ts, const uint8_t *data, uint32_t caplen,
                            uint32_t wirelen, sg_error *err)
{
    if (x->have_last_ts && ts < x->last_ts) {
        x->st.time_backwards++;
        sg_extract_issue_add(x, SG_ISSUE_TIME_BACKWARDS, "timestamp earlier than the previous packet");
    } else {
        x->last_ts = ts, x->have_last_ts = 1;
    }
    sg_pkt p;
    sg_dissect_result r = sg_dissect(dlt, data, caplen, wirelen, (int)x->o.tunnels, &p);
    switch (r) {
    case SG_DIS_NON_IP: x->st.non_ip++; return SG_OK;
    case SG_DIS_TRUNCATED:
        x->st.truncated++;
        sg_extract_issue_add(x, SG_ISSUE_TRUNCATED, p.why);
        return SG_OK;
    case SG_DIS_MALFORMED:
        x->st.malformed++;
        sg_extract_issue_add(x, SG_ISSUE_MALFORMED, p.why);
        return SG_OK;
    default: break;
    }
    if (p.tunnel) x->st.tunneled[p.tunnel]++;
    if (p.ipver == 4) x->st.ipv4++;
    else x->st.ipv6++;
    x->st.proto[p.proto]++;
    uint64_t bytes = frame_bytes(x, &p, caplen, wirelen);
    if (r == SG_DIS_LATER_FRAG) return later_fragment(x, &p, ts, bytes);

    sg_fkey k;
    make_key(x, &p, &k);
    uint64_t h = fkey_hash(&k);
    sg_ftslot *slot = tab_find(x, &k, h);
    uint64_t fi = slot->flow;
    int fresh = slot->hash == 0;
    if (!fresh) {
        const sg_xflow *f = &SG_VEC_AT(&x->flows, sg_xflow, fi);
        int64_t gap = ts - f->last_us;
        if ((x->o.idle_timeout_us > 0 && gap > x->o.idle_timeout_us) ||
            (x->o.active_timeout_us > 0 && ts - f->first_us > x->o.active_timeout_us) ||
            (x->o.tcp_close && p.proto == 6 && flow_closed(f) &&
             (p.tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN))
            fresh = 1;
    }
    if (fresh) {
        int empty = slot->hash == 0;
        if (new_flow(x, &p, &k, ts, &fi) != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "out of memory (flows)");
        if (empty) {
            /* the new flow owns the key now: a later flow with the same key replaces it in the
             * slot; the old one stays in x->flows for the output */
            if ((x->tab_n + 1) * 10 > x->tab_cap * 7) {
                if (tab_grow(x)) return sg_error_set(err, SG_ERR_NOMEM, "out of memory (flow table)");
                slot = tab_find(x, &k, h);
            }
            x->tab_n++;
            slot->hash = h;
        }
        slot->flow = fi;
    }
    sg_xflow *f = &SG_VEC_AT(&x->flows, sg_xflow, fi);
    int dir = !(memcmp(p.src, f->src, 16) == 0 && p.sport == f->sport);
    if (p.proto == 6 && (p.tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN) {
        if (dir && !f->syn_seen) {
            flip(x, f);
            dir = 0;
        }
        f->syn_seen = 1;
    }
    account(f, dir, bytes, ts);
    f->flags |= p.tcp_flags;
    if (p.tcp_flags & SG_TCP_RST) f->closed |= 4;
    if (p.tcp_flags & SG_TCP_FIN) f->closed |= dir ? 2 : 1;
    x->st.flow_packets++;
    uint64_t elem;
    if (seq_append(x, f, fi, ts, dir, p.tcp_flags, p.l4_payload, &elem) != SG_OK)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory (sequences)");
    if (p.is_frag && p.frag_more && x->o.frags == SG_EXTRACT_FRAGS_ATTRIBUTE) {
        x->st.frag_first++;
        fragkey fk;
        make_fragkey(x, &p, &fk);
        sg_xfrag fr = {fi, elem};
        int ins;
        uint64_t *v = sg_hashmap_upsert(x->fragmap, &fk, sizeof fk, x->frags.len, &ins);
        if (!v) return sg_error_set(err, SG_ERR_NOMEM, "out of memory (fragments)");
        if (ins) {
            if (sg_vec_push(&x->frags, &fr) != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        } else {
            SG_VEC_AT(&x->frags, sg_xfrag, *v) = fr; /* IP id reused: the newest datagram wins */
        }
    } else if (p.is_frag && p.frag_more) {
        x->st.frag_first++;
    }
    return SG_OK;
}

/* ---- finish and outputs ------------------------------------------------------------------ */

/* Output order: start time, ties in creation order. The sort key is copied next to the index,
 * so the comparator needs no context (C17 qsort has none; a global made finish non-reentrant:
 * two extractors finishing in two threads sorted with each other's flows). */
typedef struct order_key {
    int64_t first_us;
    uint64_t idx;
} order_key;

static int order_cmp(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->first_us != y->first_us) return x->first_us < y->first_us ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx); /* stable: creation order */
}

sg_status sg_extractor_finish(sg_extractor *x, sg_error *err)
{
    if (x->finished) return SG_OK;
    size_t n = x->flows.len;
    x->order = malloc((n ? n : 1) * sizeof *x->order);
    order_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!x->order || !keys) {
        free(keys);
        free(x->order);
        x->order = NULL;
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    const sg_xflow *fl = x->flows.data;
    for (size_t i = 0; i < n; i++) keys[i] = (order_key){fl[i].first_us, i};
    if (n > 1) qsort(keys, n, sizeof *keys, order_cmp);
    for (size_t i = 0; i < n; i++) x->order[i] = keys[i].idx;
    free(keys);
    x->st.flows = n;
    x->finished = 1;
    if (x->prog) {
        sg_progress_destroy(x->prog);
        x->prog = NULL;
    }
    return SG_OK;
}

size_t sg_extractor_flow_count(const sg_extractor *x) { return x->flows.len; }

static void addr_text(const uint8_t *a, int ipver, char *buf)
{
    if (!inet_ntop(ipver == 4 ? AF_INET : AF_INET6, a, buf, SG_ADDR_MAX)) snprintf(buf, SG_ADDR_MAX, "?");
}

static void to_flow(const sg_xflow *f, sg_flow *o)
{
    memset(o, 0, sizeof *o);
    o->start_us = f->first_us;
    o->duration_us = f->last_us - f->first_us;
    o->proto = f->proto;
    o->flags = f->flags;
    o->src_port = f->sport;
    o->dst_port = f->dport;
    addr_text(f->src, f->ipver, o->src_ip);
    addr_text(f->dst, f->ipver, o->dst_ip);
    o->fwd_packets = f->fwd_packets, o->fwd_bytes = f->fwd_bytes;
    o->bwd_packets = f->bwd_packets, o->bwd_bytes = f->bwd_bytes;
}

sg_status sg_extractor_flows(const sg_extractor *x, sg_flow_table *t, sg_error *err)
{
    if (!x->finished) return sg_error_set(err, SG_ERR_INVALID, "extract: flows requested before finish");
    for (size_t i = 0; i < x->flows.len; i++) {
        sg_flow fl;
        to_flow(&SG_VEC_AT(&x->flows, sg_xflow, x->order[i]), &fl);
        if (sg_flow_table_push(t, &fl) != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    return SG_OK;
}

const char *sg_extract_symbol(int to_responder, int is_tcp, uint8_t flags)
{
    /* 2 directions x 64 flag sets, built once: "<" or ">" + letters in F S R P A U order */
    static char table[2][64][8];
    static int built;
    if (!built) {
        static const char letters[] = "FSRPAU";
        for (int d = 0; d < 2; d++)
            for (int m = 0; m < 64; m++) {
                char *s = table[d][m];
                *s++ = d ? '<' : '>';
                for (int b = 0; b < 6; b++)
                    if (m & (1 << b)) *s++ = letters[b];
                *s = 0;
            }
        built = 1;
    }
    if (!is_tcp) return to_responder ? ">" : "<";
    return table[to_responder ? 0 : 1][flags & 63];
}

/* Fill per-sequence arrays of flow f (sized f->seq_n). */
static void seq_arrays(const sg_extractor *x, const sg_xflow *f, const char **sym, int64_t *iat,
                       int64_t *pay)
{
    uint64_t e = f->seq_head;
    int64_t prev = 0;
    for (uint32_t i = 0; i < f->seq_n && e != NONE; i++) {
        const sg_xseq *s = &SG_VEC_AT(&x->seq, sg_xseq, e);
        sym[i] = sg_extract_symbol(s->dir == 0, f->proto == 6, s->flags);
        int64_t d = i ? s->ts_us - prev : 0;
        iat[i] = d < 0 ? 0 : d;
        if (!i || s->ts_us > prev) prev = s->ts_us;
        pay[i] = s->payload;
        e = s->next;
    }
}

static int32_t service_port(const sg_xflow *f)
{
    return (f->proto == 6 || f->proto == 17 || f->proto == 132 || f->proto == 33 || f->proto == 136)
               ? f->dport
               : -1;
}

typedef struct seq_buf {
    const char **sym;
    int64_t *iat, *pay;
    size_t cap;
} seq_buf;

static int seq_buf_fit(seq_buf *b, size_t n)
{
    if (n <= b->cap) return 0;
    size_t c = b->cap ? b->cap : 64;
    while (c < n) c *= 2;
    const char **s = realloc(b->sym, c * sizeof *s);
    if (!s) return -1;
    b->sym = s;
    int64_t *i = realloc(b->iat, c * sizeof *i);
    if (!i) return -1;
    b->iat = i;
    int64_t *p = realloc(b->pay, c * sizeof *p);
    if (!p) return -1;
    b->pay = p;
    b->cap = c;
    return 0;
}

static void seq_buf_free(seq_buf *b)
{
    free(b->sym), free(b->iat), free(b->pay);
}

sg_status sg_extractor_sequences(const sg_extractor *x, sg_seq_set *s, sg_error *err)
{
    if (!x->finished) return sg_error_set(err, SG_ERR_INVALID, "extract: sequences requested before finish");
    if (!x->o.sequences) return sg_error_set(err, SG_ERR_INVALID, "extract: sequences were not recorded");
    seq_buf b = {0};
    sg_status st = SG_OK;
    for (size_t i = 0; i < x->flows.len && st == SG_OK; i++) {
        const sg_xflow *f = &SG_VEC_AT(&x->flows, sg_xflow, x->order[i]);
        if (seq_buf_fit(&b, f->seq_n)) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        seq_arrays(x, f, b.sym, b.iat, b.pay);
        uint32_t *ids = malloc((f->seq_n ? f->seq_n : 1) * sizeof *ids);
        if (!ids) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        for (uint32_t j = 0; j < f->seq_n && st == SG_OK; j++) {
            int64_t id = sg_seq_set_intern(s, b.sym[j]);
            if (id < 0) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            else ids[j] = (uint32_t)id;
        }
        char name[24];
        snprintf(name, sizeof name, "%zu", i + 1);
        if (st == SG_OK)
            st = sg_seq_set_add(s, name, f->proto, service_port(f), -1, f->seq_n, ids, b.iat, b.pay);
        if (st != SG_OK && !err->msg[0]) sg_error_set(err, st, "extract: cannot add sequence %s", name);
        free(ids);
    }
    seq_buf_free(&b);
    return st;
}

sg_status sg_extractor_write(const sg_extractor *x, const char *flows_path, sg_flow_format fmt,
                             const char *seq_path, sg_error *err)
{
    if (!x->finished) return sg_error_set(err, SG_ERR_INVALID, "extract: write before finish");
    if (seq_path && !x->o.sequences)
        return sg_error_set(err, SG_ERR_INVALID, "extract: sequences were not recorded");
    sg_flow_writer *fw = NULL;
    sg_seq_writer *sw = NULL;
    seq_buf b = {0};
    sg_status st = sg_flow_writer_open(&fw, flows_path, fmt, err);
    if (st == SG_OK && seq_path) st = sg_seq_writer_open(&sw, seq_path, err);
    for (size_t i = 0; st == SG_OK && i < x->flows.len; i++) {
        const sg_xflow *f = &SG_VEC_AT(&x->flows, sg_xflow, x->order[i]);
        sg_flow fl;
        to_flow(f, &fl);
        st = sg_flow_writer_write(fw, &fl, err);
        if (st != SG_OK || !sw) continue;
        if (seq_buf_fit(&b, f->seq_n)) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        seq_arrays(x, f, b.sym, b.iat, b.pay);
        char name[24];
        snprintf(name, sizeof name, "%zu", i + 1);
        st = sg_seq_writer_write(sw, name, f->proto, service_port(f), f->seq_n, b.sym, b.iat, b.pay, err);
    }
    seq_buf_free(&b);
    if (st != SG_OK) {
        sg_flow_writer_abort(fw);
        sg_seq_writer_abort(sw);
        return st;
    }
    /* sequences first: if the flow file commits, its sequences are already in place */
    if (sw && (st = sg_seq_writer_close(sw, err)) != SG_OK) {
        sg_flow_writer_abort(fw);
        return st;
    }
    return sg_flow_writer_close(fw, err);
}
