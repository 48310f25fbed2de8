#!/usr/bin/env bash
# Throughput of `secgen generate --mpi` on this machine: the same run (embedded models, -d DUR, a
# pcap and the flows CSV, one thread per process) without MPI, and under mpirun with 1, 2 ... N
# ranks. Prints wall time (median of RUNS, each configuration in turn so load drifts hit all
# alike), user+sys CPU of all processes, packets/s by wall time, and checks that every MPI output
# is byte-identical to the run without MPI.
# usage: bench/mpi.sh [BUILD_DIR]
#   env DUR (default 1h), RUNS (default 3), RANKS (default "1 2"), OUT (folder for the outputs,
#   default a fresh folder in /dev/shm: the pcap is ~330 MB per generated hour)
# Takes about RUNS x (2 + number of RANKS) x the single run's time (1h: ~1.5 s here) + mpirun's
# start-up (~1 s per job).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
secgen=$build/secgen
dur=${DUR:-1h}
runs=${RUNS:-3}
ranks=${RANKS:-1 2}
[ -x "$secgen" ] || { echo "bench/mpi.sh: build $secgen first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
ldd "$secgen" | grep libmpi >/dev/null || { echo "bench/mpi.sh: $secgen was built without MPI (install libopenmpi-dev)" >&2; exit 1; }
out=${OUT:-$(mktemp -d /dev/shm/secgen-mpi.XXXXXX)}
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
args=(generate -q -d "$dur" -s 1 -j 1)

# run NAME CMD...: one timed run ("wall cpu" appended to $out/NAME.times)
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$out/time" "$@"
  read -r w u s <"$out/time"
  echo "$w $(echo "$u + $s" | bc -l)" >>"$out/$name.times"
}
for ((r = 0; r < runs; r++)); do
  rm -f "$out"/*.pcap "$out"/*.csv
  run plain "$secgen" "${args[@]}" -o "$out/plain.pcap" --flows-out "$out/plain.csv"
  for n in $ranks; do
    run "mpi$n" mpirun -n "$n" "$secgen" "${args[@]}" --mpi -o "$out/mpi$n.pcap" --flows-out "$out/mpi$n.csv"
    cmp -s "$out/plain.pcap" "$out/mpi$n.pcap" && cmp -s "$out/plain.csv" "$out/mpi$n.csv" \
      || { echo "bench/mpi.sh: mpirun -n $n wrote different bytes" >&2; exit 1; }
  done
done
pkts=$(capinfos -c -M "$out/plain.pcap" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
size=$(stat -c %s "$out/plain.pcap")
echo "generate -d $dur -j 1 -o pcap --flows-out csv: $pkts packets, $((size / 1000000)) MB, outputs identical for every rank count"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); median of $runs runs"
printf "%-26s %8s %8s %14s\n" "" "wall s" "cpu s" "packets/s"
show() {
  read -r w c < <(sort -n "$out/$1.times" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
  printf "%-26s %8.2f %8.2f %14.0f\n" "$2" "$w" "$c" "$(echo "$pkts / $w" | bc -l)"
}
show plain "without MPI"
for n in $ranks; do show "mpi$n" "mpirun -n $n --mpi"; done
