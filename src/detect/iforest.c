/* Isolation forest (Liu, Ting & Zhou, ICDM 2008): each tree isolates a random sub-sample of psi
 * rows by random axis-parallel cuts up to height ceil(log2 psi); an anomaly is isolated in fewer
 * cuts. Score s(x) = 2^(-E[h(x)] / c(psi)), h = path length + c(size of the leaf reached).
 * Departure from the paper, for a reason: the split feature is drawn among the features that are
 * not constant in the node (the paper draws among all and may waste a cut on a constant one,
 * which only lengthens paths at random); a node with no such feature is a leaf.
 * Tree t draws only from sg_rng(seed, SG_STREAM_DETECT_IFOREST, index0 + t), trees are built in
 * parallel into their own arrays and scores sum the trees in index order: the forest and the
 * scores are identical for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/detect.h"

typedef struct inode {
    int32_t feat;  /* -1 = leaf */
    int32_t left, right;
    uint32_t size; /* rows at a leaf */
    double split;
} inode;

typedef struct itree {
    inode *nodes;
    size_t n, cap;
} itree;

struct sg_iforest {
    size_t dim, psi;
    int ntrees;
    itree *trees;
    double cpsi;
};

/* average path length of an unsuccessful BST search among n points (paper eq. 1) */
static double c_of(double n)
{
    if (n <= 1) return 0;
    if (n == 2) return 1;
    return 2.0 * (log(n - 1) + 0.5772156649015329) - 2.0 * (n - 1) / n;
}

static int push_node(itree *t, inode nd)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        inode *p = realloc(t->nodes, nc * sizeof *p);
        if (!p) return -1;
        t->nodes = p;
        t->cap = nc;
    }
    t->nodes[t->n] = nd;
    return (int)t->n++;
}

/* build the subtree of rows idx[0..m-1]; returns its node index or -1 on OOM */
static int build(itree *t, const double *x, size_t dim, size_t *idx, size_t m, int depth, int hmax, sg_rng *rng,
                 size_t *cand)
{
    inode leaf = {-1, -1, -1, (uint32_t)m, 0};
    if (depth >= hmax || m <= 1) return push_node(t, leaf);
    size_t nc = 0;
    for (size_t f = 0; f < dim; f++) {
        double lo = x[idx[0] * dim + f], hi = lo;
        for (size_t i = 1; i < m; i++) {
            double v = x[idx[i] * dim + f];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (hi > lo) cand[nc++] = f;
    }
    if (nc == 0) return push_node(t, leaf);
    size_t f = cand[sg_rng_below(rng, nc)];
    double lo = x[idx[0] * dim + f], hi = lo;
    for (size_t i = 1; i < m; i++) {
        double v = x[idx[i] * dim + f];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    double split = lo + sg_rng_uniform(rng) * (hi - lo);
    if (split <= lo) split = nextafter(lo, hi); /* keep both sides non-empty */
    /* partition: rows < split to the left */
    size_t a = 0, b = m;
    while (a < b) {
        if (x[idx[a] * dim + f] < split) a++;
        else {
            size_t tmp = idx[a];
            idx[a] = idx[--b];
            idx[b] = tmp;
        }
    }
    inode nd = {(int32_t)f, -1, -1, 0, split};
    int me = push_node(t, nd);
    if (me < 0) return -1;
    int l = build(t, x, dim, idx, a, depth + 1, hmax, rng, cand);
    if (l < 0) return -1;
    int r = build(t, x, dim, idx + a, m - a, depth + 1, hmax, rng, cand);
    if (r < 0) return -1;
    t->nodes[me].left = l;
    t->nodes[me].right = r;
    return me;
}

void sg_iforest_destroy(sg_iforest *f)
{
    if (!f) return;
    if (f->trees)
        for (int t = 0; t < f->ntrees; t++) free(f->trees[t].nodes);
    free(f->trees);
    free(f);
}

sg_status sg_iforest_fit(const double *x, size_t n, size_t dim, int trees, size_t psi, uint64_t seed,
                         uint64_t stream_index0, sg_iforest **out, sg_error *err)
{
    *out = NULL;
    if (n < 2) return sg_error_set(err, SG_ERR_INVALID, "isolation forest: needs at least 2 training rows, got %zu", n);
    if (trees < 1 || dim < 1 || psi < 2)
        return sg_error_set(err, SG_ERR_INVALID, "isolation forest: trees %d, features %zu, sub-sample %zu", trees, dim,
                            psi);
    if (psi > n) psi = n;
    sg_iforest *f = calloc(1, sizeof *f);
    if (!f) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    f->dim = dim;
    f->psi = psi;
    f->ntrees = trees;
    f->cpsi = c_of((double)psi);
    f->trees = calloc((size_t)trees, sizeof *f->trees);
    if (!f->trees) {
        sg_iforest_destroy(f);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    int hmax = (int)ceil(log2((double)psi));
    int failed = 0;
#pragma omp parallel
    {
        size_t *perm = malloc(n * sizeof *perm), *cand = malloc(dim * sizeof *cand);
        if (!perm || !cand) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int t = 0; t < trees; t++) {
            if (!perm || !cand) continue;
            sg_rng rng;
            sg_rng_init(&rng, seed, SG_STREAM_DETECT_IFOREST, stream_index0 + (uint64_t)t);
            /* sub-sample without replacement: partial Fisher-Yates */
            for (size_t i = 0; i < n; i++) perm[i] = i;
            for (size_t i = 0; i < psi; i++) {
                size_t j = i + (size_t)sg_rng_below(&rng, n - i);
                size_t tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
            if (build(&f->trees[t], x, dim, perm, psi, 0, hmax, &rng, cand) < 0) {
#pragma omp atomic write
                failed = 1;
            }
        }
        free(perm);
        free(cand);
    }
    if (failed) {
        sg_iforest_destroy(f);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    *out = f;
    return SG_OK;
}

double sg_iforest_score(const sg_iforest *f, const double *row)
{
    double sum = 0;
    for (int t = 0; t < f->ntrees; t++) {
        const inode *nd = f->trees[t].nodes;
        int i = 0, depth = 0;
        while (nd[i].feat >= 0) {
            double v = row[nd[i].feat];
            i = v < nd[i].split ? nd[i].left : nd[i].right;
            depth++;
        }
        sum += depth + c_of(nd[i].size);
    }
    double eh = sum / f->ntrees;
    return f->cpsi > 0 ? pow(2.0, -eh / f->cpsi) : 0.5;
}
