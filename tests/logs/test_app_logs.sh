#!/usr/bin/env bash
# secgen generate --logs: dns.log, http.log and ssl.log checked against the pcap as tshark dissects
# it, record by record through the Community ID: DNS query names, transaction ids and answers;
# HTTP method, Host, URI, status code and body bytes; TLS SNI. Also the story the logs tell:
# every HTTP/TLS connection of a LAN client comes after a DNS answer to that client holding the
# server's address under the name the connection then uses (Host / SNI), given within the
# answer's TTL; every DNS response answers a query. Same bytes for -j 1 and -j 2. --no-lookups
# writes the same model flows without the lookups.
set -u
: "${SECGEN:?}" "${SRC:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark not installed (scripts/install-deps.sh)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
run() { "$SECGEN" generate -q "$@"; }
run -n 400 -s 5 -j 1 --config "$SRC/examples/office.yaml" -o "$T/a.pcap" --flows-out "$T/a.csv" --logs "$T/la" || { echo "FAIL: generate"; exit 1; }
run -n 400 -s 5 -j 2 --config "$SRC/examples/office.yaml" -o "$T/b.pcap" --flows-out "$T/b.csv" --logs "$T/lb" || { echo "FAIL: generate -j 2"; exit 1; }
for l in dns http ssl; do
  cmp -s "$T/la/$l.log" "$T/lb/$l.log" || { echo "FAIL: $l.log differs between -j 1 and -j 2"; fail=1; }
done
run -d 2m -s 3 -o "$T/c.pcap" --flows-out "$T/c.csv" --logs "$T/lc" || { echo "FAIL: generate (no config)"; exit 1; }

