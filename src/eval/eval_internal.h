/* Private state of an evaluation, shared by eval.c and the report writers. */
#ifndef SECGEN_EVAL_INTERNAL_H
#define SECGEN_EVAL_INTERNAL_H

#include "secgen/eval.h"

/* containment of the synthetic table in a network config (computed from the flow records) */
typedef struct sg_eval_contain {
    int computed;
    size_t n, outside;            /* flows; flows without a config host as an endpoint */
    size_t talks, client, service;/* flows breaking talks_to / client lists / offered services */
    long talks_host, client_host, service_host; /* host with the most such flows (-1: none) */
    size_t talks_host_n, client_host_n, service_host_n;
} sg_eval_contain;

struct sg_eval {
    sg_eval_opts o;
    sg_eval_dict *dict;
    sg_eval_cols real, synth, train, holdout;
    int has_train, has_holdout;
    sg_eval_result res;
    sg_eval_contain contain;
    char **host_names;            /* config host names (copied: the config may go first) */
    size_t nhost_names;
    sg_eval_finding *find;        /* realism findings of the last run */
    size_t nfind, capfind;
};

/* containment of a flow table in cfg (realism.c) */
sg_status sg_eval__contain(const sg_flow_table *t, const sg_netcfg *cfg, sg_eval_contain *out, sg_error *err);
/* the realism findings selected in e->res.metrics (realism.c); called by sg_eval_run */
sg_status sg_eval__realism(sg_eval *e, sg_error *err);

/* report helpers (report.c) */
const char *sg_eval__arrow(const char *dir);
const char *sg_eval__group_name(uint32_t bit, int title);
void sg_eval__verdict_counts(const sg_eval *e, size_t cnt[3]);
const char *sg_eval__unbroken_rules(const sg_eval *e, char *buf, size_t n);
void sg_eval__write_findings_text(const sg_eval *e, FILE *fp);
size_t sg_eval__metric_rows(const sg_eval_result *r, const char **names, const char **dirs,
                            const char **descr, double *vals);

#endif
