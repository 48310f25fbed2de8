/* TADAM model object: construction helpers, secgen and Fos-R JSON I/O, text and Graphviz views. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tadam/tadam_internal.h"

sg_tadam_model *tdm_model_alloc(void)
{
    sg_tadam_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->port = -1;
    pthread_mutex_init(&m->beta_lock, NULL);
    m->scale_iat = TDM_SCALE_IAT;
    m->scale_payload = TDM_SCALE_PAYLOAD;
    return m;
}

void sg_tadam_model_destroy(sg_tadam_model *m)
{
    if (!m) return;
    free(m->name);
    if (m->sym)
        for (uint32_t i = 0; i < m->n_sym; i++) free(m->sym[i].name);
    free(m->sym);
    sg_hashmap_destroy(m->sym_index);
    if (m->edges)
        for (uint32_t e = 0; e < m->n_edges; e++) {
            free(m->edges[e].hist_val);
            free(m->edges[e].hist_cnt);
        }
    free(m->edges);
    free(m->out_off);
    free(m->out_idx);
    free(m->in_off);
    free(m->in_idx);
    free(m->source);
    free(m->created);
    free(m->imported_from);
    free(m->beta.beta);
    pthread_mutex_destroy(&m->beta_lock);
    free(m->dist);
    free(m->next_edge);
    free(m->v_src);
    free(m->v_dst);
    free(m->v_sym);
    free(m->v_g);
    free(m->v_bits);
    free(m->sym_bits);
    free(m);
}

void tdm_symbol_parse(tdm_symbol *s)
{
    s->dir = 0;
    s->flags = 0;
    const char *p = s->name;
    if (*p == '>')
        s->dir = 1;
    else if (*p == '<')
        s->dir = -1;
    else
        return;
    for (p++; *p && *p != ':'; p++) switch (*p) {
        case 'F': s->flags |= SG_TCP_FIN; break;
        case 'S': s->flags |= SG_TCP_SYN; break;
        case 'R': s->flags |= SG_TCP_RST; break;
        case 'P': s->flags |= SG_TCP_PSH; break;
        case 'A': s->flags |= SG_TCP_ACK; break;
        case 'U': s->flags |= SG_TCP_URG; break;
        default: break;
        }
}

int64_t tdm_model_find_symbol(const sg_tadam_model *m, const char *s, size_t len)
{
    uint64_t v;
    if (m->sym_index && sg_hashmap_get(m->sym_index, s, len, &v)) return (int64_t)v;
    return -1;
}

/* Validate and index: CSR out/in lists, symbol map, probabilities renormalised per state. */
sg_status tdm_model_index(sg_tadam_model *m, sg_error *err)
{
    if (m->n_states < 2) return sg_error_set(err, SG_ERR_INVALID, "automaton has fewer than 2 states");
    if (m->initial >= m->n_states || m->final >= m->n_states || m->initial == m->final)
        return sg_error_set(err, SG_ERR_INVALID, "invalid initial/final state");
    if (m->n_sym == 0 || strcmp(m->sym[0].name, "$") != 0)
        return sg_error_set(err, SG_ERR_INVALID, "alphabet must start with \"$\"");
    sg_hashmap_destroy(m->sym_index);
    m->sym_index = sg_hashmap_create(m->n_sym * 2 + 8);
    if (!m->sym_index) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < m->n_sym; i++) {
        uint64_t old;
        if (sg_hashmap_get(m->sym_index, m->sym[i].name, strlen(m->sym[i].name), &old))
            return sg_error_set(err, SG_ERR_INVALID, "duplicate symbol \"%s\"", m->sym[i].name);
        if (sg_hashmap_put(m->sym_index, m->sym[i].name, strlen(m->sym[i].name), i) != SG_OK)
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        tdm_symbol_parse(&m->sym[i]);
    }
    for (uint32_t e = 0; e < m->n_edges; e++) {
        const tdm_edge *E = &m->edges[e];
        if (E->src >= m->n_states || E->dst >= m->n_states || E->sym >= m->n_sym)
            return sg_error_set(err, SG_ERR_INVALID, "edge %u: state or symbol out of range", e);
        if (E->src == m->final) return sg_error_set(err, SG_ERR_INVALID, "edge %u leaves the final state", e);
        if ((E->sym == TDM_END) != (E->dst == m->final))
            return sg_error_set(err, SG_ERR_INVALID, "edge %u: \"$\" edges (and only they) must enter the final state",
                                e);
        if (!(E->p >= 0) || !isfinite(E->p))
            return sg_error_set(err, SG_ERR_INVALID, "edge %u: invalid probability", e);
        for (int i = 0; i < 2; i++)
            if (!isfinite(E->g.mu[i])) return sg_error_set(err, SG_ERR_INVALID, "edge %u: invalid mean", e);
        if (!isfinite(E->g.cov[0]) || !isfinite(E->g.cov[1]) || !isfinite(E->g.cov[2]) || !(E->g.cov[0] > 0) ||
            !(E->g.cov[2] > 0))
            return sg_error_set(err, SG_ERR_INVALID, "edge %u: covariance must be finite and positive", e);
        for (uint32_t f = 0; f < e; f++)
            if (m->edges[f].src == E->src && m->edges[f].sym == E->sym)
                return sg_error_set(err, SG_ERR_INVALID,
                                    "edges %u and %u: two edges read \"%s\" from state %u (not deterministic)", f, e,
                                    m->sym[E->sym].name, E->src);
    }
    /* normalise probabilities per source state */
    double *tot = calloc(m->n_states, sizeof *tot);
    if (!tot) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (uint32_t e = 0; e < m->n_edges; e++) tot[m->edges[e].src] += m->edges[e].p;
    for (uint32_t e = 0; e < m->n_edges; e++) {
        tdm_edge *E = &m->edges[e];
        if (tot[E->src] > 0)
            E->p /= tot[E->src];
        else {
            uint32_t k = 0;
            for (uint32_t f = 0; f < m->n_edges; f++) k += m->edges[f].src == E->src;
            E->p = 1.0 / k;
        }
    }
    free(tot);
    free(m->out_off);
    free(m->out_idx);
    free(m->in_off);
    free(m->in_idx);
    m->out_off = calloc(m->n_states + 1, sizeof *m->out_off);
    m->in_off = calloc(m->n_states + 1, sizeof *m->in_off);
    m->out_idx = malloc((m->n_edges + 1) * sizeof *m->out_idx);
    m->in_idx = malloc((m->n_edges + 1) * sizeof *m->in_idx);
    if (!m->out_off || !m->in_off || !m->out_idx || !m->in_idx) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    for (uint32_t e = 0; e < m->n_edges; e++) {
        m->out_off[m->edges[e].src + 1]++;
        m->in_off[m->edges[e].dst + 1]++;
    }
    for (uint32_t q = 0; q < m->n_states; q++) {
        m->out_off[q + 1] += m->out_off[q];
        m->in_off[q + 1] += m->in_off[q];
    }
    uint32_t *fo = calloc(m->n_states, sizeof *fo), *fi = calloc(m->n_states, sizeof *fi);
    if (!fo || !fi) {
        free(fo);
        free(fi);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (uint32_t e = 0; e < m->n_edges; e++) {
        uint32_t s = m->edges[e].src, d = m->edges[e].dst;
        m->out_idx[m->out_off[s] + fo[s]++] = e;
        m->in_idx[m->in_off[d] + fi[d]++] = e;
    }
    free(fo);
    free(fi);
    double sum = 0;
    for (int o = 0; o < TDM_NOPS; o++) {
        if (!(m->pi[o] >= 0) || !isfinite(m->pi[o])) return sg_error_set(err, SG_ERR_INVALID, "invalid noise probability");
        sum += m->pi[o];
    }
    if (sum <= 0) {
        m->pi[0] = 1;
        sum = 1;
    }
    for (int o = 0; o < TDM_NOPS; o++) m->pi[o] /= sum;
    free(m->beta.beta);
    memset(&m->beta, 0, sizeof m->beta);
    /* scoring view + deletion closure (built once: scoring is then read-only and thread-safe) */
    free(m->v_src);
    free(m->v_dst);
    free(m->v_sym);
    free(m->v_g);
    free(m->v_bits);
    free(m->dist);
    free(m->next_edge);
    m->dist = NULL;
    m->next_edge = NULL;
    size_t ne1 = (size_t)m->n_edges + 1;
    m->v_src = malloc(ne1 * sizeof *m->v_src);
    m->v_dst = malloc(ne1 * sizeof *m->v_dst);
    m->v_sym = malloc(ne1 * sizeof *m->v_sym);
    m->v_g = malloc(ne1 * sizeof *m->v_g);
    m->v_bits = malloc(ne1 * sizeof *m->v_bits);
    if (!m->v_src || !m->v_dst || !m->v_sym || !m->v_g || !m->v_bits)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    free(m->sym_bits);
    m->sym_bits = malloc(m->n_sym * sizeof *m->sym_bits);
    double *cnt = calloc(m->n_sym, sizeof *cnt);
    if (!m->sym_bits || !cnt) {
        free(cnt);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    for (uint32_t e = 0; e < m->n_edges; e++) cnt[m->edges[e].sym] += m->edges[e].visits > 0 ? m->edges[e].visits : 0;
    tdm_unigram_bits(cnt, m->n_sym, m->sym_bits, &m->unk_bits);
    free(cnt);
    for (uint32_t e = 0; e < m->n_edges; e++) {
        m->v_src[e] = m->edges[e].src;
        m->v_dst[e] = m->edges[e].dst;
        m->v_sym[e] = m->edges[e].sym;
        m->v_g[e] = m->edges[e].g;
        m->v_bits[e] = m->edges[e].p > 0 ? -log2(m->edges[e].p) : TDM_INF;
    }
    if (m->pi[TDM_OP_DEL] > 0 && m->n_states <= 4096) {
        size_t nn = (size_t)m->n_states * m->n_states;
        m->dist = malloc(nn * sizeof *m->dist);
        m->next_edge = malloc(nn * sizeof *m->next_edge);
        if (!m->dist || !m->next_edge) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        tdm_view v;
        tdm_model_view(m, &v);
        v.dist = NULL;
        tdm_closure(&v, m->dist, m->next_edge);
    }
    return SG_OK;
}

void tdm_model_view(const sg_tadam_model *m, tdm_view *v)
{
    memset(v, 0, sizeof *v);
    v->nq = m->n_states;
    v->ne = m->n_edges;
    v->q0 = m->initial;
    v->qf = m->final;
    v->in_off = m->in_off;
    v->in_idx = m->in_idx;
    v->ebits = m->v_bits;
    v->esrc = m->v_src;
    v->edst = m->v_dst;
    v->esym = m->v_sym;
    v->eg = m->v_g;
    v->dist = m->dist;
    v->next_edge = m->next_edge;
    for (int o = 0; o < TDM_NOPS; o++) v->op_bits[o] = m->pi[o] > 0 ? -log2(m->pi[o]) : TDM_INF;
    /* unknown symbols at scoring time are sent among |Σ|+1 possibilities */
    v->log2_sigma = log2((double)m->n_sym + 1.0);
    v->sym_bits = m->sym_bits;
    v->unk_bits = m->unk_bits;
}

/* ---- names ------------------------------------------------------------------------------- */

int sg_tadam_format_parse(const char *s, sg_tadam_format *out)
{
    if (!s) return -1;
    if (!strcmp(s, "auto")) *out = SG_TADAM_FMT_AUTO;
    else if (!strcmp(s, "secgen")) *out = SG_TADAM_FMT_SECGEN;
    else if (!strcmp(s, "fosr")) *out = SG_TADAM_FMT_FOSR;
    else return -1;
    return 0;
}

/* proto 0 = TCP and UDP */
static const struct {
    uint8_t proto;
    int port;
    const char *name;
} services[] = {{6, 20, "ftp-data"},    {6, 21, "ftp"},         {6, 22, "ssh"},          {6, 23, "telnet"},
                {6, 25, "smtp"},        {0, 53, "dns"},         {17, 67, "dhcp"},        {17, 68, "dhcp"},
                {6, 80, "http"},        {6, 110, "pop3"},       {17, 123, "ntp"},        {17, 137, "netbios-ns"},
                {17, 138, "netbios-dgm"}, {6, 139, "netbios-ssn"}, {6, 143, "imap"},     {17, 161, "snmp"},
                {0, 389, "ldap"},       {17, 427, "svrloc"},    {6, 443, "https"},       {17, 443, "quic"},
                {6, 445, "smb"},        {6, 465, "smtps"},      {17, 500, "isakmp"},     {6, 587, "submission"},
                {6, 993, "imaps"},      {6, 995, "pop3s"},      {6, 1883, "mqtt"},       {17, 1900, "ssdp"},
                {6, 3306, "mysql"},     {6, 3389, "rdp"},       {17, 3478, "stun"},      {6, 5222, "xmpp"},
                {17, 5353, "mdns"},     {17, 5355, "llmnr"},    {6, 8080, "http-alt"},   {6, 8443, "https-alt"}};

const char *sg_tadam_service_name(uint8_t proto, int32_t port, char *buf, size_t bufsz)
{
    if (proto == 0) {
        snprintf(buf, bufsz, "all");
        return buf;
    }
    if (port < 0) { /* ICMP and other port-less protocols: one automaton per protocol */
        const char *p = proto == SG_PROTO_ICMP ? "icmp" : proto == SG_PROTO_ICMPV6 ? "icmpv6" : proto == SG_PROTO_TCP ? "tcp" : proto == SG_PROTO_UDP ? "udp" : NULL;
        if (p)
            snprintf(buf, bufsz, "%s", p);
        else
            snprintf(buf, bufsz, "proto%u", proto);
        return buf;
    }
    if (proto == SG_PROTO_TCP || proto == SG_PROTO_UDP)
        for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
            if (services[i].port == port && (services[i].proto == 0 || services[i].proto == proto)) {
                snprintf(buf, bufsz, "%s", services[i].name);
                return buf;
            }
    const char *p = proto == SG_PROTO_TCP ? "tcp" : proto == SG_PROTO_UDP ? "udp" : proto == SG_PROTO_ICMP ? "icmp" : NULL;
    if (p)
        snprintf(buf, bufsz, "%s-%d", p, (int)port);
    else
        snprintf(buf, bufsz, "proto%u-%d", proto, (int)port);
    return buf;
}

static const char *op_names[TDM_NOPS] = {"tr", "add", "dup", "swap", "del"};

/* ---- secgen JSON --------------------------------------------------------------------------- */

static json_t *jreal(double x) { return json_real(isfinite(x) ? x : 0.0); }


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
    json_object_set_new(vals, "iat", json_pack("{s:s,s:s,s:f}", "unit", "us", "grid", "round(scale*log2(1+v))", "scale",
                                               m->scale_iat));
    json_object_set_new(vals, "payload", json_pack("{s:s,s:s,s:f}", "unit", "bytes", "grid", "round(scale*log2(1+v))",
                                                   "scale", m->scale_payload));
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
        json_object_set_new(je, "probability", jreal(E->p));
        json_object_set_new(je, "visits", jreal(E->visits));
        json_object_set_new(je, "count", json_integer((json_int_t)E->count));
        if (E->sym != TDM_END) {
            json_t *g = json_object();
            json_object_set_new(g, "mean", json_pack("[o,o]", jreal(E->g.mu[0]), jreal(E->g.mu[1])));
            json_object_set_new(g, "cov", json_pack("[[o,o],[o,o]]", jreal(E->g.cov[0]), jreal(E->g.cov[1]),
                                                    jreal(E->g.cov[1]), jreal(E->g.cov[2])));
            json_object_set_new(g, "n", jreal(E->g.n));
            json_object_set_new(je, "gaussian", g);
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
        if (m->noise_ops & (1u << (o - 1))) json_array_append_new(en, json_string(op_names[o]));
    for (int o = 0; o < TDM_NOPS; o++) json_object_set_new(np, op_names[o], jreal(m->pi[o]));
    json_object_set_new(noise, "enabled", en);
    json_object_set_new(noise, "p", np);
    json_object_set_new(r, "noise", noise);
    json_t *mdl = json_object();
    json_object_set_new(mdl, "total_bits", jreal(m->cost_model + m->cost_data));
    json_object_set_new(mdl, "model_bits", jreal(m->cost_model));
    json_object_set_new(mdl, "data_bits", jreal(m->cost_data));
    json_object_set_new(mdl, "matched_bits", jreal(m->cost_matched));
    json_object_set_new(mdl, "corrected_bits", jreal(m->cost_corrected));
    json_object_set_new(mdl, "uncorrected_bits", jreal(m->cost_uncorrected));
    json_object_set_new(mdl, "status_bits", jreal(m->cost_status));
    json_object_set_new(r, "mdl", mdl);
    json_t *tr = json_object();
    json_object_set_new(tr, "sequences", json_integer((json_int_t)m->n_train));
    json_object_set_new(tr, "events", json_integer((json_int_t)m->n_train_events));
    json_object_set_new(tr, "matched", json_integer((json_int_t)m->n_matched));
    json_object_set_new(tr, "corrected", json_integer((json_int_t)m->n_corrected));
    json_object_set_new(tr, "uncorrected", json_integer((json_int_t)m->n_uncorrected));
    json_object_set_new(tr, "iterations", json_integer(m->iterations));
    json_object_set_new(tr, "init", json_string("state-symbol"));
    json_object_set_new(tr, "search", json_string("steepest descent: merge, split-state, delete-edge"));
    if (m->source) json_object_set_new(tr, "source", json_string(m->source));
    if (m->imported_from) json_object_set_new(tr, "imported_from", json_string(m->imported_from));
    json_object_set_new(r, "training", tr);
    return r;
}

/* ---- Fos-R JSON ----------------------------------------------------------------------------- */

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

static json_t *to_fosr(const sg_tadam_model *m)
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
    json_object_set_new(r, "noise", json_pack("{s:o,s:o,s:o,s:o,s:o}", "none", jreal(none), "deletion",
                                              jreal(m->pi[TDM_OP_DEL]), "reemission", jreal(m->pi[TDM_OP_DUP]),
                                              "transposition", jreal(m->pi[TDM_OP_SWAP]), "addition",
                                              jreal(m->pi[TDM_OP_ADD])));
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
        json_object_set_new(je, "p", jreal(E->p));
        json_object_set_new(je, "count", json_integer((json_int_t)(E->count ? E->count : (uint64_t)ceil(E->visits))));
        double mu[2] = {0, 0}, cov[3] = {1e-6, 0, 1e-6};
        if (E->sym != TDM_END) grid_to_raw(m, &E->g, 1000.0, mu, cov); /* Fos-R main reads IATs as ns */
        int d = m->proto == SG_PROTO_ICMP ? 1 : 2;
        if (d == 1) {
            json_object_set_new(je, "mu", json_pack("[o]", jreal(mu[0])));
            json_object_set_new(je, "cov", json_pack("[[o]]", jreal(cov[0])));
        } else {
            json_object_set_new(je, "mu", json_pack("[o,o]", jreal(mu[0]), jreal(mu[1])));
            json_object_set_new(je, "cov", json_pack("[[o,o],[o,o]]", jreal(cov[0]), jreal(cov[1]), jreal(cov[1]),
                                                     jreal(cov[2])));
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

/* ---- loading ----------------------------------------------------------------------------- */

static int jnum(const json_t *j, double *out)
{
    if (!json_is_number(j)) return -1;
    *out = json_number_value(j);
    return isfinite(*out) ? 0 : -1;
}

static int jint(const json_t *j, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(j)) return -1;
    json_int_t v = json_integer_value(j);
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

#define MAX_STATES 1000000
#define MAX_EDGES 10000000

static sg_status set_hist(tdm_edge *E, const int64_t *vals, const uint64_t *cnts, size_t n, sg_error *err)
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
    if (!j || jint(j, 1, 1, &iv) != 0)
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
        if (jint(j, 0, 65535, &iv) != 0) return sg_error_set(err, SG_ERR_PARSE, "%s: invalid service_port", name);
        m->port = (int32_t)iv;
    }
    json_t *vals = json_object_get(r, "values");
    if (vals) {
        double sc;
        if (jnum(json_object_get(json_object_get(vals, "iat"), "scale"), &sc) == 0 && sc > 0 && sc <= 1000)
            m->scale_iat = sc;
        if (jnum(json_object_get(json_object_get(vals, "payload"), "scale"), &sc) == 0 && sc > 0 && sc <= 1000)
            m->scale_payload = sc;
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
    if (jint(json_object_get(r, "states"), 2, MAX_STATES, &iv) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"states\" must be an integer >= 2", name);
    m->n_states = (uint32_t)iv;
    if (jint(json_object_get(r, "initial_state"), 0, m->n_states - 1, &iv) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: invalid \"initial_state\"", name);
    m->initial = (uint32_t)iv;
    if (jint(json_object_get(r, "final_state"), 0, m->n_states - 1, &iv) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: invalid \"final_state\"", name);
    m->final = (uint32_t)iv;
    json_t *edges = json_object_get(r, "edges");
    if (!json_is_array(edges) || json_array_size(edges) > MAX_EDGES)
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
        if (!json_is_object(je) || jint(json_object_get(je, "source"), 0, m->n_states - 1, &a) != 0 ||
            jint(json_object_get(je, "target"), 0, m->n_states - 1, &b) != 0 || !json_is_string(js)) {
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
        if (jnum(json_object_get(je, "probability"), &E->p) != 0 || E->p < 0 || E->p > 1) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: \"probability\" must be a number in [0,1]", name, e);
            break;
        }
        double x;
        if (jnum(json_object_get(je, "visits"), &x) == 0 && x >= 0) E->visits = x;
        if (jint(json_object_get(je, "count"), 0, INT64_MAX, &a) == 0) E->count = (uint64_t)a;
        json_t *g = json_object_get(je, "gaussian");
        E->g.cov[0] = E->g.cov[2] = TDM_RIDGE;
        if (g) {
            json_t *mu = json_object_get(g, "mean"), *cv = json_object_get(g, "cov");
            json_t *r0 = json_array_get(cv, 0), *r1 = json_array_get(cv, 1);
            if (json_array_size(mu) != 2 || json_array_size(r0) != 2 || json_array_size(r1) != 2 ||
                jnum(json_array_get(mu, 0), &E->g.mu[0]) || jnum(json_array_get(mu, 1), &E->g.mu[1]) ||
                jnum(json_array_get(r0, 0), &E->g.cov[0]) || jnum(json_array_get(r0, 1), &E->g.cov[1]) ||
                jnum(json_array_get(r1, 1), &E->g.cov[2])) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: gaussian needs mean [2] and cov [[2],[2]]", name, e);
                break;
            }
            if (jnum(json_object_get(g, "n"), &x) == 0 && x >= 0) E->g.n = x;
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
                if (json_array_size(p) != 2 || jint(json_array_get(p, 0), 0, 1 << 30, &pv) ||
                    jint(json_array_get(p, 1), 1, INT64_MAX, &pc))
                    st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %u: payload_hist[%zu] must be [size, count>0]", name,
                                      e, i);
                v[i] = pv;
                c[i] = (uint64_t)pc;
            }
            if (st == SG_OK) st = set_hist(E, v, c, n, err);
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
            json_t *jo = json_object_get(np, op_names[o]);
            if (jo && (jnum(jo, &x) != 0 || x < 0 || x > 1))
                return sg_error_set(err, SG_ERR_PARSE, "%s: noise.p.%s must be in [0,1]", name, op_names[o]);
            m->pi[o] = x;
            if (o > 0 && x > 0) m->noise_ops |= 1u << (o - 1);
        }
    }
    json_t *mdl = json_object_get(r, "mdl");
    if (mdl) {
        jnum(json_object_get(mdl, "model_bits"), &m->cost_model);
        jnum(json_object_get(mdl, "data_bits"), &m->cost_data);
        jnum(json_object_get(mdl, "matched_bits"), &m->cost_matched);
        jnum(json_object_get(mdl, "corrected_bits"), &m->cost_corrected);
        jnum(json_object_get(mdl, "uncorrected_bits"), &m->cost_uncorrected);
        jnum(json_object_get(mdl, "status_bits"), &m->cost_status);
    }
    json_t *tr = json_object_get(r, "training");
    if (tr) {
        int64_t x;
        if (jint(json_object_get(tr, "sequences"), 0, INT64_MAX, &x) == 0) m->n_train = (size_t)x;
        if (jint(json_object_get(tr, "events"), 0, INT64_MAX, &x) == 0) m->n_train_events = (size_t)x;
        if (jint(json_object_get(tr, "matched"), 0, INT64_MAX, &x) == 0) m->n_matched = (size_t)x;
        if (jint(json_object_get(tr, "corrected"), 0, INT64_MAX, &x) == 0) m->n_corrected = (size_t)x;
        if (jint(json_object_get(tr, "uncorrected"), 0, INT64_MAX, &x) == 0) m->n_uncorrected = (size_t)x;
        if (jint(json_object_get(tr, "iterations"), 0, UINT32_MAX, &x) == 0) m->iterations = (unsigned)x;
        jnum(json_object_get(tr, "seconds"), &m->learn_seconds);
        json_t *s = json_object_get(tr, "source");
        if (json_is_string(s)) m->source = strdup(json_string_value(s));
        s = json_object_get(tr, "created");
        if (json_is_string(s)) m->created = strdup(json_string_value(s));
        s = json_object_get(tr, "imported_from");
        if (json_is_string(s)) m->imported_from = strdup(json_string_value(s));
    }
    return SG_OK;
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

