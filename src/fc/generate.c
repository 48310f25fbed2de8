/* FlowChronicle generation (spec §7 with decision D8 for arbitrary spans).
 *
 * Time is cut into one-hour slots aligned on UTC hours. Slot s (absolute hour index) gets
 * K ~ Poisson(rate(h)) pattern instances, rate = training instances per hour for its hour of week
 * (falling back to hour of day, then the mean, when the training span never covered that hour).
 * Each instance picks one training instance of that hour uniformly — this gives the pattern with
 * the right frequency and a start offset inside the hour, jittered by the spec's KDE (N(0, 1) in
 * 10 ms units) — then samples its pattern's BN and its inter-row delays (resampled training
 * delays + N(0, 1), clamped at 0). Instance j of slot s draws only from
 * sg_rng(seed, FC_STREAM_INSTANCE, s << 24 | j), and K from sg_rng(seed, FC_STREAM_COUNT, s),
 * so slots can be generated in parallel and in any order. A min-heap keyed by
 * (time, instance, row) releases flows in time order once no later slot can precede them:
 * memory holds at most the flows of a batch of slots plus rows delayed past it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

#define FC_STREAM_COUNT 0x46430001u
#define FC_STREAM_INSTANCE 0x46430002u
#define HOUR_US INT64_C(3600000000)
#define SLOT_BATCH 8
#define MAX_PER_SLOT (1u << 24)

typedef struct gen_item {
    int64_t t;
    uint64_t inst;
    uint32_t row;
    int32_t pattern;
    sg_flow flow;
} gen_item;

struct sg_fc_generator {
    const sg_fc_model *m;
    sg_fc_gen_opts o;
    int64_t start, end; /* end = INT64_MAX without duration */
    int64_t next_slot;  /* absolute hour index of the next slot to generate */
    int64_t last_slot;  /* last slot (inclusive) when a duration is set */
    gen_item *heap;
    size_t nheap, cap;
    uint64_t emitted;
    int64_t empty_slots; /* consecutive slots without any flow (guard when only -n is given) */
    int done;
};


static int item_before(const gen_item *a, const gen_item *b)
{
    if (a->t != b->t) return a->t < b->t;
    if (a->inst != b->inst) return a->inst < b->inst;
    return a->row < b->row;
}

static int heap_push(sg_fc_generator *g, const gen_item *it)
{
    if (g->nheap == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 1024;
        gen_item *nh = realloc(g->heap, nc * sizeof *nh);
        if (!nh) return -1;
        g->heap = nh;
        g->cap = nc;
    }
    size_t i = g->nheap++;
    g->heap[i] = *it;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!item_before(&g->heap[i], &g->heap[p])) break;
        gen_item t = g->heap[i];
        g->heap[i] = g->heap[p];
        g->heap[p] = t;
        i = p;
    }
    return 0;
}

static void heap_pop(sg_fc_generator *g, gen_item *out)
{
    *out = g->heap[0];
    g->heap[0] = g->heap[--g->nheap];
    size_t n = g->nheap, i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < n && item_before(&g->heap[l], &g->heap[b])) b = l;
        if (r < n && item_before(&g->heap[r], &g->heap[b])) b = r;
        if (b == i) break;
        gen_item t = g->heap[i];
        g->heap[i] = g->heap[b];
        g->heap[b] = t;
        i = b;
    }
}

sg_status sg_fc_generator_create(const sg_fc_model *m, const sg_fc_gen_opts *o, sg_fc_generator **out, sg_error *err)
{
    *out = NULL;
    if (o->duration_us <= 0 && o->max_flows == 0)
        return sg_error_set(err, SG_ERR_INVALID, "generation needs a flow count or a duration");
    sg_fc_generator *g = calloc(1, sizeof *g);
    if (!g) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    g->m = m;
    g->o = *o;
    g->start = o->start_us == INT64_MIN ? m->t_first_us : o->start_us;
    if (o->duration_us <= 0 || __builtin_add_overflow(g->start, o->duration_us, &g->end)) g->end = INT64_MAX;
    if (g->start < INT64_C(-8000000000000000000) / 4 || g->start > INT64_C(8000000000000000000) / 4) {
        free(g);
        return sg_error_set(err, SG_ERR_RANGE, "generation start time out of range");
    }
    g->next_slot = sg_floor_div(g->start, HOUR_US);
    g->last_slot = g->end == INT64_MAX ? INT64_MAX : sg_floor_div(g->end - 1, HOUR_US);
    *out = g;
    return SG_OK;
}

