/* generate's MPI mode: joining the job, agreeing on errors, the shared pcap file and its time
 * slices (see mpi_int.h and docs/mpi.md). Compiled with or without MPI (SECGEN_HAVE_MPI, set by
 * CMake when find_package(MPI) found it): without, starting fails with a clear message. */
#include "generate/mpi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SECGEN_HAVE_MPI
#include <mpi.h>

struct sg_gen_mpi {
    int rank, size;
    int inited;        /* we called MPI_Init: we finalize */
    int failed;        /* a failure was agreed: no more collectives */
    sg_error failure;
    sg_outfile *of;    /* rank 0: the pcap's temporary */
    int fd;            /* this rank's descriptor of it (-1: none) */
};

sg_status sg_gen_mpi_start(sg_gen_mpi **out, sg_error *err)
{
    *out = NULL;
    int on = 0, done = 0;
    MPI_Initialized(&on);
    MPI_Finalized(&done);
    if (done) return sg_error_set(err, SG_ERR_INVALID, "--mpi: MPI was already finalized in this process (one --mpi run per process)");
    sg_gen_mpi *m = calloc(1, sizeof *m);
    if (!m) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    m->fd = -1;
    if (!on) {
        if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
            free(m);
            return sg_error_set(err, SG_ERR_IO, "--mpi: MPI_Init failed (start the job with mpirun -n N secgen generate --mpi ...)");
        }
        m->inited = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    *out = m;
    return SG_OK;
}

int sg_gen_mpi_rank_of(const sg_gen_mpi *m) { return m ? m->rank : -1; }
int sg_gen_mpi_size(const sg_gen_mpi *m) { return m ? m->size : 1; }

sg_status sg_gen_mpi_agree(sg_gen_mpi *m, sg_status s, sg_error *err)
{
    if (m->failed) {
        *err = m->failure;
        return m->failure.status;
    }
    int mine = s == SG_OK ? INT_MAX : m->rank, first = INT_MAX;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == INT_MAX) return SG_OK;
    /* the lowest failing rank's error, word for word, on every rank */
    struct { int status; char msg[SG_ERROR_MSG_MAX - 32]; } e; /* room for the "rank N: " prefix */
    memset(&e, 0, sizeof e);
    if (m->rank == first) {
        e.status = (int)err->status;
        size_t n = strnlen(err->msg, sizeof err->msg);
        if (n >= sizeof e.msg) n = sizeof e.msg - 1;
        memcpy(e.msg, err->msg, n);
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    m->failed = 1;
    m->failure.status = (sg_status)e.status;
    if (first != 0) snprintf(m->failure.msg, sizeof m->failure.msg, "rank %d: %.*s", first, (int)sizeof e.msg - 1, e.msg);
    else snprintf(m->failure.msg, sizeof m->failure.msg, "%.*s", (int)sizeof e.msg - 1, e.msg);
    *err = m->failure;
    return m->failure.status;
}

sg_status sg_gen_mpi_open_pcap(sg_gen_mpi *m, sg_status prior, const char *path, int *fd, sg_error *err)
{
    *fd = -1;
    sg_status s = sg_gen_mpi_agree(m, prior, err);
    if (s != SG_OK) return s;
    char tmp[PATH_MAX] = "";
    if (m->rank == 0) {
        s = sg_outfile_open(&m->of, path, err);
        if (s == SG_OK) {
            FILE *fp = sg_outfile_fp(m->of);
            m->fd = fileno(fp);
            /* the temporary's own name (sg_outfile keeps it to itself): the other ranks open it */
            char link[64];
            snprintf(link, sizeof link, "/proc/self/fd/%d", m->fd);
            ssize_t n = readlink(link, tmp, sizeof tmp - 1);
            if (n <= 0 || n >= (ssize_t)sizeof tmp - 1)
                s = sg_error_set(err, SG_ERR_IO, "%s: --mpi: cannot name the temporary file for the other ranks", path);
            else
                tmp[n] = 0;
        }
    }
    if ((s = sg_gen_mpi_agree(m, s, err)) != SG_OK) return s;
    MPI_Bcast(tmp, (int)sizeof tmp, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (m->rank != 0) {
        m->fd = open(tmp, O_WRONLY);
        if (m->fd < 0)
            s = sg_error_set(err, SG_ERR_IO, "%s: --mpi: cannot open the pcap's temporary %s: %s (the ranks must share "
                                             "the output's file system)", path, tmp, strerror(errno));
    }
    if ((s = sg_gen_mpi_agree(m, s, err)) != SG_OK) return s;
    *fd = m->fd;
    return SG_OK;
}

int sg_gen_mpi_owns(void *ctx, int64_t t_ns)
{
    const sg_gen_mpi *m = ctx;
    int64_t slice = t_ns >= 0 ? t_ns / SG_GEN_MPI_SLICE_NS : 0; /* t < 0 fails in the writer on every rank */
    return (int)(slice % m->size) == m->rank;
}

sg_status sg_gen_mpi_gate(void *ctx, sg_error *err)
{
    sg_gen_mpi *m = ctx;
    sg_status s = SG_OK;
    /* rank 0's commit fsyncs the file; the others' bytes must reach it first (a network file
     * system sees them at close or fsync) */
    if (m->rank != 0 && m->fd >= 0 && fsync(m->fd) != 0 && errno != EINVAL)
        s = sg_error_set(err, SG_ERR_IO, "--mpi: rank %d: writing the pcap failed: %s", m->rank, strerror(errno));
    return sg_gen_mpi_agree(m, s, err);
}

sg_status sg_gen_mpi_commit_pcap(sg_gen_mpi *m, sg_error *err)
{
    if (m->rank != 0) {
        if (m->fd >= 0) close(m->fd);
        m->fd = -1;
        return SG_OK;
    }
    sg_outfile *of = m->of;
    m->of = NULL;
    m->fd = -1;
    return of ? sg_outfile_commit(of, err) : SG_OK;
}

void sg_gen_mpi_end(sg_gen_mpi *m)
{
    if (!m) return;
    if (m->of) sg_outfile_abort(m->of); /* closes rank 0's descriptor */
    else if (m->fd >= 0) close(m->fd);
    if (m->inited) MPI_Finalize();
    free(m);
}

#else /* built without MPI */

sg_status sg_gen_mpi_start(sg_gen_mpi **out, sg_error *err)
{
    *out = NULL;
    return sg_error_set(err, SG_ERR_UNSUPPORTED,
                        "--mpi: this secgen was built without MPI support (install Open MPI's libopenmpi-dev, e.g. "
                        "with scripts/install-deps.sh, and reconfigure)");
}
int sg_gen_mpi_rank_of(const sg_gen_mpi *m) { (void)m; return -1; }
int sg_gen_mpi_size(const sg_gen_mpi *m) { (void)m; return 1; }
sg_status sg_gen_mpi_agree(sg_gen_mpi *m, sg_status s, sg_error *err) { (void)m; (void)err; return s; }
sg_status sg_gen_mpi_open_pcap(sg_gen_mpi *m, sg_status prior, const char *path, int *fd, sg_error *err)
{
    (void)m; (void)path; (void)err;
    *fd = -1;
    return prior;
}
int sg_gen_mpi_owns(void *m, int64_t t_ns) { (void)m; (void)t_ns; return 1; }
sg_status sg_gen_mpi_gate(void *m, sg_error *err) { (void)m; (void)err; return SG_OK; }
sg_status sg_gen_mpi_commit_pcap(sg_gen_mpi *m, sg_error *err) { (void)m; (void)err; return SG_OK; }
void sg_gen_mpi_end(sg_gen_mpi *m) { (void)m; }

#endif