static sg_status load_fosr(const char *name, json_t *r, sg_tadam_model *m, sg_error *err)
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
    if (json_array_size(ports) > 0 && jint(json_array_get(ports, 0), 0, 65535, &iv) == 0) m->port = (int32_t)iv;
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
    if (jint(json_object_get(r, "initial_state"), 0, MAX_STATES - 1, &q0) != 0 ||
        jint(json_object_get(r, "accepting_state"), 0, MAX_STATES - 1, &qf) != 0)
        return sg_error_set(err, SG_ERR_PARSE, "%s: Fos-R automaton needs integer initial_state and accepting_state", name);
    json_t *edges = json_object_get(r, "edges");
    if (!json_is_array(edges) || json_array_size(edges) > MAX_EDGES)
        return sg_error_set(err, SG_ERR_PARSE, "%s: \"edges\" must be an array", name);
    size_t ne = json_array_size(edges);
    uint32_t maxq = (uint32_t)(q0 > qf ? q0 : qf);
    for (size_t e = 0; e < ne; e++) {
        json_t *je = json_array_get(edges, e);
        int64_t a, b;
        if (!json_is_object(je) || jint(json_object_get(je, "src"), 0, MAX_STATES - 1, &a) ||
            jint(json_object_get(je, "dst"), 0, MAX_STATES - 1, &b) || !json_is_string(json_object_get(je, "symbol")))
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
        if (jnum(json_object_get(je, "p"), &E->p) != 0 || E->p < 0 || E->p > 1) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: \"p\" must be a number in [0,1]", name, e);
            break;
        }
        int64_t c;
        if (jint(json_object_get(je, "count"), 0, INT64_MAX, &c) == 0) E->count = (uint64_t)c;
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
                if (json_array_size(row) != d || jnum(json_array_get(jm, i), &mu[i]))
                    st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: malformed mu/cov", name, e);
                for (size_t k = 0; k < d && st == SG_OK; k++) {
                    double x;
                    if (jnum(json_array_get(row, k), &x)) st = sg_error_set(err, SG_ERR_PARSE, "%s: edge %zu: malformed cov", name, e);
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
                st = set_hist(E, v, cn, n, err);
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
            if (jnum(json_object_get(noise, fn[o]), &x) == 0 && x >= 0 && x <= 1) m->pi[o] = x;
            if (o > 0 && m->pi[o] > 0) m->noise_ops |= 1u << (o - 1);
        }
    m->imported_from = strdup("fosr");
    json_t *inp = json_object_get(md, "input_file");
    if (json_is_string(inp)) m->source = strdup(json_string_value(inp));
    json_t *ct = json_object_get(md, "creation_time");
    if (json_is_string(ct)) m->created = strdup(json_string_value(ct));
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
    sg_status st = fmt == SG_TADAM_FMT_FOSR ? load_fosr(name, r, m, err) : load_secgen(name, r, m, err);
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
    json_t *r = fmt == SG_TADAM_FMT_FOSR ? to_fosr(m) : to_secgen(m);
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

