#!/usr/bin/env bash
# What `secgen evaluate`'s realism findings (docs/metrics.md §8) say on the project's data:
#   1. held-out real data (interleaved halves of the CIDDS-001 sample, thirds of UGR'16): must pass;
#   2. the current generator: `secgen learn` on one part, `secgen generate -n` as many flows as the
#      held-out part holds (flow-only), scored against the held-out part;
#   3. a planted heavy tail (the old un-binning: flows over 20 packets get a count uniform up to
#      174,218) against the held-out half;
#   4. `secgen generate -d 2m` / `-d 10m` (embedded model) against the same flows with their starts
#      spread uniformly over the window (a burst-free reference of the same rate and span).
# Prints, per comparison, the verdict counts and every finding that is not ok.
# Usage: bench/realism.sh [path/to/secgen]   (env: WORK=dir keeps the files; SEED=1)
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-${SECGEN:-build/release/secgen}}
SHARED=${SHARED:-../shared}
SEED=${SEED:-1}
[ -x "$SECGEN" ] || { cmake --preset release >/dev/null && cmake --build --preset release -j2 >/dev/null; }
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "work dir: $WORK" >&2
W=$WORK

show() { # title real synth [extra evaluate options]
  local t=$1 r=$2 s=$3
  shift 3
  echo "== $t"
  "$SECGEN" evaluate "$r" "$s" -r 1 -m realism "$@" > "$W/out.txt"
  grep '^realism:' "$W/out.txt"
  grep -E ': (WARN|FAIL)$' "$W/out.txt" || true
}

C="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
head -n 1 "$C" | tee "$W/cA.csv" > "$W/cB.csv"
tail -n +2 "$C" | awk -v a="$W/cA.csv" -v b="$W/cB.csv" '{ print >> ((NR % 2) ? a : b) }'
U="$W/ugr.csv"
head -n 1 "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv > "$U"
for f in "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_*.csv; do tail -n +2 "$f"; done | sort -s -t, -k1,1 >> "$U"
for k in 0 1 2; do head -n 1 "$U" > "$W/u$k.csv"; tail -n +2 "$U" | awk -v k=$k 'NR % 3 == k' >> "$W/u$k.csv"; done

show "CIDDS held-out half B vs half A (real vs real)" "$W/cB.csv" "$W/cA.csv"
show "UGR'16 third 1 vs third 0 (real vs real)" "$W/u1.csv" "$W/u0.csv"
show "UGR'16 third 2 vs third 1 (real vs real)" "$W/u2.csv" "$W/u1.csv"

"$SECGEN" learn "$W/cA.csv" -o "$W/cA_model.json" -j 2 --quiet
"$SECGEN" generate -m "$W/cA_model.json" -n "$(($(wc -l < "$W/cB.csv") - 1))" --flows-out "$W/cA_synth.csv" -s "$SEED" -j 2 --quiet
show "CIDDS: generator learnt on half A vs held-out half B" "$W/cB.csv" "$W/cA_synth.csv"
"$SECGEN" learn "$W/u0.csv" -o "$W/u0_model.json" -j 2 --quiet
"$SECGEN" generate -m "$W/u0_model.json" -n "$(($(wc -l < "$W/u1.csv") - 1))" --flows-out "$W/u0_synth.csv" -s "$SEED" -j 2 --quiet
show "UGR'16: generator learnt on third 0 vs held-out third 1" "$W/u1.csv" "$W/u0_synth.csv"

awk -F, -v OFS=, 'BEGIN { srand(13) } NR > 1 && $8 > 20 { p = 21 + int(rand() * 174198); $9 = int($9 / $8 * p); $8 = p } { print }' \
  "$W/cA.csv" > "$W/cA_heavy.csv"
show "CIDDS: half A with the old top-bin un-binning planted vs half B" "$W/cB.csv" "$W/cA_heavy.csv"
"$SECGEN" evaluate "$W/cB.csv" "$W/cA_heavy.csv" -r 5 -m emd,cmd | grep -E '^(EMD|CMD) ' | sed 's/^/   (paper metrics of the same: /; s/$/)/'

for d in 2m 10m; do
  secs=$([ $d = 2m ] && echo 120 || echo 600)
  "$SECGEN" generate -d $d --flows-out "$W/emb_$d.csv" -s "$SEED" --quiet
  # the same flows, starts uniform over the window from 09:00:00 (CIDDS layout, local wall clock)
  awk -F, -v OFS=, -v secs=$secs 'BEGIN { srand(5) } NR == 1 { print; next }
    { t = rand() * secs; split($1, a, " "); $1 = sprintf("%s 09:%02d:%06.3f", a[1], int(t / 60), t - 60 * int(t / 60)); print }' \
    "$W/emb_$d.csv" | { IFS= read -r h; echo "$h"; sort -t, -k1,1; } > "$W/emb_${d}_spread.csv"
  show "generate -d $d (embedded model, $(($(wc -l < "$W/emb_$d.csv") - 1)) flows) vs the same flows spread over the window" \
    "$W/emb_${d}_spread.csv" "$W/emb_$d.csv" -m bursts
done
