#!/usr/bin/env bash
# Tests the Python wheel built by scripts/package-python.sh as a user gets it: from dist/ alone,
# in a fresh HOME whose PATH has no cargo or rustc, with pip installing nothing but the wheel
# (--no-index) into a fresh venv. Checks:
#   - `memcore` in the venv's bin is the native CLI itself (an ELF file, no Python shim) and
#     `memcore --version` reports the wheel's version;
#   - `memcore install claude-code` writes $HOME/.claude/settings.json with memcore's hooks,
#     each naming an existing executable (the venv's memcore), and the MCP server in ~/.claude.json;
#   - `import memcore` loads the installed package, and the ```python block under
#     "## Using it from Python" in the root README.md runs in an empty directory.
#
# Usage: scripts/test-package-python.sh [dist-dir]      (default: dist/ at the repository root)
# Needs: python3 with venv. No network, no Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n--> %s\n' "$*"; }
fail() { printf 'test-package-python: FAIL: %s\n' "$*" >&2; exit 1; }

DIST=${1:-$ROOT/dist}
[ -d "$DIST" ] || fail "no directory $DIST (build it with scripts/package.sh)"
DIST=$(cd "$DIST" && pwd)
shopt -s nullglob
wheels=("$DIST"/pymemcore-*.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected exactly one pymemcore-*.whl in $DIST, found ${#wheels[@]}"
WHEEL=${wheels[0]}
# pymemcore-<version>-<python tag>-<abi tag>-<platform tag>.whl
VERSION=$(basename "$WHEEL" | cut -d- -f2)
[ -n "$VERSION" ] || fail "no version in the wheel's name $(basename "$WHEEL")"

# The real interpreter (not a pyenv shim, which needs its own PATH and HOME).
PYTHON=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))') ||
  fail "python3 is required but not found"

H=$(mktemp -d "${TMPDIR:-/tmp}/memcore-pkg-python.XXXXXX")
trap 'rm -rf "$H"' EXIT
mkdir -p "$H/home" "$H/tmp" "$H/work"
HOME_DIR=$H/home
VENV=$H/venv
CLEAN_PATH=$(dirname "$PYTHON"):/usr/bin:/bin
USER_PATH=$VENV/bin:$CLEAN_PATH
# Every command under test runs with this environment only: no cargo, no rustc, no MEMCORE_*
# or CARGO_* variables, nothing from the developer's HOME.
run() { env -i HOME="$HOME_DIR" PATH="$USER_PATH" TMPDIR="$H/tmp" LANG=C.UTF-8 "$@"; }

step "clean environment: HOME=$HOME_DIR, PATH=$USER_PATH"
for tool in cargo rustc rustup; do
  if found=$(run sh -c "command -v $tool"); then
    fail "$tool is on the test PATH ($found): the test must run without a Rust toolchain"
  fi
done
echo "cargo, rustc, rustup: not on PATH"

step "fresh venv; pip install --no-index $(basename "$WHEEL")"
run "$PYTHON" -m venv "$VENV" || fail "$PYTHON -m venv failed (on Debian: apt-get install python3-venv)"
run "$VENV/bin/python" -m pip install --quiet --no-index --disable-pip-version-check "$WHEEL" ||
  fail "pip install $(basename "$WHEEL") failed"

step "memcore on PATH is the native CLI"
exe=$(run sh -c 'command -v memcore') || fail "pip install put no memcore command on the venv's PATH"
[ "$exe" = "$VENV/bin/memcore" ] || fail "memcore resolves to $exe, not $VENV/bin/memcore"
[ -x "$exe" ] || fail "$exe is not executable"
[ "$(head -c 4 "$exe" | od -An -c | tr -d ' ')" = '177ELF' ] ||
  fail "$exe is not the native binary (a script shim? first line: $(head -n 1 "$exe"))"
