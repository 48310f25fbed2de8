/* TADAM costs: universal integer code, value grid and discretised Gaussian probabilities, and the
 * noise-aware repair dynamic program (Viterbi over (position, state)). */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tadam/tadam_internal.h"

/* ---- universal integer code ----------------------------------------------------------------
 * Rissanen's code for integers >= 1 (sg_universal_int_bits, core) applied to n+1 so that 0 is
 * encodable; tabulated for the small grid values the DP prices over and over. */
static double ln_slow(uint64_t n) { return sg_universal_int_bits(n + 1); }

#define LN_TAB 4096
static double ln_tab[LN_TAB];
static pthread_once_t ln_once = PTHREAD_ONCE_INIT;
static void ln_init(void)
{
    for (int i = 0; i < LN_TAB; i++) ln_tab[i] = ln_slow((uint64_t)i);
}

double tdm_LN(int64_t n)
{
    if (n < 0) return 1.0 + tdm_LN(n == INT64_MIN ? INT64_MAX : -n); /* sign bit */
    if (n < LN_TAB) {
        pthread_once(&ln_once, ln_init);
        return ln_tab[n];
    }
    return ln_slow((uint64_t)n);
}

double sg_tadam_integer_code(int64_t n) { return tdm_LN(n); }

/* ---- value grid ----------------------------------------------------------------------------- */
int32_t tdm_grid(int64_t v, double scale)
{
    if (v <= 0) return 0;
    double x = scale * log2(1.0 + (double)v);
    return (int32_t)lround(x);
}

double tdm_ungrid(double x, double scale)
{
    if (x <= 0) return 0.0;
    double v = exp2(x / scale) - 1.0;
    return v;
}

void tdm_gauss_from_stats(const tdm_stats *s, tdm_gauss *g)
{
    g->n = s->n;
    /* no shared-model weight until the final model sets it: left unset, the search's scratch
     * Gaussians priced values with whatever the heap held (the timed search then depended on the
     * thread count and on earlier evaluations) */
    g->w_null = 0;
    if (s->n <= 0) {
        g->mu[0] = g->mu[1] = 0;
        g->cov[0] = g->cov[2] = TDM_RIDGE;
        g->cov[1] = 0;
        return;
    }
    double m0 = s->s0 / s->n, m1 = s->s1 / s->n;
    double v0 = s->s00 / s->n - m0 * m0, v1 = s->s11 / s->n - m1 * m1, c = s->s01 / s->n - m0 * m1;
    if (!(v0 > 0)) v0 = 0;
    if (!(v1 > 0)) v1 = 0;
    v0 += TDM_RIDGE;
    v1 += TDM_RIDGE;
    double lim = 0.999 * sqrt(v0 * v1);
    if (c > lim) c = lim;
    if (c < -lim) c = -lim;
    g->mu[0] = m0;
    g->mu[1] = m1;
    g->cov[0] = v0;
    g->cov[1] = c;
    g->cov[2] = v1;
}

/* mass of N(mu, var) on [x-1/2, x+1/2], computed on the tail side to avoid cancellation */
static double cell_mass(double x, double mu, double var)
{
    double s = sqrt(var) * M_SQRT2;
    double a = (x - 0.5 - mu) / s, b = (x + 0.5 - mu) / s;
    if (x <= 0) return 0.5 * erfc(-b); /* the grid is non-negative: cell 0 takes the whole lower tail */
    double p;
    if (a > 0)
        p = 0.5 * (erfc(a) - erfc(b));
    else if (b < 0)
        p = 0.5 * (erfc(-b) - erfc(-a));
    else
        p = 1.0 - 0.5 * (erfc(-a) + erfc(b));
    return p > 0 ? p : 0;
}

/* P(x0, x1) = P(x1) P(x0 | x1) with the conditional Gaussian of the IAT given the payload (as
 * Fos-R samples), each factor an exact unit-cell mass: a proper distribution on the integer grid
 * (fixes spec A10). Mixed with weight eps = 1/(n+2) with the universal code 2^-(L_N(x0)+L_N(x1)),
 * which keeps every value encodable at a finite, explicit cost (replaces the 1e-3 floor hack). */
static double gauss_mass(const tdm_gauss *g, int32_t x0, int32_t x1)
{
    double p1 = cell_mass(x1, g->mu[1], g->cov[2]);
    double m0 = g->mu[0] + g->cov[1] / g->cov[2] * (x1 - g->mu[1]);
    double v0 = g->cov[0] - g->cov[1] * g->cov[1] / g->cov[2];
    if (v0 < TDM_RIDGE * 0.5) v0 = TDM_RIDGE * 0.5;
    return p1 * cell_mass(x0, m0, v0);
}

double tdm_gauss_only_bits(const tdm_gauss *g, int32_t x0, int32_t x1)
{
    double p = gauss_mass(g, x0, x1);
    return p > 0 ? -log2(p) : 2000.0;
}

double tdm_edge_value_bits(const tdm_gauss *g, const tdm_null *nl, int32_t x0, int32_t x1)
{
    if (!(g->w_null > 0)) return tdm_value_bits(g, x0, x1);
    double p = (1.0 - g->w_null) * gauss_mass(g, x0, x1) + g->w_null * exp2(-tdm_null_bits(nl, x0, x1));
    return p > 0 ? -log2(p) : 2000.0;
}

double tdm_value_bits(const tdm_gauss *g, int32_t x0, int32_t x1)
{
    double p1 = cell_mass(x1, g->mu[1], g->cov[2]);
    double m0 = g->mu[0] + g->cov[1] / g->cov[2] * (x1 - g->mu[1]);
    double v0 = g->cov[0] - g->cov[1] * g->cov[1] / g->cov[2];
    if (v0 < TDM_RIDGE * 0.5) v0 = TDM_RIDGE * 0.5;
    double p0 = cell_mass(x0, m0, v0);
    double eps = 1.0 / (g->n + 2.0);
    double pu = exp2(-(tdm_LN(x0) + tdm_LN(x1)));
    double p = (1.0 - eps) * p0 * p1 + eps * pu;
    if (!(p > 0)) return 2000.0; /* cannot happen (pu > 0); guard against underflow anyway */
    return -log2(p);
}

