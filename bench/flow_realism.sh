#!/usr/bin/env bash
# Flow realism of FlowChronicle generation (issue 13 items 1, 2, 3, 6), before and after:
#   tails      p99 / p99.9 of packets and bytes per record, records over 10k packets, total bytes,
#              synthetic vs the held-out part (CIDDS: learn on the odd rows, compare with the even
#              rows; UGR'16 4 hosts: learn on rows = 0 mod 3, compare with rows = 1 mod 3), each
#              generating as many flows as the held-out part holds
#   DKC        per-rule violation share of the synthetic table against the training table (ratio),
#              and (protocol, port) pairs the training data never had
#   fidelity   Density, Coverage, CMD, PCD of the synthetic table against the held-out part
#   timing     the embedded model: `generate -d 2m` (seeds 1, 2): span of the starts / window;
#              `generate -d 10m` (seeds 1, 2): share of the flows in the busiest 10 seconds
# Tails and DKC: median over the generation seeds [min - max]; fidelity: mean over the seeds. The
# held-out line is real data: the "train" line next to it shows how far two real halves differ.
# Usage: bench/flow_realism.sh AFTER_SECGEN [BEFORE_SECGEN]   (env: REPS=5 SEEDS="1 2 3", WORK=dir)
# Example: bench/flow_realism.sh build/release/secgen /work/main/build/release/secgen
set -euo pipefail
cd "$(dirname "$0")/.."
AFTER=${1:-build/release/secgen}
BEFORE=${2:-}
SHARED=${SHARED:-../shared}
REPS=${REPS:-5}
SEEDS=${SEEDS:-1 2 3}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "work dir: $WORK" >&2

# data: CIDDS halves, UGR'16 thirds
C="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
head -n 1 "$C" | tee "$WORK/cidds_train.csv" > "$WORK/cidds_held.csv"
tail -n +2 "$C" | awk -v a="$WORK/cidds_train.csv" -v b="$WORK/cidds_held.csv" '{ print >> ((NR % 2) ? a : b) }'
U="$WORK/ugr16_all.csv"
head -n 1 "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_42.219.145.151.csv > "$U"
for f in "$SHARED"/data/ugr16_flows/ugr16_2016-04-11_host_*.csv; do tail -n +2 "$f"; done | sort -s -t, -k1,1 >> "$U"
head -n 1 "$U" | tee "$WORK/ugr16_train.csv" > "$WORK/ugr16_held.csv"
tail -n +2 "$U" | awk -v a="$WORK/ugr16_train.csv" -v b="$WORK/ugr16_held.csv" 'NR % 3 == 1 { print >> a } NR % 3 == 2 { print >> b }'

run() { # tag secgen
  local tag=$1 sg=$2 set n
  for set in cidds ugr16; do
    n=$(($(wc -l < "$WORK/${set}_held.csv") - 1))
    "$sg" learn "$WORK/${set}_train.csv" -o "$WORK/$tag.$set.model.json" -j 2 --quiet
    for s in $SEEDS; do
      "$sg" generate -m "$WORK/$tag.$set.model.json" -n "$n" --flows-out "$WORK/$tag.$set.s$s.synth.csv" -s "$s" -j 2 --quiet
      "$sg" evaluate "$WORK/${set}_held.csv" "$WORK/$tag.$set.s$s.synth.csv" -m density,coverage,cmd,pcd -r "$REPS" -s 1 -j 2 \
        -f json -q -o "$WORK/$tag.$set.s$s.eval.json"
    done
  done
  for s in 1 2; do
    "$sg" generate -d 2m -s "$s" --flows-out "$WORK/$tag.d2m.s$s.csv" --flows-format native -j 2 --quiet
    "$sg" generate -d 10m -s "$s" --flows-out "$WORK/$tag.d10m.s$s.csv" --flows-format native -j 2 --quiet
  done
}

[ -n "$BEFORE" ] && run before "$BEFORE"
run after "$AFTER"

