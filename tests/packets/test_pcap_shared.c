/* packets module, generate's MPI mode (docs/mpi.md) without MPI: several writers on one file,
 * each writing its frames at their offsets and skipping the others' (sg_pcap_writer_open_shared,
 * sg_pcap_writer_skip), and the merger's frame filter (sg_merger_set_frame_filter) with lazily
 * built flows, give exactly the bytes of one ordinary writer, in every pcap format; a skipped frame
 * fails like a written one. The "processes" here are writers on separate descriptors of the file,
 * run one after the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secgen/packets.h"

static char *tmp_path(const char *name)
{
    const char *d = getenv("TMPDIR");
    static char buf[4][512];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 512, "%s/sg_shared_%d_%s", d && *d ? d : "/tmp", (int)getpid(), name);
    return p;
}

static void same_files(const char *a, const char *b)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
    assert_int_equal(system(cmd), 0);
}

static const sg_pcap_format fmts[] = {SG_PCAP_US, SG_PCAP_NS, SG_PCAPNG};

/* frame i: varied lengths (odd ones for pcapng padding, > 512 bytes for referenced payloads) */
static size_t frame_len(int i) { return 14 + (size_t)((i * 7919) % 1600); }
static int64_t frame_t(int i) { return 1700000000000000000LL + (int64_t)i * 3000000; }

static void test_writers_share_a_file(void **st)
{
    (void)st;
    static uint8_t buf[2000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 31 + 7);
    for (int k = 0; k < 3; k++) {
        for (int nw = 1; nw <= 3; nw++) {
            char *one = tmp_path("one.pcap"), *shared = tmp_path("shared.pcap");
            sg_pcap_writer *w;
            assert_int_equal(sg_pcap_writer_open(&w, one, fmts[k], NULL), SG_OK);
            for (int i = 0; i < 300; i++)
                assert_int_equal(sg_pcap_writer_write(w, frame_t(i), buf, 14, buf + 14, frame_len(i) - 14, NULL), SG_OK);
            assert_int_equal(sg_pcap_writer_close(w, NULL), SG_OK);
            /* nw writers, frame i owned by writer (i / 9) % nw: runs of frames, as time slices */
            int fd0 = open(shared, O_CREAT | O_TRUNC | O_WRONLY, 0644);
            assert_true(fd0 >= 0);
            close(fd0);
            for (int r = 0; r < nw; r++) {
                int fd = open(shared, O_WRONLY);
                assert_true(fd >= 0);
                sg_error err = {0};
                assert_int_equal(sg_pcap_writer_open_shared(&w, fd, shared, fmts[k], r == 0, &err), SG_OK);
                for (int i = 0; i < 300; i++) {
                    if ((i / 9) % nw == r)
                        assert_int_equal(sg_pcap_writer_write(w, frame_t(i), buf, 14, buf + 14, frame_len(i) - 14, &err), SG_OK);
                    else
                        assert_int_equal(sg_pcap_writer_skip(w, frame_t(i), frame_len(i), &err), SG_OK);
                }
                /* every writer counts every frame */
                assert_int_equal(sg_pcap_writer_packets(w), 300);
                assert_int_equal(sg_pcap_writer_close(w, &err), SG_OK);
                close(fd);
            }
            same_files(one, shared);
            unlink(one);
            unlink(shared);
        }
    }
}

static void test_skip_fails_like_write(void **st)
{
    (void)st;
    char *path = tmp_path("err.pcap");
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    assert_true(fd >= 0);
    sg_pcap_writer *w;
    sg_error err = {0};
    assert_int_equal(sg_pcap_writer_open_shared(&w, fd, "out.pcap", SG_PCAP_US, 0, &err), SG_OK);
    assert_int_equal(sg_pcap_writer_skip(w, -5, 60, &err), SG_ERR_RANGE);
    assert_non_null(strstr(err.msg, "out.pcap: packet 1: time before 1970"));
    assert_int_equal(sg_pcap_writer_skip(w, 1, 300000, &err), SG_ERR_RANGE);
    assert_non_null(strstr(err.msg, "exceeds the snap length"));
    sg_pcap_writer_abort(w);
    close(fd);
    unlink(path);
}

/* ---- merger with a frame filter: lazily built flows, slices of 5 ms --------------------------- */
typedef struct {
    int rank, n;
} slicer;

static int owns(void *ctx, int64_t t_ns)
{
    const slicer *s = ctx;
    return (int)((t_ns / 5000000) % s->n) == s->rank;
}

