#!/usr/bin/env bash
# secgen evaluate: realism findings end to end (text / JSON / HTML), `-m all` without --train,
# --config containment, HTML panels of columns a one-way layout does not carry, the guide to good
# values, the FPH label, determinism for any -j.
set -euo pipefail
: "${SECGEN:?}" "${SHARED:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SRC_CSV="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
fail() { echo "FAIL: $*" >&2; exit 1; }
# interleaved halves: a held-out real half covers the same week
head -n 1 "$SRC_CSV" | tee "$T/a.csv" > "$T/b.csv"
tail -n +2 "$SRC_CSV" | awk -v a="$T/a.csv" -v b="$T/b.csv" '{ print >> ((NR % 2) ? a : b) }'

# -m all (the default) without --train: every metric whose inputs are given, MD left out with a note
"$SECGEN" evaluate "$T/b.csv" "$T/a.csv" -m all -r 1 > "$T/all.txt" || fail "-m all without --train: rc $?"
grep -q '^MD .*n/a (needs --train)' "$T/all.txt" || fail "-m all: MD note"
grep -q '^config containment: skipped (needs --config' "$T/all.txt" || fail "-m all: config note"
grep -q '^realism: 0 FAIL, ' "$T/all.txt" || fail "held-out half: $(grep -A40 '^realism' "$T/all.txt")"
"$SECGEN" evaluate "$T/b.csv" "$T/a.csv" -m paper -r 1 > /dev/null || fail "-m paper without --train"
set +e
"$SECGEN" evaluate "$T/b.csv" "$T/a.csv" -m md 2> "$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'needs the generator' "$T/err" || fail "-m md without --train: rc $rc"
"$SECGEN" evaluate "$T/b.csv" "$T/a.csv" -m tails,config 2> "$T/err"; rc=$?
[ $rc = 2 ] && grep -q -- '--config' "$T/err" || fail "-m config without --config: rc $rc"
"$SECGEN" evaluate "$T/b.csv" "$T/a.csv" -c "$T/missing.yaml" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'missing.yaml' "$T/err" || fail "missing config: rc $rc $(cat "$T/err")"
printf 'hosts:\n  - hostname: x\n    interfaces: [{ip_addr: 10.0.0.300}]\n' > "$T/bad.yaml"
"$SECGEN" evaluate "$T/b.csv" "$T/a.csv" -c "$T/bad.yaml" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'bad.yaml:3' "$T/err" || fail "bad config: rc $rc $(cat "$T/err")"
set -e

# the old generator's heavy tail, planted: flows over 20 packets get a count drawn uniformly up
# to 174,218 (bytes scaled with it); the verdicts must see it
awk -F, -v OFS=, 'BEGIN { srand(13) } NR > 1 && $8 > 20 { p = 21 + int(rand() * 174198); $9 = int($9 / $8 * p); $8 = p } { print }' \
  "$T/a.csv" > "$T/heavy.csv"
"$SECGEN" evaluate "$T/b.csv" "$T/heavy.csv" -m tails -r 1 > "$T/heavy.txt"
grep -Eq '^  p99 of Out Packet [0-9,]+ vs 44.1 real \([0-9,]+x\): FAIL$' "$T/heavy.txt" || fail "p99 verdict: $(cat "$T/heavy.txt")"
grep -q '^  total Out Packet .*: FAIL$' "$T/heavy.txt" || fail "total packets verdict"
grep -q '^  flows over 10,000 packets .*: FAIL$' "$T/heavy.txt" || fail "heavy flows verdict"
grep -q '^  In Byte, In Packet: not in the data' "$T/heavy.txt" || fail "absent columns note"