void tdm_vcache_free(tdm_vcache *c)
{
    free(c->key);
    free(c->val);
    memset(c, 0, sizeof *c);
}

void tdm_vcache_reset(tdm_vcache *c, uint32_t ne)
{
    if (ne > c->cap_edges) {
        size_t n = (size_t)ne * 2;
        uint64_t *k = realloc(c->key, n * TDM_VC_SLOTS * sizeof *k);
        if (!k) {
            c->cap_edges = 0; /* memo disabled; tdm_view_value_bits computes directly */
            return;
        }
        c->key = k;
        double *v = realloc(c->val, n * TDM_VC_SLOTS * sizeof *v);
        if (!v) {
            c->cap_edges = 0;
            return;
        }
        c->val = v;
        c->cap_edges = n;
    }
    if (c->key) memset(c->key, 0, (size_t)ne * TDM_VC_SLOTS * sizeof *c->key);
}

/* ---- shared time model --------------------------------------------------------------------- */

/* P(x) = (1 - eps) (c[x] + 1/2) / (N + k/2) + eps 2^-L_N(x) with eps = 1/(N + 2): the histogram of
 * the training values with add-1/2 smoothing over its k bins, mixed like the edge Gaussians with the
 * universal code, so that a value outside the bins is still encodable (a proper distribution). */
static double null_dim_bits(const tdm_null *nl, int d, int32_t x)
{
    if (!nl || nl->k[d] == 0) return tdm_LN(x);
    if (x >= 0 && (uint32_t)x < nl->k[d]) return nl->bits[d][x];
    double eps = 1.0 / (nl->n[d] + 2.0);
    return tdm_LN(x) - log2(eps);
}

int tdm_null_fit(tdm_null *nl)
{
    for (int d = 0; d < 2; d++) {
        free(nl->bits[d]);
        nl->bits[d] = NULL;
        nl->n[d] = 0;
        if (nl->k[d] == 0) continue;
        nl->bits[d] = malloc(nl->k[d] * sizeof *nl->bits[d]);
        if (!nl->bits[d]) return -1;
        double N = 0;
        for (uint32_t x = 0; x < nl->k[d]; x++) N += (double)nl->cnt[d][x];
        nl->n[d] = N;
        double eps = 1.0 / (N + 2.0), den = N + 0.5 * nl->k[d];
        for (uint32_t x = 0; x < nl->k[d]; x++) {
            double p = (1.0 - eps) * ((double)nl->cnt[d][x] + 0.5) / den + eps * exp2(-tdm_LN(x));
            nl->bits[d][x] = -log2(p);
        }
    }
    return 0;
}

double tdm_null_bits(const tdm_null *nl, int32_t x0, int32_t x1) { return null_dim_bits(nl, 0, x0) + null_dim_bits(nl, 1, x1); }

/* the histogram is sent once per automaton: its size, then every count */
double tdm_null_param_bits(const tdm_null *nl)
{
    double c = 0;
    for (int d = 0; d < 2; d++) {
        c += tdm_LN(nl->k[d]);
        for (uint32_t x = 0; x < nl->k[d]; x++) c += tdm_LN((int64_t)nl->cnt[d][x]);
    }
    return c;
}

void tdm_null_free(tdm_null *nl)
{
    for (int d = 0; d < 2; d++) {
        free(nl->cnt[d]);
        free(nl->bits[d]);
    }
    memset(nl, 0, sizeof *nl);
}

double tdm_gauss_param_bits(const tdm_gauss *g)
{
    return tdm_LN(lround(g->mu[0])) + tdm_LN(lround(g->mu[1])) + tdm_LN(lround(g->cov[0] / 0.1)) +
           tdm_LN(lround(g->cov[2] / 0.1)) + tdm_LN(lround(g->cov[1] / 0.1));
}

double tdm_view_value_bits(const tdm_view *v, uint32_t e, int32_t x0, int32_t x1)
{
    if (v->untimed) return 0;
    if (v->etimed && !v->etimed[e]) return tdm_null_bits(v->null, x0, x1);
    tdm_vcache *c = v->cache;
    if (!c || e >= c->cap_edges) return tdm_edge_value_bits(&v->eg[e], v->null, x0, x1);
    uint64_t key = ((uint64_t)(uint32_t)x0 << 32 | (uint32_t)x1) + 1;
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    uint64_t *ks = c->key + (size_t)e * TDM_VC_SLOTS;
    double *vs = c->val + (size_t)e * TDM_VC_SLOTS;
    for (unsigned probe = 0; probe < 8; probe++) {
        size_t i = (size_t)((h >> 56) + probe) & (TDM_VC_SLOTS - 1);
        if (ks[i] == key) return vs[i];
        if (ks[i] == 0) {
            double b = tdm_edge_value_bits(&v->eg[e], v->null, x0, x1);
            ks[i] = key;
            vs[i] = b;
            return b;
        }
    }
    return tdm_edge_value_bits(&v->eg[e], v->null, x0, x1); /* neighbourhood full: compute */
}

double tdm_explicit_bits(double log2_sigma, int32_t x0, int32_t x1)
{
    return log2_sigma + tdm_LN(x0) + tdm_LN(x1);
}

/* ---- repair DP -------------------------------------------------------------------------------- */

#define OP_SWAP2 5 /* second edge of a swap (internal trace marker) */

