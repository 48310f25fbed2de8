/* Private RFC 4180 CSV tokenizer shared by the flow and sequence readers (not a public header).
 * Works on an in-memory buffer: quoted fields ("a,b", "say ""hi"""), CRLF or LF line ends, a
 * missing final newline and a leading UTF-8 BOM are handled; blank lines are skipped. Unquoted
 * fields are trimmed of surrounding blanks (Argus pads its Dir column, CIDDS its Proto column).
 * Each field of the current record is a NUL-terminated copy, so numeric parsers never read past
 * the field. */
#ifndef SECGEN_FLOW_CSV_H
#define SECGEN_FLOW_CSV_H

#include "secgen/core.h"

typedef struct sg_csv_field {
    const char *s; /* NUL-terminated */
    size_t len;
} sg_csv_field;

typedef struct sg_csv {
    const char *name; /* file name for messages */
    const char *p, *end;
    size_t line;     /* line number of the next unread character (1-based) */
    size_t rec_line; /* line on which the current record starts */
    size_t nf;       /* fields in the current record */
    sg_csv_field *f;
    size_t fcap;
    size_t *off; /* field offsets into buf while a record is assembled */
    char *buf;
    size_t bcap, blen;
} sg_csv;

enum { SG_CSV_EOF = 0, SG_CSV_RECORD = 1, SG_CSV_BAD_ROW = -1, SG_CSV_FATAL = -2 };

void sg_csv_init(sg_csv *c, const char *name, const char *data, size_t len);
void sg_csv_free(sg_csv *c);
/* Read the next record. Returns SG_CSV_RECORD, SG_CSV_EOF, SG_CSV_BAD_ROW (malformed quoting on
 * that row: err filled, reader positioned at the next line, so the caller may skip it) or
 * SG_CSV_FATAL (unterminated quote or out of memory: err filled, stop). */
int sg_csv_next(sg_csv *c, sg_error *err);

/* Non-negative decimal seconds ("0.639", "3596.604980", "305.63599999999997", "1e-3") -> µs,
 * exact up to 6 decimals, rounded half up beyond. Returns 0, or -1 with *why = "empty",
 * "negative", "too large" or "not a number of seconds". */
int sg_csv_parse_secs(const char *s, size_t len, int64_t *us, const char **why);

#endif
