#!/usr/bin/env bash
# secgen automata: learn / show / score / sample / convert / evaluate end to end, determinism
# across -j and seeds, and clear errors on bad input.
set -u
: "${SECGEN:?}" "${TMPDIR:=/tmp}"
T=$(mktemp -d "$TMPDIR/tadam_cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-rc description command...
    local want=$1 what=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "$what: exit $rc, expected $want"; }
}

# --- a small TCP sequence file: handshake, request/response loops, close; some noise --------------
{
    echo "flow_id,proto,service_port,n,symbols,iat_us,payload"
    for i in $(seq 1 60); do
        k=$(( i % 3 + 1 ))
        syms=">S <SA >A"; iats="0 $((20000 + i)) 150"; pays="0 0 0"; n=3
        for j in $(seq 1 $k); do
            syms="$syms >PA <PA"; iats="$iats $((300 + j)) $((40000 + 7 * i))"; pays="$pays $((200 + i % 5)) 1448"; n=$((n + 2))
        done
        if [ $((i % 11)) -eq 0 ]; then syms="$syms <PA"; iats="$iats 5"; pays="$pays 1448"; n=$((n + 1)); fi # retransmission
        syms="$syms >FA <FA >A"; iats="$iats 900 300 80"; pays="$pays 0 0 0"; n=$((n + 3))
        echo "f$i,TCP,80,$n,$syms,$iats,$pays"
    done
    for i in $(seq 1 30); do
        echo "d$i,UDP,53,2,> <,0 $((3000 + i)),$((30 + i % 4)) $((90 + i % 7))"
    done
} >"$T/seq.csv"

expect_rc 0 "learn" "$SECGEN" automata learn "$T/seq.csv" -o "$T/m1" -j 1 -s 3 --quiet
[ -f "$T/m1/http.json" ] && [ -f "$T/m1/dns.json" ] && [ -f "$T/m1/index.json" ] || fail "learn outputs missing"
grep -q '"format": "secgen-automaton"' "$T/m1/http.json" || fail "model format tag"
grep -q '"mdl"' "$T/m1/http.json" || fail "MDL breakdown missing"
expect_rc 0 "learn -j2" "$SECGEN" automata learn "$T/seq.csv" -o "$T/m2" -j 2 -s 3 --quiet
cmp -s "$T/m1/http.json" "$T/m2/http.json" || fail "model differs between -j 1 and -j 2"
cmp -s "$T/m1/index.json" "$T/m2/index.json" || fail "index differs between -j 1 and -j 2"
# --no-cleanup (issue 20 item 2: generator automata skip the clean-up after the search): accepted,
# and the default learner's description length is never above it (the clean-up only applies
# deletions its full evaluation prices as improving)
expect_rc 0 "learn --no-cleanup" "$SECGEN" automata learn "$T/seq.csv" -o "$T/m3" -j 1 -s 3 --quiet --no-cleanup
for g in http dns; do
    b1=$(sed -n 's/.*"total_bits": \([0-9.eE+-]*\).*/\1/p' "$T/m1/$g.json" | head -1)
    b3=$(sed -n 's/.*"total_bits": \([0-9.eE+-]*\).*/\1/p' "$T/m3/$g.json" | head -1)
    [ -n "$b1" ] && [ -n "$b3" ] || fail "$g: total_bits missing"
    awk -v a="$b1" -v b="$b3" 'BEGIN { exit !(a <= b + 1e-6) }' || fail "$g: the clean-up raised the description length ($b3 -> $b1)"
done

expect_rc 0 "show" "$SECGEN" automata show "$T/m1/http.json"
grep -q "states" "$T/out" || fail "show prints a summary"
expect_rc 0 "show --dot" "$SECGEN" automata show --dot "$T/m1/http.json"
grep -q "^digraph" "$T/out" || fail "dot output"

