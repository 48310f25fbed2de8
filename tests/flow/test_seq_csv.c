/* flow module: sequence sets, sequence CSV and HDFS layouts, writers, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/flow.h"

#define FIX(name) SG_TEST_DATA "/flow/" name
#define SHARED(name) SG_TEST_SHARED "/data/" name

static const char *tmp_path(const char *name)
{
    static char buf[2][512];
    static int k;
    const char *dir = getenv("TMPDIR");
    char *b = buf[k++ % 2];
    snprintf(b, 512, "%s/sg_seq_%ld_%s", dir && *dir ? dir : "/tmp", (long)getpid(), name);
    return b;
}

static sg_seq_set *read_ok(const char *path)
{
    sg_seq_set *s = NULL;
    sg_error e = {0};
    if (sg_seq_read(path, &s, &e) != SG_OK) fail_msg("%s: %s", path, e.msg);
    return s;
}

static void assert_same_sets(const sg_seq_set *a, const sg_seq_set *b)
{
    assert_int_equal(sg_seq_set_count(a), sg_seq_set_count(b));
    for (size_t i = 0; i < sg_seq_set_count(a); i++) {
        const sg_seq *x = sg_seq_set_get(a, i), *y = sg_seq_set_get(b, i);
        assert_string_equal(x->id, y->id);
        assert_int_equal(x->proto, y->proto);
        assert_int_equal(x->service_port, y->service_port);
        assert_int_equal(x->label, y->label);
        assert_int_equal(x->n, y->n);
        for (size_t j = 0; j < x->n; j++) {
            assert_string_equal(sg_seq_set_symbol(a, x->sym[j]), sg_seq_set_symbol(b, y->sym[j]));
            assert_true(x->iat_us[j] == y->iat_us[j]);
            assert_true(x->payload[j] == y->payload[j]);
        }
    }
}

static void test_seq_fixture(void **state)
{
    (void)state;
    sg_seq_set *s = read_ok(FIX("seq_small.csv"));
    assert_int_equal(sg_seq_set_count(s), 3);
    const sg_seq *q = sg_seq_set_get(s, 0);
    assert_string_equal(q->id, "f1");
    assert_int_equal(q->proto, SG_PROTO_TCP);
    assert_int_equal(q->service_port, 80);
    assert_int_equal(q->label, -1);
    assert_int_equal(q->n, 5);
    assert_string_equal(sg_seq_set_symbol(s, q->sym[0]), ">S");
    assert_string_equal(sg_seq_set_symbol(s, q->sym[1]), "<SA");
    assert_string_equal(sg_seq_set_symbol(s, q->sym[4]), "<PA");
    assert_true(q->iat_us[4] == 30000 && q->payload[4] == 1448);
    q = sg_seq_set_get(s, 2);
    assert_int_equal(q->proto, 0); /* logs: empty proto/port */
    assert_int_equal(q->service_port, -1);
    assert_true(q->iat_us[1] == 1000000);
    assert_null(sg_seq_set_get(s, 3));
    /* ">S <SA >A >PA <PA > < E5 E22" */
    assert_int_equal(sg_seq_set_nsymbols(s), 9);
    assert_int_equal(sg_seq_set_find_symbol(s, "E22"), 8);
    assert_int_equal(sg_seq_set_find_symbol(s, "E99"), -1);
    assert_int_equal(sg_seq_set_intern(s, "E22"), 8);
    assert_int_equal(sg_seq_set_intern(s, "E99"), 9);
    /* write -> read -> same; write again -> byte-identical */
    sg_error e = {0};
    const char *o1 = tmp_path("a.csv"), *o2 = tmp_path("b.csv");
    assert_int_equal(sg_seq_write(o1, s, &e), SG_OK);
    sg_seq_set *t = read_ok(o1);
    assert_same_sets(s, t);
    assert_int_equal(sg_seq_write(o2, t, &e), SG_OK);
    char *a, *b;
    size_t na, nb;
    assert_int_equal(sg_file_read_all(o1, &a, &na, NULL), SG_OK);
    assert_int_equal(sg_file_read_all(o2, &b, &nb, NULL), SG_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* no labels known: the design's 7 columns exactly */
    assert_true(strncmp(a, "flow_id,proto,service_port,n,symbols,iat_us,payload\nf1,TCP,80,5,>S <SA >A >PA <PA,0 120 80 1000 "
                           "30000,0 0 0 517 1448\n",
                        strlen("flow_id,proto,service_port,n,symbols,iat_us,payload\nf1,TCP,80,5,>S <SA >A >PA <PA,0 120 80 "
                               "1000 30000,0 0 0 517 1448\n")) == 0);
    free(a);
    free(b);
    unlink(o1);
    unlink(o2);
    sg_seq_set_destroy(t);
    sg_seq_set_destroy(s);
}

