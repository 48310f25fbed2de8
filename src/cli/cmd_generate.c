/* secgen generate: synthetic traffic from the models. Flows come from a FlowChronicle model (fc
 * module: streaming, start-time order); with -o they become packets through the TADAM automaton of
 * each flow's service (tadam module) and the packets module (frames, k-way merge, pcap); without -o
 * only the flows are written. Output depends only on the models, config, seed and span, not on -j.
 * With no -m / --automata the embedded default models are used. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#endif

#include <jansson.h>

#include "cli/cli.h"
#include "secgen/fc.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"
#include "secgen/packets.h"
#include "secgen/tadam.h"

/* embedded default models (generated from models/ by cmake/embed.cmake) */
typedef struct {
    const char *name;
    const char *data;
    size_t size;
} sg_embedded_file;
extern const sg_embedded_file sg_embedded_files[];

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: secgen generate [-m model.json] [--automata DIR] [--config net.yaml] (-n FLOWS | -d DURATION)\n"
            "                       [-o out.pcap] [--flows-out flows.csv] [options]\n"
            "Generate synthetic traffic: flows from a FlowChronicle model, packets from TADAM automata\n"
            "(embedded default models when -m / --automata are not given).\n\n"
            "  -m, --model FILE         flow model JSON (from secgen learn)\n"
            "      --automata DIR       packet automata (from secgen automata learn --by service)\n"
            "  -c, --config FILE        network description (YAML or JSON; docs/packets.md)\n"
            "  -n, --flows N            number of flows\n"
            "  -d, --duration D         time span to fill (1h, 90m, 2d, PT1H...)\n"
            "      --start TIME         start time (ISO 8601; default: the training start)\n"
            "  -o, --output FILE        pcap to write ('-' = stdout)\n"
            "      --nanosecond         pcap with nanosecond timestamps (magic a1b23c4d)\n"
            "      --pcapng             write pcapng instead of pcap\n"
            "      --taint              set the IPv4 reserved ('evil') bit on every packet (Fos-R compatible)\n"
            "      --flows-out FILE     flow CSV to write: with -o, the flows exactly as the pcap holds them\n"
            "                           (native layout, ground truth); without -o, the model's flows\n"
            "      --flows-format FMT   native|cidds (flow-only mode; default: the model's layout)\n"
            "      --no-pairing         with -o, do not pair one-way (NetFlow) records into connections\n"
            "      --scale K            superpose K independent realisations of the flow model (K x the\n"
            "                           traffic of the same network; default 1, or models/defaults.json's\n"
            "                           flow_scale for the embedded model)\n"
            "  -s, --seed N             random seed (default 1)\n"
            "  -j, --threads N          worker threads (output identical for any N)\n"
            "  -q, --quiet              no progress messages or summary\n"
            "  -h, --help\n");
}

static sg_status load_model(const char *path, sg_fc_model **m, sg_error *err)
{
    if (path) return sg_fc_model_load(path, m, err);
    for (const sg_embedded_file *f = sg_embedded_files; f->name; f++)
        if (!strcmp(f->name, "flow_model.json")) return sg_fc_model_load_mem("(embedded flow_model.json)", f->data, f->size, m, err);
    return sg_error_set(err, SG_ERR_INVALID, "no model given (-m) and no embedded default flow model in this build");
}

/* models/defaults.json (embedded): {"flow_scale": K, "start": "ISO time"} for the embedded model */
static void embedded_defaults(uint64_t *scale, int64_t *start)
{
    for (const sg_embedded_file *f = sg_embedded_files; f->name; f++) {
        if (strcmp(f->name, "defaults.json") != 0) continue;
        json_error_t je;
        json_t *j = json_loadb(f->data, f->size, 0, &je);
        if (!j) return;
        json_t *v = json_object_get(j, "flow_scale");
        if (json_is_integer(v) && json_integer_value(v) >= 1) *scale = (uint64_t)json_integer_value(v);
        v = json_object_get(j, "start");
        if (json_is_string(v)) sg_time_parse(json_string_value(v), start, NULL);
        json_decref(j);
    }
}

/* K generators (seeds derived from the run's seed) merged in start order: ties go to the lower
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
        /* the flow cap applies to the merged stream (the caller stops at N); each replica keeps N
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

/* TADAM sampler for the packet pipeline: the automaton of the flow's service, conditioned on the
 * flow's packet counts per direction. */
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

/* Allocator tuning for the streaming generator (a process-wide choice, so it lives in the program,
 * not the library). The working set (packet descriptors of the open flows) is tens of MB touched
 * once, and on VMs each 4 KiB page fault is expensive: with 4 KiB pages -d 1h spent ~25 % of its
 * time faulting; glibc's own glibc.malloc.hugetlb=1 tunable measured 1.04 s -> 0.75 s. Tunables
 * cannot be set from inside a running process, so we do what that tunable does for the first
 * 256 MiB of the heap: grow the heap once (memory is not touched), advise transparent huge pages
 * on it, and keep it (no trimming; blocks up to 32 MiB from the heap rather than fresh mmaps). */
