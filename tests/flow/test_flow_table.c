/* flow module: tables, stable sort, TCP flag strings, protocol names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "secgen/flow.h"

static void test_flags(void **state)
{
    (void)state;
    char buf[8];
    uint8_t f;
    sg_flow_flags_format(0, buf);
    assert_string_equal(buf, "......");
    sg_flow_flags_format(SG_TCP_ACK | SG_TCP_PSH | SG_TCP_SYN | SG_TCP_FIN, buf);
    assert_string_equal(buf, ".AP.SF");
    sg_flow_flags_format(0x3f, buf);
    assert_string_equal(buf, "UAPRSF");
    sg_flow_flags_format(0xff, buf); /* ECN bits are not printed */
    assert_string_equal(buf, "UAPRSF");
    /* every combination round-trips */
    for (unsigned v = 0; v < 64; v++) {
        sg_flow_flags_format((uint8_t)v, buf);
        assert_int_equal(sg_flow_flags_parse(buf, strlen(buf), &f), 0);
        assert_int_equal(f, v);
    }
    assert_int_equal(sg_flow_flags_parse(".A..S.", 6, &f), 0);
    assert_int_equal(f, SG_TCP_ACK | SG_TCP_SYN);
    assert_int_equal(sg_flow_flags_parse("CEUAPRSF", 8, &f), 0);
    assert_int_equal(f, 0x3f);
    assert_int_equal(sg_flow_flags_parse("SA", 2, &f), 0); /* letters in any order */
    assert_int_equal(f, SG_TCP_SYN | SG_TCP_ACK);
    assert_int_equal(sg_flow_flags_parse("", 0, &f), 0);
    assert_int_equal(f, 0);
    assert_int_equal(sg_flow_flags_parse("0x12", 4, &f), 0);
    assert_int_equal(f, SG_TCP_SYN | SG_TCP_ACK);
    assert_int_equal(sg_flow_flags_parse("18", 2, &f), 0);
    assert_int_equal(f, SG_TCP_SYN | SG_TCP_ACK);
    /* length-bounded: a longer buffer is not read past len */
    assert_int_equal(sg_flow_flags_parse("S.XYZ", 2, &f), 0);
    assert_int_equal(f, SG_TCP_SYN);
    assert_int_not_equal(sg_flow_flags_parse(".X....", 6, &f), 0);
    assert_int_not_equal(sg_flow_flags_parse("0x1g", 4, &f), 0);
    assert_int_not_equal(sg_flow_flags_parse("256", 3, &f), 0);
    assert_int_not_equal(sg_flow_flags_parse("UAPRSF...", 9, &f), 0);
}

static void test_proto(void **state)
{
    (void)state;
    uint8_t p;
    char buf[8];
    assert_int_equal(sg_proto_parse("TCP", 3, &p), 0);
    assert_int_equal(p, 6);
    assert_int_equal(sg_proto_parse("udp", 3, &p), 0);
    assert_int_equal(p, 17);
    assert_int_equal(sg_proto_parse("ICMP ", 5, &p), 0); /* CIDDS pads */
    assert_int_equal(p, 1);
    assert_int_equal(sg_proto_parse("ICMPV6", 6, &p), 0);
    assert_int_equal(p, 58);
    assert_int_equal(sg_proto_parse("ipv6-icmp", 9, &p), 0);
    assert_int_equal(p, 58);
    assert_int_equal(sg_proto_parse("GRE", 3, &p), 0);
    assert_int_equal(p, 47);
    assert_int_equal(sg_proto_parse("ESP", 3, &p), 0);
    assert_int_equal(p, 50);
    assert_int_equal(sg_proto_parse("IPv6", 4, &p), 0);
    assert_int_equal(p, 41);
    assert_int_equal(sg_proto_parse("132", 3, &p), 0);
    assert_int_equal(p, 132);
    assert_int_not_equal(sg_proto_parse("256", 3, &p), 0);
    assert_int_not_equal(sg_proto_parse("", 0, &p), 0);
    assert_int_not_equal(sg_proto_parse("arp", 3, &p), 0);
    assert_int_not_equal(sg_proto_parse("TCPX", 4, &p), 0);
    assert_int_not_equal(sg_proto_parse("-6", 2, &p), 0);
    assert_string_equal(sg_proto_name(6, buf, sizeof buf), "TCP");
    assert_string_equal(sg_proto_name(17, buf, sizeof buf), "UDP");
    assert_string_equal(sg_proto_name(1, buf, sizeof buf), "ICMP");
    assert_string_equal(sg_proto_name(58, buf, sizeof buf), "ICMPV6");
    assert_string_equal(sg_proto_name(47, buf, sizeof buf), "47");
    for (unsigned v = 0; v < 256; v++) {
        const char *n = sg_proto_name((uint8_t)v, buf, sizeof buf);
        assert_int_equal(sg_proto_parse(n, strlen(n), &p), 0);
        assert_int_equal(p, v);
    }
}

static void test_table_sort(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_table_init(&t);
    assert_true(sg_flow_table_is_sorted(&t));
    sg_flow_table_sort(&t);
    /* 5000 flows with many equal starts; the port records the original order */
    for (unsigned i = 0; i < 5000; i++) {
        sg_flow f;
        memset(&f, 0, sizeof f);
        f.start_us = (int64_t)((i * 7919u) % 97) * 1000 - 50000; /* negative times too */
        f.src_port = (uint16_t)i;
        snprintf(f.src_ip, sizeof f.src_ip, "10.0.%u.%u", i / 256, i % 256);
        strcpy(f.dst_ip, "x");
        assert_int_equal(sg_flow_table_push(&t, &f), SG_OK);
    }
    assert_int_equal(t.n, 5000);
    assert_false(sg_flow_table_is_sorted(&t));
    sg_flow_table_sort(&t);
    assert_true(sg_flow_table_is_sorted(&t));
    for (size_t i = 1; i < t.n; i++) {
        if (t.flows[i].start_us == t.flows[i - 1].start_us) assert_true(t.flows[i].src_port > t.flows[i - 1].src_port);
        /* records moved whole */
        char ip[SG_ADDR_MAX];
        snprintf(ip, sizeof ip, "10.0.%u.%u", t.flows[i].src_port / 256u, t.flows[i].src_port % 256u);
        assert_string_equal(t.flows[i].src_ip, ip);
    }
    size_t seen[5000] = {0};
    for (size_t i = 0; i < t.n; i++) seen[t.flows[i].src_port]++;
    for (size_t i = 0; i < 5000; i++) assert_int_equal(seen[i], 1);
    sg_flow_table_free(&t);
    assert_int_equal(t.n, 0);
    assert_null(t.flows);
    sg_flow_table_free(&t); /* twice is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_proto),
        cmocka_unit_test(test_table_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
