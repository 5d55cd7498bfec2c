#!/usr/bin/env bash
# Prepares, on the development machine, everything the lent GPU machine lacks (it has no Node
# and no registry): .carry/node.xz (this Node, compressed), .carry/modules.tar.xz (lem's
# production dependencies only), a fresh dist/ and the built addon. Prints the sizes; the
# device tool carries at most 64 MiB. See bench/gpu/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

npx tsc -p tsconfig.json
if [ ! -f build/Release/lem.node ]; then
  echo "pack: build/Release/lem.node is missing: run npx node-gyp rebuild first" >&2
  exit 1
fi
mkdir -p .carry
# .carry/ must stay out of git (and out of what the device tool copies unless carried); so must
# a node_modules symlink (.gitignore's "node_modules/" matches directories only), or the device
# tool would copy it as an untracked file.
exclude="$(git rev-parse --git-common-dir)/info/exclude"
git check-ignore -q .carry/node.xz || echo ".carry/" >> "$exclude"
git check-ignore -q node_modules || echo "/node_modules" >> "$exclude"
node_bin="$(readlink -f "$(command -v node)")"
if ldd "$node_bin" 2>/dev/null | grep -q "libnode"; then
  echo "pack: $node_bin links libnode (a distribution build): use a self-contained Node from nodejs.org" >&2
  exit 1
fi
xz -T2 -6 -c "$node_bin" > .carry/node.xz
# The lent machine gets no .git: the kit records the commit (and local changes) from here.
{ git rev-parse HEAD; git status --short --untracked-files=no; } > .carry/commit.txt
node bench/gpu/kit/prod-modules.mjs . > .carry/modules.txt
modules_base="$(dirname "$(readlink -f node_modules)")"
tar -C "$modules_base" -cJf .carry/modules.tar.xz -T .carry/modules.txt
du -sch .carry/node.xz .carry/modules.tar.xz dist build/Release/lem.node | sed 's/^/pack: /'
