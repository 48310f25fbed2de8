/* FlowChronicle internals shared by the files of src/fc and the unit tests (tests/fc). */
#ifndef SECGEN_FC_INTERNAL_H
#define SECGEN_FC_INTERNAL_H

#include "secgen/bn.h"
#include "secgen/fc.h"

#define FC_MAXC 12 /* feature columns */
#define FC_MAXR 5  /* rows per pattern (spec: "typically <= 4"); longer concatenations are skipped */
#define FC_TIME_UNIT_US 10000 /* 10 ms ("time precision 100") */

enum fc_role { FC_ROLE_CAT = 0, FC_ROLE_IP = 1, FC_ROLE_NUM = 2 };

/* which sg_flow field a column holds */
enum fc_field {
    FC_F_OTHER = 0, /* tests: abstract column */
    FC_F_PROTO,
    FC_F_SRC_IP,
    FC_F_SRC_PORT,
    FC_F_DST_IP,
    FC_F_DST_PORT,
    FC_F_FWD_PKTS,
    FC_F_FWD_BYTES,
    FC_F_BWD_PKTS,
    FC_F_BWD_BYTES,
    FC_F_FLAGS,
    FC_F_DURATION
};

typedef struct fc_column {
    char name[32];
    int field;
    int role;
    int integer;      /* numeric column of integers (bytes, packets) */
    size_t ndom;      /* |dom(c)|: distinct values (bins) observed in this column */
    char **labels;    /* readable value of each code 0..ndom-1 (ip: the address) */
    /* numeric: bin of each code (0 = the value 0; k >= 1 = (edges[k-1], edges[k]]) */
    uint32_t *code_bin;
    double *edges;
    size_t nedges;    /* K + 1 (0 when no non-zero value) */
    /* numeric: the distribution inside each bin (docs/flowchronicle.md "Un-binning"): for bin
     * k >= 1, inq[(k - 1) * (FC_INQ + 1) + j] = quantile j / FC_INQ of the training values of the
     * bin (NULL: no such table, un-binning is the reference's uniform draw) */
    double *inq;
    /* integer numeric columns: generalised Pareto tail of the top bin's upper half (data.c
     * fc_column_inbin_quantiles, docs/flowchronicle.md "Tail model"); used by generation only when
     * kept: within-bin probabilities above tail_pt of the top bin map to
     * t + GPD^-1((u - pt) / (1 - pt) * G(cap - t)) instead of the quantile table */
    /* top bin: its highest training values (the top 1/FC_INQ of the bin, at most FC_TOPV of them,
     * evenly spaced order statistics beyond), ascending: the quantile table's last segment replays
     * them instead of interpolating (docs/flowchronicle.md "Un-binning") */
    double *topv;
    size_t ntopv;
    int tail_fitted, tail_kept;
    double tail_t, tail_pt, tail_xi, tail_sigma, tail_cap; /* threshold, its within-bin probability,
                                                            * shape, scale, truncation level */
    double tail_n, tail_bits_gpd, tail_bits_q;              /* values above t; MDL of both models */
    /* port columns: protos[code] = bit mask of the proto column's codes this port was seen with
     * in training (NULL: no check) */
    uint32_t *protos;
    /* ip columns share one address space: code = address id (see fc_data.ipdict) and
     * ndom counts the addresses seen in this column */
} fc_column;

/* Encoded training table (spec §1): column-major codes, times in 10 ms units from t_first,
 * posting lists per (column, code). */
typedef struct fc_data {
    size_t n, C;
    fc_column col[FC_MAXC];
    uint32_t *codes;          /* column-major block n x C */
    uint32_t *code[FC_MAXC];  /* code[c] = codes + c * n */
    int64_t *t;
    int64_t t_first_us; /* absolute time of t = 0 */
    double tau;         /* lg(t_max - t_min) (0 if the span is 0) */
    /* ip columns: shared address dictionary (codes of the ip columns index it) */
    size_t nip;
    char **iplabels;
    /* posting lists: rows with code v in column c are post_idx[c][post_off[c][v] .. post_off[c][v+1]) */
    uint32_t *post_off[FC_MAXC];
    uint32_t *post_idx[FC_MAXC];
    size_t codespace[FC_MAXC]; /* number of codes of column c's code space (nip for ip columns) */
    double *lntab;             /* L_N(x) for x < FC_LNTAB (delay codes) */
    int borrowed;              /* a slice (fc_data_slice): columns, dictionaries and lntab belong to
                                * the parent table */
} fc_data;

