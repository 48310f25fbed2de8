/* TADAM training protocol behind `automata learn`: grouping sequences by service/port, the seeded
 * hold-out split, the m-of-n subsample, one automaton per group with held-out code lengths, and
 * the directory index (DIR/index.json). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tadam/tadam_internal.h"

int sg_tadam_group_by_parse(const char *s, sg_tadam_group_by *out)
{
    if (!s) return -1;
    if (!strcmp(s, "service")) *out = SG_TADAM_BY_SERVICE;
    else if (!strcmp(s, "port")) *out = SG_TADAM_BY_PORT;
    else if (!strcmp(s, "none")) *out = SG_TADAM_BY_NONE;
    else return -1;
    return 0;
}

static void group_key(const sg_seq *s, sg_tadam_group_by by, char *key, size_t keysz)
{
    if (by == SG_TADAM_BY_NONE) snprintf(key, keysz, "all");
    else if (by == SG_TADAM_BY_PORT) {
        char b[32];
        if (s->service_port < 0) snprintf(key, keysz, "all");
        else snprintf(key, keysz, "%s-%d", sg_proto_name(s->proto, b, sizeof b), (int)s->service_port);
        for (char *p = key; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    } else
        sg_tadam_service_name(s->proto, s->service_port, key, keysz);
}

void sg_tadam_groups_free(sg_tadam_group *g, size_t ng)
{
    for (size_t k = 0; k < ng; k++) free(g[k].idx);
    free(g);
}

sg_status sg_tadam_group_seqs(const sg_seq_set *set, sg_tadam_group_by by, int normal_only, sg_tadam_group **groups,
                              size_t *n_groups, sg_error *err)
{
    sg_tadam_group *g = NULL;
    size_t ng = 0;
    for (size_t i = 0; i < sg_seq_set_count(set); i++) {
        const sg_seq *s = sg_seq_set_get(set, i);
        if (normal_only && s->label == 1) continue;
        char key[64];
        group_key(s, by, key, sizeof key);
        /* groups are few (services): a linear scan keeps first-seen order without a map */
        size_t k = 0;
        while (k < ng && strcmp(g[k].key, key)) k++;
        if (k == ng) {
            sg_tadam_group *ng2 = realloc(g, (ng + 1) * sizeof *g);
            if (!ng2) goto oom;
            g = ng2;
            memset(&g[ng], 0, sizeof g[ng]);
            snprintf(g[ng].key, sizeof g[ng].key, "%s", key);
            ng++;
        }
        if (g[k].n == g[k].cap) {
            size_t c2 = g[k].cap ? g[k].cap * 2 : 64;
            size_t *p = realloc(g[k].idx, c2 * sizeof *p);
            if (!p) goto oom;
            g[k].idx = p;
            g[k].cap = c2;
        }
        g[k].idx[g[k].n++] = i;
    }
    *groups = g;
    *n_groups = ng;
    return SG_OK;
oom:
    sg_tadam_groups_free(g, ng);
    return sg_error_set(err, SG_ERR_NOMEM, "out of memory grouping sequences");
}

sg_status sg_tadam_holdout_split(size_t *idx, size_t *n_idx, uint64_t seed, double frac, size_t **hold, size_t *n_hold,
                                 sg_error *err)
{
    *hold = NULL;
    *n_hold = 0;
    if (!(frac > 0)) return SG_OK;
    size_t n = *n_idx, nh = 0, keep = 0;
    size_t *h = malloc((n ? n : 1) * sizeof *h);
    if (!h) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        sg_rng r;
        /* a stream of its own (seed mixed): the hold-out does not follow the subsample's draws */
        sg_rng_init(&r, seed ^ 0x5bd1e995u, SG_STREAM_TADAM_SPLIT, idx[i]);
        if (sg_rng_uniform(&r) < frac)
            h[nh++] = idx[i];
        else
            idx[keep++] = idx[i];
    }
    *n_idx = keep;
    *hold = h;
    *n_hold = nh;
    return SG_OK;
}

