/* secgen eval: fidelity metrics of synthetic flow tables (FlowChronicle paper, Table 2, plus
 * temporal metrics), the IndependentBN / SequenceBN baselines, and text / JSON / HTML reports.
 *
 * Definitions follow ../shared/specs/flowchronicle.md §8-9 and are written out in
 * docs/metrics.md. Every table is first mapped onto the paper's common columns:
 *   timestamp, continuous = [In Byte, Out Byte, In Packet, Out Packet, Duration],
 *   discrete  = [Proto, Src IP, Dst IP, Dst Pt, Flags]
 * (Out = initiator -> responder = fwd_*, In = bwd_*). When any table of an evaluation comes from a
 * layout without per-direction counters (CIDDS-001 unidirectional NetFlow, UGR'16, NetShare) all
 * tables are folded onto totals (Out = fwd + bwd, In = 0) so they stay comparable. */
#ifndef SECGEN_EVAL_H
#define SECGEN_EVAL_H

#include "secgen/core.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SG_EVAL_NCONT = 5, SG_EVAL_NDISC = 5, SG_EVAL_NCOLS = 11, SG_EVAL_NDKC = 21 };

/* Column indices inside the continuous / discrete groups (paper order). */
enum { SG_EC_IN_BYTES = 0, SG_EC_OUT_BYTES, SG_EC_IN_PKTS, SG_EC_OUT_PKTS, SG_EC_DURATION };
enum { SG_ED_PROTO = 0, SG_ED_SRC_IP, SG_ED_DST_IP, SG_ED_DST_PORT, SG_ED_FLAGS };

extern const char *const sg_eval_cont_names[SG_EVAL_NCONT];
extern const char *const sg_eval_disc_names[SG_EVAL_NDISC];
extern const char *const sg_eval_dkc_descr[SG_EVAL_NDKC];

/* RNG streams used by eval (sg_rng_init(&r, seed, stream, index)). */
enum {
    SG_EVAL_STREAM_SAMPLE = 0x45560000u, /* + table role; index = repetition */
    SG_EVAL_STREAM_MD = 0x45561000u,     /* + role; index = repetition */
    SG_EVAL_STREAM_BASELINE = 0x45562000u,
    SG_EVAL_STREAM_REALISM = 0x45563000u /* + purpose; index = resample */
};

/* ---- common columns ----------------------------------------------------------------------
 * Discrete values are interned in a dictionary shared by all tables of one evaluation (so codes
 * are comparable across tables); continuous values are doubles (bytes, packets, seconds). */
typedef struct sg_eval_dict sg_eval_dict;
sg_eval_dict *sg_eval_dict_create(void);
void sg_eval_dict_destroy(sg_eval_dict *d);
const char *sg_eval_dict_str(const sg_eval_dict *d, int col, uint32_t code);
size_t sg_eval_dict_size(const sg_eval_dict *d, int col);

typedef struct sg_eval_cols {
    size_t n;
    int64_t *time_us;                /* flow start, µs since the epoch */
    double *cont[SG_EVAL_NCONT];     /* n values each */
    uint32_t *disc[SG_EVAL_NDISC];   /* n codes each (sg_eval_dict) */
} sg_eval_cols;

/* Map a flow table onto the common columns. fold_totals: Out = fwd+bwd, In = 0.
 * shift_us is added to every start time. */
sg_status sg_eval_cols_from_flows(const sg_flow_table *t, int fold_totals, int64_t shift_us,
                                  sg_eval_dict *dict, sg_eval_cols *out, sg_error *err);
void sg_eval_cols_free(sg_eval_cols *c);
/* 1 when the layout carries per-direction counters (native, Argus). */
int sg_eval_format_is_bidirectional(sg_flow_format f);

/* ---- single metrics (idx = rows to use, NULL = all n rows) -------------------------------- */


/* Per-column metrics on two tables; per-column values go to col[] (may be NULL). */
double sg_eval_emd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                   const size_t *ig, size_t ng, double col[SG_EVAL_NCONT]);
double sg_eval_jsd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                   const size_t *ig, size_t ng, double col[SG_EVAL_NDISC]);
/* PCD; corr_r / corr_g (may be NULL) receive the 5x5 Pearson matrices (row-major). */
double sg_eval_pcd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                   const size_t *ig, size_t ng, double corr_r[25], double corr_g[25]);
sg_status sg_eval_cmd(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                      const size_t *ig, size_t ng, double *cmd, sg_error *err);
/* Density and Coverage (Naeem et al. 2020) with k nearest neighbours, OpenMP-parallel and
 * deterministic. NaN when nr <= k or ng = 0. */
