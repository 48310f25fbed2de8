/* Sampling timed sequences from an automaton: forward walk by edge probabilities, or exact
 * conditioning on the number of events per direction through a backward table
 * beta[q][f][b] = P(reach the final state from q emitting exactly f forward and b backward events).
 * Fos-R approximates this conditioning by weighting predecessors by training counts (spec A13). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tadam/tadam_internal.h"

#define MAX_IAT_US 1e13      /* ~115 days: keeps huge grid values finite */
#define MAX_PAYLOAD 1073741824.0

void sg_tadam_sample_opts_init(sg_tadam_sample_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_len = 1000;
    o->target_fwd = o->target_bwd = -1;
}

static int conditionable(const sg_tadam_model *m)
{
    for (uint32_t e = 0; e < m->n_edges; e++)
        if (m->edges[e].sym != TDM_END && m->sym[m->edges[e].sym].dir == 0) return 0;
    return 1;
}

sg_status sg_tadam_model_prepare(sg_tadam_model *m, size_t F, size_t B, sg_error *err)
{
    if (!F) F = 128;
    if (!B) B = 128;
    if (F > 4096 || B > 4096) return sg_error_set(err, SG_ERR_RANGE, "conditioning table too large (%zu x %zu)", F, B);
    if (!conditionable(m)) return SG_OK; /* events without direction: no count conditioning */
    size_t per = (F + 1) * (B + 1);
    if ((size_t)m->n_states * per > ((size_t)1 << 28))
        return sg_error_set(err, SG_ERR_RANGE, "conditioning table too large for %u states", m->n_states);
    size_t nbeta = (size_t)m->n_states * per;
    double *beta = calloc(nbeta * sizeof(double) + (F + 2) * sizeof(uint32_t) + per * sizeof(uint16_t), 1);
    if (!beta) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    uint32_t *roff = (uint32_t *)(beta + nbeta);
    uint16_t *rb = (uint16_t *)(roff + F + 2);
    /* increasing f + b: every non-"$" edge consumes one event */
    for (size_t tot = 0; tot <= F + B; tot++)
        for (size_t f = 0; f <= F && f <= tot; f++) {
            size_t b = tot - f;
            if (b > B) continue;
            for (uint32_t q = 0; q < m->n_states; q++) {
                double s = 0;
                for (uint32_t k = m->out_off[q]; k < m->out_off[q + 1]; k++) {
                    const tdm_edge *E = &m->edges[m->out_idx[k]];
                    if (E->sym == TDM_END) {
                        if (tot == 0) s += E->p;
                        continue;
                    }
                    int d = m->sym[E->sym].dir;
                    if (d > 0 && f > 0) s += E->p * beta[(size_t)E->dst * per + (f - 1) * (B + 1) + b];
                    if (d < 0 && b > 0) s += E->p * beta[(size_t)E->dst * per + f * (B + 1) + (b - 1)];
                }
                beta[(size_t)q * per + f * (B + 1) + b] = s;
            }
        }
    uint32_t nr = 0;
    for (size_t f = 0; f <= F; f++) {
        roff[f] = nr;
        for (size_t b = 0; b <= B; b++)
            if (beta[(size_t)m->initial * per + f * (B + 1) + b] > 0) rb[nr++] = (uint16_t)b;
    }
    roff[F + 1] = nr;
    /* publish: F/B first, then the table pointer (release), read with acquire in sampling */
    double *old = m->beta.beta;
    m->beta.F = F;
    m->beta.B = B;
    m->beta.roff = roff;
    m->beta.rb = rb;
    __atomic_store_n(&m->beta.beta, beta, __ATOMIC_RELEASE);
    free(old);
    return SG_OK;
}

static void draw_values(const sg_tadam_model *m, const tdm_edge *E, sg_rng *r, int64_t *iat, int64_t *pay)
{
    const tdm_gauss *g = &E->g;
    double x1, payload;
    if (E->n_hist) {
        /* empirical payload sizes (exact values such as a 517-byte ClientHello) */
        uint64_t tot = 0;
        for (uint32_t i = 0; i < E->n_hist; i++) tot += E->hist_cnt[i];
        uint64_t u = sg_rng_below(r, tot);
        uint32_t i = 0;
        while (i + 1 < E->n_hist && u >= E->hist_cnt[i]) u -= E->hist_cnt[i++];
        payload = (double)E->hist_val[i];
        x1 = m->scale_payload * log2(1.0 + payload);
    } else {
        x1 = g->mu[1] + sqrt(g->cov[2]) * sg_rng_normal(r);
        payload = tdm_ungrid(x1, m->scale_payload);
    }
    /* IAT from the conditional Gaussian given the payload */
    double m0 = g->mu[0] + g->cov[1] / g->cov[2] * (x1 - g->mu[1]);
    double v0 = g->cov[0] - g->cov[1] * g->cov[1] / g->cov[2];
    if (v0 < 1e-9) v0 = 1e-9;
    double x0 = m0 + sqrt(v0) * sg_rng_normal(r);
    double t = tdm_ungrid(x0, m->scale_iat);
    if (!(t <= MAX_IAT_US)) t = MAX_IAT_US;
    if (!(payload <= MAX_PAYLOAD)) payload = MAX_PAYLOAD;
    *iat = (int64_t)llround(t);
    *pay = (int64_t)llround(payload);
}

