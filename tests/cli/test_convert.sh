#!/usr/bin/env bash
# secgen convert (issue 18): a labelled dataset read in its layout is written back in another with
# its ground truth in that layout's own columns, and `secgen detect` reads those labels; bad
# options and inputs get clear errors and leave no output.
set -u
: "${SECGEN:?}" "${SHARED:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
UGR=$SHARED/data/ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv
# the real file's labels: 'lable' column (13th)
real_bl=$(tail -n +2 "$UGR" | cut -d, -f13 | grep -c '^blacklist$')
"$SECGEN" convert "$UGR" -f cidds -o "$T/c.csv" 2>"$T/c.err" || { echo "FAIL: convert to cidds"; cat "$T/c.err"; fail=1; }
head -1 "$T/c.csv" | grep -q ',Flags,class,attackType,attackID,attackDescription$' || { echo "FAIL: cidds label header"; head -1 "$T/c.csv"; fail=1; }
n=$(grep -c ',attacker,blacklist,1,blacklist$' "$T/c.csv")
[ "$n" = "$real_bl" ] || { echo "FAIL: cidds attack rows $n, real $real_bl"; fail=1; }
grep -q "labels from column 'lable' (2 distinct)" "$T/c.err" || { echo "FAIL: summary"; cat "$T/c.err"; fail=1; }
# cidds -> ugr16 (headerless, label 13th) -> argus (Label): the same attack rows all the way
"$SECGEN" convert -q "$T/c.csv" -f ugr16 -o "$T/u.csv" || fail=1
[ "$(cut -d, -f13 "$T/u.csv" | grep -c '^blacklist$')" = "$real_bl" ] || { echo "FAIL: ugr16 labels"; fail=1; }
"$SECGEN" convert -q "$T/u.csv" -f argus -o "$T/a.csv" || fail=1
[ "$(grep -c ',blacklist$' "$T/a.csv")" = "$real_bl" ] || { echo "FAIL: argus labels"; fail=1; }
head -1 "$T/a.csv" | grep -q ',SrcPkts,SrcBytes,Label$' || { echo "FAIL: argus header"; fail=1; }
# --pair: one-way records into connections, the count said
"$SECGEN" convert "$UGR" --pair -o "$T/p.csv" 2>"$T/p.err" || fail=1
grep -q "records paired into" "$T/p.err" || { echo "FAIL: pair summary"; cat "$T/p.err"; fail=1; }
[ "$(wc -l <"$T/p.csv")" -lt "$(wc -l <"$UGR")" ] || { echo "FAIL: --pair kept every record"; fail=1; }
# detect reads the written labels: the test set's attack class is the label
"$SECGEN" detect --train "$T/a.csv" --synthetic "$T/a.csv" --test "$T/c.csv" -d knn --max-train 2000 -f json -o "$T/d.json" -q 2>"$T/d.err" ||
    { echo "FAIL: detect on converted data"; cat "$T/d.err"; fail=1; }
grep -q '"blacklist"' "$T/d.json" || { echo "FAIL: detect did not see the blacklist class"; fail=1; }
# generate writes the same layouts in flow-only mode, and they read back
"$SECGEN" generate -q -n 50 --flows-format argus --flows-out "$T/g.argus" || fail=1
head -1 "$T/g.argus" | grep -q '^StartTime,Dur,Proto,SrcAddr' || { echo "FAIL: generate argus header"; fail=1; }
"$SECGEN" generate -q -n 50 --flows-format ugr16 --flows-out "$T/g.ugr" || fail=1
"$SECGEN" convert -q "$T/g.ugr" -o "$T/g.native" || { echo "FAIL: generated ugr16 unreadable"; fail=1; }
[ "$(wc -l <"$T/g.native")" = 51 ] || { echo "FAIL: ugr16 rows"; fail=1; }
# errors: usage (2), runtime (1), no output left behind
"$SECGEN" convert "$UGR" -f netshare -o "$T/x.csv" 2>"$T/e1"; [ $? -eq 2 ] || { echo "FAIL: netshare output accepted"; fail=1; }
grep -q "native, cidds, argus or ugr16" "$T/e1" || { echo "FAIL: format message"; cat "$T/e1"; fail=1; }
"$SECGEN" convert "$T/a.csv" --pair -o "$T/x.csv" 2>"$T/e2"; [ $? -eq 1 ] || { echo "FAIL: --pair on argus"; fail=1; }
grep -q "already bidirectional" "$T/e2" || { echo "FAIL: pair message"; cat "$T/e2"; fail=1; }
printf 'start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags\n2017-04-05T10:31:02Z,x,TCP,1.2.3.4,1,5.6.7.8,80,1,40,0,0,....S.\n' >"$T/bad.csv"
"$SECGEN" convert "$T/bad.csv" -o "$T/x.csv" 2>"$T/e3"; [ $? -eq 1 ] || { echo "FAIL: bad row accepted"; fail=1; }
grep -q "bad.csv:2" "$T/e3" || { echo "FAIL: bad row not located"; cat "$T/e3"; fail=1; }
[ -e "$T/x.csv" ] && { echo "FAIL: output left after an error"; fail=1; }
[ $fail -eq 0 ] && echo "ok: convert keeps labels across layouts"
exit $fail
