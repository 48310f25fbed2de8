/* secgen TADAM module: timed automata learnt from noisy sequences under an MDL score
 * (Cornanguer & Gimenez, SDM 2025), noise-aware scoring (anomaly detection), sampling of new
 * timed sequences, JSON I/O ("secgen-automaton") and Fos-R automaton import/export.
 *
 * Values: every event carries (iat_us, payload). The model works on a log grid
 * x = round(k * log2(1 + value)) (k = 4 for IATs, 8 for payload sizes; stored in the model),
 * with a bivariate Gaussian per edge over (x_iat, x_payload); sampling draws on that grid and
 * maps back (log-normal shapes), or draws payloads from the edge's payload histogram when it
 * has one. See docs/tadam.md for the decisions behind this. */
#ifndef SECGEN_TADAM_H
#define SECGEN_TADAM_H

#include "secgen/core.h"
#include "secgen/flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RNG stream ids used by this module (sg_rng_init(&r, seed, stream, index)). */
enum {
    SG_STREAM_TADAM_SAMPLE = 0x7ada0001u, /* index = sequence number */
    SG_STREAM_TADAM_NOISE = 0x7ada0002u,  /* index = sequence number (noise injection) */
    SG_STREAM_TADAM_SPLIT = 0x7ada0003u   /* index = sequence number (train/test split) */
};

/* Noise operations (bit mask). */
enum {
    SG_TADAM_NOISE_ADD = 1u << 0,  /* spurious extra symbol in the data */
    SG_TADAM_NOISE_DUP = 1u << 1,  /* symbol repeated (re-emission, retransmission) */
    SG_TADAM_NOISE_SWAP = 1u << 2, /* two adjacent symbols swapped */
    SG_TADAM_NOISE_DEL = 1u << 3,  /* symbol missing from the data */
    SG_TADAM_NOISE_ALL = 0xfu
};

typedef struct sg_tadam_model sg_tadam_model;

/* ---- learning ----------------------------------------------------------------------------- */

typedef struct sg_tadam_learn_opts {
    unsigned noise_ops;   /* SG_TADAM_NOISE_* mask; default SG_TADAM_NOISE_ALL; 0 = no noise model */
    int threads;          /* OpenMP threads for candidate evaluation; 0 = current setting */
    unsigned max_iters;   /* search iterations (operator applications); default 200 */
    unsigned em_iters;    /* EM iterations per cost evaluation; 0 (default) = 2 for the symbols-only
                             soft-EM search (3 before issue 20's fourth round), 3 for hard EM */
    int quiet;            /* no progress bar */
    const char *name;     /* automaton name (service), copied; NULL = "all" */
    /* Values (IAT, payload). Default: the structure search works on the symbols, then each edge
     * keeps its own time Gaussian only where it pays for itself (MDL: the bits it saves over the
     * automaton's shared time model exceed its parameter cost). timed_search: the search itself
     * prices the values (per-edge decision inside every cost evaluation; slower, and on HDFS it
     * splits states for timing). untimed: no edge time model at all (Gaussians are still estimated
     * per edge for sampling). */
    int untimed;
    int timed_search;
    /* Noise model fitted as before issue 20 item 2: the search prices an unmatched word by its
     * single best repair and estimates the noise probabilities by hard EM over those repairs.
     * Default (0): repairs are summed over every alignment and the noise probabilities come from
     * soft EM over every word (symbols-only search; a --timed-search keeps the best repair). */
    int hard_em;
    /* Minimum-structure rule (docs/tadam.md "Minimum structure"): when the MDL optimum sends more
     * than this share of the training words verbatim (a dozen short words: every automaton costs
     * more than the words themselves, and one with no accepting path generates nothing), the
     * search is run again with every word required to be parsed or repaired, and that automaton is
     * returned (JSON "training": {"verbatim": false}). Default 0.5; 0 = a generator's automaton
     * (every training word can be generated); 1 = the MDL optimum whatever it parses. */
    double max_verbatim;
    /* Library only (tests, measurements): skip the clean-up after the search (soft-EM learner:
     * the edge deletions priced at the learnt noise model, docs/tadam.md "Learning"). */
    int no_cleanup;
} sg_tadam_learn_opts;