sg_status sg_eval_prdc(const sg_eval_cols *r, const size_t *ir, size_t nr, const sg_eval_cols *g,
                       const size_t *ig, size_t ng, int k, double *density, double *coverage,
                       sg_error *err);

/* k-nearest-neighbour anomaly distance (secgen detect) with the Density/Coverage encoding,
 * restricted to the columns of cols_mask (bit c: 0 = time, 1..5 continuous, 6..10 discrete) and
 * decided on the reference rows alone (one-hot for ip/port/flags and for columns with < 40
 * distinct reference values, min-max scaling over the reference). dist[i] = Euclidean distance
 * of query row i to its k-th nearest reference row. Deterministic for any thread count. */
sg_status sg_eval_knn_distance(const sg_eval_cols *ref, const size_t *iref, size_t nref, const sg_eval_cols *q,
                               const size_t *iq, size_t nq, int k, uint32_t cols_mask, double *dist, sg_error *err);

typedef struct sg_eval_dkc_opts {
    int corrected;          /* rule 3 as "Dst Pt = 0 and not ICMP and not IGMP", divisor 21 */
    const char *dns_addr;   /* rule 12 address of the DNS resolver; default "DNS" (CIDDS) */
    const char *mdns_addr;  /* rule 13; default "10008_251" (CIDDS) */
} sg_eval_dkc_opts;
/* Bit mask of the DKC rules (bit r-1 = rule r) violated by row i. */
uint32_t sg_eval_dkc_row(const sg_eval_cols *g, const sg_eval_dict *d, size_t i, const sg_eval_dkc_opts *o);
/* DKC = sum of the 21 violation fractions / 20 (/21 corrected); frac[] may be NULL. */
double sg_eval_dkc(const sg_eval_cols *g, const sg_eval_dict *d, const size_t *ig, size_t ng,
                   const sg_eval_dkc_opts *o, double frac[SG_EVAL_NDKC]);

/* Membership disclosure F1 sum (spec §8): members / non-members / generated rows. NaN when a
 * threshold with predictions has no true positive (as the reference). */
double sg_eval_md(const sg_eval_cols *mem, const size_t *im, size_t nm, const sg_eval_cols *non,
                  const size_t *in, size_t nn, const sg_eval_cols *g, const size_t *ig, size_t ng);

/* Temporal metrics (not in the paper): 1-Wasserstein distance (hours) between the normalised
 * flows-per-hour profiles, and the Kolmogorov-Smirnov statistic between the inter-arrival time
 * distributions. Tables need not be sorted. NaN when undefined. */
double sg_eval_fph_distance(const sg_eval_cols *r, const sg_eval_cols *g);
double sg_eval_iat_ks(const sg_eval_cols *r, const sg_eval_cols *g);
/* ACF difference (spec §8 temporal metrics): per continuous column over the seconds covered by
 * both tables; returns the mean over columns with a defined value (col[] may be NULL). */
double sg_eval_acf_diff(const sg_eval_cols *r, const sg_eval_cols *g, double col[SG_EVAL_NCONT]);

/* ---- whole evaluation --------------------------------------------------------------------- */

/* Metric selection (bit mask); 0 in sg_eval_opts.metrics = all. MD needs a training table and
 * CONFIG a network config: selected through a group ("all", "paper", "realism") they are left out
 * with a note when their input is missing; named on their own they are required. */
