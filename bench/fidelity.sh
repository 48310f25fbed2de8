#!/usr/bin/env bash
# Reproduce the FlowChronicle paper's Table 2 protocol on the project's data and write
# docs/results.md.
#
# Per data set: sort by time; train = first half of the flows; the second half is split
# alternately (row parity) into "test" (the Reference generator) and "eva" (MD non-members), so
# both cover the same period and never share a row. Generators learn on train and produce as many
# flows as train holds: FlowChronicle (when `secgen learn` exists), IndependentBN, SequenceBN.
# Each table is scored against train exactly as in the paper (fidelity vs. the training data;
# MD members = train, non-members = eva); the Reference is shifted onto the training period
# (--align-start), as the paper shifts its test week by -7 days.
#
# Usage: bench/fidelity.sh [path/to/secgen]   (env: REPS=20 SEED=1 OUT=docs/results.md;
#        WORK=dir keeps the intermediate files; REPORT_ONLY=1 rewrites OUT from an existing WORK)
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=${1:-${SECGEN:-build/release/secgen}}
SHARED=${SHARED:-../shared}
REPS=${REPS:-20}
SEED=${SEED:-1}
OUT=${OUT:-docs/results.md}
[ -x "$SECGEN" ] || { cmake --preset release >/dev/null && cmake --build --preset release -j2 >/dev/null; }
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "work dir: $WORK" >&2

has_fc() { "$SECGEN" learn --help >/dev/null 2>&1; }

# split HEADER+ROWS (already time-sorted) into train / test / eva
split3() { # in.csv dir
  local in=$1 d=$2 n half
  mkdir -p "$d"
  n=$(($(wc -l < "$in") - 1))
  half=$((n / 2))
  head -n 1 "$in" | tee "$d/train.csv" "$d/test.csv" > "$d/eva.csv"
  sed -n "2,$((half + 1))p" "$in" >> "$d/train.csv"
  tail -n +$((half + 2)) "$in" | awk -v t="$d/test.csv" -v e="$d/eva.csv" '{ print >> ((NR % 2) ? t : e) }'
}

run_set() { # name sorted.csv
  local name=$1 src=$2 d="$WORK/$1" ntrain gens=() g t0 t1
  split3 "$src" "$d"
  ntrain=$(($(wc -l < "$d/train.csv") - 1))
  echo "== $name: train $ntrain, test $(($(wc -l < "$d/test.csv") - 1)), eva $(($(wc -l < "$d/eva.csv") - 1)) flows" >&2
  : > "$d/times.tsv"
  if has_fc; then
    t0=$(date +%s.%N)
    "$SECGEN" learn "$d/train.csv" -o "$d/fc_model.json" -j 2 --quiet
    "$SECGEN" generate -m "$d/fc_model.json" -n "$ntrain" --flows-out "$d/FlowChronicle.csv" -s "$SEED" -j 2 --quiet
    t1=$(date +%s.%N)
    printf 'FlowChronicle\t%.1f\n' "$(echo "$t1 - $t0" | bc -l)" >> "$d/times.tsv"
    gens+=(FlowChronicle)
  fi
  for b in independent-bn sequence-bn; do
    g=$([ $b = independent-bn ] && echo IndependentBN || echo SequenceBN)
    t0=$(date +%s.%N)
    "$SECGEN" baseline $b "$d/train.csv" -n "$ntrain" -s "$SEED" -o "$d/$g.csv"
    t1=$(date +%s.%N)
    printf '%s\t%.1f\n' "$g" "$(echo "$t1 - $t0" | bc -l)" >> "$d/times.tsv"
    gens+=("$g")
  done
  cp "$d/test.csv" "$d/Reference.csv"
  for g in Reference "${gens[@]}"; do
    local align=()
    [ "$g" = Reference ] && align=(--align-start)
    t0=$(date +%s.%N)
    "$SECGEN" evaluate "$d/train.csv" "$d/$g.csv" --train "$d/train.csv" --holdout "$d/eva.csv" \
      -r "$REPS" -s "$SEED" -j 2 -f json "${align[@]}" -o "$d/$g.json"
    t1=$(date +%s.%N)
    echo "   scored $g in $(printf '%.1f' "$(echo "$t1 - $t0" | bc -l)") s" >&2
  done
  "$SECGEN" evaluate "$d/train.csv" "$d/SequenceBN.csv" --train "$d/train.csv" --holdout "$d/eva.csv" \
    -r "$REPS" -s "$SEED" -j 2 -f html -o "$d/SequenceBN.html"
  if has_fc; then
    "$SECGEN" evaluate "$d/train.csv" "$d/FlowChronicle.csv" --train "$d/train.csv" --holdout "$d/eva.csv" \
      -r "$REPS" -s "$SEED" -j 2 -f html -o "$d/FlowChronicle.html"
  fi
}

