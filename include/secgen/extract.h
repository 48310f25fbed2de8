/* secgen extract: pcap/pcapng -> bidirectional flows (+ per-flow packet sequences).
 *
 * Usage:
 *   sg_extract_opts o; sg_extract_opts_default(&o);
 *   sg_extractor *x = sg_extractor_create(&o);
 *   sg_extractor_add_capture(x, "a.pcap", &err);   // any number, in order
 *   sg_extractor_finish(x, &err);                   // closes every flow, sorts by start
 *   sg_extractor_write(x, "flows.csv", SG_FMT_NATIVE, "seq.csv", &err);   // or _flows()/_sequences()
 *   sg_extractor_destroy(x);
 *
 * Semantics (docs/extract.md): a flow is keyed by (VLAN, IP protocol, address/port pair, either
 * direction). The initiator (src) is the sender of a SYN without ACK, the receiver of a SYN+ACK,
 * else the sender of the first packet. A flow ends when it has been idle longer than the idle
 * timeout, when it has lasted longer than the active timeout, or (TCP) when a new SYN arrives
 * after the flow was closed by RST or FIN in both directions. Captures added one after another
 * form one packet stream (rotated capture files continue each other's flows). */
#ifndef SECGEN_EXTRACT_H
#define SECGEN_EXTRACT_H

#include <stdint.h>

#include "secgen/core.h"
#include "secgen/flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a flow's byte counters count. */
typedef enum sg_extract_bytes {
    SG_EXTRACT_BYTES_IP = 0,   /* IP header + payload as the IP header states (NetFlow; default) */
    SG_EXTRACT_BYTES_WIRE,     /* frame length on the wire (pcap "len", link header included) */
    SG_EXTRACT_BYTES_CAPTURED  /* captured frame length (pcap "caplen"; what ndpiReader counts) */
} sg_extract_bytes;

/* What happens to IP fragments that carry no L4 header (offset > 0). The first fragment always
 * carries the ports and is counted in its flow like any packet. */
typedef enum sg_extract_frags {
    SG_EXTRACT_FRAGS_ATTRIBUTE = 0, /* later fragments join the flow of their first fragment,
                                       matched by (addresses, protocol, IP id); default */
    SG_EXTRACT_FRAGS_DROP           /* later fragments are only counted in the statistics */
} sg_extract_frags;

/* Tunnels whose inner packets become the flows (the outer headers are then not a flow). */
typedef enum sg_extract_tunnels {
    SG_EXTRACT_TUNNELS_NONE = 0, /* every packet is keyed by its outermost IP header */
    SG_EXTRACT_TUNNELS_IP,       /* IP-in-IP: IPv4/IPv6 in IPv4/IPv6 (protocols 4 and 41: 6in4...) */
    SG_EXTRACT_TUNNELS_ALL       /* IP-in-IP + GTP-U (UDP 2152) + VXLAN (UDP 4789); default */
} sg_extract_tunnels;

/* Tunnel kinds, for statistics */
typedef enum sg_extract_tunnel {
    SG_TUNNEL_NONE = 0,
    SG_TUNNEL_IPIP,
    SG_TUNNEL_GTPU,
    SG_TUNNEL_VXLAN,
    SG_TUNNEL_COUNT
} sg_extract_tunnel;

typedef struct sg_extract_opts {
    int64_t idle_timeout_us;   /* end a flow after this much silence; 0 = never (default 120 s) */
    int64_t active_timeout_us; /* end a flow that has lasted this long; 0 = never (default 30 min) */
    int tcp_close;             /* 1: a SYN after RST/both FINs starts a new flow (default 1) */
    int ignore_vlan;           /* 1: VLAN ids are not part of the flow key (default 0) */
    sg_extract_bytes bytes;
    sg_extract_frags frags;
    sg_extract_tunnels tunnels;
    int sequences;             /* 1: record per-packet sequences (needed by _sequences/_write) */
    uint32_t seq_max;          /* keep at most this many packets per sequence; 0 = all */
} sg_extract_opts;

void sg_extract_opts_default(sg_extract_opts *o);

/* Link types, for statistics. */
typedef enum sg_extract_link {
    SG_LINK_ETHERNET = 0,
    SG_LINK_SLL,
    SG_LINK_SLL2,
    SG_LINK_RAW, /* DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6 */
    SG_LINK_NULL, /* BSD loopback: DLT_NULL, DLT_LOOP */
    SG_LINK_OTHER,
    SG_LINK_COUNT
} sg_extract_link;
const char *sg_extract_link_name(sg_extract_link l);

/* Kinds of packet-level problems (the packet is counted and skipped; extraction goes on). */
typedef enum sg_extract_issue_kind {
    SG_ISSUE_TRUNCATED = 0, /* captured bytes end inside a header */
    SG_ISSUE_MALFORMED,     /* inconsistent header fields */
    SG_ISSUE_ORPHAN_FRAG,   /* later fragment whose first fragment was not seen */
    SG_ISSUE_TIME_BACKWARDS /* timestamp earlier than the previous packet (kept, gap taken as 0) */
} sg_extract_issue_kind;

