#!/usr/bin/env bash
# A service with a dozen short sequences still gets an automaton that accepts a word. With the
# soft-EM learner, MDL priced sending such words verbatim below any automaton and the search
# deleted edges until none was left (SMB, mDNS: 0 edges), which describes and generates nothing.
# A deletion is a candidate only when the final state stays reachable from the initial one.
# DHCP and SSDP lost every edge by another route: the MDL optimum sends all 12 words verbatim.
# The minimum-structure rule then learns again with every word parsed or repaired; --max-verbatim 1
# keeps the MDL optimum.
set -u
: "${SECGEN:?}" "${SRC:?}" "${TMPDIR:=/tmp}"
T=$(mktemp -d "$TMPDIR/tadam_small.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for svc in smb mdns ntp dhcp ssdp; do
    "$SECGEN" automata sample "$SRC/models/automata/$svc.json" -n 12 -s 1 -o "$T/$svc.csv" || fail "sample $svc"
    "$SECGEN" automata learn "$T/$svc.csv" -o "$T/m_$svc" --by none --min-sequences 10 -s 1 -j 2 -q || fail "learn $svc"
    edges=$(python3 -c "import json, sys; print(len(json.load(open(sys.argv[1]))['edges']))" "$T/m_$svc/all.json") ||
        fail "$svc: unreadable automaton"
    [ "$edges" -gt 0 ] || fail "$svc: the learnt automaton has no edge (it accepts no word)"
    verb=$(python3 -c "import json, sys; t = json.load(open(sys.argv[1]))['training']; print(t['uncorrected'], t['sequences'])" \
        "$T/m_$svc/all.json") || fail "$svc: no training counts"
    set -- $verb
    [ $((2 * $1)) -le "$2" ] || fail "$svc: $1 of $2 training words sent verbatim (minimum-structure rule)"
    # and it generates words again
    "$SECGEN" automata sample "$T/m_$svc/all.json" -n 5 -s 2 -o "$T/re_$svc.csv" || fail "resample $svc"
    [ "$(tail -n +2 "$T/re_$svc.csv" | wc -l)" -eq 5 ] || fail "$svc: the learnt automaton sampled no words"
    echo "ok: $svc: $edges edges"
done
# the rule is visible in the model file and its summary, and --max-verbatim 1 turns it off
"$SECGEN" automata learn "$T/dhcp.csv" -o "$T/pure" --by none --min-sequences 10 -s 1 -j 2 -q --max-verbatim 1 || fail "learn --max-verbatim 1"
python3 - "$T/m_dhcp/all.json" "$T/pure/all.json" <<'PY' || fail "minimum-structure fields"
import json, sys
rule, pure = (json.load(open(p)) for p in sys.argv[1:3])
r, p = rule["training"], pure["training"]
# the rule fired (the MDL optimum sent most words verbatim) and --max-verbatim 1 kept that optimum
assert r["verbatim"] is False and 2 * r["mdl_verbatim"] > r["sequences"] and r["uncorrected"] == 0, r
assert "verbatim" not in p and p["uncorrected"] == r["mdl_verbatim"], p
print(r["mdl_verbatim"], r["sequences"], file=open(sys.argv[2] + ".n", "w"))
PY
read -r nv ns < "$T/pure/all.json.n"
"$SECGEN" automata show "$T/m_dhcp/all.json" | grep -q "minimum structure: every word parsed or repaired (the MDL optimum sent $nv of $ns verbatim)" ||
    fail "automata show does not say the rule was applied"
echo "ok: minimum-structure rule"
# a share outside [0,1] is a usage error
"$SECGEN" automata learn "$T/dhcp.csv" -o "$T/bad" --by none -q --max-verbatim 1.5 2> "$T/err"
[ $? -eq 2 ] && grep -q "max-verbatim" "$T/err" || fail "--max-verbatim 1.5 is not a usage error"
echo "ok: --max-verbatim checked"
