/* The attacks module (include/secgen/attacks.h): validation of the network config's `attacks:`
 * list (kept as parsed by netcfg, with the YAML line of each node) and the synthetic kinds as a
 * start-ordered stream of labelled flows with their packets. Packet lists are built here, frames
 * by the packets module when the pipeline merges them (sg_pktgen_add_built). See docs/attacks.md. */
#include "secgen/attacks.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <jansson.h>

#include "attacks/attacks_internal.h"

typedef struct attack {
    char name[64];
    sg_attack_kind kind;
    size_t line;
    const json_t *node;        /* for the window check's message */
    int at_offset;             /* at is "+<duration>" from the run's start */
    int64_t at_us;             /* offset or absolute time */
    long attacker;             /* config host, -1 = external */
    long victim;
    double rate;               /* flows per second */
    int64_t duration_us;
    uint64_t count;            /* flows (probes, connections, SYNs, requests, queries) */
    uint16_t *ports;           /* port-scan: ports to probe, in probe order */
    size_t nports;
    uint16_t port;             /* the victim's port for the other kinds */
    unsigned tries;            /* ssh-brute-force: passwords per connection */
    int spoof;                 /* syn-flood: random public source addresses */
    int v6;                    /* the attack runs over IPv6 (family) */
    char pcap[1024];           /* replay: the capture (relative paths: from the config's folder) */
    char map_att[48], map_vic[48]; /* replay: the capture's addresses to map ("" = found) */
} attack;

struct sg_attacks {
    attack *a;
    size_t n;
};

/* ---- validation ----------------------------------------------------------------------------------- */
typedef struct vctx {
    const sg_netcfg *cfg;
    sg_error *err;
} vctx;

static size_t line_of(const vctx *c, const json_t *j)
{
    uint64_t v = 0;
    uintptr_t k = (uintptr_t)j;
    if (c->cfg->attack_lines && sg_hashmap_get(c->cfg->attack_lines, &k, sizeof k, &v)) return (size_t)v;
    return 0;
}

static sg_status fail(const vctx *c, const json_t *j, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sg_status fail(const vctx *c, const json_t *j, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t line = line_of(c, j);
    if (line) return sg_error_set(c->err, SG_ERR_INVALID, "%s:%zu: %s", c->cfg->source, line, msg);
    return sg_error_set(c->err, SG_ERR_INVALID, "%s: %s", c->cfg->source, msg);
}

/* YAML scalars arrive as strings, JSON ones typed: accept both */
static const char *str_of(const json_t *j) { return json_is_string(j) ? json_string_value(j) : NULL; }

static int num_of(const json_t *j, double *out)
{
    if (json_is_number(j)) { *out = json_number_value(j); return 0; }
    const char *s = str_of(j);
    if (!s || !*s) return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end) return -1;
    *out = v;
    return 0;
}

static int bool_of(const json_t *j, int *out)
{
    if (json_is_boolean(j)) { *out = json_is_true(j); return 0; }
    const char *s = str_of(j);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) { *out = 1; return 0; }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) { *out = 0; return 0; }
    return -1;
}

static const char *const kind_names[] = {"port-scan", "ssh-brute-force", "syn-flood", "http-flood", "dns-tunnel", "pcap"};

