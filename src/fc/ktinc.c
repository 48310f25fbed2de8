/* Incremental KT data cost of a Bayesian network with a fixed structure (spec §4, §5.2): count
 * tables per node kept up to date as records enter and leave the record set, so that the cost of a
 * change is computed from the changed records only (the search moves a few windows per candidate
 * test; recounting a pattern's or the base BN's whole record set made each test O(n)).
 *
 * Per node X with parents Π and r = observed states of X over the current records:
 *   KT(X) = [r > 1] · ( Σ_j [lnΓ(N_j + r/2) − lnΓ(r/2)] − Σ_{j,x} [lnΓ(N_jx + ½) − lnΓ(½)] ) / ln 2
 * s1 is the first sum for the current r, s2 the second. When r changes, s1 is recomputed from the
 * histogram of the N_j (configurations grouped by count: at most √(2·records) distinct counts). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

/* ---- a small open-addressing map (uint64, uint64) -> int64; entries are never removed (a count
 * that falls to 0 stays as a 0 entry, which every user treats as absent) ---------------------- */
typedef struct kslot {
    uint64_t a, b;
    int64_t v;
} kslot;

typedef struct kmap {
    kslot *s;
    uint8_t *used;
    size_t cap, n; /* cap is a power of two */
} kmap;

static uint64_t kmix(uint64_t a, uint64_t b)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    return h;
}

static int kmap_init(kmap *m, size_t hint)
{
    size_t cap = 16;
    while (cap < 2 * hint + 16) cap *= 2;
    m->s = malloc(cap * sizeof *m->s);
    m->used = calloc(cap, 1);
    m->cap = cap;
    m->n = 0;
    if (!m->s || !m->used) {
        free(m->s);
        free(m->used);
        m->s = NULL;
        m->used = NULL;
        return -1;
    }
    return 0;
}

static void kmap_free(kmap *m)
{
    free(m->s);
    free(m->used);
    m->s = NULL;
    m->used = NULL;
    m->cap = m->n = 0;
}

static int64_t kmap_get(const kmap *m, uint64_t a, uint64_t b)
{
    if (!m->cap) return 0;
    size_t mask = m->cap - 1, i = (size_t)kmix(a, b) & mask;
    while (m->used[i]) {
        if (m->s[i].a == a && m->s[i].b == b) return m->s[i].v;
        i = (i + 1) & mask;
    }
    return 0;
}

static int kmap_grow(kmap *m)
{
    kmap nm;
    if (kmap_init(&nm, m->cap) != 0) return -1;
    size_t mask = nm.cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i]) continue;
        size_t j = (size_t)kmix(m->s[i].a, m->s[i].b) & mask;
        while (nm.used[j]) j = (j + 1) & mask;
        nm.used[j] = 1;
        nm.s[j] = m->s[i];
        nm.n++;
    }
    kmap_free(m);
    *m = nm;
    return 0;
}

/* pointer to the value of (a, b), inserted as 0 if absent; NULL on OOM. Valid until the next call. */
static int64_t *kmap_at(kmap *m, uint64_t a, uint64_t b)
{
    if ((m->n + 1) * 10 >= m->cap * 7 && kmap_grow(m) != 0) return NULL;
    size_t mask = m->cap - 1, i = (size_t)kmix(a, b) & mask;
    while (m->used[i]) {
        if (m->s[i].a == a && m->s[i].b == b) return &m->s[i].v;
        i = (i + 1) & mask;
    }
    m->used[i] = 1;
    m->s[i] = (kslot){a, b, 0};
    m->n++;
    return &m->s[i].v;
}

/* ---- the engine ------------------------------------------------------------------------------ */
typedef struct kt_node {
    size_t k;
    size_t par[3];
    kmap st;   /* x -> count */
    kmap cfg;  /* j -> N_j */
    kmap cx;   /* (j, x) -> N_jx */
    kmap hist; /* N_j -> number of configurations with that count */
    size_t hist_live;
    size_t r;
    double s1, s2; /* natural log */
} kt_node;

struct fc_kt {
    size_t m;
    kt_node *nodes;
    size_t nrec;
};

static const double LG_HALF = 0.57236494292470008707; /* lnΓ(½) = ln √π */

static double g_half(int64_t n) { return n > 0 ? lgamma((double)n + 0.5) - LG_HALF : 0.0; }
static double f_r(int64_t n, size_t r)
{
    if (n <= 0 || r == 0) return 0.0;
    double h = (double)r / 2.0;
    return lgamma((double)n + h) - lgamma(h);
}

static void node_keys(const kt_node *nd, const uint32_t *rec, uint64_t *ja, uint64_t *jb)
{
    uint32_t p[3] = {0, 0, 0};
    for (size_t i = 0; i < nd->k; i++) p[i] = rec[nd->par[i]];
    *ja = (uint64_t)p[0] | (uint64_t)p[1] << 32;
    *jb = (uint64_t)p[2];
}

