/* Link layers (Ethernet + 802.1Q/QinQ + MPLS + PPPoE, Linux SLL/SLL2, raw IP, BSD loopback),
 * IPv4/IPv6 (extension headers walked, fragments recognised) and TCP/UDP/ICMP headers.
 * Every field read is preceded by a check against the captured length `n`: a frame cut short
 * anywhere is reported as SG_DIS_TRUNCATED, never read past. */
#include "extract/dissect.h"

#include <pcap/pcap.h>
#include <stddef.h>
#include <string.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

enum { MAX_VLAN_TAGS = 8, MAX_MPLS_LABELS = 16, MAX_IPV6_EXT = 16 };

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Both ports in one 4-byte store: the flow key reads them back with one 4-byte load, which two
 * 2-byte stores cannot forward to (that stall was ~20 % of sg_extract_ingest's samples). */
_Static_assert(offsetof(sg_pkt, dport) == offsetof(sg_pkt, sport) + 2, "sport and dport adjacent");
static inline void set_ports(sg_pkt *o, const uint8_t *p)
{
    uint16_t v[2] = {rd16(p), rd16(p + 2)};
    memcpy((char *)o + offsetof(sg_pkt, sport), v, sizeof v);
}
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static sg_dissect_result fail(sg_pkt *o, sg_dissect_result r, const char *why)
{
    o->why = why;
    return r;
}

sg_extract_link sg_extract_link_kind(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: return SG_LINK_ETHERNET;
    case DLT_LINUX_SLL: return SG_LINK_SLL;
    case DLT_LINUX_SLL2: return SG_LINK_SLL2;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6: return SG_LINK_RAW;
    case DLT_NULL:
    case DLT_LOOP: return SG_LINK_NULL;
    default: return SG_LINK_OTHER;
    }
}

static sg_dissect_result dissect_ip_any(const uint8_t *p, size_t n, sg_pkt *o);
static sg_dissect_result dissect_ethertype(uint16_t type, const uint8_t *p, size_t n, sg_pkt *o);

enum { MAX_TUNNEL_DEPTH = 3 };

/* Try to replace the packet described by *o with the one carried in p[0..n) (kind = tunnel).
 * If the inner packet cannot be dissected (e.g. a UDP port that only looked like a tunnel), the
 * outer description is kept: a tunnel heuristic never loses a packet. */
static sg_dissect_result decap(const uint8_t *p, size_t n, sg_pkt *o, sg_extract_tunnel kind, int ether)
{
    if (o->depth >= MAX_TUNNEL_DEPTH) return SG_DIS_OK;
    sg_pkt in;
    memset(&in, 0, sizeof in);
    in.tunnels = o->tunnels;
    in.depth = (uint8_t)(o->depth + 1);
    in.vlan = o->vlan;
    in.uncaptured = o->uncaptured;
    sg_dissect_result r = ether ? (n >= 14 ? dissect_ethertype((uint16_t)(p[12] << 8 | p[13]), p + 14, n - 14, &in)
                                           : SG_DIS_TRUNCATED)
                                : dissect_ip_any(p, n, &in);
    if (r != SG_DIS_OK && r != SG_DIS_LATER_FRAG) return SG_DIS_OK;
    in.tunnel = (uint8_t)kind; /* the outermost decap returns last: its kind is reported */
    in.depth = o->depth;
    *o = in;
    return r;
}

/* GTP-U (3GPP TS 29.281) T-PDU: version 1, PT=1, message type 255; optional 4 bytes when any
 * of E/S/PN is set, then extension headers while E says so. Returns the inner IP offset or 0. */
static size_t gtpu_inner(const uint8_t *p, size_t n)
{
    if (n < 8 || (p[0] >> 5) != 1 || !(p[0] & 0x10) || p[1] != 0xff) return 0;
    size_t off = 8;
    if (p[0] & 0x07) {
        if (n < 12) return 0;
        off = 12;
        uint8_t next = (p[0] & 0x04) ? p[11] : 0;
        for (int i = 0; next && i < 8; i++) {
            if (off >= n) return 0;
            size_t len = (size_t)p[off] * 4;
            if (len == 0 || off + len > n) return 0;
            next = p[off + len - 1];
            off += len;
        }
        if (next) return 0;
    }
    if (off >= n || ((p[off] >> 4) != 4 && (p[off] >> 4) != 6)) return 0;
    return off;
}

