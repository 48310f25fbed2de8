/* FlowChronicle pattern language (spec §2.1), windows (§2.2), candidate score (§6.2) and the
 * pattern cost L(P) (§3.2-3.3). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

void fc_pat_init(fc_pat *p, size_t C, size_t nrows)
{
    memset(p, 0, sizeof *p);
    p->C = (uint32_t)C;
    p->nrows = (uint32_t)nrows;
}

void fc_pat_canon(fc_pat *p)
{
    uint32_t map[FC_MAXR * FC_MAXC];
    uint32_t next = 0;
    for (size_t i = 0; i < FC_MAXR * FC_MAXC; i++) map[i] = UINT32_MAX;
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++) {
            fc_cell *x = &p->cell[r][c];
            if (x->kind == FC_SET || x->kind == FC_USE) {
                uint32_t k = x->v < FC_MAXR * FC_MAXC ? x->v : 0;
                if (map[k] == UINT32_MAX) map[k] = next++;
                x->v = map[k];
            }
        }
    /* clear everything outside the pattern so byte comparisons are meaningful */
    for (size_t r = 0; r < FC_MAXR; r++)
        for (size_t c = 0; c < FC_MAXC; c++) {
            fc_cell *x = &p->cell[r][c];
            memset(x->pad, 0, sizeof x->pad);
            if (r >= p->nrows || c >= p->C || x->kind == FC_FREE) {
                x->kind = FC_FREE;
                x->v = 0;
            }
        }
}

size_t fc_pat_covered(const fc_pat *p)
{
    size_t n = 0;
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++) n += p->cell[r][c].kind == FC_FIXED || p->cell[r][c].kind == FC_USE;
    return n;
}

size_t fc_pat_nplaceholders(const fc_pat *p)
{
    size_t n = 0;
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++) n += p->cell[r][c].kind == FC_SET;
    return n;
}

int fc_pat_valid(const fc_pat *p, const fc_data *d)
{
    if (p->nrows < 1 || p->nrows > FC_MAXR || p->C != d->C) return 0;
    int setrow[FC_MAXR * FC_MAXC];
    for (size_t i = 0; i < FC_MAXR * FC_MAXC; i++) setrow[i] = -1;
    for (size_t r = 0; r < p->nrows; r++) {
        size_t anchor = 0;
        for (size_t c = 0; c < p->C; c++) {
            const fc_cell *x = &p->cell[r][c];
            switch (x->kind) {
            case FC_FREE: break;
            case FC_FIXED:
                if (x->v >= d->codespace[c]) return 0;
                anchor++;
                break;
            case FC_SET:
                if (d->col[c].role != FC_ROLE_IP || x->v >= FC_MAXR * FC_MAXC || setrow[x->v] >= 0) return 0;
                setrow[x->v] = (int)r;
                break;
            case FC_USE:
                if (d->col[c].role != FC_ROLE_IP || r == 0 || x->v >= FC_MAXR * FC_MAXC) return 0;
                anchor++;
                break;
            default: return 0;
            }
        }
        if (!anchor) return 0;
    }
    /* every USE(k) preceded by SET(k) in an earlier row; every SET used at least once */
    int used[FC_MAXR * FC_MAXC] = {0};
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++) {
            const fc_cell *x = &p->cell[r][c];
            if (x->kind != FC_USE) continue;
            if (setrow[x->v] < 0 || setrow[x->v] >= (int)r) return 0;
            used[x->v] = 1;
        }
    for (size_t k = 0; k < FC_MAXR * FC_MAXC; k++)
        if (setrow[k] >= 0 && !used[k]) return 0;
    return 1;
}

size_t fc_pat_key(const fc_pat *p, unsigned char *buf)
{
    size_t o = 0;
    buf[o++] = (unsigned char)p->nrows;
    buf[o++] = (unsigned char)p->C;
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++) {
            const fc_cell *x = &p->cell[r][c];
            if (x->kind == FC_FREE) continue;
            buf[o++] = (unsigned char)(r * 16 + c);
            buf[o++] = x->kind;
            memcpy(buf + o, &x->v, 4);
            o += 4;
        }
    return o;
}