void sg_tadam_learn_opts_init(sg_tadam_learn_opts *o);

/* Learn one automaton from the sequences set[idx[0..n_idx-1]] (idx NULL = every sequence).
 * Empty sequences are allowed (they become "$" alone). The result is identical for any thread
 * count. proto/service_port of the model are taken from the first sequence. */
sg_status sg_tadam_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx, const sg_tadam_learn_opts *o,
                         sg_tadam_model **out, sg_error *err);

/* ---- model I/O ---------------------------------------------------------------------------- */

typedef enum sg_tadam_format { SG_TADAM_FMT_AUTO = 0, SG_TADAM_FMT_SECGEN, SG_TADAM_FMT_FOSR } sg_tadam_format;
/* "auto|secgen|fosr"; returns 0 on success */
int sg_tadam_format_parse(const char *s, sg_tadam_format *out);

/* Load from a file or a memory buffer (embedded models). AUTO detects secgen vs Fos-R JSON.
 * name is used in error messages. */
sg_status sg_tadam_model_load(const char *path, sg_tadam_format fmt, sg_tadam_model **out, sg_error *err);
sg_status sg_tadam_model_load_mem(const char *name, const char *data, size_t len, sg_tadam_format fmt,
                                  sg_tadam_model **out, sg_error *err);
/* Save atomically ("-" = stdout). SECGEN or FOSR. */
sg_status sg_tadam_model_save(const sg_tadam_model *m, const char *path, sg_tadam_format fmt, sg_error *err);
/* Serialise to a malloc'ed NUL-terminated string (caller frees). */
sg_status sg_tadam_model_dump(const sg_tadam_model *m, sg_tadam_format fmt, char **out, sg_error *err);
void sg_tadam_model_destroy(sg_tadam_model *m);
/* Record the training source (file name, free text). Models hold no timestamps or timings so that
 * the same inputs give byte-identical files. */
sg_status sg_tadam_model_set_source(sg_tadam_model *m, const char *source, sg_error *err);

/* ---- inspection --------------------------------------------------------------------------- */

typedef struct sg_tadam_info {
    const char *name;      /* service name, e.g. "https", "tcp-8080", "all" */
    uint8_t proto;         /* 0 for logs */
    int32_t service_port;  /* -1 when none */
    size_t n_states;       /* including initial and final */
    size_t n_edges;        /* including "$" edges */
    size_t n_symbols;      /* alphabet size including "$" */
    size_t n_train;        /* training sequences (0 if unknown, e.g. imported) */
    double cost_model;     /* L(A) bits */
    double cost_data;      /* L(D|A) bits */
    double p_noise[5];     /* tr, add, dup, swap, del */
} sg_tadam_info;
void sg_tadam_model_info(const sg_tadam_model *m, sg_tadam_info *info);
/* Human-readable summary / Graphviz dot. */
sg_status sg_tadam_model_print(const sg_tadam_model *m, FILE *fp);
sg_status sg_tadam_model_print_dot(const sg_tadam_model *m, FILE *fp);

/* ---- scoring (anomaly detection) ---------------------------------------------------------- */

