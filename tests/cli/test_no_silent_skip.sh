#!/usr/bin/env bash
# Tests that need a tool scripts/install-deps.sh installs (clang/libFuzzer, tshark, numpy/scipy)
# fail when it is missing instead of printing SKIP and passing (issue 15): a green run must mean
# the checks ran. Runs the tool-dependent tests with an empty PATH, and checks that no test
# script or cmocka test has a silent skip path left.
set -u
: "${SECGEN:?}" "${SRC:?}"
E=$(mktemp -d)
trap 'rm -rf "$E"' EXIT
fail=0
# the fuzz smoke test without clang
out=$(PATH=$E SRC=$SRC SECGEN=$SECGEN /bin/bash "$SRC/tests/extract/test_fuzz_smoke.sh" 2>&1); rc=$?
[ $rc -ne 0 ] || { echo "FAIL: test_fuzz_smoke passes without clang: $out"; fail=1; }
echo "$out" | grep -q "clang" || { echo "FAIL: test_fuzz_smoke does not say clang is missing: $out"; fail=1; }
# the cmocka tshark checks without tshark
bdir=$(dirname "$SECGEN")
for t in packets_test_pktgen packets_test_packets; do
  [ -x "$bdir/$t" ] || { echo "FAIL: $bdir/$t not built"; fail=1; continue; }
  PATH=$E "$bdir/$t" >"$E/out" 2>&1 && { echo "FAIL: $t passes without tshark"; fail=1; }
  grep -q "tshark missing" "$E/out" || { echo "FAIL: $t does not say tshark is missing"; fail=1; }
done
# no silent skip left: "SKIP" followed by exit 0 in scripts, skip() after a tool probe in C
for f in "$SRC"/tests/*/test_*.sh; do
  [ "$(basename "$f")" = test_no_silent_skip.sh ] && continue
  if grep -A2 'SKIP' "$f" | grep -q 'exit 0'; then echo "FAIL: $f skips and passes"; fail=1; fi
done
for f in "$SRC"/tests/*/test_*.c; do
  if grep -q 'command -v [a-z]*.*skip()' "$f"; then echo "FAIL: $f skips when a tool is missing"; fail=1; fi
done
# the fuzz smoke test builds in the test build directory, never in the source tree
if grep -q 'build=\$src/build' "$SRC/tests/extract/test_fuzz_smoke.sh"; then echo "FAIL: fuzz smoke builds into \$SRC/build"; fail=1; fi
[ $fail -eq 0 ] && echo "ok: missing tools fail the tests that need them"
exit $fail
