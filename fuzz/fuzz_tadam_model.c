/* libFuzzer target: automaton JSON (secgen and Fos-R layouts) -> load, dump, score, sample. */
#include <stdint.h>
#include <stdlib.h>

#include "secgen/tadam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_tadam_model *m = NULL;
    sg_error err;
    if (sg_tadam_model_load_mem("fuzz", (const char *)data, size, SG_TADAM_FMT_AUTO, &m, &err) != SG_OK) return 0;
    char *s = NULL;
    if (sg_tadam_model_dump(m, SG_TADAM_FMT_SECGEN, &s, &err) == SG_OK) free(s);
    if (sg_tadam_model_dump(m, SG_TADAM_FMT_FOSR, &s, &err) == SG_OK) free(s);
    const char *syms[] = {">S", "<SA", "x", ">PA"};
    const int64_t iat[] = {0, 1000, 5, 99999999};
    const int64_t pay[] = {0, 0, 7, 1448};
    sg_tadam_score sc;
    sg_tadam_score_events(m, 4, syms, iat, pay, &sc, &err);
    sg_tadam_event ev[64];
    size_t n;
    int complete;
    sg_rng r;
    sg_rng_init(&r, 1, SG_STREAM_TADAM_SAMPLE, 0);
    sg_tadam_sample_opts o;
    sg_tadam_sample_opts_init(&o);
    o.max_len = 64;
    sg_tadam_sample(m, &r, &o, ev, 64, &n, &complete, &err);
    if (sg_tadam_model_prepare(m, 16, 16, &err) == SG_OK) {
        o.target_fwd = 3;
        o.target_bwd = 2;
        sg_tadam_sample(m, &r, &o, ev, 64, &n, &complete, &err);
    }
    sg_tadam_model_destroy(m);
    return 0;
}
