#!/usr/bin/env bash
# Compares `secgen extract` with nDPI's own flow lists for the 482 benign nDPI test captures
# (../shared/data/pcap_ndpi_benign: ndpi_flows.csv, parsed from ndpiReader's expected outputs).
#
# nDPI's ndpiReader counts, per flow: packets and *captured frame bytes* (pcap caplen, link
# header included) per direction, with the flow key (VLAN, proto, address/port pair); when it
# reads a file it never expires flows (no idle/active timeout, no split on FIN/RST), it drops IP
# fragments with offset > 0, and its client is the sender of the flow's first packet. The
# comparison therefore runs secgen with the matching *options* (not per-file tuning):
#   --bytes captured --idle-timeout 0 --active-timeout 0 --no-tcp-close --fragments drop
# and reports, over all ground-truth flows, the share reproduced exactly (5-tuple incl.
# direction, packets and bytes in both directions), then every mismatch by category.
#
# usage: bench/extract_vs_ndpi.sh [BUILD_DIR] [-- extra secgen extract options]
#   env SHARED (default: <repo>/../shared), VERBOSE=1 lists every mismatch.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
shared=${SHARED:-$here/../shared}
data=$shared/data/pcap_ndpi_benign
secgen=$build/secgen
[ -x "$secgen" ] || { echo "extract_vs_ndpi: $secgen not built (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
opts=(--bytes captured --idle-timeout 0 --active-timeout 0 --no-tcp-close --fragments drop "$@")
echo "secgen extract ${opts[*]} (one run per capture)"
fails=0
while IFS= read -r f; do
  if ! "$secgen" extract -q "${opts[@]}" "$data/pcap/$f" -o "$tmp/$f.csv" 2>"$tmp/$f.err"; then
    echo "FAILED: $f: $(cat "$tmp/$f.err")"; fails=$((fails+1))
  fi
done < <(ls "$data/pcap")
echo "captures that failed to read: $fails"
python3 - "$data" "$tmp" <<'PY'
import csv, os, sys, collections
data, tmp = sys.argv[1], sys.argv[2]
verbose = os.environ.get("VERBOSE") == "1"

def patch6(s):
    # ndpiReader's ndpi_patchIPv6Address: every ":0:" becomes "::" (applied to our text too)
    if ":" not in s: return s
    out, i = [], 0
    while i < len(s):
        if s[i] == ":" and s[i+1:i+3] == "0:":
            out.append("::"); i += 3
        else:
            out.append(s[i]); i += 1
    return "".join(out)

PN = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPV6": 58, "IGMP": 2, "ESP": 50, "AH": 51, "GRE": 47, "VRRP": 112}
def pnum(s):
    return PN.get(s.upper(), int(s) if s.isdigit() else -1)

gt = collections.defaultdict(list)
for r in csv.DictReader(open(os.path.join(data, "ndpi_flows.csv"))):
    gt[r["file"]].append(r)

def ports_matter(p): return p in (6, 17)

total = exact = swapped = 0
cat = collections.Counter()
examples = collections.defaultdict(list)
ours_total = ours_matched = 0
for fname in sorted(os.listdir(os.path.join(data, "pcap"))):
    path = os.path.join(tmp, fname + ".csv")
    ours = list(csv.DictReader(open(path))) if os.path.exists(path) else []
    ours_total += len(ours)
    used = [False] * len(ours)
    def key(p, a, ap, b, bp):
        return (p, patch6(a), int(ap) if ports_matter(p) else 0, patch6(b), int(bp) if ports_matter(p) else 0)
    okeys = collections.defaultdict(list)
    for i, o in enumerate(ours):
        p = pnum(o["proto"])
        okeys[key(p, o["src_ip"], o["src_port"], o["dst_ip"], o["dst_port"])].append(i)
    for g in gt.get(fname, []):
        total += 1
        p = pnum(g["l4"])
        k = key(p, g["cli_addr"], g["cli_port"], g["srv_addr"], g["srv_port"])
        kr = (k[0], k[3], k[4], k[1], k[2])
        want = (int(g["c2s_pkts"]), int(g["c2s_bytes"]), int(g["s2c_pkts"]), int(g["s2c_bytes"]))
        def counts(o, rev=False):
            c = (int(o["fwd_packets"]), int(o["fwd_bytes"]), int(o["bwd_packets"]), int(o["bwd_bytes"]))
            return (c[2], c[3], c[0], c[1]) if rev else c
        hit = None
        for i in okeys.get(k, []):
            if not used[i] and counts(ours[i]) == want: hit = i; break
        if hit is not None:
            used[hit] = True; exact += 1; ours_matched += 1; continue
        for i in okeys.get(kr, []):
            if not used[i] and counts(ours[i], True) == want: hit = i; break
        if hit is not None:
            used[hit] = True; swapped += 1; ours_matched += 1
            c = "same counts, client/server swapped"
        else:
            cands = [i for i in okeys.get(k, []) + okeys.get(kr, []) if not used[i]]
            if not cands:
                c = "no flow with this 5-tuple (%s)" % g["l4"]
            else:
                i = cands[0]; used[i] = True
                o = ours[i]; rev = i in okeys.get(kr, []) and i not in okeys.get(k, [])
                got = counts(o, rev)
                if (got[0], got[2]) == (want[0], want[2]): c = "same packets, bytes differ"
                elif got[0] + got[2] > want[0] + want[2]: c = "we count more packets"
                else: c = "we count fewer packets"
                c += " (%s)" % g["l4"]
        cat[c] += 1
        examples[c].append("%s: %s %s:%s -> %s:%s nDPI %s" % (fname, g["l4"], g["cli_addr"], g["cli_port"], g["srv_addr"], g["srv_port"], "/".join(map(str, want))))
print("ground-truth flows: %d" % total)
print("exact (5-tuple, direction, packets and bytes both ways): %d = %.2f %%" % (exact, 100.0 * exact / total))
print("exact up to client/server orientation:                  %d = %.2f %%" % (exact + swapped, 100.0 * (exact + swapped) / total))
print("our flows: %d, matched to a ground-truth flow: %d" % (ours_total, ours_matched))
print("mismatches by category:")
for c, n in cat.most_common():
    print("  %5d  %s" % (n, c))
    for e in examples[c][: (10**6 if verbose else 3)]:
        print("           e.g. " + e)
PY
