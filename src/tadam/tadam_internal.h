/* Internal structures of the TADAM module (not part of the public API). */
#ifndef SECGEN_TADAM_INTERNAL_H
#define SECGEN_TADAM_INTERNAL_H

#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "secgen/tadam.h"

#define TDM_INF HUGE_VAL
#define TDM_END 0u /* symbol id of "$" in every model alphabet */

/* grid scales: x = round(k * log2(1 + v)) */
#define TDM_SCALE_IAT 4.0
#define TDM_SCALE_PAYLOAD 8.0
/* ridge added to the diagonal of every edge covariance (grid units^2): keeps the conditional
 * Gaussian well defined when one dimension is constant (logs: payload always 0). */
#define TDM_RIDGE 0.05
/* payload histogram entries kept per edge (most frequent sizes) */
#define TDM_HIST_MAX 64

/* learning: words longer than this are truncated (DP memory is O(length x states)) */
#define TDM_MAX_WORD 4096
#define TDM_MAX_SYMBOLS 2000
/* DP beam width in bits (see tdm_repair) */
#define TDM_BEAM_BITS 48.0
/* the forward pass (tdm_forward) drops cells below 2^-30 of the best one of their level: what it
 * drops is at most (states x 2^-30) of a level's mass, a code length change below 1e-7 bits per
 * event, where 48 bits cost 10-20 % more learning time on noisy HDFS for the same automata */
#define TDM_FB_BEAM_BITS 30.0

enum { TDM_OP_TR = 0, TDM_OP_ADD, TDM_OP_DUP, TDM_OP_SWAP, TDM_OP_DEL, TDM_NOPS };

typedef struct tdm_gauss {
    double mu[2];  /* grid means: iat, payload */
    double cov[3]; /* c00 (iat), c01, c11 (payload), ridge included */
    double n;      /* samples behind the estimate (drives the outlier weight) */
    /* weight of the shared time model in the edge's mixture, learnt from the share of the edge's
     * events the Gaussian explains worse than the shared model; 0 (older files, during the
     * search): the universal code with weight 1/(n+2) */
    double w_null;
} tdm_gauss;

/* Sufficient statistics of values on one edge */
typedef struct tdm_stats {
    double n, s0, s1, s00, s01, s11;
} tdm_stats;

/* The shared ("null") time model of an automaton: one smoothed histogram per value dimension on
 * the grid, fitted on every training event, mixed with the universal code (so values beyond the
 * histogram stay encodable). An edge whose own Gaussian does not pay for its parameters (MDL, see
 * learn.c) codes its values with it; so do inserted symbols and words sent verbatim. */
#define TDM_NULL_MAX_BINS 4096
typedef struct tdm_null {
    uint32_t k[2];   /* bins per dimension (grid values 0..k-1); 0 = universal code only */
    uint64_t *cnt[2]; /* counts per bin */
    double *bits[2]; /* -log2 P(x) per bin (derived) */
    double n[2];     /* total count */
} tdm_null;

typedef struct tdm_edge {
    uint32_t src, dst, sym;
    uint8_t timed;   /* 1: values coded with the edge Gaussian; 0: with the shared null model */
    double p;        /* transition probability out of src */
    double visits;   /* occurrences in training (matched + repaired) */
    uint64_t count;  /* distinct training sequences using it (Fos-R "count") */
    tdm_gauss g;
    uint32_t n_hist; /* payload histogram (raw bytes, descending count) */
    int64_t *hist_val;
    uint64_t *hist_cnt;
} tdm_edge;

typedef struct tdm_symbol {
    char *name;
    int dir;
    uint8_t flags;
} tdm_symbol;

/* Count-conditioned sampling tables (see sample.c) */
typedef struct tdm_beta {
    size_t F, B;  /* max fwd, bwd */
    double *beta; /* [state][f][b]: prob. to reach final from state emitting exactly f fwd / b bwd */
    /* counts reachable from the initial state, row by row: rb[roff[f] .. roff[f+1]) are the b
     * (ascending) with beta[initial][f][b] > 0; same allocation as beta */
    uint32_t *roff;
    uint16_t *rb;
} tdm_beta;

