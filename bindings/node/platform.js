// The prebuilt packages: one npm package per target carries the memcore CLI and libmemcore,
// and npm installs only the one whose `os`, `cpu` (and `libc`) fit the machine, as an optional
// dependency of `memcore` (the pattern of esbuild and biome). This table is the one list of
// them: the launcher (bin/memcore.js) and index.js find the host's package with it, and
// scripts/package-npm.sh writes each package's package.json from it. package.json's
// optionalDependencies name the same packages (a test checks it).
// SPDX-License-Identifier: Apache-2.0 OR MIT

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The targets, as `<os>-<cpu>[-<abi>]` with Node's names for the OS and CPU; `rust` is the
 * Rust target the binaries are built for, `label` how the README of the package says it.
 */
export const PLATFORMS = Object.freeze([
  { target: 'linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc', rust: 'x86_64-unknown-linux-gnu', label: 'Linux x64 (glibc)' },
  { target: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc', rust: 'aarch64-unknown-linux-gnu', label: 'Linux arm64 (glibc)' },
  { target: 'darwin-x64', os: 'darwin', cpu: 'x64', rust: 'x86_64-apple-darwin', label: 'macOS x64 (Intel)' },
  { target: 'darwin-arm64', os: 'darwin', cpu: 'arm64', rust: 'aarch64-apple-darwin', label: 'macOS arm64 (Apple silicon)' },
  { target: 'win32-x64-msvc', os: 'win32', cpu: 'x64', rust: 'x86_64-pc-windows-msvc', label: 'Windows x64' },
].map((platform) => Object.freeze(platform)));

/** The npm package of a target: `memcore-linux-x64-gnu`. */
export function packageName(platform) {
  return `memcore-${platform.target}`;
}

/** The CLI's file name on an OS, in the package's `bin/`. */
export function binaryName(os) {
  return os === 'win32' ? 'memcore.exe' : 'memcore';
}

/** libmemcore's file name on an OS, in the package's `lib/`. */
export function libraryName(os) {
  switch (os) {
    case 'win32':
      return 'memcore.dll';
    case 'darwin':
      return 'libmemcore.dylib';
    default:
      return 'libmemcore.so';
  }
}

/**
 * The C library of this Linux machine: 'glibc', 'musl', or null when it cannot tell (or on
 * another OS). Asked only to explain a missing package: reading the process report costs
 * milliseconds.
 */
export function hostLibc() {
  if (process.platform !== 'linux') return null;
  try {
    const report = process.report?.getReport?.();
    if (report?.header?.glibcVersionRuntime) return 'glibc';
    const shared = report?.sharedObjects ?? [];
    if (shared.some((object) => /(?:^|\/)(?:ld-musl|libc\.musl)/.test(object))) return 'musl';
  } catch {
    // No process report: unknown.
  }
  return null;
}

/** The target of this machine (`process.platform`, `process.arch`), or null when none fits. */
export function hostPlatform() {
  return PLATFORMS.find((platform) => platform.os === process.platform && platform.cpu === process.arch) ?? null;
}

/** `linux-x64`, `darwin-arm64`...: this machine, as the messages name it. */
export function hostName() {
  return `${process.platform}-${process.arch}`;
}

const require = createRequire(import.meta.url);

/**
 * The installed package of this machine's target: `{ platform, name, dir, version, binary,
 * library }` with absolute paths, or null when there is no target for this machine or its
 * package is not installed where `memcore` can require it.
 */
export function installedPlatformPackage() {
  const platform = hostPlatform();
  if (platform === null) return null;
  const name = packageName(platform);
  let manifest;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    return null;
  }
  const dir = dirname(manifest);
  let version = null;
  try {
    version = require(manifest).version ?? null;
  } catch {
    // An unreadable package.json: the files may still be there.
  }
  return {
    platform,
    name,
    dir,
    version,
    binary: join(dir, 'bin', binaryName(platform.os)),
    library: join(dir, 'lib', libraryName(platform.os)),
  };
}

/**
 * Why there is no prebuilt package here, and what to do: the text of the launcher's error and
 * part of index.js's LIBRARY_NOT_FOUND message.
 */
export function missingPackageAdvice(version) {
  const platform = hostPlatform();
  const supported = PLATFORMS.map((p) => p.target).join(', ');
  if (platform === null) {
    return (
      `memcore has no prebuilt binary for this platform (${hostName()}); prebuilt packages exist for ` +
      `${supported}. Build memcore from source (cargo build --release -p memcore-cli -p memcore-ffi) ` +
      'and set MEMCORE_BIN to the memcore executable and MEMCORE_LIB to libmemcore.'
    );
  }
  const name = packageName(platform);
  const libc = hostLibc();
  if (platform.libc && libc !== null && libc !== platform.libc) {
    return (
      `memcore's prebuilt package for ${hostName()} (${name}) is built for ${platform.libc}, and this ` +
      `system's C library is ${libc}: npm does not install it here. Build memcore from source ` +
      '(cargo build --release -p memcore-cli -p memcore-ffi) and set MEMCORE_BIN and MEMCORE_LIB.'
    );
  }
  const spec = version ? `${name}@${version}` : name;
  return (
    `the package ${name}, which carries memcore's binary for ${hostName()}, is not installed. npm ` +
    'installs it with memcore as an optional dependency, unless optional dependencies were ' +
    'left out (--omit=optional, --no-optional) or the lock file was written on another platform. ' +
    `Install it next to memcore: npm install ${spec}` +
    ' (or set MEMCORE_BIN to a memcore executable and MEMCORE_LIB to libmemcore).'
  );
}
