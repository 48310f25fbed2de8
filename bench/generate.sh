#!/usr/bin/env bash
# secgen generate: throughput (packets/s, bytes/s) writing to /dev/shm with -j 1 and -j 2, ratio to
# copying the same bytes (cat: GNU cat uses copy_file_range, a copy inside the kernel) in the same
# run, peak memory for -d 10m vs -d 2h (must be flat), validity (tshark) and nDPI service match.
# Every timing is the best of REPS runs (default 3), output files removed before each run: on a
# VM, tmpfs page allocation makes single runs of either program vary by up to 5x.
# Also reports generation without the huge-page heap tuning (SECGEN_NO_THP=1).
# Release build expected. Usage: bench/generate.sh [SECGEN] ; env DUR (default 1h: ~1.3 GB of
# pcap; /dev/shm must hold two copies), SEED (default 1), REPS (default 3).
set -euo pipefail
SECGEN=${1:-${SECGEN:-build/release/secgen}}
DUR=${DUR:-1h}
SEED=${SEED:-1}
REPS=${REPS:-3}
D=/dev/shm/secgen-bench.$$
mkdir -p "$D"
trap 'rm -rf "$D"' EXIT
TIME=/usr/bin/time

run_gen() { # threads duration out [env...] -> prints "wall_s maxrss_kb" (best wall of REPS, its RSS)
    local j=$1 d=$2 o=$3; shift 3
    local best="" line
    for _ in $(seq "$REPS"); do
        rm -f "$o"
        env "$@" $TIME -f "%e %M" -o "$D/time" "$SECGEN" generate -d "$d" -s "$SEED" -j "$j" -q -o "$o" >/dev/null
        line=$(cat "$D/time")
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN {exit !(a < b)}'; then best=$line; fi
    done
    echo "$best"
}
best_cat() { # file -> best wall seconds of REPS copies to a fresh file
    local best="" s e w
    for _ in $(seq "$REPS"); do
        rm -f "$D/copy"; sync
        s=$(date +%s.%N); cat "$1" > "$D/copy"; e=$(date +%s.%N)
        w=$(echo "$e - $s" | bc -l)
        if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$w; fi
    done
    rm -f "$D/copy"
    echo "$best"
}
pcap_stats() { # file -> "packets frame_bytes" (record headers excluded)
    capinfos -c -d -M -T "$1" 2>/dev/null | awk -F'\t' 'NR==2 {print $2, $3}'
}

echo "== throughput (-d $DUR, seed $SEED, output on /dev/shm, best of $REPS)"
for cfg in "1" "2" "1 SECGEN_NO_THP=1"; do
    set -- $cfg
    j=$1; shift
    read -r wall rss < <(run_gen "$j" "$DUR" "$D/out.pcap" "$@")
    read -r pk by < <(pcap_stats "$D/out.pcap")
    fsz=$(stat -c %s "$D/out.pcap")
    cw=$(best_cat "$D/out.pcap")
    awk -v j="$j" -v tag="${1:-}" -v w="$wall" -v pk="$pk" -v by="$by" -v fsz="$fsz" -v cw="$cw" -v rss="$rss" 'BEGIN {
        if (w <= 0) w = 0.001;
        printf "-j %d %s: %d packets, %.1f MB in %.2f s = %.2f Mpkt/s, %.1f MB/s (file %.1f MB/s); cat copy %.2f s = %.1f MB/s; ratio %.2f; peak RSS %.1f MB\n",
            j, tag, pk, by/1e6, w, pk/w/1e6, by/w/1e6, fsz/w/1e6, cw, fsz/cw/1e6, (fsz/w)/(fsz/cw), rss/1024 }'
done

# Peak RSS is bounded by buffer caches of fixed budgets (2 x 8 MiB, filled by the first large
# flows), one batch and the packet descriptors of the flows still open (flows last <= 29 min), so
# it plateaus after ~30 min of generated time and then follows the traffic rate, not -d.
echo "== memory vs duration (-j 2, output to /dev/null)"
for d in 10m 30m 1h 2h 4h 8h; do
    $TIME -f "%e %M" -o "$D/time" "$SECGEN" generate -d "$d" -s "$SEED" -j 2 -o /dev/null 2> "$D/log"
    read -r wall rss < "$D/time"
    pk=$(awk '/^packets:/ {gsub(",", ""); print $2}' "$D/log")
    printf -- "-d %-4s %9d packets  peak RSS %6.1f MB  (%.2f s)\n" "$d" "$pk" "$(echo "$rss/1024" | bc -l)" "$wall"
done

echo "== validity of -d 1h (tshark)"
"$SECGEN" generate -d 1h -s "$SEED" -q -o "$D/v.pcap" --flows-out "$D/v.csv"
tot=$(tshark -r "$D/v.pcap" 2>/dev/null | wc -l)
mal=$(tshark -r "$D/v.pcap" -Y _ws.malformed 2>/dev/null | wc -l)
ana=$(tshark -r "$D/v.pcap" -Y tcp.analysis.flags 2>/dev/null | wc -l)
bad=$(tshark -r "$D/v.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
      -Y 'ip.checksum.status=="Bad" || tcp.checksum.status=="Bad" || udp.checksum.status=="Bad"' 2>/dev/null | wc -l)
echo "packets $tot, malformed $mal, tcp.analysis flags $ana, bad checksums $bad"

if command -v ndpiReader >/dev/null; then
    echo "== nDPI: detected protocol vs intended service (dst port of --flows-out)"
    ndpiReader -q -i "$D/v.pcap" -C "$D/ndpi.csv" >/dev/null 2>&1 || true
    python3 - "$D/ndpi.csv" "$D/v.csv" <<'PY'
import csv, sys, collections
want = {80: "HTTP", 8080: "HTTP", 8000: "HTTP", 8082: "HTTP", 443: "TLS", 53: "DNS", 22: "SSH", 25: "SMTP", 587: "SMTP",
        993: "IMAPS", 465: "SMTPS", 123: "NTP", 137: "NetBIOS", 138: "NetBIOS", 445: "SMBv23", 5353: "MDNS", 1900: "SSDP", 67: "DHCP"}
gen = {}
for r in csv.DictReader(open(sys.argv[2])):
    gen[(r["src_ip"], int(r["src_port"]), r["dst_ip"], int(r["dst_port"]))] = int(r["dst_port"])
rows = list(csv.reader(open(sys.argv[1])))
h = rows[0]; h[0] = h[0].lstrip("#")
ix = {k: i for i, k in enumerate(h)}
tot = match = known = 0
per = collections.Counter(); perok = collections.Counter(); got = collections.defaultdict(collections.Counter)
for r in rows[1:]:
    k = (r[ix["src_ip"]], int(r[ix["src_port"]]), r[ix["dst_ip"]], int(r[ix["dst_port"]]))
    port = gen.get(k) or gen.get((k[2], k[3], k[0], k[1]))
    if port is None: continue
    tot += 1
    det = r[ix["ndpi_proto"]]
    w = want.get(port)
    if w is None: continue
    known += 1; per[port] += 1; got[port][det] += 1
    if w.split(".")[0] in det.split("."): match += 1; perok[port] += 1
print(f"flows seen by nDPI: {tot}; with a service we can name: {known}; detected as intended: {match} ({100.0*match/max(known,1):.1f}%)")
for p, n in per.most_common(12):
    print(f"  port {p:5d} ({want[p]}): {perok[p]}/{n}  e.g. {dict(got[p].most_common(3))}")
PY
fi
