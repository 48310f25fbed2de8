/* secgen generate: the generation pipeline as a library call. A flow model (FlowChronicle, fc
 * module; the embedded default when none is given) drives K merged replicas; the flows go either
 * to the packet pipeline (TADAM automata of each flow's service -> packets module -> pcap, plus the
 * ground-truth flows of what the pcap holds) or, without a pcap, straight to a flow CSV. `secgen
 * generate` is this call plus argument parsing: the same options give the same bytes.
 *
 * Stages (see docs/architecture.md, "generate"):
 *   source   K fc generators, seeds derived from the run's seed, merged in start order
 *   stages   per-flow steps in stream order (today: the -n bound; attacks and MPI slices plug here)
 *   sinks    the built-in output (pktgen or flow writer) and any number of caller sinks, each
 *            called with every flow in stream order
 * Deterministic: the output depends only on the options (models, config, seed, span), never on
 * the thread count. The library never prints (except sg_progress's bar on a terminal, which
 * sg_progress_set_quiet turns off) and never exits. */
#ifndef SECGEN_GENERATE_H
#define SECGEN_GENERATE_H

#include "secgen/core.h"
#include "secgen/flow.h"
#include "secgen/packets.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sg_generate_opts {
    const char *model_path;    /* flow model JSON; NULL: the embedded default model */
    const char *automata_dir;  /* TADAM automata folder; NULL: the embedded automata (pcap only) */
    const char *config_path;   /* network config (YAML/JSON); NULL: the model's addresses */
    uint64_t max_flows;        /* > 0: at most this many flows (-n) */
    int64_t duration_us;       /* > 0: the span to fill (-d); at least one of the two is set */
    int64_t start_us;          /* INT64_MIN: the model's default (training start, or defaults.json) */
    uint64_t seed;
    uint64_t scale;            /* replicas of the flow model; 0: 1, or defaults.json's flow_scale */
    const char *pcap_path;     /* NULL: flow-only output; "-" = stdout */
    sg_pcap_format pcap_format;
    int taint;                 /* IPv4 evil bit on every packet */
    int no_pairing;            /* do not pair one-way (NetFlow) records into connections */
    int no_lookups;            /* no DNS lookup before HTTP/TLS connections (packets: resolve_names) */
    const char *flows_out;     /* flow CSV; with a pcap the ground truth (native layout) */
    sg_flow_format flows_format; /* flow-only: a writable layout (sg_flow_format_writable); SG_FMT_AUTO = the model's */
    int force;                 /* run even if the estimated output exceeds the free space */
    const char *logs_dir;      /* folder for the sensor logs (logs module: Zeek conn.log); needs a pcap */
    const char *packet_labels_out; /* per-packet label CSV `frame,label` (pcap order); needs a pcap */
    int no_noise;              /* no TCP noise (retransmissions, reordering) in the pcap */
    int mpi;                   /* one rank of an MPI job (mpirun -n N ... --mpi; docs/mpi.md): every rank
                                * generates the same run and writes the pcap frames of its time slices
                                * into the one output file; rank 0 writes the other outputs. The bytes
                                * are those of a run without MPI. Needs a build with MPI
                                * (sg_generate_mpi_available) and, with a pcap, -o FILE on a file
                                * system all ranks share. */
} sg_generate_opts;

/* Defaults: seed 1, start INT64_MIN, classic µs pcap, SG_FMT_AUTO, everything else 0/NULL. */
void sg_generate_opts_init(sg_generate_opts *o);

/* A caller's sink: sees every flow the run sends to its outputs, in stream (start-time) order,
 * before the built-in output. `flow` may be NULL; `finish` (may be NULL) is called once after the
 * last flow of a successful run. A non-OK return stops the run with that error. */
typedef struct sg_generate_sink {
    void *ctx;
    sg_status (*flow)(void *ctx, const sg_flow *f, uint64_t index, sg_error *err);
    sg_status (*finish)(void *ctx, sg_error *err);
} sg_generate_sink;

typedef struct sg_generate_result {
    uint64_t flows_in;      /* flows drawn from the flow model (after the -n bound) */
    uint64_t flows_written; /* rows of the flow output / connections in the pcap */
    int has_pcap;
    sg_pktgen_stats pkt;    /* pcap mode only */
    sg_flow_format flows_format; /* layout of the flow output */
    uint64_t log_records;   /* conn.log records (--logs) */
    uint64_t host_log_records; /* host log lines (--logs with a config) */
} sg_generate_result;

/* Expected output of a run (from a pilot of its first flows; see docs/architecture.md). */
typedef struct sg_generate_estimate {
    uint64_t flows;
    uint64_t pcap_bytes;  /* 0 without a pcap */
    uint64_t flows_bytes; /* 0 without a flow output */
} sg_generate_estimate;

typedef struct sg_generate sg_generate;
/* Loads the models and the config, checks the options, estimates the output size and refuses a
 * run whose outputs would not fit on their file systems (SG_ERR_RANGE; unless opts.force), opens
 * the outputs (temporaries until the run commits them). Errors name the file and field at fault.
 * The packet pipeline runs when there is a pcap or a network config: its flow output is then the
 * connections as the network holds them (native layout), and -n counts those. */
sg_status sg_generate_create(const sg_generate_opts *o, sg_generate **out, sg_error *err);
/* Adds a caller sink (copied); call before sg_generate_run. */
sg_status sg_generate_add_sink(sg_generate *g, const sg_generate_sink *s, sg_error *err);
const sg_generate_estimate *sg_generate_get_estimate(const sg_generate *g);
/* "1.2 GB" (SI units) */
void sg_generate_format_bytes(uint64_t bytes, char *buf, size_t n);
/* Runs the whole generation and commits the outputs; res may be NULL. Call once. A run that
 * writes no flow (or, with -n N and the packet pipeline, gives up before N) fails with
 * SG_ERR_EMPTY, says why (the model's rate, the config's activity hours, services, clients) and
 * names the option that fixes it; nothing is committed then. */
sg_status sg_generate_run(sg_generate *g, sg_generate_result *res, sg_error *err);
/* Frees; outputs not committed by a successful run are removed. NULL ok. */
void sg_generate_destroy(sg_generate *g);

/* 1 if this build can run with opts.mpi (Open MPI found at configure time), 0 if not */
int sg_generate_mpi_available(void);
/* With opts.mpi: this process's rank (0 reports results and errors; every rank gets the same
 * status and message); -1 without MPI or for NULL. */
int sg_generate_mpi_rank(const sg_generate *g);

/* create + run + destroy */
sg_status sg_generate_once(const sg_generate_opts *o, sg_generate_result *res, sg_error *err);

/* A default model compiled into the library (cmake/embed.cmake from models/): name relative to
 * models/ ("flow_model.json", "automata/http.json", "defaults.json"). 0 found, -1 not. */
int sg_generate_embedded(const char *name, const char **data, size_t *size);

#ifdef __cplusplus
}
#endif
#endif
