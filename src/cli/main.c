/* secgen: git-style dispatcher. Subcommands live in src/cli/cmd_<name>.c; commands.h is
 * generated from those file names by CMake. Owns the top-level options (--help, help CMD,
 * --version) and the one getopt setting every command shares (opterr = 0: bad options are
 * reported once, by sg_cli_getopt or the command). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "commands.h"

static const char *const sg_cli_summaries[][2] = {
    {"extract", "pcap/pcapng -> bidirectional flows (+ packet sequences)"},
    {"learn", "learn a FlowChronicle flow model from flows"},
    {"generate", "generate flows and/or a pcap from models (embedded defaults if none)"},
    {"automata", "learn/score/sample/show TADAM timed automata"},
    {"evaluate", "fidelity metrics of synthetic vs real flows (text/JSON/HTML)"},
    {"detect", "anomaly detectors trained on real vs synthetic, tested on labelled data"},
    {"baseline", "baseline generators: independent-bn, sequence-bn"},
    {"info", "what a model, capture or CSV holds"},
    {"convert", "flow CSV layout to layout (cidds, ugr16, argus, native), labels kept"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: secgen <command> [options]\n"
                "       secgen help <command>      the command's options (same as secgen <command> --help)\n"
                "       secgen -V | --version      print the version\n\ncommands:\n");
    for (const sg_cli_command *c = sg_cli_commands; c->name; c++) {
        const char *s = "";
        for (size_t i = 0; i < sizeof sg_cli_summaries / sizeof sg_cli_summaries[0]; i++)
            if (strcmp(sg_cli_summaries[i][0], c->name) == 0) s = sg_cli_summaries[i][1];
        fprintf(fp, "  %-10s %s\n", c->name, s);
    }
}

static const sg_cli_command *find(const char *name)
{
    for (const sg_cli_command *c = sg_cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static int unknown(const char *name)
{
    fprintf(stderr, "secgen: unknown command '%s'\n", name);
    usage(stderr);
    return SG_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    opterr = 0; /* every command reports its own bad options, once */
    if (argc < 2) {
        usage(stderr);
        return SG_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "-h") || !strcmp(a, "--help") || (!strcmp(a, "help") && argc == 2)) {
        usage(stdout);
        return SG_EXIT_OK;
    }
    if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
        printf("secgen %s\n", sg_cli_version());
        return SG_EXIT_OK;
    }
    if (!strcmp(a, "help")) {
        /* secgen help CMD [ACTION]: the command's own --help (automata takes an action) */
        const sg_cli_command *c = find(argv[2]);
        if (!c) return unknown(argv[2]);
        char *av[4] = {argv[2], NULL, NULL, NULL};
        int ac = 1;
        if (argc > 3) av[ac++] = argv[3];
        av[ac++] = "--help";
        return c->fn(ac, av);
    }
    sg_cli_cleanup_on_signal();
    const sg_cli_command *c = find(a);
    if (!c) return unknown(a);
    return c->fn(argc - 1, argv + 1);
}