enum {
    SG_EM_DENSITY = 1u << 0, SG_EM_COVERAGE = 1u << 1, SG_EM_CMD = 1u << 2, SG_EM_PCD = 1u << 3,
    SG_EM_EMD = 1u << 4, SG_EM_JSD = 1u << 5, SG_EM_DKC = 1u << 6, SG_EM_MD = 1u << 7,
    SG_EM_FPH = 1u << 8, SG_EM_IAT = 1u << 9, SG_EM_ACF = 1u << 10,
    /* realism findings (verdicts ok / warn / fail, see sg_eval_finding) */
    SG_EM_TAILS = 1u << 11,  /* per-column quantiles, totals per direction, flows over 10k packets */
    SG_EM_BURSTS = 1u << 12, /* time span, flows per second: dispersion index, busiest-seconds share */
    SG_EM_RULES = 1u << 13,  /* per-rule DKC violation rate against the real table's */
    SG_EM_CONFIG = 1u << 14, /* containment in a network config (needs sg_eval_opts.netcfg) */
    SG_EM_PAPER = 0xffu, SG_EM_REALISM = 0x7800u, SG_EM_ALL = 0x7fffu
};
/* "density,coverage,cmd,pcd,emd,jsd,dkc,md,fph,iat,acf,tails,bursts,rules,config", "paper" (the 8
 * of Table 2), "realism" (tails,bursts,rules,config), "all"; returns 0 on success, else fills err
 * with the unknown name. *required (may be NULL) receives the metrics named on their own. */
int sg_eval_metrics_parse(const char *list, uint32_t *mask, uint32_t *required, sg_error *err);

typedef struct sg_eval_opts {
    size_t sample_size;  /* rows drawn per table and repetition (10000); min(n, this) */
    unsigned repetitions;/* 20 */
    size_t md_sample;    /* 500 */
    int k;               /* 5 */
    uint64_t seed;
    sg_eval_dkc_opts dkc;
    int64_t synth_shift_us; /* added to synthetic start times */
    int align_start;        /* shift synthetic so its first flow starts with the real one */
    uint32_t metrics;       /* SG_EM_* mask; 0 = all */
    uint32_t required;      /* metrics named explicitly: MD without train / CONFIG without netcfg
                               is then an error instead of a note */
    const sg_netcfg *netcfg;/* network config for the containment findings (NULL = none) */
} sg_eval_opts;
void sg_eval_opts_default(sg_eval_opts *o);

typedef struct sg_eval_result {
    size_t n_real, n_synth, n_train, n_holdout, sample_real, sample_synth;
    unsigned repetitions, reps_computed, md_nan_reps;
    int folded;             /* tables folded onto totals: In Byte / In Packet are not in the data */
    uint32_t metrics;       /* metrics computed (SG_EM_*) */
    uint32_t skipped;       /* selected through a group but left out for want of input (MD, CONFIG) */
    int64_t applied_shift_us;
    double density, coverage, cmd, pcd, emd, jsd, dkc, md; /* means over repetitions; md NaN w/o train */
    double emd_col[SG_EVAL_NCONT], jsd_col[SG_EVAL_NDISC];
    double dkc_frac[SG_EVAL_NDKC];     /* mean violation fraction per rule (samples) */
    size_t dkc_count[SG_EVAL_NDKC];    /* violations in the whole synthetic table */
    size_t dkc_count_real[SG_EVAL_NDKC];
    double corr_real[25], corr_synth[25]; /* of the first repetition */
    double fph, iat_ks, acf;
    double acf_col[SG_EVAL_NCONT];
    double secs_knn, secs_total; /* wall time of Density/Coverage and of the whole run */
} sg_eval_result;

/* An evaluation: owns the mapped tables and the result (report writers need the data). */
typedef struct sg_eval sg_eval;
/* train/holdout may be NULL. MD runs when train is given: members = train, non-members =
 * holdout if given, else real. */
sg_status sg_eval_create(sg_eval **out, const sg_flow_table *real, const sg_flow_table *synth,
                         const sg_flow_table *train, const sg_flow_table *holdout,
                         const sg_eval_opts *opts, sg_error *err);
void sg_eval_destroy(sg_eval *e);
sg_status sg_eval_run(sg_eval *e, sg_error *err);
const sg_eval_result *sg_eval_get_result(const sg_eval *e);

/* ---- realism findings ---------------------------------------------------------------------
 * Each finding compares one property of the synthetic table with the real one (or with the
 * network config) and gives a verdict with a one-line reason, e.g.
 *   "p99 of Out Packet 91,730 vs 35 real (2,620x): FAIL".
 * Verdicts allow for sampling noise: the two values are compared through their 95 % bands
 * (order statistics for quantiles, Poisson for counts; for means, the ratio against the range two
 * random deals of the pooled rows give); "gap" is the factor separating them (1 when they
 * overlap). Definitions and thresholds: docs/metrics.md §8. */
