#!/usr/bin/env bash
# Prints the path of a Node.js binary of the LTS line the image runs (Dockerfile), installing one into .tools/ when
# needed. Idempotent. Order: $NODE_LTS, then `node` on PATH when it is that line, then .tools/node-<line>/, then the
# npm registry's node-linux-<arch> package (the official binary, published as an npm package: no nodejs.org needed).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_LTS_LINE=24

say() { printf '[node-lts] %s\n' "$*" >&2; }

if [ -n "${NODE_LTS:-}" ]; then
  if [ -x "$NODE_LTS" ]; then echo "$NODE_LTS"; exit 0; fi
  say "NODE_LTS=$NODE_LTS is not an executable file"; exit 1
fi
if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$NODE_LTS_LINE" ]; then
  command -v node; exit 0
fi

dir=.tools/node-$NODE_LTS_LINE
if [ -x "$dir/bin/node" ]; then echo "$PWD/$dir/bin/node"; exit 0; fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) say "no Node.js package for $(uname -m)"; exit 1 ;;
esac
say "fetching node-linux-$arch@$NODE_LTS_LINE from the npm registry into $dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_LTS_LINE")
tar -xzf "$tmp/$tarball" -C "$tmp"
mkdir -p .tools
rm -rf "$dir"
mv "$tmp/package" "$dir"
chmod +x "$dir/bin/node"
"$dir/bin/node" --version >&2
echo "$PWD/$dir/bin/node"
