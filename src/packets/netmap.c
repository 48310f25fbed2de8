/* Flow endpoints -> network hosts (addresses, MACs, OS, TTLs), with or without a network config.
 * Everything is a pure function of the flow's addresses (hashes), so a model host keeps the same
 * identity (address, MAC, TTL, OS) across the whole capture and across runs. */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/packets.h"

#define HASH_SEED 0x5ec9e11e7ULL /* fixed: mappings do not depend on the run's seed */

typedef struct cand {
    size_t host, iface;
    uint8_t proto;
    uint16_t port;
    const char *name;
} cand;

struct sg_netmap {
    const sg_netcfg *cfg;
    cand *c;
    size_t nc;
};

sg_status sg_netmap_create(const sg_netcfg *cfg, sg_netmap **out, sg_error *err)
{
    *out = NULL;
    sg_netmap *m = calloc(1, sizeof *m);
    if (!m) return sg_error_set(err, SG_ERR_NOMEM, "netmap: out of memory");
    m->cfg = cfg;
    if (cfg) {
        size_t n = 0;
        for (size_t h = 0; h < cfg->nhosts; h++)
            for (size_t k = 0; k < cfg->hosts[h].nifaces; k++) n += cfg->hosts[h].ifaces[k].nservices;
        m->c = calloc(n ? n : 1, sizeof *m->c);
        if (!m->c) { free(m); return sg_error_set(err, SG_ERR_NOMEM, "netmap: out of memory"); }
        for (size_t h = 0; h < cfg->nhosts; h++)
            for (size_t k = 0; k < cfg->hosts[h].nifaces; k++)
                for (size_t q = 0; q < cfg->hosts[h].ifaces[k].nservices; q++) {
                    const sg_net_service *s = &cfg->hosts[h].ifaces[k].services[q];
                    m->c[m->nc++] = (cand){h, k, s->proto, s->port, s->name};
                }
    }
    *out = m;
    return SG_OK;
}

void sg_netmap_destroy(sg_netmap *m)
{
    if (!m) return;
    free(m->c);
    free(m);
}

static uint64_t hstr(const char *s, uint64_t salt) { return sg_hash_bytes(s, strlen(s), HASH_SEED ^ salt); }

/* First octets of large, ordinary unicast allocations (no private, reserved, multicast, CGN). */
static const uint8_t public_a[] = {2,   5,   23,  31,  34,  35,  37,  45,  46,  52,  54,  62,  64,  66,  69,  72,
                                   74,  77,  78,  79,  80,  81,  82,  83,  84,  85,  86,  87,  88,  89,  90,  91,
                                   92,  93,  94,  95,  104, 107, 108, 109, 128, 129, 130, 134, 136, 137, 138, 139,
                                   140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 151, 152, 155, 157, 158, 159,
                                   162, 163, 164, 165, 170, 171, 173, 174, 176, 178, 185, 188, 193, 194, 195, 199,
                                   203, 204, 205, 206, 207, 208, 209, 212, 213, 216, 217};

void sg_netmap_public_v4(const char *name, uint8_t out[4])
{
    uint64_t h = hstr(name, 0x1111);
    out[0] = public_a[h % sizeof public_a];
    out[1] = (uint8_t)(h >> 16);
    out[2] = (uint8_t)(h >> 24);
    out[3] = (uint8_t)(1 + (h >> 32) % 254);
}

static void public_v6(const char *name, uint8_t out[16])
{
    uint64_t a = hstr(name, 0x2222), b = hstr(name, 0x3333);
    out[0] = 0x2a;
    out[1] = (uint8_t)(0x00 + (a & 0x0f)); /* 2a00::/12, RIPE-allocated space */
    for (int i = 2; i < 8; i++) out[i] = (uint8_t)(a >> (8 * i));
    memcpy(out + 8, &b, 8);
    if (!out[15]) out[15] = 1;
}

static int is_private(const uint8_t *a, int v6)
{
    if (v6) return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
    return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] == 0;
}

static int is_group(const uint8_t *a, int v6, uint8_t mac[6])
{
    if (v6) {
        if (a[0] != 0xff) return 0;
        mac[0] = 0x33; mac[1] = 0x33; memcpy(mac + 2, a + 12, 4);
        return 1;
    }
    if (a[0] >= 224 && a[0] < 240) {
        mac[0] = 0x01; mac[1] = 0x00; mac[2] = 0x5e; mac[3] = a[1] & 0x7f; mac[4] = a[2]; mac[5] = a[3];
        return 1;
    }
    if ((a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) || (is_private(a, 0) && a[3] == 255)) {
        memset(mac, 0xff, 6);
        return 1;
    }
    return 0;
}

static void host_mac(const uint8_t *addr, uint8_t mac[6])
{
    uint64_t h = sg_hash_bytes(addr, 16, HASH_SEED ^ 0x4444);
    mac[0] = 0xfa; mac[1] = 0x16; mac[2] = 0x3e; /* OpenStack Neutron's base MAC, as in CIDDS-001 */
    mac[3] = (uint8_t)h; mac[4] = (uint8_t)(h >> 8); mac[5] = (uint8_t)(h >> 16);
}