typedef enum sg_eval_verdict { SG_EVAL_OK = 0, SG_EVAL_WARN = 1, SG_EVAL_FAIL = 2 } sg_eval_verdict;
const char *sg_eval_verdict_name(sg_eval_verdict v); /* "ok", "WARN", "FAIL" */

typedef struct sg_eval_finding {
    uint32_t group;        /* SG_EM_TAILS, SG_EM_BURSTS, SG_EM_RULES or SG_EM_CONFIG */
    char key[40];          /* stable identifier, e.g. "p99.out_packets", "bursts.top10_share" */
    char what[80];         /* e.g. "p99 of Out Packet" */
    double synth, real;    /* the compared values (real NaN when the reference is the config) */
    double ratio;          /* synth / real (NaN when undefined) */
    double gap;            /* factor beyond sampling noise the verdict used (1 = consistent) */
    double ok_within, fail_beyond; /* thresholds on gap: ok <= ok_within < warn <= fail_beyond < fail */
    sg_eval_verdict verdict;
    char line[320];        /* the one-line verdict */
} sg_eval_finding;
/* findings of the last sg_eval_run, in report order; *n = count (0 when none were selected) */
const sg_eval_finding *sg_eval_get_findings(const sg_eval *e, size_t *n);

/* Burstiness of start times (µs) over a window of w_s one-second bins from the first start:
 * dispersion index var/mean of the per-second counts, share of the flows in the 10 busiest
 * seconds, and the busiest second's count (starts past the window count in its last second).
 * NaN when n = 0. */
void sg_eval_burstiness(const int64_t *t_us, size_t n, int64_t w_s, double *dispersion, double *top10_share,
                        double *peak);

typedef struct sg_eval_report_info {
    const char *real_name, *synth_name, *train_name, *holdout_name;
} sg_eval_report_info;
sg_status sg_eval_write_text(const sg_eval *e, const sg_eval_report_info *info, FILE *fp, sg_error *err);
sg_status sg_eval_write_json(const sg_eval *e, const sg_eval_report_info *info, FILE *fp, sg_error *err);
/* One self-contained HTML page (inline SVG and CSS, no script, no external resource). */
sg_status sg_eval_write_html(const sg_eval *e, const sg_eval_report_info *info, FILE *fp, sg_error *err);

/* ---- baselines (spec §9) ------------------------------------------------------------------- */

typedef enum sg_baseline_kind { SG_BASELINE_INDEPENDENT_BN = 0, SG_BASELINE_SEQUENCE_BN } sg_baseline_kind;
/* "independent-bn" / "sequence-bn"; returns 0 on success */
int sg_baseline_kind_parse(const char *s, sg_baseline_kind *out);

typedef struct sg_baseline_opts {
    sg_baseline_kind kind;
    size_t n;          /* flows to generate */
    uint64_t seed;
    int window;        /* SequenceBN slices (5) */
    int max_parents;   /* 3 */
    int nbins;         /* numeric bins (40) */
} sg_baseline_opts;
void sg_baseline_opts_default(sg_baseline_opts *o);
/* Learn on train (any order; sorted internally) and generate opts->n flows sorted by start. */
sg_status sg_baseline_generate(const sg_flow_table *train, const sg_baseline_opts *opts,
                               sg_flow_table *out, sg_error *err);

/* Numeric binning of spec §1.3 (zero -> bin 0, non-zero values -> up to nbins equal-frequency
 * bins with numpy linear-interpolation quantile edges, duplicates dropped). */
typedef struct sg_eval_bins {
    double *edges; /* nedges = K + 1 (K bins 1..K); NULL when no non-zero value */
    size_t nedges;
} sg_eval_bins;
sg_status sg_eval_bins_fit(const double *x, size_t n, int nbins, sg_eval_bins *b, sg_error *err);
uint32_t sg_eval_bins_code(const sg_eval_bins *b, double x);
/* un-bin: bin 0 -> 0, bin k -> uniform in (e_{k-1}, e_k) */
double sg_eval_bins_sample(const sg_eval_bins *b, uint32_t code, sg_rng *rng);
void sg_eval_bins_free(sg_eval_bins *b);

#ifdef __cplusplus
}
#endif
#endif
