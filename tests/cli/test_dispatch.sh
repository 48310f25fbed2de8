#!/usr/bin/env bash
# The dispatcher: help, version, unknown commands (usage error = exit 2).
set -u
fail=0
check() { # desc expected_rc cmd...
  local desc=$1 want=$2; shift 2
  "$@" >/tmp/sg_cli_out.$$ 2>&1; local rc=$?
  if [ "$rc" -ne "$want" ]; then echo "FAIL: $desc (rc=$rc, want $want)"; cat /tmp/sg_cli_out.$$; fail=1; else echo "ok: $desc"; fi
}
check "help exits 0" 0 "$SECGEN" --help
check "no args is a usage error" 2 "$SECGEN"
check "unknown command is a usage error" 2 "$SECGEN" frobnicate
check "version" 0 "$SECGEN" --version
"$SECGEN" frobnicate 2>&1 | grep -q "unknown command 'frobnicate'" || { echo "FAIL: message names the command"; fail=1; }
"$SECGEN" --help | grep -q "commands:" || { echo "FAIL: help lists commands"; fail=1; }
rm -f /tmp/sg_cli_out.$$
exit $fail
