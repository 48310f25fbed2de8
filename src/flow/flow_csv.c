/* Flow CSV readers (native, CIDDS-001, Argus binetflow, UGR'16 nfdump, NetShare) and writers
 * (native, CIDDS-001). Columns are located by header name, so column order and extra columns do
 * not matter; every conversion is described in docs/flow-formats.md. */
#include "secgen/flow.h"

#include "csv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* logical columns */
enum {
    K_START,    /* start time */
    K_END,      /* end time (UGR'16 te) */
    K_TS,       /* start, µs since epoch (NetShare ts) */
    K_DUR,      /* duration, seconds */
    K_PROTO,
    K_SRC,
    K_SPORT,
    K_DST,
    K_DPORT,
    K_PKTS,     /* fwd packets, or total when K_BPKTS absent */
    K_BYTES,
    K_BPKTS,
    K_BBYTES,
    K_SRCPKTS,  /* Argus: packets src->dst when TotPkts is the total */
    K_SRCBYTES, /* Argus: bytes src->dst when TotBytes is the total */
    K_FLAGS,
    K_STATE,    /* Argus state "FSPA_FSRPA" */
    K_TOS,
    NK
};

typedef struct colspec {
    int key;
    const char *name;
    int required;
} colspec;

static const colspec native_cols[] = {
    {K_START, "start", 1},        {K_DUR, "duration", 1},        {K_PROTO, "proto", 1},
    {K_SRC, "src_ip", 1},         {K_SPORT, "src_port", 1},      {K_DST, "dst_ip", 1},
    {K_DPORT, "dst_port", 1},     {K_PKTS, "fwd_packets", 1},    {K_BYTES, "fwd_bytes", 1},
    {K_BPKTS, "bwd_packets", 1},  {K_BBYTES, "bwd_bytes", 1},    {K_FLAGS, "flags", 1},
    {-1, NULL, 0}};
static const colspec cidds_cols[] = {
    {K_START, "Date first seen", 1}, {K_DUR, "Duration", 1},  {K_PROTO, "Proto", 1},
    {K_SRC, "Src IP Addr", 1},       {K_SPORT, "Src Pt", 1},  {K_DST, "Dst IP Addr", 1},
    {K_DPORT, "Dst Pt", 1},          {K_PKTS, "Packets", 1},  {K_BYTES, "Bytes", 1},
    {K_FLAGS, "Flags", 1},           {K_TOS, "Tos", 0},       {-1, NULL, 0}};
/* Dur is optional: ra's default fields (StartTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,
 * TotPkts,TotBytes,State) have none; LastTime gives it when present. */
static const colspec argus_cols[] = {
    {K_START, "StartTime", 1}, {K_DUR, "Dur", 0},          {K_END, "LastTime", 0}, {K_PROTO, "Proto", 1},
    {K_SRC, "SrcAddr", 1},     {K_SPORT, "Sport", 1},      {K_DST, "DstAddr", 1},
    {K_DPORT, "Dport", 1},     {K_PKTS, "TotPkts", 1},     {K_BYTES, "TotBytes", 1},
    {K_STATE, "State", 0},     {K_TOS, "sTos", 0},         {K_SRCBYTES, "SrcBytes", 0},
    {K_SRCPKTS, "SrcPkts", 0}, {-1, NULL, 0}};
static const colspec ugr16_cols[] = {
    {K_END, "te", 1},   {K_DUR, "td", 1},   {K_SRC, "sa", 1},    {K_DST, "da", 1},
    {K_SPORT, "sp", 1}, {K_DPORT, "dp", 1}, {K_PROTO, "pr", 1},  {K_FLAGS, "flg", 1},
    {K_TOS, "stos", 0}, {K_PKTS, "pkt", 1}, {K_BYTES, "byt", 1}, {-1, NULL, 0}};
static const colspec netshare_cols[] = {
    {K_SRC, "srcip", 1}, {K_DST, "dstip", 1}, {K_SPORT, "srcport", 1}, {K_DPORT, "dstport", 1},
    {K_PROTO, "proto", 1}, {K_TS, "ts", 1},  {K_DUR, "td", 1},         {K_PKTS, "pkt", 1},
    {K_BYTES, "byt", 1},   {-1, NULL, 0}};
/* column order of the headerless UGR'16 nfdump exports (te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,label) */
static const int ugr16_positional[] = {K_END, K_DUR, K_SRC, K_DST, K_SPORT, K_DPORT, K_PROTO, K_FLAGS, -1, K_TOS, K_PKTS, K_BYTES};

static const colspec *layout_cols(sg_flow_format f)
{
    switch (f) {
    case SG_FMT_NATIVE: return native_cols;
    case SG_FMT_CIDDS: return cidds_cols;
    case SG_FMT_ARGUS: return argus_cols;
    case SG_FMT_UGR16: return ugr16_cols;
    case SG_FMT_NETSHARE: return netshare_cols;
    default: return NULL;
    }
}

static const char SUPPORTED[] =
    "supported layouts: native (start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,"
    "fwd_bytes,bwd_packets,bwd_bytes,flags), cidds (Date first seen,Duration,Proto,Src IP Addr,Src Pt,"
    "Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags), argus (StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,"
    "Dport,State,sTos,dTos,TotPkts,TotBytes), ugr16 (te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,...), "
    "netshare (srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,...)";

static int name_eq(const char *a, size_t alen, const char *b)
{
    size_t bl = strlen(b);
    return alen == bl && strncasecmp(a, b, bl) == 0;
}

/* Map header fields to logical columns; returns the number of required columns missing and the
 * first one's name. */
static int map_header(const colspec *cols, const sg_csv_field *f, size_t nf, int idx[NK], const char **missing)
{
    int nmiss = 0;
    for (int k = 0; k < NK; k++) idx[k] = -1;
    for (const colspec *c = cols; c->name; c++) {
        for (size_t i = 0; i < nf; i++) {
            if (name_eq(f[i].s, f[i].len, c->name)) {
                idx[c->key] = (int)i;
                break;
            }
        }
        if (idx[c->key] < 0 && c->required) {
            if (!nmiss && missing) *missing = c->name;
            nmiss++;
        }
    }
    return nmiss;
}

static sg_flow_format detect_fields(const sg_csv_field *f, size_t nf)
{
    static const sg_flow_format order[] = {SG_FMT_NATIVE, SG_FMT_CIDDS, SG_FMT_ARGUS, SG_FMT_UGR16, SG_FMT_NETSHARE};
    int idx[NK];
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (map_header(layout_cols(order[i]), f, nf, idx, NULL) == 0) return order[i];
    return SG_FMT_AUTO;
}

sg_flow_format sg_flow_detect(const char *header_line)
{
    if (!header_line) return SG_FMT_AUTO;
    size_t len = strcspn(header_line, "\r\n");
    sg_csv c;
    sg_csv_init(&c, "header", header_line, len);
    sg_flow_format f = SG_FMT_AUTO;
    if (sg_csv_next(&c, NULL) == SG_CSV_RECORD) f = detect_fields(c.f, c.nf);
    sg_csv_free(&c);
    return f;
}