/* L4 header at p; `avail` captured bytes, `l4len` bytes according to the IP header. */
static sg_dissect_result dissect_l4(const uint8_t *p, size_t avail, uint32_t l4len, sg_pkt *o)
{
    switch (o->proto) {
    case 6: { /* TCP */
        if (avail < 20) return fail(o, SG_DIS_TRUNCATED, "TCP header cut short");
        unsigned hl = (unsigned)(p[12] >> 4) * 4u;
        if (hl < 20) return fail(o, SG_DIS_MALFORMED, "TCP data offset < 5");
        if (hl > l4len) return fail(o, SG_DIS_MALFORMED, "TCP header longer than the IP payload");
        set_ports(o, p);
        o->tcp_flags = p[13] & 0x3f;
        o->has_ports = 1;
        o->l4_payload = l4len - hl;
        return SG_DIS_OK;
    }
    case 17:  /* UDP */
    case 136: /* UDP-Lite */
        if (avail < 8) return fail(o, SG_DIS_TRUNCATED, "UDP header cut short");
        if (l4len < 8) return fail(o, SG_DIS_MALFORMED, "IP payload shorter than a UDP header");
        set_ports(o, p);
        o->has_ports = 1;
        o->l4_payload = l4len - 8;
        if (o->tunnels == SG_EXTRACT_TUNNELS_ALL && o->proto == 17 && !o->is_frag) {
            if (o->sport == 2152 || o->dport == 2152) {
                size_t off = gtpu_inner(p + 8, avail - 8);
                if (off) return decap(p + 8 + off, avail - 8 - off, o, SG_TUNNEL_GTPU, 0);
            } else if (o->dport == 4789 && avail >= 16 && (p[8] & 0x08)) {
                return decap(p + 16, avail - 16, o, SG_TUNNEL_VXLAN, 1);
            }
        }
        return SG_DIS_OK;
    case 4:  /* IP-in-IP */
    case 41: /* IPv6-in-IP (6in4, 6to4...) */
        o->l4_payload = l4len;
        if (o->tunnels != SG_EXTRACT_TUNNELS_NONE && !o->is_frag) return decap(p, avail, o, SG_TUNNEL_IPIP, 0);
        return SG_DIS_OK;
    case 132: /* SCTP, DCCP: ports in the first 4 bytes like TCP/UDP (NetFlow keys them too) */
    case 33:
        if (avail < 4) return fail(o, SG_DIS_TRUNCATED, "SCTP/DCCP ports cut short");
        set_ports(o, p);
        o->has_ports = 1;
        o->l4_payload = l4len >= 12 ? l4len - 12 : 0;
        return SG_DIS_OK;
    case 1:  /* ICMP */
    case 58: /* ICMPv6 */
        if (avail < 2) return fail(o, SG_DIS_TRUNCATED, "ICMP header cut short");
        o->icmp_type = p[0];
        o->icmp_code = p[1];
        o->l4_payload = l4len >= 8 ? l4len - 8 : 0;
        return SG_DIS_OK;
    default:
        o->l4_payload = l4len;
        return SG_DIS_OK;
    }
}

static sg_dissect_result dissect_ipv4(const uint8_t *p, size_t n, sg_pkt *o)
{
    if (n < 20) return fail(o, SG_DIS_TRUNCATED, "IPv4 header cut short");
    if ((p[0] >> 4) != 4) return fail(o, SG_DIS_MALFORMED, "IP version is not 4");
    unsigned hl = (unsigned)(p[0] & 0x0f) * 4u;
    if (hl < 20) return fail(o, SG_DIS_MALFORMED, "IPv4 header length < 20");
    if (n < hl) return fail(o, SG_DIS_TRUNCATED, "IPv4 options cut short");
    uint32_t tot = rd16(p + 2);
    /* Total length 0 is what TCP segmentation offload leaves in captures taken on the sender:
     * take the captured length then. */
    if (tot == 0) tot = (uint32_t)(n > 65535 ? 65535 : n);
    if (tot < hl) return fail(o, SG_DIS_MALFORMED, "IPv4 total length < header length");
    /* a length beyond the frame on the wire (not just beyond the snapshot length) is a lie */
    if (tot > n + o->uncaptured) return fail(o, SG_DIS_MALFORMED, "IPv4 total length exceeds the frame");
    o->ipver = 4;
    o->proto = p[9];
    memcpy(o->src, p + 12, 4);
    memcpy(o->dst, p + 16, 4);
    o->ip_bytes = tot;
    uint16_t fo = rd16(p + 6);
    uint32_t off = fo & 0x1fff;
    o->frag_more = (fo & 0x2000) != 0;
    o->is_frag = off != 0 || o->frag_more;
    o->frag_id = rd16(p + 4);
    uint32_t l4len = tot - hl;
    if (off) {
        o->l4_payload = l4len;
        return SG_DIS_LATER_FRAG;
    }
    size_t avail = (n < tot ? n : tot) - hl; /* ignore Ethernet padding beyond tot */
    return dissect_l4(p + hl, avail, l4len, o);
}

