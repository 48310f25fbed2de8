/* FlowChronicle model JSON ("format": "secgen-flow-model", "version": 1). Values are written as
 * readable strings (addresses, ports, "TCP", bin intervals); codes index the "values" list of
 * each column (ip columns: the shared "addresses" list). See docs/flowchronicle.md. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

static const char *role_name(int r) { return r == FC_ROLE_IP ? "ip" : r == FC_ROLE_NUM ? "numeric" : "categorical"; }

static const struct {
    const char *name;
    int field;
} field_names[] = {{"proto", FC_F_PROTO},       {"src_ip", FC_F_SRC_IP},       {"src_port", FC_F_SRC_PORT},
                   {"dst_ip", FC_F_DST_IP},      {"dst_port", FC_F_DST_PORT},   {"fwd_packets", FC_F_FWD_PKTS},
                   {"fwd_bytes", FC_F_FWD_BYTES}, {"bwd_packets", FC_F_BWD_PKTS}, {"bwd_bytes", FC_F_BWD_BYTES},
                   {"flags", FC_F_FLAGS},         {"duration", FC_F_DURATION}};

static const char *field_name(int f)
{
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (field_names[i].field == f) return field_names[i].name;
    return "other";
}

static int field_parse(const char *s)
{
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (!strcmp(field_names[i].name, s)) return field_names[i].field;
    return -1;
}

typedef struct label_ctx {
    const sg_fc_model *m;
    const fc_gpat *g;
} label_ctx;

static const char *bn_label(void *ctx, size_t v, uint32_t code, char *buf, size_t n)
{
    (void)buf;
    (void)n;
    label_ctx *l = ctx;
    return fc_model_label(l->m, l->g->vcol[v], code);
}

static json_t *i64_array(const int64_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) json_array_append_new(a, json_integer(v[i]));
    return a;
}

static json_t *gpat_json(const sg_fc_model *m, const fc_gpat *g, int empty)
{
    json_t *o = json_object();
    json_object_set_new(o, "usage", json_integer((json_int_t)g->usage));
    if (!empty) {
        json_object_set_new(o, "cost_bits", json_real(g->cost));
        json_t *rows = json_array();
        int setrow[FC_MAXR * FC_MAXC], setcol[FC_MAXR * FC_MAXC];
        for (size_t r = 0; r < g->p.nrows; r++)
            for (size_t c = 0; c < m->C; c++)
                if (g->p.cell[r][c].kind == FC_SET) {
                    setrow[g->p.cell[r][c].v] = (int)r;
                    setcol[g->p.cell[r][c].v] = (int)c;
                }
        for (size_t r = 0; r < g->p.nrows; r++) {
            json_t *row = json_object();
            for (size_t c = 0; c < m->C; c++) {
                const fc_cell *x = &g->p.cell[r][c];
                json_t *cell;
                if (x->kind == FC_FIXED) cell = json_pack("{s:s}", "fixed", fc_model_label(m, c, x->v));
                else if (x->kind == FC_SET) cell = json_pack("{s:b,s:b}", "free", 1, "reused_later", 1);
                else if (x->kind == FC_USE)
                    cell = json_pack("{s:[i,s]}", "reuse", setrow[x->v], m->col[setcol[x->v]].name);
                else cell = json_pack("{s:b}", "free", 1);
                json_object_set_new(row, m->col[c].name, cell);
            }
            json_array_append_new(rows, row);
        }
        json_object_set_new(o, "rows", rows);
        json_t *del = json_array();
        for (size_t r = 0; r + 1 < g->p.nrows; r++) json_array_append_new(del, i64_array(g->delays[r], g->ndelays[r]));
        json_object_set_new(o, "delays", del);
    }
    json_object_set_new(o, "starts", i64_array(g->starts, g->nstarts));
    label_ctx lc = {m, g};
    json_t *bn = sg_bn_to_json(g->bn, bn_label, &lc);
    json_object_set_new(o, "bn", bn ? bn : json_null());
    return o;
}

static json_t *model_json(const sg_fc_model *m)
{
    json_t *root = json_object();
    char a[40], b[40];
    sg_time_format(m->t_first_us, a, sizeof a);
    sg_time_format(m->t_last_us, b, sizeof b);
    json_object_set_new(root, "format", json_string("secgen-flow-model"));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "algorithm", json_string("FlowChronicle (Cuppers et al., CoNEXT 2024), secgen implementation"));
    json_object_set_new(root, "source",
                        json_pack("{s:s,s:s,s:b,s:I,s:s,s:s,s:I,s:I,s:i}", "description", m->source, "layout",
                                  sg_flow_format_name(m->layout), "unidirectional", m->unidirectional, "flows",
                                  (json_int_t)m->nflows, "first_flow", a, "last_flow", b, "t_first_us",
                                  (json_int_t)m->t_first_us, "span_units", (json_int_t)m->span10, "time_unit_us",
                                  FC_TIME_UNIT_US));
    const sg_fc_learn_stats *s = &m->stats;
    json_object_set_new(root, "learning",
                        json_pack("{s:f,s:I,s:I,s:I,s:I,s:I,s:f}", "time_window_s", m->time_window_s, "patterns",
                                  (json_int_t)s->patterns, "covered_flows", (json_int_t)s->covered_flows, "iterations",
                                  (json_int_t)s->iterations, "candidates_generated",
                                  (json_int_t)s->candidates_generated, "candidates_tested",
                                  (json_int_t)s->candidates_tested, "seconds", s->seconds));
    /* additive: the slice size of a chunked search (absent: the exact search) */
    if (s->chunk) json_object_set_new(json_object_get(root, "learning"), "chunk_flows", json_integer((json_int_t)s->chunk));
    if (s->sample) json_object_set_new(json_object_get(root, "learning"), "sample_flows", json_integer((json_int_t)s->sample));
    json_object_set_new(root, "description_length_bits",
                        json_pack("{s:f,s:f,s:f,s:f,s:f}", "model", s->model_bits, "data", s->data_bits, "total",
                                  s->total_bits, "without_patterns", s->empty_total_bits, "compression_ratio",
                                  s->compression_ratio));
    json_t *cols = json_array();
    for (size_t c = 0; c < m->C; c++) {
        const fc_column *col = &m->col[c];
        json_t *o = json_pack("{s:s,s:s,s:s,s:I}", "name", col->name, "role", role_name(col->role), "field",
                              field_name(col->field), "distinct", (json_int_t)col->ndom);
        if (col->role != FC_ROLE_IP) {
            json_t *vals = json_array();
            for (size_t v = 0; v < col->ndom; v++) json_array_append_new(vals, json_string(col->labels[v]));
            json_object_set_new(o, "values", vals);
        }
        if (col->role == FC_ROLE_NUM) {
            json_object_set_new(o, "integer", json_boolean(col->integer));
            json_t *e = json_array(), *bins = json_array();
            for (size_t k = 0; k < col->nedges; k++) json_array_append_new(e, json_real(col->edges[k]));
            for (size_t v = 0; v < col->ndom; v++) json_array_append_new(bins, json_integer(col->code_bin[v]));
            json_object_set_new(o, "edges", e);
            json_object_set_new(o, "bins", bins);
            if (col->inq) {
                json_t *wq = json_array();
                for (size_t b = 1; b < col->nedges; b++) {
                    json_t *qa = json_array();
                    for (int j = 0; j <= FC_INQ; j++) json_array_append_new(qa, json_real(col->inq[(b - 1) * (FC_INQ + 1) + j]));
                    json_array_append_new(wq, qa);
                }
                json_object_set_new(o, "within_bin_quantiles", wq);
            }
            if (col->ntopv) {
                json_t *tv = json_array();
                for (size_t i = 0; i < col->ntopv; i++) json_array_append_new(tv, json_real(col->topv[i]));
                json_object_set_new(o, "top_values", tv);
            }
            if (col->tail_fitted) { /* the top bin's tail model and the MDL decision that kept it or not */
                json_t *tl = json_object();
                json_object_set_new(tl, "model", json_string("generalised_pareto"));
                json_object_set_new(tl, "kept", json_boolean(col->tail_kept));
                json_object_set_new(tl, "threshold", json_real(col->tail_t));
                json_object_set_new(tl, "threshold_prob", json_real(col->tail_pt));
                json_object_set_new(tl, "shape_xi", json_real(col->tail_xi));
                json_object_set_new(tl, "scale_sigma", json_real(col->tail_sigma));
                json_object_set_new(tl, "truncation", json_real(col->tail_cap));
                json_object_set_new(tl, "values_above", json_real(col->tail_n));
                json_object_set_new(tl, "bits_gpd", json_real(col->tail_bits_gpd));
                json_object_set_new(tl, "bits_quantiles", json_real(col->tail_bits_q));
                json_object_set_new(o, "tail", tl);
            }
        }
        if (col->protos) { /* proto codes each port value was seen with */
            json_t *pa = json_array();
            for (size_t v = 0; v < col->ndom; v++) {
                json_t *x = json_array();
                for (uint32_t k = 0; k < 32; k++)
                    if ((col->protos[v] >> k) & 1) json_array_append_new(x, json_integer(k));
                json_array_append_new(pa, x);
            }
            json_object_set_new(o, "protocol_codes", pa);
        }
        json_array_append_new(cols, o);
    }
    json_object_set_new(root, "columns", cols);
    json_t *addr = json_array();
    for (size_t i = 0; i < m->nip; i++) json_array_append_new(addr, json_string(m->iplabels[i]));
    json_object_set_new(root, "addresses", addr);
    json_t *prof = json_object(), *how = json_array(), *hod = json_array();
    for (int h = 0; h < 168; h++) json_array_append_new(how, m->how_rate[h] >= 0 ? json_real(m->how_rate[h]) : json_null());
    for (int h = 0; h < 24; h++) json_array_append_new(hod, m->hod_rate[h] >= 0 ? json_real(m->hod_rate[h]) : json_null());
    json_object_set_new(prof, "unit", json_string("pattern instances per hour (null: hour not in the training span)"));
    json_object_set_new(prof, "hour_of_week_origin", json_string("Monday 00:00 UTC"));
    json_object_set_new(prof, "hour_of_week", how);
    json_object_set_new(prof, "hour_of_day", hod);
    json_object_set_new(prof, "mean", json_real(m->mean_rate));
    json_object_set_new(root, "time_profile", prof);
    json_t *cons = json_object();
    json_object_set_new(cons, "why", json_string("bytes and packets are binned independently; generation keeps IP bytes per "
                                                 "packet inside the range seen in training (per direction)"));
    for (int d = 0; d < 2; d++)
        if (m->have_bpp[d])
            json_object_set_new(cons, d == 0 ? "bytes_per_packet_fwd" : "bytes_per_packet_bwd",
                                json_pack("[f,f]", m->bpp_lo[d], m->bpp_hi[d]));
    json_object_set_new(cons, "one_packet_flows_have_zero_duration", json_boolean(m->one_pkt_zero_dur));
    {
        static const char *const rn[FC_NRULES] = {"zero_duration_multi_packet", "positive_duration_one_packet",
                                                  "fwd_under_42_bytes_per_packet", "bwd_under_42_bytes_per_packet",
                                                  "udp_service_port_over_tcp", "tcp_service_port_over_udp"};
        json_t *rr = json_object();
        for (int k = 0; k < FC_NRULES; k++)
            if (m->rule_rate[k] >= 0) json_object_set_new(rr, rn[k], json_real(m->rule_rate[k]));
        json_object_set_new(cons, "rule_rates", rr);
    }
    if (m->svc) {
        json_t *sv = json_array();
        for (size_t i = 0; i < m->nsvc; i++)
            json_array_append_new(sv, json_pack("[s,i,i]", m->iplabels[m->svc[i] >> 16], (int)(m->svc[i] & 0xffff),
                                                (int)(m->svc_cnt ? m->svc_cnt[i] : 1)));
        json_object_set_new(cons, "service_endpoints", sv);
    }
    for (int d = 0; d < 2; d++) {
        if (!m->pq_key[d]) continue;
        json_t *a = json_array();
        for (size_t i = 0; i < m->npq[d]; i++) {
            json_t *x = json_pack("[i,i]", (int)(m->pq_key[d][i] >> 16), (int)(m->pq_key[d][i] & 0xffff));
            for (int q = 0; q < 2 * (FC_PQ + 1); q++) json_array_append_new(x, json_real(m->pq_val[d][i * 2 * (FC_PQ + 1) + q]));
            json_array_append_new(a, x);
        }
        json_object_set_new(cons, d == 0 ? "counts_quantiles_by_bins_fwd" : "counts_quantiles_by_bins_bwd", a);
    }
    if (m->jnk) {
        json_t *kn = json_array(), *dn = json_array(), *cells = json_array();
        for (size_t k = 0; k < m->jnk; k++) json_array_append_new(kn, json_string(m->col[m->jkey[k]].name));
        for (size_t k = 0; k < m->jnd; k++) json_array_append_new(dn, json_string(m->col[m->jdep[k]].name));
        size_t w = m->jnk + m->jnd + 1;
        for (size_t i = 0; i < m->njcell; i++) {
            json_t *x = json_array();
            for (size_t k = 0; k < w; k++) json_array_append_new(x, json_integer(m->jcell[i * w + k]));
            json_array_append_new(cells, x);
        }
        json_object_set_new(cons, "numeric_joint",
                            json_pack("{s:s,s:o,s:o,s:o}", "why",
                                      "training cells (codes of the key columns, then of the dependent columns, then "
                                      "the count): generation draws the dependents given the key the BN sampled",
                                      "key", kn, "dependent", dn, "cells", cells));
    }
    json_object_set_new(root, "constraints", cons);
    json_t *pats = json_array();
    for (size_t q = 0; q < m->npat; q++) json_array_append_new(pats, gpat_json(m, &m->pats[q], 0));
    json_object_set_new(root, "patterns", pats);
    json_object_set_new(root, "empty_pattern", gpat_json(m, &m->pats[m->npat], 1));
    return root;
}

