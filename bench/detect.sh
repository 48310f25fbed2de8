#!/usr/bin/env bash
# secgen detect on the nDPI captures: does a detector trained on secgen's synthetic traffic
# behave like one trained on the real traffic it learnt from?
#
# Split (by capture, so no flow of a test capture was seen in training): the 482 benign captures
# sorted by name, every 3rd one (index % 3 == 2) is test, the others train. Every capture of
# pcap_ndpi_attack is test, labelled with its file stem (synscan, dns-tunnel-iodine, ...).
#   REAL   = flows / packet sequences extracted from the training captures
#   SYNTH  = (flows)     secgen learn REAL -> secgen generate -m model -n |REAL| (flow-only)
#            (pipeline)  the same model + automata learnt on REAL's sequences -> pcap -> extract
#            (sampled)   sequences sampled from the automata learnt on REAL (TADAM sampling)
#   TEST   = held-out benign captures (label 0) + attack captures (label = capture)
# Prints the reports and an independent AUROC cross-check (python3, stdlib only) of the scores.
# Usage: bench/detect.sh [BUILD_DIR] [WORK_DIR]   (default build/release, a temp dir)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$HERE/build/release}
W=${2:-$(mktemp -d)}
SECGEN=$BUILD/secgen
DATA=$HERE/../shared/data
SEED=${SEED:-1}
J=${J:-2}
mkdir -p "$W"
echo "work dir: $W"

mapfile -t BEN < <(ls "$DATA/pcap_ndpi_benign/pcap" | sort)
TRAIN=() TESTB=()
for i in "${!BEN[@]}"; do
  if (( i % 3 == 2 )); then TESTB+=("$DATA/pcap_ndpi_benign/pcap/${BEN[$i]}"); else TRAIN+=("$DATA/pcap_ndpi_benign/pcap/${BEN[$i]}"); fi
done
echo "benign captures: ${#TRAIN[@]} train, ${#TESTB[@]} test"

if [ "${REUSE:-0}" = 1 ] && [ -s "$W/sampled_seq.csv" ]; then
  echo "REUSE=1: keeping the data of $W"
