/* Name resolution before connections (docs/packets.md "One story across layers"): a client that
 * reaches a server by name (HTTP, TLS) first asks its resolver, unless it resolved that name
 * within the answer's TTL; the answer holds the server's address, and the connection starts once
 * the answer is in. The lookup is a flow of its own (UDP, query + answer) in the flow accounting.
 *
 * Which resolver: with a config, a host offering DNS (UDP 53) that the client may use (its
 * `client` list, its `talks_to`), private hosts first, chosen by a rendezvous hash of the client's
 * address (a client keeps its resolver); a client that may not use DNS resolves nothing (its names
 * are in its hosts file). Without a config, the model's resolver: the CIDDS "DNS" host, as the
 * network mapping places it. Only private (LAN) clients are seen resolving: an outside client's
 * lookups go to its own resolver, off this capture.
 *
 * Memory: one cache entry per (client, server) pair resolved within the longest TTL; expired
 * entries are purged as the cache doubles, so memory follows the live pairs, not the run's length. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"

struct sg_resolver {
    const sg_netcfg *cfg;
    sg_pkt_host model_dns; /* without a config */
    sg_hashmap *cache;      /* client addr (16) + server addr (16) -> expiry (ns) */
    size_t purge_at;
};

sg_status sg_resolver_create(const sg_netcfg *cfg, const sg_netmap *nm, sg_resolver **out, sg_error *err)
{
    *out = NULL;
    sg_resolver *r = calloc(1, sizeof *r);
    if (!r || !(r->cache = sg_hashmap_create(1024))) {
        free(r);
        return sg_error_set(err, SG_ERR_NOMEM, "generate: out of memory (resolver cache)");
    }
    r->cfg = cfg;
    r->purge_at = 8192;
    if (!cfg) sg_netmap_host(nm, "DNS", 0, &r->model_dns);
    sg_app_vocab_builtin_init();
    *out = r;
    return SG_OK;
}

void sg_resolver_destroy(sg_resolver *r)
{
    if (!r) return;
    sg_hashmap_destroy(r->cache);
    free(r);
}

static int uses_dns(const sg_net_host *h)
{
    if (h->client_all) return 1;
    for (size_t k = 0; k < h->nclient; k++)
        if ((h->client[k].proto == SG_PROTO_UDP && h->client[k].port == 53) || !strcmp(h->client[k].name, "dns")) return 1;
    return 0;
}

/* the config's resolver for this client; 0 if none */
static int cfg_resolver(const sg_netcfg *cfg, const sg_pkt_host *cli, sg_pkt_host *out)
{
    long ci = -1;
    for (size_t h = 0; h < cfg->nhosts && ci < 0; h++)
        for (size_t k = 0; k < cfg->hosts[h].nifaces; k++)
            if (cfg->hosts[h].ifaces[k].is_v6 == cli->is_v6 && !memcmp(cfg->hosts[h].ifaces[k].addr, cli->addr, 16)) ci = (long)h;
    if (ci < 0 || !uses_dns(&cfg->hosts[ci])) return 0;
    const sg_net_host *ch = &cfg->hosts[ci];
    double best = INFINITY;
    int found = 0;
    for (int pass = 0; pass < 2 && !found; pass++)
        for (size_t h = 0; h < cfg->nhosts; h++) {
            if ((long)h == ci) continue;
            if (ch->ntalks) {
                int ok = 0;
                for (size_t t = 0; t < ch->ntalks; t++) ok |= ch->talks_to[t] == h;
                if (!ok) continue;
            }
            const sg_net_host *hh = &cfg->hosts[h];
            for (size_t k = 0; k < hh->nifaces; k++) {
                const sg_net_iface *f = &hh->ifaces[k];
                if (f->is_v6 != cli->is_v6 || sg_app_addr_private(f->addr, f->is_v6) != (pass == 0)) continue;
                for (size_t q = 0; q < f->nservices; q++) {
                    if (f->services[q].proto != SG_PROTO_UDP || f->services[q].port != 53) continue;
                    uint64_t x = sg_hash_bytes(cli->addr, 16, sg_hash_u64(h * 64 + k));
                    double u = ((double)(x >> 11) + 0.5) / 9007199254740992.0;
                    double sc = -log(u) / (hh->usage > 0 ? hh->usage : 1);
                    if (sc < best) {
                        best = sc;
                        found = 1;
                        memset(out, 0, sizeof *out);
                        memcpy(out->addr, f->addr, 16);
                        out->is_v6 = f->is_v6;
                        out->os = hh->os == SG_NET_OS_WINDOWS ? SG_OS_WINDOWS : SG_OS_LINUX;
                        out->ttl = out->os == SG_OS_WINDOWS ? 128 : 64;
                        if (f->has_mac) memcpy(out->mac, f->mac, 6);
                        else {
                            uint64_t m = sg_hash_bytes(f->addr, 16, 0x5ec9e11e7ULL ^ 0x4444);
                            out->mac[0] = 0xfa; out->mac[1] = 0x16; out->mac[2] = 0x3e;
                            out->mac[3] = (uint8_t)m; out->mac[4] = (uint8_t)(m >> 8); out->mac[5] = (uint8_t)(m >> 16);
                        }
                    }
                }
            }
        }
    return found;
}

