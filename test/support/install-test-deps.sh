#!/usr/bin/env bash
# What the test suite needs beyond Node.js and a C++ build toolchain, on Debian: chromium (the
# report in a real browser), tmux (terminal tests), the arm64 cross compiler and qemu-user
# (the linux-arm64 prebuild), python3-venv (the Python harness installed in a venv),
# slurm-wlm and munge (a real single-node Slurm for the Slurm executor's tests), and
# Debian's arm64 Node.js unpacked into test/.artifacts/arm64-node. Installs only what is
# missing. Run by .ci/run, and by the test suite itself (test/support/global-setup.ts) when it
# runs as root where apt-get exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v tmux >/dev/null || missing+=(tmux)
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v slurmctld >/dev/null && command -v sbatch >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "install-test-deps: apt-get install ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
test/support/install-arm64-node.sh test/.artifacts/arm64-node
