/* TADAM model JSON: the "secgen-automaton" format (writer and strict loader), format detection,
 * load/save/dump entry points, and the JSON helpers shared with fosr.c. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tadam/tadam_internal.h"

const char *const tdm_op_names[TDM_NOPS] = {"tr", "add", "dup", "swap", "del"};

/* Model files never hold a non-finite number (see docs/architecture.md, JSON): a cost that is not
 * finite is written as 0.0, which the loaders accept. */
json_t *tdm_json_real(double x) { return json_real(isfinite(x) ? x : 0.0); }


static json_t *to_secgen(const sg_tadam_model *m)
{
    json_t *r = json_object();
    char pbuf[16];
    json_object_set_new(r, "format", json_string("secgen-automaton"));
    json_object_set_new(r, "version", json_integer(1));
    json_object_set_new(r, "name", json_string(m->name ? m->name : "all"));
    json_object_set_new(r, "proto", m->proto ? json_string(sg_proto_name(m->proto, pbuf, sizeof pbuf)) : json_null());
    json_object_set_new(r, "service_port", m->port >= 0 ? json_integer(m->port) : json_null());
    json_t *vals = json_object();
    json_t *vi = json_pack("{s:s,s:s,s:f}", "unit", "us", "grid", "round(scale*log2(1+v))", "scale", m->scale_iat);
    json_t *vp = json_pack("{s:s,s:s,s:f}", "unit", "bytes", "grid", "round(scale*log2(1+v))", "scale", m->scale_payload);
    /* the shared time model: training counts per grid value (edges with "timed": false use it) */
    for (int d = 0; d < 2; d++) {
        if (m->null.k[d] == 0) continue;
        json_t *h = json_array();
        for (uint32_t x = 0; x < m->null.k[d]; x++) json_array_append_new(h, json_integer((json_int_t)m->null.cnt[d][x]));
        json_object_set_new(d ? vp : vi, "shared_counts", h);
    }
    json_object_set_new(vals, "iat", vi);
    json_object_set_new(vals, "payload", vp);
    json_object_set_new(r, "values", vals);
    json_t *alpha = json_array();
    for (uint32_t i = 0; i < m->n_sym; i++) json_array_append_new(alpha, json_string(m->sym[i].name));
    json_object_set_new(r, "alphabet", alpha);
    json_object_set_new(r, "states", json_integer(m->n_states));
    json_object_set_new(r, "initial_state", json_integer(m->initial));
    json_object_set_new(r, "final_state", json_integer(m->final));
    json_t *edges = json_array();
    for (uint32_t e = 0; e < m->n_edges; e++) {
        const tdm_edge *E = &m->edges[e];
        json_t *je = json_object();
        json_object_set_new(je, "source", json_integer(E->src));
        json_object_set_new(je, "symbol", json_string(m->sym[E->sym].name));
        json_object_set_new(je, "target", json_integer(E->dst));
        json_object_set_new(je, "probability", tdm_json_real(E->p));
        json_object_set_new(je, "visits", tdm_json_real(E->visits));
        json_object_set_new(je, "count", json_integer((json_int_t)E->count));
        if (E->sym != TDM_END) {
            json_t *g = json_object();
            json_object_set_new(g, "mean", json_pack("[o,o]", tdm_json_real(E->g.mu[0]), tdm_json_real(E->g.mu[1])));
            json_object_set_new(g, "cov", json_pack("[[o,o],[o,o]]", tdm_json_real(E->g.cov[0]), tdm_json_real(E->g.cov[1]),
                                                    tdm_json_real(E->g.cov[1]), tdm_json_real(E->g.cov[2])));
            json_object_set_new(g, "n", tdm_json_real(E->g.n));
            if (E->g.w_null > 0) json_object_set_new(g, "shared_weight", tdm_json_real(E->g.w_null));
            json_object_set_new(je, "gaussian", g);
            json_object_set_new(je, "timed", json_boolean(E->timed));
            if (E->n_hist) {
                json_t *h = json_array();
                for (uint32_t i = 0; i < E->n_hist; i++)
                    json_array_append_new(h, json_pack("[I,I]", (json_int_t)E->hist_val[i], (json_int_t)E->hist_cnt[i]));
                json_object_set_new(je, "payload_hist", h);
            }
        }
        json_array_append_new(edges, je);
    }
    json_object_set_new(r, "edges", edges);
    json_t *noise = json_object(), *en = json_array(), *np = json_object();
    for (int o = 1; o < TDM_NOPS; o++)
        if (m->noise_ops & (1u << (o - 1))) json_array_append_new(en, json_string(tdm_op_names[o]));
    for (int o = 0; o < TDM_NOPS; o++) json_object_set_new(np, tdm_op_names[o], tdm_json_real(m->pi[o]));
    json_object_set_new(noise, "enabled", en);
    json_object_set_new(noise, "p", np);
    json_object_set_new(r, "noise", noise);
    json_t *mdl = json_object();
    json_object_set_new(mdl, "total_bits", tdm_json_real(m->cost_model + m->cost_data));
    json_object_set_new(mdl, "model_bits", tdm_json_real(m->cost_model));
    json_object_set_new(mdl, "data_bits", tdm_json_real(m->cost_data));
    json_object_set_new(mdl, "matched_bits", tdm_json_real(m->cost_matched));
    json_object_set_new(mdl, "corrected_bits", tdm_json_real(m->cost_corrected));
    json_object_set_new(mdl, "uncorrected_bits", tdm_json_real(m->cost_uncorrected));
    json_object_set_new(mdl, "status_bits", tdm_json_real(m->cost_status));
    json_object_set_new(r, "mdl", mdl);
    json_t *tr = json_object();
    json_object_set_new(tr, "sequences", json_integer((json_int_t)m->n_train));
    json_object_set_new(tr, "events", json_integer((json_int_t)m->n_train_events));
    json_object_set_new(tr, "matched", json_integer((json_int_t)m->n_matched));
    json_object_set_new(tr, "corrected", json_integer((json_int_t)m->n_corrected));
    json_object_set_new(tr, "uncorrected", json_integer((json_int_t)m->n_uncorrected));
    json_object_set_new(tr, "iterations", json_integer(m->iterations));
    if (m->no_verbatim) { /* minimum-structure rule (learn.c sg_tadam_learn) */
        json_object_set_new(tr, "verbatim", json_false());
        json_object_set_new(tr, "mdl_verbatim", json_integer((json_int_t)m->mdl_uncorrected));
    }
    json_object_set_new(tr, "init", json_string("state-symbol"));
    json_object_set_new(tr, "search", json_string("steepest descent: merge, split-state, delete-edge"));
    if (m->source) json_object_set_new(tr, "source", json_string(m->source));
    if (m->imported_from) json_object_set_new(tr, "imported_from", json_string(m->imported_from));
    json_object_set_new(r, "training", tr);
    return r;
}

