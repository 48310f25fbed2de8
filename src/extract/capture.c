/* The extractor object and its libpcap driver: opens pcap/pcapng files (libpcap sniffs the
 * format from the magic number, whatever the file extension), checks the link type, feeds every
 * record to the flow assembly and turns libpcap failures into errors naming capture:packet. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "extract/extract_int.h"

enum { SG_EXTRACT_IOBUF = 1 << 20 };

sg_extractor *sg_extractor_create(const sg_extract_opts *opts)
{
    sg_extractor *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    if (opts) x->o = *opts;
    else sg_extract_opts_default(&x->o);
    x->tab_cap = 1024;
    x->tab = calloc(x->tab_cap, sizeof *x->tab);
    x->fragmap = sg_hashmap_create(64);
    sg_vec_init(&x->flows, sizeof(sg_xflow));
    sg_vec_init(&x->seq, sizeof(sg_xseq));
    sg_vec_init(&x->frags, sizeof(sg_xfrag));
    sg_vec_init(&x->names, sizeof(char *));
    x->cur_capture = UINT32_MAX;
    if (!x->tab || !x->fragmap) {
        sg_extractor_destroy(x);
        return NULL;
    }
    return x;
}

void sg_extractor_destroy(sg_extractor *x)
{
    if (!x) return;
    free(x->tab);
    sg_hashmap_destroy(x->fragmap);
    sg_vec_free(&x->flows);
    sg_vec_free(&x->seq);
    sg_vec_free(&x->frags);
    for (size_t i = 0; i < x->names.len; i++) free(SG_VEC_AT(&x->names, char *, i));
    sg_vec_free(&x->names);
    free(x->order);
    sg_progress_destroy(x->prog);
    free(x);
}

const sg_extract_stats *sg_extractor_stats(const sg_extractor *x) { return &x->st; }

const char *sg_extractor_capture_name(const sg_extractor *x, uint32_t c)
{
    if (c >= x->names.len) return "(packets)";
    return SG_VEC_AT(&x->names, char *, c);
}

static sg_status register_capture(sg_extractor *x, const char *name, sg_error *err)
{
    char *dup = strdup(name ? name : "?");
    if (!dup || sg_vec_push(&x->names, &dup) != SG_OK) {
        free(dup);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    x->cur_capture = (uint32_t)(x->names.len - 1);
    x->cur_packet = 0;
    x->st.captures++;
    return SG_OK;
}

sg_status sg_extractor_add_pcap(sg_extractor *x, void *handle, const char *name, sg_error *err)
{
    if (x->finished) return sg_error_set(err, SG_ERR_INVALID, "%s: extractor already finished", name);
    pcap_t *pc = handle;
    sg_status st = register_capture(x, name, err);
    if (st != SG_OK) return st;
    int dlt = pcap_datalink(pc);
    sg_extract_link lk = sg_extract_link_kind(dlt);
    if (lk == SG_LINK_OTHER) {
        const char *dn = pcap_datalink_val_to_name(dlt);
        return sg_error_set(err, SG_ERR_UNSUPPORTED, "%s: unsupported link type %s (%d)", name,
                            dn ? dn : "unknown", dlt);
    }
    FILE *fp = pcap_file(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        x->cur_packet++;
        x->st.packets++;
        x->st.captured_bytes += h->caplen;
        x->st.link[lk]++;
        /* pcapng timestamps are 64-bit: a forged one would overflow the µs conversion (found by
         * fuzz_pcap). Years beyond ±292,000 cannot be real; count the packet as malformed. */
        if (h->ts.tv_sec > (INT64_MAX / 1000000 - 1) || h->ts.tv_sec < (INT64_MIN / 1000000 + 1)) {
            x->st.malformed++;
            sg_extract_issue_add(x, SG_ISSUE_MALFORMED, "timestamp out of range");
            continue;
        }
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
        st = sg_extract_ingest(x, dlt, ts, data, h->caplen, h->len, err);
        if (st != SG_OK) return sg_error_prefix(err, "%s:%llu: ", name, (unsigned long long)x->cur_packet);
        if (x->prog && (x->cur_packet & 4095) == 0 && fp) {
            long pos = ftell(fp);
            if (pos > 0) sg_progress_update(x->prog, x->prog_base + (uint64_t)pos);
        }
    }
    if (rc == PCAP_ERROR) {
        /* libpcap says e.g. "truncated dump file; tried to read 1514 captured bytes, only got
         * 200": the record after the last good one is bad */
        return sg_error_set(err, SG_ERR_PARSE, "%s:%llu: corrupt or truncated capture: %s", name,
                            (unsigned long long)x->cur_packet + 1, pcap_geterr(pc));
    }
    return SG_OK;
}

sg_status sg_extractor_add_capture(sg_extractor *x, const char *path, sg_error *err)
{
    char eb[PCAP_ERRBUF_SIZE];
    eb[0] = 0;
    struct stat sb;
    if (strcmp(path, "-") != 0) {
        if (stat(path, &sb) != 0) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        if (sb.st_size == 0) return sg_error_set(err, SG_ERR_PARSE, "%s: empty file, not a pcap/pcapng capture", path);
        /* a flow CSV, a model, compressed data or a directory: say what it is (libpcap would
         * only say "unknown file format") */
        sg_file_kind kind;
        sg_status ks = sg_file_kind_of(path, &kind, err);
        if (ks != SG_OK) return ks;
        if ((ks = sg_file_kind_require(path, kind, SG_FILE_PCAP, err)) != SG_OK) return ks;
    }
    /* We open the file ourselves to give stdio a 1 MiB buffer: libpcap reads record by record
     * with fread, and the default 4 KiB buffer made read(2) calls ~45% of the run time. */
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *iobuf = malloc(SG_EXTRACT_IOBUF);
    if (iobuf) setvbuf(fp, iobuf, _IOFBF, SG_EXTRACT_IOBUF);
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, eb);
    if (!pc) {
        if (fp != stdin) fclose(fp);
        free(iobuf);
        /* libpcap's "unknown file format" means the magic number is not pcap/pcapng */
        return sg_error_set(err, SG_ERR_PARSE, "%s: not a readable pcap/pcapng capture: %s", path, eb);
    }
    sg_status st = sg_extractor_add_pcap(x, pc, path, err);
    if (x->prog && strcmp(path, "-") != 0) {
        x->prog_base += (uint64_t)sb.st_size;
        sg_progress_update(x->prog, x->prog_base);
    }
    pcap_close(pc); /* closes fp (stdin too: nothing reads it after a capture) */
    free(iobuf);
    return st;
}

sg_status sg_extractor_add_packet(sg_extractor *x, int dlt, int64_t ts_us, const uint8_t *data, uint32_t caplen,
                                  uint32_t wirelen, sg_error *err)
{
    if (x->finished) return sg_error_set(err, SG_ERR_INVALID, "extractor already finished");
    x->cur_packet++;
    x->st.packets++;
    x->st.captured_bytes += caplen;
    x->st.link[sg_extract_link_kind(dlt)]++;
    return sg_extract_ingest(x, dlt, ts_us, data, caplen, wirelen, err);
}

void sg_extractor_set_progress_total(sg_extractor *x, uint64_t total_bytes)
{
    sg_progress_destroy(x->prog);
    x->prog = sg_progress_create("extract", total_bytes);
    x->prog_base = 0;
}
