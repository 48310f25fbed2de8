/* logs module: SHA-1 against the FIPS 180 examples, Community ID v1 against the spec's baseline
 * vectors (corelight/community-id-spec baseline/baseline_deflt.json and baseline_seed1.json), the
 * flow-record form (ICMP type/code in dst_port, direction independence, non-IP names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "secgen/logs.h"

static void hex(const uint8_t d[20], char out[41])
{
    for (int i = 0; i < 20; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha1_of(const void *p, size_t n, char out[41])
{
    sg_sha1 s;
    uint8_t d[20];
    sg_sha1_init(&s);
    sg_sha1_update(&s, p, n);
    sg_sha1_final(&s, d);
    hex(d, out);
}

static void test_sha1_fips(void **state)
{
    (void)state;
    char h[41];
    sha1_of("abc", 3, h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1_of("", 0, h);
    assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 448 bits: two blocks of padding */
    sha1_of(m, strlen(m), h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    /* one million 'a' fed in uneven pieces: the buffering across blocks */
    sg_sha1 s;
    uint8_t d[20], a[997];
    memset(a, 'a', sizeof a);
    sg_sha1_init(&s);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof a ? left : sizeof a;
        sg_sha1_update(&s, a, k);
        left -= k;
    }
    sg_sha1_final(&s, d);
    hex(d, h);
    assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

typedef struct {
    uint16_t seed;
    uint8_t proto;
    const char *saddr, *daddr;
    int sport, dport; /* -1: no ports */
    const char *id;
} vec;

static const vec baseline[] = {
    /* baseline/baseline_deflt.json (seed 0) */
    {0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {0, 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
    {0, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
    {0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {0, 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {0, 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
    {0, 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
    {0, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {0, 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {0, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
    {0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {0, 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {0, 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {0, 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {0, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {0, 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {0, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {0, 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {0, 46, "10.1.12.1", "10.1.12.2", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {0, 46, "10.1.12.2", "10.1.12.1", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    /* baseline/baseline_seed1.json (seed 1) */
    {1, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {1, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {1, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {1, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {1, 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
    {1, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
    {1, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {1, 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {1, 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
    {1, 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
    {1, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
    {1, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {1, 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {1, 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {1, 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {1, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {1, 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {1, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {1, 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {1, 46, "10.1.12.1", "10.1.12.2", -1, -1, "1:rYir8gphR31noO9iDRQmF/BteEI="},
    {1, 46, "10.1.12.2", "10.1.12.1", -1, -1, "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

static void test_community_id_baseline(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof baseline / sizeof baseline[0]; i++) {
        const vec *v = &baseline[i];
        uint8_t sa[16], da[16], s6, d6;
        assert_int_equal(sg_addr_parse(v->saddr, sa, &s6), 0);
        assert_int_equal(sg_addr_parse(v->daddr, da, &d6), 0);
        char id[SG_COMMUNITY_ID_LEN];
        sg_community_id(v->seed, sa, da, s6, v->proto, v->sport >= 0, (uint16_t)(v->sport < 0 ? 0 : v->sport),
                        (uint16_t)(v->dport < 0 ? 0 : v->dport), 0, id);
        if (strcmp(id, v->id)) fail_msg("vector %zu (%s -> %s proto %u): got %s, want %s", i, v->saddr, v->daddr, v->proto, id, v->id);
    }
}

static sg_flow mkflow(uint8_t proto, const char *s, uint16_t sp, const char *d, uint16_t dp)
{
    sg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = proto;
    snprintf(f.src_ip, sizeof f.src_ip, "%s", s);
    snprintf(f.dst_ip, sizeof f.dst_ip, "%s", d);
    f.src_port = sp;
    f.dst_port = dp;
    return f;
}

static void test_community_id_flow(void **state)
{
    (void)state;
    char id[SG_COMMUNITY_ID_LEN], rev[SG_COMMUNITY_ID_LEN];
    sg_flow f = mkflow(SG_PROTO_TCP, "128.232.110.120", 34855, "66.35.250.204", 80);
    assert_int_equal(sg_community_id_flow(0, &f, id), 0);
    assert_string_equal(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    sg_flow r = mkflow(SG_PROTO_TCP, "66.35.250.204", 80, "128.232.110.120", 34855);
    assert_int_equal(sg_community_id_flow(0, &r, rev), 0);
    assert_string_equal(id, rev);
    /* UDP and TCP of one tuple differ */
    f.proto = SG_PROTO_UDP;
    assert_int_equal(sg_community_id_flow(0, &f, rev), 0);
    assert_string_not_equal(id, rev);
    /* ICMP echo request as a flow record holds it: type 8, code 0 in dst_port (8*256) */
    sg_flow e = mkflow(SG_PROTO_ICMP, "192.168.0.89", 0, "192.168.0.1", 8 << 8);
    assert_int_equal(sg_community_id_flow(0, &e, id), 0);
    assert_string_equal(id, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    /* time exceeded (11/0): one-way, the endpoints keep their order */
    sg_flow t = mkflow(SG_PROTO_ICMP, "10.0.0.1", 0, "10.0.0.2", 11 << 8);
    assert_int_equal(sg_community_id_flow(0, &t, id), 0);
    assert_string_equal(id, "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
    /* ICMPv6 neighbour solicitation 135 -> advertisement 136 */
    sg_flow n = mkflow(SG_PROTO_ICMPV6, "fe80::200:86ff:fe05:80da", 0, "fe80::260:97ff:fe07:69ea", 135 << 8);
    assert_int_equal(sg_community_id_flow(0, &n, id), 0);
    assert_string_equal(id, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
    /* an anonymised name has no ID */
    sg_flow x = mkflow(SG_PROTO_TCP, "EXT_SERVER", 80, "192.168.0.1", 5000);
    assert_int_equal(sg_community_id_flow(0, &x, id), -1);
    assert_string_equal(id, "");
    char buf[8];
    assert_int_equal(sg_community_id_column(NULL, &f, buf, sizeof buf), -1); /* too small */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_fips),
        cmocka_unit_test(test_community_id_baseline),
        cmocka_unit_test(test_community_id_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
