#!/usr/bin/env python3
"""HDFS_v1 block writes as flows (native CSV), the traffic behind the HDFS log (docs/logs.md "HDFS").
Per Normal block: the client's connection to the pipeline's first DataNode, read off the real log
lines: start, client and DataNode address:port from the block's first "Receiving block B src: /C:p
dest: /D:50010"; end at the first DataNode's "Received block B of size S from /C" (1 s resolution);
payload S. The log has no packet counts: they are estimated as full 1448-byte segments (+ SYN, the
last ACK and FIN) and one ACK per two segments (delayed ACK), 52 header bytes each (TCP timestamps).
Usage: hdfs_block_writes.py hdfs_2pct_events_raw.csv.xz hdfs_2pct_sequences.csv OUT.csv [MAX_ROWS]
"""
import csv, lzma, sys, collections, datetime, math
raw, seqs, out = sys.argv[1], sys.argv[2], sys.argv[3]
normal = {r["block_id"] for r in csv.DictReader(open(seqs)) if r["label"] == "Normal"}
first = {}   # block -> [(t, src, sport, dst, dport)] of its "Receiving block" lines
recv = {}    # (block, src ip) -> (t, size)
def ts(d, t): return datetime.datetime.strptime(d + t, "%y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)
for r in csv.DictReader(lzma.open(raw, "rt")):
    b, m = r["seq_id"], r["m_message"]
    if b not in normal: continue
    if m.startswith("Receiving block "):
        w = m.split()
        s, d = w[4].lstrip("/"), w[6].lstrip("/")
        first.setdefault(b, []).append((ts(r["date"], r["time"]), *s.rsplit(":", 1), *d.rsplit(":", 1)))
    elif m.startswith("Received block ") and " from /" in m:
        w = m.split()
        recv.setdefault((b, w[-1].lstrip("/")), (ts(r["date"], r["time"]), int(w[5])))
rows = []
for b, e5 in first.items():
    # the pipeline's head: the hop whose source is no other hop's DataNode (the client; a client
    # on the first DataNode itself writes to its own address)
    head = [e for i, e in enumerate(e5) if not any(j != i and f[3] == e[1] for j, f in enumerate(e5))]
    if not head: continue
    t, s, sp, d, dp = head[0]
    if (b, s) not in recv: continue
    t1, size = recv[(b, s)]
    rows.append((t, b, s, sp, d, dp, (t1 - t).total_seconds(), size))
rows.sort()
if len(sys.argv) > 4: rows = rows[: int(sys.argv[4])]
w = csv.writer(open(out, "w", newline=""), lineterminator="\n")
w.writerow("start,duration,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,fwd_bytes,bwd_packets,bwd_bytes,flags".split(","))
for t, b, s, sp, d, dp, dur, size in rows:
    seg = math.ceil(size / 1448)
    w.writerow([t.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), f"{dur:.6f}", "TCP", s, sp, d, dp, seg + 3, size + 52 * (seg + 3), seg // 2 + 2, 52 * (seg // 2 + 2), ".AP.SF"])
print(len(rows), "block writes", file=sys.stderr)
