/* secgen flow module: the bidirectional flow record, flow tables and their CSV layouts
 * (native, CIDDS-001, Argus binetflow, UGR'16), and the packet/event sequence CSV. */
#ifndef SECGEN_FLOW_H
#define SECGEN_FLOW_H

#include "secgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TCP flag bits as in the TCP header; printed CIDDS-style in the order U A P R S F. */
enum {
    SG_TCP_FIN = 0x01,
    SG_TCP_SYN = 0x02,
    SG_TCP_RST = 0x04,
    SG_TCP_PSH = 0x08,
    SG_TCP_ACK = 0x10,
    SG_TCP_URG = 0x20
};

enum { SG_PROTO_ICMP = 1, SG_PROTO_TCP = 6, SG_PROTO_UDP = 17, SG_PROTO_ICMPV6 = 58 };

/* Addresses are kept as text: dotted IPv4, RFC 5952 IPv6, or an opaque anonymised name as in
 * CIDDS-001 ("EXT_SERVER", "11529_47"). */
#define SG_ADDR_MAX 48

/* One bidirectional flow. src = initiator (client). Layouts that are unidirectional or give only
 * totals put everything in fwd_* and leave bwd_* at 0 (see docs/flow-formats.md). */
typedef struct sg_flow {
    int64_t start_us;    /* Unix epoch, microseconds, UTC */
    int64_t duration_us; /* >= 0 */
    uint8_t proto;       /* IP protocol number */
    uint8_t flags;       /* union of TCP flags (SG_TCP_*) */
    uint8_t tos;
    uint8_t _pad;
    uint16_t src_port, dst_port; /* ICMP: 0, type*256+code in dst_port as NetFlow does */
    char src_ip[SG_ADDR_MAX];
    char dst_ip[SG_ADDR_MAX];
    uint64_t fwd_packets, fwd_bytes; /* initiator -> responder, IP bytes */
    uint64_t bwd_packets, bwd_bytes; /* responder -> initiator */
} sg_flow;

typedef enum sg_flow_format {
    SG_FMT_AUTO = 0,
    SG_FMT_NATIVE,
    SG_FMT_CIDDS,
    SG_FMT_ARGUS,
    SG_FMT_UGR16,    /* UGR'16 nfdump CSV (te,td,sa,da,sp,dp,pr,flg,...) */
    SG_FMT_NETSHARE  /* NetShare's UGR'16 export (srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,...) */
} sg_flow_format;

const char *sg_flow_format_name(sg_flow_format f);
/* "auto|native|cidds|argus|ugr16|netshare"; returns 0 on success */
int sg_flow_format_parse(const char *s, sg_flow_format *out);

typedef struct sg_flow_table {
    sg_flow *flows;
    size_t n, cap;
    sg_flow_format format; /* layout it was read from */
} sg_flow_table;

void sg_flow_table_init(sg_flow_table *t);
void sg_flow_table_free(sg_flow_table *t);
sg_status sg_flow_table_push(sg_flow_table *t, const sg_flow *f);
/* stable sort by start time (ties keep file order) */
void sg_flow_table_sort(sg_flow_table *t);
int sg_flow_table_is_sorted(const sg_flow_table *t);
/* earliest and latest start time; returns 0 (and leaves them) for an empty table */
int sg_flow_table_span(const sg_flow_table *t, int64_t *first_us, int64_t *last_us);

typedef struct sg_flow_read_opts {
    sg_flow_format format; /* SG_FMT_AUTO: detect from the header */
    int skip_bad;          /* skip malformed rows instead of failing; err then holds the first
                              skipped row's message (the read still returns SG_OK) */
    size_t skipped;        /* out: rows skipped */
    size_t nonip_skipped;  /* out: rows of non-IP protocols (Argus "arp", "llc"...) left out */
    size_t rows;           /* out: data rows seen (= n read + skipped + nonip_skipped) */
    size_t dateless;       /* out: rows whose start was a time of day without a date (Argus ra's
                              default output): dated from 1970-01-01 (docs/flow-formats.md) */
    int no_duration;       /* out: the layout had no duration (Argus without Dur or LastTime):
                              every duration is 0 */
    /* Optional row labels (ground truth for `secgen detect`). When both are non-NULL the reader
     * takes the first label column present — label / Label, lable (UGR'16 as STAN ships it),
     * attackType (CIDDS-001; else its class), type (NetShare), or field 13 of a headerless
     * UGR'16 file — interns each flow's label text in labels and pushes its id (uint32_t) to
     * label_ids, one per flow read, in table order. Without such a column label_ids stays empty. */
    sg_strtab *labels;
    sg_vec *label_ids;
    const char *label_column; /* out: name of the label column used, NULL if none */
} sg_flow_read_opts;

