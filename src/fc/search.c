/* FlowChronicle search (spec §2.3 cover, §3.4 data cost, §5.5 folding, §6 candidates, acceptance,
 * pruning and the main loop). Candidate evaluation is a pure function of the current model, so
 * batches of candidates are scored/tested in parallel (OpenMP) and reduced in rank order: the
 * result is the one of the sequential algorithm, whatever the number of threads.
 *
 * The cover is maintained incrementally (docs/flowchronicle.md "Scaling"): a candidate test
 * re-decides only the windows whose status can change — the candidate's windows, the windows they
 * displace, and, transitively, the later windows sharing a flow with a window that lost its place —
 * in the greedy order; the data cost changes by the terms of the windows that changed, with KT
 * counts updated from the changed records only (ktinc.c). The full greedy cover (§2.3) is kept as
 * the reference that fc_search_verify and the final figures use. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fc/fc_internal.h"

#define FC_MAX_FAILURES 20 /* MAX_UNSUCCESSFUL_CANDIDATES */
#define FC_MAX_FOLDS 64
#define FC_MAX_SCR 256

#define OWN_NONE UINT32_MAX         /* flow not covered */
#define OWN_UNSET (UINT32_MAX - 1)  /* trial overlay: flow unchanged */

typedef struct fc_ord {
    int64_t prio;
    uint32_t pat;
    uint32_t widx;
    uint32_t start;
} fc_ord;

/* A queued candidate. score is exact or (exact == 0) an upper bound of the exact score: the
 * bound is replaced by the exact score when the candidate reaches the top of the heap (lazy
 * evaluation), which yields exactly the ranking of the all-exact heap. */
typedef struct fc_cand {
    uint64_t score;
    uint64_t seq;
    size_t keyoff;
    uint32_t keylen;
    uint32_t exact;
} fc_cand;

typedef struct fc_gen {
    fc_pat p;
    uint64_t bound; /* 0: compute the exact score now */
} fc_gen;

/* a window waiting to be re-decided, keyed by its place in the greedy order (prio desc, pattern
 * asc, start asc): a window of M at rank k has key (2k + 2, 0, 0); a candidate window (last in
 * tie order) preceded by P windows of M has key (2P + 1, -prio, start) */
typedef struct fc_qent {
    uint64_t a;
    int64_t b;
    uint32_t c;
    uint32_t gid;
} fc_qent;

enum { ST_QUEUED = 1, ST_DECIDED = 2, ST_ACC = 4 };

/* per-thread scratch of the incremental cover: overlays over the current cover, reset after use */
typedef struct fc_scr {
    uint32_t *own;  /* per flow: new owner, OWN_UNSET = as in the current cover */
    sg_vec trow;    /* uint32 flows touched */
    uint8_t *st;    /* per global window id: ST_* */
    size_t stcap;
    sg_vec tgid;    /* uint32 window ids touched */
    sg_vec heap;    /* fc_qent */
    sg_vec rec_add, rec_rem; /* uint32 records */
    sg_vec ckey;    /* fc_qent of the candidate's windows */
} fc_scr;

typedef struct fc_rowchg {
    uint32_t row;
    uint32_t own;
} fc_rowchg;

struct fc_search {
    const fc_data *d;
    int64_t max_delay_units;
    sg_bn *base;
    fc_kt *basekt; /* KT counts of the base BN over the uncovered flows */
    double base_struct;
    double empty_data;
    fc_mpat **pats;
    size_t npat, cap;
    uint8_t *covered;
    uint32_t *owner; /* per flow: global id of the accepted window covering it, or OWN_NONE */
    size_t nunc;
    double data_cost;
    double model_cost;
    /* window index: global id of window k of pattern q = wbase[q] + k; rw = CSR flow -> ids of the
     * windows (of M) containing it */
    size_t *wbase;
    size_t nwin;
    size_t *rw_off;
    uint32_t *rw_ent;
    uint8_t *gacc;   /* per global id: accepted in the current cover */
    uint32_t *order; /* global ids in greedy order */
    uint32_t *rank;  /* per global id: its position in order */
    int64_t *oprio;  /* per position: the window's priority */
    fc_scr *scr[FC_MAX_SCR];
    /* candidate pool */
    sg_vec heap;   /* fc_cand */
    sg_vec keys;   /* bytes */
    sg_hashmap *seen;
    uint64_t seq;
    size_t generated, tested, evaluated;
};

static sg_status heap_push(fc_search *s, fc_cand c);

/* ---- helpers ------------------------------------------------------------------------------ */

/* base BN KT over the uncovered flows (from scratch) */
static double base_kt(const fc_search *s, const uint8_t *covered, size_t *nunc_out)
{
    const fc_data *d = s->d;
    size_t *rows = malloc((d->n ? d->n : 1) * sizeof *rows);
    *nunc_out = 0;
    if (!rows) return NAN;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!covered[i]) rows[k++] = i;
    sg_bn_data bd = {.x = d->codes, .nrows = k, .row_stride = 1, .col_stride = d->n, .rows = rows};
    double v = sg_bn_kt_bits(s->base, &bd);
    free(rows);
    *nunc_out = k;
    return v;
}

/* records of a pattern's accepted windows: usage x nvars, row-major */
static uint32_t *pattern_records(const fc_data *d, const sg_vec *wins, const uint32_t *a, size_t u, const uint8_t *vrow,
                                 const uint8_t *vcol, size_t m)
{
    uint32_t *rec = malloc((u * m + 1) * sizeof *rec);
    if (!rec) return NULL;
    const fc_win *w = wins->data;
    for (size_t i = 0; i < u; i++)
        for (size_t v = 0; v < m; v++) rec[i * m + v] = d->code[vcol[v]][w[a[i]].row[vrow[v]]];
    return rec;
}

static double pattern_kt(const fc_data *d, const sg_bn *bn, const sg_vec *wins, const uint32_t *a, size_t u,
                         const uint8_t *vrow, const uint8_t *vcol, size_t m)
{
    if (m == 0 || u == 0) return 0.0;
    uint32_t *rec = pattern_records(d, wins, a, u, vrow, vcol, m);
    if (!rec) return NAN;
    sg_bn_data bd = {.x = rec, .nrows = u, .row_stride = m, .col_stride = 1};
    double v = sg_bn_kt_bits(bn, &bd);
    free(rec);
    return v;
}

