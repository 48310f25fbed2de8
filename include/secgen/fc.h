/* secgen fc: FlowChronicle — MDL pattern-set mining of temporal flow patterns and generation
 * of synthetic flows from the learnt model (specs/flowchronicle.md, docs/flowchronicle.md).
 *
 * Learning: sg_fc_learn(flows) -> sg_fc_model (patterns of partial flows with fixed / free /
 * reused cells, one Bayesian network per pattern, usage counts, start-time and delay samples,
 * hour-of-week time profile). Deterministic: no randomness is used while learning and the
 * parallel candidate evaluation reduces in a fixed order, so any -j gives the same model.
 *
 * Generation: a streaming generator yields flows in start-time order with memory bounded by
 * the model (not by the generated duration). Instance j of hour slot s draws its random numbers
 * from sg_rng keyed by (seed, slot, j) only, so the output does not depend on threads. */
#ifndef SECGEN_FC_H
#define SECGEN_FC_H

#include "secgen/core.h"
#include "secgen/flow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sg_fc_model sg_fc_model;

#define SG_FC_EXACT_MAX 16384 /* automatic mode: the exact search up to this many flows */
#define SG_FC_CHUNK 4096      /* automatic mode: slice size beyond */
#define SG_FC_SAMPLE 32768    /* sampled search beyond this many flows */

typedef struct sg_fc_learn_opts {
    double time_window_s; /* max delay between consecutive rows of a pattern; <= 0: unlimited */
    size_t max_patterns;  /* 0: unlimited */
    size_t max_iter;      /* search iterations; 0: default 100000 */
    int threads;          /* 0: the current OpenMP setting; > 0: this many for this call (restored after) */
    const char *source;   /* description of the input (file name) for the model */
    int paired;           /* the flows of a one-way layout were paired (sg_flow_pair_oneway): learn
                           * both directions (the bidirectional column set) */
    size_t chunk;         /* chunked search (docs/flowchronicle.md "Scaling"): slices of about this many
                           * flows; 0: automatic (exact search up to SG_FC_EXACT_MAX flows, slices of
                           * SG_FC_CHUNK beyond); SIZE_MAX: always the exact search */
    size_t sample;        /* sampled search: beyond this many flows (0: SG_FC_SAMPLE), the chunked search
                           * runs on evenly spaced blocks totalling about this many flows and their
                           * patterns cover the whole table (SIZE_MAX: never sample) */
    /* optional progress log (one line per accepted pattern / phase); NULL = silent */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} sg_fc_learn_opts;

/* Description lengths in bits (docs/flowchronicle.md "MDL score"). */
typedef struct sg_fc_learn_stats {
    size_t flows;           /* training flows */
    int input_was_unsorted; /* flows were not sorted by start time: sorted (stable) before learning */
    size_t patterns;        /* |M| */
    size_t covered_flows;   /* flows in accepted windows */
    size_t iterations;
    size_t candidates_tested;
    size_t candidates_generated;
    double model_bits;      /* base BN structure + sum of pattern costs L(P) */
    double data_bits;       /* L(D | M) */
    double total_bits;      /* model + data */
    double empty_total_bits; /* base BN structure + L(D | empty set) */
    double compression_ratio; /* empty_total / total */
    double seconds;         /* wall time of the search */
    size_t chunk;           /* 0: exact search; else the slice size of the chunked search */
    size_t sample;          /* 0: all flows searched; else the flows of the sampled search */
} sg_fc_learn_stats;

/* Learn a model from flows (any order; sorted stably by start time if needed). n >= 1.
 * stats may be NULL. */
sg_status sg_fc_learn(const sg_flow *flows, size_t n, sg_flow_format layout, const sg_fc_learn_opts *opts,
                      sg_fc_model **out, sg_fc_learn_stats *stats, sg_error *err);

void sg_fc_model_destroy(sg_fc_model *m); /* NULL ok */
/* JSON ("format": "secgen-flow-model", "version": 1); save is atomic */
sg_status sg_fc_model_save(const sg_fc_model *m, const char *path, sg_error *err);
sg_status sg_fc_model_load(const char *path, sg_fc_model **out, sg_error *err);
/* from memory (embedded default model); name is used in messages */
sg_status sg_fc_model_load_mem(const char *name, const char *data, size_t len, sg_fc_model **out, sg_error *err);
/* plain-words summary: source, description length, columns, the top_k patterns by usage */
void sg_fc_model_describe(const sg_fc_model *m, FILE *fp, size_t top_k);

size_t sg_fc_model_npatterns(const sg_fc_model *m);
/* training span (start of first flow, start of last flow), microseconds since the epoch */
void sg_fc_model_span(const sg_fc_model *m, int64_t *first_us, int64_t *last_us);
/* layout of the training data (SG_FMT_CIDDS, ...) and whether it was unidirectional */
sg_flow_format sg_fc_model_layout(const sg_fc_model *m);
int sg_fc_model_unidirectional(const sg_fc_model *m);
/* training flow count, and the mean number of flows per hour over the training span */
size_t sg_fc_model_training_flows(const sg_fc_model *m);
const sg_fc_learn_stats *sg_fc_model_stats(const sg_fc_model *m);

/* ---- generation -------------------------------------------------------------------------- */

typedef struct sg_fc_gen_opts {
    uint64_t seed;
    int64_t start_us;    /* INT64_MIN: the training start */
    int64_t duration_us; /* > 0: flows starting in [start, start + duration) */
    uint64_t max_flows;  /* > 0: stop after this many flows */
    /* at least one of duration_us / max_flows must be set */
    int unbin_uniform;   /* 1: the reference's un-binning (uniform inside a bin, spec §1.3) and no
                          * rule-rate calibration, for paper comparisons; 0: within-bin quantiles */
    int allow_novel;     /* 1: allow (protocol, port) and (address, service port) pairs the
                          * training data never had; 0: condition samples on the training pairs */
} sg_fc_gen_opts;

typedef struct sg_fc_flow_info {
    int pattern;        /* index of the pattern in the model, -1 = the empty pattern (base BN) */
    uint64_t instance;  /* global instance id (slot << 24 | j) */
    unsigned row;       /* row of the pattern */
} sg_fc_flow_info;

typedef struct sg_fc_generator sg_fc_generator;
sg_status sg_fc_generator_create(const sg_fc_model *m, const sg_fc_gen_opts *opts, sg_fc_generator **out,
                                 sg_error *err);
/* Next flow in start order. SG_OK with *more = 1: *flow filled (info may be NULL); SG_OK with
 * *more = 0: end of generation (flow untouched); otherwise an error status, with its message in err
 * (*more = 0). */
sg_status sg_fc_generator_next(sg_fc_generator *g, sg_flow *flow, sg_fc_flow_info *info, int *more, sg_error *err);
uint64_t sg_fc_generator_count(const sg_fc_generator *g); /* flows returned so far */
void sg_fc_generator_destroy(sg_fc_generator *g);       /* NULL ok */

#ifdef __cplusplus
}
#endif
#endif
