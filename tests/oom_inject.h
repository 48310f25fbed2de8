/* Allocation-failure injection for tests/<module>/test_oom_*.c. Those tests are linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (cmake/tests.cmake), so every allocation the
 * library makes goes through the wrappers below; sg_oom_fail_at(k) makes the k-th allocation from
 * then on return NULL (once). Running an operation for k = 1, 2, ... until it no longer meets the
 * injected failure walks every out-of-memory path of that operation, under ASan: a double free
 * or a use of a NULL pointer on one of them fails the test. Include from exactly one file. */
#ifndef SECGEN_TEST_OOM_INJECT_H
#define SECGEN_TEST_OOM_INJECT_H

#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);

static long sg_oom_countdown; /* 0 = off; else fail when it reaches 0 */
static int sg_oom_hit;        /* the armed failure happened */

static void sg_oom_fail_at(long k)
{
    __atomic_store_n(&sg_oom_hit, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&sg_oom_countdown, k, __ATOMIC_SEQ_CST);
}

static int sg_oom_should_fail(void)
{
    if (__atomic_load_n(&sg_oom_countdown, __ATOMIC_SEQ_CST) <= 0) return 0;
    if (__atomic_sub_fetch(&sg_oom_countdown, 1, __ATOMIC_SEQ_CST) != 0) return 0;
    __atomic_store_n(&sg_oom_hit, 1, __ATOMIC_SEQ_CST);
    return 1;
}

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) { return sg_oom_should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t s) { return sg_oom_should_fail() ? NULL : __real_calloc(n, s); }
void *__wrap_realloc(void *p, size_t n) { return sg_oom_should_fail() ? NULL : __real_realloc(p, n); }

#endif
