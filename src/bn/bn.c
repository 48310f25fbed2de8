/* Bayesian networks over discrete variables: structure (BIC hill climbing), MDL costs (KT,
 * structure), K2-style parameters, ancestral sampling. See include/secgen/bn.h and
 * specs/flowchronicle.md §5. */
#include "secgen/bn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bn/bn_internal.h"

/* ---- small helpers ------------------------------------------------------------------------ */

double sg_log2_binom(double n, double k)
{
    if (k <= 0 || k >= n) return 0.0;
    return (lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)) / M_LN2;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- local codes: observed states relabelled 0..r-1 in code order ------------------------- */

/* loc[i] = rank of the record's code among the observed codes; returns r (0 if n == 0) or
 * (size_t)-1 on OOM. states (optional) receives the observed codes (malloc'd). */
size_t sg_bn__local_codes(const sg_bn_data *d, size_t v, uint32_t *loc, uint32_t **states)
{
    size_t n = d->nrows;
    if (states) *states = NULL;
    if (n == 0) return 0;
    uint32_t maxc = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = sg_bn_data_at(d, i, v);
        if (c > maxc) maxc = c;
    }
    size_t r = 0;
    if ((size_t)maxc < 4 * n + 4096) {
        /* dense map */
        uint32_t *map = malloc(((size_t)maxc + 1) * sizeof *map);
        if (!map) return (size_t)-1;
        memset(map, 0xff, ((size_t)maxc + 1) * sizeof *map);
        for (size_t i = 0; i < n; i++) map[sg_bn_data_at(d, i, v)] = 0;
        for (size_t c = 0; c <= maxc; c++)
            if (map[c] == 0) map[c] = (uint32_t)r++;
        if (states) {
            *states = malloc((r ? r : 1) * sizeof **states);
            if (!*states) {
                free(map);
                return (size_t)-1;
            }
            for (size_t c = 0; c <= maxc; c++)
                if (map[c] != UINT32_MAX) (*states)[map[c]] = (uint32_t)c;
        }
        for (size_t i = 0; i < n; i++) loc[i] = map[sg_bn_data_at(d, i, v)];
        free(map);
    } else {
        uint32_t *s = malloc(n * sizeof *s);
        if (!s) return (size_t)-1;
        for (size_t i = 0; i < n; i++) s[i] = sg_bn_data_at(d, i, v);
        qsort(s, n, sizeof *s, cmp_u32);
        for (size_t i = 0; i < n; i++)
            if (r == 0 || s[r - 1] != s[i]) s[r++] = s[i];
        for (size_t i = 0; i < n; i++) {
            uint32_t c = sg_bn_data_at(d, i, v);
            size_t lo = 0, hi = r;
            while (lo + 1 < hi) {
                size_t mid = (lo + hi) / 2;
                if (s[mid] <= c) lo = mid;
                else hi = mid;
            }
            loc[i] = (uint32_t)lo;
        }
        if (states) *states = s;
        else free(s);
    }
    return r;
}

/* ---- counting ------------------------------------------------------------------------------
 * A view of the data in local codes: loc[v][i] in 0..r[v]-1. */
typedef struct local_view {
    size_t n, m;    /* records, variables */
    uint32_t **loc; /* loc[v][i]: local code (rank among v's observed states) of record i */
    size_t *r;      /* r[v]: number of observed states of v */
} local_view;

static void local_view_free(local_view *L)
{
    if (!L->loc) return;
    for (size_t v = 0; v < L->m; v++) free(L->loc[v]);
    free(L->loc);
    free(L->r);
    L->loc = NULL;
}

static int local_view_init(local_view *L, const sg_bn_data *d, size_t m)
{
    L->n = d->nrows;
    L->m = m;
    L->loc = calloc(m ? m : 1, sizeof *L->loc);
    L->r = calloc(m ? m : 1, sizeof *L->r);
    if (!L->loc || !L->r) {
        free(L->loc);
        free(L->r);
        L->loc = NULL;
        return -1;
    }
    for (size_t v = 0; v < m; v++) {
        L->loc[v] = malloc((L->n ? L->n : 1) * sizeof(uint32_t));
        if (!L->loc[v]) {
            local_view_free(L);
            return -1;
        }
        size_t r = sg_bn__local_codes(d, v, L->loc[v], NULL);
        if (r == (size_t)-1) {
            local_view_free(L);
            return -1;
        }
        L->r[v] = r;
    }
    return 0;
}

typedef struct keyrec {
    uint64_t key;
    uint32_t rec;
} keyrec;

static int cmp_keyrec(const void *a, const void *b)
{
    const keyrec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->rec > y->rec) - (x->rec < y->rec);
}

/* Relabel keys[0..n-1] to dense ranks preserving order; returns the number of distinct keys. */
static size_t densify(uint64_t *keys, size_t n)
{
    uint64_t *s = malloc(n * sizeof *s);
    if (!s) return 0;
    memcpy(s, keys, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || s[u - 1] != s[i]) s[u++] = s[i];
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = u;
        while (lo + 1 < hi) {
            size_t mid = (lo + hi) / 2;
            if (s[mid] <= keys[i]) lo = mid;
            else hi = mid;
        }
        keys[i] = lo;
    }
    free(s);
    return u;
}

