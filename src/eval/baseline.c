/* Baseline generators of the FlowChronicle paper (spec §9), on the shared `bn` module:
 *  - IndependentBN: one Bayesian network over the C = 10 columns of a single flow; flows i.i.d.
 *  - SequenceBN: one Bayesian network over windows of 5 consecutive flows (10 columns x 5 slices
 *    + the binned gap before slices 1..4); no edge from a later slice to an earlier one; flows
 *    generated as a chain, each conditioned on the 4 previous ones.
 * Columns (spec §1.1): proto, src_ip, dst_ip, dst_port, bwd_bytes, bwd_packets, fwd_bytes,
 * fwd_packets, flags, duration; the five counters/duration are binned as spec §1.3 (codes =
 * bins), everything else is a raw category. src_port is not modelled: generated flows get an
 * ephemeral port drawn uniformly in 49152..65535. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/bn.h"
#include "secgen/eval.h"

enum { BC_PROTO = 0, BC_SRC, BC_DST, BC_DPORT, BC_BWD_BYTES, BC_BWD_PKTS, BC_FWD_BYTES, BC_FWD_PKTS, BC_FLAGS,
       BC_DUR, BC_N };
static const char *const bc_names[BC_N] = {"proto", "src_ip", "dst_ip", "dst_port", "bwd_bytes",
                                           "bwd_packets", "fwd_bytes", "fwd_packets", "flags", "duration"};
static int bc_numeric(int c) { return c >= BC_BWD_BYTES && c <= BC_FWD_PKTS ? 1 : c == BC_DUR; }

/* RNG purposes (index = flow number) */
enum { PUR_SAMPLE = 0, PUR_TIME = 1, PUR_PORT = 2, PUR_UNBIN = 3 };

int sg_baseline_kind_parse(const char *s, sg_baseline_kind *out)
{
    if (!strcmp(s, "independent-bn")) *out = SG_BASELINE_INDEPENDENT_BN;
    else if (!strcmp(s, "sequence-bn")) *out = SG_BASELINE_SEQUENCE_BN;
    else return -1;
    return 0;
}

void sg_baseline_opts_default(sg_baseline_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = SG_BASELINE_INDEPENDENT_BN;
    o->n = 1000;
    o->seed = 1;
    o->window = 5;
    o->max_parents = 3;
    o->nbins = 40;
}

/* ---- numeric binning (spec §1.3): edges from the flow module's binner ------------------------ */

sg_status sg_eval_bins_fit(const double *x, size_t n, int nbins, sg_eval_bins *b, sg_error *err)
{
    memset(b, 0, sizeof *b);
    if (nbins < 1) return sg_error_set(err, SG_ERR_INVALID, "binning: need >= 1 bin");
    b->edges = malloc(((size_t)nbins + 2) * sizeof *b->edges);
    if (!b->edges) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_status st = sg_flow_bin_edges(x, n, nbins, b->edges, &b->nedges, err);
    if (st != SG_OK) {
        sg_eval_bins_free(b);
        return st;
    }
    if (b->nedges == 0) sg_eval_bins_free(b); /* no non-zero value: no edges */
    else if (b->nedges == 1) b->edges[b->nedges++] = b->edges[0]; /* one distinct value: bin 1 = {v} */
    return SG_OK;
}

uint32_t sg_eval_bins_code(const sg_eval_bins *b, double x)
{
    return b->nedges < 2 ? 0 : sg_flow_bin_of(b->edges, b->nedges, x);
}

double sg_eval_bins_sample(const sg_eval_bins *b, uint32_t code, sg_rng *rng)
{
    if (code == 0 || b->nedges < 2) return 0;
    size_t k = code < b->nedges ? code : b->nedges - 1;
    double lo = b->edges[k - 1], hi = b->edges[k];
    if (!(hi > lo)) return hi;
    return lo + (hi - lo) * sg_rng_uniform_pos(rng);
}

void sg_eval_bins_free(sg_eval_bins *b)
{
    if (!b) return;
    free(b->edges);
    memset(b, 0, sizeof *b);
}

