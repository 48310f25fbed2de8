#!/usr/bin/env bash
# extract's own classic-pcap reader (src/extract/capture.c: read-ahead thread, records parsed in
# place) against libpcap's reader on the same bytes: a capture given as a file goes through ours,
# the same capture on stdin through libpcap. Flows, sequences, statistics and errors must be
# identical, on crafted captures that hit every rule the reader copies from libpcap: both byte
# orders, nanosecond timestamps, negative and byte-swapped timestamps, records straddling the
# reader's 1 MiB blocks (a 200 kB record too), caplen above the snapshot length (cut), caplen above
# 262144 (error), and truncations in a record header, in its data and in the part beyond the
# snapshot length; plus raw-IP and BSD-loopback link types and the fixtures of tests/data/extract.
set -uo pipefail
: "${SECGEN:?}" "${TESTDATA:?}"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0

python3 - "$d" <<'PY'
import os, random, struct, sys
d = sys.argv[1]
rnd = random.Random(7)

def ip4(src, dst, proto, l4):
    tot = 20 + len(l4)
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot & 0xffff, rnd.randrange(65536), 0, 64, proto, 0, bytes(src), bytes(dst))
    return h + l4

def packet(i, size):
    """an Ethernet frame of about `size` bytes: TCP or UDP between a few hosts and ports"""
    a, b = [10, 0, 0, 1 + i % 7], [10, 0, 1, 1 + (i // 7) % 5]
    sp, dp = 40000 + i % 13, (80, 443, 53)[i % 3]
    pay = bytes(rnd.randrange(256) for _ in range(max(0, size - 54)))
    if dp == 53:
        l4 = struct.pack(">HHHH", sp, dp, 8 + len(pay), 0) + pay
        frame = ip4(a, b, 17, l4)
    else:
        flags = (0x02, 0x10, 0x18, 0x11)[i % 4]
        l4 = struct.pack(">HHIIBBHHH", sp, dp, i, 0, 5 << 4, flags, 65535, 0, 0) + pay
        frame = ip4(a, b, 6, l4)
    return frame

def write(name, recs, endian="<", nsec=False, snap=262144, link=1, frame_of=lambda f: b"\x02\0\0\0\0\1\x02\0\0\0\0\2\x08\x00" + f):
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    with open(os.path.join(d, name), "wb") as fp:
        fp.write(struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snap, link))
        for sec, frac, frame, caplen in recs:
            data = frame_of(frame)
            cl = len(data) if caplen is None else caplen
            fp.write(struct.pack(endian + "iiII", sec, frac, cl, len(data)))
            fp.write(data)

# ~1.3 MB... 3.5 MB of records of mixed sizes, one of 200 kB, so records straddle the 1 MiB blocks
recs, t = [], 1600000000
for i in range(4000):
    size = 200000 if i == 1500 else rnd.choice((60, 60, 120, 576, 1514, 1514, 9000))
    t += rnd.randrange(0, 3)
    recs.append((t, rnd.randrange(1000000), packet(i, size), None))
write("le.pcap", recs)
write("be.pcap", recs, endian=">")
write("ns.pcap", [(s, f * 1000 + 999, fr, c) for s, f, fr, c in recs], nsec=True)
write("ns_be.pcap", [(s, f * 1000 + 1, fr, c) for s, f, fr, c in recs], endian=">", nsec=True)
# timestamps before 1970 and above 2^31 once byte-swapped (libpcap reads swapped ones unsigned)
neg = [(-5 + i, 17, packet(i, 80), None) for i in range(40)]
write("neg.pcap", neg)
write("neg_be.pcap", neg, endian=">")
# snapshot length 100: longer records are cut to it (libpcap discards the rest)
write("snap.pcap", recs[:300], snap=100)
# raw IPv4 (LINKTYPE_RAW) and BSD loopback (LINKTYPE_NULL)
write("raw.pcap", recs[:500], link=101, frame_of=lambda f: f)
write("null.pcap", recs[:500], link=0, frame_of=lambda f: struct.pack("<I", 2) + f)
# caplen above libpcap's maximum (262144) in the middle of the file
write("huge.pcap", recs[:10] + [(t, 0, packet(1, 100), 300000)] + recs[10:20])
# a record whose caplen (150) exceeds the snapshot length (100) and whose bytes stop early
PY

le=$d/le.pcap
size=$(stat -c %s "$le")
# truncations: inside the second record's header, inside a record's data, inside the 200 kB record,
# and at the last byte; and in a snapshot-cut record, before and after the snapshot length
head -c $((24 + 16 + 74 + 7)) "$le" >"$d/cut_hdr.pcap"
head -c $((size / 3)) "$le" >"$d/cut_a.pcap"
head -c $((size / 2 + 12345)) "$le" >"$d/cut_b.pcap"
head -c $((size - 1)) "$le" >"$d/cut_last.pcap"
ssize=$(stat -c %s "$d/snap.pcap")
head -c $((ssize - 1500)) "$d/snap.pcap" >"$d/cut_snap.pcap"
python3 - "$d" <<'PY'
import struct, sys, os
d = sys.argv[1]
# one record of caplen 150 in a snaplen-100 file, cut after 60 and after 120 of its bytes
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 100, 1)
rec = struct.pack("<iiII", 1600000000, 0, 150, 150) + bytes(150)
for n, cut in (("cut_in_snap.pcap", 16 + 60), ("cut_in_discard.pcap", 16 + 120)):
    open(os.path.join(d, n), "wb").write(hdr + rec + rec[:cut])
