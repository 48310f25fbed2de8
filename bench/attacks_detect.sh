#!/usr/bin/env bash
# The labelled one-hour office dataset of issue 18: the embedded models on the example office
# (tests/attacks/office_attacks.yaml's hosts) with five attacks, two of them replayed real
# captures of pcap_ndpi_attack (synscan, WebattackSQLinj) and three synthetic kinds (SSH brute
# force, SYN flood, DNS tunnel). Prints flows and frames per label, tshark's count of malformed /
# error-level / bad-checksum packets, and the AUROC per attack of `secgen detect` trained on
# benign flows: REAL = another hour of the same office without attacks (seed 2), SYNTH = a third
# (seed 3), TEST = the labelled hour (seed 1).
# Usage: bench/attacks_detect.sh [secgen binary] [work dir]
set -euo pipefail
S=${1:-build/release/secgen}
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=${2:-$(mktemp -d)}
mkdir -p "$T"
A=$HERE/../shared/data/pcap_ndpi_attack/pcap
[ -f "$A/synscan.pcap" ] || A=$HERE/tests/data/attacks
sed '/^attacks:/,$d' "$HERE/tests/attacks/office_attacks.yaml" > "$T/plain.yaml"
{ cat "$T/plain.yaml"; cat <<YAML
attacks:
  - {name: synscan, at: "+5m", attacker: external, victim: intranet, pcap: $A/synscan.pcap}
  - {name: sqlinj, at: "+15m", attacker: ws06, victim: intranet, pcap: $A/WebattackSQLinj.pcap}
  - {name: brute, at: "+25m", attacker: ws06, victim: intranet, kind: ssh-brute-force, rate: 1, duration: 5m}
  - {name: synflood, at: "+35m", attacker: external, victim: intranet, kind: syn-flood, rate: 500, duration: 20s, port: 443}
  - {name: dnstun, at: "+45m", attacker: ws03, victim: dc, kind: dns-tunnel, rate: 2, duration: 5m}
YAML
} > "$T/atk.yaml"
RUN=(generate -q -d 1h --start 2026-12-07T09:00:00Z)
/usr/bin/time -f "labelled hour: %e s, peak RSS %M KB" "$S" "${RUN[@]}" -s 1 -c "$T/atk.yaml" -o "$T/test.pcap" \
    --flows-out "$T/test.csv" --packet-labels "$T/test.lab"
"$S" "${RUN[@]}" -s 2 -c "$T/plain.yaml" --flows-out "$T/real.csv"
"$S" "${RUN[@]}" -s 3 -c "$T/plain.yaml" --flows-out "$T/synth.csv"
echo "pcap: $(stat -c %s "$T/test.pcap") bytes, $(($(wc -l < "$T/test.lab") - 1)) frames"
echo "flows per label:"
awk -F, 'NR > 1 { c[$13]++ } END { for (k in c) printf "  %-9s %d\n", k, c[k] }' "$T/test.csv" | sort
echo "frames per label:"
awk -F, 'NR > 1 { c[$2]++ } END { for (k in c) printf "  %-9s %d\n", k, c[k] }' "$T/test.lab" | sort
bad=$(tshark -r "$T/test.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y '_ws.malformed || _ws.expert.severity >= 8388608 || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"' \
    -T fields -e frame.number 2>/dev/null | wc -l)
echo "tshark: $bad malformed / error-level / bad-checksum packets"
"$S" detect -q --train "$T/real.csv" --synthetic "$T/synth.csv" --test "$T/test.csv" -o "$T/detect.json" -s 1
python3 - "$T/detect.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
dets = r.get("detectors", r)
print("AUROC per attack (trained on benign REAL / SYNTH):")
for name, d in (dets.items() if isinstance(dets, dict) else ((x["name"], x) for x in dets)):
    if not isinstance(d, dict) or "real" not in d: continue
    line = [f"  {name:8s} all {d['real'].get('auroc', float('nan')):.3f} / {d['synthetic'].get('auroc', float('nan')):.3f}"]
    pr, ps = d['real'].get('per_class', {}), d['synthetic'].get('per_class', {})
    for c in sorted(pr):
        a = pr[c].get('auroc') if isinstance(pr[c], dict) else pr[c]
        b = ps.get(c, {}).get('auroc') if isinstance(ps.get(c), dict) else ps.get(c)
        line.append(f"{c} {a:.3f}/{b:.3f}" if a is not None and b is not None else f"{c} n/a")
    print("  ".join(line))
PY
