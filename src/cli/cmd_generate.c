/* secgen generate: argument parsing and wiring only. The pipeline (models and their embedded
 * defaults, replica merge, packets) is the generate module (include/secgen/generate.h): a library
 * user with the same sg_generate_opts gets the same bytes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#endif

#include "cli/cli.h"
#include "secgen/generate.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: secgen generate [-m model.json] [--automata DIR] [--config net.yaml] (-n FLOWS | -d DURATION)\n"
            "                       [-o out.pcap] [--flows-out flows.csv] [options]\n"
            "Generate synthetic traffic: flows from a FlowChronicle model, packets from TADAM automata\n"
            "(embedded default models when -m / --automata are not given).\n\n"
            "  -m, --model FILE         flow model JSON (from secgen learn)\n"
            "      --automata DIR       packet automata (from secgen automata learn --by service)\n"
            "  -c, --config FILE        network description (YAML or JSON; docs/packets.md): every flow has a\n"
            "                           config host as an endpoint; without -o, --flows-out gets the\n"
            "                           connections as a pcap of the same run would hold them\n"
            "  -n, --flows N            number of flows to write (exactly N: with -o or --config, N connections)\n"
            "  -d, --duration D         time span to fill at the model's rate (1h, 90m, 2d, PT1H...)\n"
            "      --start TIME         start time (ISO 8601; default: the training start)\n"
            "  -o, --output FILE        pcap to write ('-' = stdout)\n"
            "      --nanosecond         pcap with nanosecond timestamps (magic a1b23c4d)\n"
            "      --pcapng             write pcapng instead of pcap\n"
            "      --taint              set the IPv4 reserved ('evil') bit on every packet (Fos-R compatible)\n"
            "      --flows-out FILE     flow CSV to write: with -o, the flows exactly as the pcap holds them\n"
            "                           (native layout, ground truth); without -o and --config, the model's flows\n"
            "      --flows-format FMT   native|cidds|argus|ugr16 (flow-only mode; default: the model's layout;\n"
            "                           `secgen convert` turns a pcap run's flows CSV into any of them)\n"
            "      --logs DIR           with -o/--config, sensor logs of the connections in DIR (Zeek\n"
            "                           conn.log, dns.log, http.log, ssl.log: JSON lines); with --config\n"
            "                           also the hosts' logs in DIR/hosts/NAME/ (sshd auth.log, ECS\n"
            "                           endpoint.ndjson)\n"
            "      --packet-labels FILE with -o, CSV frame,label: one row per frame in pcap order (benign or the\n"
            "                           attack's name, for the config's attacks:)\n"
            "      --no-pairing         with -o/--config, do not pair one-way (NetFlow) records into connections\n"
            "      --no-lookups         with -o/--config, clients connect to HTTP/TLS servers without looking up\n"
            "                           their names first (default: a DNS lookup unless cached within its TTL)\n"
            "      --no-noise           with -o, no TCP noise (by default segments are lost and retransmitted,\n"
            "                           and reordered, at the rates measured on the training captures)\n"
            "      --scale K            superpose K independent realisations of the flow model (K x the\n"
            "                           traffic of the same network; default 1, or models/defaults.json's\n"
            "                           flow_scale for the embedded model)\n"
            "  -s, --seed N             random seed (default 1)\n"
            "  -j, --threads N          worker threads (output identical for any N)\n"
            "      --mpi                one rank of an MPI job: mpirun -n N secgen generate --mpi ... splits the\n"
            "                           pcap writing by time slices over the ranks (same bytes as without)\n"
            "      --force              run even if the estimated output exceeds the free disk space\n"
            "  -q, --quiet              no progress messages or summary\n"
            "  -h, --help\n");
}

/* the size from which a run on a terminal announces its output (an estimate; see generate.h) */
#define LARGE_RUN_BYTES 1000000000ULL

/* Allocator tuning for the streaming generator (a process-wide choice, so it lives in the program,
 * not the library). The working set (packet descriptors of the open flows) is tens of MB touched
 * once, and on VMs each 4 KiB page fault is expensive: with 4 KiB pages -d 1h spent ~25 % of its
 * time faulting; glibc's own glibc.malloc.hugetlb=1 tunable measured 1.04 s -> 0.75 s. Tunables
 * cannot be set from inside a running process, so we do what that tunable does for the first
 * 256 MiB of the heap: grow the heap once (memory is not touched), advise transparent huge pages
 * on it, and keep it (no trimming; blocks up to 32 MiB from the heap rather than fresh mmaps). */
