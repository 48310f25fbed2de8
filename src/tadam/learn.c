/* TADAM learner: STATE_SYMBOL initialisation, MDL cost L(A) + L(D|A) with EM over the noise
 * operations (soft: repairs summed over every alignment, tdm_forward; hard, the best repair, for a
 * timed search or hard_em), soft EM over every word for the final noise probabilities, and a
 * steepest-descent search over merge / split-state / delete-edge candidates evaluated in parallel
 * (OpenMP) with a deterministic choice (lowest cost, then lowest index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "tadam/tadam_internal.h"

/* candidates re-evaluated with the full EM after the one-iteration screening */
/* steps a cached deletion screening cost stays usable (gcache dcost); the best screened candidates
 * are always re-screened exactly before the full evaluation */
#define TDM_STALE_AGE 8
/* soft-EM iterations over every word between the fixed-level rounds and the free search: they only
 * give that search its starting π, which every evaluation re-estimates (HDFS, 1,500 blocks, seeds
 * 1-2, 0-20 % noise: the same automata as with 20 iterations, π within 0.0001); the final π is
 * still iterated to convergence */
#define TDM_MID_EM 6
#define TDM_RESCORE 8
/* clean-up rounds after the free search (see learn_run) */
#define TDM_CLEANUP 3
/* deletions per clean-up round priced exactly at the learnt noise model (the best to first order) */
#define TDM_CLEANUP_K 16

/* ---- training data ------------------------------------------------------------------------- */

typedef struct tdm_dv {
    int32_t x0, x1;
    uint32_t cnt;
} tdm_dv;

typedef struct tdm_data {
    uint32_t nsym; /* including "$" */
    char **names;  /* [nsym], names[0] = "$" (pointers into the seq set, except "$") */
    size_t nw;
    size_t *woff;
    uint32_t *wlen; /* including the final "$" */
    int32_t *sym, *x0, *x1;
    int64_t *pay;
    /* groups of words with the same symbol string */
    size_t ng;
    size_t *goff;     /* offset of the group's positions in path arrays */
    uint32_t *glen;   /* length */
    size_t *gword;    /* representative word */
    size_t *gmem_off; /* members: gmem[gmem_off[g] .. gmem_off[g+1]) */
    size_t *gmem;
    size_t npos;      /* sum of glen */
    double *gexp;     /* per group: symbols-only cost of a member sent verbatim */
    uint32_t *glex;   /* groups in lexicographic order of their symbols (tdm_forward shares the
                         lattice of a common prefix with the previous word it priced) */
    uint32_t *grank;  /* position of each group in glex */
    size_t *dv_off;   /* per group position: distinct values dv[dv_off[p] .. dv_off[p+1]) */
    tdm_dv *dv;
    double log2_sigma;
    double *sym_bits, unk_bits; /* unigram code of the training symbols */
    tdm_null null;              /* shared time model: histograms of every training value */
    size_t total_events;
    int no_verbatim; /* minimum-structure rule: a word must be parsed or repaired (sg_tadam_learn) */
} tdm_data;

static void data_free(tdm_data *d)
{
    free(d->names);
    free(d->woff);
    free(d->wlen);
    free(d->sym);
    free(d->x0);
    free(d->x1);
    free(d->pay);
    free(d->goff);
    free(d->glen);
    free(d->gword);
    free(d->gmem_off);
    free(d->gmem);
    free(d->dv_off);
    free(d->dv);
    free(d->gexp);
    free(d->glex);
    free(d->grank);
    free(d->sym_bits);
    tdm_null_free(&d->null);
    memset(d, 0, sizeof *d);
}

/* A word to sort: the comparator sees everything it needs in the element (no file-scope qsort
 * context, so concurrent learners do not share state). Order: length, then the symbol bytes, then
 * the word index (a total order: the permutation does not depend on the sort algorithm). */
typedef struct word_key {
    const int32_t *sym;
    uint32_t len;
    size_t i;
} word_key;

static int cmp_words(const void *a, const void *b)
{
    const word_key *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    int c = memcmp(x->sym, y->sym, x->len * sizeof(int32_t));
    if (c) return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* lexicographic order of symbol strings (a proper prefix first); groups are distinct strings */
static int cmp_lex(const void *a, const void *b)
{
    const word_key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t k = 0; k < n; k++)
        if (x->sym[k] != y->sym[k]) return x->sym[k] < y->sym[k] ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int cmp_dv(const void *a, const void *b)
{
    const tdm_dv *x = a, *y = b;
    if (x->x0 != y->x0) return x->x0 < y->x0 ? -1 : 1;
    return (x->x1 > y->x1) - (x->x1 < y->x1);
}

static sg_status data_build(tdm_data *d, const sg_seq_set *set, const size_t *idx, size_t n, sg_error *err)
{
    memset(d, 0, sizeof *d);
    size_t setsyms = sg_seq_set_nsymbols(set);
    int64_t *map = malloc((setsyms + 1) * sizeof *map);
    if (!map) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i <= setsyms; i++) map[i] = -1;
    d->nw = n;
    d->woff = malloc((n + 1) * sizeof *d->woff);
    d->wlen = malloc((n ? n : 1) * sizeof *d->wlen);
    d->names = malloc((setsyms + 1) * sizeof *d->names);
    if (!d->woff || !d->wlen || !d->names) goto oom;
    d->names[0] = "$";
    d->nsym = 1;
    size_t tot = 0;
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, idx ? idx[k] : k);
        size_t sn = s->n > TDM_MAX_WORD ? TDM_MAX_WORD : s->n; /* bounded DP memory */
        d->woff[k] = tot;
        d->wlen[k] = (uint32_t)(sn + 1);
        tot += sn + 1;
        for (size_t i = 0; i < sn; i++) {
            uint32_t id = s->sym[i];
            if (id < setsyms && map[id] < 0) {
                const char *nm = sg_seq_set_symbol(set, id);
                if (nm && strcmp(nm, "$") == 0) {
                    map[id] = TDM_END; /* an explicit end marker in the data */
                } else {
                    map[id] = d->nsym;
                    d->names[d->nsym++] = (char *)nm;
                }
            }
        }
    }
    d->woff[n] = tot;
    d->total_events = tot;
    d->sym = malloc((tot ? tot : 1) * sizeof *d->sym);
    d->x0 = malloc((tot ? tot : 1) * sizeof *d->x0);
    d->x1 = malloc((tot ? tot : 1) * sizeof *d->x1);
    d->pay = malloc((tot ? tot : 1) * sizeof *d->pay);
    if (!d->sym || !d->x0 || !d->x1 || !d->pay) goto oom;
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, idx ? idx[k] : k);
        size_t o = d->woff[k], len = 0;
        size_t sn = s->n > TDM_MAX_WORD ? TDM_MAX_WORD : s->n;
        for (size_t i = 0; i < sn; i++) {
            int64_t m = s->sym[i] < setsyms ? map[s->sym[i]] : -1;
            if (m == (int64_t)TDM_END || m < 0) continue; /* "$" inside data: dropped, re-added below */
            d->sym[o + len] = (int32_t)m;
            d->x0[o + len] = tdm_grid(s->iat_us ? s->iat_us[i] : 0, TDM_SCALE_IAT);
            d->x1[o + len] = tdm_grid(s->payload ? s->payload[i] : 0, TDM_SCALE_PAYLOAD);
            d->pay[o + len] = s->payload && s->payload[i] > 0 ? s->payload[i] : 0;
            len++;
        }
        d->sym[o + len] = TDM_END;
        d->x0[o + len] = d->x1[o + len] = 0;
        d->pay[o + len] = 0;
        d->wlen[k] = (uint32_t)(len + 1);
    }
    free(map);
    map = NULL;
    d->log2_sigma = log2((double)d->nsym);
    {
        double *cnt = calloc(d->nsym, sizeof *cnt);
        d->sym_bits = malloc(d->nsym * sizeof *d->sym_bits);
        if (!cnt || !d->sym_bits) {
            free(cnt);
            goto oom;
        }
        /* words may be shorter than allocated ("$" in the data dropped): count by word */
        for (size_t k = 0; k < n; k++)
            for (uint32_t p = 0; p < d->wlen[k]; p++) cnt[d->sym[d->woff[k] + p]] += 1;
        tdm_unigram_bits(cnt, d->nsym, d->sym_bits, &d->unk_bits);
        free(cnt);
    }
    /* shared time model: histogram of every value of every event (the "$" markers carry none) */
    {
        int32_t mx[2] = {-1, -1};
        for (size_t k = 0; k < n; k++)
            for (uint32_t p = 0; p + 1 < d->wlen[k]; p++) {
                size_t i = d->woff[k] + p;
                if (d->x0[i] > mx[0]) mx[0] = d->x0[i];
                if (d->x1[i] > mx[1]) mx[1] = d->x1[i];
            }
        for (int j = 0; j < 2; j++) {
            d->null.k[j] = mx[j] < 0 ? 0 : (uint32_t)(mx[j] + 1 < TDM_NULL_MAX_BINS ? mx[j] + 1 : TDM_NULL_MAX_BINS);
            if (d->null.k[j] && !(d->null.cnt[j] = calloc(d->null.k[j], sizeof *d->null.cnt[j]))) goto oom;
        }
        for (size_t k = 0; k < n; k++)
            for (uint32_t p = 0; p + 1 < d->wlen[k]; p++) {
                size_t i = d->woff[k] + p;
                if ((uint32_t)d->x0[i] < d->null.k[0]) d->null.cnt[0][d->x0[i]]++;
                if ((uint32_t)d->x1[i] < d->null.k[1]) d->null.cnt[1][d->x1[i]]++;
            }
        if (tdm_null_fit(&d->null) != 0) goto oom;
    }

    /* group identical symbol strings */
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) goto oom;
    word_key *wk = malloc((n ? n : 1) * sizeof *wk);
    if (!wk) {
        free(ord);
        goto oom;
    }
    for (size_t k = 0; k < n; k++) wk[k] = (word_key){d->sym + d->woff[k], d->wlen[k], k};
    qsort(wk, n, sizeof *wk, cmp_words);
    for (size_t k = 0; k < n; k++) ord[k] = wk[k].i;
    free(wk);
    d->gmem = ord;
    d->gmem_off = malloc((n + 1) * sizeof *d->gmem_off);
    d->goff = malloc((n + 1) * sizeof *d->goff);
    d->glen = malloc((n ? n : 1) * sizeof *d->glen);
    d->gword = malloc((n ? n : 1) * sizeof *d->gword);
    if (!d->gmem_off || !d->goff || !d->glen || !d->gword) goto oom;
    size_t ng = 0, npos = 0;
    for (size_t k = 0; k < n; k++) {
        size_t j = ord[k];
        int same = 0;
        if (k > 0) {
            size_t i = ord[k - 1];
            same = d->wlen[i] == d->wlen[j] &&
                   memcmp(d->sym + d->woff[i], d->sym + d->woff[j], d->wlen[i] * sizeof(int32_t)) == 0;
        }
        if (!same) {
            d->gmem_off[ng] = k;
            d->gword[ng] = j;
            d->glen[ng] = d->wlen[j];
            d->goff[ng] = npos;
            npos += d->glen[ng];
            ng++;
        }
    }
    d->gmem_off[ng] = n;
    d->goff[ng] = npos;
    d->ng = ng;
    d->npos = npos;
    /* distinct values per group position */
    d->dv_off = malloc((npos + 1) * sizeof *d->dv_off);
    d->dv = malloc((tot ? tot : 1) * sizeof *d->dv);
    if (!d->dv_off || !d->dv) goto oom;
    size_t ndv = 0;
    for (size_t g = 0; g < ng; g++) {
        for (uint32_t p = 0; p < d->glen[g]; p++) {
            size_t start = ndv;
            d->dv_off[d->goff[g] + p] = start;
            for (size_t m = d->gmem_off[g]; m < d->gmem_off[g + 1]; m++) {
                size_t w = d->gmem[m];
                d->dv[ndv++] = (tdm_dv){d->x0[d->woff[w] + p], d->x1[d->woff[w] + p], 1};
            }
            qsort(d->dv + start, ndv - start, sizeof *d->dv, cmp_dv);
            size_t o = start;
            for (size_t i = start; i < ndv; i++) {
                if (o > start && d->dv[o - 1].x0 == d->dv[i].x0 && d->dv[o - 1].x1 == d->dv[i].x1)
                    d->dv[o - 1].cnt++;
                else
                    d->dv[o++] = d->dv[i];
            }
            ndv = o;
        }
    }
    d->dv_off[npos] = ndv;
    /* symbols-only verbatim cost per group (word_explicit(., ., 1), the same for every member) */
    if (!(d->gexp = malloc((ng ? ng : 1) * sizeof *d->gexp))) goto oom;
    for (size_t g = 0; g < ng; g++) {
        double c = 0;
        for (uint32_t p = 0; p < d->glen[g]; p++) c += d->sym_bits[d->sym[d->woff[d->gword[g]] + p]];
        d->gexp[g] = c;
    }
    d->glex = malloc((ng ? ng : 1) * sizeof *d->glex);
    d->grank = malloc((ng ? ng : 1) * sizeof *d->grank);
    wk = malloc((ng ? ng : 1) * sizeof *wk);
    if (!d->glex || !d->grank || !wk) {
        free(wk);
        goto oom;
    }
    for (size_t g = 0; g < ng; g++) wk[g] = (word_key){d->sym + d->woff[d->gword[g]], d->glen[g], g};
    qsort(wk, ng, sizeof *wk, cmp_lex);
    for (size_t k = 0; k < ng; k++) {
        d->glex[k] = (uint32_t)wk[k].i;
        d->grank[wk[k].i] = (uint32_t)k;
    }
    free(wk);
    return SG_OK;
oom:
    free(map);
    data_free(d);
    return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the training data");
}

/* ---- candidate automaton -------------------------------------------------------------------- */

/* The skeleton of a candidate automaton: states and labelled edges only (the search edits it;
 * probabilities and value distributions are estimated by evaluate() and build_model()). */
typedef struct skeleton {
    uint32_t nq, ne; /* states, edges; q0 = 0, qf = 1 */
    uint32_t *src, *sym, *dst;
} skeleton;

static void skeleton_free(skeleton *a)
{
    free(a->src);
    free(a->sym);
    free(a->dst);
    memset(a, 0, sizeof *a);
}

static int skeleton_alloc(skeleton *a, uint32_t nq, uint32_t ne)
{
    a->nq = nq;
    a->ne = ne;
    a->src = malloc((ne ? ne : 1) * sizeof *a->src);
    a->sym = malloc((ne ? ne : 1) * sizeof *a->sym);
    a->dst = malloc((ne ? ne : 1) * sizeof *a->dst);
    if (!a->src || !a->sym || !a->dst) {
        skeleton_free(a);
        return -1;
    }
    return 0;
}

/* an edge as (source, symbol, target): sorted to rebuild a skeleton's edge list canonically */
typedef struct edge_key {
    uint32_t src, sym, dst;
} edge_key;

static int cmp_edge_key(const void *a, const void *b)
{
    const edge_key *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->sym != y->sym) return x->sym < y->sym ? -1 : 1;
    return (x->dst > y->dst) - (x->dst < y->dst);
}

/* Canonical automaton from an edge list with a state relabelling: sorted unique edges, states
 * renumbered densely (0 and 1 fixed) in increasing old id order; dropped states vanish. ren_out
 * (optional, nq_old entries) receives the new id of every old state (UINT32_MAX: dropped). */
