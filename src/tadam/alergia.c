/* The state-merging baseline of the paper's Table 3 (a learner without a noise model):
 * ALERGIA (Carrasco & Oncina, "Learning stochastic regular grammars by means of a state merging
 * method", ICGI 1994), in its red-blue formulation (de la Higuera, "Grammatical Inference", 2010).
 *
 * Learning: the prefix-tree acceptor (PTA) of the training sequences with arrival, end and
 * transition counts; states are ranked in length-lexicographic order of their prefixes (symbols
 * sorted by name, so the result does not depend on the order of the training rows). RED starts
 * with the root; repeatedly the lowest-ranked BLUE state (a non-red child of a red state, always
 * the root of a subtree of the PTA) is merged into the first compatible red state in rank order,
 * or promoted to red if none is compatible. Two states are compatible when the Hoeffding bound
 * does not separate their end frequencies nor any symbol frequency, and their successors on every
 * common symbol are compatible, recursively:
 *     |f1/n1 - f2/n2| > sqrt(ln(2/alpha) / 2) * (1/sqrt(n1) + 1/sqrt(n2))  => different.
 * A merge folds the blue subtree into the red part (counts added, missing branches attached).
 *
 * Scoring (a design decision, docs/tadam.md): a state's maximum-likelihood distribution gives 0 to
 * events it never saw, so each state keeps a Witten-Bell escape mass d/(n+d) (d = distinct events
 * seen there); an escaped event is coded by an add-1/2 unigram renormalised over the events the
 * state did not see, and the walk resumes at the most used target of that symbol (an unknown
 * symbol leaves the state unchanged). Every sequence therefore gets finite bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tadam/tadam_internal.h"

void sg_tadam_alergia_opts_init(sg_tadam_alergia_opts *o)
{
    memset(o, 0, sizeof *o);
    o->alpha = 0.05;
}

typedef struct aedge {
    uint32_t sym, dst;
    double cnt;
    int32_t next; /* next edge of the same source, -1 = none */
} aedge;

typedef struct astate {
    double n, fin;       /* arrivals, ends */
    int32_t first;       /* first out-edge, -1 = none */
    int32_t parent_edge; /* PTA: the edge into this state (-1 for the root) */
    uint32_t rank;       /* length-lexicographic rank in the PTA */
    uint8_t color;       /* 0 white (tree), 1 red, 2 folded away */
} astate;

struct sg_tadam_alergia {
    sg_hashmap *idx; /* symbol name -> id 0..V-1 (names sorted) */
    size_t V;
    /* final automaton, CSR: state q's edges are e_sym/e_dst/e_cnt[off[q] .. off[q+1]) */
    size_t nq;
    double *n, *fin;
    size_t *off;
    uint32_t *e_sym, *e_dst;
    double *e_cnt;
    /* scoring tables */
    double *uni;       /* [V+2]: add-1/2 unigram of symbol v, V = end, V+1 = unknown */
    double *unseen;    /* [nq] 1 - unigram mass of the events the state saw */
    uint32_t *resume;  /* [V] state after an escaped symbol v */
    sg_tadam_alergia_info info;
};

/* ---- learning ------------------------------------------------------------------------------- */

typedef struct pta {
    astate *q;
    size_t nq, qcap;
    aedge *e;
    size_t ne, ecap;
} pta;

static int32_t find_edge(const pta *t, uint32_t q, uint32_t sym)
{
    for (int32_t e = t->q[q].first; e >= 0; e = t->e[e].next)
        if (t->e[e].sym == sym) return e;
    return -1;
}

static int add_state(pta *t)
{
    if (t->nq == t->qcap) {
        size_t c = t->qcap ? 2 * t->qcap : 256;
        astate *q = realloc(t->q, c * sizeof *q);
        if (!q) return -1;
        t->q = q;
        t->qcap = c;
    }
    t->q[t->nq++] = (astate){0, 0, -1, -1, 0, 0};
    return 0;
}

