/* detect module: label columns of the flow reader, label reading, AUROC / ROC / quantile, the
 * isolation forest, eval's kNN anomaly distance, and a whole run on hand-made flows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/detect.h"
#include "eval/eval_parts.h" /* sg_eval_cols_alloc: tables built by hand */
#include "secgen/flow.h"

#define SHARED(name) SG_TEST_SHARED "/data/" name

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    const char *dir = getenv("TMPDIR");
    char *b = buf[k++ % 4];
    snprintf(b, 512, "%s/sg_det_%ld_%s", dir && *dir ? dir : "/tmp", (long)getpid(), name);
    return b;
}

typedef struct labelled {
    sg_flow_table t;
    sg_strtab *lab;
    sg_vec ids;
    const char *col;
} labelled;

static void read_labelled(const char *name, const char *csv, labelled *L, int from_file)
{
    L->lab = sg_strtab_create();
    sg_vec_init(&L->ids, sizeof(uint32_t));
    sg_flow_read_opts ro = {0};
    ro.labels = L->lab;
    ro.label_ids = &L->ids;
    sg_error e = {0};
    sg_status st = from_file ? sg_flow_read(name, &ro, &L->t, &e) : sg_flow_read_mem(name, csv, strlen(csv), &ro, &L->t, &e);
    if (st != SG_OK) fail_msg("%s: %s", name, e.msg);
    L->col = ro.label_column;
}

static const char *lab_of(const labelled *L, size_t i)
{
    return sg_strtab_str(L->lab, SG_VEC_AT(&L->ids, uint32_t, i));
}

static void free_labelled(labelled *L)
{
    sg_flow_table_free(&L->t);
    sg_strtab_destroy(L->lab);
    sg_vec_free(&L->ids);
}

#define NAT "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags"

static void test_reader_labels(void **state)
{
    (void)state;
    labelled L;
    /* native + label column; a non-IP row is not a flow, so it gets no label either */
    read_labelled("n.csv",
                  NAT ",label\n2020-01-01T00:00:00Z,1,TCP,1.1.1.1,1000,2.2.2.2,80,3,180,2,120,.AP.S.,0\n"
                      "2020-01-01T00:00:01Z,1,UDP,1.1.1.1,1000,2.2.2.2,53,1,60,1,90,......,dns-tunnel\n",
                  &L, 0);
    assert_string_equal(L.col, "label");
    assert_int_equal(L.t.n, 2);
    assert_int_equal(L.ids.len, 2);
    assert_string_equal(lab_of(&L, 0), "0");
    assert_string_equal(lab_of(&L, 1), "dns-tunnel");
    free_labelled(&L);
    /* CIDDS-001 full layout: attackType wins over class */
    read_labelled("c.csv",
                  "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags,"
                  "Tos,class,attackType,attackID,attackDescription\n"
                  "2017-03-15 00:01:16.632,0.000,TCP,192.168.100.5,445,192.168.220.16,58844,1,108,1,.AP...,0,normal,---,---,---\n"
                  "2017-03-15 00:01:16.700,0.000,TCP,192.168.220.16,58844,192.168.100.5,445,1,108,1,.AP...,0,attacker,portScan,3,nmap\n",
                  &L, 0);
    assert_string_equal(L.col, "attackType");
    assert_string_equal(lab_of(&L, 0), "---");
    assert_string_equal(lab_of(&L, 1), "portScan");
    free_labelled(&L);
    /* Argus binetflow with the CTU Label column; the arp row is left out with its label */
    read_labelled("a.csv",
                  "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n"
                  "2011/08/10 09:46:53.047277,3550.182373,udp,212.50.71.179,39678,  <->,147.32.84.229,13363,CON,0,0,12,875,413,flow=Background-UDP-Established\n"
                  "2011/08/10 09:46:53.100000,0.0,arp,1.1.1.1,,who,2.2.2.2,,INT,0,0,1,60,60,flow=Background\n"
                  "2011/08/10 09:46:54.000000,1.0,tcp,147.32.84.165,1025,   ->,1.2.3.4,80,FSPA_FSPA,0,0,10,900,400,flow=From-Botnet-V42-TCP-HTTP\n",
                  &L, 0);
    assert_string_equal(L.col, "label");
    assert_int_equal(L.t.n, 2);
    assert_int_equal(L.ids.len, 2);
    assert_string_equal(lab_of(&L, 1), "flow=From-Botnet-V42-TCP-HTTP");
    free_labelled(&L);
    /* no label column: no labels */
    read_labelled("n.csv", NAT "\n2020-01-01T00:00:00Z,1,TCP,1.1.1.1,1000,2.2.2.2,80,3,180,2,120,.AP.S.\n", &L, 0);
    assert_null(L.col);
    assert_int_equal(L.ids.len, 0);
    free_labelled(&L);
    /* headerless UGR'16: field 13 */
    read_labelled("u.csv",
                  "2016-04-11 00:02:04,0.0,102.216.18.184,42.219.145.151,8080,17379,TCP,.A..S.,0,40,1,44,blacklist\n", &L, 0);
    assert_string_equal(L.col, "lable");
    assert_string_equal(lab_of(&L, 0), "blacklist");
    free_labelled(&L);
}

