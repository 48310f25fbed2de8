/* secgen packets: flow + packet list -> Ethernet/IPv4/IPv6 + TCP/UDP/ICMP frames with correct
 * lengths, checksums, TCP state (handshake, seq/ack advancing with payload, FIN/RST close,
 * options on SYN), per-host TTL / IP id / MAC; synthetic payloads; a time-ordered k-way merge of
 * many flows' frames; a pcap / pcapng writer.
 *
 * Pipeline for one flow (all randomness from sg_rng keyed by (seed, stream, flow index)):
 *   packet list (sg_pkt: time, direction, TCP flags, payload length), e.g. sampled from a TADAM
 *   automaton  --sg_packets_tcp_normalize-->  a TCP exchange a real stack could have produced
 *   --sg_packets_build-->  sg_frames (headers + payload references)  --sg_merger-->  sg_pcap_writer.
 */
#ifndef SECGEN_PACKETS_H
#define SECGEN_PACKETS_H

#include "secgen/core.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RNG streams used by this module (sg_rng_init(&r, seed, stream, flow_index)). */
enum {
    SG_STREAM_PKT_BUILD = 0x50420001u,   /* ISNs, IP ids, window jitter of one flow */
    SG_STREAM_PKT_NORM = 0x50420002u,    /* inserted handshake / teardown timings */
    SG_STREAM_PKT_POOL = 0x50420003u,    /* the synthetic payload pool (index 0) */
    SG_STREAM_PKT_PAYLOAD = 0x50420004u, /* payload choices (pool offsets, templates) */
    SG_STREAM_PKT_APP = 0x50420031u,     /* application choices (seed = the flow's app_key, index =
                                            message): names, methods, paths, status, DNS ids */
    SG_STREAM_PKT_RESOLVE = 0x50420032u, /* name resolutions before connections (index = flow) */
    SG_STREAM_PKT_NOISE = 0x50420005u    /* TCP noise: which segments are lost or reordered */
};

enum { SG_DIR_FWD = 0, SG_DIR_BWD = 1 }; /* FWD = client -> server (flow src -> dst) */

/* TCP noise marks, in the two high bits of sg_pkt.tcp_flags (the ECE/CWR bits, never generated;
 * frames carry tcp_flags & 0x3f). Set by sg_packets_tcp_noise on a finished packet list:
 *  LOST  a data segment lost after the sensor: captured, not received; the peer keeps
 *        acknowledging its first byte (duplicate ACKs) until its copy arrives; unless a pure ACK
 *        of the peer marked RETX comes first: the segment arrived, that ACK of it was lost after
 *        the sensor, and the copy is a spurious retransmission;
 *  RETX  the retransmission of the last LOST segment of its direction (same sequence number and
 *        bytes), which the receiver then acknowledges with everything after it;
 *  AHEAD a data segment sent after the next packet of the list (a data segment of the same
 *        direction) but captured before it: reordered on the way to the sensor.
 * On a packet without payload (never lost, copied or reordered) the marks mean:
 *  LOST  a keep-alive: sequence number one below the side's next (tshark: "keep-alive");
 *  RETX  the peer's segment marked LOST arrived after all (its copy will be spurious);
 *  AHEAD a window update: the side's window opens (the application read what it had received),
 *        acknowledging nothing new (tshark: "window update"). */
enum { SG_PKT_LOST = 0x40, SG_PKT_RETX = 0x80, SG_PKT_AHEAD = 0xc0, SG_PKT_NOISE_MASK = 0xc0 };

/* One packet of a flow before frame building. */
typedef struct sg_pkt {
    int64_t t_ns;          /* absolute capture time, ns since the Unix epoch */
    uint32_t payload_len;  /* L4 payload bytes */
    uint8_t dir;           /* SG_DIR_FWD / SG_DIR_BWD */
    uint8_t tcp_flags;     /* SG_TCP_* (ignored for UDP/ICMP); the two high bits are TCP noise marks */
    uint32_t msg_more;     /* payload templates: bytes of the same message in later packets of this
                            * direction (an HTTP message or a DNS-over-TCP response spanning
                            * segments); 0 = ends here */
    const uint8_t *payload; /* bytes to use (replay), or NULL = synthesised (see docs/packets.md) */
} sg_pkt;

