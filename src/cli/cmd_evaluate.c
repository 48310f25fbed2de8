/* secgen evaluate REAL.csv SYNTH.csv [--train TRAIN.csv] [--config net.yaml] [--format text|json|html] [-o FILE] */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "secgen/eval.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"

static const char *CMD = "evaluate";

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: secgen evaluate REAL.csv SYNTH.csv [options]\n"
            "Fidelity of synthetic flows against real flows: the FlowChronicle paper's metrics\n"
            "(Density, Coverage, CMD, PCD, EMD, JSD, DKC, MD) plus flows-per-hour, inter-arrival and\n"
            "ACF distances, and realism findings with an ok / WARN / FAIL verdict each: quantiles and\n"
            "totals of bytes, packets and duration, flows over 10k packets, time span and bursts of\n"
            "the flow starts, per-rule DKC rates, containment in a network config. Any flow layout\n"
            "secgen reads (native, CIDDS-001, Argus, UGR'16, NetShare); definitions and thresholds in\n"
            "docs/metrics.md.\n\n"
            "  -m, --metrics LIST     comma list of density,coverage,cmd,pcd,emd,jsd,dkc,md,fph,iat,acf,\n"
            "                         tails,bursts,rules,config, or the groups paper / realism / all\n"
            "                         (default all: every metric whose inputs are given; md needs\n"
            "                         --train, config needs --config)\n"
            "  -t, --train FILE       generator's training flows: enables MD (members)\n"
            "  -c, --config FILE      network config (YAML/JSON, as for generate): containment findings\n"
            "      --holdout FILE     non-members for MD (default: REAL, which must differ from --train)\n"
            "  -f, --format FMT       text (default), json or html\n"
            "  -o, --output FILE      write the report there (atomic; default stdout)\n"
            "  -s, --seed N           sampling seed (default 1)\n"
            "  -j, --threads N        worker threads (0 = all cores; results do not depend on it)\n"
            "  -r, --repetitions N    repetitions of the sampling protocol (default 20)\n"
            "      --sample N         rows drawn per table and repetition (default 10000)\n"
            "      --md-sample N      rows per group for MD (default 500)\n"
            "  -k, --neighbours K     k of Density/Coverage (default 5)\n"
            "      --dkc paper|corrected   DKC variant (default paper)\n"
            "      --dns-addr A       DKC rule 12 resolver address (default DNS, as in CIDDS-001)\n"
            "      --mdns-addr A      DKC rule 13 mDNS address (default 10008_251)\n"
            "      --shift-synth DUR  add DUR (e.g. -7d) to synthetic start times\n"
            "      --align-start      shift synthetic times so both tables start together\n"
            "      --real-format F / --synth-format F   input layout (default auto)\n"
            "      --timings          print the metrics' wall times on stderr\n"
            "  -q, --quiet            no progress output\n"
            "  -h, --help\n");
}

static sg_status read_table(const char *path, sg_flow_format fmt, sg_flow_table *t, sg_error *err)
{
    sg_flow_read_opts ro = {0};
    ro.format = fmt;
    sg_flow_table_init(t);
    sg_status st = sg_flow_read(path, &ro, t, err);
    if (st != SG_OK) return st;
    if (t->n == 0) return sg_error_set(err, SG_ERR_EMPTY, "%s: no flows", path);
    return SG_OK;
}

static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!strcmp(a, b)) return 1;
    if (!realpath(a, ra) || !realpath(b, rb)) return 0;
    return strcmp(ra, rb) == 0;
}

