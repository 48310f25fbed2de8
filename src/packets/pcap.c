/* pcap / pcapng writer on top of sg_outfile (temp file + rename: never a truncated output).
 * Output goes through writev(): record headers are copied into a small staging area, frame bytes
 * are referenced where they already are (frame buffers, payload pool), so the kernel copies each
 * byte once. Referenced pieces must stay valid until the next sync (sg_merger_flush syncs before
 * it returns); sg_pcap_writer_write copies everything and is safe for any caller.
 * Shared mode (generate's MPI mode): several processes write one file, each the frames of its own
 * time slices at their offsets; skipped frames (written by another process) only advance the
 * offset, so every process knows where each record goes without seeing its bytes. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

#define SG_PCAP_SNAPLEN 262144u
#define IOVN 1024
#define STAGE (1u << 20)

struct sg_pcap_writer {
    sg_outfile *of; /* NULL: a file shared with other processes (sg_pcap_writer_open_shared) */
    char *name;     /* its name in messages (shared mode) */
    int fd;
    uint64_t pos;   /* file offset of the next record (shared mode: skipped frames count too) */
    uint64_t send;  /* shared mode: file offset just after the last staged byte (the fd's offset
                     * once synced) */
    sg_pcap_format fmt;
    uint64_t packets, bytes;
    struct iovec iov[IOVN];
    int niov;
    uint8_t *stage; /* copies: record headers, and whole packets for the copying API */
    size_t slen;
    uint8_t *frame; /* between frame_begin and frame_end: the reserved record in the staging area */
};

static const char *wname(const sg_pcap_writer *w) { return w->of ? sg_outfile_path(w->of) : w->name; }
static sg_status check_frame(sg_pcap_writer *w, int64_t t_ns, size_t len, sg_error *err);

sg_status sg_pcap_writer_sync(sg_pcap_writer *w, sg_error *err)
{
    struct iovec *v = w->iov;
    int n = w->niov;
    while (n > 0) {
        ssize_t k = writev(w->fd, v, n > IOVN ? IOVN : n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", wname(w), strerror(errno));
        }
        while (n > 0 && (size_t)k >= v->iov_len) { k -= (ssize_t)v->iov_len; v++; n--; }
        if (n > 0) { v->iov_base = (char *)v->iov_base + k; v->iov_len -= (size_t)k; }
    }
    w->niov = 0;
    w->slen = 0;
    return SG_OK;
}

/* reference n bytes at p (valid until the next sync) */
static sg_status put_ref(sg_pcap_writer *w, const void *p, size_t n, sg_error *err)
{
    if (!n) return SG_OK;
    w->pos += n;
    w->send += n;
    if (w->niov == IOVN) {
        sg_status s = sg_pcap_writer_sync(w, err);
        if (s != SG_OK) return s;
    }
    /* merge with the previous piece when contiguous (consecutive staged copies) */
    if (w->niov && (const char *)w->iov[w->niov - 1].iov_base + w->iov[w->niov - 1].iov_len == (const char *)p) {
        w->iov[w->niov - 1].iov_len += n;
        return SG_OK;
    }
    w->iov[w->niov].iov_base = (void *)p;
    w->iov[w->niov].iov_len = n;
    w->niov++;
    return SG_OK;
}

/* shared mode: before staging bytes for an offset other than where the staged ones end, write
 * those out and move there */
static sg_status seek_to(sg_pcap_writer *w, uint64_t off, sg_error *err)
{
    if (w->of || w->send == off) return SG_OK;
    sg_status s = sg_pcap_writer_sync(w, err);
    if (s != SG_OK) return s;
    if (lseek(w->fd, (off_t)off, SEEK_SET) < 0)
        return sg_error_set(err, SG_ERR_IO, "%s: seek failed: %s", wname(w), strerror(errno));
    w->send = off;
    return SG_OK;
}