static int skeleton_build(skeleton *out, uint32_t nq_old, edge_key *ek, uint32_t ne, const uint8_t *keep_state,
                          uint32_t *ren_out)
{
    qsort(ek, ne, sizeof *ek, cmp_edge_key);
    uint32_t u = 0;
    for (uint32_t i = 0; i < ne; i++)
        if (u == 0 || cmp_edge_key(&ek[u - 1], &ek[i]) != 0) ek[u++] = ek[i];
    uint32_t *ren = malloc((nq_old ? nq_old : 1) * sizeof *ren);
    uint8_t *used = calloc(nq_old ? nq_old : 1, 1);
    if (!ren || !used) {
        free(ren);
        free(used);
        return -1;
    }
    used[0] = used[1] = 1;
    for (uint32_t i = 0; i < u; i++) used[ek[i].src] = used[ek[i].dst] = 1;
    uint32_t nq = 0;
    for (uint32_t s = 0; s < nq_old; s++) {
        if (keep_state && !keep_state[s] && s > 1) used[s] = 0;
        ren[s] = used[s] ? nq++ : UINT32_MAX;
    }
    uint32_t ne2 = 0;
    for (uint32_t i = 0; i < u; i++)
        if (ren[ek[i].src] != UINT32_MAX && ren[ek[i].dst] != UINT32_MAX) ek[ne2++] = ek[i];
    if (skeleton_alloc(out, nq, ne2) != 0) {
        free(ren);
        free(used);
        return -1;
    }
    for (uint32_t i = 0; i < ne2; i++) {
        out->src[i] = ren[ek[i].src];
        out->sym[i] = ek[i].sym;
        out->dst[i] = ren[ek[i].dst];
    }
    if (ren_out) memcpy(ren_out, ren, nq_old * sizeof *ren_out);
    free(ren);
    free(used);
    return 0;
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

static void uf_union(uint32_t *p, uint32_t a, uint32_t b)
{
    a = uf_find(p, a);
    b = uf_find(p, b);
    if (a == b) return;
    if (a < b)
        p[b] = a; /* lower id survives: q0 stays 0 */
    else
        p[a] = b;
}

/* merge states i and j, then fold until symbol-deterministic; smap (optional, a->nq entries):
 * the state of out that each state of a became */
static int op_merge(const skeleton *a, uint32_t i, uint32_t j, skeleton *out, uint32_t *smap)
{
    uint32_t *par = malloc(a->nq * sizeof *par);
    edge_key *ek = malloc((a->ne ? a->ne : 1) * sizeof *ek);
    if (!par || !ek) {
        free(par);
        free(ek);
        return -1;
    }
    for (uint32_t s = 0; s < a->nq; s++) par[s] = s;
    uf_union(par, i, j);
    /* Fold: two edges with the same (source class, symbol) merge their targets, until none does.
     * The result is the finest congruence containing (i, j), whatever the order of the unions, and the lowest id represents each class. With a small (state, symbol)
     * table the conflicts are found by lookup (the search merges often: sorting every pass was a
     * tenth of the learning time), else by sorting. */
    uint32_t ns = 0;
    for (uint32_t e = 0; e < a->ne; e++)
        if (a->sym[e] + 1 > ns) ns = a->sym[e] + 1;
    int32_t *tab = (size_t)a->nq * ns <= 65536 ? malloc((size_t)a->nq * ns * sizeof *tab) : NULL;
    uint32_t *touched = tab ? malloc((a->ne ? a->ne : 1) * sizeof *touched) : NULL;
    if (tab && touched) {
        for (size_t k = 0; k < (size_t)a->nq * ns; k++) tab[k] = -1;
        for (int changed = 1; changed;) {
            changed = 0;
            uint32_t nt = 0;
            for (uint32_t e = 0; e < a->ne; e++) {
                uint32_t r = uf_find(par, a->src[e]), t = uf_find(par, a->dst[e]);
                size_t k = (size_t)r * ns + a->sym[e];
                if (tab[k] < 0) {
                    tab[k] = (int32_t)t;
                    touched[nt++] = (uint32_t)k;
                } else if (uf_find(par, (uint32_t)tab[k]) != t) {
                    uf_union(par, (uint32_t)tab[k], t);
                    changed = 1;
                }
            }
            for (uint32_t x = 0; x < nt; x++) tab[touched[x]] = -1;
        }
    }
    for (int changed = !(tab && touched); changed;) {
        changed = 0;
        for (uint32_t e = 0; e < a->ne; e++)
            ek[e] = (edge_key){uf_find(par, a->src[e]), a->sym[e], uf_find(par, a->dst[e])};
        qsort(ek, a->ne, sizeof *ek, cmp_edge_key);
        for (uint32_t e = 1; e < a->ne; e++)
            if (ek[e].src == ek[e - 1].src && ek[e].sym == ek[e - 1].sym &&
                uf_find(par, ek[e].dst) != uf_find(par, ek[e - 1].dst)) {
                uf_union(par, ek[e].dst, ek[e - 1].dst);
                changed = 1;
            }
    }
    free(tab);
    free(touched);
    for (uint32_t e = 0; e < a->ne; e++) ek[e] = (edge_key){uf_find(par, a->src[e]), a->sym[e], uf_find(par, a->dst[e])};
    int rc = skeleton_build(out, a->nq, ek, a->ne, NULL, smap);
    if (rc == 0 && smap) {
        /* ren is indexed by class representative: flatten the classes first (every root is its
         * own parent after this), then map */
        for (uint32_t q = 0; q < a->nq; q++) par[q] = uf_find(par, q);
        for (uint32_t q = 0; q < a->nq; q++) smap[q] = smap[par[q]];
    }
    free(par);
    free(ek);
    return rc;
}

/* split state q: in-edges coming from state s go to a new state that copies q's out-edges;
 * smap (optional, a->nq + 1 entries): new ids of a's states, smap[a->nq] = the new state */
static int op_split(const skeleton *a, uint32_t q, uint32_t s, skeleton *out, uint32_t *smap)
{
    uint32_t nout = 0;
    for (uint32_t e = 0; e < a->ne; e++) nout += a->src[e] == q;
    edge_key *ek = malloc((a->ne + nout + 1) * sizeof *ek);
    if (!ek) return -1;
    uint32_t nq = a->nq + 1, nn = a->nq, k = 0;
    for (uint32_t e = 0; e < a->ne; e++) {
        ek[k] = (edge_key){a->src[e], a->sym[e], a->dst[e]};
        if (a->src[e] == s && a->dst[e] == q) ek[k].dst = nn;
        k++;
        if (a->src[e] == q) ek[k++] = (edge_key){nn, a->sym[e], a->dst[e]};
    }
    int rc = skeleton_build(out, nq, ek, k, NULL, smap);
    free(ek);
    return rc;
}

static int op_delete(const skeleton *a, uint32_t del, skeleton *out, uint32_t *smap)
{
    edge_key *ek = malloc((a->ne ? a->ne : 1) * sizeof *ek);
    if (!ek) return -1;
    uint32_t k = 0;
    for (uint32_t e = 0; e < a->ne; e++)
        if (e != del) ek[k++] = (edge_key){a->src[e], a->sym[e], a->dst[e]};
    int rc = skeleton_build(out, a->nq, ek, k, NULL, smap);
    free(ek);
    return rc;
}

/* a search candidate: an operator and its arguments */
typedef struct cand {
    uint8_t type; /* 0 merge, 1 split, 2 delete */
    uint32_t a, b;
} cand;

/* ---- cost evaluation ------------------------------------------------------------------------ */

/* a repaired event assigned to an edge (the per-edge time-model decision of the next EM step) */
typedef struct tdm_trip {
    uint32_t e;
    int32_t x0, x1;
} tdm_trip;

typedef struct tdm_eval_scratch {
    size_t cap_q, cap_e, cap_tr, cap_pos;
    uint8_t *etimed;       /* per edge: its Gaussian pays for itself (else the shared model) */
    double *gsum, *nsum;   /* per edge: value bits of its matched events, Gaussian / shared model */
    double *dg, *dn;       /* same plus the repaired events of the previous EM iteration */
    tdm_trip *trip, *ntrip; /* repaired events of the previous / current iteration */
    size_t ntrip_prev, ntrip_cur, cap_trip;
    int32_t *trans;  /* [nq * nsym] */
    int32_t *path;   /* [npos] */
    uint8_t *gok;    /* [ng] */
    tdm_stats *mst, *xst, *nxst;
    double *mvis, *xvis, *nxvis, *ebits, *outsum;
    tdm_gauss *eg;
    uint32_t *in_off, *in_idx;
    double *dist;
    int32_t *next_edge;
    double *csum; /* summed deletion closure (soft repairs) */
    uint32_t *cs_off, *cs_idx; /* its sparse rows (tdm_closure_sparse) */
    double *cs_val;
    /* screen_fast: per-group stamps, newly unmatched groups, a's states per state of the candidate */
    uint32_t *stamp, stamp_gen, *newg, *qcnt;
    size_t cap_stamp;
    /* summed repairs priced in lexicographic order (tdm_forward reuses shared prefixes), summed
     * in the usual order: per group (evaluate) or per newly unmatched group (screen_fast) */
    double *gc0;
    uint32_t *nord;
    size_t cap_g;
    tdm_dp_scratch dp;
    tdm_vcache vc;
    tdm_fwd_tab ftab; /* the forward pass's edge tables of the current view (soft repairs) */
} tdm_eval_scratch;

static void scratch_free(tdm_eval_scratch *s)
{
    free(s->etimed);
    free(s->gsum);
    free(s->nsum);
    free(s->dg);
    free(s->dn);
    free(s->trip);
    free(s->ntrip);
    free(s->trans);
    free(s->path);
    free(s->gok);
    free(s->mst);
    free(s->xst);
    free(s->nxst);
    free(s->mvis);
    free(s->xvis);
    free(s->nxvis);
    free(s->ebits);
    free(s->outsum);
    free(s->eg);
    free(s->in_off);
    free(s->in_idx);
    free(s->dist);
    free(s->next_edge);
    free(s->csum);
    free(s->cs_off);
    free(s->cs_idx);
    free(s->cs_val);
    free(s->stamp);
    free(s->newg);
    free(s->qcnt);
    free(s->gc0);
    free(s->nord);
    tdm_dp_scratch_free(&s->dp);
    tdm_vcache_free(&s->vc);
    tdm_fwd_tab_free(&s->ftab);
    memset(s, 0, sizeof *s);
}

#define GROW(ptr, n)                                                     \
    do {                                                                 \
        size_t n_ = (n);                                                 \
        void *np_ = realloc((ptr), (n_ ? n_ : 1) * sizeof *(ptr));       \
        if (!np_) return -1;                                             \
        (ptr) = np_;                                                     \
    } while (0)

static int scratch_reserve(tdm_eval_scratch *s, const tdm_data *d, const skeleton *a)
{
    if (a->nq > s->cap_q) {
        size_t q = a->nq * 2;
        GROW(s->in_off, q + 1);
        GROW(s->dist, q * q);
        GROW(s->next_edge, q * q);
        GROW(s->csum, q * q);
        GROW(s->cs_off, q + 1);
        GROW(s->cs_idx, q * q);
        GROW(s->cs_val, q * q);
        GROW(s->outsum, q);
        GROW(s->qcnt, q);
        s->cap_q = q;
    }
    if ((size_t)a->nq * d->nsym > s->cap_tr) {
        size_t t = (size_t)a->nq * d->nsym * 2;
        GROW(s->trans, t);
        s->cap_tr = t;
    }
    if (a->ne > s->cap_e) {
        size_t e = a->ne * 2;
        GROW(s->mst, e);
        GROW(s->xst, e);
        GROW(s->nxst, e);
        GROW(s->mvis, e);
        GROW(s->xvis, e);
        GROW(s->nxvis, e);
        GROW(s->ebits, e);
        GROW(s->eg, e);
        GROW(s->in_idx, e);
        GROW(s->etimed, e);
        GROW(s->gsum, e);
        GROW(s->nsum, e);
        GROW(s->dg, e);
        GROW(s->dn, e);
        s->cap_e = e;
    }
    if (s->cap_trip < d->total_events + 1) {
        GROW(s->trip, d->total_events + 1);
        GROW(s->ntrip, d->total_events + 1);
        s->cap_trip = d->total_events + 1;
    }
    if (s->cap_pos < d->npos + 1) {
        GROW(s->path, d->npos + 1);
        GROW(s->gok, d->ng + 1);
        GROW(s->newg, d->ng + 1);
        s->cap_pos = d->npos + 1;
    }
    if (s->cap_g < d->ng + 1) {
        GROW(s->gc0, d->ng + 1);
        GROW(s->nord, d->ng + 1);
        s->cap_g = d->ng + 1;
    }
    return 0;
}

static void stats_add(tdm_stats *s, double x0, double x1, double w)
{
    s->n += w;
    s->s0 += w * x0;
    s->s1 += w * x1;
    s->s00 += w * x0 * x0;
    s->s01 += w * x0 * x1;
    s->s11 += w * x1 * x1;
}

typedef struct tdm_eval_result {
    double total, model, data, matched, corrected, uncorrected, status;
    size_t n_matched, n_corrected, n_uncorrected;
    double pi[TDM_NOPS];
} tdm_eval_result;

/* Screening cache: the one-EM-iteration repair cost of every group left unmatched by the current
 * automaton. Screening a candidate reuses these costs for groups that were already unmatched and
 * runs the DP only for groups the candidate newly unmatches (deletions); the few best candidates
 * are then evaluated exactly. */
typedef struct tdm_gcache {
    uint8_t *unm;        /* group unmatched in the current automaton */
    double *cc, *uc;     /* corrected / uncorrected cost of its members */
    uint32_t *nc, *nu;
    /* Incremental screening (symbols-only cost, see screen_fast): the current automaton's parse.
     * A candidate differs by one operator, so its matched visits follow from these without
     * parsing every word again. ready = 0: screen with evaluate(). */
    int ready;
    uint32_t ne;
    double *mvis;           /* [ne] visits of the matched words */
    double V;               /* matched positions ("$" included), with multiplicity */
    size_t n_matched;
    double scc, suc;        /* cached costs summed over the unmatched groups */
    size_t snc, snu;
    int32_t *path;          /* [npos] edge path of every matched group */
    /* split: visits of edge f whose previous edge leaves state s, aggregated per (f, s), CSR by f */
    size_t *pr_off;         /* [ne + 1] */
    uint32_t *pr_s;
    double *pr_n;
    /* delete: matched groups using edge e (each once), CSR by edge */
    size_t *eg_off;         /* [ne + 1] */
    uint32_t *eg_g;
    /* merge: unmatched groups whose run stops at state q (no edge for the next symbol), CSR by state */
    size_t *su_off;
    uint32_t *su_g;
    /* Deletion screening across steps (searches at fixed π only): dcost[goff[g] + p] = the summed
     * repair cost of group g once the edge at position p of its path (its first use) is deleted,
     * computed at search step dgen[.]; valid while younger than TDM_STALE_AGE steps and computed
     * after the last invalidation (dvalid: a merge or split step, a new search). Between two
     * deletion steps a matched group's path is the same edges, so the key names the same deletion. */
    double *dcost;
    uint32_t *dgen;
    uint32_t step, dvalid;
} tdm_gcache;

static void gcache_free(tdm_gcache *gc)
{
    free(gc->unm);
    free(gc->cc);
    free(gc->uc);
    free(gc->nc);
    free(gc->nu);
    free(gc->mvis);
    free(gc->path);
    free(gc->pr_off);
    free(gc->pr_s);
    free(gc->pr_n);
    free(gc->eg_off);
    free(gc->eg_g);
    free(gc->su_off);
    free(gc->su_g);
    free(gc->dcost);
    free(gc->dgen);
}

typedef struct tdm_learn_ctx {
    const tdm_data *d;
    unsigned noise_ops;
    unsigned em_iters;
    int untimed;        /* the cost ignores values (structure search on symbols) */
    int no_time_models; /* learn --untimed: no edge keeps a time Gaussian */
    int soft;           /* symbols-only cost: unmatched words priced by the summed repair (tdm_forward)
                           and soft-EM counts; 0: best repair and hard EM (the old code) */
    int fixed_pi;       /* evaluate keeps start_pi (no M step on the noise probabilities) */
    tdm_gcache *cache; /* fill (full evaluation of the current automaton) or use (screening) */
    int use_cache;
    /* Where hard EM starts: NULL = the prior, else the noise probabilities learnt for the current
     * automaton of the search. A candidate differs from the current automaton by one operator, so
     * its π is close to the current one; starting from the prior instead charges every matched
     * event -log2(0.9) bits in the first iteration, which (screening uses one iteration) hid the
     * improving candidates below worse ones and stopped the search early. */
    const double *start_pi;
    int batch_deletions; /* a step may apply several improving deletions at once (see search) */
} tdm_learn_ctx;

/* every enabled operation at probability level, the rest on transitions */
static void level_pi(unsigned ops, double level, double pi[TDM_NOPS])
{
    int k = 0;
    for (int o = 1; o < TDM_NOPS; o++) {
        int on = (ops >> (o - 1)) & 1u;
        pi[o] = on ? level : 0.0;
        k += on;
    }
    pi[TDM_OP_TR] = 1.0 - level * k;
}

static void prior_pi(unsigned ops, double pi[TDM_NOPS]) { level_pi(ops, 0.025, pi); }

/* The fixed noise probabilities of the first search of the noise phase: 0.625 % per enabled
 * operation (7.3 bits), before a second one at the prior (2.5 %). Starting at the prior, rare true
 * edges were deleted first and, with no operator to add an edge back, HDFS seed 1 ended with 89
 * edges at 10 % noise against 58 and a 2.3 % longer description; the low level alone does not
 * leave the all-matched automaton when the noise bigrams are frequent (unit test
 * test_noise_rates_recovered: 33 edges against 8). See docs/tadam.md "Learning". */
static void escape_pi(unsigned ops, double pi[TDM_NOPS]) { level_pi(ops, 0.00625, pi); }

static double model_cost(const tdm_data *d, const skeleton *a, const tdm_eval_scratch *s, unsigned noise_ops, int untimed)
{
    uint32_t nq_alive = 2, ne_alive = 0, nsrc = 0;
    uint8_t *st = calloc(a->nq, 2);
    if (!st) return TDM_INF;
    uint8_t *has_out = st + a->nq;
    for (uint32_t e = 0; e < a->ne; e++) {
        if (!(s->mvis[e] > 0)) continue;
        ne_alive++;
        if (!has_out[a->src[e]]) {
            has_out[a->src[e]] = 1;
            nsrc++;
        }
        st[a->src[e]] = st[a->dst[e]] = 1;
    }
    for (uint32_t q = 2; q < a->nq; q++) nq_alive += st[q];
    free(st);
    double lq = log2((double)nq_alive), ls = log2((double)d->nsym), lp = log2(100.0);
    int nops = 0;
    for (int o = 0; o < 4; o++) nops += (noise_ops >> o) & 1u;
    double c = tdm_LN(nq_alive) + tdm_LN(d->nsym) + 2 * lq + nops * lp + (double)(ne_alive - nsrc) * lp;
    /* timed: the shared time model once, then per edge one bit saying whether the edge has its own
     * Gaussian and, if so, its parameters */
    if (!untimed) c += tdm_null_param_bits(&d->null);
    for (uint32_t e = 0; e < a->ne; e++) {
        if (!(s->mvis[e] > 0)) continue;
        c += 2 * lq + ls;
        if (a->sym[e] == TDM_END || untimed) continue;
        c += 1.0 + (s->etimed[e] ? tdm_gauss_param_bits(&s->eg[e]) : 0.0);
    }
    return c;
}

/* Fill ebits/eg/in-CSR of the current stats; returns usable edge count */
static void prepare_view(const tdm_data *d, const skeleton *a, tdm_eval_scratch *s, const double pi[TDM_NOPS],
                         unsigned noise_ops, int untimed, int soft, tdm_view *v)
{
    for (uint32_t q = 0; q < a->nq; q++) s->outsum[q] = 0;
    for (uint32_t e = 0; e < a->ne; e++)
        if (s->mvis[e] > 0) s->outsum[a->src[e]] += s->mvis[e] + s->xvis[e] + 0.5;
    for (uint32_t e = 0; e < a->ne; e++) {
        if (s->mvis[e] > 0) {
            s->ebits[e] = -log2((s->mvis[e] + s->xvis[e] + 0.5) / s->outsum[a->src[e]]);
            tdm_stats t = s->mst[e];
            t.n += s->xst[e].n;
            t.s0 += s->xst[e].s0;
            t.s1 += s->xst[e].s1;
            t.s00 += s->xst[e].s00;
            t.s01 += s->xst[e].s01;
            t.s11 += s->xst[e].s11;
            tdm_gauss_from_stats(&t, &s->eg[e]);
        } else {
            s->ebits[e] = TDM_INF;
            tdm_stats t = {0};
            tdm_gauss_from_stats(&t, &s->eg[e]);
        }
    }
    /* in-edge CSR */
    memset(s->in_off, 0, (a->nq + 1) * sizeof *s->in_off);
    for (uint32_t e = 0; e < a->ne; e++) s->in_off[a->dst[e] + 1]++;
    for (uint32_t q = 0; q < a->nq; q++) s->in_off[q + 1] += s->in_off[q];
    for (uint32_t e = 0; e < a->ne; e++) s->in_idx[s->in_off[a->dst[e]]++] = e;
    for (uint32_t q = a->nq; q > 0; q--) s->in_off[q] = s->in_off[q - 1];
    s->in_off[0] = 0;
    memset(v, 0, sizeof *v);
    v->nq = a->nq;
    v->ne = a->ne;
    v->q0 = 0;
    v->qf = 1;
    v->esrc = a->src;
    v->edst = a->dst;
    v->esym = a->sym;
    v->ebits = s->ebits;
    v->eg = s->eg;
    v->in_off = s->in_off;
    v->in_idx = s->in_idx;
    for (int o = 0; o < TDM_NOPS; o++) v->op_bits[o] = pi[o] > 0 ? -log2(pi[o]) : TDM_INF;
    v->log2_sigma = d->log2_sigma;
    v->sym_bits = d->sym_bits;
    v->unk_bits = d->unk_bits;
    tdm_vcache_reset(&s->vc, a->ne);
    v->cache = &s->vc;
    v->untimed = untimed;
    v->null = &d->null;
    v->etimed = NULL; /* set by evaluate once the per-edge decision is made */
    if (noise_ops & SG_TADAM_NOISE_DEL) {
        tdm_closure(v, s->dist, s->next_edge);
        v->dist = s->dist;
        v->next_edge = s->next_edge;
        if (soft && untimed) {
            tdm_closure_sum(v, s->csum);
            v->csum = s->csum;
            tdm_closure_sparse(a->nq, s->csum, s->cs_off, s->cs_idx, s->cs_val);
            v->cs_off = s->cs_off;
            v->cs_idx = s->cs_idx;
            v->cs_val = s->cs_val;
        }
    }
    /* built once here rather than in every tdm_forward call of this view (out of memory: each
     * call builds its own) */
    if (soft && untimed && tdm_fwd_tab_build(v, &s->ftab) == 0) v->ftab = &s->ftab;
}

static double word_explicit(const tdm_data *d, size_t w, int untimed)
{
    if (d->no_verbatim) return TDM_INF; /* an automaton that leaves a word unrepaired is infeasible */
    double c = 0;
    for (uint32_t p = 0; p < d->wlen[w]; p++) {
        size_t i = d->woff[w] + p;
        c += d->sym_bits[d->sym[i]] + (untimed ? 0 : tdm_null_bits(&d->null, d->x0[i], d->x1[i]));
    }
    return c;
}

/* word_explicit(d, any member of group g, 1), precomputed (infinite under the minimum-structure rule) */
static double group_explicit(const tdm_data *d, size_t g) { return d->no_verbatim ? TDM_INF : d->gexp[g]; }

static double xlog2x(double n, double p) { return n > 0 ? -n * log2(p) : 0.0; }

/* Full MDL cost of automaton a. */
static double evaluate(const tdm_learn_ctx *ctx, const skeleton *a, tdm_eval_scratch *s, tdm_eval_result *res)
{
    const tdm_data *d = ctx->d;
    if (scratch_reserve(s, d, a) != 0) return TDM_INF;
    const uint32_t nsym = d->nsym;
    for (size_t i = 0; i < (size_t)a->nq * nsym; i++) s->trans[i] = -1;
    for (uint32_t e = 0; e < a->ne; e++) {
        size_t k = (size_t)a->src[e] * nsym + a->sym[e];
        if (s->trans[k] < 0) s->trans[k] = (int32_t)e;
    }
    memset(s->mst, 0, a->ne * sizeof *s->mst);
    memset(s->xst, 0, a->ne * sizeof *s->xst);
    memset(s->mvis, 0, a->ne * sizeof *s->mvis);
    memset(s->xvis, 0, a->ne * sizeof *s->xvis);
    size_t n_matched = 0, n_unm_words = 0;
    double V = 0;
    for (size_t g = 0; g < d->ng; g++) {
        const int32_t *sy = d->sym + d->woff[d->gword[g]];
        int32_t *path = s->path + d->goff[g];
        uint32_t q = 0;
        int ok = 1;
        for (uint32_t p = 0; p < d->glen[g]; p++) {
            int32_t e = s->trans[(size_t)q * nsym + (uint32_t)sy[p]];
            if (e < 0) {
                ok = 0;
                break;
            }
            path[p] = e;
            q = a->dst[e];
        }
        ok = ok && q == 1;
        s->gok[g] = (uint8_t)ok;
        size_t mult = d->gmem_off[g + 1] - d->gmem_off[g];
        if (!ok) {
            n_unm_words += mult;
            continue;
        }
        n_matched += mult;
        V += (double)mult * d->glen[g];
        for (uint32_t p = 0; p < d->glen[g]; p++) {
            int32_t e = path[p];
            s->mvis[e] += (double)mult;
            if (sy[p] == (int32_t)TDM_END) continue;
            size_t pi = d->goff[g] + p;
            for (size_t k = d->dv_off[pi]; k < d->dv_off[pi + 1]; k++)
                stats_add(&s->mst[e], d->dv[k].x0, d->dv[k].x1, d->dv[k].cnt);
        }
    }
    double pi[TDM_NOPS], best_pi[TDM_NOPS];
    if (ctx->start_pi)
        memcpy(pi, ctx->start_pi, sizeof pi);
    else
        prior_pi(ctx->noise_ops, pi);
    memcpy(best_pi, pi, sizeof pi);
    double best = TDM_INF;
    tdm_eval_result br = {0};
    unsigned iters = ctx->em_iters ? ctx->em_iters : 1;
    tdm_view v;
    s->ntrip_prev = s->ntrip_cur = 0;
    for (unsigned it = 0; it < iters; it++) {
        prepare_view(d, a, s, pi, ctx->noise_ops, ctx->untimed, ctx->soft, &v);
        /* matched words: from edge statistics */
        double mc = V * v.op_bits[TDM_OP_TR];
        if (!(v.op_bits[TDM_OP_TR] < TDM_INF)) mc = 0;
        if (!ctx->untimed) {
            memset(s->gsum, 0, a->ne * sizeof *s->gsum);
            memset(s->nsum, 0, a->ne * sizeof *s->nsum);
        }
        for (size_t g = 0; g < d->ng; g++) {
            if (!s->gok[g]) continue;
            const int32_t *sy = d->sym + d->woff[d->gword[g]];
            double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
            for (uint32_t p = 0; p < d->glen[g]; p++) {
                int32_t e = s->path[d->goff[g] + p];
                mc += mult * s->ebits[e];
                if (sy[p] == (int32_t)TDM_END) continue;
                size_t pp = d->goff[g] + p;
                if (ctx->untimed) continue;
                for (size_t k = d->dv_off[pp]; k < d->dv_off[pp + 1]; k++) {
                    s->gsum[e] += d->dv[k].cnt * tdm_view_value_bits(&v, (uint32_t)e, d->dv[k].x0, d->dv[k].x1);
                    s->nsum[e] += d->dv[k].cnt * tdm_null_bits(&d->null, d->dv[k].x0, d->dv[k].x1);
                }
            }
        }
        if (!ctx->untimed) {
            /* MDL per edge: its own Gaussian when the bits it saves over the shared time model, on
             * the events assigned to it (matched words now, repaired ones as in the previous EM
             * iteration), exceed its parameter cost; otherwise the shared model codes its values */
            memcpy(s->dg, s->gsum, a->ne * sizeof *s->dg);
            memcpy(s->dn, s->nsum, a->ne * sizeof *s->dn);
            for (size_t t = 0; t < s->ntrip_prev; t++) {
                const tdm_trip *tp = &s->trip[t];
                s->dg[tp->e] += tdm_view_value_bits(&v, tp->e, tp->x0, tp->x1);
                s->dn[tp->e] += tdm_null_bits(&d->null, tp->x0, tp->x1);
            }
            for (uint32_t e = 0; e < a->ne; e++) {
                s->etimed[e] = a->sym[e] != TDM_END && s->dn[e] - s->dg[e] > tdm_gauss_param_bits(&s->eg[e]);
                mc += s->etimed[e] ? s->gsum[e] : s->nsum[e];
            }
            v.etimed = s->etimed;
        }
        s->ntrip_cur = 0;
        /* unmatched words: repair */
        double cc = 0, uc = 0, cnt[TDM_NOPS];
        size_t nc = 0, nu = 0;
        cnt[TDM_OP_TR] = 1 + V;
        for (int o = 1; o < TDM_NOPS; o++) cnt[o] = 1;
        /* cleared even when every word is matched: the M step copies them into xst/xvis */
        memset(s->nxst, 0, a->ne * sizeof *s->nxst);
        memset(s->nxvis, 0, a->ne * sizeof *s->nxvis);
        /* without an M step the summed repairs are priced first, in lexicographic order (shared
         * prefixes share lattice levels), then summed below in group order as always */
        const int lex = ctx->soft && ctx->untimed && ctx->noise_ops && !(it + 1 < iters) && n_unm_words;
        if (lex)
            for (size_t k = 0; k < d->ng; k++) {
                const size_t g = d->glex[k];
                if (s->gok[g] || (ctx->use_cache && ctx->cache->unm[g])) continue;
                size_t w0 = d->gword[g], o0 = d->woff[w0];
                double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
                s->gc0[g] = tdm_forward(&v, d->sym + o0, d->wlen[w0], &s->dp, mult, group_explicit(d, g), NULL, NULL);
            }
        for (size_t g = 0; g < d->ng && n_unm_words; g++) {
            if (s->gok[g]) continue;
            if (ctx->use_cache && ctx->cache->unm[g]) {
                cc += ctx->cache->cc[g];
                uc += ctx->cache->uc[g];
                nc += ctx->cache->nc[g];
                nu += ctx->cache->nu[g];
                continue;
            }
            double cc0 = cc, uc0 = uc;
            size_t nc0 = nc, nu0 = nu;
            if (ctx->soft && ctx->untimed && ctx->noise_ops) {
                /* summed over every repair: the members share the symbols, hence the cost; the
                 * expected operation and edge counts are the soft-EM statistics */
                size_t w0 = d->gword[g], o0 = d->woff[w0];
                double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
                double ce = group_explicit(d, g);
                /* the counts (backward pass) only when an M step follows */
                const int mstep = it + 1 < iters;
                double c0 = lex ? s->gc0[g] : tdm_forward(&v, d->sym + o0, d->wlen[w0], &s->dp, mult, ce, mstep ? cnt : NULL, s->nxvis);
                if (c0 <= ce) {
                    cc += mult * c0;
                    nc += (size_t)mult;
                } else {
                    uc += mult * ce;
                    nu += (size_t)mult;
                }
            } else {
                /* one DP per distinct symbol string (on its first member); every member is priced on
                 * that repair path with its own values */
                size_t w0 = d->gword[g], o0 = d->woff[w0];
                tdm_step *steps;
                size_t ns;
                /* without noise operations the only path is the deterministic parse, which failed:
                 * no DP needed (the noise-free phase of the warm start spends its time here) */
                double c0 = ctx->noise_ops ? tdm_repair(&v, d->sym + o0, d->x0 + o0, d->x1 + o0, d->wlen[w0], &s->dp, &steps, &ns)
                                           : TDM_INF;
                for (size_t m = d->gmem_off[g]; m < d->gmem_off[g + 1]; m++) {
                    size_t w = d->gmem[m], o = d->woff[w];
                    if (!(c0 < TDM_INF)) {
                        uc += ctx->untimed ? group_explicit(d, g) : word_explicit(d, w, 0);
                        nu++;
                        continue;
                    }
                    double c = w == w0 ? c0 : tdm_trace_cost(&v, steps, ns, d->sym + o, d->x0 + o, d->x1 + o);
                    double ce = ctx->untimed ? group_explicit(d, g) : word_explicit(d, w, 0);
                    if (!(c <= ce)) { /* the encoder sends the word verbatim when that is shorter */
                        uc += ce;
                        nu++;
                        continue;
                    }
                    cc += c;
                    nc++;
                    for (size_t i = 0; i < ns; i++) {
                        const tdm_step *t = &steps[i];
                        if (t->op < TDM_NOPS) cnt[t->op] += 1;
                        if (t->edge < 0 || t->op == TDM_OP_DUP) continue;
                        s->nxvis[t->edge] += 1;
                        if (t->pos >= 0 && d->sym[o + (size_t)t->pos] != (int32_t)TDM_END) {
                            stats_add(&s->nxst[t->edge], d->x0[o + (size_t)t->pos], d->x1[o + (size_t)t->pos], 1);
                            if (!ctx->untimed && s->ntrip_cur < s->cap_trip)
                                s->ntrip[s->ntrip_cur++] =
                                    (tdm_trip){(uint32_t)t->edge, d->x0[o + (size_t)t->pos], d->x1[o + (size_t)t->pos]};
                        }
                    }
                }
            }
            if (ctx->cache && !ctx->use_cache && it == 0) {
                ctx->cache->cc[g] = cc - cc0;
                ctx->cache->uc[g] = uc - uc0;
                ctx->cache->nc[g] = (uint32_t)(nc - nc0);
                ctx->cache->nu[g] = (uint32_t)(nu - nu0);
            }
        }
        if (ctx->cache && !ctx->use_cache && it == 0)
            for (size_t g = 0; g < d->ng; g++) ctx->cache->unm[g] = !s->gok[g];
        double N = (double)d->nw, ok = (double)(n_matched + nc);
        double status = N > 0 ? xlog2x(ok, ok / N) + xlog2x((double)nu, (double)nu / N) : 0;
        double data = mc + cc + uc + status;
        if (data < best) {
            best = data;
            br.matched = mc;
            br.corrected = cc;
            br.uncorrected = uc;
            br.status = status;
            br.n_matched = n_matched;
            br.n_corrected = nc;
            br.n_uncorrected = nu;
            memcpy(best_pi, pi, sizeof pi);
            /* the M step runs even when every word is matched: the prior π would otherwise stay and
             * charge each matched event -log2(0.9) bits, so that any candidate unmatching a few
             * words won just by letting EM re-estimate π (the first step on HDFS deleted an edge
             * and left 123 words to repair for that reason alone) */
            if (it + 1 == iters) break;
            /* M step: the repaired words' values and visits feed the next iteration; noise
             * probabilities re-estimated by counts with the noise share capped at 25 % */
            double noise = 0;
            for (int o = 1; o < TDM_NOPS; o++) noise += ((ctx->noise_ops >> (o - 1)) & 1u) ? cnt[o] : 0;
            if (cnt[TDM_OP_TR] < 3 * noise) cnt[TDM_OP_TR] = 3 * noise;
            double tot = cnt[TDM_OP_TR] + noise;
            if (!ctx->fixed_pi) {
                pi[TDM_OP_TR] = cnt[TDM_OP_TR] / tot;
                for (int o = 1; o < TDM_NOPS; o++) pi[o] = ((ctx->noise_ops >> (o - 1)) & 1u) ? cnt[o] / tot : 0;
            }
            memcpy(s->xst, s->nxst, a->ne * sizeof *s->xst);
            memcpy(s->xvis, s->nxvis, a->ne * sizeof *s->xvis);
            tdm_trip *tt = s->trip;
            s->trip = s->ntrip;
            s->ntrip = tt;
            s->ntrip_prev = s->ntrip_cur;
        } else {
            break; /* keep the best iteration, not the last one (fixes spec A7) */
        }
    }
    /* restore the statistics of the best iteration for the model cost (gaussians) */
    if (memcmp(best_pi, pi, sizeof pi) != 0) {
        /* xst/xvis currently hold the stats produced by the best iteration, which were not used to
         * compute its cost; the model cost only depends on the gaussians and edge liveness, and
         * the liveness does not change. Recompute the view with the best pi for consistency. */
    }
    prepare_view(d, a, s, best_pi, 0, ctx->untimed, 0, &v);
    double mcost = model_cost(d, a, s, ctx->noise_ops, ctx->untimed);
    if (res) {
        br.model = mcost;
        br.data = best;
        br.total = mcost + best;
        memcpy(br.pi, best_pi, sizeof best_pi);
        *res = br;
    }
    return mcost + best;
}

/* The cost of an unmatched group at the first EM iteration (no counts): cc/uc/nc/nu as evaluate()
 * adds them. v must be prepared for automaton a. */
static void price_unmatched(const tdm_learn_ctx *ctx, const tdm_view *v, size_t g, tdm_eval_scratch *s, double *cc,
                            double *uc, size_t *nc, size_t *nu)
{
    const tdm_data *d = ctx->d;
    size_t w0 = d->gword[g], o0 = d->woff[w0];
    if (ctx->soft && ctx->untimed && ctx->noise_ops) {
        double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
        double ce = group_explicit(d, g);
        double c0 = tdm_forward(v, d->sym + o0, d->wlen[w0], &s->dp, mult, ce, NULL, NULL);
        if (c0 <= ce) {
            *cc += mult * c0;
            *nc += (size_t)mult;
        } else {
            *uc += mult * ce;
            *nu += (size_t)mult;
        }
        return;
    }
    tdm_step *steps = NULL;
    size_t ns = 0;
    double c0 = ctx->noise_ops ? tdm_repair(v, d->sym + o0, d->x0 + o0, d->x1 + o0, d->wlen[w0], &s->dp, &steps, &ns) : TDM_INF;
    for (size_t m = d->gmem_off[g]; m < d->gmem_off[g + 1]; m++) {
        size_t w = d->gmem[m], o = d->woff[w];
        double ce = ctx->untimed ? group_explicit(d, g) : word_explicit(d, w, 0);
        double c = !(c0 < TDM_INF) ? TDM_INF
                   : w == w0       ? c0
                                   : tdm_trace_cost(v, steps, ns, d->sym + o, d->x0 + o, d->x1 + o);
        if (c <= ce) {
            *cc += c;
            (*nc)++;
        } else {
            *uc += ce;
            (*nu)++;
        }
    }
}

/* (re)allocate *p for n elements of size el (n = 0: one); -1 when out of memory */
static int gc_alloc(void *p, size_t n, size_t el)
{
    void **pp = p;
    void *x = realloc(*pp, (n ? n : 1) * el);
    if (!x) return -1;
    *pp = x;
    return 0;
}

typedef struct pair_rec {
    uint32_t f, s;
    double n;
} pair_rec;
static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_pair_rec(const void *a, const void *b)
{
    const pair_rec *x = a, *y = b;
    if (x->f != y->f) return x->f < y->f ? -1 : 1;
    return (x->s > y->s) - (x->s < y->s);
}

/* After evaluate(fill, a, s): record the parse of automaton a (s->gok, s->path, s->mvis and the
 * cached unmatched costs) and index it for screen_fast. Returns -1 when out of memory (then
 * screening falls back to evaluate). */
static int gcache_index(const tdm_learn_ctx *ctx, const skeleton *a, const tdm_eval_scratch *s)
{
    const tdm_data *d = ctx->d;
    tdm_gcache *gc = ctx->cache;
    gc->ready = 0;
    if (!ctx->untimed) return 0;
    const uint32_t ne = a->ne, nq = a->nq, nsym = d->nsym;
    if (gc_alloc(&gc->mvis, ne, sizeof *gc->mvis) || gc_alloc(&gc->pr_off, (size_t)ne + 1, sizeof *gc->pr_off) ||
        gc_alloc(&gc->eg_off, (size_t)ne + 1, sizeof *gc->eg_off) || gc_alloc(&gc->su_off, (size_t)nq + 1, sizeof *gc->su_off) ||
        (!gc->path && gc_alloc(&gc->path, d->npos, sizeof *gc->path)))
        return -1;
    if (!gc->dcost) {
        gc->dcost = calloc(d->npos + 1, sizeof *gc->dcost);
        gc->dgen = calloc(d->npos + 1, sizeof *gc->dgen);
        if (!gc->dcost || !gc->dgen) {
            free(gc->dcost);
            free(gc->dgen);
            gc->dcost = NULL;
            gc->dgen = NULL;
        }
    }
    gc->ne = ne;
    memcpy(gc->mvis, s->mvis, ne * sizeof *gc->mvis);
    gc->V = 0;
    gc->n_matched = 0;
    gc->scc = gc->suc = 0;
    gc->snc = gc->snu = 0;
    size_t nunm = 0, npairs = 0;
    for (size_t g = 0; g < d->ng; g++) {
        size_t mult = d->gmem_off[g + 1] - d->gmem_off[g];
        if (s->gok[g]) {
            gc->V += (double)mult * d->glen[g];
            gc->n_matched += mult;
            memcpy(gc->path + d->goff[g], s->path + d->goff[g], d->glen[g] * sizeof *gc->path);
            npairs += d->glen[g] - 1;
        } else {
            gc->scc += gc->cc[g];
            gc->suc += gc->uc[g];
            gc->snc += gc->nc[g];
            gc->snu += gc->nu[g];
            nunm += d->glen[g] + 1;
        }
    }
    /* pairs (edge, source of the previous edge) over the matched words */
    pair_rec *pr = malloc((npairs ? npairs : 1) * sizeof *pr);
    if (!pr) return -1;
    size_t k = 0;
    for (size_t g = 0; g < d->ng; g++) {
        if (!s->gok[g]) continue;
        double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
        const int32_t *pa = gc->path + d->goff[g];
        for (uint32_t p = 1; p < d->glen[g]; p++) pr[k++] = (pair_rec){(uint32_t)pa[p], a->src[pa[p - 1]], mult};
    }
    qsort(pr, k, sizeof *pr, cmp_pair_rec);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u > 0 && pr[u - 1].f == pr[i].f && pr[u - 1].s == pr[i].s)
            pr[u - 1].n += pr[i].n;
        else
            pr[u++] = pr[i];
    }
    if (gc_alloc(&gc->pr_s, u, sizeof *gc->pr_s) || gc_alloc(&gc->pr_n, u, sizeof *gc->pr_n)) {
        free(pr);
        return -1;
    }
    for (uint32_t e = 0; e <= ne; e++) gc->pr_off[e] = 0;
    for (size_t i = 0; i < u; i++) {
        gc->pr_off[pr[i].f + 1]++;
        gc->pr_s[i] = pr[i].s;
        gc->pr_n[i] = pr[i].n;
    }
    for (uint32_t e = 0; e < ne; e++) gc->pr_off[e + 1] += gc->pr_off[e];
    free(pr);
    /* edge -> matched groups (each once; the path's edges are counted, then filled) */
    size_t *eo = gc->eg_off; /* ne + 1 entries used */
    for (uint32_t e = 0; e <= ne; e++) eo[e] = 0;
    uint32_t *last = malloc((ne ? ne : 1) * sizeof *last);
    if (!last) return -1;
    for (uint32_t e = 0; e < ne; e++) last[e] = UINT32_MAX;
    size_t neg = 0;
    for (size_t g = 0; g < d->ng; g++) {
        if (!s->gok[g]) continue;
        const int32_t *pa = gc->path + d->goff[g];
        for (uint32_t p = 0; p < d->glen[g]; p++)
            if (last[pa[p]] != (uint32_t)g) {
                last[pa[p]] = (uint32_t)g;
                eo[pa[p] + 1]++;
                neg++;
            }
    }
    for (uint32_t e = 0; e < ne; e++) eo[e + 1] += eo[e];
    if (gc_alloc(&gc->eg_g, neg, sizeof *gc->eg_g)) {
        free(last);
        return -1;
    }
    for (uint32_t e = 0; e < ne; e++) last[e] = UINT32_MAX;
    for (size_t g = 0; g < d->ng; g++) {
        if (!s->gok[g]) continue;
        const int32_t *pa = gc->path + d->goff[g];
        for (uint32_t p = 0; p < d->glen[g]; p++)
            if (last[pa[p]] != (uint32_t)g) {
                last[pa[p]] = (uint32_t)g;
                gc->eg_g[eo[pa[p]]++] = (uint32_t)g;
            }
    }
    for (uint32_t e = ne; e > 0; e--) eo[e] = eo[e - 1];
    eo[0] = 0;
    free(last);
    /* state -> unmatched groups whose run stops there (no edge for the next symbol). After a merge
     * the run of a word follows the image of its old run (every edge has an image, and the image
     * of a transition leads to the class of its target), so it can only go further where it
     * stopped, and only if that state was merged with another */
    uint32_t *sg = malloc((nunm ? nunm : 1) * sizeof *sg); /* (state, group) pairs, state-major later */
    uint32_t *sq = malloc((nunm ? nunm : 1) * sizeof *sq);
    if (!sg || !sq) {
        free(sg);
        free(sq);
        return -1;
    }
    int32_t *trans = malloc((size_t)nq * nsym * sizeof *trans);
    if (!trans) {
        free(sg);
        free(sq);
        return -1;
    }
    for (size_t i = 0; i < (size_t)nq * nsym; i++) trans[i] = -1;
    for (uint32_t e = 0; e < ne; e++) {
        size_t t = (size_t)a->src[e] * nsym + a->sym[e];
        if (trans[t] < 0) trans[t] = (int32_t)e;
    }
    size_t nsu = 0;
    for (size_t g = 0; g < d->ng; g++) {
        if (s->gok[g]) continue;
        const int32_t *sy = d->sym + d->woff[d->gword[g]];
        uint32_t q = 0;
        for (uint32_t p = 0; p < d->glen[g]; p++) {
            int32_t e = trans[(size_t)q * nsym + (uint32_t)sy[p]];
            if (e < 0) break;
            q = a->dst[e];
        }
        sq[nsu] = q;
        sg[nsu++] = (uint32_t)g;
    }
    free(trans);
    for (uint32_t q = 0; q <= nq; q++) gc->su_off[q] = 0;
    for (size_t i = 0; i < nsu; i++) gc->su_off[sq[i] + 1]++;
    for (uint32_t q = 0; q < nq; q++) gc->su_off[q + 1] += gc->su_off[q];
    if (gc_alloc(&gc->su_g, nsu, sizeof *gc->su_g)) {
        free(sg);
        free(sq);
        return -1;
    }
    for (size_t i = 0; i < nsu; i++) gc->su_g[gc->su_off[sq[i]]++] = sg[i];
    for (uint32_t q = nq; q > 0; q--) gc->su_off[q] = gc->su_off[q - 1];
    gc->su_off[0] = 0;
    free(sg);
    free(sq);
    gc->ready = 1;
    return 0;
}