static int cmp_size_t(const void *a, const void *b)
{
    const size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

sg_status sg_tadam_search_sample(const sg_seq_set *set, const size_t *ids, size_t n, uint64_t seed,
                                 size_t max_sequences, size_t max_words, size_t *out, size_t *n_out, size_t *n_words,
                                 sg_error *err)
{
    *n_out = 0;
    if (n_words) *n_words = 0;
    if (n == 0) return SG_OK;
    const size_t cap_seq = max_sequences ? max_sequences : n;
    if (!max_words) {
        const size_t m = cap_seq < n ? cap_seq : n;
        sg_status st = sg_sample_keyed(seed, SG_STREAM_TADAM_SPLIT, ids, n, m, out, err);
        if (st == SG_OK) *n_out = m;
        return st;
    }
    size_t *ord = malloc(n * sizeof *ord);
    const size_t lim = max_words < n ? max_words : n;
    sg_hashmap *seen = sg_hashmap_create(lim + 1); /* the distinct words taken so far */
    sg_status st = ord && seen ? sg_order_keyed(seed, SG_STREAM_TADAM_SPLIT, ids, n, ord, err)
                               : sg_error_set(err, SG_ERR_NOMEM, "out of memory sampling %zu sequences", n);
    size_t m = 0, words = 0;
    for (; st == SG_OK && m < n && m < cap_seq; m++) {
        const sg_seq *s = sg_seq_set_get(set, ord[m]);
        const void *key = s->n ? (const void *)s->sym : (const void *)""; /* the empty word */
        const size_t klen = s->n * sizeof *s->sym;
        if (!sg_hashmap_get(seen, key, klen, NULL)) {
            if (words == max_words) break; /* a prefix of the random order: the sample stays uniform */
            if (sg_hashmap_put(seen, key, klen, 1) != SG_OK) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory sampling %zu sequences", n);
                break;
            }
            words++;
        }
        out[m] = ord[m];
    }
    sg_hashmap_destroy(seen);
    free(ord);
    if (st != SG_OK) return st;
    qsort(out, m, sizeof *out, cmp_size_t);
    *n_out = m;
    if (n_words) *n_words = words;
    return SG_OK;
}

void sg_tadam_dir_opts_init(sg_tadam_dir_opts *o)
{
    memset(o, 0, sizeof *o);
    sg_tadam_learn_opts_init(&o->learn);
    o->by = SG_TADAM_BY_SERVICE;
    o->min_sequences = 20;
    o->max_sequences = 20000;
    o->max_words = 2000;
    o->seed = 1;
    o->format = SG_TADAM_FMT_SECGEN;
}

/* Held-out code lengths (bits summed over the held-out sequences, events counting the end
 * marker): TADAM timed, TADAM symbols only and the bigram baseline learnt on the same training
 * sequences. Stops at the first sequence that cannot be scored and names it; hb/hev are only
 * written on success. */
static sg_status holdout_bits(const sg_tadam_model *m, const sg_seq_set *set, const size_t *train, size_t n_train,
                              const size_t *hold, size_t n_hold, double hb[3], double *hev, sg_error *err)
{
    sg_tadam_bigram *bg = NULL;
    sg_status st = sg_tadam_bigram_learn(set, train, n_train, &bg, err);
    if (st != SG_OK) return st;
    double sum[3] = {0, 0, 0}, ev = 0;
    for (size_t i = 0; i < n_hold; i++) {
        const sg_seq *s = sg_seq_set_get(set, hold[i]);
        sg_tadam_score a, b;
        if ((st = sg_tadam_score_seq_ex(m, set, s, 0, &a, err)) != SG_OK ||
            (st = sg_tadam_score_seq_ex(m, set, s, SG_TADAM_SCORE_UNTIMED, &b, err)) != SG_OK) {
            sg_error_prefix(err, "held-out sequence '%s': ", s->id ? s->id : "");
            sg_tadam_bigram_destroy(bg);
            return st;
        }
        sum[0] += a.code_bits; /* held-out compression: the code length, not the anomaly score */
        sum[1] += b.bits;
        sum[2] += sg_tadam_bigram_score(bg, set, s);
        ev += (double)s->n + 1;
    }
    sg_tadam_bigram_destroy(bg);
    memcpy(hb, sum, sizeof sum);
    *hev = ev;
    return SG_OK;
}

