/* netcfg: YAML and JSON configurations, every validation error (with its line), activity
 * profiles and local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/flow.h"
#include "secgen/netcfg.h"

static const char *good_yaml =
    "metadata:\n"
    "  title: Two-office lab\n"
    "network:\n"
    "  timezone: \"+02:00\"\n"
    "  gateway_mac: \"02:00:00:00:00:fe\"\n"
    "  activity: {hours: \"08:00-18:00\", days: mon-fri, off_hours_factor: 0.1}\n"
    "hosts:\n"
    "  - hostname: web\n"
    "    os: Linux\n"
    "    interfaces:\n"
    "      - ip_addr: 10.0.0.10\n"
    "        mac_addr: \"00:11:22:33:44:55\"\n"
    "        services: [https, \"ssh:2222\", \"udp:5000\", 8443]\n"
    "  - hostname: resolver\n"
    "    interfaces:\n"
    "      - ip_addr: 10.0.0.53\n"
    "        services: [dns, ntp]\n"
    "  - hostname: alice\n"
    "    os: windows\n"
    "    usage: 2.0\n"
    "    client: [https, dns]\n"
    "    talks_to: [web, resolver]\n"
    "    activity: {hours: \"22:00-06:00\"}\n"
    "    interfaces:\n"
    "      - ip_addr: 10.0.0.101\n"
    "  - interfaces:\n"
    "      - ip_addr: \"2001:db8::5\"\n";

static void test_good_yaml(void **st)
{
    (void)st;
    sg_netcfg *c;
    sg_error err = {0};
    assert_int_equal(sg_netcfg_load_mem("net.yaml", good_yaml, strlen(good_yaml), &c, &err), SG_OK);
    assert_string_equal(c->title, "Two-office lab");
    assert_int_equal(c->nhosts, 4);
    assert_int_equal(c->tz_fixed_min, 120);
    assert_int_equal(c->gateway_mac[5], 0xfe);
    const sg_net_host *w = &c->hosts[0];
    assert_string_equal(w->name, "web");
    assert_true(w->is_server);
    assert_int_equal(w->ifaces[0].nservices, 4);
    assert_int_equal(w->ifaces[0].services[0].port, 443);
    assert_int_equal(w->ifaces[0].services[1].port, 2222);
    assert_string_equal(w->ifaces[0].services[1].name, "ssh");
    assert_int_equal(w->ifaces[0].services[2].proto, SG_PROTO_UDP);
    assert_int_equal(w->ifaces[0].services[3].port, 8443);
    assert_int_equal(w->ifaces[0].mac[0], 0x00);
    assert_int_equal(w->ifaces[0].mac[5], 0x55);
    const sg_net_host *a = &c->hosts[2];
    assert_int_equal(a->os, SG_NET_OS_WINDOWS);
    assert_true(a->usage == 2.0);
    assert_false(a->client_all);
    assert_int_equal(a->nclient, 2);
    assert_int_equal(a->ntalks, 2);
    assert_int_equal(a->talks_to[1], 1);
    assert_string_equal(c->hosts[3].name, "host4");
    assert_true(c->hosts[3].ifaces[0].is_v6);
    assert_int_equal(sg_netcfg_find_addr(c, "10.0.0.53"), 1);
    assert_int_equal(sg_netcfg_find_addr(c, "2001:db8:0::5"), 3);
    assert_int_equal(sg_netcfg_find_addr(c, "10.9.9.9"), -1);
    /* 2017-04-05 (a Wednesday) 07:30 UTC = 09:30 local: active; 17:00 UTC = 19:00: off */
    int64_t t;
    double keep;
    assert_int_equal(sg_time_parse("2017-04-05T07:30:00Z", &t, NULL), SG_OK);
    assert_int_equal(sg_netcfg_active(c, &c->hosts[0], t, &keep), 1);
    assert_int_equal(sg_time_parse("2017-04-05T17:00:00Z", &t, NULL), SG_OK);
    assert_int_equal(sg_netcfg_active(c, &c->hosts[0], t, &keep), 0);
    assert_true(keep == 0.1);
    /* alice works nights (host override): 19:00 local is off, 23:00 local is on */
    assert_int_equal(sg_netcfg_active(c, a, t, &keep), 0);
    assert_int_equal(sg_time_parse("2017-04-05T21:00:00Z", &t, NULL), SG_OK);
    assert_int_equal(sg_netcfg_active(c, a, t, &keep), 1);
    /* Saturday 2017-04-08 10:00 local: network profile is mon-fri */
    assert_int_equal(sg_time_parse("2017-04-08T08:00:00Z", &t, NULL), SG_OK);
    int mod, wd;
    sg_netcfg_local_time(c, t, &mod, &wd);
    assert_int_equal(mod, 600);
    assert_int_equal(wd, 5);
    assert_int_equal(sg_netcfg_active(c, &c->hosts[0], t, &keep), 0);
    sg_netcfg_destroy(c);
}

