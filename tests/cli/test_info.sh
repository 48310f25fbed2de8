#!/usr/bin/env bash
# secgen info on each kind of file it knows, and on bad input.
set -u
fail=0
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
expect() { # desc pattern cmd...
  local desc=$1 pat=$2; shift 2
  local out; out=$("$@" 2>&1); local rc=$?
  if [ $rc -ne 0 ] || ! grep -qE "$pat" <<<"$out"; then echo "FAIL: $desc (rc=$rc)"; echo "$out" | head -20; fail=1; else echo "ok: $desc"; fi
}
expect_err() { # desc rc pattern cmd...
  local desc=$1 want=$2 pat=$3; shift 3
  local out; out=$("$@" 2>&1); local rc=$?
  if [ $rc -ne "$want" ] || ! grep -qE "$pat" <<<"$out"; then echo "FAIL: $desc (rc=$rc)"; echo "$out" | head; fail=1; else echo "ok: $desc"; fi
}
D=$SHARED/data
expect "CIDDS flow CSV" "flows: 8192 \(layout cidds\)" "$SECGEN" info "$D/cidds001_flowchronicle_sample/cidds_wk3_8k.csv"
expect "top services named" "TCP/443 +1815 flows" "$SECGEN" info "$D/cidds001_flowchronicle_sample/cidds_wk3_8k.csv"
expect "Argus flows" "layout argus" "$SECGEN" info "$D/ctu_normal_flows/2013-10-21_capture-1.binetflow"
expect "capture" "1723 packets, 197 flows" "$SECGEN" info "$D/pcap_ndpi_benign/pcap/1kxun.pcap"
expect "HDFS sequences" "labels: 11151 normal, 350 anomalous" "$SECGEN" info "$D/hdfs_loglead_2pct/hdfs_2pct_sequences.csv"
: >"$t/empty"
expect_err "empty file" 1 "empty file" "$SECGEN" info "$t/empty"
expect_err "missing file" 1 "cannot open" "$SECGEN" info "$t/nope.csv"
echo '{"format": "something-else"' >"$t/bad.json"
expect_err "broken JSON names line and column" 1 "bad.json:[0-9]+:[0-9]+: invalid JSON" "$SECGEN" info "$t/bad.json"
echo '{"format": "something-else"}' >"$t/other.json"
expect_err "foreign JSON" 1 "not a flow model" "$SECGEN" info "$t/other.json"
printf 'a,b,c\n1,2,3\n' >"$t/x.csv"
expect_err "unknown CSV" 1 "unknown flow CSV header" "$SECGEN" info "$t/x.csv"
expect_err "no argument" 2 "exactly one FILE" "$SECGEN" info
exit $fail
