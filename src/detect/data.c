/* Input side of secgen detect: loading a flow or sequence CSV (the kind told apart by the
 * header), the label text of each row (from the file's label column or an id,label file), and how
 * a label text reads as normal / attack and which attack class. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "detect/detect_internal.h"

double sg_detect__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* the header's field names decide the kind: sequence CSVs have symbols (or HDFS events) */
static sg_status sniff_kind(const char *path, sg_detect_data_kind *kind, sg_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char line[8192];
    size_t n = fread(line, 1, sizeof line - 1, fp);
    fclose(fp);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    *kind = SG_DETECT_FLOWS;
    char *save = NULL;
    for (char *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '"') tok++;
        size_t l = strlen(tok);
        while (l && (tok[l - 1] == ' ' || tok[l - 1] == '"')) tok[--l] = '\0';
        if (!strcasecmp(tok, "symbols") || !strcasecmp(tok, "events")) *kind = SG_DETECT_SEQUENCES;
    }
    return SG_OK;
}

void sg_detect_data_destroy(sg_detect_data *d)
{
    if (!d) return;
    free(d->path);
    sg_flow_table_free(&d->flows);
    sg_seq_set_destroy(d->seqs);
    sg_strtab_destroy(d->labtab);
    free(d->label);
    free(d);
}

