#!/usr/bin/env bash
# TCP noise in pcaps (issue 14 item 5): tshark's TCP analysis flags per kind, per 1,000 TCP
# packets, for the real benign captures (each file analysed on its own: they are unrelated
# captures) and for pcaps generated with and without --no-noise; plus what must stay 0
# (malformed packets, error-level expert info, bad checksums).
# Release build expected. Usage: bench/packet_noise.sh [SECGEN]; env DUR (default 30m), SEED (1),
# REAL=0 to skip the real captures (they take ~4 min of tshark on 2 cores); the generated part
# takes ~30 s at DUR=30m (about 44,000 TCP packets: the rarer kinds need that many).
# Also printed: tshark's duplicate ACKs by cause (bench/dupack_causes.py: holes after a loss the
# capture saw, holes it never saw, D-SACK answers, capture duplicates), and idle gaps >= 1 s per
# 1,000 TCP packets and per connection-hour (the TCP streams' spans; generated connections are
# much shorter than the captures': the flow model's records).
set -euo pipefail
SECGEN=${1:-${SECGEN:-build/release/secgen}}
DUR=${DUR:-30m}
SEED=${SEED:-1}
REAL=${REAL:-1}
SHARED=${SHARED:-../shared}
D=$(mktemp -d /dev/shm/secgen-noise.XXXXXX)
trap 'rm -rf "$D"' EXIT
KINDS="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment ack_lost_segment duplicate_ack keep_alive keep_alive_ack window_update window_full zero_window zero_window_probe reused_ports"

# one pcap -> a line: tcp_packets flagged errors count_per_kind... idle_gaps (>= 1 s within a TCP
# connection: where keep-alives can happen) connection_seconds (the TCP streams' spans: the gaps
# per connection-hour do not depend on how many packets the connections carry); with a second
# argument, the fields bench/dupack_causes.py reads go to that file
analyse() {
    local args=() k
    for k in $KINDS; do args+=(-e "tcp.analysis.$k"); done
    tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -o tcp.calculate_timestamps:TRUE \
        -T fields -E separator=/t -e tcp.seq -e tcp.analysis.flags -e _ws.expert.severity -e _ws.malformed "${args[@]}" \
        -e tcp.time_delta -e tcp.stream -e tcp.time_relative \
        -e frame.time_epoch -e tcp.srcport -e tcp.dstport -e tcp.ack -e tcp.len -e tcp.flags -e tcp.window_size_value \
        -e tcp.options.sack_le -e tcp.options.sack.dsack -e tcp.analysis.duplicate_ack_num 2>/dev/null |
        awk -F'\t' -v nk="$(echo $KINDS | wc -w)" -v out="${2:-}" -v cap="${1##*/}" '
            { if ($1 != "") t++; if ($2 != "") f++; if ($3 ~ /8388608/ || $4 != "") e++
              for (i = 1; i <= nk; i++) if ($(4 + i) != "") c[i]++
              if ($(5 + nk) != "" && $(5 + nk) >= 1) { g++; if ($(6 + nk) != "") sg[$(6 + nk)]++ }
              if ($(6 + nk) != "" && $(7 + nk) > span[$(6 + nk)]) span[$(6 + nk)] = $(7 + nk)
              if (out != "" && $1 != "") { b = 7 + nk
                  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cap, $(b + 1), $(6 + nk), $(b + 2), $(b + 3), $1,
                      $(b + 4), $(b + 5), $(b + 6), $(b + 7), $(b + 8), $(b + 9), $(b + 10), $5, $7 > out } }
            END { for (s in span) { cs += span[s]; if (span[s] >= 1 && span[s] < 10) { n10++; g10 += sg[s] } }
                  printf "%d %d %d", t, f, e; for (i = 1; i <= nk; i++) printf " %d", c[i]; printf " %d %.3f %d %d\n", g, cs, n10, g10 }'
}
export -f analyse; export KINDS