/* appends an edge q -sym-> dst at the end of q's list */
static int32_t add_edge(pta *t, uint32_t q, uint32_t sym, uint32_t dst, double cnt)
{
    if (t->ne == t->ecap) {
        size_t c = t->ecap ? 2 * t->ecap : 256;
        aedge *e = realloc(t->e, c * sizeof *e);
        if (!e) return -1;
        t->e = e;
        t->ecap = c;
    }
    int32_t id = (int32_t)t->ne++;
    t->e[id] = (aedge){sym, dst, cnt, -1};
    int32_t *link = &t->q[q].first;
    while (*link >= 0) link = &t->e[*link].next;
    *link = id;
    return id;
}

static double hoeffding_eps(double alpha, double n1, double n2)
{
    return sqrt(0.5 * log(2.0 / alpha)) * (1.0 / sqrt(n1) + 1.0 / sqrt(n2));
}

static int different(double f1, double n1, double f2, double n2, double alpha)
{
    return fabs(f1 / n1 - f2 / n2) > hoeffding_eps(alpha, n1, n2);
}

/* explicit stack of (red-part state, tree state) pairs: the tree can be as deep as the longest
 * training sequence, too deep for recursion */
typedef struct pstack {
    uint32_t *v;
    size_t n, cap;
} pstack;

static int push(pstack *st, uint32_t r, uint32_t b)
{
    if (st->n + 2 > st->cap) {
        size_t c = st->cap ? 2 * st->cap : 256;
        uint32_t *v = realloc(st->v, c * sizeof *v);
        if (!v) return -1;
        st->v = v;
        st->cap = c;
    }
    st->v[st->n++] = r;
    st->v[st->n++] = b;
    return 0;
}

/* ALERGIA's compatibility test of a red-part state r and a tree state b, and of their successors
 * on every common symbol (b's subtree is finite, so it ends). 1 compatible, 0 not, -1 no memory. */
static int compatible(const pta *t, uint32_t r0, uint32_t b0, double alpha, pstack *st)
{
    st->n = 0;
    if (push(st, r0, b0)) return -1;
    while (st->n) {
        uint32_t b = st->v[--st->n], r = st->v[--st->n];
        const astate *R = &t->q[r], *B = &t->q[b];
        if (R->n <= 0 || B->n <= 0) continue;
        if (different(R->fin, R->n, B->fin, B->n, alpha)) return 0;
        for (int32_t e = B->first; e >= 0; e = t->e[e].next) {
            int32_t f = find_edge(t, r, t->e[e].sym);
            if (different(f >= 0 ? t->e[f].cnt : 0, R->n, t->e[e].cnt, B->n, alpha)) return 0;
        }
        for (int32_t f = R->first; f >= 0; f = t->e[f].next)
            if (find_edge(t, b, t->e[f].sym) < 0 && different(t->e[f].cnt, R->n, 0, B->n, alpha)) return 0;
        for (int32_t e = B->first; e >= 0; e = t->e[e].next) {
            int32_t f = find_edge(t, r, t->e[e].sym);
            if (f >= 0 && push(st, t->e[f].dst, t->e[e].dst)) return -1;
        }
    }
    return 1;
}

/* fold the tree rooted at b into state r: counts added, branches r lacks attached to r, common
 * branches folded in turn */
