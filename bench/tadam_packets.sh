#!/usr/bin/env bash
# Per-service packet automata from the benign captures: extract packet sequences, learn one
# automaton per service with 20 % of the flows held out, report states, edges and held-out bits
# per packet (TADAM timed, TADAM symbols only, bigram). Writes the models to $OUT (default
# models/automata in the source tree is NOT touched unless OUT points there).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
PCAPS=${PCAPS:-$HERE/../shared/data/pcap_ndpi_benign/pcap}
OUT=${OUT:-$(mktemp -d)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$SECGEN" extract "$PCAPS"/* -o "$TMP/flows.csv" --sequences "$TMP/seq.csv" --seq-max 250 -q
echo "sequences: $(($(wc -l <"$TMP/seq.csv") - 1))"
# per-service figures (states, edges, held-out bits per packet) are printed by learn on stderr
/usr/bin/time -f "learning: peak RSS %M KiB, wall %e s" \
    "$SECGEN" automata learn "$TMP/seq.csv" -o "$OUT" --min-sequences 100 --holdout 0.2 -s 1 -j 2 2>&1 |
    grep -v "skipped"
echo "models in $OUT (index: $OUT/index.json)"
