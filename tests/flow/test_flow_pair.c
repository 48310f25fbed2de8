/* flow module: pairing one-way records into connections (sg_flow_pair_oneway). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "secgen/flow.h"

static void rec(sg_flow_table *t, int64_t start_ms, int64_t dur_ms, uint8_t proto, const char *s, uint16_t sp, const char *d,
                uint16_t dp, uint64_t pk, uint64_t by, uint8_t flags)
{
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.start_us = start_ms * 1000;
    f.duration_us = dur_ms * 1000;
    f.proto = proto;
    snprintf(f.src_ip, sizeof f.src_ip, "%s", s);
    snprintf(f.dst_ip, sizeof f.dst_ip, "%s", d);
    f.src_port = sp;
    f.dst_port = dp;
    f.fwd_packets = pk;
    f.fwd_bytes = by;
    f.flags = flags;
    assert_int_equal(sg_flow_table_push(t, &f), SG_OK);
}

static void test_pairing(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_table_init(&t);
    /* 1. TCP request and its response, overlapping */
    rec(&t, 1000, 500, SG_PROTO_TCP, "10.0.0.1", 50000, "10.0.0.2", 443, 10, 1000, SG_TCP_SYN | SG_TCP_ACK);
    rec(&t, 1001, 600, SG_PROTO_TCP, "10.0.0.2", 443, "10.0.0.1", 50000, 8, 9000, SG_TCP_ACK | SG_TCP_FIN);
    /* 2. DNS query and response, both of duration 0, 5 ms apart (within the slack) */
    rec(&t, 2000, 0, SG_PROTO_UDP, "10.0.0.1", 40000, "DNS", 53, 1, 60, 0);
    rec(&t, 2005, 0, SG_PROTO_UDP, "DNS", 53, "10.0.0.1", 40000, 1, 120, 0);
    /* 3. a response alone: mirrored, counts in bwd */
    rec(&t, 3000, 10, SG_PROTO_TCP, "10.0.0.9", 80, "10.0.0.1", 51000, 4, 4000, SG_TCP_ACK);
    /* 4. a request alone: kept as read */
    rec(&t, 4000, 10, SG_PROTO_TCP, "10.0.0.1", 52000, "10.0.0.9", 22, 3, 180, SG_TCP_SYN);
    /* 5. same key twice (two connections reusing a port pair), 10 s apart: each pairs with its own */
    rec(&t, 5000, 100, SG_PROTO_UDP, "10.0.0.1", 41000, "10.0.0.3", 123, 1, 76, 0);
    rec(&t, 5050, 0, SG_PROTO_UDP, "10.0.0.3", 123, "10.0.0.1", 41000, 1, 76, 0);
    rec(&t, 15000, 100, SG_PROTO_UDP, "10.0.0.1", 41000, "10.0.0.3", 123, 2, 152, 0);
    rec(&t, 15040, 0, SG_PROTO_UDP, "10.0.0.3", 123, "10.0.0.1", 41000, 2, 152, 0);
    /* 6. the reverse comes 5 s after the end: not the same exchange */
    rec(&t, 20000, 0, SG_PROTO_UDP, "10.0.0.4", 42000, "10.0.0.5", 9999, 1, 50, 0);
    rec(&t, 25000, 0, SG_PROTO_UDP, "10.0.0.5", 9999, "10.0.0.4", 42000, 1, 50, 0);
    sg_flow_pair_stats st;
    sg_error err = {0};
    assert_int_equal(sg_flow_pair_oneway(&t, &st, &err), SG_OK);
    assert_int_equal(st.records, 12);
    assert_int_equal(st.pairs, 4);
    assert_int_equal(st.mirrored, 1);
    assert_int_equal(st.unpaired, 3);
    assert_int_equal(t.n, 8);
    assert_true(sg_flow_table_is_sorted(&t));
    const sg_flow *f = &t.flows[0];
    assert_string_equal(f->src_ip, "10.0.0.1");
    assert_int_equal(f->dst_port, 443);
    assert_int_equal(f->fwd_packets, 10);
    assert_int_equal(f->bwd_packets, 8);
    assert_int_equal(f->bwd_bytes, 9000);
    assert_int_equal(f->duration_us, 601000); /* to the response's end */
    assert_int_equal(f->flags, SG_TCP_SYN | SG_TCP_ACK | SG_TCP_FIN);
    f = &t.flows[1];
    assert_string_equal(f->dst_ip, "DNS");
    assert_int_equal(f->fwd_bytes, 60);
    assert_int_equal(f->bwd_bytes, 120);
    assert_int_equal(f->duration_us, 5000);
    f = &t.flows[2];
    assert_string_equal(f->src_ip, "10.0.0.1");
    assert_int_equal(f->src_port, 51000);
    assert_int_equal(f->dst_port, 80);
    assert_int_equal(f->fwd_packets, 0);
    assert_int_equal(f->bwd_packets, 4);
    f = &t.flows[3];
    assert_int_equal(f->dst_port, 22);
    assert_int_equal(f->fwd_packets, 3);
    assert_int_equal(f->bwd_packets, 0);
    assert_int_equal(t.flows[4].bwd_packets, 1);
    assert_int_equal(t.flows[5].start_us, 15000000);
    assert_int_equal(t.flows[5].bwd_packets, 2);
    assert_int_equal(t.flows[6].bwd_packets, 0);
    assert_int_equal(t.flows[7].bwd_packets, 0);
    sg_flow_table_free(&t);
}

