#!/usr/bin/env bash
# automata score: the scores CSV keeps its columns and gives the symbol and time parts apart
# (issue 20): symbol_bits + time_bits = code_bits, bits = symbol_bits + max(0, time_bits -
# time_null_bits) and bits_per_event = bits / (n + 1); --untimed has no time part; the learnt file
# says per edge whether its time Gaussian paid for itself ("timed") and holds the shared model.
set -u
: "${SECGEN:?}" "${SHARED:?}" "${TMPDIR:=/tmp}"
T=$(mktemp -d "$TMPDIR/tadam_cols.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
HDFS=$SHARED/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv
[ -r "$HDFS" ] || fail "missing $HDFS"
head -401 "$HDFS" >"$T/h.csv"
"$SECGEN" automata learn "$T/h.csv" -o "$T/m" --by none --max-iters 10 -j 2 -q || fail "learn"
grep -q '"shared_counts"' "$T/m/all.json" || fail "no shared time model in the automaton"
grep -q '"timed": true' "$T/m/all.json" || fail "no edge keeps its time Gaussian"
grep -q '"timed": false' "$T/m/all.json" || fail "no edge drops its time Gaussian (HDFS has edges whose IATs are all 0 s or spread)"
"$SECGEN" automata score "$T/m/all.json" "$T/h.csv" -o "$T/s.csv" || fail "score"
head -1 "$T/s.csv" | grep -qx 'id,label,n,automaton,bits,bits_per_event,repairs,unknown_symbols,status,symbol_bits,time_bits,time_null_bits,code_bits' ||
    fail "score header: $(head -1 "$T/s.csv")"
awk -F, 'NR > 1 {
    ex = $11 - $12; if (ex < 0) ex = 0
    if (($10 + $11 - $13)^2 > 1e-6 || ($10 + ex - $5)^2 > 1e-6 || ($5 / ($3 + 1) - $6)^2 > 1e-8) { print "row " NR ": " $0; bad++ }
    if ($11 > 0) timed++
} END { if (bad || !timed) exit 1 }' "$T/s.csv" || fail "score columns do not add up"
"$SECGEN" automata score "$T/m/all.json" "$T/h.csv" -o "$T/u.csv" --untimed || fail "score --untimed"
awk -F, 'NR > 1 && ($11 != 0 || $12 != 0 || ($5 - $10)^2 > 1e-6) { exit 1 }' "$T/u.csv" || fail "--untimed has a time part"
# learn --untimed: the same structure (the default search is on symbols too), no time model kept,
# so its default score is the symbols-only score of the default automaton
"$SECGEN" automata learn "$T/h.csv" -o "$T/mu" --by none --max-iters 10 -j 2 -q --untimed || fail "learn --untimed"
grep -q '"timed": true' "$T/mu/all.json" && fail "learn --untimed kept a time Gaussian"
[ "$(grep -c '"source"' "$T/mu/all.json")" = "$(grep -c '"source"' "$T/m/all.json")" ] || fail "--untimed changed the structure"
"$SECGEN" automata score "$T/mu/all.json" "$T/h.csv" -o "$T/su.csv" || fail "score untimed model"
cut -d, -f1-9 "$T/su.csv" | cmp -s - <(cut -d, -f1-9 "$T/u.csv") || fail "untimed model's score differs from score --untimed"
# --timed-search (the previous default) still learns, and gives the same automaton on any thread
# count (its scratch Gaussians once priced values with an uninitialised mixture weight: -j 2 gave
# a different automaton on every run of this slice)
head -1201 "$HDFS" >"$T/h12.csv"
for j in 1 2 2; do
    "$SECGEN" automata learn "$T/h12.csv" -o "$T/mt$j" --by none --max-iters 8 -j $j -q --timed-search || fail "learn --timed-search -j $j"
    cmp -s "$T/mt1/all.json" "$T/mt$j/all.json" || fail "learn --timed-search -j $j differs from -j 1"
done
echo ok
