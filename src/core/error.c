/* Status codes and error messages: the library fills an sg_error, only the CLI prints it. */
#include "secgen/core.h"

#include <stdio.h>
#include <string.h>

sg_status sg_error_set(sg_error *err, sg_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = st;
    }
    return st;
}

sg_status sg_error_prefix(sg_error *err, const char *fmt, ...)
{
    if (!err) return SG_OK;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t pl = strlen(prefix), ml = strlen(err->msg);
    if (pl >= sizeof err->msg) pl = sizeof err->msg - 1;
    if (pl + ml >= sizeof err->msg) ml = sizeof err->msg - 1 - pl;
    memmove(err->msg + pl, err->msg, ml);
    memcpy(err->msg, prefix, pl);
    err->msg[pl + ml] = 0;
    return err->status;
}

const char *sg_status_str(sg_status st)
{
    switch (st) {
    case SG_OK: return "ok";
    case SG_ERR_IO: return "I/O error";
    case SG_ERR_PARSE: return "parse error";
    case SG_ERR_INVALID: return "invalid input";
    case SG_ERR_NOMEM: return "out of memory";
    case SG_ERR_UNSUPPORTED: return "unsupported";
    case SG_ERR_RANGE: return "out of range";
    case SG_ERR_EMPTY: return "no data";
    }
    return "unknown status";
}