/* Operating-system flavour of a host: initial TTL, SYN options layout, window, IP id. */
typedef enum sg_os { SG_OS_LINUX = 0, SG_OS_WINDOWS = 1 } sg_os;

typedef struct sg_pkt_host {
    uint8_t mac[6];
    uint8_t is_v6;
    uint8_t ttl;        /* TTL / hop limit as seen at the capture point */
    uint8_t addr[16];   /* IPv4 in addr[0..3] */
    sg_os os;
} sg_pkt_host;

/* Everything the frame builder needs to know about one flow. */
typedef struct sg_pkt_conn {
    uint8_t proto;              /* SG_PROTO_TCP / UDP / ICMP / ICMPV6 */
    uint16_t src_port, dst_port;
    sg_pkt_host cli, srv;       /* client = flow src */
    uint16_t service_port;      /* selects the payload template (usually dst_port) */
    uint8_t taint;              /* set the IPv4 reserved ("evil", RFC 3514) bit, as Fos-R --taint */
    int8_t tcp_ts;              /* TCP timestamps option: 0 = as the client's OS does (Linux: on),
                                   1 / -1 = on / off for this connection (sg_packets_tcp_ts) */
    /* application layer (docs/packets.md "One story across layers"): the vocabulary templates draw
     * names, HTTP methods/paths/status and DNS TTLs from (NULL: a short built-in list), and the key
     * of the flow's choices, so that sg_packets_app_walk repeats them without the frames */
    const struct sg_app_vocab *vocab;
    uint64_t app_key;
    /* a name resolution (DNS over UDP) inserted before a connection: the query asks the name of
     * resolve_addr (the connection's server) and the answer holds that address, TTL resolve_ttl */
    uint8_t resolves, resolve_v6;
    uint8_t resolve_addr[16];
    uint32_t resolve_ttl;
} sg_pkt_conn;

/* ---- application vocabulary ------------------------------------------------------------------------
 * Weighted lists the payload templates draw from: host names (TLS SNI, HTTP Host, DNS questions),
 * HTTP methods, paths and status codes, DNS answer TTLs. The embedded models' lists are learnt from
 * the benign captures (models/app_vocab.json, models/build_vocab.sh; loaded by the generate module).
 * A server keeps one name for the whole run: the name is a function of its address. */
typedef struct sg_app_vocab sg_app_vocab;
typedef enum sg_app_list {
    SG_APP_HOSTS = 0, SG_APP_METHODS, SG_APP_PATHS, SG_APP_STATUS, SG_APP_TTLS, SG_APP_NLISTS
} sg_app_list;
sg_status sg_app_vocab_create(sg_app_vocab **out, sg_error *err);
/* Adds value with weight > 0 to a list. Values a template cannot carry are refused with a message
 * (host names: lower-case DNS names of at most 78 characters with a dot; paths: printable, starting
 * with '/', at most 96 bytes; methods: upper-case token; status: 100-599; TTL: decimal seconds). */
sg_status sg_app_vocab_add(sg_app_vocab *v, sg_app_list list, const char *value, double weight, sg_error *err);
size_t sg_app_vocab_count(const sg_app_vocab *v, sg_app_list list);
void sg_app_vocab_destroy(sg_app_vocab *v);
/* The name of a server (out >= 80 bytes): private addresses get an internal name
 * (<word>[N].corp.internal), public ones a host name of the vocabulary, picked by weight from a
 * hash of the address. v NULL: the built-in list. */
void sg_app_server_name(const sg_app_vocab *v, const uint8_t addr[16], int is_v6, char *out);
/* Resolver cache lifetime of that server's name: a TTL of the vocabulary picked by a hash of the name */
uint32_t sg_app_name_ttl(const sg_app_vocab *v, const char *name);

/* ---- application events: what the payload templates put into a flow --------------------------------
 * sg_packets_app_walk runs the flow's templates over its final packet list (as the frame builder
 * will, same choices) and reports each application message: what the frames of that flow carry. */
