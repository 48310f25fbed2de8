#!/usr/bin/env python3
"""TCP noise rates of real captures -> models/noise.json (the noise `secgen generate` applies).

Per TCP data segment (payload > 0) of each flow direction, in capture order:
  retransmitted  a segment whose start was already seen in that direction (its first copy was
                 captured and later sent again: lost after the sensor, or its ACK was);
                 "fast" when the peer sent >= 2 duplicate ACKs since that direction last advanced;
                 a 1-byte keep-alive is not one (until version 1 it was)
  reordered      a segment below the highest one seen that fills a gap left within 3 ms (tshark's
                 out-of-order rule): it was overtaken on the way to the sensor
  late           a segment below the highest one seen, not a copy, later than that: it fills a
                 hole late (lost before the sensor and retransmitted); until version 1 counted in loss
  gap            a segment starting beyond the highest sequence seen (a segment before it was not
                 captured: lost before the sensor, or the capture started mid-flow)
  keep-alive     0 or 1 byte at the sender's next sequence number less one (tshark's rule); the
                 rate is per idle gap of >= 1 s in a connection (where a keep-alive timer can fire)
  window update  a pure ACK repeating its side's acknowledgement with another window; per data
                 segment (the receiver's application read what arrived)
  duplicate ACK  a pure ACK repeating its side's acknowledgement and window; of the retransmissions
                 whose segment had later ones sent behind it (behind_share of all), the shares
                 after >= 1 and >= 2 duplicate ACKs of its first byte (dupack_share, dupack2_share;
                 version 2) and, by the number of the side's data segments sent between the first
                 copy and this one (1, 2, >= 3), the shares with 0, 1, 2, >= 3 of them
                 (dupack_trains, version 3: what generation draws from)
  spurious       a retransmission of bytes the peer had acknowledged (the ACK was lost after the
                 sensor); a share of the retransmissions
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
    __slots__ = ("nxt", "starts", "last_ack", "last_win", "dupacks", "t_hi", "t_last", "holes", "ka", "dup_at", "ndata")

    def __init__(self):
        self.nxt = None
        self.starts = {}  # first byte of each data segment -> the side's data segments before it
        self.ndata = 0
        self.last_ack = self.last_win = None
        self.dupacks = 0
        self.t_hi = 0
        self.t_last = None
        self.holes = []  # [start, end) ranges beyond which a later segment was captured first
        self.ka = False  # the side's last packet was a keep-alive
        self.dup_at = {}  # the peer's duplicate ACKs by the byte they acknowledge (of this side)


# counters per service port
(DATA, RETX, FAST, REORDER, GAP, LATE, KA, KA_IDLE, IDLE, ACKNEW, WUPD, DUPACK, SPUR, DUP_IN_GAP, RETX_DUP, BEHIND,
 BEHIND_DUP, BEHIND_DUP2) = range(18)
TRAIN = 18  # 12 counters: losses with 1, 2, >= 3 segments behind x 0, 1, 2, >= 3 duplicate ACKs before the copy
NC = 30
KA_MIN_IDLE_NS = 1_000_000_000  # an idle gap this long may end in a keep-alive (see ka_idle)


def sub(a, b):
    return (a - b) & 0xFFFFFFFF


def measure(paths):
    cnt = {}  # service port -> counters (indices above)
    ka_idles = []
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
                flows[k] = {"srv": srv, "t": None, k: Side(), rk: Side()}
            fe = flows[k] if k in flows else flows[rk]
            me, peer = fe[k], fe[rk]
            c = cnt.setdefault(fe["srv"], [0] * NC)
            idle = t - fe["t"] if fe["t"] is not None else 0
            fe["t"] = t
            if idle >= KA_MIN_IDLE_NS:
                c[IDLE] += 1
            was_ka, me.ka = me.ka, False
            # keep-alive (tshark's rule): 0 or 1 byte at the sender's next sequence number less one
            if (n <= 1 and me.nxt is not None and seq == sub(me.nxt, 1) and not fl & 0x07):
                c[KA] += 1
                if idle >= KA_MIN_IDLE_NS:
                    c[KA_IDLE] += 1
                ka_idles.append(idle)
                me.ka = True
                me.last_ack, me.last_win = ack, win
                continue
            if fl & 0x10 and n == 0 and not fl & 0x07:  # pure ACK: new, duplicate or window update?
                if me.last_ack == ack and (me.nxt is None or seq == me.nxt):
                    if me.last_win == win and not peer.ka:
                        me.dupacks += 1
                        c[DUPACK] += 1
                        peer.dup_at[ack] = peer.dup_at.get(ack, 0) + 1
                        if peer.holes:
                            c[DUP_IN_GAP] += 1
                    elif me.last_win != win and win:
                        c[WUPD] += 1
                elif me.last_ack is not None and sub(ack, me.last_ack) < 0x80000000:
                    c[ACKNEW] += 1
                me.last_ack, me.last_win = ack, win
            elif fl & 0x10:
                me.last_ack, me.last_win = ack, win
            peer.ka = False
            if fl & 0x02:
                me.nxt = (seq + 1) & 0xFFFFFFFF
                continue
            if n == 0 or fl & 0x04:
                continue
            c[DATA] += 1
            me.ndata += 1
            if me.nxt is None:
                me.nxt = (seq + n) & 0xFFFFFFFF
                me.starts[seq] = me.ndata
                me.t_hi = t
                continue
            d = sub(seq, me.nxt)
            if d == 0:
                me.nxt = (seq + n) & 0xFFFFFFFF
                me.t_hi = t
                peer.dupacks = 0
            elif d < 0x80000000:  # beyond the highest: a segment before it was not captured
                c[GAP] += 1
                me.holes.append(me.nxt)
                del me.holes[:-8]
                me.nxt = (seq + n) & 0xFFFFFFFF
                me.t_hi = t
            else:
                if seq in me.holes:
                    me.holes.remove(seq)
                if seq in me.starts:
                    c[RETX] += 1
                    dups = me.dup_at.pop(seq, 0)  # the peer's repeated ACKs of its first byte before the copy
                    c[RETX_DUP] += dups > 0
                    if (seq + n) & 0xFFFFFFFF != me.nxt:  # later segments had been sent behind it
                        c[BEHIND] += 1
                        c[BEHIND_DUP] += dups > 0
                        c[BEHIND_DUP2] += dups > 1
                        # how many (data segments of the side between the first copy and this
                        # one), and the duplicate ACKs the receiver sent for them
                        behind = min(max(me.ndata - me.starts[seq] - 1, 1), 3)
                        c[TRAIN + 4 * (behind - 1) + min(dups, 3)] += 1
                    if peer.dupacks >= 2:
                        c[FAST] += 1
                    if peer.last_ack is not None and sub(peer.last_ack, (seq + n) & 0xFFFFFFFF) < 0x80000000:
                        c[SPUR] += 1  # the peer had acknowledged it: its ACK was lost after the sensor
                    peer.dupacks = 0
                elif t - me.t_hi <= OOO_NS:
                    c[REORDER] += 1
                else:  # fills a hole late: lost before the sensor, retransmitted
                    c[LATE] += 1
            me.starts.setdefault(seq, me.ndata)
            if len(me.starts) > 4096:
                me.starts.clear()
    return cnt, ka_idles


MIN_TRAIN_LOSSES = 20  # a service's row of dupack_trains with fewer losses takes the global row


def trains(c, glob=None):
    """dupack_trains: per row (losses with 1, 2, >= 3 of the side's segments sent behind them before
    the copy) the shares with 0, 1, 2, >= 3 duplicate ACKs of the hole before the copy, and the
    losses counted; a service's row with too few losses is the global one"""
    rows, n = [], []
    for b in range(3):
        k = c[TRAIN + 4 * b:TRAIN + 4 * b + 4]
        if sum(k) < MIN_TRAIN_LOSSES and glob is not None:
            k = glob[TRAIN + 4 * b:TRAIN + 4 * b + 4]
        t = sum(k)
        rows.append([round(x / t, 6) if t else (1.0 if i == 0 else 0.0) for i, x in enumerate(k)])
        n.append(t)
    return {"losses": n, "p": rows}


