/* The generation pipeline (include/secgen/generate.h): model/automata/config loading with the
 * embedded defaults, the replica merge of the flow model and its seeding, the TADAM-to-packets
 * adapter, and the run loop feeding the sinks. `secgen generate` (src/cli/cmd_generate.c) only
 * parses arguments into sg_generate_opts. */
#include "secgen/generate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <jansson.h>

#include "generate/mpi_int.h"
#include "secgen/attacks.h"
#include "secgen/fc.h"
#include "secgen/logs.h"
#include "secgen/netcfg.h"
#include "secgen/tadam.h"
#include "generate/vocab.h"

/* ---- embedded default models --------------------------------------------------------------------
 * Generated from models/ by cmake/embed.cmake into the library itself, so a library user generates
 * with the defaults exactly as the CLI does, with no files at run time. */
typedef struct {
    const char *name;
    const char *data;
    size_t size;
} sg_embedded_file;
extern const sg_embedded_file sg_embedded_files[];

int sg_generate_embedded(const char *name, const char **data, size_t *size)
{
    for (const sg_embedded_file *f = sg_embedded_files; f->name; f++)
        if (!strcmp(f->name, name)) {
            if (data) *data = f->data;
            if (size) *size = f->size;
            return 0;
        }
    return -1;
}

static sg_status load_model(const char *path, sg_fc_model **m, sg_error *err)
{
    if (path) return sg_fc_model_load(path, m, err);
    const char *d;
    size_t n;
    if (sg_generate_embedded("flow_model.json", &d, &n) == 0) return sg_fc_model_load_mem("(embedded flow_model.json)", d, n, m, err);
    return sg_error_set(err, SG_ERR_INVALID, "no model given (-m) and no embedded default flow model in this build");
}

/* models/defaults.json (embedded): {"flow_scale": K, "start": "ISO time"} for the embedded model */
static void embedded_defaults(uint64_t *scale, int64_t *start)
{
    const char *d;
    size_t n;
    if (sg_generate_embedded("defaults.json", &d, &n) != 0) return;
    json_error_t je;
    json_t *j = json_loadb(d, n, 0, &je);
    if (!j) return;
    json_t *v = json_object_get(j, "flow_scale");
    if (json_is_integer(v) && json_integer_value(v) >= 1) *scale = (uint64_t)json_integer_value(v);
    v = json_object_get(j, "start");
    if (json_is_string(v)) sg_time_parse(json_string_value(v), start, NULL);
    json_decref(j);
}

/* version 3's duplicate-ACK trains (dupack_trains.p: 3 rows of 4 shares) and behind_share; a
 * version-2 profile has neither (the rows stay 0: noise.c derives them from the shares) */
static void trains_of(json_t *o, sg_tcp_noise_rates *r)
{
    json_t *t = json_object_get(json_object_get(o, "dupack_trains"), "p");
    if (json_array_size(t) != 3) return;
    for (size_t b = 0; b < 3; b++) {
        json_t *row = json_array_get(t, b);
        for (size_t k = 0; k < 4 && json_array_size(row) == 4; k++) r->trains[b][k] = json_number_value(json_array_get(row, k));
    }
    r->behind_share = json_number_value(json_object_get(o, "behind_share"));
}

/* models/noise.json (embedded): TCP noise rates measured on the captures the embedded automata
 * come from (models/tcp_noise.py); 0 when the build has none */
static int embedded_noise(sg_tcp_noise *nz, sg_error *err)
{
    const char *d;
    size_t n;
    memset(nz, 0, sizeof *nz);
    if (sg_generate_embedded("noise.json", &d, &n) != 0) return 0;
    json_error_t je;
    json_t *j = json_loadb(d, n, 0, &je);
    if (!j) return sg_error_set(err, SG_ERR_PARSE, "(embedded noise.json):%d: %s", je.line, je.text), -1;
    int ok = 1;
    const char *key;
    json_t *v, *svc = json_object_get(j, "services");
#define RATES(o, r)                                                                                                  \
    do {                                                                                                             \
        json_t *l = json_object_get(o, "loss"), *fs = json_object_get(o, "fast_share"), *ro = json_object_get(o, "reorder"); \
        if (!json_is_number(l) || !json_is_number(fs) || !json_is_number(ro)) ok = 0;                               \
        else (r) = (sg_tcp_noise_rates){json_number_value(l), json_number_value(fs), json_number_value(ro),          \
                                        json_number_value(json_object_get(o, "dupack_share")),                      \
                                        json_number_value(json_object_get(o, "dupack2_share")),                     \
                                        json_number_value(json_object_get(o, "spurious_share")),                    \
                                        json_number_value(json_object_get(o, "keepalive")),                         \
                                        json_number_value(json_object_get(o, "window_update")), 0, {{0}}};          \
        if (ok) trains_of(o, &(r));                                                                                  \
    } while (0)
    RATES(json_object_get(j, "global"), nz->global);
    json_object_foreach(svc, key, v) {
        if (nz->n == SG_TCP_NOISE_SERVICES) break;
        nz->port[nz->n] = (uint16_t)atoi(key);
        RATES(v, nz->rates[nz->n]);
        nz->n++;
    }
#undef RATES
    json_decref(j);
    if (!ok) return sg_error_set(err, SG_ERR_PARSE, "(embedded noise.json): loss, fast_share and reorder must be numbers"), -1;
    return 1;
}

