/* One story across layers (issue 14 item 3): the application vocabulary (validation, a server keeps
 * its name, private servers get internal names), name lookups before connections (the lookup
 * precedes the connection, asks the server's name and answers its address; the TTL cache), the
 * application messages sg_packets_app_walk reports (DNS questions sized to vocabulary names, the
 * HTTP/TLS name = the resolved name), and -j independence of all of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packets/packets_internal.h"
#include "secgen/netcfg.h"
#include "secgen/packets.h"

static void test_vocab_validation(void **st)
{
    (void)st;
    sg_app_vocab *v;
    sg_error err = {0};
    assert_int_equal(sg_app_vocab_create(&v, &err), SG_OK);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_HOSTS, "www.example.org", 3, &err), SG_OK);
    const char *bad_hosts[] = {"localhost", "UPPER.example.org", "a..b.com", "x y.com", ".lead.com", "trail.com.",
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"};
    for (size_t i = 0; i < sizeof bad_hosts / sizeof *bad_hosts; i++) {
        assert_int_equal(sg_app_vocab_add(v, SG_APP_HOSTS, bad_hosts[i], 1, &err), SG_ERR_INVALID);
        assert_non_null(strstr(err.msg, "not a valid host name"));
    }
    assert_int_equal(sg_app_vocab_add(v, SG_APP_PATHS, "no-slash", 1, &err), SG_ERR_INVALID);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_PATHS, "/a\"b", 1, &err), SG_ERR_INVALID);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_STATUS, "99", 1, &err), SG_ERR_INVALID);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_STATUS, "200", 0, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not positive"));
    assert_int_equal(sg_app_vocab_add(v, SG_APP_METHODS, "get", 1, &err), SG_ERR_INVALID);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_TTLS, "-5", 1, &err), SG_ERR_INVALID);
    assert_int_equal(sg_app_vocab_count(v, SG_APP_HOSTS), 1);
    sg_app_vocab_destroy(v);
}

static void test_server_names(void **st)
{
    (void)st;
    sg_app_vocab *v;
    sg_error err = {0};
    assert_int_equal(sg_app_vocab_create(&v, &err), SG_OK);
    const char *hosts[] = {"www.alpha.com", "cdn.beta.net", "api.gamma.org"};
    for (int i = 0; i < 3; i++) assert_int_equal(sg_app_vocab_add(v, SG_APP_HOSTS, hosts[i], 1 + i, &err), SG_OK);
    int seen[3] = {0};
    for (uint32_t k = 0; k < 300; k++) {
        uint8_t a[16] = {0};
        a[0] = 52; a[1] = (uint8_t)(k >> 8); a[2] = (uint8_t)k; a[3] = 7;
        char n1[80], n2[80];
        sg_app_server_name(v, a, 0, n1);
        sg_app_server_name(v, a, 0, n2);
        assert_string_equal(n1, n2); /* a server keeps its name */
        int found = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(n1, hosts[i])) found = i;
        assert_true(found >= 0); /* public servers: names of the vocabulary only */
        seen[found]++;
    }
    /* picked by weight (1:2:3 of 300: 50/100/150, loose bounds) */
    assert_true(seen[0] > 20 && seen[0] < seen[2]);
    uint8_t p[16] = {192, 168, 1, 20};
    char n[80];
    sg_app_server_name(v, p, 0, n);
    assert_non_null(strstr(n, ".corp.internal"));
    sg_app_vocab_destroy(v);
}

/* ---- the pipeline: a config with a resolver, one client, one web server ---------------------- */
static sg_status sampler(void *ctx, const sg_flow *f, int64_t tf, int64_t tb, sg_rng *r, sg_vec *out, int *found,
                         sg_error *err)
{
    (void)ctx, (void)tf, (void)tb, (void)err;
    *found = 1;
    int64_t t = 0;
    if (f->proto == SG_PROTO_TCP) {
        uint8_t fl[] = {SG_TCP_SYN, SG_TCP_SYN | SG_TCP_ACK, SG_TCP_ACK, SG_TCP_ACK | SG_TCP_PSH, SG_TCP_ACK | SG_TCP_PSH,
                        SG_TCP_FIN | SG_TCP_ACK, SG_TCP_FIN | SG_TCP_ACK, SG_TCP_ACK};
        uint8_t dir[] = {0, 1, 0, 0, 1, 0, 1, 0};
        uint32_t len[] = {0, 0, 0, 300, 900, 0, 0, 0};
        for (int i = 0; i < 8; i++) {
            sg_pkt p = {.t_ns = t += 1000000, .dir = dir[i], .tcp_flags = fl[i], .payload_len = len[i]};
            if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
        }
        return SG_OK;
    }
    for (int d = 0; d < 2; d++) {
        sg_pkt p = {.t_ns = t += 1000000, .dir = (uint8_t)d, .payload_len = (uint32_t)(30 + sg_rng_below(r, 60))};
        if (sg_vec_push(out, &p)) return SG_ERR_NOMEM;
    }
    return SG_OK;
}