def rates(c, glob=None):
    data = max(c[DATA], 1)
    return {"data_segments": c[DATA], "loss": round(c[RETX] / data, 6),
            "fast_share": round(c[FAST] / c[RETX], 6) if c[RETX] else 0.0,
            "dupack_share": round(c[BEHIND_DUP] / c[BEHIND], 6) if c[BEHIND] else 0.0,
            "dupack2_share": round(c[BEHIND_DUP2] / c[BEHIND], 6) if c[BEHIND] else 0.0,
            "behind_share": round(c[BEHIND] / c[RETX], 6) if c[RETX] else 0.0,
            "spurious_share": round(c[SPUR] / c[RETX], 6) if c[RETX] else 0.0,
            "reorder": round(c[REORDER] / data, 6), "late": round(c[LATE] / data, 6), "gap": round(c[GAP] / data, 6),
            "keepalive": round(c[KA_IDLE] / c[IDLE], 6) if c[IDLE] else 0.0,
            "window_update": round(c[WUPD] / data, 6), "dupack_trains": trains(c, glob)}


def main():
    a = sys.argv[1:]
    if "-o" not in a or a.index("-o") + 1 >= len(a):
        sys.exit("usage: tcp_noise.py CAPTURE... -o noise.json")
    i = a.index("-o")
    out = a[i + 1]
    paths = sorted(a[:i] + a[i + 2:])
    cnt, ka_idles = measure(paths)
    tot = [sum(v[j] for v in cnt.values()) for j in range(NC)]
    svc = {str(p): rates(v, tot) for p, v in sorted(cnt.items()) if v[DATA] >= MIN_SEGMENTS}
    doc = {"format": "secgen-tcp-noise", "version": 3,
           "what": "per TCP data segment: loss (lost after the sensor, retransmitted), fast_share and spurious_share "
                   "(of those: after >= 2 duplicate ACKs; already acknowledged), dupack_share and dupack2_share (of "
                   "those with later segments sent behind them: >= 1, >= 2 duplicate ACKs of the first byte before "
                   "the copy), behind_share (of the losses: later segments of the side were sent behind it before the copy), dupack_trains (of the losses with 1, 2, >= 3 of the side's segments sent behind them before the "
                   "copy: the shares with 0, 1, 2, >= 3 duplicate ACKs of the hole before the copy; losses counted per "
                   "row; a service's row with < 20 losses is the global one), reorder (overtaken before the sensor, "
                   "within 3 ms), late (lost before the sensor: a later segment captured first, the hole filled "
                   "later), gap (a later segment captured first, filled or not); keepalive: per idle gap of >= 1 s "
                   "in a connection, a keep-alive ends it; window_update: window updates per data segment (the "
                   "receiver's application read it)",
           "captures": len(paths), "global": rates(tot), "services": svc}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    d = max(tot[DATA], 1)
    ka_idles.sort()
    med = ka_idles[len(ka_idles) // 2] / 1e9 if ka_idles else 0
    print(f"  {tot[DATA]} data segments in {len(paths)} captures: loss {tot[RETX] / d:.4f} (fast {tot[FAST]}, spurious "
          f"{tot[SPUR]}, after a duplicate ACK {tot[RETX_DUP]}; {tot[BEHIND]} with later segments behind, {tot[BEHIND_DUP]} "
          f"and {tot[BEHIND_DUP2]} of them after >= 1 and >= 2 duplicate ACKs), reorder {tot[REORDER] / d:.4f}, late {tot[LATE] / d:.4f}, gap {tot[GAP] / d:.4f}; "
          f"keep-alives {tot[KA]} ({tot[KA_IDLE]} after >= 1 s idle, of {tot[IDLE]} such gaps; median idle {med:.1f} s); "
          f"window updates {tot[WUPD]} ({tot[WUPD] / d:.4f} per data segment); duplicate ACKs {tot[DUPACK]} ({tot[DUP_IN_GAP]} "
          f"while the peer had a hole); services {', '.join(svc)}")
    tr = trains(tot)
    print("  losses with segments behind them -> duplicate ACKs before the copy (0 / 1 / 2 / >= 3): " + "; ".join(
        f"{b}{'+' if b == 3 else ''} behind ({n}): " + " / ".join(f"{100 * x:.1f} %" for x in row)
        for b, n, row in zip((1, 2, 3), tr["losses"], tr["p"])))


if __name__ == "__main__":
    main()
