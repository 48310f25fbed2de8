/* flow module: every flow CSV layout from small fixtures and the real shared files, native and
 * CIDDS round trips, malformed rows (file:line:column in every message), skip_bad, detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/flow.h"

#define FIX(name) SG_TEST_DATA "/flow/" name
#define SHARED(name) SG_TEST_SHARED "/data/" name

static int64_t T(const char *s)
{
    int64_t us = 0;
    assert_int_equal(sg_time_parse(s, &us, NULL), SG_OK);
    return us;
}

static void read_ok(const char *path, sg_flow_format fmt, sg_flow_table *t, sg_flow_read_opts *o)
{
    sg_error e = {0};
    o->format = fmt;
    sg_status st = sg_flow_read(path, o, t, &e);
    if (st != SG_OK) fail_msg("%s: %s", path, e.msg);
}

static void test_native_fixture(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    read_ok(FIX("native_small.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_NATIVE);
    assert_int_equal(t.n, 4);
    assert_int_equal(o.rows, 4);
    const sg_flow *f = &t.flows[0];
    assert_true(f->start_us == T("2017-04-05T10:31:02.123456Z"));
    assert_true(f->duration_us == 1500000);
    assert_int_equal(f->proto, SG_PROTO_TCP);
    assert_string_equal(f->src_ip, "192.168.100.5");
    assert_int_equal(f->src_port, 51234);
    assert_string_equal(f->dst_ip, "10.0.0.1");
    assert_int_equal(f->dst_port, 80);
    assert_true(f->fwd_packets == 5 && f->fwd_bytes == 420 && f->bwd_packets == 4 && f->bwd_bytes == 3012);
    assert_int_equal(f->flags, SG_TCP_ACK | SG_TCP_PSH | SG_TCP_SYN | SG_TCP_FIN);
    assert_string_equal(t.flows[2].src_ip, "fe80::1");
    assert_int_equal(t.flows[2].dst_port, 2048);
    assert_int_equal(t.flows[3].proto, 47);
    assert_true(t.flows[3].duration_us == 12345678);
    assert_string_equal(t.flows[3].src_ip, "EXT_SERVER");
    sg_flow_table_free(&t);
}

static void test_cidds_fixture(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    read_ok(FIX("cidds_small.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_CIDDS);
    assert_int_equal(t.n, 5);
    assert_true(t.flows[0].start_us == T("2017-03-15T00:01:16.632Z"));
    assert_int_equal(t.flows[0].proto, SG_PROTO_TCP); /* "TCP  " padded */
    assert_true(t.flows[0].bwd_packets == 0 && t.flows[0].bwd_bytes == 0);
    assert_true(t.flows[2].fwd_bytes == 1200000); /* "  1.2 M" */
    assert_int_equal(t.flows[2].proto, SG_PROTO_UDP);
    assert_int_equal(t.flows[2].flags, 0); /* UDP: flags cleared */
    assert_int_equal(t.flows[3].proto, SG_PROTO_ICMP);
    assert_int_equal(t.flows[3].dst_port, 3 * 256 + 3); /* "3.3" */
    assert_string_equal(t.flows[3].dst_ip, "DNS");
    /* quoted fields, quoted comma in an ignored column, missing final newline */
    assert_string_equal(t.flows[4].src_ip, "EXT_SERVER");
    assert_true(t.flows[4].fwd_bytes == 3000);
    assert_true(t.flows[4].duration_us == 1500000);
    assert_int_equal(t.flows[4].tos, 32);
    sg_flow_table_free(&t);
}