/* Screening cost of candidate c (automaton b = c applied to a, smap its state map) without parsing
 * every word: exactly what evaluate(screen ctx, b) computes (one EM iteration at the current π,
 * cached costs for the groups a leaves unmatched, the repair only for the groups b newly leaves
 * unmatched), up to the order of floating-point sums. A merge keeps every matched word matched
 * (its path maps edge by edge) and can only let through an unmatched word whose run stops at a
 * merged state; a split keeps every word's status and moves the visits of the split state's
 * out-edges that follow an edge from the split-off source onto the copies; a deletion unmatches
 * the words that use the edge and nothing else. Symbols-only cost only (values are not looked at). */
/* The view screen_fast repairs newly unmatched words with: candidate b at π, edge probabilities
 * from the matched visits alone (the first EM iteration has no repaired ones); built on first
 * use, once per candidate. */
static void screen_view(const tdm_learn_ctx *ctx, const skeleton *b, tdm_eval_scratch *s, const double *pi, tdm_view *v,
                        int *have)
{
    if (*have) return;
    memset(s->xvis, 0, b->ne * sizeof *s->xvis);
    memset(s->mst, 0, b->ne * sizeof *s->mst);
    memset(s->xst, 0, b->ne * sizeof *s->xst);
    prepare_view(ctx->d, b, s, pi, ctx->noise_ops, ctx->untimed, ctx->soft, v);
    *have = 1;
}