sg_status sg_fc_model_save(const sg_fc_model *m, const char *path, sg_error *err)
{
    json_t *j = model_json(m);
    if (!j) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_outfile *o;
    sg_status st = sg_outfile_open(&o, path, err);
    if (st != SG_OK) {
        json_decref(j);
        return st;
    }
    if (json_dumpf(j, sg_outfile_fp(o), JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) != 0 ||
        fputc('\n', sg_outfile_fp(o)) == EOF) {
        json_decref(j);
        sg_outfile_abort(o);
        return sg_error_set(err, SG_ERR_IO, "%s: write failed", path);
    }
    json_decref(j);
    return sg_outfile_commit(o, err);
}

/* ---- load ----------------------------------------------------------------------------------- */

#define FAIL(...)                                                                                        \
    do {                                                                                                 \
        st = sg_error_set(err, SG_ERR_PARSE, __VA_ARGS__);                                               \
        goto out;                                                                                        \
    } while (0)

static int get_size(const json_t *j, size_t *out)
{
    if (!json_is_integer(j) || json_integer_value(j) < 0) return -1;
    *out = (size_t)json_integer_value(j);
    return 0;
}

static int64_t *load_i64s(const json_t *a, size_t *n, int *bad)
{
    *n = 0;
    if (!json_is_array(a)) {
        *bad = 1;
        return NULL;
    }
    size_t k = json_array_size(a);
    int64_t *v = malloc((k + 1) * sizeof *v);
    if (!v) {
        *bad = 2;
        return NULL;
    }
    for (size_t i = 0; i < k; i++) {
        const json_t *x = json_array_get(a, i);
        if (!json_is_integer(x) || json_integer_value(x) < 0 || (i && json_integer_value(x) < v[i - 1])) {
            free(v);
            *bad = 1;
            return NULL;
        }
        v[i] = json_integer_value(x);
    }
    *n = k;
    return v;
}

