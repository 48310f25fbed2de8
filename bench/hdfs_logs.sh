#!/usr/bin/env bash
# Issue 19, HDFS application log: are the generated blocks' logs like real HDFS_v1 blocks the
# automaton never saw? Generates a config run whose DataNodes receive the block writes of a flow
# model learnt on HDFS_v1's own block writes (tests/logs/hdfs_block_writes.csv), reads every
# hdfs.log back into per-block sequences (event ids by loghub template, 1 s gaps), and compares
# them with the held-out normal blocks (the last 40 % of hdfs_2pct_sequences.csv in time; the
# shipped models/hdfs.json learnt on the first 60 %), and the training blocks as the reference for
# what "the same distribution" looks like:
#   - event-type distribution: total variation distance (TVD) to the held-out blocks;
#   - sequence length: mean, quartiles, 90th percentile, and the TVD of the length histograms;
#   - distinct sequences (share of held-out blocks whose exact event sequence occurs in the set);
#   - `secgen automata score models/hdfs.json`: mean bits per event, symbols only and timed.
# Usage: bench/hdfs_logs.sh [SECGEN]   Env: N (connections, default 400), SEED (1), SHARED.
# Takes ~1-2 min with the release build at N=400 (the 64 MB block writes' packets dominate).
set -euo pipefail
cd "$(dirname "$0")/.."
SECGEN=$(realpath "${1:-build/release/secgen}")
N=${N:-400}
SEED=${SEED:-1}
SHARED=${SHARED:-../shared}
HD="$SHARED/data/hdfs_loglead_2pct"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat >"$T/net.yaml" <<'EOF'
metadata: {title: HDFS cluster (bench)}
network: {timezone: UTC}
hosts:
  - {hostname: dn1, os: Linux, interfaces: [{ip_addr: 10.1.0.11, services: ["tcp:50010"]}]}
  - {hostname: dn2, os: Linux, interfaces: [{ip_addr: 10.1.0.12, services: ["tcp:50010"]}]}
  - {hostname: dn3, os: Linux, interfaces: [{ip_addr: 10.1.0.13, services: ["tcp:50010"]}]}
  - {hostname: dn4, os: Linux, interfaces: [{ip_addr: 10.1.0.14, services: ["tcp:50010"]}]}
  - {hostname: worker1, os: Linux, interfaces: [{ip_addr: 10.1.0.101}]}
  - {hostname: worker2, os: Linux, interfaces: [{ip_addr: 10.1.0.102}]}
EOF
"$SECGEN" learn tests/logs/hdfs_block_writes.csv -o "$T/fm.json" -q
/usr/bin/time -f "%e s %M KB" -o "$T/time" "$SECGEN" generate -q -m "$T/fm.json" -c "$T/net.yaml" -n "$N" -s "$SEED" -j 2 \
    --flows-out "$T/g.csv" --logs "$T/logs"
echo "generate -n $N: $(cat "$T/time") (wall, peak RSS)"
python3 - "$T" "$HD" tests/logs/HDFS_templates.csv <<'PY'
import csv, glob, re, sys, calendar, datetime
t, hd, tpl_csv = sys.argv[1:4]
tpl = [(r["EventId"], re.compile("^" + ".*".join(re.escape(p) for p in r["EventTemplate"].split("<*>")) + "$"))
       for r in csv.DictReader(open(tpl_csv))]
head = re.compile(r"^(\d{6}) (\d{6}) \d+ (?:INFO|WARN) [A-Za-z.$]+: (.*)$")
blocks = {}
for path in glob.glob(t + "/logs/hosts/*/hdfs.log"):
    for line in open(path):
        m = head.match(line.rstrip("\n"))
        e = [i for i, p in tpl if p.match(m.group(3))][0]
        b = re.search(r"blk_-?\d+", m.group(3)).group(0)
        ts = calendar.timegm(datetime.datetime.strptime(m.group(1) + m.group(2), "%y%m%d%H%M%S").timetuple())
        blocks.setdefault(b, []).append((ts, e))
rows = list(csv.DictReader(open(hd + "/hdfs_2pct_sequences.csv")))
def out(name, seqs):
    w = csv.writer(open(f"{t}/{name}.csv", "w", newline=""), lineterminator="\n")
    w.writerow(["block_id", "label", "n_events", "start_epoch_s", "duration_s", "events", "deltas_s"])
    for i, (ev, dl) in enumerate(seqs):
        w.writerow([f"b{i}", "Normal", len(ev), 0, sum(dl), " ".join(ev), " ".join(map(str, dl))])
gen = []
for b, ev in blocks.items():
    gen.append(([e for _, e in ev], [0] + [ev[i][0] - ev[i - 1][0] for i in range(1, len(ev))]))
