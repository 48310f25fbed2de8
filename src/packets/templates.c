/* Protocol templates for synthetic payloads: just enough structure that dissectors and DPI
 * recognise the service (and parse it without errors), sized exactly to the sampled payload
 * length. Everything here is written from the protocol specifications; nothing is copied from
 * training captures. Names, ids and random fields come from the flow's payload RNG stream.
 *   HTTP  (80, 8000, 8080-8082, 8088): each run of one side's payloads (until the peer sends
 *         payload) is one message: a request (GET filling one segment, or a POST whose
 *         Content-Length covers the run) or a response (status head, Content-Length = the run's
 *         remaining bytes); the run's later segments are body bytes.
 *   TLS   (443, 465, 636, 853, 993, 995, 8443): ClientHello (SNI + padding extension to the exact
 *         size), ServerHello + ChangeCipherSpec + ApplicationData answering it, then one
 *         ApplicationData record per segment (5-byte header, the rest from the pool); no
 *         handshake when the server speaks first.
 *   DNS   (UDP 53, 5353): every datagram is a query (A record, random name) or the response to the
 *         last query (same id and question, A answers, EDNS0 padding to the exact size).
 *   SSH   (22): "SSH-2.0-..." identification lines; later payloads random (encrypted).
 *   SMTP  (25, 587): 220 greeting / EHLO; later random.
 *   DNS over TCP (53, 5353): each segment is a 2-byte length and one DNS message.
 *   DHCP  (UDP 67/68, either side): BOOTP message (client MAC, transaction id, magic cookie, message
 *         type DISCOVER/REQUEST from the client, OFFER/ACK from the server), zero padding to size.
 *   NBDGM (UDP 138, either side): direct-group NetBIOS datagram (source IP and port, random source
 *         and destination names), user data zero (no SMB: tshark shows it as data).
 *   NBNS  (UDP 137, either side): name query for a random NetBIOS name / positive response with
 *         its NB address records; bytes beyond the message are zero (datagrams are not padded by
 *         real stacks, but the flow model's sizes are honoured).
 * Payloads too short for their template fall back to the pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"

enum { K_NONE, K_HTTP, K_TLS, K_DNS, K_SSH, K_SMTP, K_DNS_TCP, K_NBNS, K_DHCP, K_NBDGM };

static int kind_of(const sg_pkt_conn *c)
{
    uint16_t p = c->service_port;
    if (c->proto == SG_PROTO_TCP) {
        if (p == 80 || p == 8080 || p == 8000 || p == 8081 || p == 8082 || p == 8088 || p == 1900) return K_HTTP; /* 1900: SSDP is HTTP-shaped */
        if (p == 443 || p == 993 || p == 995 || p == 465 || p == 8443 || p == 853 || p == 636) return K_TLS;
        if (p == 22) return K_SSH;
        if (p == 25 || p == 587) return K_SMTP;
        /* each segment: 2-byte length + one DNS message (tshark parses TCP 5353 as DNS too) */
        if (p == 53 || p == 5353) return K_DNS_TCP;
    } else if (c->proto == SG_PROTO_UDP) {
        if (p == 53 || p == 5353) return K_DNS;
        /* NetBIOS name service, also from client port 137 (Windows answers 137 -> 137): tshark
         * dissects by the lower port and called random payloads malformed NBNS */
        if (p == 137 || (c->src_port == 137 && p > 137)) return K_NBNS;
        if (p == 67 || p == 68 || c->src_port == 67 || c->src_port == 68) return K_DHCP; /* either side */
        if (p == 138 || (c->src_port == 138 && p > 138)) return K_NBDGM;
    }
    return K_NONE;
}

int sg_payload_named_service(const sg_pkt_conn *c)
{
    int k = kind_of(c);
    return (k == K_HTTP && c->service_port != 1900) || k == K_TLS;
}

void sg_payload_state_init(sg_payload_state *ps, const sg_pkt_conn *conn, const sg_payload_pool *pool, sg_rng *r)
{
    memset(ps, 0, sizeof *ps);
    ps->conn = conn;
    ps->pool = pool;
    ps->r = r;
    ps->kind = kind_of(conn);
    if (ps->kind == K_HTTP || ps->kind == K_TLS) sg_app_server_name(conn->vocab, conn->srv.addr, conn->srv.is_v6, ps->name);
}

/* Application choices (names, methods, ids, answers) come from an RNG keyed by the flow's app_key
 * and the message, never from the frame builder's stream: sg_packets_app_walk makes the same
 * choices without building frames (the logs module's dns/http/ssl records). */
enum { APP_DNS_Q = 1, APP_DNS_R = 2, APP_HTTP_REQ = 3, APP_HTTP_RESP = 4 };
static void app_rng(const sg_payload_state *ps, uint32_t space, uint32_t k, sg_rng *r)
{
    sg_rng_init(r, ps->conn->app_key, SG_STREAM_PKT_APP, ((uint64_t)space << 32) | k);
}

static sg_app_event *ev_begin(sg_payload_state *ps, sg_app_event_type t, int dir, uint32_t len)
{
    if (!ps->ev) return NULL;
    sg_app_event *e = ps->evbuf;
    size_t pk = e->pkt; /* set by the walker */
    memset(e, 0, sizeof *e);
    e->pkt = pk;
    e->type = t;
    e->dir = dir;
    e->len = len;
    return e;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v; }

static void rand_bytes(sg_rng *r, uint8_t *o, size_t n)
{
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = sg_rng_u32(r);
        memcpy(o + i, &v, n - i < 4 ? n - i : 4);
    }
}

static void rand_alpha(sg_rng *r, uint8_t *o, size_t n)
{
    /* 12 letters per 64-bit draw (26^12 < 2^57) */
    for (size_t i = 0; i < n;) {
        uint64_t v = sg_rng_u64(r) >> 7;
        for (int k = 0; k < 12 && i < n; k++, i++) {
            o[i] = (uint8_t)('a' + v % 26);
            v /= 26;
        }
    }
}

/* Host and domain names: alternating consonants and vowels. Uniformly random letters read as
 * machine-made names: nDPI classified ~5 % of our TLS flows as Tor, whose SNIs are random
 * "www.<letters>.com" names, and DGA heuristics flag such names too. */
static void rand_name(sg_rng *r, uint8_t *o, size_t n)
{
    static const char cons[16] = {'b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'};
    static const char vow[5] = {'a', 'e', 'i', 'o', 'u'};
    uint64_t v = 0;
    int bits = 0;
    int c = 1;
    for (size_t i = 0; i < n; i++) {
        if (bits < 8) {
            v = sg_rng_u64(r);
            bits = 64;
            if (i == 0) { c = (int)(v & 1); v >>= 1; bits--; } /* names start with either */
        }
        o[i] = (uint8_t)(c ? cons[v & 15] : vow[(v & 255) % 5]);
        v >>= c ? 4 : 8;
        bits -= c ? 4 : 8;
        c = !c;
    }
}

/* Long letter runs (HTTP padding: up to 8 KB per request) are a slice of the pool's letters at a
 * random offset: one draw instead of one per 12 letters; profiling showed the per-letter loop at
 * 8 % of generation time. */
