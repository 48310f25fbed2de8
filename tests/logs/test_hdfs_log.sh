#!/usr/bin/env bash
# generate --logs with a config whose hosts serve HDFS (TCP 50010, issue 19 "learnt where data
# exists"): each block write to a DataNode leaves the block's HDFS log in that host's hdfs.log.
# The flows come from a flow model learnt on real HDFS_v1 block writes (hdfs_block_writes.csv,
# made by hdfs_block_writes.py from the log itself; the default CIDDS model has no HDFS traffic).
# Checked: every line is log4j's `yymmdd HHMMSS tid LEVEL component: message` and its message
# matches exactly one of loghub's 30 HDFS templates (HDFS_templates.csv, copied unchanged from
# logpai/loghub); each block's event sequence is a path of the shipped automaton
# (models/hdfs.json, from its initial to its final state); each block is tied to one connection (the DataNode's
# endpoint event: labels.hdfs_block_id + community_id = a row of the flows CSV), its first
# "Receiving block" names that connection's client and DataNode address:port, its first line is
# at the connection's start, every size is the payload the client sent (conn.log orig_bytes), every
# address is the client's or a config DataNode's; files are in time order; -j 1 = -j 2.
set -euo pipefail
: "${SECGEN:?}" "${SRC:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat >"$T/net.yaml" <<'EOF'
metadata: {title: HDFS cluster (test)}
network: {timezone: UTC}
hosts:
  - {hostname: namenode, os: Linux, interfaces: [{ip_addr: 10.1.0.2, services: ["tcp:8020"]}]}
  - {hostname: dn1, os: Linux, interfaces: [{ip_addr: 10.1.0.11, services: ["tcp:50010"]}]}
  - {hostname: dn2, os: Linux, interfaces: [{ip_addr: 10.1.0.12, services: ["tcp:50010"]}]}
  - {hostname: dn3, os: Linux, interfaces: [{ip_addr: 10.1.0.13, services: ["tcp:50010"]}]}
  - {hostname: dn4, os: Linux, interfaces: [{ip_addr: 10.1.0.14, services: ["tcp:50010"]}]}
  - {hostname: worker1, os: Linux, interfaces: [{ip_addr: 10.1.0.101}]}
  - {hostname: worker2, os: Linux, interfaces: [{ip_addr: 10.1.0.102}]}
EOF
"$SECGEN" learn "$SRC/tests/logs/hdfs_block_writes.csv" -o "$T/fm.json" -q
RUN=(generate -q -m "$T/fm.json" -c "$T/net.yaml" -n 12 -s 5)
"$SECGEN" "${RUN[@]}" -j 1 --flows-out "$T/a.csv" --logs "$T/a"
"$SECGEN" "${RUN[@]}" -j 2 --flows-out "$T/b.csv" --logs "$T/b"
cmp -s "$T/a.csv" "$T/b.csv" || fail "-j 1 and -j 2 flows differ"
diff -r "$T/a" "$T/b" >/dev/null || fail "-j 1 and -j 2 logs differ"
ls "$T"/a/hosts/*/hdfs.log >/dev/null 2>&1 || fail "no hdfs.log for the DataNodes"
for f in "$T"/a/hosts/*/hdfs.log; do cut -c1-13 "$f" | sort -c || fail "$f not in time order"; done
python3 - "$T/a" "$T/a.csv" "$SRC/tests/logs/HDFS_templates.csv" "$T/seqs.csv" <<'PY' || fail "hdfs.log"
import csv, glob, json, re, sys, calendar, datetime
d, flows_csv, tpl_csv, seqs_out = sys.argv[1:5]
tpl = [(r["EventId"], re.compile("^" + ".*".join(re.escape(p) for p in r["EventTemplate"].split("<*>")) + "$", re.S))
       for r in csv.DictReader(open(tpl_csv))]
flows = {r["community_id"]: r for r in csv.DictReader(open(flows_csv))}
conn = {json.loads(l)["community_id"]: json.loads(l) for l in open(d + "/conn.log")}
dn_ips = {"10.1.0.11", "10.1.0.12", "10.1.0.13", "10.1.0.14"}
head = re.compile(r"^(\d{6}) (\d{6}) (\d+) (INFO|WARN) ([A-Za-z.$]+): (.*)$")
def epoch(day, hms):
    return calendar.timegm(datetime.datetime.strptime(day + hms, "%y%m%d%H%M%S").timetuple())
