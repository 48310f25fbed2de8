/* secgen learn: FlowChronicle flow model from a flow CSV (docs/flowchronicle.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "secgen/fc.h"
#include "secgen/flow.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: secgen learn FLOWS.csv -o model.json [options]\n"
            "Learn a FlowChronicle model (MDL pattern set + Bayesian networks) from flows.\n\n"
            "  -o, --output FILE        model JSON to write (atomic)\n"
            "  -f, --format FMT         auto|native|cidds|argus|ugr16|netshare (default auto)\n"
            "  -w, --time-window S      max delay between consecutive flows of a pattern\n"
            "                           (e.g. 30s, 2m; default unlimited)\n"
            "  -p, --max-patterns N     stop after N patterns (default unlimited)\n"
            "      --chunk N|auto|off   search slices of about N flows, then try their patterns on all\n"
            "                           flows (auto: exact search up to 16384 flows, slices of 4096\n"
            "                           beyond; off: always exact; docs/flowchronicle.md \"Scaling\")\n"
            "      --sample N|auto|off  beyond N flows (auto: 32768) search evenly spaced slices\n"
            "                           totalling about N flows; their patterns cover all flows\n"
            "  -j, --threads N          worker threads (default all cores; output identical)\n"
            "  -s, --seed N             accepted for symmetry: learning uses no randomness\n"
            "      --skip-bad           skip malformed rows instead of failing\n"
            "      --pair               one-way layouts (cidds, ugr16, netshare): pair each record with its\n"
            "                           reverse and learn connections (both directions)\n"
            "      --describe K         print the model summary with its top K patterns\n"
            "  -q, --quiet              no progress messages\n"
            "  -h, --help\n");
}

/* training data longer than this is probably several captures of different periods */
#define SPAN_WARN_US (366LL * 86400 * 1000000)

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "secgen learn: %s\n", line);
}

