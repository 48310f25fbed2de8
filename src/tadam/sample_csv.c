/* TADAM sampling to a file (`automata sample`): n keyed walks written as a sequence CSV. The
 * walk itself is sample.c's. */
#include <stdlib.h>

#include "tadam/tadam_internal.h"

sg_status sg_tadam_sample_csv(const sg_tadam_model *m, uint64_t seed, size_t n, const sg_tadam_sample_opts *o,
                              const char *path, size_t *n_truncated, sg_error *err)
{
    size_t maxlen = o->max_len;
    sg_tadam_event *ev = malloc(maxlen * sizeof *ev);
    const char **syms = malloc(maxlen * sizeof *syms);
    int64_t *iat = malloc(maxlen * sizeof *iat), *pay = malloc(maxlen * sizeof *pay);
    sg_seq_writer *w = NULL;
    size_t truncated = 0;
    sg_status st = SG_OK;
    if (!ev || !syms || !iat || !pay)
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    else
        st = sg_seq_writer_open(&w, path, err);
    for (size_t i = 0; i < n && st == SG_OK; i++) {
        sg_rng r;
        sg_rng_init(&r, seed, SG_STREAM_TADAM_SAMPLE, (uint64_t)i);
        size_t k;
        int complete;
        if ((st = sg_tadam_sample(m, &r, o, ev, maxlen, &k, &complete, err)) != SG_OK) break;
        truncated += !complete;
        for (size_t j = 0; j < k; j++) {
            syms[j] = ev[j].symbol;
            iat[j] = ev[j].iat_us;
            pay[j] = ev[j].payload;
        }
        char id[96];
        snprintf(id, sizeof id, "%s-%zu", m->name ? m->name : "seq", i);
        st = sg_seq_writer_write(w, id, m->proto, m->port, k, syms, iat, pay, err);
    }
    if (w) {
        if (st == SG_OK) st = sg_seq_writer_close(w, err);
        else sg_seq_writer_abort(w);
    }
    if (n_truncated) *n_truncated = truncated;
    free(ev);
    free(syms);
    free(iat);
    free(pay);
    return st;
}