/* ---- encoded training table ------------------------------------------------------------------ */

typedef struct enc {
    size_t n;
    uint32_t *x;              /* n x BC_N row-major codes */
    uint32_t card[BC_N];
    sg_strtab *ips;           /* src and dst share one table of addresses */
    uint32_t *ip_code[2];     /* address id -> code per column (UINT32_MAX = unseen) */
    sg_vec vals[BC_N];        /* categorical: code -> value (uint64: proto, port, flags, address id) */
    sg_hashmap *map[BC_N];    /* categorical: value -> code */
    sg_eval_bins bins[BC_N];
    int64_t *start;           /* sorted training start times */
    sg_eval_bins gap_bins;    /* SequenceBN: gaps in 10 ms ticks */
} enc;

static void enc_free(enc *E)
{
    free(E->x);
    sg_strtab_destroy(E->ips);
    for (int c = 0; c < BC_N; c++) {
        sg_vec_free(&E->vals[c]);
        sg_hashmap_destroy(E->map[c]);
        sg_eval_bins_free(&E->bins[c]);
    }
    free(E->ip_code[0]);
    free(E->ip_code[1]);
    free(E->start);
    sg_eval_bins_free(&E->gap_bins);
}

static double num_value(const sg_flow *f, int c)
{
    switch (c) {
    case BC_BWD_BYTES: return (double)f->bwd_bytes;
    case BC_BWD_PKTS: return (double)f->bwd_packets;
    case BC_FWD_BYTES: return (double)f->fwd_bytes;
    case BC_FWD_PKTS: return (double)f->fwd_packets;
    default: return (double)f->duration_us / 1e6;
    }
}

static sg_status cat_code(enc *E, int c, uint64_t v, uint32_t *code)
{
    int ins = 0;
    uint64_t *slot = sg_hashmap_upsert(E->map[c], &v, sizeof v, E->vals[c].len, &ins);
    if (!slot) return SG_ERR_NOMEM;
    if (ins && sg_vec_push(&E->vals[c], &v) != SG_OK) return SG_ERR_NOMEM;
    *code = (uint32_t)*slot;
    return SG_OK;
}

static int cmp_flow_start(const void *a, const void *b)
{
    const sg_flow *x = *(const sg_flow *const *)a, *y = *(const sg_flow *const *)b;
    if (x->start_us != y->start_us) return x->start_us < y->start_us ? -1 : 1;
    return (x > y) - (x < y); /* stable: file order */
}

static sg_status encode(const sg_flow_table *t, int nbins, enc *E, sg_error *err)
{
    memset(E, 0, sizeof *E);
    size_t n = t->n;
    E->n = n;
    const sg_flow **ord = malloc(n * sizeof *ord);
    double *col = malloc(n * sizeof *col);
    E->x = malloc(n * BC_N * sizeof *E->x);
    E->start = malloc(n * sizeof *E->start);
    E->ips = sg_strtab_create();
    int ok = ord && col && E->x && E->start && E->ips;
    for (int c = 0; c < BC_N && ok; c++) {
        sg_vec_init(&E->vals[c], sizeof(uint64_t));
        if (!bc_numeric(c)) ok = (E->map[c] = sg_hashmap_create(64)) != NULL;
    }
    if (!ok) {
        free(ord);
        free(col);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) ord[i] = &t->flows[i];
    qsort(ord, n, sizeof *ord, cmp_flow_start); /* time order: codes in order of first appearance */
    sg_status st = SG_OK;
    for (int c = 0; c < BC_N && st == SG_OK; c++) {
        if (!bc_numeric(c)) continue;
        for (size_t i = 0; i < n; i++) col[i] = num_value(ord[i], c);
        st = sg_eval_bins_fit(col, n, nbins, &E->bins[c], err);
        E->card[c] = E->bins[c].nedges ? (uint32_t)E->bins[c].nedges : 1; /* K bins + bin 0 */
    }
    for (size_t i = 0; i < n && st == SG_OK; i++) {
        const sg_flow *f = ord[i];
        E->start[i] = f->start_us;
        uint32_t *row = E->x + i * BC_N;
        for (int c = 0; c < BC_N && st == SG_OK; c++) {
            if (bc_numeric(c)) {
                row[c] = sg_eval_bins_code(&E->bins[c], num_value(f, c));
                continue;
            }
            uint64_t v;
            if (c == BC_SRC || c == BC_DST) {
                const char *a = c == BC_SRC ? f->src_ip : f->dst_ip;
                int64_t id = sg_strtab_intern(E->ips, a, strnlen(a, SG_ADDR_MAX));
                if (id < 0) st = SG_ERR_NOMEM;
                v = (uint64_t)id;
            } else {
                v = c == BC_PROTO ? f->proto : (c == BC_DPORT ? f->dst_port : f->flags);
            }
            if (st == SG_OK) st = cat_code(E, c, v, &row[c]);
        }
    }
    if (st == SG_OK)
        for (int c = 0; c < BC_N; c++)
            if (!bc_numeric(c)) E->card[c] = (uint32_t)(E->vals[c].len ? E->vals[c].len : 1);
    free(ord);
    free(col);
    if (st != SG_OK && err && err->msg[0] == 0) sg_error_set(err, st, "out of memory");
    return st;
}

