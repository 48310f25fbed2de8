/* Zeek dns.log, http.log and ssl.log records of one connection, from the application messages the
 * packets module's templates put into its frames (sg_packets_app_walk: the same choices, without
 * building frames). Field names and order are those of DNS::Info, HTTP::Info and SSL::Info
 * (zeek scripts/base/protocols/{dns,http,ssl}/main.zeek), unset optional fields omitted as
 * LogAscii::use_json writes them; every record carries the connection's uid and, appended, its
 * community_id (as conn.log). Streaming: a connection's records are written while its messages are
 * walked; state is a few pending DNS queries and the first HTTP request. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logs/zeek_internal.h"

static void put_ts(FILE *fp, const char *key, int64_t ns)
{
    int64_t us = ns / 1000;
    int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    fprintf(fp, "\"%s\":%" PRId64 ".%06" PRId64, key, s, us - s * 1000000);
}

/* a JSON string (the templates' values are printable ASCII; escape anyway) */
static void put_str(FILE *fp, const char *key, const char *v)
{
    fprintf(fp, ",\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') fputc('\\', fp), fputc(*p, fp);
        else if (*p < 0x20 || *p >= 0x7f) fprintf(fp, "\\u%04x", *p);
        else fputc(*p, fp);
    }
    fputc('"', fp);
}

static void put_id(FILE *fp, const zeek_app_conn *c, int64_t ts_ns)
{
    fputc('{', fp);
    put_ts(fp, "ts", ts_ns);
    fprintf(fp, ",\"uid\":\"%s\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,\"id.resp_h\":\"%s\",\"id.resp_p\":%u", c->uid, c->f->src_ip,
            (unsigned)c->f->src_port, c->f->dst_ip, (unsigned)c->f->dst_port);
}

static void end_rec(FILE *fp, const zeek_app_conn *c)
{
    if (c->cid[0]) fprintf(fp, ",\"community_id\":\"%s\"", c->cid);
    fputs("}\n", fp);
}

/* ---- DNS ------------------------------------------------------------------------------------------ */
#define DNS_PENDING 16
typedef struct pending_q {
    uint16_t id;
    int64_t t;
    char name[256];
} pending_q;

typedef struct walk {
    zeek_app_conn *c;
    pending_q q[DNS_PENDING];
    size_t nq;
    /* HTTP: the first request waits for its reply */
    int have_req1, depth;
    sg_app_event req1;
    int64_t req1_t;
    /* TLS */
    int ch, sh;
    char sni[256];
} walk;

static void dns_record(walk *w, const pending_q *q, const sg_app_event *r, int64_t rt)
{
    zeek_app_conn *c = w->c;
    FILE *fp = c->dns;
    put_id(fp, c, q ? q->t : rt);
    fprintf(fp, ",\"proto\":\"%s\"", c->conn->proto == SG_PROTO_TCP ? "tcp" : "udp");
    fprintf(fp, ",\"trans_id\":%u", q ? q->id : r->dns_id);
    if (q && r && rt > q->t) {
        int64_t d = (rt - q->t) / 1000;
        fprintf(fp, ",\"rtt\":%" PRId64 ".%06" PRId64, d / 1000000, d % 1000000);
    }
    put_str(fp, "query", q ? q->name : r->name);
    fprintf(fp, ",\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":1,\"qtype_name\":\"A\"");
    if (r) fprintf(fp, ",\"rcode\":0,\"rcode_name\":\"NOERROR\"");
    fprintf(fp, ",\"AA\":false,\"TC\":false,\"RD\":true,\"RA\":%s,\"Z\":0", r ? "true" : "false");
    if (r && r->n_answers) {
        size_t na = r->n_answers < SG_APP_MAX_ANSWERS ? r->n_answers : SG_APP_MAX_ANSWERS;
        fputs(",\"answers\":[", fp);
        for (size_t i = 0; i < na; i++)
            fprintf(fp, "%s\"%u.%u.%u.%u\"", i ? "," : "", r->answers[i][0], r->answers[i][1], r->answers[i][2], r->answers[i][3]);
        fputs("],\"TTLs\":[", fp);
        for (size_t i = 0; i < na; i++) fprintf(fp, "%s%u.0", i ? "," : "", r->ttls[i]);
        fputc(']', fp);
    }
    fputs(",\"rejected\":false", fp);
    end_rec(fp, c);
}

static void dns_event(walk *w, const sg_app_event *e)
{
    int64_t t = w->c->pkts[e->pkt].t_ns;
    if (e->type == SG_APP_DNS_QUERY) {
        if (w->nq == DNS_PENDING) { /* Zeek too gives up on a query after a while: logged unanswered */
            dns_record(w, &w->q[0], NULL, 0);
            memmove(w->q, w->q + 1, (DNS_PENDING - 1) * sizeof *w->q);
            w->nq--;
        }
        pending_q *q = &w->q[w->nq++];
        q->id = e->dns_id;
        q->t = t;
        snprintf(q->name, sizeof q->name, "%s", e->name);
        return;
    }
    for (size_t i = 0; i < w->nq; i++) /* Zeek pairs a reply with the query of its transaction id */
        if (w->q[i].id == e->dns_id && !strcmp(w->q[i].name, e->name)) {
            pending_q q = w->q[i];
            memmove(w->q + i, w->q + i + 1, (w->nq - i - 1) * sizeof *w->q);
            w->nq--;
            dns_record(w, &q, e, t);
            return;
        }
    dns_record(w, NULL, e, t);
}