if [ -z "${REPORT_ONLY:-}" ]; then
  # CIDDS-001 sample: already sorted by start
  run_set cidds "$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
  # UGR'16: the four host files of 2016-04-11 concatenated, sorted by time (te, stable)
  U="$WORK/ugr16_all.csv"
  head -n 1 "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv > "$U"
  for f in "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_*.csv; do tail -n +2 "$f"; done | sort -s -t, -k1,1 >> "$U"
  run_set ugr16 "$U"
fi

python3 - "$WORK" "$OUT" "$REPS" "$SEED" <<'PY'
import json, math, os, sys, datetime
work, out, reps, seed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
paper = ["density", "coverage", "cmd", "pcd", "emd", "jsd", "dkc", "md"]
extra = ["fph", "iat_ks", "acf"]
head = {"density": "Density ↑", "coverage": "Coverage ↑", "cmd": "CMD ↓", "pcd": "PCD ↓", "emd": "EMD ↓",
        "jsd": "JSD ↓", "dkc": "DKC ↓", "md": "MD ≈ref", "fph": "FPH (h) ↓", "iat_ks": "IAT-KS ↓",
        "acf": "ACF ↓"}
def fmt(v, k):
    if v is None or (isinstance(v, float) and math.isnan(v)): return "n/a"
    if k == "acf": return f"{v:.3g}"
    return f"{v:.2f}" if k in ("pcd", "md", "fph") else f"{v:.3f}"
def ranks(rows, ref):
    # spec §8: rank generators (not Reference) per metric, min rank for ties; average over 8
    res = {g: [] for g in rows}
    for k in paper:
        def key(g):
            v = rows[g][k]
            if v is None: return math.inf
            if k in ("density", "coverage"): return -v
            if k == "md": return abs(v - ref["md"]) if ref["md"] is not None else math.inf
            return v
        ks = {g: round(key(g), 12) for g in rows}
        for g in rows:
            res[g].append(1 + sum(1 for h in rows if ks[h] < ks[g]))
    return {g: sum(r) / len(r) for g, r in res.items()}
lines = ["# Fidelity results (FlowChronicle paper, Table 2 protocol)", "",
         f"Generated by `bench/fidelity.sh` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC "
         f"({reps} repetitions, seed {seed}). Metric definitions: [metrics.md](metrics.md).", "",
         "Protocol: each data set is sorted by time; **train** = first half of the flows; the second half is "
         "split alternately into **test** (scored as the *Reference* generator, shifted onto the training period "
         "with `--align-start`) and **eva** (MD non-members). Every generator learns on train and produces as many "
         "flows as train holds; every table is scored against train (as in the paper); MD members = train. "
         "Ranks (spec §8) over the 8 paper metrics, Reference excluded; MD ranked by |MD − MD_Reference|. "
         "FPH and IAT-KS are this project's temporal metrics, ACF the spec's ACF difference (paper Figs. 4-5); not ranked.", ""]
for name, title in (("cidds", "CIDDS-001 sample (8,192 flows, week 3, unidirectional NetFlow)"),
                    ("ugr16", "UGR'16 (4 hosts, 2016-04-11, 21,714 flows)")):
    d = os.path.join(work, name)
    if not os.path.isdir(d): continue
    gens = [g for g in ("FlowChronicle", "IndependentBN", "SequenceBN") if os.path.exists(os.path.join(d, g + ".json"))]
    data = {}
    for g in ["Reference"] + gens:
        j = json.load(open(os.path.join(d, g + ".json")))
        data[g] = {k: j["metrics"][k]["value"] for k in paper + extra}
        data[g]["_n"] = j["inputs"]["n_synthetic"]; data[g]["_ntrain"] = j["inputs"]["n_train"]
        data[g]["_nanmd"] = j["protocol"]["md_nan_repetitions"]; data[g]["_folded"] = j["inputs"]["folded_totals"]
    rk = ranks({g: data[g] for g in gens}, data["Reference"])
    times = dict(l.split("\t") for l in open(os.path.join(d, "times.tsv")).read().split("\n") if l)
    lines += [f"## {title}", "",
              f"train {data['Reference']['_ntrain']} flows; Reference (test) {data['Reference']['_n']} flows"
              + ("; byte/packet counters folded onto totals (unidirectional layout)" if data['Reference']['_folded'] else "") + ".", "",
              "| generator | " + " | ".join(head[k] for k in paper) + " | avg rank | " + " | ".join(head[k] for k in extra) + " | learn+generate (s) |",
              "|---|" + "---:|" * (len(paper) + 1 + len(extra) + 1)]
    for g in ["Reference"] + gens:
        r = "–" if g == "Reference" else f"{rk[g]:.3f}"
        t = times.get(g, "–")
        md_note = f" ({data[g]['_nanmd']} NaN reps)" if data[g]["_nanmd"] else ""
        lines.append(f"| {g} | " + " | ".join(fmt(data[g][k], k) + (md_note if k == "md" else "") for k in paper)
                     + f" | {r} | " + " | ".join(fmt(data[g][k], k) for k in extra) + f" | {t} |")
    lines += ["", "DKC: the rules each table breaks most (share of its flows; the real training table for comparison):", ""]
    for g in ["Reference"] + gens:
        j = json.load(open(os.path.join(d, g + ".json")))
        n, nr = j["inputs"]["n_synthetic"], j["inputs"]["n_real"]
        top = sorted(j["dkc_rules"], key=lambda x: -x["violations"])[:4]
        desc = "; ".join(f"rule {x['rule']} ({x['description']}) {100 * x['violations'] / n:.1f}% "
                         f"[train {100 * x['violations_real'] / nr:.1f}%]" for x in top if x["violations"])
        lines.append(f"- {g}: {desc or 'none'}")
    lines.append("")
