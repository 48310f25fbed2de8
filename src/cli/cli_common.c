#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifndef SECGEN_VERSION
#error "SECGEN_VERSION is defined by CMake from project(VERSION)"
#endif

const char *sg_cli_version(void) { return SECGEN_VERSION; }

int sg_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    /* a leading ':' makes getopt return ':' for a missing value, so the two cases differ */
    char spec[128];
    if (shortopts[0] == ':') snprintf(spec, sizeof spec, "%s", shortopts);
    else snprintf(spec, sizeof spec, ":%s", shortopts);
    opterr = 0;
    int prev = optind;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c != '?' && c != ':') return c;
    /* the offending word: getopt has moved past it unless a short option sits inside a
     * cluster ("-qj": optind still points at the cluster) */
    const char *word = optind > prev && optind - 1 < argc ? argv[optind - 1] : (prev < argc ? argv[prev] : "");
    char name[64];
    if (word[0] == '-' && word[1] == '-') {
        size_t n = strcspn(word, "=");
        snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), word);
    } else {
        snprintf(name, sizeof name, "-%c", optopt ? optopt : '?');
    }
    if (c == ':') sg_cli_usage_error(cmd, "option '%s' needs a value", name);
    else if (word[0] == '-' && word[1] == '-' && optopt && strchr(word, '='))
        sg_cli_usage_error(cmd, "option '%s' takes no value", name);
    else if (word[0] == '-' && word[1] == '-' && optopt == 0 && longopts) {
        /* unknown or ambiguous long option */
        size_t n = strcspn(word + 2, "="), hits = 0;
        for (const struct option *o = longopts; o->name; o++)
            if (strncmp(o->name, word + 2, n) == 0) hits++;
        if (hits > 1) sg_cli_usage_error(cmd, "option '%s' is ambiguous", name);
        else sg_cli_usage_error(cmd, "unknown option '%s'", name);
    } else
        sg_cli_usage_error(cmd, "unknown option '%s'", name);
    return '?';
}

int sg_cli_error(const char *cmd, const sg_error *err)
{
    fprintf(stderr, "secgen %s: %s\n", cmd, err && err->msg[0] ? err->msg : "unknown error");
    return SG_EXIT_RUNTIME;
}

int sg_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "secgen %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'secgen %s --help'.\n", cmd);
    return SG_EXIT_USAGE;
}

int sg_cli_parse_int(const char *cmd, const char *opt, const char *val, long long lo, long long hi, long long *out)
{
    int64_t v;
    if (!val || sg_parse_i64(val, strlen(val), &v) != 0 || v < lo || v > hi) {
        sg_cli_usage_error(cmd, "%s expects an integer in [%lld, %lld], got '%s'", opt, lo, hi, val ? val : "");
        return 1;
    }
    *out = v;
    return 0;
}

int sg_cli_parse_u64(const char *cmd, const char *opt, const char *val, uint64_t *out)
{
    if (!val || sg_parse_u64(val, strlen(val), out) != 0) {
        sg_cli_usage_error(cmd, "%s expects a non-negative integer, got '%s'", opt, val ? val : "");
        return 1;
    }
    return 0;
}

int sg_cli_parse_duration(const char *cmd, const char *opt, const char *val, int64_t *us)
{
    sg_error err = {0};
    if (sg_duration_parse(val, us, &err) != SG_OK) {
        sg_cli_usage_error(cmd, "%s: %s", opt, err.msg);
        return 1;
    }
    return 0;
}

int sg_cli_parse_time(const char *cmd, const char *opt, const char *val, int64_t *us)
{
    sg_error err = {0};
    if (sg_time_parse(val, us, &err) != SG_OK) {
        sg_cli_usage_error(cmd, "%s: %s", opt, err.msg);
        return 1;
    }
    return 0;
}

/* A signal that ends the program removes the temporaries of the outputs being written, then ends
 * the program by that same signal (default action re-raised), so the shell sees 130 (SIGINT),
 * 143 (SIGTERM), 129 (SIGHUP) or 141 (SIGPIPE) and a calling script stops as it would for any
 * interrupted program. Only async-signal-safe calls: unlink (in core), signal, raise. */
static void on_fatal_signal(int sig)
{
    sg_outfile_remove_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

void sg_cli_cleanup_on_signal(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaddset(&sa.sa_mask, sigs[k]);
        /* a signal the caller ignores (nohup, trap '' INT) stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaction(sigs[i], &sa, NULL);
    }
}