typedef struct sg_tadam_score {
    /* anomaly score in bits (high = anomalous): symbol_bits + max(0, time_bits - time_null_bits),
     * i.e. the symbols' code length plus what the values cost beyond the automaton's shared time
     * model; timing can raise the score of a sequence whose values its edges do not expect, never
     * lower it (see docs/tadam.md "Scoring"). Symbols only (SG_TADAM_SCORE_UNTIMED): symbol_bits. */
    double bits;
    double bits_per_event; /* bits / (n + 1): the "$" end marker counts as an event */
    size_t n_repairs;      /* noise operations used by the best repair */
    int unknown_symbols;   /* symbols not in the model alphabet */
    int repaired;          /* 0 parsed exactly, 1 repaired, 2 unrepairable (sent explicitly) */
    /* bits = symbol_bits + time_bits: the symbols (transitions, noise operations, inserted or
     * verbatim symbols) and the values (IAT, payload) of the same best encoding */
    double symbol_bits, time_bits;
    /* the values under the automaton's shared time model alone (no edge Gaussians): time_bits -
     * time_null_bits is what the edge time models add (negative: timing as expected) */
    double time_null_bits;
    double code_bits; /* code length of the sequence: symbol_bits + time_bits */
} sg_tadam_score;

/* Score one sequence given as symbol strings (unknown symbols are allowed: they can only be
 * explained as spurious insertions). iat_us/payload may be NULL (zeros). Thread-safe. */
sg_status sg_tadam_score_events(const sg_tadam_model *m, size_t n, const char *const *symbols,
                                const int64_t *iat_us, const int64_t *payload, sg_tadam_score *out,
                                sg_error *err);
/* Same for a sequence of a set (symbol ids are the set's). */
sg_status sg_tadam_score_seq(const sg_tadam_model *m, const sg_seq_set *set, const sg_seq *s, sg_tadam_score *out,
                             sg_error *err);
/* Scoring flags */
enum { SG_TADAM_SCORE_UNTIMED = 1 }; /* symbols only: ignore inter-arrival times and payloads */
sg_status sg_tadam_score_seq_ex(const sg_tadam_model *m, const sg_seq_set *set, const sg_seq *s, unsigned flags,
                                sg_tadam_score *out, sg_error *err);

/* ---- sampling ----------------------------------------------------------------------------- */

typedef struct sg_tadam_event {
    const char *symbol;   /* owned by the model */
    uint32_t symbol_id;   /* index in the model alphabet */
    int dir;              /* +1 client->server ('>'), -1 server->client ('<'), 0 none (logs) */
    uint8_t tcp_flags;    /* SG_TCP_* bits parsed from the symbol (letters S A F R P U) */
    int64_t iat_us;       /* gap to the previous event (first event: gap from the flow start) */
    int64_t payload;      /* L4 payload bytes */
} sg_tadam_event;

typedef struct sg_tadam_sample_opts {
    size_t max_len;       /* hard cap on events; default 1000; a walk hitting it is truncated */
    /* Conditioning on the number of events per direction (packets helper: the flow's packet
     * counts). -1 = unconstrained. When set, sequences are drawn from the exact conditional
     * distribution given (fwd, bwd) if reachable, else from the nearest reachable counts. */
    int64_t target_fwd, target_bwd;
} sg_tadam_sample_opts;

void sg_tadam_sample_opts_init(sg_tadam_sample_opts *o);

/* Precompute the tables for count-conditioned sampling up to max_fwd/max_bwd events per
 * direction (default 128 each when 0; targets beyond the table snap to the nearest reachable counts
 * inside it). Not thread-safe itself; sampling with targets on an unprepared model prepares it
 * lazily under a lock (thread-safe). */
sg_status sg_tadam_model_prepare(sg_tadam_model *m, size_t max_fwd, size_t max_bwd, sg_error *err);

/* Draw one sequence from q0 to the final state. out has room for cap events; *n_out receives
 * the number written; *complete = 1 if the final state was reached (0 = truncated at max_len or
 * cap). Deterministic given the rng state. Thread-safe (also on an unprepared model). */
sg_status sg_tadam_sample(const sg_tadam_model *m, sg_rng *rng, const sg_tadam_sample_opts *o, sg_tadam_event *out,
                          size_t cap, size_t *n_out, int *complete, sg_error *err);

/* ---- a set of automata (one per service), e.g. a learn output directory ---------------------- */

