#!/usr/bin/env bash
# Runs every libFuzzer target fuzz/fuzz_<name>.c (built in BUILD_DIR, e.g. by the `fuzz` CMake
# preset) for SECONDS each, starting from its seed corpus fuzz/corpus/<name>/ (copied: the
# repository's corpus is never modified). Fails on the first crash, leak, timeout or OOM.
# usage: scripts/fuzz-smoke.sh BUILD_DIR SECONDS
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR SECONDS" >&2; exit 2; }
build=$(cd "$1" && pwd) secs=$2
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shopt -s nullglob
targets=("$src"/fuzz/fuzz_*.c)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-smoke: no fuzz/fuzz_*.c targets" >&2; exit 1; }
status=0
for t in "${targets[@]}"; do
  name=$(basename "$t" .c)
  bin=$build/$name
  if [ ! -x "$bin" ]; then echo "fuzz-smoke: $bin not built" >&2; status=1; continue; fi
  corpus=$work/${name#fuzz_}
  mkdir -p "$corpus"
  seeds=$src/fuzz/corpus/${name#fuzz_}
  [ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/
  echo "fuzz-smoke: $name for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
  # reproducers go to BUILD_DIR/fuzz-artifacts/ (kept: the work directory is removed on exit)
  art=$build/fuzz-artifacts
  mkdir -p "$art"
  if ! (cd "$work" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/$name-" "$corpus" >"$work/$name.log" 2>&1); then
    echo "fuzz-smoke: $name FAILED; last lines of its log:" >&2
    tail -40 "$work/$name.log" >&2
    cp "$work/$name.log" "$art/" 2>/dev/null || true
    ls "$art"/"$name"-* 2>/dev/null >&2 || true
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$work/$name.log" | tr '\n' ' '; echo
  fi
done
exit $status
