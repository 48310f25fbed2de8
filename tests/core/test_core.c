/* core module: RNG known answers and determinism, hash map, string table, vectors, arena,
 * time and duration parsing, atomic output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secgen/core.h"

void sg_rng_philox_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

static void test_philox_known_answers(void **state)
{
    (void)state;
    /* Random123 kat_vectors for philox4x32_10 */
    uint32_t out[4];
    const uint32_t c0[4] = {0, 0, 0, 0}, k0[2] = {0, 0};
    sg_rng_philox_block(c0, k0, out);
    assert_int_equal(out[0], 0x6627e8d5);
    assert_int_equal(out[1], 0xe169c58d);
    assert_int_equal(out[2], 0xbc57ac4c);
    assert_int_equal(out[3], 0x9b00dbd8);
    const uint32_t c1[4] = {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, k1[2] = {0xffffffff, 0xffffffff};
    sg_rng_philox_block(c1, k1, out);
    assert_int_equal(out[0], 0x408f276d);
    assert_int_equal(out[1], 0x41c83b0e);
    assert_int_equal(out[2], 0xa20bc7c6);
    assert_int_equal(out[3], 0x6d5451fd);
    const uint32_t c2[4] = {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, k2[2] = {0xa4093822, 0x299f31d0};
    sg_rng_philox_block(c2, k2, out);
    assert_int_equal(out[0], 0xd16cfe09);
    assert_int_equal(out[1], 0x94fdcceb);
    assert_int_equal(out[2], 0x5001e420);
    assert_int_equal(out[3], 0x24126ea1);
}

static void test_rng_streams(void **state)
{
    (void)state;
    sg_rng a, b, c;
    sg_rng_init(&a, 42, 1, 7);
    sg_rng_init(&b, 42, 1, 7);
    sg_rng_init(&c, 42, 1, 8);
    int diff = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = sg_rng_u64(&a), y = sg_rng_u64(&b), z = sg_rng_u64(&c);
        assert_true(x == y);
        diff += x != z;
    }
    assert_true(diff > 95);
    /* uniform in range, mean close to 0.5; below() within bounds and roughly uniform */
    double sum = 0;
    int hist[7] = {0};
    for (int i = 0; i < 70000; i++) {
        double u = sg_rng_uniform(&a);
        assert_true(u >= 0 && u < 1);
        sum += u;
        uint64_t k = sg_rng_below(&a, 7);
        assert_true(k < 7);
        hist[k]++;
    }
    assert_true(sum / 70000 > 0.49 && sum / 70000 < 0.51);
    for (int k = 0; k < 7; k++) assert_true(hist[k] > 9400 && hist[k] < 10600);
    double w[3] = {0, 1, 3};
    int cnt[3] = {0};
    for (int i = 0; i < 40000; i++) cnt[sg_rng_categorical(&a, w, 3)]++;
    assert_int_equal(cnt[0], 0);
    assert_true(cnt[2] > 29000 && cnt[2] < 31000);
    double m = 0, v = 0;
    for (int i = 0; i < 50000; i++) {
        double x = sg_rng_normal(&a);
        m += x;
        v += x * x;
    }
    m /= 50000;
    v = v / 50000 - m * m;
    assert_true(m > -0.03 && m < 0.03 && v > 0.96 && v < 1.04);
}

static void test_hashmap(void **state)
{
    (void)state;
    sg_hashmap *m = sg_hashmap_create(0);
    assert_non_null(m);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        assert_int_equal(sg_hashmap_put(m, key, (size_t)n, (uint64_t)i * 3), SG_OK);
    }
    assert_int_equal(sg_hashmap_size(m), 5000);
    for (int i = 0; i < 5000; i += 2) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        assert_int_equal(sg_hashmap_remove(m, key, (size_t)n), 1);
    }
    assert_int_equal(sg_hashmap_size(m), 2500);
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        uint64_t v = 0;
        int found = sg_hashmap_get(m, key, (size_t)n, &v);
        assert_int_equal(found, i % 2);
        if (found) assert_int_equal(v, (uint64_t)i * 3);
    }
    size_t it = 0, count = 0;
    const void *k;
    size_t kl;
    uint64_t v;
    while (sg_hashmap_next(m, &it, &k, &kl, &v)) count++;
    assert_int_equal(count, 2500);
    int ins;
    uint64_t *p = sg_hashmap_upsert(m, "key-1", 5, 99, &ins);
    assert_int_equal(ins, 0);
    assert_int_equal(*p, 3);
    p = sg_hashmap_upsert(m, "", 0, 99, &ins); /* empty key is a key */
    assert_int_equal(ins, 1);
    assert_int_equal(*p, 99);
    sg_hashmap_destroy(m);
}

