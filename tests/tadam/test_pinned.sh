#!/usr/bin/env bash
# Byte-identical outputs: automata learn (with hold-out and subsample), score, sample and evaluate
# on fixed inputs and seeds give the files whose sha256 are pinned below. A refactoring must not
# change them; a deliberate change of the algorithm or the file format updates the pins in the
# same commit and says why (issue 16: structure changes are checked against these outputs).
set -u
: "${SECGEN:?}" "${SHARED:?}" "${TMPDIR:=/tmp}"
T=$(mktemp -d "$TMPDIR/tadam_pin.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$T" || exit 1
HDFS=$SHARED/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv
[ -r "$HDFS" ] || fail "missing $HDFS"
head -601 "$HDFS" >hdfs.csv
# models record the input file name: relative names keep them independent of $TMPDIR
"$SECGEN" automata learn hdfs.csv -o m --by none --max-sequences 300 --max-iters 15 --holdout 0.2 -s 5 -j 2 -q ||
    fail "learn"
"$SECGEN" automata score m/all.json hdfs.csv -o scores.csv || fail "score"
"$SECGEN" automata sample m/all.json -n 200 -s 9 -o sample.csv || fail "sample"
"$SECGEN" automata convert m/all.json fosr.json --to fosr || fail "convert"
"$SECGEN" automata evaluate hdfs.csv -s 3 --max-train 200 --max-iters 10 --baseline bigram --noise 0.05 -j 2 -q \
    --scores-out eval_scores.csv | sed -n '/AUROC/p' >eval.txt || fail "evaluate"
sha256sum m/all.json m/index.json scores.csv sample.csv fosr.json eval_scores.csv eval.txt >got.sha
cat >want.sha <<'PINS'
8075caa9a23c0002387ba7471c6e7191eee121e04a99a4952fc267a314a27b00  m/all.json
7bf78f2a1462c9dfbe7a6179d5bf91c0a83aa308b9e39b33298dfeba93605f51  m/index.json
05074ba8cb69b9811c9b36d3c1a17e1f2a5f7c6b60e8ec78a1575ce7e28086b4  scores.csv
921113a3ba993388e8ee38a4ea0af8ad4d3ce2a0562b8aca30f7f18a973470cf  sample.csv
eafcb5a7303d533b1e80b37f82f661a984e6a241ee3c4a347dcc4a7f6beef494  fosr.json
d5f362f71d6dfca671539c93b5e20ab1b8055402aa8db5bd1fa1d3e72ad3373b  eval_scores.csv
91dcaffde595aba1e9892e057f443b585eb200f4ffc89129dd65506dc26a314d  eval.txt
PINS
diff want.sha got.sha >/dev/null || { diff want.sha got.sha >&2; fail "outputs differ from the pinned ones"; }
echo ok