sg_status sg_detect_data_load(const char *path, sg_detect_data **out, sg_error *err)
{
    *out = NULL;
    sg_detect_data *d = calloc(1, sizeof *d);
    if (!d) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    sg_flow_table_init(&d->flows);
    d->path = strdup(path);
    d->labtab = sg_strtab_create();
    if (!d->path || !d->labtab) {
        sg_detect_data_destroy(d);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    sg_status st = sniff_kind(path, &d->kind, err);
    if (st != SG_OK) goto fail;
    if (d->kind == SG_DETECT_SEQUENCES) {
        st = sg_seq_read(path, &d->seqs, err);
        if (st != SG_OK) goto fail;
        d->n = sg_seq_set_count(d->seqs);
        d->label = malloc((d->n ? d->n : 1) * sizeof *d->label);
        if (!d->label) goto oom;
        for (size_t i = 0; i < d->n; i++) {
            const char *t = sg_seq_set_label_name(d->seqs, i);
            d->label[i] = SG_DET_NOLABEL;
            if (!t) continue;
            int64_t id = sg_strtab_intern(d->labtab, t, strlen(t));
            if (id < 0) goto oom;
            d->label[i] = (uint32_t)id;
            d->label_source = "label";
        }
    } else {
        sg_vec ids;
        sg_vec_init(&ids, sizeof(uint32_t));
        sg_flow_read_opts ro = {0};
        ro.labels = d->labtab;
        ro.label_ids = &ids;
        st = sg_flow_read(path, &ro, &d->flows, err);
        if (st != SG_OK) {
            sg_vec_free(&ids);
            goto fail;
        }
        d->n = d->flows.n;
        d->label = malloc((d->n ? d->n : 1) * sizeof *d->label);
        if (!d->label) {
            sg_vec_free(&ids);
            goto oom;
        }
        for (size_t i = 0; i < d->n; i++) d->label[i] = i < ids.len ? SG_VEC_AT(&ids, uint32_t, i) : SG_DET_NOLABEL;
        d->label_source = ro.label_column;
        sg_vec_free(&ids);
    }
    if (d->n == 0) {
        st = sg_error_set(err, SG_ERR_EMPTY, "%s: no %s", path, d->kind == SG_DETECT_FLOWS ? "flows" : "sequences");
        goto fail;
    }
    *out = d;
    return SG_OK;
oom:
    st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
fail:
    sg_detect_data_destroy(d);
    return st;
}

sg_detect_data_kind sg_detect_data_kind_of(const sg_detect_data *d) { return d->kind; }
const char *sg_detect_data_path(const sg_detect_data *d) { return d->path; }
size_t sg_detect_data_rows(const sg_detect_data *d) { return d->n; }

const char *sg_detect_data_label(const sg_detect_data *d, size_t i)
{
    if (i >= d->n || d->label[i] == SG_DET_NOLABEL) return NULL;
    return sg_strtab_str(d->labtab, d->label[i]);
}

/* split one line of the labels file at commas (no quoting: ids and labels are plain words) */
static size_t split_fields(char *line, char **f, size_t maxf)
{
    size_t n = 0;
    char *p = line;
    while (n < maxf) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    for (size_t i = 0; i < n; i++) {
        while (*f[i] == ' ') f[i]++;
        size_t l = strlen(f[i]);
        while (l && (f[i][l - 1] == ' ' || f[i][l - 1] == '\r')) f[i][--l] = '\0';
    }
    return n;
}

sg_status sg_detect_data_apply_labels(sg_detect_data *d, const char *labels_path, sg_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    sg_status st = sg_file_read_all(labels_path, &buf, &len, err);
    if (st != SG_OK) return st;
    /* id -> row */
    sg_hashmap *rows = sg_hashmap_create(d->n * 2 + 16);
    uint8_t *seen = calloc(d->n, 1);
    if (!rows || !seen) {
        st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (d->kind == SG_DETECT_SEQUENCES) {
        for (size_t i = 0; i < d->n; i++) {
            const char *id = sg_seq_set_get(d->seqs, i)->id;
            if (sg_hashmap_put(rows, id, strlen(id), i) != SG_OK) {
                st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
    }
    size_t lineno = 0, nlab = 0;
    int idc = 0, labc = 1;
    for (char *line = buf, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        else if (!*line) break; /* after the final newline */
        lineno++;
        if (strchr(line, '"')) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s:%zu: quoted fields are not supported in a labels file",
                              labels_path, lineno);
            goto done;
        }
        char *f[64];
        size_t nf = split_fields(line, f, 64);
        if (lineno == 1) {
            /* header: id column (id, flow_id, block_id, row) and label column; default the first two */
            idc = labc = -1;
            for (size_t i = 0; i < nf; i++) {
                if (idc < 0 && (!strcasecmp(f[i], "id") || !strcasecmp(f[i], "flow_id") || !strcasecmp(f[i], "block_id") ||
                                !strcasecmp(f[i], "row")))
                    idc = (int)i;
                else if (labc < 0 && (!strcasecmp(f[i], "label") || !strcasecmp(f[i], "lable") || !strcasecmp(f[i], "class")))
                    labc = (int)i;
            }
            if (idc < 0 || labc < 0) {
                st = sg_error_set(err, SG_ERR_PARSE,
                                  "%s:1: header needs an id column (id, flow_id, block_id or row) and a label column",
                                  labels_path);
                goto done;
            }
            continue;
        }
        if (nf == 1 && f[0][0] == '\0') continue; /* blank line */
        if ((int)nf <= idc || (int)nf <= labc) {
            st = sg_error_set(err, SG_ERR_PARSE, "%s:%zu: %zu fields, expected at least %d", labels_path, lineno, nf,
                              (idc > labc ? idc : labc) + 1);
            goto done;
        }
        uint64_t row = 0;
        int found;
        if (d->kind == SG_DETECT_SEQUENCES) {
            found = sg_hashmap_get(rows, f[idc], strlen(f[idc]), &row);
        } else {
            uint64_t v;
            found = sg_parse_u64(f[idc], strlen(f[idc]), &v) == 0 && v >= 1 && v <= d->n;
            if (!found && sg_parse_u64(f[idc], strlen(f[idc]), &v) != 0) {
                st = sg_error_set(err, SG_ERR_PARSE, "%s:%zu: id '%s' is not a row number (1-based data row of %s)",
                                  labels_path, lineno, f[idc], d->path);
                goto done;
            }
            row = v - 1;
        }
        if (!found) {
            st = sg_error_set(err, SG_ERR_INVALID, "%s:%zu: id '%s' is not a %s of %s", labels_path, lineno, f[idc],
                              d->kind == SG_DETECT_SEQUENCES ? "flow_id" : "data row", d->path);
            goto done;
        }
        if (seen[row]) {
            st = sg_error_set(err, SG_ERR_INVALID, "%s:%zu: id '%s' labelled twice", labels_path, lineno, f[idc]);
            goto done;
        }
        seen[row] = 1;
        int64_t lid = sg_strtab_intern(d->labtab, f[labc], strlen(f[labc]));
        if (lid < 0) {
            st = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            goto done;
        }
        d->label[row] = (uint32_t)lid;
        nlab++;
    }
    if (nlab < d->n) {
        size_t first = 0;
        while (first < d->n && seen[first]) first++;
        st = sg_error_set(err, SG_ERR_INVALID, "%s: labels %zu of the %zu rows of %s; row %zu%s%s has none", labels_path,
                          nlab, d->n, d->path, first + 1, d->kind == SG_DETECT_SEQUENCES ? " flow_id " : "",
                          d->kind == SG_DETECT_SEQUENCES ? sg_seq_set_get(d->seqs, first)->id : "");
        goto done;
    }
    d->label_source = labels_path;
done:
    sg_hashmap_destroy(rows);
    free(seen);
    free(buf);
    return st;
}
