#!/usr/bin/env bash
# The npm packages, from a prebuilt memcore CLI and libmemcore: the platform package of this
# machine (memcore-linux-x64-gnu...: bin/memcore, lib/libmemcore.so) and the main package
# `memcore` (bindings/node: the Node API, and the `memcore` command, a launcher that runs the
# platform package's binary), packed with `npm pack` into dist/. The main package names every
# platform package as an optional dependency (bindings/node/platform.js lists them), so that
# npm installs the one that fits the machine; the other platforms' packages are built on
# their own machines by the release workflow, with this same script.
#
# Usage: MEMCORE_CLI_BIN=/abs/memcore MEMCORE_LIB=/abs/libmemcore.so scripts/package-npm.sh
#   MEMCORE_CLI_BIN   the memcore executable (absolute path)
#   MEMCORE_LIB       libmemcore (absolute path: libmemcore.so, libmemcore.dylib, memcore.dll)
#   MEMCORE_NPM_TARGET  optional: the target of the binaries (linux-x64-gnu, darwin-arm64...;
#                     see bindings/node/platform.js), when not this machine's
# Writes dist/memcore-<version>.tgz and dist/memcore-<target>-<version>.tgz (replacing earlier
# memcore-*.tgz there), staged in target/npm-stage/ (removed when done). The version is the
# workspace's (Cargo.toml, [workspace.package]). Install both together:
#   npm install ./dist/memcore-*.tgz     (the ./ matters: npm reads dist/x.tgz as a GitHub repo)
# scripts/test-package-npm.sh tests them. Needs: node >= 18 and npm. Runs from anywhere in the
# repository; needs no input. Tested on Linux x64 only (macOS and Windows: untried).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

fail() { printf 'package-npm: %s\n' "$*" >&2; exit 1; }
step() { printf '\n--> %s\n' "$*"; }

for tool in node npm; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || fail "node >= 18 is required (found $(node --version))"

