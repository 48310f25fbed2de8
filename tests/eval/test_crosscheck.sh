#!/usr/bin/env bash
# secgen evaluate vs numpy/scipy implementations of the same definitions (needs Debian's
# python3-numpy and python3-scipy for /usr/bin/python3, which scripts/install-deps.sh installs:
# without them the test fails rather than passing with nothing checked).
set -euo pipefail
: "${SECGEN:?}" "${SHARED:?}" "${SRC:?}"
if ! /usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null; then
  echo "FAIL: /usr/bin/python3 lacks numpy/scipy (scripts/install-deps.sh installs python3-numpy python3-scipy)"
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CIDDS="$SHARED/data/cidds001_flowchronicle_sample/cidds_wk3_8k_sorted.csv"
head -n 1501 "$CIDDS" > "$T/train.csv"
"$SECGEN" baseline independent-bn "$T/train.csv" -n 700 -s 5 -o "$T/a.csv"
"$SECGEN" baseline sequence-bn "$T/train.csv" -n 600 -s 6 -o "$T/b.csv"
"$SECGEN" evaluate "$T/a.csv" "$T/b.csv" -r 1 -f json -o "$T/x.json" --metrics density,coverage,cmd,pcd,emd,jsd
/usr/bin/python3 "$SRC/tests/eval/crosscheck_numpy.py" "$T/a.csv" "$T/b.csv" "$T/x.json"
