/* Flow tables (growable arrays of sg_flow), stable sorting by start time, TCP flag strings and
 * IP protocol names. */
#include "secgen/flow.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

void sg_flow_table_init(sg_flow_table *t)
{
    memset(t, 0, sizeof *t);
}

void sg_flow_table_free(sg_flow_table *t)
{
    if (!t) return;
    free(t->flows);
    memset(t, 0, sizeof *t);
}

sg_status sg_flow_table_push(sg_flow_table *t, const sg_flow *f)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        if (nc > SIZE_MAX / sizeof(sg_flow)) return SG_ERR_NOMEM;
        sg_flow *nf = realloc(t->flows, nc * sizeof *nf);
        if (!nf) return SG_ERR_NOMEM;
        t->flows = nf;
        t->cap = nc;
    }
    t->flows[t->n++] = *f;
    return SG_OK;
}

int sg_flow_table_span(const sg_flow_table *t, int64_t *first_us, int64_t *last_us)
{
    if (!t->n) return 0;
    int64_t lo = t->flows[0].start_us, hi = lo;
    for (size_t i = 1; i < t->n; i++) {
        if (t->flows[i].start_us < lo) lo = t->flows[i].start_us;
        if (t->flows[i].start_us > hi) hi = t->flows[i].start_us;
    }
    *first_us = lo;
    *last_us = hi;
    return 1;
}

int sg_flow_table_is_sorted(const sg_flow_table *t)
{
    for (size_t i = 1; i < t->n; i++)
        if (t->flows[i].start_us < t->flows[i - 1].start_us) return 0;
    return 1;
}

typedef struct sort_key {
    int64_t start;
    size_t idx;
} sort_key;

static int cmp_key(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    /* the original index breaks ties: this makes qsort stable */
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void sg_flow_table_sort(sg_flow_table *t)
{
    if (t->n < 2 || sg_flow_table_is_sorted(t)) return;
    /* Sort 16-byte keys instead of 136-byte flows, then apply the permutation in place by
     * following its cycles: one extra flow of memory instead of a second table. */
    sort_key *k = malloc(t->n * sizeof *k);
    if (!k) {
        /* fallback without extra memory: insertion sort is stable (slow, but correct) */
        for (size_t i = 1; i < t->n; i++) {
            sg_flow x = t->flows[i];
            size_t j = i;
            while (j > 0 && t->flows[j - 1].start_us > x.start_us) {
                t->flows[j] = t->flows[j - 1];
                j--;
            }
            t->flows[j] = x;
        }
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        k[i].start = t->flows[i].start_us;
        k[i].idx = i;
    }
    qsort(k, t->n, sizeof *k, cmp_key);
    /* position j must receive the flow at k[j].idx */
    for (size_t i = 0; i < t->n; i++) {
        if (k[i].idx == i) continue;
        sg_flow tmp = t->flows[i];
        size_t j = i;
        while (k[j].idx != i) {
            size_t src = k[j].idx;
            t->flows[j] = t->flows[src];
            k[j].idx = j;
            j = src;
        }
        t->flows[j] = tmp;
        k[j].idx = j;
    }
    free(k);
}

/* ---- flags ---- */

void sg_flow_flags_format(uint8_t flags, char *buf)
{
    buf[0] = flags & SG_TCP_URG ? 'U' : '.';
    buf[1] = flags & SG_TCP_ACK ? 'A' : '.';
    buf[2] = flags & SG_TCP_PSH ? 'P' : '.';
    buf[3] = flags & SG_TCP_RST ? 'R' : '.';
    buf[4] = flags & SG_TCP_SYN ? 'S' : '.';
    buf[5] = flags & SG_TCP_FIN ? 'F' : '.';
    buf[6] = '\0';
}

/* Accepts the nfdump/CIDDS positional form ("UAPRSF" with '.', also the 8-character
 * "CEUAPRSF" form: C/E are ECN bits without an sg_flow equivalent and are ignored), letters in
 * any order ("SA", "FPA": Argus, symbols), an empty string (no flags) and a number "0x1b" or
 * "27" holding the raw TCP flag byte. */
int sg_flow_flags_parse(const char *s, size_t len, uint8_t *out)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        unsigned v = 0;
        for (size_t i = 2; i < len; i++) {
            int d = isdigit((unsigned char)s[i]) ? s[i] - '0'
                    : (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10
                    : (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 10
                                                   : -1;
            if (d < 0 || v > 0xff) return -1;
            v = v * 16 + (unsigned)d;
        }
        if (v > 0xff) return -1;
        *out = (uint8_t)(v & 0x3f);
        return 0;
    }
    if (len > 0 && isdigit((unsigned char)s[0])) {
        uint64_t v;
        if (sg_parse_u64(s, len, &v) != 0 || v > 0xff) return -1;
        *out = (uint8_t)(v & 0x3f);
        return 0;
    }
    if (len > 8) return -1;
    uint8_t f = 0;
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case 'U': case 'u': f |= SG_TCP_URG; break;
        case 'A': case 'a': f |= SG_TCP_ACK; break;
        case 'P': case 'p': f |= SG_TCP_PSH; break;
        case 'R': case 'r': f |= SG_TCP_RST; break;
        case 'S': case 's': f |= SG_TCP_SYN; break;
        case 'F': case 'f': f |= SG_TCP_FIN; break;
        case 'C': case 'c': case 'E': case 'e': case '.': break;
        default: return -1;
        }
    }
    *out = f;
    return 0;
}

