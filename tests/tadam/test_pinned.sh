#!/usr/bin/env bash
# Byte-identical outputs: automata learn (with hold-out and subsample), score, sample and evaluate
# on fixed inputs and seeds give the files whose sha256 are pinned below. A refactoring must not
# change them; a deliberate change of the algorithm or the file format updates the pins in the
# same commit and says why (issue 16: structure changes are checked against these outputs).
# Updated for issue 20: the default learn searches the structure on symbols and keeps a time
# Gaussian per edge only where it pays (new "timed", "shared_counts", "shared_weight" fields), the
# score adds only the time bits beyond the shared time model (new CSV columns).
# Updated for issue 20 item 2: the symbols-only search prices unmatched words by the repair summed
# over every alignment and learns the noise probabilities by soft EM over every word (different
# pi, hence automata, scores and samples).
# Updated for issue 20 item 2 (learning time): the first fixed-level round of the noise phase may
# apply several improving edge deletions in one step (different automata). The incremental
# screening changes nothing; the forward pass's 30-bit beam and sparse deletion closure move the
# learnt pi in its 10th digit (same automaton and description length here), which the files print,
# and which flips the best repair of a few words between equal-cost repairs (a few events move
# between edges' value statistics: different Gaussians, samples and scores).
# Updated for issue 20 item 2 (learning time under noise, fourth round): a cost evaluation runs
# at most 2 EM iterations instead of 3 (different pi and automata here; on clean HDFS the same
# automata). The search sample by distinct words changes nothing here (300 and 200 sequences).
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
40797178861aa5ea601c88c45402cc01def686093da81290b28d7c652cf98299  m/all.json
9237e2aea093f136ac2c2acecf3d9920a5f866e1e832f7b5d3ba7b20b927537c  m/index.json
4c458480d4e547c1183e79e947121ee7ed7e5ece572fcbd0847bc534521266d4  scores.csv
bad9edb9e248539e653ff56ecae74795c69c6fc2c77d8e2a47bf04f17f69e90c  sample.csv
a5bd600ef7c9534fd055cf73829c9987488ab54064f79f4bf37af8c276d6ee50  fosr.json
0d309485845a3ac3db31e2b9111b4276e30258868c99800bb9d6ff857ad4048a  eval_scores.csv
005c46d9c4a6c9b92a55b79527583a76296f841083ac5125d9d4b6c71f8e6810  eval.txt
PINS
diff want.sha got.sha >/dev/null || { diff want.sha got.sha >&2; fail "outputs differ from the pinned ones"; }
echo ok
