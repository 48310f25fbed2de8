/* Strict whole-field number parsing: CSV readers must reject "12x" rather than read 12. */
#include "secgen/core.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sg_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int sg_parse_i64(const char *s, size_t len, int64_t *out)
{
    int neg = 0;
    if (len && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s++;
        len--;
    }
    uint64_t v;
    if (sg_parse_u64(s, len, &v) != 0) return -1;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return -1;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return -1;
        *out = (int64_t)v;
    }
    return 0;
}

int sg_parse_double(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 63) return -1;
    char buf[64];
    memcpy(buf, s, len);
    buf[len] = 0;
    /* strtod accepts leading blanks, hex and inf/nan: a CSV number field should hold none */
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}
