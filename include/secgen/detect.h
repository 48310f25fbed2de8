/* secgen detect: what synthetic traffic is worth for anomaly detection.
 *
 * Unsupervised detectors are trained on the benign rows of REAL and, separately, of SYNTH, then
 * score a labelled TEST set: AUROC, and TPR / FPR / precision / F1 at a threshold chosen on the
 * detector's own training data (never on TEST), overall and per attack class; the utility ratio
 * is AUROC(trained on synthetic) / AUROC(trained on real). Detectors:
 *   flows:     knn (k-th nearest-neighbour distance, eval's encoding), iforest (isolation forest),
 *              bn (negative log-likelihood under a Bayesian network of the discretised flow);
 *   sequences: tadam (bits per event under the TADAM automaton of the flow's service),
 *              bigram (bits per event under a smoothed symbol bigram chain, the baseline).
 * Protocol, features and decisions: docs/detect.md. Same inputs + seed give the same result for
 * any thread count. */
#ifndef SECGEN_DETECT_H
#define SECGEN_DETECT_H

#include "secgen/core.h"
#include "secgen/flow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sg_det_kind {
    SG_DET_KNN = 0,
    SG_DET_IFOREST,
    SG_DET_BN,
    SG_DET_TADAM,
    SG_DET_BIGRAM,
    SG_DET_COUNT
} sg_det_kind;

/* RNG streams (sg_rng_init(&r, seed, stream, index)). */
enum {
    SG_STREAM_DETECT_SPLIT = 0x5de70001,   /* index = training row: fit / calibration split */
    SG_STREAM_DETECT_IFOREST = 0x5de70002, /* index = tree (+ 1<<20 for the synthetic side) */
    SG_STREAM_DETECT_CAP = 0x5de70003      /* index = training row: subsampling to max_train */
};

const char *sg_detect_name(sg_det_kind d);
/* 1 when the detector reads sequences, 0 when it reads flows */
int sg_detect_needs_sequences(sg_det_kind d);
/* "knn,iforest,bn,tadam,bigram" or "all" into a bit mask (bit d = detector d); 0 on success,
 * else err names the unknown detector. */
int sg_detect_parse_list(const char *list, unsigned *mask, sg_error *err);

/* ---- data sets -------------------------------------------------------------------------------
 * A flow CSV (any layout sg_flow_read reads) or a sequence CSV (design §4, or HDFS blocks),
 * told apart by the header; with the label text of each row when the file has a label column. */
typedef enum sg_detect_data_kind { SG_DETECT_FLOWS = 0, SG_DETECT_SEQUENCES } sg_detect_data_kind;
typedef struct sg_detect_data sg_detect_data;

sg_status sg_detect_data_load(const char *path, sg_detect_data **out, sg_error *err);
void sg_detect_data_destroy(sg_detect_data *d);
sg_detect_data_kind sg_detect_data_kind_of(const sg_detect_data *d);
const char *sg_detect_data_path(const sg_detect_data *d);
size_t sg_detect_data_rows(const sg_detect_data *d);
/* label text of row i (0-based), NULL when the row has none */
const char *sg_detect_data_label(const sg_detect_data *d, size_t i);
/* Labels from an id,label CSV (header line first): the id is the sequence's flow_id, or for flow
 * CSVs the 1-based data row. Every row of d must get a label; unknown or repeated ids are errors. */
sg_status sg_detect_data_apply_labels(sg_detect_data *d, const char *labels_path, sg_error *err);


/* ---- the run ---------------------------------------------------------------------------------- */

typedef struct sg_detect_opts {
    unsigned detectors;  /* bit mask; 0 = every detector that reads the inputs' kind */
    uint64_t seed;       /* 1 */
    double calib_frac;   /* share of each training set held out to set the threshold (0.2) */
    double quantile;     /* threshold = this quantile of the held-out training scores (0.99) */
    size_t max_train;    /* training rows kept (seeded subsample); 0 = all (default 20000) */
    int knn_k;           /* 5 */
    int trees;           /* isolation forest trees (100) */
    size_t subsample;    /* isolation forest sub-sample size psi (256) */
    int bn_bins;         /* numeric bins of the BN (16) */
    int bn_max_parents;  /* 2 */
    size_t tadam_min_seq;   /* sequences a service needs for its own automaton (20) */
    size_t tadam_max_seq;   /* sequences per automaton, seeded subsample (400) */
    unsigned tadam_max_iters; /* search iterations per automaton (60) */
    int tadam_timed;     /* 1: learn and score with inter-arrival times and payload sizes; 0 (default):
                            symbols only (docs/detect.md: timed bits per event rank long, rich benign
                            flows above short scans) */
    int quiet;
} sg_detect_opts;
void sg_detect_opts_default(sg_detect_opts *o);

