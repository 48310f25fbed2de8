/* Replay of a real capture as an attack (attacks.h, `pcap:`): the flows between the capture's
 * attacker and victim, their TCP flags, directions, timing and payload bytes. Headers are not
 * kept: the packets module rebuilds them for the config's hosts (MACs, TTLs, IP ids, sequence
 * numbers following the payload, checksums), so the replay is consistent with the network it is
 * injected into. See docs/attacks.md. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attacks_internal.h"

typedef struct rpkt {
    int64_t t_ns;
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto, flags;
    size_t off;
    uint32_t len;
} rpkt;

typedef struct conv { /* one 5-tuple, in first-seen order */
    uint32_t cli, srv;
    uint16_t cport, sport;
    uint8_t proto;
    size_t first;      /* index of its first packet */
} conv;

static uint64_t conv_key(uint8_t proto, uint32_t a, uint16_t pa, uint32_t b, uint16_t pb, uint8_t out[13])
{
    /* canonical: lower (address, port) first */
    if (a > b || (a == b && pa > pb)) {
        uint32_t t = a; a = b; b = t;
        uint16_t u = pa; pa = pb; pb = u;
    }
    out[0] = proto;
    memcpy(out + 1, &a, 4); memcpy(out + 5, &pa, 2); memcpy(out + 7, &b, 4); memcpy(out + 11, &pb, 2);
    return 13;
}

static int parse_v4(const char *s, uint32_t *a)
{
    struct in_addr x;
    if (inet_pton(AF_INET, s, &x) != 1) return -1;
    *a = ntohl(x.s_addr);
    return 0;
}

static int by_start(const void *x, const void *y)
{
    const sg_replay_flow *a = x, *b = y;
    if (a->t0_ns != b->t0_ns) return a->t0_ns < b->t0_ns ? -1 : 1;
    /* equal starts: keep the capture's order (first packet offset of the payload store is not
     * comparable for empty flows, so compare ports, then the opener, for a total order) */
    if (a->cli_port != b->cli_port) return a->cli_port < b->cli_port ? -1 : 1;
    if (a->srv_port != b->srv_port) return a->srv_port < b->srv_port ? -1 : 1;
    return (int)a->proto - (int)b->proto;
}

static void v4s(uint32_t a, char *out) { snprintf(out, 48, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255); }

void sg_replay_destroy(sg_replay *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) sg_vec_free(&r->flows[i].pkts);
    free(r->flows);
    free(r->bytes);
    free(r);
}

