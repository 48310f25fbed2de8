#!/usr/bin/env bash
# Bad `attacks:` entries: secgen generate exits 1 with a message naming the config file, the line
# of the fault and the field (unknown host, unknown kind, unknown parameter, attack outside the
# run, missing field, bad value, a victim without the attacked service), and writes no output.
set -euo pipefail
: "${SECGEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

hosts='hosts:
  - {hostname: web, interfaces: [{ip_addr: 10.0.0.10, services: [http, https]}]}
  - {hostname: pc, interfaces: [{ip_addr: 10.0.0.20}]}
attacks:
  - {name: ok1, at: "+1m", attacker: pc, victim: web, kind: port-scan, ports: "80-90"}'
n=0
# expect: LINE_AND_MESSAGE_REGEX, attack line (line 6 of the file)
bad() { # regex, yaml line
    n=$((n + 1))
    printf '%s\n%s\n' "$hosts" "$2" > "$T/c$n.yaml"
    set +e
    "$SECGEN" generate -q -d 10m --start 2026-12-07T10:00:00Z -c "$T/c$n.yaml" -o "$T/o$n.pcap" --flows-out "$T/o$n.csv" 2> "$T/e$n"
    rc=$?
    set -e
    [ "$rc" = 1 ] || fail "case $n: exit $rc, want 1 ($(cat "$T/e$n"))"
    grep -Eq "c$n.yaml:$1" "$T/e$n" || fail "case $n: message '$(cat "$T/e$n")' does not match 'c$n.yaml:$1'"
    [ ! -e "$T/o$n.pcap" ] && [ ! -e "$T/o$n.csv" ] || fail "case $n: output left behind"
}
bad "6: attacks\[1\]\.victim: unknown host 'nope'" '  - {name: a, at: "+1m", attacker: pc, victim: nope, kind: syn-flood}'
bad "6: attacks\[1\]\.attacker: unknown host 'evil'" '  - {name: a, at: "+1m", attacker: evil, victim: web, kind: syn-flood}'
bad "6: attacks\[1\]\.kind: unknown kind 'smurf'" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: smurf}'
bad "6: attacks\[1\]: unknown parameter 'speed' for kind syn-flood \(expected: rate, duration, port, spoof\)" '  - {name: a, at: "+1m", attacker: external, victim: web, kind: syn-flood, speed: 3}'
bad "6: attacks\[1\]\.at: attack 'a' ends at 2026-12-07T10:10:20.000000Z, after the run \(2026-12-07T10:10:00.000000Z\)" '  - {name: a, at: "+9m", attacker: pc, victim: web, kind: syn-flood, duration: 80s}'
bad "6: attacks\[1\]\.at: attack 'a' starts at .*, before the run" '  - {name: a, at: "2026-12-07T09:00:00Z", attacker: pc, victim: web, kind: syn-flood}'
bad "6: attacks\[1\]\.at: '5m' is neither an offset" '  - {name: a, at: "5m", attacker: pc, victim: web, kind: syn-flood}'
bad "6: attacks\[1\]\.victim: host 'web' offers no SSH \(TCP 22\)" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: ssh-brute-force}'
bad "6: attacks\[1\]\.name: 'ok1' is already the name of attacks\[0\]" '  - {name: ok1, at: "+1m", attacker: pc, victim: web, kind: syn-flood}'
bad "6: attacks\[1\]\.name: 'benign' must be" '  - {name: benign, at: "+1m", attacker: pc, victim: web, kind: syn-flood}'
bad "6: attacks\[1\]\.rate: expected flows per second" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: syn-flood, rate: fast}'
bad "6: attacks\[1\]\.spoof: spoofed sources need attacker: external" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: syn-flood, spoof: true}'
bad "6: attacks\[1\]: missing kind" '  - {name: a, at: "+1m", attacker: pc, victim: web}'
bad "8: attacks\[1\]\.victim: unknown host 'nope'" '  - name: a
    at: "+1m"
    victim: nope
    attacker: pc
    kind: port-scan'
bad "6: ports: '70000' is not a port" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: port-scan, ports: "1-10,70000"}'
bad "6: attacks\[1\]: give either kind or pcap, not both" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: syn-flood, pcap: x.pcap}'
bad "6: attacks\[1\]\.map: only for a pcap replay" '  - {name: a, at: "+1m", attacker: pc, victim: web, kind: syn-flood, map: {attacker: 1.2.3.4}}'
bad "6: attacks\[1\]\.pcap: cannot open '.*/none.pcap'" '  - {name: a, at: "+1m", attacker: pc, victim: web, pcap: none.pcap}'
# JSON: no lines, the file and the field
printf '{"hosts": [{"hostname": "web", "interfaces": [{"ip_addr": "10.0.0.10"}]}], "attacks": [{"name": "a", "at": "+1m", "attacker": "external", "victim": "db", "kind": "syn-flood"}]}\n' > "$T/j.json"
set +e
"$SECGEN" generate -q -d 10m -c "$T/j.json" -o "$T/j.pcap" 2> "$T/ej"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "j.json: attacks\[0\].victim: unknown host 'db'" "$T/ej" || fail "json: exit $rc, '$(cat "$T/ej")'"
echo "ok: $n bad YAML attack entries and a JSON one refused with file, line and field"