static int cmp_ord(const void *a, const void *b)
{
    const fc_ord *x = a, *y = b;
    if (x->prio != y->prio) return x->prio > y->prio ? -1 : 1;
    if (x->pat != y->pat) return x->pat < y->pat ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* all windows of M in greedy order (used by the from-scratch cover only) */
static sg_status build_order(const fc_search *s, sg_vec *order)
{
    sg_vec_init(order, sizeof(fc_ord));
    for (size_t q = 0; q < s->npat; q++) {
        const fc_win *w = s->pats[q]->wins.data;
        for (size_t k = 0; k < s->pats[q]->wins.len; k++) {
            fc_ord o = {w[k].prio, (uint32_t)q, (uint32_t)k, w[k].row[0]};
            if (sg_vec_push(order, &o) != SG_OK) return SG_ERR_NOMEM;
        }
    }
    if (order->len > 1) qsort(order->data, order->len, sizeof(fc_ord), cmp_ord);
    return SG_OK;
}

/* Greedy cover from scratch (§2.3) of M without pattern `skip` (-1: none) plus an optional extra
 * pattern with sorted windows xw (index npat, last in tie order). acc must hold npat + 1 vectors. */
static sg_status cover_compute(const fc_search *s, const sg_vec *order, long skip, const fc_pat *xp, const sg_vec *xw,
                               uint8_t *covered, sg_vec *acc)
{
    const fc_data *d = s->d;
    memset(covered, 0, d->n);
    for (size_t q = 0; q <= s->npat; q++) sg_vec_clear(&acc[q]);
    const fc_ord *o = order->data;
    size_t no = order->len, io = 0, ix = 0, nx = xw ? xw->len : 0;
    const fc_win *xwin = xw ? xw->data : NULL;
    while (io < no || ix < nx) {
        int take_x;
        if (io >= no) take_x = 1;
        else if (ix >= nx) take_x = 0;
        else take_x = xwin[ix].prio > o[io].prio;
        const fc_win *w;
        size_t L, pat;
        uint32_t widx;
        if (take_x) {
            w = &xwin[ix];
            L = xp->nrows;
            pat = s->npat;
            widx = (uint32_t)ix;
            ix++;
        } else {
            pat = o[io].pat;
            widx = o[io].widx;
            io++;
            if ((long)pat == skip) continue;
            w = &SG_VEC_AT(&s->pats[pat]->wins, fc_win, widx);
            L = s->pats[pat]->p.nrows;
        }
        int ok = 1;
        for (size_t r = 0; r < L && ok; r++) ok = !covered[w->row[r]];
        if (!ok) continue;
        for (size_t r = 0; r < L; r++) covered[w->row[r]] = 1;
        if (sg_vec_push(&acc[pat], &widx) != SG_OK) return SG_ERR_NOMEM;
    }
    return SG_OK;
}

/* L(D | cover) (§3.4) from scratch, every KT counted afresh */
static double cover_cost_full(const fc_search *s, const uint8_t *covered, const sg_vec *acc)
{
    const fc_data *d = s->d;
    double total = 0.0;
    for (size_t q = 0; q < s->npat; q++) {
        size_t u = acc[q].len;
        if (u == 0) continue;
        const fc_mpat *mp = s->pats[q];
        const fc_win *w = mp->wins.data;
        const uint32_t *a = acc[q].data;
        for (size_t i = 0; i < u; i++) total += w[a[i]].cost;
        total += sg_universal_int_bits(u);
        total += pattern_kt(d, mp->bn, &mp->wins, a, u, mp->vrow, mp->vcol, mp->nvars);
    }
    size_t nunc;
    total += base_kt(s, covered, &nunc);
    total += d->tau * (double)nunc;
    return total;
}

/* ---- window index ------------------------------------------------------------------------------ */

static sg_status index_rebuild(fc_search *s)
{
    const fc_data *d = s->d;
    free(s->wbase);
    free(s->rw_ent);
    s->rw_ent = NULL;
    s->wbase = malloc((s->npat + 1) * sizeof *s->wbase);
    if (!s->wbase) return SG_ERR_NOMEM;
    size_t W = 0, E = 0;
    for (size_t q = 0; q < s->npat; q++) {
        s->wbase[q] = W;
        W += s->pats[q]->wins.len;
        E += s->pats[q]->wins.len * s->pats[q]->p.nrows;
    }
    s->wbase[s->npat] = W;
    s->nwin = W;
    memset(s->rw_off, 0, (d->n + 1) * sizeof *s->rw_off);
    for (size_t q = 0; q < s->npat; q++) {
        const fc_win *w = s->pats[q]->wins.data;
        size_t L = s->pats[q]->p.nrows;
        for (size_t k = 0; k < s->pats[q]->wins.len; k++)
            for (size_t r = 0; r < L; r++) s->rw_off[w[k].row[r] + 1]++;
    }
    for (size_t i = 0; i < d->n; i++) s->rw_off[i + 1] += s->rw_off[i];
    s->rw_ent = malloc((E ? E : 1) * sizeof *s->rw_ent);
    size_t *fill = malloc((d->n ? d->n : 1) * sizeof *fill);
    if (!s->rw_ent || !fill) {
        free(fill);
        return SG_ERR_NOMEM;
    }
    memcpy(fill, s->rw_off, d->n * sizeof *fill);
    for (size_t q = 0; q < s->npat; q++) {
        const fc_win *w = s->pats[q]->wins.data;
        size_t L = s->pats[q]->p.nrows;
        for (size_t k = 0; k < s->pats[q]->wins.len; k++)
            for (size_t r = 0; r < L; r++) s->rw_ent[fill[w[k].row[r]]++] = (uint32_t)(s->wbase[q] + k);
    }
    free(fill);
    return SG_OK;
}

/* the greedy order after appending pattern npat - 1 (its ids follow the others'): merge its sorted
 * windows after the windows of M with a priority >= theirs; gacc extended with its flags */
static sg_status order_add_last(fc_search *s, size_t old_nwin, const sg_vec *xacc)
{
    size_t W = s->nwin, q = s->npat - 1;
    uint32_t *no = malloc((W ? W : 1) * sizeof *no);
    int64_t *np = malloc((W ? W : 1) * sizeof *np);
    uint32_t *nr = realloc(s->rank, (W ? W : 1) * sizeof *nr);
    if (nr) s->rank = nr;
    uint8_t *ng = realloc(s->gacc, W ? W : 1);
    if (ng) s->gacc = ng;
    if (!no || !np || !nr || !ng) {
        free(no);
        free(np);
        return SG_ERR_NOMEM;
    }
    const fc_win *w = s->pats[q]->wins.data;
    size_t nx = s->pats[q]->wins.len, i = 0, k = 0, o = 0;
    while (i < old_nwin || k < nx) {
        if (k >= nx || (i < old_nwin && s->oprio[i] >= w[k].prio)) {
            no[o] = s->order[i];
            np[o++] = s->oprio[i++];
        } else {
            no[o] = (uint32_t)(old_nwin + k);
            np[o++] = w[k++].prio;
        }
    }
    free(s->order);
    free(s->oprio);
    s->order = no;
    s->oprio = np;
    for (size_t j = 0; j < W; j++) s->rank[no[j]] = (uint32_t)j;
    memset(s->gacc + old_nwin, 0, W - old_nwin);
    const uint32_t *a = xacc->data;
    for (size_t j = 0; j < xacc->len; j++) s->gacc[old_nwin + a[j]] = 1;
    return SG_OK;
}

/* the greedy order and gacc without pattern q (before its removal: ids above its range shift) */
static void order_remove(fc_search *s, size_t q)
{
    size_t lo = s->wbase[q], hi = s->wbase[q + 1], len = hi - lo, o = 0;
    for (size_t j = 0; j < s->nwin; j++) {
        uint32_t g = s->order[j];
        if (g >= lo && g < hi) continue;
        s->order[o] = g >= hi ? (uint32_t)(g - len) : g;
        s->oprio[o++] = s->oprio[j];
    }
    for (size_t j = 0; j < o; j++) s->rank[s->order[j]] = (uint32_t)j;
    memmove(s->gacc + lo, s->gacc + hi, s->nwin - hi);
}

/* pattern and window of a global id; ids >= nwin are the candidate's windows (pattern npat) */
static size_t gid_pat(const fc_search *s, uint32_t gid, uint32_t *widx)
{
    if (gid >= s->nwin) {
        *widx = (uint32_t)(gid - s->nwin);
        return s->npat;
    }
    size_t lo = 0, hi = s->npat; /* wbase[lo] <= gid < wbase[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->wbase[mid] <= gid) lo = mid;
        else hi = mid;
    }
    *widx = (uint32_t)(gid - s->wbase[lo]);
    return lo;
}

static const fc_win *win_at(const fc_search *s, const sg_vec *xw, size_t pat, uint32_t widx)
{
    return pat < s->npat ? &SG_VEC_AT(&s->pats[pat]->wins, fc_win, widx) : &SG_VEC_AT(xw, fc_win, widx);
}

static int qbefore(const fc_qent *a, const fc_qent *b)
{
    if (a->a != b->a) return a->a < b->a;
    if (a->b != b->b) return a->b < b->b;
    return a->c < b->c;
}

static fc_qent key_of(const fc_search *s, const fc_scr *sc, uint32_t gid)
{
    if (gid < s->nwin) return (fc_qent){2 * (uint64_t)s->rank[gid] + 2, 0, 0, gid};
    return SG_VEC_AT(&sc->ckey, fc_qent, gid - s->nwin);
}

static sg_status qpush(sg_vec *h, fc_qent e)
{
    if (sg_vec_push(h, &e) != SG_OK) return SG_ERR_NOMEM;
    fc_qent *a = h->data;
    size_t i = h->len - 1;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!qbefore(&a[i], &a[p])) break;
        fc_qent t = a[i];
        a[i] = a[p];
        a[p] = t;
        i = p;
    }
    return SG_OK;
}

static fc_qent qpop(sg_vec *h)
{
    fc_qent *a = h->data, top = a[0];
    a[0] = a[--h->len];
    size_t n = h->len, i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < n && qbefore(&a[l], &a[b])) b = l;
        if (r < n && qbefore(&a[r], &a[b])) b = r;
        if (b == i) break;
        fc_qent t = a[i];
        a[i] = a[b];
        a[b] = t;
        i = b;
    }
    return top;
}

/* ---- incremental cover ---------------------------------------------------------------------------- */

static void scr_free(fc_scr *sc)
{
    if (!sc) return;
    free(sc->own);
    free(sc->st);
    sg_vec_free(&sc->trow);
    sg_vec_free(&sc->tgid);
    sg_vec_free(&sc->heap);
    sg_vec_free(&sc->rec_add);
    sg_vec_free(&sc->rec_rem);
    sg_vec_free(&sc->ckey);
    free(sc);
}

static fc_scr *scr_get(const fc_search *s)
{
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    if (tid < 0 || tid >= FC_MAX_SCR) return NULL;
    fc_search *ms = (fc_search *)s; /* each thread owns its own slot */
    if (ms->scr[tid]) return ms->scr[tid];
    fc_scr *sc = calloc(1, sizeof *sc);
    if (!sc) return NULL;
    size_t n = s->d->n ? s->d->n : 1;
    sc->own = malloc(n * sizeof *sc->own);
    sg_vec_init(&sc->trow, sizeof(uint32_t));
    sg_vec_init(&sc->tgid, sizeof(uint32_t));
    sg_vec_init(&sc->heap, sizeof(fc_qent));
    sg_vec_init(&sc->rec_add, sizeof(uint32_t));
    sg_vec_init(&sc->rec_rem, sizeof(uint32_t));
    sg_vec_init(&sc->ckey, sizeof(fc_qent));
    if (!sc->own) {
        scr_free(sc);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) sc->own[i] = OWN_UNSET;
    ms->scr[tid] = sc;
    return sc;
}

static uint32_t cur_owner(const fc_search *s, const fc_scr *sc, uint32_t r)
{
    uint32_t o = sc->own[r];
    return o != OWN_UNSET ? o : s->owner[r];
}

static sg_status set_owner(fc_scr *sc, uint32_t r, uint32_t o)
{
    if (sc->own[r] == OWN_UNSET && sg_vec_push(&sc->trow, &r) != SG_OK) return SG_ERR_NOMEM;
    sc->own[r] = o;
    return SG_OK;
}

static int old_acc(const fc_search *s, uint32_t gid) { return gid < s->nwin ? s->gacc[gid] : 0; }

static sg_status mark_queue(fc_scr *sc, sg_vec *heap, fc_qent e)
{
    if (sc->st[e.gid] & ST_QUEUED) return SG_OK;
    if (sc->st[e.gid] == 0 && sg_vec_push(&sc->tgid, &e.gid) != SG_OK) return SG_ERR_NOMEM;
    sc->st[e.gid] |= ST_QUEUED;
    return qpush(heap, e);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The greedy cover of M (without pattern `skip`, plus the candidate xp/xw if given), derived from
 * the current one. A window's status depends only on the accepted windows before it in the greedy
 * order that share a flow with it, so only windows reachable from a changed window need a new
 * decision: they are processed in greedy order from a heap. chw receives the (sorted) global ids
 * whose status changed (candidate windows: ids >= nwin, changed = accepted), chr the flows whose
 * owner changed. */
static sg_status inc_cover(const fc_search *s, fc_scr *sc, const fc_pat *xp, const sg_vec *xw, long skip, sg_vec *chw,
                           sg_vec *chr)
{
    size_t nx = xw ? xw->len : 0, need = s->nwin + nx + 1;
    sg_vec_clear(chw);
    sg_vec_clear(chr);
    if (need > sc->stcap) {
        size_t nc = need + need / 2;
        uint8_t *ns = realloc(sc->st, nc);
        if (!ns) return SG_ERR_NOMEM;
        memset(ns + sc->stcap, 0, nc - sc->stcap);
        sc->st = ns;
        sc->stcap = nc;
    }
    sg_vec *heap = &sc->heap;
    sg_vec_clear(heap);
    sg_vec_clear(&sc->ckey);
    sg_status st = SG_OK;
    /* candidate keys: after the windows of M with a priority >= theirs */
    for (size_t k = 0; k < nx && st == SG_OK; k++) {
        const fc_win *w = &SG_VEC_AT(xw, fc_win, k);
        size_t lo = 0, hi = s->nwin;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (s->oprio[mid] >= w->prio) lo = mid + 1;
            else hi = mid;
        }
        fc_qent e = {2 * (uint64_t)lo + 1, -w->prio, w->row[0], (uint32_t)(s->nwin + k)};
        st = sg_vec_push(&sc->ckey, &e);
    }
    for (size_t k = 0; k < nx && st == SG_OK; k++) st = mark_queue(sc, heap, SG_VEC_AT(&sc->ckey, fc_qent, k));
    size_t slo = SIZE_MAX, shi = 0;
    if (skip >= 0) {
        const fc_mpat *mp = s->pats[skip];
        slo = s->wbase[skip];
        shi = s->wbase[skip + 1];
        const uint32_t *a = mp->acc.data;
        for (size_t i = 0; i < mp->acc.len && st == SG_OK; i++) st = mark_queue(sc, heap, key_of(s, sc, (uint32_t)(slo + a[i])));
    }
    while (heap->len && st == SG_OK) {
        fc_qent e = qpop(heap);
        uint32_t widx, self = e.gid;
        size_t pat = gid_pat(s, self, &widx);
        const fc_win *w = win_at(s, xw, pat, widx);
        size_t L = pat < s->npat ? s->pats[pat]->p.nrows : xp->nrows;
        int was = old_acc(s, self), now = 1;
        if (self >= slo && self < shi) now = 0;
        else
            for (size_t r = 0; r < L && now; r++) {
                uint32_t o = cur_owner(s, sc, w->row[r]);
                if (o == OWN_NONE || o == self) continue;
                fc_qent oe = key_of(s, sc, o);
                if (qbefore(&oe, &e)) now = 0;
            }
        sc->st[self] |= (uint8_t)(ST_DECIDED | (now ? ST_ACC : 0));
        if (now == was) continue;
        if (now) {
            for (size_t r = 0; r < L && st == SG_OK; r++) {
                uint32_t o = cur_owner(s, sc, w->row[r]);
                /* a later window owning the flow loses it: it gets re-decided */
                if (o != OWN_NONE && o != self) st = mark_queue(sc, heap, key_of(s, sc, o));
                if (st == SG_OK) st = set_owner(sc, w->row[r], self);
            }
        } else {
            for (size_t r = 0; r < L && st == SG_OK; r++) {
                uint32_t row = w->row[r];
                if (cur_owner(s, sc, row) != self) continue;
                st = set_owner(sc, row, OWN_NONE);
                /* later rejected windows on a freed flow may now be accepted, unless a flow of
                 * theirs belongs to a window before this one (decided for good) */
                for (size_t j = s->rw_off[row]; j < s->rw_off[row + 1] && st == SG_OK; j++) {
                    uint32_t g = s->rw_ent[j];
                    if ((sc->st[g] & ST_QUEUED) || s->gacc[g] || (g >= slo && g < shi)) continue;
                    fc_qent ve = key_of(s, sc, g);
                    if (!qbefore(&e, &ve)) continue;
                    uint32_t vi;
                    size_t vp = gid_pat(s, g, &vi);
                    const fc_win *vw = &SG_VEC_AT(&s->pats[vp]->wins, fc_win, vi);
                    int blocked = 0;
                    for (size_t r2 = 0; r2 < s->pats[vp]->p.nrows && !blocked; r2++) {
                        uint32_t o = cur_owner(s, sc, vw->row[r2]);
                        if (o == OWN_NONE || o == self) continue;
                        fc_qent oe = key_of(s, sc, o);
                        blocked = qbefore(&oe, &e);
                    }
                    if (!blocked) st = mark_queue(sc, heap, ve);
                }
            }
        }
    }
    /* collect the changes and reset the scratch */
    const uint32_t *tg = sc->tgid.data;
    for (size_t i = 0; i < sc->tgid.len; i++) {
        uint32_t g = tg[i];
        if (st == SG_OK && (sc->st[g] & ST_DECIDED)) {
            int now = (sc->st[g] & ST_ACC) != 0;
            if (now != old_acc(s, g) && sg_vec_push(chw, &g) != SG_OK) st = SG_ERR_NOMEM;
        }
        sc->st[g] = 0;
    }
    sg_vec_clear(&sc->tgid);
    const uint32_t *tr = sc->trow.data;
    for (size_t i = 0; i < sc->trow.len; i++) {
        uint32_t r = tr[i];
        if (st == SG_OK && sc->own[r] != s->owner[r]) {
            fc_rowchg c = {r, sc->own[r]};
            if (sg_vec_push(chr, &c) != SG_OK) st = SG_ERR_NOMEM;
        }
        sc->own[r] = OWN_UNSET;
    }
    sg_vec_clear(&sc->trow);
    if (st == SG_OK && chw->len > 1) qsort(chw->data, chw->len, sizeof(uint32_t), cmp_u32);
    return st;
}

/* records entering (now accepted) and leaving (now rejected) pattern q's record set among the
 * changed ids g[0..n) (all of pattern q), and the change of the windows' own costs */
static sg_status group_records(const fc_search *s, fc_scr *sc, size_t q, const uint32_t *g, size_t n, size_t *nadd,
                               size_t *nrem, double *dcost)
{
    const fc_data *d = s->d;
    const fc_mpat *mp = s->pats[q];
    size_t m = mp->nvars;
    sg_vec_clear(&sc->rec_add);
    sg_vec_clear(&sc->rec_rem);
    *nadd = *nrem = 0;
    *dcost = 0.0;
    for (size_t i = 0; i < n; i++) {
        uint32_t widx = (uint32_t)(g[i] - s->wbase[q]);
        const fc_win *w = &SG_VEC_AT(&mp->wins, fc_win, widx);
        int now = !s->gacc[g[i]];
        sg_vec *dst = now ? &sc->rec_add : &sc->rec_rem;
        *dcost += now ? w->cost : -w->cost;
        *(now ? nadd : nrem) += 1;
        for (size_t v = 0; v < m; v++) {
            uint32_t x = d->code[mp->vcol[v]][w->row[mp->vrow[v]]];
            if (sg_vec_push(dst, &x) != SG_OK) return SG_ERR_NOMEM;
        }
    }
    return SG_OK;
}

/* the new accepted list of pattern q after flipping the ids g[0..n) (window order) */
static sg_status new_acc_list(const fc_search *s, size_t q, const uint32_t *g, size_t n, sg_vec *out)
{
    const fc_mpat *mp = s->pats[q];
    sg_vec_clear(out);
    size_t j = 0;
    for (size_t k = 0; k < mp->wins.len; k++) {
        int a = s->gacc[s->wbase[q] + k];
        if (j < n && g[j] - s->wbase[q] == k) {
            a = !a;
            j++;
        }
        if (a) {
            uint32_t kk = (uint32_t)k;
            if (sg_vec_push(out, &kk) != SG_OK) return SG_ERR_NOMEM;
        }
    }
    return SG_OK;
}

/* base BN records of the flows whose coverage flips: newly uncovered (add), newly covered (rem) */
static sg_status base_records(const fc_search *s, fc_scr *sc, const sg_vec *chr, size_t *nadd, size_t *nrem)
{
    const fc_data *d = s->d;
    sg_vec_clear(&sc->rec_add);
    sg_vec_clear(&sc->rec_rem);
    *nadd = *nrem = 0;
    const fc_rowchg *c = chr->data;
    for (size_t i = 0; i < chr->len; i++) {
        int was = s->owner[c[i].row] != OWN_NONE, now = c[i].own != OWN_NONE;
        if (was == now) continue;
        sg_vec *dst = now ? &sc->rec_rem : &sc->rec_add;
        *(now ? nrem : nadd) += 1;
        for (size_t col = 0; col < d->C; col++) {
            uint32_t x = d->code[col][c[i].row];
            if (sg_vec_push(dst, &x) != SG_OK) return SG_ERR_NOMEM;
        }
    }
    return SG_OK;
}

/* L(D | new cover) - L(D | cover) for the changes chw/chr (candidate windows: xw, KT xkt) */
static double inc_delta(const fc_search *s, fc_scr *sc, const sg_vec *chw, const sg_vec *chr, const sg_vec *xw, double xkt)
{
    const fc_data *d = s->d;
    const uint32_t *g = chw->data;
    size_t n = chw->len, i = 0;
    double delta = 0.0;
    sg_vec tmp;
    sg_vec_init(&tmp, sizeof(uint32_t));
    while (i < n) {
        uint32_t widx;
        size_t q = gid_pat(s, g[i], &widx), j = i;
        if (q == s->npat) { /* the candidate: every changed window is accepted */
            size_t u = n - i;
            for (; j < n; j++) delta += SG_VEC_AT(xw, fc_win, g[j] - s->nwin).cost;
            delta += sg_universal_int_bits(u) + xkt;
            i = n;
            break;
        }
        while (j < n && g[j] < s->wbase[q + 1]) j++;
        const fc_mpat *mp = s->pats[q];
        size_t nadd, nrem;
        double dcost;
        if (group_records(s, sc, q, g + i, j - i, &nadd, &nrem, &dcost) != SG_OK) {
            delta = NAN;
            break;
        }
        size_t u0 = mp->acc.len, u1 = u0 + nadd - nrem;
        delta += dcost;
        if (u0) delta -= sg_universal_int_bits(u0);
        if (u1) delta += sg_universal_int_bits(u1);
        if (u1 == 0) delta -= mp->ktc ? fc_kt_bits(mp->ktc) : pattern_kt(d, mp->bn, &mp->wins, mp->acc.data, u0, mp->vrow, mp->vcol, mp->nvars);
        else if (mp->nvars == 0) {
        } else if (mp->ktc)
            delta += fc_kt_delta(mp->ktc, sc->rec_add.data, nadd, sc->rec_rem.data, nrem);
        else { /* structure the counts cannot follow: recount both sides */
            if (new_acc_list(s, q, g + i, j - i, &tmp) != SG_OK) {
                delta = NAN;
                break;
            }
            delta += pattern_kt(d, mp->bn, &mp->wins, tmp.data, tmp.len, mp->vrow, mp->vcol, mp->nvars) -
                     pattern_kt(d, mp->bn, &mp->wins, mp->acc.data, u0, mp->vrow, mp->vcol, mp->nvars);
        }
        i = j;
    }
    sg_vec_free(&tmp);
    size_t nadd, nrem;
    if (isnan(delta) || base_records(s, sc, chr, &nadd, &nrem) != SG_OK) return NAN;
    delta += fc_kt_delta(s->basekt, sc->rec_add.data, nadd, sc->rec_rem.data, nrem);
    delta += d->tau * ((double)nadd - (double)nrem);
    return delta;
}

/* ---- creation ------------------------------------------------------------------------------ */

fc_search *fc_search_create(const fc_data *d, int64_t max_delay_units, int empty_base_dag, sg_error *err)
{
    fc_search *s = calloc(1, sizeof *s);
    if (!s) {
        sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
        return NULL;
    }
    s->d = d;
    s->max_delay_units = max_delay_units;
    sg_vec_init(&s->heap, sizeof(fc_cand));
    sg_vec_init(&s->keys, 1);
    s->seen = sg_hashmap_create(1024);
    s->covered = calloc(d->n ? d->n : 1, 1);
    s->owner = malloc((d->n ? d->n : 1) * sizeof *s->owner);
    s->rw_off = calloc(d->n + 1, sizeof *s->rw_off);
    uint32_t card[FC_MAXC];
    const char *names[FC_MAXC];
    for (size_t c = 0; c < d->C; c++) {
        card[c] = (uint32_t)(d->codespace[c] ? d->codespace[c] : 1);
        names[c] = d->col[c].name;
    }
    s->base = sg_bn_create(d->C, card, names);
    if (!s->seen || !s->covered || !s->owner || !s->rw_off || !s->base || index_rebuild(s) != SG_OK) {
        fc_search_destroy(s);
        sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < d->n; i++) s->owner[i] = OWN_NONE;
    sg_bn_data all = {.x = d->codes, .nrows = d->n, .row_stride = 1, .col_stride = d->n};
    if (!empty_base_dag && sg_bn_learn_structure(s->base, &all, NULL, err) != SG_OK) {
        fc_search_destroy(s);
        return NULL;
    }
    s->base_struct = sg_bn_structure_bits(s->base);
    /* the base BN's counts over all flows (every flow is uncovered at the start) */
    s->basekt = fc_kt_create(s->base);
    uint32_t *rec = malloc((d->n * d->C + 1) * sizeof *rec);
    int ok = s->basekt && rec;
    if (ok) {
        for (size_t i = 0; i < d->n; i++)
            for (size_t c = 0; c < d->C; c++) rec[i * d->C + c] = d->code[c][i];
        ok = fc_kt_apply(s->basekt, rec, d->n, NULL, 0) == SG_OK;
    }
    free(rec);
    if (!ok) {
        fc_search_destroy(s);
        sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory (base BN counts)");
        return NULL;
    }
    double bk = sg_bn_kt_bits(s->base, &all);
    s->nunc = d->n;
    s->data_cost = bk + d->tau * (double)d->n;
    s->empty_data = s->data_cost;
    return s;
}

static void mpat_free(fc_mpat *mp)
{
    if (!mp) return;
    sg_vec_free(&mp->wins);
    sg_vec_free(&mp->acc);
    fc_kt_destroy(mp->ktc);
    sg_bn_destroy(mp->bn);
    free(mp);
}

void fc_search_destroy(fc_search *s)
{
    if (!s) return;
    for (size_t q = 0; q < s->npat; q++) mpat_free(s->pats[q]);
    free(s->pats);
    sg_vec_free(&s->heap);
    sg_vec_free(&s->keys);
    sg_hashmap_destroy(s->seen);
    free(s->covered);
    free(s->owner);
    free(s->gacc);
    free(s->order);
    free(s->rank);
    free(s->oprio);
    free(s->wbase);
    free(s->rw_off);
    free(s->rw_ent);
    for (int i = 0; i < FC_MAX_SCR; i++) scr_free(s->scr[i]);
    fc_kt_destroy(s->basekt);
    sg_bn_destroy(s->base);
    free(s);
}

double fc_search_data_cost(const fc_search *s) { return s->data_cost; }
double fc_search_model_cost(const fc_search *s) { return s->model_cost; }
double fc_search_base_structure_cost(const fc_search *s) { return s->base_struct; }
double fc_search_empty_data_cost(const fc_search *s) { return s->empty_data; }
size_t fc_search_npatterns(const fc_search *s) { return s->npat; }
const fc_mpat *fc_search_pattern(const fc_search *s, size_t i) { return s->pats[i]; }
const uint8_t *fc_search_covered(const fc_search *s) { return s->covered; }

/* the current M's cover from scratch; *cost = L(D|M) counted afresh; returns -1 on OOM, else the
 * number of differences with the incremental state (flows, accepted windows) */
static long full_check(const fc_search *s, double *cost)
{
    const fc_data *d = s->d;
    sg_vec order;
    uint8_t *cov = malloc(d->n ? d->n : 1);
    sg_vec *acc = calloc(s->npat + 1, sizeof *acc);
    long diff = -1;
    if (!cov || !acc) goto out;
    for (size_t q = 0; q <= s->npat; q++) sg_vec_init(&acc[q], sizeof(uint32_t));
    if (build_order(s, &order) != SG_OK) {
        sg_vec_free(&order);
        goto out;
    }
    sg_status st = cover_compute(s, &order, -1, NULL, NULL, cov, acc);
    sg_vec_free(&order);
    if (st != SG_OK) goto out;
    diff = 0;
    for (size_t i = 0; i < d->n; i++) diff += cov[i] != s->covered[i] || cov[i] != (s->owner[i] != OWN_NONE);
    for (size_t q = 0; q < s->npat; q++) {
        const fc_mpat *mp = s->pats[q];
        if (acc[q].len != mp->acc.len || memcmp(acc[q].data, mp->acc.data, acc[q].len * sizeof(uint32_t)) != 0) diff++;
        const uint32_t *a = acc[q].data;
        for (size_t i = 0; i < acc[q].len; i++) {
            const fc_win *w = &SG_VEC_AT(&mp->wins, fc_win, a[i]);
            for (size_t r = 0; r < mp->p.nrows; r++) diff += s->owner[w->row[r]] != s->wbase[q] + a[i];
        }
    }
    if (cost) *cost = cover_cost_full(s, cov, acc);
out:
    if (acc)
        for (size_t q = 0; q <= s->npat; q++) sg_vec_free(&acc[q]);
    free(acc);
    free(cov);
    return diff;
}

int fc_search_verify(const fc_search *s, double *full_cost)
{
    double c = NAN;
    long diff = full_check(s, &c);
    if (full_cost) *full_cost = c;
    if (diff != 0) return 1;
    return fabs(c - s->data_cost) <= 1e-6 * (fabs(c) > 1.0 ? fabs(c) : 1.0) ? 0 : 2;
}

/* ---- acceptance test (pure) ------------------------------------------------------------------ */

typedef struct fc_trial {
    int status; /* 1 accepted, 0 rejected, <0 error */
    fc_pat p;   /* folded */
    sg_vec wins;
    sg_bn *bn;
    size_t nvars;
    uint8_t vrow[FC_MAXR * FC_MAXC], vcol[FC_MAXR * FC_MAXC];
    double pcost;
    double delta; /* L(D | M + P) - L(D | M) */
    sg_vec chw;   /* uint32: window ids whose status changes */
    sg_vec chr;   /* fc_rowchg: flows whose owner changes */
    sg_vec xacc;  /* uint32: the candidate's accepted windows */
} fc_trial;

static void trial_init(fc_trial *t)
{
    memset(t, 0, sizeof *t);
    sg_vec_init(&t->wins, sizeof(fc_win));
    sg_vec_init(&t->chw, sizeof(uint32_t));
    sg_vec_init(&t->chr, sizeof(fc_rowchg));
    sg_vec_init(&t->xacc, sizeof(uint32_t));
}

static void trial_free(fc_trial *t)
{
    sg_vec_free(&t->wins);
    sg_bn_destroy(t->bn);
    t->bn = NULL;
    sg_vec_free(&t->chw);
    sg_vec_free(&t->chr);
    sg_vec_free(&t->xacc);
}

/* fold constant BN variables into FIXED cells (§5.5); returns the number folded */
static size_t fold(fc_pat *p, const uint8_t *vrow, const uint8_t *vcol, size_t m, const uint8_t *isc,
                   const uint32_t *val)
{
    size_t nf = 0;
    for (size_t v = 0; v < m; v++) {
        if (!isc[v]) continue;
        fc_cell *x = &p->cell[vrow[v]][vcol[v]];
        if (x->kind == FC_SET) {
            uint32_t k = x->v;
            for (size_t r = 0; r < p->nrows; r++)
                for (size_t c = 0; c < p->C; c++)
                    if (p->cell[r][c].kind == FC_USE && p->cell[r][c].v == k) {
                        p->cell[r][c].kind = FC_FIXED;
                        p->cell[r][c].v = val[v];
                    }
        }
        x->kind = FC_FIXED;
        x->v = val[v];
        nf++;
    }
    fc_pat_canon(p);
    return nf;
}

static void trial_run(const fc_search *s, const fc_pat *cand, fc_trial *t)
{
    const fc_data *d = s->d;
    trial_init(t);
    t->p = *cand;
    fc_pat_canon(&t->p);
    fc_scr *sc = scr_get(s);
    if (!sc) {
        t->status = -1;
        return;
    }
    uint32_t *rec = NULL;
    for (int it = 0;; it++) {
        if (it >= FC_MAX_FOLDS || !fc_pat_valid(&t->p, d)) {
            free(rec);
            t->status = 0;
            return;
        }
        if (fc_windows(d, &t->p, s->max_delay_units, &t->wins) != SG_OK ||
            inc_cover(s, sc, &t->p, &t->wins, -1, &t->chw, &t->chr) != SG_OK) {
            free(rec);
            t->status = -1;
            return;
        }
        sg_vec_clear(&t->xacc);
        const uint32_t *g = t->chw.data;
        for (size_t i = 0; i < t->chw.len; i++)
            if (g[i] >= s->nwin) {
                uint32_t k = (uint32_t)(g[i] - s->nwin);
                if (sg_vec_push(&t->xacc, &k) != SG_OK) {
                    free(rec);
                    t->status = -1;
                    return;
                }
            }
        if (t->xacc.len == 0) {
            free(rec);
            t->status = 0;
            return;
        }
        t->nvars = fc_pat_vars(&t->p, t->vrow, t->vcol);
        free(rec);
        rec = pattern_records(d, &t->wins, t->xacc.data, t->xacc.len, t->vrow, t->vcol, t->nvars);
        if (!rec) {
            t->status = -1;
            return;
        }
        uint8_t isc[FC_MAXR * FC_MAXC];
        uint32_t val[FC_MAXR * FC_MAXC];
        sg_bn_data bd = {.x = rec, .nrows = t->xacc.len, .row_stride = t->nvars, .col_stride = 1};
        if (t->nvars && sg_bn_find_constants(&bd, t->nvars, isc, val) > 0) {
            fold(&t->p, t->vrow, t->vcol, t->nvars, isc, val);
            continue;
        }
        /* learn the candidate's BN on its records */
        uint32_t card[FC_MAXR * FC_MAXC];
        for (size_t v = 0; v < t->nvars; v++) card[v] = (uint32_t)d->codespace[t->vcol[v]];
        t->bn = sg_bn_create(t->nvars, card, NULL);
        if (!t->bn || sg_bn_learn_structure(t->bn, &bd, NULL, NULL) != SG_OK) {
            free(rec);
            t->status = -1;
            return;
        }
        break;
    }
    sg_bn_data bd = {.x = rec, .nrows = t->xacc.len, .row_stride = t->nvars, .col_stride = 1};
    double xkt = t->nvars ? sg_bn_kt_bits(t->bn, &bd) : 0.0;
    free(rec);
    t->pcost = fc_pattern_cost_nobn(&t->p, d) + sg_bn_structure_bits(t->bn);
    t->delta = isnan(xkt) ? NAN : inc_delta(s, sc, &t->chw, &t->chr, &t->wins, xkt);
    if (isnan(t->delta)) {
        t->status = -1;
        return;
    }
    t->status = t->delta + t->pcost < 0.0 ? 1 : 0;
}

/* ---- installing a cover --------------------------------------------------------------------- */

/* adopt the changes chw/chr (computed against the current state); the candidate's windows (ids >=
 * nwin) must already belong to the pattern appended last, or be absent */
static sg_status commit_changes(fc_search *s, const sg_vec *chw, const sg_vec *chr, double delta, size_t nwin_before)
{
    fc_scr *sc = scr_get(s);
    if (!sc) return SG_ERR_NOMEM;
    const uint32_t *g = chw->data;
    size_t n = chw->len, i = 0;
    /* base BN counts first (they read the old owners) */
    size_t nadd, nrem;
    if (base_records(s, sc, chr, &nadd, &nrem) != SG_OK ||
        fc_kt_apply(s->basekt, sc->rec_add.data, nadd, sc->rec_rem.data, nrem) != SG_OK)
        return SG_ERR_NOMEM;
    while (i < n && g[i] < nwin_before) {
        uint32_t widx;
        size_t q = gid_pat(s, g[i], &widx), j = i;
        while (j < n && g[j] < s->wbase[q + 1]) j++;
        fc_mpat *mp = s->pats[q];
        double dcost;
        if (group_records(s, sc, q, g + i, j - i, &nadd, &nrem, &dcost) != SG_OK) return SG_ERR_NOMEM;
        if (mp->ktc && fc_kt_apply(mp->ktc, sc->rec_add.data, nadd, sc->rec_rem.data, nrem) != SG_OK)
            return SG_ERR_NOMEM;
        sg_vec na;
        sg_vec_init(&na, sizeof(uint32_t));
        if (new_acc_list(s, q, g + i, j - i, &na) != SG_OK) {
            sg_vec_free(&na);
            return SG_ERR_NOMEM;
        }
        for (size_t k = i; k < j; k++) s->gacc[g[k]] ^= 1;
        sg_vec_free(&mp->acc);
        mp->acc = na;
        i = j;
    }
    const fc_rowchg *c = chr->data;
    for (size_t k = 0; k < chr->len; k++) {
        int was = s->owner[c[k].row] != OWN_NONE, now = c[k].own != OWN_NONE;
        s->owner[c[k].row] = c[k].own;
        s->covered[c[k].row] = (uint8_t)now;
        s->nunc = s->nunc + (size_t)was - (size_t)now;
    }
    s->data_cost += delta;
    return SG_OK;
}

static void remove_pattern(fc_search *s, size_t q)
{
    size_t hi = s->wbase[q + 1], len = hi - s->wbase[q];
    order_remove(s, q);
    s->model_cost -= s->pats[q]->cost;
    mpat_free(s->pats[q]);
    memmove(&s->pats[q], &s->pats[q + 1], (s->npat - q - 1) * sizeof *s->pats);
    s->npat--;
    for (size_t i = 0; i < s->d->n; i++)
        if (s->owner[i] != OWN_NONE && s->owner[i] >= hi) s->owner[i] -= (uint32_t)len;
}

typedef struct prune_item {
    size_t pat;
    long decrease;
} prune_item;

static int cmp_prune(const void *a, const void *b)
{
    const prune_item *x = a, *y = b;
    if (x->decrease != y->decrease) return x->decrease > y->decrease ? -1 : 1;
    return (x->pat > y->pat) - (x->pat < y->pat);
}

/* pruning (§6.3, D2 corrected): remove p iff L(D | cover(M \ p)) < L(D | cover(M)) + L(p) */
static sg_status prune(fc_search *s, const size_t *old_usage, size_t nold, size_t *removed)
{
    *removed = 0;
    prune_item *items = malloc((nold ? nold : 1) * sizeof *items);
    fc_mpat **ids = malloc((nold ? nold : 1) * sizeof *ids);
    fc_scr *sc = scr_get(s);
    if (!items || !ids || !sc) {
        free(items);
        free(ids);
        return SG_ERR_NOMEM;
    }
    size_t ni = 0;
    for (size_t q = 0; q < nold; q++)
        if (s->pats[q]->acc.len < old_usage[q]) {
            items[ni].pat = q;
            items[ni].decrease = (long)(old_usage[q] - s->pats[q]->acc.len);
            ni++;
        }
    qsort(items, ni, sizeof *items, cmp_prune);
    for (size_t i = 0; i < ni; i++) ids[i] = s->pats[items[i].pat];
    sg_status st = SG_OK;
    sg_vec chw, chr;
    sg_vec_init(&chw, sizeof(uint32_t));
    sg_vec_init(&chr, sizeof(fc_rowchg));
    for (size_t i = 0; i < ni && st == SG_OK; i++) {
        /* find the pattern's current index */
        size_t q = SIZE_MAX;
        for (size_t k = 0; k < s->npat; k++)
            if (s->pats[k] == ids[i]) q = k;
        if (q == SIZE_MAX) continue;
        st = inc_cover(s, sc, NULL, NULL, (long)q, &chw, &chr);
        if (st != SG_OK) break;
        double delta = inc_delta(s, sc, &chw, &chr, NULL, 0.0);
        if (isnan(delta)) {
            st = SG_ERR_NOMEM;
            break;
        }
        if (delta < s->pats[q]->cost) {
            st = commit_changes(s, &chw, &chr, delta, s->nwin);
            if (st != SG_OK) break;
            remove_pattern(s, q);
            st = index_rebuild(s);
            (*removed)++;
        }
    }
    sg_vec_free(&chw);
    sg_vec_free(&chr);
    free(items);
    free(ids);
    return st;
}

/* install an accepted trial: P becomes the last pattern of M, the trial's cover is adopted,
 * then patterns whose usage decreased are considered for pruning */
static sg_status install(fc_search *s, fc_trial *t, size_t *pruned)
{
    if (s->npat == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        fc_mpat **np = realloc(s->pats, nc * sizeof *np);
        if (!np) return SG_ERR_NOMEM;
        s->pats = np;
        s->cap = nc;
    }
    const fc_data *d = s->d;
    size_t nold = s->npat;
    size_t *old_usage = malloc((nold ? nold : 1) * sizeof *old_usage);
    fc_mpat *mp = calloc(1, sizeof *mp);
    if (!old_usage || !mp) {
        free(old_usage);
        free(mp);
        return SG_ERR_NOMEM;
    }
    for (size_t q = 0; q < nold; q++) old_usage[q] = s->pats[q]->acc.len;
    size_t nwin_before = s->nwin;
    sg_status st = commit_changes(s, &t->chw, &t->chr, t->delta, nwin_before);
    mp->p = t->p;
    mp->wins = t->wins;
    sg_vec_init(&t->wins, sizeof(fc_win));
    mp->bn = t->bn;
    t->bn = NULL;
    mp->nvars = t->nvars;
    memcpy(mp->vrow, t->vrow, sizeof mp->vrow);
    memcpy(mp->vcol, t->vcol, sizeof mp->vcol);
    mp->cost = t->pcost;
    mp->acc = t->xacc;
    sg_vec_init(&t->xacc, sizeof(uint32_t));
    mp->ktc = mp->nvars ? fc_kt_create(mp->bn) : NULL;
    uint32_t *rec = pattern_records(d, &mp->wins, mp->acc.data, mp->acc.len, mp->vrow, mp->vcol, mp->nvars);
    if (st == SG_OK && (!rec || (mp->nvars && mp->ktc && fc_kt_apply(mp->ktc, rec, mp->acc.len, NULL, 0) != SG_OK)))
        st = SG_ERR_NOMEM;
    free(rec);
    if (st != SG_OK) {
        mpat_free(mp);
        free(old_usage);
        return st;
    }
    s->pats[s->npat++] = mp;
    s->model_cost += mp->cost;
    /* mark canonical form as seen */
    unsigned char key[8 + 8 * FC_MAXR * FC_MAXC];
    size_t kl = fc_pat_key(&mp->p, key);
    sg_hashmap_put(s->seen, key, kl, 1);
    st = index_rebuild(s);
    if (st == SG_OK) st = order_add_last(s, nwin_before, &mp->acc);
    if (st == SG_OK) st = prune(s, old_usage, nold, pruned);
    free(old_usage);
    return st;
}

int fc_search_try_add(fc_search *s, const fc_pat *p, double *new_data_cost, double *p_cost, fc_pat *folded)
{
    fc_trial t;
    trial_run(s, p, &t);
    if (new_data_cost) *new_data_cost = s->data_cost + t.delta;
    if (p_cost) *p_cost = t.pcost;
    if (folded) *folded = t.p;
    int r = t.status;
    if (r == 1) {
        size_t pr;
        if (install(s, &t, &pr) != SG_OK) r = -1;
    }
    trial_free(&t);
    return r;
}

/* ---- candidate pool (§6.1-6.2) -----------------------------------------------------------------
 * A max-heap ordered by (score desc, generation sequence asc). Candidates are generated once
 * (when the patterns they derive from enter M); popping = testing, and a tested candidate is never
 * retried. Candidates with score 0 have no window and are not generated (D13). */

static int cand_before(const fc_cand *a, const fc_cand *b)
{
    if (a->score != b->score) return a->score > b->score;
    return a->seq < b->seq;
}

static sg_status heap_push(fc_search *s, fc_cand c)
{
    if (sg_vec_push(&s->heap, &c) != SG_OK) return SG_ERR_NOMEM;
    fc_cand *h = s->heap.data;
    size_t i = s->heap.len - 1;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!cand_before(&h[i], &h[p])) break;
        fc_cand t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
    return SG_OK;
}

static int heap_pop(fc_search *s, fc_cand *out)
{
    if (s->heap.len == 0) return 0;
    fc_cand *h = s->heap.data;
    *out = h[0];
    h[0] = h[--s->heap.len];
    size_t n = s->heap.len, i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < n && cand_before(&h[l], &h[b])) b = l;
        if (r < n && cand_before(&h[r], &h[b])) b = r;
        if (b == i) break;
        fc_cand t = h[i];
        h[i] = h[b];
        h[b] = t;
        i = b;
    }
    return 1;
}

