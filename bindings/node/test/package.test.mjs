// The npm packaging: the platform table, the `memcore` launcher (bin/memcore.js), and
// libmemcore found in the platform package. A project is laid out as npm installs it
// (node_modules/memcore, node_modules/memcore-<target>) with a fake memcore executable (a
// shell script) beside the real libmemcore. scripts/test-package-npm.sh tests the real
// tarballs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { libraryPath } from '../index.js';
import { PLATFORMS, binaryName, hostPlatform, libraryName, packageName } from '../platform.js';
import { tempDir } from '../test-support/helpers.mjs';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const HOST = hostPlatform();
const POSIX = process.platform !== 'win32';

test('the platform table: one package per target, each with its OS, CPU and file names', () => {
  assert.deepEqual(
    PLATFORMS.map((p) => p.target),
    ['linux-x64-gnu', 'linux-arm64-gnu', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc'],
  );
  for (const platform of PLATFORMS) {
    assert.equal(packageName(platform), `memcore-${platform.target}`);
    assert.ok(platform.target.startsWith(`${platform.os}-${platform.cpu}`), platform.target);
    assert.equal(platform.libc === 'glibc', platform.os === 'linux', `${platform.target}: glibc on Linux only`);
    assert.ok(platform.rust && platform.label, platform.target);
  }
  assert.deepEqual(
    ['linux', 'darwin', 'win32'].map((os) => [binaryName(os), libraryName(os)]),
    [
      ['memcore', 'libmemcore.so'],
      ['memcore', 'libmemcore.dylib'],
      ['memcore.exe', 'memcore.dll'],
    ],
  );
});

test('package.json: the memcore command is the launcher, and the shipped files include it', () => {
  assert.equal(MANIFEST.name, 'memcore');
  assert.deepEqual(MANIFEST.bin, { memcore: 'bin/memcore.js' });
  for (const file of ['index.js', 'index.d.ts', 'records.d.ts', 'platform.js', 'bin/', 'README.md']) {
    assert.ok(MANIFEST.files.includes(file), `"files" lists ${file}`);
  }
  // The optional dependencies are written in by scripts/package-npm.sh: named here, they
  // would make `npm ci` look for packages before they are published.
  assert.equal(MANIFEST.optionalDependencies, undefined);
  assert.match(readFileSync(join(PACKAGE_DIR, 'bin', 'memcore.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

/**
 * A project as npm lays it out: node_modules/memcore (a copy of this package, with koffi
 * linked from its own install) and, unless `platform` is false, the host's platform package
 * with `binary` (a shell script) as bin/memcore and the real libmemcore (a link) in lib/.
 */
function installedProject(t, { binary, platform = true, platformVersion = MANIFEST.version } = {}) {
  const project = tempDir(t);
  const modules = join(project, 'node_modules');
  const memcore = join(modules, 'memcore');
  mkdirSync(memcore, { recursive: true });
  for (const file of ['index.js', 'platform.js', 'package.json', 'bin']) {
    cpSync(join(PACKAGE_DIR, file), join(memcore, file), { recursive: true });
  }
  symlinkSync(join(PACKAGE_DIR, 'node_modules', 'koffi'), join(modules, 'koffi'), 'dir');
  let platformDir = null;
  if (platform) {
    platformDir = join(modules, packageName(HOST));
    mkdirSync(join(platformDir, 'bin'), { recursive: true });
    mkdirSync(join(platformDir, 'lib'), { recursive: true });
    writeFileSync(join(platformDir, 'package.json'), JSON.stringify({ name: packageName(HOST), version: platformVersion }));
    symlinkSync(libraryPath(), join(platformDir, 'lib', libraryName(HOST.os)));
    const exe = join(platformDir, 'bin', binaryName(HOST.os));
    writeFileSync(exe, binary ?? '#!/bin/sh\necho "fake memcore $*"\n');
    chmodSync(exe, 0o755);
  }
  return { project, launcher: join(memcore, 'bin', 'memcore.js'), platformDir };
}

function withoutMemcoreVariables() {
  const { MEMCORE_LIB: _lib, MEMCORE_BIN: _bin, ...env } = process.env;
  return env;
}

function launch(launcher, args, env = withoutMemcoreVariables()) {
  return spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', env });
}

test('index.js loads libmemcore from the platform package first', { skip: HOST === null && 'no target for this machine' }, (t) => {
  const { project, platformDir } = installedProject(t);
  const probe = `
    import { Memory, libraryCandidates, libraryPath } from 'memcore';
    const mem = Memory.open(process.argv[1]);
    mem.close();
    console.log(JSON.stringify({ candidates: libraryCandidates(), path: libraryPath() }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe, join(project, 'memory.db')], {
    cwd: project,
    encoding: 'utf8',
    env: withoutMemcoreVariables(),
  });
  assert.equal(result.status, 0, result.stderr);
  const { candidates, path } = JSON.parse(result.stdout);
  const expected = join(platformDir, 'lib', libraryName(HOST.os));
  assert.equal(candidates[0], expected);
  assert.equal(path, expected);
  assert.equal(candidates[1], join(project, 'node_modules', 'memcore', 'lib', libraryName(HOST.os)));
});

test('without the platform package, a missing library says which package to install', { skip: HOST === null && 'no target for this machine' }, (t) => {
  const { project } = installedProject(t, { platform: false });
  const script = `
    import { Memory } from 'memcore';
    try { Memory.open('never.db'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: project,
    encoding: 'utf8',
    env: withoutMemcoreVariables(),
  });
  assert.equal(result.status, 0, result.stderr);
  const { code, message } = JSON.parse(result.stdout);
  assert.equal(code, 'LIBRARY_NOT_FOUND');
  assert.match(message, new RegExp(`npm install ${packageName(HOST)}@${MANIFEST.version.replaceAll('.', '\\.')}`));
  assert.match(message, /MEMCORE_LIB/);
});

test('the launcher runs the platform binary with the arguments and exits with its code', { skip: (!POSIX || HOST === null) && 'POSIX, on a target' }, (t) => {
  const { launcher } = installedProject(t, {
    binary: '#!/bin/sh\n[ "$1" = --version ] && { echo "fake memcore"; exit 0; }\nprintf "%s|" "$@"; echo; echo "to stderr" >&2; exit 3\n',
  });
  const result = launch(launcher, ['install', 'claude-code', 'two words', '--project']);
  assert.equal(result.status, 3, result.stderr);
  assert.equal(result.stdout, 'install|claude-code|two words|--project|\n');
  assert.equal(result.stderr, 'to stderr\n');

  const ok = launch(launcher, ['--version']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'fake memcore\n');
});

test('the launcher hands stdin to the binary', { skip: (!POSIX || HOST === null) && 'POSIX, on a target' }, (t) => {
  const { launcher } = installedProject(t, { binary: '#!/bin/sh\nread line; echo "read: $line"\n' });
  const result = spawnSync(process.execPath, [launcher, 'hook', 'Stop'], {
    input: '{"session_id":"s1"}\n',
    encoding: 'utf8',
    env: withoutMemcoreVariables(),
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'read: {"session_id":"s1"}\n');
});

test('the launcher ends by the signal that ended the binary', { skip: (!POSIX || HOST === null) && 'POSIX, on a target' }, (t) => {
  const { launcher } = installedProject(t, { binary: '#!/bin/sh\nkill -TERM $$\nsleep 5\n' });
  const result = launch(launcher, []);
  assert.equal(result.signal, 'SIGTERM', `status ${result.status}, stderr ${result.stderr}`);
});

test('a signal sent to the launcher goes on to the binary', { skip: (!POSIX || HOST === null) && 'POSIX, on a target' }, async (t) => {
  const { launcher } = installedProject(t, {
    binary: '#!/bin/sh\ntrap \'echo "got TERM"; exit 42\' TERM\necho ready\nwhile :; do sleep 0.05; done\n',
  });
  const child = spawn(process.execPath, [launcher, 'mcp'], { env: withoutMemcoreVariables() });
  let stdout = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fake binary never started: ${stdout}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  assert.deepEqual({ code, signal }, { code: 42, signal: null });
  assert.match(stdout, /got TERM/);
});

test('MEMCORE_BIN names the executable the launcher runs', { skip: !POSIX && 'POSIX' }, (t) => {
  const { launcher, project } = installedProject(t, { platform: false });
  const own = join(project, 'my-memcore');
  writeFileSync(own, '#!/bin/sh\necho "my build $1"\n');
  chmodSync(own, 0o755);
  const result = launch(launcher, ['--version'], { ...withoutMemcoreVariables(), MEMCORE_BIN: own });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'my build --version\n');

  const missing = launch(launcher, ['--version'], { ...withoutMemcoreVariables(), MEMCORE_BIN: join(project, 'nothing') });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /MEMCORE_BIN is set to .*nothing, which is not a file/);
});

test('without the platform package the launcher names the platform and the package to install', { skip: HOST === null && 'no target for this machine' }, (t) => {
  const { launcher } = installedProject(t, { platform: false });
  const result = launch(launcher, ['--version']);
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`${process.platform}-${process.arch}`));
  assert.match(result.stderr, new RegExp(`npm install ${packageName(HOST)}@${MANIFEST.version.replaceAll('.', '\\.')}`));
  assert.match(result.stderr, /MEMCORE_BIN/);
});

test('a platform package of another version is used, with a warning', { skip: (!POSIX || HOST === null) && 'POSIX, on a target' }, (t) => {
  const { launcher } = installedProject(t, { platformVersion: '0.0.1' });
  const result = launch(launcher, ['--version']);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'fake memcore --version\n');
  assert.match(result.stderr, new RegExp(`warning: memcore is ${MANIFEST.version.replaceAll('.', '\\.')} but ${packageName(HOST)} is 0\\.0\\.1`));
});

test('a binary the system cannot start is exit 127, saying the file is there', { skip: (!POSIX || HOST === null) && 'POSIX, on a target' }, (t) => {
  // A loader that does not exist stands for a binary of another platform or C library.
  const { launcher, platformDir } = installedProject(t, { binary: '#!/nonexistent/loader\n' });
  const result = launch(launcher, ['--version']);
  assert.equal(result.status, 127);
  assert.match(result.stderr, new RegExp(`cannot run ${join(platformDir, 'bin', 'memcore')}: .*ENOENT`));
  assert.match(result.stderr, /the file exists|C library/);
});
