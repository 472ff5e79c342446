#!/usr/bin/env node
// The `memcore` command of the npm package: runs the prebuilt memcore CLI of this machine's
// platform package (memcore-linux-x64-gnu...), with this command's arguments and stdio, and
// exits as it does (its exit code, or its signal). MEMCORE_BIN names another memcore
// executable instead (development: a cargo build).
// SPDX-License-Identifier: Apache-2.0 OR MIT

import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { hostLibc, installedPlatformPackage, missingPackageAdvice } from '../platform.js';

const require = createRequire(import.meta.url);
const { version } = require('../package.json');

function fail(message, code = 1) {
  process.stderr.write(`memcore (npm launcher): ${message}\n`);
  process.exit(code);
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findBinary() {
  const fromEnv = process.env.MEMCORE_BIN;
  if (fromEnv) {
    if (!isFile(fromEnv)) fail(`MEMCORE_BIN is set to ${fromEnv}, which is not a file`);
    return fromEnv;
  }
  const found = installedPlatformPackage();
  if (found === null) fail(missingPackageAdvice(version));
  if (!existsSync(found.binary)) {
    fail(`${found.name} is installed in ${found.dir} but has no ${found.binary}; reinstall it: npm install ${found.name}@${version}`);
  }
  if (found.version !== null && found.version !== version) {
    process.stderr.write(
      `memcore (npm launcher): warning: memcore is ${version} but ${found.name} is ${found.version}; ` +
        `install matching versions (npm install memcore@${version} ${found.name}@${version})\n`,
    );
  }
  return found.binary;
}

const binary = findBinary();
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });

// Signals sent to this process go on to memcore, which decides what they do; this process
// waits for it to end and ends the same way.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGBREAK'].filter(
  (signal) => signal in constants.signals && !(process.platform === 'win32' && signal === 'SIGQUIT'),
);
const forwarders = new Map();
for (const signal of FORWARDED) {
  const forward = () => {
    try {
      child.kill(signal);
    } catch {
      // The child has already ended.
    }
  };
  forwarders.set(signal, forward);
  try {
    process.on(signal, forward);
  } catch {
    forwarders.delete(signal); // a signal this platform cannot listen to
  }
}

child.on('error', (error) => {
  const code = error.code === 'ENOENT' ? 127 : error.code === 'EACCES' ? 126 : 1;
  let why = '';
  if (error.code === 'ENOENT' && existsSync(binary)) {
    // The file is there but cannot start: its loader is missing, as a glibc binary on musl
    // (npm before 10 ignores the package's `libc` field and installs it there).
    const libc = hostLibc();
    why =
      libc !== null && libc !== 'glibc'
        ? `; it is built for glibc and this system's C library is ${libc}: build memcore from source ` +
          '(cargo build --release -p memcore-cli -p memcore-ffi) and set MEMCORE_BIN and MEMCORE_LIB'
        : '; the file exists, so the system cannot load it (a binary for another platform or C library?)';
  }
  fail(`cannot run ${binary}: ${error.message}${why}`, code);
});

child.on('exit', (code, signal) => {
  for (const [name, forward] of forwarders) process.removeListener(name, forward);
  if (signal !== null) {
    // End by the same signal, so that the caller sees what memcore saw; if it does not end
    // this process (a signal that is ignored here), exit as a shell reports a signal.
    try {
      process.kill(process.pid, signal);
    } catch {
      // Fall through to the exit code.
    }
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
});