/* copy n bytes into the staging area and reference them */
static sg_status put_copy(sg_pcap_writer *w, const void *p, size_t n, sg_error *err)
{
    if (!n) return SG_OK;
    if (n > STAGE) { /* larger than the staging area: write it out directly */
        sg_status s = sg_pcap_writer_sync(w, err);
        if (s != SG_OK) return s;
        s = put_ref(w, p, n, err);
        return s != SG_OK ? s : sg_pcap_writer_sync(w, err);
    }
    /* sync before copying (never inside put_ref after it: a sync empties the staging area, and
     * later copies would overwrite bytes still referenced) */
    if (w->slen + n > STAGE || w->niov == IOVN) {
        sg_status s = sg_pcap_writer_sync(w, err);
        if (s != SG_OK) return s;
    }
    uint8_t *d = w->stage + w->slen;
    memcpy(d, p, n);
    w->slen += n;
    return put_ref(w, d, n, err);
}

/* the file header: pcap global header, or pcapng SHB + IDB */
static sg_status put_header(sg_pcap_writer *w, int write, sg_error *err)
{
    sg_status s;
    const sg_pcap_format fmt = w->fmt;
    if (!write) { /* shared mode, another process writes it: only its length counts */
        w->pos = fmt == SG_PCAPNG ? 28 + 32 : 24;
        return SG_OK;
    }
    if (fmt == SG_PCAPNG) {
        /* Section Header Block + Interface Description Block (Ethernet, if_tsresol = 9: ns) */
        uint32_t shb[7] = {0x0A0D0D0A, 28, 0x1A2B3C4D, 0x00000001, 0xffffffff, 0xffffffff, 28};
        uint32_t idb[8] = {0x00000001, 32, 1 /* linktype + reserved */, SG_PCAP_SNAPLEN, 0, 0, 0, 32};
        uint8_t *o = (uint8_t *)&idb[4];
        uint16_t code = 9, len = 1; /* if_tsresol, then opt_endofopt */
        memcpy(o, &code, 2); memcpy(o + 2, &len, 2); o[4] = 9; o[5] = o[6] = o[7] = 0;
        memset(o + 8, 0, 4);
        s = put_copy(w, shb, sizeof shb, err);
        if (s == SG_OK) s = put_copy(w, idb, sizeof idb, err);
    } else {
        uint32_t magic = fmt == SG_PCAP_NS ? 0xa1b23c4du : 0xa1b2c3d4u;
        uint8_t gh[24];
        uint16_t vmaj = 2, vmin = 4;
        uint32_t zero = 0, snap = SG_PCAP_SNAPLEN, lt = 1;
        memcpy(gh, &magic, 4); memcpy(gh + 4, &vmaj, 2); memcpy(gh + 6, &vmin, 2);
        memcpy(gh + 8, &zero, 4); memcpy(gh + 12, &zero, 4); memcpy(gh + 16, &snap, 4); memcpy(gh + 20, &lt, 4);
        s = put_copy(w, gh, sizeof gh, err);
    }
    return s;
}

sg_status sg_pcap_writer_open(sg_pcap_writer **out, const char *path, sg_pcap_format fmt, sg_error *err)
{
    *out = NULL;
    sg_pcap_writer *w = calloc(1, sizeof *w);
    if (!w) return sg_error_set(err, SG_ERR_NOMEM, "pcap writer: out of memory");
    w->fmt = fmt;
    sg_status s = sg_outfile_open(&w->of, path, err);
    if (s != SG_OK) { free(w); return s; }
    FILE *fp = sg_outfile_fp(w->of);
    fflush(fp); /* nothing goes through stdio from here on */
    w->fd = fileno(fp);
    w->stage = malloc(STAGE);
    if (!w->stage) { sg_pcap_writer_abort(w); return sg_error_set(err, SG_ERR_NOMEM, "pcap writer: out of memory"); }
    s = put_header(w, 1, err);
    if (s != SG_OK) { sg_pcap_writer_abort(w); return s; }
    *out = w;
    return SG_OK;
}

