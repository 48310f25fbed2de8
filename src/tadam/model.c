/* TADAM model object: allocation, the CSR/symbol index and read-only views, format and service
 * names, training source, summary figures. JSON I/O lives in model_json.c (secgen) and fosr.c
 * (Fos-R), the text and Graphviz views in print.c. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    free(m->v_timed);
    free(m->v_bits);
    free(m->sym_bits);
    tdm_null_free(&m->null);
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
    free(m->v_timed);
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
    m->v_timed = malloc(ne1 * sizeof *m->v_timed);
    if (!m->v_src || !m->v_dst || !m->v_sym || !m->v_g || !m->v_bits || !m->v_timed)
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
        /* without a shared time model (Fos-R imports, older files) every edge keeps its Gaussian */
        m->v_timed[e] = m->null.k[0] == 0 && m->null.k[1] == 0 ? 1 : m->edges[e].timed;
    }
    if (tdm_null_fit(&m->null) != 0) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
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
    v->etimed = m->v_timed;
    v->null = &m->null;
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
    /* well-known names from core's registry (the table netcfg uses too) */
    const char *nm = (proto == SG_PROTO_TCP || proto == SG_PROTO_UDP) && port <= 65535
                         ? sg_service_name(proto, (uint16_t)port)
                         : NULL;
    if (nm) {
        snprintf(buf, bufsz, "%s", nm);
        return buf;
    }
    const char *p = proto == SG_PROTO_TCP ? "tcp" : proto == SG_PROTO_UDP ? "udp" : proto == SG_PROTO_ICMP ? "icmp" : NULL;
    if (p)
        snprintf(buf, bufsz, "%s-%d", p, (int)port);
    else
        snprintf(buf, bufsz, "proto%u-%d", proto, (int)port);
    return buf;
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
