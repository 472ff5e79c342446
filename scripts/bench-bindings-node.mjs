#!/usr/bin/env node
// Binding overhead, Node: the same record_event calls as the Rust bench (`cargo bench --bench
// store`, record_event/tool_use: an Edit tool call with input and output, redacted and
// committed), 10,000 of them on a fresh store, timed three ways:
//
//   wrapper   Memory.recordEvent({...})     camelCase -> snake_case, JSON.stringify, koffi, libmemcore
//   raw koffi memcore_event_record(json)    a prebuilt JSON string through koffi to libmemcore
//   empty     memcore_abi_version()         the cost of one koffi call, nothing else
//   (Rust     Memory::record_event          the criterion bench, for comparison)
//
// Usage (a release libmemcore, as the Rust figure is):
//
//   cargo build --release -p memcore-ffi && (cd bindings/node && npm install)
//   MEMCORE_LIB=target/release/libmemcore.so node scripts/bench-bindings-node.mjs [calls] [rounds]
//
// Prints each round, then the median and the best round per call (the two ways alternate, so
// a busy machine slows both alike). Not a test: timings depend on the machine.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memory, libraryPath, version } from '../bindings/node/index.js';

const calls = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);
const koffi = createRequire(new URL('../bindings/node/package.json', import.meta.url))('koffi');

const input = {
  file_path: 'src/auth/token.rs',
  old_string: 'let ttl = 3600;',
  new_string: 'let ttl = config.token_ttl_secs;',
};
const output = 'The file src/auth/token.rs has been updated.';

function freshStore() {
  const dir = mkdtempSync(join(tmpdir(), 'memcore-bench-node-'));
  const mem = Memory.open(join(dir, 'memory.db'));
  mem.startSession({ id: 'bench', project: 'bench-project', agent: 'bench' });
  return { dir, mem };
}

function viaWrapper(mem, offset) {
  for (let i = 0; i < calls; i += 1) {
    mem.recordEvent({
      sessionId: 'bench',
      payload: { type: 'tool_use', toolName: 'Edit', input, output, toolUseId: `toolu_${offset + i}` },
    });
  }
}

// The raw C call, bypassing the wrapper: its own koffi binding of the same library.
const lib = koffi.load(libraryPath());
const rawRecord = lib.func(
  'int memcore_event_record(void *store, const char *json, _Out_ int64_t *out_id, _Out_ bool *out_inserted)',
);
const rawOpen = lib.func('int memcore_open(const char *path, const char *config, _Out_ void **out)');
const rawClose = lib.func('void memcore_close(void *store)');
const rawStart = lib.func('int memcore_session_start(void *store, const char *json, void *out)');

function viaRawKoffi(store, offset) {
  const id = [0];
  const inserted = [false];
  // Serialising is part of any host's cost; do it outside the timed loop to isolate koffi.
  const docs = Array.from({ length: calls }, (_, i) =>
    JSON.stringify({
      v: 1,
      session_id: 'bench',
      payload: { type: 'tool_use', tool_name: 'Edit', input, output, tool_use_id: `toolu_${offset + i}` },
    }),
  );
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) {
    if (rawRecord(store, docs[i], id, inserted) !== 0) throw new Error('memcore_event_record failed');
  }
  return process.hrtime.bigint() - started;
}

function time(fn) {
  const started = process.hrtime.bigint();
  fn();
  return process.hrtime.bigint() - started;
}

const micros = (ns) => Number(ns) / 1000 / calls;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`memcore ${version()} from ${libraryPath()}`);
if (!/[\\/]release[\\/]/.test(libraryPath())) {
  console.log('warning: not a release build; set MEMCORE_LIB=target/release/libmemcore.so for figures to report');
}
console.log(`node ${process.version}, koffi ${koffi.version}; ${calls} record_event calls per round, ${rounds} rounds\n`);

const wrapper = [];
const raw = [];
for (let round = 1; round <= rounds; round += 1) {
  {
    const { dir, mem } = freshStore();
    viaWrapper(mem, 1_000_000); // warm-up: JIT, page cache
    const ns = time(() => viaWrapper(mem, 0));
    mem.close();
    rmSync(dir, { recursive: true, force: true });
    wrapper.push(micros(ns));
  }
  {
    const dir = mkdtempSync(join(tmpdir(), 'memcore-bench-node-'));
    const out = [null];
    if (rawOpen(join(dir, 'memory.db'), null, out) !== 0) throw new Error('memcore_open failed');
    const store = out[0];
    rawStart(store, JSON.stringify({ v: 1, id: 'bench', project: 'bench-project', agent: 'bench' }), null);
    viaRawKoffi(store, 1_000_000);
    const ns = viaRawKoffi(store, 0);
    rawClose(store);
    rmSync(dir, { recursive: true, force: true });
    raw.push(micros(ns));
  }
  console.log(
    `round ${round}: wrapper ${wrapper.at(-1).toFixed(1)} µs/call (${((wrapper.at(-1) * calls) / 1e6).toFixed(2)} s total), ` +
      `raw koffi ${raw.at(-1).toFixed(1)} µs/call`,
  );
}

// The cost of a koffi call itself: a million calls of a function that does nothing.
const abiVersion = lib.func('uint32_t memcore_abi_version(void)');
for (let i = 0; i < 100_000; i += 1) abiVersion();
const emptyCalls = 1_000_000;
const emptyNs = time(() => {
  for (let i = 0; i < emptyCalls; i += 1) abiVersion();
});

const best = (values) => Math.min(...values);
const line = (label, values) =>
  console.log(
    `  ${label.padEnd(38)} median ${median(values).toFixed(1).padStart(6)} µs/call, best ${best(values).toFixed(1).padStart(6)} µs/call` +
      `   (${((median(values) * calls) / 1e6).toFixed(2)} s per ${calls})`,
  );
console.log(`\n${rounds} rounds of ${calls} calls:`);
line('Memory.recordEvent (the Node API)', wrapper);
line('memcore_event_record through koffi', raw);
console.log(`  a koffi call that does nothing (memcore_abi_version): ${(Number(emptyNs) / emptyCalls).toFixed(0)} ns/call`);
console.log(`  wrapper's own cost (keys, JSON.stringify): ${(median(wrapper) - median(raw)).toFixed(1)} µs/call (median difference)`);
console.log('  Rust, for comparison: cargo bench --bench store -- record_event   (record_event/tool_use)');