void tdm_dp_scratch_free(tdm_dp_scratch *s)
{
    free(s->M);
    free(s->T);
    free(s->bp_op);
    free(s->bp_e1);
    free(s->bp_e2);
    free(s->bp_prev);
    free(s->bp_close);
    free(s->steps);
    free(s->xbits);
    free(s->fM);
    free(s->fT);
    free(s->fD);
    free(s->bM);
    free(s->bT);
    free(s->bD);
    free(s->scale);
    tdm_fwd_tab_free(&s->ftab);
    free(s->fw_sym);
    free(s->fw_lp);
    memset(s, 0, sizeof *s);
}

static int scratch_reserve(tdm_dp_scratch *s, size_t cells, size_t steps)
{
    if (cells > s->cap_cells) {
        size_t c = cells * 2;
        double *M = realloc(s->M, c * sizeof *M), *T = NULL;
        if (M) s->M = M;
        T = realloc(s->T, c * sizeof *T);
        if (T) s->T = T;
        int32_t *a = realloc(s->bp_op, c * sizeof *a);
        if (a) s->bp_op = a;
        int32_t *b = realloc(s->bp_e1, c * sizeof *b);
        if (b) s->bp_e1 = b;
        int32_t *d = realloc(s->bp_e2, c * sizeof *d);
        if (d) s->bp_e2 = d;
        int32_t *e = realloc(s->bp_prev, c * sizeof *e);
        if (e) s->bp_prev = e;
        int32_t *f = realloc(s->bp_close, c * sizeof *f);
        if (f) s->bp_close = f;
        if (!M || !T || !a || !b || !d || !e || !f) return -1;
        s->cap_cells = c;
    }
    if (steps > s->cap_xbits) {
        size_t c = steps * 2;
        double *x = realloc(s->xbits, c * sizeof *x);
        if (!x) return -1;
        s->xbits = x;
        s->cap_xbits = c;
    }
    if (steps > s->cap_steps) {
        size_t c = steps * 2;
        tdm_step *st = realloc(s->steps, c * sizeof *st);
        if (!st) return -1;
        s->steps = st;
        s->cap_steps = c;
    }
    return 0;
}

void tdm_closure(const tdm_view *v, double *dist, int32_t *next_edge)
{
    uint32_t n = v->nq;
    for (uint32_t i = 0; i < n * n; i++) {
        dist[i] = TDM_INF;
        next_edge[i] = -1;
    }
    for (uint32_t i = 0; i < n; i++) dist[i * n + i] = 0;
    if (!(v->op_bits[TDM_OP_DEL] < TDM_INF)) return;
    for (uint32_t e = 0; e < v->ne; e++) {
        if (!(v->ebits[e] < TDM_INF) || v->esym[e] == TDM_END) continue;
        double w = v->op_bits[TDM_OP_DEL] + v->ebits[e];
        size_t k = (size_t)v->esrc[e] * n + v->edst[e];
        if (w < dist[k]) {
            dist[k] = w;
            next_edge[k] = (int32_t)e;
        }
    }
    for (uint32_t k = 0; k < n; k++)
        for (uint32_t i = 0; i < n; i++) {
            double dik = dist[i * n + k];
            if (!(dik < TDM_INF)) continue;
            for (uint32_t j = 0; j < n; j++) {
                double d = dik + dist[k * n + j];
                if (d < dist[i * n + j]) {
                    dist[i * n + j] = d;
                    next_edge[i * n + j] = next_edge[i * n + k];
                }
            }
        }
}

