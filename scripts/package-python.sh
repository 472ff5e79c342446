#!/usr/bin/env bash
# Builds the Python wheel `pymemcore` into dist/: the uniffi extension (`memcore._native`, from
# memcore-ffi) with the Python layer (`import memcore`), plus the prebuilt `memcore` command in
# the wheel's scripts directory, so that `pipx install` / `uvx` / `pip install` put the real
# executable on PATH (no Python shim: hooks start it as a process).
#
# Usage: MEMCORE_CLI_BIN=/abs/path/to/memcore scripts/package-python.sh
#   MEMCORE_CLI_BIN  the CLI binary to ship (absolute path); scripts/package.sh passes the one
#                    built by cargo-zigbuild for glibc 2.17, which keeps the wheel manylinux2014.
#   CARGO_TARGET_DIR honoured (default: target/ at the repository root).
# Prints the wheel's path as the last line of stdout; progress goes to stderr.
#
# The extension is a release build by maturin with zig (ziglang from PyPI) for the
# manylinux2014 floor (glibc 2.17). Both ELF files then lose their debug sections (binutils'
# strip; the wheel is repacked by `wheel`), and auditwheel (from PyPI) checks every ELF file in
# the wheel, the CLI included, against manylinux_2_17_x86_64: maturin's own check covers only
# the extension. A wheel that fails a check is removed. The tools live in a venv under the
# target directory; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MATURIN_VERSION="~=1.16.0"
ZIGLANG_VERSION="==0.15.2"
AUDITWHEEL_VERSION="==6.8.2"
WHEEL_VERSION="==0.48.0"
PLATFORM_TAG=manylinux_2_17_x86_64

step() { printf '\n--> %s\n' "$*" >&2; }
fail() { printf 'package-python: %s\n' "$*" >&2; exit 1; }

# --- inputs -------------------------------------------------------------------------------
[ -n "${MEMCORE_CLI_BIN:-}" ] ||
  fail "MEMCORE_CLI_BIN is not set: give the absolute path of the memcore CLI binary to ship (scripts/package.sh builds it)"