static void test_hdfs_fixture(void **state)
{
    (void)state;
    sg_seq_set *s = read_ok(FIX("hdfs_small.csv"));
    assert_int_equal(sg_seq_set_count(s), 2);
    const sg_seq *q = sg_seq_set_get(s, 0);
    assert_string_equal(q->id, "blk_1");
    assert_int_equal(q->label, 0);
    assert_int_equal(q->proto, 0);
    assert_int_equal(q->service_port, -1);
    assert_int_equal(q->n, 3);
    assert_true(q->iat_us[0] == 0 && q->iat_us[1] == 7000000 && q->iat_us[2] == 38000000);
    assert_true(q->payload[2] == 0);
    q = sg_seq_set_get(s, 1);
    assert_string_equal(q->id, "blk_-2");
    assert_int_equal(q->label, 1);
    /* labels survive a write/read through the native layout (optional label column) */
    sg_error e = {0};
    const char *o = tmp_path("h.csv");
    assert_int_equal(sg_seq_write(o, s, &e), SG_OK);
    sg_seq_set *t = read_ok(o);
    assert_same_sets(s, t);
    unlink(o);
    sg_seq_set_destroy(t);
    sg_seq_set_destroy(s);
}

static void test_hdfs_real(void **state)
{
    (void)state;
    sg_seq_set *s = read_ok(SHARED("hdfs_loglead_2pct/hdfs_2pct_sequences.csv"));
    size_t n = sg_seq_set_count(s), normal = 0, anomaly = 0, events = 0, minl = SIZE_MAX, maxl = 0;
    assert_int_equal(n, 11501);
    sg_hashmap *lab = sg_hashmap_create(n);
    for (size_t i = 0; i < n; i++) {
        const sg_seq *q = sg_seq_set_get(s, i);
        normal += q->label == 0;
        anomaly += q->label == 1;
        events += q->n;
        if (q->n < minl) minl = q->n;
        if (q->n > maxl) maxl = q->n;
        assert_true(q->iat_us[0] == 0);
        assert_int_equal(sg_hashmap_put(lab, q->id, strlen(q->id), (uint64_t)q->label), SG_OK);
    }
    assert_int_equal(normal, 11151);
    assert_int_equal(anomaly, 350);
    assert_int_equal(events, 222579);
    assert_int_equal(minl, 2);
    assert_int_equal(maxl, 44);
    assert_int_equal(sg_seq_set_nsymbols(s), 24);
    /* labels agree with the separate labels file (block_id,label) */
    char *d;
    size_t len;
    assert_int_equal(sg_file_read_all(SHARED("hdfs_loglead_2pct/hdfs_2pct_labels.csv"), &d, &len, NULL), SG_OK);
    size_t checked = 0;
    char *save = NULL;
    for (char *line = strtok_r(d, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *comma = strchr(line, ',');
        if (!comma || strncmp(line, "block_id,", 9) == 0) continue;
        uint64_t v;
        assert_true(sg_hashmap_get(lab, line, (size_t)(comma - line), &v));
        assert_int_equal((int)v, strcmp(comma + 1, "Anomaly") == 0 ? 1 : 0);
        checked++;
    }
    assert_int_equal(checked, 11501);
    free(d);
    sg_hashmap_destroy(lab);
    sg_seq_set_destroy(s);
}

typedef struct bad_case {
    const char *csv;
    const char *expect;
} bad_case;

#define SH "flow_id,proto,service_port,n,symbols,iat_us,payload\n"
#define HH "block_id,label,n_events,start_epoch_s,duration_s,events,deltas_s\n"

static void test_seq_malformed(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {SH "f1,TCP,80,3,>S <SA,0 1 2,0 0 0\n", "q.csv:2:5 (symbols): 2 elements, but n says 3"},
        {SH "f1,TCP,80,2,>S <SA,0 1 2,0 0\n", "q.csv:2:6 (iat_us): 3 elements, but n says 2"},
        {SH "f1,TCP,80,2,>S <SA,0 1,0\n", "q.csv:2:7 (payload): 1 elements"},
        {SH "f1,TCP,80,2,>S <SA,0 x,0 0\n", "q.csv:2:6 (iat_us): element 2 'x' is not an integer"},
        {SH "f1,TCP,80,2,>S <SA,0 -5,0 0\n", "q.csv:2:6 (iat_us): element 2 '-5' is negative"},
        {SH "f1,TCP,80,2,>S <SA,0 5,0 1.5\n", "q.csv:2:7 (payload): element 2"},
        {SH "f1,TCP,80,-2,>S <SA,0 5,0 1\n", "q.csv:2:4 (n)"},
        {SH "f1,TCP,99999,2,>S <SA,0 5,0 1\n", "q.csv:2:3 (service_port): port 99999 > 65535"},
        {SH "f1,XTP,80,2,>S <SA,0 5,0 1\n", "q.csv:2:2 (proto): unknown protocol"},
        {SH ",TCP,80,2,>S <SA,0 5,0 1\n", "q.csv:2:1 (flow_id): empty id"},
        {SH "f1,TCP,80,2,>S <SA,0 5\n", "q.csv:2:7: row has 6 columns"},
        {SH "f1,TCP,80,99999999999999999999,>S <SA,0 5,0 1\n", "q.csv:2:4 (n)"},
        {SH "f1,TCP,80,2,\">S <SA,0 5,0 1\n", "unterminated quoted field"},
        {HH "blk_1,Normal,3,1,1,E5 E22,0 1\n", "q.csv:2:6 (events): 2 elements, but n_events says 3"},
        {HH "blk_1,We\x01ird,2,1,1,E5 E22,0 1\n", "q.csv:2:2 (label): label 'We?ird' contains a control character"},
        {HH "blk_1,,2,1,1,E5 E22,0 1\n", "q.csv:2:2 (label): empty label"},
        {HH "blk_1,Normal,2,1,1,E5 E22,0 -1\n", "q.csv:2:7 (deltas_s): element 2 '-1': negative"},
        {HH "blk_1,Normal,2,1,1,E5 E22,0 abc\n", "q.csv:2:7 (deltas_s): element 2"},
        {"a,b,c\n1,2,3\n", "q.csv:1: unknown sequence CSV header"},
        {SH "f1,TCP,80,1,>S,0,0\nf\x01,TCP,80,1,>S,0,0\n", "q.csv:3:1 (flow_id): id contains a control character"},
        {SH "f1,TCP,80,1,>\x02S,0,0\n", "q.csv:2:5 (symbols): element 1 contains a control character"},
        {SH "f1,TCP,80,1,>S,0,0,extra\n", "q.csv:2:8: row has 8 columns"},
        {SH "f1,TCP,80,1,>S,99999999999999999999,0\n", "q.csv:2:6 (iat_us): element 1"},
        {"flow_id,proto,service_port,n,symbols,iat_us,payload,label\nf1,TCP,80,1,>S,0,0,may\x7f\n", "q.csv:2:8 (label)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_seq_set *s = (sg_seq_set *)1;
        sg_error e = {0};
        sg_status st = sg_seq_read_mem("q.csv", cases[i].csv, strlen(cases[i].csv), &s, &e);
        if (st == SG_OK) fail_msg("case %zu accepted", i);
        assert_null(s);
        if (!strstr(e.msg, cases[i].expect)) fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, cases[i].expect);
    }
    sg_seq_set *s;
    sg_error e = {0};
    assert_int_equal(sg_seq_read_mem("q.csv", "", 0, &s, &e), SG_ERR_EMPTY);
    assert_int_equal(sg_seq_read_mem("q.csv", NULL, 0, &s, &e), SG_ERR_EMPTY);
    /* header only: empty set */
    assert_int_equal(sg_seq_read_mem("q.csv", SH, strlen(SH), &s, &e), SG_OK);
    assert_int_equal(sg_seq_set_count(s), 0);
    sg_seq_set_destroy(s);
    /* n = 0 with empty lists, CRLF, quoted fields, no final newline */
    const char *ok = SH "\"f,1\",,,0,,,\r\n\"f2\",udp,53,1,\"<\",\"7\",9";
    assert_int_equal(sg_seq_read_mem("q.csv", ok, strlen(ok), &s, &e), SG_OK);
    assert_int_equal(sg_seq_set_count(s), 2);
    assert_string_equal(sg_seq_set_get(s, 0)->id, "f,1");
    assert_int_equal(sg_seq_set_get(s, 0)->n, 0);
    assert_true(sg_seq_set_get(s, 1)->payload[0] == 9);
    sg_seq_set_destroy(s);
    assert_int_equal(sg_seq_read("/nonexistent/seq.csv", &s, &e), SG_ERR_IO);
}