/* ---- protocols ---- */

static const struct {
    const char *name;
    uint8_t num;
} proto_names[] = {
    {"ICMP", 1},   {"IGMP", 2},    {"IPIP", 4},       {"IPV4", 4},       {"IPNIP", 4},  {"TCP", 6},
    {"EGP", 8},    {"IGP", 9},     {"UDP", 17},       {"IPV6", 41},      {"RSVP", 46},  {"GRE", 47},
    {"ESP", 50},   {"AH", 51},     {"ICMPV6", 58},    {"IPV6-ICMP", 58}, {"ICMP6", 58}, {"IPV6-NONXT", 59},
    {"EIGRP", 88}, {"OSPF", 89},   {"OSPFIGP", 89},   {"ETHERIP", 97},   {"ENCAP", 98}, {"PIM", 103},
    {"IPCOMP", 108}, {"VRRP", 112}, {"L2TP", 115},    {"SCTP", 132},     {"UDPLITE", 136},
};

int sg_proto_parse(const char *s, size_t len, uint8_t *out)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len == 0 || len > 15) return -1;
    if (isdigit((unsigned char)s[0])) {
        uint64_t v;
        if (sg_parse_u64(s, len, &v) != 0 || v > 255) return -1;
        *out = (uint8_t)v;
        return 0;
    }
    char up[16];
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '/') return -1;
        up[i] = (char)toupper((unsigned char)s[i]);
    }
    up[len] = '\0';
    for (size_t i = 0; i < sizeof proto_names / sizeof proto_names[0]; i++) {
        if (strcmp(up, proto_names[i].name) == 0) {
            *out = proto_names[i].num;
            return 0;
        }
    }
    return -1;
}

/* Names for the protocols the native layout spells out (design §4: TCP|UDP|ICMP|<number>,
 * plus ICMPV6); every other protocol is written as its number so any reader can parse it. */
const char *sg_proto_name(uint8_t proto, char *buf, size_t bufsz)
{
    switch (proto) {
    case SG_PROTO_TCP: return "TCP";
    case SG_PROTO_UDP: return "UDP";
    case SG_PROTO_ICMP: return "ICMP";
    case SG_PROTO_ICMPV6: return "ICMPV6";
    default:
        if (buf && bufsz) {
            snprintf(buf, bufsz, "%u", (unsigned)proto);
            return buf;
        }
        return "?";
    }
}

/* ---- layout names ---- */

static const char *const format_names[] = {"auto", "native", "cidds", "argus", "ugr16", "netshare"};

const char *sg_flow_format_name(sg_flow_format f)
{
    if ((unsigned)f < sizeof format_names / sizeof format_names[0]) return format_names[f];
    return "unknown";
}

int sg_flow_format_parse(const char *s, sg_flow_format *out)
{
    if (!s) return -1;
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcasecmp(s, format_names[i]) == 0) {
            *out = (sg_flow_format)i;
            return 0;
        }
    }
    /* common aliases */
    if (strcasecmp(s, "cidds001") == 0 || strcasecmp(s, "cidds-001") == 0) {
        *out = SG_FMT_CIDDS;
        return 0;
    }
    if (strcasecmp(s, "binetflow") == 0) {
        *out = SG_FMT_ARGUS;
        return 0;
    }
    if (strcasecmp(s, "ugr") == 0 || strcasecmp(s, "nfdump") == 0) {
        *out = SG_FMT_UGR16;
        return 0;
    }
    return -1;
}
