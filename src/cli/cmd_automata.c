/* secgen automata: learn / score / sample / show / convert / evaluate TADAM timed automata. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "secgen/flow.h"
#include "secgen/tadam.h"

#define CMD "automata"


static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: secgen automata <action> [options]\n"
            "  learn SEQUENCES.csv -o DIR [--by service|port|none] [--min-sequences N] [--max-sequences N]\n"
            "        [--normal-only] [--no-noise-model] [--noise-ops add,dup,swap,del] [--max-iters N]\n"
            "        [--format secgen|fosr] [-j N] [-s SEED] [--quiet]\n"
            "      one automaton per service (DIR/<service>.json + DIR/index.json)\n"
            "  score MODEL.json|DIR SEQUENCES.csv -o scores.csv [--format auto|secgen|fosr]\n"
            "      code length in bits per sequence (high = anomalous), also per event\n"
            "  sample MODEL.json -n N -o seq.csv [-s SEED] [--max-len N] [--fwd N --bwd N] [--format ...]\n"
            "      new sequences (symbols, inter-arrival times, payload sizes); deterministic per seed\n"
            "  show MODEL.json [--dot] [--format auto|secgen|fosr]\n"
            "  convert IN.json OUT.json --to fosr|secgen\n"
            "  evaluate SEQUENCES.csv [--train-frac F] [-s SEED] [--noise RATE] [--no-noise-model]\n"
            "        [--baseline bigram] [--max-train N] [--model-out F] [--scores-out F] [-j N] [--quiet]\n"
            "      anomaly detection benchmark: train on normal sequences of a seeded train split,\n"
            "      threshold = best F1 on the train split, AUROC/TPR/FPR/F1 on the test split\n");
}

static sg_status load_seqs(const char *path, sg_seq_set **out, sg_error *err)
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

/* ---- learn ------------------------------------------------------------------------------- */