/* the real labelled data: UGR'16 (STAN's "lable" column) and the NetShare export ("type") */
static void test_reader_labels_real(void **state)
{
    (void)state;
    labelled L;
    read_labelled(SHARED("ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv"), NULL, &L, 1);
    assert_string_equal(L.col, "lable");
    assert_int_equal(L.ids.len, L.t.n);
    size_t black = 0;
    for (size_t i = 0; i < L.t.n; i++) black += !strcmp(lab_of(&L, i), "blacklist");
    assert_true(black > 0);
    free_labelled(&L);
    read_labelled(SHARED("ugr16_flows/netshare_ugr16_small_raw.csv"), NULL, &L, 1);
    assert_string_equal(L.col, "type");
    assert_int_equal(L.t.n, 1000);
    black = 0;
    for (size_t i = 0; i < L.t.n; i++) black += !strcmp(lab_of(&L, i), "blacklist");
    assert_int_equal(black, 1);
    free_labelled(&L);
}

static void test_auroc_roc_quantile(void **state)
{
    (void)state;
    double s[] = {0.1, 0.4, 0.35, 0.8};
    int8_t l[] = {0, 0, 1, 1};
    assert_true(fabs(sg_detect_auroc(s, l, 4) - 0.75) < 1e-12);
    double t[] = {1, 1, 1, 1};
    assert_true(fabs(sg_detect_auroc(t, l, 4) - 0.5) < 1e-12); /* ties count 1/2 */
    int8_t one[] = {0, 0, 0, 0};
    assert_true(isnan(sg_detect_auroc(s, one, 4)));
    double *f, *p;
    size_t n;
    assert_int_equal(sg_detect_roc(s, l, 4, &f, &p, &n, NULL), SG_OK);
    /* thresholds 0.8, 0.4, 0.35, 0.1 */
    double wf[] = {0, 0, 0.5, 0.5, 1}, wt[] = {0, 0.5, 0.5, 1, 1};
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_true(fabs(f[i] - wf[i]) < 1e-12);
        assert_true(fabs(p[i] - wt[i]) < 1e-12);
    }
    free(f);
    free(p);
    double q[] = {4, 1, 3, 2, 5};
    assert_true(fabs(sg_detect_quantile(q, 5, 0.5) - 3) < 1e-12);
    assert_true(fabs(sg_detect_quantile(q, 5, 0.99) - 4.96) < 1e-12); /* numpy.quantile linear */
    assert_true(fabs(sg_detect_quantile(q, 5, 1.0) - 5) < 1e-12);
    assert_true(isnan(sg_detect_quantile(q, 0, 0.5)));
}

/* a dense 2-D cluster and points far outside it */
static double *cluster(size_t n, uint64_t seed)
{
    double *x = malloc(n * 2 * sizeof *x);
    sg_rng r;
    sg_rng_init(&r, seed, 99, 0);
    for (size_t i = 0; i < n * 2; i++) x[i] = sg_rng_normal(&r);
    return x;
}