static void tune_allocator(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
    enum { CHUNK = 30 << 20, N = 9 };
    if (getenv("SECGEN_NO_THP")) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    void *blk[N] = {0};
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < N; i++) {
        blk[i] = malloc(CHUNK);
        if (!blk[i]) break;
        uintptr_t a = (uintptr_t)blk[i];
        if (a < lo) lo = a;
        if (a + CHUNK > hi) hi = a + CHUNK;
    }
    const uintptr_t huge = (uintptr_t)2 << 20;
    lo = (lo + huge - 1) & ~(huge - 1);
    hi &= ~(huge - 1);
    if (hi > lo && hi - lo <= (uintptr_t)N * CHUNK + huge) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    for (int i = 0; i < N; i++) free(blk[i]);
#endif
}

int sg_cmd_generate(int argc, char **argv)
{
    enum { O_START = 256, O_FLOWS_OUT, O_FLOWS_FMT, O_AUTOMATA, O_NS, O_PCAPNG, O_TAINT, O_NOPAIR, O_NOLOOKUP, O_SCALE, O_FORCE, O_LOGS, O_PLABELS, O_NONOISE, O_MPI };
    static const struct option lo[] = {{"model", required_argument, 0, 'm'},
                                       {"automata", required_argument, 0, O_AUTOMATA},
                                       {"config", required_argument, 0, 'c'},
                                       {"flows", required_argument, 0, 'n'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"start", required_argument, 0, O_START},
                                       {"output", required_argument, 0, 'o'},
                                       {"nanosecond", no_argument, 0, O_NS},
                                       {"pcapng", no_argument, 0, O_PCAPNG},
                                       {"taint", no_argument, 0, O_TAINT},
                                       {"no-pairing", no_argument, 0, O_NOPAIR},
                                       {"no-lookups", no_argument, 0, O_NOLOOKUP},
                                       {"no-noise", no_argument, 0, O_NONOISE},
                                       {"scale", required_argument, 0, O_SCALE},
                                       {"flows-out", required_argument, 0, O_FLOWS_OUT},
                                       {"flows-format", required_argument, 0, O_FLOWS_FMT},
                                       {"logs", required_argument, 0, O_LOGS},
                                       {"packet-labels", required_argument, 0, O_PLABELS},
                                       {"seed", required_argument, 0, 's'},
                                       {"threads", required_argument, 0, 'j'},
                                       {"force", no_argument, 0, O_FORCE},
                                       {"mpi", no_argument, 0, O_MPI},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *logs = NULL, *model = NULL, *flows_out = NULL, *automata = NULL, *config = NULL, *pcap = NULL, *plabels = NULL;
    uint64_t nflows = 0, seed = 1, scale = 0;
    int64_t dur = 0, start = INT64_MIN;
    long long threads = 0;
    int quiet = 0, c, have_fmt = 0, ns = 0, pcapng = 0, taint = 0, nopair = 0, nolookup = 0, force = 0, nonoise = 0, mpi = 0;
    sg_flow_format ofmt = SG_FMT_NATIVE;
    tune_allocator();
    optind = 1;
    while ((c = sg_cli_getopt("generate", argc, argv, "m:c:n:d:o:s:j:qh", lo)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case O_AUTOMATA: automata = optarg; break;
        case 'c': config = optarg; break;
        case 'o': pcap = optarg; break;
        case O_NS: ns = 1; break;
        case O_PCAPNG: pcapng = 1; break;
        case O_TAINT: taint = 1; break;
        case O_NOPAIR: nopair = 1; break;
        case O_NOLOOKUP: nolookup = 1; break;
        case O_NONOISE: nonoise = 1; break;
        case O_SCALE:
            if (sg_cli_parse_u64("generate", "--scale", optarg, &scale)) return SG_EXIT_USAGE;
            if (scale < 1 || scale > 100000) return sg_cli_usage_error("generate", "--scale must be in [1, 100000]");
            break;
        case 'n':
            if (sg_cli_parse_u64("generate", "-n", optarg, &nflows)) return SG_EXIT_USAGE;
            if (nflows == 0) return sg_cli_usage_error("generate", "-n must be at least 1");
            break;
        case 'd':
            if (sg_cli_parse_duration("generate", "-d", optarg, &dur)) return SG_EXIT_USAGE;
            if (dur <= 0) return sg_cli_usage_error("generate", "-d must be positive");
            break;
        case O_START:
            if (sg_cli_parse_time("generate", "--start", optarg, &start)) return SG_EXIT_USAGE;
            break;
        case O_FLOWS_OUT: flows_out = optarg; break;
        case O_LOGS: logs = optarg; break;
        case O_PLABELS: plabels = optarg; break;
        case O_FLOWS_FMT:
            if (sg_flow_format_parse(optarg, &ofmt) != 0 || !sg_flow_format_writable(ofmt))
                return sg_cli_usage_error("generate", "--flows-format must be native, cidds, argus or ugr16");
            have_fmt = 1;
            break;
        case 's':
            if (sg_cli_parse_u64("generate", "--seed", optarg, &seed)) return SG_EXIT_USAGE;
            break;
        case 'j':
            if (sg_cli_parse_int("generate", "-j", optarg, 0, 1024, &threads)) return SG_EXIT_USAGE;
            break;
        case O_FORCE: force = 1; break;
        case O_MPI: mpi = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SG_EXIT_OK;
        default: return SG_EXIT_USAGE; /* sg_cli_getopt said why */
        }
    }
    if (optind != argc) return sg_cli_usage_error("generate", "unexpected argument '%s'", argv[optind]);
    if (!nflows && !dur) return sg_cli_usage_error("generate", "one of -n FLOWS or -d DURATION is required");
    if (nflows && dur)
        return sg_cli_usage_error("generate", "-n and -d exclude each other (-n N writes N flows whatever time they span; "
                                              "-d D fills D at the model's rate)");
    if (!flows_out && !pcap) return sg_cli_usage_error("generate", "nothing to write: give -o out.pcap and/or --flows-out FILE");
    if (ns && pcapng) return sg_cli_usage_error("generate", "--nanosecond and --pcapng exclude each other (pcapng is always ns)");
    if (!pcap && (ns || pcapng || taint)) return sg_cli_usage_error("generate", "--nanosecond/--pcapng/--taint need -o FILE");
    if (!pcap && !config && (automata || nopair || nolookup))
        return sg_cli_usage_error("generate", "--automata/--no-pairing/--no-lookups need -o FILE or --config FILE");
    if ((pcap || config) && have_fmt && ofmt != SG_FMT_NATIVE)
        return sg_cli_usage_error("generate", "with -o or --config, --flows-out holds the connections as the network "
                                              "sees them and is always native");
    if (!pcap && !config && logs) return sg_cli_usage_error("generate", "--logs needs -o FILE or --config FILE");
    if (mpi && pcap && !strcmp(pcap, "-")) return sg_cli_usage_error("generate", "--mpi: every rank writes into the pcap: give -o FILE, not stdout");
    if (pcap && flows_out && !strcmp(pcap, "-") && !strcmp(flows_out, "-"))
        return sg_cli_usage_error("generate", "-o and --flows-out cannot both be stdout");
    sg_progress_set_quiet(quiet);
    if (threads > 0) sg_threads_set((int)threads);
    sg_generate_opts o;
    sg_generate_opts_init(&o);
    o.model_path = model;
    o.automata_dir = automata;
    o.config_path = config;
    o.max_flows = nflows;
    o.duration_us = dur;
    o.start_us = start;
    o.seed = seed;
    o.scale = scale;
    o.pcap_path = pcap;
    o.pcap_format = pcapng ? SG_PCAPNG : (ns ? SG_PCAP_NS : SG_PCAP_US);
    o.taint = taint;
    o.no_pairing = nopair;
    o.no_lookups = nolookup;
    o.no_noise = nonoise;
    o.flows_out = flows_out;
    o.flows_format = have_fmt ? ofmt : SG_FMT_AUTO;
    o.force = force;
    o.logs_dir = logs;
    o.packet_labels_out = plabels;
    o.mpi = mpi;
    sg_error err = {0};
    sg_generate_result res;
    sg_generate *g = NULL;
    if (sg_generate_create(&o, &g, &err) != SG_OK) return sg_cli_error("generate", &err);
    const sg_generate_estimate *e = sg_generate_get_estimate(g);
    if (!quiet && isatty(STDERR_FILENO) && e->pcap_bytes + e->flows_bytes >= LARGE_RUN_BYTES) {
        char b[32];
        sg_generate_format_bytes(e->pcap_bytes + e->flows_bytes, b, sizeof b);
        fprintf(stderr, "secgen generate: about %s to write (~%llu flows); Ctrl-C stops and removes the partial output\n", b,
                (unsigned long long)e->flows);
    }
    sg_status st = sg_generate_run(g, &res, &err);
    const int rank = sg_generate_mpi_rank(g); /* --mpi: rank 0 speaks for the job (all get one outcome) */
    sg_generate_destroy(g);
    if (st != SG_OK) return rank > 0 ? SG_EXIT_RUNTIME : sg_cli_error("generate", &err);
    if (quiet || rank > 0) return SG_EXIT_OK;
    if (res.has_pcap || config) {
        fprintf(stderr, "secgen generate: %s", pcap ? pcap : flows_out);
        if (pcap && flows_out) fprintf(stderr, " + %s", flows_out);
        if (logs) fprintf(stderr, " + %s/conn.log (%llu records)", logs, (unsigned long long)res.log_records);
        if (logs && config) fprintf(stderr, " + %s/hosts/ (%llu lines)", logs, (unsigned long long)res.host_log_records);
        fprintf(stderr, "\n");
        sg_pktgen_print_stats(&res.pkt, stderr);
    } else {
        fprintf(stderr, "secgen generate: %llu flows written to %s (%s layout)\n", (unsigned long long)res.flows_written,
                flows_out, sg_flow_format_name(res.flows_format));
    }
    return SG_EXIT_OK;
}