/* decode one generated row into a flow (start time set by the caller) */
static void decode(const enc *E, const uint32_t *row, uint64_t seed, uint64_t idx, sg_flow *f)
{
    memset(f, 0, sizeof *f);
    sg_rng r;
    sg_rng_init(&r, seed, SG_EVAL_STREAM_BASELINE + PUR_UNBIN, idx);
    double v[BC_N] = {0};
    for (int c = 0; c < BC_N; c++)
        if (bc_numeric(c)) v[c] = sg_eval_bins_sample(&E->bins[c], row[c], &r);
    f->bwd_bytes = (uint64_t)llround(fmax(0, v[BC_BWD_BYTES]));
    f->bwd_packets = (uint64_t)llround(fmax(0, v[BC_BWD_PKTS]));
    f->fwd_bytes = (uint64_t)llround(fmax(0, v[BC_FWD_BYTES]));
    f->fwd_packets = (uint64_t)llround(fmax(0, v[BC_FWD_PKTS]));
    f->duration_us = (int64_t)llround(fmax(0, v[BC_DUR]) * 1e6);
    const uint64_t *val;
    val = E->vals[BC_PROTO].data;
    f->proto = (uint8_t)val[row[BC_PROTO] < E->vals[BC_PROTO].len ? row[BC_PROTO] : 0];
    val = E->vals[BC_DPORT].data;
    f->dst_port = (uint16_t)val[row[BC_DPORT] < E->vals[BC_DPORT].len ? row[BC_DPORT] : 0];
    val = E->vals[BC_FLAGS].data;
    f->flags = (uint8_t)val[row[BC_FLAGS] < E->vals[BC_FLAGS].len ? row[BC_FLAGS] : 0];
    val = E->vals[BC_SRC].data;
    snprintf(f->src_ip, sizeof f->src_ip, "%s",
             sg_strtab_str(E->ips, val[row[BC_SRC] < E->vals[BC_SRC].len ? row[BC_SRC] : 0]));
    val = E->vals[BC_DST].data;
    snprintf(f->dst_ip, sizeof f->dst_ip, "%s",
             sg_strtab_str(E->ips, val[row[BC_DST] < E->vals[BC_DST].len ? row[BC_DST] : 0]));
    sg_rng_init(&r, seed, SG_EVAL_STREAM_BASELINE + PUR_PORT, idx);
    f->src_port = (uint16_t)(49152 + sg_rng_below(&r, 16384));
}

/* KDE resampling of a training start time (spec §7/D15: an observed start + N(0, 1) x 10 ms);
 * first_only: the earliest start (SequenceBN chains, see docs/metrics.md §7) */
static int64_t resample_start(const enc *E, uint64_t seed, uint64_t idx, int first_only)
{
    sg_rng r;
    sg_rng_init(&r, seed, SG_EVAL_STREAM_BASELINE + PUR_TIME, idx);
    size_t pick = (size_t)sg_rng_below(&r, E->n);
    int64_t t = E->start[first_only ? 0 : pick];
    return t + (int64_t)llround(sg_rng_normal(&r) * 10000.0);
}

