/* Sequence sets and the sequence CSV (design §4): flow_id,proto,service_port,n,symbols,iat_us,
 * payload[,label], plus the HDFS block layout block_id,label,n_events,start_epoch_s,duration_s,
 * events,deltas_s. Reading is linear in the input (symbols interned through a hash table, each
 * sequence's arrays copied once into an arena). */
#include "secgen/flow.h"

#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sg_seq_set {
    sg_vec seqs; /* sg_seq */
    sg_strtab *syms;
    sg_arena *arena; /* ids and element arrays */
    sg_vec label_names; /* const char * per sequence (NULL = none), filled by the reader only */
};

sg_seq_set *sg_seq_set_create(void)
{
    sg_seq_set *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    sg_vec_init(&s->seqs, sizeof(sg_seq));
    sg_vec_init(&s->label_names, sizeof(const char *));
    s->syms = sg_strtab_create();
    s->arena = sg_arena_create(256 * 1024);
    if (!s->syms || !s->arena) {
        sg_seq_set_destroy(s);
        return NULL;
    }
    return s;
}

void sg_seq_set_destroy(sg_seq_set *s)
{
    if (!s) return;
    sg_vec_free(&s->seqs);
    sg_vec_free(&s->label_names);
    sg_strtab_destroy(s->syms);
    sg_arena_destroy(s->arena);
    free(s);
}

size_t sg_seq_set_count(const sg_seq_set *s) { return s->seqs.len; }

const sg_seq *sg_seq_set_get(const sg_seq_set *s, size_t i)
{
    return i < s->seqs.len ? &SG_VEC_AT(&s->seqs, sg_seq, i) : NULL;
}

const char *sg_seq_set_label_name(const sg_seq_set *s, size_t i)
{
    return i < s->label_names.len ? SG_VEC_AT(&s->label_names, const char *, i) : NULL;
}

/* record sequence i's label text (the reader calls it right after adding the sequence) */
static sg_status set_label_name(sg_seq_set *s, size_t i, const char *txt, size_t len)
{
    while (s->label_names.len <= i) {
        const char *none = NULL;
        if (sg_vec_push(&s->label_names, &none) != SG_OK) return SG_ERR_NOMEM;
    }
    char *c = sg_arena_strndup(s->arena, txt, len);
    if (!c) return SG_ERR_NOMEM;
    SG_VEC_AT(&s->label_names, const char *, i) = c;
    return SG_OK;
}

size_t sg_seq_set_nsymbols(const sg_seq_set *s) { return sg_strtab_size(s->syms); }

const char *sg_seq_set_symbol(const sg_seq_set *s, uint32_t id) { return sg_strtab_str(s->syms, id); }

int64_t sg_seq_set_find_symbol(const sg_seq_set *s, const char *sym)
{
    return sym ? sg_strtab_find(s->syms, sym, strlen(sym)) : -1;
}

int64_t sg_seq_set_intern(sg_seq_set *s, const char *sym)
{
    return sym ? sg_strtab_intern(s->syms, sym, strlen(sym)) : -1;
}

sg_status sg_seq_set_add(sg_seq_set *s, const char *id, uint8_t proto, int32_t service_port, int8_t label, size_t n,
                         const uint32_t *sym, const int64_t *iat_us, const int64_t *payload)
{
    size_t nsym = sg_strtab_size(s->syms);
    for (size_t i = 0; i < n; i++)
        if (sym[i] >= nsym) return SG_ERR_INVALID;
    if (n > SIZE_MAX / 16) return SG_ERR_NOMEM;
    sg_seq q;
    memset(&q, 0, sizeof q);
    q.id = sg_arena_strdup(s->arena, id ? id : "");
    q.proto = proto;
    q.service_port = service_port;
    q.label = label;
    q.n = n;
    if (!q.id) return SG_ERR_NOMEM;
    if (n) {
        q.sym = sg_arena_alloc(s->arena, n * sizeof *q.sym);
        q.iat_us = sg_arena_alloc(s->arena, n * sizeof *q.iat_us);
        q.payload = sg_arena_alloc(s->arena, n * sizeof *q.payload);
        if (!q.sym || !q.iat_us || !q.payload) return SG_ERR_NOMEM;
        memcpy(q.sym, sym, n * sizeof *q.sym);
        if (iat_us) memcpy(q.iat_us, iat_us, n * sizeof *q.iat_us);
        if (payload) memcpy(q.payload, payload, n * sizeof *q.payload);
    }
    return sg_vec_push(&s->seqs, &q);
}

