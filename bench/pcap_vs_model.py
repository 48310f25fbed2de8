#!/usr/bin/env python3
"""pcap-vs-model agreement: does each record of the flow model reappear in the pcap (secgen extract
of it) with its packets per direction and its bytes within 10 %?
usage: pcap_vs_model.py MODEL_FLOWS.csv EXTRACTED.csv [--misses N] [--frame-bytes]
MODEL_FLOWS = `secgen generate --flows-out` without -o (the records, native layout), EXTRACTED =
`secgen extract` of the pcap generated with the same model, seed and -n. A record matches the
first unused extracted flow with the same protocol and destination port that starts at the same
microsecond or up to 1 s later (a client that resolves the server's name first connects later by
the lookup's round trip); a one-way response record (source port ranks
above destination port, as the generator pairs them) matches the flow it answers: same protocol,
ports reversed, started at most 5 s before. Only directions the record gives are compared (a
one-way record has no backward counts). --frame-bytes: the model's bytes are Ethernet frame bytes
(a model learnt from CIDDS-001 or Argus records): compared with the pcap's IP bytes + 14 per packet."""
import csv, sys, collections, bisect

def load(p):
    return list(csv.DictReader(open(p)))

def t_us(s):
    # 2017-04-05T09:00:33.696256Z
    from datetime import datetime, timezone
    d = datetime.strptime(s.rstrip('Z'), '%Y-%m-%dT%H:%M:%S.%f') if '.' in s else datetime.strptime(s.rstrip('Z'), '%Y-%m-%dT%H:%M:%S')
    return int(d.replace(tzinfo=timezone.utc).timestamp() * 1e6)

SHIFT_US = 1000000

def main():
    model, ext = load(sys.argv[1]), load(sys.argv[2])
    if '--frame-bytes' in sys.argv:  # IP bytes -> frame bytes, as the model counts them
        for e in ext:
            for d in ('fwd', 'bwd'):
                e[d + '_bytes'] = str(int(e[d + '_bytes']) + 14 * int(e[d + '_packets']))
    nmiss = int(sys.argv[sys.argv.index('--misses') + 1]) if '--misses' in sys.argv else 0
    two_way = any(int(r['bwd_packets'] or 0) > 0 for r in model)
    by_start = collections.defaultdict(list)
    for e in ext:
        e['_t'] = t_us(e['start'])
        by_start[(e['proto'], e['_t'])].append(e)
    starts = sorted(by_start)
    # `-n N` counts the pcap's flows, name lookups included: the pcap run consumes fewer model
    # records than a flows-only run of the same -n. Judge the records the pcap run consumed: those
    # that start before its last flow (1 s margin for the lookup shift).
    last = max(e['_t'] for e in ext) - SHIFT_US if ext else 0
    beyond = sum(1 for r in model if t_us(r['start']) > last)
    model = [r for r in model if t_us(r['start']) <= last]
    def rank(port):
        p = int(port or 0)
        return 2 if p < 1024 else (1 if p < 32768 else 0)
    n = found = pk_ok = by_ok = both = 0
    per_dir = collections.Counter()
    misses = []
    used = set()
    def later(r, t, pick):
        """the first unused extracted flow of r's protocol starting in [t, t + 1 s] that pick accepts:
        a client that resolves a name first connects later by the lookup's round trip"""
        lo = bisect.bisect_left(starts, (r['proto'], t))
        hi = bisect.bisect_right(starts, (r['proto'], t + SHIFT_US))
        for k in starts[lo:hi]:
            for c in by_start[k]:
                if id(c) not in used and pick(c):
                    return c
        return None
    for r in model:
        n += 1
        t = t_us(r['start'])
        resp = (not two_way and r['proto'] in ('TCP', 'UDP') and rank(r['src_port']) > rank(r['dst_port']))
        pairs = []  # (model packets, model bytes, ext packets, ext bytes)
        e = later(r, t, lambda c: c['dst_port'] == r['dst_port'])
        if e is None and resp:
            # the connection this response answers: reversed ports, started within 5 s before
            lo = bisect.bisect_left(starts, (r['proto'], t - 5000000))
            hi = bisect.bisect_right(starts, (r['proto'], t + SHIFT_US))
            for k in reversed(starts[lo:hi]):
                for c in by_start[k]:
                    if c['dst_port'] == r['src_port'] and (c['src_port'] == r['dst_port']):
                        e = c
                        break
                if e: break
            if e is not None:
                pairs.append((int(r['fwd_packets']), int(r['fwd_bytes']), int(e['bwd_packets']), int(e['bwd_bytes'])))
        elif e is not None:
            used.add(id(e))
            pairs.append((int(r['fwd_packets']), int(r['fwd_bytes']), int(e['fwd_packets']), int(e['fwd_bytes'])))
            if two_way:
                pairs.append((int(r['bwd_packets']), int(r['bwd_bytes']), int(e['bwd_packets']), int(e['bwd_bytes'])))
        if e is None:
            misses.append(('not found', r, None))
            continue
        found += 1
        okp = all(a == c for a, b, c, d in pairs)
        okb = all((b == 0 and d == 0) or (b > 0 and abs(d - b) <= 0.1 * b) for a, b, c, d in pairs)
        pk_ok += okp; by_ok += okb; both += okp and okb
        if not (okp and okb): misses.append(('packets' if not okp else 'bytes', r, e))
    pct = lambda x: 100.0 * x / max(n, 1)
    print(f"model records: {n} ({'bidirectional' if two_way else 'one-way'}; {beyond} more start after the pcap's last flow); found in the pcap: {found} ({pct(found):.1f} %)")
    print(f"  packets per direction exact: {pk_ok} ({pct(pk_ok):.1f} %); bytes within 10 %: {by_ok} ({pct(by_ok):.1f} %)")
    print(f"  both (the record kept): {both} ({pct(both):.1f} %)")
    for why, r, e in misses[:nmiss]:
        print(f"  {why}: model {r['proto']} {r['src_port']}->{r['dst_port']} {r['fwd_packets']}/{r['fwd_bytes']} {r['bwd_packets']}/{r['bwd_bytes']} dur {r['duration']}"
              + (f" | pcap {e['fwd_packets']}/{e['fwd_bytes']} {e['bwd_packets']}/{e['bwd_bytes']} {e['flags']} dur {e['duration']}" if e else ''))

if __name__ == "__main__": main()
