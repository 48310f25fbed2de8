/* Synthetic payloads. No byte of any training capture is used: payloads are either a protocol
 * template (the first message of each direction for a few services, so DPI tools and dissectors
 * recognise the service) or a slice of a per-seed pseudo-random pool (Philox output), which looks
 * like encrypted data. The pool carries prefix sums of its 16-bit words so a slice's checksum is
 * O(1): the generator never touches payload bytes except to copy them out. */
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"

sg_status sg_payload_pool_create(sg_payload_pool **out, uint64_t seed, size_t size, sg_error *err)
{
    *out = NULL;
    if (size < 65536) size = 65536;
    size &= ~(size_t)7;
    sg_payload_pool *p = calloc(1, sizeof *p);
    if (!p) return sg_error_set(err, SG_ERR_NOMEM, "payload pool: out of memory");
    p->size = size;
    p->data = malloc(size);
    p->prefix = malloc((size / 2 + 1) * sizeof *p->prefix);
    p->alpha = malloc(SG_ALPHA_POOL);
    if (!p->data || !p->prefix || !p->alpha) {
        sg_payload_pool_destroy(p);
        return sg_error_set(err, SG_ERR_NOMEM, "payload pool: out of memory");
    }
    sg_rng r;
    sg_rng_init(&r, seed, SG_STREAM_PKT_POOL, 0);
    for (size_t i = 0; i < size; i += 8) {
        uint64_t v = sg_rng_u64(&r);
        memcpy(p->data + i, &v, 8);
    }
    p->prefix[0] = 0;
    for (size_t k = 0; k < size / 2; k++) {
        uint16_t w;
        memcpy(&w, p->data + 2 * k, 2);
        p->prefix[k + 1] = (uint16_t)(((uint32_t)p->prefix[k] + w) % 0xffff);
    }
    sg_rng_init(&r, seed, SG_STREAM_PKT_POOL, 1);
    for (size_t i = 0; i < SG_ALPHA_POOL;) { /* 12 letters per 64-bit draw (26^12 < 2^57) */
        uint64_t v = sg_rng_u64(&r) >> 7;
        for (int k = 0; k < 12 && i < SG_ALPHA_POOL; k++, i++, v /= 26) p->alpha[i] = (uint8_t)('a' + v % 26);
    }
    *out = p;
    return SG_OK;
}

void sg_payload_pool_destroy(sg_payload_pool *p)
{
    if (!p) return;
    free(p->data);
    free(p->prefix);
    free(p->alpha);
    free(p);
}

static uint32_t pool_sum(const sg_payload_pool *p, size_t off, size_t len)
{
    /* one's-complement sums are sums mod 0xffff: the difference of two prefixes is the slice's */
    uint64_t s = (uint32_t)p->prefix[(off + (len & ~(size_t)1)) / 2] + 0xffff - p->prefix[off / 2];
    if (len & 1) {
        uint8_t last[2] = {p->data[off + len - 1], 0};
        uint16_t w;
        memcpy(&w, last, 2);
        s += w;
    }
    while (s >> 32) s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

size_t sg_payload_template_cap(const sg_payload_state *ps, int dir, uint32_t len)
{
    return sg_payload_template_cap_at(ps, dir, ps->count[dir], len);
}

size_t sg_payload_template_cap_at(const sg_payload_state *ps, int dir, uint32_t idx, uint32_t len)
{
    if (!ps->pool) return len;
    size_t c = sg_tmpl_cap((sg_payload_state *)ps, dir, idx, len);
    /* room for the 2-byte prefix sg_payload_fill writes before an opaque pool slice */
    size_t pre = len < 2 ? len : 2;
    return c < pre ? pre : c;
}

size_t sg_payload_fill(sg_payload_state *ps, int dir, uint32_t len, uint8_t *out, const uint8_t **ext,
                       uint32_t *ext_sum)
{
    uint32_t idx = ps->count[dir]++;
    *ext = NULL;
    size_t k = sg_tmpl_write(ps, dir, idx, len, out);
    if (k >= len) return len;
    if (k == 0) {
        /* Opaque payload: its first byte stays below 0x80. Random bytes starting with 10xxxxxx
         * look like RTP/RTCP version 2, and tshark's heuristic RTCP dissector then reported about
         * one such UDP packet in 30,000 as malformed. Two bytes keep the pool slice that follows
         * 16-bit aligned for its precomputed checksum. */
        uint32_t v = sg_rng_u32(ps->r);
        out[0] = (uint8_t)(v & 0x7f);
        if (len == 1) return 1;
        out[1] = (uint8_t)(v >> 8);
        /* nor may the second byte be 0x4X: with a plausible first byte, tshark's heuristic
         * ISO CLTP dissector took such UDP payloads for a malformed UD TPDU */
        if ((out[1] & 0xf0) == 0x40) out[1] |= 0x80;
        k = 2;
        if (k >= len) return len;
    }
    if (!ps->pool) {
        for (size_t i = k; i < len; i += 4) {
            uint32_t v = sg_rng_u32(ps->r);
            memcpy(out + i, &v, len - i < 4 ? len - i : 4);
        }
        return len;
    }
    size_t rest = len - k;
    size_t span = ps->pool->size - rest;
    /* multiply-shift instead of an exact bounded draw: the bias (< 2^-12) does not matter here */
    size_t off = (size_t)(((uint64_t)sg_rng_u32(ps->r) * (span / 2 + 1)) >> 32) * 2;
    *ext = ps->pool->data + off;
    *ext_sum = pool_sum(ps->pool, off, rest);
    return k;
}
