/* Seeded m-of-n sampling keyed per item (see sg_sample_keyed in include/secgen/core.h). */
#include <stdlib.h>

#include "secgen/core.h"

typedef struct keyed {
    uint64_t key; /* top 44 bits of the item's draw */
    size_t pos;   /* position in ids: breaks ties */
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

sg_status sg_order_keyed(uint64_t seed, uint32_t stream, const size_t *ids, size_t n, size_t *out, sg_error *err)
{
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    if (!k) return sg_error_set(err, SG_ERR_NOMEM, "out of memory ordering %zu items", n);
    /* The key keeps the top 44 bits of the draw (the order an earlier version used when it packed
     * the position into the low 20 bits: same picks below 2^20 items, and no aliasing above). */
    for (size_t i = 0; i < n; i++) {
        sg_rng r;
        sg_rng_init(&r, seed, stream, ids[i]);
        k[i] = (keyed){sg_rng_u64(&r) >> 20, i};
    }
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n; i++) out[i] = ids[k[i].pos];
    free(k);
    return SG_OK;
}

sg_status sg_sample_keyed(uint64_t seed, uint32_t stream, const size_t *ids, size_t n, size_t m, size_t *out,
                          sg_error *err)
{
    if (m >= n) {
        for (size_t i = 0; i < n; i++) out[i] = ids[i];
        qsort(out, n, sizeof *out, cmp_size);
        return SG_OK;
    }
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) return sg_error_set(err, SG_ERR_NOMEM, "out of memory sampling %zu of %zu items", m, n);
    sg_status st = sg_order_keyed(seed, stream, ids, n, ord, err);
    if (st == SG_OK) {
        for (size_t i = 0; i < m; i++) out[i] = ord[i];
        qsort(out, m, sizeof *out, cmp_size);
    }
    free(ord);
    return st;
}
