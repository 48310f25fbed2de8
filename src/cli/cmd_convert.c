/* secgen convert: a flow CSV from one layout to another, ground-truth labels kept in each layout's
 * own columns (docs/flow-formats.md "Labels"); optionally one-way records paired into connections. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "secgen/flow.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: secgen convert FLOWS.csv -o OUT.csv [-f FMT] [options]\n"
            "Rewrite a flow CSV in another layout. A label column of the input (label, Label, lable,\n"
            "attackType, class, type) is kept and written in the output layout's own columns:\n"
            "native label; cidds class,attackType,attackID,attackDescription; argus Label; ugr16 the\n"
            "13th field. Input rows stay in file order (with --pair: start order).\n\n"
            "  -o, --output FILE        flow CSV to write (atomic; '-' = stdout)\n"
            "  -f, --format FMT         output layout: native (default), cidds, argus or ugr16\n"
            "      --input-format FMT   auto (default), native, cidds, argus, ugr16 or netshare\n"
            "      --pair               one-way inputs (cidds, ugr16, netshare): pair each record with its\n"
            "                           reverse into one connection (a label naming an attack wins)\n"
            "      --skip-bad           skip malformed rows instead of failing\n"
            "  -q, --quiet              no summary on stderr\n"
            "  -h, --help\n");
}

int sg_cmd_convert(int argc, char **argv)
{
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"format", required_argument, 0, 'f'},
                                       {"input-format", required_argument, 0, 'I'},
                                       {"pair", no_argument, 0, 'P'},
                                       {"skip-bad", no_argument, 0, 'B'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *out = NULL;
    sg_flow_format ifmt = SG_FMT_AUTO, ofmt = SG_FMT_NATIVE;
    int quiet = 0, skip_bad = 0, pair = 0, c;
    optind = 1;
    while ((c = sg_cli_getopt("convert", argc, argv, "o:f:qh", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if (sg_flow_format_parse(optarg, &ofmt) != 0 || !sg_flow_format_writable(ofmt))
                return sg_cli_usage_error("convert", "output format '%s': native, cidds, argus or ugr16", optarg);
            break;
        case 'I':
            if (sg_flow_format_parse(optarg, &ifmt) != 0)
                return sg_cli_usage_error("convert", "unknown input format '%s' (auto|native|cidds|argus|ugr16|netshare)", optarg);
            break;
        case 'P': pair = 1; break;
        case 'B': skip_bad = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) return sg_cli_usage_error("convert", "exactly one input flow CSV expected");
    if (!out) return sg_cli_usage_error("convert", "-o OUT.csv is required");
    const char *in = argv[optind];
    sg_error err = {0};
    sg_flow_table t;
    sg_flow_table_init(&t);
    sg_strtab *names = sg_strtab_create();
    sg_vec ids;
    sg_vec_init(&ids, sizeof(uint32_t));
    sg_flow_read_opts ro = {.format = ifmt, .skip_bad = skip_bad, .labels = names, .label_ids = &ids};
    sg_flow_writer *w = NULL;
    sg_flow_pair_stats ps = {0};
    int oneway = 0, rc = SG_EXIT_OK;
    if (!names) {
        sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (sg_flow_read(in, &ro, &t, &err) != SG_OK) goto fail;
    if (!quiet && ro.skipped) fprintf(stderr, "secgen convert: warning: %zu malformed rows skipped\n", ro.skipped);
    int labelled = ro.label_column != NULL;
    sg_vec *lab = labelled ? &ids : NULL;
    oneway = t.format == SG_FMT_CIDDS || t.format == SG_FMT_UGR16 || t.format == SG_FMT_NETSHARE;
    if (pair && !oneway) {
        sg_error_set(&err, SG_ERR_INVALID, "%s: --pair: the %s layout is already bidirectional", in, sg_flow_format_name(t.format));
        goto fail;
    }
    if (pair && sg_flow_pair_oneway_labelled(&t, lab ? names : NULL, lab, &ps, &err) != SG_OK) goto fail;
    if (sg_flow_writer_open_cols(&w, out, ofmt, labelled, NULL, 0, &err) != SG_OK) goto fail;
    const uint32_t *id = lab ? ids.data : NULL;
    for (size_t i = 0; i < t.n; i++)
        if (sg_flow_writer_write_labelled(w, &t.flows[i], id ? sg_strtab_str(names, id[i]) : NULL, &err) != SG_OK) goto fail;
    if (sg_flow_writer_close(w, &err) != SG_OK) {
        w = NULL;
        goto fail;
    }
    w = NULL;
    if (!quiet) {
        fprintf(stderr, "secgen convert: %s (%s) -> %s (%s): %zu flows", in, sg_flow_format_name(t.format), out,
                sg_flow_format_name(ofmt), t.n);
        if (pair) fprintf(stderr, "; %zu of %zu records paired into %zu connections", 2 * ps.pairs, ps.records, ps.pairs);
        if (labelled) fprintf(stderr, "; labels from column '%s' (%zu distinct)", ro.label_column, sg_strtab_size(names));
        fputc('\n', stderr);
    }
    goto done;
fail:
    rc = sg_cli_error("convert", &err);
    sg_flow_writer_abort(w);
done:
    sg_flow_table_free(&t);
    sg_vec_free(&ids);
    sg_strtab_destroy(names);
    return rc;
}