blocks = {}  # block -> (host, [(t, event, message)])
n_lines = 0
for path in sorted(glob.glob(d + "/hosts/*/hdfs.log")):
    host = path.split("/")[-2]
    for line in open(path):
        m = head.match(line.rstrip("\n"))
        assert m, (path, line)
        msg = m.group(6)
        hits = [e for e, p in tpl if p.match(msg)]
        assert len(hits) == 1, (path, line, hits)
        ids = re.findall(r"blk_-?\d+", msg)
        assert ids and len(set(ids)) == 1, (path, line)
        h, ev = blocks.setdefault(ids[0], (host, []))
        assert h == host, ("a block in two files", ids[0])
        ev.append((epoch(m.group(1), m.group(2)), hits[0], msg))
        n_lines += 1
# the DataNode's endpoint event ties each block to its connection
tie = {}
for path in glob.glob(d + "/hosts/*/endpoint.ndjson"):
    for l in open(path):
        e = json.loads(l)
        b = e.get("labels", {}).get("hdfs_block_id")
        if b:
            assert e["event"]["action"] == "connection-accepted" and e["destination"]["port"] == 50010, e
            tie[b] = (path.split("/")[-2], e["network"]["community_id"])
# (the learnt flow model also draws writes to x.y.z.255, which the network mapping keeps as a
# broadcast address: not a config DataNode, no block)
n50010 = sum(1 for r in flows.values() if r["dst_port"] == "50010" and r["dst_ip"] in dn_ips)
assert n50010 >= 5, n50010
assert set(tie) == set(blocks), (len(tie), len(blocks))
assert len(blocks) == n50010, (len(blocks), n50010)
w = csv.writer(open(seqs_out, "w", newline=""), lineterminator="\n")
w.writerow(["block_id", "label", "n_events", "start_epoch_s", "duration_s", "events", "deltas_s"])
for b, (host, ev) in blocks.items():
    h, cid = tie[b]
    assert h == host, (b, h, host)
    f, c = flows[cid], conn[cid]
    start = datetime.datetime.strptime(f["start"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    assert 0 <= ev[0][0] - int(start) <= 1, ("first line not at the connection's start", b, ev[0], f["start"])
    assert all(t >= int(start) for t, _, _ in ev), b
    e5 = [m for _, e, m in ev if e == "E5"]
    want = "src: /%s:%s dest: /%s:%s" % (f["src_ip"], f["src_port"], f["dst_ip"], f["dst_port"])
    assert e5 and e5[0].endswith(want), (b, e5[:1], want)
    for _, e, m in ev:
        for ip in re.findall(r"\d+\.\d+\.\d+\.\d+", m):
            assert ip in dn_ips or ip == f["src_ip"], (b, m)
        for s in re.findall(r"size (\d+)", m):
            assert int(s) == c["orig_bytes"], (b, m, c["orig_bytes"])
    deltas = [0] + [ev[i][0] - ev[i - 1][0] for i in range(1, len(ev))]
    w.writerow([b, "Normal", len(ev), ev[0][0], ev[-1][0] - ev[0][0], " ".join(e for _, e, _ in ev), " ".join(map(str, deltas))])
print("ok:", len(blocks), "blocks,", n_lines, "lines")
PY
# accepted: each block's events are a path of the automaton from its initial to its final state
# (read from the model file: an independent walk, not the sampler's own code)
python3 - "$SRC/models/hdfs.json" "$T/seqs.csv" <<'PY' || fail "a block's events are not a path of the automaton"
import csv, json, sys
m = json.load(open(sys.argv[1]))
step = {}
for e in m["edges"]:
    step.setdefault((e["source"], e["symbol"]), set()).add(e["target"])
final = m["final_state"]
rows = list(csv.DictReader(open(sys.argv[2])))
for r in rows:
    cur = {m["initial_state"]}
    for sym in r["events"].split() + ["$"]:
        cur = set().union(*[step.get((q, sym), set()) for q in cur])
    assert final in cur, ("not accepted", r["block_id"], r["events"])
print("ok:", len(rows), "blocks accepted by models/hdfs.json")
PY
echo "ok"
