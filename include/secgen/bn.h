/* secgen bn: Bayesian networks over discrete variables.
 *
 * Generic (no flow knowledge): variables are integer codes 0..card-1. Used by FlowChronicle
 * (one BN per pattern + the base BN) and by the eval baselines (IndependentBN, SequenceBN).
 * Semantics follow specs/flowchronicle.md §5:
 *  - the *state space* of a variable is the set of codes observed in the data it is learnt /
 *    costed on (r_X = their number), not the declared cardinality;
 *  - structure learning = greedy hill climbing with BIC (pgmpy 0.1.23 semantics: add / remove /
 *    reverse, tabu list of 100, stop when the best gain < 1e-4), deterministic order;
 *  - data cost = Krichevsky-Trofimov prequential code length (bits), structure cost L_BN (bits);
 *  - parameters = Dirichlet(alpha) smoothing over the observed states (alpha = 1: K2), unseen
 *    parent configurations give the uniform distribution; sampling = ancestral.
 * Learning and costing are deterministic; sampling draws only from the sg_rng given. */
#ifndef SECGEN_BN_H
#define SECGEN_BN_H

#include "secgen/core.h"

/* jansson's JSON value, declared only: bn.h does not pull jansson into its users (the two JSON
 * calls below are for callers that embed a network in their own jansson document; they include
 * <jansson.h> themselves). */
struct json_t;