static int fold(pta *t, uint32_t r0, uint32_t b0, pstack *st)
{
    st->n = 0;
    if (push(st, r0, b0)) return -1;
    while (st->n) {
        uint32_t b = st->v[--st->n], r = st->v[--st->n];
        t->q[r].n += t->q[b].n;
        t->q[r].fin += t->q[b].fin;
        t->q[b].color = 2;
        for (int32_t e = t->q[b].first; e >= 0; e = t->e[e].next) {
            uint32_t sym = t->e[e].sym, d = t->e[e].dst;
            double c = t->e[e].cnt;
            int32_t f = find_edge(t, r, sym);
            if (f >= 0) {
                t->e[f].cnt += c;
                if (push(st, t->e[f].dst, d)) return -1;
            } else {
                int32_t g = add_edge(t, r, sym, d, c);
                if (g < 0) return -1;
                t->q[d].parent_edge = g;
            }
        }
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int cmp_edge_sym(const void *a, const void *b)
{
    const aedge *x = a, *y = b;
    return (x->sym > y->sym) - (x->sym < y->sym);
}

/* the final automaton from the red states (numbered in rank order) and the scoring tables */
static sg_status finish(sg_tadam_alergia *a, const pta *t, const uint32_t *red, size_t nred, const double *sym_count,
                        double n_seq, double n_events, sg_error *err)
{
    uint32_t *num = malloc(t->nq * sizeof *num);
    a->nq = nred;
    a->n = malloc(nred * sizeof *a->n);
    a->fin = malloc(nred * sizeof *a->fin);
    a->off = malloc((nred + 1) * sizeof *a->off);
    a->unseen = malloc(nred * sizeof *a->unseen);
    a->uni = malloc((a->V + 2) * sizeof *a->uni);
    a->resume = malloc((a->V + 1) * sizeof *a->resume);
    size_t ne = 0;
    for (size_t k = 0; k < nred; k++)
        for (int32_t e = t->q[red[k]].first; e >= 0; e = t->e[e].next) ne++;
    a->e_sym = malloc((ne + 1) * sizeof *a->e_sym);
    a->e_dst = malloc((ne + 1) * sizeof *a->e_dst);
    a->e_cnt = malloc((ne + 1) * sizeof *a->e_cnt);
    double *best = calloc(a->V + 1, sizeof *best);
    if (!num || !a->n || !a->fin || !a->off || !a->unseen || !a->uni || !a->resume || !a->e_sym ||
        !a->e_dst || !a->e_cnt || !best) {
        free(num);
        free(best);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < nred; k++) num[red[k]] = (uint32_t)k;
    /* add-1/2 unigram over the symbols, the end and one unknown class */
    double tot = n_events + n_seq + 0.5 * (double)(a->V + 2);
    for (size_t v = 0; v < a->V; v++) a->uni[v] = (sym_count[v] + 0.5) / tot;
    a->uni[a->V] = (n_seq + 0.5) / tot;
    a->uni[a->V + 1] = 0.5 / tot;
    for (size_t v = 0; v <= a->V; v++) a->resume[v] = UINT32_MAX;
    size_t k2 = 0;
    for (size_t k = 0; k < nred; k++) {
        const astate *s = &t->q[red[k]];
        a->n[k] = s->n;
        a->fin[k] = s->fin;
        a->off[k] = k2;
        double seen = s->fin > 0 ? a->uni[a->V] : 0;
        for (int32_t e = s->first; e >= 0; e = t->e[e].next) {
            a->e_sym[k2] = t->e[e].sym;
            a->e_dst[k2] = num[t->e[e].dst];
            a->e_cnt[k2] = t->e[e].cnt;
            seen += a->uni[t->e[e].sym];
            uint32_t v = t->e[e].sym;
            if (t->e[e].cnt > best[v] || (t->e[e].cnt == best[v] && a->e_dst[k2] < a->resume[v])) {
                best[v] = t->e[e].cnt;
                a->resume[v] = a->e_dst[k2];
            }
            k2++;
        }
        a->unseen[k] = 1 - seen;
        a->info.n_final += s->fin > 0;
    }
    a->off[nred] = k2;
    a->info.n_states = nred;
    a->info.n_edges = ne;
    free(num);
    free(best);
    return SG_OK;
}

sg_status sg_tadam_alergia_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx,
                                 const sg_tadam_alergia_opts *o, sg_tadam_alergia **out, sg_error *err)
{
    *out = NULL;
    size_t n = idx ? n_idx : sg_seq_set_count(set);
    if (n == 0) return sg_error_set(err, SG_ERR_EMPTY, "no sequences to learn the ALERGIA automaton from");
    if (!(o->alpha > 0 && o->alpha < 1)) return sg_error_set(err, SG_ERR_RANGE, "ALERGIA alpha must be in (0,1)");
    sg_tadam_alergia *a = calloc(1, sizeof *a);
    pta t = {0};
    pstack stack = {0};
    const char **names = NULL;
    uint32_t *map = NULL, *red = NULL, *queue = NULL;
    double *sym_count = NULL;
    sg_status st = SG_OK;
    size_t nsym_set = sg_seq_set_nsymbols(set);
    if (!a || !(a->idx = sg_hashmap_create(64)) || !(map = malloc((nsym_set + 1) * sizeof *map)) ||
        !(names = malloc((nsym_set + 1) * sizeof *names)))
        goto nomem;
    /* alphabet: the set symbols that occur in the training sequences, sorted by name */
    for (size_t v = 0; v < nsym_set; v++) map[v] = UINT32_MAX;
    double n_events = 0;
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, idx ? idx[k] : k);
        n_events += (double)s->n;
        for (size_t i = 0; i < s->n; i++)
            if (map[s->sym[i]] == UINT32_MAX) {
                map[s->sym[i]] = 0;
                names[a->V++] = sg_seq_set_symbol(set, s->sym[i]);
            }
    }
    qsort(names, a->V, sizeof *names, cmp_str);
    for (size_t v = 0; v < a->V; v++) {
        if (sg_hashmap_put(a->idx, names[v], strlen(names[v]), v) != SG_OK) goto nomem;
        map[sg_seq_set_find_symbol(set, names[v])] = (uint32_t)v;
    }
    if (!(sym_count = calloc(a->V + 1, sizeof *sym_count))) goto nomem;
    /* prefix tree with counts */
    if (add_state(&t)) goto nomem;
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, idx ? idx[k] : k);
        uint32_t q = 0;
        t.q[0].n += 1;
        for (size_t i = 0; i < s->n; i++) {
            uint32_t v = map[s->sym[i]];
            sym_count[v] += 1;
            int32_t e = find_edge(&t, q, v);
            if (e < 0) {
                if (add_state(&t)) goto nomem;
                if ((e = add_edge(&t, q, v, (uint32_t)(t.nq - 1), 0)) < 0) goto nomem;
                t.q[t.nq - 1].parent_edge = e;
            }
            t.e[e].cnt += 1;
            q = t.e[e].dst;
            t.q[q].n += 1;
        }
        t.q[q].fin += 1;
    }
    a->info.n_pta_states = t.nq;
    /* length-lexicographic ranks: breadth first, children by symbol. Sorting each list by symbol
     * (the edges of a state are contiguous only by chance) is done through a small buffer. */
    if (!(queue = malloc(t.nq * sizeof *queue)) || !(red = malloc(t.nq * sizeof *red))) goto nomem;
    {
        size_t head = 0, tail = 0, cap = 0;
        aedge *buf = NULL;
        queue[tail++] = 0;
        while (head < tail) {
            uint32_t q = queue[head];
            t.q[q].rank = (uint32_t)head++;
            size_t m = 0;
            for (int32_t e = t.q[q].first; e >= 0; e = t.e[e].next) m++;
            if (m > cap) {
                aedge *b2 = realloc(buf, m * sizeof *b2);
                if (!b2) {
                    free(buf);
                    goto nomem;
                }
                buf = b2;
                cap = m;
            }
            m = 0;
            for (int32_t e = t.q[q].first; e >= 0; e = t.e[e].next) buf[m++] = t.e[e];
            qsort(buf, m, sizeof *buf, cmp_edge_sym);
            for (size_t j = 0; j < m; j++) queue[tail++] = buf[j].dst;
        }
        free(buf);
    }
    /* red-blue merging */
    size_t nred = 0;
    red[nred++] = 0;
    t.q[0].color = 1;
    for (;;) {
        uint32_t blue = UINT32_MAX;
        for (size_t k = 0; k < nred; k++)
            for (int32_t e = t.q[red[k]].first; e >= 0; e = t.e[e].next) {
                uint32_t d = t.e[e].dst;
                if (t.q[d].color == 0 && (blue == UINT32_MAX || t.q[d].rank < t.q[blue].rank)) blue = d;
            }
        if (blue == UINT32_MAX) break;
        int merged = 0;
        for (size_t k = 0; k < nred && !merged; k++) {
            int c = compatible(&t, red[k], blue, o->alpha, &stack);
            if (c < 0) goto nomem;
            if (!c) continue;
            t.e[t.q[blue].parent_edge].dst = red[k];
            if (fold(&t, red[k], blue, &stack)) goto nomem;
            a->info.n_merges++;
            merged = 1;
        }
        if (!merged) { /* promote, keeping red in rank order */
            size_t k = nred++;
            while (k > 0 && t.q[red[k - 1]].rank > t.q[blue].rank) {
                red[k] = red[k - 1];
                k--;
            }
            red[k] = blue;
            t.q[blue].color = 1;
        }
    }
    if ((st = finish(a, &t, red, nred, sym_count, (double)n, n_events, err)) != SG_OK) goto fail;
    goto done;
