/* Open-addressing hash map (linear probing, byte-string keys -> uint64) and a string
 * interning table built on it. Keys are copied into one arena so lookups touch only the
 * slot array and the key bytes. */
#include "secgen/core.h"

#include <stdlib.h>
#include <string.h>

uint64_t sg_hash_u64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* 8 bytes at a time, finalised by the SplitMix64 mixer: fast for short keys (5-tuples, names) and
 * well distributed for linear probing. */
uint64_t sg_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = sg_hash_u64(h ^ w) + 0x9e3779b97f4a7c15ULL;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return sg_hash_u64(h ^ w ^ ((uint64_t)n << 56));
}

typedef struct {
    uint64_t hash; /* 0 = empty slot (real hashes are forced non-zero) */
    const unsigned char *key;
    size_t klen;
    uint64_t val;
} sg_slot;

struct sg_hashmap {
    sg_slot *slots;
    size_t cap, size; /* cap is a power of two */
    sg_arena *keys;
};

static uint64_t slot_hash(const void *key, size_t klen)
{
    uint64_t h = sg_hash_bytes(key, klen, 0x5ec9e11);
    return h ? h : 1;
}

sg_hashmap *sg_hashmap_create(size_t hint)
{
    sg_hashmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t cap = 16;
    while (cap * 7 / 10 < hint) cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    m->keys = sg_arena_create(0);
    if (!m->slots || !m->keys) {
        sg_hashmap_destroy(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

void sg_hashmap_destroy(sg_hashmap *m)
{
    if (!m) return;
    free(m->slots);
    sg_arena_destroy(m->keys);
    free(m);
}

size_t sg_hashmap_size(const sg_hashmap *m) { return m->size; }

static size_t find_slot(const sg_hashmap *m, uint64_t h, const void *key, size_t klen)
{
    size_t mask = m->cap - 1, i = h & mask;
    for (;;) {
        const sg_slot *s = &m->slots[i];
        if (s->hash == 0) return i;
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) return i;
        i = (i + 1) & mask;
    }
}

static sg_status grow(sg_hashmap *m)
{
    size_t ncap = m->cap * 2;
    sg_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return SG_ERR_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        sg_slot *s = &m->slots[i];
        if (!s->hash) continue;
        size_t j = s->hash & (ncap - 1);
        while (ns[j].hash) j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return SG_OK;
}

int sg_hashmap_get(const sg_hashmap *m, const void *key, size_t klen, uint64_t *val)
{
    uint64_t h = slot_hash(key, klen);
    const sg_slot *s = &m->slots[find_slot(m, h, key, klen)];
    if (!s->hash) return 0;
    if (val) *val = s->val;
    return 1;
}

uint64_t *sg_hashmap_upsert(sg_hashmap *m, const void *key, size_t klen, uint64_t init, int *inserted)
{
    uint64_t h = slot_hash(key, klen);
    size_t i = find_slot(m, h, key, klen);
    if (m->slots[i].hash) {
        if (inserted) *inserted = 0;
        return &m->slots[i].val;
    }
    if ((m->size + 1) * 10 > m->cap * 7) {
        if (grow(m) != SG_OK) return NULL;
        i = find_slot(m, h, key, klen);
    }
    unsigned char *k = sg_arena_alloc(m->keys, klen ? klen : 1);
    if (!k) return NULL;
    memcpy(k, key, klen);
    m->slots[i] = (sg_slot){h, k, klen, init};
    m->size++;
    if (inserted) *inserted = 1;
    return &m->slots[i].val;
}

sg_status sg_hashmap_put(sg_hashmap *m, const void *key, size_t klen, uint64_t val)
{
    uint64_t *v = sg_hashmap_upsert(m, key, klen, val, NULL);
    if (!v) return SG_ERR_NOMEM;
    *v = val;
    return SG_OK;
}

/* Backward-shift deletion keeps probe sequences intact without tombstones. The key bytes stay
 * in the arena until the map is destroyed. */
int sg_hashmap_remove(sg_hashmap *m, const void *key, size_t klen)
{
    uint64_t h = slot_hash(key, klen);
    size_t mask = m->cap - 1, i = find_slot(m, h, key, klen);
    if (!m->slots[i].hash) return 0;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].hash) break;
        size_t home = m->slots[j].hash & mask;
        /* move j into the hole at i if its home is not in (i, j] cyclically */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].hash = 0;
    m->size--;
    return 1;
}

int sg_hashmap_next(const sg_hashmap *m, size_t *iter, const void **key, size_t *klen, uint64_t *val)
{
    while (*iter < m->cap) {
        const sg_slot *s = &m->slots[(*iter)++];
        if (!s->hash) continue;
        if (key) *key = s->key;
        if (klen) *klen = s->klen;
        if (val) *val = s->val;
        return 1;
    }
    return 0;
}

/* ---- string table ---- */
struct sg_strtab {
    sg_hashmap *map;
    sg_vec strs; /* const char* in id order */
    sg_arena *arena;
};

sg_strtab *sg_strtab_create(void)
{
    sg_strtab *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->map = sg_hashmap_create(64);
    t->arena = sg_arena_create(0);
    sg_vec_init(&t->strs, sizeof(char *));
    if (!t->map || !t->arena) {
        sg_strtab_destroy(t);
        return NULL;
    }
    return t;
}

void sg_strtab_destroy(sg_strtab *t)
{
    if (!t) return;
    sg_hashmap_destroy(t->map);
    sg_arena_destroy(t->arena);
    sg_vec_free(&t->strs);
    free(t);
}

int64_t sg_strtab_intern(sg_strtab *t, const char *s, size_t len)
{
    int ins = 0;
    uint64_t *v = sg_hashmap_upsert(t->map, s, len, t->strs.len, &ins);
    if (!v) return -1;
    if (!ins) return (int64_t)*v;
    char *copy = sg_arena_strndup(t->arena, s, len);
    if (!copy || sg_vec_push(&t->strs, &copy) != SG_OK) {
        sg_hashmap_remove(t->map, s, len);
        return -1;
    }
    return (int64_t)*v;
}

int64_t sg_strtab_find(const sg_strtab *t, const char *s, size_t len)
{
    uint64_t v;
    return sg_hashmap_get(t->map, s, len, &v) ? (int64_t)v : -1;
}

const char *sg_strtab_str(const sg_strtab *t, size_t id)
{
    return id < t->strs.len ? SG_VEC_AT(&t->strs, char *, id) : NULL;
}

size_t sg_strtab_size(const sg_strtab *t) { return t->strs.len; }