def real(part):
    return [(r["events"].split(), [int(x) for x in r["deltas_s"].split()]) for r in part if r["label"] == "Normal"]
train, held = real(rows[:6900]), real(rows[6900:])
out("gen", gen); out("held", held); out("train", train)
print(f"blocks: generated {len(gen)}, held-out real {len(held)}, training real {len(train)}")
from collections import Counter
def dist(c):
    n = sum(c.values()); return {k: v / n for k, v in c.items()}
def tvd(a, b):
    return 0.5 * sum(abs(a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b))
def q(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(p * len(xs)))]
ev_h = dist(Counter(e for s, _ in held for e in s))
len_h = dist(Counter(len(s) for s, _ in held))
ev_t = dist(Counter(e for s, _ in train for e in s))
len_t = dist(Counter(len(s) for s, _ in train))
seq_set = lambda ss: {tuple(s) for s, _ in ss}
print("TVD = total variation distance of the event-type shares / of the length histograms, to the held-out and to the training blocks")
print(f"{'':10} {'ev:held':>7} {'ev:train':>8} {'len:held':>8} {'len:train':>9} {'len mean':>8} {'q1':>3} {'med':>4} {'q3':>3} {'p90':>4} {'distinct':>8} {'held-out covered':>16}")
for name, ss in (("generated", gen), ("training", train), ("held-out", held)):
    ev = dist(Counter(e for s, _ in ss for e in s))
    ln = [len(s) for s, _ in ss]
    lh = dist(Counter(ln))
    cov = sum(1 for s, _ in held if tuple(s) in seq_set(ss)) / len(held)
    print(f"{name:10} {tvd(ev, ev_h):7.3f} {tvd(ev, ev_t):8.3f} {tvd(lh, len_h):8.3f} {tvd(lh, len_t):9.3f} {sum(ln)/len(ln):8.1f} {q(ln,.25):3} {q(ln,.5):4} {q(ln,.75):3} {q(ln,.9):4} {len(seq_set(ss)):8} {cov:16.3f}")
# timing: the block's whole life (first to last line) and its write (first line to the last
# "Received block ... of size" of the pipeline, E9), seconds
def life(ss): return [sum(dl) for _, dl in ss]
def write(ss):
    out = []
    for ev, dl in ss:
        t = [sum(dl[: i + 1]) for i in range(len(dl))]
        k = [t[i] for i, e in enumerate(ev) if e == "E9"]
        if k: out.append(max(k))
    return out
print(f"{'seconds':10} {'life med':>9} {'p90':>7} {'max':>8} {'write med':>9} {'p90':>6} {'p99':>7} {'max':>8}")
for name, ss in (("generated", gen), ("training", train), ("held-out", held)):
    a, w = life(ss), write(ss)
    print(f"{name:10} {q(a,.5):9} {q(a,.9):7} {max(a):8} {q(w,.5):9} {q(w,.9):6} {q(w,.99):7} {max(w):8}")
top = sorted(ev_h, key=lambda k: -ev_h[k])[:8]
evg = dist(Counter(e for s, _ in gen for e in s))
print("event shares (held-out / generated): " + ", ".join(f"{k} {ev_h[k]:.3f}/{evg.get(k, 0):.3f}" for k in top))
PY
for part in gen held train; do
    "$SECGEN" automata score models/hdfs.json "$T/$part.csv" -o "$T/$part.timed.csv"
    "$SECGEN" automata score models/hdfs.json "$T/$part.csv" -o "$T/$part.untimed.csv" --untimed
done
python3 - "$T" models/hdfs.json <<'PY'
import csv, json, sys
t = sys.argv[1]
m = json.load(open(sys.argv[2]))
step = {}
for e in m["edges"]:
    step.setdefault((e["source"], e["symbol"]), set()).add(e["target"])
def accepted(events):
    cur = {m["initial_state"]}
    for sym in events.split() + ["$"]:
        cur = set().union(*[step.get((q, sym), set()) for q in cur])
    return m["final_state"] in cur
print("automata score models/hdfs.json, mean bits per event (symbols only | timed); share parsed without repair; share that is a path of the automaton:")
for part, name in (("gen", "generated"), ("held", "held-out real"), ("train", "training real")):
    r = {}
    for mode in ("untimed", "timed"):
        rows = list(csv.DictReader(open(f"{t}/{part}.{mode}.csv")))
        r[mode] = (sum(float(x["bits_per_event"]) for x in rows) / len(rows), sum(x["status"] == "parsed" for x in rows) / len(rows))
    seqs = list(csv.DictReader(open(f"{t}/{part}.csv")))
    acc = sum(accepted(x["events"]) for x in seqs) / len(seqs)
    print(f"  {name:14} {r['untimed'][0]:7.3f} | {r['timed'][0]:7.3f}   parsed {r['untimed'][1]:.3f}   path {acc:.3f}")
PY
