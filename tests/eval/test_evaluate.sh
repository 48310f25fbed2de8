#!/usr/bin/env bash
# secgen evaluate / secgen baseline end to end on slices of the CIDDS-001 sample.
set -euo pipefail
: "${SECGEN:?}" "${SHARED:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SRC_CSV="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
fail() { echo "FAIL: $*" >&2; exit 1; }
head -n 1 "$SRC_CSV" > "$T/header.csv"
head -n 601 "$SRC_CSV" > "$T/a.csv"
{ head -n 1 "$SRC_CSV"; sed -n '602,1201p' "$SRC_CSV"; } > "$T/b.csv"
{ head -n 1 "$SRC_CSV"; sed -n '1202,1801p' "$SRC_CSV"; } > "$T/c.csv"

# text: one line per metric with its direction
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" -r 2 > "$T/out.txt"
for m in Density Coverage CMD PCD EMD JSD DKC MD FPH IAT-KS; do
  grep -q "^$m " "$T/out.txt" || fail "metric $m missing"
done
grep -q '^Density   ↑  0\.[0-9]' "$T/out.txt" || fail "Density line"
grep -q '^CMD       ↓  ' "$T/out.txt" || fail "CMD line"
grep -q 'n/a (needs --train)' "$T/out.txt" || fail "MD without --train"
[ "$(grep -c '^DKC rule' "$T/out.txt")" = 21 ] || fail "21 DKC rules"

# identical tables score perfectly
"$SECGEN" evaluate "$T/a.csv" "$T/a.csv" -r 1 -f json -o "$T/same.json"
for m in cmd pcd emd jsd fph iat_ks; do
  v=$(jq ".metrics.$m.value" "$T/same.json")
  [ "$v" = "0" ] || [ "$v" = "0.0" ] || fail "identical tables: $m = $v"
done

# MD with train + holdout; JSON deterministic whatever -j
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" --train "$T/a.csv" --holdout "$T/c.csv" -r 3 -f json -j 1 -o "$T/j1.json"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" --train "$T/a.csv" --holdout "$T/c.csv" -r 3 -f json -j 2 -o "$T/j2.json"
cmp -s "$T/j1.json" "$T/j2.json" || fail "-j changes the result"
jq -e '.metrics.md.value != null and .metrics.md.value >= 0 and .metrics.md.value <= 15' "$T/j1.json" >/dev/null \
  || fail "MD value"
jq -e '.format == "secgen-eval" and (.dkc_rules | length) == 21 and .inputs.folded_totals == true' "$T/j1.json" >/dev/null \
  || fail "JSON structure"
"$SECGEN" evaluate "$T/c.csv" "$T/b.csv" --train "$T/a.csv" -r 1 > /dev/null || fail "MD with REAL as non-members"

# HTML: self-contained
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" -r 1 -f html -o "$T/r.html"
grep -q '<svg' "$T/r.html" || fail "no svg"
grep -qi '<script' "$T/r.html" && fail "script in html"
grep -Eqi '(src|href)=' "$T/r.html" && fail "external resource in html"
grep -q '</html>' "$T/r.html" || fail "truncated html"

# bad input: clear errors, no output file
set +e
"$SECGEN" evaluate "$T/header.csv" "$T/b.csv" -o "$T/x.txt" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'no flows' "$T/err" || fail "empty REAL: rc $rc $(cat "$T/err")"
[ -e "$T/x.txt" ] && fail "output written on error"
"$SECGEN" evaluate "$T/a.csv" "$T/header.csv" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'no flows' "$T/err" || fail "empty SYNTH: rc $rc"
: > "$T/empty.csv"
"$SECGEN" evaluate "$T/empty.csv" "$T/b.csv" 2> "$T/err"; rc=$?
[ $rc = 1 ] || fail "zero-byte file: rc $rc"
printf 'foo,bar\n1,2\n' > "$T/weird.csv"
"$SECGEN" evaluate "$T/a.csv" "$T/weird.csv" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'weird.csv' "$T/err" || fail "unknown layout: rc $rc $(cat "$T/err")"
"$SECGEN" evaluate "$T/a.csv" "$T/nonexistent.csv" 2> "$T/err"; rc=$?
[ $rc = 1 ] || fail "missing file: rc $rc"
"$SECGEN" evaluate "$T/a.csv" 2> /dev/null; [ $? = 2 ] || fail "one argument"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" --holdout "$T/c.csv" 2> "$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'needs --train' "$T/err" || fail "--holdout without --train"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" --train "$T/a.csv" 2> "$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'non-members' "$T/err" || fail "--train = REAL without --holdout"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" -f pdf 2> /dev/null; [ $? = 2 ] || fail "bad format"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" -k 0 2> /dev/null; [ $? = 2 ] || fail "bad k"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" --dkc foo 2> /dev/null; [ $? = 2 ] || fail "bad dkc"
set -e

# baselines: n flows, deterministic, readable by evaluate
for b in independent-bn sequence-bn; do
  "$SECGEN" baseline $b "$T/a.csv" -n 300 -o "$T/$b.csv" -s 4
  "$SECGEN" baseline $b "$T/a.csv" -n 300 -o "$T/$b.2.csv" -s 4
  cmp -s "$T/$b.csv" "$T/$b.2.csv" || fail "$b not deterministic"
  [ "$(($(wc -l < "$T/$b.csv") - 1))" = 300 ] || fail "$b flow count"
  "$SECGEN" evaluate "$T/a.csv" "$T/$b.csv" -r 1 > /dev/null || fail "evaluate $b output"
done
set +e
"$SECGEN" baseline gan "$T/a.csv" -n 10 -o "$T/g.csv" 2> /dev/null; [ $? = 2 ] || fail "unknown baseline"
"$SECGEN" baseline independent-bn "$T/a.csv" -o "$T/g.csv" 2> /dev/null; [ $? = 2 ] || fail "-n missing"
"$SECGEN" baseline independent-bn "$T/header.csv" -n 10 -o "$T/g.csv" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'no flows' "$T/err" || fail "baseline on empty input"
head -n 4 "$SRC_CSV" > "$T/three.csv"
"$SECGEN" baseline sequence-bn "$T/three.csv" -n 10 -o "$T/g.csv" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'at least' "$T/err" || fail "sequence-bn on 3 flows"
[ -e "$T/g.csv" ] && fail "output written on error"
echo ok
