/* Human-readable summary of what extraction saw: nothing is dropped silently, so every packet
 * not in a flow is accounted for here (non-IP, truncated, malformed, unattributed fragments). */
#include <stdio.h>

#include "extract/extract_int.h"

static const char *proto_label(int p, char *buf, size_t n)
{
    switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6-in-IP";
    case 4: return "IP-in-IP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 89: return "OSPF";
    case 103: return "PIM";
    case 112: return "VRRP";
    case 132: return "SCTP";
    default: snprintf(buf, n, "proto %d", p); return buf;
    }
}

static const char *issue_kind(sg_extract_issue_kind k)
{
    switch (k) {
    case SG_ISSUE_TRUNCATED: return "truncated packet";
    case SG_ISSUE_MALFORMED: return "malformed packet";
    case SG_ISSUE_ORPHAN_FRAG: return "orphan fragment";
    default: return "time went backwards";
    }
}

void sg_extract_stats_print(const sg_extractor *x, FILE *fp)
{
    const sg_extract_stats *s = &x->st;
    fprintf(fp, "extract: %llu capture(s), %llu packets, %llu flows\n", (unsigned long long)s->captures,
            (unsigned long long)s->packets, (unsigned long long)s->flows);
    fprintf(fp, "  link types:");
    for (int l = 0; l < SG_LINK_COUNT; l++)
        if (s->link[l]) fprintf(fp, " %s %llu", sg_extract_link_name(l), (unsigned long long)s->link[l]);
    fprintf(fp, "\n  IPv4 %llu, IPv6 %llu, non-IP %llu, truncated %llu, malformed %llu\n",
            (unsigned long long)s->ipv4, (unsigned long long)s->ipv6, (unsigned long long)s->non_ip,
            (unsigned long long)s->truncated, (unsigned long long)s->malformed);
    fprintf(fp, "  protocols:");
    /* the three main ones first, then the others by number */
    static const int main_protos[] = {6, 17, 1, 58};
    for (size_t i = 0; i < sizeof main_protos / sizeof *main_protos; i++) {
        char b[16];
        fprintf(fp, " %s %llu", proto_label(main_protos[i], b, sizeof b),
                (unsigned long long)s->proto[main_protos[i]]);
    }
    for (int p = 0; p < 256; p++) {
        if (!s->proto[p] || p == 6 || p == 17 || p == 1 || p == 58) continue;
        char b[16];
        fprintf(fp, ", %s %llu", proto_label(p, b, sizeof b), (unsigned long long)s->proto[p]);
    }
    fprintf(fp, "\n");
    if (s->frag_first || s->frag_later)
        fprintf(fp, "  fragments: %llu first (in flows), %llu later, %llu of them attributed to a flow\n",
                (unsigned long long)s->frag_first, (unsigned long long)s->frag_later,
                (unsigned long long)s->frag_attributed);
    if (s->time_backwards)
        fprintf(fp, "  %llu packets earlier than their predecessor (kept)\n", (unsigned long long)s->time_backwards);
    for (size_t i = 0; i < s->n_issues; i++) {
        const sg_extract_issue *is = &s->issues[i];
        fprintf(fp, "  %s:%llu: %s: %s\n", sg_extractor_capture_name(x, is->capture),
                (unsigned long long)is->packet, issue_kind(is->kind), is->what);
    }
    uint64_t total_issues = s->truncated + s->malformed + (s->frag_later - s->frag_attributed) + s->time_backwards;
    if (x->o.frags == SG_EXTRACT_FRAGS_DROP) total_issues -= s->frag_later;
    if (total_issues > s->n_issues && s->n_issues == SG_EXTRACT_MAX_ISSUES)
        fprintf(fp, "  ... (only the first %d problems are listed)\n", SG_EXTRACT_MAX_ISSUES);
}
