#!/usr/bin/env bash
# Wrong input kinds (issue 15): every command says what the file is and what it expected, with
# exit 1 and nothing written; never a parse error on the binary header of a capture.
set -u
: "${SECGEN:?}" "${TESTDATA:?}" "${SRC:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
PCAP=$TESTDATA/extract/dns.pcap FLOWS=$TESTDATA/flow/cidds_small.csv SEQ=$TESTDATA/flow/seq_small.csv
expect() { # desc substring cmd...
  local desc=$1 sub=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  [ "$rc" -eq 1 ] || { echo "FAIL: $desc: exit $rc, want 1"; fail=1; }
  grep -qF -- "$sub" "$T/err" || { echo "FAIL: $desc: stderr lacks '$sub':"; cat "$T/err"; fail=1; }
  [ "$(wc -l <"$T/err")" -eq 1 ] || { echo "FAIL: $desc: more than one line"; cat "$T/err"; fail=1; }
  if grep -q '?????\|decode byte\|read failed' "$T/err"; then echo "FAIL: $desc: raw parser error"; fail=1; fi
}
expect "learn pcap" "is a pcapng capture; expected a flow CSV" "$SECGEN" learn "$PCAP" -o "$T/m.json"
expect "learn pcap hint" "secgen extract $PCAP" "$SECGEN" learn "$PCAP" -o "$T/m.json"
expect "evaluate pcap" "is a pcapng capture; expected a flow CSV" "$SECGEN" evaluate "$PCAP" "$FLOWS"
expect "generate -m pcap" "is a pcapng capture; expected a flow model JSON" "$SECGEN" generate -m "$PCAP" -n 5 --flows-out "$T/f.csv"
expect "generate -m flows" "is a flow CSV; expected a flow model JSON" "$SECGEN" generate -m "$FLOWS" -n 5 --flows-out "$T/f.csv"
expect "learn directory" "is a directory; expected a flow CSV" "$SECGEN" learn "$TESTDATA" -o "$T/m.json"
expect "generate -m directory" "is a directory; expected a flow model JSON" "$SECGEN" generate -m "$TESTDATA" -n 5 --flows-out "$T/f.csv"
expect "extract flow CSV" "is a flow CSV; expected a pcap or pcapng capture" "$SECGEN" extract "$FLOWS" -o "$T/f.csv"
expect "learn sequences" "is a sequence CSV; expected a flow CSV" "$SECGEN" learn "$SEQ" -o "$T/m.json"
expect "automata learn flows" "is a flow CSV; expected a sequence CSV" "$SECGEN" automata learn "$FLOWS" -o "$T/a"
expect "automata show flow model" "is a FlowChronicle flow model" "$SECGEN" automata show "$SRC/models/flow_model.json"
expect "generate --automata pcap" "is a pcapng capture; expected a directory of automata" "$SECGEN" generate --automata "$PCAP" -d 1m -o "$T/x.pcap"
expect "generate --automata file" "Hint: give the directory that holds it" "$SECGEN" generate --automata "$SRC/models/automata/dns.json" -d 1m -o "$T/x.pcap"
expect "generate -c pcap" "is a pcapng capture; expected a network configuration" "$SECGEN" generate -c "$PCAP" -d 1m -o "$T/x.pcap"
expect "generate -c flow model" "is a FlowChronicle flow model (JSON from secgen learn); expected a network configuration" "$SECGEN" generate -c "$SRC/models/flow_model.json" -d 1m -o "$T/x.pcap"
mkdir "$T/empty"
expect "automata score empty directory" "no automata found" "$SECGEN" automata score "$T/empty" "$SEQ"
gzip -c "$FLOWS" >"$T/f.csv.gz"
expect "learn gzip" "is gzip-compressed data; expected a flow CSV" "$SECGEN" learn "$T/f.csv.gz" -o "$T/m.json"
[ -e "$T/m.json" ] && { echo "FAIL: a model was written"; fail=1; }
[ $fail -eq 0 ] && echo "ok: wrong input kinds are named"
exit $fail