static double screen_fast(const tdm_learn_ctx *ctx, const skeleton *a, const cand *c, const skeleton *b,
                          const uint32_t *smap, tdm_eval_scratch *s, int stale_ok, uint8_t *used_stale)
{
    const tdm_data *d = ctx->d;
    tdm_gcache *gc = ctx->cache;
    if (scratch_reserve(s, d, b) != 0) return TDM_INF;
    const uint32_t nsym = d->nsym;
    if (s->cap_stamp < d->ng + 1) {
        uint32_t *x = realloc(s->stamp, (d->ng + 1) * sizeof *x);
        if (!x) return TDM_INF;
        memset(x, 0, (d->ng + 1) * sizeof *x);
        s->stamp = x;
        s->cap_stamp = d->ng + 1;
        s->stamp_gen = 0;
    }
    if (++s->stamp_gen == 0) {
        memset(s->stamp, 0, s->cap_stamp * sizeof *s->stamp);
        s->stamp_gen = 1;
    }
    int32_t *tr = s->trans;
    for (size_t i = 0; i < (size_t)b->nq * nsym; i++) tr[i] = -1;
    for (uint32_t e = 0; e < b->ne; e++) {
        size_t k = (size_t)b->src[e] * nsym + b->sym[e];
        if (tr[k] < 0) tr[k] = (int32_t)e;
    }
    double *mv = s->mvis;
    memset(mv, 0, b->ne * sizeof *mv);
    double V = gc->V, cc = gc->scc, uc = gc->suc;
    size_t nm = gc->n_matched, nc = gc->snc, nu = gc->snu;
#define EMAP(e) tr[(size_t)smap[a->src[(e)]] * nsym + a->sym[(e)]]
    size_t nnew = 0;
    uint32_t *newg = s->newg;
    if (c->type == 0) {
        for (uint32_t e = 0; e < a->ne; e++)
            if (gc->mvis[e] > 0) mv[EMAP(e)] += gc->mvis[e];
        /* states of a merged into one with another: count a's states per state of b */
        uint32_t *cnt = s->qcnt;
        memset(cnt, 0, b->nq * sizeof *cnt);
        for (uint32_t q = 0; q < a->nq; q++)
            if (smap[q] != UINT32_MAX) cnt[smap[q]]++;
        for (uint32_t q = 0; q < a->nq; q++) {
            if (smap[q] == UINT32_MAX || cnt[smap[q]] < 2) continue;
            for (size_t k = gc->su_off[q]; k < gc->su_off[q + 1]; k++) {
                uint32_t g = gc->su_g[k];
                if (s->stamp[g] == s->stamp_gen) continue;
                s->stamp[g] = s->stamp_gen;
                const int32_t *sy = d->sym + d->woff[d->gword[g]];
                int32_t *pa = s->path + d->goff[g];
                uint32_t st = 0, p = 0;
                for (; p < d->glen[g]; p++) {
                    int32_t e = tr[(size_t)st * nsym + (uint32_t)sy[p]];
                    if (e < 0) break;
                    pa[p] = e;
                    st = b->dst[e];
                }
                if (p < d->glen[g] || st != 1) continue;
                double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
                for (p = 0; p < d->glen[g]; p++) mv[pa[p]] += mult;
                V += mult * d->glen[g];
                nm += (size_t)mult;
                cc -= gc->cc[g];
                uc -= gc->uc[g];
                nc -= gc->nc[g];
                nu -= gc->nu[g];
            }
        }
    } else if (c->type == 1) {
        const uint32_t q = c->a, sp = c->b, qn = smap[a->nq];
        for (uint32_t e = 0; e < a->ne; e++) {
            if (!(gc->mvis[e] > 0)) continue;
            double from = 0;
            if (a->src[e] == q)
                for (size_t k = gc->pr_off[e]; k < gc->pr_off[e + 1]; k++)
                    if (gc->pr_s[k] == sp) from += gc->pr_n[k];
            if (gc->mvis[e] - from > 0) mv[EMAP(e)] += gc->mvis[e] - from;
            if (from > 0) mv[tr[(size_t)qn * nsym + a->sym[e]]] += from;
        }
    } else {
        const uint32_t del = c->a;
        for (uint32_t e = 0; e < a->ne; e++)
            if (e != del && gc->mvis[e] > 0) mv[EMAP(e)] += gc->mvis[e];
        for (size_t k = gc->eg_off[del]; k < gc->eg_off[del + 1]; k++) {
            uint32_t g = gc->eg_g[k];
            double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
            const int32_t *pa = gc->path + d->goff[g];
            for (uint32_t p = 0; p < d->glen[g]; p++)
                if ((uint32_t)pa[p] != del) mv[EMAP(pa[p])] -= mult;
            V -= mult * d->glen[g];
            nm -= (size_t)mult;
            newg[nnew++] = g;
        }
    }
#undef EMAP
    double pi[TDM_NOPS];
    if (ctx->start_pi)
        memcpy(pi, ctx->start_pi, sizeof pi);
    else
        prior_pi(ctx->noise_ops, pi);
    double optr = pi[TDM_OP_TR] > 0 ? -log2(pi[TDM_OP_TR]) : TDM_INF;
    /* edge code lengths from the matched visits (the first EM iteration has no repaired ones) */
    for (uint32_t q = 0; q < b->nq; q++) s->outsum[q] = 0;
    for (uint32_t e = 0; e < b->ne; e++)
        if (mv[e] > 0) s->outsum[b->src[e]] += mv[e] + 0.5;
    double mc = optr < TDM_INF ? V * optr : 0;
    for (uint32_t e = 0; e < b->ne; e++)
        if (mv[e] > 0) mc += mv[e] * -log2((mv[e] + 0.5) / s->outsum[b->src[e]]);
    if (nnew) {
        tdm_view v;
        int have_view = 0;
        /* the summed repair of a group whose only change is this deletion: cached across steps
         * (entries owned by this deletion alone, so concurrent candidates never share one) */
        const int keyed = ctx->soft && ctx->untimed && ctx->noise_ops && gc->dcost;
        if (!keyed)
            for (size_t i = 0; i < nnew; i++) {
                screen_view(ctx, b, s, pi, &v, &have_view);
                price_unmatched(ctx, &v, newg[i], s, &cc, &uc, &nc, &nu);
            }
        else {
            /* priced in lexicographic order (tdm_forward shares the lattice of common prefixes),
             * summed in the order of newg */
            uint32_t *ord = s->nord;
            for (size_t i = 0; i < nnew; i++) ord[i] = d->grank[newg[i]];
            if (nnew > 1) qsort(ord, nnew, sizeof *ord, cmp_u32);
            for (size_t i = 0; i < nnew; i++) {
                const size_t g = d->glex[ord[i]];
                const int32_t *pa = gc->path + d->goff[g];
                uint32_t p = 0;
                while (p + 1 < d->glen[g] && (uint32_t)pa[p] != c->a) p++;
                const size_t key = d->goff[g] + p;
                size_t w0 = d->gword[g];
                double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
                double ce = group_explicit(d, g), c0;
                if (stale_ok && gc->dgen[key] > gc->dvalid && gc->step - gc->dgen[key] < TDM_STALE_AGE) {
                    c0 = gc->dcost[key];
                    if (gc->dgen[key] != gc->step) *used_stale = 1;
                } else {
                    screen_view(ctx, b, s, pi, &v, &have_view);
                    c0 = tdm_forward(&v, d->sym + d->woff[w0], d->wlen[w0], &s->dp, mult, ce, NULL, NULL);
                    gc->dcost[key] = c0;
                    gc->dgen[key] = gc->step;
                }
                s->gc0[g] = c0;
            }
            for (size_t i = 0; i < nnew; i++) {
                const size_t g = newg[i];
                const double c0 = s->gc0[g], ce = group_explicit(d, g);
                const double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
                if (c0 <= ce) {
                    cc += mult * c0;
                    nc += (size_t)mult;
                } else {
                    uc += mult * ce;
                    nu += (size_t)mult;
                }
            }
        }
    }
    double N = (double)d->nw, ok = (double)(nm + nc);
    double status = N > 0 ? xlog2x(ok, ok / N) + xlog2x((double)nu, (double)nu / N) : 0;
    return model_cost(d, b, s, ctx->noise_ops, ctx->untimed) + mc + cc + uc + status;
}

