/* TADAM scoring (anomaly detection), the bigram baseline, AUROC/F1, noise injection and automaton sets. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tadam/tadam_internal.h"

/* ---- scoring ------------------------------------------------------------------------------- */

static sg_status score_ids(const sg_tadam_model *m, size_t n, const int32_t *sym, const int64_t *iat,
                           const int64_t *pay, int unknown, unsigned flags, sg_tadam_score *out, sg_error *err)
{
    memset(out, 0, sizeof *out);
    if (n > ((size_t)1 << 22) / (m->n_states + 1)) /* DP memory bound (~150 MB) */
        return sg_error_set(err, SG_ERR_RANGE, "sequence of %zu events too long to score with %u states", n, m->n_states);
    int32_t *x0 = malloc((n + 1) * sizeof *x0), *x1 = malloc((n + 1) * sizeof *x1);
    int32_t *sy = malloc((n + 1) * sizeof *sy);
    if (!x0 || !x1 || !sy) {
        free(x0);
        free(x1);
        free(sy);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        sy[i] = sym[i];
        x0[i] = tdm_grid(iat ? iat[i] : 0, m->scale_iat);
        x1[i] = tdm_grid(pay ? pay[i] : 0, m->scale_payload);
    }
    sy[n] = TDM_END;
    x0[n] = x1[n] = 0;
    tdm_view v;
    tdm_model_view(m, &v);
    const int timed = (flags & SG_TADAM_SCORE_UNTIMED) == 0;
    /* Two-part code: the symbols first, with their best repair priced on symbols alone (what
     * happened), then the values along that repair, each under its edge's Gaussian or the shared
     * time model. Letting the values choose the repair (one joint optimum) made a timing
     * mismatch look like a symbol repair: HDFS symbol-part AUROC 0.9948 against 0.9970 for the
     * same automaton scored on symbols (docs/tadam.md "Scoring"). */
    v.untimed = 1;
    tdm_dp_scratch sc = {0};
    tdm_step *steps = NULL;
    size_t ns = 0;
    double c = tdm_repair(&v, sy, x0, x1, n + 1, &sc, &steps, &ns);
    v.untimed = 0;
    out->unknown_symbols = unknown;
    double ex = 0, ex_time = 0;
    for (size_t i = 0; i <= n; i++) {
        ex += tdm_sym_bits(&v, sy[i]);
        if (i < n && timed) ex_time += tdm_null_bits(v.null, x0[i], x1[i]); /* "$" carries no values */
    }
    out->time_null_bits = ex_time;
    if (c <= ex) { /* the encoder sends the sequence verbatim when that is shorter */
        out->symbol_bits = c;
        for (size_t i = 0; i < ns; i++) {
            const tdm_step *t = &steps[i];
            out->n_repairs += t->op != TDM_OP_TR;
            if (!timed || t->pos < 0) continue;
            size_t p = (size_t)t->pos;
            if (t->op == TDM_OP_ADD)
                out->time_bits += tdm_null_bits(v.null, x0[p], x1[p]);
            else if (t->op != TDM_OP_DEL && t->edge >= 0 && sy[p] != (int32_t)TDM_END)
                out->time_bits += tdm_view_value_bits(&v, (uint32_t)t->edge, x0[p], x1[p]);
        }
        out->repaired = out->n_repairs > 0;
    } else {
        out->symbol_bits = ex;
        out->time_bits = ex_time;
        out->repaired = 2;
    }
    out->code_bits = out->symbol_bits + out->time_bits;
    /* the anomaly score: symbols plus the time bits beyond the shared time model (the values can
     * be sent either way, so timing never makes a sequence look more normal than its symbols
     * say; HDFS: AUROC 0.969 with the code length, 0.989 with this, see docs/tadam.md) */
    double excess = out->time_bits - out->time_null_bits;
    out->bits = out->symbol_bits + (excess > 0 ? excess : 0);
    out->bits_per_event = out->bits / (double)(n + 1);
    tdm_dp_scratch_free(&sc);
    free(x0);
    free(x1);
    free(sy);
    return SG_OK;
}