typedef struct group {
    char key[64];
    size_t *idx;
    size_t n, cap;
} group;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int act_learn(int argc, char **argv)
{
    const char *out = NULL, *by = "service";
    long long min_seq = 20, max_seq = 2000, max_iters = 200, jobs = 0;
    uint64_t seed = 1;
    int quiet = 0, normal_only = 0;
    unsigned noise_ops = SG_TADAM_NOISE_ALL;
    sg_tadam_format fmt = SG_TADAM_FMT_SECGEN;
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"by", required_argument, 0, 'b'},
                                       {"min-sequences", required_argument, 0, 'm'},
                                       {"max-sequences", required_argument, 0, 'M'},
                                       {"max-iters", required_argument, 0, 'I'},
                                       {"normal-only", no_argument, 0, 'N'},
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
    while ((c = getopt_long(argc, argv, "o:j:s:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'b': by = optarg; break;
        case 'm':
            if (sg_cli_parse_int(CMD, "--min-sequences", optarg, 1, 100000000, &min_seq)) return SG_EXIT_USAGE;
            break;
        case 'M':
            if (sg_cli_parse_int(CMD, "--max-sequences", optarg, 1, 100000000, &max_seq)) return SG_EXIT_USAGE;
            break;
        case 'I':
            if (sg_cli_parse_int(CMD, "--max-iters", optarg, 0, 100000, &max_iters)) return SG_EXIT_USAGE;
            break;
        case 'N': normal_only = 1; break;
        case 'Z': noise_ops = 0; break;
        case 'O':
            if (parse_noise_ops(optarg, &noise_ops))
                return sg_cli_usage_error(CMD, "--noise-ops expects a list of add,dup,swap,del (or none)");
            break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &fmt) || fmt == SG_TADAM_FMT_AUTO)
                return sg_cli_usage_error(CMD, "--format expects secgen or fosr");
            break;
        case 'j':
            if (sg_cli_parse_int(CMD, "-j", optarg, 0, 1024, &jobs)) return SG_EXIT_USAGE;
            break;
        case 's':
            if (sg_cli_parse_u64(CMD, "-s", optarg, &seed)) return SG_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return sg_cli_usage_error(CMD, "invalid option for 'learn'");
        }
    }
    if (optind + 1 != argc) return sg_cli_usage_error(CMD, "learn expects one SEQUENCES.csv");
    if (!out) return sg_cli_usage_error(CMD, "learn needs -o DIR");
    if (strcmp(by, "service") && strcmp(by, "port") && strcmp(by, "none"))
        return sg_cli_usage_error(CMD, "--by expects service, port or none");
    if (quiet) sg_progress_set_quiet(1);
    if (jobs > 0) sg_threads_set((int)jobs);
    const char *in = argv[optind];
    sg_error err = {0};
    sg_seq_set *set = NULL;
    if (load_seqs(in, &set, &err) != SG_OK) return sg_cli_error(CMD, &err);
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        sg_seq_set_destroy(set);
        sg_error_set(&err, SG_ERR_IO, "%s: cannot create directory: %s", out, strerror(errno));
        return sg_cli_error(CMD, &err);
    }
    /* group sequences */
    group *g = NULL;
    size_t ng = 0;
    int rc = SG_EXIT_OK;
    for (size_t i = 0; i < sg_seq_set_count(set); i++) {
        const sg_seq *s = sg_seq_set_get(set, i);
        if (normal_only && s->label == 1) continue;
        char key[64];
        if (!strcmp(by, "none")) snprintf(key, sizeof key, "all");
        else if (!strcmp(by, "port")) {
            char b[32];
            if (s->service_port < 0) snprintf(key, sizeof key, "all");
            else snprintf(key, sizeof key, "%s-%d", sg_proto_name(s->proto, b, sizeof b), (int)s->service_port);
            for (char *p = key; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        } else
            sg_tadam_service_name(s->proto, s->service_port, key, sizeof key);
        size_t k = 0;
        while (k < ng && strcmp(g[k].key, key)) k++;
        if (k == ng) {
            group *ng2 = realloc(g, (ng + 1) * sizeof *g);
            if (!ng2) {
                rc = SG_EXIT_RUNTIME;
                break;
            }
            g = ng2;
            memset(&g[ng], 0, sizeof g[ng]);
            snprintf(g[ng].key, sizeof g[ng].key, "%s", key);
            ng++;
        }
        if (g[k].n == g[k].cap) {
            size_t c2 = g[k].cap ? g[k].cap * 2 : 64;
            size_t *p = realloc(g[k].idx, c2 * sizeof *p);
            if (!p) {
                rc = SG_EXIT_RUNTIME;
                break;
            }
            g[k].idx = p;
            g[k].cap = c2;
        }
        g[k].idx[g[k].n++] = i;
    }
    json_t *index = json_object(), *arr = json_array();
    json_object_set_new(index, "format", json_string("secgen-automata-index"));
    json_object_set_new(index, "version", json_integer(1));
    json_object_set_new(index, "source", json_string(in));
    size_t learned = 0;
    for (size_t k = 0; k < ng && rc == SG_EXIT_OK; k++) {
        if (g[k].n < (size_t)min_seq) {
            if (!quiet)
                fprintf(stderr, "secgen automata: %s: %zu sequences < --min-sequences %lld, skipped\n", g[k].key, g[k].n,
                        min_seq);
            continue;
        }
        /* deterministic subsample: keep the max_seq sequences with the smallest keyed draws */
        size_t n = g[k].n;
        if (n > (size_t)max_seq) {
            size_t *keyed = malloc(n * 2 * sizeof *keyed);
            if (!keyed) {
                rc = SG_EXIT_RUNTIME;
                break;
            }
            for (size_t i = 0; i < n; i++) {
                sg_rng r;
                sg_rng_init(&r, seed, SG_STREAM_TADAM_SPLIT, g[k].idx[i]);
                keyed[2 * i] = (size_t)(sg_rng_u64(&r) >> 20) << 20 | (i & 0xfffff);
            }
            for (size_t i = 0; i < n; i++) keyed[2 * i + 1] = 0;
            size_t *tmp = malloc(n * sizeof *tmp);
            if (!tmp) {
                free(keyed);
                rc = SG_EXIT_RUNTIME;
                break;
            }
            for (size_t i = 0; i < n; i++) tmp[i] = keyed[2 * i];
            qsort(tmp, n, sizeof *tmp, cmp_size);
            size_t *sel = malloc((size_t)max_seq * sizeof *sel);
            if (!sel) {
                free(tmp);
                free(keyed);
                rc = SG_EXIT_RUNTIME;
                break;
            }
            for (long long i = 0; i < max_seq; i++) sel[i] = g[k].idx[tmp[i] & 0xfffff];
            qsort(sel, (size_t)max_seq, sizeof *sel, cmp_size);
            free(tmp);
            free(keyed);
            free(g[k].idx);
            g[k].idx = sel;
            g[k].n = n = (size_t)max_seq;
        }
        sg_tadam_learn_opts o;
        sg_tadam_learn_opts_init(&o);
        o.noise_ops = noise_ops;
        o.max_iters = (unsigned)max_iters;
        o.quiet = quiet;
        o.name = g[k].key;
        o.threads = (int)jobs;
        sg_tadam_model *m = NULL;
        if (sg_tadam_learn(set, g[k].idx, n, &o, &m, &err) != SG_OK) {
            sg_error_prefix(&err, "%s: learning %s: ", in, g[k].key);
            rc = sg_cli_error(CMD, &err);
            break;
        }
        sg_tadam_model_set_source(m, in, NULL);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.json", out, g[k].key);
        if (sg_tadam_model_save(m, path, fmt, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            sg_tadam_model_destroy(m);
            break;
        }
        sg_tadam_info info;
        sg_tadam_model_info(m, &info);
        char fn[128];
        snprintf(fn, sizeof fn, "%s.json", g[k].key);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I}", "name", g[k].key, "file", fn, "proto",
                                             info.proto ? json_integer(info.proto) : json_null(), "service_port",
                                             info.service_port >= 0 ? json_integer(info.service_port) : json_null(),
                                             "states", (json_int_t)info.n_states, "edges", (json_int_t)info.n_edges,
                                             "sequences", (json_int_t)n));
        if (!quiet)
            fprintf(stderr, "secgen automata: %s: %zu sequences -> %zu states, %zu edges, %.1f bits\n", g[k].key, n,
                    info.n_states, info.n_edges, info.cost_model + info.cost_data);
        sg_tadam_model_destroy(m);
        learned++;
    }
    if (rc == SG_EXIT_OK && learned == 0) {
        sg_error_set(&err, SG_ERR_EMPTY, "%s: no group has at least %lld sequences", in, min_seq);
        rc = sg_cli_error(CMD, &err);
    }
    if (rc == SG_EXIT_OK && fmt == SG_TADAM_FMT_SECGEN) {
        json_object_set_new(index, "automata", arr);
        arr = NULL;
        char *s = json_dumps(index, JSON_INDENT(1));
        char path[4096];
        snprintf(path, sizeof path, "%s/index.json", out);
        if (!s || sg_file_write_atomic(path, s, strlen(s), &err) != SG_OK) rc = sg_cli_error(CMD, &err);
        free(s);
    }
    json_decref(arr);
    json_decref(index);
    for (size_t k = 0; k < ng; k++) free(g[k].idx);
    free(g);
    sg_seq_set_destroy(set);
    return rc;
}

