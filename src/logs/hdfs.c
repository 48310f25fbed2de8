/* The HDFS application log (issue 19, "learnt where data exists"): one HDFS block per connection
 * to a config DataNode (TCP 50010), its log lines as Hadoop writes them (HDFS_v1's log4j layout
 * `yymmdd HHMMSS tid LEVEL component: message`), the events and their gaps sampled from a TADAM
 * automaton learnt on the normal HDFS_v1 blocks (models/hdfs.json), the loghub templates'
 * wildcards filled from the connection: the client's and DataNode's addresses and ports, the bytes
 * the client sent as the block size. The other replicas of the block's pipeline are the config's
 * other DataNodes. Decisions (one block per connection, what goes in each wildcard, timing past
 * the connection's end): docs/logs.md "HDFS application log". */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/hdfs_internal.h"

#define NS_PER_S INT64_C(1000000000)
#define MAX_EVENTS 256 /* HDFS_v1 normal blocks have at most 44 events; a longer walk is cut */
#define REPLICAS 3     /* dfs.replication's default, and what every HDFS_v1 block shows */

void sg_hdfs_block_id(uint64_t seed, uint64_t index, char *buf, size_t bufsz)
{
    sg_rng r;
    sg_rng_init(&r, seed, SG_STREAM_LOGS_HDFS, index);
    /* HDFS draws block ids from a java.util.Random long: signed, either sign */
    snprintf(buf, bufsz, "blk_%" PRId64, (int64_t)sg_rng_u64(&r));
}

int sg_hdfs_is_block_write(const sg_pkt_conn *c, const sg_pkt *p, size_t n)
{
    if (c->proto != SG_PROTO_TCP || c->service_port != SG_HDFS_DATANODE_PORT) return 0;
    int synack = 0;
    uint64_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].dir == SG_DIR_BWD && (p[i].tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == (SG_TCP_SYN | SG_TCP_ACK)) synack = 1;
        if (synack && p[i].dir == SG_DIR_FWD) sent += p[i].payload_len;
    }
    return synack && sent > 0;
}

typedef struct blk {
    const char *id;
    char dn[REPLICAS][48]; /* the pipeline's DataNodes: dn[0] = the connection's server */
    const char *client;
    unsigned client_port;
    uint64_t size;
    sg_rng *rng;
    int64_t t_ns;
    sg_hdfs_emit_fn emit;
    void *ctx;
    sg_status st;
    sg_error *err;
} blk;

