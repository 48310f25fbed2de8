#!/usr/bin/env bash
# Noise robustness on HDFS (issue 20): inject RATES of noise (deletions, swaps, duplicates, a third
# each, seeded) into the training sequences, learn (symbols only: the HDFS clock has a 1 s
# resolution) and report per seed and rate: automaton edges (and the ratio to the clean one),
# the estimated noise probabilities against the injected per-event rate (rate/3 each), AUROC of
# bits/event on the untouched test split and learning time (CPU user seconds of the whole
# evaluate run and the learner's own wall time). Prints a markdown table.
# Usage: bench/tadam_noise.sh  (env: SEEDS="1 2 3" RATES="0 0.1 0.2" MAX_TRAIN=0 (all) JOBS=2
#        EXTRA="--no-noise-model" to compare without the noise model)
# Time: MAX_TRAIN=1500 (MAX_TRAIN=0: the whole training split), 2 seeds x 3 rates: ~4.5 min CPU
# (measured with soft EM: 123 s and 120 s CPU for seeds 1, 2; wall 2-3x that on the shared 2-core
# machine); the full 5.6k-block training split is several times slower.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
DATA=${DATA:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
SEEDS=${SEEDS:-1 2 3}
RATES=${RATES:-0 0.1 0.2}
MAX_TRAIN=${MAX_TRAIN:-0}
JOBS=${JOBS:-2}
EXTRA=${EXTRA:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "| seed | noise | states | edges | edges / clean | est. del | est. dup | est. swap | injected each | AUROC | learn wall s | CPU user s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for seed in $SEEDS; do
    clean_edges=""
    for rate in $RATES; do
        mt=""
        [ "$MAX_TRAIN" -gt 0 ] && mt="--max-train $MAX_TRAIN"
        /usr/bin/time -f "%U" -o "$T/cpu" "$SECGEN" automata evaluate "$DATA" -s "$seed" -j "$JOBS" --quiet --untimed \
            --noise "$rate" $mt $EXTRA >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
        line=$(grep '^tadam:' "$T/out")
        auroc=$(grep 'tadam untimed bits/event' "$T/out" | sed -E 's/.*AUROC ([0-9.]+).*/\1/')
        read -r wall states edges del dup swap <<<"$(echo "$line" | sed -E \
            's/.*learnt in ([0-9.]+) s.*: ([0-9]+) states, ([0-9]+) edges.*dup ([0-9.]+) swap ([0-9.]+) del ([0-9.]+).*/\1 \2 \3 \6 \4 \5/')"
        [ -z "$clean_edges" ] && clean_edges=$edges
        ratio=$(awk -v a="$edges" -v b="$clean_edges" 'BEGIN { printf "%.2f", a / b }')
        inj=$(awk -v r="$rate" 'BEGIN { printf "%.4f", r / 3 }')
        echo "| $seed | $rate | $states | $edges | $ratio | $del | $dup | $swap | $inj | $auroc | $wall | $(cat "$T/cpu") |"
    done
done
