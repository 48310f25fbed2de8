/* Network configuration: YAML (libyaml, converted to a jansson tree with the line of every node)
 * or JSON (jansson), then one strict validator for both: unknown keys are errors (a typo must not
 * silently change the network), as in Fos-R. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yaml.h>

#include "secgen/flow.h"
#include "secgen/netcfg.h"

/* ---- service names: the registry is core's (sg_service_*), shared with tadam and packets ---- */
int sg_net_service_lookup(const char *name, uint8_t *proto, uint16_t *port)
{
    return sg_service_lookup(name, proto, port);
}

const char *sg_net_service_name(uint8_t proto, uint16_t port) { return sg_service_name(proto, port); }

/* ---- YAML -> json tree (scalars stay strings; the validator converts) ----------------------------- */
typedef struct ctx {
    const char *name;
    sg_hashmap *lines; /* json_t* -> line */
    sg_error *err;
} ctx;

static void note_line(ctx *c, json_t *j, size_t line)
{
    uintptr_t k = (uintptr_t)j;
    sg_hashmap_put(c->lines, &k, sizeof k, line + 1);
}

static size_t line_of(const ctx *c, const json_t *j)
{
    uint64_t v = 0;
    uintptr_t k = (uintptr_t)j;
    if (c->lines && sg_hashmap_get(c->lines, &k, sizeof k, &v)) return (size_t)v;
    return 0;
}

static json_t *yaml_node(ctx *c, yaml_document_t *doc, yaml_node_t *n, int depth)
{
    if (!n || depth > 64) return NULL;
    json_t *j = NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *v = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (len == 0 || !strcmp(v, "~") || !strcmp(v, "null")))
            j = json_null();
        else
            j = json_stringn(v, len);
        break;
    }
    case YAML_SEQUENCE_NODE:
        j = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; j && it < n->data.sequence.items.top; it++) {
            json_t *e = yaml_node(c, doc, yaml_document_get_node(doc, *it), depth + 1);
            if (!e) { json_decref(j); return NULL; }
            json_array_append_new(j, e);
        }
        break;
    case YAML_MAPPING_NODE:
        j = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; j && p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE) {
                sg_error_set(c->err, SG_ERR_PARSE, "%s:%zu: mapping keys must be plain strings", c->name,
                             (size_t)(k ? k->start_mark.line + 1 : 0));
                json_decref(j);
                return NULL;
            }
            json_t *v = yaml_node(c, doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!v) { json_decref(j); return NULL; }
            const char *key = (const char *)k->data.scalar.value;
            if (json_object_get(j, key)) {
                sg_error_set(c->err, SG_ERR_PARSE, "%s:%zu: duplicate key '%s'", c->name, (size_t)k->start_mark.line + 1, key);
                json_decref(v);
                json_decref(j);
                return NULL;
            }
            json_object_set_new(j, key, v);
        }
        break;
    default: break;
    }
    if (!j) {
        if (c->err && c->err->status == SG_OK)
            sg_error_set(c->err, SG_ERR_PARSE, "%s:%zu: unsupported YAML node", c->name, (size_t)n->start_mark.line + 1);
        return NULL;
    }
    note_line(c, j, n->start_mark.line);
    return j;
}

static json_t *parse_yaml(ctx *c, const char *data, size_t len)
{
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p)) { sg_error_set(c->err, SG_ERR_NOMEM, "%s: YAML parser init failed", c->name); return NULL; }
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    if (!yaml_parser_load(&p, &doc)) {
        sg_error_set(c->err, SG_ERR_PARSE, "%s:%zu:%zu: %s", c->name, (size_t)p.problem_mark.line + 1,
                     (size_t)p.problem_mark.column + 1, p.problem ? p.problem : "YAML syntax error");
        yaml_parser_delete(&p);
        return NULL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    json_t *j = NULL;
    if (!root) sg_error_set(c->err, SG_ERR_EMPTY, "%s: empty configuration", c->name);
    else j = yaml_node(c, &doc, root, 0);
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return j;
}

/* ---- validation ------------------------------------------------------------------------------------ */
#define FAIL(j, ...) return fail(c, (j), __VA_ARGS__)