static void line(blk *b, unsigned tid, const char *level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void line(blk *b, unsigned tid, const char *level, const char *component, const char *fmt, ...)
{
    if (b->st != SG_OK) return;
    char msg[600], out[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sg_time_fields t;
    sg_time_split(sg_floor_div(b->t_ns, 1000), &t);
    snprintf(out, sizeof out, "%02u%02u%02u %02u%02u%02u %u %s %s: %s\n", (unsigned)(t.year % 100), t.month, t.day, t.hour,
             t.minute, t.second, tid, level, component, msg);
    b->st = b->emit(b->ctx, b->t_ns, out, b->err);
}

/* a DataXceiver / PacketResponder / BlockReceiver thread: one of many, numbered as the JVM does */
static unsigned worker(blk *b) { return 100 + (unsigned)sg_rng_below(b->rng, 30000); }

#define XCEIVER "dfs.DataNode$DataXceiver"
#define RESPONDER "dfs.DataNode$PacketResponder"
#define RECEIVER "dfs.DataNode$BlockReceiver"
#define NAMESYS "dfs.FSNamesystem"
#define DATASET "dfs.FSDataset"

/* One event: k = how many times this event id occurred before in the block (the k-th replica's
 * line). The pipeline is client -> dn[0] -> dn[1] -> dn[2]; HDFS logs its acknowledgements from the
 * tail back (PacketResponder 0 is the last DataNode), so the k-th E9/E11/E26 is replica 2-k. */
static sg_status event(blk *b, int e, unsigned k, sg_error *err)
{
    const unsigned r = k % REPLICAS, back = (REPLICAS - 1) - r;
    const char *id = b->id;
    const unsigned long long sz = (unsigned long long)b->size;
    const unsigned nn = 26 + (unsigned)sg_rng_below(b->rng, 8); /* the NameNode's IPC handler threads */
    switch (e) {
    case 1: line(b, 19, "INFO", DATASET, "Adding an already existing block %s", id); break;
    case 2: line(b, 13, "INFO", "dfs.DataBlockScanner", "Verification succeeded for %s", id); break;
    case 3: line(b, worker(b), "INFO", XCEIVER, "%s:50010 Served block %s to /%s", b->dn[sg_rng_below(b->rng, REPLICAS)], id, b->client); break;
    case 4: line(b, worker(b), "WARN", XCEIVER, "%s:50010:Got exception while serving %s to /%s:", b->dn[sg_rng_below(b->rng, REPLICAS)], id, b->client); break;
    case 5:
        if (r == 0) line(b, worker(b), "INFO", XCEIVER, "Receiving block %s src: /%s:%u dest: /%s:50010", id, b->client, b->client_port, b->dn[0]);
        else line(b, worker(b), "INFO", XCEIVER, "Receiving block %s src: /%s:%u dest: /%s:50010", id, b->dn[r - 1],
                  32768 + (unsigned)sg_rng_below(b->rng, 28232), b->dn[r]);
        break;
    case 6: line(b, worker(b), "INFO", XCEIVER, "Received block %s src: /%s:%u dest: /%s:50010 of size %llu", id, b->client, b->client_port, b->dn[0], sz); break;
    case 7: line(b, worker(b), "INFO", XCEIVER, "writeBlock %s received exception java.io.IOException: Could not read from stream", id); break;
    case 8: line(b, worker(b), "INFO", RESPONDER, "PacketResponder %u for block %s Interrupted.", r, id); break;
    case 9: line(b, worker(b), "INFO", RESPONDER, "Received block %s of size %llu from /%s", id, sz, back ? b->dn[back - 1] : b->client); break;
    case 10: line(b, worker(b), "INFO", RESPONDER, "PacketResponder %s %u Exception java.io.EOFException", id, r); break;
    case 11: line(b, worker(b), "INFO", RESPONDER, "PacketResponder %u for block %s terminating", r, id); break;
    case 12: line(b, worker(b), "INFO", RECEIVER, "%s:50010:Exception writing block %s to mirror %s:50010", b->dn[0], id, b->dn[1]); break;
    case 13: line(b, worker(b), "INFO", RECEIVER, "Receiving empty packet for block %s", id); break;
    case 14: line(b, worker(b), "INFO", RECEIVER, "Exception in receiveBlock for block %s java.io.EOFException", id); break;
    case 15: line(b, worker(b), "INFO", RECEIVER, "Changing block file offset of block %s from 0 to %llu meta file offset to %llu", id, sz,
                  sz / 512 * 4 + 7); break;
    case 16: line(b, worker(b), "INFO", "dfs.DataNode$DataTransfer", "%s:50010:Transmitted block %s to /%s:50010", b->dn[0], id, b->dn[1 + r % 2]); break;
    case 17: line(b, worker(b), "WARN", "dfs.DataNode", "%s:50010:Failed to transfer %s to %s:50010 got java.io.IOException: Connection reset by peer",
                  b->dn[0], id, b->dn[1 + r % 2]); break;
    case 18: line(b, 19, "INFO", "dfs.DataNode", "%s:50010 Starting thread to transfer block %s to %s:50010", b->dn[0], id, b->dn[1 + r % 2]); break;
    case 19: line(b, 19, "INFO", DATASET, "Reopen Block %s", id); break;
    case 20: line(b, 18, "WARN", DATASET, "Unexpected error trying to delete block %s. BlockInfo not found in volumeMap.", id); break;
    case 21: line(b, 19, "INFO", DATASET, "Deleting block %s file /mnt/hadoop/dfs/data/current/subdir%u/%s", id, (unsigned)sg_rng_below(b->rng, 64), id); break;
    case 22: {
        /* the MapReduce task output the block belongs to: job and task numbers keyed by the block */
        sg_time_fields t;
        sg_time_split(sg_floor_div(b->t_ns, 1000), &t);
        unsigned task = (unsigned)sg_rng_below(b->rng, 400);
        line(b, nn, "INFO", NAMESYS, "BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_%04d%02u%02u%02u%02u_%04u_m_%06u_0/part-%05u. %s",
             (int)t.year, t.month, t.day, t.hour, t.minute, 1 + (unsigned)sg_rng_below(b->rng, 20), task, task, id);
        break;
    }
    case 23: line(b, nn, "INFO", NAMESYS, "BLOCK* NameSystem.delete: %s is added to invalidSet of %s:50010", id, b->dn[r]); break;
    case 24: line(b, nn, "INFO", NAMESYS, "BLOCK* Removing block %s from neededReplications as it does not belong to any file.", id); break;
    case 25: line(b, 19, "INFO", NAMESYS, "BLOCK* ask %s:50010 to replicate %s to datanode(s) %s:50010", b->dn[0], id, b->dn[1 + r % 2]); break;
    case 26: line(b, nn, "INFO", NAMESYS, "BLOCK* NameSystem.addStoredBlock: blockMap updated: %s:50010 is added to %s size %llu", b->dn[back], id, sz); break;
    case 27: line(b, nn, "WARN", NAMESYS, "BLOCK* NameSystem.addStoredBlock: Redundant addStoredBlock request received for %s on %s:50010 size %llu", id, b->dn[r], sz); break;
    case 28: line(b, nn, "INFO", NAMESYS, "BLOCK* NameSystem.addStoredBlock: addStoredBlock request received for %s on %s:50010 size %llu But it does not belong to any file.",
                  id, b->dn[r], sz); break;
    case 29: line(b, nn, "INFO", NAMESYS, "PendingReplicationMonitor timed out block %s", id); break;
    case 30: line(b, nn, "INFO", NAMESYS, "BLOCK* ask %s:50010 to delete  %s", b->dn[r], id); break;
    default: return sg_error_set(err, SG_ERR_INVALID, "HDFS automaton: event E%d is not one of loghub's HDFS templates E1..E30", e);
    }
    return b->st;
}

/* the config hosts serving the DataNode port, first address of each */
static size_t datanodes(const sg_netcfg *cfg, const char **ips, size_t cap)
{
    size_t n = 0;
    for (size_t h = 0; h < cfg->nhosts; h++) {
        int found = 0;
        for (size_t k = 0; k < cfg->hosts[h].nifaces && !found; k++)
            for (size_t s = 0; s < cfg->hosts[h].ifaces[k].nservices && !found; s++) {
                const sg_net_service *sv = &cfg->hosts[h].ifaces[k].services[s];
                if (sv->proto == SG_PROTO_TCP && sv->port == SG_HDFS_DATANODE_PORT) {
                    if (n < cap) ips[n++] = cfg->hosts[h].ifaces[k].ip;
                    found = 1;
                }
            }
    }
    return n;
}

sg_status sg_hdfs_block_log(const sg_tadam_model *m, uint64_t seed, uint64_t index, const sg_netcfg *cfg, const sg_flow *f,
                            const sg_pkt *p, size_t n, sg_hdfs_emit_fn emit, void *ctx, sg_error *err)
{
    char id[32];
    sg_hdfs_block_id(seed, index, id, sizeof id);
    sg_rng rng;
    sg_rng_init(&rng, seed, SG_STREAM_LOGS_HDFS, index);
    (void)sg_rng_u64(&rng); /* the block id's draw */
    blk b = {.id = id, .client = f->src_ip, .client_port = f->src_port, .rng = &rng, .emit = emit, .ctx = ctx, .st = SG_OK, .err = err};
    for (size_t i = 0; i < n; i++) /* the block: what the client wrote (a retransmitted copy is not data twice) */
        if (p[i].dir == SG_DIR_FWD && (p[i].tcp_flags & SG_PKT_NOISE_MASK) != SG_PKT_RETX) b.size += p[i].payload_len;
    /* the pipeline: the connection's DataNode, then two of the config's other DataNodes (with fewer
     * than three DataNodes, replicas repeat: the learnt automaton always replicates three times) */
    const char *dns[256];
    size_t nd = datanodes(cfg, dns, 256), others = 0;
    const char *oth[256];
    for (size_t i = 0; i < nd; i++)
        if (strcmp(dns[i], f->dst_ip)) oth[others++] = dns[i];
    snprintf(b.dn[0], sizeof b.dn[0], "%s", f->dst_ip);
    for (size_t r = 1; r < REPLICAS; r++) {
        if (!others) {
            snprintf(b.dn[r], sizeof b.dn[r], "%s", f->dst_ip);
            continue;
        }
        size_t j = (size_t)sg_rng_below(&rng, others); /* without replacement while they last */
        snprintf(b.dn[r], sizeof b.dn[r], "%s", oth[j]);
        if (others > 1) oth[j] = oth[--others];
    }
    sg_tadam_event ev[MAX_EVENTS];
    size_t ne = 0;
    int complete = 0;
    sg_tadam_sample_opts so;
    sg_tadam_sample_opts_init(&so);
    so.max_len = MAX_EVENTS;
    sg_status s = sg_tadam_sample(m, &rng, &so, ev, MAX_EVENTS, &ne, &complete, err);
    if (s != SG_OK) return s;
    unsigned seen[31] = {0};
    b.t_ns = p[0].t_ns;
    for (size_t i = 0; i < ne; i++) {
        const char *sym = ev[i].symbol;
        char *end = NULL;
        long e = sym[0] == 'E' ? strtol(sym + 1, &end, 10) : 0;
        if (!end || *end || e < 1 || e > 30)
            return sg_error_set(err, SG_ERR_INVALID, "HDFS automaton: symbol '%s' is not an HDFS event id (E1..E30)", sym);
        b.t_ns += ev[i].iat_us * 1000;
        if ((s = event(&b, (int)e, seen[e]++, err)) != SG_OK) return s;
    }
    return SG_OK;
}