int sg_cmd_evaluate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"train", required_argument, 0, 't'},       {"holdout", required_argument, 0, 'H'},
        {"format", required_argument, 0, 'f'},      {"output", required_argument, 0, 'o'},
        {"seed", required_argument, 0, 's'},        {"threads", required_argument, 0, 'j'},
        {"repetitions", required_argument, 0, 'r'}, {"sample", required_argument, 0, 'S'},
        {"md-sample", required_argument, 0, 'M'},   {"neighbours", required_argument, 0, 'k'},
        {"dkc", required_argument, 0, 'D'},         {"dns-addr", required_argument, 0, 'N'},
        {"mdns-addr", required_argument, 0, 'A'},   {"shift-synth", required_argument, 0, 'T'},
        {"align-start", no_argument, 0, 'a'},       {"real-format", required_argument, 0, 'R'},
        {"synth-format", required_argument, 0, 'Y'}, {"quiet", no_argument, 0, 'q'},
        {"timings", no_argument, 0, 'W'},           {"metrics", required_argument, 0, 'm'},
        {"config", required_argument, 0, 'c'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    sg_eval_opts eo;
    sg_eval_opts_default(&eo);
    const char *train = NULL, *holdout = NULL, *out = "-", *format = "text", *config = NULL;
    sg_flow_format rfmt = SG_FMT_AUTO, sfmt = SG_FMT_AUTO;
    long long v;
    int c, timings = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:c:f:o:s:j:r:k:m:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 't': train = optarg; break;
        case 'c': config = optarg; break;
        case 'H': holdout = optarg; break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "html"))
                return sg_cli_usage_error(CMD, "--format must be text, json or html, got '%s'", optarg);
            format = optarg;
            break;
        case 'o': out = optarg; break;
        case 's':
            if (sg_cli_parse_u64(CMD, "--seed", optarg, &eo.seed)) return SG_EXIT_USAGE;
            break;
        case 'j':
            if (sg_cli_parse_int(CMD, "--threads", optarg, 0, 4096, &v)) return SG_EXIT_USAGE;
            sg_threads_set((int)v);
            break;
        case 'r':
            if (sg_cli_parse_int(CMD, "--repetitions", optarg, 1, 100000, &v)) return SG_EXIT_USAGE;
            eo.repetitions = (unsigned)v;
            break;
        case 'S':
            if (sg_cli_parse_int(CMD, "--sample", optarg, 1, 100000000, &v)) return SG_EXIT_USAGE;
            eo.sample_size = (size_t)v;
            break;
        case 'M':
            if (sg_cli_parse_int(CMD, "--md-sample", optarg, 1, 100000, &v)) return SG_EXIT_USAGE;
            eo.md_sample = (size_t)v;
            break;
        case 'k':
            if (sg_cli_parse_int(CMD, "--neighbours", optarg, 1, 63, &v)) return SG_EXIT_USAGE;
            eo.k = (int)v;
            break;
        case 'D':
            if (!strcmp(optarg, "paper")) eo.dkc.corrected = 0;
            else if (!strcmp(optarg, "corrected")) eo.dkc.corrected = 1;
            else return sg_cli_usage_error(CMD, "--dkc must be paper or corrected, got '%s'", optarg);
            break;
        case 'N': eo.dkc.dns_addr = optarg; break;
        case 'A': eo.dkc.mdns_addr = optarg; break;
        case 'T': {
            const char *s = optarg;
            int neg = s[0] == '-';
            int64_t us;
            if (sg_cli_parse_duration(CMD, "--shift-synth", s + (neg || s[0] == '+'), &us)) return SG_EXIT_USAGE;
            eo.synth_shift_us = neg ? -us : us;
            break;
        }
        case 'a': eo.align_start = 1; break;
        case 'R':
        case 'Y':
            if (sg_flow_format_parse(optarg, c == 'R' ? &rfmt : &sfmt))
                return sg_cli_usage_error(CMD, "unknown flow format '%s'", optarg);
            break;
        case 'q': sg_progress_set_quiet(1); break;
        case 'W': timings = 1; break;
        case 'm': {
            sg_error e2 = {0};
            if (sg_eval_metrics_parse(optarg, &eo.metrics, &eo.required, &e2))
                return sg_cli_usage_error(CMD, "--metrics: %s", e2.msg);
            break;
        }
        case 'h': help(stdout); return SG_EXIT_OK;
        case ':': return sg_cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
        default: return sg_cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2) return sg_cli_usage_error(CMD, "expected REAL.csv and SYNTH.csv");
    const char *real = argv[optind], *synth = argv[optind + 1];
    if ((eo.required & SG_EM_MD) && !train)
        return sg_cli_usage_error(CMD, "MD (membership disclosure) needs the generator's training data: pass --train TRAIN.csv");
    if ((eo.required & SG_EM_CONFIG) && !config)
        return sg_cli_usage_error(CMD, "the containment findings (config) need the network config: pass --config net.yaml");
    if (holdout && !train) return sg_cli_usage_error(CMD, "--holdout is the MD non-member set: it needs --train");
    if (train && !holdout && same_file(train, real))
        return sg_cli_usage_error(CMD, "MD needs non-members: REAL is the --train file itself; pass --holdout FILE");
    if (train && holdout && same_file(train, holdout))
        return sg_cli_usage_error(CMD, "--holdout must not be the --train file");

    sg_error err = {0};
    sg_flow_table tr, ts, tt, th;
    sg_flow_table_init(&tr);
    sg_flow_table_init(&ts);
    sg_flow_table_init(&tt);
    sg_flow_table_init(&th);
    sg_eval *e = NULL;
    sg_outfile *of = NULL;
    sg_netcfg *cfg = NULL;
    sg_status st = SG_OK;
    if (config) {
        st = sg_netcfg_load(config, &cfg, &err);
        eo.netcfg = cfg;
    }
    if (st == SG_OK) st = read_table(real, rfmt, &tr, &err);
    if (st == SG_OK) st = read_table(synth, sfmt, &ts, &err);
    if (st == SG_OK && train) st = read_table(train, rfmt, &tt, &err);
    if (st == SG_OK && holdout) st = read_table(holdout, rfmt, &th, &err);
    if (st == SG_OK) st = sg_eval_create(&e, &tr, &ts, train ? &tt : NULL, holdout ? &th : NULL, &eo, &err);
    if (st == SG_OK) st = sg_eval_run(e, &err);
    if (st == SG_OK && timings)
        fprintf(stderr, "metrics: %.3f s, of which Density/Coverage %.3f s (%zu x %zu rows, %u computed repetitions, %d threads)\n",
                sg_eval_get_result(e)->secs_total, sg_eval_get_result(e)->secs_knn, sg_eval_get_result(e)->sample_real,
                sg_eval_get_result(e)->sample_synth, sg_eval_get_result(e)->reps_computed, sg_threads_get());
    if (st == SG_OK) st = sg_outfile_open(&of, out, &err);
    if (st == SG_OK) {
        sg_eval_report_info info = {real, synth, train, holdout};
        if (!strcmp(format, "json")) st = sg_eval_write_json(e, &info, sg_outfile_fp(of), &err);
        else if (!strcmp(format, "html")) st = sg_eval_write_html(e, &info, sg_outfile_fp(of), &err);
        else st = sg_eval_write_text(e, &info, sg_outfile_fp(of), &err);
        if (st == SG_OK) st = sg_outfile_commit(of, &err);
        else sg_outfile_abort(of);
    }
    sg_eval_destroy(e);
    sg_netcfg_destroy(cfg);
    sg_flow_table_free(&tr);
    sg_flow_table_free(&ts);
    sg_flow_table_free(&tt);
    sg_flow_table_free(&th);
    return st == SG_OK ? SG_EXIT_OK : sg_cli_error(CMD, &err);
}