static int ipv6_ext_walkable(uint8_t nh)
{
    /* hop-by-hop, routing, destination options, mobility, HIP, shim6, experimental */
    return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140 || nh == 253 ||
           nh == 254;
}

static sg_dissect_result dissect_ipv6(const uint8_t *p, size_t n, sg_pkt *o)
{
    if (n < 40) return fail(o, SG_DIS_TRUNCATED, "IPv6 header cut short");
    if ((p[0] >> 4) != 6) return fail(o, SG_DIS_MALFORMED, "IP version is not 6");
    uint32_t plen = rd16(p + 4);
    if (plen == 0) plen = (uint32_t)(n - 40 > 65535 ? 65535 : n - 40); /* jumbogram or TSO */
    if (40 + (size_t)plen > n + o->uncaptured)
        return fail(o, SG_DIS_MALFORMED, "IPv6 payload length exceeds the frame");
    o->ipver = 6;
    memcpy(o->src, p + 8, 16);
    memcpy(o->dst, p + 24, 16);
    o->ip_bytes = 40 + plen;
    size_t avail = n - 40 < plen ? n - 40 : plen; /* captured bytes of the IPv6 payload */
    const uint8_t *q = p + 40;
    uint32_t rest = plen; /* payload bytes left per the header */
    uint8_t nh = p[6];
    for (int i = 0;; i++) {
        if (i == MAX_IPV6_EXT) return fail(o, SG_DIS_MALFORMED, "too many IPv6 extension headers");
        if (ipv6_ext_walkable(nh)) {
            if (avail < 2) return fail(o, SG_DIS_TRUNCATED, "IPv6 extension header cut short");
            uint32_t el = ((uint32_t)q[1] + 1) * 8;
            if (el > rest) return fail(o, SG_DIS_MALFORMED, "IPv6 extension header beyond payload");
            if (el > avail) return fail(o, SG_DIS_TRUNCATED, "IPv6 extension header cut short");
            nh = q[0];
            q += el, avail -= el, rest -= el;
        } else if (nh == 44) { /* fragment header */
            if (avail < 8) return fail(o, SG_DIS_TRUNCATED, "IPv6 fragment header cut short");
            if (rest < 8) return fail(o, SG_DIS_MALFORMED, "IPv6 fragment header beyond payload");
            uint16_t fo = rd16(q + 2);
            o->is_frag = 1;
            o->frag_more = fo & 1;
            o->frag_id = rd32(q + 4);
            nh = q[0];
            q += 8, avail -= 8, rest -= 8;
            if (fo >> 3) { /* offset > 0: no upper-layer header in this fragment */
                o->proto = nh;
                o->l4_payload = rest;
                return SG_DIS_LATER_FRAG;
            }
        } else {
            break;
        }
    }
    o->proto = nh;
    return dissect_l4(q, avail, rest, o);
}

/* IP version from the first nibble (raw links, MPLS, BSD loopback with an unknown AF). */
static sg_dissect_result dissect_ip_any(const uint8_t *p, size_t n, sg_pkt *o)
{
    if (n < 1) return fail(o, SG_DIS_TRUNCATED, "no IP header");
    switch (p[0] >> 4) {
    case 4: return dissect_ipv4(p, n, o);
    case 6: return dissect_ipv6(p, n, o);
    default: return fail(o, SG_DIS_MALFORMED, "IP version is neither 4 nor 6");
    }
}

