/* TADAM Fos-R automaton import/export: Fos-R JSON <-> the secgen model (grid Gaussians to raw
 * moments and back, symbol spelling, per-edge payload histograms). */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tadam/tadam_internal.h"

/* grid Gaussian -> raw moments of v (1+v log-normal); iat scaled by iat_mult */
static void grid_to_raw(const sg_tadam_model *m, const tdm_gauss *g, double iat_mult, double mu[2], double cov[3])
{
    double a0 = M_LN2 / m->scale_iat, a1 = M_LN2 / m->scale_payload;
    double c00 = g->cov[0] - TDM_RIDGE, c11 = g->cov[2] - TDM_RIDGE;
    if (c00 < 0) c00 = 0;
    if (c11 < 0) c11 = 0;
    double e0 = exp(a0 * g->mu[0] + a0 * a0 * c00 / 2), e1 = exp(a1 * g->mu[1] + a1 * a1 * c11 / 2);
    mu[0] = (e0 - 1) * iat_mult;
    mu[1] = e1 - 1;
    if (mu[0] < 0) mu[0] = 0;
    if (mu[1] < 0) mu[1] = 0;
    cov[0] = (expm1(a0 * a0 * c00)) * e0 * e0 * iat_mult * iat_mult;
    cov[2] = (expm1(a1 * a1 * c11)) * e1 * e1;
    cov[1] = expm1(a0 * a1 * g->cov[1]) * e0 * e1 * iat_mult;
    for (int i = 0; i < 3; i++)
        if (!isfinite(cov[i])) cov[i] = i == 1 ? 0 : 1e300;
    if (!isfinite(mu[0])) mu[0] = 1e300;
}

/* raw moments -> grid Gaussian (moment matching of a log-normal on 1+v) */
static void raw_to_grid(const sg_tadam_model *m, const double mu[2], const double cov[3], double iat_div, tdm_gauss *g)
{
    double a[2] = {M_LN2 / m->scale_iat, M_LN2 / m->scale_payload};
    double E[2] = {mu[0] / iat_div + 1, mu[1] + 1}, V[2] = {cov[0] / (iat_div * iat_div), cov[2]};
    double s2[2];
    for (int i = 0; i < 2; i++) {
        if (!(E[i] >= 1)) E[i] = 1;
        if (!(V[i] >= 0)) V[i] = 0;
        s2[i] = log1p(V[i] / (E[i] * E[i]));
        double mm = log(E[i]) - s2[i] / 2;
        g->mu[i] = mm / a[i];
        if (g->mu[i] < 0) g->mu[i] = 0;
    }
    double c = log1p(cov[1] / iat_div / (E[0] * E[1]));
    if (!isfinite(c)) c = 0;
    g->cov[0] = s2[0] / (a[0] * a[0]) + TDM_RIDGE;
    g->cov[2] = s2[1] / (a[1] * a[1]) + TDM_RIDGE;
    g->cov[1] = c / (a[0] * a[1]);
    double lim = 0.999 * sqrt(g->cov[0] * g->cov[2]);
    if (g->cov[1] > lim) g->cov[1] = lim;
    if (g->cov[1] < -lim) g->cov[1] = -lim;
    g->n = 100;
}

/* secgen symbol ">PA" (+ optional ":Class") -> Fos-R "AP_>_Class" */
static void sym_to_fosr(const sg_tadam_model *m, const tdm_edge *E, char *buf, size_t bufsz)
{
    const tdm_symbol *s = &m->sym[E->sym];
    if (E->sym == TDM_END || s->dir == 0) {
        snprintf(buf, bufsz, "%s", s->name);
        return;
    }
    const char *colon = strchr(s->name, ':');
    const char *cls;
    int has_payload = 0;
    for (uint32_t i = 0; i < E->n_hist; i++) has_payload |= E->hist_val[i] > 0;
    if (!E->n_hist) has_payload = E->g.mu[1] >= 1.0;
    cls = colon ? colon + 1 : has_payload ? "Random" : "Empty";
    char flags[8];
    size_t k = 0;
    static const char order[] = "APSFRU";
    static const uint8_t bits[] = {SG_TCP_ACK, SG_TCP_PSH, SG_TCP_SYN, SG_TCP_FIN, SG_TCP_RST, SG_TCP_URG};
    for (int i = 0; i < 6; i++)
        if (s->flags & bits[i]) flags[k++] = order[i];
    flags[k] = 0;
    if (m->proto == SG_PROTO_TCP)
        snprintf(buf, bufsz, "%s_%c_%s", flags, s->dir > 0 ? '>' : '<', cls);
    else if (m->proto == SG_PROTO_ICMP)
        snprintf(buf, bufsz, "%c", s->dir > 0 ? '>' : '<');
    else
        snprintf(buf, bufsz, "%c_%s", s->dir > 0 ? '>' : '<', cls);
}