/* secgen detect: any label text is accepted (attack class names), read as normal / anomalous, and
 * kept for per-class reports */
static void test_seq_label_names(void **state)
{
    (void)state;
    const char *csv = "flow_id,proto,service_port,n,symbols,iat_us,payload,label\n"
                      "f1,TCP,80,1,>S,0,0,portscan\nf2,TCP,80,1,>S,0,0,benign\nf3,TCP,80,1,>S,0,0,\n"
                      "f4,TCP,80,1,>S,0,0,Anomaly\nf5,TCP,80,1,>S,0,0,0\n";
    sg_seq_set *s;
    sg_error e = {0};
    if (sg_seq_read_mem("l.csv", csv, strlen(csv), &s, &e) != SG_OK) fail_msg("%s", e.msg);
    assert_int_equal(sg_seq_set_count(s), 5);
    static const int8_t want[] = {1, 0, -1, 1, 0};
    static const char *const names[] = {"portscan", "benign", NULL, "Anomaly", "0"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(sg_seq_set_get(s, i)->label, want[i]);
        if (names[i]) assert_string_equal(sg_seq_set_label_name(s, i), names[i]);
        else assert_null(sg_seq_set_label_name(s, i));
    }
    assert_null(sg_seq_set_label_name(s, 5));
    sg_seq_set_destroy(s);
}