static void pad_alpha(sg_payload_state *ps, uint8_t *o, size_t n)
{
    if (!ps->pool || n < 32 || n > SG_ALPHA_POOL) { rand_alpha(ps->r, o, n); return; }
    size_t off = (size_t)(((uint64_t)sg_rng_u32(ps->r) * (SG_ALPHA_POOL - n + 1)) >> 32);
    memcpy(o, ps->pool->alpha + off, n);
}

/* ---- TLS ---------------------------------------------------------------------------------- */
#define TLS_CH_BASE 184 /* our ClientHello without the SNI's name (+ the name: at least 200 with 16 bytes) */
#define TLS_SH_MIN 140  /* ServerHello 127 + ChangeCipherSpec 6 + ApplicationData header 5 + 2 */

static size_t tls_client_hello(sg_rng *r, const char *name, uint32_t len, uint8_t *o)
{
    static const uint8_t suites[] = {0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30};
    uint8_t *p = o;
    p[0] = 0x16; p[1] = 3; p[2] = 1; put16(p + 3, len - 5);
    p[5] = 1; put24(p + 6, len - 9);
    p += 9;
    *p++ = 3; *p++ = 3;
    rand_bytes(r, p, 32); p += 32;
    *p++ = 32; rand_bytes(r, p, 32); p += 32;
    put16(p, sizeof suites); p += 2;
    memcpy(p, suites, sizeof suites); p += sizeof suites;
    *p++ = 1; *p++ = 0;
    uint8_t *extlen = p; p += 2;
    uint8_t *ext0 = p;
    /* server_name: the name the client resolved (the server's name, sg_app_server_name) */
    uint32_t hl = (uint32_t)strlen(name);
    put16(p, 0x0000); put16(p + 2, hl + 5); put16(p + 4, hl + 3); p[6] = 0; put16(p + 7, hl);
    memcpy(p + 9, name, hl); p += 9 + hl;
    /* supported_groups x25519, secp256r1 */
    put16(p, 0x000a); put16(p + 2, 6); put16(p + 4, 4); put16(p + 6, 0x001d); put16(p + 8, 0x0017); p += 10;
    /* signature_algorithms */
    put16(p, 0x000d); put16(p + 2, 8); put16(p + 4, 6); put16(p + 6, 0x0403); put16(p + 8, 0x0804); put16(p + 10, 0x0401); p += 12;
    /* supported_versions TLS 1.3, 1.2 */
    put16(p, 0x002b); put16(p + 2, 5); p[4] = 4; put16(p + 5, 0x0304); put16(p + 7, 0x0303); p += 9;
    /* key_share x25519 */
    put16(p, 0x0033); put16(p + 2, 38); put16(p + 4, 36); put16(p + 6, 0x001d); put16(p + 8, 32);
    rand_bytes(r, p + 10, 32); p += 42;
    /* padding (RFC 7685) to the exact size */
    size_t used = (size_t)(p - o) + 4;
    size_t pad = len - used;
    put16(p, 0x0015); put16(p + 2, (uint32_t)pad); memset(p + 4, 0, pad); p += 4 + pad;
    put16(extlen, (uint32_t)(p - ext0));
    return len;
}

static size_t tls_server_hello(sg_rng *r, uint32_t len, uint8_t *o)
{
    /* ServerHello(5+4+2+32+1+sid+2+1+2+6+40) + CCS(6) + ApplicationData(5+>=1) */
    size_t sid = 32;
    size_t sh_body = 2 + 32 + 1 + sid + 2 + 1 + 2 + 6 + 40;
    size_t rest = len - (5 + 4 + sh_body) - 6;
    if (rest < 6) { sid -= 6 - rest; sh_body -= 6 - rest; rest = 6; }
    uint8_t *p = o;
    p[0] = 0x16; p[1] = 3; p[2] = 3; put16(p + 3, (uint32_t)(4 + sh_body));
    p[5] = 2; put24(p + 6, (uint32_t)sh_body);
    p += 9;
    *p++ = 3; *p++ = 3;
    rand_bytes(r, p, 32); p += 32;
    *p++ = (uint8_t)sid; rand_bytes(r, p, sid); p += sid;
    put16(p, 0x1301); p += 2;
    *p++ = 0;
    put16(p, 46); p += 2;
    put16(p, 0x002b); put16(p + 2, 2); put16(p + 4, 0x0304); p += 6;
    put16(p, 0x0033); put16(p + 2, 36); put16(p + 4, 0x001d); put16(p + 6, 32); rand_bytes(r, p + 8, 32); p += 40;
    p[0] = 0x14; p[1] = 3; p[2] = 3; put16(p + 3, 1); p[5] = 1; p += 6;
    p[0] = 0x17; p[1] = 3; p[2] = 3; put16(p + 3, (uint32_t)(rest - 5)); p += 5;
    return (size_t)(p - o); /* the record body comes from the pool */
}

/* ---- DNS --------------------------------------------------------------------------------- */
static void dns_opt_head(uint8_t *p, size_t total) /* the 15 bytes before the padding */
{
    size_t padlen = total - 15;
    p[0] = 0; put16(p + 1, 41); put16(p + 3, 1232); memset(p + 5, 0, 4);
    put16(p + 9, (uint32_t)(4 + padlen)); put16(p + 11, 12); put16(p + 13, (uint32_t)padlen);
}

static size_t dns_opt(uint8_t *p, size_t total) /* EDNS0 OPT RR of exactly total (>= 15) bytes */
{
    dns_opt_head(p, total);
    memset(p + 15, 0, total - 15);
    return total;
}

/* The question of DNS query number k with W bytes for its name (wire form) and any EDNS0 padding.
 * A lookup before a connection asks the server's name. Otherwise the name is one of 16 keyed draws
 * from the vocabulary: the first whose wire length is W, else the first that leaves room for an
 * EDNS0 padding option (>= 15 bytes) — the query keeps its sampled size either way — else
 * (closest = 1, when fitting sizes: sg_payload_fix_sizes then sizes the query to it) the one
 * nearest to W. Returns the name's length, 0 if none fits. */
static size_t dns_name(const sg_payload_state *ps, uint32_t k, size_t W, int closest, char *out)
{
    if (ps->conn->resolves) {
        sg_app_server_name(ps->conn->vocab, ps->conn->resolve_addr, ps->conn->resolve_v6, out);
        return strlen(out);
    }
    sg_rng r;
    app_rng(ps, APP_DNS_Q, k, &r);
    const char *cand[16], *pad = NULL, *best = NULL;
    size_t bestd = SIZE_MAX;
    for (int i = 0; i < 16; i++) cand[i] = sg_app_pick(ps->conn->vocab, SG_APP_HOSTS, sg_rng_uniform(&r));
    for (int i = 0; i < 16; i++) {
        if (!cand[i]) continue;
        size_t w = sg_app_name_wire(cand[i]);
        if (w < 8) continue; /* a query shorter than a DNS packet's minimum (24 bytes) */
        if (w == W) { best = cand[i]; bestd = 0; break; }
        if (!pad && w + 15 <= W) pad = cand[i];
        size_t d = w > W ? w - W : W - w;
        if (d < bestd) { bestd = d; best = cand[i]; }
    }
    const char *c = bestd == 0 ? best : (pad ? pad : (closest ? best : NULL));
    if (!c) return 0;
    snprintf(out, 80, "%s", c);
    return strlen(out);
}

