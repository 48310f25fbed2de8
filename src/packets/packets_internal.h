/* Internals shared by the packets module's files (not a public API). */
#ifndef SECGEN_PACKETS_INTERNAL_H
#define SECGEN_PACKETS_INTERNAL_H

#include "secgen/packets.h"

struct sg_payload_pool {
    uint8_t *data;
    size_t size;      /* bytes, even */
    uint16_t *prefix; /* prefix[k] = sum of the first k native 16-bit words, mod 0xffff (small: cache-resident) */
    uint8_t *alpha;   /* SG_ALPHA_POOL random lower-case letters: text padding is a copied slice of it */
};
#define SG_ALPHA_POOL 65536

/* Per-flow payload synthesis state. */
#define SG_DNS_PENDING 4
#define SG_DNS_QMAX 96 /* longest question dns_query writes: 80-byte name + type + class */
#define SG_HTTP_HEAD_MAX 400 /* longest HTTP head the templates hold (request line, Host, User-Agent, Accept) */
typedef struct sg_payload_state {
    const sg_pkt_conn *conn;
    const sg_payload_pool *pool;
    sg_rng *r;
    uint32_t count[2]; /* payload-carrying packets so far, per direction */
    int kind;          /* template family chosen from the service port */
    uint16_t dns_id;
    uint8_t qlen;      /* last DNS question (wire form) */
    uint8_t qname[255 + 4];
    /* DNS queries not answered yet, oldest first: each response answers one (a response with none
     * pending repeats the last answer) */
    uint32_t msg_more;    /* of the packet being built (sg_pkt.msg_more) */
    uint32_t cont_left[2]; /* bytes of the current message still to come, per direction */
    /* an HTTP head longer than its message's first segment: the rest, written into the next ones */
    uint8_t held[2][SG_HTTP_HEAD_MAX];
    uint16_t held_len[2], held_off[2];
    uint8_t pad_end[2]; /* 1: the message is a head only: after held, padding letters and "\r\n\r\n" */
    uint8_t tls_hello;  /* the client's ClientHello was written (the server may answer with its hello) */
    uint8_t pq_n;
    uint8_t pq_len[SG_DNS_PENDING];
    uint16_t pq_id[SG_DNS_PENDING];
    uint8_t pq_name[SG_DNS_PENDING][SG_DNS_QMAX];
    char name[80];         /* HTTP / TLS: the server's name (Host, SNI) */
    uint32_t nq, nr;       /* DNS queries / responses written: index of the keyed choices */
    /* sg_packets_app_walk: each template reports its message here (NULL when building frames) */
    sg_app_event_fn ev;
    void *ev_ctx;
    sg_app_event *evbuf;
} sg_payload_state;

void sg_payload_state_init(sg_payload_state *ps, const sg_pkt_conn *conn, const sg_payload_pool *pool, sg_rng *r);
/* Templates (templates.c): how many leading bytes of payload number idx (per direction) a
 * template writes into the frame (0 = none; the rest comes from the pool), and writing them.
 * Returns the count actually written (<= cap). */
size_t sg_tmpl_cap(sg_payload_state *ps, int dir, uint32_t idx, uint32_t len);
size_t sg_tmpl_write(sg_payload_state *ps, int dir, uint32_t idx, uint32_t len, uint8_t *out);

/* Payload sizes and message bounds a template needs, applied to a flow's final packet list: DNS
 * responses sized so each answers the oldest pending query exactly (question echoed, then whole
 * answer records or none), DNS messages at most one datagram (changes bytes by at most 14 per
 * response); HTTP messages marked on their first segment (msg_more), sizes unchanged. */
void sg_payload_fix_sizes(const sg_pkt_conn *c, sg_pkt *p, size_t n);

/* 1 when the client of this connection reaches its server by name (HTTP, TLS): a lookup precedes it */
int sg_payload_named_service(const sg_pkt_conn *c);
/* vocabulary internals (vocab.c) */
void sg_app_vocab_builtin_init(void);
const sg_app_vocab *sg_app_vocab_or_builtin(const sg_app_vocab *v);
const char *sg_app_pick(const sg_app_vocab *v, sg_app_list list, double u); /* by weight, u in [0,1) */
size_t sg_app_name_wire(const char *name);
/* a LAN address (RFC 1918, link-local, CGN; IPv6 ULA and link-local): internal names, lookups */
int sg_app_addr_private(const uint8_t *a, int v6);

