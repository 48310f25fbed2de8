#!/usr/bin/env bash
# Packet realism against the flow model and the real captures (issue 14):
#  1. pcap vs model: the model's records (generate --flows-out without -o) against `secgen extract`
#     of the pcap generated with the same model, seed and -n: packets per direction exact, bytes
#     within 10 % (bench/pcap_vs_model.py), plus generate's own summary (misses by cause);
#  2. DNS: responses that answer no query of the capture (tshark dns.response_to);
#  3. service coverage: flows without an automaton for their service;
#  4. TCP analysis flags (tshark tcp.analysis.*, warnings/notes, not errors) per 1,000 TCP packets,
#     generated vs the real benign captures; and error-level expert info / malformed (must be 0).
#     Per kind, with and without --no-noise: bench/packet_noise.sh.
# Release build expected. Usage: bench/packets.sh [SECGEN]; env N (default 4096), SEED (1), DUR (10m).
set -euo pipefail
SECGEN=${1:-${SECGEN:-build/release/secgen}}
N=${N:-4096}
SEED=${SEED:-1}
DUR=${DUR:-10m}
SHARED=${SHARED:-../shared}
HERE=$(cd "$(dirname "$0")" && pwd)
D=$(mktemp -d /dev/shm/secgen-pkt.XXXXXX)
trap 'rm -rf "$D"' EXIT

echo "== 1. pcap vs flow model (-n $N -s $SEED, embedded model)"
"$SECGEN" generate -n "$N" -s "$SEED" -q --flows-format native --flows-out "$D/model.csv"
"$SECGEN" generate -n "$N" -s "$SEED" -o "$D/a.pcap" --flows-out "$D/gt.csv" 2> "$D/summary"
grep -E "vs flow model|missed|capped|fitted|automaton sample|valid packet|without an automaton|TCP normalisation" "$D/summary" | sed 's/^/  /'
"$SECGEN" extract -q "$D/a.pcap" -o "$D/ext.csv"
# generate's CSV has one more column (community_id)
cmp -s <(tail -n +2 "$D/gt.csv" | cut -d, -f1-12 | sort) <(tail -n +2 "$D/ext.csv" | sort) && echo "  extract round trip: exact" || echo "  extract round trip: DIFFERS"
python3 "$HERE/pcap_vs_model.py" "$D/model.csv" "$D/ext.csv" --frame-bytes | sed 's/^/  /'
rm -f "$D/a.pcap"

echo "== 2-4. generate -d $DUR -s $SEED"
"$SECGEN" generate -d "$DUR" -s "$SEED" -o "$D/b.pcap" 2> "$D/summary2"
written=$(sed -n 's/^flows: [0-9]* in, \([0-9]*\) written.*/\1/p' "$D/summary2")
noauto=$(sed -n 's/^flows without an automaton.*: \([0-9]*\)$/\1/p' "$D/summary2")
echo "  service coverage: ${noauto:-0} of $written flows without an automaton ($(awk -v a="${noauto:-0}" -v b="$written" 'BEGIN {printf "%.1f", 100*a/b}') %)"
tshark -r "$D/b.pcap" -Y 'dns.flags.response == 1' -T fields -e dns.response_to 2>/dev/null |
    awk '{n++; if ($1 == "") u++} END {printf "  DNS: %d responses, %d answer no query\n", n, u}'
flags() { # pcap -> "tcp_packets flagged errors"
    tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -T fields -e tcp.seq -e tcp.analysis.flags -e _ws.expert.severity -e _ws.malformed 2>/dev/null |
        awk -F'\t' '{if ($1 != "") t++; if ($2 != "") f++; if ($3 ~ /8388608/ || $4 != "") e++} END {print t+0, f+0, e+0}'
}
read -r t f e <<< "$(flags "$D/b.pcap")"
echo "  generated: $t TCP packets, $f with a tcp.analysis flag ($(awk -v f="$f" -v t="$t" 'BEGIN {printf "%.2f", 1000*f/(t?t:1)}') per 1,000), $e error-level or malformed"
rm -f "$D/b.pcap"
T=0; F=0
for c in "$SHARED"/data/pcap_ndpi_benign/pcap/*; do
    read -r t f e <<< "$(flags "$c")"
    T=$((T + t)); F=$((F + f))
done
echo "  real benign captures: $T TCP packets, $F with a tcp.analysis flag ($(awk -v f="$F" -v t="$T" 'BEGIN {printf "%.2f", 1000*f/(t?t:1)}') per 1,000)"