static sg_status fail(ctx *c, const json_t *j, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sg_status fail(ctx *c, const json_t *j, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t line = line_of(c, j);
    if (line) return sg_error_set(c->err, SG_ERR_INVALID, "%s:%zu: %s", c->name, line, msg);
    return sg_error_set(c->err, SG_ERR_INVALID, "%s: %s", c->name, msg);
}

static sg_status check_keys(ctx *c, const json_t *o, const char *path, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) ok |= !strcmp(*a, k);
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 3);
                if (a[1]) strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            FAIL(v, "%s: unknown key '%s' (expected one of: %s)", path, k, list);
        }
    }
    return SG_OK;
}

static const char *str_of(const json_t *j, char *buf, size_t n)
{
    if (json_is_string(j)) return json_string_value(j);
    if (json_is_integer(j)) { snprintf(buf, n, "%lld", (long long)json_integer_value(j)); return buf; }
    if (json_is_real(j)) { snprintf(buf, n, "%g", json_real_value(j)); return buf; }
    if (json_is_true(j)) return "true";
    if (json_is_false(j)) return "false";
    return NULL;
}

static sg_status get_double(ctx *c, const json_t *j, const char *path, double *out)
{
    char b[64];
    const char *s = str_of(j, b, sizeof b);
    if (!s || sg_parse_double(s, strlen(s), out) != 0) FAIL(j, "%s: expected a number", path);
    return SG_OK;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (strlen(s) != 17) return -1;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6 &&
        sscanf(s, "%2x-%2x-%2x-%2x-%2x-%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1])) return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

/* "https", "ssh:2222", "tcp:8443", "udp/5000", "8443" */
static sg_status parse_service(ctx *c, const json_t *j, const char *path, sg_net_service *out, int allow_portless)
{
    char b[64];
    const char *s = str_of(j, b, sizeof b);
    if (!s || !*s) FAIL(j, "%s: expected a service name like \"https\" or \"ssh:2222\"", path);
    char name[64];
    snprintf(name, sizeof name, "%s", s);
    for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
    char *sep = strpbrk(name, ":/");
    int64_t port = -1;
    if (sep) {
        *sep = 0;
        const char *ps = sep + 1;
        if (sg_parse_i64(ps, strlen(ps), &port) != 0 || port < 1 || port > 65535)
            FAIL(j, "%s: bad port '%s' in \"%s\" (expected 1-65535)", path, ps, s);
    } else if (sg_parse_i64(name, strlen(name), &port) == 0) {
        if (port < 1 || port > 65535) FAIL(j, "%s: bad port '%s' (expected 1-65535)", path, name);
        snprintf(out->name, sizeof out->name, "tcp-%d", (int)port);
        out->proto = SG_PROTO_TCP;
        out->port = (uint16_t)port;
        return SG_OK;
    }
    uint8_t proto;
    uint16_t dport;
    if (!strcmp(name, "tcp") || !strcmp(name, "udp")) {
        if (port < 0) FAIL(j, "%s: \"%s\" needs a port", path, s);
        proto = name[0] == 't' ? SG_PROTO_TCP : SG_PROTO_UDP;
        snprintf(out->name, sizeof out->name, "%.3s-%d", name, (int)port);
    } else if (sg_net_service_lookup(name, &proto, &dport) == 0) {
        snprintf(out->name, sizeof out->name, "%.23s", name);
        if (port < 0) port = dport;
    } else {
        FAIL(j, "%s: unknown service '%s' (use a known name such as https, ssh, dns, or proto:port like tcp:8443)",
             path, name);
    }
    if (port <= 0 && !allow_portless && proto != SG_PROTO_ICMP) FAIL(j, "%s: service '%s' needs a port", path, s);
    out->proto = proto;
    out->port = (uint16_t)(port < 0 ? 0 : port);
    return SG_OK;
}

static int parse_hhmm(const char *s, uint16_t *min)
{
    unsigned h, m;
    char tail;
    if (sscanf(s, "%2u:%2u%c", &h, &m, &tail) != 2 || h > 24 || m > 59 || (h == 24 && m)) return -1;
    *min = (uint16_t)(h * 60 + m);
    return 0;
}

static int day_index(const char *s)
{
    static const char *d[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7; i++)
        if (!strncasecmp(s, d[i], 3)) return i;
    return -1;
}

static sg_status parse_activity(ctx *c, const json_t *j, const char *path, sg_net_activity *a)
{
    static const char *const keys[] = {"hours", "days", "off_hours_factor", NULL};
    if (!json_is_object(j)) FAIL(j, "%s: expected a mapping (hours, days, off_hours_factor)", path);
    sg_status s = check_keys(c, j, path, keys);
    if (s != SG_OK) return s;
    a->set = 1;
    a->start_min = 0;
    a->end_min = 24 * 60;
    a->days = 0x7f;
    a->off_factor = 0.05;
    const json_t *h = json_object_get(j, "hours");
    if (h) {
        char b[64];
        const char *v = str_of(h, b, sizeof b);
        char x[64], y[64];
        if (!v || sscanf(v, "%63[^-]-%63s", x, y) != 2 || parse_hhmm(x, &a->start_min) || parse_hhmm(y, &a->end_min) ||
            a->start_min == a->end_min)
            FAIL(h, "%s.hours: expected \"HH:MM-HH:MM\" (e.g. \"08:00-18:00\"), got \"%s\"", path, v ? v : "?");
    }
    const json_t *d = json_object_get(j, "days");
    if (d) {
        char b[64];
        const char *v = str_of(d, b, sizeof b);
        char x[16], y[16];
        int i0, i1;
        if (v && !strcasecmp(v, "all")) a->days = 0x7f;
        else if (v && sscanf(v, "%15[a-zA-Z]-%15s", x, y) == 2 && (i0 = day_index(x)) >= 0 && (i1 = day_index(y)) >= 0) {
            a->days = 0;
            for (int i = i0;; i = (i + 1) % 7) { a->days |= (uint8_t)(1 << i); if (i == i1) break; }
        } else
            FAIL(d, "%s.days: expected \"mon-fri\", \"all\" or a day range, got \"%s\"", path, v ? v : "?");
    }
    const json_t *f = json_object_get(j, "off_hours_factor");
    if (f) {
        s = get_double(c, f, path, &a->off_factor);
        if (s != SG_OK) return s;
        if (a->off_factor < 0 || a->off_factor > 1) FAIL(f, "%s.off_hours_factor: must be in [0, 1]", path);
    }
    return SG_OK;
}

static sg_status parse_tz(ctx *c, const json_t *j, sg_netcfg *cfg)
{
    char b[64];
    const char *v = str_of(j, b, sizeof b);
    if (!v || !*v || strlen(v) >= sizeof cfg->timezone) FAIL(j, "network.timezone: expected a time zone name");
    snprintf(cfg->timezone, sizeof cfg->timezone, "%s", v);
    if (!strcasecmp(v, "UTC") || !strcasecmp(v, "Z") || !strcasecmp(v, "GMT")) { cfg->tz_fixed_min = 0; return SG_OK; }
    int sign = v[0] == '-' ? -1 : 1;
    unsigned h, m = 0;
    char tail;
    if ((v[0] == '+' || v[0] == '-') &&
        (sscanf(v + 1, "%2u:%2u%c", &h, &m, &tail) == 2 || sscanf(v + 1, "%2u%c", &h, &tail) == 1) && h <= 14 && m < 60) {
        cfg->tz_fixed_min = sign * (int32_t)(h * 60 + m);
        return SG_OK;
    }
    /* IANA name: must exist in the system's zoneinfo */
    if (strstr(v, "..") || v[0] == '/') FAIL(j, "network.timezone: bad time zone '%s'", v);
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", v);
    FILE *fp = fopen(path, "rb");
    if (!fp) FAIL(j, "network.timezone: unknown time zone '%s' (use an IANA name like Europe/Paris, UTC or +01:00)", v);
    fclose(fp);
    cfg->tz_iana = 1;
    return SG_OK;
}

void sg_netcfg_destroy(sg_netcfg *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nhosts; i++) {
        sg_net_host *h = &c->hosts[i];
        for (size_t k = 0; k < h->nifaces; k++) free(h->ifaces[k].services);
        free(h->ifaces);
        free(h->client);
        free(h->talks_to);
    }
    free(c->hosts);
    json_decref(c->attacks);
    sg_hashmap_destroy(c->attack_lines);
    free(c);
}

static sg_status parse_host(ctx *c, const json_t *j, size_t hi, sg_netcfg *cfg)
{
    static const char *const keys[] = {"hostname", "os", "usage", "type", "client", "talks_to", "activity", "interfaces", NULL};
    char path[96];
    snprintf(path, sizeof path, "hosts[%zu]", hi);
    if (!json_is_object(j)) FAIL(j, "%s: expected a mapping", path);
    sg_status s = check_keys(c, j, path, keys);
    if (s != SG_OK) return s;
    sg_net_host *h = &cfg->hosts[hi];
    h->usage = 1.0;
    h->client_all = 1;
    char b[64];
    const json_t *v;
    if ((v = json_object_get(j, "hostname"))) {
        const char *n = str_of(v, b, sizeof b);
        if (!n || !*n || strlen(n) >= sizeof h->name) FAIL(v, "%s.hostname: expected a name of 1-63 characters", path);
        snprintf(h->name, sizeof h->name, "%s", n);
        for (size_t k = 0; k < hi; k++)
            if (!strcmp(cfg->hosts[k].name, h->name)) FAIL(v, "%s.hostname: duplicate host name '%s' (also hosts[%zu])", path, n, k);
    } else {
        snprintf(h->name, sizeof h->name, "host%zu", hi + 1);
    }
    if ((v = json_object_get(j, "os"))) {
        const char *o = str_of(v, b, sizeof b);
        if (o && !strcasecmp(o, "linux")) h->os = SG_NET_OS_LINUX;
        else if (o && !strcasecmp(o, "windows")) h->os = SG_NET_OS_WINDOWS;
        else FAIL(v, "%s.os: expected Linux or Windows, got \"%s\"", path, o ? o : "?");
    }
    if ((v = json_object_get(j, "usage"))) {
        if ((s = get_double(c, v, path, &h->usage)) != SG_OK) return s;
        if (!(h->usage >= 0) || h->usage > 1e6) FAIL(v, "%s.usage: must be a non-negative number", path);
    }
    int type_server = -1;
    if ((v = json_object_get(j, "type"))) {
        const char *t = str_of(v, b, sizeof b);
        if (t && (!strcasecmp(t, "server"))) type_server = 1;
        else if (t && (!strcasecmp(t, "user") || !strcasecmp(t, "client"))) type_server = 0;
        else FAIL(v, "%s.type: expected server or user", path);
    }
    if ((v = json_object_get(j, "activity"))) {
        char p2[256];
        snprintf(p2, sizeof p2, "%s.activity", path);
        if ((s = parse_activity(c, v, p2, &h->activity)) != SG_OK) return s;
    }
    if ((v = json_object_get(j, "client"))) {
        if (!json_is_array(v)) FAIL(v, "%s.client: expected a list of service names", path);
        h->client_all = 0;
        h->nclient = json_array_size(v);
        h->client = calloc(h->nclient ? h->nclient : 1, sizeof *h->client);
        if (!h->client) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
        for (size_t k = 0; k < h->nclient; k++) {
            char p2[256];
            snprintf(p2, sizeof p2, "%s.client[%zu]", path, k);
            if ((s = parse_service(c, json_array_get(v, k), p2, &h->client[k], 1)) != SG_OK) return s;
        }
    }
    const json_t *ifs = json_object_get(j, "interfaces");
    if (!ifs || !json_is_array(ifs) || json_array_size(ifs) == 0)
        FAIL(ifs ? ifs : j, "%s: needs an 'interfaces' list with at least one ip_addr", path);
    h->nifaces = json_array_size(ifs);
    h->ifaces = calloc(h->nifaces, sizeof *h->ifaces);
    if (!h->ifaces) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < h->nifaces; k++) {
        static const char *const ikeys[] = {"ip_addr", "mac_addr", "services", NULL};
        const json_t *ij = json_array_get(ifs, k);
        char ip[192];
        snprintf(ip, sizeof ip, "%s.interfaces[%zu]", path, k);
        if (!json_is_object(ij)) FAIL(ij, "%s: expected a mapping", ip);
        if ((s = check_keys(c, ij, ip, ikeys)) != SG_OK) return s;
        sg_net_iface *f = &h->ifaces[k];
        const json_t *a = json_object_get(ij, "ip_addr");
        const char *as = a ? str_of(a, b, sizeof b) : NULL;
        if (!as) FAIL(a ? a : ij, "%s: missing ip_addr", ip);
        if (strlen(as) >= sizeof f->ip || (inet_pton(AF_INET, as, f->addr) != 1 && !(f->is_v6 = 1, inet_pton(AF_INET6, as, f->addr) == 1)))
            FAIL(a, "%s.ip_addr: '%s' is not an IPv4 or IPv6 address", ip, as);
        snprintf(f->ip, sizeof f->ip, "%s", as);
        if ((!f->is_v6 && (f->addr[0] == 0 || f->addr[0] >= 224 || f->addr[0] == 127)))
            FAIL(a, "%s.ip_addr: '%s' cannot be a host address (0/8, loopback, multicast or reserved)", ip, as);
        for (size_t h2 = 0; h2 <= hi; h2++)
            for (size_t k2 = 0; k2 < cfg->hosts[h2].nifaces && !(h2 == hi && k2 >= k); k2++)
                if (!strcmp(cfg->hosts[h2].ifaces[k2].ip, f->ip) ||
                    (cfg->hosts[h2].ifaces[k2].is_v6 == f->is_v6 && !memcmp(cfg->hosts[h2].ifaces[k2].addr, f->addr, 16)))
                    FAIL(a, "%s.ip_addr: duplicate IP %s (already hosts[%zu].interfaces[%zu])", ip, as, h2, k2);
        const json_t *m = json_object_get(ij, "mac_addr");
        if (m) {
            const char *ms = str_of(m, b, sizeof b);
            if (!ms || parse_mac(ms, f->mac) != 0) FAIL(m, "%s.mac_addr: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", ip, ms ? ms : "?");
            if (f->mac[0] & 1) FAIL(m, "%s.mac_addr: %s is a multicast MAC", ip, ms);
            f->has_mac = 1;
            for (size_t h2 = 0; h2 <= hi; h2++)
                for (size_t k2 = 0; k2 < cfg->hosts[h2].nifaces && !(h2 == hi && k2 >= k); k2++)
                    if (cfg->hosts[h2].ifaces[k2].has_mac && !memcmp(cfg->hosts[h2].ifaces[k2].mac, f->mac, 6))
                        FAIL(m, "%s.mac_addr: duplicate MAC %s (already hosts[%zu].interfaces[%zu])", ip, ms, h2, k2);
        }
        const json_t *sv = json_object_get(ij, "services");
        if (sv) {
            if (!json_is_array(sv)) FAIL(sv, "%s.services: expected a list like [https, \"ssh:2222\"]", ip);
            f->nservices = json_array_size(sv);
            f->services = calloc(f->nservices ? f->nservices : 1, sizeof *f->services);
            if (!f->services) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
            for (size_t q = 0; q < f->nservices; q++) {
                char p2[256];
                snprintf(p2, sizeof p2, "%s.services[%zu]", ip, q);
                if ((s = parse_service(c, json_array_get(sv, q), p2, &f->services[q], 0)) != SG_OK) return s;
                for (size_t q2 = 0; q2 < q; q2++)
                    if (f->services[q2].proto == f->services[q].proto && f->services[q2].port == f->services[q].port)
                        FAIL(json_array_get(sv, q), "%s: port %u offered twice on this interface", p2, f->services[q].port);
            }
            if (f->nservices) h->is_server = 1;
        }
    }
    if (type_server == 1) h->is_server = 1;
    if (type_server == 0 && h->is_server) FAIL(j, "%s: type is user but the host offers services", path);
    return SG_OK;
}

