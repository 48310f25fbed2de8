#!/usr/bin/env bash
# Throughput of `secgen extract` (release build) against ndpiReader (nDPI 4.2, Debian
# libndpi-bin) and tshark's TCP conversation table, on the same input, one core each.
#
# Input: every Ethernet capture of ../shared/data/pcap_ndpi_benign concatenated with
# `mergecap -a -F pcap` (one link type, so every tool reads one plain pcap), repeated REPEAT
# times (default 5) to get a file large enough to time. Each tool runs RUNS times (default 3);
# the run with the least CPU time (user + sys: all tools are single-threaded here) is kept, as
# the least disturbed on a shared machine; its wall time is shown too (ours includes fsync).
#   secgen:     secgen extract -q FILE -o OUT.csv            (and with -S SEQ.csv)
#   ndpiReader: ndpiReader -q -i FILE                         (DPI + flow table; results to stdout)
#   tshark:     tshark -q -z conv,tcp -r FILE                 (dissection + conversation table)
# usage: bench/extract.sh [BUILD_DIR]      env: REPEAT, RUNS, SHARED
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
shared=${SHARED:-$here/../shared}
repeat=${REPEAT:-5}
runs=${RUNS:-3}
secgen=$build/secgen
[ -x "$secgen" ] || { echo "bench/extract.sh: build $secgen first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
for t in mergecap ndpiReader tshark; do command -v $t >/dev/null || { echo "bench/extract.sh: $t missing" >&2; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=$shared/data/pcap_ndpi_benign
eth=()
while IFS=, read -r file fmt link rest; do
  [ "$link" = ether ] && eth+=("$data/pcap/$file")
done < <(tail -n +2 "$data/index.csv")
mergecap -a -F pcap -w "$tmp/once.pcap" "${eth[@]}"
parts=()
for ((i = 0; i < repeat; i++)); do parts+=("$tmp/once.pcap"); done
mergecap -a -F pcap -w "$tmp/in.pcap" "${parts[@]}"
rm -f "$tmp/once.pcap"
pkts=$(capinfos -c -M "$tmp/in.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
size=$(stat -c %s "$tmp/in.pcap")
echo "input: ${#eth[@]} Ethernet captures x $repeat = $pkts packets, $((size / 1048576)) MiB (best of $runs runs)"

# best_of CMD...: prints "wall cpu" (seconds; cpu = user + sys) of the run with the least CPU time
best_of() {
  local bw="" bc="" line w u s c
  for ((r = 0; r < runs; r++)); do
    /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" \
      || { echo "bench/extract.sh: failed: $*" >&2; cat "$tmp/stderr" >&2; exit 1; }
    read -r w u s <"$tmp/time"
    c=$(echo "$u + $s" | bc -l)
    if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; bw=$w; fi
  done
  echo "$bw $bc"
}
read -r w_sg c_sg < <(best_of "$secgen" extract -q "$tmp/in.pcap" -o "$tmp/flows.csv")
read -r w_sgs c_sgs < <(best_of "$secgen" extract -q "$tmp/in.pcap" -o "$tmp/flows.csv" -S "$tmp/seq.csv")
read -r w_nd c_nd < <(best_of ndpiReader -q -i "$tmp/in.pcap")
read -r w_ts c_ts < <(best_of tshark -q -z conv,tcp -r "$tmp/in.pcap")
pps() { echo "$pkts / $1" | bc -l; }
printf "%-28s %8s %8s %14s\n" "" "wall s" "cpu s" "packets/cpu-s"
row() { printf "%-28s %8.3f %8.3f %14.0f\n" "$1" "$2" "$3" "$(pps "$3")"; }
row "secgen extract" "$w_sg" "$c_sg"
row "secgen extract --sequences" "$w_sgs" "$c_sgs"
row "ndpiReader -i" "$w_nd" "$c_nd"
row "tshark -q -z conv,tcp" "$w_ts" "$c_ts"
printf "packets/s ratio secgen / ndpiReader: %.1fx by CPU time, %.1fx by wall time (with sequences: %.1fx, %.1fx)\n" \
  "$(echo "$c_nd / $c_sg" | bc -l)" "$(echo "$w_nd / $w_sg" | bc -l)" "$(echo "$c_nd / $c_sgs" | bc -l)" "$(echo "$w_nd / $w_sgs" | bc -l)"
printf "packets/s ratio secgen / tshark:     %.1fx by CPU time, %.1fx by wall time (with sequences: %.1fx, %.1fx)\n" \
  "$(echo "$c_ts / $c_sg" | bc -l)" "$(echo "$w_ts / $w_sg" | bc -l)" "$(echo "$c_ts / $c_sgs" | bc -l)" "$(echo "$w_ts / $w_sgs" | bc -l)"
