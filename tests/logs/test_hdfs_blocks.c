/* logs module: the HDFS application log from hand-made connections to a DataNode (TCP 50010) —
 * one block per established write that carried data (a refused connection and an empty one write
 * nothing), its lines in the DataNode's hdfs.log with the connection's client address:port, the
 * payload it sent as the block size, the config's other DataNodes as the replicas, the block id in
 * the DataNode's endpoint event; deterministic per seed; no model, no hdfs.log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/generate.h"
#include "secgen/logs.h"
#include "secgen/netcfg.h"
#include "secgen/tadam.h"

#define S SG_TCP_SYN
#define A SG_TCP_ACK
#define F SG_TCP_FIN
#define R SG_TCP_RST
enum { O = SG_DIR_FWD, B = SG_DIR_BWD };
#define T0 INT64_C(1226262930000000000) /* 2008-11-09T20:35:30Z */
#define MS INT64_C(1000000)

static const char cfg_yaml[] = "hosts:\n"
                               "  - {hostname: dn, os: Linux, interfaces: [{ip_addr: 10.0.0.10, services: [\"tcp:50010\"]}]}\n"
                               "  - {hostname: dn2, os: Linux, interfaces: [{ip_addr: 10.0.0.11, services: [\"tcp:50010\"]}]}\n"
                               "  - {hostname: dn3, os: Linux, interfaces: [{ip_addr: 10.0.0.12, services: [\"tcp:50010\"]}]}\n"
                               "  - {hostname: pc, os: Linux, interfaces: [{ip_addr: 10.0.0.101}]}\n";

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
    uint16_t sport;
    size_t n;
    sg_pkt p[16];
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
    strcpy(f.src_ip, "10.0.0.101");
    strcpy(f.dst_ip, "10.0.0.10");
    f.src_port = c->sport;
    f.dst_port = 50010;
    f.start_us = c->p[0].t_ns / 1000;
    sg_pkt_conn k;
    memset(&k, 0, sizeof k);
    k.proto = SG_PROTO_TCP;
    k.src_port = c->sport;
    k.dst_port = k.service_port = 50010;
    sg_error err = {0};
    assert_int_equal(sg_host_logs_observe(h, &f, &k, c->p, c->n, index, &err), SG_OK);
}