void sg_fc_generator_destroy(sg_fc_generator *g)
{
    if (!g) return;
    free(g->heap);
    free(g);
}

uint64_t sg_fc_generator_count(const sg_fc_generator *g) { return g->emitted; }

static uint64_t poisson(sg_rng *r, double lambda)
{
    if (lambda <= 0) return 0;
    if (lambda < 30) {
        /* Knuth: multiply uniforms until below e^-lambda */
        double L = exp(-lambda), p = 1.0;
        uint64_t k = 0;
        do {
            k++;
            p *= sg_rng_uniform(r);
        } while (p > L && k < 1000);
        return k - 1;
    }
    double x = floor(lambda + sqrt(lambda) * sg_rng_normal(r) + 0.5);
    return x < 0 ? 0 : (uint64_t)x;
}

/* integer range of bin b (the first bin includes its lower edge) */
static void bin_int_range(const fc_column *col, uint32_t b, double *ilo, double *ihi)
{
    *ilo = b == 1 ? ceil(col->edges[0]) : floor(col->edges[b - 1]) + 1.0;
    *ihi = floor(fc_bin_top(col, b)); /* the top bin reaches its tail's truncation level (when kept) */
}

/* value of a numeric code at within-bin probability u: bin 0 -> 0; bin k -> the k-th bin's
 * quantile function at u (docs/flowchronicle.md "Un-binning"), or, in the reference's mode or for
 * models without within-bin quantiles, uniform inside (e_{k-1}, e_k] (integers: a uniform integer
 * of the interval, the first bin including e_0) */
static double unbin(const fc_column *col, uint32_t code, double u, int uniform)
{
    uint32_t b = code < col->ndom ? col->code_bin[code] : 0;
    if (b == 0 || col->nedges == 0) return 0.0;
    if (col->nedges == 1) return col->integer ? llround(col->edges[0]) : col->edges[0];
    if (!uniform && col->inq) {
        double v = fc_inbin_value(col, b, u);
        if (!col->integer) return v;
        double ilo, ihi;
        bin_int_range(col, b, &ilo, &ihi);
        v = (double)llround(v);
        if (ihi < ilo) return (double)llround(col->edges[b]);
        return v < ilo ? ilo : v > ihi ? ihi : v;
    }
    double lo = col->edges[b - 1], hi = col->edges[b];
    if (col->integer) {
        double ilo, ihi;
        bin_int_range(col, b, &ilo, &ihi);
        if (ihi < ilo) return (double)llround(hi);
        double k = floor(u * (ihi - ilo + 1.0));
        return ilo + (k > ihi - ilo ? ihi - ilo : k);
    }
    return lo + (hi - lo) * u;
}

/* Bytes of one direction given its packet count: stay in the generated bin where the bin meets the
 * training range of bytes per packet [lo*p, hi*p] (drawn from the bin's quantile function restricted
 * to that range); otherwise take the nearest feasible value. Without this, independent un-binning
 * of bytes and packets gives flows of 3 bytes per packet. */
static uint64_t fit_bytes(const sg_fc_model *m, int dir, const fc_column *col, uint32_t code, uint64_t bytes,
                          uint64_t pkts, int uniform, sg_rng *r, int *infeasible)
{
    if (!m->have_bpp[dir] || pkts == 0) return bytes;
    double flo = ceil(m->bpp_lo[dir] * (double)pkts), fhi = floor(m->bpp_hi[dir] * (double)pkts);
    if (fhi < flo) fhi = flo;
    if ((double)bytes >= flo && (double)bytes <= fhi) return bytes;
    uint32_t b = code < col->ndom ? col->code_bin[code] : 0;
    if (b > 0 && col->nedges > 1) {
        double lo, hi;
        bin_int_range(col, b, &lo, &hi);
        if (lo < flo) lo = flo;
        if (hi > fhi) hi = fhi;
        if (lo <= hi) {
            if (uniform || !col->inq) return (uint64_t)lo + sg_rng_below(r, (uint64_t)(hi - lo) + 1);
            double ua = fc_inbin_prob(col, b, lo - 0.5), ub = fc_inbin_prob(col, b, hi + 0.5);
            double v = (double)llround(fc_inbin_value(col, b, ua + (ub - ua) * sg_rng_uniform(r)));
            return (uint64_t)(v < lo ? lo : v > hi ? hi : v);
        }
    }
    *infeasible = 1;
    return (uint64_t)((double)bytes < flo ? flo : fhi);
}

