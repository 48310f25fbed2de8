#!/usr/bin/env bash
# Round trip: secgen extract on a generated pcap returns exactly the flows generate wrote with
# --flows-out (same 5-tuples, start, duration, packets and IP bytes per direction, flags).
set -euo pipefail
: "${SECGEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$SECGEN" generate -d 30m -s 11 --scale 10 -q -o "$T/g.pcap" --flows-out "$T/g.csv"
"$SECGEN" extract "$T/g.pcap" -o "$T/x.csv" 2>/dev/null
# compare as sorted sets (ties in start time may be ordered differently)
n1=$(tail -n +2 "$T/g.csv" | wc -l)
n2=$(tail -n +2 "$T/x.csv" | wc -l)
tail -n +2 "$T/g.csv" | sort > "$T/g.s"
tail -n +2 "$T/x.csv" | sort > "$T/x.s"
if ! cmp -s "$T/g.s" "$T/x.s"; then
    echo "FAIL: extract returned $n2 flows, generate wrote $n1; first differences:"
    diff "$T/g.s" "$T/x.s" | head -10
    exit 1
fi
echo "ok: $n1 flows round-trip exactly"
