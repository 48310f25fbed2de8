/* Atomic output: write to a temporary file next to the target, fsync, rename. A failed or
 * interrupted run never leaves a truncated file where a good one was, and (with the CLI's signal
 * handler calling sg_outfile_remove_temporaries) no temporary either. */
#include "secgen/core.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Registry of the temporaries currently open, for a signal handler: fixed slots of atomic
 * pointers (lock-free, so reading them in a handler is async-signal-safe). A slot holds the
 * temporary's path from mkstemp until the temporary is renamed or removed; the path's memory is
 * freed only after the slot is cleared. A handler that runs between rename and clearing unlinks a
 * name that no longer exists (harmless: mkstemp names are unique). More than SLOTS temporaries at
 * once: the extra ones are not registered (they are still removed on errors, not on signals). */
#define SLOTS 64
static _Atomic(const char *) tmp_slots[SLOTS];

static int tmp_register(const char *path)
{
    for (int i = 0; i < SLOTS; i++) {
        const char *expected = NULL;
        if (atomic_compare_exchange_strong(&tmp_slots[i], &expected, path)) return i;
    }
    return -1;
}

static void tmp_unregister(int slot)
{
    if (slot >= 0) atomic_store(&tmp_slots[slot], NULL);
}

void sg_outfile_remove_temporaries(void)
{
    for (int i = 0; i < SLOTS; i++) {
        const char *p = atomic_load(&tmp_slots[i]);
        if (p) unlink(p);
    }
}

size_t sg_outfile_open_temporaries(void)
{
    size_t n = 0;
    for (int i = 0; i < SLOTS; i++) n += atomic_load(&tmp_slots[i]) != NULL;
    return n;
}

struct sg_outfile {
    FILE *fp;
    char *path;
    char *tmp;  /* NULL for stdout and special files */
    int direct; /* special file opened directly (closed on commit/abort) */
    int slot;   /* in tmp_slots, -1 if not registered */
};

sg_status sg_outfile_open(sg_outfile **out, const char *path, sg_error *err)
{
    *out = NULL;
    if (!path || !*path) return sg_error_set(err, SG_ERR_INVALID, "no output path given");
    sg_outfile *o = calloc(1, sizeof *o);
    if (!o) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    o->slot = -1;
    o->path = strdup(path);
    if (!o->path) goto nomem;
    if (strcmp(path, "-") == 0) {
        o->fp = stdout;
        *out = o;
        return SG_OK;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device, FIFO or socket (-o /dev/null, a named pipe): write to it directly. A temporary
         * file renamed over it would replace /dev/null with a regular file. */
        if (S_ISDIR(st.st_mode)) {
            free(o->path);
            free(o);
            return sg_error_set(err, SG_ERR_IO, "%s: is a directory", path);
        }
        o->fp = fopen(path, "wb");
        if (!o->fp) {
            sg_status e = sg_error_set(err, SG_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
            free(o->path);
            free(o);
            return e;
        }
        o->direct = 1;
        *out = o;
        return SG_OK;
    }
    /* through a symbolic link, the temporary file goes next to the link's target and replaces
     * the target, not the link */
    struct stat lst;
    char *real = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) ? realpath(path, NULL) : NULL;
    if (real) {
        free(o->path);
        o->path = real;
        path = real;
    }
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    if (!o->tmp) goto nomem;
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        sg_status st = sg_error_set(err, SG_ERR_IO, "%s: cannot create output: %s", path, strerror(errno));
        free(o->tmp);
        free(o->path);
        free(o);
        return st;
    }
    o->slot = tmp_register(o->tmp);
    fchmod(fd, 0644);
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        close(fd);
        unlink(o->tmp);
        tmp_unregister(o->slot);
        goto nomem;
    }
    /* large buffer: outputs are written in many small rows */
    setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
    *out = o;
    return SG_OK;
nomem:
    if (o) {
        free(o->tmp);
        free(o->path);
        free(o);
    }
    return sg_error_set(err, SG_ERR_NOMEM, "out of memory opening %s", path);
}

FILE *sg_outfile_fp(sg_outfile *o) { return o->fp; }
const char *sg_outfile_path(const sg_outfile *o) { return o->path; }

static void outfile_free(sg_outfile *o)
{
    tmp_unregister(o->slot); /* before the path's memory goes */
    free(o->tmp);
    free(o->path);
    free(o);
}

sg_status sg_outfile_commit(sg_outfile *o, sg_error *err)
{
    sg_status st = SG_OK;
    if (!o->tmp) {
        if (fflush(o->fp) != 0 || ferror(o->fp))
            st = o->direct ? sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", o->path, strerror(errno))
                           : sg_error_set(err, SG_ERR_IO, "write to standard output failed: %s", strerror(errno));
        if (o->direct && fclose(o->fp) != 0 && st == SG_OK)
            st = sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
        outfile_free(o);
        return st;
    }
    int bad = ferror(o->fp) || fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0;
    int e = errno;
    if (fclose(o->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        st = sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", o->path, strerror(e));
        unlink(o->tmp);
    } else if (rename(o->tmp, o->path) != 0) {
        st = sg_error_set(err, SG_ERR_IO, "%s: cannot rename temporary file: %s", o->path, strerror(errno));
        unlink(o->tmp);
    }
    outfile_free(o);
    return st;
}

void sg_outfile_abort(sg_outfile *o)
{
    if (!o) return;
    if (o->tmp) {
        fclose(o->fp);
        unlink(o->tmp);
    } else if (o->direct) {
        fclose(o->fp);
    } else {
        fflush(o->fp);
    }
    outfile_free(o);
}

sg_status sg_file_write_atomic(const char *path, const void *data, size_t n, sg_error *err)
{
    sg_outfile *o;
    sg_status st = sg_outfile_open(&o, path, err);
    if (st != SG_OK) return st;
    if (n && fwrite(data, 1, n, o->fp) != n) {
        st = sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        sg_outfile_abort(o);
        return st;
    }
    return sg_outfile_commit(o, err);
}

sg_status sg_file_read_all(const char *path, char **data, size_t *n, sg_error *err)
{
    *data = NULL;
    if (n) *n = 0;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) return sg_error_set(err, SG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) goto nomem;
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) goto nomem;
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, fp);
        len += r;
        if (r == 0) break;
    }
    if (ferror(fp)) {
        int e = errno; /* before free/fclose can change it */
        free(buf);
        if (fp != stdin) fclose(fp);
        return sg_error_set(err, SG_ERR_IO, "%s: read failed: %s", path,
                            e == EISDIR ? "it is a directory, not a file" : strerror(e));
    }
    if (fp != stdin) fclose(fp);
    buf[len] = 0;
    *data = buf;
    if (n) *n = len;
    return SG_OK;
nomem:
    free(buf);
    if (fp != stdin) fclose(fp);
    return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory reading file", path);
}