static const uint8_t default_gw[6] = {0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01};

/* Identity of a host not described by a config: OS, TTL and MAC from hashes of its address. */
static void model_host(const sg_netmap *m, sg_pkt_host *h, uint8_t proto)
{
    uint64_t x = sg_hash_bytes(h->addr, 16, HASH_SEED ^ 0x5555);
    uint8_t gm[6];
    if (is_group(h->addr, h->is_v6, gm)) {
        memcpy(h->mac, gm, 6);
        h->os = SG_OS_LINUX;
        h->ttl = 255;
        return;
    }
    if (is_private(h->addr, h->is_v6)) {
        h->os = x % 10 < 6 ? SG_OS_LINUX : SG_OS_WINDOWS;
        h->ttl = h->os == SG_OS_LINUX ? 64 : 128;
        host_mac(h->addr, h->mac);
    } else {
        unsigned r = (unsigned)(x % 10);
        uint8_t init = r < 6 ? 64 : (r < 9 ? 128 : 255);
        h->os = init == 128 ? SG_OS_WINDOWS : SG_OS_LINUX;
        h->ttl = (uint8_t)(init - 8 - (x >> 8) % 14); /* 8-21 hops away */
        memcpy(h->mac, m->cfg ? m->cfg->gateway_mac : default_gw, 6);
    }
    (void)proto;
}

/* model address text -> bytes (anonymised names -> public) */
static void resolve(const char *text, int want_v6, sg_pkt_host *h)
{
    memset(h, 0, sizeof *h);
    if (sg_addr_parse(text, h->addr, &h->is_v6) == 0 && (want_v6 < 0 || h->is_v6 == want_v6)) return;
    memset(h->addr, 0, 16);
    if (want_v6 == 1) { h->is_v6 = 1; public_v6(text, h->addr); }
    else { h->is_v6 = 0; sg_netmap_public_v4(text, h->addr); }
}

static double hrw(const char *key, size_t i, double w)
{
    uint64_t h = sg_hash_bytes(&i, sizeof i, hstr(key, 0x6666));
    double u = ((double)(h >> 11) + 0.5) / 9007199254740992.0;
    return -log(u) / w;
}

/* A host of the config with only public addresses that offers services is a server outside the
 * LAN (a public resolver, a partner's web site): without an explicit `client:` list it is nobody's
 * client. (A LAN numbered in public space still has clients: its hosts without services.) */
static int outside_server(const sg_net_host *h)
{
    int services = 0;
    for (size_t k = 0; k < h->nifaces; k++) {
        if (is_private(h->ifaces[k].addr, h->ifaces[k].is_v6)) return 0;
        services |= h->ifaces[k].nservices > 0;
    }
    return services;
}

static int uses(const sg_net_host *h, const cand *c)
{
    if (h->client_all) return !outside_server(h);
    for (size_t k = 0; k < h->nclient; k++)
        if (!strcmp(h->client[k].name, c->name) || (h->client[k].port == c->port && h->client[k].proto == c->proto)) return 1;
    return 0;
}

static void cfg_host(const sg_netcfg *cfg, size_t hi, size_t ki, sg_pkt_host *out)
{
    const sg_net_host *h = &cfg->hosts[hi];
    const sg_net_iface *f = &h->ifaces[ki];
    memset(out, 0, sizeof *out);
    memcpy(out->addr, f->addr, 16);
    out->is_v6 = f->is_v6;
    out->os = h->os == SG_NET_OS_WINDOWS ? SG_OS_WINDOWS : SG_OS_LINUX;
    out->ttl = out->os == SG_OS_WINDOWS ? 128 : 64;
    if (f->has_mac) memcpy(out->mac, f->mac, 6);
    else host_mac(f->addr, out->mac);
}

static void addr_text(const sg_pkt_host *h, char *buf)
{
    inet_ntop(h->is_v6 ? AF_INET6 : AF_INET, h->addr, buf, SG_ADDR_MAX);
}

void sg_netmap_host(const sg_netmap *m, const char *ip_or_name, int want_v6, sg_pkt_host *out)
{
    resolve(ip_or_name, want_v6, out);
    const sg_netcfg *cfg = m->cfg;
    for (size_t i = 0; cfg && i < cfg->nhosts; i++)
        for (size_t k = 0; k < cfg->hosts[i].nifaces; k++)
            if (cfg->hosts[i].ifaces[k].is_v6 == out->is_v6 && !memcmp(cfg->hosts[i].ifaces[k].addr, out->addr, 16)) {
                cfg_host(cfg, i, k, out);
                return;
            }
    model_host(m, out, 0);
}

