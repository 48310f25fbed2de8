/* Shared helpers for the secgen subcommands (src/cli/cmd_<name>.c). The CLI holds no logic
 * beyond argument parsing and wiring; exit codes: 0 ok, 1 runtime error, 2 usage error. */
#ifndef SECGEN_CLI_H
#define SECGEN_CLI_H

#include "secgen/core.h"

#define SG_EXIT_OK 0
#define SG_EXIT_RUNTIME 1
#define SG_EXIT_USAGE 2

/* print "secgen CMD: <message>" on stderr and return SG_EXIT_RUNTIME */
int sg_cli_error(const char *cmd, const sg_error *err);
/* printf-style usage error: prints message + "try 'secgen CMD --help'", returns SG_EXIT_USAGE */
int sg_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* parse helpers for option values; on failure print a usage error and return nonzero */
int sg_cli_parse_int(const char *cmd, const char *opt, const char *val, long long lo, long long hi, long long *out);
int sg_cli_parse_u64(const char *cmd, const char *opt, const char *val, uint64_t *out);
int sg_cli_parse_duration(const char *cmd, const char *opt, const char *val, int64_t *us);
int sg_cli_parse_time(const char *cmd, const char *opt, const char *val, int64_t *us);
/* SIGINT/SIGTERM/SIGHUP/SIGPIPE remove the outputs' temporaries (*.tmp.*) before the program ends
 * by the signal (exit status 128 + signal number); installed once by main */
void sg_cli_cleanup_on_signal(void);

struct option;
/* getopt_long for subcommands, with one message per bad option. main() sets opterr = 0, so
 * getopt itself prints nothing; this prints "secgen CMD: unknown option '-j'" (or "option
 * '--output' needs a value", "option '--quiet' takes no value") and the --help hint, and
 * returns '?'. The caller's default case then only returns SG_EXIT_USAGE. cmd may name an
 * action ("automata learn"). */
int sg_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts);
/* The version from CMake's project(VERSION), e.g. "0.1.0". */
const char *sg_cli_version(void);

#endif