/* inverse of erf (Giles' single-precision approximation refined by two Newton steps) */
static double erfinv_approx(double x)
{
    if (x <= -1) return -6;
    if (x >= 1) return 6;
    double w = -log((1.0 - x) * (1.0 + x)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double y = p * x;
    for (int i = 0; i < 2; i++) y -= (erf(y) - x) / (2.0 / sqrt(M_PI) * exp(-y * y));
    return y;
}

json_t *tdm_fosr_to_json(const sg_tadam_model *m)
{
    json_t *r = json_object();
    char pbuf[16];
    const char *proto = m->proto == SG_PROTO_UDP ? "UDP" : m->proto == SG_PROTO_ICMP ? "ICMP" : "TCP";
    (void)pbuf;
    json_object_set_new(r, "protocol", json_string(proto));
    json_object_set_new(r, "l7protocol", json_string(m->name ? m->name : "all"));
    json_object_set_new(r, "initial_state", json_integer(m->initial));
    json_object_set_new(r, "accepting_state", json_integer(m->final));
    double none = m->pi[0];
    json_object_set_new(r, "noise", json_pack("{s:o,s:o,s:o,s:o,s:o}", "none", tdm_json_real(none), "deletion",
                                              tdm_json_real(m->pi[TDM_OP_DEL]), "reemission", tdm_json_real(m->pi[TDM_OP_DUP]),
                                              "transposition", tdm_json_real(m->pi[TDM_OP_SWAP]), "addition",
                                              tdm_json_real(m->pi[TDM_OP_ADD])));
    json_t *md = json_object();
    json_object_set_new(md, "select_dst_ports", m->port >= 0 ? json_pack("[i]", m->port) : json_array());
    json_object_set_new(md, "ignore_dst_ports", json_array());
    json_object_set_new(md, "input_file", json_string(m->source ? m->source : ""));
    json_object_set_new(md, "creation_time", json_string(m->created && m->imported_from ? m->created : ""));
    json_object_set_new(md, "automaton_name", json_string(m->name ? m->name : "all"));
    json_object_set_new(md, "iat_unit", json_string("ns"));
    json_object_set_new(md, "exported_by", json_string("secgen"));
    json_object_set_new(r, "metadata", md);
    json_t *edges = json_array();
    for (uint32_t e = 0; e < m->n_edges; e++) {
        const tdm_edge *E = &m->edges[e];
        char sb[64];
        sym_to_fosr(m, E, sb, sizeof sb);
        json_t *je = json_object();
        json_object_set_new(je, "src", json_integer(E->src));
        json_object_set_new(je, "dst", json_integer(E->dst));
        json_object_set_new(je, "symbol", json_string(sb));
        json_object_set_new(je, "p", tdm_json_real(E->p));
        json_object_set_new(je, "count", json_integer((json_int_t)(E->count ? E->count : (uint64_t)ceil(E->visits))));
        double mu[2] = {0, 0}, cov[3] = {1e-6, 0, 1e-6};
        if (E->sym != TDM_END) grid_to_raw(m, &E->g, 1000.0, mu, cov); /* Fos-R main reads IATs as ns */
        int d = m->proto == SG_PROTO_ICMP ? 1 : 2;
        if (d == 1) {
            json_object_set_new(je, "mu", json_pack("[o]", tdm_json_real(mu[0])));
            json_object_set_new(je, "cov", json_pack("[[o]]", tdm_json_real(cov[0])));
        } else {
            json_object_set_new(je, "mu", json_pack("[o,o]", tdm_json_real(mu[0]), tdm_json_real(mu[1])));
            json_object_set_new(je, "cov", json_pack("[[o,o],[o,o]]", tdm_json_real(cov[0]), tdm_json_real(cov[1]), tdm_json_real(cov[1]),
                                                     tdm_json_real(cov[2])));
        }
        int has_payload = 0;
        for (uint32_t i = 0; i < E->n_hist; i++) has_payload |= E->hist_val[i] > 0;
        if (E->sym == TDM_END || (!has_payload && !(E->g.mu[1] >= 1.0))) {
            json_object_set_new(je, "payloads", json_pack("{s:s}", "type", "NoPayload"));
        } else {
            /* Fos-R draws a length uniformly from the list: expand the histogram into at most
             * ~1000 entries proportional to the counts */
            json_t *lens = json_array();
            if (E->n_hist) {
                uint64_t tot = 0;
                for (uint32_t i = 0; i < E->n_hist; i++) tot += E->hist_cnt[i];
                for (uint32_t i = 0; i < E->n_hist; i++) {
                    uint64_t k = tot <= 1000 ? E->hist_cnt[i] : (uint64_t)llround(1000.0 * E->hist_cnt[i] / tot);
                    if (k == 0) k = 1;
                    for (uint64_t j = 0; j < k; j++) json_array_append_new(lens, json_integer(E->hist_val[i]));
                }
            } else {
                for (int i = 0; i < 50; i++) {
                    /* quantiles of the payload marginal on the grid */
                    double z = sqrt(2.0) * erfinv_approx((i + 0.5) / 50 * 2 - 1);
                    double x = E->g.mu[1] + z * sqrt(E->g.cov[2]);
                    json_array_append_new(lens, json_integer(llround(tdm_ungrid(x, m->scale_payload))));
                }
            }
            json_object_set_new(je, "payloads", json_pack("{s:s,s:o}", "type", "Lengths", "lengths", lens));
        }
        json_array_append_new(edges, je);
    }
    json_object_set_new(r, "edges", edges);
    return r;
}

/* Fos-R symbol -> secgen symbol (with_class: keep ":Class") */
static void sym_from_fosr(const char *s, uint8_t proto, int with_class, char *buf, size_t bufsz)
{
    if (!strcmp(s, "$")) {
        snprintf(buf, bufsz, "$");
        return;
    }
    const char *u1 = strchr(s, '_');
    char dir = 0;
    const char *flags = "", *cls = NULL;
    size_t flen = 0;
    if (proto == SG_PROTO_TCP && u1) {
        flags = s;
        flen = (size_t)(u1 - s);
        dir = u1[1];
        cls = u1[1] && u1[2] == '_' ? u1 + 3 : NULL;
    } else if (u1) {
        dir = s[0];
        cls = u1 + 1;
    } else {
        dir = s[0];
    }
    if (dir != '>' && dir != '<') {
        snprintf(buf, bufsz, "%s", s); /* not a packet symbol: keep verbatim */
        return;
    }
    size_t k = 0;
    buf[k++] = dir;
    static const char order[] = "FSRPAU"; /* same order as secgen extract */
    for (int i = 0; i < 6 && k + 1 < bufsz; i++)
        if (memchr(flags, order[i], flen)) buf[k++] = order[i];
    buf[k] = 0;
    if (with_class && cls && *cls) snprintf(buf + k, bufsz - k, ":%s", cls);
}

static size_t b64_len(const char *s)
{
    size_t n = strlen(s), pad = 0;
    while (n > 0 && s[n - 1] == '=') {
        n--;
        pad++;
    }
    (void)pad;
    return n * 3 / 4;
}

sg_status tdm_fosr_load(const char *name, json_t *r, sg_tadam_model *m, sg_error *err)
{
    json_t *jp = json_object_get(r, "protocol");
    const char *proto = json_is_string(jp) ? json_string_value(jp) : "TCP";
    if (!strcmp(proto, "TCP")) m->proto = SG_PROTO_TCP;
    else if (!strcmp(proto, "UDP")) m->proto = SG_PROTO_UDP;
    else if (!strcmp(proto, "ICMP")) m->proto = SG_PROTO_ICMP;
    else return sg_error_set(err, SG_ERR_PARSE, "%s: unknown protocol \"%s\"", name, proto);
    json_t *md = json_object_get(r, "metadata");
    const char *nm = NULL;
    json_t *j = json_object_get(r, "l7protocol");
    if (json_is_string(j)) nm = json_string_value(j);
    if (!nm && json_is_string(json_object_get(md, "automaton_name"))) nm = json_string_value(json_object_get(md, "automaton_name"));
    if (!nm && json_is_string(json_object_get(md, "service"))) nm = json_string_value(json_object_get(md, "service"));
    m->name = strdup(nm ? nm : "fosr");
    int64_t iv;
    json_t *ports = json_object_get(md, "select_dst_ports");
    if (json_array_size(ports) > 0 && tdm_json_int(json_array_get(ports, 0), 0, 65535, &iv) == 0) m->port = (int32_t)iv;
    /* IAT unit (spec A11): explicit "iat_unit" if present; `next` metadata (service/conn_state):
     * TCP ms, UDP/ICMP us; legacy `main` models: ns */
    double iat_div = 1000.0;
    json_t *unit = json_object_get(md, "iat_unit");
    if (json_is_string(unit)) {
        const char *u = json_string_value(unit);
        iat_div = !strcmp(u, "ns") ? 1000.0 : !strcmp(u, "us") ? 1.0 : !strcmp(u, "ms") ? 1e-3 : !strcmp(u, "s") ? 1e-6 : 1000.0;
    } else if (json_object_get(md, "conn_state") || json_object_get(md, "service")) {
        iat_div = m->proto == SG_PROTO_TCP ? 1e-3 : 1.0;
    }
    int64_t q0, qf;
    if (tdm_json_int(json_object_get(r, "initial_state"), 0, TDM_MAX_STATES - 1, &q0) != 0 ||
        tdm_json_int(json_object_get(r, "accepting_state"), 0, TDM_MAX_STATES - 1, &qf) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: Fos-R automaton needs integer initial_state and accepting_state", name);
    json_t *edges = json_object_get(r, "edges");
    if (!json_is_array(edges) || json_array_size(edges) > TDM_MAX_EDGES)
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"edges\" must be an array", name);
    size_t ne = json_array_size(edges);
    uint32_t maxq = (uint32_t)(q0 > qf ? q0 : qf);
    for (size_t e = 0; e < ne; e++) {
        json_t *je = json_array_get(edges, e);
        int64_t a, b;
        if (!json_is_object(je) || tdm_json_int(json_object_get(je, "src"), 0, TDM_MAX_STATES - 1, &a) ||
            tdm_json_int(json_object_get(je, "dst"), 0, TDM_MAX_STATES - 1, &b) || !json_is_string(json_object_get(je, "symbol")))
            return sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: needs integer src/dst and a string symbol", name, e);
        if ((uint32_t)a > maxq) maxq = (uint32_t)a;
        if ((uint32_t)b > maxq) maxq = (uint32_t)b;
    }
    /* does dropping the payload class keep the automaton deterministic? */
    int with_class = 0;
    for (size_t e = 0; e < ne && !with_class; e++)
        for (size_t f = 0; f < e && !with_class; f++) {
            json_t *a = json_array_get(edges, e), *b = json_array_get(edges, f);
            if (json_integer_value(json_object_get(a, "src")) != json_integer_value(json_object_get(b, "src"))) continue;
            char sa[64], sb[64];
            sym_from_fosr(json_string_value(json_object_get(a, "symbol")), m->proto, 0, sa, sizeof sa);
            sym_from_fosr(json_string_value(json_object_get(b, "symbol")), m->proto, 0, sb, sizeof sb);
            if (!strcmp(sa, sb)) with_class = 1;
        }
    m->n_states = maxq + 1;
    m->initial = (uint32_t)q0;
    m->final = (uint32_t)qf;
    m->n_edges = (uint32_t)ne;
    m->edges = calloc(ne ? ne : 1, sizeof *m->edges);
    m->sym = calloc(ne + 1, sizeof *m->sym);
    sg_hashmap *idx = sg_hashmap_create(ne * 2 + 8);
    if (!m->edges || !m->sym || !idx) {
        sg_hashmap_destroy(idx);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    m->sym[0].name = strdup("$");
    m->n_sym = 1;
    sg_hashmap_put(idx, "$", 1, 0);
    sg_status st = SG_OK;
    for (size_t e = 0; e < ne && st == SG_OK; e++) {
        json_t *je = json_array_get(edges, e);
        tdm_edge *E = &m->edges[e];
        E->src = (uint32_t)json_integer_value(json_object_get(je, "src"));
        E->dst = (uint32_t)json_integer_value(json_object_get(je, "dst"));
        char sb[64];
        sym_from_fosr(json_string_value(json_object_get(je, "symbol")), m->proto, with_class, sb, sizeof sb);
        uint64_t sid;
        if (!sg_hashmap_get(idx, sb, strlen(sb), &sid)) {
            sid = m->n_sym;
            m->sym[m->n_sym].name = strdup(sb);
            if (!m->sym[m->n_sym].name) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                break;
            }
            m->n_sym++;
            sg_hashmap_put(idx, sb, strlen(sb), sid);
        }
        E->sym = (uint32_t)sid;
        if (tdm_json_num(json_object_get(je, "p"), &E->p) != 0 || E->p < 0 || E->p > 1) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: \"p\" must be a number in [0,1]", name, e);
            break;
        }
        int64_t c;
        if (tdm_json_int(json_object_get(je, "count"), 0, INT64_MAX, &c) == 0) E->count = (uint64_t)c;
        E->visits = (double)E->count;
        double mu[2] = {0, 0}, cov[3] = {0, 0, 0};
        json_t *jm = json_object_get(je, "mu"), *jc = json_object_get(je, "cov");
        size_t d = json_array_size(jm);
        if (E->sym != TDM_END || d > 0) {
            if (d < 1 || d > 2 || json_array_size(jc) != d) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: \"mu\" must have 1 or 2 values and \"cov\" match", name, e);
                break;
            }
            for (size_t i = 0; i < d && st == SG_OK; i++) {
                json_t *row = json_array_get(jc, i);
                if (json_array_size(row) != d || tdm_json_num(json_array_get(jm, i), &mu[i]))
                    st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: malformed mu/cov", name, e);
                for (size_t k = 0; k < d && st == SG_OK; k++) {
                    double x;
                    if (tdm_json_num(json_array_get(row, k), &x)) st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: malformed cov", name, e);
                    else if (i == k) cov[i == 0 ? 0 : 2] = x;
                    else cov[1] = x;
                }
            }
            if (st != SG_OK) break;
        }
        raw_to_grid(m, mu, cov, iat_div, &E->g);
        json_t *pl = json_object_get(je, "payloads");
        json_t *pt = json_object_get(pl, "type");
        if (pl && json_is_string(pt) && E->sym != TDM_END) {
            const char *t = json_string_value(pt);
            json_t *list = !strcmp(t, "Lengths") ? json_object_get(pl, "lengths") : json_object_get(pl, "content");
            json_t *w = json_object_get(pl, "weights");
            size_t n = json_array_size(list);
            if (n > 0 && strcmp(t, "NoPayload") != 0) {
                int64_t *v = malloc(n * sizeof *v);
                uint64_t *cn = malloc(n * sizeof *cn);
                if (!v || !cn) {
                    free(v);
                    free(cn);
                    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                    break;
                }
                for (size_t i = 0; i < n; i++) {
                    json_t *x = json_array_get(list, i);
                    int64_t len = 0;
                    if (json_is_integer(x)) len = json_integer_value(x);
                    else if (json_is_string(x)) {
                        const char *sv = json_string_value(x);
                        len = !strcmp(t, "HexCodes") ? (int64_t)(strlen(sv) / 2)
                              : !strcmp(t, "Base64") ? (int64_t)b64_len(sv)
                                                     : (int64_t)json_string_length(x);
                    }
                    if (len < 0) len = 0;
                    if (len > 65535) len = 65535;
                    v[i] = len;
                    json_int_t wi = json_is_integer(json_array_get(w, i)) ? json_integer_value(json_array_get(w, i)) : 1;
                    cn[i] = wi > 0 ? (uint64_t)wi : 1;
                }
                st = tdm_edge_set_hist(E, v, cn, n, err);
                free(v);
                free(cn);
            }
        }
    }
    sg_hashmap_destroy(idx);
    if (st != SG_OK) return st;
    json_t *noise = json_object_get(r, "noise");
    static const char *fn[TDM_NOPS] = {"none", "addition", "reemission", "transposition", "deletion"};
    m->pi[0] = 1;
    if (json_is_object(noise))
        for (int o = 0; o < TDM_NOPS; o++) {
            double x = 0;
            if (tdm_json_num(json_object_get(noise, fn[o]), &x) == 0 && x >= 0 && x <= 1) m->pi[o] = x;
            if (o > 0 && m->pi[o] > 0) m->noise_ops |= 1u << (o - 1);
        }
    m->imported_from = strdup("fosr");
    json_t *inp = json_object_get(md, "input_file");
    if (json_is_string(inp)) m->source = strdup(json_string_value(inp));
    json_t *ct = json_object_get(md, "creation_time");
    if (json_is_string(ct)) m->created = strdup(json_string_value(ct));
    return SG_OK;
}