/* Configuration keys of the parents for every record: order-preserving (lexicographic in the
 * parents' local codes, i.e. in their codes). Returns the key range, 0 on OOM. */
static uint64_t parent_keys(const local_view *L, const size_t *par, size_t k, uint64_t *key)
{
    size_t n = L->n;
    uint64_t range = 1;
    for (size_t i = 0; i < n; i++) key[i] = 0;
    for (size_t p = 0; p < k; p++) {
        uint64_t rp = L->r[par[p]] ? L->r[par[p]] : 1;
        if (range > (UINT64_C(1) << 62) / rp) {
            range = densify(key, n);
            if (range == 0) return 0;
        }
        const uint32_t *lp = L->loc[par[p]];
        for (size_t i = 0; i < n; i++) key[i] = key[i] * rp + lp[i];
        range *= rp;
    }
    return range;
}

/* Visit the non-empty count table of v given parents: for each configuration (in lexicographic
 * order of parent codes) calls fn(ctx, rep_record, counts, r) with counts[0..r-1] over the
 * observed states of v (zeros included). Returns 0, -1 on OOM. */
typedef void (*cfg_visit_fn)(void *ctx, size_t rep, const uint64_t *counts, size_t r);

static int visit_counts(const local_view *L, size_t v, const size_t *par, size_t k, cfg_visit_fn fn, void *ctx)
{
    size_t n = L->n, r = L->r[v];
    if (n == 0) return 0;
    uint64_t *key = malloc(n * sizeof *key);
    uint64_t *cnt = calloc(r, sizeof *cnt);
    if (!key || !cnt) {
        free(key);
        free(cnt);
        return -1;
    }
    uint64_t range = parent_keys(L, par, k, key);
    if (range == 0) {
        free(key);
        free(cnt);
        return -1;
    }
    const uint32_t *lv = L->loc[v];
    int rc = 0;
    if (range * (uint64_t)r <= (uint64_t)(8 * n + 65536) && range <= (UINT64_C(1) << 32)) {
        /* dense table; representative = first record of the configuration */
        uint32_t *tab = calloc(range * r, sizeof *tab);
        size_t *rep = malloc(range * sizeof *rep);
        if (!tab || !rep) {
            rc = -1; /* both are freed below */
        } else {
            for (size_t j = 0; j < range; j++) rep[j] = SIZE_MAX;
            for (size_t i = 0; i < n; i++) {
                tab[key[i] * r + lv[i]]++;
                if (rep[key[i]] == SIZE_MAX) rep[key[i]] = i;
            }
            for (size_t j = 0; j < range; j++) {
                if (rep[j] == SIZE_MAX) continue;
                for (size_t s = 0; s < r; s++) cnt[s] = tab[j * r + s];
                fn(ctx, rep[j], cnt, r);
            }
        }
        free(tab);
        free(rep);
    } else {
        keyrec *kr = malloc(n * sizeof *kr);
        if (!kr) {
            rc = -1;
        } else {
            for (size_t i = 0; i < n; i++) {
                kr[i].key = key[i];
                kr[i].rec = (uint32_t)i;
            }
            qsort(kr, n, sizeof *kr, cmp_keyrec);
            size_t i = 0;
            while (i < n) {
                size_t j = i;
                memset(cnt, 0, r * sizeof *cnt);
                while (j < n && kr[j].key == kr[i].key) {
                    cnt[lv[kr[j].rec]]++;
                    j++;
                }
                fn(ctx, kr[i].rec, cnt, r);
                i = j;
            }
        }
        free(kr);
    }
    free(key);
    free(cnt);
    return rc;
}

/* ---- scores --------------------------------------------------------------------------------- */

static void bic_visit(void *ctx, size_t rep, const uint64_t *c, size_t r)
{
    (void)rep;
    double *acc = ctx;
    uint64_t nj = 0;
    for (size_t s = 0; s < r; s++) nj += c[s];
    double lnj = log((double)nj);
    for (size_t s = 0; s < r; s++)
        if (c[s]) *acc += (double)c[s] * (log((double)c[s]) - lnj);
}

static double local_view_bic(const local_view *L, size_t v, const size_t *par, size_t k)
{
    if (L->n == 0) return 0.0;
    double ll = 0.0;
    if (visit_counts(L, v, par, k, bic_visit, &ll) != 0) return -INFINITY;
    double q = 1.0;
    for (size_t p = 0; p < k; p++) q *= (double)L->r[par[p]];
    return ll - 0.5 * log((double)L->n) * q * ((double)L->r[v] - 1.0);
}

double sg_bn_kt_counts(const uint64_t *counts, size_t r)
{
    /* r = alphabet size (observed states); zero counts contribute 0 */
    uint64_t nj = 0;
    double s = 0.0;
    for (size_t k = 0; k < r; k++) {
        nj += counts[k];
        if (counts[k]) s += lgamma((double)counts[k] + 0.5) - lgamma(0.5);
    }
    if (nj == 0 || r <= 1) return 0.0;
    double half = (double)r / 2.0;
    return (lgamma((double)nj + half) - lgamma(half) - s) / M_LN2;
}

static void kt_visit(void *ctx, size_t rep, const uint64_t *c, size_t r)
{
    (void)rep;
    *(double *)ctx += sg_bn_kt_counts(c, r);
}