sg_status sg_replay_load(const char *path, const char *map_att, const char *map_vic, sg_replay **out, sg_error *err)
{
    *out = NULL;
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (!pc) return sg_error_set(err, SG_ERR_IO, "%s: %s", path, eb);
    if (pcap_datalink(pc) != DLT_EN10MB) {
        pcap_close(pc);
        return sg_error_set(err, SG_ERR_UNSUPPORTED, "%s: link type %d, only Ethernet captures can be replayed", path, pcap_datalink(pc));
    }
    sg_vec pk, cv;
    sg_vec_init(&pk, sizeof(rpkt));
    sg_vec_init(&cv, sizeof(conv));
    uint8_t *bytes = NULL;
    size_t nbytes = 0, capb = 0;
    sg_hashmap *convs = sg_hashmap_create(256);
    sg_status s = convs ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    uint64_t dropped = 0, total = 0;
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;
    while (s == SG_OK && (rc = pcap_next_ex(pc, &h, &d)) == 1) {
        total++;
        size_t n = h->caplen, o = 14;
        if (n < 14) { dropped++; continue; }
        uint16_t et = (uint16_t)(d[12] << 8 | d[13]);
        if (et == 0x8100 && n >= 18) { et = (uint16_t)(d[16] << 8 | d[17]); o = 18; }
        if (et != 0x0800 || n < o + 20 || (d[o] >> 4) != 4) { dropped++; continue; }
        size_t ihl = (size_t)(d[o] & 15) * 4;
        size_t tot = (size_t)(d[o + 2] << 8 | d[o + 3]);
        uint16_t frag = (uint16_t)((d[o + 6] << 8 | d[o + 7]) & 0x3fff);
        uint8_t proto = d[o + 9];
        if (ihl < 20 || frag || (proto != SG_PROTO_TCP && proto != SG_PROTO_UDP) || n < o + ihl + 8) { dropped++; continue; }
        size_t end = o + tot < n ? o + tot : n; /* the IP length (Ethernet padding), or what was captured */
        rpkt p = {.t_ns = (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec, .proto = proto};
        p.src = (uint32_t)d[o + 12] << 24 | (uint32_t)d[o + 13] << 16 | (uint32_t)d[o + 14] << 8 | d[o + 15];
        p.dst = (uint32_t)d[o + 16] << 24 | (uint32_t)d[o + 17] << 16 | (uint32_t)d[o + 18] << 8 | d[o + 19];
        const u_char *l4 = d + o + ihl;
        p.sport = (uint16_t)(l4[0] << 8 | l4[1]);
        p.dport = (uint16_t)(l4[2] << 8 | l4[3]);
        size_t hl = 8;
        if (proto == SG_PROTO_TCP) {
            if (n < o + ihl + 20) { dropped++; continue; }
            hl = (size_t)(l4[12] >> 4) * 4;
            p.flags = l4[13] & 0x3f;
        }
        if (p.sport == 0 || p.dport == 0 || o + ihl + hl > end) { dropped++; continue; }
        p.len = (uint32_t)(end - (o + ihl + hl));
        if (p.len > 65000) p.len = 65000;
        if (nbytes + p.len > capb) {
            size_t nc = capb ? capb * 2 : 1 << 16;
            while (nc < nbytes + p.len) nc *= 2;
            uint8_t *nb = realloc(bytes, nc);
            if (!nb) { s = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); break; }
            bytes = nb;
            capb = nc;
        }
        if (p.len) memcpy(bytes + nbytes, l4 + hl, p.len);
        p.off = nbytes;
        nbytes += p.len;
        uint8_t key[13];
        conv_key(proto, p.src, p.sport, p.dst, p.dport, key);
        int ins = 0;
        uint64_t *slot = sg_hashmap_upsert(convs, key, sizeof key, cv.len, &ins);
        if (!slot) { s = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); break; }
        if (ins) {
            /* the opener: a TCP SYN's sender, else the first packet's sender; a SYN/ACK seen first
             * means the other side opened it */
            int rev = proto == SG_PROTO_TCP && (p.flags & (SG_TCP_SYN | SG_TCP_ACK)) == (SG_TCP_SYN | SG_TCP_ACK);
            conv c = {.cli = rev ? p.dst : p.src, .srv = rev ? p.src : p.dst, .cport = rev ? p.dport : p.sport,
                      .sport = rev ? p.sport : p.dport, .proto = proto, .first = pk.len};
            if (sg_vec_push(&cv, &c) != SG_OK) { s = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); break; }
        }
        if (sg_vec_push(&pk, &p) != SG_OK) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    if (s == SG_OK && rc == -1) s = sg_error_set(err, SG_ERR_PARSE, "%s: packet %llu: %s", path, (unsigned long long)total + 1, pcap_geterr(pc));
    pcap_close(pc);
    sg_replay *r = NULL;
    const conv *c = cv.data;
    uint32_t att = 0, vic = 0;
    /* attacker: map, or the address opening most flows (ties: the lower address); victim: map, or
     * the address it opens most flows to */
    if (s == SG_OK && map_att && parse_v4(map_att, &att) != 0) s = sg_error_set(err, SG_ERR_INVALID, "map.attacker: '%s' is not an IPv4 address", map_att);
    if (s == SG_OK && map_vic && parse_v4(map_vic, &vic) != 0) s = sg_error_set(err, SG_ERR_INVALID, "map.victim: '%s' is not an IPv4 address", map_vic);
    if (s == SG_OK && cv.len == 0) s = sg_error_set(err, SG_ERR_EMPTY, "%s: no IPv4 TCP/UDP packet to replay", path);
    for (int pass = 0; s == SG_OK && pass < 2; pass++) {
        if ((pass == 0 && map_att) || (pass == 1 && map_vic)) continue;
        sg_hashmap *cnt = sg_hashmap_create(64);
        if (!cnt) { s = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); break; }
        uint64_t best = 0;
        uint32_t who = 0;
        for (size_t i = 0; i < cv.len; i++) {
            if (pass == 1 && c[i].cli != att) continue;
            uint32_t a = pass == 0 ? c[i].cli : c[i].srv;
            int ins;
            uint64_t *v = sg_hashmap_upsert(cnt, &a, sizeof a, 0, &ins);
            if (!v) { s = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); break; }
            ++*v;
            if (*v > best || (*v == best && a < who)) best = *v, who = a;
        }
        sg_hashmap_destroy(cnt);
        if (pass == 0) att = who;
        else if (best) vic = who;
        else { /* the mapped attacker opens nothing: its most frequent peer */
            for (size_t i = 0; i < cv.len && !vic; i++) vic = c[i].cli == att ? c[i].srv : c[i].srv == att ? c[i].cli : 0;
        }
    }
    if (s == SG_OK && (att == vic || !vic)) {
        char a[48];
        v4s(att, a);
        s = sg_error_set(err, SG_ERR_INVALID, "%s: no conversation of the attacker %s with another address", path, a);
    }
    if (s == SG_OK) {
        r = calloc(1, sizeof *r);
        if (!r || !(r->flows = calloc(cv.len, sizeof *r->flows))) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    if (s == SG_OK) {
        v4s(att, r->attacker);
        v4s(vic, r->victim);
        r->bytes = bytes;
        bytes = NULL;
        /* flows between the two, in first-packet order; packet times from the first kept one */
        const rpkt *p = pk.data;
        int64_t base = INT64_MAX;
        for (size_t i = 0; i < pk.len; i++)
            if ((p[i].src == att && p[i].dst == vic) || (p[i].src == vic && p[i].dst == att)) {
                if (p[i].t_ns < base) base = p[i].t_ns;
            }
        size_t *slot_of = calloc(cv.len, sizeof *slot_of);
        if (!slot_of) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; s == SG_OK && i < cv.len; i++) {
            int keep = (c[i].cli == att && c[i].srv == vic) || (c[i].cli == vic && c[i].srv == att);
            slot_of[i] = keep ? r->n : SIZE_MAX;
            if (!keep) continue;
            sg_replay_flow *f = &r->flows[r->n++];
            f->proto = c[i].proto;
            f->by_attacker = c[i].cli == att;
            f->cli_port = c[i].cport;
            f->srv_port = c[i].sport;
            sg_vec_init(&f->pkts, sizeof(sg_pkt));
        }
        for (size_t i = 0; s == SG_OK && i < pk.len; i++) {
            uint8_t key[13];
            conv_key(p[i].proto, p[i].src, p[i].sport, p[i].dst, p[i].dport, key);
            uint64_t ci = 0;
            sg_hashmap_get(convs, key, sizeof key, &ci);
            if (slot_of[ci] == SIZE_MAX) { r->dropped++; continue; }
            sg_replay_flow *f = &r->flows[slot_of[ci]];
            /* captures are not always in time order: times never go back, per flow */
            int64_t t = p[i].t_ns - base;
            const sg_pkt *last = f->pkts.len ? (const sg_pkt *)f->pkts.data + f->pkts.len - 1 : NULL;
            if (last && t < last->t_ns) t = last->t_ns;
            sg_pkt q = {.t_ns = t / 1000 * 1000, .payload_len = p[i].len, .dir = (uint8_t)(p[i].src == c[ci].cli ? SG_DIR_FWD : SG_DIR_BWD),
                        .tcp_flags = p[i].flags, .payload = p[i].len ? r->bytes + p[i].off : NULL};
            if (!f->pkts.len) f->t0_ns = q.t_ns;
            if (sg_vec_push(&f->pkts, &q) != SG_OK) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            r->packets++;
        }
        free(slot_of);
        r->dropped += dropped;
        /* start order (a capture out of time order can open a flow before an earlier one) */
        if (s == SG_OK) qsort(r->flows, r->n, sizeof *r->flows, by_start);
    }
    sg_hashmap_destroy(convs);
    sg_vec_free(&pk);
    sg_vec_free(&cv);
    free(bytes);
    if (s != SG_OK) { sg_replay_destroy(r); return s; }
    *out = r;
    return SG_OK;
}