/* Pop up to `want` best candidates with exact scores. Bounds reaching the top are evaluated in
 * parallel groups (exact scores are pure functions of the data, so the order obtained is the one
 * of an all-exact heap); candidates whose exact score is 0 are dropped. */
static size_t pop_exact(fc_search *s, fc_cand *out, size_t want, int *oom)
{
    size_t n = 0;
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    size_t G = (size_t)(8 * nth);
    fc_cand *grp = malloc(G * sizeof *grp);
    if (!grp) {
        *oom = 1;
        return 0;
    }
    while (n < want && s->heap.len) {
        fc_cand *top = s->heap.data;
        if (top->exact) {
            heap_pop(s, &out[n++]);
            continue;
        }
        size_t ng = 0;
        while (ng < G && s->heap.len && !((fc_cand *)s->heap.data)->exact) heap_pop(s, &grp[ng++]);
        int bad = 0;
#pragma omp parallel
        {
            sg_vec w;
            sg_vec_init(&w, sizeof(fc_win));
            uint8_t *cov = calloc(s->d->n ? s->d->n : 1, 1);
#pragma omp for schedule(dynamic, 1)
            for (size_t k = 0; k < ng; k++) {
                fc_pat p;
                fc_pat_from_key(&p, (const unsigned char *)s->keys.data + grp[k].keyoff, grp[k].keylen, s->d->C);
                if (!cov || fc_windows_ex(s->d, &p, s->max_delay_units, &w, 0) != SG_OK) {
#pragma omp atomic write
                    bad = 1;
                    continue;
                }
                grp[k].score = fc_windows_score(s->d, &p, &w, cov);
                grp[k].exact = 1;
            }
            sg_vec_free(&w);
            free(cov);
        }
        s->evaluated += ng;
        for (size_t k = 0; k < ng && !bad; k++)
            if (grp[k].score > 0 && heap_push(s, grp[k]) != SG_OK) bad = 1;
        if (bad) {
            *oom = 1;
            break;
        }
    }
    free(grp);
    return n;
}

