#!/usr/bin/env bash
# Application vocabulary of the embedded models (models/app_vocab.json), learnt from the benign
# nDPI captures with tshark: the host names clients use (TLS SNI, HTTP Host, DNS query names),
# HTTP request methods and paths, response status codes, and DNS answer TTLs, each with the number
# of captures it occurs in (a name seen in many scenarios is a common one; counting packets would
# let one long capture dominate). Names are kept only when they look like public DNS names (letters,
# digits, hyphens, a dot, an alphabetic TLD; no IP literals, no .local/.lan/.arpa, no single
# labels); methods are the RFC 9110 ones and PATCH (SSDP's M-SEARCH/NOTIFY ride on UDP); paths
# are cut at '?' (query strings carry session tokens) and kept when printable.
# Usage: models/build_vocab.sh [CAPTURE_DIR]   (run from the repository root; needs tshark, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DIR=${1:-$SHARED/data/pcap_ndpi_benign/pcap}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for f in "$DIR"/*; do
    b=$(basename "$f")
    timeout 120 tshark -r "$f" -n \
        -Y 'tls.handshake.type == 1 || http.request || http.response || dns' \
        -T fields -E separator='|' -E occurrence=a -E aggregator=',' \
        -e tls.handshake.extensions_server_name -e http.host -e http.request.method -e http.request.uri \
        -e http.response.code -e dns.flags.response -e dns.qry.name -e dns.resp.type -e dns.resp.ttl \
        2>/dev/null | sed "s|^|$b\t|" >> "$T/fields.txt" || true
done
python3 - "$T/fields.txt" models/app_vocab.json <<'PY'
import collections, json, re, sys
name_re = re.compile(r'^(?=.{4,80}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$')
bad_tld = {"local", "lan", "arpa", "home", "internal", "localdomain", "corp", "intranet", "test", "invalid", "example"}
sets = {k: collections.defaultdict(set) for k in ("host", "method", "path", "status", "ttl")}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    cap, _, rest = line.rstrip("\n").partition("\t")
    f = rest.split("|")
    if len(f) < 9: continue
    sni, host, method, uri, code, resp, qname, rtype, ttl = f[:9]
    names = [sni, host.split(":")[0]]
    if resp == "0": names += qname.split(",")
    for n in names:
        n = n.strip().lower().rstrip(".")
        if name_re.match(n) and n.rsplit(".", 1)[1] not in bad_tld: sets["host"][n].add(cap)
    if method in ("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"):  # HTTP over TCP (not SSDP's M-SEARCH/NOTIFY)
        sets["method"][method].add(cap)
        p = uri.split("?")[0]
        if p.startswith("/") and len(p) <= 96 and all(33 <= ord(c) < 127 for c in p) and '"' not in p and '\\' not in p:
            sets["path"][p].add(cap)
    for c in code.split(","):
        if c.isdigit() and 100 <= int(c) <= 599: sets["status"][int(c)].add(cap)
    if resp == "1":
        for t, v in zip(rtype.split(","), ttl.split(",")):
            if t == "1" and v.isdigit(): sets["ttl"][int(v)].add(cap)
def ranked(d, minc=1):
    return [[k, len(v)] for k, v in sorted(d.items(), key=lambda kv: (-len(kv[1]), str(kv[0]))) if len(v) >= minc]
out = {
    "format": "secgen-app-vocab", "version": 1,
    "source": "models/build_vocab.sh: tshark fields of the benign nDPI captures (../shared/data/pcap_ndpi_benign); "
              "each entry: [value, number of captures it occurs in]",
    "hosts": ranked(sets["host"]),
    "http_methods": ranked(sets["method"]),
    "http_paths": ranked(sets["path"]),
    "http_status": ranked(sets["status"]),
    "dns_ttls": ranked(sets["ttl"]),
}
with open(sys.argv[2], "w") as fp:
    fp.write("{\n")
    items = list(out.items())
    for i, (k, v) in enumerate(items):
        if isinstance(v, list):
            fp.write(f'  "{k}": [\n' + ",\n".join("    " + json.dumps(e) for e in v) + "\n  ]")
        else:
            fp.write(f'  "{k}": {json.dumps(v)}')
        fp.write(",\n" if i < len(items) - 1 else "\n")
    fp.write("}\n")
print("  app_vocab.json: " + ", ".join(f"{k} {len(v)}" for k, v in out.items() if isinstance(v, list)))
PY