/* learn, measure and save the automaton of one group; appends its index entry to arr */
static sg_status learn_group(const sg_seq_set *set, const char *dir, const sg_tadam_dir_opts *o, sg_tadam_group *g,
                             json_t *arr, sg_tadam_group_report *rep, sg_error *err)
{
    const char *src = o->source ? o->source : "";
    size_t *hold = NULL, nhold = 0;
    sg_status st = sg_tadam_holdout_split(g->idx, &g->n, o->seed, o->holdout, &hold, &nhold, err);
    if (st != SG_OK) return st;
    size_t n = g->n;
    { /* the search sample: deterministic, keyed by sequence index */
        size_t *sel = malloc((n ? n : 1) * sizeof *sel), m = 0;
        st = sel ? sg_tadam_search_sample(set, g->idx, n, o->seed, o->max_sequences, o->max_words, sel, &m, NULL, err)
                 : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (st != SG_OK) {
            free(sel);
            free(hold);
            return st;
        }
        free(g->idx);
        g->idx = sel;
        g->cap = n ? n : 1;
        g->n = n = m;
    }
    sg_tadam_learn_opts lo = o->learn;
    lo.name = g->key;
    sg_tadam_model *m = NULL;
    if (n == 0)
        st = sg_error_set(err, SG_ERR_EMPTY, "no training sequences left");
    else
        st = sg_tadam_learn(set, g->idx, n, &lo, &m, err);
    double hb[3] = {0, 0, 0}, hev = 0;
    if (st == SG_OK && nhold) st = holdout_bits(m, set, g->idx, n, hold, nhold, hb, &hev, err);
    free(hold);
    if (st == SG_OK) st = sg_tadam_model_set_source(m, src, err);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", dir, g->key);
    if (st == SG_OK) st = sg_tadam_model_save(m, path, o->format, err);
    if (st != SG_OK) {
        sg_error_prefix(err, "%s: learning %s: ", src, g->key);
        sg_tadam_model_destroy(m);
        return st;
    }
    sg_tadam_info info;
    sg_tadam_model_info(m, &info);
    char fn[128];
    snprintf(fn, sizeof fn, "%s.json", g->key);
    json_t *ent = json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I}", "name", g->key, "file", fn, "proto",
                            info.proto ? json_integer(info.proto) : json_null(), "service_port",
                            info.service_port >= 0 ? json_integer(info.service_port) : json_null(), "states",
                            (json_int_t)info.n_states, "edges", (json_int_t)info.n_edges, "sequences", (json_int_t)n);
    if (ent && nhold)
        json_object_set_new(ent, "holdout", json_pack("{s:I,s:f,s:f,s:f}", "sequences", (json_int_t)nhold,
                                                      "bits_per_event", hb[0] / hev, "untimed_bits_per_event",
                                                      hb[1] / hev, "bigram_bits_per_event", hb[2] / hev));
    if (!ent || json_array_append_new(arr, ent) != 0) {
        sg_tadam_model_destroy(m);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    rep->n_train = n;
    rep->n_states = info.n_states;
    rep->n_edges = info.n_edges;
    rep->bits = info.cost_model + info.cost_data;
    rep->n_holdout = nhold;
    for (int i = 0; i < 3; i++) rep->holdout_bits_per_event[i] = nhold ? hb[i] / hev : 0;
    sg_tadam_model_destroy(m);
    return SG_OK;
}

sg_status sg_tadam_learn_dir(const sg_seq_set *set, const char *dir, const sg_tadam_dir_opts *o,
                             sg_tadam_group_fn report, void *ctx, sg_error *err)
{
    const char *src = o->source ? o->source : "";
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sg_error_set(err, SG_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
    sg_tadam_group *g = NULL;
    size_t ng = 0;
    sg_status st = sg_tadam_group_seqs(set, o->by, o->normal_only, &g, &ng, err);
    if (st != SG_OK) return st;
    json_t *index = json_pack("{s:s,s:i,s:s}", "format", "secgen-automata-index", "version", 1, "source", src);
    json_t *arr = json_array();
    if (!index || !arr) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    size_t learned = 0;
    for (size_t k = 0; k < ng && st == SG_OK; k++) {
        sg_tadam_group_report rep = {.name = g[k].key, .n_sequences = g[k].n};
        if (g[k].n < o->min_sequences) {
            rep.skipped = 1;
            if (report) report(&rep, ctx);
            continue;
        }
        st = learn_group(set, dir, o, &g[k], arr, &rep, err);
        if (st != SG_OK) break;
        if (report) report(&rep, ctx);
        learned++;
    }
    if (st == SG_OK && learned == 0)
        st = sg_error_set(err, SG_ERR_EMPTY, "%s: no group has at least %zu sequences", src, o->min_sequences);
    if (st == SG_OK && o->format == SG_TADAM_FMT_SECGEN) {
        json_object_set_new(index, "automata", arr);
        arr = NULL;
        char *s = json_dumps(index, JSON_INDENT(1));
        char path[4096];
        snprintf(path, sizeof path, "%s/index.json", dir);
        if (!s) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else st = sg_file_write_atomic(path, s, strlen(s), err);
        free(s);
    }
    json_decref(arr);
    json_decref(index);
    sg_tadam_groups_free(g, ng);
    return st;
}
