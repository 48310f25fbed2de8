/* logs module: host logs from hand-made connections — sshd's lines as sshd would see the packets
 * (accepted session, failed passwords after the failure delay, [preauth] close, nothing for a SYN
 * probe), in time order across connections, and the ECS endpoint events (one process start per
 * client process, a network event per config endpoint with the community_id, a download). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/logs.h"
#include "secgen/netcfg.h"

#define S SG_TCP_SYN
#define A SG_TCP_ACK
#define F SG_TCP_FIN
#define R SG_TCP_RST
#define P SG_TCP_PSH
enum { O = SG_DIR_FWD, B = SG_DIR_BWD };
#define T0 INT64_C(1796637600000000000) /* 2026-12-07T10:00:00Z */
#define MS INT64_C(1000000)

static const char cfg_yaml[] = "hosts:\n"
                               "  - {hostname: srv, os: Linux, interfaces: [{ip_addr: 10.0.0.10, services: [ssh, https]}]}\n"
                               "  - {hostname: pc, os: Windows, interfaces: [{ip_addr: 10.0.0.101}]}\n";

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = 0;
    fclose(fp);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

typedef struct conn_spec {
    const char *src;
    uint16_t sport, dport;
    size_t n;
    sg_pkt p[64];
} conn_spec;

static void add(conn_spec *c, int64_t t, uint8_t dir, uint8_t fl, uint32_t len)
{
    c->p[c->n++] = (sg_pkt){.t_ns = t, .dir = dir, .tcp_flags = fl, .payload_len = len};
}

static void observe(sg_host_logs *h, const conn_spec *c, uint64_t index)
{
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = SG_PROTO_TCP;
    snprintf(f.src_ip, sizeof f.src_ip, "%s", c->src);
    strcpy(f.dst_ip, "10.0.0.10");
    f.src_port = c->sport;
    f.dst_port = c->dport;
    f.start_us = c->p[0].t_ns / 1000;
    sg_pkt_conn k;
    memset(&k, 0, sizeof k);
    k.proto = SG_PROTO_TCP;
    k.src_port = c->sport;
    k.dst_port = k.service_port = c->dport;
    sg_error err = {0};
    assert_int_equal(sg_host_logs_observe(h, &f, &k, c->p, c->n, index, &err), SG_OK);
}

static void handshake(conn_spec *c, int64_t t)
{
    add(c, t, O, S, 0);
    add(c, t + 1 * MS, B, S | A, 0);
    add(c, t + 2 * MS, O, A, 0);
}