case $MEMCORE_CLI_BIN in /*) ;; *) fail "MEMCORE_CLI_BIN must be an absolute path, got '$MEMCORE_CLI_BIN'" ;; esac
[ -f "$MEMCORE_CLI_BIN" ] || fail "MEMCORE_CLI_BIN=$MEMCORE_CLI_BIN: no such file"
[ -x "$MEMCORE_CLI_BIN" ] || fail "MEMCORE_CLI_BIN=$MEMCORE_CLI_BIN is not executable"
[ "$(head -c 4 "$MEMCORE_CLI_BIN" | od -An -c | tr -d ' ')" = '177ELF' ] ||
  fail "MEMCORE_CLI_BIN=$MEMCORE_CLI_BIN is not an ELF executable"
command -v python3 >/dev/null || fail "python3 is required but not installed"

# The one version: [workspace.package] in the root Cargo.toml (maturin takes the same one
# through memcore-ffi's `version.workspace = true`).
VERSION=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml)
[ -n "$VERSION" ] || fail "no version in [workspace.package] of Cargo.toml"
cli_version=$("$MEMCORE_CLI_BIN" --version) || fail "$MEMCORE_CLI_BIN --version failed"
[ "$cli_version" = "memcore $VERSION" ] ||
  fail "$MEMCORE_CLI_BIN --version says '$(head -n 1 <<<"$cli_version")', expected 'memcore $VERSION' (the workspace version; a stale or foreign binary?)"

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
export CARGO_TARGET_DIR=$TARGET_DIR
TOOLS=$TARGET_DIR/python/package-tools
DIST=$ROOT/dist
# maturin's default data directory for module `memcore._native` (see bindings/python/pyproject.toml).
DATA=$ROOT/bindings/python/memcore._native.data

# --- tools --------------------------------------------------------------------------------
step "build tools venv ${TOOLS#"$ROOT"/} (maturin$MATURIN_VERSION, ziglang$ZIGLANG_VERSION, auditwheel$AUDITWHEEL_VERSION, wheel$WHEEL_VERSION)"
if [ ! -x "$TOOLS/bin/python" ]; then
  python3 -m venv "$TOOLS" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
fi
PY=$TOOLS/bin/python
"$PY" -m pip install --quiet --disable-pip-version-check \
  "maturin$MATURIN_VERSION" "ziglang$ZIGLANG_VERSION" "auditwheel$AUDITWHEEL_VERSION" "wheel$WHEEL_VERSION" ||
  fail "pip could not install the build tools from PyPI"
# maturin (through cargo-zigbuild) runs zig as `python3 -m ziglang` from PATH: the venv's.
export PATH=$TOOLS/bin:$PATH
"$PY" -m maturin --version >&2
"$PY" -m ziglang version >/dev/null || fail "ziglang from PyPI does not run"

# --- stage the CLI ------------------------------------------------------------------------
# The staged directory exists only while this script runs: a source build without it gives
# the library alone. A leftover of a killed run is replaced.
rm -rf "$DATA"
UNPACK=$(mktemp -d "${TMPDIR:-/tmp}/pymemcore-wheel.XXXXXX")
trap 'rm -rf "$DATA" "$UNPACK"' EXIT
mkdir -p "$DATA/scripts"
cp "$MEMCORE_CLI_BIN" "$DATA/scripts/memcore"
chmod 0755 "$DATA/scripts/memcore"

# --- build --------------------------------------------------------------------------------
mkdir -p "$DIST"
rm -f "$DIST"/pymemcore-*.whl
step "maturin build --release --zig --compatibility manylinux2014 -> dist/"
(cd bindings/python &&
  "$PY" -m maturin build --release --zig --compatibility manylinux2014 --out "$DIST" >&2) ||
  fail "maturin build failed (see above)"
shopt -s nullglob
wheels=("$DIST"/pymemcore-"$VERSION"-*.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected one pymemcore-$VERSION wheel in dist/, found ${#wheels[@]}"
WHEEL=${wheels[0]}

# The release profile keeps line tables (debug = "line-tables-only"): 34 of libmemcore's 50 MB
# and some 60 of the CLI's 80. The shipped files drop those debug sections and keep their
# symbols (function names in backtraces; uniffi-bindgen reads its metadata from libmemcore's
# symbol table, which is why the link itself cannot strip: zig's linker drops the symbol table
# with the debug info). Unpacked and repacked with `wheel`, which rewrites RECORD.
step "strip --strip-debug the wheel's ELF files"
command -v strip >/dev/null || fail "strip (binutils) is required to drop the debug sections"
"$PY" -m wheel unpack --dest "$UNPACK" "$WHEEL" >&2 || fail "wheel unpack failed"
elves=0
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  before=$(stat -c %s "$f")
  strip --strip-debug "$f" || fail "strip --strip-debug failed on ${f#"$UNPACK"/}"
  printf '  %s: %s -> %s bytes\n' "${f#"$UNPACK"/}" "$before" "$(stat -c %s "$f")" >&2
  elves=$((elves + 1))
done < <(find "$UNPACK" -type f -print0)
[ "$elves" -eq 2 ] || fail "expected 2 ELF files in the wheel (libmemcore, the CLI), found $elves"
rm -f "$WHEEL"
"$PY" -m wheel pack --dest-dir "$DIST" "$UNPACK/pymemcore-$VERSION" >&2 || fail "wheel pack failed"
wheels=("$DIST"/pymemcore-"$VERSION"-*.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected one pymemcore-$VERSION wheel in dist/ after repacking, found ${#wheels[@]}"
WHEEL=${wheels[0]}
platforms=$(basename "$WHEEL" .whl); platforms=${platforms##*-}   # e.g. manylinux2014_x86_64.manylinux_2_17_x86_64
case .$platforms. in *".$PLATFORM_TAG."*) ;;
  *) fail "wheel $(basename "$WHEEL") is not tagged $PLATFORM_TAG" ;; esac

# --- check --------------------------------------------------------------------------------
step "wheel contents"
# A wheel that fails a check does not stay in dist/.
reject() { rm -f "$WHEEL"; fail "$* ($(basename "$WHEEL") removed from dist/)"; }
"$PY" - "$WHEEL" "$VERSION" <<'EOF' || reject "the wheel is incomplete (see above)"
import stat, sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    infos = {i.filename: i for i in z.infolist()}
script = f"pymemcore-{version}.data/scripts/memcore"
problems = []
if script not in infos:
    problems.append(f"no {script}")
elif not infos[script].external_attr >> 16 & stat.S_IXUSR:
    problems.append(f"{script} is not executable in the archive")
if not any(n.startswith("memcore/") and n.endswith(".so") for n in infos):
    problems.append("no memcore/*.so (libmemcore)")
if "memcore/__init__.py" not in infos:
    problems.append("no memcore/__init__.py")
for p in problems:
    print("  missing:", p, file=sys.stderr)
for n, i in sorted(infos.items()):
    print(f"  {i.file_size:>10}  {n}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

step "auditwheel show (every ELF file in the wheel against $PLATFORM_TAG)"
audit=$("$PY" -m auditwheel show "$WHEEL" 2>&1) || { printf '%s\n' "$audit" >&2; reject "auditwheel show failed"; }
printf '%s\n' "$audit" >&2
# auditwheel names the most compatible tag the wheel's ELF files allow (its text wraps lines).
tr -s ' \n' '  ' <<<"$audit" | grep -q "is consistent with the following platform tag: \"$PLATFORM_TAG\"" ||
  reject "auditwheel: the wheel's ELF files are not consistent with $PLATFORM_TAG (see above; MEMCORE_CLI_BIN must be built for glibc 2.17, as scripts/package.sh does with cargo-zigbuild)"

printf '\npackage-python: %s (%s bytes)\n' "${WHEEL#"$ROOT"/}" "$(stat -c %s "$WHEEL")" >&2
printf '%s\n' "$WHEEL"