static double local_view_kt(const local_view *L, size_t v, const size_t *par, size_t k)
{
    if (L->n == 0 || L->r[v] <= 1) return 0.0;
    double acc = 0.0;
    if (visit_counts(L, v, par, k, kt_visit, &acc) != 0) return NAN;
    return acc;
}

double sg_bn_local_bic(const sg_bn_data *data, size_t v, const size_t *parents, size_t k)
{
    /* view over v and its parents only */
    size_t m = k + 1;
    local_view L = {0};
    L.n = data->nrows;
    L.m = m;
    L.loc = calloc(m, sizeof *L.loc);
    L.r = calloc(m, sizeof *L.r);
    size_t *idx = malloc(m * sizeof *idx);
    double res = NAN;
    if (!L.loc || !L.r || !idx) goto out;
    for (size_t p = 0; p < m; p++) {
        size_t var = p < k ? parents[p] : v;
        L.loc[p] = malloc((L.n ? L.n : 1) * sizeof(uint32_t));
        if (!L.loc[p]) goto out;
        size_t r = sg_bn__local_codes(data, var, L.loc[p], NULL);
        if (r == (size_t)-1) goto out;
        L.r[p] = r;
        idx[p] = p;
    }
    res = local_view_bic(&L, k, idx, k);
out:
    free(idx);
    local_view_free(&L);
    return res;
}

/* ---- the network ---------------------------------------------------------------------------- */

void sg_bn__node_clear_fit(sg_bn_node *nd)
{
    free(nd->states);
    free(nd->labels_unused);
    free(nd->cfg_given);
    free(nd->cfg_n);
    free(nd->cfg_off);
    free(nd->ent_state);
    free(nd->ent_count);
    free(nd->marg);
    nd->marg = NULL;
    nd->nmarg = 0;
    nd->states = NULL;
    nd->labels_unused = NULL;
    nd->cfg_given = NULL;
    nd->cfg_n = NULL;
    nd->cfg_off = NULL;
    nd->ent_state = NULL;
    nd->ent_count = NULL;
    nd->r = 0;
    nd->ncfg = 0;
}

sg_bn *sg_bn_create(size_t nvars, const uint32_t *card, const char *const *names)
{
    sg_bn *bn = calloc(1, sizeof *bn);
    if (!bn) return NULL;
    bn->m = nvars;
    bn->nodes = calloc(nvars ? nvars : 1, sizeof *bn->nodes);
    bn->topo = calloc(nvars ? nvars : 1, sizeof *bn->topo);
    if (!bn->nodes || !bn->topo) goto fail;
    for (size_t v = 0; v < nvars; v++) {
        char buf[32];
        const char *nm = names && names[v] ? names[v] : (snprintf(buf, sizeof buf, "X%zu", v), buf);
        bn->nodes[v].name = strdup(nm);
        if (!bn->nodes[v].name) goto fail;
        bn->nodes[v].card = card ? (card[v] ? card[v] : 1) : UINT32_MAX;
        bn->topo[v] = v;
    }
    bn->alpha = 1.0;
    return bn;
fail:
    sg_bn_destroy(bn);
    return NULL;
}

void sg_bn_destroy(sg_bn *bn)
{
    if (!bn) return;
    if (bn->nodes) {
        for (size_t v = 0; v < bn->m; v++) {
            free(bn->nodes[v].name);
            free(bn->nodes[v].par);
            sg_bn__node_clear_fit(&bn->nodes[v]);
        }
    }
    free(bn->nodes);
    free(bn->topo);
    free(bn);
}

static void *dupmem(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    if (q && p && n) memcpy(q, p, n);
    return q;
}

sg_bn *sg_bn_clone(const sg_bn *bn)
{
    sg_bn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->m = bn->m;
    c->fitted = bn->fitted;
    c->alpha = bn->alpha;
    c->prior = bn->prior;
    c->nfit = bn->nfit;
    c->nodes = calloc(bn->m ? bn->m : 1, sizeof *c->nodes);
    c->topo = dupmem(bn->topo, bn->m * sizeof *bn->topo);
    if (!c->nodes || !c->topo) goto fail;
    for (size_t v = 0; v < bn->m; v++) {
        const sg_bn_node *s = &bn->nodes[v];
        sg_bn_node *d = &c->nodes[v];
        d->name = strdup(s->name);
        d->card = s->card;
        d->k = s->k;
        d->par = dupmem(s->par, s->k * sizeof *s->par);
        if (!d->name || (s->k && !d->par)) goto fail;
        if (bn->fitted) {
            size_t ne = s->ncfg ? s->cfg_off[s->ncfg] : 0;
            d->r = s->r;
            d->ncfg = s->ncfg;
            d->states = dupmem(s->states, s->r * sizeof *s->states);
            d->cfg_given = dupmem(s->cfg_given, s->ncfg * s->k * sizeof *s->cfg_given);
            d->cfg_n = dupmem(s->cfg_n, s->ncfg * sizeof *s->cfg_n);
            d->cfg_off = dupmem(s->cfg_off, (s->ncfg + 1) * sizeof *s->cfg_off);
            d->ent_state = dupmem(s->ent_state, ne * sizeof *s->ent_state);
            d->ent_count = dupmem(s->ent_count, ne * sizeof *s->ent_count);
            if (!d->states || !d->cfg_given || !d->cfg_n || !d->cfg_off || !d->ent_state || !d->ent_count ||
                sg_bn__node_marg(d, bn->alpha) != 0)
                goto fail;
        }
    }
    return c;
fail:
    sg_bn_destroy(c);
    return NULL;
}