nomem:
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
fail:
    sg_tadam_alergia_destroy(a);
    a = NULL;
done:
    free(t.q);
    free(t.e);
    free(stack.v);
    free(names);
    free(map);
    free(red);
    free(queue);
    free(sym_count);
    *out = a;
    return st;
}

/* ---- scoring ------------------------------------------------------------------------------- */

static int32_t col_of(const sg_tadam_alergia *a, const char *nm)
{
    uint64_t v;
    if (nm && sg_hashmap_get(a->idx, nm, strlen(nm), &v)) return (int32_t)v;
    return -1;
}

/* bits of event v (V = end, -1 = unknown symbol) at state q; *next = the state after it */
static double step_bits(const sg_tadam_alergia *a, uint32_t q, int32_t v, uint32_t *next)
{
    double d = a->fin[q] > 0 ? 1 : 0;
    d += (double)(a->off[q + 1] - a->off[q]);
    double z = a->n[q] + d;
    *next = q;
    if (v == (int32_t)a->V) {
        if (a->fin[q] > 0) return -log2(a->fin[q] / z);
    } else if (v >= 0) {
        for (size_t e = a->off[q]; e < a->off[q + 1]; e++)
            if (a->e_sym[e] == (uint32_t)v) {
                *next = a->e_dst[e];
                return -log2(a->e_cnt[e] / z);
            }
        *next = a->resume[v] != UINT32_MAX ? a->resume[v] : q;
    }
    /* escape: Witten-Bell mass, then the unigram over the events q did not see */
    double u = v < 0 ? a->uni[a->V + 1] : a->uni[v];
    return -log2(d / z) - log2(u / a->unseen[q]);
}