typedef enum sg_app_event_type {
    SG_APP_DNS_QUERY = 1, SG_APP_DNS_REPLY, SG_APP_HTTP_REQUEST, SG_APP_HTTP_REPLY, SG_APP_TLS_CLIENT_HELLO,
    SG_APP_TLS_SERVER_HELLO
} sg_app_event_type;
#define SG_APP_MAX_ANSWERS 96 /* a 1472-byte response holds at most 89 */
typedef struct sg_app_event {
    sg_app_event_type type;
    size_t pkt;          /* index of the packet in the list */
    int dir;
    uint32_t len;        /* the packet's payload bytes */
    uint32_t head;       /* bytes of it that are the message head (HTTP), rest is body */
    uint64_t body;       /* HTTP: the message's body bytes (its Content-Length), in all its segments */
    char name[256];      /* DNS question / HTTP Host / TLS SNI ("" if absent) */
    uint16_t dns_id;
    uint16_t n_answers;  /* A records (first SG_APP_MAX_ANSWERS listed) */
    uint8_t answers[SG_APP_MAX_ANSWERS][4];
    uint32_t ttls[SG_APP_MAX_ANSWERS];
    char method[16];
    char uri[128];
    char user_agent[128];
    uint32_t status;
    char status_msg[40];
} sg_app_event;
typedef void (*sg_app_event_fn)(void *ctx, const sg_app_event *e);
void sg_packets_app_walk(const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, sg_app_event_fn fn, void *ctx);

/* ---- TCP normalisation -----------------------------------------------------------------------
 * Turns any TCP packet list (as an automaton samples it) into an exchange a real stack could
 * have produced: a client SYN first (inserted with SYN-ACK/ACK if missing), a SYN-ACK or RST
 * answer, ACK on every segment after the handshake, PSH exactly on data segments, nothing after
 * RST, no data after a side's own FIN, no duplicate pure ACKs (an ACK that acknowledges nothing
 * new is dropped), payloads above the MSS split into MSS-sized segments, and a FIN/ACK teardown
 * appended when the list ends open. Times stay non-decreasing; inserted packets use the flow's
 * RTT estimate. Output replaces *pkts (a sg_vec of sg_pkt). Returns counts of what changed. */
typedef struct sg_tcp_norm_stats {
    size_t inserted, dropped, split; /* packets added / removed / extra segments from splitting */
} sg_tcp_norm_stats;
/* Largest TCP payload per segment for this connection (MSS minus the timestamps option). */
uint16_t sg_packets_max_segment(const sg_pkt_conn *c);
/* Whether the connection's TCP segments carry the timestamps option (12 bytes each). */
int sg_packets_tcp_ts(const sg_pkt_conn *c);
sg_status sg_packets_tcp_normalize(sg_vec *pkts, uint16_t mss, uint64_t seed, uint64_t flow_index,
                                   sg_tcp_norm_stats *stats, sg_error *err);

/* ---- synthetic payload pool -------------------------------------------------------------------
 * A read-only block of pseudo-random bytes drawn once per seed (Philox), with prefix sums of its
 * 16-bit words so the Internet checksum of any even-aligned slice costs O(1). Payloads that have
 * no template are slices of it: random-looking like encrypted traffic, never training bytes. */
typedef struct sg_payload_pool sg_payload_pool;
sg_status sg_payload_pool_create(sg_payload_pool **out, uint64_t seed, size_t size, sg_error *err);
void sg_payload_pool_destroy(sg_payload_pool *p);

/* ---- frames ------------------------------------------------------------------------------------ */
typedef struct sg_frame {
    int64_t t_ns;
    uint32_t hdr_off;  /* headers (Ethernet..L4 + any templated payload) in frames->buf */
    uint32_t hdr_len;
    const uint8_t *pay; /* remaining payload bytes (pool slice), NULL if none */
    uint32_t pay_len;
    uint8_t dir;
    uint8_t _pad[3];
} sg_frame;

typedef struct sg_frames {
    sg_frame *f;
    size_t n, cap;
    uint8_t *buf;
    size_t len, bufcap;
} sg_frames;

