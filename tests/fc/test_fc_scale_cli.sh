#!/usr/bin/env bash
# secgen learn --chunk / --sample (docs/flowchronicle.md "Scaling"): usage errors, the chunked and
# sampled modes recorded in the model, a model that compresses, identical for -j 1 and -j 2.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # desc expected_rc cmd...
  local desc=$1 want=$2; shift 2
  "$@" >"$T/out" 2>&1; local rc=$?
  if [ "$rc" -ne "$want" ]; then echo "FAIL: $desc (rc=$rc, want $want)"; cat "$T/out"; fail=1; else echo "ok: $desc"; fi
}
check "flows from the embedded model" 0 "$SECGEN" generate -n 3000 -s 3 --flows-out "$T/f.csv" -q
check "--chunk below 256 is a usage error" 2 "$SECGEN" learn "$T/f.csv" -o "$T/m.json" --chunk 100
check "--sample abc is a usage error" 2 "$SECGEN" learn "$T/f.csv" -o "$T/m.json" --sample abc
check "sampled learn -j 1" 0 "$SECGEN" learn "$T/f.csv" -o "$T/s1.json" --chunk 512 --sample 2048 -j 1 -q
check "sampled learn -j 2" 0 "$SECGEN" learn "$T/f.csv" -o "$T/s2.json" --chunk 512 --sample 2048 -j 2 -q
grep -v '"seconds"' "$T/s1.json" >"$T/s1n"; grep -v '"seconds"' "$T/s2.json" >"$T/s2n"
cmp -s "$T/s1n" "$T/s2n" && echo "ok: sampled model identical for -j 1 / -j 2" || { echo "FAIL: sampled models differ across -j"; fail=1; }
check "chunked learn" 0 "$SECGEN" learn "$T/f.csv" -o "$T/c.json" --chunk 1024 --sample off -j 2 -q
check "exact learn" 0 "$SECGEN" learn "$T/f.csv" -o "$T/e.json" --chunk off -q
python3 - "$T/s1.json" "$T/c.json" "$T/e.json" <<'PY' || fail=1
import json, sys
s, c, e = (json.load(open(p)) for p in sys.argv[1:])
ok = True
def want(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok &= cond
want(s["learning"].get("sample_flows") == 2048 and s["learning"].get("chunk_flows") == 512, "sampled model records sample_flows 2048, chunk_flows 512")
want("sample_flows" not in c["learning"] and c["learning"].get("chunk_flows") == 1024, "chunked model records chunk_flows only")
want("chunk_flows" not in e["learning"] and "sample_flows" not in e["learning"], "exact model records neither")
for name, m in (("sampled", s), ("chunked", c), ("exact", e)):
    dl = m["description_length_bits"]
    want(m["learning"]["patterns"] >= 5 and dl["total"] < dl["without_patterns"], f"{name} model compresses ({dl['total']:.0f} < {dl['without_patterns']:.0f} bits)")
sys.exit(0 if ok else 1)
PY
check "sampled model generates" 0 "$SECGEN" generate -m "$T/s1.json" -n 500 --flows-out "$T/g.csv" -q
exit $fail
