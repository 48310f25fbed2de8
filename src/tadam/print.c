/* TADAM model views: human-readable summary and Graphviz dot. */
#include <stdio.h>
#include <string.h>

#include "tadam/tadam_internal.h"

sg_status sg_tadam_model_print(const sg_tadam_model *m, FILE *fp)
{
    char pb[16];
    fprintf(fp, "automaton \"%s\"", m->name ? m->name : "");
    if (m->proto) fprintf(fp, "  proto %s", sg_proto_name(m->proto, pb, sizeof pb));
    if (m->port >= 0) fprintf(fp, "  port %d", (int)m->port);
    if (m->imported_from) fprintf(fp, "  (imported from %s)", m->imported_from);
    fprintf(fp, "\n  %u states (initial %u, final %u), %u edges, %u symbols incl. \"$\"\n", m->n_states, m->initial,
            m->final, m->n_edges, m->n_sym);
    fprintf(fp, "  noise: tr %.4f  add %.4f  dup %.4f  swap %.4f  del %.4f\n", m->pi[0], m->pi[1], m->pi[2], m->pi[3],
            m->pi[4]);
    if (m->cost_model > 0 || m->cost_data > 0)
        fprintf(fp,
                "  MDL: total %.1f bits = model %.1f + data %.1f (matched %.1f, corrected %.1f, uncorrected %.1f, "
                "status %.1f)\n",
                m->cost_model + m->cost_data, m->cost_model, m->cost_data, m->cost_matched, m->cost_corrected,
                m->cost_uncorrected, m->cost_status);
    if (m->n_train)
        fprintf(fp, "  training: %zu sequences, %zu events (%zu matched, %zu repaired, %zu sent verbatim), %u iterations\n",
                m->n_train, m->n_train_events, m->n_matched, m->n_corrected, m->n_uncorrected, m->iterations);
    if (m->no_verbatim)
        fprintf(fp, "  minimum structure: every word parsed or repaired (the MDL optimum sent %zu of %zu verbatim)\n",
                m->mdl_uncorrected, m->n_train);
    for (uint32_t q = 0; q < m->n_states; q++) {
        if (m->out_off[q] == m->out_off[q + 1]) continue;
        fprintf(fp, "  state %u%s:\n", q, q == m->initial ? " (initial)" : "");
        for (uint32_t k = m->out_off[q]; k < m->out_off[q + 1]; k++) {
            const tdm_edge *E = &m->edges[m->out_idx[k]];
            char q[80];
            snprintf(q, sizeof q, "\"%s\"", m->sym[E->sym].name);
            fprintf(fp, "    %-14s -> %-4u p=%.3f", q, E->dst, E->p);
            if (E->sym != TDM_END)
                fprintf(fp, "  iat~%.0fus (x%.1f)  payload~%.0fB", tdm_ungrid(E->g.mu[0], m->scale_iat),
                        exp2(sqrt(E->g.cov[0]) / m->scale_iat), tdm_ungrid(E->g.mu[1], m->scale_payload));
            fprintf(fp, "\n");
        }
    }
    return ferror(fp) ? SG_ERR_IO : SG_OK;
}

static void dot_escape(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', fp);
        fputc(*s, fp);
    }
}

sg_status sg_tadam_model_print_dot(const sg_tadam_model *m, FILE *fp)
{
    fprintf(fp, "digraph \"");
    dot_escape(fp, m->name ? m->name : "automaton");
    fprintf(fp, "\" {\n  rankdir=LR;\n  node [shape=circle];\n  start [shape=point];\n");
    fprintf(fp, "  %u [shape=doublecircle];\n  start -> %u;\n", m->final, m->initial);
    for (uint32_t e = 0; e < m->n_edges; e++) {
        const tdm_edge *E = &m->edges[e];
        fprintf(fp, "  %u -> %u [label=\"", E->src, E->dst);
        dot_escape(fp, m->sym[E->sym].name);
        fprintf(fp, " %.2f", E->p);
        if (E->sym != TDM_END)
            fprintf(fp, "\\niat~%.0fus len~%.0f", tdm_ungrid(E->g.mu[0], m->scale_iat),
                    tdm_ungrid(E->g.mu[1], m->scale_payload));
        fprintf(fp, "\"];\n");
    }
    fprintf(fp, "}\n");
    return ferror(fp) ? SG_ERR_IO : SG_OK;
}