const char *sg_attack_kind_name(sg_attack_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

/* keys of each kind, after the common ones */
static const char *const common_keys[] = {"name", "at", "attacker", "victim", "kind", "pcap", "map", "family", NULL};
static const char *const kind_keys[][5] = {
    {"ports", "rate", NULL},                       /* port-scan */
    {"rate", "duration", "attempts", "tries", NULL}, /* ssh-brute-force */
    {"rate", "duration", "port", "spoof", NULL},   /* syn-flood */
    {"rate", "duration", "port", NULL},            /* http-flood */
    {"rate", "duration", NULL},                    /* dns-tunnel */
    {"map", NULL},                                 /* pcap */
};

static int in_list(const char *const *l, const char *k)
{
    for (; *l; l++)
        if (!strcmp(*l, k)) return 1;
    return 0;
}

/* a service the victim offers: 1 if (proto, port) is on one of its interfaces */
static int offers(const sg_net_host *h, uint8_t proto, uint16_t port)
{
    for (size_t k = 0; k < h->nifaces; k++)
        for (size_t s = 0; s < h->ifaces[k].nservices; s++)
            if (h->ifaces[k].services[s].proto == proto && h->ifaces[k].services[s].port == port) return 1;
    return 0;
}

/* "1-1024,3389" or a list of numbers / ranges */
static sg_status parse_ports(const vctx *c, const json_t *j, const char *path, attack *a)
{
    char buf[4096];
    if (json_is_array(j)) {
        size_t off = 0;
        for (size_t i = 0; i < json_array_size(j); i++) {
            const json_t *e = json_array_get(j, i);
            char one[32];
            const char *s = str_of(e);
            if (json_is_integer(e)) snprintf(one, sizeof one, "%lld", (long long)json_integer_value(e)), s = one;
            if (!s) return fail(c, e, "%s[%zu]: expected a port or a range like 1-1024", path, i);
            off += (size_t)snprintf(buf + off, sizeof buf - (off < sizeof buf ? off : sizeof buf), "%s%s", i ? "," : "", s);
            if (off >= sizeof buf) return fail(c, j, "%s: list too long", path);
        }
    } else if (json_is_integer(j)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(j));
    } else if (str_of(j)) {
        snprintf(buf, sizeof buf, "%s", str_of(j));
    } else {
        return fail(c, j, "%s: expected ports such as \"1-1024,3389\"", path);
    }
    uint8_t *seen = calloc(65536, 1);
    if (!seen) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        char *end;
        long lo = strtol(tok, &end, 10), hi = lo;
        if (*end == '-') hi = strtol(end + 1, &end, 10);
        if (*end || lo < 1 || hi > 65535 || lo > hi) {
            free(seen);
            return fail(c, j, "%s: '%s' is not a port (1-65535) or a range lo-hi", path, tok);
        }
        for (long p = lo; p <= hi; p++)
            if (!seen[p]) seen[p] = 1, n++;
    }
    if (!n) { free(seen); return fail(c, j, "%s: no port", path); }
    a->ports = malloc(n * sizeof *a->ports);
    if (!a->ports) { free(seen); return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory"); }
    for (long p = 1; p <= 65535; p++)
        if (seen[p]) a->ports[a->nports++] = (uint16_t)p;
    free(seen);
    return SG_OK;
}

/* does host h have an interface of the family (v6 0/1)? */
static int host_has(const sg_net_host *h, int v6)
{
    for (size_t k = 0; k < h->nifaces; k++)
        if (h->ifaces[k].is_v6 == v6) return 1;
    return 0;
}