typedef struct seen_conn {
    uint8_t proto;
    uint16_t dport;
    int64_t t0;
    uint8_t srv[4], resolves_addr[4];
    int resolves;
    char name[256]; /* lookups: the question; connections: Host / SNI */
    uint8_t answer[4];
    int n_answers;
} seen_conn;

typedef struct obs {
    seen_conn c[256];
    size_t n;
} obs;

static void on_ev(void *ctx, const sg_app_event *e)
{
    seen_conn *c = ctx;
    /* the first message's name */
    if ((e->type == SG_APP_DNS_QUERY || e->type == SG_APP_TLS_CLIENT_HELLO || e->type == SG_APP_HTTP_REQUEST) && !c->name[0])
        snprintf(c->name, sizeof c->name, "%s", e->name);
    if (e->type == SG_APP_DNS_REPLY && e->n_answers) {
        memcpy(c->answer, e->answers[0], 4);
        c->n_answers = e->n_answers;
    }
}

static sg_status observer(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, uint64_t index,
                          sg_error *err)
{
    (void)f, (void)index, (void)err;
    obs *o = ctx;
    if (o->n == 256) return SG_OK;
    seen_conn *c = &o->c[o->n++];
    memset(c, 0, sizeof *c);
    c->proto = conn->proto;
    c->dport = conn->dst_port;
    c->t0 = pkts[0].t_ns;
    memcpy(c->srv, conn->srv.addr, 4);
    c->resolves = conn->resolves;
    memcpy(c->resolves_addr, conn->resolve_addr, 4);
    sg_packets_app_walk(conn, pkts, n, on_ev, c);
    return SG_OK;
}

static const char *cfg_yaml = "hosts:\n"
                              "  - hostname: dns\n    interfaces: [{ip_addr: 10.1.0.53, services: [dns]}]\n"
                              "  - hostname: web\n    interfaces: [{ip_addr: 10.1.0.80, services: [http, https]}]\n"
                              "  - hostname: pc\n    interfaces: [{ip_addr: 10.1.1.1}]\n";

/* flows of the one client to the web server at the given start times (s) and ports */
static void run(const int64_t *start_s, const uint16_t *port, size_t n, int threads, int resolve, obs *o, sg_pktgen_stats *s,
                const char *pcap)
{
    sg_netcfg *cfg;
    sg_error err = {0};
    assert_int_equal(sg_netcfg_load_mem("story.yaml", cfg_yaml, strlen(cfg_yaml), &cfg, &err), SG_OK);
    sg_app_vocab *v;
    assert_int_equal(sg_app_vocab_create(&v, &err), SG_OK);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_HOSTS, "www.example.org", 1, &err), SG_OK);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_TTLS, "60", 1, &err), SG_OK);
    omp_set_num_threads(threads);
    memset(o, 0, sizeof *o);
    sg_pktgen_opts po = {.seed = 9, .netcfg = cfg, .pcap_path = pcap, .sampler = sampler, .observer = observer, .observer_ctx = o,
                         .vocab = v, .resolve_names = resolve, .batch = 3};
    sg_pktgen *g;
    assert_int_equal(sg_pktgen_create(&po, &g, &err), SG_OK);
    for (size_t i = 0; i < n; i++) {
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = 1491382800000000LL + start_s[i] * 1000000LL;
        f.duration_us = 20000;
        f.proto = SG_PROTO_TCP;
        snprintf(f.src_ip, sizeof f.src_ip, "10.1.1.1");
        snprintf(f.dst_ip, sizeof f.dst_ip, "10.1.0.80");
        f.src_port = (uint16_t)(40000 + i);
        f.dst_port = port[i];
        f.fwd_packets = 5;
        f.bwd_packets = 3;
        f.fwd_bytes = 5 * 52 + 300;
        f.bwd_bytes = 3 * 52 + 900;
        if (sg_pktgen_add(g, &f, &err) != SG_OK) fail_msg("%s", err.msg);
    }
    if (sg_pktgen_finish(g, s, &err) != SG_OK) fail_msg("%s", err.msg);
    sg_pktgen_destroy(g);
    sg_app_vocab_destroy(v);
    sg_netcfg_destroy(cfg);
}