/* Soft EM over every word, the matched ones included, at a fixed structure: the noise
 * probabilities and the edge visits become the expected counts of the summed repairs
 * (tdm_forward). A word the automaton parses also has noisy explanations (on HDFS a duplicate
 * inside a run, a swap of two equal events, a deletion in a loop), so the noise its parse hides is
 * counted too: hard EM over the unmatched words only saw 0.000-0.012 of the 0.033-0.067 injected
 * per operation (docs/tadam.md "Noise robustness"). Needs the statistics of evaluate(ctx, a, s)
 * (matched visits in s->mvis). pi is the start and the result. */
static void soft_em(const tdm_learn_ctx *ctx, const skeleton *a, tdm_eval_scratch *s, double pi[TDM_NOPS], unsigned iters)
{
    const tdm_data *d = ctx->d;
    tdm_view v;
    for (unsigned it = 0; it < iters; it++) {
        prepare_view(d, a, s, pi, ctx->noise_ops, 1, 1, &v);
        double cnt[TDM_NOPS];
        for (int o = 0; o < TDM_NOPS; o++) cnt[o] = 1;
        memset(s->nxvis, 0, a->ne * sizeof *s->nxvis);
        for (size_t g = 0; g < d->ng; g++) {
            size_t w0 = d->gword[g], o0 = d->woff[w0];
            double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
            tdm_forward(&v, d->sym + o0, d->wlen[w0], &s->dp, mult, group_explicit(d, g), cnt, s->nxvis);
        }
        double noise = 0, change = 0;
        for (int o = 1; o < TDM_NOPS; o++) noise += ((ctx->noise_ops >> (o - 1)) & 1u) ? cnt[o] : 0;
        if (cnt[TDM_OP_TR] < 3 * noise) cnt[TDM_OP_TR] = 3 * noise; /* noise share capped at 25 % */
        double tot = cnt[TDM_OP_TR] + noise, np[TDM_NOPS];
        np[TDM_OP_TR] = cnt[TDM_OP_TR] / tot;
        for (int o = 1; o < TDM_NOPS; o++) np[o] = ((ctx->noise_ops >> (o - 1)) & 1u) ? cnt[o] / tot : 0;
        for (int o = 0; o < TDM_NOPS; o++) {
            change = fmax(change, fabs(np[o] - pi[o]));
            pi[o] = np[o];
        }
        /* p(e) from the expected visits (prepare_view prices mvis + xvis) */
        for (uint32_t e = 0; e < a->ne; e++)
            if (s->mvis[e] > 0) s->xvis[e] = s->nxvis[e] - s->mvis[e];
        if (change < 1e-4) break;
    }
}

/* ---- initialisation and candidates ------------------------------------------------------- */

static int init_state_symbol(const tdm_data *d, skeleton *a)
{
    /* state 0 = q0, 1 = qf, 1 + sym = "last symbol read was sym" (sym >= 1) */
    size_t cap = 0;
    for (size_t g = 0; g < d->ng; g++) cap += d->glen[g];
    edge_key *ek = malloc((cap ? cap : 1) * sizeof *ek);
    if (!ek) return -1;
    uint32_t k = 0;
    for (size_t g = 0; g < d->ng; g++) {
        const int32_t *sy = d->sym + d->woff[d->gword[g]];
        uint32_t q = 0;
        for (uint32_t p = 0; p < d->glen[g]; p++) {
            uint32_t t = sy[p] == (int32_t)TDM_END ? 1 : 1 + (uint32_t)sy[p];
            ek[k++] = (edge_key){q, (uint32_t)sy[p], t};
            q = t;
        }
    }
    int rc = skeleton_build(a, d->nsym + 1, ek, k, NULL, NULL);
    free(ek);
    return rc;
}

/* qf (state 1) reachable from q0 (state 0) over every edge but `skip` (depth-first; stack and seen
 * hold nq entries) */
static int accepts_without(const skeleton *a, uint32_t skip, uint32_t *stack, uint8_t *seen)
{
    memset(seen, 0, a->nq);
    size_t top = 0;
    stack[top++] = 0;
    seen[0] = 1;
    while (top) {
        uint32_t q = stack[--top];
        if (q == 1) return 1;
        for (uint32_t e = 0; e < a->ne; e++)
            if (e != skip && a->src[e] == q && !seen[a->dst[e]]) {
                seen[a->dst[e]] = 1;
                stack[top++] = a->dst[e];
            }
    }
    return 0;
}

/* delete the k edges del[] of a (ids of a); returns 1 (out empty) when the final state is no
 * longer reachable, -1 when out of memory */
static int op_delete_set(const skeleton *a, const uint32_t *del, size_t k, skeleton *out)
{
    edge_key *ek = malloc((a->ne ? a->ne : 1) * sizeof *ek);
    if (!ek) return -1;
    uint32_t n = 0;
    for (uint32_t e = 0; e < a->ne; e++) {
        int drop = 0;
        for (size_t i = 0; i < k && !drop; i++) drop = del[i] == e;
        if (!drop) ek[n++] = (edge_key){a->src[e], a->sym[e], a->dst[e]};
    }
    int rc = skeleton_build(out, a->nq, ek, n, NULL, NULL);
    free(ek);
    if (rc != 0) return -1;
    uint32_t *stack = malloc(((size_t)out->nq + 1) * sizeof *stack);
    uint8_t *seen = malloc((size_t)out->nq + 1);
    int ok = stack && seen ? accepts_without(out, UINT32_MAX, stack, seen) : -1;
    free(stack);
    free(seen);
    if (ok == 1) return 0;
    skeleton_free(out);
    return ok < 0 ? -1 : 1;
}