/* a dotted name to wire form; returns its length */
static size_t name_wire(const char *name, uint8_t *q)
{
    size_t k = 0;
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        q[k++] = (uint8_t)l;
        memcpy(q + k, s, l);
        k += l;
        s += l + (dot ? 1 : 0);
    }
    q[k++] = 0;
    return k;
}

/* a text name from the wire form (for events) */
static void wire_text(const uint8_t *q, size_t qlen, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < qlen && q[i] && o + 1 < cap) {
        size_t l = q[i++];
        if (o) out[o++] = '.';
        for (size_t j = 0; j < l && i < qlen && o + 1 < cap; j++) out[o++] = (char)q[i++];
    }
    out[o] = 0;
}

static size_t dns_query(sg_payload_state *ps, uint32_t len, uint8_t *o)
{
    sg_rng *r = ps->r;
    uint32_t k = ps->nq++;
    sg_rng ar;
    app_rng(ps, APP_DNS_Q, k | 0x80000000u, &ar);
    ps->dns_id = (uint16_t)sg_rng_u32(&ar);
    put16(o, ps->dns_id); put16(o + 2, 0x0100); put16(o + 4, 1); put16(o + 6, 0); put16(o + 8, 0);
    uint8_t *q = o + 12;
    size_t W = len - 16, opt = 0, kq = 0;
    char name[80];
    if (dns_name(ps, k, W, 0, name) && sg_app_name_wire(name) <= W) {
        kq = name_wire(name, q);
        if (kq < W) opt = W - kq; /* >= 15 (dns_name) unless a lookup's name: sized exactly */
    } else {
        /* no vocabulary name fits this size (a response without a query carries its own question
         * of whatever size it has): a pronounceable name of exactly that size */
        if (W > 80) { opt = W - 64; W = 64; if (opt < 15) { W -= 15 - opt; opt = 15; } }
        size_t body = W - 5;
        while (body > 0) {
            size_t l = body - 1 > 40 ? 40 : body - 1;
            if (body - (l + 1) == 1) l--; /* never leave a 1-byte remainder (a label needs >= 2) */
            q[kq++] = (uint8_t)l; rand_name(r, q + kq, l); kq += l;
            body -= l + 1;
        }
        memcpy(q + kq, "\3com\0", 5); kq += 5;
    }
    put16(o + 10, opt ? 1 : 0);
    put16(q + kq, 1); put16(q + kq + 2, 1); kq += 4;
    ps->qlen = (uint8_t)kq;
    memcpy(ps->qname, q, kq);
    /* pending until a response answers it; a full queue forgets the oldest (never answered) */
    if (kq <= SG_DNS_QMAX) {
        if (ps->pq_n == SG_DNS_PENDING) {
            memmove(ps->pq_len, ps->pq_len + 1, SG_DNS_PENDING - 1);
            memmove(ps->pq_id, ps->pq_id + 1, (SG_DNS_PENDING - 1) * sizeof ps->pq_id[0]);
            memmove(ps->pq_name, ps->pq_name + 1, (SG_DNS_PENDING - 1) * sizeof ps->pq_name[0]);
            ps->pq_n--;
        }
        ps->pq_len[ps->pq_n] = (uint8_t)kq;
        ps->pq_id[ps->pq_n] = ps->dns_id;
        memcpy(ps->pq_name[ps->pq_n], q, kq);
        ps->pq_n++;
    }
    if (opt) dns_opt(q + kq, opt);
    return len;
}

static void dns_query_event(sg_payload_state *ps, uint32_t len)
{
    sg_app_event *e = ev_begin(ps, SG_APP_DNS_QUERY, SG_DIR_FWD, len);
    if (!e) return;
    e->dns_id = ps->dns_id;
    wire_text(ps->qname, ps->qlen, e->name, sizeof e->name);
    ps->ev(ps->ev_ctx, e);
}

/* length of the question dns_query writes into a query of len bytes (the same arithmetic) */
static size_t dns_qlen(uint32_t len)
{
    size_t W = len - 16, opt = 0;
    if (W > 80) { opt = W - 64; W = 64; if (opt < 15) { W -= 15 - opt; opt = 15; } }
    return W + 4;
}

static size_t dns_response(sg_payload_state *ps, uint32_t len, uint8_t *o, uint32_t lim)
{
    if (ps->pq_n) { /* answer the oldest pending query */
        ps->dns_id = ps->pq_id[0];
        ps->qlen = ps->pq_len[0];
        memcpy(ps->qname, ps->pq_name[0], ps->qlen);
        ps->pq_n--;
        memmove(ps->pq_len, ps->pq_len + 1, ps->pq_n);
        memmove(ps->pq_id, ps->pq_id + 1, ps->pq_n * sizeof ps->pq_id[0]);
        memmove(ps->pq_name, ps->pq_name + 1, ps->pq_n * sizeof ps->pq_name[0]);
    }
    uint32_t k = ps->nr++;
    sg_app_event *e = ev_begin(ps, SG_APP_DNS_REPLY, SG_DIR_BWD, len);
    size_t rem = ps->qlen && len >= 12u + ps->qlen ? len - 12 - ps->qlen : 1;
    if (rem >= 1 && rem <= 14 && lim == len) {
        /* no room to echo the question exactly: answer a fresh question sized to fit */
        uint32_t nq = ps->nq;
        dns_query(ps, len, o);
        ps->nq = nq; /* not one of the client's queries (their choices stay keyed by their number) */
        put16(o + 2, 0x8180);
        if (ps->pq_n) ps->pq_n--; /* it asked nothing: not pending */
        if (e) {
            e->dns_id = ps->dns_id;
            wire_text(ps->qname, ps->qlen, e->name, sizeof e->name);
            ps->ev(ps->ev_ctx, e);
        }
        return len;
    }
    size_t an = rem / 16, opt = rem % 16;
    if (opt && opt < 15) { an--; opt += 16; }
    if (lim < len) { /* the message continues in later segments: answers within the first */
        size_t first = lim - 12 - ps->qlen; /* >= 15: sg_payload_fix_sizes sees to it */
        an = (first - 15) / 16;
        opt = rem - an * 16;
    }
    put16(o, ps->dns_id); put16(o + 2, 0x8180); put16(o + 4, 1); put16(o + 6, (uint32_t)an); put16(o + 8, 0);
    put16(o + 10, opt ? 1 : 0);
    memcpy(o + 12, ps->qname, ps->qlen);
    uint8_t *p = o + 12 + ps->qlen;
    /* answers: a lookup's first answer is the server's address with its name's TTL; the others
     * (and every answer of the model's own DNS flows) keyed addresses with a vocabulary TTL */
    sg_rng ar;
    app_rng(ps, APP_DNS_R, k, &ar);
    char qn[256];
    wire_text(ps->qname, ps->qlen, qn, sizeof qn);
    uint32_t ttl0 = ps->conn->resolves ? ps->conn->resolve_ttl : sg_app_name_ttl(ps->conn->vocab, qn);
    if (e) { e->dns_id = ps->dns_id; snprintf(e->name, sizeof e->name, "%s", qn); e->n_answers = (uint16_t)an; }
    for (size_t i = 0; i < an; i++, p += 16) {
        uint32_t a = sg_rng_u32(&ar), ttl = ttl0;
        put16(p, 0xc00c); put16(p + 2, 1); put16(p + 4, 1);
        put16(p + 6, ttl >> 16); put16(p + 8, ttl & 0xffff);
        put16(p + 10, 4);
        if (i == 0 && ps->conn->resolves && !ps->conn->resolve_v6) memcpy(p + 12, ps->conn->resolve_addr, 4);
        else { p[12] = (uint8_t)(1 + (a % 222)); p[13] = (uint8_t)(a >> 8); p[14] = (uint8_t)(a >> 16); p[15] = (uint8_t)(1 + (a >> 24) % 254); }
        if (e && i < SG_APP_MAX_ANSWERS) { memcpy(e->answers[i], p + 12, 4); e->ttls[i] = ttl; }
    }
    if (e) ps->ev(ps->ev_ctx, e);
    if (opt) {
        if (lim < len) { /* OPT header here, its zero padding partly in later segments */
            uint8_t tmp[15];
            dns_opt_head(tmp, opt);
            memcpy(p, tmp, 15);
            memset(p + 15, 0, (size_t)(o + lim - (p + 15)));
        } else {
            dns_opt(p, opt);
        }
    }
    return len;
}