/* ---- reader ---- */

enum { Q_ID, Q_PROTO, Q_PORT, Q_N, Q_SYM, Q_IAT, Q_PAY, Q_LABEL, QK };

typedef struct qcol {
    int key;
    const char *name;
    int required;
} qcol;

static const qcol seq_cols[] = {{Q_ID, "flow_id", 1}, {Q_PROTO, "proto", 1},   {Q_PORT, "service_port", 1},
                                {Q_N, "n", 1},        {Q_SYM, "symbols", 1},   {Q_IAT, "iat_us", 1},
                                {Q_PAY, "payload", 1}, {Q_LABEL, "label", 0},  {-1, NULL, 0}};
static const qcol hdfs_cols[] = {{Q_ID, "block_id", 1}, {Q_LABEL, "label", 1}, {Q_N, "n_events", 1},
                                 {Q_SYM, "events", 1},  {Q_IAT, "deltas_s", 1}, {-1, NULL, 0}};

static const char SEQ_SUPPORTED[] = "supported sequence layouts: flow_id,proto,service_port,n,symbols,iat_us,"
                                    "payload[,label] and HDFS block_id,label,n_events,start_epoch_s,duration_s,"
                                    "events,deltas_s";

typedef struct qreader {
    sg_csv csv;
    int hdfs;
    int idx[QK];
    const char *cname[QK];
    size_t ncols;
    sg_error *err;
    sg_vec sym, iat, pay; /* per-row scratch */
} qreader;

static int name_eq(const char *a, size_t alen, const char *b)
{
    size_t bl = strlen(b);
    return alen == bl && strncasecmp(a, b, bl) == 0;
}

static int map_cols(const qcol *cols, const sg_csv *c, int idx[QK], const char **cname, const char **missing)
{
    int nmiss = 0;
    for (int k = 0; k < QK; k++) idx[k] = -1;
    for (const qcol *q = cols; q->name; q++) {
        for (size_t i = 0; i < c->nf; i++) {
            if (name_eq(c->f[i].s, c->f[i].len, q->name)) {
                idx[q->key] = (int)i;
                cname[q->key] = q->name;
                break;
            }
        }
        if (idx[q->key] < 0 && q->required) {
            if (!nmiss) *missing = q->name;
            nmiss++;
        }
    }
    return nmiss;
}

__attribute__((format(printf, 3, 4))) static int qfail(qreader *r, int key, const char *fmt, ...)
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

static const char *qex(const char *s, size_t len, char *buf, size_t bufsz)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < bufsz; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[n++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
    }
    if (n < len && n + 4 <= bufsz) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static int is_sp(char ch) { return ch == ' ' || ch == '\t'; }

/* count space-separated tokens */
static size_t count_tokens(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && is_sp(s[i])) i++;
        if (i >= len) break;
        n++;
        while (i < len && !is_sp(s[i])) i++;
    }
    return n;
}

