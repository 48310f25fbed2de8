/* The extractor object and its libpcap driver: opens pcap/pcapng files (libpcap sniffs the
 * format from the magic number, whatever the file extension), checks the link type, feeds every
 * record to the flow assembly and turns libpcap failures into errors naming capture:packet. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "extract/extract_int.h"

enum { SG_EXTRACT_IOBUF = 1 << 20 };

sg_extractor *sg_extractor_create(const sg_extract_opts *opts)
{
    sg_extractor *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    if (opts) x->o = *opts;
    else sg_extract_opts_default(&x->o);
    x->tab_cap = 1024;
    x->tab = calloc(x->tab_cap, sizeof *x->tab);
    x->fragmap = sg_hashmap_create(64);
    sg_vec_init(&x->flows, sizeof(sg_xflow));
    sg_vec_init(&x->seq, sizeof(sg_xseq));
    sg_vec_init(&x->frags, sizeof(sg_xfrag));
    sg_vec_init(&x->names, sizeof(char *));
    x->cur_capture = UINT32_MAX;
    if (!x->tab || !x->fragmap) {
        sg_extractor_destroy(x);
        return NULL;
    }
    return x;
}

void sg_extractor_destroy(sg_extractor *x)
{
    if (!x) return;
    free(x->tab);
    sg_hashmap_destroy(x->fragmap);
    sg_vec_free(&x->flows);
    sg_vec_free(&x->seq);
    sg_vec_free(&x->frags);
    for (size_t i = 0; i < x->names.len; i++) free(SG_VEC_AT(&x->names, char *, i));
    sg_vec_free(&x->names);
    free(x->order);
    sg_progress_destroy(x->prog);
    free(x);
}

const sg_extract_stats *sg_extractor_stats(const sg_extractor *x) { return &x->st; }

const char *sg_extractor_capture_name(const sg_extractor *x, uint32_t c)
{
    if (c >= x->names.len) return "(packets)";
    return SG_VEC_AT(&x->names, char *, c);
}

static sg_status register_capture(sg_extractor *x, const char *name, sg_error *err)
{
    char *dup = strdup(name ? name : "?");
    if (!dup || sg_vec_push(&x->names, &dup) != SG_OK) {
        free(dup);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    x->cur_capture = (uint32_t)(x->names.len - 1);
    x->cur_packet = 0;
    x->st.captures++;
    return SG_OK;
}

/* ---- several captures merged by time ---------------------------------------------------------
 * Captures of one network taken on several interfaces or rotated files overlap in time: reading
 * them one after the other would make time run backwards at each file boundary (and split flows
 * that idle timeouts then end). They are merged like mergecap does: a k-way merge on the
 * timestamp of each capture's next packet, ties to the capture given first, streaming (one packet
 * per capture in memory). */

typedef struct msrc {
    pcap_t *pc;
    FILE *fp;
    char *iobuf;
    const char *name;
    int dlt;
    sg_extract_link lk;
    uint32_t cap;     /* capture index (names) */
    uint64_t pkt;     /* packets read from it */
    uint64_t size;    /* file size, for progress */
    struct pcap_pkthdr *h;
    const u_char *data;
    int64_t ts;
} msrc;

/* min-heap of source indices on (ts, index) */
static int src_less(const msrc *s, size_t a, size_t b)
{
    if (s[a].ts != s[b].ts) return s[a].ts < s[b].ts;
    return a < b;
}

static void heap_down(size_t *h, size_t n, size_t i, const msrc *s)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && src_less(s, h[l], h[m])) m = l;
        if (l + 1 < n && src_less(s, h[l + 1], h[m])) m = l + 1;
        if (m == i) return;
        size_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void close_src(msrc *s)
{
    if (s->pc) pcap_close(s->pc); /* closes fp */
    else if (s->fp && s->fp != stdin) fclose(s->fp);
    free(s->iobuf);
    s->pc = NULL;
    s->fp = NULL;
    s->iobuf = NULL;
}

/* register an open source as the next capture and check its link type */
static sg_status src_begin(sg_extractor *x, msrc *s, sg_error *err)
{
    sg_status st = register_capture(x, s->name, err);
    if (st != SG_OK) return st;
    s->cap = x->cur_capture;
    s->dlt = pcap_datalink(s->pc);
    s->lk = sg_extract_link_kind(s->dlt);
    if (s->lk == SG_LINK_OTHER) {
        const char *dn = pcap_datalink_val_to_name(s->dlt);
        return sg_error_set(err, SG_ERR_UNSUPPORTED, "%s: unsupported link type %s (%d)", s->name, dn ? dn : "unknown",
                            s->dlt);
    }
    return SG_OK;
}

