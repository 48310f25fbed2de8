#!/usr/bin/env bash
# secgen automata evaluate --baseline hmm,alergia (the paper's Table 3 baselines): rows and learner
# lines printed, per-sequence scores in the scores CSV, identical for -j 1 and -j 2, fixed HMM size,
# and usage errors for bad baselines and parameters.
set -u
: "${SECGEN:?}" "${TMPDIR:=/tmp}"
T=$(mktemp -d "$TMPDIR/tadam_base.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-rc description command...
    local want=$1 what=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "$what: exit $rc, expected $want"; }
}
H="${SHARED:-}/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv"
[ -f "$H" ] || { echo "skip: no HDFS data"; exit 0; }
head -1200 "$H" >"$T/hdfs.csv"
for j in 1 2; do
    expect_rc 0 "evaluate -j $j" "$SECGEN" automata evaluate "$T/hdfs.csv" -s 2 --max-iters 2 --untimed -q -j $j \
        --baseline hmm,alergia --baseline bigram --hmm-max-states 4 --scores-out "$T/s$j.csv"
    grep -v -e "learnt in" -e "^scoring:" "$T/out" >"$T/o$j.txt"
    cp "$T/out" "$T/full$j.txt"
done
for r in "hmm bits" "hmm bits/event" "alergia bits" "alergia bits/event" "bigram bits/event"; do
    grep -qE "^$r +AUROC 0\.[0-9]{4} " "$T/o1.txt" || { cat "$T/o1.txt" >&2; fail "no '$r' AUROC row"; }
done
for m in tadam bigram hmm alergia; do
    grep -q "^learner $m " "$T/full1.txt" || fail "no learner line for $m"
done
grep -qE "^learner hmm +[124] states .*held-out bits/event by states: 1:[0-9.]+ 2:" "$T/full1.txt" ||
    { cat "$T/full1.txt" >&2; fail "hmm size search not reported"; }
grep -qE "^learner alergia +[0-9]+ states +[0-9]+ edges .*alpha 0.05; prefix tree [0-9]+ states" "$T/full1.txt" ||
    fail "alergia line"
cmp -s "$T/o1.txt" "$T/o2.txt" || { diff "$T/o1.txt" "$T/o2.txt" >&2; fail "-j 1 and -j 2 differ"; }
cmp -s "$T/s1.csv" "$T/s2.csv" || fail "scores CSV differs between -j 1 and -j 2"
head -1 "$T/s1.csv" | grep -q ",hmm_bits,alergia_bits$" || fail "scores CSV header: $(head -1 "$T/s1.csv")"
[ "$(wc -l <"$T/s1.csv")" -eq 1200 ] || fail "scores CSV rows"
awk -F, 'NR > 1 && !($(NF-1) > 0 && $NF > 0 && $(NF-1) < 1e6 && $NF < 1e6) { bad++ } END { exit bad > 0 }' "$T/s1.csv" ||
    fail "non-finite or non-positive baseline bits"
# fixed HMM size; an unlisted baseline adds no column
expect_rc 0 "fixed hmm size" "$SECGEN" automata evaluate "$T/hdfs.csv" -s 2 --max-iters 1 --untimed -q \
    --baseline hmm --hmm-states 3 --scores-out "$T/s3.csv"
grep -qE "^learner hmm +3 states .*\(fixed size\)" "$T/out" || { cat "$T/out" >&2; fail "--hmm-states 3"; }
head -1 "$T/s3.csv" | grep -q ",hmm_bits$" || fail "hmm only: header $(head -1 "$T/s3.csv")"
grep -q "alergia" "$T/out" && fail "alergia ran without being asked"
# usage errors
expect_rc 2 "unknown baseline" "$SECGEN" automata evaluate "$T/hdfs.csv" --baseline hmm,rti -q
grep -q "unknown baseline 'rti'" "$T/err" || fail "unknown baseline not named: $(cat "$T/err")"
expect_rc 2 "alpha 1" "$SECGEN" automata evaluate "$T/hdfs.csv" --baseline alergia --alergia-alpha 1 -q
expect_rc 2 "alpha text" "$SECGEN" automata evaluate "$T/hdfs.csv" --baseline alergia --alergia-alpha x -q
expect_rc 2 "max states 0" "$SECGEN" automata evaluate "$T/hdfs.csv" --baseline hmm --hmm-max-states 0 -q
expect_rc 2 "negative states" "$SECGEN" automata evaluate "$T/hdfs.csv" --baseline hmm --hmm-states -1 -q
echo "ok"