sg_status sg_tadam_score_events(const sg_tadam_model *m, size_t n, const char *const *symbols, const int64_t *iat_us,
                                const int64_t *payload, sg_tadam_score *out, sg_error *err)
{
    int32_t *sym = malloc((n + 1) * sizeof *sym);
    if (!sym) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    int unknown = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = symbols[i] ? tdm_model_find_symbol(m, symbols[i], strlen(symbols[i])) : -1;
        if (id == (int64_t)TDM_END) id = -1; /* "$" inside a sequence is not an end marker here */
        sym[i] = (int32_t)id;
        unknown += id < 0;
    }
    sg_status st = score_ids(m, n, sym, iat_us, payload, unknown, 0, out, err);
    free(sym);
    return st;
}

sg_status sg_tadam_score_seq(const sg_tadam_model *m, const sg_seq_set *set, const sg_seq *s, sg_tadam_score *out,
                             sg_error *err)
{
    return sg_tadam_score_seq_ex(m, set, s, 0, out, err);
}

sg_status sg_tadam_score_seq_ex(const sg_tadam_model *m, const sg_seq_set *set, const sg_seq *s, unsigned flags,
                                sg_tadam_score *out, sg_error *err)
{
    int32_t *sym = malloc((s->n + 1) * sizeof *sym);
    if (!sym) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    int unknown = 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *nm = sg_seq_set_symbol(set, s->sym[i]);
        int64_t id = nm ? tdm_model_find_symbol(m, nm, strlen(nm)) : -1;
        if (id == (int64_t)TDM_END) id = -1;
        sym[i] = (int32_t)id;
        unknown += id < 0;
    }
    sg_status st = score_ids(m, s->n, sym, s->iat_us, s->payload, unknown, flags, out, err);
    free(sym);
    return st;
}

/* ---- bigram baseline ------------------------------------------------------------------------ */

struct sg_tadam_bigram {
    sg_hashmap *idx; /* symbol name -> id (1..V); 0 = start/end marker; V+1 = unknown */
    size_t V;
    double *cnt; /* [(V+2) x (V+2)] */
    double *row; /* [(V+2)] */
};

static size_t bg_id(const sg_tadam_bigram *b, const char *nm)
{
    uint64_t v;
    if (nm && sg_hashmap_get(b->idx, nm, strlen(nm), &v)) return (size_t)v;
    return b->V + 1;
}

sg_status sg_tadam_bigram_learn(const sg_seq_set *set, const size_t *idx, size_t n_idx, sg_tadam_bigram **out,
                                sg_error *err)
{
    *out = NULL;
    size_t n = idx ? n_idx : sg_seq_set_count(set);
    if (n == 0) return sg_error_set(err, SG_ERR_EMPTY, "no sequences to learn from");
    sg_tadam_bigram *b = calloc(1, sizeof *b);
    if (!b || !(b->idx = sg_hashmap_create(64))) {
        free(b);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, idx ? idx[k] : k);
        for (size_t i = 0; i < s->n; i++) {
            const char *nm = sg_seq_set_symbol(set, s->sym[i]);
            uint64_t v;
            if (nm && !sg_hashmap_get(b->idx, nm, strlen(nm), &v)) sg_hashmap_put(b->idx, nm, strlen(nm), ++b->V);
        }
    }
    size_t W = b->V + 2;
    b->cnt = calloc(W * W, sizeof *b->cnt);
    b->row = calloc(W, sizeof *b->row);
    if (!b->cnt || !b->row) {
        sg_tadam_bigram_destroy(b);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        const sg_seq *s = sg_seq_set_get(set, idx ? idx[k] : k);
        size_t prev = 0;
        for (size_t i = 0; i <= s->n; i++) {
            size_t cur = i < s->n ? bg_id(b, sg_seq_set_symbol(set, s->sym[i])) : 0;
            b->cnt[prev * W + cur] += 1;
            b->row[prev] += 1;
            prev = cur;
        }
    }
    *out = b;
    return SG_OK;
}

double sg_tadam_bigram_score(const sg_tadam_bigram *b, const sg_seq_set *set, const sg_seq *s)
{
    /* add-1/2 smoothing over V known symbols + end marker + one unknown class */
    const double a = 0.5;
    size_t W = b->V + 2;
    double bits = 0;
    size_t prev = 0;
    for (size_t i = 0; i <= s->n; i++) {
        size_t cur = i < s->n ? bg_id(b, sg_seq_set_symbol(set, s->sym[i])) : 0;
        double p = (b->cnt[prev * W + cur] + a) / (b->row[prev] + a * (double)W);
        bits -= log2(p);
        prev = cur;
    }
    return bits;
}