#ifdef __cplusplus
extern "C" {
#endif

/* A view of a data matrix of codes: value of variable v in record i is
 * x[row(i) * row_stride + v * col_stride] where row(i) = rows ? rows[i] : i.
 * Row-major n x m matrix: row_stride = m, col_stride = 1. Column-major: row_stride = 1,
 * col_stride = n. `rows` selects a subset of records (nrows = its length). */
typedef struct sg_bn_data {
    const uint32_t *x;
    size_t nrows;
    size_t row_stride;
    size_t col_stride;
    const size_t *rows; /* optional */
} sg_bn_data;

static inline uint32_t sg_bn_data_at(const sg_bn_data *d, size_t i, size_t v)
{
    size_t r = d->rows ? d->rows[i] : i;
    return d->x[r * d->row_stride + v * d->col_stride];
}

typedef struct sg_bn sg_bn;

/* nvars variables with declared cardinalities card[v] >= 1 (codes must be < card[v]);
 * names may be NULL (then "X0", "X1", ...). Starts as the empty DAG, not fitted. NULL on OOM. */
sg_bn *sg_bn_create(size_t nvars, const uint32_t *card, const char *const *names);
void sg_bn_destroy(sg_bn *bn); /* NULL ok */
sg_bn *sg_bn_clone(const sg_bn *bn);

size_t sg_bn_nvars(const sg_bn *bn);
const char *sg_bn_name(const sg_bn *bn, size_t v);
uint32_t sg_bn_card(const sg_bn *bn, size_t v);
size_t sg_bn_nparents(const sg_bn *bn, size_t v);
const size_t *sg_bn_parents(const sg_bn *bn, size_t v); /* ascending variable indices */
size_t sg_bn_nedges(const sg_bn *bn);
/* Topological order used for sampling (parents before children; ties by index). */
const size_t *sg_bn_topo_order(const sg_bn *bn);

/* Replace the parents of v (drops fitted parameters). Fails if it would create a cycle. */
sg_status sg_bn_set_parents(sg_bn *bn, size_t v, const size_t *parents, size_t k, sg_error *err);

typedef struct sg_bn_learn_opts {
    int max_parents;       /* max in-degree; default 3 (0 in this struct = default; <0 = unlimited) */
    int tabu_length;       /* default 100 */
    double min_gain;       /* default 1e-4 */
    size_t max_iter;       /* default 1e6 */
    /* optional nvars x nvars matrix: forbid[x * nvars + y] != 0 forbids the edge x -> y
     * (e.g. SequenceBN: no edge from a later slice to an earlier one) */
    const uint8_t *forbid;
} sg_bn_learn_opts;

/* Reset to the empty DAG and hill-climb with BIC on data (spec §5.4). opts may be NULL.
 * Operation order for ties: add (x, y lexicographic), remove, reverse; first best wins. */
sg_status sg_bn_learn_structure(sg_bn *bn, const sg_bn_data *data, const sg_bn_learn_opts *opts,
                                sg_error *err);

/* Local BIC score (natural log) of v with the given parent set on data; and the sum over all
 * variables with the current structure (spec §5.4). */
double sg_bn_local_bic(const sg_bn_data *data, size_t v, const size_t *parents, size_t k);
double sg_bn_bic(const sg_bn *bn, const sg_bn_data *data);

/* KT prequential data cost in bits of the records with the current structure (spec §5.2):
 * r of each variable = states observed in these records; empty data -> 0. */
double sg_bn_kt_bits(const sg_bn *bn, const sg_bn_data *data);
/* KT cost of one variable's count table: counts n[0..r-1] (zeros allowed; r = number of
 * observed, i.e. non-zero, entries is what the spec uses: pass only observed ones or set r). */
double sg_bn_kt_counts(const uint64_t *counts, size_t r);
/* Structure cost L_BN in bits (spec §5.3): sum over variables of lg 3 + lgC(m-1, k). */
double sg_bn_structure_bits(const sg_bn *bn);

/* Variables constant over data (one observed state; also true when data is empty: then the
 * value is 0). Fills is_const[v] and value[v] (either may be NULL); returns their number. */
size_t sg_bn_find_constants(const sg_bn_data *data, size_t nvars, uint8_t *is_const, uint32_t *value);
/* Observed distinct codes of variable v in data, ascending, into *states (malloc'd). */
sg_status sg_bn_observed_states(const sg_bn_data *data, size_t v, uint32_t **states, size_t *n);

/* Estimate conditional tables from data with the current structure:
 * P(X = x_k | j) = (N_jk + alpha) / (N_j + r_X alpha) over the observed states of X,
 * unseen configurations j: uniform over the observed states. alpha > 0 (1 = K2). */
sg_status sg_bn_fit(sg_bn *bn, const sg_bn_data *data, double alpha, sg_error *err);
/* The estimator of the conditional tables (sg_bn_fit_prior):
 *  - SG_BN_PRIOR_UNIFORM: sg_bn_fit's Dirichlet(alpha) over the observed states (K2 for alpha = 1);
 *  - SG_BN_PRIOR_MARGINAL: each configuration shrinks towards a base measure pi of the variable
 *    with weight s (hierarchical Dirichlet):  P(x | j) = (N_jx + s pi(x)) / (N_j + s), with
 *    pi(x) proportional to sum_j N_jx / (N_j + s): the marginal with each record weighted by
 *    1 / (N_j + s). This pi is the one that makes sum_j (N_j / N) P(x | j) = N_x / N exactly: with
 *    the parents at their training frequencies, sampling reproduces every training marginal, while
 *    configurations keep mass for states they did not see. Unseen configurations: pi.
 *    K2 instead adds r pseudo-records to every configuration, pulling sparse configurations towards
 *    uniform: a state concentrated in a few small configurations (a heavy tail's top bin) loses mass.
 *    Measured on UGR'16: the top bytes bin gets 2.0 % of the records sampled from the BNs against
 *    2.5 % in training under K2 (docs/flowchronicle.md "Bayesian network parameters"). */
typedef enum sg_bn_prior { SG_BN_PRIOR_UNIFORM = 0, SG_BN_PRIOR_MARGINAL = 1 } sg_bn_prior;
/* weight: alpha (UNIFORM) or s (MARGINAL), > 0 */
sg_status sg_bn_fit_prior(sg_bn *bn, const sg_bn_data *data, sg_bn_prior prior, double weight, sg_error *err);
sg_bn_prior sg_bn_fit_prior_kind(const sg_bn *bn);
/* P(X_v = state | the parent values in vals) under the fitted estimator (0 for an unobserved state) */
double sg_bn_cond_prob(const sg_bn *bn, size_t v, const uint32_t *vals, uint32_t state);
int sg_bn_is_fitted(const sg_bn *bn);
/* Number of records the parameters were fitted on. */
uint64_t sg_bn_fit_count(const sg_bn *bn);

/* Ancestral sampling of all variables into out[0..nvars-1]. The BN must be fitted; a variable
 * with no observed state (fitted on zero records) gets code 0. */
void sg_bn_sample(const sg_bn *bn, sg_rng *rng, uint32_t *out);
/* Same, keeping variables with given[v] != 0 at their value in vals (in/out, last: conditional forward
 * sampling: exact when no given variable has a sampled ancestor). */
void sg_bn_sample_given(const sg_bn *bn, sg_rng *rng, const uint8_t *given, uint32_t *vals);
/* Natural-log probability of a full record; -INFINITY if a value is not an observed state. */
double sg_bn_log_prob(const sg_bn *bn, const uint32_t *vals);

/* JSON (jansson). label(ctx, v, code) may be NULL; when given, each node also gets a
 * "labels" array with the readable value of each state (ignored on load). */
typedef const char *(*sg_bn_label_fn)(void *ctx, size_t v, uint32_t code, char *buf, size_t bufsz);
struct json_t *sg_bn_to_json(const sg_bn *bn, sg_bn_label_fn label, void *ctx);
sg_status sg_bn_from_json(const struct json_t *j, sg_bn **out, sg_error *err);
sg_status sg_bn_save(const sg_bn *bn, const char *path, sg_error *err);
sg_status sg_bn_load(const char *path, sg_bn **out, sg_error *err);

/* Shared MDL helpers (bits). */
double sg_log2_binom(double n, double k); /* lg C(n, k), 0 when k <= 0 or k >= n */
/* sg_universal_int_bits (Rissanen L_N(x), x >= 1, spec §3.1) is in secgen/core.h */

#ifdef __cplusplus
}
#endif
#endif