sg_status sg_tadam_model_set_source(sg_tadam_model *m, const char *source, sg_error *err)
{
    if (source) {
        free(m->source);
        m->source = strdup(source);
    }
    if (source && !m->source) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    return SG_OK;
}

/* ---- views ------------------------------------------------------------------------------ */

void sg_tadam_model_info(const sg_tadam_model *m, sg_tadam_info *info)
{
    memset(info, 0, sizeof *info);
    info->name = m->name;
    info->proto = m->proto;
    info->service_port = m->port;
    info->n_states = m->n_states;
    info->n_edges = m->n_edges;
    info->n_symbols = m->n_sym;
    info->n_train = m->n_train;
    info->cost_model = m->cost_model;
    info->cost_data = m->cost_data;
    for (int o = 0; o < TDM_NOPS; o++) info->p_noise[o] = m->pi[o];
}

sg_status sg_tadam_model_print(const sg_tadam_model *m, FILE *fp)
{
    char pb[16];
    fprintf(fp, "automaton \"%s\"", m->name ? m->name : "");
    if (m->proto) fprintf(fp, "  proto %s", sg_proto_name(m->proto, pb, sizeof pb));
    if (m->port >= 0) fprintf(fp, "  port %d", (int)m->port);
    if (m->imported_from) fprintf(fp, "  (imported from %s)", m->imported_from);
    fprintf(fp, "\n  %u states (initial %u, final %u), %u edges, %u symbols incl. \"$\"\n", m->n_states, m->initial,
            m->final, m->n_edges, m->n_sym);
    fprintf(fp, "  noise: tr %.4f  add %.4f  dup %.4f  swap %.4f  del %.4f\n", m->pi[0], m->pi[1], m->pi[2], m->pi[3],
            m->pi[4]);
    if (m->cost_model > 0 || m->cost_data > 0)
        fprintf(fp,
                "  MDL: total %.1f bits = model %.1f + data %.1f (matched %.1f, corrected %.1f, uncorrected %.1f, "
                "status %.1f)\n",
                m->cost_model + m->cost_data, m->cost_model, m->cost_data, m->cost_matched, m->cost_corrected,
                m->cost_uncorrected, m->cost_status);
    if (m->n_train)
        fprintf(fp, "  training: %zu sequences, %zu events (%zu matched, %zu repaired, %zu sent verbatim), %u iterations\n",
                m->n_train, m->n_train_events, m->n_matched, m->n_corrected, m->n_uncorrected, m->iterations);
    for (uint32_t q = 0; q < m->n_states; q++) {
        if (m->out_off[q] == m->out_off[q + 1]) continue;
        fprintf(fp, "  state %u%s:\n", q, q == m->initial ? " (initial)" : "");
        for (uint32_t k = m->out_off[q]; k < m->out_off[q + 1]; k++) {
            const tdm_edge *E = &m->edges[m->out_idx[k]];
            char q[80];
            snprintf(q, sizeof q, "\"%s\"", m->sym[E->sym].name);
            fprintf(fp, "    %-14s -> %-4u p=%.3f", q, E->dst, E->p);
            if (E->sym != TDM_END)
                fprintf(fp, "  iat~%.0fus (x%.1f)  payload~%.0fB", tdm_ungrid(E->g.mu[0], m->scale_iat),
                        exp2(sqrt(E->g.cov[0]) / m->scale_iat), tdm_ungrid(E->g.mu[1], m->scale_payload));
            fprintf(fp, "\n");
        }
    }
    return ferror(fp) ? SG_ERR_IO : SG_OK;
}

static void dot_escape(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', fp);
        fputc(*s, fp);
    }
}

sg_status sg_tadam_model_print_dot(const sg_tadam_model *m, FILE *fp)
{
    fprintf(fp, "digraph \"");
    dot_escape(fp, m->name ? m->name : "automaton");
    fprintf(fp, "\" {\n  rankdir=LR;\n  node [shape=circle];\n  start [shape=point];\n");
    fprintf(fp, "  %u [shape=doublecircle];\n  start -> %u;\n", m->final, m->initial);
    for (uint32_t e = 0; e < m->n_edges; e++) {
        const tdm_edge *E = &m->edges[e];
        fprintf(fp, "  %u -> %u [label=\"", E->src, E->dst);
        dot_escape(fp, m->sym[E->sym].name);
        fprintf(fp, " %.2f", E->p);
        if (E->sym != TDM_END)
            fprintf(fp, "\\niat~%.0fus len~%.0f", tdm_ungrid(E->g.mu[0], m->scale_iat),
                    tdm_ungrid(E->g.mu[1], m->scale_payload));
        fprintf(fp, "\"];\n");
    }
    fprintf(fp, "}\n");
    return ferror(fp) ? SG_ERR_IO : SG_OK;
}
