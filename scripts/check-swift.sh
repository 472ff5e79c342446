#!/usr/bin/env bash
# The Swift binding's check: regenerates the uniffi Swift sources, the C header and the module
# map from libmemcore with the workspace's own uniffi-bindgen, and fails when they differ from
# what bindings/swift commits. The header must also compile as C (gcc -fsyntax-only). No Swift
# toolchain installs on Debian 12, so the Swift sources are compiled where one exists (see
# bindings/swift/README.md), not here.
#
# Usage: scripts/check-swift.sh           check (from anywhere in the repository; no input)
#        scripts/check-swift.sh --update  rewrite the committed files from a fresh generation
# Needs: cargo, gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
LIB=$TARGET_DIR/debug/libmemcore.so
SWIFT=bindings/swift

step() { printf '\n--> %s\n' "$*"; }
fail() { printf 'check-swift: %s\n' "$*" >&2; exit 1; }

update=false
case ${1:-} in
  --update) update=true ;;
  "") ;;
  *) fail "unknown argument: $1 (use --update to rewrite the committed files)" ;;
esac

step "cargo build -p memcore-ffi (the library the bindings describe)"
cargo build -p memcore-ffi
[ -f "$LIB" ] || fail "$LIB was not built"

step "uniffi-bindgen generate --language swift"
fresh=$(mktemp -d "${TMPDIR:-/tmp}/memcore-swift.XXXXXX")
trap 'rm -rf "$fresh"' EXIT
# `--no-format`: swift-format is not installed here; the committed files are unformatted too.
# The same invocation as maturin's (from the root: the default members), so one build serves both.
cargo run --quiet --bin uniffi-bindgen -- generate --no-format --language swift \
  --out-dir "$fresh/gen" "$LIB"

# SwiftPM layout: the Swift sources in one target, the C header and its module map (named
# module.modulemap, declaring the module `memcoreFFI` the sources import) in another.
mkdir -p "$fresh/Sources/Memcore" "$fresh/Sources/MemcoreFFI"
mv "$fresh/gen/memcore.swift" "$fresh/Sources/Memcore/memcore.swift"
mv "$fresh/gen/memcoreFFI.h" "$fresh/Sources/MemcoreFFI/memcoreFFI.h"
mv "$fresh/gen/memcoreFFI.modulemap" "$fresh/Sources/MemcoreFFI/module.modulemap"
leftover=$(ls "$fresh/gen")
[ -z "$leftover" ] || fail "unexpected generated files: $leftover"

files=(Sources/Memcore/memcore.swift Sources/MemcoreFFI/memcoreFFI.h Sources/MemcoreFFI/module.modulemap)

if $update; then
  for f in "${files[@]}"; do
    mkdir -p "$(dirname "$SWIFT/$f")"
    cp "$fresh/$f" "$SWIFT/$f"
  done
  echo "updated ${files[*]/#/$SWIFT/}"
fi

step "the generated header compiles as C (gcc -fsyntax-only; clang's nullability marks removed)"
printf '#include "memcoreFFI.h"\n' |
  gcc -fsyntax-only -Wall -Wextra -Werror -std=c11 -D_Nonnull= -D_Nullable= -D_Null_unspecified= \
    -I "$fresh/Sources/MemcoreFFI" -x c -
echo "memcoreFFI.h: ok"

step "committed Swift sources match a fresh generation"
drift=0
for f in "${files[@]}"; do
  if [ ! -f "$SWIFT/$f" ]; then
    echo "missing: $SWIFT/$f"
    drift=1
  elif ! diff -u "$SWIFT/$f" "$fresh/$f" > "$fresh/diff" 2>&1; then
    echo "drift in $SWIFT/$f:"
    head -n 40 "$fresh/diff"
    drift=1
  else
    echo "$SWIFT/$f: up to date"
  fi
done
if [ $drift -ne 0 ]; then
  fail "the Swift bindings are stale (the uniffi API in memcore-ffi/src/uniffi_api changed);
regenerate them with: scripts/check-swift.sh --update"
fi
echo
echo "Swift binding: ${#files[@]} generated files up to date (compile them with a Swift toolchain: bindings/swift/README.md)"