void sg_frames_init(sg_frames *fr);
void sg_frames_clear(sg_frames *fr); /* keeps memory */
void sg_frames_free(sg_frames *fr);
size_t sg_frame_len(const sg_frame *f);
/* copy one whole frame into out (>= sg_frame_len bytes) */
void sg_frame_copy(const sg_frames *fr, size_t i, uint8_t *out);

/* Per-flow totals as a flow meter (and `secgen extract`) would see them from the frames. */
typedef struct sg_frames_summary {
    int64_t first_ns, last_ns;
    uint64_t fwd_packets, fwd_bytes, bwd_packets, bwd_bytes; /* bytes = IP bytes */
    uint8_t flags;
} sg_frames_summary;
void sg_frames_summarize(const sg_frames *fr, size_t l2_len, sg_frames_summary *s);

/* Build the frames of one flow. For TCP, pkts should have gone through sg_packets_tcp_normalize
 * (the builder applies flags as given; seq/ack numbers always follow payload, SYN and FIN).
 * Appends to *out (does not clear it). pool may be NULL only if every packet carries its payload
 * bytes or has length 0. */
sg_status sg_packets_build(const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n,
                           const sg_payload_pool *pool, uint64_t seed, uint64_t flow_index,
                           sg_frames *out, sg_error *err);

/* Internet checksum helpers (exposed for tests and extract-side checks). */
uint32_t sg_csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t sg_csum_fold(uint32_t sum);

/* ---- pcap writer ------------------------------------------------------------------------------- */
typedef enum sg_pcap_format {
    SG_PCAP_US = 0, /* classic pcap, microsecond magic 0xa1b2c3d4 */
    SG_PCAP_NS,     /* classic pcap, nanosecond magic 0xa1b23c4d */
    SG_PCAPNG       /* pcapng: SHB + IDB (if_tsresol 9) + EPBs */
} sg_pcap_format;

typedef struct sg_pcap_writer sg_pcap_writer;
/* Atomic: temp file + rename on close. path "-" = stdout. Link type Ethernet, snaplen 262144. */
sg_status sg_pcap_writer_open(sg_pcap_writer **w, const char *path, sg_pcap_format fmt, sg_error *err);
/* one packet given as two pieces (headers, payload); b may be NULL */
sg_status sg_pcap_writer_write(sg_pcap_writer *w, int64_t t_ns, const void *a, size_t alen,
                               const void *b, size_t blen, sg_error *err);
/* A writer over a file that several processes write at once (generate's MPI mode, see
 * docs/mpi.md): fd open for writing, not owned; the global header is written only if `header`.
 * Each process writes the frames it owns at their offsets and passes the others to
 * sg_pcap_writer_skip, which checks and counts them like written ones and only advances the
 * offset. close syncs and commits nothing (the caller owns the file). */
sg_status sg_pcap_writer_open_shared(sg_pcap_writer **w, int fd, const char *name, sg_pcap_format fmt, int header,
                                     sg_error *err);
sg_status sg_pcap_writer_skip(sg_pcap_writer *w, int64_t t_ns, size_t len, sg_error *err);
uint64_t sg_pcap_writer_packets(const sg_pcap_writer *w);
uint64_t sg_pcap_writer_bytes(const sg_pcap_writer *w); /* frame bytes written (no record headers) */
sg_status sg_pcap_writer_close(sg_pcap_writer *w, sg_error *err); /* commit; frees w */
void sg_pcap_writer_abort(sg_pcap_writer *w);                     /* frees w; NULL ok */

/* ---- k-way time-ordered merge -------------------------------------------------------------------
 * Flows are added with their frames (ownership passes to the merger) and a flow index; frames
 * leave in global order (t_ns, flow index, position in flow) through sg_merger_flush, which writes
 * every pending frame with t_ns <= upto_ns. Callers feed flows in start-time order and flush up to
 * the start of the last flow added: memory holds only flows still open at that time. */
typedef struct sg_merger sg_merger;
sg_merger *sg_merger_create(void);
void sg_merger_destroy(sg_merger *m);
/* takes *fr's contents (fr is left empty and reusable) */
sg_status sg_merger_add(sg_merger *m, sg_frames *fr, uint64_t flow_index, sg_error *err);
/* Adds a flow by its packet descriptors instead (*pkts is swapped for an empty vector): its frames
 * are built when sg_merger_flush writes them, byte-identical to sg_packets_build with the same
 * arguments, while the merger holds 24 bytes per pending packet instead of its headers. pool must
 * outlive the flow's frames. */
