/* libFuzzer target: flow CSV reader (every layout, autodetected and forced, strict and
 * skip_bad) and, for what it accepts, the native/CIDDS writers' row printer. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "secgen/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* first byte picks the layout and skip_bad; the rest is the file */
    sg_flow_read_opts o = {0};
    if (size > 0) {
        o.format = (sg_flow_format)(data[0] % 6);
        o.skip_bad = (data[0] >> 3) & 1;
        data++;
        size--;
    }
    sg_flow_table t;
    sg_error e;
    if (sg_flow_read_mem("fuzz.csv", (const char *)data, size, &o, &t, &e) == SG_OK) {
        if (t.n > o.rows) __builtin_trap();
        FILE *null = fopen("/dev/null", "w");
        for (size_t i = 0; i < t.n && null; i++) {
            sg_flow_fprint(null, &t.flows[i], SG_FMT_NATIVE);
            sg_flow_fprint(null, &t.flows[i], SG_FMT_CIDDS);
        }
        if (null) fclose(null);
        sg_flow_table_sort(&t);
        if (!sg_flow_table_is_sorted(&t)) __builtin_trap();
        sg_flow_table_free(&t);
    } else if (t.n != 0 || t.flows != NULL || strlen(e.msg) == 0) {
        __builtin_trap(); /* a failed read leaves an empty table and a message */
    }
    /* the header detector on the same bytes, NUL-terminated */
    char buf[512];
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    (void)sg_flow_detect(buf);
    return 0;
}
