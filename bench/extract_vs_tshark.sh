#!/usr/bin/env bash
# Cross-checks `secgen extract` IP-byte counting against tshark on the given captures: per
# bidirectional 5-tuple (TCP/UDP), packets and IP bytes (IPv4 total length, IPv6 40 + payload
# length) in each direction, with flow expiry disabled on our side so both sides aggregate
# whole 5-tuples. Later IP fragments are dropped on both sides (tshark: no ports).
# usage: bench/extract_vs_tshark.sh [BUILD_DIR] CAPTURE...
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build/release
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
for cap in "$@"; do
  "$build/secgen" extract -q --idle-timeout 0 --active-timeout 0 --no-tcp-close --fragments drop \
      "$cap" -o "$tmp/ours.csv"
  tshark -r "$cap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields -E separator=, \
      -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e udp.srcport \
      -e tcp.dstport -e udp.dstport -e ip.len -e ipv6.plen -e ip.proto -e ipv6.nxt \
      -Y "(tcp or udp) and not icmp and not icmpv6" >"$tmp/tshark.csv" 2>/dev/null
  python3 - "$cap" "$tmp/ours.csv" "$tmp/tshark.csv" <<'PY' || rc=1
import csv, sys, collections, ipaddress
cap, ours, ts = sys.argv[1:]
def norm(a): return str(ipaddress.ip_address(a))
agg = collections.OrderedDict()
for row in csv.reader(open(ts)):
    if len(row) < 12: continue
    s4, s6, d4, d6, tsp, usp, tdp, udp_, l4, pl6 = row[:10]
    # tunnels show several comma-joined values: the outer header comes first
    first = lambda v: v.split(",")[0] if v else v
    src = first(s4) or first(s6); dst = first(d4) or first(d6)
    sp = first(tsp) or first(usp); dp = first(tdp) or first(udp_)
    if not (src and dst and sp and dp): continue
    nbytes = int(first(l4)) if first(l4) else int(first(pl6)) + 40
    proto = "TCP" if tsp else "UDP"
    a, b = (norm(src), int(sp)), (norm(dst), int(dp))
    k = (proto,) + tuple(sorted([a, b]))
    e = agg.setdefault(k, {})
    c = e.setdefault(a, [0, 0]); c[0] += 1; c[1] += nbytes
ok = bad = 0
mine = {}
for r in csv.DictReader(open(ours)):
    if r["proto"] not in ("TCP", "UDP"): continue
    a, b = (norm(r["src_ip"]), int(r["src_port"])), (norm(r["dst_ip"]), int(r["dst_port"]))
    k = (r["proto"],) + tuple(sorted([a, b]))
    # flows of the same 5-tuple on different VLANs are separate for us, not for this check
    m = mine.setdefault(k, {a: [0, 0], b: [0, 0]})
    m[a][0] += int(r["fwd_packets"]); m[a][1] += int(r["fwd_bytes"])
    m[b][0] += int(r["bwd_packets"]); m[b][1] += int(r["bwd_bytes"])
for k, e in agg.items():
    m = mine.get(k)
    same = m is not None and all(m.get(ep, [0, 0]) == e.get(ep, [0, 0]) for ep in set(e) | set(m))
    if same: ok += 1
    else:
        bad += 1
        print("  MISMATCH %s %s: tshark %s ours %s" % (cap, k, e, m))
extra = len(set(mine) - set(agg))
print("%s: %d/%d 5-tuples identical to tshark (packets, IP bytes per direction)%s" % (cap, ok, ok + bad, ", %d only ours" % extra if extra else ""))
sys.exit(1 if bad or extra else 0)
PY
done
exit $rc
