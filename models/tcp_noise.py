#!/usr/bin/env python3
"""TCP noise rates of real captures -> models/noise.json (the noise `secgen generate` applies).

Per TCP data segment (payload > 0) of each flow direction, in capture order:
  retransmitted  a segment whose start was already seen in that direction (its first copy was
                 captured and later sent again: lost after the sensor, or its ACK was);
                 "fast" when the peer sent >= 2 duplicate ACKs since that direction last advanced
  reordered      a segment below the highest one seen that fills a gap left within 3 ms (tshark's
                 out-of-order rule): it was overtaken on the way to the sensor
  gap            a segment starting beyond the highest sequence seen (a segment before it was not
                 captured: lost before the sensor, or the capture started mid-flow)
Rates are per data segment, globally and per server port with >= MIN_SEGMENTS data segments.
Standard library only (pcap and pcapng readers below), deterministic: same captures -> same JSON.
Usage: tcp_noise.py CAPTURE... -o noise.json
"""
import json, struct, sys

MIN_SEGMENTS = 2000
OOO_NS = 3_000_000


def frames(path):
    """yield (t_ns, linktype, bytes) for each packet of a pcap or pcapng file"""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        lt = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
        o = 24
        while o + 16 <= len(data):
            s, f, cl, _ = struct.unpack(e + "IIII", data[o:o + 16])
            o += 16
            yield s * 1_000_000_000 + (f if nano else f * 1000), lt, data[o:o + cl]
            o += cl
        return
    if magic != b"\x0a\x0d\x0d\x0a":
        return
    e, o, ifs = "<", 0, []
    while o + 12 <= len(data):
        bt = struct.unpack(e + "I", data[o:o + 4])[0]
        if bt == 0x0A0D0D0A:
            e = "<" if data[o + 8:o + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifs = []
        bl = struct.unpack(e + "I", data[o + 4:o + 8])[0]
        if bl < 12:
            return
        body = data[o + 8:o + bl - 4]
        if bt == 1:
            lt = struct.unpack(e + "H", body[:2])[0]
            res, p = 6, 8
            while p + 4 <= len(body):
                code, ln = struct.unpack(e + "HH", body[p:p + 4])
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    v = body[p + 4]
                    res = -(v & 0x7F) if v & 0x80 else v  # negative: power of 2
                p += 4 + ((ln + 3) & ~3)
            ifs.append((lt, res))
        elif bt == 6 and len(body) >= 20:
            iid, hi, lo, cl = struct.unpack(e + "IIII", body[:16])
            if iid < len(ifs):
                lt, res = ifs[iid]
                ts = (hi << 32) | lo
                t = ts * 1_000_000_000 // (10 ** res) if res >= 0 else ts * 1_000_000_000 // (2 ** -res)
                yield t, lt, body[20:20 + cl]
        elif bt == 3 and ifs:
            yield 0, ifs[0][0], body[4:]
        o += bl


def tcp(lt, b):
    """-> (src, dst, sport, dport, seq, ack, flags, win, payload_len) or None"""
    if lt == 1:
        et, o = struct.unpack(">H", b[12:14])[0] if len(b) >= 14 else 0, 14
        while et in (0x8100, 0x88A8) and len(b) >= o + 4:
            et, o = struct.unpack(">H", b[o + 2:o + 4])[0], o + 4
    elif lt == 113:
        et, o = (struct.unpack(">H", b[14:16])[0] if len(b) >= 16 else 0), 16
    elif lt == 276:
        et, o = (struct.unpack(">H", b[0:2])[0] if len(b) >= 20 else 0), 20
    elif lt in (101, 12, 14, 228, 229):
        et, o = (0x0800 if b and b[0] >> 4 == 4 else 0x86DD), 0
    elif lt in (0, 108):
        et, o = (0x0800 if len(b) > 4 and b[4] >> 4 == 4 else 0x86DD), 4
    else:
        return None
    if et == 0x0800 and len(b) >= o + 20:
        ihl = (b[o] & 15) * 4
        if b[o + 9] != 6 or struct.unpack(">H", b[o + 6:o + 8])[0] & 0x1FFF:
            return None
        tot = struct.unpack(">H", b[o + 2:o + 4])[0]
        src, dst, l4, end = b[o + 12:o + 16], b[o + 16:o + 20], o + ihl, o + tot
    elif et == 0x86DD and len(b) >= o + 40:
        if b[o + 6] != 6:
            return None
        src, dst, l4 = b[o + 8:o + 24], b[o + 24:o + 40], o + 40
        end = l4 + struct.unpack(">H", b[o + 4:o + 6])[0]
    else:
        return None
    if len(b) < l4 + 20:
        return None
    sp, dp, seq, ack, off, fl, win = struct.unpack(">HHIIBBH", b[l4:l4 + 16])
    return src, dst, sp, dp, seq, ack, fl, win, max(0, end - l4 - (off >> 4) * 4)


class Side:
    __slots__ = ("nxt", "starts", "gap_t", "last_ack", "last_win", "dupacks", "t_hi")

    def __init__(self):
        self.nxt = None
        self.starts = set()
        self.gap_t = None
        self.last_ack = self.last_win = None
        self.dupacks = 0
        self.t_hi = 0


def measure(paths):
    cnt = {}  # service port -> [data, retx, fast, reorder, gap]
    for path in paths:
        flows = {}
        for t, lt, b in frames(path):
            r = tcp(lt, b)
            if not r:
                continue
            src, dst, sp, dp, seq, ack, fl, win, n = r
            k = (src, sp, dst, dp)
            rk = (dst, dp, src, sp)
            if k not in flows and rk not in flows:
                # the server port: the SYN's destination, else the lower port
                srv = dp if (fl & 0x12) == 0x02 else (sp if (fl & 0x12) == 0x12 else min(sp, dp))
                flows[k] = {"srv": srv, k: Side(), rk: Side()}
            fe = flows[k] if k in flows else flows[rk]
            me, peer = fe[k], fe[rk]
            c = cnt.setdefault(fe["srv"], [0, 0, 0, 0, 0])
            if fl & 0x10 and n == 0 and not fl & 0x07:  # pure ACK: duplicate?
                if me.last_ack == ack and me.last_win == win:
                    me.dupacks += 1
                me.last_ack, me.last_win = ack, win
            elif fl & 0x10:
                me.last_ack, me.last_win = ack, win
            if fl & 0x02:
                me.nxt = (seq + 1) & 0xFFFFFFFF
                continue
            if n == 0 or fl & 0x04:
                continue
            c[0] += 1
            if me.nxt is None:
                me.nxt = (seq + n) & 0xFFFFFFFF
                me.starts.add(seq)
                me.t_hi = t
                continue
            d = (seq - me.nxt) & 0xFFFFFFFF
            if d == 0:
                me.nxt = (seq + n) & 0xFFFFFFFF
                me.t_hi = t
                peer.dupacks = 0
            elif d < 0x80000000:  # beyond the highest: a segment before it was not captured
                c[4] += 1
                me.nxt = (seq + n) & 0xFFFFFFFF
                me.t_hi = t
            elif seq in me.starts:
                c[1] += 1
                if peer.dupacks >= 2:
                    c[2] += 1
                peer.dupacks = 0
            elif t - me.t_hi <= OOO_NS:
                c[3] += 1
            else:  # fills a gap late: retransmission of a segment the capture missed
                c[1] += 1
            me.starts.add(seq)
            if len(me.starts) > 4096:
                me.starts.clear()
    return cnt


def rates(c):
    data = max(c[0], 1)
    return {"data_segments": c[0], "loss": round(c[1] / data, 6), "fast_share": round(c[2] / c[1], 6) if c[1] else 0.0,
            "reorder": round(c[3] / data, 6), "gap": round(c[4] / data, 6)}


def main():
    a = sys.argv[1:]
    if "-o" not in a or a.index("-o") + 1 >= len(a):
        sys.exit("usage: tcp_noise.py CAPTURE... -o noise.json")
    i = a.index("-o")
    out = a[i + 1]
    paths = sorted(a[:i] + a[i + 2:])
    cnt = measure(paths)
    tot = [sum(v[j] for v in cnt.values()) for j in range(5)]
    svc = {str(p): rates(v) for p, v in sorted(cnt.items()) if v[0] >= MIN_SEGMENTS}
    doc = {"format": "secgen-tcp-noise", "version": 1,
           "what": "per TCP data segment: loss (lost after the sensor, retransmitted), fast_share (of those, "
                   "after >= 2 duplicate ACKs), reorder (overtaken before the sensor), gap (not captured)",
           "captures": len(paths), "global": rates(tot), "services": svc}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"  {tot[0]} data segments in {len(paths)} captures: loss {tot[1] / max(tot[0], 1):.4f}, reorder "
          f"{tot[3] / max(tot[0], 1):.4f}, gap {tot[4] / max(tot[0], 1):.4f}; services {', '.join(svc)}")


if __name__ == "__main__":
    main()
