#!/usr/bin/env bash
# Issue 14 item 3: HTTP connections are exchanges. Each run of one side's payloads is one message
# (a request, then the response to it) whose head says its length, so tshark, reassembling the
# connection, finds a response to every request where the server sent anything back, and no
# malformed or warned HTTP. Before: only a connection's first server payload had a response head
# (1,314 requests against 31 responses in `generate -d 10m -s 5`), and every later client segment
# was a request of its own (a 1.6 MB upload was 328 POSTs).
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$SECGEN" generate -d 10m -s 5 -j 2 -q -o "$T/a.pcap"
tshark -r "$T/a.pcap" -Y 'http.request || http.response || (http && (_ws.malformed || _ws.expert.severity >= "warning"))' \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, -e tcp.stream -e http.request.method -e http.response.code \
    -e _ws.malformed -e _ws.expert.severity 2>/dev/null > "$T/http"
# server payload bytes per connection
tshark -r "$T/a.pcap" -Y 'tcp.len > 0 && tcp.srcport < tcp.dstport' -T fields -e tcp.stream -e tcp.len 2>/dev/null > "$T/srv"
/usr/bin/python3 - "$T/http" "$T/srv" <<'PY'
import sys
from collections import Counter
req, resp, bad, served = Counter(), Counter(), [], set()
for line in open(sys.argv[2]):
    s, n = line.split()
    if int(n) > 0: served.add(s)
for line in open(sys.argv[1]):
    s, m, c, mal, sev = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    if m: req[s] += len(m.split(","))
    if c: resp[s] += len(c.split(","))
    if mal or any(int(v) >= 6291456 for v in sev.split(",") if v):  # PI_WARN and above
        bad.append(s)
nreq = sum(req[s] for s in req if s in served)
nresp = sum(resp[s] for s in req if s in served)
print(f"{sum(req.values())} requests ({nreq} in connections whose server sent payload), {sum(resp.values())} responses")
if bad: sys.exit(f"FAIL: malformed or warned HTTP in connections {sorted(set(bad))[:5]}")
if nreq < 50: sys.exit(f"FAIL: only {nreq} requests")
if nresp < 0.95 * nreq: sys.exit(f"FAIL: {nresp} responses for {nreq} requests")
if nresp > nreq: sys.exit(f"FAIL: more responses ({nresp}) than requests ({nreq})")
PY
