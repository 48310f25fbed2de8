#!/usr/bin/env bash
# Top-level options and the shared option handling of every command (issue 15, CLI):
# `secgen help CMD` is CMD's own help, -V/--version print CMake's project(VERSION) and are listed,
# and a bad option gives exactly one message naming it (plus the --help hint), exit 2.
set -u
: "${SECGEN:?}" "${SRC:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

for cmd in extract learn generate evaluate baseline info automata; do
  "$SECGEN" help "$cmd" >"$T/a" 2>&1 || bad "secgen help $cmd exits non-zero"
  "$SECGEN" "$cmd" --help >"$T/b" 2>&1
  cmp -s "$T/a" "$T/b" || bad "secgen help $cmd differs from secgen $cmd --help"
  "$SECGEN" --help >"$T/top"
  cmp -s "$T/a" "$T/top" && bad "secgen help $cmd prints the top-level help"
done
"$SECGEN" help frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || bad "help of an unknown command is not a usage error"

want=$(sed -n 's/^project(secgen VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ -n "$want" ] || bad "no project(VERSION) in CMakeLists.txt"
[ "$("$SECGEN" --version)" = "secgen $want" ] || bad "--version is not 'secgen $want': $("$SECGEN" --version)"
[ "$("$SECGEN" -V 2>&1)" = "secgen $want" ] || bad "-V is not 'secgen $want': $("$SECGEN" -V 2>&1)"
"$SECGEN" --help | grep -q -- "--version" || bad "--version not listed in secgen --help"
"$SECGEN" --help | grep -q -- "-V" || bad "-V not listed in secgen --help"

# one message (+ the hint) per bad option, naming it; exit 2
one() { # desc expected-substring cmd...
  local desc=$1 sub=$2; shift 2
  "$@" >/dev/null 2>"$T/err"; local rc=$?
  [ "$rc" -eq 2 ] || bad "$desc: exit $rc, want 2"
  local n; n=$(wc -l <"$T/err")
  [ "$n" -eq 2 ] || { bad "$desc: $n lines on stderr, want 2 (message + hint)"; cat "$T/err"; }
  grep -qF -- "$sub" "$T/err" || { bad "$desc: message lacks '$sub'"; cat "$T/err"; }
  grep -q "^Try 'secgen .* --help'" "$T/err" || bad "$desc: no --help hint"
}
for cmd in extract learn generate evaluate baseline info; do
  one "$cmd -Z" "unknown option '-Z'" "$SECGEN" "$cmd" -Z x
  one "$cmd --no-such-option" "unknown option '--no-such-option'" "$SECGEN" "$cmd" --no-such-option x
done
one "extract -o without a value" "option '-o' needs a value" "$SECGEN" extract x.pcap -o
one "learn --output without a value" "option '--output' needs a value" "$SECGEN" learn x.csv --output
one "learn --quiet=1" "option '--quiet' takes no value" "$SECGEN" learn --quiet=1 x.csv
one "generate -n without a value" "option '-n' needs a value" "$SECGEN" generate -n
one "extract -qj (cluster)" "unknown option '-j'" "$SECGEN" extract -qj x.pcap
"$SECGEN" automata learn -Z x >/dev/null 2>"$T/err"; [ $? -eq 2 ] || bad "automata learn -Z: exit not 2"
[ "$(wc -l <"$T/err")" -le 2 ] || { bad "automata learn -Z: more than one message"; cat "$T/err"; }
exit $fail