static long col_by_name(const sg_fc_model *m, const char *name)
{
    for (size_t c = 0; c < m->C; c++)
        if (!strcmp(m->col[c].name, name)) return (long)c;
    return -1;
}

static long code_of(const sg_fc_model *m, size_t c, const char *label, sg_hashmap **maps)
{
    uint64_t v;
    if (sg_hashmap_get(maps[c], label, strlen(label), &v)) return (long)v;
    return -1;
}

static sg_status load_gpat(sg_fc_model *m, const json_t *o, fc_gpat *g, int empty, size_t q, sg_hashmap **maps,
                           sg_error *err)
{
    sg_status st = SG_OK;
    int bad = 0;
    if (!json_is_object(o)) FAIL("pattern %zu: object expected", q);
    if (get_size(json_object_get(o, "usage"), &(size_t){0})) FAIL("pattern %zu: \"usage\" missing", q);
    g->usage = (uint64_t)json_integer_value(json_object_get(o, "usage"));
    if (empty) {
        fc_pat_init(&g->p, m->C, 1);
    } else {
        const json_t *rows = json_object_get(o, "rows");
        const json_t *cost = json_object_get(o, "cost_bits");
        g->cost = json_is_number(cost) ? json_number_value(cost) : 0;
        if (!json_is_array(rows) || json_array_size(rows) < 1 || json_array_size(rows) > FC_MAXR)
            FAIL("pattern %zu: \"rows\" must hold 1..%d rows", q, FC_MAXR);
        fc_pat_init(&g->p, m->C, json_array_size(rows));
        /* placeholder ids: one per referenced (row, column) */
        int ph[FC_MAXR][FC_MAXC];
        for (size_t r = 0; r < FC_MAXR; r++)
            for (size_t c = 0; c < FC_MAXC; c++) ph[r][c] = -1;
        uint32_t nph = 0;
        for (size_t r = 0; r < g->p.nrows; r++) {
            const json_t *row = json_array_get(rows, r);
            if (!json_is_object(row)) FAIL("pattern %zu row %zu: object expected", q, r);
            const char *key;
            const json_t *cell;
            json_object_foreach((json_t *)row, key, cell)
            {
                long c = col_by_name(m, key);
                if (c < 0) FAIL("pattern %zu row %zu: unknown column '%s'", q, r, key);
                const json_t *fx = json_object_get(cell, "fixed"), *ru = json_object_get(cell, "reuse");
                if (json_is_string(fx)) {
                    long v = code_of(m, (size_t)c, json_string_value(fx), maps);
                    if (v < 0) FAIL("pattern %zu row %zu: '%s' is not a value of column %s", q, r, json_string_value(fx), key);
                    g->p.cell[r][c] = (fc_cell){FC_FIXED, {0}, (uint32_t)v};
                } else if (json_is_array(ru)) {
                    size_t rr;
                    const json_t *rc = json_array_get(ru, 1);
                    long cc = json_is_string(rc) ? col_by_name(m, json_string_value(rc)) : -1;
                    if (json_array_size(ru) != 2 || get_size(json_array_get(ru, 0), &rr) || rr >= r || cc < 0 ||
                        m->col[cc].role != FC_ROLE_IP || m->col[c].role != FC_ROLE_IP)
                        FAIL("pattern %zu row %zu column %s: \"reuse\" must be [earlier row, ip column]", q, r, key);
                    if (ph[rr][cc] < 0) ph[rr][cc] = (int)nph++;
                    g->p.cell[r][c] = (fc_cell){FC_USE, {0}, (uint32_t)ph[rr][cc]};
                } else if (!json_is_true(json_object_get(cell, "free"))) {
                    FAIL("pattern %zu row %zu column %s: cell must be {\"fixed\": v}, {\"free\": true} or {\"reuse\": [row, column]}",
                         q, r, key);
                }
            }
        }
        for (size_t r = 0; r < g->p.nrows; r++)
            for (size_t c = 0; c < m->C; c++)
                if (ph[r][c] >= 0) {
                    if (g->p.cell[r][c].kind != FC_FREE) FAIL("pattern %zu: reused cell (%zu, %s) is not free", q, r, m->col[c].name);
                    g->p.cell[r][c] = (fc_cell){FC_SET, {0}, (uint32_t)ph[r][c]};
                }
        const json_t *del = json_object_get(o, "delays");
        if (!json_is_array(del) || json_array_size(del) != g->p.nrows - 1)
            FAIL("pattern %zu: \"delays\" must hold one list per gap (%u)", q, g->p.nrows - 1);
        for (size_t r = 0; r + 1 < g->p.nrows; r++) {
            g->delays[r] = load_i64s(json_array_get(del, r), &g->ndelays[r], &bad);
            if (bad) FAIL("pattern %zu: delays must be ascending non-negative integers (10 ms units)", q);
            if (g->ndelays[r] == 0) FAIL("pattern %zu: empty delay list", q);
            if (g->delays[r][g->ndelays[r] - 1] > m->span10) FAIL("pattern %zu: delay longer than the training span", q);
        }
    }
    g->starts = load_i64s(json_object_get(o, "starts"), &g->nstarts, &bad);
    if (bad) FAIL("pattern %zu: \"starts\" must be ascending non-negative integers (10 ms units)", q);
    for (size_t i = 0; i < g->nstarts; i++)
        if (g->starts[i] > m->span10) FAIL("pattern %zu: start %lld outside the training span", q, (long long)g->starts[i]);
    g->nvars = fc_pat_vars(&g->p, g->vrow, g->vcol);
    st = sg_bn_from_json(json_object_get(o, "bn"), &g->bn, err);
    if (st != SG_OK) {
        sg_error_prefix(err, "pattern %zu: ", q);
        goto out;
    }
    if (sg_bn_nvars(g->bn) != g->nvars || !sg_bn_is_fitted(g->bn))
        FAIL("pattern %zu: the network must be fitted and have one node per free cell (%zu)", q, g->nvars);
    for (size_t v = 0; v < g->nvars; v++) {
        size_t c = g->vcol[v];
        size_t space = m->col[c].role == FC_ROLE_IP ? m->nip : m->col[c].ndom;
        if (sg_bn_card(g->bn, v) > space && space > 0)
            FAIL("pattern %zu: node %zu has more states than column %s", q, v, m->col[c].name);
    }
out:
    return st;
}