check() { # pcap logdir label
  tshark --enable-protocol communityid -r "$1" -n -Y 'dns || http.request || http.response || tls.handshake.type == 1 || tcp.flags.syn == 1' \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, -e frame.time_epoch -e communityid -e ip.src -e ip.dst \
    -e tcp.flags.syn -e tcp.flags.ack -e dns.flags.response -e dns.id -e dns.qry.name -e dns.a -e dns.resp.ttl \
    -e dns.response_to -e http.request.method -e http.host -e http.request.uri -e http.response.code \
    -e tls.handshake.extensions_server_name 2>/dev/null >"$T/pk.tsv"
  # HTTP messages as tshark reassembles them (heads and bodies span segments; every message says
  # its length). Segments the TCP noise sent out of order are dissected too (tshark skips the
  # payload of a segment it flags by default).
  tshark --enable-protocol communityid -o tcp.no_subdissector_on_error:FALSE \
    -r "$1" -n -Y 'http.request || http.response' \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, -e communityid -e http.request.method -e http.host \
    -e http.request.uri -e http.response.code -e http.content_length 2>/dev/null >"$T/http.tsv"
  /usr/bin/python3 - "$T/pk.tsv" "$2" "$3" "$T/http.tsv" <<'PY'
import json, sys
from collections import defaultdict, Counter
pk, logs, label, htsv = sys.argv[1:5]
errors = []
def err(m):
    if len(errors) < 20: errors.append(m)
q_by = defaultdict(list); r_by = defaultdict(list); req = Counter(); codes = Counter(); sni = {}
syn = []  # (t, cid, client, server)
answers = defaultdict(list)  # client -> [(t, name, addr, ttl)]
unanswered = 0; nresp = 0
for line in open(pk):
    f = line.rstrip("\n").split("\t")
    f += [""] * (17 - len(f))
    t, cid, src, dst, s, a, resp, did, qn, da, ttl, rto, meth, host, uri, code, sn = f[:17]
    t = float(t)
    if resp == "0":
        q_by[cid].append((int(did, 0), qn))
    elif resp == "1":
        nresp += 1
        if not rto: unanswered += 1
        r_by[cid].append((int(did, 0), qn, da))
        for ad, tt in zip(da.split(","), ttl.split(",")):
            if ad: answers[dst].append((t, qn, ad, int(tt)))
    if sn: sni[cid] = sn
    if s == "1" and a == "0": syn.append((t, cid, src, dst))
servers = {ln.split("\t")[2] for ln in open(pk) if ln.split("\t")[6:7] == ["1"]}  # hosts answering DNS
reqlen = Counter(); resplen = Counter()
for line in open(htsv):
    cid, meth, host, uri, code, clen = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
    clens = [int(c) for c in clen.split(",") if c]
    if meth:
        ms = meth.split(",")
        for m, h, u in zip(ms, host.split(","), uri.split(",")): req[(cid, m, h, u)] += 1
        # a request's body is its Content-Length (a GET has none)
        for k, m in enumerate(ms):
            reqlen[(cid, clens.pop(0) if m in ("POST", "PUT", "PATCH") and clens else 0)] += 1
    for c in code.split(","):
        if c:
            codes[(cid, int(c))] += 1
            resplen[(cid, clens.pop(0) if clens else 0)] += 1
def load(name):
    return [json.loads(l) for l in open(f"{logs}/{name}")]
dns, http, ssl = load("dns.log"), load("http.log"), load("ssl.log")
# DNS: each record's query is a query of its connection, its answers a response of it
for r in dns:
    cid = r["community_id"]
    if (r["trans_id"], r["query"]) not in q_by[cid] and "rtt" in r:
        err(f"dns.log {r['uid']}: query {r['trans_id']} {r['query']} not in the pcap's queries of {cid}")
    if "answers" in r:
        got = [x for x in r_by[cid] if x[0] == r["trans_id"] and x[1] == r["query"]]
        if not got or got[0][2] != ",".join(r["answers"]):
            err(f"dns.log {r['uid']}: answers {r['answers']} not the pcap's {got}")
nq = sum(len(v) for v in q_by.values())
if sum(1 for r in dns if "rtt" in r or "rcode" not in r) != nq:
    err(f"dns.log has {sum(1 for r in dns if 'rtt' in r or 'rcode' not in r)} query records, the pcap {nq} queries")
if unanswered: err(f"{unanswered} of {nresp} DNS responses answer no query (tshark dns.response_to)")
# HTTP: method, Host, URI per connection as tshark parses the requests; status codes of the replies
lreq = Counter((r["community_id"], r["method"], r.get("host", ""), r["uri"]) for r in http if "method" in r)
if lreq != req: err(f"http.log requests differ from the pcap's: only in log {list((lreq - req).items())[:3]}, only in pcap {list((req - lreq).items())[:3]}")
lcodes = Counter((r["community_id"], r["status_code"]) for r in http if "status_code" in r)
if lcodes != codes: err(f"http.log status codes differ: {list((lcodes - codes).items())[:3]} / {list((codes - lcodes).items())[:3]}")
# HTTP bytes: each message's body is its Content-Length
lreqlen = Counter((r["community_id"], r["request_body_len"]) for r in http if "method" in r)
if lreqlen != reqlen: err(f"http.log request body lengths differ: {list((lreqlen - reqlen).items())[:3]} / {list((reqlen - lreqlen).items())[:3]}")
lresplen = Counter((r["community_id"], r["response_body_len"]) for r in http if "status_code" in r)
if lresplen != resplen: err(f"http.log response body lengths differ: {list((lresplen - resplen).items())[:3]} / {list((resplen - lresplen).items())[:3]}")
# TLS: SNI per connection
lsni = {r["community_id"]: r["server_name"] for r in ssl if "server_name" in r}
if lsni != sni: err(f"ssl.log SNIs differ from the pcap's: {len(lsni)} vs {len(sni)}")
# the story: a LAN client's HTTP/TLS connection follows an answer to it with the server's address
# under the name the connection uses, within the answer's TTL
names = {}
for (cid, m, h, u) in req:
    if h: names.setdefault(cid, h)  # a request too short for its Host header has none
names.update(sni)
def private(a): return a.startswith("10.") or a.startswith("192.168.") or a.startswith("172.")
named = resolved = 0
for t, cid, cli, srv in syn:
    if cid not in names or not private(cli) or cli in servers: continue  # a resolver resolves for itself
    if srv in servers: continue  # nor asks a resolver for the resolver's own address (src/packets/resolve.c)
    named += 1
    # within the TTL; a TTL of 0 allows the lookup's own connection only (within a second)
    ok = [x for x in answers[cli] if x[2] == srv and x[0] <= t and t <= x[0] + max(x[3], 1) + 1e-6 and x[1] == names[cid]]
    if ok: resolved += 1
    else: err(f"{cid}: {cli} -> {srv} ({names[cid]}) at {t:.6f} has no earlier DNS answer with that address and name")
if named == 0: err("no HTTP/TLS connection of a LAN client to check")
if not dns or not http or not ssl: err(f"empty logs: dns {len(dns)}, http {len(http)}, ssl {len(ssl)}")
for m in errors: print(f"FAIL ({label}): {m}")
print(f"{label}: dns {len(dns)} http {len(http)} ssl {len(ssl)} records; {resolved} of {named} named connections resolved first; {nresp} responses, {unanswered} unmatched")
sys.exit(1 if errors else 0)
PY
}
# --no-lookups: the same model flows without the lookups (the summary counts them)
"$SECGEN" generate -d 1m -s 3 -o "$T/d.pcap" --flows-out "$T/d.csv" 2>"$T/d.err" || { echo "FAIL: generate"; exit 1; }
run -d 1m -s 3 --no-lookups -o "$T/e.pcap" --flows-out "$T/e.csv" || { echo "FAIL: generate --no-lookups"; exit 1; }
nl=$(sed -n 's/^name lookups before connections: \([0-9]*\).*/\1/p' "$T/d.err")
[ -n "$nl" ] && [ "$nl" -gt 0 ] || { echo "FAIL: no lookups counted in the summary"; fail=1; }
[ $(( $(wc -l < "$T/d.csv") - $(wc -l < "$T/e.csv") )) = "${nl:-x}" ] || { echo "FAIL: --no-lookups: $(wc -l < "$T/e.csv") rows, with lookups $(wc -l < "$T/d.csv") (lookups: $nl)"; fail=1; }
run -d 1m -s 3 --no-lookups --flows-out "$T/f.csv" 2>/dev/null && { echo "FAIL: --no-lookups without -o/--config accepted"; fail=1; }
check "$T/a.pcap" "$T/la" office || fail=1
check "$T/c.pcap" "$T/lc" default || fail=1
exit $fail
