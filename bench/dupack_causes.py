#!/usr/bin/env python3
"""tshark's duplicate ACKs of pcaps by cause (bench/packet_noise.sh; docs/packets.md "TCP noise").

Input (stdin): tab-separated lines  capture, frame.time_epoch, tcp.stream, tcp.srcport, tcp.dstport,
tcp.seq, tcp.ack, tcp.len, tcp.flags, tcp.window_size_value, tcp.options.sack_le,
tcp.options.sack.dsack, tcp.analysis.duplicate_ack_num, tcp.analysis.retransmission,
tcp.analysis.spurious_retransmission  (relative sequence numbers, one line per TCP packet).
Each duplicate ACK (from side A, acknowledging X) is put in the first class that fits:
  hole, lost after the sensor   the peer had sent data beyond X and its segment at X was captured:
                                a receiver answering segments after a hole (RFC 5681), the loss
                                generate models
  hole, never captured          the peer had data beyond X (captured, or in a SACK block above X)
                                but no segment at X was captured: lost before the sensor, or a
                                capture of one direction only
  D-SACK                        the peer's last packet was a copy of data A had (a D-SACK block, a
                                SACK block below X, or a retransmission): A answers a duplicate
  capture duplicate             the same packet of A twice within 1 ms, the peer silent between:
                                the capture saw one packet twice (two interfaces, a span port)
  other                         none of these (a retransmitted SYN-ACK or FIN answered again...)
Prints per class: count and per 1,000 TCP packets. Usage: dupack_causes.py LABEL < fields.tsv
"""
import sys

CLASSES = ("hole, lost after the sensor", "hole, never captured", "D-SACK", "capture duplicate", "other")


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "pcap"
    cnt = dict.fromkeys(CLASSES, 0)
    st, tcp = {}, 0
    for line in sys.stdin:
        r = line.rstrip("\n").split("\t")
        if len(r) < 15 or not r[5] or not r[8]:
            continue
        f, t, s, sp, dp, seq, ack, ln, fl, win, sack, dsack, dnum, retx, spur = r[:15]
        tcp += 1
        fl = int(fl, 16)
        seq, ln, ack, tt = int(seq), int(ln or 0), int(ack or 0), float(t or 0)
        me, pe = (f, s, sp), (f, s, dp)
        S = st.setdefault(me, {"hi": None, "starts": set(), "last": None, "prev": None, "t": 0.0})
        P = st.setdefault(pe, {"hi": None, "starts": set(), "last": None, "prev": None, "t": 0.0})
        if dnum:
            les = [int(x) for x in sack.split(",") if x] if sack else []
            if P["hi"] is not None and P["hi"] > ack:
                c = CLASSES[0] if ack in P["starts"] else CLASSES[1]
            elif any(le > ack for le in les):
                c = CLASSES[1]
            elif dsack or any(le < ack for le in les) or P["last"] == "copy":
                c = CLASSES[2]
            elif P["last"] == "none" and S["prev"] == (seq, ack, win, fl) and tt - S["t"] < 0.001:
                c = CLASSES[3]
            else:
                c = CLASSES[4]
            cnt[c] += 1
        if fl & 0x2:
            S["hi"] = seq + 1
        if ln > 0:
            if S["hi"] is None or seq + ln > S["hi"]:
                S["hi"] = seq + ln
            S["starts"].add(seq)
            if len(S["starts"]) > 65536:
                S["starts"].clear()
        P["last"] = "none"  # the peer has sent nothing since this packet
        S["last"] = "copy" if (retx or spur) else "other"
        S["prev"], S["t"] = (seq, ack, win, fl), tt
    tot = sum(cnt.values())
    per = lambda v: 1000 * v / tcp if tcp else 0.0
    print(f"    duplicate ACKs by cause ({label}): " + ", ".join(f"{c} {per(v):.2f} ({v})" for c, v in cnt.items()))


if __name__ == "__main__":
    main()