double tdm_repair(const tdm_view *v, const int32_t *sym, const int32_t *x0, const int32_t *x1, size_t L,
                  tdm_dp_scratch *sc, tdm_step **steps_out, size_t *nsteps_out)
{
    const uint32_t nq = v->nq;
    const size_t cells = (L + 1) * nq;
    if (steps_out) *nsteps_out = 0;
    if (L == 0 || scratch_reserve(sc, cells, 2 * L + (size_t)nq * (L + 1) + 4) != 0) return TDM_INF;
    double *M = sc->M, *T = sc->T;
    const int del = v->dist != NULL && v->op_bits[TDM_OP_DEL] < TDM_INF;
    double *xb = sc->xbits;
    for (size_t l = 0; l < L; l++)
        xb[l] = v->op_bits[TDM_OP_ADD] + tdm_sym_bits(v, sym[l]) + (v->untimed ? 0 : tdm_null_bits(v->null, x0[l], x1[l]));
    for (size_t i = 0; i < cells; i++) {
        M[i] = T[i] = TDM_INF;
        sc->bp_op[i] = -1;
        sc->bp_close[i] = -1;
    }
    for (uint32_t s = 0; s < nq; s++) {
        double d = s == v->q0 ? 0 : (del ? v->dist[(size_t)v->q0 * nq + s] : TDM_INF);
        M[s] = d;
        sc->bp_close[s] = (int32_t)v->q0;
    }
    for (size_t l = 0; l < L; l++) {
        const int32_t a = sym[l];
        const int last = a == (int32_t)TDM_END;
        double *Ml = M + l * nq, *Tn = T + (l + 1) * nq;
        int32_t *bop = sc->bp_op + (l + 1) * nq, *be1 = sc->bp_e1 + (l + 1) * nq, *be2 = sc->bp_e2 + (l + 1) * nq,
                *bpv = sc->bp_prev + (l + 1) * nq;
        for (uint32_t s = 0; s < nq; s++) {
            double best = TDM_INF;
            int32_t op = -1, e1 = -1, e2 = -1, prev = -1;
            if (!last && Ml[s] < TDM_INF) {
                /* spurious symbol: stay */
                double c = Ml[s] + xb[l];
                if (c < best) {
                    best = c;
                    op = TDM_OP_ADD;
                    prev = (int32_t)s;
                }
                /* duplicate of the previous observed symbol, valued under the edge just taken;
                 * only directly after a transition or duplicate (not after a closure) */
                if (l > 0 && v->op_bits[TDM_OP_DUP] < TDM_INF && sym[l - 1] == a && a >= 0) {
                    size_t pc = l * nq + s;
                    int32_t pop = sc->bp_op[pc];
                    if (sc->bp_close[pc] == (int32_t)s && (pop == TDM_OP_TR || pop == TDM_OP_DUP)) {
                        int32_t le = sc->bp_e1[pc];
                        if (le >= 0 && v->esym[le] == (uint32_t)a) {
                            double c2 = Ml[s] + v->op_bits[TDM_OP_DUP] + tdm_view_value_bits(v, (uint32_t)le, x0[l], x1[l]);
                            if (c2 < best) {
                                best = c2;
                                op = TDM_OP_DUP;
                                e1 = le;
                                prev = (int32_t)s;
                            }
                        }
                    }
                }
            }
            if (a >= 0) {
                for (uint32_t k = v->in_off[s]; k < v->in_off[s + 1]; k++) {
                    uint32_t e = v->in_idx[k];
                    if (v->esym[e] != (uint32_t)a || !(v->ebits[e] < TDM_INF)) continue;
                    double m = Ml[v->esrc[e]];
                    if (!(m < TDM_INF)) continue;
                    double c = m + v->op_bits[TDM_OP_TR] + v->ebits[e];
                    if (!(c < best)) continue;
                    c += a == (int32_t)TDM_END ? 0 : tdm_view_value_bits(v, e, x0[l], x1[l]);
                    if (c < best) {
                        best = c;
                        op = TDM_OP_TR;
                        e1 = (int32_t)e;
                        prev = (int32_t)v->esrc[e];
                    }
                }
                /* swap: observed (b, a) explained by edges reading a then b */
                if (!last && l >= 1 && v->op_bits[TDM_OP_SWAP] < TDM_INF) {
                    int32_t b = sym[l - 1];
                    if (b >= 0 && b != a && b != (int32_t)TDM_END) {
                        const double *Mp = M + (l - 1) * nq;
                        for (uint32_t k = v->in_off[s]; k < v->in_off[s + 1]; k++) {
                            uint32_t e = v->in_idx[k];
                            if (v->esym[e] != (uint32_t)b || !(v->ebits[e] < TDM_INF)) continue;
                            uint32_t mid = v->esrc[e];
                            for (uint32_t k2 = v->in_off[mid]; k2 < v->in_off[mid + 1]; k2++) {
                                uint32_t f = v->in_idx[k2];
                                if (v->esym[f] != (uint32_t)a || !(v->ebits[f] < TDM_INF)) continue;
                                double m = Mp[v->esrc[f]];
                                if (!(m < TDM_INF)) continue;
                                double c = m + v->op_bits[TDM_OP_SWAP] + v->ebits[f] + v->ebits[e];
                                if (!(c < best)) continue;
                                c += tdm_view_value_bits(v, f, x0[l], x1[l]) +
                                     tdm_view_value_bits(v, e, x0[l - 1], x1[l - 1]);
                                if (c < best) {
                                    best = c;
                                    op = TDM_OP_SWAP;
                                    e1 = (int32_t)f;
                                    e2 = (int32_t)e;
                                    prev = (int32_t)v->esrc[f];
                                }
                            }
                        }
                    }
                }
            }
            Tn[s] = best;
            bop[s] = op;
            be1[s] = e1;
            be2[s] = e2;
            bpv[s] = prev;
        }
        /* closure: missing symbols inserted after this position */
        double *Mn = M + (l + 1) * nq;
        int32_t *bcl = sc->bp_close + (l + 1) * nq;
        /* beam: cells far above the best of this level cannot be on an optimal repair in
         * practice (each extra noise op costs several bits); pruning them bounds the closure work */
        double lo = TDM_INF;
        for (uint32_t s = 0; s < nq; s++)
            if (Tn[s] < lo) lo = Tn[s];
        for (uint32_t s = 0; s < nq; s++)
            if (Tn[s] > lo + TDM_BEAM_BITS) Tn[s] = TDM_INF;
        for (uint32_t s = 0; s < nq; s++) {
            Mn[s] = Tn[s];
            bcl[s] = (int32_t)s;
        }
        if (del && !last) {
            for (uint32_t s = 0; s < nq; s++) {
                if (!(Tn[s] < TDM_INF)) continue;
                const double *drow = v->dist + (size_t)s * nq;
                for (uint32_t t = 0; t < nq; t++) {
                    double c = Tn[s] + drow[t];
                    if (c < Mn[t]) {
                        Mn[t] = c;
                        bcl[t] = (int32_t)s;
                    }
                }
            }
        }
    }
    double total = M[L * nq + v->qf];
    if (!(total < TDM_INF) || !steps_out) return total;

    /* trace back (collected in reverse, then reversed) */
    tdm_step *st = sc->steps;
    size_t ns = 0;
    size_t l = L;
    uint32_t s = v->qf;
    for (;;) {
        int32_t from = sc->bp_close[l * nq + s];
        if (from >= 0 && (uint32_t)from != s) {
            /* deletion path from -> s: collect forward then push reversed */
            size_t start = ns;
            uint32_t cur = (uint32_t)from;
            while (cur != s && ns < sc->cap_steps) {
                int32_t e = v->next_edge[(size_t)cur * nq + s];
                if (e < 0) break;
                st[ns++] = (tdm_step){TDM_OP_DEL, e, -1};
                cur = v->edst[e];
            }
            for (size_t i = start, j = ns; i + 1 < j; i++, j--) {
                tdm_step t = st[i];
                st[i] = st[j - 1];
                st[j - 1] = t;
            }
            s = (uint32_t)from;
        }
        if (l == 0) break;
        size_t c = l * nq + s;
        int32_t op = sc->bp_op[c];
        if (op == TDM_OP_SWAP) {
            /* in reverse time order: second edge (value of pos l-2) last in time -> first pushed */
            st[ns++] = (tdm_step){OP_SWAP2, sc->bp_e2[c], (int32_t)l - 2};
            st[ns++] = (tdm_step){TDM_OP_SWAP, sc->bp_e1[c], (int32_t)l - 1};
            s = (uint32_t)sc->bp_prev[c];
            l -= 2;
        } else {
            st[ns++] = (tdm_step){(uint8_t)op, sc->bp_e1[c], (int32_t)l - 1};
            s = (uint32_t)sc->bp_prev[c];
            l -= 1;
        }
        if (ns + 2 + nq >= sc->cap_steps) break; /* cannot happen: reserve covers it */
    }
    for (size_t i = 0, j = ns; i + 1 < j; i++, j--) {
        tdm_step t = st[i];
        st[i] = st[j - 1];
        st[j - 1] = t;
    }
    *steps_out = st;
    *nsteps_out = ns;
    return total;
}

