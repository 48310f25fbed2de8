#!/usr/bin/env bash
# TCP noise in generated pcaps (issue 14 item 5), judged by tshark:
#  - default: retransmissions at the rate of the embedded noise profile (models/noise.json) within
#    a tolerance, as many as generate reports (spurious ones too), and only the analysis flags noise
#    explains (retransmissions, spurious ones, out-of-order and the previous-segment-lost of a
#    reordered pair, duplicate ACKs, keep-alives and their ACKs, window updates; a duplicate ACK
#    that is the server's first ACK after its SYN-ACK is a "window update" to tshark too: the
#    SYN-ACK's window is not scaled);
#  - --no-noise: no tcp.analysis flag at all;
#  - both: 0 malformed, 0 error-level expert info, good checksums; -j 1 and -j 2 identical; the
#    extract round trip equals --flows-out; the packet counts per flow are those of the clean run
#    except where a duplicate ACK had no pure ACK to replace (generate's summary counts them).
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
G=(-d 5m -s 5)

"$SECGEN" generate "${G[@]}" -j 1 -o "$T/a.pcap" --flows-out "$T/a.csv" 2> "$T/sum"
"$SECGEN" generate "${G[@]}" -j 2 -q -o "$T/b.pcap" --flows-out "$T/b.csv"
cmp "$T/a.pcap" "$T/b.pcap" || { echo "FAIL: -j 1 and -j 2 pcaps differ with noise"; exit 1; }
cmp "$T/a.csv" "$T/b.csv" || { echo "FAIL: -j 1 and -j 2 flows differ with noise"; exit 1; }
"$SECGEN" generate "${G[@]}" -q --no-noise -o "$T/c.pcap" --flows-out "$T/c.csv"
cmp -s "$T/a.pcap" "$T/c.pcap" && { echo "FAIL: --no-noise changed nothing"; exit 1; }

read -r lost spur dups kas wupds ontop <<< "$(sed -n 's/^TCP noise: \([0-9]*\) segments lost and retransmitted (\([0-9]*\) spurious[^)]*), [0-9]* reordered, \([0-9]*\) duplicate ACKs, \([0-9]*\) keep-alives ([^)]*), \([0-9]*\) window updates (\([0-9]*\) packets on top.*/\1 \2 \3 \4 \5 \6/p' "$T/sum")"
[ -n "${lost:-}" ] && [ "$lost" -gt 30 ] || { echo "FAIL: generate reports no noise: $(grep -i noise "$T/sum")"; exit 1; }