/* Parse a list of non-negative numbers (integers; HDFS seconds may be decimal) into v (int64). */
static int parse_num_list(qreader *r, int key, int seconds, size_t n, sg_vec *v)
{
    const sg_csv_field *f = &r->csv.f[r->idx[key]];
    char ex[48];
    sg_vec_clear(v);
    if (sg_vec_reserve(v, n) != SG_OK) return qfail(r, key, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < f->len;) {
        while (i < f->len && is_sp(f->s[i])) i++;
        if (i >= f->len) break;
        size_t b = i;
        while (i < f->len && !is_sp(f->s[i])) i++;
        int64_t x;
        if (seconds) {
            const char *why;
            if (sg_csv_parse_secs(f->s + b, i - b, &x, &why) != 0)
                return qfail(r, key, "element %zu '%s': %s", k + 1, qex(f->s + b, i - b, ex, sizeof ex),
                             strcmp(why, "negative") == 0 ? "negative" : "not a non-negative number of seconds");
        } else {
            if (sg_parse_i64(f->s + b, i - b, &x) != 0)
                return qfail(r, key, "element %zu '%s' is not an integer", k + 1, qex(f->s + b, i - b, ex, sizeof ex));
            if (x < 0) return qfail(r, key, "element %zu '%s' is negative", k + 1, qex(f->s + b, i - b, ex, sizeof ex));
        }
        SG_VEC_AT(v, int64_t, k) = x;
        k++;
    }
    v->len = k;
    return 0;
}

/* Any label text is accepted (attack class names such as "portscan" or "dns-tunnel" included):
 * empty = unknown, 0/normal/benign = normal, anything else = anomalous. The text itself is kept
 * (sg_seq_set_label_name) for per-class reports. */
static void parse_label(const char *s, size_t len, int8_t *out)
{
    if (len == 0) *out = -1;
    else if (name_eq(s, len, "0") || name_eq(s, len, "normal") || name_eq(s, len, "benign")) *out = 0;
    else *out = 1;
}

