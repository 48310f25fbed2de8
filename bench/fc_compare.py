#!/usr/bin/env python3
"""First fidelity checks for bench/learn.sh: per-column Jensen-Shannon distance (natural log, as
spec §8) between a real hold-out table and a synthetic one, and flows per hour. As a yardstick the
same figures are given for the training half against the hold-out half (real vs real)."""
import csv, math, sys
from collections import Counter
from datetime import datetime, timezone

def parse_time(s):
    s = s.strip().replace("T", " ").rstrip("Z")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    raise ValueError(s)

def num(s):
    s = s.strip()
    mult = 1
    if s and s[-1] in "kKmMgG":
        mult = {"k": 1e3, "m": 1e6, "g": 1e9}[s[-1].lower()]; s = s[:-1]
    return float(s) * mult

def load(path):
    rows = []
    with open(path) as fp:
        r = csv.DictReader(fp)
        for x in r:
            if "Date first seen" in x:   # CIDDS
                rows.append(dict(t=parse_time(x["Date first seen"]), proto=x["Proto"].strip(), src_ip=x["Src IP Addr"],
                                 dst_ip=x["Dst IP Addr"], src_port=str(int(float(x["Src Pt"]))), dst_port=str(int(float(x["Dst Pt"]))),
                                 packets=num(x["Packets"]), bytes=num(x["Bytes"]), flags=x["Flags"].strip(), duration=float(x["Duration"])))
            elif "te" in x:              # UGR'16: te = end time
                d = float(x["td"])
                rows.append(dict(t=parse_time(x["te"]) - d, proto=x["pr"].strip(), src_ip=x["sa"], dst_ip=x["da"],
                                 src_port=x["sp"], dst_port=x["dp"], packets=num(x["pkt"]), bytes=num(x["byt"]),
                                 flags=x["flg"].strip(), duration=d))
            else:                        # native
                rows.append(dict(t=parse_time(x["start"]), proto=x["proto"], src_ip=x["src_ip"], dst_ip=x["dst_ip"],
                                 src_port=x["src_port"], dst_port=x["dst_port"],
                                 packets=float(x["fwd_packets"]) + float(x["bwd_packets"]),
                                 bytes=float(x["fwd_bytes"]) + float(x["bwd_bytes"]), flags=x["flags"],
                                 duration=float(x["duration"])))
    return rows

def jsd(a, b):
    ca, cb = Counter(a), Counter(b)
    na, nb = sum(ca.values()), sum(cb.values())
    s = 0.0
    for k in set(ca) | set(cb):
        p, q = ca[k] / na, cb[k] / nb
        m = (p + q) / 2
        if p > 0: s += 0.5 * p * math.log(p / m)
        if q > 0: s += 0.5 * q * math.log(q / m)
    return math.sqrt(max(s, 0.0))

def binner(ref):
    vals = sorted(ref)
    edges = sorted(set(vals[int(i * (len(vals) - 1) / 20)] for i in range(21)))
    def f(x):
        for i, e in enumerate(edges):
            if x <= e: return i
        return len(edges)
    return f

def hourly(rows):
    c = Counter(int(r["t"] // 3600) for r in rows)
    return c

def report(name, tag, real, other):
    cats = ["proto", "src_ip", "dst_ip", "src_port", "dst_port", "flags"]
    nums = ["packets", "bytes", "duration"]
    out = {}
    for c in cats:
        out[c] = jsd([r[c] for r in real], [r[c] for r in other])
    for c in nums:
        f = binner([r[c] for r in real])
        out[c] = jsd([f(r[c]) for r in real], [f(r[c]) for r in other])
    hr, ho = hourly(real), hourly(other)
    hours = range(min(hr), max(hr) + 1)
    mae = sum(abs(hr.get(h, 0) - ho.get(h, 0)) for h in hours) / len(hours)
    mean = sum(hr.get(h, 0) for h in hours) / len(hours)
    cat_mean = sum(out[c] for c in cats) / len(cats)
    num_mean = sum(out[c] for c in nums) / len(nums)
    print(f"[{name}] {tag}: JSD " + " ".join(f"{c}={v:.3f}" for c, v in out.items()) +
          f" | mean categorical {cat_mean:.3f}, numeric (20 quantile bins) {num_mean:.3f}")
    print(f"[{name}] {tag}: flows {len(other)} vs {len(real)}; flows/hour over the hold-out span: real mean {mean:.1f}, "
          f"mean |real - {tag.split()[0]}| per hour {mae:.1f}")

name, test, syn, train = sys.argv[1:5]
real, gen, tr = load(test), load(syn), load(train)
report(name, "synthetic vs hold-out", real, gen)
# the training half shifted onto the hold-out span is the "replay" yardstick for the hourly profile
report(name, "train-half vs hold-out", real, tr)
