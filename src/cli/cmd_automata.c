/* secgen automata: dispatch to the actions (learn / score / sample / show / convert / evaluate)
 * and their help texts. The actions parse and wire; the algorithms are in src/tadam. */
#include <string.h>

#include "cli/automata.h"
#include "cli/cli.h"

static const struct {
    const char *name, *text;
} helps[] = {
    {"learn",
     "usage: secgen automata learn SEQUENCES.csv -o DIR [options]\n"
     "  Learn one timed automaton per group of sequences: DIR/<group>.json and DIR/index.json.\n"
     "  -o, --output DIR        output directory (created if needed)\n"
     "  --by service|port|none  grouping: service name (default), <proto>-<port>, or one group\n"
     "  --min-sequences N       skip groups with fewer sequences (default 20)\n"
     "  --max-sequences N       search a seeded random sample of at most N sequences per group\n"
     "                          (default 20000; 0 = no limit) ...\n"
     "  --max-words N           ... holding at most N distinct symbol strings (default 2000; 0 =\n"
     "                          no limit): the search's work grows with the distinct words, and\n"
     "                          noise makes every word distinct\n"
     "  --normal-only           ignore sequences labelled anomalous (label 1)\n"
     "  --untimed               no time models: every edge codes its values with the shared one\n"
     "  --timed-search          price the values during the structure search (default: symbols,\n"
     "                          then a time Gaussian per edge where it pays for itself, MDL)\n"
     "  --holdout F             hold out a seeded fraction F in [0,1) and report bits per event\n"
     "  --no-noise-model        no noise operations (exact parsing only)\n"
     "  --noise-ops LIST        noise operations among add,dup,swap,del (or none; default all)\n"
     "  --max-verbatim F        if the MDL optimum sends more than this share of the words\n"
     "                          verbatim, learn again with every word parsed or repaired\n"
     "                          (default 0.5; 0 for generation: every training word can be\n"
     "                          sampled; 1 = the MDL optimum whatever it parses)\n"
     "  --no-cleanup            skip the edge deletions priced at the learnt noise model after\n"
     "                          the search (fewer edges; a generator does not replay the noise)\n"
     "  --max-iters N           search iterations (default 200)\n"
     "  --format secgen|fosr    model file format (default secgen; fosr writes no index)\n"
     "  -j, --jobs N            threads (0 = all cores); the models do not depend on it\n"
     "  -s, --seed N            seed of the hold-out and the subsample (default 1)\n"
     "  -q, --quiet             no progress, no per-group lines\n"},
    {"score",
     "usage: secgen automata score MODEL.json|DIR SEQUENCES.csv [-o scores.csv] [options]\n"
     "  Anomaly score in bits per sequence (high = anomalous), total and per event: the symbols'\n"
     "  code length plus the time bits beyond the automaton's shared time model; the CSV also\n"
     "  gives symbol_bits, time_bits, time_null_bits and code_bits (= symbol_bits + time_bits).\n"
     "  -o, --output FILE        scores CSV (default stdout)\n"
     "  --untimed                symbols only: ignore inter-arrival times and payloads\n"
     "  --format auto|secgen|fosr  model format (default auto)\n"},
    {"sample",
     "usage: secgen automata sample MODEL.json -n N [-o seq.csv] [options]\n"
     "  New sequences (symbols, inter-arrival times, payload sizes); deterministic per seed.\n"
     "  -n, --count N            number of sequences\n"
     "  -o, --output FILE        sequence CSV (default stdout)\n"
     "  -s, --seed N             seed (default 1); sequence i depends only on (seed, i)\n"
     "  --max-len N              cut walks at N events (default 1000)\n"
     "  --fwd N, --bwd N         condition on N events client->server / server->client\n"
     "  --format auto|secgen|fosr  model format (default auto)\n"},
    {"show",
     "usage: secgen automata show MODEL.json [--dot] [--format auto|secgen|fosr]\n"
     "  Summary of states, edges and noise probabilities; --dot prints a Graphviz graph.\n"},
    {"convert",
     "usage: secgen automata convert IN.json OUT.json --to fosr|secgen [--from auto|secgen|fosr]\n"
     "  Convert between the secgen and Fos-R automaton formats.\n"},
    {"evaluate",
     "usage: secgen automata evaluate SEQUENCES.csv [options]\n"
     "  Anomaly-detection benchmark: train on the normal sequences of a seeded train split,\n"
     "  threshold = best F1 on the train split, AUROC/TPR/FPR/F1 on the test split.\n"
     "  --train-frac F           train split fraction in (0,1) (default 0.5)\n"
     "  -s, --seed N             split and noise seed (default 1)\n"
     "  --noise RATE             inject noise into the training sequences (rate in [0,1])\n"
     "  --no-noise-model         learn without noise operations\n"
     "  --untimed                structure search on symbols only\n"
     "  --baseline LIST          also report baselines: bigram, hmm, alergia (comma-separated, or all)\n"
     "  --hmm-states N           HMM hidden states (default 0: chosen by held-out likelihood)\n"
     "  --hmm-max-states N       largest HMM size tried when choosing (default 32)\n"
     "  --alergia-alpha A        ALERGIA compatibility significance in (0,1) (default 0.05)\n"
     "  --max-train N            learn from at most N normal train sequences (the first ones)\n"
     "  --max-sequences N        TADAM searches a seeded sample of them, as automata learn:\n"
     "  --max-words N            at most N sequences (default 20000) and N distinct words (2000;\n"
     "                           0 = no limit)\n"
     "  --max-iters N            search iterations (default 200)\n"
     "  --model-out FILE         save the learnt automaton\n"
     "  --scores-out FILE        per-sequence scores CSV\n"
     "  -j, --jobs N             threads (0 = all cores)\n"
     "  -q, --quiet              no progress\n"},
};