static void test_strtab_vec_arena(void **state)
{
    (void)state;
    sg_strtab *t = sg_strtab_create();
    assert_int_equal(sg_strtab_intern(t, "TCP", 3), 0);
    assert_int_equal(sg_strtab_intern(t, "UDP", 3), 1);
    assert_int_equal(sg_strtab_intern(t, "TCPX", 3), 0);
    assert_int_equal(sg_strtab_find(t, "UDP", 3), 1);
    assert_int_equal(sg_strtab_find(t, "ICMP", 4), -1);
    assert_string_equal(sg_strtab_str(t, 1), "UDP");
    assert_null(sg_strtab_str(t, 2));
    assert_int_equal(sg_strtab_size(t), 2);
    sg_strtab_destroy(t);

    sg_vec v;
    sg_vec_init(&v, sizeof(int));
    for (int i = 0; i < 1000; i++) assert_int_equal(sg_vec_push(&v, &i), SG_OK);
    assert_int_equal(v.len, 1000);
    assert_int_equal(SG_VEC_AT(&v, int, 999), 999);
    int *g;
    assert_int_equal(sg_vec_grow(&v, 10, (void **)&g), SG_OK);
    assert_int_equal(g[9], 0);
    sg_vec_free(&v);

    sg_arena *a = sg_arena_create(64);
    char *s = sg_arena_strdup(a, "a string longer than the sixty-four byte block of this arena ....");
    assert_string_equal(s, "a string longer than the sixty-four byte block of this arena ....");
    void *x = sg_arena_alloc(a, 3), *y = sg_arena_alloc(a, 5);
    assert_true(((uintptr_t)x & 15) == 0 && ((uintptr_t)y & 15) == 0);
    sg_arena_destroy(a);
}

static int64_t T(const char *s)
{
    int64_t us = -1;
    sg_error err = {0};
    assert_int_equal(sg_time_parse(s, &us, &err), SG_OK);
    return us;
}

