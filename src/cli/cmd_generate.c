/* secgen generate: synthetic flows from a FlowChronicle model (flow-level output).
 * The generator streams flows in start-time order (bounded memory) and its output depends only
 * on the model, the seed and the span, not on -j. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "secgen/fc.h"
#include "secgen/flow.h"

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
            "usage: secgen generate [-m model.json] (-n FLOWS | -d DURATION) --flows-out synth.csv [options]\n"
            "Generate synthetic flows from a FlowChronicle model (embedded default model without -m).\n\n"
            "  -m, --model FILE         flow model JSON (from secgen learn)\n"
            "  -n, --flows N            number of flows\n"
            "  -d, --duration D         time span to fill (1h, 90m, 2d, PT1H...)\n"
            "      --start TIME         start time (ISO 8601; default: the training start)\n"
            "      --flows-out FILE     flow CSV to write ('-' = stdout)\n"
            "      --flows-format FMT   native|cidds (default: cidds for CIDDS models, else native)\n"
            "  -s, --seed N             random seed (default 1)\n"
            "  -j, --threads N          worker threads (output identical for any N)\n"
            "  -q, --quiet              no progress messages\n"
            "  -h, --help\n");
}

static sg_status load_model(const char *path, sg_fc_model **m, sg_error *err)
{
    if (path) return sg_fc_model_load(path, m, err);
    for (const sg_embedded_file *f = sg_embedded_files; f->name; f++)
        if (!strcmp(f->name, "flow_model.json")) return sg_fc_model_load_mem("(embedded flow_model.json)", f->data, f->size, m, err);
    return sg_error_set(err, SG_ERR_INVALID, "no model given (-m) and no embedded default flow model in this build");
}

int sg_cmd_generate(int argc, char **argv)
{
    static const struct option lo[] = {{"model", required_argument, 0, 'm'},
                                       {"flows", required_argument, 0, 'n'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"start", required_argument, 0, 'S'},
                                       {"flows-out", required_argument, 0, 'F'},
                                       {"flows-format", required_argument, 0, 'T'},
                                       {"seed", required_argument, 0, 's'},
                                       {"threads", required_argument, 0, 'j'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *model = NULL, *flows_out = NULL;
    uint64_t nflows = 0, seed = 1;
    int64_t dur = 0, start = INT64_MIN;
    long long threads = 0;
    int quiet = 0, c, have_fmt = 0;
    sg_flow_format ofmt = SG_FMT_NATIVE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:n:d:s:j:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'n':
            if (sg_cli_parse_u64("generate", "-n", optarg, &nflows)) return SG_EXIT_USAGE;
            if (nflows == 0) return sg_cli_usage_error("generate", "-n must be at least 1");
            break;
        case 'd':
            if (sg_cli_parse_duration("generate", "-d", optarg, &dur)) return SG_EXIT_USAGE;
            if (dur <= 0) return sg_cli_usage_error("generate", "-d must be positive");
            break;
        case 'S':
            if (sg_cli_parse_time("generate", "--start", optarg, &start)) return SG_EXIT_USAGE;
            break;
        case 'F': flows_out = optarg; break;
        case 'T':
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
    if (!flows_out) return sg_cli_usage_error("generate", "--flows-out FILE is required");
    sg_progress_set_quiet(quiet);
    if (threads > 0) sg_threads_set((int)threads);
    sg_error err = {0};
    sg_fc_model *m = NULL;
    if (load_model(model, &m, &err) != SG_OK) return sg_cli_error("generate", &err);
    if (!have_fmt) ofmt = sg_fc_model_layout(m) == SG_FMT_CIDDS ? SG_FMT_CIDDS : SG_FMT_NATIVE;
    sg_fc_gen_opts go = {.seed = seed, .start_us = start, .duration_us = dur, .max_flows = nflows};
    sg_fc_generator *g = NULL;
    sg_flow_writer *w = NULL;
    if (sg_fc_generator_create(m, &go, &g, &err) != SG_OK || sg_flow_writer_open(&w, flows_out, ofmt, &err) != SG_OK) {
        sg_fc_generator_destroy(g);
        sg_fc_model_destroy(m);
        return sg_cli_error("generate", &err);
    }
    sg_progress *pr = sg_progress_create("generate", nflows);
    sg_flow f;
    int r;
    uint64_t k = 0;
    while ((r = sg_fc_generator_next(g, &f, NULL)) == 1) {
        if (sg_flow_writer_write(w, &f, &err) != SG_OK) {
            r = -2;
            break;
        }
        if ((++k & 1023) == 0) sg_progress_update(pr, k);
    }
    sg_progress_destroy(pr);
    if (r == -1) sg_error_set(&err, SG_ERR_NOMEM, "out of memory while generating");
    if (r < 0 || sg_flow_writer_close(w, &err) != SG_OK) {
        if (r < 0) sg_flow_writer_abort(w);
        sg_fc_generator_destroy(g);
        sg_fc_model_destroy(m);
        return sg_cli_error("generate", &err);
    }
    if (!quiet) {
        fprintf(stderr, "secgen generate: %llu flows written to %s (%s layout)\n", (unsigned long long)k, flows_out,
                sg_flow_format_name(ofmt));
        if (nflows && k < nflows)
            fprintf(stderr, "secgen generate: note: the duration ended before %llu flows\n", (unsigned long long)nflows);
    }
    sg_fc_generator_destroy(g);
    sg_fc_model_destroy(m);
    return SG_EXIT_OK;
}