/* ---- DHCP (RFC 2131) ----------------------------------------------------------------------- */
enum { DHCP_MIN = 244 }; /* 236-byte BOOTP header, magic cookie, option 53, end */

static size_t dhcp(sg_payload_state *ps, int dir, uint32_t idx, uint32_t len, uint8_t *o)
{
    memset(o, 0, len);
    int cli = dir == SG_DIR_FWD;
    uint32_t n = idx; /* earlier messages of this direction: DISCOVER then REQUEST */
    if (cli && n == 0) ps->dns_id = (uint16_t)sg_rng_u32(ps->r);
    o[0] = cli ? 1 : 2; o[1] = 1; o[2] = 6; /* op, Ethernet, hlen */
    put16(o + 4, 0x3903); put16(o + 6, ps->dns_id); /* xid */
    if (!cli) memcpy(o + 16, ps->conn->cli.addr, 4); /* yiaddr */
    memcpy(o + 28, ps->conn->cli.mac, 6); /* chaddr */
    o[236] = 99; o[237] = 130; o[238] = 83; o[239] = 99; /* magic cookie */
    o[240] = 53; o[241] = 1; o[242] = (uint8_t)(cli ? (n == 0 ? 1 : 3) : (n == 0 ? 2 : 5));
    o[243] = 255;
    return len;
}

/* ---- NBNS (RFC 1002) ----------------------------------------------------------------------- */
enum { NBNS_QUERY = 50, NBNS_RESP = 62 }; /* header + encoded name + type/class (+ TTL, rdlength, one NB record) */

static size_t nbns_name(sg_payload_state *ps, uint8_t *o) /* random name, first-level encoded: 34 bytes */
{
    uint8_t nm[16];
    size_t n = 5 + sg_rng_below(ps->r, 8);
    rand_name(ps->r, nm, n);
    for (size_t i = 0; i < n; i++) nm[i] = (uint8_t)(nm[i] - 'a' + 'A');
    memset(nm + n, ' ', 15 - n);
    nm[15] = sg_rng_below(ps->r, 4) ? 0x00 : 0x20; /* workstation or file-server suffix */
    o[0] = 32;
    for (int i = 0; i < 16; i++) { o[1 + 2 * i] = (uint8_t)('A' + (nm[i] >> 4)); o[2 + 2 * i] = (uint8_t)('A' + (nm[i] & 15)); }
    o[33] = 0;
    return 34;
}

static size_t nbns(sg_payload_state *ps, int dir, uint32_t len, uint8_t *o)
{
    memset(o, 0, len);
    if (dir == SG_DIR_FWD || len < NBNS_RESP || !ps->qlen) {
        ps->dns_id = (uint16_t)sg_rng_u32(ps->r);
        put16(o, ps->dns_id); put16(o + 2, 0x0110); put16(o + 4, 1); /* query, RD, broadcast */
        nbns_name(ps, o + 12);
        memcpy(ps->qname, o + 12, 34); ps->qlen = 34;
        put16(o + 46, 0x20); put16(o + 48, 1);
        if (dir != SG_DIR_FWD) put16(o + 2, 0x8580); /* too short for an answer: echo as response */
        return len;
    }
    size_t k = (len - 56) / 6; /* NB records of 6 bytes (flags, IPv4) that fit */
    put16(o, ps->dns_id); put16(o + 2, 0x8500); put16(o + 6, 1); /* response, AA, RD; one answer */
    memcpy(o + 12, ps->qname, 34);
    put16(o + 46, 0x20); put16(o + 48, 1);
    put16(o + 50, 300000 >> 16); put16(o + 52, 300000 & 0xffff); /* TTL: Windows' 300,000 s */
    put16(o + 54, (uint32_t)(6 * k));
    for (size_t i = 0; i < k; i++) {
        uint8_t *e = o + 56 + 6 * i;
        uint32_t a = sg_rng_u32(ps->r);
        e[0] = 0; e[1] = 0; e[2] = 192; e[3] = 168; e[4] = (uint8_t)a; e[5] = (uint8_t)(1 + (a >> 8) % 254);
    }
    return len;
}

/* ---- NetBIOS datagram service (RFC 1002 4.4) ------------------------------------------------ */
enum { NBDGM_MIN = 82 }; /* 14-byte header + source and destination names */

static size_t nbdgm(sg_payload_state *ps, uint32_t len, uint8_t *o)
{
    memset(o, 0, len);
    o[0] = 0x11; o[1] = 0x02; /* DIRECT_GROUP, first fragment, B node */
    put16(o + 2, sg_rng_u32(ps->r) & 0xffff);
    if (!ps->conn->cli.is_v6) memcpy(o + 4, ps->conn->cli.addr, 4);
    put16(o + 8, 138);
    put16(o + 10, len - 14); put16(o + 12, 0);
    nbns_name(ps, o + 14);
    nbns_name(ps, o + 48);
    return len;
}

/* shortest message the templates give a head (a shorter run continues the side's previous one):
 * a request with its Host line; "HTTP/1.1 200 OK", "Content-Length: 0" and the blank line */
#define HTTP_MIN_MSG(dir) ((dir) == SG_DIR_FWD ? 64u : 38u)

