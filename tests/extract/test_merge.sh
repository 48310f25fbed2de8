#!/usr/bin/env bash
# Several captures given to extract are merged by time (issue 15), as mergecap does: a capture
# split into interleaved parts (odd and even packets, as two interfaces would record it) gives
# exactly the flows and sequences of the whole capture, with no "time went backwards".
# Old behaviour: the parts were read one after the other (32 time-backwards issues, split flows).
set -u
: "${SECGEN:?}" "${TESTDATA:?}" "${SHARED:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # name capture k
  local name=$1 cap=$2 k=$3 parts=()
  for ((r = 0; r < k; r++)); do
    tshark -r "$cap" -Y "frame.number % $k == $r" -F pcap -w "$T/$name.$r.pcap" 2>/dev/null
    parts+=("$T/$name.$r.pcap")
  done
  "$SECGEN" extract "$cap" -o "$T/$name.whole.csv" --sequences "$T/$name.whole.seq" 2>"$T/$name.whole.err" || { echo "FAIL: $name whole"; fail=1; }
  # the parts in reverse order: the merge, not the argument order, decides
  local rev=()
  for ((r = k - 1; r >= 0; r--)); do rev+=("${parts[$r]}"); done
  "$SECGEN" extract "${rev[@]}" -o "$T/$name.merged.csv" --sequences "$T/$name.merged.seq" 2>"$T/$name.merged.err" \
    || { echo "FAIL: $name merged"; cat "$T/$name.merged.err"; fail=1; }
  cmp -s "$T/$name.whole.csv" "$T/$name.merged.csv" || { echo "FAIL: $name: merged flows differ from the whole capture's"; diff "$T/$name.whole.csv" "$T/$name.merged.csv" | head -5; fail=1; }
  cmp -s "$T/$name.whole.seq" "$T/$name.merged.seq" || { echo "FAIL: $name: merged sequences differ"; fail=1; }
  if grep -q "earlier than" "$T/$name.merged.err"; then echo "FAIL: $name: time went backwards in the merge"; grep "earlier" "$T/$name.merged.err" | head -3; fail=1; fi
  grep -q "$k capture(s)" "$T/$name.merged.err" || { echo "FAIL: $name: summary does not count $k captures"; fail=1; }
}
check dnsfrag "$TESTDATA/extract/dns_fragmented.pcap" 2
check mongodb "$TESTDATA/extract/mongodb.pcap" 3
fix="$SHARED/data/pcap_ndpi_benign/pcap/fix.pcap"
[ -f "$fix" ] && check fix "$fix" 4
# a bad capture among several is named with its packet
printf 'garbage' >"$T/bad.pcap"
"$SECGEN" extract "$TESTDATA/extract/dns.pcap" "$T/bad.pcap" -o "$T/x.csv" 2>"$T/err" && { echo "FAIL: bad capture accepted"; fail=1; }
grep -q "bad.pcap" "$T/err" || { echo "FAIL: bad capture not named"; cat "$T/err"; fail=1; }
[ -e "$T/x.csv" ] && { echo "FAIL: output written despite the error"; fail=1; }
[ $fail -eq 0 ] && echo "ok: captures are merged by time"
exit $fail