double tdm_trace_cost(const tdm_view *v, const tdm_step *st, size_t ns, const int32_t *sym, const int32_t *x0,
                      const int32_t *x1)
{
    double c = 0;
    for (size_t i = 0; i < ns; i++) {
        const tdm_step *t = &st[i];
        size_t p = t->pos >= 0 ? (size_t)t->pos : 0;
        switch (t->op) {
        case TDM_OP_TR:
            c += v->op_bits[TDM_OP_TR] + v->ebits[t->edge];
            if (sym[p] != (int32_t)TDM_END) c += tdm_view_value_bits(v, (uint32_t)t->edge, x0[p], x1[p]);
            break;
        case TDM_OP_ADD:
            c += v->op_bits[TDM_OP_ADD] + tdm_sym_bits(v, sym[p]) + (v->untimed ? 0 : tdm_null_bits(v->null, x0[p], x1[p]));
            break;
        case TDM_OP_DUP: c += v->op_bits[TDM_OP_DUP] + tdm_view_value_bits(v, (uint32_t)t->edge, x0[p], x1[p]); break;
        case TDM_OP_SWAP:
            c += v->op_bits[TDM_OP_SWAP] + v->ebits[t->edge] + tdm_view_value_bits(v, (uint32_t)t->edge, x0[p], x1[p]);
            break;
        case OP_SWAP2: c += v->ebits[t->edge] + tdm_view_value_bits(v, (uint32_t)t->edge, x0[p], x1[p]); break;
        case TDM_OP_DEL: c += v->op_bits[TDM_OP_DEL] + v->ebits[t->edge]; break;
        default: break;
        }
    }
    return c;
}

/* ---- soft repair: forward-backward over the repair lattice ---------------------------------- */

void tdm_closure_sum(const tdm_view *v, double *csum)
{
    const uint32_t n = v->nq;
    const size_t nn = (size_t)n * n;
    double *A = malloc(nn * sizeof *A);
    for (size_t i = 0; i < nn; i++) csum[i] = 0;
    for (uint32_t i = 0; i < n; i++) csum[(size_t)i * n + i] = 1;
    if (!A || !(v->op_bits[TDM_OP_DEL] < TDM_INF)) {
        free(A);
        return;
    }
    /* A = I - D, then Gauss-Jordan: A is strictly diagonally dominant by rows (each row of D sums
     * to at most pi_del < 1), so no pivoting is needed */
    for (size_t i = 0; i < nn; i++) A[i] = 0;
    for (uint32_t i = 0; i < n; i++) A[(size_t)i * n + i] = 1;
    const double pd = exp2(-v->op_bits[TDM_OP_DEL]);
    for (uint32_t e = 0; e < v->ne; e++) {
        if (!(v->ebits[e] < TDM_INF) || v->esym[e] == TDM_END) continue;
        A[(size_t)v->esrc[e] * n + v->edst[e]] -= pd * exp2(-v->ebits[e]);
    }
    for (uint32_t k = 0; k < n; k++) {
        double inv = 1.0 / A[(size_t)k * n + k];
        double *ak = A + (size_t)k * n, *ck = csum + (size_t)k * n;
        for (uint32_t j = 0; j < n; j++) {
            ak[j] *= inv;
            ck[j] *= inv;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (i == k) continue;
            double f = A[(size_t)i * n + k];
            if (f == 0) continue;
            double *ai = A + (size_t)i * n, *ci = csum + (size_t)i * n;
            for (uint32_t j = 0; j < n; j++) {
                ai[j] -= f * ak[j];
                ci[j] -= f * ck[j];
            }
        }
    }
    for (size_t i = 0; i < nn; i++)
        if (csum[i] < 0) csum[i] = 0; /* rounding: every entry is a sum of path probabilities */
    free(A);
}

size_t tdm_closure_sparse(uint32_t nq, const double *csum, uint32_t *off, uint32_t *idx, double *val)
{
    size_t k = 0;
    off[0] = 0;
    for (uint32_t s = 0; s < nq; s++) {
        const double *row = csum + (size_t)s * nq;
        for (uint32_t t = 0; t < nq; t++)
            if (row[t] >= TDM_CSUM_EPS) {
                idx[k] = t;
                val[k++] = row[t];
            }
        off[s + 1] = (uint32_t)k;
    }
    return k;
}

void tdm_fwd_tab_free(tdm_fwd_tab *t)
{
    free(t->pe);
    free(t->soff);
    free(t->bys);
    free(t->next);
    memset(t, 0, sizeof *t);
}

static atomic_uint_fast64_t fwd_tab_gen; /* 0 = never built */