/* ---- loading ----------------------------------------------------------------------------- */

int tdm_json_num(const json_t *j, double *out)
{
    if (!json_is_number(j)) return -1;
    *out = json_number_value(j);
    return isfinite(*out) ? 0 : -1;
}

int tdm_json_int(const json_t *j, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(j)) return -1;
    json_int_t v = json_integer_value(j);
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}



sg_status tdm_edge_set_hist(tdm_edge *E, const int64_t *vals, const uint64_t *cnts, size_t n, sg_error *err)
{
    /* merge duplicates, sort by decreasing count, keep TDM_HIST_MAX */
    int64_t *v = malloc((n ? n : 1) * sizeof *v);
    uint64_t *c = malloc((n ? n : 1) * sizeof *c);
    if (!v || !c) {
        free(v);
        free(c);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && v[j] != vals[i]) j++;
        if (j == k) {
            if (k >= 4096) continue; /* keep the work bounded on huge lists */
            v[k] = vals[i];
            c[k++] = 0;
        }
        c[j] += cnts ? cnts[i] : 1;
    }
    for (size_t i = 1; i < k; i++) /* insertion sort: k is small */
        for (size_t j = i; j > 0 && (c[j] > c[j - 1] || (c[j] == c[j - 1] && v[j] < v[j - 1])); j--) {
            int64_t tv = v[j];
            v[j] = v[j - 1];
            v[j - 1] = tv;
            uint64_t tc = c[j];
            c[j] = c[j - 1];
            c[j - 1] = tc;
        }
    if (k > TDM_HIST_MAX) k = TDM_HIST_MAX;
    E->n_hist = (uint32_t)k;
    E->hist_val = v;
    E->hist_cnt = c;
    if (k == 0) {
        free(v);
        free(c);
        E->hist_val = NULL;
        E->hist_cnt = NULL;
    }
    return SG_OK;
}

