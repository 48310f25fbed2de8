#!/usr/bin/env bash
# A service with a dozen short sequences still gets an automaton that accepts a word. With the
# soft-EM learner, MDL priced sending such words verbatim below any automaton and the search
# deleted edges until none was left (SMB, mDNS: 0 edges), which describes and generates nothing.
# A deletion is a candidate only when the final state stays reachable from the initial one.
set -u
: "${SECGEN:?}" "${SRC:?}" "${TMPDIR:=/tmp}"
T=$(mktemp -d "$TMPDIR/tadam_small.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for svc in smb mdns ntp; do
    "$SECGEN" automata sample "$SRC/models/automata/$svc.json" -n 12 -s 1 -o "$T/$svc.csv" || fail "sample $svc"
    "$SECGEN" automata learn "$T/$svc.csv" -o "$T/m_$svc" --by none --min-sequences 10 -s 1 -j 2 -q || fail "learn $svc"
    edges=$(python3 -c "import json, sys; print(len(json.load(open(sys.argv[1]))['edges']))" "$T/m_$svc/all.json") ||
        fail "$svc: unreadable automaton"
    [ "$edges" -gt 0 ] || fail "$svc: the learnt automaton has no edge (it accepts no word)"
    # and it generates words again
    "$SECGEN" automata sample "$T/m_$svc/all.json" -n 5 -s 2 -o "$T/re_$svc.csv" || fail "resample $svc"
    [ "$(tail -n +2 "$T/re_$svc.csv" | wc -l)" -eq 5 ] || fail "$svc: the learnt automaton sampled no words"
    echo "ok: $svc: $edges edges"
done
