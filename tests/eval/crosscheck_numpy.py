#!/usr/bin/python3
# Cross-check of secgen evaluate against straightforward numpy/scipy implementations of the
# paper's metric definitions (numpy.histogram 'fd', scipy jensenshannon, corrcoef, explicit one-hot
# encoding + dense distances for Density/Coverage). Usage: crosscheck_numpy.py REAL.csv SYNTH.csv
# secgen.json, where both CSVs are in the native layout and the JSON comes from
# `secgen evaluate REAL SYNTH -r 1 -f json` with whole tables (n <= --sample). Exits 1 on mismatch.
# Note: secgen's flow reader clears TCP flags of non-TCP flows; the reference side does the same.
import csv, json, sys, numpy as np
from scipy.spatial.distance import jensenshannon
from datetime import datetime, timezone
def load(p):
    rows = list(csv.DictReader(open(p)))
    t = np.array([int(datetime.strptime(r['start'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=timezone.utc).timestamp()*1e6+0.5) for r in rows], dtype=np.int64)
    cont = np.array([[float(r['bwd_bytes']), float(r['fwd_bytes']), float(r['bwd_packets']), float(r['fwd_packets']), float(r['duration'])] for r in rows])
    disc = [[r['proto'], r['src_ip'], r['dst_ip'], r['dst_port'], r['flags'] if r['proto'] == 'TCP' else '......'] for r in rows]
    return t, cont, disc
tr, cr, dr = load(sys.argv[1]); tg, cg, dg = load(sys.argv[2])
J = json.load(open(sys.argv[3]))['metrics']
# EMD
emds = []
for c in range(5):
    edges = np.histogram_bin_edges(cr[:, c], bins='fd')
    hr, _ = np.histogram(cr[:, c], bins=edges); hg, _ = np.histogram(cg[:, c], bins=edges)
    Fr = np.cumsum(hr) / len(cr); Fg = np.cumsum(hg) / len(cg)
    emds.append(np.mean(np.abs(Fr - Fg)))
res = [('EMD', np.mean(emds), J['emd']['value'])]
# JSD
js = []
for c in range(5):
    vals = sorted(set(x[c] for x in dr) | set(x[c] for x in dg)); idx = {v: i for i, v in enumerate(vals)}
    p = np.zeros(len(vals)); q = np.zeros(len(vals))
    for x in dr: p[idx[x[c]]] += 1
    for x in dg: q[idx[x[c]]] += 1
    js.append(jensenshannon(p, q))
res.append(('JSD', np.mean(js), J['jsd']['value']))
# PCD
lo = np.minimum(cr.min(0), cg.min(0)); hi = np.maximum(cr.max(0), cg.max(0))
with np.errstate(all='ignore'):
    sr = (cr - lo) / (hi - lo); sg = (cg - lo) / (hi - lo)
    Cr = np.nan_to_num(np.corrcoef(sr.T)); Cg = np.nan_to_num(np.corrcoef(sg.T))
res.append(('PCD', np.linalg.norm(Cr - Cg), J['pcd']['value']))
# CMD
from collections import Counter
tot = 0
for a in range(5):
    for b in range(a + 1, 5):
        A = Counter((x[a], x[b]) for x in dr); B = Counter((x[a], x[b]) for x in dg)
        keys = set(A) | set(B)
        tot += np.sqrt(sum((A[k] / len(dr) - B[k] / len(dg)) ** 2 for k in keys))
res.append(('CMD', tot / 10, J['cmd']['value']))
# Density / Coverage with explicit one-hot encoding
cols = [('t', tr, tg, 'num')] + [('c%d' % c, cr[:, c], cg[:, c], 'num') for c in range(5)] + \
       [('d%d' % c, np.array([x[c] for x in dr]), np.array([x[c] for x in dg]), 'ip' if c in (1, 2, 3, 4) else 'cat') for c in range(5)]
Xr, Xg = [], []
for name, a, b, role in cols:
    u = np.concatenate([a, b])
    nd = len(set(u.tolist()))
    if role == 'ip' or nd < 40:
        vals = sorted(set(u.tolist()))
        oh = lambda arr: np.array([[1.0 if v == w else 0.0 for w in vals] for v in arr.tolist()])
        ea, eb = oh(a), oh(b)
    else:
        ea, eb = a.reshape(-1, 1).astype(float), b.reshape(-1, 1).astype(float)
    U = np.vstack([ea, eb]); mn = U.min(0); mx = U.max(0); sp = np.where(mx > mn, mx - mn, 1)
    ea = np.where(mx > mn, (ea - mn) / sp, 0); eb = np.where(mx > mn, (eb - mn) / sp, 0)
    Xr.append(ea); Xg.append(eb)
Xr = np.hstack(Xr); Xg = np.hstack(Xg)
def pdist(A, B):
    out = np.empty((len(A), len(B)))
    for i in range(0, len(A), 256):
        d = ((A[i:i+256, None, :] - B[None, :, :]) ** 2).sum(-1); out[i:i+256] = np.sqrt(d)
    return out
Drr = pdist(Xr, Xr); rho = np.sort(Drr, axis=1)[:, 5]
Drg = pdist(Xr, Xg)
dens = (Drg < rho[:, None]).sum() / (5 * len(Xg)); cov = (Drg.min(1) < rho).mean()
res += [('Density', dens, J['density']['value']), ('Coverage', cov, J['coverage']['value'])]
bad = 0
for name, ref, got in res:
    ok = abs(ref - got) <= 1e-8 * max(1.0, abs(ref))
    bad += not ok
    print(f"{name:9s} numpy {ref:.10f}  secgen {got:.10f}  {'ok' if ok else 'MISMATCH'}")
sys.exit(1 if bad else 0)
#