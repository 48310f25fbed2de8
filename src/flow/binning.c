/* Numeric binning of spec §1.3 (zero bin + equal-frequency bins of the non-zero values), shared
 * by FlowChronicle (src/fc/data.c) and the eval baselines (src/eval/baseline.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/flow.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

sg_status sg_flow_bin_edges(const double *x, size_t n, int nbins, double *edges, size_t *nedges, sg_error *err)
{
    *nedges = 0;
    if (nbins < 1) return sg_error_set(err, SG_ERR_INVALID, "binning: need >= 1 bin");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += x[i] != 0;
    if (m == 0) return SG_OK;
    double *s = malloc(m * sizeof *s);
    if (!s) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0) s[m++] = x[i];
    qsort(s, m, sizeof *s, cmp_double);
    size_t ne = 0;
    for (int k = 0; k <= nbins; k++) {
        double pos = (double)k / nbins * (double)(m - 1);
        size_t lo = (size_t)floor(pos);
        double q = lo + 1 >= m ? s[m - 1] : s[lo] + (s[lo + 1] - s[lo]) * (pos - (double)lo);
        if (k == 0) q = s[0];
        if (k == nbins) q = s[m - 1];
        if (ne == 0 || q > edges[ne - 1]) edges[ne++] = q; /* pandas duplicates="drop" */
    }
    free(s);
    *nedges = ne;
    return SG_OK;
}

uint32_t sg_flow_bin_of(const double *edges, size_t nedges, double x)
{
    if (x == 0.0) return 0;
    if (nedges < 2 || x <= edges[1]) return 1;
    size_t lo = 1, hi = nedges - 1; /* smallest k with x <= e_k */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x <= edges[mid]) hi = mid;
        else lo = mid + 1;
    }
    return (uint32_t)lo;
}
