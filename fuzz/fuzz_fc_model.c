/* libFuzzer target: FlowChronicle model JSON loader (and, when a model loads, a few generated
 * flows, so the generator's use of loaded tables is exercised too). */
#include <stddef.h>
#include <stdint.h>

#include "secgen/fc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fc_model *m = NULL;
    sg_error err = {0};
    if (sg_fc_model_load_mem("fuzz", (const char *)data, size, &m, &err) != SG_OK) return 0;
    sg_fc_gen_opts o = {.seed = 1, .start_us = INT64_MIN, .max_flows = 64};
    sg_fc_generator *g = NULL;
    if (sg_fc_generator_create(m, &o, &g, &err) == SG_OK) {
        sg_flow f;
        int more = 1;
        for (int i = 0; i < 64 && more && sg_fc_generator_next(g, &f, NULL, &more, &err) == SG_OK; i++) {
        }
        sg_fc_generator_destroy(g);
    }
    sg_fc_model_destroy(m);
    return 0;
}