static size_t gen_candidates(const skeleton *a, cand **out)
{
    size_t cap = (size_t)a->nq * a->nq / 2 + a->ne * 2 + 16, n = 0;
    cand *c = malloc(cap * sizeof *c);
    uint8_t *outsym = NULL;
    if (!c) return 0;
    /* merges: pairs of non-final states with out-edges sharing a symbol */
    uint32_t nsym = 0;
    for (uint32_t e = 0; e < a->ne; e++)
        if (a->sym[e] + 1 > nsym) nsym = a->sym[e] + 1;
    outsym = calloc((size_t)a->nq * nsym + 1, 1);
    if (!outsym) {
        free(c);
        return 0;
    }
    for (uint32_t e = 0; e < a->ne; e++) outsym[(size_t)a->src[e] * nsym + a->sym[e]] = 1;
    for (uint32_t i = 0; i < a->nq; i++) {
        if (i == 1) continue;
        for (uint32_t j = i + 1; j < a->nq; j++) {
            if (j == 1) continue;
            int share = 0;
            for (uint32_t y = 0; y < nsym && !share; y++)
                share = outsym[(size_t)i * nsym + y] && outsym[(size_t)j * nsym + y];
            if (!share) continue;
            if (n == cap) break;
            c[n++] = (cand){0, i, j};
        }
    }
    free(outsym);
    /* splits: state q (not q0/qf) with >= 2 distinct predecessor states; split off each */
    for (uint32_t q = 2; q < a->nq; q++) {
        uint32_t nsrc = 0, first = UINT32_MAX;
        for (uint32_t e = 0; e < a->ne; e++)
            if (a->dst[e] == q && a->src[e] != q && a->src[e] != first) {
                if (first == UINT32_MAX) first = a->src[e];
                nsrc++;
            }
        if (nsrc < 2) continue;
        for (uint32_t e = 0; e < a->ne && n + 1 < cap; e++) {
            if (a->dst[e] != q || a->src[e] == q) continue;
            int seen = 0; /* one candidate per (q, source) */
            for (uint32_t f = 0; f < e && !seen; f++) seen = a->dst[f] == q && a->src[f] == a->src[e];
            if (!seen) c[n++] = (cand){1, q, a->src[e]};
        }
    }
    /* deletions: every edge whose removal leaves a word the automaton accepts (qf reachable from
     * q0). On a service with 10 short words, MDL prices sending them all verbatim below any
     * automaton (ntp: 80 bits against 175), and the search deleted every edge: an automaton that
     * accepts nothing describes nothing and generates nothing. */
    uint32_t *stack = malloc(((size_t)a->nq + 1) * sizeof *stack);
    uint8_t *seen = malloc((size_t)a->nq + 1);
    if (!stack || !seen) {
        free(stack);
        free(seen);
        free(c);
        return 0;
    }
    for (uint32_t e = 0; e < a->ne && n < cap; e++)
        if (accepts_without(a, e, stack, seen)) c[n++] = (cand){2, e, 0};
    free(stack);
    free(seen);
    *out = c;
    return n;
}

/* smap (optional, a->nq + 1 entries): the new id of every state of a (and of a split's new state) */
static int apply_cand(const skeleton *a, const cand *c, skeleton *out, uint32_t *smap)
{
    switch (c->type) {
    case 0: return op_merge(a, c->a, c->b, out, smap);
    case 1: return op_split(a, c->a, c->b, out, smap);
    default: return op_delete(a, c->a, out, smap);
    }
}

/* After compact(a, s, out): the parse of a held in s (gok, path, mvis of evaluate) in the edge ids
 * of out. compact keeps the used edges in their order (a's edge list is sorted and the state
 * renumbering is monotone), so an edge's new id is its rank among the used ones. */
static int compact_parse(const tdm_data *d, const skeleton *a, tdm_eval_scratch *s)
{
    uint32_t *map = malloc((a->ne ? a->ne : 1) * sizeof *map);
    if (!map) return -1;
    uint32_t k = 0;
    for (uint32_t e = 0; e < a->ne; e++) {
        map[e] = s->mvis[e] > 0 ? k : UINT32_MAX;
        if (s->mvis[e] > 0) s->mvis[k++] = s->mvis[e]; /* k <= e: in place */
    }
    for (size_t g = 0; g < d->ng; g++) {
        if (!s->gok[g]) continue;
        int32_t *pa = s->path + d->goff[g];
        for (uint32_t p = 0; p < d->glen[g]; p++) pa[p] = (int32_t)map[pa[p]];
    }
    free(map);
    return 0;
}

/* drop edges no word uses (and states left without edges) */
static int compact(const skeleton *a, const tdm_eval_scratch *s, skeleton *out)
{
    edge_key *ek = malloc((a->ne ? a->ne : 1) * sizeof *ek);
    if (!ek) return -1;
    uint32_t k = 0;
    for (uint32_t e = 0; e < a->ne; e++)
        if (s->mvis[e] > 0) ek[k++] = (edge_key){a->src[e], a->sym[e], a->dst[e]};
    int rc = skeleton_build(out, a->nq, ek, k, NULL, NULL);
    free(ek);
    return rc;
}

/* ---- final model ------------------------------------------------------------------------ */

/* one observed payload on an edge (sorted by edge, then size, to build the histograms) */
typedef struct edge_payload {
    uint32_t e;
    int32_t x0, x1; /* grid values (the per-edge time-model decision) */
    int64_t pay;
} edge_payload;

static int cmp_edge_payload(const void *a, const void *b)
{
    const edge_payload *x = a, *y = b;
    if (x->e != y->e) return x->e < y->e ? -1 : 1;
    return (x->pay > y->pay) - (x->pay < y->pay);
}

/* a payload histogram entry: size and count */
typedef struct hist_entry {
    int64_t v;
    uint64_t c;
} hist_entry;

static int cmp_hist_entry(const void *a, const void *b)
{
    const hist_entry *x = a, *y = b;
    if (x->c != y->c) return x->c > y->c ? -1 : 1;
    return (x->v > y->v) - (x->v < y->v);
}

static sg_status build_model(const tdm_learn_ctx *ctx, const skeleton *a, tdm_eval_scratch *s, const tdm_eval_result *r,
                             sg_tadam_model *m, sg_error *err)
{
    const tdm_data *d = ctx->d;
    /* one more evaluation pass to collect the repair traces under the best parameters */
    tdm_view v;
    prepare_view(d, a, s, r->pi, ctx->noise_ops, ctx->untimed, 0, &v);
    if (!ctx->untimed) v.etimed = s->etimed; /* the decision of the final evaluation */
    double *vis = calloc(a->ne ? a->ne : 1, sizeof *vis);
    uint64_t *count = calloc(a->ne ? a->ne : 1, sizeof *count);
    uint32_t *lastw = malloc((a->ne ? a->ne : 1) * sizeof *lastw);
    tdm_stats *st = calloc(a->ne ? a->ne : 1, sizeof *st);
    sg_vec pays;
    sg_vec_init(&pays, sizeof(edge_payload));
    sg_status rc = SG_OK;
    if (!vis || !count || !lastw || !st) goto oom;
    for (uint32_t e = 0; e < a->ne; e++) lastw[e] = UINT32_MAX;
    for (size_t g = 0; g < d->ng; g++) {
        for (size_t mm = d->gmem_off[g]; mm < d->gmem_off[g + 1]; mm++) {
            size_t w = d->gmem[mm], o = d->woff[w];
            if (s->gok[g]) {
                for (uint32_t p = 0; p < d->glen[g]; p++) {
                    uint32_t e = (uint32_t)s->path[d->goff[g] + p];
                    vis[e] += 1;
                    if (lastw[e] != (uint32_t)w) {
                        lastw[e] = (uint32_t)w;
                        count[e]++;
                    }
                    if (d->sym[o + p] == (int32_t)TDM_END) continue;
                    stats_add(&st[e], d->x0[o + p], d->x1[o + p], 1);
                    edge_payload x = {e, d->x0[o + p], d->x1[o + p], d->pay[o + p]};
                    if (sg_vec_push(&pays, &x) != SG_OK) goto oom;
                }
                continue;
            }
            tdm_step *steps;
            size_t ns;
            double c = tdm_repair(&v, d->sym + o, d->x0 + o, d->x1 + o, d->wlen[w], &s->dp, &steps, &ns);
            if (!(c <= word_explicit(d, w, ctx->untimed))) continue;
            for (size_t i = 0; i < ns; i++) {
                const tdm_step *t = &steps[i];
                if (t->edge < 0 || t->op == TDM_OP_DUP) continue;
                uint32_t e = (uint32_t)t->edge;
                vis[e] += 1;
                if (lastw[e] != (uint32_t)w) {
                    lastw[e] = (uint32_t)w;
                    count[e]++;
                }
                if (t->pos < 0 || d->sym[o + (size_t)t->pos] == (int32_t)TDM_END) continue;
                stats_add(&st[e], d->x0[o + (size_t)t->pos], d->x1[o + (size_t)t->pos], 1);
                size_t q = o + (size_t)t->pos;
                edge_payload x = {e, d->x0[q], d->x1[q], d->pay[q]};
                if (sg_vec_push(&pays, &x) != SG_OK) goto oom;
            }
        }
    }
    if (pays.len) qsort(pays.data, pays.len, sizeof(edge_payload), cmp_edge_payload);
    /* alphabet */
    m->n_sym = d->nsym;
    m->sym = calloc(d->nsym, sizeof *m->sym);
    if (!m->sym) goto oom;
    for (uint32_t i = 0; i < d->nsym; i++) {
        m->sym[i].name = strdup(d->names[i]);
        if (!m->sym[i].name) goto oom;
        tdm_symbol_parse(&m->sym[i]);
    }
    /* edges: keep those with visits */
    uint32_t *newid = malloc((a->ne ? a->ne : 1) * sizeof *newid);
    if (!newid) goto oom;
    uint32_t ne = 0;
    for (uint32_t e = 0; e < a->ne; e++) newid[e] = vis[e] > 0 ? ne++ : UINT32_MAX;
    m->edges = calloc(ne ? ne : 1, sizeof *m->edges);
    if (!m->edges) {
        free(newid);
        goto oom;
    }
    m->n_edges = ne;
    m->n_states = a->nq;
    m->initial = 0;
    m->final = 1;
    double *outv = calloc(a->nq, sizeof *outv);
    if (!outv) {
        free(newid);
        goto oom;
    }
    for (uint32_t e = 0; e < a->ne; e++)
        if (vis[e] > 0) outv[a->src[e]] += vis[e];
    size_t pk = 0;
    const edge_payload *P = pays.data;
    for (uint32_t e = 0; e < a->ne; e++) {
        while (pk < pays.len && P[pk].e < e) pk++;
        if (newid[e] == UINT32_MAX) continue;
        tdm_edge *E = &m->edges[newid[e]];
        E->src = a->src[e];
        E->dst = a->dst[e];
        E->sym = a->sym[e];
        E->visits = vis[e];
        E->count = count[e];
        E->p = vis[e] / outv[a->src[e]];
        tdm_gauss_from_stats(&st[e], &E->g);
        /* the MDL time-model decision on every event of the edge, as in evaluate() */
        size_t k0 = pk, k1 = pk;
        while (k1 < pays.len && P[k1].e == e) k1++;
        if (E->sym != TDM_END && k1 > k0) {
            /* the edge's mixture weight of the shared model: the (smoothed) share of its events
             * the Gaussian explains worse than the shared model. Without it the outlier part
             * (universal code, weight 1/(n+2)) made one normal late event on an edge that is
             * almost always "0 s" cost ~16 bits more than under the shared model, and timing
             * lowered the HDFS AUROC */
            double worse = 0;
            for (size_t k = k0; k < k1; k++)
                worse += tdm_null_bits(&d->null, P[k].x0, P[k].x1) < tdm_gauss_only_bits(&E->g, P[k].x0, P[k].x1);
            E->g.w_null = (worse + 0.5) / ((double)(k1 - k0) + 1.0);
            double gain = 0;
            for (size_t k = k0; k < k1; k++)
                gain += tdm_null_bits(&d->null, P[k].x0, P[k].x1) - tdm_edge_value_bits(&E->g, &d->null, P[k].x0, P[k].x1);
            E->timed = !ctx->no_time_models && gain > tdm_gauss_param_bits(&E->g) + tdm_LN((int64_t)worse);
        }
        /* payload histogram: distinct sizes by decreasing frequency, at most TDM_HIST_MAX */
        size_t nd = 0;
        for (size_t k = k0; k < k1; k++)
            if (k == k0 || P[k].pay != P[k - 1].pay) nd++;
        if (nd > 0 && !(nd == 1 && P[k0].pay == 0)) {
            hist_entry *h = malloc(nd * sizeof *h);
            if (!h) {
                free(newid);
                free(outv);
                goto oom;
            }
            size_t j = 0;
            for (size_t k = k0; k < k1; k++) {
                if (k == k0 || P[k].pay != P[k - 1].pay) h[j++] = (hist_entry){P[k].pay, 0};
                h[j - 1].c++;
            }
            qsort(h, nd, sizeof *h, cmp_hist_entry);
            E->n_hist = (uint32_t)(nd < TDM_HIST_MAX ? nd : TDM_HIST_MAX);
            E->hist_val = malloc(E->n_hist * sizeof *E->hist_val);
            E->hist_cnt = malloc(E->n_hist * sizeof *E->hist_cnt);
            if (!E->hist_val || !E->hist_cnt) {
                free(h);
                free(newid);
                free(outv);
                goto oom;
            }
            for (uint32_t i = 0; i < E->n_hist; i++) {
                E->hist_val[i] = h[i].v;
                E->hist_cnt[i] = h[i].c;
            }
            free(h);
        }
        pk = k1;
    }
    free(newid);
    free(outv);
    memcpy(m->pi, r->pi, sizeof m->pi);
    m->noise_ops = ctx->noise_ops;
    for (int j = 0; j < 2; j++) {
        m->null.k[j] = d->null.k[j];
        if (!m->null.k[j]) continue;
        if (!(m->null.cnt[j] = malloc(m->null.k[j] * sizeof *m->null.cnt[j]))) goto oom;
        memcpy(m->null.cnt[j], d->null.cnt[j], m->null.k[j] * sizeof *m->null.cnt[j]);
    }
    m->cost_model = r->model;
    m->cost_data = r->data;
    m->cost_matched = r->matched;
    m->cost_corrected = r->corrected;
    m->cost_uncorrected = r->uncorrected;
    m->cost_status = r->status;
    m->n_matched = r->n_matched;
    m->n_corrected = r->n_corrected;
    m->n_uncorrected = r->n_uncorrected;
    m->n_train = d->nw;
    m->n_train_events = d->total_events - d->nw;
    rc = tdm_model_index(m, err);
    goto done;
oom:
    rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory building the automaton");
done:
    free(vis);
    free(count);
    free(lastw);
    free(st);
    sg_vec_free(&pays);
    return rc;
}