static sg_status load_automata(const char *dir, sg_tadam_set *set, sg_error *err)
{
    if (dir) return sg_tadam_set_load_dir(set, dir, err);
    for (const sg_embedded_file *f = sg_embedded_files; f->name; f++) {
        if (strncmp(f->name, "automata/", 9) != 0 || !strcmp(f->name, "automata/index.json")) continue;
        char name[300];
        snprintf(name, sizeof name, "(embedded %s)", f->name);
        sg_tadam_model *m = NULL;
        sg_status s = sg_tadam_model_load_mem(name, f->data, f->size, SG_TADAM_FMT_AUTO, &m, err);
        if (s != SG_OK) return s;
        if ((s = sg_tadam_set_add(set, m, err)) != SG_OK) return s;
    }
    return SG_OK;
}

/* ---- source: K flow-model replicas merged in start order --------------------------------------
 * Replica 0 uses the run's seed, replica i > 0 a seed derived from it; ties go to the lower
 * replica, so the merged stream is deterministic. */
typedef struct fc_multi {
    sg_fc_generator **g;
    sg_flow *head;
    int *live;
    uint64_t k;
} fc_multi;

static void fc_multi_destroy(fc_multi *m)
{
    for (uint64_t i = 0; m->g && i < m->k; i++) sg_fc_generator_destroy(m->g[i]);
    free(m->g);
    free(m->head);
    free(m->live);
    memset(m, 0, sizeof *m);
}

static sg_status fc_multi_create(fc_multi *m, const sg_fc_model *model, const sg_fc_gen_opts *o, uint64_t k, sg_error *err)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->g = calloc(k, sizeof *m->g);
    m->head = calloc(k, sizeof *m->head);
    m->live = calloc(k, sizeof *m->live);
    if (!m->g || !m->head || !m->live) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (uint64_t i = 0; i < k; i++) {
        sg_fc_gen_opts oi = *o;
        if (i) oi.seed = sg_hash_u64(o->seed ^ sg_hash_u64(0x5ca1e000ULL + i));
        /* the flow cap applies to the merged stream (the run stops at N); each replica keeps N
         * as its own bound, which it never needs to exceed, so that -n works without -d */
        sg_status s = sg_fc_generator_create(model, &oi, &m->g[i], err);
        if (s != SG_OK) return s;
        int more = 0;
        s = sg_fc_generator_next(m->g[i], &m->head[i], NULL, &more, err);
        if (s != SG_OK) return s;
        m->live[i] = more;
    }
    return SG_OK;
}

/* next flow of the merged replicas: *more = 1 with *out filled, 0 at the end */
static sg_status fc_multi_next(fc_multi *m, sg_flow *out, int *more, sg_error *err)
{
    uint64_t best = UINT64_MAX;
    *more = 0;
    for (uint64_t i = 0; i < m->k; i++)
        if (m->live[i] && (best == UINT64_MAX || m->head[i].start_us < m->head[best].start_us)) best = i;
    if (best == UINT64_MAX) return SG_OK;
    *out = m->head[best];
    int live = 0;
    sg_status s = sg_fc_generator_next(m->g[best], &m->head[best], NULL, &live, err);
    if (s != SG_OK) return s;
    m->live[best] = live;
    *more = 1;
    return SG_OK;
}

/* ---- TADAM -> packets adapter ---------------------------------------------------------------------
 * The packet pipeline's sampler: the automaton of the flow's service, conditioned on the flow's
 * packet counts per direction. */
static sg_status tadam_sampler(void *ctx, const sg_flow *f, int64_t tf, int64_t tb, sg_rng *r, sg_vec *out,
                               int *found, sg_error *err)
{
    const sg_tadam_set *set = ctx;
    const sg_tadam_model *m = sg_tadam_set_find(set, f->proto, f->dst_port);
    *found = 0;
    if (!m) return SG_OK;
    sg_tadam_sample_opts o;
    sg_tadam_sample_opts_init(&o);
    o.target_fwd = tf;
    o.target_bwd = tb;
    size_t cap = (size_t)((tf > 0 ? tf : 0) + (tb > 0 ? tb : 0)) + 1024;
    if (cap > o.max_len) o.max_len = cap;
    sg_tadam_event *ev = malloc(cap * sizeof *ev);
    if (!ev) return sg_error_set(err, SG_ERR_NOMEM, "out of memory sampling packets");
    size_t n = 0;
    int complete = 0;
    sg_status s = sg_tadam_sample(m, r, &o, ev, cap, &n, &complete, err);
    int64_t t = 0;
    for (size_t i = 0; s == SG_OK && i < n; i++) {
        t += (ev[i].iat_us > 0 ? ev[i].iat_us : 0) * 1000;
        sg_pkt p = {.t_ns = t,
                    .dir = (uint8_t)(ev[i].dir < 0 ? SG_DIR_BWD : SG_DIR_FWD),
                    .tcp_flags = ev[i].tcp_flags,
                    .payload_len = (uint32_t)(ev[i].payload > 0 ? (ev[i].payload > 65000 ? 65000 : ev[i].payload) : 0)};
        if (sg_vec_push(out, &p) != SG_OK) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory sampling packets");
    }
    free(ev);
    if (s == SG_OK) *found = 1;
    return s;
}