/* writes the three connections' logs into dir with seed; returns dn's hdfs.log (NULL if none) */
static char *run(const char *dir, const sg_netcfg *cfg, const sg_tadam_model *m, uint64_t seed, char **ecs)
{
    sg_host_logs *h = NULL;
    sg_error err = {0};
    assert_int_equal(sg_host_logs_create(dir, cfg, seed, &h, &err), SG_OK);
    sg_host_logs_set_hdfs_model(h, m);
    conn_spec w = {.sport = 40000}; /* a write: 3 x 64 KiB */
    add(&w, T0, O, S, 0);
    add(&w, T0 + 1 * MS, B, S | A, 0);
    add(&w, T0 + 2 * MS, O, A, 0);
    for (int i = 0; i < 3; i++) add(&w, T0 + (3 + i) * MS, O, A, 65536);
    add(&w, T0 + 7 * MS, B, A, 0);
    add(&w, T0 + 8 * MS, O, F | A, 0);
    conn_spec refused = {.sport = 40001};
    add(&refused, T0 + 10 * MS, O, S, 0);
    add(&refused, T0 + 11 * MS, B, R | A, 0);
    conn_spec empty = {.sport = 40002}; /* established, closed without data */
    add(&empty, T0 + 20 * MS, O, S, 0);
    add(&empty, T0 + 21 * MS, B, S | A, 0);
    add(&empty, T0 + 22 * MS, O, F | A, 0);
    observe(h, &w, 0);
    observe(h, &refused, 1);
    observe(h, &empty, 2);
    uint64_t records = 0;
    assert_int_equal(sg_host_logs_close(h, &records, &err), SG_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/hosts/dn/endpoint.ndjson", dir);
    *ecs = slurp(path);
    snprintf(path, sizeof path, "%s/hosts/dn/hdfs.log", dir);
    return slurp(path);
}

static void test_hdfs_blocks(void **state)
{
    (void)state;
    const char *data;
    size_t size;
    assert_int_equal(sg_generate_embedded("hdfs.json", &data, &size), 0);
    sg_tadam_model *m = NULL;
    sg_error err = {0};
    assert_int_equal(sg_tadam_model_load_mem("hdfs.json", data, size, SG_TADAM_FMT_SECGEN, &m, &err), SG_OK);
    sg_netcfg *cfg = NULL;
    assert_int_equal(sg_netcfg_load_mem("t.yaml", cfg_yaml, sizeof cfg_yaml - 1, &cfg, &err), SG_OK);
    char dir[] = "/tmp/sg_hdfs_XXXXXX";
    assert_non_null(mkdtemp(dir));

    char *ecs = NULL;
    char *log = run(dir, cfg, m, 7, &ecs);
    assert_non_null(log);
    char id[32], other[32], want[128];
    sg_hdfs_block_id(7, 0, id, sizeof id);
    sg_hdfs_block_id(7, 1, other, sizeof other);
    assert_string_not_equal(id, other);
    /* one block: every line names it, nothing else; the refused and the empty connection wrote none */
    size_t lines = count(log, "\n");
    assert_true(lines >= 2);
    assert_int_equal(count(log, "blk_"), count(log, id)); /* E21 names the id twice (block and file) */
    assert_true(count(log, id) >= lines);
    /* the write itself: the connection's client and DataNode, first E5 */
    snprintf(want, sizeof want, "Receiving block %s src: /10.0.0.101:40000 dest: /10.0.0.10:50010\n", id);
    const char *e5 = strstr(log, "Receiving block ");
    assert_non_null(e5);
    assert_memory_equal(e5, want, strlen(want));
    /* sizes = the payload the client sent */
    for (const char *p = log; (p = strstr(p, "size ")); p += 5) assert_int_equal(strtoull(p + 5, NULL, 10), 196608);
    /* replicas: the other two DataNodes, no other address than the client's and theirs */
    for (const char *p = log; (p = strstr(p, "10.0.0.")); p += 7) {
        unsigned last = (unsigned)strtoul(p + 7, NULL, 10);
        assert_true(last == 10 || last == 11 || last == 12 || last == 101);
    }
    /* the DataNode's endpoint event of the write carries the block id */
    assert_non_null(ecs);
    snprintf(want, sizeof want, "\"labels\":{\"hdfs_block_id\":\"%s\"}", id);
    assert_int_equal(count(ecs, want), 1);
    assert_int_equal(count(ecs, "hdfs_block_id"), 1);
    assert_int_equal(count(ecs, "\"name\":\"java\""), 3); /* the DataNode JVM accepted all three */

    /* deterministic per seed, another seed another block */
    char dir2[] = "/tmp/sg_hdfs_XXXXXX";
    assert_non_null(mkdtemp(dir2));
    char *ecs2 = NULL, *log2 = run(dir2, cfg, m, 7, &ecs2);
    assert_string_equal(log, log2);
    free(log2);
    free(ecs2);
    char dir3[] = "/tmp/sg_hdfs_XXXXXX";
    assert_non_null(mkdtemp(dir3));
    log2 = run(dir3, cfg, m, 8, &ecs2);
    assert_non_null(log2);
    assert_null(strstr(log2, id));
    free(log2);
    free(ecs2);
    /* without the automaton: no hdfs.log, no label */
    char dir4[] = "/tmp/sg_hdfs_XXXXXX";
    assert_non_null(mkdtemp(dir4));
    log2 = run(dir4, cfg, NULL, 7, &ecs2);
    assert_null(log2);
    assert_null(strstr(ecs2, "hdfs_block_id"));
    free(ecs2);

    free(log);
    free(ecs);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s %s %s", dir, dir2, dir3, dir4);
    assert_int_equal(system(cmd), 0);
    sg_netcfg_destroy(cfg);
    sg_tadam_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_hdfs_blocks)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