static sg_status load_secgen(const char *name, json_t *r, sg_tadam_model *m, sg_error *err)
{
    json_t *j = json_object_get(r, "version");
    int64_t iv;
    if (!j || tdm_json_int(j, 1, 1, &iv) != 0)
        return sg_error_set(err, SG_ERR_UNSUPPORTED, "%s: unsupported secgen-automaton version", name);
    j = json_object_get(r, "name");
    m->name = strdup(json_is_string(j) ? json_string_value(j) : "all");
    j = json_object_get(r, "proto");
    if (json_is_string(j)) {
        if (sg_proto_parse(json_string_value(j), strlen(json_string_value(j)), &m->proto) != 0)
            return sg_error_set(err, SG_ERR_PARSE, "%s: unknown proto \"%s\"", name, json_string_value(j));
    } else if (j && !json_is_null(j))
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"proto\" must be a string or null", name);
    j = json_object_get(r, "service_port");
    if (j && !json_is_null(j)) {
        if (tdm_json_int(j, 0, 65535, &iv) != 0) return sg_error_set(err, SG_ERR_PARSE, "%s: invalid service_port", name);
        m->port = (int32_t)iv;
    }
    json_t *vals = json_object_get(r, "values");
    if (vals) {
        double sc;
        if (tdm_json_num(json_object_get(json_object_get(vals, "iat"), "scale"), &sc) == 0 && sc > 0 && sc <= 1000)
            m->scale_iat = sc;
        if (tdm_json_num(json_object_get(json_object_get(vals, "payload"), "scale"), &sc) == 0 && sc > 0 && sc <= 1000)
            m->scale_payload = sc;
        static const char *const dims[2] = {"iat", "payload"};
        for (int d = 0; d < 2; d++) {
            json_t *h = json_object_get(json_object_get(vals, dims[d]), "shared_counts");
            if (!h) continue;
            if (!json_is_array(h) || json_array_size(h) == 0 || json_array_size(h) > TDM_NULL_MAX_BINS)
                return sg_error_set(err, SG_ERR_PARSE, "%s: values.%s.shared_counts must be an array of 1..%d counts", name,
                                    dims[d], TDM_NULL_MAX_BINS);
            m->null.k[d] = (uint32_t)json_array_size(h);
            m->null.cnt[d] = calloc(m->null.k[d], sizeof *m->null.cnt[d]);
            if (!m->null.cnt[d]) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            for (uint32_t x = 0; x < m->null.k[d]; x++) {
                int64_t c;
                if (tdm_json_int(json_array_get(h, x), 0, INT64_MAX, &c) != 0)
                    return sg_error_set(err, SG_ERR_PARSE, "%s: values.%s.shared_counts[%u] must be a count >= 0", name,
                                        dims[d], x);
                m->null.cnt[d][x] = (uint64_t)c;
            }
        }
    }
    json_t *alpha = json_object_get(r, "alphabet");
    if (!json_is_array(alpha) || json_array_size(alpha) == 0 || json_array_size(alpha) > 1000000)
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"alphabet\" must be a non-empty array", name);
    m->n_sym = (uint32_t)json_array_size(alpha);
    m->sym = calloc(m->n_sym, sizeof *m->sym);
    if (!m->sym) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < m->n_sym; i++) {
        json_t *s = json_array_get(alpha, i);
        if (!json_is_string(s) || json_string_length(s) == 0)
            return sg_error_set(err, SG_ERR_PARSE, "%s: alphabet[%u] is not a non-empty string", name, i);
        m->sym[i].name = strdup(json_string_value(s));
        if (!m->sym[i].name) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    if (strcmp(m->sym[0].name, "$") != 0) return sg_error_set(err, SG_ERR_PARSE, "%s: alphabet[0] must be \"$\"", name);
    if (tdm_json_int(json_object_get(r, "states"), 2, TDM_MAX_STATES, &iv) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"states\" must be an integer >= 2", name);
    m->n_states = (uint32_t)iv;
    if (tdm_json_int(json_object_get(r, "initial_state"), 0, m->n_states - 1, &iv) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: invalid \"initial_state\"", name);
    m->initial = (uint32_t)iv;
    if (tdm_json_int(json_object_get(r, "final_state"), 0, m->n_states - 1, &iv) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: invalid \"final_state\"", name);
    m->final = (uint32_t)iv;
    json_t *edges = json_object_get(r, "edges");
    if (!json_is_array(edges) || json_array_size(edges) > TDM_MAX_EDGES)
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"edges\" must be an array", name);
    m->n_edges = (uint32_t)json_array_size(edges);
    m->edges = calloc(m->n_edges ? m->n_edges : 1, sizeof *m->edges);
    if (!m->edges) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_hashmap *idx = sg_hashmap_create(m->n_sym * 2 + 8);
    if (!idx) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < m->n_sym; i++) sg_hashmap_put(idx, m->sym[i].name, strlen(m->sym[i].name), i);
    sg_status st = SG_OK;
    for (uint32_t e = 0; e < m->n_edges && st == SG_OK; e++) {
        json_t *je = json_array_get(edges, e);
        tdm_edge *E = &m->edges[e];
        int64_t a, b;
        uint64_t sid;
        json_t *js = json_object_get(je, "symbol");
        if (!json_is_object(je) || tdm_json_int(json_object_get(je, "source"), 0, m->n_states - 1, &a) != 0 ||
            tdm_json_int(json_object_get(je, "target"), 0, m->n_states - 1, &b) != 0 || !json_is_string(js)) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: needs integer source/target in range and a symbol", name, e);
            break;
        }
        if (!sg_hashmap_get(idx, json_string_value(js), strlen(json_string_value(js)), &sid)) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: symbol \"%s\" not in the alphabet", name, e,
                              json_string_value(js));
            break;
        }
        E->src = (uint32_t)a;
        E->dst = (uint32_t)b;
        E->sym = (uint32_t)sid;
        if (tdm_json_num(json_object_get(je, "probability"), &E->p) != 0 || E->p < 0 || E->p > 1) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: \"probability\" must be a number in [0,1]", name, e);
            break;
        }
        double x;
        if (tdm_json_num(json_object_get(je, "visits"), &x) == 0 && x >= 0) E->visits = x;
        if (tdm_json_int(json_object_get(je, "count"), 0, INT64_MAX, &a) == 0) E->count = (uint64_t)a;
        json_t *g = json_object_get(je, "gaussian"), *jt = json_object_get(je, "timed");
        if (jt && !json_is_boolean(jt)) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: \"timed\" must be true or false", name, e);
            break;
        }
        E->timed = !jt || json_is_true(jt); /* files before the shared time model: every edge timed */
        E->g.cov[0] = E->g.cov[2] = TDM_RIDGE;
        if (g) {
            json_t *mu = json_object_get(g, "mean"), *cv = json_object_get(g, "cov");
            json_t *r0 = json_array_get(cv, 0), *r1 = json_array_get(cv, 1);
            if (json_array_size(mu) != 2 || json_array_size(r0) != 2 || json_array_size(r1) != 2 ||
                tdm_json_num(json_array_get(mu, 0), &E->g.mu[0]) || tdm_json_num(json_array_get(mu, 1), &E->g.mu[1]) ||
                tdm_json_num(json_array_get(r0, 0), &E->g.cov[0]) || tdm_json_num(json_array_get(r0, 1), &E->g.cov[1]) ||
                tdm_json_num(json_array_get(r1, 1), &E->g.cov[2])) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: gaussian needs mean [2] and cov [[2],[2]]", name, e);
                break;
            }
            if (tdm_json_num(json_object_get(g, "n"), &x) == 0 && x >= 0) E->g.n = x;
            json_t *jw = json_object_get(g, "shared_weight");
            if (jw && (tdm_json_num(jw, &E->g.w_null) != 0 || !(E->g.w_null > 0 && E->g.w_null < 1))) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: \"shared_weight\" must be in (0,1)", name, e);
                break;
            }
            if (!(E->g.cov[0] > 0) || !(E->g.cov[2] > 0) ||
                E->g.cov[1] * E->g.cov[1] >= E->g.cov[0] * E->g.cov[2]) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: covariance is not positive definite", name, e);
                break;
            }
        } else if (E->sym != TDM_END) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: missing \"gaussian\"", name, e);
            break;
        }
        json_t *h = json_object_get(je, "payload_hist");
        if (h) {
            size_t n = json_array_size(h);
            if (!json_is_array(h) || n > 1000000) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: \"payload_hist\" must be an array", name, e);
                break;
            }
            int64_t *v = malloc((n ? n : 1) * sizeof *v);
            uint64_t *c = malloc((n ? n : 1) * sizeof *c);
            if (!v || !c) {
                free(v);
                free(c);
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < n && st == SG_OK; i++) {
                json_t *p = json_array_get(h, i);
                int64_t pv = 0, pc = 1;
                if (json_array_size(p) != 2 || tdm_json_int(json_array_get(p, 0), 0, 1 << 30, &pv) ||
                    tdm_json_int(json_array_get(p, 1), 1, INT64_MAX, &pc))
                    st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: payload_hist[%zu] must be [size, count>0]", name,
                                      e, i);
                v[i] = pv;
                c[i] = (uint64_t)pc;
            }
            if (st == SG_OK) st = tdm_edge_set_hist(E, v, c, n, err);
            free(v);
            free(c);
        }
    }
    sg_hashmap_destroy(idx);
    if (st != SG_OK) return st;
    json_t *noise = json_object_get(r, "noise");
    json_t *np = json_object_get(noise, "p");
    m->pi[0] = 1;
    if (np) {
        for (int o = 0; o < TDM_NOPS; o++) {
            double x = 0;
            json_t *jo = json_object_get(np, tdm_op_names[o]);
            if (jo && (tdm_json_num(jo, &x) != 0 || x < 0 || x > 1))
                return sg_error_set(err, SG_ERR_PARSE, "%s: noise.p.%s must be in [0,1]", name, tdm_op_names[o]);
            m->pi[o] = x;
            if (o > 0 && x > 0) m->noise_ops |= 1u << (o - 1);
        }
    }
    json_t *mdl = json_object_get(r, "mdl");
    if (mdl) {
        tdm_json_num(json_object_get(mdl, "model_bits"), &m->cost_model);
        tdm_json_num(json_object_get(mdl, "data_bits"), &m->cost_data);
        tdm_json_num(json_object_get(mdl, "matched_bits"), &m->cost_matched);
        tdm_json_num(json_object_get(mdl, "corrected_bits"), &m->cost_corrected);
        tdm_json_num(json_object_get(mdl, "uncorrected_bits"), &m->cost_uncorrected);
        tdm_json_num(json_object_get(mdl, "status_bits"), &m->cost_status);
    }
    json_t *tr = json_object_get(r, "training");
    if (tr) {
        int64_t x;
        if (tdm_json_int(json_object_get(tr, "sequences"), 0, INT64_MAX, &x) == 0) m->n_train = (size_t)x;
        if (tdm_json_int(json_object_get(tr, "events"), 0, INT64_MAX, &x) == 0) m->n_train_events = (size_t)x;
        if (tdm_json_int(json_object_get(tr, "matched"), 0, INT64_MAX, &x) == 0) m->n_matched = (size_t)x;
        if (tdm_json_int(json_object_get(tr, "corrected"), 0, INT64_MAX, &x) == 0) m->n_corrected = (size_t)x;
        if (tdm_json_int(json_object_get(tr, "uncorrected"), 0, INT64_MAX, &x) == 0) m->n_uncorrected = (size_t)x;
        if (tdm_json_int(json_object_get(tr, "iterations"), 0, UINT32_MAX, &x) == 0) m->iterations = (unsigned)x;
        m->no_verbatim = json_is_false(json_object_get(tr, "verbatim"));
        if (tdm_json_int(json_object_get(tr, "mdl_verbatim"), 0, INT64_MAX, &x) == 0) m->mdl_uncorrected = (size_t)x;
        tdm_json_num(json_object_get(tr, "seconds"), &m->learn_seconds);
        json_t *s = json_object_get(tr, "source");
        if (json_is_string(s)) m->source = strdup(json_string_value(s));
        s = json_object_get(tr, "created");
        if (json_is_string(s)) m->created = strdup(json_string_value(s));
        s = json_object_get(tr, "imported_from");
        if (json_is_string(s)) m->imported_from = strdup(json_string_value(s));
    }
    return SG_OK;
}