void sg_tadam_bigram_destroy(sg_tadam_bigram *b)
{
    if (!b) return;
    sg_hashmap_destroy(b->idx);
    free(b->cnt);
    free(b->row);
    free(b);
}

/* ---- AUROC and thresholds --------------------------------------------------------------------- */

typedef struct sl {
    double s;
    int8_t l;
} sl;

static int cmp_sl(const void *a, const void *b)
{
    const sl *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return (x->l > y->l) - (x->l < y->l);
}

static size_t collect(const double *scores, const int8_t *labels, size_t n, sl **out, size_t *npos)
{
    sl *v = malloc((n ? n : 1) * sizeof *v);
    size_t k = 0, p = 0;
    if (!v) {
        *out = NULL;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if ((labels[i] == 0 || labels[i] == 1) && !isnan(scores[i])) {
            v[k++] = (sl){scores[i], labels[i]};
            p += labels[i] == 1;
        }
    qsort(v, k, sizeof *v, cmp_sl);
    *out = v;
    *npos = p;
    return k;
}

double sg_tadam_auroc(const double *scores, const int8_t *labels, size_t n)
{
    sl *v;
    size_t np, k = collect(scores, labels, n, &v, &np);
    size_t nn = k - np;
    if (!v || np == 0 || nn == 0) {
        free(v);
        return NAN;
    }
    /* Mann-Whitney U with mid-ranks for ties */
    double rank_sum = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && v[j].s == v[i].s) j++;
        double mid = (double)(i + 1 + j) / 2.0;
        for (size_t t = i; t < j; t++)
            if (v[t].l == 1) rank_sum += mid;
        i = j;
    }
    free(v);
    return (rank_sum - (double)np * (np + 1) / 2.0) / ((double)np * (double)nn);
}

void sg_tadam_rates(const double *scores, const int8_t *labels, size_t n, double threshold, double *tpr, double *fpr,
                    double *precision, double *f1)
{
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != 0 && labels[i] != 1) continue;
        int flag = scores[i] >= threshold;
        if (labels[i] == 1) flag ? tp++ : fn++;
        else flag ? fp++ : tn++;
    }
    double r = tp + fn > 0 ? tp / (tp + fn) : 0, p = tp + fp > 0 ? tp / (tp + fp) : 0;
    if (tpr) *tpr = r;
    if (fpr) *fpr = fp + tn > 0 ? fp / (fp + tn) : 0;
    if (precision) *precision = p;
    if (f1) *f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
}

double sg_tadam_best_f1_threshold(const double *scores, const int8_t *labels, size_t n, double *f1)
{
    sl *v;
    size_t np, k = collect(scores, labels, n, &v, &np);
    double best_t = HUGE_VAL, best_f = -1;
    if (v && k > 0) {
        /* sweep thresholds from the top: flagged = v[i..k) */
        double tp = 0, fp = 0;
        for (size_t i = k; i-- > 0;) {
            if (v[i].l == 1) tp++;
            else fp++;
            if (i > 0 && v[i - 1].s == v[i].s) continue;
            double r = np ? tp / (double)np : 0, p = tp / (tp + fp);
            double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
            if (f > best_f) {
                best_f = f;
                /* midpoint to the next lower score generalises better than the exact value */
                best_t = i > 0 ? (v[i].s + v[i - 1].s) / 2 : v[i].s;
                if (i > 0 && !(best_t > v[i - 1].s)) best_t = v[i].s;
            }
        }
    }
    free(v);
    if (f1) *f1 = best_f < 0 ? 0 : best_f;
    return best_t;
}

/* ---- noise injection ---------------------------------------------------------------------- */

