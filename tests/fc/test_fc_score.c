/* FlowChronicle MDL score on hand-computed examples (spec §3.5 and §11 test ideas 1-8, 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/fc_internal.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-5)

/* a data set of the four columns Proto, Src, Dst, Port */
static void build_4cols(fc_data *d, const char *const *proto, const char *const *src, const char *const *dst,
                        const char *const *port, size_t n, const int64_t *t)
{
    fc_rawcol cols[4] = {
        {"proto", FC_ROLE_CAT, FC_F_PROTO, 0, proto, NULL},
        {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0, src, NULL},
        {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0, dst, NULL},
        {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0, port, NULL},
    };
    sg_error err = {0};
    assert_int_equal(fc_data_build(d, cols, 4, n, t, &err), SG_OK);
}

/* spec §3.5 table: Proto, Src, Dst, Port; t = 0, 5, 7, 9, 20 (10 ms units) */
static void build_example(fc_data *d)
{
    static const char *proto[] = {"UDP", "TCP", "UDP", "TCP", "TCP"};
    static const char *src[] = {"A", "A", "B", "C", "B"};
    static const char *dst[] = {"DNS", "W1", "DNS", "W2", "W1"};
    static const char *port[] = {"53", "443", "53", "80", "443"};
    int64_t t[5] = {0, 50000, 70000, 90000, 200000};
    build_4cols(d, proto, src, dst, port, 5, t);
}

/* P = [{Proto=UDP, Port=53, Src=SET(0)}, {Proto=TCP, Port=443, Src=USE(0)}] */
static void example_pattern(const fc_data *d, fc_pat *p)
{
    (void)d;
    fc_pat_init(p, 4, 2);
    p->cell[0][0] = (fc_cell){FC_FIXED, {0}, 0}; /* UDP (first appearance) */
    p->cell[0][3] = (fc_cell){FC_FIXED, {0}, 0}; /* 53 */
    p->cell[0][1] = (fc_cell){FC_SET, {0}, 0};
    p->cell[1][0] = (fc_cell){FC_FIXED, {0}, 1}; /* TCP */
    p->cell[1][3] = (fc_cell){FC_FIXED, {0}, 1}; /* 443 */
    p->cell[1][1] = (fc_cell){FC_USE, {0}, 0};
}

static void test_encoding(void **st)
{
    (void)st;
    fc_data d;
    build_example(&d);
    assert_int_equal(d.col[0].ndom, 2);
    assert_int_equal(d.col[1].ndom, 3);
    assert_int_equal(d.col[2].ndom, 3);
    assert_int_equal(d.col[3].ndom, 3);
    NEAR(d.tau, log2(20.0));
    /* shared address dictionary: A, DNS, W1, B, C, W2 */
    assert_int_equal(d.nip, 6);
    assert_string_equal(d.iplabels[d.code[2][0]], "DNS");
    assert_int_equal(d.code[1][1], d.code[1][0]);
    fc_data_free(&d);
}

static void test_windows(void **st)
{
    (void)st;
    fc_data d;
    build_example(&d);
    fc_pat p;
    example_pattern(&d, &p);
    assert_true(fc_pat_valid(&p, &d));
    assert_int_equal(fc_pat_covered(&p), 5);
    sg_vec w;
    sg_vec_init(&w, sizeof(fc_win));
    assert_int_equal(fc_windows(&d, &p, 0, &w), SG_OK);
    assert_int_equal(w.len, 2);
    fc_win *x = w.data;
    assert_int_equal(x[0].row[0], 0);
    assert_int_equal(x[0].row[1], 1);
    assert_int_equal(x[0].prio, 500);
    assert_int_equal(x[1].row[0], 2);
    assert_int_equal(x[1].row[1], 4);
    assert_int_equal(x[1].prio, 499);
    NEAR(x[0].cost, log2(20.0) + sg_universal_int_bits(6));
    NEAR(x[1].cost, log2(20.0) + sg_universal_int_bits(14));
    uint8_t cov[5] = {0};
    assert_int_equal(fc_windows_score(&d, &p, &w, cov), 10);
    /* time window of 0.1 s (10 units): the second window (delay 13) disappears */
    assert_int_equal(fc_windows(&d, &p, 10, &w), SG_OK);
    assert_int_equal(w.len, 1);
    /* a second row that cannot be completed: TCP/80 from the same source */
    fc_pat q = p;
    q.cell[1][3].v = 2;
    assert_int_equal(fc_windows(&d, &q, 0, &w), SG_OK);
    assert_int_equal(w.len, 0);
    sg_vec_free(&w);
    fc_data_free(&d);
}