static sg_status parse_one(const vctx *c, const json_t *j, size_t i, sg_attacks *set)
{
    attack *a = &set->a[i];
    char path[48];
    snprintf(path, sizeof path, "attacks[%zu]", i);
    a->node = j;
    a->line = line_of(c, j);
    if (!json_is_object(j)) return fail(c, j, "%s: expected a mapping with name, at, attacker, victim and kind or pcap", path);
    const json_t *v;
    /* name: the label of every flow the attack makes (a CSV field) */
    const char *name = str_of(json_object_get(j, "name"));
    if (!name) return fail(c, j, "%s.name: missing (the label of the attack's flows)", path);
    size_t nl = strlen(name);
    int ok = nl > 0 && nl < sizeof a->name && strcmp(name, "benign") != 0;
    for (size_t k = 0; ok && k < nl; k++) ok = isalnum((unsigned char)name[k]) || strchr("._-", name[k]);
    if (!ok)
        return fail(c, json_object_get(j, "name"), "%s.name: '%s' must be 1-63 letters, digits, '.', '_' or '-', and not 'benign'", path, name);
    for (size_t k = 0; k < i; k++)
        if (!strcmp(set->a[k].name, name)) return fail(c, json_object_get(j, "name"), "%s.name: '%s' is already the name of attacks[%zu]", path, name, k);
    snprintf(a->name, sizeof a->name, "%s", name);
    /* kind or pcap, then the keys that kind accepts */
    const json_t *kind = json_object_get(j, "kind"), *pcap = json_object_get(j, "pcap");
    if (kind && pcap) return fail(c, kind, "%s: give either kind or pcap, not both", path);
    if (!kind && !pcap) return fail(c, j, "%s: missing kind (one of: port-scan, ssh-brute-force, syn-flood, http-flood, dns-tunnel) or pcap", path);
    const char *ks = pcap ? "pcap" : str_of(kind);
    size_t kn = sizeof kind_names / sizeof kind_names[0], ki = kn;
    for (size_t k = 0; ks && k < kn; k++)
        if (!strcmp(ks, kind_names[k])) ki = k;
    if (ki == kn || (!pcap && ki == SG_ATTACK_PCAP))
        return fail(c, kind, "%s.kind: unknown kind '%s' (expected one of: port-scan, ssh-brute-force, syn-flood, http-flood, dns-tunnel)",
                    path, ks ? ks : "?");
    a->kind = (sg_attack_kind)ki;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val) {
        if (in_list(common_keys, key) || in_list(kind_keys[ki], key)) continue;
        char list[160] = "";
        for (const char *const *p = kind_keys[ki]; *p; p++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "", *p);
        return fail(c, val, "%s: unknown parameter '%s' for kind %s (expected: %s)", path, key, ks, list);
    }
    if (!pcap && (v = json_object_get(j, "map"))) return fail(c, v, "%s.map: only for a pcap replay", path);
    /* at: "+5m" or an ISO time */
    const json_t *at = json_object_get(j, "at");
    const char *as = str_of(at);
    if (!as) return fail(c, at ? at : j, "%s.at: missing (an offset such as \"+5m\" from the run's start, or an ISO time)", path);
    sg_error e2;
    if (as[0] == '+') {
        a->at_offset = 1;
        if (sg_duration_parse(as + 1, &a->at_us, &e2) != SG_OK || a->at_us < 0)
            return fail(c, at, "%s.at: '%s' is not an offset such as \"+5m\" or \"+90s\"", path, as);
    } else if (sg_time_parse(as, &a->at_us, &e2) != SG_OK) {
        return fail(c, at, "%s.at: '%s' is neither an offset such as \"+5m\" nor an ISO time", path, as);
    }
    /* hosts */
    const json_t *vj = json_object_get(j, "victim"), *aj = json_object_get(j, "attacker");
    const char *vs = str_of(vj), *atk = str_of(aj);
    if (!vs) return fail(c, vj ? vj : j, "%s.victim: missing (a host of the config)", path);
    if ((a->victim = sg_netcfg_find_host(c->cfg, vs)) < 0) return fail(c, vj, "%s.victim: unknown host '%s'", path, vs);
    if (!atk) return fail(c, aj ? aj : j, "%s.attacker: missing (a host of the config, or external)", path);
    if (!strcmp(atk, "external")) a->attacker = -1;
    else if ((a->attacker = sg_netcfg_find_host(c->cfg, atk)) < 0)
        return fail(c, aj, "%s.attacker: unknown host '%s' (a host of the config, or external)", path, atk);
    if (a->attacker == a->victim) return fail(c, aj, "%s.attacker: the victim itself", path);
    const sg_net_host *vh = &c->cfg->hosts[a->victim];
    const sg_net_host *ah = a->attacker >= 0 ? &c->cfg->hosts[a->attacker] : NULL;
    /* family: the victim's IPv4 unless the config says ipv6 or the hosts have only IPv6 */
    const json_t *fj = json_object_get(j, "family");
    int want = -1;
    if (fj) {
        const char *fs = str_of(fj);
        double fn;
        if (fs && (!strcmp(fs, "ipv4") || !strcmp(fs, "4"))) want = 0;
        else if (fs && (!strcmp(fs, "ipv6") || !strcmp(fs, "6"))) want = 1;
        else if (!fs && num_of(fj, &fn) == 0 && (fn == 4 || fn == 6)) want = fn == 6;
        else return fail(c, fj, "%s.family: expected ipv4 or ipv6", path);
    }
    if (want < 0) want = host_has(vh, 0) && (!ah || host_has(ah, 0)) ? 0 : 1;
    if (pcap && want) return fail(c, fj ? fj : vj, "%s: a replayed capture is IPv4: the victim and attacker need IPv4 interfaces (family ipv4)", path);
    if (!host_has(vh, want)) return fail(c, fj ? fj : vj, "%s.victim: host '%s' has no %s interface", path, vs, want ? "IPv6" : "IPv4");
    if (ah && !host_has(ah, want)) return fail(c, fj ? fj : aj, "%s.attacker: host '%s' has no %s interface", path, atk, want ? "IPv6" : "IPv4");
    a->v6 = want;
    if (pcap) { /* the capture is read when the run starts (sg_attack_stream_create) */
        const char *ps = str_of(pcap);
        if (!ps || !*ps) return fail(c, pcap, "%s.pcap: expected a capture file name", path);
        const char *slash = strrchr(c->cfg->source, '/');
        if (ps[0] != '/' && slash) snprintf(a->pcap, sizeof a->pcap, "%.*s/%s", (int)(slash - c->cfg->source), c->cfg->source, ps);
        else snprintf(a->pcap, sizeof a->pcap, "%s", ps);
        FILE *fp = fopen(a->pcap, "rb");
        if (!fp) return fail(c, pcap, "%s.pcap: cannot open '%s': %s", path, a->pcap, strerror(errno));
        fclose(fp);
        const json_t *m = json_object_get(j, "map");
        if (m) {
            if (!json_is_object(m)) return fail(c, m, "%s.map: expected a mapping {attacker: ADDRESS, victim: ADDRESS} of capture addresses", path);
            json_object_foreach((json_t *)m, key, val) {
                const char *vs2 = str_of(val);
                uint8_t ad[16], v6;
                if (strcmp(key, "attacker") && strcmp(key, "victim")) return fail(c, val, "%s.map: unknown key '%s' (expected attacker, victim)", path, key);
                if (!vs2 || sg_addr_parse(vs2, ad, &v6) != 0 || v6) return fail(c, val, "%s.map.%s: expected an IPv4 address of the capture", path, key);
                snprintf(!strcmp(key, "attacker") ? a->map_att : a->map_vic, sizeof a->map_att, "%s", vs2);
            }
        }
        return SG_OK;
    }
    /* parameters; defaults in docs/attacks.md */
    static const double def_rate[] = {100, 0.5, 500, 20, 5};
    static const int64_t def_dur_s[] = {0, 120, 20, 60, 120};
    a->rate = def_rate[ki];
    a->duration_us = def_dur_s[ki] * 1000000LL;
    a->tries = 3;
    a->spoof = a->attacker < 0;
    if ((v = json_object_get(j, "rate")) && (num_of(v, &a->rate) != 0 || !(a->rate > 0 && a->rate <= 100000)))
        return fail(c, v, "%s.rate: expected flows per second in (0, 100000]", path);
    if ((v = json_object_get(j, "duration"))) {
        const char *ds = str_of(v);
        char nb[32];
        if (json_is_number(v)) snprintf(nb, sizeof nb, "%g", json_number_value(v)), ds = nb;
        if (!ds || sg_duration_parse(ds, &a->duration_us, &e2) != SG_OK || a->duration_us <= 0)
            return fail(c, v, "%s.duration: expected a duration such as \"2m\" or \"30s\"", path);
    }
    if ((v = json_object_get(j, "tries"))) {
        double t;
        if (num_of(v, &t) != 0 || t < 1 || t > 20 || t != (double)(unsigned)t) return fail(c, v, "%s.tries: expected passwords per connection in 1..20", path);
        a->tries = (unsigned)t;
    }
    if ((v = json_object_get(j, "spoof")) && bool_of(v, &a->spoof) != 0) return fail(c, v, "%s.spoof: expected true or false", path);
    if (a->spoof && a->attacker >= 0) return fail(c, json_object_get(j, "spoof"), "%s.spoof: spoofed sources need attacker: external", path);
    if (a->kind == SG_ATTACK_PORT_SCAN) {
        if ((v = json_object_get(j, "ports"))) {
            sg_status s = parse_ports(c, v, "ports", a);
            if (s != SG_OK) return s;
        } else {
            a->ports = malloc(1024 * sizeof *a->ports);
            if (!a->ports) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
            for (uint16_t p = 1; p <= 1024; p++) a->ports[a->nports++] = p;
        }
        a->count = a->nports;
        a->duration_us = (int64_t)((double)a->count / a->rate * 1e6) + 1;
    } else {
        a->port = a->kind == SG_ATTACK_SSH_BRUTE_FORCE ? 22 : a->kind == SG_ATTACK_DNS_TUNNEL ? 53 : 80;
        if ((v = json_object_get(j, "port"))) {
            double p;
            if (num_of(v, &p) != 0 || p < 1 || p > 65535 || p != (double)(uint16_t)p) return fail(c, v, "%s.port: expected 1-65535", path);
            a->port = (uint16_t)p;
        }
        double cnt = a->rate * ((double)a->duration_us / 1e6);
        if ((v = json_object_get(j, "attempts"))) {
            if (num_of(v, &cnt) != 0 || cnt < 1 || cnt > 1e7) return fail(c, v, "%s.attempts: expected a count in 1..10000000", path);
            a->duration_us = (int64_t)(cnt / a->rate * 1e6) + 1;
        }
        if (cnt < 1) cnt = 1;
        if (cnt > 1e8) return fail(c, j, "%s: rate x duration is %.0f flows (at most 100000000)", path, cnt);
        a->count = (uint64_t)cnt;
        /* the services the attack needs (a flood of a closed port is a choice: RST answers) */
        if (a->kind == SG_ATTACK_SSH_BRUTE_FORCE && !offers(vh, SG_PROTO_TCP, a->port))
            return fail(c, vj, "%s.victim: host '%s' offers no SSH (TCP %u): a brute force needs the service", path, vs, a->port);
        if (a->kind == SG_ATTACK_HTTP_FLOOD && !offers(vh, SG_PROTO_TCP, a->port))
            return fail(c, vj, "%s.victim: host '%s' offers no TCP %u (HTTP): an HTTP flood needs the service", path, vs, a->port);
        if (a->kind == SG_ATTACK_DNS_TUNNEL && !offers(vh, SG_PROTO_UDP, 53))
            return fail(c, vj, "%s.victim: host '%s' offers no DNS (UDP 53): a DNS tunnel needs the resolver", path, vs);
    }
    return SG_OK;
}