typedef struct sg_tadam_set sg_tadam_set;
sg_tadam_set *sg_tadam_set_create(void);
void sg_tadam_set_destroy(sg_tadam_set *s);
/* Load DIR/index.json (or every *.json in DIR when there is no index). */
sg_status sg_tadam_set_load_dir(sg_tadam_set *s, const char *dir, sg_error *err);
/* Takes ownership of m (also on failure). */
sg_status sg_tadam_set_add(sg_tadam_set *s, sg_tadam_model *m, sg_error *err);
size_t sg_tadam_set_count(const sg_tadam_set *s);
const sg_tadam_model *sg_tadam_set_get(const sg_tadam_set *s, size_t i);
sg_tadam_model *sg_tadam_set_get_mut(sg_tadam_set *s, size_t i);
/* Best automaton for (proto, port): exact (proto, port), else the same port when the model's or
 * the query's protocol is unknown (0), else a model with no port for that proto, else a model
 * named "all"; NULL if none. */
const sg_tadam_model *sg_tadam_set_find(const sg_tadam_set *s, uint8_t proto, int32_t port);
const sg_tadam_model *sg_tadam_set_find_name(const sg_tadam_set *s, const char *name);

/* Service name used by `automata learn --by service`: "http" (TCP 80), "https" (TCP 443), "quic"
 * (UDP 443), "dns" (53), "ssh" (22), "smtp" (25)..., else "<tcp|udp|protoN>-<port>"; "icmp"/"icmpv6"
 * for port-less protocols; "all" for logs (proto 0). buf >= 32. */
const char *sg_tadam_service_name(uint8_t proto, int32_t port, char *buf, size_t bufsz);

/* ---- baseline and evaluation helpers ----------------------------------------------------- */

/* Smoothed (add-1/2) first-order Markov chain over symbols with start/end markers; an unknown
 * symbol gets the mass of one unseen symbol. Untimed. */
typedef struct sg_tadam_bigram sg_tadam_bigram;
sg_status sg_tadam_bigram_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx, sg_tadam_bigram **out,
                                sg_error *err);
/* -log2 P(sequence) in bits */
double sg_tadam_bigram_score(const sg_tadam_bigram *b, const sg_seq_set *set, const sg_seq *s);
void sg_tadam_bigram_destroy(sg_tadam_bigram *b);

/* Area under the ROC curve of scores (higher = more anomalous) against labels (1 = anomalous,
 * 0 = normal; other labels ignored); ties count 1/2. NaN if a class is empty. */
double sg_tadam_auroc(const double *scores, const int8_t *labels, size_t n);
/* Threshold maximising F1 when "score >= threshold" flags an anomaly; fills tpr/fpr/f1 (any may
 * be NULL). */
double sg_tadam_best_f1_threshold(const double *scores, const int8_t *labels, size_t n, double *f1);
/* Confusion figures of a fixed threshold */
void sg_tadam_rates(const double *scores, const int8_t *labels, size_t n, double threshold, double *tpr,
                    double *fpr, double *precision, double *f1);

/* Inject noise into a copy of the sequences: at each position, with probability rate/3 each,
 * delete the symbol, swap it with the next one, or duplicate it. Keyed by (seed,
 * SG_STREAM_TADAM_NOISE, sequence index within set). Labels, ids, proto and port are kept. */
sg_status sg_tadam_inject_noise(const sg_seq_set *in, double rate, uint64_t seed, sg_seq_set **out, sg_error *err);

/* ---- training protocol: one automaton per group of sequences (`automata learn`) ------------ */

typedef enum sg_tadam_group_by {
    SG_TADAM_BY_SERVICE = 0, /* sg_tadam_service_name of (proto, service port) */
    SG_TADAM_BY_PORT,        /* "<proto>-<port>" lowercase, "all" without a port */
    SG_TADAM_BY_NONE         /* one group "all" */
} sg_tadam_group_by;
/* "service|port|none"; returns 0 on success */
int sg_tadam_group_by_parse(const char *s, sg_tadam_group_by *out);