sg_netmap_result sg_netmap_flow(const sg_netmap *m, sg_flow *f, sg_rng *rng, sg_pkt_conn *conn)
{
    memset(conn, 0, sizeof *conn);
    conn->proto = f->proto;
    const sg_netcfg *cfg = m->cfg;
    sg_pkt_host cli, srv;
    resolve(f->src_ip, -1, &cli);
    resolve(f->dst_ip, cli.is_v6, &srv);
    if (cli.is_v6 != srv.is_v6) return SG_NETMAP_BAD_ADDR;
    /* TCP/UDP port 0 cannot be on the wire (the flow model can draw it: ICMP flows have port 0) */
    if ((f->proto == SG_PROTO_TCP || f->proto == SG_PROTO_UDP) && f->dst_port == 0) return SG_NETMAP_BAD_ADDR;
    if (!cfg) {
        model_host(m, &cli, f->proto);
        model_host(m, &srv, f->proto);
    } else {
        int srv_private = is_private(srv.addr, srv.is_v6);
        int cli_private = is_private(cli.addr, cli.is_v6);
        uint8_t gm[6];
        long si = -1, sk = -1;
        const cand *sc = NULL;
        /* a directed broadcast of the model's network (192.168.220.255: NetBIOS, SSDP...) */
        int directed = !srv.is_v6 && srv_private && srv.addr[3] == 255;
        if (is_group(srv.addr, srv.is_v6, gm)) {
            model_host(m, &srv, f->proto);
        } else {
            /* a private model server becomes a config host offering the service (private hosts
             * first, then public ones); a public one becomes a public host of the config offering
             * it, if the config names any, else it keeps its public address */
            const char *want = sg_net_service_name(f->proto, f->dst_port);
            for (int pass = srv_private ? 0 : 1; pass < 2 && !sc; pass++) {
                double best = INFINITY;
                for (size_t i = 0; i < m->nc; i++) {
                    const cand *c = &m->c[i];
                    if (c->proto != f->proto) continue;
                    if (!(c->port == f->dst_port || (want && !strcmp(want, c->name)))) continue;
                    const sg_net_iface *ci = &cfg->hosts[c->host].ifaces[c->iface];
                    if (is_private(ci->addr, ci->is_v6) != (pass == 0)) continue;
                    double w = cfg->hosts[c->host].usage;
                    if (w <= 0) continue;
                    double sc_ = hrw(f->dst_ip, i, w);
                    if (sc_ < best) { best = sc_; sc = c; }
                }
            }
            if (sc) {
                si = (long)sc->host;
                sk = (long)sc->iface;
                cfg_host(cfg, (size_t)si, (size_t)sk, &srv);
                f->dst_port = sc->port;
            } else if (srv_private) {
                return SG_NETMAP_NO_SERVER;
            } else {
                model_host(m, &srv, f->proto);
            }
        }
        /* Every flow has a config host as an endpoint: the client is a config host unless the
         * server is one and the model's client is public (a connection from outside). A client
         * with talks_to uses only those servers: nothing public, multicast or broadcast. */
        if (cli_private || si < 0) {
            cand any = {0, 0, f->proto, f->dst_port, sg_net_service_name(f->proto, f->dst_port)};
            if (!any.name) any.name = "";
            const cand *svc = sc ? sc : &any;
            double best = INFINITY;
            long ci = -1, ck = -1;
            for (size_t h = 0; h < cfg->nhosts; h++) {
                const sg_net_host *hh = &cfg->hosts[h];
                if ((long)h == si || hh->usage <= 0 || !uses(hh, svc)) continue;
                if (hh->ntalks) {
                    int ok = 0;
                    for (size_t t = 0; si >= 0 && t < hh->ntalks; t++) ok |= hh->talks_to[t] == (size_t)si;
                    if (!ok) continue;
                }
                for (size_t k = 0; k < hh->nifaces; k++) {
                    if (hh->ifaces[k].is_v6 != srv.is_v6) continue;
                    double s = hrw(f->src_ip, h * 64 + k, hh->usage);
                    if (s < best) { best = s; ci = (long)h; ck = (long)k; }
                }
            }
            if (ci < 0) return SG_NETMAP_NO_CLIENT;
            cfg_host(cfg, (size_t)ci, (size_t)ck, &cli);
            /* ... goes to the broadcast address of the client's own /24 (the config gives no prefix
             * lengths; the model's networks are /24s): the model's address lies outside the user's
             * network, and a sensor there would never see it */
            if (directed && !cli.is_v6) {
                memcpy(srv.addr, cli.addr, 3);
                srv.addr[3] = 255;
                model_host(m, &srv, f->proto);
            }
            double keep;
            if (!sg_netcfg_active(cfg, &cfg->hosts[ci], f->start_us, &keep) && sg_rng_uniform(rng) >= keep)
                return SG_NETMAP_INACTIVE;
        } else {
            if (cli.is_v6 != srv.is_v6) resolve(f->src_ip, srv.is_v6, &cli);
            model_host(m, &cli, f->proto);
        }
    }
    /* a host talking to itself never reaches the wire (and both directions would share one key) */
    if (cli.is_v6 == srv.is_v6 && !memcmp(cli.addr, srv.addr, 16)) return SG_NETMAP_BAD_ADDR;
    conn->cli = cli;
    conn->srv = srv;
    conn->src_port = f->src_port;
    conn->dst_port = f->dst_port;
    conn->service_port = f->dst_port;
    addr_text(&cli, f->src_ip);
    addr_text(&srv, f->dst_ip);
    return SG_NETMAP_OK;
}