# JSON: findings with verdicts; identical for -j 1 and -j 2
"$SECGEN" evaluate "$T/b.csv" "$T/heavy.csv" -r 2 -f json -j 1 -o "$T/j1.json"
"$SECGEN" evaluate "$T/b.csv" "$T/heavy.csv" -r 2 -f json -j 2 -o "$T/j2.json"
cmp -s "$T/j1.json" "$T/j2.json" || fail "-j changes the findings"
jq -e '(.findings | map(select(.key == "p99.out_packets"))[0].verdict) == "fail"
       and .verdicts.fail >= 5 and .skipped.md != null and .skipped.config != null
       and (.columns_not_in_data | index("In Byte")) != null
       and (.findings | map(select(.key | startswith("p50."))) | all(.verdict == "ok"))' "$T/j1.json" > /dev/null \
  || fail "JSON findings"

# HTML: columns of a one-way layout say so; guide to good values; FPH named
"$SECGEN" evaluate "$T/b.csv" "$T/heavy.csv" -r 1 -f html -o "$T/r.html"
grep -q 'In Byte - not in the data' "$T/r.html" || fail "In Byte panel"
grep -q 'In Packet - not in the data' "$T/r.html" || fail "In Packet panel"
grep -q 'In Byte (bytes, log scale) - EMD' "$T/r.html" && fail "In Byte panel shows an EMD"
grep -q '<th>good values</th>' "$T/r.html" || fail "guide to good values"
grep -q 'real half vs real: 1.02' "$T/r.html" || fail "Density guide"
grep -q 'FPH (flows per hour)' "$T/r.html" || fail "FPH label"
grep -q 'class="vd fail">FAIL</span></td><td>p99 of Out Packet' "$T/r.html" || fail "findings table"
grep -qi '<script' "$T/r.html" && fail "script in html"
# a bidirectional layout keeps its In columns: plotted, with their EMD
awk -F, -v OFS=, 'NR == 1 { print "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags"; next }
  { t = $1; sub(" ", "T", t); print t "Z", $2, $3, $4, $5, $6, $7, $8, $9, int($8 / 2), int($9 / 3), $11 }' "$T/a.csv" > "$T/native.csv"
"$SECGEN" evaluate "$T/native.csv" "$T/native.csv" -r 1 -f html -o "$T/n.html"
grep -q 'not in the data' "$T/n.html" && fail "bidirectional: column reported absent"
grep -q 'In Byte (bytes, log scale) - EMD' "$T/n.html" || fail "bidirectional: In Byte panel"
"$SECGEN" evaluate "$T/native.csv" "$T/native.csv" -r 1 -m tails > "$T/n.txt"
grep -q '^  p99 of In Packet ' "$T/n.txt" || fail "bidirectional: In Packet quantiles"
grep -q '^  total In Byte ' "$T/n.txt" || fail "bidirectional: In Byte total"

# containment in a network config
cat > "$T/net.yaml" <<'EOF'
hosts:
  - hostname: web
    interfaces: [{ip_addr: 10.0.0.10, services: [https]}]
  - hostname: alice
    talks_to: [web]
    interfaces: [{ip_addr: 10.0.0.101}]
EOF
{
  echo "start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags"
  echo "2017-04-05T10:00:00Z,0.5,TCP,10.0.0.101,40000,10.0.0.10,443,5,600,4,3000,.AP.SF"
  echo "2017-04-05T10:00:01Z,0.5,TCP,10.0.0.101,40001,93.184.216.34,443,5,600,4,3000,.AP.SF"
  echo "2017-04-05T10:00:02Z,0.5,TCP,93.184.216.34,40002,8.8.8.8,443,5,600,4,3000,.AP.SF"
} > "$T/cfg.csv"
"$SECGEN" evaluate "$T/cfg.csv" "$T/cfg.csv" -c "$T/net.yaml" -m config -r 1 > "$T/cfg.txt"
grep -q '^  flows without a config host as an endpoint: 1 of 3 (33.3%): FAIL$' "$T/cfg.txt" || fail "outside: $(cat "$T/cfg.txt")"
grep -q '^  flows from a host with talks_to to another destination: 1 of 3 (33.3%); most from alice: 1: FAIL$' "$T/cfg.txt" \
  || fail "talks_to"
grep -q '^  flows to a config host on a service it does not offer: 0 of 3 (0%): ok$' "$T/cfg.txt" || fail "service"
echo ok