static double beta_at(const sg_tadam_model *m, uint32_t q, int64_t f, int64_t b)
{
    if (f < 0 || b < 0 || (size_t)f > m->beta.F || (size_t)b > m->beta.B) return 0;
    size_t per = (m->beta.F + 1) * (m->beta.B + 1);
    return m->beta.beta[(size_t)q * per + (size_t)f * (m->beta.B + 1) + (size_t)b];
}

/* 1 if row f holds the reachable count b (rows are ascending) */
static int row_has(const sg_tadam_model *m, int64_t f, int64_t b)
{
    const uint16_t *a = m->beta.rb + m->beta.roff[f], *z = m->beta.rb + m->beta.roff[f + 1];
    while (a < z) {
        const uint16_t *mid = a + (z - a) / 2;
        if (*mid < b) a = mid + 1;
        else if (*mid > b) z = mid;
        else return 1;
    }
    return 0;
}

/* One count given (the other < 0): the given one becomes the nearest reachable count, and the
 * unknown one is drawn from its distribution given it, P(b | f) ∝ beta(q0, f, b) — the
 * probability that a walk ends with those counts. Fixing the unknown count at its fewest, as
 * before, gave a request record a server that never answered (issue 14). 0: nothing reachable. */
static int draw_unknown(const sg_tadam_model *m, sg_rng *rng, int64_t gf, int64_t gb, int64_t *of, int64_t *ob)
{
    const int64_t F = (int64_t)m->beta.F;
    int64_t best = -1, bestd = INT64_MAX;
    if (gb < 0) { /* the row nearest gf that has any reachable b */
        for (int64_t f = 0; f <= F; f++) {
            int64_t d = f > gf ? f - gf : gf - f;
            if (m->beta.roff[f] < m->beta.roff[f + 1] && d < bestd) bestd = d, best = f;
        }
        if (best < 0) return 0;
        const uint16_t *lo = m->beta.rb + m->beta.roff[best], *hi = m->beta.rb + m->beta.roff[best + 1];
        double tot = 0, u;
        for (const uint16_t *a = lo; a < hi; a++) tot += beta_at(m, m->initial, best, *a);
        u = sg_rng_uniform(rng) * tot;
        const uint16_t *a = lo;
        for (; a + 1 < hi; a++) {
            u -= beta_at(m, m->initial, best, *a);
            if (u < 0) break;
        }
        *of = best;
        *ob = *a;
        return 1;
    }
    /* gf < 0: the reachable b nearest gb, then f among the rows that reach it */
    for (int64_t f = 0; f <= F; f++)
        for (const uint16_t *a = m->beta.rb + m->beta.roff[f]; a < m->beta.rb + m->beta.roff[f + 1]; a++) {
            int64_t d = *a > gb ? *a - gb : gb - *a;
            if (d < bestd || (d == bestd && *a < best)) bestd = d, best = *a;
        }
    if (best < 0) return 0;
    double tot = 0;
    for (int64_t f = 0; f <= F; f++)
        if (row_has(m, f, best)) tot += beta_at(m, m->initial, f, best);
    double u = sg_rng_uniform(rng) * tot;
    int64_t pick = -1;
    for (int64_t f = 0; f <= F; f++)
        if (row_has(m, f, best)) {
            pick = f;
            u -= beta_at(m, m->initial, f, best);
            if (u < 0) break;
        }
    *of = pick;
    *ob = best;
    return 1;
}