/* Packets of one direction given its bytes (quantile mode): the bytes keep their within-bin draw
 * (volume and its tail are what a user measures first), the packet count is drawn from its bin's
 * quantile function restricted to the counts the training range of bytes per packet allows
 * [bytes / hi, bytes / lo], with the direction's shared probability u. Infeasible (the bin and the
 * range do not meet): the nearest count of the range, flagged. */
static uint64_t fit_packets(const sg_fc_model *m, int dir, const fc_column *col, uint32_t code, uint64_t pkts,
                            uint64_t bytes, double u, int *infeasible)
{
    if (!m->have_bpp[dir] || bytes == 0 || pkts == 0) return pkts;
    double flo = m->bpp_hi[dir] > 0 ? ceil((double)bytes / m->bpp_hi[dir]) : 1.0;
    double fhi = m->bpp_lo[dir] > 0 ? floor((double)bytes / m->bpp_lo[dir]) : (double)bytes;
    if (flo < 1) flo = 1;
    if (fhi < flo) fhi = flo;
    if ((double)pkts >= flo && (double)pkts <= fhi) return pkts;
    uint32_t b = code < col->ndom ? col->code_bin[code] : 0;
    if (b > 0 && col->nedges > 1 && col->inq) {
        double lo, hi;
        bin_int_range(col, b, &lo, &hi);
        if (lo < flo) lo = flo;
        if (hi > fhi) hi = fhi;
        if (lo <= hi) {
            double ua = fc_inbin_prob(col, b, lo - 0.5), ub = fc_inbin_prob(col, b, hi + 0.5);
            double v = (double)llround(fc_inbin_value(col, b, ua + (ub - ua) * u));
            return (uint64_t)(v < lo ? lo : v > hi ? hi : v);
        }
    }
    *infeasible = 1;
    return (uint64_t)((double)pkts < flo ? flo : fhi);
}

/* Between two neighbouring quantiles a < c of a (bytes bin, packets bin) pair, at fraction t: the
 * column's own within-bin distribution of bin b restricted to [a, c] (its quantile function at the
 * interpolated within-bin probability), not a log-linear line. The pair keeps 9 quantiles, so its
 * top segment spans the top 12.5 % of the cell: in a heavy-tailed top bin a log-linear line from
 * the 87.5 % quantile to the maximum is log-uniform, while the data crowd near the segment's low
 * end and thin out like a power law: the line overshot p99.9 (random splits, docs/results.md: UGR'16
 * p99.9 bytes 2.1x the held-out part). The column's 33 quantiles per bin (and its tail model, where
 * kept) give the segment the data's shape. The pair's maximum equal to the column's maximum stands
 * for the bin's whole upper end (the tail beyond it, when the column has one). */
static double pair_interp(const fc_column *col, uint32_t b, double a, double c, double t)
{
    if (!col->inq || b == 0 || b >= col->nedges || !(c > a)) return a > 0 && c > a ? a * pow(c / a, t) : a + t * (c - a);
    double pa = fc_inbin_prob(col, b, a);
    double pc = c >= col->inq[(size_t)(b - 1) * (FC_INQ + 1) + FC_INQ] ? 1.0 : fc_inbin_prob(col, b, c);
    return fc_inbin_value(col, b, pa + t * (pc - pa));
}

/* One row's codes to a flow. Packets and bytes of one direction share their within-bin
 * probability (a comonotone copula): inside a (packets bin, bytes bin) cell the two rise together
 * in real traffic, and independent draws would pair the bin's largest packet count with its
 * smallest byte count. Duration shares the forward direction's: the longest flows of a cell carry
 * the most bytes (CIDDS: bytes-duration correlation 0.63 in training, 0.06 with an independent
 * draw; Density/Coverage/CMD vs training 0.576/0.814/0.0350 -> 0.582/0.825/0.0342). */
/* returns 0 when the row's bytes bin and packets bin cannot meet inside the training range of bytes
 * per packet (the flow then holds the nearest feasible byte count) */
