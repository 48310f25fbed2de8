/* logs module: Zeek conn_state and history from hand-made packet lists (one per conn_state the
 * generator can produce, and the ones it should not hide), the conn.log JSON record, and the flows
 * CSV's community_id column (written by sg_flow_writer_open_cols, read back by the flow reader,
 * which locates columns by name and ignores the extra one). */
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

#define S SG_TCP_SYN
#define A SG_TCP_ACK
#define F SG_TCP_FIN
#define R SG_TCP_RST
#define P SG_TCP_PSH
enum { O = SG_DIR_FWD, Rs = SG_DIR_BWD };

typedef struct {
    uint8_t dir, flags;
    uint32_t len;
} mini;

static void summarize(uint8_t proto, const mini *m, size_t n, sg_zeek_conn *c)
{
    sg_pkt p[32];
    memset(p, 0, sizeof p);
    for (size_t i = 0; i < n; i++) p[i] = (sg_pkt){.t_ns = (int64_t)i * 1000, .dir = m[i].dir, .tcp_flags = m[i].flags, .payload_len = m[i].len};
    sg_zeek_conn_summarize(proto, p, n, c);
}

#define CHECK(proto, arr, state, hist)                       \
    do {                                                     \
        sg_zeek_conn c_;                                     \
        summarize(proto, arr, sizeof arr / sizeof arr[0], &c_); \
        assert_string_equal(c_.conn_state, state);           \
        assert_string_equal(c_.history, hist);               \
    } while (0)

static void test_conn_states(void **state)
{
    (void)state;
    const mini sf[] = {{O, S, 0}, {Rs, S | A, 0}, {O, A, 0}, {O, P | A, 100}, {Rs, A, 0}, {Rs, P | A, 300},
                       {O, F | A, 0}, {Rs, F | A, 0}, {O, A, 0}};
    CHECK(SG_PROTO_TCP, sf, "SF", "ShADadFf");
    const mini rej[] = {{O, S, 0}, {Rs, R | A, 0}};
    CHECK(SG_PROTO_TCP, rej, "REJ", "Sr");
    const mini s0[] = {{O, S, 0}, {O, S, 0}};
    CHECK(SG_PROTO_TCP, s0, "S0", "S");
    const mini rsto[] = {{O, S, 0}, {Rs, S | A, 0}, {O, A, 0}, {O, P | A, 10}, {O, R | A, 0}};
    CHECK(SG_PROTO_TCP, rsto, "RSTO", "ShADR");
    const mini rstr[] = {{O, S, 0}, {Rs, S | A, 0}, {O, A, 0}, {Rs, R, 0}};
    CHECK(SG_PROTO_TCP, rstr, "RSTR", "ShAr");
    const mini rstos0[] = {{O, S, 0}, {O, R, 0}};
    CHECK(SG_PROTO_TCP, rstos0, "RSTOS0", "SR");
    const mini s1[] = {{O, S, 0}, {Rs, S | A, 0}, {O, A, 0}, {O, P | A, 5}};
    CHECK(SG_PROTO_TCP, s1, "S1", "ShAD");
    const mini s2[] = {{O, S, 0}, {Rs, S | A, 0}, {O, A, 0}, {O, F | A, 0}};
    CHECK(SG_PROTO_TCP, s2, "S2", "ShAF");
    const mini s3[] = {{O, S, 0}, {Rs, S | A, 0}, {O, A, 0}, {Rs, F | A, 0}};
    CHECK(SG_PROTO_TCP, s3, "S3", "ShAf");
    const mini sh[] = {{O, S, 0}, {O, F, 0}};
    CHECK(SG_PROTO_TCP, sh, "SH", "SF");
    const mini oth[] = {{O, P | A, 10}, {Rs, A, 0}};
    CHECK(SG_PROTO_TCP, oth, "OTH", "Da");
    const mini multi[] = {{O, S | F, 0}};
    CHECK(SG_PROTO_TCP, multi, "SH", "Q");
    const mini udp_sf[] = {{O, 0, 40}, {Rs, 0, 80}};
    CHECK(SG_PROTO_UDP, udp_sf, "SF", "Dd");
    const mini udp_s0[] = {{O, 0, 40}};
    CHECK(SG_PROTO_UDP, udp_s0, "S0", "D");
    const mini icmp[] = {{O, 0, 56}, {Rs, 0, 56}};
    CHECK(SG_PROTO_ICMP, icmp, "OTH", "");
    sg_zeek_conn c;
    summarize(SG_PROTO_TCP, sf, sizeof sf / sizeof sf[0], &c);
    assert_int_equal(c.orig_bytes, 100);
    assert_int_equal(c.resp_bytes, 300);
    assert_int_equal(c.orig_pkts, 5);
    assert_int_equal(c.resp_pkts, 4);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    fclose(fp);
    return buf;
}

