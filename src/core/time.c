/* Time parsing/printing. All times are int64 microseconds since the Unix epoch, UTC; civil
 * conversions use Howard Hinnant's days_from_civil algorithm (no timegm/TZ dependence, so
 * results do not depend on the machine's locale or zone). */
#include "secgen/core.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

int64_t sg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*pos >= len || !isdigit((unsigned char)s[*pos])) return -1;
        v = v * 10 + (s[(*pos)++] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

sg_status sg_time_parse_n(const char *s, size_t len, int64_t *us_out, sg_error *err)
{
    size_t pos = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac_us = 0;
    while (len > 0 && isspace((unsigned char)s[len - 1])) len--;
    while (pos < len && isspace((unsigned char)s[pos])) pos++;
    /* "@<epoch seconds>" or a bare epoch number with >= 9 integer digits */
    size_t start = pos;
    if (pos < len && s[pos] == '@') start = ++pos;
    {
        size_t i = start, nd = 0;
        while (i < len && isdigit((unsigned char)s[i])) i++, nd++;
        int all_num = nd > 0 && (i == len || (s[i] == '.' && i + 1 <= len));
        if (all_num && i < len) {
            size_t j = i + 1;
            while (j < len && isdigit((unsigned char)s[j])) j++;
            all_num = j == len;
        }
        if (all_num && (start != 0 || nd >= 9)) {
            double v;
            if (sg_parse_double(s + start, len - start, &v) != 0 || v > 9.2e12)
                return sg_error_set(err, SG_ERR_PARSE, "bad epoch time '%.*s'", (int)len, s);
            *us_out = (int64_t)llround(v * 1e6);
            return SG_OK;
        }
        pos = start;
    }
    if (digits(s, len, &pos, 4, &y)) goto bad;
    if (pos >= len || (s[pos] != '-' && s[pos] != '/')) goto bad;
    char sep = s[pos++];
    if (digits(s, len, &pos, 2, &mo) || pos >= len || s[pos++] != sep || digits(s, len, &pos, 2, &d)) goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) goto bad;
    if (pos < len && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
        pos++;
        if (digits(s, len, &pos, 2, &h) || pos >= len || s[pos++] != ':' || digits(s, len, &pos, 2, &mi)) goto bad;
        if (pos < len && s[pos] == ':') {
            pos++;
            if (digits(s, len, &pos, 2, &sec)) goto bad;
            if (pos < len && (s[pos] == '.' || s[pos] == ',')) {
                pos++;
                int nd = 0;
                int64_t scale = 100000;
                if (pos >= len || !isdigit((unsigned char)s[pos])) goto bad;
                while (pos < len && isdigit((unsigned char)s[pos])) {
                    if (nd < 6) frac_us += (s[pos] - '0') * scale;
                    scale /= 10;
                    nd++;
                    pos++;
                    if (nd > 9) goto bad;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 60) goto bad;
    }
    int64_t offset_s = 0;
    if (pos < len) {
        if (s[pos] == 'Z' || s[pos] == 'z') {
            pos++;
        } else if (s[pos] == '+' || s[pos] == '-') {
            int sign = s[pos++] == '-' ? -1 : 1, oh, om = 0;
            if (digits(s, len, &pos, 2, &oh)) goto bad;
            if (pos < len && s[pos] == ':') pos++;
            if (pos < len && digits(s, len, &pos, 2, &om)) goto bad;
            if (oh > 23 || om > 59) goto bad;
            offset_s = sign * (oh * 3600 + om * 60);
        }
    }
    if (pos != len) goto bad;
    int64_t days = sg_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *us_out = ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000000 + frac_us;
    return SG_OK;
bad:
    return sg_error_set(err, SG_ERR_PARSE,
                        "bad time '%.*s' (expected ISO-8601 like 2017-04-05T10:31:02.123456Z, "
                        "'2017-04-05 10:31:02', '2013/10/21 13:22:59.34' or epoch seconds)",
                        (int)(len > 64 ? 64 : len), s);
}

sg_status sg_time_parse(const char *s, int64_t *us_out, sg_error *err)
{
    if (!s) return sg_error_set(err, SG_ERR_PARSE, "missing time");
    return sg_time_parse_n(s, strlen(s), us_out, err);
}

void sg_time_split(int64_t us, sg_time_fields *out)
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    out->micro = us - secs * 1000000;
    sg_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (unsigned)(rem / 3600);
    out->minute = (unsigned)(rem / 60 % 60);
    out->second = (unsigned)(rem % 60);
}

void sg_time_format(int64_t us, char *buf, size_t bufsz)
{
    sg_time_fields t;
    sg_time_split(us, &t);
    snprintf(buf, bufsz, "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ", (long long)t.year, t.month, t.day, t.hour, t.minute,
             t.second, (long long)t.micro);
}

sg_status sg_duration_parse(const char *s, int64_t *us_out, sg_error *err)
{
    if (!s || !*s) return sg_error_set(err, SG_ERR_PARSE, "empty duration");
    size_t len = strlen(s), pos = 0;
    double total_s = 0;
    int iso = 0, in_time = 0, parts = 0;
    if (s[0] == 'P' || s[0] == 'p') {
        iso = 1;
        pos = 1;
    }
    while (pos < len) {
        if (iso && (s[pos] == 'T' || s[pos] == 't')) {
            in_time = 1;
            pos++;
            continue;
        }
        size_t nstart = pos;
        while (pos < len && (isdigit((unsigned char)s[pos]) || s[pos] == '.')) pos++;
        if (pos == nstart) goto bad;
        double v;
        if (sg_parse_double(s + nstart, pos - nstart, &v) != 0 || v < 0) goto bad;
        size_t ustart = pos;
        while (pos < len && isalpha((unsigned char)s[pos]) && !(iso && (s[pos] == 'T' || s[pos] == 't'))) {
            pos++;
            if (iso) break; /* ISO units are one letter */
        }
        size_t ul = pos - ustart;
        const char *u = s + ustart;
        double mult;
        if (ul == 0) {
            if (iso || parts > 0 || pos != len) goto bad;
            mult = 1; /* bare number: seconds */
        } else if (iso) {
            char c = (char)toupper((unsigned char)u[0]);
            if (c == 'W' && !in_time) mult = 604800;
            else if (c == 'D' && !in_time) mult = 86400;
            else if (c == 'H' && in_time) mult = 3600;
            else if (c == 'M' && in_time) mult = 60;
            else if (c == 'S' && in_time) mult = 1;
            else goto bad;
        } else if (ul == 1 && (u[0] == 'w' || u[0] == 'W')) mult = 604800;
        else if (ul == 1 && (u[0] == 'd' || u[0] == 'D')) mult = 86400;
        else if (ul == 1 && (u[0] == 'h' || u[0] == 'H')) mult = 3600;
        else if (ul == 1 && u[0] == 'm') mult = 60;
        else if ((ul == 1 && (u[0] == 's' || u[0] == 'S')) || (ul == 3 && !strncmp(u, "sec", 3))) mult = 1;
        else if (ul == 3 && !strncmp(u, "min", 3)) mult = 60;
        else if (ul == 2 && !strncmp(u, "ms", 2)) mult = 1e-3;
        else if (ul == 2 && !strncmp(u, "us", 2)) mult = 1e-6;
        else goto bad;
        total_s += v * mult;
        parts++;
    }
    if (parts == 0 || total_s > 9.2e12) goto bad;
    *us_out = (int64_t)llround(total_s * 1e6);
    return SG_OK;
bad:
    return sg_error_set(err, SG_ERR_PARSE,
                        "bad duration '%s' (expected e.g. 1h30m, 90s, 1.5h, 250ms, 2d, PT1H30M)", s);
}

int64_t sg_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) && ((a < 0) != (b < 0))) q--;
    return q;
}

int sg_hour_of_week(int64_t hour_index)
{
    int64_t day = sg_floor_div(hour_index, 24);
    int64_t wd = ((day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
    return (int)(wd * 24 + (hour_index - day * 24));
}