static double node_bits(size_t r, double s1, double s2) { return r > 1 ? (s1 - s2) / M_LN2 : 0.0; }

/* s1 for a given r from the histogram of N_j */
static double s1_from_hist(const kt_node *nd, size_t r)
{
    double s = 0.0;
    for (size_t i = 0; i < nd->hist.cap; i++)
        if (nd->hist.used[i] && nd->hist.s[i].v > 0) s += (double)nd->hist.s[i].v * f_r((int64_t)nd->hist.s[i].a, r);
    return s;
}

fc_kt *fc_kt_create(const sg_bn *bn)
{
    size_t m = sg_bn_nvars(bn);
    for (size_t v = 0; v < m; v++)
        if (sg_bn_nparents(bn, v) > 3) return NULL;
    fc_kt *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->m = m;
    k->nodes = calloc(m ? m : 1, sizeof *k->nodes);
    if (!k->nodes) {
        free(k);
        return NULL;
    }
    for (size_t v = 0; v < m; v++) {
        kt_node *nd = &k->nodes[v];
        nd->k = sg_bn_nparents(bn, v);
        const size_t *par = sg_bn_parents(bn, v);
        for (size_t i = 0; i < nd->k; i++) nd->par[i] = par[i];
        if (kmap_init(&nd->st, 16) || kmap_init(&nd->cfg, 16) || kmap_init(&nd->cx, 16) || kmap_init(&nd->hist, 16)) {
            fc_kt_destroy(k);
            return NULL;
        }
    }
    return k;
}

void fc_kt_destroy(fc_kt *k)
{
    if (!k) return;
    for (size_t v = 0; v < k->m; v++) {
        kmap_free(&k->nodes[v].st);
        kmap_free(&k->nodes[v].cfg);
        kmap_free(&k->nodes[v].cx);
        kmap_free(&k->nodes[v].hist);
    }
    free(k->nodes);
    free(k);
}

double fc_kt_bits(const fc_kt *k)
{
    double s = 0.0;
    for (size_t v = 0; v < k->m; v++) s += node_bits(k->nodes[v].r, k->nodes[v].s1, k->nodes[v].s2);
    return s;
}

size_t fc_kt_records(const fc_kt *k) { return k->nrec; }

/* Per-node change of a batch: aggregated count deltas of states, configurations and cells. */
typedef struct node_delta {
    kmap dst, dcfg, dcx;
} node_delta;

static int delta_collect(const kt_node *nd, size_t v, const uint32_t *add, size_t nadd, const uint32_t *rem, size_t nrem,
                         size_t m, node_delta *D)
{
    size_t hint = nadd + nrem;
    if (kmap_init(&D->dst, hint) || kmap_init(&D->dcfg, hint) || kmap_init(&D->dcx, hint)) return -1;
    for (int pass = 0; pass < 2; pass++) {
        const uint32_t *recs = pass ? rem : add;
        size_t nr = pass ? nrem : nadd;
        int64_t sgn = pass ? -1 : 1;
        for (size_t i = 0; i < nr; i++) {
            const uint32_t *rec = recs + i * m;
            uint64_t ja, jb;
            node_keys(nd, rec, &ja, &jb);
            uint64_t x = rec[v];
            int64_t *p;
            if (!(p = kmap_at(&D->dst, x, 0))) return -1;
            *p += sgn;
            if (!(p = kmap_at(&D->dcfg, ja, jb))) return -1;
            *p += sgn;
            if (!(p = kmap_at(&D->dcx, ja, jb | x << 32))) return -1;
            *p += sgn;
        }
    }
    return 0;
}

static void delta_free(node_delta *D)
{
    kmap_free(&D->dst);
    kmap_free(&D->dcfg);
    kmap_free(&D->dcx);
}

/* new r, s1, s2 of node nd after the change D */
static void node_after(const kt_node *nd, const node_delta *D, size_t *r_out, double *s1_out, double *s2_out)
{
    long r = (long)nd->r;
    for (size_t i = 0; i < D->dst.cap; i++) {
        if (!D->dst.used[i] || D->dst.s[i].v == 0) continue;
        int64_t o = kmap_get(&nd->st, D->dst.s[i].a, 0), n = o + D->dst.s[i].v;
        if (o == 0 && n > 0) r++;
        else if (o > 0 && n == 0) r--;
    }
    size_t nr = (size_t)r;
    double ds2 = 0.0;
    for (size_t i = 0; i < D->dcx.cap; i++) {
        if (!D->dcx.used[i] || D->dcx.s[i].v == 0) continue;
        int64_t o = kmap_get(&nd->cx, D->dcx.s[i].a, D->dcx.s[i].b);
        ds2 += g_half(o + D->dcx.s[i].v) - g_half(o);
    }
    double s1 = nr == nd->r ? nd->s1 : s1_from_hist(nd, nr);
    for (size_t i = 0; i < D->dcfg.cap; i++) {
        if (!D->dcfg.used[i] || D->dcfg.s[i].v == 0) continue;
        int64_t o = kmap_get(&nd->cfg, D->dcfg.s[i].a, D->dcfg.s[i].b);
        s1 += f_r(o + D->dcfg.s[i].v, nr) - f_r(o, nr);
    }
    *r_out = nr;
    *s1_out = s1;
    *s2_out = nd->s2 + ds2;
}