size_t sg_bn_nvars(const sg_bn *bn) { return bn->m; }
const char *sg_bn_name(const sg_bn *bn, size_t v) { return bn->nodes[v].name; }
uint32_t sg_bn_card(const sg_bn *bn, size_t v) { return bn->nodes[v].card; }
size_t sg_bn_nparents(const sg_bn *bn, size_t v) { return bn->nodes[v].k; }
const size_t *sg_bn_parents(const sg_bn *bn, size_t v) { return bn->nodes[v].par; }
const size_t *sg_bn_topo_order(const sg_bn *bn) { return bn->topo; }
int sg_bn_is_fitted(const sg_bn *bn) { return bn->fitted; }
uint64_t sg_bn_fit_count(const sg_bn *bn) { return bn->nfit; }

size_t sg_bn_nedges(const sg_bn *bn)
{
    size_t e = 0;
    for (size_t v = 0; v < bn->m; v++) e += bn->nodes[v].k;
    return e;
}

static void drop_fit(sg_bn *bn)
{
    if (!bn->fitted) return;
    for (size_t v = 0; v < bn->m; v++) sg_bn__node_clear_fit(&bn->nodes[v]);
    bn->fitted = 0;
    bn->nfit = 0;
}

/* Kahn's algorithm, smallest index first; returns 0 if acyclic. */
int sg_bn__topo(sg_bn *bn)
{
    size_t m = bn->m;
    if (m == 0) return 0;
    size_t *indeg = calloc(m, sizeof *indeg);
    uint8_t *done = calloc(m, 1);
    if (!indeg || !done) {
        free(indeg);
        free(done);
        return -1;
    }
    for (size_t v = 0; v < m; v++) indeg[v] = bn->nodes[v].k;
    size_t cnt = 0;
    while (cnt < m) {
        size_t pick = SIZE_MAX;
        for (size_t v = 0; v < m; v++)
            if (!done[v] && indeg[v] == 0) {
                pick = v;
                break;
            }
        if (pick == SIZE_MAX) break;
        done[pick] = 1;
        bn->topo[cnt++] = pick;
        for (size_t c = 0; c < m; c++)
            for (size_t p = 0; p < bn->nodes[c].k; p++)
                if (bn->nodes[c].par[p] == pick) indeg[c]--;
    }
    free(indeg);
    free(done);
    return cnt == m ? 0 : -1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

sg_status sg_bn_set_parents(sg_bn *bn, size_t v, const size_t *parents, size_t k, sg_error *err)
{
    if (v >= bn->m) return sg_error_set(err, SG_ERR_INVALID, "bn: variable %zu out of range", v);
    size_t *np = NULL;
    if (k) {
        np = malloc(k * sizeof *np);
        if (!np) return sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
        memcpy(np, parents, k * sizeof *np);
        qsort(np, k, sizeof *np, cmp_size);
        for (size_t i = 0; i < k; i++) {
            if (np[i] >= bn->m || np[i] == v || (i && np[i] == np[i - 1])) {
                free(np);
                return sg_error_set(err, SG_ERR_INVALID, "bn: invalid parent list for variable '%s'",
                                    bn->nodes[v].name);
            }
        }
    }
    size_t *old = bn->nodes[v].par;
    size_t oldk = bn->nodes[v].k;
    bn->nodes[v].par = np;
    bn->nodes[v].k = k;
    if (sg_bn__topo(bn) != 0) {
        bn->nodes[v].par = old;
        bn->nodes[v].k = oldk;
        free(np);
        sg_bn__topo(bn);
        return sg_error_set(err, SG_ERR_INVALID, "bn: parents of '%s' would create a cycle", bn->nodes[v].name);
    }
    free(old);
    drop_fit(bn);
    return SG_OK;
}

double sg_bn_structure_bits(const sg_bn *bn)
{
    double s = 0.0;
    for (size_t v = 0; v < bn->m; v++)
        s += log2(3.0) + sg_log2_binom((double)bn->m - 1.0, (double)bn->nodes[v].k);
    return s;
}

double sg_bn_kt_bits(const sg_bn *bn, const sg_bn_data *data)
{
    if (data->nrows == 0) return 0.0;
    local_view L;
    if (local_view_init(&L, data, bn->m) != 0) return NAN;
    double s = 0.0;
    for (size_t v = 0; v < bn->m; v++) s += local_view_kt(&L, v, bn->nodes[v].par, bn->nodes[v].k);
    local_view_free(&L);
    return s;
}

double sg_bn_bic(const sg_bn *bn, const sg_bn_data *data)
{
    if (data->nrows == 0) return 0.0;
    local_view L;
    if (local_view_init(&L, data, bn->m) != 0) return NAN;
    double s = 0.0;
    for (size_t v = 0; v < bn->m; v++) s += local_view_bic(&L, v, bn->nodes[v].par, bn->nodes[v].k);
    local_view_free(&L);
    return s;
}

size_t sg_bn_find_constants(const sg_bn_data *data, size_t nvars, uint8_t *is_const, uint32_t *value)
{
    size_t cnt = 0;
    for (size_t v = 0; v < nvars; v++) {
        int c = 1;
        uint32_t first = data->nrows ? sg_bn_data_at(data, 0, v) : 0;
        for (size_t i = 1; i < data->nrows && c; i++)
            if (sg_bn_data_at(data, i, v) != first) c = 0;
        if (is_const) is_const[v] = (uint8_t)c;
        if (value) value[v] = first;
        cnt += (size_t)c;
    }
    return cnt;
}

sg_status sg_bn_observed_states(const sg_bn_data *data, size_t v, uint32_t **states, size_t *n)
{
    *states = NULL;
    *n = 0;
    uint32_t *loc = malloc((data->nrows ? data->nrows : 1) * sizeof *loc);
    if (!loc) return SG_ERR_NOMEM;
    size_t r = sg_bn__local_codes(data, v, loc, states);
    free(loc);
    if (r == (size_t)-1) return SG_ERR_NOMEM;
    *n = r;
    return SG_OK;
}

/* ---- hill climbing ---------------------------------------------------------------------------- */

enum { OP_ADD = 0, OP_REMOVE = 1, OP_REVERSE = 2 };

typedef struct tabu_op {
    int type;
    size_t x, y;
} tabu_op;

static int in_tabu(const tabu_op *t, size_t nt, int type, size_t x, size_t y)
{
    for (size_t i = 0; i < nt; i++)
        if (t[i].type == type && t[i].x == x && t[i].y == y) return 1;
    return 0;
}

/* reach[a*m+b] = there is a directed path of length >= 1 from a to b */
static void compute_reach(size_t m, const uint8_t *adj, uint8_t *reach, size_t *stack)
{
    memset(reach, 0, m * m);
    for (size_t s = 0; s < m; s++) {
        size_t sp = 0;
        for (size_t c = 0; c < m; c++)
            if (adj[s * m + c] && !reach[s * m + c]) {
                reach[s * m + c] = 1;
                stack[sp++] = c;
            }
        while (sp) {
            size_t u = stack[--sp];
            for (size_t c = 0; c < m; c++)
                if (adj[u * m + c] && !reach[s * m + c]) {
                    reach[s * m + c] = 1;
                    stack[sp++] = c;
                }
        }
    }
}

sg_status sg_bn_learn_structure(sg_bn *bn, const sg_bn_data *data, const sg_bn_learn_opts *opts, sg_error *err)
{
    size_t m = bn->m;
    int maxp = 3, tabu_len = 100;
    double min_gain = 1e-4;
    size_t max_iter = 1000000;
    const uint8_t *forbid = NULL;
    if (opts) {
        if (opts->max_parents > 0) maxp = opts->max_parents;
        else if (opts->max_parents < 0) maxp = (int)(m ? m : 1);
        if (opts->tabu_length > 0) tabu_len = opts->tabu_length;
        if (opts->min_gain > 0) min_gain = opts->min_gain;
        if (opts->max_iter > 0) max_iter = opts->max_iter;
        forbid = opts->forbid;
    }
    /* reset to the empty DAG */
    for (size_t v = 0; v < m; v++) {
        free(bn->nodes[v].par);
        bn->nodes[v].par = NULL;
        bn->nodes[v].k = 0;
    }
    drop_fit(bn);
    sg_bn__topo(bn);
    if (m < 2 || data->nrows == 0) return SG_OK;

    local_view L;
    if (local_view_init(&L, data, m) != 0) return sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
    sg_status st = SG_OK;
    uint8_t *adj = calloc(m * m, 1), *reach = calloc(m * m, 1), *valid = calloc(m * m, 1);
    double *alt = calloc(m * m, sizeof *alt), *cur = calloc(m, sizeof *cur);
    size_t *stack = calloc(m * m + 1, sizeof *stack);
    size_t (*todo)[2] = calloc(m * m, sizeof *todo);
    size_t **par = calloc(m, sizeof *par);
    size_t *npar = calloc(m, sizeof *npar);
    tabu_op *tabu = calloc((size_t)tabu_len, sizeof *tabu);
    if (!adj || !reach || !valid || !alt || !cur || !stack || !todo || !par || !npar || !tabu) {
        st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
        goto out;
    }
    for (size_t v = 0; v < m; v++) {
        par[v] = calloc(m, sizeof **par);
        if (!par[v]) {
            st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
            goto out;
        }
        cur[v] = local_view_bic(&L, v, NULL, 0);
    }
    size_t ntabu = 0, tabu_pos = 0;
    for (size_t iter = 0; iter < max_iter; iter++) {
        compute_reach(m, adj, reach, stack);
        /* collect the alternative scores needed by legal operations and compute them (parallel) */
        size_t ntodo = 0;
        for (size_t x = 0; x < m; x++)
            for (size_t y = 0; y < m; y++) {
                if (x == y || valid[x * m + y]) continue;
                int need = 0;
                if (adj[x * m + y]) need = 1; /* removal, or reversal's "remove x from y" */
                else if (!adj[y * m + x] && npar[y] < (size_t)maxp) need = 1; /* add x->y */
                else if (adj[y * m + x] && npar[y] < (size_t)maxp) need = 1;  /* reversal's "add x to y" */
                if (need) {
                    todo[ntodo][0] = x;
                    todo[ntodo][1] = y;
                    ntodo++;
                }
            }
        int ok = 1;
#pragma omp parallel for schedule(dynamic, 1) if (ntodo * L.n > 200000)
        for (size_t t = 0; t < ntodo; t++) {
            size_t x = todo[t][0], y = todo[t][1];
            size_t tmp[64 + 1];
            size_t *pp = m + 1 <= 65 ? tmp : malloc((m + 1) * sizeof *pp);
            if (!pp) {
#pragma omp atomic write
                ok = 0;
                continue;
            }
            size_t k = 0;
            int present = adj[x * m + y];
            for (size_t i = 0; i < npar[y]; i++)
                if (par[y][i] != x) pp[k++] = par[y][i];
            if (!present) {
                /* insert x keeping ascending order */
                size_t i = k;
                while (i > 0 && pp[i - 1] > x) {
                    pp[i] = pp[i - 1];
                    i--;
                }
                pp[i] = x;
                k++;
            }
            alt[x * m + y] = local_view_bic(&L, y, pp, k);
            valid[x * m + y] = 1;
            if (pp != tmp) free(pp);
        }
        if (!ok) {
            st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
            goto out;
        }
        /* best operation: add (x,y lex), remove, reverse; first maximal gain wins */
        int best_type = -1;
        size_t bx = 0, by = 0;
        double best = -INFINITY;
        for (size_t x = 0; x < m; x++)
            for (size_t y = 0; y < m; y++) {
                if (x == y || adj[x * m + y] || adj[y * m + x]) continue;
                if (npar[y] >= (size_t)maxp || reach[y * m + x]) continue;
                if (forbid && forbid[x * m + y]) continue;
                if (in_tabu(tabu, ntabu, OP_ADD, x, y)) continue;
                double g = alt[x * m + y] - cur[y];
                if (g > best) {
                    best = g;
                    best_type = OP_ADD;
                    bx = x;
                    by = y;
                }
            }
        for (size_t x = 0; x < m; x++)
            for (size_t y = 0; y < m; y++) {
                if (!adj[x * m + y]) continue;
                if (in_tabu(tabu, ntabu, OP_REMOVE, x, y)) continue;
                double g = alt[x * m + y] - cur[y];
                if (g > best) {
                    best = g;
                    best_type = OP_REMOVE;
                    bx = x;
                    by = y;
                }
            }
        for (size_t x = 0; x < m; x++)
            for (size_t y = 0; y < m; y++) {
                if (!adj[x * m + y]) continue;
                if (npar[x] >= (size_t)maxp) continue;
                if (forbid && forbid[y * m + x]) continue;
                /* another path x ~> y besides the edge: via a child c != y of x */
                int other = 0;
                for (size_t c = 0; c < m && !other; c++)
                    if (c != y && adj[x * m + c] && reach[c * m + y]) other = 1;
                if (other) continue;
                if (in_tabu(tabu, ntabu, OP_REVERSE, x, y) || in_tabu(tabu, ntabu, OP_REVERSE, y, x)) continue;
                double g = alt[y * m + x] + alt[x * m + y] - cur[x] - cur[y];
                if (g > best) {
                    best = g;
                    best_type = OP_REVERSE;
                    bx = x;
                    by = y;
                }
            }
        if (best_type < 0 || best < min_gain) break;
        /* apply */
        tabu_op top = {best_type, bx, by};
        if (best_type == OP_ADD) {
            adj[bx * m + by] = 1;
            cur[by] = alt[bx * m + by];
            top.type = OP_REMOVE;
        } else if (best_type == OP_REMOVE) {
            adj[bx * m + by] = 0;
            cur[by] = alt[bx * m + by];
            top.type = OP_ADD;
        } else {
            double nx = alt[by * m + bx], ny = alt[bx * m + by];
            adj[bx * m + by] = 0;
            adj[by * m + bx] = 1;
            cur[bx] = nx;
            cur[by] = ny;
        }
        tabu[tabu_pos] = top;
        tabu_pos = (tabu_pos + 1) % (size_t)tabu_len;
        if (ntabu < (size_t)tabu_len) ntabu++;
        /* rebuild parent lists of changed nodes and invalidate their columns */
        size_t changed[2] = {by, bx};
        size_t nch = best_type == OP_REVERSE ? 2 : 1;
        for (size_t c = 0; c < nch; c++) {
            size_t y = changed[c];
            npar[y] = 0;
            for (size_t x = 0; x < m; x++)
                if (adj[x * m + y]) par[y][npar[y]++] = x;
            for (size_t x = 0; x < m; x++) valid[x * m + y] = 0;
        }
    }
    for (size_t v = 0; v < m; v++) {
        if (npar[v]) {
            bn->nodes[v].par = malloc(npar[v] * sizeof(size_t));
            if (!bn->nodes[v].par) {
                st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
                goto out;
            }
            memcpy(bn->nodes[v].par, par[v], npar[v] * sizeof(size_t));
            bn->nodes[v].k = npar[v];
        }
    }
    sg_bn__topo(bn);
out:
    if (par)
        for (size_t v = 0; v < m; v++) free(par[v]);
    free(par);
    free(npar);
    free(adj);
    free(reach);
    free(valid);
    free(alt);
    free(cur);
    free(stack);
    free(todo);
    free(tabu);
    local_view_free(&L);
    if (st != SG_OK) {
        for (size_t v = 0; v < m; v++) {
            free(bn->nodes[v].par);
            bn->nodes[v].par = NULL;
            bn->nodes[v].k = 0;
        }
        sg_bn__topo(bn);
    }
    return st;
}

/* ---- parameters --------------------------------------------------------------------------- */

typedef struct fit_ctx {
    const sg_bn_data *d;
    sg_bn_node *nd;
    sg_vec given, cfgn, off, est, ecnt;
    int oom;
} fit_ctx;

static void fit_visit(void *ctx, size_t rep, const uint64_t *c, size_t r)
{
    fit_ctx *f = ctx;
    if (f->oom) return;
    uint64_t nj = 0;
    for (size_t k = 0; k < f->nd->k; k++) {
        uint32_t g = sg_bn_data_at(f->d, rep, f->nd->par[k]);
        if (sg_vec_push(&f->given, &g) != SG_OK) f->oom = 1;
    }
    size_t o = f->est.len;
    if (sg_vec_push(&f->off, &o) != SG_OK) f->oom = 1;
    for (size_t s = 0; s < r; s++) {
        if (!c[s]) continue;
        nj += c[s];
        if (sg_vec_push(&f->est, &f->nd->states[s]) != SG_OK || sg_vec_push(&f->ecnt, &c[s]) != SG_OK) f->oom = 1;
    }
    if (sg_vec_push(&f->cfgn, &nj) != SG_OK) f->oom = 1;
}

int sg_bn__node_marg(sg_bn_node *nd, double s)
{
    free(nd->marg);
    nd->marg = calloc(nd->r ? nd->r : 1, sizeof *nd->marg);
    nd->nmarg = 0;
    if (!nd->marg) return -1;
    for (size_t j = 0; j < nd->ncfg; j++)
        for (size_t e = nd->cfg_off[j]; e < nd->cfg_off[j + 1]; e++) {
            size_t lo = 0, hi = nd->r; /* entries hold observed states: binary search in states */
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (nd->states[mid] < nd->ent_state[e]) lo = mid + 1;
                else hi = mid;
            }
            double w = (double)nd->ent_count[e] / ((double)nd->cfg_n[j] + s);
            if (lo < nd->r) nd->marg[lo] += w;
            nd->nmarg += w;
        }
    return 0;
}

