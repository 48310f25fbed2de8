#!/usr/bin/env bash
# Throughput of `secgen extract` (release build) against ndpiReader (nDPI 4.2, Debian
# libndpi-bin) and tshark's TCP conversation table, on the same input, one core each.
#
# Input: every Ethernet capture of ../shared/data/pcap_ndpi_benign concatenated with
# `mergecap -a -F pcap` (one link type, so every tool reads one plain pcap), repeated REPEAT
# times (default 10: 1,066,100 packets, 390 MiB) in tmpfs (/dev/shm when it exists, else
# TMPDIR), so that reading is from memory. Each tool runs RUNS times (default 5), the tools in
# turn (a load change on a shared machine hits all of them alike); shown: the median wall time
# and the least CPU time (user + sys, all threads). secgen's reader has a read-ahead thread, so
# its CPU time includes the kernel copy done on the other core; ndpiReader and tshark are
# single-threaded here.
#   secgen:     secgen extract -q FILE -o OUT.csv            (and with -S SEQ.csv)
#   ndpiReader: ndpiReader -q -i FILE                         (DPI + flow table; results to stdout)
#   tshark:     tshark -q -z conv,tcp -r FILE                 (dissection + conversation table)
# usage: bench/extract.sh [BUILD_DIR]      env: REPEAT, RUNS, SHARED, TSHARK=0 (skip tshark: ~2/3 of
# the ~3 min the default run takes here)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
shared=${SHARED:-$here/../shared}
repeat=${REPEAT:-10}
runs=${RUNS:-5}
secgen=$build/secgen
[ -x "$secgen" ] || { echo "bench/extract.sh: build $secgen first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
for t in mergecap ndpiReader tshark; do command -v $t >/dev/null || { echo "bench/extract.sh: $t missing" >&2; exit 1; }; done
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then tmp=$(mktemp -d /dev/shm/secgen-extract.XXXXXX); else tmp=$(mktemp -d); fi
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
echo "input: ${#eth[@]} Ethernet captures x $repeat = $pkts packets, $((size / 1048576)) MiB in $tmp; $runs runs each; load average $(cut -d' ' -f1 /proc/loadavg)"

# time_run NAME CMD...: one run, "wall cpu" appended to $tmp/NAME.t (cpu = user + sys)
time_run() {
  local name=$1 w u s; shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" \
    || { echo "bench/extract.sh: failed: $*" >&2; cat "$tmp/stderr" >&2; exit 1; }
  read -r w u s <"$tmp/time"
  echo "$w $(echo "$u + $s" | bc -l)" >>"$tmp/$name.t"
}
for ((r = 0; r < runs; r++)); do
  time_run sg "$secgen" extract -q "$tmp/in.pcap" -o "$tmp/flows.csv"
  time_run sgs "$secgen" extract -q "$tmp/in.pcap" -o "$tmp/flows.csv" -S "$tmp/seq.csv"
  time_run nd ndpiReader -q -i "$tmp/in.pcap"
  [ "${TSHARK:-1}" = 0 ] || time_run ts tshark -q -z conv,tcp -r "$tmp/in.pcap"
done
# stats NAME: "median-wall least-cpu"
stats() {
  echo "$(cut -d' ' -f1 "$tmp/$1.t" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') $(cut -d' ' -f2 "$tmp/$1.t" | sort -g | head -1)"
}
read -r w_sg c_sg < <(stats sg)
read -r w_sgs c_sgs < <(stats sgs)
read -r w_nd c_nd < <(stats nd)
[ "${TSHARK:-1}" = 0 ] && echo "1 1" >"$tmp/ts.t" # TSHARK=0: not run (its rows are meaningless)
read -r w_ts c_ts < <(stats ts)
pps() { echo "$pkts / $1" | bc -l; }
printf "%-28s %8s %8s %14s %14s\n" "" "wall s" "cpu s" "packets/s" "packets/cpu-s"
row() { printf "%-28s %8.3f %8.3f %14.0f %14.0f\n" "$1" "$2" "$3" "$(pps "$2")" "$(pps "$3")"; }
row "secgen extract" "$w_sg" "$c_sg"
row "secgen extract --sequences" "$w_sgs" "$c_sgs"
row "ndpiReader -i" "$w_nd" "$c_nd"
row "tshark -q -z conv,tcp" "$w_ts" "$c_ts"
printf "packets/s ratio secgen / ndpiReader: %.1fx by wall time, %.1fx by CPU time (with sequences: %.1fx, %.1fx)\n" \
  "$(echo "$w_nd / $w_sg" | bc -l)" "$(echo "$c_nd / $c_sg" | bc -l)" "$(echo "$w_nd / $w_sgs" | bc -l)" "$(echo "$c_nd / $c_sgs" | bc -l)"
printf "packets/s ratio secgen / tshark:     %.1fx by wall time, %.1fx by CPU time (with sequences: %.1fx, %.1fx)\n" \
  "$(echo "$w_ts / $w_sg" | bc -l)" "$(echo "$c_ts / $c_sg" | bc -l)" "$(echo "$w_ts / $w_sgs" | bc -l)" "$(echo "$c_ts / $c_sgs" | bc -l)"