#define FC_LNTAB 65536
static inline double fc_ln(const fc_data *d, uint64_t x)
{
    return d->lntab && x < FC_LNTAB ? d->lntab[x] : sg_universal_int_bits(x);
}

/* a raw column for fc_data_build: strings (cat/ip) or doubles (numeric) */
typedef struct fc_rawcol {
    const char *name;
    int role;
    int field;
    int integer;
    const char *const *str;
    const double *num;
} fc_rawcol;

sg_status fc_data_build(fc_data *d, const fc_rawcol *cols, size_t C, size_t n, const int64_t *t_abs_us,
                        sg_error *err);
void fc_data_free(fc_data *d);
/* rows [a, b) of d as a table of their own sharing d's dictionaries (same codes, same |dom(c)|):
 * own times (from the slice's first flow), codes and posting lists; d must outlive it */
sg_status fc_data_slice(const fc_data *d, size_t a, size_t b, fc_data *out);
/* the rows of the ranges [r[2i], r[2i+1]) (ascending, disjoint) as one table, as fc_data_slice */
sg_status fc_data_gather(const fc_data *d, const size_t *r, size_t nr, fc_data *out);
/* numeric binning (§1.3): edges from non-zero values; bin of a value */
size_t fc_bin_edges(const double *vals, size_t n, double *edges /* >= 41 */);
uint32_t fc_bin_of(const double *edges, size_t nedges, double x);
/* quantiles inside each bin: FC_INQ + 1 points per bin (linear-interpolation quantiles of the
 * training values falling in the bin) */
#define FC_INQ 32
#define FC_TOPV 64
sg_status fc_column_inbin_quantiles(fc_column *col, const double *vals, size_t n);
/* value of bin b (>= 1) at within-bin probability u in [0, 1]: log-linear interpolation between
 * the stored quantiles; and its inverse (within-bin probability of x) */
double fc_inbin_value(const fc_column *col, uint32_t b, double u);
double fc_inbin_prob(const fc_column *col, uint32_t b, double x);
/* largest value bin b can generate: its upper edge, or the tail's truncation level (top bin, kept) */
double fc_bin_top(const fc_column *col, uint32_t b);
/* generalised Pareto distribution of excesses y >= 0 (shape xi, scale sigma > 0) */
double fc_gpd_cdf(double y, double xi, double sigma);
double fc_gpd_quantile(double p, double xi, double sigma);
/* maximum-likelihood fit to excesses y[0..n) > 0 (profile likelihood in theta = xi / sigma) */
void fc_gpd_fit(const double *y, size_t n, double *xi, double *sigma);

/* ---- patterns ---------------------------------------------------------------------------- */
enum { FC_FREE = 0, FC_FIXED = 1, FC_SET = 2, FC_USE = 3 };

typedef struct fc_cell {
    uint8_t kind;
    uint8_t pad[3];
    uint32_t v; /* FIXED: code; SET/USE: placeholder id */
} fc_cell;

typedef struct fc_pat {
    uint32_t nrows;
    uint32_t C;
    fc_cell cell[FC_MAXR][FC_MAXC];
} fc_pat;

void fc_pat_init(fc_pat *p, size_t C, size_t nrows);
/* renumber placeholders in order of first appearance (rows top-down, columns ascending) */
void fc_pat_canon(fc_pat *p);
/* structural validity (§2.1): rows non-empty with a FIXED or USE cell, no USE in row 0, every USE
 * preceded by its SET, SET/USE only on ip columns */
int fc_pat_valid(const fc_pat *p, const fc_data *d);
size_t fc_pat_covered(const fc_pat *p);
size_t fc_pat_nplaceholders(const fc_pat *p);
/* compact key for hashing (canonical pattern assumed); returns length */
size_t fc_pat_key(const fc_pat *p, unsigned char *buf /* >= 8 + 8*FC_MAXR*FC_MAXC */);
int fc_pat_from_key(fc_pat *p, const unsigned char *key, size_t len, size_t C);

/* BN variables of a pattern: FREE and SET cells, row-major */
size_t fc_pat_vars(const fc_pat *p, uint8_t *vrow, uint8_t *vcol);

