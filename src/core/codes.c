/* Code lengths shared by the MDL learners (bn, fc, tadam): Rissanen's universal integer code. */
#include <math.h>

#include "secgen/core.h"

/* Only the positive iterated logarithms are summed: the reference TADAM implementation also adds
 * the first term in (0,1), which is negative and makes the code non-monotone (spec A6). */
double sg_universal_int_bits(uint64_t x)
{
    double b = log2(2.865064);
    double y = (double)(x ? x : 1);
    while (y > 1.0) {
        y = log2(y);
        if (y > 0) b += y;
    }
    return b;
}
