/* secgen info FILE: what a model, capture, flow CSV or sequence CSV holds, in plain words. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "secgen/extract.h"
#include "secgen/fc.h"
#include "secgen/flow.h"
#include "secgen/netcfg.h"
#include "secgen/tadam.h"

#define CMD "info"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: secgen info FILE [--top N]\n"
                "  FILE: a flow model (secgen learn), an automaton JSON (secgen or Fos-R) or a directory of\n"
                "        them, a pcap/pcapng capture, a flow CSV (any known layout), a sequence CSV or a\n"
                "        network configuration (YAML or JSON).\n"
                "  --top N   how many patterns/services/hosts to list (default 10)\n");
}

static int info_automaton_dir(const char *path)
{
    sg_error err = {0};
    sg_tadam_set *s = sg_tadam_set_create();
    if (!s) return sg_cli_error(CMD, &(sg_error){SG_ERR_NOMEM, "out of memory"});
    if (sg_tadam_set_load_dir(s, path, &err) != SG_OK) {
        sg_tadam_set_destroy(s);
        return sg_cli_error(CMD, &err);
    }
    printf("%s: directory of %zu timed automata (TADAM)\n", path, sg_tadam_set_count(s));
    for (size_t i = 0; i < sg_tadam_set_count(s); i++) {
        sg_tadam_info in;
        sg_tadam_model_info(sg_tadam_set_get(s, i), &in);
        printf("  %-12s states %3zu  edges %4zu  symbols %3zu  trained on %zu sequences  L(A)+L(D|A) = %.0f bits\n",
               in.name, in.n_states, in.n_edges, in.n_symbols, in.n_train, in.cost_model + in.cost_data);
    }
    sg_tadam_set_destroy(s);
    return SG_EXIT_OK;
}

static int info_json(const char *path, size_t top)
{
    sg_error err = {0};
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        sg_error_set(&err, SG_ERR_PARSE, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
        return sg_cli_error(CMD, &err);
    }
    const char *format = json_string_value(json_object_get(root, "format"));
    int is_flow_model = format && strcmp(format, "secgen-flow-model") == 0;
    json_decref(root);
    if (is_flow_model) {
        sg_fc_model *m;
        if (sg_fc_model_load(path, &m, &err) != SG_OK) return sg_cli_error(CMD, &err);
        printf("%s: FlowChronicle flow model\n", path);
        sg_fc_model_describe(m, stdout, top);
        sg_fc_model_destroy(m);
        return SG_EXIT_OK;
    }
    /* automata: secgen's own or Fos-R's JSON (auto-detected by the tadam module) */
    sg_tadam_model *a;
    if (sg_tadam_model_load(path, SG_TADAM_FMT_AUTO, &a, &err) != SG_OK) {
        sg_error_prefix(&err, "not a flow model (\"format\": \"secgen-flow-model\") nor an automaton: ");
        return sg_cli_error(CMD, &err);
    }
    printf("%s: timed automaton (TADAM)\n", path);
    sg_status st = sg_tadam_model_print(a, stdout);
    sg_tadam_model_destroy(a);
    if (st != SG_OK) return sg_cli_error(CMD, &(sg_error){st, "cannot print automaton"});
    return SG_EXIT_OK;
}

static int info_netcfg(const char *path)
{
    sg_error err = {0};
    sg_netcfg *c;
    if (sg_netcfg_load(path, &c, &err) != SG_OK) return sg_cli_error(CMD, &err);
    size_t servers = 0, ifaces = 0, services = 0;
    for (size_t i = 0; i < c->nhosts; i++) {
        servers += c->hosts[i].is_server != 0;
        ifaces += c->hosts[i].nifaces;
        for (size_t k = 0; k < c->hosts[i].nifaces; k++) services += c->hosts[i].ifaces[k].nservices;
    }
    printf("%s: network configuration%s%s\n", path, c->title[0] ? ": " : "", c->title);
    printf("hosts: %zu (%zu offering services, %zu services in all), interfaces: %zu, time zone: %s\n", c->nhosts,
           servers, services, ifaces, c->timezone[0] ? c->timezone : "UTC");
    for (size_t i = 0; i < c->nhosts; i++) {
        const sg_net_host *h = &c->hosts[i];
        printf("  %-16s %-7s %s", h->name, h->os == SG_NET_OS_WINDOWS ? "Windows" : "Linux",
               h->nifaces ? h->ifaces[0].ip : "");
        for (size_t k = 0; k < h->nifaces; k++)
            for (size_t s = 0; s < h->ifaces[k].nservices; s++) printf(" %s", h->ifaces[k].services[s].name);
        printf("\n");
    }
    sg_netcfg_destroy(c);
    return SG_EXIT_OK;
}