/* ---- score ------------------------------------------------------------------------------- */

static sg_status load_models(const char *path, sg_tadam_format fmt, sg_tadam_set **out, sg_error *err)
{
    sg_tadam_set *s = sg_tadam_set_create();
    if (!s) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    struct stat sb;
    sg_status st;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        st = sg_tadam_set_load_dir(s, path, err);
    else {
        sg_tadam_model *m;
        st = sg_tadam_model_load(path, fmt, &m, err);
        if (st == SG_OK) st = sg_tadam_set_add(s, m, err);
    }
    if (st != SG_OK) {
        sg_tadam_set_destroy(s);
        return st;
    }
    *out = s;
    return SG_OK;
}

static int act_score(int argc, char **argv)
{
    const char *out = NULL;
    sg_tadam_format fmt = SG_TADAM_FMT_AUTO;
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"format", required_argument, 0, 'f'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &fmt)) return sg_cli_usage_error(CMD, "--format expects auto, secgen or fosr");
            break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return sg_cli_usage_error(CMD, "invalid option for 'score'");
        }
    }
    if (optind + 2 != argc) return sg_cli_usage_error(CMD, "score expects MODEL and SEQUENCES.csv");
    if (!out) out = "-";
    sg_error err = {0};
    sg_tadam_set *ms = NULL;
    if (load_models(argv[optind], fmt, &ms, &err) != SG_OK) return sg_cli_error(CMD, &err);
    sg_seq_set *set = NULL;
    if (load_seqs(argv[optind + 1], &set, &err) != SG_OK) {
        sg_tadam_set_destroy(ms);
        return sg_cli_error(CMD, &err);
    }
    sg_outfile *of = NULL;
    int rc = SG_EXIT_OK;
    if (sg_outfile_open(&of, out, &err) != SG_OK) {
        rc = sg_cli_error(CMD, &err);
        goto done;
    }
    FILE *fp = sg_outfile_fp(of);
    fprintf(fp, "id,label,n,automaton,bits,bits_per_event,repairs,unknown_symbols,status\n");
    size_t missing = 0;
    for (size_t i = 0; i < sg_seq_set_count(set); i++) {
        const sg_seq *s = sg_seq_set_get(set, i);
        const sg_tadam_model *m = sg_tadam_set_count(ms) == 1 ? sg_tadam_set_get(ms, 0)
                                                             : sg_tadam_set_find(ms, s->proto, s->service_port);
        if (!m) {
            missing++;
            fprintf(fp, "%s,%d,%zu,,,,,,no-automaton\n", s->id ? s->id : "", s->label, s->n);
            continue;
        }
        sg_tadam_score sc;
        if (sg_tadam_score_seq(m, set, s, &sc, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            break;
        }
        sg_tadam_info info;
        sg_tadam_model_info(m, &info);
        static const char *stname[] = {"parsed", "repaired", "explicit"};
        fprintf(fp, "%s,%d,%zu,%s,%.4f,%.5f,%zu,%d,%s\n", s->id ? s->id : "", s->label, s->n, info.name, sc.bits,
                sc.bits_per_event, sc.n_repairs, sc.unknown_symbols, stname[sc.repaired]);
    }
    if (rc == SG_EXIT_OK) {
        if (sg_outfile_commit(of, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
    } else
        sg_outfile_abort(of);
    if (missing) fprintf(stderr, "secgen automata: %zu sequences had no matching automaton\n", missing);
done:
    sg_seq_set_destroy(set);
    sg_tadam_set_destroy(ms);
    return rc;
}

/* ---- sample ------------------------------------------------------------------------------ */

static int act_sample(int argc, char **argv)
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
    while ((c = getopt_long(argc, argv, "o:n:s:h", lo, NULL)) != -1) {
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
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return sg_cli_usage_error(CMD, "invalid option for 'sample'");
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
    sg_tadam_info info;
    sg_tadam_model_info(m, &info);
    sg_tadam_event *ev = malloc((size_t)maxlen * sizeof *ev);
    const char **syms = malloc((size_t)maxlen * sizeof *syms);
    int64_t *iat = malloc((size_t)maxlen * sizeof *iat), *pay = malloc((size_t)maxlen * sizeof *pay);
    sg_seq_writer *w = NULL;
    int rc = SG_EXIT_OK;
    size_t truncated = 0;
    if (!ev || !syms || !iat || !pay) {
        sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
        rc = sg_cli_error(CMD, &err);
    } else if (sg_seq_writer_open(&w, out, &err) != SG_OK) {
        rc = sg_cli_error(CMD, &err);
    }
    for (long long i = 0; i < n && rc == SG_EXIT_OK; i++) {
        sg_rng r;
        sg_rng_init(&r, seed, SG_STREAM_TADAM_SAMPLE, (uint64_t)i);
        size_t k;
        int complete;
        if (sg_tadam_sample(m, &r, &so, ev, (size_t)maxlen, &k, &complete, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            break;
        }
        truncated += !complete;
        for (size_t j = 0; j < k; j++) {
            syms[j] = ev[j].symbol;
            iat[j] = ev[j].iat_us;
            pay[j] = ev[j].payload;
        }
        char id[96];
        snprintf(id, sizeof id, "%s-%lld", info.name ? info.name : "seq", i);
        if (sg_seq_writer_write(w, id, info.proto, info.service_port, k, syms, iat, pay, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            break;
        }
    }
    if (w) {
        if (rc == SG_EXIT_OK) {
            if (sg_seq_writer_close(w, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
        } else
            sg_seq_writer_abort(w);
    }
    if (truncated) fprintf(stderr, "secgen automata: %zu sequences truncated at --max-len %lld\n", truncated, maxlen);
    free(ev);
    free(syms);
    free(iat);
    free(pay);
    sg_tadam_model_destroy(m);
    return rc;
}

/* ---- show / convert ----------------------------------------------------------------------- */

static int act_show(int argc, char **argv)
{
    int dot = 0;
    sg_tadam_format fmt = SG_TADAM_FMT_AUTO;
    static const struct option lo[] = {
        {"dot", no_argument, 0, 'd'}, {"format", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'd': dot = 1; break;
        case 'f':
            if (sg_tadam_format_parse(optarg, &fmt)) return sg_cli_usage_error(CMD, "--format expects auto, secgen or fosr");
            break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return sg_cli_usage_error(CMD, "invalid option for 'show'");
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

static int act_convert(int argc, char **argv)
{
    sg_tadam_format to = SG_TADAM_FMT_AUTO, from = SG_TADAM_FMT_AUTO;
    static const struct option lo[] = {{"to", required_argument, 0, 't'},
                                       {"from", required_argument, 0, 'F'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 't':
            if (sg_tadam_format_parse(optarg, &to) || to == SG_TADAM_FMT_AUTO)
                return sg_cli_usage_error(CMD, "--to expects fosr or secgen");
            break;
        case 'F':
            if (sg_tadam_format_parse(optarg, &from)) return sg_cli_usage_error(CMD, "--from expects auto, fosr or secgen");
            break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return sg_cli_usage_error(CMD, "invalid option for 'convert'");
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

/* ---- evaluate (anomaly-detection benchmark) --------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void report(const char *name, const double *sc, const int8_t *lab, const uint8_t *is_train, size_t n)
{
    /* threshold: best F1 on the training split (its normal and anomalous sequences); applied to
     * the test split */
    size_t ntr = 0, nte = 0;
    for (size_t i = 0; i < n; i++) is_train[i] ? ntr++ : nte++;
    double *a = malloc((ntr + 1) * sizeof *a), *b = malloc((nte + 1) * sizeof *b);
    int8_t *la = malloc(ntr + 1), *lb = malloc(nte + 1);
    if (!a || !b || !la || !lb) {
        free(a);
        free(b);
        free(la);
        free(lb);
        return;
    }
    size_t i1 = 0, i2 = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_train[i]) {
            a[i1] = sc[i];
            la[i1++] = lab[i];
        } else {
            b[i2] = sc[i];
            lb[i2++] = lab[i];
        }
    }
    double f1tr;
    double thr = sg_tadam_best_f1_threshold(a, la, ntr, &f1tr);
    double tpr, fpr, prec, f1;
    sg_tadam_rates(b, lb, nte, thr, &tpr, &fpr, &prec, &f1);
    double auc = sg_tadam_auroc(b, lb, nte);
    printf("%-28s AUROC %.4f  threshold %.3f (train F1 %.3f)  test TPR %.3f FPR %.4f precision %.3f F1 %.3f\n", name,
           auc, thr, f1tr, tpr, fpr, prec, f1);
    free(a);
    free(b);
    free(la);
    free(lb);
}

static int act_evaluate(int argc, char **argv)
{
    double train_frac = 0.5, noise = 0;
    uint64_t seed = 1;
    long long jobs = 0, max_train = 0, max_iters = 200;
    int no_noise = 0, quiet = 0, bigram = 0;
    const char *model_out = NULL, *scores_out = NULL;
    static const struct option lo[] = {{"train-frac", required_argument, 0, 'T'},
                                       {"seed", required_argument, 0, 's'},
                                       {"noise", required_argument, 0, 'n'},
                                       {"no-noise-model", no_argument, 0, 'Z'},
                                       {"baseline", required_argument, 0, 'b'},
                                       {"max-train", required_argument, 0, 'M'},
                                       {"max-iters", required_argument, 0, 'I'},
                                       {"model-out", required_argument, 0, 'm'},
                                       {"scores-out", required_argument, 0, 'S'},
                                       {"jobs", required_argument, 0, 'j'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:j:qh", lo, NULL)) != -1) {
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
        case 'b':
            if (strcmp(optarg, "bigram")) return sg_cli_usage_error(CMD, "--baseline expects bigram");
            bigram = 1;
            break;
        case 'M':
            if (sg_cli_parse_int(CMD, "--max-train", optarg, 1, 100000000, &max_train)) return SG_EXIT_USAGE;
            break;
        case 'I':
            if (sg_cli_parse_int(CMD, "--max-iters", optarg, 0, 100000, &max_iters)) return SG_EXIT_USAGE;
            break;
        case 'm': model_out = optarg; break;
        case 'S': scores_out = optarg; break;
        case 'j':
            if (sg_cli_parse_int(CMD, "-j", optarg, 0, 1024, &jobs)) return SG_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return sg_cli_usage_error(CMD, "invalid option for 'evaluate'");
        }
    }
    if (optind + 1 != argc) return sg_cli_usage_error(CMD, "evaluate expects one SEQUENCES.csv");
    if (quiet) sg_progress_set_quiet(1);
    if (jobs > 0) sg_threads_set((int)jobs);
    sg_error err = {0};
    sg_seq_set *set = NULL;
    if (load_seqs(argv[optind], &set, &err) != SG_OK) return sg_cli_error(CMD, &err);
    size_t n = sg_seq_set_count(set);
    uint8_t *is_train = calloc(n, 1);
    int8_t *lab = malloc(n);
    size_t *tr = malloc(n * sizeof *tr), ntr = 0, nlab = 0;
    double *s_t = malloc(n * sizeof *s_t), *s_tn = malloc(n * sizeof *s_tn), *s_b = malloc(n * sizeof *s_b);
    int rc = SG_EXIT_OK;
    sg_tadam_model *m = NULL;
    sg_tadam_bigram *bg = NULL;
    sg_seq_set *noisy = NULL;
    if (!is_train || !lab || !tr || !s_t || !s_tn || !s_b) {
        sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
        rc = sg_cli_error(CMD, &err);
        goto done;
    }
    size_t ntrain_all = 0;
    for (size_t i = 0; i < n; i++) {
        const sg_seq *s = sg_seq_set_get(set, i);
        lab[i] = s->label;
        nlab += s->label == 0 || s->label == 1;
        sg_rng r;
        sg_rng_init(&r, seed, SG_STREAM_TADAM_SPLIT, i);
        is_train[i] = sg_rng_uniform(&r) < train_frac;
        ntrain_all += is_train[i];
        if (is_train[i] && s->label == 0 && (max_train == 0 || ntr < (size_t)max_train)) tr[ntr++] = i;
    }
    if (nlab == 0 || ntr == 0) {
        sg_error_set(&err, SG_ERR_EMPTY, "%s: evaluate needs labelled sequences (normal ones in the train split)",
                     argv[optind]);
        rc = sg_cli_error(CMD, &err);
        goto done;
    }
    /* training data: optionally with injected noise (only the training sequences are altered) */
    const sg_seq_set *train_set = set;
    if (noise > 0) {
        if (sg_tadam_inject_noise(set, noise, seed, &noisy, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            goto done;
        }
        train_set = noisy;
    }
    printf("data: %s: %zu sequences; split seed %llu, train fraction %.2f -> %zu train (%zu normal used for learning), "
           "%zu test; injected training noise %.0f %%\n",
           argv[optind], n, (unsigned long long)seed, train_frac, ntrain_all, ntr, n - ntrain_all, noise * 100);
    sg_tadam_learn_opts o;
    sg_tadam_learn_opts_init(&o);
    o.noise_ops = no_noise ? 0 : SG_TADAM_NOISE_ALL;
    o.threads = (int)jobs;
    o.quiet = quiet;
    o.max_iters = (unsigned)max_iters;
    double t0 = now_s();
    if (sg_tadam_learn(train_set, tr, ntr, &o, &m, &err) != SG_OK) {
        rc = sg_cli_error(CMD, &err);
        goto done;
    }
    double t1 = now_s();
    sg_tadam_info info;
    sg_tadam_model_info(m, &info);
    printf("tadam%s: learnt in %.2f s (%d threads): %zu states, %zu edges, %zu symbols, MDL %.1f bits (model %.1f), "
           "noise p: add %.4f dup %.4f swap %.4f del %.4f\n",
           no_noise ? " (no noise model)" : "", t1 - t0, sg_threads_get(), info.n_states, info.n_edges,
           info.n_symbols, info.cost_model + info.cost_data, info.cost_model, info.p_noise[1], info.p_noise[2],
           info.p_noise[3], info.p_noise[4]);
    if (model_out) {
        sg_tadam_model_set_source(m, argv[optind], NULL);
        if (sg_tadam_model_save(m, model_out, SG_TADAM_FMT_SECGEN, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        sg_tadam_score sc;
        if (sg_tadam_score_seq(m, set, sg_seq_set_get(set, i), &sc, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            goto done;
        }
        s_t[i] = sc.bits;
        s_tn[i] = sc.bits_per_event;
    }
    printf("scoring: %.2f s for %zu sequences\n", now_s() - t1, n);
    report("tadam bits", s_t, lab, is_train, n);
    report("tadam bits/event", s_tn, lab, is_train, n);
    if (bigram) {
        if (sg_tadam_bigram_learn(train_set, tr, ntr, &bg, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            goto done;
        }
        for (size_t i = 0; i < n; i++) s_b[i] = sg_tadam_bigram_score(bg, set, sg_seq_set_get(set, i));
        report("bigram bits", s_b, lab, is_train, n);
        for (size_t i = 0; i < n; i++) s_b[i] /= (double)(sg_seq_set_get(set, i)->n + 1);
        report("bigram bits/event", s_b, lab, is_train, n);
    }
    if (scores_out) {
        sg_outfile *of;
        if (sg_outfile_open(&of, scores_out, &err) != SG_OK) {
            rc = sg_cli_error(CMD, &err);
            goto done;
        }
        FILE *fp = sg_outfile_fp(of);
        fprintf(fp, "id,label,split,tadam_bits,tadam_bits_per_event\n");
        for (size_t i = 0; i < n; i++)
            fprintf(fp, "%s,%d,%s,%.4f,%.5f\n", sg_seq_set_get(set, i)->id, lab[i], is_train[i] ? "train" : "test",
                    s_t[i], s_tn[i]);
        if (sg_outfile_commit(of, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
    }
done:
    sg_tadam_bigram_destroy(bg);
    sg_tadam_model_destroy(m);
    sg_seq_set_destroy(noisy);
    sg_seq_set_destroy(set);
    free(is_train);
    free(lab);
    free(tr);
    free(s_t);
    free(s_tn);
    free(s_b);
    return rc;
}

int sg_cmd_automata(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SG_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
        usage(stdout);
        return SG_EXIT_OK;
    }
    if (!strcmp(a, "learn")) return act_learn(argc - 1, argv + 1);
    if (!strcmp(a, "score")) return act_score(argc - 1, argv + 1);
    if (!strcmp(a, "sample")) return act_sample(argc - 1, argv + 1);
    if (!strcmp(a, "show")) return act_show(argc - 1, argv + 1);
    if (!strcmp(a, "convert")) return act_convert(argc - 1, argv + 1);
    if (!strcmp(a, "evaluate")) return act_evaluate(argc - 1, argv + 1);
    return sg_cli_usage_error(CMD, "unknown action '%s' (learn, score, sample, show, convert, evaluate)", a);
}
