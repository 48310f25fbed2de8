/* Zeek sensor logs (conn.log here; dns.log, http.log, ssl.log in zeek_app.c) as JSON lines, derived from each connection's packets exactly as the
 * packet pipeline wrote them to the pcap. conn_state and history follow Zeek's TCP analyzer
 * (src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc: endpoint states INACTIVE, SYN_SENT,
 * SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET; update_history's letters) and the conn_state()
 * function of scripts/base/protocols/conn/main.zeek; field names and order are Conn::Info's, with
 * community_id appended as policy/protocols/conn/community-id-logging.zeek does. */
#include "secgen/logs.h"
#include "logs/zeek_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET };

typedef struct endpoint {
    int state, prev;
    unsigned seen; /* history letters recorded once per direction: bit per letter */
} endpoint;

static void set_state(endpoint *e, int s)
{
    e->prev = e->state;
    e->state = s;
}

/* history letter once per direction (Zeek records 'a','d' once; 's','h','f','r' again only for a
 * new sequence number, which a normalised exchange never has) */
static void hist(endpoint *e, char *h, size_t *hn, char up, int is_orig)
{
    unsigned bit = 1u << (up - 'A');
    if (e->seen & bit || *hn + 1 >= 32) return;
    e->seen |= bit;
    h[(*hn)++] = is_orig ? up : (char)(up - 'A' + 'a');
    h[*hn] = 0;
}

static void tcp_packet(endpoint *ep, endpoint *peer, endpoint *orig, int is_orig, uint8_t fl, uint32_t len, char *h,
                       size_t *hn)
{
    int syn = !!(fl & SG_TCP_SYN), fin = !!(fl & SG_TCP_FIN), rst = !!(fl & SG_TCP_RST), ack = !!(fl & SG_TCP_ACK);
    int bits = syn + fin + rst;
    if (bits > 1) hist(ep, h, hn, fin && rst ? 'I' : 'Q', is_orig);
    else if (bits == 1) {
        if (syn) hist(ep, h, hn, ack ? 'H' : 'S', is_orig);
        if (fin) hist(ep, h, hn, 'F', is_orig);
        if (rst) hist(ep, h, hn, 'R', is_orig);
    } else if (len) hist(ep, h, hn, 'D', is_orig);
    else if (ack) hist(ep, h, hn, 'A', is_orig);

    switch (ep->state) {
    case INACTIVE:
        if (syn) {
            if (is_orig) set_state(ep, ack ? SYN_ACK_SENT : SYN_SENT);
            else {
                if (peer->state == SYN_SENT) set_state(peer, ESTABLISHED);
                set_state(ep, ESTABLISHED);
            }
        }
        if (fin) set_state(ep, CLOSED);
        if (rst) set_state(ep, RESET);
        if (ep->state == INACTIVE) {
            if (!is_orig && len == 0 && orig->state == SYN_SENT) break;
            set_state(ep, ack && peer->state == ESTABLISHED ? ESTABLISHED : PARTIAL);
        }
        break;
    case SYN_SENT:
    case SYN_ACK_SENT:
        if (fin) set_state(ep, CLOSED);
        if (rst) set_state(ep, RESET);
        break;
    case ESTABLISHED:
    case PARTIAL:
        if (fin && !rst) {
            set_state(ep, CLOSED);
            if (peer->state == RESET && peer->prev == CLOSED) set_state(peer, CLOSED);
        }
        if (rst) set_state(ep, RESET);
        break;
    case CLOSED:
        if (rst && peer->state != CLOSED) set_state(ep, RESET);
        break;
    default:
        break;
    }
}

/* /\^?S[^HAFGIQ]*R.* / of conn_state() */
static int rstos0_history(const char *h)
{
    if (*h == '^') h++;
    if (*h++ != 'S') return 0;
    for (; *h; h++) {
        if (*h == 'R') return 1;
        if (strchr("HAFGIQ", *h)) return 0;
    }
    return 0;
}

