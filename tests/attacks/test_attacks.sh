#!/usr/bin/env bash
# secgen generate with an `attacks:` list (tests/attacks/office_attacks.yaml: the example office
# plus one attack of each kind): every attack flow is in the flows CSV with its label and the
# benign rows are exactly those of the run without attacks; the packets answer as the victim's
# configured services say (scan: SYN/ACK only from open ports, RST/ACK from closed ones; brute
# force: SSH sessions on 22 with the server's failures; flood: one answer per SYN; HTTP requests;
# DNS queries); tshark finds nothing malformed, no error-level expert info, no bad checksum;
# -j 1 and -j 2 give the same bytes.
set -euo pipefail
: "${SECGEN:?}"
command -v tshark >/dev/null || { echo "FAIL: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

CFG="$HERE/office_attacks.yaml"
RUN=(generate -q -d 8m --start 2026-12-07T10:00:00Z -s 3)
"$SECGEN" "${RUN[@]}" -j 1 -c "$CFG" -o "$T/a.pcap" --flows-out "$T/a.csv"
"$SECGEN" "${RUN[@]}" -j 2 -c "$CFG" -o "$T/b.pcap" --flows-out "$T/b.csv"
cmp "$T/a.pcap" "$T/b.pcap" || fail "-j 1 and -j 2 pcaps differ"
cmp "$T/a.csv" "$T/b.csv" || fail "-j 1 and -j 2 flows differ"

# labels: the header names the column; counts per attack = what the config asks for
head -1 "$T/a.csv" | grep -q ',flags,label,community_id$' || fail "no label column: $(head -1 "$T/a.csv")"
count() { awk -F, -v l="$1" 'NR>1 && $13==l' "$T/a.csv" | wc -l; }
[ "$(count scan1)" = 1025 ] || fail "scan1: $(count scan1) flows, want 1025 (ports 1-1024 and 8080)"
[ "$(count brute1)" = 20 ] || fail "brute1: $(count brute1) flows, want 20"
[ "$(count flood1)" = 600 ] || fail "flood1: $(count flood1) flows, want 600"
[ "$(count http1)" = 100 ] || fail "http1: $(count http1) flows, want 100"
[ "$(count dns1)" = 20 ] || fail "dns1: $(count dns1) flows, want 20"
[ "$(count benign)" -gt 100 ] || fail "only $(count benign) benign flows"
# every attack flow targets its victim (intranet 192.168.10.10, dc 192.168.10.2), from its attacker
awk -F, 'NR>1 && $13=="brute1" && !($4=="192.168.10.106" && $6=="192.168.10.10" && $7==22) {print; exit 1}' "$T/a.csv" || fail "brute1 row not ws06 -> intranet:22"
awk -F, 'NR>1 && $13=="dns1" && !($4=="192.168.10.103" && $6=="192.168.10.2" && $3=="UDP" && $7==53) {print; exit 1}' "$T/a.csv" || fail "dns1 row not ws03 -> dc:53/udp"
awk -F, 'NR>1 && $13!="benign" && $13!="dns1" && $13!="brute1" && $6!="192.168.10.10" {print; exit 1}' "$T/a.csv" || fail "an attack row not towards intranet"
# attacks inside their windows: scan from +1m, flood from +4m
awk -F, 'NR>1 && $13=="scan1" && $1 < "2026-12-07T10:01:00" {print; exit 1}' "$T/a.csv" || fail "scan1 before its start"
awk -F, 'NR>1 && $13=="flood1" && ($1 < "2026-12-07T10:04:00" || $1 > "2026-12-07T10:04:03") {print; exit 1}' "$T/a.csv" || fail "flood1 outside +4m..+4m2s"
# the benign flows do not move when attacks are added
grep -v '^start' "$T/a.csv" | awk -F, '$13=="benign"' | sed 's/,benign,/,/' > "$T/with.csv"
sed '/^attacks:/,$d' "$CFG" > "$T/plain.yaml"
"$SECGEN" "${RUN[@]}" -c "$T/plain.yaml" -o "$T/p.pcap" --flows-out "$T/p.csv"
head -1 "$T/p.csv" | grep -q ',flags,community_id$' || fail "label column without attacks"
tail -n +2 "$T/p.csv" | cmp - "$T/with.csv" || fail "benign flows changed by the attacks"

# packets: tshark
tsh() { tshark -r "$T/a.pcap" "$@" 2>/dev/null; }
bad=$(tsh -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y '_ws.malformed || _ws.expert.severity >= 8388608 || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"' \
    -T fields -e frame.number -e _ws.col.Info | head -5)
[ -z "$bad" ] || fail "tshark: $bad"
# one field dump for the per-kind checks: src dst sport dport syn ack rst fin ethsrc ttl ssh http dnsresp
tsh -T fields -E separator=, -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack \
    -e tcp.flags.reset -e tcp.flags.fin -e eth.src -e ip.ttl -e ssh.protocol -e http.request -e dns.flags.response > "$T/f.txt"
q() { awk -F, "$1" "$T/f.txt"; }
tf() { [ "$1" = 1 ] || [ "$1" = True ] || [ "$1" = true ]; }
# scan: the scanner is the public address sending SYNs to 1025 ports of intranet from one port
SCAN=$(awk -F, 'NR>1 && $13=="scan1" {print $4; exit}' "$T/a.csv")
SPORT=$(awk -F, 'NR>1 && $13=="scan1" {print $5; exit}' "$T/a.csv")
B='function t(x) {return x=="1"||x=="True"||x=="true"}'
synack=$(q "$B \$1==\"192.168.10.10\" && \$2==\"$SCAN\" && \$4==$SPORT && t(\$5) && t(\$6) {print \$3}" | sort -n | uniq | tr '\n' ' ')
[ "$synack" = "22 80 443 " ] || fail "scan: SYN/ACK from ports '$synack', want the open ones '22 80 443 '"
rst=$(q "$B \$1==\"192.168.10.10\" && \$2==\"$SCAN\" && \$4==$SPORT && t(\$7) && t(\$6) {print \$3}" | sort -n | uniq | tr '\n' ' ')
[ "$(echo "$rst" | wc -w)" = 1022 ] || fail "scan: RST/ACK from $(echo "$rst" | wc -w) ports, want 1022 closed (1025 - 22, 80, 443)"
case " $rst" in *" 22 "*|*" 80 "*|*" 443 "*) fail "scan: RST from an open port";; esac
rstc=$(q "$B \$1==\"$SCAN\" && \$3==$SPORT && t(\$7)" | wc -l)
[ "$rstc" = 3 ] || fail "scan: $rstc scanner RSTs after SYN/ACK, want 3"
# brute force: 20 SSH sessions with the server's banner, closed by the server after the failures
ssh=$(q '$1=="192.168.10.10" && $2=="192.168.10.106" && $11 ~ /^SSH-2.0/' | wc -l)
[ "$ssh" = 20 ] || fail "brute1: $ssh server banners, want 20"
fin=$(q "$B \$1==\"192.168.10.10\" && \$2==\"192.168.10.106\" && \$3==22 && t(\$8)" | wc -l)
[ "$fin" = 20 ] || fail "brute1: the server closed $fin sessions, want 20"
data=$(q '$1=="192.168.10.10" && $2=="192.168.10.106" && $3==22' | wc -l)
[ "$data" = 200 ] || fail "brute1: $data server packets, want 10 per session (SYN/ACK, banner, KEXINIT, ECDH reply, service accept, 3 failures, FIN, last ACK)"
# flood: SYNs to 443 from ~600 public sources, each answered once by a SYN/ACK (SYN cookies)
syn=$(q "$B \$2==\"192.168.10.10\" && \$4==443 && t(\$5) && !t(\$6) && \$1 !~ /^192\\.168\\./ {print \$1}" | sort -u | wc -l)
[ "$syn" -ge 590 ] || fail "flood1: $syn distinct SYN sources, want ~600"
# http flood: 100 GET requests from the bot
get=$(q "$B \$2==\"192.168.10.10\" && t(\$12) && \$1==\"$(awk -F, 'NR>1 && $13=="http1" {print $4; exit}' "$T/a.csv")\"" | wc -l)
[ "$get" = 100 ] || fail "http1: $get HTTP requests from the bot, want 100"
# dns tunnel: 20 queries ws03 -> dc, 20 answers
dq=$(q '$1=="192.168.10.103" && $2=="192.168.10.2" && ($13=="0" || $13=="False" || $13=="false")' | wc -l)
da=$(q "$B \$1==\"192.168.10.2\" && \$2==\"192.168.10.103\" && t(\$13)" | wc -l)
[ "$dq" -ge 20 ] && [ "$da" -ge 20 ] || fail "dns1: $dq queries, $da answers, want >= 20 each"
# MAC and TTL of the internal attacker are ws06's (config MAC, Linux TTL 64)
mt=$(q '$1=="192.168.10.106" && $4==22 {print $9, $10}' | sort -u | tr '\n' ' ')
[ "$mt" = "00:0c:29:0a:01:06 64 " ] || fail "brute1: attacker MAC/TTL '$mt'"
echo "ok: labels, benign flows unchanged, scan/brute/flood/http/dns packets, tshark clean, -j identical"
