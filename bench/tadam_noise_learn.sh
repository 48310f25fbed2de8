#!/usr/bin/env bash
# Noise robustness through the user's commands (issue 20 item 2, the issue's own protocol): per seed,
# the 60 % HDFS split of bench/tadam_hdfs.sh; RATES of noise injected into the training file
# (deletions, duplicates, swaps with the next event, a third each per event, by a seeded Python
# draw: not sg_tadam_inject_noise, so a second, independent injector), then the default
# `automata learn` (timed, its search sample) and `automata score` of the untouched test blocks.
# Prints per seed and rate: blocks searched, edges (and the ratio to the clean model's), the
# learnt noise probabilities against the injected rate/3, AUROC of bits_per_event, learning CPU
# seconds (-j 1) and its ratio to the clean learning's (the target: <= 2x).
# Usage: bench/tadam_noise_learn.sh  (env: SEEDS="1 2 3" RATES="0 0.1 0.2" FRAC=0.6)
# Time: ~45 s CPU per seed (2026-12-07).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
DATA=${DATA:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
SEEDS=${SEEDS:-1 2 3}
RATES=${RATES:-0 0.1 0.2}
FRAC=${FRAC:-0.6}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/bench/tadam_hdfs_lib.sh"
echo "| seed | noise | searched | edges | edges / clean | est. del | est. dup | est. swap | injected each | AUROC | learn CPU s | CPU / clean |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for seed in $SEEDS; do
    hdfs_split "$DATA" "$seed" "$FRAC" "$T/train.csv" "$T/test.csv"
    clean_edges="" clean_cpu=""
    for rate in $RATES; do
        /usr/bin/python3 - "$T/train.csv" "$T/noisy.csv" "$rate" "$seed" <<'PY'
import csv, random, sys
src, dst, rate, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
with open(src) as f, open(dst, "w") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    w.writerow(next(r))
    for row in r:
        ev, dl, out, od, i = row[5].split(), row[6].split(), [], [], 0
        while i < len(ev):
            u = rnd.random()
            if u < rate / 3:                                   # deletion
                i += 1
            elif u < 2 * rate / 3:                             # duplicate (no time between)
                out += [ev[i], ev[i]]; od += [dl[i], "0"]; i += 1
            elif u < rate and i + 1 < len(ev):                 # swap with the next event
                out += [ev[i + 1], ev[i]]; od += [dl[i], dl[i + 1]]; i += 2
            else:
                out.append(ev[i]); od.append(dl[i]); i += 1
        row[2], row[5], row[6] = str(len(out)), " ".join(out), " ".join(od)
        w.writerow(row)
PY
        rm -rf "$T/m"
        /usr/bin/time -f "%U" -o "$T/cpu" "$SECGEN" automata learn "$T/noisy.csv" -o "$T/m" --by none -j 1 -q
        "$SECGEN" automata score "$T/m/all.json" "$T/test.csv" -o "$T/s.csv"
        read -r searched edges del dup swap <<<"$(/usr/bin/python3 -c "
import json, sys
m = json.load(open(sys.argv[1])); p = m['noise']['p']
print(m['training']['sequences'], len(m['edges']), '%.4f %.4f %.4f' % (p['del'], p['dup'], p['swap']))" "$T/m/all.json")"
        cpu=$(cat "$T/cpu")
        [ -z "$clean_edges" ] && clean_edges=$edges clean_cpu=$cpu
        echo "| $seed | $rate | $searched | $edges | $(awk -v a="$edges" -v b="$clean_edges" 'BEGIN { printf "%.2f", a / b }') |" \
            "$del | $dup | $swap | $(awk -v r="$rate" 'BEGIN { printf "%.4f", r / 3 }') | $(auroc "$T/s.csv" bits_per_event) | $cpu |" \
            "$(awk -v a="$cpu" -v b="$clean_cpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') |"
    done
done
