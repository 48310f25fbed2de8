#!/usr/bin/env bash
# Rebuild the embedded default models from ../shared/data (reproducible: same data + same secgen
# => same JSON; learning uses no randomness or a fixed seed).
#   models/flow_model.json      secgen learn on the CIDDS-001 week-3 sample (FlowChronicle)
#   models/automata/*.json      secgen extract --sequences on each benign nDPI capture, then
#                               secgen automata learn --by service (TADAM) on the services the
#                               flow model uses (web, QUIC, DNS, mail, SMB/NetBIOS, SSDP/mDNS/LLMNR, DHCP, NTP)
#   models/app_vocab.json       models/build_vocab.sh: names, HTTP methods/paths/status codes and DNS
#                               TTLs the benign captures use (tshark), weighted by captures
#   models/defaults.json        written by hand: generation defaults for the embedded model
# Usage: models/build.sh [SECGEN]   (default build/release/secgen; run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-${SECGEN:-build/release/secgen}}
SHARED=${SHARED:-../shared}
J=${J:-2}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "== flow model (FlowChronicle on CIDDS-001)"
"$SECGEN" learn "$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv" -o models/flow_model.json -j "$J" -q

echo "== packet sequences of the benign captures (one extract per capture: they are unrelated)"
first=1
for f in "$SHARED"/data/pcap_ndpi_benign/pcap/*; do
    b=$(basename "$f")
    "$SECGEN" extract -q "$f" -o "$T/f.csv" --sequences "$T/s.csv" 2>/dev/null || { echo "  skipped $b (extract failed)"; continue; }
    if [ $first = 1 ]; then head -1 "$T/s.csv" > "$T/seq_all.csv"; first=0; fi
    tail -n +2 "$T/s.csv" | sed "s|^|$b:|" >> "$T/seq_all.csv"
done
# keep the services the flow model generates (learning every nDPI protocol would take hours)
python3 - "$T/seq_all.csv" "$T/seq.csv" <<'PY'
import csv, sys
keep = {("TCP", "443"), ("TCP", "80"), ("TCP", "8080"), ("UDP", "53"), ("UDP", "1900"), ("UDP", "5353"), ("UDP", "5355"),
        ("UDP", "67"), ("UDP", "68"), ("UDP", "123"), ("UDP", "137"), ("UDP", "138"), ("TCP", "445"), ("TCP", "22"),
        ("TCP", "25"), ("TCP", "587"), ("TCP", "465"), ("TCP", "993"), ("ICMP", ""),
        ("UDP", "443")}  # QUIC: 2 % of the default model's flows (DNS over TCP, 1.7 %, has 3 sequences in the captures)
r = csv.reader(open(sys.argv[1])); w = csv.writer(open(sys.argv[2], "w", newline=""))
w.writerow(next(r)); n = 0
for row in r:
    if (row[1], row[2]) in keep:
        w.writerow(row); n += 1
print(f"  {n} sequences kept")
PY

echo "== automata (TADAM, by service)"
"$SECGEN" automata learn "$T/seq.csv" -o "$T/automata" --by service --min-sequences 10 --max-sequences 250 -j "$J" -s 1 -q
rm -f models/automata/*.json
cp "$T"/automata/*.json models/automata/
ls -la models/flow_model.json models/automata/

# ---- application vocabulary (issue 14 item 3; owned by the "story" work: keep this section apart)
echo "== application vocabulary (host names, HTTP methods/paths/status, DNS TTLs of the captures)"
SHARED="$SHARED" models/build_vocab.sh