static void test_time(void **state)
{
    (void)state;
    assert_true(T("1970-01-01T00:00:00Z") == 0);
    assert_true(T("2017-04-05T10:31:02.123456Z") == 1491388262123456LL);
    assert_true(T("2017-04-05 10:31:02.123") == 1491388262123000LL);
    assert_true(T("2013/10/21 13:22:59.340835") == 1382361779340835LL);
    assert_true(T("2017-04-05") == 1491350400000000LL);
    assert_true(T("2017-04-05T12:31:02+02:00") == 1491388262000000LL);
    assert_true(T("1458298072.364") == 1458298072364000LL);
    assert_true(T("@0") == 0);
    assert_true(T("2016-02-29T00:00") == 1456704000000000LL);
    char buf[40];
    sg_time_format(1491388262123456LL, buf, sizeof buf);
    assert_string_equal(buf, "2017-04-05T10:31:02.123456Z");
    sg_time_format(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
    const char *bad[] = {"", "2017-13-01", "2017-02-30", "2017-04-05T25:00", "yesterday", "2017-04-05X",
                         "2017-04-05T10:31:02.1234567890", "2017-04-05 10:31:02+99:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t us;
        sg_error err = {0};
        assert_int_equal(sg_time_parse(bad[i], &us, &err), SG_ERR_PARSE);
        assert_non_null(strstr(err.msg, "bad time"));
    }
}

static void test_duration(void **state)
{
    (void)state;
    struct { const char *s; int64_t us; } ok[] = {
        {"1h30m", 5400000000LL}, {"90s", 90000000LL}, {"1.5h", 5400000000LL}, {"250ms", 250000LL},
        {"2d", 172800000000LL},  {"1w", 604800000000LL}, {"PT1H30M", 5400000000LL}, {"P1DT2H", 93600000000LL},
        {"45", 45000000LL},      {"10min", 600000000LL}, {"1h0m30s", 3630000000LL}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int64_t us;
        sg_error err = {0};
        assert_int_equal(sg_duration_parse(ok[i].s, &us, &err), SG_OK);
        assert_true(us == ok[i].us);
    }
    const char *bad[] = {"", "h", "1x", "-5s", "PT", "1h 30m", "P1H", "5 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t us;
        sg_error err = {0};
        assert_int_equal(sg_duration_parse(bad[i], &us, &err), SG_ERR_PARSE);
    }
}

static void test_outfile_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/sgcoreXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    sg_error err = {0};
    assert_int_equal(sg_file_write_atomic(path, "good\n", 5, &err), SG_OK);
    /* an aborted rewrite leaves the good file in place and no temporary behind */
    sg_outfile *o;
    assert_int_equal(sg_outfile_open(&o, path, &err), SG_OK);
    fputs("half-writ", sg_outfile_fp(o));
    sg_outfile_abort(o);
    char *data;
    size_t n;
    assert_int_equal(sg_file_read_all(path, &data, &n, &err), SG_OK);
    assert_string_equal(data, "good\n");
    free(data);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) -eq 1", dir);
    assert_int_equal(system(cmd), 0);
    /* unwritable directory: clear error naming the path */
    assert_int_equal(sg_outfile_open(&o, "/nonexistent-dir/x.csv", &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.csv"));
    assert_int_equal(sg_file_read_all("/nonexistent-file", &data, &n, &err), SG_ERR_IO);
    /* special files are written in place: /dev/null stays a character device */
    assert_int_equal(sg_file_write_atomic("/dev/null", "x\n", 2, &err), SG_OK);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    /* through a symbolic link the target is replaced and the link kept */
    char link[160];
    snprintf(link, sizeof link, "%s/link.txt", dir);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(sg_file_write_atomic(link, "new\n", 4, &err), SG_OK);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(sg_file_read_all(path, &data, &n, &err), SG_OK);
    assert_string_equal(data, "new\n");
    free(data);
    /* a directory is refused with its name */
    assert_int_equal(sg_outfile_open(&o, dir, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "directory"));
    unlink(link);
    unlink(path);
    rmdir(dir);
}

static void test_parse_numbers(void **state)
{
    (void)state;
    int64_t i;
    uint64_t u;
    double d;
    assert_int_equal(sg_parse_i64("-42", 3, &i), 0);
    assert_true(i == -42);
    assert_int_equal(sg_parse_u64("18446744073709551615", 20, &u), 0);
    assert_int_equal(sg_parse_u64("18446744073709551616", 20, &u), -1);
    assert_int_equal(sg_parse_u64("12x", 3, &u), -1);
    assert_int_equal(sg_parse_u64("", 0, &u), -1);
    assert_int_equal(sg_parse_double("3.5e2", 5, &d), 0);
    assert_true(d == 350);
    assert_int_equal(sg_parse_double("nan", 3, &d), -1);
    assert_int_equal(sg_parse_double(" 1", 2, &d), -1);
    sg_error err = {0};
    sg_error_set(&err, SG_ERR_PARSE, "line %d: bad", 3);
    sg_error_prefix(&err, "%s: ", "f.csv");
    assert_string_equal(err.msg, "f.csv: line 3: bad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_known_answers), cmocka_unit_test(test_rng_streams),
        cmocka_unit_test(test_hashmap),              cmocka_unit_test(test_strtab_vec_arena),
        cmocka_unit_test(test_time),                 cmocka_unit_test(test_duration),
        cmocka_unit_test(test_outfile_atomic),       cmocka_unit_test(test_parse_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