/* ---- the run ------------------------------------------------------------------------------------- */
struct sg_generate {
    sg_generate_opts o;
    sg_fc_model *model;
    sg_netcfg *cfg;
    sg_tadam_set *set;
    sg_attacks *attacks;    /* the config's attacks: a second source, merged by start time */
    sg_pktgen *pg;          /* packet pipeline: a pcap and/or a network config */
    sg_tcp_noise noise;     /* TCP noise rates the pktgen applies (unless --no-noise) */
    sg_flow_writer *w;      /* flow-only mode */
    sg_flow_format ofmt;
    sg_generate_estimate est;
    sg_generate_sink *sinks;
    size_t nsinks;
    sg_logs *logs;          /* --logs: observer of the pktgen's written connections */
    sg_app_vocab *vocab;    /* names, HTTP methods/paths/status, DNS TTLs (embedded app_vocab.json) */
    sg_gen_mpi *mpi;        /* --mpi: this rank's part in the job (mpi_int.h) */
    int idle;               /* --mpi without a pcap: ranks > 0 have nothing to do (rank 0 writes) */
    int ran;
};

/* With -n and the packet pipeline, flows are drawn until N are written. A run that writes nothing
 * in a week of generated time (the period of the time profile and of activity days) or keeps fewer
 * than 1 in 1000 of the drawn flows stops with an error instead of running for ever. */
#define NO_FLOW_HORIZON_US (7 * 86400 * 1000000LL)
#define MIN_KEEP_RATIO 1000

/* flows CSV column: each flow's Community ID (logs module), the key every log record carries */
static const sg_flow_column community_id_col = {"community_id", sg_community_id_column, NULL};

void sg_generate_opts_init(sg_generate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->start_us = INT64_MIN;
    o->pcap_format = SG_PCAP_US;
    o->flows_format = SG_FMT_AUTO;
}

static sg_status check_opts(const sg_generate_opts *o, sg_error *err)
{
    if (!o->max_flows && o->duration_us <= 0)
        return sg_error_set(err, SG_ERR_INVALID, "one of a flow count (-n) or a duration (-d) is required");
    if (o->max_flows && o->duration_us > 0)
        return sg_error_set(err, SG_ERR_INVALID, "a flow count (-n) and a duration (-d) exclude each other: -n N writes N flows "
                                                 "whatever time they span, -d D fills D at the model's rate");
    if (!o->pcap_path && !o->flows_out)
        return sg_error_set(err, SG_ERR_INVALID, "nothing to write: give a pcap (-o) and/or a flow file (--flows-out)");
    if (o->flows_format != SG_FMT_AUTO && !sg_flow_format_writable(o->flows_format))
        return sg_error_set(err, SG_ERR_INVALID, "the flow output layout must be native, cidds, argus or ugr16");
    if ((o->pcap_path || o->config_path) && o->flows_format != SG_FMT_AUTO && o->flows_format != SG_FMT_NATIVE)
        return sg_error_set(err, SG_ERR_INVALID, "with a pcap or a network config, the flow output is the connections as "
                                                 "the network holds them and is always native (--flows-format)");
    if (o->pcap_path && o->flows_out && !strcmp(o->pcap_path, "-") && !strcmp(o->flows_out, "-"))
        return sg_error_set(err, SG_ERR_INVALID, "the pcap and the flow output cannot both be standard output");
    if (!o->pcap_path && (o->taint || o->pcap_format != SG_PCAP_US))
        return sg_error_set(err, SG_ERR_INVALID, "pcap format and taint options need a pcap output (-o)");
    if (!o->pcap_path && !o->config_path && (o->automata_dir || o->no_pairing || o->no_lookups))
        return sg_error_set(err, SG_ERR_INVALID, "--automata, --no-pairing and --no-lookups need a pcap (-o) or a network config (--config)");
    if (o->logs_dir && !o->pcap_path && !o->config_path)
        return sg_error_set(err, SG_ERR_INVALID, "sensor logs (--logs) describe the packet pipeline's connections and need a pcap (-o) or a network config (--config)");
    if (o->packet_labels_out && !o->pcap_path)
        return sg_error_set(err, SG_ERR_INVALID, "a per-packet label file (--packet-labels) labels the frames of a pcap: give -o");
    if (o->scale > 100000) return sg_error_set(err, SG_ERR_RANGE, "scale must be in [1, 100000]");
    return SG_OK;
}

static int64_t start_of(const sg_generate *g)
{
    int64_t s = g->o.start_us;
    if (s == INT64_MIN) sg_fc_model_span(g->model, &s, NULL);
    return s;
}