sg_status sg_tadam_inject_noise(const sg_seq_set *in, double rate, uint64_t seed, sg_seq_set **out, sg_error *err)
{
    *out = NULL;
    if (!(rate >= 0 && rate <= 1)) return sg_error_set(err, SG_ERR_RANGE, "noise rate must be in [0,1]");
    sg_seq_set *o = sg_seq_set_create();
    if (!o) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sg_seq_set_nsymbols(in); i++)
        if (sg_seq_set_intern(o, sg_seq_set_symbol(in, (uint32_t)i)) != (int64_t)i) {
            sg_seq_set_destroy(o);
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
    size_t cap = 0;
    uint32_t *sym = NULL;
    int64_t *iat = NULL, *pay = NULL;
    sg_status st = SG_OK;
    for (size_t k = 0; k < sg_seq_set_count(in) && st == SG_OK; k++) {
        const sg_seq *s = sg_seq_set_get(in, k);
        if (2 * s->n + 1 > cap) {
            cap = 2 * s->n + 1;
            uint32_t *a = realloc(sym, cap * sizeof *a);
            if (a) sym = a;
            int64_t *b = realloc(iat, cap * sizeof *b);
            if (b) iat = b;
            int64_t *c = realloc(pay, cap * sizeof *c);
            if (c) pay = c;
            if (!a || !b || !c) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                break;
            }
        }
        sg_rng r;
        sg_rng_init(&r, seed, SG_STREAM_TADAM_NOISE, k);
        size_t m = 0;
        for (size_t i = 0; i < s->n; i++) {
            double u = sg_rng_uniform(&r);
            int64_t t = s->iat_us ? s->iat_us[i] : 0, p = s->payload ? s->payload[i] : 0;
            if (u < rate / 3) continue; /* missing */
            if (u < 2 * rate / 3 && i + 1 < s->n) { /* swapped with the next one */
                sym[m] = s->sym[i + 1];
                iat[m] = s->iat_us ? s->iat_us[i + 1] : 0;
                pay[m++] = s->payload ? s->payload[i + 1] : 0;
                sym[m] = s->sym[i];
                iat[m] = t;
                pay[m++] = p;
                i++;
                continue;
            }
            sym[m] = s->sym[i];
            iat[m] = t;
            pay[m++] = p;
            if (u >= 2 * rate / 3 && u < rate) { /* duplicated */
                sym[m] = s->sym[i];
                iat[m] = 0;
                pay[m++] = p;
            }
        }
        st = sg_seq_set_add(o, s->id, s->proto, s->service_port, s->label, m, sym, iat, pay);
        if (st != SG_OK) sg_error_set(err, st, "cannot add a sequence");
    }
    free(sym);
    free(iat);
    free(pay);
    if (st != SG_OK) {
        sg_seq_set_destroy(o);
        return st;
    }
    *out = o;
    return SG_OK;
}

/* ---- sets of automata ---------------------------------------------------------------------- */

struct sg_tadam_set {
    sg_tadam_model **m;
    size_t n, cap;
};

sg_tadam_set *sg_tadam_set_create(void) { return calloc(1, sizeof(sg_tadam_set)); }

void sg_tadam_set_destroy(sg_tadam_set *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) sg_tadam_model_destroy(s->m[i]);
    free(s->m);
    free(s);
}

sg_status sg_tadam_set_add(sg_tadam_set *s, sg_tadam_model *m, sg_error *err)
{
    if (s->n == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 8;
        sg_tadam_model **p = realloc(s->m, c * sizeof *p);
        if (!p) {
            sg_tadam_model_destroy(m);
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        s->m = p;
        s->cap = c;
    }
    s->m[s->n++] = m;
    return SG_OK;
}

size_t sg_tadam_set_count(const sg_tadam_set *s) { return s->n; }
const sg_tadam_model *sg_tadam_set_get(const sg_tadam_set *s, size_t i) { return i < s->n ? s->m[i] : NULL; }
sg_tadam_model *sg_tadam_set_get_mut(sg_tadam_set *s, size_t i) { return i < s->n ? s->m[i] : NULL; }

const sg_tadam_model *sg_tadam_set_find(const sg_tadam_set *s, uint8_t proto, int32_t port)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i]->proto == proto && s->m[i]->port == port && port >= 0) return s->m[i];
    /* the port alone only when a protocol is unknown (a Fos-R automaton without one): TCP/53 must
     * not get the UDP dns automaton's datagram shape */
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i]->port == port && port >= 0 && (s->m[i]->proto == 0 || proto == 0)) return s->m[i];
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i]->proto == proto && s->m[i]->port < 0) return s->m[i];
    return sg_tadam_set_find_name(s, "all");
}

const sg_tadam_model *sg_tadam_set_find_name(const sg_tadam_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i]->name && !strcmp(s->m[i]->name, name)) return s->m[i];
    return NULL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

