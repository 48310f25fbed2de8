#!/usr/bin/env bash
# Round trip: secgen extract on a generated pcap returns exactly the flows generate wrote with
# --flows-out (same 5-tuples, start, duration, packets and IP bytes per direction, flags).
set -euo pipefail
: "${SECGEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$SECGEN" generate -d 30m -s 11 --scale 10 -q -o "$T/g.pcap" --flows-out "$T/g.csv"
"$SECGEN" extract "$T/g.pcap" -o "$T/x.csv" 2>/dev/null
# compare as sorted sets (ties in start time may be ordered differently); generate's CSV has one
# more column, community_id (checked against tshark in tests/logs/test_conn_log.sh)
n1=$(tail -n +2 "$T/g.csv" | wc -l)
n2=$(tail -n +2 "$T/x.csv" | wc -l)
tail -n +2 "$T/g.csv" | cut -d, -f1-12 | sort > "$T/g.s"
tail -n +2 "$T/x.csv" | sort > "$T/x.s"
if ! cmp -s "$T/g.s" "$T/x.s"; then
    echo "FAIL: extract returned $n2 flows, generate wrote $n1; first differences:"
    diff "$T/g.s" "$T/x.s" | head -10
    exit 1
fi
echo "ok: $n1 flows round-trip exactly"

# -n N on the embedded model (it superposes flow_scale realisations): exactly N flows, and the
# same round trip for a count-bounded run (-n without -d used to fail: "needs a flow count")
"$SECGEN" generate -n 300 -s 3 -q --flows-out "$T/n.csv"
[ "$(tail -n +2 "$T/n.csv" | wc -l)" -eq 300 ] || { echo "FAIL: -n 300 gave $(tail -n +2 "$T/n.csv" | wc -l) flows"; exit 1; }
"$SECGEN" generate -n 300 -s 3 -q -o "$T/n.pcap" --flows-out "$T/np.csv"
"$SECGEN" extract "$T/n.pcap" -o "$T/nx.csv" 2>/dev/null
cmp -s <(tail -n +2 "$T/np.csv" | cut -d, -f1-12 | sort) <(tail -n +2 "$T/nx.csv" | sort) || { echo "FAIL: -n round trip differs"; exit 1; }
echo "ok: -n 300 on the embedded model"