/* ---- output size: estimate and free space -----------------------------------------------------
 * A pilot draws the first PILOT flows of the run (same seed, a separate generator: nothing of the
 * run changes) and measures their bytes, a flow's packets bounded by the packet pipeline's cap of
 * 20000 per direction. Its other cap (5000 packets/s) is left out on purpose: applied to the
 * model's bytes it made the estimate 3x too low (the pipeline's bytes do not shrink with its
 * packets); without it the embedded model's pcaps are over-estimated 1.6-3.2x (-d 10m, 1h, -n
 * 3000, -n 20000 with a config): a refusal errs on the side of not filling the disk. Per flow on disk: IP bytes + 14 (Ethernet) + 16 (pcap record header;
 * pcapng 32) per packet; a native CSV row ~100 bytes. For -d longer than the pilot covers, the
 * flow count is the model's average training rate over the span (a pilot from the run's start
 * would extrapolate one hour of the week). A connection counts as one record: pairing one-way
 * records merged ~3 % of the embedded model's records (most responses have no request). An
 * estimate, not a bound. */
#define PILOT 4096
#define PILOT_CAP_PACKETS 20000 /* the packet pipeline's cap per direction (packets/generate.c) */
#define CSV_ROW_BYTES 100

static sg_status estimate(sg_generate *g, sg_error *err)
{
    sg_generate_estimate *e = &g->est;
    memset(e, 0, sizeof *e);
    sg_fc_gen_opts go = {.seed = g->o.seed, .start_us = g->o.start_us, .duration_us = g->o.duration_us,
                         .max_flows = g->o.max_flows ? g->o.max_flows : 0};
    if (!go.max_flows && go.duration_us <= 0) return SG_OK;
    fc_multi src;
    sg_status s = fc_multi_create(&src, g->model, &go, g->o.scale, err);
    uint64_t n = 0;
    double pkt_bytes = 0, pkts = 0;
    int64_t last = INT64_MIN;
    sg_flow f;
    int more = 0;
    while (s == SG_OK && n < PILOT && (s = fc_multi_next(&src, &f, &more, err)) == SG_OK && more) {
        const uint64_t lim = PILOT_CAP_PACKETS;
        uint64_t pf = f.fwd_packets < lim ? f.fwd_packets : lim;
        uint64_t pb = f.bwd_packets < lim ? f.bwd_packets : lim;
        double scale_f = f.fwd_packets ? (double)pf / (double)f.fwd_packets : 1;
        double scale_b = f.bwd_packets ? (double)pb / (double)f.bwd_packets : 1;
        pkt_bytes += (double)f.fwd_bytes * scale_f + (double)f.bwd_bytes * scale_b;
        pkts += (double)(pf + pb);
        last = f.start_us;
        n++;
    }
    fc_multi_destroy(&src);
    if (s != SG_OK) return s;
    double flows;
    if (g->o.max_flows) flows = (double)g->o.max_flows;
    else if (!more || n < PILOT) flows = (double)n; /* the pilot saw the whole window */
    else {
        int64_t a, b;
        sg_fc_model_span(g->model, &a, &b);
        double rate = b > a ? (double)sg_fc_model_training_flows(g->model) / (double)(b - a) : 0; /* per µs */
        double by_rate = rate * (double)g->o.duration_us * (double)g->o.scale;
        double by_pilot = last > start_of(g) ? (double)n * (double)g->o.duration_us / (double)(last - start_of(g)) : 0;
        flows = g->o.duration_us >= 86400 * 1000000LL || by_pilot <= 0 ? by_rate : by_pilot;
        if (flows < (double)n) flows = (double)n;
    }
    double per_rec = 0;
    if (n) {
        unsigned rec_hdr = g->o.pcap_format == SG_PCAPNG ? 32 : 16;
        per_rec = (pkt_bytes + pkts * (14 + rec_hdr)) / (double)n;
    }
    e->flows = (uint64_t)flows;
    e->pcap_bytes = g->o.pcap_path ? (uint64_t)(flows * per_rec) + 64 : 0;
    e->flows_bytes = g->o.flows_out ? (uint64_t)(flows * CSV_ROW_BYTES) + 200 : 0;
    return SG_OK;
}

void sg_generate_format_bytes(uint64_t b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1000 && u < 6) v /= 1000, u++;
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* free bytes where path will be written (its directory); -1 if not a regular file target */
static int free_space(const char *path, uint64_t *avail, unsigned long *dev)
{
    if (!path || !strcmp(path, "-")) return -1;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) return -1; /* a device or FIFO */
    char *dup = strdup(path);
    if (!dup) return -1;
    char *slash = strrchr(dup, '/');
    const char *dir = slash ? (slash == dup ? "/" : (*slash = 0, dup)) : ".";
    struct statvfs vs;
    int rc = statvfs(dir, &vs) == 0 && stat(dir, &st) == 0 ? 0 : -1;
    free(dup);
    if (rc) return -1;
    *avail = (uint64_t)vs.f_bavail * (uint64_t)vs.f_frsize;
    *dev = (unsigned long)st.st_dev;
    return 0;
}

