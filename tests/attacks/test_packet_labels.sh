#!/usr/bin/env bash
# generate --packet-labels: one row per frame of the pcap, in pcap order (frame numbers as tshark's
# frame.number), labelled "benign" or the attack's name. Checked against the pcap (row count) and
# against the flows CSV (frames per label = the packets of the flows with that label), every
# attack frame is between the attack's endpoints, -j 1 and -j 2 give the same file, and the
# option without -o is a usage error that writes nothing.
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
RUN=(generate -q -d 8m --start 2026-12-07T10:00:00Z -s 3 -c "$HERE/office_attacks.yaml")
"$SECGEN" "${RUN[@]}" -j 1 -o "$T/a.pcap" --flows-out "$T/a.csv" --packet-labels "$T/a.lab"
"$SECGEN" "${RUN[@]}" -j 2 -o "$T/b.pcap" --packet-labels "$T/b.lab"
cmp -s "$T/a.lab" "$T/b.lab" || { echo "FAIL: -j 1 and -j 2 label files differ"; exit 1; }
[ "$(head -1 "$T/a.lab")" = "frame,label" ] || { echo "FAIL: header $(head -1 "$T/a.lab")"; exit 1; }
frames=$(tshark -r "$T/a.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
rows=$(($(wc -l < "$T/a.lab") - 1))
[ "$rows" -eq "$frames" ] || { echo "FAIL: $rows label rows for $frames frames"; exit 1; }
awk -F, 'NR > 1 && $1 != NR - 1 { print "FAIL: row " NR " numbers frame " $1; exit 1 }' "$T/a.lab"
# frames per label against the packets of the flows CSV (label is column 13)
awk -F, 'NR > 1 { n[$2]++ } END { for (k in n) print k, n[k] }' "$T/a.lab" | sort > "$T/by_lab"
awk -F, 'NR > 1 { n[$13] += $8 + $10 } END { for (k in n) print k, n[k] }' "$T/a.csv" | sort > "$T/by_flow"
diff "$T/by_flow" "$T/by_lab" > /dev/null || { echo "FAIL: frames per label differ from the flows CSV:"; paste "$T/by_flow" "$T/by_lab"; exit 1; }
for l in scan1 brute1 flood1 http1 dns1; do
    grep -q "^$l " "$T/by_lab" || { echo "FAIL: no frame labelled $l"; exit 1; }
done
# every brute1 frame is between ws06 and the intranet server (the flows CSV's endpoints of brute1)
read -r a v < <(awk -F, 'NR > 1 && $13 == "brute1" { print $4, $6; exit }' "$T/a.csv")
tshark -r "$T/a.pcap" -T fields -e ip.src -e ip.dst 2>/dev/null | paste -d' ' - <(tail -n +2 "$T/a.lab" | cut -d, -f2) |
    awk -v a="$a" -v v="$v" '$3 == "brute1" && !(($1 == a && $2 == v) || ($1 == v && $2 == a)) { bad++ } END { if (bad) { print "FAIL: " bad " brute1 frames between other hosts"; exit 1 } }'
# usage: the label file needs a pcap; nothing is written
if "$SECGEN" generate -q -d 1m --flows-out "$T/c.csv" --packet-labels "$T/c.lab" 2>"$T/err"; then
    echo "FAIL: --packet-labels without -o accepted"; exit 1
fi
[ ! -e "$T/c.lab" ] || { echo "FAIL: a label file was left behind"; exit 1; }
grep -q "packet-labels" "$T/err" || { echo "FAIL: the error does not name the option: $(cat "$T/err")"; exit 1; }
echo "ok: $rows frames labelled ($(tr '\n' ' ' < "$T/by_lab"))"