/* register a canonical candidate; returns 1 if new, 0 if seen before, <0 on OOM */
static int cand_register(fc_search *s, const fc_pat *p, size_t *keyoff, uint32_t *keylen)
{
    unsigned char key[8 + 8 * FC_MAXR * FC_MAXC];
    size_t kl = fc_pat_key(p, key);
    int ins = 0;
    uint64_t *v = sg_hashmap_upsert(s->seen, key, kl, 1, &ins);
    if (!v) return -1;
    if (!ins) return 0;
    void *dst;
    size_t off = s->keys.len;
    if (sg_vec_grow(&s->keys, kl, &dst) != SG_OK) return -1;
    memcpy(dst, key, kl);
    *keyoff = off;
    *keylen = (uint32_t)kl;
    return 1;
}

typedef struct pair_ent {
    uint32_t v1, v2;
    uint64_t count;
} pair_ent;

static int cmp_pair(const void *a, const void *b)
{
    const pair_ent *x = a, *y = b;
    if (x->v1 != y->v1) return x->v1 < y->v1 ? -1 : 1;
    return (x->v2 > y->v2) - (x->v2 < y->v2);
}

/* pairs {c1 = v1, c2 = v2} of non-ip columns that co-occur in a flow; score = 2 x count */
static sg_status gen_pairs(fc_search *s)
{
    const fc_data *d = s->d;
    for (size_t c1 = 0; c1 < d->C; c1++) {
        if (d->col[c1].role == FC_ROLE_IP) continue;
        for (size_t c2 = c1 + 1; c2 < d->C; c2++) {
            if (d->col[c2].role == FC_ROLE_IP) continue;
            sg_hashmap *h = sg_hashmap_create(256);
            if (!h) return SG_ERR_NOMEM;
            for (size_t i = 0; i < d->n; i++) {
                uint32_t k[2] = {d->code[c1][i], d->code[c2][i]};
                uint64_t *v = sg_hashmap_upsert(h, k, sizeof k, 0, NULL);
                if (!v) {
                    sg_hashmap_destroy(h);
                    return SG_ERR_NOMEM;
                }
                (*v)++;
            }
            size_t np = sg_hashmap_size(h), it = 0, k = 0;
            pair_ent *pe = malloc((np ? np : 1) * sizeof *pe);
            if (!pe) {
                sg_hashmap_destroy(h);
                return SG_ERR_NOMEM;
            }
            const void *key;
            size_t kl;
            uint64_t val;
            while (sg_hashmap_next(h, &it, &key, &kl, &val)) {
                const uint32_t *kk = key;
                pe[k].v1 = kk[0];
                pe[k].v2 = kk[1];
                pe[k].count = val;
                k++;
            }
            sg_hashmap_destroy(h);
            qsort(pe, k, sizeof *pe, cmp_pair);
            for (size_t i = 0; i < k; i++) {
                fc_pat p;
                fc_pat_init(&p, d->C, 1);
                p.cell[0][c1] = (fc_cell){FC_FIXED, {0}, pe[i].v1};
                p.cell[0][c2] = (fc_cell){FC_FIXED, {0}, pe[i].v2};
                fc_cand c = {.score = 2 * pe[i].count, .seq = s->seq++, .exact = 1};
                int r = cand_register(s, &p, &c.keyoff, &c.keylen);
                if (r < 0 || (r > 0 && heap_push(s, c) != SG_OK)) {
                    free(pe);
                    return SG_ERR_NOMEM;
                }
                s->generated += (size_t)r;
            }
            free(pe);
        }
    }
    return SG_OK;
}