struct sg_tadam_model {
    char *name;
    uint8_t proto;
    int32_t port;
    uint32_t n_states, initial, final;
    uint32_t n_sym;
    tdm_symbol *sym; /* sym[0] = "$" */
    sg_hashmap *sym_index;
    uint32_t n_edges;
    tdm_edge *edges;
    uint32_t *out_off, *out_idx; /* CSR out-edges per state */
    uint32_t *in_off, *in_idx;   /* CSR in-edges per state */
    double pi[TDM_NOPS];         /* op probabilities (0 = disabled) */
    unsigned noise_ops;
    double scale_iat, scale_payload;
    tdm_null null; /* shared time model (k = 0: models written before it existed) */
    /* MDL breakdown (bits) */
    double cost_model, cost_data, cost_matched, cost_corrected, cost_uncorrected, cost_status;
    /* training metadata */
    size_t n_train, n_train_events, n_matched, n_corrected, n_uncorrected;
    /* minimum-structure rule: learnt with verbatim words forbidden, because the MDL optimum sent
     * mdl_uncorrected of the n_train words verbatim (0 = not applied) */
    int no_verbatim;
    size_t mdl_uncorrected;
    unsigned iterations;
    double learn_seconds;
    char *source;  /* free text: input file, imported format... */
    char *created; /* ISO time */
    char *imported_from; /* "fosr" when imported */
    tdm_beta beta;
    pthread_mutex_t beta_lock; /* lazy preparation from concurrent samplers */
    /* scoring view (struct-of-arrays copy built by tdm_model_index; read-only afterwards) */
    uint32_t *v_src, *v_dst, *v_sym;
    tdm_gauss *v_g;
    uint8_t *v_timed;
    double *v_bits;
    double *sym_bits, unk_bits; /* unigram code of the alphabet (from edge visits) */
    double *dist;       /* deletion closure, [n_states^2] */
    int32_t *next_edge;
};

/* ---- cost.c ---- */
double tdm_LN(int64_t n);
int32_t tdm_grid(int64_t v, double scale);
double tdm_ungrid(double x, double scale); /* inverse map (continuous) */
void tdm_gauss_from_stats(const tdm_stats *s, tdm_gauss *g);
/* -log2 P(x | g) for grid values (x0 = iat, x1 = payload) with the outlier mixture */
double tdm_value_bits(const tdm_gauss *g, int32_t x0, int32_t x1);
/* -log2 of the pure Gaussian cell mass (no outlier part) */
double tdm_gauss_only_bits(const tdm_gauss *g, int32_t x0, int32_t x1);
/* the edge's value code: Gaussian mixed with the shared model when g->w_null > 0, else tdm_value_bits */
double tdm_edge_value_bits(const tdm_gauss *g, const tdm_null *nl, int32_t x0, int32_t x1);
/* explicit cost of one event (symbol sent verbatim): log2|Σ| + L_N(x0) + L_N(x1) */
double tdm_explicit_bits(double log2_sigma, int32_t x0, int32_t x1);
/* shared time model: fit from per-dimension grid-value counts (derives bits), bits of a value
 * pair (universal code when nl is NULL or empty), parameter cost, free */
int tdm_null_fit(tdm_null *nl);
double tdm_null_bits(const tdm_null *nl, int32_t x0, int32_t x1);
double tdm_null_param_bits(const tdm_null *nl);
void tdm_null_free(tdm_null *nl);
/* parameter cost of an edge Gaussian (the L_N terms of L(A)) */
double tdm_gauss_param_bits(const tdm_gauss *g);

/* Per-edge memo of value costs (the same small grid values recur on an edge): open addressing,
 * TDM_VC_SLOTS slots per edge; key 0 = empty. Owned by one thread. */
#define TDM_VC_SLOTS 256
typedef struct tdm_vcache {
    size_t cap_edges;
    uint64_t *key;
    double *val;
} tdm_vcache;
void tdm_vcache_reset(tdm_vcache *c, uint32_t ne); /* returns with all slots empty; grows */
void tdm_vcache_free(tdm_vcache *c);

/* What the forward pass (tdm_forward) derives from a view's edges, the same for every word: p(e),
 * the usable edges grouped by symbol (CSR, in edge order) and, when the usable edges are
 * deterministic (one per state and symbol), the edge reading each symbol from each state (swaps
 * then look their second edge up instead of scanning every edge of the symbol). Built once per
 * view by the learner (tdm_fwd_tab_build), else by tdm_forward itself on every call. */
typedef struct tdm_fwd_tab {
    uint32_t nsv;   /* symbols with usable edges: 0 .. nsv-1 */
    int det;        /* next[] is valid */
    double *pe;     /* [ne] */
    uint32_t *soff; /* [nsv+1] */
    uint32_t *bys;  /* [usable edges] */
    int32_t *next;  /* [nq*nsv]: usable edge from state q reading symbol a, -1 none */
    size_t cap_e, cap_s, cap_n;
    uint64_t gen; /* unique per build: a forward pass may reuse the lattice levels of the previous
                     word of the same build (see tdm_forward) */
} tdm_fwd_tab;

