#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
