#!/usr/bin/env bash
# SIGINT / SIGTERM during `generate` and `extract`: the outputs' temporaries (*.tmp.*) are removed
# and the program ends by the signal (shell status 130 / 143); the targets are not created.
# Job control (set -m) so that background jobs do not start with SIGINT ignored, as bash does for
# asynchronous commands otherwise (the handler keeps an ignored signal ignored, like nohup).
set -uo pipefail
set -m
: "${SECGEN:?}" "${TESTDATA:?}"
T=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
fail=0

wait_tmp() { # dir: until a *.tmp.* exists (up to 60 s)
    for _ in $(seq 600); do
        compgen -G "$1/*.tmp.*" >/dev/null && return 0
        sleep 0.1
    done
    return 1
}

check() { # name sig expected_status dir pid
    local name=$1 sig=$2 want=$3 dir=$4 pid=$5 rc
    wait_tmp "$dir" || { echo "FAIL: $name: no temporary appeared"; fail=1; kill -9 "$pid"; return; }
    sleep 0.3
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = "$want" ] || { echo "FAIL: $name: status $rc, want $want"; fail=1; }
    left=$(ls "$dir")
    [ -z "$left" ] || { echo "FAIL: $name: left behind: $left"; fail=1; }
    [ "$rc" = "$want" ] && [ -z "$left" ] && echo "ok: $name: status $rc, nothing left"
}

# 6 minutes: the sequences must overflow the FIFO's 64 KB buffer so that extract blocks (2 minutes
# of the embedded model give ~33 KB since generation keeps the training volumes, issue 13; 4 minutes
# gave 61 KB with the model rebuilt in issue 13's second round, 6 minutes 156 KB)
"$SECGEN" generate -d 6m -s 2 -q -o "$T/in.pcap" || exit 1

for sig in INT TERM; do
    want=$([ $sig = INT ] && echo 130 || echo 143)
    d="$T/gen_$sig"; mkdir -p "$d"
    "$SECGEN" generate -d 1w --force -s 1 -q -o "$d/big.pcap" --flows-out "$d/big.csv" &
    pid=$!; pids+=("$pid")
    check "generate SIG$sig" "$sig" "$want" "$d" "$pid"

    d="$T/flows_$sig"; mkdir -p "$d"
    "$SECGEN" generate -n 1000000000 --force -s 1 -q --flows-out "$d/many.csv" &
    pid=$!; pids+=("$pid")
    check "generate flow-only SIG$sig" "$sig" "$want" "$d" "$pid"

    # extract writes its outputs at the end: the sequences go to a FIFO nobody reads, so it
    # blocks mid-write with flows.csv's temporary open
    d="$T/ext_$sig"; mkdir -p "$d"
    rm -f "$T/fifo"; mkfifo "$T/fifo"
    sleep 120 <"$T/fifo" &
    pids+=("$!")
    "$SECGEN" extract "$T/in.pcap" -q -o "$d/flows.csv" --sequences - >"$T/fifo" &
    pid=$!; pids+=("$pid")
    check "extract SIG$sig" "$sig" "$want" "$d" "$pid"
done
exit $fail