static void test_seq_writer(void **state)
{
    (void)state;
    const char *o = tmp_path("w.csv");
    sg_seq_writer *w;
    sg_error e = {0};
    const char *syms[] = {">S", "<SA", ">A"};
    const int64_t iat[] = {0, 150, 20};
    const int64_t pay[] = {0, 0, 0};
    assert_int_equal(sg_seq_writer_open(&w, o, &e), SG_OK);
    assert_int_equal(sg_seq_writer_write(w, "c1", SG_PROTO_TCP, 443, 3, syms, iat, pay, &e), SG_OK);
    assert_int_equal(sg_seq_writer_write(w, "c2", 0, -1, 3, syms, NULL, NULL, &e), SG_OK);
    const char *bad[] = {">S", "a b"};
    assert_int_equal(sg_seq_writer_write(w, "c3", SG_PROTO_TCP, 443, 2, bad, NULL, NULL, &e), SG_ERR_INVALID);
    const int64_t neg[] = {0, -1, 0};
    assert_int_equal(sg_seq_writer_write(w, "c3", SG_PROTO_TCP, 443, 3, syms, neg, NULL, &e), SG_ERR_INVALID);
    assert_int_equal(sg_seq_writer_close(w, &e), SG_OK);
    char *d;
    size_t n;
    assert_int_equal(sg_file_read_all(o, &d, &n, NULL), SG_OK);
    assert_string_equal(d, "flow_id,proto,service_port,n,symbols,iat_us,payload\n"
                           "c1,TCP,443,3,>S <SA >A,0 150 20,0 0 0\n"
                           "c2,,,3,>S <SA >A,0 0 0,0 0 0\n");
    free(d);
    /* abort leaves nothing behind */
    unlink(o);
    assert_int_equal(sg_seq_writer_open(&w, o, &e), SG_OK);
    assert_int_equal(sg_seq_writer_write(w, "c1", SG_PROTO_TCP, 443, 3, syms, iat, pay, &e), SG_OK);
    sg_seq_writer_abort(w);
    assert_int_not_equal(access(o, F_OK), 0);
    /* set_add validates symbol ids */
    sg_seq_set *s = sg_seq_set_create();
    uint32_t ids[2] = {0, 1};
    assert_int_equal(sg_seq_set_add(s, "x", 0, -1, -1, 2, ids, NULL, NULL), SG_ERR_INVALID);
    assert_int_equal(sg_seq_set_intern(s, "A"), 0);
    assert_int_equal(sg_seq_set_intern(s, "B"), 1);
    assert_int_equal(sg_seq_set_add(s, "x", 0, -1, -1, 2, ids, NULL, NULL), SG_OK);
    assert_true(sg_seq_set_get(s, 0)->iat_us[1] == 0);
    sg_seq_set_destroy(s);
    sg_seq_set_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seq_fixture),   cmocka_unit_test(test_hdfs_fixture),
        cmocka_unit_test(test_hdfs_real),     cmocka_unit_test(test_seq_malformed),
        cmocka_unit_test(test_seq_writer),    cmocka_unit_test(test_seq_label_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
