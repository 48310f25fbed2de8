/* secgen automata score / sample / show / convert: options -> the tadam library (score CSV,
 * sample CSV, views, format conversion). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/automata.h"
#include "cli/cli.h"
#include "secgen/tadam.h"

int sg_automata_score(int argc, char **argv)
{
    const char *out = NULL;
    unsigned flags = 0;
    sg_tadam_format fmt = SG_TADAM_FMT_AUTO;
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"format", required_argument, 0, 'f'},
                                       {"untimed", no_argument, 0, 'U'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = sg_cli_getopt("automata score", argc, argv, "o:h", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &fmt)) return sg_cli_usage_error(CMD, "--format expects auto, secgen or fosr");
            break;
        case 'U': flags |= SG_TADAM_SCORE_UNTIMED; break;
        case 'h': sg_automata_usage(stdout, "score"); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind + 2 != argc) return sg_cli_usage_error(CMD, "score expects MODEL and SEQUENCES.csv");
    if (!out) out = "-";
    sg_error err = {0};
    sg_tadam_set *ms = NULL;
    if (sg_tadam_set_load_path(argv[optind], fmt, &ms, &err) != SG_OK) return sg_cli_error(CMD, &err);
    sg_seq_set *set = NULL;
    int rc = SG_EXIT_OK;
    size_t missing = 0;
    if (sg_automata_load_seqs(argv[optind + 1], &set, &err) != SG_OK ||
        sg_tadam_score_csv(ms, set, flags, out, &missing, &err) != SG_OK)
        rc = sg_cli_error(CMD, &err);
    if (missing) fprintf(stderr, "secgen automata: %zu sequences had no matching automaton\n", missing);
    sg_seq_set_destroy(set);
    sg_tadam_set_destroy(ms);
    return rc;
}

int sg_automata_sample(int argc, char **argv)
{
    const char *out = NULL;
    sg_tadam_format fmt = SG_TADAM_FMT_AUTO;
    long long n = -1, maxlen = 1000, fwd = -1, bwd = -1;
    uint64_t seed = 1;
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},  {"count", required_argument, 0, 'n'},
                                       {"seed", required_argument, 0, 's'},    {"max-len", required_argument, 0, 'L'},
                                       {"fwd", required_argument, 0, 'F'},     {"bwd", required_argument, 0, 'B'},
                                       {"format", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = sg_cli_getopt("automata sample", argc, argv, "o:n:s:h", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'n':
            if (sg_cli_parse_int(CMD, "-n", optarg, 0, 1000000000LL, &n)) return SG_EXIT_USAGE;
            break;
        case 's':
            if (sg_cli_parse_u64(CMD, "-s", optarg, &seed)) return SG_EXIT_USAGE;
            break;
        case 'L':
            if (sg_cli_parse_int(CMD, "--max-len", optarg, 1, 1000000, &maxlen)) return SG_EXIT_USAGE;
            break;
        case 'F':
            if (sg_cli_parse_int(CMD, "--fwd", optarg, 0, 4096, &fwd)) return SG_EXIT_USAGE;
            break;
        case 'B':
            if (sg_cli_parse_int(CMD, "--bwd", optarg, 0, 4096, &bwd)) return SG_EXIT_USAGE;
            break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &fmt)) return sg_cli_usage_error(CMD, "--format expects auto, secgen or fosr");
            break;
        case 'h': sg_automata_usage(stdout, "sample"); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind + 1 != argc) return sg_cli_usage_error(CMD, "sample expects one MODEL.json");
    if (n < 0) return sg_cli_usage_error(CMD, "sample needs -n N");
    if (!out) out = "-";
    sg_error err = {0};
    sg_tadam_model *m = NULL;
    if (sg_tadam_model_load(argv[optind], fmt, &m, &err) != SG_OK) return sg_cli_error(CMD, &err);
    sg_tadam_sample_opts so;
    sg_tadam_sample_opts_init(&so);
    so.max_len = (size_t)maxlen;
    so.target_fwd = fwd;
    so.target_bwd = bwd;
    if ((fwd >= 0 || bwd >= 0) &&
        sg_tadam_model_prepare(m, fwd > 128 ? (size_t)fwd : 0, bwd > 128 ? (size_t)bwd : 0, &err) != SG_OK) {
        sg_tadam_model_destroy(m);
        return sg_cli_error(CMD, &err);
    }
    size_t truncated = 0;
    int rc = SG_EXIT_OK;
    if (sg_tadam_sample_csv(m, seed, (size_t)n, &so, out, &truncated, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
    if (truncated) fprintf(stderr, "secgen automata: %zu sequences truncated at --max-len %lld\n", truncated, maxlen);
    sg_tadam_model_destroy(m);
    return rc;
}

int sg_automata_show(int argc, char **argv)
{
    int dot = 0;
    sg_tadam_format fmt = SG_TADAM_FMT_AUTO;
    static const struct option lo[] = {
        {"dot", no_argument, 0, 'd'}, {"format", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = sg_cli_getopt("automata show", argc, argv, "h", lo)) != -1) {
        switch (c) {
        case 'd': dot = 1; break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &fmt)) return sg_cli_usage_error(CMD, "--format expects auto, secgen or fosr");
            break;
        case 'h': sg_automata_usage(stdout, "show"); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind + 1 != argc) return sg_cli_usage_error(CMD, "show expects one MODEL.json");
    sg_error err = {0};
    sg_tadam_model *m = NULL;
    if (sg_tadam_model_load(argv[optind], fmt, &m, &err) != SG_OK) return sg_cli_error(CMD, &err);
    sg_status st = dot ? sg_tadam_model_print_dot(m, stdout) : sg_tadam_model_print(m, stdout);
    sg_tadam_model_destroy(m);
    if (st != SG_OK) {
        sg_error_set(&err, st, "cannot write to stdout");
        return sg_cli_error(CMD, &err);
    }
    return SG_EXIT_OK;
}

int sg_automata_convert(int argc, char **argv)
{
    sg_tadam_format to = SG_TADAM_FMT_AUTO, from = SG_TADAM_FMT_AUTO;
    static const struct option lo[] = {{"to", required_argument, 0, 't'},
                                       {"from", required_argument, 0, 'F'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = sg_cli_getopt("automata convert", argc, argv, "h", lo)) != -1) {
        switch (c) {
        case 't':
            if (sg_tadam_format_parse(optarg, &to) || to == SG_TADAM_FMT_AUTO)
                return sg_cli_usage_error(CMD, "--to expects fosr or secgen");
            break;
        case 'F':
            if (sg_tadam_format_parse(optarg, &from)) return sg_cli_usage_error(CMD, "--from expects auto, fosr or secgen");
            break;
        case 'h': sg_automata_usage(stdout, "convert"); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind + 2 != argc) return sg_cli_usage_error(CMD, "convert expects IN.json OUT.json");
    if (to == SG_TADAM_FMT_AUTO) return sg_cli_usage_error(CMD, "convert needs --to fosr|secgen");
    sg_error err = {0};
    sg_tadam_model *m = NULL;
    if (sg_tadam_model_load(argv[optind], from, &m, &err) != SG_OK) return sg_cli_error(CMD, &err);
    int rc = SG_EXIT_OK;
    if (sg_tadam_model_save(m, argv[optind + 1], to, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
    sg_tadam_model_destroy(m);
    return rc;
}