PY

check() { # FILE [extract options]: file (our reader) vs stdin (libpcap) give the same results
  local f=$1; shift
  local n; n=$(basename "$f")
  "$SECGEN" extract "$@" "$f" -o "$d/a.csv" -S "$d/a.seq" >/dev/null 2>"$d/a.err"; local ra=$?
  "$SECGEN" extract "$@" - -o "$d/b.csv" -S "$d/b.seq" <"$f" >/dev/null 2>"$d/b.err"; local rb=$?
  sed -i "s|$f|-|g" "$d/a.err"
  if [ $ra -ne $rb ]; then echo "FAIL $n: exit $ra (file) vs $rb (stdin)"; cat "$d/a.err" "$d/b.err"; fail=1; return; fi
  if ! cmp -s "$d/a.err" "$d/b.err"; then echo "FAIL $n: messages differ"; diff "$d/a.err" "$d/b.err" | head; fail=1; fi
  if [ $ra -eq 0 ]; then
    cmp -s "$d/a.csv" "$d/b.csv" || { echo "FAIL $n: flows differ"; diff "$d/a.csv" "$d/b.csv" | head -5; fail=1; }
    cmp -s "$d/a.seq" "$d/b.seq" || { echo "FAIL $n: sequences differ"; fail=1; }
  fi
  rm -f "$d"/a.* "$d"/b.*
  echo "ok $n (exit $ra)"
}

for f in le be ns ns_be neg neg_be snap raw null huge cut_hdr cut_a cut_b cut_last cut_snap cut_in_snap cut_in_discard; do
  check "$d/$f.pcap"
done
check "$le" --bytes wire --idle-timeout 0
for f in "$TESTDATA"/extract/*.pcap; do check "$f"; done

# the errors name the capture and the packet, as libpcap's reader did
"$SECGEN" extract -q "$d/huge.pcap" -o "$d/x.csv" 2>"$d/err"
grep -q "huge.pcap:11: corrupt or truncated capture: invalid packet capture length 300000, bigger than snaplen of 262144" "$d/err" \
  || { echo "FAIL: huge.pcap message: $(cat "$d/err")"; fail=1; }
"$SECGEN" extract -q "$d/cut_in_discard.pcap" -o "$d/x.csv" 2>"$d/err"
grep -q "cut_in_discard.pcap:2: corrupt or truncated capture: truncated dump file; tried to read 150 captured bytes, only got 120" "$d/err" \
  || { echo "FAIL: cut_in_discard.pcap message: $(cat "$d/err")"; fail=1; }
exit $fail