report() { # label, file of analyse lines (a capture's name may follow the counts)
    awk -v label="$1" -v kinds="$KINDS" '
        BEGIN { n = split(kinds, k, " ") }
        { t += $1; f += $2; e += $3; for (i = 1; i <= n; i++) { c[i] += $(3 + i); if ($(3 + i) > top[i]) { top[i] = $(3 + i); tn[i] = $(8 + n) } }
          g += $(4 + n); cs += $(5 + n); n10 += $(6 + n); g10 += $(7 + n) }
        END { printf "%-28s %9d TCP packets, %7.2f flagged per 1,000, %d error-level/malformed; %.1f idle gaps >= 1 s per 1,000 TCP packets, %.1f per connection-hour (%.1f connection-hours), %.2f per connection of 1-10 s (%d)\n", label, t, 1000 * f / (t ? t : 1), e, 1000 * g / (t ? t : 1), 3600 * g / (cs ? cs : 1), cs / 3600, g10 / (n10 ? n10 : 1), n10
              for (i = 1; i <= n; i++) if (c[i]) {
                  printf "    %-26s %8.2f per 1,000 (%d)", k[i], 1000 * c[i] / (t ? t : 1), c[i]
                  if (tn[i] != "" && c[i] > top[i]) printf "; %.2f without its top capture (%s: %d)", 1000 * (c[i] - top[i]) / t, tn[i], top[i]
                  printf "\n" } }' "$2"
}

echo "== TCP analysis flags per 1,000 TCP packets (tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $3}'))"
echo "   noise profile (models/noise.json): $(python3 -c "
import json; d = json.load(open('$(dirname "$0")/../models/noise.json')); g = d['global']
t = g.get('dupack_trains', {}).get('p')
print('version %d; global per data segment: loss %.4f (of them: %.3f with segments behind, of those %s with >= 1 duplicate ACK by 1 / 2 / 3+ behind; spurious %.3f), reorder %.4f, window updates %.4f; keep-alive per idle gap %.3f; ' % (d.get('version', 1), g['loss'], g.get('behind_share', 0), ' / '.join('%.2f' % (1 - row[0]) for row in t) if t else '%.3f' % g.get('dupack_share', 0), g.get('spurious_share', 0), g['reorder'], g.get('window_update', 0), g.get('keepalive', 0)) + ', '.join('%s loss %.4f' % (k, v['loss']) for k, v in d['services'].items()))")"
if [ "$REAL" = 1 ]; then
    mkdir -p "$D/rf"
    ls "$SHARED"/data/pcap_ndpi_benign/pcap/* | xargs -P 2 -I{} bash -c 'echo "$(analyse "$1" "$2/rf/${1##*/}") ${1##*/}"' _ {} "$D" > "$D/real"
    report "real benign captures" "$D/real"
    # 11 of the 307 captures with TCP have more than half of their packets flagged (lossy test
    # cases: one alone holds 1,685 of the 2,919 duplicate ACKs); the rates without them:
    awk '$1 > 0 && $2 / $1 <= 0.5' "$D/real" > "$D/real_trim"
    report "real, without those 11" "$D/real_trim"
    awk '{ print $NF }' "$D/real_trim" | sed "s|^|$D/rf/|" | xargs cat | python3 "$(dirname "$0")/dupack_causes.py" "real, without those 11"
    echo "   (the real captures' error-level expert infos are mostly bad checksums: senders with checksum offload)"
fi
"$SECGEN" generate -d "$DUR" -s "$SEED" -o "$D/g.pcap" 2> "$D/sum"
grep -E '^TCP noise' "$D/sum" | sed 's/^/   /' || true
analyse "$D/g.pcap" "$D/gf" > "$D/gen"; report "generate -d $DUR (noise)" "$D/gen"
python3 "$(dirname "$0")/dupack_causes.py" "generated" < "$D/gf"
"$SECGEN" generate -d "$DUR" -s "$SEED" -q --no-noise -o "$D/g.pcap"
analyse "$D/g.pcap" > "$D/gen0"; report "generate --no-noise" "$D/gen0"