static void test_good_json(void **st)
{
    (void)st;
    const char *j = "{\"hosts\": [{\"hostname\": \"srv\", \"interfaces\": [{\"ip_addr\": \"192.168.1.1\", "
                    "\"services\": [\"http:8080\", \"smtp\"]}]}, {\"usage\": 0.5, \"interfaces\": [{\"ip_addr\": \"192.168.1.2\"}]}]}";
    sg_netcfg *c;
    sg_error err = {0};
    assert_int_equal(sg_netcfg_load_mem("net.json", j, strlen(j), &c, &err), SG_OK);
    assert_int_equal(c->nhosts, 2);
    assert_int_equal(c->hosts[0].ifaces[0].services[0].port, 8080);
    assert_int_equal(c->hosts[0].ifaces[0].services[1].port, 587); /* Fos-R's default for smtp */
    assert_true(c->hosts[1].client_all);
    assert_false(c->activity.set);
    double keep;
    assert_int_equal(sg_netcfg_active(c, &c->hosts[1], 0, &keep), 1);
    sg_netcfg_destroy(c);
}

static void test_iana_timezone(void **st)
{
    (void)st;
    const char *y = "network: {timezone: Europe/Paris}\nhosts:\n  - interfaces: [{ip_addr: 10.1.1.1}]\n";
    sg_netcfg *c;
    sg_error err = {0};
    if (sg_netcfg_load_mem("tz.yaml", y, strlen(y), &c, &err) != SG_OK) {
        /* no tz database on this machine: the error must say so */
        assert_non_null(strstr(err.msg, "unknown time zone"));
        skip();
        return;
    }
    int64_t t;
    int mod, wd;
    assert_int_equal(sg_time_parse("2017-01-10T12:00:00Z", &t, NULL), SG_OK); /* CET, +1 */
    sg_netcfg_local_time(c, t, &mod, &wd);
    assert_int_equal(mod, 13 * 60);
    assert_int_equal(sg_time_parse("2017-07-10T12:00:00Z", &t, NULL), SG_OK); /* CEST, +2 */
    sg_netcfg_local_time(c, t, &mod, &wd);
    assert_int_equal(mod, 14 * 60);
    sg_netcfg_destroy(c);
    unsetenv("TZ");
}

/* each bad configuration -> the expected error text (and line for YAML) */
static void expect_error(const char *doc, const char *needle, const char *line)
{
    sg_netcfg *c = NULL;
    sg_error err = {0};
    sg_status s = sg_netcfg_load_mem("bad.yaml", doc, strlen(doc), &c, &err);
    if (s == SG_OK) fail_msg("accepted a bad configuration (expected '%s')", needle);
    assert_null(c);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' does not mention '%s'", err.msg, needle);
    if (line && !strstr(err.msg, line)) fail_msg("error '%s' does not give line '%s'", err.msg, line);
}

