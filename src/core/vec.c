/* Growable type-erased vector and a bump arena. */
#include "secgen/core.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define SG_HUGE ((size_t)2 << 20)

void *sg_mem_alloc_big(size_t n)
{
    if (n < SG_HUGE) return malloc(n ? n : 1);
    size_t r = (n + SG_HUGE - 1) & ~(SG_HUGE - 1);
    void *p = NULL;
    if (posix_memalign(&p, SG_HUGE, r)) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, r, MADV_HUGEPAGE); /* advice only: without THP it is ordinary memory */
#endif
    return p;
}

void sg_vec_init(sg_vec *v, size_t elem_size)
{
    v->data = NULL;
    v->len = v->cap = 0;
    v->elem = elem_size;
}

sg_status sg_vec_reserve(sg_vec *v, size_t n_total)
{
    if (n_total <= v->cap) return SG_OK;
    size_t cap = v->cap ? v->cap : 8;
    while (cap < n_total) {
        if (cap > SIZE_MAX / 2 / v->elem) return SG_ERR_NOMEM;
        cap *= 2;
    }
    void *p;
    if (cap * v->elem >= SG_HUGE) { /* bulk vector: huge-page backed (see sg_mem_alloc_big) */
        p = sg_mem_alloc_big(cap * v->elem);
        if (!p) return SG_ERR_NOMEM;
        if (v->len) memcpy(p, v->data, v->len * v->elem);
        free(v->data);
    } else {
        p = realloc(v->data, cap * v->elem);
        if (!p) return SG_ERR_NOMEM;
    }
    v->data = p;
    v->cap = cap;
    return SG_OK;
}

sg_status sg_vec_grow(sg_vec *v, size_t n, void **out)
{
    if (n > SIZE_MAX - v->len) return SG_ERR_NOMEM;
    sg_status st = sg_vec_reserve(v, v->len + n);
    if (st != SG_OK) return st;
    char *p = (char *)v->data + v->len * v->elem;
    memset(p, 0, n * v->elem);
    v->len += n;
    if (out) *out = p;
    return SG_OK;
}

sg_status sg_vec_push(sg_vec *v, const void *elem)
{
    if (v->len == v->cap) {
        sg_status st = sg_vec_reserve(v, v->len + 1);
        if (st != SG_OK) return st;
    }
    memcpy((char *)v->data + v->len * v->elem, elem, v->elem);
    v->len++;
    return SG_OK;
}

void sg_vec_clear(sg_vec *v) { v->len = 0; }

void sg_vec_free(sg_vec *v)
{
    free(v->data);
    v->data = NULL;
    v->len = v->cap = 0;
}

/* ---- arena ---- */
typedef struct sg_arena_block {
    struct sg_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} sg_arena_block;

struct sg_arena {
    sg_arena_block *head;
    size_t block_size;
};

sg_arena *sg_arena_create(size_t block_size)
{
    sg_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    return a;
}

void sg_arena_destroy(sg_arena *a)
{
    if (!a) return;
    sg_arena_block *b = a->head;
    while (b) {
        sg_arena_block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void *sg_arena_alloc(sg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n) return NULL;
    sg_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > a->block_size ? need : a->block_size;
        b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    memset(p, 0, n);
    return p;
}

char *sg_arena_strndup(sg_arena *a, const char *s, size_t n)
{
    char *p = sg_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *sg_arena_strdup(sg_arena *a, const char *s) { return sg_arena_strndup(a, s, strlen(s)); }