sg_status sg_tadam_model_load_mem(const char *name, const char *data, size_t len, sg_tadam_format fmt,
                                  sg_tadam_model **out, sg_error *err)
{
    *out = NULL;
    if (!name) name = "<memory>";
    if (len == 0) return sg_error_set(err, SG_ERR_EMPTY, "%s: empty model file", name);
    /* a capture, a CSV, a flow model...: say what the file is rather than a JSON parse error */
    if (sg_file_kind_check(name, data, len, SG_FILE_AUTOMATON, err) != SG_OK) return err ? err->status : SG_ERR_PARSE;
    json_error_t je;
    json_t *r = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!r) return sg_error_set(err, SG_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    if (!json_is_object(r)) {
        json_decref(r);
        return sg_error_set(err, SG_ERR_PARSE, "%s: top level must be a JSON object", name);
    }
    json_t *f = json_object_get(r, "format");
    if (fmt == SG_TADAM_FMT_AUTO) {
        if (json_is_string(f) && !strcmp(json_string_value(f), "secgen-automaton")) fmt = SG_TADAM_FMT_SECGEN;
        else if (json_object_get(r, "accepting_state") && json_object_get(r, "edges")) fmt = SG_TADAM_FMT_FOSR;
        else {
            json_decref(r);
            return sg_error_set(err, SG_ERR_PARSE,
                                "%s: not an automaton (neither \"format\": \"secgen-automaton\" nor a Fos-R automaton)",
                                name);
        }
    } else if (fmt == SG_TADAM_FMT_SECGEN && !(json_is_string(f) && !strcmp(json_string_value(f), "secgen-automaton"))) {
        json_decref(r);
        return sg_error_set(err, SG_ERR_PARSE, "%s: missing \"format\": \"secgen-automaton\"", name);
    }
    sg_tadam_model *m = tdm_model_alloc();
    if (!m) {
        json_decref(r);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    sg_status st = fmt == SG_TADAM_FMT_FOSR ? tdm_fosr_load(name, r, m, err) : load_secgen(name, r, m, err);
    json_decref(r);
    if (st == SG_OK && !m->name) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK) {
        st = tdm_model_index(m, err);
        if (st != SG_OK) sg_error_prefix(err, "%s: ", name);
    }
    if (st != SG_OK) {
        sg_tadam_model_destroy(m);
        return st;
    }
    *out = m;
    return SG_OK;
}

