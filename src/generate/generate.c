/* The generation pipeline (include/secgen/generate.h): model/automata/config loading with the
 * embedded defaults, the replica merge of the flow model and its seeding, the TADAM-to-packets
 * adapter, and the run loop feeding the sinks. `secgen generate` (src/cli/cmd_generate.c) only
 * parses arguments into sg_generate_opts. */
#include "secgen/generate.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "secgen/fc.h"
#include "secgen/netcfg.h"
#include "secgen/tadam.h"

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
        int r = sg_fc_generator_next(m->g[i], &m->head[i], NULL);
        if (r < 0) return sg_error_set(err, SG_ERR_NOMEM, "out of memory while generating");
        m->live[i] = r == 1;
    }
    return SG_OK;
}

/* 1 flow, 0 end, -1 error */
static int fc_multi_next(fc_multi *m, sg_flow *out)
{
    uint64_t best = UINT64_MAX;
    for (uint64_t i = 0; i < m->k; i++)
        if (m->live[i] && (best == UINT64_MAX || m->head[i].start_us < m->head[best].start_us)) best = i;
    if (best == UINT64_MAX) return 0;
    *out = m->head[best];
    int r = sg_fc_generator_next(m->g[best], &m->head[best], NULL);
    if (r < 0) return -1;
    m->live[best] = r == 1;
    return 1;
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
    sg_pktgen *pg;          /* pcap mode */
    sg_flow_writer *w;      /* flow-only mode */
    sg_flow_format ofmt;
    sg_generate_sink *sinks;
    size_t nsinks;
    int ran;
};

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
    if (!o->pcap_path && !o->flows_out)
        return sg_error_set(err, SG_ERR_INVALID, "nothing to write: give a pcap (-o) and/or a flow file (--flows-out)");
    if (o->flows_format != SG_FMT_AUTO && o->flows_format != SG_FMT_NATIVE && o->flows_format != SG_FMT_CIDDS)
        return sg_error_set(err, SG_ERR_INVALID, "the flow output layout must be native or cidds");
    if (o->pcap_path && o->flows_format != SG_FMT_AUTO && o->flows_format != SG_FMT_NATIVE)
        return sg_error_set(err, SG_ERR_INVALID, "with a pcap, the flow output is the pcap's ground truth and is always native");
    if (o->pcap_path && o->flows_out && !strcmp(o->pcap_path, "-") && !strcmp(o->flows_out, "-"))
        return sg_error_set(err, SG_ERR_INVALID, "the pcap and the flow output cannot both be standard output");
    if (!o->pcap_path && (o->automata_dir || o->config_path || o->taint || o->no_pairing || o->pcap_format != SG_PCAP_US))
        return sg_error_set(err, SG_ERR_INVALID, "automata, network config, pcap format, taint and pairing options need a pcap output (-o)");
    if (o->scale > 100000) return sg_error_set(err, SG_ERR_RANGE, "scale must be in [1, 100000]");
    return SG_OK;
}

sg_status sg_generate_create(const sg_generate_opts *opts, sg_generate **out, sg_error *err)
{
    *out = NULL;
    sg_status s = check_opts(opts, err);
    if (s != SG_OK) return s;
    sg_generate *g = calloc(1, sizeof *g);
    if (!g) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    g->o = *opts;
    if ((s = load_model(opts->model_path, &g->model, err)) != SG_OK) goto fail;
    if (!opts->model_path) { /* the embedded model comes with its own defaults */
        uint64_t dscale = 1;
        int64_t dstart = INT64_MIN;
        embedded_defaults(&dscale, &dstart);
        if (!g->o.scale) g->o.scale = dscale;
        if (g->o.start_us == INT64_MIN) g->o.start_us = dstart;
    }
    if (!g->o.scale) g->o.scale = 1;
    g->ofmt = g->o.flows_format;
    if (g->ofmt == SG_FMT_AUTO)
        g->ofmt = !opts->pcap_path && sg_fc_model_layout(g->model) == SG_FMT_CIDDS ? SG_FMT_CIDDS : SG_FMT_NATIVE;
    if (opts->pcap_path) {
        if (opts->config_path && (s = sg_netcfg_load(opts->config_path, &g->cfg, err)) != SG_OK) goto fail;
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
                             .taint = opts->taint,
                             .sampler = sg_tadam_set_count(g->set) ? tadam_sampler : NULL,
                             .sampler_ctx = g->set};
        if ((s = sg_pktgen_create(&po, &g->pg, err)) != SG_OK) goto fail;
    } else if ((s = sg_flow_writer_open(&g->w, opts->flows_out, g->ofmt, err)) != SG_OK) {
        goto fail;
    }
    *out = g;
    return SG_OK;
fail:
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

sg_status sg_generate_run(sg_generate *g, sg_generate_result *res, sg_error *err)
{
    if (g->ran) return sg_error_set(err, SG_ERR_INVALID, "generation already ran (create a new one)");
    g->ran = 1;
    sg_generate_result r = {.has_pcap = g->pg != NULL, .flows_format = g->ofmt};
    sg_fc_gen_opts go = {.seed = g->o.seed, .start_us = g->o.start_us, .duration_us = g->o.duration_us, .max_flows = g->o.max_flows};
    fc_multi src;
    sg_status s = fc_multi_create(&src, g->model, &go, g->o.scale, err);
    if (s != SG_OK) {
        fc_multi_destroy(&src);
        return s;
    }
    const uint64_t nmax = g->o.max_flows;
    sg_progress *pr = sg_progress_create("generate", nmax);
    sg_flow f;
    int rr = 0;
    while ((nmax == 0 || r.flows_in < nmax) && (rr = fc_multi_next(&src, &f)) == 1) {
        if ((s = emit(g, &f, r.flows_in, err)) != SG_OK) break;
        if ((++r.flows_in & 1023) == 0) sg_progress_update(pr, r.flows_in);
    }
    sg_progress_destroy(pr);
    fc_multi_destroy(&src);
    if (s == SG_OK && rr < 0) s = sg_error_set(err, SG_ERR_NOMEM, "out of memory while generating");
    for (size_t i = 0; s == SG_OK && i < g->nsinks; i++)
        if (g->sinks[i].finish) s = g->sinks[i].finish(g->sinks[i].ctx, err);
    if (s == SG_OK && g->pg) {
        s = sg_pktgen_finish(g->pg, &r.pkt, err);
        r.flows_written = r.pkt.flows_out;
    } else if (s == SG_OK) {
        s = sg_flow_writer_close(g->w, err);
        g->w = NULL;
        r.flows_written = r.flows_in;
    }
    if (res) *res = r;
    return s;
}

void sg_generate_destroy(sg_generate *g)
{
    if (!g) return;
    sg_flow_writer_abort(g->w);
    sg_pktgen_destroy(g->pg);
    sg_tadam_set_destroy(g->set);
    sg_netcfg_destroy(g->cfg);
    sg_fc_model_destroy(g->model);
    free(g->sinks);
    free(g);
}

sg_status sg_generate_once(const sg_generate_opts *o, sg_generate_result *res, sg_error *err)
{
    sg_generate *g = NULL;
    sg_status s = sg_generate_create(o, &g, err);
    if (s == SG_OK) s = sg_generate_run(g, res, err);
    sg_generate_destroy(g);
    return s;
}
