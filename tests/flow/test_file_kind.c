/* flow/file_kind: what a file is from its first bytes, and the readers' messages when given the
 * wrong kind (issue 15: a pcap given to learn printed "unknown flow CSV header '????M<+...'"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/fc.h"
#include "secgen/flow.h"
#include "secgen/tadam.h"

#define DETECT(lit) sg_file_kind_detect(lit, sizeof(lit) - 1)

static void test_detect(void **st)
{
    (void)st;
    assert_int_equal(sg_file_kind_detect("", 0), SG_FILE_EMPTY);
    assert_int_equal(DETECT("\xd4\xc3\xb2\xa1\x02\x00\x04\x00"), SG_FILE_PCAP);
    assert_int_equal(DETECT("\xa1\xb2\xc3\xd4\x00\x02\x00\x04"), SG_FILE_PCAP);
    assert_int_equal(DETECT("\x4d\x3c\xb2\xa1\x02\x00\x04\x00"), SG_FILE_PCAP);
    assert_int_equal(DETECT("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a"), SG_FILE_PCAPNG);
    assert_int_equal(DETECT("\x1f\x8b\x08\x00"), SG_FILE_GZIP);
    assert_int_equal(DETECT("\xfd" "7zXZ\0\0"), SG_FILE_XZ);
    assert_int_equal(DETECT("BZh91AY"), SG_FILE_BZIP2);
    assert_int_equal(DETECT("\x28\xb5\x2f\xfd\x00"), SG_FILE_ZSTD);
    assert_int_equal(DETECT("PK\x03\x04\x14\x00"), SG_FILE_ZIP);
    assert_int_equal(DETECT("PAR1\x15\x04"), SG_FILE_PARQUET);
    assert_int_equal(DETECT("{\n \"format\": \"secgen-flow-model\",\n \"version\": 1}"), SG_FILE_FLOW_MODEL);
    assert_int_equal(DETECT("{\"format\":\"secgen-automaton\"}"), SG_FILE_AUTOMATON);
    assert_int_equal(DETECT("{\"edges\": [], \"accepting_state\": 1}"), SG_FILE_FOSR_AUTOMATON);
    assert_int_equal(DETECT("  {\"items\": []}"), SG_FILE_JSON);
    assert_int_equal(DETECT("start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,"
                            "bwd_bytes,flags\n"),
                     SG_FILE_FLOW_CSV);
    assert_int_equal(DETECT("\xEF\xBB\xBF" "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,"
                            "Packets,Bytes,Flows,Flags\r\n"),
                     SG_FILE_FLOW_CSV);
    assert_int_equal(DETECT("flow_id,proto,service_port,n,symbols,iat_us,payload\n1,6,80,1,>S,0,0\n"), SG_FILE_SEQ_CSV);
    assert_int_equal(DETECT("block_id,label,n_events\n"), SG_FILE_SEQ_CSV);
    assert_int_equal(DETECT("network:\n  timezone: UTC\n"), SG_FILE_TEXT);
    assert_int_equal(DETECT("network:\n  timezone: UTC\nhosts:\n  - hostname: a\n"), SG_FILE_NETCFG);
    assert_int_equal(DETECT("{\"metadata\": {}, \"hosts\": []}"), SG_FILE_NETCFG);
    assert_int_equal(DETECT("\x7f" "ELF\x02\x01\x01\x00\x00"), SG_FILE_UNKNOWN);
}

/* inputs that are not NUL-terminated: exact-size heap copies, so ASan sees any read past the end
 * (found by fuzz_tadam_model: a first line without a newline was measured with strcspn) */
static void test_unterminated(void **st)
{
    (void)st;
    static const char *const in[] = {"  k\"xro\xfe", "flow_id", "start,duration", "{\"format\"", "{\"format\": \"secgen-au",
                                     "hosts", "a,b,c"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        size_t n = strlen(in[i]);
        char *c = malloc(n);
        memcpy(c, in[i], n);
        (void)sg_file_kind_detect(c, n);
        for (size_t k = 0; k < n; k++) (void)sg_file_kind_detect(c, k);
        free(c);
    }
}

static void test_readers_say_what_they_got(void **st)
{
    (void)st;
    static const char pcap[] = "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00"
                               "\x01\x00\x00\x00";
    sg_error err = {0};
    sg_flow_table t;
    assert_int_not_equal(sg_flow_read_mem("x.pcap", pcap, sizeof pcap - 1, NULL, &t, &err), SG_OK);
    assert_non_null(strstr(err.msg, "x.pcap is a pcap capture; expected a flow CSV"));
    assert_non_null(strstr(err.msg, "secgen extract x.pcap"));
    assert_null(strstr(err.msg, "unknown flow CSV header"));

    sg_seq_set *s = NULL;
    memset(&err, 0, sizeof err);
    static const char flows[] = "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,"
                                "bwd_packets,bwd_bytes,flags\n";
    assert_int_not_equal(sg_seq_read_mem("f.csv", flows, sizeof flows - 1, &s, &err), SG_OK);
    assert_non_null(strstr(err.msg, "f.csv is a flow CSV; expected a sequence CSV"));

    sg_fc_model *m = NULL;
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_fc_model_load_mem("x.pcap", pcap, sizeof pcap - 1, &m, &err), SG_OK);
    assert_non_null(strstr(err.msg, "x.pcap is a pcap capture; expected a flow model JSON"));
    assert_null(strstr(err.msg, "decode byte"));
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_fc_model_load_mem("f.csv", flows, sizeof flows - 1, &m, &err), SG_OK);
    assert_non_null(strstr(err.msg, "secgen learn f.csv"));

    static const char fm[] = "{\"format\": \"secgen-flow-model\", \"version\": 1}";
    sg_tadam_model *a = NULL;
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_tadam_model_load_mem("m.json", fm, sizeof fm - 1, SG_TADAM_FMT_AUTO, &a, &err), SG_OK);
    assert_non_null(strstr(err.msg, "m.json is a FlowChronicle flow model"));
    assert_non_null(strstr(err.msg, "expected an automaton JSON"));

    /* a directory, by path */
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_flow_read(SG_TEST_DATA, NULL, &t, &err), SG_OK);
    assert_non_null(strstr(err.msg, "is a directory; expected a flow CSV"));
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_fc_model_load(SG_TEST_DATA, &m, &err), SG_OK);
    assert_non_null(strstr(err.msg, "is a directory; expected a flow model JSON"));
    sg_file_kind k;
    assert_int_equal(sg_file_kind_of(SG_TEST_DATA, &k, &err), SG_OK);
    assert_int_equal(k, SG_FILE_DIRECTORY);
    assert_int_equal(sg_file_kind_of(SG_TEST_DATA "/extract/dns.pcap", &k, &err), SG_OK);
    assert_int_equal(k, SG_FILE_PCAPNG);
    assert_int_equal(sg_file_kind_of(SG_TEST_DATA "/flow/argus_small.binetflow", &k, &err), SG_OK);
    assert_int_equal(k, SG_FILE_FLOW_CSV);
    /* generic read of a directory names it */
    char *d;
    memset(&err, 0, sizeof err);
    assert_int_not_equal(sg_file_read_all(SG_TEST_DATA, &d, NULL, &err), SG_OK);
    assert_non_null(strstr(err.msg, "directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_readers_say_what_they_got),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
