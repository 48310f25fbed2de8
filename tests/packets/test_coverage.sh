#!/usr/bin/env bash
# Service coverage of the embedded automata (issue 14 item 4): at most 5 % of the default model's
# connections are generated without an automaton of their service (flow-shaped packets); before
# SMB, DNS over TCP and the tcp/udp fallbacks were learnt, 32 % were.
set -euo pipefail
: "${SECGEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$SECGEN" generate -d 10m -s 1 --no-noise --flows-out "$T/f.csv" -o "$T/a.pcap" 2> "$T/sum"
written=$(sed -n 's/^flows: [0-9]* in, \([0-9]*\) written.*/\1/p' "$T/sum")
noauto=$(sed -n 's/^flows without an automaton.*: \([0-9]*\)$/\1/p' "$T/sum")
noauto=${noauto:-0}
[ "${written:-0}" -gt 500 ] || { echo "FAIL: only ${written:-0} flows written"; cat "$T/sum"; exit 1; }
awk -v a="$noauto" -v b="$written" 'BEGIN { printf "flows without an automaton: %d of %d (%.1f %%)\n", a, b, 100 * a / b; exit !(a <= 0.05 * b) }' ||
    { echo "FAIL: more than 5 % of the flows have no automaton"; exit 1; }
# which automaton serves TCP 445, TCP 53, TCP 8082...: tests/packets/test_services.c