/* ---- windows (§2.2) ----------------------------------------------------------------------- */
typedef struct fc_win {
    uint32_t row[FC_MAXR];
    int64_t prio; /* 100 * covered(P) - gaps (i.e. 100 x the spec's priority) */
    double cost;  /* tau + delay codes (bits) */
} fc_win;

/* all windows (earliest completion), sorted by priority desc then start asc. max_delay_units = the
 * time window (max delay between a pattern's rows) in FC_TIME_UNIT_US (10 ms) units; <= 0: unlimited. */
sg_status fc_windows(const fc_data *d, const fc_pat *p, int64_t max_delay_units, sg_vec *out /* fc_win */);
/* same; with_cost = 0 skips the delay codes (candidate scoring needs only priorities) */
sg_status fc_windows_ex(const fc_data *d, const fc_pat *p, int64_t max_delay_units, sg_vec *out, int with_cost);
/* same, only the windows starting at a flow in [lo, hi) (their later rows may lie beyond hi) */
sg_status fc_windows_range(const fc_data *d, const fc_pat *p, int64_t max_delay_units, size_t lo, size_t hi, sg_vec *out,
                           int with_cost);
/* candidate score (§6.2) from sorted windows */
uint64_t fc_windows_score(const fc_data *d, const fc_pat *p, const sg_vec *wins, uint8_t *scratch_covered);

/* ---- costs (§3) -------------------------------------------------------------------------- */
double fc_rowcost(const fc_pat *p, size_t r, const fc_data *d);
/* L(P) without and with the BN structure cost */
double fc_pattern_cost_nobn(const fc_pat *p, const fc_data *d);

/* ---- incremental KT (ktinc.c) ------------------------------------------------------------ */
/* KT data cost (§5.2) of a fixed-structure BN (at most 3 parents per node) over a record set that
 * changes by small batches; records are m codes each (row-major). NULL from create: unsupported
 * structure or out of memory. */
typedef struct fc_kt fc_kt;
fc_kt *fc_kt_create(const sg_bn *bn);
void fc_kt_destroy(fc_kt *k);
double fc_kt_bits(const fc_kt *k);
size_t fc_kt_records(const fc_kt *k);
/* KT(after) - KT(now) if `add` records join and `rem` records (present now) leave; NAN on OOM */
double fc_kt_delta(const fc_kt *k, const uint32_t *add, size_t nadd, const uint32_t *rem, size_t nrem);
sg_status fc_kt_apply(fc_kt *k, const uint32_t *add, size_t nadd, const uint32_t *rem, size_t nrem);

/* ---- search state ------------------------------------------------------------------------ */
/* fc_mpat = a pattern *in the model M* while searching (spec §6): its windows, its BN structure
 * and its share of the current cover. Finished models hold fc_gpat instead (below). */
typedef struct fc_mpat {
    fc_pat p;
    sg_vec wins;      /* fc_win, sorted */
    sg_bn *bn;        /* over fc_pat_vars (structure fixed when added) */
    size_t nvars;
    uint8_t vrow[FC_MAXR * FC_MAXC], vcol[FC_MAXR * FC_MAXC];
    double cost;      /* L(P) incl. BN structure */
    /* current cover */
    sg_vec acc;       /* uint32 indices of accepted windows (in priority order) */
    fc_kt *ktc;       /* KT counts of the accepted records (incremental cover cost) */
} fc_mpat;

typedef struct fc_cover {
    size_t npat;
    sg_vec *acc;      /* per pattern: accepted window indices (uint32) */
    uint8_t *covered; /* per flow */
    size_t nuncovered;
} fc_cover;

/* the search engine, usable directly by tests */
typedef struct fc_search fc_search;
fc_search *fc_search_create(const fc_data *d, int64_t max_delay_units, int empty_base_dag, sg_error *err);
void fc_search_destroy(fc_search *s);
/* L(D | current M) */
double fc_search_data_cost(const fc_search *s);
double fc_search_model_cost(const fc_search *s); /* sum of L(P) */
double fc_search_base_structure_cost(const fc_search *s);
double fc_search_empty_data_cost(const fc_search *s);
/* try to add p (folding it, §6.3); returns 1 accepted, 0 rejected, <0 error. On acceptance the
 * folded pattern is in the model. new_total/new_p_cost (optional) receive L(D|M+P) and L(P). */