/* a candidate to rank: its screening cost and index (lowest cost first, ties by index) */
typedef struct cost_idx {
    double cost;
    size_t i;
} cost_idx;
static int cmp_cost_idx(const void *a, const void *b)
{
    const cost_idx *p = a, *q = b;
    double x = p->cost, y = q->cost;
    if (x != y) return x < y ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* Steepest descent from *cur under ctx's noise operations, at most max_iters steps. pi holds the
 * current automaton's noise probabilities on entry (the prior) and on return. Returns -1 when out
 * of memory. */
static int search(const tdm_learn_ctx *base, double *cur_pi, tdm_gcache *gc, tdm_eval_scratch *sc, int nthreads,
                  skeleton *curp, double *costp, tdm_eval_result *resp, unsigned max_iters, unsigned *iters,
                  sg_progress *prog, unsigned prog_base)
{
    tdm_learn_ctx ctx = *base;
    ctx.start_pi = cur_pi;
    tdm_learn_ctx fill = ctx; /* screening cache of the chosen automaton: one iteration at its π */
    fill.em_iters = 1;
    fill.cache = gc;
    tdm_learn_ctx screen = ctx;
    screen.em_iters = 1;
    screen.cache = gc;
    screen.use_cache = 1;
    skeleton cur = *curp;
    tdm_eval_result cres;
    double cost = evaluate(&ctx, &cur, &sc[0], &cres);
    memcpy(cur_pi, cres.pi, TDM_NOPS * sizeof *cur_pi);
    evaluate(&fill, &cur, &sc[0], NULL);
    gcache_index(&fill, &cur, &sc[0]);
    gc->dvalid = gc->step++; /* cached deletion costs of an earlier search are not reused */
    /* one EM iteration at a fixed π (or no noise operations: EM has nothing to estimate): the
     * evaluation of the chosen automaton is the screening cache's fill */
    const tdm_data *d = ctx.d;
    const int one_pass = ctx.untimed && (ctx.noise_ops == 0 || (ctx.fixed_pi && ctx.em_iters == 1));
    unsigned it = 0;
    int failed = 0;
    for (; it < max_iters && !failed; it++) {
        cand *cands = NULL;
        size_t nc = gen_candidates(&cur, &cands);
        if (nc == 0) {
            free(cands);
            break;
        }
        double *costs = malloc(nc * sizeof *costs);
        uint8_t *stale = calloc(nc, 1);
        if (!costs || !stale) {
            free(stale);
            free(costs);
            free(cands);
            failed = 1;
            break;
        }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (size_t i = 0; i < nc; i++) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            skeleton cand_a = {0};
            uint32_t *smap = malloc(((size_t)cur.nq + 1) * sizeof *smap);
            if (!smap || apply_cand(&cur, &cands[i], &cand_a, smap) != 0) {
                free(smap);
                costs[i] = TDM_INF;
                continue;
            }
            costs[i] = gc->ready ? screen_fast(&screen, &cur, &cands[i], &cand_a, smap, &sc[tid], screen.fixed_pi, &stale[i])
                                 : evaluate(&screen, &cand_a, &sc[tid], NULL);
            free(smap);
            skeleton_free(&cand_a);
        }
        /* stage 2: the TDM_RESCORE best screened candidates (one EM iteration at the current
         * automaton's noise probabilities) get the full hard-EM evaluation; the choice is the lowest full cost, ties
         * by candidate index, so it does not depend on the thread count */
        size_t *ord = malloc(nc * sizeof *ord);
        if (!ord) {
            free(stale);
            free(costs);
            free(cands);
            failed = 1;
            break;
        }
        cost_idx *ck = malloc(nc * sizeof *ck);
        if (!ck) {
            free(stale);
            free(ord);
            free(costs);
            free(cands);
            failed = 1;
            break;
        }
        for (size_t i = 0; i < nc; i++) ck[i] = (cost_idx){costs[i], i};
        qsort(ck, nc, sizeof *ck, cmp_cost_idx);
        /* deletions screened with cached costs of earlier steps: the ones ranked among the best
         * 2 x TDM_RESCORE are screened again exactly, until the best TDM_RESCORE are all exact */
        for (;;) {
            size_t top = nc < 2 * TDM_RESCORE ? nc : 2 * TDM_RESCORE, nst = 0, redo[2 * TDM_RESCORE];
            int need = 0;
            for (size_t r = 0; r < top; r++)
                if (stale[ck[r].i]) {
                    redo[nst++] = ck[r].i;
                    need |= r < TDM_RESCORE;
                }
            if (!need) break;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
            for (size_t r = 0; r < nst; r++) {
                int tid = 0;
#ifdef _OPENMP
                tid = omp_get_thread_num();
#endif
                size_t i = redo[r];
                skeleton cand_a = {0};
                uint32_t *smap = malloc(((size_t)cur.nq + 1) * sizeof *smap);
                stale[i] = 0;
                if (!smap || apply_cand(&cur, &cands[i], &cand_a, smap) != 0)
                    costs[i] = TDM_INF;
                else
                    costs[i] = screen_fast(&screen, &cur, &cands[i], &cand_a, smap, &sc[tid], 0, &stale[i]);
                free(smap);
                skeleton_free(&cand_a);
            }
            for (size_t i = 0; i < nc; i++) ck[i] = (cost_idx){costs[i], i};
            qsort(ck, nc, sizeof *ck, cmp_cost_idx);
        }
        free(stale);
        for (size_t i = 0; i < nc; i++) ord[i] = ck[i].i;
        free(ck);
        size_t nre = nc < TDM_RESCORE ? nc : TDM_RESCORE;
        double full[TDM_RESCORE];
        /* without noise operations an unmatched word is sent verbatim whatever the automaton, so
         * the screening cost is the full cost (up to the order of the sums): no re-evaluation */
        const int screen_exact = gc->ready && ctx.noise_ops == 0;
        if (screen_exact)
            for (size_t r = 0; r < nre; r++) full[r] = costs[ord[r]];
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (size_t r = 0; r < (screen_exact ? 0 : nre); r++) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            skeleton cand_a = {0};
            full[r] = TDM_INF;
            if (!(costs[ord[r]] < TDM_INF) || apply_cand(&cur, &cands[ord[r]], &cand_a, NULL) != 0) continue;
            full[r] = evaluate(&ctx, &cand_a, &sc[tid], NULL);
            skeleton_free(&cand_a);
        }
        size_t bi = SIZE_MAX;
        double bcost = TDM_INF;
        for (size_t r = 0; r < nre; r++)
            if (full[r] < cost - 1e-6 && (full[r] < bcost || (full[r] == bcost && ord[r] < bi))) {
                bcost = full[r];
                bi = ord[r];
            }
        /* at fixed π, the improving deletions among the full evaluations, best first: tried
         * together below (the escape round deletes absorbed noise edges one by one otherwise) */
        cost_idx bl[TDM_RESCORE];
        size_t nb = 0;
        if (ctx.batch_deletions && bi != SIZE_MAX && cands[bi].type == 2) {
            for (size_t r = 0; r < nre; r++)
                if (full[r] < cost - 1e-6 && cands[ord[r]].type == 2) bl[nb++] = (cost_idx){full[r], ord[r]};
            qsort(bl, nb, sizeof *bl, cmp_cost_idx);
        }
        free(ord);
        if (bi == SIZE_MAX) {
            free(costs);
            free(cands);
            break;
        }
        /* cached deletion costs survive a deletion step at fixed π only */
        if (!ctx.fixed_pi || cands[bi].type != 2) gc->dvalid = gc->step;
        gc->step++;
        skeleton next = {0}, packed = {0};
        int batched = 0;
        /* several deletions at once: all improving ones, else the better half, kept when that
         * beats the best single step (the final state must stay reachable) */
        for (size_t k = nb; k >= 2 && !batched && !failed; k = k > 2 ? (k + 1) / 2 : 0) {
            uint32_t del[TDM_RESCORE];
            for (size_t i = 0; i < k; i++) del[i] = cands[bl[i].i].a;
            skeleton multi = {0};
            int rc = op_delete_set(&cur, del, k, &multi);
            if (rc < 0) {
                failed = 1;
                break;
            }
            if (rc == 0) {
                tdm_eval_result r2;
                double c2 = evaluate(one_pass ? &fill : &ctx, &multi, &sc[0], &r2);
                if (c2 < bcost - 1e-6) {
                    next = multi;
                    cost = c2;
                    cres = r2;
                    batched = 1;
                    continue;
                }
            }
            skeleton_free(&multi);
            if (k == 2) break;
        }
        if (!batched && !failed && apply_cand(&cur, &cands[bi], &next, NULL) != 0) failed = 1;
        free(costs);
        if (failed) {
            free(cands);
            break;
        }
        if (!batched) cost = evaluate(one_pass ? &fill : &ctx, &next, &sc[0], &cres);
        memcpy(cur_pi, cres.pi, TDM_NOPS * sizeof *cur_pi);
        if (compact(&next, &sc[0], &packed) != 0) {
            skeleton_free(&next);
            free(cands);
            failed = 1;
            break;
        }
        free(cands);
        /* one pass: the evaluation of next was the fill; its parse carries over to the compacted
         * automaton */
        int refill = !one_pass || compact_parse(d, &next, &sc[0]) != 0;
        skeleton_free(&next);
        skeleton_free(&cur);
        cur = packed;
        if (refill) evaluate(&fill, &cur, &sc[0], NULL);
        gcache_index(&fill, &cur, &sc[0]);
        sg_progress_update(prog, prog_base + it + 1);
    }
    *curp = cur;
    *costp = cost;
    *resp = cres;
    *iters = it;
    return failed ? -1 : 0;
}

double tdm_learn_screen_selfcheck(const sg_seq_set *set, unsigned noise_ops, unsigned rounds)
{
    tdm_data d;
    sg_error err = {0};
    if (data_build(&d, set, NULL, sg_seq_set_count(set), &err) != SG_OK) return -1;
    double pi[TDM_NOPS];
    prior_pi(noise_ops, pi);
    tdm_gcache gc = {0};
    tdm_learn_ctx fill = {&d, noise_ops, 1, 1, 1, 1, 1, &gc, 0, pi, 0};
    tdm_learn_ctx screen = fill;
    screen.use_cache = 1;
    tdm_eval_scratch sc = {0};
    skeleton cur = {0};
    double worst = 0;
    gc.unm = calloc(d.ng + 1, 1);
    gc.cc = calloc(d.ng + 1, sizeof *gc.cc);
    gc.uc = calloc(d.ng + 1, sizeof *gc.uc);
    gc.nc = calloc(d.ng + 1, sizeof *gc.nc);
    gc.nu = calloc(d.ng + 1, sizeof *gc.nu);
    if (!gc.unm || !gc.cc || !gc.uc || !gc.nc || !gc.nu || init_state_symbol(&d, &cur) != 0) worst = -1;
    for (unsigned r = 0; r < rounds && worst >= 0; r++) {
        evaluate(&fill, &cur, &sc, NULL);
        if (gcache_index(&fill, &cur, &sc) != 0 || !gc.ready) {
            worst = -1;
            break;
        }
        cand *cands = NULL;
        size_t nc = gen_candidates(&cur, &cands);
        size_t pick = SIZE_MAX;
        for (size_t i = 0; i < nc && worst >= 0; i++) {
            skeleton b = {0};
            uint32_t *smap = malloc(((size_t)cur.nq + 1) * sizeof *smap);
            uint8_t stale = 0;
            if (!smap || apply_cand(&cur, &cands[i], &b, smap) != 0) {
                free(smap);
                worst = -1;
                break;
            }
            double fast = screen_fast(&screen, &cur, &cands[i], &b, smap, &sc, 0, &stale);
            double slow = evaluate(&screen, &b, &sc, NULL);
            double rel = fabs(fast - slow) / fmax(1.0, fabs(slow));
            if (!(rel <= worst)) worst = rel; /* NaN or infinity propagate as a failure */
            free(smap);
            skeleton_free(&b);
            /* next automaton: a deletion on even rounds, a merge on odd ones */
            if (pick == SIZE_MAX && cands[i].type == (r % 2 ? 0 : 2)) pick = i;
        }
        skeleton next = {0};
        if (worst < 0 || pick == SIZE_MAX || apply_cand(&cur, &cands[pick], &next, NULL) != 0) {
            free(cands);
            break;
        }
        free(cands);
        skeleton_free(&cur);
        cur = next;
    }
    skeleton_free(&cur);
    scratch_free(&sc);
    gcache_free(&gc);
    data_free(&d);
    return worst;
}

/* ---- public entry point ------------------------------------------------------------------- */

void sg_tadam_learn_opts_init(sg_tadam_learn_opts *o)
{
    memset(o, 0, sizeof *o);
    o->noise_ops = SG_TADAM_NOISE_ALL;
    o->max_iters = 200;
    o->em_iters = 0; /* the learner's choice (learn_run) */
    o->max_verbatim = 0.5;
}

/* ---- final clean-up: edge deletions priced at the learnt noise model ----------------------- */

/* The proxy description length of automaton a with its matched words (visits mv, positions V,
 * words nm) and the groups newg[0..n) newly unmatched, at the soft-EM state of a (π and the
 * expected visits beyond the matched ones, xv): model + matched words + repairs + word-status code.
 * The words a leaves unmatched are priced again when exact, else to first order in the edge code
 * lengths (X: their expected uses of each edge, eb0: a's edge code lengths; an edge gone takes its
 * share of their repairs, X / ln 2 bits), or not at all (X NULL: a constant across deletions). */
static double cleanup_total(const tdm_learn_ctx *ctx, const skeleton *a, const tdm_gcache *gc, tdm_eval_scratch *s,
                            const double *pi, const double *xv, const double *mv, double V, size_t nm,
                            const uint32_t *newg, size_t n, const double *X, const double *eb0, int exact)
{
    const tdm_data *d = ctx->d;
    memcpy(s->mvis, mv, a->ne * sizeof *s->mvis);
    /* xv is the expected visits minus the matched ones and may be negative: never below -mv */
    for (uint32_t e = 0; e < a->ne; e++) s->xvis[e] = xv[e] > -mv[e] ? xv[e] : -mv[e];
    memset(s->mst, 0, a->ne * sizeof *s->mst);
    memset(s->xst, 0, a->ne * sizeof *s->xst);
    tdm_view v;
    prepare_view(d, a, s, pi, ctx->noise_ops, 1, 1, &v);
    double mc = v.op_bits[TDM_OP_TR] < TDM_INF ? V * v.op_bits[TDM_OP_TR] : 0;
    for (uint32_t e = 0; e < a->ne; e++)
        if (mv[e] > 0) mc += mv[e] * s->ebits[e];
    double cc = 0;
    size_t nc = gc->snc, nu = gc->snu;
    if (exact) {
        /* priced in lexicographic order (shared prefixes), summed in group order */
        nc = nu = 0;
        for (size_t k = 0; k < d->ng; k++) {
            const size_t g = d->glex[k], w0 = d->gword[g];
            if (!gc->unm[g]) continue;
            const double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
            s->gc0[g] = tdm_forward(&v, d->sym + d->woff[w0], d->wlen[w0], &s->dp, mult, group_explicit(d, g), NULL, NULL);
        }
        for (size_t g = 0; g < d->ng; g++) {
            if (!gc->unm[g]) continue;
            const double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]), ce = group_explicit(d, g);
            const double c0 = s->gc0[g];
            cc += mult * (c0 <= ce ? c0 : ce);
            if (c0 <= ce)
                nc += (size_t)mult;
            else
                nu += (size_t)mult;
        }
    } else if (X) {
        for (uint32_t e = 0; e < a->ne; e++) {
            if (!(X[e] > 0)) continue;
            cc += s->ebits[e] < TDM_INF ? X[e] * (s->ebits[e] - eb0[e]) : X[e] / log(2.0);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const size_t g = newg[i], w0 = d->gword[g];
        const double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]), ce = group_explicit(d, g);
        const double c0 = tdm_forward(&v, d->sym + d->woff[w0], d->wlen[w0], &s->dp, mult, ce, NULL, NULL);
        cc += mult * (c0 <= ce ? c0 : ce);
        if (c0 <= ce)
            nc += (size_t)mult;
        else
            nu += (size_t)mult;
    }
    const double N = (double)d->nw, ok = (double)(nm + nc);
    const double status = N > 0 ? xlog2x(ok, ok / N) + xlog2x((double)nu, (double)nu / N) : 0;
    return model_cost(d, a, s, ctx->noise_ops, 1) + mc + cc + status;
}

/* The matched visits, positions and words of a once edge del is deleted (its words unmatched,
 * listed in newg); returns their number. */
static size_t cleanup_unmatch(const tdm_data *d, const skeleton *a, const tdm_gcache *gc, uint32_t del, double *mv,
                              double *V, size_t *nm, uint32_t *newg)
{
    memcpy(mv, gc->mvis, a->ne * sizeof *mv);
    *V = gc->V;
    *nm = gc->n_matched;
    size_t nn = 0;
    for (size_t k = gc->eg_off[del]; k < gc->eg_off[del + 1]; k++) {
        const uint32_t g = gc->eg_g[k];
        const double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
        const int32_t *pa = gc->path + d->goff[g];
        for (uint32_t p = 0; p < d->glen[g]; p++) mv[pa[p]] -= mult;
        *V -= mult * d->glen[g];
        *nm -= (size_t)mult;
        newg[nn++] = g;
    }
    mv[del] = 0;
    return nn;
}

/* Every edge deletion of the final automaton (a, parse in gc) priced at its soft-EM state: to first
 * order for the words a leaves unmatched, then the TDM_CLEANUP_K best exactly (every unmatched
 * word priced again; in parallel). The deletions that lower the exact proxy, best first, go to out
 * (gain, edge); returns how many, or -1 when out of memory. */