static sg_status validate(ctx *c, const json_t *root, sg_netcfg *cfg)
{
    static const char *const keys[] = {"metadata", "network", "hosts", "attacks", NULL};
    if (!json_is_object(root)) FAIL(root, "top level: expected a mapping with 'hosts'");
    sg_status s = check_keys(c, root, "top level", keys);
    if (s != SG_OK) return s;
    snprintf(cfg->timezone, sizeof cfg->timezone, "UTC");
    /* default gateway MAC: a locally administered address */
    static const uint8_t gw[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    memcpy(cfg->gateway_mac, gw, 6);
    const json_t *md = json_object_get(root, "metadata");
    if (md) {
        static const char *const mk[] = {"title", "desc", "author", "date", "version", "format", NULL};
        if (!json_is_object(md)) FAIL(md, "metadata: expected a mapping");
        if ((s = check_keys(c, md, "metadata", mk)) != SG_OK) return s;
        char b[64];
        const json_t *t = json_object_get(md, "title");
        const char *ts = t ? str_of(t, b, sizeof b) : NULL;
        if (ts) snprintf(cfg->title, sizeof cfg->title, "%s", ts);
    }
    const json_t *net = json_object_get(root, "network");
    if (net) {
        static const char *const nk[] = {"timezone", "gateway_mac", "activity", NULL};
        if (!json_is_object(net)) FAIL(net, "network: expected a mapping");
        if ((s = check_keys(c, net, "network", nk)) != SG_OK) return s;
        const json_t *v;
        if ((v = json_object_get(net, "timezone")) && (s = parse_tz(c, v, cfg)) != SG_OK) return s;
        if ((v = json_object_get(net, "gateway_mac"))) {
            char b[64];
            const char *ms = str_of(v, b, sizeof b);
            if (!ms || parse_mac(ms, cfg->gateway_mac) != 0) FAIL(v, "network.gateway_mac: '%s' is not a MAC address", ms ? ms : "?");
        }
        if ((v = json_object_get(net, "activity")) && (s = parse_activity(c, v, "network.activity", &cfg->activity)) != SG_OK)
            return s;
    }
    const json_t *hosts = json_object_get(root, "hosts");
    if (!hosts || !json_is_array(hosts) || json_array_size(hosts) == 0) FAIL(hosts ? hosts : root, "hosts: expected a non-empty list");
    cfg->nhosts = json_array_size(hosts);
    cfg->hosts = calloc(cfg->nhosts, sizeof *cfg->hosts);
    if (!cfg->hosts) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < cfg->nhosts; i++)
        if ((s = parse_host(c, json_array_get(hosts, i), i, cfg)) != SG_OK) return s;
    /* cross references: talks_to names hosts that offer services (client services may be outside the
     * network, e.g. https on the Internet, so they are not checked against the hosts) */
    for (size_t i = 0; i < cfg->nhosts; i++) {
        sg_net_host *h = &cfg->hosts[i];
        const json_t *hj = json_array_get(hosts, i);
        const json_t *tt = json_object_get(hj, "talks_to");
        if (tt) {
            if (!json_is_array(tt)) FAIL(tt, "hosts[%zu].talks_to: expected a list of host names", i);
            h->ntalks = json_array_size(tt);
            h->talks_to = calloc(h->ntalks ? h->ntalks : 1, sizeof *h->talks_to);
            if (!h->talks_to) return sg_error_set(c->err, SG_ERR_NOMEM, "out of memory");
            for (size_t k = 0; k < h->ntalks; k++) {
                char b[64];
                const json_t *e = json_array_get(tt, k);
                const char *n = str_of(e, b, sizeof b);
                long idx = n ? sg_netcfg_find_host(cfg, n) : -1;
                if (idx < 0) FAIL(e, "hosts[%zu].talks_to[%zu]: unknown host '%s'", i, k, n ? n : "?");
                if (!cfg->hosts[idx].is_server) FAIL(e, "hosts[%zu].talks_to[%zu]: host '%s' offers no service", i, k, n);
                h->talks_to[k] = (size_t)idx;
            }
        }
    }
    return SG_OK;
}

