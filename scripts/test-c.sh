#!/usr/bin/env bash
# The C ABI's tests: the committed header matches a fresh cbindgen generation, and the C
# example and the C test suite, built with gcc against include/memcore.h and libmemcore, run
# under valgrind memcheck with zero errors and zero definitely-lost bytes.
#
# The header's JSON documentation lists the records' fields, generated from the records
# (memcore-ffi/src/docs_check.rs, which also generates bindings/node/records.d.ts): the first
# step checks that those generated parts are up to date.
#
# Usage: scripts/test-c.sh           (from anywhere inside the repository; needs no input)
#        scripts/test-c.sh --update  regenerate the records' documentation (strings.rs,
#                                    bindings/node/records.d.ts) and include/memcore.h, then stop
# Needs: cargo, gcc, valgrind; installs cbindgen 0.29.4 with cargo when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CBINDGEN_VERSION=0.29.4
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
LIB_DIR=$TARGET_DIR/debug
OUT_DIR=$TARGET_DIR/c
CFLAGS=(-Wall -Wextra -Werror -std=c11 -pthread -g -I"$ROOT/include")
VALGRIND=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1)

step() { printf '\n--> %s\n' "$*"; }
fail() { printf 'test-c: %s\n' "$*" >&2; exit 1; }

update=false
case ${1:-} in
  --update) update=true ;;
  "") ;;
  *) fail "unknown argument: $1 (use --update to regenerate the documentation and the header)" ;;
esac

for tool in cargo gcc valgrind; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $CBINDGEN_VERSION" ]; then
  step "installing cbindgen $CBINDGEN_VERSION (found: $(cbindgen --version 2>/dev/null || echo none))"
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
fi

if $update; then
  step "MEMCORE_UPDATE_DOCS=1 cargo test -p memcore-ffi --lib docs_check (strings.rs, records.d.ts)"
  MEMCORE_UPDATE_DOCS=1 cargo test -p memcore-ffi --lib docs_check
  step "cbindgen -> include/memcore.h"
  cbindgen --quiet --config memcore-ffi/cbindgen.toml --output include/memcore.h memcore-ffi
  echo "updated memcore-ffi/src/strings.rs, bindings/node/records.d.ts and include/memcore.h"
  exit 0
fi

step "the records' generated documentation is up to date (cargo test -p memcore-ffi --lib docs_check)"
cargo test -p memcore-ffi --lib docs_check || fail "regenerate it with: scripts/test-c.sh --update"

step "include/memcore.h matches a fresh generation by $(cbindgen --version)"
fresh=$(mktemp "${TMPDIR:-/tmp}/memcore-h.XXXXXX")
trap 'rm -f "$fresh"' EXIT
cbindgen --quiet --config memcore-ffi/cbindgen.toml --output "$fresh" memcore-ffi
if ! diff -u include/memcore.h "$fresh"; then
  fail "include/memcore.h is stale; regenerate it with: scripts/test-c.sh --update"
fi
echo "header up to date"

if command -v g++ >/dev/null; then
  step "include/memcore.h compiles as C++ (g++ -fsyntax-only)"
  g++ -fsyntax-only -Wall -Wextra -Werror -x c++ include/memcore.h
fi

step "cargo build -p memcore-ffi"
cargo build -p memcore-ffi
[ -f "$LIB_DIR/libmemcore.so" ] || fail "$LIB_DIR/libmemcore.so was not built"

step "compiling the C example and tests with gcc ${CFLAGS[*]}"
mkdir -p "$OUT_DIR"
programs=()
for src in examples/c/host.c tests/c/*.c; do
  name=$(basename "$src" .c)
  echo "gcc $src -> ${OUT_DIR#"$ROOT"/}/$name"
  gcc "${CFLAGS[@]}" -I"$ROOT/tests/c" "$src" -o "$OUT_DIR/$name" \
    -L"$LIB_DIR" -lmemcore -Wl,-rpath,"$LIB_DIR"
  programs+=("$name")
done

failed=()
for name in "${programs[@]}"; do
  step "valgrind $name"
  if ! "${VALGRIND[@]}" "$OUT_DIR/$name"; then
    failed+=("$name")
  fi
done

echo
if [ ${#failed[@]} -ne 0 ]; then
  fail "${#failed[@]} of ${#programs[@]} C programs failed under valgrind: ${failed[*]}"
fi
echo "C ABI: ${#programs[@]} programs passed under valgrind memcheck (no errors, no definite leaks)"
