/* What a file is, from its first bytes: captures (pcap/pcapng magic), compressed or archive
 * data, secgen's JSON documents (flow model, automaton, Fos-R automaton), flow and sequence
 * CSVs, directories. The readers and loaders check it before parsing, so a capture given where a
 * flow CSV is expected says "x.pcap is a pcap capture; expected a flow CSV ... (secgen extract
 * ...)" instead of a parse error on its binary header. Lives in flow because flow owns the CSV
 * layouts; every loader (fc, tadam, extract) already depends on flow. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "secgen/flow.h"

/* enough to see a JSON document's "format" key and a CSV header line */
enum { SNIFF_BYTES = 64 * 1024 };

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static const char *find_n(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0) return hay + i;
    return NULL;
}

/* the string value of the first "format" key, compared with want */
static int json_format_is(const char *d, size_t n, const char *want)
{
    const char *p = find_n(d, n, "\"format\"");
    if (!p) return 0;
    const char *end = d + n;
    p = skip_ws(p + 8, end);
    if (p >= end || *p != ':') return 0;
    p = skip_ws(p + 1, end);
    size_t k = strlen(want);
    return p + k + 2 <= end && p[0] == '"' && memcmp(p + 1, want, k) == 0 && p[k + 1] == '"';
}

static int first_field_is(const char *line, size_t len, const char *name)
{
    size_t k = strlen(name);
    return len > k && memcmp(line, name, k) == 0 && line[k] == ',';
}

sg_file_kind sg_file_kind_detect(const char *data, size_t len)
{
    if (len == 0) return SG_FILE_EMPTY;
    const unsigned char *b = (const unsigned char *)data;
    if (len >= 4) {
        uint32_t le = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (le == 0xa1b2c3d4u || le == 0xd4c3b2a1u || le == 0xa1b23c4du || le == 0x4d3cb2a1u) return SG_FILE_PCAP;
        if (le == 0x0a0d0d0au) return SG_FILE_PCAPNG;
        if (!memcmp(b, "PAR1", 4)) return SG_FILE_PARQUET;
        if (!memcmp(b, "PK\x03\x04", 4)) return SG_FILE_ZIP;
        if (le == 0xfd2fb528u) return SG_FILE_ZSTD;
    }
    if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) return SG_FILE_GZIP;
    if (len >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6)) return SG_FILE_XZ;
    if (len >= 3 && !memcmp(b, "BZh", 3)) return SG_FILE_BZIP2;
    size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES;
    /* binary: a NUL in the first line, or many control bytes in the first block (a stray NUL in
     * a data row is left to the CSV reader, which names its line and column) */
    size_t ctl = 0;
    int first_line = 1;
    for (size_t i = 0; i < n && i < 4096; i++) {
        if (b[i] == '\n') first_line = 0;
        if (b[i] == 0 && first_line) return SG_FILE_UNKNOWN;
        if (b[i] < 32 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t' && b[i] != '\f') ctl++;
    }
    if (ctl * 20 > (n < 4096 ? n : 4096)) return SG_FILE_UNKNOWN;
    const char *p = data, *end = data + n;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) p += 3; /* UTF-8 BOM */
    const char *q = skip_ws(p, end);
    if (q < end && (*q == '{' || *q == '[')) {
        if (json_format_is(q, (size_t)(end - q), "secgen-flow-model")) return SG_FILE_FLOW_MODEL;
        if (json_format_is(q, (size_t)(end - q), "secgen-automaton")) return SG_FILE_AUTOMATON;
        if (find_n(q, (size_t)(end - q), "\"accepting_state\"") && find_n(q, (size_t)(end - q), "\"edges\""))
            return SG_FILE_FOSR_AUTOMATON;
        if (find_n(q, (size_t)(end - q), "\"hosts\"")) return SG_FILE_NETCFG;
        return SG_FILE_JSON;
    }
    /* the data need not be NUL-terminated (loaders of memory buffers, fuzzing): bounded scan */
    size_t ll = 0;
    while (p + ll < end && p[ll] != '\r' && p[ll] != '\n') ll++;
    if (first_field_is(p, ll, "flow_id") || first_field_is(p, ll, "block_id")) return SG_FILE_SEQ_CSV;
    /* YAML network configuration: a top-level "hosts:" key */
    for (const char *l = p; l < end;) {
        if ((size_t)(end - l) >= 6 && memcmp(l, "hosts:", 6) == 0) return SG_FILE_NETCFG;
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        if (!nl) break;
        l = nl + 1;
    }
    char *line = malloc(ll + 1);
    if (!line) return SG_FILE_TEXT;
    memcpy(line, p, ll);
    line[ll] = 0;
    sg_flow_format f = sg_flow_detect(line);
    free(line);
    return f != SG_FMT_AUTO ? SG_FILE_FLOW_CSV : SG_FILE_TEXT;
}