version_out=$(cd "$H/work" && run memcore --version) || fail "memcore --version failed"
echo "$version_out"
case " $version_out " in
  *" $VERSION "*) ;;
  *) fail "memcore --version says '$version_out', the wheel is version $VERSION" ;;
esac

step "memcore install claude-code (user scope, in the fresh HOME)"
(cd "$H/work" && run memcore install claude-code) || fail "memcore install claude-code failed"
SETTINGS=$HOME_DIR/.claude/settings.json
[ -f "$SETTINGS" ] || fail "memcore install claude-code wrote no $SETTINGS"
run "$VENV/bin/python" - "$SETTINGS" "$HOME_DIR/.claude.json" "$VENV/bin/memcore" <<'EOF' ||
import json, os, shlex, sys
settings_path, mcp_path, venv_memcore = sys.argv[1:]
with open(settings_path) as f:
    settings = json.load(f)
hooks = []
for event, groups in (settings.get("hooks") or {}).items():
    for group in groups:
        for hook in group.get("hooks", []):
            if hook.get("type") == "command" and " hook " in f" {hook.get('command', '')} ":
                hooks.append((event, hook["command"]))
if not hooks:
    sys.exit(f"{settings_path} has no memcore hook: {json.dumps(settings)}")
bad = []
for event, command in hooks:
    program = shlex.split(command)[0]
    if not (os.path.isfile(program) and os.access(program, os.X_OK)):
        bad.append(f"{event}: {command!r} names {program}, which is not an existing executable")
    elif os.path.realpath(program) != os.path.realpath(venv_memcore):
        bad.append(f"{event}: {command!r} names {program}, not the installed {venv_memcore}")
if bad:
    sys.exit("\n".join(bad))
for event, command in hooks:
    print(f"  {event}: {command}")
with open(mcp_path) as f:
    server = json.load(f).get("mcpServers", {}).get("memcore")
if not server or os.path.realpath(server.get("command", "")) != os.path.realpath(venv_memcore):
    sys.exit(f"{mcp_path} has no memcore MCP server running {venv_memcore}: {server}")
print(f"  MCP server in {mcp_path}: {server['command']} {' '.join(server.get('args', []))}")
EOF
  fail "the hooks in $SETTINGS are not memcore's, each naming the installed executable (see above)"

step "import memcore (from the venv, outside any source tree)"
(cd "$H/work" && run "$VENV/bin/python" -c '
import sys, memcore
print("memcore", memcore.__version__, "from", memcore.__file__)
if not memcore.__file__.startswith(sys.prefix):
    sys.exit("memcore was not imported from the venv")
if memcore.__version__ != sys.argv[1]:
    sys.exit(f"memcore.__version__ is {memcore.__version__}, the wheel is {sys.argv[1]}")
' "$VERSION") || fail "import memcore failed in the venv"

step "README.md: the python block under '## Using it from Python'"
[ -f "$ROOT/README.md" ] || fail "no README.md at $ROOT"
BLOCK=$H/work/readme_block.py
awk '
  /^## / { in_section = ($0 == "## Using it from Python") ; next }
  in_section && !done && /^```python[[:space:]]*$/ { grab = 1; next }
  grab && /^```[[:space:]]*$/ { grab = 0; done = 1; next }
  grab { print }
' "$ROOT/README.md" >"$BLOCK"
[ -s "$BLOCK" ] || fail "README.md has no \`\`\`python block under '## Using it from Python'"
sed 's/^/    /' "$BLOCK"
out=$(cd "$H/work" && run "$VENV/bin/python" "$BLOCK" 2>&1) ||
  { printf '%s\n' "$out" >&2; fail "the README's Python block failed (output above)"; }
printf '%s\n' "$out"
[ -n "$out" ] || fail "the README's Python block printed nothing (it prints the session context)"
[ -f "$H/work/memory.db" ] || fail "the README's Python block created no memory.db"

echo
echo "Python package: $(basename "$WHEEL") installs without a toolchain; memcore --version," \
  "memcore install claude-code, import memcore and the README's Python block work"
