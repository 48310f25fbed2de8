/* Community ID v1 (corelight/community-id-spec, README "Pseudo code" and community-id.py): the
 * canonical flow hash shared by Zeek, Suricata, Elastic and Wireshark, so that a record in any of
 * secgen's logs, its flows CSV and a tshark view of its pcap can be joined on one string. */
#include "secgen/logs.h"

#include <string.h>

static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
}

void sg_community_id(uint16_t seed, const uint8_t *saddr, const uint8_t *daddr, int is_v6, uint8_t proto,
                     int has_ports, uint16_t sport, uint16_t dport, int one_way, char out[SG_COMMUNITY_ID_LEN])
{
    size_t alen = is_v6 ? 16 : 4;
    if (!one_way) {
        /* the smaller (address, port) first: the ID does not depend on which side spoke first */
        int c = memcmp(saddr, daddr, alen);
        if (c > 0 || (c == 0 && has_ports && sport > dport)) {
            const uint8_t *t = saddr;
            saddr = daddr, daddr = t;
            uint16_t tp = sport;
            sport = dport, dport = tp;
        }
    }
    uint8_t b[2 + 16 + 16 + 2 + 4], *p = b;
    *p++ = (uint8_t)(seed >> 8), *p++ = (uint8_t)seed;
    memcpy(p, saddr, alen), p += alen;
    memcpy(p, daddr, alen), p += alen;
    *p++ = proto, *p++ = 0;
    if (has_ports) {
        *p++ = (uint8_t)(sport >> 8), *p++ = (uint8_t)sport;
        *p++ = (uint8_t)(dport >> 8), *p++ = (uint8_t)dport;
    }
    sg_sha1 s;
    uint8_t d[20];
    sg_sha1_init(&s);
    sg_sha1_update(&s, b, (size_t)(p - b));
    sg_sha1_final(&s, d);
    out[0] = '1', out[1] = ':';
    base64(d, sizeof d, out + 2);
}

void sg_community_id_icmp(uint8_t proto, uint8_t type, uint8_t code, uint16_t *sport, uint16_t *dport, int *one_way)
{
    /* request/reply counterparts as Zeek's ICMP analyzer pairs them (ICMP4_counterpart and the
     * ICMPv6 one; the spec's community-id.py mapper tables) */
    static const uint8_t v4[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15}, {10, 9}, {9, 10}, {17, 18}, {18, 17}};
    static const uint8_t v6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136}, {136, 135},
                                    {130, 131}, {131, 130}, {139, 140}, {140, 139}, {144, 145}, {145, 144}};
    const uint8_t(*m)[2] = proto == SG_PROTO_ICMPV6 ? v6 : v4;
    size_t n = proto == SG_PROTO_ICMPV6 ? sizeof v6 / sizeof v6[0] : sizeof v4 / sizeof v4[0];
    *sport = type;
    for (size_t i = 0; i < n; i++)
        if (m[i][0] == type) {
            *dport = m[i][1];
            *one_way = 0;
            return;
        }
    *dport = code;
    *one_way = 1;
}

int sg_community_id_flow(uint16_t seed, const sg_flow *f, char out[SG_COMMUNITY_ID_LEN])
{
    uint8_t sa[16], da[16], s6, d6;
    out[0] = 0;
    if (sg_addr_parse(f->src_ip, sa, &s6) != 0 || sg_addr_parse(f->dst_ip, da, &d6) != 0 || s6 != d6) return -1;
    uint16_t sp = f->src_port, dp = f->dst_port;
    int ports = 0, one_way = 0;
    switch (f->proto) {
    case SG_PROTO_TCP: case SG_PROTO_UDP: case 132: /* SCTP */
        ports = 1;
        break;
    case SG_PROTO_ICMP: case SG_PROTO_ICMPV6:
        ports = 1;
        sg_community_id_icmp(f->proto, (uint8_t)(f->dst_port >> 8), (uint8_t)f->dst_port, &sp, &dp, &one_way);
        break;
    default:
        break;
    }
    sg_community_id(seed, sa, da, s6, f->proto, ports, sp, dp, one_way, out);
    return 0;
}

int sg_community_id_column(void *ctx, const sg_flow *f, char *buf, size_t cap)
{
    (void)ctx;
    char id[SG_COMMUNITY_ID_LEN];
    sg_community_id_flow(0, f, id);
    size_t n = strlen(id);
    if (n + 1 > cap) return -1;
    memcpy(buf, id, n + 1);
    return 0;
}
