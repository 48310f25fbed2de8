#!/usr/bin/env bash
# secgen generate (embedded default models) -> tshark: zero malformed packets, zero bad checksums,
# zero TCP analysis flags of the kinds clean real traffic does not show; identical bytes for -j 1
# and -j 2; nanosecond pcap and pcapng open; a network config is applied.
# TCP analysis flags checked (any one fails the test): tcp.analysis.retransmission,
# fast_retransmission, spurious_retransmission, out_of_order, lost_segment, ack_lost_segment,
# duplicate_ack, zero_window, zero_window_probe, zero_window_probe_ack, window_full,
# window_update, keep_alive, keep_alive_ack, reused_ports (= the whole tcp.analysis.flags set),
# plus _ws.malformed and bad IP/TCP/UDP checksums. (Expert *warnings* of heuristic dissectors
# guessing a protocol from random payload bytes, e.g. Thrift on an unknown port, are not
# counted; the unit tests, on known services, also forbid warnings.)
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# --no-noise: the clean generator (TCP noise, on by default, is checked in test_noise_tshark.sh)
"$SECGEN" generate -d 20m -s 7 --scale 10 -j 1 -q --no-noise -o "$T/a.pcap" --flows-out "$T/a.csv"
"$SECGEN" generate -d 20m -s 7 --scale 10 -j 2 -q --no-noise -o "$T/b.pcap" --flows-out "$T/b.csv"
cmp "$T/a.pcap" "$T/b.pcap" || { echo "FAIL: -j 1 and -j 2 pcaps differ"; exit 1; }
cmp "$T/a.csv" "$T/b.csv" || { echo "FAIL: -j 1 and -j 2 flows differ"; exit 1; }
npk=$(tshark -r "$T/a.pcap" 2>/dev/null | wc -l)
[ "$npk" -gt 100 ] || { echo "FAIL: only $npk packets"; exit 1; }

check() { # file
    local bad
    bad=$(tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -Y '_ws.malformed || tcp.analysis.flags ||
            ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"' \
        -T fields -e frame.number -e _ws.col.Info 2>/dev/null | head -20)
    if [ -n "$bad" ]; then echo "FAIL: $1:"; echo "$bad"; exit 1; fi
}
check "$T/a.pcap"
echo "ok: $npk packets, no malformed packet, no TCP analysis flag, checksums good"

# time order
tshark -r "$T/a.pcap" -T fields -e frame.time_epoch 2>/dev/null | awk 'NR>1 && $1<p {print "FAIL: out of order at " NR; exit 1} {p=$1}'

# other container formats
"$SECGEN" generate -d 5m -s 7 --scale 10 -q --no-noise --nanosecond -o "$T/ns.pcap"
[ "$(head -c 4 "$T/ns.pcap" | od -An -tx1 | tr -d ' ')" = "4d3cb2a1" ] || { echo "FAIL: ns magic"; exit 1; }
"$SECGEN" generate -d 5m -s 7 --scale 10 -q --no-noise --pcapng -o "$T/x.pcapng"
[ "$(tshark -r "$T/ns.pcap" 2>/dev/null | wc -l)" = "$(tshark -r "$T/x.pcapng" 2>/dev/null | wc -l)" ] || { echo "FAIL: pcapng/ns differ"; exit 1; }
check "$T/x.pcapng"

# a network config: only its addresses (and public ones) appear, its MACs are used
cat > "$T/net.yaml" <<'YAML'
network: {gateway_mac: "02:00:00:00:00:fe"}
hosts:
  - hostname: web
    interfaces: [{ip_addr: 10.20.0.10, mac_addr: "00:16:3e:aa:00:10", services: [https, http, "http:8082", smb]}]
  - hostname: dns
    interfaces: [{ip_addr: 10.20.0.53, services: [dns, "netbios-ns", "netbios-dgm", ssdp, mdns]}]
  - hostname: pc1
    interfaces: [{ip_addr: 10.20.1.1}]
  - hostname: pc2
    os: Windows
    interfaces: [{ip_addr: 10.20.1.2}]
YAML
"$SECGEN" generate -d 20m -s 7 --scale 10 -q --no-noise -c "$T/net.yaml" -o "$T/c.pcap"
check "$T/c.pcap"
if tshark -r "$T/c.pcap" -T fields -e ip.src -e ip.dst 2>/dev/null | tr '\t' '\n' | grep -E '^192\.168\.' | head -1 | grep -q .; then
    echo "FAIL: model addresses leaked through the config"; exit 1
fi
# a bad config is refused with a clear message and no output file
printf 'hosts:\n  - interfaces: [{ip_addr: 10.0.0.1}]\n  - interfaces: [{ip_addr: 10.0.0.1}]\n' > "$T/bad.yaml"
if "$SECGEN" generate -d 1m -q -c "$T/bad.yaml" -o "$T/bad.pcap" 2>"$T/err"; then echo "FAIL: bad config accepted"; exit 1; fi
grep -q "duplicate IP" "$T/err" || { echo "FAIL: message: $(cat "$T/err")"; exit 1; }
[ ! -e "$T/bad.pcap" ] || { echo "FAIL: output left behind"; exit 1; }
echo "ok: formats, config, errors"
