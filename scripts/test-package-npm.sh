#!/usr/bin/env bash
# The npm packages as a user gets them: from the tarballs in dist/ alone (no checkout, no
# toolchain), in a fresh HOME whose PATH has node, npm and /usr/bin:/bin only (no cargo, no
# rustc: checked), installs them into a fresh directory with
#   npm install --prefix <dir> <dist>/*.tgz
# then runs the installed `memcore` command (--version; `install claude-code`, whose hooks in
# ~/.claude/settings.json must name an executable that exists, and one of which is run as
# Claude Code would run it), `npx memcore --version` from <dir>, and the Node API of the same
# install: a program that opens a store, records a prompt and reads it back (and reads the
# prompt the hook recorded), and the package README's example.
#
# Usage: scripts/test-package-npm.sh [DIST]    (DIST: default dist/ at the repository root,
#        written by scripts/package-npm.sh; needs no input; runs from anywhere in the repo)
#   MEMCORE_KEEP_TEST_DIR=1 keeps the temporary HOME and install directory for inspection.
# Needs: node >= 18 and npm, and the npm registry for memcore's dependency koffi.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

fail() { printf '\ntest-package-npm: FAILED: %s\n' "$*" >&2; exit 1; }
step() { printf '\n--> %s\n' "$*"; }
PASSED=0
pass() { PASSED=$((PASSED + 1)); printf 'ok: %s\n' "$*"; }

for tool in node npm; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done

DIST=${1:-$ROOT/dist}
[ -d "$DIST" ] || fail "$DIST does not exist: build the packages first (scripts/package.sh, or scripts/package-npm.sh)"
DIST=$(cd "$DIST" && pwd)
shopt -s nullglob
TARBALLS=("$DIST"/*.tgz)
shopt -u nullglob
[ "${#TARBALLS[@]}" -ge 2 ] ||
  fail "$DIST holds ${#TARBALLS[@]} .tgz file(s); expected the memcore package and a platform package (scripts/package-npm.sh)"
MAIN_TGZ=
for tgz in "${TARBALLS[@]}"; do
  case $(basename "$tgz") in memcore-[0-9]*.tgz) [ -z "$MAIN_TGZ" ] || fail "two memcore tarballs in $DIST: $MAIN_TGZ and $tgz"; MAIN_TGZ=$tgz ;; esac
done
[ -n "$MAIN_TGZ" ] || fail "no memcore-<version>.tgz in $DIST"
VERSION=$(tar -xzOf "$MAIN_TGZ" package/package.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).version))')
echo "tarballs: ${TARBALLS[*]##*/} (memcore $VERSION)"

# The sandbox: a fresh HOME and install directory, and an environment with nothing of this
# one's but what reaching the registry needs (certificates, proxies).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/memcore-npm-test.XXXXXX")
if [ -n "${MEMCORE_KEEP_TEST_DIR:-}" ]; then
  trap 'echo "kept: $WORK"' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi
export TEST_HOME=$WORK/home
DIR=$WORK/project
mkdir -p "$TEST_HOME" "$DIR"

CLEAN_PATH=
for dir in "$(dirname "$(command -v node)")" "$(dirname "$(command -v npm)")" /usr/bin /bin; do
  case ":$CLEAN_PATH:" in *":$dir:"*) ;; *) CLEAN_PATH=${CLEAN_PATH:+$CLEAN_PATH:}$dir ;; esac
done
PASS_THROUGH=()
for var in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy \
  npm_config_registry NPM_CONFIG_REGISTRY npm_config_cafile NPM_CONFIG_CAFILE; do
  [ -n "${!var:-}" ] && PASS_THROUGH+=("$var=${!var}")
done
# Runs a command in the sandbox: fresh HOME ($TEST_HOME), clean PATH, working directory <dir>
# (or $IN).
clean() {
  (cd "${IN:-$DIR}" && env -i HOME="$TEST_HOME" PATH="$CLEAN_PATH" LANG=C.UTF-8 CI=true TERM=dumb \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    ${PASS_THROUGH[@]+"${PASS_THROUGH[@]}"} "$@")
}