static void test_lookup_before_connect(void **st)
{
    (void)st;
    /* t = 0 (lookup), 30 (cached), 100 (TTL 60 s ran out: lookup), 130 (cached), 500 (lookup) */
    const int64_t t[] = {0, 30, 100, 130, 500};
    const uint16_t p[] = {443, 80, 443, 80, 443};
    obs o;
    sg_pktgen_stats s;
    run(t, p, 5, 1, 1, &o, &s, NULL);
    assert_int_equal(s.resolutions, 3);
    assert_int_equal(s.resolve_cached, 2);
    assert_int_equal(s.flows_out, 8);
    assert_int_equal(o.n, 8);
    const uint8_t web[4] = {10, 1, 0, 80}, dns[4] = {10, 1, 0, 53};
    size_t lookups = 0;
    for (size_t i = 0; i < o.n; i++) {
        seen_conn *c = &o.c[i];
        if (c->proto == SG_PROTO_UDP) {
            lookups++;
            assert_int_equal(c->dport, 53);
            assert_memory_equal(c->srv, dns, 4); /* the config's resolver */
            assert_true(c->resolves);
            assert_memory_equal(c->answer, web, 4); /* the answer holds the server's address */
            assert_int_equal(c->n_answers, 1);
            /* the next connection is the one it resolved for, it starts after the answer, under that name */
            assert_true(i + 1 < o.n);
            seen_conn *n = &o.c[i + 1];
            assert_int_equal(n->proto, SG_PROTO_TCP);
            assert_memory_equal(n->srv, web, 4);
            assert_true(n->t0 > c->t0);
            assert_string_equal(n->name, c->name);
        } else {
            assert_true(c->name[0]); /* Host / SNI written */
        }
    }
    assert_int_equal(lookups, 3);
    /* the web server's name: an internal one, the same for every connection */
    for (size_t i = 1; i < o.n; i++) assert_string_equal(o.c[i].name, o.c[0].name);
    assert_non_null(strstr(o.c[0].name, ".corp.internal"));
    /* off: no lookups, the same connections */
    run(t, p, 5, 1, 0, &o, &s, NULL);
    assert_int_equal(s.resolutions, 0);
    assert_int_equal(s.flows_out, 5);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long l = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *d = malloc((size_t)l + 1);
    assert_int_equal(fread(d, 1, (size_t)l, fp), (size_t)l);
    fclose(fp);
    *n = (size_t)l;
    return d;
}

static void test_any_threads(void **st)
{
    (void)st;
    int64_t t[40];
    uint16_t p[40];
    for (int i = 0; i < 40; i++) t[i] = i * 7, p[i] = i % 3 ? 443 : 80;
    char a[] = "/tmp/secgen_story_XXXXXX";
    int fd = mkstemp(a);
    assert_true(fd >= 0);
    close(fd);
    char b[] = "/tmp/secgen_story_XXXXXX";
    fd = mkstemp(b);
    assert_true(fd >= 0);
    close(fd);
    obs o1, o2;
    sg_pktgen_stats s1, s2;
    run(t, p, 40, 1, 1, &o1, &s1, a);
    run(t, p, 40, 2, 1, &o2, &s2, b);
    size_t na, nb;
    unsigned char *da = slurp(a, &na), *db = slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    assert_int_equal(s1.resolutions, s2.resolutions);
    assert_true(s1.resolutions >= 4); /* 273 s at TTL 60 s */
    free(da);
    free(db);
    unlink(a);
    unlink(b);
}

/* DNS questions of the model's own DNS flows: names of the vocabulary, the query sized to its name */
static void test_dns_names_fit(void **st)
{
    (void)st;
    sg_app_vocab *v;
    sg_error err = {0};
    assert_int_equal(sg_app_vocab_create(&v, &err), SG_OK);
    const char *hosts[] = {"a.example.com", "www.longer-name.example.net", "mail.example.org", "cdn.media.example.com"};
    for (int i = 0; i < 4; i++) assert_int_equal(sg_app_vocab_add(v, SG_APP_HOSTS, hosts[i], 1, &err), SG_OK);
    sg_pkt_conn c;
    memset(&c, 0, sizeof c);
    c.proto = SG_PROTO_UDP;
    c.src_port = 50000;
    c.dst_port = c.service_port = 53;
    c.vocab = v;
    for (uint64_t key = 1; key < 40; key++) {
        c.app_key = key;
        sg_pkt p[4] = {{.t_ns = 1, .payload_len = 24 + (uint32_t)key, .dir = 0}, {.t_ns = 2, .payload_len = 80, .dir = 1},
                       {.t_ns = 3, .payload_len = 60, .dir = 0}, {.t_ns = 4, .payload_len = 200, .dir = 1}};
        sg_payload_fix_sizes(&c, p, 4);
        seen_conn s;
        memset(&s, 0, sizeof s);
        sg_packets_app_walk(&c, p, 4, on_ev, &s);
        int found = 0;
        for (int i = 0; i < 4; i++) found |= !strcmp(s.name, hosts[i]);
        assert_true(found);
        /* the query is header + question (the name's wire form + type and class), padded with an
         * EDNS0 option (>= 15 bytes) to its sampled size when there is room, else sized to the name */
        size_t q = 12 + strlen(s.name) + 2 + 4;
        if (24 + key >= q + 15) assert_int_equal(p[0].payload_len, 24 + key);
        else assert_int_equal(p[0].payload_len, q);
    }
    sg_app_vocab_destroy(v);
}