static int decode_row(const sg_fc_model *m, const uint32_t *codes, int uniform, sg_rng *r, sg_flow *f)
{
    int infeasible = 0;
    int cpk[2] = {-1, -1}, cby[2] = {-1, -1};
    memset(f, 0, sizeof *f);
    int have_sport = 0;
    double ud[2] = {sg_rng_uniform(r), sg_rng_uniform(r)};
    for (size_t c = 0; c < m->C; c++) {
        const fc_column *col = &m->col[c];
        const char *lab = fc_model_label(m, c, codes[c]);
        switch (col->field) {
        case FC_F_PROTO: fc_proto_parse(lab, &f->proto); break;
        case FC_F_SRC_IP: snprintf(f->src_ip, sizeof f->src_ip, "%s", lab); break;
        case FC_F_DST_IP: snprintf(f->dst_ip, sizeof f->dst_ip, "%s", lab); break;
        case FC_F_SRC_PORT: f->src_port = (uint16_t)strtoul(lab, NULL, 10); have_sport = 1; break;
        case FC_F_DST_PORT: f->dst_port = (uint16_t)strtoul(lab, NULL, 10); break;
        case FC_F_FLAGS: fc_flags_parse(lab, &f->flags); break;
        case FC_F_FWD_PKTS: f->fwd_packets = (uint64_t)unbin(col, codes[c], ud[0], uniform); cpk[0] = (int)c; break;
        case FC_F_FWD_BYTES: f->fwd_bytes = (uint64_t)unbin(col, codes[c], ud[0], uniform); cby[0] = (int)c; break;
        case FC_F_BWD_PKTS: f->bwd_packets = (uint64_t)unbin(col, codes[c], ud[1], uniform); cpk[1] = (int)c; break;
        case FC_F_BWD_BYTES: f->bwd_bytes = (uint64_t)unbin(col, codes[c], ud[1], uniform); cby[1] = (int)c; break;
        case FC_F_DURATION:
            f->duration_us = (int64_t)llround(unbin(col, codes[c], ud[0], uniform) * 1e6);
            break;
        default: break;
        }
    }
    uint64_t *pk[2] = {&f->fwd_packets, &f->bwd_packets}, *by[2] = {&f->fwd_bytes, &f->bwd_bytes};
    for (int d = 0; d < 2; d++) {
        if (cby[d] < 0 || cpk[d] < 0) continue;
        /* bytes without packets: the smallest packet count the training range allows */
        if (*pk[d] == 0 && *by[d] > 0 && m->have_bpp[d] && m->bpp_hi[d] > 0)
            *pk[d] = (uint64_t)ceil((double)*by[d] / m->bpp_hi[d]);
        if (uniform || !m->col[cpk[d]].inq || !m->col[cby[d]].inq) {
            *by[d] = fit_bytes(m, d, &m->col[cby[d]], codes[cby[d]], *by[d], *pk[d], uniform, r, &infeasible);
            continue;
        }
        /* quantile mode: first keep the bytes inside what the packets *bin* allows (a cell such as
         * "top bytes bin, 50-103 packets" holds the low end of the bytes bin in training), then draw
         * the packet count given the bytes */
        const fc_column *cb = &m->col[cby[d]], *cp = &m->col[cpk[d]];
        uint32_t bb = codes[cby[d]] < cb->ndom ? cb->code_bin[codes[cby[d]]] : 0;
        uint32_t pb = codes[cpk[d]] < cp->ndom ? cp->code_bin[codes[cpk[d]]] : 0;
        size_t pq = SIZE_MAX;
        if (bb > 0 && pb > 0) { /* the byte counts of this (bytes bin, packets bin) pair in training */
            uint32_t key = bb << 16 | pb;
            size_t lo = 0, hi = m->npq[d];
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (m->pq_key[d][mid] < key) lo = mid + 1;
                else hi = mid;
            }
            if (lo < m->npq[d] && m->pq_key[d][lo] == key) pq = lo;
        }
        if (pq != SIZE_MAX) { /* both counts from the pair's quantiles, at the direction's shared u */
            const double *q = m->pq_val[d] + pq * 2 * (FC_PQ + 1);
            double p = ud[d] * FC_PQ;
            int j = (int)p;
            if (j >= FC_PQ) j = FC_PQ - 1;
            double t = p - j;
            for (int w = 0; w < 2; w++) {
                double a = q[w * (FC_PQ + 1) + j], c = q[w * (FC_PQ + 1) + j + 1];
                *(w ? pk[d] : by[d]) = (uint64_t)llround(pair_interp(w ? cp : cb, w ? pb : bb, a, c, t));
            }
        } else if (m->have_bpp[d] && bb > 0 && pb > 0 && cb->nedges > 1 && cp->nedges > 1) {
            double plo, phi, lo, hi;
            bin_int_range(cp, pb, &plo, &phi);
            bin_int_range(cb, bb, &lo, &hi);
            double flo = ceil(plo * m->bpp_lo[d]), fhi = floor(phi * m->bpp_hi[d]);
            if (lo < flo) lo = flo;
            if (hi > fhi) hi = fhi;
            if (lo <= hi && ((double)*by[d] < lo || (double)*by[d] > hi)) {
                double ua = fc_inbin_prob(cb, bb, lo - 0.5), ub = fc_inbin_prob(cb, bb, hi + 0.5);
                double v = (double)llround(fc_inbin_value(cb, bb, ua + (ub - ua) * ud[d]));
                *by[d] = (uint64_t)(v < lo ? lo : v > hi ? hi : v);
            }
        }
        *pk[d] = fit_packets(m, d, cp, codes[cpk[d]], *pk[d], *by[d], ud[d], &infeasible);
    }
    if (m->one_pkt_zero_dur && f->fwd_packets + f->bwd_packets == 1) f->duration_us = 0;
    /* bidirectional models do not model the (ephemeral) source port: draw one */
    if (!have_sport && (f->proto == SG_PROTO_TCP || f->proto == SG_PROTO_UDP))
        f->src_port = (uint16_t)(49152 + sg_rng_below(r, 16384));
    return !infeasible;
}