# The inputs: absolute paths of existing files.
for var in MEMCORE_CLI_BIN MEMCORE_LIB; do
  value=${!var:-}
  [ -n "$value" ] || fail "$var is not set: give the absolute path of the prebuilt $( [ $var = MEMCORE_LIB ] && echo libmemcore || echo 'memcore CLI')"
  case $value in /*) ;; *) fail "$var must be an absolute path (got $value)" ;; esac
  [ -f "$value" ] || fail "$var names $value, which is not a file"
done
[ -x "$MEMCORE_CLI_BIN" ] || fail "MEMCORE_CLI_BIN names $MEMCORE_CLI_BIN, which is not executable"

# The version: [workspace.package] version in Cargo.toml, the one place it is written.
VERSION=$(awk '
  /^\[/ { section = ($0 == "[workspace.package]") }
  section && /^version[ \t]*=/ { sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit }
' Cargo.toml)
[ -n "$VERSION" ] || fail "no version in Cargo.toml's [workspace.package]"
REPOSITORY=$(awk '
  /^\[/ { section = ($0 == "[workspace.package]") }
  section && /^repository[ \t]*=/ { sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit }
' Cargo.toml)

STAGE=$ROOT/target/npm-stage
DIST=$ROOT/dist
rm -rf "$STAGE"
mkdir -p "$STAGE" "$DIST"
# The staged copies (as large as the binaries) go once packed; a failure leaves them to look at.
trap '[ $? -ne 0 ] || rm -rf "$STAGE"' EXIT

# Everything that needs the platform table is done by node, with bindings/node/platform.js:
# the target's package.json, and a check that the binaries are of that target.
step "staging the packages of memcore $VERSION in ${STAGE#"$ROOT"/}"
node --input-type=module - "$ROOT" "$STAGE" "$VERSION" "$REPOSITORY" "${MEMCORE_NPM_TARGET:-}" \
  "$MEMCORE_CLI_BIN" "$MEMCORE_LIB" <<'NODE'
import { chmodSync, copyFileSync, cpSync, mkdirSync, openSync, readFileSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, stage, version, repository, wantedTarget, cliBin, lib] = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`package-npm: ${message}\n`);
  process.exit(1);
};
const { PLATFORMS, binaryName, hostName, hostPlatform, libraryName, packageName } = await import(
  pathToFileURL(join(root, 'bindings', 'node', 'platform.js')).href
);

let platform;
if (wantedTarget) {
  platform = PLATFORMS.find((p) => p.target === wantedTarget);
  if (!platform) fail(`MEMCORE_NPM_TARGET=${wantedTarget} is not a target; targets: ${PLATFORMS.map((p) => p.target).join(', ')}`);
} else {
  platform = hostPlatform();
  if (!platform) fail(`this machine (${hostName()}) is none of the targets (${PLATFORMS.map((p) => p.target).join(', ')}); set MEMCORE_NPM_TARGET`);
}

// The binaries' format and CPU, from their headers: a file of another target, or the library
// given as the CLI, is refused here rather than found by a user.
function head(path, length = 4096) {
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}
function describe(path) {
  const b = head(path);
  if (b.length >= 20 && b.readUInt32BE(0) === 0x7f454c46) {
    const machine = b.readUInt16LE(18);
    const cpu = { 0x3e: 'x64', 0xb7: 'arm64' }[machine] ?? `ELF machine ${machine}`;
    return { os: 'linux', cpu };
  }
  if (b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf) {
    const type = b.readUInt32LE(4);
    const cpu = { 0x01000007: 'x64', 0x0100000c: 'arm64' }[type] ?? `Mach-O CPU ${type}`;
    return { os: 'darwin', cpu };
  }
  if (b.length >= 64 && b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(60);
    if (pe + 6 <= b.length && b.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = b.readUInt16LE(pe + 4);
      const cpu = { 0x8664: 'x64', 0xaa64: 'arm64' }[machine] ?? `PE machine ${machine}`;
      return { os: 'win32', cpu };
    }
  }
  return null;
}
for (const [variable, path] of [['MEMCORE_CLI_BIN', cliBin], ['MEMCORE_LIB', lib]]) {
  const found = describe(path);
  if (found === null) fail(`${variable} (${path}) is not an executable or library of any target (no ELF, Mach-O or PE header)`);
  if (found.os !== platform.os || found.cpu !== platform.cpu) {
    fail(`${variable} (${path}) is built for ${found.os}-${found.cpu}, not for the target ${platform.target}`);
  }
}
const libName = libraryName(platform.os);
if (!lib.endsWith(libName)) fail(`MEMCORE_LIB (${lib}) should be the library ${libName} for ${platform.target}`);

const licences = ['LICENSE-APACHE', 'LICENSE-MIT'];
const repo = repository ? { type: 'git', url: `git+${repository}.git` } : undefined;
const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

// The platform package.
const name = packageName(platform);
const pdir = join(stage, name);
mkdirSync(join(pdir, 'bin'), { recursive: true });
mkdirSync(join(pdir, 'lib'), { recursive: true });
copyFileSync(cliBin, join(pdir, 'bin', binaryName(platform.os)));
chmodSync(join(pdir, 'bin', binaryName(platform.os)), 0o755);
copyFileSync(lib, join(pdir, 'lib', libName));
chmodSync(join(pdir, 'lib', libName), 0o755);
for (const licence of licences) copyFileSync(join(root, licence), join(pdir, licence));
writeFileSync(
  join(pdir, 'package.json'),
  json({
    name,
    version,
    description: `The memcore CLI and libmemcore for ${platform.label}: installed by the memcore package`,
    license: 'Apache-2.0 OR MIT',
    ...(repo ? { repository: { ...repo, directory: 'bindings/node' } } : {}),
    os: [platform.os],
    cpu: [platform.cpu],
    ...(platform.libc ? { libc: [platform.libc] } : {}),
    files: ['bin/', 'lib/', 'README.md', ...licences],
    // Yarn's Plug'n'Play keeps the binary on disk, where it can run.
    preferUnplugged: true,
  }),
);
writeFileSync(
  join(pdir, 'README.md'),
  `# ${name}\n\n` +
    `The prebuilt memcore CLI (\`bin/${binaryName(platform.os)}\`) and libmemcore (\`lib/${libName}\`) for ` +
    `${platform.label}, Rust target \`${platform.rust}\`. Do not install it on its own: install ` +
    '[`memcore`](https://www.npmjs.com/package/memcore), which depends on it (an optional dependency ' +
    'that npm installs on this platform only) and runs it: `npx memcore install claude-code`.\n\n' +
    'Licensed under either of Apache License 2.0 (LICENSE-APACHE) or MIT (LICENSE-MIT), at your option.\n',
);

// The main package: bindings/node's shipped files, with the version and the optional
// dependencies written in (the checkout's package.json names none, so that `npm ci` there
// never looks for packages that are not published).
const source = join(root, 'bindings', 'node');
const mdir = join(stage, 'memcore');
mkdirSync(mdir, { recursive: true });
const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
if (manifest.name !== 'memcore') fail(`bindings/node/package.json names ${manifest.name}, not memcore`);
for (const file of ['index.js', 'index.d.ts', 'records.d.ts', 'platform.js', 'README.md', 'bin']) {
  cpSync(join(source, file), join(mdir, file), { recursive: true });
}
chmodSync(join(mdir, 'bin', 'memcore.js'), 0o755);
for (const licence of licences) copyFileSync(join(root, licence), join(mdir, licence));
const { devDependencies: _dev, scripts: _scripts, ...published } = manifest;
published.version = version;
if (repo) published.repository = { ...repo, directory: 'bindings/node' };
published.files = ['index.js', 'index.d.ts', 'records.d.ts', 'platform.js', 'bin/', 'README.md', ...licences];
published.optionalDependencies = Object.fromEntries(PLATFORMS.map((p) => [packageName(p), version]));
writeFileSync(join(mdir, 'package.json'), json(published));

writeFileSync(join(stage, 'packages.txt'), `${name}\nmemcore\n`);
console.log(`staged ${name} (${platform.label}) and memcore, version ${version}`);
NODE

rm -f "$DIST"/memcore-*.tgz
packed=()
while read -r package; do
  step "npm pack ${STAGE#"$ROOT"/}/$package"
  file=$(cd "$STAGE/$package" && npm pack --ignore-scripts --loglevel=warn --pack-destination "$DIST" --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].filename))')
  [ -f "$DIST/$file" ] || fail "npm pack did not write $DIST/$file"
  packed+=("$DIST/$file")
done <"$STAGE/packages.txt"

# The tarballs hold what a user runs: the executable with its mode, the library, the launcher.
platform_tgz=${packed[0]}
listing=$(tar -tvzf "$platform_tgz")
# (npm makes only a package's `bin` entries executable on install: the binary keeps the mode
# it has in the tarball.)
grep -Eq '^-rwx.* package/bin/memcore$| package/bin/memcore\.exe$' <<<"$listing" ||
  fail "$platform_tgz has no executable package/bin/memcore:"$'\n'"$listing"
grep -Eq ' package/lib/(libmemcore\.(so|dylib)|memcore\.dll)$' <<<"$listing" ||
  fail "$platform_tgz has no library in package/lib/:"$'\n'"$listing"
listing=$(tar -tvzf "${packed[1]}")
grep -Eq ' package/bin/memcore\.js$' <<<"$listing" ||
  fail "${packed[1]} has no package/bin/memcore.js (the memcore command):"$'\n'"$listing"

step "written"
ls -l "${packed[@]}"