uint32_t sg_payload_min_len(const sg_pkt_conn *c, int dir)
{
    switch (kind_of(c)) {
    case K_DNS: return 24;   /* header + a question */
    case K_DNS_TCP: return 26;
    case K_NBNS: return NBNS_QUERY;
    case K_DHCP: return DHCP_MIN;
    case K_NBDGM: return NBDGM_MIN;
    case K_TLS: return 22;   /* record header + AEAD tag + 1 byte */
    case K_SSH: return 48;   /* smallest encrypted SSH packet with its MAC */
    case K_HTTP: return HTTP_MIN_MSG(dir);
    case K_SMTP: return 32;
    }
    return 0;
}

/* ---- text protocols --------------------------------------------------------------------------- */
/* head + "X-Pad: aaaa\r\n" sized so the whole message is exactly len, ending with "\r\n\r\n" */
static size_t text_head(sg_rng *r, const char *head, uint32_t len, uint8_t *o, const char *end, int pad_header)
{
    size_t h = strlen(head), e = strlen(end);
    if (h + e > len) { /* too short for the template: cut it (callers' caps avoid this) */
        memcpy(o, head, len);
        return len;
    }
    memcpy(o, head, h);
    size_t fill = len - h - e;
    if (pad_header && fill >= 10) {
        memcpy(o + h, "X-Pad: ", 7);
        rand_alpha(r, o + h + 7, fill - 9);
        memcpy(o + h + fill - 2, "\r\n", 2);
    } else {
        rand_alpha(r, o + h, fill);
    }
    memcpy(o + h + fill, end, e);
    return len;
}

/* ---- HTTP ----------------------------------------------------------------------------------------
 * A message per run of one side's payloads (sg_payload_fix_sizes marks the runs): a request takes
 * a method and a path of the vocabulary (learnt from the captures' requests), Host = the server's
 * name; a response a status code of the vocabulary and a Content-Length covering its run. Methods
 * whose response carries no body (HEAD, CONNECT) and bodiless status codes (1xx, 204, 304) are
 * redrawn: a response here is followed by the rest of its run. */
/* HTTP: a payload that continues the side's current message is body bytes, after what is left of
 * a head longer than the message's first segment (held). http_body consumes such a payload
 * (copying the held head bytes into out, if given) and returns 1; any other payload starts a
 * message whose later segments (msg_more) follow as its continuation (http_begin). Once per
 * payload: by the writer, or by the walker where no template applies. */
static size_t held_left(const sg_payload_state *ps, int dir) { return (size_t)(ps->held_len[dir] - ps->held_off[dir]); }

/* Bytes [from, len) of a head-only message's segment, `after` bytes before the message's end:
 * padding letters (the value of the last header line), the last 4 of the message the line's end
 * and the blank line that closes the head. */
static void pad_tail(sg_payload_state *ps, uint8_t *o, size_t from, size_t len, uint64_t after)
{
    static const char end[4] = {'\r', '\n', '\r', '\n'};
    if (from >= len) return;
    pad_alpha(ps, o + from, len - from);
    for (size_t j = len - 1;; j--) {
        uint64_t rem = after + (len - 1 - j); /* message bytes after byte j */
        if (rem >= 4) break;
        o[j] = (uint8_t)end[3 - rem];
        if (j == from) break;
    }
}

static int http_body(sg_payload_state *ps, int dir, uint32_t len, uint8_t *out, size_t *written)
{
    if (ps->kind != K_HTTP || !ps->cont_left[dir]) return 0;
    size_t k = held_left(ps, dir);
    if (k > len) k = len;
    if (out && k) memcpy(out, ps->held[dir] + ps->held_off[dir], k);
    ps->held_off[dir] = (uint16_t)(ps->held_off[dir] + k);
    uint64_t after = ps->cont_left[dir] > len ? ps->cont_left[dir] - len : 0;
    if (ps->pad_end[dir]) {
        if (out) pad_tail(ps, out, k, len, after);
        k = len;
    }
    if (written) *written = k;
    ps->cont_left[dir] = (uint32_t)after;
    return 1;
}

static void http_begin(sg_payload_state *ps, int dir)
{
    if (ps->kind != K_HTTP) return;
    ps->cont_left[dir] = ps->msg_more;
    ps->held_len[dir] = ps->held_off[dir] = 0;
    ps->pad_end[dir] = 0;
}

/* A head of h bytes for a payload of len: what fits goes out now, the rest is held for the
 * message's next segments (their bytes, counted in msg_more, are its continuation). */
static size_t http_emit(sg_payload_state *ps, int dir, const uint8_t *head, size_t h, uint32_t len, uint8_t *o)
{
    size_t now = h < len ? h : len;
    memcpy(o, head, now);
    if (h > now) {
        memcpy(ps->held[dir], head + now, h - now);
        ps->held_len[dir] = (uint16_t)(h - now);
        ps->held_off[dir] = 0;
    }
    return now;
}

static const char *status_msg(unsigned c)
{
    switch (c) {
    case 200: return "OK"; case 201: return "Created"; case 202: return "Accepted"; case 203: return "Non-Authoritative Information";
    case 206: return "Partial Content"; case 207: return "Multi-Status"; case 301: return "Moved Permanently"; case 302: return "Found";
    case 303: return "See Other"; case 307: return "Temporary Redirect"; case 308: return "Permanent Redirect";
    case 400: return "Bad Request"; case 401: return "Unauthorized"; case 403: return "Forbidden"; case 404: return "Not Found";
    case 405: return "Method Not Allowed"; case 408: return "Request Timeout"; case 410: return "Gone";
    case 429: return "Too Many Requests"; case 500: return "Internal Server Error"; case 502: return "Bad Gateway";
    case 503: return "Service Unavailable"; case 504: return "Gateway Timeout";
    }
    return c < 300 ? "OK" : c < 400 ? "Redirect" : c < 500 ? "Client Error" : "Server Error";
}

static const char *http_method(const sg_payload_state *ps, sg_rng *r)
{
    for (int t = 0; t < 8; t++) {
        const char *m = sg_app_pick(ps->conn->vocab, SG_APP_METHODS, sg_rng_uniform(r));
        if (m && strcmp(m, "HEAD") && strcmp(m, "CONNECT")) return m;
    }
    return "GET";
}

static const char *http_path(const sg_payload_state *ps, sg_rng *r, size_t room)
{
    for (int t = 0; t < 4; t++) {
        const char *p = sg_app_pick(ps->conn->vocab, SG_APP_PATHS, sg_rng_uniform(r));
        if (p && strlen(p) <= room) return p;
    }
    return "/";
}

static unsigned http_status(const sg_payload_state *ps, sg_rng *r)
{
    for (int t = 0; t < 8; t++) {
        const char *c = sg_app_pick(ps->conn->vocab, SG_APP_STATUS, sg_rng_uniform(r));
        unsigned v = c ? (unsigned)atoi(c) : 200;
        if (v >= 200 && v != 204 && v != 304) return v;
    }
    return 200;
}

static const char *user_agent(const sg_payload_state *ps)
{
    return ps->conn->cli.os == SG_OS_WINDOWS
               ? "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
               : "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
}

