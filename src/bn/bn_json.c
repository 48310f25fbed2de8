/* JSON (de)serialisation of Bayesian networks. Layout (readable, complete):
 * {"alpha": 1.0, "records": N, "fitted": true,
 *  "nodes": [{"name": "proto", "card": 3, "parents": [1], "parent_names": ["dst_port"],
 *             "states": [0, 2], "labels": ["TCP", "ICMP"],
 *             "cpt": [{"given": [5], "n": 12, "counts": [[0, 11], [2, 1]]}, ...]}, ...]}
 * "cpt" lists the observed parent configurations (codes of the parents in order) with their
 * record count n and the non-zero counts per state; probabilities are
 * (count + alpha) / (n + |states| alpha), unlisted configurations are uniform over "states".
 * With "prior": "marginal" (sg_bn_fit_prior), "alpha" is the prior weight s and probabilities are
 * (count + s pi) / (n + s), pi(x) proportional to the sum over "cpt" of count_x / (n + s);
 * unlisted configurations get pi. Without "prior" (files written before): the uniform prior. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bn/bn_internal.h"

json_t *sg_bn_to_json(const sg_bn *bn, sg_bn_label_fn label, void *ctx)
{
    json_t *root = json_object();
    json_t *nodes = json_array();
    if (!root || !nodes) goto fail;
    json_object_set_new(root, "fitted", json_boolean(bn->fitted));
    json_object_set_new(root, "alpha", json_real(bn->alpha));
    if (bn->fitted && bn->prior == SG_BN_PRIOR_MARGINAL) json_object_set_new(root, "prior", json_string("marginal"));
    json_object_set_new(root, "records", json_integer((json_int_t)bn->nfit));
    for (size_t v = 0; v < bn->m; v++) {
        const sg_bn_node *nd = &bn->nodes[v];
        json_t *o = json_object(), *par = json_array(), *pn = json_array();
        if (!o || !par || !pn) {
            json_decref(o);
            json_decref(par);
            json_decref(pn);
            goto fail;
        }
        json_object_set_new(o, "name", json_string(nd->name));
        json_object_set_new(o, "card", json_integer(nd->card));
        for (size_t p = 0; p < nd->k; p++) {
            json_array_append_new(par, json_integer((json_int_t)nd->par[p]));
            json_array_append_new(pn, json_string(bn->nodes[nd->par[p]].name));
        }
        json_object_set_new(o, "parents", par);
        json_object_set_new(o, "parent_names", pn);
        if (bn->fitted) {
            json_t *st = json_array(), *lb = label ? json_array() : NULL, *cpt = json_array();
            for (size_t s = 0; s < nd->r; s++) {
                json_array_append_new(st, json_integer(nd->states[s]));
                if (lb) {
                    char buf[128];
                    const char *l = label(ctx, v, nd->states[s], buf, sizeof buf);
                    json_array_append_new(lb, json_string(l ? l : ""));
                }
            }
            for (size_t j = 0; j < nd->ncfg; j++) {
                json_t *c = json_object(), *g = json_array(), *cn = json_array();
                for (size_t p = 0; p < nd->k; p++) json_array_append_new(g, json_integer(nd->cfg_given[j * nd->k + p]));
                for (size_t e = nd->cfg_off[j]; e < nd->cfg_off[j + 1]; e++)
                    json_array_append_new(cn, json_pack("[I,I]", (json_int_t)nd->ent_state[e], (json_int_t)nd->ent_count[e]));
                json_object_set_new(c, "given", g);
                json_object_set_new(c, "n", json_integer((json_int_t)nd->cfg_n[j]));
                json_object_set_new(c, "counts", cn);
                json_array_append_new(cpt, c);
            }
            json_object_set_new(o, "states", st);
            if (lb) json_object_set_new(o, "labels", lb);
            json_object_set_new(o, "cpt", cpt);
        }
        json_array_append_new(nodes, o);
    }
    json_object_set_new(root, "nodes", nodes);
    return root;
fail:
    json_decref(nodes);
    json_decref(root);
    return NULL;
}

static int get_u64(const json_t *j, uint64_t *out)
{
    if (!json_is_integer(j)) return -1;
    json_int_t v = json_integer_value(j);
    if (v < 0) return -1;
    *out = (uint64_t)v;
    return 0;
}

sg_status sg_bn_from_json(const json_t *j, sg_bn **out, sg_error *err)
{
    *out = NULL;
    if (!json_is_object(j)) return sg_error_set(err, SG_ERR_PARSE, "bn: JSON object expected");
    const json_t *nodes = json_object_get(j, "nodes");
    if (!json_is_array(nodes)) return sg_error_set(err, SG_ERR_PARSE, "bn: \"nodes\" array missing");
    size_t m = json_array_size(nodes);
    uint32_t *card = calloc(m ? m : 1, sizeof *card);
    const char **names = calloc(m ? m : 1, sizeof *names);
    sg_bn *bn = NULL;
    sg_status st = SG_OK;
    if (!card || !names) {
        st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
        goto out;
    }
    for (size_t v = 0; v < m; v++) {
        const json_t *o = json_array_get(nodes, v);
        uint64_t c;
        const json_t *nm = json_object_get(o, "name");
        if (!json_is_object(o) || !json_is_string(nm) || get_u64(json_object_get(o, "card"), &c) || c == 0 ||
            c > UINT32_MAX) {
            st = sg_error_set(err, SG_ERR_PARSE, "bn: node %zu: \"name\" and \"card\" (1..2^32-1) required", v);
            goto out;
        }
        names[v] = json_string_value(nm);
        card[v] = (uint32_t)c;
    }
    bn = sg_bn_create(m, card, names);
    if (!bn) {
        st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
        goto out;
    }
    for (size_t v = 0; v < m; v++) {
        const json_t *par = json_object_get(json_array_get(nodes, v), "parents");
        size_t k = json_is_array(par) ? json_array_size(par) : 0;
        if (par && !json_is_array(par)) {
            st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': \"parents\" must be an array", names[v]);
            goto out;
        }
        size_t *pp = malloc((k ? k : 1) * sizeof *pp);
        if (!pp) {
            st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
            goto out;
        }
        for (size_t p = 0; p < k; p++) {
            uint64_t x;
            if (get_u64(json_array_get(par, p), &x) || x >= m) {
                free(pp);
                st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': parent %zu is not a node index", names[v], p);
                goto out;
            }
            pp[p] = (size_t)x;
        }
        /* direct assignment (acyclicity checked once at the end) */
        if (k) {
            if (sg_bn_set_parents(bn, v, pp, k, NULL) != SG_OK) {
                /* set_parents rejects cycles given the parents set so far: report it */
                free(pp);
                st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': invalid or cyclic parents", names[v]);
                goto out;
            }
        }
        free(pp);
    }
    const json_t *fitted = json_object_get(j, "fitted");
    if (json_is_true(fitted)) {
        const json_t *a = json_object_get(j, "alpha");
        double alpha = json_is_number(a) ? json_number_value(a) : 1.0;
        uint64_t nfit = 0;
        if (!(alpha > 0) || !isfinite(alpha)) {
            st = sg_error_set(err, SG_ERR_PARSE, "bn: \"alpha\" must be > 0");
            goto out;
        }
        const json_t *pr = json_object_get(j, "prior");
        int prior = SG_BN_PRIOR_UNIFORM;
        if (pr && json_is_string(pr) && !strcmp(json_string_value(pr), "marginal")) prior = SG_BN_PRIOR_MARGINAL;
        else if (pr && !(json_is_string(pr) && !strcmp(json_string_value(pr), "uniform"))) {
            st = sg_error_set(err, SG_ERR_PARSE, "bn: \"prior\" must be \"uniform\" or \"marginal\"");
            goto out;
        }
        bn->prior = prior;
        get_u64(json_object_get(j, "records"), &nfit);
        for (size_t v = 0; v < m; v++) {
            sg_bn_node *nd = &bn->nodes[v];
            const json_t *o = json_array_get(nodes, v);
            const json_t *sts = json_object_get(o, "states"), *cpt = json_object_get(o, "cpt");
            if (!json_is_array(sts) || !json_is_array(cpt)) {
                st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': \"states\" and \"cpt\" arrays required", nd->name);
                goto out;
            }
            nd->r = json_array_size(sts);
            nd->states = malloc((nd->r ? nd->r : 1) * sizeof *nd->states);
            nd->ncfg = json_array_size(cpt);
            nd->cfg_given = malloc((nd->ncfg * nd->k + 1) * sizeof *nd->cfg_given);
            nd->cfg_n = malloc((nd->ncfg ? nd->ncfg : 1) * sizeof *nd->cfg_n);
            nd->cfg_off = malloc((nd->ncfg + 1) * sizeof *nd->cfg_off);
            size_t ne = 0;
            for (size_t c = 0; c < nd->ncfg; c++) {
                const json_t *cn = json_object_get(json_array_get(cpt, c), "counts");
                ne += json_is_array(cn) ? json_array_size(cn) : 0;
            }
            nd->ent_state = malloc((ne ? ne : 1) * sizeof *nd->ent_state);
            nd->ent_count = malloc((ne ? ne : 1) * sizeof *nd->ent_count);
            if (!nd->states || !nd->cfg_given || !nd->cfg_n || !nd->cfg_off || !nd->ent_state || !nd->ent_count) {
                st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
                goto out;
            }
            for (size_t s = 0; s < nd->r; s++) {
                uint64_t x;
                if (get_u64(json_array_get(sts, s), &x) || x >= nd->card || (s && x <= nd->states[s - 1])) {
                    st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': states must be ascending codes < card",
                                      nd->name);
                    goto out;
                }
                nd->states[s] = (uint32_t)x;
            }
            if (nd->r == 0 && nd->ncfg) {
                st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': cpt without states", nd->name);
                goto out;
            }
            size_t e = 0;
            for (size_t c = 0; c < nd->ncfg; c++) {
                const json_t *co = json_array_get(cpt, c);
                const json_t *g = json_object_get(co, "given"), *cn = json_object_get(co, "counts");
                uint64_t n;
                if (!json_is_array(g) || json_array_size(g) != nd->k || !json_is_array(cn) ||
                    get_u64(json_object_get(co, "n"), &n)) {
                    st = sg_error_set(err, SG_ERR_PARSE,
                                      "bn: node '%s': cpt entry %zu needs \"given\" (%zu codes), \"n\", \"counts\"",
                                      nd->name, c, nd->k);
                    goto out;
                }
                for (size_t p = 0; p < nd->k; p++) {
                    uint64_t x;
                    if (get_u64(json_array_get(g, p), &x) || x >= bn->nodes[nd->par[p]].card) {
                        st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': cpt entry %zu: bad parent code", nd->name, c);
                        goto out;
                    }
                    nd->cfg_given[c * nd->k + p] = (uint32_t)x;
                }
                if (c > 0 && nd->k) {
                    int cmp = 0;
                    for (size_t p = 0; p < nd->k && !cmp; p++) {
                        uint32_t a = nd->cfg_given[(c - 1) * nd->k + p], b = nd->cfg_given[c * nd->k + p];
                        cmp = (a > b) - (a < b);
                    }
                    if (cmp >= 0) {
                        st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': cpt configurations must be sorted and unique",
                                          nd->name);
                        goto out;
                    }
                } else if (c > 0) {
                    st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': a root node has one cpt entry", nd->name);
                    goto out;
                }
                nd->cfg_n[c] = n;
                nd->cfg_off[c] = e;
                uint64_t sum = 0;
                for (size_t q = 0; q < json_array_size(cn); q++) {
                    const json_t *pr = json_array_get(cn, q);
                    uint64_t sx, cx;
                    if (!json_is_array(pr) || json_array_size(pr) != 2 || get_u64(json_array_get(pr, 0), &sx) ||
                        get_u64(json_array_get(pr, 1), &cx) || cx == 0) {
                        st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': counts must be [state, count>0] pairs",
                                          nd->name);
                        goto out;
                    }
                    int known = 0;
                    for (size_t s = 0; s < nd->r; s++) known |= nd->states[s] == sx;
                    if (!known || (q > 0 && sx <= nd->ent_state[e - 1])) {
                        st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': count for unknown or unsorted state %llu",
                                          nd->name, (unsigned long long)sx);
                        goto out;
                    }
                    nd->ent_state[e] = (uint32_t)sx;
                    nd->ent_count[e] = cx;
                    sum += cx;
                    e++;
                }
                if (sum != n) {
                    st = sg_error_set(err, SG_ERR_PARSE, "bn: node '%s': cpt entry %zu: n != sum of counts", nd->name, c);
                    goto out;
                }
            }
            nd->cfg_off[nd->ncfg] = e;
            if (sg_bn__node_marg(nd, alpha) != 0) {
                st = sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
                goto out;
            }
        }
        bn->fitted = 1;
        bn->alpha = alpha;
        bn->nfit = nfit;
    }
out:
    free(card);
    free(names);
    if (st != SG_OK) {
        if (bn) {
            bn->fitted = 1; /* make destroy free partial tables */
            sg_bn_destroy(bn);
        }
        return st;
    }
    *out = bn;
    return SG_OK;
}

sg_status sg_bn_save(const sg_bn *bn, const char *path, sg_error *err)
{
    json_t *j = sg_bn_to_json(bn, NULL, NULL);
    if (!j) return sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
    char *s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) return sg_error_set(err, SG_ERR_NOMEM, "bn: out of memory");
    sg_status st = sg_file_write_atomic(path, s, strlen(s), err);
    free(s);
    return st;
}

sg_status sg_bn_load(const char *path, sg_bn **out, sg_error *err)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) return sg_error_set(err, SG_ERR_PARSE, "%s:%d: %s", path, je.line, je.text);
    sg_status st = sg_bn_from_json(j, out, err);
    json_decref(j);
    if (st != SG_OK) sg_error_prefix(err, "%s: ", path);
    return st;
}
