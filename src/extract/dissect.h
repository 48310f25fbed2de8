/* Internal to the extract module: link-layer + IPv4/IPv6 + TCP/UDP/ICMP dissection of one captured
 * frame. Every read is checked against the captured length; nothing here allocates. */
#ifndef SECGEN_EXTRACT_DISSECT_H
#define SECGEN_EXTRACT_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "secgen/extract.h"

typedef enum sg_dissect_result {
    SG_DIS_OK = 0,    /* IP packet, fields filled */
    SG_DIS_NON_IP,    /* valid frame that does not carry IP (ARP, LLDP, STP...) */
    SG_DIS_TRUNCATED, /* captured bytes end before a header we need */
    SG_DIS_MALFORMED, /* header fields are inconsistent (bad version, IHL < 5, length < header...) */
    SG_DIS_LATER_FRAG /* IP fragment with offset > 0: no L4 header; frag fields filled */
} sg_dissect_result;

typedef struct sg_pkt {
    uint8_t ipver; /* 4 or 6 */
    uint8_t proto; /* L4 protocol after IPv6 extension headers */
    uint8_t tcp_flags;
    uint8_t has_ports; /* TCP/UDP header present */
    uint16_t sport, dport;
    uint8_t icmp_type, icmp_code;
    uint8_t is_frag;    /* part of a fragmented datagram (first or later) */
    uint8_t frag_more;  /* MF set */
    uint32_t frag_id;   /* IPv4 id (16 bits) or IPv6 fragment identification */
    uint32_t vlan;      /* outer<<12 | inner VLAN id (0 if untagged) */
    uint32_t ip_bytes;  /* IP total length (header + payload) as the header states */
    uint32_t l4_payload; /* bytes after the L4 header (by IP lengths, not captured bytes) */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
    const char *why;    /* static text for TRUNCATED/MALFORMED/NON_IP */
    uint16_t ethertype; /* for NON_IP: the EtherType seen (0 if none) */
} sg_pkt;

/* DLT -> kind used for statistics; SG_LINK_OTHER if the link type is not supported. */
sg_extract_link sg_extract_link_kind(int dlt);

/* Dissect one frame of link type dlt. */
sg_dissect_result sg_dissect(int dlt, const uint8_t *data, size_t caplen, sg_pkt *out);

#endif
