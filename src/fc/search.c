/* FlowChronicle search (spec §2.3 cover, §3.4 data cost, §5.5 folding, §6 candidates, acceptance,
 * pruning and the main loop). Candidate evaluation is a pure function of the current model, so
 * batches of candidates are scored/tested in parallel (OpenMP) and reduced in rank order: the
 * result is the one of the sequential algorithm, whatever the number of threads. */
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

struct fc_search {
    const fc_data *d;
    int64_t max_delay_units;
    sg_bn *base;
    double base_struct;
    double empty_data;
    fc_mpat **pats;
    size_t npat, cap;
    sg_vec order; /* fc_ord, sorted: prio desc, pattern asc, start asc */
    uint8_t *covered;
    size_t nunc;
    double base_kt;
    double data_cost;
    double model_cost;
    /* candidate pool */
    sg_vec heap;   /* fc_cand */
    sg_vec keys;   /* bytes */
    sg_hashmap *seen;
    uint64_t seq;
    size_t generated, tested, evaluated;
    uint8_t *scratch_cov;
    sg_vec scratch_wins;
};

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t acc_signature(const sg_vec *acc)
{
    uint64_t h = sg_hash_u64(acc->len + 0x9e3779b97f4a7c15ULL);
    const uint32_t *a = acc->data;
    for (size_t i = 0; i < acc->len; i++) h = sg_hash_u64(h ^ (a[i] + 0x632be59bd9b4e019ULL * (i + 1)));
    return h;
}

/* base BN KT over the uncovered flows */
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
static uint32_t *pattern_records(const fc_data *d, const fc_pat *p, const sg_vec *wins, const sg_vec *acc,
                                 const uint8_t *vrow, const uint8_t *vcol, size_t m)
{
    size_t u = acc->len;
    uint32_t *rec = malloc((u * m + 1) * sizeof *rec);
    if (!rec) return NULL;
    const fc_win *w = wins->data;
    const uint32_t *a = acc->data;
    (void)p;
    for (size_t i = 0; i < u; i++)
        for (size_t v = 0; v < m; v++) rec[i * m + v] = d->code[vcol[v]][w[a[i]].row[vrow[v]]];
    return rec;
}

static double pattern_kt(const fc_data *d, const fc_pat *p, const sg_bn *bn, const sg_vec *wins, const sg_vec *acc,
                         const uint8_t *vrow, const uint8_t *vcol, size_t m)
{
    if (m == 0 || acc->len == 0) return 0.0;
    uint32_t *rec = pattern_records(d, p, wins, acc, vrow, vcol, m);
    if (!rec) return NAN;
    sg_bn_data bd = {.x = rec, .nrows = acc->len, .row_stride = m, .col_stride = 1};
    double v = sg_bn_kt_bits(bn, &bd);
    free(rec);
    return v;
}

/* Greedy cover (§2.3) of M without pattern `skip` (-1: none) plus an optional extra pattern with
 * sorted windows xw (index npat, last in tie order). acc must hold npat + 1 vectors (uint32). */
