#!/usr/bin/env bash
# generate --logs with a network config (issue 19): the hosts' logs beside conn.log. The office
# with the five test attacks: the SSH brute force leaves exactly its failed passwords in the
# victim's auth.log (3 per connection, from its source ports), the port scan leaves none; every
# endpoint event is valid JSON whose community_id is a flow of the flows CSV, and no connection
# event names a mid-stream TCP connection (no SYN); lines are in time order; -j 1 and -j 2 write the same logs; a failed run leaves no logs.
set -euo pipefail
: "${SECGEN:?}" "${SRC:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
CFG="$SRC/tests/attacks/office_attacks.yaml"
RUN=(generate -q -d 8m --start 2026-12-07T10:00:00Z -s 3 -c "$CFG")
"$SECGEN" "${RUN[@]}" -j 1 -o "$T/a.pcap" --flows-out "$T/a.csv" --logs "$T/a"
"$SECGEN" "${RUN[@]}" -j 2 -o "$T/b.pcap" --logs "$T/b"
diff -r "$T/a" "$T/b" >/dev/null || fail "-j 1 and -j 2 logs differ"
AUTH="$T/a/hosts/intranet/auth.log"
[ -s "$AUTH" ] || fail "no auth.log for the SSH server intranet"
nb=$(awk -F, '$13=="brute1"' "$T/a.csv" | wc -l)
nf=$(grep -c "Failed password for invalid user" "$AUTH" || true)
[ "$nf" = $((3 * nb)) ] || fail "$nf failed passwords, want 3 x $nb brute-force connections"
awk -F, '$13=="brute1" {print $5}' "$T/a.csv" | sort -u >"$T/bports"
grep "Failed password" "$AUTH" | sed 's/.* port \([0-9]*\) ssh2$/\1/' | sort -u >"$T/fports"
cmp -s "$T/bports" "$T/fports" || fail "failed-password ports are not the brute-force connections' ports"
for ip in $(awk -F, '$13=="scan1"{print $4}' "$T/a.csv" | sort -u); do
    if grep -q " $ip " "$AUTH"; then fail "the SYN scan from $ip left sshd lines"; fi
done
# time order in every file
for f in "$T"/a/hosts/*/*; do
    case $f in
    *access.log) sed 's/^[^[]*\[\([^]]*\)\].*/\1/' "$f" ;; # one day: [07/Dec/2026:10:00:24 sorts as text
    *) cut -c1-32 "$f" | sed 's/^{"@timestamp":"//' ;;
    esac | sort -c 2>/dev/null || fail "$f not in time order"
done
# ECS: valid JSON; community ids are flows of the CSV; Windows hosts run Windows processes
python3 - "$T/a" "$T/a.csv" <<'PY' || fail "endpoint events"
import json, sys, glob, csv
rows = list(csv.DictReader(open(sys.argv[2])))
ids = {r["community_id"] for r in rows}
# a TCP connection the pcap shows from its middle (no SYN) was opened before the run: no
# connection event for it
midstream = {r["community_id"] for r in rows if r["proto"] == "TCP" and "S" not in r["flags"]}
assert midstream, "no mid-stream TCP connection in the run: the check below checks nothing"
n = 0
for path in glob.glob(sys.argv[1] + "/hosts/*/endpoint.ndjson"):
    host = path.split("/")[-2]
    for line in open(path):
        e = json.loads(line)
        n += 1
        assert e["host"]["name"] == host, path
        cid = e.get("network", {}).get("community_id")
        if cid: assert cid in ids, (path, cid)
        if e["event"]["action"].startswith("connection-"): assert cid not in midstream, (path, cid)
        if e["host"]["os"]["type"] == "windows": assert "/" not in e["process"]["executable"], e["process"]
assert n > 500, n
print("ok:", n, "endpoint events")
PY
# the web server's access log: one line per HTTP request Zeek logs towards it (http.log), same
# method, URI and status; the resolver's query log: one query line per dns.log query to it
python3 - "$T/a" <<'PY' || fail "access/resolver logs"
import json, re, sys
d = sys.argv[1]
http = [json.loads(l) for l in open(d + "/http.log")]
want = sorted((h["method"], h["uri"], h.get("status_code", 499)) for h in http if h["id.resp_h"] == "192.168.10.10" and "method" in h)
got = []
for l in open(d + "/hosts/intranet/access.log"):
    m = re.match(r'^(\S+) - - \[[^]]+\] "(\S+) (\S+) HTTP/1.1" (\d+) (\d+) "-" ".*"$', l.rstrip("\n"))
    assert m, l
    got.append((m.group(2), m.group(3), int(m.group(4))))
assert want and sorted(got) == want, (len(got), len(want))
dns = [json.loads(l) for l in open(d + "/dns.log")]
q = sorted(x["query"] for x in dns if x["id.resp_h"] == "192.168.10.2")
rq = sorted(re.search(r"query\[A\] (\S+) from ", l).group(1) for l in open(d + "/hosts/dc/resolver.log") if "query[A]" in l)
assert q and q == rq, (len(q), len(rq))
print("ok:", len(got), "access lines,", len(rq), "resolver queries")
PY
# a replayed attack's URIs reach the victim's access log (the SQL injection capture)
sed '/^attacks:/,$d' "$CFG" >"$T/rp.yaml"
printf 'attacks:\n  - {name: sqlinj, at: "+2m", attacker: ws06, victim: intranet, pcap: %s}\n' "$SRC/tests/data/attacks/WebattackSQLinj.pcap" >>"$T/rp.yaml"
"$SECGEN" generate -q -d 5m --start 2026-12-07T10:00:00Z -s 5 -c "$T/rp.yaml" -o "$T/r.pcap" --logs "$T/r"
n=$(grep -c '^192.168.10.106 .*"GET /dv/vulnerabilities/sqli/?id=1%27' "$T/r/hosts/intranet/access.log" || true)
[ "$n" -ge 5 ] || fail "only $n SQL injection requests in the access log"
# a run that fails (an unwritable pcap path) leaves no log folder it made; a folder that was
# there stays, without anything of the failed run
if "$SECGEN" "${RUN[@]}" -o "$T/nodir/x.pcap" --logs "$T/c" 2>/dev/null; then fail "unwritable pcap accepted"; fi
[ -e "$T/c" ] && fail "log folder left after a failed run"
mkdir "$T/d"
if "$SECGEN" "${RUN[@]}" -o "$T/nodir/x.pcap" --logs "$T/d" 2>/dev/null; then fail "unwritable pcap accepted"; fi
[ -d "$T/d" ] && [ -z "$(ls -A "$T/d")" ] || fail "an existing log folder was removed or filled by a failed run"
echo "ok: host logs"