double sg_tadam_alergia_score(const sg_tadam_alergia *a, const sg_seq_set *set, const sg_seq *s)
{
    double bits = 0;
    uint32_t q = 0;
    for (size_t i = 0; i < s->n; i++) bits += step_bits(a, q, col_of(a, sg_seq_set_symbol(set, s->sym[i])), &q);
    return bits + step_bits(a, q, (int32_t)a->V, &q);
}

void sg_tadam_alergia_destroy(sg_tadam_alergia *a)
{
    if (!a) return;
    sg_hashmap_destroy(a->idx);
    free(a->n);
    free(a->fin);
    free(a->off);
    free(a->e_sym);
    free(a->e_dst);
    free(a->e_cnt);
    free(a->uni);
    free(a->unseen);
    free(a->resume);
    free(a);
}

void sg_tadam_alergia_get_info(const sg_tadam_alergia *a, sg_tadam_alergia_info *info) { *info = a->info; }

long sg_tadam_alergia_next(const sg_tadam_alergia *a, size_t q, const char *symbol, double *p)
{
    int32_t v = col_of(a, symbol);
    if (q >= a->nq || v < 0) return -1;
    for (size_t e = a->off[q]; e < a->off[q + 1]; e++)
        if (a->e_sym[e] == (uint32_t)v) {
            if (p) *p = a->e_cnt[e] / a->n[q];
            return (long)a->e_dst[e];
        }
    return -1;
}

double sg_tadam_alergia_end(const sg_tadam_alergia *a, size_t q) { return q < a->nq ? a->fin[q] / a->n[q] : NAN; }