int tdm_fwd_tab_build(const tdm_view *v, tdm_fwd_tab *t)
{
    const uint32_t nq = v->nq, ne = v->ne;
    uint32_t nsv = 0;
    for (uint32_t e = 0; e < ne; e++)
        if (v->ebits[e] < TDM_INF && v->esym[e] + 1 > nsv) nsv = v->esym[e] + 1;
    if (ne + 1 > t->cap_e) {
        size_t c = (ne + 1) * 2;
        double *x = realloc(t->pe, c * sizeof *x);
        if (!x) return -1;
        t->pe = x;
        uint32_t *y = realloc(t->bys, c * sizeof *y);
        if (!y) return -1;
        t->bys = y;
        t->cap_e = c;
    }
    if (nsv + 2 > t->cap_s) {
        size_t c = (nsv + 2) * 2;
        uint32_t *x = realloc(t->soff, c * sizeof *x);
        if (!x) return -1;
        t->soff = x;
        t->cap_s = c;
    }
    const size_t nn = (size_t)nq * nsv;
    if (nn + 1 > t->cap_n) {
        size_t c = (nn + 1) * 2;
        int32_t *x = realloc(t->next, c * sizeof *x);
        if (!x) return -1;
        t->next = x;
        t->cap_n = c;
    }
    t->nsv = nsv;
    t->gen = atomic_fetch_add(&fwd_tab_gen, 1) + 1;
    double *pe = t->pe;
    uint32_t *soff = t->soff, *bys = t->bys;
    for (uint32_t a = 0; a <= nsv; a++) soff[a] = 0;
    for (uint32_t e = 0; e < ne; e++) {
        pe[e] = v->ebits[e] < TDM_INF ? exp2(-v->ebits[e]) : 0.0;
        if (pe[e] > 0) soff[v->esym[e] + 1]++;
    }
    for (uint32_t a = 0; a < nsv; a++) soff[a + 1] += soff[a];
    for (uint32_t e = 0; e < ne; e++)
        if (pe[e] > 0) bys[soff[v->esym[e]]++] = e;
    for (uint32_t a = nsv; a > 0; a--) soff[a] = soff[a - 1];
    soff[0] = 0;
    t->det = 1;
    for (size_t i = 0; i < nn; i++) t->next[i] = -1;
    for (uint32_t e = 0; e < ne && t->det; e++) {
        if (!(pe[e] > 0)) continue;
        int32_t *x = &t->next[(size_t)v->esrc[e] * nsv + v->esym[e]];
        if (*x >= 0) t->det = 0;
        *x = (int32_t)e;
    }
    return 0;
}

static int fb_reserve(tdm_dp_scratch *s, size_t cells, size_t levels)
{
    if (cells > s->cap_fb) {
        size_t c = cells * 2;
        double **arr[6] = {&s->fM, &s->fT, &s->fD, &s->bM, &s->bT, &s->bD};
        for (int i = 0; i < 6; i++) {
            double *x = realloc(*arr[i], c * sizeof *x);
            if (!x) return -1;
            *arr[i] = x;
        }
        s->cap_fb = c;
    }
    if (levels > s->cap_lv) {
        size_t c = levels * 2;
        double *x = realloc(s->scale, c * sizeof *x);
        if (!x) return -1;
        s->scale = x;
        s->cap_lv = c;
    }
    return 0;
}

/* the operation at observed position l: is a duplicate of position l-1 possible / a swap of the
 * pair (l-1, l) */
static int fb_dup_ok(const int32_t *sym, size_t L, size_t l)
{
    return l >= 1 && l + 1 < L && sym[l] >= 0 && sym[l] != (int32_t)TDM_END && sym[l - 1] == sym[l];
}
static int fb_swap_ok(const int32_t *sym, size_t L, size_t l)
{
    return l >= 1 && l + 1 < L && sym[l] >= 0 && sym[l - 1] >= 0 && sym[l] != (int32_t)TDM_END &&
           sym[l - 1] != (int32_t)TDM_END;
}

/* usable edges reading symbol a (a word symbol: may be -1 or beyond the edges' alphabet) */
#define FB_EDGES(a, k0, k1)                                                                           \
    uint32_t k0 = 0, k1 = 0;                                                                          \
    if ((a) >= 0 && (uint32_t)(a) < nsv) {                                                            \
        k0 = soff[(a)];                                                                               \
        k1 = soff[(a) + 1];                                                                           \
    }