sg_status sg_merger_add_lazy(sg_merger *m, sg_vec *pkts, const sg_pkt_conn *conn, const sg_payload_pool *pool,
                             uint64_t seed, uint64_t flow_index, sg_error *err);
sg_status sg_merger_flush(sg_merger *m, int64_t upto_ns, sg_pcap_writer *w, sg_error *err);
size_t sg_merger_open_flows(const sg_merger *m);
/* Called once per frame sg_merger_flush writes, in pcap order, with the flow index given to
 * sg_merger_add / sg_merger_add_lazy (the per-packet label file's hook). NULL: none. */
typedef void (*sg_merger_frame_fn)(void *ctx, uint64_t flow_index);
void sg_merger_set_frame_observer(sg_merger *m, sg_merger_frame_fn fn, void *ctx);
/* Which frames this process writes (generate's MPI mode: its time slices): 1 write, 0 skip (the
 * frame is still built, for the flow's header state, and sg_pcap_writer_skip advances the offset).
 * The frame observer sees every frame either way. NULL: all. */
typedef int (*sg_merger_filter_fn)(void *ctx, int64_t t_ns);
void sg_merger_set_frame_filter(sg_merger *m, sg_merger_filter_fn fn, void *ctx);

/* ---- network mapping ------------------------------------------------------------------------------
 * Flow endpoints (as the flow model emits them) -> hosts of the network (sg_pkt_host: address, MAC,
 * OS, TTL). Without a config: addresses are kept; anonymised names ("EXT_SERVER", "11529_47",
 * "DNS") map deterministically to plausible public IPv4 addresses; private hosts get an
 * OpenStack-style MAC (fa:16:3e + hash), public ones the gateway's MAC. With a config: a flow to
 * a private (model) server goes to a config host offering the service (consistent weighted
 * rendezvous hash of the model address, weights = usage), its client to a config host that uses the
 * service (client list, talks_to), flows outside a client's activity hours are thinned. Every
 * mapped flow has a config host as an endpoint (a public-to-public flow gets a config client);
 * public servers stay public unless the config names public hosts offering the service; a client
 * with talks_to uses only those servers. Read-only after creation: safe from several threads. */
typedef struct sg_netmap sg_netmap;
sg_status sg_netmap_create(const sg_netcfg *cfg, sg_netmap **out, sg_error *err); /* cfg may be NULL; kept by reference */
void sg_netmap_destroy(sg_netmap *m);
typedef enum sg_netmap_result {
    SG_NETMAP_OK = 0,
    SG_NETMAP_BAD_ADDR,      /* an address that cannot be mapped (e.g. v4/v6 mix) */
    SG_NETMAP_NO_SERVER,     /* no host of the config offers the service */
    SG_NETMAP_NO_CLIENT,     /* no host of the config uses the service (or may talk to the server) */
    SG_NETMAP_INACTIVE       /* dropped by the client's activity profile */
} sg_netmap_result;
/* Rewrites f's addresses/ports to the network and fills conn. rng decides activity thinning. */
sg_netmap_result sg_netmap_flow(const sg_netmap *m, sg_flow *f, sg_rng *rng, sg_pkt_conn *conn);
/* The identity (MAC, OS, TTL) a flow's endpoint gets: a config host's interface for one of its
 * addresses, else the hashed identity of a host outside the config (want_v6: -1 any, 0/1 forces
 * the family of an anonymised name). Used by injected attacks, so they match the benign traffic. */
void sg_netmap_host(const sg_netmap *m, const char *ip_or_name, int want_v6, sg_pkt_host *out);
/* Deterministic plausible public IPv4 for an anonymised name (out >= 16 bytes) */
void sg_netmap_public_v4(const char *name, uint8_t out[4]);

