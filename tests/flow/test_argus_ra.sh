#!/usr/bin/env bash
# Real Argus output (issue 15): argus reads a capture, ra prints it as CSV with its default fields
# (time of day only, no duration, service names, rtcp...), with -u -s +dur (epoch times and
# durations) and with +ltime; secgen reads all three with the packet and byte totals ra reports
# and, from the -u form, the capture's real dates. argus and ra come from scripts/install-deps.sh.
set -u
: "${SECGEN:?}" "${TESTDATA:?}"
for t in argus ra; do
  command -v $t >/dev/null || { echo "FAIL: $t missing (scripts/install-deps.sh installs argus-server and argus-client)"; exit 1; }
done
export TZ=UTC # ra prints local time
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for cap in rtcp_multiple_pkts_in_the_same_datagram dns mongodb ftp_failed; do
  argus -r "$TESTDATA/extract/$cap.pcap" -w "$T/$cap.argus" 2>/dev/null || { echo "FAIL: argus on $cap"; fail=1; continue; }
  ra -r "$T/$cap.argus" -c , >"$T/$cap.default.csv"
  ra -r "$T/$cap.argus" -c , -u -s +dur >"$T/$cap.epoch.csv"
  ra -r "$T/$cap.argus" -c , -s +ltime >"$T/$cap.ltime.csv"
  # ra's own totals over flow records (not the argus management records, Proto "man")
  want=$(awk -F, 'NR>1 && $3!="man" {p+=$9; b+=$10} END{print p+0, b+0}' "$T/$cap.default.csv")
  for form in default epoch ltime; do
    if ! "$SECGEN" info "$T/$cap.$form.csv" >"$T/out" 2>"$T/err"; then
      echo "FAIL: $cap ($form): $(cat "$T/err")"; fail=1; continue
    fi
    got=$(sed -n 's/^packets: \([0-9]*\), bytes: \([0-9]*\).*/\1 \2/p' "$T/out")
    [ "$got" = "$want" ] || { echo "FAIL: $cap ($form): packets/bytes '$got', ra says '$want'"; fail=1; }
  done
  # with epoch times the dates are the capture's (the default form has none: 1970)
  first=$("$SECGEN" extract "$TESTDATA/extract/$cap.pcap" -q -o - | sed -n '2s/T.*//p')
  grep -q "^time: $first" <("$SECGEN" info "$T/$cap.epoch.csv") || { echo "FAIL: $cap: epoch form does not start on $first"; fail=1; }
done
# learn says what is missing from the default form
"$SECGEN" learn "$T/mongodb.default.csv" -o "$T/m.json" -p 1 2>"$T/err" || { echo "FAIL: learn on ra output"; cat "$T/err"; fail=1; }
grep -q "without a date" "$T/err" || { echo "FAIL: no dateless warning"; cat "$T/err"; fail=1; }
grep -q "no Dur or LastTime" "$T/err" || { echo "FAIL: no duration warning"; cat "$T/err"; fail=1; }
[ $fail -eq 0 ] && echo "ok: argus ra CSV (default, -u +dur, +ltime) reads"
exit $fail
