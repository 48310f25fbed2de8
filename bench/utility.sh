#!/usr/bin/env bash
# Issue 17's bench/utility.sh: anomaly-detection utility of synthetic traffic on the nDPI captures
# (benign split by capture into train/test, every pcap_ndpi_attack capture in test) for
# (a) TADAM-sampled sequences, (b) the full pipeline (models learnt on train -> pcap -> extract),
# (c) the IndependentBN / SequenceBN baselines, plus UGR'16. The work is bench/detect.sh.
exec "$(dirname "$0")/detect.sh" "$@"
