/* The log set of a run (`generate --logs DIR`): Zeek sensor logs always, host logs when the run
 * has a network config (they are its hosts' logs), fed by one packet-pipeline observer. */
#include "secgen/logs.h"
#include "secgen/tadam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sg_logs {
    sg_zeek_logs *zeek;
    sg_host_logs *host; /* NULL without a config */
    sg_tadam_model *hdfs; /* the HDFS log automaton, owned; NULL = no hdfs.log */
    char *made_dir;     /* DIR when this run created it: a failed run removes it again if empty */
};

/* rmdir that ignores failure: a folder holding anything else stays */
static void dir_remove(const char *path) { (void)rmdir(path); }

sg_status sg_logs_create(const char *dir, const sg_netcfg *cfg, uint64_t seed, sg_logs **out, sg_error *err)
{
    *out = NULL;
    sg_logs *l = calloc(1, sizeof *l);
    if (!l) return sg_error_set(err, SG_ERR_NOMEM, "logs: out of memory");
    struct stat st;
    if (stat(dir, &st) != 0 && !(l->made_dir = strdup(dir))) {
        free(l);
        return sg_error_set(err, SG_ERR_NOMEM, "logs: out of memory");
    }
    sg_status s = sg_zeek_logs_create(dir, seed, &l->zeek, err);
    if (s == SG_OK && cfg) s = sg_host_logs_create(dir, cfg, seed, &l->host, err);
    if (s != SG_OK) {
        sg_logs_destroy(l);
        return s;
    }
    *out = l;
    return SG_OK;
}

sg_status sg_logs_observe(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, uint64_t index,
                          sg_error *err)
{
    sg_logs *l = ctx;
    sg_status s = sg_zeek_logs_observe(l->zeek, f, conn, pkts, n, index, err);
    if (s == SG_OK && l->host) s = sg_host_logs_observe(l->host, f, conn, pkts, n, index, err);
    return s;
}

sg_status sg_logs_set_hdfs_model(sg_logs *l, sg_tadam_model *m, sg_error *err)
{
    if (!l->host) {
        sg_tadam_model_destroy(m);
        return m ? sg_error_set(err, SG_ERR_INVALID, "logs: the HDFS log is a config host's log and needs a network config") : SG_OK;
    }
    sg_tadam_model_destroy(l->hdfs);
    l->hdfs = m;
    sg_host_logs_set_hdfs_model(l->host, m);
    return SG_OK;
}

uint64_t sg_logs_sensor_records(const sg_logs *l) { return l ? sg_zeek_logs_records(l->zeek) : 0; }

sg_status sg_logs_close(sg_logs *l, uint64_t *host_records, sg_error *err)
{
    if (!l) return SG_OK;
    sg_status s = sg_zeek_logs_close(l->zeek, err);
    l->zeek = NULL;
    if (s == SG_OK && l->host) {
        s = sg_host_logs_close(l->host, host_records, err);
        l->host = NULL;
    }
    if (s == SG_OK) {
        free(l->made_dir); /* committed: the folder stays */
        l->made_dir = NULL;
    }
    sg_logs_destroy(l);
    return s;
}

void sg_logs_destroy(sg_logs *l)
{
    if (!l) return;
    sg_zeek_logs_destroy(l->zeek);
    sg_host_logs_destroy(l->host);
    sg_tadam_model_destroy(l->hdfs);
    if (l->made_dir) { /* an aborted run: the folders it made go again, if nothing else is in them */
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/hosts", l->made_dir);
        dir_remove(sub);
        dir_remove(l->made_dir);
        free(l->made_dir);
    }
    free(l);
}