int fc_search_try_add(fc_search *s, const fc_pat *p, double *new_data_cost, double *p_cost, fc_pat *folded);
/* run the full search (§6.4) */
sg_status fc_search_run(fc_search *s, const sg_fc_learn_opts *opts, sg_fc_learn_stats *stats, sg_error *err);
/* chunked search (docs/flowchronicle.md "Scaling"): the exact search on consecutive slices of about
 * `chunk` flows (in parallel), then the slices' patterns tried on the whole table in order of
 * their summed usage, each with the acceptance test and pruning of §6.3 */
/* sampled search: `from` = a search run on a sample of s's table (same dictionaries); its patterns
 * (BN structures and costs kept) cover s's whole table greedily block by block (windows starting in
 * a block of `block` flows compete in greedy order; earlier blocks keep the flows they took);
 * patterns left without usage are dropped; the costs are then counted on the whole table */
sg_status fc_search_adopt(fc_search *s, const fc_search *from, size_t block, const sg_fc_learn_opts *opts,
                          sg_fc_learn_stats *stats, sg_error *err);
sg_status fc_search_run_chunked(fc_search *s, size_t chunk, const sg_fc_learn_opts *opts, sg_fc_learn_stats *stats,
                                sg_error *err);
size_t fc_search_npatterns(const fc_search *s);
const fc_mpat *fc_search_pattern(const fc_search *s, size_t i);
const uint8_t *fc_search_covered(const fc_search *s); /* per flow */
/* Recompute the greedy cover of M from scratch (§2.3) and L(D|M) with every KT counted afresh, and
 * compare with the incrementally maintained cover and cost. Returns 0 if the covers are identical
 * and the costs agree to 1e-6 relative; *full_cost (optional) receives the recomputed L(D|M). */
int fc_search_verify(const fc_search *s, double *full_cost);

/* soft consistency rules (numbering of the DKC rules, spec §8) */
enum { FC_RULE_20 = 0 /* zero duration, > 1 packet */, FC_RULE_21 /* positive duration, 1 packet */,
       FC_RULE_16 /* fwd: < 42 bytes per packet */, FC_RULE_15 /* bwd: < 42 bytes per packet */,
       FC_RULE_1 /* a UDP-only service port (53, 123, 137...) over TCP */,
       FC_RULE_2 /* a TCP-only service port (443, 80, 445...) over UDP */, FC_NRULES };
/* ---- model ------------------------------------------------------------------------------- */
/* fc_gpat = a pattern of the finished model, as *generation* needs it: fitted BN, usage, the
 * training start times and inter-row delays it resamples. */
typedef struct fc_gpat {
    fc_pat p;            /* empty pattern: one row, all FREE */
    sg_bn *bn;           /* fitted, over vars */
    size_t nvars;
    uint8_t vrow[FC_MAXR * FC_MAXC], vcol[FC_MAXR * FC_MAXC];
    uint64_t usage;
    double cost;         /* L(P) */
    int64_t *starts;     /* training start times, 10 ms units from t_first, ascending */
    size_t nstarts;
    int64_t *delays[FC_MAXR]; /* per gap r (row r -> r+1), 10 ms units */
    size_t ndelays[FC_MAXR];
} fc_gpat;