stats() { # pcap -> data_segments retx_data flagged_other bad spurious keep_alives window_updates duplicate_acks
    tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -T fields -e tcp.len -e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission \
        -e tcp.analysis.flags -e tcp.analysis.out_of_order -e tcp.analysis.lost_segment -e tcp.analysis.duplicate_ack \
        -e _ws.expert.severity -e _ws.malformed -e tcp.flags.syn -e tcp.analysis.window_update \
        -e tcp.analysis.spurious_retransmission -e tcp.analysis.keep_alive -e tcp.analysis.keep_alive_ack 2>/dev/null |
        awk -F'\t' '{ if ($1 != "" && $1 > 0) d++
                      r = ($2 != "" || $3 != "")
                      if (r && $1 > 0) rx++
                      if ($4 != "" && !r && $5 == "" && $6 == "" && $7 == "" && $11 == "" && $12 == "" && $13 == "" && $14 == "") o++
                      if ($8 ~ /8388608/ || $9 != "") e++
                      if ($12 != "") sp++; if ($13 != "" && $1 == 0) ka++; if ($11 != "") wu++; if ($7 != "") da++ }
             END { print d + 0, rx + 0, o + 0, e + 0, sp + 0, ka + 0, wu + 0, da + 0 }'
}
read -r d rx other bad sp ka wu da <<< "$(stats "$T/a.pcap")"
[ "$bad" -eq 0 ] || { echo "FAIL: $bad malformed or error-level packets with noise"; exit 1; }
[ "$other" -eq 0 ] || { echo "FAIL: $other packets flagged with kinds noise does not make"; exit 1; }
# every copy is a retransmission to tshark (fast or not), none is missed or invented
[ "$rx" -eq "$lost" ] || { echo "FAIL: tshark sees $rx retransmitted data segments, generate reports $lost"; exit 1; }
# each spurious copy (its ACK lost after the sensor) is one to tshark; keep-alives (no data) and
# window updates at least as many as generate reports (a server's first ACK after its unscaled
# SYN-ACK window is a window update too); duplicate ACKs are there
[ "$spur" -gt 0 ] && [ "$sp" -eq "$spur" ] || { echo "FAIL: tshark sees $sp spurious retransmissions, generate reports $spur"; exit 1; }
[ "$kas" -gt 0 ] && [ "$ka" -ge "$kas" ] || { echo "FAIL: tshark sees $ka keep-alives, generate reports $kas"; exit 1; }
[ "$wupds" -gt 0 ] && [ "$wu" -ge "$wupds" ] || { echo "FAIL: tshark sees $wu window updates, generate reports $wupds"; exit 1; }
[ "$da" -gt 0 ] || { echo "FAIL: no duplicate ACK (generate reports $dups)"; exit 1; }
echo "ok: $sp spurious retransmissions, $ka keep-alives, $wu window updates, $da duplicate ACKs (tshark)"
# the rate per data segment against the profile's (0.024-0.058 by service): within [0.5, 1.5] x of
# the least and most (the flows' mix decides where in between)
lo=$(python3 -c "import json; d = json.load(open('$(dirname "$0")/../../models/noise.json')); r = [d['global']['loss']] + [v['loss'] for v in d['services'].values() if v['loss'] > 0]; print(min(r) * 0.5, max(r) * 1.5)")
awk -v rx="$rx" -v d="$d" -v lim="$lo" 'BEGIN { split(lim, l, " "); r = rx / d; printf "ok: %d of %d data segments retransmitted (%.4f; allowed %.4f-%.4f)\n", rx, d, r, l[1], l[2]; exit !(r >= l[1] && r <= l[2]) }' ||
    { echo "FAIL: retransmission rate outside the tolerance"; exit 1; }

read -r d0 rx0 other0 bad0 _ <<< "$(stats "$T/c.pcap")"
flags0=$(tshark -r "$T/c.pcap" -Y tcp.analysis.flags 2>/dev/null | wc -l)
[ "$flags0" -eq 0 ] && [ "$bad0" -eq 0 ] || { echo "FAIL: --no-noise: $flags0 tcp.analysis flags, $bad0 bad"; exit 1; }
echo "ok: --no-noise has no tcp.analysis flag"

# extract round trip with noise, and the record counts: packets per flow as in the clean run
"$SECGEN" extract "$T/a.pcap" -o "$T/x.csv" 2>/dev/null
cmp -s <(tail -n +2 "$T/a.csv" | cut -d, -f1-12 | sort) <(tail -n +2 "$T/x.csv" | sort) ||
    { echo "FAIL: extract of the noisy pcap differs from --flows-out"; exit 1; }
diffp=$(paste -d, <(tail -n +2 "$T/a.csv" | cut -d, -f3-7,8,10 | sort) <(tail -n +2 "$T/c.csv" | cut -d, -f3-7,8,10 | sort) |
    awk -F, '{ if ($6 != $13 || $7 != $14) n += ($6 - $13) + ($7 - $14) } END { print n + 0 }')
[ "$diffp" -eq "$ontop" ] || { echo "FAIL: noise changed the flows' packet counts by $diffp, generate reports $ontop on top"; exit 1; }
echo "ok: round trip exact; packet counts as without noise except $ontop noise packets on top (of $dups duplicate ACKs, $kas keep-alives, $wupds window updates)"
