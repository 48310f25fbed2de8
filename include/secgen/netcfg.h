/* secgen netcfg: the network a generated capture comes from — hosts, addresses, MACs, operating
 * systems, the services they offer, which services (and servers) each client uses, and when
 * hosts are active (working hours, days, time zone). YAML (libyaml) or JSON (jansson); the Fos-R
 * configuration format is a subset (metadata + hosts/interfaces/services). See docs/packets.md. */
#ifndef SECGEN_NETCFG_H
#define SECGEN_NETCFG_H

#include "secgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_NET_NAME_MAX 64

typedef enum sg_net_os { SG_NET_OS_LINUX = 0, SG_NET_OS_WINDOWS = 1 } sg_net_os;

typedef struct sg_net_service {
    char name[24];  /* lowercase: "https", "ssh", or "tcp-8443" for a bare port */
    uint8_t proto;  /* SG_PROTO_TCP / UDP */
    uint16_t port;
} sg_net_service;

/* Activity profile: flows of a client outside [start, end) local time or on inactive days are
 * kept only with probability off_factor. */
typedef struct sg_net_activity {
    int set;
    uint16_t start_min, end_min; /* minutes after local midnight; end may be < start (night shift) */
    uint8_t days;                /* bit 0 = Monday ... bit 6 = Sunday */
    double off_factor;           /* default 0.05 */
} sg_net_activity;

typedef struct sg_net_iface {
    char ip[48];
    uint8_t addr[16];
    uint8_t is_v6;
    uint8_t has_mac;
    uint8_t mac[6];
    sg_net_service *services;
    size_t nservices;
} sg_net_iface;

typedef struct sg_net_host {
    char name[SG_NET_NAME_MAX];
    sg_net_os os;
    double usage;        /* relative weight as a client or server (default 1) */
    int is_server;       /* offers at least one service (or type: server) */
    int client_all;      /* no `client:` list: uses every offered service */
    sg_net_service *client; /* services it uses as a client (name + proto/port) */
    size_t nclient;
    size_t *talks_to;    /* if ntalks > 0: the only servers (host indices) it uses */
    size_t ntalks;
    sg_net_activity activity; /* unset: the network's */
    sg_net_iface *ifaces;
    size_t nifaces;
} sg_net_host;

typedef struct sg_netcfg {
    char title[128];
    char timezone[64];     /* "UTC", "+01:00" or an IANA name */
    int32_t tz_fixed_min;  /* offset if fixed (tz_iana = 0) */
    int tz_iana;
    uint8_t gateway_mac[6];
    sg_net_activity activity;
    sg_net_host *hosts;
    size_t nhosts;
    /* The `attacks:` list as parsed, validated by the attacks module (src/attacks): a json_t *
     * (NULL if absent), the YAML line of each of its nodes (an sg_hashmap: node address -> line,
     * NULL for JSON) and the file name for messages. Owned by the config. */
    void *attacks;
    void *attack_lines;
    char source[256];
} sg_netcfg;

/* Load and validate; errors name the file, the line (YAML) and the path of the bad field, e.g.
 * "net.yaml:12: hosts[2].interfaces[0].ip_addr: '10.0.0.300' is not an IPv4 or IPv6 address".
 * The format is detected from the content (JSON if it starts with '{'). */
sg_status sg_netcfg_load(const char *path, sg_netcfg **out, sg_error *err);
sg_status sg_netcfg_load_mem(const char *name, const char *data, size_t len, sg_netcfg **out, sg_error *err);
void sg_netcfg_destroy(sg_netcfg *c);

/* Known service names ("http", "https", "ssh", "dns", "smtp", "multicast dns", ...): returns 0
 * and fills proto/port, -1 if unknown. */
int sg_net_service_lookup(const char *name, uint8_t *proto, uint16_t *port);
/* Name for a (proto, port), e.g. "https"; NULL if none */
const char *sg_net_service_name(uint8_t proto, uint16_t port);

/* Local time: minutes since local midnight and weekday (0 = Monday) of a UTC time (µs). IANA
 * zones use the C library's tz database (DST-aware); set by sg_netcfg_load via TZ. */
void sg_netcfg_local_time(const sg_netcfg *c, int64_t t_us, int *minute_of_day, int *weekday);
/* 1 if host h (or the network, h NULL) is active at t_us per its activity profile (or has none) */
int sg_netcfg_active(const sg_netcfg *c, const sg_net_host *h, int64_t t_us, double *keep_prob);

/* Find the host owning an address; returns index or -1 */
long sg_netcfg_find_addr(const sg_netcfg *c, const char *ip);
long sg_netcfg_find_host(const sg_netcfg *c, const char *name);

#ifdef __cplusplus
}
#endif
#endif