static void test_rowcost(void **st)
{
    (void)st;
    fc_data d;
    build_example(&d);
    fc_pat p;
    example_pattern(&d, &p);
    /* folded form */
    p.cell[0][2] = (fc_cell){FC_FIXED, {0}, d.code[2][0]};
    p.cell[1][2] = (fc_cell){FC_FIXED, {0}, d.code[2][1]};
    NEAR(fc_rowcost(&p, 0, &d), 8.169925);
    NEAR(fc_rowcost(&p, 1, &d), 8.169925);
    NEAR(fc_pattern_cost_nobn(&p, &d) + log2(3.0), 20.443380);
    fc_data_free(&d);

    /* §11.3: C = 10, |dom(Proto)| = 4, |dom(Dst Pt)| = 500 */
    fc_data e;
    memset(&e, 0, sizeof e);
    e.C = 10;
    for (size_t c = 0; c < 10; c++) e.col[c].ndom = 7;
    e.col[0].ndom = 4;   /* proto */
    e.col[3].ndom = 500; /* dst port */
    e.col[1].role = e.col[2].role = FC_ROLE_IP;
    fc_pat q;
    fc_pat_init(&q, 10, 2);
    q.cell[0][0] = (fc_cell){FC_FIXED, {0}, 1};
    q.cell[0][3] = (fc_cell){FC_FIXED, {0}, 2};
    q.cell[0][1] = (fc_cell){FC_SET, {0}, 0};
    q.cell[1][3] = (fc_cell){FC_FIXED, {0}, 2};
    q.cell[1][1] = (fc_cell){FC_USE, {0}, 0};
    NEAR(fc_rowcost(&q, 0, &e), 25.779565);
    NEAR(fc_rowcost(&q, 1, &e), 24.949490);
    NEAR(fc_pattern_cost_nobn(&q, &e) + 16 * log2(3.0), 78.607023);
}

static void test_data_cost_and_acceptance(void **st)
{
    (void)st;
    fc_data d;
    build_example(&d);
    sg_error err = {0};
    fc_search *s = fc_search_create(&d, 0, 1 /* empty base DAG as in the spec's example */, &err);
    assert_non_null(s);
    NEAR(fc_search_data_cost(s), 58.545709);
    fc_pat p, folded;
    example_pattern(&d, &p);
    double dc = 0, pc = 0;
    assert_int_equal(fc_search_try_add(s, &p, &dc, &pc, &folded), 1);
    NEAR(dc, 32.614758);
    NEAR(pc, 20.443380);
    /* constant folding: Dst-r0 = DNS, Dst-r1 = W1 */
    assert_int_equal(folded.cell[0][2].kind, FC_FIXED);
    assert_string_equal(d.iplabels[folded.cell[0][2].v], "DNS");
    assert_int_equal(folded.cell[1][2].kind, FC_FIXED);
    assert_string_equal(d.iplabels[folded.cell[1][2].v], "W1");
    assert_int_equal(folded.cell[0][1].kind, FC_SET);
    assert_int_equal(fc_search_npatterns(s), 1);
    NEAR(fc_search_data_cost(s), 32.614758);
    NEAR(fc_search_model_cost(s), 20.443380);
    const fc_mpat *mp = fc_search_pattern(s, 0);
    assert_int_equal(mp->acc.len, 2);
    assert_int_equal(mp->nvars, 1);
    /* uncovered count + sum usage x L = N */
    const uint8_t *cov = fc_search_covered(s);
    size_t nc = 0;
    for (size_t i = 0; i < 5; i++) nc += cov[i];
    assert_int_equal(nc, 4);
    assert_int_equal(cov[3], 0);
    /* adding the same pattern again gains nothing: rejected */
    assert_int_equal(fc_search_try_add(s, &folded, NULL, NULL, NULL), 0);
    fc_search_destroy(s);
    fc_data_free(&d);
}

