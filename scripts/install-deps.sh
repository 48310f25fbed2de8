#!/usr/bin/env bash
# Installs the Debian packages secgen needs to build, test and benchmark, if missing.
# Idempotent: does nothing when everything is there. Needs root (or sudo) only to install.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config clang
      libpcap-dev libjansson-dev libyaml-dev libcmocka-dev libomp-dev
      tshark libndpi-bin xz-utils python3-numpy python3-scipy
      argus-server argus-client netbase
      openmpi-bin libopenmpi-dev) # Open MPI: generate --mpi and its test (docs/mpi.md)
# extra tools for benchmarks and reports (bench/, docs screenshots): installed with --all
extra=(hyperfine valgrind chromium afl++ graphviz libclang-rt-14-dev)
[ "${1:-}" = "--all" ] && pkgs+=("${extra[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
