// Failures come out as MemcoreError with the status's name as `code`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemcoreError, Memory, Status, libraryPath as libraryPathOfThisProcess } from '../index.js';
import { tempDir, tempStore } from '../test-support/helpers.mjs';

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url));

function assertCode(fn, code) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof MemcoreError, `expected a MemcoreError ${code}, got ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'MemcoreError');
  assert.equal(caught.code, code, caught.message);
  if (code in Status) assert.equal(caught.status, Status[code]);
  assert.ok(caught.message.length > 0);
  return caught;
}

test('a file that is not a memcore store is refused and left untouched', (t) => {
  const dir = tempDir(t);
  const notes = join(dir, 'notes.txt');
  const text = 'These are my notes, not a database.\n'.repeat(200);
  writeFileSync(notes, text);
  assertCode(() => Memory.open(notes), 'NOT_A_DATABASE');
  assert.equal(readFileSync(notes, 'utf8'), text);
});

test('bad paths: a directory, an empty path, a path under a file, a non-string', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'a-directory'));
  assertCode(() => Memory.open(join(dir, 'a-directory')), 'INVALID_ARGUMENT');
  assertCode(() => Memory.open(''), 'INVALID_ARGUMENT');
  writeFileSync(join(dir, 'file'), 'x');
  const underFile = assertCode(() => Memory.open(join(dir, 'file', 'memory.db')), 'IO');
  assert.match(underFile.message, /file/);
  assertCode(() => Memory.open(42), 'INVALID_ARGUMENT');
});

test('a bad config is refused', (t) => {
  const dir = tempDir(t);
  assertCode(() => Memory.open(join(dir, 'm.db'), { busyTimeoutMs: 'soon' }), 'INVALID_ARGUMENT');
});

test('an unknown session is NOT_FOUND', (t) => {
  const mem = tempStore(t);
  const error = assertCode(
    () => mem.recordEvent({ sessionId: 'never-started', payload: { type: 'note', text: 'hello' } }),
    'NOT_FOUND',
  );
  assert.match(error.message, /never-started/);
  assertCode(() => mem.endSession('never-started'), 'NOT_FOUND');
  assertCode(() => mem.addSummary('never-started', { request: 'x' }), 'NOT_FOUND');
  assertCode(() => mem.addObservation({ title: 'x', sessionId: 'never-started' }), 'NOT_FOUND');
  assertCode(() => mem.timeline({ anchor: { observation: 999 }, before: 1, after: 1 }), 'NOT_FOUND');
});

test('invalid arguments are INVALID_ARGUMENT', (t) => {
  const mem = tempStore(t);
  mem.startSession({ id: 's1', project: 'p', agent: 'test' });
  // Refused by the library.
  assertCode(() => mem.startSession({ id: '', project: 'p', agent: 'test' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.startSession({ project: 'p', agent: 'test' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.recordEvent({ sessionId: 's1' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.recordEvent({ sessionId: 's1', payload: { type: 'telepathy', text: 'x' } }), 'INVALID_ARGUMENT');
  assertCode(() => mem.recordEvent({ sessionId: 's1', payload: { type: 'tool_use' } }), 'INVALID_ARGUMENT');
  assertCode(() => mem.addObservation({ title: '', project: 'p' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.addObservation({ title: 'no project' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.search({ query: 'x', mode: 'telepathic' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.context({ purpose: 'lunch' }), 'INVALID_ARGUMENT');
  // A search or a context must say where to look: memcore does not guess the project.
  assertCode(() => mem.search('x'), 'INVALID_ARGUMENT');
  assertCode(() => mem.search({ query: 'x' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.context({ purpose: 'session_start' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.timeline({ anchor: { time: new Date() }, before: 1, after: 1 }), 'INVALID_ARGUMENT');
  assertCode(() => mem.stats({ project: '' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.prune({ maxAgeDays: -1 }), 'INVALID_ARGUMENT');
  // Refused by the wrapper before any call, with the same code.
  assertCode(() => mem.recordEvent(null), 'INVALID_ARGUMENT');
  assertCode(() => mem.recordEvent('{"v":1}'), 'INVALID_ARGUMENT');
  assertCode(() => mem.events('s1', { status: 'lost' }), 'INVALID_ARGUMENT');
  assertCode(() => mem.get(['one']), 'INVALID_ARGUMENT');
  assertCode(() => mem.recent({ limit: -1 }), 'INVALID_ARGUMENT');
  assertCode(() => mem.endSession(7), 'INVALID_ARGUMENT');
  assertCode(() => mem.setEmbedder({ id: 'x', dimension: 0, embed: () => [] }), 'INVALID_ARGUMENT');
  assertCode(() => mem.setLlm('not a function'), 'INVALID_ARGUMENT');
  // The store still works after every failure.
  assert.equal(mem.recordEvent({ sessionId: 's1', payload: { type: 'note', text: 'still fine' } }).inserted, true);
});

test('a missing library is LIBRARY_NOT_FOUND, naming where it looked', () => {
  const script = `
    import { Memory, MemcoreError } from ${JSON.stringify(INDEX)};
    try { Memory.open('/tmp/never.db'); } catch (e) {
      console.log(JSON.stringify({ isError: e instanceof MemcoreError, code: e.code, status: e.status, message: e.message }));
    }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, MEMCORE_LIB: '/nonexistent/libmemcore.so' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const error = JSON.parse(result.stdout);
  assert.deepEqual(
    { isError: error.isError, code: error.code, status: error.status },
    { isError: true, code: 'LIBRARY_NOT_FOUND', status: -1 },
  );
  assert.match(error.message, /\/nonexistent\/libmemcore\.so/);
  assert.match(error.message, /MEMCORE_LIB/);
});

test('the library is found through MEMCORE_LIB (a file or a directory), else next to the package', () => {
  const probe = `
    import { libraryCandidates, libraryPath } from ${JSON.stringify(INDEX)};
    console.log(JSON.stringify({ candidates: libraryCandidates(), path: process.env.MEMCORE_LIB ? libraryPath() : null }));`;
  const ask = (env) => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  };
  const loaded = libraryPathOfThisProcess();
  const viaDirectory = ask({ ...process.env, MEMCORE_LIB: dirname(loaded) });
  assert.equal(viaDirectory.path, loaded);
  assert.deepEqual(viaDirectory.candidates, [loaded]);

  const { MEMCORE_LIB: _unset, ...withoutVariable } = process.env;
  const { candidates } = ask(withoutVariable);
  const name = basename(loaded);
  const packageDir = dirname(INDEX);
  assert.deepEqual(candidates, [
    join(packageDir, 'lib', name),
    join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`, name),
    join(packageDir, name),
    join(packageDir, '..', '..', 'target', 'release', name),
    join(packageDir, '..', '..', 'target', 'debug', name),
  ]);
});