/* Longest heads the templates reserve: a POST head (request line with a path of <= 96 bytes, Host,
 * Content-Type, Content-Length) and a response head (status line, Server, Content-Type,
 * Content-Length). */
#define HTTP_POST_HEAD 300
#define HTTP_RESP_HEAD 160

#define HTTP_GET_MAX 8192 /* longest request head servers accept by default (Apache, nginx: 8 KB) */

/* A head ending in "Content-Length: N\r\n\r\n" whose N is what the message holds after it
 * (total - head): formats prefix + that line for the first digit count that agrees, if it fits in
 * room. Returns the head length, 0 if it does not fit. */
static size_t head_with_length(const char *prefix, uint64_t total, size_t room, int pad, uint8_t *o)
{
    char head[512];
    size_t f = strlen(prefix);
    /* d = the width of the length field. Where the body crosses a power of ten no width matches
     * its own digits (a 48-byte response after a 17-byte status line: 1 digit leaves a body of 10,
     * 2 digits a body of 9); with pad, a body with fewer digits than d is then preceded by spaces
     * (optional whitespace before a field value, RFC 9110 5.5) */
    for (int d = 1; d <= 20; d++) {
        size_t h = f + 16 + (size_t)d + 4; /* "Content-Length: " N "\r\n\r\n" */
        if (h > room || h > total || h >= sizeof head) return 0;
        uint64_t body = total - h;
        int nd = snprintf(NULL, 0, "%llu", (unsigned long long)body);
        if (nd > d || (nd < d && !pad)) continue;
        snprintf(head, sizeof head, "%sContent-Length: %*s%llu\r\n\r\n", prefix, d - nd, "", (unsigned long long)body);
        memcpy(o, head, h);
        return h;
    }
    return 0;
}

/* An upload: a POST (PUT, PATCH) head whose Content-Length covers the rest of the message (the body comes from
 * the pool). Returns the head length (0: the message cannot hold it). */
static size_t http_post(const char *method, const char *path, const char *name, uint64_t total, uint8_t *o)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\n", method, path, name);
    return head_with_length(prefix, total, HTTP_POST_HEAD, 0, o); /* no fit: a head-only request */
}

/* A response head: the status line, then as many of Server and Content-Type as the message
 * holds, and the Content-Length of the rest of it. Returns the head length (0: not even the status
 * line and Content-Length fit). */
static size_t http_response(unsigned status, uint64_t total, uint8_t *o)
{
    static const char *opt[] = {"Server: nginx\r\n", "Content-Type: application/octet-stream\r\n"};
    /* the most headers whose length field fits exactly; padded spaces before the length only
     * where no choice fits exactly (before, such a response had no head) */
    for (int pad = 0; pad <= 1; pad++)
        for (int k = 2; k >= 0; k--) {
            char prefix[160];
            int f = snprintf(prefix, sizeof prefix, "HTTP/1.1 %u %s\r\n", status, status_msg(status));
            for (int i = 0; i < k; i++) f += snprintf(prefix + f, sizeof prefix - (size_t)f, "%s", opt[i]);
            size_t h = head_with_length(prefix, total, HTTP_RESP_HEAD, pad, o);
            if (h) return h;
        }
    return 0;
}

/* the drawn status, or 200 when the message is too short for that one's head */
static size_t http_response_fit(unsigned *status, uint64_t total, uint8_t *o)
{
    size_t h = http_response(*status, total, o);
    if (!h && *status != 200) {
        *status = 200;
        h = http_response(*status, total, o);
    }
    return h;
}

static size_t http(sg_payload_state *ps, int dir, uint32_t idx, uint32_t len, uint8_t *o)
{
    sg_rng r;
    app_rng(ps, dir == SG_DIR_FWD ? APP_HTTP_REQ : APP_HTTP_RESP, idx, &r);
    sg_app_event *e = ev_begin(ps, dir == SG_DIR_FWD ? SG_APP_HTTP_REQUEST : SG_APP_HTTP_REPLY, dir, len);
    const uint64_t total = (uint64_t)len + ps->msg_more;
    http_begin(ps, dir);
    uint8_t head[SG_HTTP_HEAD_MAX];
    if (dir != SG_DIR_FWD) {
        unsigned status = http_status(ps, &r);
        size_t h = http_response_fit(&status, total, head);
        if (e && h) {
            e->head = (uint32_t)h;
            e->body = total - h;
            e->status = status;
            snprintf(e->status_msg, sizeof e->status_msg, "%s", status_msg(status));
            ps->ev(ps->ev_ctx, e);
        }
        return http_emit(ps, dir, head, h, len, o);
    }
    /* a request: the method from the vocabulary; one with a body (POST, PUT, PATCH) has a
     * Content-Length covering the rest of the message, any other is a head only, its last header
     * line padded to the message's end. A message longer than a head can be is an upload. */
    const char *method = total > HTTP_GET_MAX ? "POST" : http_method(ps, &r);
    if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
        const char *path = http_path(ps, &r, 96);
        size_t h = http_post(method, path, ps->name, total, head);
        if (h) {
            if (e) {
                e->head = (uint32_t)h;
                e->body = total - h;
                snprintf(e->method, sizeof e->method, "%s", method);
                snprintf(e->uri, sizeof e->uri, "%s", path);
                snprintf(e->name, sizeof e->name, "%s", ps->name);
                ps->ev(ps->ev_ctx, e);
            }
            return http_emit(ps, dir, head, h, len, o);
        }
        if (total > HTTP_GET_MAX) return 0; /* (never: such a message holds any head) */
        method = "GET";                     /* too short for that head: a head only */
    }
    /* the request line must leave room for the padding line's name and the head's end, and for
     * the Host line when the message can hold it (HTTP/1.1 requires it) */
    size_t room = total > strlen(method) + 23 ? (size_t)(total - strlen(method) - 23) : 1;
    size_t host_line = 8 + strlen(ps->name);
    if (room > host_line) room -= host_line;
    const char *path = http_path(ps, &r, room < 96 ? room : 96);
    char lines[4][192];
    snprintf(lines[0], sizeof lines[0], "%s %s HTTP/1.1\r\n", method, path);
    snprintf(lines[1], sizeof lines[0], "Host: %s\r\n", ps->name);
    snprintf(lines[2], sizeof lines[0], "User-Agent: %s\r\n", user_agent(ps));
    snprintf(lines[3], sizeof lines[0], "Accept: */*\r\n");
    size_t h = 0;
    int fit = 0;
    for (int i = 0; i < 4; i++) { /* as many lines as leave room for "X-Pad: " and the end */
        size_t l = strlen(lines[i]);
        if (h + l + 7 + 4 > total || h + l + 7 > sizeof head) break;
        memcpy(head + h, lines[i], l);
        h += l;
        fit++;
    }
    if (!fit) return 0; /* (never: a request holds >= HTTP_MIN_MSG bytes) */
    memcpy(head + h, "X-Pad: ", 7);
    h += 7;
    size_t now = http_emit(ps, dir, head, h, len, o);
    pad_tail(ps, o, now, len, ps->msg_more);
    ps->pad_end[dir] = 1;
    if (e) {
        e->head = (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);
        snprintf(e->method, sizeof e->method, "%s", method);
        snprintf(e->uri, sizeof e->uri, "%s", path);
        if (fit > 1) snprintf(e->name, sizeof e->name, "%s", ps->name);
        if (fit > 2) snprintf(e->user_agent, sizeof e->user_agent, "%s", user_agent(ps));
        ps->ev(ps->ev_ctx, e);
    }
    return len;
}

