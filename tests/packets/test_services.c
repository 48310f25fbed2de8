/* The embedded automata and the service lookup generation uses (issue 14 item 4): SMB, DNS over
 * TCP and a per-protocol fallback learnt from the captures; an automaton of one protocol never
 * serves the other (TCP/53 used to get the UDP dns automaton, TCP/1900 the UDP ssdp one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "secgen/generate.h"
#include "secgen/tadam.h"

static void add(sg_tadam_set *set, const char *file)
{
    const char *d;
    size_t n;
    char name[128];
    snprintf(name, sizeof name, "automata/%s", file);
    assert_int_equal(sg_generate_embedded(name, &d, &n), 0); /* shipped */
    sg_tadam_model *m = NULL;
    sg_error err = {0};
    assert_int_equal(sg_tadam_model_load_mem(name, d, n, SG_TADAM_FMT_AUTO, &m, &err), SG_OK);
    assert_int_equal(sg_tadam_set_add(set, m, &err), SG_OK);
}

static sg_tadam_info info(const sg_tadam_model *m)
{
    assert_non_null(m);
    sg_tadam_info i;
    sg_tadam_model_info(m, &i);
    return i;
}

static void test_lookup(void **st)
{
    (void)st;
    sg_tadam_set *set = sg_tadam_set_create();
    assert_non_null(set);
    const char *files[] = {"dns.json", "dns-tcp.json", "ssdp.json", "https.json", "smb.json", "tcp.json", "udp.json", "icmp.json"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) add(set, files[i]);
    sg_tadam_info i = info(sg_tadam_set_find(set, SG_PROTO_TCP, 53));
    assert_int_equal(i.proto, SG_PROTO_TCP);
    assert_int_equal(i.service_port, 53);
    i = info(sg_tadam_set_find(set, SG_PROTO_UDP, 53));
    assert_int_equal(i.proto, SG_PROTO_UDP);
    i = info(sg_tadam_set_find(set, SG_PROTO_TCP, 445));
    assert_int_equal(i.service_port, 445);
    /* no automaton of their own: the protocol's fallback, never another protocol's */
    i = info(sg_tadam_set_find(set, SG_PROTO_TCP, 1900));
    assert_int_equal(i.proto, SG_PROTO_TCP);
    assert_int_equal(i.service_port, -1);
    i = info(sg_tadam_set_find(set, SG_PROTO_TCP, 8082));
    assert_int_equal(i.proto, SG_PROTO_TCP);
    assert_int_equal(i.service_port, -1);
    i = info(sg_tadam_set_find(set, SG_PROTO_UDP, 40000));
    assert_int_equal(i.proto, SG_PROTO_UDP);
    assert_int_equal(i.service_port, -1);
    i = info(sg_tadam_set_find(set, SG_PROTO_UDP, 443)); /* not the TCP https automaton */
    assert_int_equal(i.proto, SG_PROTO_UDP);
    sg_tadam_set_destroy(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
