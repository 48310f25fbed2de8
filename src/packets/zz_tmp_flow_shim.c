/* TEMPORARY: stand-in for the flow writer until the flow module lands on main. Delete then. */
#include <stdlib.h>
#include "secgen/flow.h"
struct sg_flow_writer { sg_outfile *o; };
sg_status sg_flow_writer_open(sg_flow_writer **w, const char *path, sg_flow_format fmt, sg_error *err)
{
    (void)fmt;
    *w = calloc(1, sizeof **w);
    sg_status s = sg_outfile_open(&(*w)->o, path, err);
    if (s) { free(*w); *w = NULL; return s; }
    fprintf(sg_outfile_fp((*w)->o), "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags\n");
    return SG_OK;
}
sg_status sg_flow_writer_write(sg_flow_writer *w, const sg_flow *f, sg_error *err)
{
    (void)err;
    char t[40];
    sg_time_format(f->start_us, t, sizeof t);
    fprintf(sg_outfile_fp(w->o), "%s,%lld.%06lld,%u,%s,%u,%s,%u,%llu,%llu,%llu,%llu,%u\n", t, (long long)(f->duration_us / 1000000),
            (long long)(f->duration_us % 1000000), f->proto, f->src_ip, f->src_port, f->dst_ip, f->dst_port,
            (unsigned long long)f->fwd_packets, (unsigned long long)f->fwd_bytes, (unsigned long long)f->bwd_packets,
            (unsigned long long)f->bwd_bytes, f->flags);
    return SG_OK;
}
sg_status sg_flow_writer_close(sg_flow_writer *w, sg_error *err)
{
    sg_status s = sg_outfile_commit(w->o, err);
    free(w);
    return s;
}
void sg_flow_writer_abort(sg_flow_writer *w)
{
    if (!w) return;
    sg_outfile_abort(w->o);
    free(w);
}
