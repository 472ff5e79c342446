// Shared helpers of the node:test suite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memory } from '../index.js';

/** A fresh directory, removed when the test ends. */
export function tempDir(t, prefix = 'memcore-node-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store in a fresh directory, closed and removed when the test ends. */
export function tempStore(t, config) {
  const dir = tempDir(t);
  const mem = Memory.open(join(dir, 'memory.db'), config);
  t.after(() => mem.close());
  return mem;
}

/** Records a short coding session: a prompt, a failing test, the fix, the passing run. */
export function recordBugfixSession(mem, { sessionId = 's1', project = 'shop' } = {}) {
  mem.startSession({ id: sessionId, project, agent: 'node-test' });
  mem.recordEvent({
    sessionId,
    payload: { type: 'user_prompt', text: 'Why does the checkout total ignore the coupon?' },
  });
  mem.recordEvent({
    sessionId,
    payload: {
      type: 'tool_use',
      toolName: 'Bash',
      input: { command: 'npm test -- cart' },
      error: 'FAIL cart.test.js: expected total 90, got 100 (coupon SAVE10 not applied)',
      toolUseId: `${sessionId}-tu1`,
    },
  });
  mem.recordEvent({
    sessionId,
    payload: {
      type: 'tool_use',
      toolName: 'Edit',
      input: {
        file_path: 'src/cart.js',
        old_string: 'return subtotal;',
        new_string: 'return applyCoupon(subtotal, coupon);',
      },
      output: 'The file src/cart.js has been updated.',
      toolUseId: `${sessionId}-tu2`,
    },
  });
  mem.recordEvent({
    sessionId,
    payload: {
      type: 'tool_use',
      toolName: 'Bash',
      input: { command: 'npm test -- cart' },
      output: 'PASS cart.test.js (12 tests)',
      toolUseId: `${sessionId}-tu3`,
    },
  });
  mem.recordEvent({
    sessionId,
    payload: { type: 'assistant_message', text: 'The coupon is now applied in computeTotal in src/cart.js.' },
  });
}

/** A canned LLM answer: the JSON array of observations memcore's prompt asks for. */
export function cannedObservations(request, title = 'Checkout total now applies the coupon') {
  return JSON.stringify([
    {
      kind: 'bugfix',
      title,
      subtitle: 'computeTotal skipped applyCoupon',
      narrative: 'The cart total ignored coupons because computeTotal returned the subtotal.',
      facts: ['computeTotal in src/cart.js now calls applyCoupon'],
      concepts: ['problem-solution'],
      files_read: [],
      files_modified: ['src/cart.js'],
      source_event_ids: request.eventIds,
    },
  ]);
}