/* Read-only automaton view used by the repair DP */
typedef struct tdm_view {
    uint32_t nq, ne, q0, qf;
    const uint32_t *esrc, *edst, *esym;
    const double *ebits;       /* -log2 p(e); TDM_INF = unusable edge */
    const tdm_gauss *eg;       /* per edge */
    const uint8_t *etimed;     /* per edge: 0 = values under the null model (NULL: all timed) */
    const tdm_null *null;      /* shared time model (NULL: universal code) */
    const uint32_t *in_off, *in_idx;
    double op_bits[TDM_NOPS];  /* -log2 pi; TDM_INF when disabled */
    double log2_sigma;         /* alphabet size code for sent symbols (when sym_bits is NULL) */
    const double *sym_bits;    /* code length of a symbol sent verbatim (add op, explicit words):
                                  smoothed unigram code; unk_bits for symbols outside the alphabet */
    double unk_bits;
    const double *dist;        /* [nq*nq] deletion closure or NULL; dist[a*nq+b] */
    const int32_t *next_edge;  /* [nq*nq] first edge of the closure path a->b, -1 if a==b */
    const double *csum;        /* [nq*nq] summed deletion closure (tdm_closure_sum) or NULL: the
                                  forward lattice (tdm_forward) then has no deletions */
    const uint32_t *cs_off;    /* optional sparse rows of csum (tdm_closure_sparse): [nq+1] */
    const uint32_t *cs_idx;    /* column of each kept entry */
    const double *cs_val;      /* its value */
    tdm_vcache *cache;         /* optional memo (NULL: compute every time) */
    int untimed;               /* scoring: ignore values (symbols only) */
    const tdm_fwd_tab *ftab;   /* optional: tdm_fwd_tab_build of this view (NULL: tdm_forward builds it) */
} tdm_view;
/* Fill t for view v (ebits, esrc, esym, nq, ne); -1 when out of memory. tdm_fwd_tab_free frees. */
int tdm_fwd_tab_build(const tdm_view *v, tdm_fwd_tab *t);
void tdm_fwd_tab_free(tdm_fwd_tab *t);

/* code length of symbol a (-1 = unknown) sent verbatim */
static inline double tdm_sym_bits(const tdm_view *v, int32_t a)
{
    if (!v->sym_bits) return v->log2_sigma;
    return a >= 0 ? v->sym_bits[a] : v->unk_bits;
}
/* smoothed unigram code from counts[0..n-1]: -log2((c+1/2)/(N + (n+1)/2)); unknown gets 1/2 */
void tdm_unigram_bits(const double *counts, uint32_t n, double *bits, double *unk);

/* -log2 P(x | edge e) through the view's memo */
double tdm_view_value_bits(const tdm_view *v, uint32_t e, int32_t x0, int32_t x1);

/* one step of a repair trace */
typedef struct tdm_step {
    uint8_t op;   /* TDM_OP_* */
    int32_t edge; /* edge followed (tr/del/swap: the edge for the value at pos), -1 none */
    int32_t pos;  /* observed position whose value travels on edge, -1 (deletion) */
} tdm_step;

typedef struct tdm_dp_scratch {
    size_t cap_cells;
    double *M, *T;
    int32_t *bp_op, *bp_e1, *bp_e2, *bp_prev, *bp_close;
    size_t cap_steps;
    tdm_step *steps;
    size_t cap_xbits;
    double *xbits;
    /* forward-backward lattice (tdm_forward): scaled forward and backward masses of the cells
     * after the closure (M), before it (T) and reached by a transition or duplicate (D) */
    size_t cap_fb, cap_lv, cap_fe, cap_fs;
    double *fM, *fT, *fD, *bM, *bT, *bD, *scale;
    tdm_fwd_tab ftab;            /* built per call when the view carries none */
    /* the last forward pass: its table build (gen), symbols, completed levels and -log2 of the
     * scale products per level; the next word of the same build starts after the shared prefix */
    uint64_t fw_gen;
    int32_t *fw_sym;
    double *fw_lp;
    size_t fw_done, cap_fw;
} tdm_dp_scratch;

void tdm_dp_scratch_free(tdm_dp_scratch *s);
/* Compute the closure dist/next_edge of v (deletion op); arrays of nq*nq */
void tdm_closure(const tdm_view *v, double *dist, int32_t *next_edge);
/* Best repair of the word (sym[i] may be -1 for an unknown symbol; the word must end with
 * TDM_END). Returns its cost in bits or TDM_INF. If steps != NULL, steps/nsteps receive the
 * trace (in scratch memory). */
double tdm_repair(const tdm_view *v, const int32_t *sym, const int32_t *x0, const int32_t *x1, size_t L,
                  tdm_dp_scratch *sc, tdm_step **steps, size_t *nsteps);

/* Summed deletion closure: csum[a*nq+b] = total probability of every sequence of deleted edges
 * (each pi_del * p(e), "$" edges excluded) leading from a to b, the empty one included:
 * (I - D)^-1 with D[a][b] = sum of pi_del p(e) over a->b (rows of D sum to <= pi_del < 1). */