static int cmp_u32v(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t max_placeholder(const fc_pat *p)
{
    uint32_t m = 0;
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++)
            if ((p->cell[r][c].kind == FC_SET || p->cell[r][c].kind == FC_USE) && p->cell[r][c].v + 1 > m)
                m = p->cell[r][c].v + 1;
    return m;
}

static sg_status push_pat_bound(sg_vec *out, fc_pat *p, uint64_t bound)
{
    fc_pat_canon(p);
    fc_gen g = {*p, bound};
    return sg_vec_push(out, &g);
}


/* upper bound of a derived candidate's score whose windows start at a subset of nw windows'
 * starts (placeholder extensions): kept <= nw */
static uint64_t bound_ph(const fc_pat *q, size_t nw)
{
    uint64_t b = (uint64_t)nw * fc_pat_covered(q);
    return b ? b : 1;
}

/* flows that can start a window of p: the shortest posting list of row 0's FIXED cells */
static size_t row0_maxstarts(const fc_data *d, const fc_pat *p)
{
    size_t best = d->n;
    for (size_t c = 0; c < p->C; c++)
        if (p->cell[0][c].kind == FC_FIXED) {
            uint32_t v = p->cell[0][c].v;
            size_t l = d->post_off[c][v + 1] - d->post_off[c][v];
            if (l < best) best = l;
        }
    return best;
}