static void test_host_logs(void **state)
{
    (void)state;
    sg_netcfg *cfg = NULL;
    sg_error err = {0};
    assert_int_equal(sg_netcfg_load_mem("net.yaml", cfg_yaml, sizeof cfg_yaml - 1, &cfg, &err), SG_OK);
    char dir[] = "/tmp/sg_hostlogs_XXXXXX";
    assert_non_null(mkdtemp(dir));
    sg_host_logs *h = NULL;
    assert_int_equal(sg_host_logs_create(dir, cfg, 7, &h, &err), SG_OK);
    static conn_spec c[5];
    memset(c, 0, sizeof c);
    /* 0: the workstation's SSH session: key exchange, then a shell (data both ways), 30 s long */
    c[0].src = "10.0.0.101", c[0].sport = 50000, c[0].dport = 22;
    handshake(&c[0], T0);
    for (int i = 0; i < 16; i++) add(&c[0], T0 + (10 + i * 100) * MS, i % 2 ? B : O, P | A, 100);
    add(&c[0], T0 + 30000 * MS, O, F | A, 0);
    add(&c[0], T0 + 30001 * MS, B, F | A, 0);
    /* 1: a brute force from outside at +1 s: key exchange, three passwords each answered ~2 s later */
    c[1].src = "203.0.113.9", c[1].sport = 40000, c[1].dport = 22;
    handshake(&c[1], T0 + 1000 * MS);
    for (int i = 0; i < 6; i++) add(&c[1], T0 + (1010 + i * 10) * MS, i % 2 ? B : O, P | A, 60);
    for (int k = 0; k < 3; k++) {
        add(&c[1], T0 + (1200 + k * 2500) * MS, O, P | A, 84);
        add(&c[1], T0 + (3300 + k * 2500) * MS, B, P | A, 52);
    }
    add(&c[1], T0 + 9000 * MS, B, F | A, 0);
    /* 2: a SYN probe at +2 s (answered, then reset by the scanner): sshd never sees it */
    c[2].src = "203.0.113.66", c[2].sport = 41000, c[2].dport = 22;
    add(&c[2], T0 + 2000 * MS, O, S, 0);
    add(&c[2], T0 + 2001 * MS, B, S | A, 0);
    add(&c[2], T0 + 2002 * MS, O, R, 0);
    /* 3: a banner grab at +3 s: connected, closed before authenticating */
    c[3].src = "203.0.113.67", c[3].sport = 42000, c[3].dport = 22;
    handshake(&c[3], T0 + 3000 * MS);
    add(&c[3], T0 + 3010 * MS, B, P | A, 40);
    add(&c[3], T0 + 3020 * MS, O, F | A, 0);
    /* 4: a 2 MB download over HTTPS by the workstation at +4 s */
    c[4].src = "10.0.0.101", c[4].sport = 50001, c[4].dport = 443;
    handshake(&c[4], T0 + 4000 * MS);
    add(&c[4], T0 + 4010 * MS, O, P | A, 500);
    for (int i = 0; i < 40; i++) add(&c[4], T0 + (4020 + i) * MS, B, P | A, 50000);
    for (int i = 0; i < 5; i++) observe(h, &c[i], (uint64_t)i);
    uint64_t lines = 0;
    assert_int_equal(sg_host_logs_close(h, &lines, &err), SG_OK);

    char path[128];
    snprintf(path, sizeof path, "%s/hosts/srv/auth.log", dir);
    char *auth = slurp(path);
    assert_non_null(auth);
    assert_int_equal(count(auth, "\n"), 5 + 1 + 3 + 1 + 1);
    assert_int_equal(count(auth, "Accepted publickey for "), 1);
    assert_non_null(strstr(auth, " srv sshd["));
    assert_non_null(strstr(auth, "from 10.0.0.101 port 50000 ssh2: ED25519 SHA256:"));
    assert_int_equal(count(auth, "Failed password for invalid user "), 3);
    assert_int_equal(count(auth, "from 203.0.113.9 port 40000 ssh2\n"), 3);
    assert_int_equal(count(auth, "[preauth]"), 2); /* the brute force's close and the banner grab */
    assert_non_null(strstr(auth, "Connection closed by 203.0.113.67 port 42000 [preauth]"));
    assert_null(strstr(auth, "203.0.113.66")); /* the SYN probe */
    assert_non_null(strstr(auth, "Disconnected from user "));
    /* time order across connections: the session's close (30 s) comes last */
    const char *prev = NULL;
    for (const char *l = auth; *l; l = strchr(l, '\n') + 1) {
        if (prev) assert_true(strncmp(prev, l, 32) <= 0);
        prev = l;
    }
    assert_non_null(strstr(prev, "session closed for user "));
    assert_non_null(strstr(auth, "2026-12-07T10:00:03.3"));
    free(auth);

    /* ECS: the Windows workstation: ssh.exe and chrome.exe each started once, two connections, a download */
    snprintf(path, sizeof path, "%s/hosts/pc/endpoint.ndjson", dir);
    char *ecs = slurp(path);
    assert_non_null(ecs);
    assert_int_equal(count(ecs, "\"action\":\"process-started\""), 2);
    assert_int_equal(count(ecs, "\"action\":\"connection-attempted\""), 2);
    assert_int_equal(count(ecs, "\"name\":\"chrome.exe\""), 3);
    assert_int_equal(count(ecs, "\"action\":\"file-created\""), 1);
    assert_non_null(strstr(ecs, "\"size\":2000000"));
    assert_non_null(strstr(ecs, "\\\\Downloads\\\\"));
    assert_non_null(strstr(ecs, "\"community_id\":\"1:"));
    free(ecs);
    /* the server: a connection-accepted event per connection on it, by sshd or nginx, no process start */
    snprintf(path, sizeof path, "%s/hosts/srv/endpoint.ndjson", dir);
    ecs = slurp(path);
    assert_non_null(ecs);
    assert_int_equal(count(ecs, "\"action\":\"connection-accepted\""), 5);
    assert_int_equal(count(ecs, "\"name\":\"sshd\""), 4);
    assert_int_equal(count(ecs, "process-started"), 0);
    free(ecs);
    assert_int_equal(lines, 11 + 5 + 5);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    sg_netcfg_destroy(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_host_logs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
