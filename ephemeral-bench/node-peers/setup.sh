#!/usr/bin/env bash
# Prepares ipc-bro's own performance tests for `ephemeral-bench node-peers`.
#
#   ephemeral-bench/node-peers/setup.sh [NESTJS_IPC_BRO_CHECKOUT]
#
# ipc-bro 1.0.0 (the original Node gateway and client) is not published on npm; its sources,
# performance tests included, travel in the node_modules of the nestjs-ipc-bro repository. Give
# the path of a checkout of it, or leave it out and this script clones it with git. The sources
# are copied under ephemeral-bench/target/node-peers (never into the repository), their npm
# dependencies installed (msgpackr as ipc-bro's lock file pins it, TypeScript to compile), and
# everything, tests included, compiled to JavaScript in build/.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../target/node-peers"
command -v node > /dev/null || { echo "node is not on the PATH (Debian: apt-get install -y nodejs npm)" >&2; exit 3; }
command -v npm > /dev/null || { echo "npm is not on the PATH (Debian: apt-get install -y npm)" >&2; exit 3; }

rm -rf "$out"
mkdir -p "$out"
checkout="${1:-}"
if [ -z "$checkout" ]; then
  checkout="$out/nestjs-ipc-bro"
  git clone --quiet --depth 1 https://github.com/nirikshan/nestjs-ipc-bro.git "$checkout"
fi
src="$checkout/node_modules/ipc-bro"
if [ ! -f "$src/package.json" ] || [ ! -d "$src/src/ipc-test/performance" ]; then
  echo "$checkout has no node_modules/ipc-bro with its src/ipc-test/performance tests" >&2
  exit 2
fi
version="$(node -p "require('$src/package.json').version")"
mkdir -p "$out/ipc-bro"
cp -R "$src/src" "$src/package.json" "$out/ipc-bro/"
cd "$out/ipc-bro"
npm install --no-audit --no-fund --silent --no-save msgpackr@1.11.5 typescript@5.9.3 @types/node@24
cat > tsconfig.build.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2020",
    "module": "CommonJS",
    "rootDir": "src",
    "outDir": "build",
    "strict": false,
    "esModuleInterop": true,
    "skipLibCheck": true,
    "types": ["node"]
  },
  "include": ["src"]
}
JSON
npx --no-install tsc -p tsconfig.build.json
echo "ipc-bro $version compiled in $out/ipc-bro/build"
