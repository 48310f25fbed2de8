/* secgen detect --train REAL --synthetic SYNTH --test TEST [--labels L.csv] [-o report.json|.html|.txt]
 *               [--scores-out scores.csv] [--detectors LIST] [-s SEED] [-j N] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "secgen/detect.h"

static const char *CMD = "detect";

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: secgen detect --train REAL --synthetic SYNTH --test TEST [options]\n"
            "Anomaly detection utility of synthetic traffic: each detector is trained on the benign rows of\n"
            "REAL and, separately, of SYNTH, and scores the labelled TEST set (AUROC, and TPR/FPR/F1 at a\n"
            "threshold chosen on its own training data), per detector and per attack class. Inputs are flow\n"
            "CSVs (any layout secgen reads) or sequence CSVs (extract --sequences), all of one kind. TEST's\n"
            "ground truth: a label column (0/benign/normal/background = normal, anything else = the attack\n"
            "class) or --labels. See docs/detect.md.\n\n"
            "  -t, --train FILE        real training data (attack-labelled rows are left out)\n"
            "  -S, --synthetic FILE    synthetic training data\n"
            "  -T, --test FILE         labelled test data\n"
            "  -l, --labels FILE       id,label CSV for TEST (id = flow_id of a sequence, or 1-based data row)\n"
            "  -o, --output FILE       report; .json / .html / .txt by extension, else --format (default stdout)\n"
            "  -f, --format FMT        text (default), json or html\n"
            "      --scores-out FILE   CSV detector,trained_on,row,label,score (higher = more anomalous)\n"
            "  -d, --detectors LIST    knn,iforest,bn (flows), tadam,bigram (sequences) or all\n"
            "                          (default: every detector for the inputs' kind)\n"
            "  -s, --seed N            seed of the splits, subsamples and the forest (default 1)\n"
            "  -j, --threads N         worker threads (0 = all cores; results do not depend on it)\n"
            "      --quantile Q        threshold = Q-quantile of held-out training scores (default 0.99)\n"
            "      --calibration F     share of training rows held out for the threshold (default 0.2)\n"
            "      --max-train N       benign training rows kept per source, seeded subsample (default 20000)\n"
            "  -k, --neighbours K      k of the knn detector (default 5)\n"
            "      --trees N           isolation forest trees (default 100)\n"
            "      --subsample N       isolation forest sub-sample size (default 256)\n"
            "      --tadam-max-seq N   sequences per automaton (default 400)\n"
            "      --tadam-iters N     TADAM search iterations per automaton (default 60)\n"
            "      --tadam-timed       TADAM learns and scores IATs and payload sizes too (default symbols)\n"
            "  -q, --quiet             no progress output\n"
            "  -h, --help\n");
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int parse_frac(const char *opt, const char *val, double lo_excl, double hi, double *out)
{
    char *end;
    double v = strtod(val, &end);
    if (*val == '\0' || *end != '\0' || !(v > lo_excl && v <= hi))
        return sg_cli_usage_error(CMD, "%s must be a number in (%g, %g], got '%s'", opt, lo_excl, hi, val);
    *out = v;
    return 0;
}

int sg_cmd_detect(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"train", required_argument, 0, 't'},       {"synthetic", required_argument, 0, 'S'},
        {"test", required_argument, 0, 'T'},        {"labels", required_argument, 0, 'l'},
        {"output", required_argument, 0, 'o'},      {"format", required_argument, 0, 'f'},
        {"scores-out", required_argument, 0, 'O'},  {"detectors", required_argument, 0, 'd'},
        {"seed", required_argument, 0, 's'},        {"threads", required_argument, 0, 'j'},
        {"quantile", required_argument, 0, 'Q'},    {"calibration", required_argument, 0, 'C'},
        {"max-train", required_argument, 0, 'M'},   {"neighbours", required_argument, 0, 'k'},
        {"trees", required_argument, 0, 'R'},       {"subsample", required_argument, 0, 'P'},
        {"tadam-max-seq", required_argument, 0, 'X'}, {"tadam-iters", required_argument, 0, 'I'},
        {"tadam-timed", no_argument, 0, 'D'},      {"quiet", no_argument, 0, 'q'},             {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    sg_detect_opts o;
    sg_detect_opts_default(&o);
    const char *path[3] = {NULL, NULL, NULL}, *labels = NULL, *out = "-", *format = NULL, *scores = NULL;
    long long v;
    int c;
    sg_error err = {SG_OK, ""};
    optind = 1;
    while ((c = sg_cli_getopt(CMD, argc, argv, "t:S:T:l:o:f:d:s:j:k:qh", longopts)) != -1) {
        switch (c) {
        case 't': path[0] = optarg; break;
        case 'S': path[1] = optarg; break;
        case 'T': path[2] = optarg; break;
        case 'l': labels = optarg; break;
        case 'o': out = optarg; break;
        case 'O': scores = optarg; break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "html"))
                return sg_cli_usage_error(CMD, "--format must be text, json or html, got '%s'", optarg);
            format = optarg;
            break;
        case 'd':
            if (sg_detect_parse_list(optarg, &o.detectors, &err)) return sg_cli_usage_error(CMD, "%s", err.msg);
            break;
        case 's':
            if (sg_cli_parse_u64(CMD, "--seed", optarg, &o.seed)) return SG_EXIT_USAGE;
            break;
        case 'j':
            if (sg_cli_parse_int(CMD, "--threads", optarg, 0, 4096, &v)) return SG_EXIT_USAGE;
            sg_threads_set((int)v);
            break;
        case 'Q':
            if (parse_frac("--quantile", optarg, 0, 1, &o.quantile)) return SG_EXIT_USAGE;
            break;
        case 'C':
            if (parse_frac("--calibration", optarg, 0, 0.9, &o.calib_frac)) return SG_EXIT_USAGE;
            break;
        case 'M':
            if (sg_cli_parse_int(CMD, "--max-train", optarg, 0, 100000000, &v)) return SG_EXIT_USAGE;
            o.max_train = (size_t)v;
            break;
        case 'k':
            if (sg_cli_parse_int(CMD, "--neighbours", optarg, 1, 63, &v)) return SG_EXIT_USAGE;
            o.knn_k = (int)v;
            break;
        case 'R':
            if (sg_cli_parse_int(CMD, "--trees", optarg, 1, 100000, &v)) return SG_EXIT_USAGE;
            o.trees = (int)v;
            break;
        case 'P':
            if (sg_cli_parse_int(CMD, "--subsample", optarg, 2, 1000000, &v)) return SG_EXIT_USAGE;
            o.subsample = (size_t)v;
            break;
        case 'X':
            if (sg_cli_parse_int(CMD, "--tadam-max-seq", optarg, 2, 10000000, &v)) return SG_EXIT_USAGE;
            o.tadam_max_seq = (size_t)v;
            break;
        case 'I':
            if (sg_cli_parse_int(CMD, "--tadam-iters", optarg, 0, 100000, &v)) return SG_EXIT_USAGE;
            o.tadam_max_iters = (unsigned)v;
            break;
        case 'D': o.tadam_timed = 1; break;
        case 'q': o.quiet = 1; sg_progress_set_quiet(1); break;
        case 'h': help(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind < argc) return sg_cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    static const char *const opt_of[3] = {"--train REAL", "--synthetic SYNTH", "--test TEST"};
    for (int i = 0; i < 3; i++)
        if (!path[i]) return sg_cli_usage_error(CMD, "%s is required", opt_of[i]);
    if (!format) format = ends_with(out, ".json") ? "json" : ends_with(out, ".html") || ends_with(out, ".htm") ? "html" : "text";

    sg_detect_data *d[3] = {NULL, NULL, NULL};
    sg_detect_result *res = NULL;
    sg_status st = SG_OK;
    for (int i = 0; i < 3 && st == SG_OK; i++) st = sg_detect_data_load(path[i], &d[i], &err);
    if (st == SG_OK && labels) st = sg_detect_data_apply_labels(d[2], labels, &err);
    if (st == SG_OK) st = sg_detect_run(d[0], d[1], d[2], &o, &res, &err);
    if (st == SG_OK && scores) st = sg_detect_write_scores(res, scores, &err);
    if (st == SG_OK) {
        sg_detect_report_info info = {path[0], path[1], path[2]};
        sg_outfile *of;
        st = sg_outfile_open(&of, out, &err);
        if (st == SG_OK) {
            FILE *fp = sg_outfile_fp(of);
            if (!strcmp(format, "json")) st = sg_detect_write_json(res, &info, fp, &err);
            else if (!strcmp(format, "html")) st = sg_detect_write_html(res, &info, fp, &err);
            else st = sg_detect_write_text(res, &info, fp, &err);
            if (st == SG_OK) st = sg_outfile_commit(of, &err);
            else sg_outfile_abort(of);
        }
    }
    sg_detect_result_destroy(res);
    for (int i = 0; i < 3; i++) sg_detect_data_destroy(d[i]);
    return st == SG_OK ? SG_EXIT_OK : sg_cli_error(CMD, &err);
}
