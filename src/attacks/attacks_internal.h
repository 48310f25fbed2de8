/* Internal to the attacks module: a real capture prepared for replay (replay.c). */
#ifndef SECGEN_ATTACKS_INTERNAL_H
#define SECGEN_ATTACKS_INTERNAL_H

#include "secgen/attacks.h"

typedef struct sg_replay_flow {
    int64_t t0_ns;          /* first packet, from the capture's first kept packet */
    uint8_t proto;
    uint8_t by_attacker;    /* the attacker's address opened it */
    uint16_t cli_port, srv_port;
    sg_vec pkts;            /* sg_pkt: t_ns from the capture's first kept packet, payload -> bytes */
} sg_replay_flow;

typedef struct sg_replay {
    sg_replay_flow *flows;  /* in start order */
    size_t n;
    uint8_t *bytes;         /* every kept payload */
    char attacker[48], victim[48]; /* the capture's addresses that were mapped */
    uint64_t packets, dropped; /* kept packets; packets of other conversations or not TCP/UDP over IPv4 */
} sg_replay;

/* Reads a pcap/pcapng (Ethernet, IPv4 TCP/UDP), finds the attacker (the address opening most
 * flows, unless map_attacker is given) and the victim (the address it opens most flows to, unless
 * map_victim), keeps the flows between the two. Errors name the capture. */
sg_status sg_replay_load(const char *path, const char *map_attacker, const char *map_victim, sg_replay **out, sg_error *err);
void sg_replay_destroy(sg_replay *r);

#endif
