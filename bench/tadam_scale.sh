#!/usr/bin/env bash
# TADAM learning time against the number of sequences (issue 21 item 2): sequences sampled from the
# shipped https automaton, learnt with one automaton (--by none) on the whole set
# (--max-sequences above N) and with the default seeded subsample (2,000 per group). Prints wall,
# CPU and peak RSS per size. Usage: bench/tadam_scale.sh [SECGEN] [SIZES...]
# (default sizes 1000 4000 16000; 64000 takes ~10 min of CPU)
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-build/release/secgen}
shift || true
SIZES=${*:-1000 4000 16000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
"$SECGEN" automata sample models/automata/https.json -n "$max" -s 1 -o "$T/all.csv"
echo "| sequences | mode | wall s | CPU s | peak RSS MB |"
echo "|---:|---|---:|---:|---:|"
for n in $SIZES; do
    head -n $((n + 1)) "$T/all.csv" >"$T/s.csv"
    for mode in all default; do
        extra=()
        [ $mode = all ] && extra=(--max-sequences 100000000)
        /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$SECGEN" automata learn "$T/s.csv" -o "$T/m" --by none -q -j 2 "${extra[@]}"
        read -r wall user sys rss <"$T/time"
        awk -v n="$n" -v m="$mode" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
            'BEGIN { printf "| %d | %s | %.1f | %.1f | %.0f |\n", n, m, w, u + s, r / 1024 }'
        rm -rf "$T/m"
    done
done