static sg_status check_space(const sg_generate *g, sg_error *err)
{
    const char *path[2] = {g->o.pcap_path, g->o.flows_out};
    uint64_t need[2] = {g->est.pcap_bytes, g->est.flows_bytes}, avail[2] = {0, 0};
    unsigned long dev[2] = {0, 0};
    int ok[2];
    for (int i = 0; i < 2; i++) ok[i] = free_space(path[i], &avail[i], &dev[i]) == 0;
    if (ok[0] && ok[1] && dev[0] == dev[1]) { /* one file system holds both */
        need[0] += need[1];
        ok[1] = 0;
    }
    for (int i = 0; i < 2; i++) {
        if (!ok[i] || need[i] <= avail[i]) continue;
        char nb[32], ab[32];
        sg_generate_format_bytes(need[i], nb, sizeof nb);
        sg_generate_format_bytes(avail[i], ab, sizeof ab);
        return sg_error_set(err, SG_ERR_RANGE,
                            "%s: this run needs about %s (%llu flows) but its file system has %s free; lower -n or -d, "
                            "write elsewhere, or pass --force to run anyway",
                            path[i], nb, (unsigned long long)g->est.flows, ab);
    }
    return SG_OK;
}

const sg_generate_estimate *sg_generate_get_estimate(const sg_generate *g) { return &g->est; }

sg_status sg_generate_create(const sg_generate_opts *opts, sg_generate **out, sg_error *err)
{
    *out = NULL;
    sg_status s = check_opts(opts, err);
    if (s != SG_OK) return s;
    if (opts->mpi && opts->pcap_path && !strcmp(opts->pcap_path, "-"))
        return sg_error_set(err, SG_ERR_INVALID, "--mpi: every rank writes into the pcap: give -o FILE, not stdout");
    sg_generate *g = calloc(1, sizeof *g);
    if (!g) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    g->o = *opts;
    if (opts->mpi) {
        if ((s = sg_gen_mpi_start(&g->mpi, err)) != SG_OK) { /* no job joined: nothing to agree on */
            free(g);
            return s;
        }
        /* the pcap is the work split by time slices; without one, rank 0 does it all */
        if (sg_gen_mpi_rank_of(g->mpi) > 0) {
            g->idle = !opts->pcap_path;
            g->o.flows_out = NULL; /* rank 0 writes the flows, the logs and the packet labels */
            g->o.logs_dir = NULL;
            g->o.packet_labels_out = NULL;
        }
        if (g->idle) {
            if ((s = sg_gen_mpi_agree(g->mpi, SG_OK, err)) != SG_OK) goto fail;
            *out = g;
            return SG_OK;
        }
    }
    opts = &g->o;
    if ((s = load_model(opts->model_path, &g->model, err)) != SG_OK) goto fail;
    if (!opts->model_path) { /* the embedded model comes with its own defaults */
        uint64_t dscale = 1;
        int64_t dstart = INT64_MIN;
        embedded_defaults(&dscale, &dstart);
        if (!g->o.scale) g->o.scale = dscale;
        if (g->o.start_us == INT64_MIN) g->o.start_us = dstart;
    }
    if (!g->o.scale) g->o.scale = 1;
    const int pipeline = opts->pcap_path || opts->config_path;
    g->ofmt = g->o.flows_format;
    if (g->ofmt == SG_FMT_AUTO) g->ofmt = !pipeline && sg_fc_model_layout(g->model) == SG_FMT_CIDDS ? SG_FMT_CIDDS : SG_FMT_NATIVE;
    if (opts->config_path && (s = sg_netcfg_load(opts->config_path, &g->cfg, err)) != SG_OK) goto fail;
    if (g->cfg && (s = sg_attacks_load(g->cfg, &g->attacks, err)) != SG_OK) goto fail;
    if ((s = estimate(g, err)) != SG_OK) goto fail;
    if (!opts->force && (s = check_space(g, err)) != SG_OK) goto fail;
    if (pipeline) {
        g->set = sg_tadam_set_create();
        if (!g->set) { s = sg_error_set(err, SG_ERR_NOMEM, "out of memory"); goto fail; }
        if ((s = load_automata(opts->automata_dir, g->set, err)) != SG_OK) goto fail;
        /* prepare the count-conditioned tables once, before sampling from several threads */
        for (size_t i = 0; i < sg_tadam_set_count(g->set); i++)
            if ((s = sg_tadam_model_prepare(sg_tadam_set_get_mut(g->set, i), 0, 0, err)) != SG_OK) goto fail;
        sg_pktgen_opts po = {.seed = opts->seed,
                             .netcfg = g->cfg,
                             .pcap_path = opts->pcap_path,
                             .pcap_format = opts->pcap_format,
                             .flows_out = opts->flows_out,
                             .pair_unidirectional = !opts->no_pairing && sg_fc_model_unidirectional(g->model),
                             .frame_bytes = sg_fc_model_layout(g->model) == SG_FMT_CIDDS ||
                                            sg_fc_model_layout(g->model) == SG_FMT_ARGUS,
                             .taint = opts->taint,
                             .sampler = sg_tadam_set_count(g->set) ? tadam_sampler : NULL,
                             .sampler_ctx = g->set,
                             .max_flows_out = opts->max_flows,
                             .min_flows_out = opts->max_flows ? opts->max_flows : 1,
                             .label_column = sg_attacks_count(g->attacks) > 0,
                             .flow_columns = &community_id_col,
                             .n_flow_columns = 1,
                             .packet_labels_out = opts->packet_labels_out};
        {
            const char *d;
            size_t n;
            if (sg_generate_embedded("app_vocab.json", &d, &n) == 0 &&
                (s = sg_generate_vocab_load("(embedded app_vocab.json)", d, n, &g->vocab, err)) != SG_OK)
                goto fail;
            po.vocab = g->vocab;
            po.resolve_names = !opts->no_lookups;
        }
        int nzr = opts->no_noise ? 0 : embedded_noise(&g->noise, err);
        if (nzr < 0) { s = err->status; goto fail; }
        po.noise = nzr ? &g->noise : NULL;
        if (opts->logs_dir) {
            if ((s = sg_logs_create(opts->logs_dir, g->cfg, opts->seed, &g->logs, err)) != SG_OK) goto fail;
            const char *hd; /* the config's HDFS DataNodes log their blocks: the embedded HDFS automaton */
            size_t hn;
            if (g->cfg && sg_generate_embedded("hdfs.json", &hd, &hn) == 0) {
                sg_tadam_model *hm = NULL;
                if ((s = sg_tadam_model_load_mem("(embedded hdfs.json)", hd, hn, SG_TADAM_FMT_SECGEN, &hm, err)) != SG_OK ||
                    (s = sg_logs_set_hdfs_model(g->logs, hm, err)) != SG_OK)
                    goto fail;
            }
            po.observer = sg_logs_observe;
            po.observer_ctx = g->logs;
        }
        if (g->mpi && opts->pcap_path) { /* every rank writes its time slices into one file */
            if ((s = sg_gen_mpi_open_pcap(g->mpi, SG_OK, opts->pcap_path, &po.pcap_fd, err)) != SG_OK) goto fail;
            po.pcap_shared = 1;
            po.pcap_header = sg_gen_mpi_rank_of(g->mpi) == 0;
            po.frame_filter = sg_gen_mpi_owns;
            po.frame_filter_ctx = g->mpi;
            po.before_commit = sg_gen_mpi_gate;
            po.before_commit_ctx = g->mpi;
        }
        if ((s = sg_pktgen_create(&po, &g->pg, err)) != SG_OK) goto fail;
    } else if ((s = sg_flow_writer_open_cols(&g->w, opts->flows_out, g->ofmt, 0, &community_id_col,
                                             g->ofmt == SG_FMT_NATIVE, err)) != SG_OK) {
        goto fail;
    }
    if (g->mpi && (s = sg_gen_mpi_agree(g->mpi, SG_OK, err)) != SG_OK) goto fail;
    *out = g;
    return SG_OK;
fail:
    /* the other ranks wait for this one's word (a failure already agreed is not sent twice) */
    if (g->mpi) sg_gen_mpi_agree(g->mpi, s, err);
    sg_generate_destroy(g);
    return s;
}

