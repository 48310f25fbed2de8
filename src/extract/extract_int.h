/* Internal to the extract module: the extractor's state, shared by the flow assembly
 * (assemble.c), the libpcap driver (capture.c) and the statistics printer (stats.c). */
#ifndef SECGEN_EXTRACT_INT_H
#define SECGEN_EXTRACT_INT_H

#include "extract/dissect.h"
#include "secgen/extract.h"

/* Canonical flow key: the (address, port) endpoint that sorts first goes in a/pa, so both
 * directions of a conversation give the same key. 48 bytes, padding zeroed: hashed as 6 words. */
typedef struct sg_fkey {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint32_t vlan;
    uint8_t proto, ipver, pad[6];
} sg_fkey;

/* Flow table slot: open addressing, linear probing; the key lives in the flow record. */
typedef struct sg_ftslot {
    uint64_t hash; /* 0 = empty */
    uint64_t flow;
} sg_ftslot;

/* One flow being assembled or finished. src = initiator. */
typedef struct sg_xflow {
    sg_fkey key;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t vlan;
    uint8_t ipver, proto, flags;
    uint8_t closed; /* bit 0: FIN from initiator, bit 1: FIN from responder, bit 2: RST */
    int64_t first_us, last_us;
    uint64_t fwd_packets, fwd_bytes, bwd_packets, bwd_bytes;
    /* packet sequence: singly linked list through x->seq (indices), UINT64_MAX = none */
    uint64_t seq_head, seq_tail;
    uint32_t seq_n;
} sg_xflow;

/* One packet of a sequence. */
typedef struct sg_xseq {
    int64_t ts_us;
    uint64_t next;
    uint32_t payload;
    uint8_t dir;   /* 0 = initiator -> responder */
    uint8_t flags; /* TCP flags */
} sg_xseq;

/* First fragment of a datagram still waiting for its later fragments. */
typedef struct sg_xfrag {
    uint64_t flow;
    uint64_t elem; /* sequence element of the first fragment, UINT64_MAX if none */
} sg_xfrag;

struct sg_extractor {
    sg_extract_opts o;
    sg_extract_stats st;
    sg_ftslot *tab;    /* flow key -> index in flows of the flow currently open for that key */
    size_t tab_cap, tab_n;
    sg_hashmap *fragmap; /* fragment key -> index in frags */
    sg_vec flows;      /* sg_xflow */
    sg_vec seq;        /* sg_xseq */
    sg_vec frags;      /* sg_xfrag */
    sg_vec names;      /* char * capture names */
    uint64_t *order;   /* after finish: flow indices in output order */
    int finished;
    int64_t last_ts;
    int have_last_ts;
    uint32_t cur_capture;
    uint64_t cur_packet;
    /* progress over all captures' bytes */
    sg_progress *prog;
    uint64_t prog_base;
};

/* assemble.c: account one frame (already counted in st.packets / link stats). */
sg_status sg_extract_ingest(sg_extractor *x, int dlt, int64_t ts_us, const uint8_t *data,
                            uint32_t caplen, uint32_t wirelen, sg_error *err);
void sg_extract_issue_add(sg_extractor *x, sg_extract_issue_kind kind, const char *what);

#endif