/* ---- HTTP ----------------------------------------------------------------------------------------- */
static void http_record(walk *w, const sg_app_event *req, int64_t req_t, const sg_app_event *rep, int64_t rep_t)
{
    zeek_app_conn *c = w->c;
    FILE *fp = c->http;
    put_id(fp, c, req ? req_t : rep_t);
    fprintf(fp, ",\"trans_depth\":%d", ++w->depth);
    if (req) {
        put_str(fp, "method", req->method);
        if (req->name[0]) put_str(fp, "host", req->name);
        put_str(fp, "uri", req->uri);
    }
    fputs(",\"version\":\"1.1\"", fp);
    if (req && req->user_agent[0]) put_str(fp, "user_agent", req->user_agent);
    /* body bytes: each message's Content-Length (a GET has none) */
    uint64_t reqb = req ? req->body : 0;
    uint64_t repb = rep ? rep->body : 0;
    fprintf(fp, ",\"request_body_len\":%" PRIu64 ",\"response_body_len\":%" PRIu64, reqb, repb);
    if (rep) {
        fprintf(fp, ",\"status_code\":%u", rep->status);
        put_str(fp, "status_msg", rep->status_msg);
    }
    fputs(",\"tags\":[]", fp);
    end_rec(fp, c);
}

static void http_event(walk *w, const sg_app_event *e)
{
    int64_t t = w->c->pkts[e->pkt].t_ns;
    if (e->type == SG_APP_HTTP_REQUEST) {
        /* requests and replies alternate (one message per run of a side's payloads): a request
         * waits for the next reply; one followed by another request was not answered */
        if (w->have_req1) http_record(w, &w->req1, w->req1_t, NULL, 0);
        w->req1 = *e;
        w->req1_t = t;
        w->have_req1 = 1;
        return;
    }
    if (w->have_req1) { http_record(w, &w->req1, w->req1_t, e, t); w->have_req1 = 0; }
    else http_record(w, NULL, 0, e, t);
}

static void on_event(void *ctx, const sg_app_event *e)
{
    walk *w = ctx;
    switch (e->type) {
    case SG_APP_DNS_QUERY:
    case SG_APP_DNS_REPLY: dns_event(w, e); break;
    case SG_APP_HTTP_REQUEST:
    case SG_APP_HTTP_REPLY: http_event(w, e); break;
    case SG_APP_TLS_CLIENT_HELLO: w->ch = 1; snprintf(w->sni, sizeof w->sni, "%s", e->name); break;
    case SG_APP_TLS_SERVER_HELLO: w->sh = 1; break;
    }
}

sg_status zeek_app_records(zeek_app_conn *c, sg_error *err)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.c = c;
    sg_packets_app_walk(c->conn, c->pkts, c->n, on_event, &w);
    for (size_t i = 0; i < w.nq; i++) dns_record(&w, &w.q[i], NULL, 0);
    if (w.have_req1) http_record(&w, &w.req1, w.req1_t, NULL, 0);
    if (w.ch || w.sh) {
        /* TLS 1.3 as the templates write it: ClientHello (C); ServerHello, ChangeCipherSpec and the
         * first encrypted record in one flight (s, i, d); established once both sides sent
         * encrypted records after the hellos */
        int cdata = 0;
        uint32_t cn = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->pkts[i].dir == SG_DIR_FWD && c->pkts[i].payload_len && ++cn > 1) cdata = 1;
        FILE *fp = c->ssl;
        put_id(fp, c, c->pkts[0].t_ns);
        if (w.sh) fputs(",\"version\":\"TLSv13\",\"cipher\":\"TLS_AES_128_GCM_SHA256\",\"curve\":\"x25519\"", fp);
        if (w.ch) put_str(fp, "server_name", w.sni);
        fprintf(fp, ",\"resumed\":false,\"established\":%s", w.sh && cdata ? "true" : "false");
        char h[8];
        size_t k = 0;
        if (w.ch) h[k++] = 'C';
        if (w.sh) h[k++] = 's', h[k++] = 'i', h[k++] = 'd';
        if (w.sh && cdata) h[k++] = 'D';
        h[k] = 0;
        fprintf(fp, ",\"ssl_history\":\"%s\"", h);
        end_rec(fp, c);
    }
    if (ferror(c->dns) || ferror(c->http) || ferror(c->ssl)) return sg_error_set(err, SG_ERR_IO, "logs: write failed: %s", strerror(errno));
    return SG_OK;
}