sg_status sg_bn_fit(sg_bn *bn, const sg_bn_data *data, double alpha, sg_error *err)
{
    return sg_bn_fit_prior(bn, data, SG_BN_PRIOR_UNIFORM, alpha, err);
}

sg_bn_prior sg_bn_fit_prior_kind(const sg_bn *bn) { return (sg_bn_prior)bn->prior; }

sg_status sg_bn_fit_prior(sg_bn *bn, const sg_bn_data *data, sg_bn_prior prior, double alpha, sg_error *err)
{
    if (!(alpha > 0)) return sg_error_set(err, SG_ERR_INVALID, "bn: smoothing alpha must be > 0");
    if (prior != SG_BN_PRIOR_UNIFORM && prior != SG_BN_PRIOR_MARGINAL)
        return sg_error_set(err, SG_ERR_INVALID, "bn: unknown prior %d", (int)prior);
    drop_fit(bn);
    local_view L;
    if (local_view_init(&L, data, bn->m) != 0) return sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
    sg_status st = SG_OK;
    for (size_t v = 0; v < bn->m && st == SG_OK; v++) {
        sg_bn_node *nd = &bn->nodes[v];
        size_t r = 0;
        if (data->nrows) {
            uint32_t *loc = malloc(data->nrows * sizeof *loc);
            if (!loc) {
                st = SG_ERR_NOMEM;
                break;
            }
            r = sg_bn__local_codes(data, v, loc, &nd->states);
            free(loc);
            if (r == (size_t)-1) {
                st = SG_ERR_NOMEM;
                break;
            }
        }
        nd->r = r;
        fit_ctx f = {.d = data, .nd = nd};
        sg_vec_init(&f.given, sizeof(uint32_t));
        sg_vec_init(&f.cfgn, sizeof(uint64_t));
        sg_vec_init(&f.off, sizeof(size_t));
        sg_vec_init(&f.est, sizeof(uint32_t));
        sg_vec_init(&f.ecnt, sizeof(uint64_t));
        if (visit_counts(&L, v, nd->par, nd->k, fit_visit, &f) != 0) f.oom = 1;
        size_t o = f.est.len;
        if (sg_vec_push(&f.off, &o) != SG_OK) f.oom = 1;
        if (f.oom) {
            st = SG_ERR_NOMEM;
        } else {
            nd->ncfg = f.cfgn.len;
            nd->cfg_given = dupmem(f.given.data, f.given.len * sizeof(uint32_t));
            nd->cfg_n = dupmem(f.cfgn.data, f.cfgn.len * sizeof(uint64_t));
            nd->cfg_off = dupmem(f.off.data, f.off.len * sizeof(size_t));
            nd->ent_state = dupmem(f.est.data, f.est.len * sizeof(uint32_t));
            nd->ent_count = dupmem(f.ecnt.data, f.ecnt.len * sizeof(uint64_t));
            if (!nd->cfg_given || !nd->cfg_n || !nd->cfg_off || !nd->ent_state || !nd->ent_count ||
                sg_bn__node_marg(nd, alpha) != 0)
                st = SG_ERR_NOMEM;
        }
        sg_vec_free(&f.given);
        sg_vec_free(&f.cfgn);
        sg_vec_free(&f.off);
        sg_vec_free(&f.est);
        sg_vec_free(&f.ecnt);
    }
    local_view_free(&L);
    if (st != SG_OK) {
        bn->fitted = 1;
        drop_fit(bn);
        return sg_error_set(err, st, "bn: out of memory while fitting");
    }
    bn->fitted = 1;
    bn->alpha = alpha;
    bn->prior = (int)prior;
    bn->nfit = data->nrows;
    return SG_OK;
}

