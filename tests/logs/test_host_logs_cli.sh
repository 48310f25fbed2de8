#!/usr/bin/env bash
# generate --logs with a network config (issue 19): the hosts' logs beside conn.log. The office
# with the five test attacks: the SSH brute force leaves exactly its failed passwords in the
# victim's auth.log (3 per connection, from its source ports), the port scan leaves none; every
# endpoint event is valid JSON whose community_id is a flow of the flows CSV; lines are in time
# order; -j 1 and -j 2 write the same logs; a failed run leaves no logs.
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
    cut -c1-32 "$f" | sed 's/^{"@timestamp":"//' | sort -c 2>/dev/null || fail "$f not in time order"
done
# ECS: valid JSON; community ids are flows of the CSV; Windows hosts run Windows processes
python3 - "$T/a" "$T/a.csv" <<'PY' || fail "endpoint events"
import json, sys, glob, csv
ids = {r["community_id"] for r in csv.DictReader(open(sys.argv[2]))}
n = 0
for path in glob.glob(sys.argv[1] + "/hosts/*/endpoint.ndjson"):
    host = path.split("/")[-2]
    for line in open(path):
        e = json.loads(line)
        n += 1
        assert e["host"]["name"] == host, path
        cid = e.get("network", {}).get("community_id")
        if cid: assert cid in ids, (path, cid)
        if e["host"]["os"]["type"] == "windows": assert "/" not in e["process"]["executable"], e["process"]
assert n > 500, n
print("ok:", n, "endpoint events")
PY
# a run that fails (bad option value caught late: an unwritable pcap path) leaves no log folder content
if "$SECGEN" "${RUN[@]}" -o "$T/nodir/x.pcap" --logs "$T/c" 2>/dev/null; then fail "unwritable pcap accepted"; fi
[ -e "$T/c/hosts" ] && fail "host logs left after a failed run"
echo "ok: host logs"
