/* The service registry: well-known (proto, port) <-> name, the one table used by tadam (automaton
 * names), netcfg (config service names) and packets (server matching, port ranks). */
#include <stddef.h>
#include <strings.h>

#include "secgen/core.h"

enum { CANON = 1, CONFIG = 2, BOTH = 3 };
enum { TCP = 6, UDP = 17, ICMP = 1 };

/* CANON rows answer port -> name (first match); CONFIG rows answer name -> port (first match).
 * Where they disagree the row says which direction it serves. */
static const struct {
    const char *name;
    uint8_t proto;
    uint16_t port;
    uint8_t use;
} services[] = {
    {"ftp-data", TCP, 20, BOTH},     {"ftp", TCP, 21, BOTH},           {"ssh", TCP, 22, BOTH},
    {"telnet", TCP, 23, BOTH},       {"smtp", TCP, 25, CANON},         {"smtp", TCP, 587, CONFIG}, /* Fos-R */
    {"dns", UDP, 53, BOTH},          {"dns", TCP, 53, CANON},          {"dhcp", UDP, 67, BOTH},
    {"dhcp", UDP, 68, CANON},        {"http", TCP, 80, BOTH},          {"kerberos", TCP, 88, BOTH},
    {"pop3", TCP, 110, BOTH},        {"ntp", UDP, 123, BOTH},          {"netbios-ns", UDP, 137, BOTH},
    {"netbios-dgm", UDP, 138, BOTH}, {"netbios-ssn", TCP, 139, BOTH},  {"imap", TCP, 143, BOTH},
    {"snmp", UDP, 161, BOTH},        {"ldap", TCP, 389, BOTH},         {"ldap", UDP, 389, CANON},
    {"svrloc", UDP, 427, BOTH},      {"https", TCP, 443, BOTH},        {"quic", UDP, 443, BOTH},
    {"smb", TCP, 445, BOTH},         {"smtps", TCP, 465, BOTH},        {"isakmp", UDP, 500, BOTH},
    {"syslog", UDP, 514, BOTH},      {"submission", TCP, 587, BOTH},   {"ldaps", TCP, 636, BOTH},
    {"dot", TCP, 853, BOTH},         {"imaps", TCP, 993, BOTH},        {"pop3s", TCP, 995, BOTH},
    {"kms", TCP, 1688, BOTH},        {"mqtt", TCP, 1883, BOTH},        {"ssdp", UDP, 1900, BOTH},
    {"mysql", TCP, 3306, BOTH},      {"rdp", TCP, 3389, BOTH},         {"stun", UDP, 3478, BOTH},
    {"xmpp", TCP, 5222, BOTH},       {"postgresql", TCP, 5432, BOTH},  {"mdns", UDP, 5353, BOTH},
    {"multicast dns", UDP, 5353, CONFIG}, /* Fos-R's spelling */
    {"llmnr", UDP, 5355, BOTH},      {"http-alt", TCP, 8080, BOTH},    {"https-alt", TCP, 8443, BOTH},
    {"icmp", ICMP, 0, BOTH},
};

const char *sg_service_name(uint8_t proto, uint16_t port)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if ((services[i].use & CANON) && services[i].proto == proto && services[i].port == port)
            return services[i].name;
    return NULL;
}

int sg_service_lookup(const char *name, uint8_t *proto, uint16_t *port)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if ((services[i].use & CONFIG) && strcasecmp(services[i].name, name) == 0) {
            *proto = services[i].proto;
            *port = services[i].port;
            return 0;
        }
    return -1;
}