/* Read a whole CSV ("-" = stdin). Errors name file, line and column. Rows are kept in file order.
 * *out is initialised by the call (previous content is not freed); on error it is left empty.
 * opts may be NULL (autodetect, fail on the first bad row). A header-only file gives an empty
 * table and SG_OK; a file without even a header line fails with SG_ERR_EMPTY. */
sg_status sg_flow_read(const char *path, sg_flow_read_opts *opts, sg_flow_table *out, sg_error *err);
/* Read from memory (fuzzing, tests); name is used in messages */
sg_status sg_flow_read_mem(const char *name, const char *data, size_t len, sg_flow_read_opts *opts,
                           sg_flow_table *out, sg_error *err);
/* Detect a layout from a header line */
sg_flow_format sg_flow_detect(const char *header_line);

/* How a label text is read: 1 = attack, 0 = normal, -1 = no label (empty). Normal: 0, benign,
 * normal, background (UGR'16), --- (CIDDS-001 attackType), Argus/CTU "flow=..." labels naming
 * Normal or Background without Botnet. The attack class is the text itself, except CTU flow labels
 * naming a botnet, which all become "botnet". cls receives the class (may be NULL). */
int sg_flow_label_class(const char *text, char *cls, size_t clsz);

/* 1 for the layouts the writers produce: native, cidds, argus (binetflow) and ugr16 (headerless
 * nfdump CSV, as the dataset ships) */
int sg_flow_format_writable(sg_flow_format f);

/* Streaming writer (atomic: temp file + rename on close) in a writable layout. With a label column
 * each layout gets its own ground-truth columns: native `label`; cidds
 * `class,attackType,attackID,attackDescription` (normal,---,---,--- for a normal label; attacker,
 * the label, its 1-based id in order of first appearance, the label); argus `Label`; ugr16 the
 * 13th field. See docs/flow-formats.md. */
typedef struct sg_flow_writer sg_flow_writer;
sg_status sg_flow_writer_open(sg_flow_writer **w, const char *path, sg_flow_format fmt, sg_error *err);
/* Extra columns appended after the layout's own (the readers locate columns by name and ignore
 * unknown ones): fn writes the cell for f into buf (cap bytes incl. NUL; no comma, quote or
 * control character) and returns 0, or -1 to fail the write. Used for generate's community_id. */
typedef int (*sg_flow_column_fn)(void *ctx, const sg_flow *f, char *buf, size_t cap);
typedef struct sg_flow_column {
    const char *name;
    sg_flow_column_fn fn;
    void *ctx;
} sg_flow_column;
/* sg_flow_writer_open with a `label` column (label_column != 0; see sg_flow_writer_write_labelled)
 * and up to 4 extra columns after it (copied; name and ctx must outlive the writer) */
sg_status sg_flow_writer_open_cols(sg_flow_writer **w, const char *path, sg_flow_format fmt, int label_column,
                                   const sg_flow_column *cols, size_t ncols, sg_error *err);
sg_status sg_flow_writer_write(sg_flow_writer *w, const sg_flow *f, sg_error *err);
/* A writer whose header and rows end with a `label` column (ground truth of injected attacks:
 * "benign" or the attack's name). Rows written with sg_flow_writer_write get "benign". */
sg_status sg_flow_writer_open_labelled(sg_flow_writer **w, const char *path, sg_flow_format fmt, sg_error *err);
/* label: at most 63 bytes, no comma, quote or newline; NULL = "benign" */
sg_status sg_flow_writer_write_labelled(sg_flow_writer *w, const sg_flow *f, const char *label, sg_error *err);
sg_status sg_flow_writer_close(sg_flow_writer *w, sg_error *err); /* commit; frees w */
void sg_flow_writer_abort(sg_flow_writer *w);                     /* frees w; NULL ok */
/* Write one row to a FILE (no header) */
int sg_flow_fprint(FILE *fp, const sg_flow *f, sg_flow_format fmt);
sg_status sg_flow_write(const char *path, const sg_flow_table *t, sg_flow_format fmt, sg_error *err);
/* Plain-words summary (size, time span, protocols, top services and hosts) for `secgen info`. */
sg_status sg_flow_table_describe(const sg_flow_table *t, FILE *fp, size_t top_k, sg_error *err);

/* ---- file kinds ------------------------------------------------------------------------------
 * What a file is, from its first bytes, so that a reader given the wrong file says what it got
 * and what it expected ("x.pcap is a pcap capture; expected a flow CSV ..."). */