/* ---- sampling / probability ------------------------------------------------------------------- */

/* index of the configuration matching the parent values in vals, or SIZE_MAX */
size_t sg_bn__find_cfg(const sg_bn_node *nd, const uint32_t *vals)
{
    size_t lo = 0, hi = nd->ncfg;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const uint32_t *g = nd->cfg_given + mid * nd->k;
        int c = 0;
        for (size_t p = 0; p < nd->k && !c; p++) {
            uint32_t a = g[p], b = vals[nd->par[p]];
            c = (a > b) - (a < b);
        }
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return SIZE_MAX;
}

/* state of nd drawn at u in [0, 1) from the marginal prior's base measure pi */
static uint32_t sample_base(const sg_bn_node *nd, double u)
{
    double x = u * nd->nmarg, acc = 0.0;
    for (size_t s = 0; s < nd->r; s++) {
        acc += nd->marg[s];
        if (x < acc) return nd->states[s];
    }
    return nd->states[nd->r - 1];
}

static uint32_t sample_node(const sg_bn *bn, const sg_bn_node *nd, sg_rng *rng, const uint32_t *vals)
{
    if (nd->r == 0) return 0;
    size_t j = nd->k ? sg_bn__find_cfg(nd, vals) : (nd->ncfg ? 0 : SIZE_MAX);
    double nj = j == SIZE_MAX ? 0.0 : (double)nd->cfg_n[j];
    /* pseudo-records of a configuration: r alpha (uniform prior) or s (marginal prior) */
    double w = bn->prior == SG_BN_PRIOR_MARGINAL ? bn->alpha : (double)nd->r * bn->alpha;
    double u = sg_rng_uniform(rng) * (nj + w);
    if (u < nj) {
        double acc = 0.0;
        size_t e0 = nd->cfg_off[j], e1 = nd->cfg_off[j + 1];
        for (size_t e = e0; e < e1; e++) {
            acc += (double)nd->ent_count[e];
            if (u < acc) return nd->ent_state[e];
        }
        return nd->ent_state[e1 - 1];
    }
    if (bn->prior == SG_BN_PRIOR_MARGINAL) return sample_base(nd, (u - nj) / w);
    size_t idx = (size_t)((u - nj) / bn->alpha); /* uniform prior: as before the marginal prior existed */
    if (idx >= nd->r) idx = nd->r - 1;
    return nd->states[idx];
}