step "the sandbox: HOME=$TEST_HOME, PATH=$CLEAN_PATH"
for tool in cargo rustc rustup; do
  if found=$(clean sh -c "command -v $tool"); then
    fail "$tool is on the test's PATH ($found): the packages must be tested without a Rust toolchain"
  fi
done
pass "no cargo, rustc or rustup on the PATH"

step "npm install --prefix $DIR ${TARBALLS[*]}"
clean npm install --prefix "$DIR" --no-audit --no-fund --loglevel=warn "${TARBALLS[@]}" >"$WORK/npm-install.log" 2>&1 || {
  cat "$WORK/npm-install.log" >&2
  fail "npm install of the tarballs failed (log above)"
}
sed 's/^/  /' "$WORK/npm-install.log"
MEMCORE=$DIR/node_modules/.bin/memcore
[ -x "$MEMCORE" ] || fail "the install has no executable $MEMCORE (the memcore package's bin)"
# The platform package that npm installed: the one directory memcore-<target> with a binary.
shopt -s nullglob
INSTALLED=("$DIR"/node_modules/memcore-*/bin/memcore "$DIR"/node_modules/memcore-*/bin/memcore.exe)
shopt -u nullglob
[ "${#INSTALLED[@]}" -eq 1 ] ||
  fail "expected one platform package with a binary in $DIR/node_modules, found ${#INSTALLED[@]}: $(ls "$DIR/node_modules")"
PLATFORM_DIR=$(dirname "$(dirname "${INSTALLED[0]}")")
pass "installed: memcore $VERSION and $(basename "$PLATFORM_DIR") (from the tarballs, nothing built)"

step "memcore --version"
out=$(clean "$MEMCORE" --version 2>&1) || fail "memcore --version failed: $out"
echo "  $out"
grep -Fq "$VERSION" <<<"$out" || fail "memcore --version printed '$out', not the package's version $VERSION"
pass "memcore --version: $out"

step "npx --no -- memcore --version (in $DIR: the local install, nothing fetched)"
out=$(clean npx --no -- memcore --version 2>&1) || fail "npx memcore --version failed: $out"
grep -Fq "$VERSION" <<<"$out" || fail "npx memcore --version printed '$out', not $VERSION"
pass "npx memcore --version: $out"

# The check of what `memcore install claude-code` wrote in a HOME: every event memcore hooks
# names an executable memcore that exists, inside the install that ran it (EXPECT_UNDER); the
# core events are there; the MCP server in ~/.claude.json names the same executable. Prints
# the hooks, then the UserPromptSubmit command on the last line.
cat >"$WORK/check-hooks.mjs" <<'JS'
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

const home = process.env.HOME;
const under = realpathSync(process.env.EXPECT_UNDER);
const fail = (message) => {
  console.error(message);
  process.exit(1);
};
const executable = (what, exe) => {
  try {
    if (!statSync(exe).isFile()) fail(`${what}: ${exe} is not a file`);
    accessSync(exe, constants.X_OK);
  } catch (error) {
    fail(`${what}: ${exe} is not an executable file (${error.message})`);
  }
  if (!realpathSync(exe).startsWith(`${under}/`)) fail(`${what}: ${exe} is not the binary of the npm install (${under})`);
};
// The first shell word of a command: plain, or single-quoted as memcore writes it.
const program = (command) => {
  const quoted = /^'((?:[^']|'\\'')*)'/.exec(command);
  return quoted ? quoted[1].replaceAll("'\\''", "'") : command.split(/\s+/)[0];
};