static void test_iforest(void **state)
{
    (void)state;
    size_t n = 1000;
    double *x = cluster(n, 7);
    sg_iforest *f1, *f2;
    sg_error e = {0};
    int old = sg_threads_get();
    sg_threads_set(1);
    assert_int_equal(sg_iforest_fit(x, n, 2, 100, 256, 42, 0, &f1, &e), SG_OK);
    sg_threads_set(2);
    assert_int_equal(sg_iforest_fit(x, n, 2, 100, 256, 42, 0, &f2, &e), SG_OK);
    sg_threads_set(old);
    double in[2] = {0.1, -0.2}, out[2] = {6, 6}, edge[2] = {2.5, 0};
    double s_in = sg_iforest_score(f1, in), s_out = sg_iforest_score(f1, out), s_edge = sg_iforest_score(f1, edge);
    /* paper: anomalies score near 1, normal points well below 0.5 */
    assert_true(s_out > 0.65);
    assert_true(s_in < 0.5);
    assert_true(s_in < s_edge && s_edge < s_out);
    /* identical for any thread count, bit for bit */
    for (size_t i = 0; i < n; i += 37) {
        double a = sg_iforest_score(f1, x + i * 2), b = sg_iforest_score(f2, x + i * 2);
        assert_memory_equal(&a, &b, sizeof a);
    }
    /* a different stream index gives a different forest */
    sg_iforest *f3;
    assert_int_equal(sg_iforest_fit(x, n, 2, 100, 256, 42, 1u << 20, &f3, &e), SG_OK);
    assert_true(sg_iforest_score(f3, edge) != s_edge);
    sg_iforest_destroy(f1);
    sg_iforest_destroy(f2);
    sg_iforest_destroy(f3);
    assert_int_equal(sg_iforest_fit(x, 1, 2, 100, 256, 42, 0, &f1, &e), SG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "at least 2"));
    free(x);
}

static void test_knn_distance(void **state)
{
    (void)state;
    /* reference: duration 0, 1, 2, 3 (one numeric column once 40+ distinct... here < 40: one-hot) */
    sg_eval_cols ref, q;
    assert_int_equal(sg_eval_cols_alloc(&ref, 50), SG_OK);
    assert_int_equal(sg_eval_cols_alloc(&q, 2), SG_OK);
    for (size_t i = 0; i < 50; i++) ref.cont[SG_EC_DURATION][i] = (double)i; /* 50 distinct: numeric, span 49 */
    q.cont[SG_EC_DURATION][0] = 10.25;
    q.cont[SG_EC_DURATION][1] = 98; /* far above the reference */
    uint32_t mask = 1u << (1 + SG_EC_DURATION);
    double d[2];
    sg_error e = {0};
    assert_int_equal(sg_eval_knn_distance(&ref, NULL, 50, &q, NULL, 2, 2, mask, d, &e), SG_OK);
    /* 2nd nearest of 10.25 among 0..49: 11 (0.75) after 10 (0.25), scaled by 1/49 */
    assert_true(fabs(d[0] - 0.75 / 49) < 1e-12);
    assert_true(fabs(d[1] - (98 - 48) / 49.0) < 1e-12);
    /* a categorical column that differs adds sqrt(2) (one-hot: 1^2 + 1^2) */
    for (size_t i = 0; i < 50; i++) ref.disc[SG_ED_DST_PORT][i] = 1;
    q.disc[SG_ED_DST_PORT][0] = 2;
    mask |= 1u << (1 + SG_EVAL_NCONT + SG_ED_DST_PORT);
    assert_int_equal(sg_eval_knn_distance(&ref, NULL, 50, &q, NULL, 2, 2, mask, d, &e), SG_OK);
    assert_true(fabs(d[0] - sqrt(2 + (0.75 / 49) * (0.75 / 49))) < 1e-12);
    assert_int_equal(sg_eval_knn_distance(&ref, NULL, 1, &q, NULL, 2, 2, mask, d, &e), SG_ERR_INVALID);
    sg_eval_cols_free(&ref);
    sg_eval_cols_free(&q);
}

/* A whole run on hand-made flows: training = web flows; test = web flows (normal) plus port scans
 * (1-packet SYNs to odd ports) and exfiltration (huge uploads). */
static void write_flows(const char *path, size_t n, uint64_t seed, int with_attacks)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, NAT "%s\n", with_attacks ? ",label" : "");
    sg_rng r;
    sg_rng_init(&r, seed, 5, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned pk = 5 + (unsigned)sg_rng_below(&r, 20), bp = 4 + (unsigned)sg_rng_below(&r, 40);
        fprintf(fp, "2020-01-01T00:%02zu:%02zu.000000Z,%.3f,TCP,10.0.0.%u,%u,10.0.1.1,%u,%u,%u,%u,%u,.AP.SF%s\n", i / 60 % 60,
                i % 60, 0.05 + sg_rng_uniform(&r), 1 + (unsigned)sg_rng_below(&r, 50), 30000 + (unsigned)sg_rng_below(&r, 30000),
                sg_rng_below(&r, 2) ? 443 : 80, pk, pk * 60, bp, bp * 900, with_attacks ? ",benign" : "");
        if (with_attacks && i % 4 == 0)
            fprintf(fp, "2020-01-01T00:%02zu:%02zu.500000Z,0.000,TCP,10.9.9.9,40000,10.0.1.1,%u,1,40,1,40,...RS.,portscan\n",
                    i / 60 % 60, i % 60, 1000 + (unsigned)sg_rng_below(&r, 9000));
        if (with_attacks && i % 10 == 0)
            fprintf(fp, "2020-01-01T00:%02zu:%02zu.700000Z,600.000,TCP,10.0.0.7,50000,10.0.1.1,443,90000,120000000,40000,"
                        "2000000,.AP.SF,exfil\n",
                    i / 60 % 60, i % 60);
    }
    fclose(fp);
}

