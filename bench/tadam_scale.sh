#!/usr/bin/env bash
# TADAM learning against the number of sequences (issue 21 item 2): sequences sampled from the
# shipped https automaton, learnt with one automaton (--by none) on the whole set
# (--max-sequences 0 --max-words 0: no search sample) and with the default search sample (at most
# 20,000 sequences and 2,000 distinct words per group; 2,000 sequences before issue 20). Prints wall,
# CPU and peak RSS per size, and the description length of ALL N sequences under each automaton
# (its model bits + the symbol code lengths `automata score` gives every sequence; the search's
# objective, symbols only), so the subsample's loss against the whole-set search shows.
# Usage: bench/tadam_scale.sh [SECGEN] [SIZES...]; env WHOLE_MAX (default 16000): whole-set
# learning only up to that size (64,000 takes ~10 min of CPU, n^1.6).
# Default sizes 1000 4000 16000 64000 256000 1000000 (the 1M file is 314 MB; ~1 GB RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-build/release/secgen}
shift || true
SIZES=${*:-1000 4000 16000 64000 256000 1000000}
WHOLE_MAX=${WHOLE_MAX:-16000}
T=$(mktemp -d /dev/shm/secgen-tscale.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$T"' EXIT
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
"$SECGEN" automata sample models/automata/https.json -n "$max" -s 1 -o "$T/all.csv"
# description length of the sequences of $2 under automaton $1: model bits + summed symbol bits
dl() {
    "$SECGEN" automata score "$1" "$2" -o "$T/scores.csv"
    local mb
    mb=$(sed -n 's/.*"model_bits": *\([0-9.e+-]*\).*/\1/p' "$1" | head -1)
    awk -F, -v mb="$mb" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "symbol_bits") c = i; next }
                         { s += $c } END { printf "%.0f", s + mb }' "$T/scores.csv"
}
echo "| sequences | mode | wall s | CPU s | peak RSS MB | description length of all N (bits) | vs whole set |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for n in $SIZES; do
    head -n $((n + 1)) "$T/all.csv" >"$T/s.csv"
    whole=""
    for mode in all default; do
        extra=()
        if [ $mode = all ]; then
            [ "$n" -gt "$WHOLE_MAX" ] && continue
            extra=(--max-sequences 0 --max-words 0)
        fi
        /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$SECGEN" automata learn "$T/s.csv" -o "$T/m" --by none -q -j 2 "${extra[@]}"
        read -r wall user sys rss <"$T/time"
        bits=$(dl "$T/m/all.json" "$T/s.csv")
        [ $mode = all ] && whole=$bits
        awk -v n="$n" -v m="$mode" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v b="$bits" -v wb="$whole" \
            'BEGIN { printf "| %d | %s | %.1f | %.1f | %.0f | %d | %s |\n", n, m, w, u + s, r / 1024, b,
                     wb == "" ? "–" : sprintf("%+.2f %%", 100 * (b - wb) / wb) }'
        rm -rf "$T/m"
    done
done
