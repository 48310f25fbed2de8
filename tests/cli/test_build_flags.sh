#!/usr/bin/env bash
# Build policy (issue 15): the asan preset, which `make test` builds, treats warnings as errors,
# so a warning cannot land unnoticed. Checks the preset and, when this test runs from the asan
# build, that every compile command of the tree carries -Werror.
set -u
: "${SECGEN:?}" "${SRC:?}"
fail=0
/usr/bin/python3 - "$SRC/CMakePresets.json" <<'PY' || fail=1
import json, sys
p = json.load(open(sys.argv[1]))
asan = [c for c in p["configurePresets"] if c["name"] == "asan"][0]
if asan["cacheVariables"].get("SECGEN_WERROR") != "ON":
    print("FAIL: the asan preset does not set SECGEN_WERROR=ON"); sys.exit(1)
PY
grep -q 'add_compile_options(-Werror)' "$SRC/CMakeLists.txt" || { echo "FAIL: SECGEN_WERROR does not add -Werror"; fail=1; }
cc="$(dirname "$SECGEN")/compile_commands.json"
if grep -q "SECGEN_WERROR:BOOL=ON" "$(dirname "$SECGEN")/CMakeCache.txt" 2>/dev/null; then
  n=$(grep -c '"command"' "$cc"); w=$(grep '"command"' "$cc" | grep -c -- '-Werror')
  [ "$n" -gt 0 ] && [ "$n" -eq "$w" ] || { echo "FAIL: $w of $n compile commands carry -Werror"; fail=1; }
fi
[ $fail -eq 0 ] && echo "ok: asan preset builds with -Werror"
exit $fail
