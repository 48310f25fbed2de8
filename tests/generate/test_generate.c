/* The generate module's library entry point: the same options give the same bytes as `secgen
 * generate` (pcap + ground truth, flow-only, with and without a network config, a config without a
 * pcap = the pcap run's ground truth), repeated runs and
 * 1 vs 2 threads are identical, a caller's sink sees every flow in order, bad options are refused
 * without leaving files. The CLI binary is the `secgen` next to this test executable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secgen/generate.h"

static char tmpdir[512];
static char cli[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/sg_generate_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) return -1;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    snprintf(cli, sizeof cli, "%s/secgen", dirname(exe));
    return access(cli, X_OK);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path(char *buf, const char *name) { snprintf(buf, PATH_MAX, "%s/%s", tmpdir, name); }

static char *slurp(const char *p, size_t *n)
{
    char *d = NULL;
    sg_error err = {0};
    assert_int_equal(sg_file_read_all(p, &d, n, &err), SG_OK);
    return d;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    assert_true(na > 0);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
}

static void run_cli(const char *args)
{
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' generate -q %s", tmpdir, cli, args);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc));
    assert_int_equal(WEXITSTATUS(rc), 0);
}

static void run_lib(const sg_generate_opts *o, sg_generate_result *res)
{
    sg_error err = {0};
    sg_status s = sg_generate_once(o, res, &err);
    if (s != SG_OK) fail_msg("%s", err.msg);
}

static void write_config(void)
{
    char p[PATH_MAX];
    path(p, "net.yaml");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("hosts:\n"
          "  - hostname: web\n"
          "    interfaces: [{ip_addr: 10.20.0.10, services: [https, http, \"http:8082\", smb]}]\n"
          "  - hostname: dns\n"
          "    interfaces: [{ip_addr: 10.20.0.53, services: [dns, netbios-ns, netbios-dgm, ssdp, mdns]}]\n"
          "  - hostname: pc1\n"
          "    interfaces: [{ip_addr: 10.20.1.1}]\n",
          fp);
    fclose(fp);
}

/* pcap + ground truth with the embedded models: library == CLI, and with a config */
static void test_pcap_matches_cli(void **state)
{
    (void)state;
    write_config();
    char lp[PATH_MAX], lf[PATH_MAX], cp[PATH_MAX], cf[PATH_MAX], cfg[PATH_MAX];
    path(lp, "lib.pcap");
    path(lf, "lib.csv");
    path(cp, "cli.pcap");
    path(cf, "cli.csv");
    path(cfg, "net.yaml");
    for (int with_cfg = 0; with_cfg < 2; with_cfg++) {
        sg_generate_opts o;
        sg_generate_opts_init(&o);
        o.duration_us = 90 * 1000000LL;
        o.seed = 11;
        o.pcap_path = lp;
        o.flows_out = lf;
        o.config_path = with_cfg ? cfg : NULL;
        sg_generate_result r;
        run_lib(&o, &r);
        assert_true(r.has_pcap);
        assert_true(r.flows_written > 10);
        run_cli(with_cfg ? "-d 90s -s 11 -c net.yaml -o cli.pcap --flows-out cli.csv" : "-d 90s -s 11 -o cli.pcap --flows-out cli.csv");
        assert_same_file(lp, cp);
        assert_same_file(lf, cf);
    }
    /* a config without a pcap: the same connections as the pcap run's ground truth, and -n N */
    char nf[PATH_MAX];
    path(nf, "cfg_only.csv");
    sg_generate_opts o;
    sg_generate_opts_init(&o);
    o.duration_us = 90 * 1000000LL;
    o.seed = 11;
    o.flows_out = nf;
    o.config_path = cfg;
    sg_generate_result r;
    run_lib(&o, &r);
    assert_false(r.has_pcap);
    assert_same_file(nf, cf);
    o.duration_us = 0;
    o.max_flows = 123;
    run_lib(&o, &r);
    assert_int_equal(r.flows_written, 123);
    run_cli("-n 123 -s 11 -c net.yaml --flows-out cli.csv");
    assert_same_file(nf, cf);
}

/* flow-only output, -n, model layout (CIDDS for the embedded model) and --flows-format */
static void test_flows_match_cli(void **state)
{
    (void)state;
    char lf[PATH_MAX], cf[PATH_MAX];
    path(lf, "lib_f.csv");
    path(cf, "cli_f.csv");
    sg_generate_opts o;
    sg_generate_opts_init(&o);
    o.max_flows = 700;
    o.seed = 5;
    o.flows_out = lf;
    sg_generate_result r;
    run_lib(&o, &r);
    assert_int_equal(r.flows_format, SG_FMT_CIDDS);
    assert_int_equal(r.flows_written, 700);
    run_cli("-n 700 -s 5 --flows-out cli_f.csv");
    assert_same_file(lf, cf);
    o.max_flows = 0;
    o.duration_us = 600 * 1000000LL;
    o.flows_format = SG_FMT_NATIVE;
    o.scale = 2;
    run_lib(&o, &r);
    assert_int_equal(r.flows_format, SG_FMT_NATIVE);
    run_cli("-d 10m -s 5 --scale 2 --flows-format native --flows-out cli_f.csv");
    assert_same_file(lf, cf);
}

