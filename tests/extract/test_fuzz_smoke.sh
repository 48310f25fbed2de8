#!/usr/bin/env bash
# Fuzz smoke test: configures the `fuzz` CMake preset (clang, libFuzzer, ASan/UBSan) into
# fuzz-smoke/ inside the test's own build directory (the one holding $SECGEN; never the source
# tree), builds every fuzz/fuzz_*.c target and runs each for FUZZ_SECONDS (default 20) through
# scripts/fuzz-smoke.sh. Fails on any crash/leak/timeout, and when clang or its libFuzzer runtime
# is missing (scripts/install-deps.sh installs them: a silent skip would hide that nothing ran).
set -euo pipefail
src=${SRC:?SRC must point at the source tree}
bin=${SECGEN:?SECGEN must point at the secgen binary of the build under test}
secs=${FUZZ_SECONDS:-20}
if ! command -v clang >/dev/null 2>&1; then
  echo "FAIL: clang not installed; the fuzz smoke test needs clang with libFuzzer (scripts/install-deps.sh)"
  exit 1
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}\n' >"$probe/p.c"
if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
  echo "FAIL: clang cannot link -fsanitize=fuzzer (install libclang-rt-dev; scripts/install-deps.sh)"
  exit 1
fi
# every loader of untrusted input has a target and a seed corpus
shopt -s nullglob
for t in pcap flow_csv seq_csv fc_model tadam_model netcfg; do
  [ -f "$src/fuzz/fuzz_$t.c" ] || { echo "FAIL: no fuzz target fuzz/fuzz_$t.c"; exit 1; }
  seeds=("$src/fuzz/corpus/$t"/*)
  [ ${#seeds[@]} -gt 0 ] || { echo "FAIL: no seed corpus fuzz/corpus/$t/"; exit 1; }
done
shopt -u nullglob
build=$(cd "$(dirname "$bin")" && pwd)/fuzz-smoke
cd "$src" # presets are read from the source directory
# quiet configure/build; show output only on failure
if ! out=$(cd "$src" && cmake --preset fuzz -B "$build" 2>&1); then echo "$out"; exit 1; fi
if ! out=$(cmake --build "$build" -j2 2>&1); then echo "$out" | tail -40; exit 1; fi
exec "$src/scripts/fuzz-smoke.sh" "$build" "$secs"