int sg_cmd_learn(int argc, char **argv)
{
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"format", required_argument, 0, 'f'},
                                       {"time-window", required_argument, 0, 'w'},
                                       {"max-patterns", required_argument, 0, 'p'},
                                       {"threads", required_argument, 0, 'j'},
                                       {"seed", required_argument, 0, 's'},
                                       {"skip-bad", no_argument, 0, 'B'},
                                       {"pair", no_argument, 0, 'P'},
                                       {"describe", required_argument, 0, 'D'},
                                       {"chunk", required_argument, 0, 'C'},
                                       {"sample", required_argument, 0, 'S'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *out = NULL;
    sg_flow_format fmt = SG_FMT_AUTO;
    int64_t window_us = 0;
    long long maxpat = 0, threads = 0, describe = -1;
    size_t chunk = 0, sample = 0;
    uint64_t seed = 0;
    int quiet = 0, skip_bad = 0, pair = 0, c;
    optind = 1;
    while ((c = sg_cli_getopt("learn", argc, argv, "o:f:w:p:j:s:qh", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if (sg_flow_format_parse(optarg, &fmt) != 0)
                return sg_cli_usage_error("learn", "unknown format '%s' (auto|native|cidds|argus|ugr16|netshare)", optarg);
            break;
        case 'w':
            if (sg_cli_parse_duration("learn", "--time-window", optarg, &window_us)) return SG_EXIT_USAGE;
            if (window_us <= 0) return sg_cli_usage_error("learn", "--time-window must be positive");
            break;
        case 'p':
            if (sg_cli_parse_int("learn", "--max-patterns", optarg, 1, 100000000, &maxpat)) return SG_EXIT_USAGE;
            break;
        case 'j':
            if (sg_cli_parse_int("learn", "-j", optarg, 0, 1024, &threads)) return SG_EXIT_USAGE;
            break;
        case 'C':
            if (!strcmp(optarg, "auto")) chunk = 0;
            else if (!strcmp(optarg, "off")) chunk = SIZE_MAX;
            else {
                long long ck;
                if (sg_cli_parse_int("learn", "--chunk", optarg, 256, 1000000000, &ck)) return SG_EXIT_USAGE;
                chunk = (size_t)ck;
            }
            break;
        case 'S':
            if (!strcmp(optarg, "auto")) sample = 0;
            else if (!strcmp(optarg, "off")) sample = SIZE_MAX;
            else {
                long long sv;
                if (sg_cli_parse_int("learn", "--sample", optarg, 1024, 1000000000, &sv)) return SG_EXIT_USAGE;
                sample = (size_t)sv;
            }
            break;
        case 's':
            if (sg_cli_parse_u64("learn", "--seed", optarg, &seed)) return SG_EXIT_USAGE;
            break;
        case 'B': skip_bad = 1; break;
        case 'P': pair = 1; break;
        case 'D':
            if (sg_cli_parse_int("learn", "--describe", optarg, 0, 1000000, &describe)) return SG_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind != argc - 1) return sg_cli_usage_error("learn", "exactly one input flow CSV expected");
    if (!out) return sg_cli_usage_error("learn", "-o model.json is required");
    const char *in = argv[optind];
    sg_progress_set_quiet(quiet);
    if (threads > 0) sg_threads_set((int)threads);
    sg_error err = {0};
    sg_flow_table t;
    sg_flow_table_init(&t);
    sg_flow_read_opts ro = {.format = fmt, .skip_bad = skip_bad};
    if (sg_flow_read(in, &ro, &t, &err) != SG_OK) {
        sg_flow_table_free(&t);
        return sg_cli_error("learn", &err);
    }
    if (!quiet && ro.skipped) fprintf(stderr, "secgen learn: warning: %zu malformed rows skipped\n", ro.skipped);
    if (!quiet && ro.dateless)
        fprintf(stderr,
                "secgen learn: warning: %s: StartTime is a time of day without a date (ra's default): flows are "
                "dated from 1970-01-01; run ra with -u (epoch seconds) to keep the dates\n",
                in);
    if (!quiet && ro.no_duration)
        fprintf(stderr,
                "secgen learn: warning: %s has no Dur or LastTime column: every duration is 0; add them with "
                "ra -s +dur (or +ltime)\n",
                in);
    if (t.n == 0) {
        sg_flow_table_free(&t);
        sg_error_set(&err, SG_ERR_EMPTY, "%s: no flows (only a header?)", in);
        return sg_cli_error("learn", &err);
    }
    int64_t first, last;
    if (!quiet && sg_flow_table_span(&t, &first, &last) && last - first > SPAN_WARN_US) {
        /* captures of different periods concatenated (e.g. a collection of sample pcaps): the
         * model's hours, weekdays and gaps then describe no real network */
        char a[40], b[40];
        sg_time_format(first, a, sizeof a);
        sg_time_format(last, b, sizeof b);
        fprintf(stderr,
                "secgen learn: warning: %s spans %.1f years (%.10s to %.10s); a flow model learns the times of "
                "day, the weekdays and the gaps of one network's traffic: learn from one capture period\n",
                in, (double)(last - first) / (365.25 * 86400e6), a, b);
    }
    int oneway = t.format == SG_FMT_CIDDS || t.format == SG_FMT_UGR16 || t.format == SG_FMT_NETSHARE;
    if (pair && oneway) {
        sg_flow_pair_stats ps;
        if (sg_flow_pair_oneway(&t, &ps, &err) != SG_OK) {
            sg_flow_table_free(&t);
            return sg_cli_error("learn", &err);
        }
        if (!quiet)
            fprintf(stderr, "secgen learn: paired %zu of %zu one-way records into %zu connections; %zu kept one-way, %zu server halves mirrored\n",
                    2 * ps.pairs, ps.records, ps.pairs, ps.unpaired, ps.mirrored);
    } else if (pair && !quiet) {
        fprintf(stderr, "secgen learn: --pair: %s is already bidirectional (%s layout)\n", in, sg_flow_format_name(t.format));
    }
    sg_fc_learn_opts o = {.paired = pair && oneway,
                          .time_window_s = (double)window_us / 1e6,
                          .max_patterns = (size_t)maxpat,
                          .chunk = chunk,
                          .sample = sample,
                          .threads = (int)threads,
                          .source = in,
                          .log = quiet ? NULL : log_line};
    sg_fc_model *m = NULL;
    sg_fc_learn_stats st;
    if (sg_fc_learn(t.flows, t.n, t.format, &o, &m, &st, &err) != SG_OK) {
        sg_flow_table_free(&t);
        return sg_cli_error("learn", &err);
    }
    sg_flow_table_free(&t);
    if (!quiet && st.input_was_unsorted)
        fprintf(stderr, "secgen learn: warning: %s is not sorted by start time; flows were sorted (stable) first\n", in);
    if (sg_fc_model_save(m, out, &err) != SG_OK) {
        sg_fc_model_destroy(m);
        return sg_cli_error("learn", &err);
    }
    if (!quiet)
        fprintf(stderr,
                "secgen learn: %s: %zu flows -> %zu patterns (%zu flows covered) in %.2f s; description length %.1f "
                "bits (model %.1f + data %.1f), %.1f without patterns, compression ratio %.4f\n",
                out, st.flows, st.patterns, st.covered_flows, st.seconds, st.total_bits, st.model_bits, st.data_bits,
                st.empty_total_bits, st.compression_ratio);
    if (describe >= 0) sg_fc_model_describe(m, stdout, (size_t)describe);
    sg_fc_model_destroy(m);
    return SG_EXIT_OK;
}