/* A group of sequences: indices into the set, ascending. */
typedef struct sg_tadam_group {
    char key[64];
    size_t *idx;
    size_t n;
    size_t cap;
} sg_tadam_group;
/* Group the sequences of set (normal_only: skip label 1) in first-seen order of the keys. */
sg_status sg_tadam_group_seqs(const sg_seq_set *set, sg_tadam_group_by by, int normal_only, sg_tadam_group **groups,
                              size_t *n_groups, sg_error *err);
void sg_tadam_groups_free(sg_tadam_group *groups, size_t n_groups);

/* Seeded hold-out: sequence idx[i] is held out when its draw (seed ^ 0x5bd1e995,
 * SG_STREAM_TADAM_SPLIT, idx[i]) is below frac. idx keeps the rest in order (*n_idx updated);
 * *hold (malloc'ed, caller frees; NULL when frac <= 0) receives the held-out ones. */
sg_status sg_tadam_holdout_split(size_t *idx, size_t *n_idx, uint64_t seed, double frac, size_t **hold, size_t *n_hold,
                                 sg_error *err);

/* The structure search's sample of a group. The search's work grows with the distinct symbol
 * strings (words) it holds, not with the sequences: identical words are parsed and repaired once.
 * ids are ordered by their keyed draws (sg_rng(seed, SG_STREAM_TADAM_SPLIT, id), as
 * sg_sample_keyed) and the longest prefix of that order is kept that holds at most max_sequences
 * sequences and at most max_words distinct words (0 = no limit): a uniform random subset, the
 * whole group when it has few distinct words (clean logs), fewer sequences when noise makes
 * every word distinct. With max_words 0 the choice is sg_sample_keyed's. out (room for n)
 * receives the kept ids in ascending order, *n_out their number (>= 1 when n >= 1), *n_words
 * (may be NULL; 0 when max_words is 0) the distinct words among them. */
sg_status sg_tadam_search_sample(const sg_seq_set *set, const size_t *ids, size_t n, uint64_t seed,
                                 size_t max_sequences, size_t max_words, size_t *out, size_t *n_out, size_t *n_words,
                                 sg_error *err);

typedef struct sg_tadam_dir_opts {
    sg_tadam_learn_opts learn; /* name is set per group */
    sg_tadam_group_by by;      /* default SG_TADAM_BY_SERVICE */
    size_t min_sequences;      /* smaller groups are skipped; default 20 */
    size_t max_sequences;      /* the search sample (sg_tadam_search_sample): at most this many */
    size_t max_words;          /* sequences and distinct words per group; defaults 20000 and 2000 */
    int normal_only;           /* skip sequences labelled anomalous */
    double holdout;            /* fraction held out to measure bits per event; default 0 */
    uint64_t seed;             /* hold-out and subsample; default 1 */
    sg_tadam_format format;    /* SECGEN (with DIR/index.json) or FOSR; default SECGEN */
    const char *source;        /* recorded in the models and the index (the input file name) */
} sg_tadam_dir_opts;
void sg_tadam_dir_opts_init(sg_tadam_dir_opts *o);

/* What happened to one group (passed to the caller's callback, e.g. to print a line). */
typedef struct sg_tadam_group_report {
    const char *name;
    size_t n_sequences; /* in the group (after the hold-out) */
    int skipped;        /* fewer than min_sequences: nothing learnt */
    size_t n_train;     /* sequences learnt from (after subsampling) */
    size_t n_states, n_edges;
    double bits;         /* MDL total */
    size_t n_holdout;    /* 0: no hold-out figures */
    double holdout_bits_per_event[3]; /* TADAM timed, TADAM symbols only, bigram */
} sg_tadam_group_report;
typedef void (*sg_tadam_group_fn)(const sg_tadam_group_report *r, void *ctx);