static void tune_allocator(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
    enum { CHUNK = 30 << 20, N = 9 };
    if (getenv("SECGEN_NO_THP")) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    void *blk[N] = {0};
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < N; i++) {
        blk[i] = malloc(CHUNK);
        if (!blk[i]) break;
        uintptr_t a = (uintptr_t)blk[i];
        if (a < lo) lo = a;
        if (a + CHUNK > hi) hi = a + CHUNK;
    }
    const uintptr_t huge = (uintptr_t)2 << 20;
    lo = (lo + huge - 1) & ~(huge - 1);
    hi &= ~(huge - 1);
    if (hi > lo && hi - lo <= (uintptr_t)N * CHUNK + huge) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    for (int i = 0; i < N; i++) free(blk[i]);
#endif
}

int sg_cmd_generate(int argc, char **argv)
{
    enum { O_START = 256, O_FLOWS_OUT, O_FLOWS_FMT, O_AUTOMATA, O_NS, O_PCAPNG, O_TAINT, O_NOPAIR, O_SCALE };
    static const struct option lo[] = {{"model", required_argument, 0, 'm'},
                                       {"automata", required_argument, 0, O_AUTOMATA},
                                       {"config", required_argument, 0, 'c'},
                                       {"flows", required_argument, 0, 'n'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"start", required_argument, 0, O_START},
                                       {"output", required_argument, 0, 'o'},
                                       {"nanosecond", no_argument, 0, O_NS},
                                       {"pcapng", no_argument, 0, O_PCAPNG},
                                       {"taint", no_argument, 0, O_TAINT},
                                       {"no-pairing", no_argument, 0, O_NOPAIR},
                                       {"scale", required_argument, 0, O_SCALE},
                                       {"flows-out", required_argument, 0, O_FLOWS_OUT},
                                       {"flows-format", required_argument, 0, O_FLOWS_FMT},
                                       {"seed", required_argument, 0, 's'},
                                       {"threads", required_argument, 0, 'j'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *model = NULL, *flows_out = NULL, *automata = NULL, *config = NULL, *pcap = NULL;
    uint64_t nflows = 0, seed = 1, scale = 0;
    int64_t dur = 0, start = INT64_MIN;
    long long threads = 0;
    int quiet = 0, c, have_fmt = 0, ns = 0, pcapng = 0, taint = 0, nopair = 0;
    sg_flow_format ofmt = SG_FMT_NATIVE;
    tune_allocator();
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:c:n:d:o:s:j:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case O_AUTOMATA: automata = optarg; break;
        case 'c': config = optarg; break;
        case 'o': pcap = optarg; break;
        case O_NS: ns = 1; break;
        case O_PCAPNG: pcapng = 1; break;
        case O_TAINT: taint = 1; break;
        case O_NOPAIR: nopair = 1; break;
        case O_SCALE:
            if (sg_cli_parse_u64("generate", "--scale", optarg, &scale)) return SG_EXIT_USAGE;
            if (scale < 1 || scale > 100000) return sg_cli_usage_error("generate", "--scale must be in [1, 100000]");
            break;
        case 'n':
            if (sg_cli_parse_u64("generate", "-n", optarg, &nflows)) return SG_EXIT_USAGE;
            if (nflows == 0) return sg_cli_usage_error("generate", "-n must be at least 1");
            break;
        case 'd':
            if (sg_cli_parse_duration("generate", "-d", optarg, &dur)) return SG_EXIT_USAGE;
            if (dur <= 0) return sg_cli_usage_error("generate", "-d must be positive");
            break;
        case O_START:
            if (sg_cli_parse_time("generate", "--start", optarg, &start)) return SG_EXIT_USAGE;
            break;
        case O_FLOWS_OUT: flows_out = optarg; break;
        case O_FLOWS_FMT:
            if (sg_flow_format_parse(optarg, &ofmt) != 0 || (ofmt != SG_FMT_NATIVE && ofmt != SG_FMT_CIDDS))
                return sg_cli_usage_error("generate", "--flows-format must be native or cidds");
            have_fmt = 1;
            break;
        case 's':
            if (sg_cli_parse_u64("generate", "--seed", optarg, &seed)) return SG_EXIT_USAGE;
            break;
        case 'j':
            if (sg_cli_parse_int("generate", "-j", optarg, 0, 1024, &threads)) return SG_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: usage(stderr); return SG_EXIT_USAGE;
        }
    }
    if (optind != argc) return sg_cli_usage_error("generate", "unexpected argument '%s'", argv[optind]);
    if (!nflows && !dur) return sg_cli_usage_error("generate", "one of -n FLOWS or -d DURATION is required");
    if (!flows_out && !pcap) return sg_cli_usage_error("generate", "nothing to write: give -o out.pcap and/or --flows-out FILE");
    if (ns && pcapng) return sg_cli_usage_error("generate", "--nanosecond and --pcapng exclude each other (pcapng is always ns)");
    if (!pcap && (ns || pcapng || taint || automata || config || nopair))
        return sg_cli_usage_error("generate", "--automata/--config/--nanosecond/--pcapng/--taint/--no-pairing need -o FILE");
    if (pcap && have_fmt && ofmt != SG_FMT_NATIVE)
        return sg_cli_usage_error("generate", "with -o, --flows-out is the pcap's ground truth and is always native");
    if (pcap && flows_out && !strcmp(pcap, "-") && !strcmp(flows_out, "-"))
        return sg_cli_usage_error("generate", "-o and --flows-out cannot both be stdout");
    sg_progress_set_quiet(quiet);
    if (threads > 0) sg_threads_set((int)threads);
    sg_error err = {0};
    sg_fc_model *m = NULL;
    sg_netcfg *cfg = NULL;
    sg_tadam_set *set = NULL;
    fc_multi g = {0};
    sg_flow_writer *w = NULL;
    sg_pktgen *pg = NULL;
    int rc = SG_EXIT_RUNTIME;
    if (load_model(model, &m, &err) != SG_OK) goto out;
    if (!model) { /* the embedded model comes with its own defaults */
        uint64_t dscale = 1;
        int64_t dstart = INT64_MIN;
        embedded_defaults(&dscale, &dstart);
        if (!scale) scale = dscale;
        if (start == INT64_MIN) start = dstart;
    }
    if (!scale) scale = 1;
    if (!have_fmt && !pcap) ofmt = sg_fc_model_layout(m) == SG_FMT_CIDDS ? SG_FMT_CIDDS : SG_FMT_NATIVE;
    if (pcap) {
        if (config && sg_netcfg_load(config, &cfg, &err) != SG_OK) goto out;
        set = sg_tadam_set_create();
        if (!set) { sg_error_set(&err, SG_ERR_NOMEM, "out of memory"); goto out; }
        if (load_automata(automata, set, &err) != SG_OK) goto out;
        /* prepare the count-conditioned tables once, before sampling from several threads */
        for (size_t i = 0; i < sg_tadam_set_count(set); i++)
            if (sg_tadam_model_prepare(sg_tadam_set_get_mut(set, i), 0, 0, &err) != SG_OK) goto out;
        sg_pktgen_opts po = {.seed = seed,
                             .netcfg = cfg,
                             .pcap_path = pcap,
                             .pcap_format = pcapng ? SG_PCAPNG : (ns ? SG_PCAP_NS : SG_PCAP_US),
                             .flows_out = flows_out,
                             .pair_unidirectional = !nopair && sg_fc_model_unidirectional(m),
                             .taint = taint,
                             .sampler = sg_tadam_set_count(set) ? tadam_sampler : NULL,
                             .sampler_ctx = set};
        if (sg_pktgen_create(&po, &pg, &err) != SG_OK) goto out;
    } else if (sg_flow_writer_open(&w, flows_out, ofmt, &err) != SG_OK) {
        goto out;
    }
    sg_fc_gen_opts go = {.seed = seed, .start_us = start, .duration_us = dur, .max_flows = nflows};
    if (fc_multi_create(&g, m, &go, scale, &err) != SG_OK) goto out;
    sg_progress *pr = sg_progress_create("generate", nflows);
    sg_flow f;
    int r = 0;
    uint64_t k = 0;
    while ((nflows == 0 || k < nflows) && (r = fc_multi_next(&g, &f)) == 1) {
        sg_status s = pg ? sg_pktgen_add(pg, &f, &err) : sg_flow_writer_write(w, &f, &err);
        if (s != SG_OK) {
            r = -2;
            break;
        }
        if ((++k & 1023) == 0) sg_progress_update(pr, k);
    }
    sg_progress_destroy(pr);
    if (r == -1) sg_error_set(&err, SG_ERR_NOMEM, "out of memory while generating");
    if (r < 0) goto out;
    if (pg) {
        sg_pktgen_stats st;
        if (sg_pktgen_finish(pg, &st, &err) != SG_OK) goto out;
        if (!quiet) {
            fprintf(stderr, "secgen generate: %s", pcap);
            if (flows_out) fprintf(stderr, " + %s", flows_out);
            fprintf(stderr, "\n");
            sg_pktgen_print_stats(&st, stderr);
        }
    } else {
        sg_status s = sg_flow_writer_close(w, &err);
        w = NULL;
        if (s != SG_OK) goto out;
        if (!quiet) {
            fprintf(stderr, "secgen generate: %llu flows written to %s (%s layout)\n", (unsigned long long)k, flows_out,
                    sg_flow_format_name(ofmt));
            if (nflows && k < nflows)
                fprintf(stderr, "secgen generate: note: the duration ended before %llu flows\n", (unsigned long long)nflows);
        }
    }
    rc = SG_EXIT_OK;
out:
    if (rc != SG_EXIT_OK) sg_cli_error("generate", &err);
    sg_flow_writer_abort(w);
    sg_pktgen_destroy(pg);
    fc_multi_destroy(&g);
    sg_tadam_set_destroy(set);
    sg_netcfg_destroy(cfg);
    sg_fc_model_destroy(m);
    return rc;
}