sg_status sg_attacks_load(const sg_netcfg *cfg, sg_attacks **out, sg_error *err)
{
    *out = NULL;
    sg_attacks *set = calloc(1, sizeof *set);
    if (!set) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    const json_t *list = cfg ? cfg->attacks : NULL;
    vctx c = {cfg, err};
    sg_status s = SG_OK;
    if (list && !json_is_array(list)) {
        s = fail(&c, list, "attacks: expected a list");
    } else if (list && json_array_size(list)) {
        set->n = json_array_size(list);
        set->a = calloc(set->n, sizeof *set->a);
        if (!set->a) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; s == SG_OK && i < set->n; i++) s = parse_one(&c, json_array_get(list, i), i, set);
    }
    if (s != SG_OK) {
        sg_attacks_destroy(set);
        return s;
    }
    *out = set;
    return SG_OK;
}

void sg_attacks_destroy(sg_attacks *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) free(a->a[i].ports);
    free(a->a);
    free(a);
}

size_t sg_attacks_count(const sg_attacks *a) { return a ? a->n : 0; }
const char *sg_attacks_name(const sg_attacks *a, size_t i) { return a->a[i].name; }
sg_attack_kind sg_attacks_kind(const sg_attacks *a, size_t i) { return a->a[i].kind; }

