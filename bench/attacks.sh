#!/usr/bin/env bash
# One hour of the office (tests/attacks/office_attacks.yaml's hosts) with and without five attacks
# (full port scan, SSH brute force, SYN flood, HTTP flood, DNS tunnel): flows per label, packets,
# pcap size, time at -j 1 and default -j, peak RSS; tshark count of malformed / error-level /
# bad-checksum packets of the capture with attacks. Usage: bench/attacks.sh [secgen binary]
set -euo pipefail
S=${1:-build/release/secgen}
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sed '/^attacks:/,$d' "$HERE/tests/attacks/office_attacks.yaml" > "$T/plain.yaml"
{ cat "$T/plain.yaml"; cat <<'YAML'
attacks:
  - {name: scan, at: "+5m", attacker: external, victim: intranet, kind: port-scan, ports: "1-65535", rate: 1000}
  - {name: brute, at: "+10m", attacker: ws06, victim: intranet, kind: ssh-brute-force, rate: 1, duration: 10m}
  - {name: synflood, at: "+25m", attacker: external, victim: intranet, kind: syn-flood, rate: 2000, duration: 60s, port: 443}
  - {name: httpflood, at: "+35m", attacker: external, victim: intranet, kind: http-flood, rate: 50, duration: 2m}
  - {name: dnstun, at: "+45m", attacker: ws03, victim: dc, kind: dns-tunnel, rate: 10, duration: 10m}
YAML
} > "$T/atk.yaml"
RUN=(generate -q -d 1h --start 2026-12-07T09:00:00Z)
for cfg in plain atk; do
    for j in 1 ""; do
        /usr/bin/time -f "$cfg -j ${j:-default}: %e s, peak RSS %M KB" "$S" "${RUN[@]}" ${j:+-j $j} -c "$T/$cfg.yaml" -o "$T/$cfg.pcap" --flows-out "$T/$cfg.csv"
    done
    echo "$cfg: pcap $(stat -c %s "$T/$cfg.pcap") bytes, $(tshark -r "$T/$cfg.pcap" 2>/dev/null | wc -l) packets"
done
awk -F, 'NR>1 {c[$13]++} END {for (k in c) print "  flows " k ": " c[k]}' "$T/atk.csv" | sort
bad=$(tshark -r "$T/atk.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y '_ws.malformed || _ws.expert.severity >= 8388608 || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"' \
    -T fields -e frame.number 2>/dev/null | wc -l)
echo "tshark, capture with attacks: $bad malformed / error-level / bad-checksum packets"