/* Learn one automaton per group of set and write DIR/<group>.json (+ DIR/index.json in the
 * secgen format, listing name, file, proto, port, size and hold-out figures). DIR is created if
 * needed. report (may be NULL) is called once per group, in group order. SG_ERR_EMPTY when no
 * group reaches min_sequences. Deterministic for any thread count. */
sg_status sg_tadam_learn_dir(const sg_seq_set *set, const char *dir, const sg_tadam_dir_opts *o,
                             sg_tadam_group_fn report, void *ctx, sg_error *err);

/* Load a model file or a learn output directory into a new set (*out). */
sg_status sg_tadam_set_load_path(const char *path, sg_tadam_format fmt, sg_tadam_set **out, sg_error *err);

/* Score every sequence of set with its automaton (the only one, or sg_tadam_set_find by proto and
 * port) and write the scores CSV (id,label,n,automaton,bits,bits_per_event,repairs,
 * unknown_symbols,status) atomically to path ("-" = stdout); *n_missing counts sequences with no
 * automaton (status "no-automaton"). */
sg_status sg_tadam_score_csv(const sg_tadam_set *models, const sg_seq_set *set, unsigned flags, const char *path,
                             size_t *n_missing, sg_error *err);

/* Draw n sequences (sequence i from (seed, SG_STREAM_TADAM_SAMPLE, i)) and write them as a
 * sequence CSV (ids "<name>-<i>") atomically to path; *n_truncated counts walks cut at max_len. */
sg_status sg_tadam_sample_csv(const sg_tadam_model *m, uint64_t seed, size_t n, const sg_tadam_sample_opts *o,
                              const char *path, size_t *n_truncated, sg_error *err);

/* ---- baselines of the paper's Table 3: HMM and ALERGIA (src/tadam/hmm.c, src/tadam/alergia.c) --
 * Both are untimed, learn from the symbols of set[idx[...]] only and score a sequence in bits
 * (-log2 of its probability, end included), finite for any sequence: unseen symbols and
 * transitions get smoothed mass. Symbols are matched by name, so a model scores sequences of any
 * set. Deterministic for a seed and any thread count. See docs/tadam.md "Baselines". */
enum { SG_STREAM_TADAM_HMM = 0x7ada0010u }; /* index: (number of states << 8) | restart; hold-out: 1 << 40 | i */

/* Discrete HMM with an end transition (P(end | state)), trained by Baum-Welch (scaled
 * forward-backward, MAP re-estimation with a Dirichlet pseudo-count on every parameter). */
typedef struct sg_tadam_hmm sg_tadam_hmm;
typedef struct sg_tadam_hmm_opts {
    unsigned n_states;   /* fixed number of states; 0 = choose by held-out likelihood (default) */
    unsigned max_states; /* largest size tried when choosing (1, 2, 4, 8...); default 32 */
    unsigned max_iters;  /* Baum-Welch iteration cap per fit; default 200 */
    double tol;          /* stop when the objective gains < tol x |objective|; default 1e-6 */
    double pseudo;       /* pseudo-count added to every expected count (> 0); default 0.01 */
    double holdout;      /* fraction of the training sequences held out to choose the size; 0.2 */
    unsigned restarts;   /* random initialisations per size (best training objective kept); 1 */
    uint64_t seed;       /* initialisation and hold-out draw; default 1 */
    int threads;         /* OpenMP threads for the E step; 0 = current setting */
} sg_tadam_hmm_opts;
void sg_tadam_hmm_opts_init(sg_tadam_hmm_opts *o);
sg_status sg_tadam_hmm_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx, const sg_tadam_hmm_opts *o,
                             sg_tadam_hmm **out, sg_error *err);
/* -log2 P(sequence) in bits (the end transition included). Thread-safe. */
double sg_tadam_hmm_score(const sg_tadam_hmm *h, const sg_seq_set *set, const sg_seq *s);
void sg_tadam_hmm_destroy(sg_tadam_hmm *h);

