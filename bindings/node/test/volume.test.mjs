// Ten thousand events recorded through the binding are all there, counted and listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempStore } from '../test-support/helpers.mjs';

const COUNT = 10_000;

test(`${COUNT} events are recorded and counted`, (t) => {
  const mem = tempStore(t);
  mem.startSession({ id: 'bulk', project: 'volume', agent: 'node-test' });
  const started = process.hrtime.bigint();
  let lastId = 0;
  for (let i = 0; i < COUNT; i += 1) {
    const { id, inserted } = mem.recordEvent({
      sessionId: 'bulk',
      payload: {
        type: 'tool_use',
        toolName: i % 3 === 0 ? 'Bash' : 'Read',
        input: { command: `npm test -- --shard ${i}`, file_path: `src/module_${i % 97}.js` },
        output: `ok ${i}: ${'·'.repeat(i % 50)}`,
        toolUseId: `tu-${i}`,
      },
    });
    assert.ok(inserted && id > lastId);
    lastId = id;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  t.diagnostic(`${COUNT} recordEvent calls in ${seconds.toFixed(2)} s (${((seconds * 1e6) / COUNT).toFixed(1)} µs/call)`);

  const stats = mem.stats({ project: 'volume' });
  assert.equal(stats.events, COUNT);
  assert.equal(stats.pendingEvents, COUNT);
  const events = mem.events('bulk');
  assert.equal(events.length, COUNT);
  assert.equal(events[0].externalId, 'tu-0');
  assert.equal(events[COUNT - 1].payload.input.command, `npm test -- --shard ${COUNT - 1}`);
  assert.equal(new Set(events.map((event) => event.id)).size, COUNT);

  // Recording them again adds nothing: every tool-use id is an idempotency key.
  for (let i = 0; i < COUNT; i += 1000) {
    const again = mem.recordEvent({
      sessionId: 'bulk',
      payload: { type: 'tool_use', toolName: 'Bash', input: {}, toolUseId: `tu-${i}` },
    });
    assert.equal(again.inserted, false);
  }
  assert.equal(mem.stats({ project: 'volume' }).events, COUNT);
});