/* row extension, placeholder extension (§6.1 3-4) of pattern P (with its windows) */
static sg_status gen_extensions(const fc_data *d, const fc_mpat *mp, sg_vec *out)
{
    const fc_pat *P = &mp->p;
    const fc_win *w = mp->wins.data;
    size_t nw = mp->wins.len;
    uint32_t *vals = malloc((nw ? nw : 1) * sizeof *vals);
    if (!vals) return SG_ERR_NOMEM;
    /* 3. row extension with values seen in row r of P's windows */
    for (size_t r = 0; r < P->nrows; r++)
        for (size_t c = 0; c < d->C; c++) {
            if (d->col[c].role == FC_ROLE_IP || P->cell[r][c].kind != FC_FREE) continue;
            for (size_t k = 0; k < nw; k++) vals[k] = d->code[c][w[k].row[r]];
            qsort(vals, nw, sizeof *vals, cmp_u32v);
            uint64_t cov1 = fc_pat_covered(P) + 1;
            for (size_t k = 0; k < nw; k++) {
                if (k && vals[k] == vals[k - 1]) continue;
                fc_pat q = *P;
                q.cell[r][c] = (fc_cell){FC_FIXED, {0}, vals[k]};
                /* kept windows <= P's windows (their starts are a subset) and <= flows with the
                 * value (kept windows are disjoint) */
                uint64_t pc = d->post_off[c][vals[k] + 1] - d->post_off[c][vals[k]];
                uint64_t bound = (pc < nw ? pc : nw) * cov1;
                if (push_pat_bound(out, &q, bound ? bound : 1) != SG_OK) {
                    free(vals);
                    return SG_ERR_NOMEM;
                }
            }
        }
    free(vals);
    /* 4a. reuse an existing placeholder in a later row */
    for (size_t i = 0; i < P->nrows; i++)
        for (size_t c0 = 0; c0 < d->C; c0++) {
            if (P->cell[i][c0].kind != FC_SET) continue;
            for (size_t j = i + 1; j < P->nrows; j++)
                for (size_t c = 0; c < d->C; c++) {
                    if (d->col[c].role != FC_ROLE_IP || P->cell[j][c].kind != FC_FREE) continue;
                    fc_pat q = *P;
                    q.cell[j][c] = (fc_cell){FC_USE, {0}, P->cell[i][c0].v};
                    if (push_pat_bound(out, &q, bound_ph(&q, nw)) != SG_OK) return SG_ERR_NOMEM;
                }
        }
    /* 4b. a new placeholder */
    uint32_t k = max_placeholder(P);
    for (size_t i = 0; i < P->nrows; i++)
        for (size_t c = 0; c < d->C; c++) {
            if (d->col[c].role != FC_ROLE_IP || P->cell[i][c].kind != FC_FREE) continue;
            for (size_t j = i + 1; j < P->nrows; j++)
                for (size_t c2 = 0; c2 < d->C; c2++) {
                    if (d->col[c2].role != FC_ROLE_IP || P->cell[j][c2].kind != FC_FREE) continue;
                    fc_pat q = *P;
                    q.cell[i][c] = (fc_cell){FC_SET, {0}, k};
                    q.cell[j][c2] = (fc_cell){FC_USE, {0}, k};
                    if (push_pat_bound(out, &q, bound_ph(&q, nw)) != SG_OK) return SG_ERR_NOMEM;
                }
            if (P->nrows < FC_MAXR)
                for (size_t c2 = 0; c2 < d->C; c2++) {
                    if (d->col[c2].role != FC_ROLE_IP) continue;
                    fc_pat q = *P;
                    q.nrows++;
                    q.cell[i][c] = (fc_cell){FC_SET, {0}, k};
                    q.cell[P->nrows][c2] = (fc_cell){FC_USE, {0}, k};
                    if (push_pat_bound(out, &q, bound_ph(&q, nw)) != SG_OK) return SG_ERR_NOMEM;
                }
        }
    return SG_OK;
}

/* 5. one-row union of two one-row patterns with disjoint columns */
static int row_merge(const fc_pat *a, const fc_pat *b, fc_pat *out)
{
    if (a->nrows != 1 || b->nrows != 1) return 0;
    *out = *a;
    for (size_t c = 0; c < a->C; c++) {
        if (b->cell[0][c].kind == FC_FREE) continue;
        if (a->cell[0][c].kind != FC_FREE) return 0;
        out->cell[0][c] = b->cell[0][c];
    }
    return 1;
}

/* IP signature (§6.1 6): FIXED ip codes (shared address dictionary) + placeholder marker */
static int signatures_intersect(const fc_data *d, const fc_pat *a, const fc_pat *b)
{
    int pa = 0, pb = 0;
    for (size_t r = 0; r < a->nrows; r++)
        for (size_t c = 0; c < a->C; c++) pa |= a->cell[r][c].kind == FC_SET || a->cell[r][c].kind == FC_USE;
    for (size_t r = 0; r < b->nrows; r++)
        for (size_t c = 0; c < b->C; c++) pb |= b->cell[r][c].kind == FC_SET || b->cell[r][c].kind == FC_USE;
    if (pa && pb) return 1;
    for (size_t r = 0; r < a->nrows; r++)
        for (size_t c = 0; c < a->C; c++) {
            if (d->col[c].role != FC_ROLE_IP || a->cell[r][c].kind != FC_FIXED) continue;
            for (size_t r2 = 0; r2 < b->nrows; r2++)
                for (size_t c2 = 0; c2 < b->C; c2++)
                    if (d->col[c2].role == FC_ROLE_IP && b->cell[r2][c2].kind == FC_FIXED &&
                        b->cell[r2][c2].v == a->cell[r][c].v)
                        return 1;
        }
    return 0;
}

static int concat(const fc_data *d, const fc_pat *a, const fc_pat *b, fc_pat *out)
{
    if (a->nrows + b->nrows > FC_MAXR || !signatures_intersect(d, a, b)) return 0;
    *out = *a;
    uint32_t shift = max_placeholder(a);
    for (size_t r = 0; r < b->nrows; r++)
        for (size_t c = 0; c < b->C; c++) {
            fc_cell x = b->cell[r][c];
            if (x.kind == FC_SET || x.kind == FC_USE) x.v += shift;
            out->cell[a->nrows + r][c] = x;
        }
    out->nrows = a->nrows + b->nrows;
    return 1;
}

/* score the candidates of `list` (fc_pat) in parallel and push the new non-zero ones */
static sg_status score_and_push(fc_search *s, sg_vec *list)
{
    const fc_data *d = s->d;
    size_t n = list->len;
    fc_gen *gl = list->data;
    /* de-duplicate against everything generated so far, in generation order */
    size_t *keyoff = malloc((n ? n : 1) * sizeof *keyoff);
    uint32_t *keylen = malloc((n ? n : 1) * sizeof *keylen);
    uint8_t *fresh = calloc(n ? n : 1, 1);
    uint64_t *score = calloc(n ? n : 1, sizeof *score);
    if (!keyoff || !keylen || !fresh || !score) {
        free(keyoff);
        free(keylen);
        free(fresh);
        free(score);
        return SG_ERR_NOMEM;
    }
    sg_status st = SG_OK;
    for (size_t i = 0; i < n && st == SG_OK; i++) {
        if (!fc_pat_valid(&gl[i].p, d)) continue;
        int r = cand_register(s, &gl[i].p, &keyoff[i], &keylen[i]);
        if (r < 0) st = SG_ERR_NOMEM;
        fresh[i] = r > 0;
    }
    int oom = 0;
#pragma omp parallel
    {
        uint8_t *cov = calloc(d->n ? d->n : 1, 1);
        sg_vec w;
        sg_vec_init(&w, sizeof(fc_win));
        if (!cov) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < n; i++) {
            if (!fresh[i] || !cov) continue;
            if (gl[i].bound) {
                score[i] = gl[i].bound;
                continue;
            }
            if (fc_windows_ex(d, &gl[i].p, s->max_delay_units, &w, 0) != SG_OK) {
#pragma omp atomic write
                oom = 1;
                continue;
            }
            score[i] = fc_windows_score(d, &gl[i].p, &w, cov);
        }
        sg_vec_free(&w);
        free(cov);
    }
    if (oom) st = SG_ERR_NOMEM;
    for (size_t i = 0; i < n && st == SG_OK; i++) {
        if (!fresh[i] || score[i] == 0) continue;
        fc_cand c = {.score = score[i], .seq = s->seq++, .keyoff = keyoff[i], .keylen = keylen[i], .exact = !gl[i].bound};
        if (heap_push(s, c) != SG_OK) st = SG_ERR_NOMEM;
        s->generated++;
    }
    free(keyoff);
    free(keylen);
    free(fresh);
    free(score);
    return st;
}

/* concat(A, B): window starts are a subset of A's window starts, and disjoint kept windows
 * have distinct flows matching B's first row */
static uint64_t bound_concat(const fc_search *s, const fc_mpat *a, const fc_pat *b, const fc_pat *u)
{
    size_t na = a->wins.len, nb = row0_maxstarts(s->d, b);
    return bound_ph(u, na < nb ? na : nb);
}

