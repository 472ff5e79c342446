// The README's example and the example agent run as written, and the TypeScript declarations
// describe what they do: the documentation cannot rot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { libraryPath } from '../index.js';
import { tempDir } from '../test-support/helpers.mjs';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_DIR = join(PACKAGE_DIR, '..', '..');

/** The first ```js block in the sections whose headings match `heading`, or null. */
function jsBlock(markdown, heading) {
  const headings = new RegExp(heading.source, 'gm');
  for (let found = headings.exec(markdown); found !== null; found = headings.exec(markdown)) {
    const level = /^#+/.exec(found[0])[0].length;
    const rest = markdown.slice(found.index + found[0].length);
    const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest);
    const section = next === null ? rest : rest.slice(0, next.index);
    const match = /```js\n([\s\S]*?)```/.exec(section);
    if (match) return match[1];
  }
  return null;
}

function run(args, options) {
  const result = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    ...options,
    // The library this suite tests, whichever way it was found.
    env: { ...process.env, MEMCORE_LIB: libraryPath(), ...options.env },
  });
  assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test("the README's Node example runs as written", (t) => {
  const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
  const example = jsBlock(readme, /^## Using it from Node/m);
  assert.ok(example, 'bindings/node/README.md has a ```js block under "## Using it from Node"');
  assert.ok(example.split('\n').filter((line) => line.trim()).length <= 12, 'the example stays short');

  // A project that installed the package: node_modules/memcore -> this package.
  const project = tempDir(t);
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(PACKAGE_DIR, join(project, 'node_modules', 'memcore'), 'dir');
  writeFileSync(join(project, 'example.mjs'), example);
  const dbPath = join(project, 'data', 'memory.db');
  const output = run(['example.mjs'], { cwd: project, env: { MEMCORE_DB: dbPath } });
  assert.match(output, /# Memory of shop/);
  assert.match(output, /applyCoupon\(subtotal, coupon\)/);
  assert.ok(existsSync(dbPath), 'the store went to $MEMCORE_DB');
});

test("the root README's Node example, when there is one, is this package's", (t) => {
  const root = join(REPO_DIR, 'README.md');
  const rootExample = existsSync(root) ? jsBlock(readFileSync(root, 'utf8'), /^#{2,4} .*\bNode\b.*$/m) : null;
  if (rootExample === null) {
    t.skip('the root README has no Node section yet');
    return;
  }
  const packageExample = jsBlock(readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8'), /^## Using it from Node/m);
  assert.equal(rootExample, packageExample);
});

test('examples/node/agent.mjs runs: LLM extraction, summary, and the next session\'s context', (t) => {
  const agent = join(REPO_DIR, 'examples', 'node', 'agent.mjs');
  const dir = tempDir(t);
  const output = run([agent, join(dir, 'memory.db')], { cwd: dir });
  assert.match(output, /session-1: recorded 7 events/);
  assert.match(output, /extraction \(1 LLM call\): 2 observations from 7 events/);
  assert.match(output, /context injected at the start of session-2/);
  assert.match(output, /Checkout total ignored the coupon/);
  assert.match(output, /Next steps: Reject expired coupons/);
  assert.match(output, /secret stored: no/);

  const heuristic = run([agent, '--heuristic'], { cwd: dir });
  assert.match(heuristic, /extraction \(heuristic, no LLM\): [1-9]\d* observations/);
  assert.match(heuristic, /secret stored: no/);
});

test('the TypeScript declarations type-check a strict usage (tsc --strict)', (t) => {
  const tsc = join(PACKAGE_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    t.skip('typescript is not installed (npm ci installs it as a dev dependency)');
    return;
  }
  run([tsc, '-p', join(PACKAGE_DIR, 'test', 'types', 'tsconfig.json')], { cwd: PACKAGE_DIR });
});
