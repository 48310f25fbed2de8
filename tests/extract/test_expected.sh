#!/usr/bin/env bash
# `secgen extract` (default options) on small real captures covering the link types and IP
# features (raw IP, Linux SLL, BSD loopback, VLAN/QinQ, IPv6, IPv4+IPv6 fragments, pcapng) must
# reproduce the checked-in flow and sequence files byte for byte. Those files were generated once
# with this tool and verified against tshark (IP bytes, bench/extract_vs_tshark.sh) and nDPI's
# ground truth (bench/extract_vs_ndpi.sh); see tests/data/extract/README.md.
# Also: output is identical when run twice, and a multi-capture run equals the expected union.
set -uo pipefail
: "${SECGEN:?}" "${TESTDATA:?}"
dir=$TESTDATA/extract
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
caps=(iqiyi.pcap rtcp_multiple_pkts_in_the_same_datagram.pcap nats.pcap mongodb.pcap ftp_failed.pcap
      dns_fragmented.pcap dns.pcap)
for c in "${caps[@]}"; do
  if ! "$SECGEN" extract -q "$dir/$c" -o "$d/$c.flows.csv" -S "$d/$c.seq.csv"; then
    echo "FAIL: $c: extract failed"; fail=1; continue
  fi
  for kind in flows seq; do
    if ! cmp -s "$d/$c.$kind.csv" "$dir/$c.$kind.csv"; then
      echo "FAIL: $c: $kind differ from $dir/$c.$kind.csv:"; diff "$dir/$c.$kind.csv" "$d/$c.$kind.csv" | head -20
      fail=1
    fi
  done
done
# determinism: a second run is byte-identical
"$SECGEN" extract -q "$dir/mongodb.pcap" -o "$d/again.csv" -S "$d/again.seq.csv"
cmp -s "$d/again.csv" "$dir/mongodb.pcap.flows.csv" && cmp -s "$d/again.seq.csv" "$dir/mongodb.pcap.seq.csv" \
  || { echo "FAIL: second run differs"; fail=1; }
# the captures' dates do not overlap, so one run over all of them gives the union sorted by start
all=()
for c in "${caps[@]}"; do all+=("$dir/$c"); done
"$SECGEN" extract -q "${all[@]}" -o "$d/all.csv" || { echo "FAIL: multi-capture run"; fail=1; }
want=$(for c in "${caps[@]}"; do tail -n +2 "$dir/$c.flows.csv"; done | sort | md5sum)
got=$(tail -n +2 "$d/all.csv" | sort | md5sum)
[ "$want" = "$got" ] || { echo "FAIL: multi-capture run is not the union of the single runs"; fail=1; }
head -1 "$d/all.csv" | grep -q "^start," || { echo "FAIL: header"; fail=1; }
tail -n +2 "$d/all.csv" | cut -d, -f1 | sort -c 2>/dev/null || { echo "FAIL: multi-capture output not sorted by start"; fail=1; }
[ $fail -eq 0 ] && echo "ok"
exit $fail
