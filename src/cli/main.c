/* secgen: git-style dispatcher. Subcommands live in src/cli/cmd_<name>.c; commands.h is
 * generated from those file names by CMake. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "commands.h"

static const char *const sg_cli_summaries[][2] = {
    {"extract", "pcap/pcapng -> bidirectional flows (+ packet sequences)"},
    {"learn", "learn a FlowChronicle flow model from flows"},
    {"generate", "generate flows and/or a pcap from models (embedded defaults if none)"},
    {"automata", "learn/score/sample/show TADAM timed automata"},
    {"evaluate", "fidelity metrics of synthetic vs real flows (text/JSON/HTML)"},
    {"baseline", "baseline generators: independent-bn, sequence-bn"},
    {"info", "what a model, capture or CSV holds"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: secgen <command> [options]   (secgen <command> --help for details)\n\ncommands:\n");
    for (const sg_cli_command *c = sg_cli_commands; c->name; c++) {
        const char *s = "";
        for (size_t i = 0; i < sizeof sg_cli_summaries / sizeof sg_cli_summaries[0]; i++)
            if (strcmp(sg_cli_summaries[i][0], c->name) == 0) s = sg_cli_summaries[i][1];
        fprintf(fp, "  %-10s %s\n", c->name, s);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SG_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SG_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("secgen 0.1.0\n");
        return SG_EXIT_OK;
    }
    for (const sg_cli_command *c = sg_cli_commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0) return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "secgen: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return SG_EXIT_USAGE;
}