/* ground truth follows the records into their connections, in the connections' start order; an
 * attack label wins over a normal one (CIDDS labels the victim's replies too) */
static void test_pairing_labels(void **state)
{
    (void)state;
    sg_flow_table t;
    sg_flow_table_init(&t);
    sg_strtab *names = sg_strtab_create();
    sg_vec ids;
    sg_vec_init(&ids, sizeof(uint32_t));
    static const char *const lab[] = {"---", "portScan", "normal", "normal", "bruteForce", "---"};
    /* 1. a later scan probe (normal request, victim reply labelled): starts at 9 s */
    rec(&t, 9000, 0, SG_PROTO_TCP, "10.0.0.66", 40000, "10.0.0.2", 22, 1, 40, SG_TCP_SYN);
    rec(&t, 9001, 0, SG_PROTO_TCP, "10.0.0.2", 22, "10.0.0.66", 40000, 1, 40, SG_TCP_RST | SG_TCP_ACK);
    /* 2. a normal exchange at 1 s */
    rec(&t, 1000, 10, SG_PROTO_UDP, "10.0.0.1", 40001, "10.0.0.3", 53, 1, 60, 0);
    rec(&t, 1005, 0, SG_PROTO_UDP, "10.0.0.3", 53, "10.0.0.1", 40001, 1, 90, 0);
    /* 3. a lone labelled request at 5 s, and a normal record at 7 s */
    rec(&t, 5000, 10, SG_PROTO_TCP, "10.0.0.66", 40002, "10.0.0.2", 22, 9, 900, SG_TCP_SYN);
    rec(&t, 7000, 10, SG_PROTO_UDP, "10.0.0.7", 40003, "10.0.0.8", 9999, 1, 60, 0);
    for (size_t i = 0; i < 6; i++) {
        uint32_t id = (uint32_t)sg_strtab_intern(names, lab[i], strlen(lab[i]));
        assert_int_equal(sg_vec_push(&ids, &id), SG_OK);
    }
    sg_flow_pair_stats st;
    sg_error err = {0};
    assert_int_equal(sg_flow_pair_oneway_labelled(&t, names, &ids, &st, &err), SG_OK);
    assert_int_equal(t.n, 4);
    assert_int_equal(ids.len, 4);
    static const char *const want[] = {"normal", "bruteForce", "---", "portScan"};
    for (size_t i = 0; i < 4; i++) assert_string_equal(sg_strtab_str(names, ((uint32_t *)ids.data)[i]), want[i]);
    assert_int_equal(t.flows[3].dst_port, 22);
    assert_int_equal(t.flows[3].bwd_packets, 1);
    /* a label vector that does not match the table is an error, not a silent drop */
    uint32_t extra = 0;
    assert_int_equal(sg_vec_push(&ids, &extra), SG_OK);
    assert_int_equal(sg_flow_pair_oneway_labelled(&t, names, &ids, &st, &err), SG_ERR_INVALID);
    sg_vec_free(&ids);
    sg_strtab_destroy(names);
    sg_flow_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairing), cmocka_unit_test(test_pairing_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