static void host(sg_pkt_host *h, const char *ip, sg_os os, uint8_t ttl, uint8_t macl)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(sg_addr_parse(ip, h->addr, &h->is_v6), 0);
    uint8_t mac[6] = {0x00, 0x1b, 0x21, 0x10, 0x20, macl};
    memcpy(h->mac, mac, 6);
    h->os = os;
    h->ttl = ttl;
}

/* rank < 0: an ordinary writer for the whole file; else rank `rank` of n on the shared file */
static void merge_run(const char *path, sg_pcap_format fmt, int rank, int n, const sg_payload_pool *pool)
{
    sg_pcap_writer *w;
    int fd = -1;
    slicer sl = {rank, n};
    sg_merger *m = sg_merger_create();
    assert_non_null(m);
    if (rank < 0) {
        assert_int_equal(sg_pcap_writer_open(&w, path, fmt, NULL), SG_OK);
    } else {
        fd = open(path, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(sg_pcap_writer_open_shared(&w, fd, path, fmt, rank == 0, NULL), SG_OK);
        sg_merger_set_frame_filter(m, owns, &sl);
    }
    int64_t t0 = 1700000000000000LL; /* µs */
    for (uint64_t idx = 0; idx < 40; idx++) {
        static const uint8_t protos[] = {SG_PROTO_TCP, SG_PROTO_UDP, SG_PROTO_ICMP};
        uint8_t proto = protos[idx % 3];
        int v6 = (idx / 3) % 2 && proto != SG_PROTO_ICMP;
        sg_pkt_conn c;
        memset(&c, 0, sizeof c);
        c.proto = proto;
        c.src_port = (uint16_t)(40000 + idx);
        c.dst_port = c.service_port = proto == SG_PROTO_TCP ? 443 : (proto == SG_PROTO_UDP ? 53 : 0);
        host(&c.cli, v6 ? "2001:db8::10" : "192.168.1.10", SG_OS_LINUX, 64, 1);
        host(&c.srv, v6 ? "2001:db8::20" : "192.168.1.20", SG_OS_WINDOWS, 128, 2);
        sg_vec v;
        sg_vec_init(&v, sizeof(sg_pkt));
        /* short flows inside one slice and long ones across several */
        int64_t t = t0 + (int64_t)idx * 1700, step = idx % 4 == 0 ? 2500 : 150;
        for (int i = 0; i < 14; i++) {
            sg_pkt p = {.t_ns = (t + step * i) * 1000,
                        .payload_len = (uint32_t)((idx * 97 + (uint64_t)i * 331) % 1400 + (i ? 30 : 0)),
                        .dir = (uint8_t)(i % 2),
                        .tcp_flags = (uint8_t)(i ? SG_TCP_ACK | SG_TCP_PSH : SG_TCP_SYN)};
            assert_int_equal(sg_vec_push(&v, &p), SG_OK);
        }
        if (proto == SG_PROTO_TCP)
            assert_int_equal(sg_packets_tcp_normalize(&v, sg_packets_max_segment(&c), 3, idx, NULL, NULL), SG_OK);
        int64_t start = SG_VEC_AT(&v, sg_pkt, 0).t_ns;
        assert_int_equal(sg_merger_add_lazy(m, &v, &c, pool, 3, idx, NULL), SG_OK);
        if (idx % 5 == 4) assert_int_equal(sg_merger_flush(m, start, w, NULL), SG_OK);
        sg_vec_free(&v);
    }
    assert_int_equal(sg_merger_flush(m, INT64_MAX, w, NULL), SG_OK);
    assert_int_equal(sg_pcap_writer_close(w, NULL), SG_OK);
    if (fd >= 0) close(fd);
    sg_merger_destroy(m);
}

static void test_merger_filter_equals_one_writer(void **st)
{
    (void)st;
    sg_payload_pool *pool;
    assert_int_equal(sg_payload_pool_create(&pool, 3, 1 << 16, NULL), SG_OK);
    for (int k = 0; k < 3; k++) {
        char *one = tmp_path("m1.pcap"), *shared = tmp_path("mN.pcap");
        merge_run(one, fmts[k], -1, 1, pool);
        for (int n = 1; n <= 3; n++) {
            int fd = open(shared, O_CREAT | O_TRUNC | O_WRONLY, 0644);
            assert_true(fd >= 0);
            close(fd);
            for (int r = 0; r < n; r++) merge_run(shared, fmts[k], r, n, pool);
            same_files(one, shared);
        }
        unlink(one);
        unlink(shared);
    }
    sg_payload_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writers_share_a_file),
        cmocka_unit_test(test_skip_fails_like_write),
        cmocka_unit_test(test_merger_filter_equals_one_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