sg_status sg_generate_add_sink(sg_generate *g, const sg_generate_sink *s, sg_error *err)
{
    sg_generate_sink *n = realloc(g->sinks, (g->nsinks + 1) * sizeof *n);
    if (!n) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    g->sinks = n;
    g->sinks[g->nsinks++] = *s;
    return SG_OK;
}

/* attack flows starting at or before `upto` go to the packet pipeline with their label (caller
 * sinks see the benign stream: their callback has no label) */
static sg_status emit_attacks(sg_generate *g, sg_attack_stream *as, sg_attack_flow *af, int64_t upto, sg_error *err)
{
    int64_t t;
    sg_status s = SG_OK;
    while (s == SG_OK && as && sg_attack_stream_peek(as, &t) && t <= upto)
        if ((s = sg_attack_stream_next(as, af, err)) == SG_OK) s = sg_pktgen_add_built(g->pg, &af->f, &af->conn, &af->pkts, af->label, err);
    return s;
}

/* one flow to every sink, the caller's first, then the built-in output */
static sg_status emit(sg_generate *g, const sg_flow *f, uint64_t index, sg_error *err)
{
    for (size_t i = 0; i < g->nsinks; i++)
        if (g->sinks[i].flow) {
            sg_status s = g->sinks[i].flow(g->sinks[i].ctx, f, index, err);
            if (s != SG_OK) return s;
        }
    return g->pg ? sg_pktgen_add(g->pg, f, err) : sg_flow_writer_write(g->w, f, err);
}

static size_t append(char *buf, size_t n, size_t at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t n, size_t at, const char *fmt, ...)
{
    if (at >= n) return at;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + at, n - at, fmt, ap);
    va_end(ap);
    return k > 0 ? at + (size_t)k : at;
}