sg_status sg_pcap_writer_open_shared(sg_pcap_writer **out, int fd, const char *name, sg_pcap_format fmt, int header,
                                     sg_error *err)
{
    *out = NULL;
    sg_pcap_writer *w = calloc(1, sizeof *w);
    if (!w) return sg_error_set(err, SG_ERR_NOMEM, "pcap writer: out of memory");
    w->fmt = fmt;
    w->fd = fd;
    w->name = strdup(name);
    w->stage = malloc(STAGE);
    if (!w->stage || !w->name) { sg_pcap_writer_abort(w); return sg_error_set(err, SG_ERR_NOMEM, "pcap writer: out of memory"); }
    sg_status s = header ? seek_to(w, 0, err) : SG_OK;
    if (s == SG_OK) s = put_header(w, header, err);
    if (s != SG_OK) { sg_pcap_writer_abort(w); return s; }
    *out = w;
    return SG_OK;
}

static size_t rec_len(const sg_pcap_writer *w, size_t len)
{
    return w->fmt == SG_PCAPNG ? 28 + len + ((4 - (len & 3)) & 3) + 4 : 16 + len;
}

sg_status sg_pcap_writer_skip(sg_pcap_writer *w, int64_t t_ns, size_t len, sg_error *err)
{
    sg_status s = check_frame(w, t_ns, len, err); /* the same errors as the process that writes it */
    if (s != SG_OK) return s;
    w->pos += rec_len(w, len);
    w->packets++;
    w->bytes += len;
    return SG_OK;
}

static size_t rec_hdr_len(const sg_pcap_writer *w) { return w->fmt == SG_PCAPNG ? 28 : 16; }

static sg_status check_frame(sg_pcap_writer *w, int64_t t_ns, size_t len, sg_error *err)
{
    if (len > SG_PCAP_SNAPLEN)
        return sg_error_set(err, SG_ERR_RANGE, "%s: packet %llu: frame of %zu bytes exceeds the snap length",
                            wname(w), (unsigned long long)w->packets + 1, len);
    if (t_ns < 0)
        return sg_error_set(err, SG_ERR_RANGE, "%s: packet %llu: time before 1970",
                            wname(w), (unsigned long long)w->packets + 1);
    if (w->fmt != SG_PCAPNG && t_ns / 1000000000 > UINT32_MAX)
        return sg_error_set(err, SG_ERR_RANGE, "%s: packet %llu: time beyond 2106 does not fit classic pcap",
                            wname(w), (unsigned long long)w->packets + 1);
    return SG_OK;
}

/* record header (pcap) or Enhanced Packet Block header (pcapng) of a frame of len bytes */
static void rec_hdr(const sg_pcap_writer *w, int64_t t_ns, size_t len, uint8_t *out)
{
    if (w->fmt == SG_PCAPNG) {
        uint32_t pad = (uint32_t)((4 - (len & 3)) & 3);
        uint32_t blk = (uint32_t)(28 + len + pad + 4);
        uint64_t ts = (uint64_t)t_ns;
        uint32_t h[7] = {0x00000006, blk, 0, (uint32_t)(ts >> 32), (uint32_t)ts, (uint32_t)len, (uint32_t)len};
        memcpy(out, h, sizeof h);
    } else {
        int64_t frac = t_ns % 1000000000;
        if (w->fmt == SG_PCAP_US) frac /= 1000;
        uint32_t h[4] = {(uint32_t)(t_ns / 1000000000), (uint32_t)frac, (uint32_t)len, (uint32_t)len};
        memcpy(out, h, sizeof h);
    }
}

/* pcapng: padding and the trailing block length after the frame bytes */
static sg_status put_tail(sg_pcap_writer *w, size_t len, sg_error *err)
{
    if (w->fmt != SG_PCAPNG) return SG_OK;
    uint32_t pad = (uint32_t)((4 - (len & 3)) & 3);
    uint32_t blk = (uint32_t)(28 + len + pad + 4);
    uint8_t tail[8] = {0};
    memcpy(tail + pad, &blk, 4);
    return put_copy(w, tail, pad + 4, err);
}