/* a SET folded: its USE cells become FIXED with the same value (§11.8) */
static void test_fold_set(void **st)
{
    (void)st;
    static const char *proto[] = {"UDP", "TCP", "UDP", "TCP", "TCP"};
    static const char *src[] = {"A", "A", "A", "C", "A"};
    static const char *dst[] = {"DNS", "W1", "DNS", "W2", "W1"};
    static const char *port[] = {"53", "443", "53", "80", "443"};
    int64_t t[5] = {0, 50000, 70000, 90000, 200000};
    fc_rawcol cols[4] = {
        {"proto", FC_ROLE_CAT, FC_F_PROTO, 0, proto, NULL},
        {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0, src, NULL},
        {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0, dst, NULL},
        {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0, port, NULL},
    };
    fc_data d;
    assert_int_equal(fc_data_build(&d, cols, 4, 5, t, NULL), SG_OK);
    fc_search *s = fc_search_create(&d, 0, 1, NULL);
    fc_pat p, folded;
    example_pattern(&d, &p);
    int r = fc_search_try_add(s, &p, NULL, NULL, &folded);
    assert_true(r == 0 || r == 1);
    /* Src is A in both windows: SET and USE both became FIXED(A) */
    assert_int_equal(folded.cell[0][1].kind, FC_FIXED);
    assert_int_equal(folded.cell[1][1].kind, FC_FIXED);
    assert_string_equal(d.iplabels[folded.cell[1][1].v], "A");
    fc_search_destroy(s);
    fc_data_free(&d);
}

/* §11.5: SET on Dst in row 0, USE on Src in row 1 matches "A->B then B->C", not "A->B then A->C" */
static void test_binding_column(void **st)
{
    (void)st;
    static const char *proto[] = {"TCP", "TCP", "TCP", "TCP"};
    static const char *src[] = {"A", "A", "X", "B"};
    static const char *dst[] = {"B", "C", "Y", "C"};
    static const char *port[] = {"22", "80", "22", "80"};
    int64_t t[4] = {0, 10000, 20000, 30000};
    fc_rawcol cols[4] = {
        {"proto", FC_ROLE_CAT, FC_F_PROTO, 0, proto, NULL},
        {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0, src, NULL},
        {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0, dst, NULL},
        {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0, port, NULL},
    };
    fc_data d;
    assert_int_equal(fc_data_build(&d, cols, 4, 4, t, NULL), SG_OK);
    fc_pat p;
    fc_pat_init(&p, 4, 2);
    p.cell[0][3] = (fc_cell){FC_FIXED, {0}, 0}; /* 22 */
    p.cell[0][2] = (fc_cell){FC_SET, {0}, 0};   /* Dst = SET */
    p.cell[1][3] = (fc_cell){FC_FIXED, {0}, 1}; /* 80 */
    p.cell[1][1] = (fc_cell){FC_USE, {0}, 0};   /* Src = USE */
    sg_vec w;
    sg_vec_init(&w, sizeof(fc_win));
    assert_int_equal(fc_windows(&d, &p, 0, &w), SG_OK);
    assert_int_equal(w.len, 1);
    fc_win *x = w.data;
    assert_int_equal(x[0].row[0], 0);
    assert_int_equal(x[0].row[1], 3); /* B -> C, not A -> C (row 1) */
    sg_vec_free(&w);
    fc_data_free(&d);
}

