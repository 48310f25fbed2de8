#!/usr/bin/env python3
"""Independent AUROC check of `secgen detect`: recomputes each (detector, trained_on) AUROC from
the --scores-out CSV by the Mann-Whitney rank statistic (average ranks for ties), python3 stdlib
only, and compares it with the JSON report. Exit 1 on a difference above 1e-9.
Usage: detect_auroc.py SCORES.csv REPORT.json"""
import csv, json, sys
from collections import defaultdict

def auroc(pairs):
    # pairs: (score, is_attack); rank-sum formula with mid-ranks
    pairs = sorted(pairs)
    ranks = [0.0] * len(pairs)
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        for k in range(i, j):
            ranks[k] = (i + 1 + j) / 2.0
        i = j
    npos = sum(1 for _, a in pairs if a)
    nneg = len(pairs) - npos
    if npos == 0 or nneg == 0:
        return float("nan")
    rs = sum(r for r, (_, a) in zip(ranks, pairs) if a)
    return (rs - npos * (npos + 1) / 2.0) / (npos * nneg)

rows = defaultdict(list)
with open(sys.argv[1], newline="") as f:
    for r in csv.DictReader(f):
        rows[(r["detector"], r["trained_on"])].append((float(r["score"]), r["label"] != "0"))
rep = json.load(open(sys.argv[2]))
bad = 0
for (det, side), pairs in sorted(rows.items()):
    mine = auroc(pairs)
    theirs = rep["detectors"][det][side]["auroc"]
    ok = abs(mine - theirs) <= 1e-9
    bad += not ok
    print("cross-check %-8s %-9s python %.6f  secgen %.6f  %s" % (det, side, mine, theirs, "ok" if ok else "DIFFERENT"))
sys.exit(1 if bad else 0)
