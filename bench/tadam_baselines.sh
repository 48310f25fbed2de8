#!/usr/bin/env bash
# The paper's Table 3 comparison (issue 20 item 3): TADAM against the bigram, an HMM (Baum-Welch,
# states chosen by held-out likelihood) and ALERGIA (state merging, no noise model), all learnt on
# the same normal training sequences of a seeded split and scored in bits (per sequence and per
# event; AUROC on the test split), on
#  - HDFS_v1 (2 % LogLead sample, 11,501 blocks, 3 % anomalous), symbols-only TADAM (--untimed);
#  - packet sequences: the benign nDPI captures (label benign) + the attack captures (label
#    attack), one automaton for all flows; train split $PK_TRAIN_FRAC (a keyed random draw per
#    flow, so the normal flows learnt from are a random sample of every capture; --max-train would
#    take the first flows of the file, i.e. of a few captures).
# Prints the evaluate output per seed (rows with AUROC, then one "learner" line per model with
# states, edges, learning time and normal test bits/event).
# Usage: bench/tadam_baselines.sh [SEEDS...]   (default 1 2 3); DATASETS="hdfs packets" by default.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECGEN=${SECGEN:-$HERE/build/release/secgen}
HDFS=${HDFS:-$HERE/../shared/data/hdfs_loglead_2pct/hdfs_2pct_sequences.csv}
BENIGN=${BENIGN:-$HERE/../shared/data/pcap_ndpi_benign/pcap}
ATTACK=${ATTACK:-$HERE/../shared/data/pcap_ndpi_attack/pcap}
PK_TRAIN_FRAC=${PK_TRAIN_FRAC:-0.3}
DATASETS=${DATASETS:-hdfs packets}
SEEDS=${*:-1 2 3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for ds in $DATASETS; do
    case $ds in
    hdfs) DATA=$HDFS; extra="" ;;
    packets)
        "$SECGEN" extract "$BENIGN"/* -o "$TMP/bf.csv" --sequences "$TMP/bs.csv" --seq-max 250 -q
        "$SECGEN" extract "$ATTACK"/* -o "$TMP/af.csv" --sequences "$TMP/as.csv" --seq-max 250 -q
        {
            echo "flow_id,proto,service_port,n,symbols,iat_us,payload,label"
            tail -n +2 "$TMP/bs.csv" | sed 's/^/b/; s/$/,benign/'
            tail -n +2 "$TMP/as.csv" | sed 's/^/a/; s/$/,attack/'
        } >"$TMP/packets.csv"
        DATA=$TMP/packets.csv
        extra="--train-frac $PK_TRAIN_FRAC"
        echo "packets: $(($(wc -l <"$TMP/bs.csv") - 1)) benign + $(($(wc -l <"$TMP/as.csv") - 1)) attack flows"
        ;;
    *) echo "unknown data set $ds" >&2; exit 2 ;;
    esac
    for s in $SEEDS; do
        echo "== $ds, seed $s"
        # shellcheck disable=SC2086
        /usr/bin/time -f "whole run: wall %e s, user %U s, peak RSS %M KiB" \
            "$SECGEN" automata evaluate "$DATA" -s "$s" -j 2 --quiet --untimed --baseline all $extra 2>&1 |
            grep -E "AUROC|^learner|whole run|^data"
    done
done