int fc_pat_from_key(fc_pat *p, const unsigned char *key, size_t len, size_t C)
{
    if (len < 2) return -1;
    fc_pat_init(p, C, key[0]);
    if (key[0] < 1 || key[0] > FC_MAXR || key[1] != C) return -1;
    for (size_t o = 2; o + 6 <= len; o += 6) {
        size_t r = key[o] / 16, c = key[o] % 16;
        if (r >= p->nrows || c >= C) return -1;
        p->cell[r][c].kind = key[o + 1];
        memcpy(&p->cell[r][c].v, key + o + 2, 4);
    }
    return 0;
}

size_t fc_pat_vars(const fc_pat *p, uint8_t *vrow, uint8_t *vcol)
{
    size_t m = 0;
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < p->C; c++) {
            int k = p->cell[r][c].kind;
            if (k == FC_FREE || k == FC_SET) {
                vrow[m] = (uint8_t)r;
                vcol[m] = (uint8_t)c;
                m++;
            }
        }
    return m;
}

/* ---- windows ------------------------------------------------------------------------------- */

static size_t lower_bound_u32(const uint32_t *a, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int row_matches(const fc_data *d, const fc_pat *p, size_t r, size_t i, const uint32_t *bind)
{
    for (size_t c = 0; c < p->C; c++) {
        const fc_cell *x = &p->cell[r][c];
        if (x->kind == FC_FIXED) {
            if (d->code[c][i] != x->v) return 0;
        } else if (x->kind == FC_USE) {
            if (d->code[c][i] != bind[x->v]) return 0;
        }
    }
    return 1;
}

/* the shortest posting list among the row's FIXED / USE constraints */
static void drive_list(const fc_data *d, const fc_pat *p, size_t r, const uint32_t *bind, const uint32_t **list,
                       size_t *len)
{
    *list = NULL;
    *len = SIZE_MAX;
    for (size_t c = 0; c < p->C; c++) {
        const fc_cell *x = &p->cell[r][c];
        uint32_t v;
        if (x->kind == FC_FIXED) v = x->v;
        else if (x->kind == FC_USE) v = bind[x->v];
        else continue;
        if (v >= d->codespace[c]) {
            *list = NULL;
            *len = 0;
            return;
        }
        size_t l = d->post_off[c][v + 1] - d->post_off[c][v];
        if (l < *len) {
            *len = l;
            *list = d->post_idx[c] + d->post_off[c][v];
        }
    }
    if (*len == SIZE_MAX) *len = 0;
}

static int cmp_win(const void *a, const void *b)
{
    const fc_win *x = a, *y = b;
    if (x->prio != y->prio) return x->prio > y->prio ? -1 : 1;
    return (x->row[0] > y->row[0]) - (x->row[0] < y->row[0]);
}

sg_status fc_windows_ex(const fc_data *d, const fc_pat *p, int64_t max_delay_units, sg_vec *out, int with_cost)
{
    return fc_windows_range(d, p, max_delay_units, 0, d->n, out, with_cost);
}

sg_status fc_windows_range(const fc_data *d, const fc_pat *p, int64_t max_delay_units, size_t lo, size_t hi, sg_vec *out,
                           int with_cost)
{
    sg_vec_clear(out);
    size_t L = p->nrows;
    if (L == 0) return SG_OK;
    int64_t covered = (int64_t)fc_pat_covered(p);
    uint32_t bind[FC_MAXR * FC_MAXC];
    const uint32_t *s0;
    size_t n0;
    memset(bind, 0, sizeof bind);
    drive_list(d, p, 0, bind, &s0, &n0);
    size_t a0 = lo ? lower_bound_u32(s0, n0, (uint32_t)lo) : 0;
    for (size_t a = a0; a < n0; a++) {
        size_t s = s0[a];
        if (s >= hi) break;
        if (!row_matches(d, p, 0, s, bind)) continue;
        fc_win w;
        memset(&w, 0, sizeof w);
        w.row[0] = (uint32_t)s;
        for (size_t c = 0; c < p->C; c++)
            if (p->cell[0][c].kind == FC_SET) bind[p->cell[0][c].v] = d->code[c][s];
        size_t prev = s;
        int ok = 1;
        for (size_t r = 1; r < L && ok; r++) {
            const uint32_t *lst;
            size_t ln;
            drive_list(d, p, r, bind, &lst, &ln);
            size_t j = lower_bound_u32(lst, ln, (uint32_t)(prev + 1));
            ok = 0;
            for (; j < ln; j++) {
                size_t i = lst[j];
                if (max_delay_units > 0 && d->t[i] - d->t[prev] > max_delay_units) break;
                if (row_matches(d, p, r, i, bind)) {
                    ok = 1;
                    w.row[r] = (uint32_t)i;
                    for (size_t c = 0; c < p->C; c++)
                        if (p->cell[r][c].kind == FC_SET) bind[p->cell[r][c].v] = d->code[c][i];
                    prev = i;
                    break;
                }
            }
        }
        if (!ok) continue;
        int64_t gaps = (int64_t)w.row[L - 1] - (int64_t)w.row[0] - (int64_t)(L - 1);
        w.prio = 100 * covered - gaps;
        double cost = d->tau;
        if (with_cost)
            for (size_t r = 0; r + 1 < L; r++) cost += fc_ln(d, (uint64_t)(d->t[w.row[r + 1]] - d->t[w.row[r]] + 1));
        w.cost = cost;
        if (sg_vec_push(out, &w) != SG_OK) return SG_ERR_NOMEM;
    }
    if (out->len > 1) qsort(out->data, out->len, sizeof(fc_win), cmp_win);
    return SG_OK;
}

sg_status fc_windows(const fc_data *d, const fc_pat *p, int64_t max_delay_units, sg_vec *out)
{
    return fc_windows_ex(d, p, max_delay_units, out, 1);
}

uint64_t fc_windows_score(const fc_data *d, const fc_pat *p, const sg_vec *wins, uint8_t *cov)
{
    (void)d;
    size_t L = p->nrows, kept = 0;
    const fc_win *w = wins->data;
    for (size_t k = 0; k < wins->len; k++) {
        int free_ = 1;
        for (size_t r = 0; r < L && free_; r++) free_ = !cov[w[k].row[r]];
        if (!free_) continue;
        for (size_t r = 0; r < L; r++) cov[w[k].row[r]] = 1;
        kept++;
    }
    for (size_t k = 0; k < wins->len; k++)
        for (size_t r = 0; r < L; r++) cov[w[k].row[r]] = 0;
    return (uint64_t)kept * fc_pat_covered(p);
}

/* ---- costs ----------------------------------------------------------------------------------- */

double fc_rowcost(const fc_pat *p, size_t r, const fc_data *d)
{
    double C = (double)p->C;
    size_t F = 0, U = 0, S = 0, nset_before = 0;
    double fixed_vals = 0.0;
    for (size_t c = 0; c < p->C; c++) {
        int k = p->cell[r][c].kind;
        if (k == FC_FIXED) {
            F++;
            fixed_vals += log2((double)(d->col[c].ndom ? d->col[c].ndom : 1));
        } else if (k == FC_USE) U++;
        else if (k == FC_SET) S++;
    }
    for (size_t q = 0; q < r; q++)
        for (size_t c = 0; c < p->C; c++) nset_before += p->cell[q][c].kind == FC_SET;
    double cost = log2(C) + sg_log2_binom(C, (double)F) + fixed_vals;
    if (r > 0 && nset_before > 0 && (C - (double)F - (double)S) > 0)
        cost += log2(C - (double)F - (double)S) + sg_log2_binom(C - (double)F, (double)U) +
                (double)U * log2((double)nset_before);
    double R = C - (double)F - (double)U;
    cost += (R > 0 ? log2(R) : 0.0) + sg_log2_binom(R, (double)S);
    return cost;
}

double fc_pattern_cost_nobn(const fc_pat *p, const fc_data *d)
{
    double c = sg_universal_int_bits(p->nrows);
    for (size_t r = 0; r < p->nrows; r++) c += fc_rowcost(p, r, d);
    return c;
}