struct sg_fc_model {
    char *source;
    sg_flow_format layout;
    int unidirectional;
    size_t nflows;
    int64_t t_first_us, t_last_us; /* first / last flow start */
    int64_t span10;                /* t_max - t_min (10 ms units) */
    double time_window_s;
    size_t C;
    fc_column col[FC_MAXC];
    size_t nip;
    char **iplabels;
    size_t npat;
    fc_gpat *pats; /* npat patterns + 1 empty pattern at index npat */
    sg_fc_learn_stats stats;
    /* physical consistency learnt from the training flows (see docs/flowchronicle.md, D-gen):
     * bytes and packets are binned and un-binned independently, which alone yields e.g. 3 bytes
     * per packet; generation keeps bytes/packet inside the range seen in training. */
    int have_bpp[2];              /* per direction (0 fwd, 1 bwd): range below is valid */
    double bpp_lo[2], bpp_hi[2];  /* min / max IP bytes per packet seen in training */
    int one_pkt_zero_dur;         /* every 1-packet training flow had duration 0 */
    /* share of the training flows breaking each "soft" consistency rule (FC_RULE_*; -1: unknown,
     * e.g. models written before): generation keeps its own rate near these (generate.c) */
    double rule_rate[FC_NRULES];
    /* (address, service port < 1024) pairs seen in training (dst side; and src side for
     * unidirectional layouts, where a response carries the service in its source): sorted keys
     * addr_code << 16 | port; NULL = no check */
    uint64_t *svc;
    uint32_t *svc_cnt; /* training records of each pair */
    size_t nsvc;
    /* derived: the servers of each system port (addresses weighted by their records), used to
     * repair an address that never served the sampled port */
    uint32_t svc_port_off[1025];
    uint32_t *svc_port_addr;
    uint64_t *svc_port_cum; /* cumulative counts within each port's run */
    /* joint of the numeric columns (docs/flowchronicle.md "Joint consistency"): training cells
     * (key codes: proto and the bytes columns; dependent codes: packets columns and duration;
     * count), sorted; generation draws the dependents given the key the BN sampled */
    size_t jnk, jnd;         /* key / dependent column counts (0: no table) */
    size_t jkey[3], jdep[3]; /* column indices */
    uint32_t *jcell;         /* njcell x (jnk + jnd + 1) */
    size_t njcell;
    /* bytes and packets given (bytes bin, packets bin), per direction: FC_PQ + 1 quantiles of the
     * training byte counts, then FC_PQ + 1 of the packet counts, of each observed pair; keys
     * bytes_bin << 16 | packets_bin, sorted */
    size_t npq[2];
    uint32_t *pq_key[2];
    double *pq_val[2]; /* npq x 2 (FC_PQ + 1) */
    /* rule-rate calibration (generate.c fc_model_calibrate): a sampled instance breaking soft rule
     * k is redrawn with probability rule_reject[k], so the generated rate meets rule_rate[k] */
    double rule_reject[FC_NRULES];
    /* derived for generation: instances per hour of week */
    double how_rate[168];       /* instances per hour, per hour-of-week (-1: not observed) */
    double hod_rate[24];        /* per hour-of-day (-1: not observed) */
    double mean_rate;           /* per hour over the span */
    uint32_t *inst_pat;         /* all training instances: pattern index (npat = empty) */
    uint32_t *inst_off;         /* offset within its hour, in 10 ms units */
    uint32_t *inst_bw;          /* start-time kernel width of the instance (10 ms units): distance
                                 * to its FC_KNN-th nearest training instance (adaptive KDE) */
    uint32_t *how_off;          /* 169 offsets into inst_by_how */
    uint32_t *inst_by_how;      /* instance ids grouped by hour of week */
    uint32_t *hod_off;          /* 25 offsets into inst_by_hod */
    uint32_t *inst_by_hod;
    size_t ninst;
};

unsigned fc_rules_broken(const sg_flow *f); /* bit mask of FC_RULE_* */
#define FC_KNN 8

sg_status fc_model_prepare(sg_fc_model *m, sg_error *err); /* derive the generation tables */
/* learnt consistency tables from the training flows (time-sorted order irrelevant): port/proto
 * pairs, service endpoints, rule rates */
sg_status fc_model_calibrate(sg_fc_model *m); /* generate.c; called by fc_model_prepare */
sg_status fc_model_learn_joint(sg_fc_model *m, const fc_data *d); /* needs the training codes */
void fc_model_joint_layout(sg_fc_model *m);
#define FC_PQ 8
/* bytes quantiles per (bytes bin, packets bin) pair; vals[c] = the training values of column c */
sg_status fc_model_learn_pairq(sg_fc_model *m, const double *const *vals, size_t n); /* which columns the numeric joint uses */
sg_status fc_model_learn_support(sg_fc_model *m, const sg_flow *flows, size_t n);
/* bytes-per-packet range and 1-packet durations of the training flows */
void fc_model_learn_constraints(sg_fc_model *m, const sg_flow *flows, size_t n);
const char *fc_model_label(const sg_fc_model *m, size_t c, uint32_t code);

/* small helpers (local versions of the flow module's formatting) */
const char *fc_proto_str(uint8_t proto, char *buf, size_t n);
int fc_proto_parse(const char *s, uint8_t *out);
/* strict CIDDS form of a model's flag label (6 characters, '.' = unset); the CSV readers'
 * sg_flow_flags_parse also takes numbers and hex, which a model label never holds */
int fc_flags_parse(const char *s, uint8_t *out);

#endif