python3 - "$WORK" "$SEEDS" ${BEFORE:+before} after <<'PY'
import csv, json, math, sys, datetime, statistics
work, seeds, tags = sys.argv[1], sys.argv[2].split(), sys.argv[3:]

def num(x):
    x = x.strip()
    m = {"K": 1e3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    if x and x[-1] in m: return float(x[:-1]) * m[x[-1]]
    return float(x) if x else 0.0

def load(path):
    """records: dict proto, sport, dport, dst, pk, by, dur (CIDDS, UGR'16 or native layout)"""
    rows = []
    with open(path) as fp:
        r = csv.reader(fp); h = next(r); ix = {k: i for i, k in enumerate(h)}
        for x in r:
            if "Proto" in ix:  # CIDDS
                rows.append(dict(proto=x[ix["Proto"]].strip(), sport=x[ix["Src Pt"]].split(".")[0], dport=x[ix["Dst Pt"]].split(".")[0],
                                 dst=x[ix["Dst IP Addr"]], pk=num(x[ix["Packets"]]), by=num(x[ix["Bytes"]]), dur=float(x[ix["Duration"]])))
            elif "pr" in ix:  # UGR'16
                rows.append(dict(proto=x[ix["pr"]], sport=x[ix["sp"]], dport=x[ix["dp"]], dst=x[ix["da"]], pk=num(x[ix["pkt"]]),
                                 by=num(x[ix["byt"]]), dur=float(x[ix["td"]])))
            else:  # native
                rows.append(dict(proto=x[ix["proto"]], sport=x[ix["src_port"]], dport=x[ix["dst_port"]], dst=x[ix["dst_ip"]],
                                 pk=num(x[ix["fwd_packets"]]) + num(x[ix["bwd_packets"]]), by=num(x[ix["fwd_bytes"]]) + num(x[ix["bwd_bytes"]]),
                                 dur=float(x[ix["duration"]]), t=x[ix["start"]]))
    return rows

def q(v, p):
    v = sorted(v)
    if not v: return float("nan")
    pos = (len(v) - 1) * p; lo = int(math.floor(pos)); hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])

RULES = {
    1: ("DNS/NetBIOS/... port over TCP", lambda f: f["dport"] in {"53", "137", "138", "5353", "1900", "67", "0", "3544", "8612", "3702", "123"} and "TCP" in f["proto"]),
    2: ("HTTP(S)/SMB/... port over UDP", lambda f: f["dport"] in {"443", "80", "8000", "25", "993", "587", "445", "0", "84", "8088", "8080"} and "UDP" in f["proto"]),
    10: ("web/SMTP on an internal 192.168 server", lambda f: f["dport"] in {"8000", "25", "443"} and f["dst"].startswith("192.168")),
    12: ("port 53 not to the DNS server", lambda f: f["dport"] == "53" and f["dst"] != "DNS"),
    16: ("< 42 bytes per packet", lambda f: 42 * f["pk"] > f["by"]),
    18: ("> 65535 bytes per packet", lambda f: f["by"] > 65535 * f["pk"]),
    20: ("zero duration with > 1 packet", lambda f: f["dur"] == 0 and f["pk"] > 1),
    21: ("positive duration with 1 packet", lambda f: f["dur"] > 0 and f["pk"] == 1),
}

def pairs(rows):
    s = set()
    for f in rows:
        if f["proto"] in ("TCP", "UDP"):
            s.add((f["proto"], f["dport"])); s.add((f["proto"], f["sport"]))
    return s

def tails(rows):
    pk = [f["pk"] for f in rows]; by = [f["by"] for f in rows]
    return dict(n=len(rows), pk99=q(pk, .99), pk999=q(pk, .999), by99=q(by, .99), by999=q(by, .999),
                over10k=sum(1 for x in pk if x > 10000), mb=sum(by) / 1e6)

