/* secgen attacks: labelled attacks injected into generated traffic. The `attacks:` list of a
 * network configuration (netcfg keeps it as parsed; this module validates it, since it knows the
 * kinds and their parameters) becomes a stream of attack flows, each with its endpoints, its
 * packets (absolute times) and its label (the attack's name), in start order. The generation
 * pipeline (src/generate) merges this stream by start time with the benign flows and hands each
 * attack flow to the packet pipeline (sg_pktgen_add_built): same frame builder, same time-ordered
 * merge, same pcap, and a `label` column in the ground-truth flows. See docs/attacks.md.
 *
 * Synthetic kinds talk to the victim's configured services: a SYN scan gets SYN/ACK from open
 * ports and RST/ACK from closed ones, a brute force gets the SSH server's failures, a SYN flood
 * gets SYN/ACK (SYN cookies) or RST. All randomness is keyed by (seed, SG_STREAM_ATTACK, attack
 * and flow number): adding an attack moves no benign flow and no other attack. */
#ifndef SECGEN_ATTACKS_H
#define SECGEN_ATTACKS_H

#include "secgen/core.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"
#include "secgen/packets.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SG_STREAM_ATTACK = 0x41544b01u };

typedef enum sg_attack_kind {
    SG_ATTACK_PORT_SCAN = 0,
    SG_ATTACK_SSH_BRUTE_FORCE,
    SG_ATTACK_SYN_FLOOD,
    SG_ATTACK_HTTP_FLOOD,
    SG_ATTACK_DNS_TUNNEL,
    SG_ATTACK_PCAP           /* replay of a real capture (`pcap:`) */
} sg_attack_kind;

/* The validated list. Errors name the config file, the line (YAML) and the field, e.g.
 * "net.yaml:31: attacks[1].victim: unknown host 'db9'". A config without `attacks:` gives an
 * empty list. */
typedef struct sg_attacks sg_attacks;
sg_status sg_attacks_load(const sg_netcfg *cfg, sg_attacks **out, sg_error *err);
void sg_attacks_destroy(sg_attacks *a);
size_t sg_attacks_count(const sg_attacks *a);
const char *sg_attacks_name(const sg_attacks *a, size_t i);
sg_attack_kind sg_attacks_kind(const sg_attacks *a, size_t i);
const char *sg_attack_kind_name(sg_attack_kind k);

/* One injected flow. pkts (sg_pkt, absolute times) belongs to the caller after _next. */
typedef struct sg_attack_flow {
    sg_flow f;          /* endpoints as text, proto, ports, start; counts are filled by the pipeline */
    sg_pkt_conn conn;   /* endpoints' MAC/TTL/OS as the benign traffic's network mapping gives them */
    sg_vec pkts;
    const char *label;  /* the attack's name (valid while the list lives) */
    size_t attack;      /* index in the list */
} sg_attack_flow;

/* The flows of every attack, merged in start order (ties: lower attack first). start_us: the run's
 * start ("+5m" offsets count from it); end_us: the run's end, INT64_MAX if unknown (a flow count
 * bound only). An attack starting before start_us or ending after end_us is an error naming its
 * config line. */
typedef struct sg_attack_stream sg_attack_stream;
sg_status sg_attack_stream_create(const sg_attacks *a, const sg_netcfg *cfg, uint64_t seed, int64_t start_us,
                                  int64_t end_us, sg_attack_stream **out, sg_error *err);
/* 1 and the next flow's start if there is one, 0 at the end */
int sg_attack_stream_peek(const sg_attack_stream *s, int64_t *start_us);
/* fills out (out->pkts initialised by the caller with sizeof(sg_pkt) and reused) */
sg_status sg_attack_stream_next(sg_attack_stream *s, sg_attack_flow *out, sg_error *err);
void sg_attack_stream_destroy(sg_attack_stream *s);

#ifdef __cplusplus
}
#endif
#endif