static sg_status independent_bn(const enc *E, const sg_baseline_opts *o, sg_flow_table *out, sg_error *err)
{
    const char *names[BC_N];
    for (int c = 0; c < BC_N; c++) names[c] = bc_names[c];
    sg_bn *bn = sg_bn_create(BC_N, E->card, names);
    if (!bn) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_bn_data d = {E->x, E->n, BC_N, 1, NULL};
    sg_bn_learn_opts lo = {0};
    lo.max_parents = o->max_parents;
    sg_status st = sg_bn_learn_structure(bn, &d, &lo, err);
    if (st == SG_OK) st = sg_bn_fit(bn, &d, 1.0, err);
    uint32_t row[BC_N];
    for (size_t i = 0; i < o->n && st == SG_OK; i++) {
        sg_rng r;
        sg_rng_init(&r, o->seed, SG_EVAL_STREAM_BASELINE + PUR_SAMPLE, i);
        sg_bn_sample(bn, &r, row);
        sg_flow f;
        decode(E, row, o->seed, i, &f);
        f.start_us = resample_start(E, o->seed, i, 0);
        st = sg_flow_table_push(out, &f);
        if (st != SG_OK) sg_error_set(err, st, "out of memory");
    }
    sg_bn_destroy(bn);
    return st;
}

