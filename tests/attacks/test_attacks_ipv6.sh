#!/usr/bin/env bash
# IPv6 attacks (issue 18): a dual-stack office where one attack runs over IPv6 by `family: ipv6`
# and one against a v6-only host by default; the attack flows carry the hosts' IPv6 addresses (a
# public 2000::/3 source for external attackers), tshark sees IPv6 frames answered as the victim's
# services say and nothing malformed; a family a host lacks and a replay over IPv6 are config errors.
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
hosts='network:
  activity: {hours: "00:00-24:00", days: mon-sun}
hosts:
  - hostname: web
    os: Linux
    interfaces:
      - {ip_addr: 192.168.1.10, services: [http, https, ssh]}
      - {ip_addr: "2001:db8:1::10", services: [http, https, ssh]}
  - hostname: v6only
    os: Linux
    interfaces: [{ip_addr: "2001:db8:1::20", services: [ssh]}]
  - hostname: ws
    os: Linux
    interfaces: [{ip_addr: 192.168.1.101}, {ip_addr: "2001:db8:1::101"}]'
cat >"$T/net.yaml" <<Y
$hosts
attacks:
  - {name: scan6, at: "+10s", attacker: external, victim: web, kind: port-scan, ports: "20-30,80,443", rate: 50, family: ipv6}
  - {name: brute6, at: "+20s", attacker: ws, victim: v6only, kind: ssh-brute-force, rate: 1, attempts: 3}
  - {name: scan4, at: "+30s", attacker: ws, victim: web, kind: port-scan, ports: "79-81", rate: 50}
Y
"$SECGEN" generate -q -d 2m --start 2026-12-07T10:00:00Z -s 5 -c "$T/net.yaml" -o "$T/a.pcap" --flows-out "$T/a.csv"
"$SECGEN" generate -q -d 2m --start 2026-12-07T10:00:00Z -s 5 -j 2 -c "$T/net.yaml" -o "$T/b.pcap" --flows-out "$T/b.csv"
cmp "$T/a.pcap" "$T/b.pcap" || fail "-j 1 and -j 2 differ"
count() { awk -F, -v l="$1" 'NR>1 && $13==l' "$T/a.csv" | wc -l; }
[ "$(count scan6)" = 13 ] || fail "scan6: $(count scan6) flows, want 13"
[ "$(count brute6)" = 3 ] || fail "brute6: $(count brute6) flows, want 3"
[ "$(count scan4)" = 3 ] || fail "scan4: $(count scan4) flows, want 3"
awk -F, 'NR>1 && $13=="scan6" && !($6=="2001:db8:1::10" && $4 ~ /^[23][0-9a-f]*:/) {print; exit 1}' "$T/a.csv" || fail "scan6 row not a public v6 -> web's v6"
awk -F, 'NR>1 && $13=="brute6" && !($4=="2001:db8:1::101" && $6=="2001:db8:1::20" && $7==22) {print; exit 1}' "$T/a.csv" || fail "brute6 row not ws v6 -> v6only:22"
awk -F, 'NR>1 && $13=="scan4" && !($4=="192.168.1.101" && $6=="192.168.1.10") {print; exit 1}' "$T/a.csv" || fail "scan4 row not over IPv4"
# the scan over IPv6: SYN/ACK from the open ports (22, 80, 443) only, RST/ACK from the others
tshark -r "$T/a.pcap" -Y 'ipv6.src == 2001:db8:1::10 && tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.srcport != 22' -T fields -e tcp.srcport | sort -un >"$T/open"
printf '80\n443\n' | cmp -s - "$T/open" || fail "v6 SYN/ACK from ports: $(tr '\n' ' ' <"$T/open")"
n=$(tshark -r "$T/a.pcap" -Y 'ipv6.src == 2001:db8:1::10 && tcp.flags.reset == 1' | wc -l)
[ "$n" -ge 10 ] || fail "only $n RST/ACK from web over IPv6"
bad=$(tshark -r "$T/a.pcap" -Y '_ws.malformed || _ws.expert.severity == error || tcp.checksum.status == 0' 2>/dev/null | wc -l)
[ "$bad" = 0 ] || fail "tshark: $bad malformed/error frames"
# errors name the config line
cat >"$T/bad1.yaml" <<Y
$hosts
attacks:
  - {name: x, at: "+10s", attacker: external, victim: v6only, kind: port-scan, family: ipv4}
Y
if "$SECGEN" generate -q -d 1m -c "$T/bad1.yaml" -o "$T/x.pcap" 2>"$T/e1"; then fail "a v4 attack on a v6-only host accepted"; fi
grep -q "bad1.yaml:[0-9]*: attacks\[0\].victim: host 'v6only' has no IPv4 interface" "$T/e1" || fail "message: $(cat "$T/e1")"
cat >"$T/bad2.yaml" <<Y
$hosts
attacks:
  - {name: x, at: "+10s", attacker: external, victim: web, kind: port-scan, family: ipx}
Y
if "$SECGEN" generate -q -d 1m -c "$T/bad2.yaml" -o "$T/x.pcap" 2>"$T/e2"; then fail "family ipx accepted"; fi
grep -q "attacks\[0\].family: expected ipv4 or ipv6" "$T/e2" || fail "message: $(cat "$T/e2")"
[ -e "$T/x.pcap" ] && fail "output left after a config error"
echo "ok: IPv6 attacks"