void sg_bn_sample(const sg_bn *bn, sg_rng *rng, uint32_t *out)
{
    for (size_t t = 0; t < bn->m; t++) {
        size_t v = bn->topo[t];
        out[v] = bn->fitted ? sample_node(bn, &bn->nodes[v], rng, out) : 0;
    }
}

void sg_bn_sample_given(const sg_bn *bn, sg_rng *rng, const uint8_t *given, uint32_t *vals)
{
    for (size_t t = 0; t < bn->m; t++) {
        size_t v = bn->topo[t];
        if (given && given[v]) continue;
        vals[v] = bn->fitted ? sample_node(bn, &bn->nodes[v], rng, vals) : 0;
    }
}

double sg_bn_cond_prob(const sg_bn *bn, size_t v, const uint32_t *vals, uint32_t state)
{
    if (!bn->fitted || v >= bn->m) return 0.0;
    const sg_bn_node *nd = &bn->nodes[v];
    size_t lo = 0, hi = nd->r;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (nd->states[mid] < state) lo = mid + 1;
        else hi = mid;
    }
    if (lo >= nd->r || nd->states[lo] != state) return 0.0;
    size_t j = nd->k ? sg_bn__find_cfg(nd, vals) : (nd->ncfg ? 0 : SIZE_MAX);
    double nj = 0.0, njk = 0.0;
    if (j != SIZE_MAX) {
        nj = (double)nd->cfg_n[j];
        for (size_t e = nd->cfg_off[j]; e < nd->cfg_off[j + 1]; e++)
            if (nd->ent_state[e] == state) njk = (double)nd->ent_count[e];
    }
    if (bn->prior == SG_BN_PRIOR_MARGINAL) {
        double s = bn->alpha, pi = nd->nmarg > 0 ? nd->marg[lo] / nd->nmarg : 1.0 / (double)nd->r;
        return (njk + s * pi) / (nj + s);
    }
    return (njk + bn->alpha) / (nj + (double)nd->r * bn->alpha);
}

double sg_bn_log_prob(const sg_bn *bn, const uint32_t *vals)
{
    if (!bn->fitted) return -INFINITY;
    double lp = 0.0;
    for (size_t v = 0; v < bn->m; v++) {
        double p = sg_bn_cond_prob(bn, v, vals, vals[v]);
        if (!(p > 0)) return -INFINITY;
        lp += log(p);
    }
    return lp;
}