typedef struct sg_extract_issue {
    sg_extract_issue_kind kind;
    uint32_t capture;   /* index into the captures added (sg_extractor_capture_name) */
    uint64_t packet;    /* 1-based packet number in that capture */
    char what[80];
} sg_extract_issue;

#define SG_EXTRACT_MAX_ISSUES 32 /* the first ones are kept with their packet number */

typedef struct sg_extract_stats {
    uint64_t captures;
    uint64_t packets;              /* frames read */
    uint64_t captured_bytes;       /* sum of caplen */
    uint64_t link[SG_LINK_COUNT];  /* frames per link type */
    uint64_t ipv4, ipv6;           /* IP packets (fragments included) */
    uint64_t non_ip;               /* frames without IP (ARP, LLDP, ...) */
    uint64_t proto[256];           /* IP packets per L4 protocol (after IPv6 extension headers) */
    uint64_t truncated, malformed; /* frames skipped */
    uint64_t frag_first;           /* first fragments (carry ports; counted in flows) */
    uint64_t frag_later;           /* non-first fragments seen */
    uint64_t frag_attributed;      /* ... of which added to a flow */
    uint64_t time_backwards;       /* packets older than their predecessor */
    uint64_t tunneled[SG_TUNNEL_COUNT]; /* packets whose flow is a tunnel's inner packet, by kind */
    uint64_t flows;                /* flows after finish */
    uint64_t flow_packets;         /* packets counted in flows */
    size_t n_issues;               /* issues[] entries filled (<= SG_EXTRACT_MAX_ISSUES) */
    sg_extract_issue issues[SG_EXTRACT_MAX_ISSUES];
} sg_extract_stats;

typedef struct sg_extractor sg_extractor;

sg_extractor *sg_extractor_create(const sg_extract_opts *opts); /* NULL on OOM */
void sg_extractor_destroy(sg_extractor *x);

/* Read a whole pcap or pcapng file ("-" = stdin). Errors (cannot open, not a capture, truncated
 * or corrupt record, unsupported link type) name the capture and the packet number. */
sg_status sg_extractor_add_capture(sg_extractor *x, const char *path, sg_error *err);
/* Read several captures as one packet stream merged by timestamp (as mergecap does: the next
 * packet is the earliest of the captures' next packets, ties to the capture given first;
 * streaming, one packet per capture in memory). Messages name the capture and its packet. */
sg_status sg_extractor_add_captures(sg_extractor *x, const char *const *paths, size_t n, sg_error *err);
/* Same from an already open libpcap handle (pcap_t *, e.g. pcap_fopen_offline over fmemopen);
 * name is used in messages. The handle is not closed. */
sg_status sg_extractor_add_pcap(sg_extractor *x, void *pcap_handle, const char *name, sg_error *err);
/* Show an sg_progress bar over the bytes of the captures to come (total = sum of file sizes). */
void sg_extractor_set_progress_total(sg_extractor *x, uint64_t total_bytes);
/* Feed one frame of link type dlt (DLT_* value) at ts_us; for tests and other packet sources. */
sg_status sg_extractor_add_packet(sg_extractor *x, int dlt, int64_t ts_us, const uint8_t *data,
                                  uint32_t caplen, uint32_t wirelen, sg_error *err);

/* Close every flow and sort them by start time (ties: order of creation). No more input after. */
sg_status sg_extractor_finish(sg_extractor *x, sg_error *err);

size_t sg_extractor_flow_count(const sg_extractor *x);
/* Append all flows (after finish) to t, in output order. */
sg_status sg_extractor_flows(const sg_extractor *x, sg_flow_table *t, sg_error *err);
/* Add all sequences (after finish; needs opts.sequences) to s; ids are "1", "2", ... = the
 * flow's 1-based row in the flow output. */
sg_status sg_extractor_sequences(const sg_extractor *x, sg_seq_set *s, sg_error *err);
/* Write flows (and sequences if seq_path != NULL) atomically; on error no file is left. */
sg_status sg_extractor_write(const sg_extractor *x, const char *flows_path, sg_flow_format fmt,
                             const char *seq_path, sg_error *err);

const sg_extract_stats *sg_extractor_stats(const sg_extractor *x);
const char *sg_extractor_capture_name(const sg_extractor *x, uint32_t capture);
/* Human-readable multi-line summary of the statistics (for the CLI's stderr). */
void sg_extract_stats_print(const sg_extractor *x, FILE *fp);

/* Sequence symbol of a packet: '>' or '<' then the TCP flags set, in the order F S R P A U
 * (">S", "<SA", ">PA", "<FA"); non-TCP: the direction only. Returns a static string. */
const char *sg_extract_symbol(int to_responder, int is_tcp, uint8_t flags);

#ifdef __cplusplus
}
#endif
#endif