# score with a directory: each sequence picks its service automaton
expect_rc 0 "score dir" "$SECGEN" automata score "$T/m1" "$T/seq.csv" -o "$T/scores.csv"
[ "$(wc -l <"$T/scores.csv")" -eq 91 ] || fail "one score line per sequence"
grep -q "^f1,.*,http," "$T/scores.csv" || fail "http automaton used for port 80"
grep -q "^d1,.*,dns," "$T/scores.csv" || fail "dns automaton used for port 53"
# an anomalous sequence scores higher per event than a normal one; unknown symbols are fine
{
    echo "flow_id,proto,service_port,n,symbols,iat_us,payload"
    echo "ok,TCP,80,8,>S <SA >A >PA <PA >FA <FA >A,0 20001 150 301 40007 900 300 80,0 0 0 201 1448 0 0 0"
    echo "bad,TCP,80,5,>R <R >XYZ >PA >PA,0 5 5 5 5,0 0 0 10 10"
    echo "empty,TCP,80,0,,,"
} >"$T/test.csv"
expect_rc 0 "score unknown symbols" "$SECGEN" automata score "$T/m1/http.json" "$T/test.csv" -o "$T/s2.csv"
ok=$(awk -F, '$1=="ok"{print $6}' "$T/s2.csv"); bad=$(awk -F, '$1=="bad"{print $6}' "$T/s2.csv")
awk -v a="$ok" -v b="$bad" 'BEGIN{exit !(b > a)}' || fail "anomalous sequence should cost more per event ($bad vs $ok)"
awk -F, '$1=="bad"{exit !($8 >= 1)}' "$T/s2.csv" || fail "unknown symbols counted"
expect_rc 0 "score --untimed" "$SECGEN" automata score --untimed "$T/m1/http.json" "$T/test.csv" -o "$T/s3.csv"

# sampling: deterministic per seed, different across seeds, symbols from the model
expect_rc 0 "sample" "$SECGEN" automata sample "$T/m1/http.json" -n 50 -s 7 -o "$T/a.csv"
expect_rc 0 "sample again" "$SECGEN" automata sample "$T/m1/http.json" -n 50 -s 7 -o "$T/b.csv"
expect_rc 0 "sample seed 8" "$SECGEN" automata sample "$T/m1/http.json" -n 50 -s 8 -o "$T/c.csv"
cmp -s "$T/a.csv" "$T/b.csv" || fail "sampling not deterministic"
cmp -s "$T/a.csv" "$T/c.csv" && fail "different seeds gave identical samples"
[ "$(wc -l <"$T/a.csv")" -eq 51 ] || fail "sample -n 50 rows"
grep -q ">S" "$T/a.csv" || fail "samples contain the handshake"
expect_rc 0 "sample conditioned" "$SECGEN" automata sample "$T/m1/http.json" -n 5 -s 1 --fwd 6 --bwd 5 -o "$T/d.csv"
expect_rc 0 "sampled sequences score" "$SECGEN" automata score "$T/m1/http.json" "$T/a.csv" -o "$T/s4.csv"

# Fos-R export/import round trip (learn --format fosr, convert both ways, show/sample --format fosr)
expect_rc 0 "convert to fosr" "$SECGEN" automata convert "$T/m1/http.json" "$T/http_fosr.json" --to fosr
grep -q '"accepting_state"' "$T/http_fosr.json" || fail "fosr export"
grep -q '_>_' "$T/http_fosr.json" || fail "fosr symbol grammar"
expect_rc 0 "show fosr" "$SECGEN" automata show --format fosr "$T/http_fosr.json"
expect_rc 0 "convert back" "$SECGEN" automata convert "$T/http_fosr.json" "$T/http_back.json" --to secgen
expect_rc 0 "sample fosr" "$SECGEN" automata sample "$T/http_fosr.json" -n 5 -s 1 -o "$T/e.csv"
n1=$(grep -c '"source"' "$T/m1/http.json"); n2=$(grep -c '"source"' "$T/http_back.json")
[ "$n1" -eq "$n2" ] || fail "edge count changed in the Fos-R round trip ($n1 vs $n2)"
expect_rc 0 "learn --format fosr" "$SECGEN" automata learn "$T/seq.csv" -o "$T/mf" --format fosr --quiet
grep -q '"accepting_state"' "$T/mf/http.json" || fail "learn --format fosr"

# --by none / port, min-sequences, no noise model
expect_rc 0 "learn --by none" "$SECGEN" automata learn "$T/seq.csv" -o "$T/m3" --by none --no-noise-model --quiet
[ -f "$T/m3/all.json" ] || fail "--by none writes all.json"
expect_rc 0 "learn --by port" "$SECGEN" automata learn "$T/seq.csv" -o "$T/m4" --by port --quiet
[ -f "$T/m4/tcp-80.json" ] || fail "--by port names"
expect_rc 1 "min-sequences too high" "$SECGEN" automata learn "$T/seq.csv" -o "$T/m5" --min-sequences 1000 --quiet
grep -q "at least" "$T/err" || fail "min-sequences message"

