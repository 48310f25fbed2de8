#!/usr/bin/env bash
# Speed of `secgen evaluate`: k-NN metrics (Density/Coverage) on 8,192 x 8,192 flows.
# Real = the 8,192-flow CIDDS-001 sample, synthetic = 8,192 IndependentBN flows learnt from it.
# Prints the wall time of one repetition (all paper metrics) for -j 1 and -j 2 and checks that the
# scores do not depend on -j. Usage: bench/evaluate.sh [path/to/secgen]
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-${SECGEN:-build/release/secgen}}
SHARED=${SHARED:-../shared}
[ -x "$SECGEN" ] || { cmake --preset release >/dev/null && cmake --build --preset release -j2 >/dev/null; }
REAL="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$SECGEN" baseline independent-bn "$REAL" -n 8192 -s 1 -o "$T/synth.csv"
echo "real: $(($(wc -l < "$REAL") - 1)) flows, synthetic: $(($(wc -l < "$T/synth.csv") - 1)) flows"
for j in 1 2; do
  s=$(date +%s.%N)
  "$SECGEN" evaluate "$REAL" "$T/synth.csv" -r 1 -j $j -f json -o "$T/j$j.json" --timings 2> "$T/t$j.txt"
  e=$(date +%s.%N)
  printf 'evaluate -j %d: %.2f s wall (whole command: read both CSVs + all metrics); %s\n' $j \
    "$(echo "$e - $s" | bc -l)" "$(tr '\n' ' ' < "$T/t$j.txt")"
done
cmp -s "$T/j1.json" "$T/j2.json" && echo "scores identical for -j 1 and -j 2" || { echo "MISMATCH between -j 1 and -j 2"; exit 1; }
jq -r '.metrics | to_entries[] | "\(.key) \(.value.value)"' "$T/j1.json" | head -4
