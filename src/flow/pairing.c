/* Pairing of one-way flow records into connections (sg_flow_pair_oneway, flow.h): the reader-side
 * counterpart of the generator's pairing of generated one-way records (src/packets/generate.c). */
#include <stdlib.h>
#include <string.h>

#include "secgen/flow.h"

typedef struct pkey {
    size_t i;       /* index in the table */
    int lo_first;   /* 1 when (src_ip, src_port) is the lower endpoint of the key */
} pkey;

static const sg_flow *g_f; /* qsort context (the table being paired; single call at a time) */

/* endpoint order: address, then port */
static int ep_cmp(const char *a, uint16_t pa, const char *b, uint16_t pb)
{
    int c = strcmp(a, b);
    if (c) return c;
    return (pa > pb) - (pa < pb);
}

static int key_cmp(const void *x, const void *y)
{
    const pkey *a = x, *b = y;
    const sg_flow *fa = &g_f[a->i], *fb = &g_f[b->i];
    if (fa->proto != fb->proto) return fa->proto < fb->proto ? -1 : 1;
    const char *la = a->lo_first ? fa->src_ip : fa->dst_ip, *ha = a->lo_first ? fa->dst_ip : fa->src_ip;
    const char *lb = b->lo_first ? fb->src_ip : fb->dst_ip, *hb = b->lo_first ? fb->dst_ip : fb->src_ip;
    uint16_t lpa = a->lo_first ? fa->src_port : fa->dst_port, hpa = a->lo_first ? fa->dst_port : fa->src_port;
    uint16_t lpb = b->lo_first ? fb->src_port : fb->dst_port, hpb = b->lo_first ? fb->dst_port : fb->src_port;
    int c = ep_cmp(la, lpa, lb, lpb);
    if (c) return c;
    c = ep_cmp(ha, hpa, hb, hpb);
    if (c) return c;
    if (fa->start_us != fb->start_us) return fa->start_us < fb->start_us ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static int same_key(const pkey *a, const pkey *b)
{
    const sg_flow *fa = &g_f[a->i], *fb = &g_f[b->i];
    if (fa->proto != fb->proto) return 0;
    const char *la = a->lo_first ? fa->src_ip : fa->dst_ip, *lb = b->lo_first ? fb->src_ip : fb->dst_ip;
    const char *ha = a->lo_first ? fa->dst_ip : fa->src_ip, *hb = b->lo_first ? fb->dst_ip : fb->src_ip;
    uint16_t lpa = a->lo_first ? fa->src_port : fa->dst_port, lpb = b->lo_first ? fb->src_port : fb->dst_port;
    uint16_t hpa = a->lo_first ? fa->dst_port : fa->src_port, hpb = b->lo_first ? fb->dst_port : fb->src_port;
    return !ep_cmp(la, lpa, lb, lpb) && !ep_cmp(ha, hpa, hb, hpb);
}

typedef struct ord_t {
    int64_t t;
    size_t i;
} ord_t;

static int ord_before(const ord_t *a, const ord_t *b, const size_t *orig)
{
    if (a->t != b->t) return a->t < b->t;
    return orig[a->i] < orig[b->i];
}

sg_status sg_flow_pair_oneway(sg_flow_table *t, sg_flow_pair_stats *st, sg_error *err)
{
    return sg_flow_pair_oneway_labelled(t, NULL, NULL, st, err);
}

/* the label a connection takes from its two records' label ids (ia: the initiator's) */
static uint32_t pair_label(const sg_strtab *names, uint32_t ia, uint32_t ib)
{
    return sg_flow_label_class(sg_strtab_str(names, ia), NULL, 0) != 1 &&
                   sg_flow_label_class(sg_strtab_str(names, ib), NULL, 0) == 1
               ? ib
               : ia;
}

sg_status sg_flow_pair_oneway_labelled(sg_flow_table *t, const sg_strtab *names, sg_vec *label_ids,
                                       sg_flow_pair_stats *st, sg_error *err)
{
    if (label_ids && (!names || label_ids->len != t->n || label_ids->elem != sizeof(uint32_t)))
        return sg_error_set(err, SG_ERR_INVALID, "pairing: %zu label ids for %zu records", label_ids->len, t->n);
    uint32_t *lab = label_ids ? label_ids->data : NULL;
    sg_flow_pair_stats s0 = {.records = t->n};
    size_t n = t->n;
    pkey *k = malloc((n + 1) * sizeof *k);
    unsigned char *used = calloc(n + 1, 1);
    sg_flow *out = malloc((n + 1) * sizeof *out);
    size_t *orig = malloc((n + 1) * sizeof *orig); /* file position of each output flow's first record */
    uint32_t *olab = lab ? malloc((n + 1) * sizeof *olab) : NULL;
    if (!k || !used || !out || !orig || (lab && !olab)) {
        free(k), free(used), free(out), free(orig), free(olab);
        return sg_error_set(err, SG_ERR_NOMEM, "pairing: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        k[i].i = i;
        k[i].lo_first = ep_cmp(t->flows[i].src_ip, t->flows[i].src_port, t->flows[i].dst_ip, t->flows[i].dst_port) <= 0;
    }
    g_f = t->flows;
    qsort(k, n, sizeof *k, key_cmp);
    size_t no = 0;
    for (size_t a = 0; a < n; a++) {
        if (used[a]) continue;
        used[a] = 1;
        const sg_flow *fa = &t->flows[k[a].i];
        int64_t enda = fa->start_us + fa->duration_us;
        size_t match = SIZE_MAX;
        /* the first unused record of the same key, reversed, whose interval meets a's */
        for (size_t b = a + 1; b < n && same_key(&k[a], &k[b]); b++) {
            const sg_flow *fb = &t->flows[k[b].i];
            if (fb->start_us > enda + SG_PAIR_SLACK_US) break; /* sorted by start: later ones start later */
            if (used[b] || k[b].lo_first == k[a].lo_first) continue;
            if (fb->start_us + fb->duration_us + SG_PAIR_SLACK_US < fa->start_us) continue;
            match = b;
            break;
        }
        sg_flow f = *fa;
        orig[no] = k[a].i;
        if (lab) olab[no] = lab[k[a].i];
        if (match != SIZE_MAX) {
            used[match] = 1;
            const sg_flow *fb = &t->flows[k[match].i];
            /* initiator: the earlier start; on a tie, the record towards the lower port */
            int b_first = fb->start_us < fa->start_us || (fb->start_us == fa->start_us && fb->dst_port < fa->dst_port);
            const sg_flow *ini = b_first ? fb : fa, *rsp = b_first ? fa : fb;
            int64_t endb = fb->start_us + fb->duration_us, end = enda > endb ? enda : endb;
            f = *ini;
            f.bwd_packets = rsp->fwd_packets;
            f.bwd_bytes = rsp->fwd_bytes;
            f.flags = (uint8_t)(ini->flags | rsp->flags);
            f.duration_us = end - ini->start_us;
            if (k[match].i < orig[no]) orig[no] = k[match].i;
            if (lab) olab[no] = b_first ? pair_label(names, lab[k[match].i], lab[k[a].i]) : pair_label(names, lab[k[a].i], lab[k[match].i]);
            s0.pairs++;
        } else if (fa->src_port < 1024 && fa->dst_port >= 1024 &&
                   (fa->proto == SG_PROTO_TCP || fa->proto == SG_PROTO_UDP)) {
            memcpy(f.src_ip, fa->dst_ip, SG_ADDR_MAX);
            memcpy(f.dst_ip, fa->src_ip, SG_ADDR_MAX);
            f.src_port = fa->dst_port;
            f.dst_port = fa->src_port;
            f.bwd_packets = fa->fwd_packets;
            f.bwd_bytes = fa->fwd_bytes;
            f.fwd_packets = f.fwd_bytes = 0;
            s0.mirrored++;
        } else {
            s0.unpaired++;
        }
        out[no++] = f;
    }
    /* back to start order; ties in file order of the first record (bottom-up merge sort, stable) */
    ord_t *o = malloc((no + 1) * sizeof *o), *tmp = malloc((no + 1) * sizeof *tmp);
    sg_flow *sorted = malloc((no + 1) * sizeof *sorted);
    if (!o || !tmp || !sorted) {
        free(o), free(tmp), free(sorted), free(k), free(used), free(out), free(orig), free(olab);
        return sg_error_set(err, SG_ERR_NOMEM, "pairing: out of memory");
    }
    for (size_t i = 0; i < no; i++) o[i].t = out[i].start_us, o[i].i = i;
    for (size_t w = 1; w < no; w *= 2) {
        for (size_t lo = 0; lo < no; lo += 2 * w) {
            size_t mid = lo + w < no ? lo + w : no, hi = lo + 2 * w < no ? lo + 2 * w : no, x = lo, y = mid, z = lo;
            while (x < mid && y < hi) tmp[z++] = ord_before(&o[y], &o[x], orig) ? o[y++] : o[x++];
            while (x < mid) tmp[z++] = o[x++];
            while (y < hi) tmp[z++] = o[y++];
        }
        memcpy(o, tmp, no * sizeof *o);
    }
    for (size_t i = 0; i < no; i++) sorted[i] = out[o[i].i];
    if (lab) {
        for (size_t i = 0; i < no; i++) lab[i] = olab[o[i].i];
        label_ids->len = no;
        free(olab);
    }
    free(o), free(tmp), free(out), free(orig);
    out = sorted;
    free(k);
    free(used);
    free(t->flows);
    t->flows = out;
    t->n = no;
    t->cap = n + 1;
    if (st) *st = s0;
    return SG_OK;
}
