/* Mapping of flow tables onto the paper's common columns, and the shared dictionary of
 * discrete values (one per discrete column, shared by every table of an evaluation so that a
 * code means the same value in the real and the synthetic table). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_parts.h"

const char *const sg_eval_cont_names[SG_EVAL_NCONT] = {"In Byte", "Out Byte", "In Packet", "Out Packet",
                                                       "Duration"};
const char *const sg_eval_disc_names[SG_EVAL_NDISC] = {"Proto", "Src IP", "Dst IP", "Dst Pt", "Flags"};

struct sg_eval_dict {
    sg_strtab *tab[SG_EVAL_NDISC];
};

sg_eval_dict *sg_eval_dict_create(void)
{
    sg_eval_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    for (int c = 0; c < SG_EVAL_NDISC; c++) {
        d->tab[c] = sg_strtab_create();
        if (!d->tab[c]) {
            sg_eval_dict_destroy(d);
            return NULL;
        }
    }
    return d;
}

void sg_eval_dict_destroy(sg_eval_dict *d)
{
    if (!d) return;
    for (int c = 0; c < SG_EVAL_NDISC; c++) sg_strtab_destroy(d->tab[c]);
    free(d);
}

const char *sg_eval_dict_str(const sg_eval_dict *d, int col, uint32_t code)
{
    return sg_strtab_str(d->tab[col], code);
}

size_t sg_eval_dict_size(const sg_eval_dict *d, int col) { return sg_strtab_size(d->tab[col]); }

int64_t sg_eval_dict_intern(sg_eval_dict *d, int col, const char *s)
{
    return sg_strtab_intern(d->tab[col], s, strlen(s));
}

sg_status sg_eval_cols_alloc(sg_eval_cols *c, size_t n)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    size_t m = n ? n : 1;
    c->time_us = calloc(m, sizeof *c->time_us);
    int ok = c->time_us != NULL;
    for (int j = 0; j < SG_EVAL_NCONT; j++) ok &= (c->cont[j] = calloc(m, sizeof(double))) != NULL;
    for (int j = 0; j < SG_EVAL_NDISC; j++) ok &= (c->disc[j] = calloc(m, sizeof(uint32_t))) != NULL;
    if (!ok) {
        sg_eval_cols_free(c);
        return SG_ERR_NOMEM;
    }
    return SG_OK;
}

void sg_eval_cols_free(sg_eval_cols *c)
{
    if (!c) return;
    free(c->time_us);
    for (int j = 0; j < SG_EVAL_NCONT; j++) free(c->cont[j]);
    for (int j = 0; j < SG_EVAL_NDISC; j++) free(c->disc[j]);
    memset(c, 0, sizeof *c);
}

int sg_eval_format_is_bidirectional(sg_flow_format f) { return f == SG_FMT_NATIVE || f == SG_FMT_ARGUS; }

/* Protocol names as the CIDDS files print them: the DKC rules test substrings of these. */
static const char *proto_text(uint8_t p, char *buf, size_t n)
{
    switch (p) {
    case SG_PROTO_TCP: return "TCP";
    case SG_PROTO_UDP: return "UDP";
    case SG_PROTO_ICMP: return "ICMP";
    case 2: return "IGMP";
    case SG_PROTO_ICMPV6: return "ICMPV6";
    default: snprintf(buf, n, "%u", (unsigned)p); return buf;
    }
}

static void flags_text(uint8_t f, char *buf)
{
    /* CIDDS order U A P R S F, '.' when unset */
    const char letters[6] = {'U', 'A', 'P', 'R', 'S', 'F'};
    const uint8_t bits[6] = {SG_TCP_URG, SG_TCP_ACK, SG_TCP_PSH, SG_TCP_RST, SG_TCP_SYN, SG_TCP_FIN};
    for (int i = 0; i < 6; i++) buf[i] = (f & bits[i]) ? letters[i] : '.';
    buf[6] = 0;
}

sg_status sg_eval_cols_from_flows(const sg_flow_table *t, int fold_totals, int64_t shift_us,
                                  sg_eval_dict *dict, sg_eval_cols *out, sg_error *err)
{
    if (sg_eval_cols_alloc(out, t->n) != SG_OK) return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    char buf[64];
    for (size_t i = 0; i < t->n; i++) {
        const sg_flow *f = &t->flows[i];
        out->time_us[i] = f->start_us + shift_us;
        double fb = (double)f->fwd_bytes, fp = (double)f->fwd_packets;
        double bb = (double)f->bwd_bytes, bp = (double)f->bwd_packets;
        if (fold_totals) {
            fb += bb;
            fp += bp;
            bb = bp = 0;
        }
        out->cont[SG_EC_IN_BYTES][i] = bb;
        out->cont[SG_EC_OUT_BYTES][i] = fb;
        out->cont[SG_EC_IN_PKTS][i] = bp;
        out->cont[SG_EC_OUT_PKTS][i] = fp;
        out->cont[SG_EC_DURATION][i] = (double)f->duration_us / 1e6;
        const char *vals[SG_EVAL_NDISC];
        char pbuf[8], portbuf[8], fl[8];
        vals[SG_ED_PROTO] = proto_text(f->proto, pbuf, sizeof pbuf);
        vals[SG_ED_SRC_IP] = f->src_ip;
        vals[SG_ED_DST_IP] = f->dst_ip;
        snprintf(portbuf, sizeof portbuf, "%u", (unsigned)f->dst_port);
        vals[SG_ED_DST_PORT] = portbuf;
        flags_text(f->flags, fl);
        vals[SG_ED_FLAGS] = fl;
        for (int c = 0; c < SG_EVAL_NDISC; c++) {
            int64_t code = sg_eval_dict_intern(dict, c, vals[c]);
            if (code < 0) {
                sg_eval_cols_free(out);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            }
            out->disc[c][i] = (uint32_t)code;
        }
    }
    (void)buf;
    return SG_OK;
}