typedef enum sg_file_kind {
    SG_FILE_UNKNOWN = 0, /* binary data of no known kind */
    SG_FILE_EMPTY,
    SG_FILE_DIRECTORY,
    SG_FILE_PCAP,        /* any of the four pcap magics */
    SG_FILE_PCAPNG,
    SG_FILE_GZIP,
    SG_FILE_XZ,
    SG_FILE_BZIP2,
    SG_FILE_ZSTD,
    SG_FILE_ZIP,
    SG_FILE_PARQUET,
    SG_FILE_FLOW_MODEL,     /* JSON, "format": "secgen-flow-model" */
    SG_FILE_AUTOMATON,      /* JSON, "format": "secgen-automaton" */
    SG_FILE_FOSR_AUTOMATON, /* JSON with "accepting_state" and "edges" */
    SG_FILE_JSON,           /* other JSON */
    SG_FILE_FLOW_CSV,       /* header of a known flow layout */
    SG_FILE_SEQ_CSV,        /* header starting flow_id, or block_id, */
    SG_FILE_NETCFG,         /* network configuration: JSON with "hosts", YAML with a top-level hosts: */
    SG_FILE_TEXT            /* other text: another CSV, headerless UGR'16, YAML... */
} sg_file_kind;

/* Kind of a file from its first bytes (the first 64 KiB are looked at). */
sg_file_kind sg_file_kind_detect(const char *data, size_t len);
/* Kind of a path (stat for directories, then the first 64 KiB). */
sg_status sg_file_kind_of(const char *path, sg_file_kind *kind, sg_error *err);
/* "a pcap capture", "a flow CSV", ... */
const char *sg_file_kind_name(sg_file_kind k);
/* SG_OK when a file of kind `got` can be what a reader of `want` (SG_FILE_FLOW_CSV, _SEQ_CSV,
 * _FLOW_MODEL, _AUTOMATON or _PCAP) expects (text and generic JSON pass: their parser says
 * more); otherwise an error "NAME is <got>; expected <want>. Hint: ..." */
sg_status sg_file_kind_require(const char *name, sg_file_kind got, sg_file_kind want, sg_error *err);
/* sg_file_kind_require on the kind detected from data */
sg_status sg_file_kind_check(const char *name, const char *data, size_t len, sg_file_kind want, sg_error *err);
/* sg_file_read_all ("-" = stdin) after checking that path is not a directory and its content
 * can be a `want`; on error *data is NULL. */
sg_status sg_file_read_kind(const char *path, sg_file_kind want, char **data, size_t *len, sg_error *err);

/* flags <-> ".AP.SF" (buf >= 7) */
void sg_flow_flags_format(uint8_t flags, char *buf);
int sg_flow_flags_parse(const char *s, size_t len, uint8_t *out);
/* "TCP"/"UDP"/"ICMP"/"ICMPV6"/number -> protocol number; returns 0 on success */
int sg_proto_parse(const char *s, size_t len, uint8_t *out);
const char *sg_proto_name(uint8_t proto, char *buf, size_t bufsz);

/* ---- sequences ----------------------------------------------------------------------------
 * Sequence CSV: flow_id,proto,service_port,n,symbols,iat_us,payload (design §4). The HDFS
 * layout of ../shared/data/hdfs_loglead_2pct (block_id,label,n_events,start_epoch_s,
 * duration_s,events,deltas_s) is read too: deltas become iat_us, payload 0, label kept.
 * Symbols are interned: symbol ids index sg_seq_set.symbols. */
typedef struct sg_seq {
    const char *id;       /* flow_id / block_id */
    uint8_t proto;        /* 0 when empty (logs) */
    int32_t service_port; /* -1 when empty */
    int8_t label;         /* -1 unknown, 0 normal, 1 anomalous */
    size_t n;
    uint32_t *sym;        /* symbol ids */
    int64_t *iat_us;      /* gap to previous element; first element: 0 */
    int64_t *payload;     /* L4 payload bytes (0 for logs) */
} sg_seq;

typedef struct sg_seq_set sg_seq_set;
sg_seq_set *sg_seq_set_create(void);
void sg_seq_set_destroy(sg_seq_set *s);
size_t sg_seq_set_count(const sg_seq_set *s);
/* NULL if i >= count; the pointer stays valid until the next sg_seq_set_add (the element
 * arrays it points to stay valid until sg_seq_set_destroy) */
const sg_seq *sg_seq_set_get(const sg_seq_set *s, size_t i);
size_t sg_seq_set_nsymbols(const sg_seq_set *s);
/* The label text sequence i was read with ("Anomaly", "portscan"...); NULL when it had none.
 * The reader accepts any label: empty = unknown (-1), 0/normal/benign = 0, anything else = 1. */
