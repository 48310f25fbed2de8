/* secgen extract CAPTURE... -o flows.csv [--sequences seq.csv] [options]: argument parsing and
 * wiring only; the work is in src/extract/. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "secgen/extract.h"
#include "secgen/flow.h"

static const char *const CMD = "extract";

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: secgen extract CAPTURE... -o FLOWS.csv [--sequences SEQ.csv] [options]\n"
            "\n"
            "Reads pcap/pcapng captures (Ethernet, 802.1Q/QinQ, Linux SLL/SLL2, raw IP, BSD loopback;\n"
            "IPv4/IPv6) and writes one bidirectional flow per line, sorted by start time. Several\n"
            "captures are merged by time into one packet stream (as mergecap does; equal times:\n"
            "the capture given first). CAPTURE '-' reads stdin.\n"
            "\n"
            "options:\n"
            "  -o, --output FILE         flow CSV to write ('-' = stdout) (required)\n"
            "  -S, --sequences FILE      also write per-flow packet sequences (symbols, IAT, payload)\n"
            "  -i, --idle-timeout D      end a flow after D of silence (default 120s; 0 = never)\n"
            "  -a, --active-timeout D    end a flow that has lasted D (default 30m; 0 = never)\n"
            "  -f, --format FMT          native (default) or cidds\n"
            "      --bytes WHAT          ip (IP header+payload, default), wire (frame length on the\n"
            "                            wire) or captured (captured frame length, as ndpiReader)\n"
            "      --fragments WHAT      attribute (later IP fragments join their first fragment's\n"
            "                            flow, default) or drop (only counted)\n"
            "      --tunnels WHICH       flows of the inner packets of: all (IP-in-IP, GTP-U, VXLAN;\n"
            "                            default), ip (IP-in-IP only) or none (outer headers)\n"
            "      --no-tcp-close        do not start a new flow on a SYN after FIN/RST\n"
            "      --ignore-vlan         VLAN ids are not part of the flow key\n"
            "      --seq-max N           keep at most N packets per sequence (default: all)\n"
            "  -q, --quiet               no progress bar and no summary on stderr\n"
            "  -h, --help                this help\n"
            "\n"
            "Durations: 90, 90s, 2m, 1h30m, 250ms. Exit: 0 ok, 1 error, 2 usage.\n");
}

static int parse_timeout(const char *opt, const char *val, int64_t *us)
{
    if (strcmp(val, "0") == 0) {
        *us = 0;
        return 0;
    }
    if (sg_cli_parse_duration(CMD, opt, val, us)) return 1;
    if (*us < 0) {
        sg_cli_usage_error(CMD, "%s must not be negative", opt);
        return 1;
    }
    return 0;
}

int sg_cmd_extract(int argc, char **argv)
{
    enum { OPT_BYTES = 256, OPT_FRAGS, OPT_TUNNELS, OPT_NO_TCP_CLOSE, OPT_IGNORE_VLAN, OPT_SEQ_MAX };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"sequences", required_argument, NULL, 'S'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"active-timeout", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},
        {"bytes", required_argument, NULL, OPT_BYTES},
        {"fragments", required_argument, NULL, OPT_FRAGS},
        {"tunnels", required_argument, NULL, OPT_TUNNELS},
        {"no-tcp-close", no_argument, NULL, OPT_NO_TCP_CLOSE},
        {"ignore-vlan", no_argument, NULL, OPT_IGNORE_VLAN},
        {"seq-max", required_argument, NULL, OPT_SEQ_MAX},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sg_extract_opts o;
    sg_extract_opts_default(&o);
    const char *out = NULL, *seq = NULL;
    sg_flow_format fmt = SG_FMT_NATIVE;
    int quiet = 0, c;
    optind = 1;
    while ((c = sg_cli_getopt(CMD, argc, argv, "o:S:i:a:f:qh", longopts)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'S': seq = optarg; break;
        case 'i':
            if (parse_timeout("--idle-timeout", optarg, &o.idle_timeout_us)) return SG_EXIT_USAGE;
            break;
        case 'a':
            if (parse_timeout("--active-timeout", optarg, &o.active_timeout_us)) return SG_EXIT_USAGE;
            break;
        case 'f':
            if (sg_flow_format_parse(optarg, &fmt) != 0 || (fmt != SG_FMT_NATIVE && fmt != SG_FMT_CIDDS))
                return sg_cli_usage_error(CMD, "--format must be native or cidds, got '%s'", optarg);
            break;
        case OPT_BYTES:
            if (!strcmp(optarg, "ip")) o.bytes = SG_EXTRACT_BYTES_IP;
            else if (!strcmp(optarg, "wire")) o.bytes = SG_EXTRACT_BYTES_WIRE;
            else if (!strcmp(optarg, "captured")) o.bytes = SG_EXTRACT_BYTES_CAPTURED;
            else return sg_cli_usage_error(CMD, "--bytes must be ip, wire or captured, got '%s'", optarg);
            break;
        case OPT_FRAGS:
            if (!strcmp(optarg, "attribute")) o.frags = SG_EXTRACT_FRAGS_ATTRIBUTE;
            else if (!strcmp(optarg, "drop")) o.frags = SG_EXTRACT_FRAGS_DROP;
            else return sg_cli_usage_error(CMD, "--fragments must be attribute or drop, got '%s'", optarg);
            break;
        case OPT_TUNNELS:
            if (!strcmp(optarg, "all")) o.tunnels = SG_EXTRACT_TUNNELS_ALL;
            else if (!strcmp(optarg, "ip")) o.tunnels = SG_EXTRACT_TUNNELS_IP;
            else if (!strcmp(optarg, "none")) o.tunnels = SG_EXTRACT_TUNNELS_NONE;
            else return sg_cli_usage_error(CMD, "--tunnels must be all, ip or none, got '%s'", optarg);
            break;
        case OPT_NO_TCP_CLOSE: o.tcp_close = 0; break;
        case OPT_IGNORE_VLAN: o.ignore_vlan = 1; break;
        case OPT_SEQ_MAX: {
            long long v;
            if (sg_cli_parse_int(CMD, "--seq-max", optarg, 0, UINT32_MAX, &v)) return SG_EXIT_USAGE;
            o.seq_max = (uint32_t)v;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind >= argc) return sg_cli_usage_error(CMD, "no capture given");
    if (!out) return sg_cli_usage_error(CMD, "-o/--output is required");
    if (seq && !strcmp(seq, "-") && !strcmp(out, "-"))
        return sg_cli_usage_error(CMD, "flows and sequences cannot both go to stdout");
    o.sequences = seq != NULL;
    if (quiet) sg_progress_set_quiet(1);

    sg_extractor *x = sg_extractor_create(&o);
    if (!x) {
        fprintf(stderr, "secgen %s: out of memory\n", CMD);
        return SG_EXIT_RUNTIME;
    }
    uint64_t total = 0;
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (strcmp(argv[i], "-") != 0 && stat(argv[i], &sb) == 0) total += (uint64_t)sb.st_size;
    }
    if (!quiet) sg_extractor_set_progress_total(x, total);

    sg_error err = {0};
    sg_status st = SG_OK;
    st = sg_extractor_add_captures(x, (const char *const *)(argv + optind), (size_t)(argc - optind), &err);
    if (st == SG_OK) st = sg_extractor_finish(x, &err);
    if (st == SG_OK) st = sg_extractor_write(x, out, fmt, seq, &err);
    if (st == SG_OK && !quiet) sg_extract_stats_print(x, stderr);
    sg_extractor_destroy(x); /* ends the progress line before any error message */
    int rc = st == SG_OK ? SG_EXIT_OK : sg_cli_error(CMD, &err);
    return rc;
}