size_t sg_tmpl_cap(sg_payload_state *ps, int dir, uint32_t idx, uint32_t len)
{
    switch (ps->kind) {
    case K_HTTP:
        if (ps->cont_left[dir]) { /* the side's current message: the rest of its head, then its body */
            size_t k = held_left(ps, dir);
            return ps->pad_end[dir] ? len : (k < len ? k : len);
        }
        /* a message's head may run on into its next segments; a request of up to a head's size
         * may be a head only (GET), so its whole segment is reserved */
        if ((uint64_t)len + ps->msg_more < HTTP_MIN_MSG(dir)) return 0;
        if (dir == SG_DIR_FWD) return (uint64_t)len + ps->msg_more <= HTTP_GET_MAX ? len : (len < HTTP_POST_HEAD ? len : HTTP_POST_HEAD);
        return len < HTTP_RESP_HEAD ? len : HTTP_RESP_HEAD;
    case K_TLS:
        /* the handshake only when the client speaks first: a ClientHello, then a ServerHello
         * answering it; a server that speaks first (a connection the record shows mid-stream)
         * sends records of the session */
        if (idx == 0 && dir == SG_DIR_FWD && ps->count[SG_DIR_BWD] == 0)
            return len >= TLS_CH_BASE + strlen(ps->name) && len >= 200 && len <= 16000 ? len : 0;
        if (idx == 0 && dir == SG_DIR_BWD && ps->tls_hello && len >= TLS_SH_MIN && len <= 16000) return 140;
        return len >= 6 && len <= 16000 ? 5 : 0;
    case K_DNS: return len >= 24 && len <= 1472 ? len : 0;
    case K_DNS_TCP:
        if (ps->cont_left[dir]) return len; /* the rest of a response: its EDNS0 padding */
        return len >= 26 && len <= 1472 ? len : 0;
    case K_NBNS: return len >= NBNS_QUERY && len <= 1472 ? len : 0;
    case K_DHCP: return len >= DHCP_MIN && len <= 1472 ? len : 0;
    case K_NBDGM: return len >= NBDGM_MIN && len <= 1472 ? len : 0;
    case K_SSH: return idx == 0 && len >= 24 && len <= 200 ? len : 0;
    case K_SMTP: return idx == 0 && len >= 32 && len <= 200 ? len : 0;
    }
    return 0;
}

size_t sg_tmpl_write(sg_payload_state *ps, int dir, uint32_t idx, uint32_t len, uint8_t *out)
{
    size_t held = 0;
    if (http_body(ps, dir, len, out, &held)) return held;
    if (!sg_tmpl_cap(ps, dir, idx, len)) {
        http_begin(ps, dir); /* a message whose head does not fit: its body still follows */
        return 0;
    }
    switch (ps->kind) {
    case K_HTTP: return http(ps, dir, idx, len, out);
    case K_TLS:
        if (idx == 0 && dir == SG_DIR_FWD && ps->count[SG_DIR_BWD] == 0) {
            sg_app_event *e = ev_begin(ps, SG_APP_TLS_CLIENT_HELLO, dir, len);
            if (e) { snprintf(e->name, sizeof e->name, "%s", ps->name); ps->ev(ps->ev_ctx, e); }
            ps->tls_hello = 1;
            return tls_client_hello(ps->r, ps->name, len, out);
        }
        if (idx == 0 && dir == SG_DIR_BWD && ps->tls_hello && len >= TLS_SH_MIN) {
            sg_app_event *e = ev_begin(ps, SG_APP_TLS_SERVER_HELLO, dir, len);
            if (e) ps->ev(ps->ev_ctx, e);
            return tls_server_hello(ps->r, len, out);
        }
        out[0] = 0x17; out[1] = 3; out[2] = 3; put16(out + 3, len - 5);
        return 5;
    case K_DNS:
        if (dir != SG_DIR_FWD) return dns_response(ps, len, out, len);
        dns_query(ps, len, out);
        dns_query_event(ps, len);
        return len;
    case K_DNS_TCP:
        if (ps->cont_left[dir]) { /* continuation of a response: padding bytes are zero */
            memset(out, 0, len);
            ps->cont_left[dir] = ps->cont_left[dir] > len ? ps->cont_left[dir] - len : 0;
            return len;
        }
        put16(out, len - 2 + ps->msg_more);
        if (dir == SG_DIR_FWD || ps->msg_more == 0) {
            if (dir == SG_DIR_FWD) { dns_query(ps, len - 2, out + 2); dns_query_event(ps, len); }
            else dns_response(ps, len - 2, out + 2, len - 2);
            return len;
        }
        /* a response longer than this segment: answers here, the EDNS0 padding runs on */
        dns_response(ps, len - 2 + ps->msg_more, out + 2, len - 2);
        ps->cont_left[dir] = ps->msg_more;
        return len;
    case K_NBNS: return nbns(ps, dir, len, out);
    case K_DHCP: return dhcp(ps, dir, idx, len, out);
    case K_NBDGM: return nbdgm(ps, len, out);
    case K_SSH:
        return text_head(ps->r, dir == SG_DIR_FWD ? "SSH-2.0-OpenSSH_9.2p1 " : "SSH-2.0-OpenSSH_8.9p1 ", len, out, "\r\n", 0);
    case K_SMTP:
        return text_head(ps->r, dir == SG_DIR_FWD ? "EHLO client-" : "220 mail.example.com ESMTP ", len, out, "\r\n", 0);
    }
    return 0;
}

/* HTTP messages: a run of one side's payloads, until the peer sends payload, is one message (a
 * request with its body, a response with its body); its first payload's msg_more gets the bytes
 * of the run's later ones. A run too short for any head (HTTP_MIN_MSG) continues the side's
 * previous message instead (its Content-Length covers it). A retransmitted copy repeats its
 * original and counts once. A reordered segment (AHEAD) comes before the one it overtook in the
 * capture but after it in the stream, so inside a message's head (its first SG_HTTP_HEAD_MAX bytes,
 * which may span segments) the head's pieces would be swapped: such a pair is put back in order
 * (noise avoids making one; this catches a run changed after reordering). */
static void http_close_run(sg_pkt *p, size_t run, uint64_t total, size_t prev[2])
{
    if (run == SIZE_MAX) return;
    int d = p[run].dir ? 1 : 0;
    if (total < HTTP_MIN_MSG(d) && prev[d] != SIZE_MAX) {
        uint64_t m = (uint64_t)p[prev[d]].msg_more + total;
        p[prev[d]].msg_more = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
        p[run].msg_more = 0;
        return;
    }
    prev[d] = run;
}