out = ["", f"# flow realism ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, work dir {work})"]
for name in ("cidds", "ugr16"):
    train = load(f"{work}/{name}_train.csv"); held = load(f"{work}/{name}_held.csv")
    tp = pairs(train)
    out += ["", f"## {name}: train {len(train)} records, held-out {len(held)}",
            "| table | p99 pk | p99.9 pk | p99 bytes | p99.9 bytes | >10k pk | total MB | novel proto/port pairs | Density | Coverage | CMD | PCD |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    def fmt(vals, f="{:.0f}"):
        med = statistics.median(vals)
        return f.format(med) + (f" [{f.format(min(vals))}-{f.format(max(vals))}]" if len(vals) > 1 else "")
    for lab, t in (("held-out", tails(held)), ("train", tails(train))):
        out.append(f"| {lab} (real) | {t['pk99']:.0f} | {t['pk999']:.0f} | {t['by99']:.0f} | {t['by999']:.0f} | {t['over10k']} | {t['mb']:.1f} | – | – | – | – | – |")
    synth = {}
    for tag in tags:
        ss = [load(f"{work}/{tag}.{name}.s{sd}.synth.csv") for sd in seeds]; synth[tag] = ss
        ts = [tails(s) for s in ss]
        novel = [sum(1 for f in s if f["proto"] in ("TCP", "UDP") and ((f["proto"], f["dport"]) not in tp or (f["proto"], f["sport"]) not in tp)) for s in ss]
        ev = [json.load(open(f"{work}/{tag}.{name}.s{sd}.eval.json"))["metrics"] for sd in seeds]
        mean = lambda k: sum(e[k]["value"] for e in ev) / len(ev)
        out.append(f"| {tag} | " + " | ".join(fmt([t[k] for t in ts], "{:.1f}" if k == "mb" else "{:.0f}") for k in ("pk99", "pk999", "by99", "by999", "over10k", "mb"))
                   + f" | {fmt(novel)} | {mean('density'):.3f} | {mean('coverage'):.3f} | {mean('cmd'):.4f} | {mean('pcd'):.3f} |")
    out += ["", "| DKC rule | train % | " + " | ".join(f"{t} % (ratio)" for t in tags) + " |", "|---|---:|" + "---:|" * len(tags)]
    for k, (d, fn) in RULES.items():
        rt = 100 * sum(1 for f in train if fn(f)) / len(train)
        cells = []
        for tag in tags:
            rs = statistics.median(100 * sum(1 for f in s if fn(f)) / max(1, len(s)) for s in synth[tag])
            cells.append(f"{rs:.2f} ({rs / rt:.2f}x)" if rt > 0 else f"{rs:.2f} (train 0)")
        out.append(f"| {k} {d} | {rt:.2f} | " + " | ".join(cells) + " |")

def secs(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
out += ["", "## timing (embedded model)", "| table | flows | start span / window | busiest 10 s share | busiest 1 s share |", "|---|---:|---:|---:|---:|"]
for tag in tags:
    for d, w in (("d2m", 120), ("d10m", 600)):
        for s in (1, 2):
            r = load(f"{work}/{tag}.{d}.s{s}.csv")
            ts = sorted(secs(f["t"]) for f in r)
            if not ts:
                out.append(f"| {tag} -{d[1:]} -s {s} | 0 | – | – | – |"); continue
            span = (ts[-1] - ts[0]) / w
            best10 = best1 = 0; j = k = 0
            for i in range(len(ts)):
                while ts[i] - ts[j] >= 10: j += 1
                while ts[i] - ts[k] >= 1: k += 1
                best10 = max(best10, i - j + 1); best1 = max(best1, i - k + 1)
            out.append(f"| {tag} -{d[1:]} -s {s} | {len(ts)} | {100 * span:.1f} % | {100 * best10 / len(ts):.1f} % | {100 * best1 / len(ts):.1f} % |")
print("\n".join(out))
PY