lines += ["## Reading the results", "",
          "- The project's CIDDS-001 file is a uniform 8,192-flow *sample* of one week (about one flow per minute), "
          "not a contiguous capture: multi-flow behaviours are mostly cut apart, which limits what FlowChronicle's "
          "patterns and SequenceBN's windows can find, and makes the per-second ACF nearly flat for every table.",
          "- The halves cover different days (CIDDS: train Wed-Fri, test Fri-Tue with the sparse weekend; UGR'16: "
          "00:00-13:00 vs 13:00-24:00). The paper's Reference is another full week aligned by weekday; ours is "
          "another period shifted onto the training start, so its timestamp column, its FPH and its host/port "
          "values (JSD) differ more than in the paper, and its Density/Coverage are lower. Generators that resample "
          "training start times can therefore beat the Reference here; compare generators with each other.",
          "- Both data sets are unidirectional/total-count layouts: In Byte / In Packet are 0 everywhere, so PCD "
          "measures the 3 remaining continuous columns and is not comparable in size with the paper's 5x5 value.",
          "- Ranks are among the generators run here (2-3), not among the paper's 8 generators.",
          "- MD: repetitions where some threshold predicts only non-members give NaN (as in the reference) "
          "and are left out of the mean; the count is shown next to the value.",
          "- DKC rules 16, 20 and 21 tie bytes, packets and duration together; the baselines un-bin these "
          "columns independently (uniform inside each bin, spec §1.3) and produce 1-packet flows of 30 bytes or "
          "with a non-zero duration far more often than the real data. FlowChronicle draws them jointly from its training data (per-bin quantiles, numeric joint and rule-rate calibration, docs/flowchronicle.md \"Un-binning\", \"Joint consistency\") and stays near the training rates.",
          "- DKC rule 14 (flags on non-TCP flows) cannot fire: the flow reader clears the flags of non-TCP flows "
          "(docs/metrics.md).",
          "- Per-rule DKC violations and all plots of each generator are in the HTML reports "
          "(`$WORK/<set>/<generator>.html`); docs/report.png shows FlowChronicle on CIDDS.", "",
          "## Paper values (Table 2, full CIDDS-001 weeks, 20 runs)", "",
          "| generator | Density ↑ | CMD ↓ | PCD ↓ | EMD ↓ | JSD ↓ | Coverage ↑ | DKC ↓ | MD | avg rank |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
          "| Reference | 0.69 | 0.06 | 1.38 | 0.00 | 0.15 | 0.59 | 0.00 | 6.71 | – |",
          "| FlowChronicle | 0.41 | 0.03 | 2.06 | 0.02 | 0.10 | 0.59 | 0.02 | 5.87 | 2.125 |",
          "| SequenceBN | 0.30 | 0.13 | 2.18 | 0.08 | 0.21 | 0.44 | 0.02 | 5.51 | 3.875 |",
          "| IndependentBN | 0.24 | 0.22 | 2.74 | 0.11 | 0.27 | 0.38 | 0.05 | 5.47 | 5.25 |", ""]
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
# keep the sections other benches own (from the marker on: bench/flow_realism.sh's before/after)
marker = "<!-- other benches -->"
if os.path.exists(out) and marker in open(out).read():
    lines += ["", marker + open(out).read().split(marker, 1)[1]]
tmp = out + ".tmp"
open(tmp, "w").write("\n".join(lines))
os.replace(tmp, out)
print("\n".join(lines))
PY