static void test_argus_fixture(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    read_ok(FIX("argus_small.binetflow"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_ARGUS);
    assert_int_equal(t.n, 3);
    assert_int_equal(o.nonip_skipped, 1);
    assert_int_equal(o.rows, 4);
    const sg_flow *u = &t.flows[0];
    assert_true(u->start_us == T("2011-08-10T09:46:53.047277Z"));
    assert_true(u->duration_us == 3550182373LL);
    assert_true(u->fwd_bytes == 413 && u->bwd_bytes == 875 - 413); /* SrcBytes */
    assert_true(u->fwd_packets == 12 && u->bwd_packets == 0);
    assert_int_equal(u->flags, 0);
    const sg_flow *tc = &t.flows[1];
    assert_int_equal(tc->flags, SG_TCP_FIN | SG_TCP_SYN | SG_TCP_PSH | SG_TCP_ACK | SG_TCP_RST);
    const sg_flow *ic = &t.flows[2];
    assert_int_equal(ic->proto, SG_PROTO_ICMP);
    assert_int_equal(ic->src_port, 0);
    assert_int_equal(ic->dst_port, 0x0303); /* type 3 code 3 */
    assert_int_equal(ic->tos, 192);
    sg_flow_table_free(&t);
}

static void test_ugr16_fixture(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    read_ok(FIX("ugr16_small.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_UGR16);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.flows[0].flags, 0); /* UDP ".A...." cleared */
    assert_int_equal(t.flows[0].tos, 40);
    /* te is the end: start = te - td */
    assert_true(t.flows[1].start_us == T("2016-04-11T00:07:24Z") - 9016000);
    assert_true(t.flows[1].duration_us == 9016000);
    assert_int_equal(t.flows[1].flags, SG_TCP_SYN);
    assert_int_equal(t.flows[2].dst_port, 2816);
    sg_flow_table_free(&t);
    /* headerless nfdump export */
    read_ok(FIX("ugr16_headerless.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_UGR16);
    assert_int_equal(t.n, 2);
    assert_true(t.flows[1].start_us == T("2016-03-18T00:00:01Z") - 1500000);
    assert_int_equal(t.flows[1].flags, SG_TCP_ACK | SG_TCP_PSH | SG_TCP_SYN | SG_TCP_FIN);
    sg_flow_table_free(&t);
    read_ok(FIX("ugr16_headerless.csv"), SG_FMT_UGR16, &t, &o);
    assert_int_equal(t.n, 2);
    sg_flow_table_free(&t);
    /* nfdump's trailing summary block is not read as flows */
    const char *nf = "te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt\n"
                     "2016-04-11 00:06:22,0.0,1.2.3.4,5.6.7.8,1,2,UDP,.A....,0,0,1,441\n"
                     "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n1,441,1,0,0,441\n";
    sg_error e = {0};
    assert_int_equal(sg_flow_read_mem("nf.csv", nf, strlen(nf), &o, &t, &e), SG_OK);
    assert_int_equal(t.n, 1);
    assert_int_equal(o.rows, 1);
    sg_flow_table_free(&t);
}

static void test_netshare_fixture(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    read_ok(FIX("netshare_small.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_NETSHARE);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.flows[0].src_ip, "103.36.93.115");
    assert_string_equal(t.flows[0].dst_ip, "42.219.159.199");
    assert_true(t.flows[0].start_us == 1458298072364000LL);
    assert_true(t.flows[0].duration_us == 305636000LL);
    assert_string_equal(t.flows[1].src_ip, "192.168.1.1");
    assert_string_equal(t.flows[1].dst_ip, "10.0.0.1");
    assert_true(t.flows[1].start_us == 1458298072364001LL);
    assert_int_equal(t.flows[1].dst_port, 443);
    sg_flow_table_free(&t);
}

/* ---- the real shared files ---- */

static void count_protos(const sg_flow_table *t, size_t *tcp, size_t *udp, size_t *icmp)
{
    *tcp = *udp = *icmp = 0;
    for (size_t i = 0; i < t->n; i++) {
        *tcp += t->flows[i].proto == SG_PROTO_TCP;
        *udp += t->flows[i].proto == SG_PROTO_UDP;
        *icmp += t->flows[i].proto == SG_PROTO_ICMP;
    }
}

static void test_real_cidds(void **state)
{
    (void)state;
    sg_flow_table t, s;
    sg_flow_read_opts o = {0};
    size_t tcp, udp, icmp;
    read_ok(SHARED("cidds001_flowchronicle_sample/cidds_wk3_8k.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_CIDDS);
    assert_int_equal(t.n, 8192);
    count_protos(&t, &tcp, &udp, &icmp);
    assert_int_equal(tcp, 6922);
    assert_int_equal(udp, 1269);
    assert_int_equal(icmp, 1);
    assert_false(sg_flow_table_is_sorted(&t));
    /* our stable sort must equal the stably sorted copy shipped next to it */
    read_ok(SHARED("cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"), SG_FMT_CIDDS, &s, &o);
    assert_true(sg_flow_table_is_sorted(&s));
    sg_flow_table_sort(&t);
    assert_int_equal(t.n, s.n);
    assert_memory_equal(t.flows, s.flows, t.n * sizeof *t.flows);
    assert_true(t.flows[0].start_us >= T("2017-04-05T00:02:00Z") && t.flows[0].start_us < T("2017-04-05T00:03:00Z"));
    assert_true(t.flows[t.n - 1].start_us >= T("2017-04-11T23:44:00Z") && t.flows[t.n - 1].start_us < T("2017-04-11T23:45:00Z"));
    sg_flow_table_free(&t);
    sg_flow_table_free(&s);
}

static void test_real_ugr16(void **state)
{
    (void)state;
    static const char *const files[] = {
        SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv"),
        SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.152.127.csv"),
        SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.152.238.csv"),
        SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.152.246.csv")};
    static const size_t expect[] = {7005, 1491, 3899, 9319};
    size_t total = 0, tcp_all = 0, udp_all = 0, icmp_all = 0;
    for (int i = 0; i < 4; i++) {
        sg_flow_table t;
        sg_flow_read_opts o = {0};
        size_t tcp, udp, icmp;
        read_ok(files[i], SG_FMT_AUTO, &t, &o);
        assert_int_equal(t.format, SG_FMT_UGR16);
        assert_int_equal(t.n, expect[i]);
        count_protos(&t, &tcp, &udp, &icmp);
        tcp_all += tcp;
        udp_all += udp;
        icmp_all += icmp;
        total += t.n;
        sg_flow_table_free(&t);
    }
    assert_int_equal(total, 21714);
    assert_int_equal(tcp_all, 16885);
    assert_int_equal(udp_all, 3877);
    assert_int_equal(icmp_all, 951);

    sg_flow_table t;
    sg_flow_read_opts o = {0};
    read_ok(SHARED("ugr16_flows/netshare_ugr16_small_raw.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_NETSHARE);
    assert_int_equal(t.n, 1000);
    for (size_t i = 0; i < t.n; i++) {
        assert_true(t.flows[i].start_us >= T("2016-03-18T10:47:52Z"));
        assert_true(t.flows[i].start_us < T("2016-03-18T10:50:56Z"));
    }
    sg_flow_table_free(&t);
}

static void test_real_argus(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    size_t tcp, udp, icmp;
    read_ok(SHARED("ctu_normal_flows/2013-10-21_capture-1.binetflow"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(t.format, SG_FMT_ARGUS);
    assert_int_equal(o.rows, 2398);
    assert_int_equal(o.nonip_skipped, 18); /* ARP */
    assert_int_equal(t.n, 2380);
    count_protos(&t, &tcp, &udp, &icmp);
    assert_int_equal(tcp, 1485);
    assert_int_equal(udp, 887);
    assert_int_equal(icmp, 8);
    assert_true(t.flows[0].start_us == T("2013-10-21T13:22:59.340835Z"));
    sg_flow_table_free(&t);
}

/* ---- round trips ---- */

static char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    const char *dir = getenv("TMPDIR");
    char *b = buf[k++ % 4];
    snprintf(b, 512, "%s/sg_flow_%ld_%s", dir && *dir ? dir : "/tmp", (long)getpid(), name);
    return b;
}

static char *slurp(const char *path, size_t *n)
{
    char *d = NULL;
    assert_int_equal(sg_file_read_all(path, &d, n, NULL), SG_OK);
    return d;
}

static void test_native_round_trip(void **state)
{
    (void)state;
    sg_flow_table t, u;
    sg_flow_read_opts o = {0};
    sg_error e = {0};
    /* every real layout -> native -> read back: identical records (tos is not a native column) */
    static const char *const files[] = {SHARED("cidds001_flowchronicle_sample/cidds_wk3_8k.csv"),
                                        SHARED("ctu_normal_flows/2013-10-21_capture-1.binetflow"),
                                        SHARED("ugr16_flows/netshare_ugr16_small_raw.csv"),
                                        SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.152.127.csv"),
                                        FIX("native_small.csv")};
    const char *out = tmp_path("rt.csv"), *out2 = tmp_path("rt2.csv");
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        read_ok(files[k], SG_FMT_AUTO, &t, &o);
        for (size_t i = 0; i < t.n; i++) t.flows[i].tos = 0;
        assert_int_equal(sg_flow_write(out, &t, SG_FMT_NATIVE, &e), SG_OK);
        read_ok(out, SG_FMT_AUTO, &u, &o);
        assert_int_equal(u.format, SG_FMT_NATIVE);
        assert_int_equal(u.n, t.n);
        assert_memory_equal(u.flows, t.flows, t.n * sizeof *t.flows);
        /* writing again is byte-identical */
        assert_int_equal(sg_flow_write(out2, &u, SG_FMT_NATIVE, &e), SG_OK);
        size_t n1, n2;
        char *a = slurp(out, &n1), *b = slurp(out2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(a, b, n1);
        free(a);
        free(b);
        sg_flow_table_free(&t);
        sg_flow_table_free(&u);
    }
    unlink(out);
    unlink(out2);
}

static void test_native_exact_text(void **state)
{
    (void)state;
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.start_us = T("2017-04-05T10:31:02.123456Z");
    f.duration_us = 1000001;
    f.proto = SG_PROTO_TCP;
    f.flags = SG_TCP_ACK | SG_TCP_PSH | SG_TCP_SYN | SG_TCP_FIN;
    strcpy(f.src_ip, "192.168.100.5");
    strcpy(f.dst_ip, "10.0.0.1");
    f.src_port = 51234;
    f.dst_port = 80;
    f.fwd_packets = 5;
    f.fwd_bytes = 420;
    f.bwd_packets = 4;
    f.bwd_bytes = 3012;
    const char *out = tmp_path("exact.csv");
    sg_flow_writer *w;
    sg_error e = {0};
    assert_int_equal(sg_flow_writer_open(&w, out, SG_FMT_NATIVE, &e), SG_OK);
    assert_int_equal(sg_flow_writer_write(w, &f, &e), SG_OK);
    assert_int_equal(sg_flow_writer_close(w, &e), SG_OK);
    size_t n;
    char *d = slurp(out, &n);
    assert_string_equal(d, "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,"
                           "bwd_bytes,flags\n2017-04-05T10:31:02.123456Z,1.000001,TCP,192.168.100.5,51234,10.0.0.1,80,"
                           "5,420,4,3012,.AP.SF\n");
    free(d);
    /* CIDDS: totals of both directions, Flows = 1, ms timestamps */
    assert_int_equal(sg_flow_writer_open(&w, out, SG_FMT_CIDDS, &e), SG_OK);
    assert_int_equal(sg_flow_writer_write(w, &f, &e), SG_OK);
    assert_int_equal(sg_flow_writer_close(w, &e), SG_OK);
    d = slurp(out, &n);
    assert_string_equal(d, "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,"
                           "Flags\n2017-04-05 10:31:02.123,1.000,TCP,192.168.100.5,51234,10.0.0.1,80,9,3432,1,.AP.SF\n");
    free(d);
    /* invalid record: the writer refuses it, and an aborted writer leaves no file */
    unlink(out);
    assert_int_equal(sg_flow_writer_open(&w, out, SG_FMT_NATIVE, &e), SG_OK);
    strcpy(f.src_ip, "a,b");
    assert_int_equal(sg_flow_writer_write(w, &f, &e), SG_ERR_INVALID);
    sg_flow_writer_abort(w);
    assert_int_not_equal(access(out, F_OK), 0);
    /* unsupported output layout */
    assert_int_equal(sg_flow_writer_open(&w, out, SG_FMT_NETSHARE, &e), SG_ERR_UNSUPPORTED);
    assert_null(w);
}

/* one flow written in a layout, with (label != NULL) or without ground truth */
static char *write_one(sg_flow_format fmt, const sg_flow *f, const char *label)
{
    const char *out = tmp_path("one.csv");
    sg_flow_writer *w;
    sg_error e = {0};
    assert_int_equal(sg_flow_writer_open_cols(&w, out, fmt, label != NULL, NULL, 0, &e), SG_OK);
    assert_int_equal(sg_flow_writer_write_labelled(w, f, label, &e), SG_OK);
    assert_int_equal(sg_flow_writer_close(w, &e), SG_OK);
    size_t n;
    char *d = slurp(out, &n);
    unlink(out);
    return d;
}

/* the Argus (binetflow) and UGR'16 writers, and each layout's own label columns */
static void test_layout_exact_text(void **state)
{
    (void)state;
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.start_us = T("2016-04-11T00:02:04.250500Z");
    f.duration_us = 1500000;
    f.proto = SG_PROTO_TCP;
    f.flags = SG_TCP_ACK | SG_TCP_SYN | SG_TCP_RST;
    f.tos = 40;
    strcpy(f.src_ip, "42.219.145.151");
    strcpy(f.dst_ip, "102.216.18.184");
    f.src_port = 17379;
    f.dst_port = 8080;
    f.fwd_packets = 2;
    f.fwd_bytes = 88;
    f.bwd_packets = 1;
    f.bwd_bytes = 40;
    char *d = write_one(SG_FMT_UGR16, &f, NULL); /* headerless, te = end time, totals */
    assert_string_equal(d, "2016-04-11 00:02:05.750,1.500,42.219.145.151,102.216.18.184,17379,8080,TCP,.A.RS.,0,40,3,128\n");
    free(d);
    d = write_one(SG_FMT_UGR16, &f, "scan11");
    assert_string_equal(d, "2016-04-11 00:02:05.750,1.500,42.219.145.151,102.216.18.184,17379,8080,TCP,.A.RS.,0,40,3,128,scan11\n");
    free(d);
    d = write_one(SG_FMT_ARGUS, &f, "flow=From-Botnet-V42-TCP");
    assert_string_equal(d, "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcPkts,"
                           "SrcBytes,Label\n2016/04/11 00:02:04.250500,1.500000,tcp,42.219.145.151,17379,  <->,"
                           "102.216.18.184,8080,SRA_SRA,40,0,3,128,2,88,flow=From-Botnet-V42-TCP\n");
    free(d);
    d = write_one(SG_FMT_NATIVE, &f, "portScan");
    assert_non_null(strstr(d, ",bwd_bytes,flags,label\n"));
    assert_non_null(strstr(d, ",.A.RS.,portScan\n"));
    free(d);
    /* CIDDS: class,attackType,attackID,attackDescription; attack ids in order of first appearance */
    const char *out = tmp_path("cidds_lab.csv");
    sg_flow_writer *w;
    sg_error e = {0};
    assert_int_equal(sg_flow_writer_open_labelled(&w, out, SG_FMT_CIDDS, &e), SG_OK);
    assert_int_equal(sg_flow_writer_write_labelled(w, &f, "bruteForce", &e), SG_OK);
    assert_int_equal(sg_flow_writer_write_labelled(w, &f, "---", &e), SG_OK);
    assert_int_equal(sg_flow_writer_write_labelled(w, &f, "portScan", &e), SG_OK);
    assert_int_equal(sg_flow_writer_write(w, &f, &e), SG_OK); /* benign */
    assert_int_equal(sg_flow_writer_write_labelled(w, &f, "bruteForce", &e), SG_OK);
    assert_int_equal(sg_flow_writer_close(w, &e), SG_OK);
    size_t n;
    d = slurp(out, &n);
    const char *row = "2016-04-11 00:02:04.250,1.500,TCP,42.219.145.151,17379,102.216.18.184,8080,3,128,1,.A.RS.,";
    char expect[1024];
    snprintf(expect, sizeof expect,
             "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags,class,"
             "attackType,attackID,attackDescription\n%sattacker,bruteForce,1,bruteForce\n%snormal,---,---,---\n"
             "%sattacker,portScan,2,portScan\n%snormal,---,---,---\n%sattacker,bruteForce,1,bruteForce\n",
             row, row, row, row, row);
    assert_string_equal(d, expect);
    free(d);
    unlink(out);
    /* ICMP in Argus: type/code in Sport as hex; other protocols' state CON/INT */
    f.proto = SG_PROTO_ICMP;
    f.flags = 0;
    f.src_port = 0;
    f.dst_port = 0x0800;
    f.bwd_packets = f.bwd_bytes = 0;
    d = write_one(SG_FMT_ARGUS, &f, NULL);
    assert_non_null(strstr(d, ",icmp,42.219.145.151,0x0800,   ->,102.216.18.184,0x0000,INT,40,0,2,88,2,88\n"));
    free(d);
}

/* every real layout -> argus and ugr16 -> read back: the same records; ground truth survives in
 * each layout's label columns */
static void test_layout_round_trips(void **state)
{
    (void)state;
    static const char *const files[] = {SHARED("ctu_normal_flows/2013-10-21_capture-1.binetflow"),
                                        SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv"),
                                        SHARED("cidds001_flowchronicle_sample/cidds_wk3_8k.csv")};
    static const sg_flow_format outs[] = {SG_FMT_ARGUS, SG_FMT_UGR16, SG_FMT_CIDDS, SG_FMT_NATIVE};
    const char *out = tmp_path("layout_rt.csv");
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        for (size_t m = 0; m < sizeof outs / sizeof outs[0]; m++) {
            sg_flow_table t, u;
            sg_strtab *names = sg_strtab_create(), *names2 = sg_strtab_create();
            sg_vec ids, ids2;
            sg_vec_init(&ids, sizeof(uint32_t));
            sg_vec_init(&ids2, sizeof(uint32_t));
            sg_flow_read_opts o = {.labels = names, .label_ids = &ids}, o2 = {.labels = names2, .label_ids = &ids2};
            read_ok(files[k], SG_FMT_AUTO, &t, &o);
            int labelled = o.label_column != NULL;
            sg_flow_writer *w;
            sg_error e = {0};
            assert_int_equal(sg_flow_writer_open_cols(&w, out, outs[m], labelled, NULL, 0, &e), SG_OK);
            for (size_t i = 0; i < t.n; i++) {
                const char *l = labelled ? sg_strtab_str(names, ((uint32_t *)ids.data)[i]) : NULL;
                /* the one-way layouts hold totals; the others keep both directions */
                if (outs[m] == SG_FMT_UGR16 || outs[m] == SG_FMT_CIDDS) assert_int_equal(t.flows[i].bwd_packets, 0);
                assert_int_equal(sg_flow_writer_write_labelled(w, &t.flows[i], l, &e), SG_OK);
            }
            assert_int_equal(sg_flow_writer_close(w, &e), SG_OK);
            read_ok(out, SG_FMT_AUTO, &u, &o2);
            assert_int_equal(u.format, outs[m]);
            assert_int_equal(u.n, t.n);
            for (size_t i = 0; i < t.n; i++) {
                sg_flow a = t.flows[i], b = u.flows[i];
                if (outs[m] == SG_FMT_NATIVE || outs[m] == SG_FMT_CIDDS) a.tos = b.tos; /* no TOS column written */
                if (outs[m] == SG_FMT_CIDDS || outs[m] == SG_FMT_UGR16) {
                    /* millisecond layouts: the source's times are whole milliseconds except Argus's */
                    if (t.format == SG_FMT_ARGUS) {
                        a.start_us = b.start_us;
                        a.duration_us = b.duration_us;
                    }
                }
                if (memcmp(&a, &b, sizeof a) != 0) fail_msg("%s -> %s: flow %zu differs", files[k], sg_flow_format_name(outs[m]), i + 1);
            }
            assert_int_equal(o2.label_column != NULL, labelled);
            for (size_t i = 0; labelled && i < t.n; i++) {
                const char *l1 = sg_strtab_str(names, ((uint32_t *)ids.data)[i]);
                const char *l2 = sg_strtab_str(names2, ((uint32_t *)ids2.data)[i]);
                assert_int_equal(sg_flow_label_class(l1, NULL, 0), sg_flow_label_class(l2, NULL, 0));
                if (outs[m] != SG_FMT_CIDDS || sg_flow_label_class(l1, NULL, 0) == 1) assert_string_equal(l1, l2);
            }
            sg_flow_table_free(&t);
            sg_flow_table_free(&u);
            sg_vec_free(&ids);
            sg_vec_free(&ids2);
            sg_strtab_destroy(names);
            sg_strtab_destroy(names2);
        }
    }
    unlink(out);
}

static void test_cidds_round_trip(void **state)
{
    (void)state;
    sg_flow_table t, u;
    sg_flow_read_opts o = {0};
    sg_error e = {0};
    const char *out = tmp_path("cidds.csv");
    read_ok(SHARED("cidds001_flowchronicle_sample/cidds_wk3_8k.csv"), SG_FMT_AUTO, &t, &o);
    assert_int_equal(sg_flow_write(out, &t, SG_FMT_CIDDS, &e), SG_OK);
    read_ok(out, SG_FMT_AUTO, &u, &o);
    assert_int_equal(u.format, SG_FMT_CIDDS);
    assert_int_equal(u.n, t.n);
    assert_memory_equal(u.flows, t.flows, t.n * sizeof *t.flows); /* ms data: lossless */
    sg_flow_table_free(&t);
    sg_flow_table_free(&u);
    unlink(out);
}

/* ---- malformed input ---- */

typedef struct bad_case {
    const char *csv;
    const char *expect; /* substring of the message, includes file:line:column */
} bad_case;

#define NH "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags\n"
#define GOOD "2017-04-05T10:31:02.123456Z,1.5,TCP,10.0.0.1,1234,10.0.0.2,80,1,60,1,60,....S.\n"

static void test_malformed(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {NH GOOD "2017-04-05T10:31:02Z,abc,TCP,10.0.0.1,1234,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:3:2 (duration)"},
        {NH GOOD "2017-04-05T10:31:02Z,-1.5,TCP,10.0.0.1,1234,10.0.0.2,80,1,60,1,60,....S.\n", "negative duration"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1234,10.0.0.2\n", "bad.csv:2:7: row has 6 columns"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,70000,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:2:5 (src_port): port 70000 > 65535"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,0123456789012345678901234567890123456789012345678,80,1,60,1,60,....S.\n",
         "bad.csv:2:6 (dst_ip): address"},
        {NH "2017-13-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:2:1 (start)"},
        {NH "2017-04-05T10:31:02Z,1,XTP,10.0.0.1,1,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:2:3 (proto): unknown protocol"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,-60,1,60,....S.\n", "bad.csv:2:9 (fwd_bytes)"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,60,1,1.2 M,....S.\n", "bad.csv:2:11 (bwd_bytes)"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,60,1,60,.XP.S.\n", "bad.csv:2:12 (flags)"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,60,1,60,....S.,extra\n", "bad.csv:2:13: row has 13 columns"},
        {NH "2017-04-05T10:31:02Z,1,TCP,\"10.0.0.1\"x,1,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:2:4: unexpected character"},
        {NH "2017-04-05T10:31:02Z,1,TCP,\"10.0.0.1,1,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:2:4: unterminated quoted field"},
        {NH "2017-04-05T10:31:02Z,1,TCP,,1,10.0.0.2,80,1,60,1,60,....S.\n", "bad.csv:2:4 (src_ip): empty address"},
        {"Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags\n"
         "2017-04-05 10:31:02.123,0.1,TCP,a,1,b,2,1,1.5 Q,1,......\n",
         "bad.csv:2:9 (Bytes)"},
        {"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes\n"
         "2013/10/21 13:22:59.3,1,tcp,a,1,->,b,2,S_,0,0,1,60,61\n",
         "bad.csv:2:14 (SrcBytes): SrcBytes 61 exceeds TotBytes 60"},
        {"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes\n"
         "2013/10/21 13:22:59.3,1,icmp,a,0x1g,->,b,2,URP,0,0,1,60\n",
         "bad.csv:2:5 (Sport): bad hexadecimal port"},
        {"srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type\n99999999999,1,0,0,TCP,1,1,1,1,x\n",
         "bad.csv:2:1 (srcip)"},
        {"te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n2016-04-11 00:06:22,0.0,a,b,1,2,UDP,.A....,0,400,1,441,x\n",
         "bad.csv:2:10 (stos)"},
        {"te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n2016-04-11 00:06:22,0.0,a,b,1,2,UDP,.A....,0,0,1.5,441,x\n",
         "bad.csv:2:11 (pkt): '1.5': not an integer"},
        {"te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n2016-04-11 00:06:22,0.0,a,b,1,2,TCP,.A....,0,0,1,441,x\n"
         "2016-04-11 00:06:22,0.0,a,b,1,3.3,TCP,.A....,0,0,1,441,x\n",
         "bad.csv:3:6 (dp): port '3.3' is not"},
        {"Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags\n"
         "2017-04-05 10:31:02.123,0.1,ICMP,a,0,b,3.300,1,1,1,......\n",
         "bad.csv:2:7 (Dst Pt): bad ICMP type.code '3.300'"},
        {"Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags\n"
         "2017-04-05 10:31:02.123,0.1,TCP,a,1,b,2,1,99999999999 G,1,......\n",
         "bad.csv:2:9 (Bytes): '99999999999 G': too large"},
        {"srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type\n1,2,0,0,TCP,-5,1,1,1,x\n", "bad.csv:2:6 (ts)"},
        {"srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type\n1,2,0,0,TCP,1e300,1,1,1,x\n", "bad.csv:2:6 (ts)"},
        {"2016-03-18 00:00:00,0.000,42.219.156.211,143.72.8.137,53,53,UDP,.A....,0,0,1,75,background\n"
         "2016-03-18 00:00:0x,0.000,42.219.156.211,143.72.8.137,53,53,UDP,.A....,0,0,1,75,background\n",
         "bad.csv:2:1 (te)"},
        {NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,60,1,60,....S.\n"
            "2017-04-05T10:31:02Z,1,TCP,\"multi\nline\",1,10.0.0.2,80,1,60,1,60,....S.\n",
         "bad.csv:3:4 (src_ip): address 'multi?line' contains"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_flow_table t;
        sg_flow_read_opts o = {0};
        sg_error e = {0};
        sg_status st = sg_flow_read_mem("bad.csv", cases[i].csv, strlen(cases[i].csv), &o, &t, &e);
        if (st == SG_OK) fail_msg("case %zu accepted", i);
        assert_int_equal(t.n, 0);
        assert_null(t.flows);
        if (!strstr(e.msg, cases[i].expect)) fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, cases[i].expect);
    }
}

static void test_embedded_nul(void **state)
{
    (void)state;
    /* NUL bytes inside fields must not truncate a field into something valid */
    static const char a[] = NH "2017-04-05T10:31:02Z,1,TCP\0x,10.0.0.1,1,10.0.0.2,80,1,60,1,60,....S.\n";
    static const char b[] = NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1\0,1,10.0.0.2,80,1,60,1,60,....S.\n";
    static const char c[] = NH "2017-04-05T10:31:02Z,1,TCP,10.0.0.1,1,10.0.0.2,80,1,60,1,60\0,....S.\n";
    const char *const in[] = {a, b, c};
    const size_t len[] = {sizeof a - 1, sizeof b - 1, sizeof c - 1};
    const char *const want[] = {"n.csv:2:3 (proto)", "n.csv:2:4 (src_ip)", "n.csv:2:11 (bwd_bytes)"};
    for (int i = 0; i < 3; i++) {
        sg_flow_table t;
        sg_error e = {0};
        assert_int_equal(sg_flow_read_mem("n.csv", in[i], len[i], NULL, &t, &e), SG_ERR_PARSE);
        if (!strstr(e.msg, want[i])) fail_msg("%d: '%s'", i, e.msg);
    }
}

static void test_skip_bad(void **state)
{
    (void)state;
    const char *csv = NH GOOD "2017-04-05T10:31:02Z,abc,TCP,10.0.0.1,1234,10.0.0.2,80,1,60,1,60,....S.\n" GOOD
                              "x,y\n"
                              "2017-04-05T10:31:02Z,1,TCP,\"10.0.0.1\"x,1,10.0.0.2,80,1,60,1,60,....S.\n" GOOD;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    sg_error e = {0};
    o.skip_bad = 1;
    assert_int_equal(sg_flow_read_mem("s.csv", csv, strlen(csv), &o, &t, &e), SG_OK);
    assert_int_equal(t.n, 3);
    assert_int_equal(o.skipped, 3);
    assert_int_equal(o.rows, 6);
    assert_non_null(strstr(e.msg, "s.csv:3:2 (duration)")); /* the first skipped row */
    sg_flow_table_free(&t);
    o.skip_bad = 0;
    assert_int_equal(sg_flow_read_mem("s.csv", csv, strlen(csv), &o, &t, &e), SG_ERR_PARSE);
    assert_non_null(strstr(e.msg, "s.csv:3:2 (duration)"));
}

static void test_empty_and_unknown(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    sg_error e = {0};
    assert_int_equal(sg_flow_read_mem("e.csv", "", 0, &o, &t, &e), SG_ERR_EMPTY);
    assert_non_null(strstr(e.msg, "e.csv"));
    assert_int_equal(sg_flow_read_mem("e.csv", "\n\r\n  \n", 6, &o, &t, &e), SG_ERR_EMPTY);
    assert_int_equal(sg_flow_read_mem("e.csv", NULL, 0, NULL, &t, &e), SG_ERR_EMPTY);
    /* header only: an empty table */
    assert_int_equal(sg_flow_read_mem("h.csv", NH, strlen(NH), &o, &t, &e), SG_OK);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.format, SG_FMT_NATIVE);
    sg_flow_table_free(&t);
    /* unknown header lists the layouts */
    const char *u = "a,b,c\n1,2,3\n";
    assert_int_equal(sg_flow_read_mem("u.csv", u, strlen(u), &o, &t, &e), SG_ERR_PARSE);
    assert_non_null(strstr(e.msg, "u.csv:1"));
    assert_non_null(strstr(e.msg, "native"));
    assert_non_null(strstr(e.msg, "cidds"));
    assert_non_null(strstr(e.msg, "argus"));
    assert_non_null(strstr(e.msg, "ugr16"));
    assert_non_null(strstr(e.msg, "netshare"));
    /* forced layout whose columns are missing */
    o.format = SG_FMT_ARGUS;
    assert_int_equal(sg_flow_read_mem("f.csv", NH GOOD, strlen(NH GOOD), &o, &t, &e), SG_ERR_PARSE);
    assert_non_null(strstr(e.msg, "'StartTime'"));
    /* missing file */
    assert_int_equal(sg_flow_read("/nonexistent/x.csv", NULL, &t, &e), SG_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/x.csv"));
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(sg_flow_detect(NH), SG_FMT_NATIVE);
    assert_int_equal(sg_flow_detect("Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,"
                                     "Bytes,Flows,Flags,Tos,class,attackType,attackID,attackDescription\r\n"),
                     SG_FMT_CIDDS);
    assert_int_equal(sg_flow_detect("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes"),
                     SG_FMT_ARGUS);
    assert_int_equal(sg_flow_detect("te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable,byt-1,teT,teS,teDelta"), SG_FMT_UGR16);
    assert_int_equal(sg_flow_detect("srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type"), SG_FMT_NETSHARE);
    assert_int_equal(sg_flow_detect("\"start\",duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,"
                                     "bwd_packets,bwd_bytes,FLAGS"),
                     SG_FMT_NATIVE);
    assert_int_equal(sg_flow_detect("a,b,c"), SG_FMT_AUTO);
    assert_int_equal(sg_flow_detect(""), SG_FMT_AUTO);
    assert_int_equal(sg_flow_detect(NULL), SG_FMT_AUTO);
    sg_flow_format f;
    assert_int_equal(sg_flow_format_parse("cidds", &f), 0);
    assert_int_equal(f, SG_FMT_CIDDS);
    assert_int_equal(sg_flow_format_parse("NetShare", &f), 0);
    assert_int_equal(f, SG_FMT_NETSHARE);
    assert_int_not_equal(sg_flow_format_parse("pcap", &f), 0);
    for (int i = SG_FMT_AUTO; i <= SG_FMT_NETSHARE; i++) {
        assert_int_equal(sg_flow_format_parse(sg_flow_format_name((sg_flow_format)i), &f), 0);
        assert_int_equal(f, i);
    }
}

/* Argus `ra -c ,` with its default fields (issue 15): no Dur, a time of day without a date,
 * service names as ports, protocol names for UDP flows Argus recognised (rtcp), management
 * records (man). Text as argus 3.0.8 + ra print it for tests/data/extract captures. */
static void test_argus_ra_default(void **state)
{
    (void)state;
    static const char ra[] =
        "StartTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,TotPkts,TotBytes,State\n"
        "08:10:00.010133,          ,man,0,0,,0,0,0,0,STA\n"
        "12:15:44.321377, *        ,rtcp,217.12.244.34,25963,  <->,217.12.247.98,31601,4,520,CON\n"
        "12:15:52.361361, *        ,rtp,217.12.244.34,25963,   ->,217.12.247.98,31601,1,140,REQ\n"
        "23:59:59.5, e        ,udp,192.168.170.8,32795,  <->,192.168.170.20,domain,2,150,CON\n"
        "00:00:01, e        ,tcp,2a00:d40:1:3:192:12:193:11,44724,   ->,2a00:800:1010::1,ftp,5,466,CON\n"
        "08:10:01.017068,          ,man,0,0,,31,1,0,10931400,STP\n";
    sg_flow_table t;
    sg_error e = {0};
    sg_flow_read_opts o = {0};
    assert_int_equal(sg_flow_read_mem("ra.csv", ra, sizeof ra - 1, &o, &t, &e), SG_OK);
    assert_int_equal(t.format, SG_FMT_ARGUS);
    assert_int_equal(t.n, 4);
    assert_int_equal(o.nonip_skipped, 2);
    assert_int_equal(o.dateless, 4);
    assert_true(o.no_duration);
    const int64_t h = 3600LL * 1000000;
    assert_int_equal(t.flows[0].start_us, 12 * h + 15 * 60000000LL + 44321377);
    assert_int_equal(t.flows[0].proto, SG_PROTO_UDP); /* rtcp */
    assert_int_equal(t.flows[0].src_port, 25963);
    assert_int_equal(t.flows[0].dst_port, 31601);
    assert_int_equal(t.flows[0].fwd_packets, 4);
    assert_int_equal(t.flows[0].duration_us, 0);
    assert_int_equal(t.flows[1].proto, SG_PROTO_UDP); /* rtp */
    assert_int_equal(t.flows[2].dst_port, 53);        /* domain */
    assert_int_equal(t.flows[2].start_us, 23 * h + 59 * 60000000LL + 59500000);
    /* the clock went back past midnight: the next day */
    assert_int_equal(t.flows[3].start_us, 24 * h + 1000000);
    assert_int_equal(t.flows[3].dst_port, 21); /* ftp */
    assert_int_equal(t.flows[3].proto, SG_PROTO_TCP);
    sg_flow_table_free(&t);

    /* LastTime gives the duration (across midnight too); epoch times (ra -u) keep the date */
    static const char lt[] = "StartTime,Proto,SrcAddr,Sport,DstAddr,Dport,TotPkts,TotBytes,LastTime\n"
                             "23:59:59.000000,udp,10.0.0.1,5353,10.0.0.2,53,1,60,00:00:01.250000\n";
    memset(&o, 0, sizeof o);
    assert_int_equal(sg_flow_read_mem("lt.csv", lt, sizeof lt - 1, &o, &t, &e), SG_OK);
    assert_int_equal(t.flows[0].duration_us, 2250000);
    assert_false(o.no_duration);
    sg_flow_table_free(&t);
    static const char ep[] = "StartTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,TotPkts,TotBytes,State,Dur\n"
                             "1483459978.959064, * s      ,tcp,10.10.10.10,51822,   ->,10.10.10.11,27017,6,699,CON,0.342682\n";
    memset(&o, 0, sizeof o);
    assert_int_equal(sg_flow_read_mem("ep.csv", ep, sizeof ep - 1, &o, &t, &e), SG_OK);
    assert_int_equal(t.flows[0].start_us, 1483459978959064LL);
    assert_int_equal(t.flows[0].duration_us, 342682);
    assert_int_equal(o.dateless, 0);
    sg_flow_table_free(&t);

    /* an unknown service name is an error naming the column */
    static const char bad[] = "StartTime,Proto,SrcAddr,Sport,DstAddr,Dport,TotPkts,TotBytes\n"
                              "10:00:00,tcp,10.0.0.1,1234,10.0.0.2,no-such-service-xyz,1,60\n";
    assert_int_equal(sg_flow_read_mem("bad.csv", bad, sizeof bad - 1, NULL, &t, &e), SG_ERR_PARSE);
    assert_non_null(strstr(e.msg, "bad.csv:2:6 (Dport)"));
    assert_non_null(strstr(e.msg, "ra with -n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_fixture),  cmocka_unit_test(test_cidds_fixture),
        cmocka_unit_test(test_argus_fixture),   cmocka_unit_test(test_ugr16_fixture),
        cmocka_unit_test(test_netshare_fixture), cmocka_unit_test(test_real_cidds),
        cmocka_unit_test(test_real_ugr16),      cmocka_unit_test(test_real_argus),
        cmocka_unit_test(test_native_round_trip), cmocka_unit_test(test_native_exact_text),
        cmocka_unit_test(test_cidds_round_trip), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_layout_exact_text), cmocka_unit_test(test_layout_round_trips),
        cmocka_unit_test(test_skip_bad),        cmocka_unit_test(test_embedded_nul),        cmocka_unit_test(test_empty_and_unknown),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_argus_ra_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
