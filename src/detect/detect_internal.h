/* Private state of the detect module: data sets (flows or sequences with label texts) shared by
 * data.c, run.c and the report writers. */
#ifndef SECGEN_DETECT_INTERNAL_H
#define SECGEN_DETECT_INTERNAL_H

#include "secgen/detect.h"

#define SG_DET_NOLABEL UINT32_MAX

struct sg_detect_data {
    char *path;
    sg_detect_data_kind kind;
    sg_flow_table flows;   /* kind == SG_DETECT_FLOWS */
    sg_seq_set *seqs;      /* kind == SG_DETECT_SEQUENCES */
    size_t n;              /* rows */
    sg_strtab *labtab;     /* label texts */
    uint32_t *label;       /* n label ids into labtab, SG_DET_NOLABEL = none */
    const char *label_source; /* column or file the labels came from, NULL if none */
};

double sg_detect__now(void);

#endif
