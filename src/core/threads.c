/* Thread-count glue for OpenMP regions. Results never depend on the count: parallel loops
 * write to per-index slots and reductions run in index order. */
#include "secgen/core.h"

#include <omp.h>

static int g_threads = 0;

int sg_threads_set(int n)
{
    if (n <= 0) n = omp_get_num_procs();
    if (n < 1) n = 1;
    g_threads = n;
    omp_set_num_threads(n);
    return n;
}

int sg_threads_get(void) { return g_threads > 0 ? g_threads : omp_get_max_threads(); }