else
t0=$(date +%s.%N)
"$SECGEN" extract -q "${TRAIN[@]}" -o "$W/real.csv" --sequences "$W/real_seq.csv"
"$SECGEN" extract -q "${TESTB[@]}" -o "$W/test_benign.csv" --sequences "$W/test_benign_seq.csv"
# attack captures one by one, each flow labelled with its capture's stem
head -n1 "$W/real.csv" | sed 's/$/,label/' > "$W/test.csv"
head -n1 "$W/real_seq.csv" | sed 's/$/,label/' > "$W/test_seq.csv"
awk 'NR > 1 { print $0 ",0" }' "$W/test_benign.csv" >> "$W/test.csv"
awk -F, -v OFS=, 'NR > 1 { $1 = "b" $1; print $0 ",0" }' "$W/test_benign_seq.csv" >> "$W/test_seq.csv"
for p in "$DATA"/pcap_ndpi_attack/pcap/*; do
  stem=$(basename "$p"); stem=${stem%.*}
  "$SECGEN" extract -q "$p" -o "$W/a.csv" --sequences "$W/a_seq.csv"
  awk -v l="$stem" 'NR > 1 { print $0 "," l }' "$W/a.csv" >> "$W/test.csv"
  awk -F, -v OFS=, -v l="$stem" 'NR > 1 { $1 = l "-" $1; print $0 "," l }' "$W/a_seq.csv" >> "$W/test_seq.csv"
done
rm -f "$W/a.csv" "$W/a_seq.csv"
NREAL=$(($(wc -l < "$W/real.csv") - 1))
echo "REAL: $NREAL flows; TEST: $(($(wc -l < "$W/test.csv") - 1)) flows ($(awk -F, 'NR > 1 && $NF != "0"' "$W/test.csv" | wc -l) attack)"
printf 'extract: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"

# synthetic: FlowChronicle model and TADAM automata learnt on REAL
t0=$(date +%s.%N)
"$SECGEN" learn "$W/real.csv" -o "$W/model.json" -j "$J" -s "$SEED" > /dev/null 2>&1
"$SECGEN" generate -q -m "$W/model.json" -n "$NREAL" --flows-out "$W/synth_flows.csv" -s "$SEED" -j "$J"
printf 'learn + generate flows: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
t0=$(date +%s.%N)
"$SECGEN" automata learn "$W/real_seq.csv" -o "$W/automata" --by service --quiet -j "$J" -s "$SEED" --max-iters 60 > /dev/null
# the pipeline case is skipped (not the whole bench) when generation fails
if "$SECGEN" generate -q -m "$W/model.json" --automata "$W/automata" -n "$NREAL" -o "$W/synth.pcap" -s "$SEED" -j "$J"; then
  "$SECGEN" extract -q "$W/synth.pcap" -o "$W/synth_pcap.csv" --sequences "$W/synth_seq.csv"
else
  echo "pipeline: generate failed; the FC pcap cases are skipped"
  rm -f "$W/synth_pcap.csv" "$W/synth_seq.csv"
fi
printf 'automata + pcap + extract: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
# (a) TADAM-sampled sequences: each service's automaton sampled as often as REAL has flows of it
python3 - "$W" <<'EOF'
import json, sys, os
w = sys.argv[1]
idx = json.load(open(os.path.join(w, "automata", "index.json")))
ents = idx["automata"] if isinstance(idx, dict) and "automata" in idx else idx
with open(os.path.join(w, "sample_plan.txt"), "w") as f:
    for e in ents:
        f.write("%s %d %s %s\n" % (e["file"], e.get("sequences", e.get("n_train", 0)), e.get("proto") or "-", "-" if e.get("service_port") is None or e.get("service_port") < 0 else e["service_port"]))
EOF
head -n1 "$W/real_seq.csv" > "$W/sampled_seq.csv"
k=0
while read -r file n proto port; do
  [ "$n" -gt 0 ] || continue
  "$SECGEN" automata sample "$W/automata/$file" -n "$n" -o "$W/s.csv" -s "$((SEED + k))"
  awk -F, -v OFS=, -v k="$k" -v pr="$proto" -v po="$port" 'NR > 1 { $1 = "s" k "-" $1; if ($2 == "") $2 = pr; if ($3 == "" && po != "-") $3 = po; print }' "$W/s.csv" >> "$W/sampled_seq.csv"
  k=$((k + 1))
done < "$W/sample_plan.txt"
rm -f "$W/s.csv"
fi
NREAL=$(($(wc -l < "$W/real.csv") - 1))
echo "synthetic: $(($(wc -l < "$W/synth_flows.csv") - 1)) model flows, $(($(wc -l < "$W/sampled_seq.csv") - 1)) sampled sequences"

run() { # name, detect args...
  local name=$1; shift
  local t0=$(date +%s.%N)
  "$SECGEN" detect "$@" -s "$SEED" -j "$J" -q -o "$W/$name.json" --scores-out "$W/$name.scores.csv"
  printf '\n== %s (%.1f s)\n' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)"
  jq -r '.detectors | to_entries[] | "\(.key)\treal \(.value.real.auroc)\tsynthetic \(.value.synthetic.auroc)\tutility \(.value.utility)\tTPR/FPR real \(.value.real.tpr)/\(.value.real.fpr) synthetic \(.value.synthetic.tpr)/\(.value.synthetic.fpr)"' "$W/$name.json"
  python3 "$HERE/bench/detect_auroc.py" "$W/$name.scores.csv" "$W/$name.json"
}
# (c) the baselines of the FlowChronicle paper, flow-only
if [ "${REUSE:-0}" != 1 ] || [ ! -s "$W/synth_sbn.csv" ]; then
  "$SECGEN" baseline independent-bn "$W/real.csv" -n "$NREAL" -o "$W/synth_ibn.csv" -s "$SEED"
  "$SECGEN" baseline sequence-bn "$W/real.csv" -n "$NREAL" -o "$W/synth_sbn.csv" -s "$SEED"
fi
run flows_ibn --train "$W/real.csv" --synthetic "$W/synth_ibn.csv" --test "$W/test.csv"
run flows_sbn --train "$W/real.csv" --synthetic "$W/synth_sbn.csv" --test "$W/test.csv"
run flows_model --train "$W/real.csv" --synthetic "$W/synth_flows.csv" --test "$W/test.csv"
[ -s "$W/synth_pcap.csv" ] && run flows_pcap --train "$W/real.csv" --synthetic "$W/synth_pcap.csv" --test "$W/test.csv"
run seq_sampled --train "$W/real_seq.csv" --synthetic "$W/sampled_seq.csv" --test "$W/test_seq.csv"
[ -s "$W/synth_seq.csv" ] && run seq_pcap --train "$W/real_seq.csv" --synthetic "$W/synth_seq.csv" --test "$W/test_seq.csv"

# UGR'16 (real ISP NetFlow, labels background / blacklist): REAL = the busiest host's day, SYNTH =
# FlowChronicle learnt on it, TEST = the three other hosts' days with their labels.
U=$DATA/ugr16_flows
if [ "${REUSE:-0}" != 1 ] || [ ! -s "$W/ugr_synth.csv" ]; then
  cp "$U/ugr16_2016-04-11_host_42.219.152.246.csv" "$W/ugr_real.csv"
  { head -n 1 "$U/ugr16_2016-04-11_host_42.219.145.151.csv"
    for h in 42.219.145.151 42.219.152.127 42.219.152.238; do tail -n +2 "$U/ugr16_2016-04-11_host_$h.csv"; done; } > "$W/ugr_test.csv"
  t0=$(date +%s.%N)
  "$SECGEN" learn "$W/ugr_real.csv" -o "$W/ugr_model.json" -j "$J" -s "$SEED" > /dev/null 2>&1
  "$SECGEN" generate -q -m "$W/ugr_model.json" -n "$(($(wc -l < "$W/ugr_real.csv") - 1))" --flows-out "$W/ugr_synth.csv" -s "$SEED" -j "$J"
  printf '\nUGR16 learn + generate: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
fi
run ugr16 --train "$W/ugr_real.csv" --synthetic "$W/ugr_synth.csv" --test "$W/ugr_test.csv"