#define SG_TADAM_HMM_MAX_TRIED 16
typedef struct sg_tadam_hmm_info {
    unsigned n_states;    /* hidden states */
    size_t n_symbols;     /* training alphabet (unknown symbols share one extra emission) */
    size_t n_edges;       /* transitions (end included) with probability >= 0.001 */
    unsigned iterations;  /* Baum-Welch iterations of the final fit */
    double train_bits;    /* -log2 likelihood of the training sequences under the final model */
    /* the size search: sizes tried and their held-out bits per event (n_tried = 0 if fixed) */
    unsigned n_tried, tried_states[SG_TADAM_HMM_MAX_TRIED];
    double tried_bits_per_event[SG_TADAM_HMM_MAX_TRIED];
} sg_tadam_hmm_info;
void sg_tadam_hmm_get_info(const sg_tadam_hmm *h, sg_tadam_hmm_info *info);
/* Parameters (tests, inspection): initial P(state i) (i == n_states: the empty sequence),
 * transition P(j | i) (j == n_states: end), emission P(symbol | i) (NULL symbol: an unknown one). */
double sg_tadam_hmm_initial(const sg_tadam_hmm *h, unsigned i);
double sg_tadam_hmm_transition(const sg_tadam_hmm *h, unsigned i, unsigned j);
double sg_tadam_hmm_emission(const sg_tadam_hmm *h, unsigned i, const char *symbol);
/* Objective (log-likelihood + log-prior, nats) before each iteration of the final fit and after the
 * last one: *n = iterations + 1 values; EM never decreases it. */
const double *sg_tadam_hmm_trace(const sg_tadam_hmm *h, size_t *n);

/* ALERGIA (Carrasco & Oncina 1994): prefix-tree acceptor with counts, red-blue state merging in
 * length-lexicographic order, Hoeffding-bound compatibility at significance alpha (applied to the
 * end and every symbol frequency, recursively). No noise model. Scoring walks the automaton; an
 * event the state never saw escapes (Witten-Bell mass of the state) to a smoothed unigram and the
 * walk resumes at the most used target of that symbol (unknown symbols: stays). */
typedef struct sg_tadam_alergia sg_tadam_alergia;
typedef struct sg_tadam_alergia_opts {
    double alpha; /* significance of the compatibility test in (0,1); default 0.05 */
} sg_tadam_alergia_opts;
void sg_tadam_alergia_opts_init(sg_tadam_alergia_opts *o);
sg_status sg_tadam_alergia_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx,
                                 const sg_tadam_alergia_opts *o, sg_tadam_alergia **out, sg_error *err);
/* -log2 P(sequence) in bits (end included). Thread-safe. */
double sg_tadam_alergia_score(const sg_tadam_alergia *a, const sg_seq_set *set, const sg_seq *s);
void sg_tadam_alergia_destroy(sg_tadam_alergia *a);
typedef struct sg_tadam_alergia_info {
    size_t n_states;     /* merged states (the initial one is state 0) */
    size_t n_edges;      /* symbol transitions */
    size_t n_final;      /* states with an observed end (the "$" edges of a TADAM automaton) */
    size_t n_pta_states; /* states of the prefix tree before merging */
    size_t n_merges;
} sg_tadam_alergia_info;
void sg_tadam_alergia_get_info(const sg_tadam_alergia *a, sg_tadam_alergia_info *info);
/* Inspection: the state reached from state q by symbol (-1 if no transition; *p = its maximum-
 * likelihood probability), and the end probability of q. */
long sg_tadam_alergia_next(const sg_tadam_alergia *a, size_t q, const char *symbol, double *p);
double sg_tadam_alergia_end(const sg_tadam_alergia *a, size_t q);

/* ---- anomaly-detection benchmark (`automata evaluate`) ------------------------------------ */

