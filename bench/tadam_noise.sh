#!/usr/bin/env bash
# Noise robustness on HDFS (issue 20): inject RATES of noise (deletions, swaps, duplicates, a third
# each, seeded) into the training sequences, learn (symbols only: the HDFS clock has a 1 s
# resolution) and report per seed and rate: automaton edges (and the ratio to the clean one),
# the estimated noise probabilities against the injected per-event rate (rate/3 each), AUROC of
# bits/event on the untouched test split and learning time (CPU user seconds of the whole
# evaluate run and the learner's own wall time). Prints a markdown table.
# The last column is the CPU time over the clean run's of the same seed (issue 20 item 2: <= 2x).
# TADAM learns as `automata learn` does, on its search sample (at most 2,000 distinct words: the
# clean split is searched whole, a noisy one on the blocks up to 2,000 distinct words); the column
# "searched" gives the sequences and distinct words. EXTRA="--max-words 0" searches every block.
# Usage: bench/tadam_noise.sh  (env: SEEDS="1 2 3" RATES="0 0.1 0.2" MAX_TRAIN=0 (all) JOBS=2
#        EXTRA="--no-noise-model" to compare without the noise model;
#        BASELINES=1: a second evaluate run per row with --baseline all adds the AUROC of the
#        bigram, the HMM and ALERGIA learnt from the same noisy blocks (the HMM's size search costs
#        ~1 min CPU per run at MAX_TRAIN=1500, several at the whole split))
# Time: the whole 5.6k-block training split (MAX_TRAIN=0), 3 seeds x 3 rates: ~55 s CPU, 34 s wall
# (2026-12-07, main 4754ce4: the search sample by distinct words and 2 EM iterations; ~1 min CPU
# per seed before).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
DATA=${DATA:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
SEEDS=${SEEDS:-1 2 3}
RATES=${RATES:-0 0.1 0.2}
MAX_TRAIN=${MAX_TRAIN:-0}
JOBS=${JOBS:-2}
EXTRA=${EXTRA:-}
BASELINES=${BASELINES:-0}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
bh="" bs=""
[ "$BASELINES" = 1 ] && bh=" bigram | HMM | ALERGIA |" bs="---|---|---|"
echo "| seed | noise | searched (words) | states | edges | edges / clean | est. del | est. dup | est. swap | injected each | AUROC | learn wall s | CPU user s | CPU / clean |$bh"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|$bs"
for seed in $SEEDS; do
    clean_edges="" clean_cpu=""
    for rate in $RATES; do
        mt=""
        [ "$MAX_TRAIN" -gt 0 ] && mt="--max-train $MAX_TRAIN"
        /usr/bin/time -f "%U" -o "$T/cpu" "$SECGEN" automata evaluate "$DATA" -s "$seed" -j "$JOBS" --quiet --untimed \
            --noise "$rate" $mt $EXTRA >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
        line=$(grep '^tadam:' "$T/out")
        auroc=$(grep 'tadam untimed bits/event' "$T/out" | sed -E 's/.*AUROC ([0-9.]+).*/\1/')
        read -r wall states edges del dup swap <<<"$(echo "$line" | sed -E \
            's/.*learnt in ([0-9.]+) s.*: ([0-9]+) states, ([0-9]+) edges.*dup ([0-9.]+) swap ([0-9.]+) del ([0-9.]+).*/\1 \2 \3 \6 \4 \5/')"
        cpu=$(cat "$T/cpu")
        searched=$(sed -nE 's/^tadam search sample: ([0-9]+) of the [0-9]+ sequences(, ([0-9]+) distinct words)?.*/\1 (\3)/p' "$T/out")
        [ -z "$clean_edges" ] && clean_edges=$edges clean_cpu=$cpu
        ratio=$(awk -v a="$edges" -v b="$clean_edges" 'BEGIN { printf "%.2f", a / b }')
        cratio=$(awk -v a="$cpu" -v b="$clean_cpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        inj=$(awk -v r="$rate" 'BEGIN { printf "%.4f", r / 3 }')
        base=""
        if [ "$BASELINES" = 1 ]; then
            "$SECGEN" automata evaluate "$DATA" -s "$seed" -j "$JOBS" --quiet --untimed --noise "$rate" $mt $EXTRA \
                --baseline all >"$T/bout" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
            for b in bigram hmm alergia; do
                base="$base $(grep "^$b bits/event" "$T/bout" | sed -E 's/.*AUROC ([0-9.]+).*/\1/') |"
            done
        fi
        echo "| $seed | $rate | $searched | $states | $edges | $ratio | $del | $dup | $swap | $inj | $auroc | $wall | $cpu | $cratio |$base"
    done
done
