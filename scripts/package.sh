#!/usr/bin/env bash
# memcore's packages, built into dist/ (git-ignored) from this checkout:
#   dist/memcore-<version>.tgz, dist/memcore-<platform>-<version>.tgz   npm: the `memcore`
#       command (a launcher of the platform package's binary) and the Node API
#   dist/pymemcore-<version>-<tags>.whl   Python: the `memcore` command and `import memcore`
# The CLI and libmemcore are built once, with the `dist` profile (release, stripped). On Linux
# they are linked with zig against glibc 2.17 (cargo-zigbuild and ziglang from PyPI, in a
# tools venv under the target directory), so that they run on any distribution of the last
# ten years and the wheel is manylinux2014; elsewhere with the host's toolchain. Then
# scripts/package-npm.sh and scripts/package-python.sh make the packages, and
# scripts/test-package-npm.sh and scripts/test-package-python.sh test them from dist/ alone.
#
# Usage: scripts/package.sh        (from anywhere inside the repository; needs no input)
# Needs: cargo, python3 with venv and pip (PyPI), node >= 18 and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'package: %s\n' "$*" >&2; exit 1; }

for tool in cargo python3 node npm; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
export CARGO_TARGET_DIR=$TARGET_DIR
ZIGBUILD_VERSION="==0.24.*"
ZIGLANG_VERSION="==0.15.*"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) TRIPLE=x86_64-unknown-linux-gnu ;;
  Linux-aarch64) TRIPLE=aarch64-unknown-linux-gnu ;;
  *) TRIPLE= ;;
esac
# The oldest glibc the Linux binaries need: manylinux2014's.
GLIBC=2.17

rm -rf dist
mkdir -p dist

if [ -n "$TRIPLE" ]; then
  TOOLS=$TARGET_DIR/dist-tools
  step "tools: cargo-zigbuild and ziglang from PyPI ($TOOLS)"
  if [ ! -x "$TOOLS/bin/python" ]; then
    python3 -m venv "$TOOLS" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  fi
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cargo-zigbuild$ZIGBUILD_VERSION" "ziglang$ZIGLANG_VERSION"
  export PATH="$TOOLS/bin:$PATH"
  step "cargo zigbuild --profile dist --target $TRIPLE.$GLIBC -p memcore-cli -p memcore-ffi"
  cargo zigbuild --profile dist --target "$TRIPLE.$GLIBC" -p memcore-cli -p memcore-ffi
  OUT=$TARGET_DIR/$TRIPLE/dist
  CLI=$OUT/memcore
  LIB=$OUT/libmemcore.so
  # The floor holds: no symbol from a glibc newer than $GLIBC in either file.
  for file in "$CLI" "$LIB"; do
    newest=$(objdump -T "$file" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
    printf '%s needs glibc %s\n' "${file#"$ROOT"/}" "$newest"
    [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -1)" = "$GLIBC" ] ||
      fail "$file needs glibc $newest, above the $GLIBC floor"
  done
else
  step "cargo build --profile dist -p memcore-cli -p memcore-ffi (host toolchain)"
  cargo build --profile dist -p memcore-cli -p memcore-ffi
  OUT=$TARGET_DIR/dist
  case "$(uname -s)" in
    Darwin) CLI=$OUT/memcore LIB=$OUT/libmemcore.dylib ;;
    MINGW* | MSYS* | CYGWIN*) CLI=$OUT/memcore.exe LIB=$OUT/memcore.dll ;;
    *) CLI=$OUT/memcore LIB=$OUT/libmemcore.so ;;
  esac
fi
[ -x "$CLI" ] || fail "the build left no $CLI"
[ -f "$LIB" ] || fail "the build left no $LIB"

step "npm packages"
MEMCORE_CLI_BIN=$CLI MEMCORE_LIB=$LIB scripts/package-npm.sh

step "Python wheel"
MEMCORE_CLI_BIN=$CLI scripts/package-python.sh

step "dist/"
ls -la dist