/* a lookup of a name shorter than a DNS packet's minimum (t.me: 22 bytes) is padded, never left
 * too short for the DNS template (tshark called such a query malformed) */
static void test_short_name_lookup(void **st)
{
    (void)st;
    sg_error err = {0};
    sg_app_vocab *v;
    assert_int_equal(sg_app_vocab_create(&v, &err), SG_OK);
    assert_int_equal(sg_app_vocab_add(v, SG_APP_HOSTS, "t.me", 1, &err), SG_OK);
    sg_netmap *nm;
    assert_int_equal(sg_netmap_create(NULL, &nm, &err), SG_OK);
    sg_resolver *r;
    assert_int_equal(sg_resolver_create(NULL, nm, &r, &err), SG_OK);
    sg_pkt_conn c, d;
    memset(&c, 0, sizeof c);
    c.proto = SG_PROTO_TCP;
    c.src_port = 40000;
    c.dst_port = c.service_port = 443;
    c.vocab = v;
    c.app_key = 3;
    const uint8_t cli[4] = {192, 168, 1, 9}, srv[4] = {93, 184, 216, 34};
    memcpy(c.cli.addr, cli, 4);
    memcpy(c.srv.addr, srv, 4);
    sg_vec pk;
    sg_vec_init(&pk, sizeof(sg_pkt));
    int64_t delay = 0;
    int cached = 0;
    sg_status s = SG_OK;
    assert_int_equal(sg_resolver_before(r, &c, 1000000000LL, 1, 1, &d, &pk, &delay, &cached, &s), 1);
    assert_int_equal(s, SG_OK);
    assert_int_equal(pk.len, 2);
    const sg_pkt *p = pk.data;
    assert_true(p[0].payload_len >= 24 && sg_payload_min_len(&d, 0) <= p[0].payload_len);
    seen_conn sc;
    memset(&sc, 0, sizeof sc);
    sg_packets_app_walk(&d, p, 2, on_ev, &sc);
    assert_string_equal(sc.name, "t.me");
    assert_memory_equal(sc.answer, srv, 4);
    assert_true(delay > 0 && p[1].t_ns < 1000000000LL + delay);
    /* within the TTL: cached */
    assert_int_equal(sg_resolver_before(r, &c, 1000000000LL + delay + 1000, 1, 2, &d, &pk, &delay, &cached, &s), 0);
    assert_int_equal(cached, 1);
    sg_vec_free(&pk);
    sg_resolver_destroy(r);
    sg_netmap_destroy(nm);
    sg_app_vocab_destroy(v);
}

/* every response run of >= 38 bytes gets a head whose Content-Length covers the run, also where
 * the body crosses a power of ten (a 48-byte run: no length field width matched its own digits,
 * and the response went out as opaque bytes, found by tests/packets/test_http.sh) */
typedef struct reply_seen {
    int n;
    uint64_t head, body;
} reply_seen;

static void on_reply(void *ctx, const sg_app_event *e)
{
    reply_seen *r = ctx;
    if (e->type != SG_APP_HTTP_REPLY) return;
    r->n++;
    r->head = e->head;
    r->body = e->body;
}

static void test_http_response_every_length(void **st)
{
    (void)st;
    sg_pkt_conn c;
    memset(&c, 0, sizeof c);
    c.proto = SG_PROTO_TCP;
    c.src_port = 40000;
    c.dst_port = c.service_port = 80;
    for (uint32_t len = 38; len <= 1200; len++) {
        c.app_key = len;
        sg_pkt p[2] = {{.t_ns = 1, .payload_len = 120, .dir = 0}, {.t_ns = 2, .payload_len = len, .dir = 1}};
        sg_payload_fix_sizes(&c, p, 2);
        reply_seen r = {0};
        sg_packets_app_walk(&c, p, 2, on_reply, &r);
        assert_int_equal(r.n, 1);
        assert_true(r.head > 0);
        assert_int_equal(r.head + r.body, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_validation),
        cmocka_unit_test(test_server_names),
        cmocka_unit_test(test_lookup_before_connect),
        cmocka_unit_test(test_any_threads),
        cmocka_unit_test(test_dns_names_fit),
        cmocka_unit_test(test_short_name_lookup),
        cmocka_unit_test(test_http_response_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