/* ---- TCP noise (docs/packets.md "Noise") ------------------------------------------------------------
 * Rates per TCP data segment, measured on real captures (models/tcp_noise.py -> models/noise.json):
 * loss = lost after the sensor and retransmitted, fast_share = the share of those retransmitted
 * after >= 2 duplicate ACKs (tshark's "fast"; a reference, generation uses dupack*_share),
 * reorder = overtaken by the next segment; the rest below. */
typedef struct sg_tcp_noise_rates {
    double loss, fast_share, reorder;
    double dupack_share;   /* of the losses with later segments behind them: >= 1 duplicate ACK */
    double dupack2_share;  /* of those: >= 2 duplicate ACKs (the copy after up to 3) */
    double spurious_share; /* of the losses: the segment arrived, its ACK was lost after the sensor */
    double keepalive;     /* per idle gap of >= 1 s in a connection: a keep-alive and its ACK */
    double window_update; /* per data segment received: a window update follows (the application read it) */
    /* version 3: of the losses, the share with later segments of the side sent behind them before
     * the copy; and per row (1, 2, >= 3 segments behind) the shares with 0, 1, 2, >= 3 duplicate
     * ACKs of the hole before the copy. Rows summing to 0 (a version-2 profile): derived from
     * dupack_share / dupack2_share, and a loss has segments behind only with duplicate ACKs. */
    double behind_share;
    double trains[3][4];
} sg_tcp_noise_rates;
#define SG_TCP_NOISE_SERVICES 32
typedef struct sg_tcp_noise {
    sg_tcp_noise_rates global;                      /* services not listed */
    size_t n;
    uint16_t port[SG_TCP_NOISE_SERVICES];           /* server port */
    sg_tcp_noise_rates rates[SG_TCP_NOISE_SERVICES];
} sg_tcp_noise;
const sg_tcp_noise_rates *sg_tcp_noise_for(const sg_tcp_noise *nz, uint16_t server_port);
/* Marks noise on a finished TCP packet list (normalised and count-fitted). Packet counts per
 * direction stay (NetFlow counts retransmissions, so the record's counts already hold them): a
 * retransmission replaces a later data segment of its side; a duplicate ACK, keep-alive, its ACK
 * or window update replaces a later pure ACK of its side where one can go, else it is added
 * (st->on_top) — unless bit d of fixed says direction d's count is the record's: then that event
 * is left out. Segments above maxp bytes are left alone. Payload lengths of copies are set by
 * sg_packets_tcp_noise_sync after the byte fit. */
typedef struct sg_tcp_noise_stats {
    size_t lost, reordered, dup_acks, on_top, keepalives, window_updates, spurious;
    size_t left_out; /* ACKs (or keep-alive pairs) not generated: no pure ACK to take the place of, count fixed */
    size_t keepalive_acks_first; /* a silent peer's ACK before the gap, so its keep-alive ACK repeats one */
} sg_tcp_noise_stats;
sg_status sg_packets_tcp_noise(sg_vec *pkts, const sg_tcp_noise_rates *r, uint32_t maxp, unsigned fixed, sg_rng *rng,
                               sg_tcp_noise_stats *st);
/* Copies each LOST segment's payload length (and message continuation) onto its RETX copy. */
void sg_packets_tcp_noise_sync(sg_pkt *p, size_t n);

/* ---- the generation pipeline ----------------------------------------------------------------------
 * Flows in (start-time order, e.g. from the FlowChronicle generator) -> per flow: network mapping,
 * packet sequence from the sampler (a TADAM automaton of the flow's service) reconciled with the
 * flow's packet/byte counts and duration, TCP normalisation, frames -> time-ordered pcap, and the
 * flows as they really are in the pcap (--flows-out ground truth). Flows are processed in batches:
 * the per-flow stages run in parallel (OpenMP), everything else is sequential in flow order, so
 * the output is byte-identical for any thread count. Memory holds one batch plus the flows still
 * open at the current time: it does not grow with the generated duration. */

/* Sampler: fill *out (sg_pkt; t_ns = offset from the flow start, any origin) with the packet
 * sequence of flow f, ideally with f's packet counts per direction (target_fwd/bwd: -1 = unknown).
 * Set *found = 0 when there is no model for the flow's service (the generator then uses a simple
 * flow-shaped sequence, counted in the stats). Called from several threads at once. */