static sg_status open_src(sg_extractor *x, msrc *s, const char *path, size_t bufsz, sg_error *err)
{
    char eb[PCAP_ERRBUF_SIZE];
    eb[0] = 0;
    s->name = path;
    if (strcmp(path, "-") != 0) {
        struct stat sb;
        if (stat(path, &sb) != 0) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        if (sb.st_size == 0 && !S_ISDIR(sb.st_mode))
            return sg_error_set(err, SG_ERR_PARSE, "%s: empty file, not a pcap/pcapng capture", path);
        /* a flow CSV, a model, compressed data or a directory: say what it is (libpcap would
         * only say "unknown file format") */
        sg_file_kind kind;
        sg_status ks = sg_file_kind_of(path, &kind, err);
        if (ks != SG_OK) return ks;
        if ((ks = sg_file_kind_require(path, kind, SG_FILE_PCAP, err)) != SG_OK) return ks;
        s->size = (uint64_t)sb.st_size;
    }
    /* We open the file ourselves to give stdio a large buffer: libpcap reads record by record
     * with fread, and the default 4 KiB buffer made read(2) calls ~45% of the run time. */
    s->fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!s->fp) {
        return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s%s", path, strerror(errno),
                            errno == EMFILE ? " (too many captures open at once: merge fewer per run)" : "");
    }
    s->iobuf = malloc(bufsz);
    if (s->iobuf) setvbuf(s->fp, s->iobuf, _IOFBF, bufsz);
    s->pc = pcap_fopen_offline_with_tstamp_precision(s->fp, PCAP_TSTAMP_PRECISION_MICRO, eb);
    if (!s->pc) {
        /* libpcap's "unknown file format" means the magic number is not pcap/pcapng */
        return sg_error_set(err, SG_ERR_PARSE, "%s: not a readable pcap/pcapng capture: %s", path, eb);
    }
    return src_begin(x, s, err);
}

/* Read the source's next packet whose timestamp is usable. Returns 1 (s->h/data/ts set), 0 at
 * the end, -1 on a read error (err filled). */
static int next_src(sg_extractor *x, msrc *s, sg_error *err)
{
    for (;;) {
        int rc = pcap_next_ex(s->pc, &s->h, &s->data);
        if (rc == 1) {
            s->pkt++;
            /* pcapng timestamps are 64-bit: a forged one would overflow the µs conversion (found
             * by fuzz_pcap). Years beyond ±292,000 cannot be real; count the packet as malformed. */
            if (s->h->ts.tv_sec > (INT64_MAX / 1000000 - 1) || s->h->ts.tv_sec < (INT64_MIN / 1000000 + 1)) {
                x->cur_capture = s->cap;
                x->cur_packet = s->pkt;
                x->st.packets++;
                x->st.captured_bytes += s->h->caplen;
                x->st.link[s->lk]++;
                x->st.malformed++;
                sg_extract_issue_add(x, SG_ISSUE_MALFORMED, "timestamp out of range");
                continue;
            }
            s->ts = (int64_t)s->h->ts.tv_sec * 1000000 + (int64_t)s->h->ts.tv_usec;
            return 1;
        }
        if (rc == PCAP_ERROR) {
            /* libpcap says e.g. "truncated dump file; tried to read 1514 captured bytes, only
             * got 200": the record after the last good one is bad */
            sg_error_set(err, SG_ERR_PARSE, "%s:%llu: corrupt or truncated capture: %s", s->name,
                         (unsigned long long)s->pkt + 1, pcap_geterr(s->pc));
            return -1;
        }
        return 0;
    }
}

