/* Private state of an evaluation, shared by eval.c and the report writers. */
#ifndef SECGEN_EVAL_INTERNAL_H
#define SECGEN_EVAL_INTERNAL_H

#include "secgen/eval.h"

struct sg_eval {
    sg_eval_opts o;
    sg_eval_dict *dict;
    sg_eval_cols real, synth, train, holdout;
    int has_train, has_holdout;
    sg_eval_result res;
};

/* report helpers (report.c) */
const char *sg_eval__arrow(const char *dir);
size_t sg_eval__metric_rows(const sg_eval_result *r, const char **names, const char **dirs,
                            const char **descr, double *vals);

#endif
