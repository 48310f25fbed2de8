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
    unsigned em_iters;    /* hard-EM iterations per cost evaluation; default 3 */
    int quiet;            /* no progress bar */
    const char *name;     /* automaton name (service), copied; NULL = "all" */
    int untimed;          /* structure search on symbols only (values still estimated per edge) */
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
    double bits;           /* code length of the sequence given the model (high = anomalous) */
    double bits_per_event; /* bits / (n + 1): the "$" end marker counts as an event */
    size_t n_repairs;      /* noise operations used by the best repair */
    int unknown_symbols;   /* symbols not in the model alphabet */
    int repaired;          /* 0 parsed exactly, 1 repaired, 2 unrepairable (sent explicitly) */
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
/* Best automaton for (proto, port): exact (proto, port), else same port any proto, else a model
 * with no port for that proto, else a model named "all"; NULL if none. */
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

/* ---- integer code (exposed for tests) ---------------------------------------------------- */
/* Rissanen's universal code for n >= 0 (shifted by one): log2(2.865064) + sum of the positive
 * iterated logs of n+1. Negative n is treated as its absolute value plus a sign bit. */
double sg_tadam_integer_code(int64_t n);

#ifdef __cplusplus
}
#endif
#endif