/* After an EtherType: VLAN tags, MPLS, PPPoE, then IP. */
static sg_dissect_result dissect_ethertype(uint16_t type, const uint8_t *p, size_t n, sg_pkt *o)
{
    for (int tags = 0;; tags++) {
        if (type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200) {
            if (tags == MAX_VLAN_TAGS) return fail(o, SG_DIS_MALFORMED, "too many VLAN tags");
            if (n < 4) return fail(o, SG_DIS_TRUNCATED, "VLAN tag cut short");
            o->vlan = ((o->vlan << 12) | (rd16(p) & 0x0fffu)) & 0xffffffu;
            type = rd16(p + 2);
            p += 4, n -= 4;
            continue;
        }
        break;
    }
    o->ethertype = type;
    switch (type) {
    case 0x0800: return dissect_ipv4(p, n, o);
    case 0x86dd: return dissect_ipv6(p, n, o);
    case 0x8847:
    case 0x8848: /* MPLS: skip the label stack, then guess IPv4/IPv6 from the version nibble */
        for (int i = 0;; i++) {
            if (i == MAX_MPLS_LABELS) return fail(o, SG_DIS_MALFORMED, "MPLS label stack too deep");
            if (n < 4) return fail(o, SG_DIS_TRUNCATED, "MPLS label cut short");
            int bottom = p[2] & 1;
            p += 4, n -= 4;
            if (bottom) break;
        }
        if (n >= 1 && ((p[0] >> 4) == 4 || (p[0] >> 4) == 6)) return dissect_ip_any(p, n, o);
        return fail(o, SG_DIS_NON_IP, "MPLS payload is not IP");
    case 0x8864: { /* PPPoE session: 6-byte header + PPP protocol */
        if (n < 8) return fail(o, SG_DIS_TRUNCATED, "PPPoE header cut short");
        uint16_t ppp = rd16(p + 6);
        if (ppp == 0x0021) return dissect_ipv4(p + 8, n - 8, o);
        if (ppp == 0x0057) return dissect_ipv6(p + 8, n - 8, o);
        return fail(o, SG_DIS_NON_IP, "PPPoE payload is not IP");
    }
    default: return fail(o, SG_DIS_NON_IP, "not IP");
    }
}

sg_dissect_result sg_dissect(int dlt, const uint8_t *p, size_t n, size_t wirelen, int tunnels, sg_pkt *o)
{
    memset(o, 0, sizeof *o);
    o->tunnels = (uint8_t)tunnels;
    o->uncaptured = wirelen > n ? (uint32_t)(wirelen - n > UINT32_MAX ? UINT32_MAX : wirelen - n) : 0;
    switch (dlt) {
    case DLT_EN10MB: {
        if (n < 14) return fail(o, SG_DIS_TRUNCATED, "Ethernet header cut short");
        uint16_t type = rd16(p + 12);
        if (type <= 1500) { /* 802.3 length field: LLC, maybe SNAP with an EtherType */
            if (n < 22) return fail(o, SG_DIS_NON_IP, "802.3/LLC frame");
            if (p[14] == 0xaa && p[15] == 0xaa && p[16] == 0x03)
                return dissect_ethertype(rd16(p + 20), p + 22, n - 22, o);
            return fail(o, SG_DIS_NON_IP, "802.3/LLC frame");
        }
        return dissect_ethertype(type, p + 14, n - 14, o);
    }
    case DLT_LINUX_SLL:
        if (n < 16) return fail(o, SG_DIS_TRUNCATED, "Linux SLL header cut short");
        return dissect_ethertype(rd16(p + 14), p + 16, n - 16, o);
    case DLT_LINUX_SLL2:
        if (n < 20) return fail(o, SG_DIS_TRUNCATED, "Linux SLL2 header cut short");
        return dissect_ethertype(rd16(p), p + 20, n - 20, o);
    case DLT_RAW: return dissect_ip_any(p, n, o);
    case DLT_IPV4: return dissect_ipv4(p, n, o);
    case DLT_IPV6: return dissect_ipv6(p, n, o);
    case DLT_NULL:
    case DLT_LOOP: {
        /* 4-byte address family: host byte order of the capturing machine for DLT_NULL, network
         * order for DLT_LOOP. AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending
         * on the OS, so decide by the IP version nibble, which is unambiguous. */
        if (n < 4) return fail(o, SG_DIS_TRUNCATED, "loopback header cut short");
        uint32_t be = rd32(p), le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                    (uint32_t)p[3] << 24;
        uint32_t af = be < le ? be : le;
        if (af != 2 && af != 10 && af != 24 && af != 28 && af != 30)
            return fail(o, SG_DIS_NON_IP, "loopback frame is not IP");
        return dissect_ip_any(p + 4, n - 4, o);
    }
    default: return fail(o, SG_DIS_NON_IP, "unsupported link type");
    }
}