sg_status sg_extractor_add_captures(sg_extractor *x, const char *const *paths, size_t n, sg_error *err)
{
    if (x->finished) return sg_error_set(err, SG_ERR_INVALID, "extractor already finished");
    if (n == 0) return SG_OK;
    size_t stdin_uses = 0;
    for (size_t i = 0; i < n; i++) stdin_uses += strcmp(paths[i], "-") == 0;
    if (stdin_uses > 1) return sg_error_set(err, SG_ERR_INVALID, "stdin ('-') can be read only once");
    msrc *src = calloc(n, sizeof *src);
    size_t *heap = calloc(n, sizeof *heap);
    if (!src || !heap) {
        free(src);
        free(heap);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    /* 1 MiB of stdio buffer per capture for a few, 64 KiB each when merging many */
    size_t bufsz = n <= 4 ? SG_EXTRACT_IOBUF : (size_t)64 << 10;
    sg_status st = SG_OK;
    size_t hn = 0;
    for (size_t i = 0; i < n && st == SG_OK; i++) {
        st = open_src(x, &src[i], paths[i], bufsz, err);
        if (st != SG_OK) break;
        int r = next_src(x, &src[i], err);
        if (r < 0) st = SG_ERR_PARSE;
        else if (r > 0) heap[hn++] = i;
    }
    if (st == SG_OK)
        for (size_t i = hn / 2; i-- > 0;) heap_down(heap, hn, i, src);
    uint64_t done_bytes = 0, since = 0;
    while (st == SG_OK && hn > 0) {
        msrc *s = &src[heap[0]];
        x->cur_capture = s->cap;
        x->cur_packet = s->pkt;
        x->st.packets++;
        x->st.captured_bytes += s->h->caplen;
        x->st.link[s->lk]++;
        st = sg_extract_ingest(x, s->dlt, s->ts, s->data, s->h->caplen, s->h->len, err);
        if (st != SG_OK) {
            sg_error_prefix(err, "%s:%llu: ", s->name, (unsigned long long)s->pkt);
            break;
        }
        int r = next_src(x, s, err);
        if (r < 0) {
            st = SG_ERR_PARSE;
            break;
        }
        if (r == 0) {
            done_bytes += s->size;
            close_src(s);
            heap[0] = heap[--hn];
        }
        heap_down(heap, hn, 0, src);
        if (x->prog && ++since == 4096) {
            since = 0;
            uint64_t pos = done_bytes;
            for (size_t i = 0; i < hn; i++) {
                long p = src[heap[i]].fp && src[heap[i]].fp != stdin ? ftell(src[heap[i]].fp) : -1;
                if (p > 0) pos += (uint64_t)p;
            }
            sg_progress_update(x->prog, x->prog_base + pos);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (st == SG_OK) done_bytes += src[i].pc ? src[i].size : 0;
        close_src(&src[i]);
    }
    if (x->prog && st == SG_OK) {
        x->prog_base += done_bytes;
        sg_progress_update(x->prog, x->prog_base);
    }
    free(src);
    free(heap);
    return st;
}

sg_status sg_extractor_add_pcap(sg_extractor *x, void *handle, const char *name, sg_error *err)
{
    if (x->finished) return sg_error_set(err, SG_ERR_INVALID, "%s: extractor already finished", name);
    msrc s = {.pc = handle, .name = name};
    sg_status st = src_begin(x, &s, err);
    if (st != SG_OK) return st;
    int r;
    while ((r = next_src(x, &s, err)) == 1) {
        x->cur_packet = s.pkt;
        x->st.packets++;
        x->st.captured_bytes += s.h->caplen;
        x->st.link[s.lk]++;
        st = sg_extract_ingest(x, s.dlt, s.ts, s.data, s.h->caplen, s.h->len, err);
        if (st != SG_OK) return sg_error_prefix(err, "%s:%llu: ", name, (unsigned long long)s.pkt);
    }
    return r < 0 ? SG_ERR_PARSE : SG_OK;
}

sg_status sg_extractor_add_capture(sg_extractor *x, const char *path, sg_error *err)
{
    return sg_extractor_add_captures(x, &path, 1, err);
}

sg_status sg_extractor_add_packet(sg_extractor *x, int dlt, int64_t ts_us, const uint8_t *data, uint32_t caplen,
                                  uint32_t wirelen, sg_error *err)
{
    if (x->finished) return sg_error_set(err, SG_ERR_INVALID, "extractor already finished");
    x->cur_packet++;
    x->st.packets++;
    x->st.captured_bytes += caplen;
    x->st.link[sg_extract_link_kind(dlt)]++;
    return sg_extract_ingest(x, dlt, ts_us, data, caplen, wirelen, err);
}

void sg_extractor_set_progress_total(sg_extractor *x, uint64_t total_bytes)
{
    sg_progress_destroy(x->prog);
    x->prog = sg_progress_create("extract", total_bytes);
    x->prog_base = 0;
}