static void test_run(void **state)
{
    (void)state;
    const char *pr = tmp_path("real.csv"), *ps = tmp_path("synth.csv"), *pt = tmp_path("test.csv");
    write_flows(pr, 600, 1, 0);
    write_flows(ps, 600, 2, 0);
    write_flows(pt, 200, 3, 1);
    sg_detect_data *d[3];
    sg_error e = {0};
    const char *p[3] = {pr, ps, pt};
    for (int i = 0; i < 3; i++)
        if (sg_detect_data_load(p[i], &d[i], &e) != SG_OK) fail_msg("%s", e.msg);
    sg_detect_opts o;
    sg_detect_opts_default(&o);
    sg_detect_result *r1, *r2;
    int old = sg_threads_get();
    sg_threads_set(1);
    if (sg_detect_run(d[0], d[1], d[2], &o, &r1, &e) != SG_OK) fail_msg("%s", e.msg);
    sg_threads_set(2);
    assert_int_equal(sg_detect_run(d[0], d[1], d[2], &o, &r2, &e), SG_OK);
    sg_threads_set(old);
    assert_int_equal(r1->n_normal, 200);
    assert_int_equal(r1->n_attack, 70);
    assert_int_equal(r1->nclasses, 2);
    assert_string_equal(r1->classes[0], "exfil");
    assert_string_equal(r1->classes[1], "portscan");
    assert_int_equal(r1->detectors, (1u << SG_DET_KNN) | (1u << SG_DET_IFOREST) | (1u << SG_DET_BN));
    for (int k = 0; k < 3; k++)
        for (int s = 0; s < 2; s++) {
            const sg_detect_eval *a = &r1->ev[k][s], *b = &r2->ev[k][s];
            assert_true(a->done);
            /* such obvious attacks: every detector separates them, at a low false-alarm rate */
            if (a->auroc < 0.95) fail_msg("%s side %d AUROC %.4f", sg_detect_name((sg_det_kind)k), s, a->auroc);
            assert_true(a->fpr < 0.1);
            if (a->tpr < 0.6) fail_msg("%s side %d TPR %.4f FPR %.4f", sg_detect_name((sg_det_kind)k), s, a->tpr, a->fpr);
            assert_true(fabs(sg_detect_utility(r1, (sg_det_kind)k) - r1->ev[k][1].auroc / r1->ev[k][0].auroc) < 1e-15);
            assert_memory_equal(a->scores, b->scores, r1->n_test * sizeof *a->scores);
            assert_true(a->n_fit + a->n_calib == 600);
        }
    sg_detect_result_destroy(r1);
    sg_detect_result_destroy(r2);
    /* sequence detectors on flows: refused with a message naming the detector */
    o.detectors = 1u << SG_DET_TADAM;
    assert_int_equal(sg_detect_run(d[0], d[1], d[2], &o, &r1, &e), SG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "detector tadam reads sequence CSVs"));
    /* labelled training data: its attack rows are left out of training */
    o.detectors = 1u << SG_DET_IFOREST;
    assert_int_equal(sg_detect_run(d[2], d[1], d[2], &o, &r1, &e), SG_OK);
    assert_int_equal(r1->n_train_dropped[0], 70);
    assert_int_equal(r1->n_train_rows[0], 200);
    sg_detect_result_destroy(r1);
    for (int i = 0; i < 3; i++) sg_detect_data_destroy(d[i]);
    unlink(pr);
    unlink(ps);
    unlink(pt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_labels), cmocka_unit_test(test_reader_labels_real),
        cmocka_unit_test(test_auroc_roc_quantile),
        cmocka_unit_test(test_iforest),       cmocka_unit_test(test_knn_distance),
        cmocka_unit_test(test_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
