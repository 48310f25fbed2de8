#!/usr/bin/env bash
# secgen generate --logs: conn.log and the flows CSV's community_id checked against the pcap as
# tshark dissects it (an independent reader): per connection, the Community ID of every packet
# (tshark's communityid dissector), packets, payload and IP bytes per side, conn_state and history
# letters from the TCP flags; the same bytes for -j 1 and -j 2; no logs left behind on failure.
set -u
: "${SECGEN:?}" "${SRC:?}"
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
run() { "$SECGEN" generate -q "$@"; }
run -n 200 -s 7 -j 1 --config "$SRC/examples/office.yaml" -o "$T/a.pcap" --flows-out "$T/a.csv" --logs "$T/la" || { echo "FAIL: generate"; exit 1; }
run -n 200 -s 7 -j 2 --config "$SRC/examples/office.yaml" -o "$T/b.pcap" --flows-out "$T/b.csv" --logs "$T/lb" || { echo "FAIL: generate -j 2"; exit 1; }
cmp -s "$T/la/conn.log" "$T/lb/conn.log" || { echo "FAIL: conn.log differs between -j 1 and -j 2"; fail=1; }
cmp -s "$T/a.csv" "$T/b.csv" || { echo "FAIL: flows CSV differs between -j 1 and -j 2"; fail=1; }
# a second run without a config (public endpoints, the model's own addresses)
run -n 150 -s 11 -o "$T/c.pcap" --flows-out "$T/c.csv" --logs "$T/lc" || { echo "FAIL: generate (no config)"; exit 1; }

