/* k-way time-ordered merge of per-flow frame lists (binary min-heap on (time, flow index)). */
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

#define SPARE_BYTES ((size_t)8 << 20) /* buffers of finished flows kept for reuse (see generate.c) */

typedef struct mflow {
    sg_frames fr;      /* a flow added built */
    sg_vec pkts;       /* a flow added lazily: packet descriptors, built one by one when written */
    sg_flow_builder b; /* (lazy) its header state */
    int lazy;
    int mine; /* lazy, with a frame filter: some frame is this process's to write (else none is
               * built: only their lengths count) */
    size_t pos;
    uint64_t idx;
} mflow;

static void mflow_free(mflow *f)
{
    sg_builder_release(&f->b);
    sg_frames_free(&f->fr);
    sg_vec_free(&f->pkts);
    free(f);
}

static mflow *mflow_new(void)
{
    mflow *f = calloc(1, sizeof *f);
    if (f) sg_vec_init(&f->pkts, sizeof(sg_pkt));
    return f;
}

static size_t mflow_count(const mflow *f) { return f->lazy ? f->pkts.len : f->fr.n; }
static int64_t mflow_time(const mflow *f, size_t i)
{
    return f->lazy ? ((const sg_pkt *)f->pkts.data)[i].t_ns : f->fr.f[i].t_ns;
}

/* heap entries carry their key: comparisons never touch the flows' memory */
typedef struct hent {
    int64_t t;
    uint64_t idx;
    mflow *f;
} hent;

struct sg_merger {
    hent *heap;
    size_t n, cap;
    mflow **spare; /* finished flows kept for their buffers */
    size_t nspare, spcap;
    sg_merger_frame_fn on_frame; /* per written frame (per-packet labels) */
    void *on_frame_ctx;
    sg_merger_filter_fn filter; /* which frames this process writes (MPI mode); NULL: all */
    void *filter_ctx;
    uint8_t *scratch;           /* headers of skipped frames */
    size_t scratch_cap;
};

void sg_merger_set_frame_filter(sg_merger *m, sg_merger_filter_fn fn, void *ctx)
{
    m->filter = fn;
    m->filter_ctx = ctx;
}

void sg_merger_set_frame_observer(sg_merger *m, sg_merger_frame_fn fn, void *ctx)
{
    m->on_frame = fn;
    m->on_frame_ctx = ctx;
}

sg_merger *sg_merger_create(void) { return calloc(1, sizeof(sg_merger)); }

void sg_merger_destroy(sg_merger *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) mflow_free(m->heap[i].f);
    for (size_t i = 0; i < m->nspare; i++) mflow_free(m->spare[i]);
    free(m->heap);
    free(m->spare);
    free(m->scratch);
    free(m);
}

size_t sg_merger_open_flows(const sg_merger *m) { return m->n; }

static int less(const hent *a, const hent *b)
{
    if (a->t != b->t) return a->t < b->t;
    return a->idx < b->idx;
}

static void sift_down(sg_merger *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->n && less(&m->heap[l], &m->heap[s])) s = l;
        if (r < m->n && less(&m->heap[r], &m->heap[s])) s = r;
        if (s == i) return;
        hent t = m->heap[i]; m->heap[i] = m->heap[s]; m->heap[s] = t;
        i = s;
    }
}

static void sift_up(sg_merger *m, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(&m->heap[i], &m->heap[p])) return;
        hent t = m->heap[i]; m->heap[i] = m->heap[p]; m->heap[p] = t;
        i = p;
    }
}

static mflow *take_flow(sg_merger *m, sg_error *err)
{
    mflow *f;
    if (m->nspare) f = m->spare[--m->nspare];
    else if (!(f = mflow_new())) {
        sg_error_set(err, SG_ERR_NOMEM, "merger: out of memory");
        return NULL;
    }
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        hent *nh = realloc(m->heap, nc * sizeof *nh);
        if (!nh) {
            mflow_free(f);
            sg_error_set(err, SG_ERR_NOMEM, "merger: out of memory");
            return NULL;
        }
        m->heap = nh;
        m->cap = nc;
    }
    return f;
}

sg_status sg_merger_add_lazy(sg_merger *m, sg_vec *pkts, const sg_pkt_conn *conn, const sg_payload_pool *pool,
                             uint64_t seed, uint64_t flow_index, sg_error *err)
{
    if (pkts->len == 0) return SG_OK;
    mflow *f = take_flow(m, err);
    if (!f) return err ? err->status : SG_ERR_NOMEM;
    sg_status s = sg_builder_init(&f->b, conn, pool, seed, flow_index, ((const sg_pkt *)pkts->data)[0].t_ns, err);
    if (s != SG_OK) {
        mflow_free(f);
        return s;
    }
    /* swap vectors: the caller gets the spare's (cleared) one back for its next flow */
    sg_vec tmp = f->pkts;
    f->pkts = *pkts;
    sg_vec_clear(&tmp);
    *pkts = tmp;
    sg_frames_clear(&f->fr);
    f->lazy = 1;
    f->mine = 1;
    if (m->filter) {
        const sg_pkt *q = f->pkts.data;
        f->mine = 0;
        for (size_t i = 0; i < f->pkts.len && !f->mine; i++) f->mine = m->filter(m->filter_ctx, q[i].t_ns);
    }
    f->pos = 0;
    f->idx = flow_index;
    m->heap[m->n++] = (hent){mflow_time(f, 0), flow_index, f};
    sift_up(m, m->n - 1);
    return SG_OK;
}