double tdm_forward(const tdm_view *v, const int32_t *sym, size_t L, tdm_dp_scratch *sc, double weight, double max_bits,
                   double *ops, double *evis)
{
    const uint32_t nq = v->nq, ne = v->ne;
    if (L == 0 || fb_reserve(sc, (L + 1) * nq, L + 1) != 0) return TDM_INF;
    /* edge probabilities and the usable edges grouped by symbol (in edge order) */
    const tdm_fwd_tab *ft = v->ftab;
    if (!ft) {
        if (tdm_fwd_tab_build(v, &sc->ftab) != 0) return TDM_INF;
        ft = &sc->ftab;
    }
    const uint32_t nsv = ft->nsv;
    const double *pe = ft->pe;
    const uint32_t *soff = ft->soff, *bys = ft->bys;
    const int32_t *nx = ft->det ? ft->next : NULL;
    double w[TDM_NOPS];
    for (int o = 0; o < TDM_NOPS; o++) w[o] = v->op_bits[o] < TDM_INF ? exp2(-v->op_bits[o]) : 0.0;
    const double *C = w[TDM_OP_DEL] > 0 ? v->csum : NULL;
    if (L + 1 > sc->cap_fw) {
        size_t cw = (L + 1) * 2;
        int32_t *x = realloc(sc->fw_sym, cw * sizeof *x);
        if (!x) return TDM_INF;
        sc->fw_sym = x;
        double *y = realloc(sc->fw_lp, cw * sizeof *y);
        if (!y) return TDM_INF;
        sc->fw_lp = y;
        sc->cap_fw = cw;
    }
    /* levels 1..R are those of the previous word of this table build when the words share their
     * first R symbols: iteration l reads sym[l-1], sym[l] and whether l+1 < L, the same for both
     * (the shared symbols are not the final "$" unless the words are equal) */
    size_t R = 0;
    if (v->ftab && sc->fw_gen == ft->gen) {
        const size_t m = L < sc->fw_done ? L : sc->fw_done;
        while (R < m && sym[R] == sc->fw_sym[R]) R++;
    }
    sc->fw_gen = ft->gen;
    sc->fw_done = R;
    memcpy(sc->fw_sym, sym, L * sizeof *sym);
    double *fM = sc->fM, *fT = sc->fT, *fD = sc->fD, *c = sc->scale, *lp = sc->fw_lp;
    const double floor_rel = exp2(-TDM_FB_BEAM_BITS);
    double logp, z;
    if (R == 0) {
        /* level 0: the initial state, then deletions (T is only read within its own level) */
        for (uint32_t s = 0; s < nq; s++) fD[s] = 0;
        if (C)
            for (uint32_t s = 0; s < nq; s++) fM[s] = C[(size_t)v->q0 * nq + s];
        else
            for (uint32_t s = 0; s < nq; s++) fM[s] = s == v->q0;
        z = 0;
        for (uint32_t s = 0; s < nq; s++) z += fM[s];
        c[0] = z;
        for (uint32_t s = 0; s < nq; s++) fM[s] /= z;
        logp = log2(z);
        lp[0] = logp;
    } else {
        logp = lp[R];
    }
    for (size_t l = R; l < L; l++) {
        const int32_t a = sym[l];
        const int last = a == (int32_t)TDM_END;
        const double *Ml = fM + l * nq;
        double *Tn = fT + (l + 1) * nq, *Dn = fD + (l + 1) * nq, *Mn = fM + (l + 1) * nq;
        const double wadd = last ? 0.0 : w[TDM_OP_ADD] * exp2(-tdm_sym_bits(v, a));
        for (uint32_t s = 0; s < nq; s++) {
            Tn[s] = wadd * Ml[s];
            Dn[s] = 0;
        }
        if (fb_dup_ok(sym, L, l) && w[TDM_OP_DUP] > 0) {
            const double *Dl = fD + l * nq;
            for (uint32_t s = 0; s < nq; s++) Dn[s] += w[TDM_OP_DUP] * Dl[s];
        }
        {
            FB_EDGES(a, k0, k1)
            for (uint32_t k = k0; k < k1; k++) {
                uint32_t e = bys[k];
                double m = Ml[v->esrc[e]];
                if (m > 0) Dn[v->edst[e]] += m * w[TDM_OP_TR] * pe[e];
            }
        }
        for (uint32_t s = 0; s < nq; s++) Tn[s] += Dn[s];
        if (fb_swap_ok(sym, L, l) && w[TDM_OP_SWAP] > 0) {
            /* observed (b, a) explained by edges f reading a then e reading b; M[l-1] is one level
             * scale older */
            const int32_t b = sym[l - 1];
            const double *Mp = fM + (l - 1) * nq;
            const double ws = w[TDM_OP_SWAP] / c[l];
            FB_EDGES(a, f0, f1)
            FB_EDGES(b, e0, e1)
            if (nx) {
                /* deterministic: the one edge reading b from f's target (the scan's order) */
                if (e1 > e0)
                    for (uint32_t kf = f0; kf < f1; kf++) {
                        uint32_t f = bys[kf];
                        double m = Mp[v->esrc[f]];
                        if (!(m > 0)) continue;
                        int32_t e = nx[(size_t)v->edst[f] * nsv + (uint32_t)b];
                        if (e >= 0) Tn[v->edst[e]] += m * ws * pe[f] * pe[e];
                    }
            } else
                for (uint32_t kf = f0; kf < f1; kf++) {
                    uint32_t f = bys[kf];
                    double m = Mp[v->esrc[f]];
                    if (!(m > 0)) continue;
                    for (uint32_t ke = e0; ke < e1; ke++) {
                        uint32_t e = bys[ke];
                        if (v->esrc[e] == v->edst[f]) Tn[v->edst[e]] += m * ws * pe[f] * pe[e];
                    }
                }
        }
        /* beam, then closure */
        double hi = 0;
        {
            double h4[4] = {0, 0, 0, 0}; /* max in any order is the same number: 4 chains */
            uint32_t s = 0;
            for (; s + 4 <= nq; s += 4)
                for (int j = 0; j < 4; j++) h4[j] = Tn[s + j] > h4[j] ? Tn[s + j] : h4[j];
            for (; s < nq; s++) h4[0] = Tn[s] > h4[0] ? Tn[s] : h4[0];
            for (int j = 0; j < 4; j++) hi = h4[j] > hi ? h4[j] : hi;
        }
        if (!(hi > 0)) return TDM_INF;
        for (uint32_t s = 0; s < nq; s++)
            if (Tn[s] < hi * floor_rel) Tn[s] = Dn[s] = 0;
        if (C && !last) {
            for (uint32_t t = 0; t < nq; t++) Mn[t] = 0;
            const uint32_t *so = v->cs_off, *si = v->cs_idx;
            const double *sv = v->cs_val;
            for (uint32_t s = 0; s < nq; s++) {
                if (!(Tn[s] > 0)) continue;
                const double x = Tn[s];
                if (so) {
                    for (uint32_t k = so[s]; k < so[s + 1]; k++) Mn[si[k]] += x * sv[k];
                } else {
                    const double *row = C + (size_t)s * nq;
                    for (uint32_t t = 0; t < nq; t++) Mn[t] += x * row[t];
                }
            }
        } else {
            for (uint32_t s = 0; s < nq; s++) Mn[s] = Tn[s];
        }
        z = 0;
        for (uint32_t s = 0; s < nq; s++) z += Mn[s];
        c[l + 1] = z;
        const double iz = 1.0 / z;
        for (uint32_t s = 0; s < nq; s++) {
            Mn[s] *= iz;
            Dn[s] *= iz;
        }
        logp += log2(z);
        lp[l + 1] = logp;
        sc->fw_done = l + 1;
    }
    const double pf = fM[L * nq + v->qf];
    if (!(pf > 0)) return TDM_INF;
    const double bits = -(logp + log2(pf));
    if (!ops || bits > max_bits) return bits;

    /* backward pass (scaled like the forward one: the posterior of an arc from level l to level
     * l' is fwd * weight * bwd / (c[l+1] ... c[l'])) and expected counts */
    double *bM = sc->bM, *bT = sc->bT, *bD = sc->bD;
    double n_op[TDM_NOPS] = {0};
    for (uint32_t s = 0; s < nq; s++) {
        bM[L * nq + s] = s == v->qf ? 1.0 / pf : 0.0;
        bT[L * nq + s] = bM[L * nq + s]; /* no closure after "$" */
        bD[L * nq + s] = bT[L * nq + s];
    }
    for (size_t l = L; l-- > 0;) {
        const int32_t a = sym[l];
        const int last = a == (int32_t)TDM_END;
        double *BM = bM + l * nq, *BT = bT + l * nq, *BD = bD + l * nq;
        const double *BTn = bT + (l + 1) * nq, *BDn = bD + (l + 1) * nq;
        const double *Ml = fM + l * nq;
        const double inv1 = 1.0 / c[l + 1];
        const double wadd = last ? 0.0 : w[TDM_OP_ADD] * exp2(-tdm_sym_bits(v, a)) * inv1;
        for (uint32_t s = 0; s < nq; s++) {
            BM[s] = wadd * BTn[s];
            n_op[TDM_OP_ADD] += Ml[s] * BM[s];
        }
        {
            FB_EDGES(a, k0, k1)
            for (uint32_t k = k0; k < k1; k++) {
                uint32_t e = bys[k];
                double bd = BDn[v->edst[e]];
                if (!(bd != 0)) continue;
                uint32_t u = v->esrc[e];
                double x = w[TDM_OP_TR] * pe[e] * bd * inv1;
                BM[u] += x;
                double post = Ml[u] * x;
                n_op[TDM_OP_TR] += post;
                if (evis) evis[e] += weight * post;
            }
        }
        /* swap of the pair (l, l+1) from this level to level l+2 */
        if (l + 1 < L && fb_swap_ok(sym, L, l + 1) && w[TDM_OP_SWAP] > 0) {
            const int32_t b = sym[l], a2 = sym[l + 1];
            const double *BT2 = bT + (l + 2) * nq;
            const double ws = w[TDM_OP_SWAP] * inv1 / c[l + 2];
            FB_EDGES(a2, f0, f1)
            FB_EDGES(b, e0, e1)
            for (uint32_t kf = f0; kf < f1; kf++) {
                uint32_t f = bys[kf], u = v->esrc[f];
                /* deterministic: only the edge reading b from f's target */
                uint32_t ke0 = e0, ke1 = e1;
                int32_t only = -1;
                if (nx && e1 > e0) {
                    only = nx[(size_t)v->edst[f] * nsv + (uint32_t)b];
                    ke0 = 0;
                    ke1 = only >= 0;
                }
                for (uint32_t ke = ke0; ke < ke1; ke++) {
                    uint32_t e = only >= 0 ? (uint32_t)only : bys[ke];
                    if (v->esrc[e] != v->edst[f]) continue;
                    double bt = BT2[v->edst[e]];
                    if (!(bt != 0)) continue;
                    double x = ws * pe[f] * pe[e] * bt;
                    BM[u] += x;
                    double post = Ml[u] * x;
                    n_op[TDM_OP_SWAP] += post;
                    if (evis) {
                        evis[e] += weight * post;
                        evis[f] += weight * post;
                    }
                }
            }
        }
        /* closure at level l (after position l-1, or the start; never after "$" since l < L):
         * bT = C bM, over the non-zero bM */
        if (C) {
            if (v->cs_off) {
                for (uint32_t s = 0; s < nq; s++) {
                    double acc = 0;
                    for (uint32_t k = v->cs_off[s]; k < v->cs_off[s + 1]; k++) acc += v->cs_val[k] * BM[v->cs_idx[k]];
                    BT[s] = acc;
                }
            } else {
                for (uint32_t s = 0; s < nq; s++) BT[s] = 0;
                for (uint32_t t = 0; t < nq; t++) {
                    const double bm = BM[t];
                    if (!(bm != 0)) continue;
                    for (uint32_t s = 0; s < nq; s++) BT[s] += C[(size_t)s * nq + t] * bm;
                }
            }
            /* deleted edges at this level: M[u] * w * bT[v] */
            for (uint32_t e = 0; e < ne; e++) {
                if (!(pe[e] > 0) || v->esym[e] == TDM_END) continue;
                double m = Ml[v->esrc[e]];
                if (!(m > 0)) continue;
                double post = m * w[TDM_OP_DEL] * pe[e] * BT[v->edst[e]];
                n_op[TDM_OP_DEL] += post;
                if (evis) evis[e] += weight * post;
            }
        } else {
            for (uint32_t s = 0; s < nq; s++) BT[s] = BM[s];
        }
        /* D at level l: part of T, and the source of a duplicate at position l */
        const int dup = fb_dup_ok(sym, L, l) && w[TDM_OP_DUP] > 0;
        const double wd = w[TDM_OP_DUP] * inv1;
        for (uint32_t s = 0; s < nq; s++) {
            BD[s] = BT[s];
            if (dup) {
                double x = wd * BDn[s];
                BD[s] += x;
                n_op[TDM_OP_DUP] += fD[l * nq + s] * x;
            }
        }
    }
    for (int o = 0; o < TDM_NOPS; o++) ops[o] += weight * n_op[o];
    return bits;
}

void tdm_unigram_bits(const double *counts, uint32_t n, double *bits, double *unk)
{
    double N = 0;
    for (uint32_t i = 0; i < n; i++) N += counts[i] > 0 ? counts[i] : 0;
    double den = N + 0.5 * (n + 1);
    for (uint32_t i = 0; i < n; i++) bits[i] = -log2(((counts[i] > 0 ? counts[i] : 0) + 0.5) / den);
    if (unk) *unk = -log2(0.5 / den);
}
