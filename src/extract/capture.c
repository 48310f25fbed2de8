/* The extractor object and its capture readers: opens pcap/pcapng files (libpcap sniffs the
 * format from the magic number, whatever the file extension), checks the link type, feeds every
 * record to the flow assembly and turns read failures into errors naming capture:packet.
 * Classic pcap files of the common link types are read by our own read-ahead reader (own_next);
 * pcapng, stdin, pipes and the rarer variants go through libpcap's record-by-record reader. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

typedef struct sg_rdahead sg_rdahead;
static void rdahead_stop(sg_rdahead *r);

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
    /* mapped classic pcap (map_records): the file, the next record's offset and the header
     * fields libpcap would apply; map == NULL: libpcap reads */
    sg_rdahead *map;       /* the read-ahead reader of a classic pcap (NULL: libpcap reads) */
    const uint8_t *win;    /* its current buffer: the next record at win[beg], data up to win[end] */
    size_t beg, end;
    uint64_t off;          /* file offset of win[HEAD] */
    int cur;               /* index of the current buffer, -1 before the first */
    int swapped, nsec;
    uint32_t snap;
    struct pcap_pkthdr mh; /* the record header handed out, as libpcap fills it */
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
    rdahead_stop(s->map);
    s->map = NULL;
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

/* ---- classic pcap through our own reader -------------------------------------------------------
 * libpcap reads a savefile record by record: fread of the 16-byte header, then of the frame into
 * its own buffer, i.e. two copies of every byte (the kernel's into stdio's buffer, stdio's into
 * libpcap's: `memmove` + `fread` were ~12 % of the samples on a 1 M-packet capture in tmpfs), and
 * the kernel's copy (`_copy_to_iter`, 26-32 %) runs on the same core as the dissection. Here a
 * second thread reads the file in 1 MiB blocks (pread) into a ring of buffers while the caller's
 * thread dissects the previous block in place: one copy, done on the other core, and its bytes are
 * in the shared L3 cache when dissected. Measured on that capture (perf stat, 2 shared cores):
 * task-clock 170 -> 130 ms with one synchronous buffer; mmap was no better (137 ms: page faults,
 * munmap of 100k pages, cache misses on every record header, even with prefetching), and
 * MAP_POPULATE neither (141 ms). Wall time: see docs/extract.md.
 *
 * libpcap still opens the file and validates its header (its errors, its LINKTYPE -> DLT
 * mapping, its snapshot length); only the records are then read here, with libpcap's rules for
 * each field (pcap_next_packet in libpcap 1.10's sf-pcap.c: timestamp fields as signed 32-bit,
 * byte-swapped ones as unsigned, nanoseconds scaled down, caplen above the snapshot length cut to
 * it, caplen above 262144 an error, the same messages for a truncated record). Used only where
 * those rules are all there is: version 2.4 files with the usual magic numbers (older versions
 * may swap caplen and len; the modified-pcap magic has longer record headers) and link types
 * libpcap does not post-process (pcap_post_process fixes USB, NFLOG and SLL pseudo-headers in
 * place), up to 4 captures at once (each has 3 MiB of buffers). Everything else (pcapng, stdin,
 * pipes, merging many captures) keeps libpcap's reader. tests/extract/test_reader.sh compares both
 * readers on the same bytes (a file vs the same file on stdin), truncations included. */
enum {
    PCAP_HDR = 24,
    REC_HDR = 16,
    MAX_SNAPLEN = 262144,             /* libpcap's MAXIMUM_SNAPLEN for these link types */
    HEAD = MAX_SNAPLEN + 4096,        /* room before a block for the unread tail of the last one */
    BLOCK = 1 << 20,
    NBUF = 3,
    MAX_OWN_READERS = 4
};

struct sg_rdahead {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fd;
    uint64_t next_off;       /* reader: file offset of its next block */
    int stop;
    uint8_t *buf[NBUF];      /* each HEAD + BLOCK bytes; the block at buf[i] + HEAD */
    int full[NBUF];          /* 1: filled by the reader, not yet released by the consumer */
    ssize_t n[NBUF];         /* bytes in the block (< BLOCK: end of file), -1: read error */
    int err[NBUF];
    uint64_t off[NBUF];      /* file offset of the block */
};

