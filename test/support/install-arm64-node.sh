#!/usr/bin/env bash
# Debian 12's arm64 Node.js (18.20, Node-API 9) unpacked into a directory, to run the linux-arm64
# prebuild under qemu-user: qemu-aarch64 -L DIR DIR/usr/bin/node. The packages are downloaded
# through multiarch (dpkg --add-architecture arm64) and unpacked with dpkg -x rather than
# installed, because nodejs:arm64 would replace this machine's own nodejs package.
# Usage: install-arm64-node.sh DIR   (root, Debian; idempotent)
set -euo pipefail
dir=${1:?usage: install-arm64-node.sh DIR}
[ -x "$dir/usr/bin/node" ] && exit 0
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo_cmd dpkg --add-architecture arm64
  $sudo_cmd apt-get update -qq
fi
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
# nodejs, its libraries (Depends of libnode108), and the JavaScript Debian's Node loads from
# /usr/share/nodejs instead of bundling it.
(cd "$debs" && apt-get download -q \
  nodejs:arm64 libnode108:arm64 libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libuv1:arm64 \
  libicu72:arm64 libssl3:arm64 zlib1g:arm64 libbrotli1:arm64 libc-ares2:arm64 libnghttp2-14:arm64 \
  node-acorn node-cjs-module-lexer node-undici 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
mkdir -p "$dir.tmp"
for deb in "$debs"/*.deb; do dpkg -x "$deb" "$dir.tmp"; done
rm -rf "$dir"
mv "$dir.tmp" "$dir"