static sg_status cover_compute(const fc_search *s, long skip, const fc_pat *xp, const sg_vec *xw, uint8_t *covered,
                               sg_vec *acc)
{
    const fc_data *d = s->d;
    memset(covered, 0, d->n);
    for (size_t q = 0; q <= s->npat; q++) sg_vec_clear(&acc[q]);
    const fc_ord *o = s->order.data;
    size_t no = s->order.len, io = 0, ix = 0, nx = xw ? xw->len : 0;
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

/* L(D | cover) (§3.4). Patterns whose accepted set is unchanged reuse their cached KT; kt_out
 * (npat + 1) receives the per-pattern KT values. The extra pattern (if any) uses xbn. */
static double cover_cost(const fc_search *s, long skip, const fc_pat *xp, const sg_vec *xw, const sg_bn *xbn,
                         const uint8_t *xvrow, const uint8_t *xvcol, size_t xm, const uint8_t *covered,
                         const sg_vec *acc, double *kt_out, double *basekt_out)
{
    const fc_data *d = s->d;
    double total = 0.0;
    for (size_t q = 0; q <= s->npat; q++) {
        kt_out[q] = 0.0;
        if ((long)q == skip) continue;
        if (q == s->npat && !xp) continue;
        size_t u = acc[q].len;
        if (u == 0) continue;
        const sg_vec *wins = q < s->npat ? &s->pats[q]->wins : xw;
        const fc_win *w = wins->data;
        const uint32_t *a = acc[q].data;
        for (size_t i = 0; i < u; i++) total += w[a[i]].cost;
        total += sg_universal_int_bits(u);
        double kt;
        if (q < s->npat) {
            const fc_mpat *mp = s->pats[q];
            if (acc_signature(&acc[q]) == mp->acc_sig && u == mp->acc.len) kt = mp->kt;
            else kt = pattern_kt(d, &mp->p, mp->bn, &mp->wins, &acc[q], mp->vrow, mp->vcol, mp->nvars);
        } else {
            kt = pattern_kt(d, xp, xbn, xw, &acc[q], xvrow, xvcol, xm);
        }
        kt_out[q] = kt;
        total += kt;
    }
    size_t nunc;
    double bk = base_kt(s, covered, &nunc);
    *basekt_out = bk;
    total += bk + d->tau * (double)nunc;
    return total;
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
    sg_vec_init(&s->order, sizeof(fc_ord));
    sg_vec_init(&s->heap, sizeof(fc_cand));
    sg_vec_init(&s->keys, 1);
    s->seen = sg_hashmap_create(1024);
    s->covered = calloc(d->n ? d->n : 1, 1);
    s->scratch_cov = calloc(d->n ? d->n : 1, 1);
    sg_vec_init(&s->scratch_wins, sizeof(fc_win));
    uint32_t card[FC_MAXC];
    const char *names[FC_MAXC];
    for (size_t c = 0; c < d->C; c++) {
        card[c] = (uint32_t)(d->codespace[c] ? d->codespace[c] : 1);
        names[c] = d->col[c].name;
    }
    s->base = sg_bn_create(d->C, card, names);
    if (!s->seen || !s->covered || !s->scratch_cov || !s->base) {
        fc_search_destroy(s);
        sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
        return NULL;
    }
    sg_bn_data all = {.x = d->codes, .nrows = d->n, .row_stride = 1, .col_stride = d->n};
    if (!empty_base_dag && sg_bn_learn_structure(s->base, &all, NULL, err) != SG_OK) {
        fc_search_destroy(s);
        return NULL;
    }
    s->base_struct = sg_bn_structure_bits(s->base);
    s->base_kt = sg_bn_kt_bits(s->base, &all);
    s->nunc = d->n;
    s->data_cost = s->base_kt + d->tau * (double)d->n;
    s->empty_data = s->data_cost;
    return s;
}

static void mpat_free(fc_mpat *mp)
{
    if (!mp) return;
    sg_vec_free(&mp->wins);
    sg_vec_free(&mp->acc);
    sg_bn_destroy(mp->bn);
    free(mp);
}

void fc_search_destroy(fc_search *s)
{
    if (!s) return;
    for (size_t q = 0; q < s->npat; q++) mpat_free(s->pats[q]);
    free(s->pats);
    sg_vec_free(&s->order);
    sg_vec_free(&s->heap);
    sg_vec_free(&s->keys);
    sg_hashmap_destroy(s->seen);
    free(s->covered);
    free(s->scratch_cov);
    sg_vec_free(&s->scratch_wins);
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

/* ---- acceptance test (pure) ------------------------------------------------------------------ */

typedef struct fc_trial {
    int status; /* 1 accepted, 0 rejected, <0 error */
    fc_pat p;   /* folded */
    sg_vec wins;
    sg_bn *bn;
    size_t nvars;
    uint8_t vrow[FC_MAXR * FC_MAXC], vcol[FC_MAXR * FC_MAXC];
    double pcost;
    double data_cost;
    double base_kt;
    uint8_t *covered;
    sg_vec *acc; /* npat + 1 */
    double *kt;  /* npat + 1 */
    size_t nacc; /* npat + 1 at the time of the trial */
} fc_trial;

static void trial_free(fc_trial *t)
{
    sg_vec_free(&t->wins);
    sg_bn_destroy(t->bn);
    t->bn = NULL;
    free(t->covered);
    t->covered = NULL;
    if (t->acc)
        for (size_t q = 0; q < t->nacc; q++) sg_vec_free(&t->acc[q]);
    free(t->acc);
    t->acc = NULL;
    free(t->kt);
    t->kt = NULL;
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
    memset(t, 0, sizeof *t);
    sg_vec_init(&t->wins, sizeof(fc_win));
    t->p = *cand;
    fc_pat_canon(&t->p);
    t->covered = malloc(d->n ? d->n : 1);
    t->acc = calloc(s->npat + 1, sizeof *t->acc);
    t->kt = calloc(s->npat + 1, sizeof *t->kt);
    if (!t->covered || !t->acc || !t->kt) {
        t->status = -1;
        return;
    }
    t->nacc = s->npat + 1;
    for (size_t q = 0; q <= s->npat; q++) sg_vec_init(&t->acc[q], sizeof(uint32_t));
    uint32_t *rec = NULL;
    for (int it = 0;; it++) {
        if (it >= FC_MAX_FOLDS || !fc_pat_valid(&t->p, d)) {
            t->status = 0;
            return;
        }
        if (fc_windows(d, &t->p, s->max_delay_units, &t->wins) != SG_OK ||
            cover_compute(s, -1, &t->p, &t->wins, t->covered, t->acc) != SG_OK) {
            t->status = -1;
            return;
        }
        sg_vec *acc = &t->acc[s->npat];
        if (acc->len == 0) {
            t->status = 0;
            return;
        }
        t->nvars = fc_pat_vars(&t->p, t->vrow, t->vcol);
        free(rec);
        rec = pattern_records(d, &t->p, &t->wins, acc, t->vrow, t->vcol, t->nvars);
        if (!rec) {
            t->status = -1;
            return;
        }
        uint8_t isc[FC_MAXR * FC_MAXC];
        uint32_t val[FC_MAXR * FC_MAXC];
        sg_bn_data bd = {.x = rec, .nrows = acc->len, .row_stride = t->nvars, .col_stride = 1};
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
    free(rec);
    t->pcost = fc_pattern_cost_nobn(&t->p, d) + sg_bn_structure_bits(t->bn);
    t->data_cost = cover_cost(s, -1, &t->p, &t->wins, t->bn, t->vrow, t->vcol, t->nvars, t->covered, t->acc, t->kt,
                              &t->base_kt);
    if (isnan(t->data_cost)) {
        t->status = -1;
        return;
    }
    t->status = t->data_cost + t->pcost < s->data_cost ? 1 : 0;
}

/* ---- installing a cover --------------------------------------------------------------------- */

static int cmp_ord(const void *a, const void *b)
{
    const fc_ord *x = a, *y = b;
    if (x->prio != y->prio) return x->prio > y->prio ? -1 : 1;
    if (x->pat != y->pat) return x->pat < y->pat ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static sg_status rebuild_order(fc_search *s)
{
    sg_vec_clear(&s->order);
    for (size_t q = 0; q < s->npat; q++) {
        const fc_win *w = s->pats[q]->wins.data;
        for (size_t k = 0; k < s->pats[q]->wins.len; k++) {
            fc_ord o = {w[k].prio, (uint32_t)q, (uint32_t)k, w[k].row[0]};
            if (sg_vec_push(&s->order, &o) != SG_OK) return SG_ERR_NOMEM;
        }
    }
    if (s->order.len > 1) qsort(s->order.data, s->order.len, sizeof(fc_ord), cmp_ord);
    return SG_OK;
}

/* adopt a cover for the current M (acc has npat + 1 entries; the last is ignored) */
static void adopt_cover(fc_search *s, uint8_t *covered, sg_vec *acc, const double *kt, double data_cost)
{
    for (size_t q = 0; q < s->npat; q++) {
        fc_mpat *mp = s->pats[q];
        sg_vec tmp = mp->acc;
        mp->acc = acc[q];
        acc[q] = tmp;
        mp->acc_sig = acc_signature(&mp->acc);
        mp->kt = kt[q];
    }
    memcpy(s->covered, covered, s->d->n);
    size_t nunc = 0;
    for (size_t i = 0; i < s->d->n; i++) nunc += !s->covered[i];
    s->nunc = nunc;
    s->data_cost = data_cost;
}

static void remove_pattern(fc_search *s, size_t q)
{
    s->model_cost -= s->pats[q]->cost;
    mpat_free(s->pats[q]);
    memmove(&s->pats[q], &s->pats[q + 1], (s->npat - q - 1) * sizeof *s->pats);
    s->npat--;
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
    if (!items || !ids) {
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
    uint8_t *cov = malloc(s->d->n ? s->d->n : 1);
    for (size_t i = 0; i < ni && st == SG_OK; i++) {
        /* find the pattern's current index */
        size_t q = SIZE_MAX;
        for (size_t k = 0; k < s->npat; k++)
            if (s->pats[k] == ids[i]) q = k;
        if (q == SIZE_MAX) continue;
        size_t na = s->npat + 1;
        sg_vec *acc = calloc(na, sizeof *acc);
        double *kt = calloc(na, sizeof *kt);
        if (!cov || !acc || !kt) {
            free(acc);
            free(kt);
            st = SG_ERR_NOMEM;
            break;
        }
        for (size_t k = 0; k <= s->npat; k++) sg_vec_init(&acc[k], sizeof(uint32_t));
        double bk;
        if (cover_compute(s, (long)q, NULL, NULL, cov, acc) != SG_OK) st = SG_ERR_NOMEM;
        else {
            double dc = cover_cost(s, (long)q, NULL, NULL, NULL, NULL, NULL, 0, cov, acc, kt, &bk);
            if (dc < s->data_cost + s->pats[q]->cost) {
                adopt_cover(s, cov, acc, kt, dc);
                s->base_kt = bk;
                remove_pattern(s, q);
                if (rebuild_order(s) != SG_OK) st = SG_ERR_NOMEM;
                (*removed)++;
            }
        }
        for (size_t k = 0; k < na; k++) sg_vec_free(&acc[k]);
        free(acc);
        free(kt);
    }
    free(cov);
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
    size_t nold = s->npat;
    size_t *old_usage = malloc((nold ? nold : 1) * sizeof *old_usage);
    fc_mpat *mp = calloc(1, sizeof *mp);
    if (!old_usage || !mp) {
        free(old_usage);
        free(mp);
        return SG_ERR_NOMEM;
    }
    for (size_t q = 0; q < nold; q++) old_usage[q] = s->pats[q]->acc.len;
    mp->p = t->p;
    mp->wins = t->wins;
    sg_vec_init(&t->wins, sizeof(fc_win));
    mp->bn = t->bn;
    t->bn = NULL;
    mp->nvars = t->nvars;
    memcpy(mp->vrow, t->vrow, sizeof mp->vrow);
    memcpy(mp->vcol, t->vcol, sizeof mp->vcol);
    mp->cost = t->pcost;
    sg_vec_init(&mp->acc, sizeof(uint32_t));
    s->pats[s->npat++] = mp;
    s->model_cost += mp->cost;
    adopt_cover(s, t->covered, t->acc, t->kt, t->data_cost);
    /* adopt_cover moved the new pattern's accepted windows (acc[nold]) into mp->acc */
    s->base_kt = t->base_kt;
    /* mark canonical form as seen */
    unsigned char key[8 + 8 * FC_MAXR * FC_MAXC];
    size_t kl = fc_pat_key(&mp->p, key);
    sg_hashmap_put(s->seen, key, kl, 1);
    sg_status st = rebuild_order(s);
    if (st == SG_OK) st = prune(s, old_usage, nold, pruned);
    free(old_usage);
    return st;
}

int fc_search_try_add(fc_search *s, const fc_pat *p, double *new_data_cost, double *p_cost, fc_pat *folded)
{
    fc_trial t;
    trial_run(s, p, &t);
    if (new_data_cost) *new_data_cost = t.data_cost;
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
            size_t k = 0;
            for (; k < nb; k++) {
                if (trials[k].status < 0) {
                    st = SG_ERR_NOMEM;
                    break;
                }
                s->tested++;
                if (trials[k].status == 1) {
                    size_t pruned = 0;
                    double before = s->data_cost + s->model_cost;
                    if (install(s, &trials[k], &pruned) != SG_OK) {
                        st = SG_ERR_NOMEM;
                        break;
                    }
                    const fc_mpat *np = s->pats[s->npat - 1 - 0];
                    /* the new pattern may have been re-indexed by pruning: it is the last one */
                    logf_(opts,
                          "iter %zu: +pattern (%u rows, %zu cells fixed/reused, usage %zu), pruned %zu, |M| = %zu, "
                          "L = %.1f -> %.1f bits",
                          iter, np->p.nrows, fc_pat_covered(&np->p), np->acc.len, pruned, s->npat, before,
                          s->data_cost + s->model_cost);
                    changes = 1;
                    k++;
                    break;
                }
                failures++;
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
    logf_(opts, "search: %zu candidates generated, %zu exact scores computed lazily", s->generated, s->evaluated);
    logf_(opts, "search: done, %zu patterns, %zu candidates tested, L = %.1f bits (empty model %.1f)", s->npat,
          s->tested, s->base_struct + s->model_cost + s->data_cost, s->base_struct + s->empty_data);
    return SG_OK;
}