typedef struct sg_tadam_bench_opts {
    double train_frac;  /* seeded split: sequence i is in train when its draw < train_frac; 0.5 */
    uint64_t seed;      /* split and noise; default 1 */
    double noise;       /* noise injected into the training data (sg_tadam_inject_noise); 0 */
    size_t max_train;   /* at most this many normal train sequences learnt from (first ones); 0 = all */
    size_t max_sequences, max_words; /* TADAM's search sample of them, as `automata learn`'s
                                        (sg_tadam_search_sample; 20000, 2000; 0 = no limit) */
    int bigram;         /* also score with the bigram baseline */
    int hmm, alergia;   /* also the HMM and ALERGIA baselines (paper Table 3) */
    sg_tadam_learn_opts learn;
    sg_tadam_hmm_opts hmm_opts;         /* seed and threads are taken from seed and learn.threads */
    sg_tadam_alergia_opts alergia_opts;
} sg_tadam_bench_opts;
void sg_tadam_bench_opts_init(sg_tadam_bench_opts *o);

/* One detector's figures: threshold = best F1 on the train split, applied to the test split. */
typedef struct sg_tadam_bench_row {
    /* "tadam bits", "tadam bits/event", ..., "bigram bits/event", "hmm bits", ..., "alergia bits/event" */
    const char *name;
    double auroc, threshold, train_f1, tpr, fpr, precision, f1;
} sg_tadam_bench_row;

/* One learner's size, learning time and fit: bits per event (n + 1 events per sequence, symbols
 * only for TADAM) summed over the normal test sequences / their events. */
typedef struct sg_tadam_bench_model {
    const char *name;   /* "tadam", "bigram", "hmm", "alergia" */
    size_t n_states, n_edges; /* 0 = not meaningful (bigram) */
    double learn_seconds;
    double test_bits_per_event;
    char note[160];     /* e.g. the HMM's size search, ALERGIA's alpha and merges */
} sg_tadam_bench_model;

#define SG_TADAM_BENCH_MAX_ROWS 10
#define SG_TADAM_BENCH_MAX_MODELS 4
typedef struct sg_tadam_bench {
    size_t n, n_train, n_learn; /* sequences; in the train split; normal ones learnt from */
    size_t n_search, n_search_words; /* TADAM's search sample of them: sequences, distinct words */
    double learn_seconds, score_seconds;
    sg_tadam_model *model; /* owned; freed by sg_tadam_bench_free */
    /* per sequence: label, split (1 = train) and the TADAM scores (timed, untimed; total, per event) */
    int8_t *label;
    uint8_t *is_train;
    double *bits, *bits_per_event, *untimed_bits, *untimed_bits_per_event;
    size_t n_rows;
    sg_tadam_bench_row rows[SG_TADAM_BENCH_MAX_ROWS];
    /* baselines' bits per sequence (NULL when not run) and every learner's summary */
    double *bigram_bits, *hmm_bits, *alergia_bits;
    size_t n_models;
    sg_tadam_bench_model models[SG_TADAM_BENCH_MAX_MODELS];
} sg_tadam_bench;

/* Run the protocol on set: split, learn on the normal train sequences (with injected noise if
 * asked), score every sequence, compute the rows. SG_ERR_EMPTY when there are no labels or no
 * normal train sequence. */
sg_status sg_tadam_benchmark(const sg_seq_set *set, const sg_tadam_bench_opts *o, sg_tadam_bench *out,
                             sg_error *err);
/* per-sequence scores CSV (id,label,split,tadam_bits,...; hmm_bits and alergia_bits columns when
 * those baselines ran) atomically to path */
sg_status sg_tadam_bench_write_scores(const sg_tadam_bench *b, const sg_seq_set *set, const char *path,
                                      sg_error *err);
void sg_tadam_bench_free(sg_tadam_bench *b);

/* ---- integer code (exposed for tests) ---------------------------------------------------- */
/* Rissanen's universal code for n >= 0 (shifted by one): log2(2.865064) + sum of the positive
 * iterated logs of n+1. Negative n is treated as its absolute value plus a sign bit. */
double sg_tadam_integer_code(int64_t n);

#ifdef __cplusplus
}
#endif
#endif
