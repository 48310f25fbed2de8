/* secgen logs: what sensors and hosts would have logged about the generated traffic, each record
 * tied to its flow by the flow's Community ID.
 *
 *   Community ID v1 (corelight/community-id-spec): the flow hash Zeek, Suricata and Elastic use;
 *     sg_community_id() for a tuple, sg_community_id_flow() for a flow record.
 *   Zeek sensor logs (sg_zeek_*): conn.log, dns.log, http.log, ssl.log as JSON lines with Zeek's
 *     field names (LogAscii::use_json=T), built from each flow's packets as the packet pipeline
 *     wrote them (sg_pktgen_opts.observer), so conn_state / history follow the TCP flags and the
 *     byte counts the payloads, and from the application messages the payload templates put into
 *     the frames (sg_packets_app_walk). See docs/logs.md. */
#ifndef SECGEN_LOGS_H
#define SECGEN_LOGS_H

#include "secgen/core.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"
#include "secgen/packets.h"
#include "secgen/tadam.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SHA-1 (FIPS 180-4), for the Community ID; not for security ------------------------------ */
typedef struct sg_sha1 {
    uint32_t h[5];
    uint64_t len;      /* bytes hashed */
    uint8_t buf[64];
    size_t nbuf;
} sg_sha1;
void sg_sha1_init(sg_sha1 *s);
void sg_sha1_update(sg_sha1 *s, const void *data, size_t n);
void sg_sha1_final(sg_sha1 *s, uint8_t digest[20]);

/* ---- Community ID v1 ----------------------------------------------------------------------------
 * "1:" + base64(SHA-1(seed(2, NBO) . saddr . daddr . proto . 0 . sport(2) . dport(2))) with the
 * endpoints ordered so the smaller (address, port) comes first; protocols without ports hash no
 * ports. 31 bytes with the NUL. */
#define SG_COMMUNITY_ID_LEN 32

/* Tuple form. Addresses are 4 (IPv4) or 16 (IPv6) bytes, both of the same family. has_ports: TCP,
 * UDP, SCTP, and the ICMPs with ports already mapped (sg_community_id_icmp). one_way: do not order
 * the endpoints (ICMP messages without a counterpart). */
void sg_community_id(uint16_t seed, const uint8_t *saddr, const uint8_t *daddr, int is_v6, uint8_t proto,
                     int has_ports, uint16_t sport, uint16_t dport, int one_way, char out[SG_COMMUNITY_ID_LEN]);

/* ICMP (proto 1) / ICMPv6 (58) type+code -> the port pair Zeek uses: (type, counterpart type) for
 * request/reply pairs, (type, code) and one_way for the others. */
void sg_community_id_icmp(uint8_t proto, uint8_t type, uint8_t code, uint16_t *sport, uint16_t *dport, int *one_way);

/* A flow record (src = initiator; ICMP type*256+code in dst_port, as NetFlow and the native CSV
 * hold it). Returns 0, or -1 with out = "" when an address is not an IP address (anonymised names
 * such as "EXT_SERVER" have no Community ID). */
int sg_community_id_flow(uint16_t seed, const sg_flow *f, char out[SG_COMMUNITY_ID_LEN]);

/* Flow-writer extra column "community_id" (sg_flow_column_fn, ctx unused): seed 0. */
int sg_community_id_column(void *ctx, const sg_flow *f, char *buf, size_t cap);

/* ---- Zeek sensor logs ----------------------------------------------------------------------------
 * A folder of Zeek logs as JSON lines (LogAscii::use_json=T, JSON::TS_EPOCH): conn.log, dns.log,
 * http.log, ssl.log.
 * Records come in the order the packet pipeline writes connections (flow start order), not at
 * connection teardown as Zeek does; every record carries the flow's community_id. The files are
 * temporaries until sg_zeek_logs_close commits them (atomic, like every secgen output). */
typedef struct sg_zeek_logs sg_zeek_logs;
/* Creates dir (one level) if missing and opens its logs. seed keys the connection uids. */
sg_status sg_zeek_logs_create(const char *dir, uint64_t seed, sg_zeek_logs **out, sg_error *err);
/* An sg_pktgen_observer (ctx = the sg_zeek_logs): one conn.log record for the connection. */
sg_status sg_zeek_logs_observe(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n,
                               uint64_t index, sg_error *err);
uint64_t sg_zeek_logs_records(const sg_zeek_logs *z); /* conn.log records written */
sg_status sg_zeek_logs_close(sg_zeek_logs *z, sg_error *err); /* commit; frees z */
void sg_zeek_logs_destroy(sg_zeek_logs *z);                    /* discard; frees z; NULL ok */

