#!/usr/bin/env bash
# `secgen extract` on bad input: clear error naming the capture (and packet), exit 1, usage
# errors exit 2, and never a (partial) output file: an existing output is left untouched.
set -uo pipefail
: "${SECGEN:?}" "${TESTDATA:?}"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
good=$TESTDATA/extract/iqiyi.pcap

# expect CODE PATTERN -- args...: runs secgen extract, checks exit code, stderr pattern, no output
expect() {
  local code=$1 pat=$2; shift 3
  rm -f "$d/out.csv" "$d/seq.csv" "$d"/*.tmp.*
  "$SECGEN" extract "$@" >"$d/stdout" 2>"$d/stderr"
  local rc=$?
  if [ $rc -ne "$code" ]; then echo "FAIL ($*): exit $rc, want $code"; cat "$d/stderr"; fail=1; return; fi
  if [ "$pat" = EMPTY ]; then
    [ -s "$d/stderr" ] && { echo "FAIL ($*): unexpected stderr:"; cat "$d/stderr"; fail=1; }
  elif ! grep -qE -- "$pat" "$d/stderr"; then echo "FAIL ($*): stderr lacks /$pat/:"; cat "$d/stderr"; fail=1; fi
  if [ "$code" -ne 0 ] && ls "$d"/out.csv "$d"/seq.csv "$d"/*.tmp.* >/dev/null 2>&1; then
    echo "FAIL ($*): output file left behind"; ls "$d"; fail=1
  fi
}

: >"$d/empty.pcap"
printf 'start,duration,proto\n1,2,TCP\n' >"$d/text.pcap"
head -c 300 "$good" >"$d/cut.pcap"   # iqiyi.pcap: 2 records, the second one cut
mkdir "$d/dir.pcap"

expect 1 "missing.pcap: cannot open" -- "$d/missing.pcap" -o "$d/out.csv"
expect 1 "empty.pcap: empty file" -- "$d/empty.pcap" -o "$d/out.csv"
expect 1 "text.pcap is a text file; expected a pcap or pcapng capture" -- "$d/text.pcap" -o "$d/out.csv"
expect 1 "cut.pcap:2: corrupt or truncated capture" -- "$d/cut.pcap" -o "$d/out.csv" -S "$d/seq.csv"
expect 1 "dir.pcap is a directory; expected a pcap or pcapng capture" -- "$d/dir.pcap" -o "$d/out.csv"
# a bad capture after a good one still fails the whole run
expect 1 "cut.pcap:2" -- "$good" "$d/cut.pcap" -o "$d/out.csv"
# unwritable output directory
expect 1 "nodir" -- "$good" -o "$d/nodir/out.csv"
# usage errors
expect 2 "-o/--output is required" -- "$good"
expect 2 "no capture given" -- -o "$d/out.csv"
expect 2 "--bytes must be" -- "$good" -o "$d/out.csv" --bytes frames
expect 2 "--fragments must be" -- "$good" -o "$d/out.csv" --fragments keep
expect 2 "--format must be" -- "$good" -o "$d/out.csv" --format argus
expect 2 "idle-timeout" -- "$good" -o "$d/out.csv" --idle-timeout soon
expect 2 "seq-max" -- "$good" -o "$d/out.csv" --seq-max -3
# success, quiet: nothing on stderr
expect 0 EMPTY -- "$good" -o "$d/out.csv" -q
[ -s "$d/out.csv" ] || { echo "FAIL: no output on success"; fail=1; }
# success, verbose: summary on stderr
expect 0 "extract: 1 capture\(s\), 2 packets, 1 flows" -- "$good" -o "$d/out.csv"

# an existing output survives a failed run untouched
echo "precious" >"$d/keep.csv"
"$SECGEN" extract "$d/cut.pcap" -o "$d/keep.csv" 2>/dev/null && { echo "FAIL: cut.pcap accepted"; fail=1; }
[ "$(cat "$d/keep.csv")" = "precious" ] || { echo "FAIL: existing output overwritten by a failed run"; fail=1; }

"$SECGEN" extract --help | grep -q "usage: secgen extract" || { echo "FAIL: --help"; fail=1; }
[ $fail -eq 0 ] && echo "ok"
exit $fail
