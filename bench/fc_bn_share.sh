#!/usr/bin/env bash
# Top-bin share of numeric columns in records sampled from a FlowChronicle model's Bayesian networks
# against the training records, under the model's own tables (marginal prior) and under K2 (the same
# counts, the "prior" keys removed: how models learnt before issue 13's second round sample).
# Needs the release build. Usage: bench/fc_bn_share.sh TRAIN.csv [COLUMNS] (default "bytes packets")
# Example (UGR'16 training third as in bench/flow_realism.sh): 2.02 % (K2) / 2.50 % (marginal) / 2.50 %
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
LIB=$SRC/build/release/libsecgen.a
[ -f "$LIB" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I"$SRC/include" -I"$SRC/src" "$SRC/bench/fc_bn_share.c" "$LIB" \
   $(pkg-config --libs libpcap jansson yaml-0.1) -fopenmp -lm -o "$TMP/fc_bn_share"
"$SRC/build/release/secgen" learn "$1" -o "$TMP/m.json" -j 2 -q
sed '/"prior": "marginal",/d' "$TMP/m.json" > "$TMP/k2.json"
for col in ${2:-bytes packets}; do
  "$TMP/fc_bn_share" "$TMP/k2.json" "$col"
  "$TMP/fc_bn_share" "$TMP/m.json" "$col"
done