static long cleanup_rank(const tdm_learn_ctx *ctx, const skeleton *a, const tdm_gcache *gc, tdm_eval_scratch *sc,
                         int nthreads, const double *pi, const double *xv, cost_idx *out)
{
    const tdm_data *d = ctx->d;
    tdm_eval_scratch *s = &sc[0];
    if (!gc->ready || gc->ne != a->ne) return 0;
    if (scratch_reserve(s, d, a) != 0) return -1;
    double *mv = malloc((a->ne ? a->ne : 1) * sizeof *mv);
    double *X = calloc((size_t)a->ne + 1, sizeof *X), *eb0 = malloc(((size_t)a->ne + 1) * sizeof *eb0);
    uint32_t *stack = malloc(((size_t)a->nq + 1) * sizeof *stack);
    uint8_t *seen = malloc((size_t)a->nq + 1);
    cost_idx *fo = malloc(((size_t)a->ne + 1) * sizeof *fo);
    long n = -1;
    if (!mv || !X || !eb0 || !stack || !seen || !fo) goto done;
    const double base = cleanup_total(ctx, a, gc, s, pi, xv, gc->mvis, gc->V, gc->n_matched, NULL, 0, NULL, NULL, 0);
    memcpy(eb0, s->ebits, a->ne * sizeof *eb0);
    {
        /* expected edge uses of the words a leaves unmatched (s holds a's view) */
        tdm_view v;
        prepare_view(d, a, s, pi, ctx->noise_ops, 1, 1, &v);
        double ops[TDM_NOPS] = {0};
        for (size_t g = 0; g < d->ng; g++) {
            if (!gc->unm[g]) continue;
            const size_t w0 = d->gword[g];
            const double mult = (double)(d->gmem_off[g + 1] - d->gmem_off[g]);
            tdm_forward(&v, d->sym + d->woff[w0], d->wlen[w0], &s->dp, mult, group_explicit(d, g), ops, X);
        }
    }
    size_t nf = 0;
    for (uint32_t del = 0; del < a->ne; del++) {
        if (!(gc->mvis[del] > 0) || !accepts_without(a, del, stack, seen)) continue;
        double V;
        size_t nm;
        const size_t nn = cleanup_unmatch(d, a, gc, del, mv, &V, &nm, s->newg);
        const double c = cleanup_total(ctx, a, gc, s, pi, xv, mv, V, nm, s->newg, nn, X, eb0, 0);
        if (c < base - 1e-6) fo[nf++] = (cost_idx){c - base, del};
    }
    qsort(fo, nf, sizeof *fo, cmp_cost_idx);
    if (nf > TDM_CLEANUP_K) nf = TDM_CLEANUP_K;
    const double base_x = cleanup_total(ctx, a, gc, s, pi, xv, gc->mvis, gc->V, gc->n_matched, NULL, 0, NULL, NULL, 1);
    double ex[TDM_CLEANUP_K];
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (size_t r = 0; r < nf; r++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        tdm_eval_scratch *t = &sc[tid];
        double *m = malloc((a->ne ? a->ne : 1) * sizeof *m);
        ex[r] = TDM_INF;
        if (!m || scratch_reserve(t, d, a) != 0) {
            free(m);
            continue;
        }
        double V;
        size_t nm;
        const size_t nn = cleanup_unmatch(d, a, gc, (uint32_t)fo[r].i, m, &V, &nm, t->newg);
        ex[r] = cleanup_total(ctx, a, gc, t, pi, xv, m, V, nm, t->newg, nn, NULL, NULL, 1);
        free(m);
    }
    n = 0;
    for (size_t r = 0; r < nf; r++)
        if (ex[r] < base_x - 1e-6) out[n++] = (cost_idx){ex[r] - base_x, fo[r].i};
    qsort(out, (size_t)n, sizeof *out, cmp_cost_idx);
done:
    free(mv);
    free(X);
    free(eb0);
    free(stack);
    free(seen);
    free(fo);
    return n;
}

/* One clean-up step: the deletions that lower the proxy (cleanup_rank) are applied together when
 * the full evaluation (EM from the learnt π, as in the search) says the description length falls,
 * else the better half, ..., else the best one alone. Returns 1 when *cur changed (compacted;
 * *costp and *cres updated), 0 when no deletion pays, -1 when out of memory. */
static int cleanup_step(const tdm_learn_ctx *ctx, skeleton *cur, const tdm_gcache *gc, tdm_eval_scratch *sc,
                        int nthreads, const double *pi, const double *xv, double *costp, tdm_eval_result *cres)
{
    cost_idx rk[TDM_CLEANUP_K];
    uint32_t del[TDM_CLEANUP_K];
    const long nr = cleanup_rank(ctx, cur, gc, sc, nthreads, pi, xv, rk);
    if (nr <= 0) return nr < 0 ? -1 : 0;
    tdm_learn_ctx full = *ctx;
    full.start_pi = pi;
    full.fixed_pi = 0;
    full.cache = NULL;
    full.use_cache = 0;
    const double base = evaluate(&full, cur, &sc[0], NULL);
    int rc = 0;
    for (size_t k = (size_t)nr; k >= 1 && rc == 0; k = k > 1 ? (k + 1) / 2 : 0) {
        for (size_t i = 0; i < k; i++) del[i] = (uint32_t)rk[i].i;
        skeleton multi = {0}, packed = {0};
        const int r = op_delete_set(cur, del, k, &multi);
        if (r < 0) return -1;
        if (r == 0) {
            tdm_eval_result r2;
            const double c2 = evaluate(&full, &multi, &sc[0], &r2);
            if (c2 < base - 1e-6) {
                if (compact(&multi, &sc[0], &packed) != 0) {
                    skeleton_free(&multi);
                    return -1;
                }
                skeleton_free(cur);
                *cur = packed;
                *costp = c2;
                *cres = r2;
                rc = 1;
            }
            skeleton_free(&multi);
        }
        if (k == 1) break;
    }
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* what a learning run holds, released on every way out */
static void learn_release(tdm_eval_scratch *sc, int nthreads, tdm_gcache *gc, skeleton *cur, tdm_data *d)
{
    for (int t = 0; t < nthreads; t++) scratch_free(&sc[t]);
    free(sc);
    gcache_free(gc);
    skeleton_free(cur);
    data_free(d);
}

static sg_status learn_run(const sg_seq_set *set, const size_t *idx, size_t n_idx, const sg_tadam_learn_opts *o,
                           int no_verbatim, sg_tadam_model **out, sg_error *err)
{
    *out = NULL;
    if (!set) return sg_error_set(err, SG_ERR_INVALID, "no sequences");
    size_t n = idx ? n_idx : sg_seq_set_count(set);
    if (n == 0) return sg_error_set(err, SG_ERR_EMPTY, "no sequences to learn from");
    if (n > (size_t)UINT32_MAX / 2) return sg_error_set(err, SG_ERR_RANGE, "too many sequences (%zu)", n);
    double t0 = now_s();
    tdm_data d;
    sg_status st = data_build(&d, set, idx, n, err);
    if (st != SG_OK) return st;
    d.no_verbatim = no_verbatim;
    if (d.nsym > TDM_MAX_SYMBOLS) {
        size_t ns = d.nsym;
        data_free(&d);
        return sg_error_set(err, SG_ERR_RANGE,
                            "%zu distinct symbols: more than %d for one automaton (group the data, e.g. --by port)",
                            ns - 1, TDM_MAX_SYMBOLS);
    }
    if (d.total_events > (size_t)INT32_MAX / 4) {
        data_free(&d);
        return sg_error_set(err, SG_ERR_RANGE, "too many events (%zu)", d.total_events);
    }
    /* EM iterations per evaluation: the symbols-only (soft EM) search starts every evaluation at
     * the current automaton's π, which a third iteration moved little (same automata on clean
     * HDFS, 0.7x the time under noise); the timed search's hard EM keeps 3 */
    const unsigned em_default = (o->untimed || !o->timed_search) && !o->hard_em ? 2 : 3;
    tdm_learn_ctx ctx = {&d,   o->noise_ops & SG_TADAM_NOISE_ALL, o->em_iters ? o->em_iters : em_default, o->untimed || !o->timed_search,
                         o->untimed, !o->hard_em, 0, NULL, 0, NULL, 0};
    const int soft = ctx.soft && ctx.untimed && ctx.noise_ops;
    double cur_pi[TDM_NOPS];
    tdm_gcache gc = {0};
    gc.unm = calloc(d.ng + 1, 1);
    gc.cc = calloc(d.ng + 1, sizeof *gc.cc);
    gc.uc = calloc(d.ng + 1, sizeof *gc.uc);
    gc.nc = calloc(d.ng + 1, sizeof *gc.nc);
    gc.nu = calloc(d.ng + 1, sizeof *gc.nu);
    int nthreads = o->threads > 0 ? o->threads : sg_threads_get();
    if (nthreads < 1) nthreads = 1;
    tdm_eval_scratch *sc = calloc((size_t)nthreads, sizeof *sc);
    skeleton cur = {0};
    if (!sc || !gc.unm || !gc.cc || !gc.uc || !gc.nc || !gc.nu || init_state_symbol(&d, &cur) != 0) {
        free(sc);
        gcache_free(&gc);
        data_free(&d);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    tdm_eval_result cres;
    double cost = TDM_INF;
    unsigned it = 0;
    unsigned max_iters = o->max_iters ? o->max_iters : 200;
    /* Warm start: with noise operations, the search first runs without them, then continues from
     * that automaton with them. The noise model contains the noise-free one (π_tr -> 1 gives it
     * back up to the bits naming the enabled ops), but a search started with the noise operations
     * takes early cheap deletions (words left to repair) that later block the state splits the
     * noise-free search finds, and stopped at a worse description length (HDFS: 76.0k against
     * 66.5k bits). Continuing from the noise-free optimum can only lower the cost from there.
     * (Tried and dropped, see docs/tadam.md "Noise": pruning every edge below an MDL-chosen share
     * at once, with EM to convergence, after the search or instead of the warm start; with soft
     * EM, a cold start: slower and a higher description length on HDFS.) */
    unsigned phase_ops[2] = {0, ctx.noise_ops};
    int p0 = ctx.noise_ops ? 0 : 1;
    sg_progress *prog = o->quiet ? NULL : sg_progress_create("tadam search", max_iters * (unsigned)(2 - p0));
    int failed = 0;
    for (int ph = p0; ph < 2 && !failed; ph++) {
        tdm_learn_ctx pctx = ctx;
        pctx.noise_ops = phase_ops[ph];
        prior_pi(pctx.noise_ops, cur_pi);
        if (ph == 1 && soft) {
            /* The noise-free phase ends with an automaton that parses (nearly) every word, its
             * frequent noise absorbed into edges. EM cannot leave that point: with no word to
             * repair the noise counts are zero, pi collapses to the pseudo-counts (~1e-4 per op,
             * 13 bits), and no single edge deletion pays at that price although deleting all the
             * noise edges would. So the noise phase first searches at fixed noise levels, low
             * then the prior (one cost iteration per candidate), then re-estimates pi by soft EM
             * over every word and continues with pi re-estimated in every cost evaluation. */
            for (int r = 0; r < 2 && !failed; r++) {
                tdm_learn_ctx r0 = pctx;
                r0.fixed_pi = 1;
                r0.em_iters = 1;
                r0.batch_deletions = r == 0;
                if (r == 0)
                    escape_pi(pctx.noise_ops, cur_pi);
                else
                    prior_pi(pctx.noise_ops, cur_pi);
                unsigned pit = 0;
                failed = search(&r0, cur_pi, &gc, sc, nthreads, &cur, &cost, &cres, max_iters, &pit, prog, it) != 0;
                it += pit;
            }
            if (failed) break;
            tdm_learn_ctx fx = pctx;
            fx.start_pi = cur_pi;
            fx.fixed_pi = 1;
            evaluate(&fx, &cur, &sc[0], NULL);
            soft_em(&fx, &cur, &sc[0], cur_pi, TDM_MID_EM);
        }
        unsigned pit = 0;
        failed = search(&pctx, cur_pi, &gc, sc, nthreads, &cur, &cost, &cres, max_iters, &pit, prog, it) != 0;
        it += pit;
    }
    sg_progress_destroy(prog);
    if (failed) {
        learn_release(sc, nthreads, &gc, &cur, &d);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory during the search");
    }
    ctx.start_pi = cur_pi;
    if (soft) {
        /* the noise probabilities of the final automaton: soft EM over every word. Then the
         * clean-up: the free search screens a candidate at one EM iteration, with edge
         * probabilities from the matched words only, and on noisy data stops with single edge
         * deletions that its own full evaluation prices as improving (HDFS whole split, 10 %
         * noise: 17 of its 122 edges, together -587 bits). Each round prices every deletion at the
         * learnt π and expected visits and tries the improving ones together (cleanup_step), up
         * to TDM_CLEANUP rounds, each followed by soft EM for the new automaton. */
        tdm_learn_ctx fx = ctx;
        fx.fixed_pi = 1;
        for (int round = 0; !failed; round++) {
            evaluate(&fx, &cur, &sc[0], NULL);
            soft_em(&fx, &cur, &sc[0], cur_pi, 20);
            if (round == TDM_CLEANUP || !gc.ready || o->no_cleanup) break;
            double *xv = malloc(((size_t)cur.ne + 1) * sizeof *xv);
            if (!xv) {
                failed = 1;
                break;
            }
            memcpy(xv, sc[0].xvis, cur.ne * sizeof *xv);
            tdm_learn_ctx cl = ctx;
            cl.fixed_pi = 0;
            const int rc = cleanup_step(&cl, &cur, &gc, sc, nthreads, cur_pi, xv, &cost, &cres);
            free(xv);
            if (rc < 0) failed = 1;
            if (rc != 1) break;
            /* the parse of the new automaton for the next round's proxy */
            memcpy(cur_pi, cres.pi, TDM_NOPS * sizeof *cur_pi);
            tdm_learn_ctx fill = cl;
            fill.em_iters = 1;
            fill.cache = &gc;
            evaluate(&fill, &cur, &sc[0], NULL);
            if (gcache_index(&fill, &cur, &sc[0]) != 0) failed = 1;
        }
        ctx.fixed_pi = 1;
        if (failed) {
            learn_release(sc, nthreads, &gc, &cur, &d);
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory during the clean-up");
        }
    }
    cost = evaluate(&ctx, &cur, &sc[0], &cres);
    sg_tadam_model *m = tdm_model_alloc();
    if (!m) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK) st = build_model(&ctx, &cur, &sc[0], &cres, m, err);
    if (st == SG_OK) {
        const sg_seq *s0 = sg_seq_set_get(set, idx ? idx[0] : 0);
        m->proto = s0->proto;
        m->port = s0->service_port;
        m->name = strdup(o->name ? o->name : "all");
        m->iterations = it;
        m->learn_seconds = now_s() - t0;
        m->scale_iat = TDM_SCALE_IAT;
        m->scale_payload = TDM_SCALE_PAYLOAD;
        if (!m->name) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    learn_release(sc, nthreads, &gc, &cur, &d);
    if (st != SG_OK) {
        sg_tadam_model_destroy(m);
        return st;
    }
    *out = m;
    return SG_OK;
}

sg_status sg_tadam_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx, const sg_tadam_learn_opts *o,
                         sg_tadam_model **out, sg_error *err)
{
    sg_tadam_learn_opts def;
    if (!o) {
        sg_tadam_learn_opts_init(&def);
        o = &def;
    }
    sg_status st = learn_run(set, idx, n_idx, o, 0, out, err);
    if (st != SG_OK || !((double)(*out)->n_uncorrected > o->max_verbatim * (double)(*out)->n_train)) return st;
    /* Minimum-structure rule: the MDL optimum sends more words verbatim than allowed (on a dozen
     * short words no automaton pays for itself: DHCP, DNS over TCP), yet a generator needs an
     * automaton that produces the training words. The search runs again from the state-symbol
     * automaton (which parses every word) with verbatim words infeasible: MDL then chooses among
     * the automata that explain every word, by parse or repair. */
    sg_tadam_model *m = NULL;
    double t = (*out)->learn_seconds;
    st = learn_run(set, idx, n_idx, o, 1, &m, err);
    if (st != SG_OK) {
        sg_tadam_model_destroy(*out);
        *out = NULL;
        return st;
    }
    m->no_verbatim = 1;
    m->mdl_uncorrected = (*out)->n_uncorrected;
    m->iterations += (*out)->iterations;
    m->learn_seconds += t;
    sg_tadam_model_destroy(*out);
    *out = m;
    return SG_OK;
}
