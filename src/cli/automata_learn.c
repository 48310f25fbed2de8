/* secgen automata learn: options -> sg_tadam_learn_dir (src/tadam/train.c), one line per group. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/automata.h"
#include "cli/cli.h"
#include "secgen/tadam.h"

static int parse_noise_ops(const char *s, unsigned *out)
{
    unsigned m = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "add")) m |= SG_TADAM_NOISE_ADD;
        else if (!strcmp(tok, "dup")) m |= SG_TADAM_NOISE_DUP;
        else if (!strcmp(tok, "swap")) m |= SG_TADAM_NOISE_SWAP;
        else if (!strcmp(tok, "del")) m |= SG_TADAM_NOISE_DEL;
        else if (!strcmp(tok, "none")) m |= 0;
        else return -1;
    }
    *out = m;
    return 0;
}

static void print_group(const sg_tadam_group_report *r, void *ctx)
{
    const sg_tadam_dir_opts *o = ctx;
    if (r->skipped) {
        fprintf(stderr, "secgen automata: %s: %zu sequences < --min-sequences %zu, skipped\n", r->name, r->n_sequences,
                o->min_sequences);
        return;
    }
    fprintf(stderr, "secgen automata: %s: %zu sequences -> %zu states, %zu edges, %.1f bits", r->name, r->n_train,
            r->n_states, r->n_edges, r->bits);
    if (r->n_holdout)
        fprintf(stderr, "; held-out %zu: %.3f bits/event (symbols only %.3f, bigram %.3f)", r->n_holdout,
                r->holdout_bits_per_event[0], r->holdout_bits_per_event[1], r->holdout_bits_per_event[2]);
    fputc('\n', stderr);
}

int sg_automata_learn(int argc, char **argv)
{
    const char *out = NULL;
    long long v, jobs = 0;
    sg_tadam_dir_opts o;
    sg_tadam_dir_opts_init(&o);
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"by", required_argument, 0, 'b'},
                                       {"min-sequences", required_argument, 0, 'm'},
                                       {"max-sequences", required_argument, 0, 'M'},
                                       {"max-words", required_argument, 0, 'W'},
                                       {"max-iters", required_argument, 0, 'I'},
                                       {"normal-only", no_argument, 0, 'N'},
                                       {"untimed", no_argument, 0, 'U'},
                                       {"timed-search", no_argument, 0, 'T'},
                                       {"max-verbatim", required_argument, 0, 'V'},
                                       {"no-cleanup", no_argument, 0, 'C'},
                                       {"holdout", required_argument, 0, 'H'},
                                       {"no-noise-model", no_argument, 0, 'Z'},
                                       {"noise-ops", required_argument, 0, 'O'},
                                       {"format", required_argument, 0, 'f'},
                                       {"jobs", required_argument, 0, 'j'},
                                       {"seed", required_argument, 0, 's'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = sg_cli_getopt("automata learn", argc, argv, "o:j:s:qh", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'b':
            if (sg_tadam_group_by_parse(optarg, &o.by)) return sg_cli_usage_error(CMD, "--by expects service, port or none");
            break;
        case 'm':
            if (sg_cli_parse_int(CMD, "--min-sequences", optarg, 1, 100000000, &v)) return SG_EXIT_USAGE;
            o.min_sequences = (size_t)v;
            break;
        case 'M':
            if (sg_cli_parse_int(CMD, "--max-sequences", optarg, 0, 100000000, &v)) return SG_EXIT_USAGE;
            o.max_sequences = (size_t)v;
            break;
        case 'W':
            if (sg_cli_parse_int(CMD, "--max-words", optarg, 0, 100000000, &v)) return SG_EXIT_USAGE;
            o.max_words = (size_t)v;
            break;
        case 'I':
            if (sg_cli_parse_int(CMD, "--max-iters", optarg, 0, 100000, &v)) return SG_EXIT_USAGE;
            o.learn.max_iters = (unsigned)v;
            break;
        case 'N': o.normal_only = 1; break;
        case 'U': o.learn.untimed = 1; break;
        case 'T': o.learn.timed_search = 1; break;
        case 'C': o.learn.no_cleanup = 1; break;
        case 'V': {
            char *e;
            o.learn.max_verbatim = strtod(optarg, &e);
            if (*e || !(o.learn.max_verbatim >= 0 && o.learn.max_verbatim <= 1))
                return sg_cli_usage_error(CMD, "--max-verbatim expects a share in [0,1]");
            break;
        }
        case 'H': {
            char *e;
            o.holdout = strtod(optarg, &e);
            if (*e || !(o.holdout >= 0 && o.holdout < 1))
                return sg_cli_usage_error(CMD, "--holdout expects a fraction in [0,1)");
            break;
        }
        case 'Z': o.learn.noise_ops = 0; break;
        case 'O':
            if (parse_noise_ops(optarg, &o.learn.noise_ops))
                return sg_cli_usage_error(CMD, "--noise-ops expects a list of add,dup,swap,del (or none)");
            break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &o.format) || o.format == SG_TADAM_FMT_AUTO)
                return sg_cli_usage_error(CMD, "--format expects secgen or fosr");
            break;
        case 'j':
            if (sg_cli_parse_int(CMD, "-j", optarg, 0, 1024, &jobs)) return SG_EXIT_USAGE;
            break;
        case 's':
            if (sg_cli_parse_u64(CMD, "-s", optarg, &o.seed)) return SG_EXIT_USAGE;
            break;
        case 'q': o.learn.quiet = 1; break;
        case 'h': sg_automata_usage(stdout, "learn"); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind + 1 != argc) return sg_cli_usage_error(CMD, "learn expects one SEQUENCES.csv");
    if (!out) return sg_cli_usage_error(CMD, "learn needs -o DIR");
    if (o.learn.quiet) sg_progress_set_quiet(1);
    if (jobs > 0) sg_threads_set((int)jobs);
    o.learn.threads = (int)jobs;
    o.source = argv[optind];
    sg_error err = {0};
    sg_seq_set *set = NULL;
    if (sg_automata_load_seqs(o.source, &set, &err) != SG_OK) return sg_cli_error(CMD, &err);
    int rc = SG_EXIT_OK;
    if (sg_tadam_learn_dir(set, out, &o, o.learn.quiet ? NULL : print_group, &o, &err) != SG_OK)
        rc = sg_cli_error(CMD, &err);
    sg_seq_set_destroy(set);
    return rc;
}