typedef sg_status (*sg_pktgen_sampler)(void *ctx, const sg_flow *f, int64_t target_fwd, int64_t target_bwd,
                                       sg_rng *rng, sg_vec *out, int *found, sg_error *err);

/* Observer of what the pcap holds (e.g. the logs module's Zeek conn.log): called once per
 * connection written, in flow order, from the calling thread, with its ground-truth flow row (as
 * --flows-out writes it), the connection (hosts, ports) and its packets (times, directions, TCP
 * flags and payload lengths as the frames carry them). index counts written connections from 0.
 * A non-OK return stops the run. */
typedef sg_status (*sg_pktgen_observer)(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts,
                                        size_t n, uint64_t index, sg_error *err);

typedef struct sg_pktgen_opts {
    uint64_t seed;
    const sg_netcfg *netcfg;     /* NULL: the model's own addresses */
    const char *pcap_path;       /* NULL: no pcap */
    sg_pcap_format pcap_format;
    const char *flows_out;       /* NULL: none; native flow CSV of what the pcap holds */
    int pair_unidirectional;     /* flows are NetFlow-style one-way records: pair them (see docs) */
    int frame_bytes;             /* the flows' bytes are Ethernet frame bytes (CIDDS-001, Argus): the
                                    pcap's frames hold them (IP bytes = bytes - 14 per packet) */
    int taint;                   /* IPv4 evil bit on every packet */
    size_t batch;                /* flows per parallel batch (0 = 256) */
    sg_pktgen_sampler sampler;   /* NULL: flow-shaped sequences only */
    void *sampler_ctx;
    uint64_t max_flows_out;      /* > 0: write at most this many flows (later ones are discarded) */
    uint64_t min_flows_out;      /* finish fails (SG_ERR_EMPTY, stats filled, nothing committed) if
                                    fewer flows were written */
    int label_column;            /* flows_out gets a `label` column: "benign", or the label given
                                    to sg_pktgen_add_built (set when attacks are configured) */
    const sg_flow_column *flow_columns; /* extra columns of flows_out (e.g. community_id) */
    size_t n_flow_columns;
    sg_pktgen_observer observer;        /* NULL: none */
    void *observer_ctx;
    const sg_app_vocab *vocab;          /* names and HTTP choices of the templates (NULL: built-in) */
    int resolve_names;                  /* 1: a client looks up a server's name before connecting to
                                           it (HTTP, TLS; TTL-cached): a DNS flow of its own */
    const sg_tcp_noise *noise;          /* NULL: no TCP noise (retransmissions, reordering) */
    const char *packet_labels_out;      /* NULL: none; with a pcap: CSV `frame,label`, one row per
                                           frame in pcap order (1-based frame number as tshark's
                                           frame.number; label "benign" or the sg_pktgen_add_built label) */
    /* generate's MPI mode (docs/mpi.md): with pcap_shared, the pcap is the file open as pcap_fd,
     * shared with other processes (pcap_path only names it in messages; the header is written if
     * pcap_header), and this process writes only the frames frame_filter keeps
     * (sg_merger_set_frame_filter). */
    int pcap_shared;
    int pcap_fd;
    int pcap_header;
    sg_merger_filter_fn frame_filter;
    void *frame_filter_ctx;
    /* called by sg_pktgen_finish once every frame is written and before any output is committed
     * (MPI mode: all ranks agree that all did); an error stops the commit. NULL: none. */
    sg_status (*before_commit)(void *ctx, sg_error *err);
    void *before_commit_ctx;
} sg_pktgen_opts;

