/* secgen baseline independent-bn|sequence-bn FLOWS.csv -n N -o synth.csv [-s SEED] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "secgen/eval.h"
#include "secgen/flow.h"

static const char *CMD = "baseline";

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: secgen baseline independent-bn|sequence-bn FLOWS.csv -n N -o synth.csv [options]\n"
            "Baseline generators of the FlowChronicle paper on the shared Bayesian-network module:\n"
            "  independent-bn  one BN over the columns of a flow; flows independent\n"
            "  sequence-bn     one BN over windows of consecutive flows (+ binned gaps)\n\n"
            "  -n, --flows N          flows to generate (required)\n"
            "  -o, --output FILE      output CSV (atomic; '-' = stdout)\n"
            "  -s, --seed N           seed (default 1)\n"
            "  -f, --format FMT       output layout: native (default) or cidds\n"
            "      --input-format F   input layout (default auto)\n"
            "  -w, --window N         sequence-bn slices (default 5)\n"
            "      --max-parents N    BN max in-degree (default 3)\n"
            "      --bins N           equal-frequency bins of numeric columns (default 40)\n"
            "  -h, --help\n");
}

int sg_cmd_baseline(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"flows", required_argument, 0, 'n'},     {"output", required_argument, 0, 'o'},
        {"seed", required_argument, 0, 's'},      {"format", required_argument, 0, 'f'},
        {"input-format", required_argument, 0, 'I'}, {"window", required_argument, 0, 'w'},
        {"max-parents", required_argument, 0, 'P'}, {"bins", required_argument, 0, 'B'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    sg_baseline_opts bo;
    sg_baseline_opts_default(&bo);
    const char *out = NULL;
    int have_n = 0;
    sg_flow_format ofmt = SG_FMT_NATIVE, ifmt = SG_FMT_AUTO;
    long long v;
    int c;
    optind = 1;
    while ((c = sg_cli_getopt(CMD, argc, argv, "n:o:s:f:w:h", longopts)) != -1) {
        switch (c) {
        case 'n':
            if (sg_cli_parse_int(CMD, "--flows", optarg, 1, 1000000000LL, &v)) return SG_EXIT_USAGE;
            bo.n = (size_t)v;
            have_n = 1;
            break;
        case 'o': out = optarg; break;
        case 's':
            if (sg_cli_parse_u64(CMD, "--seed", optarg, &bo.seed)) return SG_EXIT_USAGE;
            break;
        case 'f':
            if (sg_flow_format_parse(optarg, &ofmt) || (ofmt != SG_FMT_NATIVE && ofmt != SG_FMT_CIDDS))
                return sg_cli_usage_error(CMD, "--format must be native or cidds, got '%s'", optarg);
            break;
        case 'I':
            if (sg_flow_format_parse(optarg, &ifmt)) return sg_cli_usage_error(CMD, "unknown flow format '%s'", optarg);
            break;
        case 'w':
            if (sg_cli_parse_int(CMD, "--window", optarg, 2, 64, &v)) return SG_EXIT_USAGE;
            bo.window = (int)v;
            break;
        case 'P':
            if (sg_cli_parse_int(CMD, "--max-parents", optarg, 1, 16, &v)) return SG_EXIT_USAGE;
            bo.max_parents = (int)v;
            break;
        case 'B':
            if (sg_cli_parse_int(CMD, "--bins", optarg, 1, 100000, &v)) return SG_EXIT_USAGE;
            bo.nbins = (int)v;
            break;
        case 'h': help(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (argc - optind != 2) return sg_cli_usage_error(CMD, "expected a baseline (independent-bn|sequence-bn) and FLOWS.csv");
    if (sg_baseline_kind_parse(argv[optind], &bo.kind))
        return sg_cli_usage_error(CMD, "unknown baseline '%s' (independent-bn or sequence-bn)", argv[optind]);
    if (!have_n) return sg_cli_usage_error(CMD, "-n N (number of flows) is required");
    if (!out) return sg_cli_usage_error(CMD, "-o FILE is required");

    sg_error err = {0};
    sg_flow_table in, gen;
    sg_flow_table_init(&in);
    sg_flow_table_init(&gen);
    sg_flow_read_opts ro = {0};
    ro.format = ifmt;
    sg_status st = sg_flow_read(argv[optind + 1], &ro, &in, &err);
    if (st == SG_OK && in.n == 0) st = sg_error_set(&err, SG_ERR_EMPTY, "%s: no flows", argv[optind + 1]);
    if (st == SG_OK) {
        st = sg_baseline_generate(&in, &bo, &gen, &err);
        if (st != SG_OK) sg_error_prefix(&err, "%s: ", argv[optind + 1]);
    }
    if (st == SG_OK) st = sg_flow_write(out, &gen, ofmt, &err);
    sg_flow_table_free(&in);
    sg_flow_table_free(&gen);
    return st == SG_OK ? SG_EXIT_OK : sg_cli_error(CMD, &err);
}