static void test_conn_log_record(void **state)
{
    (void)state;
    char dir[] = "/tmp/sg_zeek_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof sub, "%s/logs", dir);
    sg_zeek_logs *z = NULL;
    sg_error err = {0};
    assert_int_equal(sg_zeek_logs_create(sub, 5, &z, &err), SG_OK);
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = SG_PROTO_TCP;
    strcpy(f.src_ip, "128.232.110.120");
    strcpy(f.dst_ip, "66.35.250.204");
    f.src_port = 34855, f.dst_port = 80;
    f.fwd_packets = 5, f.fwd_bytes = 372, f.bwd_packets = 4, f.bwd_bytes = 508;
    sg_pkt_conn conn;
    memset(&conn, 0, sizeof conn);
    conn.proto = SG_PROTO_TCP;
    const uint8_t fl[] = {S, S | A, A, P | A, A, P | A, F | A, F | A, A};
    const uint8_t dr[] = {O, Rs, O, O, Rs, Rs, O, Rs, O};
    const uint32_t ln[] = {0, 0, 0, 100, 0, 300, 0, 0, 0};
    sg_pkt p[9];
    for (int i = 0; i < 9; i++)
        p[i] = (sg_pkt){.t_ns = 1491382833000000000LL + i * 250000LL, .dir = dr[i], .tcp_flags = fl[i], .payload_len = ln[i]};
    assert_int_equal(sg_zeek_logs_observe(z, &f, &conn, p, 9, 0, &err), SG_OK);
    /* nothing visible before the commit */
    char path[96];
    snprintf(path, sizeof path, "%s/conn.log", sub);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(sg_zeek_logs_records(z), 1);
    assert_int_equal(sg_zeek_logs_close(z, &err), SG_OK);
    const char *s = slurp(path);
    assert_non_null(strstr(s, "{\"ts\":1491382833.000000,\"uid\":\"C"));
    assert_non_null(strstr(s, "\"id.orig_h\":\"128.232.110.120\",\"id.orig_p\":34855,\"id.resp_h\":\"66.35.250.204\",\"id.resp_p\":80,"
                              "\"proto\":\"tcp\",\"service\":\"http\",\"duration\":0.002000,\"orig_bytes\":100,\"resp_bytes\":300,"
                              "\"conn_state\":\"SF\",\"missed_bytes\":0,\"history\":\"ShADadFf\",\"orig_pkts\":5,\"orig_ip_bytes\":372,"
                              "\"resp_pkts\":4,\"resp_ip_bytes\":508,\"ip_proto\":6,\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\"}\n"));
    unlink(path);
    /* a file where the folder should be */
    assert_int_not_equal(sg_zeek_logs_create("/dev/null", 5, &z, &err), SG_OK);
    assert_non_null(strstr(err.msg, "not a directory"));
    rmdir(sub);
    rmdir(dir);
}

static void test_flows_csv_column(void **state)
{
    (void)state;
    char path[] = "/tmp/sg_cidcsv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sg_flow_column col = {"community_id", sg_community_id_column, NULL};
    sg_flow_writer *w = NULL;
    sg_error err = {0};
    assert_int_equal(sg_flow_writer_open_cols(&w, path, SG_FMT_NATIVE, 0, &col, 1, &err), SG_OK);
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.start_us = 1491382833000000LL;
    f.proto = SG_PROTO_UDP;
    strcpy(f.src_ip, "192.168.1.52");
    strcpy(f.dst_ip, "8.8.8.8");
    f.src_port = 54585, f.dst_port = 53;
    f.fwd_packets = 1, f.fwd_bytes = 60;
    assert_int_equal(sg_flow_writer_write(w, &f, &err), SG_OK);
    strcpy(f.src_ip, "EXT_SERVER"); /* no ID: empty cell */
    assert_int_equal(sg_flow_writer_write(w, &f, &err), SG_OK);
    assert_int_equal(sg_flow_writer_close(w, &err), SG_OK);
    const char *s = slurp(path);
    assert_non_null(strstr(s, "bwd_bytes,flags,community_id\n"));
    assert_non_null(strstr(s, ",......,1:d/FP5EW3wiY1vCndhwleRRKHowQ=\n"));
    assert_non_null(strstr(s, ",......,\n"));
    sg_flow_table t;
    assert_int_equal(sg_flow_read(path, NULL, &t, &err), SG_OK);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.format, SG_FMT_NATIVE);
    assert_int_equal(t.flows[0].dst_port, 53);
    assert_string_equal(t.flows[1].src_ip, "EXT_SERVER");
    sg_flow_table_free(&t);
    unlink(path);
    /* a bad column name is refused */
    sg_flow_column bad = {"a,b", sg_community_id_column, NULL};
    assert_int_not_equal(sg_flow_writer_open_cols(&w, path, SG_FMT_NATIVE, 0, &bad, 1, &err), SG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_states),
        cmocka_unit_test(test_conn_log_record),
        cmocka_unit_test(test_flows_csv_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