/* repeated runs and 1 vs 2 threads give the same bytes */
static void test_repeat_and_threads(void **state)
{
    (void)state;
    char a[PATH_MAX], b[PATH_MAX], af[PATH_MAX], bf[PATH_MAX];
    path(a, "a.pcap");
    path(b, "b.pcap");
    path(af, "a.csv");
    path(bf, "b.csv");
    sg_generate_opts o;
    sg_generate_opts_init(&o);
    o.duration_us = 60 * 1000000LL;
    o.seed = 3;
    o.pcap_path = a;
    o.flows_out = af;
    sg_generate_result r;
    sg_threads_set(1);
    run_lib(&o, &r);
    sg_threads_set(2);
    o.pcap_path = b;
    o.flows_out = bf;
    run_lib(&o, &r);
    assert_same_file(a, b);
    assert_same_file(af, bf);
    run_lib(&o, &r); /* again, same process: no state survives a run */
    assert_same_file(a, b);
    assert_same_file(af, bf);
    sg_threads_set(0);
}

typedef struct counter {
    uint64_t n, next_index;
    int64_t last_start;
    int finished, ordered;
} counter;

static sg_status count_flow(void *ctx, const sg_flow *f, uint64_t index, sg_error *err)
{
    (void)err;
    counter *c = ctx;
    if (index != c->next_index || f->start_us < c->last_start) c->ordered = 0;
    c->next_index = index + 1;
    c->last_start = f->start_us;
    c->n++;
    return SG_OK;
}

static sg_status count_finish(void *ctx, sg_error *err)
{
    (void)err;
    ((counter *)ctx)->finished++;
    return SG_OK;
}

static sg_status refuse(void *ctx, const sg_flow *f, uint64_t index, sg_error *err)
{
    (void)ctx;
    (void)f;
    return index == 10 ? sg_error_set(err, SG_ERR_INVALID, "sink refused flow 10") : SG_OK;
}

static void test_sinks(void **state)
{
    (void)state;
    char p[PATH_MAX];
    path(p, "sink.csv");
    sg_generate_opts o;
    sg_generate_opts_init(&o);
    o.max_flows = 300;
    o.flows_out = p;
    sg_generate *g = NULL;
    sg_error err = {0};
    assert_int_equal(sg_generate_create(&o, &g, &err), SG_OK);
    counter c = {.last_start = INT64_MIN, .ordered = 1};
    sg_generate_sink s = {.ctx = &c, .flow = count_flow, .finish = count_finish};
    assert_int_equal(sg_generate_add_sink(g, &s, &err), SG_OK);
    sg_generate_result r;
    assert_int_equal(sg_generate_run(g, &r, &err), SG_OK);
    assert_int_equal(c.n, r.flows_in);
    assert_int_equal(c.n, 300);
    assert_int_equal(c.finished, 1);
    assert_true(c.ordered);
    assert_int_not_equal(sg_generate_run(g, &r, &err), SG_OK); /* once only */
    sg_generate_destroy(g);
    /* a failing sink stops the run and nothing is left behind */
    char q[PATH_MAX];
    path(q, "refused.csv");
    o.flows_out = q;
    assert_int_equal(sg_generate_create(&o, &g, &err), SG_OK);
    sg_generate_sink bad = {.flow = refuse};
    assert_int_equal(sg_generate_add_sink(g, &bad, &err), SG_OK);
    assert_int_equal(sg_generate_run(g, &r, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "refused flow 10"));
    sg_generate_destroy(g);
    struct stat st;
    assert_int_not_equal(stat(q, &st), 0);
}

static void test_bad_options(void **state)
{
    (void)state;
    sg_generate_opts o;
    sg_generate_opts_init(&o);
    sg_generate *g = NULL;
    sg_error err = {0};
    o.flows_out = "x.csv";
    assert_int_equal(sg_generate_create(&o, &g, &err), SG_ERR_INVALID); /* neither -n nor -d */
    assert_non_null(strstr(err.msg, "-n"));
    assert_null(g);
    o.max_flows = 5;
    o.flows_out = NULL;
    assert_int_equal(sg_generate_create(&o, &g, &err), SG_ERR_INVALID); /* no output */
    o.duration_us = 1000000;
    o.flows_out = "x.csv";
    assert_int_equal(sg_generate_create(&o, &g, &err), SG_ERR_INVALID); /* -n and -d */
    assert_non_null(strstr(err.msg, "exclude"));
    o.duration_us = 0;
    o.flows_out = NULL;
    char p[PATH_MAX];
    path(p, "m.json");
    o.flows_out = p;
    o.model_path = p; /* missing model */
    assert_int_not_equal(sg_generate_create(&o, &g, &err), SG_OK);
    assert_non_null(strstr(err.msg, "m.json"));
    const char *d;
    size_t n;
    assert_int_equal(sg_generate_embedded("flow_model.json", &d, &n), 0);
    assert_true(n > 1000);
    assert_int_equal(sg_generate_embedded("no such model", &d, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_matches_cli),
        cmocka_unit_test(test_flows_match_cli),
        cmocka_unit_test(test_repeat_and_threads),
        cmocka_unit_test(test_sinks),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