static int64_t pick_delay(const fc_gpat *g, size_t r, sg_rng *rng)
{
    if (g->ndelays[r] == 0) return 0;
    double d = (double)g->delays[r][sg_rng_below(rng, g->ndelays[r])] + sg_rng_normal(rng);
    int64_t x = (int64_t)llround(d);
    return x < 0 ? 0 : x;
}

/* Does a row hold only (protocol, port) pairs the training data had, for every port column? */
static int row_supported(const sg_fc_model *m, const uint32_t *codes)
{
    size_t cproto = SIZE_MAX;
    for (size_t c = 0; c < m->C; c++)
        if (m->col[c].field == FC_F_PROTO) cproto = c;
    if (cproto == SIZE_MAX) return 1;
    uint32_t pc = codes[cproto];
    for (size_t c = 0; c < m->C; c++) {
        const fc_column *col = &m->col[c];
        if (col->field != FC_F_DST_PORT && col->field != FC_F_SRC_PORT) continue;
        if (col->protos && codes[c] < col->ndom && pc < 32 && !((col->protos[codes[c]] >> pc) & 1)) return 0;
    }
    return 1;
}

static int svc_known(const sg_fc_model *m, uint32_t addr, unsigned long port)
{
    uint64_t key = (uint64_t)addr << 16 | port;
    size_t lo = 0, hi = m->nsvc;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->svc[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->nsvc && m->svc[lo] == key;
}

/* A host serves what it served in training: a TCP/UDP row whose destination address was never seen
 * with its destination system port (< 1024) gets one of the port's training servers instead, drawn
 * by their record counts. Only the address moves — the rest of the record keeps the BN's draw, which
 * conditioning by rejection would reshape (measured: CMD 0.040 -> 0.045 on CIDDS). The source side
 * of one-way responses is left alone: repairing it too cost CMD on UGR'16 (0.0337 -> 0.0345) for
 * no DKC gain. A remembered
 * address (SET) carries the new value to the rows that reuse it; a reused or fixed address cannot
 * move: 0 = the instance must be redrawn. */
static int repair_services(const sg_fc_model *m, const fc_gpat *gp, size_t row, uint32_t (*cell)[FC_MAXC], sg_rng *r)
{
    if (!m->svc) return 1;
    size_t cproto = SIZE_MAX;
    for (size_t c = 0; c < m->C; c++)
        if (m->col[c].field == FC_F_PROTO) cproto = c;
    if (cproto == SIZE_MAX) return 1;
    const char *plab = fc_model_label(m, cproto, cell[row][cproto]);
    if (strcmp(plab, "TCP") && strcmp(plab, "UDP")) return 1;
    for (size_t c = 0; c < m->C; c++) {
        const fc_column *col = &m->col[c];
        if (col->field != FC_F_DST_PORT) continue;
        unsigned long port = strtoul(fc_model_label(m, c, cell[row][c]), NULL, 10);
        if (port >= 1024) continue;
        for (size_t a = 0; a < m->C; a++) {
            if (m->col[a].field != FC_F_DST_IP || svc_known(m, cell[row][a], port)) continue;
            const fc_cell *x = &gp->p.cell[row][a];
            uint32_t o0 = m->svc_port_off[port], o1 = m->svc_port_off[port + 1];
            if (x->kind == FC_USE || x->kind == FC_FIXED || o1 == o0) return 0;
            uint64_t pick = sg_rng_below(r, m->svc_port_cum[o1 - 1]);
            uint32_t j = o0;
            while (m->svc_port_cum[j] <= pick) j++;
            cell[row][a] = m->svc_port_addr[j];
            if (x->kind == FC_SET)
                for (size_t rr = row + 1; rr < gp->p.nrows; rr++)
                    for (size_t cc = 0; cc < m->C; cc++)
                        if (gp->p.cell[rr][cc].kind == FC_USE && gp->p.cell[rr][cc].v == x->v) cell[rr][cc] = cell[row][a];
        }
    }
    return 1;
}

#define FC_MAX_DRAWS 100

/* Numeric joint: given the key codes the BN sampled for this row (proto, bytes bins), draw the
 * packets and duration bins from the training cells with that key (weighted by count), among the
 * cells that agree with the pattern's fixed cells. 0: the training data never had this key. */
static int draw_joint(const sg_fc_model *m, const fc_gpat *gp, size_t row, uint32_t *cell, sg_rng *r)
{
    size_t nk = m->jnk, nd = m->jnd, w = nk + nd + 1;
    if (!nk) return 1;
    size_t lo = 0, hi = m->njcell;
    while (lo < hi) { /* first cell with key >= the row's key */
        size_t mid = (lo + hi) / 2;
        const uint32_t *x = m->jcell + mid * w;
        int less = 0;
        for (size_t k = 0; k < nk; k++)
            if (x[k] != cell[m->jkey[k]]) {
                less = x[k] < cell[m->jkey[k]];
                break;
            }
        if (less) lo = mid + 1;
        else hi = mid;
    }
    uint64_t total = 0;
    size_t end = lo;
    for (; end < m->njcell; end++) {
        const uint32_t *x = m->jcell + end * w;
        int same = 1;
        for (size_t k = 0; k < nk && same; k++) same = x[k] == cell[m->jkey[k]];
        if (!same) break;
        int agree = 1;
        for (size_t k = 0; k < nd && agree; k++)
            if (gp->p.cell[row][m->jdep[k]].kind == FC_FIXED) agree = x[nk + k] == cell[m->jdep[k]];
        if (agree) total += x[w - 1];
    }
    if (total == 0) return 0;
    uint64_t pick = sg_rng_below(r, total);
    for (size_t i = lo; i < end; i++) {
        const uint32_t *x = m->jcell + i * w;
        int agree = 1;
        for (size_t k = 0; k < nd && agree; k++)
            if (gp->p.cell[row][m->jdep[k]].kind == FC_FIXED) agree = x[nk + k] == cell[m->jdep[k]];
        if (!agree) continue;
        if (pick < x[w - 1]) {
            for (size_t k = 0; k < nd; k++) cell[m->jdep[k]] = x[nk + k];
            return 1;
        }
        pick -= x[w - 1];
    }
    return 1;
}

/* One instance of pattern gp: a joint BN sample, fixed and reused cells filled, decoded. The
 * sample is conditioned by rejection (spec's BN distribution restricted to the training support):
 * redrawn while a row holds a (protocol, port) or (address, service port) pair the training data
 * never had (unless allow_novel), and redrawn with probability rule_reject[k] while a row breaks
 * soft rule k (calibrated so the generated rate meets the training rate). Returns the number of
 * rows, 0 when no supported sample came up in FC_MAX_DRAWS draws (the instance is dropped). */
static size_t sample_instance(const sg_fc_model *m, const fc_gpat *gp, int uniform, int allow_novel, int calibrate,
                              sg_rng *r, sg_flow *rows)
{
    uint32_t vals[FC_MAXR * FC_MAXC];
    uint32_t cell[FC_MAXR][FC_MAXC];
    sg_flow keep[FC_MAXR];
    int have_keep = 0;
    for (int draw = 0; draw < FC_MAX_DRAWS; draw++) {
        sg_bn_sample(gp->bn, r, vals);
        uint32_t ph[FC_MAXR * FC_MAXC] = {0};
        for (size_t v = 0; v < gp->nvars; v++) cell[gp->vrow[v]][gp->vcol[v]] = vals[v];
        for (size_t rr = 0; rr < gp->p.nrows; rr++)
            for (size_t c = 0; c < m->C; c++) {
                const fc_cell *x = &gp->p.cell[rr][c];
                if (x->kind == FC_FIXED) cell[rr][c] = x->v;
                else if (x->kind == FC_SET) ph[x->v] = cell[rr][c];
            }
        for (size_t rr = 0; rr < gp->p.nrows; rr++)
            for (size_t c = 0; c < m->C; c++)
                if (gp->p.cell[rr][c].kind == FC_USE) cell[rr][c] = ph[gp->p.cell[rr][c].v];
        int ok = 1;
        for (size_t rr = 0; rr < gp->p.nrows && ok && !allow_novel; rr++)
            ok = row_supported(m, cell[rr]) && repair_services(m, gp, rr, cell, r);
        for (size_t rr = 0; rr < gp->p.nrows && ok && !uniform; rr++) ok = draw_joint(m, gp, rr, cell[rr], r);
        if (!ok) continue;
        double accept = 1.0;
        for (size_t rr = 0; rr < gp->p.nrows; rr++) {
            /* a bytes bin that cannot meet its packets bin (1 packet of 100 kB) is redrawn too */
            if (!decode_row(m, cell[rr], uniform, r, &rows[rr])) accept = 0;
            unsigned br = calibrate ? fc_rules_broken(&rows[rr]) : 0;
            for (int k = 0; k < FC_NRULES; k++)
                if ((br >> k) & 1) accept *= 1.0 - m->rule_reject[k];
        }
        if (accept >= 1.0 || sg_rng_uniform(r) < accept) return gp->p.nrows;
        if (!have_keep) {
            memcpy(keep, rows, gp->p.nrows * sizeof *rows);
            have_keep = 1;
        }
    }
    if (!have_keep) return 0;
    memcpy(rows, keep, gp->p.nrows * sizeof *rows); /* the soft rules are soft */
    return gp->p.nrows;
}

#define FC_STREAM_CALIB 0x46430003u
#define FC_CALIB_N 20000

/* Rule-rate calibration: sample FC_CALIB_N instances as generation does (training instances
 * uniformly, fixed seed), measure the share b_k of records breaking soft rule k, and set the
 * redraw probability f_k so that b_k (1 - f_k) / (1 - b_k f_k) = z_k, the training share. */
sg_status fc_model_calibrate(sg_fc_model *m)
{
    for (int k = 0; k < FC_NRULES; k++) m->rule_reject[k] = 0;
    if (m->ninst == 0) return SG_OK;
    double broken[FC_NRULES] = {0}, rows = 0;
    sg_flow f[FC_MAXR];
    for (uint64_t i = 0; i < FC_CALIB_N; i++) {
        sg_rng r;
        sg_rng_init(&r, 0, FC_STREAM_CALIB, i);
        const fc_gpat *gp = &m->pats[m->inst_pat[sg_rng_below(&r, m->ninst)]];
        size_t nr = sample_instance(m, gp, 0, 0, 0, &r, f);
        for (size_t j = 0; j < nr; j++) {
            unsigned b = fc_rules_broken(&f[j]);
            for (int k = 0; k < FC_NRULES; k++) broken[k] += (b >> k) & 1;
            rows++;
        }
    }
    for (int k = 0; k < FC_NRULES && rows > 0; k++) {
        double b = broken[k] / rows, z = m->rule_rate[k];
        if (z >= 0 && b > z && z < 1) /* z < 0: no training rate (older model) */ m->rule_reject[k] = (b - z) / (b * (1 - z));
    }
    return SG_OK;
}

/* generate slot s into out (vector of gen_item) */
static int gen_slot(const sg_fc_generator *g, int64_t s, sg_vec *out)
{
    const sg_fc_model *m = g->m;
    int how = sg_hour_of_week(s);
    double rate;
    const uint32_t *pool;
    size_t npool;
    if (m->how_rate[how] >= 0) {
        rate = m->how_rate[how];
        pool = m->inst_by_how + m->how_off[how];
        npool = m->how_off[how + 1] - m->how_off[how];
    } else if (m->hod_rate[how % 24] >= 0) {
        rate = m->hod_rate[how % 24];
        pool = m->inst_by_hod + m->hod_off[how % 24];
        npool = m->hod_off[how % 24 + 1] - m->hod_off[how % 24];
    } else {
        rate = m->mean_rate;
        pool = NULL;
        npool = m->ninst;
    }
    if (npool == 0 || rate <= 0) return 0;
    sg_rng rc;
    sg_rng_init(&rc, g->o.seed, FC_STREAM_COUNT, (uint64_t)s);
    uint64_t K = poisson(&rc, rate);
    if (K >= MAX_PER_SLOT) K = MAX_PER_SLOT - 1;
    int64_t slot_us = s * HOUR_US;
    for (uint64_t j = 0; j < K; j++) {
        uint64_t inst = ((uint64_t)s << 24) | j;
        sg_rng r;
        sg_rng_init(&r, g->o.seed, FC_STREAM_INSTANCE, inst);
        size_t pick = sg_rng_below(&r, npool);
        uint32_t ti = pool ? pool[pick] : (uint32_t)pick;
        const fc_gpat *gp = &m->pats[m->inst_pat[ti]];
        /* start: the training offset inside the hour + the instance's kernel (adaptive KDE, see
         * fc_model_prepare), wrapped inside the hour so no slot boundary collects mass */
        int64_t bw = m->inst_bw ? (int64_t)m->inst_bw[ti] : 1;
        int64_t off = (int64_t)m->inst_off[ti] * FC_TIME_UNIT_US +
                      (int64_t)llround(sg_rng_normal(&r) * (double)(bw * FC_TIME_UNIT_US));
        off %= HOUR_US;
        if (off < 0) off += HOUR_US;
        if (!pool) off = (int64_t)sg_rng_below(&r, HOUR_US);
        sg_flow rows[FC_MAXR];
        size_t nr = sample_instance(m, gp, g->o.unbin_uniform, g->o.allow_novel, !g->o.unbin_uniform, &r, rows);
        int64_t t = slot_us + off;
        for (size_t rr = 0; rr < nr; rr++) {
            if (rr > 0) t += pick_delay(gp, rr - 1, &r) * FC_TIME_UNIT_US;
            if (t >= g->end) break; /* this row and the later ones fall outside (spec §7.4) */
            if (t < g->start) continue;
            gen_item it;
            it.flow = rows[rr];
            it.flow.start_us = t;
            it.t = t;
            it.inst = inst;
            it.row = (uint32_t)rr;
            it.pattern = m->inst_pat[ti] == m->npat ? -1 : (int32_t)m->inst_pat[ti];
            if (sg_vec_push(out, &it) != SG_OK) return -1;
        }
    }
    return 0;
}

/* generate the next batch of slots (parallel) and push their flows */
static int gen_batch(sg_fc_generator *g)
{
    int64_t s0 = g->next_slot;
    int64_t nb = SLOT_BATCH;
    /* keep a batch around 200k flows for very busy models */
    if (g->m->mean_rate * SLOT_BATCH > 200000.0) nb = (int64_t)(200000.0 / g->m->mean_rate) + 1;
    if (nb > SLOT_BATCH) nb = SLOT_BATCH;
    if (g->last_slot != INT64_MAX && s0 + nb - 1 > g->last_slot) nb = g->last_slot - s0 + 1;
    if (nb <= 0) {
        g->done = 1;
        return 0;
    }
    sg_vec outs[SLOT_BATCH];
    int fail = 0;
    for (int64_t k = 0; k < nb; k++) sg_vec_init(&outs[k], sizeof(gen_item));
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t k = 0; k < nb; k++)
        if (gen_slot(g, s0 + k, &outs[k]) != 0) {
#pragma omp atomic write
            fail = 1;
        }
    size_t total = 0;
    for (int64_t k = 0; k < nb && !fail; k++) {
        gen_item *it = outs[k].data;
        for (size_t i = 0; i < outs[k].len && !fail; i++)
            if (heap_push(g, &it[i]) != 0) fail = 1;
        total += outs[k].len;
    }
    for (int64_t k = 0; k < nb; k++) sg_vec_free(&outs[k]);
    g->next_slot = s0 + nb;
    if (total == 0) g->empty_slots += nb;
    else g->empty_slots = 0;
    /* without a duration, stop after ten years without any flow (a model with no instances) */
    if (g->end == INT64_MAX && g->empty_slots > 24 * 365 * 10 && g->nheap == 0) g->done = 1;
    return fail ? -1 : 0;
}

sg_status sg_fc_generator_next(sg_fc_generator *g, sg_flow *flow, sg_fc_flow_info *info, int *more, sg_error *err)
{
    *more = 0;
    for (;;) {
        if (g->o.max_flows && g->emitted >= g->o.max_flows) return SG_OK;
        /* a pending flow can be released when it starts before every flow of ungenerated slots */
        if (g->nheap && (g->done || g->heap[0].t < g->next_slot * HOUR_US)) {
            gen_item it;
            heap_pop(g, &it);
            *flow = it.flow;
            if (info) {
                info->pattern = it.pattern;
                info->instance = it.inst;
                info->row = it.row;
            }
            g->emitted++;
            *more = 1;
            return SG_OK;
        }
        if (g->done) return SG_OK;
        if (gen_batch(g) != 0)
            return sg_error_set(err, SG_ERR_NOMEM, "flow generation: out of memory while sampling the hour slot %lld "
                                "(%llu flows pending)", (long long)g->next_slot, (unsigned long long)g->nheap);
    }
}