check() { # pcap csv conn.log
  tshark --enable-protocol communityid -r "$1" -T fields -E separator=/t -e frame.time_epoch -e ip.src -e ipv6.src \
    -e ip.dst -e ipv6.dst -e ip.proto -e tcp.srcport -e udp.srcport -e tcp.dstport -e udp.dstport -e tcp.flags \
    -e tcp.len -e udp.length -e ip.len -e ipv6.plen -e communityid -e tcp.analysis.retransmission 2>/dev/null >"$T/pk.tsv"
  /usr/bin/python3 - "$T/pk.tsv" "$2" "$3" <<'PY'
import csv, json, sys
from collections import defaultdict
pk, flows_csv, conn = sys.argv[1:4]
# group tshark's packets by connection: canonical 5-tuple, then split by time (a tuple may be reused)
by = defaultdict(list)
for line in open(pk):
    f = line.rstrip("\n").split("\t")
    t, s4, s6, d4, d6, proto, tsp, usp, tdp, udp_, flags, tlen, ulen, iplen, plen6, cid, retx = f
    src, dst = s4 or s6, d4 or d6
    sp, dp = int(tsp or usp or 0), int(tdp or udp_ or 0)
    proto = int(proto) if proto else (6 if tsp else 17)
    pay = int(tlen) if tlen else (int(ulen) - 8 if ulen else 0)
    ipb = int(iplen) if iplen else int(plen6) + 40
    key = (proto,) + tuple(sorted([(src, sp), (dst, dp)]))
    by[key].append(dict(t=float(t), src=src, sp=sp, flags=int(flags, 16) if flags else 0, pay=pay, ipb=ipb, cid=cid, retx=retx == "1"))
errors = []
def err(m):
    if len(errors) < 10: errors.append(m)
recs = [json.loads(l) for l in open(conn)]
used = defaultdict(int)
states = defaultdict(int)
for r in recs:
    proto = {"tcp": 6, "udp": 17}.get(r["proto"], 1)
    o, p = (r["id.orig_h"], r["id.orig_p"]), (r["id.resp_h"], r["id.resp_p"])
    key = (proto,) + tuple(sorted([o, p]))
    end = r["ts"] + r.get("duration", 0)
    pkts = [x for x in by.get(key, []) if r["ts"] - 1e-6 <= x["t"] <= end + 1e-6]
    used[key] += len(pkts)
    if not pkts:
        err(f"{r['uid']}: no packets in the pcap for {key} at {r['ts']}"); continue
    ori = [x for x in pkts if (x["src"], x["sp"]) == o]
    rsp = [x for x in pkts if (x["src"], x["sp"]) != o]
    want = dict(orig_pkts=len(ori), resp_pkts=len(rsp), orig_ip_bytes=sum(x["ipb"] for x in ori),
                resp_ip_bytes=sum(x["ipb"] for x in rsp))
    if "duration" in r:
        # Zeek counts payload bytes by sequence number: a retransmission adds none
        want.update(orig_bytes=sum(x["pay"] for x in ori if not x["retx"]), resp_bytes=sum(x["pay"] for x in rsp if not x["retx"]))
    for k, v in want.items():
        if r.get(k) != v: err(f"{r['uid']}: {k} {r.get(k)} but the pcap has {v}")
    if abs(pkts[0]["t"] - r["ts"]) > 1e-6: err(f"{r['uid']}: ts {r['ts']} but the first packet is at {pkts[0]['t']}")
    cids = {x["cid"] for x in pkts}
    if cids != {r.get("community_id")}: err(f"{r['uid']}: community_id {r.get('community_id')} but tshark says {cids}")
    cs, h = r["conn_state"], r.get("history", "")
    states[cs] += 1
    if proto == 6:
        # TCP: flags per side (S=2, A=16, F=1, R=4), judged with the conn_state definitions of Zeek's conn.log
        def has(side, m, ack=None):
            return any(x["flags"] & m and (ack is None or bool(x["flags"] & 16) == ack) for x in side)
        oS, rSA = has(ori, 2, False), has(rsp, 2, True)
        oF, rF = has(ori, 1), has(rsp, 1)
        # a RST counts unless its sender and the peer had both sent a FIN before it: Zeek's
        # TCPSessionAdapter::UpdateClosedState leaves a side CLOSED on a RST "since this connection
        # has already seen a FIN exchange" (the connection stays SF)
        fin, oR, rR = {True: False, False: False}, False, False
        for x in pkts:
            mine = (x["src"], x["sp"]) == o
            if x["flags"] & 4 and not (fin[mine] and fin[not mine]):
                if mine: oR = True
                else: rR = True
            if x["flags"] & 1: fin[mine] = True
        if rR and oS and not rSA: w = "REJ"
        elif oR and oS and rSA: w = "RSTO"
        elif rR and oS and rSA: w = "RSTR"
        elif oR and oS and not rsp: w = "RSTOS0"
        elif oF and rF and oS and rSA: w = "SF"
        elif oS and not rsp: w = "S0"
        elif oS and rSA and not oF and not rF: w = "S1"
        elif oF and oS and rSA: w = "S2"
        elif rF and oS and rSA: w = "S3"
        else: w = None
        if w and cs != w: err(f"{r['uid']}: conn_state {cs} but the flags say {w} (history {h})")
        for letter, side, m, ack in (("S", ori, 2, False), ("h", rsp, 2, True), ("F", ori, 1, None), ("f", rsp, 1, None),
                                     ("R", ori, 4, None), ("r", rsp, 4, None)):
            if (letter in h) != has(side, m, ack): err(f"{r['uid']}: history {h}: '{letter}' disagrees with the flags")
        for letter, side in (("D", ori), ("d", rsp)):
            data = any(x["pay"] and not x["flags"] & 7 for x in side)
            if (letter in h) != data: err(f"{r['uid']}: history {h}: '{letter}' disagrees with the payloads")
        for letter, side in (("T", ori), ("t", rsp)): # retransmissions, as tshark's TCP analysis sees them
            if (letter in h) != any(x["retx"] for x in side): err(f"{r['uid']}: history {h}: '{letter}' disagrees with tshark's retransmissions")
    elif proto == 17:
        w = "SF" if ori and rsp else "S0" if ori else "SHR"
        if cs != w: err(f"{r['uid']}: UDP conn_state {cs}, expected {w}")
total = sum(len(v) for v in by.values())
if sum(used.values()) != total: err(f"conn.log covers {sum(used.values())} of the pcap's {total} packets")
# the flows CSV: every row's community_id is the one tshark computes for that connection's packets
rows = list(csv.DictReader(open(flows_csv)))
if len(rows) != len(recs): err(f"{len(rows)} flows but {len(recs)} conn.log records")
for i, row in enumerate(rows):
    proto = {"TCP": 6, "UDP": 17}.get(row["proto"], 1)
    key = (proto,) + tuple(sorted([(row["src_ip"], int(row["src_port"])), (row["dst_ip"], int(row["dst_port"]))]))
    c = {x["cid"] for x in by.get(key, [])}
    if row["community_id"] not in c: err(f"flows CSV row {i + 2}: community_id {row['community_id']} not tshark's {c}")
    if i < len(recs) and recs[i].get("community_id") != row["community_id"]: err(f"row {i + 2}: CSV and conn.log IDs differ")
if errors:
    print("\n".join("FAIL: " + e for e in errors)); sys.exit(1)
print(f"ok: {len(recs)} conn.log records = {len(rows)} flows, {total} packets; states {dict(states)}")
PY
}
check "$T/a.pcap" "$T/a.csv" "$T/la/conn.log" || fail=1
check "$T/c.pcap" "$T/c.csv" "$T/lc/conn.log" || fail=1

# usage and runtime errors: --logs without -o; a log folder that is a file; nothing left behind
"$SECGEN" generate -q -n 10 --flows-out "$T/x.csv" --logs "$T/lx" 2>"$T/e1"; [ $? -eq 2 ] && grep -q -- "--logs" "$T/e1" || { echo "FAIL: --logs without -o is not a usage error"; fail=1; }
: >"$T/afile"
"$SECGEN" generate -q -n 10 -o "$T/y.pcap" --logs "$T/afile" 2>"$T/e2"; [ $? -eq 1 ] && grep -q "not a directory" "$T/e2" || { echo "FAIL: a file as --logs: $(cat "$T/e2")"; fail=1; }
[ ! -e "$T/y.pcap" ] || { echo "FAIL: pcap left behind after a failed run"; fail=1; }
[ $fail -eq 0 ] && echo "ok: conn.log and community_id agree with tshark"
exit $fail
