#!/usr/bin/env bash
# Flow realism over K random splits (issue 13): does synthetic sit within real-vs-real variation?
# For each data set and split k = 1..K, the rows are dealt at random (Python random.Random(k)) into
# equal parts, each kept in time order: CIDDS sample (8,192 records) into halves, UGR'16 (the 4 host
# files of 2016-04-11, 21,714 records) into thirds. The model is learnt on part 0 ("train"),
# generates as many flows as part 1 ("held-out") holds with seed k, and is compared with part 1.
# Per figure (p99 / p99.9 of packets and bytes per record, records over 10k packets, total bytes):
# the ratio to the held-out part of the synthetic table and of the real training part (the
# yardstick: two real parts of the same data differ by this much), median [min-max] over the
# splits, and in how many splits each meets the issue's target (p99 and p99.9 within 1.5x,
# records over 10k packets within 2x (both 0 counts as met), total bytes within +-30 %).
# One generated table per split is one draw of the handful of records that make p99.9, the records
# over 10k packets and the total: the "x10" columns generate 10x the held-out size with the same
# model (seed k + 1000) and divide counts and totals by 10, i.e. the model's expectation.
# With EVAL=1 (default), Density, Coverage, CMD and PCD of synthetic vs held-out and, as the
# yardstick, of the real training part vs held-out (`secgen evaluate -r REPS`, mean over splits).
# Usage: bench/flow_realism_splits.sh AFTER_SECGEN [BEFORE_SECGEN]
#   env: K=5 (splits), REPS=2 (evaluate repetitions), EVAL=1, SETS="cidds ugr16", WORK=dir
#   takes about 4 min per binary at K=5 on the shared 2-core machine (learning dominates)
# Example: K=5 bench/flow_realism_splits.sh build/release/secgen /tmp/secgen.main
set -euo pipefail
cd "$(dirname "$0")/.."
AFTER=${1:-build/release/secgen}
BEFORE=${2:-}
SHARED=${SHARED:-../shared}
K=${K:-5}
REPS=${REPS:-2}
EVAL=${EVAL:-1}
SETS=${SETS:-cidds ugr16}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "work dir: $WORK" >&2

C="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
U="$WORK/ugr16_all.csv"
head -n 1 "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv > "$U"
for f in "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_*.csv; do tail -n +2 "$f"; done | sort -s -t, -k1,1 >> "$U"

split() { # src parts k out_prefix: part 0 -> PREFIX.train.csv, part 1 -> PREFIX.held.csv
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import random, sys
src, parts, k, pre = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lines = open(src).read().splitlines()
head, rows = lines[0], lines[1:]
idx = list(range(len(rows)))
random.Random(k).shuffle(idx)
size = len(rows) // parts
for p, name in ((0, "train"), (1, "held")):
    keep = sorted(idx[p * size:(p + 1) * size])  # time order kept
    with open(f"{pre}.{name}.csv", "w") as fp:
        fp.write("\n".join([head] + [rows[i] for i in keep]) + "\n")
PY
}

evaluate() { # real synth out
  "$AFTER" evaluate "$1" "$2" -m density,coverage,cmd,pcd -r "$REPS" -s 1 -j 2 -f json -q -o "$3"
}

for set in $SETS; do
  if [ "$set" = cidds ]; then src=$C parts=2; else src=$U parts=3; fi
  for k in $(seq 1 "$K"); do
    pre="$WORK/$set.k$k"
    split "$src" "$parts" "$k" "$pre"
    n=$(($(wc -l < "$pre.held.csv") - 1))
    [ "$EVAL" = 1 ] && evaluate "$pre.held.csv" "$pre.train.csv" "$pre.train.eval.json"
    for tag in ${BEFORE:+before} after; do
      sg=$AFTER
      [ "$tag" = before ] && sg=$BEFORE
      "$sg" learn "$pre.train.csv" -o "$pre.$tag.model.json" -j 2 --quiet
      "$sg" generate -m "$pre.$tag.model.json" -n "$n" --flows-out "$pre.$tag.synth.csv" -s "$k" -j 2 --quiet
      "$sg" generate -m "$pre.$tag.model.json" -n $((10 * n)) --flows-out "$pre.$tag.x10.csv" -s $((k + 1000)) -j 2 --quiet
      [ "$EVAL" = 1 ] && evaluate "$pre.held.csv" "$pre.$tag.synth.csv" "$pre.$tag.eval.json"
    done
    echo "$set split $k done" >&2
  done
done