static void test_errors(void **st)
{
    (void)st;
    expect_error("hosts:\n  - hostname: a\n    talks_to: [nosuch]\n    interfaces: [{ip_addr: 10.0.0.1}]\n",
                 "unknown host 'nosuch'", "bad.yaml:3:");
    expect_error("hosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n  - interfaces:\n      - ip_addr: 10.0.0.1\n",
                 "duplicate IP 10.0.0.1", "bad.yaml:4:");
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.1\n        services: [\"ssh:70000\"]\n",
                 "bad port '70000'", "bad.yaml:4:");
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.1\n        services: [\"https:abc\"]\n", "bad port 'abc'", NULL);
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.1\n        services: [0]\n", "bad port '0'", NULL);
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.300\n", "'10.0.0.300' is not an IPv4 or IPv6 address",
                 "bad.yaml:3:");
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 224.0.0.1\n", "cannot be a host address", NULL);
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.1\n        mac_addr: 00:11:22:33:44\n",
                 "is not a MAC address", "bad.yaml:4:");
    expect_error("hosts:\n  - interfaces: [{ip_addr: 10.0.0.1, mac_addr: \"00:11:22:33:44:55\"}]\n"
                 "  - interfaces: [{ip_addr: 10.0.0.2, mac_addr: \"00:11:22:33:44:55\"}]\n",
                 "duplicate MAC", NULL);
    expect_error("hosts:\n  - interfaces: [{ip_addr: 10.0.0.1, mac_addr: \"01:11:22:33:44:55\"}]\n", "multicast MAC", NULL);
    expect_error("hosts:\n  - hostname: a\n    interfcaes: [{ip_addr: 10.0.0.1}]\n", "unknown key 'interfcaes'", "bad.yaml:3:");
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.1\n        services: [gopherz]\n", "unknown service 'gopherz'", NULL);
    expect_error("hosts:\n  - client: [nosuchproto]\n    interfaces: [{ip_addr: 10.0.0.1}]\n", "unknown service", NULL);
    expect_error("network:\n  activity: {hours: \"8-18\"}\nhosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n", "HH:MM-HH:MM",
                 "bad.yaml:2:");
    expect_error("network:\n  activity: {days: \"someday\"}\nhosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n", "days", NULL);
    expect_error("network:\n  activity: {off_hours_factor: 2}\nhosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n", "[0, 1]", NULL);
    expect_error("network: {timezone: Mars/Olympus}\nhosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n", "unknown time zone", NULL);
    expect_error("network: {timezone: \"../../etc/passwd\"}\nhosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n", "bad time zone", NULL);
    expect_error("hosts: []\n", "non-empty list", NULL);
    expect_error("metadata: {title: x}\n", "hosts", NULL);
    expect_error("hosts:\n  - hostname: a\n", "needs an 'interfaces' list", NULL);
    expect_error("hosts:\n  - interfaces: [{mac_addr: \"00:11:22:33:44:55\"}]\n", "missing ip_addr", NULL);
    expect_error("hosts:\n  - hostname: a\n    interfaces: [{ip_addr: 10.0.0.1}]\n  - hostname: a\n    interfaces: [{ip_addr: 10.0.0.2}]\n",
                 "duplicate host name 'a'", "bad.yaml:4:");
    expect_error("hosts:\n  - usage: -1\n    interfaces: [{ip_addr: 10.0.0.1}]\n", "usage", NULL);
    expect_error("hosts:\n  - os: BeOS\n    interfaces: [{ip_addr: 10.0.0.1}]\n", "expected Linux or Windows", NULL);
    expect_error("hosts:\n  - hostname: a\n    interfaces: [{ip_addr: 10.0.0.1}]\n  - talks_to: [a]\n    interfaces: [{ip_addr: 10.0.0.2}]\n",
                 "offers no service", NULL);
    expect_error("hosts:\n  - interfaces:\n      - ip_addr: 10.0.0.1\n        services: [https, \"tcp:443\"]\n", "offered twice", NULL);
    expect_error("hosts: [\n  - a: b\n", "bad.yaml:", NULL); /* YAML syntax */
    expect_error("{\"hosts\": [}", "bad.yaml:1:", NULL);         /* JSON syntax */
    expect_error("{\"hosts\": [{\"interfaces\": [{\"ip_addr\": \"1.2.3\"}]}]}", "hosts[0].interfaces[0].ip_addr", NULL);
    expect_error("", "empty", NULL);
    expect_error("hosts:\n  - hostname: a\n    hostname: b\n    interfaces: [{ip_addr: 10.0.0.1}]\n", "duplicate key", NULL);
}

static void test_service_names(void **st)
{
    (void)st;
    uint8_t p;
    uint16_t port;
    assert_int_equal(sg_net_service_lookup("HTTPS", &p, &port), 0);
    assert_int_equal(port, 443);
    assert_int_equal(sg_net_service_lookup("Multicast DNS", &p, &port), 0);
    assert_int_equal(p, SG_PROTO_UDP);
    assert_int_equal(sg_net_service_lookup("nope", &p, &port), -1);
    assert_string_equal(sg_net_service_name(SG_PROTO_UDP, 53), "dns");
    assert_string_equal(sg_net_service_name(SG_PROTO_TCP, 25), "smtp");
    assert_null(sg_net_service_name(SG_PROTO_TCP, 12345));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_yaml),   cmocka_unit_test(test_good_json), cmocka_unit_test(test_iana_timezone),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_service_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