sg_status sg_pcap_writer_write_ref(sg_pcap_writer *w, int64_t t_ns, const void *a, size_t alen, const void *b,
                                   size_t blen, int copy, sg_error *err)
{
    size_t len = alen + (b ? blen : 0);
    sg_status s = check_frame(w, t_ns, len, err);
    if (s != SG_OK) return s;
    if ((s = seek_to(w, w->pos, err)) != SG_OK) return s;
    uint8_t h[28];
    rec_hdr(w, t_ns, len, h);
    s = put_copy(w, h, rec_hdr_len(w), err);
    /* headers and small payloads are copied next to the record header (one contiguous iovec for
     * runs of small packets); large payloads are referenced */
    if (s == SG_OK) s = put_copy(w, a, alen, err);
    if (s == SG_OK && b) s = (copy || blen <= 512) ? put_copy(w, b, blen, err) : put_ref(w, b, blen, err);
    if (s == SG_OK) s = put_tail(w, len, err);
    if (s != SG_OK) return s;
    w->packets++;
    w->bytes += len;
    return SG_OK;
}

sg_status sg_pcap_writer_frame_begin(sg_pcap_writer *w, size_t cap, uint8_t **hdr, sg_error *err)
{
    size_t need = rec_hdr_len(w) + cap;
    if (need > STAGE)
        return sg_error_set(err, SG_ERR_RANGE, "%s: packet %llu: %zu header bytes exceed the staging area",
                            wname(w), (unsigned long long)w->packets + 1, cap);
    sg_status ss = seek_to(w, w->pos, err);
    if (ss != SG_OK) return ss;
    /* room for this record and the iovecs of its payload slice and pcapng trailer */
    if (w->slen + need > STAGE || w->niov + 3 > IOVN) {
        sg_status s = sg_pcap_writer_sync(w, err);
        if (s != SG_OK) return s;
    }
    w->frame = w->stage + w->slen;
    *hdr = w->frame + rec_hdr_len(w);
    return SG_OK;
}

sg_status sg_pcap_writer_frame_end(sg_pcap_writer *w, int64_t t_ns, size_t hdr_len, const uint8_t *pay,
                                   size_t pay_len, sg_error *err)
{
    size_t len = hdr_len + (pay ? pay_len : 0);
    sg_status s = check_frame(w, t_ns, len, err);
    if (s != SG_OK) return s;
    uint8_t *r = w->frame;
    size_t rh = rec_hdr_len(w);
    rec_hdr(w, t_ns, len, r);
    /* the record is already in the staging area: account for it and reference it in place */
    w->slen += rh + hdr_len;
    s = put_ref(w, r, rh + hdr_len, err);
    if (s == SG_OK && pay && pay_len) s = pay_len <= 512 ? put_copy(w, pay, pay_len, err) : put_ref(w, pay, pay_len, err);
    if (s == SG_OK) s = put_tail(w, len, err);
    w->frame = NULL;
    if (s != SG_OK) return s;
    w->packets++;
    w->bytes += len;
    return SG_OK;
}

sg_status sg_pcap_writer_write(sg_pcap_writer *w, int64_t t_ns, const void *a, size_t alen, const void *b, size_t blen,
                               sg_error *err)
{
    return sg_pcap_writer_write_ref(w, t_ns, a, alen, b, blen, 1, err);
}

uint64_t sg_pcap_writer_packets(const sg_pcap_writer *w) { return w->packets; }
uint64_t sg_pcap_writer_bytes(const sg_pcap_writer *w) { return w->bytes; }

sg_status sg_pcap_writer_close(sg_pcap_writer *w, sg_error *err)
{
    sg_status s = sg_pcap_writer_sync(w, err);
    if (s != SG_OK) {
        sg_pcap_writer_abort(w);
        return s;
    }
    if (w->of) s = sg_outfile_commit(w->of, err);
    free(w->stage);
    free(w->name);
    free(w);
    return s;
}

void sg_pcap_writer_abort(sg_pcap_writer *w)
{
    if (!w) return;
    sg_outfile_abort(w->of);
    free(w->stage);
    free(w->name);
    free(w);
}