/* ---- name resolution before connections (resolve.c) ----
 * Which resolver a client asks (the config's DNS server it may use, else the model's "DNS" host),
 * a cache of (client, server) -> expiry honouring the answer's TTL, and the lookup flow itself:
 * a UDP query from an ephemeral port at the connection's start and the answer one resolver RTT
 * later; the connection then starts after the answer. */
typedef struct sg_resolver sg_resolver;
sg_status sg_resolver_create(const sg_netcfg *cfg, const sg_netmap *nm, sg_resolver **out, sg_error *err);
void sg_resolver_destroy(sg_resolver *r);
/* 1 if conn (starting at t_ns) needs a lookup first: *dconn and dpkts (cleared) get the lookup
 * flow, *delay_ns how much later the connection starts. 0: none (not named, cached, no resolver). */
int sg_resolver_before(sg_resolver *r, const sg_pkt_conn *conn, int64_t t_ns, uint64_t seed, uint64_t flow_index,
                       sg_pkt_conn *dconn, sg_vec *dpkts, int64_t *delay_ns, int *cached, sg_status *st);

/* smallest payload a packet of this service may carry (DNS: a message with a question) */
uint32_t sg_payload_min_len(const sg_pkt_conn *c, int dir);

/* bytes sg_payload_fill may write into the frame buffer for this packet */
size_t sg_payload_template_cap(const sg_payload_state *ps, int dir, uint32_t len);
/* the same for payload number idx of that direction (lets a builder size its buffer up front) */
size_t sg_payload_template_cap_at(const sg_payload_state *ps, int dir, uint32_t idx, uint32_t len);
/* Writes the first k bytes of the payload into out and returns k; the remaining len-k bytes are
 * a pool slice *ext (checksum partial *ext_sum, as if it started at an even offset), or *ext is
 * NULL when k == len. */
size_t sg_payload_fill(sg_payload_state *ps, int dir, uint32_t len, uint8_t *out, const uint8_t **ext,
                       uint32_t *ext_sum);


/* pcap writer internals (pcap.c): referencing writes (pieces must stay valid until the next
 * sync; copy = 0) and the sync itself */
sg_status sg_pcap_writer_write_ref(sg_pcap_writer *w, int64_t t_ns, const void *a, size_t alen, const void *b,
                                   size_t blen, int copy, sg_error *err);
sg_status sg_pcap_writer_sync(sg_pcap_writer *w, sg_error *err);
/* Building a frame in place: frame_begin reserves a record with room for cap header bytes in the
 * staging area (*hdr points where the frame starts); frame_end completes it with its time, the
 * header bytes actually written and an optional payload slice (referenced when large). Nothing else
 * may be written to the writer in between. Saves building headers elsewhere and copying them. */
sg_status sg_pcap_writer_frame_begin(sg_pcap_writer *w, size_t cap, uint8_t **hdr, sg_error *err);
sg_status sg_pcap_writer_frame_end(sg_pcap_writer *w, int64_t t_ns, size_t hdr_len, const uint8_t *pay,
                                   size_t pay_len, sg_error *err);

/* sg_packets_tcp_normalize writing into a caller-kept scratch vector (swapped with pkts on
 * success), so a generator reuses its buffers from flow to flow. mode: SG_TCP_NORM_CLOSE appends
 * the close the list lacks (without it a list that ends open stays so: a record that ends before
 * the teardown; a fitted list is checked so); SG_TCP_NORM_MIDSTREAM: the connection was
 * established before the list starts (a record whose meter saw no SYN: NetFlow's timeouts split a
 * long connection, or the capture began after its handshake) — no handshake, sampled SYNs and
 * SYN-ACKs become ACKs, and each side's first pure ACK is kept (it acknowledges what came before);
 * SG_TCP_NORM_OPEN: the record saw no close, FIN and RST flags of the list are dropped. */
enum { SG_TCP_NORM_CLOSE = 1, SG_TCP_NORM_MIDSTREAM = 2, SG_TCP_NORM_OPEN = 4 };
sg_status sg_packets_tcp_normalize_buf(sg_vec *pkts, sg_vec *scratch, uint16_t mss, uint64_t seed,
                                       uint64_t flow_index, int mode, sg_tcp_norm_stats *stats, sg_error *err);

/* typed push onto a vector of sg_pkt: the generic sg_vec_push's memcpy call per element showed
 * as 4 % of generation time */
static inline sg_status sg_pkt_push(sg_vec *v, const sg_pkt *p)
{
    if (v->len == v->cap && sg_vec_reserve(v, v->len + 1) != SG_OK) return SG_ERR_NOMEM;
    ((sg_pkt *)v->data)[v->len++] = *p;
    return SG_OK;
}