/* ---- the stream ------------------------------------------------------------------------------------ */
typedef struct astate {
    const attack *a;
    int64_t start_us;          /* absolute */
    double gap_us;             /* between flows */
    uint64_t next;             /* next flow number */
    int64_t next_start;
    sg_pkt_host att, vic;
    char att_ip[SG_ADDR_MAX], vic_ip[SG_ADDR_MAX];
    int64_t rtt_ns;
    uint16_t scan_sport;
    uint16_t *order;           /* port-scan: probe order (a seeded shuffle, as nmap randomises) */
    sg_replay *rp;             /* pcap */
    uint64_t count;            /* flows */
} astate;

struct sg_attack_stream {
    const sg_attacks *set;
    const sg_netcfg *cfg;
    sg_netmap *nm;
    uint64_t seed;
    astate *st;
    size_t n;
};

static uint64_t flow_key(size_t attack, uint64_t i) { return ((uint64_t)attack << 40) | i; }

static int64_t flow_start(const sg_attack_stream *s, size_t k, uint64_t i)
{
    const astate *a = &s->st[k];
    if (a->rp) return a->start_us + a->rp->flows[i].t0_ns / 1000;
    sg_rng r;
    sg_rng_init(&r, s->seed, SG_STREAM_ATTACK, flow_key(k, i) | (1ULL << 39));
    /* evenly paced with jitter below half a gap: starts stay in order */
    double t = (double)i * a->gap_us + sg_rng_uniform(&r) * a->gap_us * 0.5;
    return a->start_us + (int64_t)t;
}

static void addr_text(const uint8_t *a, int v6, char *out) { inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, SG_ADDR_MAX); }

/* a host's first interface of the family */
static void cfg_addr(const sg_netcfg *cfg, long h, int v6, char *out)
{
    const sg_net_host *hh = &cfg->hosts[h];
    for (size_t k = 0; k < hh->nifaces; k++)
        if (hh->ifaces[k].is_v6 == v6) { addr_text(hh->ifaces[k].addr, v6, out); return; }
}

/* a public unicast address. IPv4: not private, loopback, CGN, link-local, multicast, reserved.
 * IPv6: global unicast 2000::/3 without the special 2001::/23, documentation 2001:db8::/32 and
 * 6to4 2002::/16. */
static void random_public(sg_rng *r, int v6, char *out)
{
    uint8_t a[16];
    for (;;) {
        uint64_t x = sg_rng_u64(r), y = sg_rng_u64(r);
        for (int k = 0; k < 8; k++) a[k] = (uint8_t)(x >> (8 * k)), a[8 + k] = (uint8_t)(y >> (8 * k));
        if (v6) {
            a[0] = (uint8_t)(0x20 | (a[0] & 0x1f));
            if (a[0] == 0x20 && a[1] == 0x01 && (a[2] < 0x02 || (a[2] == 0x0d && a[3] == 0xb8))) continue;
            if (a[0] == 0x20 && a[1] == 0x02) continue;
            break;
        }
        if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 || a[3] == 0 || a[3] == 255) continue;
        if ((a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
            (a[0] == 169 && a[1] == 254) || (a[0] == 192 && a[1] == 0) || (a[0] == 198 && (a[1] & 0xfe) == 18))
            continue;
        break;
    }
    addr_text(a, v6, out);
}