const char *sg_seq_set_label_name(const sg_seq_set *s, size_t i);
const char *sg_seq_set_symbol(const sg_seq_set *s, uint32_t id);
/* returns id, or -1 if absent */
int64_t sg_seq_set_find_symbol(const sg_seq_set *s, const char *sym);
/* intern a symbol; returns id or -1 on OOM */
int64_t sg_seq_set_intern(sg_seq_set *s, const char *sym);
/* add a sequence (arrays are copied; iat/payload may be NULL = zeros); SG_ERR_INVALID if a
 * symbol id is not interned yet */
sg_status sg_seq_set_add(sg_seq_set *s, const char *id, uint8_t proto, int32_t service_port,
                         int8_t label, size_t n, const uint32_t *sym, const int64_t *iat_us,
                         const int64_t *payload);
sg_status sg_seq_read(const char *path, sg_seq_set **out, sg_error *err);
sg_status sg_seq_read_mem(const char *name, const char *data, size_t len, sg_seq_set **out, sg_error *err);
/* Writes the 7 design columns, plus a "label" column when any sequence has label >= 0. */
sg_status sg_seq_write(const char *path, const sg_seq_set *s, sg_error *err);
/* streaming writer for large outputs (7 columns; proto 0 and service_port -1 are written empty;
 * iat_us/payload may be NULL = zeros; symbols must be non-empty without blanks) */
typedef struct sg_seq_writer sg_seq_writer;
sg_status sg_seq_writer_open(sg_seq_writer **w, const char *path, sg_error *err);
sg_status sg_seq_writer_write(sg_seq_writer *w, const char *id, uint8_t proto, int32_t service_port,
                              size_t n, const char *const *symbols, const int64_t *iat_us,
                              const int64_t *payload, sg_error *err);
sg_status sg_seq_writer_close(sg_seq_writer *w, sg_error *err);
void sg_seq_writer_abort(sg_seq_writer *w);

/* ---- one-way records to connections (docs/flow-formats.md "Pairing one-way records") ----------
 * One-way layouts (CIDDS-001, UGR'16, NetShare: one NetFlow record per direction) hold a
 * connection as two records with reversed 5-tuples. sg_flow_pair_oneway merges each record with
 * its reverse — same protocol, source and destination (address, port) swapped, time intervals
 * overlapping or less than SG_PAIR_SLACK_US apart — greedily in start order inside each
 * connection key. The merged flow starts with the earlier record (the initiator; on equal starts
 * the one whose destination port is the lower), fwd_* = the initiator's counts, bwd_* = the
 * reverse record's, flags united, end = the later end. An unpaired record stays one-way: counts in
 * fwd_*, except a record sent *from* a system port (< 1024) *to* an ephemeral one (>= 1024): that
 * is a server's half whose request is missing, so it is mirrored to the client -> server
 * orientation with its counts in bwd_*. The table is rebuilt sorted by start (stable). */
#define SG_PAIR_SLACK_US INT64_C(1000000)
typedef struct sg_flow_pair_stats {
    size_t records;   /* one-way records in */
    size_t pairs;     /* connections built from two records */
    size_t unpaired;  /* records kept one-way as read */
    size_t mirrored;  /* unpaired server halves mirrored (counts in bwd_*) */
} sg_flow_pair_stats;
sg_status sg_flow_pair_oneway(sg_flow_table *t, sg_flow_pair_stats *st, sg_error *err);
/* The same, keeping ground truth: label_ids (uint32_t ids into names, one per record, as
 * sg_flow_read gives them) is rewritten to one id per output flow. A connection takes its
 * initiator's label, or its other record's when only that one names an attack
 * (sg_flow_label_class): CIDDS marks the victim's replies too. */
sg_status sg_flow_pair_oneway_labelled(sg_flow_table *t, const sg_strtab *names, sg_vec *label_ids,
                                       sg_flow_pair_stats *st, sg_error *err);

/* ---- numeric binning (specs/flowchronicle.md §1.3; the one implementation for fc and eval) ----
 * Edges of up to nbins equal-frequency bins of the non-zero values of x[0..n): numpy's
 * linear-interpolation quantiles k/nbins, k = 0..nbins, duplicates dropped. *nedges = K + 1
 * (0 when no value is non-zero). edges must hold nbins + 1 doubles. */
sg_status sg_flow_bin_edges(const double *x, size_t n, int nbins, double *edges, size_t *nedges, sg_error *err);
/* bin of x: 0 for x == 0; k >= 1 with e_{k-1} < x <= e_k (x <= e_1 -> 1); 1 when nedges < 2 */
uint32_t sg_flow_bin_of(const double *edges, size_t nedges, double x);

#ifdef __cplusplus
}
#endif
#endif