sg_status sg_netcfg_load_mem(const char *name, const char *data, size_t len, sg_netcfg **out, sg_error *err)
{
    *out = NULL;
    /* a capture, a flow model, a CSV...: say what the file is rather than a YAML/JSON error */
    if (sg_file_kind_check(name, data, len, SG_FILE_NETCFG, err) != SG_OK) return err ? err->status : SG_ERR_PARSE;
    ctx c = {.name = name, .err = err};
    size_t i = 0;
    while (i < len && isspace((unsigned char)data[i])) i++;
    json_t *root = NULL;
    if (i < len && data[i] == '{') {
        json_error_t je;
        root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
        if (!root) return sg_error_set(err, SG_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    } else {
        c.lines = sg_hashmap_create(256);
        if (!c.lines) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        root = parse_yaml(&c, data, len);
        if (!root) {
            sg_hashmap_destroy(c.lines);
            if (err && err->status == SG_OK) sg_error_set(err, SG_ERR_PARSE, "%s: cannot parse", name);
            return err ? err->status : SG_ERR_PARSE;
        }
    }
    sg_netcfg *cfg = calloc(1, sizeof *cfg);
    sg_status s = cfg ? validate(&c, root, cfg) : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (s == SG_OK && (cfg->attacks = json_incref(json_object_get(root, "attacks")))) {
        /* the attacks module validates this list (it knows the kinds); it keeps the line map */
        cfg->attack_lines = c.lines;
        c.lines = NULL;
    }
    if (cfg) snprintf(cfg->source, sizeof cfg->source, "%s", name);
    json_decref(root);
    sg_hashmap_destroy(c.lines);
    if (s != SG_OK) { sg_netcfg_destroy(cfg); return s; }
    if (cfg->tz_iana) {
        /* the C library does the DST-aware conversion; the CLI is one process per run */
        setenv("TZ", cfg->timezone, 1);
        tzset();
    }
    *out = cfg;
    return SG_OK;
}

sg_status sg_netcfg_load(const char *path, sg_netcfg **out, sg_error *err)
{
    char *data;
    size_t n;
    *out = NULL;
    sg_status s = sg_file_read_all(path, &data, &n, err);
    if (s != SG_OK) return s;
    s = sg_netcfg_load_mem(path, data, n, out, err);
    free(data);
    return s;
}

void sg_netcfg_local_time(const sg_netcfg *c, int64_t t_us, int *minute_of_day, int *weekday)
{
    int64_t secs = t_us >= 0 ? t_us / 1000000 : -((-t_us + 999999) / 1000000);
    if (c && c->tz_iana) {
        time_t tt = (time_t)secs;
        struct tm tm;
        localtime_r(&tt, &tm);
        *minute_of_day = tm.tm_hour * 60 + tm.tm_min;
        *weekday = (tm.tm_wday + 6) % 7;
        return;
    }
    int64_t local = secs + (int64_t)(c ? c->tz_fixed_min : 0) * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sod = local - days * 86400;
    *minute_of_day = (int)(sod / 60);
    *weekday = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday (index 3) */
}

int sg_netcfg_active(const sg_netcfg *c, const sg_net_host *h, int64_t t_us, double *keep_prob)
{
    const sg_net_activity *a = h && h->activity.set ? &h->activity : (c ? &c->activity : NULL);
    *keep_prob = 1.0;
    if (!a || !a->set) return 1;
    int mod, wd;
    sg_netcfg_local_time(c, t_us, &mod, &wd);
    int in_hours = a->start_min < a->end_min ? (mod >= a->start_min && mod < a->end_min)
                                             : (mod >= a->start_min || mod < a->end_min);
    int day_ok = (a->days >> wd) & 1;
    if (in_hours && day_ok) return 1;
    *keep_prob = a->off_factor;
    return 0;
}

long sg_netcfg_find_addr(const sg_netcfg *c, const char *ip)
{
    uint8_t a[16] = {0};
    int v6 = 0;
    if (inet_pton(AF_INET, ip, a) != 1) {
        if (inet_pton(AF_INET6, ip, a) != 1) return -1;
        v6 = 1;
    }
    for (size_t i = 0; i < c->nhosts; i++)
        for (size_t k = 0; k < c->hosts[i].nifaces; k++)
            if (c->hosts[i].ifaces[k].is_v6 == v6 && !memcmp(c->hosts[i].ifaces[k].addr, a, 16)) return (long)i;
    return -1;
}

long sg_netcfg_find_host(const sg_netcfg *c, const char *name)
{
    for (size_t i = 0; i < c->nhosts; i++)
        if (!strcmp(c->hosts[i].name, name)) return (long)i;
    return -1;
}
