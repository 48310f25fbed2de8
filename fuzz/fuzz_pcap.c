/* libFuzzer target: arbitrary bytes as a pcap/pcapng file through libpcap (fmemopen +
 * pcap_fopen_offline) into the extractor (dissection, flow assembly, sequences, outputs), and
 * the same bytes as one raw frame of each supported link type straight into the dissector.
 * Seeds: fuzz/corpus/pcap/ (tiny real captures, truncated copies). */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secgen/extract.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static void drain(sg_extractor *x)
{
    sg_error err = {0};
    if (sg_extractor_finish(x, &err) != SG_OK) return;
    sg_flow_table t;
    sg_flow_table_init(&t);
    (void)sg_extractor_flows(x, &t, &err);
    sg_flow_table_free(&t);
    sg_seq_set *s = sg_seq_set_create();
    if (s) {
        (void)sg_extractor_sequences(x, s, &err);
        sg_seq_set_destroy(s);
    }
    static FILE *devnull;
    if (!devnull) devnull = fopen("/dev/null", "w");
    if (devnull) sg_extract_stats_print(x, devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_extract_opts o;
    sg_extract_opts_default(&o);
    o.sequences = 1;
    /* 1. as a capture file */
    if (size > 0) {
        FILE *fp = fmemopen((void *)data, size, "rb");
        if (fp) {
            char eb[PCAP_ERRBUF_SIZE];
            pcap_t *p = pcap_fopen_offline(fp, eb);
            if (p) {
                sg_extractor *x = sg_extractor_create(&o);
                if (x) {
                    sg_error err = {0};
                    (void)sg_extractor_add_pcap(x, p, "fuzz", &err);
                    drain(x);
                    sg_extractor_destroy(x);
                }
                pcap_close(p); /* closes fp */
            } else {
                fclose(fp);
            }
        }
    }
    /* 2. as frames: the first byte picks the link type and the options, the rest is split into
     *    frames at 0xff 0x00 markers so one input exercises flow assembly over several packets */
    if (size < 1) return 0;
    static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL, DLT_LOOP, DLT_IPV4, DLT_IPV6};
    int dlt = dlts[data[0] & 7];
    o.ignore_vlan = (data[0] >> 3) & 1;
    o.frags = (data[0] >> 4) & 1 ? SG_EXTRACT_FRAGS_DROP : SG_EXTRACT_FRAGS_ATTRIBUTE;
    o.tcp_close = (data[0] >> 5) & 1;
    o.idle_timeout_us = (data[0] >> 6) & 1 ? 0 : 5;
    sg_extractor *x = sg_extractor_create(&o);
    if (!x) return 0;
    size_t start = 1;
    int64_t ts = 0;
    for (size_t i = 1; i <= size; i++) {
        if (i == size || (data[i] == 0xff && i + 1 < size && data[i + 1] == 0x00)) {
            size_t n = i - start;
            /* exact-size copy so ASan sees any over-read of the frame */
            uint8_t *frame = malloc(n ? n : 1);
            if (!frame) break;
            memcpy(frame, data + start, n);
            sg_error err = {0};
            (void)sg_extractor_add_packet(x, dlt, ts, frame, (uint32_t)n, (uint32_t)n, &err);
            free(frame);
            ts += 3;
            start = i + 2;
            i++;
        }
    }
    drain(x);
    sg_extractor_destroy(x);
    return 0;
}
