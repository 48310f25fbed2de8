#!/usr/bin/env bash
# Issue 14 item 3, "one story across layers", measured on generated pcaps with tshark:
#   - DNS matching: responses that answer no query of the capture (tshark dns.response_to);
#   - resolution before connection: share of HTTP/TLS connections of LAN clients (not resolvers
#     themselves) that follow a DNS answer to that client holding the server's address under the
#     name the connection uses (Host / SNI), within the answer's TTL (a TTL of 0: within 1 s);
#   - HTTP variety: distinct methods, paths and status codes in the pcap, against the training
#     captures (models/app_vocab.json, learnt from them by models/build_vocab.sh);
#   - host names (SNI, Host, DNS questions): character statistics against the captures' names, and
#     the share that are names of the captures.
# Usage: bench/story.sh [SECGEN] [OLD_SECGEN]   (OLD: a build to compare with, e.g. main before)
# Env: DUR (default 10m), SEED (1), CONFIG (default: none, the model's addresses). Takes ~1 min
# per binary at -d 10m (release build), mostly tshark.
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-build/release/secgen}
OLD=${2:-}
DUR=${DUR:-10m}
SEED=${SEED:-1}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cfg=()
[ -n "${CONFIG:-}" ] && cfg=(--config "$CONFIG")

measure() { # label binary
  local label=$1 bin=$2
  /usr/bin/time -f "%e" -o "$T/time" "$bin" generate -q -d "$DUR" -s "$SEED" "${cfg[@]}" -o "$T/g.pcap" --flows-out "$T/g.csv"
  tshark -r "$T/g.pcap" -n -Y 'dns || http.request || http.response || tls.handshake.type == 1 || (tcp.flags.syn == 1 && tcp.flags.ack == 0)' \
    -o tcp.desegment_tcp_streams:FALSE -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.time_epoch -e ip.src -e ip.dst -e tcp.stream -e tcp.flags.syn -e dns.flags.response -e dns.qry.name \
    -e dns.a -e dns.resp.ttl -e dns.response_to -e http.request.method -e http.host -e http.request.uri \
    -e http.response.code -e tls.handshake.extensions_server_name 2>/dev/null > "$T/pk.tsv"
  python3 - "$T/pk.tsv" models/app_vocab.json "$label" "$(cat "$T/time")" "$(wc -l < "$T/g.csv")" <<'PY'
import json, math, sys
from collections import defaultdict, Counter
pk, vocab, label, secs, nflows = sys.argv[1:6]
V = json.load(open(vocab))
answers = defaultdict(list); syn = []; names = {}; dns_servers = set()
nresp = unmatched = 0
methods, paths, status = Counter(), Counter(), Counter()
gen_names = []
for line in open(pk):
    f = (line.rstrip("\n").split("\t") + [""] * 15)[:15]
    t, src, dst, stream, s, resp, qn, da, ttl, rto, meth, host, uri, code, sni = f
    t = float(t)
    if resp == "1":
        nresp += 1; dns_servers.add(src)
        if not rto: unmatched += 1
        for a, tt in zip(da.split(","), ttl.split(",")):
            if a: answers[dst].append((t, qn, a, int(tt)))
    elif resp == "0" and qn:
        gen_names += qn.split(",")
    for m, h, u in zip(meth.split(","), host.split(","), uri.split(",")):
        if m:
            methods[m] += 1; paths[u] += 1
            if h: names[stream] = h; gen_names.append(h)
    for c in code.split(","):
        if c: status[c] += 1
    if sni: names[stream] = sni; gen_names.append(sni)
    if s == "1" and stream: syn.append((t, stream, src, dst))
def private(a): return a.startswith(("10.", "192.168.", "172.16.", "172.17.", "172.18.", "172.19.", "172.2", "172.30.", "172.31."))
named = ok = 0
for t, st, cli, srv in syn:
    if st not in names or not private(cli) or cli in dns_servers: continue
    named += 1
    if any(x[2] == srv and x[1] == names[st] and x[0] <= t <= x[0] + max(x[3], 1) + 1e-6 for x in answers[cli]): ok += 1
def stats(ns):
    ns = [n.lower() for n in ns if n]
    if not ns: return dict(n=0)
    letters = sum(sum(c.isalpha() for c in n) for n in ns)
    ent = []
    for n in ns:
        c = Counter(n); L = len(n)
        ent.append(-sum(v / L * math.log2(v / L) for v in c.values()))
    return dict(n=len(ns), distinct=len(set(ns)), mean_len=sum(map(len, ns)) / len(ns),
                labels=sum(n.count(".") + 1 for n in ns) / len(ns),
                digits=sum(sum(c.isdigit() for c in n) for n in ns) / sum(map(len, ns)),
                vowels=sum(sum(c in "aeiou" for c in n) for n in ns) / max(letters, 1),
                entropy=sum(ent) / len(ent))
cap = stats([h for h, _ in V["hosts"]])
gen = stats(gen_names)
known = {h for h, _ in V["hosts"]}
in_vocab = sum(n.lower() in known for n in gen_names) / max(len(gen_names), 1)
print(f"== {label}: {nflows} CSV lines, {secs} s")
print(f"DNS responses {nresp}, answering no query {unmatched}")
print(f"HTTP/TLS connections of LAN clients: {named}, preceded by a lookup of their name to their address: {ok}"
      + (f" ({100 * ok / named:.1f} %)" if named else ""))
print(f"HTTP distinct: methods {len(methods)} (captures {len(V['http_methods'])}), paths {len(paths)} of {sum(paths.values())} requests "
      f"(captures {len(V['http_paths'])}), status codes {len(status)} (captures {len(V['http_status'])}); "
      f"top methods {methods.most_common(3)}, top status {status.most_common(4)}")
fmt = lambda s: ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items())
print(f"names, captures : {fmt(cap)}")
print(f"names, generated: {fmt(gen)}; names of the captures {100 * in_vocab:.1f} %")
PY
}
measure "this build ($SECGEN)" "$SECGEN"
[ -n "$OLD" ] && measure "old build ($OLD)" "$OLD"
exit 0