sg_status sg_tadam_set_load_dir(sg_tadam_set *s, const char *dir, sg_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/index.json", dir);
    FILE *fp = fopen(path, "rb");
    if (fp) {
        fclose(fp);
        json_error_t je;
        json_t *r = json_load_file(path, 0, &je);
        if (!r) return sg_error_set(err, SG_ERR_PARSE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        json_t *arr = json_object_get(r, "automata");
        if (!json_is_array(arr)) {
            json_decref(r);
            return sg_error_set(err, SG_ERR_PARSE, "%s: \"automata\" must be an array", path);
        }
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *f = json_object_get(json_array_get(arr, i), "file");
            if (!json_is_string(f) || strchr(json_string_value(f), '/')) {
                json_decref(r);
                return sg_error_set(err, SG_ERR_PARSE, "%s: automata[%zu].file must be a file name", path, i);
            }
            char p2[4096];
            snprintf(p2, sizeof p2, "%s/%s", dir, json_string_value(f));
            sg_tadam_model *m;
            sg_status st = sg_tadam_model_load(p2, SG_TADAM_FMT_AUTO, &m, err);
            if (st == SG_OK) st = sg_tadam_set_add(s, m, err);
            if (st != SG_OK) {
                json_decref(r);
                return st;
            }
        }
        json_decref(r);
        return SG_OK;
    }
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        sg_file_kind k; /* a file given for a directory: say what it is */
        if (e == ENOTDIR && sg_file_kind_of(dir, &k, NULL) == SG_OK) return sg_file_kind_require(dir, k, SG_FILE_DIRECTORY, err);
        return sg_error_set(err, SG_ERR_IO, "%s: cannot open directory: %s", dir, strerror(e));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    sg_status st = SG_OK;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                break;
            }
            names = p;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (st == SG_OK && n > 1) qsort(names, n, sizeof *names, cmp_str); /* names is NULL when n == 0 */
    for (size_t i = 0; i < n && st == SG_OK; i++) {
        char p2[4096];
        snprintf(p2, sizeof p2, "%s/%s", dir, names[i]);
        sg_tadam_model *m;
        st = sg_tadam_model_load(p2, SG_TADAM_FMT_AUTO, &m, err);
        if (st == SG_OK) st = sg_tadam_set_add(s, m, err);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (st == SG_OK && s->n == 0) st = sg_error_set(err, SG_ERR_EMPTY, "%s: no automata found", dir);
    return st;
}

/* ---- files: a model or a directory, a scores CSV ---------------------------------------------- */

sg_status sg_tadam_set_load_path(const char *path, sg_tadam_format fmt, sg_tadam_set **out, sg_error *err)
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

sg_status sg_tadam_score_csv(const sg_tadam_set *ms, const sg_seq_set *set, unsigned flags, const char *path,
                             size_t *n_missing, sg_error *err)
{
    sg_outfile *of = NULL;
    sg_status st = sg_outfile_open(&of, path, err);
    if (st != SG_OK) return st;
    FILE *fp = sg_outfile_fp(of);
    fprintf(fp, "id,label,n,automaton,bits,bits_per_event,repairs,unknown_symbols,status,symbol_bits,time_bits,"
                "time_null_bits,code_bits\n");
    size_t missing = 0;
    static const char *const stname[] = {"parsed", "repaired", "explicit"};
    for (size_t i = 0; i < sg_seq_set_count(set); i++) {
        const sg_seq *s = sg_seq_set_get(set, i);
        const sg_tadam_model *m =
            sg_tadam_set_count(ms) == 1 ? sg_tadam_set_get(ms, 0) : sg_tadam_set_find(ms, s->proto, s->service_port);
        if (!m) {
            missing++;
            fprintf(fp, "%s,%d,%zu,,,,,,no-automaton,,,,\n", s->id ? s->id : "", s->label, s->n);
            continue;
        }
        sg_tadam_score sc;
        if ((st = sg_tadam_score_seq_ex(m, set, s, flags, &sc, err)) != SG_OK) {
            sg_error_prefix(err, "sequence '%s': ", s->id ? s->id : "");
            sg_outfile_abort(of);
            return st;
        }
        fprintf(fp, "%s,%d,%zu,%s,%.4f,%.5f,%zu,%d,%s,%.4f,%.4f,%.4f,%.4f\n", s->id ? s->id : "", s->label, s->n, m->name,
                sc.bits, sc.bits_per_event, sc.n_repairs, sc.unknown_symbols, stname[sc.repaired], sc.symbol_bits,
                sc.time_bits, sc.time_null_bits, sc.code_bits);
    }
    if (n_missing) *n_missing = missing;
    return sg_outfile_commit(of, err);
}