typedef struct sg_pktgen_stats {
    uint64_t flows_in, flows_out;
    uint64_t paired, flipped;              /* unidirectional pairing */
    uint64_t dropped_netcfg[5];            /* by sg_netmap_result */
    uint64_t no_model;                     /* flows without an automaton (flow-shaped sequence) */
    uint64_t capped;                       /* flows whose packet targets hit the per-direction cap */
    uint64_t stretched;                    /* flows lengthened to keep the packet rate plausible */
    uint64_t unmatched;                    /* automaton samples with other counts than the flow (fitted, or flow-shaped) */
    uint64_t walks_failed;                 /* of those: every walk failed the fit, flow-shaped packets */
    uint64_t unfit;                        /* no valid sequence with the flow's counts was found */
    uint64_t port_bumps;                   /* client ports moved: live 5-tuple, or a port dissectors claim */
    uint64_t packets, bytes;               /* frames written (bytes = frame bytes) */
    uint64_t norm_inserted, norm_dropped;  /* TCP normalisation */
    uint64_t noise_lost, noise_reordered;  /* TCP noise: segments lost and retransmitted, reordered */
    uint64_t noise_dupacks, noise_on_top;  /* duplicate ACKs, of which added on top of the counts */
    uint64_t noise_keepalives, noise_wupd; /* keep-alives (each with its ACK), window updates */
    uint64_t noise_spurious;               /* of the lost: arrived, their ACK lost (spurious copies) */
    uint64_t noise_left_out;               /* noise ACKs left out: the record's count had no room */
    /* reconciliation with the flow model's targets: per flow direction with known counts */
    uint64_t n_pkts_cmp, n_bytes_cmp, n_dur_cmp;
    double sum_pkts_relerr, sum_bytes_relerr, sum_dur_relerr;
    uint64_t pkts_exact, bytes_within10, dur_within10;
    /* why a direction missed: packet counts capped / no valid sequence found; bytes off with the
     * packet count, below the headers (+ minimum payloads), above full-sized segments */
    uint64_t miss_capped, miss_unfit, bytes_miss_pkts, bytes_miss_small, bytes_miss_large;
    size_t peak_open_flows;
    uint64_t built_flows;                  /* flows added with their packets (attacks) */
    uint64_t resolutions, resolve_cached;  /* DNS lookups inserted before connections / connections
                                              whose name the client had cached (TTL) */
} sg_pktgen_stats;

typedef struct sg_pktgen sg_pktgen;
sg_status sg_pktgen_create(const sg_pktgen_opts *o, sg_pktgen **out, sg_error *err);
/* flows must come in non-decreasing start order */
sg_status sg_pktgen_add(sg_pktgen *g, const sg_flow *f, sg_error *err);
/* flows written so far (those of completed batches: lags the flows added by up to a batch and
 * the pairing window) */
uint64_t sg_pktgen_flows_written(const sg_pktgen *g);
/* Decide every flow added so far (pending pairs released, the partial batch sampled), so that
 * sg_pktgen_flows_written counts them: a caller that judges progress by flows written (-n with a
 * sparse model) must not mistake flows waiting in a batch for flows that gave nothing. */
sg_status sg_pktgen_drain(sg_pktgen *g, sg_error *err);
/* A flow whose endpoints and packets are already decided (an injected attack): no mapping, no
 * sampling, no reconciliation or normalisation (the caller builds a valid exchange); it joins the
 * same start-ordered stream as sg_pktgen_add (same order rule), its 5-tuple is checked against
 * live ones (its client port may move), and its frames go through the same merge. pkts: sg_pkt with
 * absolute times, non-decreasing, first at f->start_us; taken (*pkts is left empty). label (copied,
 * at most 63 bytes) goes into the flows_out label column. The flow's randomness (ISNs, IP ids) is
 * keyed by a counter of its own, so benign flows do not move when attacks are added. */
sg_status sg_pktgen_add_built(sg_pktgen *g, const sg_flow *f, const sg_pkt_conn *conn, sg_vec *pkts,
                              const char *label, sg_error *err);
/* drains everything and commits the outputs */
sg_status sg_pktgen_finish(sg_pktgen *g, sg_pktgen_stats *stats, sg_error *err);
/* frees; discards uncommitted outputs */
void sg_pktgen_destroy(sg_pktgen *g);
void sg_pktgen_print_stats(const sg_pktgen_stats *s, FILE *fp);

/* ---- address helpers ----------------------------------------------------------------------------- */
/* Parse dotted IPv4 or IPv6 text; returns 0 ok, sets *is_v6. */
int sg_addr_parse(const char *s, uint8_t addr[16], uint8_t *is_v6);

#ifdef __cplusplus
}
#endif
#endif
