#!/usr/bin/env bash
# secgen learn warns when the training flows span more than a year (issue 15: captures of
# different periods, extracted together, make a model of no real network); not for one period.
set -u
: "${SECGEN:?}" "${TESTDATA:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
in=$TESTDATA/fc/cidds_400.csv
"$SECGEN" learn "$in" -o "$T/a.json" -p 2 2>"$T/a.err" || { echo "FAIL: learn"; cat "$T/a.err"; fail=1; }
grep -q "spans" "$T/a.err" && { echo "FAIL: warning on one period"; cat "$T/a.err"; fail=1; }
# the same flows, the second half moved three years earlier (another capture period)
n=$(($(wc -l <"$in") / 2))
{ head -1 "$in"; tail -n +2 "$in" | head -n "$n" | sed 's/^2017-/2014-/'; tail -n +2 "$in" | tail -n +"$((n + 1))"; } >"$T/mixed.csv"
"$SECGEN" learn "$T/mixed.csv" -o "$T/b.json" -p 2 2>"$T/b.err" || { echo "FAIL: learn mixed"; cat "$T/b.err"; fail=1; }
grep -q "warning: .*mixed.csv spans 3.0 years (2014-.* to 2017-" "$T/b.err" || { echo "FAIL: no span warning"; cat "$T/b.err"; fail=1; }
[ -s "$T/b.json" ] || { echo "FAIL: the warning must not stop learning"; fail=1; }
"$SECGEN" learn -q "$T/mixed.csv" -o "$T/c.json" -p 2 2>"$T/c.err"
[ -s "$T/c.err" ] && { echo "FAIL: -q still warns"; fail=1; }
[ $fail -eq 0 ] && echo "ok: learn warns on multi-year data"
exit $fail
