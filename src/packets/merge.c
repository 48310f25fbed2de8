/* k-way time-ordered merge of per-flow frame lists (binary min-heap on (time, flow index)). */
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"
#include "secgen/packets.h"

#define SPARE_BYTES ((size_t)32 << 20)

typedef struct mflow {
    sg_frames fr;
    size_t pos;
    uint64_t idx;
} mflow;

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
};

sg_merger *sg_merger_create(void) { return calloc(1, sizeof(sg_merger)); }

void sg_merger_destroy(sg_merger *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) { sg_frames_free(&m->heap[i].f->fr); free(m->heap[i].f); }
    for (size_t i = 0; i < m->nspare; i++) { sg_frames_free(&m->spare[i]->fr); free(m->spare[i]); }
    free(m->heap);
    free(m->spare);
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

sg_status sg_merger_add(sg_merger *m, sg_frames *fr, uint64_t flow_index, sg_error *err)
{
    if (fr->n == 0) return SG_OK;
    mflow *f;
    if (m->nspare) f = m->spare[--m->nspare];
    else if (!(f = calloc(1, sizeof *f))) return sg_error_set(err, SG_ERR_NOMEM, "merger: out of memory");
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        hent *nh = realloc(m->heap, nc * sizeof *nh);
        if (!nh) { sg_frames_free(&f->fr); free(f); return sg_error_set(err, SG_ERR_NOMEM, "merger: out of memory"); }
        m->heap = nh;
        m->cap = nc;
    }
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
        const sg_frame *fr = &f->fr.f[f->pos];
        /* frames are referenced, not copied: finished flows' buffers stay untouched until this
         * function returns (they are only reused by a later sg_merger_add), and we sync first */
        sg_status s = sg_pcap_writer_write_ref(w, fr->t_ns, f->fr.buf + fr->hdr_off, fr->hdr_len, fr->pay, fr->pay_len, 0, err);
        if (s != SG_OK) return s;
        if (++f->pos < f->fr.n) {
            m->heap[0].t = f->fr.f[f->pos].t_ns;
        } else {
            m->heap[0] = m->heap[--m->n];
            if (m->nspare == m->spcap) {
                size_t nc = m->spcap ? m->spcap * 2 : 64;
                mflow **ns = realloc(m->spare, nc * sizeof *ns);
                if (!ns) {
                    /* cannot park it: write out what references it, then free it */
                    s = sg_pcap_writer_sync(w, err);
                    sg_frames_free(&f->fr);
                    free(f);
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
    while (m->nspare > 1024) {
        mflow *f = m->spare[--m->nspare];
        sg_frames_free(&f->fr);
        free(f);
    }
    size_t kept = 0;
    for (size_t i = 0; i < m->nspare; i++) {
        sg_frames *fr = &m->spare[i]->fr;
        size_t b = fr->bufcap + fr->cap * sizeof(sg_frame);
        if (kept + b > SPARE_BYTES) sg_frames_free(fr);
        else kept += b;
    }
    return s;
}