void tdm_closure_sum(const tdm_view *v, double *csum);
/* Sparse rows of a summed closure for tdm_forward: the entries >= TDM_CSUM_EPS of every row, in
 * column order (off[nq+1], idx/val up to nq*nq entries). Each entry is a sum of path probabilities
 * and the diagonal is >= 1, so a dropped entry moves a lattice level's mass by less than
 * TDM_CSUM_EPS of it (the same order as the forward beam, TDM_FB_BEAM_BITS). Returns the entries
 * kept. */
#define TDM_CSUM_EPS 0x1p-30
size_t tdm_closure_sparse(uint32_t nq, const double *csum, uint32_t *off, uint32_t *idx, double *val);

/* Soft repair: -log2 of the probability of the word summed over every repair (alignment) of the
 * noise model, symbols only (values ignored), i.e. the forward algorithm over the lattice of
 * tdm_repair with sums instead of minima. Differences from the best-repair lattice, both so that
 * the lattice is the generative noise process: deletions follow every path (csum, not the
 * cheapest one), and a swap of two equal symbols is allowed (it produces the same observation as
 * two transitions, so it carries part of that observation's probability). Cells more than
 * TDM_FB_BEAM_BITS below the best of their level are dropped (tdm_repair: TDM_BEAM_BITS).
 * If ops != NULL, a backward pass adds weight x the posterior expected number of uses of every
 * operation to ops[TDM_NOPS] (a swap counts once) and, if evis != NULL, of every edge (taken by a
 * transition, a swap or a deletion) to evis[ne], unless the word costs more than max_bits (the
 * caller then sends it verbatim). Returns TDM_INF when no repair exists.
 * With v->ftab, the lattice levels of the word's prefix shared with the previous word priced
 * through the same scratch and the same table build are reused (the same numbers: level l depends
 * on the symbols up to l only); the caller must rebuild the table when the view changes. */
double tdm_forward(const tdm_view *v, const int32_t *sym, size_t L, tdm_dp_scratch *sc, double weight, double max_bits,
                   double *ops, double *evis);

/* Cost of a given repair trace applied to a word with the same symbols (values may differ): the
 * learner repairs one word per distinct symbol string and prices every member on that path. */
double tdm_trace_cost(const tdm_view *v, const tdm_step *st, size_t ns, const int32_t *sym, const int32_t *x0,
                      const int32_t *x1);
#define TDM_OP_SWAP2 5

/* ---- learn.c: test hook ---- */
/* The incremental screening of the search against the evaluation it replaces: from the
 * STATE_SYMBOL automaton of the sequences, `rounds` automata (each one deletion or one merge away
 * from the previous, so that words go unmatched and come back), every candidate screened both
 * ways with noise_ops and π at the prior. Returns the largest difference relative to the cost
 * (max(1, |cost|)), or a negative value when out of memory. */
double tdm_learn_screen_selfcheck(const sg_seq_set *set, unsigned noise_ops, unsigned rounds);

/* ---- model.c ---- */
sg_tadam_model *tdm_model_alloc(void);
sg_status tdm_model_index(sg_tadam_model *m, sg_error *err); /* CSR lists + symbol index */
void tdm_symbol_parse(tdm_symbol *s);                        /* dir/flags from the name */
int64_t tdm_model_find_symbol(const sg_tadam_model *m, const char *s, size_t len);
/* read-only view over the model's arrays (valid after tdm_model_index) */
void tdm_model_view(const sg_tadam_model *m, tdm_view *v);

/* ---- model_json.c: helpers shared by the secgen and Fos-R JSON readers/writers ---- */
/* loader limits (a hostile file must not allocate unbounded memory) */
#define TDM_MAX_STATES 1000000
#define TDM_MAX_EDGES 10000000
struct json_t;
extern const char *const tdm_op_names[TDM_NOPS]; /* "tr", "add", "dup", "swap", "del" */
struct json_t *tdm_json_real(double x);          /* non-finite -> 0.0 (model files hold numbers only) */
int tdm_json_num(const struct json_t *j, double *out); /* finite number: 0, else -1 */
int tdm_json_int(const struct json_t *j, int64_t lo, int64_t hi, int64_t *out); /* integer in [lo,hi]: 0 */
/* payload histogram of an edge from (value, count) pairs: merged, by decreasing count, TDM_HIST_MAX kept */
sg_status tdm_edge_set_hist(tdm_edge *E, const int64_t *vals, const uint64_t *cnts, size_t n, sg_error *err);

/* ---- fosr.c ---- */
struct json_t *tdm_fosr_to_json(const sg_tadam_model *m);
sg_status tdm_fosr_load(const char *name, struct json_t *r, sg_tadam_model *m, sg_error *err);

#endif