sg_status sg_file_kind_of(const char *path, sg_file_kind *kind, sg_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        *kind = SG_FILE_DIRECTORY;
        return SG_OK;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(SNIFF_BYTES);
    if (!buf) {
        fclose(fp);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, SNIFF_BYTES, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return sg_error_set(err, SG_ERR_IO, "%s: read failed", path);
    }
    *kind = sg_file_kind_detect(buf, n);
    free(buf);
    return SG_OK;
}

const char *sg_file_kind_name(sg_file_kind k)
{
    switch (k) {
    case SG_FILE_EMPTY: return "an empty file";
    case SG_FILE_DIRECTORY: return "a directory";
    case SG_FILE_PCAP: return "a pcap capture";
    case SG_FILE_PCAPNG: return "a pcapng capture";
    case SG_FILE_GZIP: return "gzip-compressed data";
    case SG_FILE_XZ: return "xz-compressed data";
    case SG_FILE_BZIP2: return "bzip2-compressed data";
    case SG_FILE_ZSTD: return "zstd-compressed data";
    case SG_FILE_ZIP: return "a zip archive";
    case SG_FILE_PARQUET: return "an Apache Parquet file";
    case SG_FILE_FLOW_MODEL: return "a FlowChronicle flow model (JSON from secgen learn)";
    case SG_FILE_AUTOMATON: return "a timed automaton (JSON from secgen automata learn)";
    case SG_FILE_FOSR_AUTOMATON: return "a Fos-R automaton (JSON)";
    case SG_FILE_JSON: return "a JSON document";
    case SG_FILE_FLOW_CSV: return "a flow CSV";
    case SG_FILE_SEQ_CSV: return "a sequence CSV";
    case SG_FILE_TEXT: return "a text file";
    case SG_FILE_NETCFG: return "a network configuration";
    case SG_FILE_UNKNOWN:
    default: return "binary data of an unknown kind";
    }
}

/* what each expected kind accepts: the kinds its parser reads or explains better itself */
static unsigned accepted(sg_file_kind want)
{
#define K(x) (1u << (x))
    switch (want) {
    case SG_FILE_FLOW_CSV: return K(SG_FILE_FLOW_CSV) | K(SG_FILE_TEXT) | K(SG_FILE_EMPTY);
    case SG_FILE_SEQ_CSV: return K(SG_FILE_SEQ_CSV) | K(SG_FILE_TEXT) | K(SG_FILE_EMPTY);
    case SG_FILE_FLOW_MODEL: return K(SG_FILE_FLOW_MODEL) | K(SG_FILE_JSON) | K(SG_FILE_TEXT) | K(SG_FILE_EMPTY);
    case SG_FILE_AUTOMATON:
        return K(SG_FILE_AUTOMATON) | K(SG_FILE_FOSR_AUTOMATON) | K(SG_FILE_JSON) | K(SG_FILE_TEXT) | K(SG_FILE_EMPTY);
    case SG_FILE_PCAP: return K(SG_FILE_PCAP) | K(SG_FILE_PCAPNG) | K(SG_FILE_UNKNOWN) | K(SG_FILE_EMPTY);
    case SG_FILE_NETCFG: return K(SG_FILE_NETCFG) | K(SG_FILE_JSON) | K(SG_FILE_TEXT) | K(SG_FILE_EMPTY);
    default: return K(want);
    }
#undef K
}

static const char *expected_text(sg_file_kind want)
{
    switch (want) {
    case SG_FILE_FLOW_CSV: return "a flow CSV (native, cidds, argus, ugr16 or netshare layout)";
    case SG_FILE_SEQ_CSV: return "a sequence CSV (flow_id,... or block_id,...)";
    case SG_FILE_FLOW_MODEL: return "a flow model JSON (from secgen learn)";
    case SG_FILE_AUTOMATON: return "an automaton JSON (secgen's or Fos-R's)";
    case SG_FILE_PCAP: return "a pcap or pcapng capture";
    case SG_FILE_DIRECTORY: return "a directory of automata (from secgen automata learn -o DIR)";
    case SG_FILE_NETCFG: return "a network configuration (YAML or JSON, docs/packets.md)";
    default: return sg_file_kind_name(want);
    }
}

