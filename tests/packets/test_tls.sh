#!/usr/bin/env bash
# Issue 14 item 3: a TLS connection's handshake runs in order. A ServerHello answers a ClientHello
# of its connection, sent before it; a server that speaks first (a record seen mid-stream) sends
# session records, not a hello. Before: in `generate -d 10m -s 5` all 75 ServerHellos were in
# connections without a ClientHello (the server's first payload was always a hello). Also: no
# malformed or error-level TLS.
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$SECGEN" generate -d 10m -s 5 -j 2 -q -o "$T/a.pcap"
tshark -r "$T/a.pcap" -Y 'tls' -T fields -E separator=/t -E occurrence=a -E aggregator=, -e frame.number -e tcp.stream \
    -e tls.handshake.type -e _ws.malformed -e _ws.expert.severity 2>/dev/null > "$T/tls"
/usr/bin/python3 - "$T/tls" <<'PY'
import sys
hello, bad, sh, ch = {}, [], 0, 0
for line in open(sys.argv[1]):
    fr, s, hs, mal, sev = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    types = hs.split(",") if hs else []
    if "1" in types:
        hello[s] = int(fr); ch += 1
    if "2" in types:
        sh += 1
        if s not in hello: bad.append(f"stream {s}: ServerHello in frame {fr} without a ClientHello before it")
    if mal or any(int(v) >= 8388608 for v in sev.split(",") if v): bad.append(f"stream {s}: malformed TLS in frame {fr}")
print(f"{ch} ClientHellos, {sh} ServerHellos")
if ch < 20: sys.exit(f"FAIL: only {ch} ClientHellos")
if bad: sys.exit("FAIL: " + "; ".join(bad[:5]) + f" ({len(bad)} in all)")
PY
