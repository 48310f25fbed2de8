/* secgen automata evaluate: options -> sg_tadam_benchmark (src/tadam/benchmark.c), figures on
 * stdout (one line per detector row, then one per learner when baselines ran). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/automata.h"
#include "cli/cli.h"
#include "secgen/tadam.h"

int sg_automata_evaluate(int argc, char **argv)
{
    double train_frac = 0.5, noise = 0;
    uint64_t seed = 1;
    long long jobs = 0, max_train = 0, max_iters = 200, max_seqs = -1, max_words = -1;
    int no_noise = 0, quiet = 0, bigram = 0, untimed = 0, hmm = 0, alergia = 0;
    long long hmm_states = 0, hmm_max_states = -1;
    double alpha = -1;
    const char *model_out = NULL, *scores_out = NULL;
    static const struct option lo[] = {{"train-frac", required_argument, 0, 'T'},
                                       {"seed", required_argument, 0, 's'},
                                       {"noise", required_argument, 0, 'n'},
                                       {"no-noise-model", no_argument, 0, 'Z'},
                                       {"untimed", no_argument, 0, 'U'},
                                       {"baseline", required_argument, 0, 'b'},
                                       {"hmm-states", required_argument, 0, 'H'},
                                       {"hmm-max-states", required_argument, 0, 'X'},
                                       {"alergia-alpha", required_argument, 0, 'A'},
                                       {"max-train", required_argument, 0, 'M'},
                                       {"max-iters", required_argument, 0, 'I'},
                                       {"max-sequences", required_argument, 0, 'Q'},
                                       {"max-words", required_argument, 0, 'W'},
                                       {"model-out", required_argument, 0, 'm'},
                                       {"scores-out", required_argument, 0, 'S'},
                                       {"jobs", required_argument, 0, 'j'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = sg_cli_getopt("automata evaluate", argc, argv, "s:j:qh", lo)) != -1) {
        switch (c) {
        case 'T': {
            char *e;
            train_frac = strtod(optarg, &e);
            if (*e || !(train_frac > 0 && train_frac < 1))
                return sg_cli_usage_error(CMD, "--train-frac expects a number in (0,1)");
            break;
        }
        case 'n': {
            char *e;
            noise = strtod(optarg, &e);
            if (*e || !(noise >= 0 && noise <= 1)) return sg_cli_usage_error(CMD, "--noise expects a rate in [0,1]");
            break;
        }
        case 's':
            if (sg_cli_parse_u64(CMD, "-s", optarg, &seed)) return SG_EXIT_USAGE;
            break;
        case 'Z': no_noise = 1; break;
        case 'U': untimed = 1; break;
        case 'b': { /* comma-separated list, repeatable */
            const char *p = optarg;
            for (;;) {
                size_t len = strcspn(p, ",");
                if (len == 6 && !strncmp(p, "bigram", len)) bigram = 1;
                else if (len == 3 && !strncmp(p, "hmm", len)) hmm = 1;
                else if (len == 7 && !strncmp(p, "alergia", len)) alergia = 1;
                else if (len == 3 && !strncmp(p, "all", len)) bigram = hmm = alergia = 1;
                else
                    return sg_cli_usage_error(CMD, "--baseline: unknown baseline '%.*s' (bigram, hmm, alergia, all)",
                                              (int)len, p);
                if (!p[len]) break;
                p += len + 1;
            }
            break;
        }
        case 'H':
            if (sg_cli_parse_int(CMD, "--hmm-states", optarg, 0, 4096, &hmm_states)) return SG_EXIT_USAGE;
            break;
        case 'X':
            if (sg_cli_parse_int(CMD, "--hmm-max-states", optarg, 1, 4096, &hmm_max_states)) return SG_EXIT_USAGE;
            break;
        case 'A': {
            char *e;
            alpha = strtod(optarg, &e);
            if (*e || !(alpha > 0 && alpha < 1)) return sg_cli_usage_error(CMD, "--alergia-alpha expects a number in (0,1)");
            break;
        }
        case 'M':
            if (sg_cli_parse_int(CMD, "--max-train", optarg, 1, 100000000, &max_train)) return SG_EXIT_USAGE;
            break;
        case 'I':
            if (sg_cli_parse_int(CMD, "--max-iters", optarg, 0, 100000, &max_iters)) return SG_EXIT_USAGE;
            break;
        case 'Q':
            if (sg_cli_parse_int(CMD, "--max-sequences", optarg, 0, 100000000, &max_seqs)) return SG_EXIT_USAGE;
            break;
        case 'W':
            if (sg_cli_parse_int(CMD, "--max-words", optarg, 0, 100000000, &max_words)) return SG_EXIT_USAGE;
            break;
        case 'm': model_out = optarg; break;
        case 'S': scores_out = optarg; break;
        case 'j':
            if (sg_cli_parse_int(CMD, "-j", optarg, 0, 1024, &jobs)) return SG_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': sg_automata_usage(stdout, "evaluate"); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind + 1 != argc) return sg_cli_usage_error(CMD, "evaluate expects one SEQUENCES.csv");
    if (quiet) sg_progress_set_quiet(1);
    if (jobs > 0) sg_threads_set((int)jobs);
    sg_error err = {0};
    sg_seq_set *set = NULL;
    const char *in = argv[optind];
    if (sg_automata_load_seqs(in, &set, &err) != SG_OK) return sg_cli_error(CMD, &err);
    sg_tadam_bench_opts o;
    sg_tadam_bench_opts_init(&o);
    o.train_frac = train_frac;
    o.seed = seed;
    o.noise = noise;
    o.max_train = (size_t)max_train;
    if (max_seqs >= 0) o.max_sequences = (size_t)max_seqs;
    if (max_words >= 0) o.max_words = (size_t)max_words;
    o.bigram = bigram;
    o.hmm = hmm;
    o.alergia = alergia;
    o.hmm_opts.n_states = (unsigned)hmm_states;
    if (hmm_max_states > 0) o.hmm_opts.max_states = (unsigned)hmm_max_states;
    if (alpha > 0) o.alergia_opts.alpha = alpha;
    o.learn.noise_ops = no_noise ? 0 : SG_TADAM_NOISE_ALL;
    o.learn.threads = (int)jobs;
    o.learn.quiet = quiet;
    o.learn.max_iters = (unsigned)max_iters;
    o.learn.untimed = untimed;
    sg_tadam_bench b;
    int rc = SG_EXIT_OK;
    if (sg_tadam_benchmark(set, &o, &b, &err) != SG_OK) {
        sg_error_prefix(&err, "%s: ", in);
        rc = sg_cli_error(CMD, &err);
        sg_seq_set_destroy(set);
        return rc;
    }
    printf("data: %s: %zu sequences; split seed %llu, train fraction %.2f -> %zu train (%zu normal used for learning), "
           "%zu test; injected training noise %.0f %%\n",
           in, b.n, (unsigned long long)seed, train_frac, b.n_train, b.n_learn, b.n - b.n_train, noise * 100);
    if (b.n_search_words)
        printf("tadam search sample: %zu of the %zu sequences, %zu distinct words (--max-sequences %zu, --max-words %zu)\n",
               b.n_search, b.n_learn, b.n_search_words, o.max_sequences, o.max_words);
    else
        printf("tadam search sample: %zu of the %zu sequences (--max-sequences %zu, no word limit)\n", b.n_search,
               b.n_learn, o.max_sequences);
    sg_tadam_info info;
    sg_tadam_model_info(b.model, &info);
    printf("tadam%s: learnt in %.2f s (%d threads): %zu states, %zu edges, %zu symbols, MDL %.1f bits (model %.1f), "
           "noise p: add %.4f dup %.4f swap %.4f del %.4f\n",
           no_noise ? " (no noise model)" : "", b.learn_seconds, sg_threads_get(), info.n_states, info.n_edges,
           info.n_symbols, info.cost_model + info.cost_data, info.cost_model, info.p_noise[1], info.p_noise[2],
           info.p_noise[3], info.p_noise[4]);
    if (model_out && (sg_tadam_model_set_source(b.model, in, &err) != SG_OK ||
                      sg_tadam_model_save(b.model, model_out, SG_TADAM_FMT_SECGEN, &err) != SG_OK))
        rc = sg_cli_error(CMD, &err);
    if (rc == SG_EXIT_OK) {
        printf("scoring: %.2f s for %zu sequences\n", b.score_seconds, b.n);
        for (size_t k = 0; k < b.n_rows; k++) {
            const sg_tadam_bench_row *r = &b.rows[k];
            printf("%-28s AUROC %.4f  threshold %.3f (train F1 %.3f)  test TPR %.3f FPR %.4f precision %.3f F1 %.3f\n",
                   r->name, r->auroc, r->threshold, r->train_f1, r->tpr, r->fpr, r->precision, r->f1);
        }
        if (b.n_models > 1)
            for (size_t k = 0; k < b.n_models; k++) {
                const sg_tadam_bench_model *m = &b.models[k];
                if (m->n_states)
                    printf("learner %-8s %5zu states %6zu edges  learnt in %7.2f s  normal test %.4f bits/event  (%s)\n",
                           m->name, m->n_states, m->n_edges, m->learn_seconds, m->test_bits_per_event, m->note);
                else
                    printf("learner %-8s     -        -          learnt in %7.2f s  normal test %.4f bits/event  (%s)\n",
                           m->name, m->learn_seconds, m->test_bits_per_event, m->note);
            }
        if (scores_out && sg_tadam_bench_write_scores(&b, set, scores_out, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
    }
    sg_tadam_bench_free(&b);
    sg_seq_set_destroy(set);
    return rc;
}