void sg_zeek_conn_summarize(uint8_t proto, const sg_pkt *pkts, size_t n, sg_zeek_conn *out)
{
    memset(out, 0, sizeof *out);
    endpoint o = {INACTIVE, INACTIVE, 0}, r = {INACTIVE, INACTIVE, 0};
    size_t hn = 0;
    for (size_t i = 0; i < n; i++) {
        int is_orig = pkts[i].dir == SG_DIR_FWD;
        /* a TCP noise copy (RETX) repeats bytes already counted: Zeek counts bytes by sequence
         * number, and marks the retransmission with T/t in the history */
        int retx = proto == SG_PROTO_TCP && (pkts[i].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_RETX && pkts[i].payload_len;
        uint32_t bytes = retx ? 0 : pkts[i].payload_len;
        if (is_orig) out->orig_pkts++, out->orig_bytes += bytes;
        else out->resp_pkts++, out->resp_bytes += bytes;
        if (retx) hist(is_orig ? &o : &r, out->history, &hn, 'T', is_orig);
        if (proto == SG_PROTO_TCP)
            tcp_packet(is_orig ? &o : &r, is_orig ? &r : &o, &o, is_orig, (uint8_t)(pkts[i].tcp_flags & ~SG_PKT_NOISE_MASK),
                       pkts[i].payload_len, out->history, &hn);
        else if (proto == SG_PROTO_UDP && pkts[i].payload_len) /* UDP history: D/d per side */
            hist(is_orig ? &o : &r, out->history, &hn, 'D', is_orig);
    }
    const char *cs = "OTH";
    if (proto == SG_PROTO_TCP) {
        int o_in = o.state == INACTIVE || o.state == PARTIAL, r_in = r.state == INACTIVE || r.state == PARTIAL;
        if (r.state == RESET) {
            if (o.state == SYN_SENT || o.state == SYN_ACK_SENT || (o.state == RESET && out->orig_bytes == 0 && out->resp_bytes == 0))
                cs = "REJ";
            else cs = o_in ? "RSTRH" : "RSTR";
        } else if (o.state == RESET) {
            cs = r_in ? (rstos0_history(out->history) ? "RSTOS0" : "OTH") : "RSTO";
        } else if (r.state == CLOSED && o.state == CLOSED) cs = "SF";
        else if (o.state == CLOSED) cs = r_in ? "SH" : "S2";
        else if (r.state == CLOSED) cs = o_in ? "SHR" : "S3";
        else if (o.state == SYN_SENT && r.state == INACTIVE) cs = "S0";
        else if (o.state == ESTABLISHED && r.state == ESTABLISHED) cs = "S1";
    } else if (proto == SG_PROTO_UDP) {
        int oa = out->orig_pkts > 0, ra = out->resp_pkts > 0;
        cs = oa ? (ra ? "SF" : "S0") : (ra ? "SHR" : "OTH");
    }
    snprintf(out->conn_state, sizeof out->conn_state, "%s", cs);
}

/* ---- the log folder ------------------------------------------------------------------------------ */
/* the files of the folder, in this order */
static const char *const log_names[] = {"conn.log", "dns.log", "http.log", "ssl.log"};
enum { LOG_CONN, LOG_DNS, LOG_HTTP, LOG_SSL, NLOGS };

struct sg_zeek_logs {
    sg_outfile *f[NLOGS];
    uint64_t seed, records;
};

sg_status sg_zeek_logs_create(const char *dir, uint64_t seed, sg_zeek_logs **out, sg_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return sg_error_set(err, SG_ERR_IO, "%s: exists and is not a directory (--logs needs a folder)", dir);
    } else if (mkdir(dir, 0777) != 0) {
        return sg_error_set(err, SG_ERR_IO, "%s: cannot create the log folder: %s", dir, strerror(errno));
    }
    sg_zeek_logs *z = calloc(1, sizeof *z);
    size_t dl = strlen(dir);
    char *path = malloc(dl + 16);
    if (!z || !path) {
        free(z);
        free(path);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    sg_status s = SG_OK;
    for (int k = 0; k < NLOGS && s == SG_OK; k++) {
        snprintf(path, dl + 16, "%s/%s", dir, log_names[k]);
        s = sg_outfile_open(&z->f[k], path, err);
    }
    free(path);
    if (s != SG_OK) {
        sg_zeek_logs_destroy(z);
        return s;
    }
    z->seed = seed;
    *out = z;
    return SG_OK;
}

/* Zeek's uids: "C" + base62 of random bits; here keyed by (seed, connection index) */
static void make_uid(uint64_t seed, uint64_t index, char out[20])
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t a = sg_hash_u64(seed ^ sg_hash_u64(index ^ 0x7a65656b756964ULL)), b = sg_hash_u64(a + index);
    out[0] = 'C';
    for (int i = 1; i <= 17; i++) {
        uint64_t *w = i <= 10 ? &a : &b;
        out[i] = b62[*w % 62];
        *w /= 62;
    }
    out[18] = 0;
}

static const char *service_of(uint8_t proto, uint16_t port)
{
    /* the services the packets module writes real protocol templates for (src/packets/templates.c),
     * which Zeek's dynamic protocol detection would confirm; others stay unset as in Zeek */
    if (proto == SG_PROTO_TCP) {
        if (port == 80 || port == 8080 || port == 8000 || port == 8081 || port == 8082 || port == 8088) return "http";
        if (port == 443 || port == 993 || port == 995 || port == 465 || port == 8443 || port == 853 || port == 636) return "ssl";
        if (port == 22) return "ssh";
        if (port == 25 || port == 587) return "smtp";
        if (port == 53) return "dns";
    } else if (proto == SG_PROTO_UDP) {
        if (port == 53 || port == 5353 || port == 137) return "dns";
        if (port == 67 || port == 68) return "dhcp";
    }
    return NULL;
}

