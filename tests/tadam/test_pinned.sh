#!/usr/bin/env bash
# Byte-identical outputs: automata learn (with hold-out and subsample), score, sample and evaluate
# on fixed inputs and seeds give the files whose sha256 are pinned below. A refactoring must not
# change them; a deliberate change of the algorithm or the file format updates the pins in the
# same commit and says why (issue 16: structure changes are checked against these outputs).
# Updated for issue 20: the default learn searches the structure on symbols and keeps a time
# Gaussian per edge only where it pays (new "timed", "shared_counts", "shared_weight" fields), the
# score adds only the time bits beyond the shared time model (new CSV columns).
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
3bb16b627c7cc055b6680fc9614745e4406f55b2da754be899d8b22b1120c3ec  m/all.json
df6071085785cbdbe3ec34177a1fda5526f444e3a3758e25f9dd38151eca137d  m/index.json
31c64215e2940dc269792d3cc0e8e7e6efcb3e9e28c01ba347ff10ab5a5e1b37  scores.csv
cdbe59240eebbf79d7d3fc356bc5bcbe3a2f97e39913c2f416376a849b46ab6a  sample.csv
18583bb6f0e01d7514c53ee838270dfbb85e43a413b7d18ab13b17d8975f7680  fosr.json
6a3e4e31b54d57bc15cb2ebff3d568a6bd1808660261118561b9e7b56583fa11  eval_scores.csv
31de567d7edfa25b4eacdaaed1090337c6266cd17d48680372c8de6a584b06f8  eval.txt
PINS
diff want.sha got.sha >/dev/null || { diff want.sha got.sha >&2; fail "outputs differ from the pinned ones"; }
echo ok
