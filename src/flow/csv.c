/* RFC 4180 CSV tokenizer over a memory buffer (see csv.h). Every access is checked against
 * c->end: the fuzz targets feed it arbitrary bytes. */
#include "csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sg_csv_init(sg_csv *c, const char *name, const char *data, size_t len)
{
    memset(c, 0, sizeof *c);
    c->name = name ? name : "<input>";
    c->p = data;
    c->end = data + len;
    c->line = 1;
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF)
        c->p += 3;
}

void sg_csv_free(sg_csv *c)
{
    free(c->f);
    free(c->off);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

static int buf_put(sg_csv *c, const char *s, size_t n)
{
    if (c->blen + n + 1 > c->bcap) {
        size_t nc = c->bcap ? c->bcap : 256;
        while (nc < c->blen + n + 1) nc *= 2;
        char *nb = realloc(c->buf, nc);
        if (!nb) return -1;
        c->buf = nb;
        c->bcap = nc;
    }
    if (n) memcpy(c->buf + c->blen, s, n);
    c->blen += n;
    return 0;
}

static int field_begin(sg_csv *c)
{
    if (c->nf == c->fcap) {
        size_t nc = c->fcap ? c->fcap * 2 : 32;
        size_t *no = realloc(c->off, nc * sizeof *no);
        if (!no) return -1;
        c->off = no;
        sg_csv_field *nf = realloc(c->f, nc * sizeof *nf);
        if (!nf) return -1;
        c->f = nf;
        c->fcap = nc;
    }
    c->off[c->nf] = c->blen;
    return 0;
}

static int is_blank(char ch) { return ch == ' ' || ch == '\t'; }

/* advance past the end of the current physical line (recovery after a bad row) */
static void skip_line(sg_csv *c, const char *p)
{
    while (p < c->end && *p != '\n' && *p != '\r') p++;
    if (p < c->end) {
        if (*p == '\r' && p + 1 < c->end && p[1] == '\n') p++;
        p++;
        c->line++;
    }
    c->p = p;
}

int sg_csv_next(sg_csv *c, sg_error *err)
{
    const char *end = c->end;
    /* skip blank lines (empty or only blanks) */
    for (;;) {
        const char *q = c->p;
        while (q < end && is_blank(*q)) q++;
        if (q >= end) {
            c->p = end;
            return SG_CSV_EOF;
        }
        if (*q == '\n' || *q == '\r') {
            if (*q == '\r' && q + 1 < end && q[1] == '\n') q++;
            c->p = q + 1;
            c->line++;
            continue;
        }
        break;
    }
    c->rec_line = c->line;
    c->nf = 0;
    c->blen = 0;
    const char *p = c->p;
    for (;;) {
        if (field_begin(c) != 0) goto nomem;
        while (p < end && is_blank(*p)) p++;
        if (p < end && *p == '"') {
            size_t qline = c->line;
            p++;
            for (;;) {
                if (p >= end) {
                    c->p = end;
                    sg_error_set(err, SG_ERR_PARSE, "%s:%zu:%zu: unterminated quoted field (opened on line %zu)",
                                 c->name, qline, c->nf + 1, qline);
                    return SG_CSV_FATAL;
                }
                const char *q = p;
                /* copy runs without quotes in one go */
                while (q < end && *q != '"') {
                    if (*q == '\n') c->line++;
                    q++;
                }
                if (buf_put(c, p, (size_t)(q - p)) != 0) goto nomem;
                p = q;
                if (p >= end) continue;
                if (p + 1 < end && p[1] == '"') {
                    if (buf_put(c, "\"", 1) != 0) goto nomem;
                    p += 2;
                    continue;
                }
                p++; /* closing quote */
                break;
            }
            while (p < end && is_blank(*p)) p++;
            if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                size_t col = c->nf + 1, line = c->line;
                char ch = (*p >= 32 && *p < 127) ? *p : '?';
                skip_line(c, p);
                sg_error_set(err, SG_ERR_PARSE, "%s:%zu:%zu: unexpected character '%c' after closing quote",
                             c->name, line, col, ch);
                return SG_CSV_BAD_ROW;
            }
        } else {
            const char *s = p;
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') p++;
            const char *e = p;
            while (e > s && is_blank(e[-1])) e--;
            if (buf_put(c, s, (size_t)(e - s)) != 0) goto nomem;
        }
        if (buf_put(c, "", 0) != 0) goto nomem;
        c->buf[c->blen++] = '\0';
        c->nf++;
        if (p >= end) {
            c->p = end;
            break;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        /* line end: LF, CRLF or a lone CR */
        if (*p == '\r' && p + 1 < end && p[1] == '\n') p++;
        p++;
        c->line++;
        c->p = p;
        break;
    }
    for (size_t i = 0; i < c->nf; i++) {
        c->f[i].s = c->buf + c->off[i];
        size_t next = i + 1 < c->nf ? c->off[i + 1] : c->blen;
        c->f[i].len = next - c->off[i] - 1;
    }
    return SG_CSV_RECORD;
nomem:
    c->p = end;
    sg_error_set(err, SG_ERR_NOMEM, "%s:%zu: out of memory reading CSV", c->name, c->rec_line);
    return SG_CSV_FATAL;
}

/* Non-negative decimal seconds -> µs, exact for up to 6 decimals, rounded half up beyond. */
int sg_csv_parse_secs(const char *s, size_t len, int64_t *us, const char **why)
{
    *why = "not a number of seconds";
    if (len == 0) {
        *why = "empty";
        return -1;
    }
    if (s[0] == '-') {
        double v;
        *why = sg_parse_double(s, len, &v) == 0 && v < 0 ? "negative" : "not a number of seconds";
        if (sg_parse_double(s, len, &v) == 0 && v == 0) {
            *us = 0;
            return 0;
        }
        return -1;
    }
    size_t i = 0;
    if (s[0] == '+') i++;
    if (memchr(s, 'e', len) || memchr(s, 'E', len)) {
        double v;
        if (sg_parse_double(s, len, &v) != 0 || v < 0 || v > 9.2e12) return -1;
        *us = (int64_t)llround(v * 1e6);
        return 0;
    }
    int64_t ip = 0;
    size_t nd = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
        if (ip > 9200000000000LL) {
            *why = "too large";
            return -1;
        }
        ip = ip * 10 + (s[i] - '0');
    }
    int64_t frac = 0, scale = 100000;
    size_t fd = 0;
    int round_up = 0;
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, fd++) {
            if (fd < 6) {
                frac += (s[i] - '0') * scale;
                scale /= 10;
            } else if (fd == 6) {
                round_up = s[i] >= '5';
            }
        }
    }
    if (i != len || nd + fd == 0) return -1;
    if (ip > 9200000000000LL) {
        *why = "too large";
        return -1;
    }
    *us = ip * 1000000 + frac + round_up;
    return 0;
}