/* ---- reader ---- */

/* 9999-12-31T23:59:59.999999Z: the largest time sg_time_format prints with a 4-digit year */
#define MAX_TIME_US 253402300799999999LL

typedef struct reader {
    sg_csv csv;
    sg_flow_format fmt;
    int idx[NK];
    const char *cname[NK]; /* column names for messages */
    size_t ncols;          /* fields each row must have */
    sg_error *err;
    /* Argus times of day without a date (ra's default "%T.%f"): day counter and last time */
    int64_t tod_day, tod_last;
    size_t dateless;
    /* Argus service names in Sport/Dport ("domain", "ftp"): resolved through /etc/services,
     * cached (ra printed them from the same file) */
    struct {
        char name[32];
        uint8_t proto;
        uint16_t port;
    } svc[64];
    size_t nsvc;
} reader;

static const char *key_default_name(int k)
{
    static const char *const n[NK] = {"start", "end", "ts", "duration", "proto", "src", "src_port",
                                      "dst", "dst_port", "packets", "bytes", "bwd_packets", "bwd_bytes",
                                      "src_packets", "src_bytes", "flags", "state", "tos"};
    return n[k];
}

__attribute__((format(printf, 3, 4))) static int row_fail(reader *r, int key, const char *fmt, ...)
{
    char msg[SG_ERROR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sg_error_set(r->err, SG_ERR_PARSE, "%s:%zu:%d (%s): %s", r->csv.name, r->csv.rec_line, r->idx[key] + 1,
                 r->cname[key], msg);
    return -1;
}

/* printable excerpt of a field for messages */
static const char *excerpt(const sg_csv_field *f, char *buf, size_t bufsz)
{
    size_t n = 0;
    for (size_t i = 0; i < f->len && n + 4 < bufsz; i++) {
        unsigned char ch = (unsigned char)f->s[i];
        buf[n++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
    }
    if (n < f->len && n + 4 <= bufsz) {
        buf[n++] = '.';
        buf[n++] = '.';
        buf[n++] = '.';
    }
    buf[n] = '\0';
    return buf;
}

#define FIELD(r, k) (&(r)->csv.f[(r)->idx[k]])
#define HAS(r, k) ((r)->idx[k] >= 0)
#define EX(fp) excerpt((fp), exbuf, sizeof exbuf)

/* packet/byte counters: plain integers; with allow_suffix also "1.2 M", "3 K", "1G" (CIDDS
 * prints large counters that way); with allow_float also integral floats ("62.0"). */
static int parse_count(const char *s, size_t len, int allow_suffix, int allow_float, uint64_t *out, const char **why)
{
    *why = "not a non-negative integer";
    if (len == 0) {
        *why = "empty";
        return -1;
    }
    if (sg_parse_u64(s, len, out) == 0) return 0;
    if (s[0] == '-') {
        *why = "negative";
        return -1;
    }
    double mult = 1;
    size_t n = len;
    if (allow_suffix) {
        char u = (char)toupper((unsigned char)s[n - 1]);
        if (u == 'K' || u == 'M' || u == 'G' || u == 'T') {
            mult = u == 'K' ? 1e3 : u == 'M' ? 1e6 : u == 'G' ? 1e9 : 1e12;
            n--;
            while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        }
    }
    if (mult == 1 && !allow_float) return -1;
    double v;
    if (sg_parse_double(s, n, &v) != 0 || v < 0) return -1;
    v *= mult;
    if (v >= 1.8e19) {
        *why = "too large";
        return -1;
    }
    if (mult == 1 && v != floor(v)) {
        *why = "not an integer";
        return -1;
    }
    /* llround would overflow above INT64_MAX: round by hand */
    *out = (uint64_t)(v + 0.5);
    return 0;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* port: decimal or Argus hex "0x0303"; icmp_dot also accepts CIDDS' "type.code" for ICMP */
static int get_port(reader *r, int key, int allow_empty, int icmp_dot, uint16_t *out)
{
    const sg_csv_field *f = FIELD(r, key);
    char exbuf[48];
    if (f->len == 0) {
        if (allow_empty) {
            *out = 0;
            return 0;
        }
        return row_fail(r, key, "empty port");
    }
    uint64_t v = 0;
    if (f->len > 2 && f->s[0] == '0' && (f->s[1] == 'x' || f->s[1] == 'X')) {
        for (size_t i = 2; i < f->len; i++) {
            int d = hexval(f->s[i]);
            if (d < 0 || v > 0xffff) return row_fail(r, key, "bad hexadecimal port '%s'", EX(f));
            v = v * 16 + (uint64_t)d;
        }
    } else if (icmp_dot && memchr(f->s, '.', f->len)) {
        const char *dot = memchr(f->s, '.', f->len);
        uint64_t t, c;
        if (sg_parse_u64(f->s, (size_t)(dot - f->s), &t) != 0 ||
            sg_parse_u64(dot + 1, f->len - (size_t)(dot - f->s) - 1, &c) != 0 || t > 255 || c > 255)
            return row_fail(r, key, "bad ICMP type.code '%s'", EX(f));
        v = t * 256 + c;
    } else if (sg_parse_u64(f->s, f->len, &v) != 0) {
        return row_fail(r, key, "port '%s' is not a non-negative integer", EX(f));
    }
    if (v > 65535) return row_fail(r, key, "port %s > 65535", EX(f));
    *out = (uint16_t)v;
    return 0;
}

static int get_count(reader *r, int key, int allow_suffix, int allow_float, uint64_t *out)
{
    const sg_csv_field *f = FIELD(r, key);
    char exbuf[48];
    const char *why;
    if (parse_count(f->s, f->len, allow_suffix, allow_float, out, &why) != 0)
        return row_fail(r, key, "'%s': %s", EX(f), why);
    return 0;
}

static int get_secs(reader *r, int key, int64_t *us)
{
    const sg_csv_field *f = FIELD(r, key);
    char exbuf[48];
    const char *why;
    if (sg_csv_parse_secs(f->s, f->len, us, &why) != 0) {
        if (strcmp(why, "negative") == 0) return row_fail(r, key, "negative duration '%s'", EX(f));
        return row_fail(r, key, "'%s': %s", EX(f), why);
    }
    return 0;
}

static int get_time(reader *r, int key, int64_t *us)
{
    const sg_csv_field *f = FIELD(r, key);
    sg_error e;
    if (sg_time_parse_n(f->s, f->len, us, &e) != SG_OK) return row_fail(r, key, "%s", e.msg);
    return 0;
}

/* "HH:MM:SS[.ffffff]" -> µs after midnight; -1 if not that shape */
static int64_t parse_tod(const char *s, size_t len)
{
    if (len < 8 || s[2] != ':' || s[5] != ':') return -1;
    int v[3];
    for (int i = 0; i < 3; i++) {
        const char *p = s + 3 * i;
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return -1;
        v[i] = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (v[0] > 23 || v[1] > 59 || v[2] > 60) return -1;
    int64_t us = ((int64_t)v[0] * 3600 + v[1] * 60 + v[2]) * 1000000;
    if (len == 8) return us;
    if (s[8] != '.' || len == 9 || len > 15) return -1;
    int64_t frac = 0, scale = 100000;
    for (size_t i = 9; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9') return -1;
        frac += (s[i] - '0') * scale;
    }
    return us + frac;
}

/* Argus StartTime/LastTime: any time sg_time_parse reads, or a time of day alone (ra's default
 * output). A time of day has no date: it is placed on 1970-01-01 (day 0), and a clock going back
 * by more than 12 h means the next day (ra prints records in time order); counted in dateless. */
static int get_argus_time(reader *r, int key, int is_end, int64_t start, int64_t *us)
{
    const sg_csv_field *f = FIELD(r, key);
    int64_t tod = parse_tod(f->s, f->len);
    if (tod < 0) return get_time(r, key, us);
    const int64_t day = 86400LL * 1000000;
    if (is_end) { /* LastTime: the first time of day at or after the start */
        int64_t t = start - start % day + tod;
        if (t < start) t += day;
        *us = t;
        return 0;
    }
    if (r->dateless && tod < r->tod_last - day / 2) r->tod_day++;
    r->tod_last = tod;
    r->dateless++;
    *us = r->tod_day * day + tod;
    return 0;
}

/* Argus port: a number, hex, empty, or a service name from /etc/services ("domain") */
static int get_argus_port(reader *r, int key, uint8_t proto, uint16_t *out)
{
    const sg_csv_field *f = FIELD(r, key);
    if (f->len == 0 || (f->s[0] >= '0' && f->s[0] <= '9')) return get_port(r, key, 1, 0, out);
    char exbuf[48];
    if (f->len >= sizeof r->svc[0].name) return row_fail(r, key, "port '%s' is not a number nor a service name", EX(f));
    for (size_t i = 0; i < r->nsvc; i++)
        if (r->svc[i].proto == proto && strcmp(r->svc[i].name, f->s) == 0) {
            *out = r->svc[i].port;
            return 0;
        }
    struct servent se, *res = NULL;
    char buf[1024];
    const char *pn = proto == SG_PROTO_UDP ? "udp" : "tcp";
    if (getservbyname_r(f->s, pn, &se, buf, sizeof buf, &res) != 0 || !res)
        if (getservbyname_r(f->s, NULL, &se, buf, sizeof buf, &res) != 0 || !res)
            return row_fail(r, key,
                            "port '%s' is not a number nor a service name of /etc/services (run ra with -n for "
                            "numeric ports)",
                            EX(f));
    *out = (uint16_t)ntohs((uint16_t)res->s_port);
    if (r->nsvc < sizeof r->svc / sizeof r->svc[0]) {
        snprintf(r->svc[r->nsvc].name, sizeof r->svc[0].name, "%s", f->s);
        r->svc[r->nsvc].proto = proto;
        r->svc[r->nsvc].port = *out;
        r->nsvc++;
    }
    return 0;
}

/* Addresses are kept as text (IPv4, IPv6 or anonymised names); the characters that would break
 * a CSV row or a later parser are refused. */
static int get_addr(reader *r, int key, char *dst)
{
    const sg_csv_field *f = FIELD(r, key);
    char exbuf[48];
    if (f->len == 0) return row_fail(r, key, "empty address");
    if (f->len > SG_ADDR_MAX - 1)
        return row_fail(r, key, "address '%s' longer than %d characters", EX(f), SG_ADDR_MAX - 1);
    for (size_t i = 0; i < f->len; i++) {
        unsigned char ch = (unsigned char)f->s[i];
        if (ch <= 32 || ch >= 127 || ch == ',' || ch == '"')
            return row_fail(r, key, "address '%s' contains a blank, comma, quote or non-ASCII byte", EX(f));
    }
    memcpy(dst, f->s, f->len);
    dst[f->len] = '\0';
    return 0;
}

/* Argus and friends print non-IP link-layer records in the same file (arp, rarp, llc...). */
static int is_nonip_proto(const char *s, size_t len)
{
    static const char *const names[] = {"arp", "rarp", "llc", "ipx/spx", "ipx", "stp", "lldp", "lacp",
                                        "cdp", "802.1q", "vlan", "mpls", "pppoe", "esp-frag", "aarp",
                                        "ethertype", "lat", "appletalk", "netbios", "isis", "loop", "man"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_eq(s, len, names[i])) return 1;
    return 0;
}

/* returns 0 ok, 1 non-IP (row to be left out), -1 error */
static int get_proto(reader *r, uint8_t *out)
{
    const sg_csv_field *f = FIELD(r, K_PROTO);
    char exbuf[48];
    if (sg_proto_parse(f->s, f->len, out) == 0) return 0;
    if (r->fmt == SG_FMT_ARGUS && is_nonip_proto(f->s, f->len)) return 1;
    /* Argus names UDP flows it recognised as RTP, RTCP or UDT by that protocol */
    if (r->fmt == SG_FMT_ARGUS && (name_eq(f->s, f->len, "rtp") || name_eq(f->s, f->len, "rtcp") ||
                                   name_eq(f->s, f->len, "udt"))) {
        *out = SG_PROTO_UDP;
        return 0;
    }
    return row_fail(r, K_PROTO, "unknown protocol '%s' (expected TCP, UDP, ICMP, a name such as GRE or a number 0-255)",
                    EX(f));
}

static int get_flags(reader *r, int key, uint8_t *out)
{
    const sg_csv_field *f = FIELD(r, key);
    char exbuf[48];
    if (sg_flow_flags_parse(f->s, f->len, out) != 0)
        return row_fail(r, key, "bad TCP flags '%s' (expected UAPRSF letters or '.', e.g. .AP.SF)", EX(f));
    return 0;
}

/* Argus TCP state: flag letters seen from the source, '_', flag letters seen from the
 * destination ("FSPA_FSRPA"). Textual states ("CON", "RST", "FIN" when argus ran without -z)
 * carry no per-flag information: they give 0. */
static uint8_t argus_state_flags(const char *s, size_t len)
{
    uint8_t all = 0;
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case 'F': all |= SG_TCP_FIN; break;
        case 'S': all |= SG_TCP_SYN; break;
        case 'R': all |= SG_TCP_RST; break;
        case 'P': all |= SG_TCP_PSH; break;
        case 'A': all |= SG_TCP_ACK; break;
        case 'U': all |= SG_TCP_URG; break;
        case '_': case 'E': case 'C': case 'W': break;
        default: return 0; /* a word state such as CON/EST/RST */
        }
    }
    return all;
}

static int get_tos(reader *r, uint8_t *out)
{
    *out = 0;
    if (!HAS(r, K_TOS)) return 0;
    const sg_csv_field *f = FIELD(r, K_TOS);
    char exbuf[48];
    if (f->len == 0) return 0;
    uint64_t v;
    if (sg_parse_u64(f->s, f->len, &v) != 0 || v > 255) return row_fail(r, K_TOS, "bad TOS '%s' (0-255)", EX(f));
    *out = (uint8_t)v;
    return 0;
}

/* NetShare addresses: a 32-bit integer (IPv4 in host order) or already a dotted/colon address */
static int get_int_addr(reader *r, int key, char *dst)
{
    const sg_csv_field *f = FIELD(r, key);
    char exbuf[48];
    uint64_t v;
    if (f->len && isdigit((unsigned char)f->s[0]) && !memchr(f->s, '.', f->len) && !memchr(f->s, ':', f->len)) {
        if (sg_parse_u64(f->s, f->len, &v) != 0 || v > 0xffffffffULL)
            return row_fail(r, key, "'%s' is not an IPv4 address as a 32-bit integer", EX(f));
        snprintf(dst, SG_ADDR_MAX, "%u.%u.%u.%u", (unsigned)(v >> 24), (unsigned)(v >> 16 & 255),
                 (unsigned)(v >> 8 & 255), (unsigned)(v & 255));
        return 0;
    }
    return get_addr(r, key, dst);
}

/* Parse the current record into f. Returns 0 ok, 1 non-IP row (left out), -1 error. */
static int parse_row(reader *r, sg_flow *f)
{
    memset(f, 0, sizeof *f);
    if (r->csv.nf != r->ncols) {
        int col = (int)(r->csv.nf < r->ncols ? r->csv.nf + 1 : r->ncols + 1);
        sg_error_set(r->err, SG_ERR_PARSE, "%s:%zu:%d: row has %zu columns, the header has %zu%s", r->csv.name,
                     r->csv.rec_line, col, r->csv.nf, r->ncols,
                     r->csv.nf < r->ncols ? " (missing columns)" : " (extra columns)");
        return -1;
    }
    int rc = get_proto(r, &f->proto);
    if (rc != 0) return rc;
    int tcp = f->proto == SG_PROTO_TCP;
    int icmp = f->proto == SG_PROTO_ICMP || f->proto == SG_PROTO_ICMPV6;
    char exbuf[48];

    switch (r->fmt) {
    case SG_FMT_NATIVE:
    case SG_FMT_CIDDS: {
        int cidds = r->fmt == SG_FMT_CIDDS;
        if (get_time(r, K_START, &f->start_us) || get_secs(r, K_DUR, &f->duration_us) ||
            get_addr(r, K_SRC, f->src_ip) || get_port(r, K_SPORT, 0, 0, &f->src_port) ||
            get_addr(r, K_DST, f->dst_ip) || get_port(r, K_DPORT, 0, icmp, &f->dst_port) ||
            get_count(r, K_PKTS, cidds, 0, &f->fwd_packets) || get_count(r, K_BYTES, cidds, 0, &f->fwd_bytes) ||
            get_flags(r, K_FLAGS, &f->flags) || get_tos(r, &f->tos))
            return -1;
        if (!cidds && (get_count(r, K_BPKTS, 0, 0, &f->bwd_packets) || get_count(r, K_BBYTES, 0, 0, &f->bwd_bytes)))
            return -1;
        break;
    }
    case SG_FMT_ARGUS: {
        uint16_t sport, dport;
        if (get_argus_time(r, K_START, 0, 0, &f->start_us) || get_addr(r, K_SRC, f->src_ip) ||
            get_argus_port(r, K_SPORT, f->proto, &sport) || get_addr(r, K_DST, f->dst_ip) ||
            get_argus_port(r, K_DPORT, f->proto, &dport) || get_count(r, K_PKTS, 0, 0, &f->fwd_packets) ||
            get_count(r, K_BYTES, 0, 0, &f->fwd_bytes) || get_tos(r, &f->tos))
            return -1;
        if (HAS(r, K_DUR)) {
            if (get_secs(r, K_DUR, &f->duration_us)) return -1;
        } else if (HAS(r, K_END)) {
            int64_t end;
            if (get_argus_time(r, K_END, 1, f->start_us, &end)) return -1;
            if (end < f->start_us) return row_fail(r, K_END, "LastTime is before StartTime");
            f->duration_us = end - f->start_us;
        } /* else 0: ra's default fields carry no duration (docs/flow-formats.md) */
        if (icmp) {
            /* Argus puts ICMP type/code in Sport and the ICMP id in Dport; sg_flow follows NetFlow
             * (type*256+code in dst_port, src_port 0) */
            f->src_port = 0;
            f->dst_port = sport;
        } else {
            f->src_port = sport;
            f->dst_port = dport;
        }
        if (HAS(r, K_SRCBYTES)) {
            uint64_t sb;
            if (get_count(r, K_SRCBYTES, 0, 0, &sb)) return -1;
            if (sb > f->fwd_bytes)
                return row_fail(r, K_SRCBYTES, "SrcBytes %" PRIu64 " exceeds TotBytes %" PRIu64, sb, f->fwd_bytes);
            f->bwd_bytes = f->fwd_bytes - sb;
            f->fwd_bytes = sb;
        }
        if (HAS(r, K_SRCPKTS)) {
            uint64_t sp;
            if (get_count(r, K_SRCPKTS, 0, 0, &sp)) return -1;
            if (sp > f->fwd_packets)
                return row_fail(r, K_SRCPKTS, "SrcPkts %" PRIu64 " exceeds TotPkts %" PRIu64, sp, f->fwd_packets);
            f->bwd_packets = f->fwd_packets - sp;
            f->fwd_packets = sp;
        }
        if (tcp && HAS(r, K_STATE)) {
            const sg_csv_field *st = FIELD(r, K_STATE);
            f->flags = argus_state_flags(st->s, st->len);
        }
        break;
    }
    case SG_FMT_UGR16: {
        int64_t end;
        if (get_time(r, K_END, &end) || get_secs(r, K_DUR, &f->duration_us) || get_addr(r, K_SRC, f->src_ip) ||
            get_addr(r, K_DST, f->dst_ip) || get_port(r, K_SPORT, 0, 0, &f->src_port) ||
            get_port(r, K_DPORT, 0, icmp, &f->dst_port) || get_flags(r, K_FLAGS, &f->flags) || get_tos(r, &f->tos) ||
            get_count(r, K_PKTS, 0, 1, &f->fwd_packets) || get_count(r, K_BYTES, 0, 1, &f->fwd_bytes))
            return -1;
        /* te is the END time (1 s resolution) */
        f->start_us = end - f->duration_us;
        break;
    }
    case SG_FMT_NETSHARE: {
        const sg_csv_field *ts = FIELD(r, K_TS);
        int64_t t;
        double d;
        if (sg_parse_i64(ts->s, ts->len, &t) == 0) {
            f->start_us = t;
        } else if (sg_parse_double(ts->s, ts->len, &d) == 0 && fabs(d) < 9.2e18) {
            f->start_us = (int64_t)llround(d);
        } else {
            return row_fail(r, K_TS, "'%s' is not a time in microseconds since the epoch", EX(ts));
        }
        if (f->start_us < 0 || f->start_us > MAX_TIME_US)
            return row_fail(r, K_TS, "'%s' is outside 1970..9999", EX(ts));
        if (get_secs(r, K_DUR, &f->duration_us) || get_int_addr(r, K_SRC, f->src_ip) ||
            get_int_addr(r, K_DST, f->dst_ip) || get_port(r, K_SPORT, 0, 0, &f->src_port) ||
            get_port(r, K_DPORT, 0, icmp, &f->dst_port) || get_count(r, K_PKTS, 0, 1, &f->fwd_packets) ||
            get_count(r, K_BYTES, 0, 1, &f->fwd_bytes))
            return -1;
        break;
    }
    default:
        sg_error_set(r->err, SG_ERR_INVALID, "%s: unsupported flow layout %d", r->csv.name, (int)r->fmt);
        return -1;
    }
    /* TCP flags mean nothing for other protocols (UGR'16 marks its UDP flows ".A....") */
    if (!tcp) f->flags = 0;
    return 0;
}

/* Headerless UGR'16 (the dataset's own nfdump CSV files have no header): first field a time,
 * 12+ fields, 7th field a protocol. */
static int looks_like_ugr16_row(const sg_csv *c)
{
    if (c->nf < 12) return 0;
    int64_t t;
    uint8_t p;
    return sg_time_parse_n(c->f[0].s, c->f[0].len, &t, NULL) == SG_OK && sg_proto_parse(c->f[6].s, c->f[6].len, &p) == 0;
}

static sg_status read_impl(const char *name, const char *data, size_t len, sg_flow_read_opts *opts,
                           sg_flow_table *out, sg_error *err)
{
    sg_flow_read_opts dflt = {0};
    if (!opts) opts = &dflt;
    opts->skipped = opts->nonip_skipped = opts->rows = opts->dateless = 0;
    opts->no_duration = 0;
    opts->label_column = NULL;
    int label_idx = -1;
    sg_flow_table_init(out);
    if (sg_file_kind_check(name, data, len, SG_FILE_FLOW_CSV, err) != SG_OK) return err ? err->status : SG_ERR_PARSE;
    reader r;
    memset(&r, 0, sizeof r);
    r.err = err;
    sg_csv_init(&r.csv, name, data, len);
    sg_status st = SG_OK;
    sg_error first_skip = {SG_OK, ""};
    int rc = sg_csv_next(&r.csv, err);
    if (rc == SG_CSV_EOF) {
        st = sg_error_set(err, SG_ERR_EMPTY, "%s: empty file (no header line); %s", r.csv.name, SUPPORTED);
        goto done;
    }
    if (rc != SG_CSV_RECORD) {
        st = err ? err->status : SG_ERR_PARSE;
        goto done;
    }
    sg_flow_format fmt = opts->format;
    int header = 1;
    if (fmt == SG_FMT_AUTO) {
        fmt = detect_fields(r.csv.f, r.csv.nf);
        if (fmt == SG_FMT_AUTO && looks_like_ugr16_row(&r.csv)) {
            fmt = SG_FMT_UGR16;
            header = 0;
        }
        if (fmt == SG_FMT_AUTO) {
            char hb[120];
            size_t n = 0;
            for (size_t i = 0; i < r.csv.nf && n + 2 < sizeof hb; i++) {
                for (size_t j = 0; j < r.csv.f[i].len && n + 2 < sizeof hb; j++) {
                    unsigned char ch = (unsigned char)r.csv.f[i].s[j];
                    hb[n++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
                }
                if (i + 1 < r.csv.nf && n + 2 < sizeof hb) hb[n++] = ',';
            }
            hb[n] = '\0';
            st = sg_error_set(err, SG_ERR_PARSE, "%s:%zu: unknown flow CSV header '%s'; %s", r.csv.name,
                              r.csv.rec_line, hb, SUPPORTED);
            goto done;
        }
    }
    const colspec *cols = layout_cols(fmt);
    if (!cols) {
        st = sg_error_set(err, SG_ERR_INVALID, "%s: cannot read layout '%s'", r.csv.name, sg_flow_format_name(fmt));
        goto done;
    }
    r.fmt = fmt;
    out->format = fmt;
    const char *missing = NULL;
    if (header && map_header(cols, r.csv.f, r.csv.nf, r.idx, &missing) != 0) {
        if (fmt == SG_FMT_UGR16 && looks_like_ugr16_row(&r.csv)) {
            header = 0;
        } else {
            st = sg_error_set(err, SG_ERR_PARSE, "%s:%zu: header lacks the %s column '%s'; %s", r.csv.name,
                              r.csv.rec_line, sg_flow_format_name(fmt), missing, SUPPORTED);
            goto done;
        }
    }
    for (int k = 0; k < NK; k++) r.cname[k] = key_default_name(k);
    if (header) {
        for (const colspec *c = cols; c->name; c++)
            if (r.idx[c->key] >= 0) r.cname[c->key] = c->name;
        r.ncols = r.csv.nf;
    } else {
        for (int k = 0; k < NK; k++) r.idx[k] = -1;
        for (size_t i = 0; i < sizeof ugr16_positional / sizeof ugr16_positional[0]; i++) {
            if (ugr16_positional[i] < 0) continue;
            r.idx[ugr16_positional[i]] = (int)i;
        }
        for (const colspec *c = cols; c->name; c++) r.cname[c->key] = c->name;
        r.ncols = r.csv.nf;
    }
    if (opts->labels && opts->label_ids) {
        /* ground-truth labels (secgen detect): the first of these names wins */
        static const char *const label_names[] = {"label", "lable", "attackType", "class", "type"};
        for (size_t k = 0; header && label_idx < 0 && k < sizeof label_names / sizeof label_names[0]; k++)
            for (size_t i = 0; i < r.csv.nf && label_idx < 0; i++)
                if (name_eq(r.csv.f[i].s, r.csv.f[i].len, label_names[k])) {
                    label_idx = (int)i;
                    opts->label_column = label_names[k];
                }
        if (!header && r.csv.nf >= 13) {
            label_idx = 12;
            opts->label_column = "lable";
        }
    }
    {
        /* size the table once from the line count: growing a table of 136-byte records by
         * doubling costs more than the parsing itself on large files */
        size_t lines = 1;
        for (const char *p = r.csv.p; p < r.csv.end;) {
            const char *nl = memchr(p, '\n', (size_t)(r.csv.end - p));
            if (!nl) break;
            lines++;
            p = nl + 1;
        }
        if (lines > 1) {
            sg_flow *fl = malloc(lines * sizeof *fl);
            if (fl) {
                out->flows = fl;
                out->cap = lines;
            }
        }
    }
    if (header) rc = sg_csv_next(&r.csv, err);
    for (; rc != SG_CSV_EOF; rc = sg_csv_next(&r.csv, err)) {
        if (rc == SG_CSV_FATAL) {
            st = err ? err->status : SG_ERR_PARSE;
            goto done;
        }
        opts->rows++;
        if (rc == SG_CSV_BAD_ROW) {
            if (opts->skip_bad) {
                if (opts->skipped++ == 0 && err) first_skip = *err;
                continue;
            }
            st = SG_ERR_PARSE;
            goto done;
        }
        /* nfdump's CSV output ends with "Summary" and a statistics block: not flows */
        if (fmt == SG_FMT_UGR16 && r.csv.nf == 1 && name_eq(r.csv.f[0].s, r.csv.f[0].len, "Summary")) {
            opts->rows--;
            break;
        }
        sg_flow f;
        int pr = parse_row(&r, &f);
        if (pr == 1) {
            opts->nonip_skipped++;
            continue;
        }
        if (pr < 0) {
            if (opts->skip_bad && (!err || err->status == SG_ERR_PARSE)) {
                if (opts->skipped++ == 0 && err) first_skip = *err;
                continue;
            }
            st = err ? err->status : SG_ERR_PARSE;
            goto done;
        }
        if (sg_flow_table_push(out, &f) != SG_OK) {
            st = sg_error_set(err, SG_ERR_NOMEM, "%s:%zu: out of memory after %zu flows", r.csv.name,
                              r.csv.rec_line, out->n);
            goto done;
        }
        if (label_idx >= 0) {
            const sg_csv_field *lf = &r.csv.f[label_idx];
            int64_t id = sg_strtab_intern(opts->labels, lf->s, lf->len);
            uint32_t id32 = (uint32_t)id;
            if (id < 0 || sg_vec_push(opts->label_ids, &id32) != SG_OK) {
                st = sg_error_set(err, SG_ERR_NOMEM, "%s:%zu: out of memory (labels)", r.csv.name, r.csv.rec_line);
                goto done;
            }
        }
    }
done:
    opts->dateless = r.dateless;
    opts->no_duration = r.fmt == SG_FMT_ARGUS && r.idx[K_DUR] < 0 && r.idx[K_END] < 0;
    sg_csv_free(&r.csv);
    /* with skip_bad, leave the first skipped row's message for the caller to report */
    if (st == SG_OK && opts->skipped && err) *err = first_skip;
    if (st != SG_OK) {
        sg_flow_format keep = out->format;
        sg_flow_table_free(out);
        out->format = keep;
    }
    return st;
}

sg_status sg_flow_read_mem(const char *name, const char *data, size_t len, sg_flow_read_opts *opts,
                           sg_flow_table *out, sg_error *err)
{
    return read_impl(name ? name : "<memory>", data ? data : "", data ? len : 0, opts, out, err);
}

sg_status sg_flow_read(const char *path, sg_flow_read_opts *opts, sg_flow_table *out, sg_error *err)
{
    sg_flow_table_init(out);
    char *data = NULL;
    size_t len = 0;
    sg_status st = sg_file_read_kind(path, SG_FILE_FLOW_CSV, &data, &len, err);
    if (st != SG_OK) return st;
    st = read_impl(strcmp(path, "-") == 0 ? "<stdin>" : path, data, len, opts, out, err);
    free(data);
    return st;
}

/* ---- writers ---- */

static const char NATIVE_HEADER[] =
    "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags\n";
static const char CIDDS_HEADER[] =
    "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags\n";
/* CTU-13's binetflow columns, plus SrcPkts so that both directions' packets survive */
static const char ARGUS_HEADER[] =
    "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcPkts,SrcBytes\n";

static int addr_ok(const char *a)
{
    size_t n = strnlen(a, SG_ADDR_MAX);
    if (n == 0 || n >= SG_ADDR_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)a[i];
        if (ch <= 32 || ch >= 127 || ch == ',' || ch == '"') return 0;
    }
    return 1;
}

/* Hand-rolled row formatting: writers of millions of flows spend most of their time in
 * printf otherwise. Output is identical to the printf formats documented in the comments. */
static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_fixed(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* "%04d<dsep>%02d<dsep>%02d<sep>%02d:%02d:%02d.<frac digits>"; frac_digits 6 or 3; zulu adds 'Z'
 * (native ISO 8601); dsep is '-' or '/' (Argus) */
static char *put_time(char *p, int64_t us, char dsep, char sep, int frac_digits, int zulu)
{
    sg_time_fields t;
    sg_time_split(us, &t);
    if (t.year < 0 || t.year > 9999) {
        /* outside what the 4-digit form can hold: fall back to the core formatter */
        char ts[64];
        sg_time_format(us, ts, sizeof ts);
        return put_str(p, ts);
    }
    p = put_fixed(p, (unsigned)t.year, 4);
    *p++ = dsep;
    p = put_fixed(p, t.month, 2);
    *p++ = dsep;
    p = put_fixed(p, t.day, 2);
    *p++ = sep;
    p = put_fixed(p, t.hour, 2);
    *p++ = ':';
    p = put_fixed(p, t.minute, 2);
    *p++ = ':';
    p = put_fixed(p, t.second, 2);
    *p++ = '.';
    p = frac_digits == 6 ? put_fixed(p, (unsigned)t.micro, 6) : put_fixed(p, (unsigned)(t.micro / 1000), 3);
    if (zulu) *p++ = 'Z';
    return p;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* seconds with 3 or 6 decimals */
static char *put_secs(char *p, int64_t us, int frac_digits)
{
    p = put_u64(p, (uint64_t)(us / 1000000));
    *p++ = '.';
    unsigned frac = (unsigned)(us % 1000000);
    return frac_digits == 6 ? put_fixed(p, frac, 6) : put_fixed(p, frac / 1000, 3);
}

/* time truncated toward the past to a whole millisecond (CIDDS and UGR'16 print milliseconds) */
static int64_t floor_ms(int64_t us) { return us - ((us % 1000) + 1000) % 1000; }

/* Argus TCP state "FSPA_FSPA": the flags of each side in Argus's letter order; sg_flow keeps only
 * the union, so both sides get it (the responder side only when it sent packets). Other
 * protocols: CON when both sides sent, INT when only the initiator did. */
static char *put_argus_state(char *p, const sg_flow *f)
{
    if (f->proto != SG_PROTO_TCP) return put_str(p, f->bwd_packets ? "CON" : "INT");
    static const struct { uint8_t bit; char c; } order[] = {
        {SG_TCP_FIN, 'F'}, {SG_TCP_SYN, 'S'}, {SG_TCP_RST, 'R'}, {SG_TCP_PSH, 'P'}, {SG_TCP_ACK, 'A'}, {SG_TCP_URG, 'U'}};
    for (int side = 0; side < 2; side++) {
        if (side) *p++ = '_';
        if (side && !f->bwd_packets) continue;
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
            if (f->flags & order[i].bit) *p++ = order[i].c;
    }
    return p;
}

/* ICMP in Argus: Sport = type/code as hex, Dport = the ICMP id (not kept: 0) */
static char *put_port(char *p, uint16_t v, int hex)
{
    if (!hex) return put_u64(p, v);
    static const char hx[] = "0123456789abcdef";
    p = put_str(p, "0x");
    for (int s = 12; s >= 0; s -= 4) *p++ = hx[(v >> s) & 15];
    return p;
}

/* label: NULL, or the cells of the layout's label columns, already joined (checked by the
 * writer); tail: extra columns, each with its leading comma */
static int flow_row(FILE *fp, const sg_flow *f, sg_flow_format fmt, const char *label, const char *tail)
{
    if (!addr_ok(f->src_ip) || !addr_ok(f->dst_ip) || f->duration_us < 0) return -1;
    if (!sg_flow_format_writable(fmt)) return -1;
    char row[1400], pb[8], *p = row;
    const char *proto = sg_proto_name(f->proto, pb, sizeof pb);
    uint64_t pkts = sat_add(f->fwd_packets, f->bwd_packets), bytes = sat_add(f->fwd_bytes, f->bwd_bytes);
    switch (fmt) {
    case SG_FMT_NATIVE:
        p = put_time(p, f->start_us, '-', 'T', 6, 1);
        *p++ = ',';
        p = put_secs(p, f->duration_us, 6);
        break;
    case SG_FMT_CIDDS: /* "2017-04-05 10:31:02.123" (milliseconds), durations with 3 decimals */
        p = put_time(p, floor_ms(f->start_us), '-', ' ', 3, 0);
        *p++ = ',';
        p = put_secs(p, f->duration_us, 3);
        break;
    case SG_FMT_UGR16: /* te = END time, td; then sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt */
        p = put_time(p, floor_ms(f->start_us + f->duration_us), '-', ' ', 3, 0);
        *p++ = ',';
        p = put_secs(p, f->duration_us, 3);
        break;
    default: /* Argus binetflow "2013/10/21 13:22:59.340835", Dur with 6 decimals */
        p = put_time(p, f->start_us, '/', ' ', 6, 0);
        *p++ = ',';
        p = put_secs(p, f->duration_us, 6);
        break;
    }
    *p++ = ',';
    if (fmt == SG_FMT_ARGUS) {
        for (const char *c = proto; *c; c++) *p++ = (char)tolower((unsigned char)*c);
        int icmp = f->proto == SG_PROTO_ICMP;
        *p++ = ',';
        p = put_str(p, f->src_ip);
        *p++ = ',';
        p = put_port(p, icmp ? f->dst_port : f->src_port, icmp);
        p = put_str(p, f->bwd_packets ? ",  <->," : ",   ->,");
        p = put_str(p, f->dst_ip);
        *p++ = ',';
        p = put_port(p, icmp ? 0 : f->dst_port, icmp);
        *p++ = ',';
        p = put_argus_state(p, f);
        *p++ = ',';
        p = put_u64(p, f->tos);
        p = put_str(p, ",0,");
        p = put_u64(p, pkts);
        *p++ = ',';
        p = put_u64(p, bytes);
        *p++ = ',';
        p = put_u64(p, f->fwd_packets);
        *p++ = ',';
        p = put_u64(p, f->fwd_bytes);
    } else if (fmt == SG_FMT_UGR16) {
        p = put_str(p, f->src_ip);
        *p++ = ',';
        p = put_str(p, f->dst_ip);
        *p++ = ',';
        p = put_u64(p, f->src_port);
        *p++ = ',';
        p = put_u64(p, f->dst_port);
        *p++ = ',';
        p = put_str(p, proto);
        *p++ = ',';
        sg_flow_flags_format(f->flags, p);
        p += 6;
        p = put_str(p, ",0,");
        p = put_u64(p, f->tos);
        *p++ = ',';
        p = put_u64(p, pkts);
        *p++ = ',';
        p = put_u64(p, bytes);
    } else {
        p = put_str(p, proto);
        *p++ = ',';
        p = put_str(p, f->src_ip);
        *p++ = ',';
        p = put_u64(p, f->src_port);
        *p++ = ',';
        p = put_str(p, f->dst_ip);
        *p++ = ',';
        p = put_u64(p, f->dst_port);
        *p++ = ',';
        if (fmt == SG_FMT_NATIVE) {
            p = put_u64(p, f->fwd_packets);
            *p++ = ',';
            p = put_u64(p, f->fwd_bytes);
            *p++ = ',';
            p = put_u64(p, f->bwd_packets);
            *p++ = ',';
            p = put_u64(p, f->bwd_bytes);
        } else {
            /* a bidirectional flow becomes one record carrying both directions' totals, Flows = 1
             * (docs/flow-formats.md) */
            p = put_u64(p, pkts);
            *p++ = ',';
            p = put_u64(p, bytes);
            p = put_str(p, ",1");
        }
        *p++ = ',';
        sg_flow_flags_format(f->flags, p);
        p += 6;
    }
    if (label) {
        *p++ = ',';
        p = put_str(p, label);
    }
    if (tail) p = put_str(p, tail);
    *p++ = '\n';
    return fwrite(row, 1, (size_t)(p - row), fp) == (size_t)(p - row) ? 0 : -1;
}

int sg_flow_fprint(FILE *fp, const sg_flow *f, sg_flow_format fmt) { return flow_row(fp, f, fmt, NULL, NULL); }

int sg_flow_format_writable(sg_flow_format f)
{
    return f == SG_FMT_NATIVE || f == SG_FMT_CIDDS || f == SG_FMT_ARGUS || f == SG_FMT_UGR16;
}

#define SG_FLOW_MAX_COLS 4
struct sg_flow_writer {
    sg_outfile *out;
    sg_flow_format fmt;
    uint64_t rows;
    int labels;
    sg_strtab *attack_ids; /* cidds: attack labels in order of first appearance (attackID) */
    sg_flow_column cols[SG_FLOW_MAX_COLS];
    size_t ncols;
};

/* a header name or cell that cannot break the CSV: no comma, quote, control character */
static int cell_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 32 || *s == ',' || *s == '"' || (unsigned char)*s == 127) return 0;
    return 1;
}

sg_status sg_flow_writer_open(sg_flow_writer **w, const char *path, sg_flow_format fmt, sg_error *err)
{
    return sg_flow_writer_open_cols(w, path, fmt, 0, NULL, 0, err);
}

sg_status sg_flow_writer_open_labelled(sg_flow_writer **w, const char *path, sg_flow_format fmt, sg_error *err)
{
    return sg_flow_writer_open_cols(w, path, fmt, 1, NULL, 0, err);
}

static void writer_free(sg_flow_writer *x)
{
    sg_strtab_destroy(x->attack_ids);
    free(x);
}

/* the header line of a layout with its label columns; UGR'16 files have none (NULL) */
static const char *layout_header(sg_flow_format fmt)
{
    switch (fmt) {
    case SG_FMT_NATIVE: return NATIVE_HEADER;
    case SG_FMT_CIDDS: return CIDDS_HEADER;
    case SG_FMT_ARGUS: return ARGUS_HEADER;
    default: return NULL;
    }
}

static const char *label_header(sg_flow_format fmt)
{
    switch (fmt) {
    case SG_FMT_CIDDS: return ",class,attackType,attackID,attackDescription";
    case SG_FMT_ARGUS: return ",Label";
    default: return ",label";
    }
}

sg_status sg_flow_writer_open_cols(sg_flow_writer **w, const char *path, sg_flow_format fmt, int labels,
                                   const sg_flow_column *cols, size_t ncols, sg_error *err)
{
    *w = NULL;
    if (ncols > SG_FLOW_MAX_COLS) return sg_error_set(err, SG_ERR_INVALID, "%s: at most %d extra columns", path ? path : "?", SG_FLOW_MAX_COLS);
    for (size_t i = 0; i < ncols; i++)
        if (!cols[i].name || !cols[i].name[0] || strlen(cols[i].name) > 64 || !cell_ok(cols[i].name) || !cols[i].fn)
            return sg_error_set(err, SG_ERR_INVALID, "%s: extra column %zu has no usable name or function", path ? path : "?", i + 1);
    if (fmt == SG_FMT_AUTO) fmt = SG_FMT_NATIVE;
    if (!sg_flow_format_writable(fmt))
        return sg_error_set(err, SG_ERR_UNSUPPORTED, "%s: cannot write the %s layout (native, cidds, argus or ugr16)",
                            path ? path : "?", sg_flow_format_name(fmt));
    sg_flow_writer *x = calloc(1, sizeof *x);
    if (!x || (labels && fmt == SG_FMT_CIDDS && !(x->attack_ids = sg_strtab_create()))) {
        if (x) writer_free(x);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    sg_status st = sg_outfile_open(&x->out, path, err);
    if (st != SG_OK) {
        writer_free(x);
        return st;
    }
    x->fmt = fmt;
    x->labels = labels;
    x->ncols = ncols;
    if (ncols) memcpy(x->cols, cols, ncols * sizeof *cols);
    const char *h = layout_header(fmt);
    int bad = 0;
    if (h) {
        FILE *fp = sg_outfile_fp(x->out);
        size_t hl = strlen(h) - 1; /* without its newline */
        bad = fwrite(h, 1, hl, fp) != hl || fputs(labels ? label_header(fmt) : "", fp) == EOF;
        for (size_t i = 0; i < ncols && !bad; i++) bad = fprintf(fp, ",%s", cols[i].name) < 0;
        bad = bad || fputc('\n', fp) == EOF;
    }
    if (bad) {
        sg_outfile_abort(x->out);
        writer_free(x);
        return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    *w = x;
    return SG_OK;
}

sg_status sg_flow_writer_write(sg_flow_writer *w, const sg_flow *f, sg_error *err)
{
    return sg_flow_writer_write_labelled(w, f, NULL, err);
}

/* the label cells of w's layout for label text l (checked: no comma, quote, newline) */
static int label_cells(sg_flow_writer *w, const char *l, char *buf, size_t cap)
{
    if (w->fmt != SG_FMT_CIDDS) return snprintf(buf, cap, "%s", l) < (int)cap ? 0 : -1;
    if (sg_flow_label_class(l, NULL, 0) != 1) return snprintf(buf, cap, "normal,---,---,---") < (int)cap ? 0 : -1;
    int64_t id = sg_strtab_intern(w->attack_ids, l, strlen(l));
    if (id < 0) return -1;
    return snprintf(buf, cap, "attacker,%s,%" PRId64 ",%s", l, id + 1, l) < (int)cap ? 0 : -1;
}

sg_status sg_flow_writer_write_labelled(sg_flow_writer *w, const sg_flow *f, const char *label, sg_error *err)
{
    if (w->labels && !label) label = "benign";
    if (!w->labels && label)
        return sg_error_set(err, SG_ERR_INVALID, "%s: flow %" PRIu64 ": a label for a file opened without a label column",
                            sg_outfile_path(w->out), w->rows + 1);
    if (label && (!*label || strlen(label) > 63 || strpbrk(label, ",\"\r\n")))
        return sg_error_set(err, SG_ERR_INVALID, "%s: flow %" PRIu64 ": label '%.70s' empty, longer than 63 bytes or with a comma/quote/newline",
                            sg_outfile_path(w->out), w->rows + 1, label);
    if (!addr_ok(f->src_ip) || !addr_ok(f->dst_ip))
        return sg_error_set(err, SG_ERR_INVALID,
                            "%s: flow %" PRIu64 ": address empty, too long or with a blank/comma/quote",
                            sg_outfile_path(w->out), w->rows + 1);
    if (f->duration_us < 0)
        return sg_error_set(err, SG_ERR_INVALID, "%s: flow %" PRIu64 ": negative duration", sg_outfile_path(w->out),
                            w->rows + 1);
    char cells[160];
    if (label && label_cells(w, label, cells, sizeof cells) != 0)
        return sg_error_set(err, SG_ERR_NOMEM, "%s: flow %" PRIu64 ": out of memory (labels)", sg_outfile_path(w->out), w->rows + 1);
    char tail[SG_FLOW_MAX_COLS * 130], *t = tail;
    tail[0] = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        *t++ = ',';
        *t = 0;
        if (w->cols[i].fn(w->cols[i].ctx, f, t, 128) != 0 || !cell_ok(t))
            return sg_error_set(err, SG_ERR_INVALID, "%s: flow %" PRIu64 ": no valid value for column %s", sg_outfile_path(w->out),
                                w->rows + 1, w->cols[i].name);
        t += strlen(t);
    }
    if (flow_row(sg_outfile_fp(w->out), f, w->fmt, label ? cells : NULL, w->ncols ? tail : NULL) != 0)
        return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", sg_outfile_path(w->out), strerror(errno));
    w->rows++;
    return SG_OK;
}

sg_status sg_flow_writer_close(sg_flow_writer *w, sg_error *err)
{
    if (!w) return SG_OK;
    sg_status st = sg_outfile_commit(w->out, err);
    writer_free(w);
    return st;
}

void sg_flow_writer_abort(sg_flow_writer *w)
{
    if (!w) return;
    sg_outfile_abort(w->out);
    writer_free(w);
}

sg_status sg_flow_write(const char *path, const sg_flow_table *t, sg_flow_format fmt, sg_error *err)
{
    sg_flow_writer *w;
    sg_status st = sg_flow_writer_open(&w, path, fmt, err);
    if (st != SG_OK) return st;
    for (size_t i = 0; i < t->n; i++) {
        st = sg_flow_writer_write(w, &t->flows[i], err);
        if (st != SG_OK) {
            sg_flow_writer_abort(w);
            return st;
        }
    }
    return sg_flow_writer_close(w, err);
}