static void describe_activity(const sg_netcfg *c, const sg_net_activity *a, char *buf, size_t n)
{
    static const char *const day[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    size_t at = append(buf, n, 0, "%02u:%02u-%02u:%02u", a->start_min / 60, a->start_min % 60, a->end_min / 60,
                       a->end_min % 60);
    for (int d = 0; d < 7; d++)
        if ((a->days >> d) & 1) at = append(buf, n, at, " %s", day[d]);
    append(buf, n, at, ", %s, %g%% of the flows kept outside", c->timezone[0] ? c->timezone : "UTC", a->off_factor * 100);
}

/* Why a run wrote no flow (or, with -n, fewer than asked), and the option that fixes it. */
static sg_status no_flow_error(const sg_generate *g, const sg_generate_result *r, int gave_up, sg_error *err)
{
    char st[40], a[40], b[40], msg[SG_ERROR_MSG_MAX];
    int64_t t0 = start_of(g), fa, fb;
    sg_fc_model_span(g->model, &fa, &fb);
    sg_time_format(t0, st, sizeof st);
    sg_time_format(fa, a, sizeof a);
    sg_time_format(fb, b, sizeof b);
    size_t at = 0;
    if (r->flows_in == 0) {
        double hours = fb > fa ? (double)(fb - fa) / 3.6e9 : 0;
        double per_h = hours > 0 ? (double)sg_fc_model_training_flows(g->model) / hours : 0;
        char span[32] = "";
        double sec = (double)g->o.duration_us / 1e6;
        if (sec >= 86400) snprintf(span, sizeof span, "%g days", sec / 86400);
        else if (sec >= 3600) snprintf(span, sizeof span, "%g hours", sec / 3600);
        else if (sec >= 60) snprintf(span, sizeof span, "%g minutes", sec / 60);
        else snprintf(span, sizeof span, "%g seconds", sec);
        at = append(msg, sizeof msg, at, "no flow generated: the flow model draws none in the %s from %s (it learnt %zu flows from %s to %s",
                    span, st, sg_fc_model_training_flows(g->model), a, b);
        if (per_h > 0) at = append(msg, sizeof msg, at, ", %.1f per hour on average", per_h);
        at = append(msg, sizeof msg, at, ", at the hours of the week its time profile gives); give a longer -d, -n N instead of -d, "
                                         "or a --start at a busy time of the training span");
    } else {
        const uint64_t *d = r->pkt.dropped_netcfg;
        uint64_t dropped = d[1] + d[2] + d[3] + d[4];
        if (r->flows_written)
            at = append(msg, sizeof msg, at, "only %llu of the %llu flows asked (-n) written when the run gave up, ",
                        (unsigned long long)r->flows_written, (unsigned long long)g->o.max_flows);
        else
            at = append(msg, sizeof msg, at, "no flow written%s, ", gave_up ? " when the run gave up" : "");
        at = append(msg, sizeof msg, at, "after the flow model drew %llu flows from %s; ", (unsigned long long)r->flows_in, st);
        if (!dropped) {
            at = append(msg, sizeof msg, at, "none of which gave packets");
        } else {
            at = append(msg, sizeof msg, at, "the network config (%s) dropped %llu of them:", g->o.config_path,
                        (unsigned long long)dropped);
            if (d[SG_NETMAP_INACTIVE]) {
                char act[200] = "";
                if (g->cfg && g->cfg->activity.set) describe_activity(g->cfg, &g->cfg->activity, act, sizeof act);
                at = append(msg, sizeof msg, at,
                            " %llu outside the clients' activity hours (network.activity%s%s; hosts[].activity may "
                            "differ): choose a --start inside them, a longer -d, or a larger off_hours_factor;",
                            (unsigned long long)d[SG_NETMAP_INACTIVE], act[0] ? ": " : "", act);
            }
            if (d[SG_NETMAP_NO_SERVER])
                at = append(msg, sizeof msg, at,
                            " %llu to services no host offers: add them to hosts[].interfaces[].services;",
                            (unsigned long long)d[SG_NETMAP_NO_SERVER]);
            if (d[SG_NETMAP_NO_CLIENT])
                at = append(msg, sizeof msg, at,
                            " %llu that no host may make (hosts[].client and talks_to exclude them, or the only host "
                            "offering the service has no other host to talk to it): widen client/talks_to or add hosts;",
                            (unsigned long long)d[SG_NETMAP_NO_CLIENT]);
            if (d[SG_NETMAP_BAD_ADDR])
                at = append(msg, sizeof msg, at, " %llu with an address or port that cannot be on the wire;",
                            (unsigned long long)d[SG_NETMAP_BAD_ADDR]);
            if (at > 0 && at < sizeof msg && msg[at - 1] == ';') msg[--at] = 0;
        }
    }
    return sg_error_set(err, SG_ERR_EMPTY, "%s", msg);
}

sg_status sg_generate_run(sg_generate *g, sg_generate_result *res, sg_error *err)
{
    if (g->ran) return sg_error_set(err, SG_ERR_INVALID, "generation already ran (create a new one)");
    g->ran = 1;
    sg_generate_result r = {.has_pcap = g->o.pcap_path != NULL, .flows_format = g->ofmt};
    if (g->idle) { /* --mpi, rank > 0, no pcap: wait for rank 0's outcome */
        sg_status s = sg_gen_mpi_agree(g->mpi, SG_OK, err);
        if (res) *res = r;
        return s;
    }
    const uint64_t nmax = g->o.max_flows;
    /* with the packet pipeline, flows can be dropped (config) or merged (pairing): the source is
     * unbounded and the run stops when N are written */
    const int until_written = nmax && g->pg;
    sg_fc_gen_opts go = {.seed = g->o.seed, .start_us = g->o.start_us, .duration_us = g->o.duration_us,
                         .max_flows = until_written ? UINT64_MAX : nmax};
    fc_multi src;
    sg_status s = fc_multi_create(&src, g->model, &go, g->o.scale, err);
    if (s != SG_OK) {
        fc_multi_destroy(&src);
        return s;
    }
    const int64_t t0 = start_of(g);
    sg_attack_stream *as = NULL;
    sg_attack_flow af = {0};
    sg_vec_init(&af.pkts, sizeof(sg_pkt));
    if (sg_attacks_count(g->attacks)) /* "+5m" counts from the run's start: -s, or the model's */
        s = sg_attack_stream_create(g->attacks, g->cfg, g->o.seed, t0, g->o.duration_us > 0 ? t0 + g->o.duration_us : INT64_MAX, &as, err);
    sg_progress *pr = sg_progress_create("generate", nmax);
    sg_flow f;
    int more = 0, gave_up = 0, drained = 0;
    while (s == SG_OK) {
        uint64_t written = g->pg ? sg_pktgen_flows_written(g->pg) : r.flows_in;
        if (nmax && written >= nmax) break;
        if (until_written && r.flows_in >= MIN_KEEP_RATIO * (written + 1) + 100000) { gave_up = 1; break; }
        if ((s = fc_multi_next(&src, &f, &more, err)) != SG_OK || !more) break;
        if (until_written && written == 0 && f.start_us - t0 > NO_FLOW_HORIZON_US) {
            /* flows may be waiting in a partial batch (a sparse model): decide them first */
            if (!drained && (s = sg_pktgen_drain(g->pg, err)) != SG_OK) break;
            drained = 1;
            if (sg_pktgen_flows_written(g->pg) == 0) { gave_up = 1; break; }
        }
        if ((s = emit_attacks(g, as, &af, f.start_us, err)) != SG_OK) break;
        if ((s = emit(g, &f, r.flows_in, err)) != SG_OK) break;
        if ((++r.flows_in & 1023) == 0) sg_progress_update(pr, nmax ? written : r.flows_in);
    }
    if (s == SG_OK) s = emit_attacks(g, as, &af, INT64_MAX, err);
    sg_vec_free(&af.pkts);
    sg_progress_destroy(pr);
    fc_multi_destroy(&src);
    for (size_t i = 0; s == SG_OK && i < g->nsinks; i++)
        if (g->sinks[i].finish) s = g->sinks[i].finish(g->sinks[i].ctx, err);
    if (s == SG_OK && g->pg) {
        s = sg_pktgen_finish(g->pg, &r.pkt, err);
        r.flows_written = r.pkt.flows_out;
        if (s == SG_ERR_EMPTY) s = no_flow_error(g, &r, gave_up, err);
        r.log_records = sg_logs_sensor_records(g->logs);
        if (s == SG_OK && g->logs) {
            s = sg_logs_close(g->logs, &r.host_log_records, err); /* frees it */
            g->logs = NULL;
        }
    } else if (s == SG_OK) {
        r.flows_written = r.flows_in;
        if (r.flows_in == 0) {
            s = no_flow_error(g, &r, 0, err);
        } else {
            s = sg_flow_writer_close(g->w, err);
            g->w = NULL;
        }
    }
    sg_attack_stream_destroy(as); /* after the pcap: replayed payloads are written from its memory */
    if (g->mpi) { /* all ranks' outcome; then rank 0 puts the pcap in place */
        s = sg_gen_mpi_agree(g->mpi, s, err);
        if (s == SG_OK && g->o.pcap_path) s = sg_gen_mpi_commit_pcap(g->mpi, err);
    }
    if (res) *res = r;
    return s;
}
void sg_generate_destroy(sg_generate *g)
{
    if (!g) return;
    sg_flow_writer_abort(g->w);
    sg_pktgen_destroy(g->pg);
    sg_logs_destroy(g->logs);
    sg_tadam_set_destroy(g->set);
    sg_attacks_destroy(g->attacks);
    sg_netcfg_destroy(g->cfg);
    sg_fc_model_destroy(g->model);
    sg_app_vocab_destroy(g->vocab);
    sg_gen_mpi_end(g->mpi); /* after the pktgen: its shared writer does not own the descriptor */
    free(g->sinks);
    free(g);
}

int sg_generate_mpi_rank(const sg_generate *g) { return g ? sg_gen_mpi_rank_of(g->mpi) : -1; }

int sg_generate_mpi_available(void)
{
#ifdef SECGEN_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

sg_status sg_generate_once(const sg_generate_opts *o, sg_generate_result *res, sg_error *err)
{
    sg_generate *g = NULL;
    sg_status s = sg_generate_create(o, &g, err);
    if (s == SG_OK) s = sg_generate_run(g, res, err);
    sg_generate_destroy(g);
    return s;
}