void sg_automata_usage(FILE *fp, const char *action)
{
    for (size_t i = 0; action && i < sizeof helps / sizeof helps[0]; i++)
        if (!strcmp(helps[i].name, action)) {
            fputs(helps[i].text, fp);
            return;
        }
    fprintf(fp, "usage: secgen automata <action> [options]   (secgen automata <action> --help for its options)\n"
                "  learn SEQUENCES.csv -o DIR      one automaton per service (DIR/<service>.json + DIR/index.json)\n"
                "  score MODEL|DIR SEQUENCES.csv   code length in bits per sequence (high = anomalous)\n"
                "  sample MODEL.json -n N          new sequences; deterministic per seed\n"
                "  show MODEL.json [--dot]         summary or Graphviz view\n"
                "  convert IN.json OUT.json --to fosr|secgen\n"
                "  evaluate SEQUENCES.csv          anomaly-detection benchmark on labelled sequences\n");
}

sg_status sg_automata_load_seqs(const char *path, sg_seq_set **out, sg_error *err)
{
    sg_status st = sg_seq_read(path, out, err);
    if (st != SG_OK) return st;
    if (sg_seq_set_count(*out) == 0) {
        sg_seq_set_destroy(*out);
        *out = NULL;
        return sg_error_set(err, SG_ERR_EMPTY, "%s: no sequences", path);
    }
    return SG_OK;
}

int sg_cmd_automata(int argc, char **argv)
{
    if (argc < 2) {
        sg_automata_usage(stderr, NULL);
        return SG_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
        sg_automata_usage(stdout, argc > 2 ? argv[2] : NULL);
        return SG_EXIT_OK;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } acts[] = {{"learn", sg_automata_learn}, {"score", sg_automata_score},     {"sample", sg_automata_sample},
                {"show", sg_automata_show},   {"convert", sg_automata_convert}, {"evaluate", sg_automata_evaluate}};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
        if (!strcmp(a, acts[i].name)) return acts[i].fn(argc - 1, argv + 1);
    return sg_cli_usage_error(CMD, "unknown action '%s' (learn, score, sample, show, convert, evaluate)", a);
}
