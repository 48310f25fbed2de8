#!/usr/bin/env bash
# Flow CSV throughput: write/read/sort N native flows (default 1,000,000) and read the HDFS
# sequences. Needs the release build (make build). Usage: bench/flow_csv.sh [N]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
LIB=$SRC/build/release/libsecgen.a
[ -f "$LIB" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I"$SRC/include" "$SRC/bench/flow_csv_bench.c" "$LIB" \
   $(pkg-config --libs libpcap jansson yaml-0.1) -fopenmp -lm -o "$TMP/flow_csv_bench"
"$TMP/flow_csv_bench" "$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k.csv" \
   "$SHARED/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv" "$TMP/flows.csv" "${1:-1000000}"
echo "file size: $(stat -c %s "$TMP/flows.csv") bytes"