/* returns 0 ok, -1 row error (err filled) */
static int parse_seq_row(qreader *r, sg_seq_set *set)
{
    char ex[48];
    if (r->csv.nf != r->ncols) {
        sg_error_set(r->err, SG_ERR_PARSE, "%s:%zu:%zu: row has %zu columns, the header has %zu%s", r->csv.name,
                     r->csv.rec_line, r->csv.nf < r->ncols ? r->csv.nf + 1 : r->ncols + 1, r->csv.nf, r->ncols,
                     r->csv.nf < r->ncols ? " (missing columns)" : " (extra columns)");
        return -1;
    }
    const sg_csv_field *fid = &r->csv.f[r->idx[Q_ID]];
    if (fid->len == 0) return qfail(r, Q_ID, "empty id");
    for (size_t i = 0; i < fid->len; i++)
        if ((unsigned char)fid->s[i] < 32 || fid->s[i] == 127) return qfail(r, Q_ID, "id contains a control character");
    uint8_t proto = 0;
    int32_t port = -1;
    int8_t label = -1;
    if (r->idx[Q_PROTO] >= 0) {
        const sg_csv_field *f = &r->csv.f[r->idx[Q_PROTO]];
        if (f->len && sg_proto_parse(f->s, f->len, &proto) != 0)
            return qfail(r, Q_PROTO, "unknown protocol '%s'", qex(f->s, f->len, ex, sizeof ex));
    }
    if (r->idx[Q_PORT] >= 0) {
        const sg_csv_field *f = &r->csv.f[r->idx[Q_PORT]];
        uint64_t v;
        if (f->len) {
            if (sg_parse_u64(f->s, f->len, &v) != 0) return qfail(r, Q_PORT, "port '%s' is not a non-negative integer", qex(f->s, f->len, ex, sizeof ex));
            if (v > 65535) return qfail(r, Q_PORT, "port %s > 65535", qex(f->s, f->len, ex, sizeof ex));
            port = (int32_t)v;
        }
    }
    if (r->idx[Q_LABEL] >= 0) {
        const sg_csv_field *f = &r->csv.f[r->idx[Q_LABEL]];
        parse_label(f->s, f->len, &label);
        for (size_t i = 0; i < f->len; i++)
            if ((unsigned char)f->s[i] < 32 || f->s[i] == 127)
                return qfail(r, Q_LABEL, "label '%s' contains a control character", qex(f->s, f->len, ex, sizeof ex));
        if (r->hdfs && label < 0) return qfail(r, Q_LABEL, "empty label");
    }
    const sg_csv_field *fn = &r->csv.f[r->idx[Q_N]];
    uint64_t n;
    if (sg_parse_u64(fn->s, fn->len, &n) != 0)
        return qfail(r, Q_N, "'%s' is not a non-negative integer", qex(fn->s, fn->len, ex, sizeof ex));
    /* check every list's length before allocating anything sized by n */
    static const int lists[] = {Q_SYM, Q_IAT, Q_PAY};
    for (size_t li = 0; li < 3; li++) {
        int k = lists[li];
        if (r->idx[k] < 0) continue;
        const sg_csv_field *f = &r->csv.f[r->idx[k]];
        size_t c = count_tokens(f->s, f->len);
        if (c != n) return qfail(r, k, "%zu elements, but %s says %" PRIu64, c, r->cname[Q_N], n);
    }
    const sg_csv_field *fs = &r->csv.f[r->idx[Q_SYM]];
    sg_vec_clear(&r->sym);
    if (sg_vec_reserve(&r->sym, (size_t)n) != SG_OK) return qfail(r, Q_SYM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < fs->len;) {
        while (i < fs->len && is_sp(fs->s[i])) i++;
        if (i >= fs->len) break;
        size_t b = i;
        while (i < fs->len && !is_sp(fs->s[i])) i++;
        for (size_t j = b; j < i; j++) {
            unsigned char ch = (unsigned char)fs->s[j];
            if (ch < 32 || ch == 127)
                return qfail(r, Q_SYM, "element %zu contains a control character", k + 1);
        }
        int64_t id = sg_strtab_intern(set->syms, fs->s + b, i - b);
        if (id < 0 || id > (int64_t)UINT32_MAX) return qfail(r, Q_SYM, "out of memory interning symbols");
        SG_VEC_AT(&r->sym, uint32_t, k) = (uint32_t)id;
        k++;
    }
    if (parse_num_list(r, Q_IAT, r->hdfs, (size_t)n, &r->iat)) return -1;
    int have_pay = r->idx[Q_PAY] >= 0;
    if (have_pay && parse_num_list(r, Q_PAY, 0, (size_t)n, &r->pay)) return -1;
    if (sg_seq_set_add(set, fid->s, proto, port, label, (size_t)n, r->sym.data, r->iat.data,
                       have_pay ? r->pay.data : NULL) != SG_OK) {
        sg_error_set(r->err, SG_ERR_NOMEM, "%s:%zu: out of memory", r->csv.name, r->csv.rec_line);
        return -1;
    }
    if (label >= 0) {
        const sg_csv_field *f = &r->csv.f[r->idx[Q_LABEL]];
        if (set_label_name(set, sg_seq_set_count(set) - 1, f->s, f->len) != SG_OK) {
            sg_error_set(r->err, SG_ERR_NOMEM, "%s:%zu: out of memory", r->csv.name, r->csv.rec_line);
            return -1;
        }
    }
    return 0;
}

sg_status sg_seq_read_mem(const char *name, const char *data, size_t len, sg_seq_set **out, sg_error *err)
{
    *out = NULL;
    if (sg_file_kind_check(name ? name : "<memory>", data ? data : "", data ? len : 0, SG_FILE_SEQ_CSV, err) != SG_OK)
        return err ? err->status : SG_ERR_PARSE;
    qreader r;
    memset(&r, 0, sizeof r);
    r.err = err;
    sg_vec_init(&r.sym, sizeof(uint32_t));
    sg_vec_init(&r.iat, sizeof(int64_t));
    sg_vec_init(&r.pay, sizeof(int64_t));
    sg_csv_init(&r.csv, name ? name : "<memory>", data ? data : "", data ? len : 0);
    sg_seq_set *set = sg_seq_set_create();
    sg_status st = SG_OK;
    if (!set) {
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    int rc = sg_csv_next(&r.csv, err);
    if (rc == SG_CSV_EOF) {
        st = sg_error_set(err, SG_ERR_EMPTY, "%s: empty file (no header line); %s", r.csv.name, SEQ_SUPPORTED);
        goto done;
    }
    if (rc != SG_CSV_RECORD) {
        st = err ? err->status : SG_ERR_PARSE;
        goto done;
    }
    const char *missing = NULL, *missing2 = NULL;
    if (map_cols(seq_cols, &r.csv, r.idx, r.cname, &missing) != 0) {
        int idx2[QK];
        const char *cn2[QK];
        if (map_cols(hdfs_cols, &r.csv, idx2, cn2, &missing2) != 0) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s:%zu: unknown sequence CSV header (no '%s' column); %s", r.csv.name,
                              r.csv.rec_line, missing, SEQ_SUPPORTED);
            goto done;
        }
        memcpy(r.idx, idx2, sizeof idx2);
        memcpy(r.cname, cn2, sizeof cn2);
        r.hdfs = 1;
    }
    r.ncols = r.csv.nf;
    while ((rc = sg_csv_next(&r.csv, err)) != SG_CSV_EOF) {
        if (rc != SG_CSV_RECORD || parse_seq_row(&r, set) != 0) {
            st = err ? err->status : SG_ERR_PARSE;
            goto done;
        }
    }
