#!/usr/bin/env bash
# TADAM on HDFS_v1 (2 % LogLead sample), issue 20 protocol: per seed, 60 % of the normal blocks
# (Fibonacci hash of the row number shifted by 7919 x seed) train `automata learn`, everything else (the
# other normal blocks and every anomaly) is scored with `automata score`; AUROC of bits_per_event
# for the default (timed) model and for `--untimed` (learn and score), plus the symbol and time
# parts of the default score, edges with their own time Gaussian, and learning time.
# The learner is the default one (its search sample: at most 20,000 sequences and 2,000 distinct
# words; the clean 60 % split, ~977 distinct words, is searched whole); LEARN_EXTRA adds options
# (e.g. "--max-words 0 --max-sequences 0": no sample).
# Usage: bench/tadam_hdfs.sh  (env: SEEDS="1 2 3" FRAC=0.6 JOBS=2 LEARN_EXTRA=). Time: ~10 s CPU per seed.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
DATA=${DATA:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
SEEDS=${SEEDS:-1 2 3}
FRAC=${FRAC:-0.6}
JOBS=${JOBS:-2}
LEARN_EXTRA=${LEARN_EXTRA:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/bench/tadam_hdfs_lib.sh"
echo "| seed | train / test blocks | default: AUROC | symbol part | edges (timed) | learn CPU s | --untimed: AUROC | edges | learn CPU s |"
echo "|---|---|---|---|---|---|---|---|---|"
for seed in $SEEDS; do
    hdfs_split "$DATA" "$seed" "$FRAC" "$T/train.csv" "$T/test.csv"
    ntr=$(($(wc -l <"$T/train.csv") - 1)); nte=$(($(wc -l <"$T/test.csv") - 1))
    for mode in default untimed; do
        x=""
        [ "$mode" = untimed ] && x=--untimed
        /usr/bin/time -f "%U" -o "$T/cpu_$mode" "$SECGEN" automata learn "$T/train.csv" -o "$T/m_$mode" --by none \
            -j "$JOBS" -q $x $LEARN_EXTRA
        "$SECGEN" automata score "$T/m_$mode/all.json" "$T/test.csv" -o "$T/s_$mode.csv" $x
    done
    awk -F, 'NR == 1 { print; next } { $5 = $10; $6 = $10 / ($3 + 1); print }' OFS=, "$T/s_default.csv" >"$T/sym.csv"
    ed=$(grep -c '"source"' "$T/m_default/all.json"); et=$(grep -c '"timed": true' "$T/m_default/all.json")
    eu=$(grep -c '"source"' "$T/m_untimed/all.json")
    echo "| $seed | $ntr / $nte | $(auroc "$T/s_default.csv" bits_per_event) | $(auroc "$T/sym.csv" bits_per_event) |" \
        "$ed ($et) | $(cat "$T/cpu_default") | $(auroc "$T/s_untimed.csv" bits_per_event) | $eu | $(cat "$T/cpu_untimed") |"
done
