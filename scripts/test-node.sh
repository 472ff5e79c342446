#!/usr/bin/env bash
# The Node bindings' tests: builds libmemcore (debug) when needed, installs the package's
# dependencies from its lock file (koffi's prebuilt binary: no compiler), runs the node:test
# suite (full flow, errors, unicode, 10,000 events, JavaScript callbacks, TypeScript
# declarations, the README's example, the example agent), then the example agent on its own.
# The record types (records.d.ts) are generated from memcore-ffi's records: checked first.
#
# Usage: scripts/test-node.sh        (from anywhere inside the repository; needs no input)
# Needs: cargo, node >= 18 and npm, and the npm registry (or a warm npm cache).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
case "$(uname -s)" in
  Darwin) LIB_NAME=libmemcore.dylib ;;
  MINGW* | MSYS* | CYGWIN*) LIB_NAME=memcore.dll ;;
  *) LIB_NAME=libmemcore.so ;;
esac

step() { printf '\n--> %s\n' "$*"; }
fail() { printf 'test-node: %s\n' "$*" >&2; exit 1; }

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || fail "node >= 18 is required (found $(node --version))"

# The library under test: $MEMCORE_LIB when the caller gives one, else a debug build (cargo
# does nothing when it is up to date, and rebuilds it when the sources changed).
if [ -z "${MEMCORE_LIB:-}" ]; then
  step "cargo build -p memcore-ffi"
  cargo build -p memcore-ffi
  MEMCORE_LIB=$TARGET_DIR/debug/$LIB_NAME
fi
[ -f "$MEMCORE_LIB" ] || fail "$MEMCORE_LIB was not built"
export MEMCORE_LIB
echo "libmemcore: $MEMCORE_LIB"

step "bindings/node/records.d.ts matches the records (cargo test -p memcore-ffi --lib docs_check)"
cargo test -p memcore-ffi --lib docs_check::the_node_record_types_are_generated ||
  fail "records.d.ts is generated from memcore-ffi's records; regenerate it with: scripts/test-c.sh --update"

step "npm ci (bindings/node: koffi $(node -p "require('./bindings/node/package.json').dependencies.koffi"), typescript for the .d.ts check)"
(cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)

step "node --test bindings/node/test/ (node $(node --version))"
node --test --test-reporter=spec bindings/node/test/

step "node examples/node/agent.mjs"
node examples/node/agent.mjs

echo
echo "Node bindings: all tests passed"