static void http_frame(sg_pkt *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i].msg_more = 0;
        if (p[i].payload_len && p[i].payload) return; /* replayed bytes carry their own messages */
    }
    size_t prev[2] = {SIZE_MAX, SIZE_MAX}, run = SIZE_MAX;
    uint64_t total = 0;
    int lost[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (!p[i].payload_len) continue;
        int d = p[i].dir ? 1 : 0, mark = p[i].tcp_flags & SG_PKT_NOISE_MASK;
        if (mark == SG_PKT_RETX && lost[d]) {
            lost[d] = 0;
            continue;
        }
        if (mark == SG_PKT_LOST) lost[d] = 1;
        const int same = run != SIZE_MAX && (p[run].dir ? 1 : 0) == d;
        if (mark == SG_PKT_AHEAD && (!same || total < SG_HTTP_HEAD_MAX)) p[i].tcp_flags &= (uint8_t)~SG_PKT_NOISE_MASK;
        if (same) {
            total += p[i].payload_len;
            p[run].msg_more = total - p[run].payload_len > UINT32_MAX ? UINT32_MAX : (uint32_t)(total - p[run].payload_len);
            continue;
        }
        http_close_run(p, run, total, prev);
        run = i;
        total = p[i].payload_len;
    }
    http_close_run(p, run, total, prev);
}

void sg_payload_fix_sizes(const sg_pkt_conn *c, sg_pkt *p, size_t n)
{
    int k = kind_of(c);
    if (k == K_HTTP && c->proto == SG_PROTO_TCP) http_frame(p, n);
    if (k != K_DNS && k != K_DNS_TCP) return;
    const uint32_t pre = k == K_DNS_TCP ? 2 : 0, mn = k == K_DNS_TCP ? 26 : 24;
    size_t pend[SG_DNS_PENDING], np = 0, last = 0, head = n;
    uint32_t nq = 0;
    sg_payload_state tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.conn = c;
    for (size_t i = 0; i < n; i++) p[i].msg_more = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].payload_len == 0) continue;
        if (p[i].payload_len > 1472) p[i].payload_len = 1472; /* one DNS message, one datagram */
        if (p[i].payload_len < mn) p[i].payload_len = mn;
        uint32_t len = p[i].payload_len - pre;
        if (p[i].dir == SG_DIR_FWD) {
            if (np == SG_DNS_PENDING) { memmove(pend, pend + 1, (SG_DNS_PENDING - 1) * sizeof *pend); np--; }
            /* the query is sized to its name: of the keyed vocabulary draws, the one whose size is
             * nearest to the sampled one (the automaton's sizes are the captures' sizes) */
            char name[80];
            size_t q = dns_qlen(len);
            if (dns_name(&tmp, nq++, len - 16, 1, name)) {
                size_t w = sg_app_name_wire(name);
                if (w != len - 16 && w + 15 > len - 16) { /* no room for padding: sized to the name */
                    len = (uint32_t)(16 + w);
                    p[i].payload_len = len + pre;
                    p[i].payload = NULL;
                }
                q = w + 4;
            }
            pend[np++] = q;
            continue;
        }
        if (!np && k == K_DNS_TCP && head < n && (uint64_t)p[head].msg_more + p[i].payload_len < 60000) {
            /* no query left to answer: over TCP the previous response continues here */
            p[head].msg_more += p[i].payload_len;
            continue;
        }
        size_t q = last;
        if (np) {
            q = pend[0];
            memmove(pend, pend + 1, (np - 1) * sizeof *pend);
            np--;
        }
        last = q;
        head = i;
        p[i].msg_more = 0;
        if (!q) continue; /* nothing asked yet: the response carries its own question */
        /* question echoed, then 16-byte A records and an EDNS0 OPT record of >= 15 bytes, or
         * nothing: 1..14 bytes after the question cannot be filled */
        if (len < 12 + q) len = (uint32_t)(12 + q);
        uint32_t rem = len - 12 - (uint32_t)q;
        if (rem >= 1 && rem <= 7) len -= rem;
        else if (rem >= 8 && rem <= 14) len += 15 - rem;
        p[i].payload_len = len + pre;
        p[i].payload = NULL;
    }
    /* a response that continues in later segments needs its OPT header (15 bytes) in the first */
    for (size_t i = 0; i < n; i++)
        if (p[i].msg_more && p[i].dir == SG_DIR_BWD) {
            /* find its question length again: the simplest bound is the longest question */
            uint32_t need = 2 + 12 + SG_DNS_QMAX + 15;
            if (p[i].payload_len < need) p[i].payload_len = need;
        }
}

/* The flow's templates run over its final packet list exactly as the frame builder runs them
 * (same payload numbering, same msg_more, same keyed choices), into a scratch buffer; each
 * template reports its message. The frame builder's own random stream (padding letters, TLS
 * randoms, pool offsets) is not needed: no choice a log reports comes from it. */
void sg_packets_app_walk(const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, sg_app_event_fn fn, void *ctx)
{
    if (conn->proto != SG_PROTO_TCP && conn->proto != SG_PROTO_UDP) return;
    sg_rng r;
    sg_rng_init(&r, conn->app_key, SG_STREAM_PKT_PAYLOAD, 0);
    sg_payload_state ps;
    sg_payload_state_init(&ps, conn, NULL, &r);
    if (ps.kind == K_NONE) return;
    sg_app_event ev;
    memset(&ev, 0, sizeof ev);
    ps.ev = fn;
    ps.ev_ctx = ctx;
    ps.evbuf = &ev;
    uint8_t stack[2048];
    uint8_t *buf = stack;
    size_t cap = sizeof stack;
    int lost[2] = {0, 0}; /* a LOST segment of this side waits for its RETX copy */
    for (size_t i = 0; i < n; i++) {
        const sg_pkt *p = &pkts[i];
        uint32_t plen = p->payload_len > 65000 ? 65000 : p->payload_len;
        if (!plen || p->payload) continue;
        int d = p->dir ? 1 : 0;
        if (conn->proto == SG_PROTO_TCP) { /* as the frame builder: a copy repeats bytes, no new message */
            int mark = p->tcp_flags & SG_PKT_NOISE_MASK;
            if (mark == SG_PKT_RETX && lost[d]) {
                lost[d] = 0;
                continue;
            }
            if (mark == SG_PKT_LOST) lost[d] = 1;
        }
        uint32_t idx = ps.count[d]++;
        ps.msg_more = p->msg_more;
        if (http_body(&ps, d, plen, NULL, NULL)) continue;
        size_t need = sg_tmpl_cap(&ps, d, idx, plen);
        if (!need) {
            http_begin(&ps, d);
            continue;
        }
        if (plen > cap) { /* templates may write the whole payload (DNS, HTTP requests) */
            uint8_t *nb = buf == stack ? malloc(plen) : realloc(buf, plen);
            if (!nb) break; /* out of memory: the events stop here (logs lose records, never bytes) */
            buf = nb;
            cap = plen;
        }
        ev.pkt = i;
        size_t k = sg_tmpl_write(&ps, d, idx, plen, buf);
        (void)k;
    }
    if (buf != stack) free(buf);
}
