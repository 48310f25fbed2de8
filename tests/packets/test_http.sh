#!/usr/bin/env bash
# Issue 14 item 3: HTTP connections are exchanges. Each run of one side's payloads is one message
# (a request, then the response to it) whose head says its length, so tshark, reassembling the
# connection, finds a response to every request where the server sent anything back, and no
# malformed or warned HTTP. Before: only a connection's first server payload had a response head
# (1,314 requests against 31 responses in `generate -d 10m -s 5`), and every later client segment
# was a request of its own (a 1.6 MB upload was 328 POSTs). Checked: every run of client payload
# (>= 64 bytes) followed by a run of server payload (>= 38 bytes) is a request with a response.
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$SECGEN" generate -d 10m -s 5 -j 2 -q -o "$T/a.pcap"
tshark -r "$T/a.pcap" -Y 'http.request || http.response || (http && (_ws.malformed || _ws.expert.severity >= "warning"))' \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, -e tcp.stream -e http.request.method -e http.response.code \
    -e _ws.malformed -e _ws.expert.severity 2>/dev/null > "$T/http"
# every payload segment in capture order, to find the runs of each side (a retransmitted copy repeats
# bytes already counted)
tshark -r "$T/a.pcap" -Y 'tcp.len > 0 && tcp.port == 80' -T fields -E separator=/t -e tcp.stream -e tcp.dstport -e tcp.len \
    -e tcp.analysis.retransmission 2>/dev/null > "$T/seg"
/usr/bin/python3 - "$T/http" "$T/seg" <<'PY'
import sys
from collections import Counter, defaultdict
req, resp, bad = Counter(), Counter(), []
for line in open(sys.argv[1]):
    s, m, c, mal, sev = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    if m: req[s] += len(m.split(","))
    if c: resp[s] += len(c.split(","))
    if mal or any(int(v) >= 6291456 for v in sev.split(",") if v):  # PI_WARN and above
        bad.append(s)
runs = defaultdict(list)  # stream -> [[client?, bytes], ...]
for line in open(sys.argv[2]):
    s, dport, n, retx = (line.rstrip("\n").split("\t") + [""] * 4)[:4]
    if retx: continue
    cli = dport == "80"
    if runs[s] and runs[s][-1][0] == cli: runs[s][-1][1] += int(n)
    else: runs[s].append([cli, int(n)])
# a request run (>= 64 bytes) answered by a server run (>= 38 bytes): the framing gives both a head
pairs = Counter()
for s, r in runs.items():
    for a, b in zip(r, r[1:]):
        if a[0] and not b[0] and a[1] >= 64 and b[1] >= 38: pairs[s] += 1
npairs, nresp = sum(pairs.values()), sum(min(resp[s], pairs[s]) for s in pairs)
print(f"{sum(req.values())} requests, {sum(resp.values())} responses; {npairs} request runs answered by a server run, "
      f"{nresp} of them with a response")
if bad: sys.exit(f"FAIL: malformed or warned HTTP in connections {sorted(set(bad))[:5]}")
if npairs < 50: sys.exit(f"FAIL: only {npairs} request/response runs")
short = [s for s in pairs if resp[s] < pairs[s]]
if short: sys.exit(f"FAIL: connections with fewer responses than answered request runs: {short[:5]} ({len(short)} in all)")
PY
