#!/usr/bin/env bash
# Runs the README's tour: every `secgen ...` line of the ```sh block under "## Tour", in order, in
# a temporary directory, with examples/ taken from the source tree. Each must exit 0 and the
# files the tour names must exist. The tour must use every command of the "## Commands" list.
set -u
: "${SECGEN:?}" "${SRC:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
awk '/^## Tour/{t=1} t && /^```sh/{b=1; next} b && /^```/{exit} b && /^secgen /{print}' "$SRC/README.md" >"$T/tour.txt"
n=$(wc -l <"$T/tour.txt")
[ "$n" -ge 10 ] || { echo "FAIL: the README tour has $n commands"; exit 1; }
ln -s "$SRC/examples" "$T/examples"
i=0
while IFS= read -r line; do
  i=$((i + 1))
  read -r -a words <<<"${line#secgen }"
  if (cd "$T" && "$SECGEN" "${words[@]}" >"$T/out.$i" 2>"$T/err.$i"); then
    echo "ok: $line"
  else
    echo "FAIL: $line"; tail -5 "$T/err.$i"; fail=1
  fi
done <"$T/tour.txt"
for f in office.pcap truth.csv truth_cidds.csv logs/conn.log logs/dns.log flows.csv seq.csv model.json automata/https.json sampled.csv scores.csv mine.pcap mine.csv report.html bn.csv; do
  [ -s "$T/$f" ] || { echo "FAIL: the tour did not write $f"; fail=1; }
done
# every command of the reference list appears in the tour
for c in extract learn "automata learn" "automata score" "automata sample" "automata show" generate evaluate baseline info convert; do
  grep -q "^secgen $c " "$T/tour.txt" || { echo "FAIL: the tour never runs 'secgen $c'"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: the README tour runs ($n commands)"
exit $fail
