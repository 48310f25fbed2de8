/* FlowChronicle: from flows to a model (column choice per layout, search, final parameters),
 * derived generation tables (hour-of-week profile) and the plain-words summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

/* ---- local formatting helpers (the flow module has its own; kept here to stay independent) -- */

const char *fc_proto_str(uint8_t proto, char *buf, size_t n)
{
    switch (proto) {
    case SG_PROTO_TCP: return "TCP";
    case SG_PROTO_UDP: return "UDP";
    case SG_PROTO_ICMP: return "ICMP";
    case SG_PROTO_ICMPV6: return "ICMPV6";
    case 2: return "IGMP";
    case 47: return "GRE";
    default: snprintf(buf, n, "%u", proto); return buf;
    }
}

int fc_proto_parse(const char *s, uint8_t *out)
{
    static const struct {
        const char *n;
        uint8_t v;
    } names[] = {{"TCP", 6}, {"UDP", 17}, {"ICMP", 1}, {"ICMPV6", 58}, {"IPV6-ICMP", 58}, {"IGMP", 2}, {"GRE", 47}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].n)) {
            *out = names[i].v;
            return 0;
        }
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && !*end && v >= 0 && v <= 255) {
        *out = (uint8_t)v;
        return 0;
    }
    return -1;
}

int fc_flags_parse(const char *s, uint8_t *out)
{
    static const uint8_t bits[6] = {SG_TCP_URG, SG_TCP_ACK, SG_TCP_PSH, SG_TCP_RST, SG_TCP_SYN, SG_TCP_FIN};
    if (strlen(s) != 6) return -1;
    uint8_t f = 0;
    for (int i = 0; i < 6; i++)
        if (s[i] != '.') f |= bits[i];
    *out = f;
    return 0;
}

/* ---- column sets per layout ------------------------------------------------------------------
 * Unidirectional layouts (CIDDS-001, UGR'16, NetShare: one record per direction, counters in
 * fwd_*): proto, src_ip, src_port, dst_ip, dst_port, packets, bytes, flags, duration — the source
 * port is kept because a response record carries the service port there (what the reference ran
 * on for this sample, spec §11.15). Bidirectional layouts (native, Argus): the paper's 10 columns,
 * src_port (ephemeral) dropped. */
static int layout_unidirectional(sg_flow_format f)
{
    return f == SG_FMT_CIDDS || f == SG_FMT_UGR16 || f == SG_FMT_NETSHARE;
}

static const struct {
    const char *name;
    int role, field, integer;
} uni_cols[] = {
    {"proto", FC_ROLE_CAT, FC_F_PROTO, 0},         {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0},
    {"src_port", FC_ROLE_CAT, FC_F_SRC_PORT, 0},   {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0},
    {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0},   {"packets", FC_ROLE_NUM, FC_F_FWD_PKTS, 1},
    {"bytes", FC_ROLE_NUM, FC_F_FWD_BYTES, 1},     {"flags", FC_ROLE_CAT, FC_F_FLAGS, 0},
    {"duration", FC_ROLE_NUM, FC_F_DURATION, 0},
},
  bi_cols[] = {
      {"proto", FC_ROLE_CAT, FC_F_PROTO, 0},           {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0},
      {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0},          {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0},
      {"fwd_packets", FC_ROLE_NUM, FC_F_FWD_PKTS, 1},  {"fwd_bytes", FC_ROLE_NUM, FC_F_FWD_BYTES, 1},
      {"bwd_packets", FC_ROLE_NUM, FC_F_BWD_PKTS, 1},  {"bwd_bytes", FC_ROLE_NUM, FC_F_BWD_BYTES, 1},
      {"flags", FC_ROLE_CAT, FC_F_FLAGS, 0},           {"duration", FC_ROLE_NUM, FC_F_DURATION, 0},
};

typedef struct idx_t {
    int64_t t;
    size_t i;
} idx_t;