sg_status sg_tadam_sample(const sg_tadam_model *m, sg_rng *rng, const sg_tadam_sample_opts *o, sg_tadam_event *out,
                          size_t cap, size_t *n_out, int *complete, sg_error *err)
{
    sg_tadam_sample_opts def;
    if (!o) {
        sg_tadam_sample_opts_init(&def);
        o = &def;
    }
    *n_out = 0;
    *complete = 0;
    size_t maxlen = o->max_len ? o->max_len : 1000;
    if (maxlen > cap) maxlen = cap;
    int cond = (o->target_fwd >= 0 || o->target_bwd >= 0) && conditionable(m);
    int64_t tf = o->target_fwd < 0 ? 0 : o->target_fwd, tb = o->target_bwd < 0 ? 0 : o->target_bwd;
    if (cond) {
        if (!__atomic_load_n(&m->beta.beta, __ATOMIC_ACQUIRE)) {
            /* lazy preparation, safe when several threads sample from the same model */
            sg_tadam_model *mm = (sg_tadam_model *)m;
            pthread_mutex_lock(&mm->beta_lock);
            sg_status st = SG_OK;
            if (!__atomic_load_n(&mm->beta.beta, __ATOMIC_ACQUIRE)) st = sg_tadam_model_prepare(mm, 0, 0, err);
            pthread_mutex_unlock(&mm->beta_lock);
            if (st != SG_OK) return st;
            if (!__atomic_load_n(&m->beta.beta, __ATOMIC_ACQUIRE)) cond = 0; /* not conditionable */
        }
        if (o->target_fwd < 0 || o->target_bwd < 0) {
            if (!draw_unknown(m, rng, o->target_fwd, o->target_bwd, &tf, &tb)) cond = 0; /* nothing reachable: unconstrained walk */
        } else if (beta_at(m, m->initial, tf, tb) <= 0) {
            /* counts no walk ends with: the nearest reachable pair */
            double bestd = HUGE_VAL;
            int64_t bf = -1, bb = -1;
            /* per row f, only the reachable b nearest to tb can win (ties: the smaller b, as a
             * scan in increasing b would pick); rows hold the reachable b in ascending order */
            for (int64_t f = 0; f <= (int64_t)m->beta.F; f++) {
                const uint16_t *lo = m->beta.rb + m->beta.roff[f], *hi = m->beta.rb + m->beta.roff[f + 1];
                if (lo == hi) continue;
                const uint16_t *a = lo, *z = hi; /* first b >= tb, or the one before it if nearer */
                while (a < z) {
                    const uint16_t *mid = a + (z - a) / 2;
                    if (*mid < tb) a = mid + 1;
                    else z = mid;
                }
                int64_t b;
                if (a == hi) b = hi[-1];
                else if (a > lo && tb - a[-1] <= *a - tb) b = a[-1];
                else b = *a;
                double df = (double)(f - tf), db = (double)(b - tb);
                double dd = df * df + db * db;
                if (dd < bestd) {
                    bestd = dd;
                    bf = f;
                    bb = b;
                }
            }
            if (bf < 0) cond = 0; /* nothing reachable within the table: unconstrained walk */
            tf = bf;
            tb = bb;
        }
    }
    uint32_t q = m->initial;
    size_t n = 0;
    double w[256];
    for (;;) {
        uint32_t k0 = m->out_off[q], k1 = m->out_off[q + 1];
        if (k0 == k1) break; /* dead end (imported model): truncated */
        uint32_t deg = k1 - k0;
        double tot = 0;
        double *wp = deg <= 256 ? w : malloc(deg * sizeof *wp);
        if (!wp) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (uint32_t k = 0; k < deg; k++) {
            const tdm_edge *E = &m->edges[m->out_idx[k0 + k]];
            double x = E->p;
            if (cond) {
                if (E->sym == TDM_END)
                    x *= (tf == 0 && tb == 0) ? 1.0 : 0.0;
                else {
                    int d = m->sym[E->sym].dir;
                    x *= beta_at(m, E->dst, tf - (d > 0), tb - (d < 0));
                }
            }
            wp[k] = x;
            tot += x;
        }
        uint32_t pick;
        if (!(tot > 0)) {
            if (wp != w) free(wp);
            break;
        }
        pick = (uint32_t)sg_rng_categorical(rng, wp, deg);
        if (wp != w) free(wp);
        const tdm_edge *E = &m->edges[m->out_idx[k0 + pick]];
        if (E->sym == TDM_END) {
            *complete = 1;
            break;
        }
        if (n >= maxlen) break;
        sg_tadam_event *ev = &out[n++];
        ev->symbol = m->sym[E->sym].name;
        ev->symbol_id = E->sym;
        ev->dir = m->sym[E->sym].dir;
        ev->tcp_flags = m->sym[E->sym].flags;
        draw_values(m, E, rng, &ev->iat_us, &ev->payload);
        if (cond) {
            tf -= ev->dir > 0;
            tb -= ev->dir < 0;
        }
        q = E->dst;
    }
    *n_out = n;
    return SG_OK;
}