double fc_kt_delta(const fc_kt *k, const uint32_t *add, size_t nadd, const uint32_t *rem, size_t nrem)
{
    if (nadd == 0 && nrem == 0) return 0.0;
    double d = 0.0;
    for (size_t v = 0; v < k->m; v++) {
        const kt_node *nd = &k->nodes[v];
        node_delta D;
        memset(&D, 0, sizeof D);
        if (delta_collect(nd, v, add, nadd, rem, nrem, k->m, &D) != 0) {
            delta_free(&D);
            return NAN;
        }
        size_t r;
        double s1, s2;
        node_after(nd, &D, &r, &s1, &s2);
        d += node_bits(r, s1, s2) - node_bits(nd->r, nd->s1, nd->s2);
        delta_free(&D);
    }
    return d;
}

sg_status fc_kt_apply(fc_kt *k, const uint32_t *add, size_t nadd, const uint32_t *rem, size_t nrem)
{
    if (nadd == 0 && nrem == 0) return SG_OK;
    for (size_t v = 0; v < k->m; v++) {
        kt_node *nd = &k->nodes[v];
        node_delta D;
        memset(&D, 0, sizeof D);
        if (delta_collect(nd, v, add, nadd, rem, nrem, k->m, &D) != 0) {
            delta_free(&D);
            return SG_ERR_NOMEM;
        }
        size_t r;
        double s1, s2;
        node_after(nd, &D, &r, &s1, &s2);
        int64_t *p;
        for (size_t i = 0; i < D.dst.cap; i++) {
            if (!D.dst.used[i] || D.dst.s[i].v == 0) continue;
            if (!(p = kmap_at(&nd->st, D.dst.s[i].a, 0))) goto oom;
            *p += D.dst.s[i].v;
        }
        for (size_t i = 0; i < D.dcx.cap; i++) {
            if (!D.dcx.used[i] || D.dcx.s[i].v == 0) continue;
            if (!(p = kmap_at(&nd->cx, D.dcx.s[i].a, D.dcx.s[i].b))) goto oom;
            *p += D.dcx.s[i].v;
        }
        for (size_t i = 0; i < D.dcfg.cap; i++) {
            if (!D.dcfg.used[i] || D.dcfg.s[i].v == 0) continue;
            if (!(p = kmap_at(&nd->cfg, D.dcfg.s[i].a, D.dcfg.s[i].b))) goto oom;
            int64_t o = *p, n = o + D.dcfg.s[i].v;
            *p = n;
            if (o > 0) {
                if (!(p = kmap_at(&nd->hist, (uint64_t)o, 0))) goto oom;
                if (--*p == 0) nd->hist_live--;
            }
            if (n > 0) {
                if (!(p = kmap_at(&nd->hist, (uint64_t)n, 0))) goto oom;
                if ((*p)++ == 0) nd->hist_live++;
            }
        }
        /* compact the histogram when dead counts dominate (its scan cost follows its capacity) */
        if (nd->hist.n > 64 && nd->hist.n > 4 * nd->hist_live) {
            kmap h;
            if (kmap_init(&h, nd->hist_live) != 0) goto oom;
            for (size_t i = 0; i < nd->hist.cap; i++)
                if (nd->hist.used[i] && nd->hist.s[i].v > 0) {
                    if (!(p = kmap_at(&h, nd->hist.s[i].a, 0))) {
                        kmap_free(&h);
                        goto oom;
                    }
                    *p = nd->hist.s[i].v;
                }
            kmap_free(&nd->hist);
            nd->hist = h;
        }
        /* a changed r re-derives s1 exactly from the histogram (no drift) */
        nd->s1 = r != nd->r ? s1_from_hist(nd, r) : s1;
        nd->r = r;
        nd->s2 = s2;
        delta_free(&D);
        continue;
    oom:
        delta_free(&D);
        return SG_ERR_NOMEM;
    }
    k->nrec = k->nrec + nadd - nrem;
    return SG_OK;
}
