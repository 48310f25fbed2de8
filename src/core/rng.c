/* Counter-based RNG: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as
 * easy as 1, 2, 3", SC'11). The generator is a keyed bijection of a 128-bit counter, so any
 * draw can be computed from (seed, stream, index, block) alone: no shared state between threads
 * or processes, hence outputs independent of -j. Verified against Random123's known answers
 * (tests/core/test_rng.c). */
#include "secgen/core.h"

#include <math.h>

__extension__ typedef unsigned __int128 sg_u128;

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox4x32_10(const uint32_t in[4], const uint32_t key_in[2], uint32_t out[4])
{
    uint32_t c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/* exposed for the known-answer test */
void sg_rng_philox_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
void sg_rng_philox_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_10(ctr, key, out);
}

void sg_rng_init(sg_rng *r, uint64_t seed, uint32_t stream, uint64_t index)
{
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = (uint32_t)index;
    r->ctr[1] = (uint32_t)(index >> 32);
    r->ctr[2] = stream;
    r->ctr[3] = 0;
    r->used = 4; /* buffer empty */
}

void sg_rng_refill(sg_rng *r)
{
    philox4x32_10(r->ctr, r->key, r->buf);
    r->ctr[3]++;
    r->used = 0;
}

uint64_t sg_rng_u64(sg_rng *r)
{
    uint64_t hi = sg_rng_u32(r);
    return (hi << 32) | sg_rng_u32(r);
}

double sg_rng_uniform(sg_rng *r) { return (double)(sg_rng_u64(r) >> 11) * 0x1.0p-53; }

double sg_rng_uniform_pos(sg_rng *r)
{
    return ((double)(sg_rng_u64(r) >> 12) + 0.5) * 0x1.0p-52;
}

/* Lemire's nearly-divisionless rejection: unbiased for every n. */
uint64_t sg_rng_below(sg_rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = sg_rng_u64(r);
        sg_u128 m = (sg_u128)x * n;
        if ((uint64_t)m >= threshold) return (uint64_t)(m >> 64);
    }
}

double sg_rng_normal(sg_rng *r)
{
    /* Box-Muller; one value per call (the pair's twin is dropped so that a draw consumes a
     * fixed amount of the stream, which keeps outputs easy to reason about). */
    double u1 = sg_rng_uniform_pos(r), u2 = sg_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

double sg_rng_exponential(sg_rng *r, double rate)
{
    return -log(sg_rng_uniform_pos(r)) / rate;
}

size_t sg_rng_categorical(sg_rng *r, const double *w, size_t n)
{
    if (n == 0) return 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) total += w[i] > 0 ? w[i] : 0;
    if (!(total > 0)) return sg_rng_below(r, n);
    double u = sg_rng_uniform(r) * total, acc = 0;
    size_t last = n - 1;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0)) continue;
        acc += w[i];
        last = i;
        if (u < acc) return i;
    }
    return last;
}