/* candidates derived from the newly accepted pattern `q` (index in M) */
static sg_status gen_from_new(fc_search *s, size_t q, int mode)
{
    sg_vec list;
    sg_vec_init(&list, sizeof(fc_gen));
    const fc_mpat *mp = s->pats[q];
    sg_status st = gen_extensions(s->d, mp, &list);
    for (size_t o = 0; o < s->npat && st == SG_OK; o++) {
        fc_pat u;
        if (o != q && row_merge(&s->pats[o]->p, &mp->p, &u)) {
            /* windows = flows matching both rows: at most the windows of either */
            size_t a = s->pats[o]->wins.len, b = mp->wins.len;
            st = push_pat_bound(&list, &u, bound_ph(&u, a < b ? a : b));
        }
    }
    if (mode == 1)
        for (size_t o = 0; o < s->npat && st == SG_OK; o++) {
            fc_pat u;
            if (concat(s->d, &mp->p, &s->pats[o]->p, &u)) st = push_pat_bound(&list, &u, bound_concat(s, mp, &s->pats[o]->p, &u));
            if (st == SG_OK && o != q && concat(s->d, &s->pats[o]->p, &mp->p, &u))
                st = push_pat_bound(&list, &u, bound_concat(s, s->pats[o], &mp->p, &u));
        }
    if (st == SG_OK) st = score_and_push(s, &list);
    sg_vec_free(&list);
    return st;
}

