/* Internals shared by the Zeek log writers (zeek.c: conn.log and the folder; zeek_app.c: dns.log,
 * http.log, ssl.log). Not a public API. */
#ifndef SECGEN_LOGS_ZEEK_INTERNAL_H
#define SECGEN_LOGS_ZEEK_INTERNAL_H

#include <stdio.h>

#include "secgen/logs.h"

/* one connection as the application logs see it, and the files and counters they write to */
typedef struct zeek_app_conn {
    const sg_flow *f;          /* the flows-out row (final ports, addresses as text) */
    const sg_pkt_conn *conn;
    const sg_pkt *pkts;
    size_t n;
    const char *uid, *cid;
    FILE *dns, *http, *ssl;
} zeek_app_conn;

/* writes the connection's dns.log / http.log / ssl.log records (none for other services) */
sg_status zeek_app_records(zeek_app_conn *c, sg_error *err);

#endif
