#!/usr/bin/env bash
# Noise robustness on HDFS: inject 0/5/10/20 % missing, swapped and duplicated symbols into the
# training sequences (seeded), learn with and without the noise model, report automaton size and
# AUROC (test split untouched). Usage: bench/tadam_noise.sh [SEED]
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
DATA=${DATA:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
SEED=${1:-1}
for rate in 0 0.05 0.1 0.2; do
    for mode in noise-model no-noise-model; do
        extra=""
        [ "$mode" = no-noise-model ] && extra="--no-noise-model"
        echo "== noise $rate, $mode"
        /usr/bin/time -f "wall %e s, peak RSS %M KiB" \
            "$SECGEN" automata evaluate "$DATA" -s "$SEED" -j 2 --quiet --untimed --noise "$rate" $extra 2>&1 |
            grep -E "^tadam|untimed bits/event|^wall"
    done
done