static void purge(sg_resolver *r, int64_t now_ns)
{
    if (sg_hashmap_size(r->cache) < r->purge_at) return;
    sg_vec dead;
    sg_vec_init(&dead, 32);
    size_t it = 0;
    const void *k;
    size_t kl;
    uint64_t v;
    while (sg_hashmap_next(r->cache, &it, &k, &kl, &v))
        if ((int64_t)v <= now_ns && kl == 32) sg_vec_push(&dead, k);
    for (size_t i = 0; i < dead.len; i++) sg_hashmap_remove(r->cache, (char *)dead.data + 32 * i, 32);
    sg_vec_free(&dead);
    r->purge_at = 2 * sg_hashmap_size(r->cache) + 8192;
}

int sg_resolver_before(sg_resolver *r, const sg_pkt_conn *conn, int64_t t_ns, uint64_t seed, uint64_t flow_index,
                       sg_pkt_conn *dconn, sg_vec *dpkts, int64_t *delay_ns, int *cached, sg_status *st)
{
    *st = SG_OK;
    *cached = 0;
    if (!sg_payload_named_service(conn) || !sg_app_addr_private(conn->cli.addr, conn->cli.is_v6)) return 0;
    if (conn->srv.is_v6) return 0; /* A records only (AAAA lookups: not modelled) */
    sg_pkt_host res;
    if (r->cfg) {
        if (!cfg_resolver(r->cfg, &conn->cli, &res)) return 0;
    } else {
        res = r->model_dns;
        if (res.is_v6 != conn->cli.is_v6) return 0;
    }
    if (!memcmp(res.addr, conn->srv.addr, 16) || !memcmp(res.addr, conn->cli.addr, 16)) return 0;
    uint8_t key[32];
    memcpy(key, conn->cli.addr, 16);
    memcpy(key + 16, conn->srv.addr, 16);
    uint64_t until;
    if (sg_hashmap_get(r->cache, key, sizeof key, &until) && (int64_t)until > t_ns) {
        *cached = 1;
        return 0;
    }
    char name[80];
    sg_app_server_name(conn->vocab, conn->srv.addr, conn->srv.is_v6, name);
    uint32_t ttl = sg_app_name_ttl(conn->vocab, name);
    sg_rng rng;
    sg_rng_init(&rng, seed, SG_STREAM_PKT_RESOLVE, flow_index);
    /* resolver round trip: a LAN resolver answers in 0.2-2 ms when it has the name cached, an
     * outside one 5-40 ms; then the client's connect() follows within 0.05-0.5 ms */
    double rtt_ms = sg_app_addr_private(res.addr, res.is_v6) ? 0.2 + 1.8 * sg_rng_uniform(&rng) : 5 + 35 * sg_rng_uniform(&rng);
    int64_t rtt = (int64_t)(rtt_ms * 1e3) * 1000, think = (int64_t)(50 + sg_rng_below(&rng, 450)) * 1000;
    memset(dconn, 0, sizeof *dconn);
    dconn->proto = SG_PROTO_UDP;
    dconn->cli = conn->cli;
    dconn->srv = res;
    dconn->src_port = (uint16_t)(32768 + sg_rng_below(&rng, 60999 - 32768));
    dconn->dst_port = dconn->service_port = 53;
    dconn->taint = conn->taint;
    dconn->vocab = conn->vocab;
    dconn->app_key = sg_hash_u64(conn->app_key ^ 0x7265736f6c7665ULL);
    dconn->resolves = 1;
    dconn->resolve_v6 = conn->srv.is_v6;
    memcpy(dconn->resolve_addr, conn->srv.addr, 16);
    dconn->resolve_ttl = ttl;
    uint32_t q = (uint32_t)(12 + sg_app_name_wire(name) + 4);
    if (q < 24) q += 15; /* a name as short as "t.me": EDNS0 padding up to a DNS packet's minimum */
    sg_vec_clear(dpkts);
    sg_pkt p = {.t_ns = t_ns, .payload_len = q, .dir = SG_DIR_FWD};
    if ((*st = sg_pkt_push(dpkts, &p)) != SG_OK) return 0;
    p.t_ns = t_ns + rtt;
    p.payload_len = q + 16; /* the question echoed (and the padding) and one A record */
    p.dir = SG_DIR_BWD;
    if ((*st = sg_pkt_push(dpkts, &p)) != SG_OK) return 0;
    *delay_ns = rtt + think;
    /* the client now knows the address until the TTL runs out (counted from the answer) */
    purge(r, t_ns);
    if ((*st = sg_hashmap_put(r->cache, key, sizeof key, (uint64_t)(t_ns + rtt + (int64_t)ttl * 1000000000LL))) != SG_OK) return 0;
    return 1;
}