static int info_pcap(const char *path, size_t top)
{
    sg_error err = {0};
    sg_extract_opts opts;
    sg_extract_opts_default(&opts);
    sg_extractor *x = sg_extractor_create(&opts);
    if (!x) return sg_cli_error(CMD, &(sg_error){SG_ERR_NOMEM, "out of memory"});
    sg_flow_table t;
    sg_flow_table_init(&t);
    int rc = SG_EXIT_OK;
    if (sg_extractor_add_capture(x, path, &err) != SG_OK || sg_extractor_finish(x, &err) != SG_OK ||
        sg_extractor_flows(x, &t, &err) != SG_OK) {
        rc = sg_cli_error(CMD, &err);
    } else {
        printf("%s: capture\n", path);
        sg_extract_stats_print(x, stdout);
        if (sg_flow_table_describe(&t, stdout, top, &err) != SG_OK) rc = sg_cli_error(CMD, &err);
    }
    sg_flow_table_free(&t);
    sg_extractor_destroy(x);
    return rc;
}

static int info_text(const char *path, size_t top)
{
    sg_error err = {0};
    char line[1024] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp || !fgets(line, sizeof line, fp)) {
        if (fp) fclose(fp);
        sg_error_set(&err, SG_ERR_IO, "%s: cannot read a header line", path);
        return sg_cli_error(CMD, &err);
    }
    fclose(fp);
    const char *h = line;
    if ((unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB && (unsigned char)h[2] == 0xBF) h += 3;
    if (!strncmp(h, "flow_id,", 8) || !strncmp(h, "block_id,", 9)) {
        sg_seq_set *s;
        if (sg_seq_read(path, &s, &err) != SG_OK) return sg_cli_error(CMD, &err);
        size_t n = sg_seq_set_count(s), total = 0, labelled[2] = {0, 0}, maxlen = 0;
        for (size_t i = 0; i < n; i++) {
            const sg_seq *q = sg_seq_set_get(s, i);
            total += q->n;
            if (q->n > maxlen) maxlen = q->n;
            if (q->label == 0 || q->label == 1) labelled[q->label]++;
        }
        printf("%s: sequence CSV\nsequences: %zu, events: %zu (mean length %.1f, max %zu), symbols: %zu\n", path, n,
               total, n ? (double)total / (double)n : 0.0, maxlen, sg_seq_set_nsymbols(s));
        if (labelled[0] + labelled[1]) printf("labels: %zu normal, %zu anomalous\n", labelled[0], labelled[1]);
        printf("symbols:");
        for (size_t i = 0; i < sg_seq_set_nsymbols(s) && i < 4 * top; i++) printf(" %s", sg_seq_set_symbol(s, (uint32_t)i));
        printf("%s\n", sg_seq_set_nsymbols(s) > 4 * top ? " ..." : "");
        sg_seq_set_destroy(s);
        return SG_EXIT_OK;
    }
    sg_flow_read_opts o = {0};
    sg_flow_table t;
    sg_flow_table_init(&t);
    if (sg_flow_read(path, &o, &t, &err) != SG_OK) {
        sg_flow_table_free(&t);
        return sg_cli_error(CMD, &err);
    }
    printf("%s: flow CSV\n", path);
    if (o.nonip_skipped) printf("non-IP rows left out: %zu\n", o.nonip_skipped);
    int rc = sg_flow_table_describe(&t, stdout, top, &err) == SG_OK ? SG_EXIT_OK : sg_cli_error(CMD, &err);
    sg_flow_table_free(&t);
    return rc;
}

int sg_cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"top", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    long long top = 10;
    int c;
    optind = 1;
    while ((c = sg_cli_getopt(CMD, argc, argv, "t:h", longopts)) != -1) {
        switch (c) {
        case 't':
            if (sg_cli_parse_int(CMD, "--top", optarg, 1, 1000, &top)) return SG_EXIT_USAGE;
            break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind != argc - 1) return sg_cli_usage_error(CMD, "expects exactly one FILE");
    const char *path = argv[optind];
    sg_error err = {0};
    sg_file_kind kind;
    if (sg_file_kind_of(path, &kind, &err) != SG_OK) return sg_cli_error(CMD, &err);
    switch (kind) {
    case SG_FILE_DIRECTORY: return info_automaton_dir(path);
    case SG_FILE_FLOW_MODEL:
    case SG_FILE_AUTOMATON:
    case SG_FILE_FOSR_AUTOMATON:
    case SG_FILE_JSON: return info_json(path, (size_t)top);
    case SG_FILE_PCAP:
    case SG_FILE_PCAPNG: return info_pcap(path, (size_t)top);
    case SG_FILE_FLOW_CSV:
    case SG_FILE_SEQ_CSV:
    case SG_FILE_TEXT: return info_text(path, (size_t)top);
    case SG_FILE_NETCFG: return info_netcfg(path);
    case SG_FILE_EMPTY: sg_error_set(&err, SG_ERR_EMPTY, "%s: empty file", path); return sg_cli_error(CMD, &err);
    default:
        sg_error_set(&err, SG_ERR_UNSUPPORTED, "%s is %s: not a file secgen reads", path, sg_file_kind_name(kind));
        return sg_cli_error(CMD, &err);
    }
}