/* ---- incremental frame builder (build.c) ---- */
typedef struct sg_build_side {
    const sg_pkt_host *h;
    uint32_t isn, nxt;   /* absolute sequence numbers */
    uint32_t ts_base, last_tsval;
    uint16_t ipid;
    uint32_t flowlabel;
    uint64_t received;   /* payload bytes received from the peer (grows the advertised window) */
    uint32_t icmp_seq;
    /* TCP noise (noise.c): a LOST segment of this side, kept for its RETX copy; while it is
     * missing the peer acknowledges hole_seq and does not count what it holds (held) in its
     * window; ahead = bytes of an AHEAD segment sent out of order, added to nxt after the next one */
    int hole, sv_valid;
    uint32_t hole_seq, ahead;
    uint32_t wbonus;     /* bytes window updates opened the advertised window by (noise only) */
    uint64_t rcv_acked, rcv_prev; /* bytes received at this side's last pure ACK, and the one before */
    uint64_t held;
    uint32_t sv_seq, sv_len, sv_inbuf, sv_sum, sv_cap;
    const uint8_t *sv_ext;
    uint8_t *sv_buf;     /* the saved segment's in-frame payload bytes (malloc; sg_builder_release) */
} sg_build_side;

typedef struct sg_flow_builder {
    sg_pkt_conn conn; /* own copy: sd[].h and ps.conn point into it, so a builder is never moved */
    uint64_t flow_index;
    sg_rng r, pr;
    sg_build_side sd[2];
    sg_payload_state ps;
    uint16_t icmp_id, mss;
    uint32_t icmp_last_seq;
    int use_ts;
    int64_t t0;
} sg_flow_builder;

sg_status sg_builder_init(sg_flow_builder *b, const sg_pkt_conn *conn, const sg_payload_pool *pool, uint64_t seed,
                          uint64_t flow_index, int64_t t0, sg_error *err);
/* frees what a builder allocated (TCP noise copies); the builder may be initialised again */
void sg_builder_release(sg_flow_builder *b);
/* bytes sg_builder_next may write for this packet (its next one) */
size_t sg_builder_cap(const sg_flow_builder *b, const sg_pkt *p);
/* the length of the frame sg_builder_next would build for p (Ethernet + ip_bytes), without
 * building it: a process that writes none of a flow's frames (MPI mode) needs only their sizes */
size_t sg_builder_frame_len(const sg_flow_builder *b, const sg_pkt *p);
/* the next frame of the flow: headers and in-frame payload into h (>= sg_builder_cap bytes),
 * the rest of the payload as a pool slice *pay of *pay_len bytes (NULL, 0 if none). p points into
 * the flow's packet list: an SG_PKT_AHEAD packet reads p[1] (noise.c guarantees it exists). */
sg_status sg_builder_next(sg_flow_builder *b, const sg_pkt *p, uint8_t *h, size_t *hdr_len, const uint8_t **pay,
                          uint32_t *pay_len, sg_error *err);
/* sg_frames_summarize's figures from the packet list alone */
void sg_packets_summarize(const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, sg_frames_summary *s);


/* ---- fitting a packet list to its flow record (fit.c) ----
 * target[d] / bytes[d]: packets / IP bytes of direction d, -1 = unknown (left as they are). */
/* TCP, on a normalised list: removes / inserts packets without breaking the normaliser's rules;
 * *exact = 1 when the counts were reached within max_edits edits (normalise again afterwards).
 * midstream: the list was normalised with SG_TCP_NORM_MIDSTREAM (no handshake before it). */
sg_status sg_packets_fit_tcp(const sg_pkt_conn *c, sg_vec *pkts, const int64_t target[2], const int64_t bytes[2],
                             uint32_t maxp, size_t max_edits, int midstream, int *exact);
/* TCP flows that end in the handshake (S0 with SYN retransmissions, SH, REJ): 1 if rewritten */
int sg_packets_fit_tcp_short(sg_vec *pkts, const int64_t target[2]);
/* UDP / ICMP */
sg_status sg_packets_fit_dgram(sg_vec *pkts, const int64_t target[2], int *exact);
/* payload sizes scaled so each direction's IP bytes (exact header lengths) meet bytes[d], each
 * data payload kept within [the service's minimum, maxp] */
void sg_packets_fit_bytes(const sg_pkt_conn *c, sg_vec *pkts, const int64_t bytes[2], uint32_t maxp);

#endif
