/* Plain-words summary of a flow table (used by `secgen info`): size, time span, protocols,
 * busiest services and hosts. */
#include "secgen/flow.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key;
    uint64_t flows, bytes;
} sg_count;

static int cmp_count(const void *a, const void *b)
{
    const sg_count *x = a, *y = b;
    if (x->flows != y->flows) return x->flows < y->flows ? 1 : -1;
    return strcmp(x->key, y->key); /* ties in name order: deterministic output */
}

/* map value = slot in acc (flows, bytes pairs); keys stay in the map's arena */
static sg_count *top_counts(sg_hashmap *m, const sg_vec *bytes, size_t *n)
{
    *n = sg_hashmap_size(m);
    sg_count *arr = calloc(*n ? *n : 1, sizeof *arr);
    if (!arr) return NULL;
    size_t it = 0, i = 0, kl;
    const void *k;
    uint64_t v;
    while (sg_hashmap_next(m, &it, &k, &kl, &v)) {
        arr[i].key = k;
        arr[i].flows = SG_VEC_AT(bytes, uint64_t, 2 * v);
        arr[i].bytes = SG_VEC_AT(bytes, uint64_t, 2 * v + 1);
        i++;
    }
    qsort(arr, *n, sizeof *arr, cmp_count);
    return arr;
}

static sg_status bump(sg_hashmap *m, sg_vec *acc, const char *key, uint64_t bytes)
{
    int ins;
    uint64_t *slot = sg_hashmap_upsert(m, key, strlen(key) + 1, acc->len / 2, &ins);
    if (!slot) return SG_ERR_NOMEM;
    if (ins) {
        uint64_t z[2] = {0, 0};
        if (sg_vec_push(acc, &z[0]) || sg_vec_push(acc, &z[1])) return SG_ERR_NOMEM;
    }
    SG_VEC_AT(acc, uint64_t, 2 * *slot) += 1;
    SG_VEC_AT(acc, uint64_t, 2 * *slot + 1) += bytes;
    return SG_OK;
}

sg_status sg_flow_table_describe(const sg_flow_table *t, FILE *fp, size_t top_k, sg_error *err)
{
    if (t->format == SG_FMT_AUTO)
        fprintf(fp, "flows: %zu\n", t->n);
    else
        fprintf(fp, "flows: %zu (layout %s)\n", t->n, sg_flow_format_name(t->format));
    if (t->n == 0) return SG_OK;
    int64_t first = t->flows[0].start_us, last = first;
    uint64_t pk = 0, by = 0;
    sg_hashmap *svc = sg_hashmap_create(64), *hosts = sg_hashmap_create(64), *protos = sg_hashmap_create(8);
    sg_vec a_svc, a_hosts, a_protos;
    sg_vec_init(&a_svc, sizeof(uint64_t));
    sg_vec_init(&a_hosts, sizeof(uint64_t));
    sg_vec_init(&a_protos, sizeof(uint64_t));
    sg_status st = (!svc || !hosts || !protos) ? SG_ERR_NOMEM : SG_OK;
    for (size_t i = 0; i < t->n && st == SG_OK; i++) {
        const sg_flow *f = &t->flows[i];
        int64_t end = f->start_us + f->duration_us;
        if (f->start_us < first) first = f->start_us;
        if (end > last) last = end;
        uint64_t b = f->fwd_bytes + f->bwd_bytes;
        pk += f->fwd_packets + f->bwd_packets;
        by += b;
        char pbuf[16], key[40];
        const char *pn = sg_proto_name(f->proto, pbuf, sizeof pbuf);
        if (f->proto == SG_PROTO_TCP || f->proto == SG_PROTO_UDP)
            snprintf(key, sizeof key, "%s/%u", pn, f->dst_port);
        else
            snprintf(key, sizeof key, "%s", pn);
        st = bump(svc, &a_svc, key, b);
        if (st == SG_OK) st = bump(protos, &a_protos, pn, b);
        if (st == SG_OK) st = bump(hosts, &a_hosts, f->src_ip, b);
        if (st == SG_OK && strcmp(f->src_ip, f->dst_ip) != 0) st = bump(hosts, &a_hosts, f->dst_ip, 0);
    }
    if (st == SG_OK) {
        char a[40], b[40];
        sg_time_format(first, a, sizeof a);
        sg_time_format(last, b, sizeof b);
        double span = (double)(last - first) / 1e6;
        fprintf(fp, "time: %s .. %s (%.1f s, %.2f flows/s)\n", a, b, span, span > 0 ? (double)t->n / span : 0.0);
        fprintf(fp, "packets: %llu, bytes: %llu (%.1f bytes/packet)\n", (unsigned long long)pk,
                (unsigned long long)by, pk ? (double)by / (double)pk : 0.0);
        struct { const char *title; sg_hashmap *m; sg_vec *acc; } parts[] = {
            {"protocols", protos, &a_protos}, {"services (proto/dst port)", svc, &a_svc}, {"hosts", hosts, &a_hosts}};
        for (size_t p = 0; p < 3 && st == SG_OK; p++) {
            size_t n;
            sg_count *c = top_counts(parts[p].m, parts[p].acc, &n);
            if (!c) {
                st = SG_ERR_NOMEM;
                break;
            }
            fprintf(fp, "%s: %zu distinct; top by flows:\n", parts[p].title, n);
            for (size_t i = 0; i < n && i < top_k; i++)
                fprintf(fp, "  %-28s %8llu flows (%5.1f%%) %12llu bytes\n", c[i].key, (unsigned long long)c[i].flows,
                        100.0 * (double)c[i].flows / (double)t->n, (unsigned long long)c[i].bytes);
            free(c);
        }
    }
    sg_hashmap_destroy(svc);
    sg_hashmap_destroy(hosts);
    sg_hashmap_destroy(protos);
    sg_vec_free(&a_svc);
    sg_vec_free(&a_hosts);
    sg_vec_free(&a_protos);
    if (st != SG_OK) return sg_error_set(err, st, "out of memory summarising flows");
    return SG_OK;
}