static void put_ts(FILE *fp, const char *key, int64_t us)
{
    int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    fprintf(fp, "\"%s\":%" PRId64 ".%06" PRId64, key, s, us - s * 1000000);
}

sg_status sg_zeek_logs_observe(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n,
                               uint64_t index, sg_error *err)
{
    sg_zeek_logs *z = ctx;
    if (!n) return SG_OK;
    sg_zeek_conn c;
    sg_zeek_conn_summarize(conn->proto, pkts, n, &c);
    char uid[20], cid[SG_COMMUNITY_ID_LEN];
    make_uid(z->seed, index, uid);
    sg_community_id_flow(0, f, cid);
    int icmp = conn->proto == SG_PROTO_ICMP || conn->proto == SG_PROTO_ICMPV6;
    /* Zeek's ICMP "ports": type and code */
    unsigned op = icmp ? (unsigned)(f->dst_port >> 8) : f->src_port, rp = icmp ? (unsigned)(f->dst_port & 255) : f->dst_port;
    const char *proto = conn->proto == SG_PROTO_TCP ? "tcp" : conn->proto == SG_PROTO_UDP ? "udp" : icmp ? "icmp" : "unknown_transport";
    int64_t first = pkts[0].t_ns, last = pkts[0].t_ns;
    for (size_t i = 1; i < n; i++) {
        if (pkts[i].t_ns < first) first = pkts[i].t_ns;
        if (pkts[i].t_ns > last) last = pkts[i].t_ns;
    }
    int64_t dur_us = last / 1000 - first / 1000;
    FILE *fp = sg_outfile_fp(z->f[LOG_CONN]);
    fputc('{', fp);
    put_ts(fp, "ts", first / 1000);
    fprintf(fp, ",\"uid\":\"%s\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,\"id.resp_h\":\"%s\",\"id.resp_p\":%u,\"proto\":\"%s\"", uid,
            f->src_ip, op, f->dst_ip, rp, proto);
    const char *svc = c.orig_bytes ? service_of(conn->proto, f->dst_port) : NULL;
    if (svc) fprintf(fp, ",\"service\":\"%s\"", svc);
    if (dur_us > 0) { /* Zeek sets duration and the byte counts only for a positive duration */
        fprintf(fp, ",\"duration\":%" PRId64 ".%06" PRId64, dur_us / 1000000, dur_us % 1000000);
        fprintf(fp, ",\"orig_bytes\":%" PRIu64 ",\"resp_bytes\":%" PRIu64, c.orig_bytes, c.resp_bytes);
    }
    fprintf(fp, ",\"conn_state\":\"%s\",\"missed_bytes\":0", c.conn_state);
    if (c.history[0]) fprintf(fp, ",\"history\":\"%s\"", c.history);
    fprintf(fp, ",\"orig_pkts\":%" PRIu64 ",\"orig_ip_bytes\":%" PRIu64 ",\"resp_pkts\":%" PRIu64 ",\"resp_ip_bytes\":%" PRIu64
            ",\"ip_proto\":%u",
            f->fwd_packets, f->fwd_bytes, f->bwd_packets, f->bwd_bytes, (unsigned)conn->proto);
    if (cid[0]) fprintf(fp, ",\"community_id\":\"%s\"", cid);
    if (fputs("}\n", fp) == EOF)
        return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", sg_outfile_path(z->f[LOG_CONN]), strerror(errno));
    z->records++;
    zeek_app_conn a = {.f = f, .conn = conn, .pkts = pkts, .n = n, .uid = uid, .cid = cid,
                       .dns = sg_outfile_fp(z->f[LOG_DNS]), .http = sg_outfile_fp(z->f[LOG_HTTP]), .ssl = sg_outfile_fp(z->f[LOG_SSL])};
    return zeek_app_records(&a, err);
}


uint64_t sg_zeek_logs_records(const sg_zeek_logs *z) { return z ? z->records : 0; }

sg_status sg_zeek_logs_close(sg_zeek_logs *z, sg_error *err)
{
    if (!z) return SG_OK;
    sg_status s = SG_OK;
    for (int k = 0; k < NLOGS; k++) {
        if (s == SG_OK) s = sg_outfile_commit(z->f[k], err);
        else sg_outfile_abort(z->f[k]);
    }
    free(z);
    return s;
}

void sg_zeek_logs_destroy(sg_zeek_logs *z)
{
    if (!z) return;
    for (int k = 0; k < NLOGS; k++) sg_outfile_abort(z->f[k]);
    free(z);
}
