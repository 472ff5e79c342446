#!/usr/bin/env bash
# The web viewer's end-to-end tests (`memcore ui`, issue 18): headless Chromium, Debian's
# `chromium` package driven by playwright-core from npm, against `memcore ui --no-open` on a
# store built by tests/ui-e2e/fixture.mjs through the memcore command itself (hooks, the
# heuristic extractor, import). Each flow is a node:test test that keeps a screenshot of its
# view in $CARGO_TARGET_DIR/ui-e2e/screenshots/ (else target/ui-e2e/screenshots/).
#
# Usage: scripts/test-ui.sh        (from anywhere inside the repository; needs no input)
#        MEMCORE_BIN=/path/to/memcore scripts/test-ui.sh     (a given binary, no cargo build)
# Needs: cargo, node >= 20 and npm, the npm registry (or a warm npm cache), and
#        /usr/bin/chromium: installed with apt-get when missing, which needs root (CI runs
#        this as root on Debian 12).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
CHROMIUM=/usr/bin/chromium

step() { printf '\n--> %s  (%ss)\n' "$*" "$SECONDS"; }
fail() { printf 'test-ui: %s\n' "$*" >&2; exit 1; }

for tool in node npm; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
# playwright-core 1.65 declares node >= 20, and node:test's --test-concurrency is 20.10+.
[ "$node_major" -ge 20 ] || fail "node >= 20 is required (found $(node --version))"

# The browser: Debian's chromium, not one playwright downloads (playwright-core never does;
# the distribution's package gets security updates and needs no third-party download). The
# package index is refreshed only when the install fails, so a warm CI image skips the slow
# `apt-get update`.
if [ ! -x "$CHROMIUM" ]; then
  step "apt-get install chromium ($CHROMIUM is missing)"
  [ "$(id -u)" -eq 0 ] || fail "$CHROMIUM is missing; install it (as root: apt-get install chromium) and run again"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium; then
    echo "apt-get install failed; refreshing the package index and trying again"
    apt-get update
    apt-get install -y --no-install-recommends chromium
  fi
  [ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is not there"
fi
echo "browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

step "npm ci (tests/ui-e2e: playwright-core $(node -p "require('./tests/ui-e2e/package.json').devDependencies['playwright-core']"))"
(cd tests/ui-e2e && npm ci --no-audit --no-fund --loglevel=error)

# The binary under test: $MEMCORE_BIN when the caller gives one, else a debug build (cargo
# does nothing when it is up to date, and rebuilds it when the sources changed).
if [ -z "${MEMCORE_BIN:-}" ]; then
  command -v cargo >/dev/null || fail "cargo is required to build memcore (or set MEMCORE_BIN)"
  step "cargo build -p memcore-cli"
  cargo build -p memcore-cli
  MEMCORE_BIN=$TARGET_DIR/debug/memcore
fi
[ -x "$MEMCORE_BIN" ] || fail "$MEMCORE_BIN was not built"
case $MEMCORE_BIN in /*) ;; *) MEMCORE_BIN=$ROOT/$MEMCORE_BIN ;; esac
export MEMCORE_BIN
echo "memcore: $MEMCORE_BIN ($("$MEMCORE_BIN" --version))"

# Artefacts: the screenshots, and the fixture store's copies (kept when a test fails, for a
# look with `memcore --db ... ui`). Old screenshots go, so what is there is this run's.
export UI_E2E_OUT=$TARGET_DIR/ui-e2e
export UI_E2E_CHROMIUM=$CHROMIUM
rm -rf "$UI_E2E_OUT"
mkdir -p "$UI_E2E_OUT/screenshots"

# The fixture store is built once here; each test file serves its own copy, so the tests that
# edit and forget do not change what the others see.
step "node tests/ui-e2e/fixture.mjs (the store the tests look at)"
node tests/ui-e2e/fixture.mjs "$UI_E2E_OUT/fixture" "$MEMCORE_BIN" >"$UI_E2E_OUT/fixture.json"
export UI_E2E_FIXTURE=$UI_E2E_OUT/fixture
node -e 'const f = require(process.argv[1]); console.log(`${f.stats.observations} observations, ${f.stats.sessions} sessions; ${f.extracted}; ${f.imported}`)' "$UI_E2E_OUT/fixture.json"

step "node --test tests/ui-e2e/ (node $(node --version))"
# One file at a time: each runs a browser and a server, and CI machines are small.
node --test --test-reporter=spec --test-concurrency=1 tests/ui-e2e/*.test.mjs

echo
echo "screenshots:"
find "$UI_E2E_OUT/screenshots" -name '*.png' | sort | sed 's/^/  /'
echo
echo "UI end-to-end tests: all passed (${SECONDS}s)"