python3 - "$WORK" "$K" "$EVAL" "$SETS" ${BEFORE:+before} after <<'PY'
import csv, json, math, os, statistics, sys, datetime
work, K, ev, sets, tags = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4].split(), sys.argv[5:]

def num(x):
    x = x.strip()
    m = {"K": 1e3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    if x and x[-1] in m: return float(x[:-1]) * m[x[-1]]
    return float(x) if x else 0.0

def load(path):
    pk, by = [], []
    with open(path) as fp:
        r = csv.reader(fp); h = next(r); ix = {k: i for i, k in enumerate(h)}
        for x in r:
            if "Proto" in ix: pk.append(num(x[ix["Packets"]])); by.append(num(x[ix["Bytes"]]))
            elif "pr" in ix: pk.append(num(x[ix["pkt"]])); by.append(num(x[ix["byt"]]))
            else:
                pk.append(num(x[ix["fwd_packets"]]) + num(x[ix["bwd_packets"]]))
                by.append(num(x[ix["fwd_bytes"]]) + num(x[ix["bwd_bytes"]]))
    return pk, by

def q(v, p):
    v = sorted(v); pos = (len(v) - 1) * p; lo = int(math.floor(pos)); hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])

def figs(path, scale=1):
    pk, by = load(path)
    return {"p99 pk": q(pk, .99), "p99.9 pk": q(pk, .999), "p99 bytes": q(by, .99), "p99.9 bytes": q(by, .999),
            "> 10k pk": sum(1 for x in pk if x > 10000) / scale, "total MB": sum(by) / 1e6 / scale}

def ratio(a, b):
    if b == 0: return 1.0 if a == 0 else float("inf")
    return a / b

def meets(name, r, a, b):
    if name == "> 10k pk": return (a == 0 and b == 0) or (b > 0 and 0.5 <= r <= 2)  # x10: a may be fractional
    if name == "total MB": return 0.7 <= r <= 1.3
    return 1 / 1.5 <= r <= 1.5

def cell(v, f="{:.2f}"):
    v = [x for x in v if math.isfinite(x)]
    if not v: return "–"
    return f"{f.format(statistics.median(v))} [{f.format(min(v))}-{f.format(max(v))}]"

out = [f"# flow realism over {K} random splits ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, work dir {work})"]
for s in sets:
    parts = "halves" if s == "cidds" else "thirds"
    H = [figs(f"{work}/{s}.k{k}.held.csv") for k in range(1, K + 1)]
    T = [figs(f"{work}/{s}.k{k}.train.csv") for k in range(1, K + 1)]
    S = {t: [figs(f"{work}/{s}.k{k}.{t}.synth.csv") for k in range(1, K + 1)] for t in tags}
    S.update({t + " x10": [figs(f"{work}/{s}.k{k}.{t}.x10.csv", 10) for k in range(1, K + 1)] for t in tags})
    cols = list(S)
    out += ["", f"## {s}: random {parts}, learn on one, compare with another; ratio to the held-out part, median [min-max] over {K} splits; 'met' = splits within the target",
            "| figure | held-out value | real train / held-out | met | " + " | ".join(f"{t} / held-out | met" for t in cols) + " |",
            "|---|---:|---:|---:|" + "---:|---:|" * len(cols)]
    for name in H[0]:
        hv = [h[name] for h in H]
        tr = [ratio(t[name], h[name]) for t, h in zip(T, H)]
        tm = sum(meets(name, r, t[name], h[name]) for r, t, h in zip(tr, T, H))
        row = f"| {name} | {cell(hv, '{:,.0f}' if name != 'total MB' else '{:.1f}')} | {cell(tr)} | {tm}/{K} |"
        for t in cols:
            sr = [ratio(x[name], h[name]) for x, h in zip(S[t], H)]
            sm = sum(meets(name, r, x[name], h[name]) for r, x, h in zip(sr, S[t], H))
            row += f" {cell(sr)} | {sm}/{K} |"
        out.append(row)
    if ev:
        out += ["", f"| {s}: vs held-out (mean over splits) | Density ↑ | Coverage ↑ | CMD ↓ | PCD ↓ |", "|---|---:|---:|---:|---:|"]
        for t in ["train"] + tags:
            m = [json.load(open(f"{work}/{s}.k{k}.{t}.eval.json"))["metrics"] for k in range(1, K + 1)]
            mean = lambda key: sum(x[key]["value"] for x in m) / len(m)
            lab = "real train part" if t == "train" else t
            out.append(f"| {lab} | {mean('density'):.3f} | {mean('coverage'):.3f} | {mean('cmd'):.4f} | {mean('pcd'):.3f} |")
print("\n".join(out))
PY