/* earliest completion: the earlier second row is chosen even if a later one leaves fewer gaps */
static void test_earliest_completion(void **st)
{
    (void)st;
    static const char *proto[] = {"UDP", "TCP", "UDP", "TCP"};
    static const char *src[] = {"A", "A", "A", "A"};
    static const char *dst[] = {"DNS", "W", "DNS", "W"};
    static const char *port[] = {"53", "443", "53", "443"};
    int64_t t[4] = {0, 10000, 20000, 30000};
    fc_rawcol cols[4] = {
        {"proto", FC_ROLE_CAT, FC_F_PROTO, 0, proto, NULL},
        {"src_ip", FC_ROLE_IP, FC_F_SRC_IP, 0, src, NULL},
        {"dst_ip", FC_ROLE_IP, FC_F_DST_IP, 0, dst, NULL},
        {"dst_port", FC_ROLE_CAT, FC_F_DST_PORT, 0, port, NULL},
    };
    fc_data d;
    assert_int_equal(fc_data_build(&d, cols, 4, 4, t, NULL), SG_OK);
    fc_pat p;
    fc_pat_init(&p, 4, 2);
    p.cell[0][3] = (fc_cell){FC_FIXED, {0}, 0};
    p.cell[1][3] = (fc_cell){FC_FIXED, {0}, 1};
    sg_vec w;
    sg_vec_init(&w, sizeof(fc_win));
    assert_int_equal(fc_windows(&d, &p, 0, &w), SG_OK);
    assert_int_equal(w.len, 2);
    fc_win *x = w.data;
    assert_int_equal(x[0].row[1], 1);
    assert_int_equal(x[1].row[0], 2);
    assert_int_equal(x[1].row[1], 3);
    sg_vec_free(&w);
    fc_data_free(&d);
}

/* §11.6: overlapping windows of two patterns: the higher-priority one wins, whole windows, whatever
 * the order in which the patterns entered the model. Data: K blocks of [UDP Ai->DNS:53, TCP
 * Ai->W1:443, TCP C->W1:443]. a = one row {TCP, 443} (priority 3 per window: 2 fixed cells + ...)
 * matches all 2K TCP rows; p = [{UDP, 53, Src=SET}, {TCP, 443, Src=USE}] matches the K pairs with
 * a higher priority. The cover must give p its K pair windows and a only the K rows of C (a's
 * windows on the pair rows are dropped entirely). Previously this test only checked that the
 * cover is a partition, which holds whichever pattern wins. */
enum { OV_K = 40 };

static void build_overlap(fc_data *d)
{
    static const char *proto[3 * OV_K], *src[3 * OV_K], *dst[3 * OV_K], *port[3 * OV_K];
    static char names[OV_K][16];
    int64_t t[3 * OV_K];
    for (int k = 0; k < OV_K; k++) {
        snprintf(names[k], sizeof names[k], "A%d", k);
        proto[3 * k] = "UDP", src[3 * k] = names[k], dst[3 * k] = "DNS", port[3 * k] = "53";
        proto[3 * k + 1] = "TCP", src[3 * k + 1] = names[k], dst[3 * k + 1] = "W1", port[3 * k + 1] = "443";
        proto[3 * k + 2] = "TCP", src[3 * k + 2] = "C", dst[3 * k + 2] = "W1", port[3 * k + 2] = "443";
        for (int j = 0; j < 3; j++) t[3 * k + j] = (int64_t)k * 1000000 + j * 20000;
    }
    build_4cols(d, proto, src, dst, port, 3 * OV_K, t);
}