static void *rdahead_main(void *arg)
{
    sg_rdahead *r = arg;
    for (int i = 0;; i = (i + 1) % NBUF) {
        pthread_mutex_lock(&r->mu);
        while (r->full[i] && !r->stop) pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop) return NULL;
        ssize_t got = 0;
        int e = 0;
        while (got < BLOCK) {
            ssize_t k = pread(r->fd, r->buf[i] + HEAD + got, (size_t)(BLOCK - got), (off_t)(r->next_off + (uint64_t)got));
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) { e = errno; got = -1; break; }
            if (k == 0) break;
            got += k;
        }
        pthread_mutex_lock(&r->mu);
        r->n[i] = got;
        r->err[i] = e;
        r->off[i] = r->next_off;
        r->full[i] = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        if (got < BLOCK) return NULL; /* end of file or an error: nothing more to read */
        r->next_off += BLOCK;
    }
}

static void rdahead_stop(sg_rdahead *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    for (int i = 0; i < NBUF; i++) free(r->buf[i]);
    free(r);
}

static sg_rdahead *rdahead_start(int fd, uint64_t off)
{
    sg_rdahead *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->fd = fd;
    r->next_off = off;
    for (int i = 0; i < NBUF; i++)
        if (!(r->buf[i] = malloc((size_t)HEAD + BLOCK))) goto fail;
    if (pthread_mutex_init(&r->mu, NULL) != 0) goto fail;
    if (pthread_cond_init(&r->cv, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        goto fail;
    }
    if (pthread_create(&r->th, NULL, rdahead_main, r) != 0) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        goto fail;
    }
    return r;
fail:
    for (int i = 0; i < NBUF; i++) free(r->buf[i]);
    free(r);
    return NULL;
}