# --- bad input ------------------------------------------------------------------------------
: >"$T/empty.csv"
expect_rc 1 "empty file" "$SECGEN" automata learn "$T/empty.csv" -o "$T/x" --quiet
echo "flow_id,proto,service_port,n,symbols,iat_us,payload" >"$T/hdr.csv"
expect_rc 1 "header only" "$SECGEN" automata learn "$T/hdr.csv" -o "$T/x" --quiet
printf 'flow_id,proto,service_port,n,symbols,iat_us,payload\nf,TCP,80,3,>S <SA,0 1,0 0\n' >"$T/badn.csv"
expect_rc 1 "n mismatch" "$SECGEN" automata learn "$T/badn.csv" -o "$T/x" --quiet
printf 'flow_id,proto,service_port,n,symbols,iat_us,payload\nf,TCP,80,1,>S,99999999999999999999999,0\n' >"$T/huge.csv"
expect_rc 1 "huge value" "$SECGEN" automata learn "$T/huge.csv" -o "$T/x" --quiet
printf '{"format":"secgen-automaton","version":1,"alphabet":["$"' >"$T/trunc.json"
expect_rc 1 "truncated model" "$SECGEN" automata show "$T/trunc.json"
grep -q "trunc.json" "$T/err" || fail "error names the model file"
echo '{"format":"secgen-automaton","version":1,"alphabet":["$","a"],"states":3,"initial_state":0,"final_state":1,"edges":[{"source":0,"symbol":"a","target":2,"probability":1}]}' >"$T/nogauss.json"
expect_rc 1 "edge without gaussian" "$SECGEN" automata score "$T/nogauss.json" "$T/seq.csv" -o "$T/x.csv"
[ -e "$T/x.csv" ] && fail "no output on failure"
: >"$T/empty.json"
expect_rc 1 "empty model" "$SECGEN" automata sample "$T/empty.json" -n 1 -o "$T/x.csv"
expect_rc 1 "missing model" "$SECGEN" automata show "$T/nope.json"
expect_rc 2 "no action" "$SECGEN" automata
expect_rc 2 "bad action" "$SECGEN" automata frobnicate
expect_rc 2 "learn without -o" "$SECGEN" automata learn "$T/seq.csv"
expect_rc 2 "bad --by" "$SECGEN" automata learn "$T/seq.csv" -o "$T/x" --by colour
expect_rc 2 "sample without -n" "$SECGEN" automata sample "$T/m1/http.json"
expect_rc 2 "bad -n" "$SECGEN" automata sample "$T/m1/http.json" -n -3
expect_rc 2 "convert without --to" "$SECGEN" automata convert "$T/m1/http.json" "$T/y.json"
expect_rc 2 "bad noise ops" "$SECGEN" automata learn "$T/seq.csv" -o "$T/x" --noise-ops add,teleport
expect_rc 2 "bad --max-words" "$SECGEN" automata learn "$T/seq.csv" -o "$T/x" --max-words -5
grep -q -- "--max-words" "$T/err" || fail "bad --max-words not named"
expect_rc 2 "bad --max-words value" "$SECGEN" automata evaluate "$T/seq.csv" --max-words lots
grep -q -- "--max-words" "$T/err" || fail "evaluate: bad --max-words not named"
expect_rc 2 "bad --max-sequences" "$SECGEN" automata evaluate "$T/seq.csv" --max-sequences -1
expect_rc 0 "help" "$SECGEN" automata --help

# --- evaluate on a slice of HDFS (labels, split, AUROC computed in C) -----------------------------
H="${SHARED:-}/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv"
if [ -f "$H" ]; then
    head -1200 "$H" >"$T/hdfs.csv"
    expect_rc 0 "evaluate hdfs slice" "$SECGEN" automata evaluate "$T/hdfs.csv" -s 1 --max-iters 3 --baseline bigram --quiet
    grep -q "AUROC" "$T/out" || fail "evaluate prints AUROC"
    expect_rc 0 "evaluate with noise" "$SECGEN" automata evaluate "$T/hdfs.csv" -s 1 --max-iters 2 --noise 0.1 --untimed --quiet
    # the search sample: noise makes every word distinct, the word budget then caps the sequences
    expect_rc 0 "evaluate with a word budget" "$SECGEN" automata evaluate "$T/hdfs.csv" -s 1 --max-iters 2 --noise 0.2 \
        --untimed --max-words 100 --quiet
    grep -qE "^tadam search sample: [0-9]+ of the [0-9]+ sequences, 100 distinct words" "$T/out" ||
        { cat "$T/out" >&2; fail "evaluate does not report its search sample"; }
    n_s=$(sed -nE 's/^tadam search sample: ([0-9]+) of the ([0-9]+) .*/\1 \2/p' "$T/out")
    set -- $n_s
    [ "$1" -lt "$2" ] || fail "a 100-word budget kept all $2 noisy sequences"
    expect_rc 1 "evaluate unlabelled" "$SECGEN" automata evaluate "$T/seq.csv" --quiet
fi
echo "ok"
