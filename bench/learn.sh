#!/usr/bin/env bash
# FlowChronicle learning benchmark (docs/flowchronicle.md "Results").
#  1. CIDDS-001 8k sample: wall time, CPU time, peak memory (/usr/bin/time -v), description
#     length (model + data), patterns, compression ratio vs the empty model.
#  2. Hold-out: learn on the first half (by time), generate as many flows as the second half
#     starting where it starts, compare per-column JSD and flows per hour.
#  3. The same on the largest UGR'16 host file.
# usage: bench/learn.sh [build dir (default build/release)] [-j N (default 2)]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
J=${2:-2}
SECGEN=$BUILD/secgen
SHARED=${SHARED:-$ROOT/../shared}
[ -x "$SECGEN" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

learn_one() { # name csv
  local name=$1 csv=$2
  /usr/bin/time -v "$SECGEN" learn "$csv" -o "$W/$name.json" -j "$J" 2>"$W/$name.log" >/dev/null
  local wall cpu_u cpu_s rss
  wall=$(grep 'Elapsed (wall' "$W/$name.log" | awk '{print $NF}')
  cpu_u=$(grep 'User time' "$W/$name.log" | awk '{print $NF}')
  cpu_s=$(grep 'System time' "$W/$name.log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident' "$W/$name.log" | awk '{print $NF}')
  python3 - "$W/$name.json" "$name" "$wall" "$cpu_u" "$cpu_s" "$rss" "$J" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); name, wall, cu, cs, rss, j = sys.argv[2:]
dl, lr = m["description_length_bits"], m["learning"]
print(f"[{name}] flows={m['source']['flows']} layout={m['source']['layout']} -j {j}: wall {wall} (search {lr['seconds']:.2f} s), "
      f"CPU {float(cu)+float(cs):.1f} s, peak RSS {int(rss)/1024:.1f} MiB")
print(f"[{name}] patterns={lr['patterns']} covered={lr['covered_flows']} tested={lr['candidates_tested']} "
      f"generated={lr['candidates_generated']}")
print(f"[{name}] description length: total {dl['total']:.1f} bits = model {dl['model']:.1f} + data {dl['data']:.1f}; "
      f"empty model {dl['without_patterns']:.1f}; compression ratio {dl['compression_ratio']:.4f}")
PY
}

holdout() { # name sorted_csv format
  local name=$1 csv=$2
  local n half
  n=$(($(wc -l <"$csv") - 1)); half=$((n / 2))
  head -n $((half + 1)) "$csv" >"$W/${name}_train.csv"
  (head -n 1 "$csv"; tail -n +$((half + 2)) "$csv") >"$W/${name}_test.csv"
  "$SECGEN" learn "$W/${name}_train.csv" -o "$W/${name}_half.json" -j "$J" -q
  local start ntest
  ntest=$((n - half))
  start=$(python3 - "$W/${name}_test.csv" <<'PY'
import csv, sys, datetime
r = csv.reader(open(sys.argv[1])); h = next(r); row = next(r)
i = 0 if h[0] in ("Date first seen", "te", "start") else h.index("ts")
t = row[i].replace(" ", "T")
print(t if t.endswith("Z") else t + "Z")
PY
)
  "$SECGEN" generate -m "$W/${name}_half.json" -n "$ntest" --start "$start" -s 1 -j "$J" --flows-format native --flows-out "$W/${name}_syn.csv" -q
  "$SECGEN" generate -m "$W/${name}_half.json" -n "$ntest" --start "$start" -s 1 -j 1 --flows-format native --flows-out "$W/${name}_syn1.csv" -q
  cmp -s "$W/${name}_syn.csv" "$W/${name}_syn1.csv" && echo "[$name] generation -j $J == -j 1: identical" || echo "[$name] generation differs across -j: BUG"
  python3 "$ROOT/bench/fc_compare.py" "$name" "$W/${name}_test.csv" "$W/${name}_syn.csv" "$W/${name}_train.csv"
}

CIDDS=$SHARED/data/cidds001_flowchronicle_sample
learn_one cidds8k "$CIDDS/cidds_wk3_8k_sorted.csv"
holdout cidds "$CIDDS/cidds_wk3_8k_sorted.csv"
UGR=$(ls -S "$SHARED"/data/ugr16_flows/ugr16_*host*.csv | head -1)
echo "[ugr16] file: $(basename "$UGR")"
learn_one ugr16 "$UGR"
holdout ugr16 "$UGR"
