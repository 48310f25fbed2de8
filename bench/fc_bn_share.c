/* Top-bin share of a numeric column: training records (from the fitted counts) against records
 * sampled from the model's Bayesian networks, instances picked as generation picks them (a training
 * instance uniformly, i.e. each pattern with its usage). Issue 13: UGR'16's top bytes bin got 2.0 % of
 * the sampled records against 2.5 % in training under the K2 tables. Usage: fc_bn_share MODEL COLUMN N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"
#include "bn/bn_internal.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.json COLUMN [N]\n", argv[0]);
        return 2;
    }
    sg_fc_model *m;
    sg_error err = {0};
    if (sg_fc_model_load(argv[1], &m, &err) != SG_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t c = 0;
    while (c < m->C && strcmp(m->col[c].name, argv[2])) c++;
    if (c == m->C || m->col[c].role != FC_ROLE_NUM || m->col[c].nedges < 2) {
        fprintf(stderr, "%s: no binned numeric column '%s'\n", argv[1], argv[2]);
        return 1;
    }
    uint32_t top = (uint32_t)m->col[c].nedges - 1;
    /* training: every record of a pattern row is a record of that row's node counts */
    double trows = 0, ttop = 0;
    for (size_t p = 0; p <= m->npat; p++) {
        const fc_gpat *gp = &m->pats[p];
        for (size_t r = 0; r < gp->p.nrows; r++) {
            trows += (double)gp->usage;
            const fc_cell *x = &gp->p.cell[r][c];
            if (x->kind == FC_FIXED) {
                ttop += m->col[c].code_bin[x->v] == top ? (double)gp->usage : 0;
                continue;
            }
            for (size_t v = 0; v < gp->nvars; v++) {
                if (gp->vrow[v] != r || gp->vcol[v] != c) continue;
                const sg_bn_node *nd = &gp->bn->nodes[v];
                for (size_t e = 0; e < (nd->ncfg ? nd->cfg_off[nd->ncfg] : 0); e++)
                    if (m->col[c].code_bin[nd->ent_state[e]] == top) ttop += (double)nd->ent_count[e];
            }
        }
    }
    long N = argc > 3 ? atol(argv[3]) : 400000;
    double rows = 0, hits = 0;
    uint32_t vals[FC_MAXR * FC_MAXC];
    for (long i = 0; i < N; i++) {
        sg_rng r;
        sg_rng_init(&r, 7, 99, (uint64_t)i);
        const fc_gpat *gp = &m->pats[m->inst_pat[sg_rng_below(&r, m->ninst)]];
        sg_bn_sample(gp->bn, &r, vals);
        uint32_t cell[FC_MAXR][FC_MAXC] = {{0}};
        for (size_t v = 0; v < gp->nvars; v++) cell[gp->vrow[v]][gp->vcol[v]] = vals[v];
        for (size_t rr = 0; rr < gp->p.nrows; rr++) {
            const fc_cell *x = &gp->p.cell[rr][c];
            uint32_t code = x->kind == FC_FIXED ? x->v : cell[rr][c];
            rows++;
            hits += code < m->col[c].ndom && m->col[c].code_bin[code] == top;
        }
    }
    printf("%s: top bin %u of %s: training %.2f %% of %.0f records, sampled from the BNs (%s prior) %.2f %% of %.0f\n",
           argv[1], top, argv[2], 100 * ttop / trows, trows,
           sg_bn_fit_prior_kind(m->pats[m->npat].bn) == SG_BN_PRIOR_MARGINAL ? "marginal" : "K2", 100 * hits / rows, rows);
    sg_fc_model_destroy(m);
    return 0;
}