const settingsPath = join(home, '.claude', 'settings.json');
const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
const hooks = settings.hooks ?? fail(`no "hooks" in ${settingsPath}`);
const events = {};
for (const [event, groups] of Object.entries(hooks)) {
  for (const group of groups) {
    for (const hook of group.hooks ?? []) {
      if (hook.type !== 'command' || !/(^|[/\\'])memcore(\.exe)?'? hook /.test(hook.command)) continue;
      executable(`the ${event} hook "${hook.command}"`, program(hook.command));
      events[event] = hook.command;
    }
  }
}
for (const core of ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop']) {
  if (!events[core]) fail(`no memcore hook for ${core} in ${settingsPath}: ${JSON.stringify(hooks)}`);
}
const claudeJson = join(home, '.claude.json');
const server = JSON.parse(readFileSync(claudeJson, 'utf8')).mcpServers?.memcore;
if (!server) fail(`no mcpServers.memcore in ${claudeJson}`);
executable(`the MCP server in ${claudeJson}`, server.command);
for (const [event, command] of Object.entries(events)) console.log(`  ${event}: ${command}`);
console.log(`  MCP server: ${server.command} ${(server.args ?? []).join(' ')}`);
console.log(events.UserPromptSubmit);
JS

step "memcore install claude-code"
clean "$MEMCORE" install claude-code || fail "memcore install claude-code failed"
clean env EXPECT_UNDER="$PLATFORM_DIR" node "$WORK/check-hooks.mjs" >"$WORK/hooks.txt" ||
  fail "what memcore install claude-code wrote in $TEST_HOME is not memcore's runnable hooks (above)"
sed '$d' "$WORK/hooks.txt"
PROMPT_HOOK=$(tail -n 1 "$WORK/hooks.txt")
pass "$TEST_HOME/.claude/settings.json: $(($(wc -l <"$WORK/hooks.txt") - 2)) memcore hooks and the MCP server in .claude.json, each naming the installed executable"

step "a hook as Claude Code runs it: sh -c '$PROMPT_HOOK' with the event on stdin"
HOOK_DB=$WORK/hook.db
PROMPT='Where does npx memcore find its binary?'
printf '{"session_id":"npm-hook","cwd":"%s","hook_event_name":"UserPromptSubmit","prompt":"%s"}' "$DIR" "$PROMPT" |
  clean env MEMCORE_DB="$HOOK_DB" MEMCORE_NO_EXTRACT=1 sh -c "$PROMPT_HOOK" >"$WORK/hook.out" 2>&1 ||
  { cat "$WORK/hook.out" >&2; fail "the UserPromptSubmit hook failed"; }
[ -f "$HOOK_DB" ] || fail "the UserPromptSubmit hook wrote no store at $HOOK_DB"
pass "the UserPromptSubmit hook ran and wrote $HOOK_DB"

step "the Node API of the same install (import memcore from 'memcore', in $DIR)"
cat >"$DIR/check.mjs" <<'JS'
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import memcore, { Memory, libraryPath, version } from 'memcore';

assert.equal(memcore, Memory, "the default export is Memory");
const lib = realpathSync(libraryPath());
assert.ok(lib.startsWith(realpathSync(process.env.PLATFORM_DIR) + '/'), `libmemcore from ${lib}, not from the platform package`);
assert.equal(version(), process.env.VERSION, 'libmemcore is the version of the package');

// A store of its own: a session, a prompt, read back.
const mem = memcore.open(process.env.API_DB);
mem.startSession({ id: 'npm-api', project: 'npm-test', agent: 'test-package-npm' });
const prompt = 'Does the Node API work from the npm install?';
const { inserted } = mem.recordEvent({ sessionId: 'npm-api', payload: { type: 'user_prompt', text: prompt } });
assert.equal(inserted, true);
const events = mem.events('npm-api');
assert.ok(events.some((e) => JSON.stringify(e.payload).includes(prompt)), `the prompt is not read back: ${JSON.stringify(events)}`);
mem.close();

// The store the hook wrote: the prompt that the CLI recorded, read by the Node API.
const hooked = Memory.open(process.env.HOOK_DB);
const hookEvents = hooked.events('npm-hook');
assert.ok(
  hookEvents.some((e) => JSON.stringify(e.payload).includes(process.env.PROMPT)),
  `the hook's prompt is not in ${process.env.HOOK_DB}: ${JSON.stringify(hookEvents)}`,
);
hooked.close();
console.log(`  libmemcore ${version()} from ${lib}; ${events.length} event(s) read back; the hook's prompt read back`);
JS
clean env VERSION="$VERSION" PLATFORM_DIR="$PLATFORM_DIR" API_DB="$WORK/api.db" HOOK_DB="$HOOK_DB" PROMPT="$PROMPT" \
  node check.mjs || fail "the Node API does not work from the npm install (above)"
pass "the Node API opens a store, records a prompt and reads it back, and reads the hook's prompt"

step "the package README's Node example (node_modules/memcore/README.md, '## Using it from Node')"
# shellcheck disable=SC2016 # JavaScript, with its own template strings
clean node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  const readme = readFileSync("node_modules/memcore/README.md", "utf8");
  const start = readme.search(/^## Using it from Node/m);
  if (start < 0) { console.error("no \"## Using it from Node\" in the README"); process.exit(1); }
  const section = readme.slice(start).split(/\n## /)[0];
  const block = /```js\n([\s\S]*?)```/.exec(section);
  if (!block) { console.error("no ```js block under \"## Using it from Node\""); process.exit(1); }
  writeFileSync("readme-example.mjs", block[1]);
' || fail "the README of the installed package has no Node example"
out=$(clean env MEMCORE_DB="$WORK/readme.db" node readme-example.mjs 2>&1) || fail "the README's example failed: $out"
{ grep -q '# Memory of shop' <<<"$out" && grep -Fq 'applyCoupon(subtotal, coupon)' <<<"$out"; } ||
  fail "the README's example did not print the memory of shop with the fix: $out"
pass "the README's Node example runs as written against the install"

step "npx --package <each tarball> -- memcore install claude-code, in a second fresh HOME (npx's own install: npx memcore install claude-code once published)"
NPX_HOME=$WORK/home-npx
mkdir -p "$NPX_HOME" "$WORK/elsewhere"
NPX_ARGS=()
for tgz in "${TARBALLS[@]}"; do NPX_ARGS+=(--package "$tgz"); done
TEST_HOME=$NPX_HOME IN=$WORK/elsewhere clean npx --yes "${NPX_ARGS[@]}" -- memcore install claude-code \
  >"$WORK/npx.log" 2>&1 || { cat "$WORK/npx.log" >&2; fail "npx ... memcore install claude-code failed (log above)"; }
sed 's/^/  /' "$WORK/npx.log"
[ -d "$NPX_HOME/.npm/_npx" ] || fail "npx installed nothing in $NPX_HOME/.npm/_npx"
# npx's cache may be cleared at any time: memcore copies itself beside the store and the hooks
# name the copy, which must be the very binary npx ran.
LASTING=$NPX_HOME/.local/share/memcore/bin
TEST_HOME=$NPX_HOME clean env EXPECT_UNDER="$LASTING" node "$WORK/check-hooks.mjs" >"$WORK/hooks-npx.txt" ||
  fail "what npx ... memcore install claude-code wrote in $NPX_HOME is not memcore's runnable hooks (above)"
sed '$d' "$WORK/hooks-npx.txt"
shopt -s nullglob
NPX_BINARIES=("$NPX_HOME"/.npm/_npx/*/node_modules/memcore-*/bin/memcore)
shopt -u nullglob
[ "${#NPX_BINARIES[@]}" -eq 1 ] || fail "expected one memcore binary in npx's cache, found ${#NPX_BINARIES[@]}"
cmp -s "${NPX_BINARIES[0]}" "$LASTING/memcore" ||
  fail "$LASTING/memcore is not the binary npx ran (${NPX_BINARIES[0]})"
pass "npx: the hooks and the MCP server name a lasting copy of the binary npx ran ($LASTING/memcore)"

echo
echo "npm packages from $DIST, without a toolchain:"
echo "test-package-npm: $PASSED passed, 0 failed"