sg_status sg_tadam_model_load(const char *path, sg_tadam_format fmt, sg_tadam_model **out, sg_error *err)
{
    char *data = NULL;
    size_t n = 0;
    *out = NULL;
    sg_status st = sg_file_read_kind(path, SG_FILE_AUTOMATON, &data, &n, err);
    if (st != SG_OK) return st;
    st = sg_tadam_model_load_mem(path, data, n, fmt, out, err);
    free(data);
    return st;
}

sg_status sg_tadam_model_dump(const sg_tadam_model *m, sg_tadam_format fmt, char **out, sg_error *err)
{
    json_t *r = fmt == SG_TADAM_FMT_FOSR ? tdm_fosr_to_json(m) : to_secgen(m);
    if (!r) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    char *s = json_dumps(r, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(r);
    if (!s) return sg_error_set(err, SG_ERR_NOMEM, "out of memory serialising the automaton");
    *out = s;
    return SG_OK;
}

sg_status sg_tadam_model_save(const sg_tadam_model *m, const char *path, sg_tadam_format fmt, sg_error *err)
{
    char *s = NULL;
    sg_status st = sg_tadam_model_dump(m, fmt, &s, err);
    if (st != SG_OK) return st;
    size_t n = strlen(s);
    s[n] = 0;
    if (!strcmp(path, "-")) {
        fputs(s, stdout);
        fputc('\n', stdout);
    } else {
        char *t = realloc(s, n + 2);
        if (t) {
            s = t;
            s[n] = '\n';
            s[n + 1] = 0;
            n++;
        }
        st = sg_file_write_atomic(path, s, n, err);
    }
    free(s);
    return st;
}