static sg_status gen_all_concat(fc_search *s)
{
    sg_vec list;
    sg_vec_init(&list, sizeof(fc_gen));
    sg_status st = SG_OK;
    for (size_t a = 0; a < s->npat && st == SG_OK; a++)
        for (size_t b = 0; b < s->npat && st == SG_OK; b++) {
            fc_pat u;
            if (concat(s->d, &s->pats[a]->p, &s->pats[b]->p, &u))
                st = push_pat_bound(&list, &u, bound_concat(s, s->pats[a], &s->pats[b]->p, &u));
        }
    if (st == SG_OK) st = score_and_push(s, &list);
    sg_vec_free(&list);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void logf_(const sg_fc_learn_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const sg_fc_learn_opts *o, const char *fmt, ...)
{
    if (!o || !o->log) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->log(o->log_ctx, buf);
}

/* The trials of a batch, run against the same model, taken in order: rejections are counted as
 * tested, the first acceptance is installed and ends the batch (the rest were run against a model
 * that has just changed). Returns the number of trials used, the accepted one included; *accepted
 * says whether one was installed (with *pruned and the description length *before it). */
static size_t take_batch(fc_search *s, fc_trial *trials, size_t nb, int *accepted, size_t *pruned, double *before,
                         sg_status *st)
{
    *accepted = 0;
    size_t k = 0;
    for (; k < nb; k++) {
        if (trials[k].status < 0) {
            *st = SG_ERR_NOMEM;
            break;
        }
        s->tested++;
        if (trials[k].status == 1) {
            *pruned = 0;
            *before = s->data_cost + s->model_cost;
            if (install(s, &trials[k], pruned) != SG_OK) {
                *st = SG_ERR_NOMEM;
                break;
            }
            *accepted = 1;
            return k + 1;
        }
    }
    return k;
}

/* the figures reported are counted afresh on the final cover (the search compared changes) */
static sg_status finish_stats(fc_search *s, const sg_fc_learn_opts *opts, sg_fc_learn_stats *stats, size_t iter,
                              double t0, sg_error *err)
{
    double exact;
    long diff = full_check(s, &exact);
    if (diff < 0) return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory during the search");
    if (diff > 0)
        return sg_error_set(err, SG_ERR_INVALID, "flowchronicle: internal error: incremental cover differs from the greedy cover");
    if (iter) logf_(opts, "search: L(D|M) maintained %.6f, counted afresh %.6f bits", s->data_cost, exact);
    s->data_cost = exact;
    if (stats) {
        stats->flows = s->d->n;
        stats->patterns = s->npat;
        stats->iterations = iter;
        stats->candidates_tested = s->tested;
        stats->candidates_generated = s->generated;
        size_t cov = 0;
        for (size_t i = 0; i < s->d->n; i++) cov += s->covered[i];
        stats->covered_flows = cov;
        stats->model_bits = s->base_struct + s->model_cost;
        stats->data_bits = s->data_cost;
        stats->total_bits = stats->model_bits + stats->data_bits;
        stats->empty_total_bits = s->base_struct + s->empty_data;
        stats->compression_ratio = stats->total_bits > 0 ? stats->empty_total_bits / stats->total_bits : 1.0;
        stats->seconds = now_s() - t0;
    }
    return SG_OK;
}

sg_status fc_search_run(fc_search *s, const sg_fc_learn_opts *opts, sg_fc_learn_stats *stats, sg_error *err)
{
    double t0 = now_s();
    size_t max_iter = opts && opts->max_iter ? opts->max_iter : 100000;
    size_t max_pat = opts ? opts->max_patterns : 0;
    int nthreads = 1;
#ifdef _OPENMP
    nthreads = omp_get_max_threads();
#endif
    size_t batch = (size_t)(nthreads > 1 ? 2 * nthreads : 1);
    if (gen_pairs(s) != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    logf_(opts, "search: %zu flows, %zu columns, %zu pair candidates, L(D|empty) = %.1f bits", s->d->n, s->d->C,
          s->heap.len, s->data_cost);
    int mode = 0, changes = 1;
    size_t iter = 0;
    fc_trial *trials = calloc(batch, sizeof *trials);
    fc_cand *popped = calloc(batch, sizeof *popped);
    if (!trials || !popped) {
        free(trials);
        free(popped);
        return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    }
    sg_status st = SG_OK;
    while ((changes || mode == 0) && iter < max_iter && st == SG_OK) {
        if (max_pat && s->npat >= max_pat) break;
        if (!changes) {
            mode = 1;
            if (gen_all_concat(s) != SG_OK) {
                st = SG_ERR_NOMEM;
                break;
            }
            logf_(opts, "search: switching to mode 1 (concatenations), %zu candidates queued", s->heap.len);
        }
        changes = 0;
        iter++;
        size_t failures = 0;
        while (failures < FC_MAX_FAILURES && !changes && st == SG_OK) {
            size_t nb = 0, want = batch < FC_MAX_FAILURES - failures ? batch : FC_MAX_FAILURES - failures;
            int oom = 0;
            nb = pop_exact(s, popped, want, &oom);
            if (oom) {
                st = SG_ERR_NOMEM;
                break;
            }
            if (nb == 0) break; /* candidates exhausted (D12) */
            fc_pat *cp = malloc(nb * sizeof *cp);
            if (!cp) {
                st = SG_ERR_NOMEM;
                break;
            }
            for (size_t k = 0; k < nb; k++)
                fc_pat_from_key(&cp[k], (const unsigned char *)s->keys.data + popped[k].keyoff, popped[k].keylen,
                                s->d->C);
#pragma omp parallel for schedule(dynamic, 1)
            for (size_t k = 0; k < nb; k++) trial_run(s, &cp[k], &trials[k]);
            free(cp);
            int accepted;
            size_t pruned = 0;
            double before = 0;
            size_t k = take_batch(s, trials, nb, &accepted, &pruned, &before, &st);
            failures += k - (size_t)accepted;
            if (accepted) {
                const fc_mpat *np = s->pats[s->npat - 1];
                /* the new pattern may have been re-indexed by pruning: it is the last one */
                logf_(opts,
                      "iter %zu: +pattern (%u rows, %zu cells fixed/reused, usage %zu), pruned %zu, |M| = %zu, "
                      "L = %.1f -> %.1f bits",
                      iter, np->p.nrows, fc_pat_covered(&np->p), np->acc.len, pruned, s->npat, before,
                      s->data_cost + s->model_cost);
                changes = 1;
            }
            /* untested candidates of the batch go back (their rank is unchanged) */
            for (size_t j = k; j < nb; j++)
                if (heap_push(s, popped[j]) != SG_OK) st = SG_ERR_NOMEM;
            for (size_t j = 0; j < nb; j++) trial_free(&trials[j]);
        }
        if (changes && st == SG_OK && gen_from_new(s, s->npat - 1, mode) != SG_OK) st = SG_ERR_NOMEM;
    }
    free(trials);
    free(popped);
    if (st != SG_OK) return sg_error_set(err, st, "flowchronicle: out of memory during the search");
    st = finish_stats(s, opts, stats, iter, t0, err);
    if (st != SG_OK) return st;
    logf_(opts, "search: %zu candidates generated, %zu exact scores computed lazily", s->generated, s->evaluated);
    logf_(opts, "search: done, %zu patterns, %zu candidates tested, L = %.1f bits (empty model %.1f)", s->npat,
          s->tested, s->base_struct + s->model_cost + s->data_cost, s->base_struct + s->empty_data);
    return SG_OK;
}

/* ---- chunked search (docs/flowchronicle.md "Scaling") -------------------------------------------- */

typedef struct chunk_pat {
    fc_pat p;
    uint64_t weight; /* summed usage x covered cells over the slices that found it */
    size_t first;    /* discovery order: slice, then index in the slice's model */
} chunk_pat;

static int cmp_chunk_pat(const void *a, const void *b)
{
    const chunk_pat *x = a, *y = b;
    if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

sg_status fc_search_run_chunked(fc_search *s, size_t chunk, const sg_fc_learn_opts *opts, sg_fc_learn_stats *stats,
                                sg_error *err)
{
    double t0 = now_s();
    const fc_data *d = s->d;
    size_t n = d->n;
    if (chunk < 2) chunk = 2;
    size_t K = (n + chunk - 1) / chunk;
    if (K <= 1) return fc_search_run(s, opts, stats, err);
    sg_vec *found = calloc(K, sizeof *found);
    sg_status *kst = calloc(K, sizeof *kst);
    size_t *ktested = calloc(K, sizeof *ktested), *kgen = calloc(K, sizeof *kgen);
    if (!found || !kst || !ktested || !kgen) {
        free(found);
        free(kst);
        free(ktested);
        free(kgen);
        return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    }
    for (size_t k = 0; k < K; k++) sg_vec_init(&found[k], sizeof(chunk_pat));
    logf_(opts, "search: %zu flows in %zu slices of about %zu flows", n, K, (n + K - 1) / K);
    sg_fc_learn_opts so;
    memset(&so, 0, sizeof so);
    if (opts) {
        so.max_iter = opts->max_iter;
        so.max_patterns = opts->max_patterns;
    }
    /* 1. the exact search on each slice; slices in parallel, each search single-threaded (its
     * result does not depend on the thread count) */
    size_t done = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t k = 0; k < K; k++) {
        size_t a = k * n / K, b = (k + 1) * n / K;
        fc_data sub;
        kst[k] = fc_data_slice(d, a, b, &sub);
        if (kst[k] != SG_OK) continue;
        fc_search *cs = fc_search_create(&sub, s->max_delay_units, 0, NULL);
        if (!cs) {
            kst[k] = SG_ERR_NOMEM;
            fc_data_free(&sub);
            continue;
        }
        sg_fc_learn_stats cst;
        kst[k] = fc_search_run(cs, &so, &cst, NULL);
        ktested[k] = cs->tested;
        kgen[k] = cs->generated;
        for (size_t q = 0; q < cs->npat && kst[k] == SG_OK; q++) {
            chunk_pat cp = {cs->pats[q]->p, (uint64_t)cs->pats[q]->acc.len * fc_pat_covered(&cs->pats[q]->p),
                            k << 24 | q};
            kst[k] = sg_vec_push(&found[k], &cp);
        }
        fc_search_destroy(cs);
        fc_data_free(&sub);
        size_t dn;
#pragma omp atomic capture
        dn = ++done;
        if (opts && opts->log) {
#pragma omp critical(fc_chunk_log)
            logf_(opts, "search: slice %zu/%zu done (%zu of %zu), %zu patterns", k + 1, K, dn, K, found[k].len);
        }
    }
    sg_status st = SG_OK;
    for (size_t k = 0; k < K; k++) {
        if (kst[k] != SG_OK && st == SG_OK) st = kst[k];
        s->tested += ktested[k];
        s->generated += kgen[k];
    }
    /* 2. the slices' patterns, de-duplicated (canonical form), by summed weight */
    sg_vec all;
    sg_vec_init(&all, sizeof(chunk_pat));
    sg_hashmap *pos = sg_hashmap_create(1024);
    if (!pos && st == SG_OK) st = SG_ERR_NOMEM;
    for (size_t k = 0; k < K && st == SG_OK; k++) {
        const chunk_pat *f = found[k].data;
        for (size_t i = 0; i < found[k].len && st == SG_OK; i++) {
            unsigned char key[8 + 8 * FC_MAXR * FC_MAXC];
            size_t kl = fc_pat_key(&f[i].p, key);
            int ins = 0;
            uint64_t *v = sg_hashmap_upsert(pos, key, kl, all.len, &ins);
            if (!v) st = SG_ERR_NOMEM;
            else if (ins) st = sg_vec_push(&all, &f[i]);
            else SG_VEC_AT(&all, chunk_pat, *v).weight += f[i].weight;
        }
    }
    sg_hashmap_destroy(pos);
    for (size_t k = 0; k < K; k++) sg_vec_free(&found[k]);
    free(found);
    free(kst);
    free(ktested);
    free(kgen);
    if (st == SG_OK && all.len > 1) qsort(all.data, all.len, sizeof(chunk_pat), cmp_chunk_pat);
    logf_(opts, "search: %zu distinct patterns from the slices; trying them on all %zu flows", all.len, n);
    /* 3. each tried on the whole table in that order (acceptance test with folding, pruning);
     * batches are tested in parallel and the first accepted in order wins, as in the main loop */
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    /* most slice patterns are accepted: a batch after an acceptance is one trial (the rest of a
     * larger batch would be tested against a model that just changed); after a rejection it grows
     * back to 2 per thread. The order of tests, hence the model, does not depend on it. */
    size_t maxb = (size_t)(nth > 1 ? 2 * nth : 1), batch = 1, next = 0, iter = 0;
    fc_trial *trials = calloc(maxb, sizeof *trials);
    if (!trials && st == SG_OK) st = SG_ERR_NOMEM;
    const chunk_pat *ap = all.data;
    while (st == SG_OK && next < all.len) {
        if (opts && opts->max_patterns && s->npat >= opts->max_patterns) break;
        size_t nb = all.len - next < batch ? all.len - next : batch;
#pragma omp parallel for schedule(dynamic, 1)
        for (size_t k = 0; k < nb; k++) trial_run(s, &ap[next + k].p, &trials[k]);
        int accepted;
        size_t pruned = 0;
        double before = 0;
        size_t k = take_batch(s, trials, nb, &accepted, &pruned, &before, &st);
        if (accepted) {
            iter++;
            logf_(opts, "global %zu/%zu: +pattern (%u rows, usage %zu), pruned %zu, |M| = %zu, L = %.1f -> %.1f bits",
                  next + k, all.len, s->pats[s->npat - 1]->p.nrows, s->pats[s->npat - 1]->acc.len, pruned, s->npat,
                  before, s->data_cost + s->model_cost);
        }
        batch = k < nb || trials[nb - 1].status == 1 ? 1 : (2 * batch < maxb ? 2 * batch : maxb);
        next += k; /* the untested rest of the batch is tried again against the new model */
        for (size_t j = 0; j < nb; j++) trial_free(&trials[j]);
    }
    free(trials);
    sg_vec_free(&all);
    if (st != SG_OK) return sg_error_set(err, st, "flowchronicle: out of memory during the search");
    st = finish_stats(s, opts, stats, iter, t0, err);
    if (st != SG_OK) return st;
    logf_(opts, "search: done, %zu patterns, L = %.1f bits (empty model %.1f)", s->npat,
          s->base_struct + s->model_cost + s->data_cost, s->base_struct + s->empty_data);
    return SG_OK;
}

/* ---- sampled search: a sample's patterns cover the whole table (docs/flowchronicle.md "Scaling") -- */

typedef struct blk_win {
    fc_win w;
    uint32_t pat;
} blk_win;

static int cmp_blk(const void *a, const void *b)
{
    const blk_win *x = a, *y = b;
    if (x->w.prio != y->w.prio) return x->w.prio > y->w.prio ? -1 : 1;
    if (x->pat != y->pat) return x->pat < y->pat ? -1 : 1;
    return (x->w.row[0] > y->w.row[0]) - (x->w.row[0] < y->w.row[0]);
}

static int cmp_win_prio(const void *a, const void *b)
{
    const fc_win *x = a, *y = b;
    if (x->prio != y->prio) return x->prio > y->prio ? -1 : 1;
    return (x->row[0] > y->row[0]) - (x->row[0] < y->row[0]);
}

sg_status fc_search_adopt(fc_search *s, const fc_search *from, size_t block, const sg_fc_learn_opts *opts,
                          sg_fc_learn_stats *stats, sg_error *err)
{
    double t0 = now_s();
    const fc_data *d = s->d;
    size_t n = d->n, P = from->npat;
    if (s->npat) return sg_error_set(err, SG_ERR_INVALID, "flowchronicle: adopt needs an empty model");
    if (block < 1024) block = 1024;
    sg_vec *acc = calloc(P ? P : 1, sizeof *acc);
    sg_vec blk, w;
    sg_vec_init(&blk, sizeof(blk_win));
    sg_vec_init(&w, sizeof(fc_win));
    sg_status st = acc ? SG_OK : SG_ERR_NOMEM;
    for (size_t q = 0; q < P; q++) sg_vec_init(&acc[q], sizeof(fc_win));
    /* 1. greedy cover block by block */
    for (size_t lo = 0; lo < n && st == SG_OK; lo += block) {
        size_t hi = lo + block < n ? lo + block : n;
        sg_vec_clear(&blk);
        for (size_t q = 0; q < P && st == SG_OK; q++) {
            st = fc_windows_range(d, &from->pats[q]->p, s->max_delay_units, lo, hi, &w, 1);
            const fc_win *a = w.data;
            for (size_t k = 0; k < w.len && st == SG_OK; k++) {
                blk_win b = {a[k], (uint32_t)q};
                st = sg_vec_push(&blk, &b);
            }
        }
        if (st != SG_OK) break;
        if (blk.len > 1) qsort(blk.data, blk.len, sizeof(blk_win), cmp_blk);
        const blk_win *b = blk.data;
        for (size_t k = 0; k < blk.len && st == SG_OK; k++) {
            size_t L = from->pats[b[k].pat]->p.nrows;
            int ok = 1;
            for (size_t r = 0; r < L && ok; r++) ok = !s->covered[b[k].w.row[r]];
            if (!ok) continue;
            for (size_t r = 0; r < L; r++) s->covered[b[k].w.row[r]] = 1;
            st = sg_vec_push(&acc[b[k].pat], &b[k].w);
        }
    }
    sg_vec_free(&blk);
    sg_vec_free(&w);
    /* 2. the patterns with usage: their accepted windows are their windows (in greedy order) */
    for (size_t q = 0; q < P && st == SG_OK; q++) {
        if (acc[q].len == 0) continue;
        const fc_mpat *fp = from->pats[q];
        if (s->npat == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 16;
            fc_mpat **np = realloc(s->pats, nc * sizeof *np);
            if (!np) {
                st = SG_ERR_NOMEM;
                break;
            }
            s->pats = np;
            s->cap = nc;
        }
        fc_mpat *mp = calloc(1, sizeof *mp);
        if (!mp) {
            st = SG_ERR_NOMEM;
            break;
        }
        mp->p = fp->p;
        mp->bn = sg_bn_clone(fp->bn);
        mp->nvars = fp->nvars;
        memcpy(mp->vrow, fp->vrow, sizeof mp->vrow);
        memcpy(mp->vcol, fp->vcol, sizeof mp->vcol);
        mp->cost = fp->cost;
        mp->wins = acc[q];
        sg_vec_init(&acc[q], sizeof(fc_win));
        if (mp->wins.len > 1) qsort(mp->wins.data, mp->wins.len, sizeof(fc_win), cmp_win_prio);
        sg_vec_init(&mp->acc, sizeof(uint32_t));
        for (uint32_t k = 0; k < mp->wins.len && st == SG_OK; k++) st = sg_vec_push(&mp->acc, &k);
        mp->ktc = mp->nvars ? fc_kt_create(mp->bn) : NULL;
        uint32_t *rec = pattern_records(d, &mp->wins, mp->acc.data, mp->acc.len, mp->vrow, mp->vcol, mp->nvars);
        if (st == SG_OK && (!mp->bn || !rec || (mp->ktc && fc_kt_apply(mp->ktc, rec, mp->acc.len, NULL, 0) != SG_OK)))
            st = SG_ERR_NOMEM;
        free(rec);
        s->pats[s->npat++] = mp;
        s->model_cost += mp->cost;
    }
    for (size_t q = 0; q < P; q++) sg_vec_free(&acc[q]);
    free(acc);
    /* 3. the incremental state: window index, order, owners, base counts */
    if (st == SG_OK) st = index_rebuild(s);
    if (st == SG_OK) {
        size_t W = s->nwin;
        s->order = malloc((W ? W : 1) * sizeof *s->order);
        s->oprio = malloc((W ? W : 1) * sizeof *s->oprio);
        s->rank = malloc((W ? W : 1) * sizeof *s->rank);
        s->gacc = malloc(W ? W : 1);
        if (!s->order || !s->oprio || !s->rank || !s->gacc) st = SG_ERR_NOMEM;
        else {
            sg_vec ord;
            if (build_order(s, &ord) != SG_OK) st = SG_ERR_NOMEM;
            const fc_ord *o = ord.data;
            for (size_t j = 0; j < W && st == SG_OK; j++) {
                s->order[j] = (uint32_t)(s->wbase[o[j].pat] + o[j].widx);
                s->rank[s->order[j]] = (uint32_t)j;
                s->oprio[j] = o[j].prio;
            }
            sg_vec_free(&ord);
            memset(s->gacc, 1, W);
            for (size_t q = 0; q < s->npat; q++) {
                const fc_mpat *mp = s->pats[q];
                for (size_t k = 0; k < mp->wins.len; k++) {
                    const fc_win *x = &SG_VEC_AT(&mp->wins, fc_win, k);
                    for (size_t r = 0; r < mp->p.nrows; r++) s->owner[x->row[r]] = (uint32_t)(s->wbase[q] + k);
                }
            }
        }
    }
    if (st == SG_OK) {
        uint32_t *rec = malloc((n * d->C + 1) * sizeof *rec);
        size_t k = 0;
        if (!rec) st = SG_ERR_NOMEM;
        else {
            for (size_t i = 0; i < n; i++)
                if (s->covered[i]) {
                    for (size_t c = 0; c < d->C; c++) rec[k * d->C + c] = d->code[c][i];
                    k++;
                }
            st = fc_kt_apply(s->basekt, NULL, 0, rec, k);
            s->nunc = n - k;
        }
        free(rec);
    }
    if (st != SG_OK) return sg_error_set(err, st, "flowchronicle: out of memory covering the table");
    s->tested = from->tested;
    s->generated = from->generated;
    logf_(opts, "search: %zu of the sample's %zu patterns cover %zu of %zu flows", s->npat, P, n - s->nunc, n);
    st = finish_stats(s, opts, stats, 0, t0, err);
    if (st != SG_OK) return st;
    logf_(opts, "search: done, %zu patterns, L = %.1f bits (empty model %.1f)", s->npat,
          s->base_struct + s->model_cost + s->data_cost, s->base_struct + s->empty_data);
    return SG_OK;
}