static sg_status model_from_json(const json_t *root, sg_fc_model **out, sg_error *err)
{
    sg_status st = SG_OK;
    sg_hashmap *maps[FC_MAXC] = {0};
    sg_fc_model *m = calloc(1, sizeof *m);
    if (!m) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    const json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "secgen-flow-model"))
        FAIL("not a secgen flow model (\"format\": \"secgen-flow-model\" expected)");
    if (json_integer_value(json_object_get(root, "version")) != 1) FAIL("unsupported model version (1 expected)");
    const json_t *src = json_object_get(root, "source");
    const json_t *desc = json_object_get(src, "description"), *lay = json_object_get(src, "layout");
    size_t nfl, span;
    const json_t *tf = json_object_get(src, "t_first_us");
    if (!json_is_object(src) || !json_is_string(lay) || get_size(json_object_get(src, "flows"), &nfl) ||
        !json_is_integer(tf) || get_size(json_object_get(src, "span_units"), &span))
        FAIL("\"source\" needs layout, flows, t_first_us, span_units");
    m->source = strdup(json_is_string(desc) ? json_string_value(desc) : "");
    if (sg_flow_format_parse(json_string_value(lay), &m->layout) != 0) FAIL("unknown layout '%s'", json_string_value(lay));
    m->unidirectional = json_is_true(json_object_get(src, "unidirectional"));
    /* keep every time computation far from int64 overflow: years 1900..2500, span < 100 years */
    if (json_integer_value(tf) < INT64_C(-2208988800000000) || json_integer_value(tf) > INT64_C(16725225600000000) ||
        span > (size_t)INT64_C(315360000000))
        FAIL("\"source\": t_first_us or span_units out of range");
    m->nflows = nfl;
    m->t_first_us = json_integer_value(tf);
    m->span10 = (int64_t)span;
    m->t_last_us = m->t_first_us + m->span10 * FC_TIME_UNIT_US;
    /* optional (models written before it existed have none: no constraint) */
    const json_t *cons = json_object_get(root, "constraints");
    for (int d = 0; d < 2; d++) {
        const json_t *a = json_object_get(cons, d == 0 ? "bytes_per_packet_fwd" : "bytes_per_packet_bwd");
        if (!a) continue;
        if (!json_is_array(a) || json_array_size(a) != 2 || !json_is_number(json_array_get(a, 0)) ||
            !json_is_number(json_array_get(a, 1)))
            FAIL("\"constraints\": bytes_per_packet_* must be [min, max]");
        double lo = json_number_value(json_array_get(a, 0)), hi = json_number_value(json_array_get(a, 1));
        if (!(lo >= 0 && hi >= lo && hi < 1e9)) FAIL("\"constraints\": bytes_per_packet_* out of range");
        m->have_bpp[d] = 1;
        m->bpp_lo[d] = lo;
        m->bpp_hi[d] = hi;
    }
    m->one_pkt_zero_dur = json_is_true(json_object_get(cons, "one_packet_flows_have_zero_duration"));
    {
        const json_t *rr = json_object_get(cons, "rule_rates");
        static const char *const rn[FC_NRULES] = {"zero_duration_multi_packet", "positive_duration_one_packet",
                                                  "fwd_under_42_bytes_per_packet", "bwd_under_42_bytes_per_packet",
                                                  "udp_service_port_over_tcp", "tcp_service_port_over_udp"};
        for (int k = 0; k < FC_NRULES; k++) {
            const json_t *x = json_object_get(rr, rn[k]);
            m->rule_rate[k] = -1;
            if (!x) continue; /* unknown: that rule is not calibrated */
            if (!json_is_number(x) || !(json_number_value(x) >= 0 && json_number_value(x) <= 1))
                FAIL("\"constraints\": rule_rates.%s must be a share in [0, 1]", rn[k]);
            m->rule_rate[k] = json_number_value(x);
        }
    }
    const json_t *lrn = json_object_get(root, "learning");
    if (json_is_number(json_object_get(lrn, "time_window_s"))) m->time_window_s = json_number_value(json_object_get(lrn, "time_window_s"));
    const json_t *dl = json_object_get(root, "description_length_bits");
    m->stats.model_bits = json_number_value(json_object_get(dl, "model"));
    m->stats.data_bits = json_number_value(json_object_get(dl, "data"));
    m->stats.total_bits = json_number_value(json_object_get(dl, "total"));
    m->stats.empty_total_bits = json_number_value(json_object_get(dl, "without_patterns"));
    m->stats.compression_ratio = json_number_value(json_object_get(dl, "compression_ratio"));
    m->stats.flows = nfl;
    const json_t *addr = json_object_get(root, "addresses");
    if (!json_is_array(addr)) FAIL("\"addresses\" array missing");
    m->nip = json_array_size(addr);
    m->iplabels = calloc(m->nip + 1, sizeof *m->iplabels);
    if (!m->iplabels) goto oom;
    for (size_t i = 0; i < m->nip; i++) {
        const json_t *a = json_array_get(addr, i);
        if (!json_is_string(a) || strlen(json_string_value(a)) >= SG_ADDR_MAX) FAIL("addresses[%zu]: string < %d chars expected", i, SG_ADDR_MAX);
        m->iplabels[i] = strdup(json_string_value(a));
        if (!m->iplabels[i]) goto oom;
    }
    const json_t *cols = json_object_get(root, "columns");
    if (!json_is_array(cols) || json_array_size(cols) < 1 || json_array_size(cols) > FC_MAXC)
        FAIL("\"columns\" must hold 1..%d columns", FC_MAXC);
    m->C = json_array_size(cols);
    for (size_t c = 0; c < m->C; c++) {
        const json_t *o = json_array_get(cols, c);
        fc_column *col = &m->col[c];
        const json_t *nm = json_object_get(o, "name"), *role = json_object_get(o, "role"), *fld = json_object_get(o, "field");
        if (!json_is_string(nm) || !json_is_string(role) || !json_is_string(fld)) FAIL("columns[%zu]: name, role, field required", c);
        snprintf(col->name, sizeof col->name, "%s", json_string_value(nm));
        const char *rs = json_string_value(role);
        col->role = !strcmp(rs, "ip") ? FC_ROLE_IP : !strcmp(rs, "numeric") ? FC_ROLE_NUM : !strcmp(rs, "categorical") ? FC_ROLE_CAT : -1;
        col->field = field_parse(json_string_value(fld));
        if (col->role < 0 || col->field < 0) FAIL("column %s: unknown role or field", col->name);
        {
            /* each field has one role (the learner's layouts, model.c): generation reads addresses
             * from IP columns, numbers from numeric ones (found by fuzzing: a "packets" column
             * declared categorical had no bins and generation dereferenced them) */
            int f = col->field;
            int want = (f == FC_F_SRC_IP || f == FC_F_DST_IP) ? FC_ROLE_IP
                       : (f == FC_F_FWD_PKTS || f == FC_F_FWD_BYTES || f == FC_F_BWD_PKTS || f == FC_F_BWD_BYTES ||
                          f == FC_F_DURATION) ? FC_ROLE_NUM
                       : (f == FC_F_PROTO || f == FC_F_SRC_PORT || f == FC_F_DST_PORT || f == FC_F_FLAGS) ? FC_ROLE_CAT
                                                                                                     : col->role;
            if (col->role != want)
                FAIL("column %s: field %s must have role \"%s\"", col->name, json_string_value(fld), role_name(want));
        }
        maps[c] = sg_hashmap_create(64);
        if (!maps[c]) goto oom;
        if (col->role == FC_ROLE_IP) {
            col->labels = m->iplabels;
            if (get_size(json_object_get(o, "distinct"), &col->ndom)) col->ndom = m->nip;
            for (size_t i = 0; i < m->nip; i++)
                if (sg_hashmap_put(maps[c], m->iplabels[i], strlen(m->iplabels[i]), i) != SG_OK) goto oom;
            continue;
        }
        const json_t *vals = json_object_get(o, "values");
        if (!json_is_array(vals) || json_array_size(vals) == 0) FAIL("column %s: \"values\" missing", col->name);
        col->ndom = json_array_size(vals);
        col->labels = calloc(col->ndom, sizeof *col->labels);
        if (!col->labels) goto oom;
        for (size_t v = 0; v < col->ndom; v++) {
            const json_t *x = json_array_get(vals, v);
            if (!json_is_string(x)) FAIL("column %s: values[%zu] must be a string", col->name, v);
            col->labels[v] = strdup(json_string_value(x));
            if (!col->labels[v]) goto oom;
            int ins = 0;
            if (!sg_hashmap_upsert(maps[c], col->labels[v], strlen(col->labels[v]), v, &ins)) goto oom;
            if (!ins) FAIL("column %s: duplicate value '%s'", col->name, col->labels[v]);
            if (col->role == FC_ROLE_CAT) {
                uint8_t tmp;
                if (col->field == FC_F_PROTO && fc_proto_parse(col->labels[v], &tmp))
                    FAIL("column %s: '%s' is not a protocol", col->name, col->labels[v]);
                if (col->field == FC_F_FLAGS && fc_flags_parse(col->labels[v], &tmp))
                    FAIL("column %s: '%s' is not a flag string", col->name, col->labels[v]);
                if (col->field == FC_F_SRC_PORT || col->field == FC_F_DST_PORT) {
                    char *end;
                    long p = strtol(col->labels[v], &end, 10);
                    if (*end || p < 0 || p > 65535) FAIL("column %s: '%s' is not a port (0..65535)", col->name, col->labels[v]);
                }
            }
        }
        if (col->role == FC_ROLE_NUM) {
            col->integer = json_is_true(json_object_get(o, "integer"));
            const json_t *e = json_object_get(o, "edges"), *bins = json_object_get(o, "bins");
            if (!json_is_array(e) || json_array_size(e) > 41 || !json_is_array(bins) || json_array_size(bins) != col->ndom)
                FAIL("column %s: \"edges\" (<= 41) and \"bins\" (one per value) required", col->name);
            col->nedges = json_array_size(e);
            col->edges = malloc((col->nedges + 1) * sizeof *col->edges);
            col->code_bin = malloc((col->ndom + 1) * sizeof *col->code_bin);
            if (!col->edges || !col->code_bin) goto oom;
            for (size_t k = 0; k < col->nedges; k++) {
                const json_t *x = json_array_get(e, k);
                if (!json_is_number(x) || !isfinite(json_number_value(x)) || json_number_value(x) < 0 ||
                    (k && json_number_value(x) <= col->edges[k - 1]))
                    FAIL("column %s: edges must be ascending non-negative numbers", col->name);
                col->edges[k] = json_number_value(x);
            }
            size_t K = col->nedges > 1 ? col->nedges - 1 : 1;
            for (size_t v = 0; v < col->ndom; v++) {
                size_t b;
                if (get_size(json_array_get(bins, v), &b) || b > K || (b > 0 && col->nedges == 0))
                    FAIL("column %s: bins[%zu] out of range", col->name, v);
                col->code_bin[v] = (uint32_t)b;
            }
            const json_t *wq = json_object_get(o, "within_bin_quantiles");
            if (wq) { /* optional: models written before it have none (uniform un-binning) */
                if (!json_is_array(wq) || col->nedges < 2 || json_array_size(wq) != col->nedges - 1)
                    FAIL("column %s: \"within_bin_quantiles\" needs one array per bin", col->name);
                col->inq = malloc((col->nedges - 1) * (FC_INQ + 1) * sizeof *col->inq);
                if (!col->inq) goto oom;
                for (size_t b = 1; b < col->nedges; b++) {
                    const json_t *qa = json_array_get(wq, b - 1);
                    if (!json_is_array(qa) || json_array_size(qa) != FC_INQ + 1)
                        FAIL("column %s: within_bin_quantiles[%zu] must hold %d numbers", col->name, b - 1, FC_INQ + 1);
                    for (int j = 0; j <= FC_INQ; j++) {
                        const json_t *x = json_array_get(qa, (size_t)j);
                        double v = json_is_number(x) ? json_number_value(x) : NAN;
                        double *q = col->inq + (b - 1) * (FC_INQ + 1);
                        /* inside the bin (the first bin includes its lower edge), non-decreasing */
                        if (!(v >= col->edges[b - 1] && v <= col->edges[b]) || (j && v < q[j - 1]))
                            FAIL("column %s: within_bin_quantiles[%zu] must be non-decreasing values inside the bin", col->name, b - 1);
                        q[j] = v;
                    }
                }
            }
            const json_t *tv = json_object_get(o, "top_values");
            if (tv) { /* optional: models written before it interpolate the top segment */
                size_t k = json_is_array(tv) ? json_array_size(tv) : 0;
                if (!col->inq || k == 0 || k > FC_TOPV)
                    FAIL("column %s: \"top_values\" needs within_bin_quantiles and 1..%d numbers", col->name, FC_TOPV);
                col->topv = malloc(k * sizeof *col->topv);
                if (!col->topv) goto oom;
                for (size_t i = 0; i < k; i++) {
                    const json_t *x = json_array_get(tv, i);
                    double v = json_is_number(x) ? json_number_value(x) : NAN;
                    double lo = col->edges[col->nedges - 2]; /* the first bin includes its lower edge */
                    if (!((col->nedges == 2 ? v >= lo : v > lo) && v <= col->edges[col->nedges - 1]) || (i && v < col->topv[i - 1]))
                        FAIL("column %s: top_values must be ascending values inside the top bin", col->name);
                    col->topv[i] = v;
                }
                col->ntopv = k;
            }
            const json_t *tl = json_object_get(o, "tail");
            if (tl) { /* optional: models written before it have none (no extrapolation) */
                const char *keys[] = {"threshold", "threshold_prob", "shape_xi", "scale_sigma", "truncation",
                                      "values_above", "bits_gpd", "bits_quantiles"};
                double v[8];
                for (int k = 0; k < 8; k++) {
                    const json_t *x = json_object_get(tl, keys[k]);
                    if (!json_is_number(x) || !isfinite(json_number_value(x)))
                        FAIL("column %s: tail.%s must be a finite number", col->name, keys[k]);
                    v[k] = json_number_value(x);
                }
                const json_t *kept = json_object_get(tl, "kept");
                if (!json_is_boolean(kept)) FAIL("column %s: tail.kept must be true or false", col->name);
                if (!col->inq || col->nedges < 3 || !(v[0] > col->edges[col->nedges - 2]) || !(v[0] <= col->edges[col->nedges - 1]) ||
                    !(v[1] > 0 && v[1] < 1) || !(v[3] > 0) || !(v[4] >= v[0]))
                    FAIL("column %s: tail needs within_bin_quantiles, a threshold inside the top bin, threshold_prob in "
                         "(0, 1), scale_sigma > 0 and truncation >= threshold", col->name);
                col->tail_fitted = 1;
                col->tail_kept = json_is_true(kept);
                col->tail_t = v[0], col->tail_pt = v[1], col->tail_xi = v[2], col->tail_sigma = v[3], col->tail_cap = v[4];
                col->tail_n = v[5], col->tail_bits_gpd = v[6], col->tail_bits_q = v[7];
            }
        }
    }
    /* optional: the protocols each port value was seen with (checked once all columns are read) */
    {
        size_t cproto = SIZE_MAX;
        for (size_t c = 0; c < m->C; c++)
            if (m->col[c].field == FC_F_PROTO) cproto = c;
        for (size_t c = 0; c < m->C; c++) {
            fc_column *col = &m->col[c];
            const json_t *pa = json_object_get(json_array_get(cols, c), "protocol_codes");
            if (!pa) continue;
            if (cproto == SIZE_MAX || (col->field != FC_F_SRC_PORT && col->field != FC_F_DST_PORT) || !json_is_array(pa) ||
                json_array_size(pa) != col->ndom)
                FAIL("column %s: \"protocol_codes\" needs a port column, a proto column and one array per value", col->name);
            col->protos = calloc(col->ndom + 1, sizeof *col->protos);
            if (!col->protos) goto oom;
            for (size_t v = 0; v < col->ndom; v++) {
                const json_t *x = json_array_get(pa, v);
                size_t i, k;
                const json_t *e;
                if (!json_is_array(x)) FAIL("column %s: protocol_codes[%zu] must be an array", col->name, v);
                json_array_foreach(x, i, e) {
                    if (get_size(e, &k) || k >= m->col[cproto].ndom || k >= 32)
                        FAIL("column %s: protocol_codes[%zu]: not a code of the proto column", col->name, v);
                    col->protos[v] |= 1u << k;
                }
            }
        }
        for (int d = 0; d < 2; d++) {
            const json_t *a = json_object_get(cons, d == 0 ? "counts_quantiles_by_bins_fwd" : "counts_quantiles_by_bins_bwd");
            if (!a) continue;
            if (!json_is_array(a)) FAIL("\"constraints\": counts_quantiles_by_bins_* must be an array");
            size_t na = json_array_size(a), i;
            const json_t *e;
            m->pq_key[d] = malloc((na + 1) * sizeof *m->pq_key[d]);
            m->pq_val[d] = malloc((na + 1) * 2 * (FC_PQ + 1) * sizeof *m->pq_val[d]);
            if (!m->pq_key[d] || !m->pq_val[d]) goto oom;
            json_array_foreach(a, i, e) {
                size_t bb, pb;
                if (!json_is_array(e) || json_array_size(e) != 2 * FC_PQ + 4 || get_size(json_array_get(e, 0), &bb) ||
                    get_size(json_array_get(e, 1), &pb) || bb < 1 || bb > 40 || pb < 1 || pb > 40)
                    FAIL("\"constraints\": counts_quantiles_by_bins[%zu]: [bytes bin, packets bin, %d + %d quantiles] expected", i,
                         FC_PQ + 1, FC_PQ + 1);
                m->pq_key[d][i] = (uint32_t)(bb << 16 | pb);
                if (i && m->pq_key[d][i] <= m->pq_key[d][i - 1]) FAIL("\"constraints\": counts_quantiles_by_bins must be sorted and unique");
                for (int q = 0; q < 2 * (FC_PQ + 1); q++) {
                    const json_t *x = json_array_get(e, (size_t)q + 2);
                    double v = json_is_number(x) ? json_number_value(x) : -1;
                    double *o = m->pq_val[d] + i * 2 * (FC_PQ + 1);
                    if (!(v > 0 && v < 1e18) || (q % (FC_PQ + 1) && v < o[q - 1]))
                        FAIL("\"constraints\": counts_quantiles_by_bins[%zu]: positive non-decreasing counts expected", i);
                    o[q] = v;
                }
            }
            m->npq[d] = na;
        }
        const json_t *nj = json_object_get(cons, "numeric_joint");
        if (nj) {
            fc_model_joint_layout(m);
            const json_t *kn = json_object_get(nj, "key"), *dn = json_object_get(nj, "dependent"), *cells = json_object_get(nj, "cells");
            int okl = m->jnk && json_is_array(kn) && json_is_array(dn) && json_is_array(cells) &&
                      json_array_size(kn) == m->jnk && json_array_size(dn) == m->jnd;
            for (size_t k = 0; okl && k < m->jnk; k++)
                okl = json_is_string(json_array_get(kn, k)) && !strcmp(json_string_value(json_array_get(kn, k)), m->col[m->jkey[k]].name);
            for (size_t k = 0; okl && k < m->jnd; k++)
                okl = json_is_string(json_array_get(dn, k)) && !strcmp(json_string_value(json_array_get(dn, k)), m->col[m->jdep[k]].name);
            if (!okl) FAIL("\"constraints\": numeric_joint: key/dependent columns do not match the model's columns");
            size_t w = m->jnk + m->jnd + 1, i;
            const json_t *e;
            m->jcell = malloc((json_array_size(cells) + 1) * w * sizeof *m->jcell);
            if (!m->jcell) goto oom;
            json_array_foreach(cells, i, e) {
                if (!json_is_array(e) || json_array_size(e) != w) FAIL("\"constraints\": numeric_joint.cells[%zu]: %zu codes expected", i, w);
                for (size_t k = 0; k < w; k++) {
                    size_t v;
                    size_t col = k < m->jnk ? m->jkey[k] : k + 1 < w ? m->jdep[k - m->jnk] : SIZE_MAX;
                    if (get_size(json_array_get(e, k), &v) || v > UINT32_MAX || (col != SIZE_MAX && v >= m->col[col].ndom) ||
                        (col == SIZE_MAX && v == 0))
                        FAIL("\"constraints\": numeric_joint.cells[%zu][%zu]: not a code of its column (or a zero count)", i, k);
                    m->jcell[i * w + k] = (uint32_t)v;
                }
                if (i) { /* sorted by key then dependents, each cell once */
                    int cmp = 0;
                    for (size_t k = 0; k + 1 < w && !cmp; k++)
                        cmp = (m->jcell[i * w + k] > m->jcell[(i - 1) * w + k]) - (m->jcell[i * w + k] < m->jcell[(i - 1) * w + k]);
                    if (cmp <= 0) FAIL("\"constraints\": numeric_joint.cells must be sorted and unique");
                }
            }
            m->njcell = json_array_size(cells);
        }
        const json_t *sv = json_object_get(cons, "service_endpoints");
        if (sv) {
            if (!json_is_array(sv)) FAIL("\"constraints\": service_endpoints must be an array");
            m->svc = malloc((json_array_size(sv) + 1) * sizeof *m->svc);
            m->svc_cnt = malloc((json_array_size(sv) + 1) * sizeof *m->svc_cnt);
            if (!m->svc || !m->svc_cnt) goto oom;
            size_t i, cip = SIZE_MAX;
            const json_t *e;
            for (size_t c = 0; c < m->C; c++)
                if (m->col[c].role == FC_ROLE_IP) cip = c;
            json_array_foreach(sv, i, e) {
                const json_t *a = json_array_get(e, 0), *p = json_array_get(e, 1);
                uint64_t ic;
                size_t port, cnt;
                if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_string(a) ||
                    get_size(json_array_get(e, 2), &cnt) || cnt < 1 || cnt > UINT32_MAX ||
                    cip == SIZE_MAX ||
                    !sg_hashmap_get(maps[cip], json_string_value(a), strlen(json_string_value(a)), &ic) || get_size(p, &port) || port > 65535)
                    FAIL("\"constraints\": service_endpoints[%zu] must be [known address, port < 1024, records]", i);
                if (port >= 1024) FAIL("\"constraints\": service_endpoints[%zu]: port %zu is not a system port", i, port);
                m->svc[i] = ic << 16 | port;
                m->svc_cnt[i] = (uint32_t)cnt;
                if (i && m->svc[i] <= m->svc[i - 1]) FAIL("\"constraints\": service_endpoints must be sorted and unique");
            }
            m->nsvc = json_array_size(sv);
        }
    }
    const json_t *pats = json_object_get(root, "patterns");
    if (!json_is_array(pats)) FAIL("\"patterns\" array missing");
    m->npat = json_array_size(pats);
    m->pats = calloc(m->npat + 1, sizeof *m->pats);
    if (!m->pats) goto oom;
    /* validity uses a data-like view for code spaces */
    fc_data view;
    memset(&view, 0, sizeof view);
    view.C = m->C;
    for (size_t c = 0; c < m->C; c++) {
        view.col[c].role = m->col[c].role;
        view.codespace[c] = m->col[c].role == FC_ROLE_IP ? m->nip : m->col[c].ndom;
    }
    for (size_t q = 0; q < m->npat; q++) {
        st = load_gpat(m, json_array_get(pats, q), &m->pats[q], 0, q, maps, err);
        if (st != SG_OK) goto out;
        if (!fc_pat_valid(&m->pats[q].p, &view)) FAIL("pattern %zu: invalid pattern (empty row, reuse before its value...)", q);
    }
    st = load_gpat(m, json_object_get(root, "empty_pattern"), &m->pats[m->npat], 1, m->npat, maps, err);
    if (st != SG_OK) goto out;
    size_t total = 0;
    for (size_t q = 0; q <= m->npat; q++) total += m->pats[q].nstarts;
    if (total == 0) FAIL("the model holds no pattern instance (no \"starts\")");
    m->stats.patterns = m->npat;
    st = fc_model_prepare(m, err);
    if (st != SG_OK) goto out;
    for (size_t c = 0; c < FC_MAXC; c++) sg_hashmap_destroy(maps[c]);
    *out = m;
    return SG_OK;