static int cmp_idx(const void *a, const void *b)
{
    const idx_t *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void gpat_free(fc_gpat *g)
{
    sg_bn_destroy(g->bn);
    free(g->starts);
    for (size_t r = 0; r < FC_MAXR; r++) free(g->delays[r]);
    memset(g, 0, sizeof *g);
}

void sg_fc_model_destroy(sg_fc_model *m)
{
    if (!m) return;
    free(m->source);
    for (size_t c = 0; c < FC_MAXC; c++) {
        fc_column *col = &m->col[c];
        if (col->labels && col->role != FC_ROLE_IP) {
            for (size_t v = 0; v < col->ndom; v++) free(col->labels[v]);
            free(col->labels);
        }
        free(col->code_bin);
        free(col->edges);
        free(col->inq);
        free(col->topv);
        free(col->protos);
    }
    free(m->svc);
    free(m->svc_cnt);
    free(m->svc_port_addr);
    free(m->svc_port_cum);
    free(m->jcell);
    for (int d = 0; d < 2; d++) free(m->pq_key[d]), free(m->pq_val[d]);
    free(m->inst_bw);
    if (m->iplabels)
        for (size_t i = 0; i < m->nip; i++) free(m->iplabels[i]);
    free(m->iplabels);
    if (m->pats)
        for (size_t q = 0; q <= m->npat; q++) gpat_free(&m->pats[q]);
    free(m->pats);
    free(m->inst_pat);
    free(m->inst_off);
    free(m->how_off);
    free(m->inst_by_how);
    free(m->hod_off);
    free(m->inst_by_hod);
    free(m);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* final parameters of one pattern from its accepted windows in the final cover (D6) */
static sg_status finish_pattern(const fc_data *d, const fc_mpat *mp, fc_gpat *g, sg_error *err)
{
    g->p = mp->p;
    g->nvars = mp->nvars;
    memcpy(g->vrow, mp->vrow, sizeof g->vrow);
    memcpy(g->vcol, mp->vcol, sizeof g->vcol);
    g->usage = mp->acc.len;
    g->cost = mp->cost;
    size_t u = mp->acc.len, m = mp->nvars, L = mp->p.nrows;
    const fc_win *w = mp->wins.data;
    const uint32_t *a = mp->acc.data;
    uint32_t *rec = malloc((u * m + 1) * sizeof *rec);
    g->starts = malloc((u + 1) * sizeof *g->starts);
    if (!rec || !g->starts) {
        free(rec);
        return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    }
    for (size_t i = 0; i < u; i++) {
        for (size_t v = 0; v < m; v++) rec[i * m + v] = d->code[mp->vcol[v]][w[a[i]].row[mp->vrow[v]]];
        g->starts[i] = d->t[w[a[i]].row[0]];
    }
    g->nstarts = u;
    qsort(g->starts, u, sizeof *g->starts, cmp_i64);
    for (size_t r = 0; r + 1 < L; r++) {
        g->delays[r] = malloc((u + 1) * sizeof(int64_t));
        if (!g->delays[r]) {
            free(rec);
            return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
        }
        for (size_t i = 0; i < u; i++) g->delays[r][i] = d->t[w[a[i]].row[r + 1]] - d->t[w[a[i]].row[r]];
        qsort(g->delays[r], u, sizeof(int64_t), cmp_i64);
        g->ndelays[r] = u;
    }
    g->bn = sg_bn_clone(mp->bn);
    if (!g->bn) {
        free(rec);
        return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    }
    /* names "column-r{row}" for readability */
    sg_bn *named;
    {
        uint32_t card[FC_MAXR * FC_MAXC];
        char nbuf[FC_MAXR * FC_MAXC][48];
        const char *names[FC_MAXR * FC_MAXC];
        for (size_t v = 0; v < m; v++) {
            card[v] = sg_bn_card(mp->bn, v);
            snprintf(nbuf[v], sizeof nbuf[v], "%s-r%u", d->col[mp->vcol[v]].name, mp->vrow[v]);
            names[v] = nbuf[v];
        }
        named = sg_bn_create(m, card, names);
        for (size_t v = 0; named && v < m; v++)
            if (sg_bn_set_parents(named, v, sg_bn_parents(mp->bn, v), sg_bn_nparents(mp->bn, v), err) != SG_OK) {
                sg_bn_destroy(named);
                named = NULL;
            }
    }
    sg_bn_destroy(g->bn);
    g->bn = named;
    sg_bn_data bd = {.x = rec, .nrows = u, .row_stride = m, .col_stride = 1};
    /* marginal prior, weight 1: K2 flattened sparse configurations (docs/flowchronicle.md "Bayesian
     * network parameters") */
    sg_status st = g->bn ? sg_bn_fit_prior(g->bn, &bd, SG_BN_PRIOR_MARGINAL, 1.0, err)
                         : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    free(rec);
    return st;
}

static sg_status finish_empty(const fc_data *d, const uint8_t *covered, fc_gpat *g, sg_error *err)
{
    fc_pat_init(&g->p, d->C, 1);
    g->nvars = fc_pat_vars(&g->p, g->vrow, g->vcol);
    size_t *rows = malloc((d->n + 1) * sizeof *rows);
    g->starts = malloc((d->n + 1) * sizeof *g->starts);
    if (!rows || !g->starts) {
        free(rows);
        return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!covered[i]) {
            rows[k] = i;
            g->starts[k] = d->t[i];
            k++;
        }
    g->nstarts = k;
    g->usage = k;
    uint32_t card[FC_MAXC];
    const char *names[FC_MAXC];
    for (size_t c = 0; c < d->C; c++) {
        card[c] = (uint32_t)(d->codespace[c] ? d->codespace[c] : 1);
        names[c] = d->col[c].name;
    }
    g->bn = sg_bn_create(d->C, card, names);
    if (!g->bn) {
        free(rows);
        return sg_error_set(err, SG_ERR_NOMEM, "flowchronicle: out of memory");
    }
    sg_bn_data bd = {.x = d->codes, .nrows = k, .row_stride = 1, .col_stride = d->n, .rows = rows};
    sg_status st = sg_bn_learn_structure(g->bn, &bd, NULL, err);
    if (st == SG_OK) st = sg_bn_fit_prior(g->bn, &bd, SG_BN_PRIOR_MARGINAL, 1.0, err);
    free(rows);
    return st;
}

void fc_model_learn_constraints(sg_fc_model *m, const sg_flow *flows, size_t n)
{
    size_t one_pkt = 0, one_pkt_zero = 0;
    for (int d = 0; d < 2; d++) m->have_bpp[d] = 0;
    for (size_t i = 0; i < n; i++) {
        const sg_flow *f = &flows[i];
        const uint64_t pk[2] = {f->fwd_packets, f->bwd_packets}, by[2] = {f->fwd_bytes, f->bwd_bytes};
        for (int d = 0; d < 2; d++) {
            if (pk[d] == 0) continue;
            double r = (double)by[d] / (double)pk[d];
            if (!m->have_bpp[d] || r < m->bpp_lo[d]) m->bpp_lo[d] = r;
            if (!m->have_bpp[d] || r > m->bpp_hi[d]) m->bpp_hi[d] = r;
            m->have_bpp[d] = 1;
        }
        if (pk[0] + pk[1] == 1) {
            one_pkt++;
            one_pkt_zero += f->duration_us == 0;
        }
    }
    m->one_pkt_zero_dur = one_pkt > 0 && one_pkt_zero == one_pkt;
}

unsigned fc_rules_broken(const sg_flow *f)
{
    unsigned r = 0;
    uint64_t pk = f->fwd_packets + f->bwd_packets;
    if (f->duration_us == 0 && pk > 1) r |= 1u << FC_RULE_20;
    if (f->duration_us > 0 && pk == 1) r |= 1u << FC_RULE_21;
    if (42 * f->fwd_packets > f->fwd_bytes) r |= 1u << FC_RULE_16;
    if (42 * f->bwd_packets > f->bwd_bytes) r |= 1u << FC_RULE_15;
    /* DKC rules 1 and 2 (spec §8): service ports of the other transport */
    static const uint16_t udp_ports[] = {53, 137, 138, 5353, 1900, 67, 0, 3544, 8612, 3702, 123},
                          tcp_ports[] = {443, 80, 8000, 25, 993, 587, 445, 0, 84, 8088, 8080};
    for (size_t i = 0; i < sizeof udp_ports / sizeof udp_ports[0]; i++) {
        if (f->proto == SG_PROTO_TCP && f->dst_port == udp_ports[i]) r |= 1u << FC_RULE_1;
        if (f->proto == SG_PROTO_UDP && f->dst_port == tcp_ports[i]) r |= 1u << FC_RULE_2;
    }
    return r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Which (protocol, port) pairs, which (address, service port) pairs the training flows hold, and
 * how often they break the soft rules: generation conditions its samples on the first two and
 * keeps the rule rates near the third (generate.c, docs/flowchronicle.md "Joint consistency"). */
sg_status fc_model_learn_support(sg_fc_model *m, const sg_flow *flows, size_t n)
{
    size_t cproto = SIZE_MAX, cport[2] = {SIZE_MAX, SIZE_MAX}, cip[2] = {SIZE_MAX, SIZE_MAX};
    for (size_t c = 0; c < m->C; c++) {
        int f = m->col[c].field;
        if (f == FC_F_PROTO) cproto = c;
        else if (f == FC_F_DST_PORT) cport[0] = c;
        else if (f == FC_F_SRC_PORT) cport[1] = c;
        else if (f == FC_F_DST_IP) cip[0] = c;
        else if (f == FC_F_SRC_IP) cip[1] = c;
    }
    for (int k = 0; k < FC_NRULES; k++) m->rule_rate[k] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned r = fc_rules_broken(&flows[i]);
        for (int k = 0; k < FC_NRULES; k++) m->rule_rate[k] += (r >> k) & 1;
    }
    for (int k = 0; k < FC_NRULES; k++) m->rule_rate[k] = n ? m->rule_rate[k] / (double)n : 0;
    if (cproto == SIZE_MAX || m->col[cproto].ndom > 32) return SG_OK;
    int32_t *portcode = malloc(65536 * sizeof *portcode);
    sg_hashmap *ipmap = sg_hashmap_create(m->nip + 1);
    uint64_t *svc = malloc((2 * n + 1) * sizeof *svc);
    if (!portcode || !ipmap || !svc) goto oom;
    for (int side = 0; side < 2; side++) {
        size_t c = cport[side];
        if (c == SIZE_MAX) continue;
        fc_column *col = &m->col[c];
        free(col->protos);
        col->protos = calloc(col->ndom + 1, sizeof *col->protos);
        if (!col->protos) goto oom;
    }
    for (size_t i = 0; i < m->nip; i++)
        if (sg_hashmap_put(ipmap, m->iplabels[i], strlen(m->iplabels[i]), i) != SG_OK) goto oom;
    int32_t pcode[256];
    for (int p = 0; p < 256; p++) {
        char buf[8];
        const char *lab = fc_proto_str((uint8_t)p, buf, sizeof buf);
        pcode[p] = -1;
        for (size_t v = 0; v < m->col[cproto].ndom; v++)
            if (!strcmp(m->col[cproto].labels[v], lab)) pcode[p] = (int32_t)v;
    }
    size_t nsvc = 0;
    for (int side = 0; side < 2; side++) {
        size_t c = cport[side];
        if (c == SIZE_MAX) continue;
        for (int p = 0; p < 65536; p++) portcode[p] = -1;
        for (size_t v = 0; v < m->col[c].ndom; v++) portcode[strtoul(m->col[c].labels[v], NULL, 10) & 0xffff] = (int32_t)v;
        for (size_t i = 0; i < n; i++) {
            const sg_flow *f = &flows[i];
            uint16_t port = side == 0 ? f->dst_port : f->src_port;
            int32_t pc = pcode[f->proto], vc = portcode[port];
            if (pc >= 0 && vc >= 0) m->col[c].protos[vc] |= 1u << pc;
            /* service endpoints: the address on the port's side, for system ports of TCP/UDP */
            if (port >= 1024 || (f->proto != SG_PROTO_TCP && f->proto != SG_PROTO_UDP) || cip[side] == SIZE_MAX) continue;
            const char *a = side == 0 ? f->dst_ip : f->src_ip;
            uint64_t ic;
            if (sg_hashmap_get(ipmap, a, strlen(a), &ic)) svc[nsvc++] = ic << 16 | port;
        }
    }
    qsort(svc, nsvc, sizeof *svc, cmp_u64);
    uint32_t *cnt = malloc((nsvc + 1) * sizeof *cnt);
    if (!cnt) goto oom;
    size_t u = 0;
    for (size_t i = 0; i < nsvc; i++) {
        if (!u || svc[i] != svc[u - 1]) {
            svc[u] = svc[i];
            cnt[u++] = 0;
        }
        cnt[u - 1]++;
    }
    free(m->svc);
    free(m->svc_cnt);
    m->svc = svc;
    m->svc_cnt = cnt;
    m->nsvc = u;
    free(portcode);
    sg_hashmap_destroy(ipmap);
    return SG_OK;
oom:
    free(portcode);
    free(svc);
    sg_hashmap_destroy(ipmap);
    return SG_ERR_NOMEM;
}

/* the column layout of the numeric joint table: key = proto + bytes columns, dependents = packets
 * columns + duration */
void fc_model_joint_layout(sg_fc_model *m)
{
    m->jnk = m->jnd = 0;
    static const int kf[] = {FC_F_PROTO, FC_F_FWD_BYTES, FC_F_BWD_BYTES}, df[] = {FC_F_FWD_PKTS, FC_F_BWD_PKTS, FC_F_DURATION};
    for (int i = 0; i < 3; i++)
        for (size_t c = 0; c < m->C; c++) {
            if (m->col[c].field == kf[i]) m->jkey[m->jnk++] = c;
            if (m->col[c].field == df[i]) m->jdep[m->jnd++] = c;
        }
    if (m->jnk < 2 || m->jnd == 0) m->jnk = m->jnd = 0;
}

static size_t g_jw; /* qsort context: cell width (single-threaded model building) */
static int cmp_cell(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    for (size_t i = 0; i + 1 < g_jw; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

sg_status fc_model_learn_joint(sg_fc_model *m, const fc_data *d)
{
    free(m->jcell);
    m->jcell = NULL;
    m->njcell = 0;
    fc_model_joint_layout(m);
    if (!m->jnk) return SG_OK;
    size_t w = m->jnk + m->jnd + 1;
    uint32_t *cells = malloc((d->n + 1) * w * sizeof *cells);
    if (!cells) return SG_ERR_NOMEM;
    for (size_t i = 0; i < d->n; i++) {
        uint32_t *x = cells + i * w;
        for (size_t k = 0; k < m->jnk; k++) x[k] = d->code[m->jkey[k]][i];
        for (size_t k = 0; k < m->jnd; k++) x[m->jnk + k] = d->code[m->jdep[k]][i];
        x[w - 1] = 1;
    }
    g_jw = w;
    qsort(cells, d->n, w * sizeof *cells, cmp_cell);
    size_t u = 0;
    for (size_t i = 0; i < d->n; i++) {
        uint32_t *x = cells + i * w;
        if (u && !cmp_cell(cells + (u - 1) * w, x)) cells[(u - 1) * w + w - 1]++;
        else memmove(cells + u++ * w, x, w * sizeof *cells);
    }
    m->jcell = cells;
    m->njcell = u;
    return SG_OK;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b; /* key, value */
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Inside the top bytes bin, a record with 50 packets holds the bin's low end and one with 5,000
 * packets its high end: the bin's own quantiles, shared by every packets bin, would give both the
 * same spread and pull the tail down. So the byte counts are summarised per (bytes bin, packets bin). */
sg_status fc_model_learn_pairq(sg_fc_model *m, const double *const *vals, size_t n)
{
    static const int bf[2] = {FC_F_FWD_BYTES, FC_F_BWD_BYTES}, pf[2] = {FC_F_FWD_PKTS, FC_F_BWD_PKTS};
    for (int d = 0; d < 2; d++) {
        free(m->pq_key[d]), free(m->pq_val[d]);
        m->pq_key[d] = NULL, m->pq_val[d] = NULL, m->npq[d] = 0;
        size_t cb = SIZE_MAX, cp = SIZE_MAX;
        for (size_t c = 0; c < m->C; c++) {
            if (m->col[c].field == bf[d]) cb = c;
            if (m->col[c].field == pf[d]) cp = c;
        }
        if (cb == SIZE_MAX || cp == SIZE_MAX || m->col[cb].nedges < 2 || m->col[cp].nedges < 2) continue;
        double *kv = malloc((n + 1) * 3 * sizeof *kv);
        if (!kv) return SG_ERR_NOMEM;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t bb = fc_bin_of(m->col[cb].edges, m->col[cb].nedges, vals[cb][i]);
            uint32_t pb = fc_bin_of(m->col[cp].edges, m->col[cp].nedges, vals[cp][i]);
            if (bb == 0 || pb == 0) continue;
            kv[3 * k] = (double)((uint64_t)bb << 16 | pb);
            kv[3 * k + 1] = vals[cb][i];
            kv[3 * k + 2] = vals[cp][i];
            k++;
        }
        qsort(kv, k, 3 * sizeof *kv, cmp_pair);
        size_t groups = 0;
        for (size_t i = 0; i < k; i++) groups += !i || kv[3 * i] != kv[3 * i - 3];
        m->pq_key[d] = malloc((groups + 1) * sizeof *m->pq_key[d]);
        m->pq_val[d] = malloc((groups + 1) * 2 * (FC_PQ + 1) * sizeof *m->pq_val[d]);
        if (!m->pq_key[d] || !m->pq_val[d]) {
            free(kv);
            return SG_ERR_NOMEM;
        }
        double *tmp = malloc((k + 1) * sizeof *tmp), *tmp2 = malloc((k + 1) * sizeof *tmp2);
        if (!tmp || !tmp2) {
            free(kv), free(tmp), free(tmp2);
            return SG_ERR_NOMEM;
        }
        size_t g = 0;
        for (size_t i = 0; i < k;) {
            size_t j = i;
            while (j < k && kv[3 * j] == kv[3 * i]) {
                tmp[j - i] = kv[3 * j + 1];
                tmp2[j - i] = kv[3 * j + 2];
                j++;
            }
            size_t cnt = j - i;
            qsort(tmp2, cnt, sizeof *tmp2, cmp_dbl); /* bytes are sorted already (second sort key) */
            m->pq_key[d][g] = (uint32_t)kv[3 * i];
            for (int q = 0; q <= FC_PQ; q++) {
                double pos = (double)(cnt - 1) * q / FC_PQ;
                size_t lo = (size_t)pos;
                double f = pos - (double)lo;
                double *o = m->pq_val[d] + g * 2 * (FC_PQ + 1);
                o[q] = lo + 1 < cnt ? tmp[lo] + f * (tmp[lo + 1] - tmp[lo]) : tmp[cnt - 1];
                o[FC_PQ + 1 + q] = lo + 1 < cnt ? tmp2[lo] + f * (tmp2[lo + 1] - tmp2[lo]) : tmp2[cnt - 1];
            }
            g++;
            i = j;
        }
        free(tmp), free(tmp2);
        free(kv);
        m->npq[d] = g;
    }
    return SG_OK;
}

sg_status sg_fc_learn(const sg_flow *flows, size_t n, sg_flow_format layout, const sg_fc_learn_opts *opts,
                      sg_fc_model **out, sg_fc_learn_stats *stats, sg_error *err)
{
    *out = NULL;
    if (n == 0) return sg_error_set(err, SG_ERR_EMPTY, "no flows to learn from");
    /* opts->threads applies to this call only: the caller's thread count is restored at the end */
    int prev_threads = sg_threads_get();
    if (opts && opts->threads > 0) sg_threads_set(opts->threads);
    sg_fc_learn_stats st0;
    memset(&st0, 0, sizeof st0);
    /* time order (stable) */
    idx_t *ix = malloc(n * sizeof *ix);
    if (!ix) {
        if (opts && opts->threads > 0) sg_threads_set(prev_threads);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    int unsorted = 0;
    for (size_t i = 0; i < n; i++) {
        ix[i].t = flows[i].start_us;
        ix[i].i = i;
        if (i && flows[i].start_us < flows[i - 1].start_us) unsorted = 1;
    }
    if (unsorted) qsort(ix, n, sizeof *ix, cmp_idx);
    st0.input_was_unsorted = unsorted;
    int uni = layout_unidirectional(layout) && !(opts && opts->paired);
    size_t C = uni ? sizeof uni_cols / sizeof uni_cols[0] : sizeof bi_cols / sizeof bi_cols[0];
    fc_rawcol cols[FC_MAXC];
    const char **strs[FC_MAXC] = {0};
    double *nums[FC_MAXC] = {0};
    char *pool = malloc(n * 24 * 4 + 1); /* proto, ports, flags strings */
    int64_t *tabs = malloc(n * sizeof *tabs);
    sg_status st = SG_OK;
    fc_data d;
    memset(&d, 0, sizeof d);
    fc_search *s = NULL;
    sg_fc_model *m = NULL;
    if (!pool || !tabs) goto oom;
    size_t pl = 0;
    for (size_t c = 0; c < C; c++) {
        cols[c].name = uni ? uni_cols[c].name : bi_cols[c].name;
        cols[c].role = uni ? uni_cols[c].role : bi_cols[c].role;
        cols[c].field = uni ? uni_cols[c].field : bi_cols[c].field;
        cols[c].integer = uni ? uni_cols[c].integer : bi_cols[c].integer;
        cols[c].str = NULL;
        cols[c].num = NULL;
        if (cols[c].role == FC_ROLE_NUM) {
            nums[c] = malloc(n * sizeof(double));
            if (!nums[c]) goto oom;
            cols[c].num = nums[c];
        } else {
            strs[c] = malloc(n * sizeof(char *));
            if (!strs[c]) goto oom;
            cols[c].str = strs[c];
        }
    }
    for (size_t k = 0; k < n; k++) {
        const sg_flow *f = &flows[ix[k].i];
        tabs[k] = f->start_us;
        for (size_t c = 0; c < C; c++) {
            char buf[24];
            const char *sv = NULL;
            switch (cols[c].field) {
            case FC_F_PROTO: sv = fc_proto_str(f->proto, buf, sizeof buf); break;
            case FC_F_SRC_IP: strs[c][k] = f->src_ip; continue;
            case FC_F_DST_IP: strs[c][k] = f->dst_ip; continue;
            case FC_F_SRC_PORT: snprintf(buf, sizeof buf, "%u", f->src_port); sv = buf; break;
            case FC_F_DST_PORT: snprintf(buf, sizeof buf, "%u", f->dst_port); sv = buf; break;
            case FC_F_FLAGS: sg_flow_flags_format(f->flags, buf); sv = buf; break;
            case FC_F_FWD_PKTS: nums[c][k] = (double)f->fwd_packets; continue;
            case FC_F_FWD_BYTES: nums[c][k] = (double)f->fwd_bytes; continue;
            case FC_F_BWD_PKTS: nums[c][k] = (double)f->bwd_packets; continue;
            case FC_F_BWD_BYTES: nums[c][k] = (double)f->bwd_bytes; continue;
            case FC_F_DURATION: nums[c][k] = f->duration_us > 0 ? (double)f->duration_us / 1e6 : 0.0; continue;
            default: continue;
            }
            size_t l = strlen(sv);
            if (l > 23) l = 23;
            memcpy(pool + pl, sv, l);
            pool[pl + l] = 0;
            strs[c][k] = pool + pl;
            pl += l + 1;
        }
    }
    st = fc_data_build(&d, cols, C, n, tabs, err);
    if (st != SG_OK) goto out;
    int64_t max_delay_units = 0;
    if (opts && opts->time_window_s > 0) {
        max_delay_units = (int64_t)llround(opts->time_window_s * 1e6 / FC_TIME_UNIT_US);
        if (max_delay_units < 1) max_delay_units = 1;
    }
    s = fc_search_create(&d, max_delay_units, 0, err);
    if (!s) {
        st = err ? err->status : SG_ERR_NOMEM;
        if (st == SG_OK) st = SG_ERR_NOMEM;
        goto out;
    }
    size_t chunk = opts ? opts->chunk : 0;
    if (chunk == 0) chunk = n > SG_FC_EXACT_MAX ? SG_FC_CHUNK : SIZE_MAX;
    size_t sample = opts && opts->sample ? opts->sample : SG_FC_SAMPLE;
    if (chunk < n && sample < n) {
        /* sampled search: the chunked search on evenly spaced blocks of `chunk` flows totalling
         * about `sample` flows, whose patterns then cover the whole table */
        size_t nb = sample / chunk ? sample / chunk : 1, *rg = malloc(2 * nb * sizeof *rg);
        if (!rg) goto oom;
        for (size_t k = 0; k < nb; k++) {
            size_t a = (size_t)((double)k * (double)(n - chunk) / (double)(nb > 1 ? nb - 1 : 1));
            rg[2 * k] = a;
            rg[2 * k + 1] = a + chunk;
        }
        fc_data sd;
        st = fc_data_gather(&d, rg, nb, &sd);
        free(rg);
        if (st != SG_OK) goto oom;
        fc_search *ss = fc_search_create(&sd, max_delay_units, 0, err);
        if (!ss) {
            fc_data_free(&sd);
            st = err && err->status != SG_OK ? err->status : SG_ERR_NOMEM;
            goto out;
        }
        if (opts && opts->log) {
            char line[160];
            snprintf(line, sizeof line, "search: sampled search on %zu blocks of %zu flows (%zu of %zu flows)", nb, chunk,
                     sd.n, n);
            opts->log(opts->log_ctx, line);
        }
        sg_fc_learn_stats sst;
        st = fc_search_run_chunked(ss, chunk, opts, &sst, err);
        if (st == SG_OK) st = fc_search_adopt(s, ss, 4 * chunk, opts, &st0, err);
        st0.chunk = chunk;
        st0.sample = sd.n;
        fc_search_destroy(ss);
        fc_data_free(&sd);
    } else if (chunk < n) {
        st = fc_search_run_chunked(s, chunk, opts, &st0, err);
        st0.chunk = chunk;
    } else
        st = fc_search_run(s, opts, &st0, err);
    if (st != SG_OK) goto out;
    st0.input_was_unsorted = unsorted;
    /* the model */
    m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->source = strdup(opts && opts->source ? opts->source : "");
    m->layout = layout;
    m->unidirectional = uni;
    m->nflows = n;
    m->t_first_us = tabs[0];
    m->t_last_us = tabs[n - 1];
    m->span10 = d.t[n - 1] - d.t[0];
    m->time_window_s = opts ? opts->time_window_s : 0;
    m->C = C;
    m->npat = fc_search_npatterns(s);
    m->pats = calloc(m->npat + 1, sizeof *m->pats);
    if (!m->source || !m->pats) goto oom;
    for (size_t q = 0; q < m->npat && st == SG_OK; q++) st = finish_pattern(&d, fc_search_pattern(s, q), &m->pats[q], err);
    if (st == SG_OK) st = finish_empty(&d, fc_search_covered(s), &m->pats[m->npat], err);
    if (st != SG_OK) goto out;
    m->pats[m->npat].cost = 0;
    /* move dictionaries from the data to the model */
    m->t_first_us = d.t_first_us;
    m->t_last_us = d.t_first_us + d.t[n - 1] * FC_TIME_UNIT_US;
    for (size_t c = 0; c < C; c++) {
        m->col[c] = d.col[c];
        memset(&d.col[c], 0, sizeof d.col[c]);
    }
    m->nip = d.nip;
    m->iplabels = d.iplabels;
    d.iplabels = NULL;
    d.nip = 0;
    for (size_t c = 0; c < C; c++)
        if (m->col[c].role == FC_ROLE_IP) m->col[c].labels = m->iplabels;
    m->stats = st0;
    fc_model_learn_constraints(m, flows, n);
    for (size_t c = 0; c < C && st == SG_OK; c++)
        if (m->col[c].role == FC_ROLE_NUM && fc_column_inbin_quantiles(&m->col[c], nums[c], n) != SG_OK)
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK && fc_model_learn_pairq(m, (const double *const *)nums, n) != SG_OK)
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK && fc_model_learn_joint(m, &d) != SG_OK) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st == SG_OK && fc_model_learn_support(m, flows, n) != SG_OK) st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (st != SG_OK) goto out;
    st = fc_model_prepare(m, err);
    if (st != SG_OK) goto out;
    if (stats) *stats = st0;
    *out = m;
    m = NULL;
    goto out;
oom:
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
out:
    fc_search_destroy(s);
    fc_data_free(&d);
    sg_fc_model_destroy(m);
    for (size_t c = 0; c < FC_MAXC; c++) {
        free((void *)strs[c]);
        free(nums[c]);
    }
    free(pool);
    free(tabs);
    free(ix);
    if (opts && opts->threads > 0) sg_threads_set(prev_threads);
    return st;
}

/* ---- generation tables ---------------------------------------------------------------------- */

#define HOUR_US INT64_C(3600000000)


sg_status fc_model_prepare(sg_fc_model *m, sg_error *err)
{
    size_t ninst = 0;
    for (size_t q = 0; q <= m->npat; q++) ninst += m->pats[q].nstarts;
    free(m->inst_pat);
    free(m->inst_off);
    free(m->inst_bw);
    free(m->how_off);
    free(m->inst_by_how);
    free(m->hod_off);
    free(m->inst_by_hod);
    m->ninst = ninst;
    m->inst_bw = malloc((ninst + 1) * sizeof *m->inst_bw);
    m->inst_pat = malloc((ninst + 1) * sizeof *m->inst_pat);
    m->inst_off = malloc((ninst + 1) * sizeof *m->inst_off);
    m->how_off = calloc(169 + 1, sizeof *m->how_off);
    m->inst_by_how = malloc((ninst + 1) * sizeof *m->inst_by_how);
    m->hod_off = calloc(25 + 1, sizeof *m->hod_off);
    m->inst_by_hod = malloc((ninst + 1) * sizeof *m->inst_by_hod);
    int *how = malloc((ninst + 1) * sizeof *how);
    int64_t *abs10 = malloc((ninst + 1) * sizeof *abs10);
    idx_t *ord = malloc((ninst + 1) * sizeof *ord);
    if (!abs10 || !ord || !m->inst_bw || !m->inst_pat || !m->inst_off || !m->how_off || !m->inst_by_how || !m->hod_off || !m->inst_by_hod || !how) {
        free(how), free(abs10), free(ord);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t q = 0; q <= m->npat; q++)
        for (size_t i = 0; i < m->pats[q].nstarts; i++) {
            int64_t us = m->t_first_us + m->pats[q].starts[i] * FC_TIME_UNIT_US;
            int64_t hi = sg_floor_div(us, HOUR_US);
            m->inst_pat[k] = (uint32_t)q;
            m->inst_off[k] = (uint32_t)((us - hi * HOUR_US) / FC_TIME_UNIT_US);
            abs10[k] = m->pats[q].starts[i];
            how[k] = sg_hour_of_week(hi);
            m->how_off[how[k] + 1]++;
            m->hod_off[how[k] % 24 + 1]++;
            k++;
        }
    for (int h = 0; h < 168; h++) m->how_off[h + 1] += m->how_off[h];
    for (int h = 0; h < 24; h++) m->hod_off[h + 1] += m->hod_off[h];
    uint32_t fillw[168], filld[24];
    for (int h = 0; h < 168; h++) fillw[h] = m->how_off[h];
    for (int h = 0; h < 24; h++) filld[h] = m->hod_off[h];
    for (size_t i = 0; i < ninst; i++) {
        m->inst_by_how[fillw[how[i]]++] = (uint32_t)i;
        m->inst_by_hod[filld[how[i] % 24]++] = (uint32_t)i;
    }
    free(how);
    /* Start-time kernel of each instance: a Gaussian whose width is the distance to its FC_KNN-th
     * nearest training instance (sample-point adaptive KDE). Where the training data are sparse
     * (a sampled capture: one flow a minute) the kernel spreads an instance over minutes, so
     * superposed realisations (--scale) and short windows do not replay the same few instants as
     * bursts; inside a real burst (> FC_KNN instances within a second) the kernel stays narrow and
     * the burst is kept. */
    for (size_t i = 0; i < ninst; i++) {
        ord[i].t = abs10[i];
        ord[i].i = i;
    }
    qsort(ord, ninst, sizeof *ord, cmp_idx);
    for (size_t i = 0; i < ninst; i++) {
        /* walk outwards FC_KNN times, always to the nearer side */
        size_t l = i, r = i;
        int64_t dk = 0;
        for (int j = 0; j < FC_KNN; j++) {
            int64_t dl = l > 0 ? ord[i].t - ord[l - 1].t : INT64_MAX, dr = r + 1 < ninst ? ord[r + 1].t - ord[i].t : INT64_MAX;
            if (dl == INT64_MAX && dr == INT64_MAX) break;
            if (dl <= dr) {
                dk = dl;
                l--;
            } else {
                dk = dr;
                r++;
            }
        }
        if (dk < 1) dk = 1;
        if (dk > HOUR_US / FC_TIME_UNIT_US) dk = HOUR_US / FC_TIME_UNIT_US;
        m->inst_bw[ord[i].i] = (uint32_t)dk;
    }
    free(abs10), free(ord);
    /* occurrences of each hour in the training span */
    double occw[168] = {0}, occd[24] = {0};
    int64_t h0 = sg_floor_div(m->t_first_us, HOUR_US), h1 = sg_floor_div(m->t_last_us, HOUR_US);
    int64_t nh = h1 - h0 + 1;
    if (nh > 24 * 7 * 520) nh = 24 * 7 * 520; /* cap the scan (10 years) */
    for (int64_t h = h0; h < h0 + nh; h++) {
        int w = sg_hour_of_week(h);
        occw[w] += 1;
        occd[w % 24] += 1;
    }
    for (int h = 0; h < 168; h++) m->how_rate[h] = occw[h] > 0 ? (m->how_off[h + 1] - m->how_off[h]) / occw[h] : -1;
    for (int h = 0; h < 24; h++) m->hod_rate[h] = occd[h] > 0 ? (m->hod_off[h + 1] - m->hod_off[h]) / occd[h] : -1;
    m->mean_rate = (double)ninst / (double)nh;
    /* servers of each system port, for the address repair of generation */
    free(m->svc_port_addr), free(m->svc_port_cum);
    m->svc_port_addr = NULL, m->svc_port_cum = NULL;
    memset(m->svc_port_off, 0, sizeof m->svc_port_off);
    if (m->svc) {
        m->svc_port_addr = malloc((m->nsvc + 1) * sizeof *m->svc_port_addr);
        m->svc_port_cum = malloc((m->nsvc + 1) * sizeof *m->svc_port_cum);
        if (!m->svc_port_addr || !m->svc_port_cum) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        uint32_t cntp[1025] = {0};
        for (size_t i = 0; i < m->nsvc; i++) cntp[(m->svc[i] & 0xffff) + 1]++;
        for (int p = 0; p < 1024; p++) cntp[p + 1] += cntp[p];
        memcpy(m->svc_port_off, cntp, sizeof cntp);
        for (size_t i = 0; i < m->nsvc; i++) { /* svc is sorted by address: runs by port stay address-ordered */
            unsigned p = (unsigned)(m->svc[i] & 0xffff);
            uint32_t j = cntp[p]++;
            m->svc_port_addr[j] = (uint32_t)(m->svc[i] >> 16);
            m->svc_port_cum[j] = m->svc_cnt ? m->svc_cnt[i] : 1;
        }
        for (int p = 0; p < 1024; p++)
            for (uint32_t j = m->svc_port_off[p] + 1; j < m->svc_port_off[p + 1]; j++) m->svc_port_cum[j] += m->svc_port_cum[j - 1];
    }
    if (fc_model_calibrate(m) != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    return SG_OK;
}

/* ---- accessors --------------------------------------------------------------------------------- */

size_t sg_fc_model_npatterns(const sg_fc_model *m) { return m->npat; }
void sg_fc_model_span(const sg_fc_model *m, int64_t *a, int64_t *b)
{
    if (a) *a = m->t_first_us;
    if (b) *b = m->t_last_us;
}
sg_flow_format sg_fc_model_layout(const sg_fc_model *m) { return m->layout; }
int sg_fc_model_unidirectional(const sg_fc_model *m) { return m->unidirectional; }
size_t sg_fc_model_training_flows(const sg_fc_model *m) { return m->nflows; }
const sg_fc_learn_stats *sg_fc_model_stats(const sg_fc_model *m) { return &m->stats; }

const char *fc_model_label(const sg_fc_model *m, size_t c, uint32_t code)
{
    const fc_column *col = &m->col[c];
    if (col->role == FC_ROLE_IP) return code < m->nip ? m->iplabels[code] : "?";
    return code < col->ndom ? col->labels[code] : "?";
}

/* ---- plain-words summary ---------------------------------------------------------------------- */

static size_t find_col(const sg_fc_model *m, int field)
{
    for (size_t c = 0; c < m->C; c++)
        if (m->col[c].field == field) return c;
    return SIZE_MAX;
}

static void describe_row(const sg_fc_model *m, const fc_gpat *g, size_t r, FILE *fp)
{
    const fc_pat *p = &g->p;
    int first = 1;
    /* ordered for reading: proto, ports, addresses, then the rest */
    for (size_t c = 0; c < m->C; c++) {
        const fc_cell *x = &p->cell[r][c];
        if (x->kind == FC_FREE) continue;
        fprintf(fp, "%s%s ", first ? "" : ", ", m->col[c].name);
        first = 0;
        if (x->kind == FC_FIXED) fprintf(fp, "= %s", fc_model_label(m, c, x->v));
        else if (x->kind == FC_SET) fprintf(fp, "= host %c (free)", 'A' + (int)(x->v % 26));
        else fprintf(fp, "= host %c (same as before)", 'A' + (int)(x->v % 26));
    }
    if (first) fprintf(fp, "(all free)");
}

static double median_i64(const int64_t *v, size_t n)
{
    if (!n) return 0;
    return n % 2 ? (double)v[n / 2] : 0.5 * (double)(v[n / 2 - 1] + v[n / 2]);
}

typedef struct rank_t {
    uint64_t key;
    size_t q;
} rank_t;

static int cmp_rank(const void *a, const void *b)
{
    const rank_t *x = a, *y = b;
    if (x->key != y->key) return x->key > y->key ? -1 : 1;
    return (x->q > y->q) - (x->q < y->q);
}

void sg_fc_model_describe(const sg_fc_model *m, FILE *fp, size_t top_k)
{
    char a[40], b[40];
    sg_time_format(m->t_first_us, a, sizeof a);
    sg_time_format(m->t_last_us, b, sizeof b);
    fprintf(fp, "FlowChronicle flow model (secgen-flow-model v1)\n");
    fprintf(fp, "  learnt from: %s (%s layout, %s), %zu flows, %s .. %s\n", m->source[0] ? m->source : "?",
            sg_flow_format_name(m->layout), m->unidirectional ? "unidirectional" : "bidirectional", m->nflows, a, b);
    fprintf(fp, "  columns:");
    for (size_t c = 0; c < m->C; c++) {
        size_t nd = m->col[c].ndom;
        fprintf(fp, " %s(%zu%s)", m->col[c].name, nd, m->col[c].role == FC_ROLE_NUM ? " bins" : "");
    }
    fprintf(fp, "\n");
    const sg_fc_learn_stats *s = &m->stats;
    if (s->total_bits > 0)
        fprintf(fp,
                "  description length: %.0f bits (model %.0f + data %.0f); without patterns %.0f bits; "
                "compression ratio %.3f\n",
                s->total_bits, s->model_bits, s->data_bits, s->empty_total_bits, s->compression_ratio);
    size_t covered = 0;
    for (size_t q = 0; q < m->npat; q++) covered += m->pats[q].usage * m->pats[q].p.nrows;
    fprintf(fp, "  %zu patterns covering %zu of %zu flows; %llu flows left to the base network\n", m->npat, covered,
            m->nflows, (unsigned long long)m->pats[m->npat].usage);
    rank_t *rk = malloc((m->npat + 1) * sizeof *rk);
    if (!rk) return;
    for (size_t q = 0; q < m->npat; q++) {
        rk[q].key = m->pats[q].usage * m->pats[q].p.nrows;
        rk[q].q = q;
    }
    qsort(rk, m->npat, sizeof *rk, cmp_rank);
    size_t show = top_k < m->npat ? top_k : m->npat;
    if (show) fprintf(fp, "  top %zu patterns (by flows covered):\n", show);
    for (size_t i = 0; i < show; i++) {
        const fc_gpat *g = &m->pats[rk[i].q];
        fprintf(fp, "  #%zu: %llu times, %u flow%s each\n", rk[i].q, (unsigned long long)g->usage, g->p.nrows,
                g->p.nrows > 1 ? "s" : "");
        for (size_t r = 0; r < g->p.nrows; r++) {
            if (r == 0) fprintf(fp, "      flow 1: ");
            else fprintf(fp, "      then, after ~%.2f s (median), flow %zu: ", median_i64(g->delays[r - 1], g->ndelays[r - 1]) * 0.01, r + 1);
            describe_row(m, g, r, fp);
            fprintf(fp, "\n");
        }
        if (g->nvars) {
            fprintf(fp, "      free values (%zu) follow a Bayesian network with %zu edges\n", g->nvars,
                    sg_bn_nedges(g->bn));
        }
    }
    free(rk);
    (void)find_col;
}