/* ---- host logs ------------------------------------------------------------------------------------
 * What the network config's hosts log about their own connections, in DIR/hosts/<name>/:
 * auth.log (Linux SSH servers: sshd lines read off the packets — accepted sessions, failed
 * passwords, [preauth] closes; probes leave nothing) and endpoint.ndjson (every host: Elastic
 * Common Schema events — process start once per client process, network connection per
 * connection on each config endpoint, file creation for downloads over 1 MB), each about a
 * connection carrying its community_id. Lines are in time order per file; memory grows with the
 * sessions open at once. See docs/logs.md "Host logs". */
typedef struct sg_host_logs sg_host_logs;
sg_status sg_host_logs_create(const char *dir, const sg_netcfg *cfg, uint64_t seed, sg_host_logs **out, sg_error *err);
/* An sg_pktgen_observer (ctx = the sg_host_logs). */
sg_status sg_host_logs_observe(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n,
                               uint64_t index, sg_error *err);
/* The HDFS automaton (owned by the caller, outlives h); NULL = no hdfs.log. */
void sg_host_logs_set_hdfs_model(sg_host_logs *h, const sg_tadam_model *m);
/* flush, commit, *records = lines written (may be NULL); frees h */
sg_status sg_host_logs_close(sg_host_logs *h, uint64_t *records, sg_error *err);
void sg_host_logs_destroy(sg_host_logs *h);                    /* discard; frees h; NULL ok */

/* ---- HDFS application log (learnt) ----------------------------------------------------------------
 * Config hosts that serve HDFS's DataNode data-transfer port (TCP 50010, `services: ["tcp:50010"]`)
 * log every block written to them over a connection: hosts/<name>/hdfs.log, Hadoop's log4j lines
 * (`yymmdd HHMMSS tid LEVEL component: message`, the HDFS_v1 format, UTC). Each such connection is
 * one block (blk_<signed 64-bit>), whose event sequence and inter-event times are sampled from a
 * TADAM automaton learnt on the normal HDFS_v1 blocks (models/hdfs.json), keyed by
 * (seed, SG_STREAM_LOGS_HDFS, connection index); the loghub templates' wildcards are filled from
 * the connection (client and DataNode address and ports, the bytes the client sent as the block
 * size). The DataNode's endpoint.ndjson connection event carries the block id
 * (labels.hdfs_block_id) next to the flow's community_id. See docs/logs.md "HDFS application log". */
enum { SG_STREAM_LOGS_HDFS = 0x68646601u };
#define SG_HDFS_DATANODE_PORT 50010
/* The block id of connection `index` ("blk_-123...", as sg_host_logs writes it); buf >= 25. */
void sg_hdfs_block_id(uint64_t seed, uint64_t index, char *buf, size_t bufsz);

/* ---- the log set of a run ------------------------------------------------------------------------
 * Zeek sensor logs, plus the host logs when cfg is given; one observer feeds both. */
typedef struct sg_logs sg_logs;
sg_status sg_logs_create(const char *dir, const sg_netcfg *cfg, uint64_t seed, sg_logs **out, sg_error *err);
sg_status sg_logs_observe(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, uint64_t index,
                          sg_error *err);
uint64_t sg_logs_sensor_records(const sg_logs *l); /* conn.log records so far */
sg_status sg_logs_close(sg_logs *l, uint64_t *host_records, sg_error *err); /* commit all; frees l */
void sg_logs_destroy(sg_logs *l);                                           /* discard; NULL ok */
/* The automaton of the HDFS application log (takes ownership, also on failure; NULL = none, the
 * default: HDFS hosts then log no hdfs.log). Call before the first observation; needs a config. */
sg_status sg_logs_set_hdfs_model(sg_logs *l, sg_tadam_model *m, sg_error *err);

/* One connection's conn.log state as Zeek's TCP analyzer derives it from the packets (exposed for
 * tests): conn_state ("SF", "S0", "REJ", ...), history ("ShADadFf"), payload bytes per side. */
typedef struct sg_zeek_conn {
    char conn_state[8];
    char history[32];
    uint64_t orig_bytes, resp_bytes; /* L4 payload bytes */
    uint64_t orig_pkts, resp_pkts;
} sg_zeek_conn;
void sg_zeek_conn_summarize(uint8_t proto, const sg_pkt *pkts, size_t n, sg_zeek_conn *out);

#ifdef __cplusplus
}
#endif
#endif