sg_status sg_merger_add(sg_merger *m, sg_frames *fr, uint64_t flow_index, sg_error *err)
{
    if (fr->n == 0) return SG_OK;
    mflow *f = take_flow(m, err);
    if (!f) return err ? err->status : SG_ERR_NOMEM;
    f->lazy = 0;
    sg_vec_clear(&f->pkts);
    /* swap buffers: the caller gets the spare's (cleared) buffers back for its next flow */
    sg_frames tmp = f->fr;
    f->fr = *fr;
    sg_frames_clear(&tmp);
    *fr = tmp;
    f->pos = 0;
    f->idx = flow_index;
    m->heap[m->n++] = (hent){f->fr.f[0].t_ns, flow_index, f};
    sift_up(m, m->n - 1);
    return SG_OK;
}

sg_status sg_merger_flush(sg_merger *m, int64_t upto_ns, sg_pcap_writer *w, sg_error *err)
{
    while (m->n) {
        if (m->heap[0].t > upto_ns) break;
        mflow *f = m->heap[0].f;
        sg_status s;
        const int64_t t = m->heap[0].t;
        if (m->filter && !m->filter(m->filter_ctx, t)) {
            /* another process writes it: build its header all the same (the flow's sequence
             * numbers, IP ids and payload state), then only count it */
            size_t len;
            if (f->lazy && !f->mine) { /* no frame of this flow is ours: no header state needed */
                len = sg_builder_frame_len(&f->b, (const sg_pkt *)f->pkts.data + f->pos);
                s = SG_OK;
            } else if (f->lazy) {
                const sg_pkt *p = (const sg_pkt *)f->pkts.data + f->pos;
                size_t cap = sg_builder_cap(&f->b, p), hl = 0;
                const uint8_t *pay = NULL;
                uint32_t pl = 0;
                if (cap > m->scratch_cap) {
                    uint8_t *ns = realloc(m->scratch, cap);
                    if (!ns) return sg_error_set(err, SG_ERR_NOMEM, "merger: out of memory");
                    m->scratch = ns;
                    m->scratch_cap = cap;
                }
                s = sg_builder_next(&f->b, p, m->scratch, &hl, &pay, &pl, err);
                len = hl + (pay ? pl : 0);
            } else {
                const sg_frame *fr = &f->fr.f[f->pos];
                s = SG_OK;
                len = fr->hdr_len + (fr->pay ? fr->pay_len : 0);
            }
            if (s == SG_OK) s = sg_pcap_writer_skip(w, t, len, err);
        } else if (f->lazy) {
            const sg_pkt *p = (const sg_pkt *)f->pkts.data + f->pos;
            if ((p->tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_AHEAD && p->payload_len && f->b.conn.proto == SG_PROTO_TCP && f->pos + 1 >= f->pkts.len)
                return sg_error_set(err, SG_ERR_INVALID, "flow %llu: a reordered segment is the flow's last packet",
                                    (unsigned long long)f->idx);
            uint8_t *h;
            size_t hl = 0;
            const uint8_t *pay = NULL;
            uint32_t pl = 0;
            s = sg_pcap_writer_frame_begin(w, sg_builder_cap(&f->b, p), &h, err);
            if (s == SG_OK) s = sg_builder_next(&f->b, p, h, &hl, &pay, &pl, err);
            if (s == SG_OK) s = sg_pcap_writer_frame_end(w, p->t_ns, hl, pay, pl, err);
        } else {
            const sg_frame *fr = &f->fr.f[f->pos];
            /* frames are referenced, not copied: finished flows' buffers stay untouched until this
             * function returns (they are only reused by a later sg_merger_add), and we sync first */
            s = sg_pcap_writer_write_ref(w, fr->t_ns, f->fr.buf + fr->hdr_off, fr->hdr_len, fr->pay, fr->pay_len, 0, err);
        }
        if (s != SG_OK) return s;
        if (m->on_frame) m->on_frame(m->on_frame_ctx, m->heap[0].idx);
        if (++f->pos < mflow_count(f)) {
            m->heap[0].t = mflow_time(f, f->pos);
        } else {
            if (f->lazy) sg_builder_release(&f->b); /* its noise copies, before the flow is parked */
            m->heap[0] = m->heap[--m->n];
            if (m->nspare == m->spcap) {
                size_t nc = m->spcap ? m->spcap * 2 : 64;
                mflow **ns = realloc(m->spare, nc * sizeof *ns);
                if (!ns) {
                    /* cannot park it: write out what references it, then free it */
                    s = sg_pcap_writer_sync(w, err);
                    mflow_free(f);
                    if (s != SG_OK) return s;
                    f = NULL;
                } else {
                    m->spare = ns;
                    m->spcap = nc;
                }
            }
            if (f) m->spare[m->nspare++] = f;
        }
        if (m->n) sift_down(m, 0);
    }
    sg_status s = sg_pcap_writer_sync(w, err);
    /* keep at most 1024 spare buffers within a byte budget (the earliest parked first), so memory
     * follows the flows open now rather than the largest flows seen so far, while reused buffers
     * spare the page faults of fresh ones */
    while (m->nspare > 1024) mflow_free(m->spare[--m->nspare]);
    size_t kept = 0;
    for (size_t i = 0; i < m->nspare; i++) {
        mflow *f = m->spare[i];
        size_t b = f->fr.bufcap + f->fr.cap * sizeof(sg_frame) + f->pkts.cap * sizeof(sg_pkt);
        if (kept + b > SPARE_BYTES) {
            sg_frames_free(&f->fr);
            sg_vec_free(&f->pkts);
            sg_vec_init(&f->pkts, sizeof(sg_pkt));
        } else {
            kept += b;
        }
    }
    return s;
}