sg_status sg_attack_stream_create(const sg_attacks *set, const sg_netcfg *cfg, uint64_t seed, int64_t start_us,
                                  int64_t end_us, sg_attack_stream **out, sg_error *err)
{
    *out = NULL;
    sg_attack_stream *s = calloc(1, sizeof *s);
    if (!s) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    s->set = set;
    s->cfg = cfg;
    s->seed = seed;
    s->n = set ? set->n : 0;
    s->st = calloc(s->n ? s->n : 1, sizeof *s->st);
    sg_status st = s->st ? sg_netmap_create(cfg, &s->nm, err) : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    vctx c = {cfg, err};
    for (size_t k = 0; st == SG_OK && k < s->n; k++) {
        astate *a = &s->st[k];
        const attack *at = &set->a[k];
        a->a = at;
        a->start_us = at->at_offset ? start_us + at->at_us : at->at_us;
        a->count = at->count;
        int64_t dur_us = at->duration_us;
        if (at->kind == SG_ATTACK_PCAP) {
            sg_error e2;
            if (sg_replay_load(at->pcap, at->map_att[0] ? at->map_att : NULL, at->map_vic[0] ? at->map_vic : NULL, &a->rp, &e2) != SG_OK) {
                st = fail(&c, json_object_get(at->node, "pcap"), "attacks[%zu].pcap: %s", k, e2.msg);
                break;
            }
            a->count = a->rp->n;
            dur_us = 0;
            for (size_t i = 0; i < a->rp->n; i++) {
                const sg_replay_flow *f = &a->rp->flows[i];
                int64_t e = ((const sg_pkt *)f->pkts.data)[f->pkts.len - 1].t_ns / 1000;
                if (e > dur_us) dur_us = e;
            }
        }
        char ts[40], rs[40];
        if (a->start_us < start_us) {
            sg_time_format(a->start_us, ts, sizeof ts);
            sg_time_format(start_us, rs, sizeof rs);
            st = fail(&c, json_object_get(at->node, "at"), "attacks[%zu].at: attack '%s' starts at %s, before the run (%s)", k, at->name, ts, rs);
            break;
        }
        if (end_us != INT64_MAX && a->start_us + dur_us > end_us) {
            sg_time_format(a->start_us + dur_us, ts, sizeof ts);
            sg_time_format(end_us, rs, sizeof rs);
            st = fail(&c, json_object_get(at->node, "at"), "attacks[%zu].at: attack '%s' ends at %s, after the run (%s)", k, at->name, ts, rs);
            break;
        }
        a->gap_us = 1e6 / at->rate;
        sg_rng r;
        sg_rng_init(&r, seed, SG_STREAM_ATTACK, flow_key(k, 0) | (1ULL << 38));
        cfg_addr(cfg, at->victim, at->v6, a->vic_ip);
        if (at->attacker >= 0) cfg_addr(cfg, at->attacker, at->v6, a->att_ip);
        else random_public(&r, at->v6, a->att_ip); /* one public address per attack (a spoofing flood draws one per SYN) */
        sg_netmap_host(s->nm, a->att_ip, at->v6, &a->att);
        sg_netmap_host(s->nm, a->vic_ip, at->v6, &a->vic);
        /* round trip: a LAN (0.2-1 ms) or the Internet (15-80 ms) */
        a->rtt_ns = at->attacker >= 0 ? 200000 + (int64_t)sg_rng_below(&r, 800000) : 15000000 + (int64_t)sg_rng_below(&r, 65000000);
        a->scan_sport = (uint16_t)(32768 + sg_rng_below(&r, 28232));
        if (at->kind == SG_ATTACK_PORT_SCAN) {
            a->order = malloc(at->nports * sizeof *a->order);
            if (!a->order) { st = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); break; }
            memcpy(a->order, at->ports, at->nports * sizeof *a->order);
            for (size_t i = at->nports; i > 1; i--) {
                size_t j = (size_t)sg_rng_below(&r, i);
                uint16_t t = a->order[i - 1];
                a->order[i - 1] = a->order[j];
                a->order[j] = t;
            }
        }
        a->next_start = flow_start(s, k, 0);
    }
    if (st != SG_OK) {
        sg_attack_stream_destroy(s);
        return st;
    }
    *out = s;
    return SG_OK;
}

void sg_attack_stream_destroy(sg_attack_stream *s)
{
    if (!s) return;
    for (size_t k = 0; s->st && k < s->n; k++) {
        free(s->st[k].order);
        sg_replay_destroy(s->st[k].rp);
    }
    free(s->st);
    sg_netmap_destroy(s->nm);
    free(s);
}

static long next_attack(const sg_attack_stream *s)
{
    long best = -1;
    for (size_t k = 0; k < s->n; k++)
        if (s->st[k].next < s->st[k].count && (best < 0 || s->st[k].next_start < s->st[best].next_start)) best = (long)k;
    return best;
}

int sg_attack_stream_peek(const sg_attack_stream *s, int64_t *start_us)
{
    long k = next_attack(s);
    if (k < 0) return 0;
    if (start_us) *start_us = s->st[k].next_start;
    return 1;
}

static sg_status push(sg_vec *v, int64_t t, int dir, uint8_t flags, uint32_t len)
{
    sg_pkt p = {.t_ns = t, .payload_len = len, .dir = (uint8_t)dir, .tcp_flags = flags};
    return sg_vec_push(v, &p);
}