typedef struct sg_detect_eval {
    int done;
    size_t n_fit, n_calib;    /* training rows used to fit / to set the threshold */
    double threshold;
    double auroc, tpr, fpr, precision, f1;
    double *scores;           /* n_test scores, higher = more anomalous */
    double *class_auroc;      /* per attack class: benign test rows vs that class's rows */
    double *class_tpr;        /* per attack class at the threshold */
    double secs;              /* wall time to train and score */
    char note[160];           /* e.g. how many test sequences fell back to the catch-all automaton */
} sg_detect_eval;

typedef struct sg_detect_result {
    sg_detect_data_kind kind;
    int folded;               /* flows folded onto totals (an input without per-direction counters) */
    size_t n_test, n_normal, n_attack;
    size_t n_train_rows[2];   /* benign training rows of REAL / SYNTH (before max_train) */
    size_t n_train_dropped[2];/* labelled attack rows left out of training */
    size_t nclasses;
    char **classes;           /* attack class names, sorted */
    size_t *class_n;          /* test rows per class */
    int8_t *label;            /* per test row: 0 normal, 1 attack */
    uint32_t *class_of;       /* per test row: class index, UINT32_MAX for normal rows */
    unsigned detectors;       /* detectors run */
    sg_detect_opts opts;
    sg_detect_eval ev[SG_DET_COUNT][2]; /* [detector][0 = trained on real, 1 = on synthetic] */
    double secs_total;
} sg_detect_result;

/* Train every selected detector on real and on synth, score test. Errors: inputs of different
 * kinds, a detector that does not read the inputs' kind, a test set without labels or with one
 * class only, a training set without benign rows. */
sg_status sg_detect_run(const sg_detect_data *real, const sg_detect_data *synth, const sg_detect_data *test,
                        const sg_detect_opts *opts, sg_detect_result **out, sg_error *err);
void sg_detect_result_destroy(sg_detect_result *r);
/* AUROC(synthetic) / AUROC(real) of detector d; NaN when either is missing */
double sg_detect_utility(const sg_detect_result *r, sg_det_kind d);

/* ---- detectors as library calls (tests, other tools) -------------------------------------- */

/* Isolation forest (Liu, Ting & Zhou 2008) over n x dim row-major features: trees built on
 * sub-samples of psi rows, height limit ceil(log2 psi); score 2^(-E[h(x)] / c(psi)) in (0, 1].
 * Tree t draws from sg_rng(seed, stream, stream_index0 + t): identical for any thread count. */
typedef struct sg_iforest sg_iforest;
sg_status sg_iforest_fit(const double *x, size_t n, size_t dim, int trees, size_t psi, uint64_t seed,
                         uint64_t stream_index0, sg_iforest **out, sg_error *err);
double sg_iforest_score(const sg_iforest *f, const double *row);
void sg_iforest_destroy(sg_iforest *f);

/* Area under the ROC curve (ties count 1/2, NaN if a class is empty) and the ROC curve's points
 * (fpr, tpr) at every distinct score, from (0,0) to (1,1): *npts <= n + 1, arrays malloc'd. */
double sg_detect_auroc(const double *scores, const int8_t *labels, size_t n);
sg_status sg_detect_roc(const double *scores, const int8_t *labels, size_t n, double **fpr, double **tpr,
                        size_t *npts, sg_error *err);
/* q-quantile of x (linear interpolation between order statistics, numpy's default); NaN if n = 0 */
double sg_detect_quantile(const double *x, size_t n, double q);

/* ---- reports ---------------------------------------------------------------------------------- */

typedef struct sg_detect_report_info {
    const char *real_name, *synth_name, *test_name;
} sg_detect_report_info;
sg_status sg_detect_write_text(const sg_detect_result *r, const sg_detect_report_info *info, FILE *fp, sg_error *err);
sg_status sg_detect_write_json(const sg_detect_result *r, const sg_detect_report_info *info, FILE *fp, sg_error *err);
/* One self-contained page (inline CSS and SVG: a ROC curve per detector, real vs synthetic). */
sg_status sg_detect_write_html(const sg_detect_result *r, const sg_detect_report_info *info, FILE *fp, sg_error *err);
/* CSV detector,trained_on,row,label,score (row = 1-based data row of TEST; label 0 for normal
 * rows, else the attack class), atomically. */
sg_status sg_detect_write_scores(const sg_detect_result *r, const char *path, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