oom:
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
out:
    for (size_t c = 0; c < FC_MAXC; c++) sg_hashmap_destroy(maps[c]);
    sg_fc_model_destroy(m);
    return st;
}

sg_status sg_fc_model_load_mem(const char *name, const char *data, size_t len, sg_fc_model **out, sg_error *err)
{
    *out = NULL;
    /* a capture, a CSV, an automaton...: say what the file is rather than a JSON parse error */
    if (sg_file_kind_check(name, data, len, SG_FILE_FLOW_MODEL, err) != SG_OK) return err ? err->status : SG_ERR_PARSE;
    json_error_t je;
    json_t *j = json_loadb(data, len, 0, &je);
    if (!j) return sg_error_set(err, SG_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    sg_status st = model_from_json(j, out, err);
    json_decref(j);
    if (st != SG_OK) sg_error_prefix(err, "%s: ", name);
    return st;
}

sg_status sg_fc_model_load(const char *path, sg_fc_model **out, sg_error *err)
{
    char *data;
    size_t n;
    *out = NULL;
    sg_status st = sg_file_read_kind(path, SG_FILE_FLOW_MODEL, &data, &n, err);
    if (st != SG_OK) return st;
    st = sg_fc_model_load_mem(path, data, n, out, err);
    free(data);
    return st;
}