static uint32_t rd32(const uint8_t *p, int swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* magic and version allow our reader (the link type is checked once libpcap has it) */
static int own_candidate(msrc *s)
{
    struct stat sb;
    uint8_t h[PCAP_HDR];
    if (fstat(fileno(s->fp), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < PCAP_HDR) return 0;
    if (pread(fileno(s->fp), h, sizeof h, 0) != (ssize_t)sizeof h) return 0;
    uint32_t m;
    memcpy(&m, h, 4);
    if (m == 0xa1b2c3d4u || m == 0xa1b23c4du) s->swapped = 0;
    else if (m == 0xd4c3b2a1u || m == 0x4d3cb2a1u) s->swapped = 1;
    else return 0; /* pcapng, modified pcap (a1b2cd34), or not a capture: libpcap decides */
    s->nsec = m == 0xa1b23c4du || m == 0x4d3cb2a1u;
    uint16_t maj, min;
    memcpy(&maj, h + 4, 2);
    memcpy(&min, h + 6, 2);
    if (s->swapped) maj = __builtin_bswap16(maj), min = __builtin_bswap16(min);
    return maj == 2 && min == 4;
}

static void own_start(msrc *s)
{
    switch (s->dlt) {
    case DLT_EN10MB: case DLT_RAW: case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP: break;
    default: return;
    }
    s->map = rdahead_start(fileno(s->fp), PCAP_HDR);
    if (!s->map) return; /* libpcap reads it */
    s->win = NULL;
    s->beg = s->end = HEAD;
    s->off = PCAP_HDR;
    s->cur = -1;
    int snap = pcap_snapshot(s->pc);
    s->snap = snap > 0 ? (uint32_t)snap : MAX_SNAPLEN;
    s->h = &s->mh;
}

/* at least `need` bytes from win[beg] (fewer only at the end of the file); -1: read error. The
 * current block is released only here, i.e. after the caller is done with the last record. */
static int fill(msrc *s, size_t need, char *eb, size_t ebn)
{
    sg_rdahead *r = s->map;
    while (s->end - s->beg < need) {
        int nx = (s->cur + 1) % NBUF;
        if (s->cur >= 0 && r->n[s->cur] < BLOCK) return 0; /* the current block was the last */
        pthread_mutex_lock(&r->mu);
        while (!r->full[nx]) pthread_cond_wait(&r->cv, &r->mu);
        pthread_mutex_unlock(&r->mu);
        if (r->n[nx] < 0) {
            snprintf(eb, ebn, "error reading dump file: %s", strerror(r->err[nx]));
            return -1;
        }
        size_t tail = s->end - s->beg; /* < need <= REC_HDR + MAX_SNAPLEN < HEAD */
        uint8_t *dst = r->buf[nx] + HEAD - tail;
        if (tail) memcpy(dst, s->win + s->beg, tail);
        if (s->cur >= 0) {
            pthread_mutex_lock(&r->mu);
            r->full[s->cur] = 0;
            pthread_cond_broadcast(&r->cv);
            pthread_mutex_unlock(&r->mu);
        }
        s->cur = nx;
        s->win = r->buf[nx];
        s->beg = HEAD - tail;
        s->end = HEAD + (size_t)r->n[nx];
        s->off = r->off[nx];
    }
    return 0;
}

/* next record, with libpcap's results: 1 read, 0 end, -1 bad (message in eb) */
static int own_next(msrc *s, char *eb, size_t ebn)
{
    if (fill(s, REC_HDR, eb, ebn) != 0) return -1;
    size_t left = s->end - s->beg;
    if (left == 0) return 0;
    if (left < REC_HDR) {
        snprintf(eb, ebn, "truncated dump file; tried to read %d header bytes, only got %zu", REC_HDR, left);
        return -1;
    }
    const uint8_t *p = s->win + s->beg;
    struct pcap_pkthdr *h = &s->mh;
    uint32_t sec = rd32(p, s->swapped), usec = rd32(p + 4, s->swapped);
    /* libpcap: fields in file order are bpf_int32 (sign-extended); SWAPLONG yields an unsigned int */
    h->ts.tv_sec = s->swapped ? (time_t)sec : (time_t)(int32_t)sec;
    h->ts.tv_usec = s->swapped ? (suseconds_t)usec : (suseconds_t)(int32_t)usec;
    if (s->nsec) h->ts.tv_usec /= 1000;
    h->caplen = rd32(p + 8, s->swapped);
    h->len = rd32(p + 12, s->swapped);
    if (h->caplen > MAX_SNAPLEN) {
        if (h->caplen > s->snap)
            snprintf(eb, ebn, "invalid packet capture length %u, bigger than snaplen of %u", h->caplen, s->snap);
        else
            snprintf(eb, ebn, "invalid packet capture length %u, bigger than maximum of %u", h->caplen, (unsigned)MAX_SNAPLEN);
        return -1;
    }
    if (fill(s, REC_HDR + (size_t)h->caplen, eb, ebn) != 0) return -1;
    left = s->end - s->beg - REC_HDR;
    if (h->caplen > left) {
        if (h->caplen > s->snap && left < s->snap)
            snprintf(eb, ebn, "truncated dump file; tried to read %u captured bytes, only got %zu", s->snap, left);
        else
            snprintf(eb, ebn, "truncated dump file; tried to read %u captured bytes, only got %zu", h->caplen, left);
        return -1;
    }
    s->data = s->win + s->beg + REC_HDR; /* valid until the next call */
    s->beg += REC_HDR + h->caplen;
    /* the next record's header and first bytes (in L3: the reader thread copied them), fetched
     * while this one is dissected: 146 -> 1xx ms task-clock */
    __builtin_prefetch(s->win + s->beg);
    __builtin_prefetch(s->win + s->beg + 64);
    if (h->caplen > s->snap) h->caplen = s->snap; /* libpcap reads the snapshot, discards the rest */
    return 1;
}

static sg_status open_src(sg_extractor *x, msrc *s, const char *path, size_t bufsz, int own, sg_error *err)
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
    int mappable = own && s->fp != stdin && own_candidate(s);
    if (!mappable) { /* our reader reads no record through stdio */
        s->iobuf = malloc(bufsz);
        if (s->iobuf) setvbuf(s->fp, s->iobuf, _IOFBF, bufsz);
    }
    s->pc = pcap_fopen_offline_with_tstamp_precision(s->fp, PCAP_TSTAMP_PRECISION_MICRO, eb);
    if (!s->pc) {
        /* libpcap's "unknown file format" means the magic number is not pcap/pcapng */
        return sg_error_set(err, SG_ERR_PARSE, "%s: not a readable pcap/pcapng capture: %s", path, eb);
    }
    sg_status st = src_begin(x, s, err);
    if (st == SG_OK && mappable) own_start(s);
    return st;
}

/* Read the source's next packet whose timestamp is usable. Returns 1 (s->h/data/ts set), 0 at
 * the end, -1 on a read error (err filled). */
static int next_src(sg_extractor *x, msrc *s, sg_error *err)
{
    for (;;) {
        char eb[PCAP_ERRBUF_SIZE];
        int rc = s->map ? own_next(s, eb, sizeof eb) : pcap_next_ex(s->pc, &s->h, &s->data);
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
                         (unsigned long long)s->pkt + 1, s->map ? eb : pcap_geterr(s->pc));
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
        st = open_src(x, &src[i], paths[i], bufsz, n <= MAX_OWN_READERS, err);
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
                const msrc *q = &src[heap[i]];
                long p = q->map ? (long)(q->off + q->beg - HEAD) : (q->fp && q->fp != stdin ? ftell(q->fp) : -1);
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