#define FWD SG_DIR_FWD
#define BWD SG_DIR_BWD
#define A SG_TCP_ACK
#define PA (SG_TCP_PSH | SG_TCP_ACK)

/* three-way handshake from t; returns the time of the client's ACK */
static sg_status handshake(sg_vec *v, int64_t *t, int64_t rtt)
{
    sg_status s = push(v, *t, FWD, SG_TCP_SYN, 0);
    if (!s) s = push(v, *t += rtt / 2, BWD, SG_TCP_SYN | A, 0);
    if (!s) s = push(v, *t += rtt / 2, FWD, A, 0);
    return s;
}

/* client closes: FIN/ACK, FIN/ACK, ACK (by: which side closes first) */
static sg_status teardown(sg_vec *v, int64_t *t, int64_t rtt, int by)
{
    sg_status s = push(v, *t, by, SG_TCP_FIN | A, 0);
    if (!s) s = push(v, *t += rtt / 2, !by, SG_TCP_FIN | A, 0);
    if (!s) s = push(v, *t += rtt / 2, by, A, 0);
    return s;
}

sg_status sg_attack_stream_next(sg_attack_stream *s, sg_attack_flow *out, sg_error *err)
{
    long k = next_attack(s);
    if (k < 0) return sg_error_set(err, SG_ERR_INVALID, "attacks: no flow left");
    astate *a = &s->st[k];
    const attack *at = a->a;
    uint64_t i = a->next++;
    int64_t t0 = a->next_start;
    if (a->next < a->count) a->next_start = flow_start(s, (size_t)k, a->next);
    sg_rng r;
    sg_rng_init(&r, s->seed, SG_STREAM_ATTACK, flow_key((size_t)k, i));
    sg_vec_clear(&out->pkts);
    memset(&out->f, 0, sizeof out->f);
    memset(&out->conn, 0, sizeof out->conn);
    out->label = at->name;
    out->attack = (size_t)k;
    sg_pkt_conn *c = &out->conn;
    c->proto = SG_PROTO_TCP;
    c->cli = a->att;
    c->srv = a->vic;
    snprintf(out->f.src_ip, sizeof out->f.src_ip, "%s", a->att_ip);
    snprintf(out->f.dst_ip, sizeof out->f.dst_ip, "%s", a->vic_ip);
    c->src_port = (uint16_t)(32768 + sg_rng_below(&r, 28232));
    c->dst_port = at->port;
    const sg_net_host *vh = &s->cfg->hosts[at->victim];
    /* jitter of this flow's round trip: +-10 % */
    int64_t rtt = a->rtt_ns + (int64_t)((sg_rng_uniform(&r) - 0.5) * 0.2 * (double)a->rtt_ns);
    int64_t t = t0 * 1000;
    sg_vec *v = &out->pkts;
    sg_status st = SG_OK;
    switch (at->kind) {
    case SG_ATTACK_PORT_SCAN: {
        /* nmap -sS: one source port; open ports answer SYN/ACK and the scanner's kernel resets;
         * closed ones answer RST/ACK */
        c->src_port = a->scan_sport;
        c->dst_port = a->order[i];
        st = push(v, t, FWD, SG_TCP_SYN, 0);
        if (offers(vh, SG_PROTO_TCP, c->dst_port)) {
            if (!st) st = push(v, t += rtt, BWD, SG_TCP_SYN | A, 0);
            if (!st) st = push(v, t += 20000 + (int64_t)sg_rng_below(&r, 40000), FWD, SG_TCP_RST, 0);
        } else if (!st) {
            st = push(v, t + rtt, BWD, SG_TCP_RST | A, 0);
        }
        break;
    }
    case SG_ATTACK_SSH_BRUTE_FORCE: {
        /* hydra-like: banners, key exchange, `tries` passwords each answered by the server's
         * failure after OpenSSH's ~2 s delay, then the server disconnects */
        int64_t srv = 300000 + (int64_t)sg_rng_below(&r, 700000); /* server think time, 0.3-1 ms */
        st = handshake(v, &t, rtt);
        if (!st) st = push(v, t += srv, BWD, PA, 32 + (uint32_t)sg_rng_below(&r, 8));           /* server banner */
        if (!st) st = push(v, t += rtt / 2, FWD, PA, 24);                                        /* client banner */
        if (!st) st = push(v, t += 100000, FWD, PA, 1200 + (uint32_t)sg_rng_below(&r, 300));     /* KEXINIT */
        if (!st) st = push(v, t += rtt / 2 + srv, BWD, PA, 1000 + (uint32_t)sg_rng_below(&r, 100)); /* KEXINIT */
        if (!st) st = push(v, t += rtt / 2, FWD, PA, 48);                                        /* ECDH init */
        if (!st) st = push(v, t += rtt / 2 + 2 * srv, BWD, PA, 500 + (uint32_t)sg_rng_below(&r, 600)); /* ECDH reply + NEWKEYS */
        if (!st) st = push(v, t += rtt / 2, FWD, PA, 16 + 52);                                   /* NEWKEYS + service request */
        if (!st) st = push(v, t += rtt / 2 + srv, BWD, PA, 52);                                  /* service accept */
        for (unsigned k2 = 0; !st && k2 < at->tries; k2++) {
            if (!st) st = push(v, t += rtt / 2 + 5000000 + (int64_t)sg_rng_below(&r, 20000000), FWD, PA, 84 + 16 * (uint32_t)sg_rng_below(&r, 3));
            if (!st) st = push(v, t += 2000000000LL + (int64_t)sg_rng_below(&r, 400000000), BWD, PA, 52); /* failure */
        }
        if (!st) st = push(v, t += rtt / 2, FWD, A, 0);
        if (!st) st = teardown(v, &t, rtt, BWD);
        break;
    }
    case SG_ATTACK_SYN_FLOOD: {
        if (at->spoof) { /* a fresh public source per SYN, seen through the gateway */
            random_public(&r, at->v6, out->f.src_ip);
            sg_netmap_host(s->nm, out->f.src_ip, at->v6, &c->cli);
        }
        /* the SYN is never completed; a listening port answers with a SYN cookie (one SYN/ACK,
         * no retransmission), a closed one resets */
        st = push(v, t, FWD, SG_TCP_SYN, 0);
        if (!st) st = push(v, t + rtt / 2, BWD, offers(vh, SG_PROTO_TCP, at->port) ? SG_TCP_SYN | A : SG_TCP_RST | A, 0);
        break;
    }
    case SG_ATTACK_HTTP_FLOOD: {
        /* a bot: connect, one GET, the page, close */
        int64_t srv = 1000000 + (int64_t)sg_rng_below(&r, 9000000);
        st = handshake(v, &t, rtt);
        if (!st) st = push(v, t += 50000, FWD, PA, 120 + (uint32_t)sg_rng_below(&r, 200));
        uint32_t body = 2000 + (uint32_t)sg_rng_below(&r, 8000);
        uint32_t mss = sg_packets_max_segment(c);
        for (uint32_t sent = 0; !st && sent < body; sent += mss) {
            uint32_t n = body - sent < mss ? body - sent : mss;
            st = push(v, t += sent ? 20000 : rtt / 2 + srv, BWD, PA, n);
        }
        if (!st) st = push(v, t += rtt / 2, FWD, A, 0);
        t += 1000000;
        if (!st) st = teardown(v, &t, rtt, FWD);
        break;
    }
    case SG_ATTACK_PCAP: {
        /* the capture's flow: opener and ports as captured, the hosts of the config */
        const sg_replay_flow *rf = &a->rp->flows[i];
        c->proto = rf->proto;
        if (!rf->by_attacker) {
            c->cli = a->vic;
            c->srv = a->att;
            snprintf(out->f.src_ip, sizeof out->f.src_ip, "%s", a->vic_ip);
            snprintf(out->f.dst_ip, sizeof out->f.dst_ip, "%s", a->att_ip);
        }
        c->src_port = rf->cli_port;
        c->dst_port = rf->srv_port;
        const sg_pkt *q = rf->pkts.data;
        const int64_t base = a->start_us * 1000; /* capture times count from its first kept packet */
        for (size_t j = 0; !st && j < rf->pkts.len; j++) {
            sg_pkt x = q[j];
            x.t_ns += base;
            st = sg_vec_push(v, &x);
        }
        break;
    }
    case SG_ATTACK_DNS_TUNNEL: {
        /* iodine-like: long queries (data in the name), long TXT answers */
        c->proto = SG_PROTO_UDP;
        c->dst_port = 53;
        st = push(v, t, FWD, 0, 150 + (uint32_t)sg_rng_below(&r, 100));
        if (!st) st = push(v, t + rtt / 2 + 200000, BWD, 0, 250 + (uint32_t)sg_rng_below(&r, 700));
        break;
    }
    }
    if (st != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "attacks: out of memory");
    c->service_port = c->dst_port;
    out->f.proto = c->proto;
    out->f.src_port = c->src_port;
    out->f.dst_port = c->dst_port;
    out->f.start_us = t0;
    sg_pkt *p = out->pkts.data;
    for (size_t j = 0; j < out->pkts.len; j++) p[j].t_ns = p[j].t_ns / 1000 * 1000; /* the µs grid, as benign flows */
    out->f.duration_us = (p[out->pkts.len - 1].t_ns - p[0].t_ns) / 1000;
    return SG_OK;
}