static void check_overlap_cover(const fc_search *s)
{
    const fc_mpat *a = NULL, *p = NULL;
    for (size_t q = 0; q < fc_search_npatterns(s); q++) {
        const fc_mpat *mp = fc_search_pattern(s, q);
        if (mp->p.nrows == 1) a = mp;
        else p = mp;
    }
    assert_non_null(p);
    /* p (higher priority) keeps every one of its windows: the K pairs */
    assert_int_equal(p->acc.len, OV_K);
    uint8_t seen[3 * OV_K] = {0};
    for (size_t j = 0; j < p->acc.len; j++) {
        const fc_win *w = (const fc_win *)p->wins.data + ((const uint32_t *)p->acc.data)[j];
        assert_int_equal(w->row[0] % 3, 0);
        assert_int_equal(w->row[1], w->row[0] + 1);
        seen[w->row[0]]++, seen[w->row[1]]++;
    }
    /* a keeps at most the rows p does not use (its windows on the pair rows are dropped whole);
     * with them alone it may not pay for itself, and pruning then removes it (§6.3) */
    for (size_t j = 0; a && j < a->acc.len; j++) {
        const fc_win *w = (const fc_win *)a->wins.data + ((const uint32_t *)a->acc.data)[j];
        assert_int_equal(w->row[0] % 3, 2);
        seen[w->row[0]]++;
    }
    const uint8_t *cov = fc_search_covered(s);
    for (size_t i = 0; i < 3 * OV_K; i++) {
        assert_true(seen[i] <= 1); /* every flow in at most one window */
        assert_int_equal(!!cov[i], seen[i]);
    }
}

/* a = {TCP, 443}; p = the §3.5 example pattern (same codes: UDP and 53 appear first here too) */
static void overlap_patterns(const fc_data *d, fc_pat *a, fc_pat *p)
{
    fc_pat_init(a, 4, 1);
    a->cell[0][0] = (fc_cell){FC_FIXED, {0}, 1}; /* TCP */
    a->cell[0][3] = (fc_cell){FC_FIXED, {0}, 1}; /* 443 */
    example_pattern(d, p);
}

static void test_cover_overlap(void **st)
{
    (void)st;
    fc_data d;
    build_overlap(&d);
    fc_pat a, p;
    overlap_patterns(&d, &a, &p);
    /* lower priority first, then the higher one */
    fc_search *s = fc_search_create(&d, 0, 1, NULL);
    assert_int_equal(fc_search_try_add(s, &a, NULL, NULL, NULL), 1);
    assert_int_equal(fc_search_try_add(s, &p, NULL, NULL, NULL), 1);
    check_overlap_cover(s);
    fc_search_destroy(s);
    /* higher priority first: the later, lower-priority pattern still gets no pair row */
    s = fc_search_create(&d, 0, 1, NULL);
    assert_int_equal(fc_search_try_add(s, &p, NULL, NULL, NULL), 1);
    assert_true(fc_search_try_add(s, &a, NULL, NULL, NULL) >= 0);
    check_overlap_cover(s);
    fc_search_destroy(s);
    fc_data_free(&d);
}

static void test_binning(void **st)
{
    (void)st;
    /* {0, 0, 1, 2, ..., 100} */
    double v[102];
    v[0] = v[1] = 0;
    for (int i = 1; i <= 100; i++) v[i + 1] = i;
    double edges[41];
    size_t ne = fc_bin_edges(v + 2, 100, edges);
    assert_true(ne >= 2 && ne <= 41);
    NEAR(edges[0], 1.0);
    NEAR(edges[ne - 1], 100.0);
    NEAR(edges[1], 1.0 + 99.0 / 40.0); /* numpy linear quantile */
    assert_int_equal(fc_bin_of(edges, ne, 0.0), 0);
    assert_int_equal(fc_bin_of(edges, ne, 1.0), 1);
    assert_int_equal(fc_bin_of(edges, ne, 100.0), ne - 1);
    for (int i = 1; i <= 100; i++) {
        uint32_t b = fc_bin_of(edges, ne, i);
        assert_true(b >= 1 && b < ne);
        assert_true(i <= edges[b] + 1e-9);
        if (b > 1) assert_true(i > edges[b - 1]);
    }
    /* single distinct non-zero value: one bin */
    double one[3] = {5, 5, 5};
    ne = fc_bin_edges(one, 3, edges);
    assert_int_equal(ne, 1);
    assert_int_equal(fc_bin_of(edges, ne, 5), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_rowcost),
        cmocka_unit_test(test_data_cost_and_acceptance),
        cmocka_unit_test(test_fold_set),
        cmocka_unit_test(test_binding_column),
        cmocka_unit_test(test_earliest_completion),
        cmocka_unit_test(test_cover_overlap),
        cmocka_unit_test(test_binning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
