#!/usr/bin/env bash
# TADAM on HDFS_v1 (2 % LogLead sample): anomaly detection (AUROC, TPR/FPR/F1 at the threshold
# chosen on the training split), against the bigram baseline, plus learning time and peak memory.
# Split: each block goes to the training split with probability 0.5, keyed by (seed, block index);
# learning uses the normal blocks of the training split only. Usage: bench/tadam_hdfs.sh [SEED]
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
DATA=${DATA:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
SEED=${1:-1}
OUT=${OUT:-$(mktemp -d)}
echo "== untimed structure search (symbols only), -j 2"
/usr/bin/time -f "peak RSS %M KiB, wall %e s, user %U s" \
    "$SECGEN" automata evaluate "$DATA" -s "$SEED" -j 2 --quiet --untimed --baseline bigram \
    --model-out "$OUT/hdfs_untimed.json"
echo "== timed search (IAT Gaussians in the MDL score), -j 2"
/usr/bin/time -f "peak RSS %M KiB, wall %e s, user %U s" \
    "$SECGEN" automata evaluate "$DATA" -s "$SEED" -j 2 --quiet --model-out "$OUT/hdfs_timed.json"
echo "models in $OUT"
