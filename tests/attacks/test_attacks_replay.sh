#!/usr/bin/env bash
# `pcap:` attacks: real captures (tests/data/attacks) replayed onto config hosts. The capture's
# attacker (the address opening most flows, or map:) becomes the attacker host, its victim the
# victim host: their MACs and TTLs, times shifted to `at`, checksums and TCP sequence numbers
# rebuilt (tshark: nothing malformed, no error, no bad checksum), the payload bytes kept (the SQL
# injection's URIs), every replayed flow labelled; -j 1 and -j 2 identical; a missing capture and a
# bad map are refused with the config line.
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
D="$HERE/../data/attacks"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
sed '/^attacks:/,$d' "$HERE/office_attacks.yaml" > "$T/net.yaml"
cp "$D/WebattackSQLinj.pcap" "$T/"
cat >> "$T/net.yaml" <<YAML
attacks:
  - {name: synscan, at: "+1m", attacker: external, victim: intranet, pcap: $D/synscan.pcap}
  - {name: sqlinj, at: "+2m", attacker: ws06, victim: intranet, pcap: WebattackSQLinj.pcap}
YAML
RUN=(generate -q -d 5m --start 2026-12-07T10:00:00Z -s 5 -c "$T/net.yaml")
"$SECGEN" "${RUN[@]}" -j 1 -o "$T/a.pcap" --flows-out "$T/a.csv"
"$SECGEN" "${RUN[@]}" -j 2 -o "$T/b.pcap" --flows-out "$T/b.csv"
cmp "$T/a.pcap" "$T/b.pcap" && cmp "$T/a.csv" "$T/b.csv" || fail "-j 1 and -j 2 differ"
count() { awk -F, -v l="$1" 'NR>1 && $13==l' "$T/a.csv" | wc -l; }
[ "$(count sqlinj)" = 9 ] || fail "sqlinj: $(count sqlinj) flows, want the capture's 9"
[ "$(count synscan)" -ge 1900 ] || fail "synscan: $(count synscan) flows, want ~1990"
awk -F, 'NR>1 && $13=="sqlinj" && !($4=="192.168.10.106" && $6=="192.168.10.10") {print; exit 1}' "$T/a.csv" || fail "sqlinj row not ws06 -> intranet"
awk -F, 'NR>1 && $13=="sqlinj" && ($1 < "2026-12-07T10:02:00" || $1 > "2026-12-07T10:04:00") {print; exit 1}' "$T/a.csv" || fail "sqlinj outside its window"
awk -F, 'NR>1 && $13=="synscan" && $6!="192.168.10.10" {print; exit 1}' "$T/a.csv" || fail "synscan row not towards intranet"
bad=$(tshark -r "$T/a.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y '_ws.malformed || _ws.expert.severity >= 8388608 || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"' \
    -T fields -e frame.number -e _ws.col.Info 2>/dev/null | head -5)
[ -z "$bad" ] || fail "tshark: $bad"
# the injection's requests, from ws06's MAC and TTL, with the capture's URIs
uris=$(tshark -r "$T/a.pcap" -Y 'ip.src==192.168.10.106 && http.request' -T fields -e eth.src -e ip.ttl -e http.request.uri 2>/dev/null)
[ "$(echo "$uris" | grep -c 'sqli/?id=')" -ge 9 ] || fail "sqlinj: requests '$uris'"
[ "$(echo "$uris" | cut -f1,2 | sort -u)" = "00:0c:29:0a:01:06	64" ] || fail "sqlinj: MAC/TTL $(echo "$uris" | cut -f1,2 | sort -u)"
# errors
printf '%s\n' "$(sed '/^attacks:/,$d' "$HERE/office_attacks.yaml")" 'attacks:' \
    '  - {name: x, at: "+1m", attacker: external, victim: intranet, pcap: nothere.pcap}' > "$T/bad1.yaml"
set +e; "$SECGEN" "${RUN[@]/$T\/net.yaml/$T/bad1.yaml}" -o "$T/x.pcap" 2> "$T/e1"; rc=$?; set -e
[ "$rc" = 1 ] && grep -q "bad1.yaml:$(grep -n nothere "$T/bad1.yaml" | cut -d: -f1): attacks\[0\].pcap: cannot open" "$T/e1" || fail "missing capture: $rc $(cat "$T/e1")"
printf '%s\n' "$(sed '/^attacks:/,$d' "$HERE/office_attacks.yaml")" 'attacks:' \
    "  - {name: x, at: \"+1m\", attacker: external, victim: intranet, pcap: $D/synscan.pcap, map: {attacker: 10.9.9.9}}" > "$T/bad2.yaml"
set +e; "$SECGEN" "${RUN[@]/$T\/net.yaml/$T/bad2.yaml}" -o "$T/x.pcap" 2> "$T/e2"; rc=$?; set -e
[ "$rc" = 1 ] && grep -q "bad2.yaml:[0-9]*: attacks\[0\].pcap: .*no conversation of the attacker 10.9.9.9" "$T/e2" || fail "bad map: $rc $(cat "$T/e2")"
echo "ok: 2 captures replayed onto config hosts, labelled, tshark clean, -j identical; bad capture/map refused"