done:
    sg_csv_free(&r.csv);
    sg_vec_free(&r.sym);
    sg_vec_free(&r.iat);
    sg_vec_free(&r.pay);
    if (st != SG_OK) {
        sg_seq_set_destroy(set);
        return st;
    }
    *out = set;
    return SG_OK;
}

sg_status sg_seq_read(const char *path, sg_seq_set **out, sg_error *err)
{
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    sg_status st = sg_file_read_kind(path, SG_FILE_SEQ_CSV, &data, &len, err);
    if (st != SG_OK) return st;
    st = sg_seq_read_mem(strcmp(path, "-") == 0 ? "<stdin>" : path, data, len, out, err);
    free(data);
    return st;
}

/* ---- writer ---- */

struct sg_seq_writer {
    sg_outfile *out;
    uint64_t rows;
    int with_label;
};

static const char SEQ_HEADER[] = "flow_id,proto,service_port,n,symbols,iat_us,payload";

static int needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") != NULL || (s[0] && (is_sp(s[0]) || is_sp(s[strlen(s) - 1])));
}

static void put_field(FILE *fp, const char *s)
{
    if (!needs_quotes(s)) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static sg_status open_writer(sg_seq_writer **w, const char *path, int with_label, sg_error *err)
{
    *w = NULL;
    sg_seq_writer *x = calloc(1, sizeof *x);
    if (!x) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_status st = sg_outfile_open(&x->out, path, err);
    if (st != SG_OK) {
        free(x);
        return st;
    }
    x->with_label = with_label;
    FILE *fp = sg_outfile_fp(x->out);
    fputs(SEQ_HEADER, fp);
    fputs(with_label ? ",label\n" : "\n", fp);
    *w = x;
    return SG_OK;
}

sg_status sg_seq_writer_open(sg_seq_writer **w, const char *path, sg_error *err)
{
    return open_writer(w, path, 0, err);
}

static sg_status write_row(sg_seq_writer *w, const char *id, uint8_t proto, int32_t service_port, size_t n,
                           const char *const *symbols, const int64_t *iat_us, const int64_t *payload, int8_t label,
                           sg_error *err)
{
    const char *path = sg_outfile_path(w->out);
    uint64_t row = w->rows + 1;
    if (!id || !*id) return sg_error_set(err, SG_ERR_INVALID, "%s: sequence %" PRIu64 ": empty id", path, row);
    for (const char *p = id; *p; p++)
        if ((unsigned char)*p < 32 || *p == 127)
            return sg_error_set(err, SG_ERR_INVALID, "%s: sequence %" PRIu64 ": id contains a control character", path, row);
    if (service_port < -1 || service_port > 65535)
        return sg_error_set(err, SG_ERR_INVALID, "%s: sequence %" PRIu64 ": service port %d out of range", path, row,
                            (int)service_port);
    for (size_t i = 0; i < n; i++) {
        const char *s = symbols[i];
        if (!s || !*s) return sg_error_set(err, SG_ERR_INVALID, "%s: sequence %" PRIu64 ": empty symbol %zu", path, row, i + 1);
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p <= 32 || *p == 127)
                return sg_error_set(err, SG_ERR_INVALID, "%s: sequence %" PRIu64 ": symbol %zu '%s' contains a blank or control character",
                                    path, row, i + 1, s);
        if ((iat_us && iat_us[i] < 0) || (payload && payload[i] < 0))
            return sg_error_set(err, SG_ERR_INVALID, "%s: sequence %" PRIu64 ": negative iat/payload at element %zu", path,
                                row, i + 1);
    }
    FILE *fp = sg_outfile_fp(w->out);
    put_field(fp, id);
    char pb[8];
    fprintf(fp, ",%s,", proto ? sg_proto_name(proto, pb, sizeof pb) : "");
    if (service_port >= 0) fprintf(fp, "%d", (int)service_port);
    fprintf(fp, ",%zu,", n);
    /* symbols with a comma or quote make the list field need quoting */
    int q = 0;
    for (size_t i = 0; i < n && !q; i++) q = strpbrk(symbols[i], ",\"") != NULL;
    if (q) fputc('"', fp);
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(' ', fp);
        for (const char *p = symbols[i]; *p; p++) {
            if (*p == '"') fputc('"', fp);
            fputc(*p, fp);
        }
    }
    if (q) fputc('"', fp);
    fputc(',', fp);
    for (size_t i = 0; i < n; i++) fprintf(fp, i ? " %" PRId64 : "%" PRId64, iat_us ? iat_us[i] : 0);
    fputc(',', fp);
    for (size_t i = 0; i < n; i++) fprintf(fp, i ? " %" PRId64 : "%" PRId64, payload ? payload[i] : 0);
    if (w->with_label) fputs(label < 0 ? "," : label == 0 ? ",0" : ",1", fp);
    if (fputc('\n', fp) == EOF || ferror(fp))
        return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    w->rows++;
    return SG_OK;
}

