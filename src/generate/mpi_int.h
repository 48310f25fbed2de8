/* generate's MPI mode (docs/mpi.md), internal to the generate module: the only place that calls
 * MPI. Every rank runs the whole generation (the same flows, packets and decisions, which is what
 * makes the output identical for any rank count); the pcap is one file that all ranks write at
 * once, each the frames of its own time slices (slice s belongs to rank s mod N), at
 * the offsets every rank computes alike. Rank 0 writes the flows CSV, the packet labels and the
 * logs, and commits the pcap once all ranks agree that all frames are written.
 * Built without MPI (no libopenmpi-dev at configure time), sg_gen_mpi_start fails with a message
 * saying so and every other function is never reached. */
#ifndef SECGEN_GENERATE_MPI_INT_H
#define SECGEN_GENERATE_MPI_INT_H

#include <stdint.h>

#include "secgen/core.h"

/* Time slice of the pcap split: 10 s of packet time. A rank builds the frames of the flows with a
 * frame in its slices (it only counts the others' lengths); a flow crossing a slice boundary is
 * built by each rank it touches. Of the bytes of `generate -d 1h`, 16 % are in flows within one
 * 1-s slice, 70 % within one 10-s slice, 83 % within one 60-s slice: 10 s keeps the duplicated
 * building low while a 1-hour run still has 360 slices to deal round the ranks. */
#define SG_GEN_MPI_SLICE_NS 10000000000LL

typedef struct sg_gen_mpi sg_gen_mpi;

/* Joins the MPI job (MPI_Init unless the caller did it; MPI_Finalize at sg_gen_mpi_end then). */
sg_status sg_gen_mpi_start(sg_gen_mpi **out, sg_error *err);
int sg_gen_mpi_rank_of(const sg_gen_mpi *m);
int sg_gen_mpi_size(const sg_gen_mpi *m);
/* Collective: every rank passes its status; all get SG_OK if all had it, else the error of the
 * lowest failing rank (status and message). Once a failure is agreed, later calls return it
 * without communicating (the ranks that failed early make no more calls). */
sg_status sg_gen_mpi_agree(sg_gen_mpi *m, sg_status s, sg_error *err);
/* Collective: rank 0 opens the pcap's temporary (sg_outfile: committed by sg_gen_mpi_commit),
 * the others open the same file; *fd is this rank's descriptor. Includes an agree. */
sg_status sg_gen_mpi_open_pcap(sg_gen_mpi *m, sg_status prior, const char *path, int *fd, sg_error *err);
/* sg_merger_filter_fn: 1 if the frame at t_ns is in one of this rank's time slices */
int sg_gen_mpi_owns(void *m, int64_t t_ns);
/* sg_pktgen_opts.before_commit: this rank's frames reach the file (fsync), then agree */
sg_status sg_gen_mpi_gate(void *m, sg_error *err);
/* rank 0: renames the finished pcap into place (other ranks: closes their descriptor) */
sg_status sg_gen_mpi_commit_pcap(sg_gen_mpi *m, sg_error *err);
/* Removes an uncommitted pcap, closes, leaves the job if sg_gen_mpi_start joined it. NULL ok. */
void sg_gen_mpi_end(sg_gen_mpi *m);

#endif
