/* Internal to the logs module: the HDFS application log of one block (src/logs/hdfs.c), written
 * through the host logs' time-ordered heap (src/logs/host.c). */
#ifndef SECGEN_LOGS_HDFS_INTERNAL_H
#define SECGEN_LOGS_HDFS_INTERNAL_H

#include "secgen/logs.h"
#include "secgen/tadam.h"

/* one finished line (with its newline) at t_ns */
typedef sg_status (*sg_hdfs_emit_fn)(void *ctx, int64_t t_ns, const char *line, sg_error *err);

/* Is this connection a block write to a DataNode (TCP 50010, established, the client sent data)? */
int sg_hdfs_is_block_write(const sg_pkt_conn *c, const sg_pkt *p, size_t n);

/* The lines of the block carried by connection `index` (f: its ground-truth row, whose server is a
 * config DataNode): events and gaps sampled from m, wildcards from the connection. */
sg_status sg_hdfs_block_log(const sg_tadam_model *m, uint64_t seed, uint64_t index, const sg_netcfg *cfg,
                            const sg_flow *f, const sg_pkt *p, size_t n, sg_hdfs_emit_fn emit, void *ctx, sg_error *err);

#endif