static sg_status sequence_bn(enc *E, const sg_baseline_opts *o, sg_flow_table *out, sg_error *err)
{
    const size_t w = (size_t)o->window;
    if (E->n < w)
        return sg_error_set(err, SG_ERR_INVALID, "sequence-bn: need at least %zu training flows (window), got %zu", w,
                            E->n);
    /* gaps between consecutive flows, 10 ms ticks (spec §1.1 time unit), binned like §1.3 */
    size_t ng = E->n - 1;
    double *gap = malloc((ng ? ng : 1) * sizeof *gap);
    if (!gap) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ng; i++) gap[i] = (double)llround((double)(E->start[i + 1] - E->start[i]) / 10000.0);
    sg_status st = sg_eval_bins_fit(gap, ng, o->nbins, &E->gap_bins, err);
    uint32_t gcard = E->gap_bins.nedges ? (uint32_t)E->gap_bins.nedges : 1;
    size_t m = w * BC_N + (w - 1), nrec = E->n - w + 1;
    uint32_t *card = malloc(m * sizeof *card);
    char **names = calloc(m, sizeof *names);
    uint8_t *forbid = calloc(m * m, 1);
    uint32_t *X = malloc(nrec * m * sizeof *X);
    sg_bn *bn = NULL;
    if (st == SG_OK && (!card || !names || !forbid || !X)) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    /* variable layout: slice s column c -> s*C + c; gap before slice s (1..w-1) -> w*C + s-1 */
    for (size_t v = 0; v < m && st == SG_OK; v++) {
        size_t s = v < w * BC_N ? v / BC_N : v - w * BC_N + 1;
        card[v] = v < w * BC_N ? E->card[v % BC_N] : gcard;
        names[v] = malloc(32);
        if (!names[v]) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        if (v < w * BC_N) snprintf(names[v], 32, "%s-s%zu", bc_names[v % BC_N], s);
        else snprintf(names[v], 32, "gap-s%zu", s);
        for (size_t u = 0; u < m; u++) {
            size_t su = u < w * BC_N ? u / BC_N : u - w * BC_N + 1;
            if (su > s) forbid[u * m + v] = 1; /* no edge from a later slice to an earlier one */
        }
    }
    if (st == SG_OK) {
        for (size_t r = 0; r < nrec; r++) {
            uint32_t *rec = X + r * m;
            for (size_t s = 0; s < w; s++) memcpy(rec + s * BC_N, E->x + (r + s) * BC_N, BC_N * sizeof *rec);
            for (size_t s = 1; s < w; s++) rec[w * BC_N + s - 1] = sg_eval_bins_code(&E->gap_bins, gap[r + s - 1]);
        }
        bn = sg_bn_create(m, card, (const char *const *)names);
        if (!bn) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    sg_bn_data d = {X, nrec, m, 1, NULL};
    if (st == SG_OK) {
        sg_bn_learn_opts lo = {0};
        lo.max_parents = o->max_parents;
        lo.forbid = forbid;
        st = sg_bn_learn_structure(bn, &d, &lo, err);
    }
    if (st == SG_OK) st = sg_bn_fit(bn, &d, 1.0, err);
    uint32_t *vals = malloc(m * sizeof *vals);
    uint8_t *given = calloc(m, 1);
    if (st == SG_OK && (!vals || !given)) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    /* slices 0..w-2 (and their gaps) are given when sampling the next flow */
    if (given)
        for (size_t v = 0; v < m; v++) {
            size_t s = v < w * BC_N ? v / BC_N : v - w * BC_N + 1;
            given[v] = s + 1 < w;
        }
    int64_t t = 0;
    for (size_t i = 0; i < o->n && st == SG_OK; i++) {
        sg_rng r;
        sg_rng_init(&r, o->seed, SG_EVAL_STREAM_BASELINE + PUR_SAMPLE, i);
        size_t slice; /* which slice of vals holds flow i */
        if (i == 0) {
            sg_bn_sample(bn, &r, vals); /* the first w flows jointly */
        } else if (i < w) {
            /* flows 1..w-1 come from the first joint sample */
        } else {
            /* shift the window left by one flow and sample the last slice given the others */
            memmove(vals, vals + BC_N, (w - 1) * BC_N * sizeof *vals);
            memmove(vals + w * BC_N, vals + w * BC_N + 1, (w - 2) * sizeof *vals);
            sg_bn_sample_given(bn, &r, given, vals);
        }
        slice = i < w ? i : w - 1;
        sg_flow f;
        decode(E, vals + slice * BC_N, o->seed, i, &f);
        if (i == 0) {
            /* the chain starts with the training period (a random observed start, as the spec
             * words it, pushes on average half of an N_train-flow chain past its end) */
            t = resample_start(E, o->seed, 0, 1);
        } else {
            sg_rng gr;
            sg_rng_init(&gr, o->seed, SG_EVAL_STREAM_BASELINE + PUR_TIME, i);
            double ticks = sg_eval_bins_sample(&E->gap_bins, vals[w * BC_N + slice - 1], &gr);
            t += (int64_t)llround(ticks * 10000.0);
        }
        f.start_us = t;
        st = sg_flow_table_push(out, &f);
        if (st != SG_OK) sg_error_set(err, st, "out of memory");
    }
    free(vals);
    free(given);
    sg_bn_destroy(bn);
    free(X);
    free(forbid);
    if (names)
        for (size_t v = 0; v < m; v++) free(names[v]);
    free(names);
    free(card);
    free(gap);
    return st;
}

sg_status sg_baseline_generate(const sg_flow_table *train, const sg_baseline_opts *opts, sg_flow_table *out,
                               sg_error *err)
{
    sg_baseline_opts o;
    if (opts) o = *opts;
    else sg_baseline_opts_default(&o);
    if (!train || train->n == 0) return sg_error_set(err, SG_ERR_EMPTY, "baseline: the training table holds no flows");
    if (o.nbins < 1 || o.nbins > 100000) return sg_error_set(err, SG_ERR_INVALID, "baseline: bins must be in [1, 100000]");
    if (o.window < 2 || o.window > 64) return sg_error_set(err, SG_ERR_INVALID, "baseline: window must be in [2, 64]");
    enc E;
    sg_status st = encode(train, o.nbins, &E, err);
    if (st == SG_OK) {
        out->format = SG_FMT_NATIVE;
        if (o.kind == SG_BASELINE_INDEPENDENT_BN) st = independent_bn(&E, &o, out, err);
        else st = sequence_bn(&E, &o, out, err);
    }
    if (st == SG_OK) sg_flow_table_sort(out);
    enc_free(&E);
    return st;
}