sg_status sg_seq_writer_write(sg_seq_writer *w, const char *id, uint8_t proto, int32_t service_port, size_t n,
                              const char *const *symbols, const int64_t *iat_us, const int64_t *payload, sg_error *err)
{
    return write_row(w, id, proto, service_port, n, symbols, iat_us, payload, -1, err);
}

sg_status sg_seq_writer_close(sg_seq_writer *w, sg_error *err)
{
    if (!w) return SG_OK;
    sg_status st = sg_outfile_commit(w->out, err);
    free(w);
    return st;
}

void sg_seq_writer_abort(sg_seq_writer *w)
{
    if (!w) return;
    sg_outfile_abort(w->out);
    free(w);
}

sg_status sg_seq_write(const char *path, const sg_seq_set *s, sg_error *err)
{
    int with_label = 0;
    size_t maxn = 0;
    for (size_t i = 0; i < s->seqs.len; i++) {
        const sg_seq *q = &SG_VEC_AT(&s->seqs, sg_seq, i);
        if (q->label >= 0) with_label = 1;
        if (q->n > maxn) maxn = q->n;
    }
    const char **syms = malloc((maxn ? maxn : 1) * sizeof *syms);
    if (!syms) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_seq_writer *w;
    sg_status st = open_writer(&w, path, with_label, err);
    if (st != SG_OK) {
        free(syms);
        return st;
    }
    for (size_t i = 0; i < s->seqs.len && st == SG_OK; i++) {
        const sg_seq *q = &SG_VEC_AT(&s->seqs, sg_seq, i);
        for (size_t j = 0; j < q->n; j++) syms[j] = sg_strtab_str(s->syms, q->sym[j]);
        st = write_row(w, q->id, q->proto, q->service_port, q->n, syms, q->iat_us, q->payload, q->label, err);
    }
    free(syms);
    if (st != SG_OK) {
        sg_seq_writer_abort(w);
        return st;
    }
    return sg_seq_writer_close(w, err);
}
