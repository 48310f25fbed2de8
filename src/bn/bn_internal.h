/* Internal layout of sg_bn (shared by bn.c and bn_json.c only). */
#ifndef SECGEN_BN_INTERNAL_H
#define SECGEN_BN_INTERNAL_H

#include "secgen/bn.h"

/* One variable. Fitted parameters are sparse: for each observed parent configuration (sorted
 * lexicographically by the parents' codes, parents in ascending index order) the non-zero counts
 * per state; P(x | j) = (N_jx + alpha) / (N_j + r alpha) over the r observed states. */
typedef struct sg_bn_node {
    char *name;
    uint32_t card;
    size_t k;    /* number of parents */
    size_t *par; /* ascending */
    /* fitted */
    size_t r;            /* observed states */
    uint32_t *states;    /* ascending codes, r */
    void *labels_unused; /* reserved */
    size_t ncfg;         /* observed parent configurations */
    uint32_t *cfg_given; /* ncfg * k parent codes */
    uint64_t *cfg_n;     /* N_j */
    size_t *cfg_off;     /* ncfg + 1 offsets into ent_* */
    uint32_t *ent_state; /* state code of each non-zero count, ascending within a config */
    uint64_t *ent_count; /* N_jx of each entry */
    double *marg;        /* marginal prior's base measure, unnormalised, per state (r):
                          * w_x = sum over configurations j of N_jx / (N_j + s) */
    double nmarg;        /* sum of marg */
} sg_bn_node;

struct sg_bn {
    size_t m;          /* variables */
    sg_bn_node *nodes; /* [m] */
    size_t *topo;      /* [m] a topological order (parents first), smallest index first */
    int fitted;        /* parameters estimated (sg_bn_fit) */
    double alpha;      /* Dirichlet smoothing of the fit (SG_BN_PRIOR_MARGINAL: the prior weight s) */
    int prior;         /* sg_bn_prior of the fit */
    uint64_t nfit;     /* records the parameters were fitted on */
};

void sg_bn__node_clear_fit(sg_bn_node *nd);
int sg_bn__topo(sg_bn *bn);
size_t sg_bn__find_cfg(const sg_bn_node *nd, const uint32_t *vals);
/* fill nd->marg / nd->nmarg from the entries for prior weight s; 0 ok, -1 out of memory */
int sg_bn__node_marg(sg_bn_node *nd, double s);
size_t sg_bn__local_codes(const sg_bn_data *d, size_t v, uint32_t *loc, uint32_t **states);

#endif