static const char *hint(sg_file_kind got, sg_file_kind want)
{
    int capture = got == SG_FILE_PCAP || got == SG_FILE_PCAPNG;
    if (capture && want == SG_FILE_FLOW_CSV) return "extract its flows first: secgen extract @ -o flows.csv";
    if (capture && want == SG_FILE_SEQ_CSV)
        return "extract its packet sequences first: secgen extract @ -o flows.csv --sequences seq.csv";
    if (capture && want != SG_FILE_NETCFG) return "extract its flows first (secgen extract), then learn a model (secgen learn)";
    if (got == SG_FILE_FLOW_CSV && want == SG_FILE_FLOW_MODEL) return "learn a model from it first: secgen learn @ -o model.json";
    if (got == SG_FILE_SEQ_CSV && want == SG_FILE_AUTOMATON) return "learn automata from it first: secgen automata learn @ -o DIR";
    if (got == SG_FILE_SEQ_CSV && want == SG_FILE_FLOW_CSV) return "sequences are read by secgen automata";
    if (got == SG_FILE_FLOW_CSV && want == SG_FILE_SEQ_CSV) return "flow CSVs are read by learn, evaluate and baseline";
    if (got == SG_FILE_FLOW_CSV && want == SG_FILE_PCAP) return "it already holds flows: give it to learn, evaluate or baseline";
    if (got == SG_FILE_GZIP || got == SG_FILE_XZ || got == SG_FILE_BZIP2 || got == SG_FILE_ZSTD)
        return "decompress it first (gzip -d, xz -d, bzip2 -d or zstd -d)";
    if (got == SG_FILE_PARQUET) return "convert it to CSV first";
    if (got == SG_FILE_DIRECTORY) return "give a file inside it";
    if ((got == SG_FILE_AUTOMATON || got == SG_FILE_FOSR_AUTOMATON) && want == SG_FILE_DIRECTORY)
        return "give the directory that holds it";
    if (got == SG_FILE_FLOW_MODEL && want == SG_FILE_AUTOMATON) return "flow models go to secgen generate -m";
    if ((got == SG_FILE_AUTOMATON || got == SG_FILE_FOSR_AUTOMATON) && want == SG_FILE_FLOW_MODEL)
        return "automata go to secgen generate --automata DIR or secgen automata";
    return NULL;
}

sg_status sg_file_kind_check(const char *name, const char *data, size_t len, sg_file_kind want, sg_error *err)
{
    sg_file_kind got = sg_file_kind_detect(data, len);
    return sg_file_kind_require(name, got, want, err);
}

sg_status sg_file_kind_require(const char *name, sg_file_kind got, sg_file_kind want, sg_error *err)
{
    if (accepted(want) & (1u << got)) return SG_OK;
    const char *h = hint(got, want);
    char hb[384] = "";
    if (h) { /* '@' in a hint stands for the file's name */
        size_t k = 0;
        k += (size_t)snprintf(hb, sizeof hb, ". Hint: ");
        for (const char *p = h; *p && k + 1 < sizeof hb; p++) {
            if (*p == '@') k += (size_t)snprintf(hb + k, sizeof hb - k, "%s", name);
            else hb[k++] = *p, hb[k] = 0;
            if (k >= sizeof hb) break;
        }
    }
    return sg_error_set(err, got == SG_FILE_DIRECTORY ? SG_ERR_IO : SG_ERR_PARSE, "%s is %s; expected %s%s", name,
                        sg_file_kind_name(got), expected_text(want), hb);
}

sg_status sg_file_read_kind(const char *path, sg_file_kind want, char **data, size_t *len, sg_error *err)
{
    *data = NULL;
    if (len) *len = 0;
    struct stat sb;
    if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return sg_file_kind_require(path, SG_FILE_DIRECTORY, want, err);
    size_t n = 0;
    sg_status st = sg_file_read_all(path, data, &n, err);
    if (st != SG_OK) return st;
    st = sg_file_kind_check(strcmp(path, "-") == 0 ? "<stdin>" : path, *data, n, want, err);
    if (st != SG_OK) {
        free(*data);
        *data = NULL;
        return st;
    }
    if (len) *len = n;
    return SG_OK;
}
